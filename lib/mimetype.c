#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "mimetype.h"

/* ASCII only: media types are not subject to the locale. */
static unsigned char
mimetype_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool
mimetype_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* tchar of RFC 9110 section 5.6.2. */
static bool
mimetype_tchar(unsigned char c)
{
	return mimetype_alnum(c) ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* restricted-name-chars of RFC 6838 section 4.2, lowercase letters only. */
static bool
mimetype_pattern_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$&-^_.+", c) != NULL);
}

static bool
mimetype_ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * RFC 9110 section 8.3.1: media-type = type "/" subtype parameters. The
 * parameters are not looked at: the policy matches on the type alone.
 */
int
mimetype_from_field(const char *v, size_t len, char *out, size_t outlen)
{
	const char *p = v, *end = v + len, *type, *sub;
	size_t tlen, slen, i;

	if (outlen > 0)
		out[0] = '\0';
	while (p < end && mimetype_ows(*p))
		p++;
	for (type = p; p < end && mimetype_tchar((unsigned char)*p); p++)
		;
	tlen = (size_t)(p - type);
	if (tlen == 0 || p == end || *p != '/')
		return -1;
	for (sub = ++p; p < end && mimetype_tchar((unsigned char)*p); p++)
		;
	slen = (size_t)(p - sub);
	if (slen == 0)
		return -1;
	while (p < end && mimetype_ows(*p))
		p++;
	if (p < end && *p != ';')
		return -1;
	if (tlen + 1 + slen >= outlen)
		return -1;
	for (i = 0; i < tlen; i++)
		out[i] = (char)mimetype_lower((unsigned char)type[i]);
	out[tlen] = '/';
	for (i = 0; i < slen; i++)
		out[tlen + 1 + i] = (char)mimetype_lower((unsigned char)sub[i]);
	out[tlen + 1 + slen] = '\0';
	return 0;
}

/* Checks one name of a pattern (len bytes at s, before or after '/'). */
static int
mimetype_pattern_name(const char *pat, const char *s, size_t len,
    const char *what, struct werr *err)
{
	size_t i;
	unsigned char c;

	if (len == 0)
		return werr_set(err, "media type '%s' has an empty %s", pat,
		    what);
	if (len == 1 && s[0] == '*')
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			return werr_set(err, "media type '%s' must be written "
			    "in lowercase", pat);
		if (!mimetype_pattern_char(c))
			return werr_set(err, "media type '%s' has a bad "
			    "character in its %s", pat, what);
	}
	if (!mimetype_alnum((unsigned char)s[0]))
		return werr_set(err, "media type '%s': the %s must start with "
		    "a letter or digit", pat, what);
	return 0;
}

/*
 * Patterns are lowercase because the types they are matched against are
 * lowercased: an uppercase pattern would silently never match, so it is
 * refused with the fix in the message.
 */
int
mimetype_pattern_valid(const char *pat, struct werr *err)
{
	const char *slash;
	size_t len = strlen(pat), tlen;

	if (strcmp(pat, "*") == 0 || strcmp(pat, "*/*") == 0)
		return 0;
	if (len == 0)
		return werr_set(err, "empty media type");
	if (len >= MIMETYPE_MAX)
		return werr_set(err, "media type '%.40s...' is longer than %d "
		    "bytes", pat, MIMETYPE_MAX - 1);
	if ((slash = strchr(pat, '/')) == NULL)
		return werr_set(err, "media type '%s' is not type/subtype or "
		    "type/*", pat);
	tlen = (size_t)(slash - pat);
	if (tlen == 1 && pat[0] == '*')
		return werr_set(err, "media type '%s': a wildcard type needs "
		    "a wildcard subtype ('*')", pat);
	if (mimetype_pattern_name(pat, pat, tlen, "type", err) == -1)
		return -1;
	if (strchr(slash + 1, '/') != NULL)
		return werr_set(err, "media type '%s' has more than one '/'",
		    pat);
	return mimetype_pattern_name(pat, slash + 1, len - tlen - 1,
	    "subtype", err);
}

