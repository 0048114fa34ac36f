#ifndef WARDEN_CATSTORE_H
#define WARDEN_CATSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "werr.h"

/*
 * The category store: an SQLite file (schema in db/categories.sql) that
 * maps domains and URL prefixes to categories, imported from UT1 /
 * SquidGuard blacklist directories. wardend opens one read-only handle per
 * worker (SQLite connections are not shared between threads); the import
 * builds a new file and renames it over the old one, so readers never see
 * half a store.
 */

#define CATSTORE_NAME_MAX	64	/* a category name, with NUL */
#define CATSTORE_MAX_MATCH	16	/* categories one lookup reports */

/* The categories a lookup found (names, each once, sorted). */
struct catset {
	size_t	n;
	char	name[CATSTORE_MAX_MATCH][CATSTORE_NAME_MAX];
};

struct catstore;

/*
 * Opens path read-only with its prepared statements and a host cache of
 * cache_entries (0: none; rounded down to a multiple of 4), which keeps
 * the hosts whose lookup asked SQLite before those the store's filter
 * answered. NULL with err set when the file is missing or is not a
 * category store (wrong schema version). One thread at a time may use a
 * handle; catstore_close() it.
 *
 * The store's lookup filter (db/categories.sql) is read into memory once
 * per file and process: handles on the same path and file share one copy
 * (refcounted; catstore_open() and catstore_close() may be called from
 * any thread). A store without one (an earlier import) is read without
 * it, said once at debug level; a damaged one is ignored, said once as
 * a warning. Neither fails the open, nor changes an answer.
 */
struct catstore	*catstore_open(const char *path, size_t cache_entries,
		    struct werr *err) WD_NONNULL(1) WD_WUR;
void		 catstore_close(struct catstore *cs);

/* Whether a handle has its store's lookup filter. */
enum catstore_filter {
	CATSTORE_FILTER_NONE,	/* the store has none, or of a later kind */
	CATSTORE_FILTER_ON,
	CATSTORE_FILTER_BAD,	/* present but damaged: ignored */
};

/* "none", "on", "bad": a static string. */
const char	*catstore_filter_str(enum catstore_filter f);

/* What a handle has done since it was opened. */
struct catstore_stats {
	uint64_t		lookups;	/* catstore_lookup() calls */
	uint64_t		queries;	/* SQLite statements they ran */
	uint64_t		filtered;	/* keys the filter ruled out */
	enum catstore_filter	filter;
	uint64_t		filter_keys;	/* in the filter (0: none) */
	size_t			filter_bytes;	/* its memory */
	unsigned		filter_shared;	/* handles using that copy */
};

/*
 * Fills st for cs. The thread using cs, or another while none does.
 */
void	catstore_stats(const struct catstore *cs, struct catstore_stats *st)
	    WD_NONNULL(1, 2);

/*
 * The categories of a request: every domain entry that is host or a
 * parent of it (a.b.example.com, b.example.com, example.com, com; an IP
 * address only as a whole), and every URL entry that is a prefix of key
 * at a '/' or '?' boundary (key is urlnorm_key() form, "host/path?q";
 * NULL for a CONNECT, where only the host is known). host is urlnorm_host()
 * form. 0 with out filled (out->n may be 0), or -1 with err set (also
 * when more than CATSTORE_MAX_MATCH categories match: a lookup never
 * drops one silently).
 */
int	catstore_lookup(struct catstore *cs, const char *host, const char *key,
	    struct catset *out, struct werr *err) WD_NONNULL(1, 2, 4) WD_WUR;

/*
 * A lookup asked for ahead, so that what it reads arrives from memory
 * while the caller does other work: catstore_ask() hashes host (and key)
 * and asks for the host's cache bucket; catstore_ask_next(), some time
 * later, looks at the bucket and asks for the host's slot if the cache
 * holds it, else for its filter blocks; catstore_lookup_asked() then
 * answers as catstore_lookup() would, without hashing again. host and
 * key must stay unchanged in between. The fields are catstore.c's.
 */
#define CATSTORE_ASK_CUTS	8
struct catstore_ask {
	const char	*host, *key;
	size_t		 hlen;
	bool		 ip;
	bool		 cached;		/* the cache may hold host */
	uint64_t	 cache;			/* the cache's hash of host */
	unsigned	 n;			/* suffixes hashed */
	uint64_t	 dom[CATSTORE_ASK_CUTS];	/* the filter's, from
						   the last label */
	size_t		 at[CATSTORE_ASK_CUTS];	/* where each starts */
	uint64_t	 auth;			/* key's authority's */
	size_t		 alen;
};

void	catstore_ask(struct catstore *cs, const char *host, const char *key,
	    struct catstore_ask *a) WD_NONNULL(1, 2, 4);
