/*
 * test_txn.c - applying plans against the fake world: all or nothing.
 *
 * For the paper's Figure 4 built, torn down and modified, every step is
 * made to fail in turn; after each failure the world must be exactly the
 * world before the transaction, and the error must name the step.  A plan
 * that succeeds must leave the same world as building the target from
 * nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "cfg_gen.h"
#include "core_fixture.h"
#include "fake_driver.h"
#include "log.h"
#include "plan.h"
#include "txn.h"

struct cfg {
	struct lyd_node *tree;
	struct vnm_model *m;
};

static struct cfg cfg_of(char *xml)
{
	struct cfg c = {0};
	struct vnm_err err;

	c.tree = xml ? fx_tree_take(xml) : NULL;
	c.m = fx_model(c.tree);
	if (vnm_validate(c.m, &err)) {
		fprintf(stderr, "not valid: %s\n", err.msg);
		fail();
	}
	return c;
}

static void cfg_free(struct cfg *c)
{
	vnm_model_free(c->m);
	lyd_free_all(c->tree);
}

static struct vnm_plan *plan_of(const struct cfg *a, const struct cfg *b, bool use_diff)
{
	struct lyd_node *diff = use_diff ? fx_diff(a->tree, b->tree) : NULL;
	struct vnm_plan *p = NULL;
	struct vnm_err err;

	assert_int_equal(vnm_plan_build(a->m, b->m, diff, 1, 2, &p, &err), 0);
	lyd_free_all(diff);
	return p;
}

/* Bring fw from nothing to c (no failures). */
static void build(struct fake_world *fw, const struct cfg *c)
{
	struct cfg empty = cfg_of(NULL);
	struct vnm_plan *p = plan_of(&empty, c, false);
	struct vnm_drivers d;
	struct vnm_err err;

	fake_drivers(fw, &d);
	if (vnm_txn_apply(&d, p, NULL, &err)) {
		fprintf(stderr, "build: %s\n", err.msg);
		fail();
	}
	vnm_plan_free(p);
	cfg_free(&empty);
}

/* The world c gives when built from nothing. */
static char *reference_world(const struct cfg *c)
{
	struct fake_world *fw = fake_world_new();
	char *dump;

	build(fw, c);
	dump = fake_dump(fw);
	fake_world_free(fw);
	return dump;
}

/*
 * From a world at `from` (dump before), apply p with the i-th driver call
 * failing, for every i.  One after the other (lanes off) the i-th call is
 * step i: the error names it and the undo makes i-1 calls.  With the two
 * lanes (txn.c) the i-th call is whichever came i-th; the error still
 * names a step and the failed call, and the world is back as it was.
 */
static void fail_each(struct fake_world *fw, const struct vnm_drivers *d,
		      const struct vnm_plan *p, const char *before, bool lanes)
{
	struct vnm_err err;
	char *after, head[64], what[256];
	size_t i;

	vnm_txn_lanes = lanes;
	for (i = 1; i <= p->n; i++) {
		fake_reset_counts(fw);
		fake_fail_at(fw, (unsigned)i);
		vnm_err_clear(&err);
		assert_int_equal(vnm_txn_apply(d, p, NULL, &err), -1);
		/* the error names the step that failed and says why */
		snprintf(head, sizeof(head), lanes ? "step " : "step %zu/%zu ", i, p->n);
		vnm_step_describe(&p->steps[i - 1].fwd, what, sizeof(what));
		if (strncmp(err.msg, head, strlen(head)) || (!lanes && !strstr(err.msg, what)) ||
		    !strstr(err.msg, "injected failure")) {
			fprintf(stderr, "call %zu: unexpected message: %s\n", i, err.msg);
			fail();
		}
		assert_int_equal(err.code, VNM_E_DRIVER);
		/* the failed step and the undo of the i-1 before it */
		if (!lanes)
			assert_int_equal(fake_calls(fw), i + (i - 1));
		after = fake_dump(fw);
		if (strcmp(before, after)) {
			fprintf(stderr, "world changed after a failure at call %zu (lanes %d): %s\n", i,
				lanes, err.msg);
			assert_string_equal(before, after);
		}
		free(after);
	}
	fake_fail_at(fw, 0);
	vnm_txn_lanes = true;
}

