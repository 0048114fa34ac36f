#ifndef WARDEN_HTTP_HEAD_H
#define WARDEN_HTTP_HEAD_H

#include <sys/types.h>
#include <stddef.h>

#include "attrib.h"

/*
 * Finds the end of an HTTP/1.1 message head (start line + field lines +
 * empty line) and checks its line structure before llhttp sees it
 * (RFC 9112 section 2.2, 5): every line ends in CRLF; no bare CR, no bare
 * LF, no obs-fold (a field line starting with SP or HTAB), no control
 * bytes other than HTAB inside field lines, none at all in the start line,
 * no whitespace between a field name and its colon, no empty field name,
 * no field line without a colon. Bytes >= 0x80 are allowed in field
 * values (obs-text) but not in the start line or field names.
 *
 * Incremental: call again with the same state and a longer buffer (the
 * same bytes plus more) until it returns the head length. Each byte is
 * examined once.
 */

enum http_head_err {
	HTTP_HEAD_OK = 0,
	HTTP_HEAD_BARE_CR,
	HTTP_HEAD_BARE_LF,
	HTTP_HEAD_OBS_FOLD,
	HTTP_HEAD_CTL,			/* control byte (or NUL) */
	HTTP_HEAD_BAD_START_LINE,	/* 8-bit byte or empty */
	HTTP_HEAD_WS_BEFORE_COLON,
	HTTP_HEAD_BAD_FIELD,		/* no colon, empty or bad name */
	HTTP_HEAD_START_LINE_TOO_LONG,	/* a request answers 414 */
	HTTP_HEAD_FIELDS_TOO_LARGE,	/* 431 */
	HTTP_HEAD_TOO_MANY_FIELDS,	/* 431 */
};
const char	*http_head_err_str(enum http_head_err);

/* Inclusive: a start line of exactly max_start_line bytes passes. */
struct http_head_limits {
	size_t	max_start_line;	/* bytes, without CRLF */
	size_t	max_fields;	/* bytes of all field lines, with CRLFs */
	size_t	max_count;	/* field lines */
};

/* Set up by http_head_scan_init(); only http_head_scan() looks inside. */
struct http_head_scan {
	size_t		off;		/* next byte to examine */
	size_t		line_start;
	size_t		nfields;
	int		in_start_line;
	int		seen_colon;
	int		state;		/* where off stands in the grammar */
	size_t		fields_start;	/* first byte after the start line */
	enum http_head_err err;		/* kept once the scan has failed */
};

void	http_head_scan_init(struct http_head_scan *st) WD_NONNULL(1);

/*
 * Returns the head's length (through the final CRLF CRLF), WD_AGAIN when
 * more bytes are needed, or -1 with *why set. Leading empty lines are not
 * skipped here: the caller drops CRLFs that come before a request line.
 */
ssize_t	http_head_scan(struct http_head_scan *st, const char *buf, size_t len,
	    const struct http_head_limits *lim, enum http_head_err *why)
	    WD_NONNULL(1, 2, 4, 5) WD_WUR;

#endif
