/*
 * The phrase scanner's micro-benchmark (tests/bench/phrase-run builds and
 * runs it). Linked with lib/libwarden.a, on one thread:
 *
 *   - generates -n weighted phrases (made-up words, one to three words a
 *     phrase, a third of them whole words, a tenth combinations of two or
 *     three) spread over 5 lists, plus a small banned and exception list,
 *     in a temporary directory;
 *   - with -c, also loads the shipped lists the way wardend does: every
 *     "phrases NAME DIR" of that policy.conf is list number n (in file
 *     order), and a scan counts the lists of the default group's
 *     "phrase_lists" line;
 *   - loads and builds each set: time and heap used (mallinfo2);
 *   - scans, with each set, a generated 50 KiB English-like HTML page
 *     with little markup ("wiki page"), a generated 50 KiB news page with
 *     as much markup as real ones ("news page": head full of meta tags,
 *     inline style and script blocks, navigation and related-story lists
 *     of links with class and data attributes, comments, entities: two
 *     thirds of its bytes are markup, style or script, as the table's
 *     "markup" column says), and a 10 MB text, fed 16 KiB at a time,
 *     again and again for -t seconds each: MB/s (10^6 bytes) per CPU
 *     second of the thread (CLOCK_THREAD_CPUTIME_ID).
 *
 *   phrase_bench [-n phrases] [-t seconds] [-s seed] [-c policy.conf]
 *
 * Output: a Markdown table on stdout.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
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

/* ------------------------------------------------------------ news page */

static const char *const news_words[] = {
	"government", "minister", "council", "report", "police", "said",
	"health", "school", "education", "year", "week", "million", "local",
	"market", "election", "court", "hospital", "weather", "football",
	"season", "casino", "betting", "drugs", "cancer", "investigation",
	"officers", "announced", "plans", "residents", "community", "public",
	"service", "today", "policy", "economy", "prices", "energy", "video",
	"children", "parents", "teachers", "students", "study", "research",
	"said", "spokesperson", "statement", "according", "figures", "rise",
};

static const char *const sections[] = {
	"Home", "UK", "World", "Business", "Politics", "Technology",
	"Science", "Health", "Education", "Entertainment", "Arts", "Sport",
	"Football", "Cricket", "Tennis", "Weather", "Travel", "Culture",
	"Food", "Money", "Property", "Opinion", "Video", "Audio", "Live",
	"Local news", "Scotland", "Wales", "Northern Ireland", "In pictures",
};

static const char *
news_word(void)
{
	if (rnd(5) == 0)
		return news_words[rnd(sizeof(news_words) /
		    sizeof(news_words[0]))];
	return text_word();
}

/*
 * Words of running text, with the inline markup of an article: a word in
 * twenty is a link, bold or italic, one in twenty has an entity.
 */
static void
news_text(struct buf *b, uint32_t n)
{
	uint32_t i;
	const char *w;

	for (i = 0; i < n; i++) {
		w = news_word();
		if (i > 0)
			bprintf(b, " ");
		switch (rnd(100)) {
		case 0:
		case 1:
		case 2:
			bprintf(b, "<a href=\"https://www.example-news.com/"
			    "news/%s-%u\" class=\"article__link\" data-"
			    "component=\"inline-link\">%s %s</a>", w,
			    rnd(90000000), w, news_word());
			break;
		case 3:
			bprintf(b, "<strong>%s</strong>", w);
			break;
		case 4:
			bprintf(b, "<em>%s</em>", w);
			break;
		case 5:
			bprintf(b, "%s&rsquo;s", w);
			break;
		case 6:
			bprintf(b, "&mdash; %s", w);
			break;
		case 7:
			bprintf(b, "%s&nbsp;%s", w, news_word());
			break;
		case 8:
			bprintf(b, "&quot;%s&quot;", w);
			break;
		case 9:
			bprintf(b, "%s &amp; %s", w, news_word());
			break;
		default:
			bprintf(b, "%s", w);
			break;
		}
	}
}

static void
news_sentence(struct buf *b)
{
	news_text(b, 8 + rnd(18));
	bprintf(b, ". ");
}

