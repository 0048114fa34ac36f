#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "catstore.h"
#include "policy.h"
#include "policy_int.h"

#ifndef WD_SRCDIR
#error "compile with -DWD_SRCDIR='\"/path/to/the/source/tree\"'"
#endif

#define SHIPPED		WD_SRCDIR "/policies"
#define PAGE_MAX	65536

/* The policy_dir a test builds; removed by done(). */
static char			 dir[64];
static struct policy_scratch	*scratch;
static struct catstore		*store;
static struct werr		 err;
static char			 warned[1024];
static unsigned			 nwarned;

static const char page[] = "<p>{{url}}</p>\n<p>{{ reason }}</p>\n";

/* --- Building policy directories ----------------------------------------- */

static int
rm_entry(const char *path, const struct stat *st WD_UNUSED,
    int flag WD_UNUSED, struct FTW *ftw WD_UNUSED)
{
	if (remove(path) == -1)
		fprintf(stderr, "remove %s: %s\n", path, strerror(errno));
	return 0;
}

static void
mkdirs(const char *path)
{
	char buf[512], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(buf, 0755);
		*p = '/';
	}
	(void)mkdir(buf, 0755);
}

/* Writes dir/rel, making its directories. */
static void
put(const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdirs(path);
	*slash = '/';
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
setup(void)
{
	/* Times are built and read in UTC, whatever the machine's zone. */
	setenv("TZ", "UTC", 1);
	tzset();
	snprintf(dir, sizeof(dir), "/tmp/wd-policy-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	memset(&err, 0, sizeof(err));
	warned[0] = '\0';
	nwarned = 0;
}

static void
done(struct policy *p)
{
	if (p != NULL)
		policy_unref(p);
	policy_scratch_free(scratch);
	scratch = NULL;
	if (store != NULL)
		catstore_close(store);
	store = NULL;
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
on_warning(void *arg, const char *msg)
{
	CU_ASSERT_PTR_EQUAL(arg, &nwarned);
	snprintf(warned, sizeof(warned), "%s", msg);
	nwarned++;
}

static struct policy *
try_load(const char *conf)
{
	struct stat st;
	char path[512];

	if (conf != NULL)
		put("policy.conf", conf);
	snprintf(path, sizeof(path), "%s/blockpage.html", dir);
	if (stat(path, &st) == -1)
		put("blockpage.html", page);
	return policy_load_warn(dir, store, on_warning, &nwarned, &err);
}

/* A fresh directory with conf (and lists put before) that must load. */
static struct policy *
load(const char *conf)
{
	struct policy *p;

	p = try_load(conf);
	if (p == NULL)
		fprintf(stderr, "\nunexpected: %s\n", err.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(err.msg, "");
	scratch = policy_scratch_new(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(scratch);
	return p;
}

/* The message with every "DIR/" cut out, so tests read short paths. */
static const char *
rel(const char *msg)
{
	static char out[sizeof(err.msg)];
	char prefix[80];
	const char *s, *at;
	size_t plen, o = 0;

	snprintf(prefix, sizeof(prefix), "%s/", dir);
	plen = strlen(prefix);
	for (s = msg; (at = strstr(s, prefix)) != NULL; s = at + plen) {
		memcpy(out + o, s, (size_t)(at - s));
		o += (size_t)(at - s);
	}
	snprintf(out + o, sizeof(out) - o, "%s", s);
	return out;
}

/* Asserts that conf does not load, with exactly want (paths relative). */
static void
load_fails(const char *conf, const char *want)
{
	struct policy *p;

	p = try_load(conf);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_STRING_EQUAL(rel(err.msg), want);
	if (strcmp(rel(err.msg), want) != 0)
		fprintf(stderr, "\n got: %s\nwant: %s\n", rel(err.msg), want);
	done(p);
}

/* As load_fails(), for messages whose end another module words. */
static void
load_fails_prefix(const char *conf, const char *want)
{
	struct policy *p;

	p = try_load(conf);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_NSTRING_EQUAL(rel(err.msg), want, strlen(want));
	if (strncmp(rel(err.msg), want, strlen(want)) != 0)
		fprintf(stderr, "\n got: %s\nwant: %s...\n", rel(err.msg),
		    want);
	done(p);
}

/* A category store made of "category host..." lines. */
static void
make_store(const char *const *spec, size_t n)
{
	struct catstore_import_stats st;
	char rel_path[128], path[512], ut1[512];
	size_t i;

	for (i = 0; i < n; i += 2) {
		snprintf(rel_path, sizeof(rel_path), "ut1/%s/domains", spec[i]);
		put(rel_path, spec[i + 1]);
	}
	snprintf(ut1, sizeof(ut1), "%s/ut1", dir);
	snprintf(path, sizeof(path), "%s/cats.db", dir);
	if (catstore_import_dir(ut1, path, &st, &err) == -1)
		fprintf(stderr, "\nimport: %s\n", err.msg);
	store = catstore_open(path, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(store);
	memset(&err, 0, sizeof(err));
}

/* --- Requests ------------------------------------------------------------ */

struct req {
	struct sockaddr_storage	ss;
	struct txn_facts	f;
	struct decision		d;
};

/* January 2024, day mday (the 8th is a Monday), hh:mm UTC. */
static time_t
at(int mday, int hour, int min)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2024 - 1900;
	tm.tm_mon = 0;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_isdst = 0;
	return mktime(&tm);
}

static void
set_client(struct req *r, const char *client)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&r->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&r->ss;

	memset(&r->ss, 0, sizeof(r->ss));
	if (inet_pton(AF_INET, client, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else {
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, client,
		    &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
	}
	r->f.client = (struct sockaddr *)&r->ss;
}

/* A plain HTTP request: host and key in normalised form. */
static struct req *
http(struct req *r, const char *host, const char *key, const char *url)
{
	unsigned char a[16];

	memset(r, 0, sizeof(*r));
	set_client(r, "192.0.2.1");
	r->f.host = host;
	r->f.host_is_ip = inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
	r->f.port = 80;
	r->f.key = key;
	r->f.url = url;
	r->f.now = at(8, 10, 0);
	r->f.cats = store;
	r->f.scratch = scratch;
	return r;
}

static struct req *
connect_to(struct req *r, const char *host)
{
	static char url[300];

	snprintf(url, sizeof(url), "https://%s/", host);
	http(r, host, NULL, url);
	r->f.is_connect = true;
	r->f.port = 443;
	return r;
}

static enum verdict
eval(struct policy *p, struct req *r)
{
	CU_ASSERT_EQUAL(policy_eval(p, &r->f, &r->d, &err), 0);
	return r->d.verdict;
}

/* A policy whose default group blocks the list in lists/bad. */
static const char block_bad[] =
    "list bad lists/bad\n"
    "group default {\n"
    "\tblock bad\n"
    "}\n";

/* --- Domain lists -------------------------------------------------------- */

static void
test_policy_domain_exact(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/domains", "# bad sites\nexample.com\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com", "example.com/",
	    "http://example.com/")), VERDICT_BLOCK);
	CU_ASSERT_EQUAL(r.d.reason, REASON_BLOCK_DOMAIN);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/bad/domains:2 example.com");
	CU_ASSERT_STRING_EQUAL(r.d.group, "default");
	done(p);
}

static void
test_policy_domain_subdomain(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/domains", "example.com\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "a.b.example.com", "a.b.example.com/",
	    "http://a.b.example.com/")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/bad/domains:1 example.com");
	done(p);
}

static void
test_policy_domain_not_suffix(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/domains", "example.com\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "notexample.com", "notexample.com/",
	    "http://notexample.com/")), VERDICT_NONE);
	CU_ASSERT_EQUAL(r.d.reason, REASON_NONE);
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com.evil.net",
	    "example.com.evil.net/", "http://example.com.evil.net/")),
	    VERDICT_NONE);
	CU_ASSERT_EQUAL(eval(p, http(&r, "com", "com/", "http://com/")),
	    VERDICT_NONE);
	done(p);
}

