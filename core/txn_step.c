/*
 * txn_step.c - carry out one step of a plan against the drivers, and name
 * it for logs and errors (see txn.h).
 *
 * The planner (plan.c) only decides which steps, in which order; this file
 * is where a step becomes a driver call, so that the transaction (txn.c)
 * and reconciliation run steps without reaching back into the planner.
 * A step that needs two driver calls (a VR start, a vNIC attach, then the
 * link driver's plug of the new taps) is one step here: it succeeds or
 * fails as a whole, which keeps the undo journal exact.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "log.h"
#include "txn.h"

const char *vnm_step_kind_str(enum vnm_step_kind k)
{
	switch (k) {
	case VNM_STEP_NONE:
		return "none";
	case VNM_STEP_PLINK_SETUP:
		return "plink_setup";
	case VNM_STEP_PLINK_UPDATE:
		return "plink_update";
	case VNM_STEP_PLINK_TEARDOWN:
		return "plink_teardown";
	case VNM_STEP_PORT_CREATE:
		return "vnic_port_create";
	case VNM_STEP_PORT_DESTROY:
		return "vnic_port_destroy";
	case VNM_STEP_VR_DEFINE:
		return "vr_define";
	case VNM_STEP_VR_UNDEFINE:
		return "vr_undefine";
	case VNM_STEP_VR_STATE:
		return "vr_set_state";
	case VNM_STEP_VR_RESOURCES:
		return "vr_set_resources";
	case VNM_STEP_VNIC_ATTACH:
		return "vnic_attach";
	case VNM_STEP_VNIC_DETACH:
		return "vnic_detach";
	case VNM_STEP_VL_CREATE:
		return "vl_create";
	case VNM_STEP_VL_DESTROY:
		return "vl_destroy";
	case VNM_STEP_VL_SHAPE:
		return "vl_shape";
	case VNM_STEP_VL_UNSHAPE:
		return "vl_unshape";
	case VNM_STEP_VL_LINK:
		return "vl_set_up";
	case VNM_STEP_VNIC_LINK:
		return "vnic_set_link";
	case VNM_STEP_VR_MIGRATE:
		return "vr_migrate";
	}
	return "?";
}

static const char *s_or_q(const char *s)
{
	return s ? s : "?";
}

static const char *vn_of_vr(const struct vnm_vr *vr)
{
	return vr && vr->vn ? vr->vn->name : "?";
}

static const char *vn_of_vl(const struct vnm_vl *vl)
{
	return vl && vl->vn ? vl->vn->name : "?";
}

void vnm_step_describe(const struct vnm_step *s, char *buf, size_t len)
{
	const struct vnm_vr *nvr = s->nic ? s->nic->vr : NULL;
	const char *verb;

	switch (s->kind) {
	case VNM_STEP_PLINK_SETUP:
		snprintf(buf, len, "set up physical link %s", s_or_q(s->pl->name));
		return;
	case VNM_STEP_PLINK_UPDATE:
		snprintf(buf, len, "change capacity or bond of physical link %s",
			 s_or_q(s->pl->name));
		return;
	case VNM_STEP_PLINK_TEARDOWN:
		snprintf(buf, len, "tear down physical link %s", s_or_q(s->pl->name));
		return;
	case VNM_STEP_PORT_CREATE:
	case VNM_STEP_PORT_DESTROY:
	case VNM_STEP_VNIC_ATTACH:
	case VNM_STEP_VNIC_DETACH:
		verb = s->kind == VNM_STEP_PORT_CREATE ? "create port of" :
		       s->kind == VNM_STEP_PORT_DESTROY ? "destroy port of" :
		       s->kind == VNM_STEP_VNIC_ATTACH ? "attach" : "detach";
		snprintf(buf, len, "%s vNIC %s/%s/%s", verb, vn_of_vr(nvr),
			 nvr ? s_or_q(nvr->name) : "?", s_or_q(s->nic->name));
		return;
	case VNM_STEP_VR_DEFINE:
	case VNM_STEP_VR_UNDEFINE:
	case VNM_STEP_VR_RESOURCES:
	case VNM_STEP_VR_STATE:
		if (s->kind == VNM_STEP_VR_DEFINE)
			verb = "define";
		else if (s->kind == VNM_STEP_VR_UNDEFINE)
			verb = "undefine";
		else if (s->kind == VNM_STEP_VR_RESOURCES)
			verb = "change vCPUs/memory of";
		else
			verb = s->to == VNM_ADMIN_RUNNING ? "start" :
			       s->to == VNM_ADMIN_PAUSED ? "pause" : "stop";
		snprintf(buf, len, "%s router %s/%s", verb, vn_of_vr(s->vr), s_or_q(s->vr->name));
		return;
	case VNM_STEP_VL_CREATE:
	case VNM_STEP_VL_DESTROY:
		snprintf(buf, len, "%s link %s/%s",
			 s->kind == VNM_STEP_VL_CREATE ? "create" : "destroy",
			 vn_of_vl(s->vl), s_or_q(s->vl->name));
		return;
	case VNM_STEP_VL_SHAPE:
	case VNM_STEP_VL_UNSHAPE:
		verb = s->kind == VNM_STEP_VL_SHAPE ? "shape" : "unshape";
		if (s->pl)
			snprintf(buf, len, "%s link %s/%s on physical link %s", verb,
				 vn_of_vl(s->vl), s_or_q(s->vl->name), s_or_q(s->pl->name));
		else
			snprintf(buf, len, "%s link %s/%s", verb, vn_of_vl(s->vl),
				 s_or_q(s->vl->name));
		return;
	case VNM_STEP_VL_LINK:
		snprintf(buf, len, "%s link %s/%s", s->up ? "enable" : "disable",
			 vn_of_vl(s->vl), s_or_q(s->vl->name));
		return;
	case VNM_STEP_VNIC_LINK:
		snprintf(buf, len, "set carrier %s on vNIC %s/%s/%s", s->up ? "up" : "down",
			 vn_of_vr(nvr), nvr ? s_or_q(nvr->name) : "?", s_or_q(s->nic->name));
		return;
	case VNM_STEP_VR_MIGRATE:
		snprintf(buf, len, "migrate router %s/%s live from host %s to host %s",
			 vn_of_vr(s->vr), s_or_q(s->vr->name),
			 s->vr_old->host ? s_or_q(s->vr_old->host->name) : "?",
			 s->vr->host ? s_or_q(s->vr->host->name) : "?");
		return;
	case VNM_STEP_NONE:
		break;
	}
	snprintf(buf, len, "nothing");
}

#define NEED_OP(tbl, op, what)                                                        \
	do {                                                                          \
		if (!(tbl) || !(tbl)->op)                                             \
			return vnm_err_set(err, VNM_E_UNSUPPORTED, NULL,              \
					   "the %s driver cannot %s", what, #op);     \
	} while (0)

/*
 * After a VR started, resumed or got a NIC: let the link driver plug the new
 * taps into their port bridges (needed when the host lives in a network
 * namespace; see vnm_link_ops.vnic_plug).  Part of the same step: when a
 * plug fails, the hypervisor change is taken back (best effort, take_back)
 * so that the step fails as a whole and the journal stays exact.
 */
