#include <sys/socket.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <llhttp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ca.h"
#include "certforge.h"
#include "decode.h"
#include "errpage.h"
#include "inspect.h"
#include "log.h"
#include "logrec.h"
#include "netaddr.h"
#include "policy.h"
#include "safesearch.h"
#include "tlshello.h"
#include "url.h"
#include "urlnorm.h"
#include "logwriter.h"
#include "session.h"
#include "sockio.h"
#include "splice.h"
#include "tls.h"
#include "tunnel.h"
#include "upstream.h"
#include "worker.h"
#include "txn.h"

/* Stop reading one side while the other has this much to send. */
#define TXN_HIGH	(512 * 1024)

/* The most plaintext one TLS record carries (RFC 8446 section 5.1). */
#define TXN_RECORD	16384

/*
 * A body that is not scanned is held until its type is sniffed: until
 * INSPECT_SNIFF_BYTES have come, or this long after the head, whichever
 * is first, so that a slow stream is not kept waiting.
 */
#define TXN_SNIFF_WAIT_MS	200

/*
 * Responses may carry more fields than requests (a page setting many
 * cookies): at least this many, whatever max_headers says.
 */
#define TXN_RESP_MIN_FIELDS	256

/*
 * A body nobody looks at moves by splice(2), past user space, when at
 * least this much of it is still to come: below, setting it up costs
 * more than the copies it saves.
 */
#define TXN_SPLICE_MIN		(64 * 1024)

enum body_mode {
	BODY_NONE,
	BODY_LENGTH,
	BODY_CHUNKED,
	BODY_EOF,
};

struct txn {
	struct session		*s;
	struct worker		*w;
	struct runconf		*rc;
	uint64_t		 id;
	struct timespec		 t0_real, t0_mono;

	struct http_msg		*req;
	struct url		 url;
	char			 authority[URL_HOST_MAX + 8];
	char			 key[URL_HOST_MAX + 16];	/* pool key */
	char			*logurl;
	enum body_mode		 req_body;
	uint64_t		 req_left;
	bool			 req_done;
	bool			 req_sent_any;	/* body bytes went upstream */
	bool			 websocket;
	bool			 peeking;	/* CONNECT: reading the hello */
	bool			 peeked;	/* 200 sent before connecting */
	/* tls_inspect on: a CONNECT being bumped, or a request inside. */
	bool			 bump;		/* verify, then forge */
	bool			 bump_handshake; /* the client's, going on */
	char			 bump_host[URLNORM_HOST_MAX];
	struct uptls		*uptls;
	struct forged		*forged;
	bool			 https;		/* inside a bumped session */
	bool			 connect_blocked;	/* answered over TLS */
	bool			 bump_local;	/* no origin: Warden answers */
	bool			 bump_noverify;	/* tls_noverify: exempt */
	bool			 bump_bad_cert;	/* ... that it was refused */
	char			 bump_why[200];
	bool			 keep_alive;	/* the client connection, after */
	int64_t			 max_forwards;	/* -1: none, or not applied */

	/* The policy's view: normalised forms and what it decided. */
	char			 req_id[32];
	char			 nhost[URLNORM_HOST_MAX];
	char			*norm;		/* one buffer: path, key, url */
	const char		*fwd_path;	/* safe search rewrite, or NULL */
	const char		*connect_host;	/* safe search endpoint, or NULL */
	const char		*ss_name;	/* safe search header, or NULL */
	const char		*ss_value;
	struct decision		 dec;
	bool			 policy_ran;

	struct upconnect	*connecting;
	struct upconn		*up;
	bool			 up_reused;
	unsigned		 tries;
	struct http1		 rp;
	struct http_msg		*resp;
	enum body_mode		 resp_body;
	uint64_t		 resp_left;
	bool			 resp_chunk_out;
	bool			 resp_head_sent;
	bool			 resp_any;	/* bytes came from upstream */
	bool			 up_eof;	/* upstream closed: flush all */
	struct evbuffer		*relay_to;	/* where body bytes go */
	struct tunnel		*tun;

	/* The response phase: the body held while it is looked at. */
	struct inspect		*insp;		/* NULL: not looked at */
	bool			 holding;
	struct evbuffer		*held;		/* decoded from its framing */
	struct evbuffer		*part;		/* txn_part()'s scratch */
	size_t			 held_fed;	/* of held, given to insp */
	bool			 whole;		/* all of the body is held:
						   send it with its length */
	struct event		*sniff_ev;

	/* The rest of a body nobody looks at, by splice(2). */
	bool			 splice_wait;	/* for the client output to
						   drain first */
	bool			 splice_no;	/* it failed: not again */
	struct splicer		*splicer;	/* moving it */

	/* For the log. */
	int			 status;
	const char		*result;
	uint64_t		 out_mark;	/* s->out_bytes at the start */
	char			 ctype[128];
	char			 peer[INET6_ADDRSTRLEN];
};

static void	txn_up_read(struct bufferevent *, void *);
static void	txn_up_write(struct bufferevent *, void *);
static void	txn_up_event(struct bufferevent *, short, void *);
static void	txn_connect(struct txn *);
static void	txn_relay_more(struct txn *, int);
static void	txn_timeouts(struct bufferevent *, unsigned, unsigned);
static void	txn_peek(struct txn *);
static void	txn_bump_start(struct txn *);
static void	txn_bump_local(struct txn *, bool, const char *);
static void	txn_bump_client(struct txn *, X509 *);
static void	txn_peek_start(struct txn *);
static void	txn_connected(struct upconn *, enum upstream_err,
		    const char *, void *);

/* TLS to the origin of a request inside a bumped session is up. */
static void
txn_https_upstream(struct upconn *uc, enum upstream_err err,
    const char *detail, void *arg)
{
	struct txn *t = arg;

	t->uptls = NULL;
	txn_connected(uc, err, detail, t);
}
static void	txn_up_ready(struct txn *);

static struct evbuffer *
txn_cout(struct txn *t)
{
	return bufferevent_get_output(t->s->bev);
}

static struct evbuffer *
txn_cin(struct txn *t)
{
	return bufferevent_get_input(t->s->bev);
}

/*
 * Moves part (from txn_part()) to out, the client's or the origin's,
 * leaving it empty. On a TLS connection libevent encrypts every piece of
 * its output buffer as a record of its own, as soon as it is added: a
 * part up to one record long is made one piece first, so a head and a
 * small body leave as one record, not one per header line.
 */
static void
txn_send(struct evbuffer *out, struct evbuffer *part, bool tls)
{
	if (part == out)
		return;
	if (tls && evbuffer_get_length(part) <= TXN_RECORD)
		evbuffer_pullup(part, -1);
	evbuffer_add_buffer(out, part);
}

/*
 * Heads are written piece by piece rather than with evbuffer_add_printf():
 * formatting was a tenth of the CPU of a small request.
 */
static void
txn_add_str(struct evbuffer *out, const char *s)
{
	evbuffer_add(out, s, strlen(s));
}

