#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "phrase.h"

/*
 * How it works.
 *
 * Loading. Each line of a list becomes an entry: one phrase, or a
 * combination of up to PHRASE_PARTS_MAX phrases, with its list, kind and
 * weight. Phrases are normalised (phrase_norm[]: ASCII letters folded to
 * lower case, digits and bytes >= 0x80 kept, every other byte a space,
 * runs of spaces one space) and interned: each distinct normalised string
 * is one pattern, whichever entries use it. A space at either end of a
 * pattern is a word boundary.
 *
 * Building. All patterns go into one Aho-Corasick automaton, compiled to
 * a full DFA over byte classes (class 0: bytes in no pattern; class 1:
 * the space; then one class per other byte that occurs in a pattern), so
 * that scanning is one table lookup per byte. States are numbered breadth
 * first (the shallow states, where a scan spends most of its time, close
 * together), those with an output (a pattern ends there or at a state on
 * its suffix chain) after those without: "is there a match" is one
 * comparison. The matches of an output state are its own pattern and
 * those of its dictionary suffix link chain.
 *
 * The table comes in two widths. When it takes at most PHRASE_WIDE_MAX
 * bytes with 32-bit cells ("wide"), a cell holds the next state's row's
 * offset in bytes: the fastest. A larger table is "narrow": 16-bit cells
 * holding the next state's number, which halves the memory (5,000
 * phrases: about 3 MB), stored a class at a time (col16[c] is class c's
 * column). Either way, what a lookup adds to the table's address depends
 * on the byte only, and the state from the last lookup is added as the
 * load is made (see phrase_wide()): a scan's time goes to that chain of
 * lookups, each waiting for the last. A state numbered PHRASE_ESC or more
 * (only the deepest, in a set of more than 65,534 states) is reached
 * through an escape: the cell says PHRASE_ESC, and a hash table (esc_key,
 * esc_to) gives the state for (state, class).
 *
 * Collapsing runs of spaces costs nothing while scanning: a state
 * reached by a space loops to itself on a space (the text never holds two
 * spaces in a row, so that transition is only taken for the ones
 * collapsed), and a self-loop on a space is not a new match.
 *
 * Scanning. A small tokenizer decodes entities and finds HTML tags and
 * comments. It feeds two views of the text through the automaton, each
 * with its own state: view A, where a tag or comment is a space, and
 * view B, where it is nothing, so that neither "ca<b></b>sino" nor
 * "<p>casino</p><p>poker</p>" hides a phrase. A phrase counts the larger
 * of its counts in the two views. While the two views are in the same
 * state (most of the time, away from tags) they are stepped once.
 *
 * Each token has its loop, through as many bytes as it can take a call:
 * text through the table (a long run as two halves at once, see
 * phrase_scan_pair()); tags, quoted values and comments, where nothing
 * is scanned, with a table lookup a byte or memchr(). Only entities and
 * the byte after a '<' go one byte at a time. Half of a page's bytes or
 * more are markup: it must cost little.
 *
 * A tag or comment that does not end within PHRASE_TAG_MAX bytes is left:
 * what follows is text again, and the bytes already skipped are not
 * scanned. A stray '<' thus hides at most that much, and only of a text
 * where '<' is followed by a letter, '/', '!' or '?'.
 *
 * The text is taken to start and end with a space. The end of the body
 * (a pending entity, the final space) can only be known at
 * phrase_scan_result(), which does not change the scan: so each feed ends
 * by working out what the end would add, counted apart ("tail") and
 * forgotten at the next feed.
 */

#define PHRASE_LINE_MAX		4096
#define PHRASE_LEN_MAX		256
#define PHRASE_ENTRIES_MAX	1000000
#define PHRASE_PARTS_MAX	64
#define PHRASE_WEIGHT_MAX	100000
#define PHRASE_INCLUDE_MAX	8
#define PHRASE_TAG_MAX		1024
#define PHRASE_ENT_MAX		16		/* "&#x0000010FFFF" */
#define PHRASE_DFA_MAX		((size_t)512 << 20)	/* bytes */
#define PHRASE_WIDE_MAX		((size_t)4 << 20)	/* bytes */
#define PHRASE_PAIR_MIN		64		/* phrase_scan_pair(): bytes */
#define PHRASE_PAIR_MAX		512		/* > LEN_MAX + PAIR_MIN */
#define PHRASE_DETAIL_TEXT	64		/* of a phrase in detail */
#define PHRASE_TOP		16		/* contributors in detail */

#define PHRASE_NONE		UINT32_MAX
#define PHRASE_ESC		UINT16_MAX	/* narrow: see esc_key */

/* Quotes at most 40 bytes of what the list says, from p to end. */
#define PHRASE_Q(p, end)	\
	(int)((end) - (p) > 40 ? 40 : (end) - (p)), (p)
#define PHRASE_CLS_OTHER	0
#define PHRASE_CLS_SPACE	1
#define PHRASE_CLS_SPECIAL	255		/* '<' and '&' in a body */

#define PHRASE_VIEW_A		1u		/* tags as spaces */
#define PHRASE_VIEW_B		2u		/* tags removed */
#define PHRASE_VIEW_AB		3u

/* The normalisation, for phrases and bodies alike. */
static const uint8_t phrase_norm[256] = {
#define S4	' ', ' ', ' ', ' '
#define S16	S4, S4, S4, S4
	S16, S16,				/* 0x00-0x1f */
	S16,					/* ' ' to '/' */
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
	' ', ' ', ' ', ' ', ' ', ' ',		/* ':' to '?' */
	' ', 'a', 'b', 'c', 'd', 'e', 'f', 'g',
	'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w',
	'x', 'y', 'z', ' ', ' ', ' ', ' ', ' ',
	' ', 'a', 'b', 'c', 'd', 'e', 'f', 'g',
	'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w',
	'x', 'y', 'z', ' ', ' ', ' ', ' ', ' ',
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
	0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
	0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
	0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
#undef S16
#undef S4
};

/* One line of a list. */
struct phrase_entry {
	int32_t		weight;
	uint8_t		list;
	uint8_t		kind;		/* enum phrase_kind */
	uint16_t	nparts;		/* 1: a single phrase */
	uint32_t	parts;		/* its patterns, in ps->parts */
	uint32_t	text;		/* "a" or "a+b", in ps->pool */
};

/* Where a pattern is used: part part of entry entry. */
struct phrase_ref {
	uint32_t	entry;
	uint32_t	part;
};

/* A distinct normalised phrase. */
struct phrase_pat {
	uint32_t	str;		/* in ps->pool */
	uint32_t	len;
	uint32_t	refs;		/* first in ps->refs (built) */
	uint32_t	nrefs;
	uint64_t	lists;		/* the lists of its entries */
};

struct phrase_set {
	struct phrase_entry	*ent;
	size_t			 nent, ent_cap;
	uint32_t		*parts;		/* pattern ids */
	size_t			 nparts, parts_cap;
	struct phrase_pat	*pat;
	size_t			 npat, pat_cap;
	uint32_t		*pat_hash;	/* pattern id + 1; 0: free */
	size_t			 pat_hash_cap;
	char			*pool;
	size_t			 pool_len, pool_cap;
	bool			 broken;	/* a load failed */
	bool			 built;

	/*
	 * After phrase_set_build(). A state ("row") is its row's offset in
	 * delta32 (wide), or its number (narrow).
	 */
	struct phrase_ref	*refs;
	uint32_t		*delta32;	/* see phrase_wide() */
	uint16_t		*delta16;	/* [class * nstates + row] */
	const uint16_t		*col16[256];	/* delta16 + class * nstates */
	uint64_t		*esc_key;	/* row << 8 | class; or free */
	uint32_t		*esc_to;	/* the row it leads to */
	size_t			 esc_cap;
	size_t			 nstates;
	uint32_t		 ncls;
	uint32_t		 unit;		/* a row's bytes (wide) or 1 */
	uint32_t		 start;	/* row after the first space */
	uint32_t		 maxlen;	/* of a pattern: the depth */
	uint32_t		 outmin;	/* rows >= this may match */
	/* Indexed by (row - outmin) / unit: */
	uint32_t		*opat;	/* the pattern ending there */
	uint32_t		*odict;	/* the next row with a match */
	uint8_t			 tcls[256];	/* text byte: class */
	uint8_t			 bcls[256];	/* body byte, or SPECIAL */
};

enum phrase_tok {
	PHRASE_TOK_TEXT,
	PHRASE_TOK_LT,		/* after a '<' */
	PHRASE_TOK_TAG,
	PHRASE_TOK_QUOTE,	/* a quoted attribute value */
	PHRASE_TOK_BANG,	/* "<!" */
	PHRASE_TOK_BANG_DASH,	/* "<!-" */
	PHRASE_TOK_COMMENT,
	PHRASE_TOK_ENT,		/* after a '&' */
};

/* Where a scan is in the body: all that the next byte depends on. */
struct phrase_pos {
	uint32_t	st[2];		/* views A and B: rows */
	uint16_t	taglen;
	uint8_t		tok;		/* enum phrase_tok */
	uint8_t		quote;
	uint8_t		dashes;
	bool		after_eq;
	uint8_t		entlen;
	char		ent[PHRASE_ENT_MAX];
};

struct phrase_hit {
	uint32_t	pat;
	uint32_t	n[2];		/* occurrences in views A and B */
	uint32_t	tail[2];	/* what the end of the body adds */
};

