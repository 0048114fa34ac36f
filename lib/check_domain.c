#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "policy.h"
#include "policy_int.h"

/*
 * Domain lists. An entry matches its host and every subdomain of it; an
 * address matches only itself. The host's suffixes at each '.' are
 * looked up in the list's hash set, right to left, so a lookup costs one
 * probe per label whatever the size of the list.
 */

/* The most specific entry of l that host falls under, or NULL. */
const struct policy_entry *
check_domain_match(const struct policy_list *l, const char *host, bool is_ip)
{
	const struct policy_entry *e, *found = NULL;
	uint64_t h = POLICY_HASH_SEED, hash[POLICY_CUTS_MAX];
	size_t len, i, at[POLICY_CUTS_MAX], n = 0, k;

	if (!l->has_domains || l->domains.n == 0)
		return NULL;
	len = strlen(host);
	if (is_ip) {
		e = policy_set_find(&l->domains, policy_set_hash_rev(host, len),
		    host, len);
		return e != NULL && e->ip ? e : NULL;
	}
	/*
	 * Hashing from the right, each suffix's hash comes on the way. The
	 * slots are asked for first and looked at after, so that the cache
	 * misses of a big list overlap rather than follow one another.
	 */
	for (i = len; i > 0; i--) {
		h = policy_hash_step(h, (unsigned char)host[i - 1]);
		if (i - 1 > 0 && host[i - 2] != '.')
			continue;
		if (n == POLICY_CUTS_MAX) {
			e = policy_set_find(&l->domains, h, host + i - 1,
			    len - i + 1);
			if (e != NULL && (!e->ip || i == 1))
				found = e;
			continue;
		}
		policy_set_prefetch(&l->domains, h);
		hash[n] = h;
		at[n++] = i - 1;
	}
	for (k = n; k > 0 && found == NULL; k--) {
		e = policy_set_find(&l->domains, hash[k - 1], host + at[k - 1],
		    len - at[k - 1]);
		if (e != NULL && (!e->ip || at[k - 1] == 0))
			found = e;
	}
	return found;
}

enum verdict
check_domain(const struct txn_facts *f, struct policy_ctx *c,
    struct werr *err WD_UNUSED)
{
	const struct policy_rules *rs = &c->g->rules[POLICY_RULE_BLOCK];
	const struct policy_rule *r;
	const struct policy_entry *e;
	size_t i, k;

	if (f->host == NULL)
		return VERDICT_NONE;
	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		if (!policy_rule_active(c, f, r))
			continue;
		for (k = 0; k < r->n; k++) {
			e = check_domain_match(r->lists[k], f->host,
			    f->host_is_ip);
			if (e != NULL)
				return policy_decide(c, VERDICT_BLOCK,
				    REASON_BLOCK_DOMAIN, NULL,
				    "%s/domains:%u %s", r->lists[k]->path,
				    e->line, e->s);
		}
	}
	return VERDICT_NONE;
}
