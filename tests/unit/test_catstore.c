#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <sqlite3.h>

#include "catstore.h"
#include "urlnorm.h"

/* Where db/categories.sql is; the Makefile gives the source tree. */
#ifndef WD_SRCDIR
#define WD_SRCDIR	"."
#endif

/*
 * Every case builds its lists in its own mkdtemp() directory T:
 * T/lists/CATEGORY/{domains,urls} imported into T/cat.db.
 */
struct fix {
	char	base[64];
	char	lists[80];
	char	store[80];
};

static void
fix_path(const struct fix *f, const char *rel, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/%s", f->base, rel);
}

/* Creates T/rel's missing parent directories. */
static void
fix_mkdirs(const struct fix *f, const char *rel)
{
	char p[PATH_MAX], *s;

	fix_path(f, rel, p, sizeof(p));
	for (s = p + strlen(f->base) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		CU_ASSERT_FATAL(mkdir(p, 0755) == 0 || errno == EEXIST);
		*s = '/';
	}
}

/* Writes data[0..len-1] to T/rel. */
static void
fix_putn(const struct fix *f, const char *rel, const char *data, size_t len)
{
	char p[PATH_MAX];
	FILE *fp;

	fix_mkdirs(f, rel);
	fix_path(f, rel, p, sizeof(p));
	fp = fopen(p, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(fwrite(data, 1, len, fp), len);
	CU_ASSERT_EQUAL(fclose(fp), 0);
}

static void
fix_put(const struct fix *f, const char *rel, const char *text)
{
	fix_putn(f, rel, text, strlen(text));
}

static void
fix_mkdir(const struct fix *f, const char *rel)
{
	char p[PATH_MAX];

	fix_mkdirs(f, rel);
	fix_path(f, rel, p, sizeof(p));
	CU_ASSERT_FATAL(mkdir(p, 0755) == 0 || errno == EEXIST);
}

static void
fix_symlink(const struct fix *f, const char *target, const char *rel)
{
	char p[PATH_MAX];

	fix_mkdirs(f, rel);
	fix_path(f, rel, p, sizeof(p));
	CU_ASSERT_EQUAL_FATAL(symlink(target, p), 0);
}

static void
fix_init(struct fix *f)
{
	snprintf(f->base, sizeof(f->base), "/tmp/test_catstore.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(f->base));
	snprintf(f->lists, sizeof(f->lists), "%s/lists", f->base);
	snprintf(f->store, sizeof(f->store), "%s/cat.db", f->base);
}

/* Pre-order: a directory a test made unreadable opens again. */
static int
fix_unlock(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(p, (sb->st_mode & 07777) | 0700);
	return 0;
}

static int
fix_rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void
fix_done(struct fix *f)
{
	nftw(f->base, fix_unlock, 16, FTW_PHYS);
	nftw(f->base, fix_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Imports T/lists into T/cat.db; the test fails unless that works. */
static void
fix_import(struct fix *f, struct catstore_import_stats *st)
{
	struct werr err;

	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(catstore_import_dir(f->lists, f->store, st, &err), 0);
	CU_ASSERT_STRING_EQUAL(err.msg, "");
}

static struct catstore *
fix_open(struct fix *f, size_t cache)
{
	struct catstore *cs;
	struct werr err;

	memset(&err, 0, sizeof(err));
	cs = catstore_open(f->store, cache, &err);
	CU_ASSERT_PTR_NOT_NULL(cs);
	CU_ASSERT_STRING_EQUAL(err.msg, "");
	return cs;
}

/*
 * The categories of host (and of url, an entry-style URL made into a
 * request key: "example.com/a?b" as http://example.com/a?b), joined with
 * ','; "ERR: msg" on failure.
 */
static const char *
look(struct catstore *cs, const char *host, const char *url)
{
	static char out[CATSTORE_MAX_MATCH * CATSTORE_NAME_MAX + 300];
	char key[1024], path[1024];
	struct catset set;
	struct werr err;
	const char *slash;
	size_t i;

	if (cs == NULL)
		return "no store";
	memset(&err, 0, sizeof(err));
	if (url != NULL) {
		slash = strchr(url, '/');
		snprintf(path, sizeof(path), "%s", slash != NULL ? slash :
		    "/");
		if (urlnorm_key(host, 80, 80, path, key, sizeof(key),
		    &err) == -1) {
			snprintf(out, sizeof(out), "ERR: %s", err.msg);
			return out;
		}
	}
	if (catstore_lookup(cs, host, url != NULL ? key : NULL, &set,
	    &err) == -1) {
		snprintf(out, sizeof(out), "ERR: %s", err.msg);
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < set.n; i++) {
		if (i > 0)
			strcat(out, ",");
		strcat(out, set.name[i]);
	}
	return out;
}

/* The same with a literal request key. */
static const char *
look_key(struct catstore *cs, const char *host, const char *key)
{
	static char out[CATSTORE_MAX_MATCH * CATSTORE_NAME_MAX + 300];
	struct catset set;
	struct werr err;
	size_t i;

	if (cs == NULL)
		return "no store";
	memset(&err, 0, sizeof(err));
	if (catstore_lookup(cs, host, key, &set, &err) == -1) {
		snprintf(out, sizeof(out), "ERR: %s", err.msg);
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < set.n; i++) {
		if (i > 0)
			strcat(out, ",");
		strcat(out, set.name[i]);
	}
	return out;
}

/* The usual small tree. */
static void
fix_basic(struct fix *f)
{
	fix_put(f, "lists/adult/domains",
	    "# adult sites\n"
	    "example.com\n"
	    "adult.test\n"
	    "10.1.2.3\n"
	    "2001:DB8::1\n"
	    "shared.test\n"
	    "xxx\n");
	fix_put(f, "lists/adult/urls",
	    "example.org/a\n"
	    "www.pages.test/p/q\n"
	    "http://site.test/\n"
	    "example.org/b/c?x=1\n"
	    "10.9.9.9/ip/path\n"
	    "http://[2001:db8::2]/v6\n"
	    "ports.test:8080/x\n");
	fix_put(f, "lists/gambling/domains",
	    "casino.test\n"
	    "sub.shared.test\n"
	    "shared.test\n");
	fix_put(f, "lists/gambling/urls",
	    "example.org/a/deep\n");
}

/* Files compared byte for byte. */
static char *
slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	FILE *fp;
	long n;

	*len = 0;
	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, fp);
		buf[*len] = '\0';
	}
	fclose(fp);
	return buf;
}

static void
test_schema_file_matches(void)
{
	char *sql;
	size_t len;

	sql = slurp(WD_SRCDIR "/db/categories.sql", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sql);
	CU_ASSERT_EQUAL(len, strlen(catstore_schema()));
	CU_ASSERT_STRING_EQUAL(sql, catstore_schema());
	free(sql);
}

static void
test_import_counts(void)
{
	struct catstore_import_stats st;
	struct fix f;
	char p[PATH_MAX];

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.categories, 2);
	CU_ASSERT_EQUAL(st.domains, 9);
	CU_ASSERT_EQUAL(st.urls, 8);
	CU_ASSERT_EQUAL(st.skipped, 0);
	CU_ASSERT_EQUAL(st.duplicates, 0);
	CU_ASSERT_EQUAL(st.skipped_categories, 0);
	CU_ASSERT_EQUAL(st.nreported, 0);
	/* No PATH.new left behind. */
	snprintf(p, sizeof(p), "%s.new", f.store);
	CU_ASSERT_EQUAL(access(p, F_OK), -1);
	fix_done(&f);
}

