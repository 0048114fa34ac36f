#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "mimetype.h"
#include "phrase.h"
#include "policy.h"
#include "policy_int.h"

/*
 * The response phase's content check: bodies of the scanned types are
 * run through the snapshot's phrase automaton, counting the phrase lists
 * of the client's group, and judged against the group's naughtiness
 * limit.
 */

/* What scan_types is when policy.conf does not say. */
const char *const policy_scan_types_default[] = {
	"text/*", "application/json", "application/ld+json",
	"application/javascript", "application/x-javascript",
	"application/ecmascript", "application/xhtml+xml", "application/xml",
	"application/rss+xml", "application/atom+xml",
};
const size_t policy_nscan_types_default =
    WD_NELEM(policy_scan_types_default);

bool
policy_scan_type(const struct policy *p, const struct policy_group *g,
    const char *type)
{
	const char *const *v;
	size_t i, n;

	if (g->phrase_lists == 0 || *type == '\0' ||
	    strcmp(type, "text/event-stream") == 0)
		return false;
	v = p->scan_types != NULL ? p->scan_types : policy_scan_types_default;
	n = p->scan_types != NULL ? p->nscan_types :
	    policy_nscan_types_default;
	for (i = 0; i < n; i++)
		if (mimetype_match(v[i], type))
			return true;
	return false;
}

struct phrase_scan *
policy_phrase_scan(const struct policy *p, const struct policy_group *g)
{
	if (g->phrase_lists == 0 || p->phr == NULL)
		return NULL;
	return phrase_scan_new(p->phr, g->phrase_lists);
}

enum verdict
policy_phrase_verdict(const struct policy_group *g,
    const struct phrase_result *r, struct decision *d)
{
	if (r->exception)
		return VERDICT_NONE;
	if (r->banned)
		snprintf(d->rule, sizeof(d->rule), "%.250s", r->detail);
	else if (r->score >= g->naughtiness_limit)
		snprintf(d->rule, sizeof(d->rule), "score %ld of limit %ld: "
		    "%.200s", r->score, g->naughtiness_limit, r->detail);
	else
		return VERDICT_NONE;
	d->verdict = VERDICT_BLOCK;
	d->reason = REASON_BLOCK_PHRASE;
	return VERDICT_BLOCK;
}
