#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <CUnit/CUnit.h>

#include "policy_int.h"

/*
 * policy_regex.c against the plain way: each pattern compiled alone (as
 * policy_regex_add() compiles it) and tried in file order, the first that
 * matches being the answer. The index, its keys from groups and
 * alternations, the signature filter and the combined alternations must
 * never change that answer, nor which line it names.
 */

#define RX_OPTIONS	(PCRE2_CASELESS | PCRE2_NEVER_UTF | \
			    PCRE2_NEVER_BACKSLASH_C)
#define MISMATCHES_SHOWN	10

/* A set and the same patterns alone. */
struct pair {
	struct policy_arena	 a;
	struct policy_rxset	*rs;
	struct policy_rxscratch	*rx;
	pcre2_match_data	*md;
	pcre2_code		**code;
	char			**src;
	size_t			 n, cap;
	unsigned		 urls, hits, shown;
};

static void
pair_init(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	p->rs = policy_regex_new();
	p->rx = policy_regex_scratch_new();
	p->md = pcre2_match_data_create(1, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->rs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->rx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->md);
}

/* Adds pat to both when PCRE2 takes it; whether it did. */
static bool
pair_add(struct pair *p, const char *pat)
{
	struct werr err;
	PCRE2_SIZE off;
	pcre2_code *code;
	int e;

	code = pcre2_compile((PCRE2_SPTR)pat, strlen(pat), RX_OPTIONS, &e,
	    &off, NULL);
	if (code == NULL) {
		CU_ASSERT_EQUAL(policy_regex_add(p->rs, &p->a, pat,
		    strlen(pat), 1, &err), -1);
		return false;
	}
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	if (p->n == p->cap) {
		p->cap = p->cap * 2 + 64;
		p->code = realloc(p->code, p->cap * sizeof(*p->code));
		p->src = realloc(p->src, p->cap * sizeof(*p->src));
		CU_ASSERT_PTR_NOT_NULL_FATAL(p->code);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p->src);
	}
	p->code[p->n] = code;
	p->src[p->n] = strdup(pat);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->src[p->n]);
	p->n++;
	CU_ASSERT_EQUAL_FATAL(policy_regex_add(p->rs, &p->a, pat, strlen(pat),
	    (unsigned)p->n, &err), 0);
	return true;
}

static void
pair_build(struct pair *p)
{
	struct werr err;

	CU_ASSERT_EQUAL_FATAL(policy_regex_build(p->rs, &err), 0);
	CU_ASSERT_EQUAL(policy_regex_count(p->rs), p->n);
}

/*
 * Checks one URL: the set's answer is the first pattern's alone; sf as
 * policy_regex_match() takes it.
 */
static void
pair_check_sf(struct pair *p, const char *url, struct policy_rxsubj *sf)
{
	struct policy_rxhit hit;
	struct werr err;
	size_t i, len = strlen(url), first = SIZE_MAX;
	int rc;

	for (i = 0; i < p->n; i++) {
		rc = pcre2_match(p->code[i], (PCRE2_SPTR)url, len, 0, 0,
		    p->md, NULL);
		if (rc >= 0) {
			first = i;
			break;
		}
		if (rc != PCRE2_ERROR_NOMATCH)
			return;		/* a limit: no plain answer */
	}
	rc = policy_regex_match(p->rs, url, len, p->rx, sf, &hit, &err);
	p->urls++;
	p->hits += first != SIZE_MAX;
	if (first == SIZE_MAX && rc == 0)
		return;
	if (first != SIZE_MAX && rc == 1 && hit.line == first + 1 &&
	    strcmp(hit.src, p->src[first]) == 0)
		return;
	CU_FAIL("the set and the plain loop disagree");
	if (p->shown++ < MISMATCHES_SHOWN)
		fprintf(stderr, "\n%s: plain %zu %s, set %d line %u %s\n", url,
		    first == SIZE_MAX ? 0 : first + 1,
		    first == SIZE_MAX ? "-" : p->src[first], rc,
		    rc == 1 ? hit.line : 0, rc == 1 ? hit.src : "-");
}

static void
pair_check(struct pair *p, const char *url)
{
	pair_check_sf(p, url, NULL);
}

static void
pair_free(struct pair *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		pcre2_code_free(p->code[i]);
		free(p->src[i]);
	}
	free(p->code);
	free(p->src);
	pcre2_match_data_free(p->md);
	policy_regex_scratch_free(p->rx);
	policy_regex_free(p->rs);
	policy_arena_free(&p->a);
}

/* Every pattern of pats against every URL of urls (NULL-terminated). */
static void
check_lists(const char *const *pats, const char *const *urls)
{
	struct pair p;
	size_t i;

	pair_init(&p);
	for (i = 0; pats[i] != NULL; i++)
		CU_ASSERT_TRUE(pair_add(&p, pats[i]));
	pair_build(&p);
	for (i = 0; urls[i] != NULL; i++)
		pair_check(&p, urls[i]);
	pair_free(&p);
}

