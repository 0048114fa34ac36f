#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tlshello.h"

/*
 * Two passes over the same bytes. The first walks the record headers
 * (RFC 5246 section 6.2.1; RFC 8446 section 5.1) and learns how much of
 * the handshake message is present and how long it is; the second reads
 * the message through a cursor that steps over record headers, so a hello
 * fragmented across records needs no copy. Each length is checked against
 * the part that contains it before the bytes are known to be there: a
 * malformed length fails at once, a short buffer only asks for more.
 */

#define TLSHELLO_REC_HDR	5
#define TLSHELLO_REC_MAX	16384	/* 2^14, RFC 8446 section 5.1 */
#define TLSHELLO_HS_HDR		4

#define TLSHELLO_CT_HANDSHAKE	22
#define TLSHELLO_HT_CLIENT	1	/* client_hello */

/* Extension types (IANA "TLS ExtensionType Values"). */
#define TLSHELLO_EXT_SNI	0
#define TLSHELLO_EXT_ALPN	16
#define TLSHELLO_EXT_TICKET	35
#define TLSHELLO_EXT_PSK	41
#define TLSHELLO_EXT_EARLY	42
#define TLSHELLO_EXT_VERSIONS	43
#define TLSHELLO_EXT_ECH	0xfe0d

/* Reads the handshake message across records. */
struct tlshello_cur {
	const unsigned char	*buf;
	size_t			 p;	/* next byte in buf */
	size_t			 rleft;	/* payload left in p's record */
	size_t			 off;	/* offset in the message */
	size_t			 avail;	/* message bytes present in buf */
};

/* A length-delimited part of the message, named for error messages. */
struct tlshello_part {
	size_t		 end;	/* message offset just past it */
	const char	*name;
};

static const struct {
	uint16_t	 type;
	const char	*name;
} tlshello_ext_names[] = {
	{ TLSHELLO_EXT_SNI, "server_name" },
	{ 10, "supported_groups" },
	{ 13, "signature_algorithms" },
	{ TLSHELLO_EXT_ALPN, "application_layer_protocol_negotiation" },
	{ TLSHELLO_EXT_TICKET, "session_ticket" },
	{ TLSHELLO_EXT_PSK, "pre_shared_key" },
	{ TLSHELLO_EXT_EARLY, "early_data" },
	{ TLSHELLO_EXT_VERSIONS, "supported_versions" },
	{ 45, "psk_key_exchange_modes" },
	{ 51, "key_share" },
	{ 0xff01, "renegotiation_info" },
	{ TLSHELLO_EXT_ECH, "encrypted_client_hello" },
};

const char *
tlshello_version_str(uint16_t version)
{
	switch (version) {
	case TLSHELLO_SSL30:
		return "SSL 3.0";
	case TLSHELLO_TLS10:
		return "TLS 1.0";
	case TLSHELLO_TLS11:
		return "TLS 1.1";
	case TLSHELLO_TLS12:
		return "TLS 1.2";
	case TLSHELLO_TLS13:
		return "TLS 1.3";
	default:
		return "unknown";
	}
}

static const char *
tlshello_ct_str(unsigned type)
{
	switch (type) {
	case 20:
		return "change_cipher_spec";
	case 21:
		return "alert";
	case 22:
		return "handshake";
	case 23:
		return "application_data";
	case 24:
		return "heartbeat";
	default:
		return "unknown";
	}
}

/* "server_name extension" or "extension 0x1234" into buf. */
static const char *
tlshello_ext_str(uint16_t type, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < WD_NELEM(tlshello_ext_names); i++)
		if (tlshello_ext_names[i].type == type) {
			(void)snprintf(buf, len, "%s extension",
			    tlshello_ext_names[i].name);
			return buf;
		}
	(void)snprintf(buf, len, "extension 0x%04x", type);
	return buf;
}

