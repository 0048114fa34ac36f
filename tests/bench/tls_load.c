/*
 * tls_load: a load client for the TLS inspection benchmark (tests/bench/tls-run).
 *
 * wrk cannot send CONNECT, so this does what a browser does through an
 * inspecting proxy: TCP connect to the proxy, "CONNECT name:port", read the
 * 200, TLS handshake inside (SNI name, ALPN http/1.1, the certificate
 * verified against --ca, host name checked), then GET requests, with
 * origin-form targets and "Host: name:port". Without --proxy it does the
 * same straight to --to (the origin itself, or a proxy that takes TLS
 * without CONNECT, such as sslsplit with a static target).
 *
 * One thread, non-blocking sockets, epoll; every connection is a small
 * state machine. Modes:
 *
 *   --mode new    for --duration seconds (after --warmup), each of -c
 *                 workers loops: connect, CONNECT, handshake, one GET,
 *                 read the response, close_notify, close. Reports
 *                 connections/s and the latency of the whole connection.
 *                 With --count N: stops after N connections instead (no
 *                 warm-up), connection i using name i mod --names.
 *   --mode keep   -c connections each do one CONNECT + handshake, then
 *                 back-to-back GETs on the same TLS connection; reports
 *                 requests/s and per-request latency.
 *   --mode idle   opens --count connections (at most -c being set up at
 *                 once), each with one GET, then keeps them idle; prints
 *                 "READY {json}" and reads commands on standard input:
 *                 CHECK (prints "CHECKED {json}": how many are still open)
 *                 and CLOSE (closes them all and exits). It exits by itself
 *                 after --hold seconds.
 *
 * Names: --name NAME (one), or --names-fmt FMT --names M: M names printf(FMT,
 * i), i = 0..M-1 (new connections take them in turn).
 *
 * It ends with one line "TLS_LOAD_JSON {...}": counts, rates, latency
 * percentiles (microseconds), errors by kind, the TLS version, cipher and
 * ALPN of the first handshake, and the issuer of the certificate shown.
 *
 *   tls_load mkcerts CA_CRT CA_KEY LEAF_KEY OUTDIR FMT M
 *
 * writes M leaf certificates OUTDIR/NAME.crt, NAME = printf(FMT, i), each
 * for that one DNS name, all with the public key of LEAF_KEY, signed by
 * the CA (the origin's per-name certificates for the cache-miss runs).
 *
 * Build: cc -O2 -o tls_load tls_load.c -lssl -lcrypto -lpthread
 * Bounded: stops after warm-up + duration (+ 5 s), or after --hold.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* ------------------------------------------------------------ options */

enum mode { MODE_NEW, MODE_KEEP, MODE_IDLE };

static struct {
	enum mode	 mode;
	struct sockaddr_in to;		/* where to TCP connect */
	int		 proxy;		/* send CONNECT first */
	int		 port;		/* the origin's port: CONNECT, Host */
	const char	*ca;
	const char	*path;
	const char	*name;
	const char	*names_fmt;
	int		 nnames;
	int		 conns;
	double		 duration, warmup, timeout, hold;
	long		 count;
	long		 expect_len;	/* -1: any */
	const char	*expect_file;
	int		 tls_max;	/* 0, TLS1_2_VERSION, TLS1_3_VERSION */
	int		 verbose;
} opt = {
	.mode = MODE_NEW, .path = "/1k.dat", .name = "localhost",
	.conns = 50, .duration = 10, .warmup = 0, .timeout = 15, .hold = 300,
	.count = 0, .expect_len = -1,
};

static unsigned char	*expect_body;
static size_t		 expect_body_len;

/* ---------------------------------------------------------- histogram */

#define H_LINEAR	2048
#define H_SUB		128
#define H_SIZE		(H_LINEAR + 40 * H_SUB)

struct hist {
	uint64_t	 n[H_SIZE];
	uint64_t	 count, max, sum;
};

static int
h_index(uint64_t v)
{
	int e;

	if (v < H_LINEAR)
		return (int)v;
	e = 63 - __builtin_clzll(v);		/* >= 11 */
	return H_LINEAR + (e - 11) * H_SUB + (int)((v >> (e - 7)) & (H_SUB - 1));
}

static uint64_t
h_value(int i)
{
	int e, sub;

	if (i < H_LINEAR)
		return (uint64_t)i;
	e = (i - H_LINEAR) / H_SUB + 11;
	sub = (i - H_LINEAR) % H_SUB;
	/* the middle of the bucket */
	return ((uint64_t)(H_SUB + sub) << (e - 7)) + ((uint64_t)1 << (e - 8));
}

