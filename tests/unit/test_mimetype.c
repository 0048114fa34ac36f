#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "mimetype.h"

static struct werr	err;
static char		out[MIMETYPE_MAX];

/* The media type of a Content-Type value, "" when there is none. */
static const char *
field(const char *v)
{
	memset(out, 'x', sizeof(out));
	if (mimetype_from_field(v, strlen(v), out, sizeof(out)) == -1)
		CU_ASSERT_STRING_EQUAL(out, "");
	return out;
}

static const char *
path_ext(const char *path)
{
	memset(out, 'x', sizeof(out));
	if (mimetype_ext_from_path(path, out, sizeof(out)) == -1)
		CU_ASSERT_STRING_EQUAL(out, "");
	return out;
}

static const char *
disp_ext(const char *v)
{
	memset(out, 'x', sizeof(out));
	if (mimetype_ext_from_disposition(v, strlen(v), out,
	    sizeof(out)) == -1)
		CU_ASSERT_STRING_EQUAL(out, "");
	return out;
}

static const char *
pattern_err(const char *pat)
{
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(mimetype_pattern_valid(pat, &err), -1);
	return err.msg;
}

static const char *
ext_err(const char *ext)
{
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(mimetype_ext_valid(ext, &err), -1);
	return err.msg;
}

static void
test_mimetype_field_params_dropped(void)
{
	CU_ASSERT_STRING_EQUAL(field("Text/HTML; charset=UTF-8"),
	    "text/html");
	CU_ASSERT_STRING_EQUAL(field("text/html;charset=utf-8"), "text/html");
	CU_ASSERT_STRING_EQUAL(field("text/html ; a=b ; c=\"d;e\""),
	    "text/html");
	CU_ASSERT_STRING_EQUAL(field("text/html;"), "text/html");
}

static void
test_mimetype_field_white_space(void)
{
	CU_ASSERT_STRING_EQUAL(field(" \tapplication/json\t "),
	    "application/json");
	CU_ASSERT_STRING_EQUAL(field("image/svg+xml"), "image/svg+xml");
	CU_ASSERT_STRING_EQUAL(field("application/vnd.ms-excel"),
	    "application/vnd.ms-excel");
}

