#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "inspect.h"
#include "log.h"
#include "mimesniff.h"
#include "mimetype.h"
#include "phrase.h"
#include "policy.h"

enum inspect_phase {
	PHASE_SNIFF,		/* decoding into the sniff buffer */
	PHASE_SCAN,		/* decoding into the phrase scanner */
	PHASE_DONE,		/* the state is final */
};

struct inspect {
	const struct policy		*p;
	const struct policy_group	*g;
	struct mimesniff		*magic;
	struct inspect_conf		 conf;
	struct decision			*d;
	struct resp_facts		 rf;
	enum inspect_state		 state;
	enum inspect_phase		 phase;
	enum coding			 coding;
	struct decode			*dec;
	struct phrase_scan		*scan;
	uint64_t			 raw;		/* body bytes fed */
	uint64_t			 scanned;	/* decoded, scanned */
	size_t				 nsniff;
	unsigned char			*sniff;		/* INSPECT_SNIFF_BYTES */
	char				 declared[MIMETYPE_MAX];
	char				 sniffed[MIMETYPE_MAX];
	char				 path_ext[MIMETYPE_EXT_MAX];
	char				 disp_ext[MIMETYPE_EXT_MAX];
	char				 note[48];
};

const char *
inspect_state_str(enum inspect_state s)
{
	switch (s) {
	case INSPECT_HOLD:
		return "hold";
	case INSPECT_STREAM:
		return "stream";
	case INSPECT_PASS:
		return "pass";
	case INSPECT_BLOCK:
		return "block";
	}
	return "unknown";
}

static enum inspect_state
inspect_final(struct inspect *in, enum inspect_state s)
{
	in->state = s;
	in->phase = PHASE_DONE;
	return s;
}

/* Blocked for want of a look at it: why, and what was wrong. */
static enum inspect_state
inspect_unscannable(struct inspect *in, const char *why, const char *what)
{
	in->d->verdict = VERDICT_BLOCK;
	in->d->reason = REASON_BLOCK_UNSCANNABLE;
	snprintf(in->d->rule, sizeof(in->d->rule), "%.80s%.160s", why, what);
	return inspect_final(in, INSPECT_BLOCK);
}

/* A body past scan_max: let through unscanned, or blocked, as told. */
static enum inspect_state
inspect_oversize(struct inspect *in)
{
	char what[32];

	if (in->conf.oversize_block) {
		snprintf(what, sizeof(what), "%" PRIu64 " bytes)",
		    in->conf.scan_max);
		return inspect_unscannable(in, "larger than the scan limit (",
		    what);
	}
	snprintf(in->note, sizeof(in->note), "unscanned");
	return inspect_final(in, INSPECT_STREAM);
}

/* The type is known: the type rules, then whether to scan. */
static enum inspect_state
inspect_sniffed_type(struct inspect *in)
{
	struct werr err;

	if (mimesniff_buffer(in->magic, in->sniff, in->nsniff, in->sniffed,
	    sizeof(in->sniffed), &err) == -1)
		log_debug("inspect: libmagic: %s", err.msg);
	in->rf.sniffed = in->sniffed;
	if (policy_eval_response(in->p, in->g, &in->rf, in->d) ==
	    VERDICT_BLOCK)
		return inspect_final(in, INSPECT_BLOCK);
	/* A declared event stream never ends: whatever it looks like. */
	if (strcmp(in->declared, "text/event-stream") == 0 ||
	    (!policy_scan_type(in->p, in->g, in->declared) &&
	    !policy_scan_type(in->p, in->g, in->sniffed)))
		return inspect_final(in, INSPECT_STREAM);
	in->scan = policy_phrase_scan(in->p, in->g);
	if (in->scan == NULL)
		return inspect_unscannable(in, "out of memory", "");
	in->phase = PHASE_SCAN;
	in->scanned = in->nsniff;
	if (in->scanned > in->conf.scan_max)
		return inspect_oversize(in);
	phrase_scan_feed(in->scan, in->sniff, in->nsniff);
	return INSPECT_HOLD;
}

/* Takes decoded bytes: into the sniff buffer, then the scanner. */
static int
inspect_take(void *arg, const void *buf, size_t len)
{
	struct inspect *in = arg;
	const unsigned char *b = buf;
	size_t n;

	if (in->phase == PHASE_SNIFF) {
		n = INSPECT_SNIFF_BYTES - in->nsniff;
		if (n > len)
			n = len;
		memcpy(in->sniff + in->nsniff, b, n);
		in->nsniff += n;
		b += n;
		len -= n;
		if (in->nsniff < INSPECT_SNIFF_BYTES)
			return 0;
		if (inspect_sniffed_type(in) != INSPECT_HOLD)
			return 1;
	}
	if (in->phase != PHASE_SCAN)
		return 1;
	if (len == 0)
		return 0;
	if (len > in->conf.scan_max - in->scanned) {
		inspect_oversize(in);
		return 1;
	}
	in->scanned += len;
	phrase_scan_feed(in->scan, b, len);
	return 0;
}

