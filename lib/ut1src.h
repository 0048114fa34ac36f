#ifndef WARDEN_UT1SRC_H
#define WARDEN_UT1SRC_H

#include <sys/types.h>
#include <limits.h>
#include <stddef.h>

#include "attrib.h"
#include "werr.h"

/*
 * Where a category store import reads UT1 / SquidGuard lists from: a
 * directory (one sub-directory per category, each with optional
 * "domains" and "urls" files) or an archive that libarchive reads as a
 * stream (a .tar.gz such as UT1's blacklists.tar.gz, usually with a top
 * directory "blacklists/"). The import asks for one item after another
 * and reads each list's bytes; nothing is ever extracted to disk.
 */

#define UT1SRC_NAME_MAX		64	/* a category name, with NUL */
#define UT1SRC_WHERE_MAX	(PATH_MAX + 64)

enum ut1src_kind {
	UT1SRC_CATEGORY,	/* a category exists (maybe without lists) */
	UT1SRC_DOMAINS,		/* its "domains" list follows */
	UT1SRC_URLS,		/* its "urls" list follows */
};

const char	*ut1src_kind_str(enum ut1src_kind k);

/* One item: a category, or one of its lists, to be read next. */
struct ut1src_item {
	enum ut1src_kind	kind;
	char			category[UT1SRC_NAME_MAX];
	char			where[UT1SRC_WHERE_MAX];  /* for messages */
};

/* ut1src_next() said: an entry was skipped, err says which and why. */
#define UT1SRC_SKIPPED	2

struct ut1src;

/*
 * A directory source. Categories come in name order; sub-directories
 * with bad names and symbolic links leading outside dir (or nowhere) are
 * skipped (UT1SRC_SKIPPED); a list that is not a regular file inside dir
 * fails. NULL with err set when dir cannot be read or holds no category
 * directory. ut1src_close() it.
 */
struct ut1src	*ut1src_open_dir(const char *dir, struct werr *err)
		    WD_NONNULL(1) WD_WUR;

/*
 * An archive source reading fd (not closed by the source; it must stay
 * open until ut1src_close()), named name in messages. Any format and
 * compression libarchive knows. The category level is that of the first
 * "domains" or "urls" file: its parent directory is the category, and
 * lists at another depth or under another top directory are skipped, as
 * are names with "..", absolute names, links, devices and bad category
 * names (UT1SRC_SKIPPED). A corrupt or truncated archive fails.
 */
struct ut1src	*ut1src_open_archive_fd(int fd, const char *name,
		    struct werr *err) WD_NONNULL(2) WD_WUR;

/*
 * The next item into it: 1, 0 at the end, UT1SRC_SKIPPED with err
 * telling what was skipped (call again), or -1 with err set. A list's
 * bytes are read with ut1src_read() before the next call (unread bytes
 * are skipped).
 */
int		 ut1src_next(struct ut1src *s, struct ut1src_item *it,
		    struct werr *err) WD_NONNULL(1, 2, 3) WD_WUR;

/* Up to len bytes of the current list: the count, 0 at its end, -1. */
ssize_t		 ut1src_read(struct ut1src *s, void *buf, size_t len,
		    struct werr *err) WD_NONNULL(1, 2, 4) WD_WUR;

/* What the source reads, for the store's meta table. */
const char	*ut1src_name(const struct ut1src *s) WD_NONNULL(1);

void		 ut1src_close(struct ut1src *s);

#endif
