#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "httphdr.h"

/* The message under test: fields split from "Name: value\n" lines. */
static struct hdr		 fv[32];
static struct hdrs		 fh = { fv, 0, 32 };
static struct hdr_info		 info;
static struct hdr_problem	 why;

static void
load(const char *fields)
{
	const char *p = fields, *nl, *colon;

	fh.n = 0;
	while (*p != '\0') {
		nl = strchr(p, '\n');
		CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
		colon = memchr(p, ':', (size_t)(nl - p));
		CU_ASSERT_PTR_NOT_NULL_FATAL(colon);
		CU_ASSERT_EQUAL_FATAL(httphdr_add(&fh, p, (size_t)(colon - p),
		    colon + 1, (size_t)(nl - colon - 1)), 0);
		p = nl + 1;
	}
}

static int
req11(const char *fields)
{
	load(fields);
	return httphdr_analyse(&fh, true, 1, &info, &why);
}

static int
req10(const char *fields)
{
	load(fields);
	return httphdr_analyse(&fh, true, 0, &info, &why);
}

static int
resp11(const char *fields)
{
	load(fields);
	return httphdr_analyse(&fh, false, 1, &info, &why);
}

static bool
dropped(size_t i)
{
	CU_ASSERT_FATAL(i < fh.n);
	return (fh.v[i].flags & HDR_F_DROP) != 0;
}

static bool
msg_has(const char *word)
{
	return strstr(why.err.msg, word) != NULL;
}

static void
test_httphdr_classify_known(void)
{
	static const struct {
		const char	*name;
		enum hdr_id	 id;
	} t[] = {
		{ "Host", HDR_HOST },
		{ "content-length", HDR_CONTENT_LENGTH },
		{ "Transfer-Encoding", HDR_TRANSFER_ENCODING },
		{ "CONNECTION", HDR_CONNECTION },
		{ "Keep-Alive", HDR_KEEP_ALIVE },
		{ "Proxy-Connection", HDR_PROXY_CONNECTION },
		{ "TE", HDR_TE },
		{ "Trailer", HDR_TRAILER },
		{ "upgrade", HDR_UPGRADE },
		{ "Via", HDR_VIA },
		{ "X-Forwarded-For", HDR_X_FORWARDED_FOR },
		{ "Forwarded", HDR_FORWARDED },
		{ "Expect", HDR_EXPECT },
		{ "Proxy-Authorization", HDR_PROXY_AUTHORIZATION },
		{ "Proxy-Authenticate", HDR_PROXY_AUTHENTICATE },
		{ "Content-Type", HDR_CONTENT_TYPE },
		{ "From", HDR_FROM },
		{ "Sec-WebSocket-Key", HDR_SEC_WEBSOCKET_KEY },
		{ "Max-Forwards", HDR_MAX_FORWARDS },
		{ "Accept-Encoding", HDR_ACCEPT_ENCODING },
		{ "CONTENT-ENCODING", HDR_CONTENT_ENCODING },
		{ "Content-Disposition", HDR_CONTENT_DISPOSITION },
		{ "content-range", HDR_CONTENT_RANGE },
	};
	size_t i;

	for (i = 0; i < WD_NELEM(t); i++)
		CU_ASSERT_EQUAL(httphdr_classify(t[i].name,
		    strlen(t[i].name)), t[i].id);
	CU_ASSERT_EQUAL(WD_NELEM(t), HDR__COUNT - 1);
}

static void
test_httphdr_classify_other(void)
{
	CU_ASSERT_EQUAL(httphdr_classify("Hosx", 4), HDR_OTHER);
	CU_ASSERT_EQUAL(httphdr_classify("Hostx", 5), HDR_OTHER);
	CU_ASSERT_EQUAL(httphdr_classify("Hos", 3), HDR_OTHER);
	CU_ASSERT_EQUAL(httphdr_classify("Content-Lengtx", 14), HDR_OTHER);
	CU_ASSERT_EQUAL(httphdr_classify("Tf", 2), HDR_OTHER);
	CU_ASSERT_EQUAL(httphdr_classify("T", 1), HDR_OTHER);
	CU_ASSERT_EQUAL(httphdr_classify("", 0), HDR_OTHER);
	CU_ASSERT_EQUAL(httphdr_classify("X-Custom", 8), HDR_OTHER);
}

