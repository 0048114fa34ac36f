#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "urlnorm.h"

static struct werr	err;
static char		out[1024];
static bool		is_ip;

static int
host(const char *s)
{
	err.msg[0] = '\0';
	out[0] = '\0';
	return urlnorm_host(s, strlen(s), out, sizeof(out), &is_ip, &err);
}

static int
path(const char *s)
{
	err.msg[0] = '\0';
	out[0] = '\0';
	return urlnorm_path(s, strlen(s), out, sizeof(out), &err);
}

static int
key(const char *h, uint16_t port, uint16_t dport, const char *p)
{
	err.msg[0] = '\0';
	out[0] = '\0';
	return urlnorm_key(h, port, dport, p, out, sizeof(out), &err);
}

static int
entry(const char *s)
{
	err.msg[0] = '\0';
	out[0] = '\0';
	return urlnorm_entry(s, strlen(s), out, sizeof(out), &err);
}

static int
domain(const char *s)
{
	err.msg[0] = '\0';
	out[0] = '\0';
	return urlnorm_domain_entry(s, strlen(s), out, sizeof(out), &err);
}

static bool
msg_has(const char *word)
{
	return strstr(err.msg, word) != NULL;
}

/* n bytes of labels of 63 'a's, dot-separated. */
static void
long_host(char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (i % 64 == 63) ? '.' : 'a';
	if (n > 0 && buf[n - 1] == '.')
		buf[n - 1] = 'a';
	buf[n] = '\0';
}

/* Host: case, trailing dot, percent-encoding. */

static void
test_host_lower_case(void)
{
	CU_ASSERT_EQUAL(host("WWW.Example.COM"), 0);
	CU_ASSERT_STRING_EQUAL(out, "www.example.com");
	CU_ASSERT_FALSE(is_ip);
}