bool
mimetype_match(const char *pat, const char *type)
{
	size_t plen;

	if (strcmp(pat, "*") == 0 || strcmp(pat, "*/*") == 0)
		return true;
	plen = strlen(pat);
	if (plen >= 2 && strcmp(pat + plen - 2, "/*") == 0)
		return strncmp(pat, type, plen - 1) == 0;
	return strcmp(pat, type) == 0;
}

/*
 * The extension of a name fed to it byte by byte, with no buffer for the
 * name: what follows the last '.' is kept, up to MIMETYPE_EXT_MAX - 1
 * bytes (more makes it too long to be one). Percent-decoding and the
 * start of a new path part happen on the way in.
 */
struct mimetype_ext_state {
	char	ext[MIMETYPE_EXT_MAX];
	size_t	len;
	bool	dot;		/* a '.' was seen in this part */
	bool	toolong;
};

struct mimetype_ext {
	char	ext[MIMETYPE_EXT_MAX];
	size_t	len;
	bool	dot;		/* a '.' was seen in this part */
	bool	toolong;
	/*
	 * Windows drops trailing dots and spaces from a name it saves
	 * ("setup.exe. ." is saved as setup.exe): the state before such a
	 * run, and whether the name has only dots and spaces since.
	 */
	struct mimetype_ext_state saved;
	bool	trail;
	bool	seps;		/* '/' and '\' start a new part */
	int	pct;		/* 0; 1 after '%'; 2 after '%' and a digit */
	char	hex;		/* the digit after '%' */
};

static void
mimetype_ext_init(struct mimetype_ext *x, bool seps)
{
	memset(x, 0, sizeof(*x));
	x->seps = seps;
}

/* A byte of the decoded name. */
static void
mimetype_ext_byte(struct mimetype_ext *x, char c)
{
	if ((c == '.' || c == ' ') && !x->trail) {
		memcpy(x->saved.ext, x->ext, x->len);
		x->saved.len = x->len;
		x->saved.dot = x->dot;
		x->saved.toolong = x->toolong;
		x->trail = true;
	} else if (c != '.' && c != ' ')
		x->trail = false;
	if (x->seps && (c == '/' || c == '\\')) {
		x->dot = false;
		x->len = 0;
		x->toolong = false;
	} else if (c == '.') {
		x->dot = true;
		x->len = 0;
		x->toolong = false;
	} else if (x->len < MIMETYPE_EXT_MAX - 1)
		x->ext[x->len++] = c;
	else
		x->toolong = true;
}

static int
mimetype_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)mimetype_lower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * A byte of the name as written: "%2e" is a '.', a '%' not followed by
 * two hex digits stands for itself.
 */
static void
mimetype_ext_put(struct mimetype_ext *x, char c)
{
	switch (x->pct) {
	case 0:
		if (c == '%')
			x->pct = 1;
		else
			mimetype_ext_byte(x, c);
		return;
	case 1:
		if (mimetype_hexval(c) == -1) {
			x->pct = 0;
			mimetype_ext_byte(x, '%');
			mimetype_ext_put(x, c);
			return;
		}
		x->hex = c;
		x->pct = 2;
		return;
	default:
		x->pct = 0;
		if (mimetype_hexval(c) == -1) {
			mimetype_ext_byte(x, '%');
			mimetype_ext_byte(x, x->hex);
			mimetype_ext_put(x, c);
			return;
		}
		mimetype_ext_byte(x, (char)(mimetype_hexval(x->hex) << 4 |
		    mimetype_hexval(c)));
		return;
	}
}

static bool
mimetype_ext_char(unsigned char c)
{
	return mimetype_alnum(c) || c == '_' || c == '-' || c == '+';
}

