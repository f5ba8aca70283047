/*
 * plan.c - compare two models and order the driver calls (see plan.h).
 *
 * Planning walks four worklists in a fixed order, hosts -> physical links ->
 * VRs -> VLs, then the physical links whose default shares may have moved.
 * A level may add work to the levels after it (a moved host puts its VRs on
 * the VR list, a moved VR its VLs on the VL list), never before it, so one
 * pass suffices.  Each decision looks only at the old/new pair of one
 * object (and the pairs it points to), which keeps the cost proportional to
 * the number of objects put on the lists.
 *
 * Steps go into one vector per phase; the phases are concatenated at the
 * end, which gives the order documented in plan.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "model_int.h"
#include "plan.h"
#include "plan_sets.h"
#include "plan_cmp.h"
#include "plan_int.h"

static void emit(struct planner *pl, enum phase ph, const struct vnm_step *fwd,
		 const struct vnm_step *inv)
{
	struct step_vec *sv = &pl->ph[ph];

	if (plan_steps_push(&sv->v, &sv->n, &sv->cap, fwd, inv))
		pl->nomem = 1;
}

static void add(struct worklist *w, struct planner *pl, const void *o, const void *n)
{
	if (plan_wl_add(w, o, n))
		pl->nomem = 1;
}

/* ------------------------------------------------------------------ */
/* Step constructors                                                   */
/* ------------------------------------------------------------------ */

static struct vnm_step st_pl(enum vnm_step_kind k, const struct vnm_plink *p)
{
	struct vnm_step s = {.kind = k, .pl = p};
	return s;
}

static struct vnm_step st_nic(enum vnm_step_kind k, const struct vnm_vnic *nic)
{
	struct vnm_step s = {.kind = k, .nic = nic};
	return s;
}

static struct vnm_step st_vr(enum vnm_step_kind k, const struct vnm_vr *vr)
{
	struct vnm_step s = {.kind = k, .vr = vr};
	return s;
}

static struct vnm_step st_state(const struct vnm_vr *vr, enum vnm_admin to)
{
	struct vnm_step s = {.kind = VNM_STEP_VR_STATE, .vr = vr, .to = to};
	return s;
}

static struct vnm_step st_vl(enum vnm_step_kind k, const struct vnm_vl *vl)
{
	struct vnm_step s = {.kind = k, .vl = vl};
	return s;
}

static struct vnm_step st_shape(const struct vnm_vl *vl, const struct vnm_plink *p)
{
	struct vnm_step s = {.kind = VNM_STEP_VL_SHAPE, .vl = vl, .pl = p};

	if (p)
		vnm_vl_shape_on(vl, p, &s.shape);
	else
		vnm_vl_shape_local(vl, &s.shape);
	return s;
}

static struct vnm_step st_unshape(const struct vnm_vl *vl, const struct vnm_plink *p)
{
	struct vnm_step s = {.kind = VNM_STEP_VL_UNSHAPE, .vl = vl, .pl = p};
	return s;
}

static struct vnm_step st_up(enum vnm_step_kind k, const struct vnm_vl *vl,
			     const struct vnm_vnic *nic, bool up)
{
	struct vnm_step s = {.kind = k, .vl = vl, .nic = nic, .up = up};
	return s;
}

/* ------------------------------------------------------------------ */
/* Hosts and physical links                                            */
/* ------------------------------------------------------------------ */

static bool host_named(const struct vnm_host *h, const char *name)
{
	return h && name && !strcmp(h->name, name);
}

static bool plink_touches(const struct vnm_plink *p, const char *host)
{
	return (p->src && host_named(p->src->host, host)) ||
	       (p->dst && host_named(p->dst->host, host));
}

