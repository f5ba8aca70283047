/*
 * core_snap.c - the operational snapshot (see core.h): the snapshot
 * thread reads the drivers' state of every router and link into an
 * immutable, reference-counted snapshot, publishes it, and announces what
 * changed since the last one.  Apart from commit.c because it runs on its
 * own thread and never changes the configuration; apart from snapshot.c
 * (freeing) because stand-ins for the core share that one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_int.h"

#include <malloc.h>
#include "log.h"

/* ------------------------------------------------------------------ */
/* Snapshots                                                           */
/* ------------------------------------------------------------------ */

/* A reference to the snapshot published last (c->slock held). */
static struct vnm_snapshot *snap_ref_locked(struct vnm_core *c)
{
	struct vnm_snapshot *s = c->snap;

	if (s)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	return s;
}

struct vnm_snapshot *core_snapshot_latest(struct vnm_core *c)
{
	struct vnm_snapshot *s;

	pthread_mutex_lock(&c->slock);
	s = snap_ref_locked(c);
	pthread_mutex_unlock(&c->slock);
	return s;
}

struct vnm_snapshot *vnm_core_snapshot(struct vnm_core *c)
{
	struct vnm_snapshot *s;
	struct timespec until;
	uint64_t gen;

	/* Read your writes: once a commit returned, the next read shows its
	 * effect.  This waits for one snapshot refresh (the commit kicked it,
	 * or, after a change made in place, this read does), never for a
	 * transaction, and never longer than two seconds. */
	pthread_mutex_lock(&c->mlock);
	gen = c->generation;
	pthread_mutex_unlock(&c->mlock);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_mutex_lock(&c->slock);
	if (c->snap && c->snap->generation < gen && !c->kick) {
		c->kick = true;
		pthread_cond_signal(&c->scond);
	}
	while (c->snap && c->snap->generation < gen && !c->stop && c->thread_started) {
		if (pthread_cond_timedwait(&c->pubcond, &c->slock, &until) == ETIMEDOUT)
			break;
	}
	s = snap_ref_locked(c);
	pthread_mutex_unlock(&c->slock);
	return s;
}

/* The interface the link driver realises an end of l with. */
static const char *end_ifname(const struct vnm_core *c, const struct vnm_vl *l, bool a)
{
	const struct vnm_link_ops *ln = c->drv.link;
	const char *name = ln && ln->vl_end_ifname ? ln->vl_end_ifname(c->drv.link_ctx, l, a) : NULL;

	return name ? name : a ? l->end_a : l->end_b;
}

int vnm_core_ifnames(struct vnm_core *c, vnm_ifname_cb cb, void *arg)
{
	struct model_ref *ref = core_model_get(c);
	const struct vnm_model *m = ref->m;
	size_t i, j;
	int rc = 0;

	for (i = 0; i < m->n_vrs && !rc; i++) {
		const struct vnm_vr *r = &m->vrs[i];

		for (j = 0; j < r->n_vnics && !rc; j++)
			rc = cb(arg, r->vn->name, r->name, r->vnics[j].name, r->vnics[j].tap);
	}
	for (i = 0; i < m->n_vls && !rc; i++) {
		const struct vnm_vl *l = &m->vls[i];

		if (l->end_a[0])
			rc = cb(arg, l->vn->name, NULL, l->name, end_ifname(c, l, true));
		if (!rc && l->end_b[0])
			rc = cb(arg, l->vn->name, NULL, l->name, end_ifname(c, l, false));
	}
	core_model_put(c, ref);
	return rc;
}

static int cmp_vr(const void *a, const void *b)
{
	const struct vnm_snap_vr *x = a, *y = b;
	int r = strcmp(x->vn, y->vn);

	return r ? r : strcmp(x->name, y->name);
}

static int cmp_vl(const void *a, const void *b)
{
	const struct vnm_snap_vl *x = a, *y = b;
	int r = strcmp(x->vn, y->vn);

	return r ? r : strcmp(x->name, y->name);
}

