#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "url.h"

static struct url	u;
static struct werr	err;

static int
target(const char *s)
{
	err.msg[0] = '\0';
	return url_parse_target(s, strlen(s), false, &u, &err);
}

static int
connect_target(const char *s)
{
	err.msg[0] = '\0';
	return url_parse_target(s, strlen(s), true, &u, &err);
}

static bool
msg_has(const char *word)
{
	return strstr(err.msg, word) != NULL;
}

static bool
path_is(const char *want)
{
	return u.path_len == strlen(want) &&
	    memcmp(u.path, want, u.path_len) == 0;
}

/* A host of n bytes: labels of 63 'a's, dot-separated, then the rest. */
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

static void
test_url_origin(void)
{
	const char *t = "/a/b?x=1&y=%2F";

	CU_ASSERT_EQUAL(target(t), 0);
	CU_ASSERT_EQUAL(u.form, URL_FORM_ORIGIN);
	CU_ASSERT_PTR_EQUAL(u.path, t);
	CU_ASSERT_EQUAL(u.path_len, strlen(t));
	CU_ASSERT_STRING_EQUAL(u.host, "");
	CU_ASSERT_STRING_EQUAL(u.scheme, "");
}

static void
test_url_origin_root(void)
{
	CU_ASSERT_EQUAL(target("/"), 0);
	CU_ASSERT_TRUE(path_is("/"));
}

static void
test_url_origin_all_pchars(void)
{
	CU_ASSERT_EQUAL(target("/azAZ09-._~!$&'()*+,;=:@/?/?%aF"), 0);
}

static void
test_url_origin_double_slash(void)
{
	CU_ASSERT_EQUAL(target("//a//b"), 0);
	CU_ASSERT_EQUAL(u.form, URL_FORM_ORIGIN);
}

static void
test_url_bad_percent(void)
{
	CU_ASSERT_EQUAL(target("/a%2"), -1);
	CU_ASSERT_TRUE(msg_has("percent"));
	CU_ASSERT_EQUAL(target("/a%zz"), -1);
	CU_ASSERT_EQUAL(target("/a%"), -1);
	CU_ASSERT_EQUAL(target("/a%g0"), -1);
}

static void
test_url_space_in_path(void)
{
	CU_ASSERT_EQUAL(target("/a b"), -1);
	CU_ASSERT_TRUE(msg_has("0x20"));
}

static void
test_url_ctl_in_path(void)
{
	CU_ASSERT_EQUAL(target("/a\x01"), -1);
	CU_ASSERT_EQUAL(target("/a\x7f"), -1);
	CU_ASSERT_EQUAL(target("/a\t"), -1);
}

static void
test_url_nul_in_path(void)
{
	CU_ASSERT_EQUAL(url_parse_target("/a\0b", 4, false, &u, &err), -1);
}

static void
test_url_8bit_in_path(void)
{
	CU_ASSERT_EQUAL(target("/caf\xc3\xa9"), -1);
	CU_ASSERT_TRUE(msg_has("0xc3"));
}

static void
test_url_delims_in_path(void)
{
	CU_ASSERT_EQUAL(target("/a\"b"), -1);
	CU_ASSERT_EQUAL(target("/a<b"), -1);
	CU_ASSERT_EQUAL(target("/a>b"), -1);
	CU_ASSERT_EQUAL(target("/a b"), -1);
}

/* What browsers send unencoded, which cannot change how a target splits. */
static void
test_url_browser_chars_in_path(void)
{
	CU_ASSERT_EQUAL(target("/a\\b"), 0);
	CU_ASSERT_EQUAL(target("/a^b"), 0);
	CU_ASSERT_EQUAL(target("/a`b"), 0);
	CU_ASSERT_EQUAL(target("/a{b}"), 0);
	CU_ASSERT_EQUAL(target("/a|b"), 0);
	CU_ASSERT_EQUAL(target("/?a[]=1"), 0);
}

static void
test_url_fragment_origin(void)
{
	CU_ASSERT_EQUAL(target("/a#b"), -1);
	CU_ASSERT_TRUE(msg_has("fragment"));
}

static void
test_url_asterisk(void)
{
	CU_ASSERT_EQUAL(target("*"), 0);
	CU_ASSERT_EQUAL(u.form, URL_FORM_ASTERISK);
	CU_ASSERT_TRUE(path_is("*"));
}

