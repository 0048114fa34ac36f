#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <archive.h>
#include <archive_entry.h>

#include "catstore.h"
#include "ut1src.h"

/*
 * Each case writes an archive at run time with libarchive into its own
 * mkdtemp() directory T (T/a.tar.gz) and imports it into T/cat.db.
 */
struct afix {
	char	base[64];
	char	arc[80];
	char	store[80];
};

/* One member: a file (text), a directory (text NULL), or a symlink. */
struct member {
	const char	*path;
	const char	*text;
	const char	*link;		/* non-NULL: a symlink to it */
};

static void
afix_init(struct afix *f)
{
	snprintf(f->base, sizeof(f->base), "/tmp/wd-ut1src.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(f->base));
	snprintf(f->arc, sizeof(f->arc), "%s/a.tar.gz", f->base);
	snprintf(f->store, sizeof(f->store), "%s/cat.db", f->base);
}

static void
afix_done(struct afix *f)
{
	char p[PATH_MAX];

	unlink(f->arc);
	unlink(f->store);
	snprintf(p, sizeof(p), "%s.new", f->store);
	unlink(p);
	rmdir(f->base);
}

static void
afix_write(const struct afix *f, const struct member *m, size_t n)
{
	struct archive *a;
	struct archive_entry *e;
	size_t i, len;

	a = archive_write_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL_FATAL(archive_write_set_format_pax_restricted(a),
	    ARCHIVE_OK);
	CU_ASSERT_EQUAL_FATAL(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	CU_ASSERT_EQUAL_FATAL(archive_write_open_filename(a, f->arc),
	    ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].path);
		archive_entry_set_perm(e, 0644);
		len = m[i].text != NULL ? strlen(m[i].text) : 0;
		if (m[i].link != NULL) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, m[i].link);
		} else if (m[i].text == NULL)
			archive_entry_set_filetype(e, AE_IFDIR);
		else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)len);
		}
		CU_ASSERT_EQUAL(archive_write_header(a, e), ARCHIVE_OK);
		if (len > 0)
			CU_ASSERT_EQUAL(archive_write_data(a, m[i].text, len),
			    (la_ssize_t)len);
		archive_entry_free(e);
	}
	CU_ASSERT_EQUAL(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* Imports f->arc; returns what catstore_import() did. */
static int
afix_import(const struct afix *f, const struct catstore_import_opts *o,
    struct catstore_import_stats *st, struct werr *err)
{
	struct ut1src *src;
	int fd, rc;

	memset(err, 0, sizeof(*err));
	fd = open(f->arc, O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd != -1);
	src = ut1src_open_archive_fd(fd, f->arc, err);
	if (src == NULL) {
		close(fd);
		return -1;
	}
	rc = catstore_import(src, f->store, o, st, err);
	ut1src_close(src);
	close(fd);
	return rc;
}

/* The categories of host in f->store, space-separated. */
static const char *
look(const struct afix *f, const char *host)
{
	static char out[256];
	struct catstore *cs;
	struct catset set;
	struct werr err;
	size_t i;

	out[0] = '\0';
	if ((cs = catstore_open(f->store, 0, &err)) == NULL)
		return "NO STORE";
	if (catstore_lookup(cs, host, NULL, &set, &err) == 0)
		for (i = 0; i < set.n; i++)
			snprintf(out + strlen(out), sizeof(out) - strlen(out),
			    "%s%s", i ? " " : "", set.name[i]);
	catstore_close(cs);
	return out;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp;
	char *buf;
	long n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static const struct member good[] = {
	{ "blacklists", NULL, NULL },
	{ "blacklists/README", "UT1 lists\n", NULL },
	{ "blacklists/gambling", NULL, NULL },
	{ "blacklists/gambling/domains", "bet.test\ncasino.test\n", NULL },
	{ "blacklists/adult", NULL, NULL },
	{ "blacklists/adult/domains", "a.test\nb.test\nA.TEST\n", NULL },
	{ "blacklists/adult/urls", "c.test/x\n", NULL },
	{ "blacklists/adult/expressions", "(sex)\n", NULL },
};

static void
test_archive_import(void)
{
	struct catstore_import_stats st;
	struct werr err;
	struct afix f;

	afix_init(&f);
	afix_write(&f, good, WD_NELEM(good));
	CU_ASSERT_EQUAL(afix_import(&f, NULL, &st, &err), 0);
	CU_ASSERT_STRING_EQUAL(err.msg, "");
	CU_ASSERT_EQUAL(st.categories, 2);
	CU_ASSERT_EQUAL(st.domains, 4);
	CU_ASSERT_EQUAL(st.urls, 1);
	CU_ASSERT_EQUAL(st.duplicates, 1);
	CU_ASSERT_EQUAL(st.skipped, 0);
	CU_ASSERT_EQUAL(st.skipped_categories, 0);
	CU_ASSERT_FALSE(st.compared);
	CU_ASSERT_STRING_EQUAL(look(&f, "www.a.test"), "adult");
	CU_ASSERT_STRING_EQUAL(look(&f, "casino.test"), "gambling");
	CU_ASSERT_STRING_EQUAL(look(&f, "c.test"), "");
	afix_done(&f);
}

/* "..", absolute names and links are skipped, never followed. */
static void
test_archive_unsafe_members(void)
{
	static const struct member m[] = {
		{ "../evil/domains", "evil.test\n", NULL },
		{ "/abs/domains", "abs.test\n", NULL },
		{ "lists/adult/domains", "a.test\n", NULL },
		{ "lists/../adult2/domains", "x.test\n", NULL },
		{ "lists/link/domains", NULL, "/etc/passwd" },
		{ "lists/alias", NULL, "adult" },
		{ "lists/bad name/domains", "y.test\n", NULL },
		{ "other/deeper/x/domains", "z.test\n", NULL },
	};
	struct catstore_import_stats st;
	struct werr err;
	struct afix f;

	afix_init(&f);
	afix_write(&f, m, WD_NELEM(m));
	CU_ASSERT_EQUAL(afix_import(&f, NULL, &st, &err), 0);
	CU_ASSERT_EQUAL(st.categories, 1);
	CU_ASSERT_EQUAL(st.domains, 1);
	CU_ASSERT_EQUAL(st.skipped_categories, 7);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.reported[0], "../evil/domains: "
	    "skipped: name with \"..\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(st.reported[1], "absolute name"));
	CU_ASSERT_STRING_EQUAL(look(&f, "a.test"), "adult");
	CU_ASSERT_STRING_EQUAL(look(&f, "evil.test"), "");
	CU_ASSERT_STRING_EQUAL(look(&f, "x.test"), "");
	CU_ASSERT_STRING_EQUAL(look(&f, "z.test"), "");
	afix_done(&f);
}

/* A truncated or empty archive fails and keeps the old store. */
static void
test_archive_bad_keeps_store(void)
{
	static const struct member none[] = {
		{ "blacklists", NULL, NULL },
		{ "blacklists/README", "nothing here\n", NULL },
	};
	struct catstore_import_stats st;
	struct werr err;
	struct afix f;
	char *before, *after, *big, *text;
	size_t blen, alen, i;
	struct member m[1];
	FILE *fp;

	afix_init(&f);
	afix_write(&f, good, WD_NELEM(good));
	CU_ASSERT_EQUAL_FATAL(afix_import(&f, NULL, &st, &err), 0);
	before = slurp(f.store, &blen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);

	afix_write(&f, none, WD_NELEM(none));
	CU_ASSERT_EQUAL(afix_import(&f, NULL, &st, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no category lists"));

	/* Truncated: half of a gzip stream of incompressible-ish text. */
	big = malloc(1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	for (i = 0; i + 16 < (1 << 20); i += 16)
		snprintf(big + i, 17, "h%08x.test\n",
		    (unsigned)((i * 2654435761u) & 0xffffffffu));
	big[i] = '\0';
	m[0].path = "bl/adult/domains";
	m[0].text = big;
	m[0].link = NULL;
	afix_write(&f, m, 1);
	text = slurp(f.arc, &alen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	fp = fopen(f.arc, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(fwrite(text, 1, alen / 2, fp), alen / 2);
	fclose(fp);
	CU_ASSERT_EQUAL(afix_import(&f, NULL, &st, &err), -1);
	CU_ASSERT(strstr(err.msg, "runcat") != NULL ||
	    strstr(err.msg, "premature") != NULL);

	/* Not an archive at all. */
	fp = fopen(f.arc, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs("adult.test\n", fp);
	fclose(fp);
	CU_ASSERT_EQUAL(afix_import(&f, NULL, &st, &err), -1);

	after = slurp(f.store, &alen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(after);
	CU_ASSERT(alen == blen && memcmp(before, after, blen) == 0);
	free(big);
	free(text);
	free(before);
	free(after);
	afix_done(&f);
}

/* A category that shrinks past the limit is refused, unless forced. */
static void
test_archive_shrink_refused(void)
{
	static const struct member small[] = {
		{ "blacklists/adult/domains", "a.test\n", NULL },
		{ "blacklists/gambling/domains", "bet.test\ncasino.test\n"
		    "new.test\n", NULL },
	};
	struct catstore_import_opts o = {
		.max_shrink = 0.5, .lock_fd = -1,
	};
	struct catstore_import_stats st;
	struct werr err;
	struct afix f;
	char *before, *after;
	size_t blen, alen;

	afix_init(&f);
	afix_write(&f, good, WD_NELEM(good));
	CU_ASSERT_EQUAL_FATAL(afix_import(&f, &o, &st, &err), 0);
	before = slurp(f.store, &blen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);

	/* adult: 3 entries (a.test, b.test, c.test/x) to 1. */
	afix_write(&f, small, WD_NELEM(small));
	CU_ASSERT_EQUAL(afix_import(&f, &o, &st, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "category adult would "
	    "shrink from 3 to 1 entries"));
	CU_ASSERT_EQUAL(st.shrunk, 1);
	after = slurp(f.store, &alen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(after);
	CU_ASSERT(alen == blen && memcmp(before, after, blen) == 0);
	free(after);

	o.force = true;
	CU_ASSERT_EQUAL(afix_import(&f, &o, &st, &err), 0);
	CU_ASSERT_TRUE(st.compared);
	CU_ASSERT_EQUAL(st.added, 1);		/* new.test */
	CU_ASSERT_EQUAL(st.removed, 2);		/* b.test, c.test/x */
	CU_ASSERT_STRING_EQUAL(look(&f, "new.test"), "gambling");
	free(before);
	afix_done(&f);
}

/* Lines are checked as for a directory: bad ones counted, reported. */
static void
test_archive_bad_lines(void)
{
	static char longline[6000];
	static const char bad[] = "ok.test\nbad host!\n\xff\xfe.test\n";
	struct member m[2] = {
		{ "bl/adult/domains", bad, NULL },
		{ "bl/adult/urls", longline, NULL },
	};
	struct catstore_import_stats st;
	struct werr err;
	struct afix f;

	memset(longline, 'a', sizeof(longline) - 2);
	longline[sizeof(longline) - 2] = '\n';
	afix_init(&f);
	afix_write(&f, m, 2);
	CU_ASSERT_EQUAL(afix_import(&f, NULL, &st, &err), 0);
	CU_ASSERT_EQUAL(st.domains, 1);
	CU_ASSERT_EQUAL(st.skipped, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.reported[1],
	    "a.tar.gz:bl/adult/domains:3: not UTF-8"));
	CU_ASSERT_PTR_NOT_NULL(strstr(st.reported[2],
	    "bl/adult/urls:1: line longer than"));
	afix_done(&f);
}

static CU_TestInfo cu_tests[] = {
	{ "archive import", test_archive_import },
	{ "unsafe members skipped", test_archive_unsafe_members },
	{ "bad archives keep the store", test_archive_bad_keeps_store },
	{ "shrink refused unless forced", test_archive_shrink_refused },
	{ "bad lines in an archive", test_archive_bad_lines },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"ut1src"
#include "cu_main.h"
