#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "policy.h"
#include "policy_int.h"

/*
 * Blocked categories: the categories of the request, looked up once per
 * evaluation in this worker's category store (only when a rule of the
 * group needs them), against the group's block_categories rules. Without
 * a store no category rule can match.
 */

/*
 * The categories the Université Toulouse 1 Capitole blacklists publish
 * (their directory names), with the aliases the tarball carries as
 * symbolic links (ads, aggressive, drugs). A policy may name one of these
 * before the store holds it; any other name must be in the store.
 */
static const char *const check_category_ut1_names[] = {
	"ads", "adult", "aggressive", "agressif", "arjel",
	"associations_religieuses", "astrology", "audio-video", "bank",
	"bitcoin", "blog", "celebrity", "chat", "child", "cleaning", "cooking",
	"cryptojacking", "dangerous_material", "dating", "ddos", "dialer",
	"doh", "download", "drogue", "drugs", "dynamic-dns",
	"educational_games", "examen_pix", "exceptions_liste_bu", "fakenews",
	"filehosting", "financial", "forums", "gambling", "games", "hacking",
	"jobsearch", "lingerie", "liste_blanche", "liste_bu", "malware",
	"manga", "marketingware", "mixed_adult", "mobile-phone", "phishing",
	"press", "publicite", "radio", "reaffected", "redirector",
	"remote-control", "residential-proxies", "sect", "sexual_education",
	"shopping", "shortener", "social_networks", "special", "sports",
	"stalkerware", "strict_redirector", "strong_redirector",
	"translation", "tricheur", "tricheur_pix", "update", "vpn", "warez",
	"webhosting", "webmail",
};

/* As catstore names categories: letters, digits, '_', '-', '.'. */
bool
check_category_valid(const char *name)
{
	size_t len;

	len = strlen(name);
	if (len == 0 || len >= CATSTORE_NAME_MAX || name[0] == '.' ||
	    name[0] == '-')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == len;
}

bool
check_category_ut1(const char *name)
{
	size_t i;

	for (i = 0; i < WD_NELEM(check_category_ut1_names); i++)
		if (strcmp(name, check_category_ut1_names[i]) == 0)
			return true;
	return false;
}

const char *
check_category_match(const struct policy_rule *r, const struct catset *cs)
{
	size_t i, k;

	for (i = 0; i < r->n; i++)
		for (k = 0; k < cs->n; k++)
			if (strcmp(r->cats[i], cs->name[k]) == 0)
				return r->cats[i];
	return NULL;
}

enum verdict
check_category(const struct txn_facts *f, struct policy_ctx *c,
    struct werr *err)
{
	const struct policy_rules *rs;
	const struct policy_rule *r;
	const struct catset *cs = NULL;
	const char *name;
	size_t i;

	rs = &c->g->rules[POLICY_RULE_BLOCK_CATEGORIES];
	if (f->cats == NULL)
		return VERDICT_NONE;
	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		if (!policy_rule_active(c, f, r))
			continue;
		if (cs == NULL && (cs = policy_categories(c, f, err)) == NULL)
			return VERDICT_NONE;
		name = check_category_match(r, cs);
		if (name != NULL)
			return policy_decide(c, VERDICT_BLOCK,
			    REASON_BLOCK_CATEGORY, name, "%s", name);
	}
	return VERDICT_NONE;
}