/* check_lists(), then each pattern alone: no earlier line hides a later
 * one's answer. */
static void
check_lists_each(const char *const *pats, const char *const *urls)
{
	const char *one[2] = { NULL, NULL };
	size_t i;

	check_lists(pats, urls);
	for (i = 0; pats[i] != NULL; i++) {
		one[0] = pats[i];
		check_lists(one, urls);
	}
}

/* --- Hand-written cases -------------------------------------------------- */

static void
test_policy_regex_grouped(void)
{
	static const char *const pats[] = {
		"(^|[-./_?=])(cocaine|trojan|bingo)s?([-./_?=]|$)",
		"(free|cheap|best|top)[-_]?(keygen|warez)[0-9]*\\.",
		"\\.(exe|msi|jar)$",
		"[a-z]{6,}[0-9]{5,}\\.(ru|tk|top)/",
		"(?:poker|casino)(?:star|royal)",
		/* More alternatives than an exact set holds. */
		"(aa1|aa2|aa3|aa4|aa5|aa6|aa7|aa8|aa9|ab1|ab2|ab3|ab4|ab5|"
		    "ab6|ab7|ab8|ab9)z",
		"ba1|ba2|ba3|ba4|ba5|ba6|ba7|ba8|ba9|bb1|bb2|bb3|bb4|bb5|"
		    "bb6|bb7|bb8|bb9|bc1|bc2|x[0-9]",
		NULL,
	};
	static const char *const urls[] = {
		"http://x.test/cocaine",
		"http://x.test/a/Trojans/b",
		"http://x.test/bingo?x=1",
		"http://x.test/bingos",
		"http://x.test/xbingo",
		"http://x.test/bingox",
		"http://free-keygen2.test/",
		"http://x.test/cheap_warez.html",
		"http://x.test/topwarez/",
		"http://x.test/keygen.x",
		"http://x.test/setup.EXE",
		"http://x.test/setup.exe?x",
		"http://abcdefg12345.ru/",
		"http://abcdef1234.ru/",
		"http://x.test/pokerroyal",
		"http://x.test/casinostar",
		"http://x.test/poker/royal",
		"http://x.test/ab9z",
		"http://x.test/aa1",
		"http://x.test/bc2",
		"http://x.test/x7",
		NULL,
	};

	check_lists(pats, urls);
}

/* A group, a literal or a branch that may be skipped gives no key. */
static void
test_policy_regex_optional(void)
{
	static const char *const pats[] = {
		"(cocaine)?bar",
		"x(trojan|bingo)*y",
		"(foo(heroin)?)baz",
		"(?:a|(?:poker))?zz",
		"cas(ino){0}x",
		"roulette{0,2}q",
		"jackpot|[0-9]+x",
		"(?:warez|)keygenz",
		"((casino)?x)+y",
		"(bet|wager|)slip",
		"(lottery){0,1}w",
		"hack(er){1}s",
		"(?=.*tunnel)abc",
		"(?!poker)p.k",
		"fetish(?<=[a-z]{6})",
		NULL,
	};
	static const char *const urls[] = {
		"http://x.test/bar",
		"http://x.test/xy",
		"http://x.test/xbingobingoy",
		"http://x.test/foobaz",
		"http://x.test/zz",
		"http://x.test/casx",
		"http://x.test/roulettq",
		"http://x.test/rouletteeq",
		"http://x.test/123x",
		"http://x.test/keygenz",
		"http://x.test/xxy",
		"http://x.test/slip",
		"http://x.test/w",
		"http://x.test/hackers",
		"http://x.test/hacks",
		"http://x.test/abc/tunnel",
		"http://x.test/pak",
		"http://x.test/fetish",
		NULL,
	};

	check_lists(pats, urls);
}

