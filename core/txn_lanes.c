/*
 * txn_lanes.c - hypervisor and link steps of one plan side by side.
 *
 * A plan that defines or starts routers and also makes VLs runs its
 * hypervisor calls on a thread of their own beside the link calls, so that
 * libvirt's work (a definition copied through XML for each router) and the
 * kernel's (tc classes, map entries) overlap on two cores: creating 10,000
 * VLs on 400 routers went from 5.7 to 5.0 s.  Only steps that do not
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
 * the other, and steps of different lanes commute.  In a transaction, a
 * failure in either lane stops both; the other lane's step under way
 * finishes and is journaled, then txn.c undoes everything as before.  In
 * reconciliation (no journal) every step is tried, as one after the other:
 * a router that fails to start only loses its plug.
 */
#include <pthread.h>
#include <stdlib.h>

#include "txn_int.h"

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
	struct txn_lanes_result res;
	size_t *plugs, n_plugs; /* hypervisor steps done whose plug is due */
};

/* Whether both lanes stop (L->lock held): a step failed and there is a
 * journal to undo. */
static bool stopped(const struct lanes *L)
{
	return L->j && L->res.n_failed;
}

/* Step i failed (L->lock held). */
static void lanes_fail(struct lanes *L, size_t i, const struct vnm_err *e)
{
	if (!L->res.n_failed++) {
		L->res.first = i;
		L->res.e = *e;
	}
	if (!L->j)
		txn_log_failure(L->p, i, e);
	pthread_cond_broadcast(&L->cond);
}

static void *hv_lane(void *arg)
{
	struct lanes *L = arg;
	struct vnm_err e;

	pthread_mutex_lock(&L->lock);
	while (!stopped(L) && (L->hv_at < L->limit || !L->closed)) {
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
			txn_debug_step(L->p, i);
			rc = vnm_step_run_unplugged(L->drv, &ps->fwd, &e);
			pthread_mutex_lock(&L->lock);
			if (rc || txn_journal_step(L->drv, L->j, ps, &e))
				lanes_fail(L, i, &e);
			else if (ps->fwd.kind == VNM_STEP_VR_STATE ||
				 ps->fwd.kind == VNM_STEP_VNIC_ATTACH)
				L->plugs[L->n_plugs++] = i;
			if (stopped(L))
				break;
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
		if (stopped(L) || *next >= L->n_plugs) {
			bool stop = stopped(L);

			pthread_mutex_unlock(&L->lock);
			return stop ? -1 : 0;
		}
		i = L->plugs[(*next)++];
		pthread_mutex_unlock(&L->lock);
		vnm_err_clear(&e);
		/* without a journal to undo it, a start whose plug fails is
		 * taken back, as one after the other: the next repair starts
		 * it again */
		if (vnm_step_plug(L->drv, &L->p->steps[i].fwd, !L->j, &e)) {
			pthread_mutex_lock(&L->lock);
			lanes_fail(L, i, &e);
			pthread_mutex_unlock(&L->lock);
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
		while (!stopped(L) && L->hv_at < L->limit && *next >= L->n_plugs)
			pthread_cond_wait(&L->cond, &L->lock);
		done = !stopped(L) && L->hv_at >= L->limit && *next >= L->n_plugs;
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
		txn_debug_step(p, i);
		rc = vnm_step_run(L->drv, &ps->fwd, &e);
		pthread_mutex_lock(&L->lock);
		if (rc || txn_journal_step(L->drv, L->j, ps, &e))
			lanes_fail(L, i, &e);
		if (stopped(L)) {
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

int txn_lanes_run(const struct vnm_drivers *drv, const struct vnm_plan *p,
		  struct vnm_journal *j, struct txn_lanes_result *res)
{
	struct lanes L = {.drv = drv, .p = p, .j = j};
	pthread_t tid;
	size_t n_hv;

	if (!lanes_fit(drv, p, &n_hv))
		return 1;
	L.plugs = calloc(n_hv, sizeof(*L.plugs));
	if (!L.plugs)
		return 1;
	pthread_mutex_init(&L.lock, NULL);
	pthread_cond_init(&L.cond, NULL);
	if (pthread_create(&tid, NULL, hv_lane, &L)) {
		free(L.plugs);
		pthread_cond_destroy(&L.cond);
		pthread_mutex_destroy(&L.lock);
		return 1;
	}
	lanes_main(&L);
	pthread_mutex_lock(&L.lock);
	L.closed = true;
	pthread_cond_broadcast(&L.cond);
	pthread_mutex_unlock(&L.lock);
	pthread_join(tid, NULL);
	*res = L.res;
	free(L.plugs);
	pthread_cond_destroy(&L.cond);
	pthread_mutex_destroy(&L.lock);
	return 0;
}
