/*
 * test_core.c - the core as the NETCONF server and the SNMP agent use it:
 * commit (validate, plan, apply, persist), restart with reconciliation,
 * the startup datastore, snapshots and events, over the fake drivers.
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
#include <sys/stat.h>
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

static const struct fig4_knobs k0;

struct fx {
	char dir[64];
	struct fake_world *fw;
	struct vnm_core *c;
};

static void rm_state(const char *dir)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, VNM_STORE_RUNNING);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s", dir, VNM_STORE_STARTUP);
	unlink(p);
	rmdir(dir);
}

static struct vnm_core *core_open(struct fx *f, bool reconcile, bool from_startup)
{
	struct vnm_core_opts o = {0};
	struct vnm_core *c = NULL;
	struct vnm_err err;

	o.ctx = fx_ctx();
	o.state_dir = f->dir;
	o.reconcile = reconcile;
	o.from_startup = from_startup;
	o.refresh_ms = 50;
	fake_drivers(f->fw, &o.drv);
	if (vnm_core_new(&o, &c, &err)) {
		fprintf(stderr, "vnm_core_new: %s\n", err.msg);
		fail();
	}
	return c;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/vnmt-core-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->fw = fake_world_new();
	f->c = core_open(f, true, false);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vnm_core_free(f->c);
	fake_world_free(f->fw);
	rm_state(f->dir);
	free(f);
	return 0;
}

static char *print(const struct lyd_node *t)
{
	char *s = NULL;

	if (!t)
		return strdup("");
	lyd_print_mem(&s, t, LYD_XML, LYD_PRINT_WITHSIBLINGS);
	return s;
}

static char *running_str(struct vnm_core *c)
{
	struct lyd_node *t = NULL;
	struct vnm_err err;
	char *s;

	assert_int_equal(vnm_core_running(c, &t, &err), 0);
	s = print(t);
	lyd_free_all(t);
	return s;
}

static char *file_str(const char *dir, const char *name)
{
	struct lyd_node *t = NULL;
	struct vnm_err err;
	char *s;

	assert_int_equal(vnm_store_load(fx_ctx(), dir, name, &t, &err), 0);
	s = print(t);
	lyd_free_all(t);
	return s;
}

static void commit_xml(struct vnm_core *c, char *xml)
{
	struct lyd_node *t = fx_tree_take(xml);
	struct vnm_err err;

	if (vnm_core_commit(c, t, NULL, &err)) {
		fprintf(stderr, "commit: %s\n", err.msg);
		fail();
	}
	lyd_free_all(t);
}

/* The snapshot thread publishes asynchronously: wait (bounded) until it
 * shows generation gen. */
static struct vnm_snapshot *snapshot_at(struct vnm_core *c, uint64_t gen)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	struct vnm_snapshot *s;
	int i;

	for (i = 0; i < 1000; i++) {
		s = vnm_core_snapshot(c);
		if (s && s->generation >= gen)
			return s;
		vnm_snapshot_unref(s);
		nanosleep(&ts, NULL);
	}
	fail_msg("no snapshot of generation %llu", (unsigned long long)gen);
	return NULL;
}

/* ------------------------------------------------------------------ */

static void commit_builds_persists_and_snapshots(void **state)
{
	struct fx *f = *state;
	struct vnm_snapshot *s;
	char *run, *file;
	size_t i;

	commit_xml(f->c, cg_figure4(&k0));
	assert_int_equal(fake_n(f->fw, "dom"), 8);
	assert_int_equal(fake_domain_state(f->fw, "rm3", "vnmd-vn-b-b3"), VNM_VR_RUNNING);
	run = running_str(f->c);
	file = file_str(f->dir, VNM_STORE_RUNNING);
	assert_string_equal(run, file);
	assert_non_null(strstr(run, "lb14"));
	free(run);
	free(file);

	s = snapshot_at(f->c, 1);
	assert_int_equal(s->n_vns, 2);
	assert_int_equal(s->n_vrs, 8);
	assert_int_equal(s->n_vls, 6);
	assert_string_equal(s->vrs[0].vn, "vn-a");
	assert_string_equal(s->vrs[0].name, "a1");
	assert_string_equal(s->vrs[7].name, "b4");
	for (i = 0; i < s->n_vrs; i++)
		assert_int_equal(s->vrs[i].oper, VNM_VR_RUNNING);
	for (i = 0; i < s->n_vls; i++)
		assert_true(s->vls[i].up);
	assert_int_equal(s->vns[1].oper, VNM_VR_RUNNING);
	assert_int_equal(s->vns[1].n_vrs, 4);
	vnm_snapshot_unref(s);
}

