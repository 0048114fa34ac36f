#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

/*
 * Open addressing with linear probing over a power-of-two table kept at
 * most half full. A slot holds an entry's index and the top half of its
 * hash, so a lookup that misses (the common case: most requests are in no
 * list) reads one slot and no entry; the entries keep their full hash, so
 * growing rehashes without reading a string.
 */

#define POLICY_SET_MIN	16

uint64_t
policy_set_hash(const char *s, size_t len)
{
	uint64_t h = POLICY_HASH_SEED;
	size_t i;

	for (i = 0; i < len; i++)
		h = policy_hash_step(h, (unsigned char)s[i]);
	return h;
}

uint64_t
policy_set_hash_rev(const char *s, size_t len)
{
	uint64_t h = POLICY_HASH_SEED;

	while (len > 0)
		h = policy_hash_step(h, (unsigned char)s[--len]);
	return h;
}

static uint64_t
policy_set_slot(uint64_t hash, size_t i)
{
	return (hash & 0xffffffff00000000ULL) | (uint64_t)(i + 1);
}

static int
policy_set_rehash(struct policy_set *set, size_t nslots)
{
	uint64_t *slot;
	size_t i, j;

	slot = calloc(nslots, sizeof(*slot));
	if (slot == NULL)
		return -1;
	free(set->slot);
	set->slot = slot;
	set->mask = nslots - 1;
	for (i = 0; i < set->n; i++) {
		j = policy_set_home(set, set->e[i].hash);
		while (set->slot[j] != 0)
			j = (j + 1) & set->mask;
		set->slot[j] = policy_set_slot(set->e[i].hash, i);
	}
	return 0;
}

const struct policy_entry *
policy_set_find(const struct policy_set *set, uint64_t hash, const char *s,
    size_t len)
{
	const struct policy_entry *e;
	uint64_t tag = hash & 0xffffffff00000000ULL;
	size_t j;

	if (set->n == 0 || !policy_bloom_maybe(&set->bloom, hash))
		return NULL;
	for (j = policy_set_home(set, hash); set->slot[j] != 0;
	    j = (j + 1) & set->mask) {
		if ((set->slot[j] & 0xffffffff00000000ULL) != tag)
			continue;
		e = &set->e[(uint32_t)set->slot[j] - 1];
		if (e->hash == hash && e->len == len &&
		    memcmp(e->s, s, len) == 0)
			return e;
	}
	return NULL;
}

int
policy_set_add(struct policy_set *set, struct policy_arena *a, uint64_t hash,
    const char *s, size_t len, unsigned line, bool ip)
{
	struct policy_entry *e;
	size_t j;

	if (len > UINT32_MAX || set->n >= UINT32_MAX - 1)
		return -1;
	if (policy_set_find(set, hash, s, len) != NULL)
		return 0;
	policy_bloom_free(&set->bloom);	/* made again by the next seal */
	if (policy_grow(&set->e, &set->cap, set->n, sizeof(*e)) == -1)
		return -1;
	if ((set->n + 1) * 2 > set->mask + 1 || set->slot == NULL) {
		if (policy_set_rehash(set, set->slot == NULL ?
		    POLICY_SET_MIN : (set->mask + 1) * 2) == -1)
			return -1;
	}
	e = &set->e[set->n];
	e->s = policy_arena_strdup(a, s, len);
	if (e->s == NULL)
		return -1;
	e->hash = hash;
	e->len = (uint32_t)len;
	e->line = line;
	e->ip = ip;
	j = policy_set_home(set, hash);
	while (set->slot[j] != 0)
		j = (j + 1) & set->mask;
	set->slot[j] = policy_set_slot(hash, set->n++);
	return 0;
}

int
policy_set_seal(struct policy_set *set)
{
	size_t i;

	policy_bloom_free(&set->bloom);
	if (set->n < POLICY_SET_BLOOM)
		return 0;
	if (policy_bloom_init(&set->bloom, set->n) == -1)
		return -1;
	for (i = 0; i < set->n; i++)
		policy_bloom_add(&set->bloom, set->e[i].hash);
	return 0;
}

void
policy_set_free(struct policy_set *set)
{
	free(set->e); set->e = NULL;
	free(set->slot); set->slot = NULL;
	set->n = set->cap = set->mask = 0;
	policy_bloom_free(&set->bloom);
}

int
policy_bloom_init(struct policy_bloom *b, size_t n)
{
	size_t words = 8;		/* a cache line */
	unsigned log = 3;

	while (words < n / 8 && log < 32) {
		words *= 2;
		log++;
	}
	b->w = calloc(words, sizeof(*b->w));
	if (b->w == NULL)
		return -1;
	b->shift = 64 - log;
	return 0;
}

void
policy_bloom_free(struct policy_bloom *b)
{
	free(b->w);
	b->w = NULL;
	b->shift = 0;
}
