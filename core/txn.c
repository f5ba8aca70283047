/*
 * txn.c - apply a plan with an undo journal (see txn.h).
 */
#include <pthread.h>
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
 * Step i failed as e says: name it in err and undo what j holds.  When an
 * undo fails too, err says that reality no longer matches.
 */
static void step_failed(const struct vnm_drivers *drv, const struct vnm_plan *p, size_t i,
			const struct vnm_err *e, struct vnm_journal *j, struct vnm_err *err)
{
	struct vnm_err ue;
	char what[256];

	vnm_step_describe(&p->steps[i].fwd, what, sizeof(what));
	if (e->code == VNM_E_NOMEM && !e->msg[0])
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory journaling step %zu/%zu",
			    i + 1, p->n);
	else
		vnm_err_set(err, e->code == VNM_OK ? VNM_E_DRIVER : e->code, e->path,
			    "step %zu/%zu %s: %s", i + 1, p->n, what,
			    e->msg[0] ? e->msg : "failed");
	vnm_log(VNM_LOG_WARNING, "%s; undoing %zu applied step(s)", err ? err->msg : what, j->n);
	vnm_err_clear(&ue);
	if (undo_locked(drv, j, &ue) && err) {
		char first[sizeof(err->msg)];

		memcpy(first, err->msg, sizeof(first));
		err->code = VNM_E_INCONSISTENT;
		snprintf(err->msg, sizeof(err->msg),
			 "%s; then %s; reality no longer matches the running configuration until "
			 "vnmd repairs it (it reconciles again until it succeeds)",
			 first, ue.msg);
	}
}

/* Journal the inverse of the applied step ps.  Out of memory, the step
 * is undone at once (e: VNM_E_NOMEM, no message) and -1 returned. */
static int journal_step(const struct vnm_drivers *drv, struct vnm_journal *j,
			const struct vnm_plan_step *ps, struct vnm_err *e)
{
	struct vnm_err ue;

	if (ps->inv.kind == VNM_STEP_NONE || !journal_push(j, &ps->inv))
		return 0;
	vnm_step_run(drv, &ps->inv, &ue);
	vnm_err_clear(e);
	e->code = VNM_E_NOMEM;
	return -1;
}

static void debug_step(const struct vnm_plan *p, size_t i)
{
	char what[256];

	if (vnm_log_get_level() < VNM_LOG_DEBUG)
		return;
	vnm_step_describe(&p->steps[i].fwd, what, sizeof(what));
	vnm_log(VNM_LOG_DEBUG, "step %zu/%zu %s", i + 1, p->n, what);
}

/* The steps one after the other. */
static int apply_seq(const struct vnm_drivers *drv, const struct vnm_plan *p,
		     struct vnm_journal *j, struct vnm_err *err)
{
	struct vnm_err e;
	size_t i;

	for (i = 0; i < p->n; i++) {
		vnm_err_clear(&e);
		debug_step(p, i);
		if (vnm_step_run(drv, &p->steps[i].fwd, &e) ||
		    journal_step(drv, j, &p->steps[i], &e)) {
			step_failed(drv, p, i, &e, j, err);
			return -1;
		}
	}
	return 0;
}

/*
 * Two lanes.  A transaction that defines or starts routers and also makes
 * VLs runs its hypervisor calls on a thread of their own beside the link
 * calls, so that libvirt's work (a definition copied through XML for each
 * router) and the kernel's (tc classes, map entries) overlap on two cores:
 * 10,000 VLs on 400 routers took 1.2 s less.  Only steps that do not
 * depend on each other run side by side:
 *   hypervisor lane: vr_define, vnic_attach, vr_set_resources, vnic_set_link,
 *                    vr_set_state to running or paused
 *   link lane:       vl_create, vl_shape, vl_set_up (this thread)
 * A VL made before its router runs is what a VL added to a stopped router
 * is; the link driver's plug of the taps a start or an attach made (which
 * also brings the VLs made meanwhile to them) runs in this thread once the
 * hypervisor call is done.  Every other step waits until the hypervisor
 * lane has done all the steps before it.  The journal takes the inverses in
 * the order the steps finished: an order they could have run in one after
 * the other, and steps of different lanes commute.  A failure in either
 * lane stops both; the other lane's step under way finishes and is
 * journaled, then everything is undone as before.
 */