/* Once a commit returned, the very next snapshot shows it: a client that
 * edits then reads (an NMS after an action) never sees the old state. */
static void reads_see_their_writes(void **state)
{
	struct fx *f = *state;
	struct vnm_snapshot *s;
	int i;

	for (i = 1; i <= 3; i++) {
		struct fig4_knobs k = k0;

		k.la12_guaranteed = (uint64_t)i * 1000000;
		commit_xml(f->c, cg_figure4(&k));
		s = vnm_core_snapshot(f->c);
		assert_non_null(s);
		assert_int_equal(s->generation, (uint64_t)i);
		assert_int_equal(s->n_vrs, 8);
		vnm_snapshot_unref(s);
	}
}

static void same_config_twice_calls_no_driver(void **state)
{
	struct fx *f = *state;
	struct lyd_node *a = fx_tree_take(cg_figure4(&k0)), *b = fx_tree_take(cg_figure4(&k0));
	struct lyd_node *diff = fx_diff(a, b);
	struct vnm_err err;

	assert_int_equal(vnm_core_commit(f->c, a, NULL, &err), 0);
	fake_reset_counts(f->fw);
	assert_int_equal(vnm_core_commit(f->c, b, NULL, &err), 0);
	assert_int_equal(fake_calls(f->fw), 0);
	assert_int_equal(vnm_core_commit(f->c, b, diff, &err), 0);
	assert_int_equal(fake_calls(f->fw), 0);
	lyd_free_all(a);
	lyd_free_all(b);
	lyd_free_all(diff);
}

/* A commit that takes the caller's tree: on success running is that very
 * tree (no copy) and the caller's pointer is cleared; on failure the
 * caller keeps it, and running is as before. */
static void commit_take_owns_the_tree_only_on_success(void **state)
{
	struct fx *f = *state;
	struct fig4_knobs k = {.lb14_delay = 5000};
	struct lyd_node *a = fx_tree_take(cg_figure4(&k0)), *bad = fx_tree_take(cg_figure4(&k));
	struct lyd_node *run = NULL, *keep = a;
	struct vnm_err err;

	assert_int_equal(vnm_core_commit_take(f->c, &a, NULL, &err), 0);
	assert_null(a);
	assert_int_equal(vnm_core_running(f->c, &run, &err), 0);
	assert_non_null(run);
	assert_ptr_not_equal(run, keep); /* reads get copies */
	assert_int_equal(lyd_compare_siblings(run, keep, LYD_COMPARE_FULL_RECURSION), LY_SUCCESS);
	lyd_free_all(run);
	/* refused (netem): the tree stays the caller's */
	assert_int_equal(vnm_core_commit_take(f->c, &bad, NULL, &err), -1);
	assert_non_null(bad);
	assert_non_null(strstr(err.msg, "sch_netem"));
	assert_int_equal(vnm_core_running(f->c, &run, &err), 0);
	assert_int_equal(lyd_compare_siblings(run, keep, LYD_COMPARE_FULL_RECURSION), LY_SUCCESS);
	lyd_free_all(run);
	lyd_free_all(bad);
}

/* Figure 4 committed, then a commit of t whose apply fails at the 4th
 * driver call and whose undo fails too: reality is left to repair.  The
 * world as it was before (fake_dump, malloc'd). */
static char *fail_undo(struct fx *f, struct lyd_node *t, struct vnm_err *err)
{
	char *world;

	commit_xml(f->c, cg_figure4(&k0));
	world = fake_dump(f->fw);
	fake_reset_counts(f->fw);
	fake_fail_from(f->fw, 4);
	assert_int_equal(vnm_core_commit(f->c, t, NULL, err), -1);
	assert_int_equal(err->code, VNM_E_INCONSISTENT);
	return world;
}