struct inspect *
inspect_new(const struct policy *p, const struct policy_group *g,
    struct mimesniff *magic, const struct inspect_conf *conf,
    const struct inspect_head *h, time_t now,
    struct policy_scratch *scratch, struct decision *d)
{
	struct inspect *in;
	struct werr err;

	in = calloc(1, sizeof(*in));
	if (in == NULL)
		return NULL;
	in->p = p;
	in->g = g;
	in->magic = magic;
	in->conf = *conf;
	in->d = d;
	if (h->ctype != NULL && mimetype_from_field(h->ctype, h->ctype_len,
	    in->declared, sizeof(in->declared)) == -1)
		in->declared[0] = '\0';
	if (h->path == NULL || mimetype_ext_from_path(h->path, in->path_ext,
	    sizeof(in->path_ext)) == -1)
		in->path_ext[0] = '\0';
	if (h->cdisp == NULL || mimetype_ext_from_disposition(h->cdisp,
	    h->cdisp_len, in->disp_ext, sizeof(in->disp_ext)) == -1)
		in->disp_ext[0] = '\0';
	in->rf.declared = in->declared;
	in->rf.path_ext = in->path_ext;
	in->rf.disp_ext = in->disp_ext;
	in->rf.now = now;
	in->rf.scratch = scratch;
	if (policy_eval_response(p, g, &in->rf, d) == VERDICT_BLOCK) {
		inspect_final(in, INSPECT_BLOCK);
		return in;
	}
	if (!h->body) {
		inspect_final(in, INSPECT_PASS);
		return in;
	}
	if (h->partial || !policy_wants_sniff(g)) {
		inspect_final(in, INSPECT_STREAM);
		return in;
	}
	if (decode_coding_parse(h->cenc != NULL ? h->cenc : "",
	    h->cenc != NULL ? h->cenc_len : 0, &in->coding, &err) == -1) {
		inspect_unscannable(in, "", err.msg);
		return in;
	}
	/* inspect_take() bounds what is decoded; this is a backstop. */
	in->dec = decode_new(in->coding, conf->scan_max +
	    INSPECT_SNIFF_BYTES + 1);
	in->sniff = malloc(INSPECT_SNIFF_BYTES);
	if (in->dec == NULL || in->sniff == NULL) {
		inspect_free(in);
		return NULL;
	}
	in->state = INSPECT_HOLD;
	in->phase = PHASE_SNIFF;
	return in;
}

enum inspect_state
inspect_state(const struct inspect *in)
{
	return in->state;
}

bool
inspect_sniffing(const struct inspect *in)
{
	return in->phase == PHASE_SNIFF;
}

enum inspect_state
inspect_feed(struct inspect *in, const void *buf, size_t len)
{
	struct werr err;
	int r;

	if (in->phase == PHASE_DONE || len == 0)
		return in->state;
	in->raw += len;
	r = decode_feed(in->dec, buf, len, inspect_take, in, &err);
	if (in->phase == PHASE_DONE)
		return in->state;	/* inspect_take() decided */
	if (r == -1)
		return inspect_unscannable(in, "the body could not be decoded "
		    "for inspection: ", err.msg);
	/* Coded bytes that decode to little must not be held unbounded. */
	if (in->raw > in->conf.scan_max) {
		if (in->phase == PHASE_SNIFF &&
		    inspect_sniffed_type(in) != INSPECT_HOLD)
			return in->state;
		return inspect_oversize(in);
	}
	return in->state;
}

enum inspect_state
inspect_end(struct inspect *in)
{
	struct phrase_result res;
	struct werr err;

	if (in->phase == PHASE_DONE)
		return in->state;
	if (decode_finish(in->dec, &err) == -1)
		return inspect_unscannable(in, "the body could not be decoded "
		    "for inspection: ", err.msg);
	if (in->phase == PHASE_SNIFF &&
	    inspect_sniffed_type(in) != INSPECT_HOLD)
		return in->state;
	phrase_scan_result(in->scan, &res);
	if (res.failed)
		return inspect_unscannable(in, "out of memory while scanning",
		    "");
	snprintf(in->note, sizeof(in->note), "%ld", res.score);
	if (policy_phrase_verdict(in->g, &res, in->d) == VERDICT_BLOCK)
		return inspect_final(in, INSPECT_BLOCK);
	return inspect_final(in, INSPECT_PASS);
}

enum inspect_state
inspect_sniff_now(struct inspect *in)
{
	if (in->phase != PHASE_SNIFF || in->nsniff == 0)
		return in->state;
	return inspect_sniffed_type(in) == INSPECT_HOLD ? INSPECT_HOLD :
	    in->state;
}

const char *
inspect_declared(const struct inspect *in)
{
	return in->declared;
}

const char *
inspect_sniffed(const struct inspect *in)
{
	return in->sniffed;
}

const char *
inspect_note(const struct inspect *in)
{
	return in->note;
}

void
inspect_free(struct inspect *in)
{
	if (in == NULL)
		return;
	decode_free(in->dec);
	phrase_scan_free(in->scan);
	free(in->sniff);
	free(in);
}
