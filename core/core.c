/*
 * core.c - transactions, datastores, reconciliation and the operational
 * snapshot (see core.h).
 *
 * Locks, always taken in this order and never held across a callback:
 *   txn    one configuration change at a time; held for a whole
 *          transaction.
 *   startup the startup file (reading it never waits for a commit).
 *   mlock  the running tree, its model and the generation; held only to
 *          read or swap pointers (and to copy the running tree), so that
 *          readers never wait for a transaction.
 *   slock  the published snapshot and the snapshot thread's wake-up.
 *   sublock the event subscribers.
 * The model is reference-counted: the snapshot thread reads one while a
 * commit may replace it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>

#include "core.h"
#include "log.h"
#include "plan.h"
#include "reconcile.h"
#include "store.h"
#include "txn.h"

struct model_ref {
	struct vnm_model *m;
	int refs; /* under mlock */
};

struct sub {
	vnm_event_cb cb;
	void *arg;
};

/* A state a driver event already announced, so that the snapshot thread
 * does not announce it twice. */
struct announced {
	char vn[128], vr[128];
	enum vnm_vr_oper state;
};

struct vnm_core {
	struct ly_ctx *ctx;
	char *state_dir;
	struct vnm_drivers drv;
	struct vnm_link_caps caps;
	unsigned refresh_ms;
	const struct vnm_uri_policy *uris;

	pthread_mutex_t txn;
	pthread_mutex_t startup; /* the startup file; never held with txn */

	pthread_mutex_t mlock;
	struct lyd_node *running;
	struct model_ref *model;
	uint64_t generation;

	pthread_mutex_t slock;
	pthread_cond_t scond;
	pthread_cond_t pubcond;  /* a new snapshot was published */
	pthread_t thread;
	bool thread_started, stop, kick;
	bool kick_full;          /* a driver event: read every object again */
	unsigned full_cost_ms;   /* duration of the last full refresh */
	struct vnm_snapshot *snap;
	struct announced *ann;
	size_t n_ann, cap_ann;

	pthread_mutex_t sublock;
	struct sub *subs;
	size_t n_subs;
};

/* ------------------------------------------------------------------ */
/* Models                                                              */
/* ------------------------------------------------------------------ */

static struct model_ref *model_ref_new(struct vnm_model *m)
{
	struct model_ref *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->m = m;
	r->refs = 1;
	return r;
}

static struct model_ref *model_get(struct vnm_core *c)
{
	struct model_ref *r;

	pthread_mutex_lock(&c->mlock);
	r = c->model;
	r->refs++;
	pthread_mutex_unlock(&c->mlock);
	return r;
}

static void model_put(struct vnm_core *c, struct model_ref *r)
{
	bool last;

	if (!r)
		return;
	pthread_mutex_lock(&c->mlock);
	last = --r->refs == 0;
	pthread_mutex_unlock(&c->mlock);
	if (last) {
		vnm_model_free(r->m);
		free(r);
	}
}

/* Refuse what the kernel cannot do before anything is touched. */
static int check_caps(const struct vnm_core *c, const struct vnm_model *m, struct vnm_err *err)
{
	char path[512];
	size_t i;

	if (c->caps.netem)
		return 0;
	for (i = 0; i < m->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];
		const char *vn = vl->vn ? vl->vn->name : "?";

		if (!vl->delay_us && !vl->jitter_us && !vl->loss_ppm)
			continue;
		snprintf(path, sizeof(path),
			 "/ietf-network:networks/network[network-id='%s']"
			 "/ietf-network-topology:link[link-id='%s']",
			 vn, vl->name);
		return vnm_err_set(err, VNM_E_UNSUPPORTED, path,
				   "link %s/%s: delay, jitter and loss need the kernel module "
				   "sch_netem, which this host does not have; remove them from the "
				   "link, or load sch_netem and restart vnmd",
				   vn, vl->name);
	}
	return 0;
}

static int build_valid(struct vnm_core *c, const struct lyd_node *cfg, struct vnm_model **out,
		       struct vnm_err *err)
{
	struct vnm_model *m = NULL;

