/*
 * plan_list.c - which objects the planner compares (private to plan.c, see
 * plan_int.h): every object of both models, or only the networks, nodes and
 * links a libyang diff names, which keeps a plan's cost proportional to the
 * change.
 */
#include <stdbool.h>
#include <string.h>

#include <libyang/libyang.h>

#include "plan_cmp.h"
#include "plan_int.h"

static void add(struct worklist *w, struct planner *pl, const void *o, const void *n)
{
	if (plan_wl_add(w, o, n))
		pl->nomem = 1;
}

static bool is_underlay(struct planner *pl, const char *net)
{
	return (pl->o->underlay && !strcmp(pl->o->underlay, net)) ||
	       (pl->n->underlay && !strcmp(pl->n->underlay, net));
}

static void list_all_of_vn(struct planner *pl, const char *net)
{
	const struct vnm_vn *ov = vnm_model_vn(pl->o, net), *nv = vnm_model_vn(pl->n, net);
	size_t i;

	if (ov) {
		for (i = 0; i < ov->n_vrs; i++)
			add(&pl->vrs, pl, ov->vrs[i], plan_vr_other(pl->n, ov->vrs[i]));
		for (i = 0; i < ov->n_vls; i++)
			add(&pl->vls, pl, ov->vls[i], plan_vl_other(pl->n, ov->vls[i]));
	}
	if (nv) {
		for (i = 0; i < nv->n_vrs; i++)
			add(&pl->vrs, pl, plan_vr_other(pl->o, nv->vrs[i]), nv->vrs[i]);
		for (i = 0; i < nv->n_vls; i++)
			add(&pl->vls, pl, plan_vl_other(pl->o, nv->vls[i]), nv->vls[i]);
	}
}

static void list_all_hosts_plinks(struct planner *pl)
{
	size_t i;

	for (i = 0; i < pl->o->n_hosts; i++)
		add(&pl->hosts, pl, &pl->o->hosts[i], vnm_model_host(pl->n, pl->o->hosts[i].name));
	for (i = 0; i < pl->n->n_hosts; i++)
		add(&pl->hosts, pl, vnm_model_host(pl->o, pl->n->hosts[i].name), &pl->n->hosts[i]);
	for (i = 0; i < pl->o->n_plinks; i++)
		add(&pl->plinks, pl, &pl->o->plinks[i], plan_plink_other(pl->n, &pl->o->plinks[i]));
	for (i = 0; i < pl->n->n_plinks; i++)
		add(&pl->plinks, pl, plan_plink_other(pl->o, &pl->n->plinks[i]), &pl->n->plinks[i]);
}

void plan_list_everything(struct planner *pl)
{
	size_t i;

	list_all_hosts_plinks(pl);
	for (i = 0; i < pl->o->n_vrs; i++)
		add(&pl->vrs, pl, &pl->o->vrs[i], plan_vr_other(pl->n, &pl->o->vrs[i]));
	for (i = 0; i < pl->n->n_vrs; i++)
		add(&pl->vrs, pl, plan_vr_other(pl->o, &pl->n->vrs[i]), &pl->n->vrs[i]);
	for (i = 0; i < pl->o->n_vls; i++)
		add(&pl->vls, pl, &pl->o->vls[i], plan_vl_other(pl->n, &pl->o->vls[i]));
	for (i = 0; i < pl->n->n_vls; i++)
		add(&pl->vls, pl, plan_vl_other(pl->o, &pl->n->vls[i]), &pl->n->vls[i]);
}

static const char *diff_op(const struct lyd_node *node)
{
	struct lyd_meta *m = lyd_find_meta(node->meta, NULL, "yang:operation");

	return m ? lyd_get_meta_value(m) : NULL;
}

static const char *key_of(const struct lyd_node *list, const char *key)
{
	const struct lyd_node *c;

	LY_LIST_FOR(lyd_child(list), c) {
		if (c->schema && !strcmp(c->schema->name, key))
			return lyd_get_value(c);
	}
	return NULL;
}

static bool op_whole(const char *op)
{
	return op && (!strcmp(op, "create") || !strcmp(op, "delete"));
}

static void list_whole_network(struct planner *pl, const char *net)
{
	if (is_underlay(pl, net))
		list_all_hosts_plinks(pl);
	else
		list_all_of_vn(pl, net);
}

static void list_from_network(struct planner *pl, const struct lyd_node *nw, bool whole)
{
	const char *net = key_of(nw, "network-id"), *name;
	const struct lyd_node *c;
	bool under;

	if (!net)
		return;
	if (whole || op_whole(diff_op(nw))) {
		list_whole_network(pl, net);
		return;
	}
	under = is_underlay(pl, net);
	LY_LIST_FOR(lyd_child(nw), c) {
		if (!c->schema)
			continue;
		if (!strcmp(c->schema->name, "network-id"))
			continue;
		if (!strcmp(c->schema->name, "node")) {
			name = key_of(c, "node-id");
			if (!name)
				continue;
			if (under)
				add(&pl->hosts, pl, vnm_model_host(pl->o, name),
				    vnm_model_host(pl->n, name));
			else
				add(&pl->vrs, pl, vnm_model_vr(pl->o, net, name),
				    vnm_model_vr(pl->n, net, name));
		} else if (!strcmp(c->schema->name, "link")) {
			name = key_of(c, "link-id");
			if (!name)
				continue;
			if (under)
				add(&pl->plinks, pl, vnm_model_plink(pl->o, name),
				    vnm_model_plink(pl->n, name));
			else
				add(&pl->vls, pl, vnm_model_vl(pl->o, net, name),
				    vnm_model_vl(pl->n, net, name));
		} else {
			/* network-types, supporting-network, the VN's admin
			 * state: everything in the network may be affected */
			list_whole_network(pl, net);
			return;
		}
	}
}

void plan_list_from_diff(struct planner *pl, const struct lyd_node *diff)
{
	const struct lyd_node *top, *nw;
	bool whole;

	LY_LIST_FOR(lyd_first_sibling((struct lyd_node *)diff), top) {
		if (!top->schema || strcmp(top->schema->name, "networks"))
			continue;
		whole = op_whole(diff_op(top));
		LY_LIST_FOR(lyd_child(top), nw) {
			if (nw->schema && !strcmp(nw->schema->name, "network"))
				list_from_network(pl, nw, whole);
		}
	}
}