struct phrase_scan {
	const struct phrase_set	*ps;
	uint64_t		 lists;
	struct phrase_pos	 pos;
	struct phrase_hit	*hit;	/* in order of first occurrence */
	size_t			 nhit, hit_cap;
	uint32_t		*hash;	/* hit index + 1; 0: free */
	size_t			 hash_cap;
	uint32_t		*tails;	/* hits with a tail count */
	size_t			 ntail, tail_cap;
	bool			 tail_mode;
	bool			 oom;
};

const char *
phrase_kind_str(enum phrase_kind k)
{
	switch (k) {
	case PHRASE_WEIGHTED:
		return "weighted";
	case PHRASE_BANNED:
		return "banned";
	case PHRASE_EXCEPTION:
		return "exception";
	}
	return "unknown";
}

/* Grows *v (of *cap elements of size sz) to hold need. 0 or -1. */
static int
phrase_grow(void *v, size_t *cap, size_t need, size_t sz)
{
	void **vp = v, *n;
	size_t ncap = *cap;

	if (need <= *cap)
		return 0;
	if (ncap < 16)
		ncap = 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / sz)
		return -1;
	n = realloc(*vp, ncap * sz);
	if (n == NULL)
		return -1;
	*vp = n;
	*cap = ncap;
	return 0;
}

static uint32_t
phrase_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

/*
 * Normalises the len bytes at in into out (at least len bytes) and
 * returns the length: one space at most at either end.
 */
static size_t
phrase_normalise(const char *in, size_t len, char *out)
{
	size_t i, n = 0;
	uint8_t c;

	for (i = 0; i < len; i++) {
		c = phrase_norm[(uint8_t)in[i]];
		if (c == ' ' && n > 0 && out[n - 1] == ' ')
			continue;
		out[n++] = (char)c;
	}
	return n;
}

struct phrase_set *
phrase_set_new(void)
{
	return calloc(1, sizeof(struct phrase_set));
}

size_t
phrase_set_count(const struct phrase_set *ps)
{
	return ps->nent;
}

void
phrase_set_free(struct phrase_set *ps)
{
	if (ps == NULL)
		return;
	free(ps->ent);
	free(ps->parts);
	free(ps->pat);
	free(ps->pat_hash);
	free(ps->pool);
	free(ps->refs);
	free(ps->delta32);
	free(ps->delta16);
	free(ps->esc_key);
	free(ps->esc_to);
	free(ps->opat);
	free(ps->odict);
	free(ps);
}

/* Appends len bytes to the pool; their offset, or PHRASE_NONE. */
static uint32_t
phrase_pool_add(struct phrase_set *ps, const char *s, size_t len)
{
	size_t off = ps->pool_len;

	if (off + len + 1 > UINT32_MAX ||
	    phrase_grow(&ps->pool, &ps->pool_cap, off + len + 1, 1) == -1)
		return PHRASE_NONE;
	memcpy(ps->pool + off, s, len);
	ps->pool[off + len] = '\0';
	ps->pool_len += len + 1;
	return (uint32_t)off;
}

/* The id of the pattern s (normalised), added if new; NONE: no memory. */
static uint32_t
phrase_intern(struct phrase_set *ps, const char *s, size_t len)
{
	struct phrase_pat *p;
	uint32_t *nh, id;
	size_t i, mask, ncap;

	if (ps->npat * 2 >= ps->pat_hash_cap) {
		ncap = ps->pat_hash_cap == 0 ? 256 : ps->pat_hash_cap * 2;
		if ((nh = calloc(ncap, sizeof(*nh))) == NULL)
			return PHRASE_NONE;
		for (id = 0; id < ps->npat; id++) {
			p = &ps->pat[id];
			i = phrase_hash(ps->pool + p->str, p->len) &
			    (ncap - 1);
			while (nh[i] != 0)
				i = (i + 1) & (ncap - 1);
			nh[i] = id + 1;
		}
		free(ps->pat_hash);
		ps->pat_hash = nh;
		ps->pat_hash_cap = ncap;
	}
	mask = ps->pat_hash_cap - 1;
	for (i = phrase_hash(s, len) & mask; ps->pat_hash[i] != 0;
	    i = (i + 1) & mask) {
		p = &ps->pat[ps->pat_hash[i] - 1];
		if (p->len == len && memcmp(ps->pool + p->str, s, len) == 0)
			return ps->pat_hash[i] - 1;
	}
	if (phrase_grow(&ps->pat, &ps->pat_cap, ps->npat + 1,
	    sizeof(*ps->pat)) == -1)
		return PHRASE_NONE;
	p = &ps->pat[ps->npat];
	memset(p, 0, sizeof(*p));
	if ((p->str = phrase_pool_add(ps, s, len)) == PHRASE_NONE)
		return PHRASE_NONE;
	p->len = (uint32_t)len;
	ps->pat_hash[i] = (uint32_t)ps->npat + 1;
	return (uint32_t)ps->npat++;
}

/* ------------------------------------------------------------ loading */

struct phrase_load {
	struct phrase_set	*ps;
	unsigned		 list;
	enum phrase_kind	 kind;
	unsigned		 depth;		/* of includes */
	dev_t			 dev[PHRASE_INCLUDE_MAX + 1];
	ino_t			 ino[PHRASE_INCLUDE_MAX + 1];
};

static bool
phrase_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\f' || c == '\v';
}

static const char *
phrase_skip_ws(const char *p, const char *end)
{
	while (p < end && phrase_is_ws(*p))
		p++;
	return p;
}

/* After the last group: nothing, or a comment. */
static bool
phrase_at_end(const char *p, const char *end)
{
	p = phrase_skip_ws(p, end);
	return p == end || *p == '#';
}

/*
 * The group "<...>" at *pp: its content in *s, *len, and *pp past it.
 * 0, or -1 with err.
 */
static int
phrase_group(const char **pp, const char *end, const char **s, size_t *len,
    struct werr *err)
{
	const char *p = *pp + 1, *close;

	for (close = p; close < end && *close != '>'; close++)
		if (*close == '<')
			return werr_set(err, "unbalanced <>: '<' inside "
			    "<...>");
	if (close == end)
		return werr_set(err, "unbalanced <>: '<' without '>'");
	*s = p;
	*len = (size_t)(close - p);
	*pp = close + 1;
	return 0;
}

/* A weight: an integer in range, blanks around it allowed. */
static int
phrase_weight(const char *s, size_t len, int32_t *w, struct werr *err)
{
	const char *p = phrase_skip_ws(s, s + len), *end = s + len;
	bool neg = false;
	long v = 0;

	while (end > p && phrase_is_ws(end[-1]))
		end--;
	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	if (p == end)
		goto bad;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (*p - '0');
		if (v > PHRASE_WEIGHT_MAX)
			goto bad;
	}
	*w = (int32_t)(neg ? -v : v);
	return 0;
bad:
	return werr_set(err, "weight <%.*s> is not an integer from %d to %d",
	    (int)(len > 40 ? 40 : len), s, -PHRASE_WEIGHT_MAX,
	    PHRASE_WEIGHT_MAX);
}

/* Adds a phrase of a line to the parts; its normalised form in buf. */
static int
phrase_part(struct phrase_set *ps, const char *s, size_t len, char *buf,
    size_t *blen, struct werr *err)
{
	uint32_t id;
	size_t n;

	if (len > PHRASE_LEN_MAX)
		return werr_set(err, "phrase longer than %d bytes",
		    PHRASE_LEN_MAX);
	n = phrase_normalise(s, len, buf);
	if (n == 0 || (n == 1 && buf[0] == ' '))
		return werr_set(err, "empty phrase <%.*s>", (int)len, s);
	if ((id = phrase_intern(ps, buf, n)) == PHRASE_NONE ||
	    phrase_grow(&ps->parts, &ps->parts_cap, ps->nparts + 1,
	    sizeof(*ps->parts)) == -1)
		return werr_set(err, "out of memory");
	ps->parts[ps->nparts++] = id;
	*blen = n;
	return 0;
}

/* One entry line (trimmed, not a comment nor an include). */
static int
phrase_entry(struct phrase_load *ld, const char *line, size_t len,
    struct werr *err)
{
	struct phrase_set *ps = ld->ps;
	struct phrase_entry *e;
	const char *p = line, *end = line + len, *s, *t;
	char text[PHRASE_LINE_MAX], norm[PHRASE_LEN_MAX];
	size_t slen, tlen = 0, nlen = 0, first = ps->nparts;
	int32_t weight = 0, dummy;
	unsigned nparts = 0;
	bool has_weight = false;

