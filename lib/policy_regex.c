#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "policy_int.h"

/*
 * A list of regular expressions, matched against a URL with as few
 * pcre2_match() calls as possible, whatever the number of patterns:
 *
 * - A pattern that holds a literal every match must contain (two bytes
 *   or more outside any group, class or quantifier; one in each branch of
 *   a top-level alternation) is indexed by two to four bytes of it. A URL
 *   is scanned once, and only the patterns whose key occurs in it are run:
 *   up to three hash probes per byte of URL (most stopped by a Bloom
 *   filter), however many patterns there are. Running a candidate alone
 *   costs about what its share of an alternation would, so even a short
 *   key pays as soon as it rules some patterns out.
 * - The other patterns are joined into alternations of up to 255,
 *   "(?:p1)(?C1)|(?:p2)(?C2)|...", and run as one. The callout at the end
 *   of each alternative says which one matched.
 * - A pattern that cannot share an alternation (backreferences and
 *   subroutine calls count groups from the start of the whole pattern;
 *   named groups would clash; backtracking verbs such as (*COMMIT) reach
 *   past their alternative; (?x) turns the rest of the line into a
 *   comment) runs alone.
 *
 * Every pattern is compiled alone first, to check it and to report its
 * errors at its line; what runs is JIT-compiled (when PCRE2 has a JIT).
 * When several patterns match, the first in the file is reported, so a
 * decision does not depend on how the patterns were grouped. Matching is
 * byte-wise (no UTF) and caseless for ASCII.
 */

#define RX_KEYS_MAX	8		/* one key per branch */
#define RX_CHUNK_MAX	255		/* callout numbers are 1..255 */
#define RX_CHUNK_BYTES	16384		/* pattern bytes */
#define RX_BLOOM_MIN	65536u		/* bits; 16 a key */
#define RX_BLOOM_MAX	(1u << 22)
#define RX_JIT_STACK_MIN	(32 * 1024)
#define RX_JIT_STACK_MAX	(1024 * 1024)
#define RX_OPTIONS	(PCRE2_CASELESS | PCRE2_NEVER_UTF | \
			    PCRE2_NEVER_BACKSLASH_C)

struct policy_rxpat {
	const char	*src;
	uint32_t	 len;
	uint32_t	 line;
	pcre2_code	*code;		/* alone; JIT unless combined */
	uint32_t	 key[RX_KEYS_MAX];
	uint8_t		 nkeys;
	bool		 indexed;
	bool		 combined;
};

struct policy_rxchunk {
	pcre2_code	*code;
	uint32_t	*ids;		/* ascending; callout n: ids[n-1] */
	uint32_t	 n;
};

/* One key of the index: the patterns ids[start .. start + count). */
struct policy_rxslot {
	uint32_t	key;
	uint32_t	start;
	uint32_t	count;		/* 0: empty slot */
};

struct policy_rxset {
	struct policy_rxpat	*pat;
	size_t			 n, cap;
	bool			 has2, has3, has4; /* key lengths */
	uint64_t		*bloom;
	uint32_t		 bloom_shift;	/* 32 - log2(bits) */
	struct policy_rxslot	*slot;
	size_t			 mask;
	uint32_t		*ids;
	uint32_t		*alone;
	size_t			 nalone, alonecap;
	struct policy_rxchunk	*chunk;
	size_t			 nchunk, chunkcap;
};

struct policy_rxscratch {
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;
	pcre2_jit_stack		*jit;
	uint32_t		*seen;		/* gen when last tried */
	size_t			 nseen;
	uint32_t		 gen;
	bool			 recording;
	uint32_t		 callout;	/* 0: none reached */
};

/* Index keys that nearly every URL holds: chosen only when nothing else. */
static const char *const rx_common_keys[] = {
	"http", "ttp:", "tp:/", "p://", "ttps", "tps:", "ps:/", "s://",
	"www.", "/www", ".com", ".net", ".org", "html", ".htm", ".php",
	".asp",
	"htt", "ttp", "tp:", "p:/", "://", "tps", "ps:", "s:/", "www", "ww.",
	".co", "com", "htm", "tml", "php", ".ph", ".ne", "net", ".or", "org",
	"ht", "tt", "tp", "p:", ":/", "//", "ps", "s:", "ww", "w.", "/w", ".c",
	"co", "om", "m/", ".h", "ml", "ph", "hp", ".n", ".o", "or", "rg",
};

