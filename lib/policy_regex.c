#include <limits.h>
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
 * - A pattern is indexed when some set of literals can be shown to hold
 *   one that every match contains: a literal outside any group, the
 *   alternatives of a group every match goes through
 *   ("(^|[-./_])(cocaine|trojan)s?" has "cocaine" or "trojan"), one per
 *   branch of a top-level alternation. The reader below knows the syntax
 *   URL lists use, and whatever it cannot prove required (an optional
 *   piece, a lookaround, a construct it does not know) gives no key. Each
 *   literal gives its rarest window of two to four bytes, rarity being a
 *   static model of byte pairs in URLs, and the pattern takes the rarest
 *   set. A URL is scanned once for each length of key (one Bloom filter
 *   probe a byte, each filter sized by its own keys), and only the
 *   patterns whose key occurs in it are candidates.
 * - A candidate of one branch may need more: the other required sets its
 *   reading found ("nuderock" is keyed by "rock" and needs "nude"), and
 *   what the strings holding its key hold besides ("violence" keyed by
 *   "viol" needs "ence"). A signature of the URL (the pairs of adjacent
 *   bytes it holds), made when the first such candidate comes, rules out
 *   most that lack one without running PCRE2. The keys the filters let
 *   through are looked up in batches, so that the index's cache misses
 *   overlap.
 * - A pattern may also need a run of digits or letters
 *   ("/[a-z]{5}[0-9]{9}/": nine digits in a row, right after five
 *   letters); the URL's runs, counted once, rule out candidates, patterns
 *   run alone and whole alternations (see rx_read_runs()).
 * - The other patterns are joined into alternations of up to 255,
 *   "(?:p1)(?C1)|(?:p2)(?C2)|...", and run as one; patterns that start
 *   alike (anchored, or with the same first bytes) are joined together, so
 *   that PCRE2 keeps its start-of-match optimisations, and among those,
 *   patterns that need alike runs. The callout at the end of each
 *   alternative says which one matched.
 * - A pattern that cannot share an alternation (backreferences and
 *   subroutine calls count groups from the start of the whole pattern;
 *   named groups would clash; backtracking verbs such as (*COMMIT) reach
 *   past their alternative; (?x) turns the rest of the line into a
 *   comment) and has no key runs alone.
 *
 * Every pattern is compiled alone first, to check it and to report its
 * errors at its line; what runs is JIT-compiled (when PCRE2 has a JIT).
 * When several patterns match, the first in the file is reported, so a
 * decision does not depend on how the patterns were grouped. Matching is
 * byte-wise (no UTF) and caseless for ASCII: keys are lower-cased, and so
 * is the URL as it is scanned. tests/unit/test_policy_regex.c checks all
 * this against one pcre2_match() per pattern.
 */

#define RX_KEYS_MAX	128		/* one key per alternative */
#define RX_NEED_SETS	3		/* more sets a candidate needs */
#define RX_RUNS		4		/* classes of runs, rx_read_runs() */
#define RX_RUNREQ	8		/* what a pattern needs of them */
#define RX_TRIED_MAX	32		/* candidates not run twice */
#define RX_NEED_KEYS	8		/* keys of one */
#define RX_CHUNK_MAX	255		/* callout numbers are 1..255 */
#define RX_CHUNK_BYTES	16384		/* pattern bytes */
#define RX_KIND_MIN	8		/* patterns that start alike */
#define RX_SIG_CODES	32		/* codes of bytes in the signature */
_Static_assert(POLICY_RXSIG_WORDS * 64 == RX_SIG_CODES * RX_SIG_CODES,
    "the signature's size: a bit for each pair of codes");
_Static_assert(POLICY_RXRUNS == RX_RUNS, "the classes of runs");
_Static_assert(POLICY_RXSTAIR == 16, "rx_runs_ok()'s cap of a run");
#define RX_JIT_STACK_MIN	(32 * 1024)
#define RX_JIT_STACK_MAX	(1024 * 1024)
#define RX_OPTIONS	(PCRE2_CASELESS | PCRE2_NEVER_UTF | \
			    PCRE2_NEVER_BACKSLASH_C)

struct policy_rxpat {
	const char	*src;
	uint32_t	 len;
	uint32_t	 line;
	pcre2_code	*code;		/* alone; JIT unless combined */
	uint32_t	*key;		/* nkeys keys, then need's, then
					   each key's own (kneed) */
	uint8_t		 run[RX_RUNREQ]; /* rx_read_runs() */
	uint16_t	 nkeys;
	uint8_t		 need[RX_NEED_SETS]; /* sizes of more sets */
	bool		 indexed;
	bool		 combined;
};

struct policy_rxchunk {
	pcre2_code	*code;
	uint32_t	*ids;		/* ascending; callout n: ids[n-1] */
	uint32_t	 n;
	uint8_t		 run[RX_RUNREQ]; /* the least of its patterns' */
};

/*
 * What a subject's walk over the chunks reads of each, side by side: 12
 * bytes a chunk, so that the walk costs a cache line or two rather than
 * two lines a chunk (the chunk and its ids).
 */
struct policy_rxchead {
	uint32_t	first;		/* ids[0] */
	uint8_t		run[RX_RUNREQ];
};

/*
 * A pattern under a key of the index, with what the subject's signature
 * must show before it runs: need[k], the signature's code (rx_sig_key())
 * of the one key of its k-th other set (RX_NEED_NONE: no such set); and
 * its sets of several keys, any one of which will do, at slow in the
 * set's slowbits (RX_SLOW_NONE: none): for each, the count of keys and
 * their codes, then a 0. All of it at hand, so that ruling a candidate
 * out reads neither the pattern nor its keys.
 */
#define RX_NEED_NONE	UINT32_MAX
#define RX_SLOW_NONE	UINT32_MAX
struct policy_rxent {
	uint32_t	id;
	uint32_t	slow;
	uint32_t	need[RX_NEED_SETS];
	uint8_t		run[RX_RUNREQ];	/* the pattern's, at hand */
};

/* One key of the index: the patterns ent[start .. start + count). */
struct policy_rxslot {
	uint32_t	key;
	uint32_t	start;
	uint32_t	count;		/* 0: empty slot */
};

struct policy_rxset {
	struct policy_rxpat	*pat;
	size_t			 n, cap;
	/*
	 * A Bloom filter for each length of key, 2 to 4 bytes: NULL when
	 * no key has that length. Each is sized by its own keys, so that a
	 * short list, or the few keys of a rare length, cost a request a
	 * cache line or two rather than a big table's worth. A key sets two
	 * bits of one word: one memory access a probe.
	 */
	struct policy_bloom	 bloom[3];
	/* A byte of the subject lower-cased if some key holds it, else 0. */
	uint8_t			 keybyte[256];
	/*
	 * A byte's code in the signature (rx_sig_codes()): 0 for a byte no
	 * key the signature is asked about holds.
	 */
	uint8_t			 sigcode[256];
	struct policy_rxslot	*slot;
	size_t			 mask;
	struct policy_rxent	*ent;
	uint32_t		*slowbits;	/* policy_rxent's slow */
	size_t			 nslowbits, slowbitscap;
	uint32_t		*alone;
	size_t			 nalone, alonecap;
	struct policy_rxchunk	*chunk;
	struct policy_rxchead	*chead;		/* nchunk, by first */
	size_t			 nchunk, chunkcap;
};

struct policy_rxscratch {
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;
	pcre2_jit_stack		*jit;
	uint32_t		 tried[RX_TRIED_MAX]; /* for this subject */
	unsigned		 ntried;
	struct policy_rxsubj	*sf;		/* the subject's, or own */
	struct policy_rxsubj	 own;
	bool			 recording;
	uint32_t		 callout;	/* 0: none reached */
};

/*
 * What nearly every URL holds, or very many do: the scheme, common host
 * and file name parts, and the words of web plumbing (WordPress's
 * "/wp-content/uploads/", "?utm_source="...). Every window of these is
 * taken as found everywhere: a key only when nothing else is.
 */
