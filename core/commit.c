/*
 * commit.c - changing the configuration (see core.h): semantic
 * validation (with what the kernel can do), the commit (plan, apply with
 * undo, persist, swap), reads of running, the startup datastore and the
 * record of a pending confirmed commit.
 * Apart from core.c because it is the one path that changes the
 * configuration, and holds the txn lock throughout (core_int.h gives the
 * lock order).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>

#include "core_int.h"
#include "log.h"
#include "plan.h"
#include "reconcile.h"
#include "store.h"
#include "txn.h"
#include "uri_policy.h"

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

		if (!vnm_vl_needs_netem(vl))
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
	vnm_model_mark(m, c->local_host);
	if (vnm_model_set_overhead(m, core_encap_overhead(c), err) || vnm_validate_with(m, c->uris, err) ||
	    check_caps(c, m, err) || core_coord_check(c, m, err)) {
		vnm_model_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

int core_dup_tree(const struct lyd_node *t, struct lyd_node **out, struct vnm_err *err)
{
	*out = NULL;
	if (!t)
		return 0;
	if (lyd_dup_siblings(t, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, out) != LY_SUCCESS)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "cannot copy the configuration");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

int vnm_core_running(struct vnm_core *c, struct lyd_node **out, struct vnm_err *err)
{
	int rc;

	pthread_mutex_lock(&c->mlock);
	rc = core_dup_tree(c->running, out, err);
	pthread_mutex_unlock(&c->mlock);
	return rc;
}

uint64_t vnm_core_generation(struct vnm_core *c)
{
	uint64_t g;

	pthread_mutex_lock(&c->mlock);
	g = c->generation;
	pthread_mutex_unlock(&c->mlock);
	return g;
}

/* A copy of running's top-level nodes of module mod (all but them: other). */
static int running_part(struct vnm_core *c, const char *mod, bool other, struct lyd_node **out,
			uint64_t *generation, struct vnm_err *err)
{
	const struct lyd_node *top;
	struct lyd_node *dup;
	int rc = 0;

	*out = NULL;
	pthread_mutex_lock(&c->mlock);
	*generation = c->generation;
	LY_LIST_FOR(c->running, top) {
		if (!top->schema || !strcmp(top->schema->module->name, mod) == other)
			continue;
		dup = NULL;
		if (lyd_dup_single(top, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &dup) ||
		    lyd_insert_sibling(*out, dup, out)) {
			lyd_free_tree(dup);
			rc = vnm_err_set(err, VNM_E_NOMEM, NULL, "cannot copy the configuration");
			break;
		}
	}
	pthread_mutex_unlock(&c->mlock);
	if (rc) {
		lyd_free_all(*out);
		*out = NULL;
	}
	return rc;
}

int vnm_core_running_module(struct vnm_core *c, const char *mod, struct lyd_node **out,
			    uint64_t *generation, struct vnm_err *err)
{
	return running_part(c, mod, false, out, generation, err);
}

int vnm_core_running_read(struct vnm_core *c, const char *mod,
			  int (*fn)(void *arg, const struct lyd_node *top), void *arg,
			  uint64_t *generation)
{
	const struct lyd_node *top;
	int rc;

	pthread_mutex_lock(&c->mlock);
	*generation = c->generation;
	LY_LIST_FOR(c->running, top) {
		if (top->schema && !strcmp(top->schema->module->name, mod))
			break;
	}
	rc = fn(arg, top);
	pthread_mutex_unlock(&c->mlock);
	return rc;
}

/* A list entry's key (libyang keeps keys first), or NULL. */
static const char *entry_key(const struct lyd_node *n)
{
	const struct lyd_node *k = n ? lyd_child(n) : NULL;

	return k && k->schema && (k->schema->flags & LYS_KEY) ? lyd_get_value(k) : NULL;
}

