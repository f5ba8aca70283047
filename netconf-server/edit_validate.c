/*
 * edit_validate.c - YANG validation of an edit's result, made cheap.
 *
 * The result of every edit must be valid configuration; validating all of
 * it each time would make an edit's cost follow the datastore's size.  The
 * schema tells when less will do (schema_facts below): only the network
 * entries the journal touched, or nothing at all when only leaves that no
 * constraint reads changed.  Validation works on copies, so that a failure
 * leaves the journal's nodes in place for undo.  What validation changed
 * (implicit defaults, nodes whose `when` became false) comes back as a
 * diff, pruned of the defaults, to be merged into the edit's own diff.
 */
#include "edit_p.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

/* ------------------------------------------------------------------ */
/* What the schema allows to skip                                     */
/* ------------------------------------------------------------------ */

/*
 * What the schema allows us to skip, found once per context.
 *
 * Validating the whole datastore after every edit costs time in the size
 * of the datastore, and more: libyang sorts XPath node sets in document
 * order by walking the tree from its root, so each `must` of a VL costs
 * the size of everything before it.  Two shortcuts keep an edit's cost
 * near the size of its change:
 *
 * - When no constraint reaches across /nw:networks/nw:network entries,
 *   validating each touched entry alone (in a scratch <networks>) gives
 *   the same verdict as validating everything (`net` below).
 * - A changed leaf that no must, when, require-instance leafref or unique
 *   reads cannot make the tree invalid: its value was typed when the edit
 *   was parsed (`referenced` lists the leaves that some constraint reads).
 *
 * Both come from the compiled schema: the atoms (schema nodes) of every
 * constraint's XPath, as libyang computes them.
 */
struct schema_facts {
	const struct ly_ctx *ctx;
	uint16_t change;
	const struct lysc_node *net; /* NULL: per-network validation is not safe */
	const struct lysc_node *net_seen;
	struct ly_set *referenced;
};

static pthread_mutex_t facts_lock = PTHREAD_MUTEX_INITIALIZER;
static struct schema_facts facts;

static bool is_under(const struct lysc_node *n, const struct lysc_node *top)
{
	for (; n; n = n->parent) {
		if (n == top)
			return true;
	}
	return false;
}

/* Record the atoms of one constraint at node n; false when they break
 * per-network validation. */
static bool note_atoms(const struct lysc_node *ctx_node, const struct lysc_node *n,
		       const struct lyxp_expr *expr, const struct lysc_prefix *prefixes,
		       const struct lysc_node *net, struct ly_set *ref)
{
	struct ly_set *set = NULL;
	bool inside = true, ok = true;

	if (lys_find_expr_atoms(ctx_node, n->module, expr, prefixes, LYS_FIND_XP_SCHEMA, &set))
		return false;
	for (uint32_t i = 0; i < set->count; i++) {
		ly_set_add(ref, set->snodes[i], 0, NULL);
		if (!is_under(set->snodes[i], net))
			inside = false;
		else if (!is_under(n, net))
			ok = false; /* something outside reads a network entry */
	}
	ly_set_free(set, NULL);
	return ok && (inside || !is_under(n, net));
}

static bool note_type(const struct lysc_node *n, const struct lysc_type *t,
		      const struct lysc_node *net, struct ly_set *ref)
{
	bool ok = true;

	if (t->basetype == LY_TYPE_LEAFREF) {
		const struct lysc_type_leafref *l = (const struct lysc_type_leafref *)t;

		if (l->require_instance)
			ok = note_atoms(n, n, l->path, l->prefixes, net, ref);
	} else if (t->basetype == LY_TYPE_INST) {
		/* may point anywhere: no per-network validation */
		ok = !((const struct lysc_type_instanceid *)t)->require_instance ||
		     (n->flags & LYS_CONFIG_R);
	} else if (t->basetype == LY_TYPE_UNION) {
		const struct lysc_type_union *u = (const struct lysc_type_union *)t;
		LY_ARRAY_COUNT_TYPE i;

		LY_ARRAY_FOR(u->types, i) {
			ok = note_type(n, u->types[i], net, ref) && ok;
		}
	}
	return ok;
}

