#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "netaddr.h"

/* An AF_INET or AF_INET6 socket address for a literal, port 1234. */
static const struct sockaddr *
sa_of(const char *addr, struct sockaddr_storage *ss)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(ss, 0, sizeof(*ss));
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(1234);
		memcpy(ss, &sin, sizeof(sin));
	} else {
		CU_ASSERT_FATAL(inet_pton(AF_INET6, addr,
		    &sin6.sin6_addr) == 1);
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(1234);
		memcpy(ss, &sin6, sizeof(sin6));
	}
	return (const struct sockaddr *)ss;
}

/* Whether network net contains address addr. */
static bool
in_net(const char *net, const char *addr)
{
	struct sockaddr_storage ss;
	struct cidr c;
	struct werr err;

	CU_ASSERT_FATAL(netaddr_parse_cidr(net, &c, &err) == 0);
	return netaddr_cidr_match(&c, sa_of(addr, &ss));
}

/* The message netaddr_parse_cidr() gives for s, "" if it accepts s. */
static const char *
cidr_err(const char *s)
{
	static struct werr err;
	struct cidr c;

	memset(&err, 0, sizeof(err));
	if (netaddr_parse_cidr(s, &c, &err) == 0)
		return "";
	return err.msg;
}

static const char *
ports_err(const char *s)
{
	static struct werr err;
	struct portrange r[4];
	size_t n = 0;

	memset(&err, 0, sizeof(err));
	if (netaddr_parse_ports(s, r, WD_NELEM(r), &n, &err) == 0)
		return "";
	CU_ASSERT_EQUAL(n, 0);
	return err.msg;
}

static const char *
listen_err(const char *s)
{
	static struct werr err;
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&err, 0, sizeof(err));
	if (netaddr_parse_listen(s, &ss, &len, &err) == 0)
		return "";
	return err.msg;
}

static void
test_cidr_v4_is_mapped(void)
{
	struct cidr c;
	struct werr err;
	static const uint8_t want[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 0
	};

	CU_ASSERT_EQUAL(netaddr_parse_cidr("10.0.0.0/8", &c, &err), 0);
	CU_ASSERT_EQUAL(c.prefix, 8 + 96);
	CU_ASSERT_EQUAL(memcmp(c.addr, want, 16), 0);
}

static void
test_cidr_bare_address_is_host(void)
{
	struct cidr c;
	struct werr err;

	CU_ASSERT_EQUAL(netaddr_parse_cidr("192.168.1.7", &c, &err), 0);
	CU_ASSERT_EQUAL(c.prefix, 128);
	CU_ASSERT_EQUAL(netaddr_parse_cidr("::1", &c, &err), 0);
	CU_ASSERT_EQUAL(c.prefix, 128);
	CU_ASSERT_EQUAL(c.addr[15], 1);
}

static void
test_cidr_v6(void)
{
	struct cidr c;
	struct werr err;

	CU_ASSERT_EQUAL(netaddr_parse_cidr("fd00::/8", &c, &err), 0);
	CU_ASSERT_EQUAL(c.prefix, 8);
	CU_ASSERT_EQUAL(c.addr[0], 0xfd);
	CU_ASSERT_EQUAL(netaddr_parse_cidr("::/0", &c, &err), 0);
	CU_ASSERT_EQUAL(c.prefix, 0);
	CU_ASSERT_EQUAL(netaddr_parse_cidr("0.0.0.0/0", &c, &err), 0);
	CU_ASSERT_EQUAL(c.prefix, 96);
}

static void
test_cidr_host_bits_v4(void)
{
	CU_ASSERT_STRING_EQUAL(cidr_err("10.0.0.1/8"),
	    "10.0.0.1/8: host bits set (did you mean 10.0.0.0/8?)");
	CU_ASSERT_STRING_EQUAL(cidr_err("192.168.1.130/25"),
	    "192.168.1.130/25: host bits set (did you mean 192.168.1.128/25?)");
}