static void
h_add(struct hist *h, uint64_t v)
{
	int i = h_index(v);

	if (i >= H_SIZE)
		i = H_SIZE - 1;
	h->n[i]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

static uint64_t
h_pct(const struct hist *h, double p)
{
	uint64_t want, seen = 0;
	int i;

	if (h->count == 0)
		return 0;
	want = (uint64_t)(p / 100.0 * (double)h->count + 0.5);
	if (want < 1)
		want = 1;
	for (i = 0; i < H_SIZE; i++) {
		seen += h->n[i];
		if (seen >= want)
			return h_value(i) > h->max ? h->max : h_value(i);
	}
	return h->max;
}

/* -------------------------------------------------------------- state */

enum state {
	S_CONNECTING, S_SEND_CONNECT, S_READ_CONNECT, S_HANDSHAKE,
	S_SEND_REQ, S_READ_RESP, S_IDLE,
};

enum err {
	E_CONNECT, E_PROXY_STATUS, E_PROXY_CLOSED, E_TLS, E_VERIFY, E_WRITE,
	E_READ_CLOSED, E_READ, E_STATUS, E_LENGTH, E_BODY, E_TIMEOUT, E_COUNT
};
static const char *err_names[E_COUNT] = {
	"connect", "proxy_status", "proxy_closed", "tls_handshake", "verify",
	"write", "closed", "read", "status", "length", "body", "timeout",
};

#define BUF_MAX	(64 * 1024)

struct conn {
	int		 fd;
	SSL		*ssl;
	enum state	 st;
	int		 name;
	uint64_t	 t_conn;	/* connection started */
	uint64_t	 t_req;		/* request sent */
	uint64_t	 t_op;		/* last progress, for the timeout */
	size_t		 wpos, len;
	char		 req[512];
	size_t		 req_len;
	/* response */
	long		 clen;		/* -1: unknown */
	int		 chunked;
	int		 resp_close;	/* the response said Connection: close */
	size_t		 hdr_len;	/* 0: head not read yet */
	int		 reqs_on_conn;
	int		 pending;	/* failed to start: start again later */
	char		 buf[BUF_MAX];
};

static SSL_CTX		*ctx;
static int		 ep;
static struct conn	**conns;
static int		 nconns;
static uint64_t		 t_start, t_measure, t_end;
static volatile sig_atomic_t stop_now;

static long		 next_name;	/* next name for a new connection */
static long		 started;	/* connections started (count mode) */
static long		 finished;	/* ... ended, well or not (count mode) */
static long		 ok_conns, ok_reqs, handshakes, errs[E_COUNT];
static long		 open_idle;
static long		 closing_resps;	/* responses with Connection: close */
static uint64_t		 bytes_in;
static uint64_t		 t_first, t_last;	/* count mode */
static struct hist	 h_lat, h_hs;
static char		 tls_version[32], tls_cipher[64], tls_alpn[32],
			 cert_issuer[256], cert_subject[256], first_status[128];
static char		 last_error[256];
static char		 first_head[1024];

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "tls_load: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ERR_print_errors_fp(stderr);
	exit(2);
}

static void
name_of(int i, char *out, size_t size)
{
	if (opt.names_fmt != NULL)
		snprintf(out, size, opt.names_fmt, i);
	else
		snprintf(out, size, "%s", opt.name);
}

static int
measuring(uint64_t t)
{
	if (opt.count > 0 && opt.mode == MODE_NEW)
		return 1;
	return t >= t_measure && t < t_end;
}

/* ------------------------------------------------------- connections */

static void conn_start(struct conn *c);