/* The extension at the end of the name, lowercased into out: 0 or -1. */
static int
mimetype_ext_end(struct mimetype_ext *x, char *out, size_t outlen)
{
	size_t i;

	if (x->pct >= 1)
		mimetype_ext_byte(x, '%');
	if (x->pct == 2)
		mimetype_ext_byte(x, x->hex);
	x->pct = 0;
	if (x->trail) {
		memcpy(x->ext, x->saved.ext, x->saved.len);
		x->len = x->saved.len;
		x->dot = x->saved.dot;
		x->toolong = x->saved.toolong;
	}
	if (!x->dot || x->len == 0 || x->toolong || x->len >= outlen)
		return -1;
	for (i = 0; i < x->len; i++) {
		if (!mimetype_ext_char((unsigned char)x->ext[i]))
			return -1;
		out[i] = (char)mimetype_lower((unsigned char)x->ext[i]);
	}
	out[x->len] = '\0';
	return 0;
}

/*
 * A name that starts with its only dot (".bashrc") has that name as its
 * extension: what a download is saved as is what matters, and a policy
 * that blocks "htaccess" means ".htaccess" too. A '.' or '/' written as
 * %2e or %2f counts as what it decodes to, as the server sees it.
 */
int
mimetype_ext_from_path(const char *path, char *out, size_t outlen)
{
	struct mimetype_ext x;
	const char *p, *end, *seg;

	if (outlen > 0)
		out[0] = '\0';
	end = path + strcspn(path, "?#");
	for (seg = p = path; p < end; p++)
		if (*p == '/')
			seg = p + 1;
	mimetype_ext_init(&x, false);
	for (p = seg; p < end; p++)
		mimetype_ext_put(&x, *p);
	if (mimetype_ext_end(&x, out, outlen) == -1) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/* A parameter of a Content-Disposition value: name and raw value. */
struct mimetype_parm {
	const char	*name;
	size_t		 namelen;
	const char	*val;
	size_t		 vallen;
	bool		 quoted;	/* val is inside the quotes */
};

static bool
mimetype_ieq(const char *s, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (word[i] == '\0' || mimetype_lower((unsigned char)s[i]) !=
		    (unsigned char)word[i])
			return false;
	return word[len] == '\0';
}

/*
 * The next parameter of [*p, end): OWS name OWS "=" OWS value, where the
 * value is a quoted-string or what runs to the next ';'. An unterminated
 * quoted-string runs to the end, as browsers read it. Something that is
 * not a parameter is skipped to the next ';' with an empty name.
 * Returns false at the end.
 */
static bool
mimetype_next_parm(const char **p, const char *end,
    struct mimetype_parm *pm)
{
	const char *s = *p, *e;

	memset(pm, 0, sizeof(*pm));
	while (s < end && (mimetype_ows(*s) || *s == ';'))
		s++;
	if (s == end) {
		*p = end;
		return false;
	}
	for (pm->name = s; s < end && mimetype_tchar((unsigned char)*s); s++)
		;
	pm->namelen = (size_t)(s - pm->name);
	while (s < end && mimetype_ows(*s))
		s++;
	if (pm->namelen == 0 || s == end || *s != '=') {
		pm->namelen = 0;
		while (s < end && *s != ';')
			s++;
		*p = s;
		return true;
	}
	s++;
	while (s < end && mimetype_ows(*s))
		s++;
	if (s < end && *s == '"') {
		pm->quoted = true;
		pm->val = ++s;
		while (s < end && *s != '"') {
			if (*s == '\\' && s + 1 < end)
				s++;
			s++;
		}
		pm->vallen = (size_t)(s - pm->val);
		if (s < end)
			s++;
		while (s < end && *s != ';')
			s++;
		*p = s;
		return true;
	}
	pm->val = s;
	e = s;
	while (e < end && *e != ';')
		e++;
	*p = e;
	while (e > s && mimetype_ows(e[-1]))
		e--;
	pm->vallen = (size_t)(e - s);
	return true;
}

/*
 * filename*: ext-value of RFC 8187 section 3.2.1, charset "'" [ language ]
 * "'" value-chars. Only the extension matters, which is ASCII in any
 * charset worth supporting, so the bytes are not converted. -1 when it
 * is not an ext-value.
 */
static int
mimetype_ext_star(const struct mimetype_parm *pm, char *out, size_t outlen)
{
	struct mimetype_ext x;
	const char *s = pm->val, *end = pm->val + pm->vallen, *q;

	if (pm->quoted)
		return -1;
	if ((q = memchr(s, '\'', pm->vallen)) == NULL || q == s)
		return -1;
	if ((q = memchr(q + 1, '\'', (size_t)(end - q - 1))) == NULL)
		return -1;
	mimetype_ext_init(&x, true);
	for (s = q + 1; s < end; s++)
		mimetype_ext_put(&x, *s);
	return mimetype_ext_end(&x, out, outlen);
}

/*
 * filename: token or quoted-string (quoted-pair unescaped). Browsers
 * also percent-decode it, so "setup%2eexe" is saved as "setup.exe".
 */
static int
mimetype_ext_plain(const struct mimetype_parm *pm, char *out, size_t outlen)
{
	struct mimetype_ext x;
	const char *s = pm->val, *end = pm->val + pm->vallen;

	mimetype_ext_init(&x, true);
	for (; s < end; s++) {
		if (pm->quoted && *s == '\\' && s + 1 < end)
			s++;
		mimetype_ext_put(&x, *s);
	}
	return mimetype_ext_end(&x, out, outlen);
}

/*
 * RFC 6266 section 4.1. The disposition type is optional here: a value
 * that starts with a parameter is read as parameters, as browsers do.
 * Of repeated parameters the first counts, as in browsers. filename*
 * wins over filename (section 4.3) when it can be read; otherwise the
 * plain name is used.
 */
int
mimetype_ext_from_disposition(const char *v, size_t len, char *out,
    size_t outlen)
{
	struct mimetype_parm pm, plain, star;
	const char *p = v, *end = v + len;
	bool have_plain = false, have_star = false;

	if (outlen > 0)
		out[0] = '\0';
	while (p < end && mimetype_ows(*p))
		p++;
	/* The disposition type: a token not followed by '='. */
	while (p < end && mimetype_tchar((unsigned char)*p))
		p++;
	while (p < end && mimetype_ows(*p))
		p++;
	if (p < end && *p == '=')
		p = v;
	while (mimetype_next_parm(&p, end, &pm)) {
		if (mimetype_ieq(pm.name, pm.namelen, "filename*") &&
		    !have_star) {
			star = pm;
			have_star = true;
		} else if (mimetype_ieq(pm.name, pm.namelen, "filename") &&
		    !have_plain) {
			plain = pm;
			have_plain = true;
		}
	}
	if (have_star && mimetype_ext_star(&star, out, outlen) == 0)
		return 0;
	if (have_plain && mimetype_ext_plain(&plain, out, outlen) == 0)
		return 0;
	if (outlen > 0)
		out[0] = '\0';
	return -1;
}

int
mimetype_ext_valid(const char *ext, struct werr *err)
{
	size_t i, len = strlen(ext);
	unsigned char c;

	if (len == 0)
		return werr_set(err, "empty extension");
	if (ext[0] == '.')
		return werr_set(err, "extension '%s' must be written without "
		    "the leading dot", ext);
	if (len >= MIMETYPE_EXT_MAX)
		return werr_set(err, "extension '%.40s' is longer than %d "
		    "bytes", ext, MIMETYPE_EXT_MAX - 1);
	for (i = 0; i < len; i++) {
		c = (unsigned char)ext[i];
		if (c >= 'A' && c <= 'Z')
			return werr_set(err, "extension '%s' must be written "
			    "in lowercase", ext);
		if (!mimetype_ext_char(c))
			return werr_set(err, "extension '%s' has a character "
			    "other than a-z, 0-9, '_', '-' and '+'", ext);
	}
	return 0;
}
