#include <sys/stat.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catstore.h"
#include "mimetype.h"
#include "netaddr.h"
#include "phrase.h"
#include "policy.h"
#include "policy_int.h"
#include "suggest.h"
#include "timewin.h"
#include "urlnorm.h"

/*
 * Reading policy_dir: policy.conf line by line, the list directories it
 * names as it names them, then the block page template. Keyword parsers
 * know nothing of files; the reader adds "FILE:LINE: " to what they say,
 * except for errors inside a list file, which name that file and line.
 */

#define PARSE_CONF		"policy.conf"
#define PARSE_PAGE		"blockpage.html"
#define PARSE_LINE_MAX		4096
#define PARSE_LIST_LINE_MAX	8192
#define PARSE_ARGS_MAX		512
#define PARSE_PAGE_MAX		(256 * 1024)
#define PARSE_STORE_MAX		4096	/* categories of a store */
/* Quote at most this much of what the administrator wrote. */
#define PARSE_Q			"%.80s"

enum parse_file {
	PARSE_DOMAINS = 0,
	PARSE_URLS,
	PARSE_EXPRESSIONS,
};

struct parse {
	struct policy		 *p;
	const char		 *path;		/* dir/policy.conf */
	unsigned		  line;
	unsigned		  errline;	/* 0: the current line */
	bool			  placed;	/* err names its place */
	struct policy_time	 *time;		/* the open block */
	struct policy_group	 *group;
	bool			  seen_days, seen_hours;
	size_t			  timecap, listcap, groupcap, phrasecap;
	bool			  seen_scan_types;
	bool			  have_store;
	char			(*names)[CATSTORE_NAME_MAX];
	size_t			  nnames;
	void			(*warn)(void *, const char *);
	void			 *warn_arg;
};

struct parse_kw {
	const char	*name;
	int		(*fn)(struct parse *, int, char **, struct werr *);
	bool		 block;		/* opens a block: NAME { */
	int		 rule;		/* fn NULL: a rule of this kind */
};

static int	parse_time(struct parse *, int, char **, struct werr *);
static int	parse_list(struct parse *, int, char **, struct werr *);
static int	parse_group(struct parse *, int, char **, struct werr *);
static int	parse_days(struct parse *, int, char **, struct werr *);
static int	parse_hours(struct parse *, int, char **, struct werr *);
static int	parse_clients(struct parse *, int, char **, struct werr *);
static int	parse_safe_search(struct parse *, int, char **,
		    struct werr *);
static int	parse_phrases(struct parse *, int, char **, struct werr *);
static int	parse_scan_types(struct parse *, int, char **,
		    struct werr *);
static int	parse_phrase_lists(struct parse *, int, char **,
		    struct werr *);
static int	parse_naughtiness_limit(struct parse *, int, char **,
		    struct werr *);

static const struct parse_kw parse_top[] = {
	{ "time", parse_time, true, 0 },
	{ "list", parse_list, false, 0 },
	{ "group", parse_group, true, 0 },
	{ "phrases", parse_phrases, false, 0 },
	{ "scan_types", parse_scan_types, false, 0 },
};

static const struct parse_kw parse_in_time[] = {
	{ "days", parse_days, false, 0 },
	{ "hours", parse_hours, false, 0 },
};

/* A "users" rule (groups by authenticated user) will join these. */
static const struct parse_kw parse_in_group[] = {
	{ "clients", parse_clients, false, 0 },
	{ "allow", NULL, false, POLICY_RULE_ALLOW },
	{ "block", NULL, false, POLICY_RULE_BLOCK },
	{ "allow_categories", NULL, false, POLICY_RULE_ALLOW_CATEGORIES },
	{ "block_categories", NULL, false, POLICY_RULE_BLOCK_CATEGORIES },
	{ "safe_search", parse_safe_search, false, 0 },
	{ "allow_mime", NULL, false, POLICY_RULE_ALLOW_MIME },
	{ "block_mime", NULL, false, POLICY_RULE_BLOCK_MIME },
	{ "allow_extensions", NULL, false, POLICY_RULE_ALLOW_EXTENSIONS },
	{ "block_extensions", NULL, false, POLICY_RULE_BLOCK_EXTENSIONS },
	{ "phrase_lists", parse_phrase_lists, false, 0 },
	{ "naughtiness_limit", parse_naughtiness_limit, false, 0 },
	{ "tls_splice", NULL, false, POLICY_RULE_TLS_SPLICE },
	{ "tls_splice_categories", NULL, false,
	    POLICY_RULE_TLS_SPLICE_CATEGORIES },
	{ "tls_noverify", NULL, false, POLICY_RULE_TLS_NOVERIFY },
};

/* The file of a list directory an enum parse_file names. */
static const char *
parse_file_str(enum parse_file f)
{
	switch (f) {
	case PARSE_DOMAINS:
		return "domains";
	case PARSE_URLS:
		return "urls";
	case PARSE_EXPRESSIONS:
		return "expressions";
	}
	return "unknown";
}

/* --- Words --------------------------------------------------------------- */