/* A hash of every row of a table, in key order, and the row count. */
static uint64_t
table_hash(const char *store, const char *sql, size_t *rows)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *t;
	int i, len;

	*rows = 0;
	CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(store, &db,
	    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		(*rows)++;
		t = sqlite3_column_text(st, 0);
		len = sqlite3_column_bytes(st, 0);
		for (i = 0; i < len; i++)
			h = (h ^ t[i]) * 1099511628211ULL;
		h = (h ^ (uint64_t)sqlite3_column_int64(st, 1)) *
		    1099511628211ULL;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return h;
}

/* Sorting in many small runs gives the store one run gives. */
static void
test_import_many_runs(void)
{
	struct catstore_import_stats one, many;
	struct catstore *cs;
	struct fix f;
	char *d, *u, rel[64], first[PATH_MAX];
	size_t i, dn, un, rows1, rows2;
	uint64_t h1, h2;
	unsigned c;

	fix_init(&f);
	d = malloc(1 << 20);
	u = malloc(1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	for (c = 0; c < 3; c++) {
		dn = un = 0;
		for (i = 0; i < 12000; i++) {
			/* Scattered order; names shared between lists. */
			dn += (size_t)sprintf(d + dn, "h%05zu.e%u.test\n",
			    i * 7919 % 20000, c % 2);
			/* A duplicate, further on. */
			if (i % 10 == 0)
				dn += (size_t)sprintf(d + dn,
				    "h%05zu.e%u.test\n",
				    (i + 500) * 7919 % 20000, c % 2);
			if (i % 4 == 0)
				un += (size_t)sprintf(u + un,
				    "u%05zu.test/p/%u\n",
				    i * 104729 % 9000, c);
		}
		snprintf(rel, sizeof(rel), "lists/c%u/domains", c);
		fix_putn(&f, rel, d, dn);
		snprintf(rel, sizeof(rel), "lists/c%u/urls", c);
		fix_putn(&f, rel, u, un);
	}
	free(d);
	free(u);

	catstore_import_set_sort_mem(0);
	fix_import(&f, &one);
	snprintf(first, sizeof(first), "%s/one.db", f.base);
	CU_ASSERT_EQUAL_FATAL(rename(f.store, first), 0);
	catstore_import_set_sort_mem(1);	/* the minimum, 64 KiB */
	fix_import(&f, &many);
	catstore_import_set_sort_mem(0);

	CU_ASSERT_EQUAL(one.domains, many.domains);
	CU_ASSERT_EQUAL(one.urls, many.urls);
	CU_ASSERT_EQUAL(one.duplicates, many.duplicates);
	CU_ASSERT(one.duplicates > 0);
	h1 = table_hash(first, "SELECT domain, category FROM domains", &rows1);
	h2 = table_hash(f.store, "SELECT domain, category FROM domains",
	    &rows2);
	CU_ASSERT_EQUAL(rows1, one.domains);
	CU_ASSERT_EQUAL(rows1, rows2);
	CU_ASSERT(h1 == h2);
	h1 = table_hash(first, "SELECT url, category FROM urls", &rows1);
	h2 = table_hash(f.store, "SELECT url, category FROM urls", &rows2);
	CU_ASSERT_EQUAL(rows1, one.urls);
	CU_ASSERT_EQUAL(rows1, rows2);
	CU_ASSERT(h1 == h2);
	cs = fix_open(&f, 16);
	CU_ASSERT_STRING_EQUAL(look(cs, "h07919.e0.test", NULL), "c0,c2");
	CU_ASSERT_STRING_EQUAL(look(cs, "x.h07919.e1.test", NULL), "c1");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_lookup_domain(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, "example.com", NULL), "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "casino.test", "casino.test/"),
	    "gambling");
	CU_ASSERT_STRING_EQUAL(look(cs, "unknown.test", NULL), "");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_lookup_subdomain(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, "www.example.com", NULL), "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "a.b.c.example.com", NULL), "adult");
	/* A top-level entry covers the whole domain. */
	CU_ASSERT_STRING_EQUAL(look(cs, "anything.xxx", NULL), "adult");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_lookup_parent_only_miss(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, "notexample.com", NULL), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.com.evil.test", NULL), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "com", NULL), "");
	/* An entry for a child does not cover its parent. */
	CU_ASSERT_STRING_EQUAL(look(cs, "shared.test", NULL),
	    "adult,gambling");
	CU_ASSERT_STRING_EQUAL(look(cs, "other.test", NULL), "");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_lookup_several_categories(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	cs = fix_open(&f, 16);
	/* Same entry in two lists, and a parent and child in different. */
	CU_ASSERT_STRING_EQUAL(look(cs, "sub.shared.test", NULL),
	    "adult,gambling");
	CU_ASSERT_STRING_EQUAL(look(cs, "x.sub.shared.test", NULL),
	    "adult,gambling");
	/* Domain and URL results merged, once each, in name order. */
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/a/deep/x"),
	    "adult,gambling");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_lookup_too_many_categories(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;
	char rel[64];
	int i;

	fix_init(&f);
	for (i = 0; i < CATSTORE_MAX_MATCH + 1; i++) {
		snprintf(rel, sizeof(rel), "lists/c%02d/domains", i);
		fix_put(&f, rel, i < CATSTORE_MAX_MATCH ? "many.test\n" :
		    "sub.many.test\n");
	}
	fix_import(&f, &st);
	cs = fix_open(&f, 8);
	CU_ASSERT_STRING_EQUAL(look(cs, "many.test", NULL),
	    "c00,c01,c02,c03,c04,c05,c06,c07,c08,c09,c10,c11,c12,c13,c14,"
	    "c15");
	/* Never a silently shortened answer. */
	CU_ASSERT_STRING_EQUAL(look(cs, "sub.many.test", NULL),
	    "ERR: category store: more than 16 categories match");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_url_prefix_boundary(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/a"),
	    "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/a/b"),
	    "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/a/"),
	    "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/a?x"),
	    "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/ab"), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/"), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/b"), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/x/a"),
	    "");
	/* The host alone (a CONNECT) does not match a URL entry. */
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", NULL), "");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_url_query_entry(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/b/c?x=1"),
	    "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/b/c?x=2"),
	    "");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/b/c"), "");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_url_site_and_www(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	cs = fix_open(&f, 0);
	/* "http://site.test/" is the whole site. */
	CU_ASSERT_STRING_EQUAL(look(cs, "site.test", "site.test/"), "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "site.test", "site.test/any/thing?q"),
	    "adult");
	/* "www." is dropped from entries and keys alike. */
	CU_ASSERT_STRING_EQUAL(look(cs, "www.pages.test", "x/p/q/r"), "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "pages.test", "x/p/q"), "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "pages.test", "x/p"), "");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_url_many_segments(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;
	char key[1024];
	size_t n;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	cs = fix_open(&f, 0);
	n = (size_t)snprintf(key, sizeof(key), "example.org/a");
	while (n < 800)
		n += (size_t)snprintf(key + n, sizeof(key) - n, "/s");
	CU_ASSERT_STRING_EQUAL(look_key(cs, "example.org", key), "adult");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_url_port(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	cs = fix_open(&f, 4);
	/* Same host, other authority: the cached "no URLs" must not stick. */
	CU_ASSERT_STRING_EQUAL(look_key(cs, "ports.test", "ports.test/x"), "");
	CU_ASSERT_STRING_EQUAL(look_key(cs, "ports.test",
	    "ports.test:8080/x/y"), "adult");
	CU_ASSERT_STRING_EQUAL(look_key(cs, "ports.test", "ports.test/x"), "");
	CU_ASSERT_STRING_EQUAL(look_key(cs, "ports.test",
	    "ports.test:8080/x"), "adult");
	CU_ASSERT_STRING_EQUAL(look_key(cs, "ports.test",
	    "ports.test:8081/x"), "");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_ip_hosts(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	cs = fix_open(&f, 8);
	CU_ASSERT_STRING_EQUAL(look(cs, "10.1.2.3", NULL), "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "10.1.2.4", NULL), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "2001:db8::1", NULL), "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "2001:db8::2", NULL), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "10.9.9.9", "x/ip/path/more"),
	    "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "10.9.9.9", "x/ip"), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "2001:db8::2", "x/v6/y"), "adult");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_bad_lines_reported(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;
	char want[256];

	fix_init(&f);
	fix_put(&f, "lists/mixed/domains",
	    "good.test\n"
	    "bad host.test\n"
	    "also-good.test\n"
	    "http://with.scheme.test/\n");
	fix_put(&f, "lists/mixed/urls",
	    "ftp://example.net/x\n");
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.domains, 2);
	CU_ASSERT_EQUAL(st.urls, 0);
	CU_ASSERT_EQUAL(st.skipped, 3);
	CU_ASSERT_EQUAL_FATAL(st.nreported, 3);
	snprintf(want, sizeof(want), "%s/mixed/domains:2: ", f.lists);
	CU_ASSERT_NSTRING_EQUAL(st.reported[0], want, strlen(want));
	snprintf(want, sizeof(want), "%s/mixed/domains:4: ", f.lists);
	CU_ASSERT_NSTRING_EQUAL(st.reported[1], want, strlen(want));
	snprintf(want, sizeof(want), "%s/mixed/urls:1: ", f.lists);
	CU_ASSERT_NSTRING_EQUAL(st.reported[2], want, strlen(want));
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, "also-good.test", NULL), "mixed");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_bad_lines_first_five(void)
{
	struct catstore_import_stats st;
	struct fix f;
	char want[256];

	fix_init(&f);
	fix_put(&f, "lists/c/domains", "a b\nc d\ne f\ng h\ni j\nk l\nm n\n");
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.skipped, 7);
	CU_ASSERT_EQUAL_FATAL(st.nreported, 5);
	snprintf(want, sizeof(want), "%s/c/domains:5: ", f.lists);
	CU_ASSERT_NSTRING_EQUAL(st.reported[4], want, strlen(want));
	fix_done(&f);
}