/* from -> to with each step failing, then without failure, both ways. */
static void each_step_fails(char *xml_from, char *xml_to, bool use_diff)
{
	struct cfg from = cfg_of(xml_from), to = cfg_of(xml_to);
	struct fake_world *fw = fake_world_new();
	struct vnm_plan *p;
	struct vnm_drivers d;
	struct vnm_err err;
	char *before, *after, *want;
	int lanes;

	fake_drivers(fw, &d);
	build(fw, &from);
	before = fake_dump(fw);
	p = plan_of(&from, &to, use_diff);
	assert_true(p->n > 0);
	want = reference_world(&to);
	for (lanes = 0; lanes < 2; lanes++) {
		fail_each(fw, &d, p, before, lanes);
		fake_reset_counts(fw);
		vnm_txn_lanes = lanes;
		assert_int_equal(vnm_txn_apply(&d, p, NULL, &err), 0);
		vnm_txn_lanes = true;
		assert_int_equal(fake_calls(fw), p->n);
		after = fake_dump(fw);
		assert_string_equal(after, want);
		free(after);
		if (!lanes) {
			/* back to from for the second round */
			struct vnm_plan *back = plan_of(&to, &from, false);

			assert_int_equal(vnm_txn_apply(&d, back, NULL, &err), 0);
			vnm_plan_free(back);
			after = fake_dump(fw);
			assert_string_equal(after, before);
			free(after);
		}
	}
	free(want);
	free(before);
	vnm_plan_free(p);
	fake_world_free(fw);
	cfg_free(&from);
	cfg_free(&to);
}

static const struct fig4_knobs k0;

/* A file's content (NULL when it cannot be read). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int ch;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(m);
	fclose(f);
	return buf;
}

/* The Figure 4 that ships in examples/ (another topology than the one
 * cfg_gen.h writes: a ring with a chord), built and torn down. */
static void shipped_figure4_each_step_fails(void **state)
{
	char *xml = slurp("examples/figure4.xml");

	(void)state;
	if (!xml)
		skip();
	each_step_fails(NULL, xml, false);
	each_step_fails(slurp("examples/figure4.xml"), NULL, true);
}

static void figure4_build_each_step_fails(void **state)
{
	(void)state;
	each_step_fails(NULL, cg_figure4(&k0), false);
}

static void figure4_teardown_each_step_fails(void **state)
{
	(void)state;
	each_step_fails(cg_figure4(&k0), NULL, true);
}

/* Many kinds of change at once: hot-plug and a new VL, a guarantee, an
 * image, a host move, a VN pause, vCPUs, a capacity. */
static void figure4_modify_each_step_fails(void **state)
{
	struct fig4_knobs k = {.a4_extra = true, .la12_guaranteed = 30000000,
			       .a2_cmdline = "console=ttyS0 quiet", .b2_on_rm3 = true,
			       .vnb_admin = "paused", .a1_vcpus = 2, .pl12_capacity = 200000000};

	(void)state;
	each_step_fails(cg_figure4(&k0), cg_figure4(&k), true);
}

/* The other way back, and a VL removed, a limit, a stopped VR. */
static void figure4_modify_back_each_step_fails(void **state)
{
	struct fig4_knobs k = {.a4_extra = true, .la12_guaranteed = 30000000,
			       .a2_cmdline = "console=ttyS0 quiet", .b2_on_rm3 = true,
			       .vnb_admin = "paused", .a1_vcpus = 2, .pl12_capacity = 200000000};
	struct fig4_knobs k2 = {.drop_lb24 = true, .la23_limit = 60000000, .b3_admin = "stopped"};

	(void)state;
	each_step_fails(cg_figure4(&k), cg_figure4(&k0), false);
	each_step_fails(cg_figure4(&k0), cg_figure4(&k2), true);
}

/* A VL disabled and enabled in place, every step failing in turn: the
 * world after it equals the world built disabled from nothing (routers
 * defined with the vNIC's link down, VL ends made down). */
