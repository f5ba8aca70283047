/* test_err.c - error reporting: messages, paths and NETCONF tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "err.h"

static void set_returns_minus_one_and_fills(void **state)
{
	struct vnm_err err;

	(void)state;
	assert_int_equal(vnm_err_set(&err, VNM_E_MISSING, "/a/b", "router %s has no host", "vr1"), -1);
	assert_int_equal(err.code, VNM_E_MISSING);
	assert_string_equal(err.path, "/a/b");
	assert_string_equal(err.msg, "router vr1 has no host");
	assert_string_equal(vnm_err_tag(err.code), "data-missing");
}

static void prefix_keeps_code_and_path(void **state)
{
	struct vnm_err err;

	(void)state;
	vnm_err_set(&err, VNM_E_DRIVER, "/x", "libvirt said no");
	vnm_err_prefix(&err, "step %d (define router %s)", 3, "vn-a/vr1");
	assert_string_equal(err.msg, "step 3 (define router vn-a/vr1): libvirt said no");
	assert_int_equal(err.code, VNM_E_DRIVER);
	assert_string_equal(err.path, "/x");
	assert_string_equal(vnm_err_tag(VNM_E_UNSUPPORTED), "operation-not-supported");
}

static void null_err_is_allowed(void **state)
{
	(void)state;
	assert_int_equal(vnm_err_set(NULL, VNM_E_INVALID, NULL, "x"), -1);
	vnm_err_prefix(NULL, "y");
	vnm_err_clear(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_returns_minus_one_and_fills),
		cmocka_unit_test(prefix_keeps_code_and_path),
		cmocka_unit_test(null_err_is_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