/* Keeps in *near the closest of the candidates seen, if close enough. */
static void
parse_nearest(const char *word, const char *cand, const char **near,
    size_t *best)
{
	size_t d;

	/* Two edits, or three in a long word ("block_category"). */
	d = suggest_distance(word, cand);
	if (d < *best && d <= (strlen(cand) >= 12 ? 3 : 2) &&
	    d < strlen(cand)) {
		*best = d;
		*near = cand;
	}
}

static int
parse_name(const char *what, const char *s, struct werr *err)
{
	size_t len;

	len = strlen(s);
	if (len == 0 || len >= POLICY_NAME_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-.") != len)
		return werr_set(err, "%s name '" PARSE_Q "': use letters, "
		    "digits, '_', '-' and '.' (at most %d)", what, s,
		    POLICY_NAME_MAX - 1);
	if (strcmp(s, "during") == 0)
		return werr_set(err, "%s name 'during': a reserved word", what);
	return 0;
}

static struct policy_time *
parse_find_time(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ntimes; i++)
		if (strcmp(p->times[i]->name, name) == 0)
			return p->times[i];
	return NULL;
}

static struct policy_list *
parse_find_list(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nlists; i++)
		if (strcmp(p->lists[i]->name, name) == 0)
			return p->lists[i];
	return NULL;
}

static struct policy_group *
parse_find_group(const struct policy *p, const char *name)
{
	size_t i;

	if (p->def != NULL && strcmp(name, p->def->name) == 0)
		return p->def;
	for (i = 0; i < p->ngroups; i++)
		if (strcmp(p->groups[i]->name, name) == 0)
			return p->groups[i];
	return NULL;
}

/* --- Top level: time windows, lists, groups ------------------------------ */

static int
parse_time(struct parse *ps, int argc, char **argv, struct werr *err)
{
	struct policy *p = ps->p;
	struct policy_time *t;

	if (argc != 2)
		return werr_set(err, "expected 'time NAME {'");
	if (parse_name("time window", argv[1], err) == -1)
		return -1;
	t = parse_find_time(p, argv[1]);
	if (t != NULL)
		return werr_set(err, "time window '%s' is already defined at "
		    "line %u", argv[1], t->line);
	if (policy_grow(&p->times, &ps->timecap, p->ntimes,
	    sizeof(*p->times)) == -1 ||
	    (t = policy_arena_alloc(&p->arena, sizeof(*t))) == NULL ||
	    (t->name = policy_arena_strdup(&p->arena, argv[1],
	    strlen(argv[1]))) == NULL)
		return werr_set(err, "out of memory");
	t->line = ps->line;
	timewin_init(&t->tw);
	p->times[p->ntimes++] = t;
	ps->time = t;
	ps->seen_days = ps->seen_hours = false;
	return 0;
}

static int
parse_days(struct parse *ps, int argc, char **argv, struct werr *err)
{
	struct werr sub;
	int i;

	if (ps->seen_days)
		return werr_set(err, "'days' given twice in time window '%s'",
		    ps->time->name);
	if (argc < 2)
		return werr_set(err, "days: expected days such as 'mon-fri' "
		    "or 'sat,sun'");
	for (i = 1; i < argc; i++)
		if (timewin_parse_days(&ps->time->tw, argv[i], &sub) == -1)
			return werr_set(err, "days: %s", sub.msg);
	ps->seen_days = true;
	return 0;
}

static int
parse_hours(struct parse *ps, int argc, char **argv, struct werr *err)
{
	struct werr sub;
	int i;

	if (ps->seen_hours)
		return werr_set(err, "'hours' given twice in time window '%s'",
		    ps->time->name);
	if (argc < 2)
		return werr_set(err, "hours: expected ranges such as "
		    "'08:00-12:00'");
	for (i = 1; i < argc; i++)
		if (timewin_parse_hours(&ps->time->tw, argv[i], &sub) == -1)
			return werr_set(err, "hours: %s", sub.msg);
	ps->seen_hours = true;
	return 0;
}

/*
 * Reads one line, without its '\n' (or "\r\n"), into buf. 1: a line of
 * *len bytes; 0: end of file; -1: err set.
 */
static int
parse_read_line(FILE *fp, char *buf, size_t size, size_t *len,
    struct werr *err)
{
	size_t n = 0;
	int c;

	while ((c = getc_unlocked(fp)) != EOF && c != '\n') {
		if (n >= size - 1)
			return werr_set(err, "line too long (more than %zu "
			    "bytes)", size - 1);
		if (c == '\0')
			return werr_set(err, "NUL byte at column %zu", n + 1);
		buf[n++] = (char)c;
	}
	if (c == EOF && ferror(fp))
		return werr_set(err, "read error: %s", strerror(errno));
	if (c == EOF && n == 0)
		return 0;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 1;
}

/* s without blanks at either end (s is changed); *len updated. */
static char *
parse_trim(char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	s[n] = '\0';
	*len = n;
	return s;
}

/* '#' starts a comment at the start of a line or after a blank. */
static void
parse_uncomment(char *s, size_t *len)
{
	size_t i;

	for (i = 0; i < *len; i++)
		if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' ||
		    s[i - 1] == '\t')) {
			s[i] = '\0';
			*len = i;
			return;
		}
}

