#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"

/* Quote at most this much of what the administrator wrote. */
#define NETADDR_QUOTE	"%.80s"

/* Keep the first prefix bits of a 16-byte address, clear the rest. */
static void
netaddr_mask(uint8_t a[16], unsigned prefix)
{
	size_t i;

	for (i = 0; i < 16; i++) {
		if (prefix >= 8) {
			prefix -= 8;
			continue;
		}
		a[i] &= (uint8_t)(0xff << (8 - prefix));
		prefix = 0;
	}
}

static void
netaddr_map_v4(uint8_t out[16], const void *in4)
{
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, in4, 4);
}

/*
 * The len bytes at s as a decimal number and nothing else; large values
 * stick at NETADDR_NUM_CAP, which is out of every range here. 0, or -1
 * when there are no digits or anything but digits.
 */
#define NETADDR_NUM_CAP	1000000u

static int
netaddr_parse_num(const char *s, size_t len, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v < NETADDR_NUM_CAP)
			v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int
netaddr_parse_cidr(const char *s, struct cidr *out, struct werr *err)
{
	char host[INET6_ADDRSTRLEN];
	uint8_t in4[4], net[16];
	const char *slash;
	size_t hlen;
	unsigned max, bias, prefix;
	struct cidr c;

	if (*s == '\0')
		return werr_set(err, "empty network");
	slash = strchr(s, '/');
	hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (hlen == 0)
		return werr_set(err, "'" NETADDR_QUOTE "': no address before "
		    "'/'", s);
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';

	memset(&c, 0, sizeof(c));
	if (inet_pton(AF_INET, host, in4) == 1) {
		netaddr_map_v4(c.addr, in4);
		max = 32;
		bias = 96;
	} else if (inet_pton(AF_INET6, host, c.addr) == 1) {
		max = 128;
		bias = 0;
	} else
		goto bad;

	prefix = max;
	if (slash != NULL && (netaddr_parse_num(slash + 1, strlen(slash + 1),
	    &prefix) == -1 || prefix > max))
		return werr_set(err, "'" NETADDR_QUOTE "': the prefix length "
		    "must be a number from 0 to %u", s, max);
	c.prefix = (uint8_t)(prefix + bias);

	memcpy(net, c.addr, sizeof(net));
	netaddr_mask(net, c.prefix);
	if (memcmp(net, c.addr, sizeof(net)) != 0) {
		if (bias != 0)
			inet_ntop(AF_INET, net + 12, host, sizeof(host));
		else
			inet_ntop(AF_INET6, net, host, sizeof(host));
		return werr_set(err, NETADDR_QUOTE ": host bits set (did you "
		    "mean %s/%u?)", s, host, prefix);
	}
	*out = c;
	return 0;
bad:
	return werr_set(err, "'" NETADDR_QUOTE "' is not an IP address or "
	    "network (as 10.0.0.0/8 or fd00::/8; names are not accepted)", s);
}

bool
netaddr_cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint8_t a[16];

	switch (sa->sa_family) {
	case AF_INET:
		memcpy(&sin, sa, sizeof(sin));
		netaddr_map_v4(a, &sin.sin_addr);
		break;
	case AF_INET6:
		/* A v4-mapped client is already in the form c is kept in. */
		memcpy(&sin6, sa, sizeof(sin6));
		memcpy(a, &sin6.sin6_addr, sizeof(a));
		break;
	default:
		return false;
	}
	netaddr_mask(a, c->prefix);
	return memcmp(a, c->addr, sizeof(a)) == 0;
}

/* One element: "443" or "19540-19549". */
static int
netaddr_parse_range(const char *s, size_t len, struct portrange *r,
    struct werr *err)
{
	const char *dash;
	unsigned lo, hi;
	int qlen;

	qlen = len > 80 ? 80 : (int)len;
	dash = memchr(s, '-', len);
	if (dash == NULL) {
		if (netaddr_parse_num(s, len, &lo) == -1)
			return werr_set(err, "'%.*s' is not a port number",
			    qlen, s);
		hi = lo;
	} else if (netaddr_parse_num(s, (size_t)(dash - s), &lo) == -1 ||
	    netaddr_parse_num(dash + 1, len - (size_t)(dash - s) - 1,
	    &hi) == -1)
		return werr_set(err, "'%.*s' is not a port or a range of "
		    "ports (as 8000-8099)", qlen, s);
	if (lo == 0 || lo > 65535 || hi == 0 || hi > 65535)
		return werr_set(err, "'%.*s' is out of range: ports go from 1 "
		    "to 65535", qlen, s);
	if (lo > hi)
		return werr_set(err, "'%.*s': the range is backwards (write "
		    "%u-%u)", qlen, s, hi, lo);
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
}

