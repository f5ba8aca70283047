/*
 * validate.c - the rules of a configuration that YANG cannot express.
 *
 * Order: the networks (one underlay, markers); the underlay's physical
 * links; each VN's supporting network; routers (host, image); virtual links
 * (ends, one VL per vNIC, rates, supporting path); connectivity of each VN;
 * admission on each physical link; finally the derived names across all
 * VNs.  Later rules skip objects an earlier rule found broken, so that one
 * mistake gives one message.
 *
 * The tree may not have been through YANG validation (a diff applied by the
 * edit-config engine): every reference is checked here again.
 */
#include "model.h"
#include "model_int.h"
#include "uri_policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Errors go to a collector (err.h): the first to the caller, each to the
 * callback of vnm_validate_all(); without a callback the first one stops
 * validation (FAIL returns). */
#define FAIL(...)                                 \
	do {                                      \
		if (vnm_errs_add(r, __VA_ARGS__)) \
			return -1;                \
	} while (0)

static const char *nz(const char *s)
{
	return s ? s : "(none)";
}

/* ------------------------------------------------------------------ */

static int check_networks(const struct vnm_model *m, struct vnm_errs *r)
{
	const struct vnm_model_index *x = m->idx;
	char path[512];

	if (x->both_marked) {
		vnm_path_network(path, sizeof(path), x->both_marked);
		FAIL(VNM_E_INVALID, path,
		     "network %s is marked both physical-network and virtual-network; keep one marker",
		     x->both_marked);
	}
	if (x->underlay2) {
		vnm_path_network(path, sizeof(path), x->underlay2);
		FAIL(VNM_E_INVALID, path,
		     "network %s is a second underlay (network %s is the first); vnmd manages one "
		     "physical network: merge them or remove the physical-network marker",
		     x->underlay2, m->underlay);
	}
	return 0;
}

/* uris: the hypervisor URIs hosts may name (NULL: the built-in list). */
static int check_hosts(const struct vnm_model *m, const struct vnm_uri_policy *uris,
		       struct vnm_errs *r)
{
	enum vnm_uri_verdict v;
	char path[512], why[768];
	size_t i, k;

	for (i = 0; i < m->n_hosts; i++) {
		const struct vnm_host *h = &m->hosts[i];

		/* before anything connects: libvirt runs programs for some URIs */
		if (h->uri && *h->uri && (v = vnm_uri_check(uris, h->uri)) != VNM_URI_ALLOWED) {
			vnm_uri_explain(v, h->uri, why, sizeof(why));
			vnm_path_node(path, sizeof(path), m->underlay, h->name);
			FAIL(VNM_E_INVALID, path, "host %s of the underlay network %s: libvirt-uri %s",
			     h->name, nz(m->underlay), why);
		}

		for (k = 0; k < h->n_ifs; k++) {
			if (strlen(h->ifs[k].ifname) < VNM_IFNAMSIZ && h->ifs[k].ifname[0])
				continue;
			vnm_path_tp(path, sizeof(path), m->underlay, h->name, h->ifs[k].tp_id);
			FAIL(VNM_E_INVALID, path,
			     "host %s: interface name \"%s\" of termination point %s is longer than "
			     "15 bytes; set its interface leaf to the host interface's name",
			     h->name, h->ifs[k].ifname, h->ifs[k].tp_id);
		}
	}
	return 0;
}

static int check_plink_end(const struct vnm_model *m, struct vnm_errs *r, const struct vnm_plink *pl,
			   const struct vnm_host_if *hi, const char *node, const char *tp,
			   const char *which)
{
	char path[512];

	if (hi)
		return 0;
	vnm_path_link(path, sizeof(path), m->underlay, pl->name);
	if (!node || !tp)
		FAIL(VNM_E_MISSING, path,
		     "physical link %s of the underlay network %s has no %s host and "
		     "termination point; set both", pl->name, m->underlay, which);
	else if (!vnm_model_host(m, node))
		FAIL(VNM_E_MISSING, path,
		     "physical link %s: its %s host %s does not exist in the underlay "
		     "network %s", pl->name, which, node, m->underlay);
	else
		FAIL(VNM_E_MISSING, path,
		     "physical link %s: its %s host %s has no termination point %s", pl->name,
		     which, node, tp);
	return 0;
}

