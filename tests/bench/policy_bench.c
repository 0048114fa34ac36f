/*
 * The policy engine's micro-benchmark (tests/bench/policy-run builds and
 * runs it; see tests/bench/policy-README.md). Linked with lib/libwarden.a,
 * it measures what wardend's policy costs a worker, on one thread:
 *
 *   - building a snapshot (policy_load() with the category store, as
 *     wardend does at start and on reload);
 *   - catstore_lookup() per second, with the 4,096-entry host cache
 *     wardend's workers use, on store misses, store hits, a hot set that
 *     the cache holds and a realistic mix;
 *   - policy_eval() per second over the same requests, category lookups
 *     included, and without a store (lists and expressions only);
 *   - the URL normalisation that comes before it (urlnorm_*()).
 *
 * Rates are per CPU second of the thread (CLOCK_THREAD_CPUTIME_ID), so a
 * busy machine slows the run but hardly changes them; wall-clock rates are
 * printed beside them. Each figure is the median of -r repetitions of at
 * least -t seconds. Output: a Markdown table on stdout.
 *
 *   policy_bench [-r reps] [-t seconds] [-x RX_DIR] POLICY_DIR STORE DATA_DIR
 *   policy_bench -f POLICY_DIR STORE IN OUT
 *   policy_bench -c KIB [-r reps] [-t seconds | -n count] POLICY_DIR STORE URLS
 *
 * -c: policy_eval() on the URLs of one file, warm (the set over and over,
 * as above) and cold: before each decision KIB KiB of other memory are
 * written, as a proxy's network and buffer work does between two requests,
 * so the policy's tables and PCRE2's code come from further down the
 * caches. The cold figure times the decisions only, not the eviction.
 * With -n, exactly count cold decisions and no warm ones: for a cache
 * simulator (valgrind --tool=callgrind --cache-sim=yes
 * --toggle-collect=op_eval), whose counts, unlike times, a busy machine
 * does not move.
 *
 * -x: RX_DIR/KIND (KIND none, indexed, grouped, noliteral, alone) are the
 * same policy with only one kind of expression; a second table gives
 * what each kind costs policy_eval() on store misses, without a store.
 *
 * DATA_DIR holds req-miss.txt, req-hit.txt, req-hot.txt and req-mix.txt
 * (tests/bench/policy-gen.py), one absolute http:// URL a line. -f filters
 * IN into OUT, keeping the URLs no rule decides (the proxy runs' URLs must
 * all go through), and fails when it drops more than a tenth.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catstore.h"
#include "log.h"
#include "policy.h"
#include "url.h"
#include "urlnorm.h"

#define CACHE_ENTRIES	4096	/* as src/worker.c opens the store */
#define MAX_REPS	15

struct req {
	char		*raw;		/* the line */
	char		*host;		/* urlnorm_host() */
	bool		 is_ip;
	uint16_t	 port;
	char		*url;		/* "http://host[:port]/path?q" */
	char		*key;		/* urlnorm_key() */
	/* the parsed target, for the normalisation benchmark */
	char		 uhost[URL_HOST_MAX];
	const char	*upath;
	size_t		 upath_len;
};

struct set {
	const char	*name;
	struct req	*v;
	size_t		 n;
	size_t		 cursor;	/* where the next run starts */
};

struct ctx {
	struct policy		*pol;
	struct catstore		*cats;
	struct policy_scratch	*scratch;
	struct sockaddr_in	 client;
	time_t			 now;
	bool			 with_store;
	uint64_t		 sink;
};

static void
die(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "policy_bench: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(1);
}