static void
test_url_asterisk_only(void)
{
	CU_ASSERT_EQUAL(target("**"), -1);
	CU_ASSERT_EQUAL(target("*/"), -1);
}

static void
test_url_empty_target(void)
{
	CU_ASSERT_EQUAL(target(""), -1);
	CU_ASSERT_TRUE(msg_has("empty"));
	CU_ASSERT_EQUAL(connect_target(""), -1);
}

static void
test_url_not_a_url(void)
{
	CU_ASSERT_EQUAL(target("a.example"), -1);
	CU_ASSERT_EQUAL(target("1http://a/"), -1);
}

static void
test_url_absolute(void)
{
	CU_ASSERT_EQUAL(target("http://a.example/x?y=1"), 0);
	CU_ASSERT_EQUAL(u.form, URL_FORM_ABSOLUTE);
	CU_ASSERT_STRING_EQUAL(u.scheme, "http");
	CU_ASSERT_STRING_EQUAL(u.host, "a.example");
	CU_ASSERT_FALSE(u.host_ipv6);
	CU_ASSERT_EQUAL(u.port, 80);
	CU_ASSERT_FALSE(u.port_explicit);
	CU_ASSERT_TRUE(path_is("/x?y=1"));
}

static void
test_url_absolute_case(void)
{
	CU_ASSERT_EQUAL(target("HtTp://A.Example:8080/P"), 0);
	CU_ASSERT_STRING_EQUAL(u.scheme, "http");
	CU_ASSERT_STRING_EQUAL(u.host, "a.example");
	CU_ASSERT_EQUAL(u.port, 8080);
	CU_ASSERT_TRUE(u.port_explicit);
	CU_ASSERT_TRUE(path_is("/P"));
}

static void
test_url_absolute_empty_path(void)
{
	CU_ASSERT_EQUAL(target("http://a.example"), 0);
	CU_ASSERT_TRUE(path_is("/"));
	CU_ASSERT_EQUAL(target("http://a.example:81"), 0);
	CU_ASSERT_TRUE(path_is("/"));
	CU_ASSERT_EQUAL(u.port, 81);
}

static void
test_url_absolute_query_no_path(void)
{
	/* RFC 9112 section 3.2.1: sent as "/?x". */
	CU_ASSERT_EQUAL(target("http://a.example?x"), 0);
	CU_ASSERT_TRUE(path_is("?x"));
	CU_ASSERT_TRUE(u.path_slash);
	CU_ASSERT_EQUAL(target("http://a.example/?x"), 0);
	CU_ASSERT_FALSE(u.path_slash);
}

static void
test_url_absolute_bad_path(void)
{
	CU_ASSERT_EQUAL(target("http://a.example/a b"), -1);
	CU_ASSERT_EQUAL(target("http://a.example/a%x1"), -1);
}

static void
test_url_explicit_default_port(void)
{
	CU_ASSERT_EQUAL(target("http://a.example:80/"), 0);
	CU_ASSERT_EQUAL(u.port, 80);
	CU_ASSERT_TRUE(u.port_explicit);
}

static void
test_url_empty_port(void)
{
	CU_ASSERT_EQUAL(target("http://a.example:/"), 0);
	CU_ASSERT_EQUAL(u.port, 80);
	CU_ASSERT_FALSE(u.port_explicit);
}

static void
test_url_port_leading_zeros(void)
{
	CU_ASSERT_EQUAL(target("http://a.example:00080/"), 0);
	CU_ASSERT_EQUAL(u.port, 80);
	CU_ASSERT_EQUAL(target("http://a.example:0000000000000000008080/"),
	    0);
	CU_ASSERT_EQUAL(u.port, 8080);
}

static void
test_url_port_max(void)
{
	CU_ASSERT_EQUAL(target("http://a.example:65535/"), 0);
	CU_ASSERT_EQUAL(u.port, 65535);
}

static void
test_url_port_zero(void)
{
	CU_ASSERT_EQUAL(target("http://a.example:0/"), -1);
	CU_ASSERT_TRUE(msg_has("port"));
	CU_ASSERT_EQUAL(target("http://a.example:000/"), -1);
}

static void
test_url_port_too_big(void)
{
	CU_ASSERT_EQUAL(target("http://a.example:65536/"), -1);
	CU_ASSERT_TRUE(msg_has("port"));
	CU_ASSERT_EQUAL(target("http://a.example:99999999999999999999999/"),
	    -1);
}

