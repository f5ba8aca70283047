/*
 * test_reconcile.c - start-up reconciliation against the fake world:
 * own leftovers go, missing objects come, running routers are adopted
 * without a restart, foreign objects are never touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "cfg_gen.h"
#include "core_fixture.h"
#include "fake_driver.h"
#include "log.h"
#include "plan.h"
#include "reconcile.h"
#include "txn.h"

struct cfg {
	struct lyd_node *tree;
	struct vnm_model *m;
};

static struct cfg cfg_of(char *xml)
{
	struct cfg c = {0};

	c.tree = xml ? fx_tree_take(xml) : NULL;
	c.m = fx_model(c.tree);
	return c;
}

static void cfg_free(struct cfg *c)
{
	vnm_model_free(c->m);
	lyd_free_all(c->tree);
}

static void build(struct fake_world *fw, const struct cfg *c)
{
	struct cfg empty = cfg_of(NULL);
	struct vnm_plan *p = NULL;
	struct vnm_drivers d;
	struct vnm_err err;

	fake_drivers(fw, &d);
	assert_int_equal(vnm_plan_build(empty.m, c->m, NULL, 0, 1, &p, &err), 0);
	assert_int_equal(vnm_txn_apply(&d, p, NULL, &err), 0);
	vnm_plan_free(p);
	cfg_free(&empty);
}

static void put_foreign(struct fake_world *fw)
{
	/* a domain, a host interface, and one named like ours but untagged */
	fake_put(fw, "dom", "rm1", "web01", NULL, NULL, false);
	fake_put(fw, "if", "rm1", "eth0", NULL, NULL, false);
	fake_put(fw, "if", "rm2", "vnb00c0ffee", NULL, NULL, false);
	fake_put(fw, "qdisc", "rm3", "eth9", NULL, NULL, false);
}

static const struct fig4_knobs k0;

static void repairs_everything_and_touches_no_foreign(void **state)
{
	struct cfg c = cfg_of(cg_figure4(&k0));
	struct fake_world *fw = fake_world_new(), *ref = fake_world_new();
	struct vnm_reconcile_stats st;
	struct vnm_drivers d;
	struct vnm_err err;
	char *want, *got;

	(void)state;
	fake_drivers(fw, &d);
	build(fw, &c);
	put_foreign(fw);
	/* own leftovers: a VR of a VN that is gone, its port, a stale root */
	fake_put(fw, "dom", "rm1", "vnmd-vn-old-x1", "vn-old", "x1", true);
	fake_put(fw, "if", "rm2", "vnb0badf00", "vn-old", "x1/eth0", true);
	fake_put(fw, "qdisc", "rm4", "p4x", NULL, "pl-old", true);
	/* missing: a domain, a port, a VL's end, a physical link's root */
	assert_int_equal(fake_remove(fw, "dom", "rm2", "vnmd-vn-a-a2"), 0);
	assert_int_equal(fake_remove(fw, "if", "rm1", vnm_model_vr(c.m, "vn-b", "b1")->vnics[0].bridge), 0);
	assert_int_equal(fake_remove(fw, "if", "rm4", vnm_model_vl(c.m, "vn-b", "lb14")->end_b), 0);
	assert_int_equal(fake_remove(fw, "qdisc", "rm4", "p43"), 0);
	/* drift: a router that should run was stopped behind vnmd's back */
	fake_vr_event(fw, "rm3", "vnmd-vn-b-b3", VNM_VR_STOPPED, "shutdown from inside");

	fake_reset_counts(fw);
	assert_int_equal(vnm_reconcile(&d, c.m, 5, &st, &err), 0);
	assert_int_equal(st.removed, 3);
	assert_int_equal(st.failed, 0);
	/* what the model names and existed was adopted, not recreated */
	assert_int_equal(fake_count(fw, "vr_define"), 1);   /* a2 only */
	assert_int_equal(fake_count(fw, "vr_set_state"), 2); /* start a2, b3 */
	assert_int_equal(fake_count(fw, "vl_create"), 1);   /* lb14 */
	/* pl34's root was missing; the others are set up anew because a
	 * leftover interface went from their namespace */
	assert_int_equal(fake_count(fw, "plink_setup"), 4);
	assert_int_equal(fake_count(fw, "plink_teardown"), 3);
	assert_int_equal(fake_count(fw, "vnic_port_create"), 1);
	/* all hosts share one libvirt URI: its domains were listed once */
	assert_int_equal(fake_count(fw, "hv_list_own"), 1);

	/* the world is what building from nothing gives, plus the foreign
	 * objects, untouched */
	build(ref, &c);
	put_foreign(ref);
	want = fake_dump(ref);
	got = fake_dump(fw);
	assert_string_equal(want, got);
	assert_true(fake_has(fw, "dom", "rm1", "web01"));
	assert_true(fake_has(fw, "if", "rm2", "vnb00c0ffee"));
	free(want);
	free(got);
	fake_world_free(fw);
	fake_world_free(ref);
	cfg_free(&c);
}

/* Adopting a world that is already right changes nothing but shapes
 * (re-applied in place) and restarts nothing. */
static void adopts_running_world(void **state)
{
	struct cfg c = cfg_of(cg_figure4(&k0));
	struct fake_world *fw = fake_world_new();
	struct vnm_reconcile_stats st;
	struct vnm_drivers d;
	struct vnm_err err;
	char *before, *after;

	(void)state;
	fake_drivers(fw, &d);
	build(fw, &c);
	before = fake_dump(fw);
	fake_reset_counts(fw);
	assert_int_equal(vnm_reconcile(&d, c.m, 1, &st, &err), 0);
	assert_int_equal(st.removed, 0);
	assert_int_equal(fake_count(fw, "vr_define"), 0);
	assert_int_equal(fake_count(fw, "vr_set_state"), 0);
	assert_int_equal(fake_count(fw, "vl_create"), 0);
	assert_int_equal(fake_calls(fw), fake_count(fw, "vl_shape"));
	after = fake_dump(fw);
	assert_string_equal(before, after);
	free(before);
	free(after);
	fake_world_free(fw);
	cfg_free(&c);
}

