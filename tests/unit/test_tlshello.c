#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "tlshello.h"

/*
 * Real hellos come from OpenSSL at test time (a client SSL on memory
 * BIOs, one SSL_connect()); the shapes OpenSSL never sends (duplicates,
 * bad names, ECH) are built here byte by byte.
 */

static struct werr	err;

/* A byte buffer large enough for any hello the parser accepts. */
struct bb {
	unsigned char	b[TLSHELLO_MAX + 1024];
	size_t		n;
};

static void
bb_mem(struct bb *b, const void *p, size_t len)
{
	CU_ASSERT_FATAL(len <= sizeof(b->b) - b->n);
	memcpy(b->b + b->n, p, len);
	b->n += len;
}

static void
bb_u8(struct bb *b, size_t v)
{
	unsigned char c = (unsigned char)v;

	bb_mem(b, &c, 1);
}

static void
bb_u16(struct bb *b, size_t v)
{
	bb_u8(b, v >> 8);
	bb_u8(b, v);
}

static void
bb_u24(struct bb *b, size_t v)
{
	bb_u8(b, v >> 16);
	bb_u16(b, v);
}

/* One extension, header and data. */
static void
ext_raw(struct bb *e, unsigned type, const void *data, size_t len)
{
	bb_u16(e, type);
	bb_u16(e, len);
	if (len > 0)
		bb_mem(e, data, len);
}

static void
ext_sni_n(struct bb *e, const char *name, size_t len)
{
	bb_u16(e, 0);
	bb_u16(e, len + 5);
	bb_u16(e, len + 3);
	bb_u8(e, 0);
	bb_u16(e, len);
	bb_mem(e, name, len);
}

static void
ext_sni(struct bb *e, const char *name)
{
	ext_sni_n(e, name, strlen(name));
}

/* ALPN from a NULL-terminated list of names. */
static void
ext_alpn(struct bb *e, const char *const *names)
{
	size_t i, len = 0;

	for (i = 0; names[i] != NULL; i++)
		len += 1 + strlen(names[i]);
	bb_u16(e, 16);
	bb_u16(e, len + 2);
	bb_u16(e, len);
	for (i = 0; names[i] != NULL; i++) {
		bb_u8(e, strlen(names[i]));
		bb_mem(e, names[i], strlen(names[i]));
	}
}

/*
 * A ClientHello in one record: the given legacy_version, two cipher
 * suites, null compression, and exts as the extensions (exts NULL: no
 * extensions block at all).
 */
static void
hello_v(struct bb *out, unsigned version, const struct bb *exts)
{
	static const unsigned char suites[] = { 0x13, 0x01, 0xc0, 0x2f };
	struct bb *msg = calloc(1, sizeof(*msg));
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	bb_u16(msg, version);
	for (i = 0; i < 32; i++)
		bb_u8(msg, 0x11);
	bb_u8(msg, 0);
	bb_u16(msg, sizeof(suites));
	bb_mem(msg, suites, sizeof(suites));
	bb_u8(msg, 1);
	bb_u8(msg, 0);
	if (exts != NULL) {
		bb_u16(msg, exts->n);
		bb_mem(msg, exts->b, exts->n);
	}
	out->n = 0;
	bb_u8(out, 22);
	bb_u16(out, 0x0301);
	bb_u16(out, msg->n + 4);
	bb_u8(out, 1);
	bb_u24(out, msg->n);
	bb_mem(out, msg->b, msg->n);
	free(msg);
}

static void
hello(struct bb *out, const struct bb *exts)
{
	hello_v(out, 0x0303, exts);
}

/*
 * The ClientHello an OpenSSL client writes first. max_version 0: the
 * library's default (TLS 1.3). sni and alpn (wire format) may be NULL.
 */