/* One entry of a domains or urls file into its set; err without place. */
static int
parse_entry(struct parse *ps, struct policy_list *l, enum parse_file which,
    char *s, size_t len, unsigned line, struct werr *err)
{
	char out[PARSE_LIST_LINE_MAX + URLNORM_HOST_MAX];
	unsigned char a6[16];
	struct werr sub;
	uint64_t h;
	size_t olen;
	bool ip = false;
	int rc;

	if (strcspn(s, " \t") != len)
		return werr_set(err, "'" PARSE_Q "': one entry per line", s);
	if (which == PARSE_DOMAINS) {
		if (urlnorm_domain_entry(s, len, out, sizeof(out), &sub) == -1)
			return werr_set(err, "'" PARSE_Q "': %s", s, sub.msg);
		olen = strlen(out);
		ip = inet_pton(AF_INET, out, a6) == 1 ||
		    inet_pton(AF_INET6, out, a6) == 1;
		h = policy_set_hash_rev(out, olen);
		rc = policy_set_add(&l->domains, &ps->p->arena, h, out, olen,
		    line, ip);
	} else {
		if (urlnorm_entry(s, len, out, sizeof(out), &sub) == -1)
			return werr_set(err, "'" PARSE_Q "': %s", s, sub.msg);
		olen = strlen(out);
		h = policy_set_hash(out, olen);
		rc = policy_set_add(&l->urls, &ps->p->arena, h, out, olen,
		    line, false);
	}
	if (rc == -1)
		return werr_set(err, "out of memory");
	return 0;
}

/*
 * Loads dir/name of a list. 1: loaded; 0: there is no such file; -1 with
 * err naming the file (and line).
 */
static int
parse_list_file(struct parse *ps, struct policy_list *l, const char *dir,
    enum parse_file which, struct werr *err)
{
	char path[PATH_MAX], *buf = NULL, *s;
	struct werr sub;
	struct stat st;
	unsigned line;
	size_t len = 0;
	FILE *fp;
	int r, rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	    parse_file_str(which)) >= sizeof(path))
		return werr_set(err, "%s: path too long", dir);
	fp = fopen(path, "r");
	if (fp == NULL && errno == ENOENT)
		return 0;
	if (fp == NULL)
		return werr_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		werr_set(err, "%s: %s", path, strerror(EISDIR));
		goto done;
	}
	buf = malloc(PARSE_LIST_LINE_MAX + 1);
	if (buf == NULL) {
		werr_set(err, "%s: out of memory", path);
		goto done;
	}
	if (which == PARSE_EXPRESSIONS && (l->rx = policy_regex_new()) ==
	    NULL) {
		werr_set(err, "%s: out of memory", path);
		goto done;
	}
	for (line = 1;; line++) {
		r = parse_read_line(fp, buf, PARSE_LIST_LINE_MAX + 1, &len,
		    &sub);
		if (r == 0)
			break;
		if (r == -1) {
			werr_set(err, "%s:%u: %s", path, line, sub.msg);
			goto done;
		}
		s = buf;
		if (line == 1 && len >= 3 &&
		    memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;		/* a byte order mark */
			len -= 3;
		}
		/* In a pattern '#' may be meant: only whole-line comments. */
		if (which != PARSE_EXPRESSIONS)
			parse_uncomment(s, &len);
		s = parse_trim(s, &len);
		if (len == 0 || *s == '#')
			continue;
		if (which == PARSE_EXPRESSIONS)
			r = policy_regex_add(l->rx, &ps->p->arena, s, len, line,
			    &sub);
		else
			r = parse_entry(ps, l, which, s, len, line, &sub);
		if (r == -1) {
			werr_set(err, "%s:%u: %s", path, line, sub.msg);
			goto done;
		}
	}
	if (which == PARSE_EXPRESSIONS &&
	    policy_regex_build(l->rx, &sub) == -1) {
		werr_set(err, "%s: %s", path, sub.msg);
		goto done;
	}
	if ((which == PARSE_DOMAINS && policy_set_seal(&l->domains) == -1) ||
	    (which == PARSE_URLS && check_url_seal(l) == -1)) {
		werr_set(err, "%s: out of memory", path);
		goto done;
	}
	rc = 1;
done:
	free(buf);
	fclose(fp);
	return rc;
}

/*
 * The directory a "list" or "phrases" line names (relative to policy_dir
 * unless absolute): trailing slashes dropped from path in place, the
 * full name in dir. The length of path, or 0 with err set when the
 * directory is not there.
 */
static size_t
parse_dir(const struct policy *p, const char *what, const char *name,
    char *path, char *dir, size_t dirlen, struct werr *err)
{
	struct stat st;
	size_t plen;

	plen = strlen(path);
	while (plen > 1 && path[plen - 1] == '/')
		path[--plen] = '\0';
	if ((size_t)snprintf(dir, dirlen, "%s%s%s", path[0] == '/' ? "" :
	    p->dir, path[0] == '/' ? "" : "/", path) >= dirlen) {
		werr_set(err, "%s '%s': path too long", what, name);
		return 0;
	}
	if (stat(dir, &st) == -1) {
		werr_set(err, "%s '%s': %s: %s", what, name, dir,
		    strerror(errno));
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		werr_set(err, "%s '%s': %s is not a directory", what, name,
		    dir);
		return 0;
	}
	return plen;
}