static void
test_mimetype_field_not_length_bound(void)
{
	const char v[] = "text/plainGARBAGE";

	CU_ASSERT_EQUAL(mimetype_from_field(v, 10, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "text/plain");
}

static void
test_mimetype_field_bad(void)
{
	CU_ASSERT_STRING_EQUAL(field(""), "");
	CU_ASSERT_STRING_EQUAL(field("   "), "");
	CU_ASSERT_STRING_EQUAL(field("text"), "");
	CU_ASSERT_STRING_EQUAL(field("text/"), "");
	CU_ASSERT_STRING_EQUAL(field("/html"), "");
	CU_ASSERT_STRING_EQUAL(field("text /html"), "");
	CU_ASSERT_STRING_EQUAL(field("text/ html"), "");
	CU_ASSERT_STRING_EQUAL(field("text/html/x"), "");
	CU_ASSERT_STRING_EQUAL(field("text/html, text/plain"), "");
	CU_ASSERT_STRING_EQUAL(field("text/ht(ml)"), "");
	CU_ASSERT_STRING_EQUAL(field("te\"xt/html"), "");
	CU_ASSERT_STRING_EQUAL(field("text/h\xc3\xa9ml"), "");
	CU_ASSERT_STRING_EQUAL(field("text/html x"), "");
	CU_ASSERT_STRING_EQUAL(field(";charset=utf-8"), "");
}

static void
test_mimetype_field_nul_inside(void)
{
	const char v[] = "text/html\0/x";

	CU_ASSERT_EQUAL(mimetype_from_field(v, sizeof(v) - 1, out,
	    sizeof(out)), -1);
	CU_ASSERT_STRING_EQUAL(out, "");
}

static void
test_mimetype_field_too_long(void)
{
	char v[400], small[10];

	memset(v, 'a', sizeof(v));
	v[100] = '/';
	CU_ASSERT_EQUAL(mimetype_from_field(v, sizeof(v), out, sizeof(out)),
	    -1);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(mimetype_from_field("text/html", 9, small,
	    sizeof(small)), 0);
	CU_ASSERT_EQUAL(mimetype_from_field("text/plain", 10, small,
	    sizeof(small)), -1);
	CU_ASSERT_STRING_EQUAL(small, "");
}

static void
test_mimetype_pattern_good(void)
{
	CU_ASSERT_EQUAL(mimetype_pattern_valid("text/html", &err), 0);
	CU_ASSERT_EQUAL(mimetype_pattern_valid("application/*", &err), 0);
	CU_ASSERT_EQUAL(mimetype_pattern_valid("*", &err), 0);
	CU_ASSERT_EQUAL(mimetype_pattern_valid("*/*", &err), 0);
	CU_ASSERT_EQUAL(mimetype_pattern_valid(
	    "application/vnd.microsoft.portable-executable", &err), 0);
	CU_ASSERT_EQUAL(mimetype_pattern_valid("image/svg+xml", &err), 0);
	CU_ASSERT_EQUAL(mimetype_pattern_valid("application/x-msi", &err),
	    0);
}

static void
test_mimetype_pattern_uppercase(void)
{
	CU_ASSERT_STRING_EQUAL(pattern_err("Text/html"),
	    "media type 'Text/html' must be written in lowercase");
	CU_ASSERT_STRING_EQUAL(pattern_err("text/HTML"),
	    "media type 'text/HTML' must be written in lowercase");
}

static void
test_mimetype_pattern_bad(void)
{
	CU_ASSERT_STRING_EQUAL(pattern_err(""), "empty media type");
	CU_ASSERT_STRING_EQUAL(pattern_err("text"),
	    "media type 'text' is not type/subtype or type/*");
	CU_ASSERT_STRING_EQUAL(pattern_err("text/"),
	    "media type 'text/' has an empty subtype");
	CU_ASSERT_STRING_EQUAL(pattern_err("/html"),
	    "media type '/html' has an empty type");
	CU_ASSERT_STRING_EQUAL(pattern_err("*/html"),
	    "media type '*/html': a wildcard type needs a wildcard subtype "
	    "('*')");
	CU_ASSERT_STRING_EQUAL(pattern_err("text/html/x"),
	    "media type 'text/html/x' has more than one '/'");
	CU_ASSERT_STRING_EQUAL(pattern_err("text/ht ml"),
	    "media type 'text/ht ml' has a bad character in its subtype");
	CU_ASSERT_STRING_EQUAL(pattern_err("te*t/html"),
	    "media type 'te*t/html' has a bad character in its type");
	CU_ASSERT_STRING_EQUAL(pattern_err("text/ht*"),
	    "media type 'text/ht*' has a bad character in its subtype");
	CU_ASSERT_STRING_EQUAL(pattern_err("text/.html"),
	    "media type 'text/.html': the subtype must start with a letter "
	    "or digit");
	CU_ASSERT_STRING_EQUAL(pattern_err("**"),
	    "media type '**' is not type/subtype or type/*");
}

static void
test_mimetype_pattern_too_long(void)
{
	char pat[MIMETYPE_MAX + 1];

	memset(pat, 'a', sizeof(pat) - 1);
	pat[sizeof(pat) - 1] = '\0';
	pat[10] = '/';
	CU_ASSERT_EQUAL(mimetype_pattern_valid(pat, NULL), -1);
	pat[MIMETYPE_MAX - 1] = '\0';
	CU_ASSERT_EQUAL(mimetype_pattern_valid(pat, NULL), 0);
}

static void
test_mimetype_match_exact(void)
{
	CU_ASSERT_TRUE(mimetype_match("text/html", "text/html"));
	CU_ASSERT_FALSE(mimetype_match("text/html", "text/htm"));
	CU_ASSERT_FALSE(mimetype_match("text/htm", "text/html"));
	CU_ASSERT_FALSE(mimetype_match("text/html", "text/plain"));
}

static void
test_mimetype_match_wildcard(void)
{
	CU_ASSERT_TRUE(mimetype_match("text/*", "text/html"));
	CU_ASSERT_TRUE(mimetype_match("text/*", "text/plain"));
	CU_ASSERT_FALSE(mimetype_match("text/*", "textx/plain"));
	CU_ASSERT_FALSE(mimetype_match("text/*", "image/png"));
	CU_ASSERT_FALSE(mimetype_match("text/*", "text"));
	CU_ASSERT_TRUE(mimetype_match("*", "image/png"));
	CU_ASSERT_TRUE(mimetype_match("*/*", "application/x-msi"));
}

static void
test_mimetype_path_ext(void)
{
	CU_ASSERT_STRING_EQUAL(path_ext("/dl/setup.EXE?x=1"), "exe");
	CU_ASSERT_STRING_EQUAL(path_ext("/a/b/archive.tar.gz"), "gz");
	CU_ASSERT_STRING_EQUAL(path_ext("setup.exe"), "exe");
	CU_ASSERT_STRING_EQUAL(path_ext("/x.y/file.msi#frag.txt"), "msi");
	CU_ASSERT_STRING_EQUAL(path_ext("/f.c++"), "c++");
	CU_ASSERT_STRING_EQUAL(path_ext("/f.tar_x-y"), "tar_x-y");
}

static void
test_mimetype_path_no_ext(void)
{
	CU_ASSERT_STRING_EQUAL(path_ext("/"), "");
	CU_ASSERT_STRING_EQUAL(path_ext(""), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/a.exe/"), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/a.exe/b"), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/file."), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/file"), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/file?x=a.exe"), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/file#a.exe"), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/a.e xe"), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/a.exe;jsessionid=1"), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/a.\xc3\xa9xe"), "");
}

