#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "logrec.h"

/* Squid's native format has 10 fields separated by runs of spaces. */
#define SQUID_NFIELDS	10

static struct logrec
rec_normal(void)
{
	struct logrec r;

	memset(&r, 0, sizeof(r));
	r.start.tv_sec = 1700000000;
	r.start.tv_nsec = 100000000;	/* .100 */
	r.elapsed_ms = 23;
	r.client = "127.0.0.1";
	r.result = "TCP_MISS";
	r.status = 200;
	r.bytes = 1234;
	r.method = "GET";
	r.url = "http://example.com/";
	r.user = NULL;
	r.hierarchy = "HIER_DIRECT";
	r.peer = "93.184.216.34";
	r.content_type = "text/html";
	return r;
}

/* Fields as an analyser sees them: split on runs of white space. */
static size_t
count_fields(const char *s)
{
	size_t n;
	int in;

	n = 0;
	in = 0;
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
		    *s == '\v' || *s == '\f') {
			in = 0;
		} else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

/* One record, one line: a single '\n', the last byte. */
static int
one_line(const char *s, size_t n)
{
	return n > 0 && strlen(s) == n && s[n - 1] == '\n' &&
	    strchr(s, '\n') == s + n - 1 && strchr(s, '\r') == NULL;
}

/* Every '%' starts a full %XX escape. */
static int
escapes_whole(const char *s)
{
	const char *hex = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		if (*s != '%')
			continue;
		if (s[1] == '\0' || strchr(hex, s[1]) == NULL ||
		    s[2] == '\0' || strchr(hex, s[2]) == NULL)
			return 0;
	}
	return 1;
}

static void
test_logrec_normal_layout(void)
{
	struct logrec r = rec_normal();
	char buf[512];
	size_t n;

	n = logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "1700000000.123     23 127.0.0.1 "
	    "TCP_MISS/200 1234 GET http://example.com/ - "
	    "HIER_DIRECT/93.184.216.34 text/html\n");
	CU_ASSERT_EQUAL(n, strlen(buf));
	CU_ASSERT_EQUAL(count_fields(buf), SQUID_NFIELDS);
}

static void
test_logrec_time_is_completion(void)
{
	struct logrec r = rec_normal();
	char buf[512];

	/* Squid stamps the end: start .950 plus 75 ms is the next second. */
	r.start.tv_nsec = 950000000;
	r.elapsed_ms = 75;
	logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_NSTRING_EQUAL(buf, "1700000001.025     75 ", 22);
}

static void
test_logrec_widths(void)
{
	struct logrec r = rec_normal();
	char buf[512];

	/* %9d.%03d and %6d: right-aligned, millis zero-padded. */
	r.start.tv_sec = 12345;
	r.start.tv_nsec = 5000000;
	r.elapsed_ms = 0;
	logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_NSTRING_EQUAL(buf, "    12345.005      0 127.0.0.1 ", 31);

	/* Wider values are never cut. */
	r.start.tv_sec = 1700000000;
	r.start.tv_nsec = 0;
	r.elapsed_ms = 12345678;
	logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_NSTRING_EQUAL(buf, "1700012345.678 12345678 127.", 28);
}

static void
test_logrec_null_fields_dash(void)
{
	struct logrec r;
	char buf[512];
	size_t n;

	memset(&r, 0, sizeof(r));
	r.start.tv_sec = 1700000000;
	n = logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "1700000000.000      0 - NONE_NONE/000 "
	    "0 - - - HIER_NONE/- -\n");
	CU_ASSERT_EQUAL(n, strlen(buf));
	CU_ASSERT_EQUAL(count_fields(buf), SQUID_NFIELDS);
}

static void
test_logrec_empty_fields_dash(void)
{
	struct logrec r = rec_normal();
	char buf[512];

	r.method = "";
	r.url = "";
	r.user = "";
	r.peer = "";
	r.content_type = "";
	logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "1700000000.123     23 127.0.0.1 "
	    "TCP_MISS/200 1234 - - - HIER_DIRECT/- -\n");
}

static void
test_logrec_status_zero(void)
{
	struct logrec r = rec_normal();
	char buf[512];

	r.result = "TCP_MISS_ABORTED";
	r.status = 0;
	logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " TCP_MISS_ABORTED/000 1234 "));
}

static void
test_logrec_status_out_of_range(void)
{
	struct logrec r = rec_normal();
	char buf[512];

	r.status = 1000;
	logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " TCP_MISS/000 "));
	r.status = -1;
	logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " TCP_MISS/000 "));
}

