#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <sqlite3.h>

#include "catstore.h"
#include "log.h"
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

/*
 * Hosts of many labels: their names are looked at in batches, and an
 * entry far from the top, past the first batch, is still found.
 */
static void
test_lookup_many_labels(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;
	char deep[512], host[1024];
	size_t o = 0;
	int i;

	for (i = 20; i > 0; i--)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "l%d.", i);
	snprintf(deep + o, sizeof(deep) - o, "example.net");
	fix_init(&f);
	fix_basic(&f);
	snprintf(host, sizeof(host), "%s\n", deep);
	fix_put(&f, "lists/gambling/domains", host);
	fix_import(&f, &st);
	cs = fix_open(&f, 0);
	CU_ASSERT_STRING_EQUAL(look(cs, deep, NULL), "gambling");
	snprintf(host, sizeof(host), "a.b.c.d.e.f.g.%s", deep);
	CU_ASSERT_STRING_EQUAL(look(cs, host, NULL), "gambling");
	/* Its parent is not listed, nor a sibling. */
	CU_ASSERT_STRING_EQUAL(look(cs, strchr(deep, '.') + 1, NULL), "");
	snprintf(host, sizeof(host), "x%s", deep);
	CU_ASSERT_STRING_EQUAL(look(cs, host, NULL), "");
	/* 40 labels under a listed domain. */
	for (o = 0, i = 40; i > 0; i--)
		o += (size_t)snprintf(host + o, sizeof(host) - o, "m%d.", i);
	snprintf(host + o, sizeof(host) - o, "example.com");
	CU_ASSERT_STRING_EQUAL(look(cs, host, NULL), "adult");
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

/* ------------------------------------------------------ lookup filter */