static void
txn_add_num(struct evbuffer *out, uint64_t v)
{
	char buf[20];
	size_t n = sizeof(buf);

	do {
		buf[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	evbuffer_add(out, buf + n, sizeof(buf) - n);
}

/* "Content-Length: v\r\n". */
static void
txn_add_length(struct evbuffer *out, uint64_t v)
{
	evbuffer_add(out, "Content-Length: ", 16);
	txn_add_num(out, v);
	evbuffer_add(out, "\r\n", 2);
}

/*
 * Where to compose a part for out: the transaction's scratch buffer (one
 * part at a time, txn_send() before the next), or out itself when it
 * cannot be had.
 */
static struct evbuffer *
txn_part(struct txn *t, struct evbuffer *out)
{
	if (t->part == NULL)
		t->part = evbuffer_new();
	return t->part != NULL ? t->part : out;
}

/*
 * One chunk (RFC 9112 section 7.1) of len bytes to out: from data, or,
 * when data is NULL, moved from src.
 */
static void
txn_send_chunk(struct txn *t, struct evbuffer *out, bool tls,
    const void *data, struct evbuffer *src, size_t len)
{
	struct evbuffer *part = txn_part(t, out);

	evbuffer_add_printf(part, "%zx\r\n", len);
	if (data != NULL)
		evbuffer_add(part, data, len);
	else
		evbuffer_remove_buffer(src, part, len);
	evbuffer_add(part, "\r\n", 2);
	txn_send(out, part, tls);
}

static const struct config *
txn_cfg(struct txn *t)
{
	return &t->rc->cfg;
}

/* ---- the end of a transaction ------------------------------------- */

static void
txn_log(struct txn *t)
{
	struct timespec now;
	struct logrec r;
	char method[32];
	char line[8192];
	size_t n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	memset(&r, 0, sizeof(r));
	r.start = t->t0_real;
	r.elapsed_ms = (uint64_t)(now.tv_sec - t->t0_mono.tv_sec) * 1000 +
	    (uint64_t)((now.tv_nsec - t->t0_mono.tv_nsec) / 1000000);
	r.client = t->s->addr;
	r.result = t->result != NULL ? t->result : "NONE_NONE";
	r.status = t->status;
	r.bytes = t->s->out_bytes - t->out_mark;
	if (t->req != NULL && t->req->method != NULL) {
		n = t->req->method_len < sizeof(method) - 1 ?
		    t->req->method_len : sizeof(method) - 1;
		memcpy(method, t->req->method, n);
		method[n] = '\0';
		r.method = method;
	}
	r.url = t->logurl;
	r.hierarchy = t->peer[0] != '\0' ? "HIER_DIRECT" : "HIER_NONE";
	r.peer = t->peer[0] != '\0' ? t->peer : NULL;
	r.content_type = t->ctype[0] != '\0' ? t->ctype : NULL;
	if (t->policy_ran) {
		r.group = t->dec.group;
		r.verdict = verdict_str(t->dec.verdict);
		r.reason = t->dec.reason != REASON_NONE ?
		    reason_str(t->dec.reason) : NULL;
		r.category = t->dec.category;
		r.request_id = t->req_id;
		if (t->insp != NULL) {
			r.declared = inspect_declared(t->insp);
			r.sniffed = inspect_sniffed(t->insp);
			r.score = inspect_note(t->insp);
		}
	}
	n = logrec_format_squid(&r, line, sizeof(line));
	logwriter_submit(line, n);
}

/* Frees everything the transaction holds, except the client session. */
static void
txn_free(struct txn *t, bool up_reusable)
{
	if (t->connecting != NULL)
		upstream_connect_cancel(t->connecting);
	upstream_tls_cancel(t->uptls);
	forged_unref(t->forged);
	if (t->tun != NULL)
		tunnel_free(t->tun);
	/* Its events are on the sockets: gone before they close. */
	splice_free(t->splicer);
	if (t->up != NULL)
		upstream_release(t->up, up_reusable);
	http1_msg_free(t->req);
	http1_msg_free(t->resp);
	inspect_free(t->insp);
	if (t->held != NULL)
		evbuffer_free(t->held);
	if (t->part != NULL)
		evbuffer_free(t->part);
	if (t->sniff_ev != NULL)
		event_free(t->sniff_ev);
	free(t->logurl);
	free(t->norm);
	runconf_unref(t->rc);
	free(t);
}

/* Logs, frees, and lets the session go on (or close). */
static void
txn_end(struct txn *t, bool up_reusable)
{
	struct session *s = t->s;
	bool keep = t->keep_alive && t->req_done;

	txn_log(t);
	txn_free(t, up_reusable);
	session_txn_done(s, keep);
}

/* What a splice moved, at its end (then: how it ended, or NULL). */
static void
txn_splice_log(struct txn *t, uint64_t n, const char *then)
{
	log_debug("txn %" PRIu64 " %s: spliced %" PRIu64 " bytes from %s%s%s",
	    t->id, t->s->addr, n, t->authority, then != NULL ? ", then " : "",
	    then != NULL ? then : "");
}

void
txn_abort(struct txn *t, const char *why)
{
	if (t->splicer != NULL)
		txn_splice_log(t, splice_written(t->splicer), why);
	log_debug("txn %" PRIu64 " %s: %s", t->id, t->s->addr, why);
	txn_log(t);
	t->s->t = NULL;
	txn_free(t, false);
}

/*
 * Ends the transaction and the client connection: what is already queued
 * for the client still goes out, then the connection closes, so a
 * response cut short is seen as incomplete (its length or last chunk
 * never comes), never as a different one.
 */
static void
txn_kill(struct txn *t, const char *why)
{
	struct session *s = t->s;

	if (t->resp_head_sent && t->result != NULL &&
	    strcmp(t->result, "TCP_MISS") == 0)
		t->result = "TCP_MISS_ABORTED";
	txn_abort(t, why);
	session_txn_done(s, false);
}

/* ---- answers Warden writes itself ----------------------------------- */

static void
txn_date(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/*
 * Writes a complete response of Warden's own. keep: the connection may
 * stay open afterwards (only when the request was read to its end).
 */
static void
txn_reply(struct txn *t, int status, const char *errname,
    const char *extra_headers, const char *ctype, const char *body,
    size_t body_len, bool keep)
{
	struct evbuffer *out = txn_part(t, txn_cout(t));
	bool head = t->req != NULL && t->req->method_id == HTTP_HEAD;
	char date[64];

	t->keep_alive = keep && t->keep_alive && t->req_done;
	txn_date(date, sizeof(date));
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Date: %s\r\n"
	    "Server: warden/" WD_VERSION "\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n",
	    status, http_status_text(status), date, ctype, body_len);
	if (errname != NULL)
		evbuffer_add_printf(out, "X-Warden-Error: %s\r\n", errname);
	if (extra_headers != NULL)
		evbuffer_add(out, extra_headers, strlen(extra_headers));
	if (!t->keep_alive)
		evbuffer_add(out, "Connection: close\r\n", 19);
	else if (t->req != NULL && t->req->minor == 0)
		evbuffer_add(out, "Connection: keep-alive\r\n", 24);
	evbuffer_add(out, "\r\n", 2);
	if (!head)
		evbuffer_add(out, body, body_len);
	txn_send(txn_cout(t), out, t->s->bumped);
	t->status = status;
	t->resp_head_sent = true;
	snprintf(t->ctype, sizeof(t->ctype), "%s", ctype);
}

/*
 * An error page. Once response bytes have gone to the client there is
 * nothing to say any more: the connection is cut instead.
 */
static void
txn_error(struct txn *t, int status, const char *result, const char *errname,
    const char *detail)
{
	size_t cap;
	char *page;
	int n;

	if (t->resp_head_sent) {
		txn_kill(t, detail);
		return;
	}
	if (t->result == NULL || result != NULL)
		t->result = result != NULL ? result : "NONE_NONE";
	log_debug("txn %" PRIu64 " %s: %d %s", t->id, t->s->addr, status,
	    detail);
	cap = 4096 + 6 * (strlen(detail) + (t->logurl != NULL ?
	    strlen(t->logurl) : 0) + strlen(txn_cfg(t)->visible_hostname));
	if ((page = malloc(cap)) == NULL) {
		txn_kill(t, "out of memory");
		return;
	}
	n = errpage_render(status, detail, t->logurl,
	    txn_cfg(t)->visible_hostname, page, cap);
	if (n < 0) {
		free(page);
		txn_kill(t, "error page too large");
		return;
	}
	if (t->up != NULL) {
		upstream_release(t->up, false);
		t->up = NULL;
	}
	txn_reply(t, status, errname, NULL, "text/html; charset=utf-8", page,
	    (size_t)n, false);
	free(page);
	txn_end(t, false);
}

void
txn_reject(struct session *s, int status, const char *why)
{
	struct txn *t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		session_close(s);
		return;
	}
	t->s = s;
	t->w = s->w;
	t->rc = runconf_ref(s->w->rc);
	t->out_mark = s->out_bytes;
	t->id = s->w->next_txn_id++;
	clock_gettime(CLOCK_REALTIME, &t->t0_real);
	clock_gettime(CLOCK_MONOTONIC, &t->t0_mono);
	s->t = t;
	log_info("txn %" PRIu64 " %s: request refused with %d: %s", t->id,
	    s->addr, status, why);
	txn_error(t, status, "NONE_NONE", "bad-request", why);
}

/* ---- checking the request ------------------------------------------- */

/* What OPTIONS answers when the proxy itself is asked. */
static const char txn_allow[] = "Allow: GET, HEAD, POST, PUT, DELETE, "
    "OPTIONS, PATCH, CONNECT\r\n";

static bool
txn_client_allowed(struct txn *t)
{
	const struct config *cfg = txn_cfg(t);
	size_t i;

	for (i = 0; i < cfg->nallow_clients; i++)
		if (netaddr_cidr_match(&cfg->allow_clients[i],
		    (const struct sockaddr *)&t->s->ss))
			return true;
	return false;
}

/* RFC 9110 section 7.6.3: our own name among the Via received-by. */
static bool
txn_via_loop(struct txn *t)
{
	const char *me = txn_cfg(t)->visible_hostname;
	const struct hdr *h;
	const char *p, *end, *tok, *sp;
	size_t i, toklen, melen = strlen(me);

	for (i = 0; i < t->req->hdrs.n; i++) {
		h = &t->req->hdrs.v[i];
		if (h->id != HDR_VIA)
			continue;
		p = h->value;
		end = h->value + h->value_len;
		while (httphdr_list_next(&p, end, &tok, &toklen)) {
			/* "1.1 name (comment)": the second word. */
			sp = memchr(tok, ' ', toklen);
			if (sp == NULL)
				continue;
			sp++;
			toklen -= (size_t)(sp - tok);
			tok = sp;
			sp = memchr(tok, ' ', toklen);
			if (sp != NULL)
				toklen = (size_t)(sp - tok);
			if (toklen == melen && strncasecmp(tok, me, melen) == 0)
				return true;
		}
	}
	return false;
}

static int
txn_make_logurl(struct txn *t)
{
	const struct url *u = &t->url;
	size_t len;

	if (u->form == URL_FORM_AUTHORITY || u->form == URL_FORM_ABSOLUTE) {
		if (url_format_authority(u->host, u->host_ipv6, u->port,
		    u->form == URL_FORM_AUTHORITY ? 0 : t->https ? 443 : 80,
		    t->authority, sizeof(t->authority)) == -1)
			return -1;
		/* As upstream_tls() keys what it verified (or not). */
		if (t->https)
			snprintf(t->key, sizeof(t->key), "%s:%s:%u",
			    t->s->bump_noverify ? "tlsnv" : "tls", u->host,
			    (unsigned)u->port);
		else
			snprintf(t->key, sizeof(t->key), "%s%s%s:%u",
			    u->host_ipv6 ? "[" : "", u->host,
			    u->host_ipv6 ? "]" : "", (unsigned)u->port);
	}
	if (u->form == URL_FORM_AUTHORITY) {
		t->logurl = strdup(t->authority);
	} else if (u->form == URL_FORM_ABSOLUTE) {
		len = strlen(t->authority) + u->path_len + 10;
		if ((t->logurl = malloc(len)) != NULL)
			snprintf(t->logurl, len, "%s://%s%s%.*s",
			    t->https ? "https" : "http",
			    t->authority, u->path_slash ? "/" : "",
			    (int)u->path_len, u->path);
	} else {
		t->logurl = strndup(t->req->target, t->req->target_len);
	}
	return t->logurl == NULL ? -1 : 0;
}

/* An absolute-form target with a scheme other than http. */
static bool
txn_other_scheme(const char *tg, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 16; i++) {
		if (tg[i] == ':')
			return i + 3 <= len && memcmp(tg + i, "://", 3) == 0 &&
			    !(i == 4 && strncasecmp(tg, "http", 4) == 0);
		if (!((tg[i] >= 'a' && tg[i] <= 'z') ||
		    (tg[i] >= 'A' && tg[i] <= 'Z') || (i > 0 &&
		    ((tg[i] >= '0' && tg[i] <= '9') || tg[i] == '+' ||
		    tg[i] == '-' || tg[i] == '.'))))
			return false;
	}
	return false;
}

/* Origin-form and asterisk-form: the request is for Warden itself. */
static void
txn_local(struct txn *t)
{
	const struct http_msg *m = t->req;
	char page[1024];
	int n;

	t->result = "TCP_MISS";
	if (t->url.form == URL_FORM_ASTERISK) {
		/* RFC 9110 section 9.3.7: OPTIONS * asks about the server. */
		txn_reply(t, 200, NULL, txn_allow, "text/plain", "", 0, true);
		txn_end(t, false);
		return;
	}
	if (m->target_len != 1 || (m->method_id != HTTP_GET &&
	    m->method_id != HTTP_HEAD)) {
		txn_error(t, 404, NULL, "not-found", "Warden is a proxy: this "
		    "address serves no pages. Configure your browser to use "
		    "it as its HTTP proxy.");
		return;
	}
	n = snprintf(page, sizeof(page), "<!DOCTYPE html>\n<html><head>"
	    "<meta charset=\"utf-8\"><title>Warden</title></head><body>"
	    "<h1>Warden " WD_VERSION "</h1><p>This web filter is "
	    "running. Point your browser's HTTP and HTTPS proxy at this "
	    "address to use it.</p></body></html>\n");
	txn_reply(t, 200, NULL, NULL, "text/html; charset=utf-8", page,
	    (size_t)n, true);
	txn_end(t, false);
}

static void	txn_req_body(void *, const char *, size_t);

/*
 * RFC 9112 section 3.2: a Host field with an invalid value is refused,
 * even though the URI's authority is what gets used.
 */
static int
txn_host_ok(struct txn *t, struct werr *err)
{
	const struct hdr *h = t->req->info.host;
	char host[URL_HOST_MAX];
	uint16_t port;
	bool v6;

	if (h == NULL || h->value_len == 0)
		return 0;
	if (url_parse_authority(h->value, h->value_len, false, 80, host,
	    sizeof(host), &v6, &port, err) == -1)
		return werr_set(err, "invalid Host field");
	return 0;
}

/*
 * RFC 9110 section 7.6.2: for OPTIONS and TRACE, Max-Forwards 0 means this
 * proxy answers as the final recipient; otherwise it is decremented.
 * TRACE echoes the request it received (section 9.3.8), without the
 * fields that carry credentials. Returns -1 when the transaction ended.
 */
static int
txn_max_forwards(struct txn *t)
{
	const struct http_msg *m = t->req;
	const struct hdr *f = httphdr_find(&m->hdrs, HDR_MAX_FORWARDS);
	struct evbuffer *echo;
	int64_t v = 0;
	size_t i;
	char *body;

	t->max_forwards = -1;
	if (f == NULL || (m->method_id != HTTP_OPTIONS &&
	    m->method_id != HTTP_TRACE))
		return 0;
	for (i = 0; i < f->value_len; i++) {
		if (f->value[i] < '0' || f->value[i] > '9' || v > 1000000000) {
			txn_error(t, 400, NULL, "bad-request",
			    "Max-Forwards is not a number.");
			return -1;
		}
		v = v * 10 + (f->value[i] - '0');
	}
	if (f->value_len == 0) {
		txn_error(t, 400, NULL, "bad-request",
		    "Max-Forwards is not a number.");
		return -1;
	}
	if (v > 0) {
		t->max_forwards = v - 1;
		return 0;
	}
	t->result = "TCP_MISS";
	if (m->method_id == HTTP_OPTIONS) {
		txn_reply(t, 200, NULL, txn_allow, "text/plain", "", 0, true);
		txn_end(t, false);
		return -1;
	}
	if ((echo = evbuffer_new()) == NULL) {
		txn_error(t, 500, NULL, "internal", "out of memory");
		return -1;
	}
	evbuffer_add_printf(echo, "%.*s %.*s HTTP/1.%d\r\n",
	    (int)m->method_len, m->method, (int)m->target_len, m->target,
	    m->minor);
	for (i = 0; i < m->hdrs.n; i++) {
		f = &m->hdrs.v[i];
		if (f->id == HDR_PROXY_AUTHORIZATION ||
		    httphdr_token_eq(f->name, f->name_len, "authorization") ||
		    httphdr_token_eq(f->name, f->name_len, "cookie"))
			continue;
		evbuffer_add_printf(echo, "%.*s: %.*s\r\n", (int)f->name_len,
		    f->name, (int)f->value_len, f->value);
	}
	evbuffer_add(echo, "\r\n", 2);
	body = (char *)evbuffer_pullup(echo, -1);
	txn_reply(t, 200, NULL, NULL, "message/http", body != NULL ? body : "",
	    evbuffer_get_length(echo), true);
	evbuffer_free(echo);
	txn_end(t, false);
	return -1;
}

