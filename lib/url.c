#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "url.h"

#define URL_DNS_MAX	253	/* RFC 1035 section 2.3.4, without the dot */
#define URL_LABEL_MAX	63

const char *
url_form_str(enum url_form f)
{
	switch (f) {
	case URL_FORM_ORIGIN:
		return "origin";
	case URL_FORM_ABSOLUTE:
		return "absolute";
	case URL_FORM_AUTHORITY:
		return "authority";
	case URL_FORM_ASTERISK:
		return "asterisk";
	}
	return "unknown";
}

static bool
url_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
url_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
url_is_hex(unsigned char c)
{
	return url_is_digit(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* Whether s is empty or all hex digits, as the start of "::1" or "fe80::". */
static bool
url_all_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!url_is_hex((unsigned char)s[i]))
			return false;
	return true;
}

static char
url_lower(unsigned char c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/*
 * RFC 3986 section 3.3 and 3.4: pchar, "/" and "?", with pct-encoded
 * checked by the caller; plus "[ ] { } | \\ ^ `", which browsers leave
 * unencoded in paths and queries (PHP's "?a[]=1") and which can never
 * change how the target is split. Everything else, including "#" (a
 * fragment is never sent, section 3.5), SP, '"', '<', '>', CTLs and 8-bit
 * bytes, is refused.
 */
static bool
url_is_pathchar(unsigned char c)
{
	if (url_is_alpha(c) || url_is_digit(c))
		return true;
	switch (c) {
	case '-': case '.': case '_': case '~':			/* unreserved */
	case '!': case '$': case '&': case '\'': case '(': case ')':
	case '*': case '+': case ',': case ';': case '=':	/* sub-delims */
	case ':': case '@': case '/': case '?':
		return true;
	case '[': case ']': case '{': case '}': case '|': case '\\':
	case '^': case '`':
		return true;
	}
	return false;
}

static int
url_check_path(const char *s, size_t len, struct werr *err)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= len || !url_is_hex(s[i + 1]) ||
			    !url_is_hex(s[i + 2]))
				return werr_set(err, "bad percent-encoding in "
				    "request target");
			i += 2;
			continue;
		}
		if (c == '#')
			return werr_set(err, "fragment in request target is "
			    "not allowed");
		if (!url_is_pathchar(c))
			return werr_set(err, "invalid character 0x%02x in "
			    "request target", c);
	}
	return 0;
}

/*
 * A dotted quad as RFC 3986 section 3.2.2 writes it: four decimal octets,
 * 0-255, no leading zeros, so that no resolver reads it as octal.
 */
static bool
url_is_ipv4(const char *s, size_t len)
{
	size_t i = 0, parts = 0;

	while (parts < 4) {
		size_t start = i;
		unsigned v = 0;

		while (i < len && url_is_digit(s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return false;
		parts++;
		if (parts < 4) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
	}
	return i == len;
}

/*
 * Whether a label is a number in any form inet_aton() or a browser would
 * read as one: all digits, or "0x" and hex digits (WHATWG URL, "ends in a
 * number"). A name whose last label is such a number is an IPv4 address in
 * disguise; only the plain dotted quad is let through.
 */
static bool
url_label_is_number(const char *s, size_t len)
{
	size_t i = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < len; i++)
			if (!url_is_hex(s[i]))
				return false;
		return true;
	}
	for (i = 0; i < len; i++)
		if (!url_is_digit(s[i]))
			return false;
	return len > 0;
}

/*
 * A reg-name restricted to DNS names (RFC 1123 section 2.1, plus "_" that
 * real names carry), or an IPv4 dotted quad. Writes it lower case, without
 * one trailing dot.
 */
static int
url_parse_name(const char *s, size_t len, char *host, size_t hostsz,
    struct werr *err)
{
	size_t i, label = 0, last = 0;