/* Runs sql on a store (opened read-write, outside any catstore handle). */
static void
store_exec(const char *store, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	CU_ASSERT_EQUAL_FATAL(sqlite3_open(store, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK);
	if (msg != NULL)
		fprintf(stderr, "\n  %s: %s\n", sql, msg);
	sqlite3_free(msg);
	sqlite3_close(db);
}

/* T/name, a copy of the store: another file (inode) than T/cat.db. */
static void
store_copy(struct fix *f, const char *name, char *out, size_t outsz)
{
	char *data;
	size_t len;

	data = slurp(f->store, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	fix_putn(f, name, data, len);
	fix_path(f, name, out, outsz);
	free(data);
}

/* An earlier Warden's store: the same, without the filter's table. */
static void
store_old(struct fix *f, const char *name, char *out, size_t outsz)
{
	store_copy(f, name, out, outsz);
	store_exec(out, "DROP TABLE lookup_filter; VACUUM");
}

static struct catstore *
open_path(const char *path, size_t cache)
{
	struct catstore *cs;
	struct werr err;

	memset(&err, 0, sizeof(err));
	cs = catstore_open(path, cache, &err);
	CU_ASSERT_PTR_NOT_NULL(cs);
	CU_ASSERT_STRING_EQUAL(err.msg, "");
	return cs;
}

static struct catstore_stats
stats_of(const struct catstore *cs)
{
	struct catstore_stats st;

	catstore_stats(cs, &st);
	return st;
}

/* Queries a lookup of host (no key) made. */
static uint64_t
queries_for(struct catstore *cs, const char *host, const char *want)
{
	uint64_t q = stats_of(cs).queries;

	CU_ASSERT_STRING_EQUAL(look(cs, host, NULL), want);
	return stats_of(cs).queries - q;
}

/*
 * A host in the cache costs no query; a full bucket lets the least
 * recently used host go, and only that one; a host that cost no query
 * takes only a place no host that did holds.
 */
static void
test_cache_keeps_recent(void)
{
	static const char *const hosts[] = {
		"example.com", "adult.test", "casino.test", "shared.test",
		"sub.shared.test", "10.1.2.3", "2001:db8::1", "x.xxx",
	};
	static const char *const cats[] = {
		"adult", "adult", "gambling", "adult,gambling",
		"adult,gambling", "adult", "adult", "adult",
	};
	struct catstore_import_stats st;
	struct catstore *one, *big;
	struct fix f;
	size_t i, clean;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	one = fix_open(&f, 4);		/* one bucket of four */
	big = fix_open(&f, 4096);
	CU_ASSERT_FATAL(one != NULL && big != NULL);
	for (i = 0; i < 4; i++)
		CU_ASSERT(queries_for(one, hosts[i], cats[i]) > 0);
	CU_ASSERT_EQUAL(queries_for(one, hosts[0], cats[0]), 0);
	/* hosts[1] is now the least recently used: it goes. */
	CU_ASSERT(queries_for(one, hosts[4], cats[4]) > 0);
	CU_ASSERT_EQUAL(queries_for(one, hosts[0], cats[0]), 0);
	CU_ASSERT_EQUAL(queries_for(one, hosts[2], cats[2]), 0);
	CU_ASSERT_EQUAL(queries_for(one, hosts[3], cats[3]), 0);
	CU_ASSERT_EQUAL(queries_for(one, hosts[4], cats[4]), 0);
	CU_ASSERT(queries_for(one, hosts[1], cats[1]) > 0);
	/* And hosts[0] went for it, the least recently used by then. */
	CU_ASSERT(queries_for(one, hosts[0], cats[0]) > 0);
	CU_ASSERT_EQUAL(queries_for(one, hosts[1], cats[1]), 0);

	for (i = 0; i < WD_NELEM(hosts); i++)
		CU_ASSERT(queries_for(big, hosts[i], cats[i]) > 0);
	for (i = 0; i < WD_NELEM(hosts); i++)
		CU_ASSERT_EQUAL(queries_for(big, hosts[i], cats[i]), 0);

	/*
	 * A host the filter rules out costs no query and takes no place of
	 * one that did: the four in the bucket stay. (The filter may let
	 * one through, about 1 in 30 here; that one does take a place.)
	 */
	for (i = 0; i < 4; i++)
		(void)queries_for(one, hosts[i], cats[i]);
	for (i = 0, clean = 0; i < 40; i++) {
		char host[64];
		size_t k;

		snprintf(host, sizeof(host), "w%zu.none%zu.example", i, i);
		if (queries_for(one, host, "") == 0) {
			clean++;
			for (k = 0; k < 4; k++)
				CU_ASSERT_EQUAL(queries_for(one, hosts[k],
				    cats[k]), 0);
		} else {
			for (k = 0; k < 4; k++)
				(void)queries_for(one, hosts[k], cats[k]);
		}
	}
	CU_ASSERT(clean >= 30);

	/*
	 * It does take an empty way, as the least recently used: the next
	 * host that costs a query takes its place rather than an older one
	 * that cost a query too.
	 */
	catstore_close(one);
	one = fix_open(&f, 4);
	CU_ASSERT_FATAL(one != NULL);
	for (i = 0; i < 3; i++)
		CU_ASSERT(queries_for(one, hosts[i], cats[i]) > 0);
	for (i = 0; i < 40; i++) {
		char host[64];
		uint64_t filtered;

		snprintf(host, sizeof(host), "w%zu.none%zu.example", i, i);
		if (queries_for(big, host, "") != 0)
			continue;
		/* In the cache now: the filter is not asked again. */
		filtered = stats_of(big).filtered;
		CU_ASSERT_EQUAL(queries_for(big, host, ""), 0);
		CU_ASSERT_EQUAL(stats_of(big).filtered, filtered);
		/* And in the bucket's empty way, as the oldest. */
		CU_ASSERT_EQUAL(queries_for(one, host, ""), 0);
		CU_ASSERT(queries_for(one, hosts[3], cats[3]) > 0);
		filtered = stats_of(one).filtered;
		CU_ASSERT_EQUAL(queries_for(one, host, ""), 0);
		CU_ASSERT(stats_of(one).filtered > filtered);
		break;
	}
	CU_ASSERT(i < 40);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(queries_for(one, hosts[i], cats[i]), 0);
	catstore_close(one);
	catstore_close(big);
	fix_done(&f);
}

/* What the daemon's log gets (stderr) between cap_start and cap_end. */
struct cap {
	char	path[64];
	int	fd;
	int	saved;
};

static void
cap_start(struct cap *c, int verbosity)
{
	snprintf(c->path, sizeof(c->path), "/tmp/test_catstore.log.XXXXXX");
	c->fd = mkstemp(c->path);
	CU_ASSERT_FATAL(c->fd != -1);
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(c->saved != -1);
	CU_ASSERT_FATAL(dup2(c->fd, STDERR_FILENO) != -1);
	log_init("test_catstore", verbosity);
}

/* The captured text; free() it. */
static char *
cap_end(struct cap *c)
{
	char *text;
	size_t len;

	log_init("test_catstore", 0);
	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	close(c->fd);
	text = slurp(c->path, &len);
	unlink(c->path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	return text;
}

static unsigned
count_of(const char *text, const char *what)
{
	unsigned n = 0;

	while ((text = strstr(text, what)) != NULL) {
		n++;
		text += strlen(what);
	}
	return n;
}

/* The answers fix_basic's store gives, whatever reads it. */
static void
check_basic_answers(struct catstore *cs)
{
	CU_ASSERT_STRING_EQUAL(look(cs, "www.example.com", NULL), "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "x.sub.shared.test", NULL),
	    "adult,gambling");
	CU_ASSERT_STRING_EQUAL(look(cs, "shared.test", NULL),
	    "adult,gambling");
	CU_ASSERT_STRING_EQUAL(look(cs, "notexample.com", NULL), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "anything.xxx", NULL), "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "10.1.2.3", NULL), "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "x.10.1.2.3", NULL), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/a/deep/x"),
	    "adult,gambling");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/b/c?x=1"),
	    "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/ab"), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "site.test", "site.test/any?q"),
	    "adult");
	CU_ASSERT_STRING_EQUAL(look_key(cs, "ports.test",
	    "ports.test:8080/x/y"), "adult");
	CU_ASSERT_STRING_EQUAL(look_key(cs, "ports.test", "ports.test/x"), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "2001:db8::2", "x/v6/y"), "adult");
}

