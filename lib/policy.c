#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errpage.h"
#include "log.h"
#include "netaddr.h"
#include "policy.h"
#include "policy_int.h"

#define POLICY_CHUNK	(64 * 1024)

/* The request phase, in evaluation order: the first verdict wins. */
static const struct policy_check {
	const char	*name;
	enum verdict	(*run)(const struct txn_facts *,
			    struct policy_ctx *, struct werr *);
} policy_checks[] = {
	{ "allow", check_allow },
	{ "domain", check_domain },
	{ "url", check_url },
	{ "regex", check_regex },
	{ "category", check_category },
};

const char *const policy_blockpage_vars[POLICY_BLOCKPAGE_VARS] = {
	"url", "reason", "rule", "category", "group", "time", "request_id",
	"client", "proxy",
};

const char *
verdict_str(enum verdict v)
{
	switch (v) {
	case VERDICT_NONE:
		return "none";
	case VERDICT_ALLOW:
		return "allow";
	case VERDICT_BLOCK:
		return "block";
	}
	return "unknown";
}

const char *
reason_str(enum reason r)
{
	switch (r) {
	case REASON_NONE:
		return "none";
	case REASON_ALLOW_LIST:
		return "allow-list";
	case REASON_ALLOW_CATEGORY:
		return "allow-category";
	case REASON_BLOCK_DOMAIN:
		return "block-domain";
	case REASON_BLOCK_URL:
		return "block-url";
	case REASON_BLOCK_REGEX:
		return "block-regex";
	case REASON_BLOCK_CATEGORY:
		return "block-category";
	case REASON_BLOCK_EXTENSION:
		return "block-extension";
	case REASON_BLOCK_MIME:
		return "block-mime";
	case REASON_BLOCK_PHRASE:
		return "block-phrase";
	case REASON_BLOCK_UNSCANNABLE:
		return "block-unscannable";
	case REASON_BLOCK_TLS:
		return "block-tls";
	}
	return "unknown";
}

const char *
policy_rule_kind_str(enum policy_rule_kind k)
{
	switch (k) {
	case POLICY_RULE_ALLOW:
		return "allow";
	case POLICY_RULE_BLOCK:
		return "block";
	case POLICY_RULE_ALLOW_CATEGORIES:
		return "allow_categories";
	case POLICY_RULE_BLOCK_CATEGORIES:
		return "block_categories";
	case POLICY_RULE_ALLOW_MIME:
		return "allow_mime";
	case POLICY_RULE_BLOCK_MIME:
		return "block_mime";
	case POLICY_RULE_ALLOW_EXTENSIONS:
		return "allow_extensions";
	case POLICY_RULE_BLOCK_EXTENSIONS:
		return "block_extensions";
	case POLICY_RULE_TLS_SPLICE:
		return "tls_splice";
	case POLICY_RULE_TLS_SPLICE_CATEGORIES:
		return "tls_splice_categories";
	case POLICY_RULE_TLS_NOVERIFY:
		return "tls_noverify";
	}
	return "unknown";
}

/* --- Memory -------------------------------------------------------------- */

struct policy_chunk {
	struct policy_chunk	*next;
	size_t			 size, used;
	max_align_t		 data[];
};

