#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "urlnorm.h"

/* RFC 1035 section 2.3.4, without the trailing dot. */
#define URLNORM_DNS_MAX		253
#define URLNORM_LABEL_MAX	63
/*
 * A host before IDNA processing may be much longer than its A-label form
 * (4-byte UTF-8 characters, characters TR46 maps to nothing); past this
 * it is refused rather than looked at.
 */
#define URLNORM_RAW_HOST_MAX	1024

static bool
urlnorm_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
urlnorm_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* memrchr(), which is not in C11 or POSIX. */
static const char *
urlnorm_memrchr(const char *s, char c, size_t len)
{
	while (len > 0)
		if (s[--len] == c)
			return s + len;
	return NULL;
}

static int
urlnorm_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 3986 section 2.3. */
static bool
urlnorm_is_unreserved(unsigned char c)
{
	return urlnorm_is_alpha(c) || urlnorm_is_digit(c) || c == '-' ||
	    c == '.' || c == '_' || c == '~';
}

/*
 * What may stay raw in a path or query (RFC 3986 sections 3.3 and 3.4):
 * unreserved, sub-delims, ':' and '@', '/', and '?' (which only the query
 * holds: the path ends at the first one). '%' is the caller's.
 */
static bool
urlnorm_is_raw_ok(unsigned char c)
{
	if (urlnorm_is_unreserved(c))
		return true;
	switch (c) {
	case '!': case '$': case '&': case '\'': case '(': case ')':
	case '*': case '+': case ',': case ';': case '=':
	case ':': case '@': case '/': case '?':
		return true;
	}
	return false;
}

static char
urlnorm_lower(unsigned char c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/*
 * RFC 3986 section 3.2.2 allows percent-encoded octets in a reg-name.
 * They are decoded before anything else looks at the host, so that
 * "%65xample.com" is "example.com". A decoded byte must be one that could
 * have been written raw in a name (unreserved) or a UTF-8 byte for IDNA:
 * an encoded '.', '/', ':', '%', '@', space or control is refused rather
 * than let it change how the host is split or read. Raw bytes are copied
 * as they are and checked later. Returns the decoded length, or -1.
 */
static int
urlnorm_host_decode(const char *in, size_t len, char *buf, size_t bufsz,
    struct werr *err)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				return werr_set(err, "truncated "
				    "percent-encoding in host");
			hi = urlnorm_hexval((unsigned char)in[i + 1]);
			lo = urlnorm_hexval((unsigned char)in[i + 2]);
			if (hi == -1 || lo == -1)
				return werr_set(err, "bad percent-encoding in "
				    "host");
			c = (unsigned char)(hi << 4 | lo);
			if (c < 0x80 && !urlnorm_is_unreserved(c))
				return werr_set(err, "percent-encoded 0x%02x "
				    "in host is not allowed", c);
			i += 2;
		} else if (c == '\0')
			return werr_set(err, "NUL byte in host");
		if (n + 1 >= bufsz)
			return werr_set(err, "host longer than %zu bytes",
			    bufsz - 1);
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return (int)n;
}

/*
 * An IPv6 literal, brackets already removed: written back in the one
 * form inet_ntop() gives, which is RFC 5952's (lower case, leading zeros
 * dropped, the longest run of zero fields as "::"). A zone id ("%eth0",
 * RFC 6874) never reaches here: '%' was decoded or refused before.
 */
static int
urlnorm_ipv6(const char *s, char *out, size_t outsz, struct werr *err)
{
	struct in6_addr a6;
	char buf[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET6, s, &a6) != 1)
		return werr_set(err, "invalid IPv6 address in host");
	if (inet_ntop(AF_INET6, &a6, buf, sizeof(buf)) == NULL)
		return werr_set(err, "invalid IPv6 address in host");
	if (strlen(buf) >= outsz)
		return werr_set(err, "output buffer too small for host");
	memcpy(out, buf, strlen(buf) + 1);
	return 0;
}

/*
 * Whether a label is a number as inet_aton() or a browser (WHATWG URL,
 * "ends in a number") reads one: decimal digits, or "0x" and hex digits.
 */
static bool
urlnorm_label_is_number(const char *s, size_t len)
{
	size_t i;

	if (len >= 2 && s[0] == '0' && s[1] == 'x') {
		for (i = 2; i < len; i++)
			if (urlnorm_hexval((unsigned char)s[i]) == -1)
				return false;
		return true;
	}
	for (i = 0; i < len; i++)
		if (!urlnorm_is_digit((unsigned char)s[i]))
			return false;
	return len > 0;
}

