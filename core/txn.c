/*
 * txn.c - apply a plan with an undo journal (see txn.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "txn.h"

struct vnm_journal {
	const struct vnm_step **inv;
	size_t n, cap;
};

static pthread_mutex_t txn_lock = PTHREAD_MUTEX_INITIALIZER;

void vnm_journal_free(struct vnm_journal *j)
{
	if (!j)
		return;
	free(j->inv);
	free(j);
}

static int journal_push(struct vnm_journal *j, const struct vnm_step *inv)
{
	if (j->n == j->cap) {
		size_t ncap = j->cap ? j->cap * 2 : 16;
		const struct vnm_step **nv = realloc(j->inv, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		j->inv = nv;
		j->cap = ncap;
	}
	j->inv[j->n++] = inv;
	return 0;
}

/* Play the journal back, newest first; keep going past failures.  The
 * first failure is described in err. */
static int undo_locked(const struct vnm_drivers *drv, struct vnm_journal *j,
		       struct vnm_err *err)
{
	struct vnm_err e;
	char what[256];
	size_t n_failed = 0;

	while (j->n > 0) {
		const struct vnm_step *s = j->inv[--j->n];

		vnm_err_clear(&e);
		if (!vnm_step_run(drv, s, &e))
			continue;
		vnm_step_describe(s, what, sizeof(what));
		vnm_log(VNM_LOG_ERR, "undo failed: %s: %s", what, e.msg);
		if (!n_failed++)
			vnm_err_set(err, VNM_E_INCONSISTENT, e.path, "undo failed: %s: %s", what,
				    e.msg);
	}
	return n_failed ? -1 : 0;
}

int vnm_txn_undo(const struct vnm_drivers *drv, struct vnm_journal *j, struct vnm_err *err)
{
	int rc;

	if (!j)
		return 0;
	pthread_mutex_lock(&txn_lock);
	rc = undo_locked(drv, j, err);
	pthread_mutex_unlock(&txn_lock);
	if (rc)
		vnm_err_prefix(err, "reality no longer matches the running configuration "
				    "until vnmd repairs it (it reconciles again until it succeeds)");
	return rc;
}

/*
 * Two lanes.  A plan that makes many routers and their VLs has a run of
 * router steps (define, start) right before a run of VL steps (create,
 * shape): the first is the hypervisor's work (libvirt: 1.1 s for 400
 * routers), the second the kernel's (tc: 3 s for 10,000 VLs), and neither
 * needs the other (a VL's ends hang in port bridges, or in the shared
 * datapath in BPF maps, made before both; a router's start plugs its taps
 * through the link driver, under its lock, whichever came first).  Such a
 * pair of runs goes on the machine's two cores at once: the router run on
 * a thread of its own, the VL run here.  Each lane stops at its first
 * failure, and at the other's; the journal gets the inverses of what each
 * applied, router lane first (the plan's order), so that an undo takes
 * back the VL steps before the routers.  Small runs stay sequential: a
 * thread costs more than it saves there, and the order of calls is then
 * the plan's, which the unit tests of failures at each step rely on.
 */
#define LANE_MIN 32

struct lane {
	const struct vnm_drivers *drv;
	const struct vnm_plan *p;
	size_t from, to, done;     /* steps [from, done) applied */
	bool failed;
	struct vnm_err err;
	atomic_bool *stop;
};

static bool hv_lane_kind(enum vnm_step_kind k)
{
	return k == VNM_STEP_VR_DEFINE || k == VNM_STEP_VR_STATE;
}

static bool link_lane_kind(enum vnm_step_kind k)
{
	return k == VNM_STEP_VL_CREATE || k == VNM_STEP_VL_SHAPE;
}

static void *lane_run(void *arg)
{
	struct lane *l = arg;

	for (l->done = l->from; l->done < l->to && !atomic_load(l->stop); l->done++) {
		vnm_err_clear(&l->err);
		if (vnm_step_run(l->drv, &l->p->steps[l->done].fwd, &l->err)) {
			l->failed = true;
			atomic_store(l->stop, true);
			break;
		}
	}
	return NULL;
}

/* The end of the run of steps from i whose kinds pass is_kind. */
static size_t run_end(const struct vnm_plan *p, size_t i, bool (*is_kind)(enum vnm_step_kind))
{
	while (i < p->n && is_kind(p->steps[i].fwd.kind))
		i++;
	return i;
}

/* Run the two lanes from i when the plan has them there: 0 and *next set
 * (both ran, each applied step's inverse journaled), 1 when it has none
 * (and none start before *next),
 * -1 with *failed the plan index of the first failed step and *e its error
 * (what was applied is journaled), -2 out of memory journaling (the step
 * without an inverse on record is *failed, taken back already). */
static int lanes(const struct vnm_drivers *drv, const struct vnm_plan *p, size_t i,
		 struct vnm_journal *j, size_t *next, size_t *failed, struct vnm_err *e)
{
	size_t h_end = run_end(p, i, hv_lane_kind), l_end = run_end(p, h_end, link_lane_kind);
	atomic_bool stop;
	struct lane hv = {.drv = drv, .p = p, .from = i, .to = h_end, .stop = &stop};
	struct lane ln = {.drv = drv, .p = p, .from = h_end, .to = l_end, .stop = &stop};
	struct lane *both[2] = {&hv, &ln};
	pthread_t tid;
	size_t k, s;

