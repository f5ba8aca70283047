/*
 * test_confirm.c - the record of a pending confirmed commit (print, parse,
 * refusal of anything that does not read back exactly), the file it lives
 * in (saved and read back whole), and who may confirm or cancel it
 * (RFC 6241 8.4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confirm.h"
#include "store.h"

static const char *const CFG = "<networks xmlns=\"urn:ietf:params:xml:ns:yang:ietf-network\">"
			       "<network><network-id>a</network-id></network></networks>\n";

static void round_trip(void **state)
{
	struct vnm_cc_rec r = {.deadline = 1767225600, .sid = 42}, back;
	struct vnm_err err = {0};
	const char *xml;
	char *text;

	(void)state;
	r.user = strdup("alice");
	r.persist = strdup("tok with spaces\nand a newline, \xc3\xa9");
	snprintf(r.boot_id, sizeof(r.boot_id), "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	assert_int_equal(vnm_cc_rec_print(&r, CFG, &text), 0);
	/* one header line per field, the configuration verbatim at the end */
	assert_non_null(strstr(text, "deadline 1767225600\n"));
	assert_non_null(strstr(text, "session 42\n"));
	assert_non_null(strstr(text, "user 616c696365\n"));
	assert_null(strstr(text, "tok with"));
	assert_int_equal(vnm_cc_rec_parse(text, &back, &xml, &err), 0);
	assert_int_equal(back.deadline, r.deadline);
	assert_int_equal(back.sid, 42);
	assert_string_equal(back.user, "alice");
	assert_string_equal(back.persist, r.persist);
	assert_string_equal(back.boot_id, r.boot_id);
	assert_string_equal(xml, CFG);
	vnm_cc_rec_clear(&back);
	free(text);

	/* not persistent, empty configuration, no user */
	free(r.persist);
	r.persist = NULL;
	free(r.user);
	r.user = NULL;
	assert_int_equal(vnm_cc_rec_print(&r, NULL, &text), 0);
	assert_int_equal(vnm_cc_rec_parse(text, &back, &xml, &err), 0);
	assert_null(back.persist);
	assert_null(back.user);
	assert_string_equal(xml, "");
	vnm_cc_rec_clear(&back);
	free(text);

	/* an empty token is a token: persistent, with persist-id "" */
	r.persist = strdup("");
	assert_int_equal(vnm_cc_rec_print(&r, NULL, &text), 0);
	assert_int_equal(vnm_cc_rec_parse(text, &back, &xml, &err), 0);
	assert_non_null(back.persist);
	assert_string_equal(back.persist, "");
	vnm_cc_rec_clear(&back);
	free(text);
	vnm_cc_rec_clear(&r);
}

static void refuses_what_does_not_read_back(void **state)
{
	static const char *const bad[] = {
		"",
		"vnmd-confirmed-commit 2\ndeadline 1\nsession 1\nconfig\n",
		"deadline 1\nsession 1\nconfig\n",
		"vnmd-confirmed-commit 1\nsession 1\nconfig\n",          /* no deadline */
		"vnmd-confirmed-commit 1\ndeadline 1\nconfig\n",         /* no session */
		"vnmd-confirmed-commit 1\ndeadline 1\nsession 1\n",      /* no config line */
		"vnmd-confirmed-commit 1\ndeadline 1\nsession 1\nconfig", /* cut short */
		"vnmd-confirmed-commit 1\ndeadline -5\nsession 1\nconfig\n",
		"vnmd-confirmed-commit 1\ndeadline 12x\nsession 1\nconfig\n",
		"vnmd-confirmed-commit 1\ndeadline 99999999999999999999\nsession 1\nconfig\n",
		"vnmd-confirmed-commit 1\ndeadline 1\nsession 4294967296\nconfig\n",
		"vnmd-confirmed-commit 1\ndeadline 1\ndeadline 2\nsession 1\nconfig\n",
		"vnmd-confirmed-commit 1\ndeadline 1\nsession 1\npersist 746\nconfig\n",
		"vnmd-confirmed-commit 1\ndeadline 1\nsession 1\npersist 74ZZ\nconfig\n",
		"vnmd-confirmed-commit 1\ndeadline 1\nsession 1\npersist 7A\nconfig\n",
		"vnmd-confirmed-commit 1\ndeadline 1\nsession 1\npersist 7400\nconfig\n",
		"vnmd-confirmed-commit 1\ndeadline 1\nsession 1\ncolour blue\nconfig\n",
		"vnmd-confirmed-commit 1\ndeadline 1\nsession 1\nboot-id "
		"0123456789012345678901234567890123456789012\nconfig\n",
	};
	struct vnm_cc_rec r;
	struct vnm_err err;
	const char *xml;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		xml = "unset";
		if (vnm_cc_rec_parse(bad[i], &r, &xml, &err) == 0)
			fail_msg("record %zu was accepted:\n%s", i, bad[i]);
		assert_null(xml);
		assert_null(r.persist);
		assert_true(err.msg[0] != '\0');
	}
	/* the error names the line */
	vnm_cc_rec_parse(bad[12], &r, &xml, &err);
	assert_non_null(strstr(err.msg, "line 4"));
}