static void
test_host_trailing_dot(void)
{
	CU_ASSERT_EQUAL(host("example.com."), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
}

static void
test_host_two_trailing_dots(void)
{
	CU_ASSERT_EQUAL(host("example.com.."), -1);
	CU_ASSERT_TRUE(msg_has("empty label"));
}

static void
test_host_dot_only(void)
{
	CU_ASSERT_EQUAL(host("."), -1);
}

static void
test_host_empty(void)
{
	CU_ASSERT_EQUAL(host(""), -1);
	CU_ASSERT_TRUE(msg_has("empty host"));
}

static void
test_host_empty_label(void)
{
	CU_ASSERT_EQUAL(host("a..example.com"), -1);
	CU_ASSERT_EQUAL(host(".example.com"), -1);
}

static void
test_host_pct_letter(void)
{
	CU_ASSERT_EQUAL(host("%65xample.com"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
}

static void
test_host_pct_upper_letter(void)
{
	CU_ASSERT_EQUAL(host("%45XAMPLE.com"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
}

static void
test_host_pct_whole(void)
{
	CU_ASSERT_EQUAL(host("%65%78%61%6d%70%6C%65%2e%63%6f%6d"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
}

static void
test_host_pct_slash(void)
{
	CU_ASSERT_EQUAL(host("evil.com%2F.example.com"), -1);
	CU_ASSERT_TRUE(msg_has("0x2f"));
}

static void
test_host_pct_space(void)
{
	CU_ASSERT_EQUAL(host("%20example.com"), -1);
}

static void
test_host_pct_nul(void)
{
	CU_ASSERT_EQUAL(host("example.com%00.evil"), -1);
}

static void
test_host_pct_control(void)
{
	CU_ASSERT_EQUAL(host("example%0a.com"), -1);
}

static void
test_host_pct_at(void)
{
	CU_ASSERT_EQUAL(host("user%40example.com"), -1);
}

static void
test_host_pct_colon(void)
{
	CU_ASSERT_EQUAL(host("example.com%3A80"), -1);
}

static void
test_host_pct_percent(void)
{
	CU_ASSERT_EQUAL(host("%2565xample.com"), -1);
}

static void
test_host_pct_truncated(void)
{
	CU_ASSERT_EQUAL(host("example.co%6"), -1);
	CU_ASSERT_TRUE(msg_has("truncated"));
	CU_ASSERT_EQUAL(host("example.com%"), -1);
}

static void
test_host_pct_bad_hex(void)
{
	CU_ASSERT_EQUAL(host("%zzexample.com"), -1);
	CU_ASSERT_TRUE(msg_has("percent-encoding"));
}

static void
test_host_pct_utf8(void)
{
	CU_ASSERT_EQUAL(host("b%C3%BCcher.example"), 0);
	CU_ASSERT_STRING_EQUAL(out, "xn--bcher-kva.example");
}

static void
test_host_raw_nul(void)
{
	err.msg[0] = '\0';
	CU_ASSERT_EQUAL(urlnorm_host("a\0b.com", 7, out, sizeof(out), &is_ip,
	    &err), -1);
}

static void
test_host_bad_chars(void)
{
	CU_ASSERT_EQUAL(host("exa mple.com"), -1);
	CU_ASSERT_EQUAL(host("user@example.com"), -1);
	CU_ASSERT_EQUAL(host("example.com/x"), -1);
	CU_ASSERT_EQUAL(host("example.com\\x"), -1);
	CU_ASSERT_EQUAL(host("exa*mple.com"), -1);
}

static void
test_host_underscore(void)
{
	CU_ASSERT_EQUAL(host("_dmarc.Example.com"), 0);
	CU_ASSERT_STRING_EQUAL(out, "_dmarc.example.com");
}

static void
test_host_port_refused(void)
{
	CU_ASSERT_EQUAL(host("example.com:80"), -1);
}

/* Host: IPv4 in every form inet_aton() reads. */

static void
test_host_ipv4_quad(void)
{
	CU_ASSERT_EQUAL(host("127.0.0.1"), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1");
	CU_ASSERT_TRUE(is_ip);
}

static void
test_host_ipv4_trailing_dot(void)
{
	CU_ASSERT_EQUAL(host("127.0.0.1."), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1");
	CU_ASSERT_TRUE(is_ip);
}

static void
test_host_ipv4_decimal(void)
{
	CU_ASSERT_EQUAL(host("2130706433"), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1");
	CU_ASSERT_TRUE(is_ip);
}

static void
test_host_ipv4_octal(void)
{
	CU_ASSERT_EQUAL(host("0177.0.0.1"), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1");
	CU_ASSERT_TRUE(is_ip);
}

static void
test_host_ipv4_hex_parts(void)
{
	CU_ASSERT_EQUAL(host("0x7f.0.0.1"), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1");
}

static void
test_host_ipv4_hex_whole(void)
{
	CU_ASSERT_EQUAL(host("0x7f000001"), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1");
}

static void
test_host_ipv4_hex_upper(void)
{
	CU_ASSERT_EQUAL(host("0X7F.1"), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1");
}

static void
test_host_ipv4_short(void)
{
	CU_ASSERT_EQUAL(host("127.1"), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1");
}

static void
test_host_ipv4_short_three(void)
{
	CU_ASSERT_EQUAL(host("10.1.258"), 0);
	CU_ASSERT_STRING_EQUAL(out, "10.1.1.2");
}

static void
test_host_ipv4_pct(void)
{
	CU_ASSERT_EQUAL(host("%31%32%37.0.0.1"), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1");
	CU_ASSERT_TRUE(is_ip);
}

static void
test_host_ipv4_out_of_range(void)
{
	CU_ASSERT_EQUAL(host("256.0.0.1"), -1);
	CU_ASSERT_TRUE(msg_has("IPv4"));
	CU_ASSERT_EQUAL(host("4294967296"), -1);
	CU_ASSERT_EQUAL(host("99999999999999999999999"), -1);
}

static void
test_host_ipv4_bad_octal(void)
{
	CU_ASSERT_EQUAL(host("09.0.0.1"), -1);
}

static void
test_host_ipv4_five_parts(void)
{
	CU_ASSERT_EQUAL(host("1.2.3.4.5"), -1);
}

static void
test_host_numeric_tld(void)
{
	CU_ASSERT_EQUAL(host("example.1"), -1);
	CU_ASSERT_EQUAL(host("example.0x1"), -1);
}

static void
test_host_numeric_first_label(void)
{
	CU_ASSERT_EQUAL(host("1.example.com"), 0);
	CU_ASSERT_STRING_EQUAL(out, "1.example.com");
	CU_ASSERT_FALSE(is_ip);
}

/* Host: IPv6. */

static void
test_host_ipv6_brackets(void)
{
	CU_ASSERT_EQUAL(host("[0:0::1]"), 0);
	CU_ASSERT_STRING_EQUAL(out, "::1");
	CU_ASSERT_TRUE(is_ip);
}

static void
test_host_ipv6_bare(void)
{
	CU_ASSERT_EQUAL(host("0000:0:0:0:0:0:0:0001"), 0);
	CU_ASSERT_STRING_EQUAL(out, "::1");
	CU_ASSERT_TRUE(is_ip);
}

static void
test_host_ipv6_mapped(void)
{
	CU_ASSERT_EQUAL(host("[::FFFF:7F00:1]"), 0);
	CU_ASSERT_STRING_EQUAL(out, "::ffff:127.0.0.1");
	CU_ASSERT_EQUAL(host("::ffff:127.0.0.1"), 0);
	CU_ASSERT_STRING_EQUAL(out, "::ffff:127.0.0.1");
}

static void
test_host_ipv6_rfc5952(void)
{
	/* RFC 5952 section 4.2.3: the first of two equal zero runs. */
	CU_ASSERT_EQUAL(host("[2001:DB8:0:0:1:0:0:1]"), 0);
	CU_ASSERT_STRING_EQUAL(out, "2001:db8::1:0:0:1");
	/* Section 4.2.2: one zero field is not "::". */
	CU_ASSERT_EQUAL(host("[2001:db8:0:1:1:1:1:1]"), 0);
	CU_ASSERT_STRING_EQUAL(out, "2001:db8:0:1:1:1:1:1");
}

static void
test_host_ipv6_zone(void)
{
	CU_ASSERT_EQUAL(host("[fe80::1%25eth0]"), -1);
	CU_ASSERT_EQUAL(host("fe80::1%eth0"), -1);
}

static void
test_host_ipv6_pct(void)
{
	CU_ASSERT_EQUAL(host("[%61::1]"), -1);
}

static void
test_host_ipv6_bad(void)
{
	CU_ASSERT_EQUAL(host("[::1"), -1);
	CU_ASSERT_EQUAL(host("[]"), -1);
	CU_ASSERT_EQUAL(host("[::g]"), -1);
	CU_ASSERT_EQUAL(host("[127.0.0.1]"), -1);
	CU_ASSERT_EQUAL(host("[::1]x"), -1);
}

/* Host: international names. */

static void
test_host_idn(void)
{
	CU_ASSERT_EQUAL(host("bücher.example"), 0);
	CU_ASSERT_STRING_EQUAL(out, "xn--bcher-kva.example");
	CU_ASSERT_FALSE(is_ip);
}

static void
test_host_idn_upper(void)
{
	CU_ASSERT_EQUAL(host("BÜCHER.EXAMPLE"), 0);
	CU_ASSERT_STRING_EQUAL(out, "xn--bcher-kva.example");
}

static void
test_host_idn_trailing_dot(void)
{
	CU_ASSERT_EQUAL(host("bücher.example."), 0);
	CU_ASSERT_STRING_EQUAL(out, "xn--bcher-kva.example");
}

static void
test_host_idn_nontransitional(void)
{
	CU_ASSERT_EQUAL(host("faß.de"), 0);
	CU_ASSERT_STRING_EQUAL(out, "xn--fa-hia.de");
}

static void
test_host_alabel(void)
{
	CU_ASSERT_EQUAL(host("xn--bcher-kva.example"), 0);
	CU_ASSERT_STRING_EQUAL(out, "xn--bcher-kva.example");
}

static void
test_host_alabel_upper(void)
{
	CU_ASSERT_EQUAL(host("XN--BCHER-KVA.Example"), 0);
	CU_ASSERT_STRING_EQUAL(out, "xn--bcher-kva.example");
}

static void
test_host_alabel_invalid(void)
{
	CU_ASSERT_EQUAL(host("xn--a.example"), -1);
	CU_ASSERT_TRUE(msg_has("international"));
	CU_ASSERT_EQUAL(host("xn--zz-.example"), -1);
}

static void
test_host_idn_invalid(void)
{
	/* U+1F4A9 is disallowed by IDNA2008. */
	CU_ASSERT_EQUAL(host("\xf0\x9f\x92\xa9.la"), -1);
	CU_ASSERT_TRUE(msg_has("international"));
}

static void
test_host_idn_bad_utf8(void)
{
	CU_ASSERT_EQUAL(host("\xff" "example.com"), -1);
	CU_ASSERT_EQUAL(host("b%C3cher.example"), -1);
}

static void
test_host_idn_fullwidth(void)
{
	/* Full-width "example" (U+FF45...): TR46 maps it to ASCII. */
	CU_ASSERT_EQUAL(host("\xef\xbd\x85\xef\xbd\x98\xef\xbd\x81\xef\xbd\x8d"
	    "\xef\xbd\x90\xef\xbd\x8c\xef\xbd\x85.com"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
}

static void
test_host_idn_ideographic_dot(void)
{
	CU_ASSERT_EQUAL(host("example\xe3\x80\x82" "com"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
	CU_ASSERT_EQUAL(host("example.com\xe3\x80\x82"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
}

static void
test_host_idn_soft_hyphen(void)
{
	CU_ASSERT_EQUAL(host("ex\xc2\xad" "ample.com"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
}

static void
test_host_idn_fullwidth_ipv4(void)
{
	/* Full-width digits (U+FF11...) are 127.0.0.1 to a browser. */
	CU_ASSERT_EQUAL(host("\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97."
	    "\xef\xbc\x90.\xef\xbc\x90.\xef\xbc\x91"), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1");
	CU_ASSERT_TRUE(is_ip);
}

static void
test_host_idn_fullwidth_slash(void)
{
	/* U+FF0F maps to '/', which no name may hold. */
	CU_ASSERT_EQUAL(host("evil.com\xef\xbc\x8f" "example.com"), -1);
}

/* Host: lengths and buffers. */

static void
test_host_label_63(void)
{
	char h[80];

	long_host(h, 63);
	strcat(h, ".com");
	CU_ASSERT_EQUAL(host(h), 0);
}

static void
test_host_label_64(void)
{
	char h[80];

	memset(h, 'a', 64);
	strcpy(h + 64, ".com");
	CU_ASSERT_EQUAL(host(h), -1);
	CU_ASSERT_TRUE(msg_has("label"));
}

static void
test_host_253(void)
{
	char h[300];

	long_host(h, 253);
	CU_ASSERT_EQUAL(host(h), 0);
	CU_ASSERT_EQUAL(strlen(out), 253);
}

static void
test_host_253_trailing_dot(void)
{
	char h[300];

	long_host(h, 253);
	strcat(h, ".");
	CU_ASSERT_EQUAL(host(h), 0);
	CU_ASSERT_EQUAL(strlen(out), 253);
}

static void
test_host_254(void)
{
	char h[300];

	long_host(h, 254);
	CU_ASSERT_EQUAL(host(h), -1);
	CU_ASSERT_TRUE(msg_has("longer"));
}

static void
test_host_very_long(void)
{
	char h[5000];

	long_host(h, sizeof(h) - 1);
	CU_ASSERT_EQUAL(host(h), -1);
}

static void
test_host_idn_too_long(void)
{
	char h[400];
	size_t i;

	/* 60 "ü" in one label: more than 63 bytes as an A-label. */
	for (i = 0; i < 60; i++)
		memcpy(h + 2 * i, "\xc3\xbc", 2);
	strcpy(h + 120, ".example");
	CU_ASSERT_EQUAL(host(h), -1);
}

static void
test_host_buffer_exact(void)
{
	char small[12];

	CU_ASSERT_EQUAL(urlnorm_host("EXAMPLE.COM", 11, small, sizeof(small),
	    &is_ip, &err), 0);
	CU_ASSERT_STRING_EQUAL(small, "example.com");
}

static void
test_host_buffer_small(void)
{
	char small[11];

	err.msg[0] = '\0';
	CU_ASSERT_EQUAL(urlnorm_host("example.com", 11, small, sizeof(small),
	    &is_ip, &err), -1);
	CU_ASSERT_TRUE(msg_has("too small"));
	CU_ASSERT_EQUAL(urlnorm_host("2130706433", 10, small, 9, &is_ip,
	    &err), -1);
	CU_ASSERT_EQUAL(urlnorm_host("::1", 3, small, 3, &is_ip, &err), -1);
	CU_ASSERT_EQUAL(urlnorm_host("a", 1, small, 0, &is_ip, &err), -1);
}

static void
test_host_span(void)
{
	/* Only len bytes are read: no NUL is needed. */
	CU_ASSERT_EQUAL(urlnorm_host("Example.COM:8080", 11, out, sizeof(out),
	    &is_ip, &err), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
}

/* Path. */

static void
test_path_empty(void)
{
	CU_ASSERT_EQUAL(path(""), 0);
	CU_ASSERT_STRING_EQUAL(out, "/");
}

static void
test_path_query_only(void)
{
	CU_ASSERT_EQUAL(path("?q=1"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/?q=1");
}

static void
test_path_unreserved_tilde(void)
{
	CU_ASSERT_EQUAL(path("/%7Euser"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/~user");
}

static void
test_path_unreserved_letter(void)
{
	CU_ASSERT_EQUAL(path("/%41"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/A");
}

static void
test_path_unreserved_all(void)
{
	CU_ASSERT_EQUAL(path("/%61%7a%30%2D%2e%5F%7e"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/az0-._~");
}

static void
test_path_escape_upper(void)
{
	CU_ASSERT_EQUAL(path("/%2f"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/%2F");
}

static void
test_path_escape_mixed_case(void)
{
	CU_ASSERT_EQUAL(path("/%c3%A9t%C3%a9"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/%C3%A9t%C3%A9");
}

static void
test_path_escaped_slash_kept(void)
{
	/* "%2F" is data inside a segment: ".." removes the whole segment. */
	CU_ASSERT_EQUAL(path("/a%2Fb/../c"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/c");
	CU_ASSERT_EQUAL(path("/a/..%2F..%2Fetc"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a/..%2F..%2Fetc");
}

static void
test_path_escaped_question(void)
{
	CU_ASSERT_EQUAL(path("/a%3fb?c"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a%3Fb?c");
}

static void
test_path_dots(void)
{
	CU_ASSERT_EQUAL(path("/a/b/../c/./d"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a/c/d");
}

static void
test_path_dots_leading(void)
{
	CU_ASSERT_EQUAL(path("/../a"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a");
	CU_ASSERT_EQUAL(path("/../../../a"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a");
}

static void
test_path_dots_relative(void)
{
	/* Section 5.2.4 step A, after the '/' an absolute path needs. */
	CU_ASSERT_EQUAL(path("../a"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a");
	CU_ASSERT_EQUAL(path("./a"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a");
}

static void
test_path_dots_final(void)
{
	CU_ASSERT_EQUAL(path("/a/.."), 0);
	CU_ASSERT_STRING_EQUAL(out, "/");
	CU_ASSERT_EQUAL(path("/a/b/.."), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a/");
	CU_ASSERT_EQUAL(path("/a/."), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a/");
	CU_ASSERT_EQUAL(path("/."), 0);
	CU_ASSERT_STRING_EQUAL(out, "/");
	CU_ASSERT_EQUAL(path("/.."), 0);
	CU_ASSERT_STRING_EQUAL(out, "/");
}

static void
test_path_dots_rfc_example(void)
{
	/* RFC 3986 section 5.2.4's own example. */
	CU_ASSERT_EQUAL(path("/a/b/c/./../../g"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a/g");
}

static void
test_path_dots_not_segments(void)
{
	CU_ASSERT_EQUAL(path("/a..b/.c/.../..d/e.."), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a..b/.c/.../..d/e..");
}

static void
test_path_dots_encoded(void)
{
	CU_ASSERT_EQUAL(path("/a/%2e%2E/secret"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/secret");
	CU_ASSERT_EQUAL(path("/a/.%2e"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/");
}

static void
test_path_dots_before_query(void)
{
	CU_ASSERT_EQUAL(path("/a/..?x=1"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/?x=1");
}

static void
test_path_double_slash_kept(void)
{
	CU_ASSERT_EQUAL(path("/a//b/../c"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a//c");
}

static void
test_path_query_dots_untouched(void)
{
	CU_ASSERT_EQUAL(path("/a?x=/../b/./c"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a?x=/../b/./c");
}

static void
test_path_plus_untouched(void)
{
	CU_ASSERT_EQUAL(path("/a+b?q=c+d"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a+b?q=c+d");
}

static void
test_path_query_escapes(void)
{
	CU_ASSERT_EQUAL(path("/s?q=%7e%2f%2B&r=%41"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/s?q=~%2F%2B&r=A");
}

static void
test_path_query_question(void)
{
	CU_ASSERT_EQUAL(path("/a?b?c"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a?b?c");
}

static void
test_path_raw_encoded(void)
{
	CU_ASSERT_EQUAL(path("/a b/b\xc3\xbc\"<>|#?q=a b"), 0);
	CU_ASSERT_STRING_EQUAL(out,
	    "/a%20b/b%C3%BC%22%3C%3E%7C%23?q=a%20b");
}

static void
test_path_raw_control(void)
{
	err.msg[0] = '\0';
	CU_ASSERT_EQUAL(urlnorm_path("/a\0\n", 4, out, sizeof(out), &err), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a%00%0A");
}

static void
test_path_sub_delims_kept(void)
{
	CU_ASSERT_EQUAL(path("/!$&'()*+,;=:@"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/!$&'()*+,;=:@");
}

static void
test_path_reserved_not_decoded(void)
{
	CU_ASSERT_EQUAL(path("/a%26b%3D"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a%26b%3D");
}

static void
test_path_case_kept(void)
{
	CU_ASSERT_EQUAL(path("/A/b/C"), 0);
	CU_ASSERT_STRING_EQUAL(out, "/A/b/C");
}

static void
test_path_truncated_escape(void)
{
	CU_ASSERT_EQUAL(path("/%4"), -1);
	CU_ASSERT_TRUE(msg_has("truncated"));
	CU_ASSERT_EQUAL(path("/%"), -1);
	CU_ASSERT_EQUAL(path("/a?q=%4"), -1);
}

static void
test_path_bad_escape(void)
{
	CU_ASSERT_EQUAL(path("/%zz"), -1);
	CU_ASSERT_EQUAL(path("/%4g"), -1);
	CU_ASSERT_EQUAL(path("/?q=%g4"), -1);
}

static void
test_path_buffer_exact(void)
{
	char small[7];

	CU_ASSERT_EQUAL(urlnorm_path("/a/%7E?b", 8, small, sizeof(small),
	    &err), 0);
	CU_ASSERT_STRING_EQUAL(small, "/a/~?b");
}

static void
test_path_buffer_small(void)
{
	char small[6];

	CU_ASSERT_EQUAL(urlnorm_path("/a/%7E?b", 8, small, sizeof(small),
	    &err), -1);
	CU_ASSERT_EQUAL(urlnorm_path("/a b", 4, small, sizeof(small), &err),
	    -1);
	CU_ASSERT_EQUAL(urlnorm_path("", 0, small, 1, &err), -1);
	CU_ASSERT_EQUAL(urlnorm_path("", 0, small, 0, &err), -1);
}

/*
 * Every short input made of the bytes that matter, into heap buffers of
 * every size, so that a sanitizer build sees any write out of bounds.
 */
static void
test_path_bounds(void)
{
	static const char alpha[] = "/.%2?a \xc3";
	char in[5], *buf;
	size_t n = sizeof(alpha) - 1, len, sz, i, k;
	unsigned long combos, c;

	for (len = 0; len <= 4; len++) {
		combos = 1;
		for (i = 0; i < len; i++)
			combos *= n;
		for (c = 0; c < combos; c++) {
			for (i = 0, k = c; i < len; i++, k /= n)
				in[i] = alpha[k % n];
			for (sz = 0; sz <= 3 * len + 2; sz++) {
				buf = malloc(sz == 0 ? 1 : sz);
				CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
				if (urlnorm_path(in, len, buf, sz, &err) == 0)
					CU_ASSERT(strlen(buf) < sz);
				free(buf);
			}
		}
	}
}

static void
test_host_bounds(void)
{
	static const char *const in[] = {
		"example.com", "EXAMPLE.COM.", "2130706433", "[::1]",
		"::ffff:1.2.3.4", "b\303\274cher.example", "%65x.com",
		"0x7f.1", "xn--bcher-kva.example",
	};
	char *buf;
	size_t i, sz;

	for (i = 0; i < WD_NELEM(in); i++) {
		for (sz = 0; sz <= 32; sz++) {
			buf = malloc(sz == 0 ? 1 : sz);
			CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
			if (urlnorm_host(in[i], strlen(in[i]), buf, sz, &is_ip,
			    &err) == 0)
				CU_ASSERT(strlen(buf) < sz);
			free(buf);
		}
	}
}

/* Key. */

static void
test_key_basic(void)
{
	CU_ASSERT_EQUAL(key("Example.COM", 80, 80, "/a/../b"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/b");
}

static void
test_key_default_port(void)
{
	CU_ASSERT_EQUAL(key("example.com", 443, 443, "/"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/");
}

static void
test_key_other_port(void)
{
	CU_ASSERT_EQUAL(key("example.com", 8080, 80, "/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com:8080/x");
}

static void
test_key_empty_path(void)
{
	CU_ASSERT_EQUAL(key("example.com", 80, 80, ""), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/");
}

static void
test_key_www(void)
{
	CU_ASSERT_EQUAL(key("WWW.example.com", 80, 80, "/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/x");
}

static void
test_key_www_digits(void)
{
	CU_ASSERT_EQUAL(key("www2.example.com", 80, 80, "/"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/");
	CU_ASSERT_EQUAL(key("www123.example.com", 80, 80, "/"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/");
}

static void
test_key_www_only_once(void)
{
	CU_ASSERT_EQUAL(key("www.www.example.com", 80, 80, "/"), 0);
	CU_ASSERT_STRING_EQUAL(out, "www.example.com/");
}

static void
test_key_www_com_kept(void)
{
	CU_ASSERT_EQUAL(key("www.com", 80, 80, "/"), 0);
	CU_ASSERT_STRING_EQUAL(out, "www.com/");
	CU_ASSERT_EQUAL(key("www", 80, 80, "/"), 0);
	CU_ASSERT_STRING_EQUAL(out, "www/");
}

static void
test_key_www_like_kept(void)
{
	CU_ASSERT_EQUAL(key("wwwx.example.com", 80, 80, "/"), 0);
	CU_ASSERT_STRING_EQUAL(out, "wwwx.example.com/");
	CU_ASSERT_EQUAL(key("www-2.example.com", 80, 80, "/"), 0);
	CU_ASSERT_STRING_EQUAL(out, "www-2.example.com/");
	CU_ASSERT_EQUAL(key("a.www.example.com", 80, 80, "/"), 0);
	CU_ASSERT_STRING_EQUAL(out, "a.www.example.com/");
}

static void
test_key_ipv4(void)
{
	CU_ASSERT_EQUAL(key("0x7f.1", 80, 80, "/%7e"), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1/~");
}

static void
test_key_ipv6(void)
{
	CU_ASSERT_EQUAL(key("[0::1]", 8080, 80, "/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "[::1]:8080/x");
	CU_ASSERT_EQUAL(key("::1", 80, 80, "/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "[::1]/x");
}

static void
test_key_bad_host(void)
{
	CU_ASSERT_EQUAL(key("exa mple.com", 80, 80, "/"), -1);
}

static void
test_key_buffer_small(void)
{
	char small[14];

	CU_ASSERT_EQUAL(urlnorm_key("example.com", 80, 80, "/b", small,
	    sizeof(small), &err), 0);
	CU_ASSERT_STRING_EQUAL(small, "example.com/b");
	CU_ASSERT_EQUAL(urlnorm_key("example.com", 80, 80, "/bc", small,
	    sizeof(small), &err), -1);
	CU_ASSERT_EQUAL(urlnorm_key("example.com", 80, 80, "/", small, 11,
	    &err), -1);
	CU_ASSERT_EQUAL(urlnorm_key("example.com", 8080, 80, "/", small,
	    sizeof(small), &err), -1);
}

/* URL list entries. */

static void
test_entry_plain(void)
{
	CU_ASSERT_EQUAL(entry("example.com/path"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/path");
}

static void
test_entry_host_only(void)
{
	CU_ASSERT_EQUAL(entry("Example.com"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/");
	CU_ASSERT_EQUAL(entry("example.com/"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/");
}

static void
test_entry_www_trailing_slash(void)
{
	CU_ASSERT_EQUAL(entry("www.example.com/path/"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/path");
}

static void
test_entry_trailing_slashes(void)
{
	CU_ASSERT_EQUAL(entry("example.com/dir//"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/dir");
	CU_ASSERT_EQUAL(entry("example.com//"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/");
}

static void
test_entry_scheme_port_dots(void)
{
	CU_ASSERT_EQUAL(entry("http://Example.COM:80/a/../b"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/b");
}

static void
test_entry_https(void)
{
	CU_ASSERT_EQUAL(entry("https://example.com/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/x");
	CU_ASSERT_EQUAL(entry("HTTPS://example.com:443/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/x");
}

static void
test_entry_scheme_other_port(void)
{
	CU_ASSERT_EQUAL(entry("http://example.com:443/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com:443/x");
	CU_ASSERT_EQUAL(entry("https://example.com:80/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com:80/x");
}

static void
test_entry_no_scheme_ports(void)
{
	CU_ASSERT_EQUAL(entry("example.com:443/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/x");
	CU_ASSERT_EQUAL(entry("example.com:80/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/x");
	CU_ASSERT_EQUAL(entry("example.com:8080/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com:8080/x");
}

static void
test_entry_empty_port(void)
{
	CU_ASSERT_EQUAL(entry("http://example.com:/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/x");
}

static void
test_entry_bad_port(void)
{
	CU_ASSERT_EQUAL(entry("example.com:99999/x"), -1);
	CU_ASSERT_EQUAL(entry("example.com:0/x"), -1);
	CU_ASSERT_EQUAL(entry("example.com:8a/x"), -1);
	CU_ASSERT_TRUE(msg_has("port"));
}

static void
test_entry_userinfo(void)
{
	CU_ASSERT_EQUAL(entry("http://user:pw@Example.com/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/x");
	CU_ASSERT_EQUAL(entry("good.com@evil.com/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "evil.com/x");
	CU_ASSERT_EQUAL(entry("http://a@b@www.evil.com:8080/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "evil.com:8080/x");
}

static void
test_entry_at_in_path(void)
{
	CU_ASSERT_EQUAL(entry("evil.com/@good.com"), 0);
	CU_ASSERT_STRING_EQUAL(out, "evil.com/@good.com");
}

static void
test_entry_fragment(void)
{
	CU_ASSERT_EQUAL(entry("example.com/x#frag"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/x");
	CU_ASSERT_EQUAL(entry("example.com#frag"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/");
}

static void
test_entry_query(void)
{
	CU_ASSERT_EQUAL(entry("example.com/dir/?q=%7e/"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/dir/?q=~/");
	CU_ASSERT_EQUAL(entry("example.com?q=1"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/?q=1");
}

static void
test_entry_evasions(void)
{
	CU_ASSERT_EQUAL(entry("http://%65xample.com./%7Euser/./a/../b"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/~user/b");
	CU_ASSERT_EQUAL(entry("http://2130706433/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1/x");
	CU_ASSERT_EQUAL(entry("http://B\xc3\x9c" "CHER.example/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "xn--bcher-kva.example/x");
}

static void
test_entry_ipv6(void)
{
	CU_ASSERT_EQUAL(entry("http://[0:0::1]:8080/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "[::1]:8080/x");
	CU_ASSERT_EQUAL(entry("[::1]/x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "[::1]/x");
	CU_ASSERT_EQUAL(entry("[::1/x"), -1);
	CU_ASSERT_EQUAL(entry("[::1]x/y"), -1);
}

static void
test_entry_whitespace(void)
{
	CU_ASSERT_EQUAL(entry("  example.com/x \t\r\n"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com/x");
}

static void
test_entry_bad_scheme(void)
{
	CU_ASSERT_EQUAL(entry("ftp://example.com/x"), -1);
	CU_ASSERT_TRUE(msg_has("scheme"));
}

static void
test_entry_empty(void)
{
	CU_ASSERT_EQUAL(entry(""), -1);
	CU_ASSERT_EQUAL(entry("   "), -1);
	CU_ASSERT_EQUAL(entry("http://"), -1);
	CU_ASSERT_EQUAL(entry("http:///x"), -1);
	CU_ASSERT_EQUAL(entry("/x"), -1);
	CU_ASSERT_EQUAL(entry("user@/x"), -1);
}

static void
test_entry_bad_host(void)
{
	CU_ASSERT_EQUAL(entry("exa mple.com/x"), -1);
	CU_ASSERT_EQUAL(entry("evil%2Fcom/x"), -1);
}

static void
test_entry_bad_path(void)
{
	CU_ASSERT_EQUAL(entry("example.com/%4"), -1);
}

static void
test_entry_buffer_small(void)
{
	char small[15];

	CU_ASSERT_EQUAL(urlnorm_entry("example.com/ab", 14, small,
	    sizeof(small), &err), 0);
	CU_ASSERT_STRING_EQUAL(small, "example.com/ab");
	CU_ASSERT_EQUAL(urlnorm_entry("example.com/abc", 15, small,
	    sizeof(small), &err), -1);
}

/* Domain list entries. */

static void
test_domain_plain(void)
{
	CU_ASSERT_EQUAL(domain("Example.COM"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
}

static void
test_domain_leading_dot(void)
{
	CU_ASSERT_EQUAL(domain(".example.com"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
}

static void
test_domain_wildcard(void)
{
	CU_ASSERT_EQUAL(domain("*.Example.com."), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
}

static void
test_domain_www_kept(void)
{
	CU_ASSERT_EQUAL(domain("www.example.com"), 0);
	CU_ASSERT_STRING_EQUAL(out, "www.example.com");
}

static void
test_domain_idn(void)
{
	CU_ASSERT_EQUAL(domain(".b\xc3\xbc" "cher.example"), 0);
	CU_ASSERT_STRING_EQUAL(out, "xn--bcher-kva.example");
}

static void
test_domain_address(void)
{
	CU_ASSERT_EQUAL(domain("0177.0.0.1"), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.1");
	CU_ASSERT_EQUAL(domain("[::1]"), 0);
	CU_ASSERT_STRING_EQUAL(out, "::1");
}

static void
test_domain_whitespace(void)
{
	CU_ASSERT_EQUAL(domain(" example.com\r\n"), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
}

static void
test_domain_bad(void)
{
	CU_ASSERT_EQUAL(domain(""), -1);
	CU_ASSERT_EQUAL(domain("."), -1);
	CU_ASSERT_EQUAL(domain("*."), -1);
	CU_ASSERT_EQUAL(domain("*"), -1);
	CU_ASSERT_EQUAL(domain("..example.com"), -1);
	CU_ASSERT_EQUAL(domain("*.*.example.com"), -1);
	CU_ASSERT_EQUAL(domain("a*.example.com"), -1);
}

static void
test_domain_url_refused(void)
{
	CU_ASSERT_EQUAL(domain("http://example.com/"), -1);
	CU_ASSERT_TRUE(msg_has("path"));
	CU_ASSERT_EQUAL(domain("example.com/x"), -1);
	CU_ASSERT_EQUAL(domain("example.com:80"), -1);
}

static void
test_domain_buffer_small(void)
{
	char small[11];

	CU_ASSERT_EQUAL(urlnorm_domain_entry(".example.com", 12, small,
	    sizeof(small), &err), -1);
}

static CU_TestInfo cu_tests[] = {
	{ "host lower case", test_host_lower_case },
	{ "host trailing dot", test_host_trailing_dot },
	{ "host two trailing dots", test_host_two_trailing_dots },
	{ "host dot only", test_host_dot_only },
	{ "host empty", test_host_empty },
	{ "host empty label", test_host_empty_label },
	{ "host %-encoded letter", test_host_pct_letter },
	{ "host %-encoded upper letter", test_host_pct_upper_letter },
	{ "host %-encoded whole", test_host_pct_whole },
	{ "host %-encoded slash", test_host_pct_slash },
	{ "host %-encoded space", test_host_pct_space },
	{ "host %-encoded NUL", test_host_pct_nul },
	{ "host %-encoded control", test_host_pct_control },
	{ "host %-encoded at", test_host_pct_at },
	{ "host %-encoded colon", test_host_pct_colon },
	{ "host %-encoded percent", test_host_pct_percent },
	{ "host %-encoding truncated", test_host_pct_truncated },
	{ "host %-encoding bad hex", test_host_pct_bad_hex },
	{ "host %-encoded UTF-8", test_host_pct_utf8 },
	{ "host raw NUL", test_host_raw_nul },
	{ "host bad characters", test_host_bad_chars },
	{ "host underscore", test_host_underscore },
	{ "host with port refused", test_host_port_refused },
	{ "host IPv4 dotted quad", test_host_ipv4_quad },
	{ "host IPv4 trailing dot", test_host_ipv4_trailing_dot },
	{ "host IPv4 decimal", test_host_ipv4_decimal },
	{ "host IPv4 octal", test_host_ipv4_octal },
	{ "host IPv4 hex parts", test_host_ipv4_hex_parts },
	{ "host IPv4 hex whole", test_host_ipv4_hex_whole },
	{ "host IPv4 hex upper case", test_host_ipv4_hex_upper },
	{ "host IPv4 short", test_host_ipv4_short },
	{ "host IPv4 three parts", test_host_ipv4_short_three },
	{ "host IPv4 %-encoded", test_host_ipv4_pct },
	{ "host IPv4 out of range", test_host_ipv4_out_of_range },
	{ "host IPv4 bad octal", test_host_ipv4_bad_octal },
	{ "host IPv4 five parts", test_host_ipv4_five_parts },
	{ "host numeric last label", test_host_numeric_tld },
	{ "host numeric first label", test_host_numeric_first_label },
	{ "host IPv6 brackets", test_host_ipv6_brackets },
	{ "host IPv6 bare", test_host_ipv6_bare },
	{ "host IPv6 v4-mapped", test_host_ipv6_mapped },
	{ "host IPv6 RFC 5952", test_host_ipv6_rfc5952 },
	{ "host IPv6 zone refused", test_host_ipv6_zone },
	{ "host IPv6 %-encoded refused", test_host_ipv6_pct },
	{ "host IPv6 bad", test_host_ipv6_bad },
	{ "host IDN", test_host_idn },
	{ "host IDN upper case", test_host_idn_upper },
	{ "host IDN trailing dot", test_host_idn_trailing_dot },
	{ "host IDN non-transitional", test_host_idn_nontransitional },
	{ "host A-label", test_host_alabel },
	{ "host A-label upper case", test_host_alabel_upper },
	{ "host A-label invalid", test_host_alabel_invalid },
	{ "host IDN invalid", test_host_idn_invalid },
	{ "host IDN bad UTF-8", test_host_idn_bad_utf8 },
	{ "host IDN full-width", test_host_idn_fullwidth },
	{ "host IDN ideographic dot", test_host_idn_ideographic_dot },
	{ "host IDN soft hyphen", test_host_idn_soft_hyphen },
	{ "host IDN full-width IPv4", test_host_idn_fullwidth_ipv4 },
	{ "host IDN full-width slash", test_host_idn_fullwidth_slash },
	{ "host label 63", test_host_label_63 },
	{ "host label 64", test_host_label_64 },
	{ "host 253", test_host_253 },
	{ "host 253 trailing dot", test_host_253_trailing_dot },
	{ "host 254", test_host_254 },
	{ "host very long", test_host_very_long },
	{ "host IDN too long", test_host_idn_too_long },
	{ "host buffer exact", test_host_buffer_exact },
	{ "host buffer small", test_host_buffer_small },
	{ "host span", test_host_span },
	{ "host bounds", test_host_bounds },
	{ "path empty", test_path_empty },
	{ "path query only", test_path_query_only },
	{ "path %7E", test_path_unreserved_tilde },
	{ "path %41", test_path_unreserved_letter },
	{ "path unreserved", test_path_unreserved_all },
	{ "path escape upper-cased", test_path_escape_upper },
	{ "path escape mixed case", test_path_escape_mixed_case },
	{ "path %2F kept", test_path_escaped_slash_kept },
	{ "path %3F kept", test_path_escaped_question },
	{ "path dot segments", test_path_dots },
	{ "path leading ..", test_path_dots_leading },
	{ "path relative dots", test_path_dots_relative },
	{ "path final dots", test_path_dots_final },
	{ "path RFC 3986 example", test_path_dots_rfc_example },
	{ "path dots in names", test_path_dots_not_segments },
	{ "path %-encoded dots", test_path_dots_encoded },
	{ "path dots before query", test_path_dots_before_query },
	{ "path double slash kept", test_path_double_slash_kept },
	{ "path query dots untouched", test_path_query_dots_untouched },
	{ "path plus untouched", test_path_plus_untouched },
	{ "path query escapes", test_path_query_escapes },
	{ "path query question mark", test_path_query_question },
	{ "path raw bytes encoded", test_path_raw_encoded },
	{ "path raw control", test_path_raw_control },
	{ "path sub-delims kept", test_path_sub_delims_kept },
	{ "path reserved not decoded", test_path_reserved_not_decoded },
	{ "path case kept", test_path_case_kept },
	{ "path truncated escape", test_path_truncated_escape },
	{ "path bad escape", test_path_bad_escape },
	{ "path buffer exact", test_path_buffer_exact },
	{ "path buffer small", test_path_buffer_small },
	{ "path bounds", test_path_bounds },
	{ "key basic", test_key_basic },
	{ "key default port", test_key_default_port },
	{ "key other port", test_key_other_port },
	{ "key empty path", test_key_empty_path },
	{ "key www", test_key_www },
	{ "key www digits", test_key_www_digits },
	{ "key www only once", test_key_www_only_once },
	{ "key www.com kept", test_key_www_com_kept },
	{ "key www-like kept", test_key_www_like_kept },
	{ "key IPv4", test_key_ipv4 },
	{ "key IPv6", test_key_ipv6 },
	{ "key bad host", test_key_bad_host },
	{ "key buffer small", test_key_buffer_small },
	{ "entry plain", test_entry_plain },
	{ "entry host only", test_entry_host_only },
	{ "entry www trailing slash", test_entry_www_trailing_slash },
	{ "entry trailing slashes", test_entry_trailing_slashes },
	{ "entry scheme port dots", test_entry_scheme_port_dots },
	{ "entry https", test_entry_https },
	{ "entry scheme other port", test_entry_scheme_other_port },
	{ "entry no scheme ports", test_entry_no_scheme_ports },
	{ "entry empty port", test_entry_empty_port },
	{ "entry bad port", test_entry_bad_port },
	{ "entry userinfo", test_entry_userinfo },
	{ "entry @ in path", test_entry_at_in_path },
	{ "entry fragment", test_entry_fragment },
	{ "entry query", test_entry_query },
	{ "entry evasions", test_entry_evasions },
	{ "entry IPv6", test_entry_ipv6 },
	{ "entry whitespace", test_entry_whitespace },
	{ "entry bad scheme", test_entry_bad_scheme },
	{ "entry empty", test_entry_empty },
	{ "entry bad host", test_entry_bad_host },
	{ "entry bad path", test_entry_bad_path },
	{ "entry buffer small", test_entry_buffer_small },
	{ "domain plain", test_domain_plain },
	{ "domain leading dot", test_domain_leading_dot },
	{ "domain wildcard", test_domain_wildcard },
	{ "domain www kept", test_domain_www_kept },
	{ "domain IDN", test_domain_idn },
	{ "domain address", test_domain_address },
	{ "domain whitespace", test_domain_whitespace },
	{ "domain bad", test_domain_bad },
	{ "domain URL refused", test_domain_url_refused },
	{ "domain buffer small", test_domain_buffer_small },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"urlnorm"
#include "cu_main.h"