/* GREASE values are 0x?a?a with both bytes equal (RFC 8701 section 2). */
static bool
tlshello_grease(size_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

bool
tlshello_looks_like_tls(const unsigned char *buf, size_t len)
{
	size_t rl;

	if (len == 0)
		return false;
	if (buf[0] & 0x80) {
		/*
		 * SSLv2-compatible hello: 2-byte length with the high bit
		 * set, msg_type 1, then version 0x0002 or 0x03xx (RFC 5246
		 * appendix E.2).
		 */
		if (len >= 3 && buf[2] != 1)
			return false;
		if (len >= 4 && buf[3] != 0 && buf[3] != 3)
			return false;
		return true;
	}
	if (buf[0] != TLSHELLO_CT_HANDSHAKE)
		return false;
	if (len >= 2 && buf[1] != 3)
		return false;
	if (len >= 3 && buf[2] > 3)
		return false;
	if (len >= 5) {
		rl = (size_t)buf[3] << 8 | buf[4];
		if (rl == 0 || rl > TLSHELLO_REC_MAX)
			return false;
	}
	return true;
}

/* Why the first byte of a connection does not start a TLS handshake. */
static int
tlshello_first_byte(const unsigned char *b, size_t n, struct werr *err)
{
	if (b[0] & 0x80) {
		if (n >= 3 && b[2] != 1)
			return werr_set(err, "not TLS: first byte 0x%02x",
			    b[0]);
		return werr_set(err, "SSLv2 hello not supported");
	}
	if (b[0] >= 20 && b[0] <= 24)
		return werr_set(err, "TLS record of content type %u (%s) where "
		    "a ClientHello was expected", b[0], tlshello_ct_str(b[0]));
	if (b[0] >= 0x20 && b[0] < 0x7f)
		return werr_set(err, "not TLS: first byte 0x%02x ('%c')", b[0],
		    b[0]);
	return werr_set(err, "not TLS: first byte 0x%02x", b[0]);
}

/*
 * Checks the record header at b (n bytes present, maybe fewer than 5) as
 * far as it goes. 0 with *rl set, WD_AGAIN, or -1.
 */
static int
tlshello_record(const unsigned char *b, size_t n, bool first, size_t *rl,
    struct werr *err)
{
	unsigned v;

	if (n == 0)
		return WD_AGAIN;
	if (b[0] != TLSHELLO_CT_HANDSHAKE) {
		if (first)
			return tlshello_first_byte(b, n, err);
		return werr_set(err, "record of content type %u (%s) before "
		    "the ClientHello is complete", b[0],
		    tlshello_ct_str(b[0]));
	}
	if (n >= 2 && b[1] != 3)
		return werr_set(err, "bad record version: major %u", b[1]);
	if (n >= 3) {
		v = (unsigned)b[1] << 8 | b[2];
		if (v == TLSHELLO_SSL30)
			return werr_set(err, "SSL 3.0 is not supported");
		if (v > TLSHELLO_TLS12)
			return werr_set(err, "bad record version 0x%04x", v);
	}
	if (n < TLSHELLO_REC_HDR)
		return WD_AGAIN;
	*rl = (size_t)b[3] << 8 | b[4];
	/* Zero-length handshake fragments are forbidden: RFC 8446 5.1. */
	if (*rl == 0)
		return werr_set(err, "empty handshake record");
	if (*rl > TLSHELLO_REC_MAX)
		return werr_set(err, "record length %zu exceeds 2^14", *rl);
	return 0;
}

/*
 * Whether n more bytes fit in the part and are present: 0, -1 when they
 * overflow the part (the length that said so was wrong), or WD_AGAIN.
 */
static int
tlshello_need(const struct tlshello_cur *c, const struct tlshello_part *in,
    size_t n, const char *what, struct werr *err)
{
	if (n > in->end - c->off)
		return werr_set(err, "%s (%zu bytes) overflows the %s (%zu "
		    "left)", what, n, in->name, in->end - c->off);
	if (n > c->avail - c->off)
		return WD_AGAIN;
	return 0;
}

/* Copies (or with dst NULL skips) n bytes tlshello_need() vouched for. */
static void
tlshello_read(struct tlshello_cur *c, unsigned char *dst, size_t n)
{
	size_t k;

	c->off += n;
	while (n > 0) {
		if (c->rleft == 0) {
			c->rleft = (size_t)c->buf[c->p + 3] << 8 |
			    c->buf[c->p + 4];
			c->p += TLSHELLO_REC_HDR;
		}
		k = n < c->rleft ? n : c->rleft;
		if (dst != NULL) {
			memcpy(dst, c->buf + c->p, k);
			dst += k;
		}
		c->p += k;
		c->rleft -= k;
		n -= k;
	}
}

static int
tlshello_skip(struct tlshello_cur *c, const struct tlshello_part *in,
    size_t n, const char *what, struct werr *err)
{
	int r;

	if ((r = tlshello_need(c, in, n, what, err)) != 0)
		return r;
	tlshello_read(c, NULL, n);
	return 0;
}

static int
tlshello_u8(struct tlshello_cur *c, const struct tlshello_part *in,
    const char *what, size_t *v, struct werr *err)
{
	unsigned char b;
	int r;

	if ((r = tlshello_need(c, in, 1, what, err)) != 0)
		return r;
	tlshello_read(c, &b, 1);
	*v = b;
	return 0;
}

static int
tlshello_u16(struct tlshello_cur *c, const struct tlshello_part *in,
    const char *what, size_t *v, struct werr *err)
{
	unsigned char b[2];
	int r;

	if ((r = tlshello_need(c, in, 2, what, err)) != 0)
		return r;
	tlshello_read(c, b, 2);
	*v = (size_t)b[0] << 8 | b[1];
	return 0;
}

/*
 * Lowercases name in place, drops one final dot and says whether what is
 * left is a host name: LDH labels of 1..63 bytes, no hyphen at either end
 * of a label, 253 bytes at most (RFC 1123 section 2.1, RFC 6066 section
 * 3), and a last label that is not all digits, which rules out IPv4
 * literals (RFC 6066 forbids IP addresses in host_name; IPv6 ones fail
 * on ':').
 */
static bool
tlshello_host_valid(char *name, size_t len)
{
	size_t i, label = 0;
	bool digits = true;
	unsigned char ch;

	if (len > 0 && name[len - 1] == '.')
		name[--len] = '\0';
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		ch = (unsigned char)name[i];
		if (ch == '.') {
			if (label == 0 || name[i - 1] == '-')
				return false;
			label = 0;
			digits = true;
			continue;
		}
		if (ch >= 'A' && ch <= 'Z') {
			ch = (unsigned char)(ch - 'A' + 'a');
			name[i] = (char)ch;
		}
		if (ch == '-') {
			if (label == 0)
				return false;
		} else if (!(ch >= 'a' && ch <= 'z') &&
		    !(ch >= '0' && ch <= '9'))
			return false;
		if (!(ch >= '0' && ch <= '9'))
			digits = false;
		if (++label > 63)
			return false;
	}
	return label != 0 && name[len - 1] != '-' && !digits;
}