static void
conn_close(struct conn *c)
{
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

static int
more_to_start(void)
{
	if (stop_now)
		return 0;
	if (opt.count > 0)
		return started < opt.count;
	return now_us() < t_end;
}

/* A connection ended (well or not): another one in its place. */
static void
conn_next(struct conn *c)
{
	conn_close(c);
	if (opt.count > 0 && opt.mode == MODE_NEW) {
		finished++;
		t_last = now_us();
	}
	if (opt.mode == MODE_IDLE)
		return;
	if (more_to_start())
		conn_start(c);
}

static void
conn_fail(struct conn *c, enum err e, const char *detail)
{
	uint64_t t = now_us();

	if (measuring(t) || opt.mode == MODE_IDLE)
		errs[e]++;
	snprintf(last_error, sizeof(last_error), "%s: %s", err_names[e],
	    detail != NULL ? detail : "");
	if (opt.verbose)
		fprintf(stderr, "tls_load: %s\n", last_error);
	if (opt.mode == MODE_IDLE) {
		conn_close(c);
		c->st = S_IDLE;
		finished++;
		return;
	}
	conn_next(c);
}

static void
ssl_fail(struct conn *c, enum err e)
{
	char buf[200] = "";
	unsigned long code = ERR_peek_last_error();
	long vr;

	if (code != 0)
		ERR_error_string_n(code, buf, sizeof(buf));
	if (e == E_TLS && c->ssl != NULL &&
	    (vr = SSL_get_verify_result(c->ssl)) != X509_V_OK) {
		e = E_VERIFY;
		snprintf(buf, sizeof(buf), "%s",
		    X509_verify_cert_error_string(vr));
	}
	ERR_clear_error();
	conn_fail(c, e, buf);
}

/*
 * A connection that failed as it started (connect refused at once): no
 * new one right away (that would recurse); the event loop starts it again.
 */
static void
start_failed(struct conn *c, const char *detail)
{
	if (measuring(now_us()) || opt.mode == MODE_IDLE)
		errs[E_CONNECT]++;
	snprintf(last_error, sizeof(last_error), "connect: %s", detail);
	conn_close(c);
	if (opt.count > 0 && opt.mode == MODE_NEW) {
		finished++;
		t_last = now_us();
	}
	if (opt.mode == MODE_IDLE) {
		c->st = S_IDLE;
		finished++;
		return;
	}
	c->pending = 1;
}

static void
restart_pending(void)
{
	int i;

	for (i = 0; i < nconns; i++)
		if (conns[i]->pending) {
			conns[i]->pending = 0;
			if (more_to_start())
				conn_start(conns[i]);
		}
}

static void
conn_start(struct conn *c)
{
	char name[256];
	int fd, one = 1;

	c->st = S_CONNECTING;
	c->wpos = c->len = 0;
	c->hdr_len = 0;
	c->reqs_on_conn = 0;
	c->name = opt.nnames > 0 ? (int)(next_name++ % opt.nnames) : 0;
	started++;
	c->t_conn = c->t_op = now_us();
	name_of(c->name, name, sizeof(name));
	c->req_len = (size_t)snprintf(c->req, sizeof(c->req),
	    "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: warden-bench "
	    "(tls_load)\r\nAccept: */*\r\n\r\n", opt.path, name, opt.port);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0) {
		start_failed(c, strerror(errno));
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	if (connect(fd, (struct sockaddr *)&opt.to, sizeof(opt.to)) < 0 &&
	    errno != EINPROGRESS) {
		start_failed(c, strerror(errno));
		return;
	}
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP,
		.data.ptr = c,
	};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
}

static int
tls_setup(struct conn *c)
{
	char name[256];

	name_of(c->name, name, sizeof(name));
	if ((c->ssl = SSL_new(ctx)) == NULL)
		return -1;
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_connect_state(c->ssl);
	if (SSL_set_tlsext_host_name(c->ssl, name) != 1 ||
	    SSL_set1_host(c->ssl, name) != 1)
		return -1;
	c->st = S_HANDSHAKE;
	return 0;
}

static void
note_handshake(struct conn *c)
{
	const unsigned char *alpn;
	unsigned alen;
	X509 *peer;

	if (tls_version[0] != '\0')
		return;
	snprintf(tls_version, sizeof(tls_version), "%s", SSL_get_version(c->ssl));
	snprintf(tls_cipher, sizeof(tls_cipher), "%s",
	    SSL_get_cipher_name(c->ssl));
	SSL_get0_alpn_selected(c->ssl, &alpn, &alen);
	snprintf(tls_alpn, sizeof(tls_alpn), "%.*s", (int)alen, alen ?
	    (const char *)alpn : "");
	if ((peer = SSL_get1_peer_certificate(c->ssl)) != NULL) {
		X509_NAME_oneline(X509_get_issuer_name(peer), cert_issuer,
		    sizeof(cert_issuer));
		X509_NAME_oneline(X509_get_subject_name(peer), cert_subject,
		    sizeof(cert_subject));
		X509_free(peer);
	}
}

/* Parses the response head in c->buf[0..c->len): 1 done, 0 more, -1 bad. */
static int
parse_head(struct conn *c, int *status)
{
	char *end, *p, *line;

	end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	if (end == NULL)
		return c->len >= sizeof(c->buf) - 1 ? -1 : 0;
	c->hdr_len = (size_t)(end - c->buf) + 4;
	*end = '\0';
	if (strncmp(c->buf, "HTTP/1.", 7) != 0 || strlen(c->buf) < 12)
		return -1;
	*status = atoi(c->buf + 9);
	if (first_status[0] == '\0') {
		p = strstr(c->buf, "\r\n");
		snprintf(first_status, sizeof(first_status), "%.*s",
		    p != NULL ? (int)(p - c->buf) : 100, c->buf);
	}
	if (first_head[0] == '\0')
		snprintf(first_head, sizeof(first_head), "%s", c->buf);
	c->clen = -1;
	c->chunked = 0;
	c->resp_close = 0;
	for (line = strstr(c->buf, "\r\n"); line != NULL;
	    line = strstr(line + 2, "\r\n")) {
		p = line + 2;
		if (strncasecmp(p, "content-length:", 15) == 0)
			c->clen = strtol(p + 15, NULL, 10);
		else if (strncasecmp(p, "transfer-encoding:", 18) == 0 &&
		    strcasestr(p, "chunked") != NULL)
			c->chunked = 1;
		else if (strncasecmp(p, "connection:", 11) == 0 &&
		    strcasestr(p, "close") != NULL)
			c->resp_close = 1;
	}
	*end = '\r';
	return 1;
}

