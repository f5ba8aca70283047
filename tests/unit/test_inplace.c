/*
 * test_inplace.c - a VL's rates changed in place (vnm_core_set_leaves) and
 * the journal of running (wal.h): the driver sees only the re-shaping,
 * refusals change nothing, an acknowledged change survives a crash before
 * any whole save, a torn record is dropped, and the journal is folded into
 * running.xml in the background.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "cfg_gen.h"
#include "core.h"
#include "core_fixture.h"
#include "core_int.h"
#include "fake_driver.h"
#include "log.h"
#include "store.h"
#include "wal.h"

#define LA12 "/ietf-network:networks/network[network-id='vn-a']" \
	     "/ietf-network-topology:link[link-id='la12']/vnmd:virtual-link"
#define LA23 "/ietf-network:networks/network[network-id='vn-a']" \
	     "/ietf-network-topology:link[link-id='la23']/vnmd:virtual-link"

static const struct fig4_knobs k0;

struct fx {
	char dir[64];
	struct fake_world *fw;
	struct vnm_core *c;
};

/* The snapshot thread's timer (the fixture's cores). */
static unsigned fx_refresh_ms = 50;

static struct vnm_core *open_core(struct fx *f)
{
	struct vnm_core_opts o = {0};
	struct vnm_core *c = NULL;
	struct vnm_err err;

	o.ctx = fx_ctx();
	o.state_dir = f->dir;
	o.refresh_ms = fx_refresh_ms;
	fake_drivers(f->fw, &o.drv);
	if (vnm_core_new(&o, &c, &err))
		fail_msg("vnm_core_new: %s", err.msg);
	return c;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lyd_node *t;
	struct vnm_err err;

	snprintf(f->dir, sizeof(f->dir), "/tmp/vnmt-inplace-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->fw = fake_world_new();
	f->c = open_core(f);
	t = fx_tree_take(cg_figure4(&k0));
	if (vnm_core_commit(f->c, t, NULL, &err))
		fail_msg("commit: %s", err.msg);
	lyd_free_all(t);
	fake_reset_counts(f->fw);
	*state = f;
	return 0;
}

static void rm_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vnm_core_free(f->c);
	fake_world_free(f->fw);
	rm_dir(f->dir);
	free(f);
	return 0;
}

/* The value of a leaf of running ("" when absent). */
static char *leaf_of(struct vnm_core *c, const char *parent, const char *name)
{
	struct lyd_node *t = NULL, *n = NULL;
	struct vnm_err err;
	char path[512];
	char *v;

	assert_int_equal(vnm_core_running(c, &t, &err), 0);
	snprintf(path, sizeof(path), "%s/vnmd:%s", parent, name);
	v = strdup(lyd_find_path(t, path, 0, &n) || !n ? "" : lyd_get_value(n));
	lyd_free_all(t);
	return v;
}

static void assert_leaf(struct vnm_core *c, const char *parent, const char *name,
			const char *want)
{
	char *v = leaf_of(c, parent, name);

	assert_string_equal(v, want);
	free(v);
}

/* Size of dir/name, -1 when there is none. */
static off_t file_size(const char *dir, const char *name)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) ? -1 : st.st_size;
}

static off_t wal_size(const char *dir)
{
	return file_size(dir, VNM_WAL_FILE);
}

static off_t aside_size(const char *dir)
{
	return file_size(dir, VNM_WAL_ASIDE);
}

static int set1(struct vnm_core *c, const char *parent, const char *name, const char *v,
		struct vnm_err *err)
{
	struct vnm_leaf_set s = {parent, name, v, NULL};

	return vnm_core_set_leaves(c, &s, 1, NULL, NULL, err);
}