/*
 * server_name (RFC 6066 section 3). Every name type is read as a 2-byte
 * length and bytes, the only layout ever defined; types other than
 * host_name are skipped.
 */
static int
tlshello_sni(struct tlshello_cur *c, const struct tlshello_part *ext,
    struct tlshello *out, struct werr *err)
{
	struct tlshello_part list;
	size_t n, type;
	bool host = false, ok;
	int r;

	if ((r = tlshello_u16(c, ext, "server_name list length", &n,
	    err)) != 0)
		return r;
	if (n != ext->end - c->off)
		return werr_set(err, "server_name list length %zu does not "
		    "match its extension (%zu bytes)", n, ext->end - c->off);
	if (n == 0)
		return werr_set(err, "empty server_name list");
	list.end = ext->end;
	list.name = "server_name list";
	while (c->off < list.end) {
		if ((r = tlshello_u8(c, &list, "name_type", &type, err)) != 0 ||
		    (r = tlshello_u16(c, &list, "server name length", &n,
		    err)) != 0)
			return r;
		if (type != 0) {
			if ((r = tlshello_skip(c, &list, n, "server name",
			    err)) != 0)
				return r;
			continue;
		}
		if (host)
			return werr_set(err, "more than one host_name in "
			    "server_name");
		host = true;
		if (n == 0)
			return werr_set(err, "empty host_name in server_name");
		if ((r = tlshello_need(c, &list, n, "host_name", err)) != 0)
			return r;
		if (n < sizeof(out->sni)) {
			tlshello_read(c, (unsigned char *)out->sni, n);
			out->sni[n] = '\0';
			ok = tlshello_host_valid(out->sni, n);
		} else {
			tlshello_read(c, NULL, n);
			ok = false;
		}
		if (ok)
			out->has_sni = true;
		else {
			memset(out->sni, 0, sizeof(out->sni));
			out->sni_invalid = true;
		}
	}
	return 0;
}