static void
test_policy_domain_most_specific(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/domains", "example.com\nads.example.com\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.ads.example.com",
	    "x.ads.example.com/", "http://x.ads.example.com/")),
	    VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/domains:2 ads.example.com");
	done(p);
}

/* The decision for "http://host/"; r keeps it. */
static enum verdict
eval_host(struct policy *p, struct req *r, const char *host)
{
	char key[700], url[700];

	snprintf(key, sizeof(key), "%s/", host);
	snprintf(url, sizeof(url), "http://%s/", host);
	return eval(p, http(r, host, key, url));
}

/*
 * Hosts of more labels than a decision hashes at its start
 * (POLICY_CUTS_MAX): the most specific entry still wins, whether it is
 * among the first suffixes or past them.
 */
static void
test_policy_domain_many_labels(void)
{
	struct policy *p;
	struct req r;
	char deep[512], host[600], list[1200], rule[600];
	size_t o = 0;
	int i;

	for (i = 34; i > 0; i--)	/* 36 labels */
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "k%d.", i);
	snprintf(deep + o, sizeof(deep) - o, "example.org");
	setup();
	snprintf(list, sizeof(list), "example.org\n%s\nk3.k2.k1.example.net\n"
	    "c.d.e.%s\n", deep, deep);
	put("lists/bad/domains", list);
	p = load(block_bad);
	/* 41 labels: the most specific of two entries past the first 32. */
	snprintf(host, sizeof(host), "a.b.c.d.e.%s", deep);
	CU_ASSERT_EQUAL(eval_host(p, &r, host), VERDICT_BLOCK);
	snprintf(rule, sizeof(rule), "lists/bad/domains:4 c.d.e.%s", deep);
	CU_ASSERT_STRING_EQUAL(r.d.rule, rule);
	snprintf(host, sizeof(host), "b.d.e.%s", deep);
	CU_ASSERT_EQUAL(eval_host(p, &r, host), VERDICT_BLOCK);
	snprintf(rule, sizeof(rule), "lists/bad/domains:2 %s", deep);
	CU_ASSERT_STRING_EQUAL(r.d.rule, rule);
	CU_ASSERT_EQUAL(eval_host(p, &r, deep), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule, rule);
	/* Its parent falls under example.org only. */
	CU_ASSERT_EQUAL(eval_host(p, &r, strchr(deep, '.') + 1), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/bad/domains:1 example.org");
	/* 42 labels over an entry among the first suffixes. */
	for (o = 0, i = 37; i > 0; i--)
		o += (size_t)snprintf(host + o, sizeof(host) - o, "m%d.", i);
	snprintf(host + o, sizeof(host) - o, "k3.k2.k1.example.net");
	CU_ASSERT_EQUAL(eval_host(p, &r, host), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/domains:3 k3.k2.k1.example.net");
	host[o - 1] = 'x';	/* "m1xk3...": not under it */
	CU_ASSERT_EQUAL(eval_host(p, &r, host), VERDICT_NONE);
	done(p);
}

static void
test_policy_domain_ip_entry(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/domains", "192.0.2.7\n2001:db8::7\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "192.0.2.7", "192.0.2.7/",
	    "http://192.0.2.7/")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/bad/domains:1 192.0.2.7");
	CU_ASSERT_EQUAL(eval(p, http(&r, "2001:db8::7", "[2001:db8::7]/",
	    "http://[2001:db8::7]/")), VERDICT_BLOCK);
	CU_ASSERT_EQUAL(eval(p, http(&r, "192.0.2.70", "192.0.2.70/",
	    "http://192.0.2.70/")), VERDICT_NONE);
	CU_ASSERT_EQUAL(eval(p, http(&r, "10.192.0.2.7", "10.192.0.2.7/",
	    "http://10.192.0.2.7/")), VERDICT_NONE);
	done(p);
}

static void
test_policy_domain_connect(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/domains", "example.com\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, connect_to(&r, "www.example.com")),
	    VERDICT_BLOCK);
	CU_ASSERT_EQUAL(r.d.reason, REASON_BLOCK_DOMAIN);
	done(p);
}

static void
test_policy_domain_normalised(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/domains", "\xef\xbb\xbf  .Example.COM  # leading dot\r\n"
	    "*.Other.Example\r\n\r\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "www.example.com",
	    "example.com/", "http://www.example.com/")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/bad/domains:1 example.com");
	CU_ASSERT_EQUAL(eval(p, http(&r, "a.other.example", "a.other.example/",
	    "http://a.other.example/")), VERDICT_BLOCK);
	done(p);
}

/* --- URL lists ----------------------------------------------------------- */

static void
test_policy_url_prefix(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/urls", "example.com/games\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com", "example.com/games",
	    "http://example.com/games")), VERDICT_BLOCK);
	CU_ASSERT_EQUAL(r.d.reason, REASON_BLOCK_URL);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/bad/urls:1 example.com/games");
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com",
	    "example.com/games/chess/1", "http://example.com/games/chess/1")),
	    VERDICT_BLOCK);
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com",
	    "example.com/games?id=1", "http://example.com/games?id=1")),
	    VERDICT_BLOCK);
	done(p);
}

static void
test_policy_url_boundary(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/urls", "example.com/games\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com", "example.com/gamesx",
	    "http://example.com/gamesx")), VERDICT_NONE);
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com", "example.com/game",
	    "http://example.com/game")), VERDICT_NONE);
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com", "example.com/",
	    "http://example.com/")), VERDICT_NONE);
	CU_ASSERT_EQUAL(eval(p, http(&r, "a.example.com",
	    "a.example.com/games", "http://a.example.com/games")),
	    VERDICT_NONE);
	done(p);
}

static void
test_policy_url_whole_host(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/urls", "http://www.example.com/\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com", "example.com/any/page",
	    "http://example.com/any/page")), VERDICT_BLOCK);
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.org", "example.org/",
	    "http://example.org/")), VERDICT_NONE);
	done(p);
}

static void
test_policy_url_not_for_connect(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/urls", "example.com/\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, connect_to(&r, "example.com")), VERDICT_NONE);
	done(p);
}

/* --- Expressions --------------------------------------------------------- */