static void
test_url_port_not_digits(void)
{
	CU_ASSERT_EQUAL(target("http://a.example:8a/"), -1);
	CU_ASSERT_EQUAL(target("http://a.example:-1/"), -1);
	CU_ASSERT_EQUAL(target("http://a.example:+80/"), -1);
	CU_ASSERT_EQUAL(target("http://a.example: 80/"), -1);
	CU_ASSERT_EQUAL(target("http://a.example:0x50/"), -1);
	CU_ASSERT_EQUAL(target("http://a.example:80:80/"), -1);
	CU_ASSERT_TRUE(msg_has("port"));
}

static void
test_url_scheme_https(void)
{
	CU_ASSERT_EQUAL(target("https://a.example/"), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "scheme 'https' is not supported");
}

static void
test_url_scheme_ftp(void)
{
	CU_ASSERT_EQUAL(target("FTP://a.example/"), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "scheme 'FTP' is not supported");
}

static void
test_url_scheme_long(void)
{
	CU_ASSERT_EQUAL(target("abcdefghijabcdefghijabcdefghijabcdefghij:/"),
	    -1);
	CU_ASSERT_TRUE(msg_has("not supported"));
}

static void
test_url_scheme_prefix(void)
{
	CU_ASSERT_EQUAL(target("httpx://a/"), -1);
	CU_ASSERT_TRUE(msg_has("'httpx'"));
	CU_ASSERT_EQUAL(target("htt://a/"), -1);
}

static void
test_url_no_slashes(void)
{
	CU_ASSERT_EQUAL(target("http:/a.example/"), -1);
	CU_ASSERT_EQUAL(target("http:a.example/"), -1);
	CU_ASSERT_EQUAL(target("http:"), -1);
	CU_ASSERT_EQUAL(target("http:/"), -1);
}

static void
test_url_empty_host(void)
{
	CU_ASSERT_EQUAL(target("http:///x"), -1);
	CU_ASSERT_TRUE(msg_has("empty host"));
	CU_ASSERT_EQUAL(target("http://"), -1);
	CU_ASSERT_EQUAL(target("http://:80/"), -1);
}

static void
test_url_userinfo(void)
{
	CU_ASSERT_EQUAL(target("http://user:pw@a.example/"), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "userinfo in URL is not allowed");
}

static void
test_url_userinfo_empty(void)
{
	CU_ASSERT_EQUAL(target("http://@a.example/"), -1);
	CU_ASSERT_TRUE(msg_has("userinfo"));
}

static void
test_url_at_in_path(void)
{
	CU_ASSERT_EQUAL(target("http://a.example/@x?u=a@b"), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "a.example");
}

static void
test_url_fragment_absolute(void)
{
	CU_ASSERT_EQUAL(target("http://a.example/x#frag"), -1);
	CU_ASSERT_TRUE(msg_has("fragment"));
}

static void
test_url_fragment_after_host(void)
{
	CU_ASSERT_EQUAL(target("http://a.example#frag"), -1);
	CU_ASSERT_TRUE(msg_has("fragment"));
}

static void
test_url_trailing_dot(void)
{
	CU_ASSERT_EQUAL(target("http://a.example./"), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "a.example");
}

static void
test_url_two_trailing_dots(void)
{
	CU_ASSERT_EQUAL(target("http://a.example../"), -1);
	CU_ASSERT_TRUE(msg_has("empty label"));
}

static void
test_url_only_dot(void)
{
	CU_ASSERT_EQUAL(target("http://./"), -1);
}

static void
test_url_empty_labels(void)
{
	CU_ASSERT_EQUAL(target("http://.a.example/"), -1);
	CU_ASSERT_EQUAL(target("http://a..example/"), -1);
}

static void
test_url_underscore_hyphen(void)
{
	CU_ASSERT_EQUAL(target("http://_dmarc.my-host.example/"), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "_dmarc.my-host.example");
}

static void
test_url_single_label(void)
{
	CU_ASSERT_EQUAL(target("http://LocalHost:3128/"), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "localhost");
}