static void
test_httphdr_classify_uses_len(void)
{
	/* Only len bytes count, not a terminating NUL. */
	CU_ASSERT_EQUAL(httphdr_classify("Hostname", 4), HDR_HOST);
}

static void
test_httphdr_id_str(void)
{
	int i;

	for (i = 0; i < HDR__COUNT; i++)
		CU_ASSERT_STRING_NOT_EQUAL(hdr_id_str((enum hdr_id)i),
		    "unknown");
	CU_ASSERT_STRING_EQUAL(hdr_id_str(HDR_CONTENT_LENGTH),
	    "content-length");
	CU_ASSERT_STRING_EQUAL(hdr_id_str(HDR__COUNT), "unknown");
}

static void
test_httphdr_add_trims(void)
{
	load("X-A: \t value with  spaces \t\n");
	CU_ASSERT_EQUAL(fh.v[0].value_len, 18);
	CU_ASSERT_EQUAL(memcmp(fh.v[0].value, "value with  spaces", 18), 0);
	CU_ASSERT_EQUAL(fh.v[0].name_len, 3);
	CU_ASSERT_EQUAL(fh.v[0].flags, 0);
}

static void
test_httphdr_add_blank_value(void)
{
	load("X-A: \t \n");
	CU_ASSERT_EQUAL(fh.v[0].value_len, 0);
}

static void
test_httphdr_add_classifies(void)
{
	load("content-type: text/html\n");
	CU_ASSERT_EQUAL(fh.v[0].id, HDR_CONTENT_TYPE);
}

static void
test_httphdr_add_full(void)
{
	struct hdr v[1];
	struct hdrs h = { v, 0, 1 };

	CU_ASSERT_EQUAL(httphdr_add(&h, "A", 1, "1", 1), 0);
	CU_ASSERT_EQUAL(httphdr_add(&h, "B", 1, "2", 1), -1);
	CU_ASSERT_EQUAL(h.n, 1);
}

static void
test_httphdr_find(void)
{
	load("Via: 1.1 a\nHost: a\nHost: b\n");
	CU_ASSERT_PTR_EQUAL(httphdr_find(&fh, HDR_HOST), &fh.v[1]);
	CU_ASSERT_PTR_NULL(httphdr_find(&fh, HDR_EXPECT));
}

/* Collects the elements of a list into "a|b|c". */
static void
list(const char *s, char *out, size_t outsz)
{
	const char *p = s, *tok;
	size_t len;

	out[0] = '\0';
	while (httphdr_list_next(&p, s + strlen(s), &tok, &len)) {
		if (out[0] != '\0')
			strncat(out, "|", outsz - strlen(out) - 1);
		strncat(out, tok, len < outsz - strlen(out) - 1 ? len :
		    outsz - strlen(out) - 1);
	}
	CU_ASSERT_PTR_EQUAL(p, s + strlen(s));
}

static void
test_httphdr_list_basic(void)
{
	char out[64];

	list("a, b,\tc", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "a|b|c");
}

static void
test_httphdr_list_empty_elements(void)
{
	char out[64];

	list(" , a ,, ,b , ", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "a|b");
}

static void
test_httphdr_list_empty(void)
{
	char out[64];

	list("", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "");
	list(" , ,", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "");
}

static void
test_httphdr_list_inner_space(void)
{
	char out[64];

	list("a b , c", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "a b|c");
}

static void
test_httphdr_list_quoted(void)
{
	char out[64];

	list("a=\"x, y\", b=\"q\\\",\"", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "a=\"x, y\"|b=\"q\\\",\"");
}

static void
test_httphdr_list_unterminated_quote(void)
{
	char out[64];

	list("a=\"x, y", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "a=\"x, y");
	list("a=\"x\\", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "a=\"x\\");
}

static void
test_httphdr_token_eq(void)
{
	CU_ASSERT_TRUE(httphdr_token_eq("Chunked", 7, "chunked"));
	CU_ASSERT_TRUE(httphdr_token_eq("chunkedX", 7, "CHUNKED"));
	CU_ASSERT_FALSE(httphdr_token_eq("chunke", 6, "chunked"));
	CU_ASSERT_FALSE(httphdr_token_eq("chunkeds", 8, "chunked"));
	CU_ASSERT_FALSE(httphdr_token_eq("chunkef", 7, "chunked"));
	CU_ASSERT_TRUE(httphdr_token_eq("", 0, ""));
}

