#ifndef WARDEN_POLICY_INT_H
#define WARDEN_POLICY_INT_H

/*
 * What the policy files share inside lib/: the snapshot's layout, the sets
 * the checks look entries up in, and the shape of a check. Not installed;
 * src/ sees only policy.h.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attrib.h"
#include "catstore.h"
#include "netaddr.h"
#include "phrase.h"
#include "policy.h"
#include "timewin.h"
#include "werr.h"

/* A name in policy.conf (group, list, time window): letters, digits, _ - . */
#define POLICY_NAME_MAX		64

/* --- The arena: a snapshot's many small strings, freed at once ---------- */

struct policy_chunk;

struct policy_arena {
	struct policy_chunk	*head;
};

/* Zeroed memory that lives as long as the arena; NULL when out of memory. */
void	*policy_arena_alloc(struct policy_arena *a, size_t size)
	    WD_NONNULL(1) WD_WUR;
/* A NUL-terminated copy of the len bytes at s. */
char	*policy_arena_strdup(struct policy_arena *a, const char *s,
	    size_t len) WD_NONNULL(1, 2) WD_WUR;
void	 policy_arena_free(struct policy_arena *a) WD_NONNULL(1);

/* --- Hash sets of list entries (policy_set.c) --------------------------- */

/*
 * FNV-1a, 64 bits. Domain sets hash an entry from its last byte to its
 * first, so that the suffixes of a host are hashed in one pass from the
 * right; URL sets hash from the first byte, so that the prefixes of a key
 * are hashed in one pass from the left.
 */
#define POLICY_HASH_SEED	0xcbf29ce484222325ULL

