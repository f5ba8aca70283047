/*
 * inplace.c - a change of leaves made in place (vnm_core_set_leaves, see
 * core.h): what it costs does not grow with the configuration.
 *
 * The leaves taken are a virtual link's guaranteed-rate and rate-limit,
 * whose rules are known in full: the value's type (libyang), the guarantee
 * within the limit and admission on the physical links the VL rides
 * (vnm_validate_vl_rates); nothing else in the model depends on them but
 * the shaping of the VL and of the VLs without a guarantee that share its
 * links.  Anything else returns 1 and takes the whole-tree commit.
 *
 * Order (txn held throughout): look up each leaf and its VL; build the
 * diff (small trees, no copy of running); veto; set the new values in the
 * model and check the rules; plan the re-shaping (old shape -> new) and
 * apply it with undo; append the journal record; only then change the
 * running tree (under mlock, as readers copy it) and announce the
 * generation.  Any failure puts the values back and undoes the steps.
 *
 * The model is shared with readers (snapshots, the watch) that read these
 * two fields without the txn lock: they are stored whole with atomic
 * stores, so a reader sees the old value or the new one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "core_int.h"
#include "log.h"
#include "model_int.h"
#include "plan.h"
#include "plan_cmp.h"
#include "txn.h"
#include "wal.h"

/* at most this many leaves in one change made in place */
#define VNM_INPLACE_MAX 64

enum which { W_GUARANTEED, W_LIMIT };

struct change {
	const struct vnm_leaf_set *in;
	struct lyd_node *parent;    /* the virtual-link container in running */
	struct lyd_node *leaf;      /* the leaf in running; NULL: created */
	const struct lysc_node *schema;
	const char *canon;          /* the new value, canonical (dictionary) */
	struct vnm_vl *vl;
	enum which which;
	uint64_t old_v, new_v;
};

static const char *node_key(const struct lyd_node *list, const char *key)
{
	const struct lyd_node *k;

	LY_LIST_FOR(lyd_child(list), k) {
		if (k->schema && !strcmp(k->schema->name, key))
			return lyd_get_value(k);
	}
	return NULL;
}

/* A restated leaf: it exists with the same value (0), or 1. */
static int unchanged(struct vnm_core *c, const struct vnm_leaf_set *in)
{
	struct lyd_node *n = NULL;
	const char *canon = NULL;
	int rc = 1;

	/* an empty running has nothing to restate (libyang logs a NULL
	 * context node as an error: every daemon's first edit warned) */
	if (!c->running || lyd_find_path(c->running, in->same, 0, &n) || !n || !n->schema)
		return 1;
	if (!in->value) /* a list entry or container restated: it exists */
		return 0;
	if (!(n->schema->nodetype & LYS_LEAF))
		return 1;
	if (lyd_value_validate(c->ctx, n->schema, in->value, strlen(in->value), n, NULL, &canon) ==
	    LY_SUCCESS)
		rc = strcmp(canon ? canon : in->value, lyd_get_value(n)) ? 1 : 0;
	if (canon)
		lydict_remove(c->ctx, canon);
	return rc;
}

/* 0: resolved; 1: not a change made in place; -1: err set */
static int resolve(struct vnm_core *c, const struct vnm_model *m, struct change *ch,
		   struct vnm_err *err)
{
	const struct vnm_leaf_set *in = ch->in;
	const struct lyd_node *link, *net, *k;
	const struct lysc_type *rt = NULL;
	LY_ERR lrc;