static void
capture(struct bb *out, int max_version, const char *sni,
    const unsigned char *alpn, unsigned alpnlen)
{
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rb, *wb;
	int n;

	out->n = 0;
	ctx = SSL_CTX_new(TLS_client_method());
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	if (max_version != 0)
		CU_ASSERT_EQUAL(SSL_CTX_set_max_proto_version(ctx,
		    max_version), 1);
	ssl = SSL_new(ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ssl);
	rb = BIO_new(BIO_s_mem());
	wb = BIO_new(BIO_s_mem());
	CU_ASSERT_FATAL(rb != NULL && wb != NULL);
	SSL_set_bio(ssl, rb, wb);
	SSL_set_connect_state(ssl);
	if (sni != NULL)
		CU_ASSERT_EQUAL(SSL_set_tlsext_host_name(ssl, sni), 1);
	if (alpn != NULL)	/* 0 is success here */
		CU_ASSERT_EQUAL(SSL_set_alpn_protos(ssl, alpn, alpnlen), 0);
	CU_ASSERT_EQUAL(SSL_connect(ssl), -1);
	CU_ASSERT_EQUAL(SSL_get_error(ssl, -1), SSL_ERROR_WANT_READ);
	n = BIO_read(wb, out->b, (int)sizeof(out->b));
	CU_ASSERT_FATAL(n > 9);
	out->n = (size_t)n;
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

static const unsigned char alpn_h2[] = "\x02h2\x08http/1.1";

static void
capture13(struct bb *out)
{
	capture(out, 0, "WWW.Example.COM", alpn_h2, sizeof(alpn_h2) - 1);
}

/*
 * One parse of the first len bytes of b, from a heap block of exactly len
 * bytes so that ASan sees any read past the end. A failure must say why.
 */
static int
parse(const unsigned char *b, size_t len, struct tlshello *h)
{
	unsigned char *copy = malloc(len > 0 ? len : 1);
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	if (len > 0)
		memcpy(copy, b, len);
	memset(&err, 0, sizeof(err));
	r = tlshello_parse(copy, len, h, &err);
	free(copy);
	if (r == -1)
		CU_ASSERT_NOT_EQUAL(err.msg[0], '\0');
	return r;
}

/* The error for the whole of b, which must fail. */
static const char *
parse_err(const struct bb *b)
{
	struct tlshello h;

	CU_ASSERT_EQUAL(parse(b->b, b->n, &h), -1);
	return err.msg;
}

/* Rewrites a one-record hello into records of frag message bytes each. */
static void
reframe(const struct bb *in, size_t frag, struct bb *out)
{
	size_t off, k, mlen = in->n - 5;

	out->n = 0;
	for (off = 0; off < mlen; off += k) {
		k = mlen - off < frag ? mlen - off : frag;
		bb_u8(out, 22);
		bb_mem(out, in->b + 1, 2);
		bb_u16(out, k);
		bb_mem(out, in->b + 5 + off, k);
	}
}

/* ... or into two records, the first with at message bytes. */
static void
split2(const struct bb *in, size_t at, struct bb *out)
{
	size_t mlen = in->n - 5;

	out->n = 0;
	bb_u8(out, 22);
	bb_mem(out, in->b + 1, 2);
	bb_u16(out, at);
	bb_mem(out, in->b + 5, at);
	bb_u8(out, 22);
	bb_mem(out, in->b + 1, 2);
	bb_u16(out, mlen - at);
	bb_mem(out, in->b + 5 + at, mlen - at);
}

/* Every proper prefix asks for more; the whole returns its length. */
static void
check_prefixes(const struct bb *b)
{
	struct tlshello h;
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (parse(b->b, i, &h) != WD_AGAIN) {
			CU_FAIL("prefix not WD_AGAIN");
			fprintf(stderr, "prefix %zu of %zu: %s\n", i, b->n,
			    err.msg);
			return;
		}
	}
	CU_ASSERT_EQUAL(parse(b->b, b->n, &h), (int)b->n);
}

static void
test_tlshello_tls13(void)
{
	struct bb b;
	struct tlshello h;

	capture13(&b);
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_EQUAL(h.legacy_version, TLSHELLO_TLS12);
	CU_ASSERT_EQUAL(h.max_version, TLSHELLO_TLS13);
	CU_ASSERT_TRUE(h.offers_tls13);
	CU_ASSERT_TRUE(h.ncipher >= 3);
	CU_ASSERT_TRUE(h.has_sni);
	CU_ASSERT_FALSE(h.sni_invalid);
	CU_ASSERT_STRING_EQUAL(h.sni, "www.example.com");
	CU_ASSERT_TRUE(h.has_alpn);
	CU_ASSERT_FALSE(h.alpn_truncated);
	CU_ASSERT_EQUAL_FATAL(h.nalpn, 2);
	CU_ASSERT_STRING_EQUAL(h.alpn[0].name, "h2");
	CU_ASSERT_EQUAL(h.alpn[0].len, 2);
	CU_ASSERT_STRING_EQUAL(h.alpn[1].name, "http/1.1");
	CU_ASSERT_EQUAL(h.alpn[1].len, 8);
	CU_ASSERT_FALSE(h.has_ech);
	CU_ASSERT_FALSE(h.has_psk);
	CU_ASSERT_FALSE(h.has_early_data);
	CU_ASSERT_EQUAL(h.nrecords, 1);
}

static void
test_tlshello_tls12_only(void)
{
	struct bb b;
	struct tlshello h;

	capture(&b, TLS1_2_VERSION, "shop.example.org", NULL, 0);
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_EQUAL(h.legacy_version, TLSHELLO_TLS12);
	CU_ASSERT_EQUAL(h.max_version, TLSHELLO_TLS12);
	CU_ASSERT_FALSE(h.offers_tls13);
	CU_ASSERT_TRUE(h.has_sni);
	CU_ASSERT_STRING_EQUAL(h.sni, "shop.example.org");
	CU_ASSERT_FALSE(h.has_alpn);
	CU_ASSERT_EQUAL(h.nalpn, 0);
	CU_ASSERT_TRUE(h.has_session_ticket);
}