static void
test_non_utf8(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;
	char want[256];

	fix_init(&f);
	fix_put(&f, "lists/c/domains",
	    "# Cat\xe9gorie en Latin-1: comments may be anything\n"
	    "caf\xe9.test\n"
	    "ok.test # \xff\n"
	    "\xc0\xaf.test\n"
	    "\xed\xa0\x80.test\n");
	fix_put(&f, "lists/c/urls", "example.net/caf\xe9\n");
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.domains, 1);
	CU_ASSERT_EQUAL(st.urls, 0);
	CU_ASSERT_EQUAL(st.skipped, 4);
	CU_ASSERT_EQUAL_FATAL(st.nreported, 4);
	snprintf(want, sizeof(want), "%s/c/domains:2: not UTF-8", f.lists);
	CU_ASSERT_STRING_EQUAL(st.reported[0], want);
	snprintf(want, sizeof(want), "%s/c/domains:4: not UTF-8", f.lists);
	CU_ASSERT_STRING_EQUAL(st.reported[1], want);
	snprintf(want, sizeof(want), "%s/c/domains:5: not UTF-8", f.lists);
	CU_ASSERT_STRING_EQUAL(st.reported[2], want);
	snprintf(want, sizeof(want), "%s/c/urls:1: not UTF-8", f.lists);
	CU_ASSERT_STRING_EQUAL(st.reported[3], want);
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, "ok.test", NULL), "c");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_utf8_idn_entry(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_put(&f, "lists/c/domains", "b\xc3\xbc" "cher.test\n");
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.domains, 1);
	CU_ASSERT_EQUAL(st.skipped, 0);
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, "www.xn--bcher-kva.test", NULL), "c");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_overlong_line(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;
	char *data, want[256];
	size_t n = 0;

	fix_init(&f);
	data = malloc(32768);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	n += (size_t)sprintf(data + n, "first.test\n");
	memset(data + n, 'a', 5000);	/* line 2: too long */
	n += 5000;
	data[n++] = '\n';
	n += (size_t)sprintf(data + n, "# a long comment: ");	/* line 3 */
	memset(data + n, '#', 9000);
	n += 9000;
	data[n++] = '\n';
	n += (size_t)sprintf(data + n, "after.test\r\n");	/* line 4 */
	data[n] = '\0';
	fix_putn(&f, "lists/c/domains", data, n);
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.domains, 2);
	CU_ASSERT_EQUAL(st.skipped, 1);
	CU_ASSERT_EQUAL_FATAL(st.nreported, 1);
	snprintf(want, sizeof(want), "%s/c/domains:2: line longer than 4096 "
	    "bytes", f.lists);
	CU_ASSERT_STRING_EQUAL(st.reported[0], want);
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, "after.test", NULL), "c");
	catstore_close(cs);
	free(data);
	fix_done(&f);
}

