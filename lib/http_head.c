#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "http_head.h"

/*
 * Where the scan stands. Each state names what the next byte may be; the
 * CR states exist so that a CRLF split across two reads is still checked
 * without looking back at a byte already examined.
 */
enum head_state {
	HS_START = 0,		/* in the start line */
	HS_START_CR,		/* start line ended by CR, LF must follow */
	HS_LINE,		/* first byte of a field line, or CR */
	HS_NAME,		/* in a field name */
	HS_NAME_WS,		/* whitespace after a field name */
	HS_VALUE,		/* after the colon */
	HS_VALUE_CR,		/* field line ended by CR, LF must follow */
	HS_END_CR,		/* the empty line's CR, LF must follow */
	HS_DONE,
	HS_FAIL,
};

/* Byte classes, as bits so one lookup answers "may this byte go on?". */
#define C_START	0x01	/* start line: SP and VCHAR (RFC 9112 section 3, 4) */
#define C_TOKEN	0x02	/* tchar (RFC 9110 section 5.6.2) */
#define C_VALUE	0x04	/* field-vchar, SP, HTAB (RFC 9110 section 5.5) */
#define C_CTL	0x08	/* CTL other than HTAB, CR, LF; and DEL */

#define T_	(C_START | C_TOKEN | C_VALUE)	/* tchar */
#define V_	(C_START | C_VALUE)		/* other VCHAR, and SP */
#define O_	(C_VALUE)			/* obs-text */
#define X_	(C_CTL)				/* NUL, ..., DEL */

static const uint8_t head_class[256] = {
	/* 0x00 */ X_, X_, X_, X_, X_, X_, X_, X_,
	/* 0x08 */ X_, C_VALUE, 0, X_, X_, 0, X_, X_,	/* HTAB LF CR */
	/* 0x10 */ X_, X_, X_, X_, X_, X_, X_, X_,
	/* 0x18 */ X_, X_, X_, X_, X_, X_, X_, X_,
	/* 0x20  SP  !   "   #   $   %   &   ' */
		   V_, T_, V_, T_, T_, T_, T_, T_,
	/* 0x28  (   )   *   +   ,   -   .   / */
		   V_, V_, T_, T_, V_, T_, T_, V_,
	/* 0x30  0-7 */
		   T_, T_, T_, T_, T_, T_, T_, T_,
	/* 0x38  8   9   :   ;   <   =   >   ? */
		   T_, T_, V_, V_, V_, V_, V_, V_,
	/* 0x40  @   A-G */
		   V_, T_, T_, T_, T_, T_, T_, T_,
	/* 0x48  H-O */
		   T_, T_, T_, T_, T_, T_, T_, T_,
	/* 0x50  P-W */
		   T_, T_, T_, T_, T_, T_, T_, T_,
	/* 0x58  X   Y   Z   [   \   ]   ^   _ */
		   T_, T_, T_, V_, V_, V_, T_, T_,
	/* 0x60  `   a-g */
		   T_, T_, T_, T_, T_, T_, T_, T_,
	/* 0x68  h-o */
		   T_, T_, T_, T_, T_, T_, T_, T_,
	/* 0x70  p-w */
		   T_, T_, T_, T_, T_, T_, T_, T_,
	/* 0x78  x   y   z   {   |   }   ~  DEL */
		   T_, T_, T_, V_, T_, V_, T_, X_,
	/* 0x80 - 0xff: obs-text */
	O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_,
	O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_,
	O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_,
	O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_,
	O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_,
	O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_,
	O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_,
	O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_,
};

#undef T_
#undef V_
#undef O_
#undef X_

/*
 * The length of the run at s (at most n bytes) that needs no second look:
 * SP and VCHAR, and obs-text too when obs is set. Sixteen bytes at a time
 * where SSE2 is there (every x86-64); the scalar loops do the rest and
 * the odd byte (HTAB) this stops at. Never reads past s + n.
 */
