#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "splice.h"

/*
 * The pipe size asked for: what the relay paths let pile up in user space
 * (256 KiB for a tunnel, 512 KiB for a body), so that splicing holds no
 * more kernel memory per connection than relaying held in ours. The
 * kernel's default is 64 KiB. Once a user holds
 * /proc/sys/fs/pipe-user-pages-soft pages in pipes (16384, 64 MiB, by
 * default), an unprivileged process gets no more than 8 KiB per new
 * pipe; a pipe that small would cost more system calls than the copies it
 * saves, so below SPLICE_PIPE_MIN the pipe is closed and the caller
 * relays instead.
 */
#define SPLICE_PIPE_SIZE	(256 * 1024)
#define SPLICE_PIPE_MIN		(64 * 1024)

/* Idle pipes kept per worker (each charged to the user's pipe pages). */
#define SPLICE_POOL_MAX		4

/*
 * Wake-ups in a row that found the source readable and moved nothing,
 * after which the transfer gives up: whatever the reason, epoll and
 * splice(2) disagree, and only the bufferevents' recv() can go on.
 */
#define SPLICE_STUCK_WAKES	8

/*
 * Bytes one transfer moves in one turn of the event loop at most, so that
 * a fast one does not keep the worker from its other connections.
 */
#define SPLICE_TURN		(4 * 1024 * 1024)

struct splice_pipe {
	int		 fd[2];		/* read end, write end */
	size_t		 cap;		/* F_GETPIPE_SZ */
	size_t		 len;		/* bytes in it */
};

struct splice_pool {
	struct splice_pipe	*idle[SPLICE_POOL_MAX];
	size_t			 nidle;
};

struct splicer {
	struct splice_pool	*pool;
	struct splice_pipe	*pipe;
	int			 src, dst;
	struct event		*src_ev;	/* EV_READ, with the timeout */
	struct event		*dst_ev;	/* EV_WRITE */
	struct timeval		 timeout;
	struct timespec		 deadline;	/* for the source, while
						   src_waiting */
	bool			 src_waiting;	/* src_ev is what we wait on */
	unsigned		 idle_wakes;	/* readable, nothing moved */
	uint64_t		 left;		/* still to read from src */
	bool			 until_eof;	/* SPLICE_UNTIL_EOF */
	uint64_t		 nread, nwritten;
	uint64_t		*counter;
	bool			 src_over;	/* src said EOF or failed */
	enum splice_end		 src_end;
	int			 src_err;
	bool			 finished;
	splice_done_cb		 done;
	void			*arg;
};

const char *
splice_end_str(enum splice_end end)
{
	switch (end) {
	case SPLICE_DONE:
		return "done";
	case SPLICE_SRC_EOF:
		return "source closed";
	case SPLICE_SRC_ERROR:
		return "source error";
	case SPLICE_SRC_TIMEOUT:
		return "source timeout";
	case SPLICE_DST_ERROR:
		return "destination error";
	case SPLICE_NO_PIPE:
		return "no pipe";
	case SPLICE_STUCK:
		return "source stuck";
	}
	return "?";
}

static void
splice_pipe_close(struct splice_pipe *p)
{
	if (p == NULL)
		return;
	close(p->fd[0]);
	close(p->fd[1]);
	free(p);
}

static struct splice_pipe *
splice_pipe_new(void)
{
	struct splice_pipe *p;
	int cap;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (pipe2(p->fd, O_NONBLOCK | O_CLOEXEC) == -1) {
		free(p);
		return NULL;
	}
	/* Refused past the user's soft limit: the size granted tells. */
	(void)fcntl(p->fd[1], F_SETPIPE_SZ, SPLICE_PIPE_SIZE);
	if ((cap = fcntl(p->fd[1], F_GETPIPE_SZ)) == -1 ||
	    cap < SPLICE_PIPE_MIN) {
		splice_pipe_close(p);
		errno = ENOBUFS;
		return NULL;
	}
	p->cap = (size_t)cap;
	return p;
}

struct splice_pool *
splice_pool_new(void)
{
	return calloc(1, sizeof(struct splice_pool));
}

void
splice_pool_free(struct splice_pool *pool)
{
	if (pool == NULL)
		return;
	while (pool->nidle > 0)
		splice_pipe_close(pool->idle[--pool->nidle]);
	free(pool);
}