/* Whether the fake world comes back to world within tries x 50 ms. */
static void world_comes_back(struct fx *f, const char *world, int tries)
{
	char *now = NULL;
	int i;

	for (i = 0; i < tries; i++) {
		free(now);
		now = fake_dump(f->fw);
		if (!strcmp(world, now))
			break;
		usleep(50000);
	}
	assert_string_equal(world, now);
	free(now);
}

/* A transaction whose undo fails too (libvirtd gone in the middle of it)
 * leaves reality to repair: vnmd reconciles by itself, without an edit,
 * once the drivers work again. */
static void failed_undo_is_repaired(void **state)
{
	struct fx *f = *state;
	struct fig4_knobs k = {.a4_extra = true, .b2_on_rm3 = true, .la12_guaranteed = 20000000};
	struct lyd_node *t = fx_tree_take(cg_figure4(&k));
	struct vnm_err err;
	char *world = fail_undo(f, t, &err), *now;

	assert_non_null(strstr(err.msg, "repairs"));
	now = fake_dump(f->fw);
	assert_string_not_equal(world, now);
	free(now);
	fake_fail_from(f->fw, 0);
	world_comes_back(f, world, 200);
	free(world);
	lyd_free_all(t);
}

/* The repair of a failed transaction does not wait for the pace of full
 * refreshes (ten times the last one's cost): it is retried every
 * VNM_REPAIR_PERIOD_MS (2 s) once the drivers work again, also after a
 * full refresh that waited long for the hypervisor (libvirtd coming back
 * answers seconds late). */
static void repair_does_not_wait_for_a_slow_refresh(void **state)
{
	struct fx *f = *state;
	struct fig4_knobs k = {.a4_extra = true, .b2_on_rm3 = true, .la12_guaranteed = 20000000};
	struct lyd_node *t = fx_tree_take(cg_figure4(&k));
	struct timespec t0, t1;
	struct vnm_err err;
	char *world = fail_undo(f, t, &err);
	int i;

	/* the first repair was tried (and failed; the fake's is over in well
	 * under 200 ms): the next is 2 s away, so the next vr_status is a
	 * full refresh's, held 1.5 s (a pace of 15 s) */
	for (i = 0; i < 100 && !fake_count(f->fw, "hv_list_own"); i++)
		usleep(20000);
	assert_int_not_equal(fake_count(f->fw, "hv_list_own"), 0);
	usleep(200000);
	fake_gate(f->fw, "vr_status");
	fake_gate_reached(f->fw);
	usleep(1500000);
	fake_fail_from(f->fw, 0);
	fake_gate_open(f->fw);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	world_comes_back(f, world, 100);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* within a repair period or two, not the refreshes' 15 s */
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	free(world);
	lyd_free_all(t);
}

/* Full refreshes are paced by the CPU they cost, not by their wall time:
 * one that waited 1.5 s for the hypervisor (the fake's gate) leaves the
 * next at the fixture's 50 ms period, not 15 s away. */
static void refresh_paced_by_its_work(void **state)
{
	struct fx *f = *state;
	unsigned before;
	int i;

	commit_xml(f->c, cg_figure4(&k0));
	/* the commit's own refresh is over: the next router read is the
	 * timer's, a full refresh */
	usleep(300000);
	fake_gate(f->fw, "vr_status");
	fake_gate_reached(f->fw);
	usleep(1500000);
	fake_gate_open(f->fw);
	/* the held refresh ends; then a full refresh reads every router again */
	usleep(200000);
	before = fake_count(f->fw, "vr_status");
	for (i = 0; i < 60 && fake_count(f->fw, "vr_status") == before; i++)
		usleep(50000);
	assert_int_not_equal(fake_count(f->fw, "vr_status"), before);
}

/* A commit that fails in the middle leaves reality, running and the file
 * as they were. */
