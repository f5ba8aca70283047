/*
 * core.c - the core's life cycle (see core.h): start (load the stored
 * configuration, validate, reconcile, first snapshot, snapshot thread) and
 * stop; the counted references to the running model; events to the
 * subscribers.  Commits and the datastores are in commit.c, the
 * operational snapshot in core_snap.c; the state they share and the lock
 * order are in core_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "core_int.h"
#include "log.h"
#include "reconcile.h"
#include "store.h"
#include "wal.h"

/* ------------------------------------------------------------------ */
/* Models                                                              */
/* ------------------------------------------------------------------ */

struct model_ref *core_model_ref_new(struct vnm_model *m)
{
	struct model_ref *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->m = m;
	r->refs = 1;
	return r;
}

struct model_ref *core_model_get(struct vnm_core *c)
{
	struct model_ref *r;

	pthread_mutex_lock(&c->mlock);
	r = c->model;
	r->refs++;
	pthread_mutex_unlock(&c->mlock);
	return r;
}

void core_model_put(struct vnm_core *c, struct model_ref *r)
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

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

void core_emit(struct vnm_core *c, const struct vnm_event *ev)
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

void core_kick(struct vnm_core *c)
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
		c->ann[c->n_ann].at_ms = (core_mono_ns() / 1000000);
		c->n_ann++;
	}
	c->kick = true;
	c->kick_full = true;
	pthread_cond_signal(&c->scond);
	pthread_mutex_unlock(&c->slock);
	vnm_log(VNM_LOG_INFO, "router %s/%s is now %s (%s)", vn, vr, vnm_vr_oper_str(state),
		reason ? reason : "event");
	core_emit(c, &ev);
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

/* Running's journal (wal.h): records newer than running.xml are merged into
 * cfg; starting from startup, the journal is history (the whole save that
 * follows drops it) and only its sequence numbers go on. */
static int load_journal(struct vnm_core *c, bool from_startup, struct lyd_node **cfg,
			struct vnm_err *err)
{
	struct vnm_wal_info wi;
	uint64_t base = vnm_wal_base_seq(c->state_dir, VNM_STORE_RUNNING);
	struct lyd_node *none = NULL;

	if (vnm_wal_replay(c->ctx, c->state_dir, base, from_startup ? &none : cfg, &wi, err)) {
		lyd_free_all(none);
		vnm_err_prefix(err, "the running configuration's journal");
		return -1;
	}
	lyd_free_all(none);
	c->jseq = wi.last_seq;
	c->file_seq = base;
	c->wal_size = wi.valid_len;
	if (wi.applied && !from_startup)
		vnm_log(VNM_LOG_NOTICE, "running: %zu change(s) read back from the journal "
			"(%zu already in running.xml)", wi.applied, wi.skipped);
	return 0;
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
	c->ann_max_age_ms = CORE_ANN_MAX_AGE_MS;
	pthread_mutex_init(&c->txn, NULL);
	pthread_mutex_init(&c->startup, NULL);
	pthread_mutex_init(&c->mlock, NULL);
	pthread_mutex_init(&c->slock, NULL);
	pthread_cond_init(&c->scond, NULL);
	pthread_cond_init(&c->pubcond, NULL);
	pthread_mutex_init(&c->sublock, NULL);
	pthread_mutex_init(&c->wlock, NULL);
	pthread_mutex_init(&c->jlock, NULL);
	pthread_mutex_init(&c->clock_, NULL);
	pthread_cond_init(&c->ccond, NULL);
	c->ctx = o->ctx;
	c->drv = o->drv;
	c->uris = o->uris;
	c->local_host = o->local_host;
	c->peers = o->peers;
	c->peer_timeout_s = o->peer_timeout_s ? o->peer_timeout_s : 60;
	c->refresh_ms = o->refresh_ms ? o->refresh_ms : 500;
	if (o->state_dir && !(c->state_dir = strdup(o->state_dir))) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory starting the core");
		goto cleanup;
	}
	probe_caps(c);
	/* debris of a save a crash interrupted: harmless to the datastores
	 * (the next save truncates it), so a failure here only warns */
	vnm_err_clear(&e);
	if (c->state_dir && vnm_store_clean(c->state_dir, &e) < 0)
		vnm_log(VNM_LOG_WARNING, "%s", e.msg);

	/* The configuration to start from. */
	from = o->from_startup ? VNM_STORE_STARTUP : VNM_STORE_RUNNING;
	if (c->state_dir && vnm_store_load(c->ctx, c->state_dir, from, &cfg, err))
		goto cleanup;
	if (c->state_dir && load_journal(c, o->from_startup, &cfg, err))
		goto cleanup;
	if (vnm_model_build(cfg, &m, err))
		goto cleanup;
	vnm_model_mark(m, c->local_host);
	if (c->local_host)
		vnm_log_info("realising the share of host %s only (--host): the other hosts' "
			     "vnmds realise theirs%s", c->local_host,
			     m->n_hosts && !vnm_model_host(m, c->local_host) ?
			     "; the configuration has no such host yet" : "");
	if (vnm_model_set_overhead(m, core_encap_overhead(c), err) || vnm_validate_with(m, c->uris, err)) {
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
	c->model = core_model_ref_new(m);
	if (!c->model) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory starting the core");
		goto cleanup;
	}
	m = NULL;
	c->running = cfg;
	cfg = NULL;
	if (o->from_startup && core_save_running(c, c->running, err))
		goto cleanup;
	if (core_wal_start(c, err))
		goto cleanup;

	if (c->drv.hv && c->drv.hv->set_event_cb)
		c->drv.hv->set_event_cb(c->drv.hv_ctx, on_vr_event, c);
	c->snap = core_snapshot_take(c, NULL);
	if (!c->snap) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory taking the first snapshot");
		goto cleanup;
	}
	if (pthread_create(&c->thread, NULL, core_snapshot_thread, c)) {
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
		core_wal_stop(c);
		/* Running was saved by every commit (whole or in the journal);
		 * saving it whole folds the journal in and makes sure a state
		 * directory that was lost or replaced gets it back. */
		vnm_err_clear(&e);
		if (core_save_running(c, c->running, &e))
			vnm_log(VNM_LOG_ERR, "cannot save the running configuration: %s", e.msg);
	}
	core_wal_stop(c);
	vnm_snapshot_unref(c->snap);
	if (c->model) {
		vnm_model_free(c->model->m);
		free(c->model);
	}
	lyd_free_all(c->running);
	free(c->ann);
	core_gather_free(c);
	free(c->subs);
	core_watch_free(c);
	free(c->state_dir);
	pthread_mutex_destroy(&c->txn);
	pthread_mutex_destroy(&c->startup);
	pthread_mutex_destroy(&c->mlock);
	pthread_mutex_destroy(&c->slock);
	pthread_cond_destroy(&c->scond);
	pthread_cond_destroy(&c->pubcond);
	pthread_mutex_destroy(&c->sublock);
	pthread_mutex_destroy(&c->wlock);
	pthread_mutex_destroy(&c->jlock);
	pthread_mutex_destroy(&c->clock_);
	pthread_cond_destroy(&c->ccond);
	free(c);
}

void vnm_core_start_peers(struct vnm_core *c)
{
	if (c)
		core_coord_resync(c);
}