static int plug_vnics(const struct vnm_drivers *drv, const struct vnm_vr *vr,
		      const struct vnm_vnic *only, bool take_back, struct vnm_err *err)
{
	const struct vnm_link_ops *ln = drv->link;
	struct vnm_err ue;
	size_t k;

	if (!ln || !ln->vnic_plug || !vr || !vr->host || !vr->host->netns)
		return 0;
	for (k = 0; k < vr->n_vnics; k++) {
		const struct vnm_vnic *nic = &vr->vnics[k];

		if (only && nic != only)
			continue;
		if (ln->vnic_plug(drv->link_ctx, nic, err) == 0)
			continue;
		if (!take_back)
			return -1;
		if (only && drv->hv->vnic_detach)
			drv->hv->vnic_detach(drv->hv_ctx, only, &ue);
		else if (!only)
			drv->hv->vr_set_state(drv->hv_ctx, vr, VNM_ADMIN_STOPPED, &ue);
		return -1;
	}
	return 0;
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long)((b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000);
}

/*
 * While a router migrates to a host in a network namespace, its taps there
 * (made by the destination's hypervisor when the migration starts, outside
 * any bridge: see vnm_link_ops.vnic_plug) are plugged as soon as the
 * domain runs there, so that the guest's first frames after the
 * switch-over reach its port bridges instead of waiting for the
 * hypervisor to finish its bookkeeping (up to 1.6 s more).  Not earlier:
 * no frame is for the incoming hypervisor until the guest runs.  The
 * domain is polled every 20 ms.  Plugging is idempotent; errors here are
 * retried by the step's own plug after the migration.
 */