	*out = NULL;
	if (vnm_model_build(cfg, &m, err))
		return -1;
	if (vnm_validate_with(m, c->uris, err) || check_caps(c, m, err)) {
		vnm_model_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

static int dup_tree(const struct lyd_node *t, struct lyd_node **out, struct vnm_err *err)
{
	*out = NULL;
	if (!t)
		return 0;
	if (lyd_dup_siblings(t, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, out) != LY_SUCCESS)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "cannot copy the configuration");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

static void emit(struct vnm_core *c, const struct vnm_event *ev)
{
	struct sub *subs = NULL;
	size_t n, i;

	pthread_mutex_lock(&c->sublock);
	n = c->n_subs;
	if (n && (subs = malloc(n * sizeof(*subs))))
		memcpy(subs, c->subs, n * sizeof(*subs));
	pthread_mutex_unlock(&c->sublock);
	for (i = 0; subs && i < n; i++)
		subs[i].cb(subs[i].arg, ev);
	free(subs);
}

int vnm_core_subscribe(struct vnm_core *c, vnm_event_cb cb, void *arg)
{
	struct sub *ns;
	int rc = -1;

	pthread_mutex_lock(&c->sublock);
	ns = realloc(c->subs, (c->n_subs + 1) * sizeof(*ns));
	if (ns) {
		c->subs = ns;
		c->subs[c->n_subs].cb = cb;
		c->subs[c->n_subs].arg = arg;
		c->n_subs++;
		rc = 0;
	}
	pthread_mutex_unlock(&c->sublock);
	return rc;
}

static void kick(struct vnm_core *c)
{
	pthread_mutex_lock(&c->slock);
	c->kick = true;
	pthread_cond_signal(&c->scond);
	pthread_mutex_unlock(&c->slock);
}

/* From the hypervisor driver's event thread. */
static void on_vr_event(void *arg, const char *vn, const char *vr, enum vnm_vr_oper state,
			const char *reason)
{
	struct vnm_core *c = arg;
	struct vnm_event ev = {.kind = VNM_EV_VR_OPER, .vn = vn, .obj = vr, .vr_state = state,
			       .reason = reason};

	pthread_mutex_lock(&c->slock);
	if (c->n_ann == c->cap_ann) {
		size_t ncap = c->cap_ann ? c->cap_ann * 2 : 8;
		struct announced *na = realloc(c->ann, ncap * sizeof(*na));

		if (na) {
			c->ann = na;
			c->cap_ann = ncap;
		}
	}
	if (c->n_ann < c->cap_ann) {
		snprintf(c->ann[c->n_ann].vn, sizeof(c->ann[0].vn), "%s", vn);
		snprintf(c->ann[c->n_ann].vr, sizeof(c->ann[0].vr), "%s", vr);
		c->ann[c->n_ann].state = state;
		c->n_ann++;
	}
	c->kick = true;
	c->kick_full = true;
	pthread_cond_signal(&c->scond);
	pthread_mutex_unlock(&c->slock);
	vnm_log(VNM_LOG_INFO, "router %s/%s is now %s (%s)", vn, vr, vnm_vr_oper_str(state),
		reason ? reason : "event");
	emit(c, &ev);
}

/* ------------------------------------------------------------------ */
/* Snapshots                                                           */
/* ------------------------------------------------------------------ */

struct vnm_snapshot *vnm_core_snapshot(struct vnm_core *c)
{
	struct vnm_snapshot *s;
	struct timespec until;
	uint64_t gen;

	/* Read your writes: once a commit returned, the next read shows its
	 * effect.  This waits for one snapshot refresh (the commit kicked it),
	 * never for a transaction, and never longer than two seconds. */
	pthread_mutex_lock(&c->mlock);
	gen = c->generation;
	pthread_mutex_unlock(&c->mlock);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_mutex_lock(&c->slock);
	while (c->snap && c->snap->generation < gen && !c->stop && c->thread_started) {
		if (pthread_cond_timedwait(&c->pubcond, &c->slock, &until) == ETIMEDOUT)
			break;
	}
	s = c->snap;
	if (s)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&c->slock);
	return s;
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
	    strcmp(o->ifname, sl->ifname))
		return NULL;
	return o;
}