/* Syntax the key reader must read right or leave alone. */
static void
test_policy_regex_syntax(void)
{
	static const char *const pats[] = {
		"ab{,3}cd",		/* literal in PCRE2 10.42 */
		"ef{ 1 }gh",
		"poker{ab}",
		"x{}y",
		"[]a]bcde",
		"[^/]casino",
		"[\\-_]trojan",
		"[[:digit:]]warez",
		"\\x2ekeygen",
		"\\Qa.b\\Ecracked",
		"(?i)NUDE(?-i)Escort",
		"(?#note)hentai",
		"(?x) b o n g",
		"(?<w>milf)x\\k<w>",
		"(hookup)[-_.]?\\1",
		"(*COMMIT)gamble",
		"(?|(flirt)|(singles))q",
		"(?>exploit|exp)loit",
		"\\bbotnet\\b",
		"rootkit\\d+",
		"phish\\w*ing",
		"a\\.b\\/c\\?d",
		"^http://[^/]*\\.onion/",
		"miner{2}z",
		"spy(?:ware)?+x",
		NULL,
	};
	static const char *const urls[] = {
		"http://x.test/ab{,3}cd",
		"http://x.test/abbcd",
		"http://x.test/efgh",
		"http://x.test/ef{ 1 }gh",
		"http://x.test/poker{ab}",
		"http://x.test/x{}y",
		"http://x.test/xy",
		"http://x.test/]bcde",
		"http://x.test/xcasino",
		"http://x.test/-trojan",
		"http://x.test/7warez",
		"http://x.test/.keygen",
		"http://x.test/a.bcracked",
		"http://x.test/nudeescort",
		"http://x.test/hentai",
		"http://x.test/bong",
		"http://x.test/milfxmilf",
		"http://x.test/hookup-hookup",
		"http://x.test/gamble",
		"http://x.test/singlesq",
		"http://x.test/exploitloit",
		"http://x.test/exploit",
		"http://x.test/a-botnet-b",
		"http://x.test/rootkit12",
		"http://x.test/phishing",
		"http://x.test/a.b/c?d",
		"http://abc.onion/",
		"http://x.test/minerrz",
		"http://x.test/spywarex",
		"http://x.test/spyx",
		NULL,
	};

	check_lists(pats, urls);
}

/*
 * Runs of digits, letters, both, hexadecimal digits a pattern needs: each
 * subject has a run just long enough, or one short, or broken where the
 * pattern may break it. Over many chunks: every pattern alone in its
 * start kind is mixed with the others.
 */