struct plug_watch {
	const struct vnm_drivers *drv;
	const struct vnm_vr *vr;
	atomic_bool stop;
	pthread_t tid;
	bool running;
};

static void *plug_watch_run(void *arg)
{
	struct plug_watch *w = arg;
	const struct vnm_link_ops *ln = w->drv->link;
	struct timespec ts = {0, 20 * 1000000L};
	struct vnm_err e;
	size_t k;

	while (!atomic_load(&w->stop)) {
		size_t plugged = 0;

		vnm_err_clear(&e);
		if (!w->drv->hv->vr_arrival ||
		    w->drv->hv->vr_arrival(w->drv->hv_ctx, w->vr, &e) == VNM_ARRIVAL_DONE) {
			for (k = 0; k < w->vr->n_vnics; k++) {
				vnm_err_clear(&e);
				plugged += ln->vnic_plug(w->drv->link_ctx, &w->vr->vnics[k], &e) == 0;
			}
		}
		if (plugged && plugged == w->vr->n_vnics)
			break; /* all in their bridges: nothing left to watch */
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void plug_watch_start(struct plug_watch *w, const struct vnm_drivers *drv,
			     const struct vnm_vr *vr)
{
	w->drv = drv;
	w->vr = vr;
	atomic_init(&w->stop, false);
	w->running = false;
	if (!drv->link || !drv->link->vnic_plug || !vnm_host_local(vr->host) || !vr->host->netns)
		return;
	w->running = pthread_create(&w->tid, NULL, plug_watch_run, w) == 0;
}

static void plug_watch_stop(struct plug_watch *w)
{
	if (!w->running)
		return;
	atomic_store(&w->stop, true);
	pthread_join(w->tid, NULL);
	w->running = false;
}

/*
 * A live migration: the domain of s->vr_old leaves its host for s->vr's.
 * When this vnmd realises the destination, the domain that arrived is
 * adopted there as s->vr (vr_define keeps it running and gives it the
 * new definition and tag) and its taps go into the new port bridges.  A
 * failure after the domain left sends it back (best effort), so that the
 * step fails as a whole.
 */
static int migrate(const struct vnm_drivers *drv, const struct vnm_step *s, struct vnm_err *err)
{
	const struct vnm_hv_ops *hv = drv->hv;
	struct vnm_err ue;

	struct timespec t0, t1, t2;
	struct plug_watch w;
	int rc;

	NEED_OP(hv, vr_move, "hypervisor");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	plug_watch_start(&w, drv, s->vr);
	rc = hv->vr_move(drv->hv_ctx, s->vr_old, s->vr->host, err);
	plug_watch_stop(&w);
	if (rc)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!vnm_host_local(s->vr->host))
		return 0; /* the destination's vnmd adopts it */
	/* The taps first: the guest runs on the destination already and
	 * every millisecond until they are in their bridges is lost traffic. */
	if (plug_vnics(drv, s->vr, NULL, false, err))
		goto back;
	clock_gettime(CLOCK_MONOTONIC, &t2);
	vnm_log(VNM_LOG_INFO, "router %s/%s migrated live from host %s to host %s in %ld ms; "
		"its vNICs plugged %ld ms later", vn_of_vr(s->vr), s->vr->name,
		s->vr_old->host->name, s->vr->host->name, ms_between(&t0, &t1),
		ms_between(&t1, &t2));
	if (hv->vr_define && hv->vr_define(drv->hv_ctx, s->vr, s->generation, err))
		goto back;
	return 0;
back:
	vnm_err_clear(&ue);
	if (hv->vr_move(drv->hv_ctx, s->vr, s->vr_old->host, &ue) == 0)
		plug_vnics(drv, s->vr_old, NULL, false, &ue);
	return -1;
}

/* How long a destination waits for a router its source's vnmd migrates:
 * for the domain to appear (that vnmd commits at the same time, see
 * drivers/peer/), then for the migration to finish; both within the
 * coordinator's wait for a commit (120 s). */
#define ARRIVE_MAX_MS 110000
unsigned vnm_arrive_appear_ms = 30000;

/*
 * The destination's half of a live migration another vnmd carries out
 * (one vnmd per RM): the router's new ports and VL ends are made already
 * (earlier steps); wait for its domain to arrive here (polled every
 * 20 ms), plug its taps into their port bridges the moment it runs, so
 * that the guest's first frames after the switch-over find their way
 * (as plug_watch does), then adopt the domain (vr_define: the new definition and tag, still
 * running).  Never boots a domain: a router that does not arrive is an
 * error naming both hosts, and the coordinator cancels the transaction.
 */
static int arrive(const struct vnm_drivers *drv, const struct vnm_step *s, struct vnm_err *err)
{
	const struct vnm_hv_ops *hv = drv->hv;
	struct timespec t0, t1, t2, tick = {0, 20 * 1000000L};
	bool seen = false;
	long limit;
	int st;

	NEED_OP(hv, vr_arrival, "hypervisor");
	NEED_OP(hv, vr_define, "hypervisor");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		st = hv->vr_arrival(drv->hv_ctx, s->vr, err);
		if (st < 0 || st == VNM_ARRIVAL_DONE || st == VNM_ARRIVAL_DONE_OFF)
			break;
		seen = seen || st == VNM_ARRIVAL_UNDERWAY;
		limit = seen ? ARRIVE_MAX_MS : (long)vnm_arrive_appear_ms;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ms_between(&t0, &t1) > limit) {
			st = -1;
			vnm_err_set(err, VNM_E_DRIVER, NULL, "router %s/%s %s from host %s within "
				    "%.1f s: its vnmd migrates it; see that vnmd's log",
				    vn_of_vr(s->vr), s_or_q(s->vr->name),
				    seen ? "did not finish arriving" : "did not arrive",
				    s->vr_old->host ? s_or_q(s->vr_old->host->name) : "?",
				    limit / 1000.0);
			break;
		}
		nanosleep(&tick, NULL);
	}
	if (st < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* a router that crashed before it left arrives shut off: no taps */
	if (st == VNM_ARRIVAL_DONE && plug_vnics(drv, s->vr, NULL, false, err))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t2);
	vnm_log(VNM_LOG_INFO, "router %s/%s arrived live from host %s after %ld ms; its vNICs "
		"plugged %ld ms later", vn_of_vr(s->vr), s->vr->name,
		s->vr_old->host ? s_or_q(s->vr_old->host->name) : "?", ms_between(&t0, &t1),
		ms_between(&t1, &t2));
	return hv->vr_define(drv->hv_ctx, s->vr, s->generation, err);
}