	if (ps->nent >= PHRASE_ENTRIES_MAX)
		return werr_set(err, "too many entries (at most %d)",
		    PHRASE_ENTRIES_MAX);
	for (;;) {
		if (p == end || *p != '<') {
			if (p < end && *p == '>')
				return werr_set(err, "unbalanced <>: '>' "
				    "without '<'");
			return werr_set(err, "expected <phrase> at '%.*s'",
			    PHRASE_Q(p, end));
		}
		if (phrase_group(&p, end, &s, &slen, err) == -1)
			return -1;
		if (++nparts > PHRASE_PARTS_MAX)
			return werr_set(err, "more than %d phrases in a "
			    "combination", PHRASE_PARTS_MAX);
		if (phrase_part(ps, s, slen, norm, &nlen, err) == -1)
			return -1;
		/* The display text: "a" or "a+b", without the boundaries. */
		t = norm;
		if (*t == ' ') {
			t++;
			nlen--;
		}
		if (nlen > 0 && t[nlen - 1] == ' ')
			nlen--;
		if (tlen > 0 && tlen < sizeof(text))
			text[tlen++] = '+';
		if (tlen + nlen <= sizeof(text)) {
			memcpy(text + tlen, t, nlen);
			tlen += nlen;
		}
		p = phrase_skip_ws(p, end);
		if (p < end && *p == ',') {
			p = phrase_skip_ws(p + 1, end);
			if (p == end)
				return werr_set(err, "',' not followed by "
				    "<phrase>");
			continue;
		}
		if (phrase_at_end(p, end))
			break;
		if (*p != '<')
			return werr_set(err, "unexpected '%.*s' after "
			    "<phrase>", PHRASE_Q(p, end));
		if (phrase_group(&p, end, &s, &slen, err) == -1)
			return -1;
		if (ld->kind != PHRASE_WEIGHTED) {
			if (phrase_weight(s, slen, &dummy, NULL) == 0)
				return werr_set(err, "a weight in %s %s list "
				    "(expected <phrase> or <a>,<b>)",
				    ld->kind == PHRASE_EXCEPTION ? "an" : "a",
				    phrase_kind_str(ld->kind));
			return werr_set(err, "expected ',' between the "
			    "phrases of a combination");
		}
		if (phrase_weight(s, slen, &weight, err) == -1)
			return -1;
		has_weight = true;
		if (!phrase_at_end(p, end))
			return werr_set(err, "unexpected '%.*s' after the "
			    "weight", PHRASE_Q(phrase_skip_ws(p, end), end));
		break;
	}
	if (ld->kind == PHRASE_WEIGHTED && !has_weight)
		return werr_set(err, "missing weight (expected "
		    "<phrase><weight> or <a>,<b><weight>)");
	if (phrase_grow(&ps->ent, &ps->ent_cap, ps->nent + 1,
	    sizeof(*ps->ent)) == -1)
		return werr_set(err, "out of memory");
	e = &ps->ent[ps->nent];
	e->weight = weight;
	e->list = (uint8_t)ld->list;
	e->kind = (uint8_t)ld->kind;
	e->nparts = (uint16_t)nparts;
	e->parts = (uint32_t)first;
	if ((e->text = phrase_pool_add(ps, text, tlen)) == PHRASE_NONE)
		return werr_set(err, "out of memory");
	ps->nent++;
	return 0;
}

static int	phrase_load_file(struct phrase_load *, const char *,
		    const char *, unsigned, struct werr *);

/* ".Include<path>" at line of from. */
static int
phrase_include(struct phrase_load *ld, const char *from, unsigned line,
    const char *s, size_t len, struct werr *err)
{
	char path[PATH_MAX];
	const char *p = s + 8, *end = s + len, *arg, *slash;
	struct werr sub;
	size_t alen;
	int dlen;

	if (p == end || *p != '<')
		return werr_set(err, "%s:%u: expected .Include<path>", from,
		    line);
	if (phrase_group(&p, end, &arg, &alen, &sub) == -1)
		return werr_set(err, "%s:%u: %s", from, line, sub.msg);
	if (alen == 0 || !phrase_at_end(p, end))
		return werr_set(err, "%s:%u: expected .Include<path>", from,
		    line);
	slash = strrchr(from, '/');
	dlen = arg[0] == '/' || slash == NULL ? 0 : (int)(slash - from + 1);
	if ((size_t)snprintf(path, sizeof(path), "%.*s%.*s", dlen, from,
	    (int)alen, arg) >= sizeof(path))
		return werr_set(err, "%s:%u: include path too long", from,
		    line);
	if (ld->depth > PHRASE_INCLUDE_MAX)
		return werr_set(err, "%s:%u: includes nested deeper than %d",
		    from, line, PHRASE_INCLUDE_MAX);
	return phrase_load_file(ld, path, from, line, err);
}

/*
 * Reads path; from and line name the include line that named it (from
 * NULL: the list itself).
 */