static void
test_policy_regex_runs(void)
{
	static const char *const pats[] = {
		"/[a-z]{5}[0-9]{4}/",
		"/[a-z]{6}[0-9]{7}/",
		"\\?[a-z]{1,3}=[a-z0-9]{24,}$",
		"[-.][0-9]{6,}[a-z]{5}\\.",
		"x[0-9]?[0-9]{3}y",
		"[0-9]{3}[-]?[0-9]{3}",
		"[0-9]{3}-?[0-9]{3}w",
		"[a-f0-9]{32}\\.bin",
		"k\\d{5}k",
		"(ab|cd)[0-9]{4}q",
		"abc|[0-9]{9}",
		"[[:digit:]]{5}p",
		"[A-Z]{6}!",
		"[a-z]{3}.[a-z]{3}~",
		"q[0-9]{2,}+z",
		"[0-9]{4}(?=x)[0-9]*",
		"\\x31{5}",
		"[\\d]{4}m",
		"[\\w]{4}x",
		"[0-9\\-]{5}n",
		"[a-z0-9_]{8}o",
		"[g-z]{4}@",
		"[0-9a-f]{10}%",
		"[a-zA-Z]{5}&",
		"z{3}\\*",
		"t[0-9]{2}{,3}u",
		"v[0-9]{2}(?:[0-9]{2})?v",
		"[0-9]{2}[a-z]?[0-9]{2}r",
		"[0-9]*[a-z]{3}[0-9]+s",
		"(?i)[0-9]{4}(?-i)[A-Z]{2}j",
		/* Letters right before digits, digits right before letters. */
		"[0-9]{3}[a-z]{4}\\.",
		"[a-z]{20}[0-9]{2}x",
		"[a-z]{3}[a-z]?[0-9]?[0-9]{2}q",
		"[0-9]{2}[a-z]{2}[0-9]{2}z",
		"[a-z]{4}\\d+[a-z]{4}",
		"[a-z]{2}[0-9]*[a-z]{2}[0-9]{3}g",
		"[a-z]{5}-[a-z]{2}[0-9]{3}h",
		"[0-9]{2}[a-z]{3}[0-9]?[a-z]{2}k",
		"[0-9]{2}[a-z][0-9]?[a-z]{4}l",
		/* Where a class or a group ends is PCRE2's to say. */
		"(?C'x)[0-9]{9}')",
		"(?C{x)[0-9]{9})",
		"[[:](:]][0-9]{9})?",
		"[\\c][0-9]{9}]",
		"(\\c)[0-9]{9})?",
		"[\\E][0-9]{9}]",
		"[^\\E][0-9]{9}]",
		"[\\E]casino]",
		"[\\c]casino]",
		NULL,
	};
	static const char *const urls[] = {
		"http://x.test/abcde1234/",
		"http://x.test/ABCDE1234/",
		"http://x.test/abcd1234/",
		"http://x.test/abcde123/",
		"http://x.test/abcdef1234567/",
		"http://x.test/abcdef123456/",
		"http://x.test/a?id=abcdefghijkl012345678901",
		"http://x.test/a?id=abcdefghijkl01234567890",
		"http://x.test/a?id=abcdefghijkl0123456789-1",
		"http://x-123456abcde.test/",
		"http://x-12345abcde.test/",
		"http://x.test/x123y",
		"http://x.test/x1234y",
		"http://x.test/x12y",
		"http://x.test/123-456",
		"http://x.test/12-3456",
		"http://x.test/123-456w",
		"http://x.test/0123456789abcdef0123456789abcdef.bin",
		"http://x.test/0123456789abcdef0123456789abcde.bin",
		"http://x.test/k12345k",
		"http://x.test/k1234k",
		"http://x.test/cd1234q",
		"http://x.test/abc",
		"http://x.test/123456789",
		"http://x.test/12345p",
		"http://x.test/abcdef!",
		"http://x.test/abc-def~",
		"http://x.test/q12z",
		"http://x.test/1234x",
		"http://x.test/11111",
		"http://x.test/1234m",
		"http://x.test/abcdx",
		"http://x.test/12-34n",
		"http://x.test/ab_cd_efo",
		"http://x.test/ghij@",
		"http://x.test/0123456789%",
		"http://x.test/0123456789abcdef%",
		"http://x.test/AbCdE&",
		"http://x.test/zzz*",
		"http://x.test/ZZZ*",
		"http://x.test/t1u",
		"http://x.test/t1{,3}u",
		"http://x.test/t12{,3}u",
		"http://x.test/v12v",
		"http://x.test/v1234v",
		"http://x.test/v1v",
		"http://x.test/12a34r",
		"http://x.test/1234r",
		"http://x.test/abc1s",
		"http://x.test/1234AbJ",
		"http://x.test/1234abj",
		"http://x.test/[[[[[[[[[]",
		"http://x.test/localhost:8080/",
		"http://x.test/abcde-1234/",
		"http://x.test/1234abcde/",
		"http://x.test/xabcde12345/",
		"http://x.test/123abcd.",
		"http://x.test/12abcd.",
		"http://x.test/123abc.",
		"http://x.test/9123ABCDE.",
		"http://x.test/abcdefghijklmnopqrst12x",
		"http://x.test/abcdefghijklmnopqrs12x",
		"http://x.test/abcdefghijklmnopqrs-12x",
		"http://x.test/abc12q",
		"http://x.test/abcd123q",
		"http://x.test/ab12q",
		"http://x.test/ab1c12q",
		"http://x.test/12ab12z",
		"http://x.test/12a12z",
		"http://x.test/1ab12z",
		"http://x.test/abcd1abcd",
		"http://x.test/abcd1-abcd",
		"http://x.test/abc1abcd",
		"http://x.test/ab12cd345g",
		"http://x.test/abcd345g",
		"http://x.test/ab1cd345g",
		"http://x.test/abcde-fg123h",
		"http://x.test/12abc3dek",
		"http://x.test/12abcdek",
		"http://x.test/12a3bcdel",
		"http://x.test/]casino]",
		NULL,
	};

	check_lists_each(pats, urls);
}

/*
 * Letters right after a '/' and digits right after them: only a subject's
 * letters that start right after a '/' stand for them, and a pattern
 * whose letters may come after something else (an optional '/', a class,
 * another byte) must not ask for that, alone or in an alternation with
 * patterns that do.
 */
static void
test_policy_regex_runs_after_slash(void)
{
	static const char *const pats[] = {
		"/[a-z]{5}[0-9]{4}/",
		"/[a-z]{6}[0-9]{5}/",
		"\\/[a-z]{3,}[0-9]+z",
		"/+[a-z]{2}[0-9]{2}y",
		"/-[a-z]{4}[0-9]{3}w",
		"/?[a-z]{2}[0-9]{2}x",
		"[/.][a-z]{3}[0-9]{3}v",
		"/(?:[a-z]{4})[0-9]{4}u",
		"/[a-z]{2}[a-z]{2}[0-9]{2}t",
		NULL,
	};
	static const char *const urls[] = {
		"http://h.test/abcde1234/", "http://h.test/ABCDE1234/",
		"http://h.test/x-abcde1234/", "http://abcde1234.test/",
		"http://h.test/abcdef1234/", "http://h.test/abcde12345/",
		"http://h.test//abcdef12345/", "http://h.test/1/abcde1234/",
		"abcde1234/", "/abcde1234/", "http://h.test/abc1z",
		"http://h.test/x/abcd123z", "http://h.test/-abc1z",
		"http://h.test///ab12y", "http://h.test/ab12y",
		"http://h.test.ab12y", "http://h.test/-abcd123w",
		"http://h.test/abcd123w", "http://h.test/-ab12x",
		"http://h.test/ab12x", "http://h.test.abc123v",
		"http://h.test/abc123v", "http://h.test/abcd1234u",
		"http://h.test/ab/abcd1234u", "http://h.test/abcd12t",
		"http://h.test/x-abcd12t",
		NULL,
	};
	/* One alternation: what it needs is what both do. */
	static const char *const mixed[] = {
		"/[a-z]{5}[0-9]{4}/", "/?[a-z]{2}[0-9]{2}x", NULL,
	};

	check_lists_each(pats, urls);
	check_lists(mixed, urls);
}