void *
policy_arena_alloc(struct policy_arena *a, size_t size)
{
	struct policy_chunk *c = a->head;
	size_t want, align = sizeof(max_align_t);
	void *p;

	size = (size + align - 1) / align * align;
	if (c == NULL || c->size - c->used < size) {
		want = size > POLICY_CHUNK / 4 ? size : POLICY_CHUNK;
		c = malloc(sizeof(*c) + want);
		if (c == NULL)
			return NULL;
		c->size = want;
		c->used = 0;
		if (a->head != NULL && size > POLICY_CHUNK / 4) {
			/* A big one: keep filling the current chunk. */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *
policy_arena_strdup(struct policy_arena *a, const char *s, size_t len)
{
	char *p;

	p = policy_arena_alloc(a, len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void
policy_arena_free(struct policy_arena *a)
{
	struct policy_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/*
 * v is the address of a pointer of any object type: it is read and
 * written with memcpy(), which the aliasing rules allow, where a cast to
 * void ** would not be.
 */
int
policy_grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *old, *nv;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 8 : *cap * 2;
	if (ncap < n + 1)
		ncap = n + 1;
	if (ncap > SIZE_MAX / size)
		return -1;
	memcpy(&old, v, sizeof(old));
	nv = realloc(old, ncap * size);
	if (nv == NULL)
		return -1;
	memcpy(v, &nv, sizeof(nv));
	*cap = ncap;
	return 0;
}

struct policy *
policy_new(const char *dir)
{
	struct policy *p;
	size_t len;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	atomic_init(&p->refs, 1);
	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	p->dir = policy_arena_strdup(&p->arena, dir, len);
	if (p->dir == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

static void
policy_free(struct policy *p)
{
	struct policy_group *g;
	size_t i, k, r;

	for (i = 0; i < p->nlists; i++) {
		policy_set_free(&p->lists[i]->domains);
		policy_set_free(&p->lists[i]->urls);
		policy_bloom_free(&p->lists[i]->urlhosts);
		policy_regex_free(p->lists[i]->rx);
	}
	for (i = 0; i <= p->ngroups; i++) {
		g = i < p->ngroups ? p->groups[i] : p->def;
		if (g == NULL)
			continue;
		free(g->clients);
		for (k = 0; k < POLICY_RULE_KINDS; k++) {
			for (r = 0; r < g->rules[k].n; r++) {
				free(g->rules[k].v[r].lists);
				free(g->rules[k].v[r].cats);
			}
			free(g->rules[k].v);
		}
	}
	phrase_set_free(p->phr);
	free(p->phrases);
	free(p->scan_types);
	free(p->times);
	free(p->lists);
	free(p->groups);
	free(p->page);
	free(p->segs);
	policy_arena_free(&p->arena);
	free(p);
}

/* --- Snapshot ------------------------------------------------------------ */

/* The default for warnings nobody asked to see: the daemon's log. */
static void
policy_log_warning(void *arg WD_UNUSED, const char *msg)
{
	log_warnx("%s", msg);
}

struct policy *
policy_load_warn(const char *dir, struct catstore *cats,
    void (*warn)(void *, const char *), void *warn_arg, struct werr *err)
{
	struct policy *p;

	p = policy_new(dir);
	if (p == NULL) {
		werr_set(err, "%s: out of memory", dir);
		return NULL;
	}
	if (warn == NULL)
		warn = policy_log_warning;
	if (policy_parse(p, cats, warn, warn_arg, err) == -1) {
		policy_free(p);
		return NULL;
	}
	return p;
}

struct policy *
policy_load(const char *dir, struct catstore *cats, struct werr *err)
{
	return policy_load_warn(dir, cats, NULL, NULL, err);
}

struct policy *
policy_ref(struct policy *p)
{
	atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
	return p;
}

void
policy_unref(struct policy *p)
{
	if (p == NULL)
		return;
	/* Release our writes; the last one acquires everybody's. */
	if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1)
		policy_free(p);
}

const char *
policy_dir(const struct policy *p)
{
	return p->dir;
}

/*
 * Groups are tried in file order. Choosing by user name (a "users" rule)
 * belongs here, next to the clients test, once authentication exists.
 */
const struct policy_group *
policy_group_for(const struct policy *p, const struct sockaddr *client,
    const char *user WD_UNUSED)
{
	const struct policy_group *g;
	size_t i, k;

	for (i = 0; i < p->ngroups; i++) {
		g = p->groups[i];
		for (k = 0; k < g->nclients; k++)
			if (netaddr_cidr_match(&g->clients[k], client))
				return g;
	}
	return p->def;
}

const char *
policy_group_name(const struct policy_group *g)
{
	return g->name;
}

struct policy_scratch *
policy_scratch_new(const struct policy *p WD_UNUSED)
{
	struct policy_scratch *s;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->rx = policy_regex_scratch_new();
	if (s->rx == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
policy_scratch_free(struct policy_scratch *s)
{
	if (s == NULL)
		return;
	policy_regex_scratch_free(s->rx);
	free(s);
}

/* --- Evaluation ---------------------------------------------------------- */

bool
policy_rule_active(struct policy_ctx *c, const struct txn_facts *f,
    const struct policy_rule *r)
{
	return policy_rule_active_at(c->s, f->now, r);
}

bool
policy_rule_active_at(struct policy_scratch *s, time_t now,
    const struct policy_rule *r)
{
	time_t minute;

	if (r->during == NULL)
		return true;
	/*
	 * localtime_r() takes a process-wide lock: once a minute per worker
	 * is enough, offsets change on whole minutes.
	 */
	minute = now - (((now % 60) + 60) % 60);
	if (!s->tm_valid || s->tm_minute != minute) {
		if (localtime_r(&minute, &s->tm) == NULL)
			return false;
		s->tm_minute = minute;
		s->tm_valid = true;
	}
	return timewin_match(&r->during->tw, &s->tm);
}

void
policy_host_make(struct policy_host *ph, const char *host, bool ip,
    const char *key)
{
	uint64_t h = POLICY_HASH_SEED;
	size_t i;

	ph->host = host;
	ph->ip = ip;
	ph->n = 0;
	if (host != NULL) {
		ph->len = strlen(host);
		for (i = ph->len; ph->n < POLICY_CUTS_MAX &&
		    policy_next_cut(&h, host, &i, ip); ph->n++) {
			ph->hash[ph->n] = h;
			ph->at[ph->n] = i;
		}
	}
	ph->key = key;
	if (key != NULL) {
		for (h = POLICY_HASH_SEED, i = 0; key[i] != '\0' &&
		    key[i] != '/'; i++)
			h = policy_hash_step(h, (unsigned char)key[i]);
		ph->alen = i;
		ph->auth = h;
	}
}

/* Field by field, not memset: the category set is filled when looked up. */
void
policy_ctx_start(struct policy_ctx *c, const struct policy *p,
    const struct txn_facts *f, struct decision *d)
{
	c->p = p;
	c->d = d;
	c->s = NULL;
	c->g = f->client != NULL ? policy_group_for(p, f->client, f->user) :
	    p->def;
	policy_host_make(&c->host, f->host, f->host_is_ip, f->key);
	c->cats_asked = false;
	c->cats_done = false;
	c->cats.n = 0;
	c->failed = false;
	c->rxsubj.s = NULL;
}

/*
 * Asks memory for what the lists of the group's allow and block rules
 * and the category store will read first, so that those lines arrive
 * while the checks before them run: read one after another when needed,
 * each would be a wait. The store's next lines are asked for later
 * (policy_categories_ahead()).
 */
static void
policy_prefetch(struct policy_ctx *c, const struct txn_facts *f)
{
	static const enum policy_rule_kind kinds[] = {
		POLICY_RULE_ALLOW, POLICY_RULE_BLOCK,
	};
	const struct policy_host *ph = &c->host;
	const struct policy_rules *rs;
	const struct policy_list *l;
	size_t i, j, k;
	unsigned n;

	for (k = 0; k < WD_NELEM(kinds); k++) {
		rs = &c->g->rules[kinds[k]];
		for (i = 0; i < rs->n; i++)
			for (j = 0; j < rs->v[i].n; j++) {
				l = rs->v[i].lists[j];
				for (n = 0; l->has_domains && n < ph->n; n++)
					policy_set_prefetch(&l->domains,
					    ph->hash[n]);
				if (l->has_urls && ph->key != NULL)
					policy_bloom_prefetch(&l->urlhosts,
					    ph->auth);
			}
	}
	if (f->cats != NULL && f->host != NULL &&
	    (c->g->rules[POLICY_RULE_ALLOW_CATEGORIES].n > 0 ||
	    c->g->rules[POLICY_RULE_BLOCK_CATEGORIES].n > 0)) {
		catstore_ask(f->cats, f->host, f->key, &c->cask);
		c->cats_asked = true;
	}
}

void
policy_categories_ahead(struct policy_ctx *c, const struct txn_facts *f)
{
	if (c->cats_asked && !c->cats_done)
		catstore_ask_next(f->cats, &c->cask);
}

const struct catset *
policy_categories(struct policy_ctx *c, const struct txn_facts *f,
    struct werr *err)
{
	struct werr sub;

	if (c->cats_done)
		return &c->cats;
	c->cats.n = 0;
	if (f->cats != NULL && f->host != NULL && !c->cats_asked) {
		catstore_ask(f->cats, f->host, f->key, &c->cask);
		c->cats_asked = true;
	}
	if (c->cats_asked &&
	    catstore_lookup_asked(f->cats, &c->cask, &c->cats, &sub) == -1) {
		policy_fail(c);
		werr_set(err, "category lookup: %s", sub.msg);
		return NULL;
	}
	c->cats_done = true;
	return &c->cats;
}

enum verdict
policy_decide(struct policy_ctx *c, enum verdict v, enum reason why,
    const char *category, const char *fmt, ...)
{
	va_list ap;

	c->d->verdict = v;
	c->d->reason = why;
	va_start(ap, fmt);
	vsnprintf(c->d->rule, sizeof(c->d->rule), fmt, ap);
	va_end(ap);
	if (category != NULL)
		snprintf(c->d->category, sizeof(c->d->category), "%s",
		    category);
	return v;
}

enum verdict
policy_fail(struct policy_ctx *c)
{
	c->failed = true;
	return VERDICT_NONE;
}

int
policy_eval(const struct policy *p, const struct txn_facts *f,
    struct decision *d, struct werr *err)
{
	struct policy_ctx c;
	struct policy_scratch *own = NULL;
	enum verdict v;
	size_t i;
	int rc = 0;

	memset(d, 0, sizeof(*d));
	policy_ctx_start(&c, p, f, d);
	d->group = c.g->name;
	d->g = c.g;
	d->safe_search = c.g->safe_search;
	c.s = f->scratch;
	if (c.s == NULL) {
		/* Slow but correct: callers on the request path bring one. */
		own = policy_scratch_new(p);
		if (own == NULL)
			return werr_set(err, "out of memory");
		c.s = own;
	}
	policy_prefetch(&c, f);
	for (i = 0; i < WD_NELEM(policy_checks); i++) {
		v = policy_checks[i].run(f, &c, err);
		if (c.failed) {
			d->verdict = VERDICT_NONE;
			d->reason = REASON_NONE;
			rc = -1;
			break;
		}
		if (v != VERDICT_NONE)
			break;
	}
	policy_scratch_free(own);
	return rc;
}

/* --- Block page ---------------------------------------------------------- */

int
policy_blockpage(const struct policy *p, const struct blockpage_vars *v,
    char *buf, size_t len)
{
	const char *vals[POLICY_BLOCKPAGE_VARS] = {
		v->url, v->reason, v->rule, v->category, v->group, v->time,
		v->request_id, v->client, v->proxy,
	};
	const struct policy_seg *s;
	size_t i, off = 0;
	int n;

	for (i = 0; i < p->nsegs; i++) {
		s = &p->segs[i];
		if (s->var == -1) {
			if (len - off <= s->len)
				goto small;
			memcpy(buf + off, s->text, s->len);
			off += s->len;
			continue;
		}
		n = errpage_escape(vals[s->var] != NULL ? vals[s->var] : "",
		    buf + off, len - off);
		if (n == -1)
			goto small;
		off += (size_t)n;
	}
	if (off >= len || off > INT32_MAX)
		goto small;
	buf[off] = '\0';
	return (int)off;
small:
	if (len > 0)
		buf[0] = '\0';
	return -1;
}
