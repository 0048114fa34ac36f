#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "suggest.h"

/* The Makefile gives these; the fallbacks let a unit test compile alone. */
#ifndef WD_SRCDIR
#define WD_SRCDIR	"."
#endif
#ifndef WD_BUILDDIR
#define WD_BUILDDIR	"."
#endif
#ifndef WD_SYSCONFDIR
#define WD_SYSCONFDIR	"/usr/local/etc/warden"
#endif
#ifndef WD_STATEDIR
#define WD_STATEDIR	"/usr/local/var/lib/warden"
#endif
#ifndef WD_LOGDIR
#define WD_LOGDIR	"/var/log/warden"
#endif

#define CONFIG_LINE_MAX	4096
#define CONFIG_DAY	86400ULL
#define CONFIG_K	1024ULL
#define CONFIG_M	(1024ULL * 1024)
/* Numbers stick here rather than overflow; it is out of every range. */
#define CONFIG_NUM_CAP	1000000000000000ULL
#define CONFIG_NO_ORIGIN	((size_t)-1)
/* Quote at most this much of what the administrator wrote. */
#define CONFIG_Q	"%.80s"

struct config_key {
	const char	*name;
	int		(*set)(struct config *, const struct config_key *,
			    const char *, struct werr *);
	size_t		 field;		/* offsetof() the value (a list: count) */
	size_t		 width;		/* sizeof() a number; 0: not one */
	size_t		 origin;	/* offsetof() its origin field */
	bool		 list;		/* a newer origin replaces the list */
	unsigned long long min, max;
	const char	*def;		/* default as written; NULL: layout's */
};

static int	config_set_listen(struct config *, const struct config_key *,
		    const char *, struct werr *);
static int	config_set_cidrs(struct config *, const struct config_key *,
		    const char *, struct werr *);
static int	config_set_ports(struct config *, const struct config_key *,
		    const char *, struct werr *);
static int	config_set_dir(struct config *, const struct config_key *,
		    const char *, struct werr *);
static int	config_set_file(struct config *, const struct config_key *,
		    const char *, struct werr *);
static int	config_set_dir_or_none(struct config *,
		    const struct config_key *, const char *, struct werr *);
static int	config_set_hostname(struct config *,
		    const struct config_key *, const char *, struct werr *);
static int	config_set_xff(struct config *, const struct config_key *,
		    const char *, struct werr *);
static int	config_set_bool(struct config *, const struct config_key *,
		    const char *, struct werr *);
static int	config_set_duration(struct config *,
		    const struct config_key *, const char *, struct werr *);
static int	config_set_size(struct config *, const struct config_key *,
		    const char *, struct werr *);
static int	config_set_count(struct config *, const struct config_key *,
		    const char *, struct werr *);
static int	config_set_oversize(struct config *,
		    const struct config_key *, const char *, struct werr *);
static int	config_set_tls_inspect(struct config *,
		    const struct config_key *, const char *, struct werr *);
static int	config_set_choice(struct config *,
		    const struct config_key *, const char *, struct werr *);