static void changes_in_place_and_journals(void **state)
{
	struct fx *f = *state;
	struct lyd_node *t;
	struct vnm_err err;
	unsigned n1;

	assert_int_equal(set1(f->c, LA12, "guaranteed-rate", "20000000", &err), 0);
	/* la12 and the VL without a guarantee on pl12, whose default share
	 * moved: the same re-shaping the whole path plans (below) */
	n1 = fake_count(f->fw, "vl_shape");
	assert_int_equal(n1, 2);
	assert_int_equal(fake_count(f->fw, "vl_create") + fake_count(f->fw, "vr_define"), 0);
	assert_leaf(f->c, LA12, "guaranteed-rate", "20000000");
	assert_true(wal_size(f->dir) > 0);
	/* running.xml is not rewritten for it */
	assert_int_equal(vnm_wal_base_seq(f->dir, VNM_STORE_RUNNING) < 2, 1);
	fake_reset_counts(f->fw);
	t = fx_tree_take(cg_figure4(&k0));
	assert_int_equal(vnm_core_commit(f->c, t, NULL, &err), 0);
	lyd_free_all(t);
	assert_int_equal(fake_count(f->fw, "vl_shape"), n1);
	/* a whole save folded the journal in */
	assert_int_equal(wal_size(f->dir), -1);
	/* a limit appears where there was none */
	assert_int_equal(set1(f->c, LA12, "rate-limit", "40000000", &err), 0);
	assert_leaf(f->c, LA12, "rate-limit", "40000000");
	/* the same value again changes nothing */
	fake_reset_counts(f->fw);
	assert_int_equal(set1(f->c, LA12, "rate-limit", "40000000", &err), 0);
	assert_int_equal(fake_count(f->fw, "vl_shape"), 0);
}

/* An NMS that sends the link back whole: restated leaves with the values
 * they have keep the change in place; a changed one needs the whole path. */
static void restated_leaves(void **state)
{
	struct fx *f = *state;
	struct vnm_leaf_set s[2] = {
		{NULL, "source-node", "a1", "/ietf-network:networks/network[network-id='vn-a']"
		 "/ietf-network-topology:link[link-id='la12']/source/source-node"},
		{LA12, "guaranteed-rate", "20000000", NULL},
	};
	struct vnm_err err;

	assert_int_equal(vnm_core_set_leaves(f->c, s, 2, NULL, NULL, &err), 0);
	assert_leaf(f->c, LA12, "guaranteed-rate", "20000000");
	s[0].value = "a3";
	s[1].value = "30000000";
	assert_int_equal(vnm_core_set_leaves(f->c, s, 2, NULL, NULL, &err), 1);
	assert_leaf(f->c, LA12, "guaranteed-rate", "20000000");
}

static void refusals_change_nothing(void **state)
{
	struct fx *f = *state;
	struct vnm_err err;
	off_t w0 = wal_size(f->dir);

	/* above la23's limit of 50 Mbit/s */
	assert_int_equal(set1(f->c, LA23, "guaranteed-rate", "60000000", &err), -1);
	assert_non_null(strstr(err.msg, "exceeds rate-limit"));
	/* beyond what pl12 admits (100 Mbit/s) */
	assert_int_equal(set1(f->c, LA12, "guaranteed-rate", "99000000", &err), -1);
	assert_non_null(strstr(err.msg, "physical link pl12 cannot admit"));
	assert_non_null(strstr(err.path, "pl12"));
	/* not a number */
	assert_int_equal(set1(f->c, LA12, "guaranteed-rate", "fast", &err), -1);
	/* the driver fails: undone, value back */
	fake_fail_op(f->fw, "vl_shape");
	assert_int_equal(set1(f->c, LA12, "guaranteed-rate", "30000000", &err), -1);
	fake_fail_op(f->fw, NULL);
	assert_leaf(f->c, LA12, "guaranteed-rate", "10000000");
	assert_int_equal(wal_size(f->dir), w0);
	/* not leaves the core changes in place: the whole path */
	assert_int_equal(set1(f->c, LA12, "burst", "3000", &err), 1);
	assert_int_equal(set1(f->c, "/ietf-network:networks/network[network-id='vn-a']"
				    "/ietf-network-topology:link[link-id='nope']/vnmd:virtual-link",
			      "guaranteed-rate", "1000000", &err), 1);
}

static int deny(const struct lyd_node *diff, void *arg)
{
	*(int *)arg = diff != NULL;
	return 1;
}

static void veto_sees_the_diff_and_stops(void **state)
{
	struct fx *f = *state;
	struct vnm_leaf_set s = {LA12, "guaranteed-rate", "20000000", NULL};
	struct vnm_err err;
	int saw = 0;

	assert_int_equal(vnm_core_set_leaves(f->c, &s, 1, deny, &saw, &err), 2);
	assert_true(saw);
	assert_int_equal(fake_count(f->fw, "vl_shape"), 0);
	assert_leaf(f->c, LA12, "guaranteed-rate", "10000000");
}

/* Acknowledged, then the process dies before any whole save: the next
 * start reads it back from the journal; a torn record after it is
 * dropped and cut off. */