static int
parse_list(struct parse *ps, int argc, char **argv, struct werr *err)
{
	struct policy *p = ps->p;
	struct policy_list *l;
	char dir[PATH_MAX];
	size_t plen;
	int i, r, found = 0;

	if (argc != 3)
		return werr_set(err, "expected 'list NAME DIRECTORY'");
	if (parse_name("list", argv[1], err) == -1)
		return -1;
	l = parse_find_list(p, argv[1]);
	if (l != NULL)
		return werr_set(err, "list '%s' is already defined at line %u",
		    argv[1], l->line);
	if ((plen = parse_dir(p, "list", argv[1], argv[2], dir, sizeof(dir),
	    err)) == 0)
		return -1;
	if (policy_grow(&p->lists, &ps->listcap, p->nlists,
	    sizeof(*p->lists)) == -1 ||
	    (l = policy_arena_alloc(&p->arena, sizeof(*l))) == NULL ||
	    (l->name = policy_arena_strdup(&p->arena, argv[1],
	    strlen(argv[1]))) == NULL ||
	    (l->path = policy_arena_strdup(&p->arena, argv[2], plen)) == NULL)
		return werr_set(err, "out of memory");
	l->line = ps->line;
	/* Owned by the snapshot from here: freed with it on any error. */
	p->lists[p->nlists++] = l;
	for (i = PARSE_DOMAINS; i <= PARSE_EXPRESSIONS; i++) {
		r = parse_list_file(ps, l, dir, (enum parse_file)i, err);
		if (r == -1) {
			ps->placed = true;
			return -1;
		}
		found += r;
		if (i == PARSE_DOMAINS)
			l->has_domains = r == 1;
		else if (i == PARSE_URLS)
			l->has_urls = r == 1;
	}
	if (found == 0)
		return werr_set(err, "list '%s': %s has none of the files "
		    "domains, urls, expressions", argv[1], dir);
	return 0;
}

/* phrases NAME DIRECTORY: files weighted, banned and exception in it. */
static int
parse_phrases(struct parse *ps, int argc, char **argv, struct werr *err)
{
	static const enum phrase_kind kinds[] = {
		PHRASE_WEIGHTED, PHRASE_BANNED, PHRASE_EXCEPTION,
	};
	struct policy *p = ps->p;
	struct policy_phrases *ph;
	char dir[PATH_MAX], file[PATH_MAX];
	struct stat st;
	size_t i, plen;
	int found = 0;

	if (argc != 3)
		return werr_set(err, "expected 'phrases NAME DIRECTORY'");
	if (parse_name("phrase list", argv[1], err) == -1)
		return -1;
	for (i = 0; i < p->nphrases; i++)
		if (strcmp(p->phrases[i]->name, argv[1]) == 0)
			return werr_set(err, "phrase list '%s' is already "
			    "defined at line %u", argv[1], p->phrases[i]->line);
	if (p->nphrases == PHRASE_LISTS_MAX)
		return werr_set(err, "too many phrase lists (at most %d)",
		    PHRASE_LISTS_MAX);
	if ((plen = parse_dir(p, "phrase list", argv[1], argv[2], dir,
	    sizeof(dir), err)) == 0)
		return -1;
	if (p->phr == NULL && (p->phr = phrase_set_new()) == NULL)
		return werr_set(err, "out of memory");
	if (policy_grow(&p->phrases, &ps->phrasecap, p->nphrases,
	    sizeof(*p->phrases)) == -1 ||
	    (ph = policy_arena_alloc(&p->arena, sizeof(*ph))) == NULL ||
	    (ph->name = policy_arena_strdup(&p->arena, argv[1],
	    strlen(argv[1]))) == NULL ||
	    (ph->path = policy_arena_strdup(&p->arena, argv[2], plen)) == NULL)
		return werr_set(err, "out of memory");
	ph->line = ps->line;
	for (i = 0; i < WD_NELEM(kinds); i++) {
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", dir,
		    phrase_kind_str(kinds[i])) >= sizeof(file))
			return werr_set(err, "phrase list '%s': path too "
			    "long", argv[1]);
		if (stat(file, &st) == -1 && errno == ENOENT)
			continue;
		if (phrase_set_load(p->phr, (unsigned)p->nphrases, kinds[i],
		    file, err) == -1) {
			ps->placed = true;
			return -1;
		}
		found++;
	}
	if (found == 0)
		return werr_set(err, "phrase list '%s': %s has none of the "
		    "files weighted, banned, exception", argv[1], dir);
	p->phrases[p->nphrases++] = ph;
	return 0;
}

/* scan_types PATTERN...: which bodies are scanned for phrases. */
static int
parse_scan_types(struct parse *ps, int argc, char **argv, struct werr *err)
{
	struct policy *p = ps->p;
	struct werr sub;
	int i;

	if (ps->seen_scan_types)
		return werr_set(err, "'scan_types' given twice");
	if (argc < 2)
		return werr_set(err, "scan_types: expected media types such "
		    "as 'text/*'");
	p->scan_types = calloc((size_t)argc - 1, sizeof(*p->scan_types));
	if (p->scan_types == NULL)
		return werr_set(err, "out of memory");
	for (i = 1; i < argc; i++) {
		if (mimetype_pattern_valid(argv[i], &sub) == -1)
			return werr_set(err, "scan_types: %s", sub.msg);
		p->scan_types[p->nscan_types] = policy_arena_strdup(&p->arena,
		    argv[i], strlen(argv[i]));
		if (p->scan_types[p->nscan_types] == NULL)
			return werr_set(err, "out of memory");
		p->nscan_types++;
	}
	ps->seen_scan_types = true;
	return 0;
}

