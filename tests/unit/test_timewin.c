#include <stdio.h>
#include <string.h>
#include <time.h>

#include <CUnit/CUnit.h>

#include "timewin.h"

static struct werr	err;

/* A window from days and hours as policy.conf writes them ("" : none). */
static struct timewin
win(const char *days, const char *hours)
{
	struct timewin tw;
	char buf[256], *w, *save = NULL;

	timewin_init(&tw);
	snprintf(buf, sizeof(buf), "%s", days);
	for (w = strtok_r(buf, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		CU_ASSERT_EQUAL(timewin_parse_days(&tw, w, &err), 0);
	snprintf(buf, sizeof(buf), "%s", hours);
	for (w = strtok_r(buf, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		CU_ASSERT_EQUAL(timewin_parse_hours(&tw, w, &err), 0);
	timewin_finish(&tw);
	return tw;
}

/* wday 0 is Sunday, as in struct tm. */
static struct tm
when(int wday, int hour, int min)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_wday = wday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	return tm;
}

static bool
in(const struct timewin *tw, int wday, int hour, int min)
{
	struct tm tm = when(wday, hour, min);

	return timewin_match(tw, &tm);
}

static const char *
days_err(const char *word)
{
	struct timewin tw;

	timewin_init(&tw);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(timewin_parse_days(&tw, word, &err), -1);
	return err.msg;
}

static const char *
hours_err(const char *word)
{
	struct timewin tw;

	timewin_init(&tw);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(timewin_parse_hours(&tw, word, &err), -1);
	return err.msg;
}

static void
test_timewin_day_single(void)
{
	struct timewin tw = win("wed", "");

	CU_ASSERT_EQUAL(tw.days, 1u << 2);
}

static void
test_timewin_day_range(void)
{
	struct timewin tw = win("mon-fri", "");

	CU_ASSERT_EQUAL(tw.days, 0x1f);
}

static void
test_timewin_day_range_wraps(void)
{
	struct timewin tw = win("fri-mon", "");

	CU_ASSERT_EQUAL(tw.days, (1u << 4) | (1u << 5) | (1u << 6) | 1u);
}

static void
test_timewin_day_list(void)
{
	struct timewin tw = win("sat,sun mon-tue,THU", "");

	CU_ASSERT_EQUAL(tw.days, 0x7f & ~((1u << 2) | (1u << 4)));
}

static void
test_timewin_day_bad(void)
{
	CU_ASSERT_STRING_EQUAL(days_err("monday"), "'monday' is not a day or "
	    "a range of days (mon, tue, wed, thu, fri, sat, sun; 'mon-fri')");
	CU_ASSERT_STRING_EQUAL(days_err("mon-"), "'mon-' is not a day or a "
	    "range of days (mon, tue, wed, thu, fri, sat, sun; 'mon-fri')");
	CU_ASSERT_STRING_EQUAL(days_err("sat,,sun"),
	    "'sat,,sun': empty day in the list");
}

static void
test_timewin_hours_parse(void)
{
	struct timewin tw = win("", "8:00-12:00 13:30-24:00");

	CU_ASSERT_EQUAL(tw.nranges, 2);
	CU_ASSERT_EQUAL(tw.range[0].start, 480);
	CU_ASSERT_EQUAL(tw.range[0].end, 720);
	CU_ASSERT_EQUAL(tw.range[1].start, 810);
	CU_ASSERT_EQUAL(tw.range[1].end, 1440);
}

static void
test_timewin_hours_bad(void)
{
	const char *range = "expected a range HH:MM-HH:MM (00:00 to 23:59, "
	    "or 24:00 as an end)";
	char want[256];

	snprintf(want, sizeof(want), "'25:00-26:00': %s", range);
	CU_ASSERT_STRING_EQUAL(hours_err("25:00-26:00"), want);
	snprintf(want, sizeof(want), "'12:60-13:00': %s", range);
	CU_ASSERT_STRING_EQUAL(hours_err("12:60-13:00"), want);
	snprintf(want, sizeof(want), "'24:00-06:00': %s", range);
	CU_ASSERT_STRING_EQUAL(hours_err("24:00-06:00"), want);
	CU_ASSERT_STRING_EQUAL(hours_err("08:00"),
	    "'08:00': expected a range HH:MM-HH:MM");
	CU_ASSERT_STRING_EQUAL(hours_err("08:00-08:00"), "'08:00-08:00': "
	    "empty range (for the whole day, write 00:00-24:00 or leave "
	    "'hours' out)");
}

static void
test_timewin_hours_too_many(void)
{
	struct timewin tw;
	char word[32];
	int i;

	timewin_init(&tw);
	for (i = 0; i < TIMEWIN_MAX_RANGES; i++) {
		snprintf(word, sizeof(word), "%02d:00-%02d:30", i, i);
		CU_ASSERT_EQUAL(timewin_parse_hours(&tw, word, &err), 0);
	}
	CU_ASSERT_EQUAL(timewin_parse_hours(&tw, "20:00-21:00", &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "too many ranges (at most 16)");
}

static void
test_timewin_defaults(void)
{
	struct timewin tw = win("", "");

	CU_ASSERT_EQUAL(tw.days, 0x7f);
	CU_ASSERT_TRUE(in(&tw, 0, 0, 0));
	CU_ASSERT_TRUE(in(&tw, 3, 23, 59));
}

static void
test_timewin_match_inside(void)
{
	struct timewin tw = win("mon-fri", "08:00-12:00 13:00-16:30");

	CU_ASSERT_TRUE(in(&tw, 1, 8, 0));
	CU_ASSERT_TRUE(in(&tw, 3, 11, 59));
	CU_ASSERT_TRUE(in(&tw, 5, 16, 29));
}

static void
test_timewin_match_outside(void)
{
	struct timewin tw = win("mon-fri", "08:00-12:00 13:00-16:30");

	CU_ASSERT_FALSE(in(&tw, 1, 7, 59));
	CU_ASSERT_FALSE(in(&tw, 1, 12, 0));
	CU_ASSERT_FALSE(in(&tw, 1, 16, 30));
	CU_ASSERT_FALSE(in(&tw, 6, 10, 0));	/* Saturday */
	CU_ASSERT_FALSE(in(&tw, 0, 10, 0));	/* Sunday */
}

static void
test_timewin_match_past_midnight(void)
{
	struct timewin tw = win("fri", "22:00-06:00");

	CU_ASSERT_TRUE(in(&tw, 5, 22, 0));	/* Friday night */
	CU_ASSERT_TRUE(in(&tw, 6, 5, 59));	/* ... into Saturday */
	CU_ASSERT_FALSE(in(&tw, 6, 6, 0));
	CU_ASSERT_FALSE(in(&tw, 6, 22, 0));	/* Saturday night: no */
	CU_ASSERT_FALSE(in(&tw, 5, 2, 0));	/* Thursday's night: no */
	CU_ASSERT_FALSE(in(&tw, 5, 21, 59));
}

static void
test_timewin_match_sunday_into_monday(void)
{
	struct timewin tw = win("sun", "23:00-01:00");

	CU_ASSERT_TRUE(in(&tw, 0, 23, 30));
	CU_ASSERT_TRUE(in(&tw, 1, 0, 30));
	CU_ASSERT_FALSE(in(&tw, 0, 0, 30));
}

static void
test_timewin_match_whole_day(void)
{
	struct timewin tw = win("sat,sun", "00:00-24:00");

	CU_ASSERT_TRUE(in(&tw, 6, 0, 0));
	CU_ASSERT_TRUE(in(&tw, 0, 23, 59));
	CU_ASSERT_FALSE(in(&tw, 1, 0, 0));
}

static void
test_timewin_match_bad_wday(void)
{
	struct timewin tw = win("", "");

	CU_ASSERT_FALSE(in(&tw, 7, 10, 0));
	CU_ASSERT_FALSE(in(&tw, -1, 10, 0));
}

static CU_TestInfo cu_tests[] = {
	{ "day single", test_timewin_day_single },
	{ "day range", test_timewin_day_range },
	{ "day range wraps", test_timewin_day_range_wraps },
	{ "day list", test_timewin_day_list },
	{ "day bad", test_timewin_day_bad },
	{ "hours parse", test_timewin_hours_parse },
	{ "hours bad", test_timewin_hours_bad },
	{ "hours too many", test_timewin_hours_too_many },
	{ "defaults", test_timewin_defaults },
	{ "match inside", test_timewin_match_inside },
	{ "match outside", test_timewin_match_outside },
	{ "match past midnight", test_timewin_match_past_midnight },
	{ "match Sunday into Monday", test_timewin_match_sunday_into_monday },
	{ "match whole day", test_timewin_match_whole_day },
	{ "match bad wday", test_timewin_match_bad_wday },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"timewin"
#include "cu_main.h"