int vnm_core_leaves_since(struct vnm_core *c, uint64_t from, vnm_leaf_since_cb cb, void *arg,
			  uint64_t *generation)
{
	const struct lyd_node *leaf, *link, *net;
	const struct core_ilog *e;
	size_t i, k;
	int rc = 0;

	pthread_mutex_lock(&c->mlock);
	*generation = c->generation;
	if (from == c->generation)
		goto unlock;
	rc = 1;
	if (!c->ilog_valid || c->ilog_top != c->generation || from < c->ilog_base ||
	    from > c->generation)
		goto unlock;
	rc = 0;
	for (i = 0; cb && i < c->n_ilog && !rc; i++) {
		e = &c->ilog[i];
		if (e->gen <= from)
			continue;
		/* a leaf changed again later: once, with its value now */
		for (k = i + 1; k < c->n_ilog; k++) {
			if (c->ilog[k].parent == e->parent && c->ilog[k].schema == e->schema)
				break;
		}
		if (k < c->n_ilog)
			continue;
		LY_LIST_FOR(lyd_child(e->parent), leaf) {
			if (leaf->schema == e->schema)
				break;
		}
		link = lyd_parent(e->parent);
		net = link ? lyd_parent(link) : NULL;
		/* a default leaf is not in the text (with-defaults explicit) */
		if (!leaf || (leaf->flags & LYD_DEFAULT) || !entry_key(net) || !entry_key(link)) {
			rc = 1;
			break;
		}
		rc = cb(arg, entry_key(net), entry_key(link), e->schema->name, lyd_get_value(leaf));
	}
unlock:
	pthread_mutex_unlock(&c->mlock);
	return rc;
}

int vnm_core_running_other(struct vnm_core *c, const char *mod, struct lyd_node **out,
			   uint64_t *generation, struct vnm_err *err)
{
	return running_part(c, mod, true, out, generation, err);
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
		  const struct lyd_node *diff, struct lyd_node **diff_take, struct vnm_err *err);

/* ------------------------------------------------------------------ */
/* Repair after a failed transaction                                   */
/* ------------------------------------------------------------------ */

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* The snapshot thread learns of a repair owed at once, whatever the pace
 * of its full refreshes, and of one done (core_repair_locked). */
static void set_owed(struct vnm_core *c, bool owed)
{
	pthread_mutex_lock(&c->slock);
	c->repair_owed = owed;
	if (owed)
		pthread_cond_signal(&c->scond);
	pthread_mutex_unlock(&c->slock);
}

void core_repair_owe(struct vnm_core *c)
{
	c->repair = true;
	set_owed(c, true);
}

void core_repair_locked(struct vnm_core *c)
{
	struct vnm_reconcile_stats st;
	struct vnm_err e;

	if (!c->repair)
		return;
	c->repair_tried_ms = now_ms();
	memset(&st, 0, sizeof(st));
	vnm_err_clear(&e);
	if (vnm_reconcile(&c->drv, c->model->m, c->generation, &st, &e)) {
		vnm_log(VNM_LOG_WARNING, "reality differs from running after a failed transaction "
			"and cannot be repaired yet (%s); trying again", e.msg);
		return;
	}
	c->repair = false;
	set_owed(c, false);
	vnm_log(VNM_LOG_NOTICE, "reality repaired after a failed transaction: %zu object(s) "
		"adopted, %zu leftover(s) removed, %zu step(s) to create or correct",
		st.adopted, st.removed, st.repairs);
}

void core_repair(struct vnm_core *c)
{
	if (pthread_mutex_trylock(&c->txn))
		return;
	if (c->repair && now_ms() - c->repair_tried_ms >= VNM_REPAIR_PERIOD_MS)
		core_repair_locked(c);
	pthread_mutex_unlock(&c->txn);
}

int vnm_core_commit(struct vnm_core *c, const struct lyd_node *cfg, const struct lyd_node *diff,
		    struct vnm_err *err)
{
	return commit(c, cfg, NULL, diff, NULL, err);
}

int vnm_core_commit_take(struct vnm_core *c, struct lyd_node **cfg, struct lyd_node **diff,
			 struct vnm_err *err)
{
	return commit(c, *cfg, cfg, diff ? *diff : NULL, diff, err);
}