static int
parse_group(struct parse *ps, int argc, char **argv, struct werr *err)
{
	struct policy *p = ps->p;
	struct policy_group *g;

	if (argc != 2)
		return werr_set(err, "expected 'group NAME {'");
	if (parse_name("group", argv[1], err) == -1)
		return -1;
	g = parse_find_group(p, argv[1]);
	if (g != NULL)
		return werr_set(err, "group '%s' is already defined at line %u",
		    argv[1], g->line);
	if (policy_grow(&p->groups, &ps->groupcap, p->ngroups,
	    sizeof(*p->groups)) == -1 ||
	    (g = policy_arena_alloc(&p->arena, sizeof(*g))) == NULL ||
	    (g->name = policy_arena_strdup(&p->arena, argv[1],
	    strlen(argv[1]))) == NULL)
		return werr_set(err, "out of memory");
	g->line = ps->line;
	g->naughtiness_limit = POLICY_NAUGHTINESS_DEFAULT;
	if (strcmp(g->name, "default") == 0)
		p->def = g;
	else
		p->groups[p->ngroups++] = g;
	ps->group = g;
	return 0;
}

/* --- Inside a group ------------------------------------------------------ */

static int
parse_clients(struct parse *ps, int argc, char **argv, struct werr *err)
{
	struct policy_group *g = ps->group;
	struct werr sub;
	int i;

	if (g == ps->p->def)
		return werr_set(err, "the default group has no 'clients': it "
		    "takes every client no other group takes");
	if (argc < 2)
		return werr_set(err, "clients: expected networks such as "
		    "'10.1.0.0/16' or 'fd00:1::/48'");
	for (i = 1; i < argc; i++) {
		if (policy_grow(&g->clients, &g->clientcap, g->nclients,
		    sizeof(*g->clients)) == -1)
			return werr_set(err, "out of memory");
		if (netaddr_parse_cidr(argv[i], &g->clients[g->nclients],
		    &sub) == -1)
			return werr_set(err, "clients: %s", sub.msg);
		g->nclients++;
	}
	return 0;
}

/* A category name of a rule: its syntax, and whether the store has it. */
static int
parse_category(struct parse *ps, const char *name, struct werr *err)
{
	const char *near = NULL;
	char msg[512];
	size_t i, best = SIZE_MAX;

	if (!check_category_valid(name))
		return werr_set(err, "'" PARSE_Q "' is not a category name "
		    "(letters, digits, '_', '-', '.')", name);
	if (!ps->have_store)
		return 0;
	for (i = 0; i < ps->nnames; i++)
		if (strcmp(ps->names[i], name) == 0)
			return 0;
	if (check_category_ut1(name)) {
		snprintf(msg, sizeof(msg), "%s:%u: category '%s' is not in "
		    "the category store (yet): the rule matches nothing for "
		    "it until a blacklist that has it is imported", ps->path,
		    ps->line, name);
		ps->warn(ps->warn_arg, msg);
		return 0;
	}
	for (i = 0; i < ps->nnames; i++)
		parse_nearest(name, ps->names[i], &near, &best);
	if (near != NULL)
		return werr_set(err, "unknown category '%s' (did you mean "
		    "'%s'?)", name, near);
	return werr_set(err, "unknown category '%s': not in the category "
	    "store, nor a UT1 category", name);
}

