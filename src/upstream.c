#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "netaddr.h"
#include "dns.h"
#include "tls.h"
#include "worker.h"
#include "upstream.h"

/* Idle connections are at most upstream_pool_max (1024 by default). */
#define UPOOL_BUCKETS	4096

/*
 * Names in origin certificates as browsers read them: the subjectAltName
 * only (never the CN), no partial wildcards ("w*.example.com").
 */
#define UPSTREAM_HOST_FLAGS	(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | \
	X509_CHECK_FLAG_NEVER_CHECK_SUBJECT)

/* Bytes per read(2) and write(2) on an origin connection. */
#define UPSTREAM_MAX_IO	(256 * 1024)

struct upool {
	struct upconn	*bucket[UPOOL_BUCKETS];
	unsigned	 count;
};

struct upconnect {
	struct worker		*w;
	upstream_cb		 cb;
	void			*arg;
	char			 host[URL_HOST_MAX];
	uint16_t		 port;
	struct dns_req		*dns;
	struct bufferevent	*bev;		/* attempt in progress */
	struct event		*timer;		/* connect_timeout; also defers */
	struct sockaddr_storage	 addrs[DNS_MAX_ADDRS];
	size_t			 naddrs, next;
	enum upstream_err	 err;		/* to deliver from the timer */
	char			 detail[160];
	bool			 done;
};

const char *
upstream_err_str(enum upstream_err e)
{
	switch (e) {
	case UPSTREAM_OK:
		return "ok";
	case UPSTREAM_DNS:
		return "dns-failed";
	case UPSTREAM_CONNECT:
		return "connect-failed";
	case UPSTREAM_TIMEOUT:
		return "timeout";
	case UPSTREAM_LOOP:
		return "loop";
	case UPSTREAM_TLS:
		return "tls-failed";
	case UPSTREAM_INTERNAL:
		return "internal";
	}
	return "unknown";
}

static void
uc_free(struct upconn *uc)
{
	if (uc->bev != NULL)
		bufferevent_free(uc->bev);
	free(uc);
}

static void
ucn_free(struct upconnect *c)
{
	if (c->dns != NULL)
		dns_cancel(c->dns);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	if (c->timer != NULL)
		event_free(c->timer);
	free(c);
}

void
upstream_connect_cancel(struct upconnect *c)
{
	if (c != NULL)
		ucn_free(c);
}

/* Hands the result to the owner and frees the attempt. */
static void
ucn_finish(struct upconnect *c, struct upconn *uc, enum upstream_err err,
    const char *detail)
{
	upstream_cb cb = c->cb;
	void *arg = c->arg;
	char why[sizeof(c->detail)];

	/* detail may point into c. */
	snprintf(why, sizeof(why), "%s", detail != NULL ? detail : "");
	ucn_free(c);
	cb(uc, err, why, arg);
}

/* Fails later, from the loop, so the owner never sees a nested callback. */
static void
ucn_fail_later(struct upconnect *c, enum upstream_err err, const char *detail)
{
	struct timeval tv = { 0, 0 };

	c->err = err;
	if (detail != c->detail)
		snprintf(c->detail, sizeof(c->detail), "%s", detail);
	c->done = true;
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	evtimer_add(c->timer, &tv);
}

static void ucn_try_next(struct upconnect *c);

static void
ucn_event(struct bufferevent *bev, short what, void *arg)
{
	struct upconnect *c = arg;
	struct upconn *uc;
	int one = 1;

	if (what & BEV_EVENT_CONNECTED) {
		if ((uc = calloc(1, sizeof(*uc))) == NULL) {
			ucn_fail_later(c, UPSTREAM_INTERNAL,
			    "out of memory");
			return;
		}
		uc->bev = bev;
		c->bev = NULL;
		uc->w = c->w;
		uc->peer_ss = c->addrs[c->next - 1];
		netaddr_format_host((struct sockaddr *)&uc->peer_ss, uc->peer,
		    sizeof(uc->peer));
		snprintf(uc->key, sizeof(uc->key), "%s:%u", c->host,
		    (unsigned)c->port);
		uc->port = c->port;
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
		    &one, sizeof(one));
		/* Large bodies in few writes (libevent's default: 16 KiB);
		   reads: sockio_read_more(). */
		bufferevent_set_max_single_write(bev, UPSTREAM_MAX_IO);
		bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
		ucn_finish(c, uc, UPSTREAM_OK, NULL);
		return;
	}
	/* Refused or unreachable: the next address, if any. */
	snprintf(c->detail, sizeof(c->detail), "%s",
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	bufferevent_free(bev);
	c->bev = NULL;
	ucn_try_next(c);
}