static int commit(struct vnm_core *c, const struct lyd_node *cfg, struct lyd_node **take,
		  const struct lyd_node *diff, struct lyd_node **diff_take, struct vnm_err *err)
{
	struct vnm_model *nm = NULL;
	struct model_ref *nref = NULL, *oref;
	struct vnm_plan *plan = NULL;
	struct vnm_plan_opts popts = {0};
	struct vnm_journal *j = NULL;
	struct lyd_node *ncfg = NULL, *ocfg;
	struct core_coord co = {0};
	struct vnm_err ue;
	uint64_t gen;
	bool big = false;
	int rc = -1;

	pthread_mutex_lock(&c->txn);
	/* Validate: no side effects. */
	if (build_valid(c, cfg, &nm, err))
		goto cleanup;
	/* a plan is the difference from running: reality must be running */
	core_repair_locked(c);
	if (take) {
		/* the caller's tree becomes running on success, returns to
		 * the caller on failure */
		ncfg = *take;
	} else if (core_dup_tree(cfg, &ncfg, err)) {
		goto cleanup;
	}
	nref = core_model_ref_new(nm);
	if (!nref) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory committing");
		goto cleanup;
	}
	nm = NULL;
	/* Only commits change c->model, and this one holds txn. */
	oref = c->model;
	gen = c->generation + 1;
	popts.default_uri = c->uris ? c->uris->default_uri : NULL;
	if (vnm_plan_build_opts(oref->m, nref->m, diff, c->generation, gen, &popts, &plan, err))
		goto cleanup;
	if (diff_take) {
		lyd_free_all(*diff_take);
		*diff_take = NULL;
		diff = NULL;
	}
	vnm_log(VNM_LOG_INFO, "commit %llu: %zu step(s)", (unsigned long long)gen, plan->n);
	/* Network-wide: every participant holds it as a confirmed commit
	 * before this vnmd applies its share; confirmed after the save. */
	if (core_coord_prepare(c, oref->m, nref->m, ncfg, gen, &co, err))
		goto cleanup;
	/* Apply, journaling inverses.  A failure was undone as far as the
	 * drivers let it; what they did not is repaired by reconciliation. */
	if (vnm_txn_apply(&c->drv, plan, &j, err)) {
		core_repair_owe(c);
		goto cleanup;
	}
	/* Persist; a configuration that cannot be saved is not committed. */
	if (core_save_running(c, ncfg, err)) {
		vnm_err_clear(&ue);
		if (vnm_txn_undo(&c->drv, j, &ue)) {
			vnm_err_prefix(err, "%s; then", ue.msg);
			err->code = VNM_E_INCONSISTENT;
			core_repair_owe(c);
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
	{
		size_t o = oref->m->n_vls + oref->m->n_vrs, n = nref->m->n_vls + nref->m->n_vrs;

		big = o > n + 64 || n > o + 64;
	}
	ncfg = NULL;
	if (take)
		*take = NULL;
	nref = NULL;
	lyd_free_all(ocfg);
	core_model_put(c, oref);
	rc = 0;
cleanup:
	core_coord_end(c, &co, rc == 0);
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
	if (!rc)
		core_committed(c, gen, false);
	/* many objects came or went: return the freed heap pages to the
	 * kernel (glibc's allocator keeps them otherwise): after a removal,
	 * what the objects held; after a creation, the request, the edit
	 * and its diff (some 40 MB at 10,000 VLs), which the reads that come
	 * next could not reuse for their large texts.  A libc call, no
	 * program is run. */
	if (big)
		malloc_trim(0);
	return rc;
}

void core_committed(struct vnm_core *c, uint64_t gen, bool lazy)
{
	struct vnm_event ev;
	__atomic_store_n(&c->commit_ns, core_mono_ns(), __ATOMIC_RELAXED);
	memset(&ev, 0, sizeof(ev));
	ev.kind = VNM_EV_CONFIG;
	ev.generation = gen;
	core_emit(c, &ev);
	if (!lazy)
		core_kick(c);
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

int vnm_core_pending_save(struct vnm_core *c, const char *text, struct vnm_err *err)
{
	int rc;

	if (!c->state_dir)
		return 0;
	pthread_mutex_lock(&c->startup);
	rc = vnm_store_save_text(c->state_dir, VNM_STORE_CONFIRM, text, err);
	pthread_mutex_unlock(&c->startup);
	return rc;
}

int vnm_core_pending_load(struct vnm_core *c, char **text, struct vnm_err *err)
{
	int rc;

	*text = NULL;
	if (!c->state_dir)
		return 0;
	pthread_mutex_lock(&c->startup);
	rc = vnm_store_load_text(c->state_dir, VNM_STORE_CONFIRM, text, err);
	pthread_mutex_unlock(&c->startup);
	return rc;
}

int vnm_core_pending_delete(struct vnm_core *c, struct vnm_err *err)
{
	int rc;

	if (!c->state_dir)
		return 0;
	pthread_mutex_lock(&c->startup);
	rc = vnm_store_delete(c->state_dir, VNM_STORE_CONFIRM, err);
	pthread_mutex_unlock(&c->startup);
	return rc;
}