static double
now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
rss_kib(void)
{
	FILE *f;
	long pages = 0, rss = 0;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* As src/txn.c's txn_policy() normalises an absolute-form target. */
static int
req_parse(struct req *r, const char *line, struct werr *err)
{
	struct url u;
	char nhost[URLNORM_HOST_MAX], auth[URLNORM_HOST_MAX + 16];
	char *path, *key;
	size_t cap;
	bool is_ip;

	memset(r, 0, sizeof(*r));
	if ((r->raw = strdup(line)) == NULL)
		return werr_set(err, "out of memory");
	if (url_parse_target(r->raw, strlen(r->raw), false, &u, err) == -1)
		return -1;
	if (u.form != URL_FORM_ABSOLUTE)
		return werr_set(err, "not an absolute URL");
	memcpy(r->uhost, u.host, sizeof(r->uhost));
	r->upath = u.path;
	r->upath_len = u.path_len;
	if (urlnorm_host(u.host, strlen(u.host), nhost, sizeof(nhost), &is_ip,
	    err) == -1)
		return -1;
	if (url_format_authority(nhost, is_ip && strchr(nhost, ':') != NULL,
	    u.port, 80, auth, sizeof(auth)) == -1)
		return werr_set(err, "host too long");
	cap = 3 * (u.path_len + 1) + 16 + sizeof(auth);
	path = malloc(cap);
	key = malloc(cap);
	r->url = malloc(cap + sizeof(auth) + 16);
	if (path == NULL || key == NULL || r->url == NULL)
		return werr_set(err, "out of memory");
	if (urlnorm_path(u.path, u.path_len, path, cap, err) == -1 ||
	    urlnorm_key(nhost, 80, 80, path, key, cap, err) == -1)
		return -1;
	snprintf(r->url, cap + sizeof(auth) + 16, "http://%s%s", auth, path);
	free(path);
	r->key = key;
	r->host = strdup(nhost);
	r->is_ip = is_ip;
	r->port = u.port;
	return r->host == NULL ? werr_set(err, "out of memory") : 0;
}

static void
set_load(struct set *s, const char *name, const char *path)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t len;
	unsigned long lineno = 0;
	struct werr err;

	memset(s, 0, sizeof(*s));
	s->name = name;
	if ((f = fopen(path, "r")) == NULL)
		die("cannot read %s%s", path, "");
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (s->n == alloc) {
			alloc = alloc ? alloc * 2 : 1024;
			if ((s->v = realloc(s->v, alloc * sizeof(*s->v))) == NULL)
				die("out of memory%s%s", "", "");
		}
		if (req_parse(&s->v[s->n], line, &err) == -1) {
			fprintf(stderr, "policy_bench: %s:%lu: %s: %s\n", path,
			    lineno, line, err.msg);
			exit(1);
		}
		s->n++;
	}
	free(line);
	fclose(f);
	if (s->n == 0)
		die("%s: no URL%s", path, "");
}

static void
set_free(struct set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].raw);
		free(s->v[i].host);
		free(s->v[i].url);
		free(s->v[i].key);
	}
	free(s->v);
}

static void
facts_for(struct ctx *c, const struct req *r, struct txn_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->client = (const struct sockaddr *)&c->client;
	f->host = r->host;
	f->host_is_ip = r->is_ip;
	f->port = r->port;
	f->url = r->url;
	f->key = r->key;
	f->now = c->now;
	f->cats = c->with_store ? c->cats : NULL;
	f->scratch = c->scratch;
}

/* --- The operations measured (each returns nonzero on failure) --- */

static int
op_lookup(struct ctx *c, const struct req *r)
{
	struct catset cs;
	struct werr err;

	if (catstore_lookup(c->cats, r->host, r->key, &cs, &err) == -1) {
		fprintf(stderr, "policy_bench: lookup %s: %s\n", r->raw,
		    err.msg);
		return -1;
	}
	c->sink += cs.n;
	return 0;
}

static int
op_eval(struct ctx *c, const struct req *r)
{
	struct txn_facts f;
	struct decision d;
	struct werr err;

	facts_for(c, r, &f);
	if (policy_eval(c->pol, &f, &d, &err) == -1) {
		fprintf(stderr, "policy_bench: eval %s: %s\n", r->raw, err.msg);
		return -1;
	}
	c->sink += d.verdict;
	return 0;
}

static int
op_norm(struct ctx *c, const struct req *r)
{
	char nhost[URLNORM_HOST_MAX], path[8192], key[8192];
	struct werr err;
	bool is_ip;

	if (urlnorm_host(r->uhost, strlen(r->uhost), nhost, sizeof(nhost),
	    &is_ip, &err) == -1 ||
	    urlnorm_path(r->upath, r->upath_len, path, sizeof(path), &err) == -1 ||
	    urlnorm_key(nhost, 80, 80, path, key, sizeof(key), &err) == -1)
		return -1;
	c->sink += (unsigned char)key[0];
	return 0;
}

