#include <sys/file.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "catstore.h"
#include "fileio.h"
#include "log.h"
#include "urlnorm.h"
#include "ut1src.h"

#define CATSTORE_SCHEMA_VERSION	1
#define CATSTORE_APP_ID		1464091475	/* "WDCS" */
#define CATSTORE_MAX_CATEGORIES	4096
#define CATSTORE_LINE_MAX	4096		/* bytes, without the newline */
#define CATSTORE_STR(x)		#x
#define CATSTORE_XSTR(x)	CATSTORE_STR(x)
/* An entry may grow when urlnorm_entry() percent-encodes its bytes. */
#define CATSTORE_ENTRY_MAX	(3 * CATSTORE_LINE_MAX + URLNORM_HOST_MAX)
#define CATSTORE_READ_BUF	65536
/* A URL key is tried at this many '/' boundaries at most (the shallowest). */
#define CATSTORE_MAX_CUTS	64
/*
 * Slots a host may occupy in the cache (a bucket of them); the least
 * recently used goes.
 */
#define CATSTORE_CACHE_WAYS	4
/* The age a host that cost no query comes in with (see cache_admit). */
#define CATSTORE_CACHE_CHEAP	0x80000000u
#define CATSTORE_AUTH_MAX	(URLNORM_HOST_MAX + 8)	/* "host:port" */
/* Readers map the file: it never changes in place, only by rename. */
#define CATSTORE_MMAP_SIZE	"1073741824"
/* The build's page cache, in KiB: it only appends. */
#define CATSTORE_BUILD_CACHE	"-16384"

/*
 * The lookup filter (lookup_filter in the schema): a blocked Bloom
 * filter, each key setting CATSTORE_BLOOM_K of the 512 bits of one block
 * (a cache line), so that a probe costs one memory access. At 10 bits a
 * key it says "maybe" for about 0.96% of absent keys (k = 6 or 7 do
 * equally well; the 7 bit numbers, 9 bits each, come from one 64-bit
 * hash).
 */
#define CATSTORE_BLOOM_VERSION	1
#define CATSTORE_BLOOM_K	7
#define CATSTORE_BLOOM_K_MAX	7		/* 9 bits each from 64 */
#define CATSTORE_BLOOM_BITS	10		/* a key, at import */
#define CATSTORE_BLOOM_BLOCK	64		/* bytes */
#define CATSTORE_BLOOM_MAX	(1u << 22)	/* blocks: 256 MiB */
/* Keys an import has on the way to their block (fetched meanwhile). */
#define CATSTORE_BLOOM_AHEAD	8
/* Keys of each kind hash apart: a domain, a url, a url's authority. */
#define CATSTORE_KEY_DOMAIN	1u
#define CATSTORE_KEY_URL	2u
#define CATSTORE_KEY_AUTH	3u
#define CATSTORE_FNV_BASIS	14695981039346656037ULL
#define CATSTORE_FNV_PRIME	1099511628211ULL
#define CATSTORE_GOLDEN		0x9e3779b97f4a7c15ULL
/* Store files whose missing or damaged filter was already logged. */
#define CATSTORE_SAID		8

/*
 * The one copy of the schema: db/categories.sql is this text, byte for
 * byte, and test_catstore checks that it stays so.
 */
static const char catstore_schema_sql[] =
    "-- Warden category store, schema version 1 (SQLite 3).\n"
    "--\n"
    "-- warden-update builds it (catstore_import_dir() in lib/catstore.c)\n"
    "-- into a new file that is renamed over the old one; wardend opens it\n"
    "-- read-only. This file is a copy of the schema embedded in\n"
    "-- lib/catstore.c, and tests/unit/test_catstore.c fails when the two\n"
    "-- differ: change both.\n"
    "--\n"
    "-- Every lookup is an exact match on a primary key: the suffixes of\n"
    "-- a host (\"a.b.example.com\", \"b.example.com\", \"example.com\",\n"
    "-- \"com\") in domains, and a request key cut at its '/' boundaries\n"
    "-- (\"example.com/\", \"example.com/a\", \"example.com/a/b\",\n"
    "-- \"example.com/a/b?q\") in urls. WITHOUT ROWID makes each table a\n"
    "-- single B-tree keyed by what is looked up: one descent per probe,\n"
    "-- the text stored once, no separate index to build or to keep.\n"
    "-- Before any probe, lookup_filter says which keys cannot be there.\n"
    "\n"
    "PRAGMA application_id = 1464091475;\t-- \"WDCS\"\n"
    "\n"
    "-- schema_version (\"1\"), created (UTC, ISO 8601), source (the\n"
    "-- directory imported), and the counts categories, domains, urls.\n"
    "CREATE TABLE meta (\n"
    "\tkey\t\tTEXT PRIMARY KEY NOT NULL,\n"
    "\tvalue\t\tTEXT NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "\n"
    "-- One row per category directory; ids follow the names' byte order.\n"
    "CREATE TABLE categories (\n"
    "\tid\t\tINTEGER PRIMARY KEY,\n"
    "\tname\t\tTEXT UNIQUE NOT NULL\n"
    ");\n"
    "\n"
    "-- urlnorm_domain_entry() form: a host name, or an address.\n"
    "CREATE TABLE domains (\n"
    "\tdomain\t\tTEXT NOT NULL,\n"
    "\tcategory\tINTEGER NOT NULL REFERENCES categories (id),\n"
    "\tPRIMARY KEY (domain, category)\n"
    ") WITHOUT ROWID;\n"
    "\n"
    "-- urlnorm_entry() form: \"host[:port]/path?query\", without a\n"
    "-- trailing '/' except in a bare \"host/\".\n"
    "CREATE TABLE urls (\n"
    "\turl\t\tTEXT NOT NULL,\n"
    "\tcategory\tINTEGER NOT NULL REFERENCES categories (id),\n"
    "\tPRIMARY KEY (url, category)\n"
    ") WITHOUT ROWID;\n"
    "\n"
    "-- A filter of every key a lookup asks for: each domain, each url,\n"
    "-- and each url's authority (\"host[:port]\", the text before its first\n"
    "-- '/'), so that a host and request in no category (most of them) cost\n"
    "-- no B-tree descent. It may say \"maybe\" for a key that is absent\n"
    "-- (about 1% of them), never \"no\" for one that is there. Version 1 is\n"
    "-- a blocked Bloom filter: blocks of 64 bytes, a key sets \"hashes\"\n"
    "-- bits in one of them, hashed with seed as lib/catstore.c does\n"
    "-- (catstore_bloom_*). One row, written in the transaction that writes\n"
    "-- the entries, so a store and its filter always agree.\n"
    "--\n"
    "-- The table is optional, and schema_version stays 1 (readers that\n"
    "-- predate it ignore it): a store imported before it is read without\n"
    "-- the shortcut, and gets one when imported again (warden-update\n"
    "-- import or fetch build a new file every time). A row that is\n"
    "-- damaged (size, checksum, parameters) is ignored.\n"
    "CREATE TABLE lookup_filter (\n"
    "\tversion\t\tINTEGER NOT NULL,\n"
    "\thashes\t\tINTEGER NOT NULL,\t-- bits set by a key\n"
    "\tblocks\t\tINTEGER NOT NULL,\t-- of 64 bytes\n"
    "\tkeys\t\tINTEGER NOT NULL,\t-- distinct keys set\n"
    "\tseed\t\tINTEGER NOT NULL,\t-- random, one per import\n"
    "\tchecksum\tINTEGER NOT NULL,\t-- of bits, with seed\n"
    "\tbits\t\tBLOB NOT NULL\n"
    ");\n";

/* The two list files a category directory may hold. */
enum catstore_list {
	CATSTORE_LIST_DOMAINS,
	CATSTORE_LIST_URLS,
};

struct catstore_cat {
	sqlite3_int64	id;
	uint16_t	idx;		/* in cs->cats (name order) */
	char		name[CATSTORE_NAME_MAX];
};

/*
 * A host's domain matches, and whether any URL entry starts with the
 * authority ("host[:port]") of the last key seen for it: most hosts have
 * none, and then a lookup asks SQLite nothing at all.
 */
struct catstore_slot {
	uint16_t	ncat;
	int8_t		has_urls;	/* for auth; -1: not known */
	uint16_t	cat[CATSTORE_MAX_MATCH];	/* in cs->cats */
	char		host[URLNORM_HOST_MAX];
	char		auth[CATSTORE_AUTH_MAX];
};

/*
 * A bucket's ways, apart from the slots so that a host not in the cache
 * costs one read of 32 bytes, not one of each slot: a way's tag is bits
 * of the host's hash (never 0, which is an empty way), checked against
 * the slot's host when it agrees. used is the tick of its last use; the
 * ages (tick - used) stay right when the tick wraps.
 */
struct catstore_bucket {
	uint32_t	tag[CATSTORE_CACHE_WAYS];
	uint32_t	used[CATSTORE_CACHE_WAYS];
};

/* A way of a bucket, to be filled. */
struct catstore_way {
	struct catstore_bucket	*bucket;
	struct catstore_slot	*slot;
	uint32_t		 tag;
	unsigned		 way;
};

/*
 * A lookup filter: being built by an import, or read from a store and
 * shared (refs, under catstore_reg_lock) by the handles on that file.
 */
struct catstore_bloom {
	struct catstore_bloom	*next;		/* in catstore_reg */
	unsigned		 refs;
	char			*path;
	uint64_t		 seed;
	uint64_t		 checksum;
	uint64_t		 keys;
	uint32_t		 nblocks;
	unsigned		 k;
	unsigned char		*bits;		/* nblocks blocks */
};

struct catstore {
	sqlite3			*db;
	sqlite3_stmt		*q_domain;	/* categories of one domain */
	sqlite3_stmt		*q_url;		/* categories of one URL */
	sqlite3_stmt		*q_auth;	/* any URL for an authority? */
	struct catstore_cat	*cats;		/* name order */
	struct catstore_cat	*byid;		/* id order */
	size_t			 ncats;
	struct catstore_slot	*cache;		/* nbuckets * ways */
	struct catstore_bucket	*buckets;
	size_t			 nbuckets;
	unsigned		 ways;
	uint32_t		 tick;
	struct catstore_bloom	*bloom;		/* shared; NULL: none */
	enum catstore_filter	 filter;
	uint64_t		 nlookups;
	uint64_t		 nqueries;
	uint64_t		 nfiltered;
};

/*
 * The filters read, one per store file in use, whichever thread opened
 * it; and the files whose filter was found missing or bad, so that each
 * is said once.
 */
struct catstore_said {
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec	mtime;
};

static pthread_mutex_t catstore_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct catstore_bloom	*catstore_reg;
static struct catstore_said	 catstore_said[CATSTORE_SAID];
static unsigned			 catstore_nsaid;

/* The distinct categories one lookup has found so far. */
struct catstore_set {
	size_t		n;
	uint16_t	idx[CATSTORE_MAX_MATCH];
};

const char *
catstore_schema(void)
{
	return catstore_schema_sql;
}

const char *
catstore_filter_str(enum catstore_filter f)
{
	switch (f) {
	case CATSTORE_FILTER_NONE:
		return "none";
	case CATSTORE_FILTER_ON:
		return "on";
	case CATSTORE_FILTER_BAD:
		return "bad";
	}
	return "?";
}

/* --------------------------------------------------------------- filter */

/* splitmix64's finaliser: every bit of x moves every bit of the result. */
static uint64_t
catstore_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/*
 * A key's hash is FNV-1a over its bytes, started from the store's seed
 * and the kind of key, then mixed. A domain is hashed from its last byte
 * to its first, so that one pass over a host gives every parent's hash
 * on the way; a url from its first byte, so that one pass over a request
 * key gives every prefix's.
 */
static uint64_t
catstore_key_start(uint64_t seed, unsigned kind)
{
	return (CATSTORE_FNV_BASIS ^ seed) + kind * CATSTORE_GOLDEN;
}

static uint64_t
catstore_key_step(uint64_t h, unsigned char c)
{
	return (h ^ c) * CATSTORE_FNV_PRIME;
}