static void vl_disable_each_step_fails(void **state)
{
	struct fig4_knobs k = {.la23_disabled = true};
	struct fig4_knobs k2 = {.la23_disabled = true, .a2_cmdline = "console=ttyS0 quiet"};

	(void)state;
	each_step_fails(cg_figure4(&k0), cg_figure4(&k), true);
	each_step_fails(cg_figure4(&k), cg_figure4(&k0), false);
	each_step_fails(NULL, cg_figure4(&k), false);
	/* a2 is redefined in the same transaction: its carrier is still right */
	each_step_fails(cg_figure4(&k0), cg_figure4(&k2), true);
}

/* Disabling touches no domain but the link state of two NICs. */
static void vl_disable_keeps_routers(void **state)
{
	struct fig4_knobs k = {.la23_disabled = true};
	struct cfg a = cfg_of(cg_figure4(&k0)), b = cfg_of(cg_figure4(&k));
	struct fake_world *fw = fake_world_new();
	struct vnm_plan *p;
	struct vnm_drivers d;
	struct vnm_err err;
	char *dump;

	(void)state;
	fake_drivers(fw, &d);
	build(fw, &a);
	fake_reset_counts(fw);
	p = plan_of(&a, &b, true);
	assert_int_equal(vnm_txn_apply(&d, p, NULL, &err), 0);
	assert_int_equal(fake_calls(fw), 3);
	assert_int_equal(fake_count(fw, "vnic_set_link"), 2);
	assert_int_equal(fake_count(fw, "vl_set_up"), 1);
	dump = fake_dump(fw);
	assert_non_null(strstr(dump, " down"));
	free(dump);
	vnm_plan_free(p);
	/* the hypervisor refuses: nothing changed, the error names the vNIC */
	p = plan_of(&b, &a, true);
	fake_fail_op(fw, "vnic_set_link");
	dump = fake_dump(fw);
	assert_int_equal(vnm_txn_apply(&d, p, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "set carrier up on vNIC vn-a/"));
	{
		char *after = fake_dump(fw);

		assert_string_equal(dump, after);
		free(after);
	}
	free(dump);
	vnm_plan_free(p);
	fake_world_free(fw);
	cfg_free(&a);
	cfg_free(&b);
}

static void same_config_twice_calls_nothing(void **state)
{
	struct cfg a = cfg_of(cg_figure4(&k0)), b = cfg_of(cg_figure4(&k0));
	struct fake_world *fw = fake_world_new();
	struct vnm_plan *p;
	struct vnm_drivers d;
	struct vnm_err err;

	(void)state;
	fake_drivers(fw, &d);
	build(fw, &a);
	fake_reset_counts(fw);
	p = plan_of(&a, &b, false);
	assert_int_equal(vnm_txn_apply(&d, p, NULL, &err), 0);
	assert_int_equal(fake_calls(fw), 0);
	vnm_plan_free(p);
	p = plan_of(&a, &b, true);
	assert_int_equal(vnm_txn_apply(&d, p, NULL, &err), 0);
	assert_int_equal(fake_calls(fw), 0);
	vnm_plan_free(p);
	fake_world_free(fw);
	cfg_free(&a);
	cfg_free(&b);
}

/* When the undo fails too, the error says so (inconsistent) and still
 * names the step that failed first. */
static void failed_undo_is_inconsistent(void **state)
{
	struct cfg empty = cfg_of(NULL), f4 = cfg_of(cg_figure4(&k0));
	struct fake_world *fw = fake_world_new();
	struct vnm_plan *p = plan_of(&empty, &f4, false);
	struct vnm_drivers d;
	struct vnm_err err;

	(void)state;
	fake_drivers(fw, &d);
	fake_fail_from(fw, 10);
	assert_int_equal(vnm_txn_apply(&d, p, NULL, &err), -1);
	assert_int_equal(err.code, VNM_E_INCONSISTENT);
	assert_non_null(strstr(err.msg, "step 10/47 "));
	assert_non_null(strstr(err.msg, "undo failed"));
	assert_non_null(strstr(err.msg, "until vnmd repairs it"));
	/* every inverse was still tried */
	assert_int_equal(fake_calls(fw), 10 + 9);
	vnm_plan_free(p);
	fake_world_free(fw);
	cfg_free(&empty);
	cfg_free(&f4);
}