static void
test_url_bad_host_chars(void)
{
	CU_ASSERT_EQUAL(target("http://a!b.example/"), -1);
	CU_ASSERT_EQUAL(target("http://a%41.example/"), -1);
	CU_ASSERT_EQUAL(target("http://a,b/"), -1);
	CU_ASSERT_EQUAL(target("http://a b/"), -1);
	CU_ASSERT_EQUAL(target("http://a;b/"), -1);
	CU_ASSERT_TRUE(msg_has("0x3b"));
}

static void
test_url_8bit_host(void)
{
	CU_ASSERT_EQUAL(target("http://ex\xc3\xa4mple.example/"), -1);
}

static void
test_url_label_63(void)
{
	char t[128], h[64];

	long_host(h, 63);
	snprintf(t, sizeof(t), "http://%s.example/", h);
	CU_ASSERT_EQUAL(target(t), 0);
}

static void
test_url_label_64(void)
{
	char t[128], h[65];

	memset(h, 'a', 64);
	h[64] = '\0';
	snprintf(t, sizeof(t), "http://x.%s.example/", h);
	CU_ASSERT_EQUAL(target(t), -1);
	CU_ASSERT_TRUE(msg_has("label"));
}

static void
test_url_host_253(void)
{
	char t[300], h[254];

	long_host(h, 253);
	snprintf(t, sizeof(t), "http://%s/", h);
	CU_ASSERT_EQUAL(target(t), 0);
	CU_ASSERT_EQUAL(strlen(u.host), 253);
	/* With its trailing dot it is still 253. */
	snprintf(t, sizeof(t), "http://%s./", h);
	CU_ASSERT_EQUAL(target(t), 0);
}

static void
test_url_host_254(void)
{
	char t[300], h[255];

	long_host(h, 254);
	snprintf(t, sizeof(t), "http://%s/", h);
	CU_ASSERT_EQUAL(target(t), -1);
	CU_ASSERT_TRUE(msg_has("longer"));
}

static void
test_url_ipv4(void)
{
	CU_ASSERT_EQUAL(target("http://192.0.2.10:8080/x"), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "192.0.2.10");
	CU_ASSERT_FALSE(u.host_ipv6);
	CU_ASSERT_EQUAL(u.port, 8080);
}

static void
test_url_ipv4_edges(void)
{
	CU_ASSERT_EQUAL(target("http://0.0.0.0/"), 0);
	CU_ASSERT_EQUAL(target("http://255.255.255.255/"), 0);
	CU_ASSERT_EQUAL(target("http://10.0.0.0/"), 0);
}

static void
test_url_ipv4_octet_range(void)
{
	CU_ASSERT_EQUAL(target("http://256.1.1.1/"), -1);
	CU_ASSERT_TRUE(msg_has("IPv4"));
	CU_ASSERT_EQUAL(target("http://1.1.1.1000/"), -1);
}

static void
test_url_ipv4_octal(void)
{
	CU_ASSERT_EQUAL(target("http://0177.0.0.1/"), -1);
	CU_ASSERT_TRUE(msg_has("IPv4"));
	CU_ASSERT_EQUAL(target("http://01.2.3.4/"), -1);
	CU_ASSERT_EQUAL(target("http://1.2.3.04/"), -1);
	CU_ASSERT_EQUAL(target("http://1.2.3.00/"), -1);
}

static void
test_url_ipv4_short(void)
{
	CU_ASSERT_EQUAL(target("http://127.1/"), -1);
	CU_ASSERT_EQUAL(target("http://1.2.3/"), -1);
	CU_ASSERT_EQUAL(target("http://2130706433/"), -1);
	CU_ASSERT_EQUAL(target("http://1.2.3.4.5/"), -1);
}

static void
test_url_ipv4_hex(void)
{
	CU_ASSERT_EQUAL(target("http://0x7f.0.0.1/"), -1);
	CU_ASSERT_EQUAL(target("http://0x7f000001/"), -1);
	CU_ASSERT_EQUAL(target("http://1.2.3.0x4/"), -1);
	CU_ASSERT_EQUAL(target("http://a.0X/"), -1);
}

static void
test_url_ipv4_trailing_dot(void)
{
	CU_ASSERT_EQUAL(target("http://1.2.3.4./"), -1);
}

static void
test_url_numeric_last_label(void)
{
	/* Resolvers and browsers would read these as IPv4 addresses. */
	CU_ASSERT_EQUAL(target("http://a.example.123/"), -1);
	CU_ASSERT_EQUAL(target("http://a.1./"), -1);
}