static int cmp_vn(const void *a, const void *b)
{
	return strcmp(((const struct vnm_snap_vn *)a)->name, ((const struct vnm_snap_vn *)b)->name);
}

static char *sdup(const char *s, bool *oom)
{
	char *d = strdup(s ? s : "");

	if (!d)
		*oom = true;
	return d;
}

/* A VN's summary state: running if all its VRs run; otherwise crashed,
 * paused or absent if any VR is; otherwise stopped. */
static enum vnm_vr_oper vn_oper(const struct vnm_snap_vr *vrs, size_t n)
{
	bool all_run = n > 0, crashed = false, paused = false, absent = false, unknown = false;
	size_t i;

	for (i = 0; i < n; i++) {
		all_run &= vrs[i].oper == VNM_VR_RUNNING;
		crashed |= vrs[i].oper == VNM_VR_CRASHED;
		paused |= vrs[i].oper == VNM_VR_PAUSED;
		absent |= vrs[i].oper == VNM_VR_ABSENT;
		unknown |= vrs[i].oper == VNM_VR_UNKNOWN;
	}
	if (all_run)
		return VNM_VR_RUNNING;
	if (crashed)
		return VNM_VR_CRASHED;
	if (paused)
		return VNM_VR_PAUSED;
	if (absent)
		return VNM_VR_ABSENT;
	if (unknown)
		return VNM_VR_UNKNOWN;
	return VNM_VR_STOPPED;
}

/* The previous snapshot's entry of a VR or VL whose configuration is the
 * same as now: its driver state is carried over by a refresh after a
 * commit, which reads only what the commit may have changed. */
static const struct vnm_snap_vr *same_vr(const struct vnm_snapshot *prev,
					 const struct vnm_snap_vr *sv)
{
	const struct vnm_snap_vr *o;

	if (!prev || !prev->n_vrs)
		return NULL;
	o = bsearch(sv, prev->vrs, prev->n_vrs, sizeof(*sv), cmp_vr);
	if (!o || o->admin != sv->admin || strcmp(o->host, sv->host) ||
	    strcmp(o->domain_name, sv->domain_name) || o->cfg_vcpus != sv->cfg_vcpus ||
	    o->cfg_memory_mib != sv->cfg_memory_mib)
		return NULL;
	return o;
}

static const struct vnm_snap_vl *same_vl(const struct vnm_snapshot *prev,
					 const struct vnm_snap_vl *sl)
{
	const struct vnm_snap_vl *o;

	if (!prev || !prev->n_vls)
		return NULL;
	o = bsearch(sl, prev->vls, prev->n_vls, sizeof(*sl), cmp_vl);
	if (!o || strcmp(o->a_node, sl->a_node) || strcmp(o->a_tp, sl->a_tp) ||
	    strcmp(o->b_node, sl->b_node) || strcmp(o->b_tp, sl->b_tp) ||
	    strcmp(o->ifname, sl->ifname) || o->enabled != sl->enabled)
		return NULL;
	return o;
}

int64_t core_mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Where a VL's host-side interface is (the source VR's host and its
 * namespace: an SNMP poller joins vnmLinkIfIndex with that host's IF-MIB)
 * and the rate it is shaped to, as the planner computes it: the lowest
 * ceiling over the physical links it rides, or its same-host one. */
static void vl_where(const struct vnm_vl *vl, struct vnm_snap_vl *sl, bool *oom)
{
	const struct vnm_host *ha = vl->a && vl->a->vr ? vl->a->vr->host : NULL;
	const struct vnm_host *hb = vl->b && vl->b->vr ? vl->b->vr->host : NULL;
	struct vnm_shape sh;
	size_t i;

	sl->if_host = sdup(ha ? ha->name : "", oom);
	sl->if_netns = sdup(ha && ha->netns ? ha->netns : "", oom);
	sl->ceil = 0;
	if (!ha || !hb)
		return;
	if (ha == hb) {
		vnm_vl_shape_local(vl, &sh);
		sl->ceil = sh.ceil;
		return;
	}
	/* a path is as fast as its slowest hop; a bond carries the sum of its
	 * links */
	for (i = 0; i < vl->n_plinks; i++) {
		vnm_vl_shape_on(vl, vl->plinks[i], &sh);
		if (vnm_vl_bonded(vl))
			sl->ceil += sh.ceil;
		else if (!sl->ceil || sh.ceil < sl->ceil)
			sl->ceil = sh.ceil;
	}
}