/* allow, block, allow_categories, block_categories: WORD... [during T] */
static int
parse_rule(struct parse *ps, enum policy_rule_kind kind, int argc,
    char **argv, struct werr *err)
{
	struct policy *p = ps->p;
	struct policy_rules *rs = &ps->group->rules[kind];
	const struct policy_time *during = NULL;
	bool lists = kind == POLICY_RULE_ALLOW || kind == POLICY_RULE_BLOCK ||
	    kind == POLICY_RULE_TLS_SPLICE || kind == POLICY_RULE_TLS_NOVERIFY;
	bool cats = kind == POLICY_RULE_ALLOW_CATEGORIES ||
	    kind == POLICY_RULE_BLOCK_CATEGORIES ||
	    kind == POLICY_RULE_TLS_SPLICE_CATEGORIES;
	bool mime = kind == POLICY_RULE_ALLOW_MIME ||
	    kind == POLICY_RULE_BLOCK_MIME;
	const char *word;
	struct werr sub;
	struct policy_rule *r;
	size_t k;
	int i, n;

	if (argc >= 3 && strcmp(argv[argc - 2], "during") == 0) {
		during = parse_find_time(p, argv[argc - 1]);
		if (during == NULL)
			return werr_set(err, "unknown time window '" PARSE_Q
			    "' (define it with 'time %s { ... }' above)",
			    argv[argc - 1], argv[argc - 1]);
		argc -= 2;
	}
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "during") == 0)
			return werr_set(err, "%s: 'during' takes one time "
			    "window, at the end of the rule", argv[0]);
	if (argc < 2)
		return werr_set(err, "%s: expected at least one %s", argv[0],
		    lists ? "list name" : cats ? "category" : mime ?
		    "media type such as 'image/*'" : "extension such as "
		    "'exe'");
	n = argc - 1;
	if (policy_grow(&rs->v, &rs->cap, rs->n, sizeof(*rs->v)) == -1)
		return werr_set(err, "out of memory");
	r = &rs->v[rs->n];
	memset(r, 0, sizeof(*r));
	r->during = during;
	r->line = ps->line;
	if (lists)
		r->lists = calloc((size_t)n, sizeof(*r->lists));
	else
		r->cats = calloc((size_t)n, sizeof(*r->cats));
	if (r->lists == NULL && r->cats == NULL)
		return werr_set(err, "out of memory");
	rs->n++;		/* freed with the group from here on */
	for (i = 1; i < argc; i++) {
		if (lists) {
			r->lists[r->n] = parse_find_list(p, argv[i]);
			if (r->lists[r->n] == NULL)
				return werr_set(err, "unknown list '" PARSE_Q
				    "' (define it with 'list %s DIRECTORY' "
				    "above)", argv[i], argv[i]);
		} else {
			word = argv[i];
			if (cats && parse_category(ps, word, err) == -1)
				return -1;
			if (mime && mimetype_pattern_valid(word, &sub) == -1)
				return werr_set(err, "%s: %s", argv[0],
				    sub.msg);
			if (!cats && !mime) {
				if (*word == '.')
					word++;	/* ".exe" as "exe" */
				for (k = 0; argv[i][k] != '\0'; k++)
					argv[i][k] = (char)tolower(
					    (unsigned char)argv[i][k]);
				if (mimetype_ext_valid(word, &sub) == -1)
					return werr_set(err, "%s: %s",
					    argv[0], sub.msg);
			}
			r->cats[r->n] = policy_arena_strdup(&p->arena, word,
			    strlen(word));
			if (r->cats[r->n] == NULL)
				return werr_set(err, "out of memory");
		}
		r->n++;
	}
	return 0;
}

/* phrase_lists NAME...: the phrase lists whose scores count. */
static int
parse_phrase_lists(struct parse *ps, int argc, char **argv,
    struct werr *err)
{
	const struct policy *p = ps->p;
	size_t k;
	int i;

	if (argc < 2)
		return werr_set(err, "phrase_lists: expected at least one "
		    "phrase list name");
	for (i = 1; i < argc; i++) {
		for (k = 0; k < p->nphrases; k++)
			if (strcmp(p->phrases[k]->name, argv[i]) == 0)
				break;
		if (k == p->nphrases)
			return werr_set(err, "unknown phrase list '" PARSE_Q
			    "' (define it with 'phrases %s DIRECTORY' above)",
			    argv[i], argv[i]);
		ps->group->phrase_lists |= UINT64_C(1) << k;
	}
	return 0;
}

static int
parse_naughtiness_limit(struct parse *ps, int argc, char **argv,
    struct werr *err)
{
	struct policy_group *g = ps->group;
	char *end;
	long v;

	if (g->limit_line != 0)
		return werr_set(err, "'naughtiness_limit' given twice in group "
		    "'%s' (first at line %u)", g->name, g->limit_line);
	if (argc != 2)
		return werr_set(err, "expected 'naughtiness_limit NUMBER'");
	errno = 0;
	v = strtol(argv[1], &end, 10);
	if (errno != 0 || end == argv[1] || *end != '\0' || v < 1 ||
	    v > 1000000)
		return werr_set(err, "naughtiness_limit: '" PARSE_Q "' is not "
		    "a number from 1 to 1000000", argv[1]);
	g->naughtiness_limit = v;
	g->limit_line = ps->line;
	return 0;
}

static int
parse_safe_search(struct parse *ps, int argc, char **argv, struct werr *err)
{
	struct policy_group *g = ps->group;

	if (g->seen_safe_search)
		return werr_set(err, "'safe_search' given twice in group '%s'",
		    g->name);
	if (argc != 2 || (strcmp(argv[1], "on") != 0 &&
	    strcmp(argv[1], "off") != 0))
		return werr_set(err, "expected 'safe_search on' or "
		    "'safe_search off'");
	g->safe_search = strcmp(argv[1], "on") == 0;
	g->seen_safe_search = true;
	return 0;
}

/* --- policy.conf --------------------------------------------------------- */

static int
parse_close(struct parse *ps, struct werr *err)
{
	if (ps->time != NULL) {
		timewin_finish(&ps->time->tw);
		ps->time = NULL;
		return 0;
	}
	if (ps->group == NULL)
		return werr_set(err, "'}' without a block to close");
	if (ps->group != ps->p->def && ps->group->nclients == 0) {
		ps->errline = ps->group->line;
		return werr_set(err, "group '%s' has no 'clients': it would "
		    "never be chosen", ps->group->name);
	}
	ps->group = NULL;
	return 0;
}

