#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "httphdr.h"

/* ASCII only: field names are not subject to the locale. */
static unsigned char
httphdr_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive equality of two spans of the same length. */
static bool
httphdr_names_eq(const char *a, const char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (httphdr_lower((unsigned char)a[i]) !=
		    httphdr_lower((unsigned char)b[i]))
			return false;
	return true;
}

static const char *const hdr_names[HDR__COUNT] = {
	[HDR_OTHER] = "other",
	[HDR_HOST] = "host",
	[HDR_CONTENT_LENGTH] = "content-length",
	[HDR_TRANSFER_ENCODING] = "transfer-encoding",
	[HDR_CONNECTION] = "connection",
	[HDR_KEEP_ALIVE] = "keep-alive",
	[HDR_PROXY_CONNECTION] = "proxy-connection",
	[HDR_TE] = "te",
	[HDR_TRAILER] = "trailer",
	[HDR_UPGRADE] = "upgrade",
	[HDR_VIA] = "via",
	[HDR_X_FORWARDED_FOR] = "x-forwarded-for",
	[HDR_FORWARDED] = "forwarded",
	[HDR_EXPECT] = "expect",
	[HDR_PROXY_AUTHORIZATION] = "proxy-authorization",
	[HDR_PROXY_AUTHENTICATE] = "proxy-authenticate",
	[HDR_CONTENT_TYPE] = "content-type",
	[HDR_FROM] = "from",
	[HDR_SEC_WEBSOCKET_KEY] = "sec-websocket-key",
	[HDR_MAX_FORWARDS] = "max-forwards",
	[HDR_ACCEPT_ENCODING] = "accept-encoding",
	[HDR_CONTENT_ENCODING] = "content-encoding",
	[HDR_CONTENT_DISPOSITION] = "content-disposition",
	[HDR_CONTENT_RANGE] = "content-range",
};

const char *
hdr_id_str(enum hdr_id id)
{
	if ((unsigned)id >= HDR__COUNT)
		return "unknown";
	return hdr_names[id];
}

/* The id whose name is w, if s matches it. */
static enum hdr_id
httphdr_try(const char *s, size_t len, enum hdr_id id)
{
	return httphdr_names_eq(s, hdr_names[id], len) ? id : HDR_OTHER;
}

/*
 * Length first, then the first letter, then one comparison: a name that
 * is not ours usually costs a switch and nothing else.
 */
enum hdr_id
httphdr_classify(const char *name, size_t len)
{
	unsigned char c;

	if (len < 2)
		return HDR_OTHER;
	c = httphdr_lower((unsigned char)name[0]);
	switch (len) {
	case 2:
		return httphdr_try(name, len, HDR_TE);
	case 3:
		return httphdr_try(name, len, HDR_VIA);
	case 4:
		if (c == 'h')
			return httphdr_try(name, len, HDR_HOST);
		if (c == 'f')
			return httphdr_try(name, len, HDR_FROM);
		break;
	case 6:
		return httphdr_try(name, len, HDR_EXPECT);
	case 7:
		if (c == 't')
			return httphdr_try(name, len, HDR_TRAILER);
		if (c == 'u')
			return httphdr_try(name, len, HDR_UPGRADE);
		break;
	case 9:
		return httphdr_try(name, len, HDR_FORWARDED);
	case 10:
		if (c == 'c')
			return httphdr_try(name, len, HDR_CONNECTION);
		if (c == 'k')
			return httphdr_try(name, len, HDR_KEEP_ALIVE);
		break;
	case 12:
		if (c == 'm')
			return httphdr_try(name, len, HDR_MAX_FORWARDS);
		return httphdr_try(name, len, HDR_CONTENT_TYPE);
	case 13:
		return httphdr_try(name, len, HDR_CONTENT_RANGE);
	case 14:
		return httphdr_try(name, len, HDR_CONTENT_LENGTH);
	case 15:
		if (c == 'a')
			return httphdr_try(name, len, HDR_ACCEPT_ENCODING);
		return httphdr_try(name, len, HDR_X_FORWARDED_FOR);
	case 16:
		if (c == 'c')
			return httphdr_try(name, len, HDR_CONTENT_ENCODING);
		return httphdr_try(name, len, HDR_PROXY_CONNECTION);
	case 17:
		if (c == 't')
			return httphdr_try(name, len, HDR_TRANSFER_ENCODING);
		if (c == 's')
			return httphdr_try(name, len, HDR_SEC_WEBSOCKET_KEY);
		break;
	case 18:
		return httphdr_try(name, len, HDR_PROXY_AUTHENTICATE);
	case 19:
		if (c == 'c')
			return httphdr_try(name, len, HDR_CONTENT_DISPOSITION);
		return httphdr_try(name, len, HDR_PROXY_AUTHORIZATION);
	}
	return HDR_OTHER;
}