static void
test_policy_regex_indexed_attribution(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/expressions",
	    "# words\n"
	    "casino[0-9]*\\.\n"
	    "\n"
	    "poker-?online\n"
	    "/(free|cheap)-?viagra\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/a/pokeronline",
	    "http://x.test/a/PokerOnline")), VERDICT_BLOCK);
	CU_ASSERT_EQUAL(r.d.reason, REASON_BLOCK_REGEX);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/expressions:4 poker-?online");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/cheap-viagra",
	    "http://x.test/cheap-viagra")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/expressions:5 /(free|cheap)-?viagra");
	CU_ASSERT_EQUAL(eval(p, http(&r, "casino.test", "casino.test/",
	    "http://casino.test/")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/expressions:2 casino[0-9]*\\.");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/poker",
	    "http://x.test/poker")), VERDICT_NONE);
	done(p);
}

static void
test_policy_regex_combined_attribution(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/expressions",
	    "# no literal of four bytes: these share an alternation\n"
	    "\\.(exe|scr)$\n"
	    "[?&]id=[0-9]{3}\n"
	    "/[0-9]{4}/[a-z]{2}/\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/2024/ab/x",
	    "http://x.test/2024/ab/x")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/expressions:4 /[0-9]{4}/[a-z]{2}/");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/f.EXE",
	    "http://x.test/f.EXE")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/bad/expressions:2 "
	    "\\.(exe|scr)$");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/?id=123",
	    "http://x.test/?id=123")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/bad/expressions:3 "
	    "[?&]id=[0-9]{3}");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/?id=12",
	    "http://x.test/?id=12")), VERDICT_NONE);
	done(p);
}

static void
test_policy_regex_first_line_wins(void)
{
	struct policy *p;
	struct req r;

	setup();
	/* Line 3 matches further left, line 2 first in the file. */
	put("lists/bad/expressions",
	    "# two patterns match\n"
	    "[0-9]{3}z\n"
	    "a[0-9]\n"
	    "blue[0-9]\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/a1/b123z",
	    "http://x.test/a1/b123z")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/bad/expressions:2 [0-9]{3}z");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/blue1/a1",
	    "http://x.test/blue1/a1")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/bad/expressions:3 a[0-9]");
	done(p);
}

static void
test_policy_regex_backreference(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/expressions",
	    "\\.(exe|scr)$\n"
	    "/(\\w)\\1\\1\\1/\n"
	    "(?<w>[a-z])\\k<w>z\n"
	    "[?&]id=[0-9]{3}\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/aaaa/b",
	    "http://x.test/aaaa/b")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/expressions:2 /(\\w)\\1\\1\\1/");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/abba/cddz",
	    "http://x.test/abba/cddz")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/expressions:3 (?<w>[a-z])\\k<w>z");
	/* The patterns around them still match. */
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/?id=123",
	    "http://x.test/?id=123")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/expressions:4 [?&]id=[0-9]{3}");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/abc/",
	    "http://x.test/abc/")), VERDICT_NONE);
	done(p);
}

static void
test_policy_regex_verbs_and_options(void)
{
	struct policy *p;
	struct req r;

	setup();
	/* Each would break an alternation it shared. */
	put("lists/bad/expressions",
	    "a(*COMMIT)b\n"
	    "(?x) q [0-9] # a comment\n"
	    "[?&]id=[0-9]{3}\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/?id=123",
	    "http://x.test/?id=123")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/expressions:3 [?&]id=[0-9]{3}");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/q7",
	    "http://x.test/q7")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/expressions:2 (?x) q [0-9] # a comment");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/ab",
	    "http://x.test/ab")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/bad/expressions:1 a(*COMMIT)b");
	done(p);
}

static void
test_policy_regex_connect(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/expressions", "^https://[^/]*\\.bad\\.test[:/]\n");
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, connect_to(&r, "www.bad.test")),
	    VERDICT_BLOCK);
	CU_ASSERT_EQUAL(r.d.reason, REASON_BLOCK_REGEX);
	CU_ASSERT_EQUAL(eval(p, connect_to(&r, "www.good.test")),
	    VERDICT_NONE);
	done(p);
}

/* A pattern that backtracks without end fails the evaluation: closed. */
static void
test_policy_regex_match_limit(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/expressions", "# catastrophic\n(a+)+$\n");
	p = load(block_bad);
	http(&r, "x.test", "x.test/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
	    "http://x.test/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!");
	CU_ASSERT_EQUAL(policy_eval(p, &r.f, &r.d, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg,
	    "lists/bad/expressions:2: match limit exceeded");
	CU_ASSERT_STRING_EQUAL(r.d.group, "default");
	CU_ASSERT_EQUAL(r.d.verdict, VERDICT_NONE);
	done(p);
}

/* Enough patterns of each kind for several alternations and buckets. */
static void
test_policy_regex_many(void)
{
	struct policy *p;
	struct req r;
	char *buf, url[128];
	size_t o = 0, cap = 200000;
	int i;

	setup();
	buf = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (i = 0; i < 1000; i++) {
		o += (size_t)snprintf(buf + o, cap - o, "[a-c]%03d[x-z]\n", i);
		o += (size_t)snprintf(buf + o, cap - o, "word%dend\n", i);
	}
	put("lists/bad/expressions", buf);
	free(buf);
	p = load(block_bad);
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/b512y",
	    "http://x.test/b512y")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/expressions:1025 [a-c]512[x-z]");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/c999z",
	    "http://x.test/c999z")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/expressions:1999 [a-c]999[x-z]");
	snprintf(url, sizeof(url), "http://x.test/WORD777END");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/word777end", url)),
	    VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/bad/expressions:1556 word777end");
	CU_ASSERT_EQUAL(eval(p, http(&r, "x.test", "x.test/word1000end",
	    "http://x.test/word1000end")), VERDICT_NONE);
	done(p);
}

/*
 * Lists of POLICY_SET_BLOOM entries and more have filters in front of
 * their sets, and every URL list one of its entries' hosts: none may
 * hide an entry.
 */
