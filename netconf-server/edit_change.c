/*
 * edit_change.c - one change to the datastore, its record and its diff.
 *
 * The walk (edit.c) decides which operation applies where; the three
 * changes it can make (create a subtree, delete one, set a leaf's value)
 * are carried out here, each in the same three steps: change the
 * datastore in place (so that an edit's cost follows its size, not the
 * datastore's), journal the change so that a failed operation check or a
 * failed validation can replay the journal backwards and leave the
 * datastore as it was, and enter it in the diff.  A deleted subtree is
 * moved, not copied, into the diff, so the journal knows which nodes sit
 * in the diff and must come back from there on undo.
 *
 * The diff is in libyang's format (yang:operation create/delete/replace/
 * none, yang:orig-value for changed leaves): the ancestors of a change
 * enter it with operation none the first time something below them
 * changes.
 */
#include "edit_p.h"

#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

/* ------------------------------------------------------------------ */
/* The journal                                                        */
/* ------------------------------------------------------------------ */

int edit_journal(struct edit *ed, enum jkind kind, struct lyd_node *node,
		 struct lyd_node *parent, char *old)
{
	if (ed->nj == ed->capj) {
		size_t cap = ed->capj ? ed->capj * 2 : 64;
		struct jent *j = realloc(ed->j, cap * sizeof(*j));

		if (!j) {
			free(old);
			ed->oom = true;
			return vnm_err_set(ed->err, VNM_E_NOMEM, NULL,
					   "out of memory applying the edit");
		}
		ed->j = j;
		ed->capj = cap;
	}
	ed->j[ed->nj++] = (struct jent){.kind = kind, .node = node, .parent = parent, .old = old};
	return 0;
}

struct lyd_meta *edit_find_diff_op(struct lyd_node *n)
{
	for (struct lyd_meta *m = n->meta; m; m = m->next) {
		if (!strcmp(m->name, "operation") && !strcmp(m->annotation->module->name, "yang"))
			return m;
	}
	return NULL;
}

/* Put a node back where it was; a default instance libyang (or
 * validation) put in its place meanwhile gives way. */
static void relink(struct lyd_node **ds, struct lyd_node *node, struct lyd_node *parent)
{
	struct lyd_node *first = parent ? lyd_child(parent) : *ds, *dflt = NULL;

	if (first && !(node->schema->nodetype & (LYS_LIST | LYS_LEAFLIST)) &&
	    !lyd_find_sibling_val(first, node->schema, NULL, 0, &dflt) && (dflt->flags & LYD_DEFAULT)) {
		if (*ds == dflt)
			*ds = dflt->next;
		lyd_free_tree(dflt);
	}
	if (parent)
		lyd_insert_child(parent, node);
	else
		lyd_insert_sibling(*ds, node, ds);
}

/* Undo the journal backwards. */
void edit_undo(struct edit *ed)
{
	while (ed->nj) {
		struct jent *j = &ed->j[--ed->nj];
		struct lyd_meta *m;

		switch (j->kind) {
		case J_INSERTED:
			if (*ed->ds == j->node)
				*ed->ds = j->node->next;
			lyd_free_tree(j->node);
			break;
		case J_UNLINKED:
			if (j->in_diff) {
				if (ed->diff == j->node)
					ed->diff = j->node->next;
				lyd_unlink_tree(j->node);
				if ((m = edit_find_diff_op(j->node)))
					lyd_free_meta_single(m);
			}
			relink(ed->ds, j->node, j->parent);
			break;
		case J_VALUE:
			lyd_change_term(j->node, j->old);
			free(j->old);
			break;
		case J_DFLT:
			j->node->flags |= LYD_DEFAULT;
			break;
		}
	}
}

/* Forget the journal after success: free what only the journal holds. */
void edit_journal_done(struct edit *ed)
{
	for (size_t i = 0; i < ed->nj; i++) {
		if (ed->j[i].kind == J_UNLINKED && !ed->j[i].in_diff)
			lyd_free_tree(ed->j[i].node);
		free(ed->j[i].old);
	}
	ed->nj = 0;
}

/* ------------------------------------------------------------------ */
/* The diff                                                           */
/* ------------------------------------------------------------------ */

static int set_op(struct edit *ed, struct lyd_node *n, const char *op)
{
	if (lyd_new_meta(ed->ctx, n, NULL, "yang:operation", op, 0, NULL)) {
		ed->oom = true;
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot build the diff (%s)",
				   ly_errmsg(ed->ctx));
	}
	return 0;
}

/* Link a diff node under parent (NULL: top level of the diff). */
static void diff_link(struct edit *ed, struct lyd_node *parent, struct lyd_node *n)
{
	if (parent)
		lyd_insert_child(parent, n);
	else
		lyd_insert_sibling(ed->diff, n, &ed->diff);
}

/* The diff counterpart of an ancestor, created on first use with
 * operation none (NULL a: the top level, returned as NULL). */
static int diff_anc(struct edit *ed, struct anc *a, struct lyd_node **out)
{
	struct lyd_node *parent = NULL, *d = NULL;

	*out = NULL;
	if (!a)
		return 0;
	if (a->diff) {
		*out = a->diff;
		return 0;
	}
	if (diff_anc(ed, a->up, &parent))
		return -1;
	if (lyd_dup_single(a->ds, NULL, LYD_DUP_NO_META, &d)) {
		ed->oom = true;
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot build the diff (%s)",
				   ly_errmsg(ed->ctx));
	}
	diff_link(ed, parent, d);
	if (set_op(ed, d, "none"))
		return -1;
	a->diff = d;
	*out = d;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The changes                                                        */
/* ------------------------------------------------------------------ */

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
		const struct lysc_node *sch = edit_schema(ed->ctx, c);
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

int edit_do_create(struct edit *ed, struct anc *up, struct lyd_node *ds_parent,
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
	if (diff_anc(ed, up, &dparent))
		return -1;
	if (lyd_dup_single(n, NULL, LYD_DUP_RECURSIVE | LYD_DUP_NO_META, &d))
		goto ly_fail;
	diff_link(ed, dparent, d);
	return set_op(ed, d, "create");

ly_fail:
	ed->oom = true;
	return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot apply the edit (%s)",
			   ly_errmsg(ed->ctx));
}

int edit_do_delete(struct edit *ed, struct anc *up, struct lyd_node *m)
{
	struct lyd_node *parent = lyd_parent(m), *dparent = NULL;

	if (diff_anc(ed, up, &dparent))
		return -1;
	if (*ed->ds == m)
		*ed->ds = m->next;
	lyd_unlink_tree(m);
	if (edit_journal(ed, J_UNLINKED, m, parent, NULL)) {
		relink(ed->ds, m, parent);
		return -1;
	}
	ed->j[ed->nj - 1].in_diff = true;
	diff_link(ed, dparent, m);
	return set_op(ed, m, "delete");
}

int edit_do_set_value(struct edit *ed, struct anc *up, struct lyd_node *m,
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
	if (diff_anc(ed, up, &dparent) || lyd_dup_single(m, NULL, LYD_DUP_NO_META, &d))
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot build the diff");
	diff_link(ed, dparent, d);
	if (set_op(ed, d, "replace") ||
	    lyd_new_meta(ed->ctx, d, NULL, "yang:orig-default", "false", 0, NULL) ||
	    lyd_new_meta(ed->ctx, d, NULL, "yang:orig-value", old, 0, NULL))
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot build the diff");
	return 0;
}