int vnm_step_check(const struct vnm_drivers *drv, const struct vnm_step *s, struct vnm_err *err)
{
	const struct vnm_hv_ops *hv = drv->hv;

	if (s->kind != VNM_STEP_VR_MIGRATE || !hv || !hv->vr_move_check ||
	    !vnm_host_local(s->vr_old->host))
		return 0;
	return hv->vr_move_check(drv->hv_ctx, s->vr_old, s->vr->host, err);
}

/* The host a VR's or a vNIC's step acts on (NULL: none or dangling). */
static const struct vnm_host *vr_host(const struct vnm_vr *vr)
{
	return vr ? vr->host : NULL;
}

static bool local_end(const struct vnm_vnic *nic)
{
	return nic && vnm_host_local(nic->vr ? nic->vr->host : NULL);
}

/*
 * Whether the step is another vnmd's alone (one vnmd per RM, --host):
 * the VRs and vNICs of a remote host, and the VLs and physical links with
 * no end on this host.  A VL or physical link with one local end goes to
 * the link driver, which makes only the local end.  Steps on dangling
 * references are not filtered: the drivers name them.
 */
static bool step_remote(const struct vnm_step *s)
{
	const struct vnm_host *h = NULL;

	switch (s->kind) {
	case VNM_STEP_PORT_CREATE:
	case VNM_STEP_PORT_DESTROY:
	case VNM_STEP_VNIC_ATTACH:
	case VNM_STEP_VNIC_DETACH:
	case VNM_STEP_VNIC_LINK:
		h = vr_host(s->nic->vr);
		break;
	case VNM_STEP_VR_DEFINE:
	case VNM_STEP_VR_UNDEFINE:
	case VNM_STEP_VR_STATE:
	case VNM_STEP_VR_RESOURCES:
		h = vr_host(s->vr);
		break;
	case VNM_STEP_VR_MIGRATE:
		/* the source's vnmd migrates; the destination's waits for it */
		return !vnm_host_local(vr_host(s->vr_old)) && !vnm_host_local(vr_host(s->vr));
	case VNM_STEP_VL_CREATE:
	case VNM_STEP_VL_DESTROY:
	case VNM_STEP_VL_SHAPE:
	case VNM_STEP_VL_UNSHAPE:
	case VNM_STEP_VL_LINK:
		if (!s->vl->a || !s->vl->b || !vr_host(s->vl->a->vr) || !vr_host(s->vl->b->vr))
			return false;
		if (s->pl && s->pl->src && s->pl->dst && s->pl->src->host && s->pl->dst->host)
			return !vnm_host_local(s->pl->src->host) &&
			       !vnm_host_local(s->pl->dst->host);
		return !local_end(s->vl->a) && !local_end(s->vl->b);
	case VNM_STEP_PLINK_SETUP:
	case VNM_STEP_PLINK_UPDATE:
	case VNM_STEP_PLINK_TEARDOWN:
		if (!s->pl->src || !s->pl->dst || !s->pl->src->host || !s->pl->dst->host)
			return false;
		return !vnm_host_local(s->pl->src->host) && !vnm_host_local(s->pl->dst->host) &&
		       (!s->pl_old || !s->pl_old->src || !s->pl_old->dst ||
			(!vnm_host_local(s->pl_old->src->host) &&
			 !vnm_host_local(s->pl_old->dst->host)));
	default:
		return false;
	}
	return h && h->remote;
}

