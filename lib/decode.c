#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/decode.h>
/* next_in is then a pointer to const, as our input is. */
#define ZLIB_CONST
#include <zlib.h>

#include "decode.h"

/* The largest piece handed to the out callback. */
#define DECODE_CHUNK	(16 * 1024)

/* The most of a coding name an error message quotes. */
#define DECODE_NAME_QUOTE	32

static const char *const coding_names[] = {
	[CODING_IDENTITY] = "identity",
	[CODING_GZIP] = "gzip",
	[CODING_DEFLATE] = "deflate",
	[CODING_BR] = "br",
};

const char *
coding_str(enum coding c)
{
	if ((unsigned)c >= WD_NELEM(coding_names))
		return "unknown";
	return coding_names[c];
}

/* ASCII only: codings are not subject to the locale. */
static unsigned char
decode_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool
decode_eq(const char *s, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (word[i] == '\0' ||
		    decode_lower((unsigned char)s[i]) != (unsigned char)word[i])
			return false;
	return word[len] == '\0';
}

static bool
decode_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* tchar of RFC 9110 section 5.6.2. */
static bool
decode_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* The next list element of [*p, end), white space trimmed; false at end. */
static bool
decode_next_elem(const char **p, const char *end, const char **s,
    size_t *len)
{
	const char *b, *e;

	if (*p >= end)
		return false;
	b = *p;
	e = memchr(b, ',', (size_t)(end - b));
	*p = e == NULL ? end : e + 1;
	if (e == NULL)
		e = end;
	while (b < e && decode_ows(*b))
		b++;
	while (e > b && decode_ows(e[-1]))
		e--;
	*s = b;
	*len = (size_t)(e - b);
	return true;
}

/*
 * A single coding name (no parameters: Content-Encoding has none), or -1
 * when Warden does not decode it. "x-gzip" is gzip (RFC 9110 section
 * 8.4.1.3).
 */
static int
decode_coding_name(const char *s, size_t len, enum coding *c)
{
	if (decode_eq(s, len, "gzip") || decode_eq(s, len, "x-gzip"))
		*c = CODING_GZIP;
	else if (decode_eq(s, len, "deflate"))
		*c = CODING_DEFLATE;
	else if (decode_eq(s, len, "br"))
		*c = CODING_BR;
	else if (decode_eq(s, len, "identity"))
		*c = CODING_IDENTITY;
	else
		return -1;
	return 0;
}

/*
 * RFC 9110 section 8.4: the codings are listed in the order applied.
 * Undoing two of them is possible but nobody sends it except to hide a
 * body, so it is refused rather than half-decoded. Empty elements are
 * allowed by the list rule (section 5.6.1).
 */
int
decode_coding_parse(const char *v, size_t len, enum coding *c,
    struct werr *err)
{
	const char *p = v, *end = v + len, *s;
	char names[64];
	size_t n, used = 0;
	enum coding one, found = CODING_IDENTITY;
	unsigned count = 0;
	bool cut = false;
	int w;

	names[0] = '\0';
	while (decode_next_elem(&p, end, &s, &n)) {
		if (n == 0)
			continue;
		if (decode_coding_name(s, n, &one) == -1)
			return werr_set(err,
			    "content coding '%.*s%s' is not supported",
			    (int)(n > DECODE_NAME_QUOTE ? DECODE_NAME_QUOTE :
			    n), s, n > DECODE_NAME_QUOTE ? "..." : "");
		if (one == CODING_IDENTITY)
			continue;
		found = one;
		if (!cut) {
			w = snprintf(names + used, sizeof(names) - used,
			    "%s%s", count > 0 ? ", " : "", coding_str(one));
			if (w < 0 || (size_t)w >= sizeof(names) - used) {
				names[used] = '\0';
				cut = true;
			} else
				used += (size_t)w;
		}
		count++;
	}
	if (count > 1)
		return werr_set(err, "more than one content coding (%s%s)",
		    names, cut ? ", ..." : "");
	*c = found;
	return 0;
}

/*
 * A qvalue of RFC 9110 section 12.4.2: "0" [ "." 0*3DIGIT ] or
 * "1" [ "." 0*3("0") ]. Sets *zero when it is a refusal.
 */
