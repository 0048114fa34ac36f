#include <sys/socket.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "sockio.h"
#include "tunnel.h"

/* Stop reading one side while the other has this much unsent. */
#define TUNNEL_HIGH	(256 * 1024)

struct tunnel {
	struct bufferevent	*side[2];	/* 0 client, 1 server */
	struct event		*idle;
	unsigned		 idle_timeout;
	time_t			 last;
	bool			 eof[2];
	bool			 finished;
	struct tunnel_stats	 st;
	tunnel_done_cb		 done;
	void			*arg;
};

static time_t
tun_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
tun_finish(struct tunnel *t, const char *why)
{
	if (t->finished)
		return;
	t->finished = true;
	bufferevent_disable(t->side[0], EV_READ | EV_WRITE);
	bufferevent_disable(t->side[1], EV_READ | EV_WRITE);
	t->done(&t->st, why, t->arg);
}

static int
tun_index(struct tunnel *t, struct bufferevent *bev)
{
	return bev == t->side[0] ? 0 : 1;
}

/* Moves what side i has read to the other side. */
static void
tun_move(struct tunnel *t, int i)
{
	struct evbuffer *in = bufferevent_get_input(t->side[i]);
	struct bufferevent *to = t->side[!i];
	size_t n = evbuffer_get_length(in);

	if (n == 0)
		return;
	t->last = tun_now();
	if (i == 0)
		t->st.to_server += n;
	else
		t->st.to_client += n;
	bufferevent_write_buffer(to, in);
	if (evbuffer_get_length(bufferevent_get_output(to)) >= TUNNEL_HIGH) {
		bufferevent_disable(t->side[i], EV_READ);
		bufferevent_setwatermark(to, EV_WRITE, TUNNEL_HIGH / 2, 0);
	}
}

static void
tun_read(struct bufferevent *bev, void *arg)
{
	struct tunnel *t = arg;

	sockio_read_more(bev);
	tun_move(t, tun_index(t, bev));
}

/* Output of side i drained to the low mark: read the other side again. */
static void
tun_write(struct bufferevent *bev, void *arg)
{
	struct tunnel *t = arg;
	int i = tun_index(t, bev);

	if (t->eof[!i]) {
		/* The other side is gone and everything is delivered. */
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			tun_finish(t, NULL);
		return;
	}
	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	bufferevent_enable(t->side[!i], EV_READ);
}

static void
tun_event(struct bufferevent *bev, short what, void *arg)
{
	struct tunnel *t = arg;
	int i = tun_index(t, bev);
	struct bufferevent *other = t->side[!i];

	if (what & BEV_EVENT_ERROR) {
		tun_finish(t, i == 0 ? "client connection error" :
		    "server connection error");
		return;
	}
	if (what & BEV_EVENT_EOF) {
		/* Deliver what is left, then end both. */
		tun_move(t, i);
		t->eof[i] = true;
		bufferevent_disable(bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_output(other)) == 0) {
			tun_finish(t, NULL);
			return;
		}
		bufferevent_setwatermark(other, EV_WRITE, 0, 0);
		bufferevent_enable(other, EV_WRITE);
	}
}

static void
tun_idle(evutil_socket_t fd, short what, void *arg)
{
	struct tunnel *t = arg;
	struct timeval tv = { 1, 0 };

	(void)fd;
	(void)what;
	if (tun_now() - t->last >= (time_t)t->idle_timeout) {
		tun_finish(t, "idle timeout");
		return;
	}
	evtimer_add(t->idle, &tv);
}

struct tunnel *
tunnel_new(struct bufferevent *client, struct bufferevent *server,
    unsigned idle_timeout, tunnel_done_cb done, void *arg)
{
	struct timeval tv = { 1, 0 };
	struct tunnel *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->side[0] = client;
	t->side[1] = server;
	t->done = done;
	t->arg = arg;
	t->idle_timeout = idle_timeout;
	t->last = tun_now();
	t->idle = evtimer_new(bufferevent_get_base(client), tun_idle, t);
	if (t->idle == NULL) {
		free(t);
		return NULL;
	}
	evtimer_add(t->idle, &tv);
	bufferevent_set_timeouts(client, NULL, NULL);
	bufferevent_set_timeouts(server, NULL, NULL);
	bufferevent_setwatermark(client, EV_READ, 0, 0);
	bufferevent_setwatermark(server, EV_READ, 0, 0);
	bufferevent_setcb(client, tun_read, tun_write, tun_event, t);
	bufferevent_setcb(server, tun_read, tun_write, tun_event, t);
	bufferevent_enable(client, EV_READ | EV_WRITE);
	bufferevent_enable(server, EV_READ | EV_WRITE);
	/* Bytes that arrived with the request or the 101 go first. */
	tun_move(t, 0);
	tun_move(t, 1);
	return t;
}

void
tunnel_free(struct tunnel *t)
{
	if (t == NULL)
		return;
	if (t->idle != NULL)
		event_free(t->idle);
	free(t);
}
