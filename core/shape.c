/*
 * shape.c - the effective shaping of a VL (see model.h): the one place
 * where burst, capacity with the encapsulation's overhead and the need for
 * netem are computed.
 *
 * Rates are counted on the VL's own frames, as its routers send them; a
 * physical link carries them with its encapsulation's overhead more bytes
 * each (pl->overhead, from the link driver's table), so its capacity is
 * converted to VL units once, here, for admission, default shares and
 * ceilings alike.
 */
#include "model.h"

#include <stdio.h>
#include <string.h>

/* Below this a HTB class is useless; a VL whose share rounds to nothing
 * still gets it, so that it is not starved completely. */
#define VNM_MIN_RATE 8000ULL

uint64_t vnm_plink_vl_capacity(const struct vnm_plink *pl)
{
	if (!pl)
		return 0;
	/* capacity * 1514 / (1514 + overhead) without overflow for any
	 * uint64 capacity */
	return pl->capacity / (VNM_FRAME_BYTES + pl->overhead) * VNM_FRAME_BYTES +
	       pl->capacity % (VNM_FRAME_BYTES + pl->overhead) * VNM_FRAME_BYTES /
		       (VNM_FRAME_BYTES + pl->overhead);
}

static bool joins(const struct vnm_plink *p, const struct vnm_host *x,
		  const struct vnm_host *y)
{
	return p && p->src && p->dst &&
	       ((p->src->host == x && p->dst->host == y) ||
		(p->src->host == y && p->dst->host == x));
}

bool vnm_vl_bonded(const struct vnm_vl *vl)
{
	const struct vnm_host *ha, *hb;
	size_t k;

	if (vl->n_plinks < 2 || !vl->a || !vl->b || !vl->a->vr || !vl->b->vr)
		return false;
	ha = vl->a->vr->host;
	hb = vl->b->vr->host;
	if (!ha || !hb || ha == hb)
		return false;
	for (k = 0; k < vl->n_plinks; k++)
		if (!joins(vl->plinks[k], ha, hb))
			return false;
	return true;
}

uint64_t vnm_vl_part_on(const struct vnm_vl *vl, const struct vnm_plink *pl, uint64_t total)
{
	unsigned __int128 all = 0, before = 0, part;
	size_t k, me = vl->n_plinks;

	if (!total || !pl || !vnm_vl_bonded(vl))
		return total;
	for (k = 0; k < vl->n_plinks; k++) {
		if (vl->plinks[k] == pl)
			me = k;
		else if (me == vl->n_plinks)
			before += vnm_plink_vl_capacity(vl->plinks[k]);
		all += vnm_plink_vl_capacity(vl->plinks[k]);
	}
	if (me == vl->n_plinks)
		return 0; /* pl is not one of vl's links */
	if (!all) /* no capacity given anywhere: equal parts */
		return me + 1 == vl->n_plinks ? total - total / vl->n_plinks * me
					      : total / vl->n_plinks;
	/* floor(total * (before + mine) / all) - floor(total * before / all):
	 * the parts of all links add up to total exactly */
	part = (unsigned __int128)total * (before + vnm_plink_vl_capacity(pl)) / all -
	       (unsigned __int128)total * before / all;
	return (uint64_t)part;
}

/* A VL's rates: an edit made in place stores them (inplace.c, atomic
 * stores, under the transaction lock) while the snapshot thread computes
 * shapes from the same model, so they are loaded atomically here. */
static uint64_t guaranteed_of(const struct vnm_vl *vl)
{
	return __atomic_load_n(&vl->guaranteed, __ATOMIC_RELAXED);
}

static uint64_t limit_of(const struct vnm_vl *vl)
{
	return __atomic_load_n(&vl->limit, __ATOMIC_RELAXED);
}

uint64_t vnm_vl_guaranteed_on(const struct vnm_vl *vl, const struct vnm_plink *pl)
{
	return vnm_vl_part_on(vl, pl, guaranteed_of(vl));
}

const struct vnm_vl *vnm_plink_bond(const struct vnm_plink *pl)
{
	size_t k;

	for (k = 0; pl && k < pl->n_vls; k++)
		if (vnm_vl_bonded(pl->vls[k]))
			return pl->vls[k];
	return NULL;
}

unsigned vnm_bond_weight(const struct vnm_vl *bond, const struct vnm_plink *pl)
{
	uint64_t max = 0, c;
	size_t k;

	for (k = 0; k < bond->n_plinks; k++)
		if ((c = vnm_plink_vl_capacity(bond->plinks[k])) > max)
			max = c;
	c = vnm_plink_vl_capacity(pl);
	if (!max || c >= max)
		return 256;
	c = (uint64_t)(((unsigned __int128)c * 256 + max / 2) / max);
	return c ? (unsigned)c : 1;
}

bool vnm_vl_needs_netem(const struct vnm_vl *vl)
{
	return vl->delay_us || vl->jitter_us || vl->loss_ppm;
}

static void netem_of(const struct vnm_vl *vl, struct vnm_shape *out)
{
	out->netem = vnm_vl_needs_netem(vl);
	out->delay_us = vl->delay_us;
	out->jitter_us = vl->jitter_us;
	out->loss_ppm = vl->loss_ppm;
}

/* About 1 ms of data at rate, never below one full frame. */
static uint32_t burst_for(uint64_t rate)
{
	uint64_t b = rate / 8 / 1000;

	if (b < VNM_FRAME_BYTES)
		b = VNM_FRAME_BYTES;
	if (b > UINT32_MAX)
		b = UINT32_MAX;
	return (uint32_t)b;
}