static bool
decode_qvalue(const char *s, size_t len, bool *zero)
{
	size_t i;

	if (len == 0 || (s[0] != '0' && s[0] != '1'))
		return false;
	*zero = s[0] == '0';
	if (len == 1)
		return true;
	if (s[1] != '.' || len > 5)
		return false;
	for (i = 2; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (s[0] == '1' && s[i] != '0')
			return false;
		if (s[i] != '0')
			*zero = false;
	}
	return true;
}

/* One element of Accept-Encoding: a coding and its weight, if any. */
struct decode_ae {
	const char	*name;		/* lowercased on output */
	size_t		 namelen;
	const char	*q;		/* NULL: no weight written */
	size_t		 qlen;
	bool		 refused;	/* q=0 */
};

/*
 * Parses codings [ OWS ";" OWS "q=" qvalue ]; false for anything else
 * (other parameters, a bad qvalue, not a token), which is dropped.
 */
static bool
decode_ae_parse(const char *s, size_t len, struct decode_ae *ae)
{
	const char *end = s + len, *p = s;

	memset(ae, 0, sizeof(*ae));
	while (p < end && decode_tchar((unsigned char)*p))
		p++;
	if (p == s)
		return false;
	ae->name = s;
	ae->namelen = (size_t)(p - s);
	while (p < end && decode_ows(*p))
		p++;
	if (p == end)
		return true;
	if (*p++ != ';')
		return false;
	while (p < end && decode_ows(*p))
		p++;
	if (end - p < 2 || decode_lower((unsigned char)p[0]) != 'q' ||
	    p[1] != '=')
		return false;
	p += 2;
	ae->q = p;
	ae->qlen = (size_t)(end - p);
	return decode_qvalue(ae->q, ae->qlen, &ae->refused);
}

/* Appends len bytes of s to out, lowercased when lower. */
static bool
decode_put(char *out, size_t outlen, size_t *used, const char *s,
    size_t len, bool lower)
{
	size_t i;

	if (len >= outlen - *used)
		return false;
	for (i = 0; i < len; i++)
		out[*used + i] = lower ?
		    (char)decode_lower((unsigned char)s[i]) : s[i];
	*used += len;
	out[*used] = '\0';
	return true;
}

static bool
decode_put_ae(char *out, size_t outlen, size_t *used, const char *name,
    size_t namelen, const struct decode_ae *ae)
{
	if (*used > 0 && !decode_put(out, outlen, used, ", ", 2, false))
		return false;
	if (!decode_put(out, outlen, used, name, namelen, true))
		return false;
	if (ae->q == NULL)
		return true;
	return decode_put(out, outlen, used, ";q=", 3, false) &&
	    decode_put(out, outlen, used, ae->q, ae->qlen, false);
}

/* The codings "*" stands for (all but identity), as bits of enum coding. */
#define DECODE_STAR	(1u << CODING_GZIP | 1u << CODING_DEFLATE | \
	1u << CODING_BR)

/* The codings v names explicitly (x-gzip counting as gzip). */
static unsigned
decode_ae_named(const char *v, size_t len)
{
	const char *p = v, *end = v + len, *s;
	struct decode_ae ae;
	enum coding one;
	unsigned named = 0;
	size_t n;

	while (decode_next_elem(&p, end, &s, &n))
		if (decode_ae_parse(s, n, &ae) &&
		    decode_coding_name(ae.name, ae.namelen, &one) == 0)
			named |= 1u << one;
	return named;
}

/*
 * RFC 9110 section 12.5.3. "*" matches the codings not listed otherwise,
 * so it stands for those of gzip, deflate and br that v does not name
 * (a second "*" adds nothing). Refusals (q=0) are kept, but do not count
 * as something acceptable: a list of only refusals becomes "identity",
 * which refuses all codings as well.
 */
int
decode_accept_encoding(const char *v, size_t len, char *out, size_t outlen)
{
	const char *p = v, *end = v + len, *s, *name;
	struct decode_ae ae;
	enum coding one, c;
	size_t n, used = 0;
	unsigned named;
	bool acceptable = false;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	named = decode_ae_named(v, len);
	while (decode_next_elem(&p, end, &s, &n)) {
		if (!decode_ae_parse(s, n, &ae))
			continue;
		if (ae.namelen == 1 && ae.name[0] == '*') {
			for (c = CODING_GZIP; c <= CODING_BR; c++) {
				if ((named & 1u << c) != 0)
					continue;
				name = coding_str(c);
				if (!decode_put_ae(out, outlen, &used, name,
				    strlen(name), &ae))
					return -1;
				acceptable |= !ae.refused;
			}
			named |= DECODE_STAR;
			continue;
		}
		if (decode_coding_name(ae.name, ae.namelen, &one) == -1)
			continue;
		if (!decode_put_ae(out, outlen, &used, ae.name, ae.namelen,
		    &ae))
			return -1;
		acceptable |= !ae.refused;
	}
	if (!acceptable) {
		used = 0;
		if (!decode_put(out, outlen, &used, "identity", 8, false))
			return -1;
	}
	return (int)used;
}

