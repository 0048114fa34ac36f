#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <llhttp.h>

#include "attrib.h"
#include "http1.h"

/*
 * Chunk extensions and trailers are read and dropped, never forwarded,
 * but still bounded: a peer must not make us parse without end.
 */
#define H1_MAX_CHUNK_EXT	4096
#define H1_MAX_TRAILER_BYTES	65536

static int
h1_field_done(struct http1 *h)
{
	struct http_msg *m = h->m;

	if (h->fname == NULL)
		return 0;
	if (m == NULL || h->head_done) {
		/* A trailer field: not forwarded, not kept. */
		h->fname = h->fval = NULL;
		h->fname_len = h->fval_len = 0;
		if (++h->ntrailers > h->max_headers) {
			h->why = "too many trailer fields";
			return -1;
		}
		return 0;
	}
	if (httphdr_add(&m->hdrs, h->fname, h->fname_len,
	    h->fval != NULL ? h->fval : "", h->fval_len) == -1) {
		h->overflow = 1;
		return -1;
	}
	h->fname = h->fval = NULL;
	h->fname_len = h->fval_len = 0;
	return 0;
}

/* Spans arrive whole (the head is fed at once) or in adjacent pieces. */
static void
h1_span(const char **p, size_t *len, const char *at, size_t n)
{
	if (*p == NULL) {
		*p = at;
		*len = n;
	} else
		*len += n;
}

static int
h1_on_method(llhttp_t *p, const char *at, size_t n)
{
	struct http1 *h = p->data;

	h1_span(&h->m->method, &h->m->method_len, at, n);
	return 0;
}

static int
h1_on_url(llhttp_t *p, const char *at, size_t n)
{
	struct http1 *h = p->data;

	h1_span(&h->m->target, &h->m->target_len, at, n);
	return 0;
}

static int
h1_on_status(llhttp_t *p, const char *at, size_t n)
{
	struct http1 *h = p->data;

	h1_span(&h->m->reason, &h->m->reason_len, at, n);
	return 0;
}

/* Trailer bytes count against their own bound. */
static int
h1_trailer_bytes(struct http1 *h, size_t n)
{
	if (!h->head_done)
		return 0;
	h->trailer_bytes += n;
	if (h->trailer_bytes > H1_MAX_TRAILER_BYTES) {
		h->why = "trailer section too large";
		return -1;
	}
	return 0;
}

static int
h1_on_header_field(llhttp_t *p, const char *at, size_t n)
{
	struct http1 *h = p->data;

	if (h1_trailer_bytes(h, n) == -1)
		return -1;

	if (h->in_value) {
		if (h1_field_done(h) == -1)
			return -1;
		h->in_value = 0;
	}
	h1_span(&h->fname, &h->fname_len, at, n);
	return 0;
}

static int
h1_on_header_value(llhttp_t *p, const char *at, size_t n)
{
	struct http1 *h = p->data;

	if (h1_trailer_bytes(h, n) == -1)
		return -1;

	h->in_value = 1;
	h1_span(&h->fval, &h->fval_len, at, n);
	return 0;
}

static int
h1_on_headers_complete(llhttp_t *p)
{
	struct http1 *h = p->data;

	if (h->fname != NULL && h1_field_done(h) == -1)
		return -1;
	h->in_value = 0;
	if (h->head_done)
		return 0;	/* end of trailers */
	h->head_done = true;
	h->m->major = p->http_major;
	h->m->minor = p->http_minor;
	h->m->method_id = p->method;
	h->m->status = p->status_code;
	h->m->upgrade = p->upgrade != 0;
	if (h->skip_body)
		return 1;
	/*
	 * RFC 9112 section 6.3: 1xx, 204 and 304 never have content, whatever
	 * their fields say (llhttp would read a Content-Length body).
	 */
	if (p->type == HTTP_RESPONSE && p->status_code != 101 &&
	    (p->status_code < 200 || p->status_code == 204 ||
	    p->status_code == 304))
		return 1;
	return 0;
}

static int
h1_on_chunk_ext(llhttp_t *p, const char *at, size_t n)
{
	struct http1 *h = p->data;

	(void)at;
	h->ext_bytes += n;
	if (h->ext_bytes > H1_MAX_CHUNK_EXT) {
		h->why = "chunk extensions too long";
		return -1;
	}
	return 0;
}

static int
h1_on_chunk_header(llhttp_t *p)
{
	struct http1 *h = p->data;

	h->ext_bytes = 0;
	return 0;
}

static int
h1_on_body(llhttp_t *p, const char *at, size_t n)
{
	struct http1 *h = p->data;

	if (h->on_body != NULL)
		h->on_body(h->arg, at, n);
	return 0;
}