static int check_plinks(const struct vnm_model *m, struct vnm_errs *r)
{
	char path[512];
	size_t i, j;

	for (i = 0; i < m->n_plinks; i++) {
		const struct vnm_plink *pl = &m->plinks[i];
		const struct vnm_plink_x *px = &m->idx->plink_x[i];

		if (check_plink_end(m, r, pl, pl->src, px->src_node, px->src_tp, "source") ||
		    check_plink_end(m, r, pl, pl->dst, px->dst_node, px->dst_tp, "destination"))
			return -1;
		vnm_path_link(path, sizeof(path), m->underlay, pl->name);
		if (!pl->capacity)
			FAIL(VNM_E_INVALID, path,
			     "physical link %s of the underlay network %s has no capacity; set "
			     "physical-link/capacity in bit/s", pl->name, m->underlay);
		if (pl->src && pl->dst && pl->src->host == pl->dst->host)
			FAIL(VNM_E_INVALID, path,
			     "physical link %s joins host %s to itself; a physical link joins two "
			     "hosts", pl->name, pl->src->host->name);
		/* shaping sits on the interface: one link per interface */
		for (j = 0; j < i && pl->src && pl->dst; j++) {
			const struct vnm_plink *o = &m->plinks[j];
			const struct vnm_host_if *shared = NULL;

			if (o->src == pl->src || o->dst == pl->src)
				shared = pl->src;
			else if (o->src == pl->dst || o->dst == pl->dst)
				shared = pl->dst;
			if (shared)
				FAIL(VNM_E_INVALID, path,
				     "physical links %s and %s both use interface %s of host %s; "
				     "each physical link needs its own host interface", o->name,
				     pl->name, shared->ifname, shared->host->name);
		}
	}
	return 0;
}

static int check_vns(const struct vnm_model *m, struct vnm_errs *r)
{
	char path[512];
	size_t i;

	for (i = 0; i < m->n_vns; i++) {
		const struct vnm_vn *vn = &m->vns[i];
		const struct vnm_vn_x *vx = &m->idx->vn_x[i];

		vnm_path_network(path, sizeof(path), vn->name);
		if (!m->underlay && vn->n_vrs)
			FAIL(VNM_E_MISSING, path,
			     "virtual network %s has routers but there is no underlay; add a "
			     "network with network-types/physical-network", vn->name);
		else if (!vx->n_supnets && m->underlay)
			FAIL(VNM_E_MISSING, path,
			     "virtual network %s has no supporting-network; add the underlay "
			     "network %s", vn->name, m->underlay);
		else if (vx->n_supnets > 1)
			FAIL(VNM_E_INVALID, path,
			     "virtual network %s lists %zu supporting networks; a virtual network "
			     "rides the underlay only", vn->name, vx->n_supnets);
		else if (vx->n_supnets && (!m->underlay || strcmp(vx->supnet, m->underlay)))
			FAIL(VNM_E_INVALID, path,
			     "virtual network %s is supported by network %s, which is not the "
			     "underlay network%s%s", vn->name, nz(vx->supnet), m->underlay ? " " : "",
			     m->underlay ? m->underlay : "");
	}
	return 0;
}

static int check_vrs(const struct vnm_model *m, struct vnm_errs *r)
{
	char path[512];
	size_t i;

	for (i = 0; i < m->n_vrs; i++) {
		const struct vnm_vr *vr = &m->vrs[i];
		const struct vnm_vr_x *x = &m->idx->vr_x[i];
		const char *vn = vr->vn->name;

		vnm_path_node(path, sizeof(path), vn, vr->name);
		if (x->n_supnodes != 1)
			FAIL(VNM_E_INVALID, path,
			     "router %s of virtual network %s has %zu supporting-node entries; it "
			     "needs exactly one, its host", vr->name, vn, x->n_supnodes);
		else if (!x->supnode_net || !m->underlay || strcmp(x->supnode_net, m->underlay))
			FAIL(VNM_E_INVALID, path,
			     "router %s of virtual network %s: its supporting-node is in network %s, "
			     "not in the underlay network%s%s", vr->name, vn, nz(x->supnode_net),
			     m->underlay ? " " : "", m->underlay ? m->underlay : "");
		else if (!vr->host)
			FAIL(VNM_E_MISSING, path,
			     "router %s of virtual network %s: its host %s does not exist in "
			     "the underlay network %s", vr->name, vn, nz(vr->host_ref), m->underlay);
		if (!x->has_image)
			FAIL(VNM_E_MISSING, path,
			     "router %s of virtual network %s has no image; set router/image/kernel "
			     "or router/image/disk", vr->name, vn);
	}
	return 0;
}