int
netaddr_parse_ports(const char *s, struct portrange *out, size_t max,
    size_t *n, struct werr *err)
{
	const char *p, *tok;
	size_t count, toklen;
	struct portrange r;

	if (s[strspn(s, " \t")] == '\0')
		return werr_set(err, "empty port list");
	count = *n;
	p = s;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		tok = p;
		while (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		toklen = (size_t)(p - tok);
		while (*p == ' ' || *p == '\t')
			p++;
		if (toklen == 0)
			return werr_set(err, "empty element in port list '"
			    NETADDR_QUOTE "'", s);
		if (*p != '\0' && *p != ',')
			return werr_set(err, "'" NETADDR_QUOTE "': separate "
			    "ports with commas (443,8443)", s);
		if (netaddr_parse_range(tok, toklen, &r, err) == -1)
			return -1;
		if (count >= max)
			return werr_set(err, "too many port ranges (at most "
			    "%zu)", max);
		out[count++] = r;
		if (*p == '\0')
			break;
		p++;
	}
	*n = count;
	return 0;
}

bool
netaddr_ports_contain(const struct portrange *r, size_t n, uint16_t port)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return true;
	return false;
}

int
netaddr_parse_listen(const char *s, struct sockaddr_storage *ss,
    socklen_t *len, struct werr *err)
{
	char host[INET6_ADDRSTRLEN];
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const char *colon, *hs;
	size_t hlen;
	unsigned port;
	bool v6;

	if (*s == '\0')
		return werr_set(err, "empty listen address");
	if (*s == '[') {
		colon = strchr(s, ']');
		if (colon == NULL)
			return werr_set(err, "'" NETADDR_QUOTE "': missing "
			    "']' after the IPv6 address", s);
		hs = s + 1;
		hlen = (size_t)(colon - hs);
		colon++;
		if (*colon != ':')
			return werr_set(err, "'" NETADDR_QUOTE "': missing "
			    "':PORT' after ']' (as [::1]:3128)", s);
		v6 = true;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			if (netaddr_parse_num(s, strlen(s), &port) == 0)
				return werr_set(err, "'" NETADDR_QUOTE "': "
				    "give an address too (127.0.0.1:%s for "
				    "this machine, 0.0.0.0:%s for all)", s, s,
				    s);
			return werr_set(err, "'" NETADDR_QUOTE "': missing "
			    "':PORT' (as 127.0.0.1:3128)", s);
		}
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			return werr_set(err, "'" NETADDR_QUOTE "': put an "
			    "IPv6 address in brackets (as [::1]:3128)", s);
		hs = s;
		hlen = (size_t)(colon - s);
		v6 = false;
	}
	if (netaddr_parse_num(colon + 1, strlen(colon + 1), &port) == -1 ||
	    port == 0 || port > 65535)
		return werr_set(err, "'" NETADDR_QUOTE "': the port must be a "
		    "number from 1 to 65535", s);
	if (hlen == 0)
		return werr_set(err, "'" NETADDR_QUOTE "': missing address "
		    "before the port (0.0.0.0 or [::] listen on every "
		    "interface)", s);
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, hs, hlen);
	host[hlen] = '\0';

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		memset(&sin6, 0, sizeof(sin6));
		if (inet_pton(AF_INET6, host, &sin6.sin6_addr) != 1)
			goto bad;
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)port);
		memcpy(ss, &sin6, sizeof(sin6));
		*len = sizeof(sin6);
	} else {
		memset(&sin, 0, sizeof(sin));
		if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
			goto bad;
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		memcpy(ss, &sin, sizeof(sin));
		*len = sizeof(sin);
	}
	return 0;
bad:
	return werr_set(err, "'" NETADDR_QUOTE "': '%.*s' is not an IP%s "
	    "address (names are not resolved here)", s,
	    hlen > 80 ? 80 : (int)hlen, hs, v6 ? "v6" : "v4");
}

/* The printable address of sa and its port; -1 for other families. */
static int
netaddr_host_port(const struct sockaddr *sa, bool unmap, char *host,
    size_t hostlen, unsigned *port, bool *v6)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	switch (sa->sa_family) {
	case AF_INET:
		memcpy(&sin, sa, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, host, (socklen_t)hostlen);
		*port = ntohs(sin.sin_port);
		*v6 = false;
		return 0;
	case AF_INET6:
		memcpy(&sin6, sa, sizeof(sin6));
		*port = ntohs(sin6.sin6_port);
		if (unmap && IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
			inet_ntop(AF_INET, sin6.sin6_addr.s6_addr + 12, host,
			    (socklen_t)hostlen);
			*v6 = false;
		} else {
			inet_ntop(AF_INET6, &sin6.sin6_addr, host,
			    (socklen_t)hostlen);
			*v6 = true;
		}
		return 0;
	default:
		return -1;
	}
}

char *
netaddr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port;
	bool v6;

	if (len == 0)
		return buf;
	if (netaddr_host_port(sa, false, host, sizeof(host), &port, &v6) == -1)
		snprintf(buf, len, "(address family %d)", (int)sa->sa_family);
	else if (v6)
		snprintf(buf, len, "[%s]:%u", host, port);
	else
		snprintf(buf, len, "%s:%u", host, port);
	return buf;
}

char *
netaddr_format_host(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port;
	bool v6;

	if (len == 0)
		return buf;
	if (netaddr_host_port(sa, true, host, sizeof(host), &port, &v6) == -1)
		snprintf(buf, len, "(address family %d)", (int)sa->sa_family);
	else
		snprintf(buf, len, "%s", host);
	return buf;
}
