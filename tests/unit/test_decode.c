#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <brotli/encode.h>
#include <zlib.h>

#include "decode.h"

static struct werr	err;

/* What the out callback was handed. */
struct sink {
	unsigned char	*buf;
	size_t		 len;
	size_t		 cap;
	size_t		 pieces;
	size_t		 biggest;
	size_t		 stop_after;	/* 0: never stop */
	bool		 keep;		/* false: only count */
};

static int
sink_out(void *arg, const void *buf, size_t len)
{
	struct sink *s = arg;
	unsigned char *nb;

	CU_ASSERT(len > 0);
	s->pieces++;
	if (len > s->biggest)
		s->biggest = len;
	if (s->keep) {
		if (s->len + len > s->cap) {
			s->cap = (s->len + len) * 2;
			nb = realloc(s->buf, s->cap);
			CU_ASSERT_FATAL(nb != NULL);
			s->buf = nb;
		}
		memcpy(s->buf + s->len, buf, len);
	}
	s->len += len;
	return s->stop_after != 0 && s->len >= s->stop_after;
}

static void
sink_init(struct sink *s)
{
	memset(s, 0, sizeof(*s));
	s->keep = true;
}

static void
sink_free(struct sink *s)
{
	free(s->buf);
	s->buf = NULL;
}

/* Text-like bytes that compress, but not to nothing. */
static unsigned char *
sample(size_t len)
{
	static const char *const words[] = {
		"warden ", "proxy ", "filter ", "gzip ", "brotli ", "\n",
		"content ", "coding ", "deflate ", "0123 ", "<html> ",
	};
	unsigned char *p = malloc(len);
	uint32_t x = 2463534242u;
	size_t i = 0, n;
	const char *w;

	CU_ASSERT_FATAL(p != NULL);
	while (i < len) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (x % 7 == 0) {
			p[i++] = (unsigned char)(x >> 8);
			continue;
		}
		w = words[x % WD_NELEM(words)];
		n = strlen(w);
		if (n > len - i)
			n = len - i;
		memcpy(p + i, w, n);
		i += n;
	}
	return p;
}