	if (!strcmp(in->name, "guaranteed-rate"))
		ch->which = W_GUARANTEED;
	else if (!strcmp(in->name, "rate-limit"))
		ch->which = W_LIMIT;
	else
		return 1;
	if (lyd_find_path(c->running, in->parent, 0, &ch->parent) || !ch->parent ||
	    !ch->parent->schema || strcmp(ch->parent->schema->name, "virtual-link") ||
	    strcmp(ch->parent->schema->module->name, "vnmd"))
		return 1;
	link = lyd_parent(ch->parent);
	net = link ? lyd_parent(link) : NULL;
	if (!net || strcmp(link->schema->name, "link") || strcmp(net->schema->name, "network"))
		return 1;
	ch->vl = vnm_model_vl(m, node_key(net, "network-id"), node_key(link, "link-id"));
	if (!ch->vl)
		return 1;
	ch->schema = lys_find_child(ch->parent->schema, ch->parent->schema->module, in->name, 0,
				    LYS_LEAF, 0);
	if (!ch->schema)
		return 1;
	lrc = lyd_value_validate(c->ctx, ch->schema, in->value, strlen(in->value), NULL, &rt,
				 &ch->canon);
	if (lrc != LY_SUCCESS && lrc != LY_EINCOMPLETE)
		return vnm_err_set(err, VNM_E_INVALID, in->parent, "%s: invalid value \"%s\": %s",
				   in->name, in->value, ly_errmsg(c->ctx));
	if (!ch->canon && lydict_insert(c->ctx, in->value, 0, &ch->canon))
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory changing the configuration");
	ch->leaf = NULL;
	LY_LIST_FOR(lyd_child(ch->parent), k) {
		if (k->schema == ch->schema) {
			ch->leaf = (struct lyd_node *)k;
			break;
		}
	}
	ch->old_v = ch->which == W_GUARANTEED ? ch->vl->guaranteed : ch->vl->limit;
	ch->new_v = strtoull(ch->canon ? ch->canon : in->value, NULL, 10);
	return 0;
}

/* The two small trees (before, after) of the changed leaves and their
 * diff; after is the journal record. */
static int build_diff(struct vnm_core *c, struct change *ch, size_t n, struct lyd_node **before,
		      struct lyd_node **after, struct lyd_node **diff, struct vnm_err *err)
{
	char path[1024];
	struct lyd_node *piece;
	size_t i;

	*before = *after = *diff = NULL;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/vnmd:%s", ch[i].in->parent, ch[i].in->name);
		piece = NULL;
		if (lyd_new_path(NULL, c->ctx, ch[i].leaf ? path : ch[i].in->parent,
				 ch[i].leaf ? lyd_get_value(ch[i].leaf) : NULL, 0, &piece) ||
		    lyd_merge_siblings(before, piece, LYD_MERGE_DESTRUCT))
			goto oom;
		piece = NULL;
		if (lyd_new_path(NULL, c->ctx, path, ch[i].canon, 0, &piece) ||
		    lyd_merge_siblings(after, piece, LYD_MERGE_DESTRUCT))
			goto oom;
	}
	if (lyd_diff_siblings(*before, *after, 0, diff))
		goto oom;
	return 0;
oom:
	return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory changing the configuration");
}

static void set_value(struct change *ch, uint64_t v)
{
	uint64_t *f = ch->which == W_GUARANTEED ? &ch->vl->guaranteed : &ch->vl->limit;

	__atomic_store_n(f, v, __ATOMIC_RELAXED);
}

/* Old shapes of every (VL, link) the change can move, before the values
 * change: the changed VLs on each of their links (or locally) and, when a
 * guarantee moves, the VLs without one on those links. */
struct shaped {
	const struct vnm_vl *vl;
	const struct vnm_plink *pl;
	struct vnm_shape old;
};

static void shape_of(const struct vnm_vl *vl, const struct vnm_plink *pl, struct vnm_shape *s)
{
	memset(s, 0, sizeof(*s));
	if (pl)
		vnm_vl_shape_on(vl, pl, s);
	else
		vnm_vl_shape_local(vl, s);
}

static int add_shaped(struct shaped **v, size_t *n, size_t *cap, const struct vnm_vl *vl,
		      const struct vnm_plink *pl)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if ((*v)[i].vl == vl && (*v)[i].pl == pl)
			return 0;
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct shaped *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[*n].vl = vl;
	(*v)[*n].pl = pl;
	shape_of(vl, pl, &(*v)[*n].old);
	(*n)++;
	return 0;
}