/* A response was read whole. */
static void
resp_done(struct conn *c)
{
	uint64_t t = now_us();
	size_t blen = c->len - c->hdr_len;

	if (!c->chunked && opt.expect_len >= 0 && (long)blen != opt.expect_len) {
		conn_fail(c, E_LENGTH, "body length");
		return;
	}
	if (!c->chunked && expect_body != NULL && (blen != expect_body_len ||
	    memcmp(c->buf + c->hdr_len, expect_body, blen) != 0)) {
		conn_fail(c, E_BODY, "the body differs from --expect-file");
		return;
	}
	c->reqs_on_conn++;
	if (measuring(t) || opt.mode == MODE_IDLE)
		closing_resps += c->resp_close;
	if (measuring(t)) {
		ok_reqs++;
		bytes_in += c->len;
		if (opt.mode == MODE_KEEP)
			h_add(&h_lat, t - c->t_req);
		else if (opt.mode == MODE_NEW) {
			ok_conns++;
			h_add(&h_lat, t - c->t_conn);
		}
	}
	if (opt.mode == MODE_IDLE) {
		c->st = S_IDLE;
		ok_conns++;
		open_idle++;
		finished++;
		return;
	}
	if (opt.mode == MODE_KEEP && c->resp_close) {
		/* the peer does no keep-alive: a new connection, as a browser */
		conn_next(c);
		return;
	}
	if (opt.mode == MODE_KEEP && !stop_now && t < t_end) {
		c->st = S_SEND_REQ;
		c->wpos = 0;
		return;
	}
	/* MODE_NEW: the client closes, as a browser tab would. */
	SSL_shutdown(c->ssl);
	conn_next(c);
}