/* The hash of s[0..len-1], first byte first. */
static uint64_t
catstore_key_fwd(uint64_t seed, unsigned kind, const char *s, size_t len)
{
	uint64_t h = catstore_key_start(seed, kind);
	size_t i;

	for (i = 0; i < len; i++)
		h = catstore_key_step(h, (unsigned char)s[i]);
	return h;
}

/* The hash of domain s[0..len-1], last byte first. */
static uint64_t
catstore_key_domain(uint64_t seed, const char *s, size_t len)
{
	uint64_t h = catstore_key_start(seed, CATSTORE_KEY_DOMAIN);

	while (len > 0)
		h = catstore_key_step(h, (unsigned char)s[--len]);
	return h;
}

/*
 * The block a key's hash h falls in, and the bits it sets there (9 bits
 * of a second mix for each, so they do not follow the block's choice).
 */
static unsigned char *
catstore_bloom_block(const struct catstore_bloom *b, uint64_t h,
    uint64_t *bits)
{
	h = catstore_mix(h);
	*bits = catstore_mix(h ^ CATSTORE_GOLDEN);
	return b->bits + (size_t)(((h >> 32) * b->nblocks) >> 32) *
	    CATSTORE_BLOOM_BLOCK;
}

/* Sets the k bits g numbers in blk. */
static void
catstore_bloom_set(unsigned char *blk, uint64_t g, unsigned k)
{
	unsigned i, bit;

	for (i = 0; i < k; i++, g >>= 9) {
		bit = (unsigned)g & 511;
		blk[bit >> 3] |= (unsigned char)(1u << (bit & 7));
	}
}

/* Asks memory for the block of the key of hash h. */
static void
catstore_bloom_prefetch(const struct catstore_bloom *b, uint64_t h)
{
	uint64_t bits;

	__builtin_prefetch(catstore_bloom_block(b, h, &bits));
}

/* false: the key is not in the store; true: it may be. */
static bool
catstore_bloom_has(const struct catstore_bloom *b, uint64_t h)
{
	const unsigned char *blk;
	uint64_t g;
	unsigned i, bit;

	blk = catstore_bloom_block(b, h, &g);
	for (i = 0; i < b->k; i++, g >>= 9) {
		bit = (unsigned)g & 511;
		if ((blk[bit >> 3] & (1u << (bit & 7))) == 0)
			return false;
	}
	return true;
}

/* A checksum of the bits, read in little-endian words whatever the CPU. */
static uint64_t
catstore_bloom_sum(uint64_t seed, const unsigned char *p, size_t len)
{
	uint64_t h = seed ^ len, w;
	size_t i, j;

	for (i = 0; i + 8 <= len; i += 8) {
		w = 0;
		for (j = 0; j < 8; j++)
			w |= (uint64_t)p[i + j] << (8 * j);
		h = (h ^ w) * CATSTORE_GOLDEN;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = catstore_key_step(h, p[i]);
	return catstore_mix(h);
}

static void
catstore_bloom_free(struct catstore_bloom *b)
{
	if (b == NULL)
		return;
	free(b->path);
	free(b->bits);
	free(b);
}

/* ---------------------------------------------------------------- read */

static int
catstore_cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct catstore_cat *)a)->name,
	    ((const struct catstore_cat *)b)->name);
}

static int
catstore_cmp_id(const void *a, const void *b)
{
	sqlite3_int64 x = ((const struct catstore_cat *)a)->id;
	sqlite3_int64 y = ((const struct catstore_cat *)b)->id;

	return x < y ? -1 : x > y;
}