static const char *const rx_common[] = {
	"https://www.", "http://", ".com/", ".net/", ".org/", ".html",
	".php", ".aspx", ".jsp", ".cgi", ".json", ".xml", ".css", ".js",
	".min.", ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".pdf",
	"/wp-content/uploads/", "/wp-includes/", "/wp-admin/", "download",
	"upload", "/static/", "/assets/", "/images/", "/image/", "/img/",
	"/media/", "/video/", "/photos/", "/thumb", "/index.", "default",
	"/search?q=", "query=", "/api/v1/", "/api/v2/", "format=json", "?id=",
	"&page=", "utm_source=", "utm_medium=", "utm_campaign=", "/login",
	"/account", "/user/", "/profile", "/category/", "/product",
	"/article", "/news/", "/blog/", "/post/", "/page/", "/home", "/forum",
	"/topic", "/comment", "/share", "facebook", "google", "twitter",
	"youtube", "amazon", "analytics", "tracking", "/click", "redirect",
	"online", "mobile", "/store", "/shop", "/cart", "/about", "/contact",
	"privacy", "/terms", "script", "/style", "jquery", "plugin",
	"/theme", "template", "/feed", "/files/", "/public/", "/cache/",
	"/admin/", "/tag/", "width=", "height=", "lang=", "version", "/wiki/",
	"/watch?v=", "/en/", "/fr/", "/de/", "cdn.", "static.", "img.",
	"api.", "mail.", "news.", "blog.", "shop.", "media.", "secure.",
	"forum.", "app.",
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
 * How rare a key is in URLs: -log2 of its estimated chance at a given
 * place of a URL, from a first-order Markov model over 36 symbols
 * (letters, a digit, ". / - _ = ? & :", anything else), in whole bits.
 * The counts were of 94,000 distinct URLs (those in Debian's
 * documentation) and the words of 3,000 manual pages; a digit costs
 * log2(10) more than its symbol, "anything else" about 2. Only the order
 * matters: it tells "oinh" (24 bits) from "coin" (17) in "coinhive", and
 * "egau" from "mega" (which "omega" holds) in "megaupload".
 */
#define RX_SYMS		36
static const char rx_syms[] = "abcdefghijklmnopqrstuvwxyz0./-_=?&:";
static const char rx_bits_first[] =
    "5655465547855445b54458897a4545bccf7c";
static const char *const rx_bits_next[RX_SYMS] = {
	"7545874a4d8353b5b35366a87a488beffffe",	/* a */
	"576737ab58d4a85bb77a4ffb69316bdffffe",	/* b */
	"485738755d64ac19d57469ee7e4a8acdfffd",	/* c */
	"5776079a5da89857d7697abdae499ab7fefc",	/* d */
	"5744666a93956497833497767a5839acfffd",	/* e */
	"456655cd2fd35c3bb5965efd5f399abeeffe",	/* f */
	"7a4a4b761e968669a5474ccdb78648b9cfed",	/* g */
	"4cca2edd4fbb9b5af8b22fef9b99bcedefff",	/* h */
	"6655555ede946346d632a6f9f7ea8aef8fff",	/* i */
	"7ccc3ddeafbedf66ce0d9f9fffdefeffffff",	/* j */
	"4878175a4bb55778a7443b9a89a779beeeeb",	/* k */
	"3bb63abc3fb2a934d95559ae5db839bdadfa",	/* l */
	"37c93dce2ed62b54ec776dde7fc92cdeffff",	/* m */
	"4c54464969968719da4367ed8da889befffe",	/* n */
	"8862a57d86962376e36646699bea9bffffff",	/* o */
	"5c973b955d959946f31539ed7fb88bccbf6f",	/* p */
	"9ba7aaacabe4bac8b9880cbcda9779e8bceb",	/* q */
	"4756264c3e675638d544558e5fa88abefffe",	/* r */
	"7c693a965f67a755a9435aad7ed629bedf2c",	/* s */
	"5b8b39c24fd77a43f6638d8c7ec948cefffe",	/* t */
	"72745a5f6fc35495f444d8f8f7e7bcffffff",	/* u */
	"2d9c2b8c2fe96966fb9a7dcbff487bccffff",	/* v */
	"3aaa4c931fa5a63bf658bc3cbd94a95bdefb",	/* w */
	"3a5749a93ca96782b8838bb75975378fccdc",	/* x */
	"57655a7937b54433b535789978a567aadfdb",	/* y */
	"3b9a2bba3bb7ab2cd99c6bdca36739bfdffc",	/* z */
	"555555eeffffdffeffeffeeeff0678cffcea",	/* digit */
	"4525655649765645955367688979ffffffff",	/* . */
	"5536653759966264a654776b9a4d3bffbffa",	/* / */
	"35455456497555448543565b886fadffffff",	/* - */
	"6156757659966655a4557778da4abd7dddda",	/* _ */
	"784678799ba66aa8d877a888bd0dabdddada",	/* = */
	"7389d7791da7b5a6687799bd9d3dbbdddddd",	/* ? */
	"255994476996479544455549999999699995",	/* & */
	"ffffffeffffffffdfffffffeffbf0fffffef",	/* : */
	"652555673885558595357777cc3c589cccc7",	/* anything else */
};

static unsigned
rx_sym(unsigned char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (rx_digit(c))
		return 26;
	if (c != '\0' && (p = strchr(rx_syms + 27, c)) != NULL)
		return (unsigned)(p - rx_syms);
	return RX_SYMS - 1;
}

static unsigned
rx_hex(char h)
{
	return h <= '9' ? (unsigned)(h - '0') : (unsigned)(h - 'a' + 10);
}

/* The windows of rx_common, sorted: built with the set, then freed. */
struct rx_windows {
	uint32_t	*g;
	size_t		 n;
};

static int
rx_g_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static int
rx_windows_init(struct rx_windows *cw)
{
	const char *w;
	size_t i, k, j, len, n = 0;
	uint32_t g;

	for (i = 0; i < WD_NELEM(rx_common); i++)
		n += 3 * strlen(rx_common[i]);
	cw->n = 0;
	cw->g = malloc(n * sizeof(*cw->g));
	if (cw->g == NULL)
		return -1;
	for (i = 0; i < WD_NELEM(rx_common); i++) {
		w = rx_common[i];
		len = strlen(w);
		for (n = 2; n <= 4; n++)
			for (k = 0; k + n <= len; k++) {
				for (g = 0, j = 0; j < n; j++)
					g = (g << 8) | (unsigned char)w[k + j];
				cw->g[cw->n++] = g;
			}
	}
	qsort(cw->g, cw->n, sizeof(*cw->g), rx_g_cmp);
	return 0;
}

/* The rarity of the n-byte key g (lower-cased), in bits; 0: everywhere. */
static unsigned
rx_key_bits(const struct rx_windows *cw, uint32_t g, size_t n)
{
	unsigned bits = 0, s, prev = 0;
	size_t i;

	if (bsearch(&g, cw->g, cw->n, sizeof(*cw->g), rx_g_cmp) != NULL)
		return 0;
	for (i = 0; i < n; i++) {
		s = rx_sym((unsigned char)(g >> (8 * (n - 1 - i))));
		bits += i == 0 ? rx_hex(rx_bits_first[s]) :
		    rx_hex(rx_bits_next[prev][s]);
		bits += s == 26 ? 3 : s == RX_SYMS - 1 ? 2 : 0;
		prev = s;
	}
	return bits;
}

/*
 * What reading a piece of a pattern found. Exact: str[0 .. n) are all the
 * strings it can match (lower-cased; "" for an assertion). Otherwise
 * every match holds one of the keys key[0 .. n) (n 0: nothing known), a
 * key being two to four bytes in a word (a shorter key has zero top
 * bytes, which a longer one never has: a key byte is printable), and cost
 * is the chance that a URL holds one, as the sum of 2^-bits. kneed[k]
 * (0: none) is a key that every string holding key[k] holds as well,
 * apart from it: "lenc" for "viol" out of "violence", so that a URL with
 * "violet" need not run the pattern (rx_key_need()).
 */
#define RX_EXACT_MAX	16		/* strings of an exact set */
#define RX_STR_MAX	32		/* bytes of one */
#define RX_CLASS_MAX	8		/* a class as an exact set */
#define RX_DEPTH_MAX	16		/* nested groups read */

struct rx_info {
	bool		exact;
	uint16_t	n;
	double		cost;
	union {
		struct {
			uint8_t	len[RX_EXACT_MAX];
			char	s[RX_EXACT_MAX][RX_STR_MAX];
		} str;
		uint32_t key[RX_KEYS_MAX];
	} u;
	uint32_t	kneed[RX_KEYS_MAX];
};

static void
rx_info_none(struct rx_info *in)
{
	in->exact = false;
	in->n = 0;
	in->cost = 0;
}

static void
rx_info_empty(struct rx_info *in)
{
	in->exact = true;
	in->n = 1;
	in->u.str.len[0] = 0;
}

static void
rx_info_byte(struct rx_info *in, unsigned char c)
{
	in->exact = true;
	in->n = 1;
	in->u.str.len[0] = 1;
	in->u.str.s[0][0] = (char)rx_lower(c);
}

/* 2^-bits, without libm. */
static double
rx_chance(unsigned bits)
{
	return 1.0 / (double)(1ULL << (bits < 60 ? bits : 60));
}

/* Whether the exact in holds the string s of len bytes already. */
static bool
rx_info_has(const struct rx_info *in, const char *s, size_t len)
{
	uint16_t k;

	for (k = 0; k < in->n; k++)
		if (in->u.str.len[k] == len &&
		    memcmp(in->u.str.s[k], s, len) == 0)
			return true;
	return false;
}

static void
rx_info_add(struct rx_info *in, const char *s, size_t len)
{
	if (rx_info_has(in, s, len))
		return;
	memcpy(in->u.str.s[in->n], s, len);
	in->u.str.len[in->n++] = (uint8_t)len;
}

/* The n-byte window at s, in a word. */
static uint32_t
rx_window(const char *s, size_t n)
{
	uint32_t g = 0;
	size_t j;

	for (j = 0; j < n; j++)
		g = (g << 8) | (unsigned char)s[j];
	return g;
}

/* The length of a key: its non-zero bytes. */
static size_t
rx_key_len(uint32_t g)
{
	return g >> 24 ? 4 : g >> 16 ? 3 : 2;
}

/*
 * Which strings of the exact in hold the n-byte window g, as bits; with
 * mk, only where mk[string][byte] is 0 throughout the window.
 */
static uint32_t
rx_info_holding(const struct rx_info *in, const uint8_t (*mk)[RX_STR_MAX],
    uint32_t g, size_t n)
{
	uint32_t m = 0, h, mask = n == 4 ? 0xffffffffu :
	    (1u << (8 * n)) - 1;
	uint16_t k;
	size_t i, j;

	for (k = 0; k < in->n; k++)
		for (h = 0, i = 0; i < in->u.str.len[k]; i++) {
			h = (h << 8) | (unsigned char)in->u.str.s[k][i];
			if (i + 1 < n || (h & mask) != g)
				continue;
			for (j = i + 1 - n; mk != NULL && j <= i &&
			    !mk[k][j]; j++)
				;
			if (mk == NULL || j > i) {
				m |= 1u << k;
				break;
			}
		}
	return m;
}

/* A window of an exact set: which strings hold it, how rare it is. */
struct rx_cand {
	uint32_t	g;
	uint32_t	mask;
	unsigned	bits;
};

/*
 * Windows of two to four bytes such that every string of the exact in
 * holds one (with mk, in bytes it does not mark): either the rarest
 * window that all hold, or, when cheaper, windows chosen greedily by the
 * strings each covers times its rarity (".xyz" and "tic." for
 * ".erotic.com/" and ".erotic.xyz/" lose to "erot"). Their number, 0 when
 * there is no such cover (a string shorter than two bytes, or all
 * marked).
 */
static uint16_t
rx_cover(const struct rx_info *in, const uint8_t (*mk)[RX_STR_MAX],
    const struct rx_windows *cw, uint32_t *keys, uint32_t *holding,
    double *cost)
{
	struct rx_cand cand[RX_EXACT_MAX * (RX_STR_MAX - 1) * 3], *c;
	uint32_t covered = 0, all, m;
	size_t k, i, j, w, wmin, nc = 0, best, one;
	double score, top;
	unsigned cnt;
	uint16_t n = 0;
	const char *s;

	*cost = 0;
	for (k = 0; k < in->n; k++)
		if (in->u.str.len[k] < 2)
			return 0;
	all = (uint32_t)((1ULL << in->n) - 1);
	for (k = 0; k < in->n; k++) {
		s = in->u.str.s[k];
		/*
		 * Longer windows first, so that they win ties; one string
		 * needs only its longest (no shorter one is rarer).
		 */
		wmin = in->n > 1 || mk != NULL ? 2 :
		    in->u.str.len[0] < 4 ? in->u.str.len[0] : 4;
		for (w = 4; w >= wmin; w--)
			for (i = 0; i + w <= in->u.str.len[k]; i++) {
				for (j = i; mk != NULL && j < i + w &&
				    !mk[k][j]; j++)
					;
				if (mk != NULL && j < i + w)
					continue;
				c = &cand[nc++];
				c->g = rx_window(s + i, w);
				c->bits = rx_key_bits(cw, c->g, w);
				c->mask = in->n == 1 ? 1 :
				    rx_info_holding(in, mk, c->g, w);
			}
	}
	/* The rarest window that all strings hold. */
	for (one = nc, i = 0; i < nc; i++)
		if (cand[i].mask == all &&
		    (one == nc || cand[i].bits > cand[one].bits))
			one = i;
	while (covered != all) {
		top = 0;
		best = nc;
		for (i = 0; i < nc; i++) {
			for (cnt = 0, m = cand[i].mask & ~covered; m != 0;
			    m &= m - 1)
				cnt++;
			score = cnt / rx_chance(cand[i].bits);
			if (score > top) {
				top = score;
				best = i;
			}
		}
		if (best == nc)
			return 0;	/* a string with no window left */
		covered |= cand[best].mask;
		if (holding != NULL)
			holding[n] = cand[best].mask;
		keys[n++] = cand[best].g;
		*cost += rx_chance(cand[best].bits);
	}
	if (one < nc && rx_chance(cand[one].bits) <= *cost) {
		n = 1;
		keys[0] = cand[one].g;
		if (holding != NULL)
			holding[0] = all;
		*cost = rx_chance(cand[one].bits);
	}
	return n;
}

/* Marks in mk the bytes of string s (len bytes) where key g stands. */
static void
rx_mark_key(const char *s, size_t len, uint32_t g, uint8_t *mk)
{
	size_t i, b, w = rx_key_len(g);
	uint32_t h;

	for (h = 0, i = 0; i < len; i++) {
		h = (h << 8) | (unsigned char)s[i];
		if (i + 1 >= w && (w == 4 ? h : h & ((1u << (8 * w)) - 1)) ==
		    g)
			for (b = i + 1 - w; b <= i; b++)
				mk[b] = 1;
	}
}

/*
 * One key that each string of the exact in whose bit is in holding holds
 * apart from where key g stands, or 0. A candidate the index finds under
 * g needs it: a subject matched through a string without g holds another
 * key of the pattern, found under that one.
 */
static uint32_t
rx_key_need(const struct rx_info *in, uint32_t holding, uint32_t g,
    const struct rx_windows *cw)
{
	uint8_t mk[RX_EXACT_MAX][RX_STR_MAX];
	struct rx_info sub;
	uint32_t need[RX_EXACT_MAX];
	double cost;
	uint16_t k;

	sub.exact = true;
	sub.n = 0;
	memset(mk, 0, sizeof(mk));
	for (k = 0; k < in->n; k++) {
		if (!(holding & 1u << k))
			continue;
		sub.u.str.len[sub.n] = in->u.str.len[k];
		memcpy(sub.u.str.s[sub.n], in->u.str.s[k], in->u.str.len[k]);
		rx_mark_key(in->u.str.s[k], in->u.str.len[k], g, mk[sub.n]);
		sub.n++;
	}
	if (sub.n == 0 || rx_cover(&sub, (const uint8_t (*)[RX_STR_MAX])mk,
	    cw, need, NULL, &cost) != 1)
		return 0;
	return need[0];
}

/* Makes an exact set a key set (rx_cover()), or "nothing known". */
static void
rx_info_keys(struct rx_info *in, const struct rx_windows *cw)
{
	uint32_t keys[RX_EXACT_MAX], holding[RX_EXACT_MAX],
	    kneed[RX_EXACT_MAX];
	double cost;
	uint16_t n, k;

	if (!in->exact)
		return;
	n = rx_cover(in, NULL, cw, keys, holding, &cost);
	for (k = 0; k < n; k++)
		kneed[k] = rx_key_need(in, holding[k], keys[k], cw);
	in->exact = false;
	in->n = n;
	in->cost = cost;
	memcpy(in->u.key, keys, n * sizeof(*keys));
	memcpy(in->kneed, kneed, n * sizeof(*kneed));
}

/*
 * The keys of an exact set apart from where the index's keys are: every
 * string holds one of these too, elsewhere. "shad" for "exploitshadow",
 * "shadowexploit" and "warez-shadow" leaves "expl" and "ware". 0: none.
 */
static uint16_t
rx_cover_apart(const struct rx_info *in, const struct rx_windows *cw,
    uint32_t *keys, double *cost)
{
	uint8_t mk[RX_EXACT_MAX][RX_STR_MAX];
	uint32_t idx[RX_EXACT_MAX];
	uint16_t k, n, j;

	n = rx_cover(in, NULL, cw, idx, NULL, cost);
	if (n == 0)
		return 0;
	memset(mk, 0, sizeof(mk));
	for (k = 0; k < in->n; k++)
		for (j = 0; j < n; j++)
			rx_mark_key(in->u.str.s[k], in->u.str.len[k], idx[j],
			    mk[k]);
	return rx_cover(in, (const uint8_t (*)[RX_STR_MAX])mk, cw, keys, NULL,
	    cost);
}

/* Keeps in a the better of a and b, two key sets. */
static void
rx_info_better(struct rx_info *a, const struct rx_info *b)
{
	if (b->n > 0 && (a->n == 0 || b->cost < a->cost))
		*a = *b;
}

/* Whether the exact a could become a followed by the exact b. */
static bool
rx_info_append(struct rx_info *a, const struct rx_info *b)
{
	struct rx_info c;
	uint16_t i, j;
	size_t la, lb;

	if (a->n * b->n > RX_EXACT_MAX)
		return false;
	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++)
			if (a->u.str.len[i] + b->u.str.len[j] > RX_STR_MAX)
				return false;
	c.exact = true;
	c.n = 0;
	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++) {
			la = a->u.str.len[i];
			lb = b->u.str.len[j];
			memcpy(c.u.str.s[c.n], a->u.str.s[i], la);
			memcpy(c.u.str.s[c.n] + la, b->u.str.s[j], lb);
			if (!rx_info_has(&c, c.u.str.s[c.n], la + lb))
				c.u.str.len[c.n++] = (uint8_t)(la + lb);
		}
	*a = c;
	return true;
}