/* Runs c's state machine until it would block. */
static void
drive(struct conn *c)
{
	char name[256], line[600];
	ssize_t n;
	int r, status, soerr;
	socklen_t sl;
	struct conn *self = c;

	for (;;) {
		if (c->fd < 0)
			return;
		c->t_op = now_us();
		switch (c->st) {
		case S_CONNECTING:
			sl = sizeof(soerr);
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
				soerr = errno;
			if (soerr == EINPROGRESS || soerr == EALREADY)
				return;
			if (soerr != 0) {
				conn_fail(c, E_CONNECT, strerror(soerr));
				return;
			}
			{
				/* still connecting? a zero-length peek tells */
				struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
				if (poll(&pfd, 1, 0) == 0)
					return;
			}
			if (opt.proxy) {
				name_of(c->name, name, sizeof(name));
				snprintf(line, sizeof(line), "CONNECT %s:%d HTTP/1.1\r\n"
				    "Host: %s:%d\r\nUser-Agent: warden-bench (tls_load)"
				    "\r\n\r\n", name, opt.port, name, opt.port);
				/* the CONNECT goes through buf, the GET stays in req */
				c->len = strlen(line);
				memcpy(c->buf, line, c->len + 1);
				c->wpos = 0;
				c->st = S_SEND_CONNECT;
			} else if (tls_setup(c) < 0) {
				ssl_fail(c, E_TLS);
				return;
			}
			break;
		case S_SEND_CONNECT:
			n = write(c->fd, c->buf + c->wpos, c->len - c->wpos);
			if (n < 0) {
				if (errno == EAGAIN)
					return;
				conn_fail(c, E_WRITE, strerror(errno));
				return;
			}
			c->wpos += (size_t)n;
			if (c->wpos == c->len) {
				c->len = 0;
				c->st = S_READ_CONNECT;
			}
			break;
		case S_READ_CONNECT:
			n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
			if (n < 0) {
				if (errno == EAGAIN)
					return;
				conn_fail(c, E_PROXY_CLOSED, strerror(errno));
				return;
			}
			if (n == 0) {
				conn_fail(c, E_PROXY_CLOSED, "closed before its answer");
				return;
			}
			c->len += (size_t)n;
			{
				char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
				if (end == NULL) {
					if (c->len >= sizeof(c->buf) - 1) {
						conn_fail(c, E_PROXY_STATUS, "head too long");
						return;
					}
					break;
				}
				c->buf[c->len] = '\0';
				if (strncmp(c->buf, "HTTP/1.", 7) != 0 ||
				    atoi(c->buf + 9) != 200) {
					char d[120];
					snprintf(d, sizeof(d), "%.100s", c->buf);
					conn_fail(c, E_PROXY_STATUS, d);
					return;
				}
				if ((size_t)(end - c->buf) + 4 != c->len) {
					conn_fail(c, E_PROXY_STATUS,
					    "bytes after the 200");
					return;
				}
			}
			c->len = 0;
			if (tls_setup(c) < 0) {
				ssl_fail(c, E_TLS);
				return;
			}
			break;
		case S_HANDSHAKE:
			r = SSL_do_handshake(c->ssl);
			if (r != 1) {
				int e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					return;
				ssl_fail(c, E_TLS);
				return;
			}
			note_handshake(c);
			if (measuring(now_us())) {
				handshakes++;
				h_add(&h_hs, now_us() - c->t_conn);
			}
			c->st = S_SEND_REQ;
			c->wpos = 0;
			break;
		case S_SEND_REQ:
			if (c->wpos == 0)
				c->t_req = now_us();
			r = SSL_write(c->ssl, c->req, (int)c->req_len);
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);
				c->wpos = 1;	/* retry with the same arguments */
				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					return;
				ssl_fail(c, E_WRITE);
				return;
			}
			c->len = 0;
			c->hdr_len = 0;
			c->st = S_READ_RESP;
			break;
		case S_READ_RESP:
			r = SSL_read(c->ssl, c->buf + c->len,
			    (int)(sizeof(c->buf) - 1 - c->len));
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					return;
				if (e == SSL_ERROR_ZERO_RETURN ||
				    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
					conn_fail(c, E_READ_CLOSED,
					    c->len ? "closed mid-response" :
					    "closed before a response");
				else
					ssl_fail(c, E_READ);
				return;
			}
			c->len += (size_t)r;
			if (c->hdr_len == 0) {
				int ph = parse_head(c, &status);
				if (ph < 0) {
					conn_fail(c, E_STATUS, "bad response head");
					return;
				}
				if (ph == 0)
					break;
				if (status != 200) {
					char d[120];
					snprintf(d, sizeof(d), "status %d", status);
					conn_fail(c, E_STATUS, d);
					return;
				}
				if (c->clen < 0 && !c->chunked) {
					conn_fail(c, E_LENGTH, "no length");
					return;
				}
			}
			if (c->chunked) {
				if (c->len - c->hdr_len >= 5 &&
				    memcmp(c->buf + c->len - 5, "0\r\n\r\n", 5) == 0) {
					resp_done(c);
					if (self->fd < 0 || c->st != S_SEND_REQ)
						return;
				} else if (c->len >= sizeof(c->buf) - 1) {
					conn_fail(c, E_LENGTH, "response too long");
					return;
				}
				break;
			}
			if ((long)(c->len - c->hdr_len) >= c->clen) {
				resp_done(c);
				/* closed, restarted (connecting), idle, or next GET */
				if (c->st != S_SEND_REQ)
					return;
			} else if (c->len >= sizeof(c->buf) - 1) {
				/* larger than the buffer: count it, keep the tail */
				size_t keep = c->hdr_len;
				bytes_in += c->len - keep;
				c->clen -= (long)(c->len - keep);
				c->len = keep;
			}
			break;
		case S_IDLE:
			return;
		}
	}
}

/* ----------------------------------------------------------------- main */

static void
on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: tls_load --to HOST:PORT --port ORIGIN_PORT --ca FILE [--proxy]\n"
	    "                [--mode new|keep|idle] [-c N] [-d SECONDS] [-w SECONDS]\n"
	    "                [--count N] [--name NAME | --names-fmt FMT --names M]\n"
	    "                [--path /1k.dat] [--expect-len N] [--expect-file F]\n"
	    "                [--tls-max 1.2|1.3] [--timeout S] [--hold S] [-v]\n"
	    "       tls_load mkcerts CA_CRT CA_KEY LEAF_KEY OUTDIR FMT M\n");
	exit(2);
}

static void
parse_to(const char *s)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		usage();
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	opt.to.sin_family = AF_INET;
	opt.to.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &opt.to.sin_addr) != 1)
		die("--to: %s: an IPv4 address please", host);
}