/* A snapshot of the running model; with prev (after a commit), VRs and VLs
 * configured as in prev keep prev's driver state instead of being read
 * again: a commit of one change then costs no driver call per object. */
static struct vnm_snapshot *snapshot_take(struct vnm_core *c, const struct vnm_snapshot *prev)
{
	const struct vnm_drivers *d = &c->drv;
	struct model_ref *ref = model_get(c);
	const struct vnm_model *m = ref->m;
	struct vnm_snapshot *s = calloc(1, sizeof(*s));
	const struct vnm_snap_vr *o;
	const struct vnm_snap_vl *ol;
	struct vnm_err e;
	bool oom = !s;
	size_t i, j;

	if (oom)
		goto cleanup;
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
		if (d->hv && d->hv->vr_status && vr->host && !d->hv->vr_status(d->hv_ctx, vr, &st, &e)) {
			sv->oper = st.state;
			snprintf(sv->uuid, sizeof(sv->uuid), "%s", st.uuid);
			sv->domain_id = st.domain_id;
			if (st.vcpus)
				sv->vcpus = st.vcpus;
			if (st.memory_mib)
				sv->memory_mib = st.memory_mib;
		}
	}
	for (i = 0; i < m->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];
		struct vnm_snap_vl *sl = &s->vls[s->n_vls++];

		sl->vn = sdup(vl->vn ? vl->vn->name : "", &oom);
		sl->name = sdup(vl->name, &oom);
		sl->a_node = sdup(vl->a ? vl->a->vr->name : "", &oom);
		sl->a_tp = sdup(vl->a ? vl->a->name : "", &oom);
		sl->b_node = sdup(vl->b ? vl->b->vr->name : "", &oom);
		sl->b_tp = sdup(vl->b ? vl->b->name : "", &oom);
		sl->guaranteed = vl->guaranteed;
		sl->limit = vl->limit;
		snprintf(sl->ifname, sizeof(sl->ifname), "%s", vl->end_a);
		if (!oom && (ol = same_vl(prev, sl))) {
			sl->ctr = ol->ctr;
			sl->up = ol->up;
			continue;
		}
		vnm_err_clear(&e);
		if (d->link && d->link->vl_counters && vl->a && vl->b &&
		    !d->link->vl_counters(d->link_ctx, vl, &sl->ctr, &e))
			sl->up = sl->ctr.up;
	}
	qsort(s->vrs, s->n_vrs, sizeof(*s->vrs), cmp_vr);
	qsort(s->vls, s->n_vls, sizeof(*s->vls), cmp_vl);
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
	model_put(c, ref);
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
			emit(c, &ev);
		}
		i++;
		j++;
	}
	i = j = 0;
	while (i < old->n_vls && j < new->n_vls) {
		r = cmp_vl(&old->vls[i], &new->vls[j]);
		if (r < 0) {
			i++;
			continue;
		}
		if (r > 0) {
			j++;
			continue;
		}
		if (old->vls[i].up != new->vls[j].up) {
			memset(&ev, 0, sizeof(ev));
			ev.kind = VNM_EV_VL_OPER;
			ev.vn = new->vls[j].vn;
			ev.obj = new->vls[j].name;
			ev.vl_up = new->vls[j].up;
			ev.generation = new->generation;
			emit(c, &ev);
		}
		i++;
		j++;
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
	s = snapshot_take(c, prev);
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
		announce_changes(c, old, s);
		vnm_snapshot_unref(old);
	}
}