static void
test_httphdr_plain_get(void)
{
	CU_ASSERT_EQUAL(req11("Host: a.example\nAccept: */*\n"), 0);
	CU_ASSERT_EQUAL(info.content_length, -1);
	CU_ASSERT_FALSE(info.chunked);
	CU_ASSERT_PTR_EQUAL(info.host, &fh.v[0]);
	CU_ASSERT_EQUAL(info.nhost, 1);
	CU_ASSERT_FALSE(dropped(0));
	CU_ASSERT_FALSE(dropped(1));
}

static void
test_httphdr_no_host_11(void)
{
	CU_ASSERT_EQUAL(req11("Accept: */*\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
	CU_ASSERT_TRUE(msg_has("Host"));
}

static void
test_httphdr_no_host_10(void)
{
	CU_ASSERT_EQUAL(req10("Accept: */*\n"), 0);
	CU_ASSERT_PTR_NULL(info.host);
}

static void
test_httphdr_two_hosts(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nHost: b\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_two_hosts_10(void)
{
	CU_ASSERT_EQUAL(req10("Host: a\nHost: a\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_empty_host(void)
{
	CU_ASSERT_EQUAL(req11("Host:\n"), 0);
	CU_ASSERT_PTR_NOT_NULL(info.host);
	CU_ASSERT_EQUAL(info.host->value_len, 0);
}

static void
test_httphdr_response_no_host(void)
{
	CU_ASSERT_EQUAL(resp11("Server: x\n"), 0);
}

static void
test_httphdr_cl(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: 5\n"), 0);
	CU_ASSERT_EQUAL(info.content_length, 5);
	CU_ASSERT_TRUE(dropped(1));
}

static void
test_httphdr_cl_zero(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: 0\n"), 0);
	CU_ASSERT_EQUAL(info.content_length, 0);
}

static void
test_httphdr_cl_leading_zeros(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: 007\n"), 0);
	CU_ASSERT_EQUAL(info.content_length, 7);
}

static void
test_httphdr_cl_ows(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: \t5 \t\n"), 0);
	CU_ASSERT_EQUAL(info.content_length, 5);
}

static void
test_httphdr_cl_max(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\n"
	    "Content-Length: 9223372036854775807\n"), 0);
	CU_ASSERT_EQUAL(info.content_length, INT64_MAX);
}

static void
test_httphdr_cl_overflow(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\n"
	    "Content-Length: 9223372036854775808\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
	CU_ASSERT_TRUE(msg_has("too large"));
}

static void
test_httphdr_cl_huge(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\n"
	    "Content-Length: 100000000000000000000000000000\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_cl_plus(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: +5\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
	CU_ASSERT_TRUE(msg_has("Content-Length"));
}

static void
test_httphdr_cl_minus(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: -1\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_cl_inner_space(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: 5 5\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_cl_list_same(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: 5, 5\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: 5,5\n"), -1);
}

static void
test_httphdr_cl_hex(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: 0x5\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_cl_empty(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length:\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_cl_two_fields_same(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: 5\n"
	    "Content-Length: 5\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
	CU_ASSERT_TRUE(msg_has("more than one"));
}

static void
test_httphdr_cl_two_fields_differ(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: 5\n"
	    "content-length: 6\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_cl_bad_response(void)
{
	CU_ASSERT_EQUAL(resp11("Content-Length: 5, 5\n"), -1);
	CU_ASSERT_EQUAL(why.status, 502);
}

static void
test_httphdr_te_chunked(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: chunked\n"), 0);
	CU_ASSERT_TRUE(info.chunked);
	CU_ASSERT_EQUAL(info.content_length, -1);
	CU_ASSERT_TRUE(dropped(1));
}

static void
test_httphdr_te_chunked_case(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: ChUnKeD\n"), 0);
	CU_ASSERT_TRUE(info.chunked);
}

static void
test_httphdr_te_chunked_response(void)
{
	CU_ASSERT_EQUAL(resp11("Transfer-Encoding: chunked\n"), 0);
	CU_ASSERT_TRUE(info.chunked);
}

static void
test_httphdr_te_chunked_twice(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\n"
	    "Transfer-Encoding: chunked, chunked\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_te_two_fields(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: chunked\n"
	    "Transfer-Encoding: chunked\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_te_gzip_chunked(void)
{
	/* Framed, but by a coding we do not implement: RFC 9112 6.1. */
	CU_ASSERT_EQUAL(req11("Host: a\n"
	    "Transfer-Encoding: gzip, chunked\n"), -1);
	CU_ASSERT_EQUAL(why.status, 501);
	CU_ASSERT_TRUE(msg_has("'gzip'"));
}

static void
test_httphdr_te_gzip_chunked_response(void)
{
	CU_ASSERT_EQUAL(resp11("Transfer-Encoding: gzip, chunked\n"), -1);
	CU_ASSERT_EQUAL(why.status, 502);
}

static void
test_httphdr_te_gzip_then_chunked_fields(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: gzip\n"
	    "Transfer-Encoding: chunked\n"), -1);
	CU_ASSERT_EQUAL(why.status, 501);
}

static void
test_httphdr_te_unknown_chunked(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: foo, chunked\n"),
	    -1);
	CU_ASSERT_EQUAL(why.status, 501);
}

static void
test_httphdr_te_two_without_chunked(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: gzip, foo\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_te_chunked_params_last(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\n"
	    "Transfer-Encoding: gzip, chunked;x=1\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_te_trailing_comma(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: , chunked ,\n"),
	    0);
	CU_ASSERT_TRUE(info.chunked);
}

static void
test_httphdr_te_chunked_gzip(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\n"
	    "Transfer-Encoding: chunked, gzip\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_te_gzip(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: gzip\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_te_identity(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: identity\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_te_empty(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding:\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
	CU_ASSERT_TRUE(msg_has("empty"));
}

static void
test_httphdr_te_only_commas(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: , ,\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_te_params(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: chunked;a=b\n"),
	    -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_te_unknown_request(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: foo\n"), -1);
	CU_ASSERT_EQUAL(why.status, 501);
	CU_ASSERT_TRUE(msg_has("'foo'"));
	CU_ASSERT_TRUE(msg_has("not implemented"));
}

static void
test_httphdr_te_unknown_response(void)
{
	CU_ASSERT_EQUAL(resp11("Transfer-Encoding: foo\n"), -1);
	CU_ASSERT_EQUAL(why.status, 502);
}

static void
test_httphdr_te_unknown_not_quoted(void)
{
	/* A name that is not a plain token is not echoed. */
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: f\"o\"o\n"), -1);
	CU_ASSERT_EQUAL(why.status, 501);
	CU_ASSERT_FALSE(msg_has("\""));
}

static void
test_httphdr_te_http10(void)
{
	CU_ASSERT_EQUAL(req10("Host: a\nTransfer-Encoding: chunked\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
	CU_ASSERT_TRUE(msg_has("HTTP/1.0"));
}

static void
test_httphdr_te_http10_response(void)
{
	load("Transfer-Encoding: chunked\n");
	CU_ASSERT_EQUAL(httphdr_analyse(&fh, false, 0, &info, &why), -1);
	CU_ASSERT_EQUAL(why.status, 502);
}

static void
test_httphdr_cl_te_request(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: 5\n"
	    "Transfer-Encoding: chunked\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
	CU_ASSERT_TRUE(msg_has("both"));
}

static void
test_httphdr_te_cl_request(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nTransfer-Encoding: chunked\n"
	    "Content-Length: 0\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_cl_te_response(void)
{
	CU_ASSERT_EQUAL(resp11("Content-Length: 5\n"
	    "Transfer-Encoding: chunked\n"), -1);
	CU_ASSERT_EQUAL(why.status, 502);
}

static void
test_httphdr_conn_close(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nConnection: close\n"), 0);
	CU_ASSERT_TRUE(info.conn_close);
	CU_ASSERT_FALSE(info.conn_keep_alive);
	CU_ASSERT_TRUE(dropped(1));
}

static void
test_httphdr_conn_keep_alive(void)
{
	CU_ASSERT_EQUAL(req10("Host: a\nConnection: Keep-Alive\n"
	    "Keep-Alive: timeout=5\n"), 0);
	CU_ASSERT_TRUE(info.conn_keep_alive);
	CU_ASSERT_FALSE(info.conn_close);
	CU_ASSERT_TRUE(dropped(2));
}

static void
test_httphdr_conn_names_field(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nX-Foo: 1\nConnection: close, x-foo\n"
	    "X-Bar: 2\nx-FOO: 3\n"), 0);
	CU_ASSERT_FALSE(dropped(0));
	CU_ASSERT_TRUE(dropped(1));
	CU_ASSERT_TRUE(dropped(2));
	CU_ASSERT_FALSE(dropped(3));
	CU_ASSERT_TRUE(dropped(4));
}

static void
test_httphdr_conn_names_known_field(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nVia: 1.1 x\nConnection: VIA\n"), 0);
	CU_ASSERT_TRUE(dropped(1));
}

static void
test_httphdr_conn_two_fields(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nConnection: x-a\nConnection: x-b\n"
	    "X-A: 1\nX-B: 2\nX-C: 3\n"), 0);
	CU_ASSERT_TRUE(dropped(1));
	CU_ASSERT_TRUE(dropped(2));
	CU_ASSERT_TRUE(dropped(3));
	CU_ASSERT_TRUE(dropped(4));
	CU_ASSERT_FALSE(dropped(5));
}

static void
test_httphdr_conn_prefix_not_matched(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nX-Foo-Bar: 1\nConnection: x-foo\n"),
	    0);
	CU_ASSERT_FALSE(dropped(1));
}

static void
test_httphdr_conn_names_host(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nConnection: host\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
	CU_ASSERT_TRUE(msg_has("Connection"));
}

static void
test_httphdr_conn_names_cl(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nContent-Length: 3\n"
	    "Connection: close, Content-Length\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_conn_names_te(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nConnection: Transfer-Encoding\n"), -1);
	CU_ASSERT_EQUAL(why.status, 400);
}

static void
test_httphdr_conn_names_cl_response(void)
{
	CU_ASSERT_EQUAL(resp11("Connection: Content-Length\n"), -1);
	CU_ASSERT_EQUAL(why.status, 502);
}

static void
test_httphdr_hop_by_hop(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nKeep-Alive: 1\nProxy-Connection: x\n"
	    "TE: trailers\nTrailer: X\nUpgrade: h2c\n"
	    "Proxy-Authorization: Basic x\nProxy-Authenticate: Basic\n"), 0);
	CU_ASSERT_FALSE(dropped(0));
	CU_ASSERT_TRUE(dropped(1));
	CU_ASSERT_TRUE(dropped(2));
	CU_ASSERT_TRUE(dropped(3));
	CU_ASSERT_TRUE(dropped(4));
	CU_ASSERT_TRUE(dropped(5));
	CU_ASSERT_TRUE(dropped(6));
	CU_ASSERT_TRUE(dropped(7));
}