/* a becomes the alternation of a and b. */
static void
rx_info_alt(struct rx_info *a, struct rx_info *b,
    const struct rx_windows *cw)
{
	uint16_t i, j, n;

	if (a->exact && b->exact) {
		for (n = a->n, i = 0; i < b->n; i++)
			n += !rx_info_has(a, b->u.str.s[i], b->u.str.len[i]);
		if (n <= RX_EXACT_MAX) {
			for (i = 0; i < b->n; i++)
				rx_info_add(a, b->u.str.s[i], b->u.str.len[i]);
			return;
		}
	}
	rx_info_keys(a, cw);
	rx_info_keys(b, cw);
	if (a->n == 0 || b->n == 0) {
		rx_info_none(a);
		return;
	}
	for (i = 0; i < b->n; i++) {
		for (j = 0; j < a->n && a->u.key[j] != b->u.key[i]; j++)
			;
		if (j < a->n) {
			/* Strings of both hold it: what they all hold. */
			if (a->kneed[j] != b->kneed[i])
				a->kneed[j] = 0;
			continue;
		}
		if (a->n == RX_KEYS_MAX) {
			rx_info_none(a);
			return;
		}
		a->kneed[a->n] = b->kneed[i];
		a->u.key[a->n++] = b->u.key[i];
	}
	a->cost += b->cost;
}

/*
 * The reader of a pattern for keys. It knows only the syntax URL lists
 * use; anything else (a verb, \Q, \E, a comment, a subroutine call, a
 * condition, (?x), a quantifier it cannot place) sets fail, and the
 * pattern gets no key. A key that is not truly required would lose
 * matches: every doubt makes a piece "nothing known".
 */
struct rx_need {
	double		cost;
	uint8_t		n;
	uint32_t	key[RX_NEED_KEYS];
};

struct rx_reader {
	const char		*s;
	size_t			 len, i;
	unsigned		 depth;
	bool			 fail;
	bool			 top_alt;	/* a top-level '|' */
	const struct rx_windows	*cw;
	/* The top level's key sets, the rarest first. */
	struct rx_need		 need[RX_NEED_SETS + 1];
	unsigned		 nneed;
};

static void	rx_read_alt(struct rx_reader *, struct rx_info *);

static bool
rx_at(const struct rx_reader *r, size_t i, char c)
{
	return i < r->len && r->s[i] == c;
}

/*
 * Reads "{...}" at r->s[i]: whether PCRE2 may take it for a quantifier
 * (digits, commas and blanks: 10.43 also reads "{,n}" and "{ n }"), its
 * bounds when it is plainly "{n}", "{n,}" or "{n,m}" (max UINT_MAX: none),
 * else 0 and UINT_MAX, which only make the piece before it optional. *end
 * is just past the '}'.
 */
static bool
rx_brace(const char *s, size_t len, size_t i, unsigned *min, unsigned *max,
    size_t *end)
{
	size_t k = i + 1, d;

	while (k < len && s[k] != '\0' &&
	    strchr("0123456789, \t", s[k]) != NULL)
		k++;
	if (k >= len || s[k] != '}')
		return false;
	*end = k + 1;
	*min = 0;
	*max = UINT_MAX;
	for (d = i + 1; d < k && rx_digit((unsigned char)s[d]); d++)
		*min = *min < 100000 ? *min * 10 + (unsigned)(s[d] - '0') :
		    *min;
	if (d == i + 1) {
		*min = 0;
		return true;
	}
	if (d == k) {
		*max = *min;
		return true;
	}
	if (s[d] != ',' || strspn(s + d + 1, "0123456789") != k - d - 1) {
		*min = 0;
		return true;
	}
	if (d + 1 < k)
		for (*max = 0, d++; d < k; d++)
			*max = *max < 100000 ?
			    *max * 10 + (unsigned)(s[d] - '0') : *max;
	return true;
}

/* Reads the quantifiers after a piece, which they may make optional. */
static void
rx_read_quantifiers(struct rx_reader *r, struct rx_info *in)
{
	unsigned min, max;
	size_t end;
	char c;

	while (r->i < r->len) {
		c = r->s[r->i];
		if (c == '?' || c == '*') {
			min = 0;
			max = UINT_MAX;
			r->i++;
		} else if (c == '+') {
			min = 1;
			max = UINT_MAX;
			r->i++;
		} else if (c == '{' && rx_brace(r->s, r->len, r->i, &min, &max,
		    &end))
			r->i = end;
		else
			return;
		/* Lazy or possessive: the same strings, or fewer. */
		if (rx_at(r, r->i, '?') || rx_at(r, r->i, '+'))
			r->i++;
		if (min == 0)
			rx_info_none(in);
		else if (min != 1 || max != 1)
			rx_info_keys(in, r->cw); /* required, not exact */
	}
}

/* A class, its '[' at r->s[r->i - 1]: a small exact set, or nothing. */
static void
rx_read_class(struct rx_reader *r, struct rx_info *in)
{
	size_t start = r->i, end, j;
	unsigned char c;
	char b;

	end = rx_skip_class(r->s, r->len, start);
	r->i = end;
	rx_info_none(in);
	if (start >= end || r->s[start] == '^')
		return;
	in->exact = true;
	for (j = start; j + 1 < end; j++) {
		c = (unsigned char)r->s[j];
		if (c == '\\') {
			c = (unsigned char)r->s[++j];
			if (rx_alnum(c))
				break;
		} else if (c == '[' && strchr(":.=", r->s[j + 1]) != NULL)
			break;
		else if (c == '-' && j != start && j + 2 != end)
			break;		/* a range */
		if (c < 0x20 || c >= 0x7f)
			break;
		b = (char)rx_lower(c);
		if (in->n == RX_CLASS_MAX && !rx_info_has(in, &b, 1))
			break;
		rx_info_add(in, &b, 1);
	}
	if (j + 1 < end || in->n == 0)
		rx_info_none(in);
}