static unsigned char
rx_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static bool
rx_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static bool
rx_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* --- Reading patterns: what can share an alternation, what is literal -- */

/* Index just past the first c at or after i, or len. */
static size_t
rx_skip_to(const char *s, size_t len, size_t i, char c)
{
	while (i < len && s[i] != c)
		i++;
	return i < len ? i + 1 : len;
}

/*
 * Skips the argument of the escape letter at s[i - 1] (i is just past
 * the letter): "\x{41}", "\x41", "\p{Lu}", "\pL", "\cA", "\g{-1}",
 * "\k<name>", "\12".
 */
static size_t
rx_skip_escape_arg(const char *s, size_t len, size_t i)
{
	unsigned char e = (unsigned char)s[i - 1];
	size_t k;

	switch (e) {
	case 'x':
		if (i < len && s[i] == '{')
			return rx_skip_to(s, len, i, '}');
		for (k = 0; k < 2 && i < len &&
		    (rx_digit((unsigned char)s[i]) ||
		    (rx_lower((unsigned char)s[i]) >= 'a' &&
		    rx_lower((unsigned char)s[i]) <= 'f')); k++)
			i++;
		return i;
	case 'o':
	case 'N':
		if (i < len && s[i] == '{')
			return rx_skip_to(s, len, i, '}');
		return i;
	case 'p':
	case 'P':
		if (i < len && s[i] == '{')
			return rx_skip_to(s, len, i, '}');
		return i < len ? i + 1 : len;
	case 'c':
		return i < len ? i + 1 : len;
	case 'g':
	case 'k':
		if (i < len && s[i] == '{')
			return rx_skip_to(s, len, i, '}');
		if (i < len && s[i] == '<')
			return rx_skip_to(s, len, i + 1, '>');
		if (i < len && s[i] == '\'')
			return rx_skip_to(s, len, i + 1, '\'');
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < len && rx_digit((unsigned char)s[i]))
			i++;
		return i;
	default:
		if (rx_digit(e))
			while (i < len && rx_digit((unsigned char)s[i]))
				i++;
		return i;
	}
}

/* Skips a class whose '[' is at s[i - 1]. */
static size_t
rx_skip_class(const char *s, size_t len, size_t i)
{
	size_t end;

	if (i < len && s[i] == '^')
		i++;
	if (i < len && s[i] == ']')
		i++;
	while (i < len) {
		if (s[i] == '\\') {
			i += 2;
			continue;
		}
		if (s[i] == '[' && i + 1 < len && s[i + 1] == ':') {
			/* "[:alpha:]" holds a ']' of its own. */
			for (end = i + 2; end + 1 < len; end++)
				if (s[end] == ':' && s[end + 1] == ']')
					break;
			if (end + 1 < len) {
				i = end + 2;
				continue;
			}
		}
		if (s[i] == ']')
			return i + 1;
		i++;
	}
	return len;
}

/* Skips a group whose '(' is at s[i - 1], nested groups and all. */
static size_t
rx_skip_group(const char *s, size_t len, size_t i)
{
	unsigned depth = 1;

	if (i + 1 < len && s[i] == '?' && s[i + 1] == '#')
		return rx_skip_to(s, len, i, ')');	/* a comment */
	while (i < len) {
		switch (s[i]) {
		case '\\':
			i += 2;
			continue;
		case '[':
			i = rx_skip_class(s, len, i + 1);
			continue;
		case '(':
			if (i + 2 < len && s[i + 1] == '?' && s[i + 2] == '#') {
				i = rx_skip_to(s, len, i, ')');
				continue;
			}
			depth++;
			break;
		case ')':
			if (--depth == 0)
				return i + 1;
			break;
		default:
			break;
		}
		i++;
	}
	return len;
}