static int
parse_unknown(struct parse *ps, const char *word,
    const struct parse_kw *kw, size_t nkw, struct werr *err)
{
	const char *near = NULL, *where;
	size_t i, best = SIZE_MAX;

	where = ps->group != NULL ? "in a group" : ps->time != NULL ?
	    "in a time window" : "at the top level";
	for (i = 0; i < WD_NELEM(parse_in_group); i++)
		if (strcmp(word, parse_in_group[i].name) == 0)
			return werr_set(err, "'%s' belongs inside a group",
			    word);
	for (i = 0; i < WD_NELEM(parse_in_time); i++)
		if (strcmp(word, parse_in_time[i].name) == 0)
			return werr_set(err, "'%s' belongs inside a time "
			    "window", word);
	for (i = 0; i < WD_NELEM(parse_top); i++)
		if (strcmp(word, parse_top[i].name) == 0)
			return werr_set(err, "'%s' belongs at the top level "
			    "(close the block with '}' first)", word);
	for (i = 0; i < nkw; i++)
		parse_nearest(word, kw[i].name, &near, &best);
	if (near != NULL)
		return werr_set(err, "unknown keyword '" PARSE_Q "' %s (did "
		    "you mean '%s'?)", word, where, near);
	return werr_set(err, "unknown keyword '" PARSE_Q "' %s", word, where);
}

/* One line of policy.conf, comments and blanks already gone. */
static int
parse_line(struct parse *ps, char *s, struct werr *err)
{
	char *argv[PARSE_ARGS_MAX];
	const struct parse_kw *kw;
	size_t nkw, i;
	int argc = 0;
	bool open;

	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		if (argc == PARSE_ARGS_MAX)
			return werr_set(err, "too many words (at most %d)",
			    PARSE_ARGS_MAX);
		argv[argc++] = s;
		s += strcspn(s, " \t");
		if (*s != '\0')
			*s++ = '\0';
	}
	if (argc == 0)
		return 0;
	if (strcmp(argv[0], "}") == 0) {
		if (argc > 1)
			return werr_set(err, "unexpected '" PARSE_Q "' after "
			    "'}'", argv[1]);
		return parse_close(ps, err);
	}
	if (ps->group != NULL) {
		kw = parse_in_group;
		nkw = WD_NELEM(parse_in_group);
	} else if (ps->time != NULL) {
		kw = parse_in_time;
		nkw = WD_NELEM(parse_in_time);
	} else {
		kw = parse_top;
		nkw = WD_NELEM(parse_top);
	}
	for (i = 0; i < nkw; i++)
		if (strcmp(argv[0], kw[i].name) == 0)
			break;
	if (i == nkw)
		return parse_unknown(ps, argv[0], kw, nkw, err);
	kw = &kw[i];
	open = strcmp(argv[argc - 1], "{") == 0;
	if (kw->block && !open)
		return werr_set(err, "expected '%s NAME {' (the '{' on the "
		    "same line)", kw->name);
	if (!kw->block && open)
		return werr_set(err, "'%s' does not open a block", kw->name);
	if (kw->fn == NULL)
		return parse_rule(ps, (enum policy_rule_kind)kw->rule,
		    open ? argc - 1 : argc, argv, err);
	return kw->fn(ps, open ? argc - 1 : argc, argv, err);
}

/* No control character but tab: a stray one is a damaged file. */
static int
parse_check_bytes(const char *s, size_t len, struct werr *err)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			return werr_set(err, "control character 0x%02x at "
			    "column %zu", (unsigned char)s[i], i + 1);
	return 0;
}

static int
parse_conf(struct parse *ps, struct werr *err)
{
	char line[PARSE_LINE_MAX + 1], *s;
	struct werr sub;
	struct stat st;
	size_t len = 0;
	FILE *fp;
	int r, rc = 0;

	fp = fopen(ps->path, "r");
	if (fp == NULL)
		return werr_set(err, "%s: %s", ps->path, strerror(errno));
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		return werr_set(err, "%s: %s", ps->path, strerror(EISDIR));
	}
	for (ps->line = 1;; ps->line++) {
		r = parse_read_line(fp, line, sizeof(line), &len, &sub);
		if (r == 0)
			break;
		s = line;
		if (r == 1 && ps->line == 1 && len >= 3 &&
		    memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			len -= 3;
		}
		if (r == 1 && parse_check_bytes(s, len, &sub) == -1)
			r = -1;
		if (r == 1) {
			parse_uncomment(s, &len);
			r = parse_line(ps, s, &sub);
		}
		if (r == -1) {
			if (ps->placed)
				werr_set(err, "%s", sub.msg);
			else
				werr_set(err, "%s:%u: %s", ps->path,
				    ps->errline != 0 ? ps->errline : ps->line,
				    sub.msg);
			rc = -1;
			break;
		}
	}
	fclose(fp);
	if (rc == -1)
		return -1;
	if (ps->line > 1)
		ps->line--;		/* the last line read */
	if (ps->time != NULL)
		return werr_set(err, "%s:%u: time window '%s' is not closed "
		    "(missing '}')", ps->path, ps->time->line, ps->time->name);
	if (ps->group != NULL)
		return werr_set(err, "%s:%u: group '%s' is not closed (missing "
		    "'}')", ps->path, ps->group->line, ps->group->name);
	if (ps->p->def == NULL)
		return werr_set(err, "%s:%u: no 'group default { ... }': it is "
		    "required, and takes the clients no other group takes",
		    ps->path, ps->line);
	if (ps->p->phr != NULL && phrase_set_build(ps->p->phr, &sub) == -1)
		return werr_set(err, "%s: phrase lists: %s", ps->path,
		    sub.msg);
	return 0;
}