/* A headline in plain text (for attributes, titles and JSON). */
static void
headline(struct buf *b)
{
	uint32_t i, n = 5 + rnd(7);

	for (i = 0; i < n; i++)
		bprintf(b, "%s%s", i > 0 ? " " : "", news_word());
}

static void
news_head(struct buf *b)
{
	static const char *const meta[] = {
		"og:title", "og:description", "og:image:alt", "twitter:title",
		"twitter:description", "article:section", "article:tag",
	};
	uint32_t i, n;

	bprintf(b, "<!DOCTYPE html>\n<html lang=\"en-GB\" class=\"no-js\">"
	    "<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>");
	headline(b);
	bprintf(b, " - Example News</title>\n");
	for (i = 0; i < sizeof(meta) / sizeof(meta[0]); i++) {
		bprintf(b, "<meta property=\"%s\" content=\"", meta[i]);
		headline(b);
		bprintf(b, "\">\n");
	}
	bprintf(b, "<meta property=\"og:image\" content=\"https://static."
	    "example-cdn.net/images/%u/1200x675/p0%u.jpg\">\n<meta property="
	    "\"og:url\" content=\"https://www.example-news.com/news/uk-%u\">"
	    "\n<meta name=\"twitter:card\" content=\"summary_large_image\">"
	    "\n<meta name=\"robots\" content=\"max-image-preview:large\">\n"
	    "<meta name=\"theme-color\" content=\"#bb1919\">\n<link rel=\""
	    "preconnect\" href=\"https://static.example-cdn.net\" "
	    "crossorigin>\n<link rel=\"stylesheet\" href=\"https://static."
	    "example-cdn.net/css/main.4f3a9c2e.css\">\n<link rel=\"canonical"
	    "\" href=\"https://www.example-news.com/news/uk-%u\">\n<link rel="
	    "\"icon\" type=\"image/png\" sizes=\"32x32\" href=\"/favicon-"
	    "32x32.png\">\n<style>\n", rnd(1000000), rnd(1000000),
	    rnd(90000000), rnd(90000000));
	/* Inline critical CSS. */
	n = 40 + rnd(20);
	for (i = 0; i < n; i++)
		bprintf(b, ".%s__%s--%u{display:%s;margin:0 auto;padding:%upx "
		    "%upx;color:#%06x;font:400 %upx/1.5 \"Helvetica Neue\","
		    "Arial,sans-serif}\n", news_word(), text_word(), i,
		    rnd(2) ? "flex" : "block", rnd(24), rnd(32),
		    rnd(0xffffff), 12 + rnd(12));
	bprintf(b, "@media (min-width:1024px){.container{max-width:1280px}"
	    ".nav > li{margin:0 8px}}\n</style>\n<script type=\"application/"
	    "ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\""
	    "NewsArticle\",\"headline\":\"");
	headline(b);
	bprintf(b, "\",\"datePublished\":\"2024-05-01T08:%02u:00Z\",\""
	    "dateModified\":\"2024-05-01T09:%02u:00Z\",\"author\":[{\"@type\""
	    ":\"Person\",\"name\":\"%s %s\"}],\"publisher\":{\"@type\":\""
	    "NewsMediaOrganization\",\"name\":\"Example News\",\"logo\":{\""
	    "@type\":\"ImageObject\",\"url\":\"https://static.example-cdn.net"
	    "/logo.png\"}},\"image\":[\"https://static.example-cdn.net/images"
	    "/%u/1024x576/p0%u.jpg\"]}</script>\n<script>window.dataLayer="
	    "window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
	    "gtag('js',new Date());gtag('config','G-4F3A9C2E');(function(w,"
	    "d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date()."
	    "getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j"
	    "=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;"
	    "j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f."
	    "parentNode.insertBefore(j,f);})(window,document,'script','"
	    "dataLayer','GTM-ABC123');</script>\n</head>\n", rnd(60),
	    rnd(60), news_word(), news_word(), rnd(1000000), rnd(1000000));
}