static void *snapshot_thread(void *arg)
{
	struct vnm_core *c = arg;
	struct timespec until, t0, t1;
	unsigned wait_ms;
	bool full;

	for (;;) {
		pthread_mutex_lock(&c->slock);
		/* reading every router and link costs time and the drivers'
		 * locks: at most a tenth of the time goes to it, however
		 * large the configuration */
		wait_ms = c->refresh_ms;
		if (c->full_cost_ms * 10 > wait_ms)
			wait_ms = c->full_cost_ms * 10;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += wait_ms / 1000;
		until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		full = true;
		while (!c->stop && !c->kick) {
			if (pthread_cond_timedwait(&c->scond, &c->slock, &until) == ETIMEDOUT)
				break;
		}
		/* a commit's kick reads what it changed; events and the timer
		 * read everything */
		if (c->kick && !c->kick_full)
			full = false;
		c->kick = false;
		c->kick_full = false;
		if (c->stop) {
			pthread_mutex_unlock(&c->slock);
			break;
		}
		pthread_mutex_unlock(&c->slock);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		snapshot_refresh(c, full);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (full) {
			pthread_mutex_lock(&c->slock);
			c->full_cost_ms = (unsigned)((t1.tv_sec - t0.tv_sec) * 1000 +
						     (t1.tv_nsec - t0.tv_nsec) / 1000000);
			pthread_mutex_unlock(&c->slock);
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */
/* ------------------------------------------------------------------ */

static void probe_caps(struct vnm_core *c)
{
	struct vnm_err e;

	memset(&c->caps, 0, sizeof(c->caps));
	if (!c->drv.link || !c->drv.link->probe)
		return;
	vnm_err_clear(&e);
	if (c->drv.link->probe(c->drv.link_ctx, &c->caps, &e)) {
		vnm_log(VNM_LOG_WARNING, "cannot probe the kernel's link features: %s", e.msg);
		memset(&c->caps, 0, sizeof(c->caps));
		return;
	}
	vnm_log(VNM_LOG_INFO, "kernel link features: htb=%d tbf=%d netem=%d vxlan=%d bridge=%d "
			      "veth=%d u32=%d",
		c->caps.htb, c->caps.tbf, c->caps.netem, c->caps.vxlan, c->caps.bridge,
		c->caps.veth, c->caps.u32);
}

int vnm_core_new(const struct vnm_core_opts *o, struct vnm_core **out, struct vnm_err *err)
{
	struct vnm_core *c = NULL;
	struct lyd_node *cfg = NULL;
	struct vnm_model *m = NULL;
	struct vnm_reconcile_stats st;
	struct vnm_err e;
	const char *from;
	int rc = -1;

	*out = NULL;
	if (!o || !o->ctx)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "the core needs a YANG context");
	c = calloc(1, sizeof(*c));
	if (!c)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory starting the core");
	pthread_mutex_init(&c->txn, NULL);
	pthread_mutex_init(&c->startup, NULL);
	pthread_mutex_init(&c->mlock, NULL);
	pthread_mutex_init(&c->slock, NULL);
	pthread_cond_init(&c->scond, NULL);
	pthread_cond_init(&c->pubcond, NULL);
	pthread_mutex_init(&c->sublock, NULL);
	c->ctx = o->ctx;
	c->drv = o->drv;
	c->uris = o->uris;
	c->refresh_ms = o->refresh_ms ? o->refresh_ms : 500;
	if (o->state_dir && !(c->state_dir = strdup(o->state_dir))) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory starting the core");
		goto cleanup;
	}
	probe_caps(c);

	/* The configuration to start from. */
	from = o->from_startup ? VNM_STORE_STARTUP : VNM_STORE_RUNNING;
	if (c->state_dir && vnm_store_load(c->ctx, c->state_dir, from, &cfg, err))
		goto cleanup;
	if (vnm_model_build(cfg, &m, err))
		goto cleanup;
	if (vnm_validate_with(m, c->uris, err)) {
		vnm_err_prefix(err, "the stored configuration %s/%s is not valid; fix or remove it",
			       c->state_dir ? c->state_dir : ".", from);
		goto cleanup;
	}
	if (o->reconcile) {
		vnm_err_clear(&e);
		memset(&st, 0, sizeof(st));
		if (vnm_reconcile(&c->drv, m, 0, &st, &e))
			vnm_log(VNM_LOG_ERR, "reconciliation incomplete: %s", e.msg);
		c->generation = st.max_generation;
	}
	c->model = model_ref_new(m);
	if (!c->model) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory starting the core");
		goto cleanup;
	}
	m = NULL;
	c->running = cfg;
	cfg = NULL;
	if (o->from_startup && c->state_dir &&
	    vnm_store_save(c->state_dir, VNM_STORE_RUNNING, c->running, err))
		goto cleanup;

	if (c->drv.hv && c->drv.hv->set_event_cb)
		c->drv.hv->set_event_cb(c->drv.hv_ctx, on_vr_event, c);
	c->snap = snapshot_take(c, NULL);
	if (!c->snap) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory taking the first snapshot");
		goto cleanup;
	}
	if (pthread_create(&c->thread, NULL, snapshot_thread, c)) {
		vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot start the snapshot thread");
		goto cleanup;
	}
	c->thread_started = true;
	*out = c;
	c = NULL;
	rc = 0;