/* What a hypervisor (ours or another RM's vnmd) says of a router. */
static void set_status(struct vnm_snap_vr *sv, const struct vnm_vr_status *st)
{
	sv->oper = st->state;
	snprintf(sv->uuid, sizeof(sv->uuid), "%s", st->uuid);
	sv->domain_id = st->domain_id;
	if (st->vcpus)
		sv->vcpus = st->vcpus;
	if (st->memory_mib)
		sv->memory_mib = st->memory_mib;
}

/* A router another RM's vnmd runs: as that vnmd last reported it. */
static void gathered_vr(struct vnm_core *c, const struct vnm_vr *vr, struct vnm_snap_vr *sv)
{
	struct vnm_vr_status st;
	int64_t age;

	memset(&st, 0, sizeof(st));
	age = core_gather_vr(c, vr->host->name, sv->vn, sv->name, &st);
	if (age < 0)
		return;
	set_status(sv, &st);
	sv->gathered = true;
	sv->age_ms = age > UINT32_MAX ? UINT32_MAX : (uint32_t)age;
}

/* Whether both ends of vl are other vnmds' (one vnmd per RM). */
static bool vl_elsewhere(const struct vnm_vl *vl)
{
	return vl->a && vl->b && vl->a->vr->host && vl->b->vr->host &&
	       !vnm_host_local(vl->a->vr->host) && !vnm_host_local(vl->b->vr->host);
}

/* Its counters as the vnmd of its source's host (else its destination's)
 * last reported them. */
static void gathered_vl(struct vnm_core *c, const struct vnm_vl *vl, struct vnm_snap_vl *sl)
{
	const struct vnm_host *h = vl->a->vr->host;
	int64_t age;

	if (!vnm_host_participant(h))
		h = vl->b->vr->host;
	sl->ctr.read_ns = core_mono_ns();
	if (!vnm_host_participant(h) ||
	    (age = core_gather_vl(c, h->name, sl->vn, sl->name, &sl->ctr)) < 0)
		return;
	sl->ctr.read_ns = core_mono_ns();
	sl->up = sl->ctr.up;
	sl->gathered = true;
	sl->age_ms = age > UINT32_MAX ? UINT32_MAX : (uint32_t)age;
}

/* The VLs of snapshot s: carried over from prev when configured alike,
 * else read from the link driver, told first how many it will read. */
static void take_vls(struct vnm_core *c, const struct vnm_model *m,
		     const struct vnm_snapshot *prev, struct vnm_snapshot *s, bool *oomp)
{
	const struct vnm_drivers *d = &c->drv;
	const struct vnm_snap_vl *ol;
	bool oom = *oomp;
	struct vnm_err e;
	size_t i, n_read = 0;

	for (i = 0; i < m->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];
		struct vnm_snap_vl *sl = &s->vls[s->n_vls++];

		sl->vn = sdup(vl->vn ? vl->vn->name : "", &oom);
		sl->name = sdup(vl->name, &oom);
		sl->a_node = sdup(vl->a ? vl->a->vr->name : "", &oom);
		sl->a_tp = sdup(vl->a ? vl->a->name : "", &oom);
		sl->b_node = sdup(vl->b ? vl->b->vr->name : "", &oom);
		sl->b_tp = sdup(vl->b ? vl->b->name : "", &oom);
		/* an edit made in place stores these while the thread reads
		 * (inplace.c: atomic stores; the rest of the VL is fixed) */
		sl->guaranteed = __atomic_load_n(&vl->guaranteed, __ATOMIC_RELAXED);
		sl->limit = __atomic_load_n(&vl->limit, __ATOMIC_RELAXED);
		sl->enabled = vl->enabled;
		snprintf(sl->ifname, sizeof(sl->ifname), "%s", end_ifname(c, vl, true));
		vl_where(vl, sl, &oom);
		if (!oom && vl_elsewhere(vl)) {
			gathered_vl(c, vl, sl);
			continue;
		}
		if (!oom && (ol = same_vl(prev, sl))) {
			sl->ctr = ol->ctr;
			sl->up = ol->up;
			continue;
		}
		sl->ctr.read_ns = 1; /* to read, below */
		n_read++;
	}
	/* the driver reads a few VLs object by object, many from dumps */
	if (n_read && d->link && d->link->vl_counters_batch)
		d->link->vl_counters_batch(d->link_ctx, n_read);
	for (i = 0; i < s->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];
		struct vnm_snap_vl *sl = &s->vls[i];

		if (sl->ctr.read_ns != 1)
			continue;
		sl->ctr.read_ns = 0;
		vnm_err_clear(&e);
		if (d->link && d->link->vl_counters && vl->a && vl->b &&
		    !d->link->vl_counters(d->link_ctx, vl, &sl->ctr, &e))
			sl->up = sl->ctr.up;
		sl->ctr.read_ns = core_mono_ns();
	}
	if (n_read && d->link && d->link->vl_counters_batch)
		d->link->vl_counters_batch(d->link_ctx, 0);
	*oomp = oom;
}

