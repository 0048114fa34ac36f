#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "safesearch.h"

static char	out[512];

static int
rewrite(const char *host, const char *path)
{
	strcpy(out, "untouched");
	return safesearch_rewrite_path(safesearch_find(host), path, out,
	    sizeof(out));
}

static const char *
header(const char *host, const char **name)
{
	return safesearch_header(safesearch_find(host), name);
}

static bool
connect_is(const char *host, const char *want)
{
	const char *got = safesearch_connect_host(safesearch_find(host));

	if (got == NULL || want == NULL)
		return got == want;
	return strcmp(got, want) == 0;
}

/* Google. */

static void
test_google_no_query(void)
{
	CU_ASSERT_EQUAL(rewrite("www.google.com", "/search"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?safe=active");
}

static void
test_google_query(void)
{
	CU_ASSERT_EQUAL(rewrite("www.google.com", "/search?q=cats&hl=en"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?q=cats&hl=en&safe=active");
}

static void
test_google_safe_off_replaced(void)
{
	CU_ASSERT_EQUAL(rewrite("www.google.com",
	    "/search?q=cats&safe=off&hl=en"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?q=cats&safe=active&hl=en");
}

static void
test_google_safe_first(void)
{
	CU_ASSERT_EQUAL(rewrite("google.com", "/search?safe=off"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?safe=active");
}

static void
test_google_safe_empty(void)
{
	CU_ASSERT_EQUAL(rewrite("google.com", "/search?safe&q=x"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?safe=active&q=x");
	CU_ASSERT_EQUAL(rewrite("google.com", "/search?q=x&safe="), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?q=x&safe=active");
}

static void
test_google_safe_duplicates(void)
{
	CU_ASSERT_EQUAL(rewrite("google.com",
	    "/search?safe=off&q=x&safe=images&safe=off"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?safe=active&q=x");
}

static void
test_google_safe_spellings(void)
{
	CU_ASSERT_EQUAL(rewrite("google.com", "/search?q=x&SAFE=off"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?q=x&safe=active");
	CU_ASSERT_EQUAL(rewrite("google.com", "/search?saf%65=off&q=x"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?safe=active&q=x");
}

static void
test_google_similar_names_kept(void)
{
	CU_ASSERT_EQUAL(rewrite("google.com",
	    "/search?safesearch=off&q=safe%3Doff&unsafe=1"), 1);
	CU_ASSERT_STRING_EQUAL(out,
	    "/search?safesearch=off&q=safe%3Doff&unsafe=1&safe=active");
}

static void
test_google_empty_params(void)
{
	CU_ASSERT_EQUAL(rewrite("google.com", "/search?"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?safe=active");
	CU_ASSERT_EQUAL(rewrite("google.com", "/search?&&q=x&"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?q=x&safe=active");
}

static void
test_google_plus_kept(void)
{
	CU_ASSERT_EQUAL(rewrite("google.com", "/search?q=a+b%2Bc"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?q=a+b%2Bc&safe=active");
}

static void
test_google_cctlds(void)
{
	CU_ASSERT_EQUAL(rewrite("google.fr", "/search?q=x"), 1);
	CU_ASSERT_EQUAL(rewrite("www.google.fr", "/search?q=x"), 1);
	CU_ASSERT_EQUAL(rewrite("google.co.uk", "/search?q=x"), 1);
	CU_ASSERT_EQUAL(rewrite("www.google.co.uk", "/search?q=x"), 1);
	CU_ASSERT_EQUAL(rewrite("google.com.au", "/search?q=x"), 1);
	CU_ASSERT_EQUAL(rewrite("www.google.com.au", "/search?q=x"), 1);
	CU_ASSERT_EQUAL(rewrite("www.google.cat", "/search?q=x"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?q=x&safe=active");
}

static void
test_google_host_spelling(void)
{
	CU_ASSERT_EQUAL(rewrite("WWW.Google.COM.", "/search?q=x"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?q=x&safe=active");
}

static void
test_google_not_google(void)
{
	CU_ASSERT_EQUAL(rewrite("google.example.com", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("notgoogle.com", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("google.co.example", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("google.com.evil.com", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("google.c", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("google.", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("mail.google.com", "/search?q=x"), 0);
	/* One byte short of, or past, each shape. */
	CU_ASSERT_EQUAL(rewrite("google.f1", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("google.frr", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("google.co.u", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("www.google.co.ukk", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("google.com.a", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("google.com.auu", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("www.google.comm", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("www.", "/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("forcesafesearch.google.com",
	    "/search?q=x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "untouched");
}

static void
test_google_other_paths(void)
{
	CU_ASSERT_EQUAL(rewrite("www.google.com", "/"), 0);
	CU_ASSERT_EQUAL(rewrite("www.google.com", "/searchx?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("www.google.com", "/maps/search?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("www.google.com", "/url?q=/search"), 0);
	CU_ASSERT_STRING_EQUAL(out, "untouched");
}

/* Bing. */

static void
test_bing(void)
{
	CU_ASSERT_EQUAL(rewrite("www.bing.com", "/search?q=x"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?q=x&adlt=strict");
}

static void
test_bing_no_query(void)
{
	CU_ASSERT_EQUAL(rewrite("bing.com", "/search"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?adlt=strict");
}

static void
test_bing_adlt_replaced(void)
{
	CU_ASSERT_EQUAL(rewrite("www.bing.com", "/search?adlt=off&q=x"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/search?adlt=strict&q=x");
}

static void
test_bing_images_videos(void)
{
	CU_ASSERT_EQUAL(rewrite("www.bing.com", "/images/search?q=x"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/images/search?q=x&adlt=strict");
	CU_ASSERT_EQUAL(rewrite("www.bing.com", "/videos/search?q=x"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/videos/search?q=x&adlt=strict");
}

static void
test_bing_other(void)
{
	CU_ASSERT_EQUAL(rewrite("www.bing.com", "/maps?q=x"), 0);
	CU_ASSERT_EQUAL(rewrite("cn.bing.com.evil", "/search?q=x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "untouched");
}

/* DuckDuckGo. */

static void
test_ddg_root(void)
{
	CU_ASSERT_EQUAL(rewrite("duckduckgo.com", "/?q=x&kp=-2"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/?q=x&kp=1");
}

static void
test_ddg_home(void)
{
	CU_ASSERT_EQUAL(rewrite("duckduckgo.com", "/"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/?kp=1");
}

static void
test_ddg_html(void)
{
	CU_ASSERT_EQUAL(rewrite("html.duckduckgo.com", "/html/?q=x"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/html/?q=x&kp=1");
	CU_ASSERT_EQUAL(rewrite("www.duckduckgo.com", "/html?q=x"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/html?q=x&kp=1");
	CU_ASSERT_EQUAL(rewrite("lite.duckduckgo.com", "/lite/?q=x"), 1);
	CU_ASSERT_STRING_EQUAL(out, "/lite/?q=x&kp=1");
}

static void
test_ddg_other(void)
{
	CU_ASSERT_EQUAL(rewrite("duckduckgo.com", "/dist/app.js?v=1"), 0);
	CU_ASSERT_EQUAL(rewrite("links.duckduckgo.com", "/d.js?q=x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "untouched");
}

/* YouTube: header only. */

static void
test_youtube_no_rewrite(void)
{
	CU_ASSERT_EQUAL(rewrite("www.youtube.com", "/results?q=x"), 0);
	CU_ASSERT_STRING_EQUAL(out, "untouched");
}

static void
test_youtube_header(void)
{
	static const char *const hosts[] = {
		"youtube.com", "www.youtube.com", "m.youtube.com",
		"youtubei.googleapis.com", "youtube.googleapis.com",
		"www.youtube-nocookie.com", "WWW.YouTube.com.",
	};
	const char *name, *value;
	size_t i;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		name = NULL;
		value = header(hosts[i], &name);
		CU_ASSERT_PTR_NOT_NULL_FATAL(value);
		CU_ASSERT_PTR_NOT_NULL_FATAL(name);
		CU_ASSERT_STRING_EQUAL(name, "YouTube-Restrict");
		CU_ASSERT_STRING_EQUAL(value, "Strict");
	}
}

static void
test_header_others(void)
{
	const char *name = "x";

	CU_ASSERT_PTR_NULL(header("www.google.com", &name));
	CU_ASSERT_PTR_NULL(name);
	CU_ASSERT_PTR_NULL(header("example.com", &name));
	CU_ASSERT_PTR_NULL(header("youtube.com.evil", &name));
	CU_ASSERT_PTR_NULL(header("restrict.youtube.com", &name));
}

/* Other hosts, and buffers. */

static void
test_other_host_untouched(void)
{
	CU_ASSERT_EQUAL(rewrite("example.com", "/search?q=x&safe=off"), 0);
	CU_ASSERT_EQUAL(rewrite("", "/search"), 0);
	CU_ASSERT_STRING_EQUAL(out, "untouched");
}

static void
test_buffer_exact(void)
{
	const struct safesearch_engine *google =
	    safesearch_find("google.com");
	char small[20];

	CU_ASSERT_PTR_NOT_NULL_FATAL(google);
	CU_ASSERT_EQUAL(safesearch_rewrite_path(google, "/search",
	    small, sizeof(small)), 1);
	CU_ASSERT_STRING_EQUAL(small, "/search?safe=active");
}

static void
test_buffer_small(void)
{
	const struct safesearch_engine *google =
	    safesearch_find("google.com");
	char small[19];

	CU_ASSERT_PTR_NOT_NULL_FATAL(google);
	CU_ASSERT_EQUAL(safesearch_rewrite_path(google, "/search",
	    small, sizeof(small)), -1);
	CU_ASSERT_EQUAL(safesearch_rewrite_path(google, "/search?q=x",
	    small, sizeof(small)), -1);
	CU_ASSERT_EQUAL(safesearch_rewrite_path(google, "/search",
	    small, 0), -1);
	CU_ASSERT_EQUAL(safesearch_rewrite_path(google,
	    "/search?safe=off&qqqqqqqqqq=1", small, sizeof(small)), -1);
}

/* Every size of heap buffer, so that a sanitizer build sees overruns. */
static void
test_buffer_bounds(void)
{
	const struct safesearch_engine *google =
	    safesearch_find("google.com");
	static const char *const paths[] = {
		"/search", "/search?", "/search?q=x&safe=off&hl=en",
		"/search?safe=1&safe=2&&", "/search?&q",
	};
	char *buf;
	size_t i, sz;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(google);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		for (sz = 0; sz <= 48; sz++) {
			buf = malloc(sz == 0 ? 1 : sz);
			CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
			rc = safesearch_rewrite_path(google, paths[i],
			    buf, sz);
			CU_ASSERT(rc == 1 || rc == -1);
			if (rc == 1)
				CU_ASSERT(strlen(buf) < sz);
			free(buf);
		}
	}
}

/* CONNECT. */

static void
test_connect_google(void)
{
	CU_ASSERT_TRUE(connect_is("www.google.com",
	    "forcesafesearch.google.com"));
	CU_ASSERT_TRUE(connect_is("google.com", "forcesafesearch.google.com"));
	CU_ASSERT_TRUE(connect_is("www.google.co.uk",
	    "forcesafesearch.google.com"));
	CU_ASSERT_TRUE(connect_is("google.com.au",
	    "forcesafesearch.google.com"));
	CU_ASSERT_TRUE(connect_is("google.de", "forcesafesearch.google.com"));
}

static void
test_connect_bing(void)
{
	CU_ASSERT_TRUE(connect_is("www.bing.com", "strict.bing.com"));
	CU_ASSERT_TRUE(connect_is("bing.com", "strict.bing.com"));
}

static void
test_connect_ddg(void)
{
	CU_ASSERT_TRUE(connect_is("duckduckgo.com", "safe.duckduckgo.com"));
	CU_ASSERT_TRUE(connect_is("www.duckduckgo.com",
	    "safe.duckduckgo.com"));
	CU_ASSERT_TRUE(connect_is("html.duckduckgo.com",
	    "safe.duckduckgo.com"));
}

static void
test_connect_youtube(void)
{
	CU_ASSERT_TRUE(connect_is("www.youtube.com", "restrict.youtube.com"));
	CU_ASSERT_TRUE(connect_is("m.youtube.com", "restrict.youtube.com"));
	CU_ASSERT_TRUE(connect_is("youtubei.googleapis.com",
	    "restrict.youtube.com"));
	CU_ASSERT_TRUE(connect_is("youtube.googleapis.com",
	    "restrict.youtube.com"));
	CU_ASSERT_TRUE(connect_is("www.youtube-nocookie.com",
	    "restrict.youtube.com"));
}

static void
test_connect_others(void)
{
	CU_ASSERT_TRUE(connect_is("example.com", NULL));
	CU_ASSERT_TRUE(connect_is("mail.google.com", NULL));
	CU_ASSERT_TRUE(connect_is("www.googleapis.com", NULL));
	CU_ASSERT_TRUE(connect_is("forcesafesearch.google.com", NULL));
	CU_ASSERT_TRUE(connect_is("strict.bing.com", NULL));
	CU_ASSERT_TRUE(connect_is("safe.duckduckgo.com", NULL));
	CU_ASSERT_TRUE(connect_is("restrict.youtube.com", NULL));
}

static CU_TestInfo cu_tests[] = {
	{ "google no query", test_google_no_query },
	{ "google query", test_google_query },
	{ "google safe=off replaced", test_google_safe_off_replaced },
	{ "google safe first", test_google_safe_first },
	{ "google safe empty", test_google_safe_empty },
	{ "google safe duplicates", test_google_safe_duplicates },
	{ "google safe spellings", test_google_safe_spellings },
	{ "google similar names kept", test_google_similar_names_kept },
	{ "google empty params", test_google_empty_params },
	{ "google plus kept", test_google_plus_kept },
	{ "google ccTLDs", test_google_cctlds },
	{ "google host spelling", test_google_host_spelling },
	{ "google look-alikes", test_google_not_google },
	{ "google other paths", test_google_other_paths },
	{ "bing", test_bing },
	{ "bing no query", test_bing_no_query },
	{ "bing adlt replaced", test_bing_adlt_replaced },
	{ "bing images and videos", test_bing_images_videos },
	{ "bing other", test_bing_other },
	{ "duckduckgo root", test_ddg_root },
	{ "duckduckgo home", test_ddg_home },
	{ "duckduckgo html and lite", test_ddg_html },
	{ "duckduckgo other", test_ddg_other },
	{ "youtube no rewrite", test_youtube_no_rewrite },
	{ "youtube header", test_youtube_header },
	{ "header others", test_header_others },
	{ "other host untouched", test_other_host_untouched },
	{ "buffer exact", test_buffer_exact },
	{ "buffer small", test_buffer_small },
	{ "buffer bounds", test_buffer_bounds },
	{ "connect google", test_connect_google },
	{ "connect bing", test_connect_bing },
	{ "connect duckduckgo", test_connect_ddg },
	{ "connect youtube", test_connect_youtube },
	{ "connect others", test_connect_others },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"safesearch"
#include "cu_main.h"