bool vnm_txn_lanes = true;

enum lane { LANE_ONE, LANE_HV, LANE_LINK };

static enum lane step_lane(const struct vnm_step *s)
{
	switch (s->kind) {
	case VNM_STEP_VR_DEFINE:
	case VNM_STEP_VR_RESOURCES:
	case VNM_STEP_VNIC_ATTACH:
	case VNM_STEP_VNIC_LINK:
		return LANE_HV;
	case VNM_STEP_VR_STATE:
		return s->to == VNM_ADMIN_STOPPED ? LANE_ONE : LANE_HV;
	case VNM_STEP_VL_CREATE:
	case VNM_STEP_VL_SHAPE:
	case VNM_STEP_VL_LINK:
		return LANE_LINK;
	default:
		return LANE_ONE;
	}
}

struct lanes {
	const struct vnm_drivers *drv;
	const struct vnm_plan *p;
	struct vnm_journal *j;
	pthread_mutex_t lock;   /* everything below, and j */
	pthread_cond_t cond;
	size_t limit;           /* the hypervisor lane may run steps before this */
	size_t hv_at;           /* it has done every step before this */
	bool closed;            /* nothing more for it */
	bool stop;              /* a step failed */
	size_t failed;          /* which */
	struct vnm_err e;       /* why */
	size_t *plugs, n_plugs; /* hypervisor steps done whose plug is due */
};

static void lanes_fail(struct lanes *L, size_t i, const struct vnm_err *e)
{
	if (!L->stop) {
		L->stop = true;
		L->failed = i;
		L->e = *e;
	}
	pthread_cond_broadcast(&L->cond);
}

static void *hv_lane(void *arg)
{
	struct lanes *L = arg;
	struct vnm_err e;

	pthread_mutex_lock(&L->lock);
	while (!L->stop && (L->hv_at < L->limit || !L->closed)) {
		size_t i = L->hv_at;
		const struct vnm_plan_step *ps = &L->p->steps[i];
		int rc;

		if (i >= L->limit) {
			pthread_cond_wait(&L->cond, &L->lock);
			continue;
		}
		if (step_lane(&ps->fwd) == LANE_HV) {
			pthread_mutex_unlock(&L->lock);
			vnm_err_clear(&e);
			debug_step(L->p, i);
			rc = vnm_step_run_unplugged(L->drv, &ps->fwd, &e);
			pthread_mutex_lock(&L->lock);
			if (rc || journal_step(L->drv, L->j, ps, &e)) {
				lanes_fail(L, i, &e);
				break;
			}
			if (ps->fwd.kind == VNM_STEP_VR_STATE || ps->fwd.kind == VNM_STEP_VNIC_ATTACH)
				L->plugs[L->n_plugs++] = i;
		}
		L->hv_at = i + 1;
		pthread_cond_broadcast(&L->cond);
	}
	pthread_mutex_unlock(&L->lock);
	return NULL;
}

/* Run the plugs that are due; -1 once a step failed. */
static int lanes_plug(struct lanes *L, size_t *next)
{
	struct vnm_err e;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&L->lock);
		if (L->stop || *next >= L->n_plugs) {
			bool stop = L->stop;

			pthread_mutex_unlock(&L->lock);
			return stop ? -1 : 0;
		}
		i = L->plugs[(*next)++];
		pthread_mutex_unlock(&L->lock);
		vnm_err_clear(&e);
		if (vnm_step_plug(L->drv, &L->p->steps[i].fwd, &e)) {
			pthread_mutex_lock(&L->lock);
			lanes_fail(L, i, &e);
			pthread_mutex_unlock(&L->lock);
			return -1;
		}
	}
}

/* Wait until the hypervisor lane has done every step handed to it,
 * plugging what it started meanwhile; -1 once a step failed. */
