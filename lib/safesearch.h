#ifndef WARDEN_SAFESEARCH_H
#define WARDEN_SAFESEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "attrib.h"

/*
 * Safe search enforcement for Google, Bing, DuckDuckGo and YouTube. Pure
 * functions of the (normalised) host and path; any thread.
 */

/*
 * For a plain-HTTP (or, later, inspected) request: the path with the
 * engine's strict-mode parameter forced (Google "safe=active", Bing
 * "adlt=strict", DuckDuckGo "kp=1"; an existing value of the same
 * parameter is replaced), written to out. Returns 1 when rewritten, 0 when
 * the host is not a search engine (out untouched), -1 when out is too
 * small.
 */
int	safesearch_rewrite_path(const char *host, const char *path, char *out,
	    size_t outsz) WD_NONNULL(1, 2, 3) WD_WUR;

/*
 * A request header the engine honours, or NULL: YouTube gets
 * "YouTube-Restrict: Strict" (value only is returned: "Strict").
 */
const char	*safesearch_header(const char *host, const char **name)
		    WD_NONNULL(1, 2);

/*
 * For CONNECT to a search engine: the host to connect to instead, whose
 * certificate is still valid for the name the client asked for
 * (forcesafesearch.google.com, strict.bing.com, safe.duckduckgo.com,
 * restrict.youtube.com); NULL for any other host.
 */
const char	*safesearch_connect_host(const char *host) WD_NONNULL(1);

#endif