/*
 * A key's own need: a candidate found under "viol" of "violence" needs
 * "ence" too, but a URL matched through another alternative, or through
 * another branch holding the same key, must still be found.
 */
static void
test_policy_regex_own_needs(void)
{
	static const char *const pats[] = {
		"(^|[-./_?=])(crack|violence|cheats)s?([-./_?=]|$)",
		"foo(bar|baz)qux",
		"alphabet|betamax|zetabet",
		"(mirrorsite|mirrorball)-x",
		"violence.{0,3}zz|viol.x",
		"(casino|casinos|casinoroyale)-vip",
		NULL,
	};
	static const char *const urls[] = {
		"http://violet.test/",
		"http://x.test/violet-crack/",
		"http://x.test/violet/crack",
		"http://x.test/violence/",
		"http://x.test/a-violences.",
		"http://x.test/violenc/",
		"http://fooqux.test/foobazqux",
		"http://fooqux.test/foobarqux",
		"http://x.test/foobazqu",
		"http://x.test/fobazqux",
		"http://x.test/betamax",
		"http://x.test/alphabetical",
		"http://x.test/zetabe",
		"http://x.test/alpha-zetabet",
		"http://x.test/mirrorball-x",
		"http://x.test/mirror-x",
		"http://x.test/mirrorsite-x",
		"http://x.test/mirrorsite-y/mirrorball-x",
		"http://x.test/viol-x",
		"http://x.test/violence-zz",
		"http://x.test/violet-zz",
		"http://x.test/casino-vip",
		"http://x.test/casinoroyale-vip",
		"http://x.test/casinor-vip",
		NULL,
	};

	check_lists_each(pats, urls);
}

/*
 * One subject matched against two sets, as a decision's allow and block
 * lists are: what the first worked out of it (its signature, in the
 * byte codes of that set's keys) must not stand for the second, whose
 * keys hold other bytes.
 */
static void
test_policy_regex_two_sets(void)
{
	static const char *const first[] = {
		"abc[^/]*zzz", "zzz[^/]*abc", NULL,
	};
	static const char *const second[] = {
		"xyz.*123", "q7q.*(abc|zzz)", NULL,
	};
	static const char *const urls[] = {
		"http://h.test/abc/zzz/xyz/123",
		"http://h.test/zzz/abc/123/xyz",
		"http://h.test/abc/zzz/q7q/abc",
		"http://h.test/abczzz/xyz/123",
		"http://h.test/xyz/abc/zzz/123",
		NULL,
	};
	struct policy_rxsubj sf;
	struct pair p1, p2;
	size_t i;

	pair_init(&p1);
	pair_init(&p2);
	for (i = 0; first[i] != NULL; i++)
		CU_ASSERT_TRUE(pair_add(&p1, first[i]));
	for (i = 0; second[i] != NULL; i++)
		CU_ASSERT_TRUE(pair_add(&p2, second[i]));
	pair_build(&p1);
	pair_build(&p2);
	for (i = 0; urls[i] != NULL; i++) {
		sf.s = NULL;
		pair_check_sf(&p1, urls[i], &sf);
		pair_check_sf(&p2, urls[i], &sf);
		/* And the other way round. */
		sf.s = NULL;
		pair_check_sf(&p2, urls[i], &sf);
		pair_check_sf(&p1, urls[i], &sf);
	}
	CU_ASSERT_EQUAL(p1.hits, 2);
	CU_ASSERT_EQUAL(p2.hits, 8);
	pair_free(&p1);
	pair_free(&p2);
}

/*
 * Keys made of every printable byte, punctuation included: the scan's
 * table of key bytes holds them all, each caseless letter once.
 */
static void
test_policy_regex_many_bytes(void)
{
	struct pair p;
	char pat[16], url[64];
	unsigned c;

	pair_init(&p);
	for (c = 0x21; c < 0x7f; c++) {
		if (c >= 'A' && c <= 'Z')
			continue;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			snprintf(pat, sizeof(pat), "z%cy%cw", c, c);
		else
			snprintf(pat, sizeof(pat), "z\\%cy\\%cw", c, c);
		CU_ASSERT_TRUE(pair_add(&p, pat));
	}
	pair_build(&p);
	for (c = 0x21; c < 0x7f; c++) {
		snprintf(url, sizeof(url), "http://x.test/z%cy%cw", c, c);
		pair_check(&p, url);
		snprintf(url, sizeof(url), "http://x.test/z%cy%cv", c, c);
		pair_check(&p, url);
		snprintf(url, sizeof(url), "http://x.test/%cz%cy%c%cw", c, c,
		    c, c);
		pair_check(&p, url);
	}
	CU_ASSERT(p.hits >= 60);
	pair_free(&p);
}

