/*
 * The phrase scanner's micro-benchmark (tests/bench/phrase-run builds and
 * runs it). Linked with lib/libwarden.a, on one thread:
 *
 *   - generates -n weighted phrases (made-up words, one to three words a
 *     phrase, a third of them whole words, a tenth combinations of two or
 *     three) spread over 5 lists, plus a small banned and exception list,
 *     in a temporary directory;
 *   - loads and builds the set: time and heap used (mallinfo2);
 *   - scans a generated 50 KiB English-like HTML page and a 10 MB text,
 *     fed 16 KiB at a time, again and again for -t seconds each, counting
 *     every list: MB/s (10^6 bytes) per CPU second of the thread
 *     (CLOCK_THREAD_CPUTIME_ID).
 *
 *   phrase_bench [-n phrases] [-t seconds] [-s seed]
 *
 * Output: a Markdown table on stdout.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "phrase.h"

#define LISTS		5
#define VOCAB		4000
#define CHUNK		16384

static uint64_t	rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static const char *const common[] = {
	"the", "of", "and", "to", "a", "in", "is", "it", "you", "that", "he",
	"was", "for", "on", "are", "with", "as", "his", "they", "be", "at",
	"one", "have", "this", "from", "or", "had", "by", "word", "but",
	"what", "some", "we", "can", "out", "other", "were", "all", "there",
	"when", "up", "use", "your", "how", "said", "an", "each", "she",
	"which", "do", "their", "time", "if", "will", "way", "about", "many",
	"then", "them", "write", "would", "like", "so", "these", "her",
	"long", "make", "thing", "see", "him", "two", "has", "look", "more",
	"day", "could", "go", "come", "did", "number", "sound", "no", "most",
	"people", "my", "over", "know", "water", "than", "call", "first",
	"who", "may", "down", "side", "been", "now", "find", "school",
	"student", "class", "teacher", "lesson", "science", "history",
	"page", "read", "learn", "project", "group", "world", "city",
};

static char	*vocab[VOCAB];

/* A made-up word of two to four syllables. */
static char *
make_word(void)
{
	static const char cons[] = "bcdfghjklmnprstvwz";
	static const char vow[] = "aeiou";
	char w[32];
	uint32_t i, n = 2 + rnd(3), len = 0;

	for (i = 0; i < n; i++) {
		w[len++] = cons[rnd(sizeof(cons) - 1)];
		w[len++] = vow[rnd(sizeof(vow) - 1)];
		if (rnd(3) == 0)
			w[len++] = cons[rnd(sizeof(cons) - 1)];
	}
	w[len] = '\0';
	return strdup(w);
}

/* A word of text: mostly common words, now and then a listed one. */
static const char *
text_word(void)
{
	if (rnd(40) == 0)
		return vocab[rnd(VOCAB)];
	return common[rnd(sizeof(common) / sizeof(common[0]))];
}

static void
put_phrase(FILE *fp)
{
	uint32_t i, n = 1 + rnd(3);
	int bound = rnd(3) == 0;

	fputc('<', fp);
	if (bound)
		fputc(' ', fp);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s%s", i > 0 ? " " : "", vocab[rnd(VOCAB)]);
	if (bound)
		fputc(' ', fp);
	fputc('>', fp);
}

static int
write_lists(const char *dir, unsigned nphrases)
{
	char path[PATH_MAX];
	unsigned l, i, j, parts;
	FILE *fp;

	for (l = 0; l < LISTS; l++) {
		snprintf(path, sizeof(path), "%s/weighted%u", dir, l);
		if ((fp = fopen(path, "w")) == NULL)
			return -1;
		fprintf(fp, "#listcategory: \"bench %u\"\n", l);
		for (i = l; i < nphrases; i += LISTS) {
			parts = rnd(10) == 0 ? 2 + rnd(2) : 1;
			for (j = 0; j < parts; j++) {
				if (j > 0)
					fputc(',', fp);
				put_phrase(fp);
			}
			fprintf(fp, "<%d>\n", (int)rnd(131) - 50);
		}
		fclose(fp);
	}
	snprintf(path, sizeof(path), "%s/banned", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	for (i = 0; i < 50; i++) {
		fprintf(fp, "<%s %s>\n", vocab[rnd(VOCAB)], vocab[rnd(VOCAB)]);
	}
	fclose(fp);
	snprintf(path, sizeof(path), "%s/exception", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	for (i = 0; i < 50; i++)
		fprintf(fp, "<%s %s %s>\n", vocab[rnd(VOCAB)],
		    vocab[rnd(VOCAB)], vocab[rnd(VOCAB)]);
	fclose(fp);
	return 0;
}

/* Appends printf output to a growing buffer. */
struct buf {
	char	*p;
	size_t	 len, cap;
};

static void	bprintf(struct buf *, const char *, ...) WD_PRINTF(2, 3);

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n + 1;
		if ((b->p = realloc(b->p, b->cap)) == NULL) {
			perror("realloc");
			exit(1);
		}
	}
}

static void
sentence(struct buf *b, bool html)
{
	uint32_t i, n = 6 + rnd(14);
	const char *w;

	for (i = 0; i < n; i++) {
		w = text_word();
		if (html && rnd(25) == 0)
			bprintf(b, "<a href=\"/wiki/%s\">%s</a> ", w, w);
		else if (html && rnd(30) == 0)
			bprintf(b, "<b>%s</b> ", w);
		else if (html && rnd(60) == 0)
			bprintf(b, "%s&nbsp;", w);
		else if (html && rnd(80) == 0)
			bprintf(b, "%s &amp; ", w);
		else
			bprintf(b, "%s%s", i == 0 ? "" : " ", w);
	}
	bprintf(b, "%s", rnd(5) == 0 ? ", " : ". ");
}