/* A snapshot of the running model; with prev (after a commit), VRs and VLs
 * configured as in prev keep prev's driver state instead of being read
 * again: a commit of one change then costs no driver call per object. */
struct vnm_snapshot *core_snapshot_take(struct vnm_core *c, const struct vnm_snapshot *prev)
{
	const struct vnm_drivers *d = &c->drv;
	struct model_ref *ref = core_model_get(c);
	const struct vnm_model *m = ref->m;
	struct vnm_snapshot *s = calloc(1, sizeof(*s));
	const struct vnm_snap_vr *o;
	struct vnm_err e;
	bool oom = !s;
	size_t i, j;

	if (oom)
		goto cleanup;
	core_gather(c, m);
	s->refs = 1;
	pthread_mutex_lock(&c->mlock);
	s->generation = c->generation;
	pthread_mutex_unlock(&c->mlock);
	s->vns = calloc(m->n_vns ? m->n_vns : 1, sizeof(*s->vns));
	s->vrs = calloc(m->n_vrs ? m->n_vrs : 1, sizeof(*s->vrs));
	s->vls = calloc(m->n_vls ? m->n_vls : 1, sizeof(*s->vls));
	if (!s->vns || !s->vrs || !s->vls) {
		oom = true;
		goto cleanup;
	}
	for (i = 0; i < m->n_vrs; i++) {
		const struct vnm_vr *vr = &m->vrs[i];
		struct vnm_snap_vr *sv = &s->vrs[s->n_vrs++];
		struct vnm_vr_status st;

		sv->vn = sdup(vr->vn ? vr->vn->name : "", &oom);
		sv->name = sdup(vr->name, &oom);
		sv->host = sdup(vr->host ? vr->host->name : vr->host_ref, &oom);
		sv->domain_name = sdup(vr->domain_name, &oom);
		sv->admin = vnm_vr_effective_admin(vr);
		sv->domain_id = -1;
		sv->vcpus = sv->cfg_vcpus = vr->vcpus;
		sv->memory_mib = sv->cfg_memory_mib = vr->memory_mib;
		sv->oper = VNM_VR_UNKNOWN;
		if (vnm_host_participant(vr->host)) {
			gathered_vr(c, vr, sv);
			continue;
		}
		if (!oom && (o = same_vr(prev, sv))) {
			sv->oper = o->oper;
			memcpy(sv->uuid, o->uuid, sizeof(sv->uuid));
			sv->domain_id = o->domain_id;
			sv->vcpus = o->vcpus;
			sv->memory_mib = o->memory_mib;
			continue;
		}
		memset(&st, 0, sizeof(st));
		vnm_err_clear(&e);
		if (d->hv && d->hv->vr_status && vnm_host_local(vr->host) &&
		    !d->hv->vr_status(d->hv_ctx, vr, &st, &e))
			set_status(sv, &st);
	}
	take_vls(c, m, prev, s, &oom);
	qsort(s->vrs, s->n_vrs, sizeof(*s->vrs), cmp_vr);
	qsort(s->vls, s->n_vls, sizeof(*s->vls), cmp_vl);
	if (!oom)
		core_watch_fill(c, s);
	for (i = 0; i < m->n_vns; i++) {
		struct vnm_snap_vn *sn = &s->vns[s->n_vns++];

		sn->name = sdup(m->vns[i].name, &oom);
		sn->admin = m->vns[i].admin;
		sn->n_vrs = (unsigned)m->vns[i].n_vrs;
		sn->n_vls = (unsigned)m->vns[i].n_vls;
	}
	qsort(s->vns, s->n_vns, sizeof(*s->vns), cmp_vn);
	/* VRs are sorted by VN: each VN's VRs are one run. */
	for (i = 0, j = 0; i < s->n_vns && !oom; i++) {
		size_t start;

		while (j < s->n_vrs && strcmp(s->vrs[j].vn, s->vns[i].name) < 0)
			j++;
		start = j;
		while (j < s->n_vrs && !strcmp(s->vrs[j].vn, s->vns[i].name))
			j++;
		s->vns[i].oper = vn_oper(s->vrs + start, j - start);
	}
	clock_gettime(CLOCK_REALTIME, &s->taken);
cleanup:
	core_model_put(c, ref);
	if (oom) {
		vnm_snapshot_free(s);
		vnm_log(VNM_LOG_ERR, "out of memory taking the operational snapshot");
		return NULL;
	}
	return s;
}