struct result {
	double	cpu_rate, wall_rate;	/* medians, operations per second */
	double	passes;			/* how many times the set was gone over */
};

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Runs op over s, in order and round and round (the cursor goes on from
 * one run to the next), for at least mintime CPU seconds, reps times,
 * after a warm-up of one pass (at most 1 s).
 */
static struct result
measure(struct ctx *c, struct set *s, int (*op)(struct ctx *,
    const struct req *), int reps, double mintime)
{
	double cpu[MAX_REPS], wall[MAX_REPS], c0, w0, c1, w1;
	uint64_t ops, total = 0;
	struct result res;
	size_t i;
	int k;

	c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	for (i = 0; i < s->n && now_s(CLOCK_THREAD_CPUTIME_ID) - c0 < 1.0;
	    i++) {
		if (op(c, &s->v[s->cursor]) == -1)
			exit(1);
		if (++s->cursor == s->n)
			s->cursor = 0;
	}
	for (k = 0; k < reps; k++) {
		ops = 0;
		c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
		w0 = now_s(CLOCK_MONOTONIC);
		do {
			for (i = 0; i < 256; i++) {
				if (op(c, &s->v[s->cursor]) == -1)
					exit(1);
				if (++s->cursor == s->n)
					s->cursor = 0;
			}
			ops += 256;
			c1 = now_s(CLOCK_THREAD_CPUTIME_ID);
		} while (c1 - c0 < mintime);
		w1 = now_s(CLOCK_MONOTONIC);
		cpu[k] = (double)ops / (c1 - c0);
		wall[k] = (double)ops / (w1 - w0);
		total += ops;
	}
	res.cpu_rate = median(cpu, reps);
	res.wall_rate = median(wall, reps);
	res.passes = (double)total / (double)s->n;
	return res;
}

static void
row(const char *what, const struct set *s, const char *note,
    struct result r)
{
	printf("| %s | %s (%zu) | %.0f | %.2f | %.0f | %s |\n", what, s->name,
	    s->n, r.cpu_rate, 1e6 / r.cpu_rate, r.wall_rate, note);
	fflush(stdout);
}

/* What the store says of a set: the share of requests in a category. */
static double
hit_share(struct ctx *c, struct set *s)
{
	struct catset cs;
	struct werr err;
	size_t i, hits = 0;

	for (i = 0; i < s->n; i++) {
		if (catstore_lookup(c->cats, s->v[i].host, s->v[i].key, &cs,
		    &err) == -1)
			die("lookup: %s%s", err.msg, "");
		hits += cs.n > 0;
	}
	return 100.0 * (double)hits / (double)s->n;
}

/*
 * The decisions over a set, as "62% none, 20% block-category, ...": over
 * at most 5,000 requests spread evenly over it (a big policy may take
 * milliseconds a request).
 */
static void
verdicts(struct ctx *c, struct set *s, char *buf, size_t len)
{
	size_t count[REASON_BLOCK_CATEGORY + 1] = { 0 }, i, off = 0, step, n = 0;
	struct txn_facts f;
	struct decision d;
	struct werr err;
	int k;

	step = s->n > 5000 ? s->n / 5000 : 1;
	for (i = 0; i < s->n; i += step, n++) {
		facts_for(c, &s->v[i], &f);
		if (policy_eval(c->pol, &f, &d, &err) == -1)
			die("eval: %s%s", err.msg, "");
		count[d.reason]++;
	}
	buf[0] = '\0';
	for (k = 0; k <= REASON_BLOCK_CATEGORY; k++) {
		if (count[k] == 0)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%.1f%% %s",
		    off ? ", " : "", 100.0 * (double)count[k] / (double)n,
		    reason_str((enum reason)k));
		if (off >= len)
			break;
	}
}

/* Wednesday 15 January 2025, 10:00 local time: inside school_hours. */
static time_t
school_time(void)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2025 - 1900;
	tm.tm_mon = 0;
	tm.tm_mday = 15;
	tm.tm_hour = 10;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static void
