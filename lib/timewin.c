#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "timewin.h"

/* Quote at most this much of what the administrator wrote. */
#define TIMEWIN_Q	"%.40s"

/* In bit order: Monday first, as a school timetable reads. */
static const char *const timewin_days[7] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun",
};

void
timewin_init(struct timewin *tw)
{
	memset(tw, 0, sizeof(*tw));
}

/* The day the len bytes at s name, or -1. */
static int
timewin_day(const char *s, size_t len)
{
	int i;

	if (len != 3)
		return -1;
	for (i = 0; i < 7; i++)
		if (strncasecmp(s, timewin_days[i], 3) == 0)
			return i;
	return -1;
}

/* One item of a day list: "mon" or "mon-fri". */
static int
timewin_day_item(struct timewin *tw, const char *s, size_t len,
    struct werr *err)
{
	const char *dash;
	int a, b;

	dash = memchr(s, '-', len);
	if (dash == NULL) {
		a = b = timewin_day(s, len);
	} else {
		a = timewin_day(s, (size_t)(dash - s));
		b = timewin_day(dash + 1, len - (size_t)(dash - s) - 1);
	}
	if (a == -1 || b == -1)
		return werr_set(err, "'%.*s' is not a day or a range of days "
		    "(mon, tue, wed, thu, fri, sat, sun; 'mon-fri')",
		    (int)(len > 40 ? 40 : len), s);
	for (;;) {
		tw->days |= (uint8_t)(1u << a);
		if (a == b)
			break;
		a = (a + 1) % 7;
	}
	return 0;
}

int
timewin_parse_days(struct timewin *tw, const char *word, struct werr *err)
{
	const char *p = word, *comma;
	size_t len;

	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len == 0)
			return werr_set(err, "'" TIMEWIN_Q "': empty day in "
			    "the list", word);
		if (timewin_day_item(tw, p, len, err) == -1)
			return -1;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/*
 * "HH:MM" (or "H:MM") at s, exactly len bytes, as minutes since midnight;
 * "24:00" only when end is set. -1 if malformed.
 */
static int
timewin_clock(const char *s, size_t len, bool end)
{
	unsigned h, m;

	if (len == 4 && s[1] == ':' && s[0] >= '0' && s[0] <= '9')
		h = (unsigned)(s[0] - '0');
	else if (len == 5 && s[2] == ':' && s[0] >= '0' && s[0] <= '9' &&
	    s[1] >= '0' && s[1] <= '9')
		h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	else
		return -1;
	s += len - 2;
	if (s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9')
		return -1;
	m = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	if (h == 24 && m == 0 && end)
		return TIMEWIN_DAY_MINUTES;
	if (h > 23)
		return -1;
	return (int)(h * 60 + m);
}

int
timewin_parse_hours(struct timewin *tw, const char *word, struct werr *err)
{
	const char *dash;
	int start, end;

	dash = strchr(word, '-');
	if (dash == NULL)
		return werr_set(err, "'" TIMEWIN_Q "': expected a range "
		    "HH:MM-HH:MM", word);
	start = timewin_clock(word, (size_t)(dash - word), false);
	end = timewin_clock(dash + 1, strlen(dash + 1), true);
	if (start == -1 || end == -1)
		return werr_set(err, "'" TIMEWIN_Q "': expected a range "
		    "HH:MM-HH:MM (00:00 to 23:59, or 24:00 as an end)", word);
	if (start == end)
		return werr_set(err, "'" TIMEWIN_Q "': empty range (for the "
		    "whole day, write 00:00-24:00 or leave 'hours' out)",
		    word);
	if (tw->nranges == TIMEWIN_MAX_RANGES)
		return werr_set(err, "too many ranges (at most %d)",
		    TIMEWIN_MAX_RANGES);
	tw->range[tw->nranges].start = (uint16_t)start;
	tw->range[tw->nranges].end = (uint16_t)end;
	tw->nranges++;
	return 0;
}

void
timewin_finish(struct timewin *tw)
{
	if (tw->days == 0)
		tw->days = 0x7f;
	if (tw->nranges == 0) {
		tw->range[0].start = 0;
		tw->range[0].end = TIMEWIN_DAY_MINUTES;
		tw->nranges = 1;
	}
}

bool
timewin_match(const struct timewin *tw, const struct tm *tm)
{
	const struct timewin_range *r;
	unsigned today, yesterday, min;
	size_t i;

	if (tm->tm_wday < 0 || tm->tm_wday > 6)
		return false;
	today = (unsigned)(tm->tm_wday + 6) % 7;	/* tm: Sunday is 0 */
	yesterday = (today + 6) % 7;
	min = (unsigned)tm->tm_hour * 60 + (unsigned)tm->tm_min;
	for (i = 0; i < tw->nranges; i++) {
		r = &tw->range[i];
		if (r->start < r->end) {
			if ((tw->days & (1u << today)) != 0 &&
			    min >= r->start && min < r->end)
				return true;
		} else {
			/* The night of a listed day runs into the next. */
			if ((tw->days & (1u << today)) != 0 && min >= r->start)
				return true;
			if ((tw->days & (1u << yesterday)) != 0 &&
			    min < r->end)
				return true;
		}
	}
	return false;
}