/*
 * A host whose last label is a number is an IPv4 address to a browser and
 * to inet_aton(), in any of the forms inet_aton() takes: "2130706433",
 * "0177.0.0.1", "0x7f.1", "127.1". Written as a dotted quad, or refused if
 * no address reading exists ("1.2.3.256", "foo.1"), so that a name can
 * never hide an address. Returns 1 when s was an address, 0 when it is a
 * name, -1 when refused.
 */
static int
urlnorm_ipv4(const char *s, size_t len, char *out, size_t outsz,
    struct werr *err)
{
	struct in_addr a;
	const char *last;
	char buf[INET_ADDRSTRLEN];
	size_t i;

	last = urlnorm_memrchr(s, '.', len);
	last = last == NULL ? s : last + 1;
	if (!urlnorm_label_is_number(last, len - (size_t)(last - s)))
		return 0;
	/* inet_aton() stops at white space; allow only what a number has. */
	for (i = 0; i < len; i++)
		if (s[i] != '.' && s[i] != 'x' &&
		    urlnorm_hexval((unsigned char)s[i]) == -1)
			return werr_set(err, "invalid IPv4 address in host");
	if (inet_aton(s, &a) == 0)
		return werr_set(err, "invalid IPv4 address in host");
	if (inet_ntop(AF_INET, &a, buf, sizeof(buf)) == NULL)
		return werr_set(err, "invalid IPv4 address in host");
	if (strlen(buf) >= outsz)
		return werr_set(err, "output buffer too small for host");
	memcpy(out, buf, strlen(buf) + 1);
	return 1;
}

/*
 * Names go through IDNA when they hold a non-ASCII byte, or an A-label
 * ("xn--") that must be checked to decode to a valid U-label.
 */
static bool
urlnorm_needs_idna(const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			return true;
	for (p = s; *p != '\0'; p++)
		if ((p == s || p[-1] == '.') && strncmp(p, "xn--", 4) == 0)
			return true;
	return false;
}

/*
 * UTS #46 processing, non-transitional ("ß" stays "ß", as browsers do
 * now), of a whole name into buf: mapping (case folding, full-width
 * forms, ideographic full stops), NFC, the IDNA2008 checks, and A-labels
 * checked by decoding them.
 */
static int
urlnorm_idna(char *buf, size_t bufsz, struct werr *err)
{
	char *ascii = NULL;
	size_t n;
	int rc;

	rc = idn2_to_ascii_8z(buf, &ascii,
	    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
		idn2_free(ascii);
		return werr_set(err, "invalid international host name: %s",
		    idn2_strerror(rc));
	}
	n = strlen(ascii);
	if (n >= bufsz) {
		idn2_free(ascii);
		return werr_set(err, "host name longer than %d characters",
		    URLNORM_DNS_MAX);
	}
	memcpy(buf, ascii, n + 1);
	idn2_free(ascii);
	return 0;
}

/*
 * A DNS name (RFC 1123 section 2.1, plus '_' that real names carry):
 * letters, digits, '-', '_', '.', labels of 1..63 bytes, 253 in all.
 */
static int
urlnorm_check_name(const char *s, size_t len, struct werr *err)
{
	size_t i, label = 0;

	if (len == 0)
		return werr_set(err, "empty host");
	if (len > URLNORM_DNS_MAX)
		return werr_set(err, "host name longer than %d characters",
		    URLNORM_DNS_MAX);
	for (i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)s[i] : '.';

		if (c == '.') {
			if (i == label)
				return werr_set(err,
				    "empty label in host name");
			if (i - label > URLNORM_LABEL_MAX)
				return werr_set(err, "label longer than %d "
				    "characters in host name",
				    URLNORM_LABEL_MAX);
			label = i + 1;
			continue;
		}
		if (!urlnorm_is_alpha(c) && !urlnorm_is_digit(c) &&
		    c != '-' && c != '_')
			return werr_set(err, "invalid character 0x%02x in "
			    "host name", c);
	}
	return 0;
}