/* application_layer_protocol_negotiation (RFC 7301 section 3.1). */
static int
tlshello_alpn(struct tlshello_cur *c, const struct tlshello_part *ext,
    struct tlshello *out, struct werr *err)
{
	struct tlshello_part list;
	struct tlshello_alpn *a;
	size_t n;
	int r;

	if ((r = tlshello_u16(c, ext, "ALPN list length", &n, err)) != 0)
		return r;
	if (n != ext->end - c->off)
		return werr_set(err, "ALPN list length %zu does not match its "
		    "extension (%zu bytes)", n, ext->end - c->off);
	if (n < 2)
		return werr_set(err, "ALPN list of %zu bytes", n);
	list.end = ext->end;
	list.name = "ALPN list";
	out->has_alpn = true;
	while (c->off < list.end) {
		if ((r = tlshello_u8(c, &list, "ALPN protocol length", &n,
		    err)) != 0)
			return r;
		if (n == 0)
			return werr_set(err, "empty ALPN protocol name");
		if ((r = tlshello_need(c, &list, n, "ALPN protocol",
		    err)) != 0)
			return r;
		if (out->nalpn == TLSHELLO_ALPN_MAX ||
		    n > TLSHELLO_ALPN_LEN) {
			tlshello_read(c, NULL, n);
			out->alpn_truncated = true;
			continue;
		}
		a = &out->alpn[out->nalpn++];
		tlshello_read(c, (unsigned char *)a->name, n);
		a->name[n] = '\0';
		a->len = (uint8_t)n;
	}
	return 0;
}

/* supported_versions, the ClientHello form (RFC 8446 section 4.2.1). */
static int
tlshello_versions(struct tlshello_cur *c, const struct tlshello_part *ext,
    struct tlshello *out, struct werr *err)
{
	struct tlshello_part list;
	size_t n, v;
	int r;

	if ((r = tlshello_u8(c, ext, "supported_versions length", &n,
	    err)) != 0)
		return r;
	if (n != ext->end - c->off)
		return werr_set(err, "supported_versions length %zu does not "
		    "match its extension (%zu bytes)", n, ext->end - c->off);
	if (n < 2 || n % 2 != 0)
		return werr_set(err, "supported_versions length %zu is odd "
		    "or zero", n);
	list.end = ext->end;
	list.name = "supported_versions";
	out->max_version = 0;
	while (c->off < list.end) {
		if ((r = tlshello_u16(c, &list, "version", &v, err)) != 0)
			return r;
		if (tlshello_grease(v) || v < TLSHELLO_SSL30 ||
		    v > TLSHELLO_TLS13)
			continue;
		if (v == TLSHELLO_TLS13)
			out->offers_tls13 = true;
		if (v > out->max_version)
			out->max_version = (uint16_t)v;
	}
	return 0;
}

/* The extensions block, from its length on (RFC 8446 section 4.2). */
static int
tlshello_exts(struct tlshello_cur *c, const struct tlshello_part *msg,
    struct tlshello *out, struct werr *err)
{
	uint16_t seen[TLSHELLO_MAX_EXT];
	struct tlshello_part exts, ext;
	char name[64];
	size_t n, type, len, i, nseen = 0;
	int r;