static void
test_tlshello_no_sni(void)
{
	struct bb b;
	struct tlshello h;

	capture(&b, 0, NULL, NULL, 0);
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_FALSE(h.has_sni);
	CU_ASSERT_FALSE(h.sni_invalid);
	CU_ASSERT_STRING_EQUAL(h.sni, "");
	CU_ASSERT_FALSE(h.has_alpn);
	CU_ASSERT_TRUE(h.offers_tls13);
}

static void
test_tlshello_no_extensions(void)
{
	struct bb b;
	struct tlshello h;

	hello_v(&b, 0x0301, NULL);
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_EQUAL(h.legacy_version, TLSHELLO_TLS10);
	CU_ASSERT_EQUAL(h.max_version, TLSHELLO_TLS10);
	CU_ASSERT_EQUAL(h.ncipher, 2);
	CU_ASSERT_FALSE(h.has_sni);
}

/* As a caller feeds it: the same buffer, one byte longer each time. */
static void
test_tlshello_byte_by_byte(void)
{
	struct bb b;
	struct tlshello h;
	size_t i;
	int r = WD_AGAIN;

	capture13(&b);
	for (i = 0; i <= b.n && r == WD_AGAIN; i++)
		r = tlshello_parse(b.b, i, &h, &err);
	CU_ASSERT_EQUAL(r, (int)b.n);
	CU_ASSERT_EQUAL(i, b.n + 1);
	CU_ASSERT_STRING_EQUAL(h.sni, "www.example.com");
}

static void
test_tlshello_truncated(void)
{
	struct bb b;

	capture13(&b);
	check_prefixes(&b);
	capture(&b, TLS1_2_VERSION, "a.example", alpn_h2,
	    sizeof(alpn_h2) - 1);
	check_prefixes(&b);
}

static void
test_tlshello_split_two_records(void)
{
	struct bb b, s;
	struct tlshello h;
	size_t at;

	capture13(&b);
	for (at = 1; at < b.n - 5; at++) {
		split2(&b, at, &s);
		CU_ASSERT_EQUAL(s.n, b.n + 5);
		CU_ASSERT_EQUAL(parse(s.b, s.n, &h), (int)s.n);
		CU_ASSERT_EQUAL(h.nrecords, 2);
		CU_ASSERT_STRING_EQUAL(h.sni, "www.example.com");
		CU_ASSERT_EQUAL(h.nalpn, 2);
	}
	split2(&b, 3, &s);	/* inside the handshake header */
	check_prefixes(&s);
	split2(&b, (b.n - 5) / 2, &s);
	check_prefixes(&s);
}

static void
test_tlshello_one_byte_records(void)
{
	struct bb b, s;
	struct tlshello h;

	capture13(&b);
	reframe(&b, 1, &s);
	CU_ASSERT_EQUAL(parse(s.b, s.n, &h), (int)s.n);
	CU_ASSERT_EQUAL(h.nrecords, b.n - 5);
	CU_ASSERT_STRING_EQUAL(h.sni, "www.example.com");
	CU_ASSERT_STRING_EQUAL(h.alpn[1].name, "http/1.1");
	check_prefixes(&s);
	reframe(&b, 7, &s);
	check_prefixes(&s);
}

/* Bytes after the hello (early data, say) are not the parser's. */
static void
test_tlshello_followed_by_record(void)
{
	static const unsigned char app[] = { 23, 3, 3, 0, 2, 'h', 'i' };
	struct bb b;
	struct tlshello h;
	size_t n;

	capture13(&b);
	n = b.n;
	bb_mem(&b, app, sizeof(app));
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)n);
}

static void
test_tlshello_data_after_hello_in_record(void)
{
	struct bb b;

	capture13(&b);
	bb_u8(&b, 0);
	b.b[3] = (unsigned char)((b.n - 5) >> 8);
	b.b[4] = (unsigned char)(b.n - 5);
	CU_ASSERT_STRING_EQUAL(parse_err(&b),
	    "1 bytes after the ClientHello in its record");
}

/* Offsets and widths of every length field the parser reads. */
struct lenfield {
	size_t	off;
	int	width;
	bool	outer;		/* record or handshake header */
};