static void failed_commit_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct fig4_knobs k = {.a4_extra = true, .b2_on_rm3 = true, .la12_guaranteed = 20000000};
	struct lyd_node *t = fx_tree_take(cg_figure4(&k)), *diff;
	char *world, *run, *file, *now;
	struct vnm_err err;
	struct lyd_node *cur = NULL;

	commit_xml(f->c, cg_figure4(&k0));
	world = fake_dump(f->fw);
	run = running_str(f->c);
	file = file_str(f->dir, VNM_STORE_RUNNING);
	assert_int_equal(vnm_core_running(f->c, &cur, &err), 0);
	diff = fx_diff(cur, t);
	for (unsigned n = 1; n <= 9; n += 4) {
		/* the failure before left a repair pending: a commit of running
		 * itself runs it (and changes nothing) before calls are counted */
		assert_int_equal(vnm_core_commit(f->c, cur, NULL, &err), 0);
		now = fake_dump(f->fw);
		assert_string_equal(world, now);
		free(now);
		fake_reset_counts(f->fw);
		fake_fail_at(f->fw, n);
		assert_int_equal(vnm_core_commit(f->c, t, n == 5 ? diff : NULL, &err), -1);
		assert_int_equal(err.code, VNM_E_DRIVER);
		assert_non_null(strstr(err.msg, "step "));
		now = fake_dump(f->fw);
		assert_string_equal(world, now);
		free(now);
		now = running_str(f->c);
		assert_string_equal(run, now);
		free(now);
		now = file_str(f->dir, VNM_STORE_RUNNING);
		assert_string_equal(file, now);
		free(now);
	}
	fake_fail_at(f->fw, 0);
	assert_int_equal(vnm_core_commit(f->c, t, diff, &err), 0);
	now = running_str(f->c);
	assert_string_not_equal(run, now);
	free(now);
	free(world);
	free(run);
	free(file);
	lyd_free_all(t);
	lyd_free_all(cur);
	lyd_free_all(diff);
}

/* netem is missing on this kernel: a VL with delay is refused before any
 * driver call, naming the module and the link. */
static void netem_refused_before_any_step(void **state)
{
	struct fx *f = *state;
	struct fig4_knobs k = {.lb14_delay = 5000};
	struct lyd_node *t = fx_tree_take(cg_figure4(&k));
	struct vnm_err err;

	fake_reset_counts(f->fw);
	assert_int_equal(vnm_core_commit(f->c, t, NULL, &err), -1);
	assert_int_equal(err.code, VNM_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "sch_netem"));
	assert_non_null(strstr(err.msg, "vn-b/lb14"));
	assert_non_null(strstr(err.path, "lb14"));
	assert_int_equal(fake_calls(f->fw), 0);
	assert_int_equal(vnm_core_validate(f->c, t, &err), -1);
	assert_int_equal(err.code, VNM_E_UNSUPPORTED);
	lyd_free_all(t);
}

static void invalid_config_refused_before_any_step(void **state)
{
	struct fx *f = *state;
	/* more guaranteed than pl12 carries */
	struct fig4_knobs k = {.la12_guaranteed = 500000000};
	struct lyd_node *t = fx_tree_take(cg_figure4(&k));
	struct vnm_err err;

	fake_reset_counts(f->fw);
	assert_int_equal(vnm_core_commit(f->c, t, NULL, &err), -1);
	assert_int_not_equal(err.code, VNM_E_DRIVER);
	assert_int_equal(fake_calls(f->fw), 0);
	lyd_free_all(t);
}

/* A running configuration that cannot be saved is not committed. */
static void unsaveable_commit_is_undone(void **state)
{
	struct fx *f = *state;
	char *world, *now;
	struct vnm_err err;
	struct lyd_node *t = fx_tree_take(cg_figure4(&k0));

	world = fake_dump(f->fw);
	rm_state(f->dir); /* the state directory is gone */
	assert_int_equal(vnm_core_commit(f->c, t, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "undone"));
	now = fake_dump(f->fw);
	assert_string_equal(world, now);
	free(now);
	free(world);
	assert_int_equal(mkdir(f->dir, 0700), 0);
	lyd_free_all(t);
}