static void
test_line_at_limit(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;
	char *data, *url;
	size_t n;

	fix_init(&f);
	data = malloc(8192);
	url = malloc(8192);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	CU_ASSERT_PTR_NOT_NULL_FATAL(url);
	/* 4096 bytes and a CR: still a line. */
	n = (size_t)sprintf(data, "limit.test/");
	memset(data + n, 'p', 4096 - n);
	memcpy(data + 4096, "\r\n", 3);
	fix_putn(&f, "lists/c/urls", data, 4098);
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.urls, 1);
	CU_ASSERT_EQUAL(st.skipped, 0);
	cs = fix_open(&f, 0);
	memcpy(url, data, 4096);
	url[4096] = '\0';
	CU_ASSERT_STRING_EQUAL(look_key(cs, "limit.test", url), "c");
	catstore_close(cs);
	free(data);
	free(url);
	fix_done(&f);
}

static void
test_comments_space_crlf(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_put(&f, "lists/c/domains",
	    "  Spaced.Test  # trailing comment\r\n"
	    "\t# whole-line comment\r\n"
	    "\r\n"
	    "\n"
	    "   \n"
	    ".leading-dot.test\n"
	    "*.star.test\n"
	    "last.test");
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.domains, 4);
	CU_ASSERT_EQUAL(st.skipped, 0);
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, "spaced.test", NULL), "c");
	CU_ASSERT_STRING_EQUAL(look(cs, "x.leading-dot.test", NULL), "c");
	CU_ASSERT_STRING_EQUAL(look(cs, "star.test", NULL), "c");
	CU_ASSERT_STRING_EQUAL(look(cs, "last.test", NULL), "c");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_duplicates(void)
{
	struct catstore_import_stats st;
	struct fix f;

	fix_init(&f);
	fix_put(&f, "lists/c/domains", "dup.test\nDUP.test\ndup.test.\n"
	    "*.dup.test\nother.test\n");
	fix_put(&f, "lists/c/urls", "dup.test/x\nhttp://dup.test/x/\n");
	fix_put(&f, "lists/d/domains", "dup.test\n");
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.domains, 3);
	CU_ASSERT_EQUAL(st.urls, 1);
	CU_ASSERT_EQUAL(st.duplicates, 4);
	CU_ASSERT_EQUAL(st.skipped, 0);
	fix_done(&f);
}