	if (len == 0)
		return werr_set(err, "empty host");
	if (s[len - 1] == '.' && !url_is_ipv4(s, len - 1))
		len--;
	if (len == 0)
		return werr_set(err, "empty host");
	if (len > URL_DNS_MAX)
		return werr_set(err, "host name longer than %d characters",
		    URL_DNS_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (i == label)
				return werr_set(err,
				    "empty label in host name");
			last = i + 1;
			label = i + 1;
			continue;
		}
		if (!url_is_alpha(c) && !url_is_digit(c) && c != '-' &&
		    c != '_')
			return werr_set(err, "invalid character 0x%02x in "
			    "host name", c);
		if (i - label >= URL_LABEL_MAX)
			return werr_set(err, "label longer than %d characters "
			    "in host name", URL_LABEL_MAX);
	}
	if (i == label)
		return werr_set(err, "empty label in host name");
	if (url_label_is_number(s + last, len - last) && !url_is_ipv4(s, len))
		return werr_set(err, "invalid IPv4 address (only a dotted "
		    "quad of decimal octets is accepted)");
	if (len >= hostsz)
		return werr_set(err, "host name too long");
	for (i = 0; i < len; i++)
		host[i] = url_lower((unsigned char)s[i]);
	host[len] = '\0';
	return 0;
}

/*
 * RFC 3986 section 3.2.2 IP-literal, IPv6 only (no IPvFuture, and no zone
 * identifier: RFC 6874 is for local use and means nothing to a proxy).
 * Stored in the canonical form inet_ntop() writes (RFC 5952), so that one
 * address is one string.
 */
static int
url_parse_ipv6(const char *s, size_t len, char *host, size_t hostsz,
    struct werr *err)
{
	char tmp[INET6_ADDRSTRLEN];
	struct in6_addr a;

	if (memchr(s, '%', len) != NULL)
		return werr_set(err, "IPv6 zone identifiers are not allowed");
	if (len == 0 || len >= sizeof(tmp))
		return werr_set(err, "invalid IPv6 address");
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET6, tmp, &a) != 1)
		return werr_set(err, "invalid IPv6 address");
	if (inet_ntop(AF_INET6, &a, tmp, sizeof(tmp)) == NULL ||
	    strlen(tmp) >= hostsz)
		return werr_set(err, "IPv6 address too long");
	memcpy(host, tmp, strlen(tmp) + 1);
	return 0;
}

/* RFC 3986 section 3.2.3: digits, leading zeros allowed, 1..65535. */
static int
url_parse_port(const char *s, size_t len, uint16_t *port, struct werr *err)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!url_is_digit(s[i]))
			return werr_set(err, "invalid port");
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			return werr_set(err, "port out of range");
	}
	if (v == 0)
		return werr_set(err, "port out of range");
	*port = (uint16_t)v;
	return 0;
}

static int
url_authority(const char *s, size_t len, bool port_required,
    uint16_t default_port, char *host, size_t hostsz, bool *ipv6,
    uint16_t *port, bool *explicit, struct werr *err)
{
	const char *hs, *ps = NULL, *colon;
	size_t hl, pl = 0;

	*ipv6 = false;
	*explicit = false;
	if (hostsz == 0)
		return werr_set(err, "no room for the host");
	host[0] = '\0';
	if (len == 0)
		return werr_set(err, "empty host");
	/* RFC 9110 section 4.2.4: no userinfo in an http URI. */
	if (memchr(s, '@', len) != NULL)
		return werr_set(err, "userinfo in URL is not allowed");
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', len);

		if (rb == NULL)
			return werr_set(err, "unterminated IPv6 address");
		hs = s + 1;
		hl = (size_t)(rb - hs);
		if (rb + 1 < s + len) {
			if (rb[1] != ':')
				return werr_set(err, "unexpected characters "
				    "after IPv6 address");
			ps = rb + 2;
			pl = (size_t)(s + len - ps);
		}
		if (url_parse_ipv6(hs, hl, host, hostsz, err) == -1)
			return -1;
		*ipv6 = true;
	} else {
		hs = s;
		hl = len;
		colon = memchr(s, ':', len);
		if (colon != NULL) {
			hl = (size_t)(colon - s);
			if (memchr(colon + 1, ':', (size_t)(s + len - colon -
			    1)) != NULL && url_all_hex(s, hl))
				return werr_set(err, "IPv6 address must be in "
				    "brackets");
			ps = colon + 1;
			pl = (size_t)(s + len - ps);
		}
		if (url_parse_name(hs, hl, host, hostsz, err) == -1)
			return -1;
	}
	if (ps == NULL || pl == 0) {
		/* RFC 3986 section 3.2.3: an empty port is the default. */
		if (port_required)
			return werr_set(err, "port required");
		*port = default_port;
		return 0;
	}
	if (url_parse_port(ps, pl, port, err) == -1)
		return -1;
	*explicit = true;
	return 0;
}