/* An escape, its '\' at r->s[r->i - 1]. */
static void
rx_read_escape(struct rx_reader *r, struct rx_info *in)
{
	unsigned char e;

	if (r->i >= r->len) {
		r->fail = true;
		return;
	}
	e = (unsigned char)r->s[r->i++];
	if (!rx_alnum(e)) {
		if (e >= 0x20 && e < 0x7f)
			rx_info_byte(in, e);
		return;
	}
	if (strchr("bBAzZG", e) != NULL) {
		rx_info_empty(in);	/* an assertion */
		return;
	}
	if (e == 'Q' || e == 'E') {
		r->fail = true;
		return;
	}
	/* A type (\d, \w...), a reference, a character by its code. */
	r->i = rx_skip_escape_arg(r->s, r->len, r->i);
}

/* A group, its '(' at r->s[r->i - 1]. */
static void
rx_read_group(struct rx_reader *r, struct rx_info *in)
{
	const char *s = r->s;
	size_t i = r->i, j;
	char c, close;

	if (rx_at(r, i, '?')) {
		c = i + 1 < r->len ? s[i + 1] : '\0';
		if (c == ':' || c == '>' || c == '|')
			i += 2;
		else if (c == '=' || c == '!' || (c == '<' &&
		    (rx_at(r, i + 2, '=') || rx_at(r, i + 2, '!')))) {
			/* A lookaround: its text need not be in the match. */
			r->i = rx_skip_group(s, r->len, i);
			return;
		} else if (c == '<' || c == '\'' ||
		    (c == 'P' && rx_at(r, i + 2, '<'))) {
			close = c == '\'' ? '\'' : '>';
			for (j = i + (c == 'P' ? 3 : 2); j < r->len &&
			    (rx_alnum((unsigned char)s[j]) || s[j] == '_'); j++)
				;
			if (!rx_at(r, j, close)) {
				r->fail = true;
				return;
			}
			i = j + 1;
		} else {
			/* Options: "(?i)", "(?-i:". */
			for (j = i + 1; j < r->len && s[j] != '\0' &&
			    strchr("imnsJUar^-", s[j]) != NULL; j++)
				;
			if (rx_at(r, j, ')')) {
				/* Whether a quantifier here would take the
				 * piece before: not worth knowing. */
				r->i = j + 1;
				if (r->i < r->len && (s[r->i] == '\0' ||
				    strchr("?*+{", s[r->i]) != NULL))
					r->fail = true;
				rx_info_empty(in);
				return;
			}
			if (!rx_at(r, j, ':')) {
				r->fail = true;
				return;
			}
			i = j + 1;
		}
	}
	if (++r->depth > RX_DEPTH_MAX) {
		r->fail = true;
		return;
	}
	r->i = i;
	rx_read_alt(r, in);
	r->depth--;
	if (!r->fail && !rx_at(r, r->i, ')'))
		r->fail = true;
	r->i++;
}

/* One piece of a branch, before its quantifiers. */
static void
rx_read_atom(struct rx_reader *r, struct rx_info *in)
{
	unsigned char c = (unsigned char)r->s[r->i++];
	unsigned min, max;
	size_t end;

	rx_info_none(in);
	switch (c) {
	case '\\':
		rx_read_escape(r, in);
		break;
	case '[':
		rx_read_class(r, in);
		break;
	case '(':
		rx_read_group(r, in);
		break;
	case '^':
	case '$':
		rx_info_empty(in);
		break;
	case '.':
		break;
	case '?':
	case '*':
	case '+':
		r->fail = true;		/* nothing to repeat */
		break;
	case '{':
		if (rx_brace(r->s, r->len, r->i - 1, &min, &max, &end))
			r->fail = true;
		break;
	default:
		if (c >= 0x20 && c < 0x7f)
			rx_info_byte(in, c);
		break;
	}
}

/*
 * Keeps in out the better of out and the key set in; at the top level,
 * notes in too: if the pattern has one branch, every match holds a key of
 * each set, and the sets the index does not use can still rule a
 * candidate out before PCRE2 runs.
 */
static void
rx_branch_take(struct rx_reader *r, struct rx_info *out,
    const struct rx_info *in)
{
	struct rx_need *nd;
	unsigned k;

	rx_info_better(out, in);
	if (r->depth > 0 || in->n == 0 || in->n > RX_NEED_KEYS)
		return;
	for (k = 0; k < r->nneed; k++)
		if (r->need[k].n == in->n && memcmp(r->need[k].key,
		    in->u.key, in->n * sizeof(in->u.key[0])) == 0)
			return;		/* noted already */
	for (k = r->nneed; k > 0 && r->need[k - 1].cost > in->cost; k--)
		;
	if (k == RX_NEED_SETS + 1)
		return;
	if (r->nneed < RX_NEED_SETS + 1)
		r->nneed++;
	memmove(&r->need[k + 1], &r->need[k],
	    (r->nneed - 1 - k) * sizeof(r->need[0]));
	nd = &r->need[k];
	nd->cost = in->cost;
	nd->n = (uint8_t)in->n;
	memcpy(nd->key, in->u.key, in->n * sizeof(nd->key[0]));
}

/*
 * At the top level, a run also gives the keys of its strings apart from
 * those the index would take (rx_cover_apart()): "nuderock" is indexed by
 * "rock" (say), and a candidate without "nude" need not run.
 */
static void
rx_take_windows(struct rx_reader *r, const struct rx_info *run)
{
	struct rx_info apart, out;
	double cost;
	uint16_t n;

	if (r->depth > 0 || !run->exact || run->n == 0)
		return;
	n = rx_cover_apart(run, r->cw, apart.u.key, &cost);
	if (n == 0)
		return;
	apart.exact = false;
	apart.n = n;
	apart.cost = cost;
	memset(apart.kneed, 0, n * sizeof(apart.kneed[0]));
	rx_info_none(&out);
	rx_branch_take(r, &out, &apart);
}

/*
 * A branch: its pieces one after the other, up to '|' or ')'. Exact
 * pieces side by side make one exact set (a run); each piece or run is
 * required, so the branch keeps the rarest key set of them.
 */
static void
rx_read_branch(struct rx_reader *r, struct rx_info *out)
{
	struct rx_info atom, run;
	bool apart = false;

	rx_info_empty(&run);
	rx_info_none(out);
	while (!r->fail && r->i < r->len && r->s[r->i] != '|' &&
	    r->s[r->i] != ')') {
		rx_read_atom(r, &atom);
		if (r->fail)
			return;
		rx_read_quantifiers(r, &atom);
		if (atom.exact && rx_info_append(&run, &atom))
			continue;
		apart = true;
		rx_take_windows(r, &run);
		rx_info_keys(&run, r->cw);
		rx_branch_take(r, out, &run);
		if (atom.exact)
			run = atom;
		else {
			rx_branch_take(r, out, &atom);
			rx_info_empty(&run);
		}
	}
	if (!apart) {
		*out = run;
		return;
	}
	rx_take_windows(r, &run);
	rx_info_keys(&run, r->cw);
	rx_branch_take(r, out, &run);
}

/* Branches, up to the ')' (not read) of their group or the end. */
static void
rx_read_alt(struct rx_reader *r, struct rx_info *out)
{
	struct rx_info b;

	rx_read_branch(r, out);
	while (!r->fail && rx_at(r, r->i, '|')) {
		r->top_alt |= r->depth == 0;
		r->i++;
		rx_read_branch(r, &b);
		rx_info_alt(out, &b, r->cw);
	}
}

/*
 * Whether a pattern holds syntax whose extent the readers below (and the
 * skippers they use) may see otherwise than PCRE2 does: then it gets no
 * key and no run, and is matched as it is. Verbs, \Q...\E (also a lone
 * \E, which PCRE2 ignores even where a class decides on its first byte),
 * \c (which takes the next byte, ']' or ')' too), callouts (whose string
 * argument may hold any byte), "[:" (which PCRE2 reads as a POSIX class
 * only sometimes), and the x option.
 */
static bool
rx_unsure(const char *s, size_t len)
{
	return len == 0 || memmem(s, len, "(*", 2) != NULL ||
	    memmem(s, len, "\\Q", 2) != NULL ||
	    memmem(s, len, "\\E", 2) != NULL ||
	    memmem(s, len, "\\c", 2) != NULL ||
	    memmem(s, len, "(?C", 3) != NULL ||
	    memmem(s, len, "[:", 2) != NULL || rx_x_option(s, len);
}

/*
 * Runs: a cheaper test than the keys for what they cannot index. Many
 * patterns with no literal still need a run of one kind of byte: a
 * subject without nine digits in a row cannot match "/[a-z]{5}[0-9]{9}/",
 * nor one without 24 letters or digits in a row "\?id=[a-z0-9]{24,}$".
 * Four classes are counted, caselessly: digits, letters, letters and
 * digits, hexadecimal digits. Letters and digits side by side count as
 * well: "/[a-z]{5}[0-9]{4}/" needs five letters directly followed by four
 * digits, which "/localhost:8080/" does not hold though it has both runs.
 * rx_read_runs() gives, for each class, the longest run every match of a
 * pattern holds (0: none known), and the longest letters-then-digits and
 * digits-then-letters it holds; the subject's are worked out once; a
 * pattern, or a chunk of them, that needs what the subject does not hold
 * is not run.
 */
enum { RX_RUN_DIGIT, RX_RUN_ALPHA, RX_RUN_ALNUM, RX_RUN_HEX };
_Static_assert(RX_RUN_HEX + 1 == RX_RUNS, "rx_runs_ok(): the hex digits last");
/*
 * Past the classes, run[] holds two pairs: the letters and the digits
 * right after them a match holds (both 0: none known), then the digits
 * and the letters right after them. The letters of the first pair have
 * RX_SEQ_SLASH set when they come right after a '/' ("/[a-z]{5}[0-9]{4}"):
 * a subject's run of letters that starts a segment of a path (or of
 * anything after a '/'); a count is at most RX_SEQ_MAX.
 */
enum { RX_SEQ_AD = RX_RUNS, RX_SEQ_DA = RX_RUNS + 2 };
#define RX_SEQ_SLASH	0x80
#define RX_SEQ_MAX	0x7f
_Static_assert(RX_SEQ_DA + 2 == RX_RUNREQ && RX_RUNREQ == sizeof(uint64_t),
    "run[]'s layout");

/*
 * Which of the four classes each byte (any case) is in, as bits: one
 * table for the patterns' reading and the subject's pass.
 */
#define RX_RC(c)	((c) >= '0' && (c) <= '9' ? 0xd :		\
			    ((c) >= 'a' && (c) <= 'f') ||		\
			    ((c) >= 'A' && (c) <= 'F') ? 0xe :		\
			    ((c) >= 'g' && (c) <= 'z') ||		\
			    ((c) >= 'G' && (c) <= 'Z') ? 0x6 : 0)
#define RX_RC4(c)	RX_RC(c), RX_RC((c) + 1), RX_RC((c) + 2), RX_RC((c) + 3)
#define RX_RC16(c)	RX_RC4(c), RX_RC4((c) + 4), RX_RC4((c) + 8),	\
			    RX_RC4((c) + 12)
