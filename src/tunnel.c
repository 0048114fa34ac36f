#include <sys/socket.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "sockio.h"
#include "splice.h"
#include "tunnel.h"

/* Stop reading one side while the other has this much unsent. */
#define TUNNEL_HIGH	(256 * 1024)

/*
 * A direction that has carried this much through the bufferevents goes
 * by splice from then on: a bulk transfer, not a conversation of small
 * messages, for which a pipe would only add system calls.
 */
#define TUNNEL_SPLICE_AFTER	(64 * 1024)

/* How the bytes read from one side move to the other. */
enum tun_mode {
	TUN_BEV,	/* through the bufferevents */
	TUN_WAIT,	/* bufferevent reading stopped: until what it read
			   has gone out, then splice */
	TUN_SPLICE,	/* by splice(2) */
};

struct tunnel {
	struct bufferevent	*side[2];	/* 0 client, 1 server */
	struct event		*idle;
	unsigned		 idle_timeout;
	time_t			 last;
	bool			 eof[2];
	bool			 finished;
	struct tunnel_stats	 st;
	/* Per direction, by the side its bytes are read from. */
	struct splice_pool	*pool;		/* NULL: never splice */
	uint64_t		*client_out;
	enum tun_mode		 mode[2];
	uint64_t		 moved[2];	/* through the bufferevents */
	struct splicer		*sp[2];
	uint64_t		 spliced_seen;	/* for the idle clock */
	tunnel_done_cb		 done;
	void			*arg;
};

static void	tun_splice_try(struct tunnel *, int);

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
	int i;

	if (t->finished)
		return;
	t->finished = true;
	bufferevent_disable(t->side[0], EV_READ | EV_WRITE);
	bufferevent_disable(t->side[1], EV_READ | EV_WRITE);
	if (t->sp[1] != NULL)
		t->st.spliced_to_client += splice_written(t->sp[1]);
	t->st.to_server += t->st.spliced_to_server;
	t->st.to_client += t->st.spliced_to_client;
	/* Nothing moves any more (one of these may be the caller). */
	for (i = 0; i < 2; i++) {
		splice_free(t->sp[i]);
		t->sp[i] = NULL;
	}
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
	t->moved[i] += n;
	bufferevent_write_buffer(to, in);
	if (evbuffer_get_length(bufferevent_get_output(to)) >= TUNNEL_HIGH) {
		bufferevent_disable(t->side[i], EV_READ);
		bufferevent_setwatermark(to, EV_WRITE, TUNNEL_HIGH / 2, 0);
	}
}

/*
 * Direction i goes back to the bufferevents, its splice over with the
 * pipe empty: every byte read from side i has been delivered, and what
 * comes next is read by the bufferevent (whose recv() steps over the
 * urgent byte splice(2) cannot pass). It may splice again once it has
 * carried TUNNEL_SPLICE_AFTER more.
 */
static void
tun_splice_back(struct tunnel *t, int i)
{
	struct bufferevent *from = t->side[i], *to = t->side[!i];

	if (i == 1)
		t->st.spliced_to_client += splice_written(t->sp[i]);
	splice_free(t->sp[i]);
	t->sp[i] = NULL;
	t->mode[i] = TUN_BEV;
	t->moved[i] = 0;
	bufferevent_setwatermark(to, EV_WRITE, 0, 0);
	bufferevent_enable(to, EV_WRITE);
	bufferevent_enable(from, EV_READ);
}

/*
 * A splice ended. Its end is that of its source side, as with the
 * bufferevents: a close (everything it sent delivered) ends the tunnel
 * cleanly, an error with the side's name. One that cannot go on (the
 * source stuck at urgent data, or no pipe to be had once the direction
 * woke up from idle) hands the direction back to the bufferevents.
 */