	if ((r = tlshello_u16(c, msg, "extensions length", &n, err)) != 0)
		return r;
	if (n != msg->end - c->off)
		return werr_set(err, "extensions length %zu does not match the "
		    "ClientHello (%zu bytes left)", n, msg->end - c->off);
	exts.end = msg->end;
	exts.name = "extensions";
	while (c->off < exts.end) {
		if ((r = tlshello_u16(c, &exts, "extension type", &type,
		    err)) != 0 ||
		    (r = tlshello_u16(c, &exts, "extension length", &len,
		    err)) != 0)
			return r;
		(void)tlshello_ext_str((uint16_t)type, name, sizeof(name));
		if (len > exts.end - c->off)
			return werr_set(err, "%s (%zu bytes) overflows the "
			    "extensions (%zu left)", name, len,
			    exts.end - c->off);
		/* RFC 8446 section 4.2.11: pre_shared_key comes last. */
		if (out->has_psk)
			return werr_set(err, "%s after pre_shared_key, which "
			    "must be last", name);
		for (i = 0; i < nseen; i++)
			if (seen[i] == type)
				return werr_set(err, "duplicate %s", name);
		if (nseen == TLSHELLO_MAX_EXT)
			return werr_set(err, "more than %d extensions",
			    TLSHELLO_MAX_EXT);
		seen[nseen++] = (uint16_t)type;
		ext.end = c->off + len;
		ext.name = name;
		switch (type) {
		case TLSHELLO_EXT_SNI:
			r = tlshello_sni(c, &ext, out, err);
			break;
		case TLSHELLO_EXT_ALPN:
			r = tlshello_alpn(c, &ext, out, err);
			break;
		case TLSHELLO_EXT_VERSIONS:
			r = tlshello_versions(c, &ext, out, err);
			break;
		case TLSHELLO_EXT_EARLY:
			/* Empty in a ClientHello: RFC 8446 section 4.2.10. */
			if (len != 0)
				return werr_set(err, "%s of %zu bytes", name,
				    len);
			out->has_early_data = true;
			break;
		default:
			if (type == TLSHELLO_EXT_TICKET)
				out->has_session_ticket = true;
			else if (type == TLSHELLO_EXT_PSK)
				out->has_psk = true;
			else if (type == TLSHELLO_EXT_ECH)
				out->has_ech = true;
			r = tlshello_skip(c, &ext, len, name, err);
			break;
		}
		if (r != 0)
			return r;
	}
	return 0;
}

/* The ClientHello body (RFC 8446 section 4.1.2; RFC 5246 7.4.1.2). */
static int
tlshello_body(struct tlshello_cur *c, size_t msglen, struct tlshello *out,
    struct werr *err)
{
	struct tlshello_part msg;
	unsigned char b;
	size_t v, n;
	bool null = false;
	int r;

	msg.end = msglen;
	msg.name = "ClientHello";
	if ((r = tlshello_skip(c, &msg, TLSHELLO_HS_HDR, "header",
	    err)) != 0)
		return r;
	if ((r = tlshello_u16(c, &msg, "legacy_version", &v, err)) != 0)
		return r;
	if (v == TLSHELLO_SSL30)
		return werr_set(err, "SSL 3.0 is not supported");
	if (v < TLSHELLO_TLS10 || v > TLSHELLO_TLS12)
		return werr_set(err, "bad ClientHello version 0x%04zx", v);
	out->legacy_version = (uint16_t)v;
	out->max_version = (uint16_t)v;

	if ((r = tlshello_skip(c, &msg, 32, "random", err)) != 0)
		return r;
	if ((r = tlshello_u8(c, &msg, "legacy_session_id length", &n,
	    err)) != 0)
		return r;
	if (n > 32)
		return werr_set(err, "legacy_session_id length %zu exceeds 32",
		    n);
	if ((r = tlshello_skip(c, &msg, n, "legacy_session_id", err)) != 0)
		return r;

