#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "policy.h"
#include "policy_int.h"

/*
 * Expression lists: PCRE2 patterns against the request's URL
 * ("http://host[:port]/path?q"; for a CONNECT "https://host[:port]/"),
 * caseless. policy_regex.c keeps the number of pcre2_match() calls small
 * whatever the number of patterns, and names the first pattern of the
 * file that matched.
 */

int
check_regex_match(const struct policy_list *l, const struct txn_facts *f,
    struct policy_ctx *c, struct policy_rxhit *hit, struct werr *err)
{
	struct werr sub;
	int rc;

	if (l->rx == NULL || f->url == NULL)
		return 0;
	rc = policy_regex_match(l->rx, f->url, strlen(f->url), c->s->rx,
	    &c->rxsubj, hit, &sub);
	if (rc == -1) {
		policy_fail(c);
		return werr_set(err, "%s/expressions:%s", l->path, sub.msg);
	}
	return rc;
}

enum verdict
check_regex(const struct txn_facts *f, struct policy_ctx *c, struct werr *err)
{
	const struct policy_rules *rs = &c->g->rules[POLICY_RULE_BLOCK];
	const struct policy_rule *r;
	struct policy_rxhit hit;
	size_t i, k;
	int rc;

	policy_categories_ahead(c, f);
	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		if (!policy_rule_active(c, f, r))
			continue;
		for (k = 0; k < r->n; k++) {
			rc = check_regex_match(r->lists[k], f, c, &hit, err);
			if (rc == -1)
				return VERDICT_NONE;
			if (rc == 1)
				return policy_decide(c, VERDICT_BLOCK,
				    REASON_BLOCK_REGEX, NULL,
				    "%s/expressions:%u %s", r->lists[k]->path,
				    hit.line, hit.src);
		}
	}
	return VERDICT_NONE;
}