static void
test_policy_lists_big(void)
{
	struct policy *p;
	struct req r;
	char *dom, *urls, host[64], key[128], url[160], rule[160];
	size_t od = 0, ou = 0, cap = 400000;
	int i, miss = 0;

	setup();
	dom = malloc(cap);
	urls = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dom);
	CU_ASSERT_PTR_NOT_NULL_FATAL(urls);
	for (i = 0; i < 3000; i++) {
		od += (size_t)snprintf(dom + od, cap - od, "d%d.zone%d.test\n",
		    i, i % 7);
		ou += (size_t)snprintf(urls + ou, cap - ou, "h%d.test/p%d/x\n",
		    i, i);
	}
	od += (size_t)snprintf(dom + od, cap - od, "192.0.2.7\n");
	ou += (size_t)snprintf(urls + ou, cap - ou, "h5.test:8080/port\n");
	put("lists/bad/domains", dom);
	put("lists/bad/urls", urls);
	free(dom);
	free(urls);
	p = load(block_bad);
	for (i = 0; i < 3000; i++) {
		snprintf(host, sizeof(host), "www.d%d.zone%d.test", i, i % 7);
		snprintf(key, sizeof(key), "%s/", host);
		snprintf(url, sizeof(url), "http://%s/", host);
		if (eval(p, http(&r, host, key, url)) != VERDICT_BLOCK ||
		    r.d.reason != REASON_BLOCK_DOMAIN)
			miss++;
		snprintf(host, sizeof(host), "h%d.test", i);
		snprintf(key, sizeof(key), "%s/p%d/x/y?z=1", host, i);
		snprintf(url, sizeof(url), "http://%s", key);
		snprintf(rule, sizeof(rule), "lists/bad/urls:%d h%d.test/p%d/x",
		    i + 1, i, i);
		if (eval(p, http(&r, host, key, url)) != VERDICT_BLOCK ||
		    strcmp(r.d.rule, rule) != 0)
			miss++;
	}
	CU_ASSERT_EQUAL(miss, 0);
	/* Not listed: a sibling, a parent, the host without the path. */
	CU_ASSERT_EQUAL(eval(p, http(&r, "d1.zone2.test", "d1.zone2.test/",
	    "http://d1.zone2.test/")), VERDICT_NONE);
	CU_ASSERT_EQUAL(eval(p, http(&r, "zone1.test", "zone1.test/",
	    "http://zone1.test/")), VERDICT_NONE);
	CU_ASSERT_EQUAL(eval(p, http(&r, "h7.test", "h7.test/p7/xx",
	    "http://h7.test/p7/xx")), VERDICT_NONE);
	CU_ASSERT_EQUAL(eval(p, http(&r, "h3000.test", "h3000.test/p3000/x",
	    "http://h3000.test/p3000/x")), VERDICT_NONE);
	/* An address, and a host with its port. */
	CU_ASSERT_EQUAL(eval(p, http(&r, "192.0.2.7", "192.0.2.7/",
	    "http://192.0.2.7/")), VERDICT_BLOCK);
	CU_ASSERT_EQUAL(eval(p, http(&r, "h5.test", "h5.test:8080/port/a",
	    "http://h5.test:8080/port/a")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/bad/urls:3001 h5.test:8080/port");
	CU_ASSERT_EQUAL(eval(p, http(&r, "h5.test", "h5.test/port/a",
	    "http://h5.test/port/a")), VERDICT_NONE);
	done(p);
}

/*
 * The filters only ever spare lookups: the same lists with and without
 * them give the same entries, for hosts and URLs drawn from a small
 * alphabet so that most share labels, cuts or hosts with some entry.
 */
static uint32_t fz_state;

static unsigned
fz_rand(unsigned n)
{
	fz_state = fz_state * 1103515245u + 12345u;
	return (fz_state >> 8) % n;
}

static char *
fz_label(char *o)
{
	static const char al[] = "abcdefg-012";
	unsigned i, n = 1 + fz_rand(3);

	for (i = 0; i < n; i++)
		*o++ = al[fz_rand(sizeof(al) - 1)];
	return o;
}

/* "host[:port]" into h; with path, then "/path[?q]" after it. */
static void
fz_key(char *h, bool path)
{
	unsigned i, n = 1 + fz_rand(3);
	char *o = h;

	for (i = 0; i < n; i++) {
		if (i > 0)
			*o++ = '.';
		o = fz_label(o);
	}
	if (fz_rand(5) == 0)
		o += sprintf(o, ":%u", 80 + fz_rand(3));
	if (path) {
		n = fz_rand(3);
		for (i = 0; i < n; i++) {
			*o++ = '/';
			o = fz_label(o);
		}
		if (n == 0 || fz_rand(3) == 0)
			*o++ = '/';
		if (fz_rand(4) == 0) {
			*o++ = '?';
			o = fz_label(o);
		}
	}
	*o = '\0';
}

static void
test_policy_lists_filters(void)
{
	struct policy_list l, off;
	struct policy_arena a = { 0 };
	struct policy_host ph;
	char k[128], host[128], (*ent)[128];
	const char *e, *sl;
	size_t hl;
	unsigned i, n = 2500, diff = 0, found = 0;

	fz_state = 20261127;
	memset(&l, 0, sizeof(l));
	l.has_domains = l.has_urls = true;
	ent = malloc(n * sizeof(*ent));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ent);
	for (i = 0; i < n; i++) {
		fz_key(ent[i], true);
		hl = strcspn(ent[i], ":/");
		CU_ASSERT_EQUAL(policy_set_add(&l.domains, &a,
		    policy_set_hash_rev(ent[i], hl), ent[i], hl, i + 1, false), 0);
		CU_ASSERT_EQUAL(policy_set_add(&l.urls, &a,
		    policy_set_hash(ent[i], strlen(ent[i])), ent[i],
		    strlen(ent[i]), i + 1, false), 0);
	}
	CU_ASSERT_EQUAL_FATAL(policy_set_seal(&l.domains), 0);
	CU_ASSERT_EQUAL_FATAL(check_url_seal(&l), 0);
	CU_ASSERT_PTR_NOT_NULL(l.domains.bloom.w);
	CU_ASSERT_PTR_NOT_NULL(l.urlhosts.w);
	off = l;
	off.domains.bloom.w = off.urls.bloom.w = off.urlhosts.w = NULL;
	for (i = 0; i < 40000; i++) {
		if (fz_rand(2) == 0) {
			/* An entry's host or a subdomain, its path or longer. */
			e = ent[fz_rand(n)];
			sl = strchr(e, '/');
			snprintf(k, sizeof(k), "%s%.*s%s%s", fz_rand(3) == 0 ?
			    "x." : "", (int)(sl - e), e, sl,
			    fz_rand(2) == 0 ? "/more" : "");
		} else
			fz_key(k, true);
		hl = strcspn(k, ":/");
		memcpy(host, k, hl);
		host[hl] = '\0';
		policy_host_make(&ph, host, false, k);
		if (check_domain_match(&l, &ph) !=
		    check_domain_match(&off, &ph) ||
		    check_url_match(&l, &ph) != check_url_match(&off, &ph))
			diff++;
		if (check_url_match(&off, &ph) != NULL)
			found++;
	}
	CU_ASSERT_EQUAL(diff, 0);
	CU_ASSERT(found > 10000);	/* the URLs do reach entries */
	policy_set_free(&l.domains);
	policy_set_free(&l.urls);
	policy_bloom_free(&l.urlhosts);
	policy_arena_free(&a);
	free(ent);
}

/* --- Allow lists and categories ------------------------------------------ */

static void
test_policy_allow_over_block(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/good/domains", "example.com\n");
	put("lists/bad/domains", "example.com\n");
	put("lists/bad/expressions", "example\n");
	p = load("list good lists/good\n"
	    "list bad lists/bad\n"
	    "group default {\n"
	    "\tblock bad\n"
	    "\tallow good\n"
	    "}\n");
	CU_ASSERT_EQUAL(eval(p, http(&r, "www.example.com", "example.com/",
	    "http://www.example.com/")), VERDICT_ALLOW);
	CU_ASSERT_EQUAL(r.d.reason, REASON_ALLOW_LIST);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/good/domains:1 example.com");
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.net", "example.net/",
	    "http://example.net/example")), VERDICT_BLOCK);
	done(p);
}

static void
test_policy_allow_url_and_regex(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/good/urls", "example.com/docs\n");
	put("lists/good/expressions", "^http://[^/]+/public/\n");
	put("lists/bad/domains", "example.com\n");
	p = load("list good lists/good\n"
	    "list bad lists/bad\n"
	    "group default {\n"
	    "\tallow good\n"
	    "\tblock bad\n"
	    "}\n");
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com", "example.com/docs/a",
	    "http://example.com/docs/a")), VERDICT_ALLOW);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "lists/good/urls:1 example.com/docs");
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com", "example.com/public/",
	    "http://example.com/public/")), VERDICT_ALLOW);
	CU_ASSERT_STRING_EQUAL(r.d.rule,
	    "lists/good/expressions:1 ^http://[^/]+/public/");
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com", "example.com/x",
	    "http://example.com/x")), VERDICT_BLOCK);
	done(p);
}