/* ---- the policy -------------------------------------------------------- */

static const char *
txn_reason_words(enum reason r)
{
	switch (r) {
	case REASON_BLOCK_DOMAIN:
		return "This site is on a block list.";
	case REASON_BLOCK_URL:
		return "This page is on a block list.";
	case REASON_BLOCK_REGEX:
		return "This address matches a blocked pattern.";
	case REASON_BLOCK_CATEGORY:
		return "This site is in a blocked category.";
	case REASON_BLOCK_EXTENSION:
	case REASON_BLOCK_MIME:
		return "This type of file is not allowed.";
	case REASON_BLOCK_PHRASE:
		return "This page's content is not allowed.";
	case REASON_BLOCK_UNSCANNABLE:
		return "This content could not be checked, so it is not "
		    "allowed.";
	case REASON_BLOCK_TLS:
		return "This connection is not allowed.";
	default:
		return "This request is not allowed.";
	}
}

/* A blocked request: the block page, or a short refusal for CONNECT. */
static void
txn_block(struct txn *t)
{
	const struct config *cfg = txn_cfg(t);
	struct blockpage_vars v;
	char when[64], text[512];
	struct tm tm;
	time_t now = time(NULL);
	size_t cap;
	char *page;
	int n;

	t->result = "TCP_DENIED";
	log_info("txn %" PRIu64 " %s: blocked %s (group %s, %s: %s)", t->id,
	    t->s->addr, t->logurl, t->dec.group, reason_str(t->dec.reason),
	    t->dec.rule);
	if (t->req->method_id == HTTP_CONNECT &&
	    cfg->tls_inspect == TLS_INSPECT_ON) {
		/* Answer 200, then show the block page over TLS. */
		t->connect_blocked = true;
		txn_peek_start(t);
		return;
	}
	if (t->req->method_id == HTTP_CONNECT) {
		n = snprintf(text, sizeof(text), "Blocked by Warden: %s "
		    "(%s; request %s)\n", txn_reason_words(t->dec.reason),
		    t->dec.rule, t->req_id);
		if (n >= (int)sizeof(text))
			n = sizeof(text) - 1;
		txn_reply(t, 403, "blocked", NULL, "text/plain; charset=utf-8",
		    text, (size_t)n, false);
		txn_end(t, false);
		return;
	}
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
	v.url = t->logurl;
	v.reason = txn_reason_words(t->dec.reason);
	v.rule = t->dec.rule;
	v.category = t->dec.category;
	v.group = t->dec.group;
	v.time = when;
	v.request_id = t->req_id;
	v.client = t->s->addr;
	v.proxy = cfg->visible_hostname;
	cap = 65536 + 6 * strlen(t->logurl);
	if ((page = malloc(cap)) == NULL) {
		txn_error(t, 500, NULL, "internal", "out of memory");
		return;
	}
	n = policy_blockpage(t->rc->policy, &v, page, cap);
	if (n < 0) {
		free(page);
		txn_error(t, 403, "TCP_DENIED", "blocked",
		    txn_reason_words(t->dec.reason));
		return;
	}
	txn_reply(t, 403, "blocked", NULL, "text/html; charset=utf-8", page,
	    (size_t)n, true);
	free(page);
	txn_end(t, false);
}

/*
 * Normalises the target as the policy sees it, asks the policy, and acts
 * on a block or a safe search rule. The normalised URL is what the log
 * shows. Returns 0 to go on, -1 when the transaction has ended.
 */
static int
txn_policy(struct txn *t)
{
	const struct url *u = &t->url;
	const struct safesearch_engine *engine;
	bool connect = t->req->method_id == HTTP_CONNECT, is_ip;
	char auth[URLNORM_HOST_MAX + 16];
	struct txn_facts f;
	struct werr err;
	size_t plen, cap;
	char *path, *key, *url, *ss;
	const char *raw;
	int r;

	if (urlnorm_host(u->host, strlen(u->host), t->nhost, sizeof(t->nhost),
	    &is_ip, &err) == -1) {
		txn_error(t, 400, NULL, "bad-request", err.msg);
		return -1;
	}
	if (url_format_authority(t->nhost, is_ip && strchr(t->nhost, ':') !=
	    NULL, u->port, connect || t->https ? 443 : 80, auth,
	    sizeof(auth)) == -1) {
		txn_error(t, 400, NULL, "bad-request", "host too long");
		return -1;
	}
	plen = connect ? 1 : u->path_len + 1;
	cap = 3 * plen + 16;
	/* path, key, url and a safe search rewrite, each at most cap+host. */
	if ((t->norm = malloc(4 * (cap + sizeof(auth) + 16))) == NULL) {
		txn_error(t, 500, NULL, "internal", "out of memory");
		return -1;
	}
	path = t->norm;
	key = path + cap + sizeof(auth) + 16;
	url = key + cap + sizeof(auth) + 16;
	ss = url + cap + sizeof(auth) + 16;
	if (connect) {
		snprintf(path, cap, "/");
	} else {
		/* "?q" becomes "/?q" there, as RFC 9112 section 3.2.1 says. */
		raw = u->path;
		r = urlnorm_path(raw, u->path_len, path, cap, &err);
		/* URL lists name a host and a path: the port is not part
		   of the key (a list entry holds on every port). */
		if (r == -1 || urlnorm_key(t->nhost, 80, 80, path, key,
		    cap + sizeof(auth) + 16, &err) == -1) {
			txn_error(t, 400, NULL, "bad-request", err.msg);
			return -1;
		}
	}
	r = snprintf(url, sizeof(auth) + 16, "%s://%s", connect || t->https ?
	    "https" : "http", auth);
	/* The path fits: url has room for the authority plus cap. */
	memcpy(url + r, path, strlen(path) + 1);
	free(t->logurl);
	/* The log keeps Squid's "host:port" for CONNECT. */
	if (connect) {
		char hp[URLNORM_HOST_MAX + 16];

		url_format_authority(t->nhost, is_ip && strchr(t->nhost,
		    ':') != NULL, u->port, 0, hp, sizeof(hp));
		t->logurl = strdup(hp);
	} else
		t->logurl = strdup(url);
	if (t->logurl == NULL) {
		txn_error(t, 500, NULL, "internal", "out of memory");
		return -1;
	}

	memset(&f, 0, sizeof(f));
	f.client = (const struct sockaddr *)&t->s->ss;
	f.is_connect = connect;
	f.host = t->nhost;
	f.host_is_ip = is_ip;
	f.port = u->port;
	f.url = url;
	f.key = connect ? NULL : key;
	f.now = time(NULL);
	f.cats = t->w->cats;
	f.scratch = t->w->scratch;
	if (policy_eval(t->rc->policy, &f, &t->dec, &err) == -1) {
		/* A filter that cannot check must not let through. */
		log_warnx("txn %" PRIu64 " %s: policy check failed for %s: %s",
		    t->id, t->s->addr, url, err.msg);
		txn_error(t, 503, NULL, "policy-error", "The filter could "
		    "not check this request, so it is refused. Please try "
		    "again later.");
		return -1;
	}
	t->policy_ran = true;
	if (t->dec.verdict == VERDICT_BLOCK) {
		txn_block(t);
		return -1;
	}
	if (!t->dec.safe_search ||
	    (engine = safesearch_find(t->nhost)) == NULL)
		return 0;
	if (connect) {
		t->connect_host = safesearch_connect_host(engine);
		return 0;
	}
	if (safesearch_rewrite_path(engine, path, ss, cap + sizeof(auth) +
	    16) == 1)
		t->fwd_path = ss;
	t->ss_value = safesearch_header(engine, &t->ss_name);
	if (t->ss_value == NULL)
		t->ss_name = NULL;
	return 0;
}

/* ---- CONNECT: peeking at the ClientHello ------------------------------- */

/*
 * A CONNECT refused on its first bytes (already answered 200, so the
 * connection is just closed): the decision and the log say why.
 */
static void
txn_peek_deny(struct txn *t, enum reason why, const char *rule)
{
	t->dec.verdict = VERDICT_BLOCK;
	if (why != REASON_NONE) {
		t->dec.reason = why;
		snprintf(t->dec.rule, sizeof(t->dec.rule), "%s", rule);
	}
	t->result = "TCP_DENIED";
	log_info("txn %" PRIu64 " %s: CONNECT %s closed (group %s, %s: %s)",
	    t->id, t->s->addr, t->logurl, t->dec.group,
	    reason_str(t->dec.reason), t->dec.rule);
	txn_kill(t, "CONNECT refused on its ClientHello");
}

/*
 * The facts the TLS decisions judge a CONNECT to host by; url (len
 * bytes) gets "https://host/".
 */
static void
txn_tls_facts(struct txn *t, struct txn_facts *f, const char *host,
    bool is_ip, char *url, size_t len)
{
	snprintf(url, len, "https://%s/", host);
	memset(f, 0, sizeof(*f));
	f->client = (const struct sockaddr *)&t->s->ss;
	f->is_connect = true;
	f->host = host;
	f->host_is_ip = is_ip;
	f->port = t->url.port;
	f->url = url;
	f->now = time(NULL);
	f->cats = t->w->cats;
	f->scratch = t->w->scratch;
}

/*
 * The policy for the server name a ClientHello carries, when it is not
 * the CONNECT's host: the request rules as for a CONNECT to that name.
 * Returns 0 to go on, 1 when the name is blocked (t->dec says why), -1
 * when the transaction has ended.
 */
static int
txn_peek_policy(struct txn *t, const char *sni)
{
	char host[URLNORM_HOST_MAX], url[URLNORM_HOST_MAX + 16];
	struct txn_facts f;
	struct werr err;
	bool is_ip;

	if (urlnorm_host(sni, strlen(sni), host, sizeof(host), &is_ip,
	    &err) == -1) {
		txn_peek_deny(t, REASON_BLOCK_TLS, "bad server name");
		return -1;
	}
	if (strcmp(host, t->nhost) == 0)
		return 0;
	txn_tls_facts(t, &f, host, is_ip, url, sizeof(url));
	if (policy_eval(t->rc->policy, &f, &t->dec, &err) == -1) {
		log_warnx("txn %" PRIu64 " %s: policy check failed for %s: %s",
		    t->id, t->s->addr, url, err.msg);
		txn_peek_deny(t, REASON_NONE, "");
		return -1;
	}
	if (t->dec.verdict == VERDICT_BLOCK)
		return 1;
	/* Safe search holds for the name the client really talks to. */
	if (t->dec.safe_search && t->connect_host == NULL)
		t->connect_host = safesearch_connect_host(
		    safesearch_find(host));
	return 0;
}

/* Whether the policy says bump_host is tunnelled, not decrypted. */
static bool
txn_peek_splice(struct txn *t, bool is_ip)
{
	char url[URLNORM_HOST_MAX + 16], rule[256];
	struct txn_facts f;
	struct werr err;
	int r;

	txn_tls_facts(t, &f, t->bump_host, is_ip, url, sizeof(url));
	r = policy_tls_splice(t->rc->policy, &f, rule, sizeof(rule), &err);
	if (r == -1)
		/* Decrypting is the side that still filters. */
		log_warnx("txn %" PRIu64 " %s: %s: splice check failed, "
		    "inspecting: %s", t->id, t->s->addr, t->bump_host,
		    err.msg);
	else if (r == 1)
		log_debug("txn %" PRIu64 " %s: %s spliced (%s)", t->id,
		    t->s->addr, t->bump_host, rule);
	return r == 1;
}

/*
 * The client's first bytes on the tunnel: wait for a whole ClientHello,
 * then refuse it or splice it (the hello goes on to the origin as it
 * came).
 */
