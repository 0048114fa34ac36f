#ifndef WARDEN_PHRASE_H
#define WARDEN_PHRASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "werr.h"

/*
 * Weighted phrase lists in e2guardian's format and the body scanner.
 *
 * A phrase set holds every phrase of every list a policy snapshot names,
 * compiled into one automaton; each entry remembers the list it came from
 * (0..PHRASE_LISTS_MAX-1), so that one scan counts only the lists of the
 * client's group. Text is matched case-insensitively after the same
 * normalisation on both sides (phrases when loaded, bodies when scanned):
 * HTML tags and comments, entities, punctuation and runs of white space
 * cannot hide a phrase. Scanning is streaming (state carries across
 * calls, a phrase may straddle any buffer boundary) and linear in the
 * body size, whatever the number of phrases.
 *
 * A set is immutable after phrase_set_build() and may be shared by any
 * number of threads; each scan belongs to one thread.
 *
 * Normalisation: ASCII letters are folded to lower case, digits and bytes
 * >= 0x80 (UTF-8) are kept as they are, every other byte is a space, and
 * runs of spaces are one space; the text starts and ends with a space. A
 * space inside the brackets is a word boundary: "< sex >" matches the
 * word, not "sussex"; "<sex>" matches inside words too. In a body,
 * &amp; &lt; &gt; &quot; &apos; &nbsp; (a space) and numeric entities
 * ("&#115;", "&#x73;", also without the ';') are decoded first; other
 * named entities stay text. HTML tags and comments are read two ways, as
 * a space and as nothing, and a phrase counts the larger of its counts in
 * the two readings, so neither "ca<b></b>sino" nor
 * "<p>casino</p><p>poker</p>" hides a phrase. A '<' starts a tag only
 * before a letter, '/', '!' or '?'; a tag or comment that has not ended
 * after 1,024 bytes is given up and what follows is text again (the
 * bytes skipped are not scanned).
 *
 * Lines of a list: "<phrase><weight>" or "<a>,<b>,...<weight>" (up to 64
 * phrases, of up to 256 bytes each) in a weighted list, "<phrase>" or
 * "<a>,<b>" in a banned or exception list; blank lines and "#" comments
 * are skipped, weights are integers from -100000 to 100000, lines are at
 * most 4 KiB and a set holds at most 1,000,000 entries. An entry that is
 * in several lists, or twice in one, counts each time.
 */

#define PHRASE_LISTS_MAX	64

/* Which file of a phrase list directory an entry comes from. */
enum phrase_kind {
	PHRASE_WEIGHTED = 0,	/* <phrase><weight>, <a>,<b><weight> */
	PHRASE_BANNED,		/* <phrase>, <a>,<b>: blocks outright */
	PHRASE_EXCEPTION,	/* <phrase>, <a>,<b>: the page is never
				   blocked by phrases */
};
const char	*phrase_kind_str(enum phrase_kind k);	/* "weighted" */

struct phrase_set;
struct phrase_scan;

/* An empty set, or NULL when out of memory. */
struct phrase_set *phrase_set_new(void) WD_WUR;

/*
 * Reads one list file into the set, its entries tagged with list and
 * kind. ".Include<path>" lines read another file (a relative path is
 * relative to the including file's directory; loops and depth are
 * bounded). Returns 0, or -1 with err "FILE:LINE: what is wrong" for the
 * first bad line (unbalanced <>, missing or bad weight in a weighted
 * list, a weight in a banned or exception list, an empty phrase, a file
 * that cannot be read). Nothing from a failed file stays usable: the
 * caller frees the set.
 */
int	phrase_set_load(struct phrase_set *ps, unsigned list,
	    enum phrase_kind kind, const char *path, struct werr *err)
	    WD_NONNULL(1, 4) WD_WUR;
/* After the last load: builds the automaton. 0, or -1 with err. */
int	phrase_set_build(struct phrase_set *ps, struct werr *err)
	    WD_NONNULL(1) WD_WUR;
/* Entries loaded (a combination counts once). */
size_t	phrase_set_count(const struct phrase_set *ps) WD_NONNULL(1);
void	phrase_set_free(struct phrase_set *ps);

/*
 * A scan over one body, counting the entries of the lists whose bits are
 * set in lists (bit n: list n). NULL when out of memory or when the set
 * is not built. phrase_scan_free() it. The set must outlive the scan.
 */
struct phrase_scan *phrase_scan_new(const struct phrase_set *ps,
	    uint64_t lists) WD_NONNULL(1) WD_WUR;
/* Feeds the next len bytes of the (decoded) body. */
void	phrase_scan_feed(struct phrase_scan *s, const void *buf, size_t len)
	    WD_NONNULL(1);

/*
 * The outcome so far (call it after the last feed). Scoring: each
 * occurrence of a weighted phrase adds its weight (weights may be
 * negative); a weighted combination adds its weight once when all of its
 * parts occurred. detail names what decided, for the log and the block
 * page: the exception phrase (an exception outweighs a banned phrase),
 * the banned phrase, or the phrases that scored most, as
 * "casino x3 (+120), poker x2 (+40)" (whole items only). failed is set
 * when the scan ran out of memory: the counts miss phrases then, and the
 * caller should fail the transaction rather than trust them.
 */
struct phrase_result {
	long	score;
	bool	banned;		/* a banned phrase or combination */
	bool	exception;	/* an exception phrase or combination */
	bool	failed;		/* out of memory: counts missing */
	char	detail[256];
};
void	phrase_scan_result(const struct phrase_scan *s,
	    struct phrase_result *r) WD_NONNULL(1, 2);
void	phrase_scan_free(struct phrase_scan *s);

#endif