/* A journal kept after success undoes the whole transaction (used when
 * the configuration cannot be saved). */
static void journal_undoes_a_committed_plan(void **state)
{
	struct cfg a = cfg_of(cg_figure4(&k0));
	struct fig4_knobs k = {.a4_extra = true, .b2_on_rm3 = true};
	struct cfg b = cfg_of(cg_figure4(&k));
	struct fake_world *fw = fake_world_new();
	struct vnm_journal *j = NULL;
	struct vnm_plan *p;
	struct vnm_drivers d;
	struct vnm_err err;
	char *before, *after;

	(void)state;
	fake_drivers(fw, &d);
	build(fw, &a);
	before = fake_dump(fw);
	p = plan_of(&a, &b, true);
	assert_int_equal(vnm_txn_apply(&d, p, &j, &err), 0);
	after = fake_dump(fw);
	assert_string_not_equal(before, after);
	free(after);
	assert_int_equal(vnm_txn_undo(&d, j, &err), 0);
	after = fake_dump(fw);
	assert_string_equal(before, after);
	free(after);
	free(before);
	vnm_journal_free(j);
	vnm_plan_free(p);
	fake_world_free(fw);
	cfg_free(&a);
	cfg_free(&b);
}

struct apply_arg {
	const struct vnm_drivers *d;
	const struct vnm_plan *p;
	int rc;
	struct vnm_err err;
};

static void *apply_thread(void *arg)
{
	struct apply_arg *a = arg;

	a->rc = vnm_txn_apply(a->d, a->p, NULL, &a->err);
	return NULL;
}

static unsigned n_steps(const struct vnm_plan *p, enum vnm_step_kind k)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < p->n; i++)
		n += p->steps[i].fwd.kind == k;
	return n;
}

/* Wait (up to 5 s) until fw has seen n calls of op. */
static void wait_calls(struct fake_world *fw, const char *op, unsigned n)
{
	unsigned tries;

	for (tries = 0; tries < 500 && fake_count(fw, op) < n; tries++)
		usleep(10000);
}

/* Building Figure 4 with a hypervisor call held at a gate (op) on a thread
 * of its own: returns when the link lane has shaped every VL. */
static void build_held(struct fake_world *fw, struct apply_arg *a, pthread_t *tid,
		       const char *op)
{
	fake_gate(fw, op);
	assert_int_equal(pthread_create(tid, NULL, apply_thread, a), 0);
	fake_gate_reached(fw);
	wait_calls(fw, "vl_shape", n_steps(a->p, VNM_STEP_VL_SHAPE));
}

/* Building Figure 4: while the first router's definition is held up in
 * the hypervisor, the link lane makes and shapes every VL; then the
 * definitions go on and the world is what one step after the other makes. */
static void links_made_while_routers_are_defined(void **state)
{
	struct cfg empty = cfg_of(NULL), c = cfg_of(cg_figure4(&k0));
	struct fake_world *fw = fake_world_new();
	struct vnm_drivers d;
	struct vnm_plan *p = plan_of(&empty, &c, false);
	struct apply_arg a = {.d = &d, .p = p};
	unsigned n_shape = n_steps(p, VNM_STEP_VL_SHAPE), n_create = n_steps(p, VNM_STEP_VL_CREATE);
	char *after, *want = reference_world(&c);
	pthread_t tid;

	(void)state;
	assert_true(n_shape > 0 && n_create > 0);
	fake_drivers(fw, &d);
	build_held(fw, &a, &tid, "vr_define");
	assert_int_equal(fake_count(fw, "vl_create"), n_create);
	assert_int_equal(fake_count(fw, "vl_shape"), n_shape);
	assert_int_equal(fake_count(fw, "vr_set_state"), 0);
	fake_gate_open(fw);
	pthread_join(tid, NULL);
	assert_int_equal(a.rc, 0);
	after = fake_dump(fw);
	assert_string_equal(after, want);
	free(after);
	free(want);
	vnm_plan_free(p);
	fake_world_free(fw);
	cfg_free(&empty);
	cfg_free(&c);
}

/* A router that fails to start once the link lane has made every VL: the
 * error names that router, and nothing of either lane stays. */