/*
 * A bigger tree: BIG_DOMAINS domains over three categories (every 7th in
 * two), and BIG_URLS URL entries under BIG_URLS / 10 authorities, every
 * 10th with a query.
 */
#define BIG_DOMAINS	3000
#define BIG_URLS	900

static void
big_domain(unsigned i, char *out, size_t outsz)
{
	snprintf(out, outsz, "d%05u.s%u.test", i * 7919 % 100000, i % 50);
}

static void
big_url(unsigned i, char *host, size_t hostsz, char *path, size_t pathsz)
{
	snprintf(host, hostsz, "u%03u.host.test", i % (BIG_URLS / 10));
	if (i % 10 == 9)
		snprintf(path, pathsz, "/r%u?x=%u", i, i % 7);
	else
		snprintf(path, pathsz, "/p%u/q", i);
}

/* The categories of domain i: "c0", or "c0,c1" for the 7th ones. */
static void
big_want(unsigned i, char *out, size_t outsz)
{
	unsigned a = i % 3, b = (i + 1) % 3;

	if (i % 7 != 0)
		snprintf(out, outsz, "c%u", a);
	else
		snprintf(out, outsz, "c%u,c%u", a < b ? a : b, a < b ? b : a);
}

static void
fix_big(struct fix *f)
{
	char *buf[3], *ubuf[3], name[64], host[64], path[64], rel[64];
	size_t n[3] = { 0, 0, 0 }, un[3] = { 0, 0, 0 };
	unsigned i, c;

	for (c = 0; c < 3; c++) {
		buf[c] = malloc(1 << 18);
		ubuf[c] = malloc(1 << 16);
		CU_ASSERT_FATAL(buf[c] != NULL && ubuf[c] != NULL);
	}
	for (i = 0; i < BIG_DOMAINS; i++) {
		big_domain(i, name, sizeof(name));
		c = i % 3;
		n[c] += (size_t)sprintf(buf[c] + n[c], "%s\n", name);
		if (i % 7 == 0) {
			c = (i + 1) % 3;
			n[c] += (size_t)sprintf(buf[c] + n[c], "%s\n", name);
		}
	}
	for (i = 0; i < BIG_URLS; i++) {
		big_url(i, host, sizeof(host), path, sizeof(path));
		c = i % 3;
		un[c] += (size_t)sprintf(ubuf[c] + un[c], "%s%s\n", host, path);
	}
	for (c = 0; c < 3; c++) {
		snprintf(rel, sizeof(rel), "lists/c%u/domains", c);
		fix_putn(f, rel, buf[c], n[c]);
		snprintf(rel, sizeof(rel), "lists/c%u/urls", c);
		fix_putn(f, rel, ubuf[c], un[c]);
		free(buf[c]);
		free(ubuf[c]);
	}
}