int
urlnorm_host(const char *in, size_t len, char *out, size_t outsz,
    bool *is_ip, struct werr *err)
{
	char buf[URLNORM_RAW_HOST_MAX];
	size_t i, n;
	int rc;

	*is_ip = false;
	if (outsz == 0)
		return werr_set(err, "output buffer too small for host");
	rc = urlnorm_host_decode(in, len, buf, sizeof(buf), err);
	if (rc == -1)
		return -1;
	n = (size_t)rc;
	if (n == 0)
		return werr_set(err, "empty host");

	/* RFC 3986 section 3.2.2: IP-literal, or a bare IPv6 address. */
	if (buf[0] == '[' || memchr(buf, ':', n) != NULL) {
		/* Section 3.2.2: an IP-literal has no percent-encoding. */
		if (n != len)
			return werr_set(err, "percent-encoding in IPv6 "
			    "address");
		if (buf[0] == '[') {
			if (n < 3 || buf[n - 1] != ']')
				return werr_set(err, "invalid IPv6 address in "
				    "host");
			buf[n - 1] = '\0';
			memmove(buf, buf + 1, n - 1);
		}
		if (urlnorm_ipv6(buf, out, outsz, err) == -1)
			return -1;
		*is_ip = true;
		return 0;
	}

	/* Section 3.2.2 and 6.2.2.1: the host is case-insensitive. */
	for (i = 0; i < n; i++)
		buf[i] = urlnorm_lower((unsigned char)buf[i]);
	if (urlnorm_needs_idna(buf)) {
		if (urlnorm_idna(buf, sizeof(buf), err) == -1)
			return -1;
		n = strlen(buf);
	}
	/* A fully qualified name: "example.com." is "example.com". */
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (n == 0)
		return werr_set(err, "empty host");

	rc = urlnorm_ipv4(buf, n, out, outsz, err);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		*is_ip = true;
		return 0;
	}
	if (urlnorm_check_name(buf, n, err) == -1)
		return -1;
	if (n >= outsz)
		return werr_set(err, "output buffer too small for host");
	memcpy(out, buf, n + 1);
	return 0;
}

/* Appends one byte at *o, keeping room for the NUL. */
static int
urlnorm_put(char *out, size_t outsz, size_t *o, char c)
{
	if (*o + 1 >= outsz)
		return -1;
	out[(*o)++] = c;
	return 0;
}

/*
 * RFC 3986 sections 6.2.2.1 and 6.2.2.2 over in[0..len): a percent
 * escape of an unreserved character becomes the character ("%7E" is
 * "~", "%41" is "A"); every other escape is kept, with upper-case hex
 * ("%2f" is "%2F": an encoded '/' is data, not a separator). Bytes that
 * may not appear raw are escaped, so "a b" and "a%20b" are one spelling.
 * '+' is left alone: it means a space only to some form decoders.
 */
static int
urlnorm_pct(const char *in, size_t len, char *out, size_t outsz, size_t *o,
    struct werr *err)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				return werr_set(err, "truncated "
				    "percent-encoding in path");
			hi = urlnorm_hexval((unsigned char)in[i + 1]);
			lo = urlnorm_hexval((unsigned char)in[i + 2]);
			if (hi == -1 || lo == -1)
				return werr_set(err, "bad percent-encoding "
				    "in path");
			i += 2;
			c = (unsigned char)(hi << 4 | lo);
			if (urlnorm_is_unreserved(c)) {
				if (urlnorm_put(out, outsz, o, (char)c) == -1)
					goto full;
				continue;
			}
		} else if (urlnorm_is_raw_ok(c)) {
			if (urlnorm_put(out, outsz, o, (char)c) == -1)
				goto full;
			continue;
		}
		if (urlnorm_put(out, outsz, o, '%') == -1 ||
		    urlnorm_put(out, outsz, o, hex[c >> 4]) == -1 ||
		    urlnorm_put(out, outsz, o, hex[c & 0xf]) == -1)
			goto full;
	}
	return 0;
full:
	return werr_set(err, "path too long");
}

/*
 * RFC 3986 section 5.2.4, remove_dot_segments, in place over p[0..len),
 * which starts with '/'. The write position never passes the read
 * position, so one buffer serves as both. Returns the new length.
 */
