#ifndef WARDEN_TUNNEL_H
#define WARDEN_TUNNEL_H

#include <stdint.h>

#include <event2/bufferevent.h>

/*
 * Two connections spliced together (CONNECT, WebSocket after 101): bytes
 * move both ways with back-pressure, until either side closes, an error,
 * or tunnel_idle_timeout with no byte in either direction. The tunnel
 * takes over both bufferevents' callbacks but frees neither: done() is
 * called once, and the owner frees. Worker thread only.
 */

struct tunnel;

struct tunnel_stats {
	uint64_t	to_client;	/* bytes written to the client */
	uint64_t	to_server;
};

typedef void	(*tunnel_done_cb)(const struct tunnel_stats *st,
		    const char *why, void *arg);

struct tunnel	*tunnel_new(struct bufferevent *client,
		    struct bufferevent *server, unsigned idle_timeout,
		    tunnel_done_cb done, void *arg);
void		 tunnel_free(struct tunnel *t);

#endif
