#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "netaddr.h"
#include "worker.h"
#include "txn.h"
#include "upstream.h"
#include "session.h"
#include "sockio.h"

/* How long a closing connection may keep sending before we hang up. */
#define SESSION_LINGER_SEC	2

/* Polls (10 ms apart) for a TLS connection's last bytes to go out. */
#define SESSION_FLUSH_POLLS	200

/* Bytes per write(2) on a client connection. */
#define SESSION_MAX_IO		(256 * 1024)

static void	session_read(struct bufferevent *, void *);
static void	session_write(struct bufferevent *, void *);
static void	session_event(struct bufferevent *, short, void *);

size_t
session_read_limit(const struct session *s)
{
	const struct config *cfg = &s->w->rc->cfg;
	size_t n = cfg->max_request_line + cfg->max_header_size + 16384;

	return n < 65536 ? 65536 : n;
}

static void
session_arm(struct session *s, unsigned sec)
{
	struct timeval tv = { sec, 0 };

	evtimer_add(s->timer, &tv);
}

static void
session_free(struct session *s)
{
	struct worker *w = s->w;

	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		w->sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->bump_up != NULL)
		upstream_release(s->bump_up, true);
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	free(s);
	worker_session_gone(w);
}

void
session_close(struct session *s)
{
	if (s->t != NULL)
		txn_abort(s->t, "connection closed");
	session_free(s);
}

/*
 * Answer sent: stop sending, read and drop what the client still sends.
 * Through TLS, first a close_notify (RFC 8446 section 6.1), and the
 * encrypted bytes still queued below the TLS layer must reach the socket
 * before it is shut: that layer has no callback of ours, so it is
 * polled, briefly.
 */
static void
session_linger(struct session *s)
{
	struct bufferevent *under = bufferevent_get_underlying(s->bev);
	struct timeval tv = { 0, 10000 };
	evutil_socket_t fd = bufferevent_getfd(s->bev);

	if (under != NULL && !s->shut_wr) {
		if (!s->tls_closed) {
			SSL *ssl = bufferevent_openssl_get_ssl(s->bev);

			s->tls_closed = true;
			/* Only a finished handshake has a close_notify. */
			if (SSL_is_init_finished(ssl))
				(void)SSL_shutdown(ssl);
			ERR_clear_error();
		}
		s->flushing = evbuffer_get_length(
		    bufferevent_get_output(under)) > 0 &&
		    s->flush_polls++ < SESSION_FLUSH_POLLS;
		if (s->flushing) {
			evtimer_add(s->timer, &tv);
			return;
		}
	}
	if (!s->shut_wr) {
		s->shut_wr = true;
		shutdown(fd, SHUT_WR);
		evbuffer_drain(bufferevent_get_input(s->bev),
		    evbuffer_get_length(bufferevent_get_input(s->bev)));
		bufferevent_setwatermark(s->bev, EV_READ, 0, 0);
		bufferevent_set_timeouts(s->bev, NULL, NULL);
		bufferevent_enable(s->bev, EV_READ);
		session_arm(s, SESSION_LINGER_SEC);
	}
}

static void
session_head(struct session *s)
{
	const struct config *cfg = &s->w->rc->cfg;
	struct http_head_limits lim;
	struct http_msg *m;
	struct http1_err e;
	int r;

	lim.max_start_line = cfg->max_request_line;
	lim.max_fields = cfg->max_header_size;
	lim.max_count = cfg->max_headers;
	r = http1_read_head(&s->rq, bufferevent_get_input(s->bev), &lim, false,
	    &m, &e);
	if (r == 0) {
		if (s->state == SESSION_IDLE && s->rq.started) {
			/* First byte of a request: the header clock starts. */
			s->state = SESSION_HEAD;
			session_arm(s, cfg->client_header_timeout);
		}
		return;
	}
	evtimer_del(s->timer);
	s->state = SESSION_TXN;
	s->nreq++;
	if (r == -1) {
		txn_reject(s, e.status, e.why);
		return;
	}
	txn_start(s, m);
}

static void
session_read(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;

	switch (s->state) {
	case SESSION_IDLE:
	case SESSION_HEAD:
		session_head(s);
		break;
	case SESSION_TXN:
		sockio_read_more(bev);	/* a request body */
		txn_client_read(s->t);
		break;
	case SESSION_CLOSING:
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
		break;
	case SESSION_TUNNEL:
		break;
	}
}