static int collect(const struct change *ch, size_t n, struct shaped **v, size_t *nv)
{
	size_t i, k, j, cap = 0;

	*v = NULL;
	*nv = 0;
	for (i = 0; i < n; i++) {
		const struct vnm_vl *vl = ch[i].vl;

		if (!vl->a || !vl->b)
			continue;
		if (!vl->n_plinks && add_shaped(v, nv, &cap, vl, NULL))
			return -1;
		for (k = 0; k < vl->n_plinks; k++) {
			const struct vnm_plink *pl = vl->plinks[k];

			if (!pl)
				continue;
			if (add_shaped(v, nv, &cap, vl, pl))
				return -1;
			if (ch[i].which != W_GUARANTEED)
				continue;
			for (j = 0; j < pl->n_vls; j++) {
				if (!pl->vls[j]->guaranteed && pl->vls[j]->a && pl->vls[j]->b &&
				    add_shaped(v, nv, &cap, pl->vls[j], pl))
					return -1;
			}
		}
	}
	return 0;
}

static int plan_of(const struct shaped *v, size_t nv, struct vnm_plan **out)
{
	struct vnm_plan *p = vnm_plan_new();
	size_t i;

	*out = p;
	if (!p)
		return -1;
	for (i = 0; i < nv; i++) {
		struct vnm_step f = {.kind = VNM_STEP_VL_SHAPE, .vl = v[i].vl, .pl = v[i].pl};
		struct vnm_step inv = f;

		shape_of(v[i].vl, v[i].pl, &f.shape);
		inv.shape = v[i].old;
		if (plan_shape_ne(&f.shape, &inv.shape) && vnm_plan_add(p, &f, &inv, NULL))
			return -1;
	}
	return 0;
}

/* The running tree takes the new values (mlock held by the caller). */
static int set_tree(struct change *ch, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ch[i].leaf) {
			if (lyd_change_term(ch[i].leaf, ch[i].canon) == LY_EINVAL)
				return -1;
		} else if (lyd_new_term(ch[i].parent, ch[i].schema->module, ch[i].in->name,
					ch[i].canon, 0, NULL)) {
			return -1;
		}
	}
	return 0;
}

/* Record the leaves of generation gen (mlock held, before running takes
 * gen) for vnm_core_leaves_since.  The record restarts when a commit of the
 * whole tree came between, or when it is full (readers that are further
 * behind then print running anew). */
static void ilog_add(struct vnm_core *c, const struct change *ch, size_t n, uint64_t gen)
{
	size_t i;

	if (!c->ilog_valid || c->ilog_top != c->generation || c->n_ilog + n > CORE_ILOG_MAX) {
		c->n_ilog = 0;
		c->ilog_base = c->generation;
		c->ilog_valid = true;
	}
	for (i = 0; i < n; i++)
		c->ilog[c->n_ilog++] = (struct core_ilog){gen, ch[i].parent, ch[i].schema};
	c->ilog_top = gen;
}

static int rules(const struct vnm_model *m, const struct change *ch, size_t n, struct vnm_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (vnm_validate_vl_rates(m, ch[i].vl, err))
			return -1;
	}
	return 0;
}

static int apply(struct vnm_core *c, const struct vnm_model *m, struct change *ch, size_t n,
		 const struct lyd_node *after, uint64_t *gen, struct vnm_err *err)
{
	struct shaped *sv = NULL;
	struct vnm_plan *plan = NULL;
	struct vnm_journal *j = NULL;
	char *xml = NULL;
	struct vnm_err ue;
	size_t nsv = 0, i, sz = 0;
	int rc = -1, applied = 0;

	if (collect(ch, n, &sv, &nsv)) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory changing the configuration");
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		set_value(&ch[i], ch[i].new_v);
	if (rules(m, ch, n, err))
		goto restore;
	if (plan_of(sv, nsv, &plan)) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory planning the change");
		goto restore;
	}
	*gen = c->generation + 1;
	vnm_log(VNM_LOG_INFO, "commit %llu (in place): %zu step(s)", (unsigned long long)*gen,
		plan->n);
	if (vnm_txn_apply(&c->drv, plan, &j, err)) {
		core_repair_owe(c);
		goto restore;
	}
	applied = 1;
	if (c->state_dir) {
		if (lyd_print_mem(&xml, after, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK) ||
		    !xml) {
			vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory saving the change");
			goto undo;
		}
		if (vnm_wal_append(c->state_dir, c->jseq + 1, xml, &sz, err))
			goto undo;
		c->jseq++;
		c->wal_size = sz;
	}
	pthread_mutex_lock(&c->mlock);
	if (set_tree(ch, n)) {
		/* the values were checked: only memory can fail here, and the
		 * journal already holds the change: keep it, say so */
		vnm_log(VNM_LOG_ERR, "out of memory changing running in place: restart vnmd "
			"to read the change back from the journal");
		c->ilog_valid = false;
	} else {
		ilog_add(c, ch, n, *gen);
	}
	c->generation = *gen;
	pthread_mutex_unlock(&c->mlock);
	rc = 0;
	goto cleanup;