static void
test_httphdr_end_to_end(void)
{
	size_t i;

	CU_ASSERT_EQUAL(req11("Host: a\nVia: 1.1 p\nX-Forwarded-For: 1.2.3.4\n"
	    "Forwarded: for=x\nContent-Type: text/plain\nFrom: a@b\n"
	    "Sec-WebSocket-Key: k\nExpect: 100-continue\nCookie: c\n"), 0);
	for (i = 0; i < fh.n; i++)
		CU_ASSERT_FALSE(dropped(i));
}

static void
test_httphdr_content_type(void)
{
	CU_ASSERT_EQUAL(resp11("Content-Type: text/html\n"
	    "Content-Type: text/plain\n"), 0);
	CU_ASSERT_PTR_EQUAL(info.content_type, &fh.v[0]);
}

static void
test_httphdr_expect_continue(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nExpect: 100-Continue\n"), 0);
	CU_ASSERT_TRUE(info.expect_continue);
	CU_ASSERT_FALSE(info.expect_other);
}

static void
test_httphdr_expect_other(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nExpect: 200-ok\n"), 0);
	CU_ASSERT_FALSE(info.expect_continue);
	CU_ASSERT_TRUE(info.expect_other);
}

static void
test_httphdr_expect_both(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nExpect: 100-continue, foo=bar\n"), 0);
	CU_ASSERT_TRUE(info.expect_continue);
	CU_ASSERT_TRUE(info.expect_other);
}