static void
session_write(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;

	if (s->state == SESSION_TXN) {
		txn_client_write(s->t);
		return;
	}
	if (s->state == SESSION_CLOSING &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		session_linger(s);
}

static void
session_event(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;

	(void)bev;
	if (s->state == SESSION_TXN) {
		txn_client_event(s->t, what);
		return;
	}
	/* Idle, part of a head, or closing: nothing more to say. */
	session_close(s);
}

static void
session_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	switch (s->state) {
	case SESSION_HEAD:
		/* RFC 9110 section 15.5.9: 408 on a request too slow. */
		s->state = SESSION_TXN;
		txn_reject(s, 408, "request head not received in time");
		break;
	case SESSION_CLOSING:
		if (s->flushing) {
			session_linger(s);
			break;
		}
		session_close(s);
		break;
	case SESSION_IDLE:
	default:
		session_close(s);
		break;
	}
}

/* Every byte queued for the client counts, for the access log. */
static void
session_count_out(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct session *s = arg;

	(void)buf;
	s->out_bytes += info->n_added;
}

void
session_set_bev(struct session *s, struct bufferevent *bev)
{
	/* What the TLS layer adds below is not what the client reads. */
	evbuffer_remove_cb(bufferevent_get_output(s->bev), session_count_out,
	    s);
	evbuffer_add_cb(bufferevent_get_output(bev), session_count_out, s);
	s->bev = bev;
	bufferevent_setcb(bev, session_read, session_write, session_event, s);
	bufferevent_setwatermark(bev, EV_READ, 0, session_read_limit(s));
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

void
session_txn_done(struct session *s, bool keep_alive)
{
	const struct config *cfg = &s->w->rc->cfg;

	s->t = NULL;
	if (s->bev == NULL)
		return;
	if (!keep_alive || s->w->draining) {
		s->state = SESSION_CLOSING;
		bufferevent_setwatermark(s->bev, EV_WRITE, 0, 0);
		bufferevent_enable(s->bev, EV_WRITE);
		if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
			session_linger(s);
		else
			session_arm(s, cfg->read_timeout);
		return;
	}
	s->state = SESSION_IDLE;
	http1_reset(&s->rq);
	bufferevent_setcb(s->bev, session_read, session_write, session_event,
	    s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, session_read_limit(s));
	bufferevent_setwatermark(s->bev, EV_WRITE, 0, 0);
	bufferevent_set_timeouts(s->bev, NULL, NULL);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	session_arm(s, cfg->keepalive_timeout);
	/* A pipelined request may already be waiting. */
	if (evbuffer_get_length(bufferevent_get_input(s->bev)) > 0)
		bufferevent_trigger(s->bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
}

void
session_drain(struct session *s)
{
	if (s->state == SESSION_IDLE || s->state == SESSION_HEAD)
		session_close(s);
	/* Busy ones close after their response (w->draining). */
}

void
session_accept(struct worker *w, evutil_socket_t fd,
    const struct sockaddr *sa, int salen)
{
	struct session *s;
	int one = 1;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warnx("out of memory accepting a connection");
		evutil_closesocket(fd);
		return;
	}
	s->w = w;
	memcpy(&s->ss, sa, (size_t)salen < sizeof(s->ss) ? (size_t)salen :
	    sizeof(s->ss));
	netaddr_format_host((const struct sockaddr *)&s->ss, s->addr,
	    sizeof(s->addr));
	s->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	s->timer = evtimer_new(w->base, session_timer, s);
	if (s->bev == NULL || s->timer == NULL) {
		log_warnx("out of memory accepting a connection");
		if (s->bev == NULL)
			evutil_closesocket(fd);
		else
			bufferevent_free(s->bev);
		if (s->timer != NULL)
			event_free(s->timer);
		free(s);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Large responses in few writes (libevent's default: 16 KiB). */
	bufferevent_set_max_single_write(s->bev, SESSION_MAX_IO);
	http1_init(&s->rq, HTTP_REQUEST, w->rc->cfg.max_headers, NULL, NULL);
	s->next = w->sessions;
	if (s->next != NULL)
		s->next->prev = s;
	w->sessions = s;
	w->nsessions++;
	s->state = SESSION_IDLE;
	bufferevent_setcb(s->bev, session_read, session_write, session_event,
	    s);
	evbuffer_add_cb(bufferevent_get_output(s->bev), session_count_out, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, session_read_limit(s));
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	session_arm(s, w->rc->cfg.client_header_timeout);
}