static void file_round_trip(void **state)
{
	char dir[] = "/tmp/vnm-test-confirm-XXXXXX", path[64], *text = NULL;
	struct vnm_err err = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(vnm_store_load_text(dir, VNM_STORE_CONFIRM, &text, &err), 0);
	assert_null(text); /* none: nothing pending */
	assert_int_equal(vnm_store_save_text(dir, VNM_STORE_CONFIRM, CFG, &err), 0);
	assert_int_equal(vnm_store_load_text(dir, VNM_STORE_CONFIRM, &text, &err), 0);
	assert_string_equal(text, CFG);
	free(text);
	snprintf(path, sizeof(path), "%s/%s.tmp", dir, VNM_STORE_CONFIRM);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(vnm_store_delete(dir, VNM_STORE_CONFIRM, &err), 0);
	assert_int_equal(vnm_store_load_text(dir, VNM_STORE_CONFIRM, &text, &err), 0);
	assert_null(text);
	assert_int_equal(rmdir(dir), 0);
}

static void who_may(void **state)
{
	struct vnm_cc_rec plain = {.sid = 7}, pers = {.sid = 7};

	(void)state;
	pers.persist = (char *)"tok";
	assert_int_equal(vnm_cc_judge(NULL, 7, NULL), VNM_CC_NONE);
	assert_int_equal(vnm_cc_judge(NULL, 7, "tok"), VNM_CC_NONE);
	/* without <persist>: its own session, without persist-id */
	assert_int_equal(vnm_cc_judge(&plain, 7, NULL), VNM_CC_MAY);
	assert_int_equal(vnm_cc_judge(&plain, 8, NULL), VNM_CC_OTHER_SESSION);
	assert_int_equal(vnm_cc_judge(&plain, 7, "tok"), VNM_CC_NOT_PERSIST);
	assert_int_equal(vnm_cc_judge(&plain, 8, "tok"), VNM_CC_NOT_PERSIST);
	/* after a restart its session is 0, which no session is */
	plain.sid = 0;
	assert_int_equal(vnm_cc_judge(&plain, 0, NULL), VNM_CC_OTHER_SESSION);
	/* persistent: any session, only with the token (its own session too) */
	assert_int_equal(vnm_cc_judge(&pers, 7, NULL), VNM_CC_NEED_ID);
	assert_int_equal(vnm_cc_judge(&pers, 9, NULL), VNM_CC_NEED_ID);
	assert_int_equal(vnm_cc_judge(&pers, 9, "tok"), VNM_CC_MAY);
	assert_int_equal(vnm_cc_judge(&pers, 9, "to"), VNM_CC_WRONG_ID);
	assert_int_equal(vnm_cc_judge(&pers, 9, "tok "), VNM_CC_WRONG_ID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(refuses_what_does_not_read_back),
		cmocka_unit_test(file_round_trip),
		cmocka_unit_test(who_may),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