static void
test_httphdr_expect_none(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\n"), 0);
	CU_ASSERT_FALSE(info.expect_continue);
	CU_ASSERT_FALSE(info.expect_other);
}

static void
test_httphdr_websocket(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nConnection: Upgrade\n"
	    "Upgrade: websocket\nSec-WebSocket-Key: k\n"), 0);
	CU_ASSERT_TRUE(info.conn_upgrade);
	CU_ASSERT_TRUE(info.upgrade_websocket);
	CU_ASSERT_TRUE(dropped(1));
	CU_ASSERT_TRUE(dropped(2));
	CU_ASSERT_FALSE(dropped(3));
}

static void
test_httphdr_websocket_in_list(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nUpgrade: h2c, WebSocket/13\n"
	    "Connection: keep-alive, upgrade\n"), 0);
	CU_ASSERT_TRUE(info.upgrade_websocket);
}

static void
test_httphdr_websocket_no_connection(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nUpgrade: websocket\n"), 0);
	CU_ASSERT_FALSE(info.upgrade_websocket);
	CU_ASSERT_TRUE(dropped(1));
}

static void
test_httphdr_upgrade_not_websocket(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nUpgrade: h2c\nConnection: upgrade\n"),
	    0);
	CU_ASSERT_TRUE(info.conn_upgrade);
	CU_ASSERT_FALSE(info.upgrade_websocket);
}