static int check_vl_end(const struct vnm_model *m, struct vnm_errs *r, const struct vnm_vl *vl,
			const struct vnm_vnic *nic, const char *node, const char *tp,
			const char *which)
{
	char path[512];

	if (nic)
		return 0;
	vnm_path_link(path, sizeof(path), vl->vn->name, vl->name);
	if (!node || !tp)
		FAIL(VNM_E_MISSING, path,
		     "link %s of virtual network %s has no %s router and termination point; set "
		     "both", vl->name, vl->vn->name, which);
	else if (!vnm_model_vr(m, vl->vn->name, node))
		FAIL(VNM_E_MISSING, path,
		     "link %s of virtual network %s: its %s router %s does not exist in that "
		     "network", vl->name, vl->vn->name, which, node);
	else
		FAIL(VNM_E_MISSING, path,
		     "link %s of virtual network %s: its %s router %s has no termination point %s",
		     vl->name, vl->vn->name, which, node, tp);
	return 0;
}

static bool plink_joins(const struct vnm_plink *p, const struct vnm_host *x,
			const struct vnm_host *y)
{
	return (p->src->host == x && p->dst->host == y) ||
	       (p->src->host == y && p->dst->host == x);
}

/* Two supporting links joining the same two hosts bond them; a path
 * crosses each pair of hosts once.  So parallel links in a list that is
 * not a bond between the routers' hosts are a mistake. */
static int check_vl_parallel(struct vnm_errs *r, const struct vnm_vl *vl, const char *path)
{
	const struct vnm_host *ha = vl->a->vr->host, *hb = vl->b->vr->host;
	size_t k, j;

	for (k = 0; k < vl->n_plinks; k++) {
		const struct vnm_plink *p = vl->plinks[k], *q = NULL;

		for (j = 0; j < k && !q; j++)
			if (plink_joins(vl->plinks[j], p->src->host, p->dst->host))
				q = vl->plinks[j];
		if (!q)
			continue;
		for (j = 0; j < vl->n_plinks; j++)
			if (!plink_joins(vl->plinks[j], ha, hb))
				break;
		FAIL(VNM_E_INVALID, path,
		     "link %s of virtual network %s: physical links %s and %s both join hosts "
		     "%s and %s, which bonds them, but a bonded link rides only physical links "
		     "between the hosts of its routers (%s and %s), and %s joins %s and %s; "
		     "list only links between %s and %s, or a path without parallel links",
		     vl->name, vl->vn->name, q->name, p->name, q->src->host->name,
		     q->dst->host->name, ha->name, hb->name, vl->plinks[j]->name,
		     vl->plinks[j]->src->host->name, vl->plinks[j]->dst->host->name, ha->name,
		     hb->name);
	}
	return 0;
}

/* A bonded VL's tunnel reaches the far host over a multipath IPv4 route
 * between the two hosts' tunnel addresses. */
static int check_vl_bond(struct vnm_errs *r, const struct vnm_vl *vl, const char *path)
{
	const struct vnm_host *h[2] = {vl->a->vr->host, vl->b->vr->host};
	size_t i;

	for (i = 0; i < 2; i++) {
		if (!h[i]->tunnel_addr)
			FAIL(VNM_E_INVALID, path,
			     "link %s of virtual network %s is bonded over %zu physical links, "
			     "and host %s has no tunnel-address: set it (the bond routes the "
			     "tunnel between the hosts' tunnel addresses)", vl->name,
			     vl->vn->name, vl->n_plinks, h[i]->name);
		else if (strchr(h[i]->tunnel_addr, ':'))
			FAIL(VNM_E_UNSUPPORTED, path,
			     "link %s of virtual network %s is bonded over %zu physical links, "
			     "and host %s has the IPv6 tunnel-address %s: bonding routes IPv4 "
			     "tunnels only; give the hosts IPv4 tunnel addresses", vl->name,
			     vl->vn->name, vl->n_plinks, h[i]->name, h[i]->tunnel_addr);
	}
	return 0;
}