/* An empty configuration removes every own object and nothing else. */
static void empty_config_removes_own_only(void **state)
{
	struct cfg c = cfg_of(cg_figure4(&k0));
	struct fake_world *fw = fake_world_new();
	struct vnm_reconcile_stats st;
	struct vnm_drivers d;
	struct vnm_err err;
	/* the hosts stay (an underlay without VNs) so that they are listed */
	struct fig4_knobs k = k0;
	char *xml = cg_figure4(&k), *cut;
	struct cfg hosts_only;

	(void)state;
	fake_drivers(fw, &d);
	build(fw, &c);
	put_foreign(fw);
	cut = strstr(xml, "<network><network-id>vn-a");
	assert_non_null(cut);
	snprintf(cut, strlen(cut) + 1, "%s", "</networks>\n</config>\n");
	hosts_only = cfg_of(xml);
	/* the physical links stay configured: their roots are adopted */
	assert_int_equal(vnm_reconcile(&d, hosts_only.m, 1, &st, &err), 0);
	assert_int_equal(fake_n(fw, "dom"), 1);  /* web01 */
	assert_int_equal(fake_n(fw, "qdisc"), 9); /* 8 roots + eth9 */
	assert_int_equal(fake_n(fw, "if"), 2);    /* eth0, vnb00c0ffee */
	assert_true(fake_has(fw, "dom", "rm1", "web01"));
	fake_world_free(fw);
	cfg_free(&c);
	cfg_free(&hosts_only);
}

/* A driver that cannot list a host leaves that host alone, and the error
 * says which; the rest is still repaired. */
static void failures_are_reported_and_skipped(void **state)
{
	struct cfg c = cfg_of(cg_figure4(&k0));
	struct fake_world *fw = fake_world_new();
	struct vnm_reconcile_stats st;
	struct vnm_drivers d;
	struct vnm_err err;

	(void)state;
	fake_drivers(fw, &d);
	build(fw, &c);
	fake_put(fw, "dom", "rm1", "vnmd-vn-old-x1", "vn-old", "x1", true);
	assert_int_equal(fake_remove(fw, "dom", "rm2", "vnmd-vn-a-a2"), 0);
	fake_fail_op(fw, "hv_remove_own");
	assert_int_equal(vnm_reconcile(&d, c.m, 1, &st, &err), -1);
	assert_non_null(strstr(err.msg, "vnmd-vn-old-x1"));
	assert_int_equal(st.failed, 1);
	/* a2 was still recreated */
	assert_int_equal(fake_domain_state(fw, "rm2", "vnmd-vn-a-a2"), VNM_VR_RUNNING);
	fake_fail_op(fw, NULL);
	fake_world_free(fw);
	cfg_free(&c);
}

/* A world made from nothing (a host rebooted) while every router start
 * fails: with the two lanes (txn_lanes.c) as one after the other, the link
 * lane goes on past the failures, each failure is counted, the world is
 * the same either way, and the next
 * reconciliation, without failures, ends where building from nothing does. */
static void rebuild_goes_on_past_failures_in_both_lanes(void **state)
{
	struct cfg c = cfg_of(cg_figure4(&k0));
	struct fake_world *ref = fake_world_new();
	char *want, *got, *failed[2];
	int lanes;

	(void)state;
	build(ref, &c);
	want = fake_dump(ref);
	for (lanes = 0; lanes < 2; lanes++) {
		struct fake_world *fw = fake_world_new();
		struct vnm_reconcile_stats st;
		struct vnm_drivers d;
		struct vnm_err err;
		unsigned n_vr, n_vl;

		fake_drivers(fw, &d);
		vnm_txn_lanes = lanes;
		fake_fail_op(fw, "vr_set_state");
		vnm_err_clear(&err);
		assert_int_equal(vnm_reconcile(&d, c.m, 1, &st, &err), -1);
		n_vr = fake_count(fw, "vr_define");
		n_vl = fake_count(fw, "vl_create");
		assert_true(n_vr > 0 && n_vl > 0);
		assert_int_equal(st.failed, n_vr); /* each start, and nothing else */
		assert_non_null(strstr(err.msg, "injected failure of vr_set_state"));
		assert_int_equal(fake_n(fw, "shape") > 0, 1);
		failed[lanes] = fake_dump(fw);
		fake_fail_op(fw, NULL);
		assert_int_equal(vnm_reconcile(&d, c.m, 1, &st, &err), 0);
		vnm_txn_lanes = true;
		got = fake_dump(fw);
		assert_string_equal(want, got);
		free(got);
		fake_world_free(fw);
	}
	/* the same world after the failures, either way */
	assert_string_equal(failed[0], failed[1]);
	free(failed[0]);
	free(failed[1]);
	free(want);
	fake_world_free(ref);
	cfg_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(repairs_everything_and_touches_no_foreign),
		cmocka_unit_test(adopts_running_world),
		cmocka_unit_test(empty_config_removes_own_only),
		cmocka_unit_test(failures_are_reported_and_skipped),
		cmocka_unit_test(rebuild_goes_on_past_failures_in_both_lanes),
	};

	vnm_log_set_level(VNM_LOG_SILENT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