#define F(f)		offsetof(struct config, f)
#define W(f)		sizeof(((struct config *)0)->f)
#define LIST(k, fn, def)						\
	{ #k, fn, F(n##k), 0, F(origin_##k), true, 0, 0, def }
#define TEXT(k, fn, def)						\
	{ #k, fn, F(k), 0, CONFIG_NO_ORIGIN, false, 0, 0, def }
#define PATHKEY(k, fn)							\
	{ #k, fn, F(k), 0, F(origin_##k), false, 0, 0, NULL }
#define NUM(k, fn, lo, hi, def)						\
	{ #k, fn, F(k), W(k), CONFIG_NO_ORIGIN, false, lo, hi, def }

/* In the order doc/configuration.md and etc/warden.conf list them. */
static const struct config_key config_keys[] = {
	LIST(listen, config_set_listen, "127.0.0.1:3128"),
	NUM(workers, config_set_count, 0, 256, "0"),
	LIST(allow_clients, config_set_cidrs, "127.0.0.0/8 ::1"),
	LIST(connect_ports, config_set_ports, "443"),
	PATHKEY(state_dir, config_set_dir),
	TEXT(policy_dir, config_set_dir, NULL),
	PATHKEY(category_store, config_set_file),
	PATHKEY(tls_ca_dir, config_set_dir),
	PATHKEY(access_log, config_set_file),
	PATHKEY(pid_file, config_set_file),
	TEXT(visible_hostname, config_set_hostname, NULL),
	TEXT(x_forwarded_for, config_set_xff, "add"),
	TEXT(websocket, config_set_bool, "on"),
	NUM(client_header_timeout, config_set_duration, 1, CONFIG_DAY, "30s"),
	NUM(keepalive_timeout, config_set_duration, 1, CONFIG_DAY, "60s"),
	NUM(connect_timeout, config_set_duration, 1, CONFIG_DAY, "10s"),
	NUM(read_timeout, config_set_duration, 1, CONFIG_DAY, "60s"),
	NUM(client_read_timeout, config_set_duration, 1, CONFIG_DAY, "60s"),
	NUM(tunnel_idle_timeout, config_set_duration, 1, CONFIG_DAY, "300s"),
	NUM(upstream_idle_timeout, config_set_duration, 1, CONFIG_DAY, "30s"),
	TEXT(hosts_file, config_set_file, "/etc/hosts"),
	NUM(dns_timeout, config_set_duration, 1, CONFIG_DAY, "10s"),
	NUM(dns_cache_ttl, config_set_duration, 0, CONFIG_DAY, "60s"),
	NUM(dns_negative_ttl, config_set_duration, 0, CONFIG_DAY, "10s"),
	NUM(shutdown_grace, config_set_duration, 1, CONFIG_DAY, "10s"),
	NUM(max_request_line, config_set_size, 256, CONFIG_M, "8192"),
	NUM(max_header_size, config_set_size, CONFIG_K, CONFIG_M, "65536"),
	NUM(max_headers, config_set_count, 1, 10000, "100"),
	NUM(max_connections, config_set_count, 1, 1000000, "20000"),
	NUM(upstream_pool_per_host, config_set_count, 0, 10000, "64"),
	NUM(upstream_pool_max, config_set_count, 0, 100000, "1024"),
	NUM(scan_max_size, config_set_size, 4 * CONFIG_K, 256 * CONFIG_M,
	    "1M"),
	{ "scan_oversize", config_set_oversize, F(scan_oversize_block), 0,
	    CONFIG_NO_ORIGIN, false, 0, 0, "pass" },
	{ "tls_inspect", config_set_tls_inspect, F(tls_inspect), 0,
	    CONFIG_NO_ORIGIN, false, 0, 0, "off" },
	{ "tls_no_sni", config_set_choice, F(tls_no_sni_block), 0,
	    CONFIG_NO_ORIGIN, false, 0, 0, "splice" },
	{ "tls_non_tls", config_set_choice, F(tls_non_tls_tunnel), 0,
	    CONFIG_NO_ORIGIN, false, 0, 0, "close" },
	TEXT(tls_upstream_ca_file, config_set_file, "none"),
	NUM(tls_pin_splice, config_set_duration, 0, CONFIG_DAY, "0"),
	TEXT(tls_cert_cache_dir, config_set_dir_or_none, "none"),
};

#undef F
#undef W
#undef LIST
#undef TEXT
#undef PATHKEY
#undef NUM

/*
 * Squid directives an administrator is likely to try, and what to write
 * instead.
 */
static const struct {
	const char	*squid;
	const char	*hint;
} config_squid_hints[] = {
	{ "http_port", "Squid's http_port is 'listen ADDR:PORT' here" },
	{ "acl", "client networks go in allow_clients, CONNECT ports in "
	    "connect_ports" },
	{ "http_access", "client networks go in allow_clients, CONNECT "
	    "ports in connect_ports" },
	{ "pid_filename", "Squid's pid_filename is 'pid_file' here" },
	{ "forwarded_for", "Squid's forwarded_for is 'x_forwarded_for' "
	    "here" },
	{ "request_header_max_size", "Squid's request_header_max_size is "
	    "'max_header_size' here" },
	{ "maxcontentfiltersize", "e2guardian's maxcontentfiltersize is "
	    "'scan_max_size' here (and see scan_oversize)" },
	{ "client_lifetime", "Warden has no total lifetime; see "
	    "keepalive_timeout and client_read_timeout" },
};

const char *
xff_mode_str(enum xff_mode m)
{
	switch (m) {
	case XFF_OFF:
		return "off";
	case XFF_ADD:
		return "add";
	case XFF_ANONYMOUS:
		return "anonymous";
	}
	return "?";
}

enum config_layout
config_layout_detect(const char *prog)
{
	char self[PATH_MAX], path[PATH_MAX], built[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/src/%s", WD_BUILDDIR,
	    prog) >= sizeof(path) ||
	    realpath("/proc/self/exe", self) == NULL ||
	    realpath(path, built) == NULL)
		return CONFIG_LAYOUT_INSTALLED;
	return strcmp(self, built) == 0 ? CONFIG_LAYOUT_BUILDTREE :
	    CONFIG_LAYOUT_INSTALLED;
}

const char *
config_default_file(enum config_layout layout)
{
	if (layout == CONFIG_LAYOUT_INSTALLED &&
	    access(WD_SYSCONFDIR "/warden.conf", R_OK) == 0)
		return WD_SYSCONFDIR "/warden.conf";
	return NULL;
}

const char *
config_origin_str(enum config_origin o)
{
	switch (o) {
	case CONFIG_ORIGIN_DEFAULT:
		return "default";
	case CONFIG_ORIGIN_FILE:
		return "file";
	case CONFIG_ORIGIN_CMDLINE:
		return "command line";
	}
	return "?";
}

const char *
config_layout_str(enum config_layout l)
{
	switch (l) {
	case CONFIG_LAYOUT_BUILDTREE:
		return "build tree";
	case CONFIG_LAYOUT_INSTALLED:
		return "installed";
	}
	return "?";
}

static enum config_origin *
config_origin_of(struct config *cfg, const struct config_key *k)
{
	return (enum config_origin *)(void *)((char *)cfg + k->origin);
}

static void
config_store(struct config *cfg, const struct config_key *k,
    unsigned long long v)
{
	unsigned u;
	size_t z;

	if (k->width == sizeof(unsigned)) {
		u = (unsigned)v;
		memcpy((char *)cfg + k->field, &u, sizeof(u));
	} else {
		z = (size_t)v;
		memcpy((char *)cfg + k->field, &z, sizeof(z));
	}
}

static unsigned long long
config_fetch(const struct config *cfg, const struct config_key *k)
{
	unsigned u;
	size_t z;

	if (k->width == sizeof(unsigned)) {
		memcpy(&u, (const char *)cfg + k->field, sizeof(u));
		return u;
	}
	memcpy(&z, (const char *)cfg + k->field, sizeof(z));
	return z;
}

/*
 * The decimal digits at the start of s into *v (sticking at
 * CONFIG_NUM_CAP). Returns the first byte after them, or NULL when s does
 * not start with a digit.
 */
static const char *
config_digits(const char *s, unsigned long long *v)
{
	if (*s < '0' || *s > '9')
		return NULL;
	*v = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		if (*v < CONFIG_NUM_CAP)
			*v = *v * 10 + (unsigned long long)(*s - '0');
	return s;
}

static unsigned long long
config_mul(unsigned long long v, unsigned long long by)
{
	return v > CONFIG_NUM_CAP / by ? CONFIG_NUM_CAP : v * by;
}

/* A size as an administrator would write it: "1M", "64k", "300". */
static const char *
config_size_str(unsigned long long v, char *buf, size_t len)
{
	if (v != 0 && v % CONFIG_M == 0)
		snprintf(buf, len, "%lluM", v / CONFIG_M);
	else if (v != 0 && v % CONFIG_K == 0)
		snprintf(buf, len, "%lluk", v / CONFIG_K);
	else
		snprintf(buf, len, "%llu", v);
	return buf;
}

/* Letters, digits, '-' and '.'; labels of 1 to 63, no '-' at either end. */
static bool
config_hostname_ok(const char *s)
{
	const char *p;
	size_t label = 0;
	bool alnum;

	if (*s == '\0' || strlen(s) > 253)
		return false;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			continue;
		}
		alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9');
		if (!alnum && (*p != '-' || label == 0))
			return false;
		if (++label > 63)
			return false;
	}
	return p[-1] != '-' && p[-1] != '.';
}

/*
 * Calls fn on each element of a list written "a,b", "a, b" or "a b". An
 * empty element (",,", or a comma at either end) is an error.
 */
static int
config_each(const char *v, int (*fn)(struct config *, const char *,
    struct werr *), struct config *cfg, struct werr *err)
{
	char elem[CONFIG_LINE_MAX + 1];
	const char *p, *start;
	size_t len;
	bool comma;

	p = v + strspn(v, " \t");
	if (*p == ',')
		return werr_set(err, "empty element in '" CONFIG_Q "'", v);
	while (*p != '\0') {
		start = p;
		p += strcspn(p, ", \t");
		len = (size_t)(p - start);
		if (len >= sizeof(elem))
			return werr_set(err, "list element too long");
		memcpy(elem, start, len);
		elem[len] = '\0';
		if (fn(cfg, elem, err) == -1)
			return -1;
		p += strspn(p, " \t");
		comma = *p == ',';
		if (comma)
			p += 1 + strspn(p + 1, " \t");
		if (comma && (*p == ',' || *p == '\0'))
			return werr_set(err, "empty element in '" CONFIG_Q "'",
			    v);
	}
	return 0;
}

static int
config_add_listen(struct config *cfg, const char *s, struct werr *err)
{
	struct config_listen l;

	if (netaddr_parse_listen(s, &l.ss, &l.len, err) == -1)
		return -1;
	if (cfg->nlisten >= CONFIG_MAX_LISTEN)
		return werr_set(err, "too many addresses (at most %d)",
		    CONFIG_MAX_LISTEN);
	cfg->listen[cfg->nlisten++] = l;
	return 0;
}

static int
config_add_cidr(struct config *cfg, const char *s, struct werr *err)
{
	struct cidr c;

	if (netaddr_parse_cidr(s, &c, err) == -1)
		return -1;
	if (cfg->nallow_clients >= CONFIG_MAX_CIDRS)
		return werr_set(err, "too many networks (at most %d)",
		    CONFIG_MAX_CIDRS);
	cfg->allow_clients[cfg->nallow_clients++] = c;
	return 0;
}

static int
config_add_ports(struct config *cfg, const char *s, struct werr *err)
{
	return netaddr_parse_ports(s, cfg->connect_ports, CONFIG_MAX_PORTS,
	    &cfg->nconnect_ports, err);
}

static int
config_set_listen(struct config *cfg, const struct config_key *k WD_UNUSED,
    const char *v, struct werr *err)
{
	return config_each(v, config_add_listen, cfg, err);
}

static int
config_set_cidrs(struct config *cfg, const struct config_key *k WD_UNUSED,
    const char *v, struct werr *err)
{
	return config_each(v, config_add_cidr, cfg, err);
}

static int
config_set_ports(struct config *cfg, const struct config_key *k WD_UNUSED,
    const char *v, struct werr *err)
{
	return config_each(v, config_add_ports, cfg, err);
}

/* An absolute path into dst (PATH_MAX bytes), trailing '/' dropped. */
static int
config_copy_path(char *dst, const char *v, struct werr *err)
{
	size_t len;

	if (v[0] != '/')
		return werr_set(err, "'" CONFIG_Q "' is not an absolute path "
		    "(start it with '/')", v);
	len = strlen(v);
	while (len > 1 && v[len - 1] == '/')
		len--;
	if (len >= PATH_MAX)
		return werr_set(err, "path too long (at most %d bytes)",
		    PATH_MAX - 1);
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

static int
config_set_dir(struct config *cfg, const struct config_key *k,
    const char *v, struct werr *err)
{
	return config_copy_path((char *)cfg + k->field, v, err);
}

/* A directory, or "none" for none. */
static int
config_set_dir_or_none(struct config *cfg, const struct config_key *k,
    const char *v, struct werr *err)
{
	char *dst = (char *)cfg + k->field;

	if (strcmp(v, "none") == 0) {
		dst[0] = '\0';
		return 0;
	}
	return config_copy_path(dst, v, err);
}

/* A file, or "none" for none. */
static int
config_set_file(struct config *cfg, const struct config_key *k,
    const char *v, struct werr *err)
{
	char *dst = (char *)cfg + k->field;

	if (strcmp(v, "none") == 0) {
		dst[0] = '\0';
		return 0;
	}
	if (v[strlen(v) - 1] == '/')
		return werr_set(err, "'" CONFIG_Q "' names a directory, not "
		    "a file", v);
	if (v[0] != '/')
		return werr_set(err, "'" CONFIG_Q "' is not an absolute path "
		    "(start it with '/', or write none)", v);
	return config_copy_path(dst, v, err);
}

static int
config_set_hostname(struct config *cfg,
    const struct config_key *k WD_UNUSED, const char *v, struct werr *err)
{
	if (!config_hostname_ok(v))
		return werr_set(err, "'" CONFIG_Q "' is not a host name "
		    "(letters, digits, '-' and '.')", v);
	snprintf(cfg->visible_hostname, sizeof(cfg->visible_hostname), "%s",
	    v);
	return 0;
}

static int
config_set_xff(struct config *cfg, const struct config_key *k WD_UNUSED,
    const char *v, struct werr *err)
{
	int m;

	for (m = XFF_OFF; m <= XFF_ANONYMOUS; m++)
		if (strcasecmp(v, xff_mode_str((enum xff_mode)m)) == 0) {
			cfg->x_forwarded_for = (enum xff_mode)m;
			return 0;
		}
	return werr_set(err, "'" CONFIG_Q "' is not off, add or anonymous",
	    v);
}

static int
config_set_bool(struct config *cfg, const struct config_key *k,
    const char *v, struct werr *err)
{
	static const struct {
		const char	*word;
		bool		 value;
	} words[] = {
		{ "on", true }, { "yes", true }, { "true", true },
		{ "off", false }, { "no", false }, { "false", false },
	};
	size_t i;

	for (i = 0; i < WD_NELEM(words); i++)
		if (strcasecmp(v, words[i].word) == 0) {
			memcpy((char *)cfg + k->field, &words[i].value,
			    sizeof(bool));
			return 0;
		}
	return werr_set(err, "'" CONFIG_Q "' is not on or off (also yes/no, "
	    "true/false)", v);
}

/* scan_oversize: what a body past scan_max_size gets. */
static int
config_set_oversize(struct config *cfg, const struct config_key *k WD_UNUSED,
    const char *v, struct werr *err)
{
	if (strcasecmp(v, "pass") == 0)
		cfg->scan_oversize_block = false;
	else if (strcasecmp(v, "block") == 0)
		cfg->scan_oversize_block = true;
	else
		return werr_set(err, "'" CONFIG_Q "' is not pass or block", v);
	return 0;
}

const char *
tls_inspect_str(enum tls_inspect m)
{
	switch (m) {
	case TLS_INSPECT_OFF:
		return "off";
	case TLS_INSPECT_PEEK:
		return "peek";
	case TLS_INSPECT_ON:
		return "on";
	}
	return "?";
}

static int
config_set_tls_inspect(struct config *cfg,
    const struct config_key *k WD_UNUSED, const char *v, struct werr *err)
{
	if (strcasecmp(v, "off") == 0)
		cfg->tls_inspect = TLS_INSPECT_OFF;
	else if (strcasecmp(v, "peek") == 0)
		cfg->tls_inspect = TLS_INSPECT_PEEK;
	else if (strcasecmp(v, "on") == 0)
		cfg->tls_inspect = TLS_INSPECT_ON;
	else
		return werr_set(err, "'" CONFIG_Q "' is not off, peek or on",
		    v);
	return 0;
}

/*
 * Two-way choices: tls_no_sni splice|block, tls_non_tls close|tunnel.
 * The field holds whether the second word was chosen.
 */
static int
config_set_choice(struct config *cfg, const struct config_key *k,
    const char *v, struct werr *err)
{
	const char *no, *yes;
	bool b;

	if (strcmp(k->name, "tls_no_sni") == 0) {
		no = "splice";
		yes = "block";
	} else {
		no = "close";
		yes = "tunnel";
	}
	if (strcasecmp(v, no) == 0)
		b = false;
	else if (strcasecmp(v, yes) == 0)
		b = true;
	else
		return werr_set(err, "'" CONFIG_Q "' is not %s or %s", v, no,
		    yes);
	memcpy((char *)cfg + k->field, &b, sizeof(b));
	return 0;
}

/* "90", "30s", "5m", "1h". */
static int
config_set_duration(struct config *cfg, const struct config_key *k,
    const char *v, struct werr *err)
{
	unsigned long long n;
	const char *end;

	end = config_digits(v, &n);
	if (end == NULL)
		goto bad;
	switch (*end) {
	case '\0':
		break;
	case 's':
		end++;
		break;
	case 'm':
		n = config_mul(n, 60);
		end++;
		break;
	case 'h':
		n = config_mul(n, 3600);
		end++;
		break;
	default:
		goto bad;
	}
	if (*end != '\0')
		goto bad;
	if (n < k->min)
		return werr_set(err, "'" CONFIG_Q "': must be at least 1s",
		    v);
	if (n > k->max)
		return werr_set(err, "'" CONFIG_Q "' is too long (at most 1 "
		    "day, 24h)", v);
	config_store(cfg, k, n);
	return 0;
bad:
	return werr_set(err, "'" CONFIG_Q "' is not a duration (seconds, or "
	    "a number and s, m or h: 90, 30s, 5m, 1h)", v);
}

/* Bytes, or with k/K or m/M (1024-based): "8192", "8k", "1M". */
static int
config_set_size(struct config *cfg, const struct config_key *k,
    const char *v, struct werr *err)
{
	char lo[32], hi[32];
	unsigned long long n;
	const char *end;

	end = config_digits(v, &n);
	if (end == NULL)
		goto bad;
	if (*end == 'k' || *end == 'K') {
		n = config_mul(n, CONFIG_K);
		end++;
	} else if (*end == 'm' || *end == 'M') {
		n = config_mul(n, CONFIG_M);
		end++;
	}
	if (*end != '\0')
		goto bad;
	if (n < k->min || n > k->max)
		return werr_set(err, "'" CONFIG_Q "' is out of range (%s to "
		    "%s)", v, config_size_str(k->min, lo, sizeof(lo)),
		    config_size_str(k->max, hi, sizeof(hi)));
	config_store(cfg, k, n);
	return 0;
bad:
	return werr_set(err, "'" CONFIG_Q "' is not a size (bytes, or a "
	    "number and k or M: 8192, 8k, 1M)", v);
}

static int
config_set_count(struct config *cfg, const struct config_key *k,
    const char *v, struct werr *err)
{
	unsigned long long n;
	const char *end;

	end = config_digits(v, &n);
	if (end == NULL || *end != '\0')
		return werr_set(err, "'" CONFIG_Q "' is not a number", v);
	if (n < k->min || n > k->max)
		return werr_set(err, "'" CONFIG_Q "' is out of range (%llu to "
		    "%llu)", v, k->min, k->max);
	config_store(cfg, k, n);
	return 0;
}

static const struct config_key *
config_find(const char *name)
{
	size_t i;

	for (i = 0; i < WD_NELEM(config_keys); i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

static int
config_unknown(const char *key, struct werr *err)
{
	const struct config_key *near = NULL;
	size_t i, d, best = 3;

	for (i = 0; i < WD_NELEM(config_squid_hints); i++)
		if (strcmp(key, config_squid_hints[i].squid) == 0)
			return werr_set(err, "unknown key '%s' (%s)", key,
			    config_squid_hints[i].hint);
	for (i = 0; i < WD_NELEM(config_keys); i++) {
		d = suggest_distance(key, config_keys[i].name);
		if (d < best) {
			best = d;
			near = &config_keys[i];
		}
	}
	if (near != NULL)
		return werr_set(err, "unknown key '" CONFIG_Q "' (did you mean "
		    "'%s'?)", key, near->name);
	return werr_set(err, "unknown key '" CONFIG_Q "'", key);
}

int
config_set(struct config *cfg, const char *key, const char *value,
    enum config_origin origin, struct werr *err)
{
	const struct config_key *k;
	enum config_origin *o;
	struct config next;
	struct werr sub;

	k = config_find(key);
	if (k == NULL)
		return config_unknown(key, err);
	if (*value == '\0')
		return werr_set(err, "missing value for '%s'", k->name);

	/* Work on a copy so a bad value changes nothing. */
	next = *cfg;
	if (k->origin != CONFIG_NO_ORIGIN) {
		o = config_origin_of(&next, k);
		if (origin > *o) {
			if (k->list)
				memset((char *)&next + k->field, 0,
				    sizeof(size_t));
			*o = origin;
		}
	}
	if (k->set(&next, k, value, &sub) == -1)
		return werr_set(err, "%s: %s", k->name, sub.msg);
	*cfg = next;
	return 0;
}

/* s without the blanks at either end; s is changed. */
static char *
config_trim(char *s)
{
	size_t len;

	s += strspn(s, " \t");
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	return s;
}

int
config_set_option(struct config *cfg, const char *kv, struct werr *err)
{
	char buf[CONFIG_LINE_MAX + 1];
	char *key, *value, *eq;

	if (strlen(kv) >= sizeof(buf))
		return werr_set(err, "option too long (at most %d bytes)",
		    CONFIG_LINE_MAX);
	memcpy(buf, kv, strlen(kv) + 1);
	eq = strchr(buf, '=');
	if (eq == NULL)
		return werr_set(err, "'" CONFIG_Q "': expected key=value", kv);
	*eq = '\0';
	key = config_trim(buf);
	value = config_trim(eq + 1);
	if (*key == '\0')
		return werr_set(err, "'" CONFIG_Q "': missing key before '='",
		    kv);
	return config_set(cfg, key, value, CONFIG_ORIGIN_CMDLINE, err);
}

/* Length of the valid UTF-8 sequence at p (avail bytes), 0 if none. */
static size_t
config_utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* UTF-16 surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	} else
		return 0;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* No NUL, no control byte but tab, valid UTF-8. */
static int
config_check_bytes(const char *s, size_t len, struct werr *err)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n;

	for (i = 0; i < len; i += n) {
		if (p[i] == '\0')
			return werr_set(err, "NUL byte at column %zu", i + 1);
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return werr_set(err, "control character 0x%02x at "
			    "column %zu", p[i], i + 1);
		n = config_utf8_len(p + i, len - i);
		if (n == 0)
			return werr_set(err, "invalid UTF-8 at column %zu",
			    i + 1);
	}
	return 0;
}

/* One line of a file, without its '\n'; first is the file's first. */
static int
config_line(struct config *cfg, char *s, size_t len, bool first,
    struct werr *err)
{
	char *key, *value, *p;

	if (first && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;		/* a byte order mark from a Windows editor */
		len -= 3;
	}
	if (len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	if (config_check_bytes(s, len, err) == -1)
		return -1;

	/* '#' starts a comment at the start of a line or after a blank. */
	for (p = s; *p != '\0'; p++)
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	key = config_trim(s);
	if (*key == '\0')
		return 0;
	p = key + strcspn(key, " \t");
	value = p + strspn(p, " \t");
	*p = '\0';
	if (strchr(key, '=') != NULL || *value == '=')
		return werr_set(err, "expected 'key value', without '='");
	return config_set(cfg, key, value, CONFIG_ORIGIN_FILE, err);
}

/*
 * Reads one line, without its '\n', into buf. 1: a line of *len bytes
 * (NUL-terminated, though it may hold NULs); 0: end of file; -1: err set.
 */
static int
config_read_line(FILE *fp, char *buf, size_t size, size_t *len,
    struct werr *err)
{
	size_t n = 0;
	int c;

	while ((c = getc(fp)) != EOF && c != '\n') {
		if (n >= size - 1)
			return werr_set(err, "line too long (more than %zu "
			    "bytes)", size - 1);
		buf[n++] = (char)c;
	}
	if (c == EOF && ferror(fp))
		return werr_set(err, "read error: %s", strerror(errno));
	if (c == EOF && n == 0)
		return 0;
	buf[n] = '\0';
	*len = n;
	return 1;
}

int
config_load_file(struct config *cfg, const char *path, struct werr *err)
{
	char line[CONFIG_LINE_MAX + 1];
	struct werr sub;
	struct stat st;
	unsigned lineno;
	size_t len = 0;
	FILE *fp;
	int r, rc = 0;

	fp = fopen(path, "r");
	if (fp == NULL)
		return werr_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode))
		rc = werr_set(err, "%s: %s", path, strerror(EISDIR));
	for (lineno = 1; rc == 0; lineno++) {
		r = config_read_line(fp, line, sizeof(line), &len, &sub);
		if (r == 0)
			break;
		if (r == -1 ||
		    config_line(cfg, line, len, lineno == 1, &sub) == -1)
			rc = werr_set(err, "%s:%u: %s", path, lineno, sub.msg);
	}
	fclose(fp);
	return rc;
}

void
config_defaults(struct config *cfg, enum config_layout layout)
{
	struct werr err;
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < WD_NELEM(config_keys); i++) {
		if (config_keys[i].def == NULL)
			continue;
		if (config_set(cfg, config_keys[i].name, config_keys[i].def,
		    CONFIG_ORIGIN_DEFAULT, &err) == -1)
			abort();	/* the table above is wrong */
	}

	switch (layout) {
	case CONFIG_LAYOUT_BUILDTREE:
		snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s",
		    WD_BUILDDIR "/state");
		snprintf(cfg->policy_dir, sizeof(cfg->policy_dir), "%s",
		    WD_SRCDIR "/policies");
		snprintf(cfg->access_log, sizeof(cfg->access_log), "%s",
		    WD_BUILDDIR "/state/access.log");
		snprintf(cfg->pid_file, sizeof(cfg->pid_file), "%s",
		    WD_BUILDDIR "/state/wardend.pid");
		snprintf(cfg->category_store, sizeof(cfg->category_store),
		    "%s", WD_BUILDDIR "/state/categories.db");
		snprintf(cfg->tls_ca_dir, sizeof(cfg->tls_ca_dir), "%s",
		    WD_BUILDDIR "/state/ca");
		break;
	case CONFIG_LAYOUT_INSTALLED:
		snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s",
		    WD_STATEDIR);
		snprintf(cfg->policy_dir, sizeof(cfg->policy_dir), "%s",
		    WD_SYSCONFDIR "/policies");
		snprintf(cfg->access_log, sizeof(cfg->access_log), "%s",
		    WD_LOGDIR "/access.log");
		snprintf(cfg->pid_file, sizeof(cfg->pid_file), "%s",
		    "/run/warden/wardend.pid");
		snprintf(cfg->category_store, sizeof(cfg->category_store),
		    "%s", WD_STATEDIR "/categories.db");
		snprintf(cfg->tls_ca_dir, sizeof(cfg->tls_ca_dir), "%s",
		    WD_STATEDIR "/ca");
		break;
	}

	if (gethostname(cfg->visible_hostname,
	    sizeof(cfg->visible_hostname)) == -1)
		cfg->visible_hostname[0] = '\0';
	cfg->visible_hostname[sizeof(cfg->visible_hostname) - 1] = '\0';
	if (!config_hostname_ok(cfg->visible_hostname))
		snprintf(cfg->visible_hostname,
		    sizeof(cfg->visible_hostname), "%s", "warden");
}

