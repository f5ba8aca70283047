/*
 * shape.c - the effective shaping of a VL (see model.h).
 *
 * Rates are counted on the VL's own frames, as its routers send them; a
 * physical link carries them with VNM_ENCAP_OVERHEAD more bytes each, so its
 * capacity is converted to VL units once, here, for admission, default
 * shares and ceilings alike.
 */
#include "model.h"

/* Below this a HTB class is useless; a VL whose share rounds to nothing
 * still gets it, so that it is not starved completely. */
#define VNM_MIN_RATE 8000ULL

uint64_t vnm_plink_vl_capacity(const struct vnm_plink *pl)
{
	if (!pl)
		return 0;
	/* capacity * 1514 / 1564 without overflow for any uint64 capacity */
	return pl->capacity / (VNM_FRAME_BYTES + VNM_ENCAP_OVERHEAD) * VNM_FRAME_BYTES +
	       pl->capacity % (VNM_FRAME_BYTES + VNM_ENCAP_OVERHEAD) * VNM_FRAME_BYTES /
		       (VNM_FRAME_BYTES + VNM_ENCAP_OVERHEAD);
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
	size_t n_free = 0, k;
	int listed = 0;

	if (vl->guaranteed) {
		out->rate = vl->guaranteed;
	} else {
		for (k = 0; pl && k < pl->n_vls; k++) {
			if (pl->vls[k] == vl)
				listed = 1;
			if (pl->vls[k]->guaranteed)
				guaranteed += pl->vls[k]->guaranteed;
			else
				n_free++;
		}
		if (!listed) /* vl is not (yet) listed on pl: it takes a share too */
			n_free++;
		out->rate = guaranteed < cap ? (cap - guaranteed) / n_free : 0;
	}
	if (out->rate < VNM_MIN_RATE)
		out->rate = VNM_MIN_RATE;
	out->ceil = vl->limit && vl->limit < cap ? vl->limit : cap;
	/* A limit below the default share wins: the share is only what the
	 * VL may count on, the limit what it must never pass.  (A guarantee
	 * above the limit is refused by validation.) */
	if (vl->limit && out->rate > out->ceil)
		out->rate = out->ceil;
	if (out->ceil < out->rate)
		out->ceil = out->rate;
	out->burst = vl->burst ? vl->burst : burst_for(out->rate);
	out->cburst = vl->burst ? vl->burst : burst_for(out->ceil);
	if (out->cburst < out->burst)
		out->cburst = out->burst;
}

void vnm_vl_shape_local(const struct vnm_vl *vl, struct vnm_shape *out)
{
	out->ceil = vl->limit;
	out->rate = vl->guaranteed ? vl->guaranteed : vl->limit;
	if (out->ceil && out->rate > out->ceil)
		out->rate = out->ceil;
	out->burst = vl->burst ? vl->burst : out->rate ? burst_for(out->rate) : 0;
	out->cburst = vl->burst ? vl->burst : out->ceil ? burst_for(out->ceil) : 0;
	if (out->cburst < out->burst)
		out->cburst = out->burst;
}