	if ((r = tlshello_u16(c, &msg, "cipher_suites length", &n,
	    err)) != 0)
		return r;
	if (n < 2 || n % 2 != 0)
		return werr_set(err, "cipher_suites length %zu is odd or zero",
		    n);
	if ((r = tlshello_skip(c, &msg, n, "cipher_suites", err)) != 0)
		return r;
	out->ncipher = n / 2;

	if ((r = tlshello_u8(c, &msg, "legacy_compression_methods length",
	    &n, err)) != 0)
		return r;
	if (n == 0)
		return werr_set(err, "no compression methods");
	if ((r = tlshello_need(c, &msg, n, "legacy_compression_methods",
	    err)) != 0)
		return r;
	while (n-- > 0) {
		tlshello_read(c, &b, 1);
		if (b == 0)
			null = true;
	}
	/* RFC 5246 section 7.4.1.2: null must be offered. */
	if (!null)
		return werr_set(err, "compression methods lack null");

	/* Before TLS 1.3 the extensions may be absent altogether. */
	if (c->off == msg.end)
		return 0;
	return tlshello_exts(c, &msg, out, err);
}

int
tlshello_parse(const unsigned char *buf, size_t len, struct tlshello *out,
    struct werr *err)
{
	struct tlshello_cur c;
	unsigned char hs[TLSHELLO_HS_HDR];
	size_t p = 0, avail = 0, declared = 0, need = 0, rl = 0, present, i;
	bool complete = false;
	int r;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return WD_AGAIN;

	/* Pass 1: the records, as far as they are present. */
	for (;;) {
		if (need != 0 && declared >= need) {
			complete = true;
			break;
		}
		if (p + TLSHELLO_REC_HDR > TLSHELLO_MAX)
			return werr_set(err, "ClientHello too large (over %d "
			    "bytes of records)", TLSHELLO_MAX);
		r = tlshello_record(buf + p, len - p, p == 0, &rl, err);
		if (r == WD_AGAIN)
			break;
		if (r != 0)
			return r;
		if (p + TLSHELLO_REC_HDR + rl > TLSHELLO_MAX)
			return werr_set(err, "ClientHello too large (over %d "
			    "bytes of records)", TLSHELLO_MAX);
		present = len - p - TLSHELLO_REC_HDR;
		if (present > rl)
			present = rl;
		for (i = 0; i < present && avail + i < TLSHELLO_HS_HDR; i++)
			hs[avail + i] = buf[p + TLSHELLO_REC_HDR + i];
		avail += present;
		declared += rl;
		out->nrecords++;
		if (avail >= 1 && hs[0] != TLSHELLO_HT_CLIENT)
			return werr_set(err, "handshake type %u is not "
			    "client_hello", hs[0]);
		if (need == 0 && avail >= TLSHELLO_HS_HDR) {
			need = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];
			need += TLSHELLO_HS_HDR;
			if (need > TLSHELLO_MAX_MSG)
				return werr_set(err, "ClientHello too large "
				    "(%zu bytes)", need);
		}
		/*
		 * Nothing else may share a record with the hello: the
		 * client's next flight waits for the server's answer.
		 */
		if (need != 0 && declared > need)
			return werr_set(err, "%zu bytes after the ClientHello "
			    "in its record", declared - need);
		if (present < rl)
			break;
		p += TLSHELLO_REC_HDR + rl;
	}
	if (avail < TLSHELLO_HS_HDR)
		return WD_AGAIN;

	/* Pass 2: the message, through whatever part of it is present. */
	c.buf = buf;
	c.p = 0;
	c.rleft = 0;
	c.off = 0;
	c.avail = avail < need ? avail : need;
	r = tlshello_body(&c, need, out, err);
	if (r != 0)
		return r;
	/* Not reached: short of need, the body runs out of bytes first. */
	if (!complete)
		return WD_AGAIN;
	return (int)p;
}