static int
phrase_load_file(struct phrase_load *ld, const char *path, const char *from,
    unsigned fline, struct werr *err)
{
	char *buf = NULL, *s, *end;
	struct werr sub;
	struct stat st;
	unsigned line, i;
	size_t len;
	FILE *fp;
	int rc = -1;

	fp = fopen(path, "r");
	if (fp == NULL || fstat(fileno(fp), &st) == -1) {
		if (from != NULL)
			werr_set(err, "%s:%u: cannot include %s: %s", from,
			    fline, path, strerror(errno));
		else
			werr_set(err, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		if (from != NULL)
			werr_set(err, "%s:%u: cannot include %s: %s", from,
			    fline, path, strerror(EISDIR));
		else
			werr_set(err, "%s: %s", path, strerror(EISDIR));
		goto done;
	}
	for (i = 0; i < ld->depth; i++)
		if (ld->dev[i] == st.st_dev && ld->ino[i] == st.st_ino) {
			werr_set(err, "%s:%u: include loop: %s is already "
			    "being read", from, fline, path);
			goto done;
		}
	ld->dev[ld->depth] = st.st_dev;
	ld->ino[ld->depth] = st.st_ino;
	ld->depth++;
	if ((buf = malloc(PHRASE_LINE_MAX + 2)) == NULL) {
		werr_set(err, "%s: out of memory", path);
		goto out;
	}
	for (line = 1; fgets(buf, PHRASE_LINE_MAX + 2, fp) != NULL; line++) {
		len = strlen(buf);
		if (len > PHRASE_LINE_MAX && buf[len - 1] != '\n') {
			werr_set(err, "%s:%u: line longer than %d bytes",
			    path, line, PHRASE_LINE_MAX);
			goto out;
		}
		s = buf;
		if (line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;		/* a byte order mark */
		end = buf + len;
		while (end > s && phrase_is_ws(end[-1]))
			end--;
		s = (char *)phrase_skip_ws(s, end);
		if (s == end || *s == '#')
			continue;
		if ((size_t)(end - s) >= 8 && strncasecmp(s, ".include", 8) ==
		    0) {
			if (phrase_include(ld, path, line, s,
			    (size_t)(end - s), err) == -1)
				goto out;
			continue;
		}
		if (phrase_entry(ld, s, (size_t)(end - s), &sub) == -1) {
			werr_set(err, "%s:%u: %s", path, line, sub.msg);
			goto out;
		}
	}
	if (ferror(fp)) {
		werr_set(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	ld->depth--;
done:
	free(buf);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

int
phrase_set_load(struct phrase_set *ps, unsigned list, enum phrase_kind kind,
    const char *path, struct werr *err)
{
	struct phrase_load ld;

	if (ps->built)
		return werr_set(err, "%s: the phrase set is already built",
		    path);
	if (list >= PHRASE_LISTS_MAX)
		return werr_set(err, "%s: list %u out of range (0 to %d)",
		    path, list, PHRASE_LISTS_MAX - 1);
	if (kind != PHRASE_WEIGHTED && kind != PHRASE_BANNED &&
	    kind != PHRASE_EXCEPTION)
		return werr_set(err, "%s: bad list kind %d", path, (int)kind);
	memset(&ld, 0, sizeof(ld));
	ld.ps = ps;
	ld.list = list;
	ld.kind = kind;
	if (phrase_load_file(&ld, path, NULL, 0, err) == -1) {
		ps->broken = true;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ building */

struct phrase_sorted {
	const char	*s;
	uint32_t	 len;
	uint32_t	 id;
};

static int
phrase_sorted_cmp(const void *a, const void *b)
{
	const struct phrase_sorted *x = a, *y = b;
	uint32_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Which entries use each pattern: ps->refs, grouped by pattern. */
static int
phrase_build_refs(struct phrase_set *ps)
{
	const struct phrase_entry *e;
	struct phrase_pat *p;
	size_t i, j, total = 0;

	for (i = 0; i < ps->npat; i++) {
		ps->pat[i].nrefs = 0;
		ps->pat[i].lists = 0;
	}
	for (i = 0; i < ps->nent; i++) {
		e = &ps->ent[i];
		for (j = 0; j < e->nparts; j++) {
			p = &ps->pat[ps->parts[e->parts + j]];
			p->nrefs++;
			p->lists |= (uint64_t)1 << e->list;
		}
	}
	for (i = 0; i < ps->npat; i++) {
		ps->pat[i].refs = (uint32_t)total;
		total += ps->pat[i].nrefs;
		ps->pat[i].nrefs = 0;
	}
	if (total > 0 && (ps->refs = calloc(total, sizeof(*ps->refs))) ==
	    NULL)
		return -1;
	for (i = 0; i < ps->nent; i++) {
		e = &ps->ent[i];
		for (j = 0; j < e->nparts; j++) {
			p = &ps->pat[ps->parts[e->parts + j]];
			ps->refs[p->refs + p->nrefs].entry = (uint32_t)i;
			ps->refs[p->refs + p->nrefs].part = (uint32_t)j;
			p->nrefs++;
		}
	}
	return 0;
}

/* The byte classes: OTHER, SPACE, then each byte a pattern holds. */
static void
phrase_build_classes(struct phrase_set *ps)
{
	bool used[256] = { false };
	const struct phrase_pat *p;
	size_t i, j;
	uint8_t c;

	for (i = 0; i < ps->npat; i++) {
		p = &ps->pat[i];
		for (j = 0; j < p->len; j++)
			used[(uint8_t)ps->pool[p->str + j]] = true;
	}
	ps->ncls = 2;
	memset(ps->tcls, PHRASE_CLS_OTHER, sizeof(ps->tcls));
	ps->tcls[' '] = PHRASE_CLS_SPACE;
	for (i = 0; i < 256; i++)
		if (used[i] && i != ' ')
			ps->tcls[i] = (uint8_t)ps->ncls++;
	/* A body byte: the class of its normalised form. */
	for (i = 0; i < 256; i++) {
		c = phrase_norm[i];
		ps->bcls[i] = c == ' ' ? PHRASE_CLS_SPACE : ps->tcls[c];
	}
	ps->bcls['<'] = PHRASE_CLS_SPECIAL;
	ps->bcls['&'] = PHRASE_CLS_SPECIAL;
}

/*
 * Moves row i of the table (of n rows of w cells) to row perm[i], in
 * place (tmp and tmp2: w cells each; seen: n flags, cleared).
 */
static void
phrase_permute_rows(uint32_t *t, size_t n, size_t w, const uint32_t *perm,
    uint32_t *tmp, uint32_t *tmp2, bool *seen)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (seen[i])
			continue;
		seen[i] = true;
		if (perm[i] == i)
			continue;
		memcpy(tmp, t + i * w, w * sizeof(*t));
		for (k = perm[i]; k != i; k = perm[k]) {
			memcpy(tmp2, t + k * w, w * sizeof(*t));
			memcpy(t + k * w, tmp, w * sizeof(*t));
			memcpy(tmp, tmp2, w * sizeof(*t));
			seen[k] = true;
		}
		memcpy(t + i * w, tmp, w * sizeof(*t));
	}
}

static size_t
phrase_esc_slot(uint64_t key, size_t cap)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

/* The row that row leads to on class c, through an escape. */
static uint32_t
phrase_esc_find(const struct phrase_set *ps, uint32_t row, unsigned c)
{
	uint64_t key = (uint64_t)row << 8 | c;
	size_t i;

	for (i = phrase_esc_slot(key, ps->esc_cap); ps->esc_key[i] != key;
	    i = (i + 1) & (ps->esc_cap - 1))
		;
	return ps->esc_to[i];
}

/*
 * The cell of a wide table for the row at offset row and class c. The
 * address of the class's cell in the first row is worked out first, from
 * the byte alone, so that the lookup that needs the last one's row only
 * adds it as it loads: about one cycle less a byte than delta[row + c].
 */
static inline uint32_t
phrase_wide(const uint32_t *delta, uint32_t row, unsigned c)
{
	return *(const uint32_t *)(const void *)((const char *)(delta + c) +
	    row);
}

/* The next row from row on class c. Inline: the scan's loops use it. */
static inline uint32_t
phrase_step(const struct phrase_set *ps, uint32_t row, unsigned c)
{
	uint32_t next;

	if (ps->delta32 != NULL)
		return phrase_wide(ps->delta32, row, c);
	next = ps->col16[c][row];
	return next == PHRASE_ESC ? phrase_esc_find(ps, row, c) : next;
}

/*
 * The narrow table from t (n rows of state numbers before perm): a
 * transition to a state numbered PHRASE_ESC or more is an escape.
 */
static int
phrase_build_narrow(struct phrase_set *ps, const uint32_t *t, size_t n,
    const uint32_t *perm)
{
	size_t w = ps->ncls, i, s, c, nesc = 0, cap;
	uint32_t row, to;
	uint64_t key;

	for (i = 0; i < n * w; i++)
		if (perm[t[i]] >= PHRASE_ESC)
			nesc++;
	if ((ps->delta16 = malloc(n * w * sizeof(*ps->delta16))) == NULL)
		return -1;
	for (c = 0; c < w; c++)
		ps->col16[c] = ps->delta16 + c * n;
	if (nesc > 0) {
		for (cap = 16; cap < nesc * 2; cap *= 2)
			;
		if ((ps->esc_key = malloc(cap * sizeof(*ps->esc_key))) ==
		    NULL || (ps->esc_to = malloc(cap *
		    sizeof(*ps->esc_to))) == NULL)
			return -1;
		memset(ps->esc_key, 0xff, cap * sizeof(*ps->esc_key));
		ps->esc_cap = cap;
	}
	for (s = 0; s < n; s++) {
		row = perm[s];
		for (c = 0; c < w; c++) {
			to = perm[t[s * w + c]];
			if (to < PHRASE_ESC) {
				ps->delta16[c * n + row] = (uint16_t)to;
				continue;
			}
			ps->delta16[c * n + row] = PHRASE_ESC;
			key = (uint64_t)row << 8 | c;
			for (i = phrase_esc_slot(key, ps->esc_cap);
			    ps->esc_key[i] != UINT64_MAX;
			    i = (i + 1) & (ps->esc_cap - 1))
				;
			ps->esc_key[i] = key;
			ps->esc_to[i] = to;
		}
	}
	return 0;
}

int
phrase_set_build(struct phrase_set *ps, struct werr *err)
{
	struct phrase_sorted *sorted = NULL;
	uint32_t *t = NULL, *term = NULL, *fail = NULL, *dict = NULL;
	uint32_t *queue = NULL, *perm = NULL, *tmp = NULL, *u;
	uint8_t *label = NULL;
	bool *seen = NULL;
	size_t i, j, n, w, lcp, nout, head, tail, small;
	uint32_t s, v, c, f, next, k;
	const uint8_t *str;
	bool wide;
	int rc = -1;

	if (ps->broken)
		return werr_set(err, "a phrase list failed to load");
	if (ps->built)
		return werr_set(err, "the phrase set is already built");
	if (phrase_build_refs(ps) == -1)
		goto oom;
	phrase_build_classes(ps);
	w = ps->ncls;

	/* Sorted, the trie's size is known before it is made. */
	if (ps->npat > 0 &&
	    (sorted = calloc(ps->npat, sizeof(*sorted))) == NULL)
		goto oom;
	for (i = 0; i < ps->npat; i++) {
		sorted[i].s = ps->pool + ps->pat[i].str;
		sorted[i].len = ps->pat[i].len;
		sorted[i].id = (uint32_t)i;
	}
	if (ps->npat > 0)
		qsort(sorted, ps->npat, sizeof(*sorted), phrase_sorted_cmp);
	n = 1;
	for (i = 0; i < ps->npat; i++) {
		lcp = 0;
		if (i > 0)
			while (lcp < sorted[i].len && lcp < sorted[i - 1].len &&
			    sorted[i].s[lcp] == sorted[i - 1].s[lcp])
				lcp++;
		n += sorted[i].len - lcp;
	}
	if (n > PHRASE_DFA_MAX / sizeof(uint16_t) / w) {
		werr_set(err, "the phrase lists are too large: %zu states "
		    "of %zu byte classes would take more than %zu MiB", n, w,
		    PHRASE_DFA_MAX >> 20);
		goto done;
	}
	if ((t = calloc(n * w, sizeof(*t))) == NULL ||
	    (term = malloc(n * sizeof(*term))) == NULL ||
	    (fail = calloc(n, sizeof(*fail))) == NULL ||
	    (dict = malloc(n * sizeof(*dict))) == NULL ||
	    (queue = malloc(n * sizeof(*queue))) == NULL ||
	    (label = calloc(n, sizeof(*label))) == NULL)
		goto oom;
	for (i = 0; i < n; i++)
		term[i] = dict[i] = PHRASE_NONE;

	/* The trie: 0 is the root, and "no child" while building. */
	k = 1;
	for (i = 0; i < ps->npat; i++) {
		str = (const uint8_t *)sorted[i].s;
		s = 0;
		for (j = 0; j < sorted[i].len; j++) {
			c = ps->tcls[str[j]];
			if (t[s * w + c] == 0) {
				t[s * w + c] = k;
				label[k] = (uint8_t)c;
				k++;
			}
			s = t[s * w + c];
		}
		term[s] = sorted[i].id;
	}
	free(sorted);
	sorted = NULL;

	/*
	 * Breadth first: fail links, dictionary links, and each missing
	 * transition taken from the fail state (done before, being
	 * shallower).
	 */
	head = tail = 0;
	for (c = 0; c < w; c++)
		if ((v = t[c]) != 0)
			queue[tail++] = v;	/* fail[v] is the root */
	while (head < tail) {
		s = queue[head++];
		f = fail[s];
		dict[s] = term[f] != PHRASE_NONE ? f : dict[f];
		for (c = 0; c < w; c++) {
			v = t[s * w + c];
			if (v != 0) {
				fail[v] = t[f * w + c];
				queue[tail++] = v;
			} else
				t[s * w + c] = t[f * w + c];
		}
	}
	/* Runs of spaces are one space: a space after a space stays. */
	for (s = 1; s < n; s++)
		if (label[s] == PHRASE_CLS_SPACE)
			t[s * w + PHRASE_CLS_SPACE] = s;

	/*
	 * Renumber breadth first. Of the first PHRASE_ESC states (all, in
	 * a wide table), those without a match come first.
	 */
	wide = n * w * sizeof(uint32_t) <= PHRASE_WIDE_MAX;
	small = wide || n < PHRASE_ESC ? n : PHRASE_ESC;
	if ((perm = malloc(n * sizeof(*perm))) == NULL)
		goto oom;
	nout = 0;
	for (i = 0; i < small; i++) {
		s = i == 0 ? 0 : queue[i - 1];
		if (term[s] != PHRASE_NONE || dict[s] != PHRASE_NONE)
			nout++;
	}
	k = 0;
	next = (uint32_t)(small - nout);
	for (i = 0; i < n; i++) {
		s = i == 0 ? 0 : queue[i - 1];
		if (i >= small)
			perm[s] = (uint32_t)i;
		else if (term[s] != PHRASE_NONE || dict[s] != PHRASE_NONE)
			perm[s] = next++;
		else
			perm[s] = k++;
	}
	ps->unit = wide ? (uint32_t)(w * sizeof(uint32_t)) : 1;
	ps->outmin = (uint32_t)(small - nout) * ps->unit;
	nout = n - (small - nout);	/* from outmin to the end */
	if (nout > 0 && ((ps->opat = malloc(nout * sizeof(*ps->opat))) ==
	    NULL || (ps->odict = malloc(nout * sizeof(*ps->odict))) == NULL))
		goto oom;
	for (s = 0; s < n; s++) {
		if (perm[s] < n - nout)
			continue;
		i = perm[s] - (n - nout);
		ps->opat[i] = term[s];
		ps->odict[i] = dict[s] == PHRASE_NONE ? PHRASE_NONE :
		    perm[dict[s]] * ps->unit;
	}
	if (wide) {
		for (i = 0, u = t; i < n * w; i++, u++)
			*u = perm[*u] * ps->unit;
		if ((tmp = malloc(2 * w * sizeof(*tmp))) == NULL ||
		    (seen = calloc(n, sizeof(*seen))) == NULL)
			goto oom;
		phrase_permute_rows(t, n, w, perm, tmp, tmp + w, seen);
		ps->delta32 = t;
		t = NULL;
	} else if (phrase_build_narrow(ps, t, n, perm) == -1)
		goto oom;
	ps->nstates = n;
	for (i = 0; i < ps->npat; i++)
		if (ps->pat[i].len > ps->maxlen)
			ps->maxlen = ps->pat[i].len;
	ps->start = phrase_step(ps, 0, PHRASE_CLS_SPACE);	/* root: 0 */
	free(ps->pat_hash);
	ps->pat_hash = NULL;
	ps->pat_hash_cap = 0;
	ps->built = true;
	rc = 0;
	goto done;
oom:
	werr_set(err, "out of memory building the phrase automaton");
done:
	free(sorted);
	free(t);
	free(term);
	free(fail);
	free(dict);
	free(queue);
	free(label);
	free(perm);
	free(tmp);
	free(seen);
	return rc;
}

/* ------------------------------------------------------------ scanning */

struct phrase_scan *
phrase_scan_new(const struct phrase_set *ps, uint64_t lists)
{
	struct phrase_scan *s;

	if (!ps->built)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->ps = ps;
	s->lists = lists;
	s->pos.st[0] = s->pos.st[1] = ps->start;
	s->pos.tok = PHRASE_TOK_TEXT;
	return s;
}

void
phrase_scan_free(struct phrase_scan *s)
{
	if (s == NULL)
		return;
	free(s->hit);
	free(s->hash);
	free(s->tails);
	free(s);
}

static size_t
phrase_hit_slot(uint32_t pat, size_t cap)
{
	return (size_t)((pat * 0x9e3779b1u) ^ (pat >> 7)) & (cap - 1);
}

/* The hit of pattern pat, added if new; NULL when out of memory. */
static struct phrase_hit *
phrase_scan_hit(struct phrase_scan *s, uint32_t pat)
{
	struct phrase_hit *h;
	uint32_t *nh;
	size_t i, j, ncap;

	if (s->hash_cap > 0)
		for (i = phrase_hit_slot(pat, s->hash_cap); s->hash[i] != 0;
		    i = (i + 1) & (s->hash_cap - 1))
			if (s->hit[s->hash[i] - 1].pat == pat)
				return &s->hit[s->hash[i] - 1];
	if (s->oom)
		return NULL;
	if ((s->nhit + 1) * 2 > s->hash_cap) {
		ncap = s->hash_cap == 0 ? 32 : s->hash_cap * 2;
		if ((nh = calloc(ncap, sizeof(*nh))) == NULL)
			goto oom;
		for (j = 0; j < s->nhit; j++) {
			i = phrase_hit_slot(s->hit[j].pat, ncap);
			while (nh[i] != 0)
				i = (i + 1) & (ncap - 1);
			nh[i] = (uint32_t)j + 1;
		}
		free(s->hash);
		s->hash = nh;
		s->hash_cap = ncap;
	}
	if (phrase_grow(&s->hit, &s->hit_cap, s->nhit + 1,
	    sizeof(*s->hit)) == -1)
		goto oom;
	for (i = phrase_hit_slot(pat, s->hash_cap); s->hash[i] != 0;
	    i = (i + 1) & (s->hash_cap - 1))
		;
	s->hash[i] = (uint32_t)s->nhit + 1;
	h = &s->hit[s->nhit++];
	memset(h, 0, sizeof(*h));
	h->pat = pat;
	return h;
oom:
	s->oom = true;
	return NULL;
}

static void
phrase_inc(uint32_t *n)
{
	if (*n != UINT32_MAX)
		(*n)++;
}

/* Pattern pat occurred in views. */
static void
phrase_scan_count(struct phrase_scan *s, uint32_t pat, unsigned views)
{
	struct phrase_hit *h;
	uint32_t *n;

	if ((s->ps->pat[pat].lists & s->lists) == 0)
		return;
	if ((h = phrase_scan_hit(s, pat)) == NULL)
		return;
	n = h->n;
	if (s->tail_mode) {
		if (h->tail[0] == 0 && h->tail[1] == 0) {
			if (phrase_grow(&s->tails, &s->tail_cap, s->ntail + 1,
			    sizeof(*s->tails)) == -1) {
				s->oom = true;
				return;
			}
			s->tails[s->ntail++] = (uint32_t)(h - s->hit);
		}
		n = h->tail;
	}
	if (views & PHRASE_VIEW_A)
		phrase_inc(&n[0]);
	if (views & PHRASE_VIEW_B)
		phrase_inc(&n[1]);
}

/* The matches of output row row. */
static void
phrase_scan_out(struct phrase_scan *s, uint32_t row, unsigned views)
{
	const struct phrase_set *ps = s->ps;
	uint32_t i;

	while (row != PHRASE_NONE) {
		i = (row - ps->outmin) / ps->unit;
		if (ps->opat[i] != PHRASE_NONE)
			phrase_scan_count(s, ps->opat[i], views);
		row = ps->odict[i];
	}
}

/* Steps views with class c (of a normalised byte). */
static void
phrase_scan_emit(struct phrase_scan *s, unsigned views, unsigned c)
{
	const struct phrase_set *ps = s->ps;
	uint32_t *st = s->pos.st, row;
	unsigned v;

	if (views == PHRASE_VIEW_AB && st[0] == st[1]) {
		row = phrase_step(ps, st[0], c);
		if (row >= ps->outmin &&
		    (row != st[0] || c != PHRASE_CLS_SPACE))
			phrase_scan_out(s, row, PHRASE_VIEW_AB);
		st[0] = st[1] = row;
		return;
	}
	for (v = 0; v < 2; v++) {
		if ((views & (1u << v)) == 0)
			continue;
		row = phrase_step(ps, st[v], c);
		if (row >= ps->outmin &&
		    (row != st[v] || c != PHRASE_CLS_SPACE))
			phrase_scan_out(s, row, 1u << v);
		st[v] = row;
	}
}

/*
 * Text bytes (not '<' nor '&') up to end or the next of those, while the
 * two views are in one state (wide table).
 */
static const uint8_t *
phrase_scan_run32(struct phrase_scan *s, const uint8_t *p, const uint8_t *end)
{
	const struct phrase_set *ps = s->ps;
	const uint32_t *delta = ps->delta32;
	const uint32_t outmin = ps->outmin;
	uint32_t a = s->pos.st[0], row;
	unsigned c;

	for (; p < end; p++) {
		c = ps->bcls[*p];
		if (c == PHRASE_CLS_SPECIAL)
			break;
		row = phrase_wide(delta, a, c);
		if (row >= outmin && (row != a || c != PHRASE_CLS_SPACE))
			phrase_scan_out(s, row, PHRASE_VIEW_AB);
		a = row;
	}
	s->pos.st[0] = s->pos.st[1] = a;
	return p;
}

/* The same with a narrow table. */
static const uint8_t *
phrase_scan_run16(struct phrase_scan *s, const uint8_t *p, const uint8_t *end)
{
	const struct phrase_set *ps = s->ps;
	const uint32_t outmin = ps->outmin;
	uint32_t a = s->pos.st[0], row;
	unsigned c;

	for (; p < end; p++) {
		c = ps->bcls[*p];
		if (c == PHRASE_CLS_SPECIAL)
			break;
		row = ps->col16[c][a];
		if (row >= outmin) {
			if (row == PHRASE_ESC)
				row = phrase_esc_find(ps, a, c);
			if (row != a || c != PHRASE_CLS_SPACE)
				phrase_scan_out(s, row, PHRASE_VIEW_AB);
		}
		a = row;
	}
	s->pos.st[0] = s->pos.st[1] = a;
	return p;
}

/*
 * Text bytes (not '<' nor '&') up to end, the next of those, or the byte
 * where the two views' states meet again. After a tag they differ (view
 * A has seen a space, view B has not) until the text has left both
 * behind, usually within a word. Both are stepped in one loop, view A's
 * matches counted before view B's as phrase_scan_emit() does, so that
 * the hits come in the same order.
 */
static const uint8_t *
phrase_scan_run2(struct phrase_scan *s, const uint8_t *p, const uint8_t *end)
{
	const struct phrase_set *ps = s->ps;
	const uint32_t outmin = ps->outmin;
	uint32_t a = s->pos.st[0], b = s->pos.st[1], ra, rb;
	unsigned c;

	for (; p < end && a != b; p++) {
		c = ps->bcls[*p];
		if (c == PHRASE_CLS_SPECIAL)
			break;
		ra = phrase_step(ps, a, c);
		rb = phrase_step(ps, b, c);
		if (ra >= outmin && (ra != a || c != PHRASE_CLS_SPACE))
			phrase_scan_out(s, ra, PHRASE_VIEW_A);
		if (rb >= outmin && (rb != b || c != PHRASE_CLS_SPACE))
			phrase_scan_out(s, rb, PHRASE_VIEW_B);
		a = ra;
		b = rb;
	}
	s->pos.st[0] = a;
	s->pos.st[1] = b;
	return p;
}

#define PHRASE_ONES		0x0101010101010101ull

/* Whether one of the 8 bytes of v is b (the classic SWAR test). */
static bool
phrase_has_byte(uint64_t v, uint8_t b)
{
	uint64_t x = v ^ (PHRASE_ONES * b);

	return ((x - PHRASE_ONES) & ~x & (PHRASE_ONES << 7)) != 0;
}

/* The first '<' or '&' from p, or end; 8 bytes at a time. */
static const uint8_t *
phrase_find_special(const uint8_t *p, const uint8_t *end)
{
	uint64_t v;

	for (; end - p >= 8; p += 8) {
		memcpy(&v, p, sizeof(v));
		if (phrase_has_byte(v, '<') || phrase_has_byte(v, '&'))
			break;
	}
	while (p < end && *p != '<' && *p != '&')
		p++;
	return p;
}

/*
 * A long run of text from p (no '<' nor '&' for a while, the views in
 * one state), scanned as two streams in one loop. A scan is bound by the
 * latency of its table lookups, each waiting for the last; two chains of
 * lookups that do not depend on each other overlap, nearly halving the
 * time a byte.
 *
 * Stream 1 reads the first half from the current state. Stream 2 starts
 * at the root (row 0), maxlen bytes before the second half. A state is
 * the longest suffix of the text read that is a prefix of a pattern, at
 * most maxlen long: so where the halves meet, stream 2 is in the state
 * stream 1 reaches there, and from there on both would read the same.
 * Unless a run of spaces, read as one, made the maxlen bytes too short:
 * so the two states are compared, and stream 2's work is thrown away if
 * they differ. Stream 1's matches are counted as they come, stream 2's
 * kept and counted after them: the hits come in text order.
 *
 * Returns where it stopped: p when the run is too short to be worth it.
 */
static const uint8_t *
phrase_scan_pair(struct phrase_scan *s, const uint8_t *p, const uint8_t *end)
{
	const struct phrase_set *ps = s->ps;
	const uint32_t outmin = ps->outmin, w = ps->maxlen;
	uint32_t later[PHRASE_PAIR_MAX];
	uint32_t a = s->pos.st[0], b = 0, bm, r1, r2;
	const uint8_t *e, *q;
	size_t h, i, n = 0;
	unsigned c1, c2;

	/* The run's end, as far as two streams of PAIR_MAX bytes go. */
	if ((size_t)(end - p) > 2 * PHRASE_PAIR_MAX)
		end = p + 2 * PHRASE_PAIR_MAX;
	e = phrase_find_special(p, end);
	if ((size_t)(e - p) < w + 2 * PHRASE_PAIR_MIN)
		return p;
	h = ((size_t)(e - p) + w) / 2;		/* > w + PAIR_MIN */
	if (h > PHRASE_PAIR_MAX)
		h = PHRASE_PAIR_MAX;
	q = p + h - w;				/* stream 2: [q, q + h) */

	for (i = 0; i < w; i++) {		/* stream 2 warms up */
		c1 = ps->bcls[p[i]];
		c2 = ps->bcls[q[i]];
		r1 = phrase_step(ps, a, c1);
		b = phrase_step(ps, b, c2);
		if (r1 >= outmin && (r1 != a || c1 != PHRASE_CLS_SPACE))
			phrase_scan_out(s, r1, PHRASE_VIEW_AB);
		a = r1;
	}
	bm = b;
	for (; i < h; i++) {
		c1 = ps->bcls[p[i]];
		c2 = ps->bcls[q[i]];
		r1 = phrase_step(ps, a, c1);
		r2 = phrase_step(ps, b, c2);
		if (r1 >= outmin && (r1 != a || c1 != PHRASE_CLS_SPACE))
			phrase_scan_out(s, r1, PHRASE_VIEW_AB);
		if (r2 >= outmin && (r2 != b || c2 != PHRASE_CLS_SPACE))
			later[n++] = r2;
		a = r1;
		b = r2;
	}
	if (a != bm) {
		/* Stream 2 began too late: stream 1 goes on alone. */
		s->pos.st[0] = s->pos.st[1] = a;
		return p + h;
	}
	for (i = 0; i < n; i++)
		phrase_scan_out(s, later[i], PHRASE_VIEW_AB);
	s->pos.st[0] = s->pos.st[1] = b;
	return q + h;
}

/*
 * Text bytes (not '<' nor '&') up to end or the next of those, whether
 * the views are in one state or not.
 */
static const uint8_t *
phrase_scan_run(struct phrase_scan *s, const uint8_t *p, const uint8_t *end)
{
	const struct phrase_set *ps = s->ps;
	const uint32_t *st = s->pos.st;
	const uint8_t *lim, *q;

	if (st[0] != st[1])
		p = phrase_scan_run2(s, p, end);
	while (p < end && st[0] == st[1]) {
		/* One stream first: most runs of text in a page are short. */
		lim = (size_t)(end - p) > PHRASE_PAIR_MIN ?
		    p + PHRASE_PAIR_MIN : end;
		p = ps->delta32 != NULL ? phrase_scan_run32(s, p, lim) :
		    phrase_scan_run16(s, p, lim);
		if (p < lim || p == end)
			break;		/* at a '<' or '&', or the end */
		if ((q = phrase_scan_pair(s, p, end)) == p)	/* short */
			p = ps->delta32 != NULL ?
			    phrase_scan_run32(s, p, end) :
			    phrase_scan_run16(s, p, end);
		else
			p = q;
	}
	return p;
}

/* Emits code point cp (from an entity) to both views. */
static void
phrase_scan_cp(struct phrase_scan *s, uint32_t cp)
{
	const uint8_t *tcls = s->ps->tcls;
	uint8_t u[4];
	size_t i, n;

	if (cp == 0 || cp == 0xa0 || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp > 0x10ffff) {
		/* nbsp is a space; what is not a character, too. */
		phrase_scan_emit(s, PHRASE_VIEW_AB, PHRASE_CLS_SPACE);
		return;
	}
	if (cp < 0x80) {
		phrase_scan_emit(s, PHRASE_VIEW_AB, tcls[phrase_norm[cp]]);
		return;
	}
	if (cp < 0x800) {
		u[0] = (uint8_t)(0xc0 | cp >> 6);
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (uint8_t)(0xe0 | cp >> 12);
		n = 3;
	} else {
		u[0] = (uint8_t)(0xf0 | cp >> 18);
		n = 4;
	}
	for (i = 1; i < n; i++)
		u[i] = (uint8_t)(0x80 | ((cp >> (6 * (n - 1 - i))) & 0x3f));
	for (i = 0; i < n; i++)
		phrase_scan_emit(s, PHRASE_VIEW_AB, tcls[u[i]]);
}

/* The buffered "&..." was not an entity: it is text. */
static void
phrase_scan_ent_flush(struct phrase_scan *s)
{
	const uint8_t *tcls = s->ps->tcls;
	uint8_t i;

	for (i = 0; i < s->pos.entlen; i++)
		phrase_scan_emit(s, PHRASE_VIEW_AB,
		    tcls[phrase_norm[(uint8_t)s->pos.ent[i]]]);
	s->pos.entlen = 0;
	s->pos.tok = PHRASE_TOK_TEXT;
}

static bool
phrase_is_digit(int c, bool hex)
{
	return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F')));
}

static bool
phrase_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * A numeric entity ends (at ';' or any other byte): emits its code point
 * (true), or its bytes as text when it has no digit (false).
 */
static bool
phrase_scan_ent_num(struct phrase_scan *s)
{
	const char *e = s->pos.ent;
	bool hex = s->pos.entlen >= 3 && (e[2] == 'x' || e[2] == 'X');
	uint8_t i = hex ? 3 : 2;
	uint32_t cp = 0, d;

	if (i >= s->pos.entlen) {
		phrase_scan_ent_flush(s);
		return false;
	}
	for (; i < s->pos.entlen; i++) {
		d = e[i] <= '9' ? (uint32_t)(e[i] - '0') :
		    (uint32_t)((e[i] | 0x20) - 'a' + 10);
		cp = cp * (hex ? 16 : 10) + d;
		if (cp > 0x10ffff)
			cp = 0x110000;	/* and stays out of range */
	}
	s->pos.entlen = 0;
	s->pos.tok = PHRASE_TOK_TEXT;
	phrase_scan_cp(s, cp);
	return true;
}

#define PHRASE_ENTITY(name, cp)	{ name, sizeof(name) - 1, cp }

static const struct {
	const char	*name;
	size_t		 len;
	uint32_t	 cp;
} phrase_entities[] = {
	PHRASE_ENTITY("amp", '&'), PHRASE_ENTITY("lt", '<'),
	PHRASE_ENTITY("gt", '>'), PHRASE_ENTITY("quot", '"'),
	PHRASE_ENTITY("apos", '\''), PHRASE_ENTITY("nbsp", 0xa0),
};

/*
 * The code point of the named entity name (len letters and digits, in
 * any case), or PHRASE_NONE.
 */
static uint32_t
phrase_entity_cp(const char *name, size_t len)
{
	char low[4];
	size_t i;

	if (len > sizeof(low))
		return PHRASE_NONE;
	for (i = 0; i < len; i++)
		low[i] = (char)(name[i] | 0x20);	/* digits stay */
	for (i = 0; i < WD_NELEM(phrase_entities); i++)
		if (phrase_entities[i].len == len &&
		    memcmp(phrase_entities[i].name, low, len) == 0)
			return phrase_entities[i].cp;
	return PHRASE_NONE;
}

/* Byte c after a '&'. false: c is not taken (the entity ended before). */
static bool
phrase_scan_ent(struct phrase_scan *s, uint8_t c)
{
	struct phrase_pos *pos = &s->pos;
	uint32_t cp;
	bool hex;

	if (pos->entlen == 1) {
		if (c != '#' && !phrase_is_alpha(c)) {
			phrase_scan_ent_flush(s);
			return false;
		}
		pos->ent[pos->entlen++] = (char)c;
		return true;
	}
	if (pos->ent[1] == '#') {
		if (pos->entlen == 2 && (c == 'x' || c == 'X')) {
			pos->ent[pos->entlen++] = (char)c;
			return true;
		}
		hex = pos->entlen >= 3 &&
		    (pos->ent[2] == 'x' || pos->ent[2] == 'X');
		if (phrase_is_digit(c, hex) &&
		    pos->entlen < PHRASE_ENT_MAX) {
			pos->ent[pos->entlen++] = (char)c;
			return true;
		}
		if (phrase_is_digit(c, hex)) {
			phrase_scan_ent_flush(s);	/* too long */
			return false;
		}
		/* "&#115;", or "&#115" ended by another byte. */
		return phrase_scan_ent_num(s) && c == ';';
	}
	if ((phrase_is_alpha(c) || phrase_is_digit(c, false)) &&
	    pos->entlen < PHRASE_ENT_MAX) {
		pos->ent[pos->entlen++] = (char)c;
		return true;
	}
	if (c == ';' && (cp = phrase_entity_cp(pos->ent + 1,
	    (size_t)pos->entlen - 1u)) != PHRASE_NONE) {
		pos->entlen = 0;
		pos->tok = PHRASE_TOK_TEXT;
		phrase_scan_cp(s, cp);
		return true;
	}
	phrase_scan_ent_flush(s);	/* unknown or unfinished: text */
	return false;
}

/* Enters a tag or comment: a space in view A, nothing in view B. */
static void
phrase_scan_tag_start(struct phrase_scan *s, enum phrase_tok tok)
{
	const struct phrase_set *ps = s->ps;
	uint32_t a = s->pos.st[0], row = phrase_step(ps, a, PHRASE_CLS_SPACE);

	/* As phrase_scan_emit(s, PHRASE_VIEW_A, PHRASE_CLS_SPACE) does. */
	if (row >= ps->outmin && row != a)
		phrase_scan_out(s, row, PHRASE_VIEW_A);
	s->pos.st[0] = row;
	s->pos.tok = (uint8_t)tok;
	s->pos.taglen = 0;
	s->pos.quote = 0;
	s->pos.dashes = 0;
	s->pos.after_eq = false;
}

/*
 * Byte c after a '<': starts a tag or comment (true), or the '<' was text
 * and c is not taken (false).
 */
static bool
phrase_scan_lt(struct phrase_scan *s, uint8_t c)
{
	if (phrase_is_alpha(c) || c == '/' || c == '?') {
		phrase_scan_tag_start(s, PHRASE_TOK_TAG);
		return true;
	}
	if (c == '!') {
		phrase_scan_tag_start(s, PHRASE_TOK_BANG);
		return true;
	}
	/* "a < b", "<3": the '<' is text. */
	phrase_scan_emit(s, PHRASE_VIEW_AB, PHRASE_CLS_SPACE);
	s->pos.tok = PHRASE_TOK_TEXT;
	return false;
}

/*
 * Byte c after a '<', "<!" or "<!-": whether it was taken. If not, it
 * belongs to the token that has just begun (text after a '<' that starts
 * no tag, a tag after "<!" or "<!-" without a dash), and is read again.
 */
static bool
phrase_scan_byte(struct phrase_scan *s, uint8_t c)
{
	struct phrase_pos *pos = &s->pos;

	if (pos->tok == PHRASE_TOK_LT)
		return phrase_scan_lt(s, c);
	/* BANG or BANG_DASH: a byte of the tag (taglen 0 or 1 before) */
	if (c != '-') {
		pos->tok = PHRASE_TOK_TAG;	/* "<!doctype", "<!-x" */
		return false;
	}
	pos->taglen++;
	pos->tok = pos->tok == PHRASE_TOK_BANG ? PHRASE_TOK_BANG_DASH :
	    PHRASE_TOK_COMMENT;
	return true;
}

/*
 * Text up to end or the next '<' or '&', and that: after a '<', the
 * byte that says whether it starts a tag too.
 */
static const uint8_t *
phrase_scan_text(struct phrase_scan *s, const uint8_t *p, const uint8_t *end)
{
	struct phrase_pos *pos = &s->pos;

	if ((p = phrase_scan_run(s, p, end)) == end)
		return p;
	if (*p++ == '&') {
		pos->tok = PHRASE_TOK_ENT;
		pos->ent[0] = '&';
		pos->entlen = 1;
		return p;
	}
	pos->tok = PHRASE_TOK_LT;
	if (p < end && phrase_scan_lt(s, *p))
		p++;
	return p;
}

/* What matters of a byte in a tag (phrase_tagbyte[]). */
#define PHRASE_TB_GT		0x01	/* '>' */
#define PHRASE_TB_EQ		0x02	/* '=' */
#define PHRASE_TB_QUOTE		0x04	/* '"' or '\'' */
#define PHRASE_TB_WS		0x08	/* phrase_is_ws() */

static const uint8_t phrase_tagbyte[256] = {
	['>'] = PHRASE_TB_GT,
	['='] = PHRASE_TB_EQ,
	['"'] = PHRASE_TB_QUOTE, ['\''] = PHRASE_TB_QUOTE,
	[' '] = PHRASE_TB_WS, ['\t'] = PHRASE_TB_WS, ['\r'] = PHRASE_TB_WS,
	['\n'] = PHRASE_TB_WS, ['\f'] = PHRASE_TB_WS, ['\v'] = PHRASE_TB_WS,
};

/*
 * Inside a tag, from p up to lim: stops after the '>' that ends it. A
 * quote after a '=' (blanks between allowed) opens a value, which ends at
 * the same quote; a '>' in there does not end the tag. A quote anywhere
 * else is a byte like any other. Values go by memchr(), the rest by a
 * table lookup a byte.
 */
static const uint8_t *
phrase_scan_tag(struct phrase_pos *pos, const uint8_t *p, const uint8_t *lim)
{
	const uint8_t *q;
	uint8_t t;

	while (p < lim) {
		if (pos->tok == PHRASE_TOK_QUOTE) {
			if ((q = memchr(p, pos->quote, (size_t)(lim - p))) ==
			    NULL)
				return lim;
			pos->tok = PHRASE_TOK_TAG;
			p = q + 1;
			continue;
		}
		if (!pos->after_eq) {
			/* Only a '>' or a '=' changes anything here. */
			while (p < lim && (phrase_tagbyte[*p] &
			    (PHRASE_TB_GT | PHRASE_TB_EQ)) == 0)
				p++;
			if (p == lim)
				break;
		}
		t = phrase_tagbyte[*p];
		if (t & PHRASE_TB_GT) {
			pos->tok = PHRASE_TOK_TEXT;
			return p + 1;
		}
		if (t & PHRASE_TB_EQ)
			pos->after_eq = true;
		else if (t & PHRASE_TB_QUOTE) {
			/* after_eq: else the loop above had not stopped */
			pos->tok = PHRASE_TOK_QUOTE;
			pos->quote = *p;
			pos->after_eq = false;
		} else if ((t & PHRASE_TB_WS) == 0)
			pos->after_eq = false;
		p++;
	}
	return p;
}

/*
 * The dashes (0, 1, 2: "two or more") just before q, of the bytes of a
 * comment from p, after dashes more before p.
 */
static uint8_t
phrase_dashes(const uint8_t *p, const uint8_t *q, uint8_t dashes)
{
	if (q - p >= 2)
		return q[-1] != '-' ? 0 : q[-2] != '-' ? 1 : 2;
	if (q - p == 1)
		return q[-1] != '-' ? 0 : dashes < 2 ? dashes + 1 : 2;
	return dashes;
}

/* In a comment: stops after the "-->" that ends it ("--->" too). */
static const uint8_t *
phrase_scan_comment(struct phrase_pos *pos, const uint8_t *p,
    const uint8_t *lim)
{
	const uint8_t *q;

	while ((q = memchr(p, '>', (size_t)(lim - p))) != NULL) {
		if (phrase_dashes(p, q, pos->dashes) >= 2) {
			pos->tok = PHRASE_TOK_TEXT;
			return q + 1;
		}
		pos->dashes = 0;	/* the '>' is not a dash */
		p = q + 1;
	}
	pos->dashes = phrase_dashes(p, lim, pos->dashes);
	return lim;
}

/*
 * Bytes of a tag, a quoted value in it or a comment, up to end: stops
 * where the token changes. Nothing in there is scanned, so the bytes that
 * cannot change the token are skipped in tight loops (memchr() for the
 * end of a value or a comment). The tag or comment may take PHRASE_TAG_MAX
 * bytes (those of phrase_scan_byte() included); the byte after those is
 * text.
 */
static const uint8_t *
phrase_scan_markup(struct phrase_scan *s, const uint8_t *p,
    const uint8_t *end)
{
	struct phrase_pos *pos = &s->pos;
	size_t room = PHRASE_TAG_MAX - pos->taglen;
	const uint8_t *lim = end, *q;

	if (pos->taglen >= PHRASE_TAG_MAX) {
		pos->tok = PHRASE_TOK_TEXT;	/* a stray '<': text again */
		return p;
	}
	if ((size_t)(end - p) > room)
		lim = p + room;
	if (pos->tok == PHRASE_TOK_COMMENT)
		q = phrase_scan_comment(pos, p, lim);
	else
		q = phrase_scan_tag(pos, p, lim);
	pos->taglen += (uint16_t)(q - p);
	return q;
}

/* Forgets what the end of the body would have added after a feed. */
static void
phrase_scan_untail(struct phrase_scan *s)
{
	size_t i;

	for (i = 0; i < s->ntail; i++) {
		s->hit[s->tails[i]].tail[0] = 0;
		s->hit[s->tails[i]].tail[1] = 0;
	}
	s->ntail = 0;
}

/*
 * What the end of the body adds, were it here: a pending entity, then
 * the final space. Counted apart; the position is left as it was.
 */
static void
phrase_scan_tail(struct phrase_scan *s)
{
	struct phrase_pos save = s->pos;

	s->tail_mode = true;
	if (s->pos.tok == PHRASE_TOK_ENT) {
		if (s->pos.entlen >= 2 && s->pos.ent[1] == '#')
			(void)phrase_scan_ent_num(s);
		else
			phrase_scan_ent_flush(s);
	}
	phrase_scan_emit(s, PHRASE_VIEW_AB, PHRASE_CLS_SPACE);
	s->tail_mode = false;
	s->pos = save;
}

/*
 * Each token has its loop, through as many bytes as it can take a call;
 * entities and what follows a '<', "<!" and "<!-" go one byte at a time.
 */
void
phrase_scan_feed(struct phrase_scan *s, const void *buf, size_t len)
{
	const uint8_t *p = buf, *end = p + len;

	if (len == 0)
		return;
	phrase_scan_untail(s);
	while (p < end) {
		switch (s->pos.tok) {
		case PHRASE_TOK_TEXT:
			p = phrase_scan_text(s, p, end);
			break;
		case PHRASE_TOK_TAG:
		case PHRASE_TOK_QUOTE:
		case PHRASE_TOK_COMMENT:
			p = phrase_scan_markup(s, p, end);
			break;
		case PHRASE_TOK_ENT:
			while (p < end && s->pos.tok == PHRASE_TOK_ENT &&
			    phrase_scan_ent(s, *p))
				p++;
			break;
		default:
			if (phrase_scan_byte(s, *p))
				p++;
			break;
		}
	}
	phrase_scan_tail(s);
}

/* ------------------------------------------------------------ results */

/* The count of a hit: the larger of its views'. */
static uint64_t
phrase_hit_count(const struct phrase_hit *h)
{
	uint64_t a = (uint64_t)h->n[0] + h->tail[0];
	uint64_t b = (uint64_t)h->n[1] + h->tail[1];

	return a > b ? a : b;
}

static uint64_t
phrase_scan_pat_count(const struct phrase_scan *s, uint32_t pat)
{
	size_t i;

	if (s->hash_cap == 0)
		return 0;
	for (i = phrase_hit_slot(pat, s->hash_cap); s->hash[i] != 0;
	    i = (i + 1) & (s->hash_cap - 1))
		if (s->hit[s->hash[i] - 1].pat == pat)
			return phrase_hit_count(&s->hit[s->hash[i] - 1]);
	return 0;
}

struct phrase_contrib {
	uint32_t	entry;
	uint64_t	count;
	long		score;
};

static long
phrase_abs(long v)
{
	return v < 0 ? -v : v;
}

/* Keeps the PHRASE_TOP largest contributions, largest first. */
static void
phrase_top_add(struct phrase_contrib *top, size_t *ntop,
    const struct phrase_contrib *c)
{
	size_t i;

	if (c->score == 0)
		return;
	for (i = *ntop; i > 0; i--)
		if (phrase_abs(top[i - 1].score) >= phrase_abs(c->score))
			break;
	if (i == PHRASE_TOP)
		return;
	if (*ntop < PHRASE_TOP)
		(*ntop)++;
	memmove(&top[i + 1], &top[i], (*ntop - 1 - i) * sizeof(*top));
	top[i] = *c;
}

/* At most max bytes of text, not cutting a UTF-8 sequence. */
static int
phrase_cut(const char *text, size_t max)
{
	size_t n = strlen(text);

	if (n <= max)
		return (int)n;
	n = max;
	while (n > 0 && ((uint8_t)text[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

static void
phrase_detail_phrase(char *d, size_t size, const char *what,
    const char *text)
{
	int n = phrase_cut(text, PHRASE_DETAIL_TEXT);

	snprintf(d, size, "%s phrase \"%.*s%s\"", what, n, text,
	    text[n] != '\0' ? "..." : "");
}

/* "casino x3 (+120), poker x2 (+40)", whole items only. */
static void
phrase_detail_top(const struct phrase_set *ps, char *d, size_t size,
    const struct phrase_contrib *top, size_t ntop)
{
	const struct phrase_entry *e;
	char item[PHRASE_DETAIL_TEXT + 64];
	size_t i, len = 0, ilen;
	const char *text;
	int n;

	d[0] = '\0';
	for (i = 0; i < ntop; i++) {
		e = &ps->ent[top[i].entry];
		text = ps->pool + e->text;
		n = phrase_cut(text, PHRASE_DETAIL_TEXT);
		if (e->nparts > 1)
			snprintf(item, sizeof(item), "%s%.*s%s (%+ld)",
			    i > 0 ? ", " : "", n, text,
			    text[n] != '\0' ? "..." : "", top[i].score);
		else
			snprintf(item, sizeof(item), "%s%.*s%s x%llu (%+ld)",
			    i > 0 ? ", " : "", n, text,
			    text[n] != '\0' ? "..." : "",
			    (unsigned long long)top[i].count, top[i].score);
		ilen = strlen(item);
		if (len + ilen >= size)
			break;
		memcpy(d + len, item, ilen + 1);
		len += ilen;
	}
}

/* v + w, held within +-LONG_MAX / 2. */
static long
phrase_add(long v, long w)
{
	const long lim = LONG_MAX / 2;

	if (w > 0 && v > lim - w)
		return lim;
	if (w < 0 && v < -lim - w)
		return -lim;
	return v + w;
}

/* Whether every part of combination e occurred. */
static bool
phrase_scan_all_parts(const struct phrase_scan *s,
    const struct phrase_entry *e)
{
	const struct phrase_set *ps = s->ps;
	unsigned i;

	for (i = 0; i < e->nparts; i++)
		if (phrase_scan_pat_count(s, ps->parts[e->parts + i]) == 0)
			return false;
	return true;
}

void
phrase_scan_result(const struct phrase_scan *s, struct phrase_result *r)
{
	const struct phrase_set *ps = s->ps;
	const struct phrase_entry *e;
	const struct phrase_ref *ref;
	const struct phrase_pat *p;
	struct phrase_contrib top[PHRASE_TOP], c;
	uint32_t banned = PHRASE_NONE, exception = PHRASE_NONE;
	size_t i, j, ntop = 0;
	uint64_t count;
	long w;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < s->nhit; i++) {
		if ((count = phrase_hit_count(&s->hit[i])) == 0)
			continue;
		p = &ps->pat[s->hit[i].pat];
		for (j = 0; j < p->nrefs; j++) {
			ref = &ps->refs[p->refs + j];
			e = &ps->ent[ref->entry];
			if ((s->lists & ((uint64_t)1 << e->list)) == 0)
				continue;
			c.entry = ref->entry;
			c.count = count;
			if (e->nparts > 1) {
				/* Once, from its first part. */
				if (ref->part != 0 ||
				    !phrase_scan_all_parts(s, e))
					continue;
				c.count = 1;
			}
			switch (e->kind) {
			case PHRASE_WEIGHTED:
				w = e->weight;
				if (c.count > (uint64_t)(LONG_MAX / 2 /
				    PHRASE_WEIGHT_MAX))
					c.count = LONG_MAX / 2 /
					    PHRASE_WEIGHT_MAX;
				c.score = (long)c.count * w;
				r->score = phrase_add(r->score, c.score);
				phrase_top_add(top, &ntop, &c);
				break;
			case PHRASE_BANNED:
				r->banned = true;
				if (banned == PHRASE_NONE)
					banned = ref->entry;
				break;
			case PHRASE_EXCEPTION:
				r->exception = true;
				if (exception == PHRASE_NONE)
					exception = ref->entry;
				break;
			}
		}
	}
	r->failed = s->oom;
	if (exception != PHRASE_NONE)
		phrase_detail_phrase(r->detail, sizeof(r->detail),
		    "exception", ps->pool + ps->ent[exception].text);
	else if (banned != PHRASE_NONE)
		phrase_detail_phrase(r->detail, sizeof(r->detail), "banned",
		    ps->pool + ps->ent[banned].text);
	else
		phrase_detail_top(ps, r->detail, sizeof(r->detail), top,
		    ntop);
	if (s->oom && r->detail[0] == '\0')
		snprintf(r->detail, sizeof(r->detail),
		    "out of memory while scanning");
}