static bool
httphdr_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

int
httphdr_add(struct hdrs *h, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
	struct hdr *f;

	if (h->n >= h->max)
		return -1;
	/* RFC 9110 section 5.5: OWS around the value is not part of it. */
	while (value_len > 0 && httphdr_is_ows(value[0])) {
		value++;
		value_len--;
	}
	while (value_len > 0 && httphdr_is_ows(value[value_len - 1]))
		value_len--;
	f = &h->v[h->n++];
	f->name = name;
	f->name_len = name_len;
	f->value = value;
	f->value_len = value_len;
	f->id = httphdr_classify(name, name_len);
	f->flags = 0;
	return 0;
}

void
httphdr_drop(struct hdrs *h, enum hdr_id id)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->v[i].id == id)
			h->v[i].flags |= HDR_F_DROP;
}

void
httphdr_drop_name(struct hdrs *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (httphdr_token_eq(h->v[i].name, h->v[i].name_len, name))
			h->v[i].flags |= HDR_F_DROP;
}

const struct hdr *
httphdr_find(const struct hdrs *h, enum hdr_id id)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->v[i].id == id)
			return &h->v[i];
	return NULL;
}

/*
 * RFC 9110 section 5.6.1. A quoted-string (section 5.6.4) inside an
 * element is skipped whole, so a comma in quotes does not split it.
 */
bool
httphdr_list_next(const char **p, const char *end, const char **tok,
    size_t *toklen)
{
	const char *s = *p, *e;

	while (s < end && (*s == ',' || httphdr_is_ows(*s)))
		s++;
	if (s >= end) {
		*p = end;
		return false;
	}
	e = s;
	while (e < end && *e != ',') {
		if (*e++ != '"')
			continue;
		while (e < end && *e != '"') {
			if (*e == '\\' && e + 1 < end)
				e++;
			e++;
		}
		if (e < end)
			e++;
	}
	*p = e;
	while (e > s && httphdr_is_ows(e[-1]))
		e--;
	*tok = s;
	*toklen = (size_t)(e - s);
	return true;
}

bool
httphdr_token_eq(const char *tok, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (word[i] == '\0' || httphdr_lower((unsigned char)tok[i]) !=
		    httphdr_lower((unsigned char)word[i]))
			return false;
	}
	return word[len] == '\0';
}

/* A token fit to quote in a message: tchar only, not too long. */
static bool
httphdr_printable(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 40)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}",
		    c) != NULL)
			return false;
	}
	return true;
}

static bool
httphdr_all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return len > 0;
}

/* RFC 9110 section 8.6: 1*DIGIT, nothing else; -1 if not, or too big. */
static int64_t
httphdr_parse_length(const char *s, size_t len)
{
	int64_t v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		int d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	return v;
}

/* Transfer codings we know by name (RFC 9110 section 18.6 registry). */
static bool
httphdr_known_coding(const char *s, size_t len)
{
	static const char *const known[] = {
		"chunked", "compress", "deflate", "gzip", "identity",
		"x-compress", "x-gzip",
	};
	size_t i;

	for (i = 0; i < WD_NELEM(known); i++)
		if (httphdr_token_eq(s, len, known[i]))
			return true;
	return false;
}

/* Marks every field called tok (RFC 9110 section 7.6.1). */
static void
httphdr_drop_named(struct hdrs *h, const char *tok, size_t len)
{
	enum hdr_id id = httphdr_classify(tok, len);
	size_t i;

	for (i = 0; i < h->n; i++) {
		struct hdr *f = &h->v[i];

		if (id != HDR_OTHER) {
			if (f->id != id)
				continue;
		} else if (f->id != HDR_OTHER || f->name_len != len ||
		    !httphdr_names_eq(f->name, tok, len))
			continue;
		f->flags |= HDR_F_DROP;
	}
}