static struct splice_pipe *
splice_pool_get(struct splice_pool *pool)
{
	if (pool->nidle > 0)
		return pool->idle[--pool->nidle];
	return splice_pipe_new();
}

/* A pipe that may hold bytes is never handed out again. */
static void
splice_pool_put(struct splice_pool *pool, struct splice_pipe *p)
{
	if (p == NULL)
		return;
	if (p->len != 0 || pool->nidle == SPLICE_POOL_MAX) {
		splice_pipe_close(p);
		return;
	}
	pool->idle[pool->nidle++] = p;
}

/* The last thing done with sp here: done() may free it. */
static void
splice_finish(struct splicer *sp, enum splice_end end, int err)
{
	sp->finished = true;
	event_del(sp->src_ev);
	event_del(sp->dst_ev);
	sp->done(end, err, sp->arg);
}

/*
 * Whether the source's next byte is TCP urgent data (send(MSG_OOB), RFC
 * 9293 section 3.8.5). Without SO_OOBINLINE, splice(2) stops short of it
 * and moves nothing, ever, while epoll calls the socket readable as soon
 * as a byte waits behind it; recv() steps over it, which is how the
 * bufferevents go on.
 */
static bool
splice_at_mark(int fd)
{
	int at = 0;

	return ioctl(fd, SIOCATMARK, &at) == 0 && at != 0;
}

/*
 * Waits for the source, the pipe empty. The timeout is a deadline: it
 * starts when waiting begins after bytes moved (or after waiting for the
 * destination), and a wake-up that moved nothing does not push it back.
 * Once it has passed, the transfer ends here.
 */
static void
splice_wait_src(struct splicer *sp, bool fresh)
{
	struct timespec now;
	struct timeval tv;
	long long ns;

	fresh = fresh || !sp->src_waiting;
	sp->src_waiting = true;
	if (sp->timeout.tv_sec == 0) {
		event_add(sp->src_ev, NULL);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (fresh) {
		sp->deadline = now;
		sp->deadline.tv_sec += sp->timeout.tv_sec;
	}
	ns = (long long)(sp->deadline.tv_sec - now.tv_sec) * 1000000000LL +
	    (sp->deadline.tv_nsec - now.tv_nsec);
	if (ns <= 0) {
		splice_finish(sp, SPLICE_SRC_TIMEOUT, 0);
		return;
	}
	tv.tv_sec = (time_t)(ns / 1000000000LL);
	tv.tv_usec = (suseconds_t)(ns % 1000000000LL / 1000);
	event_add(sp->src_ev, &tv);
}

/*
 * Moves what can be moved now, then waits on the one descriptor that
 * holds things up: the destination while the pipe has bytes (a read the
 * pipe refused is tried again after each write), else the source. So the
 * loop sleeps whenever a call would block, and never spins on EAGAIN.
 * After SPLICE_TURN bytes it waits too, on the same terms: both events
 * are level-triggered, so a transfer that could go on does on the next
 * poll, after the other connections' events (an event_active() would run
 * again in this same pass of the loop). readable: called because the
 * source was reported readable.
 */
static void
splice_pump(struct splicer *sp, bool readable)
{
	struct splice_pipe *p;
	uint64_t turn = 0;
	size_t want;
	ssize_t n;
	bool moved, progress = false;

	if (sp->pipe == NULL && (sp->pipe = splice_pool_get(sp->pool)) ==
	    NULL) {
		splice_finish(sp, SPLICE_NO_PIPE, errno);
		return;
	}
	p = sp->pipe;
	for (;;) {
		moved = false;
		if (!sp->src_over && sp->left > 0 && p->len < p->cap) {
			want = p->cap - p->len;
			if (want > sp->left)
				want = (size_t)sp->left;
			n = splice(sp->src, NULL, p->fd[1], NULL, want,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				p->len += (size_t)n;
				sp->left -= (uint64_t)n;
				sp->nread += (uint64_t)n;
				moved = true;
			} else if (n == 0) {
				sp->src_over = true;
				sp->src_end = SPLICE_SRC_EOF;
			} else if (errno != EAGAIN && errno != EINTR) {
				sp->src_over = true;
				sp->src_end = SPLICE_SRC_ERROR;
				sp->src_err = errno;
			}
		}
		if (p->len > 0) {
			n = splice(p->fd[0], NULL, sp->dst, NULL, p->len,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				p->len -= (size_t)n;
				sp->nwritten += (uint64_t)n;
				*sp->counter += (uint64_t)n;
				turn += (uint64_t)n;
				moved = true;
			} else if (n == 0 || (errno != EAGAIN &&
			    errno != EINTR)) {
				splice_finish(sp, SPLICE_DST_ERROR,
				    n == 0 ? EPIPE : errno);
				return;
			}
		}
		if (p->len == 0 && (sp->left == 0 || sp->src_over)) {
			splice_finish(sp, sp->left == 0 ? SPLICE_DONE :
			    sp->src_end, sp->src_err);
			return;
		}
		if (!moved)
			break;
		progress = true;
		if (turn >= SPLICE_TURN)
			break;		/* our turn is over */
	}
	if (p->len > 0) {
		sp->src_waiting = false;
		event_add(sp->dst_ev, NULL);
		return;
	}
	/*
	 * The source was readable and gave nothing to an empty pipe: every
	 * byte read has been delivered, so the owner can go on with its
	 * bufferevents exactly where this stopped.
	 */
	if (progress)
		sp->idle_wakes = 0;
	else if (readable && (splice_at_mark(sp->src) ||
	    ++sp->idle_wakes >= SPLICE_STUCK_WAKES)) {
		splice_finish(sp, SPLICE_STUCK, 0);
		return;
	}
	if (sp->until_eof) {
		/* A tunnel may be idle for long: hold no pipe meanwhile. */
		splice_pool_put(sp->pool, p);
		sp->pipe = NULL;
	}
	splice_wait_src(sp, progress);
}

static void
splice_src_ready(evutil_socket_t fd, short what, void *arg)
{
	struct splicer *sp = arg;

	(void)fd;
	if (sp->finished)
		return;
	/* Only waited on with an empty pipe: nothing is left to deliver. */
	if (what & EV_TIMEOUT) {
		splice_finish(sp, SPLICE_SRC_TIMEOUT, 0);
		return;
	}
	splice_pump(sp, true);
}

static void
splice_dst_ready(evutil_socket_t fd, short what, void *arg)
{
	struct splicer *sp = arg;

	(void)fd;
	(void)what;
	if (sp->finished)
		return;
	splice_pump(sp, false);
}

static bool
splice_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl != -1 && (fl & O_NONBLOCK) != 0;
}