int
config_validate(const struct config *cfg, struct werr *err)
{
	char a[64];
	const struct config_key *k;
	unsigned long long v;
	size_t i, j;

	if (cfg->nlisten == 0)
		return werr_set(err, "no listen address (add one, as 'listen "
		    "127.0.0.1:3128')");
	for (i = 0; i < cfg->nlisten; i++)
		for (j = i + 1; j < cfg->nlisten; j++)
			if (cfg->listen[i].len == cfg->listen[j].len &&
			    memcmp(&cfg->listen[i].ss, &cfg->listen[j].ss,
			    cfg->listen[i].len) == 0)
				return werr_set(err, "listen: %s is given "
				    "twice", netaddr_format((const struct
				    sockaddr *)&cfg->listen[i].ss, a,
				    sizeof(a)));
	if (cfg->nallow_clients == 0)
		return werr_set(err, "allow_clients is empty: no client could "
		    "use the proxy");
	if (cfg->nconnect_ports == 0)
		return werr_set(err, "connect_ports is empty");
	for (k = config_keys; k < config_keys + WD_NELEM(config_keys); k++) {
		if (k->width == 0)
			continue;
		v = config_fetch(cfg, k);
		if (v < k->min || v > k->max)
			return werr_set(err, "%s: %llu is out of range (%llu "
			    "to %llu)", k->name, v, k->min, k->max);
	}
	if (cfg->max_request_line >= cfg->max_header_size)
		return werr_set(err, "max_request_line (%zu) must be smaller "
		    "than max_header_size (%zu)", cfg->max_request_line,
		    cfg->max_header_size);
	if (cfg->state_dir[0] == '\0' || cfg->policy_dir[0] == '\0')
		return werr_set(err, "state_dir and policy_dir must be set");
	if (cfg->access_log[0] != '\0' &&
	    strcmp(cfg->access_log, cfg->pid_file) == 0)
		return werr_set(err, "access_log and pid_file are the same "
		    "file (%s)", cfg->access_log);
	if (!config_hostname_ok(cfg->visible_hostname))
		return werr_set(err, "visible_hostname: '%s' is not a host "
		    "name", cfg->visible_hostname);
	return 0;
}

