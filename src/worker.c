#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "ca.h"
#include "catstore.h"
#include "certforge.h"
#include "mimesniff.h"
#include "log.h"
#include "netaddr.h"
#include "policy.h"
#include "dns.h"
#include "session.h"
#include "splice.h"
#include "tls.h"
#include "upstream.h"
#include "worker.h"

/* Whether dir is right in state_dir, which does not exist yet. */
static bool
runconf_in_unmade_state_dir(const struct config *cfg, const char *dir)
{
	size_t n = strlen(cfg->state_dir);
	struct stat st;

	while (n > 1 && cfg->state_dir[n - 1] == '/')
		n--;
	return strncmp(dir, cfg->state_dir, n) == 0 && dir[n] == '/' &&
	    dir[n + 1] != '\0' && strchr(dir + n + 1, '/') == NULL &&
	    stat(cfg->state_dir, &st) == -1 && errno == ENOENT;
}

struct runconf *
runconf_new(const struct config *cfg, struct policy *policy,
    uint64_t generation, struct werr *err)
{
	struct runconf *rc;
	struct werr sub;
	const char *dir;

	if ((rc = calloc(1, sizeof(*rc))) == NULL) {
		werr_set(err, "out of memory");
		return NULL;
	}
	atomic_init(&rc->refs, 1);
	rc->generation = generation;
	rc->cfg = *cfg;
	rc->policy = policy_ref(policy);
	if (cfg->tls_inspect == TLS_INSPECT_ON) {
		if ((rc->ca = ca_load(cfg->tls_ca_dir, &sub)) == NULL) {
			werr_set(err, "tls_inspect on: %s (make the CA with "
			    "'wardenctl ca init')", sub.msg);
			runconf_unref(rc);
			return NULL;
		}
		/*
		 * Generation 0 is wardend -t: the cache directory is only
		 * checked, never created (nor its leaf key), since -t may
		 * run as another user; one right in a state directory that
		 * is not made yet is left for the start, which makes both.
		 */
		dir = cfg->tls_cert_cache_dir[0] != '\0' ?
		    cfg->tls_cert_cache_dir : NULL;
		if ((dir != NULL && generation == 0 &&
		    !runconf_in_unmade_state_dir(cfg, dir) &&
		    certforge_check_dir(dir, &sub) == -1) ||
		    (rc->cf = certforge_new(rc->ca, 10000, generation == 0 ?
		    NULL : dir, &sub)) == NULL) {
			werr_set(err, "%s: %s", dir != NULL ?
			    "tls_cert_cache_dir" : "tls_inspect on", sub.msg);
			runconf_unref(rc);
			return NULL;
		}
	}
	snprintf(rc->via, sizeof(rc->via), "Via: 1.1 %s (warden/%s)\r\n",
	    cfg->visible_hostname, WD_VERSION);
	rc->via_len = strlen(rc->via);
	return rc;
}

struct runconf *
runconf_ref(struct runconf *rc)
{
	atomic_fetch_add(&rc->refs, 1);
	return rc;
}

void
runconf_unref(struct runconf *rc)
{
	if (rc != NULL && atomic_fetch_sub(&rc->refs, 1) == 1) {
		policy_unref(rc->policy);
		certforge_free(rc->cf);
		ca_free(rc->ca);
		free(rc);
	}
}

static void
worker_listen_pause(struct worker *w, bool pause)
{
	size_t i;

	if (w->listening == !pause)
		return;
	for (i = 0; i < w->nlisteners; i++) {
		if (pause)
			evconnlistener_disable(w->listeners[i]);
		else
			evconnlistener_enable(w->listeners[i]);
	}
	w->listening = !pause;
}

static void
worker_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct worker *w = arg;

	(void)l;
	if (w->draining) {
		evutil_closesocket(fd);
		return;
	}
	session_accept(w, fd, sa, salen);
	if (w->nsessions >= w->rc->cfg.max_connections)
		worker_listen_pause(w, true);
}

static void
worker_accept_error(struct evconnlistener *l, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();

	(void)l;
	(void)arg;
	/* Out of descriptors and the like: keep serving what is open. */
	log_warnx("accept failed: %s", evutil_socket_error_to_string(err));
}