/* Whether a driver event announced this state already (consumes it). */
static bool was_announced(struct vnm_core *c, const char *vn, const char *vr,
			  enum vnm_vr_oper state)
{
	bool r = false;
	size_t i;

	pthread_mutex_lock(&c->slock);
	for (i = 0; i < c->n_ann; i++) {
		if (!strcmp(c->ann[i].vn, vn) && !strcmp(c->ann[i].vr, vr) &&
		    c->ann[i].state == state) {
			c->ann[i] = c->ann[--c->n_ann];
			r = true;
			break;
		}
	}
	pthread_mutex_unlock(&c->slock);
	return r;
}

/* Forget the driver's router events no snapshot matched in time. */
static void ann_expire(struct vnm_core *c)
{
	int64_t now = (core_mono_ns() / 1000000);
	size_t i;

	pthread_mutex_lock(&c->slock);
	for (i = 0; i < c->n_ann;) {
		if (now - c->ann[i].at_ms >= c->ann_max_age_ms)
			c->ann[i] = c->ann[--c->n_ann];
		else
			i++;
	}
	if (!c->n_ann && c->cap_ann > 64) {
		/* the events of many routers at once are gone */
		free(c->ann);
		c->ann = NULL;
		c->cap_ann = 0;
	}
	pthread_mutex_unlock(&c->slock);
}

/* Announce a VL's state (up: what it is now; a removed one goes down),
 * with the cause as far as vnmd knows it. */
static void vl_announce(struct vnm_core *c, const struct vnm_snap_vl *vl, const char *why,
			uint64_t gen, uint64_t old_gen)
{
	struct vnm_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = VNM_EV_VL_OPER;
	ev.vn = vl->vn;
	ev.obj = vl->name;
	ev.vl_up = vl->up && strcmp(why ? why : "", "removed");
	ev.generation = gen;
	/* an enabled VL comes up when its carrier does, maybe a refresh
	 * after the commit that made it: "state observed" then */
	if (why)
		ev.reason = why;
	else if (!vl->enabled && !vl->up)
		ev.reason = "admin-down";
	else
		ev.reason = gen != old_gen ? "configuration change" : "state observed";
	core_emit(c, &ev);
}