static void
txn_peek(struct txn *t)
{
	const struct config *cfg = txn_cfg(t);
	struct evbuffer *in = txn_cin(t);
	struct tlshello hello;
	struct werr err;
	unsigned char *p;
	bool is_ip;
	size_t n;
	int r;

	if ((n = evbuffer_get_length(in)) == 0)
		return;
	if (n > TLSHELLO_MAX)
		n = TLSHELLO_MAX;
	if ((p = evbuffer_pullup(in, (ev_ssize_t)n)) == NULL) {
		txn_kill(t, "out of memory");
		return;
	}
	if (!tlshello_looks_like_tls(p, n)) {
		t->peeking = false;
		if (!cfg->tls_non_tls_tunnel || t->connect_blocked) {
			txn_peek_deny(t, REASON_BLOCK_TLS, "not TLS");
			return;
		}
		bufferevent_set_timeouts(t->s->bev, NULL, NULL);
		txn_connect(t);
		return;
	}
	r = tlshello_parse(p, n, &hello, &err);
	if (r == WD_AGAIN)
		return;
	t->peeking = false;
	bufferevent_set_timeouts(t->s->bev, NULL, NULL);
	if (r == -1) {
		log_info("txn %" PRIu64 " %s: bad ClientHello for %s: %s",
		    t->id, t->s->addr, t->logurl, err.msg);
		txn_peek_deny(t, REASON_BLOCK_TLS, "bad ClientHello");
		return;
	}
	if (!hello.has_sni) {
		if (t->connect_blocked) {
			txn_peek_deny(t, REASON_NONE, "");
			return;
		}
		if (cfg->tls_no_sni_block) {
			txn_peek_deny(t, REASON_BLOCK_TLS, "no server name");
			return;
		}
	} else if (!t->connect_blocked &&
	    (r = txn_peek_policy(t, hello.sni)) != 0) {
		if (r == -1)
			return;
		t->connect_blocked = true;
	}
	if (cfg->tls_inspect == TLS_INSPECT_ON && hello.has_sni &&
	    urlnorm_host(hello.sni, strlen(hello.sni), t->bump_host,
	    sizeof(t->bump_host), &is_ip, &err) == 0) {
		if (t->connect_blocked) {
			/* The block page, over TLS, without the origin. */
			txn_bump_local(t, false, NULL);
			return;
		}
		/*
		 * The name checked, verified, and inspected or spliced is
		 * the one connected to: never the CONNECT's other target.
		 */
		if (t->connect_host == NULL)
			t->connect_host = t->bump_host;
		if (txn_cfg(t)->tls_pin_splice > 0 &&
		    tls_pins_has(t->bump_host, time(NULL))) {
			log_info("txn %" PRIu64 " %s: %s spliced: a client "
			    "refused its inspection certificate recently",
			    t->id, t->s->addr, t->bump_host);
			t->bump = false;
		} else
			t->bump = !txn_peek_splice(t, is_ip);
	} else if (t->connect_blocked) {
		txn_peek_deny(t, REASON_NONE, "");
		return;
	}
	txn_connect(t);
}

/* ---- CONNECT: bumping (tls_inspect on) --------------------------------- */

/*
 * Whether the client ended its handshake with an alert saying it does
 * not accept the certificate (RFC 8446 section 6.2): what pinning looks
 * like, unlike a timeout or a reset, which any client can cause.
 */
static bool
txn_refused_certificate(struct bufferevent *bev)
{
	unsigned long e;
	bool refused = false;

	while ((e = bufferevent_get_openssl_error(bev)) != 0)
		switch (ERR_GET_REASON(e)) {
		case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
		case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
		case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
			refused = true;
			break;
		default:
			break;
		}
	return refused;
}

/*
 * The client finished its handshake with the forged certificate: from
 * now on the session reads HTTP requests for bump_host through TLS, and
 * the CONNECT's transaction ends (logged as bumped).
 */
static void
txn_bump_ready(struct txn *t)
{
	struct session *s = t->s;

	t->bump_handshake = false;
	s->bumped = true;
	snprintf(s->bump_host, sizeof(s->bump_host), "%s", t->bump_host);
	s->bump_port = t->url.port;
	s->bump_local = t->bump_local;
	s->bump_noverify = t->bump_noverify;
	/* The verified connection serves the first request inside. */
	s->bump_up = t->up;
	t->up = NULL;
	s->bump_bad_cert = t->bump_bad_cert;
	snprintf(s->bump_why, sizeof(s->bump_why), "%s", t->bump_why);
	if (!t->bump_local)
		t->result = "TCP_BUMP";
	t->keep_alive = true;
	t->req_done = true;
	txn_end(t, false);
}

/*
 * The origin's certificate verified: forge one like it and start the
 * client's handshake on it, over the bytes of the ClientHello already
 * read.
 */
static void
txn_bump_upstream(struct upconn *uc, enum upstream_err err,
    const char *detail, void *arg)
{
	struct txn *t = arg;
	struct werr werr;
	X509 *peer;

	t->uptls = NULL;
	if (err != UPSTREAM_OK) {
		/*
		 * Never re-signed: the client gets Warden's own page saying
		 * what is wrong, under a certificate naming the host only.
		 */
		log_info("txn %" PRIu64 " %s: %s: the origin's TLS was "
		    "refused: %s", t->id, t->s->addr, t->bump_host, detail);
		t->dec.verdict = VERDICT_BLOCK;
		t->dec.reason = REASON_BLOCK_TLS;
		snprintf(t->dec.rule, sizeof(t->dec.rule), "origin "
		    "certificate: %.180s", detail);
		t->result = "TCP_DENIED";
		txn_bump_local(t, true, detail);
		return;
	}
	t->up = uc;
	snprintf(t->peer, sizeof(t->peer), "%s", uc->peer);
	peer = SSL_get1_peer_certificate(bufferevent_openssl_get_ssl(uc->bev));
	if (peer == NULL) {
		txn_kill(t, "no origin certificate");
		return;
	}
	if (t->bump_noverify) {
		/*
		 * An unverified certificate says nothing worth mirroring:
		 * the client is shown the name it asked for.
		 */
		X509_free(peer);
		if ((peer = tls_name_cert(t->bump_host, time(NULL),
		    &werr)) == NULL) {
			txn_kill(t, "cannot make a certificate");
			return;
		}
	}
	txn_bump_client(t, peer);
	X509_free(peer);
}

/*
 * Starts the client's handshake on a certificate forged like cert, over
 * the bytes of the ClientHello already read.
 */
static void
txn_bump_client(struct txn *t, X509 *cert)
{
	const struct runconf *rc = t->rc;
	struct bufferevent *under = t->s->bev, *bev;
	struct werr werr;
	SSL_CTX *ctx;
	SSL *ssl;

	if ((t->forged = certforge_get(rc->cf, cert, time(NULL), &werr)) ==
	    NULL) {
		log_warnx("txn %" PRIu64 " %s: %s: cannot forge: %s", t->id,
		    t->s->addr, t->bump_host, werr.msg);
		txn_kill(t, "cannot forge a certificate");
		return;
	}
	if ((ctx = tls_forged_ctx(t->forged, ca_cert(rc->ca), &werr)) ==
	    NULL || (ssl = SSL_new(ctx)) == NULL) {
		log_warnx("txn %" PRIu64 " %s: %s: %s", t->id, t->s->addr,
		    t->bump_host, ctx == NULL ? werr.msg : "out of memory");
		txn_kill(t, "TLS setup failed");
		return;
	}
	bev = bufferevent_openssl_filter_new(t->w->base, under, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		/* Whether libevent freed ssl is not said: leak, not twice. */
		txn_kill(t, "out of memory");
		return;
	}
	t->bump_handshake = true;
	session_set_bev(t->s, bev);
	txn_timeouts(bev, txn_cfg(t)->client_header_timeout,
	    txn_cfg(t)->read_timeout);
	/* The ClientHello is already in the socket's buffer. */
	bufferevent_trigger(under, EV_READ, 0);
}

/*
 * Warden answers this HTTPS connection itself, without the origin: the
 * block page for a blocked site, or (bad_cert) a page saying why the
 * origin's certificate was refused.
 */
static void
txn_bump_local(struct txn *t, bool bad_cert, const char *why)
{
	struct werr err;
	X509 *x;

	t->bump_local = true;
	t->bump_bad_cert = bad_cert;
	snprintf(t->bump_why, sizeof(t->bump_why), "%s", why != NULL ? why :
	    "");
	if ((x = tls_name_cert(t->bump_host, time(NULL), &err)) == NULL) {
		log_warnx("txn %" PRIu64 " %s: %s: %s", t->id, t->s->addr,
		    t->bump_host, err.msg);
		txn_kill(t, "cannot make a certificate");
		return;
	}
	txn_bump_client(t, x);
	X509_free(x);
}

/* Connected to the origin for a bumped CONNECT: TLS to it first. */
static void
txn_bump_start(struct txn *t)
{
	struct upconn *uc = t->up;
	char url[URLNORM_HOST_MAX + 16], rule[256];
	struct txn_facts f;

	txn_tls_facts(t, &f, t->bump_host, false, url, sizeof(url));
	if (policy_tls_noverify(t->rc->policy, &f, rule, sizeof(rule)) == 1) {
		t->bump_noverify = true;
		log_info("txn %" PRIu64 " %s: %s: its certificate is not "
		    "verified (%s)", t->id, t->s->addr, t->bump_host, rule);
	}
	t->up = NULL;
	t->uptls = upstream_tls(uc, t->w->tls_client, t->bump_host,
	    !t->bump_noverify, txn_bump_upstream, t);
	if (t->uptls == NULL)
		txn_kill(t, "out of memory");
}

/*
 * tls_inspect peek: answer the CONNECT, then read the ClientHello before
 * anything goes upstream, within client_header_timeout.
 */
