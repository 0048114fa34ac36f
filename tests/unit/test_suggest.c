#include <stdint.h>

#include <CUnit/CUnit.h>

#include "suggest.h"

static void
test_suggest_same_word(void)
{
	CU_ASSERT_EQUAL(suggest_distance("listen", "listen"), 0);
}

static void
test_suggest_ignores_case(void)
{
	CU_ASSERT_EQUAL(suggest_distance("LISTEN", "listen"), 0);
}

static void
test_suggest_one_edit_each_kind(void)
{
	CU_ASSERT_EQUAL(suggest_distance("lisen", "listen"), 1);	/* insert */
	CU_ASSERT_EQUAL(suggest_distance("listenn", "listen"), 1);	/* delete */
	CU_ASSERT_EQUAL(suggest_distance("lysten", "listen"), 1);	/* change */
}

static void
test_suggest_empty_words(void)
{
	CU_ASSERT_EQUAL(suggest_distance("", "adult"), 5);
	CU_ASSERT_EQUAL(suggest_distance("adult", ""), 5);
}

static void
test_suggest_long_words_never_close(void)
{
	char big[SUGGEST_MAX_WORD + 2];
	size_t i;

	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = 'a';
	big[sizeof(big) - 1] = '\0';
	CU_ASSERT_EQUAL(suggest_distance(big, "a"), SIZE_MAX);
	CU_ASSERT_EQUAL(suggest_distance("a", big), SIZE_MAX);
	big[SUGGEST_MAX_WORD] = '\0';
	CU_ASSERT_EQUAL(suggest_distance(big, big), 0);
}

static CU_TestInfo cu_tests[] = {
	{ "same word", test_suggest_same_word },
	{ "ignores case", test_suggest_ignores_case },
	{ "one edit of each kind", test_suggest_one_edit_each_kind },
	{ "empty words", test_suggest_empty_words },
	{ "long words are never close", test_suggest_long_words_never_close },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"suggest"
#include "cu_main.h"
