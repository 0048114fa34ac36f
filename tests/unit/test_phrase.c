#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "phrase.h"

#ifndef WD_TEST_DATA
#error "compile with -DWD_TEST_DATA='\"/path/to/tests/unit/data\"'"
#endif

/*
 * Scoring cases write their lists into one mkdtemp() directory (removed
 * at exit); bad lists and includes are files under data/phrases/.
 */
#define DATA(f)		WD_TEST_DATA "/phrases/" f

static char	tmpdir[] = "/tmp/warden-test-phrase.XXXXXX";
static bool	have_tmpdir;

static void
rm_tmpdir(void)
{
	rmdir(tmpdir);
}

/* Writes text to name in the temporary directory; its path. */
static const char *
put(const char *name, const char *text)
{
	static char path[PATH_MAX];
	FILE *fp;

	if (!have_tmpdir) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
		have_tmpdir = true;
		atexit(rm_tmpdir);
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(text, fp);
	CU_ASSERT_EQUAL(fclose(fp), 0);
	return path;
}

/* Loads text as list list of kind kind into ps (the file then goes). */
static void
load(struct phrase_set *ps, unsigned list, enum phrase_kind kind,
    const char *text)
{
	struct werr err = { "" };
	const char *path = put("list", text);

	CU_ASSERT_EQUAL(phrase_set_load(ps, list, kind, path, &err), 0);
	CU_ASSERT_STRING_EQUAL(err.msg, "");
	unlink(path);
}

/* A built set: weighted, banned and exception lists (NULL: none), list 0. */
static struct phrase_set *
set3(const char *weighted, const char *banned, const char *exception)
{
	struct phrase_set *ps = phrase_set_new();
	struct werr err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	if (weighted != NULL)
		load(ps, 0, PHRASE_WEIGHTED, weighted);
	if (banned != NULL)
		load(ps, 0, PHRASE_BANNED, banned);
	if (exception != NULL)
		load(ps, 0, PHRASE_EXCEPTION, exception);
	CU_ASSERT_EQUAL_FATAL(phrase_set_build(ps, &err), 0);
	return ps;
}

/* Scans body in pieces of chunk bytes (0: one feed), lists 0 to 63. */
static struct phrase_result
scan_mask(const struct phrase_set *ps, uint64_t lists, const char *body,
    size_t chunk)
{
	struct phrase_result r;
	struct phrase_scan *s;
	size_t len = strlen(body), off, n;

	memset(&r, 0, sizeof(r));
	s = phrase_scan_new(ps, lists);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	if (chunk == 0)
		chunk = len;
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		phrase_scan_feed(s, body + off, n);
	}
	phrase_scan_result(s, &r);
	phrase_scan_free(s);
	CU_ASSERT_FALSE(r.failed);
	return r;
}

static struct phrase_result
scan(const struct phrase_set *ps, const char *body)
{
	return scan_mask(ps, UINT64_MAX, body, 0);
}

/* The score of body against one weighted list, fed whole and byte-wise. */
static long
score(const char *weighted, const char *body)
{
	struct phrase_set *ps = set3(weighted, NULL, NULL);
	struct phrase_result r1, r2;

	r1 = scan(ps, body);
	r2 = scan_mask(ps, UINT64_MAX, body, 1);
	CU_ASSERT_EQUAL(r1.score, r2.score);
	CU_ASSERT_STRING_EQUAL(r1.detail, r2.detail);
	phrase_set_free(ps);
	return r1.score;
}

