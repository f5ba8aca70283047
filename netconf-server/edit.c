/*
 * edit.c - RFC 6241 <edit-config> on libyang trees: the walk; see edit.h.
 *
 * The edit is walked together with the datastore tree and applied in
 * place, so that the cost follows the size of the edit and not the size
 * of the datastore: list entries are found through libyang's hashes, a
 * created subtree is duplicated once from the edit, a deleted subtree is
 * moved (not copied) into the diff.  Every change is journaled
 * (edit_journal.c); a failure (an operation check, or YANG validation of
 * the result, edit_validate.c) replays the journal backwards, so the
 * datastore is as before.
 *
 * The diff is built while walking, in libyang's format (yang:operation
 * create/delete/replace/none, yang:orig-value for changed leaves), then
 * merged with what validation changed (implicit defaults, nodes removed
 * because their `when` became false).  Default nodes count as absent, as
 * with lyd_diff_siblings() and as RFC 6243 basic mode explicit wants:
 * creating a leaf that only holds its default succeeds, deleting it fails
 * with data-missing.
 *
 * error-option: rollback-on-error undoes everything on the first error.
 * stop-on-error does the same: the datastore is one tree that is either
 * valid as a whole or not, and a half-applied edit cannot be validated, so
 * "stop" leaves nothing applied.  continue-on-error skips the edit nodes
 * whose operation check fails (data-exists, data-missing...) and applies
 * the rest (the errors are collected by edit_err.c); if the result is not
 * YANG-valid, nothing is applied.
 *
 * Parsing the <config> is edit_parse.c's; this file holds what the
 * operations do and the entry points.
 */
#include "edit_p.h"

#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

/* ------------------------------------------------------------------ */
/* Applying: operations                                               */
/* ------------------------------------------------------------------ */

static int apply_node(struct edit *ed, struct anc *up, struct lyd_node *ds_parent,
		      const struct lyd_node *e, enum vnm_edit_op parent_op);

static const struct lysc_node *edit_schema(struct edit *ed, const struct lyd_node *e)
{
	return e->schema ? e->schema : edit_opaq_schema(ed->ctx, e);
}

/* Whether the subtree below e (not e itself) names operations that a plain
 * copy would lose (delete, remove) or holds opaque nodes. */
static bool needs_slow_create(const struct lyd_node *e)
{
	for (const struct lyd_node *c = lyd_child(e); c; c = c->next) {
		enum vnm_edit_op op = edit_node_op(c, VNM_OP_CREATE);

		if (!c->schema || op == VNM_OP_DELETE || op == VNM_OP_REMOVE || needs_slow_create(c))
			return true;
	}
	return false;
}

/* Create the children of the new node n from edit node e, honouring
 * nested remove (skip) and delete (data-missing: nothing exists below a
 * new node). */
static int create_children(struct edit *ed, struct lyd_node *n, const struct lyd_node *e,
			   struct vnm_err *ce)
{
	for (const struct lyd_node *c = lyd_child(e); c; c = c->next) {
		const struct lysc_node *sch = edit_schema(ed, c);
		enum vnm_edit_op op = edit_node_op(c, VNM_OP_CREATE);
		struct lyd_node *nc = NULL;
		char path[512], obj[512];

		if (sch && lysc_is_key(sch))
			continue; /* duplicated with the list entry */
		if (op == VNM_OP_REMOVE)
			continue;
		if (op == VNM_OP_DELETE || !c->schema) {
			edit_node_path(c, path, sizeof(path));
			edit_describe(c, obj, sizeof(obj));
			return vnm_err_set(ce, VNM_E_MISSING, path,
					   "cannot delete %s: it does not exist", obj);
		}
		if (lyd_dup_single(c, (struct lyd_node_inner *)n, LYD_DUP_NO_META, &nc)) {
			ed->oom = true;
			return vnm_err_set(ce, VNM_E_INTERNAL, NULL, "cannot apply the edit (%s)",
					   ly_errmsg(ed->ctx));
		}
		if (create_children(ed, nc, c, ce))
			return -1;
	}
	return 0;
}