/* s inside a JSON string: quotes and backslashes dropped, LF as \n */
static void
json_str(const char *s)
{
	for (; *s; s++)
		if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s != '"' && *s != '\\' && (unsigned char)*s >= 32)
			putchar(*s);
}

static void
print_json(const char *tag, double secs)
{
	int i, first = 1;

	printf("%s {\"mode\": \"%s\", \"proxy\": %s, \"connections\": %d, "
	    "\"seconds\": %.3f, \"ok_connections\": %ld, \"ok_requests\": %ld, "
	    "\"handshakes\": %ld, \"conn_per_s\": %.1f, \"req_per_s\": %.1f, "
	    "\"bytes\": %llu, ",
	    tag, opt.mode == MODE_NEW ? "new" : opt.mode == MODE_KEEP ? "keep" :
	    "idle", opt.proxy ? "true" : "false", opt.conns, secs, ok_conns,
	    ok_reqs, handshakes, secs > 0 ? ok_conns / secs : 0,
	    secs > 0 ? ok_reqs / secs : 0, (unsigned long long)bytes_in);
	printf("\"latency_us\": {\"count\": %llu, \"mean\": %.1f, \"p50\": %llu, "
	    "\"p90\": %llu, \"p99\": %llu, \"p99_9\": %llu, \"max\": %llu}, ",
	    (unsigned long long)h_lat.count,
	    h_lat.count ? (double)h_lat.sum / (double)h_lat.count : 0.0,
	    (unsigned long long)h_pct(&h_lat, 50),
	    (unsigned long long)h_pct(&h_lat, 90),
	    (unsigned long long)h_pct(&h_lat, 99),
	    (unsigned long long)h_pct(&h_lat, 99.9),
	    (unsigned long long)h_lat.max);
	printf("\"handshake_us\": {\"p50\": %llu, \"p99\": %llu}, ",
	    (unsigned long long)h_pct(&h_hs, 50),
	    (unsigned long long)h_pct(&h_hs, 99));
	printf("\"errors\": {");
	for (i = 0; i < E_COUNT; i++) {
		printf("%s\"%s\": %ld", first ? "" : ", ", err_names[i], errs[i]);
		first = 0;
	}
	printf("}, \"closing_responses\": %ld, \"last_error\": \"", closing_resps);
	json_str(last_error);
	printf("\", \"first_head\": \"");
	json_str(first_head);
	printf("\", \"tls\": {\"version\": \"%s\", \"cipher\": \"%s\", "
	    "\"alpn\": \"%s\", \"issuer\": \"%s\", \"subject\": \"%s\"}, "
	    "\"first_status\": \"%s\"}\n", tls_version, tls_cipher, tls_alpn,
	    cert_issuer, cert_subject, first_status);
	fflush(stdout);
}

static void
check_timeouts(uint64_t t)
{
	int i;

	for (i = 0; i < nconns; i++) {
		struct conn *c = conns[i];
		if (c->fd >= 0 && c->st != S_IDLE &&
		    t - c->t_op > (uint64_t)(opt.timeout * 1e6))
			conn_fail(c, E_TIMEOUT, "no progress");
	}
}

static void
event_loop_until(int (*done)(void))
{
	struct epoll_event evs[256];
	int i, n;
	uint64_t last_check = now_us();

	while (!stop_now && !done()) {
		n = epoll_wait(ep, evs, 256, 100);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++)
			drive(evs[i].data.ptr);
		if (now_us() - last_check > 200000) {
			last_check = now_us();
			check_timeouts(last_check);
			restart_pending();
		}
	}
}

/* With a time limit: stop at t_end, whatever is in flight. */
static int
timed_done(void)
{
	return now_us() >= t_end;
}

static int
count_done(void)
{
	return finished >= opt.count;
}

static int mkcerts(int argc, char **argv);