static int
h1_on_message_complete(llhttp_t *p)
{
	struct http1 *h = p->data;

	h->msg_done = true;
	return HPE_PAUSED;	/* what follows belongs to the next message */
}

static llhttp_settings_t h1_settings_tab;
static int h1_settings_ready;

static const llhttp_settings_t *
h1_settings(void)
{
	/* Filled once, before any worker starts (see http1_init). */
	if (!h1_settings_ready) {
		llhttp_settings_init(&h1_settings_tab);
		h1_settings_tab.on_method = h1_on_method;
		h1_settings_tab.on_url = h1_on_url;
		h1_settings_tab.on_status = h1_on_status;
		h1_settings_tab.on_header_field = h1_on_header_field;
		h1_settings_tab.on_header_value = h1_on_header_value;
		h1_settings_tab.on_headers_complete = h1_on_headers_complete;
		h1_settings_tab.on_body = h1_on_body;
		h1_settings_tab.on_message_complete = h1_on_message_complete;
		h1_settings_tab.on_chunk_extension_name = h1_on_chunk_ext;
		h1_settings_tab.on_chunk_extension_value = h1_on_chunk_ext;
		h1_settings_tab.on_chunk_header = h1_on_chunk_header;
		h1_settings_ready = 1;
	}
	return &h1_settings_tab;
}

void
http1_init(struct http1 *h, llhttp_type_t type, size_t max_headers,
    void (*on_body)(void *, const char *, size_t), void *arg)
{
	memset(h, 0, sizeof(*h));
	llhttp_init(&h->p, type, h1_settings());
	h->p.data = h;
	h->on_body = on_body;
	h->arg = arg;
	h->max_headers = max_headers;
	http_head_scan_init(&h->scan);
}

void
http1_msg_free(struct http_msg *m)
{
	free(m);
}

static int
h1_fail(struct http1_err *e, int status, const char *why)
{
	e->status = status;
	e->why = why;
	return -1;
}

/* RFC 9110 section 5.6.2: tchar. */
static bool
h1_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/*
 * llhttp knows a fixed list of methods. Another method that is a valid
 * token is well-formed but unknown to us: 501 (RFC 9110 section 9.1).
 */
static bool
h1_method_is_token(const char *head, size_t len)
{
	size_t i;

	for (i = 0; i < len && head[i] != ' '; i++)
		if (!h1_tchar((unsigned char)head[i]))
			return false;
	return i > 0 && i < len;
}

/*
 * "HTTP/" DIGIT "." DIGIT right before the end of the request line: a
 * well-formed version we do not speak (505), not a syntax error (400).
 */
static bool
h1_version_syntax_ok(const char *head, size_t len)
{
	const char *eol = memchr(head, '\r', len);
	const char *v;

	if (eol == NULL || eol - head < 10)
		return false;
	v = eol - 8;
	return v[-1] == ' ' && memcmp(v, "HTTP/", 5) == 0 &&
	    v[5] >= '0' && v[5] <= '9' && v[6] == '.' &&
	    v[7] >= '0' && v[7] <= '9';
}

static int
h1_scan_status(enum http_head_err err, bool request)
{
	if (!request)
		return 502;
	switch (err) {
	case HTTP_HEAD_START_LINE_TOO_LONG:
		return 414;
	case HTTP_HEAD_FIELDS_TOO_LARGE:
	case HTTP_HEAD_TOO_MANY_FIELDS:
		return 431;
	default:
		return 400;
	}
}

/*
 * RFC 9112 sections 3 and 4: single spaces between the parts of the start
 * line (llhttp lets "GET  /x HTTP/1.1" through). The line's length must be
 * exactly what its parts add up to.
 */
static int
h1_start_line_ok(const struct http_msg *m)
{
	const char *eol = memchr(m->head, '\r', m->head_len);
	size_t len, want;

	if (eol == NULL)
		return -1;
	len = (size_t)(eol - m->head);
	if (m->method != NULL) {
		want = m->method_len + 1 + m->target_len + 1 + 8;
		return m->method == m->head && len == want ? 0 : -1;
	}
	/* "HTTP/1.1 200 OK", or "HTTP/1.1 200 " / "HTTP/1.1 200". */
	want = 8 + 1 + 3;
	if (m->reason_len > 0)
		want += 1 + m->reason_len;
	return len == want || len == want + 1 ? 0 : -1;
}