static void facts_compute(const struct ly_ctx *ctx, struct schema_facts *f)
{
	const struct lysc_node *net = lys_find_path(ctx, NULL, "/ietf-network:networks/network", 0);
	const struct lysc_node *top, *n;
	const struct lys_module *mod;
	uint32_t idx = 0;
	bool ok = net != NULL;

	ly_set_free(f->referenced, NULL);
	f->referenced = NULL;
	f->ctx = ctx;
	f->change = ly_ctx_get_change_count(ctx);
	if (ly_set_new(&f->referenced)) {
		f->net = NULL;
		return;
	}
	while ((mod = ly_ctx_get_module_iter(ctx, &idx))) {
		if (!mod->implemented || !mod->compiled)
			continue;
		LY_LIST_FOR(mod->compiled->data, top) {
			LYSC_TREE_DFS_BEGIN(top, n) {
				struct lysc_must *musts = lysc_node_musts(n);
				struct lysc_when **whens = lysc_node_when(n);
				LY_ARRAY_COUNT_TYPE i, j;

				LY_ARRAY_FOR(musts, i) {
					ok = note_atoms(n, n, musts[i].cond, musts[i].prefixes, net,
							f->referenced) && ok;
				}
				LY_ARRAY_FOR(whens, i) {
					ok = note_atoms(whens[i]->context, n, whens[i]->cond,
							whens[i]->prefixes, net, f->referenced) &&
					     (whens[i]->context || !is_under(n, net)) && ok;
				}
				if (n->nodetype & LYD_NODE_TERM)
					ok = note_type(n, ((const struct lysc_node_leaf *)n)->type, net,
						       f->referenced) && ok;
				if (n->nodetype == LYS_LIST) {
					const struct lysc_node_list *l = (const struct lysc_node_list *)n;

					LY_ARRAY_FOR(l->uniques, i) {
						LY_ARRAY_FOR(l->uniques[i], j) {
							ly_set_add(f->referenced, l->uniques[i][j], 0, NULL);
						}
					}
				}
				LYSC_TREE_DFS_END(top, n);
			}
		}
	}
	f->net = ok ? net : NULL;
}

/* Whether a value of type t is only valid if something else exists. */
static bool type_refers(const struct lysc_type *t)
{
	if (t->basetype == LY_TYPE_LEAFREF)
		return ((const struct lysc_type_leafref *)t)->require_instance;
	if (t->basetype == LY_TYPE_INST)
		return ((const struct lysc_type_instanceid *)t)->require_instance;
	if (t->basetype == LY_TYPE_UNION) {
		const struct lysc_type_union *u = (const struct lysc_type_union *)t;
		LY_ARRAY_COUNT_TYPE i;

		LY_ARRAY_FOR(u->types, i) {
			if (type_refers(u->types[i]))
				return true;
		}
	}
	return false;
}

/* Whether the journal holds only leaf values that no constraint reads (so
 * the edited tree is as valid as before), and the network entry schema
 * node when per-network validation is safe. */
static void schema_shortcuts(struct edit *ed, bool *values_only, const struct lysc_node **net)
{
	/* the network schema node found afresh tells a new context that
	 * happens to live at a freed one's address */
	const struct lysc_node *fresh = lys_find_path(ed->ctx, NULL, "/ietf-network:networks/network", 0);

	pthread_mutex_lock(&facts_lock);
	if (facts.ctx != ed->ctx || facts.change != ly_ctx_get_change_count(ed->ctx) ||
	    !facts.referenced || facts.net_seen != fresh) {
		facts_compute(ed->ctx, &facts);
		facts.net_seen = fresh;
	}
	*net = facts.net;
	*values_only = facts.referenced != NULL;
	for (size_t i = 0; i < ed->nj && *values_only; i++) {
		const struct jent *j = &ed->j[i];

		if (j->kind == J_DFLT)
			continue;
		if (j->kind != J_VALUE || lysc_node_musts(j->node->schema) ||
		    type_refers(((const struct lysc_node_leaf *)j->node->schema)->type) ||
		    ly_set_contains(facts.referenced, j->node->schema, NULL))
			*values_only = false;
	}
	pthread_mutex_unlock(&facts_lock);
}

