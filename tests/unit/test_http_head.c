#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "http_head.h"

static const struct http_head_limits lim_default = { 8192, 65536, 100 };

/* One call with the whole buffer, in a heap block of exactly len bytes. */
static ssize_t
scan_once(const char *s, size_t len, const struct http_head_limits *lim,
    enum http_head_err *why)
{
	struct http_head_scan st;
	char *b = malloc(len > 0 ? len : 1);
	ssize_t r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	memcpy(b, s, len);
	http_head_scan_init(&st);
	r = http_head_scan(&st, b, len, lim, why);
	free(b);
	return r;
}

/*
 * Feeds the scanner one byte more at a time, each call with a fresh heap
 * block of exactly that size (ASan sees any read past the end) whose bytes
 * before st.off are overwritten with NUL: a scanner that looked at a byte
 * twice would see a control character. Returns the first answer that is
 * not WD_AGAIN, or WD_AGAIN.
 */
static ssize_t
scan_bytewise(const char *s, size_t len, const struct http_head_limits *lim,
    enum http_head_err *why)
{
	struct http_head_scan st;
	ssize_t r = WD_AGAIN;
	size_t k;

	http_head_scan_init(&st);
	for (k = 1; k <= len && r == WD_AGAIN; k++) {
		char *b = malloc(k);

		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		memcpy(b, s, k);
		CU_ASSERT_EQUAL(st.off, k - 1);
		memset(b, 0, st.off);
		r = http_head_scan(&st, b, k, lim, why);
		free(b);
	}
	return r;
}

/* Two calls, split after every byte. */
static void
check_splits(const char *s, size_t len, const struct http_head_limits *lim,
    ssize_t want, enum http_head_err want_why)
{
	enum http_head_err why;
	struct http_head_scan st;
	ssize_t r;
	size_t k;

	for (k = 0; k <= len; k++) {
		why = HTTP_HEAD_OK;
		http_head_scan_init(&st);
		r = http_head_scan(&st, s, k, lim, &why);
		if (r == WD_AGAIN)
			r = http_head_scan(&st, s, len, lim, &why);
		CU_ASSERT_EQUAL(r, want);
		if (want == -1)
			CU_ASSERT_EQUAL(why, want_why);
	}
}

/*
 * The same answer whole, byte by byte, and split in two anywhere; and the
 * same answer again from a scanner that has finished.
 */
static void
check_lim(const char *s, size_t len, const struct http_head_limits *lim,
    ssize_t want, enum http_head_err want_why)
{
	enum http_head_err why = HTTP_HEAD_OK;
	struct http_head_scan st;
	ssize_t r;

	r = scan_once(s, len, lim, &why);
	CU_ASSERT_EQUAL(r, want);
	if (want == -1)
		CU_ASSERT_EQUAL(why, want_why);

	why = HTTP_HEAD_OK;
	r = scan_bytewise(s, len, lim, &why);
	CU_ASSERT_EQUAL(r, want);
	if (want == -1)
		CU_ASSERT_EQUAL(why, want_why);

	check_splits(s, len, lim, want, want_why);

	http_head_scan_init(&st);
	why = HTTP_HEAD_OK;
	r = http_head_scan(&st, s, len, lim, &why);
	if (r != WD_AGAIN) {
		why = HTTP_HEAD_OK;
		CU_ASSERT_EQUAL(http_head_scan(&st, s, len, lim, &why), r);
		if (r == -1)
			CU_ASSERT_EQUAL(why, want_why);
	}
}

static void
check(const char *s, ssize_t want, enum http_head_err want_why)
{
	check_lim(s, strlen(s), &lim_default, want, want_why);
}

static void
check_ok(const char *s)
{
	check(s, (ssize_t)strlen(s), HTTP_HEAD_OK);
}

static void
check_bad(const char *s, enum http_head_err want_why)
{
	check(s, -1, want_why);
}

/* Like check_bad, for heads with NUL bytes in them. */
static void
check_bad_n(const char *s, size_t len, enum http_head_err want_why)
{
	check_lim(s, len, &lim_default, -1, want_why);
}

