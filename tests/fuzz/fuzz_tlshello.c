/*
 * libFuzzer harness for lib/tlshello.c: the first bytes a client sends on
 * a CONNECT tunnel. Not built by make; from the top of the tree:
 *
 *   clang -std=c11 -g -O1 -D_GNU_SOURCE \
 *       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *       -Ilib tests/fuzz/fuzz_tlshello.c lib/tlshello.c lib/werr.c \
 *       -o fuzz_tlshello
 *   mkdir -p /tmp/tlshello-corpus
 *   ./fuzz_tlshello -max_len=20000 -max_total_time=60 \
 *       /tmp/tlshello-corpus tests/fuzz/corpus_tlshello
 *
 * The seeds in corpus_tlshello/ are ClientHellos OpenSSL 3.0 wrote (TLS
 * 1.3 with SNI and ALPN, TLS 1.2 only, no SNI), one split over two
 * records, one in one-byte records, and an HTTP request. Besides memory
 * errors it checks the contract: a failure says why, WD_AGAIN never once
 * TLSHELLO_MAX bytes are in hand, a success is stable when cut to its
 * length, and proper prefixes of a success or of a WD_AGAIN input ask for
 * more.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlshello.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parses the first len bytes from a heap block of exactly that size. */
static int
parse_copy(const uint8_t *data, size_t len, struct tlshello *h)
{
	struct werr err;
	unsigned char *b;
	int r;

	if ((b = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(b, data, len);
	r = tlshello_parse(b, len, h, &err);
	free(b);
	return r;
}

static void
check_hello(const struct tlshello *h)
{
	size_t i, n;
	char c;

	if (h->has_sni && h->sni_invalid)
		abort();
	n = strnlen(h->sni, sizeof(h->sni));
	if (n > 253 || (n > 0) != h->has_sni)
		abort();
	for (i = 0; i < n; i++) {
		c = h->sni[i];
		if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    c != '-' && c != '.')
			abort();
	}
	if (h->nalpn > TLSHELLO_ALPN_MAX || (h->nalpn > 0 && !h->has_alpn))
		abort();
	for (i = 0; i < h->nalpn; i++)
		if (h->alpn[i].len == 0 || h->alpn[i].len > TLSHELLO_ALPN_LEN ||
		    h->alpn[i].name[h->alpn[i].len] != '\0')
			abort();
	if (h->nrecords == 0 || h->ncipher == 0)
		abort();
	if (h->legacy_version < TLSHELLO_TLS10 ||
	    h->legacy_version > TLSHELLO_TLS12)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlshello h;
	struct werr err;
	int r;

	(void)tlshello_looks_like_tls(data, size);
	err.msg[0] = '\0';
	r = tlshello_parse(data, size, &h, &err);
	if (r == -1) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (r == WD_AGAIN) {
		if (size >= TLSHELLO_MAX)
			abort();
	} else {
		if (r <= 0 || (size_t)r > size)
			abort();
		check_hello(&h);
		if (parse_copy(data, (size_t)r, &h) != r)
			abort();
		size = (size_t)r;
	}
	/* A valid beginning never fails: its prefixes ask for more. */
	if (size > 0 && parse_copy(data, size - 1, &h) != WD_AGAIN)
		abort();
	if (parse_copy(data, size / 2, &h) != WD_AGAIN)
		abort();
	if (!tlshello_looks_like_tls(data, size < 5 ? size : 5) && size > 0)
		abort();
	return 0;
}
