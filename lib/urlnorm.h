#ifndef WARDEN_URLNORM_H
#define WARDEN_URLNORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "werr.h"

/*
 * URL normalisation as the policy engine sees URLs: one canonical spelling
 * for every way of writing the same resource, so that no list can be
 * evaded by spelling. The same functions normalise list entries when a
 * policy or a category store is built, and requests when they are checked,
 * and the normalised form is what the access log shows. Pure functions;
 * any thread.
 */

#define URLNORM_HOST_MAX	256

/*
 * A host as written in a URL, a Host field, a CONNECT target or a TLS SNI:
 *  - percent-decoded (RFC 3986 section 3.2.2), then lower-cased;
 *  - one trailing dot removed;
 *  - IPv4 in any form inet_aton() accepts (decimal "2130706433", octal
 *    "0177.0.0.1", hex "0x7f.1", short "127.1") written as a dotted quad;
 *  - IPv6 (with or without brackets) in RFC 5952 canonical form, without
 *    brackets; zone ids refused;
 *  - non-ASCII (UTF-8) names converted to A-labels with libidn2 (IDNA2008
 *    with TR46 non-transitional mapping), and existing A-labels checked;
 *  - what remains must be letters, digits, '-', '_' and '.', labels of
 *    1..63 bytes, 253 bytes at most.
 * out gets the result (NUL-terminated); *is_ip says whether it is an
 * address (either family). 0, or -1 with err set.
 */
int	urlnorm_host(const char *in, size_t len, char *out, size_t outsz,
	    bool *is_ip, struct werr *err) WD_NONNULL(1, 3, 5) WD_WUR;

/*
 * A path with its query ("/a/./b/../c?x=%7e"), as RFC 3986 section 6.2.2
 * normalises it: percent-encoded unreserved characters decoded, other
 * percent escapes with upper-case hex, dot segments removed from the path
 * (section 5.2.4; never from the query), an empty path made "/". Bytes
 * that RFC 3986 does not allow raw (space, controls, 8-bit) are
 * percent-encoded rather than refused, so list entries written loosely
 * still normalise. out gets the result. 0, or -1 (too long, bad escape).
 */
int	urlnorm_path(const char *in, size_t len, char *out, size_t outsz,
	    struct werr *err) WD_NONNULL(1, 3) WD_WUR;

/*
 * The key that URL lists match: "host[:port]/path?query", host and path
 * normalised as above, port only when it is not the scheme's default (80
 * for http, 443 for https), and a leading "www." (or "www2." etc.: "www"
 * and digits) removed from the host as SquidGuard does, so that an entry
 * "example.com/x" matches "http://www.example.com/x".
 */
int	urlnorm_key(const char *host, uint16_t port, uint16_t default_port,
	    const char *path, char *out, size_t outsz, struct werr *err)
	    WD_NONNULL(1, 4, 5) WD_WUR;

/*
 * A URL list entry as an administrator writes it: "example.com/path",
 * "www.example.com/path/", "http://Example.COM:80/a/../b" or
 * "https://example.com/x" (scheme optional; userinfo and fragment
 * dropped). Writes its urlnorm_key() form, without a trailing '/' unless
 * the path is just "/". 0, or -1 with err saying what is wrong.
 */
int	urlnorm_entry(const char *in, size_t len, char *out, size_t outsz,
	    struct werr *err) WD_NONNULL(1, 3) WD_WUR;

/*
 * A domain list entry: "Example.COM", ".example.com" (leading dot
 * allowed), "*.example.com" (leading "*." allowed), IDN, or an address.
 * Writes the normalised host. 0, or -1 with err.
 */
int	urlnorm_domain_entry(const char *in, size_t len, char *out,
	    size_t outsz, struct werr *err) WD_NONNULL(1, 3) WD_WUR;

#endif