/* Announce what changed between two snapshots (both sorted by vn, name). */
static void announce_changes(struct vnm_core *c, const struct vnm_snapshot *old,
			     const struct vnm_snapshot *new)
{
	struct vnm_event ev;
	size_t i = 0, j = 0;
	int r;

	while (i < old->n_vrs && j < new->n_vrs) {
		r = cmp_vr(&old->vrs[i], &new->vrs[j]);
		if (r < 0) {
			i++;
			continue;
		}
		if (r > 0) {
			j++;
			continue;
		}
		if (old->vrs[i].oper != new->vrs[j].oper &&
		    !was_announced(c, new->vrs[j].vn, new->vrs[j].name, new->vrs[j].oper)) {
			memset(&ev, 0, sizeof(ev));
			ev.kind = VNM_EV_VR_OPER;
			ev.vn = new->vrs[j].vn;
			ev.obj = new->vrs[j].name;
			ev.vr_state = new->vrs[j].oper;
			ev.reason = new->generation != old->generation ? "configuration change" :
									 "state observed";
			ev.generation = new->generation;
			core_emit(c, &ev);
		}
		i++;
		j++;
	}
	i = j = 0;
	while (i < old->n_vls || j < new->n_vls) {
		r = i == old->n_vls ? 1 : j == new->n_vls ? -1 : cmp_vl(&old->vls[i], &new->vls[j]);
		if (r < 0) {
			/* gone with a commit: down, if it was up */
			if (old->vls[i].up)
				vl_announce(c, &old->vls[i], "removed", new->generation,
					    old->generation);
			i++;
		} else if (r > 0) {
			/* made by a commit: up at once, or later when its
			 * carrier comes (announced then as a change) */
			if (new->vls[j].up)
				vl_announce(c, &new->vls[j], "created", new->generation,
					    old->generation);
			j++;
		} else {
			if (old->vls[i].up != new->vls[j].up)
				vl_announce(c, &new->vls[j], NULL, new->generation,
					    old->generation);
			i++;
			j++;
		}
	}
}

static void snapshot_refresh(struct vnm_core *c, bool full)
{
	struct vnm_snapshot *s, *old, *prev = NULL;

	if (!full) {
		pthread_mutex_lock(&c->slock);
		prev = c->snap;
		if (prev)
			__atomic_add_fetch(&prev->refs, 1, __ATOMIC_ACQ_REL);
		pthread_mutex_unlock(&c->slock);
	}
	s = core_snapshot_take(c, prev);
	if (prev)
		vnm_snapshot_unref(prev);
	if (!s)
		return;
	pthread_mutex_lock(&c->slock);
	old = c->snap;
	c->snap = s;
	pthread_cond_broadcast(&c->pubcond);
	pthread_mutex_unlock(&c->slock);
	if (old) {
		bool shrunk = old->n_vls + old->n_vrs > 2 * (s->n_vls + s->n_vrs) + 256;

		announce_changes(c, old, s);
		ann_expire(c);
		vnm_snapshot_unref(old);
		/* the snapshot of a configuration since cut down is the last
		 * large thing a commit's removal leaves: give the freed pages
		 * back now (a libc call, no program is run) */
		if (shrunk)
			malloc_trim(0);
	}
}

/* While edits stream in, or a transaction runs, the full refresh waits
 * for a pause in steps of this, at most one period more: its dumps (the
 * classes' under the rtnl lock) and its CPU made the edits that met it
 * several times slower. */
#define DEFER_STEP_MS 50

static bool edits_streaming(struct vnm_core *c)
{
	return core_mono_ns() - __atomic_load_n(&c->commit_ns, __ATOMIC_RELAXED) <
	       DEFER_STEP_MS * 1000000LL;
}

/* A transaction is changing reality: a full read now (the timer's, or a
 * hypervisor event's, which the transaction's own changes to a domain
 * set off) would pair the old configuration with what the transaction
 * already did: a VL it disables, seen down while still configured up, was
 * announced as "state observed" instead of admin-down.  Counters read
 * object by object see such states at once. */
static bool txn_running(struct vnm_core *c)
{
	if (pthread_mutex_trylock(&c->txn))
		return true;
	pthread_mutex_unlock(&c->txn);
	return false;
}

