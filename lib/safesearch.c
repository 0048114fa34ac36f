#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "safesearch.h"

/* Longest host looked at; longer ones are no search engine's. */
#define SAFESEARCH_HOST_MAX	256

/* A host name with its length, so that most names are ruled out by it. */
struct safesearch_name {
	const char	*s;
	size_t		 len;
};
#define SAFESEARCH_NAME(s)	{ s, sizeof(s) - 1 }

/*
 * One search engine: which hosts are its, which paths are its searches,
 * the query parameter that forces strict mode there, the host whose
 * address serves strict mode to every client (the engines' documented
 * DNS method, used here for CONNECT), and the request header it honours.
 */
struct safesearch_engine {
	const struct safesearch_name *hosts;	/* exact names, or NULL */
	bool			(*match)(const char *, size_t); /* or a rule */
	const char *const	*paths;		/* NULL: header only */
	const char		*param;
	const char		*value;
	const char		*connect_host;
	const char		*header_name;	/* NULL: none */
	const char		*header_value;
};

static bool	safesearch_is_google(const char *, size_t);

/*
 * Google: the searches are "/search" on every Google domain (web, images
 * with tbm=isch, videos, news); "safe=active" is its strict mode.
 */
static const char *const safesearch_google_paths[] = {
	"/search", NULL,
};

/* Bing: web, image and video searches; "adlt=strict". */
static const struct safesearch_name safesearch_bing_hosts[] = {
	SAFESEARCH_NAME("bing.com"), SAFESEARCH_NAME("www.bing.com"),
	{ NULL, 0 },
};
static const char *const safesearch_bing_paths[] = {
	"/search", "/images/search", "/videos/search", NULL,
};

/*
 * DuckDuckGo: the search pages are "/" (with q=, the home page without
 * it), and the no-JavaScript "/html" and "/lite" versions. Every one of
 * them gets "kp=1" (strict), the home page included, so that the search
 * form it serves carries the setting on. Other paths (assets, "/d.js"
 * on other hosts) are left alone.
 */
static const struct safesearch_name safesearch_ddg_hosts[] = {
	SAFESEARCH_NAME("duckduckgo.com"),
	SAFESEARCH_NAME("www.duckduckgo.com"),
	SAFESEARCH_NAME("html.duckduckgo.com"),
	SAFESEARCH_NAME("lite.duckduckgo.com"),
	{ NULL, 0 },
};
static const char *const safesearch_ddg_paths[] = {
	"/", "/html", "/html/", "/lite", "/lite/", NULL,
};

/*
 * YouTube has no query parameter; its restricted mode is the request
 * header below, or restrict.youtube.com's address ("Strict"; the
 * "Moderate" one is restrictmoderate.youtube.com).
 */
static const struct safesearch_name safesearch_youtube_hosts[] = {
	SAFESEARCH_NAME("youtube.com"), SAFESEARCH_NAME("www.youtube.com"),
	SAFESEARCH_NAME("m.youtube.com"),
	SAFESEARCH_NAME("youtubei.googleapis.com"),
	SAFESEARCH_NAME("youtube.googleapis.com"),
	SAFESEARCH_NAME("www.youtube-nocookie.com"),
	{ NULL, 0 },
};

static const struct safesearch_engine safesearch_engines[] = {
	{
		NULL, safesearch_is_google, safesearch_google_paths,
		"safe", "active", "forcesafesearch.google.com", NULL, NULL,
	}, {
		safesearch_bing_hosts, NULL, safesearch_bing_paths,
		"adlt", "strict", "strict.bing.com", NULL, NULL,
	}, {
		safesearch_ddg_hosts, NULL, safesearch_ddg_paths,
		"kp", "1", "safe.duckduckgo.com", NULL, NULL,
	}, {
		safesearch_youtube_hosts, NULL, NULL,
		NULL, NULL, "restrict.youtube.com",
		"YouTube-Restrict", "Strict",
	},
};

static bool
safesearch_is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

/* Whether the two bytes at s are letters: a country-code TLD. */
static bool
safesearch_is_cc(const char *s)
{
	return safesearch_is_lower(s[0]) && safesearch_is_lower(s[1]);
}

/*
 * Google's search domains (the list at www.google.com/supported_domains)
 * come in four shapes, and only Google registers them: "google.com",
 * "google.cat", "google.CC", "google.co.CC" and "google.com.CC", where CC
 * is a two-letter country code; each also with "www." in front. A rule
 * rather than a table, so that a country added later is covered.
 * Other Google names (mail, maps, forcesafesearch itself) are not
 * searches and are left alone. h is n bytes, lower-case.
 */
static bool
safesearch_is_google(const char *h, size_t n)
{
	if (n >= 4 && memcmp(h, "www.", 4) == 0) {
		h += 4;
		n -= 4;
	}
	if (n < 7 || memcmp(h, "google.", 7) != 0)
		return false;
	h += 7;
	n -= 7;
	if (n == 2)
		return safesearch_is_cc(h);
	if (n == 3)
		return memcmp(h, "com", 3) == 0 || memcmp(h, "cat", 3) == 0;
	if (n == 5 && memcmp(h, "co.", 3) == 0)
		return safesearch_is_cc(h + 3);
	if (n == 6 && memcmp(h, "com.", 4) == 0)
		return safesearch_is_cc(h + 4);
	return false;
}