/* ------------------------------------------------------------------ */
/* Validating                                                         */
/* ------------------------------------------------------------------ */

/* The network entry at or above n, if it is in the datastore's <networks>. */
static struct lyd_node *network_of(struct lyd_node *n, const struct lysc_node *net,
				   const struct lyd_node *networks)
{
	for (; n; n = lyd_parent(n)) {
		if (n->schema == net)
			return lyd_parent(n) == networks ? n : NULL;
	}
	return NULL;
}

/*
 * The network entries the journal touched, or -1 when a change lies
 * outside any network entry (then only a full validation will do).
 */
static int touched_networks(struct edit *ed, const struct lysc_node *net,
			    struct lyd_node *networks, struct ly_set *set)
{
	struct lyd_node *last = NULL;

	for (size_t i = 0; i < ed->nj; i++) {
		struct jent *j = &ed->j[i];
		struct lyd_node *at = j->kind == J_UNLINKED ? j->parent : j->node, *t;

		if (j->kind == J_INSERTED && j->node == networks) {
			LY_LIST_FOR(lyd_child(networks), t) {
				if (ly_set_add(set, t, 0, NULL))
					return -1;
			}
			continue;
		}
		if (j->kind == J_UNLINKED && j->node->schema == net)
			continue; /* a whole network gone: nothing else depends on it */
		if (j->kind == J_UNLINKED && j->node->schema == networks->schema)
			continue;
		t = network_of(at, net, networks);
		if (!t) {
			/* below something removed later, or outside the networks */
			if (at && network_of(at, net, NULL))
				continue;
			return -1;
		}
		if (t != last && ly_set_add(set, t, 0, NULL))
			return -1;
		last = t;
	}
	return 0;
}

/*
 * Validate *ed->ds as configuration; *vdiff gets what validation changed
 * (also on failure).  Returns 0, or -1 with the
 * libyang errors still in the context and *failed_at the tree they refer
 * to (the datastore again by the time this returns).
 */
/*
 * Validation works on copies: libyang frees the nodes whose `when` turned
 * false, and the journal still points at nodes in there, so validating
 * the datastore itself would leave a failed edit nothing to undo with.
 * On success the validated copy takes the original's place.
 */
static int validate_full(struct edit *ed, struct lyd_node **vdiff)
{
	struct lyd_node *copy = NULL;

	if (*ed->ds && lyd_dup_siblings(*ed->ds, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &copy))
		return vnm_err_set(ed->err, VNM_E_NOMEM, NULL, "cannot copy the datastore to validate it");
	ly_err_clean(ed->ctx, NULL);
	if (lyd_validate_all(&copy, ed->ctx, LYD_VALIDATE_NO_STATE, vdiff)) {
		lyd_free_all(copy);
		return -1;
	}
	lyd_free_all(*ed->ds);
	*ed->ds = copy;
	return 0;
}

/* Which networks of set this edit created whole (linked in as one, with
 * nothing journaled below them): those are validated as they are, not
 * copied, since undoing the edit removes them whole whatever validation
 * did inside (a create of 10,000 VLs held a second copy of them).  NULL
 * when out of memory (then every network is copied). */
static bool *created_whole(struct edit *ed, const struct lysc_node *net,
			   struct lyd_node *networks, struct ly_set *set)
{
	bool *whole = calloc(set->count, sizeof(*whole)), *below = calloc(set->count, sizeof(*below));
	uint32_t idx;