static const char *const school_store[] = {
	"adult", "adult.test\nmixed.test\n",
	"gambling", "casino.test\n",
	"education", "school.test\n",
};

static void
test_policy_category_block(void)
{
	struct policy *p;
	struct req r;

	setup();
	make_store(school_store, WD_NELEM(school_store));
	p = load("group default {\n"
	    "\tblock_categories gambling adult\n"
	    "}\n");
	CU_ASSERT_EQUAL(eval(p, http(&r, "www.adult.test", "adult.test/",
	    "http://www.adult.test/")), VERDICT_BLOCK);
	CU_ASSERT_EQUAL(r.d.reason, REASON_BLOCK_CATEGORY);
	CU_ASSERT_STRING_EQUAL(r.d.rule, "adult");
	CU_ASSERT_STRING_EQUAL(r.d.category, "adult");
	CU_ASSERT_EQUAL(eval(p, http(&r, "school.test", "school.test/",
	    "http://school.test/")), VERDICT_NONE);
	CU_ASSERT_EQUAL(eval(p, connect_to(&r, "casino.test")),
	    VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.category, "gambling");
	done(p);
}

static void
test_policy_allow_over_category(void)
{
	struct policy *p;
	struct req r;

	setup();
	make_store(school_store, WD_NELEM(school_store));
	put("lists/good/domains", "mixed.test\n");
	p = load("list good lists/good\n"
	    "group default {\n"
	    "\tallow good\n"
	    "\tblock_categories adult\n"
	    "}\n");
	CU_ASSERT_EQUAL(eval(p, http(&r, "mixed.test", "mixed.test/",
	    "http://mixed.test/")), VERDICT_ALLOW);
	CU_ASSERT_EQUAL(r.d.reason, REASON_ALLOW_LIST);
	CU_ASSERT_EQUAL(eval(p, http(&r, "adult.test", "adult.test/",
	    "http://adult.test/")), VERDICT_BLOCK);
	done(p);
}

static void
test_policy_allow_category_over_block(void)
{
	struct policy *p;
	struct req r;

	setup();
	make_store(school_store, WD_NELEM(school_store));
	put("lists/bad/domains", "test\n");
	p = load("list bad lists/bad\n"
	    "group default {\n"
	    "\tblock bad\n"
	    "\tallow_categories education\n"
	    "}\n");
	CU_ASSERT_EQUAL(eval(p, http(&r, "school.test", "school.test/",
	    "http://school.test/")), VERDICT_ALLOW);
	CU_ASSERT_EQUAL(r.d.reason, REASON_ALLOW_CATEGORY);
	CU_ASSERT_STRING_EQUAL(r.d.category, "education");
	CU_ASSERT_EQUAL(eval(p, http(&r, "casino.test", "casino.test/",
	    "http://casino.test/")), VERDICT_BLOCK);
	CU_ASSERT_EQUAL(r.d.reason, REASON_BLOCK_DOMAIN);
	done(p);
}

static void
test_policy_category_without_store(void)
{
	struct policy *p;
	struct req r;

	setup();
	p = load("group default {\n"
	    "\tblock_categories adult anything-at-all\n"
	    "}\n");
	CU_ASSERT_EQUAL(eval(p, http(&r, "adult.test", "adult.test/",
	    "http://adult.test/")), VERDICT_NONE);
	done(p);
}

/* --- Groups -------------------------------------------------------------- */

static const char groups_conf[] =
    "list bad lists/bad\n"
    "group staff {\n"
    "\tclients 10.1.0.0/16 fd00:1::/48\n"
    "\tsafe_search off\n"
    "}\n"
    "group pupils {\n"
    "\tclients 10.0.0.0/8\n"
    "\tclients fd00::/16\n"
    "\tblock bad\n"
    "\tsafe_search on\n"
    "}\n"
    "group default {\n"
    "\tblock bad\n"
    "}\n";

static void
test_policy_group_ipv4(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/domains", "example.com\n");
	p = load(groups_conf);
	http(&r, "example.com", "example.com/", "http://example.com/");
	set_client(&r, "10.1.2.3");
	CU_ASSERT_EQUAL(eval(p, &r), VERDICT_NONE);
	CU_ASSERT_STRING_EQUAL(r.d.group, "staff");
	CU_ASSERT_FALSE(r.d.safe_search);
	set_client(&r, "10.2.2.3");
	CU_ASSERT_EQUAL(eval(p, &r), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.group, "pupils");
	CU_ASSERT_TRUE(r.d.safe_search);
	CU_ASSERT_STRING_EQUAL(policy_group_name(policy_group_for(p,
	    r.f.client, NULL)), "pupils");
	done(p);
}

static void
test_policy_group_ipv6(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/domains", "example.com\n");
	p = load(groups_conf);
	http(&r, "example.com", "example.com/", "http://example.com/");
	set_client(&r, "fd00:1::99");
	CU_ASSERT_EQUAL(eval(p, &r), VERDICT_NONE);
	CU_ASSERT_STRING_EQUAL(r.d.group, "staff");
	set_client(&r, "fd00:2::99");
	CU_ASSERT_EQUAL(eval(p, &r), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.group, "pupils");
	/* An IPv4-mapped client is the IPv4 one. */
	set_client(&r, "::ffff:10.1.0.1");
	CU_ASSERT_EQUAL(eval(p, &r), VERDICT_NONE);
	CU_ASSERT_STRING_EQUAL(r.d.group, "staff");
	done(p);
}

static void
test_policy_group_default(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/domains", "example.com\n");
	p = load(groups_conf);
	http(&r, "example.com", "example.com/", "http://example.com/");
	set_client(&r, "192.168.1.1");
	CU_ASSERT_EQUAL(eval(p, &r), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.group, "default");
	CU_ASSERT_FALSE(r.d.safe_search);
	set_client(&r, "2001:db8::1");
	CU_ASSERT_EQUAL(eval(p, &r), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.group, "default");
	r.f.client = NULL;
	CU_ASSERT_EQUAL(eval(p, &r), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.group, "default");
	done(p);
}

/* --- Time windows -------------------------------------------------------- */

static const char during_conf[] =
    "time school {\n"
    "\tdays mon-fri\n"
    "\thours 08:00-12:00 13:00-16:30\n"
    "}\n"
    "time nights {\n"
    "\tdays fri,sat\n"
    "\thours 22:00-06:00\n"
    "}\n"
    "list games lists/games\n"
    "list late lists/late\n"
    "group default {\n"
    "\tblock games during school\n"
    "\tblock late during nights\n"
    "}\n";

static enum verdict
eval_at(struct policy *p, const char *host, time_t now)
{
	static char key[128], url[128];
	struct req r;

	snprintf(key, sizeof(key), "%s/", host);
	snprintf(url, sizeof(url), "http://%s/", host);
	http(&r, host, key, url);
	r.f.now = now;
	return eval(p, &r);
}

