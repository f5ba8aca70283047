/*
 * edit_journal.c - the record of an edit's changes, and its diff.
 *
 * The edit is applied to the datastore in place (so that its cost follows
 * the edit's size, not the datastore's); every change is journaled here so
 * that a failed operation check or a failed validation can replay the
 * journal backwards and leave the datastore as it was.  A deleted subtree
 * is moved, not copied, into the diff, so the journal knows which nodes
 * now sit in the diff and must come back from there on undo.
 *
 * The diff is built alongside, in libyang's format (yang:operation
 * create/delete/replace/none): the ancestors of a change enter it with
 * operation none the first time something below them changes.
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
void edit_relink(struct lyd_node **ds, struct lyd_node *node, struct lyd_node *parent)
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
			edit_relink(ed->ds, j->node, j->parent);
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

int edit_set_op(struct edit *ed, struct lyd_node *n, const char *op)
{
	if (lyd_new_meta(ed->ctx, n, NULL, "yang:operation", op, 0, NULL)) {
		ed->oom = true;
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot build the diff (%s)",
				   ly_errmsg(ed->ctx));
	}
	return 0;
}

/* Link a diff node under parent (NULL: top level of the diff). */
void edit_diff_link(struct edit *ed, struct lyd_node *parent, struct lyd_node *n)
{
	if (parent)
		lyd_insert_child(parent, n);
	else
		lyd_insert_sibling(ed->diff, n, &ed->diff);
}

/* The diff counterpart of an ancestor, created on first use with
 * operation none (NULL a: the top level, returned as NULL). */
int edit_diff_anc(struct edit *ed, struct anc *a, struct lyd_node **out)
{
	struct lyd_node *parent = NULL, *d = NULL;

	*out = NULL;
	if (!a)
		return 0;
	if (a->diff) {
		*out = a->diff;
		return 0;
	}
	if (edit_diff_anc(ed, a->up, &parent))
		return -1;
	if (lyd_dup_single(a->ds, NULL, LYD_DUP_NO_META, &d)) {
		ed->oom = true;
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot build the diff (%s)",
				   ly_errmsg(ed->ctx));
	}
	edit_diff_link(ed, parent, d);
	if (edit_set_op(ed, d, "none"))
		return -1;
	a->diff = d;
	*out = d;
	return 0;
}