static void
news_nav(struct buf *b)
{
	size_t i;

	bprintf(b, "<body class=\"article-page theme-light\">\n<!-- Google "
	    "Tag Manager (noscript) --><noscript><iframe src=\"https://www."
	    "googletagmanager.com/ns.html?id=GTM-ABC123\" height=\"0\" width="
	    "\"0\" style=\"display:none;visibility:hidden\"></iframe>"
	    "</noscript>\n<a class=\"skip-link\" href=\"#main-content\">Skip "
	    "to content</a>\n<header class=\"site-header\" role=\"banner\">"
	    "<div class=\"site-header__inner container\"><a class=\"site-"
	    "header__logo\" href=\"/\" aria-label=\"Example News home\"><svg "
	    "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 84 24\" "
	    "width=\"84\" height=\"24\" aria-hidden=\"true\"><path d=\"M0 0h24"
	    "v24H0zm30 0h24v24H30zm30 0h24v24H60z\"/></svg></a>\n<nav class="
	    "\"site-nav\" aria-label=\"Sections\"><ul class=\"site-nav__list"
	    "\">\n");
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		bprintf(b, "<li class=\"site-nav__item\"><a class=\"site-nav__"
		    "link\" href=\"/news/%zu\" data-link-name=\"nav : %zu\">%s"
		    "</a></li>\n", i, i, sections[i]);
	bprintf(b, "</ul></nav></div></header>\n<div class=\"cookie-banner\" "
	    "id=\"cookie-banner\" role=\"dialog\" aria-live=\"polite\"><p "
	    "class=\"cookie-banner__text\">");
	news_sentence(b);
	bprintf(b, "<a href=\"/cookies\">Cookie policy</a></p><button class="
	    "\"btn btn--primary\" type=\"button\" data-action=\"accept\">"
	    "Accept</button></div>\n");
}

static void
news_article(struct buf *b, size_t until)
{
	uint32_t para = 0, i, n;

	bprintf(b, "<main id=\"main-content\" class=\"main\"><div class=\""
	    "layout layout--article\"><article class=\"article\" itemscope "
	    "itemtype=\"https://schema.org/NewsArticle\">\n<div class=\""
	    "article__header\"><h1 class=\"article__headline\" itemprop=\""
	    "headline\">");
	headline(b);
	bprintf(b, "</h1>\n<div class=\"article__byline\"><span class=\""
	    "byline__name\">By <a href=\"/profiles/%u\">%s %s</a></span>"
	    "<time class=\"byline__date\" datetime=\"2024-05-01T08:00:00Z\">1 "
	    "May 2024</time></div></div>\n<figure class=\"article__figure\">"
	    "<picture><source type=\"image/webp\" srcset=\"https://static."
	    "example-cdn.net/images/%u/320/p0.webp 320w, https://static."
	    "example-cdn.net/images/%u/640/p0.webp 640w, https://static."
	    "example-cdn.net/images/%u/1024/p0.webp 1024w\" sizes=\"(min-"
	    "width: 1024px) 640px, 100vw\"><img class=\"article__image\" src="
	    "\"https://static.example-cdn.net/images/%u/640/p0.jpg\" alt=\"",
	    rnd(100000), news_word(), news_word(), rnd(1000000),
	    rnd(1000000), rnd(1000000), rnd(1000000));
	headline(b);
	bprintf(b, "\" width=\"1024\" height=\"576\" loading=\"eager\">"
	    "</picture><figcaption class=\"article__caption\">");
	news_sentence(b);
	bprintf(b, "<span class=\"credit\">Image source, Getty Images</span>"
	    "</figcaption></figure>\n<div class=\"article__body\" itemprop=\""
	    "articleBody\">\n");
	while (b->len < until) {
		bprintf(b, "<div class=\"text-block\" data-component=\"text-"
		    "block\"><p class=\"article__paragraph\">");
		n = 1 + rnd(4);
		for (i = 0; i < n; i++)
			news_sentence(b);
		bprintf(b, "</p></div>\n");
		para++;
		if (para % 4 == 0)
			bprintf(b, "<!-- ad slot %u --><div class=\"ad-slot "
			    "ad-slot--inline\" id=\"ad-slot-%u\" data-ad-"
			    "unit=\"/1234567/news/article/inline\" data-"
			    "sizes=\"[[300,250],[728,90]]\" aria-hidden=\""
			    "true\"><script>googletag.cmd.push(function(){"
			    "googletag.display('ad-slot-%u');});</script>"
			    "</div>\n", para, para, para);
		if (rnd(6) == 0) {
			bprintf(b, "<h2 class=\"article__subheading\" id=\"h-"
			    "%u\">", para);
			headline(b);
			bprintf(b, "</h2>\n");
		}
		if (rnd(10) == 0) {
			bprintf(b, "<blockquote class=\"pull-quote\"><p class="
			    "\"pull-quote__text\">");
			news_sentence(b);
			bprintf(b, "</p></blockquote>\n");
		}
	}
	bprintf(b, "</div></article>\n");
}