static int lanes_wait(struct lanes *L, size_t *next)
{
	for (;;) {
		bool done;

		if (lanes_plug(L, next))
			return -1;
		pthread_mutex_lock(&L->lock);
		while (!L->stop && L->hv_at < L->limit && *next >= L->n_plugs)
			pthread_cond_wait(&L->cond, &L->lock);
		done = !L->stop && L->hv_at >= L->limit && *next >= L->n_plugs;
		pthread_mutex_unlock(&L->lock);
		if (done)
			return 0;
	}
}

/* This thread's part: the link lane and the steps that wait. */
static void lanes_main(struct lanes *L)
{
	const struct vnm_plan *p = L->p;
	size_t i, next = 0;
	struct vnm_err e;

	for (i = 0; i < p->n; i++) {
		const struct vnm_plan_step *ps = &p->steps[i];
		enum lane ln = step_lane(&ps->fwd);
		int rc;

		if (ln == LANE_HV) {
			pthread_mutex_lock(&L->lock);
			L->limit = i + 1;
			pthread_cond_broadcast(&L->cond);
			pthread_mutex_unlock(&L->lock);
			continue;
		}
		if (ln == LANE_ONE ? lanes_wait(L, &next) : lanes_plug(L, &next))
			return;
		vnm_err_clear(&e);
		debug_step(p, i);
		rc = vnm_step_run(L->drv, &ps->fwd, &e);
		pthread_mutex_lock(&L->lock);
		if (rc || journal_step(L->drv, L->j, ps, &e)) {
			lanes_fail(L, i, &e);
			pthread_mutex_unlock(&L->lock);
			return;
		}
		pthread_mutex_unlock(&L->lock);
	}
	lanes_wait(L, &next);
}

/* Whether p has work for both lanes; *n_hv: its hypervisor lane's steps. */
static bool lanes_fit(const struct vnm_drivers *drv, const struct vnm_plan *p, size_t *n_hv)
{
	size_t i, hv = 0, link = 0;

	if (!vnm_txn_lanes || !drv->hv || !drv->link)
		return false;
	for (i = 0; i < p->n; i++) {
		enum lane ln = step_lane(&p->steps[i].fwd);

		hv += ln == LANE_HV;
		link += ln == LANE_LINK;
	}
	*n_hv = hv;
	return hv > 0 && link > 0;
}

static int apply_lanes(const struct vnm_drivers *drv, const struct vnm_plan *p,
		       struct vnm_journal *j, size_t n_hv, struct vnm_err *err)
{
	struct lanes L = {.drv = drv, .p = p, .j = j};
	pthread_t tid;

	L.plugs = calloc(n_hv, sizeof(*L.plugs));
	if (!L.plugs)
		return apply_seq(drv, p, j, err);
	pthread_mutex_init(&L.lock, NULL);
	pthread_cond_init(&L.cond, NULL);
	if (pthread_create(&tid, NULL, hv_lane, &L)) {
		free(L.plugs);
		pthread_cond_destroy(&L.cond);
		pthread_mutex_destroy(&L.lock);
		return apply_seq(drv, p, j, err);
	}
	lanes_main(&L);
	pthread_mutex_lock(&L.lock);
	L.closed = true;
	pthread_cond_broadcast(&L.cond);
	pthread_mutex_unlock(&L.lock);
	pthread_join(tid, NULL);
	if (L.stop)
		step_failed(drv, p, L.failed, &L.e, j, err);
	free(L.plugs);
	pthread_cond_destroy(&L.cond);
	pthread_mutex_destroy(&L.lock);
	return L.stop ? -1 : 0;
}

int vnm_txn_apply(const struct vnm_drivers *drv, const struct vnm_plan *p,
		  struct vnm_journal **journal, struct vnm_err *err)
{
	struct vnm_journal *j = calloc(1, sizeof(*j));
	struct vnm_err e;
	char what[256];
	size_t i, n_hv;
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
	if (lanes_fit(drv, p, &n_hv))
		rc = apply_lanes(drv, p, j, n_hv, err);
	else
		rc = apply_seq(drv, p, j, err);
	if (!rc && journal) {
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