/*
 * Whether an option setting starts at s[i] (just past "(?"): letters of
 * "imnsJUar", '^' and '-', closed by ':' or ')'. The x option is refused:
 * in an alternation it would make the rest of the line a comment.
 */
static bool
rx_plain_options(const char *s, size_t len, size_t i)
{
	for (; i < len; i++) {
		if (s[i] == ':' || s[i] == ')')
			return true;
		if (s[i] == '\0' || strchr("imnsJUar^-", s[i]) == NULL)
			return false;
	}
	return false;
}

/*
 * Whether the pattern means the same inside "(?:...)" next to others:
 * no backreference or subroutine call (\1, \g, \k, (?1), (?R), (?&n),
 * (?P=n), (?(1)...)), no named group, no verb ((*COMMIT), (*ACCEPT),
 * (*UTF)...), no callout, no (?x), no \Q...\E. Errs on the safe side: a
 * class such as "[(*]" also keeps its pattern alone.
 */
static bool
rx_combinable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\') {
			if (i + 1 < len && s[i + 1] != '\0' &&
			    strchr("123456789gkQ", s[i + 1]) != NULL)
				return false;
			i++;
			continue;
		}
		if (s[i] != '(' || i + 1 >= len)
			continue;
		if (s[i + 1] == '*')
			return false;
		if (s[i + 1] != '?')
			continue;
		if (i + 2 >= len)
			return false;
		switch (s[i + 2]) {
		case ':':
		case '=':
		case '!':
		case '>':
		case '|':
			break;
		case '#':
			i = rx_skip_to(s, len, i, ')') - 1;
			break;
		case '<':
			if (i + 3 >= len ||
			    (s[i + 3] != '=' && s[i + 3] != '!'))
				return false;	/* a named group */
			break;
		default:
			if (!rx_plain_options(s, len, i + 2))
				return false;
			break;
		}
	}
	return true;
}

/* Whether an option setting turns on x ("(?x)", "(?ix:", "(?xx)"). */
static bool
rx_x_option(const char *s, size_t len)
{
	size_t i, j;
	bool x;

	for (i = 0; i + 2 < len; i++) {
		if (s[i] != '(' || s[i + 1] != '?')
			continue;
		x = false;
		for (j = i + 2; j < len && s[j] != '\0' &&
		    strchr("imnsJUxar^-", s[j]) != NULL; j++)
			x |= s[j] == 'x';
		if (x && j < len && (s[j] == ':' || s[j] == ')'))
			return true;
	}
	return false;
}

/*
 * How good an index key is: four bytes beat three, letters are rarer in
 * URLs than digits, and digits than punctuation; what nearly every URL
 * holds comes last.
 */
static int
rx_key_score(uint32_t g, size_t n)
{
	char b[4];
	size_t i;
	int score = n == 4 ? 100 : n == 3 ? 50 : 0;

	for (i = 0; i < n; i++) {
		b[i] = (char)(g >> (8 * (n - 1 - i)));
		if (b[i] >= 'a' && b[i] <= 'z')
			score += 2;
		else if (rx_digit((unsigned char)b[i]))
			score += 1;
	}
	for (i = 0; i < WD_NELEM(rx_common_keys); i++)
		if (strlen(rx_common_keys[i]) == n &&
		    memcmp(b, rx_common_keys[i], n) == 0)
			return score - 200;
	return score;
}

/*
 * The literal being read. A key is two to four of its bytes (the longest
 * and rarest found), kept in a word: a shorter key has zero top bytes,
 * which a longer one never has (a literal byte is printable).
 */
struct rx_run {
	uint32_t	g;
	size_t		len;
	int		pending;	/* a quantifier may take it */
	bool		found;
	int		best_score;
	uint32_t	best;
};

static void
rx_run_consider(struct rx_run *r, uint32_t key, size_t n)
{
	int score;

	score = rx_key_score(key, n);
	if (!r->found || score > r->best_score) {
		r->found = true;
		r->best_score = score;
		r->best = key;
	}
}