static struct policy *
load_during(void)
{
	setup();
	put("lists/games/domains", "games.test\n");
	put("lists/late/domains", "late.test\n");
	return load(during_conf);
}

static void
test_policy_during_inside(void)
{
	struct policy *p = load_during();

	CU_ASSERT_EQUAL(eval_at(p, "games.test", at(8, 8, 0)), VERDICT_BLOCK);
	CU_ASSERT_EQUAL(eval_at(p, "games.test", at(8, 11, 59)),
	    VERDICT_BLOCK);
	CU_ASSERT_EQUAL(eval_at(p, "games.test", at(12, 16, 29)),
	    VERDICT_BLOCK);
	done(p);
}

static void
test_policy_during_outside(void)
{
	struct policy *p = load_during();

	CU_ASSERT_EQUAL(eval_at(p, "games.test", at(8, 7, 59)), VERDICT_NONE);
	CU_ASSERT_EQUAL(eval_at(p, "games.test", at(8, 12, 0)), VERDICT_NONE);
	CU_ASSERT_EQUAL(eval_at(p, "games.test", at(8, 16, 30)),
	    VERDICT_NONE);
	done(p);
}

static void
test_policy_during_days(void)
{
	struct policy *p = load_during();

	/* 13 January 2024 is a Saturday, 14 a Sunday. */
	CU_ASSERT_EQUAL(eval_at(p, "games.test", at(13, 10, 0)),
	    VERDICT_NONE);
	CU_ASSERT_EQUAL(eval_at(p, "games.test", at(14, 10, 0)),
	    VERDICT_NONE);
	CU_ASSERT_EQUAL(eval_at(p, "games.test", at(10, 10, 0)),
	    VERDICT_BLOCK);
	done(p);
}

static void
test_policy_during_past_midnight(void)
{
	struct policy *p = load_during();

	/* Friday 12 23:00, Saturday 13 05:59, Sunday 14 05:59: nights. */
	CU_ASSERT_EQUAL(eval_at(p, "late.test", at(12, 23, 0)), VERDICT_BLOCK);
	CU_ASSERT_EQUAL(eval_at(p, "late.test", at(13, 5, 59)),
	    VERDICT_BLOCK);
	CU_ASSERT_EQUAL(eval_at(p, "late.test", at(14, 5, 59)),
	    VERDICT_BLOCK);
	/* Friday 02:00 belongs to Thursday night; Sunday 22:00 is not. */
	CU_ASSERT_EQUAL(eval_at(p, "late.test", at(12, 2, 0)), VERDICT_NONE);
	CU_ASSERT_EQUAL(eval_at(p, "late.test", at(14, 22, 0)), VERDICT_NONE);
	CU_ASSERT_EQUAL(eval_at(p, "late.test", at(13, 6, 0)), VERDICT_NONE);
	done(p);
}

/* --- Load errors --------------------------------------------------------- */

static void
test_policy_err_no_conf(void)
{
	setup();
	load_fails(NULL, "policy.conf: No such file or directory");
}

static void
test_policy_err_unknown_keyword(void)
{
	setup();
	load_fails("# comment\ncolour red\n",
	    "policy.conf:2: unknown keyword 'colour' at the top level");
}

static void
test_policy_err_unknown_keyword_near(void)
{
	setup();
	load_fails("group default {\n\tblock_category adult\n}\n",
	    "policy.conf:2: unknown keyword 'block_category' in a group (did "
	    "you mean 'block_categories'?)");
}

static void
test_policy_err_keyword_out_of_block(void)
{
	setup();
	load_fails("allow x\n",
	    "policy.conf:1: 'allow' belongs inside a group");
}

static void
test_policy_err_unknown_list(void)
{
	setup();
	load_fails("group default {\n\tblock nosuch\n}\n",
	    "policy.conf:2: unknown list 'nosuch' (define it with 'list nosuch "
	    "DIRECTORY' above)");
}

static void
test_policy_err_unknown_time(void)
{
	setup();
	load_fails("group default {\n\tblock_categories adult during never\n"
	    "}\n", "policy.conf:2: unknown time window 'never' (define it "
	    "with 'time never { ... }' above)");
}

static void
test_policy_err_during_misplaced(void)
{
	setup();
	load_fails("time t {\n}\ngroup default {\n"
	    "\tblock_categories adult during\n}\n",
	    "policy.conf:4: block_categories: 'during' takes one time window, "
	    "at the end of the rule");
}

static void
test_policy_err_list_no_files(void)
{
	setup();
	put("lists/empty/README", "nothing here\n");
	load_fails("list empty lists/empty\ngroup default {\n}\n",
	    "policy.conf:1: list 'empty': lists/empty has none of the files "
	    "domains, urls, expressions");
}

static void
test_policy_err_list_missing(void)
{
	setup();
	load_fails("\nlist gone lists/gone\ngroup default {\n}\n",
	    "policy.conf:2: list 'gone': lists/gone: No such file or "
	    "directory");
}

static void
test_policy_err_dup_group(void)
{
	setup();
	load_fails("group default {\n}\ngroup default {\n}\n",
	    "policy.conf:3: group 'default' is already defined at line 1");
}

static void
test_policy_err_dup_list(void)
{
	setup();
	put("lists/a/domains", "a.test\n");
	load_fails("list a lists/a\nlist a lists/a\ngroup default {\n}\n",
	    "policy.conf:2: list 'a' is already defined at line 1");
}

static void
test_policy_err_dup_time(void)
{
	setup();
	load_fails("time t {\n}\ntime t {\n}\ngroup default {\n}\n",
	    "policy.conf:3: time window 't' is already defined at line 1");
}

static void
test_policy_err_no_default(void)
{
	setup();
	load_fails("group staff {\n\tclients 10.0.0.0/8\n}\n",
	    "policy.conf:3: no 'group default { ... }': it is required, and "
	    "takes the clients no other group takes");
}

static void
test_policy_err_clients_in_default(void)
{
	setup();
	load_fails("group default {\n\tclients 10.0.0.0/8\n}\n",
	    "policy.conf:2: the default group has no 'clients': it takes "
	    "every client no other group takes");
}

static void
test_policy_err_group_without_clients(void)
{
	setup();
	load_fails("group staff {\n\tsafe_search on\n}\ngroup default {\n}\n",
	    "policy.conf:1: group 'staff' has no 'clients': it would never be "
	    "chosen");
}

static void
test_policy_err_bad_cidr(void)
{
	setup();
	load_fails_prefix("group staff {\n\tclients 10.0.0.0/8 10.1.0.0/33\n"
	    "}\ngroup default {\n}\n", "policy.conf:2: clients: ");
}

static void
test_policy_err_bad_hours(void)
{
	setup();
	load_fails("time t {\n\thours 8-12\n}\ngroup default {\n}\n",
	    "policy.conf:2: hours: '8-12': expected a range HH:MM-HH:MM "
	    "(00:00 to 23:59, or 24:00 as an end)");
}

static void
test_policy_err_bad_days(void)
{
	setup();
	load_fails("time t {\n\tdays mon-fry\n}\ngroup default {\n}\n",
	    "policy.conf:2: days: 'mon-fry' is not a day or a range of days "
	    "(mon, tue, wed, thu, fri, sat, sun; 'mon-fri')");
}

