#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "policy.h"
#include "policy_int.h"

/*
 * URL lists. An entry ("host/path", urlnorm_entry() form) matches a
 * request key (urlnorm_key() form) it is a prefix of, when the prefix
 * ends where the key does, before a '/' or '?', or with a '/' of its own:
 * "example.com/a" matches "example.com/a", "example.com/a/b" and
 * "example.com/a?x", not "example.com/ab". Only those prefixes of the key
 * are looked up, their hashes computed in one pass from the left.
 */

/*
 * Every entry holds a '/' (urlnorm_entry()), and the host before it is
 * the key's up to its first '/' when the entry matches: a list keeps a
 * filter of its entries' hosts, so that a request to a host none of them
 * names costs one look at the filter rather than hashing the whole key
 * and a lookup for each of its cuts.
 */
int
check_url_seal(struct policy_list *l)
{
	const struct policy_entry *e;
	const char *slash;
	size_t i;

	policy_bloom_free(&l->urlhosts);
	if (policy_set_seal(&l->urls) == -1)
		return -1;
	if (l->urls.n == 0)
		return 0;
	if (policy_bloom_init(&l->urlhosts, l->urls.n) == -1)
		return -1;
	for (i = 0; i < l->urls.n; i++) {
		e = &l->urls.e[i];
		slash = memchr(e->s, '/', e->len);
		policy_bloom_add(&l->urlhosts, policy_set_hash(e->s,
		    slash != NULL ? (size_t)(slash - e->s) : e->len));
	}
	return 0;
}

/*
 * The longest entry of l that ph's key starts with (at a boundary), or
 * NULL.
 */
const struct policy_entry *
check_url_match(const struct policy_list *l, const struct policy_host *ph)
{
	const struct policy_entry *e, *found = NULL;
	const char *key = ph->key;
	uint64_t h, hash[POLICY_CUTS_MAX];
	size_t i, at[POLICY_CUTS_MAX], n = 0, k;

	if (!l->has_urls || l->urls.n == 0 || key == NULL)
		return NULL;
	/* Every entry has a path: the host alone is none. */
	if (key[ph->alen] != '/' || !policy_bloom_maybe(&l->urlhosts, ph->auth))
		return NULL;
	/* Every cut's slot asked for before any is read. */
	for (h = ph->auth, i = ph->alen; key[i] != '\0'; i++) {
		h = policy_hash_step(h, (unsigned char)key[i]);
		if (key[i] != '/' && key[i + 1] != '/' && key[i + 1] != '?' &&
		    key[i + 1] != '\0')
			continue;
		if (n == POLICY_CUTS_MAX) {
			e = policy_set_find(&l->urls, h, key, i + 1);
			if (e != NULL)
				found = e;
			continue;
		}
		policy_set_prefetch(&l->urls, h);
		hash[n] = h;
		at[n++] = i + 1;
	}
	/* The longest wins: from the last cut back, unless one beyond won. */
	for (k = n; k > 0 && found == NULL; k--)
		found = policy_set_find(&l->urls, hash[k - 1], key, at[k - 1]);
	return found;
}

enum verdict
check_url(const struct txn_facts *f, struct policy_ctx *c,
    struct werr *err WD_UNUSED)
{
	const struct policy_rules *rs = &c->g->rules[POLICY_RULE_BLOCK];
	const struct policy_rule *r;
	const struct policy_entry *e;
	size_t i, k;

	if (f->key == NULL)		/* CONNECT: only the host is known */
		return VERDICT_NONE;
	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		if (!policy_rule_active(c, f, r))
			continue;
		for (k = 0; k < r->n; k++) {
			e = check_url_match(r->lists[k], &c->host);
			if (e != NULL)
				return policy_decide(c, VERDICT_BLOCK,
				    REASON_BLOCK_URL, NULL, "%s/urls:%u %s",
				    r->lists[k]->path, e->line, e->s);
		}
	}
	return VERDICT_NONE;
}