ctx_open(struct ctx *c, const char *policy_dir, const char *store)
{
	struct werr err;

	memset(c, 0, sizeof(*c));
	c->client.sin_family = AF_INET;
	c->client.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->now = school_time();
	c->with_store = true;
	if ((c->cats = catstore_open(store, CACHE_ENTRIES, &err)) == NULL)
		die("%s: %s", store, err.msg);
	if ((c->pol = policy_load(policy_dir, c->cats, &err)) == NULL)
		die("%s: %s", policy_dir, err.msg);
	if ((c->scratch = policy_scratch_new(c->pol)) == NULL)
		die("out of memory%s%s", "", "");
}

/*
 * -c: warm and cold policy_eval() on one file of URLs (with the store, at
 * school time).
 */
static int
cold(struct ctx *c, const char *path, size_t kib, int reps, double mintime,
    uint64_t count)
{
	struct set s;
	struct result r;
	struct timespec a, b;
	double t[MAX_REPS], c0, sum;
	unsigned char *junk;
	size_t i, k, n, len = kib * 1024;
	uint64_t ops;
	int rep;

	set_load(&s, "urls", path);
	if ((junk = malloc(len + 64)) == NULL)
		die("out of memory%s%s", "", "");
	memset(junk, 1, len + 64);
	if (count == 0)
		r = measure(c, &s, op_eval, reps, mintime);
	else
		r.cpu_rate = 0;
	for (rep = 0; rep < reps; rep++) {
		ops = 0;
		sum = 0;
		c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
		do {
			for (n = 0; n < 64; n++) {
				for (k = 0; k < len; k += 64)
					junk[k]++;
				clock_gettime(CLOCK_MONOTONIC, &a);
				if (op_eval(c, &s.v[s.cursor]) == -1)
					exit(1);
				clock_gettime(CLOCK_MONOTONIC, &b);
				sum += (double)(b.tv_sec - a.tv_sec) +
				    (double)(b.tv_nsec - a.tv_nsec) / 1e9;
				if (++s.cursor == s.n)
					s.cursor = 0;
				ops++;
			}
		} while (count > 0 ? ops < count :
		    now_s(CLOCK_THREAD_CPUTIME_ID) - c0 < mintime);
		t[rep] = sum / (double)ops;
	}
	for (i = 0, sum = 0; i < len; i += 64)
		sum += junk[i];
	c->sink += (uint64_t)sum;
	printf("%s: %zu URLs: warm %.2f µs, cold (%zu KiB between) %.2f "
	    "µs a decision\n", path, s.n, r.cpu_rate > 0 ? 1e6 / r.cpu_rate :
	    0, kib,
	    1e6 * median(t, reps));
	free(junk);
	set_free(&s);
	return 0;
}

/* -f: keeps the URLs of IN that no rule decides. */
static int
filter(const char *policy_dir, const char *store, const char *in,
    const char *out)
{
	struct ctx c;
	struct set s;
	struct txn_facts f;
	struct decision d;
	struct werr err;
	FILE *o;
	size_t i, kept = 0, cat = 0;
	struct catset cs;

	ctx_open(&c, policy_dir, store);
	c.now = time(NULL);
	set_load(&s, in, in);
	if ((o = fopen(out, "w")) == NULL)
		die("cannot write %s%s", out, "");
	for (i = 0; i < s.n; i++) {
		facts_for(&c, &s.v[i], &f);
		if (policy_eval(c.pol, &f, &d, &err) == -1)
			die("eval: %s%s", err.msg, "");
		if (d.verdict != VERDICT_NONE) {
			fprintf(stderr, "policy_bench: dropped %s: %s %s\n",
			    s.v[i].raw, reason_str(d.reason), d.rule);
			continue;
		}
		if (catstore_lookup(c.cats, s.v[i].host, s.v[i].key, &cs,
		    &err) == 0 && cs.n > 0)
			cat++;
		fprintf(o, "%s\n", s.v[i].raw);
		kept++;
	}
	if (fclose(o) != 0)
		die("cannot write %s%s", out, "");
	set_free(&s);
	policy_scratch_free(c.scratch);
	policy_unref(c.pol);
	catstore_close(c.cats);
	fprintf(stderr, "policy_bench: %s: kept %zu of %zu URLs (%zu of them "
	    "in a category the policy allows)\n", in, kept, s.n, cat);
	return kept * 10 < s.n * 9;
}