static void survives_a_crash_and_a_torn_record(void **state)
{
	struct fx *f = *state;
	struct vnm_err err;
	char p[256];
	pid_t pid;
	int st;
	FILE *fp;

	pid = fork();
	if (pid == 0) {
		int rc = set1(f->c, LA12, "guaranteed-rate", "25000000", &err);

		rc |= set1(f->c, LA23, "rate-limit", "45000000", &err);
		_exit(rc ? 1 : 0); /* no vnm_core_free: no whole save */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(WEXITSTATUS(st), 0);
	snprintf(p, sizeof(p), "%s/%s", f->dir, VNM_WAL_FILE);
	fp = fopen(p, "a");
	assert_non_null(fp);
	fputs("vnmj 99 500 0123\n<config><networks", fp); /* torn */
	fclose(fp);
	/* this process's core still has the old values: drop it unsaved by
	 * opening a second one on the same directory first */
	{
		struct fx g = *f;
		struct vnm_core *c2 = open_core(&g);

		assert_leaf(c2, LA12, "guaranteed-rate", "25000000");
		assert_leaf(c2, LA23, "rate-limit", "45000000");
		{
			char buf[8192] = {0};
			FILE *rf = fopen(p, "r");

			assert_non_null(rf);
			assert_true(fread(buf, 1, sizeof(buf) - 1, rf) > 0);
			fclose(rf);
			assert_null(strstr(buf, "vnmj 99 "));
			assert_non_null(strstr(buf, "45000000"));
		}
		/* the torn tail is gone: a new record follows the whole ones */
		assert_int_equal(set1(c2, LA12, "guaranteed-rate", "26000000", &err), 0);
		vnm_core_free(c2);
		/* a clean stop folds everything into running.xml */
		assert_int_equal(wal_size(f->dir), -1);
		c2 = open_core(&g);
		assert_leaf(c2, LA12, "guaranteed-rate", "26000000");
		vnm_core_free(c2);
	}
	/* f->c's own view is stale now; teardown's save must not matter */
}

/* The process dies while a fold has set the journal aside, before
 * running.xml holds it: the next start replays the records aside, then the
 * new journal's (a later value of the same leaf wins); its clean stop
 * leaves neither file. */
static void crash_while_the_journal_is_aside(void **state)
{
	struct fx *f = *state;
	struct vnm_err err;
	pid_t pid;
	int st;

	pid = fork();
	if (pid == 0) {
		bool done = false;
		int rc = set1(f->c, LA12, "guaranteed-rate", "21000000", &err);

		rc |= set1(f->c, LA23, "rate-limit", "46000000", &err);
		rc |= vnm_wal_set_aside(f->dir, &done, &err); /* the fold's first step */
		rc |= !done;
		rc |= set1(f->c, LA12, "guaranteed-rate", "22000000", &err);
		_exit(rc ? 1 : 0); /* no vnm_core_free: no save */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(aside_size(f->dir) > 0);
	assert_true(wal_size(f->dir) > 0);
	{
		struct fx g = *f;
		struct vnm_core *c2 = open_core(&g);

		assert_leaf(c2, LA12, "guaranteed-rate", "22000000");
		assert_leaf(c2, LA23, "rate-limit", "46000000");
		vnm_core_free(c2);
		assert_int_equal(wal_size(f->dir), -1);
		assert_int_equal(aside_size(f->dir), -1);
		c2 = open_core(&g);
		assert_leaf(c2, LA12, "guaranteed-rate", "22000000");
		vnm_core_free(c2);
	}
}

/* A fixture whose snapshot thread reads only when asked (the timer's
 * refresh ten minutes away). */
static int setup_no_timer(void **state)
{
	int rc;

	fx_refresh_ms = 600000;
	rc = setup(state);
	fx_refresh_ms = 50;
	return rc;
}

/* The guarantee watch's tick during a stream of rate changes made in place
 * (each a new generation) asks for no refresh: it takes the snapshot there
 * is.  A read of the running generation (NETCONF, SNMP) still gets one. */
static void watch_tick_asks_for_no_refresh(void **state)
{
	struct fx *f = *state;
	struct vnm_snapshot *s;
	struct vnm_err err;
	uint64_t gen;

	usleep(300000); /* the snapshot of the setup's commit */
	assert_int_equal(set1(f->c, LA12, "guaranteed-rate", "20000000", &err), 0);
	gen = vnm_core_generation(f->c);
	vnm_core_watch_tick(f->c);
	usleep(300000);
	s = core_snapshot_latest(f->c);
	assert_non_null(s);
	assert_true(s->generation < gen);
	vnm_snapshot_unref(s);
	s = vnm_core_snapshot(f->c);
	assert_non_null(s);
	assert_true(s->generation == gen);
	vnm_snapshot_unref(s);
}

/* Enough changes to pass the compaction size: running.xml catches up in
 * the background and the journal shrinks, nothing lost. */
static void compaction_folds_the_journal(void **state)
{
	struct fx *f = *state;
	struct timespec ts = {0, 20 * 1000 * 1000};
	struct vnm_err err;
	char val[32];
	uint64_t base0 = vnm_wal_base_seq(f->dir, VNM_STORE_RUNNING), base = base0;
	int i;

	for (i = 0; i < 1200; i++) {
		snprintf(val, sizeof(val), "%d", 1000000 + i);
		assert_int_equal(set1(f->c, LA12, "guaranteed-rate", val, &err), 0);
	}
	for (i = 0; i < 500 && base == base0; i++) {
		nanosleep(&ts, NULL);
		base = vnm_wal_base_seq(f->dir, VNM_STORE_RUNNING);
	}
	assert_true(base > base0);
	assert_true(wal_size(f->dir) < 256 * 1024);
	/* the journal the fold set aside goes once running.xml holds it */
	for (i = 0; i < 500 && aside_size(f->dir) >= 0; i++)
		nanosleep(&ts, NULL);
	assert_int_equal(aside_size(f->dir), -1);
	/* what running.xml and the journal hold together is running */
	{
		struct fx g = *f;
		struct vnm_core *c2 = open_core(&g);

		assert_leaf(c2, LA12, "guaranteed-rate", "1001199");
		vnm_core_free(c2);
	}
}

struct seen {
	char got[4][160];
	size_t n;
};

static int note_leaf(void *arg, const char *vn, const char *link, const char *leaf,
		     const char *value)
{
	struct seen *x = arg;

	if (x->n == 4)
		return -1;
	snprintf(x->got[x->n++], sizeof(x->got[0]), "%s/%s/%s=%s", vn, link, leaf, value);
	return 0;
}

/* What a reader that keeps running's text (<get>) patches instead of
 * printing anew: the leaves changed in place since its generation, once
 * each with the value now; 1 once a whole commit came between or the
 * record does not reach back. */
static void readers_catch_up_with_leaves(void **state)
{
	struct fx *f = *state;
	struct seen x = {.n = 0};
	struct lyd_node *t;
	struct vnm_err err;
	uint64_t g0 = vnm_core_generation(f->c), g, g2, g3;
	int i;

	assert_int_equal(vnm_core_leaves_since(f->c, g0, note_leaf, &x, &g), 0);
	assert_true(g == g0 && x.n == 0);
	assert_int_equal(set1(f->c, LA12, "guaranteed-rate", "20000000", &err), 0);
	assert_int_equal(set1(f->c, LA12, "rate-limit", "40000000", &err), 0);
	g2 = vnm_core_generation(f->c);
	assert_int_equal(set1(f->c, LA12, "guaranteed-rate", "25000000", &err), 0);
	g3 = vnm_core_generation(f->c);
	assert_int_equal(g3, g0 + 3);
	assert_int_equal(vnm_core_leaves_since(f->c, g0, note_leaf, &x, &g), 0);
	assert_int_equal(g, g3);
	assert_int_equal(x.n, 2);
	assert_string_equal(x.got[0], "vn-a/la12/rate-limit=40000000");
	assert_string_equal(x.got[1], "vn-a/la12/guaranteed-rate=25000000");
	x.n = 0;
	assert_int_equal(vnm_core_leaves_since(f->c, g2, note_leaf, &x, &g), 0);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.got[0], "vn-a/la12/guaranteed-rate=25000000");
	/* before the record began (the first commit's generation) */
	assert_int_equal(vnm_core_leaves_since(f->c, g0 - 1, note_leaf, &x, &g), 1);

	/* a whole commit: nothing before it can be caught up with */
	t = fx_tree_take(cg_figure4(&k0));
	assert_int_equal(vnm_core_commit(f->c, t, NULL, &err), 0);
	lyd_free_all(t);
	assert_int_equal(vnm_core_leaves_since(f->c, g3, note_leaf, &x, &g), 1);
	/* without a callback: only whether a reader of g3 can catch up */
	assert_int_equal(vnm_core_leaves_since(f->c, g3, NULL, NULL, &g), 1);
	g = vnm_core_generation(f->c);
	assert_int_equal(vnm_core_leaves_since(f->c, g, NULL, NULL, &g2), 0);
	assert_int_equal(set1(f->c, LA12, "guaranteed-rate", "20000000", &err), 0);
	assert_int_equal(vnm_core_leaves_since(f->c, g3, note_leaf, &x, &g2), 1);
	x.n = 0;
	assert_int_equal(vnm_core_leaves_since(f->c, g, note_leaf, &x, &g2), 0);
	assert_int_equal(x.n, 1);
	/* more changes than the record holds: a reader far behind prints */
	for (i = 0; i < 70; i++) {
		assert_int_equal(set1(f->c, LA12, "guaranteed-rate",
				      i % 2 ? "20000000" : "21000000", &err), 0);
	}
	assert_int_equal(vnm_core_leaves_since(f->c, g, note_leaf, &x, &g2), 1);
	x.n = 0;
	assert_int_equal(vnm_core_leaves_since(f->c, g2 - 1, note_leaf, &x, &g3), 0);
	assert_int_equal(x.n, 1);
	assert_int_equal(g3, g2);
}

/* A rate changed in place refreshes no snapshot by itself (at 10,000 VLs
 * a rebuild per change took a core from the next edits); the next reader
 * gets one of the new generation all the same, with the new rate, and no
 * timer is what brought it (the refresh period here is ten minutes). */
static void readers_get_the_new_generation(void **state)
{
	struct fx *f = *state;
	struct vnm_snapshot *s;
	struct vnm_core_opts o = {0};
	struct vnm_core *c;
	struct lyd_node *t;
	struct vnm_err err;
	uint64_t g;
	size_t i;
	int k, seen = 0;

	vnm_core_free(f->c);
	o.ctx = fx_ctx();
	o.state_dir = f->dir;
	o.refresh_ms = 600000;
	fake_drivers(f->fw, &o.drv);
	assert_int_equal(vnm_core_new(&o, &c, &err), 0);
	f->c = c;
	t = fx_tree_take(cg_figure4(&k0));
	assert_int_equal(vnm_core_commit(c, t, NULL, &err), 0);
	lyd_free_all(t);
	for (k = 0; k < 3; k++) {
		assert_int_equal(set1(c, LA12, "guaranteed-rate", k % 2 ? "21000000" : "22000000",
				      &err), 0);
		g = vnm_core_generation(c);
		s = vnm_core_snapshot(c);
		assert_non_null(s);
		assert_int_equal(s->generation, g);
		for (i = 0; i < s->n_vls; i++) {
			if (!strcmp(s->vls[i].vn, "vn-a") && !strcmp(s->vls[i].name, "la12")) {
				assert_int_equal(s->vls[i].guaranteed, k % 2 ? 21000000 : 22000000);
				seen++;
			}
		}
		vnm_snapshot_unref(s);
	}
	assert_int_equal(seen, 3);
}

/* A stream of rate changes holds the full counter refresh back (its
 * dumps slowed the edits that met them), but only for a while: counters
 * are read again while the stream goes on (refresh period 50 ms here, a
 * change every 10 ms for 600 ms). */
static void counters_read_while_edits_stream(void **state)
{
	struct fx *f = *state;
	struct timespec ts = {0, 10 * 1000000L};
	struct vnm_err err;
	unsigned before = 0;
	int k;

	for (k = 0; k < 70; k++) {
		/* the stream under way: a refresh due from before it is past */
		if (k == 15)
			before = fake_count(f->fw, "vl_counters");
		assert_int_equal(set1(f->c, LA12, "guaranteed-rate", k % 2 ? "21000000" : "22000000",
				      &err), 0);
		nanosleep(&ts, NULL);
	}
	assert_true(fake_count(f->fw, "vl_counters") > before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(changes_in_place_and_journals, setup, teardown),
		cmocka_unit_test_setup_teardown(restated_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals_change_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(veto_sees_the_diff_and_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(survives_a_crash_and_a_torn_record, setup, teardown),
		cmocka_unit_test_setup_teardown(crash_while_the_journal_is_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(compaction_folds_the_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(watch_tick_asks_for_no_refresh, setup_no_timer,
						teardown),
		cmocka_unit_test_setup_teardown(readers_catch_up_with_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(readers_get_the_new_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(counters_read_while_edits_stream, setup, teardown),
	};

	vnm_log_set_level(VNM_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