enum decode_state {
	DECODE_S_SNIFF,		/* deflate: which of the two forms */
	DECODE_S_RUN,
	DECODE_S_MEMBER,	/* gzip: a member ended, is another next? */
	DECODE_S_END,
	DECODE_S_STOPPED,
	DECODE_S_FAILED,
};

struct decode {
	enum coding		 coding;
	enum decode_state	 state;
	uint64_t		 max_out;
	uint64_t		 total_out;
	uint64_t		 total_in;
	z_stream		 z;
	bool			 z_init;
	BrotliDecoderState	*br;
	unsigned char		 head[2];	/* the first bytes, sniffed */
	size_t			 headlen;
	struct werr		 err;		/* repeated after a failure */
	unsigned char		 buf[DECODE_CHUNK];
};

struct decode *
decode_new(enum coding c, uint64_t max_out)
{
	struct decode *d;
	int bits;

	if ((unsigned)c >= WD_NELEM(coding_names))
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->coding = c;
	d->max_out = max_out;
	d->state = c == CODING_DEFLATE ? DECODE_S_SNIFF : DECODE_S_RUN;
	switch (c) {
	case CODING_GZIP:
	case CODING_DEFLATE:
		/* 16 + : a gzip wrapper (RFC 1952), not zlib's. */
		bits = c == CODING_GZIP ? 16 + MAX_WBITS : MAX_WBITS;
		if (inflateInit2(&d->z, bits) != Z_OK)
			goto fail;
		d->z_init = true;
		break;
	case CODING_BR:
		if ((d->br = BrotliDecoderCreateInstance(NULL, NULL,
		    NULL)) == NULL)
			goto fail;
		break;
	case CODING_IDENTITY:
		break;
	}
	return d;
fail:
	decode_free(d);
	return NULL;
}

/* Records a failure so that later calls repeat it; returns -1. */
static int WD_PRINTF(3, 4)
decode_fail(struct decode *d, struct werr *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err.msg, sizeof(d->err.msg), fmt, ap);
	va_end(ap);
	d->state = DECODE_S_FAILED;
	if (err != NULL)
		*err = d->err;
	return -1;
}

/*
 * How much output the next engine call may produce: one byte more than
 * max_out still allows, so that overstepping shows without decoding
 * further.
 */
static size_t
decode_room(const struct decode *d)
{
	uint64_t left = d->max_out - d->total_out;

	return left >= DECODE_CHUNK ? DECODE_CHUNK : (size_t)left + 1;
}

/* Hands n decoded bytes to out: DECODE_OK, DECODE_STOPPED or -1. */
static int
decode_emit(struct decode *d, const void *p, size_t n, decode_out_fn out,
    void *arg, struct werr *err)
{
	if (n == 0)
		return DECODE_OK;
	if (n > d->max_out - d->total_out)
		return decode_fail(d, err, "decoded body exceeds %llu bytes",
		    (unsigned long long)d->max_out);
	d->total_out += n;
	if (out(arg, p, n) != 0) {
		d->state = DECODE_S_STOPPED;
		return DECODE_STOPPED;
	}
	return DECODE_OK;
}

/*
 * RFC 1950 section 2.2: CM 8, a window of at most 32 KiB, a check that
 * makes the first two bytes a multiple of 31, and no preset dictionary
 * (HTTP has no way to share one). Raw deflate (RFC 1951), which servers
 * send under "deflate" as often as the zlib form, fails this: its first
 * block header would need a stored block with padding bits set, which no
 * compressor writes, so no retry after a wrong guess is needed.
 */
static bool
decode_zlib_header(const unsigned char h[2])
{
	return (h[0] & 0x0f) == Z_DEFLATED && (h[0] >> 4) <= 7 &&
	    ((unsigned)h[0] << 8 | h[1]) % 31 == 0 && (h[1] & 0x20) == 0;
}

