#ifndef WARDEN_INSPECT_H
#define WARDEN_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attrib.h"
#include "policy.h"

/*
 * The response phase of one transaction, without I/O: wardend hands it
 * the response head, then the body bytes as they come (after the
 * transfer coding is undone, before the content coding is), and it says
 * what to do with the body wardend holds:
 *
 *   head:  extensions (URL path, Content-Disposition) and the declared
 *          media type against the group's rules;
 *   sniff: the content coding undone (gzip, deflate, br) into the first
 *          INSPECT_SNIFF_BYTES, libmagic's type of them against the rules;
 *   scan:  for the scanned types, the whole decoded body through the
 *          phrase automaton, up to scan_max bytes, then the naughtiness
 *          limit.
 *
 * A body is held while it is being sniffed or scanned and released (or
 * replaced by the block page) when the verdict is known; what is not
 * scanned is streamed as soon as its type is known. What inspect keeps
 * is bounded: the sniff buffer and the scanner's state; the held body is
 * the caller's, bounded by scan_max through inspect's answers. A
 * transaction's inspect belongs to its worker thread.
 */

/* Decoded bytes libmagic looks at before a type is decided. */
#define INSPECT_SNIFF_BYTES	(16 * 1024)

enum inspect_state {
	INSPECT_HOLD = 0,	/* keep holding the body, feed what comes */
	INSPECT_STREAM,		/* allowed: send what is held, then relay
				   the rest without feeding it */
	INSPECT_PASS,		/* (at the end) allowed: send what is held */
	INSPECT_BLOCK,		/* blocked: nothing of the body may reach
				   the client; the decision says why */
};
const char	*inspect_state_str(enum inspect_state s);

struct inspect_conf {
	uint64_t	scan_max;	/* decoded bytes scanned at most */
	bool		oversize_block;	/* a longer body: block, or pass
					   unscanned */
};

/* The response as far as its head tells. */
struct inspect_head {
	const char	*ctype;		/* Content-Type value, or NULL */
	size_t		 ctype_len;
	const char	*cenc;		/* Content-Encoding value, or NULL */
	size_t		 cenc_len;
	const char	*cdisp;		/* Content-Disposition, or NULL */
	size_t		 cdisp_len;
	const char	*path;		/* the request's path (normalised) */
	bool		 body;		/* a body follows (not HEAD, 204...) */
	bool		 partial;	/* a 206 that does not start at byte
					   0: its first bytes are not the
					   file's, so only the head counts */
};

struct mimesniff;
struct inspect;

/*
 * Starts the response phase for group g of snapshot p (both must outlive
 * it), with the worker's libmagic handle and policy scratch. The head
 * checks run at once: see inspect_state() (INSPECT_BLOCK with d filled,
 * INSPECT_STREAM when nothing of the body needs looking at, INSPECT_PASS
 * for a response without a body, else INSPECT_HOLD). d is the
 * transaction's decision (its group stays). NULL when out of memory.
 */
struct inspect	*inspect_new(const struct policy *p,
		    const struct policy_group *g, struct mimesniff *magic,
		    const struct inspect_conf *conf,
		    const struct inspect_head *h, time_t now,
		    struct policy_scratch *scratch, struct decision *d)
		    WD_NONNULL(1, 2, 3, 4, 5, 8) WD_WUR;
enum inspect_state inspect_state(const struct inspect *in) WD_NONNULL(1);
/* The next len body bytes, while the state is INSPECT_HOLD. */
enum inspect_state inspect_feed(struct inspect *in, const void *buf,
		    size_t len) WD_NONNULL(1);
/* The body ended (while INSPECT_HOLD): the verdict. */
enum inspect_state inspect_end(struct inspect *in) WD_NONNULL(1);
/*
 * The body is slow to come: decide the type on the bytes there are (if
 * any), so that a stream that is not scanned need not wait for
 * INSPECT_SNIFF_BYTES. A scanned body stays held.
 */
enum inspect_state inspect_sniff_now(struct inspect *in) WD_NONNULL(1);
/* Whether the type is still undecided (inspect_sniff_now() has a use). */
bool		 inspect_sniffing(const struct inspect *in) WD_NONNULL(1);

/* The declared and sniffed media types ("" when unknown), for the log. */
const char	*inspect_declared(const struct inspect *in) WD_NONNULL(1);
const char	*inspect_sniffed(const struct inspect *in) WD_NONNULL(1);
/*
 * What the scan did, for the log, or "" when no scan ran: the score
 * after a full scan, "unscanned" for a body past scan_max that was let
 * through.
 */
const char	*inspect_note(const struct inspect *in) WD_NONNULL(1);
void		 inspect_free(struct inspect *in);

#endif