static void
ucn_try_next(struct upconnect *c)
{
	struct sockaddr_storage *ss;
	char addr[64];

	while (c->next < c->naddrs) {
		ss = &c->addrs[c->next++];
		if (worker_is_own_address(c->w, (struct sockaddr *)ss)) {
			netaddr_format((struct sockaddr *)ss, addr,
			    sizeof(addr));
			snprintf(c->detail, sizeof(c->detail),
			    "%s is this proxy itself", addr);
			ucn_fail_later(c, UPSTREAM_LOOP, c->detail);
			return;
		}
		c->bev = bufferevent_socket_new(c->w->base, -1,
		    BEV_OPT_CLOSE_ON_FREE);
		if (c->bev == NULL) {
			ucn_fail_later(c, UPSTREAM_INTERNAL,
			    "out of memory");
			return;
		}
		bufferevent_setcb(c->bev, NULL, NULL, ucn_event, c);
		if (bufferevent_socket_connect(c->bev, (struct sockaddr *)ss,
		    ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
		    sizeof(struct sockaddr_in)) == 0)
			return;
		/* Failed at once (e.g. no route): the event already freed? */
		snprintf(c->detail, sizeof(c->detail), "%s", strerror(errno));
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	ucn_fail_later(c, UPSTREAM_CONNECT, c->detail[0] != '\0' ?
	    c->detail : "no address to connect to");
}

static void
ucn_arm(struct upconnect *c)
{
	struct timeval tv = { c->w->rc->cfg.connect_timeout, 0 };

	evtimer_add(c->timer, &tv);
}

static void
ucn_dns_done(int err, const char *why, const struct sockaddr_storage *addrs,
    size_t n, void *arg)
{
	struct upconnect *c = arg;

	c->dns = NULL;
	if (err != 0) {
		ucn_fail_later(c, UPSTREAM_DNS, why);
		return;
	}
	memcpy(c->addrs, addrs, n * sizeof(addrs[0]));
	c->naddrs = n;
	c->next = 0;
	c->detail[0] = '\0';
	ucn_arm(c);
	ucn_try_next(c);
}

static void
ucn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct upconnect *c = arg;

	(void)fd;
	(void)what;
	if (c->done) {
		ucn_finish(c, NULL, c->err, c->detail);
		return;
	}
	if (c->dns != NULL)
		ucn_finish(c, NULL, UPSTREAM_DNS, "name lookup timed out");
	else
		ucn_finish(c, NULL, UPSTREAM_TIMEOUT, "connection timed out");
}

struct upconnect *
upstream_connect(struct worker *w, const char *host, uint16_t port,
    upstream_cb cb, void *arg)
{
	struct timeval tv;
	struct upconnect *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->w = w;
	c->cb = cb;
	c->arg = arg;
	c->port = port;
	snprintf(c->host, sizeof(c->host), "%s", host);
	if ((c->timer = evtimer_new(w->base, ucn_timer, c)) == NULL) {
		free(c);
		return NULL;
	}
	/* dns_timeout bounds the lookup; connect_timeout starts after it. */
	tv.tv_sec = w->rc->cfg.dns_timeout + 2;
	tv.tv_usec = 0;
	evtimer_add(c->timer, &tv);
	c->dns = dns_resolve(w->dns, c->host, port, ucn_dns_done, c);
	return c;
}

/* ---- TLS to origins --------------------------------------------- */

struct uptls {
	struct upconn	*uc;
	upstream_cb	 cb;
	void		*arg;
	bool		 verify;
	bool		 ip;
	char		 host[URL_HOST_MAX];
};

void
upstream_tls_cancel(struct uptls *t)
{
	if (t == NULL)
		return;
	uc_free(t->uc);
	free(t);
}

static void
uptls_finish(struct uptls *t, enum upstream_err err, const char *detail)
{
	upstream_cb cb = t->cb;
	void *arg = t->arg;
	struct upconn *uc = t->uc;

	free(t);
	if (err != UPSTREAM_OK) {
		uc_free(uc);
		uc = NULL;
	} else {
		bufferevent_setcb(uc->bev, NULL, NULL, NULL, NULL);
		bufferevent_set_timeouts(uc->bev, NULL, NULL);
	}
	cb(uc, err, detail, arg);
}