static void
test_url_numeric_first_label(void)
{
	CU_ASSERT_EQUAL(target("http://123.example/"), 0);
	CU_ASSERT_EQUAL(target("http://0x7f.example/"), 0);
	CU_ASSERT_EQUAL(target("http://1a/"), 0);
}

static void
test_url_ipv6(void)
{
	CU_ASSERT_EQUAL(target("http://[::1]/x"), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "::1");
	CU_ASSERT_TRUE(u.host_ipv6);
	CU_ASSERT_EQUAL(u.port, 80);
	CU_ASSERT_TRUE(path_is("/x"));
}

static void
test_url_ipv6_port(void)
{
	CU_ASSERT_EQUAL(target("http://[2001:DB8::A]:8080"), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "2001:db8::a");
	CU_ASSERT_EQUAL(u.port, 8080);
	CU_ASSERT_TRUE(path_is("/"));
}

static void
test_url_ipv6_canonical(void)
{
	CU_ASSERT_EQUAL(target("http://[0:0:0:0:0:0:0:1]/"), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "::1");
}

static void
test_url_ipv6_mapped(void)
{
	CU_ASSERT_EQUAL(target("http://[::ffff:192.0.2.1]/"), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "::ffff:192.0.2.1");
}

static void
test_url_ipv6_empty_port(void)
{
	CU_ASSERT_EQUAL(target("http://[::1]:/"), 0);
	CU_ASSERT_EQUAL(u.port, 80);
	CU_ASSERT_FALSE(u.port_explicit);
}

static void
test_url_ipv6_zone(void)
{
	CU_ASSERT_EQUAL(target("http://[fe80::1%25eth0]/"), -1);
	CU_ASSERT_TRUE(msg_has("zone"));
	CU_ASSERT_EQUAL(target("http://[fe80::1%eth0]/"), -1);
}

static void
test_url_ipv6_unbracketed(void)
{
	CU_ASSERT_EQUAL(target("http://::1/"), -1);
	CU_ASSERT_TRUE(msg_has("brackets"));
	CU_ASSERT_EQUAL(target("http://fe80::1/"), -1);
	CU_ASSERT_TRUE(msg_has("brackets"));
}

static void
test_url_ipv6_unterminated(void)
{
	CU_ASSERT_EQUAL(target("http://[::1/"), -1);
	CU_ASSERT_TRUE(msg_has("unterminated"));
}

static void
test_url_ipv6_junk_after(void)
{
	CU_ASSERT_EQUAL(target("http://[::1]x/"), -1);
	CU_ASSERT_EQUAL(target("http://[::1]]/"), -1);
}

static void
test_url_ipv6_invalid(void)
{
	CU_ASSERT_EQUAL(target("http://[]/"), -1);
	CU_ASSERT_EQUAL(target("http://[1.2.3.4]/"), -1);
	CU_ASSERT_EQUAL(target("http://[v1.x]/"), -1);
	CU_ASSERT_EQUAL(target("http://[::1::2]/"), -1);
	CU_ASSERT_EQUAL(target("http://[12345::]/"), -1);
	CU_ASSERT_EQUAL(target("http://[0000:0000:0000:0000:0000:0000:0000:"
	    "0000:0001]/"), -1);
	CU_ASSERT_TRUE(msg_has("IPv6"));
}

static void
test_url_ipv6_bad_port(void)
{
	CU_ASSERT_EQUAL(target("http://[::1]:0/"), -1);
	CU_ASSERT_EQUAL(target("http://[::1]:65536/"), -1);
}

static void
test_url_connect(void)
{
	CU_ASSERT_EQUAL(connect_target("A.Example:443"), 0);
	CU_ASSERT_EQUAL(u.form, URL_FORM_AUTHORITY);
	CU_ASSERT_STRING_EQUAL(u.host, "a.example");
	CU_ASSERT_EQUAL(u.port, 443);
	CU_ASSERT_TRUE(u.port_explicit);
	CU_ASSERT_EQUAL(u.path_len, 0);
}

static void
test_url_connect_ipv6(void)
{
	CU_ASSERT_EQUAL(connect_target("[2001:db8::1]:443"), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "2001:db8::1");
	CU_ASSERT_TRUE(u.host_ipv6);
	CU_ASSERT_EQUAL(u.port, 443);
}

