#ifndef WARDEN_HTTP1_H
#define WARDEN_HTTP1_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

#include <event2/buffer.h>
#include <llhttp.h>

#include "http_head.h"
#include "httphdr.h"

/*
 * llhttp glue: reads one message head out of an evbuffer (after
 * http_head_scan() has checked its lines), keeps it in one allocation with
 * spans into it, and decodes chunked bodies. A connection direction owns
 * one struct http1 for its whole life.
 */

struct http_msg {
	/* Request line. */
	const char	*method;
	size_t		 method_len;
	int		 method_id;	/* llhttp_method_t */
	const char	*target;
	size_t		 target_len;
	/* Status line. */
	int		 status;
	const char	*reason;
	size_t		 reason_len;

	int		 major, minor;
	bool		 upgrade;	/* llhttp saw an upgrade (or CONNECT) */
	struct hdrs	 hdrs;
	struct hdr_info	 info;
	size_t		 head_len;	/* bytes of the head on the wire */
	char		*head;		/* the copy the spans point into */
};

/* What a failed head read answers (requests) and why. */
struct http1_err {
	int		 status;	/* 400, 414, 431, 501, 505 */
	const char	*why;		/* static text */
};

struct http1 {
	llhttp_t		 p;
	struct http_head_scan	 scan;
	struct http_msg		*m;		/* during head parsing */
	bool			 skip_body;	/* response to HEAD */
	bool			 head_done;
	bool			 msg_done;
	bool			 started;	/* bytes of this message seen */
	/* Body: where decoded chunk data goes. */
	void			(*on_body)(void *, const char *, size_t);
	void			*arg;
	/* Span being assembled by the callbacks. */
	const char		*fname;
	size_t			 fname_len;
	const char		*fval;
	size_t			 fval_len;
	int			 in_value;
	size_t			 max_headers;
	int			 overflow;
	/* Bounds on what a chunked body carries besides data. */
	size_t			 ext_bytes;	/* this chunk's extensions */
	size_t			 trailer_bytes;
	size_t			 ntrailers;
	const char		*why;		/* our own reason for an error */
};

void	http1_init(struct http1 *h, llhttp_type_t type, size_t max_headers,
	    void (*on_body)(void *, const char *, size_t), void *arg);

/*
 * Looks for a complete head at the front of in. Returns 1 with *out set
 * (a new message: http1_msg_free() it) and the head drained from in; 0
 * when more bytes are needed; -1 with *e set when the head is malformed
 * or over a limit. Empty lines before a request line are dropped.
 * skip_body: the message is a response to HEAD.
 */
int	http1_read_head(struct http1 *h, struct evbuffer *in,
	    const struct http_head_limits *lim, bool skip_body,
	    struct http_msg **out, struct http1_err *e);

/*
 * Feeds chunked body bytes. Decoded data goes to on_body. Returns the
 * number of bytes consumed (stopping at the end of the message, where
 * *done is set), or -1 on a framing error (*why set).
 */
ssize_t	http1_chunked(struct http1 *h, const char *data, size_t len,
	    bool *done, const char **why);

/* Ready for the next message on the same connection. */
void	http1_reset(struct http1 *h);

void	http1_msg_free(struct http_msg *m);

#endif