static void
rx_run_confirm(struct rx_run *r)
{
	if (r->pending == -1)
		return;
	r->g = (r->g << 8) | rx_lower((unsigned char)r->pending);
	r->pending = -1;
	r->len++;
	if (r->len >= 2)
		rx_run_consider(r, r->g & 0xffff, 2);
	if (r->len >= 3)
		rx_run_consider(r, r->g & 0xffffff, 3);
	if (r->len >= 4)
		rx_run_consider(r, r->g, 4);
}

static void
rx_run_end(struct rx_run *r, bool keep_pending)
{
	if (keep_pending)
		rx_run_confirm(r);
	r->pending = -1;
	r->len = 0;
	r->g = 0;
}

/*
 * Finds keys for the index: three or four bytes of a literal that every
 * match of the pattern contains, one for each branch of a top-level
 * alternation. Only the top level is read (groups and classes end a
 * literal; a quantifier takes its byte away from it), and a verb, \Q or
 * (?x) anywhere means no key. A key that is not truly required would lose
 * matches, so every doubt ends the literal.
 */
static bool
rx_literal_keys(const char *s, size_t len, uint32_t *keys, uint8_t *nkeys)
{
	struct rx_run r = { 0, 0, -1, false, 0, 0 };
	unsigned char c;
	size_t i = 0, k;

	*nkeys = 0;
	if (memmem(s, len, "(*", 2) != NULL ||
	    memmem(s, len, "\\Q", 2) != NULL || rx_x_option(s, len))
		return false;
	for (;;) {
		c = i < len ? (unsigned char)s[i++] : '\0';
		switch (c) {
		case '\0':
		case '|':
			/* The end of a branch: it must have a key. */
			rx_run_end(&r, true);
			if (!r.found || *nkeys == RX_KEYS_MAX)
				return false;
			keys[(*nkeys)++] = r.best;
			if (c == '\0')
				return true;
			r.found = false;
			break;
		case '\\':
			if (i >= len)
				return false;
			c = (unsigned char)s[i++];
			if (c < 0x80 && !rx_alnum(c)) {
				rx_run_confirm(&r);
				r.pending = c;
				break;
			}
			rx_run_end(&r, true);
			i = rx_skip_escape_arg(s, len, i);
			break;
		case '(':
			rx_run_end(&r, true);
			i = rx_skip_group(s, len, i);
			break;
		case '[':
			rx_run_end(&r, true);
			i = rx_skip_class(s, len, i);
			break;
		case '{':
			/* "{2,5}" is a quantifier, its digits no literal. */
			rx_run_end(&r, false);
			k = i + strspn(s + i, "0123456789, \t");
			if (k < len && s[k] == '}')
				i = k + 1;
			break;
		case '?':
		case '*':
		case '+':
			rx_run_end(&r, false);
			break;
		case '.':
		case '^':
		case '$':
		case ')':
		case ']':
		case '}':
			rx_run_end(&r, true);
			break;
		default:
			if (c >= 0x80 || c < 0x20) {
				rx_run_end(&r, true);
				break;
			}
			rx_run_confirm(&r);
			r.pending = c;
			break;
		}
	}
}

/* --- Building ------------------------------------------------------------ */

struct policy_rxset *
policy_regex_new(void)
{
	return calloc(1, sizeof(struct policy_rxset));
}

size_t
policy_regex_count(const struct policy_rxset *rs)
{
	return rs->n;
}

static void
rx_message(int code, char *buf, size_t len)
{
	if (pcre2_get_error_message(code, (PCRE2_UCHAR *)buf, len) < 0)
		snprintf(buf, len, "PCRE2 error %d", code);
}