int
url_parse_authority(const char *s, size_t len, bool port_required,
    uint16_t default_port, char *host, size_t hostsz, bool *ipv6,
    uint16_t *port, struct werr *err)
{
	bool explicit;

	return url_authority(s, len, port_required, default_port, host,
	    hostsz, ipv6, port, &explicit, err);
}

/* RFC 3986 section 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
static size_t
url_scheme_len(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || !url_is_alpha(t[0]))
		return 0;
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)t[i];

		if (!url_is_alpha(c) && !url_is_digit(c) && c != '+' &&
		    c != '-' && c != '.')
			break;
	}
	return i;
}

static int
url_parse_absolute(const char *t, size_t len, struct url *u,
    struct werr *err)
{
	const char *auth, *rest, *end = t + len;
	size_t sl, i;

	sl = url_scheme_len(t, len);
	if (sl == 0 || sl >= len || t[sl] != ':')
		return werr_set(err, "request target is not a URL or a path");
	if (!(sl == 4 && url_lower(t[0]) == 'h' && url_lower(t[1]) == 't' &&
	    url_lower(t[2]) == 't' && url_lower(t[3]) == 'p')) {
		if (sl > 32)
			return werr_set(err, "scheme is not supported");
		return werr_set(err, "scheme '%.*s' is not supported",
		    (int)sl, t);
	}
	for (i = 0; i < sl; i++)
		u->scheme[i] = url_lower((unsigned char)t[i]);
	u->scheme[sl] = '\0';

	/* RFC 9110 section 4.2.1: http URIs have an authority. */
	if (len - sl < 3 || t[sl + 1] != '/' || t[sl + 2] != '/')
		return werr_set(err, "URL without //host");
	auth = t + sl + 3;
	for (rest = auth; rest < end; rest++)
		if (*rest == '/' || *rest == '?' || *rest == '#')
			break;
	if (rest < end && *rest == '#')
		return werr_set(err, "fragment in request target is not "
		    "allowed");
	if (url_authority(auth, (size_t)(rest - auth), false, 80, u->host,
	    sizeof(u->host), &u->host_ipv6, &u->port, &u->port_explicit,
	    err) == -1)
		return -1;

	if (rest == end) {
		/* RFC 9112 section 3.2.1: an empty path is sent as "/". */
		u->path = "/";
		u->path_len = 1;
		return 0;
	}
	/*
	 * "http://h?q" is valid (RFC 3986 section 6.2.3): its origin-form
	 * is "/?q" (RFC 9112 section 3.2.1), so the sender adds the slash.
	 */
	u->path_slash = *rest == '?';
	u->path = rest;
	u->path_len = (size_t)(end - rest);
	return url_check_path(u->path, u->path_len, err);
}

int
url_parse_target(const char *t, size_t len, bool is_connect, struct url *u,
    struct werr *err)
{
	memset(u, 0, sizeof(*u));
	u->path = "";
	if (len == 0)
		return werr_set(err, "empty request target");

	/* RFC 9112 section 3.2.3: CONNECT takes authority-form only. */
	if (is_connect) {
		u->form = URL_FORM_AUTHORITY;
		if (memchr(t, '/', len) != NULL)
			return werr_set(err, "CONNECT target must be "
			    "host:port");
		return url_authority(t, len, true, 0, u->host,
		    sizeof(u->host), &u->host_ipv6, &u->port,
		    &u->port_explicit, err);
	}
	/* Section 3.2.1. */
	if (t[0] == '/') {
		u->form = URL_FORM_ORIGIN;
		u->path = t;
		u->path_len = len;
		return url_check_path(t, len, err);
	}
	/* Section 3.2.4. */
	if (len == 1 && t[0] == '*') {
		u->form = URL_FORM_ASTERISK;
		u->path = t;
		u->path_len = 1;
		return 0;
	}
	/* Section 3.2.2. */
	u->form = URL_FORM_ABSOLUTE;
	return url_parse_absolute(t, len, u, err);
}

int
url_format_authority(const char *host, bool ipv6, uint16_t port,
    uint16_t default_port, char *buf, size_t len)
{
	int n;

	if (port == default_port)
		n = snprintf(buf, len, ipv6 ? "[%s]" : "%s", host);
	else
		n = snprintf(buf, len, ipv6 ? "[%s]:%u" : "%s:%u", host,
		    (unsigned)port);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}