static void
test_missing_files(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;
	char names[8][CATSTORE_NAME_MAX];
	struct werr err;
	size_t n;

	fix_init(&f);
	fix_put(&f, "lists/only_domains/domains", "d.test\n");
	fix_put(&f, "lists/only_urls/urls", "u.test/x\n");
	fix_mkdir(&f, "lists/neither");
	fix_put(&f, "lists/neither/expressions", "(porn|sex)\n");
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.categories, 3);
	CU_ASSERT_EQUAL(st.domains, 1);
	CU_ASSERT_EQUAL(st.urls, 1);
	CU_ASSERT_EQUAL(st.skipped, 0);
	cs = fix_open(&f, 0);
	CU_ASSERT_FATAL(cs != NULL);
	CU_ASSERT_EQUAL(catstore_categories(cs, names, 8, &n, &err), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(names[0], "neither");
	CU_ASSERT_STRING_EQUAL(names[1], "only_domains");
	CU_ASSERT_STRING_EQUAL(names[2], "only_urls");
	CU_ASSERT_STRING_EQUAL(look(cs, "u.test", "u.test/x/y"), "only_urls");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_categories_room(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;
	char names[2][CATSTORE_NAME_MAX];
	struct werr err;
	size_t n = 99;

	fix_init(&f);
	fix_basic(&f);
	fix_put(&f, "lists/zzz/domains", "z.test\n");
	fix_import(&f, &st);
	cs = fix_open(&f, 0);
	CU_ASSERT_FATAL(cs != NULL);
	CU_ASSERT_EQUAL(catstore_categories(cs, names, 2, &n, &err), -1);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_STRING_EQUAL(err.msg, "category store: 3 categories, room "
	    "for 2");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_bad_category_names(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;
	char names[8][CATSTORE_NAME_MAX], want[256], longname[96];
	struct werr err;
	size_t n;

	fix_init(&f);
	fix_put(&f, "lists/good-name_1.x/domains", "good.test\n");
	fix_put(&f, "lists/bad name/domains", "bad.test\n");
	fix_put(&f, "lists/.hidden/domains", "hidden.test\n");
	fix_put(&f, "lists/README", "not a category\n");
	/* "lists/" and a 64-byte name: one too long. */
	memcpy(longname, "lists/", 6);
	memset(longname + 6, 'l', CATSTORE_NAME_MAX);
	snprintf(longname + 6 + CATSTORE_NAME_MAX, sizeof(longname) - 6 -
	    CATSTORE_NAME_MAX, "/domains");
	fix_put(&f, longname, "long.test\n");
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.categories, 1);
	CU_ASSERT_EQUAL(st.skipped_categories, 2);
	CU_ASSERT_EQUAL(st.domains, 1);
	CU_ASSERT_EQUAL_FATAL(st.nreported, 2);
	snprintf(want, sizeof(want), "%s/bad name: skipped: ", f.lists);
	CU_ASSERT(strncmp(st.reported[0], want, strlen(want)) == 0 ||
	    strncmp(st.reported[1], want, strlen(want)) == 0);
	cs = fix_open(&f, 0);
	CU_ASSERT_FATAL(cs != NULL);
	CU_ASSERT_EQUAL(catstore_categories(cs, names, 8, &n, &err), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(names[0], "good-name_1.x");
	CU_ASSERT_STRING_EQUAL(look(cs, "hidden.test", NULL), "");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_symlinks(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;
	char want[256], outside[PATH_MAX];

	fix_init(&f);
	fix_put(&f, "lists/porn/domains", "p.test\n");
	fix_put(&f, "outside/domains", "secret.test\n");
	/* An alias inside the tree is a category of its own (UT1 does it). */
	fix_symlink(&f, "porn", "lists/adult");
	fix_path(&f, "outside", outside, sizeof(outside));
	fix_symlink(&f, outside, "lists/escape");
	fix_symlink(&f, "../outside", "lists/escape2");
	fix_symlink(&f, "nowhere", "lists/dangling");
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.categories, 2);
	CU_ASSERT_EQUAL(st.skipped_categories, 3);
	CU_ASSERT_EQUAL(st.nreported, 3);
	snprintf(want, sizeof(want), "%s/escape: skipped: symbolic link that "
	    "leads outside %s", f.lists, f.lists);
	CU_ASSERT(strcmp(st.reported[0], want) == 0 ||
	    strcmp(st.reported[1], want) == 0 ||
	    strcmp(st.reported[2], want) == 0);
	snprintf(want, sizeof(want), "%s/dangling: skipped: broken symbolic "
	    "link", f.lists);
	CU_ASSERT(strcmp(st.reported[0], want) == 0 ||
	    strcmp(st.reported[1], want) == 0 ||
	    strcmp(st.reported[2], want) == 0);
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, "p.test", NULL), "adult,porn");
	CU_ASSERT_STRING_EQUAL(look(cs, "secret.test", NULL), "");
	catstore_close(cs);
	fix_done(&f);
}