const struct safesearch_engine *
safesearch_find(const char *host)
{
	char h[SAFESEARCH_HOST_MAX];
	const struct safesearch_engine *e;
	const struct safesearch_name *p;
	size_t i, n;

	n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		n--;
	if (n == 0 || n >= sizeof(h))
		return NULL;
	for (i = 0; i < n; i++) {
		char c = host[i];

		h[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
	}
	h[n] = '\0';
	for (i = 0; i < WD_NELEM(safesearch_engines); i++) {
		e = &safesearch_engines[i];
		if (e->match != NULL && e->match(h, n))
			return e;
		for (p = e->hosts; p != NULL && p->s != NULL; p++)
			if (p->len == n && memcmp(h, p->s, n) == 0)
				return e;
	}
	return NULL;
}

static int
safesearch_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Whether the parameter p[0..len) is named name, as the engine's server
 * would read the name: percent-escapes decoded and case ignored, so that
 * "SAFE=off" and "saf%65=off" are replaced as well.
 */
static bool
safesearch_param_is(const char *p, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i < len && p[i] != '='; i++) {
		char c = p[i];

		if (c == '%' && len - i >= 3 && safesearch_hexval(p[i + 1]) !=
		    -1 && safesearch_hexval(p[i + 2]) != -1) {
			c = (char)(safesearch_hexval(p[i + 1]) << 4 |
			    safesearch_hexval(p[i + 2]));
			i += 2;
		}
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + ('a' - 'A'));
		if (*name == '\0' || c != *name)
			return false;
		name++;
	}
	return *name == '\0';
}

/* Appends s[0..len) at *o, keeping room for the NUL. */
static int
safesearch_put(char *out, size_t outsz, size_t *o, const char *s,
    size_t len)
{
	if (len >= outsz - *o)
		return -1;
	memcpy(out + *o, s, len);
	*o += len;
	return 0;
}

/* Appends one query parameter, after a '&' unless it is the first. */
static int
safesearch_put_param(char *out, size_t outsz, size_t *o, bool first,
    const char *s, size_t len)
{
	if (!first && safesearch_put(out, outsz, o, "&", 1) == -1)
		return -1;
	return safesearch_put(out, outsz, o, s, len);
}

/* Appends the engine's "name=value". */
static int
safesearch_put_strict(char *out, size_t outsz, size_t *o, bool first,
    const struct safesearch_engine *e)
{
	if (safesearch_put_param(out, outsz, o, first, e->param,
	    strlen(e->param)) == -1 ||
	    safesearch_put(out, outsz, o, "=", 1) == -1 ||
	    safesearch_put(out, outsz, o, e->value, strlen(e->value)) == -1)
		return -1;
	return 0;
}

int
safesearch_rewrite_path(const struct safesearch_engine *e, const char *path,
    char *out, size_t outsz)
{
	const char *const *p;
	const char *q, *param, *end;
	size_t plen, o = 0;
	bool done = false, first = true;

	if (e == NULL || e->paths == NULL)
		return 0;
	q = strchr(path, '?');
	plen = q == NULL ? strlen(path) : (size_t)(q - path);
	for (p = e->paths; *p != NULL; p++)
		if (strlen(*p) == plen && memcmp(*p, path, plen) == 0)
			break;
	if (*p == NULL)
		return 0;

	if (outsz == 0 || safesearch_put(out, outsz, &o, path, plen) == -1 ||
	    safesearch_put(out, outsz, &o, "?", 1) == -1)
		return -1;
	/*
	 * Every occurrence of the parameter goes, the first replaced where
	 * it stood: an engine could read either the first or the last of
	 * two. Empty parameters ("&&", a trailing '&') are dropped.
	 */
	for (param = q == NULL ? NULL : q + 1; param != NULL;
	    param = *end == '&' ? end + 1 : NULL) {
		end = strchr(param, '&');
		if (end == NULL)
			end = param + strlen(param);
		if (end == param)
			continue;
		if (!safesearch_param_is(param, (size_t)(end - param),
		    e->param)) {
			if (safesearch_put_param(out, outsz, &o, first, param,
			    (size_t)(end - param)) == -1)
				return -1;
		} else if (!done) {
			if (safesearch_put_strict(out, outsz, &o, first,
			    e) == -1)
				return -1;
			done = true;
		} else
			continue;
		first = false;
	}
	if (!done && safesearch_put_strict(out, outsz, &o, first, e) == -1)
		return -1;
	out[o] = '\0';
	return 1;
}

const char *
safesearch_header(const struct safesearch_engine *e, const char **name)
{
	*name = NULL;
	if (e == NULL || e->header_name == NULL)
		return NULL;
	*name = e->header_name;
	return e->header_value;
}

const char *
safesearch_connect_host(const struct safesearch_engine *e)
{
	return e == NULL ? NULL : e->connect_host;
}
