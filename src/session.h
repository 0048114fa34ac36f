#ifndef WARDEN_SESSION_H
#define WARDEN_SESSION_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdbool.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "http1.h"

/*
 * One client connection: reads request heads one after another (keep-alive
 * and pipelining: a request is read only when the previous response is
 * under way, so responses stay in order), hands each to a transaction,
 * applies the idle and header timeouts, and closes cleanly (lingering
 * close, so a client still sending does not reset our last response).
 * Worker thread only.
 */

struct worker;
struct txn;
struct upconn;

enum session_state {
	SESSION_IDLE,		/* keep-alive: waiting for a request */
	SESSION_HEAD,		/* part of a head received */
	SESSION_TXN,		/* a transaction owns the request */
	SESSION_TUNNEL,		/* CONNECT or WebSocket */
	SESSION_CLOSING,	/* flushing, then lingering close */
};

struct session {
	struct worker		*w;
	struct bufferevent	*bev;
	struct sockaddr_storage	 ss;
	char			 addr[INET6_ADDRSTRLEN];
	struct http1		 rq;
	struct txn		*t;
	struct event		*timer;
	enum session_state	 state;
	bool			 shut_wr;
	/* Inside an inspected (bumped) CONNECT: the TLS server name and
	   port every request on this connection goes to. */
	bool			 bumped;
	bool			 tls_closed;	/* close_notify queued */
	bool			 flushing;	/* waiting to shut down */
	unsigned		 flush_polls;
	uint64_t		 out_bytes;	/* added for the client, ever */
	char			 bump_host[256];
	uint16_t		 bump_port;
	/* Warden answers every request itself: a blocked site, or an
	   origin whose certificate was refused (bump_why). */
	bool			 bump_noverify;	/* tls_noverify: exempt */
	struct upconn		*bump_up;	/* verified, for the first
						   request inside */
	bool			 bump_local;
	bool			 bump_bad_cert;
	char			 bump_why[200];
	unsigned		 nreq;
	struct session		*next, *prev;
};

void	session_accept(struct worker *w, evutil_socket_t fd,
	    const struct sockaddr *sa, int salen);
/* The transaction ended (and is freed); keep_alive: read the next one. */
void	session_txn_done(struct session *s, bool keep_alive);
/* Ends the session now, with its transaction if any. */
void	session_close(struct session *s);
/* Shutdown: an idle session closes now; a busy one after its response. */
void	session_drain(struct session *s);
/*
 * Puts bev (a TLS filter over the session's bufferevent, which it now
 * owns) in the session's place, with the session's callbacks.
 */
void	session_set_bev(struct session *s, struct bufferevent *bev);
/* The size of the client read buffer that suspends reading. */
size_t	session_read_limit(const struct session *s);

#endif