static size_t
lenfields(const struct bb *b, struct lenfield *f, size_t max)
{
	const unsigned char *h = b->b;
	size_t n = 0, p, d, q, type, len;

#define LF(o, w, out) do {						\
	CU_ASSERT_FATAL(n < max);					\
	f[n].off = (o);							\
	f[n].width = (w);						\
	f[n++].outer = (out);						\
} while (0)
#define U16(o)	((size_t)h[(o)] << 8 | h[(o) + 1])

	LF(3, 2, true);
	LF(6, 3, true);
	p = 9 + 2 + 32;
	LF(p, 1, false);
	p += 1 + h[p];
	LF(p, 2, false);
	p += 2 + U16(p);
	LF(p, 1, false);
	p += 1 + h[p];
	if (p == b->n)
		return n;
	LF(p, 2, false);
	p += 2;
	while (p < b->n) {
		type = U16(p);
		LF(p + 2, 2, false);
		len = U16(p + 2);
		d = p + 4;
		if (type == 0) {
			LF(d, 2, false);
			for (q = d + 2; q < d + len; q += 3 + U16(q + 1))
				LF(q + 1, 2, false);
		} else if (type == 16) {
			LF(d, 2, false);
			for (q = d + 2; q < d + len; q += 1 + h[q])
				LF(q, 1, false);
		} else if (type == 43)
			LF(d, 1, false);
		p = d + len;
	}
#undef LF
#undef U16
	return n;
}

static void
corrupt(const struct bb *b)
{
	struct lenfield f[64];
	struct bb c;
	struct tlshello h;
	size_t nf, i, j, old, new, max, k;
	int r;

	nf = lenfields(b, f, WD_NELEM(f));
	CU_ASSERT(nf >= 10);
	for (i = 0; i < nf; i++) {
		max = ((size_t)1 << (8 * f[i].width)) - 1;
		old = 0;
		for (k = 0; k < (size_t)f[i].width; k++)
			old = old << 8 | b->b[f[i].off + k];
		for (j = 0; j < 4; j++) {
			switch (j) {
			case 0:
				new = max;
				break;
			case 1:
				new = (old + 1) & max;
				break;
			case 2:
				new = (old - 1) & max;
				break;
			default:
				new = 0;
				break;
			}
			if (new == old)
				continue;
			c = *b;
			for (k = f[i].width; k-- > 0; new >>= 8)
				c.b[f[i].off + k] = (unsigned char)new;
			r = parse(c.b, c.n, &h);
			if (r == -1 || (f[i].outer && j != 0 &&
			    r == WD_AGAIN))
				continue;
			CU_FAIL("corrupted length accepted");
			fprintf(stderr, "field at %zu (width %d) case %zu: "
			    "%d\n", f[i].off, f[i].width, j, r);
		}
	}
}

static void
test_tlshello_corrupt_lengths(void)
{
	struct bb b;

	capture13(&b);
	corrupt(&b);
	capture(&b, TLS1_2_VERSION, "a.example", alpn_h2,
	    sizeof(alpn_h2) - 1);
	corrupt(&b);
}

static void
test_tlshello_duplicate_extension(void)
{
	struct bb e, b;

	e.n = 0;
	ext_raw(&e, 35, NULL, 0);
	ext_sni(&e, "a.example");
	ext_raw(&e, 35, NULL, 0);
	hello(&b, &e);
	CU_ASSERT_STRING_EQUAL(parse_err(&b),
	    "duplicate session_ticket extension");
	e.n = 0;
	ext_raw(&e, 0x4242, "x", 1);
	ext_raw(&e, 0x4242, "y", 1);
	hello(&b, &e);
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "duplicate extension 0x4242");
}

static void
test_tlshello_two_alpn_lists(void)
{
	static const char *const a[] = { "h2", NULL };
	static const char *const b2[] = { "http/1.1", NULL };
	struct bb e, b;

	e.n = 0;
	ext_alpn(&e, a);
	ext_alpn(&e, b2);
	hello(&b, &e);
	CU_ASSERT_STRING_EQUAL(parse_err(&b),
	    "duplicate application_layer_protocol_negotiation extension");
}

static void
test_tlshello_alpn_many(void)
{
	static const char *const a[] = { "p0", "p1", "p2", "p3", "p4",
	    "p5", "p6", "p7", "p8", "p9", NULL };
	static const char *const l[] = { "h2",
	    "a-protocol-name-of-33-bytes-long!", "http/1.1", NULL };
	struct bb e, b;
	struct tlshello h;

	e.n = 0;
	ext_alpn(&e, a);
	hello(&b, &e);
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_TRUE(h.has_alpn);
	CU_ASSERT_TRUE(h.alpn_truncated);
	CU_ASSERT_EQUAL_FATAL(h.nalpn, TLSHELLO_ALPN_MAX);
	CU_ASSERT_STRING_EQUAL(h.alpn[0].name, "p0");
	CU_ASSERT_STRING_EQUAL(h.alpn[7].name, "p7");

	e.n = 0;
	ext_alpn(&e, l);
	hello(&b, &e);
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_TRUE(h.alpn_truncated);
	CU_ASSERT_EQUAL_FATAL(h.nalpn, 2);
	CU_ASSERT_STRING_EQUAL(h.alpn[0].name, "h2");
	CU_ASSERT_STRING_EQUAL(h.alpn[1].name, "http/1.1");
}