static size_t
urlnorm_dots(char *p, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		size_t rest = len - i;

		/* A: "../" or "./" prefix. */
		if (rest >= 3 && memcmp(p + i, "../", 3) == 0) {
			i += 3;
		} else if (rest >= 2 && memcmp(p + i, "./", 2) == 0) {
			i += 2;
		/* B: "/./" or a final "/." becomes "/". */
		} else if (rest >= 3 && memcmp(p + i, "/./", 3) == 0) {
			i += 2;
		} else if (rest == 2 && memcmp(p + i, "/.", 2) == 0) {
			i += 1;
			p[i] = '/';
		/* C: "/../" or a final "/.." becomes "/", and pops. */
		} else if ((rest >= 4 && memcmp(p + i, "/../", 4) == 0) ||
		    (rest == 3 && memcmp(p + i, "/..", 3) == 0)) {
			if (rest == 3) {
				i += 2;
				p[i] = '/';
			} else
				i += 3;
			while (o > 0 && p[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		/* D: "." or ".." alone. */
		} else if ((rest == 1 && p[i] == '.') ||
		    (rest == 2 && memcmp(p + i, "..", 2) == 0)) {
			i = len;
		/* E: move the first segment, with its leading '/'. */
		} else {
			do
				p[o++] = p[i++];
			while (i < len && p[i] != '/');
		}
	}
	return o;
}

int
urlnorm_path(const char *in, size_t len, char *out, size_t outsz,
    struct werr *err)
{
	const char *q;
	size_t o = 0, plen;

	if (outsz < 2)
		return werr_set(err, "path too long");
	q = memchr(in, '?', len);
	plen = q == NULL ? len : (size_t)(q - in);

	/* Section 3.3: with an authority, a path is empty or absolute. */
	if (plen == 0 || in[0] != '/')
		out[o++] = '/';
	if (urlnorm_pct(in, plen, out, outsz, &o, err) == -1)
		return -1;
	/* Section 6.2.2.3: dot segments, after the escapes are decoded. */
	o = urlnorm_dots(out, o);
	if (o == 0)
		out[o++] = '/';
	if (q != NULL) {
		if (urlnorm_put(out, outsz, &o, '?') == -1)
			return werr_set(err, "path too long");
		if (urlnorm_pct(q + 1, len - plen - 1, out, outsz, &o,
		    err) == -1)
			return -1;
	}
	out[o] = '\0';
	return 0;
}

/*
 * SquidGuard's "www." rule: a first label "www" or "www" and digits is
 * dropped when what follows is still a name with a dot in it, so that
 * "www.com" stays itself. Returns how many bytes to skip.
 */
static size_t
urlnorm_www_skip(const char *h)
{
	size_t i;

	if (strncmp(h, "www", 3) != 0)
		return 0;
	for (i = 3; urlnorm_is_digit((unsigned char)h[i]); i++)
		continue;
	if (h[i] != '.' || strchr(h + i + 1, '.') == NULL)
		return 0;
	return i + 1;
}

/*
 * urlnorm_key() over spans: host[0..hlen) and path[0..plen), which need
 * not be NUL-terminated.
 */
static int
urlnorm_key_span(const char *host, size_t hlen, uint16_t port,
    uint16_t default_port, const char *path, size_t plen, char *out,
    size_t outsz, struct werr *err)
{
	char h[URLNORM_HOST_MAX];
	bool is_ip, v6;
	size_t skip = 0;
	int n;

	if (urlnorm_host(host, hlen, h, sizeof(h), &is_ip, err) == -1)
		return -1;
	v6 = is_ip && strchr(h, ':') != NULL;
	if (!is_ip)
		skip = urlnorm_www_skip(h);
	/* An IPv6 address is bracketed, as in a URL, so a port can follow. */
	if (port != 0 && port != default_port)
		n = snprintf(out, outsz, v6 ? "[%s]:%u" : "%s:%u", h + skip,
		    (unsigned)port);
	else
		n = snprintf(out, outsz, v6 ? "[%s]" : "%s", h + skip);
	if (n < 0 || (size_t)n >= outsz)
		return werr_set(err, "URL key too long");
	return urlnorm_path(path, plen, out + n, outsz - (size_t)n, err);
}

int
urlnorm_key(const char *host, uint16_t port, uint16_t default_port,
    const char *path, char *out, size_t outsz, struct werr *err)
{
	return urlnorm_key_span(host, strlen(host), port, default_port, path,
	    strlen(path), out, outsz, err);
}

static bool
urlnorm_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/* Trims white space at both ends of in[0..*len). */
static const char *
urlnorm_trim(const char *in, size_t *len)
{
	while (*len > 0 && urlnorm_is_space((unsigned char)in[0])) {
		in++;
		(*len)--;
	}
	while (*len > 0 && urlnorm_is_space((unsigned char)in[*len - 1]))
		(*len)--;
	return in;
}

/*
 * "scheme://" at the start of s (RFC 3986 section 3.1): sets *skip to its
 * length (0 when there is none) and *dport to the scheme's default port;
 * *either says there was no scheme, so that 80 and 443 are both
 * defaults. -1 for a scheme other than http and https.
 */
static int
urlnorm_entry_scheme(const char *s, size_t len, size_t *skip,
    uint16_t *dport, bool *either, struct werr *err)
{
	size_t i;

	*skip = 0;
	*dport = 80;
	*either = true;
	if (len == 0 || !urlnorm_is_alpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!urlnorm_is_alpha(c) && !urlnorm_is_digit(c) &&
		    c != '+' && c != '-' && c != '.')
			break;
	}
	if (len - i < 3 || memcmp(s + i, "://", 3) != 0)
		return 0;
	if (i == 4 && strncasecmp(s, "http", 4) == 0)
		*dport = 80;
	else if (i == 5 && strncasecmp(s, "https", 5) == 0)
		*dport = 443;
	else
		return werr_set(err, "unsupported scheme \"%.*s\"", (int)i,
		    s);
	*either = false;
	*skip = i + 3;
	return 0;
}

