#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "mimetype.h"
#include "policy.h"
#include "policy_int.h"

/*
 * The response phase's header and type checks: file extensions (of the
 * URL path and of an attachment's filename) and media types (declared by
 * the origin, and sniffed from the body). An allow rule exempts what it
 * names; otherwise a block rule that matches blocks. Each extension and
 * each type is judged on its own, so an executable declared as image/png
 * is blocked by its sniffed type even where all images are allowed.
 */

bool
policy_inspects(const struct policy_group *g)
{
	return policy_wants_sniff(g) ||
	    g->rules[POLICY_RULE_BLOCK_EXTENSIONS].n > 0;
}

bool
policy_wants_sniff(const struct policy_group *g)
{
	return g->phrase_lists != 0 || g->rules[POLICY_RULE_BLOCK_MIME].n > 0;
}

/* The first active rule of rs with an entry that matches what. */
static const char *
check_mime_find(struct policy_scratch *s, time_t now,
    const struct policy_rules *rs, const char *what, bool mime,
    const struct policy_rule **rule)
{
	const struct policy_rule *r;
	size_t i, k;

	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		if (s != NULL && !policy_rule_active_at(s, now, r))
			continue;
		for (k = 0; k < r->n; k++)
			if (mime ? mimetype_match(r->cats[k], what) :
			    strcmp(r->cats[k], what) == 0) {
				*rule = r;
				return r->cats[k];
			}
	}
	return NULL;
}

/* Blocks what (an extension or a type) unless an allow rule exempts it. */
static enum verdict
check_mime_one(const struct policy_group *g, const struct resp_facts *rf,
    enum policy_rule_kind allow, enum policy_rule_kind block,
    const char *what, const char *whence, struct decision *d)
{
	bool mime = block == POLICY_RULE_BLOCK_MIME;
	const struct policy_rule *r;
	const char *hit;

	if (what == NULL || *what == '\0')
		return VERDICT_NONE;
	if (check_mime_find(rf->scratch, rf->now, &g->rules[allow], what,
	    mime, &r) != NULL)
		return VERDICT_NONE;
	hit = check_mime_find(rf->scratch, rf->now, &g->rules[block], what,
	    mime, &r);
	if (hit == NULL)
		return VERDICT_NONE;
	d->verdict = VERDICT_BLOCK;
	d->reason = mime ? REASON_BLOCK_MIME : REASON_BLOCK_EXTENSION;
	snprintf(d->rule, sizeof(d->rule), "%s %s: %s %s (policy.conf:%u)",
	    whence, mime ? "type" : "extension", policy_rule_kind_str(block),
	    hit, r->line);
	return VERDICT_BLOCK;
}

enum verdict
policy_eval_response(const struct policy *p WD_UNUSED,
    const struct policy_group *g, const struct resp_facts *rf,
    struct decision *d)
{
	static const struct {
		bool		 mime;
		const char	*whence;
	} order[] = {
		{ false, "URL" }, { false, "attachment" },
		{ true, "declared" }, { true, "sniffed" },
	};
	const char *what[] = {
		rf->path_ext, rf->disp_ext, rf->declared, rf->sniffed,
	};
	size_t i;

	for (i = 0; i < WD_NELEM(order); i++)
		if (check_mime_one(g, rf, order[i].mime ?
		    POLICY_RULE_ALLOW_MIME : POLICY_RULE_ALLOW_EXTENSIONS,
		    order[i].mime ? POLICY_RULE_BLOCK_MIME :
		    POLICY_RULE_BLOCK_EXTENSIONS, what[i], order[i].whence,
		    d) == VERDICT_BLOCK)
			return VERDICT_BLOCK;
	return VERDICT_NONE;
}