static bool same_links(const struct vnm_vl *a, const struct vnm_vl *b)
{
	size_t i, j;

	if (a->n_plinks != b->n_plinks)
		return false;
	for (i = 0; i < a->n_plinks; i++) {
		for (j = 0; j < b->n_plinks && b->plinks[j] != a->plinks[i]; j++)
			;
		if (j == b->n_plinks)
			return false;
	}
	return true;
}

/* The tunnels between two hosts follow one route: a bond's.  Every VL
 * riding a bonded physical link straight between its hosts must then use
 * the bond's links, all of them. */
static int check_bond_routes(const struct vnm_model *m, struct vnm_errs *r)
{
	char path[512];
	size_t i, k, j;

	for (i = 0; i < m->n_plinks; i++) {
		const struct vnm_plink *pl = &m->plinks[i];
		const struct vnm_vl *b = vnm_plink_bond(pl);

		if (!b)
			continue;
		for (k = 0; k < pl->n_vls; k++) {
			const struct vnm_vl *v = pl->vls[k];
			char links[256];
			size_t len = 0;

			if (v == b || same_links(v, b) || !v->a || !v->b || !v->a->vr->host ||
			    !v->b->vr->host || !plink_joins(pl, v->a->vr->host, v->b->vr->host))
				continue;
			links[0] = '\0';
			for (j = 0; j < b->n_plinks && len < sizeof(links); j++)
				len += (size_t)snprintf(links + len, sizeof(links) - len, "%s%s",
							j ? ", " : "", b->plinks[j]->name);
			vnm_path_link(path, sizeof(path), v->vn->name, v->name);
			FAIL(VNM_E_INVALID, path,
			     "link %s of virtual network %s rides physical link %s between hosts "
			     "%s and %s, which link %s of virtual network %s bonds with others "
			     "(%s): the tunnels between two hosts share one route, so list the "
			     "same supporting links (%s) for both", v->name, v->vn->name,
			     pl->name, pl->src->host->name, pl->dst->host->name, b->name,
			     b->vn->name, links, links);
		}
	}
	return 0;
}

/* The supporting links, in the order given, must walk from the host of a to
 * the host of b; each link may be crossed in either direction. */