static void
test_policy_err_not_closed(void)
{
	setup();
	load_fails("group default {\n\tsafe_search on\n",
	    "policy.conf:1: group 'default' is not closed (missing '}')");
}

static void
test_policy_err_stray_brace(void)
{
	setup();
	load_fails("}\n", "policy.conf:1: '}' without a block to close");
}

static void
test_policy_err_brace_missing(void)
{
	setup();
	load_fails("group default\n}\n", "policy.conf:1: expected 'group NAME "
	    "{' (the '{' on the same line)");
}

static void
test_policy_err_bad_name(void)
{
	setup();
	load_fails("list a/b lists/x\n", "policy.conf:1: list name 'a/b': use "
	    "letters, digits, '_', '-' and '.' (at most 63)");
}

static void
test_policy_err_safe_search(void)
{
	setup();
	load_fails("group default {\n\tsafe_search maybe\n}\n",
	    "policy.conf:2: expected 'safe_search on' or 'safe_search off'");
}

static void
test_policy_err_control_char(void)
{
	setup();
	load_fails("group default {\n\x01\n}\n",
	    "policy.conf:2: control character 0x01 at column 1");
}

static void
test_policy_err_category_syntax(void)
{
	setup();
	load_fails("group default {\n\tblock_categories adult/x\n}\n",
	    "policy.conf:2: 'adult/x' is not a category name (letters, "
	    "digits, '_', '-', '.')");
}

static void
test_policy_err_category_unknown(void)
{
	setup();
	make_store(school_store, WD_NELEM(school_store));
	load_fails("group default {\n\tblock_categories adult zzzz\n}\n",
	    "policy.conf:2: unknown category 'zzzz': not in the category "
	    "store, nor a UT1 category");
}

static void
test_policy_err_category_typo(void)
{
	setup();
	make_store(school_store, WD_NELEM(school_store));
	load_fails("group default {\n\tallow_categories educaton\n}\n",
	    "policy.conf:2: unknown category 'educaton' (did you mean "
	    "'education'?)");
}

static void
test_policy_category_ut1_warning(void)
{
	struct policy *p;
	char want[512];

	setup();
	make_store(school_store, WD_NELEM(school_store));
	p = load("group default {\n\tblock_categories adult\n"
	    "\tblock_categories warez\n}\n");
	CU_ASSERT_EQUAL(nwarned, 1);
	snprintf(want, sizeof(want), "%s/policy.conf:3: category 'warez' is "
	    "not in the category store (yet): the rule matches nothing for "
	    "it until a blacklist that has it is imported", dir);
	CU_ASSERT_STRING_EQUAL(warned, want);
	done(p);
}

static void
test_policy_err_domain_entry(void)
{
	setup();
	put("lists/bad/domains", "# x\nok.test\nbad..host\n");
	load_fails_prefix(block_bad, "lists/bad/domains:3: 'bad..host': ");
}

static void
test_policy_err_two_entries(void)
{
	setup();
	put("lists/bad/domains", "a.test b.test\n");
	load_fails(block_bad,
	    "lists/bad/domains:1: 'a.test b.test': one entry per line");
}

static void
test_policy_err_url_entry(void)
{
	setup();
	put("lists/bad/urls", "ok.test/a\n\nok.test/x%zz\n");
	load_fails_prefix(block_bad, "lists/bad/urls:3: 'ok.test/x%zz': ");
}

static void
test_policy_err_regex(void)
{
	setup();
	put("lists/bad/expressions", "# patterns\nfoo(bar\n");
	load_fails(block_bad, "lists/bad/expressions:2: missing closing "
	    "parenthesis at offset 7");
}

static void
test_policy_err_page_placeholder(void)
{
	setup();
	put("blockpage.html", "<p>{{url}}</p>\n<p>{{nope}}</p>\n");
	load_fails("group default {\n}\n", "blockpage.html:2: unknown "
	    "placeholder '{{nope}}' (known: url, reason, rule, category, "
	    "group, time, request_id, client, proxy)");
}

static void
test_policy_err_page_unclosed(void)
{
	setup();
	put("blockpage.html", "<p>{{url</p>\n");
	load_fails("group default {\n}\n",
	    "blockpage.html:1: '{{' without '}}'");
}

static void
test_policy_err_page_missing(void)
{
	setup();
	put("policy.conf", "group default {\n}\n");
	CU_ASSERT_PTR_NULL(policy_load(dir, NULL, &err));
	CU_ASSERT_STRING_EQUAL(rel(err.msg),
	    "blockpage.html: No such file or directory");
	done(NULL);
}

/* --- Snapshot, block page, shipped policy -------------------------------- */

static void *
unref_thread(void *arg)
{
	policy_unref(arg);
	return NULL;
}

static void
test_policy_refcount(void)
{
	struct policy *p;
	pthread_t th;
	struct req r;

	setup();
	put("lists/bad/domains", "example.com\n");
	put("lists/bad/expressions", "casino\n");
	p = load(block_bad);
	CU_ASSERT_PTR_EQUAL(policy_ref(p), p);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, unref_thread, p), 0);
	CU_ASSERT_EQUAL(pthread_join(th, NULL), 0);
	/* Still ours: the other thread dropped its own reference. */
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com", "example.com/",
	    "http://example.com/")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(policy_dir(p), dir);
	done(p);
}

static void
test_policy_no_scratch(void)
{
	struct policy *p;
	struct req r;

	setup();
	put("lists/bad/expressions", "casino\n");
	p = load(block_bad);
	http(&r, "x.test", "x.test/casino", "http://x.test/casino");
	r.f.scratch = NULL;
	CU_ASSERT_EQUAL(eval(p, &r), VERDICT_BLOCK);
	done(p);
}

static void
test_policy_blockpage_escapes(void)
{
	struct blockpage_vars v = {
		.url = "http://x.test/<script>alert('x')</script>",
		.reason = "block-regex",
	};
	struct policy *p;
	char buf[PAGE_MAX];

	setup();
	p = load("group default {\n}\n");
	CU_ASSERT_EQUAL(policy_blockpage(p, &v, buf, sizeof(buf)),
	    (int)strlen(buf));
	CU_ASSERT_STRING_EQUAL(buf, "<p>http://x.test/&lt;script&gt;alert("
	    "&#39;x&#39;)&lt;/script&gt;</p>\n<p>block-regex</p>\n");
	CU_ASSERT_PTR_NULL(strstr(buf, "<script>"));
	done(p);
}

static void
test_policy_blockpage_too_small(void)
{
	struct blockpage_vars v = { .url = "http://x.test/", .reason = "r" };
	struct policy *p;
	char buf[64];
	int n;

	setup();
	p = load("group default {\n}\n");
	n = policy_blockpage(p, &v, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, (int)strlen("<p>http://x.test/</p>\n<p>r</p>\n"));
	CU_ASSERT_EQUAL(policy_blockpage(p, &v, buf, (size_t)n), -1);
	CU_ASSERT_EQUAL(policy_blockpage(p, &v, buf, (size_t)n + 1), n);
	done(p);
}

