#include <stdbool.h>
#include <stddef.h>

#include "policy.h"
#include "policy_int.h"

/*
 * Domain lists. An entry matches its host and every subdomain of it; an
 * address matches only itself. The host's suffixes at each '.' are
 * looked up in the list's hash set, right to left, so a lookup costs one
 * probe per label whatever the size of the list.
 */

/*
 * Whether e, found for the suffix at host[at..], matches: an address
 * entry only the whole host, and an address host only such an entry.
 */
static bool
check_domain_fits(const struct policy_entry *e, const struct policy_host *ph,
    size_t at)
{
	if (e == NULL)
		return false;
	return ph->ip ? e->ip : !e->ip || at == 0;
}

/*
 * The most specific entry of l that ph's host falls under, or NULL. The
 * suffixes' lines are all asked for before any is read (a request's
 * decision asked for them when it started), then read from the longest.
 */
const struct policy_entry *
check_domain_match(const struct policy_list *l, const struct policy_host *ph)
{
	const struct policy_entry *e, *found = NULL;
	uint64_t h;
	size_t i;
	unsigned k;

	if (!l->has_domains || l->domains.n == 0 || ph->n == 0)
		return NULL;
	for (k = 0; k < ph->n; k++)
		policy_set_prefetch(&l->domains, ph->hash[k]);
	/* More suffixes than ph holds: the longer ones, the last found. */
	if (ph->n == POLICY_CUTS_MAX) {
		h = ph->hash[ph->n - 1];
		i = ph->at[ph->n - 1];
		while (policy_next_cut(&h, ph->host, &i, ph->ip)) {
			e = policy_set_find(&l->domains, h, ph->host + i,
			    ph->len - i);
			if (check_domain_fits(e, ph, i))
				found = e;
		}
	}
	for (k = ph->n; k > 0 && found == NULL; k--) {
		e = policy_set_find(&l->domains, ph->hash[k - 1],
		    ph->host + ph->at[k - 1], ph->len - ph->at[k - 1]);
		if (check_domain_fits(e, ph, ph->at[k - 1]))
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
			e = check_domain_match(r->lists[k], &c->host);
			if (e != NULL)
				return policy_decide(c, VERDICT_BLOCK,
				    REASON_BLOCK_DOMAIN, NULL,
				    "%s/domains:%u %s", r->lists[k]->path,
				    e->line, e->s);
		}
	}
	return VERDICT_NONE;
}