static char *
make_page(size_t size, size_t *len)
{
	struct buf b = { NULL, 0, 0 };

	bprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><title>A page</title>\n<style>body { "
	    "font-family: sans-serif; } .nav > li { margin: 0 }</style>\n"
	    "</head><body>\n<!-- header -->\n<div class=\"nav\"><ul>");
	while (b.len < size - 200) {
		bprintf(&b, "<h2 id=\"s%zu\">", b.len);
		sentence(&b, false);
		bprintf(&b, "</h2>\n<p>");
		while (rnd(6) != 0)
			sentence(&b, true);
		bprintf(&b, "</p>\n");
		if (rnd(8) == 0)
			bprintf(&b, "<script>var x = 1 < 2 && y > 3;"
			    "</script>\n");
	}
	bprintf(&b, "</ul></div></body></html>\n");
	*len = b.len;
	return b.p;
}

static char *
make_text(size_t size, size_t *len)
{
	struct buf b = { NULL, 0, 0 };

	while (b.len < size) {
		sentence(&b, false);
		if (rnd(8) == 0)
			bprintf(&b, "\n\n");
	}
	*len = b.len;
	return b.p;
}

static double
now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Scans body again and again for at least secs of CPU; MB/s (CPU). */
static double
bench_scan(const struct phrase_set *ps, const char *body, size_t len,
    double secs, double *wall_mbs, struct phrase_result *r)
{
	struct phrase_scan *s;
	double c0, w0, c1, w1;
	size_t off, n, total = 0;

	c0 = now(CLOCK_THREAD_CPUTIME_ID);
	w0 = now(CLOCK_MONOTONIC);
	do {
		if ((s = phrase_scan_new(ps, UINT64_MAX)) == NULL) {
			fprintf(stderr, "phrase_scan_new failed\n");
			exit(1);
		}
		for (off = 0; off < len; off += n) {
			n = len - off < CHUNK ? len - off : CHUNK;
			phrase_scan_feed(s, body + off, n);
		}
		phrase_scan_result(s, r);
		phrase_scan_free(s);
		total += len;
		c1 = now(CLOCK_THREAD_CPUTIME_ID);
	} while (c1 - c0 < secs);
	w1 = now(CLOCK_MONOTONIC);
	*wall_mbs = (double)total / (w1 - w0) / 1e6;
	return (double)total / (c1 - c0) / 1e6;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/warden-phrase-bench.XXXXXX", path[PATH_MAX];
	struct phrase_result r;
	struct phrase_set *ps;
	struct werr err;
	unsigned nphrases = 5000, l;
	double secs = 2, t0, t1, mbs, wall;
	size_t h0, h1, plen, tlen;
	char *page, *text;
	int ch;

	while ((ch = getopt(argc, argv, "n:t:s:")) != -1) {
		switch (ch) {
		case 'n':
			nphrases = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 's':
			rng = strtoull(optarg, NULL, 0) | 1;
			break;
		default:
			fprintf(stderr, "usage: phrase_bench [-n phrases] "
			    "[-t seconds] [-s seed]\n");
			return 2;
		}
	}
	for (l = 0; l < VOCAB; l++)
		vocab[l] = make_word();
	if (mkdtemp(dir) == NULL || write_lists(dir, nphrases) == -1) {
		perror(dir);
		return 1;
	}

	h0 = heap_used();
	t0 = now(CLOCK_MONOTONIC);
	if ((ps = phrase_set_new()) == NULL)
		return 1;
	for (l = 0; l < LISTS; l++) {
		snprintf(path, sizeof(path), "%s/weighted%u", dir, l);
		if (phrase_set_load(ps, l, PHRASE_WEIGHTED, path, &err) == -1)
			goto fail;
	}
	snprintf(path, sizeof(path), "%s/banned", dir);
	if (phrase_set_load(ps, LISTS, PHRASE_BANNED, path, &err) == -1)
		goto fail;
	snprintf(path, sizeof(path), "%s/exception", dir);
	if (phrase_set_load(ps, LISTS, PHRASE_EXCEPTION, path, &err) == -1)
		goto fail;
	if (phrase_set_build(ps, &err) == -1)
		goto fail;
	t1 = now(CLOCK_MONOTONIC);
	h1 = heap_used();
	for (l = 0; l < LISTS; l++) {
		snprintf(path, sizeof(path), "%s/weighted%u", dir, l);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/banned", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/exception", dir);
	unlink(path);
	rmdir(dir);

	page = make_page(50 * 1024, &plen);
	text = make_text(10 * 1000 * 1000, &tlen);

	printf("| measure | value |\n|---|---:|\n");
	printf("| entries | %zu (%u weighted over %d lists, 100 banned "
	    "or exception) |\n", phrase_set_count(ps), nphrases, LISTS);
	printf("| load + build | %.1f ms |\n", (t1 - t0) * 1e3);
	printf("| heap held by the set | %.2f MiB |\n",
	    (double)(h1 - h0) / 1048576);
	mbs = bench_scan(ps, page, plen, secs, &wall, &r);
	printf("| 50 KiB HTML page (%zu bytes) | %.0f MB/s per core "
	    "(wall %.0f) |\n", plen, mbs, wall);
	printf("| ... its score, detail | %ld, %s |\n", r.score, r.detail);
	mbs = bench_scan(ps, text, tlen, secs, &wall, &r);
	printf("| 10 MB text | %.0f MB/s per core (wall %.0f) |\n", mbs,
	    wall);
	printf("| ... its score | %ld |\n", r.score);
	phrase_set_free(ps);
	free(page);
	free(text);
	for (l = 0; l < VOCAB; l++)
		free(vocab[l]);
	return 0;
fail:
	fprintf(stderr, "phrase_bench: %s\n", err.msg);
	return 1;
}