static void
test_policy_shipped_loads(void)
{
	struct blockpage_vars v = {
		"http://x.test/<b>", "block-category", "adult", "adult",
		"default", "2024-01-08 10:00:00", "812", "10.0.0.5",
		"warden.example",
	};
	struct policy *p;
	char buf[PAGE_MAX];
	struct req r;

	setup();
	p = policy_load_warn(SHIPPED, NULL, on_warning, &nwarned, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(err.msg, "");
	CU_ASSERT_EQUAL(nwarned, 0);
	CU_ASSERT_EQUAL(eval(p, http(&r, "example.com", "example.com/",
	    "http://example.com/")), VERDICT_NONE);
	CU_ASSERT_TRUE(r.d.safe_search);
	CU_ASSERT_TRUE(policy_blockpage(p, &v, buf, sizeof(buf)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "http://x.test/&lt;b&gt;"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "warden.example"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "812"));
	CU_ASSERT_PTR_NULL(strstr(buf, "{{"));
	done(p);
}

static void
test_policy_shipped_partial_store(void)
{
	static const char *const partial[] = { "adult", "adult.test\n" };
	struct policy *p;
	struct req r;

	setup();
	make_store(partial, WD_NELEM(partial));
	p = policy_load_warn(SHIPPED, store, on_warning, &nwarned, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_TRUE(nwarned > 0);
	scratch = policy_scratch_new(p);
	CU_ASSERT_EQUAL(eval(p, http(&r, "adult.test", "adult.test/",
	    "http://adult.test/")), VERDICT_BLOCK);
	CU_ASSERT_STRING_EQUAL(r.d.category, "adult");
	done(p);
}

static void
test_policy_enum_words(void)
{
	CU_ASSERT_STRING_EQUAL(verdict_str(VERDICT_NONE), "none");
	CU_ASSERT_STRING_EQUAL(verdict_str(VERDICT_ALLOW), "allow");
	CU_ASSERT_STRING_EQUAL(verdict_str(VERDICT_BLOCK), "block");
	CU_ASSERT_STRING_EQUAL(reason_str(REASON_ALLOW_LIST), "allow-list");
	CU_ASSERT_STRING_EQUAL(reason_str(REASON_ALLOW_CATEGORY),
	    "allow-category");
	CU_ASSERT_STRING_EQUAL(reason_str(REASON_BLOCK_DOMAIN),
	    "block-domain");
	CU_ASSERT_STRING_EQUAL(reason_str(REASON_BLOCK_URL), "block-url");
	CU_ASSERT_STRING_EQUAL(reason_str(REASON_BLOCK_REGEX), "block-regex");
	CU_ASSERT_STRING_EQUAL(reason_str(REASON_BLOCK_CATEGORY),
	    "block-category");
}

static CU_TestInfo cu_tests[] = {
	{ "domain exact", test_policy_domain_exact },
	{ "domain subdomain", test_policy_domain_subdomain },
	{ "domain of many labels", test_policy_domain_many_labels },
	{ "domain not a suffix", test_policy_domain_not_suffix },
	{ "domain most specific", test_policy_domain_most_specific },
	{ "domain IP entry", test_policy_domain_ip_entry },
	{ "domain CONNECT", test_policy_domain_connect },
	{ "domain entries normalised", test_policy_domain_normalised },
	{ "url prefix", test_policy_url_prefix },
	{ "url boundary", test_policy_url_boundary },
	{ "url whole host", test_policy_url_whole_host },
	{ "url not for CONNECT", test_policy_url_not_for_connect },
	{ "regex indexed attribution", test_policy_regex_indexed_attribution },
	{ "regex combined attribution",
	    test_policy_regex_combined_attribution },
	{ "regex first line wins", test_policy_regex_first_line_wins },
	{ "regex backreference alone", test_policy_regex_backreference },
	{ "regex verbs and (?x) alone", test_policy_regex_verbs_and_options },
	{ "regex CONNECT", test_policy_regex_connect },
	{ "regex match limit", test_policy_regex_match_limit },
	{ "regex many", test_policy_regex_many },
	{ "lists big", test_policy_lists_big },
	{ "lists filters", test_policy_lists_filters },
	{ "allow over block", test_policy_allow_over_block },
	{ "allow url and regex", test_policy_allow_url_and_regex },
	{ "category block", test_policy_category_block },
	{ "allow over category", test_policy_allow_over_category },
	{ "allow category over block", test_policy_allow_category_over_block },
	{ "category without store", test_policy_category_without_store },
	{ "group IPv4", test_policy_group_ipv4 },
	{ "group IPv6", test_policy_group_ipv6 },
	{ "group default", test_policy_group_default },
	{ "during inside", test_policy_during_inside },
	{ "during outside", test_policy_during_outside },
	{ "during days", test_policy_during_days },
	{ "during past midnight", test_policy_during_past_midnight },
	{ "err no policy.conf", test_policy_err_no_conf },
	{ "err unknown keyword", test_policy_err_unknown_keyword },
	{ "err unknown keyword near", test_policy_err_unknown_keyword_near },
	{ "err keyword out of block", test_policy_err_keyword_out_of_block },
	{ "err unknown list", test_policy_err_unknown_list },
	{ "err unknown time", test_policy_err_unknown_time },
	{ "err during misplaced", test_policy_err_during_misplaced },
	{ "err list without files", test_policy_err_list_no_files },
	{ "err list missing", test_policy_err_list_missing },
	{ "err duplicate group", test_policy_err_dup_group },
	{ "err duplicate list", test_policy_err_dup_list },
	{ "err duplicate time", test_policy_err_dup_time },
	{ "err no default", test_policy_err_no_default },
	{ "err clients in default", test_policy_err_clients_in_default },
	{ "err group without clients", test_policy_err_group_without_clients },
	{ "err bad CIDR", test_policy_err_bad_cidr },
	{ "err bad hours", test_policy_err_bad_hours },
	{ "err bad days", test_policy_err_bad_days },
	{ "err block not closed", test_policy_err_not_closed },
	{ "err stray brace", test_policy_err_stray_brace },
	{ "err brace missing", test_policy_err_brace_missing },
	{ "err bad name", test_policy_err_bad_name },
	{ "err safe_search", test_policy_err_safe_search },
	{ "err control character", test_policy_err_control_char },
	{ "err category syntax", test_policy_err_category_syntax },
	{ "err category unknown", test_policy_err_category_unknown },
	{ "err category typo", test_policy_err_category_typo },
	{ "category UT1 warning", test_policy_category_ut1_warning },
	{ "err domain entry", test_policy_err_domain_entry },
	{ "err two entries", test_policy_err_two_entries },
	{ "err url entry", test_policy_err_url_entry },
	{ "err regex", test_policy_err_regex },
	{ "err page placeholder", test_policy_err_page_placeholder },
	{ "err page unclosed", test_policy_err_page_unclosed },
	{ "err page missing", test_policy_err_page_missing },
	{ "refcount across threads", test_policy_refcount },
	{ "no scratch", test_policy_no_scratch },
	{ "blockpage escapes", test_policy_blockpage_escapes },
	{ "blockpage too small", test_policy_blockpage_too_small },
	{ "shipped policy loads", test_policy_shipped_loads },
	{ "shipped policy, partial store", test_policy_shipped_partial_store },
	{ "enum words", test_policy_enum_words },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"policy"
#include "cu_main.h"