static void
txn_peek_start(struct txn *t)
{
	static const char est[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	const struct config *cfg = txn_cfg(t);

	evbuffer_add(txn_cout(t), est, sizeof(est) - 1);
	t->status = 200;
	t->resp_head_sent = true;
	t->peeked = true;
	t->peeking = true;
	txn_timeouts(t->s->bev, cfg->client_header_timeout,
	    cfg->read_timeout);
	bufferevent_enable(t->s->bev, EV_READ);
	txn_peek(t);
}

/*
 * A request inside an HTTPS connection Warden answers itself: the origin
 * was not contacted (a blocked site: the policy normally blocked the
 * request already) or its certificate was refused.
 */
static void
txn_bump_answer(struct txn *t)
{
	const struct session *s = t->s;
	char msg[URL_HOST_MAX + 320];

	if (s->bump_bad_cert) {
		snprintf(msg, sizeof(msg), "The secure connection to %s "
		    "failed: %s. Warden does not pass on a site it cannot "
		    "verify.", s->bump_host, s->bump_why);
		txn_error(t, 502, "TCP_DENIED", "tls-failed", msg);
		return;
	}
	txn_error(t, 403, "TCP_DENIED", "blocked", "This site is blocked.");
}

/*
 * A request inside a bumped CONNECT: origin-form, for the host the TLS
 * server name named (RFC 9110 section 7.4: a request for another one is
 * misdirected, or a client could reach any site through an allowed
 * one). It becomes an https:// request to that host. 0, or -1 when the
 * transaction has ended.
 */
static int
txn_bumped_target(struct txn *t)
{
	const struct session *s = t->s;
	const struct hdr *h = t->req->info.host;
	char host[URL_HOST_MAX], msg[URL_HOST_MAX * 2 + 96];
	struct werr err;
	uint16_t port;
	size_t len;
	bool v6;

	if (t->url.form != URL_FORM_ORIGIN) {
		txn_error(t, 400, NULL, "bad-request", "Requests inside an "
		    "HTTPS connection name a path, not a URL.");
		return -1;
	}
	if (h == NULL || url_parse_authority(h->value, h->value_len, false,
	    443, host, sizeof(host), &v6, &port, &err) == -1) {
		txn_error(t, 400, NULL, "bad-request", "A valid Host field is "
		    "required.");
		return -1;
	}
	len = strlen(host);
	if (len > 0 && host[len - 1] == '.')
		host[--len] = '\0';
	if (strcasecmp(host, s->bump_host) != 0 || port != s->bump_port) {
		snprintf(msg, sizeof(msg), "This connection is for %s; the "
		    "request is for %.*s.", s->bump_host,
		    (int)(h->value_len > URL_HOST_MAX ? URL_HOST_MAX :
		    h->value_len), h->value);
		txn_error(t, 421, NULL, "misdirected", msg);
		return -1;
	}
	snprintf(t->url.scheme, sizeof(t->url.scheme), "https");
	snprintf(t->url.host, sizeof(t->url.host), "%s", s->bump_host);
	t->url.host_ipv6 = false;
	t->url.port = s->bump_port;
	t->url.port_explicit = s->bump_port != 443;
	t->url.form = URL_FORM_ABSOLUTE;
	t->https = true;
	return 0;
}

void
txn_start(struct session *s, struct http_msg *m)
{
	struct hdr_problem prob;
	struct werr err;
	struct txn *t;
	bool connect;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		http1_msg_free(m);
		session_close(s);
		return;
	}
	t->s = s;
	t->w = s->w;
	t->rc = runconf_ref(s->w->rc);
	t->out_mark = s->out_bytes;
	t->id = s->w->next_txn_id++;
	snprintf(t->req_id, sizeof(t->req_id), "%u-%" PRIu64, s->w->id,
	    t->id);
	t->req = m;
	clock_gettime(CLOCK_REALTIME, &t->t0_real);
	clock_gettime(CLOCK_MONOTONIC, &t->t0_mono);
	s->t = t;
	s->rq.on_body = txn_req_body;
	s->rq.arg = t;
	connect = m->method_id == HTTP_CONNECT;

	/* Not an open proxy: only configured client networks. */
	if (!txn_client_allowed(t)) {
		t->logurl = strndup(m->target, m->target_len);
		log_info("txn %" PRIu64 " %s: client not in allow_clients",
		    t->id, s->addr);
		txn_error(t, 403, "TCP_DENIED", "client-denied",
		    "Your address is not allowed to use this proxy.");
		return;
	}
	if (m->major != 1 || m->minor > 1) {
		txn_error(t, 505, NULL, "bad-request",
		    "Only HTTP/1.0 and HTTP/1.1 are supported.");
		return;
	}
	if (httphdr_analyse(&m->hdrs, true, m->minor, &m->info, &prob) == -1) {
		t->logurl = strndup(m->target, m->target_len);
		txn_error(t, prob.status, NULL, "bad-request", prob.err.msg);
		return;
	}
	if (!connect && txn_other_scheme(m->target, m->target_len)) {
		t->logurl = strndup(m->target, m->target_len);
		txn_error(t, 501, NULL, "unsupported-scheme", "Only http:// "
		    "URLs can be requested through this proxy without "
		    "CONNECT.");
		return;
	}
	if (url_parse_target(m->target, m->target_len, connect, &t->url,
	    &err) == -1) {
		txn_error(t, 400, NULL, "bad-request", err.msg);
		return;
	}
	if (s->bumped && txn_bumped_target(t) == -1)
		return;
	if (txn_host_ok(t, &err) == -1) {
		txn_error(t, 400, NULL, "bad-request", err.msg);
		return;
	}
	if (m->minor == 0 && m->info.expect_continue) {
		/* RFC 9110 section 10.1.1: ignored in HTTP/1.0. */
		httphdr_drop(&m->hdrs, HDR_EXPECT);
		m->info.expect_continue = false;
	}
	if (txn_make_logurl(t) == -1) {
		txn_error(t, 400, NULL, "bad-request", "URL too long");
		return;
	}
	t->keep_alive = m->minor == 1 ? !m->info.conn_close :
	    m->info.conn_keep_alive && !m->info.conn_close;
	if (m->info.chunked) {
		t->req_body = BODY_CHUNKED;
	} else if (m->info.content_length > 0) {
		t->req_body = BODY_LENGTH;
		t->req_left = (uint64_t)m->info.content_length;
	} else
		t->req_done = true;

	if (t->url.form == URL_FORM_ASTERISK &&
	    m->method_id != HTTP_OPTIONS) {
		txn_error(t, 400, NULL, "bad-request",
		    "'*' is only a target for OPTIONS.");
		return;
	}
	if (txn_via_loop(t)) {
		txn_error(t, 508, NULL, "loop", "This request has already "
		    "passed through this proxy (forwarding loop).");
		return;
	}
	if (m->info.expect_other) {
		txn_error(t, 417, NULL, "bad-request",
		    "Only the expectation 100-continue is supported.");
		return;
	}
	if (t->url.form == URL_FORM_ORIGIN ||
	    t->url.form == URL_FORM_ASTERISK) {
		txn_local(t);
		return;
	}
	if (txn_max_forwards(t) == -1)
		return;
	if (connect) {
		if (!netaddr_ports_contain(txn_cfg(t)->connect_ports,
		    txn_cfg(t)->nconnect_ports, t->url.port)) {
			log_info("txn %" PRIu64 " %s: CONNECT to port %u "
			    "refused", t->id, s->addr, (unsigned)t->url.port);
			txn_error(t, 403, "TCP_DENIED", "port-denied",
			    "Tunnels to this port are not allowed.");
			return;
		}
		if (!t->req_done) {
			txn_error(t, 400, NULL, "bad-request",
			    "A CONNECT request has no content.");
			return;
		}
		t->result = "TCP_TUNNEL";
	} else {
		t->result = "TCP_MISS";
		t->websocket = txn_cfg(t)->websocket &&
		    m->info.upgrade_websocket &&
		    m->method_id == HTTP_GET && t->req_done;
	}
	if (txn_policy(t) == -1)
		return;
	if (connect && txn_cfg(t)->tls_inspect != TLS_INSPECT_OFF) {
		txn_peek_start(t);
		return;
	}
	if (s->bump_local) {
		txn_bump_answer(t);
		return;
	}
	txn_connect(t);
}

/* ---- to the origin ---------------------------------------------------- */

static void
txn_write_fields(struct evbuffer *out, const struct hdrs *h,
    enum xff_mode xff)
{
	const struct hdr *f;
	size_t i;

	for (i = 0; i < h->n; i++) {
		f = &h->v[i];
		if (f->flags & HDR_F_DROP)
			continue;
		switch (f->id) {
		case HDR_HOST:
		case HDR_X_FORWARDED_FOR:
		case HDR_MAX_FORWARDS:
			continue;
		case HDR_FORWARDED:
		case HDR_FROM:
			if (xff == XFF_ANONYMOUS)
				continue;
			break;
		default:
			break;
		}
		evbuffer_add(out, f->name, f->name_len);
		evbuffer_add(out, ": ", 2);
		evbuffer_add(out, f->value, f->value_len);
		evbuffer_add(out, "\r\n", 2);
	}
}

/* X-Forwarded-For: what the client sent, then the client itself. */
static void
txn_write_xff(struct txn *t, struct evbuffer *out)
{
	const struct hdrs *h = &t->req->hdrs;
	const struct hdr *f;
	size_t i;
	bool first = true;

	if (txn_cfg(t)->x_forwarded_for != XFF_ADD)
		return;
	evbuffer_add(out, "X-Forwarded-For: ", 17);
	for (i = 0; i < h->n; i++) {
		f = &h->v[i];
		if (f->id != HDR_X_FORWARDED_FOR || f->value_len == 0)
			continue;
		if (!first)
			evbuffer_add(out, ", ", 2);
		evbuffer_add(out, f->value, f->value_len);
		first = false;
	}
	if (!first)
		evbuffer_add(out, ", ", 2);
	txn_add_str(out, t->s->addr);
	evbuffer_add(out, "\r\n", 2);
}

/* Whether the response will be looked at (and so must be decodable). */
static bool
txn_inspects(const struct txn *t)
{
	return t->policy_ran && t->dec.verdict != VERDICT_ALLOW &&
	    t->dec.g != NULL && t->req->method_id != HTTP_CONNECT &&
	    policy_wants_sniff(t->dec.g);
}

/*
 * Accept-Encoding narrowed to the codings Warden decodes (RFC 9110
 * section 12.5.3), when the response is to be looked at: the client's
 * fields are joined, filtered and sent as one.
 */
static void
txn_write_accept_encoding(struct txn *t, struct evbuffer *out)
{
	struct hdrs *h = &t->req->hdrs;
	char all[1024], narrow[1024];
	size_t i, n = 0;
	bool any = false;

	for (i = 0; i < h->n; i++) {
		if (h->v[i].id != HDR_ACCEPT_ENCODING)
			continue;
		if (n + h->v[i].value_len + 2 >= sizeof(all)) {
			n = 0;		/* absurdly long: ask for none */
			any = true;
			break;
		}
		if (any) {
			memcpy(all + n, ", ", 2);
			n += 2;
		}
		memcpy(all + n, h->v[i].value, h->v[i].value_len);
		n += h->v[i].value_len;
		any = true;
	}
	if (!any)
		return;
	httphdr_drop(h, HDR_ACCEPT_ENCODING);
	if (decode_accept_encoding(all, n, narrow, sizeof(narrow)) == -1)
		snprintf(narrow, sizeof(narrow), "identity");
	evbuffer_add_printf(out, "Accept-Encoding: %s\r\n", narrow);
}

static void
txn_write_request_head(struct txn *t)
{
	struct evbuffer *up = bufferevent_get_output(t->up->bev);
	struct evbuffer *out = txn_part(t, up);
	struct http_msg *m = t->req;
	const struct hdr *mf;

	evbuffer_add(out, m->method, m->method_len);
	evbuffer_add(out, " ", 1);
	if (t->fwd_path != NULL)
		txn_add_str(out, t->fwd_path);
	else {
		if (t->url.path_slash)
			evbuffer_add(out, "/", 1);
		evbuffer_add(out, t->url.path, t->url.path_len);
	}
	evbuffer_add(out, " HTTP/1.1\r\nHost: ", 17);
	txn_add_str(out, t->authority);
	evbuffer_add(out, "\r\n", 2);
	if (t->ss_name != NULL) {
		/* The engine's own header, whatever the client sent. */
		httphdr_drop_name(&t->req->hdrs, t->ss_name);
		evbuffer_add_printf(out, "%s: %s\r\n", t->ss_name,
		    t->ss_value);
	}
	if (txn_inspects(t))
		txn_write_accept_encoding(t, out);
	txn_write_fields(out, &m->hdrs, txn_cfg(t)->x_forwarded_for);
	evbuffer_add(out, t->rc->via, t->rc->via_len);
	txn_write_xff(t, out);
	if (t->max_forwards >= 0)
		evbuffer_add_printf(out, "Max-Forwards: %" PRId64 "\r\n",
		    t->max_forwards);
	else if ((mf = httphdr_find(&m->hdrs, HDR_MAX_FORWARDS)) != NULL)
		evbuffer_add_printf(out, "Max-Forwards: %.*s\r\n",
		    (int)mf->value_len, mf->value);
	if (t->req_body == BODY_CHUNKED)
		evbuffer_add(out, "Transfer-Encoding: chunked\r\n", 28);
	else if (m->info.content_length >= 0)
		txn_add_length(out, (uint64_t)m->info.content_length);
	if (t->websocket)
		evbuffer_add(out, "Connection: Upgrade\r\n"
		    "Upgrade: websocket\r\n", 41);
	evbuffer_add(out, "\r\n", 2);
	txn_send(up, out, t->up->tls);
}

/* Decoded chunk data from the client, re-framed by us. */
static void
txn_req_body(void *arg, const char *data, size_t len)
{
	struct txn *t = arg;

	if (len == 0)
		return;
	txn_send_chunk(t, bufferevent_get_output(t->up->bev), t->up->tls,
	    data, NULL, len);
	t->req_sent_any = true;
}

/* Moves request body bytes upstream while there is room. */
static void
txn_pump_request(struct txn *t)
{
	struct evbuffer *in = txn_cin(t), *out;
	struct evbuffer_iovec v;
	const char *why = NULL;
	size_t n;
	ssize_t used;
	bool done;

	if (t->req_done || t->up == NULL)
		return;
	out = bufferevent_get_output(t->up->bev);
	while (!t->req_done && evbuffer_get_length(in) > 0 &&
	    evbuffer_get_length(out) < TXN_HIGH) {
		if (t->req_body == BODY_LENGTH) {
			n = evbuffer_get_length(in);
			if (n > t->req_left)
				n = (size_t)t->req_left;
			evbuffer_remove_buffer(in, out, n);
			t->req_left -= n;
			t->req_sent_any = true;
			if (t->req_left == 0)
				t->req_done = true;
			continue;
		}
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		used = http1_chunked(&t->s->rq, v.iov_base, v.iov_len, &done,
		    &why);
		if (used == -1) {
			log_info("txn %" PRIu64 " %s: bad chunked request "
			    "body: %s", t->id, t->s->addr, why);
			t->keep_alive = false;
			txn_error(t, 400, NULL, "bad-request",
			    "The request body's chunked framing is invalid.");
			return;
		}
		evbuffer_drain(in, (size_t)used);
		if (done) {
			evbuffer_add(out, "0\r\n\r\n", 5);
			t->req_done = true;
		}
	}
	if (t->req_done) {
		bufferevent_set_timeouts(t->s->bev, NULL, NULL);
		return;
	}
	if (evbuffer_get_length(out) >= TXN_HIGH) {
		/* Back-pressure: read the client again once this drains. */
		bufferevent_disable(t->s->bev, EV_READ);
		bufferevent_setwatermark(t->up->bev, EV_WRITE, TXN_HIGH / 2, 0);
	}
}