/* Whether a gzip member starts with h (RFC 1952 section 2.3.1). */
static bool
decode_gzip_magic(const unsigned char h[2])
{
	return h[0] == 0x1f && h[1] == 0x8b;
}

static int
decode_zlib_error(struct decode *d, int rc, struct werr *err)
{
	if (rc == Z_MEM_ERROR)
		return decode_fail(d, err, "out of memory decoding %s data",
		    coding_str(d->coding));
	return decode_fail(d, err, "corrupt %s data: %s",
	    coding_str(d->coding), d->z.msg != NULL ? d->z.msg :
	    "unknown error");
}

/*
 * Runs inflate over len bytes until all are consumed and all output is
 * handed on. A gzip member's end leaves the rest of the input to the
 * caller (*used tells how much was taken) in DECODE_S_MEMBER.
 */
static int
decode_zlib(struct decode *d, const unsigned char *in, size_t len,
    size_t *used, decode_out_fn out, void *arg, struct werr *err)
{
	size_t room, n, slice;
	int rc, r;

	*used = 0;
	for (;;) {
		/* avail_in is an unsigned int; feed huge input in slices. */
		slice = len - *used > UINT32_MAX / 2 ? UINT32_MAX / 2 :
		    len - *used;
		d->z.next_in = in + *used;
		d->z.avail_in = (uInt)slice;
		room = decode_room(d);
		d->z.next_out = d->buf;
		d->z.avail_out = (uInt)room;
		rc = inflate(&d->z, Z_NO_FLUSH);
		*used += slice - d->z.avail_in;
		n = room - d->z.avail_out;
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
			return decode_zlib_error(d, rc, err);
		if ((r = decode_emit(d, d->buf, n, out, arg, err)) != DECODE_OK)
			return r;
		if (rc == Z_STREAM_END) {
			if (d->coding != CODING_GZIP) {
				d->state = DECODE_S_END;
				return DECODE_END;
			}
			d->state = DECODE_S_MEMBER;
			d->headlen = 0;
			return DECODE_OK;
		}
		/* No progress possible: zlib wants more input. */
		if (rc == Z_BUF_ERROR)
			return DECODE_OK;
		if (*used == len && d->z.avail_out != 0)
			return DECODE_OK;
	}
}

/* "padding 1" for BROTLI_DECODER_ERROR_FORMAT_PADDING_1. */
static const char *
decode_brotli_why(BrotliDecoderErrorCode code, char *buf, size_t len)
{
	const char *s = BrotliDecoderErrorString(code);
	size_t i;

	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		buf[i] = s[i] == '_' ? ' ' : (char)decode_lower(
		    (unsigned char)s[i]);
	buf[i] = '\0';
	return buf;
}

static int
decode_brotli(struct decode *d, const unsigned char *in, size_t len,
    decode_out_fn out, void *arg, struct werr *err)
{
	BrotliDecoderResult rc;
	BrotliDecoderErrorCode code;
	const uint8_t *next_in = in;
	uint8_t *next_out;
	size_t avail_in = len, avail_out, room;
	char why[64];
	int r;

	for (;;) {
		room = decode_room(d);
		next_out = d->buf;
		avail_out = room;
		rc = BrotliDecoderDecompressStream(d->br, &avail_in, &next_in,
		    &avail_out, &next_out, NULL);
		if (rc == BROTLI_DECODER_RESULT_ERROR) {
			code = BrotliDecoderGetErrorCode(d->br);
			/* decode.h: -21 to -30 are allocation failures. */
			if (code <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES &&
			    code >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES)
				return decode_fail(d, err,
				    "out of memory decoding br data");
			return decode_fail(d, err, "corrupt brotli data: %s",
			    decode_brotli_why(code, why, sizeof(why)));
		}
		r = decode_emit(d, d->buf, room - avail_out, out, arg, err);
		if (r != DECODE_OK)
			return r;
		if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
			d->state = DECODE_S_END;
			return DECODE_END;
		}
		if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
			return DECODE_OK;
		/* NEEDS_MORE_OUTPUT: go round with an empty buffer. */
	}
}

