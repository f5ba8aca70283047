/* test_err.c - error reporting: messages, paths and NETCONF tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
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

static void count_cb(void *arg, const struct vnm_err *e)
{
	(*(size_t *)arg)++;
	assert_int_equal(e->code, VNM_E_INVALID);
}

/* Without go_on the first error stops the check, and is the caller's. */
static void collector_stops_at_first(void **state)
{
	struct vnm_err first;
	struct vnm_errs c = {.first = &first};

	(void)state;
	assert_int_equal(vnm_errs_add(&c, VNM_E_MISSING, "/p", "router %s has no host", "vr1"), -1);
	assert_int_equal(c.n, 1);
	assert_null(c.list);
	assert_int_equal(first.code, VNM_E_MISSING);
	assert_string_equal(first.path, "/p");
	assert_string_equal(first.msg, "router vr1 has no host");
}

/* With go_on and keep: every error, in order, in the list and to the
 * callback; the first stays the first. */
static void collector_keeps_all_in_order(void **state)
{
	struct vnm_err first, *list;
	size_t seen = 0, i;
	struct vnm_errs c = {.first = &first, .go_on = true, .keep = true,
			     .cb = count_cb, .arg = &seen};

	(void)state;
	for (i = 0; i < 37; i++)
		assert_int_equal(vnm_errs_add(&c, VNM_E_INVALID, NULL, "error %zu", i), 0);
	assert_int_equal(c.n, 37);
	assert_int_equal(seen, 37);
	assert_string_equal(first.msg, "error 0");
	assert_string_equal(first.path, "");
	list = vnm_errs_take(&c);
	assert_null(c.list);
	for (i = 0; i < 37; i++) {
		char want[32];

		snprintf(want, sizeof(want), "error %zu", i);
		assert_string_equal(list[i].msg, want);
	}
	free(list);
	vnm_errs_free(&c);
	assert_int_equal(c.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_returns_minus_one_and_fills),
		cmocka_unit_test(prefix_keeps_code_and_path),
		cmocka_unit_test(null_err_is_allowed),
		cmocka_unit_test(collector_stops_at_first),
		cmocka_unit_test(collector_keeps_all_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