static void
test_mimetype_path_leading_dot(void)
{
	CU_ASSERT_STRING_EQUAL(path_ext("/home/.bashrc"), "bashrc");
	CU_ASSERT_STRING_EQUAL(path_ext("/.htaccess"), "htaccess");
}

static void
test_mimetype_path_percent(void)
{
	CU_ASSERT_STRING_EQUAL(path_ext("/setup%2eexe"), "exe");
	CU_ASSERT_STRING_EQUAL(path_ext("/setup%2Eexe"), "exe");
	CU_ASSERT_STRING_EQUAL(path_ext("/setup.%65%58%65"), "exe");
	CU_ASSERT_STRING_EQUAL(path_ext("/dir%2fsetup.exe"), "exe");
	CU_ASSERT_STRING_EQUAL(path_ext("/a.exe%3fx"), "");
	/* A trailing space is dropped, as Windows does when saving. */
	CU_ASSERT_STRING_EQUAL(path_ext("/a.exe%20"), "exe");
	CU_ASSERT_STRING_EQUAL(path_ext("/a.exe%00"), "");
}

static void
test_mimetype_path_bad_percent(void)
{
	CU_ASSERT_STRING_EQUAL(path_ext("/a.ex%"), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/a.ex%4"), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/a.ex%zz"), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/a%.exe"), "exe");
	CU_ASSERT_STRING_EQUAL(path_ext("/a%4.exe"), "exe");
	CU_ASSERT_STRING_EQUAL(path_ext("/a.%%2e%exe"), "");
}

static void
test_mimetype_path_too_long(void)
{
	char path[MIMETYPE_EXT_MAX + 8], small[4];

	memset(path, 'a', sizeof(path));
	memcpy(path, "/f.", 3);
	path[3 + MIMETYPE_EXT_MAX - 1] = '\0';
	CU_ASSERT_STRING_EQUAL(path_ext(path), path + 3);
	path[3 + MIMETYPE_EXT_MAX - 1] = 'a';
	path[3 + MIMETYPE_EXT_MAX] = '\0';
	CU_ASSERT_STRING_EQUAL(path_ext(path), "");
	CU_ASSERT_EQUAL(mimetype_ext_from_path("/a.exe", small,
	    sizeof(small)), 0);
	CU_ASSERT_EQUAL(mimetype_ext_from_path("/a.html", small,
	    sizeof(small)), -1);
	CU_ASSERT_STRING_EQUAL(small, "");
}

static void
test_mimetype_path_huge(void)
{
	size_t n = 1 << 20;
	char *path = malloc(n + 8);

	CU_ASSERT_FATAL(path != NULL);
	memset(path, '.', n);
	strcpy(path + n, "exe");
	CU_ASSERT_STRING_EQUAL(path_ext(path), "exe");
	memset(path, '%', n);
	CU_ASSERT_STRING_EQUAL(path_ext(path), "");
	free(path);
}

static void
test_mimetype_disp_quoted(void)
{
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"setup.exe\""),
	    "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment;filename=\"Setup.EXE\""),
	    "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "inline; size=3; filename = \"a b;c.msi\" ; x=y"), "msi");
}

static void
test_mimetype_disp_token(void)
{
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=setup.exe"),
	    "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; FileName=setup.exe  "),
	    "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=my setup.msi"),
	    "msi");
}

static void
test_mimetype_disp_no_type(void)
{
	CU_ASSERT_STRING_EQUAL(disp_ext("filename=setup.exe"), "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext("filename=\"setup.exe\""), "exe");
}

static void
test_mimetype_disp_star(void)
{
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "attachment; filename*=UTF-8''set%75p.exe"), "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "attachment; filename*=utf-8'en'setup%2Emsi"), "msi");
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "attachment; filename*=iso-8859-1''%e9t%e9.pdf"), "pdf");
}