static void
test_httphdr_websocket_prefix(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nUpgrade: websockets\n"
	    "Connection: upgrade\n"), 0);
	CU_ASSERT_FALSE(info.upgrade_websocket);
}

static void
test_httphdr_info_reset(void)
{
	CU_ASSERT_EQUAL(req11("Host: a\nConnection: close\n"
	    "Content-Length: 3\n"), 0);
	CU_ASSERT_EQUAL(req11("Host: a\n"), 0);
	CU_ASSERT_FALSE(info.conn_close);
	CU_ASSERT_EQUAL(info.content_length, -1);
}

static void
test_httphdr_drop_marks_every_field(void)
{
	struct hdr v[4];
	struct hdrs h = { v, 0, 4 };

	CU_ASSERT_EQUAL(httphdr_add(&h, "Expect", 6, "100-continue", 12), 0);
	CU_ASSERT_EQUAL(httphdr_add(&h, "Accept", 6, "*/*", 3), 0);
	CU_ASSERT_EQUAL(httphdr_add(&h, "expect", 6, "x", 1), 0);
	httphdr_drop(&h, HDR_EXPECT);
	CU_ASSERT_TRUE(v[0].flags & HDR_F_DROP);
	CU_ASSERT_FALSE(v[1].flags & HDR_F_DROP);
	CU_ASSERT_TRUE(v[2].flags & HDR_F_DROP);
	httphdr_drop_name(&h, "ACCEPT");
	CU_ASSERT_TRUE(v[1].flags & HDR_F_DROP);
}