static void
test_tlshello_alpn_empty_name(void)
{
	static const unsigned char d[] = { 0, 4, 2, 'h', '2', 0 };
	struct bb e, b;

	e.n = 0;
	ext_raw(&e, 16, d, sizeof(d));
	hello(&b, &e);
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "empty ALPN protocol name");
}

static void
test_tlshello_ech(void)
{
	static const unsigned char ech[] = { 0, 0, 1, 0, 1, 7, 0, 0, 0, 0 };
	struct bb e, b;
	struct tlshello h;

	e.n = 0;
	ext_sni(&e, "public.example");
	ext_raw(&e, 0xfe0d, ech, sizeof(ech));
	hello(&b, &e);
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_TRUE(h.has_ech);
	CU_ASSERT_STRING_EQUAL(h.sni, "public.example");
}

static void
test_tlshello_psk_last(void)
{
	static const unsigned char psk[] = { 0, 1, 0 };
	struct bb e, b;
	struct tlshello h;

	e.n = 0;
	ext_raw(&e, 42, NULL, 0);
	ext_raw(&e, 41, psk, sizeof(psk));
	hello(&b, &e);
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_TRUE(h.has_psk);
	CU_ASSERT_TRUE(h.has_early_data);

	e.n = 0;
	ext_raw(&e, 41, psk, sizeof(psk));
	ext_sni(&e, "a.example");
	hello(&b, &e);
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "server_name extension after "
	    "pre_shared_key, which must be last");

	e.n = 0;
	ext_raw(&e, 42, "x", 1);
	hello(&b, &e);
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "early_data extension of 1 "
	    "bytes");
}

static void
test_tlshello_supported_versions(void)
{
	static const unsigned char v[] = { 6, 0x3a, 0x3a, 3, 4, 3, 3 };
	static const unsigned char g[] = { 4, 0x3a, 0x3a, 0x7f, 0x1c };
	static const unsigned char odd[] = { 3, 3, 4, 3 };
	struct bb e, b;
	struct tlshello h;

	e.n = 0;
	ext_raw(&e, 43, v, sizeof(v));
	hello(&b, &e);
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_EQUAL(h.max_version, TLSHELLO_TLS13);
	CU_ASSERT_TRUE(h.offers_tls13);

	e.n = 0;
	ext_raw(&e, 43, g, sizeof(g));	/* GREASE and a draft */
	hello(&b, &e);
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_EQUAL(h.max_version, 0);
	CU_ASSERT_FALSE(h.offers_tls13);

	e.n = 0;
	ext_raw(&e, 43, odd, sizeof(odd));
	hello(&b, &e);
	CU_ASSERT_STRING_EQUAL(parse_err(&b),
	    "supported_versions length 3 is odd or zero");
}

static void
test_tlshello_too_many_extensions(void)
{
	struct bb e, b;
	unsigned i;

	e.n = 0;
	for (i = 0; i <= TLSHELLO_MAX_EXT; i++)
		ext_raw(&e, 0x1000 + i, NULL, 0);
	hello(&b, &e);
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "more than 128 extensions");
}

static void
test_tlshello_huge_lengths(void)
{
	static const unsigned char hs[] = { 22, 3, 1, 0x40, 0, 1, 0, 0xff,
	    0xff };
	static const unsigned char rec[] = { 22, 3, 1, 0x40, 1 };
	static const unsigned char big[] = { 22, 3, 1, 0x40, 0, 1, 0, 0x3f,
	    0xfc };
	struct bb b;
	struct tlshello h;
	size_t i;

	memset(&b, 0, sizeof(b));
	bb_mem(&b, hs, sizeof(hs));
	CU_ASSERT_STRING_EQUAL(parse_err(&b),
	    "ClientHello too large (65539 bytes)");
	b.n = 0;
	bb_mem(&b, rec, sizeof(rec));
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "record length 16385 exceeds "
	    "2^14");

	/* The largest message that fits asks for more, but no further. */
	b.n = 0;
	bb_mem(&b, big, sizeof(big));
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), WD_AGAIN);
	b.b[8]++;
	CU_ASSERT_STRING_EQUAL(parse_err(&b),
	    "ClientHello too large (16385 bytes)");

	/* With TLSHELLO_MAX bytes in hand the answer is never WD_AGAIN. */
	b.n = 0;
	bb_mem(&b, big, 5);
	b.b[3] = 0;
	b.b[4] = 4;
	bb_mem(&b, big + 5, 4);
	for (i = 0; b.n < TLSHELLO_MAX; i++) {
		bb_u8(&b, 22);
		bb_u16(&b, 0x0303);
		bb_u16(&b, 1);
		/* version, random, session id, 16128 bytes of suites */
		bb_u8(&b, i < 2 ? 3 : i < 34 ? 0x11 : i == 35 ? 0x3f :
		    i == 34 || i == 36 ? 0 : 0x13);
	}
	b.n = TLSHELLO_MAX;
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "ClientHello too large (over "
	    "18432 bytes of records)");
	CU_ASSERT_EQUAL(parse(b.b, TLSHELLO_MAX - 6, &h), WD_AGAIN);
}