static void
test_filter_counts_keys(void)
{
	struct catstore_import_stats st;
	struct catstore_stats cst;
	struct catstore *cs;
	struct fix f;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	cs = fix_open(&f, 0);
	CU_ASSERT_FATAL(cs != NULL);
	catstore_stats(cs, &cst);
	CU_ASSERT_EQUAL(cst.filter, CATSTORE_FILTER_ON);
	CU_ASSERT_STRING_EQUAL(catstore_filter_str(cst.filter), "on");
	/* 8 distinct domains, 8 URLs, 6 authorities. */
	CU_ASSERT_EQUAL(cst.filter_keys, 22);
	CU_ASSERT_EQUAL(cst.filter_bytes, 64);
	CU_ASSERT_EQUAL(cst.filter_shared, 1);
	CU_ASSERT_EQUAL(cst.lookups, 0);
	CU_ASSERT_EQUAL(cst.queries, 0);
	check_basic_answers(cs);
	catstore_close(cs);
	fix_done(&f);
}

/* Every entry present is found: the filter never says no to one. */
static void
test_filter_finds_every_entry(void)
{
	struct catstore_import_stats st;
	struct catstore_stats cst;
	struct catstore *cs;
	struct fix f;
	char name[64], sub[80], host[64], path[64], key[160], want[16];
	unsigned i, bad = 0;

	fix_init(&f);
	fix_big(&f);
	fix_import(&f, &st);
	CU_ASSERT_EQUAL(st.urls, BIG_URLS);
	cs = fix_open(&f, 0);
	CU_ASSERT_FATAL(cs != NULL);
	catstore_stats(cs, &cst);
	CU_ASSERT_EQUAL(cst.filter, CATSTORE_FILTER_ON);
	CU_ASSERT_EQUAL(cst.filter_keys, BIG_DOMAINS + BIG_URLS +
	    BIG_URLS / 10);
	/*
	 * 10 bits an entry and URL authority, counted before duplicates
	 * (a domain in two categories) go, in 64-byte blocks.
	 */
	CU_ASSERT(cst.filter_bytes * 8 >= 10 * cst.filter_keys);
	CU_ASSERT(cst.filter_bytes * 8 < 10 * (st.domains + 2 * st.urls) +
	    512);
	for (i = 0; i < BIG_DOMAINS; i++) {
		big_domain(i, name, sizeof(name));
		big_want(i, want, sizeof(want));
		snprintf(sub, sizeof(sub), "a.b.%s", name);
		if (strcmp(look(cs, name, NULL), want) != 0 ||
		    strcmp(look(cs, sub, NULL), want) != 0)
			bad++;
	}
	for (i = 0; i < BIG_URLS; i++) {
		big_url(i, host, sizeof(host), path, sizeof(path));
		snprintf(want, sizeof(want), "c%u", i % 3);
		snprintf(key, sizeof(key), "%s%s", host, path);
		if (strcmp(look_key(cs, host, key), want) != 0)
			bad++;
		if (i % 10 != 9) {
			snprintf(key, sizeof(key), "%s%s/deeper?q=1", host,
			    path);
			if (strcmp(look_key(cs, host, key), want) != 0)
				bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	catstore_close(cs);
	fix_done(&f);
}

/*
 * A host whose every suffix the filter rules out, and a request whose
 * authority it rules out, cost no SQLite query; the rest ask it, and
 * answer as an old store (no filter) does.
 */
static void
test_filter_misses_skip_sqlite(void)
{
	struct catstore_import_stats st;
	struct catstore_stats a, b, o;
	struct catstore *cs, *old;
	struct fix f;
	char oldpath[PATH_MAX], host[64], key[128], want[2048];
	unsigned i, nclean = 0, bad = 0;
	uint64_t q0, f0;

	fix_init(&f);
	fix_big(&f);
	fix_import(&f, &st);
	store_old(&f, "old.db", oldpath, sizeof(oldpath));
	cs = fix_open(&f, 0);
	old = open_path(oldpath, 0);
	CU_ASSERT_FATAL(cs != NULL && old != NULL);
	CU_ASSERT_EQUAL(stats_of(old).filter, CATSTORE_FILTER_NONE);

	/* Three suffixes each: "mN.missM.example", "missM.example", ... */
	for (i = 0; i < 3000; i++) {
		snprintf(host, sizeof(host), "m%u.miss%u.example", i, i % 97);
		a = stats_of(cs);
		q0 = a.queries;
		f0 = a.filtered;
		snprintf(want, sizeof(want), "%s", look(old, host, NULL));
		if (strcmp(look(cs, host, NULL), want) != 0 ||
		    want[0] != '\0')
			bad++;
		b = stats_of(cs);
		/* Each suffix: ruled out, or asked. */
		if (b.queries - q0 + b.filtered - f0 != 3)
			bad++;
		if (b.filtered - f0 == 3) {
			nclean++;
			if (b.queries != q0)
				bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	o = stats_of(old);
	CU_ASSERT_EQUAL(o.queries, 3 * 3000);
	CU_ASSERT_EQUAL(o.filtered, 0);
	b = stats_of(cs);
	CU_ASSERT_EQUAL(b.lookups, 3000);
	/* About 1% false positives a suffix: 97% of hosts cost nothing. */
	CU_ASSERT(nclean > 2700);
	CU_ASSERT(b.queries < 3 * 3000 / 20);

	/* Requests: the domains, then the authority (once: no cache). */
	for (i = 0; i < 1000; i++) {
		snprintf(host, sizeof(host), "m%u.miss%u.example", i, i % 97);
		snprintf(key, sizeof(key), "%s/a/b?c=%u", host, i);
		snprintf(want, sizeof(want), "%s", look_key(old, host, key));
		if (strcmp(look_key(cs, host, key), want) != 0)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(stats_of(old).queries - o.queries, 4 * 1000);
	a = stats_of(cs);
	CU_ASSERT(a.queries - b.queries < 4 * 1000 / 20);
	CU_ASSERT_EQUAL(a.queries - b.queries + a.filtered - b.filtered,
	    4 * 1000);

	/*
	 * A host with URL entries asks whether it has any, then only the
	 * cuts the filter lets through: "h/", "h/zz", "h/zz/y", "h/zz/y?q".
	 */
	snprintf(host, sizeof(host), "u%03u.host.test", 5);
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "%s/zz%u/y?q", host, i);
		if (strcmp(look_key(cs, host, key), "") != 0)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	b = stats_of(cs);
	/*
	 * Each: 3 suffixes and 4 cuts, ruled out or asked, and the
	 * authority, which the filter holds: asked.
	 */
	CU_ASSERT_EQUAL(b.queries - a.queries + b.filtered - a.filtered,
	    200 * 8);
	CU_ASSERT(b.queries - a.queries >= 200);
	/*
	 * The three suffixes and "h/" are the same four keys every time:
	 * should the filter (seeded at random by each import) let one of
	 * them through, that is 200 queries (a few runs in a hundred). What
	 * is checked is that the 600 cuts that differ are mostly ruled out.
	 */
	CU_ASSERT(b.queries - a.queries - 200 < 200 + 200 * 7 / 20);
	catstore_close(cs);
	catstore_close(old);
	fix_done(&f);
}

/* A store without the filter (an earlier import) answers the same. */
static void
test_filter_old_store(void)
{
	struct catstore_import_stats st;
	struct catstore *a, *b;
	struct fix f;
	struct cap c;
	char old[PATH_MAX], quiet[PATH_MAX], *text;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	store_old(&f, "old.db", old, sizeof(old));
	store_old(&f, "quiet.db", quiet, sizeof(quiet));

	/* Said once a file, at debug level. */
	cap_start(&c, 1);
	a = open_path(old, 0);
	b = open_path(old, 16);
	text = cap_end(&c);
	CU_ASSERT_EQUAL(count_of(text, "DEBUG: category store "), 1);
	CU_ASSERT_EQUAL(count_of(text, "old.db: no lookup filter (imported "
	    "by an earlier Warden): lookups ask SQLite for every key"), 1);
	CU_ASSERT_EQUAL(count_of(text, "WARNING"), 0);
	free(text);
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	CU_ASSERT_EQUAL(stats_of(a).filter, CATSTORE_FILTER_NONE);
	CU_ASSERT_EQUAL(stats_of(a).filter_bytes, 0);
	CU_ASSERT_STRING_EQUAL(catstore_filter_str(CATSTORE_FILTER_NONE),
	    "none");
	check_basic_answers(a);
	check_basic_answers(b);
	CU_ASSERT(stats_of(a).queries > 0);
	CU_ASSERT_EQUAL(stats_of(a).filtered, 0);
	catstore_close(a);
	catstore_close(b);

	/* Not a word without -v. */
	cap_start(&c, 0);
	a = open_path(quiet, 0);
	text = cap_end(&c);
	CU_ASSERT_STRING_EQUAL(text, "");
	free(text);
	catstore_close(a);
	fix_done(&f);
}

/* A filter of a later version is not used, nor warned about. */
static void
test_filter_later_version(void)
{
	struct catstore_import_stats st;
	struct catstore *cs;
	struct fix f;
	struct cap c;
	char p[PATH_MAX], *text;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	store_copy(&f, "v2.db", p, sizeof(p));
	store_exec(p, "UPDATE lookup_filter SET version = 2");
	cap_start(&c, 1);
	cs = open_path(p, 0);
	text = cap_end(&c);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "v2.db: lookup filter version 2, "
	    "this Warden reads 1: lookups ask SQLite"));
	CU_ASSERT_EQUAL(count_of(text, "WARNING"), 0);
	free(text);
	CU_ASSERT_EQUAL(stats_of(cs).filter, CATSTORE_FILTER_NONE);
	check_basic_answers(cs);
	catstore_close(cs);
	fix_done(&f);
}

/*
 * A damaged filter (cut short, bits changed, bad parameters, rows) is
 * ignored with one warning a file, and the store answers through SQLite.
 * The zeroed bits would say "absent" to everything if they were used.
 */
static void
test_filter_damaged(void)
{
	static const struct {
		const char	*sql;
		const char	*why;
	} cases[] = {
		{ "UPDATE lookup_filter SET bits = substr(bits, 1, 40)",
		    "(40 bytes of blob for 1 blocks)" },
		{ "UPDATE lookup_filter SET bits = zeroblob(length(bits))",
		    "(checksum mismatch)" },
		{ "UPDATE lookup_filter SET checksum = checksum + 1",
		    "(checksum mismatch)" },
		{ "UPDATE lookup_filter SET blocks = 2",
		    "(64 bytes of blob for 2 blocks)" },
		{ "UPDATE lookup_filter SET hashes = 0",
		    "(bad parameters: 0 hashes, 1 blocks, 22 keys)" },
		{ "UPDATE lookup_filter SET hashes = 8",
		    "(bad parameters: 8 hashes" },
		{ "UPDATE lookup_filter SET blocks = -1",
		    "(bad parameters: 7 hashes, -1 blocks" },
		{ "UPDATE lookup_filter SET bits = CAST(bits AS TEXT)",
		    "of text for 1 blocks)" },
		{ "INSERT INTO lookup_filter SELECT * FROM lookup_filter",
		    "(more than one row)" },
		{ "DELETE FROM lookup_filter", "(no row)" },
		{ "DROP TABLE lookup_filter; CREATE TABLE lookup_filter (x)",
		    "(no such column: version)" },
	};
	struct catstore_import_stats st;
	struct catstore_stats cst;
	struct catstore *cs, *again;
	struct fix f;
	struct cap c;
	char p[PATH_MAX], name[32], *text;
	size_t i;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	for (i = 0; i < WD_NELEM(cases); i++) {
		snprintf(name, sizeof(name), "bad%zu.db", i);
		store_copy(&f, name, p, sizeof(p));
		store_exec(p, cases[i].sql);
		cap_start(&c, 0);
		cs = open_path(p, 0);
		again = open_path(p, 8);
		text = cap_end(&c);
		CU_ASSERT_EQUAL(count_of(text, "WARNING: category store "), 1);
		CU_ASSERT_EQUAL(count_of(text, ": lookup filter ignored ("), 1);
		CU_ASSERT_EQUAL(count_of(text, "): lookups ask SQLite for "
		    "every key; import the lists again"), 1);
		if (strstr(text, name) == NULL ||
		    strstr(text, cases[i].why) == NULL)
			fprintf(stderr, "\n  %s: got \"%s\", want \"%s\"\n",
			    cases[i].sql, text, cases[i].why);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, cases[i].why));
		CU_ASSERT_PTR_NOT_NULL(strstr(text, name));
		free(text);
		CU_ASSERT_FATAL(cs != NULL && again != NULL);
		catstore_stats(cs, &cst);
		CU_ASSERT_EQUAL(cst.filter, CATSTORE_FILTER_BAD);
		CU_ASSERT_EQUAL(cst.filter_bytes, 0);
		check_basic_answers(cs);
		check_basic_answers(again);
		catstore_stats(cs, &cst);
		CU_ASSERT_EQUAL(cst.filtered, 0);
		CU_ASSERT(cst.queries >= 20);
		catstore_close(cs);
		catstore_close(again);
	}
	CU_ASSERT_STRING_EQUAL(catstore_filter_str(CATSTORE_FILTER_BAD),
	    "bad");
	fix_done(&f);
}