static int check_vl_path(const struct vnm_model *m, struct vnm_errs *r, const struct vnm_vl *vl,
			 const struct vnm_vl_x *lx, const char *path)
{
	const struct vnm_host *ha = vl->a->vr->host, *hb = vl->b->vr->host, *cur = ha;
	const char *vn = vl->vn->name;
	size_t k, j;

	if (!ha || !hb)
		return 0; /* reported with the router */
	if (lx->bad_link_net)
		FAIL(VNM_E_INVALID, path,
		     "link %s of virtual network %s: a supporting-link is in network %s, not in "
		     "the underlay network %s", vl->name, vn, lx->bad_link_net, nz(m->underlay));
	for (k = 0; k < vl->n_plinks; k++) {
		if (!lx->bad_link_net && !vl->plinks[k])
			FAIL(VNM_E_MISSING, path,
			     "link %s of virtual network %s: its supporting physical link %s does "
			     "not exist in the underlay network %s", vl->name, vn, nz(lx->link_refs[k]),
			     nz(m->underlay));
		if (!vl->plinks[k] || !vl->plinks[k]->src || !vl->plinks[k]->dst)
			return 0;
		for (j = 0; j < k; j++)
			if (vl->plinks[j] == vl->plinks[k])
				FAIL(VNM_E_INVALID, path,
				     "link %s of virtual network %s lists physical link %s twice; "
				     "a path uses each link once", vl->name, vn,
				     vl->plinks[k]->name);
	}
	if (ha == hb) {
		if (vl->n_plinks)
			FAIL(VNM_E_INVALID, path,
			     "link %s of virtual network %s joins routers %s and %s, both on host "
			     "%s, but lists supporting links; remove them (a same-host link rides "
			     "no physical link)", vl->name, vn, vl->a->vr->name, vl->b->vr->name,
			     ha->name);
		return 0;
	}
	if (!vl->n_plinks)
		FAIL(VNM_E_INVALID, path,
		     "link %s of virtual network %s joins routers on hosts %s and %s but has no "
		     "supporting-link; list the physical links it rides, from %s to %s", vl->name,
		     vn, ha->name, hb->name, ha->name, hb->name);
	if (vnm_vl_bonded(vl))
		return check_vl_bond(r, vl, path);
	if (check_vl_parallel(r, vl, path))
		return -1;
	for (k = 0; k < vl->n_plinks; k++) {
		const struct vnm_plink *p = vl->plinks[k];

		if (p->src->host == cur)
			cur = p->dst->host;
		else if (p->dst->host == cur)
			cur = p->src->host;
		else
			FAIL(VNM_E_INVALID, path,
			     "link %s of virtual network %s: its supporting links do not form a path "
			     "from host %s to host %s: physical link %s (%s-%s) does not start at "
			     "host %s", vl->name, vn, ha->name, hb->name, p->name,
			     p->src->host->name, p->dst->host->name, cur->name);
	}
	if (cur != hb)
		FAIL(VNM_E_INVALID, path,
		     "link %s of virtual network %s: its supporting links end at host %s, not at "
		     "host %s of router %s", vl->name, vn, cur->name, hb->name, vl->b->vr->name);
	return 0;
}