static void
news_tail(struct buf *b)
{
	uint32_t i, id;

	bprintf(b, "<aside class=\"related\" aria-labelledby=\"related-"
	    "heading\"><h2 id=\"related-heading\" class=\"related__heading\">"
	    "Related stories</h2>\n<ul class=\"related__list\">\n");
	for (i = 0; i < 10; i++) {
		id = rnd(90000000);
		bprintf(b, "<li class=\"related__item\"><a class=\"related__"
		    "link\" href=\"/news/uk-%u\" data-link-name=\"related : "
		    "%u\"><img class=\"related__image\" src=\"https://"
		    "static.example-cdn.net/images/%u/240x135.jpg\" alt=\"\" "
		    "loading=\"lazy\" width=\"240\" height=\"135\"><span "
		    "class=\"related__title\">", id, i, id);
		headline(b);
		bprintf(b, "</span></a></li>\n");
	}
	bprintf(b, "</ul></aside></div></main>\n<!-- footer -->\n<footer "
	    "class=\"site-footer\"><div class=\"container\"><ul class=\"site-"
	    "footer__links\">\n");
	for (i = 0; i < 15; i++)
		bprintf(b, "<li><a class=\"site-footer__link\" href=\"/help/%u"
		    "\">%s</a></li>\n", i, sections[i]);
	bprintf(b, "</ul><p class=\"site-footer__copyright\">&copy; 2024 "
	    "Example News Ltd. ");
	news_sentence(b);
	bprintf(b, "</p></div></footer>\n<script src=\"https://static."
	    "example-cdn.net/js/vendor.8c1d2e.js\" defer></script>\n<script>"
	    "document.querySelectorAll('img[loading=\"lazy\"]').forEach("
	    "function(i){if(i.complete&&i.naturalWidth>0){i.classList.add("
	    "'is-loaded');}});</script>\n</body></html>\n");
}

/* A news article page of about size bytes, with a real page's markup. */
static char *
make_news(size_t size, size_t *len)
{
	struct buf b = { NULL, 0, 0 };

	news_head(&b);
	news_nav(&b);
	news_article(&b, size - 5800);
	news_tail(&b);
	*len = b.len;
	return b.p;
}

/*
 * The share of body's bytes that are markup: in tags and comments, or
 * in script and style elements (roughly: for the table only).
 */