static void plan_host(struct planner *pl, const struct vnm_host *o, const struct vnm_host *n)
{
	const char *name = n ? n->name : o->name;
	bool vrs_too;
	size_t i;

	pl->compared++;
	vrs_too = plan_host_moved(o, n) ||
		  (o && n && o->domain_type != n->domain_type);
	/* Interfaces of a host may have changed: look at its links.  A host
	 * has few links; finding them costs a pass over the links, which
	 * only a change of a host pays. */
	for (i = 0; i < pl->o->n_plinks; i++) {
		if (plink_touches(&pl->o->plinks[i], name))
			add(&pl->plinks, pl, &pl->o->plinks[i],
			    plan_plink_other(pl->n, &pl->o->plinks[i]));
	}
	for (i = 0; i < pl->n->n_plinks; i++) {
		if (plink_touches(&pl->n->plinks[i], name))
			add(&pl->plinks, pl, plan_plink_other(pl->o, &pl->n->plinks[i]),
			    &pl->n->plinks[i]);
	}
	if (!vrs_too)
		return;
	for (i = 0; i < pl->o->n_vrs; i++) {
		if (host_named(pl->o->vrs[i].host, name) ||
		    !plan_str_ne(pl->o->vrs[i].host_ref, name))
			add(&pl->vrs, pl, &pl->o->vrs[i], plan_vr_other(pl->n, &pl->o->vrs[i]));
	}
	for (i = 0; i < pl->n->n_vrs; i++) {
		if (host_named(pl->n->vrs[i].host, name) ||
		    !plan_str_ne(pl->n->vrs[i].host_ref, name))
			add(&pl->vrs, pl, plan_vr_other(pl->o, &pl->n->vrs[i]), &pl->n->vrs[i]);
	}
}

static void plink_vls_to_list(struct planner *pl, const struct vnm_plink *p, bool old)
{
	size_t i;

	for (i = 0; i < p->n_vls; i++) {
		if (old)
			add(&pl->vls, pl, p->vls[i], plan_vl_other(pl->n, p->vls[i]));
		else
			add(&pl->vls, pl, plan_vl_other(pl->o, p->vls[i]), p->vls[i]);
	}
}

static void bond_peers_dirty(struct planner *pl, const struct vnm_plink *n);

static void plan_plink(struct planner *pl, const struct vnm_plink *o, const struct vnm_plink *n)
{
	struct vnm_step f, i;

	pl->compared++;
	if (o && (!n || plan_plink_rebuilt(o, n))) {
		f = st_pl(VNM_STEP_PLINK_TEARDOWN, o);
		i = st_pl(VNM_STEP_PLINK_SETUP, o);
		emit(pl, P_PL_TEARDOWN, &f, &i);
		plink_vls_to_list(pl, o, true);
	}
	if (n && (!o || plan_plink_rebuilt(o, n))) {
		f = st_pl(VNM_STEP_PLINK_SETUP, n);
		i = st_pl(VNM_STEP_PLINK_TEARDOWN, n);
		emit(pl, P_PL_SETUP, &f, &i);
		plink_vls_to_list(pl, n, false);
		return;
	}
	if (o && n && (o->capacity != n->capacity || plan_bond_ne(o, n))) {
		f = (struct vnm_step){.kind = VNM_STEP_PLINK_UPDATE, .pl_old = o, .pl = n};
		i = (struct vnm_step){.kind = VNM_STEP_PLINK_UPDATE, .pl_old = n, .pl = o};
		emit(pl, P_PL_UPDATE, &f, &i);
		add(&pl->dirty, pl, o, n);
		/* the parts of a bonded VL on the other links of the bond follow
		 * this link's capacity */
		if (o->capacity != n->capacity)
			bond_peers_dirty(pl, n);
	}
}

static void bond_peers_dirty(struct planner *pl, const struct vnm_plink *n)
{
	const struct vnm_vl *b = vnm_plink_bond(n);
	size_t k;

	for (k = 0; b && k < b->n_plinks; k++)
		if (b->plinks[k] != n)
			add(&pl->dirty, pl, plan_plink_other(pl->o, b->plinks[k]), b->plinks[k]);
}

/* The route of a bond belongs to its physical links (struct vnm_link_ops
 * plink_setup/_update): a VL that makes, changes or ends a bond lists
 * them, after the levels above have run, for plan_plink to compare. */
static void vl_bond_plinks(struct planner *pl, const struct vnm_vl *o, const struct vnm_vl *n)
{
	size_t k;

	for (k = 0; o && vnm_vl_bonded(o) && k < o->n_plinks; k++)
		add(&pl->plinks, pl, o->plinks[k], plan_plink_other(pl->n, o->plinks[k]));
	for (k = 0; n && vnm_vl_bonded(n) && k < n->n_plinks; k++)
		add(&pl->plinks, pl, plan_plink_other(pl->o, n->plinks[k]), n->plinks[k]);
}

/* ------------------------------------------------------------------ */
/* Virtual routers                                                     */
/* ------------------------------------------------------------------ */

static void vr_vls_to_list(struct planner *pl, const struct vnm_vr *vr, bool old)
{
	size_t i;

	for (i = 0; i < vr->n_vnics; i++) {
		const struct vnm_vl *vl = vr->vnics[i].vl;

		if (!vl)
			continue;
		if (old)
			add(&pl->vls, pl, vl, plan_vl_other(pl->n, vl));
		else
			add(&pl->vls, pl, plan_vl_other(pl->o, vl), vl);
	}
}

