#ifndef WARDEN_POLICY_H
#define WARDEN_POLICY_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attrib.h"
#include "catstore.h"
#include "werr.h"

/*
 * The policy engine, request side. A policy is an immutable snapshot built
 * from policy_dir (policy.conf, the lists it names, the block page
 * template): groups of clients, each with allow and block lists (domains,
 * URLs, regular expressions in SquidGuard layout), allowed and blocked
 * categories, time windows and safe search. wardend builds a snapshot at
 * start and on reload, off the workers, and shares it read-only; workers
 * evaluate requests against it with policy_eval(). No I/O happens in
 * policy_eval() except the category store lookup through the caller's
 * handle.
 */

enum verdict {
	VERDICT_NONE = 0,	/* no rule decided: go on (allowed by default) */
	VERDICT_ALLOW,		/* an allow rule matched: no further check */
	VERDICT_BLOCK,
};
const char	*verdict_str(enum verdict);

/* Why a verdict was reached: which kind of rule. */
enum reason {
	REASON_NONE = 0,
	REASON_ALLOW_LIST,	/* allow list (domains, urls, expressions) */
	REASON_ALLOW_CATEGORY,
	REASON_BLOCK_DOMAIN,
	REASON_BLOCK_URL,
	REASON_BLOCK_REGEX,
	REASON_BLOCK_CATEGORY,
	/* The response phase. */
	REASON_BLOCK_EXTENSION,	/* file extension (URL or attachment name) */
	REASON_BLOCK_MIME,	/* media type, declared or sniffed */
	REASON_BLOCK_PHRASE,	/* weighted or banned phrases */
	REASON_BLOCK_UNSCANNABLE, /* a body that could not be scanned */
	REASON_BLOCK_TLS,	/* a CONNECT whose first bytes were refused:
				   not TLS, or no server name */
};
const char	*reason_str(enum reason);	/* "block-domain", ... */

/* What is known of a request when the policy looks at it. */
struct txn_facts {
	const struct sockaddr	*client;
	const char		*user;		/* NULL: not authenticated */
	bool			 is_connect;
	const char		*host;		/* urlnorm_host() form */
	bool			 host_is_ip;
	uint16_t		 port;
	const char		*url;		/* "http://host[:port]/path?q";
						   CONNECT: "https://host[:port]/" */
	const char		*key;		/* urlnorm_key(); NULL for CONNECT */
	time_t			 now;
	struct catstore		*cats;		/* this worker's, or NULL */
	/* Scratch the regex check may use (per worker; see policy_scratch). */
	struct policy_scratch	*scratch;
};

/* What policy_eval() decided, for the transaction, the log and the page. */
struct decision {
	enum verdict	 verdict;
	enum reason	 reason;
	const char	*group;			/* points into the snapshot */
	const struct policy_group *g;		/* the same group */
	char		 rule[256];		/* "local/block/domains:12 example.com",
						   "adult" (a category)... */
	char		 category[CATSTORE_NAME_MAX];	/* when a category decided */
	bool		 safe_search;		/* the group enforces it */
};

struct policy;
struct policy_group;
struct phrase_scan;
struct phrase_result;

/*
 * Builds a snapshot from dir/policy.conf and everything it names (paths in
 * it are relative to dir). NULL on the first error, with err
 * "FILE:LINE: message". The result has one reference. Any thread may
 * build one (wardend does it off the workers).
 *
 * Category names are always checked for syntax. cats, if not NULL, is
 * also asked which categories exist: a name the store lacks is an error
 * (a typo must not silently allow), unless it is one of the categories
 * UT1 publishes, which a partial or not-yet-imported store may lack: that
 * is a warning, and the rule matches nothing until an import brings the
 * category. policy_load() logs warnings with log_warnx();
 * policy_load_warn() hands each one, as "FILE:LINE: message", to
 * warn(arg, msg) instead (warn NULL: log them too).
 */
struct policy	*policy_load(const char *dir, struct catstore *cats,
		    struct werr *err) WD_NONNULL(1) WD_WUR;
struct policy	*policy_load_warn(const char *dir, struct catstore *cats,
		    void (*warn)(void *arg, const char *msg), void *arg,
		    struct werr *err) WD_NONNULL(1) WD_WUR;
struct policy	*policy_ref(struct policy *p) WD_NONNULL(1);
void		 policy_unref(struct policy *p);	/* any thread */
/* The directory the snapshot was built from (for messages). */
const char	*policy_dir(const struct policy *p) WD_NONNULL(1);

/* The group for a client (first whose clients match, else the default). */
const struct policy_group *policy_group_for(const struct policy *p,
		    const struct sockaddr *client, const char *user)
		    WD_NONNULL(1, 2);
const char	*policy_group_name(const struct policy_group *g);

/*
 * Per-thread scratch space for matching (PCRE2 match data and JIT stack,
 * the local time of the current minute). Create one per worker for each
 * snapshot it uses; policy_scratch_free() it. NULL when out of memory.
 * policy_eval() with f->scratch NULL makes a temporary one (slower).
 */