static void
test_logrec_url_escaped(void)
{
	struct logrec r = rec_normal();
	char buf[512];
	size_t n;

	r.url = "http://a.example/x y\nz\r\tq\x7f\xc3\xa9";
	n = logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
	    " GET http://a.example/x%20y%0Az%0D%09q%7F%C3%A9 - "));
	CU_ASSERT_TRUE(one_line(buf, n));
	CU_ASSERT_EQUAL(count_fields(buf), SQUID_NFIELDS);
}

static void
test_logrec_forged_record(void)
{
	struct logrec r = rec_normal();
	char buf[512];
	size_t n;

	/* A client trying to append a record of its own. */
	r.url = "http://a.example/ - HIER_NONE/- -\n"
	    "1700000000.000 1 10.0.0.1 TCP_MISS/200 1 GET http://x/";
	n = logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_TRUE(one_line(buf, n));
	CU_ASSERT_EQUAL(count_fields(buf), SQUID_NFIELDS);
}

static void
test_logrec_percent_kept_in_url(void)
{
	struct logrec r = rec_normal();
	char buf[512];

	r.url = "http://a.example/a%20b?q=100%";
	logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " http://a.example/a%20b?q=100% "));
}

static void
test_logrec_user_escaped(void)
{
	struct logrec r = rec_normal();
	char buf[512];
	size_t n;

	r.user = "John Smith%\n";
	n = logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " John%20Smith%25%0A HIER_"));
	CU_ASSERT_TRUE(one_line(buf, n));
	CU_ASSERT_EQUAL(count_fields(buf), SQUID_NFIELDS);
}

static void
test_logrec_other_fields_escaped(void)
{
	struct logrec r = rec_normal();
	char buf[512];
	size_t n;

	r.client = "10.0.0.1 x";
	r.method = "GE T";
	r.peer = "a\tb";
	r.hierarchy = "HIER DIRECT";
	r.result = "TCP MISS";
	n = logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "1700000000.123     23 10.0.0.1%20x "
	    "TCP%20MISS/200 1234 GE%20T http://example.com/ - "
	    "HIER%20DIRECT/a%09b text/html\n");
	CU_ASSERT_TRUE(one_line(buf, n));
}

static void
test_logrec_content_type_media_only(void)
{
	struct logrec r = rec_normal();
	char buf[512];

	r.content_type = "text/html; charset=utf-8";
	logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "/93.184.216.34 text/html\n"));

	r.content_type = "; charset=utf-8";
	logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "/93.184.216.34 -\n"));
}

static void
test_logrec_huge_url_truncated(void)
{
	struct logrec r = rec_normal();
	char buf[512], *url;
	size_t n, sz = 100000;

	url = malloc(sz + 1);
	CU_ASSERT_FATAL(url != NULL);
	memcpy(url, "http://a.example/", 17);
	memset(url + 17, 'a', sz - 17);
	url[sz] = '\0';
	r.url = url;
	r.user = "alice";

	n = logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT(n < sizeof(buf));
	CU_ASSERT_TRUE(one_line(buf, n));
	CU_ASSERT_EQUAL(count_fields(buf), SQUID_NFIELDS);
	/* The fields after the URL survive whole. */
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
	    "aaa alice HIER_DIRECT/93.184.216.34 text/html\n"));
	free(url);
}

static void
test_logrec_truncation_keeps_escapes_whole(void)
{
	struct logrec r = rec_normal();
	char buf[300], url[4096];
	size_t n, len;

	memset(url, ' ', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	r.url = url;
	for (len = 100; len <= sizeof(buf); len++) {
		n = logrec_format_squid(&r, buf, len);
		CU_ASSERT(n < len);
		CU_ASSERT_TRUE(one_line(buf, n));
		CU_ASSERT_EQUAL(count_fields(buf), SQUID_NFIELDS);
		CU_ASSERT_TRUE(escapes_whole(buf));
	}
}

static void
test_logrec_two_long_fields_share(void)
{
	struct logrec r = rec_normal();
	char buf[400], url[2000], ct[2000];
	size_t n;

	memset(url, 'u', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	memset(ct, 'c', sizeof(ct) - 1);
	ct[sizeof(ct) - 1] = '\0';
	r.url = url;
	r.content_type = ct;
	n = logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT(n < sizeof(buf));
	CU_ASSERT_TRUE(one_line(buf, n));
	CU_ASSERT_EQUAL(count_fields(buf), SQUID_NFIELDS);
	/* The short fields are whole. */
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
	    " 127.0.0.1 TCP_MISS/200 1234 GET "));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " - HIER_DIRECT/93.184.216.34 "));
}