int
policy_regex_add(struct policy_rxset *rs, struct policy_arena *a,
    const char *pat, size_t len, unsigned line, struct werr *err)
{
	struct policy_rxpat *p;
	PCRE2_SIZE off;
	pcre2_code *code;
	char msg[200];
	int code_err;

	if (rs->n >= UINT32_MAX - 1 || len > UINT32_MAX)
		return werr_set(err, "too many patterns");
	code = pcre2_compile((PCRE2_SPTR)pat, len, RX_OPTIONS, &code_err, &off,
	    NULL);
	if (code == NULL) {
		rx_message(code_err, msg, sizeof(msg));
		return werr_set(err, "%s at offset %zu", msg, (size_t)off);
	}
	if (policy_grow(&rs->pat, &rs->cap, rs->n, sizeof(*p)) == -1) {
		pcre2_code_free(code);
		return werr_set(err, "out of memory");
	}
	p = &rs->pat[rs->n];
	memset(p, 0, sizeof(*p));
	p->src = policy_arena_strdup(a, pat, len);
	if (p->src == NULL) {
		pcre2_code_free(code);
		return werr_set(err, "out of memory");
	}
	p->len = (uint32_t)len;
	p->line = line;
	p->code = code;
	rs->n++;
	return 0;
}

static void
rx_jit(pcre2_code *code)
{
	/* Without a JIT (or its memory) the interpreter still answers. */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
}

static uint32_t
rx_slot_home(uint32_t g, size_t mask)
{
	return (uint32_t)(((uint64_t)g * 0x9e3779b97f4a7c15ULL) >> 32) &
	    (uint32_t)mask;
}

static uint32_t
rx_bloom_bit(const struct policy_rxset *rs, uint32_t g)
{
	return (g * 2654435761u) >> rs->bloom_shift;
}

static int
rx_id_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static int
rx_pair_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* The index over the patterns with keys: key -> ascending ids. */
static int
rx_build_index(struct policy_rxset *rs)
{
	struct policy_rxslot *sl;
	uint64_t *pairs;
	size_t i, k, n = 0, m, nkeys = 0, slots, bits;
	uint32_t g, j, bit;

	for (i = 0; i < rs->n; i++)
		n += rs->pat[i].indexed ? rs->pat[i].nkeys : 0;
	if (n == 0)
		return 0;
	/* (key, id) in one word: sorted by key, then by id. */
	for (bits = RX_BLOOM_MIN, rs->bloom_shift = 16;
	    bits < n * 16 && bits < RX_BLOOM_MAX; bits *= 2)
		rs->bloom_shift--;
	pairs = malloc(n * sizeof(*pairs));
	rs->ids = malloc(n * sizeof(*rs->ids));
	rs->bloom = calloc(bits / 64, sizeof(*rs->bloom));
	if (pairs == NULL || rs->ids == NULL || rs->bloom == NULL) {
		free(pairs);
		return -1;
	}
	for (i = 0, n = 0; i < rs->n; i++)
		for (k = 0; rs->pat[i].indexed && k < rs->pat[i].nkeys; k++)
			pairs[n++] = (uint64_t)rs->pat[i].key[k] << 32 | i;
	qsort(pairs, n, sizeof(*pairs), rx_pair_cmp);
	for (i = 0, m = 0; i < n; i++) {
		if (m > 0 && pairs[i] == pairs[m - 1])
			continue;	/* two branches, one key */
		if (m == 0 || pairs[i] >> 32 != pairs[m - 1] >> 32)
			nkeys++;
		pairs[m++] = pairs[i];
	}
	n = m;
	for (slots = 16; slots < nkeys * 2; slots *= 2)
		;
	rs->slot = calloc(slots, sizeof(*rs->slot));
	if (rs->slot == NULL) {
		free(pairs);
		return -1;
	}
	rs->mask = slots - 1;
	for (i = 0; i < n; i++) {
		rs->ids[i] = (uint32_t)pairs[i];
		g = (uint32_t)(pairs[i] >> 32);
		if (i > 0 && pairs[i - 1] >> 32 == g)
			continue;
		bit = rx_bloom_bit(rs, g);
		rs->bloom[bit / 64] |= 1ULL << (bit % 64);
		if ((g >> 16) == 0)
			rs->has2 = true;
		else if ((g >> 24) == 0)
			rs->has3 = true;
		else
			rs->has4 = true;
		for (j = rx_slot_home(g, rs->mask); rs->slot[j].count != 0;
		    j = (j + 1) & (uint32_t)rs->mask)
			;
		sl = &rs->slot[j];
		sl->key = g;
		sl->start = (uint32_t)i;
		while (i + sl->count < n && pairs[i + sl->count] >> 32 == g)
			sl->count++;
	}
	free(pairs);
	return 0;
}