/* STATE_DIR/name into dst (PATH_MAX bytes). */
static int
config_derive(char *dst, const char *state_dir, const char *name,
    const char *key, struct werr *err)
{
	int n;

	if (strcmp(state_dir, "/") == 0)
		state_dir = "";
	n = snprintf(dst, PATH_MAX, "%s/%s", state_dir, name);
	if (n < 0 || n >= PATH_MAX)
		return werr_set(err, "state_dir is too long to hold %s (set "
		    "%s)", name, key);
	return 0;
}

int
config_finalise(struct config *cfg, struct werr *err)
{
	if (cfg->origin_state_dir != CONFIG_ORIGIN_DEFAULT) {
		if (cfg->origin_access_log == CONFIG_ORIGIN_DEFAULT &&
		    config_derive(cfg->access_log, cfg->state_dir,
		    "access.log", "access_log", err) == -1)
			return -1;
		if (cfg->origin_pid_file == CONFIG_ORIGIN_DEFAULT &&
		    config_derive(cfg->pid_file, cfg->state_dir,
		    "wardend.pid", "pid_file", err) == -1)
			return -1;
		if (cfg->origin_category_store == CONFIG_ORIGIN_DEFAULT &&
		    config_derive(cfg->category_store, cfg->state_dir,
		    "categories.db", "category_store", err) == -1)
			return -1;
		if (cfg->origin_tls_ca_dir == CONFIG_ORIGIN_DEFAULT &&
		    config_derive(cfg->tls_ca_dir, cfg->state_dir, "ca",
		    "tls_ca_dir", err) == -1)
			return -1;
	}
	return config_validate(cfg, err);
}
