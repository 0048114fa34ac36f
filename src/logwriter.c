#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "logwriter.h"

#define LOGQ_MAX	65536		/* records waiting */
#define LOGQ_BATCH	(256 * 1024)	/* bytes per write(2) */
/*
 * The writer is woken by the first record of a batch, then waits up to
 * LOGQ_LINGER_MS for more (or until LOGQ_WAKE are queued): one wake-up and
 * one write(2) for many records, not one per request.
 */
#define LOGQ_WAKE	512
#define LOGQ_LINGER_MS	50

struct logline {
	struct logline	*next;
	size_t		 len;
	char		 text[];
};

static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	pthread_t	 thread;
	bool		 running;
	bool		 stop;
	bool		 reopen;
	char		 path[4096];
	int		 fd;
	struct logline	*head, **tail;
	size_t		 queued;
	uint64_t	 dropped;
} lw = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.fd = -1,
};

static int
lw_open(const char *path)
{
	int fd;

	if (path[0] == '\0')
		return -1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		log_warn("cannot open access log %s", path);
	return fd;
}

static void
lw_write_all(int fd, const char *buf, size_t len)
{
	if (fileio_write_all(fd, buf, len) == -1)
		log_warn("access log write failed");
}

static void
lw_flush(int fd, struct logline *l)
{
	char buf[LOGQ_BATCH];
	struct logline *next;
	size_t used = 0;

	for (; l != NULL; l = next) {
		next = l->next;
		if (fd != -1) {
			if (used + l->len > sizeof(buf)) {
				lw_write_all(fd, buf, used);
				used = 0;
			}
			memcpy(buf + used, l->text, l->len);
			used += l->len;
		}
		free(l);
	}
	if (fd != -1 && used > 0)
		lw_write_all(fd, buf, used);
}

static void *
lw_main(void *arg)
{
	struct logline *batch;
	bool stop, reopen;
	char path[sizeof(lw.path)];
	int fd;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lw.mu);
		while (lw.head == NULL && !lw.stop && !lw.reopen)
			pthread_cond_wait(&lw.cv, &lw.mu);
		if (!lw.stop && !lw.reopen && lw.queued < LOGQ_WAKE) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += LOGQ_LINGER_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			while (!lw.stop && !lw.reopen &&
			    lw.queued < LOGQ_WAKE && pthread_cond_timedwait(
			    &lw.cv, &lw.mu, &until) == 0)
				;
		}
		batch = lw.head;
		lw.head = NULL;
		lw.tail = &lw.head;
		lw.queued = 0;
		stop = lw.stop;
		reopen = lw.reopen;
		lw.reopen = false;
		memcpy(path, lw.path, sizeof(path));
		fd = lw.fd;
		pthread_mutex_unlock(&lw.mu);

		lw_flush(fd, batch);
		if (reopen) {
			int nfd = lw_open(path);

			pthread_mutex_lock(&lw.mu);
			if (lw.fd != -1)
				close(lw.fd);
			lw.fd = nfd;
			pthread_mutex_unlock(&lw.mu);
		}
		if (stop)
			break;
	}
	return NULL;
}

int
logwriter_start(const char *path)
{
	snprintf(lw.path, sizeof(lw.path), "%s", path);
	lw.tail = &lw.head;
	lw.fd = -1;
	if (path[0] != '\0' && (lw.fd = lw_open(path)) == -1)
		return -1;
	if (pthread_create(&lw.thread, NULL, lw_main, NULL) != 0) {
		log_warnx("cannot start the access log thread");
		return -1;
	}
	lw.running = true;
	return 0;
}

void
logwriter_submit(const char *line, size_t len)
{
	struct logline *l;

	if ((l = malloc(sizeof(*l) + len)) == NULL)
		return;
	l->next = NULL;
	l->len = len;
	memcpy(l->text, line, len);
	pthread_mutex_lock(&lw.mu);
	if (!lw.running || lw.fd == -1 || lw.queued >= LOGQ_MAX) {
		if (lw.running && lw.fd != -1)
			lw.dropped++;
		pthread_mutex_unlock(&lw.mu);
		free(l);
		return;
	}
	*lw.tail = l;
	lw.tail = &l->next;
	/* Wake the writer for the first of a batch, or a full one. */
	if (++lw.queued == 1 || lw.queued == LOGQ_WAKE)
		pthread_cond_signal(&lw.cv);
	pthread_mutex_unlock(&lw.mu);
}

void
logwriter_reopen(const char *path)
{
	pthread_mutex_lock(&lw.mu);
	snprintf(lw.path, sizeof(lw.path), "%s", path);
	lw.reopen = true;
	pthread_cond_signal(&lw.cv);
	pthread_mutex_unlock(&lw.mu);
}

void
logwriter_stop(void)
{
	if (!lw.running)
		return;
	pthread_mutex_lock(&lw.mu);
	lw.stop = true;
	pthread_cond_signal(&lw.cv);
	pthread_mutex_unlock(&lw.mu);
	pthread_join(lw.thread, NULL);
	lw.running = false;
	if (lw.fd != -1)
		close(lw.fd);
	lw.fd = -1;
	if (lw.dropped > 0)
		log_warnx("%llu access log records were dropped (queue full)",
		    (unsigned long long)lw.dropped);
}

uint64_t
logwriter_dropped(void)
{
	uint64_t n;

	pthread_mutex_lock(&lw.mu);
	n = lw.dropped;
	pthread_mutex_unlock(&lw.mu);
	return n;
}