static void
test_url_connect_ipv4(void)
{
	CU_ASSERT_EQUAL(connect_target("192.0.2.1:8443"), 0);
	CU_ASSERT_EQUAL(connect_target("0300.0.2.1:8443"), -1);
}

static void
test_url_connect_no_port(void)
{
	CU_ASSERT_EQUAL(connect_target("a.example"), -1);
	CU_ASSERT_TRUE(msg_has("port"));
	CU_ASSERT_EQUAL(connect_target("a.example:"), -1);
	CU_ASSERT_EQUAL(connect_target("[::1]"), -1);
	CU_ASSERT_EQUAL(connect_target("[::1]:"), -1);
}

static void
test_url_connect_bad_port(void)
{
	CU_ASSERT_EQUAL(connect_target("a.example:0"), -1);
	CU_ASSERT_EQUAL(connect_target("a.example:65536"), -1);
	CU_ASSERT_EQUAL(connect_target("a.example:https"), -1);
}

static void
test_url_connect_absolute(void)
{
	CU_ASSERT_EQUAL(connect_target("http://a.example:443/"), -1);
	CU_ASSERT_TRUE(msg_has("host:port"));
	CU_ASSERT_EQUAL(connect_target("/"), -1);
	CU_ASSERT_EQUAL(connect_target("a.example:443/x"), -1);
	CU_ASSERT_EQUAL(connect_target("*"), -1);
}

static void
test_url_connect_userinfo(void)
{
	CU_ASSERT_EQUAL(connect_target("u@a.example:443"), -1);
	CU_ASSERT_TRUE(msg_has("userinfo"));
}

static void
test_url_connect_fragment(void)
{
	CU_ASSERT_EQUAL(connect_target("a.example:443#x"), -1);
}

static void
test_url_null_err(void)
{
	CU_ASSERT_EQUAL(url_parse_target("http://a b/", 11, false, &u, NULL),
	    -1);
}

static void
test_url_resets_struct(void)
{
	CU_ASSERT_EQUAL(target("http://[::1]:81/"), 0);
	CU_ASSERT_EQUAL(target("/x"), 0);
	CU_ASSERT_FALSE(u.host_ipv6);
	CU_ASSERT_FALSE(u.port_explicit);
	CU_ASSERT_STRING_EQUAL(u.host, "");
}

static void
test_url_authority_host_field(void)
{
	char host[URL_HOST_MAX];
	uint16_t port = 0;
	bool v6 = true;

	CU_ASSERT_EQUAL(url_parse_authority("WWW.Example.", 12, false, 80,
	    host, sizeof(host), &v6, &port, &err), 0);
	CU_ASSERT_STRING_EQUAL(host, "www.example");
	CU_ASSERT_FALSE(v6);
	CU_ASSERT_EQUAL(port, 80);
}

static void
test_url_authority_port(void)
{
	char host[URL_HOST_MAX];
	uint16_t port = 0;
	bool v6;

	CU_ASSERT_EQUAL(url_parse_authority("a:8080", 6, false, 80, host,
	    sizeof(host), &v6, &port, &err), 0);
	CU_ASSERT_EQUAL(port, 8080);
}

static void
test_url_authority_default(void)
{
	char host[URL_HOST_MAX];
	uint16_t port = 0;
	bool v6;

	CU_ASSERT_EQUAL(url_parse_authority("[::1]", 5, false, 443, host,
	    sizeof(host), &v6, &port, &err), 0);
	CU_ASSERT_STRING_EQUAL(host, "::1");
	CU_ASSERT_TRUE(v6);
	CU_ASSERT_EQUAL(port, 443);
}

static void
test_url_authority_required(void)
{
	char host[URL_HOST_MAX];
	uint16_t port;
	bool v6;

	CU_ASSERT_EQUAL(url_parse_authority("a", 1, true, 80, host,
	    sizeof(host), &v6, &port, &err), -1);
}

static void
test_url_authority_span(void)
{
	char host[URL_HOST_MAX];
	uint16_t port;
	bool v6;

	/* Only len bytes are read. */
	CU_ASSERT_EQUAL(url_parse_authority("a.example:81/x", 12, false, 80,
	    host, sizeof(host), &v6, &port, &err), 0);
	CU_ASSERT_EQUAL(port, 81);
}