static int
rx_add_alone(struct policy_rxset *rs, uint32_t id)
{
	if (policy_grow(&rs->alone, &rs->alonecap, rs->nalone,
	    sizeof(*rs->alone)) == -1)
		return -1;
	rs->alone[rs->nalone++] = id;
	rs->pat[id].combined = false;
	rx_jit(rs->pat[id].code);
	return 0;
}

static int
rx_count_callout(pcre2_callout_enumerate_block *b WD_UNUSED, void *arg)
{
	(*(uint32_t *)arg)++;
	return 0;
}

/*
 * Joins the patterns ids[0 .. n) into one alternation; halves the set
 * when PCRE2 refuses it (too large) or when it does not hold one callout
 * per pattern, and lets a pattern that fails even alone run alone.
 */
static int
rx_build_chunk(struct policy_rxset *rs, const uint32_t *ids, uint32_t n)
{
	struct policy_rxchunk *c;
	const struct policy_rxpat *p;
	pcre2_code *code;
	PCRE2_SIZE off;
	uint32_t i, ncallouts = 0;
	size_t size = 0, o = 0;
	char *buf;
	int code_err;

	if (n == 1)
		return rx_add_alone(rs, ids[0]);
	for (i = 0; i < n; i++)
		size += rs->pat[ids[i]].len + 16;
	buf = malloc(size);
	if (buf == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		p = &rs->pat[ids[i]];
		o += (size_t)snprintf(buf + o, size - o, "%s(?:%.*s)(?C%u)",
		    i > 0 ? "|" : "", (int)p->len, p->src, i + 1);
	}
	code = pcre2_compile((PCRE2_SPTR)buf, o, RX_OPTIONS, &code_err, &off,
	    NULL);
	free(buf);
	if (code != NULL &&
	    (pcre2_callout_enumerate(code, rx_count_callout, &ncallouts) != 0 ||
	    ncallouts != n)) {
		pcre2_code_free(code);
		code = NULL;
	}
	if (code == NULL)
		return rx_build_chunk(rs, ids, n / 2) == -1 ? -1 :
		    rx_build_chunk(rs, ids + n / 2, n - n / 2);
	rx_jit(code);
	if (policy_grow(&rs->chunk, &rs->chunkcap, rs->nchunk,
	    sizeof(*c)) == -1) {
		pcre2_code_free(code);
		return -1;
	}
	c = &rs->chunk[rs->nchunk];
	c->ids = malloc(n * sizeof(*c->ids));
	if (c->ids == NULL) {
		pcre2_code_free(code);
		return -1;
	}
	memcpy(c->ids, ids, n * sizeof(*ids));
	c->n = n;
	c->code = code;
	rs->nchunk++;
	return 0;
}

int
policy_regex_build(struct policy_rxset *rs, struct werr *err)
{
	struct policy_rxpat *p;
	uint32_t *comb = NULL;
	size_t i, ncomb = 0, start, bytes;

	comb = malloc((rs->n + 1) * sizeof(*comb));
	if (comb == NULL)
		return werr_set(err, "out of memory");
	for (i = 0; i < rs->n; i++) {
		p = &rs->pat[i];
		if (rx_literal_keys(p->src, p->len, p->key, &p->nkeys)) {
			p->indexed = true;
			rx_jit(p->code);
		} else if (rx_combinable(p->src, p->len)) {
			p->combined = true;
			comb[ncomb++] = (uint32_t)i;
		} else if (rx_add_alone(rs, (uint32_t)i) == -1)
			goto oom;
	}
	if (rx_build_index(rs) == -1)
		goto oom;
	for (start = 0; start < ncomb; start = i) {
		bytes = 0;
		for (i = start; i < ncomb && i - start < RX_CHUNK_MAX &&
		    (bytes == 0 || bytes + rs->pat[comb[i]].len <=
		    RX_CHUNK_BYTES); i++)
			bytes += rs->pat[comb[i]].len + 16;
		if (rx_build_chunk(rs, comb + start, (uint32_t)(i - start)) ==
		    -1)
			goto oom;
	}
	free(comb);
	/* Chunks PCRE2 refused add to it out of order. */
	if (rs->nalone > 1)
		qsort(rs->alone, rs->nalone, sizeof(*rs->alone), rx_id_cmp);
	return 0;
oom:
	free(comb);
	return werr_set(err, "out of memory");
}

