#ifndef WARDEN_SOCKIO_H
#define WARDEN_SOCKIO_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/bufferevent.h>

/*
 * Reading large bodies in few system calls. libevent 2.1 reads at most
 * 4 KiB per call into a socket bufferevent, whatever
 * bufferevent_set_max_single_read() says (its evbuffer_read() caps every
 * read at EVBUFFER_MAX_READ): a 1 MiB body costs 256 reads and as many
 * turns of the event loop. Worker thread only.
 */

/*
 * What one sockio_read_more() takes at most: a little under 256 KiB, as
 * libevent rounds a buffer and its header up to a power of two.
 */
#define SOCKIO_READ_MAX		(256 * 1024 - 256)

/*
 * Called from bev's read callback: moves what else its socket has queued
 * into its input buffer in one read, at most SOCKIO_READ_MAX and never
 * past the input's read high-water mark. Does nothing for a bufferevent
 * that is not a plain socket one (TLS, filters) or whose reading is
 * disabled. Never reads past the queued bytes, so the end of stream and
 * errors stay for the bufferevent to report. Returns the bytes added.
 */
size_t	sockio_read_more(struct bufferevent *bev);
/* The same, taking at most max bytes (and at most SOCKIO_READ_MAX). */
size_t	sockio_read_upto(struct bufferevent *bev, size_t max);

/*
 * Whether bev is a bufferevent straight on its socket (no TLS, no
 * filter): the bytes on its descriptor are those its owner reads and
 * writes, so they may be moved past it (splice).
 */
bool	sockio_plain(struct bufferevent *bev);

#endif