/* An import that must fail with an error containing want. */
static void
check_import_fails(const char *dir, const char *store, const char *want)
{
	struct catstore_import_stats st;
	struct werr err;

	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(catstore_import_dir(dir, store, &st, &err), -1);
	if (strstr(err.msg, want) == NULL)
		fprintf(stderr, "\n  got \"%s\", want \"%s\"\n", err.msg,
		    want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
}

static void
test_empty_tree(void)
{
	struct fix f;
	char newpath[PATH_MAX];

	fix_init(&f);
	fix_mkdir(&f, "lists");
	check_import_fails(f.lists, f.store, "no category directories");
	CU_ASSERT_EQUAL(access(f.store, F_OK), -1);
	snprintf(newpath, sizeof(newpath), "%s.new", f.store);
	CU_ASSERT_EQUAL(access(newpath, F_OK), -1);
	/* Files but no directory is no better. */
	fix_put(&f, "lists/domains", "x.test\n");
	check_import_fails(f.lists, f.store, "no category directories");
	CU_ASSERT_EQUAL(access(f.store, F_OK), -1);
	fix_done(&f);
}

/* The failures that must leave an existing store byte-identical. */
static void
test_failure_keeps_old_store(void)
{
	struct catstore_import_stats st;
	struct fix f;
	char *before, *after, p[PATH_MAX], newpath[PATH_MAX];
	size_t blen, alen;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	before = slurp(f.store, &blen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	snprintf(newpath, sizeof(newpath), "%s.new", f.store);

	/* The source is missing or is not a directory. */
	fix_path(&f, "nonexistent", p, sizeof(p));
	check_import_fails(p, f.store, "No such file or directory");
	fix_path(&f, "lists/adult/domains", p, sizeof(p));
	check_import_fails(p, f.store, "Not a directory");

	/* A list that is a directory: fails midway through the build. */
	fix_put(&f, "lists/zz/domains", "fine.test\n");
	fix_mkdir(&f, "lists/zz/urls");
	check_import_fails(f.lists, f.store, "zz/urls: not a regular file");
	CU_ASSERT_EQUAL(access(newpath, F_OK), -1);
	fix_path(&f, "lists/zz/urls", p, sizeof(p));
	CU_ASSERT_EQUAL(rmdir(p), 0);

	/* A list file symlinked out of the tree, or to nothing. */
	fix_put(&f, "secret", "secret.test\n");
	fix_symlink(&f, "../../secret", "lists/zz/urls");
	check_import_fails(f.lists, f.store, "zz/urls: symbolic link that "
	    "leads outside");
	CU_ASSERT_EQUAL(unlink(p), 0);
	fix_symlink(&f, "nothing", "lists/zz/urls");
	check_import_fails(f.lists, f.store, "zz/urls: broken symbolic link");
	CU_ASSERT_EQUAL(unlink(p), 0);

	/* An unreadable category (root reads anyway: use a FIFO then). */
	fix_path(&f, "lists/zz", p, sizeof(p));
	if (geteuid() != 0) {
		CU_ASSERT_EQUAL(chmod(p, 0), 0);
		check_import_fails(f.lists, f.store, "Permission denied");
		CU_ASSERT_EQUAL(chmod(p, 0755), 0);
	}
	fix_path(&f, "lists/zz/urls", p, sizeof(p));
	CU_ASSERT_EQUAL(mkfifo(p, 0644), 0);
	check_import_fails(f.lists, f.store, "not a regular file");
	CU_ASSERT_EQUAL(unlink(p), 0);

	/*
	 * The store's directory is not writable (as root: PATH.new is in
	 * the way as a non-empty directory).
	 */
	if (geteuid() != 0) {
		CU_ASSERT_EQUAL(chmod(f.base, 0555), 0);
		check_import_fails(f.lists, f.store, "cat.db.new");
		CU_ASSERT_EQUAL(chmod(f.base, 0755), 0);
	}
	fix_put(&f, "cat.db.new/keep", "x");
	check_import_fails(f.lists, f.store, "cannot remove");
	fix_path(&f, "cat.db.new/keep", p, sizeof(p));
	CU_ASSERT_EQUAL(unlink(p), 0);
	CU_ASSERT_EQUAL(rmdir(newpath), 0);

	/* The store's directory does not exist. */
	fix_path(&f, "nodir/cat.db", p, sizeof(p));
	check_import_fails(f.lists, p, "No such file or directory");

	after = slurp(f.store, &alen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(after);
	CU_ASSERT_EQUAL(alen, blen);
	CU_ASSERT(alen == blen && memcmp(before, after, blen) == 0);
	CU_ASSERT_EQUAL(access(newpath, F_OK), -1);
	free(before);
	free(after);
	fix_done(&f);
}

/* A second import into the same directory waits for nobody: it fails. */
static void
test_concurrent_import_refused(void)
{
	struct catstore_import_stats st;
	struct fix f;
	int dfd;

	fix_init(&f);
	fix_basic(&f);
	dfd = open(f.base, O_RDONLY | O_DIRECTORY);
	CU_ASSERT_FATAL(dfd != -1);
	CU_ASSERT_EQUAL_FATAL(flock(dfd, LOCK_EX), 0);
	check_import_fails(f.lists, f.store, "another import into this "
	    "directory is running");
	CU_ASSERT_EQUAL(access(f.store, F_OK), -1);
	close(dfd);
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(access(f.store, F_OK), 0);
	fix_done(&f);
}

static void
test_stale_new_file_replaced(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_basic(&f);
	fix_put(&f, "cat.db.new", "garbage left by a crash");
	fix_import(&f, &st);
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, "example.com", NULL), "adult");
	catstore_close(cs);
	fix_done(&f);
}

static void
test_reimport_while_open(void)
{
	struct catstore_import_stats st;
	struct catstore *old, *cs;
	struct fix f;
	struct stat sb;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(chmod(f.store, 0640), 0);
	old = fix_open(&f, 4);
	CU_ASSERT_STRING_EQUAL(look(old, "example.com", NULL), "adult");
	fix_put(&f, "lists/adult/domains", "new.test\n");
	fix_import(&f, &st);
	/* The open handle still reads the store it opened. */
	CU_ASSERT_STRING_EQUAL(look(old, "www.example.com", NULL), "adult");
	CU_ASSERT_STRING_EQUAL(look(old, "new.test", NULL), "");
	cs = fix_open(&f, 4);
	CU_ASSERT_STRING_EQUAL(look(cs, "www.example.com", NULL), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "new.test", NULL), "adult");
	/* The new file keeps the old one's mode. */
	CU_ASSERT_EQUAL(stat(f.store, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0640);
	catstore_close(old);
	catstore_close(cs);
	fix_done(&f);
}

/* Lookups with and without a (tiny, thrashing) cache agree. */
static void
test_cache_consistency(void)
{
	static const char *const hosts[] = {
		"example.com", "www.example.com", "notexample.com",
		"sub.shared.test", "shared.test", "casino.test",
		"example.org", "10.1.2.3", "2001:db8::1", "a.b.adult.test",
		"nothing.test", "site.test", "ports.test", "x.xxx",
	};
	static const char *const paths[] = {
		NULL, "/", "/a", "/a/b", "/a?x", "/ab", "/a/deep/er",
		"/b/c?x=1",
	};
	struct catstore_import_stats st;
	struct catstore *plain, *tiny, *big;
	struct fix f;
	char key[512], want[2048];
	const char *k;
	struct werr err;
	size_t round, i, j;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	plain = fix_open(&f, 0);
	tiny = fix_open(&f, 3);
	big = fix_open(&f, 1024);
	CU_ASSERT_FATAL(plain != NULL && tiny != NULL && big != NULL);
	for (round = 0; round < 3; round++)
		for (i = 0; i < WD_NELEM(hosts); i++)
			for (j = 0; j < WD_NELEM(paths); j++) {
				k = NULL;
				if (paths[j] != NULL) {
					CU_ASSERT_EQUAL_FATAL(urlnorm_key(
					    hosts[i], round == 2 ? 8080 : 80,
					    80, paths[j], key, sizeof(key),
					    &err), 0);
					k = key;
				}
				snprintf(want, sizeof(want), "%s",
				    look_key(plain, hosts[i], k));
				CU_ASSERT_STRING_EQUAL(look_key(tiny,
				    hosts[i], k), want);
				CU_ASSERT_STRING_EQUAL(look_key(big,
				    hosts[i], k), want);
				/* Something else in between, to evict. */
				look_key(tiny, hosts[(i * 7 + j) %
				    WD_NELEM(hosts)], NULL);
			}
	/* Spot checks that the answers are the right ones. */
	CU_ASSERT_STRING_EQUAL(look_key(big, "example.org", "example.org/a/b"),
	    "adult");
	CU_ASSERT_STRING_EQUAL(look_key(tiny, "sub.shared.test", NULL),
	    "adult,gambling");
	catstore_close(plain);
	catstore_close(tiny);
	catstore_close(big);
	fix_done(&f);
}

static void
test_open_missing(void)
{
	struct werr err;

	memset(&err, 0, sizeof(err));
	CU_ASSERT_PTR_NULL(catstore_open("/nonexistent/cat.db", 0, &err));
	CU_ASSERT_STRING_EQUAL(err.msg, "/nonexistent/cat.db: No such file or "
	    "directory");
	CU_ASSERT_PTR_NULL(catstore_open("/tmp", 0, &err));
	CU_ASSERT_STRING_EQUAL(err.msg, "/tmp: not a regular file");
}

static void
test_open_not_store(void)
{
	struct fix f;
	struct werr err;
	sqlite3 *db;
	char p[PATH_MAX];

	fix_init(&f);
	fix_put(&f, "text.db", "example.com\nexample.org\n");
	fix_path(&f, "text.db", p, sizeof(p));
	memset(&err, 0, sizeof(err));
	CU_ASSERT_PTR_NULL(catstore_open(p, 0, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a category store"));

	fix_put(&f, "empty.db", "");
	fix_path(&f, "empty.db", p, sizeof(p));
	CU_ASSERT_PTR_NULL(catstore_open(p, 0, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a category store"));

	/* Another SQLite file. */
	fix_path(&f, "other.db", p, sizeof(p));
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(p, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	CU_ASSERT_PTR_NULL(catstore_open(p, 0, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a category store"));

	/* A store from a later schema. */
	fix_path(&f, "future.db", p, sizeof(p));
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(p, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, catstore_schema(), NULL, NULL,
	    NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "INSERT INTO meta VALUES "
	    "('schema_version', '2')", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CU_ASSERT_PTR_NULL(catstore_open(p, 0, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "schema version 2"));
	fix_done(&f);
}

static CU_TestInfo cu_tests[] = {
	{ "db/categories.sql is the embedded schema",
	    test_schema_file_matches },
	{ "import counts", test_import_counts },
	{ "import sorted in many runs", test_import_many_runs },
	{ "lookup by domain", test_lookup_domain },
	{ "lookup by subdomain", test_lookup_subdomain },
	{ "parent-only and look-alike hosts miss",
	    test_lookup_parent_only_miss },
	{ "several categories, sorted", test_lookup_several_categories },
	{ "more than 16 categories is an error",
	    test_lookup_too_many_categories },
	{ "URL prefix at a '/' boundary", test_url_prefix_boundary },
	{ "URL entry with a query", test_url_query_entry },
	{ "URL site entry and www", test_url_site_and_www },
	{ "URL key with many segments", test_url_many_segments },
	{ "URL entry with a port", test_url_port },
	{ "IP hosts only whole", test_ip_hosts },
	{ "bad lines counted and reported", test_bad_lines_reported },
	{ "only the first five reported", test_bad_lines_first_five },
	{ "non-UTF-8 lines", test_non_utf8 },
	{ "UTF-8 IDN entry", test_utf8_idn_entry },
	{ "over-long lines", test_overlong_line },
	{ "line at the limit", test_line_at_limit },
	{ "comments, spaces, CRLF", test_comments_space_crlf },
	{ "duplicates counted", test_duplicates },
	{ "missing list files", test_missing_files },
	{ "catstore_categories room", test_categories_room },
	{ "bad category names", test_bad_category_names },
	{ "symbolic links", test_symlinks },
	{ "empty tree fails", test_empty_tree },
	{ "failure keeps the old store", test_failure_keeps_old_store },
	{ "concurrent import refused", test_concurrent_import_refused },
	{ "stale PATH.new replaced", test_stale_new_file_replaced },
	{ "re-import while a handle is open", test_reimport_while_open },
	{ "cache consistency", test_cache_consistency },
	{ "open a missing file", test_open_missing },
	{ "open a file that is not a store", test_open_not_store },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"catstore"
#include "cu_main.h"
