#include <sys/socket.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/dns.h>
#include <event2/util.h>

#include "log.h"
#include "url.h"
#include "dns.h"

#define DNS_CACHE_SLOTS	512

struct dns_entry {
	char			 host[URL_HOST_MAX];
	time_t			 expires;	/* monotonic seconds; 0: empty */
	int			 err;
	size_t			 n;
	struct sockaddr_storage	 addrs[DNS_MAX_ADDRS];
};

struct dns {
	struct evdns_base	*evdns;
	unsigned		 ttl, negative_ttl;
	struct dns_entry	 cache[DNS_CACHE_SLOTS];
};

struct dns_req {
	struct dns				*d;
	struct evdns_getaddrinfo_request	*r;
	dns_cb					 cb;
	void					*arg;
	uint16_t				 port;
	bool					 cancelled;
	char					 host[URL_HOST_MAX];
};

static time_t
dns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* FNV-1a: the cache is small and names are short. */
static struct dns_entry *
dns_slot(struct dns *d, const char *host)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;

	for (p = (const unsigned char *)host; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	return &d->cache[h % DNS_CACHE_SLOTS];
}

void
dns_configure(struct dns *d, const struct config *cfg)
{
	char buf[32];

	d->ttl = cfg->dns_cache_ttl;
	d->negative_ttl = cfg->dns_negative_ttl;
	snprintf(buf, sizeof(buf), "%u", cfg->dns_timeout);
	/* One attempt per server within dns_timeout. */
	evdns_base_set_option(d->evdns, "timeout:", buf);
	evdns_base_set_option(d->evdns, "attempts:", "1");
}

struct dns *
dns_new(struct event_base *base, const struct config *cfg)
{
	struct dns *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->evdns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (d->evdns == NULL) {
		/* No resolv.conf: literals and /etc/hosts still work. */
		d->evdns = evdns_base_new(base, 0);
		if (d->evdns == NULL) {
			free(d);
			return NULL;
		}
		evdns_base_load_hosts(d->evdns, NULL);
	}
	dns_configure(d, cfg);
	if (cfg->hosts_file[0] != '\0' &&
	    evdns_base_load_hosts(d->evdns, cfg->hosts_file) != 0)
		log_warnx("cannot read hosts file %s", cfg->hosts_file);
	return d;
}

void
dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	/* Pending requests are cancelled by their owners first. */
	evdns_base_free(d->evdns, 1);
	free(d);
}

static void
dns_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static const char *
dns_err_str(int err)
{
	switch (err) {
	case EVUTIL_EAI_NONAME:
	case EVUTIL_EAI_NODATA:
		return "no such host";
	case EVUTIL_EAI_AGAIN:
		return "name server did not answer in time";
	case EVUTIL_EAI_FAIL:
		return "name server failure";
	default:
		return evutil_gai_strerror(err);
	}
}

static void
dns_deliver(struct dns_entry *e, uint16_t port, dns_cb cb, void *arg)
{
	struct sockaddr_storage addrs[DNS_MAX_ADDRS];
	size_t i;

	if (e->err != 0) {
		cb(e->err, dns_err_str(e->err), NULL, 0, arg);
		return;
	}
	for (i = 0; i < e->n; i++) {
		addrs[i] = e->addrs[i];
		dns_set_port(&addrs[i], port);
	}
	cb(0, NULL, addrs, e->n, arg);
}

static void
dns_store(struct dns *d, const char *host, int err,
    const struct evutil_addrinfo *ai, struct dns_entry *out)
{
	struct dns_entry *e = out;
	unsigned ttl = err == 0 ? d->ttl : d->negative_ttl;

	memset(e, 0, sizeof(*e));
	snprintf(e->host, sizeof(e->host), "%s", host);
	e->err = err;
	for (; err == 0 && ai != NULL && e->n < DNS_MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (ai->ai_addrlen > sizeof(e->addrs[0]))
			continue;
		memcpy(&e->addrs[e->n++], ai->ai_addr, ai->ai_addrlen);
	}
	if (err == 0 && e->n == 0)
		e->err = EVUTIL_EAI_NODATA;
	e->expires = ttl > 0 ? dns_now() + ttl : 0;
	if (ttl > 0)
		*dns_slot(d, host) = *e;
}

static void
dns_done(int result, struct evutil_addrinfo *res, void *arg)
{
	struct dns_req *r = arg;
	struct dns_entry e;

	if (r->cancelled || result == EVUTIL_EAI_CANCEL) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		free(r);
		return;
	}
	dns_store(r->d, r->host, result, res, &e);
	if (res != NULL)
		evutil_freeaddrinfo(res);
	r->r = NULL;
	r->cancelled = true;	/* no cancel after delivery */
	dns_deliver(&e, r->port, r->cb, r->arg);
	free(r);
}

/*
 * RFC 6761 section 6.4: names under "invalid." never resolve; answer
 * without asking a name server that might be slow or absent.
 */
static bool
dns_is_invalid(const char *host)
{
	size_t len = strlen(host);

	return strcasecmp(host, "invalid") == 0 || (len > 8 &&
	    strcasecmp(host + len - 8, ".invalid") == 0);
}

/*
 * RFC 6761 section 6.3: "localhost" and every name under "localhost."
 * are the loopback, answered here and never sent to a name server.
 */
static bool
dns_is_localhost(const char *host)
{
	size_t len = strlen(host);

	return strcasecmp(host, "localhost") == 0 || (len > 10 &&
	    strcasecmp(host + len - 10, ".localhost") == 0);
}

static void
dns_loopback(uint16_t port, dns_cb cb, void *arg)
{
	struct sockaddr_storage a[2];
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a[0];
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a[1];

	memset(a, 0, sizeof(a));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	s6->sin6_addr = in6addr_loopback;
	cb(0, NULL, a, 2, arg);
}

struct dns_req *
dns_resolve(struct dns *d, const char *host, uint16_t port, dns_cb cb,
    void *arg)
{
	struct evutil_addrinfo hints;
	struct evdns_getaddrinfo_request *er;
	struct dns_entry *e;
	struct dns_req *r;

	if (dns_is_invalid(host)) {
		cb(EVUTIL_EAI_NONAME, dns_err_str(EVUTIL_EAI_NONAME), NULL, 0,
		    arg);
		return NULL;
	}
	if (dns_is_localhost(host)) {
		dns_loopback(port, cb, arg);
		return NULL;
	}
	e = dns_slot(d, host);
	if (e->expires != 0 && strcmp(e->host, host) == 0) {
		if (e->expires > dns_now()) {
			dns_deliver(e, port, cb, arg);
			return NULL;
		}
		e->expires = 0;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		cb(EVUTIL_EAI_MEMORY, "out of memory", NULL, 0, arg);
		return NULL;
	}
	r->d = d;
	r->cb = cb;
	r->arg = arg;
	r->port = port;
	snprintf(r->host, sizeof(r->host), "%s", host);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/*
	 * A NULL return means the callback already ran (literal or hosts
	 * file) and freed r.
	 */
	er = evdns_getaddrinfo(d->evdns, r->host, NULL, &hints, dns_done, r);
	if (er == NULL)
		return NULL;
	r->r = er;
	return r;
}

void
dns_cancel(struct dns_req *r)
{
	if (r == NULL || r->cancelled)
		return;
	r->cancelled = true;
	/* The callback still runs once, with EAI_CANCEL, and frees r. */
	evdns_getaddrinfo_cancel(r->r);
}
