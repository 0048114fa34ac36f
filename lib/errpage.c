#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "errpage.h"

/* A page under construction; once full it stays full. */
struct errpage_buf {
	char	*buf;
	size_t	 len;
	size_t	 off;
	bool	 full;
};

/*
 * Reason phrases: RFC 9110 section 15, plus 428, 429, 431 and 511
 * (RFC 6585) and 508 (RFC 5842). 306 and 418 are reserved, "(Unused)"
 * in sections 15.4.7 and 15.5.19.
 */
static const struct errpage_status {
	int		 code;
	const char	*text;
} errpage_statuses[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 203, "Non-Authoritative Information" },
	{ 204, "No Content" },
	{ 205, "Reset Content" },
	{ 206, "Partial Content" },
	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 304, "Not Modified" },
	{ 305, "Use Proxy" },
	{ 306, "Unused" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 402, "Payment Required" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" },
	{ 418, "Unused" },
	{ 421, "Misdirected Request" },
	{ 422, "Unprocessable Content" },
	{ 426, "Upgrade Required" },
	{ 428, "Precondition Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
	{ 508, "Loop Detected" },
	{ 511, "Network Authentication Required" },
};

const char *
http_status_text(int status)
{
	size_t i;

	for (i = 0; i < WD_NELEM(errpage_statuses); i++)
		if (errpage_statuses[i].code == status)
			return errpage_statuses[i].text;
	return "Unknown";
}

static void
errpage_put(struct errpage_buf *b, const char *s, size_t n)
{
	if (b->full || b->len - b->off <= n) {	/* keep room for the NUL */
		b->full = true;
		return;
	}
	memcpy(b->buf + b->off, s, n);
	b->off += n;
}

static void
errpage_puts(struct errpage_buf *b, const char *s)
{
	errpage_put(b, s, strlen(s));
}

/*
 * Besides the five characters markup gives a meaning to (& < > " '), C0
 * controls (but tab, LF and CR) and DEL become U+FFFD: they are parse
 * errors in HTML5 even as character references (HTML standard, "numeric
 * character reference end state"), and a page must stay valid whatever a
 * client sent. Other bytes pass: the page is UTF-8 and a browser shows an
 * invalid sequence as U+FFFD itself.
 */
static const char *
errpage_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	case '\t':
	case '\n':
	case '\r':
		return NULL;
	default:
		return c < 0x20 || c == 0x7f ? "&#xFFFD;" : NULL;
	}
}

static void
errpage_put_escaped(struct errpage_buf *b, const char *s)
{
	const char *rep;

	for (; *s != '\0'; s++) {
		rep = errpage_entity((unsigned char)*s);
		if (rep == NULL)
			errpage_put(b, s, 1);
		else
			errpage_puts(b, rep);
	}
}

static int
errpage_finish(struct errpage_buf *b)
{
	if (b->full || b->off >= b->len || b->off > INT_MAX) {
		if (b->len > 0)
			b->buf[0] = '\0';
		return -1;
	}
	b->buf[b->off] = '\0';
	return (int)b->off;
}

int
errpage_escape(const char *s, char *buf, size_t len)
{
	struct errpage_buf b = { buf, len, 0, false };

	errpage_put_escaped(&b, s);
	return errpage_finish(&b);
}

/*
 * The page loads nothing (no scripts, images, fonts or style sheets) so it
 * renders when the proxy itself is what is failing, and the URL is shown
 * as text, never as a link: it may be what was refused.
 */
int
errpage_render(int status, const char *detail, const char *url,
    const char *visible_hostname, char *buf, size_t len)
{
	struct errpage_buf b = { buf, len, 0, false };
	char code[16];

	snprintf(code, sizeof(code), "%d", status);

	errpage_puts(&b,
	    "<!DOCTYPE html>\n"
	    "<html lang=\"en\">\n"
	    "<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"robots\" content=\"noindex\">\n"
	    "<title>");
	errpage_put_escaped(&b, code);
	errpage_puts(&b, " ");
	errpage_put_escaped(&b, http_status_text(status));
	errpage_puts(&b,
	    "</title>\n"
	    "<style>\n"
	    "body{font-family:sans-serif;color:#222;background:#fff;"
	    "max-width:40em;margin:2em auto;padding:0 1em;line-height:1.4}\n"
	    "h1{font-size:1.5em;border-bottom:1px solid #ccc;"
	    "padding-bottom:.3em}\n"
	    "code{word-break:break-all}\n"
	    "footer{margin-top:2em;font-size:.85em;color:#666}\n"
	    "</style>\n"
	    "</head>\n"
	    "<body>\n"
	    "<h1>");
	errpage_put_escaped(&b, code);
	errpage_puts(&b, " ");
	errpage_put_escaped(&b, http_status_text(status));
	errpage_puts(&b, "</h1>\n<p>");
	errpage_put_escaped(&b, detail);
	errpage_puts(&b, "</p>\n");
	if (url != NULL && *url != '\0') {
		errpage_puts(&b, "<p>URL: <code>");
		errpage_put_escaped(&b, url);
		errpage_puts(&b, "</code></p>\n");
	}
	errpage_puts(&b, "<footer>Generated by Warden");
	if (*visible_hostname != '\0') {
		errpage_puts(&b, " on ");
		errpage_put_escaped(&b, visible_hostname);
	}
	errpage_puts(&b,
	    "</footer>\n"
	    "</body>\n"
	    "</html>\n");
	return errpage_finish(&b);
}