static void
test_mimetype_disp_star_wins(void)
{
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"a.txt\"; "
	    "filename*=UTF-8''a.exe"), "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename*=UTF-8''a.exe; "
	    "filename=\"a.txt\""), "exe");
}

static void
test_mimetype_disp_bad_star(void)
{
	/* Not an ext-value: the plain name counts. */
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"a.txt\"; "
	    "filename*=a.exe"), "txt");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"a.txt\"; "
	    "filename*=UTF-8'a.exe"), "txt");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"a.txt\"; "
	    "filename*=''a.exe"), "txt");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"a.txt\"; "
	    "filename*=\"UTF-8''a.exe\""), "txt");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename*=a.exe"), "");
}

static void
test_mimetype_disp_quoted_pair(void)
{
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "attachment; filename=\"a\\\".e\\xe\""), "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "attachment; filename=\"a\\\\b.exe\""), "exe");
	/* The escaped quote does not end the string. */
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "attachment; filename=\"a.exe\\\"; x=.txt\""), "txt");
}

static void
test_mimetype_disp_path_in_name(void)
{
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "attachment; filename=\"C:\\\\dir.txt\\\\setup.exe\""), "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "attachment; filename=\"../x.exe/setup\""), "");
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "attachment; filename=\"a.exe\\\\\""), "");
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "attachment; filename*=UTF-8''dir%2Fsetup.exe"), "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "attachment; filename*=UTF-8''a.exe%5cb"), "");
}

static void
test_mimetype_disp_percent(void)
{
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"a%2eexe\""),
	    "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"100%.txt\""),
	    "txt");
}

static void
test_mimetype_disp_first_wins(void)
{
	CU_ASSERT_STRING_EQUAL(disp_ext(
	    "attachment; filename=a.exe; filename=a.txt"), "exe");
}

static void
test_mimetype_disp_none(void)
{
	CU_ASSERT_STRING_EQUAL(disp_ext(""), "");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment"), "");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment;"), "");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename="), "");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"\""), "");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"noext\""),
	    "");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; name=\"a.exe\""), "");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; xfilename=a.exe"), "");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename"), "");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; =a.exe"), "");
}

static void
test_mimetype_disp_unterminated(void)
{
	/* Browsers read an unterminated quoted-string to the end. */
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"setup.exe"),
	    "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"setup.exe\\"),
	    "");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\""), "");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"\\"), "");
	CU_ASSERT_STRING_EQUAL(disp_ext("\""), "");
	CU_ASSERT_STRING_EQUAL(disp_ext(";;;;=;=\"\"\";\\"), "");
}