static void
worker_close_listeners(struct worker *w)
{
	size_t i;

	for (i = 0; i < w->nlisteners; i++)
		evconnlistener_free(w->listeners[i]);
	w->nlisteners = 0;
	w->listening = false;
}

static void
worker_close_all(struct worker *w)
{
	while (w->sessions != NULL)
		session_close(w->sessions);
}

void
worker_session_gone(struct worker *w)
{
	w->nsessions--;
	if (w->draining) {
		if (w->nsessions == 0)
			event_base_loopexit(w->base, NULL);
		return;
	}
	if (!w->listening && w->nsessions < w->rc->cfg.max_connections)
		worker_listen_pause(w, false);
}

/*
 * The worker's TLS context towards origins (tls_inspect on), made anew
 * on every reload with the trust store of the day: the sessions verified
 * under the old one go with it. Connections in flight keep the old
 * context (they hold a reference); it no longer hands sessions here.
 */
static void
worker_tls_state(struct worker *w)
{
	struct werr err;

	if (w->tls_client != NULL)
		SSL_CTX_set_app_data(w->tls_client, NULL);
	SSL_CTX_free(w->tls_client);
	w->tls_client = NULL;
	tls_sessions_free(w->tls_sessions);
	w->tls_sessions = NULL;
	/* Idle TLS connections were verified under the old trust too. */
	upool_drop_tls(w->pool);
	if (w->rc->cfg.tls_inspect != TLS_INSPECT_ON)
		return;
	if ((w->tls_client = tls_client_ctx_new(&w->rc->cfg, &err)) == NULL)
		log_warnx("worker %u: %s: HTTPS to origins fails until a "
		    "reload", w->id, err.msg);
	else if ((w->tls_sessions = tls_sessions_new()) != NULL)
		tls_sessions_attach(w->tls_client, w->tls_sessions);
}

/*
 * The policy's per-worker state for w->rc: a read handle on the category
 * store (reopened on every reload, so a store that warden-update replaced
 * is seen) and match scratch for the snapshot.
 */
static void
worker_policy_state(struct worker *w)
{
	const char *path = w->rc->cfg.category_store;
	struct werr err;

	catstore_close(w->cats);
	w->cats = NULL;
	policy_scratch_free(w->scratch);
	w->scratch = policy_scratch_new(w->rc->policy);
	worker_tls_state(w);
	if (path[0] == '\0' || access(path, F_OK) == -1)
		return;
	if ((w->cats = catstore_open(path, 4096, &err)) == NULL &&
	    w->id == 0)
		log_warnx("category store %s cannot be used: %s", path,
		    err.msg);
}

static void
worker_ctl(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct runconf *rc, *old;
	struct session *s, *next;

	(void)fd;
	(void)what;
	if ((rc = atomic_exchange(&w->pending, NULL)) != NULL) {
		old = w->rc;
		w->rc = rc;
		dns_configure(w->dns, &rc->cfg);
		worker_policy_state(w);
		runconf_unref(old);
	}
	if (atomic_load(&w->force)) {
		w->draining = true;
		worker_close_listeners(w);
		worker_close_all(w);
		event_base_loopexit(w->base, NULL);
		return;
	}
	if (atomic_load(&w->stop) && !w->draining) {
		w->draining = true;
		worker_close_listeners(w);
		for (s = w->sessions; s != NULL; s = next) {
			next = s->next;
			session_drain(s);
		}
		if (w->nsessions == 0)
			event_base_loopexit(w->base, NULL);
	}
}

static int
worker_bind(struct worker *w, const struct config_listen *la)
{
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
	    LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT;
	struct evconnlistener *l;
	char addr[64];

	if (la->ss.ss_family == AF_INET6)
		flags |= LEV_OPT_BIND_IPV6ONLY;
	l = evconnlistener_new_bind(w->base, worker_accept, w, flags, 1024,
	    (const struct sockaddr *)&la->ss, (int)la->len);
	if (l == NULL) {
		log_warn("cannot listen on %s", netaddr_format(
		    (const struct sockaddr *)&la->ss, addr, sizeof(addr)));
		return -1;
	}
	evconnlistener_set_error_cb(l, worker_accept_error);
	w->listeners[w->nlisteners++] = l;
	return 0;
}

