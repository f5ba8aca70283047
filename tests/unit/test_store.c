/*
 * test_store.c - datastore files: round trip, and never a torn file.
 *
 * write(2), fsync(2) and rename(2) are wrapped (test_store.ldflags): each
 * call made while saving is a numbered point where the test either makes
 * the call fail, or "crashes" a forked child right there (a write is cut in
 * half first).  After every crash and every failure the file must load,
 * holding the old configuration or the new one, and the temporary file a
 * crash left is gone once vnmd starts again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "cfg_gen.h"
#include "core.h"
#include "core_fixture.h"
#include "log.h"
#include "store.h"

/* ------------------------------------------------------------------ */
/* Wrapped system calls                                                */
/* ------------------------------------------------------------------ */

ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_fsync(int fd);
int __real_rename(const char *a, const char *b);

static int armed;      /* count points only while saving */
static int point;      /* points passed */
static int crash_at;   /* _exit at this point (in a child) */
static int fail_at;    /* fail the call at this point */

static int at_point(void)
{
	if (!armed)
		return 0;
	point++;
	if (point == crash_at)
		return 2;
	if (point == fail_at)
		return 1;
	return 0;
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	if (fd <= 2)
		return __real_write(fd, buf, n);
	switch (at_point()) {
	case 2:
		__real_write(fd, buf, n / 2);
		_exit(3);
	case 1:
		errno = EIO;
		return -1;
	}
	/* short writes, as a full disk or a signal may cause */
	return __real_write(fd, buf, armed && n > 16 ? n / 2 : n);
}

int __wrap_fsync(int fd)
{
	switch (at_point()) {
	case 2:
		_exit(3);
	case 1:
		errno = EIO;
		return -1;
	}
	return __real_fsync(fd);
}

int __wrap_rename(const char *a, const char *b)
{
	int r;

	switch (at_point()) {
	case 2:
		_exit(3);
	case 1:
		errno = EIO;
		return -1;
	}
	r = __real_rename(a, b);
	if (at_point() == 2) /* crash right after the rename */
		_exit(3);
	return r;
}

/* ------------------------------------------------------------------ */

static char dir[] = "/tmp/vnmt-store-XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char p[256];

	(void)state;
	snprintf(p, sizeof(p), "%s/%s", dir, VNM_STORE_RUNNING);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s.tmp", dir, VNM_STORE_RUNNING);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s", dir, VNM_STORE_STARTUP);
	unlink(p);
	rmdir(dir);
	return 0;
}

static char *print(const struct lyd_node *t)
{
	char *s = NULL;

	if (!t)
		return strdup("");
	assert_int_equal(lyd_print_mem(&s, t, LYD_XML, LYD_PRINT_WITHSIBLINGS), LY_SUCCESS);
	return s;
}

/* The file as it is now, printed ("" for empty); fails if it does not
 * load. */
static char *stored(void)
{
	struct lyd_node *t = NULL;
	struct vnm_err err;
	char *s;

	if (vnm_store_load(fx_ctx(), dir, VNM_STORE_RUNNING, &t, &err)) {
		fprintf(stderr, "torn: %s\n", err.msg);
		fail();
	}
	s = print(t);
	lyd_free_all(t);
	return s;
}

static void round_trip(void **state)
{
	struct fig4_knobs k = {0};
	struct lyd_node *t = fx_tree_take(cg_figure4(&k)), *back = NULL;
	struct vnm_err err;
	char *a, *b;

	(void)state;
	/* missing: empty, not an error */
	assert_int_equal(vnm_store_load(fx_ctx(), dir, VNM_STORE_STARTUP, &back, &err), 0);
	assert_null(back);
	assert_int_equal(vnm_store_save(dir, VNM_STORE_RUNNING, t, &err), 0);
	assert_int_equal(vnm_store_load(fx_ctx(), dir, VNM_STORE_RUNNING, &back, &err), 0);
	a = print(t);
	b = print(back);
	assert_string_equal(a, b);
	free(a);
	free(b);
	lyd_free_all(back);
	/* the empty configuration */
	assert_int_equal(vnm_store_save(dir, VNM_STORE_STARTUP, NULL, &err), 0);
	assert_int_equal(vnm_store_load(fx_ctx(), dir, VNM_STORE_STARTUP, &back, &err), 0);
	assert_null(back);
	assert_int_equal(vnm_store_delete(dir, VNM_STORE_STARTUP, &err), 0);
	assert_false(vnm_store_exists(dir, VNM_STORE_STARTUP));
	lyd_free_all(t);
}

static void garbage_is_an_error_not_empty(void **state)
{
	struct lyd_node *back = NULL;
	struct vnm_err err;
	char p[256];
	FILE *f;

	(void)state;
	snprintf(p, sizeof(p), "%s/%s", dir, VNM_STORE_STARTUP);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><networks", f);
	fclose(f);
	assert_int_equal(vnm_store_load(fx_ctx(), dir, VNM_STORE_STARTUP, &back, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, p));
	unlink(p);
}