static const uint8_t rx_run_tab[256] = {
	RX_RC16(0x00), RX_RC16(0x10), RX_RC16(0x20), RX_RC16(0x30),
	RX_RC16(0x40), RX_RC16(0x50), RX_RC16(0x60), RX_RC16(0x70),
	RX_RC16(0x80), RX_RC16(0x90), RX_RC16(0xa0), RX_RC16(0xb0),
	RX_RC16(0xc0), RX_RC16(0xd0), RX_RC16(0xe0), RX_RC16(0xf0),
};
_Static_assert(1u << RX_RUN_DIGIT == 1 && 1u << RX_RUN_ALPHA == 2 &&
    1u << RX_RUN_ALNUM == 4 && 1u << RX_RUN_HEX == 8, "rx_run_tab's bits");

/*
 * The classes every byte of a class "[...]" (its '[' at s[i - 1]) is in,
 * caselessly; *end just past its ']'. 0 when it is negated or holds
 * anything but plain bytes, ranges of them, escaped punctuation and \d.
 */
static unsigned
rx_run_class_set(const char *s, size_t len, size_t i, size_t *end)
{
	unsigned all = 0xf, lo, hi, c;
	size_t j, stop;
	bool any = false;

	stop = rx_skip_class(s, len, i);
	*end = stop;
	if (stop < i + 2 || s[i] == '^')
		return 0;
	for (j = i; j + 1 < stop; j++) {
		if (s[j] == '\\') {
			if (j + 2 >= stop)
				return 0;
			c = (unsigned char)s[++j];
			if (c == 'd') {
				all &= rx_run_tab['0'];
				any = true;
				continue;
			}
			if (rx_alnum((unsigned char)c) || c < 0x20 || c >= 0x7f)
				return 0;
		} else if (s[j] == '[')
			return 0;	/* "[:alpha:]" and the like */
		else
			c = (unsigned char)s[j];
		lo = hi = c;
		if (j + 3 < stop && s[j + 1] == '-' && s[j + 2] != '\\') {
			hi = (unsigned char)s[j + 2];
			j += 2;
		}
		if (hi < lo || hi - lo > 26)
			return 0;
		for (c = lo; c <= hi; c++)
			all &= rx_run_tab[(unsigned char)c];
		any = true;
	}
	return any ? all : 0;
}

/* Whether "{...}" (len bytes) is "{n}", "{n,}" or "{n,m}". */
static bool
rx_plain_brace(const char *s, size_t len)
{
	size_t d = strspn(s + 1, "0123456789");

	if (d == 0 || 1 + d >= len)
		return false;
	if (s[1 + d] == '}')
		return 2 + d == len;
	if (s[1 + d] != ',')
		return false;
	return 2 + d + strspn(s + 2 + d, "0123456789") + 1 == len &&
	    s[len - 1] == '}';
}

/*
 * Keeps in best[at], best[at + 1] the pair (x, y) if it is the bigger
 * (or as big, and after a '/'); x is capped, then marked when slash.
 */
static void
rx_seq_keep(unsigned *best, unsigned at, unsigned x, unsigned y, bool slash)
{
	unsigned bx = best[at] & RX_SEQ_MAX;

	if (x == 0 || y == 0)
		return;
	if (x > RX_SEQ_MAX)
		x = RX_SEQ_MAX;
	if (x + y > bx + best[at + 1] || (x + y == bx + best[at + 1] &&
	    slash && !(best[at] & RX_SEQ_SLASH))) {
		best[at] = x | (slash ? RX_SEQ_SLASH : 0);
		best[at + 1] = y;
	}
}

/*
 * What runs every match of pattern s holds (see above): the pattern is
 * read as a sequence of pieces, each a byte, a class, an escape or a
 * group, with its quantifiers. A piece all of whose bytes are in a class
 * adds its least count to the run of that class; any other piece, a
 * group, an assertion or an optional piece outside the class ends the
 * run. Where pieces of digits start right after a run of letters, that
 * run and the digits' make a pair (and the other way round). Anything it
 * does not read for sure (a top-level '|', \Q, verbs, comments, the x
 * option, a brace PCRE2 versions read differently) gives no run at all.
 */
static void
rx_read_runs(const char *s, size_t len, uint8_t run[RX_RUNREQ])
{
	unsigned cls, cur[RX_RUNS] = { 0 }, best[RX_RUNREQ] = { 0 }, k;
	unsigned min, qmin, qmax, before_d = 0, before_a = 0, last = 0;
	bool slash = false, slash_a = false, slash_d = false;
	size_t i = 0, end;
	unsigned char c;

	memset(run, 0, RX_RUNREQ);
	if (rx_unsure(s, len))
		return;
	while (i < len) {
		c = (unsigned char)s[i++];
		cls = 0;
		switch (c) {
		case '|':
			return;
		case '(':
			if (i < len && s[i] == '?' && i + 1 < len &&
			    s[i + 1] == '#')
				return;
			i = rx_skip_group(s, len, i);
			break;
		case '[':
			cls = rx_run_class_set(s, len, i, &end);
			i = end;
			break;
		case '\\':
			if (i >= len)
				return;
			c = (unsigned char)s[i++];
			if (c == 'd')
				cls = rx_run_tab['0'];
			else if (!rx_alnum(c))
				cls = rx_run_tab[c];	/* "\." */
			else if (c == 'Q' || c == 'E')
				return;
			else
				i = rx_skip_escape_arg(s, len, i);
			break;
		case ')':
			return;		/* out of step with PCRE2 */
		case '.':
		case '^':
		case '$':
			break;
		case '*':
		case '+':
		case '?':
		case '{':
			/* A quantifier with nothing before it: not ours. */
			if (c != '{' || rx_brace(s, len, i - 1, &qmin, &qmax,
			    &end))
				return;
			break;
		default:
			cls = c >= 0x20 && c < 0x7f ? rx_run_tab[c] : 0;
			break;
		}
		/* The piece's quantifiers: its least count. */
		for (min = 1; i < len; ) {
			if (s[i] == '?' || s[i] == '*') {
				min = 0;
				i++;
			} else if (s[i] == '+')
				i++;
			else if (s[i] == '{' &&
			    rx_brace(s, len, i, &qmin, &qmax, &end)) {
				/* "{,3}", "{ 3 }": read apart by versions. */
				if (!rx_plain_brace(s + i, end - i))
					return;
				min = min * qmin > 255 ? 255 : min * qmin;
				i = end;
			} else
				break;
			if (i < len && (s[i] == '?' || s[i] == '+'))
				i++;	/* lazy or possessive */
		}
		/*
		 * The letters right before the first piece of digits (0 when
		 * the piece before was not letters), and the other way round;
		 * whether those letters start right after a '/' piece.
		 */
		if ((cls & 1u << RX_RUN_DIGIT) && !(last & 1u << RX_RUN_DIGIT)) {
			before_d = cur[RX_RUN_ALPHA];
			slash_d = slash_a;
		}
		if ((cls & 1u << RX_RUN_ALPHA) && !(last & 1u << RX_RUN_ALPHA)) {
			before_a = cur[RX_RUN_DIGIT];
			slash_a = slash;
		}
		slash = c == '/' && cls == 0 && min > 0;
		last = cls;
		for (k = 0; k < RX_RUNS; k++) {
			if (!(cls & (1u << k))) {
				cur[k] = 0;
				continue;
			}
			cur[k] = cur[k] + min > 255 ? 255 : cur[k] + min;
			if (cur[k] > best[k])
				best[k] = cur[k];
		}
		if (cls & 1u << RX_RUN_DIGIT)
			rx_seq_keep(best, RX_SEQ_AD, before_d,
			    cur[RX_RUN_DIGIT], slash_d);
		if (cls & 1u << RX_RUN_ALPHA)
			rx_seq_keep(best, RX_SEQ_DA, before_a,
			    cur[RX_RUN_ALPHA], false);
	}
	for (k = 0; k < RX_RUNREQ; k++)
		run[k] = (uint8_t)best[k];
}

/*
 * Finds keys for the index: in is a set of keys one of which every match
 * of the pattern contains, the rarest set found: a literal outside any
 * group, or one per alternative of a group that every match goes through,
 * or one per branch of a top-level alternation. false: no such set.
 * need[0 .. *nneed) are other sets every match holds a key of (RX_NEED_SETS
 * at most).
 */
static bool
rx_find_keys(const char *s, size_t len, const struct rx_windows *cw,
    struct rx_info *in, struct rx_need *need, unsigned *nneed)
{
	struct rx_reader r;
	unsigned k;