static CU_TestInfo cu_tests[] = {
	{ "drop marks every field", test_httphdr_drop_marks_every_field },
	{ "classify known", test_httphdr_classify_known },
	{ "classify other", test_httphdr_classify_other },
	{ "classify uses len", test_httphdr_classify_uses_len },
	{ "hdr_id_str", test_httphdr_id_str },
	{ "add trims", test_httphdr_add_trims },
	{ "add blank value", test_httphdr_add_blank_value },
	{ "add classifies", test_httphdr_add_classifies },
	{ "add full", test_httphdr_add_full },
	{ "find", test_httphdr_find },
	{ "list basic", test_httphdr_list_basic },
	{ "list empty elements", test_httphdr_list_empty_elements },
	{ "list empty", test_httphdr_list_empty },
	{ "list inner space", test_httphdr_list_inner_space },
	{ "list quoted", test_httphdr_list_quoted },
	{ "list unterminated quote", test_httphdr_list_unterminated_quote },
	{ "token_eq", test_httphdr_token_eq },
	{ "plain GET", test_httphdr_plain_get },
	{ "no Host 1.1", test_httphdr_no_host_11 },
	{ "no Host 1.0", test_httphdr_no_host_10 },
	{ "two Hosts", test_httphdr_two_hosts },
	{ "two Hosts 1.0", test_httphdr_two_hosts_10 },
	{ "empty Host", test_httphdr_empty_host },
	{ "response no Host", test_httphdr_response_no_host },
	{ "CL", test_httphdr_cl },
	{ "CL zero", test_httphdr_cl_zero },
	{ "CL leading zeros", test_httphdr_cl_leading_zeros },
	{ "CL OWS", test_httphdr_cl_ows },
	{ "CL max", test_httphdr_cl_max },
	{ "CL overflow", test_httphdr_cl_overflow },
	{ "CL huge", test_httphdr_cl_huge },
	{ "CL plus", test_httphdr_cl_plus },
	{ "CL minus", test_httphdr_cl_minus },
	{ "CL inner space", test_httphdr_cl_inner_space },
	{ "CL list same", test_httphdr_cl_list_same },
	{ "CL hex", test_httphdr_cl_hex },
	{ "CL empty", test_httphdr_cl_empty },
	{ "CL two fields same", test_httphdr_cl_two_fields_same },
	{ "CL two fields differ", test_httphdr_cl_two_fields_differ },
	{ "CL bad response", test_httphdr_cl_bad_response },
	{ "TE chunked", test_httphdr_te_chunked },
	{ "TE chunked case", test_httphdr_te_chunked_case },
	{ "TE chunked response", test_httphdr_te_chunked_response },
	{ "TE chunked twice", test_httphdr_te_chunked_twice },
	{ "TE two fields", test_httphdr_te_two_fields },
	{ "TE gzip, chunked", test_httphdr_te_gzip_chunked },
	{ "TE gzip, chunked response", test_httphdr_te_gzip_chunked_response },
	{ "TE gzip then chunked fields",
	    test_httphdr_te_gzip_then_chunked_fields },
	{ "TE foo, chunked", test_httphdr_te_unknown_chunked },
	{ "TE two without chunked", test_httphdr_te_two_without_chunked },
	{ "TE chunked params last", test_httphdr_te_chunked_params_last },
	{ "TE trailing comma", test_httphdr_te_trailing_comma },
	{ "TE chunked, gzip", test_httphdr_te_chunked_gzip },
	{ "TE gzip", test_httphdr_te_gzip },
	{ "TE identity", test_httphdr_te_identity },
	{ "TE empty", test_httphdr_te_empty },
	{ "TE only commas", test_httphdr_te_only_commas },
	{ "TE params", test_httphdr_te_params },
	{ "TE unknown request", test_httphdr_te_unknown_request },
	{ "TE unknown response", test_httphdr_te_unknown_response },
	{ "TE unknown not quoted", test_httphdr_te_unknown_not_quoted },
	{ "TE HTTP/1.0", test_httphdr_te_http10 },
	{ "TE HTTP/1.0 response", test_httphdr_te_http10_response },
	{ "CL+TE request", test_httphdr_cl_te_request },
	{ "TE+CL request", test_httphdr_te_cl_request },
	{ "CL+TE response", test_httphdr_cl_te_response },
	{ "Connection close", test_httphdr_conn_close },
	{ "Connection keep-alive", test_httphdr_conn_keep_alive },
	{ "Connection names field", test_httphdr_conn_names_field },
	{ "Connection names known field",
	    test_httphdr_conn_names_known_field },
	{ "Connection two fields", test_httphdr_conn_two_fields },
	{ "Connection prefix not matched",
	    test_httphdr_conn_prefix_not_matched },
	{ "Connection names Host", test_httphdr_conn_names_host },
	{ "Connection names CL", test_httphdr_conn_names_cl },
	{ "Connection names TE", test_httphdr_conn_names_te },
	{ "Connection names CL response",
	    test_httphdr_conn_names_cl_response },
	{ "hop-by-hop", test_httphdr_hop_by_hop },
	{ "end-to-end", test_httphdr_end_to_end },
	{ "Content-Type", test_httphdr_content_type },
	{ "Expect continue", test_httphdr_expect_continue },
	{ "Expect other", test_httphdr_expect_other },
	{ "Expect both", test_httphdr_expect_both },
	{ "Expect none", test_httphdr_expect_none },
	{ "websocket", test_httphdr_websocket },
	{ "websocket in list", test_httphdr_websocket_in_list },
	{ "websocket no Connection", test_httphdr_websocket_no_connection },
	{ "Upgrade not websocket", test_httphdr_upgrade_not_websocket },
	{ "websocket prefix", test_httphdr_websocket_prefix },
	{ "info reset", test_httphdr_info_reset },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME "httphdr"
#include "cu_main.h"
