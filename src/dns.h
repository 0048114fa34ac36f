#ifndef WARDEN_DNS_H
#define WARDEN_DNS_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "config.h"

/*
 * Asynchronous name resolution for one worker (evdns), with a small cache
 * of answers and of failures. Never blocks. Worker thread only.
 */

#define DNS_MAX_ADDRS	8

struct dns;
struct dns_req;

/*
 * err is 0 with n >= 1 addresses (port filled in), or non-zero with a
 * message in why ("no such host", "timed out", ...).
 */
typedef void	(*dns_cb)(int err, const char *why,
		    const struct sockaddr_storage *addrs, size_t n, void *arg);

struct dns	*dns_new(struct event_base *base, const struct config *cfg);
void		 dns_configure(struct dns *d, const struct config *cfg);
void		 dns_free(struct dns *d);

/*
 * Resolves host (a name or an address literal). The callback may run
 * before dns_resolve() returns (cache hit, literal): then NULL is
 * returned. Otherwise the request is returned; dns_cancel() it if the
 * caller goes away first (the callback then never runs).
 */
struct dns_req	*dns_resolve(struct dns *d, const char *host, uint16_t port,
		    dns_cb cb, void *arg);
void		 dns_cancel(struct dns_req *r);

#endif
