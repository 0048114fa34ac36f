#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/CUnit.h>
#include <zlib.h>

#include "inspect.h"
#include "mimesniff.h"
#include "policy.h"

#ifndef WD_SRCDIR
#error "compile with -DWD_SRCDIR='\"/path/to/the/source/tree\"'"
#endif

/*
 * The response phase: the policy's extension, media type and phrase
 * rules as policy.conf writes them, and lib/inspect.c's answers as a
 * body comes in pieces (decoded, sniffed by the real libmagic, scanned).
 */

static char			 dir[64];
static struct policy		*pol;
static struct mimesniff		*magic;
static struct decision		 dec;
static struct werr		 err;

static const char conf_default[] =
    "phrases test phrases/test\n"
    "group default {\n"
    "\tphrase_lists test\n"
    "\tblock_mime application/x-executable application/x-pie-executable\n"
    "\tblock_mime application/x-sharedlib video/*\n"
    "\tallow_mime video/webm\n"
    "\tblock_extensions exe .MSI\n"
    "\tallow_extensions txt\n"
    "}\n";

static const char weighted[] =
    "<roulette><30>\n"
    "<jackpot><40>\n"
    "<online>,<casino><50>\n"
    "<homework><-20>\n";

/* 30 + 2 x 40. */
static const char over[] =
    "<html><body><p>Roulette, a jackpot, another JACKPOT.</p></body></html>";
/* 30 + 40. */
static const char under[] =
    "<html><body><p>Roulette and one jackpot.</p></body></html>";

static int
rm_entry(const char *path, const struct stat *st WD_UNUSED,
    int flag WD_UNUSED, struct FTW *ftw WD_UNUSED)
{
	(void)remove(path);
	return 0;
}

static void
put(const char *rel, const char *text)
{
	char path[512], *p;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (p = path + strlen(dir) + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(path, 0755);
		*p = '/';
	}
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(text, fp);
	fclose(fp);
}

