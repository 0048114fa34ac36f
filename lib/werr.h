#ifndef WARDEN_WERR_H
#define WARDEN_WERR_H

#include "attrib.h"

/*
 * Why a lib/ call failed, in words for an administrator. Fixed size, no
 * allocation, so it can be used on any path.
 */
struct werr {
	char	msg[256];
};

/* Formats the message into err (which may be NULL) and returns -1. */
int	werr_set(struct werr *err, const char *fmt, ...) WD_PRINTF(2, 3);

#endif
