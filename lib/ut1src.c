#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "ut1src.h"

#define UT1SRC_MAX_CATEGORIES	4096
#define UT1SRC_ARCHIVE_BLOCK	65536
#define UT1SRC_MAX_DEPTH	16	/* path components before a list */

struct ut1src_dir {
	const char	*dir;			/* as given */
	char		 root[PATH_MAX];	/* realpath(dir) */
	size_t		 rootlen;
	char		(*names)[UT1SRC_NAME_MAX];	/* sorted */
	size_t		 nnames, cap;
	char		**skips;		/* messages, reported first */
	size_t		 nskips, skipcap, nextskip;
	size_t		 next;			/* in names */
	int		 step;			/* 0 category, 1 domains, 2 urls */
	int		 fd;			/* the list being read */
};

struct ut1src_arc {
	struct archive	*a;
	char		 name[PATH_MAX];
	bool		 have_level;
	size_t		 depth;			/* components before the list */
	char		 prefix[PATH_MAX];	/* "blacklists/" or "" */
	bool		 in_list;
};

struct ut1src {
	bool			is_dir;
	struct ut1src_dir	d;
	struct ut1src_arc	r;
};

const char *
ut1src_kind_str(enum ut1src_kind k)
{
	switch (k) {
	case UT1SRC_CATEGORY:
		return "category";
	case UT1SRC_DOMAINS:
		return "domains";
	case UT1SRC_URLS:
		return "urls";
	}
	return "?";
}