/*
 * An import writes entries and filter in one file that replaces the old
 * one whole: a handle keeps its store and filter, a new one gets both
 * new; a failed import leaves both as they were.
 */
static void
test_filter_reimport(void)
{
	struct catstore_import_stats st;
	struct catstore *old, *cs, *again;
	struct fix f;
	char p[PATH_MAX];
	size_t rows;

	fix_init(&f);
	fix_basic(&f);
	fix_import(&f, &st);
	old = fix_open(&f, 0);
	CU_ASSERT_FATAL(old != NULL);
	CU_ASSERT_EQUAL(stats_of(old).filter_keys, 22);
	fix_put(&f, "lists/adult/domains", "new.test\nnewer.test\n");
	fix_put(&f, "lists/adult/urls", "fresh.test/x\n");
	fix_import(&f, &st);
	table_hash(f.store, "SELECT bits, seed FROM lookup_filter", &rows);
	CU_ASSERT_EQUAL(rows, 1);
	cs = fix_open(&f, 0);
	CU_ASSERT_FATAL(cs != NULL);
	/* 5 domains, 2 URLs, 2 authorities. */
	CU_ASSERT_EQUAL(stats_of(cs).filter_keys, 9);
	CU_ASSERT_EQUAL(stats_of(cs).filter_shared, 1);
	CU_ASSERT_EQUAL(stats_of(old).filter_shared, 1);
	CU_ASSERT_STRING_EQUAL(look(old, "www.example.com", NULL), "adult");
	CU_ASSERT_STRING_EQUAL(look(old, "new.test", NULL), "");
	CU_ASSERT_STRING_EQUAL(look(old, "example.org", "example.org/a"),
	    "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "www.example.com", NULL), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "new.test", NULL), "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "a.newer.test", NULL), "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "fresh.test", "fresh.test/x/y"),
	    "adult");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/a"), "");
	CU_ASSERT_STRING_EQUAL(look(cs, "example.org", "example.org/a/deep"),
	    "gambling");
	catstore_close(old);

	/* A list that cannot be read: the store and its filter stay. */
	fix_mkdir(&f, "lists/zz/urls");
	check_import_fails(f.lists, f.store, "not a regular file");
	fix_path(&f, "lists/zz/urls", p, sizeof(p));
	CU_ASSERT_EQUAL(rmdir(p), 0);
	again = fix_open(&f, 0);
	CU_ASSERT_FATAL(again != NULL);
	CU_ASSERT_EQUAL(stats_of(again).filter, CATSTORE_FILTER_ON);
	CU_ASSERT_EQUAL(stats_of(again).filter_shared, 2);
	CU_ASSERT_STRING_EQUAL(look(again, "new.test", NULL), "adult");
	catstore_close(cs);
	catstore_close(again);
	fix_done(&f);
}