/* Crash a child at each point of a save; the file is always whole. */
static void crash_at_every_point_leaves_old_or_new(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.a4_extra = true};
	struct lyd_node *ta = fx_tree_take(cg_figure4(&k)), *tb = fx_tree_take(cg_figure4(&k2));
	char *sa = print(ta), *sb = print(tb), *now;
	int n, status, crashes = 0, saw_old = 0, saw_new = 0;
	struct vnm_err err;
	pid_t pid;

	(void)state;
	assert_int_equal(vnm_store_save(dir, VNM_STORE_RUNNING, ta, &err), 0);
	for (n = 1; n < 100; n++) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			point = 0;
			crash_at = n;
			armed = 1;
			_exit(vnm_store_save(dir, VNM_STORE_RUNNING, tb, &err) ? 1 : 0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		now = stored();
		if (!strcmp(now, sa))
			saw_old++;
		else if (!strcmp(now, sb))
			saw_new++;
		else
			fail_msg("crash at point %d left neither the old nor the new file", n);
		free(now);
		if (WEXITSTATUS(status) == 0)
			break; /* no point left to crash at: the save completed */
		assert_int_equal(WEXITSTATUS(status), 3);
		crashes++;
		/* back to the old file for the next round */
		assert_int_equal(vnm_store_save(dir, VNM_STORE_RUNNING, ta, &err), 0);
	}
	/* writes, fsync, rename (before/after), directory fsync */
	assert_true(crashes >= 5);
	assert_true(saw_old >= 4);
	assert_true(saw_new >= 2); /* after the rename, and the completed save */
	free(sa);
	free(sb);
	lyd_free_all(ta);
	lyd_free_all(tb);
}

/* A failing call at each point: the save fails and the old file stays,
 * or (only the directory flush after the rename) it succeeds with the new
 * one; no temporary file is left. */
static void failure_at_every_point_keeps_old(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.vnb_admin = "paused"};
	struct lyd_node *ta = fx_tree_take(cg_figure4(&k)), *tb = fx_tree_take(cg_figure4(&k2));
	char *sa = print(ta), *sb = print(tb), *now, tmp[256];
	struct vnm_err err;
	int n, rc, fails = 0;

	(void)state;
	vnm_log_set_level(VNM_LOG_SILENT);
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, VNM_STORE_RUNNING);
	for (n = 1; n < 100; n++) {
		armed = 0;
		assert_int_equal(vnm_store_save(dir, VNM_STORE_RUNNING, ta, &err), 0);
		point = 0;
		fail_at = n;
		armed = 1;
		rc = vnm_store_save(dir, VNM_STORE_RUNNING, tb, &err);
		armed = 0;
		now = stored();
		if (rc) {
			fails++;
			assert_string_equal(now, sa);
			assert_true(access(tmp, F_OK) != 0);
		} else {
			assert_string_equal(now, sb);
		}
		free(now);
		if (point < n)
			break; /* fewer points than n: nothing failed */
	}
	fail_at = 0;
	assert_true(fails >= 4);
	vnm_log_set_level(VNM_LOG_INFO);
	free(sa);
	free(sb);
	lyd_free_all(ta);
	lyd_free_all(tb);
}

static bool exists(const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* A save killed halfway leaves running.xml.tmp (and a startup save
 * startup.xml.tmp); the next start of the core removes both, keeps the
 * datastores and files that are not its own, and starts from the old
 * configuration. */
static void start_removes_what_a_crash_left(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.a4_extra = true};
	struct lyd_node *ta = fx_tree_take(cg_figure4(&k)), *tb = fx_tree_take(cg_figure4(&k2));
	struct lyd_node *run = NULL;
	struct vnm_core_opts o = {.ctx = fx_ctx(), .state_dir = dir};
	struct vnm_core *c = NULL;
	char *sa = print(ta), *now, p[256];
	struct vnm_err err;
	int status;
	pid_t pid;
	FILE *f;

	(void)state;
	assert_int_equal(vnm_store_save(dir, VNM_STORE_RUNNING, ta, &err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		point = 0;
		crash_at = 1; /* killed in the middle of the first write */
		armed = 1;
		_exit(vnm_store_save(dir, VNM_STORE_RUNNING, tb, &err) ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 3);
	assert_true(exists(VNM_STORE_RUNNING ".tmp"));
	snprintf(p, sizeof(p), "%s/%s.tmp", dir, VNM_STORE_STARTUP);
	assert_non_null(f = fopen(p, "w"));
	fputs("<config", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/notes.tmp", dir);
	assert_non_null(f = fopen(p, "w"));
	fclose(f);

	vnm_log_set_level(VNM_LOG_SILENT);
	assert_int_equal(vnm_core_new(&o, &c, &err), 0);
	vnm_log_set_level(VNM_LOG_INFO);
	assert_false(exists(VNM_STORE_RUNNING ".tmp"));
	assert_false(exists(VNM_STORE_STARTUP ".tmp"));
	assert_true(exists("notes.tmp"));
	assert_int_equal(vnm_core_running(c, &run, &err), 0);
	now = print(run);
	assert_string_equal(now, sa);
	vnm_core_free(c);
	/* nothing left to remove: not an error, nothing removed */
	assert_int_equal(vnm_store_clean(dir, &err), 0);
	unlink(p);
	free(now);
	free(sa);
	lyd_free_all(run);
	lyd_free_all(ta);
	lyd_free_all(tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(garbage_is_an_error_not_empty),
		cmocka_unit_test(crash_at_every_point_leaves_old_or_new),
		cmocka_unit_test(failure_at_every_point_keeps_old),
		cmocka_unit_test(start_removes_what_a_crash_left),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