static int
decode_identity(struct decode *d, const unsigned char *in, size_t len,
    decode_out_fn out, void *arg, struct werr *err)
{
	size_t n;
	int r;

	while (len > 0) {
		n = len > DECODE_CHUNK ? DECODE_CHUNK : len;
		if ((r = decode_emit(d, in, n, out, arg, err)) != DECODE_OK)
			return r;
		in += n;
		len -= n;
	}
	return DECODE_OK;
}

/*
 * Collects the first two bytes of a deflate stream, or of what follows a
 * gzip member, into d->head; true once there are two.
 */
static bool
decode_head(struct decode *d, const unsigned char **in, size_t *len)
{
	while (d->headlen < sizeof(d->head) && *len > 0) {
		d->head[d->headlen++] = **in;
		(*in)++;
		(*len)--;
	}
	return d->headlen == sizeof(d->head);
}

int
decode_feed(struct decode *d, const void *in, size_t len,
    decode_out_fn out, void *arg, struct werr *err)
{
	const unsigned char *p = in;
	size_t used;
	int r;

	switch (d->state) {
	case DECODE_S_END:
		return DECODE_END;
	case DECODE_S_STOPPED:
		return DECODE_STOPPED;
	case DECODE_S_FAILED:
		if (err != NULL)
			*err = d->err;
		return -1;
	default:
		break;
	}
	if (len == 0)
		return DECODE_OK;
	d->total_in += len;
	switch (d->coding) {
	case CODING_IDENTITY:
		return decode_identity(d, p, len, out, arg, err);
	case CODING_BR:
		return decode_brotli(d, p, len, out, arg, err);
	case CODING_GZIP:
	case CODING_DEFLATE:
		break;
	}
	while (len > 0) {
		if (d->state == DECODE_S_SNIFF) {
			if (!decode_head(d, &p, &len))
				return DECODE_OK;
			if (!decode_zlib_header(d->head) &&
			    inflateReset2(&d->z, -MAX_WBITS) != Z_OK)
				return decode_fail(d, err,
				    "cannot reset the deflate decoder");
			d->state = DECODE_S_RUN;
			r = decode_zlib(d, d->head, d->headlen, &used, out,
			    arg, err);
			if (r != DECODE_OK)
				return r;
		} else if (d->state == DECODE_S_MEMBER) {
			/*
			 * RFC 1952 section 2.2: a gzip file is a series of
			 * members. Anything else after one is padding or
			 * junk that some servers append, and ends the body.
			 */
			if (!decode_head(d, &p, &len)) {
				if (d->head[0] == 0x1f)
					return DECODE_OK;
				d->state = DECODE_S_END;
				return DECODE_END;
			}
			if (!decode_gzip_magic(d->head)) {
				d->state = DECODE_S_END;
				return DECODE_END;
			}
			if (inflateReset(&d->z) != Z_OK)
				return decode_fail(d, err,
				    "cannot reset the gzip decoder");
			d->state = DECODE_S_RUN;
			r = decode_zlib(d, d->head, d->headlen, &used, out,
			    arg, err);
			if (r != DECODE_OK)
				return r;
		}
		r = decode_zlib(d, p, len, &used, out, arg, err);
		if (r != DECODE_OK)
			return r;
		if (used < len && d->state == DECODE_S_RUN)
			return decode_fail(d, err,
			    "%s decoder made no progress",
			    coding_str(d->coding));
		p += used;
		len -= used;
	}
	return DECODE_OK;
}

/*
 * An empty body is not a cut stream: servers label empty responses with
 * the coding of the non-empty ones. Neither is a lone byte after a
 * complete gzip member, which could not start another.
 */
int
decode_finish(struct decode *d, struct werr *err)
{
	switch (d->state) {
	case DECODE_S_END:
	case DECODE_S_STOPPED:
	case DECODE_S_MEMBER:
		return 0;
	case DECODE_S_FAILED:
		if (err != NULL)
			*err = d->err;
		return -1;
	case DECODE_S_SNIFF:
	case DECODE_S_RUN:
		break;
	}
	if (d->coding == CODING_IDENTITY || d->total_in == 0)
		return 0;
	return decode_fail(d, err, "truncated %s stream",
	    coding_str(d->coding));
}

uint64_t
decode_total(const struct decode *d)
{
	return d->total_out;
}

void
decode_free(struct decode *d)
{
	if (d == NULL)
		return;
	if (d->z_init)
		inflateEnd(&d->z);
	if (d->br != NULL)
		BrotliDecoderDestroyInstance(d->br);
	free(d);
}