static double
markup_share(const char *p, size_t len)
{
	const char *end = p + len, *q, *close;
	size_t markup = 0;

	while (p < end) {
		if (*p != '<' || p + 1 == end || !(isalpha((unsigned char)p[1])
		    || p[1] == '/' || p[1] == '!')) {
			p++;
			continue;
		}
		close = strncmp(p, "<!--", 4) == 0 ? "-->" : ">";
		q = memmem(p, (size_t)(end - p), close, strlen(close));
		q = q == NULL ? end : q + strlen(close);
		if (strncasecmp(p, "<script", 7) == 0)
			close = "</script>";
		else if (strncasecmp(p, "<style", 6) == 0)
			close = "</style>";
		else
			close = NULL;
		if (close != NULL && (close = memmem(q, (size_t)(end - q),
		    close, strlen(close))) != NULL)
			q = close;
		markup += (size_t)(q - p);
		p = q;
	}
	return (double)markup / (double)len;
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

/* ------------------------------------------------------------ the sets */

struct bset {
	const char		*name;
	struct phrase_set	*ps;
	uint64_t		 lists;		/* what a scan counts */
	double			 build_ms;
	size_t			 heap;
};

/* The generated set: nphrases weighted phrases, banned, exception. */
static int
load_generated(struct bset *bs, unsigned nphrases, struct werr *err)
{
	char dir[] = "/tmp/warden-phrase-bench.XXXXXX", path[PATH_MAX];
	static const char *const other[] = { "banned", "exception" };
	size_t h0;
	double t0;
	unsigned l;
	int rc = -1;

	if (mkdtemp(dir) == NULL || write_lists(dir, nphrases) == -1) {
		perror(dir);
		exit(1);
	}
	h0 = heap_used();
	t0 = now(CLOCK_MONOTONIC);
	if ((bs->ps = phrase_set_new()) == NULL)
		exit(1);
	for (l = 0; l < LISTS; l++) {
		snprintf(path, sizeof(path), "%s/weighted%u", dir, l);
		if (phrase_set_load(bs->ps, l, PHRASE_WEIGHTED, path, err) ==
		    -1)
			goto out;
	}
	for (l = 0; l < 2; l++) {
		snprintf(path, sizeof(path), "%s/%s", dir, other[l]);
		if (phrase_set_load(bs->ps, LISTS, l == 0 ? PHRASE_BANNED :
		    PHRASE_EXCEPTION, path, err) == -1)
			goto out;
	}
	if (phrase_set_build(bs->ps, err) == -1)
		goto out;
	bs->build_ms = (now(CLOCK_MONOTONIC) - t0) * 1e3;
	bs->heap = heap_used() - h0;
	bs->lists = UINT64_MAX;
	rc = 0;
out:
	for (l = 0; l < LISTS; l++) {
		snprintf(path, sizeof(path), "%s/weighted%u", dir, l);
		unlink(path);
	}
	for (l = 0; l < 2; l++) {
		snprintf(path, sizeof(path), "%s/%s", dir, other[l]);
		unlink(path);
	}
	rmdir(dir);
	return rc;
}

/*
 * The shipped lists, as wardend loads them from conf: each "phrases NAME
 * DIR" (DIR relative to conf's directory) is list n, its files weighted,
 * banned and exception those that exist; a scan counts the lists named by
 * "phrase_lists" in "group default { ... }". A reader for this file's
 * shape only (one directive a line, no quoting).
 */
static int
load_shipped(struct bset *bs, const char *conf, struct werr *err)
{
	static const enum phrase_kind kinds[] = {
		PHRASE_WEIGHTED, PHRASE_BANNED, PHRASE_EXCEPTION,
	};
	char line[1024], path[PATH_MAX], names[PHRASE_LISTS_MAX][64];
	char *argv[32], *tok, *save;
	unsigned n = 0, i, argc, k;
	bool in_default = false;
	const char *slash;
	struct stat st;
	int dlen;
	size_t h0;
	double t0;
	FILE *fp;

	slash = strrchr(conf, '/');
	dlen = slash == NULL ? 0 : (int)(slash - conf + 1);
	if ((fp = fopen(conf, "r")) == NULL) {
		perror(conf);
		exit(1);
	}
	h0 = heap_used();
	t0 = now(CLOCK_MONOTONIC);
	if ((bs->ps = phrase_set_new()) == NULL)
		exit(1);
	bs->lists = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "#\n")] = '\0';
		argc = 0;
		for (tok = strtok_r(line, " \t", &save); tok != NULL &&
		    argc < 32; tok = strtok_r(NULL, " \t", &save))
			argv[argc++] = tok;
		if (argc == 0)
			continue;
		if (strcmp(argv[0], "phrases") == 0 && argc == 3 &&
		    n < PHRASE_LISTS_MAX) {
			snprintf(names[n], sizeof(names[n]), "%s", argv[1]);
			for (k = 0; k < 3; k++) {
				snprintf(path, sizeof(path), "%.*s%s/%s",
				    argv[2][0] == '/' ? 0 : dlen, conf,
				    argv[2], phrase_kind_str(kinds[k]));
				if (stat(path, &st) == -1)
					continue;
				if (phrase_set_load(bs->ps, n, kinds[k], path,
				    err) == -1) {
					fclose(fp);
					return -1;
				}
			}
			n++;
		} else if (strcmp(argv[0], "group") == 0 && argc >= 2)
			in_default = strcmp(argv[1], "default") == 0;
		else if (strcmp(argv[0], "}") == 0)
			in_default = false;
		else if (in_default && strcmp(argv[0], "phrase_lists") == 0)
			for (k = 1; k < argc; k++)
				for (i = 0; i < n; i++)
					if (strcmp(names[i], argv[k]) == 0)
						bs->lists |= (uint64_t)1 << i;
	}
	fclose(fp);
	if (phrase_set_build(bs->ps, err) == -1)
		return -1;
	bs->build_ms = (now(CLOCK_MONOTONIC) - t0) * 1e3;
	bs->heap = heap_used() - h0;
	if (bs->lists == 0) {
		fprintf(stderr, "phrase_bench: %s: the default group has no "
		    "phrase_lists\n", conf);
		exit(1);
	}
	return 0;
}

