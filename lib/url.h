#ifndef WARDEN_URL_H
#define WARDEN_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "werr.h"

/*
 * Request targets (RFC 9112 section 3.2) and authorities (RFC 3986
 * section 3.2) as a forward proxy must read them: strictly.
 */

enum url_form {
	URL_FORM_ORIGIN,	/* "/path?query" */
	URL_FORM_ABSOLUTE,	/* "http://host:port/path?query" */
	URL_FORM_AUTHORITY,	/* "host:port", CONNECT only */
	URL_FORM_ASTERISK,	/* "*", OPTIONS only */
};
const char	*url_form_str(enum url_form);

#define URL_HOST_MAX	256

struct url {
	enum url_form	 form;
	char		 scheme[8];		/* lower case: "http" */
	char		 host[URL_HOST_MAX];	/* lower case, no trailing dot,
						   IPv6 without brackets */
	bool		 host_ipv6;
	uint16_t	 port;			/* default applied */
	bool		 port_explicit;
	const char	*path;			/* span into the target: path and
						   query, origin-form; "/" */
	size_t		 path_len;		/* when the target had none */
	bool		 path_slash;		/* "http://h?q": send "/" first */
};

/*
 * Parses a request target. is_connect selects authority-form (host:port,
 * port required, nothing else accepted); otherwise origin-, absolute- or
 * asterisk-form. Absolute-form: scheme "http" only (others: err says the
 * scheme is not supported), no userinfo, no fragment, host a DNS name
 * (letters, digits, '-', '_', '.'), an IPv4 dotted quad or a bracketed
 * IPv6 literal; port 1..65535 (empty means default). Path and query: only
 * the characters RFC 3986 allows (pchar, '/', '?', and '%' followed by two
 * hex digits). u->path points into t. 0, or -1 with err set.
 */
int	url_parse_target(const char *t, size_t len, bool is_connect,
	    struct url *u, struct werr *err) WD_NONNULL(1, 4) WD_WUR;

/*
 * Parses "host[:port]" (a Host field value or a CONNECT target) with the
 * same host rules. port_required: CONNECT. default_port when absent.
 */
int	url_parse_authority(const char *s, size_t len, bool port_required,
	    uint16_t default_port, char *host, size_t hostsz, bool *ipv6,
	    uint16_t *port, struct werr *err) WD_NONNULL(1, 5, 7, 8) WD_WUR;

/*
 * Writes "host" or "host:port" (port omitted when it is the scheme's
 * default; IPv6 in brackets) into buf. Returns the length, or -1 if buf is
 * too small.
 */
int	url_format_authority(const char *host, bool ipv6, uint16_t port,
	    uint16_t default_port, char *buf, size_t len) WD_NONNULL(1, 5);

#endif