void
policy_regex_free(struct policy_rxset *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++)
		pcre2_code_free(rs->pat[i].code);
	for (i = 0; i < rs->nchunk; i++) {
		pcre2_code_free(rs->chunk[i].code);
		free(rs->chunk[i].ids);
	}
	free(rs->chunk);
	free(rs->pat);
	free(rs->bloom);
	free(rs->slot);
	free(rs->ids);
	free(rs->alone);
	free(rs);
}

/* --- Matching ------------------------------------------------------------ */

static int
rx_callout(pcre2_callout_block *b, void *arg)
{
	struct policy_rxscratch *rx = arg;

	/* Our own numbered callouts only: alone, a pattern keeps its own. */
	if (rx->recording && rx->callout == 0)
		rx->callout = b->callout_number;
	return 0;
}

struct policy_rxscratch *
policy_regex_scratch_new(void)
{
	struct policy_rxscratch *rx;

	rx = calloc(1, sizeof(*rx));
	if (rx == NULL)
		return NULL;
	rx->md = pcre2_match_data_create(1, NULL);
	rx->mctx = pcre2_match_context_create(NULL);
	rx->jit = pcre2_jit_stack_create(RX_JIT_STACK_MIN, RX_JIT_STACK_MAX,
	    NULL);
	if (rx->md == NULL || rx->mctx == NULL) {
		policy_regex_scratch_free(rx);
		return NULL;
	}
	if (rx->jit != NULL)
		pcre2_jit_stack_assign(rx->mctx, NULL, rx->jit);
	pcre2_set_callout(rx->mctx, rx_callout, rx);
	return rx;
}

void
policy_regex_scratch_free(struct policy_rxscratch *rx)
{
	if (rx == NULL)
		return;
	pcre2_match_data_free(rx->md);
	pcre2_match_context_free(rx->mctx);
	pcre2_jit_stack_free(rx->jit);
	free(rx->seen);
	free(rx);
}

/* 1, 0, or -1 with err "LINE: why" (the match limit, memory). */
static int
rx_run(const struct policy_rxset *rs, pcre2_code *code, uint32_t id,
    const char *subj, size_t len, struct policy_rxscratch *rx,
    struct werr *err)
{
	char msg[200];
	int rc;

	rc = pcre2_match(code, (PCRE2_SPTR)subj, len, 0, 0, rx->md, rx->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	rx_message(rc, msg, sizeof(msg));
	return werr_set(err, "%u: %s", rs->pat[id].line, msg);
}

/* Runs the patterns of key g not tried yet, below *best, in file order. */
static int
rx_probe(const struct policy_rxset *rs, uint32_t g, const char *subj,
    size_t len, struct policy_rxscratch *rx, uint32_t *best,
    struct werr *err)
{
	const struct policy_rxslot *sl;
	uint32_t j, k, id, bit;
	int rc;