/* Restart: the running file comes back, reality is adopted as it is. */
static void restart_adopts_without_restarting(void **state)
{
	struct fx *f = *state;
	char *world, *now, *run;

	commit_xml(f->c, cg_figure4(&k0));
	world = fake_dump(f->fw);
	run = running_str(f->c);
	vnm_core_free(f->c);
	fake_put(f->fw, "dom", "rm1", "vnmd-vn-gone-x", "vn-gone", "x", true);
	fake_reset_counts(f->fw);
	f->c = core_open(f, true, false);
	assert_int_equal(fake_count(f->fw, "vr_define"), 0);
	assert_int_equal(fake_count(f->fw, "vr_set_state"), 0);
	assert_int_equal(fake_count(f->fw, "hv_remove_own"), 1);
	now = fake_dump(f->fw);
	assert_string_equal(world, now);
	free(now);
	now = running_str(f->c);
	assert_string_equal(run, now);
	free(now);
	free(world);
	free(run);
}

static void startup_datastore(void **state)
{
	struct fx *f = *state;
	struct fig4_knobs k = {.drop_lb24 = true};
	struct lyd_node *t = fx_tree_take(cg_figure4(&k)), *back = NULL;
	char *a, *b;
	struct vnm_err err;

	commit_xml(f->c, cg_figure4(&k0));
	assert_int_equal(vnm_core_startup_load(f->c, &back, &err), 0);
	assert_null(back);
	assert_int_equal(vnm_core_startup_save(f->c, t, &err), 0);
	assert_int_equal(vnm_core_startup_load(f->c, &back, &err), 0);
	a = print(t);
	b = print(back);
	assert_string_equal(a, b);
	free(b);
	lyd_free_all(back);
	/* start from startup: reality and running follow it */
	vnm_core_free(f->c);
	f->c = core_open(f, true, true);
	b = running_str(f->c);
	assert_string_equal(a, b);
	free(b);
	b = file_str(f->dir, VNM_STORE_RUNNING);
	assert_string_equal(a, b);
	free(b);
	assert_true(fake_has(f->fw, "shape", "-", "vn-b/lb23@pl23"));
	/* lb24's ends were leftovers: its shaping went with them */
	assert_int_equal(fake_n(f->fw, "shape"), 7);
	assert_int_equal(fake_n(f->fw, "dom"), 8);
	assert_int_equal(vnm_core_startup_delete(f->c, &err), 0);
	assert_int_equal(vnm_core_startup_load(f->c, &back, &err), 0);
	assert_null(back);
	free(a);
	lyd_free_all(t);
}

struct ev_log {
	pthread_mutex_t lock;
	int config, vr_oper;
	uint64_t last_gen;
	char last_vr[64];
	enum vnm_vr_oper last_state;
};

static void on_event(void *arg, const struct vnm_event *ev)
{
	struct ev_log *l = arg;

	pthread_mutex_lock(&l->lock);
	if (ev->kind == VNM_EV_CONFIG) {
		l->config++;
		l->last_gen = ev->generation;
	} else if (ev->kind == VNM_EV_VR_OPER) {
		l->vr_oper++;
		snprintf(l->last_vr, sizeof(l->last_vr), "%s/%s", ev->vn, ev->obj);
		l->last_state = ev->vr_state;
	}
	pthread_mutex_unlock(&l->lock);
}

static void events_for_commits_and_driver_changes(void **state)
{
	struct fx *f = *state;
	struct ev_log l = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct vnm_snapshot *s;

	assert_int_equal(vnm_core_subscribe(f->c, on_event, &l), 0);
	commit_xml(f->c, cg_figure4(&k0));
	pthread_mutex_lock(&l.lock);
	assert_int_equal(l.config, 1);
	assert_int_equal(l.last_gen, 1);
	pthread_mutex_unlock(&l.lock);
	s = snapshot_at(f->c, 1);
	vnm_snapshot_unref(s);
	fake_vr_event(f->fw, "rm3", "vnmd-vn-b-b3", VNM_VR_CRASHED, "crashed");
	pthread_mutex_lock(&l.lock);
	assert_string_equal(l.last_vr, "vn-b/b3");
	assert_int_equal(l.last_state, VNM_VR_CRASHED);
	pthread_mutex_unlock(&l.lock);
}

/* The hypervisor's events that no snapshot matches (a state a router had
 * only between two snapshots, a router that came and went) are not kept
 * for ever: the list of events waiting for a snapshot to match them
 * follows what happens now, not everything that ever happened. */
