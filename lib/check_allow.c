#include <stdbool.h>
#include <stddef.h>

#include "policy.h"
#include "policy_int.h"

/*
 * The allow step, first in the request phase: a request an allow list
 * (domains, URLs, expressions) or an allowed category takes is allowed,
 * and no block rule is consulted. A site the administrator vouches for
 * stays reachable whatever a downloaded blacklist says of it.
 */

static enum verdict
check_allow_lists(const struct txn_facts *f, struct policy_ctx *c,
    const struct policy_rule *r, struct werr *err)
{
	const struct policy_list *l;
	const struct policy_entry *e;
	struct policy_rxhit hit;
	size_t k;
	int rc;

	for (k = 0; k < r->n; k++) {
		l = r->lists[k];
		if ((e = check_domain_match(l, &c->host)) != NULL)
			return policy_decide(c, VERDICT_ALLOW,
			    REASON_ALLOW_LIST, NULL, "%s/domains:%u %s",
			    l->path, e->line, e->s);
		if ((e = check_url_match(l, &c->host)) != NULL)
			return policy_decide(c, VERDICT_ALLOW,
			    REASON_ALLOW_LIST, NULL, "%s/urls:%u %s", l->path,
			    e->line, e->s);
		rc = check_regex_match(l, f, c, &hit, err);
		if (rc == -1)
			return VERDICT_NONE;
		if (rc == 1)
			return policy_decide(c, VERDICT_ALLOW,
			    REASON_ALLOW_LIST, NULL, "%s/expressions:%u %s",
			    l->path, hit.line, hit.src);
	}
	return VERDICT_NONE;
}

enum verdict
check_allow(const struct txn_facts *f, struct policy_ctx *c, struct werr *err)
{
	const struct policy_rules *rs;
	const struct policy_rule *r;
	const struct catset *cs = NULL;
	const char *name;
	enum verdict v;
	size_t i;

	rs = &c->g->rules[POLICY_RULE_ALLOW];
	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		if (!policy_rule_active(c, f, r))
			continue;
		v = check_allow_lists(f, c, r, err);
		if (v != VERDICT_NONE || c->failed)
			return v;
	}
	if (f->cats == NULL)
		return VERDICT_NONE;
	rs = &c->g->rules[POLICY_RULE_ALLOW_CATEGORIES];
	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		if (!policy_rule_active(c, f, r))
			continue;
		if (cs == NULL && (cs = policy_categories(c, f, err)) == NULL)
			return VERDICT_NONE;
		name = check_category_match(r, cs);
		if (name != NULL)
			return policy_decide(c, VERDICT_ALLOW,
			    REASON_ALLOW_CATEGORY, name, "%s", name);
	}
	return VERDICT_NONE;
}