/* Loading path as kind fails with err.msg == want. */
static void
check_bad(enum phrase_kind kind, const char *path, const char *want)
{
	struct phrase_set *ps = phrase_set_new();
	struct werr err = { "" };

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	CU_ASSERT_EQUAL(phrase_set_load(ps, 0, kind, path, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	/* and nothing of it can be used */
	CU_ASSERT_EQUAL(phrase_set_build(ps, &err), -1);
	phrase_set_free(ps);
}

#define BAD(kind, f, line, msg)						\
	check_bad(kind, DATA("bad/" f), DATA("bad/" f) ":" #line ": " msg)

/* ------------------------------------------------------------ scoring */

static void
test_phrase_single_counts(void)
{
	struct phrase_set *ps = set3("<casino><40>\n<poker><20>\n", NULL,
	    NULL);
	struct phrase_result r = scan(ps, "casino, casino and casino; poker");

	CU_ASSERT_EQUAL(r.score, 3 * 40 + 20);
	CU_ASSERT_FALSE(r.banned);
	CU_ASSERT_FALSE(r.exception);
	CU_ASSERT_STRING_EQUAL(r.detail, "casino x3 (+120), poker x1 (+20)");
	phrase_set_free(ps);
}

static void
test_phrase_no_match(void)
{
	CU_ASSERT_EQUAL(score("<casino><40>\n", "a page about cats"), 0);
}

static void
test_phrase_negative_weight(void)
{
	CU_ASSERT_EQUAL(score("<casino><40>\n<homework><-20>\n",
	    "casino homework, homework"), 0);
	CU_ASSERT_EQUAL(score("<homework><-20>\n", "homework"), -20);
}

static void
test_phrase_word_boundary(void)
{
	const char *list = "< sex ><50>\n";

	CU_ASSERT_EQUAL(score(list, "sussex sextant essex"), 0);
	CU_ASSERT_EQUAL(score(list, "sex"), 50);
	CU_ASSERT_EQUAL(score(list, "Sex! (sex) sex."), 150);
	CU_ASSERT_EQUAL(score(list, "about sex"), 50);
}

static void
test_phrase_inside_words(void)
{
	CU_ASSERT_EQUAL(score("<sex><50>\n", "sussex sextant"), 100);
}

static void
test_phrase_multiword_and_spaces(void)
{
	const char *list = "<online casino><30>\n";

	CU_ASSERT_EQUAL(score(list, "online   casino"), 30);
	CU_ASSERT_EQUAL(score(list, "online-casino!"), 30);
	CU_ASSERT_EQUAL(score(list, "online\r\n\tcasino"), 30);
	CU_ASSERT_EQUAL(score(list, "onlinecasino"), 0);
}

static void
test_phrase_spaces_not_recounted(void)
{
	/* A run of spaces after a word phrase is one boundary. */
	CU_ASSERT_EQUAL(score("< sex ><50>\n", "sex      sex   "), 100);
}

static void
test_phrase_overlapping(void)
{
	CU_ASSERT_EQUAL(score("<aa><1>\n", "aaaa"), 3);
	CU_ASSERT_EQUAL(score("<he><1>\n<she><10>\n<hers><100>\n", "ushers"),
	    111);
}

static void
test_phrase_digits_kept(void)
{
	const char *list = "< 420 ><10>\n";

	CU_ASSERT_EQUAL(score(list, "it is 420 here"), 10);
	CU_ASSERT_EQUAL(score(list, "4200"), 0);
}

static void
test_phrase_combination_all_parts(void)
{
	struct phrase_set *ps = set3("<online>,<casino>,<bonus><60>\n", NULL,
	    NULL);
	struct phrase_result r = scan(ps,
	    "Bonus: the online casino gives a bonus, bonus!");

	CU_ASSERT_EQUAL(r.score, 60);	/* once, however many times */
	CU_ASSERT_STRING_EQUAL(r.detail, "online+casino+bonus (+60)");
	phrase_set_free(ps);
}

static void
test_phrase_combination_missing_part(void)
{
	CU_ASSERT_EQUAL(score("<online>,<casino>,<bonus><60>\n",
	    "online casino, no extra"), 0);
}

static void
test_phrase_combination_spaces(void)
{
	CU_ASSERT_EQUAL(score("<online> , <casino>  <60>\n",
	    "casino online"), 60);
}

static void
test_phrase_banned(void)
{
	struct phrase_set *ps = set3("<casino><10>\n", "<xyz>\n# comment\n",
	    NULL);
	struct phrase_result r = scan(ps, "casino XYZ");

	CU_ASSERT_TRUE(r.banned);
	CU_ASSERT_FALSE(r.exception);
	CU_ASSERT_EQUAL(r.score, 10);
	CU_ASSERT_STRING_EQUAL(r.detail, "banned phrase \"xyz\"");
	r = scan(ps, "casino xy z");
	CU_ASSERT_FALSE(r.banned);
	phrase_set_free(ps);
}

static void
test_phrase_banned_combination(void)
{
	struct phrase_set *ps = set3(NULL, "<free>,<chips>\n", NULL);
	struct phrase_result r = scan(ps, "chips, for free");

	CU_ASSERT_TRUE(r.banned);
	CU_ASSERT_STRING_EQUAL(r.detail, "banned phrase \"free+chips\"");
	CU_ASSERT_TRUE(scan(ps, "free fish and chipsets").banned);
	CU_ASSERT_FALSE(scan(ps, "free fish").banned);
	phrase_set_free(ps);
}

static void
test_phrase_exception(void)
{
	struct phrase_set *ps = set3("< sex ><50>\n", "<xyz>\n",
	    "<sex education>\n");
	struct phrase_result r = scan(ps, "Sex education: xyz");

	CU_ASSERT_TRUE(r.exception);
	CU_ASSERT_TRUE(r.banned);
	CU_ASSERT_EQUAL(r.score, 50);
	/* the exception decides */
	CU_ASSERT_STRING_EQUAL(r.detail, "exception phrase \"sex education\"");
	r = scan(ps, "sex");
	CU_ASSERT_FALSE(r.exception);
	phrase_set_free(ps);
}

static void
test_phrase_case_insensitive(void)
{
	CU_ASSERT_EQUAL(score("<CaSiNo><10>\n", "CASINO casino Casino"), 30);
}

static void
test_phrase_utf8(void)
{
	const char *list = "<ставки><30>\n<über><5>\n";

	CU_ASSERT_EQUAL(score(list, "Ставки: ставки на спорт"), 30);
	CU_ASSERT_EQUAL(score(list, "\xc3\xbc" "ber"), 5);
	/* only ASCII is folded */
	CU_ASSERT_EQUAL(score(list, "\xc3\x9c" "BER"), 0);
}

/* ------------------------------------------------------------ HTML */

static void
test_phrase_tag_inside_word(void)
{
	const char *list = "<casino><10>\n";

	CU_ASSERT_EQUAL(score(list, "ca<b></b>sino"), 10);
	CU_ASSERT_EQUAL(score(list, "cas<span class=\"x\">ino</span>"), 10);
}

static void
test_phrase_tags_between_words(void)
{
	const char *list = "< casino ><10>\n< poker ><20>\n";

	CU_ASSERT_EQUAL(score(list, "<p>casino</p><p>poker</p>"), 30);
	CU_ASSERT_EQUAL(score(list, "<td>casino</td><td>poker</td>"), 30);
}

static void
test_phrase_views_max_not_sum(void)
{
	/* seen in both views: counted once */
	CU_ASSERT_EQUAL(score("<casino><10>\n", "<p>casino</p>"), 10);
	CU_ASSERT_EQUAL(score("<casino><10>\n",
	    "<p>casino</p> <b>ca</b>sino"), 20);
}

static void
test_phrase_comment(void)
{
	const char *list = "<casino><10>\n<poker><20>\n";

	CU_ASSERT_EQUAL(score(list, "ca<!-- hidden -->sino"), 10);
	CU_ASSERT_EQUAL(score(list, "a <!-- poker -- > still -->casino"), 10);
	CU_ASSERT_EQUAL(score(list, "<!doctype html>casino"), 10);
	/* "->" twice is not "-->", fed whole or a byte at a time */
	CU_ASSERT_EQUAL(score(list, "<!-- ->->casino -->poker"), 20);
}

static void
test_phrase_lt_not_a_tag(void)
{
	const char *list = "< b casino ><10>\n< love casino ><5>\n";

	CU_ASSERT_EQUAL(score(list, "a < b casino"), 10);
	CU_ASSERT_EQUAL(score(list, "love<3 casino"), 0);
	CU_ASSERT_EQUAL(score(list, "<3 love casino"), 5);
}

static void
test_phrase_tag_quoted_gt(void)
{
	const char *list = "< y casino ><10>\n< casino ><1>\n";

	CU_ASSERT_EQUAL(score(list,
	    "<a title=\"x>y\">casino</a>"), 1);
	CU_ASSERT_EQUAL(score(list, "<a title='x>y'>casino</a>"), 1);
}

static void
test_phrase_tag_bounded(void)
{
	char body[2048];

	/* a '<' before a letter that never closes hides 1,024 bytes only */
	memset(body, 'x', sizeof(body));
	memcpy(body, "<b", 2);
	snprintf(body + 1100, sizeof(body) - 1100, " casino");
	CU_ASSERT_EQUAL(score("< casino ><10>\n", body), 10);
	memcpy(body, "<!--", 4);
	CU_ASSERT_EQUAL(score("< casino ><10>\n", body), 10);
}

static void
test_phrase_entities_named(void)
{
	const char *list = "<sex education><-50>\n< casino ><10>\n"
	    "<rock roll><1>\n";

	CU_ASSERT_EQUAL(score(list, "sex&nbsp;education"), -50);
	CU_ASSERT_EQUAL(score(list, "&lt;casino&gt;"), 10);
	CU_ASSERT_EQUAL(score(list, "rock &amp; roll"), 1);
	CU_ASSERT_EQUAL(score(list, "&quot;casino&quot; &apos;casino&apos;"),
	    20);
	CU_ASSERT_EQUAL(score(list, "&AMP;casino"), 10);
}

static void
test_phrase_entity_lt_not_a_tag(void)
{
	/* "&lt;b" is text, not a tag: "b" stays */
	CU_ASSERT_EQUAL(score("< b casino ><10>\n", "&lt;b casino"), 10);
}

static void
test_phrase_entities_numeric(void)
{
	const char *list = "<casino><10>\n";

	CU_ASSERT_EQUAL(score(list, "ca&#115;ino"), 10);
	CU_ASSERT_EQUAL(score(list, "ca&#x73;ino"), 10);
	CU_ASSERT_EQUAL(score(list, "ca&#X73;ino"), 10);
	CU_ASSERT_EQUAL(score(list, "ca&#0115;ino"), 10);
	CU_ASSERT_EQUAL(score(list, "ca&#115ino"), 10);	/* no ';' */
	CU_ASSERT_EQUAL(score(list, "&#67;&#65;&#83;&#73;&#78;&#79;"), 10);
}

static void
test_phrase_entity_utf8(void)
{
	CU_ASSERT_EQUAL(score("<über><5>\n", "&#252;ber &#xfc;ber"), 10);
	CU_ASSERT_EQUAL(score("<€uro><5>\n", "&#8364;uro"), 5);
}

static void
test_phrase_entity_unknown(void)
{
	/* unknown names stay text: "&eacute;" reads " eacute " */
	CU_ASSERT_EQUAL(score("<caf eacute><5>\n", "caf&eacute;"), 5);
	CU_ASSERT_EQUAL(score("<casino><10>\n", "ca&#;sino"), 0);
	CU_ASSERT_EQUAL(score("< casino ><10>\n", "&#;casino"), 10);
}

static void
test_phrase_entity_at_end(void)
{
	/* a numeric entity without ';' at the very end */
	CU_ASSERT_EQUAL(score("< cas ><10>\n", "ca&#115"), 10);
	CU_ASSERT_EQUAL(score("< ca amp ><10>\n", "ca&amp"), 10);
}

static void
test_phrase_entity_split(void)
{
	struct phrase_set *ps = set3("<casino><10>\n<sex education><-50>\n",
	    NULL, NULL);
	size_t chunk;

	for (chunk = 1; chunk <= 6; chunk++) {
		CU_ASSERT_EQUAL(scan_mask(ps, UINT64_MAX, "ca&#115;ino",
		    chunk).score, 10);
		CU_ASSERT_EQUAL(scan_mask(ps, UINT64_MAX, "ca&#x73;ino",
		    chunk).score, 10);
		CU_ASSERT_EQUAL(scan_mask(ps, UINT64_MAX,
		    "sex&nbsp;education", chunk).score, -50);
	}
	phrase_set_free(ps);
}

/* ------------------------------------------------------------ streaming */

static void
test_phrase_split_across_buffers(void)
{
	struct phrase_set *ps = set3("< casino ><10>\n", NULL, NULL);
	struct phrase_scan *s = phrase_scan_new(ps, 1);
	struct phrase_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	phrase_scan_feed(s, "an online cas", 13);
	phrase_scan_result(s, &r);	/* so far: no casino */
	CU_ASSERT_EQUAL(r.score, 0);
	phrase_scan_feed(s, "ino", 3);
	phrase_scan_result(s, &r);	/* the end of the text: a boundary */
	CU_ASSERT_EQUAL(r.score, 10);
	phrase_scan_feed(s, "s", 1);
	phrase_scan_result(s, &r);	/* "casinos": not the word */
	CU_ASSERT_EQUAL(r.score, 0);
	phrase_scan_feed(s, " casino.", 8);
	phrase_scan_result(s, &r);
	CU_ASSERT_EQUAL(r.score, 10);
	phrase_scan_free(s);
	phrase_set_free(ps);
}

static void
test_phrase_bytewise_equals_whole(void)
{
	static const char page[] =
	    "<!DOCTYPE html><html><head><title>Online Casino</title>"
	    "<style>p { color: red; }</style></head><body>"
	    "<!-- a comment about poker -->"
	    "<p class=\"a>b\">Play at our on<b>line</b> ca&#115;ino!</p>"
	    "<p>Poker &amp; roulette &lt;today&gt;, a < b, <3 bonus</p>"
	    "<ul><li>free</li><li>chips</li></ul>"
	    "ca<!-- x -->sino, sex&nbsp;education &eacute; casino</body>"
	    "</html>";
	struct phrase_set *ps = set3("<casino><10>\n< poker ><20>\n"
	    "<online casino><30>\n<free>,<chips><25>\n"
	    "<sex education><-5>\n< roulette today ><7>\n", NULL, NULL);
	struct phrase_result whole, r;
	size_t chunk;

	whole = scan(ps, page);
	CU_ASSERT_EQUAL(whole.score, 4 * 10 + 20 + 2 * 30 + 25 - 5 + 7);
	for (chunk = 1; chunk < 40; chunk++) {
		r = scan_mask(ps, UINT64_MAX, page, chunk);
		CU_ASSERT_EQUAL(r.score, whole.score);
		CU_ASSERT_STRING_EQUAL(r.detail, whole.detail);
	}
	phrase_set_free(ps);
}

static void
test_phrase_empty_body(void)
{
	struct phrase_set *ps = set3("< sex ><50>\n", "<xyz>\n", NULL);
	struct phrase_scan *s = phrase_scan_new(ps, 1);
	struct phrase_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	phrase_scan_result(s, &r);
	CU_ASSERT_EQUAL(r.score, 0);
	CU_ASSERT_FALSE(r.banned);
	CU_ASSERT_FALSE(r.exception);
	CU_ASSERT_STRING_EQUAL(r.detail, "");
	phrase_scan_feed(s, "", 0);
	phrase_scan_result(s, &r);
	CU_ASSERT_EQUAL(r.score, 0);
	phrase_scan_free(s);
	phrase_set_free(ps);
}

static void
test_phrase_empty_set(void)
{
	struct phrase_set *ps = set3(NULL, NULL, NULL);

	CU_ASSERT_EQUAL(phrase_set_count(ps), 0);
	CU_ASSERT_EQUAL(scan(ps, "casino").score, 0);
	phrase_set_free(ps);
}

/* Occurrences of pat in text, overlapping ones too. */
static long
naive_count(const char *text, const char *pat)
{
	const char *p;
	long n = 0;

	for (p = strstr(text, pat); p != NULL; p = strstr(p + 1, pat))
		n++;
	return n;
}

static void
test_phrase_large_set(void)
{
	/*
	 * 7,000 random phrases, a third of them whole words: about 73,000
	 * states, so the narrow table with escapes for the deepest.
	 */
	enum { N = 7000 };
	static char ph[N][20];
	char *list, *body, *padded, *p, *q;
	struct phrase_set *ps;
	uint32_t x = 2463534242u;
	long want = 0;
	size_t len;
	int i, j;

	list = malloc(N * 32);
	body = malloc(N * 20);
	padded = malloc(N * 20 + 2);
	CU_ASSERT_FATAL(list != NULL && body != NULL && padded != NULL);
	p = list;
	q = body;
	for (i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		len = 10 + x % 5;
		for (j = 0; j < (int)len; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			ph[i][j] = (char)('a' + x % 26);
		}
		ph[i][len] = '\0';
		p += sprintf(p, i % 3 == 0 ? "< %s ><%d>\n" : "<%s><%d>\n",
		    ph[i], i % 7 + 1);
		if (i % 29 == 0)
			q += sprintf(q, "%s %s", q == body ? "" : " ", ph[i]);
	}
	snprintf(padded, N * 20 + 2, " %s ", body);
	for (i = 0; i < N; i++) {
		snprintf(list, 32, i % 3 == 0 ? " %s " : "%s", ph[i]);
		want += (i % 7 + 1) * naive_count(padded, list);
	}
	/* the list again: list was used as a scratch buffer */
	p = list;
	for (i = 0; i < N; i++)
		p += sprintf(p, i % 3 == 0 ? "< %s ><%d>\n" : "<%s><%d>\n",
		    ph[i], i % 7 + 1);
	ps = set3(list, NULL, NULL);
	CU_ASSERT(want > 200);
	CU_ASSERT_EQUAL(scan(ps, body).score, want);
	CU_ASSERT_EQUAL(scan_mask(ps, UINT64_MAX, body, 7).score, want);
	CU_ASSERT_EQUAL(scan(ps, "nothing here").score, 0);
	phrase_set_free(ps);
	free(list);
	free(body);
	free(padded);
}

/* ------------------------------------------------------------ lists */

static void
test_phrase_list_mask(void)
{
	struct phrase_set *ps = phrase_set_new();
	struct werr err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	load(ps, 0, PHRASE_WEIGHTED, "<casino><10>\n");
	load(ps, 1, PHRASE_WEIGHTED, "<poker><20>\n<casino><100>\n");
	load(ps, 63, PHRASE_BANNED, "<dice>\n");
	CU_ASSERT_EQUAL_FATAL(phrase_set_build(ps, &err), 0);
	CU_ASSERT_EQUAL(scan_mask(ps, 1, "casino poker dice", 0).score, 10);
	CU_ASSERT_FALSE(scan_mask(ps, 1, "casino poker dice", 0).banned);
	CU_ASSERT_EQUAL(scan_mask(ps, 2, "casino poker dice", 0).score, 120);
	CU_ASSERT_EQUAL(scan_mask(ps, 3, "casino poker", 0).score, 130);
	CU_ASSERT_EQUAL(scan_mask(ps, 0, "casino poker", 0).score, 0);
	CU_ASSERT_TRUE(scan_mask(ps, (uint64_t)1 << 63, "dice", 0).banned);
	phrase_set_free(ps);
}

static void
test_phrase_count(void)
{
	struct phrase_set *ps = set3("<a><1>\n<b>,<c>,<d><2>\n\n# x\n",
	    "<e>\n", NULL);

	CU_ASSERT_EQUAL(phrase_set_count(ps), 3);
	phrase_set_free(ps);
}

static void
test_phrase_kind_str(void)
{
	CU_ASSERT_STRING_EQUAL(phrase_kind_str(PHRASE_WEIGHTED), "weighted");
	CU_ASSERT_STRING_EQUAL(phrase_kind_str(PHRASE_BANNED), "banned");
	CU_ASSERT_STRING_EQUAL(phrase_kind_str(PHRASE_EXCEPTION),
	    "exception");
}

static void
test_phrase_comments_and_blanks(void)
{
	CU_ASSERT_EQUAL(score("#listcategory: \"Gambling\"\n\n   \n"
	    "<casino><10> # trailing comment\n\t<poker> <20>\r\n"
	    "<dice><+5>\n", "casino poker dice"), 35);
}

static void
test_phrase_detail_sorted(void)
{
	struct phrase_set *ps = set3("<casino><40>\n<poker><20>\n"
	    "<homework><-30>\n<dice><1>\n", NULL, NULL);
	struct phrase_result r = scan(ps,
	    "dice poker poker casino homework homework");

	CU_ASSERT_EQUAL(r.score, 1 + 40 + 40 - 60);
	CU_ASSERT_STRING_EQUAL(r.detail, "homework x2 (-60), poker x2 (+40), "
	    "casino x1 (+40), dice x1 (+1)");
	phrase_set_free(ps);
}

static void
test_phrase_detail_cut(void)
{
	char list[4096], body[4096], *p;
	struct phrase_set *ps;
	struct phrase_result r;
	size_t len;
	int i;

	list[0] = body[0] = '\0';
	for (i = 0; i < 20; i++) {
		len = strlen(list);
		snprintf(list + len, sizeof(list) - len,
		    "<longishphrasenumber%c><%d>\n", 'a' + i, 100 - i);
		len = strlen(body);
		snprintf(body + len, sizeof(body) - len,
		    "longishphrasenumber%c ", 'a' + i);
	}
	ps = set3(list, NULL, NULL);
	r = scan(ps, body);
	CU_ASSERT(strlen(r.detail) < sizeof(r.detail));
	CU_ASSERT_STRING_EQUAL(strtok(r.detail, ","),
	    "longishphrasenumbera x1 (+100)");
	/* whole items only: each ends with ')' */
	len = strlen(r.detail);
	while ((p = strtok(NULL, ",")) != NULL) {
		CU_ASSERT_EQUAL(p[strlen(p) - 1], ')');
		len += strlen(p);
	}
	CU_ASSERT(len > 200);
	phrase_set_free(ps);
}

static void
test_phrase_detail_long_phrase(void)
{
	char list[256], banned[256], body[256];
	struct phrase_set *ps;
	struct phrase_result r;

	memset(body, 'q', 200);
	body[200] = '\0';
	snprintf(list, sizeof(list), "<%.200s><1>\n", body);
	snprintf(banned, sizeof(banned), "<%.200s>\n", body);
	ps = set3(list, banned, NULL);
	r = scan(ps, body);
	CU_ASSERT_TRUE(r.banned);
	memset(body, 'q', 64);
	snprintf(body + 64, sizeof(body) - 64, "...\"");
	CU_ASSERT_EQUAL(strncmp(r.detail, "banned phrase \"", 15), 0);
	CU_ASSERT_STRING_EQUAL(r.detail + 15, body);
	phrase_set_free(ps);
}

/* ------------------------------------------------------------ includes */

static void
test_phrase_include_relative(void)
{
	struct phrase_set *ps = phrase_set_new();
	struct werr err = { "" };

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	CU_ASSERT_EQUAL(phrase_set_load(ps, 2, PHRASE_WEIGHTED,
	    DATA("inc/weighted"), &err), 0);
	CU_ASSERT_STRING_EQUAL(err.msg, "");
	CU_ASSERT_EQUAL_FATAL(phrase_set_build(ps, &err), 0);
	CU_ASSERT_EQUAL(phrase_set_count(ps), 3);
	CU_ASSERT_EQUAL(scan_mask(ps, 4, "casino, poker, bet online", 0).score,
	    40 + 20 + 30);
	phrase_set_free(ps);
}

static void
test_phrase_include_loop(void)
{
	check_bad(PHRASE_WEIGHTED, DATA("bad/loop-a"),
	    DATA("bad/loop-b") ":2: include loop: " DATA("bad/loop-a")
	    " is already being read");
}

static void
test_phrase_include_missing(void)
{
	check_bad(PHRASE_WEIGHTED, DATA("bad/include-missing"),
	    DATA("bad/include-missing") ":2: cannot include "
	    DATA("bad/missing") ": No such file or directory");
}

static void
test_phrase_include_bad_line(void)
{
	/* the error names the included file and its line */
	check_bad(PHRASE_WEIGHTED, DATA("bad/include-inner"),
	    DATA("bad/bad-included") ":2: missing weight (expected "
	    "<phrase><weight> or <a>,<b><weight>)");
}

static void
test_phrase_include_depth(void)
{
	char name[32], text[64], want[PATH_MAX + 128];
	struct phrase_set *ps;
	struct werr err;
	int i;

	for (i = 0; i <= 9; i++) {
		snprintf(name, sizeof(name), "deep%d", i);
		snprintf(text, sizeof(text), "<w%d><1>\n.Include<deep%d>\n",
		    i, i + 1);
		put(name, i < 9 ? text : "<w9><1>\n");
	}
	/* deep1 to deep9: nine nested includes, one too many */
	ps = phrase_set_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	CU_ASSERT_EQUAL(phrase_set_load(ps, 0, PHRASE_WEIGHTED,
	    put("deep0", "<w0><1>\n.Include<deep1>\n"), &err), -1);
	snprintf(want, sizeof(want), "%s/deep8:2: includes nested deeper "
	    "than 8", tmpdir);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	phrase_set_free(ps);
	/* eight are fine */
	ps = phrase_set_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	CU_ASSERT_EQUAL(phrase_set_load(ps, 0, PHRASE_WEIGHTED,
	    put("deep1", "<w1><1>\n.Include<deep2>\n"), &err), 0);
	CU_ASSERT_EQUAL(phrase_set_count(ps), 9);
	phrase_set_free(ps);
	for (i = 0; i <= 9; i++) {
		snprintf(want, sizeof(want), "%s/deep%d", tmpdir, i);
		unlink(want);
	}
}

/* ------------------------------------------------------------ bad lines */

static void
test_phrase_bad_unclosed(void)
{
	BAD(PHRASE_WEIGHTED, "unclosed", 3, "unbalanced <>: '<' without '>'");
}

static void
test_phrase_bad_nested(void)
{
	BAD(PHRASE_WEIGHTED, "nested", 2, "unbalanced <>: '<' inside <...>");
}

static void
test_phrase_bad_stray_close(void)
{
	BAD(PHRASE_WEIGHTED, "stray-close", 3,
	    "unbalanced <>: '>' without '<'");
}

static void
test_phrase_bad_no_bracket(void)
{
	BAD(PHRASE_WEIGHTED, "no-bracket", 2,
	    "expected <phrase> at 'casino<40>'");
}

static void
test_phrase_bad_empty(void)
{
	BAD(PHRASE_WEIGHTED, "empty", 2, "empty phrase <>");
}

static void
test_phrase_bad_empty_punct(void)
{
	BAD(PHRASE_WEIGHTED, "empty-punct", 2, "empty phrase < -- >");
}

static void
test_phrase_bad_no_weight(void)
{
	BAD(PHRASE_WEIGHTED, "no-weight", 2, "missing weight (expected "
	    "<phrase><weight> or <a>,<b><weight>)");
}

static void
test_phrase_bad_weight_in_banned(void)
{
	BAD(PHRASE_BANNED, "weight-in-banned", 2, "a weight in a banned list "
	    "(expected <phrase> or <a>,<b>)");
}

static void
test_phrase_bad_weight_in_exception(void)
{
	BAD(PHRASE_EXCEPTION, "weight-in-banned", 2, "a weight in an "
	    "exception list (expected <phrase> or <a>,<b>)");
}

static void
test_phrase_bad_weight_junk(void)
{
	BAD(PHRASE_WEIGHTED, "weight-junk", 2, "weight <forty> is not an "
	    "integer from -100000 to 100000");
}

static void
test_phrase_bad_weight_range(void)
{
	BAD(PHRASE_WEIGHTED, "weight-range", 2, "weight <100001> is not an "
	    "integer from -100000 to 100000");
	BAD(PHRASE_WEIGHTED, "weight-range-neg", 2, "weight <-100001> is not "
	    "an integer from -100000 to 100000");
}

static void
test_phrase_bad_after_weight(void)
{
	BAD(PHRASE_WEIGHTED, "after-weight", 2,
	    "unexpected '<10>' after the weight");
}

static void
test_phrase_bad_comma_end(void)
{
	BAD(PHRASE_WEIGHTED, "comma-end", 2, "',' not followed by <phrase>");
}

static void
test_phrase_bad_comma_missing(void)
{
	BAD(PHRASE_BANNED, "comma-missing", 2, "expected ',' between the "
	    "phrases of a combination");
}

static void
test_phrase_bad_long_line(void)
{
	BAD(PHRASE_WEIGHTED, "long-line", 2, "line longer than 4096 bytes");
}

static void
test_phrase_bad_long_phrase(void)
{
	BAD(PHRASE_WEIGHTED, "long-phrase", 2, "phrase longer than 256 "
	    "bytes");
}

static void
test_phrase_bad_unreadable(void)
{
	check_bad(PHRASE_WEIGHTED, DATA("bad/nothing-here"),
	    DATA("bad/nothing-here") ": No such file or directory");
	check_bad(PHRASE_WEIGHTED, DATA("bad"),
	    DATA("bad") ": Is a directory");
}

static void
test_phrase_bad_too_many(void)
{
	char *text, *p, path[PATH_MAX], want[PATH_MAX + 64];
	struct phrase_set *ps;
	struct werr err;
	int i;

	/* 1,001 files of 1,000 entries: one more than the 1,000,000 */
	text = malloc(1001 * 32);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (p = text, i = 0; i < 1000; i++)
		p += sprintf(p, "<p%d><1>\n", i);
	put("thousand", text);
	for (p = text, i = 0; i < 1001; i++)
		p += sprintf(p, ".Include<thousand>\n");
	snprintf(path, sizeof(path), "%s", put("million", text));
	free(text);
	ps = phrase_set_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	CU_ASSERT_EQUAL(phrase_set_load(ps, 0, PHRASE_WEIGHTED, path, &err),
	    -1);
	snprintf(want, sizeof(want), "%s/thousand:1: too many entries (at "
	    "most 1000000)", tmpdir);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	CU_ASSERT_EQUAL(phrase_set_count(ps), 1000000);
	phrase_set_free(ps);
	unlink(path);
	snprintf(path, sizeof(path), "%s/thousand", tmpdir);
	unlink(path);
}

static void
test_phrase_bad_list_number(void)
{
	struct phrase_set *ps = phrase_set_new();
	struct werr err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	CU_ASSERT_EQUAL(phrase_set_load(ps, 64, PHRASE_WEIGHTED,
	    DATA("inc/weighted"), &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, DATA("inc/weighted")
	    ": list 64 out of range (0 to 63)");
	phrase_set_free(ps);
}

static void
test_phrase_not_built(void)
{
	struct phrase_set *ps = phrase_set_new();
	struct werr err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	CU_ASSERT_PTR_NULL(phrase_scan_new(ps, 1));
	CU_ASSERT_EQUAL(phrase_set_build(ps, &err), 0);
	CU_ASSERT_EQUAL(phrase_set_load(ps, 0, PHRASE_WEIGHTED,
	    DATA("inc/weighted"), &err), -1);
	CU_ASSERT_EQUAL(phrase_set_build(ps, &err), -1);
	phrase_set_free(ps);
}

/* ------------------------------------------------------------ shipped */

#define SHIPPED(f)	WD_TEST_DATA "/../../../policies/phrases/" f

/* Every shipped list, each in its own list number. */
static struct phrase_set *
shipped(void)
{
	static const struct {
		const char		*path;
		enum phrase_kind	 kind;
	} files[] = {
		{ SHIPPED("pornography/weighted"), PHRASE_WEIGHTED },
		{ SHIPPED("pornography/banned"), PHRASE_BANNED },
		{ SHIPPED("pornography/exception"), PHRASE_EXCEPTION },
		{ SHIPPED("gambling/weighted"), PHRASE_WEIGHTED },
		{ SHIPPED("drugs/weighted"), PHRASE_WEIGHTED },
		{ SHIPPED("violence/weighted"), PHRASE_WEIGHTED },
		{ SHIPPED("goodphrases/weighted"), PHRASE_WEIGHTED },
	};
	struct phrase_set *ps = phrase_set_new();
	struct werr err = { "" };
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		CU_ASSERT_EQUAL(phrase_set_load(ps, (unsigned)i, files[i].kind,
		    files[i].path, &err), 0);
	CU_ASSERT_STRING_EQUAL(err.msg, "");
	CU_ASSERT_EQUAL_FATAL(phrase_set_build(ps, &err), 0);
	return ps;
}

static void
test_phrase_shipped_load(void)
{
	struct phrase_set *ps = shipped();

	CU_ASSERT(phrase_set_count(ps) > 300);
	phrase_set_free(ps);
}

static void
test_phrase_shipped_innocent_pages(void)
{
	static const char *const pages[] = {
		"<h1>Relationships and sex education</h1><p>Our lessons "
		"cover puberty, the menstrual cycle, contraception and "
		"consent. Students learn about sexual health and sexually "
		"transmitted infections. Questions about sex are welcome.</p>",
		"Breast cancer is the most common cancer in women. Breast "
		"screening with a mammogram can find it early.",
		"Drug education: the effects of drugs such as cannabis, "
		"cocaine and heroin, and where to find help.",
		"The council approved a new casino on the waterfront. "
		"Opponents said the casino would increase problem gambling. "
		"The casino operator promised jobs.",
		"Our art history course looks at the nude in Renaissance "
		"painting.",
		"Essex and Sussex pupils studied sextants; the teacher asked "
		"them to analyse the document.",
	};
	struct phrase_set *ps = shipped();
	struct phrase_result r;
	size_t i;

	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		r = scan(ps, pages[i]);
		CU_ASSERT(r.score < 50);
		CU_ASSERT_FALSE(r.banned);
	}
	phrase_set_free(ps);
}

static void
test_phrase_shipped_bad_pages(void)
{
	static const char *const pages[] = {
		"Online casino: claim your welcome bonus and 100 free spins! "
		"Play slots and live casino games for real money. Wagering "
		"requirements apply. Gamble responsibly.",
		"Sports betting with enhanced odds and a free bet when you "
		"join our sportsbook. Place your bets now.",
		"Buy weed online with discreet shipping: THC gummies and kush. "
		"Stealth shipping, no prescription needed.",
		"Uncensored gore videos: real death footage and torture video "
		"from our shock site.",
	};
	struct phrase_set *ps = shipped();
	size_t i;

	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		CU_ASSERT(scan(ps, pages[i]).score >= 100);
	CU_ASSERT_TRUE(scan(ps, "Free porn videos").banned);
	phrase_set_free(ps);
}

/* ------------------------------------------------------------ differential */

/*
 * A model of the scan, slow and plain, for the differential test: the
 * body read one byte at a time, by the rules phrase.h states, into the
 * two views as strings, and each phrase counted in them by brute force.
 * It shares no code with the scanner (which reads a body in many ways:
 * tags by memchr(), long runs of text as two halves at once, entities a
 * byte at a time), so the two agreeing on many inputs, fed whole and in
 * pieces, says the scanner's fast paths change nothing.
 */
enum ref_tok {
	REF_TEXT, REF_LT, REF_TAG, REF_QUOTE, REF_BANG, REF_BANG_DASH,
	REF_COMMENT, REF_ENT,
};

struct ref {
	char		*v[2];		/* view A: tags a space; B: gone */
	size_t		 n[2];
	enum ref_tok	 tok;
	unsigned	 taglen, dashes, entlen;
	bool		 after_eq;
	uint8_t		 quote;
	uint8_t		 ent[16];
};

static bool
ref_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
ref_digit(uint8_t c, bool hex)
{
	return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F')));
}

static char
ref_norm(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80)
		return (char)c;
	return ' ';
}

/* Byte c, normalised, to the views in views (1: A, 2: B, 3: both). */
static void
ref_put(struct ref *r, unsigned views, uint8_t c)
{
	char n = ref_norm(c);
	unsigned v;

	for (v = 0; v < 2; v++)
		if ((views & (1u << v)) != 0 &&
		    (n != ' ' || r->v[v][r->n[v] - 1] != ' '))
			r->v[v][r->n[v]++] = n;
}

static void
ref_cp(struct ref *r, uint32_t cp)
{
	if (cp == 0 || cp == 0xa0 || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp > 0x10ffff)
		ref_put(r, 3, ' ');
	else if (cp < 0x80)
		ref_put(r, 3, (uint8_t)cp);
	else if (cp < 0x800) {
		ref_put(r, 3, (uint8_t)(0xc0 | cp >> 6));
		ref_put(r, 3, (uint8_t)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		ref_put(r, 3, (uint8_t)(0xe0 | cp >> 12));
		ref_put(r, 3, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		ref_put(r, 3, (uint8_t)(0x80 | (cp & 0x3f)));
	} else {
		ref_put(r, 3, (uint8_t)(0xf0 | cp >> 18));
		ref_put(r, 3, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
		ref_put(r, 3, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		ref_put(r, 3, (uint8_t)(0x80 | (cp & 0x3f)));
	}
}

/* The "&..." read so far is text after all. */
static void
ref_flush(struct ref *r)
{
	unsigned i;

	for (i = 0; i < r->entlen; i++)
		ref_put(r, 3, r->ent[i]);
	r->entlen = 0;
	r->tok = REF_TEXT;
}

/*
 * A numeric entity ends: its code point (true), or its bytes as text when
 * it has no digit (false).
 */
static bool
ref_num(struct ref *r)
{
	bool hex = r->entlen >= 3 && (r->ent[2] == 'x' || r->ent[2] == 'X');
	unsigned i = hex ? 3 : 2;
	uint32_t cp = 0;

	if (i >= r->entlen) {
		ref_flush(r);
		return false;
	}
	for (; i < r->entlen; i++) {
		cp = cp * (hex ? 16 : 10) + (uint32_t)(r->ent[i] <= '9' ?
		    r->ent[i] - '0' : (r->ent[i] | 0x20) - 'a' + 10);
		if (cp > 0x10ffff)
			cp = 0x110000;
	}
	r->entlen = 0;
	r->tok = REF_TEXT;
	ref_cp(r, cp);
	return true;
}

/* Byte c of an entity: whether it was taken. */
static bool
ref_ent(struct ref *r, uint8_t c)
{
	static const struct {
		const char	*name;
		uint32_t	 cp;
	} names[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' },
		{ "quot", '"' }, { "apos", '\'' }, { "nbsp", 0xa0 },
	};
	bool hex = r->entlen >= 3 && (r->ent[2] == 'x' || r->ent[2] == 'X');
	size_t i;

	if (r->entlen == 1 ? c == '#' || ref_alpha(c) :
	    r->ent[1] == '#' ? (r->entlen == 2 && (c == 'x' || c == 'X')) ||
	    ref_digit(c, hex) : ref_alpha(c) || ref_digit(c, false)) {
		if (r->entlen < sizeof(r->ent)) {
			r->ent[r->entlen++] = c;
			return true;
		}
		ref_flush(r);		/* too long */
		return false;
	}
	if (r->entlen > 1 && r->ent[1] == '#')
		return ref_num(r) && c == ';';	/* "&#115;", "&#115 " */
	if (c == ';')
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == r->entlen - 1 &&
			    strncasecmp(names[i].name, (char *)r->ent + 1,
			    r->entlen - 1) == 0) {
				r->entlen = 0;
				r->tok = REF_TEXT;
				ref_cp(r, names[i].cp);
				return true;
			}
	ref_flush(r);
	return false;
}

/* Byte c of the body. */
static void
ref_byte(struct ref *r, uint8_t c)
{
again:
	switch (r->tok) {
	case REF_TEXT:
		if (c == '<')
			r->tok = REF_LT;
		else if (c == '&') {
			r->tok = REF_ENT;
			r->ent[0] = '&';
			r->entlen = 1;
		} else
			ref_put(r, 3, c);
		return;
	case REF_LT:
		if (ref_alpha(c) || c == '/' || c == '?' || c == '!') {
			ref_put(r, 1, ' ');
			r->tok = c == '!' ? REF_BANG : REF_TAG;
			r->taglen = r->dashes = 0;
			r->after_eq = false;
			return;
		}
		ref_put(r, 3, '<');		/* "a < b": text */
		r->tok = REF_TEXT;
		goto again;
	case REF_ENT:
		if (ref_ent(r, c))
			return;
		goto again;
	default:
		break;
	}
	if (++r->taglen > 1024) {
		r->tok = REF_TEXT;		/* given up */
		goto again;
	}
	switch (r->tok) {
	case REF_BANG:
	case REF_BANG_DASH:
		if (c == '-') {
			r->tok = r->tok == REF_BANG ? REF_BANG_DASH :
			    REF_COMMENT;
			return;
		}
		r->tok = REF_TAG;		/* "<!doctype", "<!-x" */
		break;
	case REF_COMMENT:
		if (c == '>' && r->dashes >= 2)
			r->tok = REF_TEXT;
		else
			r->dashes = c != '-' ? 0 : r->dashes < 2 ?
			    r->dashes + 1 : 2;
		return;
	case REF_QUOTE:
		if (c == r->quote)
			r->tok = REF_TAG;
		return;
	default:
		break;
	}
	if (c == '>')
		r->tok = REF_TEXT;
	else if (c == '=')
		r->after_eq = true;
	else if ((c == '"' || c == '\'') && r->after_eq) {
		r->tok = REF_QUOTE;
		r->quote = c;
		r->after_eq = false;
	} else if (c == 0 || memchr(" \t\r\n\f\v", c, 6) == NULL)
		r->after_eq = false;
}

/* The two views of body, each starting and ending with a space. */
static void
ref_views(struct ref *r, const uint8_t *body, size_t len)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 2; i++) {
		r->v[i] = malloc(len + 16);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r->v[i]);
		r->v[i][r->n[i]++] = ' ';
	}
	for (i = 0; i < len; i++)
		ref_byte(r, body[i]);
	if (r->tok == REF_ENT) {
		if (r->entlen >= 2 && r->ent[1] == '#')
			(void)ref_num(r);
		else
			ref_flush(r);
	}
	ref_put(r, 3, ' ');
}

/* Occurrences of pat (normalised) in view v, overlapping ones too. */
static long
ref_count(const struct ref *r, unsigned v, const char *pat, size_t plen)
{
	long n = 0;
	size_t i;

	for (i = 0; i + plen <= r->n[v]; i++)
		if (memcmp(r->v[v] + i, pat, plen) == 0)
			n++;
	return n;
}

/* A phrase as the lists write it, normalised: what the views hold. */
static size_t
ref_pattern(const char *phrase, char *out)
{
	size_t n = 0;
	char c;

	for (; *phrase != '\0'; phrase++) {
		c = ref_norm((uint8_t)*phrase);
		if (c != ' ' || n == 0 || out[n - 1] != ' ')
			out[n++] = c;
	}
	return n;
}

static uint64_t	diff_rng = 0x2545f4914f6cdd1dull;

static uint32_t
diff_rnd(uint32_t n)
{
	diff_rng ^= diff_rng << 13;
	diff_rng ^= diff_rng >> 7;
	diff_rng ^= diff_rng << 17;
	return (uint32_t)((diff_rng >> 11) % n);
}

/*
 * A random HTML-like body of up to max bytes: words of the phrases,
 * blanks, tags with quoted and unquoted values, comments, "<!...>", '<'
 * in text, entities of every kind (cut at any byte when fed in pieces),
 * UTF-8 and stray bytes, and now and then a long run of text (with runs
 * of spaces) or a tag, value or comment that never ends.
 */
static size_t
diff_body(uint8_t *b, size_t max)
{
	static const char *const words[] = {
		"casino", "cas", "ino", "poker", "sex", "education", "a",
		"b", "online", "free", "chips", "\xc3\xbc" "ber", "x", "18",
		"amp", "lt", "nbsp", "CASINO", "Sex", "\xe2\x82\xac" "uro",
		"ss", "xxx", "class",
	};
	static const char *const frags[] = {
		" ", "  ", "\n", "\t", ",", ".", "-", "!", "<b>", "</b>",
		"<p>", "</p>", "<a href=\"x>y\">", "<a title='x>y' class=x>",
		"<img alt = \"casino\" src=x/>", "<div data-x=\"1\"data-y='2'>",
		"<br/>", "<?xml casino?>", "<a b=\"c\" d= 'e' f =g h>",
		"<a =\"x>\">", "<a x\"y>z\">", "<p\n class=\"x\"\n>", "<a",
		"<a f=g 'x>y'>", "<a f=g \"x>ss\">", "<a f= \t\"x>y\">",
		"<a href=", "\"", "'", "=", ">", "<a b='", "<!-- casino -->",
		"<!---->", "<!-->", "<!--->", "<!-- a -- > b -->",
		"<!--- x --->", "<!doctype html>", "<!x>", "<!-x>", "<!>",
		"<!--", "-->", "--", "<!-", "<!", "< ", "<3", "<<", "a<b",
		"<", "<=", "&amp;", "&AMP;", "&amp", "&lt;", "&gt;",
		"&quot;", "&apos;", "&nbsp;", "&NbSp;", "&#115;", "&#x73;",
		"&#X73;", "&#115", "&#;", "&#x;", "&#", "&", "&&", "&#0;",
		"&#160;", "&#xD800;", "&#1114112;", "&#99999999999999;",
		"&#xfc;", "&#8364;", "&eacute;", "&toolongentityname;",
		"&a1;", "&#x1F600;", "&#00000000000000115;", "&#x73",
		"&#x0000000000073;", "&lt", "&#67;&#65;&#83;", "\xc3\xbc",
		"\xe2\x82\xac", "\xff", "\x80",
		"<script>var x = 1 < 2 && y > 3;</script>",
		"<style>p { color: red; }</style>",
	};
	size_t n = 0, i, k, target = 1 + diff_rnd(diff_rnd(4) == 0 ?
	    3000 : 300);
	const char *f;

	while (n < target && n + 2100 < max) {
		switch (diff_rnd(40)) {
		case 0:				/* any byte, NUL too */
			b[n++] = (uint8_t)diff_rnd(256);
			break;
		case 1:				/* unended for 1,024+ bytes */
			f = diff_rnd(3) == 0 ? "<b " : diff_rnd(2) ?
			    "<!--" : "<a t=\"";
			memcpy(b + n, f, strlen(f));
			n += strlen(f);
			for (k = 1000 + diff_rnd(60), i = 0; i < k; i++)
				b[n++] = diff_rnd(20) == 0 ? '-' :
				    diff_rnd(30) == 0 ? ' ' : 'x';
			break;
		case 2:				/* a long run of text */
			for (k = n + diff_rnd(2000); n < k; ) {
				f = words[diff_rnd(WD_NELEM(words))];
				memcpy(b + n, f, strlen(f));
				n += strlen(f);
				i = diff_rnd(10) == 0 ? diff_rnd(80) : 1;
				while (i-- > 0)
					b[n++] = diff_rnd(3) != 0 ? ' ' : '\n';
			}
			break;
		default:
			f = diff_rnd(2) == 0 ?
			    words[diff_rnd(WD_NELEM(words))] :
			    frags[diff_rnd(WD_NELEM(frags))];
			memcpy(b + n, f, strlen(f));
			n += strlen(f);
			break;
		}
	}
	return n;
}

/* Scans body fed in pieces cut at cuts[0..ncut-1], counting lists. */
static struct phrase_result
scan_cuts(const struct phrase_set *ps, uint64_t lists, const uint8_t *body,
    size_t len, const size_t *cuts, size_t ncut)
{
	struct phrase_result r;
	struct phrase_scan *s = phrase_scan_new(ps, lists);
	size_t i, off = 0, to;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (i = 0; i <= ncut; i++) {
		to = i < ncut ? cuts[i] : len;
		phrase_scan_feed(s, body + off, to - off);
		off = to;
	}
	phrase_scan_result(s, &r);
	phrase_scan_free(s);
	CU_ASSERT_FALSE(r.failed);
	return r;
}

/* The phrases of the differential test, each in its own list. */
static const char *const diff_phrases[] = {
	"casino", " casino ", "cas", " cas ", "ino ", " poker ",
	"online casino", "a b", " a ", " b ", "\xc3\xbc" "ber",
	"\xe2\x82\xac" "uro", " 18 ", "amp", " lt ", "nbsp", "x x", " x ",
	"ca amp", "b casino", "eacute", "s", "sino ca", "\xc3",
	"casino online casino poker", "ss", "xx",
};

/* The set: phrase i weighs 1 in list i; filler (when given) in list 63. */
static struct phrase_set *
diff_set(const char *filler)
{
	struct phrase_set *ps = phrase_set_new();
	char line[128];
	struct werr err;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	for (i = 0; i < WD_NELEM(diff_phrases); i++) {
		snprintf(line, sizeof(line), "<%s><1>\n", diff_phrases[i]);
		load(ps, (unsigned)i, PHRASE_WEIGHTED, line);
	}
	if (filler != NULL)
		load(ps, 63, PHRASE_WEIGHTED, filler);
	CU_ASSERT_EQUAL_FATAL(phrase_set_build(ps, &err), 0);
	return ps;
}

/*
 * Whether each phrase counts in body, fed as cut, what the model finds
 * (the larger of its counts in the two views). On the first difference,
 * says where and returns false.
 */
static bool
diff_check(const struct phrase_set *ps, const struct ref *r,
    const uint8_t *body, size_t len, const size_t *cuts, size_t ncut)
{
	char pat[128];
	long a, b, got;
	size_t i, plen;

	for (i = 0; i < WD_NELEM(diff_phrases); i++) {
		plen = ref_pattern(diff_phrases[i], pat);
		a = ref_count(r, 0, pat, plen);
		b = ref_count(r, 1, pat, plen);
		got = scan_cuts(ps, (uint64_t)1 << i, body, len, cuts,
		    ncut).score;
		if (got == (a > b ? a : b))
			continue;
		fprintf(stderr, "\nphrase <%s>: scanned %ld, model %ld "
		    "(view A %ld, B %ld), fed in %zu pieces; body %zu "
		    "bytes:\n", diff_phrases[i], got, a > b ? a : b, a, b,
		    ncut + 1, len);
		fwrite(body, 1, len, stderr);
		fprintf(stderr, "\n");
		return false;
	}
	return true;
}

static void
test_phrase_differential(void)
{
	enum { BODIES = 600, MAX = 8192 };
	struct phrase_set *wide, *narrow, *mixed;
	struct phrase_result whole, r;
	static uint8_t body[MAX];
	static size_t cuts[MAX];
	char *filler, *p;
	struct ref ref;
	uint32_t x = 2463534242u;
	size_t it, len, ncut, i, j;
	bool ok = true;

	/* 7,000 random phrases more: a narrow table, escapes too. */
	filler = malloc(7000 * 24);
	CU_ASSERT_PTR_NOT_NULL_FATAL(filler);
	for (p = filler, i = 0; i < 7000; i++) {
		*p++ = '<';
		for (j = 0; j < 10 + i % 5; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			*p++ = (char)('a' + x % 26);
		}
		p += sprintf(p, "><%d>\n", (int)(i % 7) + 1);
	}
	*p = '\0';
	wide = diff_set(NULL);
	narrow = diff_set(filler);
	free(filler);
	mixed = set3("<casino><10>\n< poker ><-20>\n<free>,<chips><25>\n"
	    "<online casino><30>\n<\xc3\xbc" "ber><7>\n",
	    "<poker casino>\n<free>,<sex>\n",
	    "<education casino education>\n");
	for (it = 0; it < BODIES && ok; it++) {
		len = diff_body(body, sizeof(body));
		ref_views(&ref, body, len);
		/* whole, then cut at random (now and then every byte) */
		ncut = 0;
		ok = diff_check(wide, &ref, body, len, cuts, 0);
		for (i = 1; i < len; i++)
			if (it % 16 == 0 || diff_rnd(it % 2 ? 3 : 40) == 0)
				cuts[ncut++] = i;
		ok = ok && diff_check(wide, &ref, body, len, cuts, ncut);
		if (it % 4 == 0)
			ok = ok && diff_check(narrow, &ref, body, len, cuts,
			    it % 8 == 0 ? 0 : ncut);
		/*
		 * And a whole result. Not its detail: which of two items
		 * of the same score comes first can depend on where a
		 * body is cut (the end a feed supposes counts a phrase
		 * "first" that later occurs for real), in this scanner
		 * as in the one before it.
		 */
		whole = scan_cuts(mixed, UINT64_MAX, body, len, cuts, 0);
		r = scan_cuts(mixed, UINT64_MAX, body, len, cuts, ncut);
		CU_ASSERT_EQUAL(r.score, whole.score);
		CU_ASSERT_EQUAL(r.banned, whole.banned);
		CU_ASSERT_EQUAL(r.exception, whole.exception);
		free(ref.v[0]);
		free(ref.v[1]);
	}
	CU_ASSERT_TRUE(ok);
	phrase_set_free(wide);
	phrase_set_free(narrow);
	phrase_set_free(mixed);
}

static CU_TestInfo cu_tests[] = {
	{ "single phrase counts", test_phrase_single_counts },
	{ "no match", test_phrase_no_match },
	{ "negative weight", test_phrase_negative_weight },
	{ "word boundary", test_phrase_word_boundary },
	{ "inside words", test_phrase_inside_words },
	{ "multi-word and spaces", test_phrase_multiword_and_spaces },
	{ "spaces not recounted", test_phrase_spaces_not_recounted },
	{ "overlapping", test_phrase_overlapping },
	{ "digits kept", test_phrase_digits_kept },
	{ "combination all parts", test_phrase_combination_all_parts },
	{ "combination missing part", test_phrase_combination_missing_part },
	{ "combination spaces", test_phrase_combination_spaces },
	{ "banned", test_phrase_banned },
	{ "banned combination", test_phrase_banned_combination },
	{ "exception", test_phrase_exception },
	{ "case insensitive", test_phrase_case_insensitive },
	{ "UTF-8", test_phrase_utf8 },
	{ "tag inside word", test_phrase_tag_inside_word },
	{ "tags between words", test_phrase_tags_between_words },
	{ "views max not sum", test_phrase_views_max_not_sum },
	{ "comment", test_phrase_comment },
	{ "lt not a tag", test_phrase_lt_not_a_tag },
	{ "tag quoted gt", test_phrase_tag_quoted_gt },
	{ "tag bounded", test_phrase_tag_bounded },
	{ "entities named", test_phrase_entities_named },
	{ "entity lt not a tag", test_phrase_entity_lt_not_a_tag },
	{ "entities numeric", test_phrase_entities_numeric },
	{ "entity UTF-8", test_phrase_entity_utf8 },
	{ "entity unknown", test_phrase_entity_unknown },
	{ "entity at end", test_phrase_entity_at_end },
	{ "entity split", test_phrase_entity_split },
	{ "split across buffers", test_phrase_split_across_buffers },
	{ "bytewise equals whole", test_phrase_bytewise_equals_whole },
	{ "empty body", test_phrase_empty_body },
	{ "empty set", test_phrase_empty_set },
	{ "large set", test_phrase_large_set },
	{ "list mask", test_phrase_list_mask },
	{ "count", test_phrase_count },
	{ "kind str", test_phrase_kind_str },
	{ "comments and blanks", test_phrase_comments_and_blanks },
	{ "detail sorted", test_phrase_detail_sorted },
	{ "detail cut", test_phrase_detail_cut },
	{ "detail long phrase", test_phrase_detail_long_phrase },
	{ "include relative", test_phrase_include_relative },
	{ "include loop", test_phrase_include_loop },
	{ "include missing", test_phrase_include_missing },
	{ "include bad line", test_phrase_include_bad_line },
	{ "include depth", test_phrase_include_depth },
	{ "bad unclosed", test_phrase_bad_unclosed },
	{ "bad nested", test_phrase_bad_nested },
	{ "bad stray close", test_phrase_bad_stray_close },
	{ "bad no bracket", test_phrase_bad_no_bracket },
	{ "bad empty", test_phrase_bad_empty },
	{ "bad empty punct", test_phrase_bad_empty_punct },
	{ "bad no weight", test_phrase_bad_no_weight },
	{ "bad weight in banned", test_phrase_bad_weight_in_banned },
	{ "bad weight in exception", test_phrase_bad_weight_in_exception },
	{ "bad weight junk", test_phrase_bad_weight_junk },
	{ "bad weight range", test_phrase_bad_weight_range },
	{ "bad after weight", test_phrase_bad_after_weight },
	{ "bad comma end", test_phrase_bad_comma_end },
	{ "bad comma missing", test_phrase_bad_comma_missing },
	{ "bad long line", test_phrase_bad_long_line },
	{ "bad long phrase", test_phrase_bad_long_phrase },
	{ "bad unreadable", test_phrase_bad_unreadable },
	{ "bad too many", test_phrase_bad_too_many },
	{ "bad list number", test_phrase_bad_list_number },
	{ "not built", test_phrase_not_built },
	{ "shipped lists load", test_phrase_shipped_load },
	{ "shipped innocent pages", test_phrase_shipped_innocent_pages },
	{ "shipped bad pages", test_phrase_shipped_bad_pages },
	{ "differential", test_phrase_differential },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"phrase"
#include "cu_main.h"
