#ifndef WARDEN_TIMEWIN_H
#define WARDEN_TIMEWIN_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "attrib.h"
#include "werr.h"

/*
 * Time windows as policy.conf writes them: days of the week ("mon-fri",
 * "sat,sun") and ranges of hours ("08:00-12:00", "22:00-06:00" wrapping
 * past midnight), in local time, to the minute. Pure functions; any
 * thread.
 */

#define TIMEWIN_MAX_RANGES	16
#define TIMEWIN_DAY_MINUTES	1440

struct timewin_range {
	uint16_t	start;		/* minutes after midnight */
	uint16_t	end;		/* 1..1440; below start: wraps */
};

struct timewin {
	uint8_t			days;	/* bit 0 Mon .. 6 Sun */
	uint8_t			nranges;
	struct timewin_range	range[TIMEWIN_MAX_RANGES];
};

/* An empty window: no day, no range (timewin_finish() fills the gaps). */
void	timewin_init(struct timewin *tw) WD_NONNULL(1);

/*
 * Adds the days one word names: "mon", "mon-fri", "fri-mon" (wraps past
 * Sunday), "sat,sun", "mon-wed,fri". Three-letter English names, any
 * case. 0, or -1 with err set.
 */
int	timewin_parse_days(struct timewin *tw, const char *word,
	    struct werr *err) WD_NONNULL(1, 2) WD_WUR;

/*
 * Adds one range "HH:MM-HH:MM" (start included, end excluded; "24:00"
 * only as an end). A start after the end wraps past midnight: the part
 * after midnight belongs to the day the range started on. 0, or -1 with
 * err set (syntax, out of range, empty, too many ranges).
 */
int	timewin_parse_hours(struct timewin *tw, const char *word,
	    struct werr *err) WD_NONNULL(1, 2) WD_WUR;

/* No days given: every day; no ranges given: the whole day. */
void	timewin_finish(struct timewin *tw) WD_NONNULL(1);

/* Whether the local time tm (from localtime_r()) falls in tw. */
bool	timewin_match(const struct timewin *tw, const struct tm *tm)
	    WD_NONNULL(1, 2);

#endif