static void
test_url_authority_small_buffer(void)
{
	char host[4];
	uint16_t port;
	bool v6;

	CU_ASSERT_EQUAL(url_parse_authority("abcd", 4, false, 80, host,
	    sizeof(host), &v6, &port, &err), -1);
	CU_ASSERT_EQUAL(url_parse_authority("abc", 3, false, 80, host,
	    sizeof(host), &v6, &port, &err), 0);
	CU_ASSERT_STRING_EQUAL(host, "abc");
	CU_ASSERT_EQUAL(url_parse_authority("[::1:2]", 7, false, 80, host,
	    sizeof(host), &v6, &port, &err), -1);
}

static void
test_url_authority_bad(void)
{
	char host[URL_HOST_MAX];
	uint16_t port;
	bool v6;

	CU_ASSERT_EQUAL(url_parse_authority("", 0, false, 80, host,
	    sizeof(host), &v6, &port, &err), -1);
	CU_ASSERT_EQUAL(url_parse_authority("a b", 3, false, 80, host,
	    sizeof(host), &v6, &port, &err), -1);
	CU_ASSERT_EQUAL(url_parse_authority("u@a", 3, false, 80, host,
	    sizeof(host), &v6, &port, &err), -1);
}

static void
test_url_format_default_port(void)
{
	char buf[64];

	CU_ASSERT_EQUAL(url_format_authority("a.example", false, 80, 80, buf,
	    sizeof(buf)), 9);
	CU_ASSERT_STRING_EQUAL(buf, "a.example");
}

static void
test_url_format_port(void)
{
	char buf[64];

	CU_ASSERT_EQUAL(url_format_authority("a.example", false, 8080, 80, buf,
	    sizeof(buf)), 14);
	CU_ASSERT_STRING_EQUAL(buf, "a.example:8080");
}

static void
test_url_format_ipv6(void)
{
	char buf[64];

	CU_ASSERT_EQUAL(url_format_authority("::1", true, 443, 443, buf,
	    sizeof(buf)), 5);
	CU_ASSERT_STRING_EQUAL(buf, "[::1]");
	CU_ASSERT_EQUAL(url_format_authority("::1", true, 8443, 443, buf,
	    sizeof(buf)), 10);
	CU_ASSERT_STRING_EQUAL(buf, "[::1]:8443");
}

static void
test_url_format_small(void)
{
	char buf[10];

	CU_ASSERT_EQUAL(url_format_authority("a.example", false, 80, 80, buf,
	    10), 9);
	CU_ASSERT_EQUAL(url_format_authority("a.example", false, 81, 80, buf,
	    10), -1);
	CU_ASSERT_EQUAL(url_format_authority("a.example1", false, 80, 80, buf,
	    10), -1);
}

static void
test_url_form_str(void)
{
	CU_ASSERT_STRING_EQUAL(url_form_str(URL_FORM_ORIGIN), "origin");
	CU_ASSERT_STRING_EQUAL(url_form_str(URL_FORM_ABSOLUTE), "absolute");
	CU_ASSERT_STRING_EQUAL(url_form_str(URL_FORM_AUTHORITY), "authority");
	CU_ASSERT_STRING_EQUAL(url_form_str(URL_FORM_ASTERISK), "asterisk");
	CU_ASSERT_STRING_EQUAL(url_form_str((enum url_form)42), "unknown");
}