/* One value from a single-row query; 0, or -1 with err. */
static int
catstore_query_int(sqlite3 *db, const char *path, const char *sql,
    sqlite3_int64 *v, struct werr *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return werr_set(err, "%s: not a category store (%s)", path,
		    sqlite3_errmsg(db));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE) {
		werr_set(err, "%s: not a category store (%s)", path,
		    sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int
catstore_load_categories(struct catstore *cs, const char *path,
    struct werr *err)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 n;
	const unsigned char *name;
	size_t i;
	int rc, len;

	if (catstore_query_int(cs->db, path, "SELECT count(*) FROM categories",
	    &n, err) == -1)
		return -1;
	if (n < 0 || n > CATSTORE_MAX_CATEGORIES)
		return werr_set(err, "%s: %lld categories (at most %d)", path,
		    (long long)n, CATSTORE_MAX_CATEGORIES);
	cs->cats = calloc((size_t)n + 1, sizeof(*cs->cats));
	cs->byid = calloc((size_t)n + 1, sizeof(*cs->byid));
	if (cs->cats == NULL || cs->byid == NULL)
		return werr_set(err, "out of memory");
	if (sqlite3_prepare_v2(cs->db, "SELECT id, name FROM categories",
	    -1, &st, NULL) != SQLITE_OK)
		return werr_set(err, "%s: %s", path, sqlite3_errmsg(cs->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		name = sqlite3_column_text(st, 1);
		len = sqlite3_column_bytes(st, 1);
		if (cs->ncats == (size_t)n || name == NULL || len <= 0 ||
		    len >= CATSTORE_NAME_MAX) {
			sqlite3_finalize(st);
			return werr_set(err, "%s: bad category row", path);
		}
		cs->cats[cs->ncats].id = sqlite3_column_int64(st, 0);
		memcpy(cs->cats[cs->ncats].name, name, (size_t)len);
		cs->ncats++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return werr_set(err, "%s: %s", path, sqlite3_errmsg(cs->db));
	qsort(cs->cats, cs->ncats, sizeof(*cs->cats), catstore_cmp_name);
	for (i = 0; i < cs->ncats; i++)
		cs->cats[i].idx = (uint16_t)i;
	memcpy(cs->byid, cs->cats, cs->ncats * sizeof(*cs->cats));
	qsort(cs->byid, cs->ncats, sizeof(*cs->byid), catstore_cmp_id);
	return 0;
}

static int
catstore_prepare(struct catstore *cs, const char *path, const char *sql,
    sqlite3_stmt **st, struct werr *err)
{
	if (sqlite3_prepare_v3(cs->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	    NULL) != SQLITE_OK)
		return werr_set(err, "%s: not a category store (%s)", path,
		    sqlite3_errmsg(cs->db));
	return 0;
}

/*
 * Whether the store file sb describes is yet to be said about (it is
 * then marked said). The identity is stat()'s, taken before the open: a
 * rename in between costs a line more or less, never an answer. Under
 * catstore_reg_lock.
 */
static bool
catstore_said_once(const struct stat *sb)
{
	struct catstore_said *s;
	unsigned i;

	for (i = 0; i < CATSTORE_SAID && i < catstore_nsaid; i++) {
		s = &catstore_said[i];
		if (s->dev == sb->st_dev && s->ino == sb->st_ino &&
		    s->size == sb->st_size &&
		    s->mtime.tv_sec == sb->st_mtim.tv_sec &&
		    s->mtime.tv_nsec == sb->st_mtim.tv_nsec)
			return false;
	}
	s = &catstore_said[catstore_nsaid++ % CATSTORE_SAID];
	s->dev = sb->st_dev;
	s->ino = sb->st_ino;
	s->size = sb->st_size;
	s->mtime = sb->st_mtim;
	return true;
}

/*
 * Reads the filter's row but its bits into h: CATSTORE_FILTER_ON when
 * this Warden can use it, NONE when there is none (or of another
 * version), BAD when it is damaged; why says what for the last two.
 */
static enum catstore_filter
catstore_filter_header(struct catstore *cs, const char *path,
    struct catstore_bloom *h, char *why, size_t whysz)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 version, hashes, blocks, keys, len;
	const unsigned char *type;
	enum catstore_filter rc = CATSTORE_FILTER_BAD;
	struct werr err;

	if (catstore_query_int(cs->db, path, "SELECT count(*) FROM "
	    "sqlite_master WHERE type = 'table' AND name = 'lookup_filter'",
	    &len, &err) == -1) {
		snprintf(why, whysz, "%s", err.msg);
		return CATSTORE_FILTER_BAD;
	}
	if (len == 0) {
		snprintf(why, whysz, "no lookup filter (imported by an "
		    "earlier Warden)");
		return CATSTORE_FILTER_NONE;
	}
	if (sqlite3_prepare_v2(cs->db, "SELECT version, hashes, blocks, keys, "
	    "seed, checksum, typeof(bits), length(bits) FROM lookup_filter "
	    "LIMIT 2", -1, &st, NULL) != SQLITE_OK) {
		snprintf(why, whysz, "%s", sqlite3_errmsg(cs->db));
		return CATSTORE_FILTER_BAD;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(why, whysz, "no row");
		goto done;
	}
	version = sqlite3_column_int64(st, 0);
	hashes = sqlite3_column_int64(st, 1);
	blocks = sqlite3_column_int64(st, 2);
	keys = sqlite3_column_int64(st, 3);
	type = sqlite3_column_text(st, 6);
	len = sqlite3_column_int64(st, 7);
	if (version != CATSTORE_BLOOM_VERSION) {
		snprintf(why, whysz, "lookup filter version %lld, this Warden "
		    "reads %d", (long long)version, CATSTORE_BLOOM_VERSION);
		rc = CATSTORE_FILTER_NONE;
		goto done;
	}
	if (hashes < 1 || hashes > CATSTORE_BLOOM_K_MAX || blocks < 1 ||
	    blocks > CATSTORE_BLOOM_MAX || keys < 0) {
		snprintf(why, whysz, "bad parameters: %lld hashes, %lld "
		    "blocks, %lld keys", (long long)hashes, (long long)blocks,
		    (long long)keys);
		goto done;
	}
	if (type == NULL || strcmp((const char *)type, "blob") != 0 ||
	    len != blocks * CATSTORE_BLOOM_BLOCK) {
		snprintf(why, whysz, "%lld bytes of %s for %lld blocks",
		    (long long)len, type != NULL ? (const char *)type : "?",
		    (long long)blocks);
		goto done;
	}
	h->k = (unsigned)hashes;
	h->nblocks = (uint32_t)blocks;
	h->keys = (uint64_t)keys;
	h->seed = (uint64_t)sqlite3_column_int64(st, 4);
	h->checksum = (uint64_t)sqlite3_column_int64(st, 5);
	if (sqlite3_step(st) != SQLITE_DONE) {
		snprintf(why, whysz, "more than one row");
		goto done;
	}
	rc = CATSTORE_FILTER_ON;
done:
	sqlite3_finalize(st);
	return rc;
}

/* Reads the bits of the filter h describes: a new one, or NULL and why. */
static struct catstore_bloom *
catstore_filter_load(struct catstore *cs, const char *path,
    const struct catstore_bloom *h, char *why, size_t whysz)
{
	struct catstore_bloom *b;
	sqlite3_stmt *st = NULL;
	const void *p;
	size_t len;

	len = (size_t)h->nblocks * CATSTORE_BLOOM_BLOCK;
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->path = strdup(path)) == NULL ||
	    (b->bits = aligned_alloc(CATSTORE_BLOOM_BLOCK, len)) == NULL) {
		snprintf(why, whysz, "out of memory for %zu bytes", len);
		goto fail;
	}
	b->seed = h->seed;
	b->checksum = h->checksum;
	b->keys = h->keys;
	b->nblocks = h->nblocks;
	b->k = h->k;
	if (sqlite3_prepare_v2(cs->db, "SELECT bits FROM lookup_filter", -1,
	    &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
	    (p = sqlite3_column_blob(st, 0)) == NULL) {
		snprintf(why, whysz, "%s", sqlite3_errmsg(cs->db));
		goto fail;
	}
	if ((size_t)sqlite3_column_bytes(st, 0) != len) {
		snprintf(why, whysz, "size changed");
		goto fail;
	}
	memcpy(b->bits, p, len);
	sqlite3_finalize(st);
	st = NULL;
	if (catstore_bloom_sum(b->seed, b->bits, len) != b->checksum) {
		snprintf(why, whysz, "checksum mismatch");
		goto fail;
	}
	return b;
fail:
	sqlite3_finalize(st);
	catstore_bloom_free(b);
	return NULL;
}

/*
 * Gives cs its store's filter: the copy another handle on the same path
 * and filter (same seed, checksum and size: the same import) already
 * read, or a new one. The identity is the filter's own, read through
 * cs's connection, not the path's stat(): warden-update may rename
 * another file over path between the two. sb (stat() of path before the
 * open) only keeps the messages to one a file.
 */
static void
catstore_filter_attach(struct catstore *cs, const char *path,
    const struct stat *sb)
{
	struct catstore_bloom h, *b;
	char why[320];

	memset(&h, 0, sizeof(h));
	why[0] = '\0';
	pthread_mutex_lock(&catstore_reg_lock);
	cs->filter = catstore_filter_header(cs, path, &h, why, sizeof(why));
	if (cs->filter == CATSTORE_FILTER_ON) {
		for (b = catstore_reg; b != NULL; b = b->next)
			if (b->seed == h.seed && b->checksum == h.checksum &&
			    b->nblocks == h.nblocks && b->k == h.k &&
			    b->keys == h.keys && strcmp(b->path, path) == 0)
				break;
		if (b == NULL && (b = catstore_filter_load(cs, path, &h, why,
		    sizeof(why))) != NULL) {
			b->next = catstore_reg;
			catstore_reg = b;
		}
		if (b != NULL) {
			b->refs++;
			cs->bloom = b;
		} else
			cs->filter = CATSTORE_FILTER_BAD;
	}
	if (cs->filter == CATSTORE_FILTER_BAD && catstore_said_once(sb))
		log_warnx("category store %s: lookup filter ignored (%s): "
		    "lookups ask SQLite for every key; import the lists "
		    "again", path, why);
	else if (cs->filter == CATSTORE_FILTER_NONE && catstore_said_once(sb))
		log_debug("category store %s: %s: lookups ask SQLite for "
		    "every key", path, why);
	pthread_mutex_unlock(&catstore_reg_lock);
}

static void
catstore_filter_release(struct catstore_bloom *b)
{
	struct catstore_bloom **pp;

	if (b == NULL)
		return;
	pthread_mutex_lock(&catstore_reg_lock);
	if (--b->refs == 0) {
		for (pp = &catstore_reg; *pp != NULL; pp = &(*pp)->next)
			if (*pp == b) {
				*pp = b->next;
				break;
			}
		catstore_bloom_free(b);
	}
	pthread_mutex_unlock(&catstore_reg_lock);
}

struct catstore *
catstore_open(const char *path, size_t cache_entries, struct werr *err)
{
	struct catstore *cs;
	struct stat sb;
	sqlite3_int64 v;

	if (stat(path, &sb) == -1) {
		werr_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		werr_set(err, "%s: not a regular file", path);
		return NULL;
	}
	if ((cs = calloc(1, sizeof(*cs))) == NULL) {
		werr_set(err, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &cs->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		werr_set(err, "%s: %s", path, cs->db == NULL ? "out of memory" :
		    sqlite3_errmsg(cs->db));
		goto fail;
	}
	/*
	 * The file is replaced by rename, never written in place: a reader
	 * takes its shared lock once and keeps it (no lock calls and no
	 * change-counter check per statement), and may map the file.
	 */
	if (sqlite3_exec(cs->db, "PRAGMA locking_mode = EXCLUSIVE; "
	    "PRAGMA query_only = 1; PRAGMA mmap_size = " CATSTORE_MMAP_SIZE,
	    NULL, NULL, NULL) != SQLITE_OK) {
		werr_set(err, "%s: %s", path, sqlite3_errmsg(cs->db));
		goto fail;
	}
	if (catstore_query_int(cs->db, path, "PRAGMA application_id", &v,
	    err) == -1)
		goto fail;
	if (v != CATSTORE_APP_ID) {
		werr_set(err, "%s: not a category store", path);
		goto fail;
	}
	if (catstore_query_int(cs->db, path, "SELECT CAST(value AS INTEGER) "
	    "FROM meta WHERE key = 'schema_version'", &v, err) == -1)
		goto fail;
	if (v != CATSTORE_SCHEMA_VERSION) {
		werr_set(err, "%s: category store schema version %lld, this "
		    "Warden reads %d (import the lists again)", path,
		    (long long)v, CATSTORE_SCHEMA_VERSION);
		goto fail;
	}
	if (catstore_prepare(cs, path, "SELECT category FROM domains "
	    "WHERE domain = ?1", &cs->q_domain, err) == -1 ||
	    catstore_prepare(cs, path, "SELECT category FROM urls "
	    "WHERE url = ?1", &cs->q_url, err) == -1 ||
	    catstore_prepare(cs, path, "SELECT 1 FROM urls "
	    "WHERE url >= ?1 AND url < ?2 LIMIT 1", &cs->q_auth, err) == -1)
		goto fail;
	if (catstore_load_categories(cs, path, err) == -1)
		goto fail;
	catstore_filter_attach(cs, path, &sb);
	if (cache_entries > 0) {
		cs->ways = cache_entries < CATSTORE_CACHE_WAYS ?
		    (unsigned)cache_entries : CATSTORE_CACHE_WAYS;
		cs->nbuckets = cache_entries / cs->ways;
		cs->cache = calloc(cs->nbuckets * cs->ways,
		    sizeof(*cs->cache));
		cs->buckets = calloc(cs->nbuckets, sizeof(*cs->buckets));
		if (cs->cache == NULL || cs->buckets == NULL) {
			werr_set(err, "out of memory for %zu cache entries",
			    cache_entries);
			goto fail;
		}
	}
	return cs;
fail:
	catstore_close(cs);
	return NULL;
}

void
catstore_close(struct catstore *cs)
{
	if (cs == NULL)
		return;
	sqlite3_finalize(cs->q_domain);
	sqlite3_finalize(cs->q_url);
	sqlite3_finalize(cs->q_auth);
	sqlite3_close(cs->db);
	catstore_filter_release(cs->bloom);
	free(cs->cats);
	free(cs->byid);
	free(cs->cache);
	free(cs->buckets);
	free(cs);
}

void
catstore_stats(const struct catstore *cs, struct catstore_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->lookups = cs->nlookups;
	st->queries = cs->nqueries;
	st->filtered = cs->nfiltered;
	st->filter = cs->filter;
	if (cs->bloom == NULL)
		return;
	st->filter_keys = cs->bloom->keys;
	st->filter_bytes = (size_t)cs->bloom->nblocks * CATSTORE_BLOOM_BLOCK;
	pthread_mutex_lock(&catstore_reg_lock);
	st->filter_shared = cs->bloom->refs;
	pthread_mutex_unlock(&catstore_reg_lock);
}

static int
catstore_set_add(struct catstore *cs, struct catstore_set *set,
    sqlite3_int64 id, struct werr *err)
{
	struct catstore_cat key, *c;
	size_t i;

	key.id = id;
	c = bsearch(&key, cs->byid, cs->ncats, sizeof(*cs->byid),
	    catstore_cmp_id);
	if (c == NULL)
		return werr_set(err, "category store: entry with unknown "
		    "category id %lld", (long long)id);
	for (i = 0; i < set->n; i++)
		if (set->idx[i] == c->idx)
			return 0;
	if (set->n == CATSTORE_MAX_MATCH)
		return werr_set(err, "category store: more than %d categories "
		    "match", CATSTORE_MAX_MATCH);
	set->idx[set->n++] = c->idx;
	return 0;
}

/* Adds the categories of s[0..len-1] as st finds them (1 bound text). */
static int
catstore_probe(struct catstore *cs, sqlite3_stmt *st, const char *s,
    size_t len, struct catstore_set *set, struct werr *err)
{
	int rc;

	if (len > INT_MAX)
		return werr_set(err, "category store: key too long");
	cs->nqueries++;
	if (sqlite3_bind_text(st, 1, s, (int)len, SQLITE_STATIC) != SQLITE_OK)
		return werr_set(err, "category store: %s",
		    sqlite3_errmsg(cs->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (catstore_set_add(cs, set, sqlite3_column_int64(st, 0),
		    err) == -1) {
			sqlite3_reset(st);
			return -1;
		}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return werr_set(err, "category store: %s",
		    sqlite3_errmsg(cs->db));
	return 0;
}

/*
 * urlnorm_host() writes an IPv4 address as a dotted quad and an IPv6
 * address with colons; no host name has either a colon or an all-digit
 * top label.
 */
static bool
catstore_is_ip(const char *host)
{
	const char *p;

	if (strchr(host, ':') != NULL)
		return true;
	p = strrchr(host, '.');
	p = p == NULL ? host : p + 1;
	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* Whether the key of hash h may be in the store: false spares a query. */
static bool
catstore_maybe(struct catstore *cs, uint64_t h)
{
	if (catstore_bloom_has(cs->bloom, h))
		return true;
	cs->nfiltered++;
	return false;
}

/*
 * The next domain to look up of host[0..*i): hashing the host backwards
 * from h ("c", then "b.c", then "a.b.c"; an address only whole), each
 * parent's hash comes on the way. false when none is left.
 */
static bool
catstore_next_cut(uint64_t *h, const char *host, size_t *i, bool ip)
{
	while (*i > 0) {
		--*i;
		*h = catstore_key_step(*h, (unsigned char)host[*i]);
		if (*i == 0 || (!ip && host[*i - 1] == '.'))
			return true;
	}
	return false;
}

/* Adds the categories of domain host[at..] if the filter says it may. */
static int
catstore_probe_cut(struct catstore *cs, const struct catstore_ask *a,
    uint64_t h, size_t at, struct catstore_set *set, struct werr *err)
{
	if (!catstore_maybe(cs, h))
		return 0;
	return catstore_probe(cs, cs->q_domain, a->host + at, a->hlen - at,
	    set, err);
}

/*
 * host, then each parent: "a.b.c", "b.c", "c"; an address only whole.
 * With a filter, from the last, with the hashes catstore_ask() made
 * (the order of the queries changes nothing in the answer): only those
 * the filter says the store may hold are asked for.
 */
static int
catstore_domains(struct catstore *cs, const struct catstore_ask *a,
    struct catstore_set *set, struct werr *err)
{
	const char *p = a->host;
	uint64_t h;
	size_t i;
	unsigned k;

	if (cs->bloom != NULL && a->hlen > 0) {
		for (k = 0; k < a->n; k++)
			if (catstore_probe_cut(cs, a, a->dom[k], a->at[k], set,
			    err) == -1)
				return -1;
		if (a->n < CATSTORE_ASK_CUTS)
			return 0;
		/* More parents than the ask holds: the others from here. */
		h = a->dom[a->n - 1];
		i = a->at[a->n - 1];
		while (catstore_next_cut(&h, a->host, &i, a->ip))
			if (catstore_probe_cut(cs, a, h, i, set, err) == -1)
				return -1;
		return 0;
	}
	for (;;) {
		if (catstore_probe(cs, cs->q_domain, p, strlen(p), set,
		    err) == -1)
			return -1;
		if (a->ip || (p = strchr(p, '.')) == NULL || *++p == '\0')
			return 0;
	}
}

/*
 * Whether any URL entry starts with "auth/" (the filter may know it has
 * none). 1, 0, or -1 with err.
 */
static int
catstore_auth_has_urls(struct catstore *cs, const struct catstore_ask *a,
    struct werr *err)
{
	char lo[CATSTORE_AUTH_MAX + 1], hi[CATSTORE_AUTH_MAX + 1];
	const char *auth = a->key;
	size_t alen = a->alen;
	int rc;

	if (cs->bloom != NULL && !catstore_maybe(cs, a->auth))
		return 0;
	if (alen >= CATSTORE_AUTH_MAX)
		return 1;	/* not worth asking: probe the candidates */
	cs->nqueries++;
	memcpy(lo, auth, alen);
	memcpy(hi, auth, alen);
	lo[alen] = '/';
	hi[alen] = '/' + 1;
	if (sqlite3_bind_text(cs->q_auth, 1, lo, (int)alen + 1,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(cs->q_auth, 2, hi, (int)alen + 1,
	    SQLITE_STATIC) != SQLITE_OK)
		return werr_set(err, "category store: %s",
		    sqlite3_errmsg(cs->db));
	rc = sqlite3_step(cs->q_auth);
	sqlite3_reset(cs->q_auth);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return werr_set(err, "category store: %s", sqlite3_errmsg(cs->db));
}

/* A request key's prefixes, hashed as far as the last one asked for. */
struct catstore_prefix {
	const char	*key;
	size_t		 at;		/* bytes hashed */
	uint64_t	 h;
};

/* Adds the categories of the URL entry key[0..len-1], if it may be one. */
static int
catstore_probe_url(struct catstore *cs, struct catstore_prefix *pf,
    size_t len, struct catstore_set *set, struct werr *err)
{
	if (cs->bloom != NULL) {
		if (len < pf->at) {	/* never so far: the cuts grow */
			pf->at = 0;
			pf->h = catstore_key_start(cs->bloom->seed,
			    CATSTORE_KEY_URL);
		}
		for (; pf->at < len; pf->at++)
			pf->h = catstore_key_step(pf->h,
			    (unsigned char)pf->key[pf->at]);
		if (!catstore_maybe(cs, pf->h))
			return 0;
	}
	return catstore_probe(cs, cs->q_url, pf->key, len, set, err);
}

/*
 * The URL entries that are key or a prefix of it ending at a '/' of the
 * path: "h/" (the whole site), "h/a", "h/a/b", then the path without and
 * with its query. Entries never end in '/' (but "h/"), so a cut before
 * each '/' is all there is to try. Only the first CATSTORE_MAX_CUTS
 * boundaries are tried: adding segments cannot hide a shallower entry.
 * The cuts only grow, so one pass hashes them all for the filter.
 */
static int
catstore_urls(struct catstore *cs, const struct catstore_ask *a,
    struct catstore_slot *slot, struct catstore_set *set, struct werr *err)
{
	struct catstore_prefix pf;
	const char *key = a->key, *slash, *q, *p, *end;
	size_t alen = a->alen, klen, plen;
	unsigned cuts;
	int has = -1;

	klen = strlen(key);
	slash = alen < klen ? key + alen : NULL;
	if (slot != NULL && slot->has_urls != -1 &&
	    strncmp(slot->auth, key, alen) == 0 && slot->auth[alen] == '\0')
		has = slot->has_urls;
	if (has == -1) {
		if ((has = catstore_auth_has_urls(cs, a, err)) == -1)
			return -1;
		if (slot != NULL && alen < sizeof(slot->auth)) {
			memcpy(slot->auth, key, alen);
			slot->auth[alen] = '\0';
			slot->has_urls = (int8_t)has;
		}
	}
	if (has == 0)
		return 0;
	pf.key = key;
	pf.at = 0;
	pf.h = cs->bloom != NULL ? catstore_key_start(cs->bloom->seed,
	    CATSTORE_KEY_URL) : 0;
	if (slash == NULL)
		return catstore_probe_url(cs, &pf, klen, set, err);

	q = strchr(slash, '?');
	plen = q != NULL ? (size_t)(q - key) : klen;
	if (catstore_probe_url(cs, &pf, alen + 1, set, err) == -1)
		return -1;
	end = key + plen;
	p = slash + 1;
	for (cuts = 0; cuts < CATSTORE_MAX_CUTS && p < end; cuts++) {
		if ((p = memchr(p, '/', (size_t)(end - p))) == NULL)
			break;
		if (catstore_probe_url(cs, &pf, (size_t)(p - key), set,
		    err) == -1)
			return -1;
		p++;
	}
	if (plen > alen + 1 && catstore_probe_url(cs, &pf, plen, set,
	    err) == -1)
		return -1;
	if (q != NULL && catstore_probe_url(cs, &pf, klen, set, err) == -1)
		return -1;
	return 0;
}

/* FNV-1a. */
static uint64_t
catstore_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The bucket of a's host, and the tag its way has. */
static size_t
catstore_bucket_of(const struct catstore *cs, const struct catstore_ask *a,
    uint32_t *tag)
{
	*tag = (uint32_t)(a->cache >> 32) | 1;
	/* As catstore_bloom_block(): a multiply, where % is a division. */
	return (size_t)(((a->cache & 0xffffffffu) * cs->nbuckets) >> 32);
}

/*
 * The slot holding host, or NULL with *victim set to the way it would
 * take (an empty one, or the least recently used of the host's bucket):
 * catstore_cache_admit() says whether it does.
 */
static struct catstore_slot *
catstore_cache_find(struct catstore *cs, const struct catstore_ask *a,
    struct catstore_way *victim)
{
	const char *host = a->host;
	struct catstore_bucket *bk;
	struct catstore_slot *s;
	uint32_t tag, tick;
	size_t b;
	unsigned i, old = 0;

	b = catstore_bucket_of(cs, a, &tag);
	bk = &cs->buckets[b];
	tick = ++cs->tick;
	for (i = 0; i < cs->ways; i++) {
		if (bk->tag[i] == tag) {
			s = &cs->cache[b * cs->ways + i];
			if (strcmp(s->host, host) == 0) {
				bk->used[i] = tick;
				return s;
			}
		}
		if (bk->tag[old] == 0)
			continue;	/* an empty way: that one */
		if (bk->tag[i] == 0 ||
		    tick - bk->used[i] > tick - bk->used[old])
			old = i;
	}
	victim->bucket = bk;
	victim->way = old;
	victim->tag = tag;
	victim->slot = &cs->cache[b * cs->ways + old];
	return NULL;
}

/*
 * Whether the host missed goes in the victim's way, which it then takes.
 * A host that cost a query does. One that did not (the filter ruled it
 * out, as fast as the cache would) only takes an empty way or another
 * such host's, and comes in as the least recently used: a stream of new
 * hosts passes through one way of a bucket and leaves the hosts that
 * cost a query in the others. Once found again it is used like any.
 */
static bool
catstore_cache_admit(struct catstore *cs, const struct catstore_way *v,
    bool asked)
{
	struct catstore_bucket *bk = v->bucket;

	if (!asked && bk->tag[v->way] != 0 &&
	    cs->tick - bk->used[v->way] < CATSTORE_CACHE_CHEAP)
		return false;
	bk->tag[v->way] = v->tag;
	bk->used[v->way] = asked ? cs->tick : cs->tick - CATSTORE_CACHE_CHEAP;
	return true;
}

static int
catstore_cmp_idx(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

void
catstore_ask(struct catstore *cs, const char *host, const char *key,
    struct catstore_ask *a)
{
	const char *slash;
	uint64_t h;
	uint32_t tag;
	size_t i;

	a->host = host;
	a->key = key;
	a->hlen = strlen(host);
	a->ip = catstore_is_ip(host);
	a->n = 0;
	if (key != NULL) {
		slash = strchr(key, '/');
		a->alen = slash != NULL ? (size_t)(slash - key) : strlen(key);
	}
	if (cs->bloom != NULL) {
		h = catstore_key_start(cs->bloom->seed, CATSTORE_KEY_DOMAIN);
		for (i = a->hlen; a->n < CATSTORE_ASK_CUTS &&
		    catstore_next_cut(&h, host, &i, a->ip); a->n++) {
			a->dom[a->n] = h;
			a->at[a->n] = i;
		}
		if (key != NULL)
			a->auth = catstore_key_fwd(cs->bloom->seed,
			    CATSTORE_KEY_AUTH, key, a->alen);
	}
	a->cached = cs->nbuckets > 0 && a->hlen < sizeof(((struct
	    catstore_slot *)NULL)->host);
	if (a->cached) {
		/*
		 * The filter's hash of the whole host when its walk got there
		 * (a host of CATSTORE_ASK_CUTS labels or fewer), mixed, as
		 * its low bits pick the bucket: the same for the same host
		 * either way.
		 */
		a->cache = a->n > 0 && a->at[a->n - 1] == 0 ?
		    catstore_mix(a->dom[a->n - 1]) : catstore_hash(host);
		__builtin_prefetch(&cs->buckets[catstore_bucket_of(cs, a,
		    &tag)]);
	}
}

void
catstore_ask_next(struct catstore *cs, const struct catstore_ask *a)
{
	const struct catstore_bucket *bk;
	const struct catstore_slot *s;
	uint32_t tag;
	size_t b;
	unsigned i, k;

	if (a->cached) {
		b = catstore_bucket_of(cs, a, &tag);
		bk = &cs->buckets[b];
		for (i = 0; i < cs->ways; i++)
			if (bk->tag[i] == tag) {
				/* What catstore_cache_find() compares. */
				s = &cs->cache[b * cs->ways + i];
				__builtin_prefetch(s->host);
				__builtin_prefetch(s->auth);
				return;
			}
	}
	if (cs->bloom == NULL)
		return;
	for (k = 0; k < a->n; k++)
		catstore_bloom_prefetch(cs->bloom, a->dom[k]);
	if (a->key != NULL)
		catstore_bloom_prefetch(cs->bloom, a->auth);
}

int
catstore_lookup(struct catstore *cs, const char *host, const char *key,
    struct catset *out, struct werr *err)
{
	struct catstore_ask a;

	catstore_ask(cs, host, key, &a);
	return catstore_lookup_asked(cs, &a, out, err);
}

int
catstore_lookup_asked(struct catstore *cs, const struct catstore_ask *a,
    struct catset *out, struct werr *err)
{
	struct catstore_set set;
	struct catstore_slot *slot = NULL, fresh;
	struct catstore_way victim = { NULL, NULL, 0, 0 };
	uint64_t asked = cs->nqueries;
	size_t i;

	out->n = 0;
	set.n = 0;
	cs->nlookups++;
	if (a->cached)
		slot = catstore_cache_find(cs, a, &victim);
	if (slot != NULL) {
		set.n = slot->ncat;
		memcpy(set.idx, slot->cat, set.n * sizeof(set.idx[0]));
	} else {
		if (catstore_domains(cs, a, &set, err) == -1)
			return -1;
		slot = &fresh;
		fresh.ncat = (uint16_t)set.n;
		memcpy(fresh.cat, set.idx, set.n * sizeof(set.idx[0]));
		fresh.has_urls = -1;
		fresh.auth[0] = '\0';
	}
	if (a->key != NULL && catstore_urls(cs, a, slot, &set, err) == -1)
		return -1;
	if (slot == &fresh && victim.slot != NULL &&
	    catstore_cache_admit(cs, &victim, cs->nqueries != asked)) {
		slot = victim.slot;
		memcpy(slot->host, a->host, a->hlen + 1);
		slot->ncat = fresh.ncat;
		memcpy(slot->cat, fresh.cat, fresh.ncat * sizeof(slot->cat[0]));
		slot->has_urls = fresh.has_urls;
		memcpy(slot->auth, fresh.auth, strlen(fresh.auth) + 1);
	}

	/* cs->cats is in name order, so sorting indexes sorts names. */
	qsort(set.idx, set.n, sizeof(set.idx[0]), catstore_cmp_idx);
	for (i = 0; i < set.n; i++)
		memcpy(out->name[i], cs->cats[set.idx[i]].name,
		    CATSTORE_NAME_MAX);
	out->n = set.n;
	return 0;
}

int
catstore_categories(struct catstore *cs, char (*names)[CATSTORE_NAME_MAX],
    size_t max, size_t *n, struct werr *err)
{
	size_t i;

	*n = 0;
	if (cs->ncats > max)
		return werr_set(err, "category store: %zu categories, room "
		    "for %zu", cs->ncats, max);
	for (i = 0; i < cs->ncats; i++)
		memcpy(names[i], cs->cats[i].name, CATSTORE_NAME_MAX);
	*n = cs->ncats;
	return 0;
}

/* ------------------------------------------------------------ sorting */

/*
 * The import sorts every entry before it reaches SQLite: inserting keys
 * in order appends to the B-trees, where inserting millions in list order
 * would touch a random page each, and SQLite's own sorter is several
 * times slower than this one. Memory stays bounded: records fill a fixed
 * buffer, which is sorted and written out as a run when full; the runs
 * are then merged. A record is kind (1 byte), category (2, big-endian),
 * length (2, big-endian) and the entry's bytes, in memory and in runs.
 */
#define CATSTORE_SORT_MEM	(32u << 20)	/* bytes of records per run */
#define CATSTORE_SORT_MEM_MIN	(64u << 10)
#define CATSTORE_SORT_RUNS	512		/* so 16 GiB of entries */
#define CATSTORE_REC_HDR	5
#define CATSTORE_REC_MAX	(CATSTORE_REC_HDR + CATSTORE_ENTRY_MAX)
#define CATSTORE_RUN_BUF	(128 * 1024)	/* > CATSTORE_REC_MAX */

struct catstore_run {
	int			 fd;
	size_t			 pos, len;
	bool			 eof;
	const unsigned char	*cur;		/* next record; NULL: done */
	unsigned char		*buf;		/* CATSTORE_RUN_BUF bytes */
};

/*
 * A record in memory, with the kind and first 7 bytes of its entry as a
 * big-endian number: comparing those orders most pairs (entries hold no
 * NUL, so the zero padding of a short one sorts as memcmp() does).
 */
struct catstore_sortkey {
	uint64_t		 key;
	const unsigned char	*rec;
};

struct catstore_sorter {
	const char		*tmpdir;	/* where runs are written */
	unsigned char		*mem;		/* memsz bytes */
	size_t			 memsz;
	size_t			 used;
	struct catstore_sortkey	*rec;		/* records in mem */
	size_t			 nrec, reccap;
	unsigned char		*wbuf;		/* CATSTORE_RUN_BUF bytes */
	struct catstore_run	*runs;
	size_t			 nruns;
	size_t			*heap;		/* runs, smallest first */
	size_t			 nheap;
	bool			 advance;	/* the top's record went out */
	size_t			 next;		/* in rec, when no run */
};

static size_t
catstore_rec_len(const unsigned char *r)
{
	return (size_t)r[3] << 8 | r[4];
}

static unsigned
catstore_rec_cat(const unsigned char *r)
{
	return (unsigned)r[1] << 8 | r[2];
}

/* The tables' order: kind, then the entry as SQLite's BINARY, then id. */
static int
catstore_rec_cmp(const unsigned char *a, const unsigned char *b)
{
	size_t la, lb;
	int c;

	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	la = catstore_rec_len(a);
	lb = catstore_rec_len(b);
	c = memcmp(a + CATSTORE_REC_HDR, b + CATSTORE_REC_HDR,
	    la < lb ? la : lb);
	if (c != 0)
		return c;
	if (la != lb)
		return la < lb ? -1 : 1;
	return (int)catstore_rec_cat(a) - (int)catstore_rec_cat(b);
}

static int
catstore_rec_qcmp(const void *a, const void *b)
{
	const struct catstore_sortkey *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return catstore_rec_cmp(x->rec, y->rec);
}

/* Set before an import starts; read by the import. */
static size_t catstore_sort_mem = CATSTORE_SORT_MEM;

void
catstore_import_set_sort_mem(size_t bytes)
{
	if (bytes == 0)
		bytes = CATSTORE_SORT_MEM;
	if (bytes < CATSTORE_SORT_MEM_MIN)
		bytes = CATSTORE_SORT_MEM_MIN;
	catstore_sort_mem = bytes;
}

static int
catstore_sorter_init(struct catstore_sorter *s, const char *tmpdir,
    struct werr *err)
{
	memset(s, 0, sizeof(*s));
	s->tmpdir = tmpdir;
	s->memsz = catstore_sort_mem;
	/* A run ends when either is full; pages are touched only as used. */
	s->reccap = s->memsz / sizeof(*s->rec);
	s->mem = malloc(s->memsz);
	s->rec = malloc(s->reccap * sizeof(*s->rec));
	s->wbuf = malloc(CATSTORE_RUN_BUF);
	s->runs = calloc(CATSTORE_SORT_RUNS, sizeof(*s->runs));
	if (s->mem == NULL || s->rec == NULL || s->wbuf == NULL ||
	    s->runs == NULL)
		return werr_set(err, "out of memory");
	return 0;
}

static void
catstore_sorter_free(struct catstore_sorter *s)
{
	size_t i;

	for (i = 0; i < s->nruns; i++) {
		close(s->runs[i].fd);
		free(s->runs[i].buf);
	}
	free(s->runs);
	free(s->heap);
	free(s->mem);
	free(s->rec);
	free(s->wbuf);
	memset(s, 0, sizeof(*s));
}

/* An unnamed file beside the store: it vanishes when closed or killed. */
static int
catstore_tmpfile(const char *dir, struct werr *err)
{
	char p[PATH_MAX];
	int fd, n;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1)
		return fd;
	/* A file system without O_TMPFILE: a named one, unlinked at once. */
	n = snprintf(p, sizeof(p), "%s/.catstore-sort.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(p))
		return werr_set(err, "%s: path too long", dir);
	if ((fd = mkostemp(p, O_CLOEXEC)) == -1)
		return werr_set(err, "cannot create a sort file in %s: %s",
		    dir, strerror(errno));
	unlink(p);
	return fd;
}

/* Sorts what is in memory and writes it out as a run. */
static int
catstore_sorter_spill(struct catstore_sorter *s, struct werr *err)
{
	struct catstore_run *r;
	size_t i, n, w = 0;

	if (s->nruns == CATSTORE_SORT_RUNS)
		return werr_set(err, "too many entries to sort (more than "
		    "%d runs of %zu KiB)", CATSTORE_SORT_RUNS,
		    s->memsz >> 10);
	qsort(s->rec, s->nrec, sizeof(*s->rec), catstore_rec_qcmp);
	r = &s->runs[s->nruns];
	if ((r->fd = catstore_tmpfile(s->tmpdir, err)) == -1)
		return -1;
	s->nruns++;
	for (i = 0; i < s->nrec; i++) {
		n = CATSTORE_REC_HDR + catstore_rec_len(s->rec[i].rec);
		if (w + n > CATSTORE_RUN_BUF) {
			if (fileio_write_all(r->fd, s->wbuf, w) == -1)
				goto fail;
			w = 0;
		}
		memcpy(s->wbuf + w, s->rec[i].rec, n);
		w += n;
	}
	if (fileio_write_all(r->fd, s->wbuf, w) == -1 ||
	    lseek(r->fd, 0, SEEK_SET) == -1)
		goto fail;
	s->used = 0;
	s->nrec = 0;
	return 0;
fail:
	return werr_set(err, "cannot write a sort file in %s: %s", s->tmpdir,
	    strerror(errno));
}

static int
catstore_sorter_add(struct catstore_sorter *s, enum catstore_list l,
    unsigned cat, const char *e, size_t len, struct werr *err)
{
	unsigned char *r;
	uint64_t key;
	size_t i;

	if (len > CATSTORE_ENTRY_MAX || cat > 0xffff)
		return werr_set(err, "entry too long to sort");
	if ((s->used + CATSTORE_REC_HDR + len > s->memsz ||
	    s->nrec == s->reccap) && catstore_sorter_spill(s, err) == -1)
		return -1;
	r = s->mem + s->used;
	r[0] = (unsigned char)l;
	r[1] = (unsigned char)(cat >> 8);
	r[2] = (unsigned char)cat;
	r[3] = (unsigned char)(len >> 8);
	r[4] = (unsigned char)len;
	memcpy(r + CATSTORE_REC_HDR, e, len);
	key = (uint64_t)l;
	for (i = 0; i < 7; i++)
		key = key << 8 | (i < len ? (unsigned char)e[i] : 0);
	s->rec[s->nrec].key = key;
	s->rec[s->nrec++].rec = r;
	s->used += CATSTORE_REC_HDR + len;
	return 0;
}

/* Moves r->cur to the run's next record (NULL at its end). 0, or -1. */
static int
catstore_run_next(struct catstore_run *r)
{
	size_t avail;
	ssize_t n;

	if (r->cur != NULL)
		r->pos += CATSTORE_REC_HDR + catstore_rec_len(r->cur);
	r->cur = NULL;
	for (;;) {
		avail = r->len - r->pos;
		if (avail >= CATSTORE_REC_HDR && avail >= CATSTORE_REC_HDR +
		    catstore_rec_len(r->buf + r->pos)) {
			r->cur = r->buf + r->pos;
			return 0;
		}
		if (r->eof) {
			if (avail == 0)
				return 0;
			errno = EIO;	/* a record cut short */
			return -1;
		}
		memmove(r->buf, r->buf + r->pos, avail);
		r->pos = 0;
		r->len = avail;
		n = read(r->fd, r->buf + r->len, CATSTORE_RUN_BUF - r->len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		r->eof = n == 0;
		r->len += (size_t)n;
	}
}

static bool
catstore_heap_less(struct catstore_sorter *s, size_t a, size_t b)
{
	return catstore_rec_cmp(s->runs[s->heap[a]].cur,
	    s->runs[s->heap[b]].cur) < 0;
}

static void
catstore_heap_down(struct catstore_sorter *s, size_t i)
{
	size_t c, t;

	for (;;) {
		c = 2 * i + 1;
		if (c >= s->nheap)
			return;
		if (c + 1 < s->nheap && catstore_heap_less(s, c + 1, c))
			c++;
		if (!catstore_heap_less(s, c, i))
			return;
		t = s->heap[c];
		s->heap[c] = s->heap[i];
		s->heap[i] = t;
		i = c;
	}
}

/* Once everything was added: ready to hand the records out in order. */
static int
catstore_sorter_start(struct catstore_sorter *s, struct werr *err)
{
	struct catstore_run *r;
	size_t i;

	if (s->nruns == 0) {
		qsort(s->rec, s->nrec, sizeof(*s->rec), catstore_rec_qcmp);
		s->next = 0;
		return 0;
	}
	if (s->nrec > 0 && catstore_sorter_spill(s, err) == -1)
		return -1;
	/* The record buffer is no longer needed. */
	free(s->mem);
	free(s->rec);
	s->mem = NULL;
	s->rec = NULL;
	if ((s->heap = calloc(s->nruns, sizeof(*s->heap))) == NULL)
		return werr_set(err, "out of memory");
	for (i = 0; i < s->nruns; i++) {
		r = &s->runs[i];
		if ((r->buf = malloc(CATSTORE_RUN_BUF)) == NULL)
			return werr_set(err, "out of memory");
		if (catstore_run_next(r) == -1)
			return werr_set(err, "cannot read a sort file: %s",
			    strerror(errno));
		if (r->cur != NULL)
			s->heap[s->nheap++] = i;
	}
	for (i = s->nheap; i-- > 0; )
		catstore_heap_down(s, i);
	return 0;
}

/* The next record, valid until the next call: 1, 0 at the end, -1. */
static int
catstore_sorter_next(struct catstore_sorter *s, const unsigned char **rec,
    struct werr *err)
{
	struct catstore_run *r;

	if (s->nruns == 0) {
		if (s->next == s->nrec)
			return 0;
		*rec = s->rec[s->next++].rec;
		return 1;
	}
	/* The top's record went out last time: move that run on. */
	if (s->advance && s->nheap > 0) {
		r = &s->runs[s->heap[0]];
		if (catstore_run_next(r) == -1)
			return werr_set(err, "cannot read a sort file: %s",
			    strerror(errno));
		if (r->cur == NULL)
			s->heap[0] = s->heap[--s->nheap];
		catstore_heap_down(s, 0);
	}
	s->advance = false;
	if (s->nheap == 0)
		return 0;
	*rec = s->runs[s->heap[0]].cur;
	s->advance = true;
	return 1;
}

/* -------------------------------------------------------------- import */

/*
 * Categories get a build id (their index + 1 in names[]) in the order the
 * source shows them; the store's ids follow the names' order, so the feed
 * maps one to the other (idmap) once every name is known.
 */
struct catstore_build {
	struct ut1src			*src;
	const struct catstore_import_opts *opts;
	const char			*path;		/* the live store */
	const char			*newpath;
	struct catstore_import_stats	*st;
	sqlite3				*db;
	sqlite3_stmt			*ins_cat;
	char				(*names)[CATSTORE_NAME_MAX];
	size_t				 nnames, names_cap;
	uint16_t			*idmap;		/* build id - 1 -> id */
	uint64_t			*counts;	/* by build id - 1 */
	struct catstore_sorter		 sort;
	uint64_t			 nsorted[2];	/* by list kind */
	struct catstore_bloom		 bloom;		/* being filled */
	uint64_t			 last[3];	/* hash, by key kind */
	bool				 any[3];	/* last[] is set */
	struct {
		unsigned char	*blk;
		uint64_t	 bits;
	}				 ahead[CATSTORE_BLOOM_AHEAD];
	size_t				 nahead;	/* keys, all told */
	const unsigned char		*pending;	/* sorted, not fed */
	unsigned char			 prev[CATSTORE_REC_MAX]; /* fed last */
	size_t				 prevlen;
	struct werr			 feed_err;

	/* The list being read. */
	size_t				 pos, len;
	bool				 eof;
	char				 buf[CATSTORE_READ_BUF];
	char				 line[CATSTORE_LINE_MAX + 2];
	char				 entry[CATSTORE_ENTRY_MAX];
};

/* Keeps the first few problems, control bytes shown as '?'. */
static void WD_PRINTF(2, 3)
catstore_report(struct catstore_import_stats *st, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (st->nreported >= WD_NELEM(st->reported))
		return;
	p = st->reported[st->nreported++];
	va_start(ap, fmt);
	vsnprintf(p, sizeof(st->reported[0]), fmt, ap);
	va_end(ap);
	for (; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static int
catstore_build_err(struct catstore_build *b, struct werr *err)
{
	return werr_set(err, "%s: %s", b->newpath, sqlite3_errmsg(b->db));
}

static int
catstore_exec(struct catstore_build *b, const char *sql, struct werr *err)
{
	if (sqlite3_exec(b->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return catstore_build_err(b, err);
	return 0;
}

static int
catstore_build_open(struct catstore_build *b, struct werr *err)
{
	int rc;

	rc = sqlite3_open_v2(b->newpath, &b->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (b->db == NULL)
			return werr_set(err, "out of memory");
		return werr_set(err, "%s: %s (%s)", b->newpath,
		    sqlite3_errmsg(b->db),
		    strerror(sqlite3_system_errno(b->db)));
	}
	/* Nobody reads the file before the rename: no journal, no syncs. */
	if (catstore_exec(b, "PRAGMA journal_mode = OFF; "
	    "PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE; "
	    "PRAGMA cache_size = " CATSTORE_BUILD_CACHE, err) == -1)
		return -1;
	if (catstore_exec(b, "BEGIN", err) == -1 ||
	    catstore_exec(b, catstore_schema_sql, err) == -1)
		return -1;
	if (sqlite3_prepare_v2(b->db, "INSERT INTO categories (id, name) "
	    "VALUES (?1, ?2)", -1, &b->ins_cat, NULL) != SQLITE_OK)
		return catstore_build_err(b, err);
	return 0;
}

static int
catstore_step_done(struct catstore_build *b, sqlite3_stmt *st,
    struct werr *err)
{
	int rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return catstore_build_err(b, err);
	return 0;
}

/*
 * The next line into b->line (without its newline), at most
 * CATSTORE_LINE_MAX + 1 bytes kept; *cut says it was longer. 1 with a
 * line, 0 at the end of the list, -1 on a read error (err set).
 */
static int
catstore_read_line(struct catstore_build *b, size_t *len, bool *cut,
    struct werr *err)
{
	const char *nl;
	size_t chunk, room;
	ssize_t n;
	bool any = false;

	*len = 0;
	*cut = false;
	for (;;) {
		if (b->pos == b->len) {
			if (b->eof)
				return any ? 1 : 0;
			n = ut1src_read(b->src, b->buf, sizeof(b->buf), err);
			if (n == -1)
				return -1;
			b->pos = 0;
			b->len = (size_t)n;
			b->eof = n == 0;
			continue;
		}
		any = true;
		nl = memchr(b->buf + b->pos, '\n', b->len - b->pos);
		chunk = (nl != NULL ? (size_t)(nl - b->buf) : b->len) - b->pos;
		room = sizeof(b->line) - 1 - *len;
		if (chunk > room) {
			*cut = true;
			chunk = room;
		}
		memcpy(b->line + *len, b->buf + b->pos, chunk);
		*len += chunk;
		if (nl != NULL) {
			b->pos = (size_t)(nl - b->buf) + 1;
			return 1;
		}
		b->pos = b->len;
	}
}

/* RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF. */
static bool
catstore_utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t c;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			c &= 0x07;
		} else
			return false;
		if (len - i - 1 < n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static bool
catstore_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Counts a skipped line and reports it: "FILE:LINE: why". Returns 0. */
static int
catstore_skip(struct catstore_build *b, const char *file, uint64_t lineno,
    const char *why)
{
	b->st->skipped++;
	catstore_report(b->st, "%s:%llu: %s", file,
	    (unsigned long long)lineno, why);
	return 0;
}

/*
 * One line of a list (cut: longer than the buffer): 1 stored, 0 blank
 * or skipped, -1 failure.
 */
static int
catstore_entry(struct catstore_build *b, enum catstore_list l,
    unsigned id, const char *file, uint64_t lineno, size_t len,
    bool cut, struct werr *err)
{
	struct werr nerr;
	char *s = b->line, *hash;
	int rc;

	/* A comment may run past the buffer: what was cut was comment. */
	if ((hash = memchr(s, '#', len)) != NULL) {
		len = (size_t)(hash - s);
		cut = false;
	}
	while (len > 0 && catstore_space(s[len - 1]))
		len--;
	while (len > 0 && catstore_space(*s)) {
		s++;
		len--;
	}
	if (cut || len > CATSTORE_LINE_MAX)
		return catstore_skip(b, file, lineno, "line longer than "
		    CATSTORE_XSTR(CATSTORE_LINE_MAX) " bytes");
	if (len == 0)
		return 0;
	if (memchr(s, '\0', len) != NULL)
		return catstore_skip(b, file, lineno, "NUL byte");
	if (!catstore_utf8_ok((const unsigned char *)s, len))
		return catstore_skip(b, file, lineno, "not UTF-8");
	nerr.msg[0] = '\0';
	if (l == CATSTORE_LIST_DOMAINS)
		rc = urlnorm_domain_entry(s, len, b->entry, sizeof(b->entry),
		    &nerr);
	else
		rc = urlnorm_entry(s, len, b->entry, sizeof(b->entry), &nerr);
	if (rc == -1)
		return catstore_skip(b, file, lineno, nerr.msg);
	if (catstore_sorter_add(&b->sort, l, id, b->entry,
	    strlen(b->entry), err) == -1)
		return -1;
	b->nsorted[l]++;
	return 1;
}

/*
 * Reads the list the source is at, its lines going to the sorter under
 * the category's build id.
 */
static int
catstore_read_list(struct catstore_build *b, const struct ut1src_item *it,
    unsigned id, struct werr *err)
{
	enum catstore_list l;
	uint64_t lineno = 0;
	size_t len;
	bool cut;
	int n;

	l = it->kind == UT1SRC_DOMAINS ? CATSTORE_LIST_DOMAINS :
	    CATSTORE_LIST_URLS;
	b->pos = b->len = 0;
	b->eof = false;
	while ((n = catstore_read_line(b, &len, &cut, err)) == 1) {
		if (catstore_entry(b, l, id, it->where, ++lineno, len, cut,
		    err) == -1)
			return -1;
		if ((++b->st->lines & 0xffff) == 0 && b->opts->progress != NULL)
			b->opts->progress(b->opts->progress_arg, b->st->lines);
	}
	if (n == -1) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		return werr_set(err, "%s: %s", it->where, why);
	}
	return 0;
}

static int
catstore_meta(struct catstore_build *b, const char *key, const char *value,
    struct werr *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(b->db, "INSERT INTO meta (key, value) "
	    "VALUES (?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return catstore_build_err(b, err);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = catstore_step_done(b, st, err);
	sqlite3_finalize(st);
	return rc;
}

/*
 * Sizes the filter for what went to the sorter: at least
 * CATSTORE_BLOOM_BITS a key (duplicates and URLs sharing an authority
 * make it more), under a new random seed.
 */
static int
catstore_bloom_start(struct catstore_build *b, struct werr *err)
{
	struct catstore_bloom *f = &b->bloom;
	uint64_t keys, blocks;

	keys = b->nsorted[CATSTORE_LIST_DOMAINS] +
	    2 * b->nsorted[CATSTORE_LIST_URLS];
	blocks = (keys * CATSTORE_BLOOM_BITS + CATSTORE_BLOOM_BLOCK * 8 - 1) /
	    (CATSTORE_BLOOM_BLOCK * 8);
	if (blocks < 1)
		blocks = 1;
	if (blocks > CATSTORE_BLOOM_MAX)
		blocks = CATSTORE_BLOOM_MAX;
	f->nblocks = (uint32_t)blocks;
	f->k = CATSTORE_BLOOM_K;
	f->keys = 0;
	sqlite3_randomness(sizeof(f->seed), &f->seed);
	f->bits = calloc(f->nblocks, CATSTORE_BLOOM_BLOCK);
	if (f->bits == NULL)
		return werr_set(err, "out of memory for the lookup filter "
		    "(%zu bytes)", (size_t)f->nblocks * CATSTORE_BLOOM_BLOCK);
	return 0;
}

/*
 * Adds a key of the kind unless it is the one added last (the entries
 * come sorted, so a domain in several categories, and URLs under one
 * authority, are neighbours). An equal hash sets the same bits: skipping
 * it loses nothing. The keys come in no order of block: each block is
 * fetched ahead and its bits set CATSTORE_BLOOM_AHEAD keys later, not
 * to wait for memory at each (that wait was a tenth of an import).
 */
static void
catstore_bloom_key(struct catstore_build *b, unsigned kind, uint64_t h)
{
	size_t i;

	if (b->any[kind - 1] && b->last[kind - 1] == h)
		return;
	b->any[kind - 1] = true;
	b->last[kind - 1] = h;
	i = b->nahead++ % CATSTORE_BLOOM_AHEAD;
	if (b->nahead > CATSTORE_BLOOM_AHEAD)
		catstore_bloom_set(b->ahead[i].blk, b->ahead[i].bits,
		    b->bloom.k);
	b->ahead[i].blk = catstore_bloom_block(&b->bloom, h,
	    &b->ahead[i].bits);
	__builtin_prefetch(b->ahead[i].blk, 1);
	b->bloom.keys++;
}

/* The keys a lookup may ask for record r: see the schema. */
static void
catstore_bloom_feed(struct catstore_build *b, const unsigned char *r)
{
	const char *e = (const char *)r + CATSTORE_REC_HDR;
	const char *slash;
	uint64_t seed = b->bloom.seed;
	size_t len;

	len = catstore_rec_len(r);
	if (r[0] == CATSTORE_LIST_DOMAINS) {
		catstore_bloom_key(b, CATSTORE_KEY_DOMAIN,
		    catstore_key_domain(seed, e, len));
		return;
	}
	catstore_bloom_key(b, CATSTORE_KEY_URL,
	    catstore_key_fwd(seed, CATSTORE_KEY_URL, e, len));
	slash = memchr(e, '/', len);
	catstore_bloom_key(b, CATSTORE_KEY_AUTH, catstore_key_fwd(seed,
	    CATSTORE_KEY_AUTH, e, slash != NULL ? (size_t)(slash - e) : len));
}

/* Writes the filter, in the transaction that wrote the entries. */
static int
catstore_bloom_store(struct catstore_build *b, struct werr *err)
{
	struct catstore_bloom *f = &b->bloom;
	sqlite3_stmt *st = NULL;
	size_t i, len;
	int rc;

	/* The keys still on the way. */
	for (i = 0; i < b->nahead && i < CATSTORE_BLOOM_AHEAD; i++)
		catstore_bloom_set(b->ahead[i].blk, b->ahead[i].bits, f->k);
	len = (size_t)f->nblocks * CATSTORE_BLOOM_BLOCK;
	f->checksum = catstore_bloom_sum(f->seed, f->bits, len);
	if (sqlite3_prepare_v2(b->db, "INSERT INTO lookup_filter (version, "
	    "hashes, blocks, keys, seed, checksum, bits) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7)", -1, &st, NULL) != SQLITE_OK)
		return catstore_build_err(b, err);
	if (sqlite3_bind_int(st, 1, CATSTORE_BLOOM_VERSION) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, (int)f->k) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, f->nblocks) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, (sqlite3_int64)f->keys) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, (sqlite3_int64)f->seed) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, (sqlite3_int64)f->checksum) !=
	    SQLITE_OK ||
	    sqlite3_bind_blob64(st, 7, f->bits, len, SQLITE_STATIC) !=
	    SQLITE_OK) {
		rc = catstore_build_err(b, err);
		sqlite3_finalize(st);
		return rc;
	}
	rc = catstore_step_done(b, st, err);
	sqlite3_finalize(st);
	return rc;
}

/*
 * The sorted records reach SQLite through a virtual table, so that each
 * table is filled by one INSERT ... SELECT instead of a statement per
 * entry (several times faster). "catstore_feed(KIND)" yields the entries
 * of one kind, each distinct (entry, category) once: equal records are
 * neighbours now, so a duplicate is one that equals the one before.
 */
struct catstore_feed_vtab {
	sqlite3_vtab		 base;
	struct catstore_build	*b;
};

struct catstore_feed_cur {
	sqlite3_vtab_cursor	 base;
	struct catstore_build	*b;
	int			 kind;
	bool			 eof;
	sqlite3_int64		 rowid;
};

static int
catstore_feed_connect(sqlite3 *db, void *aux, int argc,
    const char *const *argv, sqlite3_vtab **vt, char **errmsg)
{
	struct catstore_feed_vtab *v;
	int rc;

	(void)argc;
	(void)argv;
	(void)errmsg;
	rc = sqlite3_declare_vtab(db, "CREATE TABLE x (entry TEXT, "
	    "category INTEGER, kind HIDDEN)");
	if (rc != SQLITE_OK)
		return rc;
	if ((v = sqlite3_malloc(sizeof(*v))) == NULL)
		return SQLITE_NOMEM;
	memset(v, 0, sizeof(*v));
	v->b = aux;
	*vt = &v->base;
	return SQLITE_OK;
}

static int
catstore_feed_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* Only "kind = ?" can be answered. */
static int
catstore_feed_best_index(sqlite3_vtab *vt, sqlite3_index_info *ii)
{
	int i;

	(void)vt;
	for (i = 0; i < ii->nConstraint; i++)
		if (ii->aConstraint[i].usable &&
		    ii->aConstraint[i].iColumn == 2 &&
		    ii->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_EQ) {
			ii->aConstraintUsage[i].argvIndex = 1;
			ii->aConstraintUsage[i].omit = 1;
			ii->estimatedCost = 1;
			return SQLITE_OK;
		}
	return SQLITE_CONSTRAINT;
}

static int
catstore_feed_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **cur)
{
	struct catstore_feed_cur *c;

	if ((c = sqlite3_malloc(sizeof(*c))) == NULL)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->b = ((struct catstore_feed_vtab *)vt)->b;
	c->eof = true;
	*cur = &c->base;
	return SQLITE_OK;
}

static int
catstore_feed_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

/* The next distinct record of c->kind into b->prev, or c->eof. */
static int
catstore_feed_next(sqlite3_vtab_cursor *cur)
{
	struct catstore_feed_cur *c = (struct catstore_feed_cur *)cur;
	struct catstore_build *b = c->b;
	const unsigned char *r = NULL;
	size_t n;
	int rc;

	for (;;) {
		if (b->pending == NULL) {
			rc = catstore_sorter_next(&b->sort, &r, &b->feed_err);
			if (rc == -1) {
				sqlite3_free(cur->pVtab->zErrMsg);
				cur->pVtab->zErrMsg = sqlite3_mprintf("%s",
				    b->feed_err.msg);
				return SQLITE_ERROR;
			}
			if (rc == 0) {
				c->eof = true;
				return SQLITE_OK;
			}
			b->pending = r;
		}
		r = b->pending;
		if (r[0] > c->kind) {
			/* The next kind's first: keep it for its INSERT. */
			c->eof = true;
			return SQLITE_OK;
		}
		b->pending = NULL;
		if (r[0] < c->kind)
			continue;
		n = CATSTORE_REC_HDR + catstore_rec_len(r);
		if (n == b->prevlen && memcmp(r, b->prev, n) == 0) {
			b->st->duplicates++;
			continue;
		}
		memcpy(b->prev, r, n);
		b->prevlen = n;
		catstore_bloom_feed(b, r);
		b->counts[catstore_rec_cat(r) - 1]++;
		if (r[0] == CATSTORE_LIST_DOMAINS)
			b->st->domains++;
		else
			b->st->urls++;
		c->eof = false;
		c->rowid++;
		return SQLITE_OK;
	}
}

static int
catstore_feed_filter(sqlite3_vtab_cursor *cur, int idxnum,
    const char *idxstr, int argc, sqlite3_value **argv)
{
	struct catstore_feed_cur *c = (struct catstore_feed_cur *)cur;

	(void)idxnum;
	(void)idxstr;
	if (argc != 1)
		return SQLITE_ERROR;
	c->kind = sqlite3_value_int(argv[0]);
	c->rowid = 0;
	return catstore_feed_next(cur);
}

static int
catstore_feed_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct catstore_feed_cur *)cur)->eof;
}

static int
catstore_feed_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i)
{
	struct catstore_feed_cur *c = (struct catstore_feed_cur *)cur;
	const unsigned char *r = c->b->prev;

	switch (i) {
	case 0:
		/* Copied: b->prev changes at the next row. */
		sqlite3_result_text(ctx, (const char *)r + CATSTORE_REC_HDR,
		    (int)catstore_rec_len(r), SQLITE_TRANSIENT);
		break;
	case 1:
		sqlite3_result_int(ctx,
		    (int)c->b->idmap[catstore_rec_cat(r) - 1]);
		break;
	default:
		sqlite3_result_int(ctx, c->kind);
		break;
	}
	return SQLITE_OK;
}

static int
catstore_feed_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = ((struct catstore_feed_cur *)cur)->rowid;
	return SQLITE_OK;
}

/* Eponymous-only (no xCreate): it exists on the build's connection. */
static const sqlite3_module catstore_feed_module = {
	.iVersion = 0,
	.xConnect = catstore_feed_connect,
	.xBestIndex = catstore_feed_best_index,
	.xDisconnect = catstore_feed_disconnect,
	.xOpen = catstore_feed_open,
	.xClose = catstore_feed_close,
	.xFilter = catstore_feed_filter,
	.xNext = catstore_feed_next,
	.xEof = catstore_feed_eof,
	.xColumn = catstore_feed_column,
	.xRowid = catstore_feed_rowid,
};

/* Fills domains, then urls, from the sorter, then the filter of both. */
static int
catstore_store_sorted(struct catstore_build *b, struct werr *err)
{
	static const char *const sql[] = {
		"INSERT INTO domains (domain, category) "
		    "SELECT entry, category FROM catstore_feed(0)",
		"INSERT INTO urls (url, category) "
		    "SELECT entry, category FROM catstore_feed(1)",
	};
	size_t i;

	if (catstore_sorter_start(&b->sort, err) == -1 ||
	    catstore_bloom_start(b, err) == -1)
		return -1;
	if (sqlite3_create_module(b->db, "catstore_feed",
	    &catstore_feed_module, b) != SQLITE_OK)
		return catstore_build_err(b, err);
	for (i = 0; i < WD_NELEM(sql); i++)
		if (sqlite3_exec(b->db, sql[i], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			if (b->feed_err.msg[0] != '\0')
				return werr_set(err, "%s", b->feed_err.msg);
			return catstore_build_err(b, err);
		}
	return catstore_bloom_store(b, err);
}

static int
catstore_integrity(struct catstore_build *b, struct werr *err)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *r;
	int rc;

	if (sqlite3_prepare_v2(b->db, "PRAGMA main.integrity_check(1)", -1,
	    &st, NULL) != SQLITE_OK)
		return catstore_build_err(b, err);
	rc = sqlite3_step(st);
	r = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (r == NULL || strcmp((const char *)r, "ok") != 0) {
		werr_set(err, "%s: integrity check failed: %s", b->newpath,
		    r != NULL ? (const char *)r : sqlite3_errmsg(b->db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* The build id of a category, added when new; 0 when there are too many. */
static unsigned
catstore_category(struct catstore_build *b, const char *name,
    struct werr *err)
{
	void *p;
	size_t i, cap;

	/* Lists of one category come together: try the last one first. */
	if (b->nnames > 0 && strcmp(b->names[b->nnames - 1], name) == 0)
		return (unsigned)b->nnames;
	for (i = 0; i < b->nnames; i++)
		if (strcmp(b->names[i], name) == 0)
			return (unsigned)i + 1;
	if (b->nnames == CATSTORE_MAX_CATEGORIES) {
		werr_set(err, "%s: more than %d categories",
		    ut1src_name(b->src), CATSTORE_MAX_CATEGORIES);
		return 0;
	}
	if (b->nnames == b->names_cap) {
		cap = b->names_cap == 0 ? 64 : 2 * b->names_cap;
		if ((p = realloc(b->names, cap * sizeof(*b->names))) == NULL) {
			werr_set(err, "out of memory");
			return 0;
		}
		b->names = p;
		b->names_cap = cap;
	}
	snprintf(b->names[b->nnames++], CATSTORE_NAME_MAX, "%s", name);
	return (unsigned)b->nnames;
}

/* Reads every item of the source into the sorter. */
static int
catstore_read_source(struct catstore_build *b, struct werr *err)
{
	struct ut1src_item it;
	struct werr nerr;
	unsigned id;
	int rc;

	for (;;) {
		nerr.msg[0] = '\0';
		rc = ut1src_next(b->src, &it, &nerr);
		if (rc == 0)
			break;
		if (rc == -1)
			return werr_set(err, "%s", nerr.msg);
		if (rc == UT1SRC_SKIPPED) {
			b->st->skipped_categories++;
			catstore_report(b->st, "%s", nerr.msg);
			continue;
		}
		if ((id = catstore_category(b, it.category, err)) == 0)
			return -1;
		if (it.kind != UT1SRC_CATEGORY &&
		    catstore_read_list(b, &it, id, err) == -1)
			return -1;
	}
	if (b->opts->progress != NULL)
		b->opts->progress(b->opts->progress_arg, b->st->lines);
	if (b->nnames == 0)
		return werr_set(err, "%s: no category lists (expected "
		    "CATEGORY/domains or CATEGORY/urls, maybe below a top "
		    "directory such as blacklists/)", ut1src_name(b->src));
	return 0;
}

/* A category's entry count, by name. */
struct catstore_count {
	const char	*name;
	uint64_t	 n;
};

static int
catstore_cmp_count(const void *a, const void *b)
{
	return strcmp(((const struct catstore_count *)a)->name,
	    ((const struct catstore_count *)b)->name);
}

/* Orders the categories by name: their store ids, and the id map. */
static int
catstore_store_categories(struct catstore_build *b, struct werr *err)
{
	struct catstore_count *c;
	size_t i, k;

	b->idmap = calloc(b->nnames, sizeof(*b->idmap));
	b->counts = calloc(b->nnames, sizeof(*b->counts));
	if ((c = calloc(b->nnames, sizeof(*c))) == NULL || b->idmap == NULL ||
	    b->counts == NULL) {
		free(c);
		return werr_set(err, "out of memory");
	}
	/* n holds the build id here. */
	for (i = 0; i < b->nnames; i++) {
		c[i].name = b->names[i];
		c[i].n = i;
	}
	qsort(c, b->nnames, sizeof(*c), catstore_cmp_count);
	for (k = 0; k < b->nnames; k++) {
		b->idmap[c[k].n] = (uint16_t)(k + 1);
		if (sqlite3_bind_int64(b->ins_cat, 1,
		    (sqlite3_int64)k + 1) != SQLITE_OK ||
		    sqlite3_bind_text(b->ins_cat, 2, c[k].name, -1,
		    SQLITE_STATIC) != SQLITE_OK) {
			free(c);
			return catstore_build_err(b, err);
		}
		if (catstore_step_done(b, b->ins_cat, err) == -1) {
			free(c);
			return -1;
		}
	}
	free(c);
	b->st->categories = (unsigned)b->nnames;
	return 0;
}

/* One count from the build connection (main and live attached). */
static int
catstore_build_count(struct catstore_build *b, const char *sql,
    uint64_t *v, struct werr *err)
{
	sqlite3_int64 n;

	if (catstore_query_int(b->db, b->newpath, sql, &n, err) == -1)
		return -1;
	*v = n < 0 ? 0 : (uint64_t)n;
	return 0;
}

/*
 * The entries of one table (domains/urls, key domain/url) in store x
 * that y lacks, matching categories by name.
 */
#define CATSTORE_DIFF(t, k, x, y)					\
	"SELECT count(*) FROM " x "." t " e JOIN " x ".categories c "	\
	"ON c.id = e.category WHERE NOT EXISTS (SELECT 1 FROM " y "."	\
	t " f JOIN " y ".categories d ON d.id = f.category "		\
	"WHERE f." k " = e." k " AND d.name = c.name)"

/*
 * Compares the new store with the live one (attached as "live"): the
 * entries added and removed, and the categories that shrink by more
 * than opts->max_shrink, which refuse the store unless opts->force.
 */
static int
catstore_compare_live(struct catstore_build *b, struct werr *err)
{
	static const char live_counts[] =
	    "SELECT c.name, count(*) FROM live.categories c JOIN "
	    "(SELECT category FROM live.domains UNION ALL "
	    "SELECT category FROM live.urls) e ON e.category = c.id "
	    "GROUP BY c.id";
	struct catstore_import_stats *st = b->st;
	struct catstore_count *cur = NULL, key, *hit;
	sqlite3_stmt *q = NULL;
	sqlite3_int64 appid;
	uint64_t live, now, v;
	char first[160];
	size_t i;
	int rc = -1, step;
	double keep;

	first[0] = '\0';
	if (catstore_query_int(b->db, b->newpath, "PRAGMA live.application_id",
	    &appid, err) == -1 || appid != CATSTORE_APP_ID) {
		catstore_report(st, "%s: not a category store, not compared "
		    "with the new one", b->path);
		return 0;
	}
	if ((cur = calloc(b->nnames, sizeof(*cur))) == NULL)
		return werr_set(err, "out of memory");
	for (i = 0; i < b->nnames; i++) {
		cur[i].name = b->names[i];
		cur[i].n = b->counts[i];
	}
	qsort(cur, b->nnames, sizeof(*cur), catstore_cmp_count);
	if (sqlite3_prepare_v2(b->db, live_counts, -1, &q, NULL) !=
	    SQLITE_OK) {
		werr_set(err, "%s: %s", b->path, sqlite3_errmsg(b->db));
		goto done;
	}
	keep = 1.0 - b->opts->max_shrink;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		key.name = (const char *)sqlite3_column_text(q, 0);
		live = (uint64_t)sqlite3_column_int64(q, 1);
		if (key.name == NULL)
			continue;
		hit = bsearch(&key, cur, b->nnames, sizeof(*cur),
		    catstore_cmp_count);
		now = hit != NULL ? hit->n : 0;
		if (b->opts->max_shrink >= 1.0 || (double)now >=
		    (double)live * keep)
			continue;
		if (st->shrunk++ == 0)
			snprintf(first, sizeof(first), "category %.63s would "
			    "shrink from %llu to %llu entries", key.name,
			    (unsigned long long)live,
			    (unsigned long long)now);
	}
	if (step != SQLITE_DONE) {
		werr_set(err, "%s: %s", b->path, sqlite3_errmsg(b->db));
		goto done;
	}
	if (st->shrunk > 0 && !b->opts->force) {
		werr_set(err, "refused: %s, more than %.0f%%%s", first,
		    b->opts->max_shrink * 100, st->shrunk > 1 ?
		    " (and other categories too)" : "");
		goto done;
	}
	if (catstore_build_count(b, CATSTORE_DIFF("domains", "domain",
	    "main", "live"), &st->added, err) == -1 ||
	    catstore_build_count(b, CATSTORE_DIFF("urls", "url",
	    "main", "live"), &v, err) == -1)
		goto done;
	st->added += v;
	if (catstore_build_count(b, CATSTORE_DIFF("domains", "domain",
	    "live", "main"), &st->removed, err) == -1 ||
	    catstore_build_count(b, CATSTORE_DIFF("urls", "url",
	    "live", "main"), &v, err) == -1)
		goto done;
	st->removed += v;
	st->compared = true;
	rc = 0;
done:
	sqlite3_finalize(q);
	free(cur);
	return rc;
}

/* Attaches the live store, when there is one, to compare with it. */
static int
catstore_compare(struct catstore_build *b, struct werr *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (access(b->path, F_OK) == -1)
		return 0;	/* the first import */
	if (sqlite3_prepare_v2(b->db, "ATTACH ?1 AS live", -1, &q, NULL) !=
	    SQLITE_OK)
		return catstore_build_err(b, err);
	sqlite3_bind_text(q, 1, b->path, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		catstore_report(b->st, "%s: cannot be compared with the new "
		    "store: %s", b->path, sqlite3_errmsg(b->db));
		return 0;
	}
	rc = catstore_compare_live(b, err);
	(void)sqlite3_exec(b->db, "DETACH live", NULL, NULL, NULL);
	return rc;
}

static int
catstore_build(struct catstore_build *b, struct werr *err)
{
	struct catstore_import_stats *st = b->st;
	char v[32], when[32];
	struct tm tm;
	time_t now;

	if (catstore_build_open(b, err) == -1 ||
	    catstore_read_source(b, err) == -1 ||
	    catstore_store_categories(b, err) == -1 ||
	    catstore_store_sorted(b, err) == -1)
		return -1;

	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)now);
	snprintf(v, sizeof(v), "%d", CATSTORE_SCHEMA_VERSION);
	if (catstore_meta(b, "schema_version", v, err) == -1 ||
	    catstore_meta(b, "created", when, err) == -1 ||
	    catstore_meta(b, "source", ut1src_name(b->src), err) == -1)
		return -1;
	snprintf(v, sizeof(v), "%u", st->categories);
	if (catstore_meta(b, "categories", v, err) == -1)
		return -1;
	snprintf(v, sizeof(v), "%llu", (unsigned long long)st->domains);
	if (catstore_meta(b, "domains", v, err) == -1)
		return -1;
	snprintf(v, sizeof(v), "%llu", (unsigned long long)st->urls);
	if (catstore_meta(b, "urls", v, err) == -1)
		return -1;
	if (catstore_exec(b, "COMMIT", err) == -1)
		return -1;
	if (catstore_integrity(b, err) == -1)
		return -1;
	return catstore_compare(b, err);
}

static int
catstore_build_close(struct catstore_build *b, struct werr *err)
{
	int rc;

	sqlite3_finalize(b->ins_cat);
	b->ins_cat = NULL;
	if (b->db == NULL)
		return 0;
	rc = sqlite3_close(b->db) == SQLITE_OK ? 0 : catstore_build_err(b,
	    err);
	b->db = NULL;
	return rc;
}

/*
 * Flushes the finished file, giving it the old store's mode and owner
 * (wardend may run as another user than the import).
 */
static int
catstore_sync_file(const char *newpath, const char *path, struct werr *err)
{
	struct stat old;
	int fd;

	if ((fd = open(newpath, O_RDONLY | O_CLOEXEC)) == -1)
		return werr_set(err, "%s: %s", newpath, strerror(errno));
	if (stat(path, &old) == 0) {
		if (fchown(fd, old.st_uid, old.st_gid) == -1 && errno != EPERM)
			goto fail;
		if (fchmod(fd, old.st_mode & 07777) == -1)
			goto fail;
	}
	if (fsync(fd) == -1)
		goto fail;
	close(fd);
	return 0;
fail:
	werr_set(err, "%s: %s", newpath, strerror(errno));
	close(fd);
	return -1;
}

/* The directory holding path ("." or "/" included) into parent. */
static int
catstore_parent(const char *path, char *parent, size_t size,
    struct werr *err)
{
	char *slash;
	int n;

	n = snprintf(parent, size, "%s", path);
	if (n < 0 || (size_t)n >= size || path[0] == '\0')
		return werr_set(err, "%s: bad store path", path);
	if ((slash = strrchr(parent, '/')) == NULL)
		snprintf(parent, size, ".");
	else if (slash == parent)
		parent[1] = '\0';	/* "/x.db" */
	else
		*slash = '\0';
	return 0;
}

int
catstore_lock(const char *path, struct werr *err)
{
	char parent[PATH_MAX];
	int dfd;

	if (catstore_parent(path, parent, sizeof(parent), err) == -1)
		return -1;
	dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1)
		return werr_set(err, "%s: %s", parent, strerror(errno));
	if (flock(dfd, LOCK_EX | LOCK_NB) == -1) {
		werr_set(err, "%s: %s", parent, errno == EWOULDBLOCK ?
		    "another import into this directory is running" :
		    strerror(errno));
		close(dfd);
		return -1;
	}
	return dfd;
}

int
catstore_import(struct ut1src *src, const char *path,
    const struct catstore_import_opts *opts,
    struct catstore_import_stats *st, struct werr *err)
{
	static const struct catstore_import_opts defaults = {
		.max_shrink = 1.0,
		.lock_fd = -1,
	};
	struct catstore_build *b = NULL;
	char newpath[PATH_MAX], journal[PATH_MAX + 8], parent[PATH_MAX];
	int dfd = -1, rc = -1, n;
	bool made = false;

	memset(st, 0, sizeof(*st));
	if (opts == NULL)
		opts = &defaults;
	n = snprintf(newpath, sizeof(newpath), "%s.new", path);
	if (n < 0 || (size_t)n >= sizeof(newpath) ||
	    catstore_parent(path, parent, sizeof(parent), err) == -1)
		return werr_set(err, "%s: bad store path", path);
	snprintf(journal, sizeof(journal), "%s-journal", newpath);

	/*
	 * The directory is synced after the rename, and locked against a
	 * second import building the same PATH.new meanwhile (the caller
	 * may hold that lock already, with catstore_lock()).
	 */
	if (opts->lock_fd >= 0)
		dfd = opts->lock_fd;
	else if ((dfd = catstore_lock(path, err)) == -1)
		return -1;
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		werr_set(err, "out of memory");
		goto done;
	}
	b->src = src;
	b->opts = opts;
	b->path = path;
	b->newpath = newpath;
	b->st = st;
	if (catstore_sorter_init(&b->sort, parent, err) == -1)
		goto done;

	/* A PATH.new left by a crash is garbage; SQLite would reopen it. */
	if ((unlink(newpath) == -1 && errno != ENOENT) ||
	    (unlink(journal) == -1 && errno != ENOENT)) {
		werr_set(err, "cannot remove %s: %s", newpath,
		    strerror(errno));
		goto done;
	}
	made = true;
	if (catstore_build(b, err) == -1 || catstore_build_close(b, err) == -1)
		goto done;
	if (catstore_sync_file(newpath, path, err) == -1)
		goto done;
	if (rename(newpath, path) == -1) {
		werr_set(err, "cannot rename %s to %s: %s", newpath, path,
		    strerror(errno));
		goto done;
	}
	made = false;
	/*
	 * Makes the rename durable. The new store is in place whatever this
	 * says, so a failure here cannot be reported as "path untouched".
	 */
	(void)fsync(dfd);
	rc = 0;
done:
	if (b != NULL) {
		sqlite3_finalize(b->ins_cat);
		sqlite3_close(b->db);
		catstore_sorter_free(&b->sort);
		free(b->bloom.bits);
		free(b->names);
		free(b->idmap);
		free(b->counts);
		free(b);
	}
	if (made) {
		unlink(newpath);
		unlink(journal);
	}
	if (dfd != -1 && dfd != opts->lock_fd)
		close(dfd);
	return rc;
}

int
catstore_import_dir(const char *dir, const char *path,
    struct catstore_import_stats *st, struct werr *err)
{
	struct ut1src *src;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((src = ut1src_open_dir(dir, err)) == NULL)
		return -1;
	rc = catstore_import(src, path, NULL, st, err);
	ut1src_close(src);
	return rc;
}