void vnm_vl_shape_on(const struct vnm_vl *vl, const struct vnm_plink *pl,
		     struct vnm_shape *out)
{
	uint64_t cap = vnm_plink_vl_capacity(pl), guaranteed = 0;
	uint64_t limit = vnm_vl_part_on(vl, pl, limit_of(vl));
	size_t n_free = 0, k;
	int listed = 0;

	if (guaranteed_of(vl)) {
		out->rate = vnm_vl_guaranteed_on(vl, pl);
	} else {
		for (k = 0; pl && k < pl->n_vls; k++) {
			if (pl->vls[k] == vl)
				listed = 1;
			if (guaranteed_of(pl->vls[k]))
				guaranteed += vnm_vl_guaranteed_on(pl->vls[k], pl);
			else
				n_free++;
		}
		if (!listed) /* vl is not (yet) listed on pl: it takes a share too */
			n_free++;
		out->rate = guaranteed < cap ? (cap - guaranteed) / n_free : 0;
	}
	if (out->rate < VNM_MIN_RATE)
		out->rate = VNM_MIN_RATE;
	out->ceil = limit && limit < cap ? limit : cap;
	/* A limit below the default share wins: the share is only what the
	 * VL may count on, the limit what it must never pass.  (A guarantee
	 * above the limit is refused by validation.) */
	if (limit && out->rate > out->ceil)
		out->rate = out->ceil;
	if (out->ceil < out->rate)
		out->ceil = out->rate;
	out->burst = vl->burst ? vl->burst : burst_for(out->rate);
	out->cburst = vl->burst ? vl->burst : burst_for(out->ceil);
	if (out->cburst < out->burst)
		out->cburst = out->burst;
	netem_of(vl, out);
}

void vnm_vl_shape_local(const struct vnm_vl *vl, struct vnm_shape *out)
{
	memset(out, 0, sizeof(*out));
	netem_of(vl, out);
	/* one class per end: its rate is the ceiling, there is nothing to
	 * share with */
	out->ceil = limit_of(vl) ? limit_of(vl) : out->netem ? VNM_NO_LIMIT : 0;
	if (!out->ceil)
		return;
	out->rate = out->ceil;
	out->burst = out->cburst = vl->burst ? vl->burst : burst_for(out->ceil);
}

void vnm_plink_shape(const struct vnm_plink *pl, struct vnm_shape *parent,
		     struct vnm_shape *dflt)
{
	uint64_t vlcap = vnm_plink_vl_capacity(pl);

	memset(parent, 0, sizeof(*parent));
	parent->rate = parent->ceil = pl->capacity;
	parent->burst = parent->cburst = burst_for(pl->capacity);
	/* traffic of no VL (ARP between hosts, the host's own) borrows what
	 * the VLs leave; its guarantee is small so it never eats theirs */
	memset(dflt, 0, sizeof(*dflt));
	dflt->rate = vlcap / 100 > VNM_MIN_RATE ? vlcap / 100 : VNM_MIN_RATE;
	dflt->ceil = vlcap > dflt->rate ? vlcap : dflt->rate;
	dflt->burst = burst_for(dflt->rate);
	dflt->cburst = burst_for(dflt->ceil);
}

static int overhead_fail(struct vnm_err *err, const struct vnm_model *m,
			 const struct vnm_plink *pl, const char *msg)
{
	char path[512];

	snprintf(path, sizeof(path),
		 "/ietf-network:networks/network[network-id='%s']"
		 "/ietf-network-topology:link[link-id='%s']",
		 m->underlay ? m->underlay : "", pl->name);
	return vnm_err_set(err, VNM_E_INVALID, path, "physical link %s: %s", pl->name, msg);
}

/* Two VLs' encapsulations are one: the same name, or one VL without the
 * leaf (a tree not completed with its defaults) next to the default. */
static bool same_encap(const char *a, const char *b, vnm_encap_overhead_fn fn)
{
	if (a && b)
		return !strcmp(a, b);
	return a == b || fn(a) == fn(b);
}

int vnm_model_set_overhead(struct vnm_model *m, vnm_encap_overhead_fn fn,
			   struct vnm_err *err)
{
	char msg[400];
	size_t i, k;
	int oh;

	for (i = 0; fn && i < m->n_plinks; i++) {
		struct vnm_plink *pl = &m->plinks[i];
		const struct vnm_vl *first = pl->n_vls ? pl->vls[0] : NULL;

		pl->encap = NULL;
		for (k = 0; k < pl->n_vls; k++) {
			const char *e = pl->vls[k]->encap;

			if (same_encap(first->encap, e, fn)) {
				if (!pl->encap)
					pl->encap = e;
				continue;
			}
			snprintf(msg, sizeof(msg),
				 "links %s/%s (%s) and %s/%s (%s) ride it with two "
				 "encapsulations, and its shaping counts one overhead per "
				 "packet: give them one encapsulation",
				 first->vn->name, first->name, first->encap ? first->encap : "default",
				 pl->vls[k]->vn->name, pl->vls[k]->name, e ? e : "default");
			return overhead_fail(err, m, pl, msg);
		}
		if ((oh = fn(pl->encap)) < 0) {
			snprintf(msg, sizeof(msg),
				 "the link driver has no encapsulation %s (link %s/%s): choose "
				 "another", pl->encap ? pl->encap : "default",
				 first ? first->vn->name : "-", first ? first->name : "-");
			return overhead_fail(err, m, pl, msg);
		}
		pl->overhead = (uint32_t)oh;
	}
	return 0;
}