/* Lines of a file that are neither blank nor comments. */
static size_t
count_lines(const char *path)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while ((len = getline(&line, &cap, f)) != -1)
		if (len > 1 && line[0] != '#')
			n++;
	free(line);
	fclose(f);
	return n;
}

/* -x: what each kind of expression costs. */
static void
by_kind(struct ctx *c, const char *rxdir, struct set *miss, struct set *mix,
    int reps, double mintime)
{
	static const char *const kinds[] = { "none", "indexed", "grouped",
	    "noliteral", "alone" };
	struct policy *saved = c->pol, *p;
	struct policy_scratch *ssaved = c->scratch;
	struct result r1, r2;
	struct werr err;
	char dir[4096], file[4200];
	double w0;
	size_t i;

	printf("\n| expressions in local/block | count | snapshot build | "
	    "policy_eval per second, one core: store misses | µs each | "
	    "realistic mix | µs each |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|\n");
	c->with_store = false;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", rxdir, kinds[i]);
		snprintf(file, sizeof(file), "%s/local/block/expressions", dir);
		if (access(dir, F_OK) == -1)
			continue;
		w0 = now_s(CLOCK_MONOTONIC);
		if ((p = policy_load(dir, c->cats, &err)) == NULL)
			die("%s: %s", dir, err.msg);
		w0 = now_s(CLOCK_MONOTONIC) - w0;
		c->pol = p;
		if ((c->scratch = policy_scratch_new(p)) == NULL)
			die("out of memory%s%s", "", "");
		r1 = measure(c, miss, op_eval, reps, mintime);
		r2 = measure(c, mix, op_eval, reps, mintime);
		printf("| %s | %zu | %.0f ms | %.0f | %.2f | %.0f | %.2f |\n",
		    kinds[i], count_lines(file), 1e3 * w0, r1.cpu_rate,
		    1e6 / r1.cpu_rate, r2.cpu_rate, 1e6 / r2.cpu_rate);
		fflush(stdout);
		policy_scratch_free(c->scratch);
		policy_unref(p);
	}
	printf("\nWithout a store (category rules match nothing), so that "
	    "only the lists and expressions count.\n");
	c->pol = saved;
	c->scratch = ssaved;
}

