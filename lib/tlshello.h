#ifndef WARDEN_TLSHELLO_H
#define WARDEN_TLSHELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "werr.h"

/*
 * A look at the TLS ClientHello a client sends first on a CONNECT tunnel,
 * so that policy can choose splice, bump or block (by SNI and ALPN) before
 * anything goes upstream. No I/O, no allocation, no state between calls;
 * any thread may call these.
 */

/* The largest ClientHello message accepted, its 4-byte header included. */
#define TLSHELLO_MAX_MSG	16384
/*
 * The most bytes tlshello_parse() ever asks for: the message and the
 * headers of the records it is split across. With this many bytes in hand
 * it never returns WD_AGAIN.
 */
#define TLSHELLO_MAX		(TLSHELLO_MAX_MSG + 2048)
/* More extensions than this in one hello is malformed. */
#define TLSHELLO_MAX_EXT	128

#define TLSHELLO_ALPN_MAX	8	/* protocols kept */
#define TLSHELLO_ALPN_LEN	32	/* longest protocol name kept */

/* Protocol versions as the wire writes them. */
#define TLSHELLO_SSL30		0x0300
#define TLSHELLO_TLS10		0x0301
#define TLSHELLO_TLS11		0x0302
#define TLSHELLO_TLS12		0x0303
#define TLSHELLO_TLS13		0x0304

struct tlshello_alpn {
	char	name[TLSHELLO_ALPN_LEN + 1];	/* NUL-terminated */
	uint8_t	len;		/* names are opaque bytes: a NUL may be in */
};

/* What the hello says; meaningful only after tlshello_parse() succeeds. */
struct tlshello {
	uint16_t	legacy_version;	/* 0x0301..0x0303 */
	uint16_t	max_version;	/* highest offered; 0: none we know */
	bool		offers_tls13;	/* 0x0304 in supported_versions */
	size_t		ncipher;	/* cipher suites, GREASE included */

	bool		has_sni;	/* sni holds a valid host name */
	bool		sni_invalid;	/* a host_name that is no DNS name */
	char		sni[256];	/* lowercase, no final dot; or "" */

	bool		has_alpn;	/* the extension is present */
	bool		alpn_truncated;	/* names past 8 or over 32 bytes */
	size_t		nalpn;
	struct tlshello_alpn alpn[TLSHELLO_ALPN_MAX];

	bool		has_ech;	/* encrypted_client_hello, 0xfe0d */
	bool		has_session_ticket;
	bool		has_psk;	/* pre_shared_key: a resumption */
	bool		has_early_data;
	size_t		nrecords;	/* TLS records the hello spans */
};

/*
 * Parses the ClientHello at the start of buf (len bytes received so far
 * on the connection), which may be split across several handshake
 * records (RFC 8446 section 5.1). Returns the number of bytes the records
 * carrying the hello occupy (bytes after them are not looked at), or
 * WD_AGAIN when a longer buf is needed (never once len >= TLSHELLO_MAX),
 * or -1 with err set: not TLS ("not TLS: first byte 0x47 ('G')"), an
 * SSLv2 or SSL 3.0 hello, a record other than handshake before the hello
 * is complete, or a malformed hello (which field, what is wrong). Call
 * again with the same bytes and more. err may be NULL.
 *
 * Strict: every length must fit its container exactly, no extension may
 * appear twice (RFC 8446 section 4.2), pre_shared_key must come last, at
 * most one host_name in server_name (RFC 6066 section 3). A host_name
 * that is not a DNS name (IP literal, underscore, bad label) is not an
 * error: sni_invalid is set and sni left empty.
 */
int	tlshello_parse(const unsigned char *buf, size_t len,
	    struct tlshello *out, struct werr *err) WD_NONNULL(3) WD_WUR;

/*
 * Whether the first bytes of a connection (any number; 1 to 5 are enough)
 * could begin a TLS handshake: a handshake record header, or an SSLv2
 * client hello, which tlshello_parse() refuses but which is still TLS and
 * not a plaintext protocol. False for len 0.
 */
bool	tlshello_looks_like_tls(const unsigned char *buf, size_t len);

/* "TLS 1.2", "SSL 3.0", ... or "unknown", for logs. */
const char	*tlshello_version_str(uint16_t version);

#endif