int
main(int argc, char **argv)
{
	int i;
	struct rlimit rl;

	if (argc > 1 && strcmp(argv[1], "mkcerts") == 0)
		return mkcerts(argc - 2, argv + 2);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
#define ARG() (i + 1 < argc ? argv[++i] : (usage(), ""))
		if (strcmp(a, "--to") == 0)
			parse_to(ARG());
		else if (strcmp(a, "--proxy") == 0)
			opt.proxy = 1;
		else if (strcmp(a, "--port") == 0)
			opt.port = atoi(ARG());
		else if (strcmp(a, "--ca") == 0)
			opt.ca = ARG();
		else if (strcmp(a, "--mode") == 0) {
			a = ARG();
			opt.mode = strcmp(a, "new") == 0 ? MODE_NEW :
			    strcmp(a, "keep") == 0 ? MODE_KEEP :
			    strcmp(a, "idle") == 0 ? MODE_IDLE : (usage(), MODE_NEW);
		} else if (strcmp(a, "-c") == 0)
			opt.conns = atoi(ARG());
		else if (strcmp(a, "-d") == 0)
			opt.duration = atof(ARG());
		else if (strcmp(a, "-w") == 0)
			opt.warmup = atof(ARG());
		else if (strcmp(a, "--count") == 0)
			opt.count = atol(ARG());
		else if (strcmp(a, "--name") == 0)
			opt.name = ARG();
		else if (strcmp(a, "--names-fmt") == 0)
			opt.names_fmt = ARG();
		else if (strcmp(a, "--names") == 0)
			opt.nnames = atoi(ARG());
		else if (strcmp(a, "--path") == 0)
			opt.path = ARG();
		else if (strcmp(a, "--expect-len") == 0)
			opt.expect_len = atol(ARG());
		else if (strcmp(a, "--expect-file") == 0)
			opt.expect_file = ARG();
		else if (strcmp(a, "--timeout") == 0)
			opt.timeout = atof(ARG());
		else if (strcmp(a, "--hold") == 0)
			opt.hold = atof(ARG());
		else if (strcmp(a, "--tls-max") == 0) {
			a = ARG();
			opt.tls_max = strcmp(a, "1.2") == 0 ? TLS1_2_VERSION :
			    strcmp(a, "1.3") == 0 ? TLS1_3_VERSION : (usage(), 0);
		} else if (strcmp(a, "-v") == 0)
			opt.verbose = 1;
		else
			usage();
	}
	if (opt.to.sin_port == 0 || opt.port == 0 || opt.ca == NULL ||
	    opt.conns < 1)
		usage();
	if (opt.names_fmt != NULL && opt.nnames < 1)
		usage();
	if (opt.mode == MODE_IDLE && opt.count < 1)
		die("--mode idle needs --count");
	if (opt.expect_file != NULL) {
		FILE *f = fopen(opt.expect_file, "rb");
		if (f == NULL)
			die("%s: %s", opt.expect_file, strerror(errno));
		expect_body = malloc(BUF_MAX);
		expect_body_len = fread(expect_body, 1, BUF_MAX, f);
		fclose(f);
	}

	/* enough descriptors for the idle mode */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		die("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (opt.tls_max)
		SSL_CTX_set_max_proto_version(ctx, opt.tls_max);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(ctx, opt.ca, NULL) != 1)
		die("%s: cannot load", opt.ca);
	/* every connection a full handshake: no session resumption */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	if (SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)"\x08http/1.1",
	    9) != 0)
		die("ALPN");

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1: %s", strerror(errno));

	nconns = opt.conns;
	if (opt.mode == MODE_IDLE)
		nconns = (int)opt.count;
	conns = calloc((size_t)nconns, sizeof(*conns));
	for (i = 0; i < nconns; i++) {
		conns[i] = calloc(1, opt.mode == MODE_IDLE ?
		    sizeof(struct conn) : sizeof(struct conn));
		if (conns[i] == NULL)
			die("out of memory");
		conns[i]->fd = -1;
	}

	t_start = now_us();
	t_measure = t_start + (uint64_t)(opt.warmup * 1e6);
	t_end = t_measure + (uint64_t)(opt.duration * 1e6);

	if (opt.mode == MODE_IDLE) {
		/* at most -c being set up at once */
		int batch = opt.conns, done_before = 0;
		for (i = 0; i < nconns && !stop_now; i += batch) {
			int j, last = i + batch < nconns ? i + batch : nconns;
			for (j = i; j < last; j++)
				conn_start(conns[j]);
			done_before = last;
			t_end = now_us() + (uint64_t)((opt.timeout + 5) * 1e6);
			{
				long want = done_before;
				while (!stop_now && finished < want &&
				    now_us() < t_end) {
					struct epoll_event evs[256];
					int k, n = epoll_wait(ep, evs, 256, 100);
					for (k = 0; k < n; k++)
						drive(evs[k].data.ptr);
					check_timeouts(now_us());
				}
			}
		}
		double secs = (double)(now_us() - t_start) / 1e6;
		print_json("READY", secs);
		/* hold; commands on stdin */
		{
			uint64_t until = now_us() + (uint64_t)(opt.hold * 1e6);
			char line[64];
			struct pollfd pfd = { .fd = 0, .events = POLLIN };
			while (!stop_now && now_us() < until) {
				int pr = poll(&pfd, 1, 200);
				if (pr <= 0)
					continue;
				if (fgets(line, sizeof(line), stdin) == NULL)
					break;
				if (strncmp(line, "CHECK", 5) == 0) {
					long open = 0, closed = 0;
					for (i = 0; i < nconns; i++) {
						char b[256];
						int n, e;
						if (conns[i]->fd < 0 || conns[i]->st != S_IDLE)
							continue;
						/* a close_notify or a FIN ends it; nothing
						 * else should come on an idle connection */
						n = SSL_read(conns[i]->ssl, b, sizeof(b));
						e = n > 0 ? SSL_ERROR_NONE :
						    SSL_get_error(conns[i]->ssl, n);
						ERR_clear_error();
						if (n > 0 || e == SSL_ERROR_WANT_READ ||
						    e == SSL_ERROR_WANT_WRITE)
							open++;
						else
							closed++;
					}
					printf("CHECKED {\"open\": %ld, \"closed\": %ld}\n",
					    open, closed);
					fflush(stdout);
				} else if (strncmp(line, "CLOSE", 5) == 0)
					break;
			}
		}
		for (i = 0; i < nconns; i++)
			conn_close(conns[i]);
		printf("CLOSED\n");
		return 0;
	}

	if (opt.count > 0 && opt.mode == MODE_NEW) {
		/* a fixed number of connections, each its own name in turn */
		int n0 = opt.conns < opt.count ? opt.conns : (int)opt.count;
		t_end = t_start + (uint64_t)((opt.duration > 0 ? opt.duration :
		    600) * 1e6);
		t_first = now_us();
		for (i = 0; i < n0; i++)
			conn_start(conns[i]);
		while (!stop_now && finished < opt.count && now_us() < t_end) {
			event_loop_until(count_done);
			if (now_us() >= t_end)
				break;
		}
		print_json("TLS_LOAD_JSON", (double)(t_last - t_first) / 1e6);
		return 0;
	}

	for (i = 0; i < nconns; i++)
		conn_start(conns[i]);
	event_loop_until(timed_done);
	print_json("TLS_LOAD_JSON", (double)(t_end - t_measure) / 1e6);
	return 0;
}