/* --- The block page template --------------------------------------------- */

static int
parse_page_seg(struct policy *p, size_t *cap, const char *text, size_t len,
    int var)
{
	if (var == -1 && len == 0)
		return 0;
	if (policy_grow(&p->segs, cap, p->nsegs, sizeof(*p->segs)) == -1)
		return -1;
	p->segs[p->nsegs].text = text;
	p->segs[p->nsegs].len = len;
	p->segs[p->nsegs].var = var;
	p->nsegs++;
	return 0;
}

static unsigned
parse_page_line(const char *page, const char *at)
{
	unsigned line = 1;

	for (; page < at; page++)
		line += *page == '\n';
	return line;
}

/* Cuts the template at its {{placeholders}}; unknown ones are errors. */
static int
parse_page_template(struct policy *p, const char *path, size_t size,
    struct werr *err)
{
	const char *s = p->page, *open, *close, *name, *end = p->page + size;
	size_t cap = 0, nlen, i;

	while ((open = memmem(s, (size_t)(end - s), "{{", 2)) != NULL) {
		close = memmem(open + 2, (size_t)(end - open - 2), "}}", 2);
		if (close == NULL)
			return werr_set(err, "%s:%u: '{{' without '}}'", path,
			    parse_page_line(p->page, open));
		name = open + 2;
		while (name < close && (*name == ' ' || *name == '\t'))
			name++;
		nlen = (size_t)(close - name);
		while (nlen > 0 && (name[nlen - 1] == ' ' ||
		    name[nlen - 1] == '\t'))
			nlen--;
		for (i = 0; i < POLICY_BLOCKPAGE_VARS; i++)
			if (strlen(policy_blockpage_vars[i]) == nlen &&
			    memcmp(policy_blockpage_vars[i], name, nlen) == 0)
				break;
		if (i == POLICY_BLOCKPAGE_VARS)
			return werr_set(err, "%s:%u: unknown placeholder "
			    "'{{%.*s}}' (known: url, reason, rule, category, "
			    "group, time, request_id, client, proxy)", path,
			    parse_page_line(p->page, open),
			    (int)(nlen > 40 ? 40 : nlen), name);
		if (parse_page_seg(p, &cap, s, (size_t)(open - s), -1) == -1 ||
		    parse_page_seg(p, &cap, NULL, 0, (int)i) == -1)
			return werr_set(err, "%s: out of memory", path);
		s = close + 2;
	}
	if (parse_page_seg(p, &cap, s, (size_t)(end - s), -1) == -1)
		return werr_set(err, "%s: out of memory", path);
	return 0;
}

static int
parse_page(struct policy *p, struct werr *err)
{
	char path[PATH_MAX];
	struct stat st;
	size_t n;
	FILE *fp;
	int rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/" PARSE_PAGE, p->dir) >=
	    sizeof(path))
		return werr_set(err, "%s: path too long", p->dir);
	fp = fopen(path, "r");
	if (fp == NULL)
		return werr_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		werr_set(err, "%s: not a regular file", path);
		goto done;
	}
	if (st.st_size > PARSE_PAGE_MAX) {
		werr_set(err, "%s: too large (at most %d bytes)", path,
		    PARSE_PAGE_MAX);
		goto done;
	}
	p->page = malloc((size_t)st.st_size + 1);
	if (p->page == NULL) {
		werr_set(err, "%s: out of memory", path);
		goto done;
	}
	n = fread(p->page, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		werr_set(err, "%s: read error: %s", path, strerror(errno));
		goto done;
	}
	p->page[n] = '\0';
	if (memchr(p->page, '\0', n) != NULL) {
		werr_set(err, "%s:%u: NUL byte", path,
		    parse_page_line(p->page, p->page + strlen(p->page)));
		goto done;
	}
	rc = parse_page_template(p, path, n, err);
done:
	fclose(fp);
	return rc;
}

/* --- The whole directory ------------------------------------------------- */

int
policy_parse(struct policy *p, struct catstore *cats,
    void (*warn)(void *, const char *), void *warn_arg, struct werr *err)
{
	char path[PATH_MAX];
	struct parse ps;
	struct werr sub;
	int rc = -1;

	memset(&ps, 0, sizeof(ps));
	ps.p = p;
	ps.warn = warn;
	ps.warn_arg = warn_arg;
	if ((size_t)snprintf(path, sizeof(path), "%s/" PARSE_CONF, p->dir) >=
	    sizeof(path))
		return werr_set(err, "%s: path too long", p->dir);
	ps.path = path;
	if (cats != NULL) {
		ps.names = calloc(PARSE_STORE_MAX, sizeof(*ps.names));
		if (ps.names == NULL)
			return werr_set(err, "%s: out of memory", path);
		if (catstore_categories(cats, ps.names, PARSE_STORE_MAX,
		    &ps.nnames, &sub) == -1) {
			werr_set(err, "%s: category store: %s", path, sub.msg);
			goto done;
		}
		ps.have_store = true;
	}
	if (parse_conf(&ps, err) == -1 || parse_page(p, err) == -1)
		goto done;
	rc = 0;
done:
	free(ps.names);
	return rc;
}
