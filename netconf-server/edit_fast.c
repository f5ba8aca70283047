/*
 * edit_fast.c - recognising an edit that the core can make in place
 * (vnm_core_set_leaves, core.h): only merges down to a virtual link's
 * guaranteed-rate or rate-limit, every node typed, no other attribute;
 * other leaves may be restated with the value they have (an NMS that sends
 * the whole link back), which the core checks.
 * Everything else goes through the whole edit engine; the core itself says
 * no (1) when the objects are not what it can change in place.
 */
#include "edit_p.h"

#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "core.h"

static bool in_place_leaf(const struct lyd_node *n)
{
	const struct lyd_node *p = lyd_parent(n);

	if (!p || !p->schema || strcmp(p->schema->name, "virtual-link") ||
	    strcmp(p->schema->module->name, "vnmd"))
		return false;
	return !strcmp(n->schema->name, "guaranteed-rate") || !strcmp(n->schema->name, "rate-limit");
}

/* Only nc:operation (merge, or replace on the leaf itself) as metadata. */
static bool plain(const struct lyd_node *n, enum vnm_edit_op op, bool leaf)
{
	const struct lyd_meta *m;

	for (m = n->meta; m; m = m->next) {
		if (strcmp(m->name, "operation") || strcmp(m->annotation->module->name, "ietf-netconf"))
			return false;
	}
	return op == VNM_OP_MERGE || (leaf && op == VNM_OP_REPLACE);
}

struct acc {
	struct vnm_leaf_set *set;
	size_t n, cap;
	bool no;
};

/* One more entry (paths owned); false (a->no set) when it cannot be. */
static bool add(struct acc *a, char *parent, char *same, const char *name, const char *value)
{
	if ((!parent && !same) || a->n == 64)
		goto no;
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 4;
		struct vnm_leaf_set *ns = realloc(a->set, nc * sizeof(*ns));

		if (!ns)
			goto no;
		a->set = ns;
		a->cap = nc;
	}
	a->set[a->n].parent = parent;
	a->set[a->n].same = same;
	a->set[a->n].name = name;
	a->set[a->n].value = value;
	a->n++;
	return true;
no:
	free(parent);
	free(same);
	a->no = true;
	return false;
}

static void walk(const struct lyd_node *first, enum vnm_edit_op inherited, struct acc *a)
{
	const struct lyd_node *n;

	LY_LIST_FOR(first, n) {
		enum vnm_edit_op op = edit_node_op(n, inherited);
		bool children = false;
		const struct lyd_node *k;

		if (a->no)
			return;
		if (!n->schema || (n->flags & LYD_DEFAULT)) {
			a->no = true;
			return;
		}
		if (n->schema->nodetype & (LYS_CONTAINER | LYS_LIST)) {
			if (!plain(n, op, false)) {
				a->no = true;
				return;
			}
			LY_LIST_FOR(lyd_child(n), k) {
				if (!lysc_is_key(k->schema))
					children = true;
			}
			/* one with keys only (a supporting-link restated) must
			 * exist: the core checks, as for a restated leaf */
			if (!children) {
				if (!add(a, NULL, lyd_path(n, LYD_PATH_STD, NULL, 0), n->schema->name,
					 NULL))
					return;
				continue;
			}
			walk(lyd_child(n), op, a);
			continue;
		}
		if (n->schema->nodetype == LYS_LEAF && lysc_is_key(n->schema)) {
			if (n->meta)
				a->no = true;
			continue;
		}
		if (n->schema->nodetype != LYS_LEAF || !plain(n, op, true)) {
			a->no = true;
			return;
		}
		if (!add(a, in_place_leaf(n) ? lyd_path(lyd_parent(n), LYD_PATH_STD, NULL, 0) : NULL,
			 in_place_leaf(n) ? NULL : lyd_path(n, LYD_PATH_STD, NULL, 0),
			 n->schema->name, lyd_get_value(n)))
			return;
	}
}

void vnm_edit_leaves_free(struct vnm_leaf_set *set, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)set[i].parent);
		free((char *)set[i].same);
	}
	free(set);
}

int vnm_edit_leaves(const struct lyd_node *edit, enum vnm_edit_op dflt, struct vnm_leaf_set **set,
		    size_t *n)
{
	struct acc a = {0};

	*set = NULL;
	*n = 0;
	if (!edit || dflt != VNM_OP_MERGE)
		return 1;
	walk(edit, dflt, &a);
	if (a.no || !a.n) {
		vnm_edit_leaves_free(a.set, a.n);
		return 1;
	}
	*set = a.set;
	*n = a.n;
	return 0;
}