static void
test_http_head_request(void)
{
	check_ok("GET http://a.example/ HTTP/1.1\r\nHost: a.example\r\n"
	    "User-Agent: t\r\n\r\n");
}

static void
test_http_head_response(void)
{
	check_ok("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}

static void
test_http_head_no_fields(void)
{
	check_ok("GET / HTTP/1.0\r\n\r\n");
}

static void
test_http_head_stops_at_body(void)
{
	const char *s = "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody";

	check(s, (ssize_t)strlen(s) - 4, HTTP_HEAD_OK);
}

static void
test_http_head_pipelined(void)
{
	const char *s = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
	    "GET /b HTTP/1.1\r\nHost: a\r\n\r\n";

	check(s, (ssize_t)strlen(s) / 2, HTTP_HEAD_OK);
}

static void
test_http_head_needs_more(void)
{
	check("GET / HTTP/1.1\r\nHost: a\r\n", WD_AGAIN, HTTP_HEAD_OK);
	check("GET / HTTP/1.1\r\nHost: a\r\n\r", WD_AGAIN, HTTP_HEAD_OK);
	check("GET / HTTP/1.1", WD_AGAIN, HTTP_HEAD_OK);
}

static void
test_http_head_empty_buffer(void)
{
	struct http_head_scan st;
	enum http_head_err why = HTTP_HEAD_OK;

	http_head_scan_init(&st);
	CU_ASSERT_EQUAL(http_head_scan(&st, "", 0, &lim_default, &why),
	    WD_AGAIN);
}

static void
test_http_head_empty_value(void)
{
	check_ok("GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n\r\n");
}

static void
test_http_head_value_ws_and_tab(void)
{
	check_ok("GET / HTTP/1.1\r\nX-A: \t a b\tc \t\r\n\r\n");
}

static void
test_http_head_obs_text_in_value(void)
{
	check_ok("HTTP/1.1 200 OK\r\nX-Name: caf\xc3\xa9 \xff\r\n\r\n");
}

static void
test_http_head_colon_in_value(void)
{
	check_ok("GET / HTTP/1.1\r\nHost: a:8080\r\nX: ::\r\n\r\n");
}

static void
test_http_head_token_chars_in_name(void)
{
	check_ok("GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09azAZ: x\r\n\r\n");
}

static void
test_http_head_bare_lf_start_line(void)
{
	check_bad("GET / HTTP/1.1\nHost: a\r\n\r\n", HTTP_HEAD_BARE_LF);
}

static void
test_http_head_bare_lf_field(void)
{
	check_bad("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",
	    HTTP_HEAD_BARE_LF);
}

static void
test_http_head_bare_lf_in_name(void)
{
	check_bad("GET / HTTP/1.1\r\nHost\n\r\n", HTTP_HEAD_BARE_LF);
}

static void
test_http_head_bare_lf_end(void)
{
	check_bad("GET / HTTP/1.1\r\nHost: a\r\n\n", HTTP_HEAD_BARE_LF);
}

static void
test_http_head_bare_lf_all(void)
{
	check_bad("GET / HTTP/1.1\nHost: a\n\n", HTTP_HEAD_BARE_LF);
}

static void
test_http_head_bare_cr_start_line(void)
{
	check_bad("GET / HTTP/1.1\rHost: a\r\n\r\n", HTTP_HEAD_BARE_CR);
}

static void
test_http_head_bare_cr_value(void)
{
	check_bad("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", HTTP_HEAD_BARE_CR);
}

static void
test_http_head_bare_cr_end(void)
{
	check_bad("GET / HTTP/1.1\r\nX: a\r\n\rX", HTTP_HEAD_BARE_CR);
}

static void
test_http_head_cr_cr_lf(void)
{
	check_bad("GET / HTTP/1.1\r\r\n\r\n", HTTP_HEAD_BARE_CR);
}

static void
test_http_head_obs_fold_sp(void)
{
	check_bad("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", HTTP_HEAD_OBS_FOLD);
}

static void
test_http_head_obs_fold_tab(void)
{
	check_bad("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", HTTP_HEAD_OBS_FOLD);
}

static void
test_http_head_ws_before_first_field(void)
{
	/* RFC 9112 section 2.2: whitespace after the start line. */
	check_bad("GET / HTTP/1.1\r\n Host: a\r\n\r\n", HTTP_HEAD_OBS_FOLD);
}

static void
test_http_head_nul_in_value(void)
{
	static const char s[] = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n";

	check_bad_n(s, sizeof(s) - 1, HTTP_HEAD_CTL);
}

static void
test_http_head_ctl_in_value(void)
{
	check_bad("GET / HTTP/1.1\r\nX: a\x01" "b\r\n\r\n", HTTP_HEAD_CTL);
	check_bad("GET / HTTP/1.1\r\nX: a\x1b[0m\r\n\r\n", HTTP_HEAD_CTL);
	check_bad("GET / HTTP/1.1\r\nX: a\x0b\r\n\r\n", HTTP_HEAD_CTL);
}

static void
test_http_head_del_in_value(void)
{
	check_bad("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", HTTP_HEAD_CTL);
}

static void
test_http_head_ctl_in_name(void)
{
	check_bad("GET / HTTP/1.1\r\nX\x01: a\r\n\r\n", HTTP_HEAD_CTL);
	check_bad("GET / HTTP/1.1\r\n\x01X: a\r\n\r\n", HTTP_HEAD_CTL);
}

static void
test_http_head_ctl_in_start_line(void)
{
	check_bad("GET /\x01 HTTP/1.1\r\n\r\n", HTTP_HEAD_CTL);
	check_bad("GET /\x7f HTTP/1.1\r\n\r\n", HTTP_HEAD_CTL);
}

static void
test_http_head_nul_in_start_line(void)
{
	static const char s[] = "GET /\0 HTTP/1.1\r\n\r\n";

	check_bad_n(s, sizeof(s) - 1, HTTP_HEAD_CTL);
}

static void
test_http_head_tab_in_start_line(void)
{
	check_bad("GET\t/ HTTP/1.1\r\n\r\n", HTTP_HEAD_CTL);
}

static void
test_http_head_8bit_in_start_line(void)
{
	check_bad("GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n",
	    HTTP_HEAD_BAD_START_LINE);
}

static void
test_http_head_empty_start_line(void)
{
	/* The caller drops CRLFs before a request line (RFC 9112 2.2). */
	check_bad("\r\nGET / HTTP/1.1\r\n\r\n", HTTP_HEAD_BAD_START_LINE);
}

static void
test_http_head_lf_first(void)
{
	check_bad("\nGET / HTTP/1.1\r\n\r\n", HTTP_HEAD_BARE_LF);
}

static void
test_http_head_ws_before_colon(void)
{
	check_bad("GET / HTTP/1.1\r\nHost : a\r\n\r\n",
	    HTTP_HEAD_WS_BEFORE_COLON);
}

static void
test_http_head_tab_before_colon(void)
{
	check_bad("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
	    HTTP_HEAD_WS_BEFORE_COLON);
	check_bad("GET / HTTP/1.1\r\nHost \t :a\r\n\r\n",
	    HTTP_HEAD_WS_BEFORE_COLON);
}

static void
test_http_head_space_in_name(void)
{
	check_bad("GET / HTTP/1.1\r\nHo st: a\r\n\r\n", HTTP_HEAD_BAD_FIELD);
}

static void
test_http_head_no_colon(void)
{
	check_bad("GET / HTTP/1.1\r\nHost\r\n\r\n", HTTP_HEAD_BAD_FIELD);
	check_bad("GET / HTTP/1.1\r\nHost \r\n\r\n", HTTP_HEAD_BAD_FIELD);
}

static void
test_http_head_empty_name(void)
{
	check_bad("GET / HTTP/1.1\r\n: a\r\n\r\n", HTTP_HEAD_BAD_FIELD);
}

static void
test_http_head_bad_name_char(void)
{
	check_bad("GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", HTTP_HEAD_BAD_FIELD);
	check_bad("GET / HTTP/1.1\r\nX/Y: a\r\n\r\n", HTTP_HEAD_BAD_FIELD);
	check_bad("GET / HTTP/1.1\r\n\"X\": a\r\n\r\n", HTTP_HEAD_BAD_FIELD);
}

static void
test_http_head_8bit_in_name(void)
{
	check_bad("GET / HTTP/1.1\r\nX\xe9: a\r\n\r\n", HTTP_HEAD_BAD_FIELD);
	check_bad("GET / HTTP/1.1\r\n\xe9: a\r\n\r\n", HTTP_HEAD_BAD_FIELD);
}

/*
 * Long lines go through the 16-byte fast path: put a bad byte at every
 * position of a 70-byte value and check the error and where it stopped.
 */
static void
check_bad_at_every_position(const char *prefix, unsigned char bad,
    enum http_head_err want_why)
{
	char buf[256];
	size_t plen = strlen(prefix), i;

	for (i = 0; i < 70; i++) {
		struct http_head_scan st;
		enum http_head_err why = HTTP_HEAD_OK;
		size_t len;

		memcpy(buf, prefix, plen);
		memset(buf + plen, 'v', 70);
		buf[plen + i] = (char)bad;
		memcpy(buf + plen + 70, " HTTP/1.1\r\n\r\n", 13);
		len = plen + 70 + 13;
		http_head_scan_init(&st);
		CU_ASSERT_EQUAL(http_head_scan(&st, buf, len, &lim_default,
		    &why), -1);
		CU_ASSERT_EQUAL(why, want_why);
		CU_ASSERT_EQUAL(st.off, plen + i);
		check_lim(buf, len, &lim_default, -1, want_why);
	}
}

static void
test_http_head_long_value_ctl(void)
{
	check_bad_at_every_position("GET / HTTP/1.1\r\nX-Long: ", 0x01,
	    HTTP_HEAD_CTL);
}

static void
test_http_head_long_value_del(void)
{
	check_bad_at_every_position("GET / HTTP/1.1\r\nX-Long: ", 0x7f,
	    HTTP_HEAD_CTL);
}

static void
test_http_head_long_value_nul(void)
{
	check_bad_at_every_position("GET / HTTP/1.1\r\nX-Long: ", 0x00,
	    HTTP_HEAD_CTL);
}

static void
test_http_head_long_value_bare_lf(void)
{
	check_bad_at_every_position("GET / HTTP/1.1\r\nX-Long: ", '\n',
	    HTTP_HEAD_BARE_LF);
}

static void
test_http_head_long_start_line_8bit(void)
{
	check_bad_at_every_position("GET /", 0x80, HTTP_HEAD_BAD_START_LINE);
}

static void
test_http_head_long_start_line_del(void)
{
	check_bad_at_every_position("GET /", 0x7f, HTTP_HEAD_CTL);
}

static void
test_http_head_long_start_line_tab(void)
{
	check_bad_at_every_position("GET /", '\t', HTTP_HEAD_CTL);
}

static void
test_http_head_long_value_tabs_obs_text(void)
{
	check_ok("GET / HTTP/1.1\r\nX-Long: a\tb\t\tc 0123456789abcdef\t"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xff\x80 ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\t\r\n"
	    "\r\n");
}

static void
test_http_head_long_limits_mid_block(void)
{
	struct http_head_limits lim = { 37, 45, 10 };
	char line[128];

	/* A 42-byte start line; byte 38, over the limit, is mid-block. */
	check_lim("GET /0123456789012345678901234567 HTTP/1.1\r\n\r\n", 46,
	    &lim, -1, HTTP_HEAD_START_LINE_TOO_LONG);
	memset(line, 'x', sizeof(line));
	memcpy(line, "GET / HTTP/1.1\r\nX: ", 19);
	/* 46 field bytes without CRLF: over max_fields inside a block. */
	check_lim(line, 16 + 46, &lim, -1, HTTP_HEAD_FIELDS_TOO_LARGE);
}

static void
test_http_head_start_line_at_limit(void)
{
	struct http_head_limits lim = { 16, 100, 10 };

	/* "GET /12345678901" is 16 bytes. */
	check_lim("GET /12345678901\r\n\r\n", 20, &lim, 20, HTTP_HEAD_OK);
}

static void
test_http_head_start_line_over_limit(void)
{
	struct http_head_limits lim = { 16, 100, 10 };

	check_lim("GET /123456789012\r\n\r\n", 21, &lim, -1,
	    HTTP_HEAD_START_LINE_TOO_LONG);
}

static void
test_http_head_start_line_too_long_early(void)
{
	struct http_head_limits lim = { 16, 100, 10 };

	/* No CRLF yet: refused as soon as byte 17 arrives. */
	check_lim("GET /123456789012", 17, &lim, -1,
	    HTTP_HEAD_START_LINE_TOO_LONG);
}

static void
test_http_head_start_limit_not_fields(void)
{
	struct http_head_limits lim = { 14, 100, 10 };

	/* Field lines longer than max_start_line are fine. */
	check_lim("GET / HTTP/1.1\r\nX-Long: 0123456789abcdef\r\n\r\n", 44,
	    &lim, 44, HTTP_HEAD_OK);
}

static void
test_http_head_fields_at_limit(void)
{
	struct http_head_limits lim = { 100, 12, 10 };

	/* "A: 1\r\nB: 2\r\n" is 12 bytes; the empty line does not count. */
	check_lim("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", 30, &lim, 30,
	    HTTP_HEAD_OK);
}

static void
test_http_head_fields_over_limit(void)
{
	struct http_head_limits lim = { 100, 12, 10 };

	check_lim("GET / HTTP/1.1\r\nA: 1\r\nB: 22\r\n\r\n", 31, &lim, -1,
	    HTTP_HEAD_FIELDS_TOO_LARGE);
}

static void
test_http_head_fields_over_limit_by_lf(void)
{
	struct http_head_limits lim = { 100, 11, 10 };

	/* The last field's LF is the 12th byte. */
	check_lim("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", 30, &lim, -1,
	    HTTP_HEAD_FIELDS_TOO_LARGE);
}

static void
test_http_head_fields_too_large_early(void)
{
	struct http_head_limits lim = { 100, 12, 10 };

	check_lim("GET / HTTP/1.1\r\nX: 0123456789", 29, &lim, -1,
	    HTTP_HEAD_FIELDS_TOO_LARGE);
}

static void
test_http_head_fields_limit_not_start(void)
{
	struct http_head_limits lim = { 100, 6, 10 };

	/* A long start line does not count against max_fields. */
	check_lim("GET /0123456789abcdef HTTP/1.1\r\nA: 1\r\n\r\n", 40, &lim,
	    40, HTTP_HEAD_OK);
}

static void
test_http_head_count_at_limit(void)
{
	struct http_head_limits lim = { 100, 100, 2 };

	check_lim("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", 30, &lim, 30,
	    HTTP_HEAD_OK);
}

static void
test_http_head_count_over_limit(void)
{
	struct http_head_limits lim = { 100, 100, 2 };

	check_lim("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 36, &lim,
	    -1, HTTP_HEAD_TOO_MANY_FIELDS);
}

static void
test_http_head_no_limit(void)
{
	struct http_head_limits lim = { (size_t)-1, (size_t)-1, (size_t)-1 };

	check_lim("GET / HTTP/1.1\r\nA: 1\r\n\r\n", 24, &lim, 24,
	    HTTP_HEAD_OK);
}

static void
test_http_head_error_offset(void)
{
	const char *s = "GET / HTTP/1.1\r\nX: a\x01\r\n\r\n";
	enum http_head_err why;
	struct http_head_scan st;

	http_head_scan_init(&st);
	CU_ASSERT_EQUAL(http_head_scan(&st, s, strlen(s), &lim_default, &why),
	    -1);
	CU_ASSERT_EQUAL(why, HTTP_HEAD_CTL);
	CU_ASSERT_EQUAL(st.off, 20);
}

static void
test_http_head_err_str(void)
{
	int e;

	for (e = HTTP_HEAD_OK; e <= HTTP_HEAD_TOO_MANY_FIELDS; e++) {
		const char *s = http_head_err_str((enum http_head_err)e);

		CU_ASSERT_PTR_NOT_NULL(s);
		CU_ASSERT_STRING_NOT_EQUAL(s, "unknown http_head error");
	}
	CU_ASSERT_STRING_EQUAL(http_head_err_str(HTTP_HEAD_BARE_LF),
	    "bare LF");
	CU_ASSERT_STRING_EQUAL(http_head_err_str((enum http_head_err)99),
	    "unknown http_head error");
}

static CU_TestInfo cu_tests[] = {
	{ "request", test_http_head_request },
	{ "response", test_http_head_response },
	{ "no fields", test_http_head_no_fields },
	{ "stops at body", test_http_head_stops_at_body },
	{ "pipelined", test_http_head_pipelined },
	{ "needs more", test_http_head_needs_more },
	{ "empty buffer", test_http_head_empty_buffer },
	{ "empty value", test_http_head_empty_value },
	{ "value ws and tab", test_http_head_value_ws_and_tab },
	{ "obs-text in value", test_http_head_obs_text_in_value },
	{ "colon in value", test_http_head_colon_in_value },
	{ "token chars in name", test_http_head_token_chars_in_name },
	{ "bare LF start line", test_http_head_bare_lf_start_line },
	{ "bare LF field", test_http_head_bare_lf_field },
	{ "bare LF in name", test_http_head_bare_lf_in_name },
	{ "bare LF end", test_http_head_bare_lf_end },
	{ "bare LF all", test_http_head_bare_lf_all },
	{ "bare CR start line", test_http_head_bare_cr_start_line },
	{ "bare CR value", test_http_head_bare_cr_value },
	{ "bare CR end", test_http_head_bare_cr_end },
	{ "CR CR LF", test_http_head_cr_cr_lf },
	{ "obs-fold SP", test_http_head_obs_fold_sp },
	{ "obs-fold HTAB", test_http_head_obs_fold_tab },
	{ "ws before first field", test_http_head_ws_before_first_field },
	{ "NUL in value", test_http_head_nul_in_value },
	{ "CTL in value", test_http_head_ctl_in_value },
	{ "DEL in value", test_http_head_del_in_value },
	{ "CTL in name", test_http_head_ctl_in_name },
	{ "CTL in start line", test_http_head_ctl_in_start_line },
	{ "NUL in start line", test_http_head_nul_in_start_line },
	{ "HTAB in start line", test_http_head_tab_in_start_line },
	{ "8-bit in start line", test_http_head_8bit_in_start_line },
	{ "empty start line", test_http_head_empty_start_line },
	{ "LF first", test_http_head_lf_first },
	{ "ws before colon", test_http_head_ws_before_colon },
	{ "tab before colon", test_http_head_tab_before_colon },
	{ "space in name", test_http_head_space_in_name },
	{ "no colon", test_http_head_no_colon },
	{ "empty name", test_http_head_empty_name },
	{ "bad name char", test_http_head_bad_name_char },
	{ "8-bit in name", test_http_head_8bit_in_name },
	{ "long value CTL", test_http_head_long_value_ctl },
	{ "long value DEL", test_http_head_long_value_del },
	{ "long value NUL", test_http_head_long_value_nul },
	{ "long value bare LF", test_http_head_long_value_bare_lf },
	{ "long start line 8-bit", test_http_head_long_start_line_8bit },
	{ "long start line DEL", test_http_head_long_start_line_del },
	{ "long start line HTAB", test_http_head_long_start_line_tab },
	{ "long value tabs obs-text",
	    test_http_head_long_value_tabs_obs_text },
	{ "long limits mid block", test_http_head_long_limits_mid_block },
	{ "start line at limit", test_http_head_start_line_at_limit },
	{ "start line over limit", test_http_head_start_line_over_limit },
	{ "start line too long early",
	    test_http_head_start_line_too_long_early },
	{ "start limit not fields", test_http_head_start_limit_not_fields },
	{ "fields at limit", test_http_head_fields_at_limit },
	{ "fields over limit", test_http_head_fields_over_limit },
	{ "fields over limit by LF", test_http_head_fields_over_limit_by_lf },
	{ "fields too large early", test_http_head_fields_too_large_early },
	{ "fields limit not start", test_http_head_fields_limit_not_start },
	{ "count at limit", test_http_head_count_at_limit },
	{ "count over limit", test_http_head_count_over_limit },
	{ "no limit", test_http_head_no_limit },
	{ "error offset", test_http_head_error_offset },
	{ "err_str", test_http_head_err_str },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME "http_head"
#include "cu_main.h"