	bit = rx_bloom_bit(rs, g);
	if ((rs->bloom[bit / 64] & (1ULL << (bit % 64))) == 0)
		return 0;
	for (j = rx_slot_home(g, rs->mask); rs->slot[j].count != 0;
	    j = (j + 1) & (uint32_t)rs->mask)
		if (rs->slot[j].key == g)
			break;
	sl = &rs->slot[j];
	for (k = 0; k < sl->count; k++) {
		id = rs->ids[sl->start + k];
		if (id >= *best)
			break;
		if (rx->seen[id] == rx->gen)
			continue;
		rx->seen[id] = rx->gen;
		rc = rx_run(rs, rs->pat[id].code, id, subj, len, rx, err);
		if (rc == -1)
			return -1;
		if (rc == 1) {
			*best = id;
			break;
		}
	}
	return 0;
}

/*
 * The first pattern in file order the index leads to that matches: every
 * three and four bytes of the subject, lower-cased, are looked up.
 */
static int
rx_match_indexed(const struct policy_rxset *rs, const char *subj,
    size_t len, struct policy_rxscratch *rx, uint32_t *best,
    struct werr *err)
{
	uint32_t g = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		g = (g << 8) | rx_lower((unsigned char)subj[i]);
		if (rs->has2 && i >= 1 && rx_probe(rs, g & 0xffff, subj, len,
		    rx, best, err) == -1)
			return -1;
		if (rs->has3 && i >= 2 && rx_probe(rs, g & 0xffffff, subj,
		    len, rx, best, err) == -1)
			return -1;
		if (rs->has4 && i >= 3 && rx_probe(rs, g, subj, len, rx, best,
		    err) == -1)
			return -1;
	}
	return 0;
}

static int
rx_match_chunks(const struct policy_rxset *rs, const char *subj,
    size_t len, struct policy_rxscratch *rx, uint32_t *best,
    struct werr *err)
{
	const struct policy_rxchunk *c;
	uint32_t hit, k;
	size_t i;
	int rc;

	for (i = 0; i < rs->nchunk; i++) {
		c = &rs->chunk[i];
		if (c->ids[0] >= *best)
			break;
		rx->recording = true;
		rx->callout = 0;
		rc = rx_run(rs, c->code, c->ids[0], subj, len, rx, err);
		rx->recording = false;
		if (rc == -1)
			return -1;
		if (rc == 0)
			continue;
		hit = rx->callout > 0 && rx->callout <= c->n ?
		    c->ids[rx->callout - 1] : UINT32_MAX;
		/*
		 * The alternation reports the pattern that matched leftmost;
		 * an earlier line of the same chunk may match further right.
		 */
		for (k = 0; k < c->n && c->ids[k] < hit && c->ids[k] < *best;
		    k++) {
			rc = rx_run(rs, rs->pat[c->ids[k]].code, c->ids[k],
			    subj, len, rx, err);
			if (rc == -1)
				return -1;
			if (rc == 1) {
				hit = c->ids[k];
				break;
			}
		}
		if (hit == UINT32_MAX)
			continue;	/* none agrees alone */
		if (hit < *best)
			*best = hit;
		break;
	}
	return 0;
}

int
policy_regex_match(const struct policy_rxset *rs, const char *subj,
    size_t len, struct policy_rxscratch *rx, struct policy_rxhit *hit,
    struct werr *err)
{
	uint32_t best = UINT32_MAX, *seen;
	size_t i;
	int rc;

	if (rs->n == 0)
		return 0;
	if (rs->bloom != NULL) {
		if (rx->nseen < rs->n) {
			seen = realloc(rx->seen, rs->n * sizeof(*seen));
			if (seen == NULL)
				return werr_set(err, "0: out of memory");
			memset(seen, 0, rs->n * sizeof(*seen));
			rx->seen = seen;
			rx->nseen = rs->n;
			rx->gen = 0;
		}
		if (++rx->gen == 0) {
			memset(rx->seen, 0, rx->nseen * sizeof(*rx->seen));
			rx->gen = 1;
		}
		if (rx_match_indexed(rs, subj, len, rx, &best, err) == -1)
			return -1;
	}
	for (i = 0; i < rs->nalone && rs->alone[i] < best; i++) {
		rc = rx_run(rs, rs->pat[rs->alone[i]].code, rs->alone[i], subj,
		    len, rx, err);
		if (rc == -1)
			return -1;
		if (rc == 1) {
			best = rs->alone[i];
			break;
		}
	}
	if (rx_match_chunks(rs, subj, len, rx, &best, err) == -1)
		return -1;
	if (best == UINT32_MAX)
		return 0;
	hit->src = rs->pat[best].src;
	hit->line = rs->pat[best].line;
	return 1;
}
