/*
 * plan_cmp.c - comparisons of one old/new pair of objects for the planner
 * (plan_cmp.h): whether a host moved, a VR must be redefined, a VL rebuilt
 * or reshaped, and the counterpart of an object in the other model.
 */
#include <stdbool.h>
#include <string.h>

#include "plan_cmp.h"

/* ------------------------------------------------------------------ */
/* Comparisons of one old/new pair                                     */
/* ------------------------------------------------------------------ */

bool plan_str_ne(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b) != 0;
}

/* A host whose VRs and interfaces must be rebuilt: another hypervisor,
 * namespace or tunnel endpoint. */
bool plan_host_moved(const struct vnm_host *o, const struct vnm_host *n)
{
	if (!o || !n)
		return o != n;
	return plan_str_ne(o->name, n->name) || plan_str_ne(o->uri, n->uri) ||
	       plan_str_ne(o->netns, n->netns) || plan_str_ne(o->tunnel_addr, n->tunnel_addr);
}

bool plan_hif_ne(const struct vnm_host_if *o, const struct vnm_host_if *n)
{
	if (!o || !n)
		return o != n;
	return plan_str_ne(o->ifname, n->ifname) || plan_host_moved(o->host, n->host);
}

bool plan_plink_rebuilt(const struct vnm_plink *o, const struct vnm_plink *n)
{
	if (!o || !n)
		return o != n;
	/* the root's size table counts the encapsulation's overhead */
	return plan_hif_ne(o->src, n->src) || plan_hif_ne(o->dst, n->dst) ||
	       o->overhead != n->overhead || plan_str_ne(o->encap, n->encap);
}

/* What the default shares on p depend on (plan_dirty compares them). */
void plan_share_basis(const struct vnm_plink *p, struct plan_share_basis *b)
{
	const struct vnm_vl *bond = vnm_plink_bond(p);
	size_t k;

	b->cap = vnm_plink_vl_capacity(p);
	b->guaranteed = 0;
	b->bondcap = 0;
	b->n_free = 0;
	for (k = 0; k < p->n_vls; k++) {
		if (p->vls[k]->guaranteed)
			b->guaranteed += vnm_vl_guaranteed_on(p->vls[k], p);
		else
			b->n_free++;
	}
	for (k = 0; bond && k < bond->n_plinks; k++)
		b->bondcap += vnm_plink_vl_capacity(bond->plinks[k]);
}

/* The route of the bond a physical link is in changed: other links.  (Its
 * weights follow the capacities: a link whose capacity changes is updated,
 * and any link's update installs the whole route.) */
bool plan_bond_ne(const struct vnm_plink *o, const struct vnm_plink *n)
{
	const struct vnm_vl *ob = vnm_plink_bond(o), *nb = vnm_plink_bond(n);
	size_t i;

	if (!ob || !nb)
		return ob != nb;
	if (ob->n_plinks != nb->n_plinks)
		return true;
	for (i = 0; i < ob->n_plinks; i++)
		if (plan_str_ne(ob->plinks[i]->name, nb->plinks[i]->name) ||
		    plan_plink_rebuilt(ob->plinks[i], nb->plinks[i]))
			return true;
	return false;
}

bool plan_vr_rehomed(const struct vnm_vr *o, const struct vnm_vr *n)
{
	if (!o || !n)
		return o != n;
	return plan_str_ne(o->host_ref, n->host_ref) || plan_host_moved(o->host, n->host);
}

bool plan_vr_image_changed(const struct vnm_vr *o, const struct vnm_vr *n)
{
	return plan_str_ne(o->kernel, n->kernel) || plan_str_ne(o->initrd, n->initrd) ||
	       plan_str_ne(o->cmdline, n->cmdline) || plan_str_ne(o->disk, n->disk) ||
	       plan_str_ne(o->domain_name, n->domain_name) ||
	       (o->host && n->host && o->host->domain_type != n->host->domain_type);
}

bool plan_vnic_same_place(const struct vnm_vnic *o, const struct vnm_vnic *n)
{
	if (!o || !n)
		return o == n;
	return !plan_str_ne(o->name, n->name) && o->vr && n->vr &&
	       !plan_str_ne(o->vr->name, n->vr->name) && !plan_vr_rehomed(o->vr, n->vr);
}

bool plan_vl_rebuilt(const struct vnm_vl *o, const struct vnm_vl *n)
{
	size_t i;

	if (!plan_vnic_same_place(o->a, n->a) || !plan_vnic_same_place(o->b, n->b))
		return true;
	if (o->vni != n->vni || strcmp(o->end_a, n->end_a) || strcmp(o->end_b, n->end_b) ||
	    plan_str_ne(o->encap, n->encap))
		return true;
	if (o->n_plinks != n->n_plinks)
		return true;
	for (i = 0; i < o->n_plinks; i++) {
		if (!o->plinks[i] || !n->plinks[i]) {
			if (o->plinks[i] != n->plinks[i])
				return true;
			continue;
		}
		if (plan_str_ne(o->plinks[i]->name, n->plinks[i]->name) ||
		    plan_plink_rebuilt(o->plinks[i], n->plinks[i]))
			return true;
	}
	return false;
}

bool plan_netem_changed(const struct vnm_vl *o, const struct vnm_vl *n)
{
	return o->delay_us != n->delay_us || o->jitter_us != n->jitter_us ||
	       o->loss_ppm != n->loss_ppm;
}

bool plan_shape_ne(const struct vnm_shape *a, const struct vnm_shape *b)
{
	return a->rate != b->rate || a->ceil != b->ceil || a->burst != b->burst ||
	       a->cburst != b->cburst || a->netem != b->netem || a->delay_us != b->delay_us ||
	       a->jitter_us != b->jitter_us || a->loss_ppm != b->loss_ppm;
}

const struct vnm_vnic *plan_vnic_find(const struct vnm_vr *vr, const char *name)
{
	size_t i;

	for (i = 0; i < vr->n_vnics; i++) {
		if (!strcmp(vr->vnics[i].name, name))
			return &vr->vnics[i];
	}
	return NULL;
}

/* Same vNICs (names and MACs): a router that can migrate with them. */
bool plan_vnics_same(const struct vnm_vr *o, const struct vnm_vr *n)
{
	const struct vnm_vnic *on;
	size_t k;

	if (o->n_vnics != n->n_vnics)
		return false;
	for (k = 0; k < n->n_vnics; k++) {
		on = plan_vnic_find(o, n->vnics[k].name);
		if (!on || strcmp(on->mac, n->vnics[k].mac))
			return false;
	}
	return true;
}

/* The counterpart of a VL in the other model. */
const struct vnm_vl *plan_vl_other(const struct vnm_model *m, const struct vnm_vl *vl)
{
	if (!vl || !vl->vn)
		return NULL;
	return vnm_model_vl(m, vl->vn->name, vl->name);
}

const struct vnm_vr *plan_vr_other(const struct vnm_model *m, const struct vnm_vr *vr)
{
	if (!vr || !vr->vn)
		return NULL;
	return vnm_model_vr(m, vr->vn->name, vr->name);
}

const struct vnm_plink *plan_plink_other(const struct vnm_model *m,
					   const struct vnm_plink *pl)
{
	return pl ? vnm_model_plink(m, pl->name) : NULL;
}