static void
test_tlshello_http(void)
{
	static const char get[] = "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n";
	struct bb b;

	b.n = 0;
	bb_mem(&b, get, sizeof(get) - 1);
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "not TLS: first byte 0x47 "
	    "('G')");
	CU_ASSERT_FALSE(tlshello_looks_like_tls(b.b, b.n));
	CU_ASSERT_FALSE(tlshello_looks_like_tls(b.b, 1));
	b.n = 1;
	b.b[0] = 0;
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "not TLS: first byte 0x00");
}

static void
test_tlshello_sslv2(void)
{
	/* RFC 5246 appendix E.2: msg_type 1, version 3.1, lengths... */
	static const unsigned char v2[] = { 0x80, 0x2e, 0x01, 0x03, 0x01,
	    0x00, 0x15, 0x00, 0x00, 0x00, 0x10 };
	struct bb b;

	b.n = 0;
	bb_mem(&b, v2, sizeof(v2));
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "SSLv2 hello not supported");
	CU_ASSERT_TRUE(tlshello_looks_like_tls(b.b, 5));
	b.b[2] = 4;
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "not TLS: first byte 0x80");
	CU_ASSERT_FALSE(tlshello_looks_like_tls(b.b, 5));
}

static void
test_tlshello_record_layer(void)
{
	static const unsigned char ssl3[] = { 22, 3, 0, 0, 4 };
	static const unsigned char v304[] = { 22, 3, 4, 0, 4 };
	static const unsigned char maj[] = { 22, 2 };
	static const unsigned char empty[] = { 22, 3, 1, 0, 0 };
	static const unsigned char appdata[] = { 23, 3, 3, 0, 4 };
	static const unsigned char server[] = { 22, 3, 3, 0, 4, 2, 0, 0, 0 };
	struct bb b;

	b.n = 0;
	bb_mem(&b, ssl3, sizeof(ssl3));
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "SSL 3.0 is not supported");
	b.n = 0;
	bb_mem(&b, v304, sizeof(v304));
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "bad record version 0x0304");
	b.n = 0;
	bb_mem(&b, maj, sizeof(maj));
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "bad record version: major 2");
	b.n = 0;
	bb_mem(&b, empty, sizeof(empty));
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "empty handshake record");
	b.n = 0;
	bb_mem(&b, appdata, sizeof(appdata));
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "TLS record of content type "
	    "23 (application_data) where a ClientHello was expected");
	b.n = 0;
	bb_mem(&b, server, sizeof(server));
	CU_ASSERT_STRING_EQUAL(parse_err(&b),
	    "handshake type 2 is not client_hello");
}

static void
test_tlshello_alert_between_fragments(void)
{
	static const unsigned char alert[] = { 21, 3, 3, 0, 2, 2, 40 };
	struct bb b, s, m;

	capture13(&b);
	split2(&b, 50, &s);
	m.n = 0;
	bb_mem(&m, s.b, 55);
	bb_mem(&m, alert, sizeof(alert));
	bb_mem(&m, s.b + 55, s.n - 55);
	CU_ASSERT_STRING_EQUAL(parse_err(&m), "record of content type 21 "
	    "(alert) before the ClientHello is complete");
}

static void
test_tlshello_bad_versions_in_hello(void)
{
	struct bb b;

	hello_v(&b, 0x0304, NULL);
	CU_ASSERT_STRING_EQUAL(parse_err(&b),
	    "bad ClientHello version 0x0304");
	hello_v(&b, 0x0300, NULL);
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "SSL 3.0 is not supported");
	hello_v(&b, 0x0303, NULL);
	b.b[b.n - 1] = 1;	/* the only method, was null */
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "compression methods lack null");
}

/* The parsed name, or "!" when it was refused. */
static const char *
sni_of(const char *name, size_t len)
{
	static char out[300];
	struct bb e, b;
	struct tlshello h;

	e.n = 0;
	ext_sni_n(&e, name, len);
	hello(&b, &e);
	CU_ASSERT_EQUAL_FATAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_NOT_EQUAL(h.has_sni, h.sni_invalid);
	if (h.sni_invalid) {
		CU_ASSERT_STRING_EQUAL(h.sni, "");
		return "!";
	}
	snprintf(out, sizeof(out), "%s", h.sni);
	return out;
}