/* Stop (if it runs) and undefine the domain of o. */
static void vr_stop_undefine(struct planner *pl, const struct vnm_vr *o)
{
	enum vnm_admin eff = vnm_vr_effective_admin(o);
	struct vnm_step f, i;

	if (eff != VNM_ADMIN_STOPPED) {
		f = st_state(o, VNM_ADMIN_STOPPED);
		i = st_state(o, eff);
		emit(pl, P_STOP, &f, &i);
	}
	f = st_vr(VNM_STEP_VR_UNDEFINE, o);
	i = st_vr(VNM_STEP_VR_DEFINE, o);
	i.generation = pl->ogen;
	emit(pl, P_UNDEFINE, &f, &i);
}

/* Define the domain of n and bring it to its admin state. */
static void vr_define_start(struct planner *pl, const struct vnm_vr *n)
{
	enum vnm_admin eff = vnm_vr_effective_admin(n);
	struct vnm_step f, i;

	f = st_vr(VNM_STEP_VR_DEFINE, n);
	f.generation = pl->gen;
	i = st_vr(VNM_STEP_VR_UNDEFINE, n);
	emit(pl, P_DEFINE, &f, &i);
	if (eff != VNM_ADMIN_STOPPED) {
		f = st_state(n, eff);
		i = st_state(n, VNM_ADMIN_STOPPED);
		emit(pl, P_STATE, &f, &i);
	}
}

/* Create (create true) or destroy the port of every vNIC of vr that keep
 * has not (keep NULL: every vNIC). */
static void vr_ports(struct planner *pl, const struct vnm_vr *vr, const struct vnm_vr *keep,
		     bool create)
{
	struct vnm_step f, i;
	size_t k;

	for (k = 0; k < vr->n_vnics; k++) {
		if (keep && plan_vnic_find(keep, vr->vnics[k].name))
			continue;
		f = st_nic(create ? VNM_STEP_PORT_CREATE : VNM_STEP_PORT_DESTROY, &vr->vnics[k]);
		i = st_nic(create ? VNM_STEP_PORT_DESTROY : VNM_STEP_PORT_CREATE, &vr->vnics[k]);
		emit(pl, create ? P_PORT_CREATE : P_PORT_DESTROY, &f, &i);
	}
}

static void vr_destroy(struct planner *pl, const struct vnm_vr *o)
{
	vr_stop_undefine(pl, o);
	vr_ports(pl, o, NULL, false);
	vr_vls_to_list(pl, o, true);
}

static void vr_create(struct planner *pl, const struct vnm_vr *n)
{
	vr_ports(pl, n, NULL, true);
	vr_define_start(pl, n);
	vr_vls_to_list(pl, n, false);
}

/* A new image (or domain type): the domain is defined anew; its vNICs'
 * ports stay, except those of removed or added vNICs. */
static void vr_redefine(struct planner *pl, const struct vnm_vr *o, const struct vnm_vr *n)
{
	vr_stop_undefine(pl, o);
	vr_ports(pl, o, n, false);
	vr_ports(pl, n, o, true);
	vr_define_start(pl, n);
}

/* Same domain: vNICs hot-plugged, resources and state changed in place. */
static void vr_modify(struct planner *pl, const struct vnm_vr *o, const struct vnm_vr *n)
{
	enum vnm_admin eo = vnm_vr_effective_admin(o), en = vnm_vr_effective_admin(n);
	const struct vnm_vnic *on, *nn;
	struct vnm_step f, i;
	size_t k;

	for (k = 0; k < o->n_vnics; k++) {
		on = &o->vnics[k];
		nn = plan_vnic_find(n, on->name);
		if (nn && !strcmp(on->mac, nn->mac))
			continue;
		f = st_nic(VNM_STEP_VNIC_DETACH, on);
		i = st_nic(VNM_STEP_VNIC_ATTACH, on);
		emit(pl, P_DETACH, &f, &i);
		if (!nn) {
			f = st_nic(VNM_STEP_PORT_DESTROY, on);
			i = st_nic(VNM_STEP_PORT_CREATE, on);
			emit(pl, P_PORT_DESTROY, &f, &i);
		}
	}
	for (k = 0; k < n->n_vnics; k++) {
		nn = &n->vnics[k];
		on = plan_vnic_find(o, nn->name);
		if (on && !strcmp(on->mac, nn->mac))
			continue;
		if (!on) {
			f = st_nic(VNM_STEP_PORT_CREATE, nn);
			i = st_nic(VNM_STEP_PORT_DESTROY, nn);
			emit(pl, P_PORT_CREATE, &f, &i);
		}
		f = st_nic(VNM_STEP_VNIC_ATTACH, nn);
		i = st_nic(VNM_STEP_VNIC_DETACH, nn);
		emit(pl, P_ATTACH, &f, &i);
	}
	if (o->vcpus != n->vcpus || o->memory_mib != n->memory_mib) {
		f = (struct vnm_step){.kind = VNM_STEP_VR_RESOURCES, .vr_old = o, .vr = n};
		i = (struct vnm_step){.kind = VNM_STEP_VR_RESOURCES, .vr_old = n, .vr = o};
		emit(pl, P_RESOURCES, &f, &i);
	}
	if (eo != en) {
		f = st_state(n, en);
		i = st_state(o, eo);
		emit(pl, en == VNM_ADMIN_STOPPED ? P_STOP : P_STATE, &f, &i);
	}
}

