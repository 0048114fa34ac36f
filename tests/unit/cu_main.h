#ifndef WARDEN_CU_MAIN_H
#define WARDEN_CU_MAIN_H

/*
 * The main() every unit suite shares. A suite file defines
 *   static CU_TestInfo cu_tests[] = { { "name", fn }, ..., CU_TEST_INFO_NULL };
 * and CU_SUITE_NAME, then includes this header last.
 */

#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

int
main(void)
{
	CU_SuiteInfo suites[] = {
		{ CU_SUITE_NAME, NULL, NULL, NULL, NULL, cu_tests },
		CU_SUITE_INFO_NULL,
	};
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "%s\n", CU_get_error_msg());
		return 99;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	if (CU_get_number_of_tests_run() == 0)
		failed = 1;
	CU_cleanup_registry();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
