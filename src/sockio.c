#include <sys/ioctl.h>
#include <sys/uio.h>
#include <errno.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "sockio.h"

bool
sockio_plain(struct bufferevent *bev)
{
	return bufferevent_get_underlying(bev) == NULL &&
	    bufferevent_openssl_get_ssl(bev) == NULL &&
	    bufferevent_getfd(bev) >= 0;
}

size_t
sockio_read_more(struct bufferevent *bev)
{
	return sockio_read_upto(bev, SOCKIO_READ_MAX);
}

size_t
sockio_read_upto(struct bufferevent *bev, size_t max)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_iovec v[2];
	struct iovec iov[2];
	size_t low, high, len, got;
	ssize_t r;
	int fd, n, i, used, avail;

	if (max > SOCKIO_READ_MAX)
		max = SOCKIO_READ_MAX;
	/* A filter's or TLS bufferevent's fd carries ciphertext. */
	if (max == 0 || !sockio_plain(bev) ||
	    (bufferevent_get_enabled(bev) & EV_READ) == 0)
		return 0;
	fd = bufferevent_getfd(bev);
	if (bufferevent_getwatermark(bev, EV_READ, &low, &high) == 0 &&
	    high > 0) {
		len = evbuffer_get_length(in);
		if (len >= high)
			return 0;
		if (high - len < max)
			max = high - len;
	}
	/*
	 * Only bytes already queued: a read past them would take the end of
	 * stream or a reset (a truncated body) away from the bufferevent,
	 * which reports them to its owner.
	 */
	if (ioctl(fd, FIONREAD, &avail) == -1 || avail <= 0)
		return 0;
	if ((size_t)avail < max)
		max = (size_t)avail;
	/* A bufferevent keeps the end of its input frozen between reads. */
	evbuffer_unfreeze(in, 0);
	n = evbuffer_reserve_space(in, (ev_ssize_t)max, v, 2);
	r = -1;
	if (n > 0) {
		for (i = 0; i < n; i++) {
			iov[i].iov_base = v[i].iov_base;
			iov[i].iov_len = v[i].iov_len;
		}
		if (iov[0].iov_len > max)
			iov[0].iov_len = max;	/* no more than is queued */
		if (iov[0].iov_len == max)
			n = 1;
		else if (n == 2 && iov[1].iov_len > max - iov[0].iov_len)
			iov[1].iov_len = max - iov[0].iov_len;
		do
			r = readv(fd, iov, n);
		while (r == -1 && errno == EINTR);
	}
	if (r > 0) {
		/* Trim the reservation to what came. */
		got = (size_t)r;
		used = 0;
		for (i = 0; i < n && got > 0; i++) {
			if (v[i].iov_len > got)
				v[i].iov_len = got;
			got -= v[i].iov_len;
			used++;
		}
		if (evbuffer_commit_space(in, v, used) != 0)
			r = 0;
	}
	evbuffer_freeze(in, 0);
	return r > 0 ? (size_t)r : 0;
}