/* A repair owed (a failed transaction's leftovers) is retried on its own
 * clock, every VNM_REPAIR_PERIOD_MS (core_repair), not at the full
 * refresh's pace: that is ten times the last full refresh's cost, and a
 * refresh that waited for a hypervisor coming back (libvirtd, restarting,
 * took the connection and answered seconds later) put the next one, and
 * with it the removal of a leftover domain, half a minute or more away.
 * Whether the thread woke for the repair alone (its wait cut short, or a
 * repair newly owed), not yet time to read everything: */
static bool repair_tick(struct vnm_core *c, bool cut, int64_t last_full_ns, unsigned period)
{
	return cut && !c->kick && core_mono_ns() - last_full_ns < (int64_t)period * 1000000;
}

static bool repair_owed(struct vnm_core *c)
{
	bool owed;

	pthread_mutex_lock(&c->slock);
	owed = c->repair_owed;
	pthread_mutex_unlock(&c->slock);
	return owed;
}

static unsigned ms_between(const struct timespec *a, const struct timespec *b)
{
	return (unsigned)((b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000);
}

void *core_snapshot_thread(void *arg)
{
	struct vnm_core *c = arg;
	struct timespec until, t0, t1, c0, c1;
	unsigned wait_ms, period, deferred = 0;
	bool full, by_timer, cut, owed, pending_full = false;
	int64_t last_full_ns = core_mono_ns();

	for (;;) {
		pthread_mutex_lock(&c->slock);
		/* reading every router and link costs time and the drivers'
		 * locks: at most a tenth of the time goes to it, however
		 * large the configuration */
		period = c->refresh_ms;
		if (c->full_cost_ms * 10 > period)
			period = c->full_cost_ms * 10;
		wait_ms = deferred ? DEFER_STEP_MS : period;
		cut = c->repair_owed && wait_ms > VNM_REPAIR_PERIOD_MS;
		if (cut)
			wait_ms = VNM_REPAIR_PERIOD_MS;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += wait_ms / 1000;
		until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		full = true;
		while (!c->stop && !c->kick) {
			if (c->repair_owed && wait_ms > VNM_REPAIR_PERIOD_MS) {
				cut = true;
				break;
			}
			if (pthread_cond_timedwait(&c->scond, &c->slock, &until) == ETIMEDOUT)
				break;
		}
		/* a commit's kick reads what it changed; events and the timer
		 * read everything */
		by_timer = !c->kick;
		if ((c->kick && !c->kick_full) || repair_tick(c, cut, last_full_ns, period))
			full = false;
		owed = c->repair_owed;
		c->kick = false;
		c->kick_full = false;
		if (c->stop) {
			pthread_mutex_unlock(&c->slock);
			break;
		}
		full = full || pending_full;
		if (full && deferred < period &&
		    ((by_timer && edits_streaming(c)) || txn_running(c))) {
			deferred += DEFER_STEP_MS;
			pending_full = true;
			pthread_mutex_unlock(&c->slock);
			continue;
		}
		deferred = 0;
		pending_full = false;
		pthread_mutex_unlock(&c->slock);
		/* a failed transaction left reality to repair: retried here
		 * too, so that it is repaired without waiting for an edit;
		 * a repair done changed reality: read all of it */
		if (full || owed)
			core_repair(c);
		if (owed && !repair_owed(c))
			full = true;
		else if (!full && by_timer)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
		snapshot_refresh(c, full);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (full) {
			unsigned ms = ms_between(&t0, &t1), cpu = ms_between(&c0, &c1);

			last_full_ns = core_mono_ns();
			/* paced by the work it did (this thread's CPU, the
			 * kernel's dumps included), not by its wall time: a
			 * refresh that waited seconds for a restarting libvirtd
			 * put the next ones tens of seconds apart */
			pthread_mutex_lock(&c->slock);
			c->full_cost_ms = cpu;
			pthread_mutex_unlock(&c->slock);
			vnm_log(VNM_LOG_DEBUG, "snapshot: every object read in %u ms (%u ms of CPU)",
				ms, cpu);
		}
	}
	return NULL;
}