static void unmatched_router_events_are_forgotten(void **state)
{
	struct fx *f = *state;
	struct fig4_knobs k = {.a1_vcpus = 3};
	struct vnm_snapshot *s;
	size_t n, cap;
	int i;

	commit_xml(f->c, cg_figure4(&k0));
	vnm_snapshot_unref(snapshot_at(f->c, 1));
	/* b3 runs: a snapshot sees no change, so nothing consumes these */
	for (i = 0; i < 200; i++)
		fake_vr_event(f->fw, "rm3", "vnmd-vn-b-b3", VNM_VR_RUNNING, "booted");
	pthread_mutex_lock(&f->c->slock);
	n = f->c->n_ann;
	f->c->ann_max_age_ms = 0; /* the next snapshot is past their time */
	pthread_mutex_unlock(&f->c->slock);
	assert_int_equal(n, 200);
	commit_xml(f->c, cg_figure4(&k));
	s = snapshot_at(f->c, 2);
	vnm_snapshot_unref(s);
	pthread_mutex_lock(&f->c->slock);
	n = f->c->n_ann;
	cap = f->c->cap_ann;
	pthread_mutex_unlock(&f->c->slock);
	assert_int_equal(n, 0);
	assert_int_equal(cap, 0);
}

struct committer {
	struct vnm_core *c;
	struct lyd_node *t;
	int rc;
	struct vnm_err err;
};

static void *commit_thread(void *arg)
{
	struct committer *cm = arg;

	cm->rc = vnm_core_commit(cm->c, cm->t, NULL, &cm->err);
	return NULL;
}

/* While a transaction is stuck in a driver call, the snapshot, running
 * and startup can still be read. */
static void reads_never_wait_for_a_transaction(void **state)
{
	struct fx *f = *state;
	struct fig4_knobs k = {.a1_vcpus = 3};
	struct committer cm = {.c = f->c};
	struct lyd_node *st = NULL;
	struct vnm_snapshot *s;
	struct vnm_err err;
	pthread_t th;
	char *run;

	commit_xml(f->c, cg_figure4(&k0));
	cm.t = fx_tree_take(cg_figure4(&k));
	fake_gate(f->fw, "vr_set_resources");
	assert_int_equal(pthread_create(&th, NULL, commit_thread, &cm), 0);
	fake_gate_reached(f->fw);
	alarm(60); /* a read that waits would hang: fail instead */
	s = vnm_core_snapshot(f->c);
	assert_non_null(s);
	assert_int_equal(s->n_vrs, 8);
	vnm_snapshot_unref(s);
	run = running_str(f->c);
	assert_null(strstr(run, "<vcpus>3</vcpus>"));
	free(run);
	assert_int_equal(vnm_core_startup_load(f->c, &st, &err), 0);
	lyd_free_all(st);
	alarm(0);
	fake_gate_open(f->fw);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(cm.rc, 0);
	run = running_str(f->c);
	assert_non_null(strstr(run, "<vcpus>3</vcpus>"));
	free(run);
	lyd_free_all(cm.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(commit_builds_persists_and_snapshots, setup, teardown),
		cmocka_unit_test_setup_teardown(reads_see_their_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(same_config_twice_calls_no_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(commit_take_owns_the_tree_only_on_success, setup,
						teardown),
		cmocka_unit_test_setup_teardown(failed_commit_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_undo_is_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(refresh_paced_by_its_work, setup, teardown),
		cmocka_unit_test_setup_teardown(repair_does_not_wait_for_a_slow_refresh, setup,
						teardown),
		cmocka_unit_test_setup_teardown(netem_refused_before_any_step, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_config_refused_before_any_step, setup, teardown),
		cmocka_unit_test_setup_teardown(unsaveable_commit_is_undone, setup, teardown),
		cmocka_unit_test_setup_teardown(restart_adopts_without_restarting, setup, teardown),
		cmocka_unit_test_setup_teardown(startup_datastore, setup, teardown),
		cmocka_unit_test_setup_teardown(events_for_commits_and_driver_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(unmatched_router_events_are_forgotten, setup, teardown),
		cmocka_unit_test_setup_teardown(reads_never_wait_for_a_transaction, setup, teardown),
	};

	vnm_log_set_level(VNM_LOG_SILENT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