static CU_TestInfo cu_tests[] = {
	{ "origin", test_url_origin },
	{ "origin root", test_url_origin_root },
	{ "origin all pchars", test_url_origin_all_pchars },
	{ "origin double slash", test_url_origin_double_slash },
	{ "bad percent", test_url_bad_percent },
	{ "space in path", test_url_space_in_path },
	{ "CTL in path", test_url_ctl_in_path },
	{ "NUL in path", test_url_nul_in_path },
	{ "8-bit in path", test_url_8bit_in_path },
	{ "delimiters in path", test_url_delims_in_path },
	{ "browser characters in path", test_url_browser_chars_in_path },
	{ "fragment origin", test_url_fragment_origin },
	{ "asterisk", test_url_asterisk },
	{ "asterisk only", test_url_asterisk_only },
	{ "empty target", test_url_empty_target },
	{ "not a URL", test_url_not_a_url },
	{ "absolute", test_url_absolute },
	{ "absolute case", test_url_absolute_case },
	{ "absolute empty path", test_url_absolute_empty_path },
	{ "absolute query no path", test_url_absolute_query_no_path },
	{ "absolute bad path", test_url_absolute_bad_path },
	{ "explicit default port", test_url_explicit_default_port },
	{ "empty port", test_url_empty_port },
	{ "port leading zeros", test_url_port_leading_zeros },
	{ "port max", test_url_port_max },
	{ "port zero", test_url_port_zero },
	{ "port too big", test_url_port_too_big },
	{ "port not digits", test_url_port_not_digits },
	{ "scheme https", test_url_scheme_https },
	{ "scheme ftp", test_url_scheme_ftp },
	{ "scheme long", test_url_scheme_long },
	{ "scheme prefix", test_url_scheme_prefix },
	{ "no slashes", test_url_no_slashes },
	{ "empty host", test_url_empty_host },
	{ "userinfo", test_url_userinfo },
	{ "userinfo empty", test_url_userinfo_empty },
	{ "@ in path", test_url_at_in_path },
	{ "fragment absolute", test_url_fragment_absolute },
	{ "fragment after host", test_url_fragment_after_host },
	{ "trailing dot", test_url_trailing_dot },
	{ "two trailing dots", test_url_two_trailing_dots },
	{ "only dot", test_url_only_dot },
	{ "empty labels", test_url_empty_labels },
	{ "underscore hyphen", test_url_underscore_hyphen },
	{ "single label", test_url_single_label },
	{ "bad host chars", test_url_bad_host_chars },
	{ "8-bit host", test_url_8bit_host },
	{ "label 63", test_url_label_63 },
	{ "label 64", test_url_label_64 },
	{ "host 253", test_url_host_253 },
	{ "host 254", test_url_host_254 },
	{ "IPv4", test_url_ipv4 },
	{ "IPv4 edges", test_url_ipv4_edges },
	{ "IPv4 octet range", test_url_ipv4_octet_range },
	{ "IPv4 octal", test_url_ipv4_octal },
	{ "IPv4 short", test_url_ipv4_short },
	{ "IPv4 hex", test_url_ipv4_hex },
	{ "IPv4 trailing dot", test_url_ipv4_trailing_dot },
	{ "numeric last label", test_url_numeric_last_label },
	{ "numeric first label", test_url_numeric_first_label },
	{ "IPv6", test_url_ipv6 },
	{ "IPv6 port", test_url_ipv6_port },
	{ "IPv6 canonical", test_url_ipv6_canonical },
	{ "IPv6 mapped", test_url_ipv6_mapped },
	{ "IPv6 empty port", test_url_ipv6_empty_port },
	{ "IPv6 zone", test_url_ipv6_zone },
	{ "IPv6 unbracketed", test_url_ipv6_unbracketed },
	{ "IPv6 unterminated", test_url_ipv6_unterminated },
	{ "IPv6 junk after", test_url_ipv6_junk_after },
	{ "IPv6 invalid", test_url_ipv6_invalid },
	{ "IPv6 bad port", test_url_ipv6_bad_port },
	{ "CONNECT", test_url_connect },
	{ "CONNECT IPv6", test_url_connect_ipv6 },
	{ "CONNECT IPv4", test_url_connect_ipv4 },
	{ "CONNECT no port", test_url_connect_no_port },
	{ "CONNECT bad port", test_url_connect_bad_port },
	{ "CONNECT absolute", test_url_connect_absolute },
	{ "CONNECT userinfo", test_url_connect_userinfo },
	{ "CONNECT fragment", test_url_connect_fragment },
	{ "NULL err", test_url_null_err },
	{ "resets struct", test_url_resets_struct },
	{ "authority Host field", test_url_authority_host_field },
	{ "authority port", test_url_authority_port },
	{ "authority default", test_url_authority_default },
	{ "authority required", test_url_authority_required },
	{ "authority span", test_url_authority_span },
	{ "authority small buffer", test_url_authority_small_buffer },
	{ "authority bad", test_url_authority_bad },
	{ "format default port", test_url_format_default_port },
	{ "format port", test_url_format_port },
	{ "format IPv6", test_url_format_ipv6 },
	{ "format small", test_url_format_small },
	{ "form_str", test_url_form_str },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME "url"
#include "cu_main.h"