	*nneed = 0;
	if (rx_unsure(s, len))
		return false;
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.len = len;
	r.cw = cw;
	rx_read_alt(&r, in);
	if (r.fail || r.i != len)
		return false;
	/*
	 * Past a top-level '|', what the first branch needs does not hold
	 * for the others; what the exact pattern needs as a whole does.
	 */
	if (r.top_alt)
		r.nneed = 0;
	rx_take_windows(&r, in);
	rx_info_keys(in, cw);
	if (in->n == 0)
		return false;
	for (k = 0; k < r.nneed; k++) {
		if (r.need[k].n == in->n && memcmp(r.need[k].key, in->u.key,
		    in->n * sizeof(in->u.key[0])) == 0)
			continue;	/* the index's own */
		if (*nneed < RX_NEED_SETS)
			need[(*nneed)++] = r.need[k];
	}
	return true;
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

/* 0, 1, 2: the key's length less two. */
static unsigned
rx_key_lenidx(uint32_t g)
{
	return (g >> 16) == 0 ? 0 : (g >> 24) == 0 ? 1 : 2;
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

/*
 * A subject's signature: which pairs of adjacent bytes it holds, each
 * byte named by a code of 5 bits, so a bit for each of 32 x 32 pairs. A
 * key holds its own pairs, so a key the subject holds always shows; one
 * it lacks shows only when the subject holds each of its pairs elsewhere
 * (or pairs of bytes sharing its bytes' codes): seldom for the 3 and 4
 * bytes of most keys. The codes go by how many keys hold a byte: the 31
 * commonest have one each, the others share them. Code 0 is the bytes no
 * key holds; no key's pair has it.
 */
static void
rx_sig_codes(struct policy_rxset *rs)
{
	const struct policy_rxpat *p;
	uint64_t count[256] = { 0 };
	size_t i, j, n, r;
	uint32_t g;
	uint8_t c;

	for (i = 0; i < rs->n; i++) {
		p = &rs->pat[i];
		if (!p->indexed)
			continue;
		/* The keys after the index's: needs, then each key's own. */
		n = 2 * (size_t)p->nkeys;
		for (j = 0; j < WD_NELEM(p->need); j++)
			n += p->need[j];
		for (j = p->nkeys; j < n; j++)
			for (g = p->key[j]; g != 0; g >>= 8)
				count[(uint8_t)g]++;
	}
	/* The count above the byte, so that sorting the words sorts both. */
	for (i = 0, n = 0; i < WD_NELEM(count); i++)
		if (count[i] != 0)
			count[n++] = count[i] << 8 | i;
	qsort(count, n, sizeof(count[0]), rx_pair_cmp);
	memset(rs->sigcode, 0, sizeof(rs->sigcode));
	for (r = 0; r < n; r++) {
		c = (uint8_t)count[n - 1 - r];
		rs->sigcode[c] = (uint8_t)(1 + r % (RX_SIG_CODES - 1));
		if (c >= 'a' && c <= 'z')
			rs->sigcode[c - 32] = rs->sigcode[c];
	}
}

/*
 * What the signature is asked about key g (2 to 4 bytes, lower-cased):
 * the bits of its pairs, 10 bits each, the first repeated when there are
 * fewer than three.
 */
static uint32_t
rx_sig_key(const struct policy_rxset *rs, uint32_t g)
{
	uint32_t pair[3];
	unsigned n = 0;

	for (; g > 0xff; g >>= 8)
		pair[n++] = (uint32_t)rs->sigcode[(g >> 8) & 0xff] << 5 |
		    rs->sigcode[g & 0xff];
	while (n < 3)
		pair[n++] = pair[0];
	return pair[0] | pair[1] << 10 | pair[2] << 20;
}

/* The bytes of key g, lower-cased, in tab: a byte no key holds stays 0. */
static void
rx_key_bytes(uint8_t *tab, uint32_t g)
{
	uint8_t c;

	for (; g != 0; g >>= 8) {
		c = (uint8_t)g;
		tab[c] = c;
		if (c >= 'a' && c <= 'z')
			tab[c - 32] = c;
	}
}

static int
rx_ent_fill(struct policy_rxent *e, struct policy_rxset *rs, uint32_t id,
    uint32_t g)
{
	const struct policy_rxpat *p = &rs->pat[id];
	const uint32_t *key = p->key + p->nkeys;
	unsigned k, j;

	e->id = id;
	e->slow = RX_SLOW_NONE;
	memcpy(e->run, p->run, sizeof(e->run));
	for (k = 0; k < WD_NELEM(e->need); k++) {
		e->need[k] = RX_NEED_NONE;
		if (k >= WD_NELEM(p->need) || p->need[k] == 0)
			continue;
		if (p->need[k] == 1) {
			e->need[k] = rx_sig_key(rs, key[0]);
			key++;
			continue;
		}
		if (e->slow == RX_SLOW_NONE)
			e->slow = (uint32_t)rs->nslowbits;
		for (j = 0; j <= p->need[k]; j++) {
			if (policy_grow(&rs->slowbits, &rs->slowbitscap,
			    rs->nslowbits, sizeof(*rs->slowbits)) == -1)
				return -1;
			rs->slowbits[rs->nslowbits++] = j == 0 ?
			    p->need[k] : rx_sig_key(rs, key[j - 1]);
		}
		key += p->need[k];
	}
	/* The key's own need (key now at kneed[]), in a free place. */
	for (j = 0; j < p->nkeys && p->key[j] != g; j++)
		;
	for (k = 0; j < p->nkeys && key[j] != 0 && k < WD_NELEM(e->need);
	    k++)
		if (e->need[k] == RX_NEED_NONE) {
			e->need[k] = rx_sig_key(rs, key[j]);
			break;
		}
	if (e->slow != RX_SLOW_NONE) {
		if (policy_grow(&rs->slowbits, &rs->slowbitscap, rs->nslowbits,
		    sizeof(*rs->slowbits)) == -1)
			return -1;
		rs->slowbits[rs->nslowbits++] = 0;
	}
	return 0;
}

/* The index over the patterns with keys: key -> ascending ids. */
static int
rx_build_index(struct policy_rxset *rs)
{
	struct policy_rxslot *sl;
	uint64_t *pairs;
	size_t i, k, n = 0, m, nkeys = 0, slots, nlen[3] = { 0 };
	uint32_t g, j;
	unsigned li;

	rx_sig_codes(rs);
	for (i = 0; i < rs->n; i++)
		n += rs->pat[i].indexed ? rs->pat[i].nkeys : 0;
	if (n == 0)
		return 0;
	/* (key, id) in one word: sorted by key, then by id. */
	pairs = malloc(n * sizeof(*pairs));
	rs->ent = malloc(n * sizeof(*rs->ent));
	if (pairs == NULL || rs->ent == NULL) {
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
		if (m == 0 || pairs[i] >> 32 != pairs[m - 1] >> 32) {
			nkeys++;
			nlen[rx_key_lenidx((uint32_t)(pairs[i] >> 32))]++;
		}
		pairs[m++] = pairs[i];
	}
	n = m;
	for (li = 0; li < 3; li++) {
		if (nlen[li] > 0 &&
		    policy_bloom_init(&rs->bloom[li], nlen[li]) == -1) {
			free(pairs);
			return -1;
		}
	}
	for (slots = 16; slots < nkeys * 2; slots *= 2)
		;
	rs->slot = calloc(slots, sizeof(*rs->slot));
	if (rs->slot == NULL) {
		free(pairs);
		return -1;
	}
	rs->mask = slots - 1;
	for (i = 0; i < n; i++) {
		if (rx_ent_fill(&rs->ent[i], rs, (uint32_t)pairs[i],
		    (uint32_t)(pairs[i] >> 32)) == -1) {
			free(pairs);
			return -1;
		}
		g = (uint32_t)(pairs[i] >> 32);
		if (i > 0 && pairs[i - 1] >> 32 == g)
			continue;
		li = rx_key_lenidx(g);
		policy_bloom_add(&rs->bloom[li], g);
		rx_key_bytes(rs->keybyte, g);
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
 * What both a and b need of runs: a becomes it. Letters after a '/' are
 * letters: a pair of them and one without give the pair without.
 */
static void
rx_run_meet(uint8_t *a, const uint8_t *b)
{
	unsigned k;

	if ((a[RX_SEQ_AD] ^ b[RX_SEQ_AD]) & RX_SEQ_SLASH)
		a[RX_SEQ_AD] &= RX_SEQ_MAX;
	for (k = 0; k < RX_RUNREQ; k++) {
		if (k == RX_SEQ_AD && (b[k] & RX_SEQ_MAX) < (a[k] & RX_SEQ_MAX))
			a[k] = (uint8_t)((a[k] & RX_SEQ_SLASH) |
			    (b[k] & RX_SEQ_MAX));
		else if (k != RX_SEQ_AD && b[k] < a[k])
			a[k] = b[k];
	}
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
	memcpy(c->run, rs->pat[ids[0]].run, sizeof(c->run));
	for (i = 1; i < n; i++)
		rx_run_meet(c->run, rs->pat[ids[i]].run);
	rs->nchunk++;
	return 0;
}

/*
 * A combined pattern by how PCRE2 can start it: anchored or not, and the
 * bytes a match can start with. An alternation of patterns that start
 * alike keeps what PCRE2 skips the subject with (a first byte, a start
 * bitmap, the anchor); a mixed one tries every pattern at most offsets.
 */
struct rx_start {
	uint8_t		key[33];	/* anchored, a 256-bit map */
	uint32_t	id;
};

static void
rx_start_key(const pcre2_code *code, uint8_t *key)
{
	const uint8_t *map = NULL;
	uint32_t opts = 0, type = 0, c = 0;

	memset(key, 0xff, 33);
	if (pcre2_pattern_info(code, PCRE2_INFO_ALLOPTIONS, &opts) == 0 &&
	    (opts & PCRE2_ANCHORED)) {
		key[0] = 0;
		return;
	}
	if (pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &type) == 0 &&
	    type == 1 &&
	    pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODEUNIT, &c) == 0 &&
	    c < 256) {
		memset(key + 1, 0, 32);
		key[1 + c / 8] |= (uint8_t)(1u << (c % 8));
		c = rx_lower((unsigned char)c);
		key[1 + c / 8] |= (uint8_t)(1u << (c % 8));
		if (c >= 'a' && c <= 'z')
			c -= 32;
		key[1 + c / 8] |= (uint8_t)(1u << (c % 8));
		return;
	}
	if (pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &map) == 0 &&
	    map != NULL)
		memcpy(key + 1, map, 32);
}

static int
rx_start_cmp(const void *a, const void *b)
{
	const struct rx_start *x = a, *y = b;
	int c = memcmp(x->key, y->key, sizeof(x->key));

	return c != 0 ? c : x->id < y->id ? -1 : x->id > y->id;
}

static int
rx_chunk_cmp(const void *a, const void *b)
{
	const struct policy_rxchunk *x = a, *y = b;

	return x->ids[0] < y->ids[0] ? -1 : x->ids[0] > y->ids[0];
}

/*
 * Sorts the combined patterns comb[0 .. n) by how they start (in file
 * order within a kind); *kinds[k] is where kind k ends. A kind of fewer
 * than RX_KIND_MIN patterns joins the mixed one.
 */
static int
rx_sort_starts(struct policy_rxset *rs, uint32_t *comb, size_t n,
    size_t **ends, size_t *nends)
{
	struct rx_start *st;
	size_t i, j, k;

	*ends = NULL;
	*nends = 0;
	st = malloc((n + 1) * sizeof(*st));
	*ends = malloc((n + 1) * sizeof(**ends));
	if (st == NULL || *ends == NULL) {
		free(st);
		return -1;
	}
	for (i = 0; i < n; i++) {
		st[i].id = comb[i];
		rx_start_key(rs->pat[comb[i]].code, st[i].key);
	}
	qsort(st, n, sizeof(*st), rx_start_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && memcmp(st[j].key, st[i].key,
		    sizeof(st[i].key)) == 0; j++)
			;
		if (j - i < RX_KIND_MIN)
			for (k = i; k < j; k++)
				memset(st[k].key, 0xff, sizeof(st[k].key));
	}
	qsort(st, n, sizeof(*st), rx_start_cmp);
	for (i = 0; i < n; i++) {
		comb[i] = st[i].id;
		if (i + 1 == n || memcmp(st[i + 1].key, st[i].key,
		    sizeof(st[i].key)) != 0)
			(*ends)[(*nends)++] = i + 1;
	}
	free(st);
	return 0;
}

struct rx_byrun {
	uint8_t		run[RX_RUNREQ];
	uint32_t	id;
};

/*
 * The longer runs first (digits, hexadecimal, letters and digits,
 * letters, then the pairs), then file order.
 */