/* A port as RFC 3986 section 3.2.3 writes it; empty means the default. */
static int
urlnorm_port(const char *s, size_t len, uint16_t dport, uint16_t *port,
    struct werr *err)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0) {
		*port = dport;
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (!urlnorm_is_digit((unsigned char)s[i]))
			return werr_set(err, "invalid port \"%.*s\"",
			    (int)len, s);
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			return werr_set(err, "port out of range");
	}
	if (v == 0)
		return werr_set(err, "port out of range");
	*port = (uint16_t)v;
	return 0;
}

int
urlnorm_entry(const char *in, size_t len, char *out, size_t outsz,
    struct werr *err)
{
	const char *auth, *hend, *frag;
	char *root;
	size_t i, alen, rlen, hlen, plen, klen, skip;
	uint16_t dport, port = 0;
	bool either;

	in = urlnorm_trim(in, &len);
	if (len == 0)
		return werr_set(err, "empty URL entry");
	if (memchr(in, '\0', len) != NULL)
		return werr_set(err, "NUL byte in URL entry");
	if (urlnorm_entry_scheme(in, len, &skip, &dport, &either, err) == -1)
		return -1;
	auth = in + skip;
	rlen = len - skip;
	/* Section 3.5: a fragment is never sent, so never matched. */
	frag = memchr(auth, '#', rlen);
	if (frag != NULL)
		rlen = (size_t)(frag - auth);
	/* Section 3.2: the authority ends at the first '/' or '?'. */
	for (alen = 0; alen < rlen; alen++)
		if (auth[alen] == '/' || auth[alen] == '?')
			break;

	/* Section 3.2.1: userinfo ends at the last '@' of the authority. */
	for (i = alen; i > 0; i--)
		if (auth[i - 1] == '@')
			break;
	auth += i;
	alen -= i;
	rlen -= i;

	/* Sections 3.2.2 and 3.2.3: host, then an optional ":port". */
	if (alen > 0 && auth[0] == '[') {
		hend = memchr(auth, ']', alen);
		if (hend == NULL)
			return werr_set(err, "unterminated IPv6 address");
		hend++;
	} else {
		hend = urlnorm_memrchr(auth, ':', alen);
		if (hend == NULL)
			hend = auth + alen;
	}
	hlen = (size_t)(hend - auth);
	if (hlen == 0)
		return werr_set(err, "empty host");
	if (hlen == alen)
		port = dport;
	else if (*hend != ':')
		return werr_set(err, "junk after IPv6 address");
	else if (urlnorm_port(hend + 1, alen - hlen - 1, dport, &port,
	    err) == -1)
		return -1;
	/* Without a scheme, either web port is the default. */
	if (either && port == 443)
		port = dport;

	plen = rlen - alen;
	if (urlnorm_key_span(auth, hlen, port, dport, auth + alen, plen, out,
	    outsz, err) == -1)
		return -1;
	/*
	 * "example.com/dir/" is "example.com/dir", which still matches
	 * "/dir/x" at the '/' boundary; the root keeps its '/'.
	 */
	if (strchr(out, '?') == NULL) {
		root = strchr(out, '/');
		klen = strlen(out);
		while (klen > (size_t)(root - out) + 1 && out[klen - 1] == '/')
			out[--klen] = '\0';
	}
	return 0;
}

int
urlnorm_domain_entry(const char *in, size_t len, char *out, size_t outsz,
    struct werr *err)
{
	bool is_ip;

	in = urlnorm_trim(in, &len);
	if (len >= 2 && in[0] == '*' && in[1] == '.') {
		in += 2;
		len -= 2;
	} else if (len >= 1 && in[0] == '.') {
		in++;
		len--;
	}
	if (len == 0)
		return werr_set(err, "empty domain entry");
	if (memchr(in, '/', len) != NULL)
		return werr_set(err, "domain entry has a scheme or a path");
	return urlnorm_host(in, len, out, outsz, &is_ip, err);
}
