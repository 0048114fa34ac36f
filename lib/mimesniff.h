#ifndef WARDEN_MIMESNIFF_H
#define WARDEN_MIMESNIFF_H

#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "werr.h"

/*
 * The media type of a body by its first bytes, from libmagic, with a
 * bounded cache of recent answers. A handle is not thread-safe: each
 * worker opens its own.
 */

/* How many first bytes are worth sniffing: more is not looked at. */
#define MIMESNIFF_BYTES	(64 * 1024)

struct mimesniff;

/*
 * Opens libmagic with the system's compiled magic database, asking for
 * MIME types only. NULL with err when it cannot.
 */
struct mimesniff *mimesniff_new(struct werr *err) WD_WUR;
/*
 * The type of the len bytes at buf ("application/x-executable"),
 * lowercase, into out (NUL-terminated, truncated to outlen). len 0 gives
 * "application/x-empty". Returns 0, or -1 with err when libmagic failed
 * (out is then "application/octet-stream").
 */
int	mimesniff_buffer(struct mimesniff *m, const void *buf, size_t len,
	    char *out, size_t outlen, struct werr *err)
	    WD_NONNULL(1, 4) WD_WUR;
/*
 * How many mimesniff_buffer() answers came from the handle's cache of
 * recent buffers (by SHA-256) and how many asked libmagic.
 */
void	mimesniff_stats(const struct mimesniff *m, uint64_t *hits,
	    uint64_t *misses) WD_NONNULL(1, 2, 3);
void	mimesniff_free(struct mimesniff *m);

#endif