/* ------------------------------------------------------------------ */
/* Live migration                                                      */
/* ------------------------------------------------------------------ */

/* Whether two hosts are reached through one hypervisor connection.  A host
 * without a libvirt-uri uses the default; when that is unknown, two hosts
 * count as one connection unless both name different URIs (the safe side:
 * destroy and create, as before migration existed). */
static bool same_hypervisor(const struct planner *pl, const struct vnm_host *a,
			    const struct vnm_host *b)
{
	const char *ua = a->uri ? a->uri : pl->default_uri;
	const char *ub = b->uri ? b->uri : pl->default_uri;

	if (!ua || !ub)
		return true;
	return !strcmp(ua, ub);
}

static const char *dtype_str(enum vnm_domain_type t)
{
	return t == VNM_DT_QEMU ? "qemu" : t == VNM_DT_KVM ? "kvm" : "the hypervisor's default";
}

static void refuse(struct planner *pl, const struct vnm_vr *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void refuse(struct planner *pl, const struct vnm_vr *n, const char *fmt, ...)
{
	char path[600], msg[600];
	va_list ap;

	if (pl->refused)
		return; /* the first refusal is the one reported */
	pl->refused = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vnm_path_node(path, sizeof(path), n->vn ? n->vn->name : NULL, n->name);
	vnm_err_set(pl->err, VNM_E_INVALID, path, "router %s of virtual network %s: %s", n->name,
		    n->vn ? n->vn->name : "?", msg);
}

/*
 * Does o, rehomed as n, move by live migration?  1 yes, 0 no (destroy and
 * create: same connection, stopped, or a new image), -1 refused (pl->err
 * says why).  Every vnmd plans the move alike; its steps on hosts that
 * are not its own are skipped (txn_step.c).
 */
static int vr_live_move(struct planner *pl, const struct vnm_vr *o, const struct vnm_vr *n)
{
	const struct vnm_host *ho = o->host, *hn = n->host;

	/* A host whose own libvirt-uri changed is not a move of its VRs. */
	if (!ho || !hn || !plan_str_ne(ho->name, hn->name) || same_hypervisor(pl, ho, hn))
		return 0;
	if (vnm_vr_effective_admin(o) == VNM_ADMIN_STOPPED ||
	    vnm_vr_effective_admin(n) == VNM_ADMIN_STOPPED)
		return 0;
	/* The old host's vnmd migrates, the new host's waits for the domain to
	 * arrive (txn_step.c), both in one network-wide transaction whose
	 * participants commit concurrently.  A coordinator realising the
	 * old host itself would migrate only after its participants'
	 * commits, while the new host's waits in its commit: refused.  (A
	 * coordinator's own hosts are those without a management address;
	 * a participant's own host has one.) */
	if (vnm_host_local(ho) && !ho->mgmt_addr && vnm_host_participant(hn)) {
		refuse(pl, n, "cannot move it live from host %s, which this vnmd realises, to host "
		       "%s, which its own vnmd realises: give host %s a management address (a "
		       "vnmd of its own), or stop the router to move it", ho->name, hn->name,
		       ho->name);
		return -1;
	}
	if (ho->domain_type != hn->domain_type) {
		refuse(pl, n, "cannot move it live from host %s to host %s: their domain types "
		       "differ (%s, %s); stop the router to move it, or give both hosts the same "
		       "domain-type", ho->name, hn->name, dtype_str(ho->domain_type),
		       dtype_str(hn->domain_type));
		return -1;
	}
	/* A new image means a new boot anyway. */
	if (plan_vr_image_changed(o, n))
		return 0;
	if (!plan_vnics_same(o, n)) {
		refuse(pl, n, "cannot move it live from host %s to host %s and change its vNICs in "
		       "the same edit; move it first, then change its vNICs", ho->name, hn->name);
		return -1;
	}
	return 1;
}

/*
 * Migrate o to n's host: the new ports first (P_PORT_CREATE), the domain
 * after the VRs' starts, then what the migrated domain changes in place,
 * then the old ports (after its old VLs, see vl_destroy).  The VLs are
 * rebuilt (plan_vl: their vNICs changed place).
 */
static void vr_migrate(struct planner *pl, const struct vnm_vr *o, const struct vnm_vr *n)
{
	enum vnm_admin eo = vnm_vr_effective_admin(o), en = vnm_vr_effective_admin(n);
	struct vnm_step f, i;
	size_t k;

	if (plan_pset_add(&pl->migrating, o) < 0)
		pl->nomem = 1;
	vr_ports(pl, n, NULL, true);
	f = (struct vnm_step){.kind = VNM_STEP_VR_MIGRATE, .vr_old = o, .vr = n,
			      .generation = pl->gen};
	i = (struct vnm_step){.kind = VNM_STEP_VR_MIGRATE, .vr_old = n, .vr = o,
			      .generation = pl->ogen};
	emit(pl, P_MIGRATE, &f, &i);
	if (o->vcpus != n->vcpus || o->memory_mib != n->memory_mib) {
		f = (struct vnm_step){.kind = VNM_STEP_VR_RESOURCES, .vr_old = o, .vr = n};
		i = (struct vnm_step){.kind = VNM_STEP_VR_RESOURCES, .vr_old = n, .vr = o};
		emit(pl, P_MIG_MODIFY, &f, &i);
	}
	if (eo != en) {
		f = st_state(n, en);
		i = st_state(n, eo);
		emit(pl, P_MIG_MODIFY, &f, &i);
	}
	for (k = 0; k < o->n_vnics; k++) {
		f = st_nic(VNM_STEP_PORT_DESTROY, &o->vnics[k]);
		i = st_nic(VNM_STEP_PORT_CREATE, &o->vnics[k]);
		emit(pl, P_MIG_PORT_DESTROY, &f, &i);
	}
	vr_vls_to_list(pl, o, true);
	vr_vls_to_list(pl, n, false);
}

/* Whether the old VL o ends at a VR that migrates: its old ends stay until
 * the router has left. */
static bool vl_of_migrating(const struct planner *pl, const struct vnm_vl *o)
{
	return (o->a && plan_pset_has(&pl->migrating, o->a->vr)) ||
	       (o->b && plan_pset_has(&pl->migrating, o->b->vr));
}

static void plan_vr(struct planner *pl, const struct vnm_vr *o, const struct vnm_vr *n)
{
	int live;

	pl->compared++;
	if (o && n && plan_vr_rehomed(o, n)) {
		live = vr_live_move(pl, o, n);
		if (live) {
			if (live > 0)
				vr_migrate(pl, o, n);
			return;
		}
	}
	if (o && n && !plan_vr_rehomed(o, n)) {
		if (plan_vr_image_changed(o, n))
			vr_redefine(pl, o, n);
		else
			vr_modify(pl, o, n);
		return;
	}
	if (o)
		vr_destroy(pl, o);
	if (n)
		vr_create(pl, n);
}

/* ------------------------------------------------------------------ */
/* Virtual links and their shaping                                     */
/* ------------------------------------------------------------------ */

static void mark_dirty_old(struct planner *pl, const struct vnm_vl *o)
{
	size_t k;

	for (k = 0; k < o->n_plinks; k++) {
		const struct vnm_plink *np = plan_plink_other(pl->n, o->plinks[k]);

		if (o->plinks[k] && np)
			add(&pl->dirty, pl, o->plinks[k], np);
	}
}

static void mark_dirty_new(struct planner *pl, const struct vnm_vl *n)
{
	size_t k;

	for (k = 0; k < n->n_plinks; k++) {
		const struct vnm_plink *op = plan_plink_other(pl->o, n->plinks[k]);

		if (n->plinks[k] && op)
			add(&pl->dirty, pl, op, n->plinks[k]);
	}
}

/*
 * A vNIC that stays while its VL goes has what a vNIC without a VL has:
 * its port bridge, its tap in it, where whatever else the operator plugs
 * into the router goes.  With per-link ends it had it all along (the step
 * finds it there); a shared datapath glued the tap of a cross-host VL's
 * vNIC to the host's tunnel instead, and makes the port now.  No inverse:
 * a port that was there is not the transaction's to remove, and the VL
 * made again by an undo takes the tap back.
 */
static void vnic_keeps_port(struct planner *pl, const struct vnm_vnic *on)
{
	const struct vnm_vr *nvr = on && on->vr ? plan_vr_other(pl->n, on->vr) : NULL;
	const struct vnm_vnic *nn = nvr ? plan_vnic_find(nvr, on->name) : NULL;
	struct vnm_step f, i = {.kind = VNM_STEP_NONE};

	if (!nn || nn->vl || !nvr->host || !nvr->host->netns ||
	    !on->vr->host || strcmp(nvr->host->name, on->vr->host->name))
		return;
	f = st_nic(VNM_STEP_PORT_CREATE, nn);
	emit(pl, P_PORT_CREATE, &f, &i);
}

static void vl_destroy(struct planner *pl, const struct vnm_vl *o)
{
	bool mig = vl_of_migrating(pl, o);
	enum phase unshape = mig ? P_MIG_UNSHAPE : P_UNSHAPE;
	struct vnm_step f, i;
	size_t k;

	if (!o->n_plinks) {
		f = st_unshape(o, NULL);
		i = st_shape(o, NULL);
		emit(pl, unshape, &f, &i);
	}
	for (k = 0; k < o->n_plinks; k++) {
		if (!o->plinks[k])
			continue;
		f = st_unshape(o, o->plinks[k]);
		i = st_shape(o, o->plinks[k]);
		emit(pl, unshape, &f, &i);
	}
	f = st_vl(VNM_STEP_VL_DESTROY, o);
	i = st_vl(VNM_STEP_VL_CREATE, o);
	emit(pl, mig ? P_MIG_VL_DESTROY : P_VL_DESTROY, &f, &i);
	mark_dirty_old(pl, o);
	if (!mig && o->a && o->b && o->a->vr && o->b->vr && o->a->vr->host != o->b->vr->host) {
		vnic_keeps_port(pl, o->a);
		vnic_keeps_port(pl, o->b);
	}
}

/*
 * The new VL of a migrating router is made before the migration when its
 * ends cannot clash with the old VL's: one of the two is a same-host VL
 * (veth pair) and the other a tunnel.  Both then hang in the port bridges
 * side by side for the migration's length; the router's own announcement
 * from the destination (its RARP/gratuitous ARP after the switch-over)
 * teaches the bridges the new way, so traffic moves with the router.  Two
 * tunnels (a re-pointed VL: same key on the host that stays) follow the
 * migration instead, after the old one is gone.
 */
static bool vl_early(const struct planner *pl, const struct vnm_vl *n)
{
	const struct vnm_vl *o = plan_vl_other(pl->o, n);

	return o && vl_of_migrating(pl, o) && !o->n_plinks != !n->n_plinks;
}

static void vl_create(struct planner *pl, const struct vnm_vl *n)
{
	bool early = vl_early(pl, n);
	enum phase shape = early ? P_MIG_SHAPE : P_SHAPE;
	struct vnm_step f, i;
	size_t k;

	f = st_vl(VNM_STEP_VL_CREATE, n);
	i = st_vl(VNM_STEP_VL_DESTROY, n);
	emit(pl, early ? P_MIG_VL_CREATE : P_VL_CREATE, &f, &i);
	if (!n->n_plinks) {
		f = st_shape(n, NULL);
		i = st_unshape(n, NULL);
		emit(pl, shape, &f, &i);
	}
	for (k = 0; k < n->n_plinks; k++) {
		if (!n->plinks[k])
			continue;
		f = st_shape(n, n->plinks[k]);
		i = st_unshape(n, n->plinks[k]);
		emit(pl, shape, &f, &i);
	}
	if (plan_pset_add(&pl->vl_done, n) < 0)
		pl->nomem = 1;
	mark_dirty_new(pl, n);
}

/* Re-shape a kept VL on each physical link (or locally) where its shaping
 * differs between the models.  Both VLs ride the same links (else it would
 * have been rebuilt). */
static void vl_reshape(struct planner *pl, const struct vnm_vl *o, const struct vnm_vl *n)
{
	struct vnm_step f, i;
	size_t k;

	if (!n->n_plinks) {
		f = st_shape(n, NULL);
		i = st_shape(o, NULL);
		if (plan_shape_ne(&f.shape, &i.shape))
			emit(pl, P_SHAPE, &f, &i);
	}
	for (k = 0; k < n->n_plinks; k++) {
		if (!n->plinks[k] || !o->plinks[k])
			continue;
		f = st_shape(n, n->plinks[k]);
		i = st_shape(o, o->plinks[k]);
		if (plan_shape_ne(&f.shape, &i.shape))
			emit(pl, P_SHAPE, &f, &i);
	}
}

/* The carrier of a vNIC at an end of a VL (old: nic is of the old model)
 * follows the VL it is on (vnm_vnic_link_up).  A vNIC kept with the same
 * MAC whose carrier changes gets its link state set in place; a new or
 * replaced one is defined or attached in its state already. */
static void vnic_carrier(struct planner *pl, const struct vnm_vnic *nic, bool old)
{
	const struct vnm_vr *vr;
	const struct vnm_vnic *on, *nn;
	struct vnm_step f, i;

	if (!nic || !nic->vr)
		return;
	vr = plan_vr_other(old ? pl->n : pl->o, nic->vr);
	on = old ? nic : (vr ? plan_vnic_find(vr, nic->name) : NULL);
	nn = old ? (vr ? plan_vnic_find(vr, nic->name) : NULL) : nic;
	if (!on || !nn || strcmp(on->mac, nn->mac) || plan_pset_has(&pl->nic_done, nn) ||
	    vnm_vnic_link_up(on) == vnm_vnic_link_up(nn))
		return;
	if (plan_pset_add(&pl->nic_done, nn) < 0)
		pl->nomem = 1;
	f = st_up(VNM_STEP_VNIC_LINK, NULL, nn, vnm_vnic_link_up(nn));
	i = st_up(VNM_STEP_VNIC_LINK, NULL, on, vnm_vnic_link_up(on));
	emit(pl, P_VL_ADMIN, &f, &i);
}

/* A VL's admin state is changed in place: its ends (kept: made in their
 * state when created) and the carrier of the vNICs it joins. */
static void vl_admin(struct planner *pl, const struct vnm_vl *o, const struct vnm_vl *n)
{
	struct vnm_step f, i;

	if (o && n && o->enabled != n->enabled && !plan_vl_rebuilt(o, n)) {
		f = st_up(VNM_STEP_VL_LINK, n, NULL, n->enabled);
		i = st_up(VNM_STEP_VL_LINK, o, NULL, o->enabled);
		emit(pl, P_VL_ADMIN, &f, &i);
	}
	if (o) {
		vnic_carrier(pl, o->a, true);
		vnic_carrier(pl, o->b, true);
	}
	if (n) {
		vnic_carrier(pl, n->a, false);
		vnic_carrier(pl, n->b, false);
	}
}

static void plan_vl(struct planner *pl, const struct vnm_vl *o, const struct vnm_vl *n)
{
	pl->compared++;
	vl_admin(pl, o, n);
	if (o && n && !plan_vl_rebuilt(o, n)) {
		if (o->guaranteed == n->guaranteed && o->limit == n->limit &&
		    o->burst == n->burst && !plan_netem_changed(o, n))
			return;
		vl_reshape(pl, o, n);
		if (plan_pset_add(&pl->vl_done, n) < 0)
			pl->nomem = 1;
		/* Only a guarantee moves the default share of the others. */
		if (o->guaranteed != n->guaranteed)
			mark_dirty_new(pl, n);
		return;
	}
	if (o)
		vl_destroy(pl, o);
	if (n)
		vl_create(pl, n);
}

/* A physical link whose VL set, guarantees or capacity changed: the VLs on
 * it that nobody has looked at yet may have a new default share (or a new
 * default ceiling, the capacity). */
static void plan_dirty(struct planner *pl, const struct vnm_plink *op,
		       const struct vnm_plink *np)
{
	struct plan_share_basis ob, nb;
	struct vnm_step f, i;
	size_t k;

	if (!op || !np || plan_plink_rebuilt(op, np))
		return;
	plan_share_basis(op, &ob);
	plan_share_basis(np, &nb);
	if (ob.cap == nb.cap && ob.guaranteed == nb.guaranteed && ob.n_free == nb.n_free &&
	    ob.bondcap == nb.bondcap)
		return;
	/* With the same capacity, a VL with a guarantee keeps its shaping: only
	 * the VLs sharing what the guarantees leave free can move (unless the
	 * bond's capacity moved: then the parts of bonded VLs move too). */
	if (ob.cap == nb.cap && ob.bondcap == nb.bondcap && nb.n_free == 0)
		return;
	for (k = 0; k < np->n_vls; k++) {
		const struct vnm_vl *n = np->vls[k], *o;

		if (ob.cap == nb.cap && ob.bondcap == nb.bondcap && n->guaranteed)
			continue;
		if (plan_pset_has(&pl->vl_done, n))
			continue;
		o = plan_vl_other(pl->o, n);
		if (!o || plan_vl_rebuilt(o, n))
			continue; /* created or rebuilt: shaped by its creation */
		pl->compared++;
		f = st_shape(n, np);
		i = st_shape(o, op);
		if (plan_shape_ne(&f.shape, &i.shape))
			emit(pl, P_SHAPE, &f, &i);
	}
}

/* ------------------------------------------------------------------ */

int vnm_plan_build(const struct vnm_model *old, const struct vnm_model *new,
		   const struct lyd_node *diff, uint64_t old_generation,
		   uint64_t generation, struct vnm_plan **out, struct vnm_err *err)
{
	return vnm_plan_build_opts(old, new, diff, old_generation, generation, NULL, out, err);
}

int vnm_plan_build_opts(const struct vnm_model *old, const struct vnm_model *new,
			const struct lyd_node *diff, uint64_t old_generation,
			uint64_t generation, const struct vnm_plan_opts *opts,
			struct vnm_plan **out, struct vnm_err *err)
{
	struct planner pl;
	struct vnm_plan *p = NULL;
	size_t i, n_pl, total = 0;
	int rc = -1;

	memset(&pl, 0, sizeof(pl));
	pl.o = old;
	pl.n = new;
	pl.ogen = old_generation;
	pl.gen = generation;
	pl.default_uri = opts ? opts->default_uri : NULL;
	pl.err = err;
	*out = NULL;

	if (diff)
		plan_list_from_diff(&pl, diff);
	else
		plan_list_everything(&pl);

	/* Each list may grow while walked (by the levels before it only). */
	for (i = 0; i < pl.hosts.n; i++)
		plan_host(&pl, pl.hosts.v[i].o, pl.hosts.v[i].n);
	for (i = 0; i < pl.plinks.n; i++)
		plan_plink(&pl, pl.plinks.v[i].o, pl.plinks.v[i].n);
	for (i = 0; i < pl.vrs.n; i++)
		plan_vr(&pl, pl.vrs.v[i].o, pl.vrs.v[i].n);
	for (i = 0; i < pl.vls.n; i++)
		plan_vl(&pl, pl.vls.v[i].o, pl.vls.v[i].n);
	/* bonds made, changed or ended by the VLs: their links' routes (the
	 * links planned above are listed once and not planned again) */
	n_pl = pl.plinks.n;
	for (i = 0; i < pl.vls.n; i++)
		vl_bond_plinks(&pl, pl.vls.v[i].o, pl.vls.v[i].n);
	for (i = n_pl; i < pl.plinks.n; i++)
		plan_plink(&pl, pl.plinks.v[i].o, pl.plinks.v[i].n);
	for (i = 0; i < pl.dirty.n; i++)
		plan_dirty(&pl, pl.dirty.v[i].o, pl.dirty.v[i].n);
	if (pl.nomem) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory planning a change");
		goto cleanup;
	}
	if (pl.refused)
		goto cleanup;

	p = vnm_plan_new();
	for (i = 0; i < P_N; i++)
		total += pl.ph[i].n;
	if (!p || (total && !(p->steps = malloc(total * sizeof(*p->steps))))) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory planning a change");
		goto cleanup;
	}
	p->cap = total;
	for (i = 0; i < P_N; i++) {
		if (pl.ph[i].n)
			memcpy(p->steps + p->n, pl.ph[i].v, pl.ph[i].n * sizeof(*p->steps));
		p->n += pl.ph[i].n;
	}
	p->n_compared = pl.compared;
	*out = p;
	p = NULL;
	rc = 0;
cleanup:
	vnm_plan_free(p);
	for (i = 0; i < P_N; i++)
		free(pl.ph[i].v);
	plan_wl_free(&pl.hosts);
	plan_wl_free(&pl.plinks);
	plan_wl_free(&pl.vrs);
	plan_wl_free(&pl.vls);
	plan_wl_free(&pl.dirty);
	plan_pset_free(&pl.vl_done);
	plan_pset_free(&pl.nic_done);
	plan_pset_free(&pl.migrating);
	return rc;
}
