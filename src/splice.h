#ifndef WARDEN_SPLICE_H
#define WARDEN_SPLICE_H

#include <stdint.h>

#include <event2/event.h>

#include "attrib.h"

/*
 * Moving bytes from one plain TCP socket to another without copying them
 * through user space: splice(2) from the source into a pipe, and from the
 * pipe into the destination, driven by events of its own on the two
 * descriptors (the owner steps its bufferevents aside meanwhile). Either
 * exactly the number of bytes asked for is read from the source, never
 * one more, so a keep-alive connection stays in step (a response body),
 * or everything until the source closes (a tunnel). Worker thread only.
 */

/*
 * The idle pipes of one worker, reused from one body to the next. Only an
 * empty pipe is kept; one that may hold bytes (an error cut a transfer
 * short) is closed.
 */
struct splice_pool;

struct splice_pool	*splice_pool_new(void) WD_WUR;
void			 splice_pool_free(struct splice_pool *pool);

/* A length that stands for "until the source closes". */
#define SPLICE_UNTIL_EOF	UINT64_MAX

enum splice_end {
	SPLICE_DONE,		/* every byte asked for was delivered */
	SPLICE_SRC_EOF,		/* the source closed first; what it sent
				   was delivered */
	SPLICE_SRC_ERROR,	/* reading the source failed (err) */
	SPLICE_SRC_TIMEOUT,	/* the source sent nothing for the timeout */
	SPLICE_DST_ERROR,	/* writing the destination failed (err) */
	SPLICE_NO_PIPE,		/* a transfer until EOF could not get its
				   pipe back (err): out of descriptors */
	SPLICE_STUCK,		/* the source is readable but splice(2)
				   takes nothing from it (TCP urgent data
				   at the read position) */
};
const char	*splice_end_str(enum splice_end end);

/*
 * Called once, from the event loop (never from splice_start()), when the
 * transfer ends; err is an errno value for the two errors and
 * SPLICE_NO_PIPE, else 0. The callback may splice_free() the transfer,
 * and must free it at some point. After SPLICE_STUCK and SPLICE_NO_PIPE
 * the pipe was empty: splice_read() bytes were read from the source and
 * all of them delivered, so the owner may go on reading the source with
 * recv() (which steps over urgent data) and lose nothing.
 */
typedef void	(*splice_done_cb)(enum splice_end end, int err, void *arg);

struct splicer;

/*
 * Starts moving len bytes (or, with SPLICE_UNTIL_EOF, everything until the
 * source closes, which then ends it with SPLICE_SRC_EOF) from socket src
 * to socket dst (both non-blocking, both plain TCP, neither read from
 * (src) nor written to (dst) by anything else until done() runs). Reading
 * waits at most timeout_sec for the source each time it runs dry, counted
 * from the last byte moved (0: forever); writing waits for the
 * destination as long as it takes. Every byte
 * written to dst is added to *counter as it goes. A transfer until EOF
 * gives its pipe back to the pool whenever it has emptied it and waits
 * for the source, so that idle tunnels hold none. Returns the transfer,
 * or NULL (errno set) when no pipe could be had (ENOBUFS: the kernel
 * granted less than 64 KiB, as it does past the user's pipe limit) or a
 * descriptor is not fit: nothing was read or written then, and the caller
 * goes on another way.
 */
struct splicer	*splice_start(struct event_base *base, struct splice_pool *pool,
		    int src, int dst, uint64_t len, unsigned timeout_sec,
		    uint64_t *counter, splice_done_cb done, void *arg)
		    WD_NONNULL(1, 2, 7, 8) WD_WUR;
/* Bytes read from the source so far, and delivered to the destination. */
uint64_t	 splice_read(const struct splicer *sp) WD_NONNULL(1);
uint64_t	 splice_written(const struct splicer *sp) WD_NONNULL(1);
/* Stops the transfer (if it runs) and frees it; its pipe goes back to the
   pool only if empty. NULL is a no-op. */
void		 splice_free(struct splicer *sp);

#endif