cleanup:
	vnm_model_free(m);
	lyd_free_all(cfg);
	vnm_core_free(c);
	return rc;
}

void vnm_core_free(struct vnm_core *c)
{
	struct vnm_err e;

	if (!c)
		return;
	if (c->drv.hv && c->drv.hv->set_event_cb)
		c->drv.hv->set_event_cb(c->drv.hv_ctx, NULL, NULL);
	if (c->thread_started) {
		pthread_mutex_lock(&c->slock);
		c->stop = true;
		pthread_cond_signal(&c->scond);
		pthread_cond_broadcast(&c->pubcond);
		pthread_mutex_unlock(&c->slock);
		pthread_join(c->thread, NULL);
		/* Running was saved by every commit; saving again makes sure a
		 * state directory that was lost or replaced gets it back. */
		vnm_err_clear(&e);
		if (c->state_dir && vnm_store_save(c->state_dir, VNM_STORE_RUNNING, c->running, &e))
			vnm_log(VNM_LOG_ERR, "cannot save the running configuration: %s", e.msg);
	}
	vnm_snapshot_unref(c->snap);
	if (c->model) {
		vnm_model_free(c->model->m);
		free(c->model);
	}
	lyd_free_all(c->running);
	free(c->ann);
	free(c->subs);
	free(c->state_dir);
	pthread_mutex_destroy(&c->txn);
	pthread_mutex_destroy(&c->startup);
	pthread_mutex_destroy(&c->mlock);
	pthread_mutex_destroy(&c->slock);
	pthread_cond_destroy(&c->scond);
	pthread_cond_destroy(&c->pubcond);
	pthread_mutex_destroy(&c->sublock);
	free(c);
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

int vnm_core_running(struct vnm_core *c, struct lyd_node **out, struct vnm_err *err)
{
	int rc;

	pthread_mutex_lock(&c->mlock);
	rc = dup_tree(c->running, out, err);
	pthread_mutex_unlock(&c->mlock);
	return rc;
}

int vnm_core_validate(struct vnm_core *c, const struct lyd_node *cfg, struct vnm_err *err)
{
	struct vnm_model *m = NULL;

	if (build_valid(c, cfg, &m, err))
		return -1;
	vnm_model_free(m);
	return 0;
}

static int commit(struct vnm_core *c, const struct lyd_node *cfg, struct lyd_node **take,
		  const struct lyd_node *diff, struct vnm_err *err);

int vnm_core_commit(struct vnm_core *c, const struct lyd_node *cfg, const struct lyd_node *diff,
		    struct vnm_err *err)
{
	return commit(c, cfg, NULL, diff, err);
}

int vnm_core_commit_take(struct vnm_core *c, struct lyd_node **cfg, const struct lyd_node *diff,
			 struct vnm_err *err)
{
	return commit(c, *cfg, cfg, diff, err);
}

static int commit(struct vnm_core *c, const struct lyd_node *cfg, struct lyd_node **take,
		  const struct lyd_node *diff, struct vnm_err *err)
{
	struct vnm_model *nm = NULL;
	struct model_ref *nref = NULL, *oref;
	struct vnm_plan *plan = NULL;
	struct vnm_journal *j = NULL;
	struct lyd_node *ncfg = NULL, *ocfg;
	struct vnm_event ev;
	struct vnm_err ue;
	uint64_t gen;
	int rc = -1;

	pthread_mutex_lock(&c->txn);
	/* Validate: no side effects. */
	if (build_valid(c, cfg, &nm, err))
		goto cleanup;
	if (take) {
		/* the caller's tree becomes running on success, returns to
		 * the caller on failure */
		ncfg = *take;
	} else if (dup_tree(cfg, &ncfg, err)) {
		goto cleanup;
	}
	nref = model_ref_new(nm);
	if (!nref) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory committing");
		goto cleanup;
	}
	nm = NULL;
	/* Only commits change c->model, and this one holds txn. */
	oref = c->model;
	gen = c->generation + 1;
	if (vnm_plan_build(oref->m, nref->m, diff, c->generation, gen, &plan, err))
		goto cleanup;
	vnm_log(VNM_LOG_INFO, "commit %llu: %zu step(s)", (unsigned long long)gen, plan->n);
	/* Apply, journaling inverses. */
	if (vnm_txn_apply(&c->drv, plan, &j, err))
		goto cleanup;
	/* Persist; a configuration that cannot be saved is not committed. */
	if (c->state_dir && vnm_store_save(c->state_dir, VNM_STORE_RUNNING, ncfg, err)) {
		vnm_err_clear(&ue);
		if (vnm_txn_undo(&c->drv, j, &ue)) {
			vnm_err_prefix(err, "%s; then", ue.msg);
			err->code = VNM_E_INCONSISTENT;
		} else {
			vnm_err_prefix(err, "change undone");
		}
		goto cleanup;
	}
	/* Commit: swap. */
	pthread_mutex_lock(&c->mlock);
	ocfg = c->running;
	c->running = ncfg;
	c->model = nref;
	c->generation = gen;
	pthread_mutex_unlock(&c->mlock);
	ncfg = NULL;
	if (take)
		*take = NULL;
	nref = NULL;
	lyd_free_all(ocfg);
	model_put(c, oref);
	rc = 0;
cleanup:
	/* applied or undone: what the link driver deferred is done now */
	if (plan && c->drv.link && c->drv.link->flush)
		c->drv.link->flush(c->drv.link_ctx);
	vnm_journal_free(j);
	vnm_plan_free(plan);
	vnm_model_free(nm);
	if (nref) {
		vnm_model_free(nref->m);
		free(nref);
	}
	if (!take)
		lyd_free_all(ncfg);
	if (rc)
		vnm_log(VNM_LOG_WARNING, "commit refused: %s", err ? err->msg : "");
	pthread_mutex_unlock(&c->txn);
	if (!rc) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = VNM_EV_CONFIG;
		ev.generation = gen;
		emit(c, &ev);
		kick(c);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Startup datastore                                                   */
/* ------------------------------------------------------------------ */

static int need_dir(struct vnm_core *c, struct vnm_err *err)
{
	if (c->state_dir)
		return 0;
	return vnm_err_set(err, VNM_E_UNSUPPORTED, NULL,
			   "there is no startup datastore without a state directory "
			   "(start vnmd with --state-dir DIR)");
}

int vnm_core_startup_load(struct vnm_core *c, struct lyd_node **out, struct vnm_err *err)
{
	int rc;

	*out = NULL;
	if (!c->state_dir)
		return 0;
	pthread_mutex_lock(&c->startup);
	rc = vnm_store_load(c->ctx, c->state_dir, VNM_STORE_STARTUP, out, err);
	pthread_mutex_unlock(&c->startup);
	return rc;
}

int vnm_core_startup_save(struct vnm_core *c, const struct lyd_node *cfg, struct vnm_err *err)
{
	int rc;

	if (need_dir(c, err))
		return -1;
	pthread_mutex_lock(&c->startup);
	rc = vnm_store_save(c->state_dir, VNM_STORE_STARTUP, cfg, err);
	pthread_mutex_unlock(&c->startup);
	return rc;
}

int vnm_core_startup_delete(struct vnm_core *c, struct vnm_err *err)
{
	int rc;

	if (need_dir(c, err))
		return -1;
	pthread_mutex_lock(&c->startup);
	rc = vnm_store_delete(c->state_dir, VNM_STORE_STARTUP, err);
	pthread_mutex_unlock(&c->startup);
	return rc;
}