struct worker *
worker_new(unsigned id, struct runconf *rc)
{
	struct worker *w;
	struct event_config *ec;
	struct werr err;
	size_t i;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->id = id;
	w->rc = runconf_ref(rc);
	atomic_init(&w->pending, NULL);
	/*
	 * The changelist folds the epoll_ctl() calls an event loop turn
	 * makes on one socket into one (a response written and the next
	 * request awaited: write off, read on). Safe here: no socket is
	 * ever dup()ed.
	 */
	if ((ec = event_config_new()) == NULL)
		goto fail;
	event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	w->base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (w->base == NULL)
		goto fail;
	w->dns = dns_new(w->base, &rc->cfg);
	w->pool = upool_new();
	w->pipes = splice_pool_new();
	w->ctl_ev = event_new(w->base, -1, 0, worker_ctl, w);
	if (w->dns == NULL || w->pool == NULL || w->pipes == NULL ||
	    w->ctl_ev == NULL)
		goto fail;
	if ((w->magic = mimesniff_new(&err)) == NULL) {
		log_warnx("worker %u: %s", id, err.msg);
		goto fail;
	}
	worker_policy_state(w);
	if (w->scratch == NULL)
		goto fail;
	for (i = 0; i < rc->cfg.nlisten; i++)
		if (worker_bind(w, &rc->cfg.listen[i]) == -1)
			goto fail;
	w->listening = true;
	return w;
fail:
	worker_join_free(w);
	return NULL;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	/* Whatever is left (forced stop) goes now, on this thread. */
	worker_close_listeners(w);
	worker_close_all(w);
	upool_free(w->pool);
	w->pool = NULL;
	splice_pool_free(w->pipes);
	w->pipes = NULL;
	atomic_store(&w->exited, true);
	return NULL;
}

int
worker_start(struct worker *w)
{
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return -1;
	w->started = true;
	return 0;
}

void
worker_reload(struct worker *w, struct runconf *rc)
{
	struct runconf *old;

	old = atomic_exchange(&w->pending, runconf_ref(rc));
	runconf_unref(old);
	event_active(w->ctl_ev, 0, 0);
}

void
worker_shutdown(struct worker *w, bool force)
{
	if (force)
		atomic_store(&w->force, true);
	atomic_store(&w->stop, true);
	event_active(w->ctl_ev, 0, 0);
}

void
worker_join_free(struct worker *w)
{
	if (w == NULL)
		return;
	if (w->started)
		pthread_join(w->thread, NULL);
	worker_close_listeners(w);
	upool_free(w->pool);
	splice_pool_free(w->pipes);
	if (w->ctl_ev != NULL)
		event_free(w->ctl_ev);
	dns_free(w->dns);
	catstore_close(w->cats);
	policy_scratch_free(w->scratch);
	mimesniff_free(w->magic);
	SSL_CTX_free(w->tls_client);
	tls_sessions_free(w->tls_sessions);
	if (w->base != NULL)
		event_base_free(w->base);
	runconf_unref(atomic_exchange(&w->pending, NULL));
	runconf_unref(w->rc);
	free(w);
}

static bool
worker_is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6;

	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr)
		    >> 24) == 127;
	if (sa->sa_family != AF_INET6)
		return false;
	s6 = (const struct sockaddr_in6 *)sa;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return true;
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
	    s6->sin6_addr.s6_addr[12] == 127;
}

static bool
worker_is_any(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	return sa->sa_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(
	    &((const struct sockaddr_in6 *)sa)->sin6_addr);
}

static uint16_t
worker_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
}

bool
worker_is_own_address(const struct worker *w, const struct sockaddr *sa)
{
	const struct config *cfg = &w->rc->cfg;
	const struct sockaddr *la;
	char a[64], b[64];
	size_t i;

	for (i = 0; i < cfg->nlisten; i++) {
		la = (const struct sockaddr *)&cfg->listen[i].ss;
		if (worker_port(la) != worker_port(sa))
			continue;
		/* A connection to 0.0.0.0 or :: goes to the loopback. */
		if (worker_is_any(sa) && (worker_is_any(la) ||
		    worker_is_loopback(la)))
			return true;
		if (worker_is_any(la) && worker_is_loopback(sa))
			return true;
		netaddr_format_host(la, a, sizeof(a));
		netaddr_format_host(sa, b, sizeof(b));
		if (strcmp(a, b) == 0)
			return true;
	}
	return false;
}
