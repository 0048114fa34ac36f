#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "logrec.h"

/* One "name=value" policy field, value cut to fit. */
#define LOGREC_POLICY_MAX	96

/*
 * Squid's native format, as Squid's own Log::Format::SquidNative() prints
 * it ("logformat squid" in squid.conf):
 *
 *   %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt
 *
 * Squid stamps a record when it logs it, at the end of the transaction,
 * so the time written is start + elapsed_ms, not the start; analysers
 * that rebuild the start subtract the elapsed field.
 *
 * Squid's %mt is the media type only: it cuts Content-Type at the first
 * ';', space or tab. We do the same, so "text/html; charset=utf-8" is
 * counted with "text/html" by analysers.
 *
 * Escaping. Analysers split a line on runs of white space and records on
 * '\n', so every byte a client or a server chose that is a space, a
 * control byte, DEL or 8-bit is written as %XX (upper-case hex) and a
 * record is always one line with the same number of fields.
 *
 * '%' itself: the URL keeps it as is, as Squid does (it escapes logged
 * URLs with rfc1738_escape_unescaped()). In a URL '%' already introduces
 * an escape and analysers percent-decode the URL field, so a raw space
 * logged as %20 means the URL the client meant, and escaping '%' would
 * log every "%20" as "%2520" and split one page into two in the reports.
 * In every other field (above all the user name, which a client chooses)
 * '%' becomes %25, as Squid quotes user names, so decoding %XX there
 * gives back the exact bytes.
 *
 * An empty or NULL field is written "-" so it still counts as a field;
 * a NULL result is "NONE_NONE" and a NULL hierarchy "HIER_NONE", the
 * words Squid uses when nothing was decided or forwarded.
 */

enum logrec_kind {
	LOGREC_RAW,	/* ours (digits, padding): written as is */
	LOGREC_URL,	/* escaped, '%' kept */
	LOGREC_TEXT,	/* escaped, '%' too */
};

struct logrec_field {
	const char		*s;
	size_t			 n;	/* bytes of s to write */
	enum logrec_kind	 kind;
	char			 sep;	/* written after it */
	size_t			 want;	/* length once escaped */
};

#define LOGREC_NFIELDS	20	/* Squid's, then the policy's eight */

/* Shortest escape unit: a field cut to this many bytes is never empty. */
#define LOGREC_UNIT_MAX	3

static const char logrec_hex[] = "0123456789ABCDEF";

static int
logrec_must_escape(unsigned char c, enum logrec_kind kind)
{
	if (kind == LOGREC_RAW)
		return 0;
	if (c <= 0x20 || c >= 0x7f)
		return 1;
	return c == '%' && kind == LOGREC_TEXT;
}

static size_t
logrec_escaped_len(const struct logrec_field *f)
{
	size_t i, n;

	n = 0;
	for (i = 0; i < f->n; i++)
		n += logrec_must_escape((unsigned char)f->s[i], f->kind) ?
		    3 : 1;
	return n;
}

/*
 * Writes f into dst, at most max bytes, in whole units: an escape is
 * never cut in two. Returns the bytes written.
 */
static size_t
logrec_put(char *dst, const struct logrec_field *f, size_t max)
{
	unsigned char c;
	size_t i, off;

	off = 0;
	for (i = 0; i < f->n; i++) {
		c = (unsigned char)f->s[i];
		if (!logrec_must_escape(c, f->kind)) {
			if (max - off < 1)
				break;
			dst[off++] = (char)c;
			continue;
		}
		if (max - off < 3)
			break;
		dst[off++] = '%';
		dst[off++] = logrec_hex[c >> 4];
		dst[off++] = logrec_hex[c & 0x0f];
	}
	return off;
}

static size_t
logrec_capped_sum(const struct logrec_field *f, size_t nf, size_t cap)
{
	size_t i, sum;

	sum = 0;
	for (i = 0; i < nf; i++)
		if (f[i].kind != LOGREC_RAW)
			sum += f[i].want < cap ? f[i].want : cap;
	return sum;
}

/*
 * The largest length cap such that the escaped fields, each cut to it,
 * fit in budget: short fields stay whole and the long ones (a huge URL,
 * a server's silly Content-Type) share what is left.
 */