void	catstore_ask_next(struct catstore *cs, const struct catstore_ask *a)
	    WD_NONNULL(1, 2);
int	catstore_lookup_asked(struct catstore *cs, const struct catstore_ask *a,
	    struct catset *out, struct werr *err) WD_NONNULL(1, 2, 3) WD_WUR;

/* Every category name in the store, for checking a policy's names. */
int	catstore_categories(struct catstore *cs,
	    char (*names)[CATSTORE_NAME_MAX], size_t max, size_t *n,
	    struct werr *err) WD_NONNULL(1, 2, 4) WD_WUR;

struct catstore_import_stats {
	unsigned	categories;
	uint64_t	domains;	/* entries stored */
	uint64_t	urls;
	uint64_t	skipped;	/* invalid lines */
	uint64_t	duplicates;
	unsigned	skipped_categories;	/* bad names, bad links */
	uint64_t	lines;		/* lines read */
	bool		compared;	/* with a live store: these are set */
	uint64_t	added;		/* entries the live store lacked */
	uint64_t	removed;	/* live entries the new store lacks */
	unsigned	shrunk;		/* categories past max_shrink */
	unsigned	nreported;
	char		reported[5][256];	/* "FILE:LINE: why" */
};

struct ut1src;

/* How catstore_import() checks and reports; NULL: no checks. */
struct catstore_import_opts {
	/*
	 * A category of the live store that the new one shrinks by more
	 * than this fraction (0.5: to less than half its entries; gone:
	 * by 1) refuses the new store, unless force. >= 1: no check.
	 */
	double	max_shrink;
	bool	force;
	/* The store directory's lock from catstore_lock(), or -1. */
	int	lock_fd;
	/* Called now and then with the lines read so far, and at the end. */
	void	(*progress)(void *arg, uint64_t lines);
	void	*progress_arg;
};

/*
 * Builds a store at path from src (a directory or an archive, see
 * ut1src.h) as catstore_import_dir() does, then, when path exists,
 * compares the two: the entries added and removed (st), and the
 * opts->max_shrink rule. The new store replaces path only when every
 * check passed; otherwise path is untouched and PATH.new removed. Lines
 * that fail are counted and reported as for a directory; entries the
 * source skips (links, "..", bad names) are counted as skipped
 * categories. 0, or -1 with err set. src stays the caller's.
 */
int	catstore_import(struct ut1src *src, const char *path,
	    const struct catstore_import_opts *opts,
	    struct catstore_import_stats *st, struct werr *err)
	    WD_NONNULL(1, 2, 4) WD_WUR;

/*
 * Takes the lock an import takes (flock() on path's directory) for a
 * caller that must hold it for longer (a download before the import):
 * the locked directory's descriptor, to pass as opts->lock_fd and
 * close() afterwards, or -1 with err set (also when another holds it).
 */
int	catstore_lock(const char *path, struct werr *err) WD_NONNULL(1) WD_WUR;

/*
 * Builds a store at path from dir, laid out as UT1 / SquidGuard lists:
 * one sub-directory per category (its name is the category's name:
 * letters, digits, '_', '-', '.'), each with optional "domains" and
 * "urls" files, one entry per line, '#' comments and blank lines ignored.
 * Entries are normalised with urlnorm_domain_entry() / urlnorm_entry();
 * invalid lines (bad syntax, non-UTF-8, over 4 KiB) are skipped and
 * counted, the first few reported with file and line. Everything is
 * written to "PATH.new" in one transaction, with the indexes the lookups
 * use and the lookup filter of every entry, checked (PRAGMA
 * integrity_check), then renamed over path. On any
 * failure path is untouched and PATH.new removed. 0, or -1 with err set.
 * Failures include: dir unreadable or holding no category directory (an
 * empty download must not empty the store), a list that cannot be read
 * or is not a regular file inside dir. Sub-directories with bad names and
 * symbolic links leading outside dir or nowhere are skipped and reported
 * instead. Any thread; a second import into the same directory while one
 * runs fails at once (the directory is flock()ed).
 */
int	catstore_import_dir(const char *dir, const char *path,
	    struct catstore_import_stats *st, struct werr *err)
	    WD_NONNULL(1, 2, 3) WD_WUR;

/*
 * The memory an import sorts entries in (default, and 0: 32 MiB; at
 * least 64 KiB) before it writes them out to unnamed temporary files in
 * the store's directory, which then need about the size of the lists.
 * For small machines and tests; not while an import runs.
 */
void	catstore_import_set_sort_mem(size_t bytes);

/*
 * The schema the import writes (db/categories.sql is a copy of this
 * text). A static string; any thread.
 */
const char	*catstore_schema(void);

#endif