static const char *
sni(const char *name)
{
	return sni_of(name, strlen(name));
}

static void
test_tlshello_sni_valid(void)
{
	char name[300], dotted[300];

	CU_ASSERT_STRING_EQUAL(sni("Example.COM."), "example.com");
	CU_ASSERT_STRING_EQUAL(sni("a1-b2.c3"), "a1-b2.c3");
	CU_ASSERT_STRING_EQUAL(sni("xn--bcher-kva.example"),
	    "xn--bcher-kva.example");
	CU_ASSERT_STRING_EQUAL(sni("localhost"), "localhost");
	CU_ASSERT_STRING_EQUAL(sni("1.2.3.example"), "1.2.3.example");
	memset(name, 'a', 63);
	strcpy(name + 63, ".example");
	CU_ASSERT_STRING_EQUAL(sni(name), name);
	/* 253 bytes: 4 x 62 + 5, dots between */
	memset(name, 'b', 253);
	name[62] = name[125] = name[188] = name[251] = '.';
	name[253] = '\0';
	CU_ASSERT_STRING_EQUAL(sni(name), name);
	snprintf(dotted, sizeof(dotted), "%s.", name);
	CU_ASSERT_STRING_EQUAL(sni(dotted), name);	/* 254 with the dot */
}

static void
test_tlshello_sni_invalid(void)
{
	char name[300];

	CU_ASSERT_STRING_EQUAL(sni("my_host.example"), "!");
	CU_ASSERT_STRING_EQUAL(sni("-a.example"), "!");
	CU_ASSERT_STRING_EQUAL(sni("a-.example"), "!");
	CU_ASSERT_STRING_EQUAL(sni("a..example"), "!");
	CU_ASSERT_STRING_EQUAL(sni(".a.example"), "!");
	CU_ASSERT_STRING_EQUAL(sni("a.example.."), "!");
	CU_ASSERT_STRING_EQUAL(sni("."), "!");
	CU_ASSERT_STRING_EQUAL(sni("192.0.2.1"), "!");
	CU_ASSERT_STRING_EQUAL(sni("a.123"), "!");
	CU_ASSERT_STRING_EQUAL(sni("[2001:db8::1]"), "!");
	CU_ASSERT_STRING_EQUAL(sni("ex ample.com"), "!");
	CU_ASSERT_STRING_EQUAL(sni_of("a\0.example", 10), "!");
	CU_ASSERT_STRING_EQUAL(sni("caf\xc3\xa9.example"), "!");
	memset(name, 'a', 64);
	strcpy(name + 64, ".example");
	CU_ASSERT_STRING_EQUAL(sni(name), "!");
	memset(name, 'b', 254);
	name[62] = name[125] = name[188] = name[251] = '.';
	name[254] = '\0';
	CU_ASSERT_STRING_EQUAL(sni(name), "!");
	memset(name, 'c', 299);
	name[299] = '\0';
	CU_ASSERT_STRING_EQUAL(sni(name), "!");
}

/* OpenSSL sends what it is given: an underscore goes on the wire. */
static void
test_tlshello_sni_underscore_captured(void)
{
	struct bb b;
	struct tlshello h;

	capture(&b, 0, "my_host.example", NULL, 0);
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_FALSE(h.has_sni);
	CU_ASSERT_TRUE(h.sni_invalid);
	CU_ASSERT_STRING_EQUAL(h.sni, "");
}

static void
test_tlshello_sni_entries(void)
{
	/* An unknown name type is skipped; the host_name counts. */
	static const unsigned char other[] = { 0, 13, 7, 0, 2, 'x', 'y',
	    0, 0, 5, 'a', '.', 'b', 'c', 'd' };
	static const unsigned char two[] = { 0, 16, 0, 0, 5, 'a', '.', 'b',
	    'c', 'd', 0, 0, 5, 'e', '.', 'f', 'g', 'h' };
	static const unsigned char zero[] = { 0, 3, 0, 0, 0 };
	static const unsigned char nolist[] = { 0, 0 };
	struct bb e, b;
	struct tlshello h;

	e.n = 0;
	ext_raw(&e, 0, other, sizeof(other));
	hello(&b, &e);
	CU_ASSERT_EQUAL(parse(b.b, b.n, &h), (int)b.n);
	CU_ASSERT_STRING_EQUAL(h.sni, "a.bcd");

	e.n = 0;
	ext_raw(&e, 0, two, sizeof(two));
	hello(&b, &e);
	CU_ASSERT_STRING_EQUAL(parse_err(&b),
	    "more than one host_name in server_name");

	e.n = 0;
	ext_raw(&e, 0, zero, sizeof(zero));
	hello(&b, &e);
	CU_ASSERT_STRING_EQUAL(parse_err(&b),
	    "empty host_name in server_name");

	e.n = 0;
	ext_raw(&e, 0, nolist, sizeof(nolist));
	hello(&b, &e);
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "empty server_name list");

	e.n = 0;
	ext_raw(&e, 0, NULL, 0);
	hello(&b, &e);
	CU_ASSERT_STRING_EQUAL(parse_err(&b), "server_name list length (2 "
	    "bytes) overflows the server_name extension (0 left)");
}