struct policy_scratch	*policy_scratch_new(const struct policy *p);
void			 policy_scratch_free(struct policy_scratch *s);

/*
 * Runs the checks in order, first verdict wins: allow lists and allowed
 * categories, domain and URL block lists, regular expressions, blocked
 * categories. Fills d. Returns 0, or -1 with err set when a check could
 * not run (the category store failed, a regular expression hit PCRE2's
 * match limit, out of memory): the caller decides (wardend blocks: a
 * filter that fails open is no filter). d->group is set either way. Any
 * thread, each with its own f->scratch and f->cats.
 */
int	policy_eval(const struct policy *p, const struct txn_facts *f,
	    struct decision *d, struct werr *err) WD_NONNULL(1, 2, 3) WD_WUR;

/*
 * The response phase. What a response looks like to the policy: the
 * media type its Content-Type declares, the one libmagic sniffed from the
 * first bytes of the decoded body (NULL until known), and the file
 * extensions of the URL path and of a Content-Disposition filename.
 */
struct resp_facts {
	const char		*declared;	/* "text/html"; "": none */
	const char		*sniffed;	/* NULL: not (yet) known */
	const char		*path_ext;	/* "exe"; "": none */
	const char		*disp_ext;	/* "": none */
	time_t			 now;
	struct policy_scratch	*scratch;	/* the worker's */
};

/*
 * Whether g has any response rule (media types, extensions, phrase
 * lists). Without one Warden does not look at its responses at all.
 */
bool	policy_inspects(const struct policy_group *g) WD_NONNULL(1);
/* Whether g needs the sniffed type of bodies (media types or phrases). */
bool	policy_wants_sniff(const struct policy_group *g) WD_NONNULL(1);

/*
 * The extension and media type checks: each extension and each known
 * type is tried against the group's allow rules (which exempt it), then
 * its block rules. VERDICT_BLOCK with d's reason, rule and verdict set,
 * or VERDICT_NONE. Any thread.
 */
enum verdict policy_eval_response(const struct policy *p,
	    const struct policy_group *g, const struct resp_facts *rf,
	    struct decision *d) WD_NONNULL(1, 2, 3, 4);

/*
 * Whether a body of media type type (a declared or sniffed one) is
 * scanned for phrases for g: g has phrase lists and type matches the
 * snapshot's scan_types. text/event-stream never is: it has no end.
 */
bool	policy_scan_type(const struct policy *p, const struct policy_group *g,
	    const char *type) WD_NONNULL(1, 2, 3);
/*
 * A new phrase scan counting g's phrase lists (phrase_scan_free() it),
 * or NULL when out of memory or when g has none.
 */
struct phrase_scan *policy_phrase_scan(const struct policy *p,
	    const struct policy_group *g) WD_NONNULL(1, 2) WD_WUR;
/*
 * The verdict on a scanned body: blocked when a banned phrase occurred
 * or the score reached g's naughtiness limit, unless an exception
 * phrase occurred. VERDICT_BLOCK with d set (the rule names the score,
 * the limit and the phrases), or VERDICT_NONE.
 */
enum verdict policy_phrase_verdict(const struct policy_group *g,
	    const struct phrase_result *r, struct decision *d)
	    WD_NONNULL(1, 2, 3);

/*
 * tls_inspect on: whether a CONNECT to f->host (f->is_connect) is to be
 * spliced (tunnelled untouched) rather than decrypted: the domains of
 * the group's tls_splice lists and its tls_splice_categories. 1 with
 * rule naming what matched ("tls/splice/domains:3 bank.example",
 * "bank"), 0, or -1 with err when the category store failed. Any thread.
 */
int	policy_tls_splice(const struct policy *p, const struct txn_facts *f,
	    char *rule, size_t rulelen, struct werr *err)
	    WD_NONNULL(1, 2, 3) WD_WUR;

/*
 * tls_inspect on: whether the origin's certificate for f->host is not
 * verified (an internal server the administrator vouches for): the
 * domains of the group's tls_noverify lists. 1 with rule set, or 0. Any
 * thread.
 */
int	policy_tls_noverify(const struct policy *p, const struct txn_facts *f,
	    char *rule, size_t rulelen) WD_NONNULL(1, 2, 3);

/*
 * The block page, from the snapshot's template (dir/blockpage.html), with
 * {{url}}, {{reason}}, {{rule}}, {{category}}, {{group}}, {{time}},
 * {{request_id}}, {{client}} and {{proxy}} replaced by HTML-escaped values
 * (a NULL value shows as nothing). Returns the length written, or -1 if
 * buf is too small. Any thread.
 */
struct blockpage_vars {
	const char	*url, *reason, *rule, *category, *group, *time,
			*request_id, *client, *proxy;
};
int	policy_blockpage(const struct policy *p, const struct blockpage_vars *v,
	    char *buf, size_t len) WD_NONNULL(1, 2, 3) WD_WUR;

#endif