static void
tun_splice_end(struct tunnel *t, int i, enum splice_end end)
{
	static const char *const err[2] = { "client connection error",
	    "server connection error" };

	switch (end) {
	case SPLICE_DONE:
	case SPLICE_SRC_EOF:
		t->eof[i] = true;
		tun_finish(t, NULL);
		return;
	case SPLICE_SRC_ERROR:
		tun_finish(t, err[i]);
		return;
	case SPLICE_DST_ERROR:
		tun_finish(t, err[!i]);
		return;
	case SPLICE_SRC_TIMEOUT:	/* none asked for: the idle timer */
		tun_finish(t, "idle timeout");
		return;
	case SPLICE_STUCK:
	case SPLICE_NO_PIPE:
		tun_splice_back(t, i);
		return;
	}
}

static void
tun_splice_end0(enum splice_end end, int err, void *arg)
{
	(void)err;
	tun_splice_end(arg, 0, end);
}

static void
tun_splice_end1(enum splice_end end, int err, void *arg)
{
	(void)err;
	tun_splice_end(arg, 1, end);
}

/*
 * Direction i (what side i sends) goes by splice: reading side i through
 * its bufferevent stops, and once what the bufferevents hold for that
 * direction has gone out (tun_write() calls again), the splice starts.
 * When it cannot, the bufferevents go on as before.
 */
static void
tun_splice_try(struct tunnel *t, int i)
{
	struct bufferevent *from = t->side[i], *to = t->side[!i];

	if (t->pool == NULL || t->finished || t->eof[i] ||
	    t->mode[i] == TUN_SPLICE)
		return;
	if (t->mode[i] == TUN_BEV) {
		t->mode[i] = TUN_WAIT;
		bufferevent_disable(from, EV_READ);
	}
	tun_move(t, i);
	if (evbuffer_get_length(bufferevent_get_output(to)) > 0) {
		/* tun_write() once it is empty */
		bufferevent_setwatermark(to, EV_WRITE, 0, 0);
		bufferevent_enable(to, EV_WRITE);
		return;
	}
	bufferevent_disable(to, EV_WRITE);
	t->sp[i] = splice_start(bufferevent_get_base(from), t->pool,
	    bufferevent_getfd(from), bufferevent_getfd(to), SPLICE_UNTIL_EOF,
	    0, i == 1 ? t->client_out : &t->st.spliced_to_server,
	    i == 0 ? tun_splice_end0 : tun_splice_end1, t);
	if (t->sp[i] != NULL) {
		t->mode[i] = TUN_SPLICE;
		return;
	}
	t->pool = NULL;		/* not again */
	t->mode[i] = TUN_BEV;
	bufferevent_enable(to, EV_WRITE);
	bufferevent_enable(from, EV_READ);
}

static void
tun_read(struct bufferevent *bev, void *arg)
{
	struct tunnel *t = arg;
	int i = tun_index(t, bev);

	sockio_read_more(bev);
	tun_move(t, i);
	if (t->moved[i] >= TUNNEL_SPLICE_AFTER)
		tun_splice_try(t, i);
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
	if (t->mode[!i] == TUN_WAIT) {
		tun_splice_try(t, !i);
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
	uint64_t spliced;

	(void)fd;
	(void)what;
	/* To the server counted as it goes; to the client, by splicer. */
	spliced = t->st.spliced_to_server + t->st.spliced_to_client;
	if (t->sp[1] != NULL)
		spliced += splice_written(t->sp[1]);
	if (spliced != t->spliced_seen) {
		t->spliced_seen = spliced;
		t->last = tun_now();
	}
	if (tun_now() - t->last >= (time_t)t->idle_timeout) {
		tun_finish(t, "idle timeout");
		return;
	}
	evtimer_add(t->idle, &tv);
}

struct tunnel *
tunnel_new(struct bufferevent *client, struct bufferevent *server,
    unsigned idle_timeout, struct splice_pool *pool, uint64_t *client_out,
    tunnel_done_cb done, void *arg)
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
	if (pool != NULL && client_out != NULL && sockio_plain(client) &&
	    sockio_plain(server)) {
		t->pool = pool;
		t->client_out = client_out;
	}
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
	/* Their events are on the sockets: gone before they close. */
	splice_free(t->sp[0]);
	splice_free(t->sp[1]);
	if (t->idle != NULL)
		event_free(t->idle);
	free(t);
}