/* What a head llhttp refused answers (requests), or 502 (responses). */
static int
h1_head_error(const struct http1 *h, llhttp_errno_t rc, const char *head,
    size_t len, struct http1_err *e)
{
	bool request = h->p.type == HTTP_REQUEST;

	if (h->overflow)
		return h1_fail(e, request ? 431 : 502, "too many header fields");
	if (!request)
		return h1_fail(e, 502, "malformed response head");
	if (rc == HPE_INVALID_VERSION && h1_version_syntax_ok(head, len))
		return h1_fail(e, 505, "unsupported HTTP version");
	if (rc == HPE_INVALID_METHOD && h1_method_is_token(head, len))
		return h1_fail(e, 501, "method not implemented");
	if (rc == HPE_INVALID_METHOD)
		return h1_fail(e, 400, "invalid method");
	if (rc == HPE_INVALID_URL)
		return h1_fail(e, 400, "invalid request target");
	return h1_fail(e, 400, llhttp_errno_name(rc));
}

int
http1_read_head(struct http1 *h, struct evbuffer *in,
    const struct http_head_limits *lim, bool skip_body,
    struct http_msg **out, struct http1_err *e)
{
	bool request = h->p.type == HTTP_REQUEST;
	size_t avail, want, alloc;
	enum http_head_err herr;
	struct http_msg *m;
	llhttp_errno_t rc;
	ssize_t n;
	char *p;

	*out = NULL;
	/* RFC 9112 section 2.2: ignore empty lines before a request line. */
	while (request && !h->started) {
		unsigned char c2[2];

		if (evbuffer_copyout(in, c2, 2) < 2)
			return 0;
		if (c2[0] != '\r' || c2[1] != '\n')
			break;
		evbuffer_drain(in, 2);
	}
	avail = evbuffer_get_length(in);
	if (avail == 0)
		return 0;
	h->started = true;
	want = lim->max_start_line + lim->max_fields + 4;
	if (want > avail)
		want = avail;
	p = (char *)evbuffer_pullup(in, want);
	if (p == NULL)
		return h1_fail(e, 500, "out of memory");
	n = http_head_scan(&h->scan, p, want, lim, &herr);
	if (n == WD_AGAIN)
		return 0;
	if (n == -1)
		return h1_fail(e, h1_scan_status(herr, request),
		    http_head_err_str(herr));

	/* One allocation: the message, its field array, the head copy. */
	alloc = sizeof(*m) + h->max_headers * sizeof(struct hdr) + (size_t)n;
	if ((m = calloc(1, alloc)) == NULL)
		return h1_fail(e, 500, "out of memory");
	m->hdrs.v = (struct hdr *)(m + 1);
	m->hdrs.max = h->max_headers;
	m->head = (char *)(m->hdrs.v + h->max_headers);
	m->head_len = (size_t)n;
	memcpy(m->head, p, (size_t)n);
	evbuffer_drain(in, (size_t)n);

	h->m = m;
	h->skip_body = skip_body;
	h->head_done = false;
	h->msg_done = false;
	h->overflow = 0;
	h->fname = h->fval = NULL;
	h->fname_len = h->fval_len = 0;
	h->in_value = 0;
	rc = llhttp_execute(&h->p, m->head, m->head_len);
	h->m = NULL;
	if (rc != HPE_OK && rc != HPE_PAUSED && rc != HPE_PAUSED_UPGRADE) {
		int r = h1_head_error(h, rc, m->head, m->head_len, e);

		free(m);
		return r;
	}
	if (!h->head_done) {
		/* The scanner found the end; llhttp must agree. */
		free(m);
		return h1_fail(e, request ? 400 : 502, "incomplete head");
	}
	if (h1_start_line_ok(m) == -1) {
		free(m);
		return h1_fail(e, request ? 400 : 502,
		    "extra whitespace in the start line");
	}
	*out = m;
	return 1;
}

/*
 * Prepares the parser for the next message on the same connection. The
 * head scanner starts afresh; llhttp is reset so nothing of a body it was
 * not fed can leak into the next message.
 */
static void
h1_next(struct http1 *h)
{
	llhttp_reset(&h->p);
	h->p.data = h;
	http_head_scan_init(&h->scan);
	h->started = false;
	h->head_done = false;
	h->msg_done = false;
	h->ext_bytes = h->trailer_bytes = h->ntrailers = 0;
	h->why = NULL;
}

ssize_t
http1_chunked(struct http1 *h, const char *data, size_t len, bool *done,
    const char **why)
{
	llhttp_errno_t rc;
	size_t used;

	*done = false;
	rc = llhttp_execute(&h->p, data, len);
	if (rc == HPE_OK)
		return (ssize_t)len;
	if (rc == HPE_PAUSED && h->msg_done) {
		used = (size_t)(llhttp_get_error_pos(&h->p) - data);
		*done = true;
		return (ssize_t)used;
	}
	*why = h->why != NULL ? h->why : llhttp_get_error_reason(&h->p);
	if (*why == NULL)
		*why = llhttp_errno_name(rc);
	return -1;
}

void
http1_reset(struct http1 *h)
{
	h1_next(h);
}