static void
test_tlshello_looks_like_tls(void)
{
	static const unsigned char t[] = { 22, 3, 1, 2, 0 };

	CU_ASSERT_FALSE(tlshello_looks_like_tls(t, 0));
	CU_ASSERT_TRUE(tlshello_looks_like_tls(t, 1));
	CU_ASSERT_TRUE(tlshello_looks_like_tls(t, 2));
	CU_ASSERT_TRUE(tlshello_looks_like_tls(t, 3));
	CU_ASSERT_TRUE(tlshello_looks_like_tls(t, 4));
	CU_ASSERT_TRUE(tlshello_looks_like_tls(t, 5));
	CU_ASSERT_FALSE(tlshello_looks_like_tls((const unsigned char *)
	    "\x16\x04", 2));
	CU_ASSERT_FALSE(tlshello_looks_like_tls((const unsigned char *)
	    "\x16\x03\x07", 3));
	CU_ASSERT_FALSE(tlshello_looks_like_tls((const unsigned char *)
	    "\x16\x03\x01\x00\x00", 5));
	CU_ASSERT_FALSE(tlshello_looks_like_tls((const unsigned char *)
	    "\x16\x03\x01\x40\x01", 5));
	CU_ASSERT_FALSE(tlshello_looks_like_tls((const unsigned char *)
	    "\x17\x03\x03", 3));
	CU_ASSERT_FALSE(tlshello_looks_like_tls((const unsigned char *)
	    "SSH-2.0", 7));
}

static void
test_tlshello_version_str(void)
{
	CU_ASSERT_STRING_EQUAL(tlshello_version_str(TLSHELLO_TLS13),
	    "TLS 1.3");
	CU_ASSERT_STRING_EQUAL(tlshello_version_str(0x0303), "TLS 1.2");
	CU_ASSERT_STRING_EQUAL(tlshello_version_str(0x0300), "SSL 3.0");
	CU_ASSERT_STRING_EQUAL(tlshello_version_str(0), "unknown");
}

static void
test_tlshello_err_null(void)
{
	static const unsigned char g[] = "GET";

	CU_ASSERT_EQUAL(tlshello_parse(g, 3, &(struct tlshello){ 0 }, NULL),
	    -1);
}

static CU_TestInfo cu_tests[] = {
	{ "TLS 1.3 hello, SNI and ALPN", test_tlshello_tls13 },
	{ "TLS 1.2-only hello", test_tlshello_tls12_only },
	{ "no SNI", test_tlshello_no_sni },
	{ "no extensions", test_tlshello_no_extensions },
	{ "byte by byte", test_tlshello_byte_by_byte },
	{ "truncated at every offset", test_tlshello_truncated },
	{ "split across two records", test_tlshello_split_two_records },
	{ "one-byte records", test_tlshello_one_byte_records },
	{ "followed by a record", test_tlshello_followed_by_record },
	{ "data after hello in its record",
	    test_tlshello_data_after_hello_in_record },
	{ "every length corrupted", test_tlshello_corrupt_lengths },
	{ "duplicate extension", test_tlshello_duplicate_extension },
	{ "two ALPN lists", test_tlshello_two_alpn_lists },
	{ "more than 8 ALPN protocols", test_tlshello_alpn_many },
	{ "empty ALPN name", test_tlshello_alpn_empty_name },
	{ "ECH flagged", test_tlshello_ech },
	{ "pre_shared_key last", test_tlshello_psk_last },
	{ "supported_versions", test_tlshello_supported_versions },
	{ "too many extensions", test_tlshello_too_many_extensions },
	{ "huge lengths", test_tlshello_huge_lengths },
	{ "HTTP is not TLS", test_tlshello_http },
	{ "SSLv2 hello", test_tlshello_sslv2 },
	{ "record layer", test_tlshello_record_layer },
	{ "alert between fragments", test_tlshello_alert_between_fragments },
	{ "bad versions in hello", test_tlshello_bad_versions_in_hello },
	{ "SNI valid", test_tlshello_sni_valid },
	{ "SNI invalid", test_tlshello_sni_invalid },
	{ "SNI underscore captured", test_tlshello_sni_underscore_captured },
	{ "SNI entries", test_tlshello_sni_entries },
	{ "looks like TLS", test_tlshello_looks_like_tls },
	{ "version_str", test_tlshello_version_str },
	{ "err NULL", test_tlshello_err_null },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"tlshello"
#include "cu_main.h"