static void
test_cidr_host_bits_v6(void)
{
	CU_ASSERT_STRING_EQUAL(cidr_err("fd00::1/8"),
	    "fd00::1/8: host bits set (did you mean fd00::/8?)");
}

static void
test_cidr_bad_prefix(void)
{
	CU_ASSERT_STRING_EQUAL(cidr_err("10.0.0.0/33"),
	    "'10.0.0.0/33': the prefix length must be a number from 0 to 32");
	CU_ASSERT_STRING_EQUAL(cidr_err("fd00::/129"),
	    "'fd00::/129': the prefix length must be a number from 0 to 128");
	CU_ASSERT_STRING_EQUAL(cidr_err("10.0.0.0/"),
	    "'10.0.0.0/': the prefix length must be a number from 0 to 32");
	CU_ASSERT_STRING_EQUAL(cidr_err("10.0.0.0/-8"),
	    "'10.0.0.0/-8': the prefix length must be a number from 0 to 32");
	CU_ASSERT_STRING_EQUAL(cidr_err("10.0.0.0/99999999999"),
	    "'10.0.0.0/99999999999': the prefix length must be a number "
	    "from 0 to 32");
}

static void
test_cidr_not_an_address(void)
{
	CU_ASSERT_STRING_EQUAL(cidr_err("example.com"),
	    "'example.com' is not an IP address or network (as "
	    "10.0.0.0/8 or fd00::/8; names are not accepted)");
	CU_ASSERT_STRING_EQUAL(cidr_err("10.0.0/8"),
	    "'10.0.0/8' is not an IP address or network (as "
	    "10.0.0.0/8 or fd00::/8; names are not accepted)");
	CU_ASSERT_STRING_EQUAL(cidr_err("/8"),
	    "'/8': no address before '/'");
	CU_ASSERT_STRING_EQUAL(cidr_err(""), "empty network");
}

static void
test_cidr_match_v4(void)
{
	CU_ASSERT_TRUE(in_net("10.0.0.0/8", "10.200.3.4"));
	CU_ASSERT_FALSE(in_net("10.0.0.0/8", "11.0.0.1"));
	CU_ASSERT_TRUE(in_net("192.168.1.128/25", "192.168.1.255"));
	CU_ASSERT_FALSE(in_net("192.168.1.128/25", "192.168.1.127"));
	CU_ASSERT_TRUE(in_net("192.168.1.7", "192.168.1.7"));
	CU_ASSERT_FALSE(in_net("192.168.1.7", "192.168.1.8"));
	CU_ASSERT_TRUE(in_net("0.0.0.0/0", "203.0.113.9"));
	CU_ASSERT_FALSE(in_net("0.0.0.0/0", "2001:db8::1"));
}

static void
test_cidr_match_v4_mapped_client(void)
{
	/* A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d. */
	CU_ASSERT_TRUE(in_net("127.0.0.0/8", "::ffff:127.0.0.1"));
	CU_ASSERT_FALSE(in_net("127.0.0.0/8", "::ffff:128.0.0.1"));
	CU_ASSERT_TRUE(in_net("::ffff:10.0.0.0/104", "10.1.2.3"));
}

static void
test_cidr_match_v6(void)
{
	CU_ASSERT_TRUE(in_net("::1", "::1"));
	CU_ASSERT_FALSE(in_net("::1", "::2"));
	CU_ASSERT_TRUE(in_net("fd00::/8", "fdab:1::9"));
	CU_ASSERT_FALSE(in_net("fd00::/8", "fe80::1"));
	CU_ASSERT_TRUE(in_net("2001:db8::/33", "2001:db8:7fff::1"));
	CU_ASSERT_FALSE(in_net("2001:db8::/33", "2001:db8:8000::1"));
	CU_ASSERT_FALSE(in_net("::1", "127.0.0.1"));
}

