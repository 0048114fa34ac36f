#ifndef WARDEN_TUNNEL_H
#define WARDEN_TUNNEL_H

#include <stdint.h>

#include <event2/bufferevent.h>

/*
 * Two connections joined together (CONNECT, WebSocket after 101): bytes
 * move both ways with back-pressure, until either side closes (what it
 * sent is delivered, then both close), an error, or tunnel_idle_timeout
 * with no byte in either direction. A direction that carries a bulk
 * transfer between two plain TCP sockets moves by splice(2), past user
 * space, until it closes or splicing cannot go on (urgent data, no pipe),
 * when the bufferevents take it back with nothing lost. The tunnel takes over both bufferevents' callbacks but
 * frees neither: done() is called once, and the owner frees. Worker
 * thread only.
 */

struct tunnel;
struct splice_pool;

struct tunnel_stats {
	uint64_t	to_client;	/* bytes written to the client */
	uint64_t	to_server;
	uint64_t	spliced_to_client;	/* of those, by splice */
	uint64_t	spliced_to_server;
};

typedef void	(*tunnel_done_cb)(const struct tunnel_stats *st,
		    const char *why, void *arg);

/*
 * pool: the worker's pipes, or NULL never to splice. client_out: bytes
 * spliced to the client are added there as they go (those through the
 * client's bufferevent are the owner's to count).
 */
struct tunnel	*tunnel_new(struct bufferevent *client,
		    struct bufferevent *server, unsigned idle_timeout,
		    struct splice_pool *pool, uint64_t *client_out,
		    tunnel_done_cb done, void *arg);
void		 tunnel_free(struct tunnel *t);

#endif