	if (!whole || !below) {
		free(whole);
		free(below);
		return NULL;
	}
	for (size_t i = 0; i < ed->nj; i++) {
		struct jent *j = &ed->j[i];
		struct lyd_node *at = j->kind == J_UNLINKED ? j->parent : j->node, *t;

		if (j->kind == J_INSERTED && j->node == networks) {
			for (idx = 0; idx < set->count; idx++)
				whole[idx] = true;
			continue;
		}
		t = at ? network_of(at, net, networks) : NULL;
		if (!t || !ly_set_contains(set, t, &idx))
			continue;
		if (j->kind == J_INSERTED && j->node == t)
			whole[idx] = true;
		else
			below[idx] = true;
	}
	for (idx = 0; idx < set->count; idx++)
		whole[idx] = whole[idx] && !below[idx];
	free(below);
	return whole;
}

/* Validate each network entry of set alone (a copy, or itself when the
 * edit created it whole), then put the validated entries in place of the
 * originals, keeping the order of the networks.  set is freed. */
static int validate_networks(struct edit *ed, const struct lysc_node *net, struct ly_set *set,
			     struct lyd_node **vdiff)
{
	struct lyd_node *networks = *ed->ds, *tmp = NULL, *vd, **order = NULL, **copies = NULL, *c;
	size_t n = 0, k = 0;
	bool *own = NULL;
	int rc = 0;

	if (!set->count)
		goto cleanup;
	LY_LIST_FOR(lyd_child(networks), c)
		n++;
	order = malloc(n * sizeof(*order));
	copies = calloc(set->count, sizeof(*copies));
	own = created_whole(ed, net, networks, set);
	if (!order || !copies || !own ||
	    lyd_new_inner(NULL, net->parent->module, "networks", 0, &tmp)) {
		rc = validate_full(ed, vdiff);
		goto cleanup;
	}
	LY_LIST_FOR(lyd_child(networks), c)
		order[k++] = c;
	for (uint32_t i = 0; i < set->count && !rc; i++) {
		struct lyd_node *root = tmp;

		if (own[i]) {
			copies[i] = set->dnodes[i];
			lyd_unlink_tree(copies[i]);
		} else if (lyd_dup_single(set->dnodes[i], NULL,
					  LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &copies[i])) {
			rc = vnm_err_set(ed->err, VNM_E_NOMEM, NULL,
					 "cannot copy a network to validate it");
			break;
		}
		lyd_insert_child(tmp, copies[i]);
		vd = NULL;
		/* this module's data only: lyd_validate_all would add the
		 * default top containers of every other module (nacm) beside
		 * tmp, to the diff and out of reach of the free below */
		/* ... and without a diff for a network the edit made whole:
		 * validation removes nothing there (a new node whose `when` is
		 * false is an error, not a removal), and the diff of its
		 * defaults was a tenth of a 10,000-VL edit's time */
		rc = lyd_validate_module(&root, tmp->schema->module, LYD_VALIDATE_NO_STATE,
					 own[i] ? NULL : &vd) ? -1 : 0;
		if (rc)
			ed->bad_net = set->dnodes[i];
		lyd_unlink_tree(copies[i]);
		/* only removals matter to the caller (edit.c prunes the rest):
		 * the defaults of 10,000 new VLs merged first were megabytes */
		edit_prune_defaults(&vd, NULL);
		if (vd) {
			if (!*vdiff) {
				*vdiff = vd;
			} else {
				lyd_diff_merge_all(vdiff, vd, 0);
				lyd_free_all(vd);
			}
		}
	}
	if (rc)
		goto cleanup;
	/* the validated entries take the originals' places; insertion
	 * appends, so all go back in the order they were */
	for (uint32_t i = 0; i < set->count; i++) {
		for (k = 0; k < n && order[k] != set->dnodes[i]; k++)
			;
		if (k < n) {
			order[k] = copies[i];
			copies[i] = own[i] ? NULL : set->dnodes[i]; /* the original, freed below */
		}
	}
	for (size_t i = 0; i < n; i++)
		lyd_unlink_tree(order[i]);
	for (size_t i = 0; i < n; i++)
		lyd_insert_child(networks, order[i]);
	for (uint32_t i = 0; i < set->count; i++) {
		lyd_free_tree(copies[i]);
		copies[i] = NULL;
	}
cleanup:
	if (copies) {
		for (uint32_t i = 0; i < set->count; i++) {
			/* an entry validated as it is goes back for the undo */
			if (own && own[i] && copies[i])
				lyd_insert_child(networks, copies[i]);
			else
				lyd_free_tree(copies[i]);
		}
	}
	lyd_free_tree(tmp);
	free(own);
	free(copies);
	free(order);
	ly_set_free(set, NULL);
	return rc;
}