static void
test_logrec_tiny_buffers(void)
{
	struct logrec r = rec_normal();
	char buf[64];
	size_t n, len;

	buf[0] = 'x';
	CU_ASSERT_EQUAL(logrec_format_squid(&r, buf, 0), 0);
	CU_ASSERT_EQUAL(buf[0], 'x');
	CU_ASSERT_EQUAL(logrec_format_squid(&r, buf, 1), 0);
	CU_ASSERT_EQUAL(buf[0], '\0');
	CU_ASSERT_EQUAL(logrec_format_squid(&r, buf, 2), 1);
	CU_ASSERT_STRING_EQUAL(buf, "\n");
	for (len = 2; len <= sizeof(buf); len++) {
		n = logrec_format_squid(&r, buf, len);
		CU_ASSERT(n < len);
		CU_ASSERT_TRUE(one_line(buf, n));
	}
}

static void
test_logrec_exact_fit(void)
{
	struct logrec r = rec_normal();
	char full[512], buf[512];
	size_t n;

	n = logrec_format_squid(&r, full, sizeof(full));
	CU_ASSERT_EQUAL(logrec_format_squid(&r, buf, n + 1), n);
	CU_ASSERT_STRING_EQUAL(buf, full);
	/* One byte less: a field gives way, the newline does not. */
	CU_ASSERT_EQUAL(logrec_format_squid(&r, buf, n), n - 1);
	CU_ASSERT_TRUE(one_line(buf, n - 1));
}

static void
test_logrec_policy_fields(void)
{
	struct logrec r = rec_normal();
	char buf[512];
	size_t n;

	r.result = "TCP_DENIED";
	r.status = 403;
	r.group = "students";
	r.verdict = "block";
	r.reason = "block-category";
	r.category = "adult";
	r.request_id = "1-42";
	n = logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "1700000000.123     23 127.0.0.1 "
	    "TCP_DENIED/403 1234 GET http://example.com/ - "
	    "HIER_DIRECT/93.184.216.34 text/html group=students "
	    "verdict=block reason=block-category category=adult id=1-42 "
	    "declared=- sniffed=- score=-\n");
	CU_ASSERT_TRUE(one_line(buf, n));
	CU_ASSERT_EQUAL(count_fields(buf), SQUID_NFIELDS + 8);
}

static void
test_logrec_policy_fields_missing_and_escaped(void)
{
	struct logrec r = rec_normal();
	char buf[512];
	size_t n;

	r.group = "staff room";
	r.verdict = "none";
	n = logrec_format_squid(&r, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " group=staff%20room verdict=none "
	    "reason=- category=- id=- declared=- sniffed=- score=-\n"));
	CU_ASSERT_TRUE(one_line(buf, n));
	CU_ASSERT_EQUAL(count_fields(buf), SQUID_NFIELDS + 8);
}

static CU_TestInfo cu_tests[] = {
	{ "normal record layout", test_logrec_normal_layout },
	{ "policy fields", test_logrec_policy_fields },
	{ "policy fields missing and escaped",
	    test_logrec_policy_fields_missing_and_escaped },
	{ "time is the completion time", test_logrec_time_is_completion },
	{ "time and elapsed widths", test_logrec_widths },
	{ "NULL fields are -", test_logrec_null_fields_dash },
	{ "empty fields are -", test_logrec_empty_fields_dash },
	{ "status 0 is 000", test_logrec_status_zero },
	{ "status out of range is 000", test_logrec_status_out_of_range },
	{ "URL control and 8-bit bytes escaped", test_logrec_url_escaped },
	{ "client cannot forge a record", test_logrec_forged_record },
	{ "percent kept in URL", test_logrec_percent_kept_in_url },
	{ "user escaped with percent", test_logrec_user_escaped },
	{ "other fields escaped", test_logrec_other_fields_escaped },
	{ "content type is the media type",
	    test_logrec_content_type_media_only },
	{ "huge URL truncated", test_logrec_huge_url_truncated },
	{ "truncation keeps escapes whole",
	    test_logrec_truncation_keeps_escapes_whole },
	{ "two long fields share the room",
	    test_logrec_two_long_fields_share },
	{ "tiny buffers keep the newline", test_logrec_tiny_buffers },
	{ "exact fit", test_logrec_exact_fit },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"logrec"
#include "cu_main.h"