static int do_create(struct edit *ed, struct anc *up, struct lyd_node *ds_parent,
		     const struct lyd_node *e, struct lyd_node *dflt)
{
	struct lyd_node *n = NULL, *d = NULL, *dparent = NULL;
	bool slow = needs_slow_create(e);
	struct vnm_err ce;
	char path[512], obj[512];

	if (!e->schema) {
		edit_node_path(e, path, sizeof(path));
		edit_describe(e, obj, sizeof(obj));
		return edit_fail(ed, VNM_E_MISSING, path, "cannot delete %s: it does not exist", obj);
	}
	if (dflt) {
		/* the default instance gives way to the explicit one */
		if (*ed->ds == dflt)
			*ed->ds = dflt->next;
		lyd_unlink_tree(dflt);
		if (edit_journal(ed, J_UNLINKED, dflt, ds_parent, NULL)) {
			lyd_free_tree(dflt);
			return -1;
		}
	}
	if (lyd_dup_single(e, NULL, LYD_DUP_NO_META | (slow ? 0 : LYD_DUP_RECURSIVE), &n))
		goto ly_fail;
	if (slow && create_children(ed, n, e, &ce)) {
		lyd_free_tree(n);
		if (ed->oom) {
			*ed->err = ce;
			return -1;
		}
		/* a nested delete: data-missing */
		return edit_fail(ed, ce.code, ce.path, "%s", ce.msg);
	}
	if (ds_parent)
		lyd_insert_child(ds_parent, n);
	else
		lyd_insert_sibling(*ed->ds, n, ed->ds);
	if (edit_journal(ed, J_INSERTED, n, ds_parent, NULL)) {
		if (*ed->ds == n)
			*ed->ds = n->next;
		lyd_free_tree(n);
		return -1;
	}
	if (edit_diff_anc(ed, up, &dparent))
		return -1;
	if (lyd_dup_single(n, NULL, LYD_DUP_RECURSIVE | LYD_DUP_NO_META, &d))
		goto ly_fail;
	edit_diff_link(ed, dparent, d);
	return edit_set_op(ed, d, "create");

ly_fail:
	ed->oom = true;
	return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot apply the edit (%s)",
			   ly_errmsg(ed->ctx));
}

static int do_delete(struct edit *ed, struct anc *up, struct lyd_node *m)
{
	struct lyd_node *parent = lyd_parent(m), *dparent = NULL;

	if (edit_diff_anc(ed, up, &dparent))
		return -1;
	if (*ed->ds == m)
		*ed->ds = m->next;
	lyd_unlink_tree(m);
	if (edit_journal(ed, J_UNLINKED, m, parent, NULL)) {
		edit_relink(ed->ds, m, parent);
		return -1;
	}
	ed->j[ed->nj - 1].in_diff = true;
	edit_diff_link(ed, dparent, m);
	return edit_set_op(ed, m, "delete");
}

static int do_set_value(struct edit *ed, struct anc *up, struct lyd_node *m,
			const struct lyd_node *e)
{
	const char *nv = lyd_get_value(e), *ov = lyd_get_value(m);
	struct lyd_node *d = NULL, *dparent = NULL;
	char *old;
	LY_ERR r;

	if (!(m->schema->nodetype & LYS_LEAF) || !strcmp(nv, ov))
		return 0;
	old = strdup(ov);
	if (!old || edit_journal(ed, J_VALUE, m, NULL, old))
		return vnm_err_set(ed->err, VNM_E_NOMEM, NULL, "out of memory applying the edit");
	r = lyd_change_term(m, nv);
	if (r != LY_SUCCESS && r != LY_EEXIST && r != LY_ENOT) {
		ed->oom = true;
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot apply the edit (%s)",
				   ly_errmsg(ed->ctx));
	}
	if (edit_diff_anc(ed, up, &dparent) || lyd_dup_single(m, NULL, LYD_DUP_NO_META, &d))
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot build the diff");
	edit_diff_link(ed, dparent, d);
	if (edit_set_op(ed, d, "replace") ||
	    lyd_new_meta(ed->ctx, d, NULL, "yang:orig-default", "false", 0, NULL) ||
	    lyd_new_meta(ed->ctx, d, NULL, "yang:orig-value", old, 0, NULL))
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot build the diff");
	return 0;
}

/* Is there, among the edit children of e, one for datastore node c? */
static bool in_edit(struct edit *ed, const struct lyd_node *e, const struct lyd_node *c)
{
	struct lyd_node *x = NULL;

	if (!lyd_find_sibling_first(lyd_child(e), c, &x))
		return true;
	if (c->schema->nodetype & (LYS_LIST | LYS_LEAFLIST))
		return false;
	/* a keyed search misses opaque edit nodes (leaves named for delete) */
	for (const struct lyd_node *o = lyd_child(e); o; o = o->next) {
		if (!o->schema && edit_opaq_schema(ed->ctx, o) == c->schema)
			return true;
	}
	return false;
}