static void
usage(void)
{
	fprintf(stderr, "usage: policy_bench [-r reps] [-t seconds] "
	    "[-x RX_DIR] POLICY_DIR STORE DATA_DIR\n"
	    "       policy_bench -f POLICY_DIR STORE IN OUT\n"
	    "       policy_bench -c KIB [-r reps] [-t seconds | -n count] "
	    "POLICY_DIR STORE URLS\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct set miss, hit, hot, mix;
	struct policy *p;
	struct ctx c;
	struct werr err;
	char path[4096], buf[512];
	double t[MAX_REPS], tc[MAX_REPS], w0, c0, mintime = 2.0;
	long rss0, rss1 = 0;
	int reps = 3, ch, k;
	bool fflag = false;
	long ckib = 0;
	uint64_t count = 0;
	const char *rxdir = NULL;
	struct result r;

	while ((ch = getopt(argc, argv, "c:fn:r:t:x:")) != -1) {
		switch (ch) {
		case 'x':
			rxdir = optarg;
			break;
		case 'c':
			ckib = atol(optarg);
			if (ckib < 0 || ckib > 1024 * 1024)
				usage();
			break;
		case 'f':
			fflag = true;
			break;
		case 'n':
			count = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > MAX_REPS)
				usage();
			break;
		case 't':
			mintime = atof(optarg);
			if (mintime <= 0)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	log_init("policy_bench", 0);
	if (fflag) {
		if (argc != 4)
			usage();
		return filter(argv[0], argv[1], argv[2], argv[3]);
	}
	if (argc != 3)
		usage();

	ctx_open(&c, argv[0], argv[1]);
	if (ckib > 0)
		return cold(&c, argv[2], (size_t)ckib, reps, mintime, count);

	/* Snapshot build: as wardend at start and on SIGHUP. */
	for (k = 0; k < reps; k++) {
		rss0 = rss_kib();
		w0 = now_s(CLOCK_MONOTONIC);
		c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
		if ((p = policy_load(argv[0], c.cats, &err)) == NULL)
			die("%s: %s", argv[0], err.msg);
		tc[k] = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		t[k] = now_s(CLOCK_MONOTONIC) - w0;
		if (k == 0)
			rss1 = rss_kib() - rss0;
		policy_unref(p);
	}

#define DATA(s, name, file) do {					\
	snprintf(path, sizeof(path), "%s/%s", argv[2], file);		\
	set_load(&s, name, path);					\
} while (0)
	DATA(miss, "store misses", "req-miss.txt");
	DATA(hit, "store hits", "req-hit.txt");
	DATA(hot, "hot hosts", "req-hot.txt");
	DATA(mix, "realistic mix", "req-mix.txt");

	printf("| measure | requests (distinct URLs) | per second, one core "
	    "(CPU time) | µs each | per second (wall) | notes |\n");
	printf("|---|---|---:|---:|---:|---|\n");
	printf("| snapshot build (policy_load, with the store) | - | - | "
	    "%.0f ms (CPU %.0f ms) | - | median of %d; the first took "
	    "%ld MiB more RSS |\n", 1e3 * median(t, reps) ,
	    1e3 * median(tc, reps), reps, rss1 / 1024);
	fflush(stdout);

	snprintf(buf, sizeof(buf), "%.0f%% in a category",
	    hit_share(&c, &miss));
	r = measure(&c, &miss, op_lookup, reps, mintime);
	row("catstore_lookup, cache on", &miss, buf, r);
	snprintf(buf, sizeof(buf), "%.0f%% in a category",
	    hit_share(&c, &hit));
	r = measure(&c, &hit, op_lookup, reps, mintime);
	row("catstore_lookup, cache on", &hit, buf, r);
	snprintf(buf, sizeof(buf), "%.0f%% in a category; 1,000 hosts, "
	    "all in the cache", hit_share(&c, &hot));
	r = measure(&c, &hot, op_lookup, reps, mintime);
	row("catstore_lookup, cache on", &hot, buf, r);
	snprintf(buf, sizeof(buf), "%.0f%% in a category",
	    hit_share(&c, &mix));
	r = measure(&c, &mix, op_lookup, reps, mintime);
	row("catstore_lookup, cache on", &mix, buf, r);

	verdicts(&c, &mix, buf, sizeof(buf));
	r = measure(&c, &mix, op_eval, reps, mintime);
	row("policy_eval, with categories", &mix, buf, r);
	verdicts(&c, &miss, buf, sizeof(buf));
	r = measure(&c, &miss, op_eval, reps, mintime);
	row("policy_eval, with categories", &miss, buf, r);
	verdicts(&c, &hit, buf, sizeof(buf));
	r = measure(&c, &hit, op_eval, reps, mintime);
	row("policy_eval, with categories", &hit, buf, r);
	verdicts(&c, &hot, buf, sizeof(buf));
	r = measure(&c, &hot, op_eval, reps, mintime);
	row("policy_eval, with categories", &hot, buf, r);

	c.with_store = false;
	r = measure(&c, &mix, op_eval, reps, mintime);
	row("policy_eval, no store (lists, expressions)", &mix,
	    "category rules match nothing", r);
	r = measure(&c, &miss, op_eval, reps, mintime);
	row("policy_eval, no store (lists, expressions)", &miss,
	    "every list walked", r);
	r = measure(&c, &mix, op_norm, reps, mintime);
	row("URL normalisation (urlnorm_host, _path, _key)", &mix,
	    "before every policy_eval", r);

	if (rxdir != NULL)
		by_kind(&c, rxdir, &miss, &mix, reps, mintime);

	fprintf(stderr, "policy_bench: checksum %llu\n",
	    (unsigned long long)c.sink);
	set_free(&miss);
	set_free(&hit);
	set_free(&hot);
	set_free(&mix);
	policy_scratch_free(c.scratch);
	policy_unref(c.pol);
	catstore_close(c.cats);
	return 0;
}
