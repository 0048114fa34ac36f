#ifndef WARDEN_LOGREC_H
#define WARDEN_LOGREC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attrib.h"

/*
 * One access-log record per transaction, formatted in Squid's native
 * access.log format so existing analysers (SARG, Calamaris, lightsquid...)
 * read it:
 *
 *   time.msec elapsed_ms client result/status bytes method URL user
 *   hierarchy/peer content-type
 *
 * e.g. "1700000000.123     12 127.0.0.1 TCP_MISS/200 1234 GET
 * http://example.com/ - HIER_DIRECT/93.184.216.34 text/html".
 */

struct logrec {
	struct timespec	 start;		/* CLOCK_REALTIME when the request began */
	uint64_t	 elapsed_ms;
	const char	*client;	/* address, no port */
	const char	*result;	/* "TCP_MISS", "TCP_DENIED", "TCP_TUNNEL",
					   "NONE_NONE", ... */
	int		 status;	/* 0 when no response was sent */
	uint64_t	 bytes;		/* bytes sent to the client */
	const char	*method;	/* NULL: "-" */
	const char	*url;		/* NULL: "-" */
	const char	*user;		/* NULL: "-" */
	const char	*hierarchy;	/* "HIER_DIRECT", "HIER_NONE" */
	const char	*peer;		/* upstream address, NULL: "-" */
	const char	*content_type;	/* NULL: "-" */
	/*
	 * What the policy decided. When group is NULL (no policy ran: a
	 * malformed request) none of these is written and the line is
	 * exactly Squid's; otherwise eight fields follow the content type:
	 * "group=G verdict=V reason=R category=C id=ID declared=T
	 * sniffed=T score=N" ("-" for a NULL value), which analysers that
	 * read Squid's ten fields ignore. declared and sniffed are the
	 * origin's media type and the one sniffed from its body, score the
	 * phrase score ("unscanned" when the body was too large to scan).
	 */
	const char	*group;
	const char	*verdict;	/* "allow", "block", "none" */
	const char	*reason;	/* "block-category", ... */
	const char	*category;
	const char	*request_id;	/* as shown on the block page */
	const char	*declared;	/* the response phase's */
	const char	*sniffed;
	const char	*score;
};

/*
 * Formats rec as one line ending in '\n' into buf. Any byte in a field
 * that would break the line apart (space, control bytes, bytes >= 0x7f)
 * is written as %XX, so a client cannot forge records. Fields that do not
 * fit are truncated, never the newline. Returns the length written
 * (< len). Any thread may call it.
 */
size_t	logrec_format_squid(const struct logrec *rec, char *buf, size_t len)
	    WD_NONNULL(1, 2);

#endif