static size_t
head_run(const unsigned char *s, size_t n, int obs)
{
#if defined(__SSE2__)
	const __m128i below = _mm_set1_epi8(0x1f);
	const __m128i low = _mm_set1_epi8(0x20);
	const __m128i del = _mm_set1_epi8(0x7f);
	size_t i = 0;

	while (n - i >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)
		    (s + i));
		__m128i ok;
		unsigned m;

		if (obs)	/* unsigned x >= 0x20 */
			ok = _mm_cmpeq_epi8(_mm_max_epu8(x, low), x);
		else		/* signed x > 0x1f: 0x20..0x7f */
			ok = _mm_cmpgt_epi8(x, below);
		ok = _mm_andnot_si128(_mm_cmpeq_epi8(x, del), ok);
		m = (unsigned)_mm_movemask_epi8(ok);
		if (m != 0xffff)
			return i + (size_t)__builtin_ctz(~m);
		i += 16;
	}
	return i;
#else
	(void)s;
	(void)n;
	(void)obs;
	return 0;
#endif
}

const char *
http_head_err_str(enum http_head_err e)
{
	switch (e) {
	case HTTP_HEAD_OK:
		return "ok";
	case HTTP_HEAD_BARE_CR:
		return "bare CR";
	case HTTP_HEAD_BARE_LF:
		return "bare LF";
	case HTTP_HEAD_OBS_FOLD:
		return "obsolete line folding";
	case HTTP_HEAD_CTL:
		return "control character";
	case HTTP_HEAD_BAD_START_LINE:
		return "bad start line";
	case HTTP_HEAD_WS_BEFORE_COLON:
		return "whitespace before colon";
	case HTTP_HEAD_BAD_FIELD:
		return "bad field line";
	case HTTP_HEAD_START_LINE_TOO_LONG:
		return "start line too long";
	case HTTP_HEAD_FIELDS_TOO_LARGE:
		return "header fields too large";
	case HTTP_HEAD_TOO_MANY_FIELDS:
		return "too many header fields";
	}
	return "unknown http_head error";
}

void
http_head_scan_init(struct http_head_scan *st)
{
	st->off = 0;
	st->line_start = 0;
	st->nfields = 0;
	st->in_start_line = 1;
	st->seen_colon = 0;
	st->state = HS_START;
	st->fields_start = 0;
	st->err = HTTP_HEAD_OK;
}

/* base + n, or SIZE_MAX if that overflows (a limit of SIZE_MAX: none). */
static size_t
head_sat_add(size_t base, size_t n)
{
	return n > SIZE_MAX - base ? SIZE_MAX : base + n;
}

/*
 * The error a byte that may not stand where it is stands for, in the order
 * a reader would name it: line structure first, then control bytes.
 */
static enum http_head_err
head_bad_byte(unsigned char c, enum http_head_err otherwise)
{
	if (c == '\n')
		return HTTP_HEAD_BARE_LF;
	if (head_class[c] & C_CTL)
		return HTTP_HEAD_CTL;
	return otherwise;
}

/*
 * The hot loops run over a class table and stop at the first byte that is
 * not simply "more of the same", or at the end of what the limit allows;
 * only then does the switch look at that byte. Limits are inclusive: a
 * start line of exactly max_start_line bytes passes, and so does a field
 * section of exactly max_fields bytes (the final empty line not counted).
 */
