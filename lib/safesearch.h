#ifndef WARDEN_SAFESEARCH_H
#define WARDEN_SAFESEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "attrib.h"

/*
 * Safe search enforcement for Google, Bing, DuckDuckGo and YouTube. Pure
 * functions of the (normalised) host, the engine found for it, and the
 * path; any thread.
 */

/* A search engine whose strict mode is enforced. */
struct safesearch_engine;

/*
 * The engine host belongs to, or NULL for any other host. The host is
 * expected in urlnorm_host() form, but is lower-cased and loses one
 * trailing dot here too, so that no spelling gets past. Looked up once
 * a request; the functions below take what it returns.
 */
const struct safesearch_engine	*safesearch_find(const char *host)
				    WD_NONNULL(1);

/*
 * For a plain-HTTP (or inspected) request to engine e: the path with the
 * engine's strict-mode parameter forced (Google "safe=active", Bing
 * "adlt=strict", DuckDuckGo "kp=1"; an existing value of the same
 * parameter is replaced), written to out. Returns 1 when rewritten, 0 when
 * e is NULL or the path is none of its searches (out untouched), -1 when
 * out is too small.
 */
int	safesearch_rewrite_path(const struct safesearch_engine *e,
	    const char *path, char *out, size_t outsz) WD_NONNULL(2, 3) WD_WUR;

/*
 * A request header engine e honours, or NULL (e NULL, or no header):
 * YouTube gets "YouTube-Restrict: Strict" (value only is returned:
 * "Strict").
 */
const char	*safesearch_header(const struct safesearch_engine *e,
		    const char **name) WD_NONNULL(2);

/*
 * For CONNECT to engine e: the host to connect to instead, whose
 * certificate is still valid for the name the client asked for
 * (forcesafesearch.google.com, strict.bing.com, safe.duckduckgo.com,
 * restrict.youtube.com); NULL when e is NULL.
 */
const char	*safesearch_connect_host(const struct safesearch_engine *e);

#endif