/* "websocket" or "websocket/13" (RFC 9110 section 7.8, RFC 6455). */
static bool
httphdr_is_websocket(const char *tok, size_t len)
{
	const char *slash = memchr(tok, '/', len);

	if (slash != NULL)
		len = (size_t)(slash - tok);
	return httphdr_token_eq(tok, len, "websocket");
}

/* The length of a transfer coding's name, without its parameters. */
static size_t
httphdr_coding_len(const char *tok, size_t len)
{
	size_t n;

	for (n = 0; n < len; n++)
		if (tok[n] == ';' || httphdr_is_ows(tok[n]))
			break;
	return n;
}

/*
 * RFC 9112 section 6.1, 6.3 and 7.1: the only transfer coding a proxy
 * that re-frames every message accepts is a single "chunked". What else
 * comes is refused: chunked twice or not last makes the length unknowable
 * (400); so does a single other coding we know by name; a coding we do
 * not implement, alone or before a final chunked, is 501. A response
 * gets 502 whatever the reason.
 */
static int
httphdr_check_te(const struct hdrs *h, bool is_request, struct hdr_info *info,
    struct hdr_problem *why)
{
	const int bad = is_request ? 400 : 502;
	const char *p, *t, *last = NULL, *other = NULL;
	size_t i, n = 0, nchunked = 0, tl, lastlen = 0, otherlen = 0;

	for (i = 0; i < h->n; i++) {
		if (h->v[i].id != HDR_TRANSFER_ENCODING)
			continue;
		p = h->v[i].value;
		while (httphdr_list_next(&p, h->v[i].value + h->v[i].value_len,
		    &t, &tl)) {
			n++;
			last = t;
			lastlen = tl;
			if (httphdr_token_eq(t, httphdr_coding_len(t, tl),
			    "chunked"))
				nchunked++;
			else if (other == NULL) {
				other = t;
				otherlen = httphdr_coding_len(t, tl);
			}
		}
	}
	why->status = bad;
	if (n == 0)
		return werr_set(&why->err, "empty Transfer-Encoding");
	if (nchunked > 1)
		return werr_set(&why->err, "chunked applied more than once");
	if (nchunked == 1 && !httphdr_token_eq(last, lastlen, "chunked")) {
		if (httphdr_token_eq(last, httphdr_coding_len(last, lastlen),
		    "chunked"))
			return werr_set(&why->err,
			    "chunked transfer coding with parameters");
		return werr_set(&why->err, "chunked is not the final "
		    "transfer coding");
	}
	if (nchunked == 0 && n > 1)
		return werr_set(&why->err, "chunked is not the final "
		    "transfer coding");
	if (n == 1 && nchunked == 1) {
		why->status = 0;
		info->chunked = true;
		return 0;
	}
	if (n == 1 && httphdr_known_coding(other, otherlen))
		return werr_set(&why->err, "transfer coding '%.*s' without "
		    "chunked", (int)otherlen, other);
	/* A single unknown coding, or any coding before a final chunked. */
	why->status = is_request ? 501 : 502;
	if (httphdr_printable(other, otherlen))
		return werr_set(&why->err, "transfer coding '%.*s' is not "
		    "implemented", (int)otherlen, other);
	return werr_set(&why->err, "transfer coding not implemented");
}

/* RFC 9110 section 7.6.1: options, and the fields they name. */
static int
httphdr_check_connection(struct hdrs *h, bool is_request,
    struct hdr_info *info, struct hdr_problem *why)
{
	const char *p, *end, *tok;
	size_t i, len;

	for (i = 0; i < h->n; i++) {
		if (h->v[i].id != HDR_CONNECTION)
			continue;
		p = h->v[i].value;
		end = p + h->v[i].value_len;
		while (httphdr_list_next(&p, end, &tok, &len)) {
			switch (httphdr_classify(tok, len)) {
			case HDR_HOST:
			case HDR_CONTENT_LENGTH:
			case HDR_TRANSFER_ENCODING:
				/*
				 * Dropping these would change where the
				 * message goes or where it ends.
				 */
				why->status = is_request ? 400 : 502;
				return werr_set(&why->err, "Connection names "
				    "%.*s", (int)len, tok);
			default:
				break;
			}
			if (httphdr_token_eq(tok, len, "close"))
				info->conn_close = true;
			else if (httphdr_token_eq(tok, len, "keep-alive"))
				info->conn_keep_alive = true;
			else if (httphdr_token_eq(tok, len, "upgrade"))
				info->conn_upgrade = true;
			httphdr_drop_named(h, tok, len);
		}
	}
	return 0;
}