/* --- Generated sets ------------------------------------------------------ */

struct rng {
	uint64_t	s;
};

static uint32_t
rng_next(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)(r->s >> 16);
}

static unsigned
rng_below(struct rng *r, unsigned n)
{
	return rng_next(r) % n;
}

/* Filter words, ordinary words that share pieces of them, and more. */
static const char *const words[] = {
	"casino", "poker", "cocaine", "trojan", "bingo", "keygen", "warez",
	"proxy", "porn", "escort", "heroin", "uploaded", "coinhive",
	"firearm", "violence", "hack", "hacker", "http", "www", "com",
	"hero", "coin", "fire", "upload", "book", "bookmaker", "star",
	"cloud", "river", "stone", "local", "static", "violet", "omega",
	"mega", "megaupload", "top", "best", "free", "ru", "tk", "x",
};

static const char *
word(struct rng *r)
{
	return words[rng_below(r, (unsigned)WD_NELEM(words))];
}

/*
 * A pattern and a string it likely matches, written side by side.
 * Both buffers have room (they are far larger than a pattern grows).
 */
struct gen {
	struct rng	*r;
	char		 pat[512], sample[512];
	size_t		 np, ns;
	unsigned	 groups;
};

static void
gen_put(struct gen *g, const char *pat, const char *sample)
{
	size_t a = strlen(pat), b = strlen(sample);

	if (g->np + a + 1 >= sizeof(g->pat) ||
	    g->ns + b + 1 >= sizeof(g->sample))
		return;
	memcpy(g->pat + g->np, pat, a + 1);
	memcpy(g->sample + g->ns, sample, b + 1);
	g->np += a;
	g->ns += b;
}

/* A word, in any case: the set is caseless. */
static void
gen_word(struct gen *g)
{
	char w[32];
	size_t i;

	snprintf(w, sizeof(w), "%s", word(g->r));
	if (rng_below(g->r, 5) == 0)
		for (i = 0; w[i] != '\0'; i++)
			if (w[i] >= 'a' && w[i] <= 'z' &&
			    rng_below(g->r, 2) == 0)
				w[i] = (char)(w[i] - 32);
	gen_put(g, w, w);
}

static void	gen_alt(struct gen *, unsigned);

static void
gen_group(struct gen *g, unsigned depth)
{
	static const char *const open[] = {
		"(", "(", "(", "(?:", "(?:", "(?>", "(?i:", "(?-i:", "(?|",
	};
	char name[16];

	if (rng_below(g->r, 12) == 0) {
		snprintf(name, sizeof(name), "(?<n%u>", g->groups++);
		gen_put(g, name, "");
	} else
		gen_put(g, open[rng_below(g->r, (unsigned)WD_NELEM(open))],
		    "");
	gen_alt(g, depth + 1);
	gen_put(g, ")", "");
}

/* One piece; whether a quantifier may follow it. */
static bool
gen_atom(struct gen *g, unsigned depth)
{
	static const struct {
		const char	*pat, *sample;
		bool		 repeat;
	} small[] = {
		{ "\\.", ".", true }, { "\\-", "-", true },
		{ "\\/", "/", true }, { "\\?", "?", true },
		{ "-", "-", true }, { "/", "/", true }, { "_", "_", true },
		{ "=", "=", true }, { "[-_]", "_", true },
		{ "[-./_?=]", ".", true }, { "[a-z]", "q", true },
		{ "[0-9]", "7", true }, { "[^/]", "z", true },
		{ "[.]", ".", true }, { "[Cc]", "c", true },
		{ "[xyz]", "y", true }, { "[]a]", "]", true },
		{ "[a\\-]", "-", true }, { ".", "k", true },
		{ "\\d", "4", true }, { "\\w", "w", true },
		{ "\\x2e", ".", true }, { "\\x{41}", "a", true },
		{ "{a}", "{a}", true }, { "\\{", "{", true },
		{ "ab{,2}", "ab{,2}", true }, { "\\Qa.b\\E", "a.b", true },
		{ "(?=[a-z])", "", true }, { "(?!-)", "", true },
		{ "(?<=[./])", "", true },
		{ "^", "", false }, { "$", "", false }, { "\\b", "", false },
		{ "\\B", "", false }, { "(?i)", "", false },
		{ "(?-i)", "", false }, { "(?#c)", "", false },
	};
	unsigned k = rng_below(g->r, 10);

	if (k < 5)
		gen_word(g);
	else if (k < 7 && depth < 2)
		gen_group(g, depth);
	else {
		k = rng_below(g->r, (unsigned)WD_NELEM(small));
		gen_put(g, small[k].pat, small[k].sample);
		return small[k].repeat;
	}
	return true;
}