static size_t
logrec_cap(const struct logrec_field *f, size_t nf, size_t budget)
{
	size_t i, lo, hi, mid;

	hi = 0;
	for (i = 0; i < nf; i++)
		if (f[i].kind != LOGREC_RAW && f[i].want > hi)
			hi = f[i].want;
	if (logrec_capped_sum(f, nf, hi) <= budget)
		return SIZE_MAX;
	lo = 0;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (logrec_capped_sum(f, nf, mid) <= budget)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t
logrec_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * v in decimal, right-aligned in width with spaces, NUL-terminated (out
 * holds at least 21 bytes and width + 1). Done by hand: a log line has
 * several numbers and snprintf() was a tenth of its cost.
 */
static void
logrec_u64(char *out, uint64_t v, size_t width)
{
	char tmp[20];
	size_t n = 0, off = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (off + n < width)
		out[off++] = ' ';
	while (n > 0)
		out[off++] = tmp[--n];
	out[off] = '\0';
}

/* The end of the transaction, "seconds.millis" as Squid's "%9d.%03d". */
static void
logrec_when(const struct logrec *rec, char *out, size_t len)
{
	uint64_t sec, nsec, ms;

	sec = rec->start.tv_sec < 0 ? 0 : (uint64_t)rec->start.tv_sec;
	nsec = rec->start.tv_nsec < 0 ? 0 : (uint64_t)rec->start.tv_nsec;
	ms = sec > UINT64_MAX / 1000 ? UINT64_MAX : sec * 1000;
	ms = logrec_add(ms, nsec / 1000000);
	ms = logrec_add(ms, rec->elapsed_ms);
	unsigned frac = (unsigned)(ms % 1000);
	size_t n;

	if (len < 26)	/* 20 digits, the point, 3 digits, the NUL */
		return;
	logrec_u64(out, ms / 1000, 9);
	n = strlen(out);
	out[n++] = '.';
	out[n++] = (char)('0' + frac / 100);
	out[n++] = (char)('0' + frac / 10 % 10);
	out[n++] = (char)('0' + frac % 10);
	out[n] = '\0';
}

/* "name=value" in out (len bytes), the value cut to fit. */
static void
logrec_pair(char *out, size_t len, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	if (nl + 2 > len)	/* never: the names are short */
		nl = len - 2;
	memcpy(out, name, nl);
	out[nl] = '=';
	if (vl > len - nl - 2)
		vl = len - nl - 2;
	memcpy(out + nl + 1, value, vl);
	out[nl + 1 + vl] = '\0';
}

static void
logrec_set(struct logrec_field *f, const char *s, const char *dflt,
    enum logrec_kind kind, char sep)
{
	if (s == NULL || *s == '\0')
		s = dflt;
	f->s = s;
	f->n = strlen(s);
	f->kind = kind;
	f->sep = sep;
}

size_t
logrec_format_squid(const struct logrec *rec, char *buf, size_t len)
{
	struct logrec_field f[LOGREC_NFIELDS];
	char when[32], took[24], status[8], bytes[24];
	char pol[8][LOGREC_POLICY_MAX];
	size_t i, nf, fixed, nstr, room, cap, max, off;
	int code;

	if (len < 2) {
		if (len == 1)
			buf[0] = '\0';
		return 0;
	}

	logrec_when(rec, when, sizeof(when));
	logrec_u64(took, rec->elapsed_ms, 6);
	code = rec->status < 0 || rec->status > 999 ? 0 : rec->status;
	status[0] = (char)('0' + code / 100);
	status[1] = (char)('0' + code / 10 % 10);
	status[2] = (char)('0' + code % 10);
	status[3] = '\0';
	logrec_u64(bytes, rec->bytes, 0);

	logrec_set(&f[0], when, "-", LOGREC_RAW, ' ');
	logrec_set(&f[1], took, "-", LOGREC_RAW, ' ');
	logrec_set(&f[2], rec->client, "-", LOGREC_TEXT, ' ');
	logrec_set(&f[3], rec->result, "NONE_NONE", LOGREC_TEXT, '/');
	logrec_set(&f[4], status, "000", LOGREC_RAW, ' ');
	logrec_set(&f[5], bytes, "0", LOGREC_RAW, ' ');
	logrec_set(&f[6], rec->method, "-", LOGREC_TEXT, ' ');
	logrec_set(&f[7], rec->url, "-", LOGREC_URL, ' ');
	logrec_set(&f[8], rec->user, "-", LOGREC_TEXT, ' ');
	logrec_set(&f[9], rec->hierarchy, "HIER_NONE", LOGREC_TEXT, '/');
	logrec_set(&f[10], rec->peer, "-", LOGREC_TEXT, ' ');
	logrec_set(&f[11], rec->content_type, "-", LOGREC_TEXT, '\n');
	f[11].n = strcspn(f[11].s, "; \t");
	if (f[11].n == 0)
		logrec_set(&f[11], "-", "-", LOGREC_TEXT, '\n');
	nf = 12;
	if (rec->group != NULL) {
		static const char *const names[8] = { "group", "verdict",
		    "reason", "category", "id", "declared", "sniffed",
		    "score" };
		const char *vals[8] = { rec->group, rec->verdict, rec->reason,
		    rec->category, rec->request_id, rec->declared,
		    rec->sniffed, rec->score };

		f[11].sep = ' ';
		for (i = 0; i < 8; i++) {
			logrec_pair(pol[i], sizeof(pol[i]), names[i],
			    vals[i] != NULL && *vals[i] != '\0' ? vals[i] :
			    "-");
			logrec_set(&f[nf++], pol[i], "-", LOGREC_TEXT,
			    i == 7 ? '\n' : ' ');
		}
	}

	/* Separators and the newline, our own fields, then the rest. */
	fixed = 0;
	nstr = 0;
	for (i = 0; i < nf; i++) {
		f[i].want = logrec_escaped_len(&f[i]);
		fixed++;
		if (f[i].kind == LOGREC_RAW)
			fixed += f[i].want;
		else
			nstr++;
	}
	room = len - 1;	/* the NUL */

	/*
	 * Normally cut the long fields so every field keeps a few bytes;
	 * in a buffer too small even for that, cut the line where it
	 * runs out. Either way the newline is written.
	 */
	if (fixed + nstr * LOGREC_UNIT_MAX <= room)
		cap = logrec_cap(f, nf, room - fixed);
	else
		cap = SIZE_MAX;

	off = 0;
	for (i = 0; i < nf; i++) {
		max = room - 1 - off;	/* keep a byte for the newline */
		if (f[i].kind != LOGREC_RAW && cap < max)
			max = cap;
		off += logrec_put(buf + off, &f[i], max);
		if (f[i].sep != '\n' && off < room - 1)
			buf[off++] = f[i].sep;
	}
	buf[off++] = '\n';
	buf[off] = '\0';
	return off;
}