ssize_t
http_head_scan(struct http_head_scan *st, const char *buf, size_t len,
    const struct http_head_limits *lim, enum http_head_err *why)
{
	const unsigned char *b = (const unsigned char *)buf;
	size_t p = st->off, stop, slim, flim;
	enum http_head_err e;
	unsigned char c;

	if (st->state == HS_DONE)
		return (ssize_t)st->off;
	if (st->state == HS_FAIL) {
		*why = st->err;
		return -1;
	}

	/* Bytes at or past these offsets are over the limit. */
	slim = lim->max_start_line;
	flim = head_sat_add(st->fields_start, lim->max_fields);

	while (p < len) {
		switch (st->state) {
		case HS_START:
			stop = slim < len ? slim : len;
			p += head_run(b + p, stop - p, 0);
			while (p < stop && (head_class[b[p]] & C_START))
				p++;
			if (p == len)
				goto again;
			c = b[p];
			if (c == '\r') {
				if (p == 0) {
					e = HTTP_HEAD_BAD_START_LINE;
					goto fail;
				}
				st->state = HS_START_CR;
				p++;
				break;
			}
			if (p >= slim)
				e = HTTP_HEAD_START_LINE_TOO_LONG;
			else if (c >= 0x80)
				e = HTTP_HEAD_BAD_START_LINE;
			else
				e = head_bad_byte(c, HTTP_HEAD_CTL);
			goto fail;

		case HS_START_CR:
			if (b[p] != '\n') {
				e = HTTP_HEAD_BARE_CR;
				goto fail;
			}
			p++;
			st->in_start_line = 0;
			st->line_start = p;
			st->fields_start = p;
			flim = head_sat_add(p, lim->max_fields);
			st->state = HS_LINE;
			break;

		case HS_LINE:
			c = b[p];
			if (c == '\r') {
				/* The empty line: not part of the fields. */
				st->state = HS_END_CR;
				p++;
				break;
			}
			if (c == ' ' || c == '\t') {
				/*
				 * RFC 9112 section 5.2 (obs-fold) and, before
				 * the first field, section 2.2.
				 */
				e = HTTP_HEAD_OBS_FOLD;
				goto fail;
			}
			if (c == '\n') {
				e = HTTP_HEAD_BARE_LF;
				goto fail;
			}
			if (p >= flim) {
				e = HTTP_HEAD_FIELDS_TOO_LARGE;
				goto fail;
			}
			if (st->nfields >= lim->max_count) {
				e = HTTP_HEAD_TOO_MANY_FIELDS;
				goto fail;
			}
			if (!(head_class[c] & C_TOKEN)) {
				e = head_bad_byte(c, HTTP_HEAD_BAD_FIELD);
				goto fail;
			}
			st->nfields++;
			st->seen_colon = 0;
			st->state = HS_NAME;
			p++;
			break;

		case HS_NAME:
			stop = flim < len ? flim : len;
			while (p < stop && (head_class[b[p]] & C_TOKEN))
				p++;
			if (p == len)
				goto again;
			if (p >= flim) {
				e = HTTP_HEAD_FIELDS_TOO_LARGE;
				goto fail;
			}
			c = b[p];
			if (c == ':') {
				st->seen_colon = 1;
				st->state = HS_VALUE;
			} else if (c == ' ' || c == '\t') {
				st->state = HS_NAME_WS;
			} else {
				/* A CR here ends a line that has no colon. */
				e = head_bad_byte(c, HTTP_HEAD_BAD_FIELD);
				goto fail;
			}
			p++;
			break;

		case HS_NAME_WS:
			stop = flim < len ? flim : len;
			while (p < stop && (b[p] == ' ' || b[p] == '\t'))
				p++;
			if (p == len)
				goto again;
			if (p >= flim) {
				e = HTTP_HEAD_FIELDS_TOO_LARGE;
				goto fail;
			}
			/* RFC 9112 section 5.1: 400 for "name :". */
			if (b[p] == ':')
				e = HTTP_HEAD_WS_BEFORE_COLON;
			else
				e = head_bad_byte(b[p], HTTP_HEAD_BAD_FIELD);
			goto fail;

		case HS_VALUE:
			stop = flim < len ? flim : len;
			for (;;) {
				p += head_run(b + p, stop - p, 1);
				if (p == stop || b[p] != '\t')
					break;
				p++;
			}
			while (p < stop && (head_class[b[p]] & C_VALUE))
				p++;
			if (p == len)
				goto again;
			if (p >= flim) {
				e = HTTP_HEAD_FIELDS_TOO_LARGE;
				goto fail;
			}
			c = b[p];
			if (c != '\r') {
				e = head_bad_byte(c, HTTP_HEAD_CTL);
				goto fail;
			}
			st->state = HS_VALUE_CR;
			p++;
			break;

		case HS_VALUE_CR:
			if (p >= flim) {
				e = HTTP_HEAD_FIELDS_TOO_LARGE;
				goto fail;
			}
			if (b[p] != '\n') {
				e = HTTP_HEAD_BARE_CR;
				goto fail;
			}
			p++;
			st->line_start = p;
			st->state = HS_LINE;
			break;

		case HS_END_CR:
			if (b[p] != '\n') {
				e = HTTP_HEAD_BARE_CR;
				goto fail;
			}
			p++;
			st->off = p;
			st->line_start = p;
			st->state = HS_DONE;
			return (ssize_t)p;

		default:
			/* HS_DONE and HS_FAIL returned above. */
			e = HTTP_HEAD_BAD_START_LINE;
			goto fail;
		}
	}
again:
	st->off = p;
	return WD_AGAIN;
fail:
	st->off = p;
	st->state = HS_FAIL;
	st->err = e;
	*why = e;
	return -1;
}