/* A quantifier on the piece whose sample starts at mark. */
static void
gen_quantifier(struct gen *g, size_t mark)
{
	static const char *const q[] = {
		"?", "*", "+", "{2}", "{1,3}", "{0,2}", "{2,}", "{1}", "{0}",
		"??", "*?", "+?", "?+", "++", "{1,2}?", "{0,1}",
	};
	const char *s = q[rng_below(g->r, (unsigned)WD_NELEM(q))];
	char piece[512];

	snprintf(piece, sizeof(piece), "%s", g->sample + mark);
	gen_put(g, s, "");
	if (strcmp(s, "{0}") == 0) {
		g->ns = mark;
		g->sample[mark] = '\0';
	} else if (s[0] == '{' && s[1] == '2')
		gen_put(g, "", piece);
}

static void
gen_branch(struct gen *g, unsigned depth)
{
	unsigned n = 1 + rng_below(g->r, 3), i;
	size_t mark;

	for (i = 0; i < n; i++) {
		mark = g->ns;
		if (gen_atom(g, depth) && rng_below(g->r, 4) == 0)
			gen_quantifier(g, mark);
	}
}

static void
gen_alt(struct gen *g, unsigned depth)
{
	unsigned n = rng_below(g->r, 5) == 0 ? 2 + rng_below(g->r, 2) : 1;
	size_t keep = 0;
	unsigned i, pick = rng_below(g->r, n);

	for (i = 0; i < n; i++) {
		if (i > 0)
			gen_put(g, "|", "");
		/* The sample follows one branch only. */
		if (i != pick)
			keep = g->ns;
		gen_branch(g, depth);
		if (i != pick) {
			g->ns = keep;
			g->sample[g->ns] = '\0';
		}
	}
}

/* A pattern (into g->pat) and a sample; an occasional backreference. */
static void
gen_pattern(struct gen *g)
{
	g->np = g->ns = 0;
	g->pat[0] = g->sample[0] = '\0';
	g->groups = 0;
	gen_alt(g, 0);
	if (rng_below(g->r, 40) == 0)
		gen_put(g, "(x)\\1", "xx");
}