static inline uint64_t
policy_hash_step(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

struct policy_entry {
	uint64_t	 hash;
	const char	*s;		/* normalised, in the arena */
	uint32_t	 len;
	uint32_t	 line;		/* in its list file */
	bool		 ip;		/* an address: only as a whole */
};

/*
 * A Bloom filter over hashes: a key sets two bits of one 64-bit word, so
 * that asking costs one memory access. w NULL: no filter, every key may
 * be there.
 */
struct policy_bloom {
	uint64_t	*w;
	unsigned	 shift;		/* 64 - log2(words) */
};

/* Room for about n keys, 8 bits each. 0, or -1 when out of memory. */
int	policy_bloom_init(struct policy_bloom *b, size_t n) WD_NONNULL(1)
	    WD_WUR;
void	policy_bloom_free(struct policy_bloom *b) WD_NONNULL(1);

/* Which word holds hash, and its two bits in *bits. */
static inline size_t
policy_bloom_word(const struct policy_bloom *b, uint64_t hash,
    uint64_t *bits)
{
	uint64_t m = (hash ^ (hash >> 32)) * 0x9e3779b97f4a7c15ULL;

	*bits = 1ULL << (m & 63) | 1ULL << ((m >> 6) & 63);
	return (size_t)(m >> b->shift);
}

static inline void
policy_bloom_add(struct policy_bloom *b, uint64_t hash)
{
	uint64_t bits;
	size_t i = policy_bloom_word(b, hash, &bits);

	b->w[i] |= bits;
}

/* policy_bloom_maybe() of a filter there is: both bits set. */
static inline bool
policy_bloom_has(const struct policy_bloom *b, uint64_t hash)
{
	uint64_t m = (hash ^ (hash >> 32)) * 0x9e3779b97f4a7c15ULL;
	uint64_t w = b->w[m >> b->shift];

	/* As policy_bloom_word() sets them, tested without making a mask. */
	return (w >> (m & 63) & w >> ((m >> 6) & 63) & 1) != 0;
}

/* false: no key of that hash was added. */
static inline bool
policy_bloom_maybe(const struct policy_bloom *b, uint64_t hash)
{
	return b->w == NULL || policy_bloom_has(b, hash);
}

static inline void
policy_bloom_prefetch(const struct policy_bloom *b, uint64_t hash)
{
	uint64_t bits;

	if (b->w != NULL)
		__builtin_prefetch(&b->w[policy_bloom_word(b, hash, &bits)]);
}

/*
 * A set of POLICY_SET_BLOOM entries or more has a Bloom filter in front
 * of its slots, made by policy_set_seal() once the last entry is in: a
 * lookup that misses, as most do, then reads a word of a filter of a
 * byte or two an entry, a sixteenth of the slots' size (128 KiB for
 * 100,000 entries, 1 KiB for 1,000), which stays in the cache between
 * requests where the slots do not. Below that, the slots are few enough.
 */
#define POLICY_SET_BLOOM	64

struct policy_set {
	struct policy_entry	*e;
	uint64_t		*slot;	/* hash top half, index + 1 */
	size_t			 n, cap, mask;
	struct policy_bloom	 bloom;
};

/* The first slot to probe: FNV's low bits are weak, fold the high ones. */
static inline size_t
policy_set_home(const struct policy_set *set, uint64_t hash)
{
	return (size_t)(hash ^ (hash >> 23) ^ (hash >> 41)) & set->mask;
}

/*
 * Asks for the cache line policy_set_find() will read first (the
 * filter's word, or the slot): a caller with several lookups to make asks
 * for all of them before reading any.
 */
static inline void
policy_set_prefetch(const struct policy_set *set, uint64_t hash)
{
	if (set->bloom.w != NULL)
		policy_bloom_prefetch(&set->bloom, hash);
	else if (set->slot != NULL)
		__builtin_prefetch(&set->slot[policy_set_home(set, hash)]);
}

/* Host suffixes or URL prefixes looked up together; more go one by one. */
#define POLICY_CUTS_MAX		32

/*
 * The next suffix of host[0..*i) a domain list is asked for: hashing the
 * host backwards from h ("c", then "b.c", then "a.b.c"), each one's
 * policy_set_hash_rev() comes on the way. An address is asked for whole
 * only. false when none is left.
 */
static inline bool
policy_next_cut(uint64_t *h, const char *host, size_t *i, bool ip)
{
	while (*i > 0) {
		--*i;
		*h = policy_hash_step(*h, (unsigned char)host[*i]);
		if (*i == 0 || (!ip && host[*i - 1] == '.'))
			return true;
	}
	return false;
}

/*
 * A request hashed once for every list, when the decision starts
 * (policy_host_make()): its host's suffixes, from the last label, and
 * its key's authority ("host[:port]", policy_set_hash()).
 */
struct policy_host {
	const char	*host;		/* NULL: none */
	size_t		 len;
	bool		 ip;
	unsigned	 n;		/* suffixes hashed */
	uint64_t	 hash[POLICY_CUTS_MAX];
	size_t		 at[POLICY_CUTS_MAX];	/* where each starts */
	const char	*key;		/* NULL: none (CONNECT) */
	size_t		 alen;		/* bytes of its authority */
	uint64_t	 auth;
};

/* Hashes host (may be NULL) and key (may be NULL) into ph. */
void	policy_host_make(struct policy_host *ph, const char *host, bool ip,
	    const char *key) WD_NONNULL(1);

uint64_t policy_set_hash(const char *s, size_t len) WD_NONNULL(1);
uint64_t policy_set_hash_rev(const char *s, size_t len) WD_NONNULL(1);
/*
 * Adds s (copied into a) unless an equal entry is there already (the
 * first one stays, with its line). 0, or -1 when out of memory.
 */
int	policy_set_add(struct policy_set *set, struct policy_arena *a,
	    uint64_t hash, const char *s, size_t len, unsigned line, bool ip)
	    WD_NONNULL(1, 2, 4) WD_WUR;
/* After the last add: the filter of a big set. 0, or -1 out of memory. */
int	policy_set_seal(struct policy_set *set) WD_NONNULL(1) WD_WUR;
const struct policy_entry *policy_set_find(const struct policy_set *set,
	    uint64_t hash, const char *s, size_t len) WD_NONNULL(1, 3);
void	policy_set_free(struct policy_set *set) WD_NONNULL(1);

/* --- Sets of regular expressions (policy_regex.c) ----------------------- */

struct policy_rxset;
struct policy_rxscratch;

/* Which pattern matched: for the decision's rule. */
struct policy_rxhit {
	const char	*src;		/* the pattern as written */
	unsigned	 line;
};

struct policy_rxset *policy_regex_new(void) WD_WUR;
/*
 * Compiles one pattern (caseless) to check it and keeps it. 0, or -1 with
 * err "PCRE2's message at offset N".
 */
int	policy_regex_add(struct policy_rxset *rs, struct policy_arena *a,
	    const char *pat, size_t len, unsigned line, struct werr *err)
	    WD_NONNULL(1, 2, 3) WD_WUR;
/* After the last add: builds the index and the combined patterns, JIT. */
int	policy_regex_build(struct policy_rxset *rs, struct werr *err)
	    WD_NONNULL(1) WD_WUR;
size_t	policy_regex_count(const struct policy_rxset *rs) WD_NONNULL(1);
/*
 * What policy_regex_match() works out of a subject when it needs to (the
 * keys it holds, its runs of digits and letters), kept for the next set
 * the same subject is matched against: the allow and the block lists of
 * one decision (the signature only serves the set that made it). s NULL
 * before the first match of a subject.
 */
#define POLICY_RXSIG_WORDS	16
#define POLICY_RXRUNS		4
#define POLICY_RXSTAIR		16
struct policy_rxsubj {
	const char	*s;		/* the subject these are of */
	size_t		 len;
	bool		 run_made;
	/*
	 * The set the signature was made for (NULL: none yet): its bytes'
	 * codes are that set's.
	 */
	const struct policy_rxset *sig_of;
	/*
	 * The longest run of each class; that of hex digits is only its
	 * digits' until hex_made.
	 */
	uint8_t		 run[POLICY_RXRUNS];
	bool		 hex_made;
	/*
	 * Letters then digits ([0]), digits then letters ([1]): for each n,
	 * the longest run of the second kind right after a run of at least
	 * n (the last: 15 or more) of the first. [2]: as [0], for letters
	 * that start right after a '/'.
	 */
	uint8_t		 stair[3][POLICY_RXSTAIR];
	uint64_t	 sig[POLICY_RXSIG_WORDS];
};

/*
 * Whether any pattern matches subj; on a match hit names the first such
 * pattern in file order. 1, 0, or -1 with err "LINE: why" (PCRE2's match
 * limit, out of memory). rx is the calling thread's; sf, when not NULL,
 * keeps what was worked out of subj for the next set (see above).
 */
int	policy_regex_match(const struct policy_rxset *rs, const char *subj,
	    size_t len, struct policy_rxscratch *rx, struct policy_rxsubj *sf,
	    struct policy_rxhit *hit, struct werr *err)
	    WD_NONNULL(1, 2, 4, 6) WD_WUR;
void	policy_regex_free(struct policy_rxset *rs);
struct policy_rxscratch *policy_regex_scratch_new(void) WD_WUR;
void	policy_regex_scratch_free(struct policy_rxscratch *rx);

/* --- The snapshot ------------------------------------------------------- */

struct policy_time {
	const char	*name;
	unsigned	 line;
	struct timewin	 tw;
};

/* A list directory in SquidGuard layout. */
struct policy_list {
	const char		*name;
	const char		*path;		/* as written */
	unsigned		 line;
	bool			 has_domains, has_urls;
	struct policy_set	 domains, urls;
	struct policy_bloom	 urlhosts;	/* the hosts of urls' entries */
	struct policy_rxset	*rx;		/* NULL: none */
};

enum policy_rule_kind {
	POLICY_RULE_ALLOW = 0,
	POLICY_RULE_BLOCK,
	POLICY_RULE_ALLOW_CATEGORIES,
	POLICY_RULE_BLOCK_CATEGORIES,
	POLICY_RULE_ALLOW_MIME,		/* response side: media types */
	POLICY_RULE_BLOCK_MIME,
	POLICY_RULE_ALLOW_EXTENSIONS,	/* and file extensions */
	POLICY_RULE_BLOCK_EXTENSIONS,
	POLICY_RULE_TLS_SPLICE,		/* tls_inspect on: lists and */
	POLICY_RULE_TLS_SPLICE_CATEGORIES,	/* categories not decrypted */
	POLICY_RULE_TLS_NOVERIFY,	/* origins not verified */
};
#define POLICY_RULE_KINDS	11
/* The keyword of a kind of rule ("allow_categories"). */
const char	*policy_rule_kind_str(enum policy_rule_kind k);

struct policy_rule {
	const struct policy_time	 *during;	/* NULL: always */
	unsigned			  line;
	size_t				  n;
	const struct policy_list	**lists;	/* allow, block */
	const char			**cats;		/* categories, media
							   type patterns or
							   extensions */
};

struct policy_rules {
	struct policy_rule	*v;
	size_t			 n, cap;
};

struct policy_group {
	const char		*name;
	unsigned		 line;
	struct cidr		*clients;
	size_t			 nclients, clientcap;
	bool			 safe_search;
	bool			 seen_safe_search;
	struct policy_rules	 rules[POLICY_RULE_KINDS];
	uint64_t		 phrase_lists;	/* bit n: p->phrases[n] */
	long			 naughtiness_limit;
	unsigned		 limit_line;	/* 0: the default */
};

/* A phrase list directory: files weighted, banned, exception. */
struct policy_phrases {
	const char	*name;
	const char	*path;		/* as written */
	unsigned	 line;
};

/* scan_types when policy.conf does not set it (check_phrase.c). */
extern const char *const policy_scan_types_default[];
extern const size_t policy_nscan_types_default;

/* The naughtiness limit of a group that does not set one. */
#define POLICY_NAUGHTINESS_DEFAULT	100

/* The block page template, cut at its placeholders. */
struct policy_seg {
	const char	*text;		/* literal text, or NULL */
	size_t		 len;
	int		 var;		/* placeholder; -1: text */
};

struct policy {
	atomic_uint		  refs;
	const char		 *dir;
	struct policy_arena	  arena;
	struct policy_time	**times;
	size_t			  ntimes;
	struct policy_list	**lists;
	size_t			  nlists;
	struct policy_group	**groups;	/* file order, no default */
	size_t			  ngroups;
	struct policy_group	 *def;
	struct policy_phrases	**phrases;	/* at most PHRASE_LISTS_MAX */
	size_t			  nphrases;
	struct phrase_set	 *phr;		/* all of them, built */
	const char		**scan_types;	/* media type patterns */
	size_t			  nscan_types;
	char			 *page;		/* template text */
	struct policy_seg	 *segs;
	size_t			  nsegs;
};

/* A new empty snapshot with one reference, or NULL (policy.c). */
struct policy	*policy_new(const char *dir) WD_NONNULL(1) WD_WUR;
/* Grows *v (of elements of size) to hold n + 1; 0 or -1. */
int	policy_grow(void *v, size_t *cap, size_t n, size_t size)
	    WD_NONNULL(1, 2) WD_WUR;

/* The placeholders of the block page, in struct blockpage_vars order. */
#define POLICY_BLOCKPAGE_VARS	9
extern const char *const policy_blockpage_vars[POLICY_BLOCKPAGE_VARS];

/* Fills dir's snapshot from policy.conf and the rest (policy_parse.c). */
int	policy_parse(struct policy *p, struct catstore *cats,
	    void (*warn)(void *, const char *), void *warn_arg,
	    struct werr *err) WD_NONNULL(1) WD_WUR;

/* --- Evaluation: what the checks share ---------------------------------- */

struct policy_scratch {
	struct policy_rxscratch	*rx;
	bool			 tm_valid;
	time_t			 tm_minute;	/* tm is of it */
	struct tm		 tm;
};

/* One policy_eval(): the group, what is known so far, the decision. */
struct policy_ctx {
	const struct policy		*p;
	const struct policy_group	*g;
	struct decision			*d;
	struct policy_scratch		*s;
	struct policy_host		 host;
	bool				 cats_asked;	/* cask made */
	struct catstore_ask		 cask;
	bool				 cats_done;
	struct catset			 cats;
	bool				 failed;	/* a check failed */
	struct policy_rxsubj		 rxsubj;	/* s NULL at first */
};

/*
 * Starts an evaluation of f by p's group for it, recorded in d: all of c
 * but its scratch (c->s), which the caller brings.
 */
void	policy_ctx_start(struct policy_ctx *c, const struct policy *p,
	    const struct txn_facts *f, struct decision *d)
	    WD_NONNULL(1, 2, 3, 4);

/* Whether r applies now (its time window, if any, holds f->now). */
bool	policy_rule_active(struct policy_ctx *c, const struct txn_facts *f,
	    const struct policy_rule *r) WD_NONNULL(1, 2, 3);
/* Whether r applies at now (scratch s caches the local time). */
bool	policy_rule_active_at(struct policy_scratch *s, time_t now,
	    const struct policy_rule *r) WD_NONNULL(1, 3);
/*
 * The request's categories, looked up once per evaluation; an empty set
 * without a store. NULL with c->failed and err set when the store failed.
 */
const struct catset *policy_categories(struct policy_ctx *c,
	    const struct txn_facts *f, struct werr *err) WD_NONNULL(1, 2);
/*
 * Asks memory for what policy_categories() will read next, now that the
 * host's cache bucket (asked for when the evaluation started) is at
 * hand: its slot, or the store's filter blocks. Called before the
 * expressions' pass, the longest check, so that they arrive during it.
 */
void	policy_categories_ahead(struct policy_ctx *c,
	    const struct txn_facts *f) WD_NONNULL(1, 2);
/* Records a verdict in c->d and returns it; rule is printf-formatted. */
enum verdict policy_decide(struct policy_ctx *c, enum verdict v,
	    enum reason why, const char *category, const char *fmt, ...)
	    WD_PRINTF(5, 6) WD_NONNULL(1, 5);
/* Marks the evaluation failed; returns VERDICT_NONE for the check. */
enum verdict policy_fail(struct policy_ctx *c) WD_NONNULL(1);

/*
 * A check: one step of the request phase, in policy.c's table. Returns
 * the verdict it reached (recorded with policy_decide()) or VERDICT_NONE;
 * when it could not run it calls policy_fail() with err set.
 */
enum verdict	check_allow(const struct txn_facts *f, struct policy_ctx *c,
		    struct werr *err) WD_NONNULL(1, 2);
enum verdict	check_domain(const struct txn_facts *f,
		    struct policy_ctx *c, struct werr *err) WD_NONNULL(1, 2);
enum verdict	check_url(const struct txn_facts *f, struct policy_ctx *c,
		    struct werr *err) WD_NONNULL(1, 2);
enum verdict	check_regex(const struct txn_facts *f, struct policy_ctx *c,
		    struct werr *err) WD_NONNULL(1, 2);
enum verdict	check_category(const struct txn_facts *f,
		    struct policy_ctx *c, struct werr *err) WD_NONNULL(1, 2);

/*
 * The matchers the allow check shares with the block checks, of the
 * request hashed in ph (none when its host, or its key, is NULL).
 */
const struct policy_entry *check_domain_match(const struct policy_list *l,
		    const struct policy_host *ph) WD_NONNULL(1, 2);
/* After l's urls are in: their sets' filters. 0, or -1 out of memory. */
int	check_url_seal(struct policy_list *l) WD_NONNULL(1) WD_WUR;
const struct policy_entry *check_url_match(const struct policy_list *l,
		    const struct policy_host *ph) WD_NONNULL(1, 2);
/* 1 with hit filled, 0, or -1 (c failed, err set). */
int		check_regex_match(const struct policy_list *l,
		    const struct txn_facts *f, struct policy_ctx *c,
		    struct policy_rxhit *hit, struct werr *err)
		    WD_NONNULL(1, 2, 3, 4);
/* A first category in r that the request has, or NULL. */
const char	*check_category_match(const struct policy_rule *r,
		    const struct catset *cs) WD_NONNULL(1, 2);

/* Category names: syntax, and the names UT1 publishes (check_category.c). */
bool	check_category_valid(const char *name) WD_NONNULL(1);
bool	check_category_ut1(const char *name) WD_NONNULL(1);

#endif