/* Handles on one file share one copy; another file has its own. */
static void
test_filter_shared(void)
{
	struct catstore_import_stats st;
	struct catstore *a, *b, *c, *d;
	struct fix f;
	char p[PATH_MAX];

	fix_init(&f);
	fix_big(&f);
	fix_import(&f, &st);
	a = fix_open(&f, 0);
	b = fix_open(&f, 4);
	c = fix_open(&f, 4096);
	CU_ASSERT_FATAL(a != NULL && b != NULL && c != NULL);
	CU_ASSERT_EQUAL(stats_of(a).filter_shared, 3);
	CU_ASSERT_EQUAL(stats_of(c).filter_shared, 3);
	CU_ASSERT_EQUAL(stats_of(a).filter_bytes, stats_of(c).filter_bytes);
	catstore_close(b);
	CU_ASSERT_EQUAL(stats_of(a).filter_shared, 2);
	store_copy(&f, "copy.db", p, sizeof(p));
	d = open_path(p, 0);
	CU_ASSERT_FATAL(d != NULL);
	CU_ASSERT_EQUAL(stats_of(d).filter_shared, 1);
	CU_ASSERT_EQUAL(stats_of(a).filter_shared, 2);
	CU_ASSERT_STRING_EQUAL(look(d, "d07919.s1.test", NULL), "c1");
	CU_ASSERT_STRING_EQUAL(look(a, "d07919.s1.test", NULL), "c1");
	catstore_close(a);
	catstore_close(c);
	catstore_close(d);
	/* All gone: the next handle reads it again. */
	a = fix_open(&f, 0);
	CU_ASSERT_FATAL(a != NULL);
	CU_ASSERT_EQUAL(stats_of(a).filter_shared, 1);
	CU_ASSERT_STRING_EQUAL(look(a, "x.d07919.s1.test", NULL), "c1");
	catstore_close(a);
	fix_done(&f);
}