/* Scans body again and again for at least secs of CPU; MB/s (CPU). */
static double
bench_scan(const struct bset *bs, const char *body, size_t len,
    double secs, double *wall_mbs, struct phrase_result *r)
{
	struct phrase_scan *s;
	double c0, w0, c1, w1;
	size_t off, n, total = 0;

	c0 = now(CLOCK_THREAD_CPUTIME_ID);
	w0 = now(CLOCK_MONOTONIC);
	do {
		if ((s = phrase_scan_new(bs->ps, bs->lists)) == NULL) {
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
	struct body {
		const char	*name;
		char		*p;
		size_t		 len;
	} body[3];
	struct bset set[2];
	struct phrase_result r;
	struct werr err;
	unsigned nphrases = 5000, l;
	const char *conf = NULL;
	size_t nset = 0, i, j;
	double secs = 2, mbs, wall;
	int ch;

	while ((ch = getopt(argc, argv, "n:t:s:c:")) != -1) {
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
		case 'c':
			conf = optarg;
			break;
		default:
			fprintf(stderr, "usage: phrase_bench [-n phrases] "
			    "[-t seconds] [-s seed] [-c policy.conf]\n");
			return 2;
		}
	}
	for (l = 0; l < VOCAB; l++)
		vocab[l] = make_word();
	set[0].name = "generated";
	if (load_generated(&set[nset++], nphrases, &err) == -1)
		goto fail;
	if (conf != NULL) {
		set[1].name = "shipped";
		if (load_shipped(&set[nset++], conf, &err) == -1)
			goto fail;
	}
	body[0].name = "wiki page";
	body[0].p = make_page(50 * 1024, &body[0].len);
	body[1].name = "news page";
	body[1].p = make_news(50 * 1024, &body[1].len);
	body[2].name = "10 MB text";
	body[2].p = make_text(10 * 1000 * 1000, &body[2].len);

	printf("| set | entries | load + build | heap held |\n"
	    "|---|---:|---:|---:|\n");
	for (i = 0; i < nset; i++)
		printf("| %s | %zu | %.1f ms | %.2f MiB |\n", set[i].name,
		    phrase_set_count(set[i].ps), set[i].build_ms,
		    (double)set[i].heap / 1048576);
	printf("\n| set | body (bytes, markup) | MB/s per core | wall MB/s "
	    "| score |\n|---|---|---:|---:|---:|\n");
	for (i = 0; i < nset; i++)
		for (j = 0; j < 3; j++) {
			mbs = bench_scan(&set[i], body[j].p, body[j].len, secs,
			    &wall, &r);
			printf("| %s | %s (%zu, %.0f%%) | %.0f | %.0f | %ld%s "
			    "|\n", set[i].name, body[j].name, body[j].len,
			    100 * markup_share(body[j].p, body[j].len), mbs,
			    wall, r.score, r.banned ? " banned" : "");
		}
	for (i = 0; i < nset; i++)
		phrase_set_free(set[i].ps);
	for (j = 0; j < 3; j++)
		free(body[j].p);
	for (l = 0; l < VOCAB; l++)
		free(vocab[l]);
	return 0;
fail:
	fprintf(stderr, "phrase_bench: %s\n", err.msg);
	return 1;
}