/* Apply the children of edit node e to existing datastore node m. */
static int apply_children(struct edit *ed, struct anc *up, struct lyd_node *m,
			  const struct lyd_node *e, enum vnm_edit_op op)
{
	struct anc me = {.ds = m, .diff = NULL, .up = up};
	struct lyd_node *c, *next;
	int r;

	if (op == VNM_OP_REPLACE) {
		/* what the edit does not name goes; defaults stay (they are absent) */
		for (c = lyd_child(m); c; c = next) {
			next = c->next;
			if (lysc_is_key(c->schema) || (c->flags & LYD_DEFAULT) || in_edit(ed, e, c))
				continue;
			if (do_delete(ed, &me, c))
				return -1;
		}
	}
	for (const struct lyd_node *ce = lyd_child(e); ce; ce = ce->next) {
		r = apply_node(ed, &me, m, ce, op);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* The first descendant of e (a node absent from the datastore under
 * operation none) whose operation needs e to exist. */
static const struct lyd_node *needs_existing(const struct lyd_node *e, enum vnm_edit_op inherited)
{
	for (const struct lyd_node *c = lyd_child(e); c; c = c->next) {
		enum vnm_edit_op op = edit_node_op(c, inherited);
		const struct lyd_node *x;

		if (c->schema && lysc_is_key(c->schema))
			continue;
		if (op == VNM_OP_NONE) {
			if ((x = needs_existing(c, op)))
				return x;
		} else if (op != VNM_OP_REMOVE) {
			return c;
		}
	}
	return NULL;
}

static int apply_node(struct edit *ed, struct anc *up, struct lyd_node *ds_parent,
		      const struct lyd_node *e, enum vnm_edit_op parent_op)
{
	const struct lysc_node *sch = edit_schema(ed, e);
	enum vnm_edit_op op = edit_node_op(e, parent_op);
	struct lyd_node *first = ds_parent ? lyd_child(ds_parent) : *ed->ds, *m = NULL, *dflt = NULL;
	char path[512], obj[512];

	if (!sch) {
		edit_node_path(e, path, sizeof(path));
		return edit_fail(ed, VNM_E_UNKNOWN_ELEMENT, path, "unknown element '%s'",
				 edit_node_name(e));
	}
	if (lysc_is_key(sch))
		return 0; /* identifies its list entry; not content */
	if (first) {
		if (e->schema && (sch->nodetype & (LYS_LIST | LYS_LEAFLIST)))
			lyd_find_sibling_first(first, e, &m);
		else if (!(sch->nodetype & (LYS_LIST | LYS_LEAFLIST)))
			lyd_find_sibling_val(first, sch, NULL, 0, &m);
	}
	if (m && (m->flags & LYD_DEFAULT)) {
		if (sch->nodetype == LYS_CONTAINER && !(sch->flags & LYS_PRESENCE) &&
		    (op == VNM_OP_MERGE || op == VNM_OP_REPLACE || op == VNM_OP_NONE)) {
			/* a non-presence container always exists: merge into it */
			if (edit_journal(ed, J_DFLT, m, NULL, NULL))
				return -1;
		} else {
			dflt = m;
			m = NULL;
		}
	}

	switch (op) {
	case VNM_OP_CREATE:
		if (m) {
			edit_node_path(m, path, sizeof(path));
			edit_describe(m, obj, sizeof(obj));
			return edit_fail(ed, VNM_E_EXISTS, path,
					 "cannot create %s: it already exists (use merge or replace "
					 "to change it)", obj);
		}
		return do_create(ed, up, ds_parent, e, dflt);
	case VNM_OP_DELETE:
		if (!m) {
			edit_node_path(e, path, sizeof(path));
			edit_describe(e, obj, sizeof(obj));
			return edit_fail(ed, VNM_E_MISSING, path,
					 "cannot delete %s: it does not exist (use remove to "
					 "delete what may be absent)", obj);
		}
		return do_delete(ed, up, m);
	case VNM_OP_REMOVE:
		return m ? do_delete(ed, up, m) : 0;
	case VNM_OP_REPLACE:
	case VNM_OP_MERGE:
		if (!m)
			return do_create(ed, up, ds_parent, e, dflt);
		if (sch->nodetype & LYD_NODE_TERM)
			return do_set_value(ed, up, m, e);
		if (sch->nodetype & LYD_NODE_ANY)
			return 0; /* vnmd's model has no anydata to merge into */
		return apply_children(ed, up, m, e, op);
	case VNM_OP_NONE:
		if (m) {
			if (sch->nodetype & LYD_NODE_INNER)
				return apply_children(ed, up, m, e, op);
			return 0;
		}
		{
			const struct lyd_node *x = needs_existing(e, op);

			if (!x)
				return 0;
			edit_node_path(e, path, sizeof(path));
			edit_describe(e, obj, sizeof(obj));
			return edit_fail(ed, VNM_E_MISSING, path,
					 "%s does not exist, so '%s' below it cannot be changed "
					 "(default-operation none creates nothing: create it first)",
					 obj, edit_node_name(x));
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Entry points                                                       */
/* ------------------------------------------------------------------ */

int vnm_edit_apply_ex(struct ly_ctx *ctx, struct lyd_node **ds, const struct lyd_node *edit,
		      enum vnm_edit_op default_op, enum vnm_error_option erropt,
		      struct lyd_node **diff, struct vnm_err **errs, size_t *n_errs,
		      struct vnm_err *err)
{
	struct edit ed = {.ctx = ctx, .ds = ds, .erropt = erropt, .err = err};
	struct lyd_node *vdiff = NULL;
	struct vnm_err scratch;
	int rc = -1;

	if (diff)
		*diff = NULL;
	if (errs)
		*errs = NULL;
	if (n_errs)
		*n_errs = 0;
	if (!ed.err)
		ed.err = &scratch;
	vnm_err_clear(ed.err);
	if (default_op != VNM_OP_MERGE && default_op != VNM_OP_REPLACE && default_op != VNM_OP_NONE)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "default-operation must be merge, replace or none");

	for (const struct lyd_node *e = edit; e; e = e->next) {
		if (apply_node(&ed, NULL, NULL, e, default_op) < 0)
			goto fail;
	}
	if (default_op == VNM_OP_REPLACE) {
		/* replace at the top: top-level data the edit does not name goes */
		struct lyd_node *c, *next;

		for (c = *ds; c; c = next) {
			struct lyd_node *x = NULL;

			next = c->next;
			if (c->flags & LYD_DEFAULT)
				continue;
			if (edit && !lyd_find_sibling_first(edit, c, &x))
				continue;
			if (do_delete(&ed, NULL, c))
				goto fail;
		}
	}
	if (ed.oom)
		goto fail;

	if (edit_validate(&ed, &vdiff)) {
		edit_validation_error(&ed, ly_err_first(ctx));
		/* the op-check errors of continue-on-error are moot now */
		edit_errs_drop(&ed);
		goto fail;
	}
	/* of what validation did, only removals matter to the diff: the
	 * defaults it added are absent for lyd_diff_siblings() too */
	edit_prune_defaults(&vdiff, NULL);
	if (vdiff && ed.diff && lyd_diff_merge_all(&ed.diff, vdiff, 0)) {
		/* the result is right, only the diff would be incomplete: give
		 * the caller none, which makes the core compute its own */
		lyd_free_all(ed.diff);
		ed.diff = NULL;
	} else if (vdiff && !ed.diff) {
		ed.diff = vdiff;
		vdiff = NULL;
	}
	edit_journal_done(&ed);
	rc = edit_errs_take(&ed, false, errs, n_errs) ? -1 : 0;
	if (diff) {
		*diff = ed.diff;
		ed.diff = NULL;
	}
	goto cleanup;

fail:
	edit_undo(&ed);
	edit_errs_take(&ed, true, errs, n_errs);
	rc = -1;
cleanup:
	lyd_free_all(vdiff);
	lyd_free_all(ed.diff);
	free(ed.j);
	edit_errs_drop(&ed);
	return rc;
}

int vnm_edit_apply(struct ly_ctx *ctx, struct lyd_node **ds, const struct lyd_node *edit,
		   enum vnm_edit_op default_op, enum vnm_error_option erropt,
		   struct lyd_node **diff, struct vnm_err *err)
{
	return vnm_edit_apply_ex(ctx, ds, edit, default_op, erropt, diff, NULL, NULL, err);
}

int vnm_edit_revert(struct ly_ctx *ctx, struct lyd_node **ds, const struct lyd_node *diff,
		    struct vnm_err *err)
{
	struct edit ed = {.ctx = ctx, .ds = ds, .err = err};
	struct lyd_node *rev = NULL, *vdiff = NULL;
	int rc = -1;

	if (!diff)
		return 0;
	ly_err_clean(ctx, NULL);
	if (lyd_diff_reverse_all(diff, &rev) || lyd_diff_apply_all(ds, rev)) {
		vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot revert the edit: %s",
			    ly_errmsg(ctx) ? ly_errmsg(ctx) : "libyang error");
		goto cleanup;
	}
	rc = edit_validate_reverted(&ed, rev, &vdiff);
	if (rc)
		vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot revert the edit: %s",
			    ly_errmsg(ctx) ? ly_errmsg(ctx) : "libyang error");
cleanup:
	lyd_free_all(vdiff);
	lyd_free_all(rev);
	return rc;
}