/* Whether the datastore is the one <networks> per-network validation
 * works on. */
static bool networks_only(struct edit *ed, const struct lysc_node *net)
{
	const struct lyd_node *networks = *ed->ds;

	return net && networks && !networks->next && networks->schema == net->parent;
}

/*
 * Validate *ed->ds as configuration after the journaled changes; *vdiff
 * gets what validation changed.
 * Returns 0, or -1 with the libyang errors in the context.
 */
int edit_validate(struct edit *ed, struct lyd_node **vdiff)
{
	const struct lysc_node *net;
	struct ly_set *set = NULL;
	bool values_only;

	*vdiff = NULL;
	ly_err_clean(ed->ctx, NULL);
	schema_shortcuts(ed, &values_only, &net);
	if (values_only)
		return 0; /* nothing changed that validation could object to */
	if (!networks_only(ed, net) || ly_set_new(&set) ||
	    touched_networks(ed, net, *ed->ds, set)) {
		ly_set_free(set, NULL);
		return validate_full(ed, vdiff);
	}
	return validate_networks(ed, net, set, vdiff);
}

/* Drop from a validation diff the default nodes it created, and the
 * operation-none ancestors left with nothing below them. */
void edit_prune_defaults(struct lyd_node **first, struct lyd_node *parent)
{
	struct lyd_node *n, *next, *c;

	for (n = parent ? lyd_child(parent) : *first; n; n = next) {
		struct lyd_meta *m = edit_find_diff_op(n);
		const char *op = m ? lyd_get_meta_value(m) : NULL;

		next = n->next;
		if (n->schema && lysc_is_key(n->schema))
			continue;
		if (!op || !strcmp(op, "none")) { /* no operation: inherited none */
			edit_prune_defaults(first, n);
			for (c = lyd_child(n); c && c->schema && lysc_is_key(c->schema); c = c->next)
				;
			if (c)
				continue;
		} else if (strcmp(op, "create")) {
			continue;
		}
		if (!parent && *first == n)
			*first = next;
		lyd_free_tree(n);
	}
}

int edit_validate_reverted(struct edit *ed, struct lyd_node *rev, struct lyd_node **vdiff)
{
	const struct lysc_node *net;
	struct ly_set *set = NULL;
	struct lyd_node *x;
	bool values_only;

	/* validation settles the default nodes; only the networks the diff
	 * names need it */
	schema_shortcuts(ed, &values_only, &net);
	if (networks_only(ed, net) && !rev->next && rev->schema == net->parent &&
	    edit_find_diff_op(rev) && !strcmp(lyd_get_meta_value(edit_find_diff_op(rev)), "none") &&
	    !ly_set_new(&set)) {
		for (const struct lyd_node *d = lyd_child(rev); d; d = d->next) {
			if (d->schema == net && !lyd_find_sibling_first(lyd_child(*ed->ds), d, &x))
				ly_set_add(set, x, 1, NULL);
		}
		return validate_networks(ed, net, set, vdiff);
	}
	return validate_full(ed, vdiff);
}