struct splicer *
splice_start(struct event_base *base, struct splice_pool *pool, int src,
    int dst, uint64_t len, unsigned timeout_sec, uint64_t *counter,
    splice_done_cb done, void *arg)
{
	struct splicer *sp;

	/* A blocking socket would stall the worker inside splice(2). */
	if (src < 0 || dst < 0 || len == 0 || !splice_nonblocking(src) ||
	    !splice_nonblocking(dst)) {
		errno = EINVAL;
		return NULL;
	}
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return NULL;
	sp->pool = pool;
	sp->src = src;
	sp->dst = dst;
	sp->left = len;
	sp->until_eof = len == SPLICE_UNTIL_EOF;
	sp->counter = counter;
	sp->done = done;
	sp->arg = arg;
	sp->timeout.tv_sec = timeout_sec;
	sp->src_ev = event_new(base, src, EV_READ, splice_src_ready, sp);
	sp->dst_ev = event_new(base, dst, EV_WRITE, splice_dst_ready, sp);
	if (sp->src_ev == NULL || sp->dst_ev == NULL ||
	    (sp->pipe = splice_pool_get(pool)) == NULL) {
		splice_free(sp);
		return NULL;
	}
	/* The first moves on the next turn: done() never runs from here. */
	event_active(sp->dst_ev, EV_WRITE, 1);
	return sp;
}

uint64_t
splice_read(const struct splicer *sp)
{
	return sp->nread;
}

uint64_t
splice_written(const struct splicer *sp)
{
	return sp->nwritten;
}

void
splice_free(struct splicer *sp)
{
	if (sp == NULL)
		return;
	if (sp->src_ev != NULL)
		event_free(sp->src_ev);
	if (sp->dst_ev != NULL)
		event_free(sp->dst_ev);
	splice_pool_put(sp->pool, sp->pipe);
	free(sp);
}