static size_t
txn_resp_fields(const struct config *cfg)
{
	return cfg->max_headers > TXN_RESP_MIN_FIELDS ? cfg->max_headers :
	    TXN_RESP_MIN_FIELDS;
}

static void
txn_timeouts(struct bufferevent *bev, unsigned rsec, unsigned wsec)
{
	struct timeval r = { rsec, 0 }, w = { wsec, 0 };

	bufferevent_set_timeouts(bev, rsec ? &r : NULL, wsec ? &w : NULL);
}

static void
txn_tunnel_done(const struct tunnel_stats *st, const char *why, void *arg)
{
	struct txn *t = arg;
	struct session *s = t->s;

	/* What went to the client is counted as it went. */
	if (st->spliced_to_client > 0 || st->spliced_to_server > 0)
		log_debug("txn %" PRIu64 " %s: tunnel spliced %" PRIu64
		    " bytes to the client, %" PRIu64 " to the server", t->id,
		    s->addr, st->spliced_to_client, st->spliced_to_server);
	t->keep_alive = false;
	txn_abort(t, why != NULL ? why : "tunnel closed");
	session_close(s);
}

static void
txn_start_tunnel(struct txn *t)
{
	t->s->state = SESSION_TUNNEL;
	t->tun = tunnel_new(t->s->bev, t->up->bev,
	    txn_cfg(t)->tunnel_idle_timeout, t->w->pipes, &t->s->out_bytes,
	    txn_tunnel_done, t);
	if (t->tun == NULL)
		txn_kill(t, "out of memory");
}

static void
txn_up_ready(struct txn *t)
{
	const struct config *cfg = txn_cfg(t);
	struct bufferevent *ub = t->up->bev;
	static const char est[] = "HTTP/1.1 200 Connection established\r\n\r\n";

	snprintf(t->peer, sizeof(t->peer), "%s", t->up->peer);
	if (t->req->method_id == HTTP_CONNECT) {
		if (t->bump) {
			txn_bump_start(t);
			return;
		}
		if (!t->peeked)
			evbuffer_add(txn_cout(t), est, sizeof(est) - 1);
		t->status = 200;
		t->resp_head_sent = true;
		txn_start_tunnel(t);
		return;
	}
	t->up->nreq++;
	http1_init(&t->rp, HTTP_RESPONSE, txn_resp_fields(cfg), NULL, NULL);
	bufferevent_setcb(ub, txn_up_read, txn_up_write, txn_up_event, t);
	bufferevent_setwatermark(ub, EV_READ, 0, TXN_HIGH);
	bufferevent_setwatermark(ub, EV_WRITE, 0, 0);
	txn_timeouts(ub, cfg->read_timeout, cfg->read_timeout);
	bufferevent_enable(ub, EV_READ | EV_WRITE);
	txn_write_request_head(t);
	if (!t->req_done)
		txn_timeouts(t->s->bev, cfg->client_read_timeout,
		    cfg->read_timeout);
	txn_pump_request(t);
}

static void
txn_connected(struct upconn *uc, enum upstream_err err, const char *detail,
    void *arg)
{
	struct txn *t = arg;
	char msg[600];

	t->connecting = NULL;
	switch (err) {
	case UPSTREAM_OK:
		if (t->https && !uc->tls) {
			/* Inside a bumped session: TLS to the origin too. */
			t->uptls = upstream_tls(uc, t->w->tls_client,
			    t->url.host, !t->s->bump_noverify,
			    txn_https_upstream, t);
			if (t->uptls == NULL)
				txn_error(t, 503, NULL, "internal",
				    "out of memory");
			return;
		}
		t->up = uc;
		txn_up_ready(t);
		return;
	case UPSTREAM_TLS:
		snprintf(msg, sizeof(msg), "The secure connection to %s "
		    "failed: %s. Warden does not pass on a site it cannot "
		    "verify.", t->authority, detail);
		txn_error(t, 502, NULL, upstream_err_str(err), msg);
		return;
	case UPSTREAM_DNS:
		snprintf(msg, sizeof(msg), "The name %s could not be resolved "
		    "(%s).", t->url.host, detail);
		txn_error(t, 502, NULL, upstream_err_str(err), msg);
		return;
	case UPSTREAM_CONNECT:
		snprintf(msg, sizeof(msg), "Could not connect to %s (%s).",
		    t->authority, detail);
		txn_error(t, 502, NULL, upstream_err_str(err), msg);
		return;
	case UPSTREAM_TIMEOUT:
		snprintf(msg, sizeof(msg), "%s did not answer in time (%s).",
		    t->authority, detail);
		txn_error(t, 504, NULL, upstream_err_str(err), msg);
		return;
	case UPSTREAM_LOOP:
		snprintf(msg, sizeof(msg), "Forwarding loop: %s.", detail);
		txn_error(t, 508, NULL, upstream_err_str(err), msg);
		return;
	case UPSTREAM_INTERNAL:
		break;
	}
	txn_error(t, 500, NULL, "internal", detail);
}

static void
txn_connect(struct txn *t)
{
	struct session *s = t->s;

	if (s->bump_up != NULL) {
		if (t->https && strcmp(s->bump_up->key, t->key) == 0) {
			t->up = s->bump_up;
			s->bump_up = NULL;
			t->up_reused = true;
			txn_up_ready(t);
			return;
		}
		upstream_release(s->bump_up, true);
		s->bump_up = NULL;
	}
	if (t->req->method_id != HTTP_CONNECT && !t->websocket &&
	    (t->up = upstream_pool_get(t->w, t->key)) != NULL) {
		t->up_reused = true;
		txn_up_ready(t);
		return;
	}
	t->up_reused = false;
	t->connecting = upstream_connect(t->w, t->connect_host != NULL ?
	    t->connect_host : t->url.host, t->url.port, txn_connected, t);
	if (t->connecting == NULL)
		txn_error(t, 500, NULL, "internal", "out of memory");
}

/* ---- the response ------------------------------------------------------ */

static void
txn_resp_body(void *arg, const char *data, size_t len)
{
	struct txn *t = arg;
	struct evbuffer *out = t->relay_to;

	if (len == 0)
		return;
	if (t->resp_chunk_out && !t->holding)
		txn_send_chunk(t, out, t->s->bumped, data, NULL, len);
	else
		evbuffer_add(out, data, len);
}

/*
 * The response head for the client, in a part (txn_part()) the caller
 * may add the body's start to and txn_send()s. extra: fields of our own,
 * written last (CRLF-terminated lines).
 */
static struct evbuffer *
txn_response_head(struct txn *t, const struct http_msg *m, bool final,
    const char *extra)
{
	struct evbuffer *out = txn_part(t, txn_cout(t));

	evbuffer_add(out, "HTTP/1.1 ", 9);
	txn_add_num(out, (uint64_t)m->status);	/* 100 to 599 */
	evbuffer_add(out, " ", 1);
	/* The head scanner let no control byte into it. */
	if (m->reason != NULL)
		evbuffer_add(out, m->reason, m->reason_len);
	evbuffer_add(out, "\r\n", 2);
	txn_write_fields(out, &m->hdrs, XFF_OFF);
	evbuffer_add(out, t->rc->via, t->rc->via_len);
	if (final) {
		switch (t->whole ? BODY_NONE : t->resp_body) {
		case BODY_NONE:
			if (t->whole) {
				txn_add_length(out,
				    evbuffer_get_length(t->held));
				break;
			}
			/* HEAD and 304 keep the length they describe. */
			if (m->info.content_length >= 0 && m->status != 204)
				txn_add_length(out,
				    (uint64_t)m->info.content_length);
			break;
		case BODY_LENGTH:
			txn_add_length(out, (uint64_t)m->info.content_length);
			break;
		case BODY_CHUNKED:
		case BODY_EOF:
			if (t->resp_chunk_out)
				evbuffer_add(out, "Transfer-Encoding: "
				    "chunked\r\n", 28);
			break;
		}
		if (!t->keep_alive)
			evbuffer_add(out, "Connection: close\r\n", 19);
		else if (t->req->minor == 0)
			evbuffer_add(out, "Connection: keep-alive\r\n", 24);
	}
	if (extra != NULL)
		evbuffer_add(out, extra, strlen(extra));
	evbuffer_add(out, "\r\n", 2);
	return out;
}

/* The response head alone, to the client. */
static void
txn_write_response_head(struct txn *t, const struct http_msg *m,
    bool final, const char *extra)
{
	txn_send(txn_cout(t), txn_response_head(t, m, final, extra),
	    t->s->bumped);
}

static void
txn_resp_done(struct txn *t)
{
	const struct http_msg *m = t->resp;
	bool reusable;

	if (t->resp_chunk_out)
		evbuffer_add(txn_cout(t), "0\r\n\r\n", 5);
	/* Any byte past the end of the message poisons the connection. */
	reusable = t->resp_body != BODY_EOF && !m->info.conn_close &&
	    (m->minor == 1 || m->info.conn_keep_alive) && t->req_done &&
	    evbuffer_get_length(bufferevent_get_input(t->up->bev)) == 0;
	txn_end(t, reusable);
}

/* ---- the response phase of the policy ---------------------------------- */

static void	txn_hold_act(struct txn *, enum inspect_state, int);

/* The response is blocked: the block page instead, the origin dropped. */
static void
txn_resp_block(struct txn *t)
{
	t->holding = false;
	if (t->up != NULL) {
		upstream_release(t->up, false);
		t->up = NULL;
	}
	txn_block(t);
}

static void
txn_sniff_timeout(evutil_socket_t fd WD_UNUSED, short what WD_UNUSED,
    void *arg)
{
	struct txn *t = arg;

	if (t->holding && inspect_sniffing(t->insp))
		txn_hold_act(t, inspect_sniff_now(t->insp), 0);
}

/*
 * Starts the response phase on a final response head. Returns 0 to go on
 * (holding the body or not), -1 when the transaction has ended.
 */
static int
txn_inspect_head(struct txn *t)
{
	const struct config *cfg = txn_cfg(t);
	const struct http_msg *m = t->resp;
	const struct hdr *ce, *cd, *cr;
	struct inspect_conf conf;
	struct inspect_head h;

	if (!t->policy_ran || t->dec.verdict == VERDICT_ALLOW ||
	    t->dec.g == NULL || !policy_inspects(t->dec.g))
		return 0;
	memset(&h, 0, sizeof(h));
	if (m->info.content_type != NULL) {
		h.ctype = m->info.content_type->value;
		h.ctype_len = m->info.content_type->value_len;
	}
	if ((ce = httphdr_find(&m->hdrs, HDR_CONTENT_ENCODING)) != NULL) {
		h.cenc = ce->value;
		h.cenc_len = ce->value_len;
	}
	if ((cd = httphdr_find(&m->hdrs, HDR_CONTENT_DISPOSITION)) != NULL) {
		h.cdisp = cd->value;
		h.cdisp_len = cd->value_len;
	}
	h.path = t->norm;
	h.body = t->resp_body != BODY_NONE;
	/* RFC 9110 section 14.4: a range from the start can be sniffed. */
	cr = httphdr_find(&m->hdrs, HDR_CONTENT_RANGE);
	h.partial = m->status == 206 && (cr == NULL || cr->value_len < 8 ||
	    strncasecmp(cr->value, "bytes 0-", 8) != 0);
	conf.scan_max = cfg->scan_max_size;
	conf.oversize_block = cfg->scan_oversize_block;
	t->insp = inspect_new(t->rc->policy, t->dec.g, t->w->magic, &conf, &h,
	    time(NULL), t->w->scratch, &t->dec);
	if (t->insp == NULL) {
		txn_error(t, 503, NULL, "internal", "out of memory");
		return -1;
	}
	switch (inspect_state(t->insp)) {
	case INSPECT_BLOCK:
		txn_resp_block(t);
		return -1;
	case INSPECT_HOLD:
		if ((t->held = evbuffer_new()) == NULL) {
			txn_error(t, 503, NULL, "internal", "out of memory");
			return -1;
		}
		t->holding = true;
		return 0;
	default:
		return 0;
	}
}

