#ifndef WARDEN_NETADDR_H
#define WARDEN_NETADDR_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "werr.h"

/*
 * Addresses, networks and port lists as written in the configuration.
 * Pure functions; any thread may call them.
 */

/* A network: IPv4 is kept as an IPv4-mapped IPv6 address, prefix adjusted. */
struct cidr {
	uint8_t	addr[16];
	uint8_t	prefix;		/* 0..128, on the mapped form */
};

/*
 * "10.0.0.0/8", "192.168.1.7", "::1", "fd00::/8". A bare address is a host
 * (/32 or /128). Host bits set below the prefix are an error (say what the
 * network would be). 0 or -1 with err set.
 */
int	netaddr_parse_cidr(const char *s, struct cidr *out, struct werr *err)
	    WD_NONNULL(1, 2) WD_WUR;
/* Whether sa (AF_INET or AF_INET6, v4-mapped or not) lies in c. */
bool	netaddr_cidr_match(const struct cidr *c, const struct sockaddr *sa)
	    WD_NONNULL(1, 2);

struct portrange {
	uint16_t	lo, hi;		/* inclusive, 1..65535 */
};

/*
 * "443", "443,8443,19540-19549" (spaces after commas allowed). Appends to
 * out[*n], at most max entries in all. 0 or -1 with err set.
 */
int	netaddr_parse_ports(const char *s, struct portrange *out, size_t max,
	    size_t *n, struct werr *err) WD_NONNULL(1, 2, 4) WD_WUR;
bool	netaddr_ports_contain(const struct portrange *r, size_t n,
	    uint16_t port);

/*
 * A listen address: "127.0.0.1:3128", "[::1]:3128", "0.0.0.0:3128",
 * "[::]:3128". The address is mandatory (no silent wildcard); port 1..65535.
 */
int	netaddr_parse_listen(const char *s, struct sockaddr_storage *ss,
	    socklen_t *len, struct werr *err) WD_NONNULL(1, 2, 3) WD_WUR;

/* "1.2.3.4:80" or "[::1]:80" into buf; returns buf (truncated if small). */
char	*netaddr_format(const struct sockaddr *sa, char *buf, size_t len)
	    WD_NONNULL(1, 2);
/* The address alone, without port, IPv4-mapped shown as IPv4. */
char	*netaddr_format_host(const struct sockaddr *sa, char *buf, size_t len)
	    WD_NONNULL(1, 2);

#endif