static void
uptls_event(struct bufferevent *bev, short what, void *arg)
{
	struct uptls *t = arg;
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	X509 *peer;
	unsigned long e;
	long v;
	char why[200];

	if (what & BEV_EVENT_CONNECTED) {
		/* The handshake ran without checking: judge it now. */
		if ((peer = SSL_get1_peer_certificate(ssl)) == NULL) {
			uptls_finish(t, UPSTREAM_TLS, "no certificate");
			return;
		}
		if (t->verify &&
		    (v = SSL_get_verify_result(ssl)) != X509_V_OK) {
			X509_free(peer);
			uptls_finish(t, UPSTREAM_TLS,
			    X509_verify_cert_error_string(v));
			return;
		}
		/*
		 * The name again, on every connection: a resumed session
		 * carries the result of an earlier handshake.
		 */
		if (t->verify && (t->ip ? X509_check_ip_asc(peer, t->host,
		    0) : X509_check_host(peer, t->host, 0,
		    UPSTREAM_HOST_FLAGS, NULL)) != 1) {
			X509_free(peer);
			uptls_finish(t, UPSTREAM_TLS, "hostname mismatch");
			return;
		}
		X509_free(peer);
		uptls_finish(t, UPSTREAM_OK, "");
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		uptls_finish(t, UPSTREAM_TIMEOUT, "TLS handshake timed out");
		return;
	}
	if ((e = bufferevent_get_openssl_error(bev)) != 0) {
		ERR_error_string_n(e, why, sizeof(why));
		uptls_finish(t, UPSTREAM_TLS, why);
		return;
	}
	uptls_finish(t, UPSTREAM_TLS, "the connection closed during the "
	    "TLS handshake");
}

struct uptls *
upstream_tls(struct upconn *uc, SSL_CTX *ctx, const char *host, bool verify,
    upstream_cb cb, void *arg)
{
	const struct config *cfg = &uc->w->rc->cfg;
	struct timeval tv = { cfg->connect_timeout, 0 };
	struct bufferevent *bev;
	X509_VERIFY_PARAM *vp;
	unsigned char a[sizeof(struct in6_addr)];
	struct uptls *t;
	SSL *ssl = NULL;
	bool ip;

	if ((t = calloc(1, sizeof(*t))) == NULL || ctx == NULL ||
	    (ssl = SSL_new(ctx)) == NULL)
		goto fail;
	t->uc = uc;
	t->cb = cb;
	t->arg = arg;
	t->verify = verify;
	ip = inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
	t->ip = ip;
	if (strlen(host) >= sizeof(t->host))
		goto fail;
	snprintf(t->host, sizeof(t->host), "%s", host);
	/* The key: what was verified, not where the CONNECT pointed. */
	if ((size_t)snprintf(uc->key, sizeof(uc->key), "%s:%s:%u",
	    verify ? "tls" : "tlsnv", host, (unsigned)uc->port) >=
	    sizeof(uc->key))
		goto fail;
	uc->tls = true;
	SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
	vp = SSL_get0_param(ssl);
	X509_VERIFY_PARAM_set_hostflags(vp, UPSTREAM_HOST_FLAGS);
	/* RFC 6066 section 3: no address in SNI; RFC 6125: the name. */
	if ((ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) :
	    X509_VERIFY_PARAM_set1_host(vp, host, 0)) != 1 ||
	    (!ip && SSL_set_tlsext_host_name(ssl, host) != 1))
		goto fail;
	bev = bufferevent_openssl_filter_new(uc->w->base, uc->bev, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		/* Whether libevent freed ssl is not said: leak, not twice. */
		ssl = NULL;
		goto fail;
	}
	uc->bev = bev;
	/* Unverified connections neither offer nor leave a session. */
	if (verify && uc->w->tls_sessions != NULL)
		tls_sessions_use(uc->w->tls_sessions, ssl, uc->key);
	ssl = NULL;		/* the bufferevent's now */
	bufferevent_setcb(bev, NULL, NULL, uptls_event, t);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	return t;
fail:
	SSL_free(ssl);
	free(t);
	uc_free(uc);
	return NULL;
}