/* Letters, digits, '_', '-', '.', as a file name and a policy word. */
static bool
ut1src_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= UT1SRC_NAME_MAX || s[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/* ------------------------------------------------------------ directory */

static int WD_PRINTF(2, 3)
ut1src_dir_skip(struct ut1src_dir *d, const char *fmt, ...)
{
	char msg[UT1SRC_WHERE_MAX + 128], **p;
	va_list ap;
	size_t cap;

	if (d->nskips == d->skipcap) {
		cap = d->skipcap == 0 ? 8 : 2 * d->skipcap;
		if ((p = realloc(d->skips, cap * sizeof(*p))) == NULL)
			return -1;
		d->skips = p;
		d->skipcap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((d->skips[d->nskips] = strdup(msg)) == NULL)
		return -1;
	d->nskips++;
	return 0;
}

/*
 * Whether p resolves to a path strictly below the directory; false too
 * when it resolves to nothing (a dangling link).
 */
static bool
ut1src_inside(const struct ut1src_dir *d, const char *p)
{
	char real[PATH_MAX];

	if (realpath(p, real) == NULL)
		return false;
	if (d->rootlen == 1)	/* "/" */
		return real[1] != '\0';
	return strncmp(real, d->root, d->rootlen) == 0 &&
	    real[d->rootlen] == '/';
}

/*
 * Whether name is a category: a directory (or a symlink to one below
 * the directory) with a good name. 1 yes, 0 no, -1 out of memory; what
 * is neither a plain file nor a dot entry is kept as a skip message.
 */
static int
ut1src_is_category(struct ut1src_dir *d, int dfd, const char *name)
{
	struct stat sb;
	char p[PATH_MAX];
	int n;

	if (name[0] == '.')
		return 0;
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	n = snprintf(p, sizeof(p), "%s/%s", d->dir, name);
	if (n < 0 || (size_t)n >= sizeof(p))
		return ut1src_dir_skip(d, "%s/%.64s...: skipped: path too long",
		    d->dir, name) == -1 ? -1 : 0;
	if (S_ISLNK(sb.st_mode)) {
		if (stat(p, &sb) == -1)
			return ut1src_dir_skip(d, "%s: skipped: broken "
			    "symbolic link", p) == -1 ? -1 : 0;
		if (!ut1src_inside(d, p))
			return ut1src_dir_skip(d, "%s: skipped: symbolic link "
			    "that leads outside %s", p, d->dir) == -1 ? -1 : 0;
	}
	if (!S_ISDIR(sb.st_mode))
		return 0;
	if (!ut1src_name_ok(name, strlen(name)))
		return ut1src_dir_skip(d, "%s: skipped: a category name is 1 "
		    "to 63 letters, digits, '_', '-' or '.'", p) == -1 ?
		    -1 : 0;
	return 1;
}

static int
ut1src_cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

struct ut1src *
ut1src_open_dir(const char *dir, struct werr *err)
{
	struct ut1src *s;
	struct ut1src_dir *d;
	struct dirent *de;
	DIR *dp = NULL;
	void *p;
	size_t cap;
	int saved, rc;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		werr_set(err, "out of memory");
		return NULL;
	}
	s->is_dir = true;
	d = &s->d;
	d->dir = dir;
	d->fd = -1;
	if (realpath(dir, d->root) == NULL) {
		werr_set(err, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	d->rootlen = strlen(d->root);
	if ((dp = opendir(dir)) == NULL) {
		werr_set(err, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(dp)) == NULL)
			break;
		if ((rc = ut1src_is_category(d, dirfd(dp), de->d_name)) == -1)
			goto oom;
		if (rc == 0)
			continue;
		if (d->nnames == UT1SRC_MAX_CATEGORIES) {
			werr_set(err, "%s: more than %d categories", dir,
			    UT1SRC_MAX_CATEGORIES);
			goto fail;
		}
		if (d->nnames == d->cap) {
			cap = d->cap == 0 ? 64 : 2 * d->cap;
			if ((p = realloc(d->names, cap *
			    sizeof(*d->names))) == NULL)
				goto oom;
			d->names = p;
			d->cap = cap;
		}
		/* ut1src_name_ok() checked that it fits. */
		memcpy(d->names[d->nnames++], de->d_name,
		    strlen(de->d_name) + 1);
	}
	saved = errno;
	closedir(dp);
	dp = NULL;
	if (saved != 0) {
		werr_set(err, "%s: %s", dir, strerror(saved));
		goto fail;
	}
	if (d->nnames == 0) {
		werr_set(err, "%s: no category directories (expected "
		    "%s/CATEGORY/domains and %s/CATEGORY/urls)", dir, dir,
		    dir);
		goto fail;
	}
	qsort(d->names, d->nnames, sizeof(*d->names), ut1src_cmp_str);
	return s;
oom:
	werr_set(err, "out of memory");
fail:
	if (dp != NULL)
		closedir(dp);
	ut1src_close(s);
	return NULL;
}

/*
 * Opens DIR/NAME/domains or urls when it exists: 1 open, 0 absent, -1.
 * It must be a regular file inside DIR: anything else fails the import
 * rather than quietly dropping a list.
 */
static int
ut1src_dir_open_list(struct ut1src_dir *d, struct ut1src_item *it,
    struct werr *err)
{
	struct stat sb;
	int n;

	n = snprintf(it->where, sizeof(it->where), "%s/%s/%s", d->dir,
	    it->category, ut1src_kind_str(it->kind));
	if (n < 0 || (size_t)n >= sizeof(it->where) || n >= PATH_MAX)
		return werr_set(err, "%s/%s: path too long", d->dir,
		    it->category);
	if (lstat(it->where, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		return werr_set(err, "%s: %s", it->where, strerror(errno));
	}
	if (S_ISLNK(sb.st_mode)) {
		if (stat(it->where, &sb) == -1)
			return werr_set(err, "%s: broken symbolic link",
			    it->where);
		if (!ut1src_inside(d, it->where))
			return werr_set(err, "%s: symbolic link that leads "
			    "outside %s", it->where, d->dir);
	}
	/* O_NONBLOCK: a FIFO must not hang the import. */
	d->fd = open(it->where, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (d->fd == -1)
		return werr_set(err, "%s: %s", it->where, strerror(errno));
	if (fstat(d->fd, &sb) == -1) {
		werr_set(err, "%s: %s", it->where, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode))
		return werr_set(err, "%s: not a regular file", it->where);
	return 1;
}

static int
ut1src_dir_next(struct ut1src_dir *d, struct ut1src_item *it,
    struct werr *err)
{
	int rc;

	if (d->fd != -1) {
		close(d->fd);
		d->fd = -1;
	}
	if (d->nextskip < d->nskips) {
		werr_set(err, "%s", d->skips[d->nextskip++]);
		return UT1SRC_SKIPPED;
	}
	while (d->next < d->nnames) {
		memcpy(it->category, d->names[d->next], UT1SRC_NAME_MAX);
		switch (d->step++) {
		case 0:
			it->kind = UT1SRC_CATEGORY;
			snprintf(it->where, sizeof(it->where), "%s/%s",
			    d->dir, it->category);
			return 1;
		case 1:
			it->kind = UT1SRC_DOMAINS;
			break;
		default:
			it->kind = UT1SRC_URLS;
			d->step = 0;
			d->next++;
			break;
		}
		if ((rc = ut1src_dir_open_list(d, it, err)) != 0)
			return rc;
	}
	return 0;
}

static ssize_t
ut1src_dir_read(struct ut1src_dir *d, void *buf, size_t len,
    struct werr *err)
{
	ssize_t n;

	if (d->fd == -1)
		return 0;
	do
		n = read(d->fd, buf, len);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return werr_set(err, "%s", strerror(errno));
	return n;
}

/* -------------------------------------------------------------- archive */

struct ut1src *
ut1src_open_archive_fd(int fd, const char *name, struct werr *err)
{
	struct ut1src *s;
	struct ut1src_arc *r;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		werr_set(err, "out of memory");
		return NULL;
	}
	r = &s->r;
	snprintf(r->name, sizeof(r->name), "%s", name);
	if ((r->a = archive_read_new()) == NULL) {
		werr_set(err, "out of memory");
		goto fail;
	}
	/* Archives only: a plain file is not taken for a one-file archive. */
	if (archive_read_support_filter_all(r->a) != ARCHIVE_OK ||
	    archive_read_support_format_all(r->a) != ARCHIVE_OK ||
	    archive_read_open_fd(r->a, fd, UT1SRC_ARCHIVE_BLOCK) !=
	    ARCHIVE_OK) {
		werr_set(err, "%s: %s", name, archive_error_string(r->a) !=
		    NULL ? archive_error_string(r->a) : "cannot read");
		goto fail;
	}
	return s;
fail:
	ut1src_close(s);
	return NULL;
}

/*
 * Splits a member's path: its components (without "." ones and a
 * leading "./"), refusing "..", absolute paths and empty names. 0 with
 * *n components in comp[] (pointers into buf), or -1 with why.
 */
static int
ut1src_split(const char *path, char *buf, size_t bufsz, const char **comp,
    size_t *n, const char **why)
{
	char *p, *save = NULL, *c;

	*n = 0;
	if (path[0] == '/') {
		*why = "absolute name";
		return -1;
	}
	if (strlen(path) >= bufsz) {
		*why = "name too long";
		return -1;
	}
	memcpy(buf, path, strlen(path) + 1);
	for (p = buf; (c = strtok_r(p, "/", &save)) != NULL; p = NULL) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			*why = "name with \"..\"";
			return -1;
		}
		if (*n == UT1SRC_MAX_DEPTH + 1) {
			*why = "too deep";
			return -1;
		}
		comp[(*n)++] = c;
	}
	if (*n == 0) {
		*why = "empty name";
		return -1;
	}
	return 0;
}

static int
ut1src_arc_next(struct ut1src_arc *r, struct ut1src_item *it,
    struct werr *err)
{
	struct archive_entry *e;
	const char *path, *comp[UT1SRC_MAX_DEPTH + 1], *why, *last;
	char buf[PATH_MAX], prefix[PATH_MAX];
	size_t n, i, len;
	mode_t type;
	int rc;

	r->in_list = false;
	for (;;) {
		rc = archive_read_next_header(r->a, &e);
		if (rc == ARCHIVE_EOF)
			return 0;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
			return werr_set(err, "%s: %s", r->name,
			    archive_error_string(r->a) != NULL ?
			    archive_error_string(r->a) : "cannot read");
		path = archive_entry_pathname(e);
		if (path == NULL)
			continue;
		snprintf(it->where, sizeof(it->where), "%s:%s", r->name, path);
		type = archive_entry_filetype(e);
		if (ut1src_split(path, buf, sizeof(buf), comp, &n,
		    &why) == -1) {
			werr_set(err, "%.200s: skipped: %s", it->where, why);
			return UT1SRC_SKIPPED;
		}
		last = comp[n - 1];
		if (strcmp(last, "domains") == 0)
			it->kind = UT1SRC_DOMAINS;
		else if (strcmp(last, "urls") == 0)
			it->kind = UT1SRC_URLS;
		else {
			/* Links are worth a word even when not lists. */
			if (type == AE_IFLNK || archive_entry_hardlink(e) !=
			    NULL) {
				werr_set(err, "%.200s: skipped: link",
				    it->where);
				return UT1SRC_SKIPPED;
			}
			continue;	/* directories, README, expressions */
		}
		if (n < 2) {
			werr_set(err, "%.200s: skipped: a list outside any "
			    "category directory", it->where);
			return UT1SRC_SKIPPED;
		}
		if (type != AE_IFREG || archive_entry_hardlink(e) != NULL) {
			werr_set(err, "%.200s: skipped: %s", it->where,
			    type == AE_IFLNK || archive_entry_hardlink(e) !=
			    NULL ? "link" : "not a regular file");
			return UT1SRC_SKIPPED;
		}
		/* The components before the category: its level's prefix. */
		prefix[0] = '\0';
		for (i = 0, len = 0; i + 2 < n; i++)
			len += (size_t)snprintf(prefix + len,
			    sizeof(prefix) - len, "%s/", comp[i]);
		if (!r->have_level) {
			r->have_level = true;
			r->depth = n;
			memcpy(r->prefix, prefix, strlen(prefix) + 1);
		} else if (n != r->depth || strcmp(prefix, r->prefix) != 0) {
			werr_set(err, "%.200s: skipped: not at the category "
			    "level (%sCATEGORY/%s)", it->where,
			    r->prefix, ut1src_kind_str(it->kind));
			return UT1SRC_SKIPPED;
		}
		len = strlen(comp[n - 2]);
		if (!ut1src_name_ok(comp[n - 2], len)) {
			werr_set(err, "%.200s: skipped: a category name is 1 "
			    "to 63 letters, digits, '_', '-' or '.'",
			    it->where);
			return UT1SRC_SKIPPED;
		}
		memcpy(it->category, comp[n - 2], len + 1);
		r->in_list = true;
		return 1;
	}
}

static ssize_t
ut1src_arc_read(struct ut1src_arc *r, void *buf, size_t len,
    struct werr *err)
{
	la_ssize_t n;

	if (!r->in_list)
		return 0;
	n = archive_read_data(r->a, buf, len);
	if (n < 0)
		return werr_set(err, "%s", archive_error_string(r->a) != NULL ?
		    archive_error_string(r->a) : "cannot read");
	if (n == 0)
		r->in_list = false;
	return n;
}

/* --------------------------------------------------------------- common */

int
ut1src_next(struct ut1src *s, struct ut1src_item *it, struct werr *err)
{
	if (s->is_dir)
		return ut1src_dir_next(&s->d, it, err);
	return ut1src_arc_next(&s->r, it, err);
}

ssize_t
ut1src_read(struct ut1src *s, void *buf, size_t len, struct werr *err)
{
	if (s->is_dir)
		return ut1src_dir_read(&s->d, buf, len, err);
	return ut1src_arc_read(&s->r, buf, len, err);
}

const char *
ut1src_name(const struct ut1src *s)
{
	return s->is_dir ? s->d.root : s->r.name;
}

void
ut1src_close(struct ut1src *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->is_dir) {
		if (s->d.fd != -1)
			close(s->d.fd);
		for (i = 0; i < s->d.nskips; i++)
			free(s->d.skips[i]);
		free(s->d.skips);
		free(s->d.names);
	} else if (s->r.a != NULL)
		archive_read_free(s->r.a);
	free(s);
}
