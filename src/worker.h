#ifndef WARDEN_WORKER_H
#define WARDEN_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/dns.h>

#include "config.h"

/*
 * A worker thread: its own event_base, its own SO_REUSEPORT listener per
 * listen address, its own DNS resolver and upstream pool. A connection
 * lives on one worker for its whole life, so nothing here is locked.
 */

/* The running configuration, shared read-only by the workers. */
struct runconf {
	atomic_int	refs;
	uint64_t	generation;
	struct config	cfg;
	struct policy	*policy;	/* a reference */
	/* tls_inspect on: the local root CA and the forge (else NULL). */
	struct ca	*ca;
	struct certforge *cf;
	char		via[330];	/* "Via: 1.1 host (warden/x.y.z)\r\n" */
	size_t		via_len;
};

/*
 * Takes a new reference to policy; with tls_inspect on, loads the CA
 * from tls_ca_dir and opens the forge (and its tls_cert_cache_dir).
 * generation 0 is a check (wardend -t): the cache directory is only
 * looked at, never created. NULL with err set.
 */
struct runconf	*runconf_new(const struct config *cfg, struct policy *policy,
		    uint64_t generation, struct werr *err);
struct runconf	*runconf_ref(struct runconf *rc);
void		 runconf_unref(struct runconf *rc);

struct dns;
struct upool;
struct splice_pool;
struct session;
struct policy;
struct catstore;
struct policy_scratch;
struct mimesniff;
struct ssl_ctx_st;
struct tls_sessions;

struct worker {
	unsigned		 id;
	pthread_t		 thread;
	struct event_base	*base;
	struct dns		*dns;
	struct upool		*pool;
	struct splice_pool	*pipes;		/* idle pipes for splice(2) */
	/* For the policy: this worker's store handle and match scratch,
	   for the configuration in rc. */
	struct catstore		*cats;
	struct policy_scratch	*scratch;
	struct mimesniff	*magic;		/* libmagic, this thread's */
	struct ssl_ctx_st	*tls_client;	/* towards origins (tls on) */
	struct tls_sessions	*tls_sessions;	/* ... and their sessions */
	struct evconnlistener	*listeners[CONFIG_MAX_LISTEN];
	size_t			 nlisteners;
	struct runconf		*rc;		/* current; a txn refs its own */
	_Atomic(struct runconf *) pending;	/* set by the main thread */
	struct event		*ctl_ev;	/* reload / shutdown wake-up */
	atomic_bool		 stop;		/* drain and exit */
	atomic_bool		 force;		/* close everything now */
	atomic_bool		 exited;	/* the thread has finished */
	bool			 started;
	bool			 draining;
	bool			 listening;
	struct session		*sessions;	/* all client sessions */
	unsigned		 nsessions;
	uint64_t		 next_txn_id;
};

/* Creates worker id with its listeners bound (so start-up errors show). */
struct worker	*worker_new(unsigned id, struct runconf *rc);
int		 worker_start(struct worker *w);
/* From the main thread: hand over a new configuration. */
void		 worker_reload(struct worker *w, struct runconf *rc);
/*
 * From the main thread: stop accepting and finish what is in flight, or
 * (force) close everything now.
 */
void		 worker_shutdown(struct worker *w, bool force);
void		 worker_join_free(struct worker *w);

/* Within the worker: a session closed. */
void		 worker_session_gone(struct worker *w);

/* Whether sa is one of this process's listening addresses (loops). */
bool		 worker_is_own_address(const struct worker *w,
		    const struct sockaddr *sa);

#endif