/* bits: 31 gzip, 15 zlib, -15 raw deflate. Returns malloc'd bytes. */
static unsigned char *
zip(const void *in, size_t len, int bits, size_t *outlen)
{
	z_stream z;
	size_t cap = compressBound(len) + 64;
	unsigned char *out = malloc(cap);

	CU_ASSERT_FATAL(out != NULL);
	memset(&z, 0, sizeof(z));
	CU_ASSERT_FATAL(deflateInit2(&z, 6, Z_DEFLATED, bits, 8,
	    Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	CU_ASSERT_FATAL(deflate(&z, Z_FINISH) == Z_STREAM_END);
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

static unsigned char *
brot(const void *in, size_t len, size_t *outlen)
{
	size_t cap = BrotliEncoderMaxCompressedSize(len);
	unsigned char *out = malloc(cap);

	CU_ASSERT_FATAL(out != NULL);
	*outlen = cap;
	CU_ASSERT_FATAL(BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW,
	    BROTLI_MODE_GENERIC, len, in, outlen, out) == BROTLI_TRUE);
	return out;
}

/*
 * Feeds len bytes in pieces: step 0 all at once, step n pieces of n
 * bytes, step -1 random pieces of 1 to 300 bytes. Returns the last
 * decode_feed() result.
 */
static int
feed(struct decode *d, const unsigned char *in, size_t len, int step,
    struct sink *s)
{
	uint32_t x = 88172645u;
	size_t n;
	int r = DECODE_OK;

	while (len > 0) {
		if (step == 0)
			n = len;
		else if (step > 0)
			n = (size_t)step;
		else {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			n = 1 + x % 300;
		}
		if (n > len)
			n = len;
		r = decode_feed(d, in, n, sink_out, s, &err);
		if (r != DECODE_OK)
			return r;
		in += n;
		len -= n;
	}
	return r;
}

/*
 * Decodes coded (clen bytes) fed by step with coding c and checks that
 * the output is plain (plen bytes) and the stream ended well.
 */
static void
round_trip(enum coding c, const unsigned char *coded, size_t clen,
    const unsigned char *plain, size_t plen, int step)
{
	struct decode *d = decode_new(c, UINT64_MAX);
	struct sink s;
	int r;

	CU_ASSERT_FATAL(d != NULL);
	sink_init(&s);
	r = feed(d, coded, clen, step, &s);
	/* gzip cannot tell its end before decode_finish(). */
	CU_ASSERT(r == (c == CODING_DEFLATE || c == CODING_BR ? DECODE_END :
	    DECODE_OK));
	CU_ASSERT_EQUAL(decode_finish(d, &err), 0);
	CU_ASSERT_EQUAL(s.len, plen);
	CU_ASSERT(s.len == plen &&
	    (plen == 0 || memcmp(s.buf, plain, plen) == 0));
	CU_ASSERT(s.biggest <= 16 * 1024);
	CU_ASSERT_EQUAL(decode_total(d), plen);
	decode_free(d);
	sink_free(&s);
}

static void
round_trips(enum coding c, int bits)
{
	static const int steps[] = { 0, 1, 7, -1 };
	size_t plen = 200 * 1024, clen, i;
	unsigned char *plain = sample(plen), *coded;

	if (c == CODING_BR)
		coded = brot(plain, plen, &clen);
	else if (c == CODING_IDENTITY) {
		coded = malloc(plen);
		CU_ASSERT_FATAL(coded != NULL);
		memcpy(coded, plain, plen);
		clen = plen;
	} else
		coded = zip(plain, plen, bits, &clen);
	for (i = 0; i < WD_NELEM(steps); i++)
		round_trip(c, coded, clen, plain, plen, steps[i]);
	free(coded);
	free(plain);
}

/* Decodes all of coded at once: the decode_feed() result, output in s. */
static int
decode_all(enum coding c, uint64_t max_out, const void *coded, size_t clen,
    struct sink *s)
{
	struct decode *d = decode_new(c, max_out);
	int r;

	CU_ASSERT_FATAL(d != NULL);
	memset(&err, 0, sizeof(err));
	r = decode_feed(d, coded, clen, sink_out, s, &err);
	if (r != -1 && decode_finish(d, &err) == -1)
		r = -1;
	decode_free(d);
	return r;
}

static void
test_decode_coding_str(void)
{
	CU_ASSERT_STRING_EQUAL(coding_str(CODING_IDENTITY), "identity");
	CU_ASSERT_STRING_EQUAL(coding_str(CODING_GZIP), "gzip");
	CU_ASSERT_STRING_EQUAL(coding_str(CODING_DEFLATE), "deflate");
	CU_ASSERT_STRING_EQUAL(coding_str(CODING_BR), "br");
	CU_ASSERT_STRING_EQUAL(coding_str((enum coding)42), "unknown");
}

/* The coding of a Content-Encoding value; -1 if refused. */
static int
parse(const char *v)
{
	enum coding c = (enum coding)42;

	memset(&err, 0, sizeof(err));
	if (decode_coding_parse(v, strlen(v), &c, &err) == -1) {
		CU_ASSERT_EQUAL(c, (enum coding)42);
		return -1;
	}
	return (int)c;
}

static void
test_decode_parse_single(void)
{
	CU_ASSERT_EQUAL(parse("gzip"), CODING_GZIP);
	CU_ASSERT_EQUAL(parse("x-gzip"), CODING_GZIP);
	CU_ASSERT_EQUAL(parse("GZip"), CODING_GZIP);
	CU_ASSERT_EQUAL(parse("deflate"), CODING_DEFLATE);
	CU_ASSERT_EQUAL(parse("BR"), CODING_BR);
	CU_ASSERT_EQUAL(parse(" \tbr\t "), CODING_BR);
}

static void
test_decode_parse_identity(void)
{
	CU_ASSERT_EQUAL(parse(""), CODING_IDENTITY);
	CU_ASSERT_EQUAL(parse("  "), CODING_IDENTITY);
	CU_ASSERT_EQUAL(parse("identity"), CODING_IDENTITY);
	CU_ASSERT_EQUAL(parse("Identity, ,identity"), CODING_IDENTITY);
	CU_ASSERT_EQUAL(parse(",,"), CODING_IDENTITY);
}

static void
test_decode_parse_list(void)
{
	CU_ASSERT_EQUAL(parse(" , identity, gzip ,,"), CODING_GZIP);
	CU_ASSERT_EQUAL(parse("br,identity"), CODING_BR);
}

static void
test_decode_parse_two(void)
{
	CU_ASSERT_EQUAL(parse("gzip, br"), -1);
	CU_ASSERT_STRING_EQUAL(err.msg,
	    "more than one content coding (gzip, br)");
	CU_ASSERT_EQUAL(parse("x-gzip,identity,gzip"), -1);
	CU_ASSERT_STRING_EQUAL(err.msg,
	    "more than one content coding (gzip, gzip)");
}

static void
test_decode_parse_many(void)
{
	char v[2000];
	size_t i;

	v[0] = '\0';
	for (i = 0; i < 200; i++)
		strcat(v, "deflate,");
	CU_ASSERT_EQUAL(parse(v), -1);
	CU_ASSERT(strncmp(err.msg, "more than one content coding (deflate, "
	    "deflate, ", 47) == 0);
	CU_ASSERT(strstr(err.msg, ", ...)") != NULL);
	CU_ASSERT(strlen(err.msg) < 120);
}

static void
test_decode_parse_unknown(void)
{
	CU_ASSERT_EQUAL(parse("zstd"), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "content coding 'zstd' is not "
	    "supported");
	CU_ASSERT_EQUAL(parse("gzip, compress"), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "content coding 'compress' is not "
	    "supported");
	CU_ASSERT_EQUAL(parse("gzip;q=1"), -1);
	CU_ASSERT_EQUAL(parse("gzip deflate"), -1);
	CU_ASSERT_EQUAL(parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaa"), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "content coding "
	    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not supported");
}

static void
test_decode_parse_length_bound(void)
{
	enum coding c;

	CU_ASSERT_EQUAL(decode_coding_parse("gzip, br", 4, &c, &err), 0);
	CU_ASSERT_EQUAL(c, CODING_GZIP);
}

/* decode_accept_encoding() into a roomy buffer. */
static const char *
ae(const char *v)
{
	static char out[512];
	int n;

	memset(out, 'x', sizeof(out));
	n = decode_accept_encoding(v, strlen(v), out, sizeof(out));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL((size_t)n, strlen(out));
	return out;
}

static void
test_decode_ae_drops_unknown(void)
{
	CU_ASSERT_STRING_EQUAL(ae("gzip, deflate, br, zstd"),
	    "gzip, deflate, br");
	CU_ASSERT_STRING_EQUAL(ae("zstd, compress, GZIP"), "gzip");
	CU_ASSERT_STRING_EQUAL(ae("x-gzip"), "x-gzip");
}

static void
test_decode_ae_identity_when_empty(void)
{
	CU_ASSERT_STRING_EQUAL(ae("zstd"), "identity");
	CU_ASSERT_STRING_EQUAL(ae(""), "identity");
	CU_ASSERT_STRING_EQUAL(ae(" , ,"), "identity");
	CU_ASSERT_STRING_EQUAL(ae("identity"), "identity");
}

static void
test_decode_ae_star(void)
{
	CU_ASSERT_STRING_EQUAL(ae("*;q=0.5"),
	    "gzip;q=0.5, deflate;q=0.5, br;q=0.5");
	CU_ASSERT_STRING_EQUAL(ae("*"), "gzip, deflate, br");
	/* "*" is what the list does not name otherwise. */
	CU_ASSERT_STRING_EQUAL(ae("br;q=1, *;q=0.1"),
	    "br;q=1, gzip;q=0.1, deflate;q=0.1");
	CU_ASSERT_STRING_EQUAL(ae("*, x-gzip;q=0"),
	    "deflate, br, x-gzip;q=0");
	CU_ASSERT_STRING_EQUAL(ae("*, *;q=0.2"), "gzip, deflate, br");
}

static void
test_decode_ae_qvalues(void)
{
	CU_ASSERT_STRING_EQUAL(ae("br;q=1.0, gzip;q=0.8"),
	    "br;q=1.0, gzip;q=0.8");
	CU_ASSERT_STRING_EQUAL(ae("gzip ; Q=0.125 ,br;q=1."),
	    "gzip;q=0.125, br;q=1.");
	CU_ASSERT_STRING_EQUAL(ae("gzip;q=0.5,deflate;q=0"),
	    "gzip;q=0.5, deflate;q=0");
}

static void
test_decode_ae_refusals(void)
{
	/* Nothing acceptable: identity refuses every coding too. */
	CU_ASSERT_STRING_EQUAL(ae("gzip;q=0, br;q=0.000"), "identity");
	CU_ASSERT_STRING_EQUAL(ae("*;q=0"), "identity");
	CU_ASSERT_STRING_EQUAL(ae("identity;q=0, gzip"),
	    "identity;q=0, gzip");
}

static void
test_decode_ae_garbage(void)
{
	CU_ASSERT_STRING_EQUAL(ae("gzip;q=2, br"), "br");
	CU_ASSERT_STRING_EQUAL(ae("gzip;q=0.1234, br"), "br");
	CU_ASSERT_STRING_EQUAL(ae("gzip;q=1.5, br"), "br");
	CU_ASSERT_STRING_EQUAL(ae("gzip;q=, br"), "br");
	CU_ASSERT_STRING_EQUAL(ae("gzip;q=abc, br"), "br");
	CU_ASSERT_STRING_EQUAL(ae("gzip;level=9, br"), "br");
	CU_ASSERT_STRING_EQUAL(ae("gzip;q = 0.5, br"), "br");
	CU_ASSERT_STRING_EQUAL(ae("gzip br, deflate"), "deflate");
	CU_ASSERT_STRING_EQUAL(ae(";q=1, \"gzip\", g(zip), br"), "br");
	CU_ASSERT_STRING_EQUAL(ae("\x01\xff, gzip\x7f"), "identity");
}

static void
test_decode_ae_small_out(void)
{
	char out[32];

	CU_ASSERT_EQUAL(decode_accept_encoding("gzip, deflate, br", 17, out,
	    17), -1);
	CU_ASSERT_EQUAL(decode_accept_encoding("gzip, deflate, br", 17, out,
	    18), 17);
	CU_ASSERT_STRING_EQUAL(out, "gzip, deflate, br");
	CU_ASSERT_EQUAL(decode_accept_encoding("zstd", 4, out, 8), -1);
	CU_ASSERT_EQUAL(decode_accept_encoding("zstd", 4, out, 9), 8);
	CU_ASSERT_STRING_EQUAL(out, "identity");
	CU_ASSERT_EQUAL(decode_accept_encoding("*", 1, out, 10), -1);
	CU_ASSERT_EQUAL(decode_accept_encoding("gzip", 4, out, 0), -1);
}

static void
test_decode_ae_huge(void)
{
	size_t n = 64 * 1024, i;
	char *v = malloc(n * 2), out[64];

	CU_ASSERT_FATAL(v != NULL);
	for (i = 0; i < n; i++) {
		v[2 * i] = '*';
		v[2 * i + 1] = ',';
	}
	CU_ASSERT_EQUAL(decode_accept_encoding(v, n * 2, out, sizeof(out)),
	    17);
	CU_ASSERT_STRING_EQUAL(out, "gzip, deflate, br");
	free(v);
}

static void
test_decode_gzip_round_trip(void)
{
	round_trips(CODING_GZIP, 16 + MAX_WBITS);
}

static void
test_decode_deflate_zlib_round_trip(void)
{
	round_trips(CODING_DEFLATE, MAX_WBITS);
}

static void
test_decode_deflate_raw_round_trip(void)
{
	round_trips(CODING_DEFLATE, -MAX_WBITS);
}

static void
test_decode_br_round_trip(void)
{
	round_trips(CODING_BR, 0);
}

static void
test_decode_identity_round_trip(void)
{
	round_trips(CODING_IDENTITY, 0);
}

static void
test_decode_empty_body(void)
{
	struct decode *d = decode_new(CODING_GZIP, 100);
	struct sink s;

	CU_ASSERT_FATAL(d != NULL);
	sink_init(&s);
	CU_ASSERT_EQUAL(decode_feed(d, NULL, 0, sink_out, &s, &err),
	    DECODE_OK);
	CU_ASSERT_EQUAL(decode_finish(d, &err), 0);
	CU_ASSERT_EQUAL(s.pieces, 0);
	decode_free(d);
}

static void
test_decode_tiny_deflate(void)
{
	size_t clen, i;
	unsigned char *c;
	static const int bits[] = { MAX_WBITS, -MAX_WBITS };
	struct sink s;

	/* Empty and one-byte bodies, deflated, fed a byte at a time. */
	for (i = 0; i < WD_NELEM(bits); i++) {
		c = zip("", 0, bits[i], &clen);
		round_trip(CODING_DEFLATE, c, clen,
		    (const unsigned char *)"", 0, 1);
		free(c);
		c = zip("A", 1, bits[i], &clen);
		round_trip(CODING_DEFLATE, c, clen, (const unsigned char *)"A",
		    1, 1);
		free(c);
	}
	sink_init(&s);
	CU_ASSERT_EQUAL(decode_all(CODING_DEFLATE, 100, "\x78", 1, &s), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "truncated deflate stream");
}

static void
test_decode_gzip_multi_member(void)
{
	size_t alen, blen, plen = 50000;
	unsigned char *plain = sample(plen * 2), *a, *b, *both;
	int step;

	a = zip(plain, plen, 16 + MAX_WBITS, &alen);
	b = zip(plain + plen, plen, 16 + MAX_WBITS, &blen);
	both = malloc(alen + blen);
	CU_ASSERT_FATAL(both != NULL);
	memcpy(both, a, alen);
	memcpy(both + alen, b, blen);
	for (step = -1; step <= 2; step++)
		round_trip(CODING_GZIP, both, alen + blen, plain, plen * 2,
		    step);
	free(both);
	free(a);
	free(b);
	free(plain);
}

/* Bytes after the end of each coding are ignored. */
static void
trailing_garbage(enum coding c, int bits, int step)
{
	size_t plen = 30000, clen;
	unsigned char *plain = sample(plen), *coded, *with;
	static const char junk[] = "\n\0junk after the end\r\n";
	struct decode *d = decode_new(c, UINT64_MAX);
	struct sink s;

	CU_ASSERT_FATAL(d != NULL);
	coded = c == CODING_BR ? brot(plain, plen, &clen) :
	    zip(plain, plen, bits, &clen);
	with = malloc(clen + sizeof(junk));
	CU_ASSERT_FATAL(with != NULL);
	memcpy(with, coded, clen);
	memcpy(with + clen, junk, sizeof(junk));
	sink_init(&s);
	CU_ASSERT_EQUAL(feed(d, with, clen + sizeof(junk), step, &s),
	    DECODE_END);
	CU_ASSERT_EQUAL(decode_feed(d, "more", 4, sink_out, &s, &err),
	    DECODE_END);
	CU_ASSERT_EQUAL(decode_finish(d, &err), 0);
	CU_ASSERT(s.len == plen && memcmp(s.buf, plain, plen) == 0);
	sink_free(&s);
	decode_free(d);
	free(with);
	free(coded);
	free(plain);
}

static void
test_decode_trailing_garbage(void)
{
	trailing_garbage(CODING_GZIP, 16 + MAX_WBITS, 0);
	trailing_garbage(CODING_GZIP, 16 + MAX_WBITS, 1);
	trailing_garbage(CODING_DEFLATE, MAX_WBITS, 0);
	trailing_garbage(CODING_DEFLATE, -MAX_WBITS, -1);
	trailing_garbage(CODING_BR, 0, 0);
	trailing_garbage(CODING_BR, 0, 1);
}

/* A complete gzip member and then one 0x1f: could not be a member. */
static void
test_decode_gzip_lone_byte_after(void)
{
	size_t clen;
	unsigned char *c = zip("hello", 5, 16 + MAX_WBITS, &clen), *with;
	struct sink s;

	with = malloc(clen + 1);
	CU_ASSERT_FATAL(with != NULL);
	memcpy(with, c, clen);
	with[clen] = 0x1f;
	sink_init(&s);
	CU_ASSERT_EQUAL(decode_all(CODING_GZIP, 100, with, clen + 1, &s),
	    DECODE_OK);
	CU_ASSERT(s.len == 5 && memcmp(s.buf, "hello", 5) == 0);
	sink_free(&s);
	free(with);
	free(c);
}

static void
truncated(enum coding c, int bits, const char *msg)
{
	size_t plen = 30000, clen;
	unsigned char *plain = sample(plen), *coded;
	struct sink s;

	coded = c == CODING_BR ? brot(plain, plen, &clen) :
	    zip(plain, plen, bits, &clen);
	sink_init(&s);
	CU_ASSERT_EQUAL(decode_all(c, UINT64_MAX, coded, clen - 5, &s), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, msg);
	CU_ASSERT(s.len <= plen &&
	    (s.len == 0 || memcmp(s.buf, plain, s.len) == 0));
	sink_free(&s);
	free(coded);
	free(plain);
}

static void
test_decode_truncated(void)
{
	truncated(CODING_GZIP, 16 + MAX_WBITS, "truncated gzip stream");
	truncated(CODING_DEFLATE, MAX_WBITS, "truncated deflate stream");
	truncated(CODING_DEFLATE, -MAX_WBITS, "truncated deflate stream");
	truncated(CODING_BR, 0, "truncated br stream");
}

static void
test_decode_gzip_not_gzip(void)
{
	struct sink s;

	sink_init(&s);
	CU_ASSERT_EQUAL(decode_all(CODING_GZIP, 100, "<html>hello</html>", 18,
	    &s), -1);
	CU_ASSERT_STRING_EQUAL(err.msg,
	    "corrupt gzip data: incorrect header check");
	CU_ASSERT_EQUAL(s.pieces, 0);
}

static void
test_decode_gzip_bad_crc(void)
{
	size_t clen;
	unsigned char *c = zip("hello world", 11, 16 + MAX_WBITS, &clen);
	struct sink s;

	c[clen - 8] ^= 0x55;
	sink_init(&s);
	CU_ASSERT_EQUAL(decode_all(CODING_GZIP, 100, c, clen, &s), -1);
	CU_ASSERT_STRING_EQUAL(err.msg,
	    "corrupt gzip data: incorrect data check");
	sink_free(&s);
	free(c);
}

static void
test_decode_gzip_corrupt(void)
{
	size_t plen = 30000, clen, i;
	unsigned char *plain = sample(plen), *c;
	struct decode *d;
	struct sink s;
	int r;

	c = zip(plain, plen, 16 + MAX_WBITS, &clen);
	for (i = 20; i < 120; i++)
		c[i] = 0xff;
	d = decode_new(CODING_GZIP, UINT64_MAX);
	CU_ASSERT_FATAL(d != NULL);
	sink_init(&s);
	r = feed(d, c, clen, 3, &s);
	CU_ASSERT_EQUAL(r, -1);
	CU_ASSERT(strncmp(err.msg, "corrupt gzip data: ", 19) == 0);
	/* The failure sticks. */
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(decode_feed(d, c, clen, sink_out, &s, &err), -1);
	CU_ASSERT(strncmp(err.msg, "corrupt gzip data: ", 19) == 0);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(decode_finish(d, &err), -1);
	CU_ASSERT(strncmp(err.msg, "corrupt gzip data: ", 19) == 0);
	decode_free(d);
	sink_free(&s);
	free(c);
	free(plain);
}

static void
test_decode_deflate_corrupt(void)
{
	struct sink s;

	/* A zlib header, then a block of the reserved type 3. */
	sink_init(&s);
	CU_ASSERT_EQUAL(decode_all(CODING_DEFLATE, 100, "\x78\x9c\x07\x00",
	    4, &s), -1);
	CU_ASSERT_STRING_EQUAL(err.msg,
	    "corrupt deflate data: invalid block type");
}

static void
test_decode_br_bad(void)
{
	unsigned char junk[256];
	struct sink s;
	size_t i;

	/* 0xff...: a window and metablock header brotli refuses. */
	memset(junk, 0xff, sizeof(junk));
	for (i = 128; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37);
	sink_init(&s);
	CU_ASSERT_EQUAL(decode_all(CODING_BR, 100, junk, sizeof(junk), &s),
	    -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "corrupt brotli data: padding 2");
	sink_free(&s);
}

/*
 * A gzip stream of n MiB of zeros, built from one compressed MiB
 * repeated: after a full flush the compressor starts afresh, so each
 * MiB compresses to the same bytes. The result is a valid stream about
 * n KiB long, made in milliseconds.
 */
static unsigned char *
zero_bomb(size_t n, size_t *outlen)
{
	static unsigned char zero[1 << 20];
	unsigned char first[4096], rep[4096], again[4096], *out, *p;
	size_t firstlen, replen, i;
	uLong crc, crc1;
	z_stream z;

	memset(&z, 0, sizeof(z));
	CU_ASSERT_FATAL(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
	    Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = zero;
	z.avail_in = sizeof(zero);
	z.next_out = first;
	z.avail_out = sizeof(first);
	CU_ASSERT_FATAL(deflate(&z, Z_FULL_FLUSH) == Z_OK);
	CU_ASSERT_FATAL(z.avail_in == 0 && z.avail_out > 0);
	firstlen = sizeof(first) - z.avail_out;
	z.next_in = zero;
	z.avail_in = sizeof(zero);
	z.next_out = rep;
	z.avail_out = sizeof(rep);
	CU_ASSERT_FATAL(deflate(&z, Z_FULL_FLUSH) == Z_OK);
	CU_ASSERT_FATAL(z.avail_in == 0 && z.avail_out > 0);
	replen = sizeof(rep) - z.avail_out;
	z.next_in = zero;
	z.avail_in = sizeof(zero);
	z.next_out = again;
	z.avail_out = sizeof(again);
	CU_ASSERT_FATAL(deflate(&z, Z_FULL_FLUSH) == Z_OK);
	CU_ASSERT_FATAL(sizeof(again) - z.avail_out == replen &&
	    memcmp(rep, again, replen) == 0);
	deflateEnd(&z);

	*outlen = firstlen + (n - 1) * replen + 2 + 8;
	out = malloc(*outlen);
	CU_ASSERT_FATAL(out != NULL);
	memcpy(out, first, firstlen);
	p = out + firstlen;
	for (i = 1; i < n; i++, p += replen)
		memcpy(p, rep, replen);
	/* An empty final fixed-Huffman block, then CRC-32 and ISIZE. */
	*p++ = 0x03;
	*p++ = 0x00;
	crc1 = crc32(0, zero, sizeof(zero));
	for (crc = crc32(0, NULL, 0), i = 0; i < n; i++)
		crc = crc32_combine(crc, crc1, sizeof(zero));
	for (i = 0; i < 4; i++)
		*p++ = (unsigned char)(crc >> (8 * i));
	for (i = 0; i < 4; i++)
		*p++ = (unsigned char)(((uint64_t)n << 20) >> (8 * i));
	return out;
}

static void
test_decode_zero_bomb_is_valid(void)
{
	size_t clen;
	unsigned char *c = zero_bomb(8, &clen);
	struct sink s;

	sink_init(&s);
	s.keep = false;
	CU_ASSERT_EQUAL(decode_all(CODING_GZIP, 8 << 20, c, clen, &s),
	    DECODE_OK);
	CU_ASSERT_EQUAL(s.len, 8 << 20);
	free(c);
}

static void
test_decode_gzip_bomb(void)
{
	size_t clen;
	unsigned char *c = zero_bomb(1024, &clen);
	struct decode *d = decode_new(CODING_GZIP, 10 << 20);
	struct sink s;

	/* 1 GiB of zeros from about a megabyte. */
	CU_ASSERT(clen < 2 << 20);
	CU_ASSERT_FATAL(d != NULL);
	sink_init(&s);
	s.keep = false;
	CU_ASSERT_EQUAL(decode_feed(d, c, clen, sink_out, &s, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "decoded body exceeds 10485760 bytes");
	CU_ASSERT(s.len <= 10 << 20);
	CU_ASSERT(s.len > 9 << 20);
	CU_ASSERT_EQUAL(decode_total(d), s.len);
	CU_ASSERT_EQUAL(decode_feed(d, c, clen, sink_out, &s, &err), -1);
	CU_ASSERT_EQUAL(decode_finish(d, &err), -1);
	decode_free(d);
	free(c);
}

static void
test_decode_br_bomb(void)
{
	size_t plen = 8 << 20, clen;
	unsigned char *plain = calloc(1, plen), *c;
	struct sink s;

	CU_ASSERT_FATAL(plain != NULL);
	c = brot(plain, plen, &clen);
	CU_ASSERT(clen < 1024);
	sink_init(&s);
	s.keep = false;
	CU_ASSERT_EQUAL(decode_all(CODING_BR, 1 << 20, c, clen, &s), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "decoded body exceeds 1048576 bytes");
	CU_ASSERT(s.len <= 1 << 20);
	free(c);
	free(plain);
}

/* A body of exactly max_out bytes passes; one more does not. */
static void
test_decode_limit_exact(void)
{
	size_t plen = 40000, clen;
	unsigned char *plain = sample(plen), *c;
	struct sink s;

	c = zip(plain, plen, 16 + MAX_WBITS, &clen);
	sink_init(&s);
	CU_ASSERT_EQUAL(decode_all(CODING_GZIP, plen, c, clen, &s),
	    DECODE_OK);
	CU_ASSERT_EQUAL(s.len, plen);
	sink_free(&s);
	sink_init(&s);
	CU_ASSERT_EQUAL(decode_all(CODING_GZIP, plen - 1, c, clen, &s), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "decoded body exceeds 39999 bytes");
	CU_ASSERT(s.len < plen);
	sink_free(&s);
	free(c);
	free(plain);
}

static void
test_decode_limit_identity(void)
{
	unsigned char *plain = sample(50000);
	struct sink s;

	sink_init(&s);
	CU_ASSERT_EQUAL(decode_all(CODING_IDENTITY, 50000, plain, 50000, &s),
	    DECODE_OK);
	CU_ASSERT(s.biggest <= 16 * 1024);
	sink_free(&s);
	sink_init(&s);
	CU_ASSERT_EQUAL(decode_all(CODING_IDENTITY, 0, plain, 1, &s), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "decoded body exceeds 0 bytes");
	CU_ASSERT_EQUAL(s.pieces, 0);
	sink_free(&s);
	free(plain);
}

static void
stopped(enum coding c, int bits)
{
	size_t plen = 100000, clen;
	unsigned char *plain = sample(plen), *coded;
	struct decode *d = decode_new(c, UINT64_MAX);
	struct sink s;

	CU_ASSERT_FATAL(d != NULL);
	if (c == CODING_BR)
		coded = brot(plain, plen, &clen);
	else if (c == CODING_IDENTITY) {
		coded = plain;
		clen = plen;
	} else
		coded = zip(plain, plen, bits, &clen);
	sink_init(&s);
	s.stop_after = 1;
	CU_ASSERT_EQUAL(decode_feed(d, coded, clen, sink_out, &s, &err),
	    DECODE_STOPPED);
	CU_ASSERT_EQUAL(s.pieces, 1);
	CU_ASSERT_EQUAL(decode_total(d), s.len);
	CU_ASSERT(memcmp(s.buf, plain, s.len) == 0);
	/* Done, like DECODE_END. */
	CU_ASSERT_EQUAL(decode_feed(d, coded, clen, sink_out, &s, &err),
	    DECODE_STOPPED);
	CU_ASSERT_EQUAL(s.pieces, 1);
	CU_ASSERT_EQUAL(decode_finish(d, &err), 0);
	decode_free(d);
	sink_free(&s);
	if (coded != plain)
		free(coded);
	free(plain);
}

static void
test_decode_stopped(void)
{
	stopped(CODING_GZIP, 16 + MAX_WBITS);
	stopped(CODING_DEFLATE, -MAX_WBITS);
	stopped(CODING_BR, 0);
	stopped(CODING_IDENTITY, 0);
}

static void
test_decode_new_bad_coding(void)
{
	CU_ASSERT_PTR_NULL(decode_new((enum coding)42, 100));
	decode_free(NULL);
}

static CU_TestInfo cu_tests[] = {
	{ "coding_str", test_decode_coding_str },
	{ "parse single", test_decode_parse_single },
	{ "parse identity", test_decode_parse_identity },
	{ "parse list", test_decode_parse_list },
	{ "parse two codings", test_decode_parse_two },
	{ "parse many codings", test_decode_parse_many },
	{ "parse unknown", test_decode_parse_unknown },
	{ "parse length bound", test_decode_parse_length_bound },
	{ "accept drops unknown", test_decode_ae_drops_unknown },
	{ "accept identity when empty", test_decode_ae_identity_when_empty },
	{ "accept star", test_decode_ae_star },
	{ "accept q-values", test_decode_ae_qvalues },
	{ "accept refusals", test_decode_ae_refusals },
	{ "accept garbage", test_decode_ae_garbage },
	{ "accept small out", test_decode_ae_small_out },
	{ "accept huge", test_decode_ae_huge },
	{ "gzip round trip", test_decode_gzip_round_trip },
	{ "deflate zlib round trip", test_decode_deflate_zlib_round_trip },
	{ "deflate raw round trip", test_decode_deflate_raw_round_trip },
	{ "br round trip", test_decode_br_round_trip },
	{ "identity round trip", test_decode_identity_round_trip },
	{ "empty body", test_decode_empty_body },
	{ "tiny deflate", test_decode_tiny_deflate },
	{ "gzip multi-member", test_decode_gzip_multi_member },
	{ "trailing garbage", test_decode_trailing_garbage },
	{ "gzip lone byte after", test_decode_gzip_lone_byte_after },
	{ "truncated", test_decode_truncated },
	{ "gzip not gzip", test_decode_gzip_not_gzip },
	{ "gzip bad crc", test_decode_gzip_bad_crc },
	{ "gzip corrupt", test_decode_gzip_corrupt },
	{ "deflate corrupt", test_decode_deflate_corrupt },
	{ "br bad", test_decode_br_bad },
	{ "zero bomb is valid", test_decode_zero_bomb_is_valid },
	{ "gzip bomb", test_decode_gzip_bomb },
	{ "br bomb", test_decode_br_bomb },
	{ "limit exact", test_decode_limit_exact },
	{ "limit identity", test_decode_limit_identity },
	{ "stopped", test_decode_stopped },
	{ "new bad coding", test_decode_new_bad_coding },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"decode"
#include "cu_main.h"