static void
test_mimetype_disp_length_bound(void)
{
	const char v[] = "attachment; filename=\"a.exe\"; "
	    "filename*=UTF-8''b.txt";

	/* Only len bytes are read: the filename* is past them. */
	CU_ASSERT_EQUAL(mimetype_ext_from_disposition(v, 29, out,
	    sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "exe");
	/* And the quote is past them too. */
	CU_ASSERT_EQUAL(mimetype_ext_from_disposition(v, 27, out,
	    sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "exe");
	CU_ASSERT_EQUAL(mimetype_ext_from_disposition(v, 24, out,
	    sizeof(out)), -1);
}

static void
test_mimetype_disp_huge(void)
{
	size_t n = 1 << 20;
	char *v = malloc(n + 64);

	CU_ASSERT_FATAL(v != NULL);
	strcpy(v, "attachment; filename=\"");
	memset(v + 22, '\\', n);
	strcpy(v + 22 + n, "a.exe");
	CU_ASSERT_STRING_EQUAL(disp_ext(v), "exe");
	memset(v + 22, ';', n);
	strcpy(v + 22 + n, "a.exe");
	CU_ASSERT_STRING_EQUAL(disp_ext(v), "exe");
	memset(v, ';', n);
	strcpy(v + n, "filename=x.exe");
	CU_ASSERT_STRING_EQUAL(disp_ext(v), "exe");
	memset(v, 'a', n);
	strcpy(v + n, ".exe");
	CU_ASSERT_STRING_EQUAL(disp_ext(v), "");
	free(v);
}

static void
test_mimetype_ext_valid_good(void)
{
	CU_ASSERT_EQUAL(mimetype_ext_valid("exe", &err), 0);
	CU_ASSERT_EQUAL(mimetype_ext_valid("tar_gz", &err), 0);
	CU_ASSERT_EQUAL(mimetype_ext_valid("c++", &err), 0);
	CU_ASSERT_EQUAL(mimetype_ext_valid("7z", &err), 0);
	CU_ASSERT_EQUAL(mimetype_ext_valid("x-y", &err), 0);
}

static void
test_mimetype_ext_valid_bad(void)
{
	char ext[MIMETYPE_EXT_MAX + 1];

	CU_ASSERT_STRING_EQUAL(ext_err(""), "empty extension");
	CU_ASSERT_STRING_EQUAL(ext_err(".exe"),
	    "extension '.exe' must be written without the leading dot");
	CU_ASSERT_STRING_EQUAL(ext_err("EXE"),
	    "extension 'EXE' must be written in lowercase");
	CU_ASSERT_STRING_EQUAL(ext_err("tar.gz"),
	    "extension 'tar.gz' has a character other than a-z, 0-9, '_', "
	    "'-' and '+'");
	CU_ASSERT_STRING_EQUAL(ext_err("e e"),
	    "extension 'e e' has a character other than a-z, 0-9, '_', "
	    "'-' and '+'");
	memset(ext, 'a', sizeof(ext) - 1);
	ext[sizeof(ext) - 1] = '\0';
	CU_ASSERT_EQUAL(mimetype_ext_valid(ext, NULL), -1);
	ext[MIMETYPE_EXT_MAX - 1] = '\0';
	CU_ASSERT_EQUAL(mimetype_ext_valid(ext, NULL), 0);
}

/* Windows saves "setup.exe. ." as setup.exe: the extension is exe. */
static void
test_mimetype_ext_trailing_dots_and_spaces(void)
{
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"setup.exe.\""),
	    "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"setup.exe . "
	    ".\""), "exe");
	CU_ASSERT_STRING_EQUAL(path_ext("/dl/setup.EXE.."), "exe");
	CU_ASSERT_STRING_EQUAL(path_ext("/dl/setup.exe%20"), "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"my file.exe\""),
	    "exe");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"a.b c.pdf\""),
	    "pdf");
	CU_ASSERT_STRING_EQUAL(disp_ext("attachment; filename=\"notes.\""), "");
	CU_ASSERT_STRING_EQUAL(path_ext("/a.exe/."), "");
}

static CU_TestInfo cu_tests[] = {
	{ "ext: trailing dots and spaces",
	    test_mimetype_ext_trailing_dots_and_spaces },
	{ "field params dropped", test_mimetype_field_params_dropped },
	{ "field white space", test_mimetype_field_white_space },
	{ "field not length bound", test_mimetype_field_not_length_bound },
	{ "field bad", test_mimetype_field_bad },
	{ "field NUL inside", test_mimetype_field_nul_inside },
	{ "field too long", test_mimetype_field_too_long },
	{ "pattern good", test_mimetype_pattern_good },
	{ "pattern uppercase", test_mimetype_pattern_uppercase },
	{ "pattern bad", test_mimetype_pattern_bad },
	{ "pattern too long", test_mimetype_pattern_too_long },
	{ "match exact", test_mimetype_match_exact },
	{ "match wildcard", test_mimetype_match_wildcard },
	{ "path ext", test_mimetype_path_ext },
	{ "path no ext", test_mimetype_path_no_ext },
	{ "path leading dot", test_mimetype_path_leading_dot },
	{ "path percent", test_mimetype_path_percent },
	{ "path bad percent", test_mimetype_path_bad_percent },
	{ "path too long", test_mimetype_path_too_long },
	{ "path huge", test_mimetype_path_huge },
	{ "disposition quoted", test_mimetype_disp_quoted },
	{ "disposition token", test_mimetype_disp_token },
	{ "disposition no type", test_mimetype_disp_no_type },
	{ "disposition filename*", test_mimetype_disp_star },
	{ "disposition filename* wins", test_mimetype_disp_star_wins },
	{ "disposition bad filename*", test_mimetype_disp_bad_star },
	{ "disposition quoted-pair", test_mimetype_disp_quoted_pair },
	{ "disposition path in name", test_mimetype_disp_path_in_name },
	{ "disposition percent", test_mimetype_disp_percent },
	{ "disposition first wins", test_mimetype_disp_first_wins },
	{ "disposition none", test_mimetype_disp_none },
	{ "disposition unterminated", test_mimetype_disp_unterminated },
	{ "disposition length bound", test_mimetype_disp_length_bound },
	{ "disposition huge", test_mimetype_disp_huge },
	{ "ext valid good", test_mimetype_ext_valid_good },
	{ "ext valid bad", test_mimetype_ext_valid_bad },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"mimetype"
#include "cu_main.h"