static int check_vls(const struct vnm_model *m, struct vnm_errs *r)
{
	char path[512];
	size_t i;

	for (i = 0; i < m->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];
		const struct vnm_vl_x *lx = &m->idx->vl_x[i];
		const char *vn = vl->vn->name;

		if (check_vl_end(m, r, vl, vl->a, lx->src_node, lx->src_tp, "source") ||
		    check_vl_end(m, r, vl, vl->b, lx->dst_node, lx->dst_tp, "destination"))
			return -1;
		vnm_path_link(path, sizeof(path), vn, vl->name);
		if (vl->guaranteed && vl->limit && vl->guaranteed > vl->limit)
			FAIL(VNM_E_INVALID, path,
			     "link %s of virtual network %s: guaranteed-rate %llu bit/s exceeds "
			     "rate-limit %llu bit/s; lower the guarantee or raise the limit",
			     vl->name, vn, (unsigned long long)vl->guaranteed,
			     (unsigned long long)vl->limit);
		if (!vl->a || !vl->b)
			continue;
		if (vl->a->vr == vl->b->vr) {
			FAIL(VNM_E_INVALID, path,
			     "link %s of virtual network %s joins router %s to itself; a virtual "
			     "link joins two different routers", vl->name, vn, vl->a->vr->name);
			continue;
		}
		if (lx->a_taken_by || lx->b_taken_by) {
			const struct vnm_vnic *nic = lx->a_taken_by ? vl->a : vl->b;
			const struct vnm_vl *o = lx->a_taken_by ? lx->a_taken_by : lx->b_taken_by;
			char tpath[512];

			vnm_path_tp(tpath, sizeof(tpath), vn, nic->vr->name, nic->name);
			FAIL(VNM_E_INVALID, tpath,
			     "termination point %s of router %s in virtual network %s carries links "
			     "%s and %s; a vNIC carries at most one virtual link", nic->name,
			     nic->vr->name, vn, o->name, vl->name);
			continue;
		}
		if (!strcmp(vl->a->mac, vl->b->mac))
			FAIL(VNM_E_INVALID, path,
			     "link %s of virtual network %s: both ends have MAC address %s; set "
			     "vnic/mac-address on one of them", vl->name, vn, vl->a->mac);
		if (check_vl_path(m, r, vl, lx, path))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Connectivity: union-find over the VRs of one VN (indices into m->vrs). */

static size_t uf_find(size_t *par, size_t i)
{
	while (par[i] != i) {
		par[i] = par[par[i]];
		i = par[i];
	}
	return i;
}

static int check_connected(const struct vnm_model *m, struct vnm_errs *r)
{
	size_t *par = NULL, i, k;
	char path[512];
	int rc = -1;

	if (!m->n_vrs)
		return 0;
	if (!(par = malloc(m->n_vrs * sizeof(*par)))) {
		vnm_errs_add(r, VNM_E_NOMEM, NULL, "out of memory checking connectivity");
		return -1;
	}
	for (i = 0; i < m->n_vrs; i++)
		par[i] = i;
	for (i = 0; i < m->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];

		if (vl->a && vl->b) {
			size_t a = uf_find(par, (size_t)(vl->a->vr - m->vrs));
			size_t b = uf_find(par, (size_t)(vl->b->vr - m->vrs));

			par[a] = b;
		}
	}
	for (i = 0; i < m->n_vns; i++) {
		const struct vnm_vn *vn = &m->vns[i];
		size_t root;

		if (vn->n_vrs < 2)
			continue;
		root = uf_find(par, (size_t)(vn->vrs[0] - m->vrs));
		for (k = 1; k < vn->n_vrs; k++) {
			if (uf_find(par, (size_t)(vn->vrs[k] - m->vrs)) == root)
				continue;
			vnm_path_network(path, sizeof(path), vn->name);
			if (vnm_errs_add(r, VNM_E_INVALID, path,
				 "virtual network %s is not connected: router %s cannot reach router "
				 "%s; add a virtual link (a virtual network is a connected graph)",
				 vn->name, vn->vrs[0]->name, vn->vrs[k]->name))
				goto cleanup;
			break;
		}
	}
	rc = 0;
cleanup:
	free(par);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Admission: guarantees, on the wire, within each physical link's capacity. */

static int admit_plink(const struct vnm_model *m, struct vnm_errs *r, const struct vnm_plink *pl)
{
	char path[512], who[512];
	unsigned __int128 sum = 0, wire;
	size_t k, len;

	/* a bonded VL counts its part of the guarantee on each link */
	for (k = 0; k < pl->n_vls; k++)
		sum += vnm_vl_guaranteed_on(pl->vls[k], pl);
	/* wire rate = VL rate * (frame + overhead) / frame, rounded up */
	wire = (sum * (VNM_FRAME_BYTES + pl->overhead) + VNM_FRAME_BYTES - 1) / VNM_FRAME_BYTES;
	if (!pl->capacity || wire <= pl->capacity)
		return 0;
	who[0] = '\0';
	len = 0;
	for (k = 0; k < pl->n_vls && len < sizeof(who); k++) {
		if (!pl->vls[k]->guaranteed)
			continue;
		len += (size_t)snprintf(who + len, sizeof(who) - len, "%s%s/%s %llu%s",
					len ? ", " : "", pl->vls[k]->vn->name, pl->vls[k]->name,
					(unsigned long long)vnm_vl_guaranteed_on(pl->vls[k], pl),
					vnm_vl_bonded(pl->vls[k]) ? " (its part of a bond)" : "");
	}
	vnm_path_link(path, sizeof(path), m->underlay, pl->name);
	FAIL(VNM_E_INVALID, path,
	     "physical link %s cannot admit the guaranteed rates of its virtual links "
	     "(%s): they need %llu bit/s on the wire with the encapsulation overhead, "
	     "its capacity is %llu bit/s; lower a guarantee or raise the capacity",
	     pl->name, who, (unsigned long long)wire, (unsigned long long)pl->capacity);
	return 0;
}

static int check_admission(const struct vnm_model *m, struct vnm_errs *r)
{
	size_t i;

	for (i = 0; i < m->n_plinks; i++) {
		if (admit_plink(m, r, &m->plinks[i]))
			return -1;
	}
	return 0;
}

int vnm_validate_vl_rates(const struct vnm_model *m, const struct vnm_vl *vl,
			  struct vnm_err *err)
{
	struct vnm_errs rr = {.first = err}, *r = &rr;
	char path[512];
	size_t k;

	vnm_path_link(path, sizeof(path), vl->vn->name, vl->name);
	if (vl->guaranteed && vl->limit && vl->guaranteed > vl->limit)
		FAIL(VNM_E_INVALID, path,
		     "link %s of virtual network %s: guaranteed-rate %llu bit/s exceeds "
		     "rate-limit %llu bit/s; lower the guarantee or raise the limit",
		     vl->name, vl->vn->name, (unsigned long long)vl->guaranteed,
		     (unsigned long long)vl->limit);
	for (k = 0; k < vl->n_plinks; k++) {
		if (vl->plinks[k] && admit_plink(m, r, vl->plinks[k]))
			return -1;
	}
	return rr.n ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Derived names: unique across all VNs. */

struct key {
	uint32_t k;
	const char *s;
	size_t i;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c;

	if (x->s || y->s) {
		c = strcmp(x->s, y->s);
		if (c)
			return c;
	} else if (x->k != y->k) {
		return x->k < y->k ? -1 : 1;
	}
	return x->i < y->i ? -1 : x->i > y->i;
}

static int same(const struct key *a, const struct key *b)
{
	return a->s ? !strcmp(a->s, b->s) : a->k == b->k;
}

/* Sort n keys, then report each pair of neighbours with the same key. */
static int dup_scan(struct key *keys, size_t n, struct vnm_errs *r,
		    int (*report)(const struct vnm_model *, struct vnm_errs *, size_t, size_t),
		    const struct vnm_model *m)
{
	size_t i;

	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n; i++) {
		if (same(&keys[i - 1], &keys[i]) && report(m, r, keys[i - 1].i, keys[i].i))
			return -1;
	}
	return 0;
}

static struct vnm_vnic *nth_vnic(const struct vnm_model *m, size_t n)
{
	size_t i;

	/* only on a collision: linear is fine */
	for (i = 0; i < m->n_vrs; i++) {
		if (n < m->vrs[i].n_vnics)
			return &m->vrs[i].vnics[n];
		n -= m->vrs[i].n_vnics;
	}
	return NULL;
}

static int rep_vnic(const struct vnm_model *m, struct vnm_errs *r, size_t a, size_t b)
{
	const struct vnm_vnic *x = nth_vnic(m, a), *y = nth_vnic(m, b);
	char path[512];

	vnm_path_tp(path, sizeof(path), y->vr->vn->name, y->vr->name, y->name);
	return vnm_errs_add(r, VNM_E_INVALID, path,
		    "termination point %s of router %s in virtual network %s and termination "
		    "point %s of router %s in virtual network %s get the same host interface "
		    "names (%s, %s): rename one of them", x->name, x->vr->name, x->vr->vn->name,
		    y->name, y->vr->name, y->vr->vn->name, y->tap, y->bridge);
}

static int rep_vl_id(const struct vnm_model *m, struct vnm_errs *r, size_t a, size_t b)
{
	const struct vnm_vl *x = &m->vls[a], *y = &m->vls[b];
	char path[512];

	vnm_path_link(path, sizeof(path), y->vn->name, y->name);
	return vnm_errs_add(r, VNM_E_INVALID, path,
		    "link %s of virtual network %s and link %s of virtual network %s get the same "
		    "host interface names (%s, %s): rename one of them", x->name, x->vn->name,
		    y->name, y->vn->name, y->end_a, y->end_b);
}

static int rep_vni(const struct vnm_model *m, struct vnm_errs *r, size_t a, size_t b)
{
	const struct vnm_vl *x = &m->vls[a], *y = &m->vls[b];
	char path[512];

	vnm_path_link(path, sizeof(path), y->vn->name, y->name);
	return vnm_errs_add(r, VNM_E_INVALID, path,
		    "link %s of virtual network %s and link %s of virtual network %s both use "
		    "VNI %u: set virtual-link/vni on one of them to a free value, or rename it",
		    x->name, x->vn->name, y->name, y->vn->name, y->vni);
}

static int rep_domain(const struct vnm_model *m, struct vnm_errs *r, size_t a, size_t b)
{
	const struct vnm_vr *x = &m->vrs[a], *y = &m->vrs[b];
	char path[512];

	vnm_path_node(path, sizeof(path), y->vn->name, y->name);
	return vnm_errs_add(r, VNM_E_INVALID, path,
		    "router %s of virtual network %s and router %s of virtual network %s both get "
		    "the libvirt domain name %s: rename one of them", x->name, x->vn->name,
		    y->name, y->vn->name, y->domain_name);
}

static int check_names(const struct vnm_model *m, struct vnm_errs *r)
{
	struct key *keys = NULL;
	size_t i, k, n, cap = m->n_vrs > m->n_vls ? m->n_vrs : m->n_vls;
	char path[512];
	int rc = -1;

	for (i = 0; i < m->n_vrs; i++) {
		if (!strchr(m->vrs[i].domain_name, '/'))
			continue;
		vnm_path_node(path, sizeof(path), m->vrs[i].vn->name, m->vrs[i].name);
		if (vnm_errs_add(r, VNM_E_INVALID, path,
			 "router %s of virtual network %s: its libvirt domain name %s contains "
			 "'/', which libvirt refuses; rename the router or the network",
			 m->vrs[i].name, m->vrs[i].vn->name, m->vrs[i].domain_name))
			return -1;
	}
	n = 0;
	for (i = 0; i < m->n_vrs; i++)
		n += m->vrs[i].n_vnics;
	if (n > cap)
		cap = n;
	if (!cap)
		return 0;
	if (!(keys = calloc(cap, sizeof(*keys)))) {
		vnm_errs_add(r, VNM_E_NOMEM, NULL, "out of memory checking names");
		return -1;
	}
	n = 0;
	for (i = 0; i < m->n_vrs; i++) {
		for (k = 0; k < m->vrs[i].n_vnics; k++, n++) {
			keys[n].k = (uint32_t)strtoul(m->vrs[i].vnics[k].id, NULL, 16);
			keys[n].i = n;
		}
	}
	if (dup_scan(keys, n, r, rep_vnic, m))
		goto cleanup;
	for (i = 0; i < m->n_vls; i++) {
		keys[i].k = (uint32_t)strtoul(m->vls[i].id, NULL, 16);
		keys[i].s = NULL;
		keys[i].i = i;
	}
	if (dup_scan(keys, m->n_vls, r, rep_vl_id, m))
		goto cleanup;
	/* a VNI matters where a tunnel device carries it: VLs between two hosts */
	n = 0;
	for (i = 0; i < m->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];

		if (!vl->a || !vl->b || !vl->a->vr->host || vl->a->vr->host == vl->b->vr->host)
			continue;
		keys[n].k = vl->vni;
		keys[n].s = NULL;
		keys[n++].i = i;
	}
	if (dup_scan(keys, n, r, rep_vni, m))
		goto cleanup;
	for (i = 0; i < m->n_vrs; i++) {
		keys[i].s = m->vrs[i].domain_name;
		keys[i].i = i;
	}
	if (dup_scan(keys, m->n_vrs, r, rep_domain, m))
		goto cleanup;
	rc = 0;
cleanup:
	free(keys);
	return rc;
}

/* ------------------------------------------------------------------ */

int vnm_validate_all(const struct vnm_model *m, const struct vnm_uri_policy *uris,
		     vnm_validate_cb cb, void *arg, struct vnm_err *first)
{
	struct vnm_errs r = {.first = first, .go_on = cb != NULL, .cb = cb, .arg = arg};

	if (!m || !m->idx)
		return 0;
	if (check_networks(m, &r) || check_hosts(m, uris, &r) || check_plinks(m, &r) ||
	    check_vns(m, &r) || check_vrs(m, &r) || check_vls(m, &r))
		return -1;
	/* the rules below assume resolved references */
	if (r.n)
		return -1;
	if (check_connected(m, &r) || check_bond_routes(m, &r) || check_admission(m, &r) ||
	    check_names(m, &r))
		return -1;
	return r.n ? -1 : 0;
}

int vnm_validate(const struct vnm_model *m, struct vnm_err *err)
{
	return vnm_validate_all(m, NULL, NULL, NULL, err);
}

int vnm_validate_with(const struct vnm_model *m, const struct vnm_uri_policy *uris,
		      struct vnm_err *err)
{
	return vnm_validate_all(m, uris, NULL, NULL, err);
}