int vnm_step_plug(const struct vnm_drivers *drv, const struct vnm_step *s, bool take_back,
		  struct vnm_err *err)
{
	if (step_remote(s))
		return 0;
	if (s->kind == VNM_STEP_VR_STATE && s->to != VNM_ADMIN_STOPPED)
		return plug_vnics(drv, s->vr, NULL, take_back, err);
	if (s->kind == VNM_STEP_VNIC_ATTACH)
		return plug_vnics(drv, s->nic->vr, s->nic, take_back, err);
	return 0;
}

/* The step; plug: with the plug that follows a start or an attach. */
static int run(const struct vnm_drivers *drv, const struct vnm_step *s, bool plug,
	       struct vnm_err *err)
{
	const struct vnm_hv_ops *hv = drv->hv;
	const struct vnm_link_ops *ln = drv->link;
	bool live = false;

	if (step_remote(s))
		return 0;
	switch (s->kind) {
	case VNM_STEP_NONE:
		return 0;
	case VNM_STEP_PLINK_SETUP:
		NEED_OP(ln, plink_setup, "link");
		return ln->plink_setup(drv->link_ctx, s->pl, err);
	case VNM_STEP_PLINK_UPDATE:
		NEED_OP(ln, plink_update, "link");
		return ln->plink_update(drv->link_ctx, s->pl_old, s->pl, err);
	case VNM_STEP_PLINK_TEARDOWN:
		NEED_OP(ln, plink_teardown, "link");
		return ln->plink_teardown(drv->link_ctx, s->pl, err);
	case VNM_STEP_PORT_CREATE:
		NEED_OP(ln, vnic_port_create, "link");
		return ln->vnic_port_create(drv->link_ctx, s->nic, err);
	case VNM_STEP_PORT_DESTROY:
		NEED_OP(ln, vnic_port_destroy, "link");
		return ln->vnic_port_destroy(drv->link_ctx, s->nic, err);
	case VNM_STEP_VR_DEFINE:
		NEED_OP(hv, vr_define, "hypervisor");
		return hv->vr_define(drv->hv_ctx, s->vr, s->generation, err);
	case VNM_STEP_VR_UNDEFINE:
		NEED_OP(hv, vr_undefine, "hypervisor");
		return hv->vr_undefine(drv->hv_ctx, s->vr, err);
	case VNM_STEP_VR_STATE:
		NEED_OP(hv, vr_set_state, "hypervisor");
		if (hv->vr_set_state(drv->hv_ctx, s->vr, s->to, err))
			return -1;
		if (!plug || s->to == VNM_ADMIN_STOPPED)
			return 0;
		return plug_vnics(drv, s->vr, NULL, true, err);
	case VNM_STEP_VR_RESOURCES:
		NEED_OP(hv, vr_set_resources, "hypervisor");
		return hv->vr_set_resources(drv->hv_ctx, s->vr_old, s->vr, &live, err);
	case VNM_STEP_VNIC_ATTACH:
		NEED_OP(hv, vnic_attach, "hypervisor");
		if (hv->vnic_attach(drv->hv_ctx, s->nic, err))
			return -1;
		return plug ? plug_vnics(drv, s->nic->vr, s->nic, true, err) : 0;
	case VNM_STEP_VNIC_DETACH:
		NEED_OP(hv, vnic_detach, "hypervisor");
		return hv->vnic_detach(drv->hv_ctx, s->nic, err);
	case VNM_STEP_VL_CREATE:
		NEED_OP(ln, vl_create, "link");
		return ln->vl_create(drv->link_ctx, s->vl, err);
	case VNM_STEP_VL_DESTROY:
		NEED_OP(ln, vl_destroy, "link");
		return ln->vl_destroy(drv->link_ctx, s->vl, err);
	case VNM_STEP_VL_SHAPE:
		NEED_OP(ln, vl_shape, "link");
		return ln->vl_shape(drv->link_ctx, s->vl, s->pl, &s->shape, err);
	case VNM_STEP_VL_UNSHAPE:
		NEED_OP(ln, vl_unshape, "link");
		return ln->vl_unshape(drv->link_ctx, s->vl, s->pl, err);
	case VNM_STEP_VL_LINK:
		NEED_OP(ln, vl_set_up, "link");
		return ln->vl_set_up(drv->link_ctx, s->vl, s->up, err);
	case VNM_STEP_VNIC_LINK:
		NEED_OP(hv, vnic_set_link, "hypervisor");
		return hv->vnic_set_link(drv->hv_ctx, s->nic, s->up, err);
	case VNM_STEP_VR_MIGRATE:
		if (!vnm_host_local(vr_host(s->vr_old)))
			return arrive(drv, s, err);
		return migrate(drv, s, err);
	}
	return vnm_err_set(err, VNM_E_INTERNAL, NULL, "unknown step kind %d", (int)s->kind);
}

int vnm_step_run(const struct vnm_drivers *drv, const struct vnm_step *s, struct vnm_err *err)
{
	return run(drv, s, true, err);
}

int vnm_step_run_unplugged(const struct vnm_drivers *drv, const struct vnm_step *s,
			   struct vnm_err *err)
{
	return run(drv, s, false, err);
}