undo:
	vnm_err_clear(&ue);
	if (applied && vnm_txn_undo(&c->drv, j, &ue)) {
		vnm_err_prefix(err, "%s; then", ue.msg);
		err->code = VNM_E_INCONSISTENT;
		core_repair_owe(c);
	} else {
		vnm_err_prefix(err, "change undone");
	}
restore:
	for (i = 0; i < n; i++)
		set_value(&ch[i], ch[i].old_v);
cleanup:
	if (plan && c->drv.link && c->drv.link->flush)
		c->drv.link->flush(c->drv.link_ctx);
	vnm_journal_free(j);
	vnm_plan_free(plan);
	free(sv);
	free(xml);
	return rc;
}

int vnm_core_set_leaves(struct vnm_core *c, const struct vnm_leaf_set *set, size_t n,
			vnm_leaf_veto_fn veto, void *arg, struct vnm_err *err)
{
	struct change ch[VNM_INPLACE_MAX];
	struct lyd_node *before = NULL, *after = NULL, *diff = NULL;
	struct model_ref *ref;
	uint64_t gen = 0;
	size_t i, k;
	int rc = 1;

	if (!n || n > VNM_INPLACE_MAX)
		return 1;
	memset(ch, 0, sizeof(ch));
	pthread_mutex_lock(&c->txn);
	/* a failed transaction left reality to repair: the whole path does;
	 * so does a change the participants must take too (coord.c) */
	if (c->repair || core_has_participants(c, c->model->m))
		goto unlock;
	ref = c->model;
	for (i = 0, k = 0; i < n; i++) {
		if (set[i].same) {
			if ((rc = unchanged(c, &set[i])))
				goto unlock;
			continue;
		}
		ch[k++].in = &set[i];
	}
	n = k;
	rc = 1;
	if (!n)
		goto unlock;
	for (i = 0; i < n; i++) {
		rc = resolve(c, ref->m, &ch[i], err);
		if (rc)
			goto cleanup;
		for (k = 0; k < i; k++) {
			/* the same leaf twice: the whole path sorts that out */
			if (ch[k].vl == ch[i].vl && ch[k].which == ch[i].which) {
				rc = 1;
				goto cleanup;
			}
		}
	}
	rc = -1;
	if (build_diff(c, ch, n, &before, &after, &diff, err))
		goto cleanup;
	rc = 0;
	if (!diff)
		goto cleanup; /* nothing changes */
	if (veto && veto(diff, arg)) {
		rc = 2;
		goto cleanup;
	}
	rc = apply(c, ref->m, ch, n, after, &gen, err);
cleanup:
	for (i = 0; i < n; i++) {
		if (ch[i].canon)
			lydict_remove(c->ctx, ch[i].canon);
	}
	lyd_free_all(before);
	lyd_free_all(after);
	lyd_free_all(diff);
unlock:
	if (rc < 0)
		vnm_log(VNM_LOG_WARNING, "commit refused: %s", err ? err->msg : "");
	/* the journal's size is the transaction lock's (core_int.h) */
	if (!rc && gen)
		core_wal_grew(c);
	pthread_mutex_unlock(&c->txn);
	if (!rc && gen) {
		/* no snapshot refresh for a rate: nothing a refresh announces
		 * (up, down) changed, and at 10,000 VLs rebuilding the
		 * snapshot after every change (15 ms) took a core from the
		 * next edits; the next reader asks for it */
		core_committed(c, gen, true);
	}
	return rc;
}
