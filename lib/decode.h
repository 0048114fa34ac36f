#ifndef WARDEN_DECODE_H
#define WARDEN_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "werr.h"

/*
 * Content codings (RFC 9110 section 8.4): what Warden can undo to look
 * at a body (gzip and x-gzip, deflate in both its zlib and its raw form,
 * br), a streaming decoder bounded in what it will produce, and the
 * narrowing of a request's Accept-Encoding to those codings.
 */

enum coding {
	CODING_IDENTITY = 0,
	CODING_GZIP,
	CODING_DEFLATE,
	CODING_BR,
};
const char	*coding_str(enum coding c);	/* "gzip" */

/*
 * The coding of a Content-Encoding field value (len bytes, may hold
 * "identity" and white space, case-insensitive). 0 with *c set, or -1
 * with err when Warden cannot decode it: an unknown coding, or more than
 * one coding applied.
 */
int	decode_coding_parse(const char *v, size_t len, enum coding *c,
	    struct werr *err) WD_NONNULL(1, 3) WD_WUR;

/*
 * The Accept-Encoding to send upstream for a request that had the field
 * value v (len bytes): the codings of v that Warden decodes, with their
 * q-values, "*" standing for all of them, in v's order. When none is
 * left the result is "identity" (never empty, which would ask for no
 * coding in a different way). Returns the length written to out (NUL-
 * terminated), or -1 if out is too small.
 */
int	decode_accept_encoding(const char *v, size_t len, char *out,
	    size_t outlen) WD_NONNULL(1, 3) WD_WUR;

struct decode;

/*
 * A decoder for c that refuses to produce more than max_out bytes in
 * total (a decompression bomb stops there, without decoding further).
 * NULL when out of memory. Free it with decode_free(); one thread at a
 * time may use it.
 */
struct decode	*decode_new(enum coding c, uint64_t max_out) WD_WUR;

/*
 * The callback that takes decoded bytes: 0 to go on, anything else to
 * stop decoding (decode_feed() then returns DECODE_STOPPED).
 */
typedef int	(*decode_out_fn)(void *arg, const void *buf, size_t len);

#define DECODE_OK	0	/* all of in consumed, more expected */
#define DECODE_END	1	/* the coded stream ended */
#define DECODE_STOPPED	2	/* out asked to stop */
/*
 * Decodes len bytes of in, handing the output to out in pieces of at
 * most 16 KiB. Returns DECODE_OK, DECODE_END (bytes after the end of the
 * stream are ignored), DECODE_STOPPED, or -1 with err ("corrupt gzip
 * data: ...", "decoded body exceeds N bytes"). After anything but
 * DECODE_OK the decoder is done: further calls return the same, and what
 * was left of in after DECODE_STOPPED is never decoded. A gzip stream
 * may hold several members, so gzip says DECODE_END only when bytes that
 * do not start a member follow one; until then decode_finish() decides.
 */
int	decode_feed(struct decode *d, const void *in, size_t len,
	    decode_out_fn out, void *arg, struct werr *err)
	    WD_NONNULL(1, 4) WD_WUR;
/*
 * At the end of the input: 0, or -1 with err if the stream was cut
 * ("truncated gzip stream"). No input at all is an empty body, not a
 * cut one.
 */
int	decode_finish(struct decode *d, struct werr *err) WD_NONNULL(1) WD_WUR;
/* Decoded bytes produced so far. */
uint64_t decode_total(const struct decode *d) WD_NONNULL(1);
void	decode_free(struct decode *d);

#endif