/* ---- the pool ---------------------------------------------------- */

struct upool *
upool_new(void)
{
	return calloc(1, sizeof(struct upool));
}

void
upool_free(struct upool *p)
{
	struct upconn *uc, *next;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < UPOOL_BUCKETS; i++)
		for (uc = p->bucket[i]; uc != NULL; uc = next) {
			next = uc->next;
			uc_free(uc);
		}
	free(p);
}

static unsigned
upool_hash(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % UPOOL_BUCKETS;
}

static void
upool_unlink(struct upool *p, struct upconn *uc)
{
	unsigned b = upool_hash(uc->key);

	if (uc->prev != NULL)
		uc->prev->next = uc->next;
	else
		p->bucket[b] = uc->next;
	if (uc->next != NULL)
		uc->next->prev = uc->prev;
	uc->next = uc->prev = NULL;
	p->count--;
}

/* An idle connection spoke or closed: it is no longer usable. */
static void
upool_read(struct bufferevent *bev, void *arg)
{
	struct upconn *uc = arg;

	(void)bev;
	upool_unlink(uc->w->pool, uc);
	uc_free(uc);
}

static void
upool_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	upool_read(bev, arg);
}

/*
 * Whether an idle connection is still clean: no byte and no close waiting
 * in the socket (RFC 9112 section 6.3: data after a response must never
 * pass for the next one). libevent's buffer is checked by the caller;
 * this looks past it, into the kernel.
 */
static bool
upool_quiet(struct upconn *uc)
{
	char c;
	ssize_t n;

	n = recv(bufferevent_getfd(uc->bev), &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void
upool_drop_tls(struct upool *p)
{
	struct upconn *uc, *next;
	size_t b;

	for (b = 0; b < UPOOL_BUCKETS; b++)
		for (uc = p->bucket[b]; uc != NULL; uc = next) {
			next = uc->next;
			if (!uc->tls)
				continue;
			upool_unlink(p, uc);
			uc_free(uc);
		}
}

struct upconn *
upstream_pool_get(struct worker *w, const char *key)
{
	struct upool *p = w->pool;
	struct upconn *uc;

	struct upconn *next;

	for (uc = p->bucket[upool_hash(key)]; uc != NULL; uc = next) {
		next = uc->next;
		if (strcmp(uc->key, key) != 0)
			continue;
		upool_unlink(p, uc);
		if (evbuffer_get_length(bufferevent_get_input(uc->bev)) != 0 ||
		    !upool_quiet(uc)) {
			uc_free(uc);
			continue;
		}
		bufferevent_setcb(uc->bev, NULL, NULL, NULL, NULL);
		bufferevent_disable(uc->bev, EV_READ);
		bufferevent_set_timeouts(uc->bev, NULL, NULL);
		return uc;
	}
	return NULL;
}

static unsigned
upool_count_key(struct upool *p, const char *key)
{
	struct upconn *uc;
	unsigned n = 0;

	for (uc = p->bucket[upool_hash(key)]; uc != NULL; uc = uc->next)
		if (strcmp(uc->key, key) == 0)
			n++;
	return n;
}

void
upstream_release(struct upconn *uc, bool reusable)
{
	const struct config *cfg = &uc->w->rc->cfg;
	struct upool *p = uc->w->pool;
	struct timeval tv;
	unsigned b;

	if (!reusable || uc->w->draining ||
	    evbuffer_get_length(bufferevent_get_input(uc->bev)) != 0 ||
	    evbuffer_get_length(bufferevent_get_output(uc->bev)) != 0 ||
	    !upool_quiet(uc) ||
	    p->count >= cfg->upstream_pool_max ||
	    upool_count_key(p, uc->key) >= cfg->upstream_pool_per_host) {
		uc_free(uc);
		return;
	}
	b = upool_hash(uc->key);
	uc->prev = NULL;
	uc->next = p->bucket[b];
	if (uc->next != NULL)
		uc->next->prev = uc;
	p->bucket[b] = uc;
	p->count++;
	tv.tv_sec = cfg->upstream_idle_timeout;
	tv.tv_usec = 0;
	bufferevent_set_timeouts(uc->bev, &tv, NULL);
	bufferevent_setcb(uc->bev, upool_read, NULL, upool_event, uc);
	bufferevent_enable(uc->bev, EV_READ);
}