static void router_start_fails_beside_the_links(void **state)
{
	struct cfg empty = cfg_of(NULL), c = cfg_of(cg_figure4(&k0));
	struct fake_world *fw = fake_world_new();
	struct vnm_plan *p = plan_of(&empty, &c, false);
	struct vnm_drivers d;
	struct apply_arg a = {.d = &d, .p = p};
	char *before, *after;
	pthread_t tid;

	(void)state;
	fake_drivers(fw, &d);
	before = fake_dump(fw);
	fake_fail_op(fw, "vr_set_state");
	build_held(fw, &a, &tid, "vr_set_state");
	fake_gate_open(fw);
	pthread_join(tid, NULL);
	assert_int_equal(a.rc, -1);
	assert_int_equal(a.err.code, VNM_E_DRIVER);
	assert_non_null(strstr(a.err.msg, "injected failure of vr_set_state"));
	assert_non_null(strstr(a.err.msg, "router"));
	/* every VL the link lane made was undone */
	assert_int_equal(fake_count(fw, "vl_destroy"), n_steps(p, VNM_STEP_VL_CREATE));
	after = fake_dump(fw);
	assert_string_equal(before, after);
	free(after);
	free(before);
	vnm_plan_free(p);
	fake_world_free(fw);
	cfg_free(&empty);
	cfg_free(&c);
}

/* From every variant of Figure 4 to every other, with and without the
 * diff: the world ends as building the target from nothing makes it. */
static void every_variant_to_every_other(void **state)
{
	const struct fig4_knobs v[] = {
		{0},
		{.la12_guaranteed = 30000000, .pl12_capacity = 200000000},
		{.a4_extra = true, .a1_vcpus = 2},
		{.b2_on_rm3 = true, .vnb_admin = "paused"},
		{.drop_lb24 = true, .b3_admin = "stopped"},
		{.a2_cmdline = "console=ttyS0 quiet", .la23_limit = 60000000, .vnb_admin = "stopped"},
		{.a4_extra = true, .b2_on_rm3 = true, .a2_cmdline = "x", .b3_admin = "paused"},
	};
	size_t n = sizeof(v) / sizeof(v[0]), i, j;
	int use_diff;

	(void)state;
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			for (use_diff = 0; use_diff < 2; use_diff++) {
				struct cfg a = cfg_of(cg_figure4(&v[i])), b = cfg_of(cg_figure4(&v[j]));
				struct fake_world *fw = fake_world_new();
				struct vnm_plan *p = plan_of(&a, &b, use_diff);
				struct vnm_drivers d;
				struct vnm_err err;
				char *got, *want;

				fake_drivers(fw, &d);
				build(fw, &a);
				if (vnm_txn_apply(&d, p, NULL, &err))
					fail_msg("variant %zu -> %zu: %s", i, j, err.msg);
				got = fake_dump(fw);
				want = reference_world(&b);
				if (strcmp(got, want)) {
					fprintf(stderr, "variant %zu -> %zu (diff %d)\n", i, j, use_diff);
					assert_string_equal(got, want);
				}
				if (i == j)
					assert_int_equal(p->n, 0);
				free(got);
				free(want);
				vnm_plan_free(p);
				fake_world_free(fw);
				cfg_free(&a);
				cfg_free(&b);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(figure4_build_each_step_fails),
		cmocka_unit_test(figure4_teardown_each_step_fails),
		cmocka_unit_test(figure4_modify_each_step_fails),
		cmocka_unit_test(shipped_figure4_each_step_fails),
		cmocka_unit_test(figure4_modify_back_each_step_fails),
		cmocka_unit_test(vl_disable_each_step_fails),
		cmocka_unit_test(vl_disable_keeps_routers),
		cmocka_unit_test(same_config_twice_calls_nothing),
		cmocka_unit_test(every_variant_to_every_other),
		cmocka_unit_test(failed_undo_is_inconsistent),
		cmocka_unit_test(journal_undoes_a_committed_plan),
		cmocka_unit_test(links_made_while_routers_are_defined),
		cmocka_unit_test(router_start_fails_beside_the_links),
	};

	vnm_log_set_level(VNM_LOG_SILENT); /* failures are the point here: keep quiet */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