/* A policy directory with conf and the test phrase list; NULL: err. */
static struct policy *
load(const char *conf)
{
	snprintf(dir, sizeof(dir), "/tmp/wd-inspect-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	put("blockpage.html", "<p>{{url}}</p>\n");
	put("policy.conf", conf);
	put("phrases/test/weighted", weighted);
	put("phrases/test/banned", "<forbiddenword>\n");
	put("phrases/test/exception", "<lesson on probability>\n");
	memset(&err, 0, sizeof(err));
	return policy_load(dir, NULL, &err);
}

static void
done(void)
{
	if (pol != NULL)
		policy_unref(pol);
	pol = NULL;
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
start(const char *conf)
{
	pol = load(conf);
	if (pol == NULL)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
	if (magic == NULL)
		magic = mimesniff_new(&err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(magic);
}

/* A head: ctype, coding, disposition and path may be NULL. */
static struct inspect *
head(const char *ctype, const char *cenc, const char *cdisp,
    const char *path, bool body, uint64_t scan_max, bool oversize_block)
{
	struct inspect_conf c = { scan_max, oversize_block };
	struct inspect_head h;
	struct sockaddr_in sin;
	struct inspect *in;

	memset(&h, 0, sizeof(h));
	h.ctype = ctype;
	h.ctype_len = ctype != NULL ? strlen(ctype) : 0;
	h.cenc = cenc;
	h.cenc_len = cenc != NULL ? strlen(cenc) : 0;
	h.cdisp = cdisp;
	h.cdisp_len = cdisp != NULL ? strlen(cdisp) : 0;
	h.path = path;
	h.body = body;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memset(&dec, 0, sizeof(dec));
	dec.g = policy_group_for(pol, (struct sockaddr *)&sin, NULL);
	in = inspect_new(pol, dec.g, magic, &c, &h, time(NULL), NULL, &dec);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	return in;
}

/* Feeds len bytes of buf in pieces of step; the last state. */
static enum inspect_state
feed(struct inspect *in, const void *buf, size_t len, size_t step)
{
	const unsigned char *b = buf;
	enum inspect_state st = inspect_state(in);
	size_t n;

	while (len > 0 && st == INSPECT_HOLD) {
		n = len < step ? len : step;
		st = inspect_feed(in, b, n);
		b += n;
		len -= n;
	}
	return st;
}

static size_t
gz(const char *text, unsigned char *out, size_t cap)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	CU_ASSERT_EQUAL_FATAL(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS,
	    8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	CU_ASSERT_EQUAL(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

/* The first 64 KiB of /bin/true: a real ELF executable. */
static size_t
elf(unsigned char *buf, size_t cap)
{
	FILE *fp = fopen("/bin/true", "rb");
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	n = fread(buf, 1, cap, fp);
	fclose(fp);
	return n;
}

/* --- Head checks ---------------------------------------------------------- */

static void
test_inspect_url_extension(void)
{
	struct inspect *in;

	start(conf_default);
	in = head("text/plain", NULL, NULL, "/dl/Setup.EXE?x=1", true, 4096,
	    false);
	CU_ASSERT_EQUAL(inspect_state(in), INSPECT_BLOCK);
	CU_ASSERT_EQUAL(dec.reason, REASON_BLOCK_EXTENSION);
	CU_ASSERT_PTR_NOT_NULL(strstr(dec.rule, "URL extension: "
	    "block_extensions exe"));
	inspect_free(in);
	in = head("text/plain", NULL, NULL, "/dl/setup.exe.txt", true, 4096,
	    false);
	CU_ASSERT_EQUAL(inspect_state(in), INSPECT_HOLD);
	inspect_free(in);
	done();
}

static void
test_inspect_attachment_extension(void)
{
	struct inspect *in;

	start(conf_default);
	in = head("text/plain", NULL, "attachment; filename=\"tool.msi\"",
	    "/download", true, 4096, false);
	CU_ASSERT_EQUAL(inspect_state(in), INSPECT_BLOCK);
	CU_ASSERT_PTR_NOT_NULL(strstr(dec.rule, "attachment extension: "
	    "block_extensions msi"));
	inspect_free(in);
	/* allow_extensions exempts: the URL's .exe still blocks. */
	in = head("text/plain", NULL, "attachment; filename=notes.txt",
	    "/download", true, 4096, false);
	CU_ASSERT_EQUAL(inspect_state(in), INSPECT_HOLD);
	inspect_free(in);
	done();
}

static void
test_inspect_declared_type(void)
{
	struct inspect *in;

	start(conf_default);
	in = head("Video/MP4; codecs=avc1", NULL, NULL, "/v", true, 4096,
	    false);
	CU_ASSERT_EQUAL(inspect_state(in), INSPECT_BLOCK);
	CU_ASSERT_EQUAL(dec.reason, REASON_BLOCK_MIME);
	CU_ASSERT_PTR_NOT_NULL(strstr(dec.rule, "declared type: block_mime "
	    "video/*"));
	CU_ASSERT_STRING_EQUAL(inspect_declared(in), "video/mp4");
	inspect_free(in);
	/* allow_mime exempts the one type. */
	in = head("video/webm", NULL, NULL, "/v", true, 4096, false);
	CU_ASSERT_EQUAL(inspect_state(in), INSPECT_HOLD);
	inspect_free(in);
	done();
}

static void
test_inspect_no_body_and_partial(void)
{
	struct inspect_conf c = { 4096, false };
	struct inspect_head h;
	struct inspect *in;

	start(conf_default);
	in = head("text/html", NULL, NULL, "/", false, 4096, false);
	CU_ASSERT_EQUAL(inspect_state(in), INSPECT_PASS);
	inspect_free(in);
	memset(&h, 0, sizeof(h));
	h.ctype = "image/png";
	h.ctype_len = 9;
	h.path = "/a.png";
	h.body = true;
	h.partial = true;
	in = inspect_new(pol, dec.g, magic, &c, &h, time(NULL), NULL, &dec);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_EQUAL(inspect_state(in), INSPECT_STREAM);
	inspect_free(in);
	done();
}

static void
test_inspect_group_without_rules(void)
{
	struct sockaddr_in sin;
	const struct policy_group *g;

	start("group default {\n}\n");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	g = policy_group_for(pol, (struct sockaddr *)&sin, NULL);
	CU_ASSERT_FALSE(policy_inspects(g));
	CU_ASSERT_FALSE(policy_wants_sniff(g));
	done();
	start("group default {\n\tblock_extensions exe\n}\n");
	g = policy_group_for(pol, (struct sockaddr *)&sin, NULL);
	CU_ASSERT_TRUE(policy_inspects(g));
	CU_ASSERT_FALSE(policy_wants_sniff(g));
	done();
}

/* --- Sniffing ------------------------------------------------------------- */

static void
test_inspect_executable_disguised(void)
{
	static unsigned char buf[65536];
	struct inspect *in;
	size_t n = elf(buf, sizeof(buf));

	start(conf_default);
	in = head("image/png", NULL, NULL, "/cat.png", true, 1 << 20, false);
	CU_ASSERT_EQUAL(inspect_state(in), INSPECT_HOLD);
	CU_ASSERT_EQUAL(feed(in, buf, n, 1000), INSPECT_BLOCK);
	CU_ASSERT_EQUAL(dec.reason, REASON_BLOCK_MIME);
	CU_ASSERT_PTR_NOT_NULL(strstr(dec.rule, "sniffed type: block_mime "
	    "application/x-"));
	CU_ASSERT_STRING_EQUAL(inspect_declared(in), "image/png");
	CU_ASSERT_EQUAL(strncmp(inspect_sniffed(in), "application/x-", 14), 0);
	inspect_free(in);
	done();
}

static void
test_inspect_small_executable_at_end(void)
{
	static unsigned char buf[65536];
	struct inspect *in;

	elf(buf, sizeof(buf));
	start(conf_default);
	/* Fewer than INSPECT_SNIFF_BYTES: decided when the body ends. */
	in = head("application/octet-stream", NULL, NULL, "/x", true,
	    1 << 20, false);
	CU_ASSERT_EQUAL(feed(in, buf, 4096, 512), INSPECT_HOLD);
	CU_ASSERT_EQUAL(inspect_end(in), INSPECT_BLOCK);
	inspect_free(in);
	done();
}

static void
test_inspect_image_streamed(void)
{
	static unsigned char png[40000];
	struct inspect *in;
	size_t i;

	memcpy(png, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
	for (i = 16; i < sizeof(png); i++)
		png[i] = (unsigned char)(i * 7);
	start(conf_default);
	in = head("image/png", NULL, NULL, "/a.png", true, 1 << 20, false);
	/* Held until INSPECT_SNIFF_BYTES came, then streamed. */
	CU_ASSERT_EQUAL(feed(in, png, INSPECT_SNIFF_BYTES - 1, 4096),
	    INSPECT_HOLD);
	CU_ASSERT_EQUAL(feed(in, png + INSPECT_SNIFF_BYTES - 1, 1, 1),
	    INSPECT_STREAM);
	CU_ASSERT_STRING_EQUAL(inspect_sniffed(in), "image/png");
	CU_ASSERT_STRING_EQUAL(inspect_note(in), "");
	inspect_free(in);
	done();
}

static void
test_inspect_sniff_now(void)
{
	struct inspect *in;

	start(conf_default);
	in = head("application/octet-stream", NULL, NULL, "/feed", true,
	    1 << 20, false);
	CU_ASSERT_TRUE(inspect_sniffing(in));
	/* Nothing yet: nothing to decide on. */
	CU_ASSERT_EQUAL(inspect_sniff_now(in), INSPECT_HOLD);
	CU_ASSERT_EQUAL(inspect_feed(in, "\x01\x02\x03\x04\xff\xfe", 6),
	    INSPECT_HOLD);
	CU_ASSERT_EQUAL(inspect_sniff_now(in), INSPECT_STREAM);
	inspect_free(in);
	/* A page to scan stays held. */
	in = head("text/html", NULL, NULL, "/p", true, 1 << 20, false);
	CU_ASSERT_EQUAL(inspect_feed(in, "<html><body>", 12), INSPECT_HOLD);
	CU_ASSERT_EQUAL(inspect_sniff_now(in), INSPECT_HOLD);
	CU_ASSERT_FALSE(inspect_sniffing(in));
	CU_ASSERT_EQUAL(inspect_end(in), INSPECT_PASS);
	inspect_free(in);
	done();
}

static void
test_inspect_event_stream_not_held(void)
{
	struct inspect *in;

	start(conf_default);
	in = head("text/event-stream", NULL, NULL, "/events", true, 1 << 20,
	    false);
	CU_ASSERT_EQUAL(inspect_feed(in, "data: roulette jackpot\n\n", 24),
	    INSPECT_HOLD);
	CU_ASSERT_EQUAL(inspect_sniff_now(in), INSPECT_STREAM);
	inspect_free(in);
	done();
}

/* --- Scanning ------------------------------------------------------------- */

static void
test_inspect_phrase_over_limit(void)
{
	struct inspect *in;

	start(conf_default);
	in = head("text/html; charset=utf-8", NULL, NULL, "/", true, 1 << 20,
	    false);
	CU_ASSERT_EQUAL(feed(in, over, strlen(over), 7), INSPECT_HOLD);
	CU_ASSERT_EQUAL(inspect_end(in), INSPECT_BLOCK);
	CU_ASSERT_EQUAL(dec.reason, REASON_BLOCK_PHRASE);
	CU_ASSERT_PTR_NOT_NULL(strstr(dec.rule, "score 110 of limit 100"));
	CU_ASSERT_STRING_EQUAL(inspect_note(in), "110");
	inspect_free(in);
	done();
}

static void
test_inspect_phrase_under_limit(void)
{
	struct inspect *in;

	start(conf_default);
	in = head("text/html", NULL, NULL, "/", true, 1 << 20, false);
	CU_ASSERT_EQUAL(feed(in, under, strlen(under), 3), INSPECT_HOLD);
	CU_ASSERT_EQUAL(inspect_end(in), INSPECT_PASS);
	CU_ASSERT_EQUAL(dec.verdict, VERDICT_NONE);
	CU_ASSERT_STRING_EQUAL(inspect_note(in), "70");
	inspect_free(in);
	done();
}

static void
test_inspect_naughtiness_limit_per_group(void)
{
	struct inspect *in;

	start("phrases test phrases/test\n"
	    "group default {\n\tphrase_lists test\n\tnaughtiness_limit 60\n"
	    "}\n");
	in = head("text/html", NULL, NULL, "/", true, 1 << 20, false);
	feed(in, under, strlen(under), 100);
	CU_ASSERT_EQUAL(inspect_end(in), INSPECT_BLOCK);
	CU_ASSERT_PTR_NOT_NULL(strstr(dec.rule, "score 70 of limit 60"));
	inspect_free(in);
	done();
}

static void
test_inspect_banned_and_exception(void)
{
	char page[512];
	struct inspect *in;

	start(conf_default);
	in = head("text/plain", NULL, NULL, "/", true, 1 << 20, false);
	feed(in, "one forbiddenword", 17, 5);
	CU_ASSERT_EQUAL(inspect_end(in), INSPECT_BLOCK);
	CU_ASSERT_PTR_NOT_NULL(strstr(dec.rule, "forbiddenword"));
	inspect_free(in);
	snprintf(page, sizeof(page), "%s A lesson on probability.", over);
	in = head("text/html", NULL, NULL, "/", true, 1 << 20, false);
	feed(in, page, strlen(page), 64);
	CU_ASSERT_EQUAL(inspect_end(in), INSPECT_PASS);
	inspect_free(in);
	done();
}

static void
test_inspect_gzip_page(void)
{
	static unsigned char z[4096];
	struct inspect *in;
	size_t n = gz(over, z, sizeof(z));

	start(conf_default);
	in = head("text/html", "gzip", NULL, "/", true, 1 << 20, false);
	CU_ASSERT_EQUAL(feed(in, z, n, 5), INSPECT_HOLD);
	CU_ASSERT_EQUAL(inspect_end(in), INSPECT_BLOCK);
	CU_ASSERT_EQUAL(dec.reason, REASON_BLOCK_PHRASE);
	inspect_free(in);
	done();
}

static void
test_inspect_undecodable(void)
{
	static unsigned char z[4096];
	struct inspect *in;
	size_t n = gz(over, z, sizeof(z));

	start(conf_default);
	/* Cut short. */
	in = head("text/html", "gzip", NULL, "/", true, 1 << 20, false);
	CU_ASSERT_EQUAL(feed(in, z, n / 2, 5), INSPECT_HOLD);
	CU_ASSERT_EQUAL(inspect_end(in), INSPECT_BLOCK);
	CU_ASSERT_EQUAL(dec.reason, REASON_BLOCK_UNSCANNABLE);
	CU_ASSERT_PTR_NOT_NULL(strstr(dec.rule, "could not be decoded"));
	inspect_free(in);
	/* Corrupt. */
	memset(z + 12, 0xff, 20);
	in = head("text/html", "gzip", NULL, "/", true, 1 << 20, false);
	CU_ASSERT_EQUAL(feed(in, z, n, 4096), INSPECT_BLOCK);
	CU_ASSERT_EQUAL(dec.reason, REASON_BLOCK_UNSCANNABLE);
	inspect_free(in);
	/* A coding Warden cannot undo. */
	in = head("text/html", "zstd", NULL, "/", true, 1 << 20, false);
	CU_ASSERT_EQUAL(inspect_state(in), INSPECT_BLOCK);
	CU_ASSERT_PTR_NOT_NULL(strstr(dec.rule, "zstd"));
	inspect_free(in);
	done();
}

static void
test_inspect_oversize(void)
{
	static char page[20000];
	struct inspect *in;

	memset(page, 'x', sizeof(page) - 1);
	memcpy(page, over, strlen(over));
	start(conf_default);
	in = head("text/html", NULL, NULL, "/", true, 8192, false);
	CU_ASSERT_EQUAL(feed(in, page, sizeof(page) - 1, 1000),
	    INSPECT_STREAM);
	CU_ASSERT_STRING_EQUAL(inspect_note(in), "unscanned");
	inspect_free(in);
	in = head("text/html", NULL, NULL, "/", true, 8192, true);
	CU_ASSERT_EQUAL(feed(in, page, sizeof(page) - 1, 1000),
	    INSPECT_BLOCK);
	CU_ASSERT_EQUAL(dec.reason, REASON_BLOCK_UNSCANNABLE);
	CU_ASSERT_PTR_NOT_NULL(strstr(dec.rule, "larger than the scan limit "
	    "(8192 bytes)"));
	inspect_free(in);
	done();
}

/* A gzip bomb: a few KiB that decode to 64 MiB stop at the limit. */
static void
test_inspect_bomb_bounded(void)
{
	static unsigned char z[1 << 20];
	char *zeros;
	size_t n;
	struct inspect *in;

	zeros = calloc(1, 64u << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(zeros);
	memset(zeros, ' ', 64u << 20);
	zeros[(64u << 20) - 1] = '\0';
	n = gz(zeros, z, sizeof(z));
	free(zeros);
	CU_ASSERT(n < sizeof(z));
	start(conf_default);
	in = head("text/html", "gzip", NULL, "/", true, 1 << 20, true);
	CU_ASSERT_EQUAL(feed(in, z, n, 65536), INSPECT_BLOCK);
	CU_ASSERT_EQUAL(dec.reason, REASON_BLOCK_UNSCANNABLE);
	inspect_free(in);
	done();
}

/* --- policy.conf ---------------------------------------------------------- */

static void
bad(const char *conf, const char *want)
{
	struct policy *p = load(conf);

	CU_ASSERT_PTR_NULL(p);
	if (p != NULL)
		policy_unref(p);
	if (strstr(err.msg, want) == NULL)
		fprintf(stderr, "\n  got: %s\n want: %s\n", err.msg, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
	done();
}

static void
test_inspect_conf_errors(void)
{
	bad("group default {\n\tphrase_lists nope\n}\n",
	    "policy.conf:2: unknown phrase list 'nope'");
	bad("group default {\n\tblock_mime Image/PNG\n}\n",
	    "policy.conf:2: block_mime: ");
	bad("group default {\n\tblock_extensions e/x\n}\n",
	    "policy.conf:2: block_extensions: ");
	bad("group default {\n\tnaughtiness_limit 0\n}\n",
	    "policy.conf:2: naughtiness_limit: '0' is not a number");
	bad("group default {\n\tnaughtiness_limit 50\n"
	    "\tnaughtiness_limit 60\n}\n",
	    "policy.conf:3: 'naughtiness_limit' given twice");
	bad("phrases empty local\ngroup default {\n}\n",
	    "policy.conf:1: phrase list 'empty': ");
	bad("phrases test phrases/test\nphrases test phrases/test\n"
	    "group default {\n}\n",
	    "policy.conf:2: phrase list 'test' is already defined at line 1");
	bad("scan_types text/*\nscan_types text/html\ngroup default {\n}\n",
	    "policy.conf:2: 'scan_types' given twice");
	bad("group default {\n\tscan_types text/*\n}\n",
	    "policy.conf:2: 'scan_types' ");
}

static void
test_inspect_conf_bad_phrase_line(void)
{
	struct policy *p;

	snprintf(dir, sizeof(dir), "/tmp/wd-inspect-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	put("blockpage.html", "x\n");
	put("policy.conf", "phrases t t\ngroup default {\n}\n");
	put("t/weighted", "<fine><10>\n<no weight>\n");
	p = policy_load(dir, NULL, &err);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/t/weighted:2: "));
	done();
}

static void
test_inspect_scan_types(void)
{
	struct inspect *in;

	start("phrases test phrases/test\nscan_types text/html\n"
	    "group default {\n\tphrase_lists test\n}\n");
	/* text/plain is not scanned here: streamed once sniffed. */
	in = head("text/plain", NULL, NULL, "/", true, 1 << 20, false);
	feed(in, "Roulette, a jackpot, another jackpot.\n", 38, 100);
	CU_ASSERT_EQUAL(inspect_sniff_now(in), INSPECT_STREAM);
	CU_ASSERT_STRING_EQUAL(inspect_sniffed(in), "text/plain");
	inspect_free(in);
	done();
}

static void
test_inspect_shipped_policy_loads(void)
{
	struct policy *p;
	struct sockaddr_in sin;
	const struct policy_group *g;

	p = policy_load(WD_SRCDIR "/policies", NULL, &err);
	if (p == NULL)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	g = policy_group_for(p, (struct sockaddr *)&sin, NULL);
	CU_ASSERT_TRUE(policy_inspects(g));
	CU_ASSERT_TRUE(policy_wants_sniff(g));
	CU_ASSERT_TRUE(policy_scan_type(p, g, "text/html"));
	CU_ASSERT_FALSE(policy_scan_type(p, g, "image/png"));
	CU_ASSERT_FALSE(policy_scan_type(p, g, "text/event-stream"));
	policy_unref(p);
}

static CU_TestInfo cu_tests[] = {
	{ "head: URL extension", test_inspect_url_extension },
	{ "head: attachment extension", test_inspect_attachment_extension },
	{ "head: declared type", test_inspect_declared_type },
	{ "head: no body, partial", test_inspect_no_body_and_partial },
	{ "group without response rules", test_inspect_group_without_rules },
	{ "sniff: executable as image/png", test_inspect_executable_disguised },
	{ "sniff: small executable at the end",
	    test_inspect_small_executable_at_end },
	{ "sniff: image streamed", test_inspect_image_streamed },
	{ "sniff now", test_inspect_sniff_now },
	{ "event stream not held", test_inspect_event_stream_not_held },
	{ "scan: over the limit", test_inspect_phrase_over_limit },
	{ "scan: under the limit", test_inspect_phrase_under_limit },
	{ "scan: group limit", test_inspect_naughtiness_limit_per_group },
	{ "scan: banned, exception", test_inspect_banned_and_exception },
	{ "scan: gzip", test_inspect_gzip_page },
	{ "scan: undecodable", test_inspect_undecodable },
	{ "scan: oversize", test_inspect_oversize },
	{ "scan: gzip bomb bounded", test_inspect_bomb_bounded },
	{ "conf: errors", test_inspect_conf_errors },
	{ "conf: bad phrase line", test_inspect_conf_bad_phrase_line },
	{ "conf: scan_types", test_inspect_scan_types },
	{ "shipped policy", test_inspect_shipped_policy_loads },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME "inspect"
#include "cu_main.h"