	*next = h_end > i ? h_end : i + 1; /* no lanes before there */
	if (h_end - i < LANE_MIN || l_end - h_end < LANE_MIN)
		return 1;
	atomic_init(&stop, false);
	if (pthread_create(&tid, NULL, lane_run, &hv))
		return 1; /* no thread: the plan's order, one by one */
	vnm_log(VNM_LOG_DEBUG, "steps %zu-%zu (routers) and %zu-%zu (links) in two lanes", i + 1,
		h_end, h_end + 1, l_end);
	lane_run(&ln);
	pthread_join(tid, NULL);
	for (k = 0; k < 2; k++)
		for (s = both[k]->from; s < both[k]->done; s++) {
			const struct vnm_step *inv = &p->steps[s].inv;

			if (inv->kind != VNM_STEP_NONE && journal_push(j, inv)) {
				vnm_step_run(drv, inv, e);
				*failed = s;
				return -2;
			}
		}
	*next = l_end;
	if (!hv.failed && !ln.failed)
		return 0;
	*failed = hv.failed ? hv.done : ln.done;
	*e = hv.failed ? hv.err : ln.err;
	return -1;
}

int vnm_txn_apply(const struct vnm_drivers *drv, const struct vnm_plan *p,
		  struct vnm_journal **journal, struct vnm_err *err)
{
	struct vnm_journal *j = calloc(1, sizeof(*j));
	struct vnm_err e, ue;
	char what[256];
	size_t i, lane_from = 0;
	int rc = -1;

	if (journal)
		*journal = NULL;
	if (!j)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory starting a transaction");
	pthread_mutex_lock(&txn_lock);
	/* Refusals that only the drivers can tell (a hypervisor that cannot
	 * migrate) come before the first step changes anything. */
	for (i = 0; i < p->n; i++) {
		vnm_err_clear(&e);
		if (vnm_step_check(drv, &p->steps[i].fwd, &e) == 0)
			continue;
		vnm_step_describe(&p->steps[i].fwd, what, sizeof(what));
		vnm_err_set(err, e.code == VNM_OK ? VNM_E_DRIVER : e.code, e.path,
			    "cannot %s: %s; nothing was changed", what, e.msg[0] ? e.msg : "refused");
		goto cleanup;
	}
	for (i = 0; i < p->n; i++) {
		const struct vnm_plan_step *ps = &p->steps[i];
		size_t next = 0, failed = 0;
		int lrc = 1;

		vnm_err_clear(&e);
		if (i >= lane_from && (lrc = lanes(drv, p, i, j, &next, &failed, &e)) == 1)
			lane_from = next;
		if (lrc == 0) {
			i = next - 1;
			continue;
		}
		if (lrc == -2) {
			vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory journaling step %zu/%zu",
				    failed + 1, p->n);
			undo_locked(drv, j, &ue);
			goto cleanup;
		}
		if (lrc == -1) {
			i = failed;
			ps = &p->steps[i];
			goto step_failed;
		}
		if (vnm_log_get_level() >= VNM_LOG_DEBUG) {
			vnm_step_describe(&ps->fwd, what, sizeof(what));
			vnm_log(VNM_LOG_DEBUG, "step %zu/%zu %s", i + 1, p->n, what);
		}
		if (vnm_step_run(drv, &ps->fwd, &e)) {
step_failed:
			vnm_step_describe(&ps->fwd, what, sizeof(what));
			vnm_err_set(err, e.code == VNM_OK ? VNM_E_DRIVER : e.code, e.path,
				    "step %zu/%zu %s: %s", i + 1, p->n, what,
				    e.msg[0] ? e.msg : "failed");
			vnm_log(VNM_LOG_WARNING, "%s; undoing %zu applied step(s)", err ? err->msg : what,
				j->n);
			vnm_err_clear(&ue);
			if (undo_locked(drv, j, &ue) && err) {
				char first[sizeof(err->msg)];

				memcpy(first, err->msg, sizeof(first));
				err->code = VNM_E_INCONSISTENT;
				snprintf(err->msg, sizeof(err->msg),
					 "%s; then %s; reality no longer matches the running "
					 "configuration until vnmd repairs it (it reconciles again until it "
					 "succeeds)",
					 first, ue.msg);
			}
			goto cleanup;
		}
		if (ps->inv.kind != VNM_STEP_NONE && journal_push(j, &ps->inv)) {
			vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory journaling step %zu/%zu",
				    i + 1, p->n);
			/* the step is applied but has no inverse on record:
			 * undo it now, then the rest */
			vnm_step_run(drv, &ps->inv, &ue);
			undo_locked(drv, j, &ue);
			goto cleanup;
		}
	}
	rc = 0;
	if (journal) {
		*journal = j;
		j = NULL;
	}
cleanup:
	pthread_mutex_unlock(&txn_lock);
	vnm_journal_free(j);
	return rc;
}

int vnm_txn_run_all(const struct vnm_drivers *drv, const struct vnm_plan *p,
		    size_t *n_failed, struct vnm_err *err)
{
	struct vnm_err e;
	char what[256];
	size_t i, failed = 0;

	pthread_mutex_lock(&txn_lock);
	for (i = 0; i < p->n; i++) {
		vnm_err_clear(&e);
		if (!vnm_step_run(drv, &p->steps[i].fwd, &e))
			continue;
		vnm_step_describe(&p->steps[i].fwd, what, sizeof(what));
		vnm_log(VNM_LOG_ERR, "step %zu/%zu %s: %s", i + 1, p->n, what, e.msg);
		if (!failed++)
			vnm_err_set(err, e.code == VNM_OK ? VNM_E_DRIVER : e.code, e.path,
				    "step %zu/%zu %s: %s", i + 1, p->n, what, e.msg);
	}
	pthread_mutex_unlock(&txn_lock);
	if (n_failed)
		*n_failed = failed;
	return failed ? -1 : 0;
}