static int
rx_run_cmp(const void *a, const void *b)
{
	const struct rx_byrun *x = a, *y = b;
	static const unsigned order[RX_RUNREQ] = { RX_RUN_DIGIT, RX_RUN_HEX,
	    RX_RUN_ALNUM, RX_RUN_ALPHA, RX_SEQ_AD + 1, RX_SEQ_AD,
	    RX_SEQ_DA, RX_SEQ_DA + 1 };
	unsigned k;

	for (k = 0; k < RX_RUNREQ; k++)
		if (x->run[order[k]] != y->run[order[k]])
			return x->run[order[k]] > y->run[order[k]] ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The alternations: for each way of starting (comb[ends[e - 1] ..
 * ends[e])), its patterns sorted by the runs they need, longest first,
 * and cut into chunks wherever the next pattern would lower what a
 * chunk needs and the chunk is big enough to stand alone; each chunk's
 * patterns in file order. A subject without long runs then skips the
 * chunks that need them.
 */
static int
rx_build_chunks(struct policy_rxset *rs, uint32_t *comb, size_t ncomb,
    const size_t *ends, size_t nends)
{
	struct rx_byrun *br;
	uint32_t *ids;
	uint8_t need[RX_RUNREQ], was[RX_RUNREQ];
	size_t e, start, i, j, bytes;
	bool lower;

	if (ncomb == 0)
		return 0;
	ids = malloc(ncomb * sizeof(*ids));
	br = malloc(ncomb * sizeof(*br));
	if (ids == NULL || br == NULL) {
		free(ids);
		free(br);
		return -1;
	}
	for (i = 0; i < ncomb; i++) {
		br[i].id = comb[i];
		memcpy(br[i].run, rs->pat[comb[i]].run, sizeof(br[i].run));
	}
	for (e = 0, start = 0; e < nends; start = ends[e++]) {
		qsort(br + start, ends[e] - start, sizeof(*br), rx_run_cmp);
		for (i = start; i < ends[e]; i++)
			comb[i] = br[i].id;
		for (i = start; i < ends[e]; i = j) {
			memcpy(need, rs->pat[comb[i]].run, sizeof(need));
			bytes = 0;
			for (j = i; j < ends[e] && j - i < RX_CHUNK_MAX &&
			    (bytes == 0 || bytes + rs->pat[comb[j]].len <=
			    RX_CHUNK_BYTES); j++) {
				memcpy(was, need, sizeof(was));
				rx_run_meet(need, rs->pat[comb[j]].run);
				lower = memcmp(was, need, sizeof(need)) != 0;
				if (lower && j - i >= RX_KIND_MIN)
					break;
				bytes += rs->pat[comb[j]].len + 16;
			}
			memcpy(ids, comb + i, (j - i) * sizeof(*ids));
			qsort(ids, j - i, sizeof(*ids), rx_id_cmp);
			if (rx_build_chunk(rs, ids, (uint32_t)(j - i)) == -1) {
				free(ids);
				free(br);
				return -1;
			}
		}
	}
	free(ids);
	free(br);
	return 0;
}

int
policy_regex_build(struct policy_rxset *rs, struct werr *err)
{
	struct policy_rxpat *p;
	struct rx_windows cw;
	struct rx_info keys;
	struct rx_need need[RX_NEED_SETS];
	uint32_t *comb = NULL;
	size_t i, ncomb = 0, o, *ends = NULL, nends;
	unsigned k, nneed;

	if (rx_windows_init(&cw) == -1)
		return werr_set(err, "out of memory");
	comb = malloc((rs->n + 1) * sizeof(*comb));
	if (comb == NULL)
		goto oom;
	for (i = 0; i < rs->n; i++) {
		p = &rs->pat[i];
		rx_read_runs(p->src, p->len, p->run);
		if (rx_find_keys(p->src, p->len, &cw, &keys, need, &nneed)) {
			o = 2 * (size_t)keys.n;
			for (k = 0; k < nneed; k++)
				o += need[k].n;
			p->key = malloc(o * sizeof(*p->key));
			if (p->key == NULL)
				goto oom;
			memcpy(p->key, keys.u.key, keys.n * sizeof(*p->key));
			p->nkeys = keys.n;
			for (o = keys.n, k = 0; k < nneed; k++) {
				memcpy(p->key + o, need[k].key,
				    need[k].n * sizeof(*p->key));
				o += need[k].n;
				p->need[k] = need[k].n;
			}
			memcpy(p->key + o, keys.kneed,
			    keys.n * sizeof(*p->key));
			p->indexed = true;
			rx_jit(p->code);
		} else if (rx_combinable(p->src, p->len)) {
			p->combined = true;
			comb[ncomb++] = (uint32_t)i;
		} else if (rx_add_alone(rs, (uint32_t)i) == -1)
			goto oom;
	}
	if (rx_build_index(rs) == -1 ||
	    rx_sort_starts(rs, comb, ncomb, &ends, &nends) == -1)
		goto oom;
	if (rx_build_chunks(rs, comb, ncomb, ends, nends) == -1)
		goto oom;
	free(ends);
	free(comb);
	free(cw.g);
	/* By first pattern, so that the match can stop at the best. */
	if (rs->nchunk > 1)
		qsort(rs->chunk, rs->nchunk, sizeof(*rs->chunk), rx_chunk_cmp);
	if (rs->nchunk > 0) {
		rs->chead = malloc(rs->nchunk * sizeof(*rs->chead));
		if (rs->chead == NULL)
			return werr_set(err, "out of memory");
		for (i = 0; i < rs->nchunk; i++) {
			rs->chead[i].first = rs->chunk[i].ids[0];
			memcpy(rs->chead[i].run, rs->chunk[i].run,
			    sizeof(rs->chead[i].run));
		}
	}
	/* Chunks PCRE2 refused add to it out of order. */
	if (rs->nalone > 1)
		qsort(rs->alone, rs->nalone, sizeof(*rs->alone), rx_id_cmp);
	return 0;
oom:
	free(ends);
	free(comb);
	free(cw.g);
	return werr_set(err, "out of memory");
}

void
policy_regex_free(struct policy_rxset *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++) {
		pcre2_code_free(rs->pat[i].code);
		free(rs->pat[i].key);
	}
	for (i = 0; i < rs->nchunk; i++) {
		pcre2_code_free(rs->chunk[i].code);
		free(rs->chunk[i].ids);
	}
	free(rs->chunk);
	free(rs->chead);
	free(rs->pat);
	policy_bloom_free(&rs->bloom[0]);
	policy_bloom_free(&rs->bloom[1]);
	policy_bloom_free(&rs->bloom[2]);
	free(rs->slot);
	free(rs->ent);
	free(rs->slowbits);
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

	/* The JIT's own entry skips pcre2_match()'s checks and dispatch. */
	rc = pcre2_jit_match(code, (PCRE2_SPTR)subj, len, 0, 0, rx->md,
	    rx->mctx);
	if (rc == PCRE2_ERROR_JIT_BADOPTION)
		rc = pcre2_match(code, (PCRE2_SPTR)subj, len, 0, 0, rx->md,
		    rx->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	rx_message(rc, msg, sizeof(msg));
	return werr_set(err, "%u: %s", rs->pat[id].line, msg);
}

/* Whether the subject's signature shows each pair of rx_sig_key()'s. */
static inline bool
rx_sig_has(const struct policy_rxscratch *rx, uint32_t code)
{
	const uint64_t *sig = rx->sf->sig;
	uint32_t a = code & 0x3ff, b = (code >> 10) & 0x3ff, c = code >> 20;

	return (sig[a >> 6] >> (a & 63) & sig[b >> 6] >> (b & 63) &
	    sig[c >> 6] >> (c & 63) & 1) != 0;
}

/* Whether the subject may hold a key of each of e's sets of several. */
static bool
rx_need_ok(const struct policy_rxset *rs, const struct policy_rxent *e,
    const struct policy_rxscratch *rx)
{
	const uint32_t *b = rs->slowbits + e->slow;
	unsigned j;
	bool any;

	for (; *b != 0; b += 1 + *b) {
		for (any = false, j = 1; j <= *b; j++)
			any |= rx_sig_has(rx, b[j]);
		if (!any)
			return false;
	}
	return true;
}

/*
 * Which keys the subject holds, for rx_ent_ok() and rx_need_ok(): made
 * when the first candidate that needs it comes, which most subjects never
 * have.
 */
static void
rx_sig_make(const struct policy_rxset *rs, struct policy_rxscratch *rx,
    const char *subj, size_t len)
{
	uint64_t *sig = rx->sf->sig;
	unsigned prev = 0, pair;
	size_t i;

	memset(sig, 0, sizeof(rx->sf->sig));
	/*
	 * A pair with a byte of code 0 sets a bit no key asks about: cheaper
	 * than a test.
	 */
	for (i = 0; i < len; i++) {
		pair = prev << 5 | rs->sigcode[(unsigned char)subj[i]];
		sig[pair >> 6] |= 1ULL << (pair & 63);
		prev = pair & 0x1f;
	}
	rx->sf->sig_of = rs;
}

static size_t
rx_max(size_t a, size_t b)
{
	return a > b ? a : b;
}

/*
 * After a run of y bytes of one kind right after x of the other: step k
 * of the stair is the longest y after a run of at least k, so every step
 * up to x holds y. The steps never rise with k: the first from x down
 * that holds y already ends the walk.
 */
static void
rx_stair_add(uint8_t *st, size_t x, size_t y)
{
	size_t k;

	if (y > 255)
		y = 255;
	for (k = x < POLICY_RXSTAIR ? x : POLICY_RXSTAIR - 1;
	    k > 0 && st[k] < y; k--)
		st[k] = (uint8_t)y;
}

static uint8_t
rx_run_cap(size_t n)
{
	return (uint8_t)(n > 255 ? 255 : n);
}

/*
 * The subject's longest run of each class, and its stairs: segment by
 * segment of letters and digits, each run of digits or letters in it
 * notes its length against that of the run before it. The bytes of a
 * run are stepped over in a loop of their own.
 */
static void
rx_runs_make(struct policy_rxscratch *rx, const char *subj, size_t len)
{
	const unsigned char *s = (const unsigned char *)subj;
	uint8_t *ad = rx->sf->stair[0], *da = rx->sf->stair[1],
	    *ads = rx->sf->stair[2];
	size_t i = 0, seg, start, r, prev, lead;
	size_t bd = 0, ba = 0, bn = 0;

	memset(rx->sf->stair, 0, sizeof(rx->sf->stair));
	while (i < len) {
		if (rx_run_tab[s[i]] == 0) {
			i++;
			continue;
		}
		seg = i;
		prev = 0;
		/* Letters starting right after a '/': their length. */
		lead = seg > 0 && s[seg - 1] == '/' &&
		    (rx_run_tab[s[seg]] & 3) == 2 ? SIZE_MAX : 0;
		do {
			start = i;
			if (rx_run_tab[s[i]] & 1) {	/* digits */
				while (++i < len && rx_run_tab[s[i]] & 1)
					;
				r = i - start;
				bd = rx_max(bd, r);
				rx_stair_add(ad, prev, r);
				if (lead != 0 && lead != SIZE_MAX &&
				    start == seg + lead)
					rx_stair_add(ads, lead, r);
			} else {			/* letters */
				while (++i < len && (rx_run_tab[s[i]] & 3) == 2)
					;
				r = i - start;
				ba = rx_max(ba, r);
				rx_stair_add(da, prev, r);
				if (lead == SIZE_MAX)
					lead = r;
			}
			prev = r;
		} while (i < len && rx_run_tab[s[i]] != 0);
		bn = rx_max(bn, i - seg);
	}
	rx->sf->run[RX_RUN_DIGIT] = rx_run_cap(bd);
	rx->sf->run[RX_RUN_ALPHA] = rx_run_cap(ba);
	rx->sf->run[RX_RUN_ALNUM] = rx_run_cap(bn);
	/* Digits are hex digits: rx_hex_make() only when asked for more. */
	rx->sf->run[RX_RUN_HEX] = rx_run_cap(bd);
	rx->sf->hex_made = false;
	rx->sf->run_made = true;
}

/* The subject's longest run of hex digits. */
static void
rx_hex_make(struct policy_rxscratch *rx, const char *subj, size_t len)
{
	const unsigned char *s = (const unsigned char *)subj;
	size_t i, x = 0, bx = 0;

	for (i = 0; i < len; i++) {
		x = rx_run_tab[s[i]] & 8 ? x + 1 : 0;
		bx = rx_max(bx, x);
	}
	rx->sf->run[RX_RUN_HEX] = rx_run_cap(bx);
	rx->sf->hex_made = true;
}

/*
 * Whether the stair st holds y after x (a pair of run[]; without its
 * RX_SEQ_SLASH).
 */
static bool
rx_stair_ok(const uint8_t *st, unsigned x, unsigned y)
{
	return x == 0 ||
	    st[x < POLICY_RXSTAIR ? x : POLICY_RXSTAIR - 1] >= y;
}

/* Whether the subject has the runs run[] says a match needs. */
static inline bool
rx_runs_ok(const uint8_t *run, struct policy_rxscratch *rx,
    const char *subj, size_t len)
{
	uint64_t any;
	unsigned k;

	memcpy(&any, run, sizeof(any));
	if (any == 0)
		return true;
	if (!rx->sf->run_made)
		rx_runs_make(rx, subj, len);
	for (k = 0; k < RX_RUN_HEX; k++)
		if (run[k] > rx->sf->run[k])
			return false;
	if (!rx_stair_ok(rx->sf->stair[run[RX_SEQ_AD] & RX_SEQ_SLASH ? 2 : 0],
	    run[RX_SEQ_AD] & RX_SEQ_MAX, run[RX_SEQ_AD + 1]) ||
	    !rx_stair_ok(rx->sf->stair[1],
	    run[RX_SEQ_DA], run[RX_SEQ_DA + 1]))
		return false;
	/* Last, as its run may still have to be counted. */
	if (run[RX_RUN_HEX] > rx->sf->run[RX_RUN_HEX] && !rx->sf->hex_made)
		rx_hex_make(rx, subj, len);
	return run[RX_RUN_HEX] <= rx->sf->run[RX_RUN_HEX];
}

/* Whether the signature shows the one-key sets e needs. */
static bool
rx_ent_ok(const struct policy_rxset *rs, const struct policy_rxent *e,
    struct policy_rxscratch *rx, const char *subj, size_t len)
{
	unsigned k;

	if (e->need[0] == RX_NEED_NONE && e->need[1] == RX_NEED_NONE &&
	    e->need[2] == RX_NEED_NONE && e->slow == RX_SLOW_NONE)
		return true;
	if (rx->sf->sig_of != rs)
		rx_sig_make(rs, rx, subj, len);
	for (k = 0; k < WD_NELEM(e->need); k++)
		if (e->need[k] != RX_NEED_NONE && !rx_sig_has(rx, e->need[k]))
			return false;
	return true;
}

/*
 * Whether candidate id was run for this subject already (under another
 * of its keys), and notes it. A subject with more candidates than the
 * list holds may run one twice: the same answer, a little later.
 */
static bool
rx_tried(struct policy_rxscratch *rx, uint32_t id)
{
	unsigned k;

	for (k = 0; k < rx->ntried; k++)
		if (rx->tried[k] == id)
			return true;
	if (rx->ntried < RX_TRIED_MAX)
		rx->tried[rx->ntried++] = id;
	return false;
}

/* Runs the patterns of slot sl not tried yet, below *best, in file order. */
static int
rx_probe(const struct policy_rxset *rs, const struct policy_rxslot *sl,
    const char *subj, size_t len, struct policy_rxscratch *rx,
    uint32_t *best, struct werr *err)
{
	const struct policy_rxent *e;
	uint32_t k, id;
	int rc;

	for (k = 0; k < sl->count; k++) {
		e = &rs->ent[sl->start + k];
		id = e->id;
		if (id >= *best)
			break;
		/*
		 * Its sets of several keys are read last, if at all: asked
		 * for now, they come while the rest is checked.
		 */
		if (e->slow != RX_SLOW_NONE)
			__builtin_prefetch(rs->slowbits + e->slow);
		/* All at hand: the pattern is read only to run it. */
		if (!rx_ent_ok(rs, e, rx, subj, len) ||
		    !rx_runs_ok(e->run, rx, subj, len))
			continue;
		if (e->slow != RX_SLOW_NONE && !rx_need_ok(rs, e, rx))
			continue;
		if (rx_tried(rx, id))
			continue;
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
 * The keys the filters let through, probed in three steps so that their
 * cache misses overlap rather than follow one another: every key's slot
 * is fetched, then every found slot's first entry, then the entries are
 * read.
 */
#define RX_HITS_MAX	32
struct rx_hits {
	uint32_t			 key[RX_HITS_MAX];
	const struct policy_rxslot	*slot[RX_HITS_MAX];
	unsigned			 n;
};

static int
rx_hits_probe(const struct policy_rxset *rs, struct rx_hits *h,
    const char *subj, size_t len, struct policy_rxscratch *rx,
    uint32_t *best, struct werr *err)
{
	const struct policy_rxslot *sl;
	unsigned i, n = 0;
	uint32_t j;

	for (i = 0; i < h->n; i++) {
		for (j = rx_slot_home(h->key[i], rs->mask);
		    rs->slot[j].count != 0; j = (j + 1) & (uint32_t)rs->mask)
			if (rs->slot[j].key == h->key[i])
				break;
		sl = &rs->slot[j];
		if (sl->count == 0)
			continue;	/* a filter's false positive */
		__builtin_prefetch(&rs->ent[sl->start]);
		h->slot[n++] = sl;
	}
	h->n = 0;
	for (i = 0; i < n; i++)
		if (rx_probe(rs, h->slot[i], subj, len, rx, best, err) == -1)
			return -1;
	return 0;
}

/* Notes key g for rx_hits_probe(), which runs when there are enough. */
static int
rx_hits_add(const struct policy_rxset *rs, struct rx_hits *h, uint32_t g,
    const char *subj, size_t len, struct policy_rxscratch *rx,
    uint32_t *best, struct werr *err)
{
	__builtin_prefetch(&rs->slot[rx_slot_home(g, rs->mask)]);
	h->key[h->n++] = g;
	if (h->n < RX_HITS_MAX)
		return 0;
	return rx_hits_probe(rs, h, subj, len, rx, best, err);
}

/*
 * The first pattern in file order the index leads to that matches: every
 * two, three and four bytes of the subject, lower-cased, are looked up
 * (in the filter of that length of key, then the index). has2, has3 and
 * has4 say which lengths of key the set has: each caller passes them as
 * constants (rx_match_indexed()), so that the compiler makes a loop for
 * each, with no test a byte for a filter the set does not have.
 */
static inline __attribute__((always_inline)) int
rx_scan(const struct policy_rxset *rs, const char *subj, size_t len,
    struct policy_rxscratch *rx, uint32_t *best, struct werr *err,
    bool has2, bool has3, bool has4)
{
	/* Copies, so that the compiler keeps them in registers. */
	const struct policy_bloom b2 = rs->bloom[0], b3 = rs->bloom[1],
	    b4 = rs->bloom[2];
	struct rx_hits h;
	uint32_t g = 0;
	unsigned c, run = 0, least = has2 ? 2 : has3 ? 3 : 4;
	size_t i;

	h.n = 0;
	/*
	 * One pass: each byte ends a key of each length some key has, but
	 * only if the bytes before it (run of them) are all bytes some key
	 * holds: a byte none holds (often a digit or a ':') rules out the
	 * windows it is in, and needs no lower-casing.
	 */
	for (i = 0; i < len; i++) {
		c = rs->keybyte[(unsigned char)subj[i]];
		g = (g << 8) | c;
		run = c != 0 ? run + 1 : 0;
		if (run < least)
			continue;
		if (has2 && policy_bloom_has(&b2, g & 0xffff) &&
		    rx_hits_add(rs, &h, g & 0xffff, subj, len, rx, best,
		    err) == -1)
			return -1;
		if (run < 3)
			continue;
		if (has3 && policy_bloom_has(&b3, g & 0xffffff) &&
		    rx_hits_add(rs, &h, g & 0xffffff, subj, len, rx, best,
		    err) == -1)
			return -1;
		if (!has4 || run < 4)
			continue;
		if (policy_bloom_has(&b4, g) &&
		    rx_hits_add(rs, &h, g, subj, len, rx, best, err) == -1)
			return -1;
	}
	return rx_hits_probe(rs, &h, subj, len, rx, best, err);
}

/*
 * rx_scan() for the lengths of key the set has: long keys alone, as most
 * sets have, or with some of three bytes, each get a loop of their own.
 */
static int
rx_match_indexed(const struct policy_rxset *rs, const char *subj,
    size_t len, struct policy_rxscratch *rx, uint32_t *best,
    struct werr *err)
{
	bool has2 = rs->bloom[0].w != NULL, has3 = rs->bloom[1].w != NULL,
	    has4 = rs->bloom[2].w != NULL;

	if (!has2 && has4)
		return has3 ?
		    rx_scan(rs, subj, len, rx, best, err, false, true, true) :
		    rx_scan(rs, subj, len, rx, best, err, false, false, true);
	return rx_scan(rs, subj, len, rx, best, err, has2, has3, has4);
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
		if (rs->chead[i].first >= *best)
			break;
		if (!rx_runs_ok(rs->chead[i].run, rx, subj, len))
			continue;
		c = &rs->chunk[i];
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
		/* A later chunk may still hold an earlier line. */
		if (hit < *best)
			*best = hit;
	}
	return 0;
}

int
policy_regex_match(const struct policy_rxset *rs, const char *subj,
    size_t len, struct policy_rxscratch *rx, struct policy_rxsubj *sf,
    struct policy_rxhit *hit, struct werr *err)
{
	uint32_t best = UINT32_MAX;
	size_t i;
	int rc;

	if (rs->n == 0)
		return 0;
	if (sf == NULL) {
		sf = &rx->own;
		sf->s = NULL;
	}
	if (sf->s != subj || sf->len != len) {
		sf->s = subj;
		sf->len = len;
		sf->sig_of = NULL;
		sf->run_made = false;
	}
	rx->sf = sf;
	if (rs->slot != NULL) {
		rx->ntried = 0;
		if (rx_match_indexed(rs, subj, len, rx, &best, err) == -1)
			return -1;
	}
	for (i = 0; i < rs->nalone && rs->alone[i] < best; i++) {
		if (!rx_runs_ok(rs->pat[rs->alone[i]].run, rx, subj, len))
			continue;
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
