#ifndef WARDEN_ERRPAGE_H
#define WARDEN_ERRPAGE_H

#include <stddef.h>

#include "attrib.h"

/*
 * The small HTML pages wardend answers with itself (errors, its status
 * page). Every value is HTML-escaped.
 */

/* The reason phrase for a status code ("Bad Gateway"), "Unknown" if none. */
const char	*http_status_text(int status);

/*
 * Renders an error page into buf: the status and its text as title, a
 * sentence saying what failed (detail), the URL it was for (may be NULL),
 * and the proxy's name (visible_hostname). Returns the length, or -1 if
 * buf is too small (2 KiB more than the escaped inputs always suffices).
 */
int	errpage_render(int status, const char *detail, const char *url,
	    const char *visible_hostname, char *buf, size_t len)
	    WD_NONNULL(2, 4, 5) WD_WUR;

/* HTML-escapes s into buf (& < > " '). Returns the length or -1. */
int	errpage_escape(const char *s, char *buf, size_t len) WD_NONNULL(1, 2);

#endif