struct filter_thread {
	const char	*path;
	unsigned	 seed;
	unsigned	 failures;
};

/* Opens, looks up and closes again and again, counting wrong answers. */
static void *
filter_thread_run(void *arg)
{
	struct filter_thread *t = arg;
	struct catstore *cs;
	struct catset set;
	struct werr err;
	char name[64], want[16], got[2 * CATSTORE_NAME_MAX + 2];
	unsigned r, i, k;

	for (r = 0; r < 40; r++) {
		if ((cs = catstore_open(t->path, r % 2 ? 64 : 0,
		    &err)) == NULL) {
			t->failures++;
			continue;
		}
		for (k = 0; k < 50; k++) {
			i = (t->seed * 31 + r * 53 + k * 17) % BIG_DOMAINS;
			big_domain(i, name, sizeof(name));
			big_want(i, want, sizeof(want));
			if (catstore_lookup(cs, name, NULL, &set, &err) == -1) {
				t->failures++;
				continue;
			}
			snprintf(got, sizeof(got), "%s%s%s",
			    set.n > 0 ? set.name[0] : "",
			    set.n > 1 ? "," : "", set.n > 1 ? set.name[1] : "");
			if (strcmp(got, want) != 0)
				t->failures++;
			snprintf(name, sizeof(name), "n%u.nowhere.test", k);
			if (catstore_lookup(cs, name, NULL, &set, &err) == -1 ||
			    set.n != 0)
				t->failures++;
		}
		catstore_close(cs);
	}
	return NULL;
}

