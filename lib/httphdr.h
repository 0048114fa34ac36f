#ifndef WARDEN_HTTPHDR_H
#define WARDEN_HTTPHDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "werr.h"

/*
 * Header fields as spans into a message head that the caller keeps alive,
 * and the framing and hop-by-hop rules of RFC 9110 section 7.6.1 and
 * RFC 9112 sections 6 and 7. No allocation: the caller gives the array.
 */

enum hdr_id {
	HDR_OTHER = 0,
	HDR_HOST,
	HDR_CONTENT_LENGTH,
	HDR_TRANSFER_ENCODING,
	HDR_CONNECTION,
	HDR_KEEP_ALIVE,
	HDR_PROXY_CONNECTION,
	HDR_TE,
	HDR_TRAILER,
	HDR_UPGRADE,
	HDR_VIA,
	HDR_X_FORWARDED_FOR,
	HDR_FORWARDED,
	HDR_EXPECT,
	HDR_PROXY_AUTHORIZATION,
	HDR_PROXY_AUTHENTICATE,
	HDR_CONTENT_TYPE,
	HDR_FROM,
	HDR_SEC_WEBSOCKET_KEY,
	HDR_MAX_FORWARDS,
	HDR_ACCEPT_ENCODING,
	HDR_CONTENT_ENCODING,
	HDR_CONTENT_DISPOSITION,
	HDR_CONTENT_RANGE,
	HDR__COUNT
};
const char	*hdr_id_str(enum hdr_id);

/* Header flags set by httphdr_analyse(). */
#define HDR_F_DROP	0x01	/* hop-by-hop or framing: never forwarded */

struct hdr {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* OWS trimmed both ends */
	size_t		 value_len;
	enum hdr_id	 id;
	unsigned	 flags;
};

struct hdrs {
	struct hdr	*v;
	size_t		 n;
	size_t		 max;
};

/* Case-insensitive classification of a field name. */
enum hdr_id	httphdr_classify(const char *name, size_t len) WD_NONNULL(1);

/*
 * Appends a field; trims OWS around the value and classifies the name.
 * 0, or -1 when the array is full.
 */
int	httphdr_add(struct hdrs *h, const char *name, size_t name_len,
	    const char *value, size_t value_len) WD_NONNULL(1, 2, 4) WD_WUR;

/* Marks every field with this id HDR_F_DROP. */
void	httphdr_drop(struct hdrs *h, enum hdr_id id) WD_NONNULL(1);
/* The same for every field with this name (case-insensitive). */
void	httphdr_drop_name(struct hdrs *h, const char *name) WD_NONNULL(1, 2);

/* First field with this id, or NULL. */
const struct hdr	*httphdr_find(const struct hdrs *h, enum hdr_id id)
	    WD_NONNULL(1);

/*
 * Walks a comma-separated list (RFC 9110 section 5.6.1): skips empty
 * elements and OWS. Returns true with the next element in tok/toklen,
 * false at the end. *p is advanced; start it at the value.
 */
bool	httphdr_list_next(const char **p, const char *end, const char **tok,
	    size_t *toklen) WD_NONNULL(1, 2, 3, 4);

/* Case-insensitive comparison of a span with a NUL-terminated word. */
bool	httphdr_token_eq(const char *tok, size_t len, const char *word)
	    WD_NONNULL(1, 3);

/* Why a message cannot be forwarded, and the status that says so. */
struct hdr_problem {
	int	status;		/* 400, 501, or 502 for a response */
	struct werr err;
};

struct hdr_info {
	int64_t		 content_length;	/* -1: none */
	bool		 chunked;
	bool		 conn_close;		/* "close" in Connection */
	bool		 conn_keep_alive;	/* "keep-alive" in Connection */
	bool		 conn_upgrade;		/* "upgrade" in Connection */
	bool		 upgrade_websocket;	/* Upgrade: websocket, with conn_upgrade */
	bool		 expect_continue;	/* Expect: 100-continue */
	bool		 expect_other;		/* any other expectation */
	const struct hdr *host;			/* the one Host field, or NULL */
	unsigned	 nhost;
	const struct hdr *content_type;
};

/*
 * Works out framing and hop-by-hop fields for a message of HTTP/1.minor
 * (is_request tells which side) and sets HDR_F_DROP on every field that
 * must not be forwarded: Connection and the fields it names, Keep-Alive,
 * Proxy-Connection, TE, Trailer, Upgrade (the caller re-adds it for a
 * WebSocket it passes), Transfer-Encoding and Content-Length (the caller
 * writes its own framing), and Proxy-Authorization/Proxy-Authenticate.
 *
 * Refuses (returns -1 and fills *why) what RFC 9112 section 6 makes
 * ambiguous: Content-Length with Transfer-Encoding, more than one
 * Content-Length field or a list value, a non-numeric or overflowing
 * Content-Length, any transfer coding other than a single final
 * "chunked" (unknown codings: 501 for a request), Transfer-Encoding in
 * an HTTP/1.0 message, a Connection option that names Host or a framing
 * field. For a request also: no Host in HTTP/1.1, or more than one.
 */
int	httphdr_analyse(struct hdrs *h, bool is_request, int http_minor,
	    struct hdr_info *info, struct hdr_problem *why)
	    WD_NONNULL(1, 4, 5) WD_WUR;

#endif