/* ------------------------------------------------------------- mkcerts */

static EVP_PKEY *
read_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL)
		die("%s: not a private key", path);
	return k;
}

static int
mkcerts(int argc, char **argv)
{
	X509 *ca;
	EVP_PKEY *ca_key, *leaf_key;
	FILE *f;
	int i, m;

	if (argc != 6)
		usage();
	if ((f = fopen(argv[0], "r")) == NULL)
		die("%s: %s", argv[0], strerror(errno));
	ca = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (ca == NULL)
		die("%s: not a certificate", argv[0]);
	ca_key = read_key(argv[1]);
	leaf_key = read_key(argv[2]);
	m = atoi(argv[5]);
	for (i = 0; i < m; i++) {
		char name[256], path[4096], san[300];
		unsigned char serial[16];
		X509 *x = X509_new();
		X509_NAME *subj = X509_NAME_new();
		X509_EXTENSION *ext;
		X509V3_CTX v3;
		BIGNUM *bn;

		snprintf(name, sizeof(name), argv[4], i);
		X509_set_version(x, 2);
		RAND_bytes(serial, sizeof(serial));
		serial[0] &= 0x7f;
		bn = BN_bin2bn(serial, sizeof(serial), NULL);
		BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
		BN_free(bn);
		X509_gmtime_adj(X509_getm_notBefore(x), -86400);
		X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
		X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC,
		    (unsigned char *)name, -1, -1, 0);
		X509_set_subject_name(x, subj);
		X509_set_issuer_name(x, X509_get_subject_name(ca));
		X509_set_pubkey(x, leaf_key);
		X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
		snprintf(san, sizeof(san), "DNS:%s", name);
		const char *exts[][2] = {
			{ "basicConstraints", "critical,CA:FALSE" },
			{ "keyUsage", "critical,digitalSignature" },
			{ "extendedKeyUsage", "serverAuth" },
			{ "subjectKeyIdentifier", "hash" },
			{ "authorityKeyIdentifier", "keyid" },
			{ "subjectAltName", san },
		};
		for (size_t k = 0; k < sizeof(exts) / sizeof(exts[0]); k++) {
			ext = X509V3_EXT_conf(NULL, &v3, exts[k][0], exts[k][1]);
			if (ext == NULL || !X509_add_ext(x, ext, -1))
				die("extension %s", exts[k][0]);
			X509_EXTENSION_free(ext);
		}
		if (!X509_sign(x, ca_key, EVP_sha256()))
			die("X509_sign");
		snprintf(path, sizeof(path), "%s/%s.crt", argv[3], name);
		if ((f = fopen(path, "w")) == NULL)
			die("%s: %s", path, strerror(errno));
		PEM_write_X509(f, x);
		fclose(f);
		X509_NAME_free(subj);
		X509_free(x);
	}
	return 0;
}
