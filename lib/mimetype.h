#ifndef WARDEN_MIMETYPE_H
#define WARDEN_MIMETYPE_H

#include <stdbool.h>
#include <stddef.h>

#include "attrib.h"
#include "werr.h"

/*
 * Media types and file extensions as the response policy compares them:
 * the "type/subtype" of a Content-Type, patterns with wildcards, the
 * extension of a URL path and of a Content-Disposition filename
 * (RFC 6266, with RFC 8187 filename*). Pure functions, any thread.
 */

#define MIMETYPE_MAX	128
#define MIMETYPE_EXT_MAX	32

/*
 * The media type of a Content-Type field value (len bytes): "type/subtype"
 * lowercased, parameters and white space dropped. Returns 0, or -1 when
 * the value is not a media type (out is then "").
 */
int	mimetype_from_field(const char *v, size_t len, char *out,
	    size_t outlen) WD_NONNULL(1, 3) WD_WUR;

/*
 * Whether a pattern as policy.conf writes it is valid: "type/subtype",
 * "type/" and a star, or a star alone (or star, slash, star: the same).
 * Names hold lowercase letters, digits and ! # $ & - ^ _ . + only: types
 * are matched lowercased, so uppercase is refused. 0, or -1 with err
 * saying what is wrong.
 */
int	mimetype_pattern_valid(const char *pat, struct werr *err)
	    WD_NONNULL(1) WD_WUR;
/* Whether type ("type/subtype", lowercase) matches pat. */
bool	mimetype_match(const char *pat, const char *type) WD_NONNULL(1, 2);

/*
 * The extension of the last segment of a URL path (before any '?' or
 * '#', after percent-decoding), lowercased and without the dot: "exe"
 * for "/dl/setup.EXE?x=1", "bashrc" for "/.bashrc". Returns 0, or -1
 * when there is none (out is then ""): no '.', nothing after the last
 * one, a path ending in '/'. An extension longer than MIMETYPE_EXT_MAX - 1
 * bytes, or with other than letters, digits, '_', '-' and '+', is none.
 */
int	mimetype_ext_from_path(const char *path, char *out, size_t outlen)
	    WD_NONNULL(1, 2) WD_WUR;
/*
 * The same for the filename of a Content-Disposition field value (len
 * bytes): filename*=UTF-8''... wins over filename="..." (quoted-pair
 * unescaped, then percent-decoded as browsers do); a path in the name,
 * with '/' or '\', counts by its last part.
 */
int	mimetype_ext_from_disposition(const char *v, size_t len, char *out,
	    size_t outlen) WD_NONNULL(1, 3) WD_WUR;
/* Whether an extension as policy.conf writes it is valid ("exe"). */
int	mimetype_ext_valid(const char *ext, struct werr *err)
	    WD_NONNULL(1) WD_WUR;

#endif
