#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "policy_int.h"

/*
 * Which HTTPS connections are not decrypted when tls_inspect is on:
 * those whose server name is in a tls_splice list (its domains file: a
 * domain and its subdomains) or in a tls_splice_categories category.
 * Banking, health and applications that pin their certificates belong
 * there: they are tunnelled untouched, decided on their name only.
 */
/* The first active rule of kind k whose lists' domains hold f->host. */
static int
check_tls_lists(const struct policy_group *g, struct policy_ctx *c,
    const struct txn_facts *f, enum policy_rule_kind k, char *rule,
    size_t rulelen)
{
	const struct policy_rules *rs = &g->rules[k];
	const struct policy_entry *e;
	const struct policy_rule *r;
	const struct policy_list *l;
	size_t i, n;

	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		if (!policy_rule_active(c, f, r))
			continue;
		for (n = 0; n < r->n; n++) {
			l = r->lists[n];
			if ((e = check_domain_match(l, &c->host)) == NULL)
				continue;
			snprintf(rule, rulelen, "%s/domains:%u %s", l->path,
			    e->line, e->s);
			return 1;
		}
	}
	return 0;
}

int
policy_tls_noverify(const struct policy *p, const struct txn_facts *f,
    char *rule, size_t rulelen)
{
	struct policy_scratch *own = NULL;
	struct policy_ctx c;
	struct decision d;
	int rc;

	memset(&d, 0, sizeof(d));
	policy_ctx_start(&c, p, f, &d);
	if ((c.s = f->scratch) == NULL &&
	    (c.s = own = policy_scratch_new(p)) == NULL)
		return 0;
	rc = check_tls_lists(c.g, &c, f, POLICY_RULE_TLS_NOVERIFY, rule,
	    rulelen);
	policy_scratch_free(own);
	return rc;
}

int
policy_tls_splice(const struct policy *p, const struct txn_facts *f,
    char *rule, size_t rulelen, struct werr *err)
{
	const struct policy_rules *rs;
	const struct policy_rule *r;
	const struct catset *cs = NULL;
	struct policy_scratch *own = NULL;
	struct policy_ctx c;
	struct decision d;
	const char *name;
	size_t i;
	int rc;

	memset(&d, 0, sizeof(d));
	policy_ctx_start(&c, p, f, &d);
	if ((c.s = f->scratch) == NULL &&
	    (c.s = own = policy_scratch_new(p)) == NULL)
		return werr_set(err, "out of memory");
	rc = check_tls_lists(c.g, &c, f, POLICY_RULE_TLS_SPLICE, rule,
	    rulelen);
	rs = &c.g->rules[POLICY_RULE_TLS_SPLICE_CATEGORIES];
	for (i = 0; i < rs->n && rc == 0; i++) {
		r = &rs->v[i];
		if (f->cats == NULL || !policy_rule_active(&c, f, r))
			continue;
		if (cs == NULL && (cs = policy_categories(&c, f, err)) == NULL) {
			rc = -1;
			break;
		}
		if ((name = check_category_match(r, cs)) != NULL) {
			snprintf(rule, rulelen, "%s", name);
			rc = 1;
		}
	}
	policy_scratch_free(own);
	return rc;
}