/* Gives the inspection what came into the held body since last time. */
static enum inspect_state
txn_hold_feed(struct txn *t)
{
	struct evbuffer_ptr pos;
	struct evbuffer_iovec v[8];
	enum inspect_state st = INSPECT_HOLD;
	size_t len = evbuffer_get_length(t->held);
	int i, n;

	while (st == INSPECT_HOLD && t->held_fed < len) {
		if (evbuffer_ptr_set(t->held, &pos, t->held_fed,
		    EVBUFFER_PTR_SET) == -1)
			break;
		n = evbuffer_peek(t->held, (ev_ssize_t)(len - t->held_fed),
		    &pos, v, 8);
		if (n > 8)
			n = 8;
		for (i = 0; i < n && st == INSPECT_HOLD; i++) {
			st = inspect_feed(t->insp, v[i].iov_base, v[i].iov_len);
			t->held_fed += v[i].iov_len;
		}
	}
	return inspect_state(t->insp);
}

/*
 * The held body goes to the client: whole (its length known) when end
 * is set, else as the start of a body whose rest is relayed unlooked at.
 */
static void
txn_release(struct txn *t, bool end)
{
	struct evbuffer *out;
	size_t len = evbuffer_get_length(t->held);

	if (t->sniff_ev != NULL)
		event_del(t->sniff_ev);
	t->whole = end;
	if (end)
		t->resp_chunk_out = false;
	t->holding = false;
	out = txn_response_head(t, t->resp, true, NULL);
	t->resp_head_sent = true;
	if (t->resp_chunk_out && len > 0)
		evbuffer_add_printf(out, "%zx\r\n", len);
	evbuffer_add_buffer(out, t->held);
	if (t->resp_chunk_out && len > 0)
		evbuffer_add(out, "\r\n", 2);
	txn_send(txn_cout(t), out, t->s->bumped);
	if (end)
		txn_resp_done(t);
	else
		txn_relay_more(t, 0);
}

/*
 * What the inspection said after more of the body (r: 1 it ended, 0 more
 * is to come, -1 its framing is bad).
 */
static void
txn_hold_act(struct txn *t, enum inspect_state st, int r)
{
	struct timeval tv = { 0, TXN_SNIFF_WAIT_MS * 1000 };

	if (r == -1) {
		txn_error(t, 502, NULL, "bad-response",
		    "The origin's response body framing is invalid.");
		return;
	}
	if (st == INSPECT_HOLD && r == 1)
		st = inspect_end(t->insp);
	switch (st) {
	case INSPECT_HOLD:
		if (inspect_sniffing(t->insp) && t->sniff_ev == NULL) {
			t->sniff_ev = evtimer_new(t->w->base,
			    txn_sniff_timeout, t);
			if (t->sniff_ev == NULL ||
			    evtimer_add(t->sniff_ev, &tv) == -1) {
				txn_error(t, 503, NULL, "internal",
				    "out of memory");
				return;
			}
		}
		return;
	case INSPECT_BLOCK:
		txn_resp_block(t);
		return;
	case INSPECT_PASS:
		txn_release(t, true);
		return;
	case INSPECT_STREAM:
		txn_release(t, r == 1);
		return;
	}
}

/* A final response head arrived: check it and send ours. */
static int
txn_resp_head(struct txn *t, struct http_msg *m)
{
	struct hdr_problem prob;
	const struct hdr *ct;
	char msg[600];

	if (m->major != 1) {
		http1_msg_free(m);
		txn_error(t, 502, NULL, "bad-response",
		    "The origin answered with an unsupported HTTP version.");
		return -1;
	}
	if (httphdr_analyse(&m->hdrs, false, m->minor, &m->info, &prob) ==
	    -1) {
		http1_msg_free(m);
		snprintf(msg, sizeof(msg), "The origin's response was "
		    "malformed: %s", prob.err.msg);
		txn_error(t, 502, NULL, "bad-response", msg);
		return -1;
	}
	t->resp = m;
	t->status = m->status;
	if ((ct = m->info.content_type) != NULL)
		snprintf(t->ctype, sizeof(t->ctype), "%.*s",
		    (int)ct->value_len, ct->value);
	if (t->req->method_id == HTTP_HEAD || m->status == 204 ||
	    m->status == 304)
		t->resp_body = BODY_NONE;
	else if (m->info.chunked)
		t->resp_body = BODY_CHUNKED;
	else if (m->info.content_length >= 0) {
		t->resp_body = m->info.content_length > 0 ? BODY_LENGTH :
		    BODY_NONE;
		t->resp_left = (uint64_t)m->info.content_length;
	} else
		t->resp_body = BODY_EOF;
	if (t->resp_body == BODY_NONE && m->info.content_length == 0 &&
	    t->req->method_id != HTTP_HEAD && m->status != 204 &&
	    m->status != 304)
		t->resp_left = 0;
	if (t->resp_body == BODY_CHUNKED || t->resp_body == BODY_EOF) {
		/* Our own framing: chunked for 1.1, the close for 1.0. */
		t->resp_chunk_out = t->req->minor == 1;
		if (!t->resp_chunk_out)
			t->keep_alive = false;
	}
	if (!t->req_done || t->w->draining)
		t->keep_alive = false;
	/* The parser is past the head: chunks come next. */
	t->rp.on_body = txn_resp_body;
	t->rp.arg = t;
	return txn_inspect_head(t);
}

static void
txn_websocket(struct txn *t, struct http_msg *m)
{
	const struct hdr *up = httphdr_find(&m->hdrs, HDR_UPGRADE);
	struct hdr_problem prob;

	if (!t->websocket || up == NULL ||
	    !httphdr_token_eq(up->value, up->value_len, "websocket") ||
	    httphdr_analyse(&m->hdrs, false, m->minor, &m->info, &prob) ==
	    -1) {
		http1_msg_free(m);
		txn_error(t, 502, NULL, "bad-response",
		    "The origin switched protocols unasked.");
		return;
	}
	t->status = 101;
	t->keep_alive = false;
	/* Re-add what hop-by-hop removal took: this hop upgrades too. */
	txn_write_response_head(t, m, false,
	    "Connection: Upgrade\r\nUpgrade: websocket\r\n");
	http1_msg_free(m);
	t->resp_head_sent = true;
	txn_start_tunnel(t);
}

/* ---- splicing a body nobody looks at ---------------------------------- */

/*
 * Whether the rest of the response body may be spliced, now or once its
 * first bytes are sniffed: plain HTTP on both connections, a body framed
 * by its length with at least TXN_SPLICE_MIN bytes past what has been
 * read, the request sent, and no inspection that will look at more than
 * the first bytes: none, one whose verdict was to stream the rest
 * unlooked at (INSPECT_STREAM), or one still sniffing.
 */
static bool
txn_splice_maybe(const struct txn *t)
{
	size_t in;

	if (t->splice_no || t->splicer != NULL || t->up == NULL ||
	    t->resp == NULL || t->resp_body != BODY_LENGTH ||
	    t->resp_chunk_out || !t->req_done || t->tun != NULL ||
	    t->https || t->s->bumped || t->up->tls)
		return false;
	in = evbuffer_get_length(bufferevent_get_input(t->up->bev));
	if (t->resp_left < TXN_SPLICE_MIN || t->resp_left - TXN_SPLICE_MIN < in)
		return false;
	if (t->insp != NULL && inspect_state(t->insp) != INSPECT_STREAM &&
	    !(inspect_state(t->insp) == INSPECT_HOLD &&
	    inspect_sniffing(t->insp)))
		return false;
	return sockio_plain(t->s->bev) && sockio_plain(t->up->bev);
}

/*
 * Whether to splice the rest of the body now: it may be (above), nothing
 * holds it (the sniff is over, the verdict was to stream), and all that
 * was read has been passed on.
 */
static bool
txn_splice_wanted(const struct txn *t)
{
	if (t->holding || !txn_splice_maybe(t))
		return false;
	return evbuffer_get_length(bufferevent_get_input(t->up->bev)) == 0 &&
	    evbuffer_get_length(bufferevent_get_output(t->up->bev)) == 0;
}

/*
 * Reads what else the origin has sent, in one system call, unless the
 * body may be spliced: its bytes then stay in the kernel, and only what
 * the sniff of its first bytes still lacks is read.
 */
static void
txn_read_ahead(struct txn *t, struct bufferevent *bev)
{
	size_t have;

	if (!txn_splice_maybe(t)) {
		sockio_read_more(bev);
		return;
	}
	if (!t->holding)
		return;
	have = evbuffer_get_length(t->held) +
	    evbuffer_get_length(bufferevent_get_input(bev));
	if (have < INSPECT_SNIFF_BYTES)
		sockio_read_upto(bev, INSPECT_SNIFF_BYTES - have);
}

/*
 * The splice ended: the bufferevents take over again, and the end goes
 * the way the same end of a relayed body goes (the origin's close, error
 * or timeout through txn_up_event(), the client's through
 * txn_client_event()), so that the log and the connections come out the
 * same. A splice that could not go on (SPLICE_STUCK) leaves the rest of
 * the body to the ordinary relay, which its read event starts.
 */
static void
txn_splice_done(enum splice_end end, int err, void *arg)
{
	struct txn *t = arg;
	struct bufferevent *ub = t->up->bev;
	uint64_t n = splice_written(t->splicer);

	t->resp_left -= splice_read(t->splicer);
	splice_free(t->splicer);
	t->splicer = NULL;
	txn_splice_log(t, n, end == SPLICE_DONE ? NULL : splice_end_str(end));
	bufferevent_enable(t->s->bev, EV_WRITE);
	bufferevent_enable(ub, EV_READ | EV_WRITE);
	switch (end) {
	case SPLICE_DONE:
		txn_resp_done(t);
		return;
	case SPLICE_SRC_EOF:
		txn_up_event(ub, BEV_EVENT_READING | BEV_EVENT_EOF, t);
		return;
	case SPLICE_SRC_TIMEOUT:
		txn_up_event(ub, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, t);
		return;
	case SPLICE_SRC_ERROR:
		EVUTIL_SET_SOCKET_ERROR(err);
		txn_up_event(ub, BEV_EVENT_READING | BEV_EVENT_ERROR, t);
		return;
	case SPLICE_DST_ERROR:
		EVUTIL_SET_SOCKET_ERROR(err);
		txn_client_event(t, BEV_EVENT_WRITING | BEV_EVENT_ERROR);
		return;
	case SPLICE_STUCK:
	case SPLICE_NO_PIPE:	/* only transfers until EOF give theirs up */
		/*
		 * Nothing is lost (the pipe was empty, exactly what was read
		 * went out): the bufferevents relay the rest, and their
		 * recv() steps over the urgent byte that stopped splice(2).
		 * Never again for this body: it may hold more.
		 */
		t->splice_no = true;
		return;
	}
}

/*
 * The client output has drained to its socket: the bufferevents step
 * aside (the client's keeps reading, so a client that goes away is still
 * noticed) and the rest of the body, exactly resp_left bytes, is spliced.
 * When that cannot start, the bufferevents relay it as usual.
 */
static void
txn_splice_go(struct txn *t)
{
	t->splice_wait = false;
	bufferevent_disable(t->up->bev, EV_READ | EV_WRITE);
	bufferevent_disable(t->s->bev, EV_WRITE);
	t->splicer = splice_start(t->w->base, t->w->pipes,
	    bufferevent_getfd(t->up->bev), bufferevent_getfd(t->s->bev),
	    t->resp_left, txn_cfg(t)->read_timeout, &t->s->out_bytes,
	    txn_splice_done, t);
	if (t->splicer != NULL)
		return;
	log_debug("txn %" PRIu64 " %s: not splicing: %s", t->id, t->s->addr,
	    strerror(errno));
	t->splice_no = true;
	bufferevent_enable(t->s->bev, EV_WRITE);
	bufferevent_enable(t->up->bev, EV_READ | EV_WRITE);
}