int
httphdr_analyse(struct hdrs *h, bool is_request, int http_minor,
    struct hdr_info *info, struct hdr_problem *why)
{
	const int bad = is_request ? 400 : 502;
	const struct hdr *cl = NULL, *te = NULL;
	const char *p, *end, *tok;
	bool ws = false;
	unsigned ncl = 0;
	size_t i, len;

	memset(info, 0, sizeof(*info));
	info->content_length = -1;
	why->status = 0;
	why->err.msg[0] = '\0';

	for (i = 0; i < h->n; i++) {
		struct hdr *f = &h->v[i];

		p = f->value;
		end = f->value + f->value_len;
		switch (f->id) {
		case HDR_HOST:
			if (info->nhost++ == 0)
				info->host = f;
			break;
		case HDR_CONTENT_LENGTH:
			if (ncl++ == 0)
				cl = f;
			f->flags |= HDR_F_DROP;
			break;
		case HDR_TRANSFER_ENCODING:
			if (te == NULL)
				te = f;
			f->flags |= HDR_F_DROP;
			break;
		case HDR_UPGRADE:
			while (httphdr_list_next(&p, end, &tok, &len))
				if (httphdr_is_websocket(tok, len))
					ws = true;
			f->flags |= HDR_F_DROP;
			break;
		case HDR_EXPECT:
			/* RFC 9110 section 10.1.1. */
			while (httphdr_list_next(&p, end, &tok, &len)) {
				if (httphdr_token_eq(tok, len, "100-continue"))
					info->expect_continue = true;
				else
					info->expect_other = true;
			}
			break;
		case HDR_CONTENT_TYPE:
			if (info->content_type == NULL)
				info->content_type = f;
			break;
		case HDR_CONNECTION:
		case HDR_KEEP_ALIVE:
		case HDR_PROXY_CONNECTION:
		case HDR_TE:
		case HDR_TRAILER:
		case HDR_PROXY_AUTHORIZATION:
		case HDR_PROXY_AUTHENTICATE:
			f->flags |= HDR_F_DROP;
			break;
		default:
			break;
		}
	}

	/* RFC 9112 section 6.3 item 5; RFC 9110 section 8.6. */
	if (ncl > 1) {
		why->status = bad;
		return werr_set(&why->err,
		    "more than one Content-Length field");
	}
	if (cl != NULL) {
		info->content_length = httphdr_parse_length(cl->value,
		    cl->value_len);
		if (info->content_length == -1) {
			why->status = bad;
			if (httphdr_all_digits(cl->value, cl->value_len))
				return werr_set(&why->err,
				    "Content-Length is too large");
			return werr_set(&why->err,
			    "Content-Length is not a single number");
		}
	}
	if (te != NULL) {
		/* RFC 9112 section 6.1: faulty framing in HTTP/1.0. */
		if (http_minor == 0) {
			why->status = bad;
			return werr_set(&why->err,
			    "Transfer-Encoding in an HTTP/1.0 message");
		}
		/* RFC 9112 section 6.1 and 11.2: request smuggling. */
		if (cl != NULL) {
			why->status = bad;
			return werr_set(&why->err, "both Content-Length and "
			    "Transfer-Encoding");
		}
		if (httphdr_check_te(h, is_request, info, why) == -1)
			return -1;
	}
	if (httphdr_check_connection(h, is_request, info, why) == -1)
		return -1;
	info->upgrade_websocket = ws && info->conn_upgrade;

	/* RFC 9112 section 3.2. */
	if (is_request) {
		if (info->nhost > 1) {
			why->status = 400;
			return werr_set(&why->err, "more than one Host field");
		}
		if (info->nhost == 0 && http_minor >= 1) {
			why->status = 400;
			return werr_set(&why->err,
			    "HTTP/1.1 request without Host");
		}
	}
	return 0;
}