static void
test_cidr_match_other_family(void)
{
	struct sockaddr_storage ss;
	struct cidr c;
	struct werr err;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	CU_ASSERT_EQUAL(netaddr_parse_cidr("0.0.0.0/0", &c, &err), 0);
	CU_ASSERT_FALSE(netaddr_cidr_match(&c, (struct sockaddr *)&ss));
}

static void
test_ports_list_and_ranges(void)
{
	struct portrange r[8];
	struct werr err;
	size_t n = 0;

	CU_ASSERT_EQUAL(netaddr_parse_ports("443,8443, 19540-19549", r,
	    WD_NELEM(r), &n, &err), 0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(r[0].lo, 443);
	CU_ASSERT_EQUAL(r[0].hi, 443);
	CU_ASSERT_EQUAL(r[1].lo, 8443);
	CU_ASSERT_EQUAL(r[2].lo, 19540);
	CU_ASSERT_EQUAL(r[2].hi, 19549);
	CU_ASSERT_TRUE(netaddr_ports_contain(r, n, 443));
	CU_ASSERT_TRUE(netaddr_ports_contain(r, n, 19545));
	CU_ASSERT_TRUE(netaddr_ports_contain(r, n, 19549));
	CU_ASSERT_FALSE(netaddr_ports_contain(r, n, 19550));
	CU_ASSERT_FALSE(netaddr_ports_contain(r, n, 80));
}

static void
test_ports_append(void)
{
	struct portrange r[8];
	struct werr err;
	size_t n = 0;

	CU_ASSERT_EQUAL(netaddr_parse_ports("443", r, WD_NELEM(r), &n, &err),
	    0);
	CU_ASSERT_EQUAL(netaddr_parse_ports("1-65535", r, WD_NELEM(r), &n,
	    &err), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(r[1].lo, 1);
	CU_ASSERT_EQUAL(r[1].hi, 65535);
}

static void
test_ports_out_of_range(void)
{
	CU_ASSERT_STRING_EQUAL(ports_err("0"),
	    "'0' is out of range: ports go from 1 to 65535");
	CU_ASSERT_STRING_EQUAL(ports_err("443,65536"),
	    "'65536' is out of range: ports go from 1 to 65535");
	CU_ASSERT_STRING_EQUAL(ports_err("99999999999999999999"),
	    "'99999999999999999999' is out of range: ports go from 1 to 65535");
	CU_ASSERT_STRING_EQUAL(ports_err("0-80"),
	    "'0-80' is out of range: ports go from 1 to 65535");
}

static void
test_ports_backwards(void)
{
	CU_ASSERT_STRING_EQUAL(ports_err("9000-8000"),
	    "'9000-8000': the range is backwards (write 8000-9000)");
}

static void
test_ports_empty(void)
{
	CU_ASSERT_STRING_EQUAL(ports_err(""), "empty port list");
	CU_ASSERT_STRING_EQUAL(ports_err("  "), "empty port list");
	CU_ASSERT_STRING_EQUAL(ports_err("443,,8443"),
	    "empty element in port list '443,,8443'");
	CU_ASSERT_STRING_EQUAL(ports_err("443,"),
	    "empty element in port list '443,'");
	CU_ASSERT_STRING_EQUAL(ports_err(",443"),
	    "empty element in port list ',443'");
}

static void
test_ports_junk(void)
{
	CU_ASSERT_STRING_EQUAL(ports_err("https"),
	    "'https' is not a port number");
	CU_ASSERT_STRING_EQUAL(ports_err("+443"),
	    "'+443' is not a port number");
	CU_ASSERT_STRING_EQUAL(ports_err("80-"),
	    "'80-' is not a port or a range of ports (as 8000-8099)");
	CU_ASSERT_STRING_EQUAL(ports_err("80-90-100"),
	    "'80-90-100' is not a port or a range of ports (as 8000-8099)");
	CU_ASSERT_STRING_EQUAL(ports_err("443 8443"),
	    "'443 8443': separate ports with commas (443,8443)");
}

static void
test_ports_too_many(void)
{
	CU_ASSERT_STRING_EQUAL(ports_err("1,2,3,4,5"),
	    "too many port ranges (at most 4)");
}

static void
test_listen_v4(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in sin;
	socklen_t len;
	struct werr err;
	char buf[64];

	CU_ASSERT_EQUAL(netaddr_parse_listen("127.0.0.1:3128", &ss, &len,
	    &err), 0);
	CU_ASSERT_EQUAL(len, sizeof(struct sockaddr_in));
	memcpy(&sin, &ss, sizeof(sin));
	CU_ASSERT_EQUAL(sin.sin_family, AF_INET);
	CU_ASSERT_EQUAL(ntohs(sin.sin_port), 3128);
	CU_ASSERT_STRING_EQUAL(netaddr_format((struct sockaddr *)&ss, buf,
	    sizeof(buf)), "127.0.0.1:3128");
}

static void
test_listen_v6(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct werr err;
	char buf[64];

	CU_ASSERT_EQUAL(netaddr_parse_listen("[::1]:3128", &ss, &len, &err),
	    0);
	CU_ASSERT_EQUAL(len, sizeof(struct sockaddr_in6));
	CU_ASSERT_EQUAL(ss.ss_family, AF_INET6);
	CU_ASSERT_STRING_EQUAL(netaddr_format((struct sockaddr *)&ss, buf,
	    sizeof(buf)), "[::1]:3128");
}

static void
test_listen_wildcards(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct werr err;
	char buf[64];

	CU_ASSERT_EQUAL(netaddr_parse_listen("0.0.0.0:3128", &ss, &len, &err),
	    0);
	CU_ASSERT_STRING_EQUAL(netaddr_format((struct sockaddr *)&ss, buf,
	    sizeof(buf)), "0.0.0.0:3128");
	CU_ASSERT_EQUAL(netaddr_parse_listen("[::]:65535", &ss, &len, &err),
	    0);
	CU_ASSERT_STRING_EQUAL(netaddr_format((struct sockaddr *)&ss, buf,
	    sizeof(buf)), "[::]:65535");
}

static void
test_listen_bare_port(void)
{
	CU_ASSERT_STRING_EQUAL(listen_err("3128"),
	    "'3128': give an address too (127.0.0.1:3128 for this machine, "
	    "0.0.0.0:3128 for all)");
	CU_ASSERT_STRING_EQUAL(listen_err(":3128"),
	    "':3128': missing address before the port (0.0.0.0 or [::] "
	    "listen on every interface)");
}

static void
test_listen_hostname(void)
{
	CU_ASSERT_STRING_EQUAL(listen_err("localhost:3128"),
	    "'localhost:3128': 'localhost' is not an IPv4 address (names are "
	    "not resolved here)");
	CU_ASSERT_STRING_EQUAL(listen_err("[ip6-localhost]:3128"),
	    "'[ip6-localhost]:3128': 'ip6-localhost' is not an IPv6 address "
	    "(names are not resolved here)");
	CU_ASSERT_STRING_EQUAL(listen_err("localhost"),
	    "'localhost': missing ':PORT' (as 127.0.0.1:3128)");
}

static void
test_listen_bad_port(void)
{
	CU_ASSERT_STRING_EQUAL(listen_err("127.0.0.1:0"),
	    "'127.0.0.1:0': the port must be a number from 1 to 65535");
	CU_ASSERT_STRING_EQUAL(listen_err("127.0.0.1:65536"),
	    "'127.0.0.1:65536': the port must be a number from 1 to 65535");
	CU_ASSERT_STRING_EQUAL(listen_err("127.0.0.1:"),
	    "'127.0.0.1:': the port must be a number from 1 to 65535");
	CU_ASSERT_STRING_EQUAL(listen_err("127.0.0.1:http"),
	    "'127.0.0.1:http': the port must be a number from 1 to 65535");
}

static void
test_listen_v6_brackets(void)
{
	CU_ASSERT_STRING_EQUAL(listen_err("::1:3128"),
	    "'::1:3128': put an IPv6 address in brackets (as [::1]:3128)");
	CU_ASSERT_STRING_EQUAL(listen_err("[::1:3128"),
	    "'[::1:3128': missing ']' after the IPv6 address");
	CU_ASSERT_STRING_EQUAL(listen_err("[::1]"),
	    "'[::1]': missing ':PORT' after ']' (as [::1]:3128)");
	CU_ASSERT_STRING_EQUAL(listen_err(""), "empty listen address");
}

static void
test_format_host_unmaps(void)
{
	struct sockaddr_storage ss;
	char buf[64];

	CU_ASSERT_STRING_EQUAL(netaddr_format_host(sa_of("::ffff:10.1.2.3",
	    &ss), buf, sizeof(buf)), "10.1.2.3");
	CU_ASSERT_STRING_EQUAL(netaddr_format(sa_of("::ffff:10.1.2.3", &ss),
	    buf, sizeof(buf)), "[::ffff:10.1.2.3]:1234");
	CU_ASSERT_STRING_EQUAL(netaddr_format_host(sa_of("2001:db8::1", &ss),
	    buf, sizeof(buf)), "2001:db8::1");
	CU_ASSERT_STRING_EQUAL(netaddr_format_host(sa_of("192.0.2.1", &ss),
	    buf, sizeof(buf)), "192.0.2.1");
}

static void
test_format_truncates(void)
{
	struct sockaddr_storage ss;
	char buf[8];

	CU_ASSERT_STRING_EQUAL(netaddr_format(sa_of("192.0.2.1", &ss), buf,
	    sizeof(buf)), "192.0.2");
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	CU_ASSERT_STRING_EQUAL(netaddr_format((struct sockaddr *)&ss, buf,
	    sizeof(buf)), "(addres");
}

static CU_TestInfo cu_tests[] = {
	{ "cidr: IPv4 kept v4-mapped", test_cidr_v4_is_mapped },
	{ "cidr: bare address is a host", test_cidr_bare_address_is_host },
	{ "cidr: IPv6 and /0", test_cidr_v6 },
	{ "cidr: IPv4 host bits named", test_cidr_host_bits_v4 },
	{ "cidr: IPv6 host bits named", test_cidr_host_bits_v6 },
	{ "cidr: bad prefix", test_cidr_bad_prefix },
	{ "cidr: not an address", test_cidr_not_an_address },
	{ "match: IPv4", test_cidr_match_v4 },
	{ "match: v4-mapped client", test_cidr_match_v4_mapped_client },
	{ "match: IPv6", test_cidr_match_v6 },
	{ "match: other family never", test_cidr_match_other_family },
	{ "ports: list and ranges", test_ports_list_and_ranges },
	{ "ports: append", test_ports_append },
	{ "ports: out of range", test_ports_out_of_range },
	{ "ports: backwards range", test_ports_backwards },
	{ "ports: empty elements", test_ports_empty },
	{ "ports: junk", test_ports_junk },
	{ "ports: too many", test_ports_too_many },
	{ "listen: IPv4", test_listen_v4 },
	{ "listen: IPv6", test_listen_v6 },
	{ "listen: wildcards", test_listen_wildcards },
	{ "listen: bare port refused", test_listen_bare_port },
	{ "listen: hostname refused", test_listen_hostname },
	{ "listen: bad port", test_listen_bad_port },
	{ "listen: IPv6 needs brackets", test_listen_v6_brackets },
	{ "format: host unmaps v4-mapped", test_format_host_unmaps },
	{ "format: truncates", test_format_truncates },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"netaddr"
#include "cu_main.h"