/*
 * The body goes by splice from here: stop reading the origin, and start
 * once what is queued for the client (head, first bytes) has gone out, so
 * that the order holds.
 */
static void
txn_splice_begin(struct txn *t)
{
	t->splice_wait = true;
	bufferevent_disable(t->up->bev, EV_READ);
	bufferevent_setwatermark(t->s->bev, EV_WRITE, 0, 0);
	bufferevent_enable(t->s->bev, EV_WRITE);
	if (evbuffer_get_length(txn_cout(t)) == 0)
		txn_splice_go(t);
}

/*
 * Moves response body bytes to the client while it keeps up. Returns 1 at
 * the end of the message, 0 when more is to come, -1 on bad framing.
 */
static int
txn_relay_body(struct txn *t, struct evbuffer *in, struct evbuffer *out)
{
	size_t n;
	struct evbuffer_iovec v;
	const char *why = NULL;
	ssize_t used;
	bool done;
	int r = t->resp_body == BODY_NONE ? 1 : 0;

	t->relay_to = out;
	bool frame = t->resp_chunk_out && !t->holding;

	/* A held body is bounded by the inspection, not by the client. */
	while (r == 0 && evbuffer_get_length(in) > 0 &&
	    (t->up_eof || t->holding || evbuffer_get_length(out) < TXN_HIGH)) {
		switch (t->resp_body) {
		case BODY_NONE:
			r = 1;
			break;
		case BODY_LENGTH:
			n = evbuffer_get_length(in);
			if (n > t->resp_left)
				n = (size_t)t->resp_left;
			evbuffer_remove_buffer(in, out, n);
			t->resp_left -= n;
			if (t->resp_left == 0)
				r = 1;
			break;
		case BODY_EOF:
			n = evbuffer_get_length(in);
			if (frame)
				txn_send_chunk(t, out, t->s->bumped, NULL, in,
				    n);
			else
				evbuffer_remove_buffer(in, out, n);
			break;
		case BODY_CHUNKED:
			if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
				break;
			used = http1_chunked(&t->rp, v.iov_base, v.iov_len,
			    &done, &why);
			if (used == -1) {
				log_info("txn %" PRIu64 " %s: bad chunked "
				    "response from %s: %s", t->id, t->s->addr,
				    t->authority, why);
				r = -1;
				break;
			}
			evbuffer_drain(in, (size_t)used);
			if (done)
				r = 1;
			break;
		}
	}
		t->relay_to = NULL;
	return r;
}

/*
 * The first body bytes are decoded before the head goes out, so that a
 * response whose framing is bad from the start gets a clean 502 rather
 * than a cut connection.
 */
static void
txn_first_body(struct txn *t, struct evbuffer *in)
{
	struct evbuffer *tmp, *out;
	int r;

	if (t->holding) {
		r = txn_relay_body(t, in, t->held);
		txn_hold_act(t, r == -1 ? INSPECT_HOLD : txn_hold_feed(t), r);
		return;
	}
	if ((tmp = evbuffer_new()) == NULL) {
		txn_error(t, 500, NULL, "internal", "out of memory");
		return;
	}
	r = txn_relay_body(t, in, tmp);
	if (r == -1) {
		evbuffer_free(tmp);
		txn_error(t, 502, NULL, "bad-response",
		    "The origin's response body framing is invalid.");
		return;
	}
	out = txn_response_head(t, t->resp, true, NULL);
	t->resp_head_sent = true;
	evbuffer_add_buffer(out, tmp);
	evbuffer_free(tmp);
	txn_send(txn_cout(t), out, t->s->bumped);
	txn_relay_more(t, r);
}

static void
txn_up_read(struct bufferevent *bev, void *arg)
{
	struct txn *t = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	const struct config *cfg = txn_cfg(t);
	struct http_head_limits lim;
	struct hdr_problem prob;
	struct http_msg *m;
	struct http1_err e;
	int r;

	if (t->splice_wait || t->splicer != NULL)
		return;		/* the splice reads the socket */
	if (evbuffer_get_length(in) > 0)
		t->resp_any = true;
	while (t->resp == NULL) {
		lim.max_start_line = cfg->max_request_line;
		lim.max_fields = cfg->max_header_size;
		lim.max_count = txn_resp_fields(cfg);
		r = http1_read_head(&t->rp, in, &lim,
		    t->req->method_id == HTTP_HEAD, &m, &e);
		if (r == 0) {
			/* The rest of the head may be queued already. */
			if (sockio_read_more(bev) > 0)
				continue;
			return;
		}
		if (r == 1 && (m->status < 100 || m->status > 599)) {
			/* RFC 9110 section 15: codes run from 100 to 599. */
			http1_msg_free(m);
			r = -1;
			e.why = "status code out of range";
		}
		if (r == -1) {
			log_info("txn %" PRIu64 " %s: bad response head from "
			    "%s: %s", t->id, t->s->addr, t->authority, e.why);
			txn_error(t, 502, NULL, "bad-response",
			    "The origin's response was malformed.");
			return;
		}
		if (m->status >= 200) {
			if (txn_resp_head(t, m) == -1)
				return;
			txn_read_ahead(t, bev);
			txn_first_body(t, in);
			return;
		}
		if (m->status == 101) {
			txn_websocket(t, m);
			return;
		}
		if (httphdr_analyse(&m->hdrs, false, m->minor, &m->info,
		    &prob) == -1) {
			http1_msg_free(m);
			txn_error(t, 502, NULL, "bad-response",
			    "The origin's interim response was malformed.");
			return;
		}
		/* RFC 9110 section 15.2: 1xx go on, except to HTTP/1.0. */
		if (t->req->minor == 1)
			txn_write_response_head(t, m, false, NULL);
		http1_msg_free(m);
		http1_reset(&t->rp);
	}
	txn_read_ahead(t, bev);
	if (t->holding) {
		r = txn_relay_body(t, in, t->held);
		txn_hold_act(t, r == -1 ? INSPECT_HOLD : txn_hold_feed(t), r);
		return;
	}
	txn_relay_more(t, txn_relay_body(t, in, txn_cout(t)));
}

/* After a relay pass: finish, cut, splice, or wait with back-pressure. */
static void
txn_relay_more(struct txn *t, int r)
{
	if (r == -1) {
		txn_kill(t, "bad chunked response");
		return;
	}
	if (r == 1) {
		txn_resp_done(t);
		return;
	}
	if (txn_splice_wanted(t)) {
		txn_splice_begin(t);
		return;
	}
	if (evbuffer_get_length(txn_cout(t)) >= TXN_HIGH) {
		bufferevent_disable(t->up->bev, EV_READ);
		bufferevent_setwatermark(t->s->bev, EV_WRITE, TXN_HIGH / 2, 0);
	}
}

static void
txn_up_write(struct bufferevent *bev, void *arg)
{
	struct txn *t = arg;

	(void)bev;
	if (t->req_done)
		return;
	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	bufferevent_enable(t->s->bev, EV_READ);
	txn_pump_request(t);
}

/* The pooled connection was stale: try once more on a fresh one. */
static bool
txn_retry(struct txn *t)
{
	int mid = t->req->method_id;

	/* RFC 9110 section 9.2.2: never retry what is not idempotent; we
	 * keep to the safe methods, which no origin can mind seeing twice. */
	if (mid != HTTP_GET && mid != HTTP_HEAD && mid != HTTP_OPTIONS &&
	    mid != HTTP_TRACE)
		return false;
	if (!t->up_reused || t->resp_any || t->req_sent_any ||
	    t->req_body != BODY_NONE || t->tries > 0)
		return false;
	t->tries++;
	upstream_release(t->up, false);
	t->up = NULL;
	t->up_reused = false;
	t->connecting = upstream_connect(t->w, t->url.host, t->url.port,
	    txn_connected, t);
	if (t->connecting == NULL)
		txn_error(t, 500, NULL, "internal", "out of memory");
	return true;
}

static void
txn_up_event(struct bufferevent *bev, short what, void *arg)
{
	struct txn *t = arg;
	char msg[600];
	int r;

	if (what & BEV_EVENT_TIMEOUT) {
		snprintf(msg, sizeof(msg), "%s did not answer within %u "
		    "seconds.", t->authority, txn_cfg(t)->read_timeout);
		txn_error(t, 504, NULL, "timeout", msg);
		return;
	}
	/* EOF or error. */
	if (t->resp == NULL) {
		if (txn_retry(t))
			return;
		snprintf(msg, sizeof(msg), "%s closed the connection without "
		    "a complete response.", t->authority);
		txn_error(t, 502, NULL, "bad-response", msg);
		return;
	}
	if ((what & BEV_EVENT_EOF) && t->holding) {
		t->up_eof = true;
		r = txn_relay_body(t, bufferevent_get_input(bev), t->held);
		if (r == 0 && t->resp_body == BODY_EOF)
			r = 1;
		if (r == 1) {
			txn_hold_act(t, txn_hold_feed(t), 1);
			return;
		}
		snprintf(msg, sizeof(msg), "%s closed the connection without "
		    "a complete response.", t->authority);
		txn_error(t, 502, NULL, "bad-response", msg);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		/* What was read before the close still goes to the client. */
		t->up_eof = true;
		switch (txn_relay_body(t, bufferevent_get_input(bev),
		    txn_cout(t))) {
		case 1:
			txn_resp_done(t);
			return;
		case 0:
			if (t->resp_body == BODY_EOF) {
				txn_resp_done(t);
				return;
			}
			break;
		default:
			break;
		}
	}
	txn_kill(t, "origin closed the connection mid-response");
}

/* ---- the client side during a transaction ------------------------------ */

void
txn_client_read(struct txn *t)
{
	if (t->peeking)
		txn_peek(t);
	else if (!t->req_done)
		txn_pump_request(t);
}

void
txn_client_write(struct txn *t)
{
	if (t->splice_wait) {
		if (evbuffer_get_length(txn_cout(t)) == 0)
			txn_splice_go(t);
		return;
	}
	if (t->up == NULL || t->resp == NULL)
		return;
	bufferevent_setwatermark(t->s->bev, EV_WRITE, 0, 0);
	bufferevent_enable(t->up->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(t->up->bev)) > 0)
		txn_up_read(t->up->bev, t);
}

void
txn_client_event(struct txn *t, short what)
{
	struct session *s = t->s;

	if (t->peeking) {
		txn_kill(t, (what & BEV_EVENT_TIMEOUT) ? "no ClientHello in "
		    "time" : "client went away before its ClientHello");
		return;
	}
	if (t->bump_handshake) {
		if (what & BEV_EVENT_CONNECTED) {
			txn_bump_ready(t);
			return;
		}
		if (txn_refused_certificate(s->bev)) {
			/* Pinning, or the CA is not on the client. */
			log_info("txn %" PRIu64 " %s: %s: the client did not "
			    "accept the inspection certificate", t->id,
			    s->addr, t->bump_host);
			if (txn_cfg(t)->tls_pin_splice > 0 && !t->bump_local)
				tls_pins_add(t->bump_host, time(NULL) +
				    txn_cfg(t)->tls_pin_splice);
		} else
			log_info("txn %" PRIu64 " %s: %s: the client went away "
			    "during the TLS handshake", t->id, s->addr,
			    t->bump_host);
		t->result = "TCP_BUMP_ABORTED";
		txn_kill(t, "client refused the forged certificate");
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && !t->req_done &&
	    !t->resp_head_sent) {
		t->keep_alive = false;
		txn_error(t, 408, NULL, "timeout",
		    "The request body did not arrive in time.");
		return;
	}
	if ((what & BEV_EVENT_EOF) && t->req_done && !(what &
	    BEV_EVENT_ERROR)) {
		/* Half-close after the request: answer, then close. */
		t->keep_alive = false;
		bufferevent_disable(s->bev, EV_READ);
		return;
	}
	if (t->result != NULL && strcmp(t->result, "TCP_MISS") == 0)
		t->result = "TCP_MISS_ABORTED";
	txn_kill(t, "client went away");
}
