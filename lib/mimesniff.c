#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <magic.h>
#include <openssl/sha.h>

#include "mimesniff.h"

/*
 * libmagic walks its whole database for a buffer it does not recognise
 * early: a third of a millisecond to over a millisecond a call, many
 * times what the rest of a transaction costs. The same bytes always get
 * the same answer, and the same objects (a site's logo, a library's
 * script, a popular download) are fetched again and again, so each
 * handle remembers the type of the last MIMESNIFF_CACHE distinct buffers
 * it was given, by their SHA-256: a collision, which would let one body
 * pass for another, cannot be made.
 */
#define MIMESNIFF_CACHE		1024	/* entries, a power of two */
#define MIMESNIFF_TYPE_MAX	96

struct mimesniff_entry {
	unsigned char	digest[SHA256_DIGEST_LENGTH];
	bool		used;
	char		type[MIMESNIFF_TYPE_MAX];
};

struct mimesniff {
	magic_t			 magic;
	struct mimesniff_entry	*cache;
	uint64_t		 hits, misses;
};

/*
 * MAGIC_MIME_TYPE: the policy compares media types, not descriptions.
 * MAGIC_NO_CHECK_COMPRESS: a compressed body is what the client gets, so
 * a .gz download is "application/gzip", not whatever is inside. libmagic
 * only looks inside with MAGIC_COMPRESS, which is not set; this flag
 * skips even the check, and keeps it so should someone add that flag:
 * decompressing hostile bytes is work and attack surface, may fork a
 * decompressor, and changes the process's SIGPIPE disposition, which a
 * threaded daemon must not have done behind its back.
 * MAGIC_ERROR: report libmagic's own failures as errors, not as text in
 * the result.
 */
#define MIMESNIFF_FLAGS	(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | \
	MAGIC_ERROR)

/*
 * Bounds on the work one hostile buffer can cause. libmagic's defaults
 * suit a command-line tool on local files (50 levels of indirection and
 * of named rules, a 7 MB read), not a proxy sniffing every download.
 * With these, the shipped rules still find PE, ELF, Mach-O, compound
 * documents (MSI) and archives in the first MIMESNIFF_BYTES. The regex
 * limit stays at libmagic's default: less misses script types. The ELF
 * limits only apply to files read through a descriptor, never to
 * buffers, and are set in case that changes.
 */
static const struct {
	int	param;
	size_t	value;
	const char *name;
} mimesniff_params[] = {
	{ MAGIC_PARAM_BYTES_MAX, MIMESNIFF_BYTES, "bytes" },
	{ MAGIC_PARAM_ENCODING_MAX, MIMESNIFF_BYTES, "encoding" },
	{ MAGIC_PARAM_INDIR_MAX, 4, "indir" },
	{ MAGIC_PARAM_NAME_MAX, 20, "name" },
	{ MAGIC_PARAM_ELF_PHNUM_MAX, 64, "elf_phnum" },
	{ MAGIC_PARAM_ELF_SHNUM_MAX, 64, "elf_shnum" },
	{ MAGIC_PARAM_ELF_NOTES_MAX, 16, "elf_notes" },
	{ MAGIC_PARAM_REGEX_MAX, 8192, "regex" },
};

struct mimesniff *
mimesniff_new(struct werr *err)
{
	struct mimesniff *m;
	const char *why;
	size_t i;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->cache = calloc(MIMESNIFF_CACHE, sizeof(*m->cache))) == NULL) {
		free(m);
		werr_set(err, "out of memory");
		return NULL;
	}
	if ((m->magic = magic_open(MIMESNIFF_FLAGS)) == NULL) {
		werr_set(err, "cannot open libmagic");
		goto fail;
	}
	for (i = 0; i < WD_NELEM(mimesniff_params); i++) {
		if (magic_setparam(m->magic, mimesniff_params[i].param,
		    &mimesniff_params[i].value) == -1) {
			werr_set(err, "libmagic refuses its %s limit",
			    mimesniff_params[i].name);
			goto fail;
		}
	}
	if (magic_load(m->magic, NULL) == -1) {
		why = magic_error(m->magic);
		werr_set(err, "cannot load the magic database: %s",
		    why != NULL ? why : "unknown error");
		goto fail;
	}
	return m;
fail:
	mimesniff_free(m);
	return NULL;
}

/* Copies s lowercased into out, truncated to outlen. */
static void
mimesniff_copy(char *out, size_t outlen, const char *s)
{
	size_t i;

	if (outlen == 0)
		return;
	for (i = 0; i < outlen - 1 && s[i] != '\0'; i++)
		out[i] = s[i] >= 'A' && s[i] <= 'Z' ? s[i] + ('a' - 'A') :
		    s[i];
	out[i] = '\0';
}

int
mimesniff_buffer(struct mimesniff *m, const void *buf, size_t len,
    char *out, size_t outlen, struct werr *err)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	struct mimesniff_entry *e;
	const char *type, *why;
	uint64_t slot;

	if (len == 0) {
		mimesniff_copy(out, outlen, "application/x-empty");
		return 0;
	}
	if (len > MIMESNIFF_BYTES)
		len = MIMESNIFF_BYTES;
	SHA256(buf, len, md);
	memcpy(&slot, md, sizeof(slot));
	e = &m->cache[slot & (MIMESNIFF_CACHE - 1)];
	if (e->used && memcmp(e->digest, md, sizeof(md)) == 0) {
		m->hits++;
		mimesniff_copy(out, outlen, e->type);
		return 0;
	}
	m->misses++;
	if ((type = magic_buffer(m->magic, buf, len)) == NULL) {
		why = magic_error(m->magic);
		mimesniff_copy(out, outlen, "application/octet-stream");
		return werr_set(err, "libmagic failed: %s",
		    why != NULL ? why : "unknown error");
	}
	memcpy(e->digest, md, sizeof(md));
	mimesniff_copy(e->type, sizeof(e->type), type);
	e->used = true;
	mimesniff_copy(out, outlen, e->type);
	return 0;
}

void
mimesniff_stats(const struct mimesniff *m, uint64_t *hits,
    uint64_t *misses)
{
	*hits = m->hits;
	*misses = m->misses;
}

void
mimesniff_free(struct mimesniff *m)
{
	if (m == NULL)
		return;
	if (m->magic != NULL)
		magic_close(m->magic);
	free(m->cache);
	free(m);
}