/* Workers open and close handles on one store at once. */
static void
test_filter_threads(void)
{
	struct catstore_import_stats st;
	struct filter_thread t[4];
	pthread_t id[4];
	struct fix f;
	size_t i;

	fix_init(&f);
	fix_big(&f);
	fix_import(&f, &st);
	for (i = 0; i < WD_NELEM(t); i++) {
		t[i].path = f.store;
		t[i].seed = (unsigned)i;
		t[i].failures = 0;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&id[i], NULL,
		    filter_thread_run, &t[i]), 0);
	}
	for (i = 0; i < WD_NELEM(t); i++) {
		CU_ASSERT_EQUAL(pthread_join(id[i], NULL), 0);
		CU_ASSERT_EQUAL(t[i].failures, 0);
	}
	fix_done(&f);
}

static CU_TestInfo cu_tests[] = {
	{ "db/categories.sql is the embedded schema",
	    test_schema_file_matches },
	{ "import counts", test_import_counts },
	{ "import sorted in many runs", test_import_many_runs },
	{ "lookup by domain", test_lookup_domain },
	{ "lookup by subdomain", test_lookup_subdomain },
	{ "lookup through many labels", test_lookup_many_labels },
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
	{ "cache keeps the recently used", test_cache_keeps_recent },
	{ "open a missing file", test_open_missing },
	{ "open a file that is not a store", test_open_not_store },
	{ "filter: keys counted", test_filter_counts_keys },
	{ "filter: every entry found", test_filter_finds_every_entry },
	{ "filter: misses skip SQLite", test_filter_misses_skip_sqlite },
	{ "filter: an old store without one", test_filter_old_store },
	{ "filter: a later version unused", test_filter_later_version },
	{ "filter: damaged ones ignored", test_filter_damaged },
	{ "filter: replaced with the store", test_filter_reimport },
	{ "filter: one copy a file", test_filter_shared },
	{ "filter: threads open and close", test_filter_threads },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"catstore"
#include "cu_main.h"