/* A URL; with a sample, the sample somewhere in it. */
static void
gen_url(struct rng *r, const char *sample, char *buf, size_t size)
{
	static const char *const seps[] = {
		"/", "-", "_", ".", "?q=", "&id=", "=", "/", "/",
	};
	static const char *const tlds[] = {
		"com", "net", "ru", "tk", "xyz", "fr", "localhost",
	};
	size_t o, i, n, at;
	char *p;

	o = (size_t)snprintf(buf, size, "http://%s%s%s.%s/",
	    rng_below(r, 3) == 0 ? "www." : "", word(r),
	    rng_below(r, 2) == 0 ? "" : word(r),
	    tlds[rng_below(r, (unsigned)WD_NELEM(tlds))]);
	n = 1 + rng_below(r, 5);
	for (i = 0; i < n && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s%s", word(r),
		    rng_below(r, 3) == 0 ? "42" : "",
		    seps[rng_below(r, (unsigned)WD_NELEM(seps))]);
	if (o >= size)
		o = size - 1;
	for (p = buf + 7; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z' && rng_below(r, 12) == 0)
			*p = (char)(*p - 32);
	if (sample == NULL || o + strlen(sample) + 1 >= size)
		return;
	at = 7 + rng_below(r, (unsigned)(o - 6));
	memmove(buf + at + strlen(sample), buf + at, o - at + 1);
	memcpy(buf + at, sample, strlen(sample));
}

/*
 * Whether pat is worth a place: it compiles and matches neither the empty
 * string nor any of the probes, random URLs (else it would
 * answer for most URLs, and hide the patterns after it).
 */
static bool
selective(const char *pat, char (*probe)[256], unsigned nprobes)
{
	pcre2_match_data *md;
	pcre2_code *code;
	PCRE2_SIZE off;
	unsigned i, n = 0;
	int e;

	code = pcre2_compile((PCRE2_SPTR)pat, strlen(pat), RX_OPTIONS, &e,
	    &off, NULL);
	if (code == NULL)
		return true;	/* pair_add() checks the set refuses it */
	md = pcre2_match_data_create(1, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	if (pcre2_match(code, (PCRE2_SPTR)"", 0, 0, 0, md, NULL) >= 0)
		n = nprobes;
	for (i = 0; i < nprobes && n == 0; i++)
		n += pcre2_match(code, (PCRE2_SPTR)probe[i], strlen(probe[i]),
		    0, 0, md, NULL) >= 0;
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	return n == 0;
}

/*
 * npats generated patterns (and as many samples), nurls URLs of which
 * half hold the sample of a pattern; every URL checked.
 */
static void
check_generated(uint64_t seed, unsigned npats, unsigned nurls)
{
	struct rng r = { seed };
	struct gen g;
	struct pair p;
	char **samples, url[1024], probe[64][256];
	unsigned i, nsamples = 0;

	samples = calloc(npats, sizeof(*samples));
	CU_ASSERT_PTR_NOT_NULL_FATAL(samples);
	pair_init(&p);
	for (i = 0; i < WD_NELEM(probe); i++)
		gen_url(&r, NULL, probe[i], sizeof(probe[i]));
	g.r = &r;
	for (i = 0; i < npats; i++) {
		do
			gen_pattern(&g);
		while (!selective(g.pat, probe, WD_NELEM(probe)));
		if (!pair_add(&p, g.pat))
			continue;
		samples[nsamples] = strdup(g.sample);
		CU_ASSERT_PTR_NOT_NULL_FATAL(samples[nsamples]);
		nsamples++;
	}
	pair_build(&p);
	CU_ASSERT(p.n > npats * 9 / 10);
	for (i = 0; i < nurls; i++) {
		gen_url(&r, i % 2 == 0 && nsamples > 0 ?
		    samples[rng_below(&r, nsamples)] : NULL, url, sizeof(url));
		pair_check(&p, url);
	}
	/* Enough of both answers to mean something. */
	CU_ASSERT(p.hits > p.urls / 10);
	CU_ASSERT(p.hits < p.urls);
	for (i = 0; i < nsamples; i++)
		free(samples[i]);
	free(samples);
	pair_free(&p);
}

/* Few patterns: most URLs match several, so the first must win. */
static void
test_policy_regex_generated_small(void)
{
	check_generated(20261127, 60, 3000);
}

static void
test_policy_regex_generated_large(void)
{
	check_generated(0x5eed0001, 3000, 3000);
}

/* Only filter-word shapes, as UT1 writes them, many to a key. */
static void
test_policy_regex_generated_ut1(void)
{
	struct rng r = { 77 };
	struct pair p;
	char pat[256], url[256];
	unsigned i;

	pair_init(&p);
	for (i = 0; i < 1500; i++) {
		switch (rng_below(&r, 6)) {
		case 0:
			snprintf(pat, sizeof(pat),
			    "(^|[-./_?=])(%s|%s|%s)s?([-./_?=]|$)", word(&r),
			    word(&r), word(&r));
			break;
		case 1:
			snprintf(pat, sizeof(pat),
			    "(free|cheap|best|top)[-_]?(%s|%s)[0-9]*\\.",
			    word(&r), word(&r));
			break;
		case 2:
			snprintf(pat, sizeof(pat), "%s%s|%s%s|%s-%s", word(&r),
			    word(&r), word(&r), word(&r), word(&r), word(&r));
			break;
		case 3:
			snprintf(pat, sizeof(pat), "\\.%s%s\\.(com|ru|xyz)/",
			    word(&r), word(&r));
			break;
		case 4:
			snprintf(pat, sizeof(pat), "%s.{0,3}%s", word(&r),
			    word(&r));
			break;
		default:
			snprintf(pat, sizeof(pat),
			    "^https?://([a-z0-9-]+\\.)*%s-%s[0-9]*\\.",
			    word(&r), word(&r));
			break;
		}
		(void)pair_add(&p, pat);
	}
	pair_build(&p);
	for (i = 0; i < 4000; i++) {
		gen_url(&r, NULL, url, sizeof(url));
		pair_check(&p, url);
	}
	CU_ASSERT(p.hits > p.urls / 10);
	pair_free(&p);
}

static CU_TestInfo cu_tests[] = {
	{ "grouped keys", test_policy_regex_grouped },
	{ "optional pieces give no key", test_policy_regex_optional },
	{ "syntax", test_policy_regex_syntax },
	{ "runs of digits and letters", test_policy_regex_runs },
	{ "letters right after a '/'", test_policy_regex_runs_after_slash },
	{ "each key's own need", test_policy_regex_own_needs },
	{ "keys of every byte", test_policy_regex_many_bytes },
	{ "one subject, two sets", test_policy_regex_two_sets },
	{ "generated, 60 patterns", test_policy_regex_generated_small },
	{ "generated, 3000 patterns", test_policy_regex_generated_large },
	{ "generated, UT1 shapes", test_policy_regex_generated_ut1 },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"policy_regex"
#include "cu_main.h"
