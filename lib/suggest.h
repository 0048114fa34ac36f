#ifndef WARDEN_SUGGEST_H
#define WARDEN_SUGGEST_H

#include <stddef.h>

#include "attrib.h"

/*
 * "Did you mean ...?" for configuration and policy errors: the edit
 * (Levenshtein) distance between two words, ignoring case. Words longer
 * than SUGGEST_MAX_WORD are never close: SIZE_MAX. Any thread.
 */

#define SUGGEST_MAX_WORD	64

size_t	suggest_distance(const char *a, const char *b) WD_NONNULL(1, 2);

#endif
