#ifndef WARDEN_UPSTREAM_H
#define WARDEN_UPSTREAM_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <event2/bufferevent.h>

#include "url.h"

/*
 * Connections to origins: resolve, connect (trying each address in turn),
 * and a per-worker pool of idle keep-alive connections per origin.
 * Worker thread only.
 */

struct worker;

struct upconn {
	struct bufferevent	*bev;
	struct worker		*w;
	char			 key[URL_HOST_MAX + 16];	/* "host:port",
							   "tls:host:port" */
	uint16_t		 port;
	bool			 tls;		/* upstream_tls() made it */
	char			 peer[INET6_ADDRSTRLEN];
	struct sockaddr_storage	 peer_ss;
	unsigned		 nreq;		/* requests sent on it */
	struct upconn		*next, *prev;	/* pool links */
};

enum upstream_err {
	UPSTREAM_OK = 0,
	UPSTREAM_DNS,		/* name did not resolve */
	UPSTREAM_CONNECT,	/* every address refused or unreachable */
	UPSTREAM_TIMEOUT,	/* connect_timeout passed */
	UPSTREAM_LOOP,		/* the address is wardend itself */
	UPSTREAM_TLS,		/* handshake failed, or the certificate is
				   not valid for the name */
	UPSTREAM_INTERNAL,
};
const char	*upstream_err_str(enum upstream_err);

/* err UPSTREAM_OK with uc set, or an error with detail in words. */
typedef void	(*upstream_cb)(struct upconn *uc, enum upstream_err err,
		    const char *detail, void *arg);

struct upconnect;

/*
 * Opens a new connection to host:port. The callback always runs later
 * from the event loop, never before this returns (unless NULL is returned:
 * out of memory). upstream_connect_cancel() stops it; the callback then
 * never runs.
 */
struct upconnect	*upstream_connect(struct worker *w, const char *host,
			    uint16_t port, upstream_cb cb, void *arg);
void			 upstream_connect_cancel(struct upconnect *c);

struct uptls;
struct ssl_ctx_st;

/*
 * Makes uc (just connected, owned by the caller until now) a TLS
 * connection to host with ctx: SNI and the certificate's name are host,
 * the certificate must verify against ctx's trust store (unless verify
 * is false: an origin the administrator exempted). The callback
 * runs later from the loop with uc (now the TLS bufferevent, its pool
 * key "tls:host:port" for the name verified, "tlsnv:host:port" when not
 * verified) and UPSTREAM_OK, or with NULL (uc freed) and
 * UPSTREAM_TLS or UPSTREAM_TIMEOUT and the reason in words ("certificate
 * has expired", "hostname mismatch"). NULL when out of memory (uc freed).
 */
struct uptls	*upstream_tls(struct upconn *uc, struct ssl_ctx_st *ctx,
		    const char *host, bool verify, upstream_cb cb, void *arg);
void		 upstream_tls_cancel(struct uptls *t);

/* An idle pooled connection to key ("host:port"), or NULL. */
struct upconn	*upstream_pool_get(struct worker *w, const char *key);
/* Gives uc back: pooled if reusable and there is room, else closed. */
void		 upstream_release(struct upconn *uc, bool reusable);

struct upool	*upool_new(void);
/* Closes the idle TLS connections (a reload changed what is trusted). */
void		 upool_drop_tls(struct upool *p);
void		 upool_free(struct upool *p);

#endif
