/*
 * edit.c - RFC 6241 <edit-config> on libyang trees: the walk; see edit.h.
 *
 * The edit is walked together with the datastore tree and applied in
 * place, so that the cost follows the size of the edit and not the size
 * of the datastore: list entries are found through libyang's hashes, a
 * created subtree is duplicated once from the edit, a deleted subtree is
 * moved (not copied) into the diff.  Every change is journaled
 * (edit_change.c); a failure (an operation check, or YANG validation of
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
 * Parsing the <config> is edit_parse.c's, carrying out a change
 * edit_change.c's; this file holds the walk (which operation applies
 * where, and the checks that say it cannot) and the entry points.
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
			if (edit_do_delete(ed, &me, c))
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
	const struct lysc_node *sch = edit_schema(ed->ctx, e);
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
		return edit_do_create(ed, up, ds_parent, e, dflt);
	case VNM_OP_DELETE:
		if (!m) {
			edit_node_path(e, path, sizeof(path));
			edit_describe(e, obj, sizeof(obj));
			return edit_fail(ed, VNM_E_MISSING, path,
					 "cannot delete %s: it does not exist (use remove to "
					 "delete what may be absent)", obj);
		}
		return edit_do_delete(ed, up, m);
	case VNM_OP_REMOVE:
		return m ? edit_do_delete(ed, up, m) : 0;
	case VNM_OP_REPLACE:
	case VNM_OP_MERGE:
		if (!m)
			return edit_do_create(ed, up, ds_parent, e, dflt);
		if (sch->nodetype & LYD_NODE_TERM)
			return edit_do_set_value(ed, up, m, e);
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
	ed.errs.first = ed.err;
	ed.errs.go_on = ed.errs.keep = erropt == VNM_ERROPT_CONTINUE;
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
			if (edit_do_delete(&ed, NULL, c))
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
