/*
 * link_tcidx.c - what the link driver knows of its own tc objects on each
 * physical interface (struct vnm_lnl_tcidx).
 *
 * Shaping a VL on a physical interface needs three answers: does the VL
 * already have a class there (change it in place), which class minor is
 * free, which u32 filter handle is free.  Asking the kernel each time
 * means dumping every class and filter of the interface, so N VLs cost
 * N^2 objects parsed.  The index answers from memory instead: one class
 * dump and one filter dump fill it the first time the interface is used,
 * and the driver keeps it up to date with each add and delete it makes.
 *
 * Whenever the kernel may disagree (an operation on the interface failed,
 * the root qdisc was installed or removed, the namespace was replaced),
 * the driver drops the index and the next use dumps again; the kernel
 * stays the record, the index only spares rereading it.
 */
#include "link_int.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/class.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/tc.h>

#define BIT_SET(a, i) ((a)[(i) / 64] |= 1ULL << ((i) % 64))
#define BIT_CLR(a, i) ((a)[(i) / 64] &= ~(1ULL << ((i) % 64)))
#define BIT_GET(a, i) (((a)[(i) / 64] >> ((i) % 64)) & 1U)

struct vnm_lnl_tcidx *vnm_lnl_tcidx_new(struct nl_sock *sk, int ifindex)
{
	struct vnm_lnl_tcidx *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->sk = sk;
	x->ifindex = ifindex;
	return x;
}

void vnm_lnl_tcidx_destroy(struct vnm_lnl_tcidx *x)
{
	if (!x)
		return;
	free(x->v);
	free(x);
}

/* ------------------------------------------------------------------ */
/* VNI -> filter: open addressing with linear probing                  */
/* ------------------------------------------------------------------ */

static size_t slot_of(uint32_t vni, size_t cap)
{
	return (size_t)(vni * 2654435761u) & (cap - 1);
}

static struct vnm_lnl_tcvl *lookup(const struct vnm_lnl_tcidx *x, uint32_t vni)
{
	size_t i;

	if (!x->cap)
		return NULL;
	for (i = slot_of(vni, x->cap); x->v[i].handle; i = (i + 1) & (x->cap - 1))
		if (x->v[i].vni == vni)
			return &x->v[i];
	return NULL;
}

/* The VL table at cap slots (a power of two above its entries). */
static int rehash(struct vnm_lnl_tcidx *x, size_t cap)
{
	struct vnm_lnl_tcvl *v = calloc(cap, sizeof(*v));
	size_t i, j;

	if (!v)
		return -NLE_NOMEM;
	for (i = 0; i < x->cap; i++) {
		if (!x->v[i].handle)
			continue;
		for (j = slot_of(x->v[i].vni, cap); v[j].handle; j = (j + 1) & (cap - 1))
			;
		v[j] = x->v[i];
	}
	free(x->v);
	x->v = v;
	x->cap = cap;
	return 0;
}

static int grow(struct vnm_lnl_tcidx *x)
{
	return rehash(x, x->cap ? x->cap * 2 : 64);
}

const struct vnm_lnl_tcvl *vnm_lnl_tcidx_find(const struct vnm_lnl_tcidx *x, uint32_t vni)
{
	return lookup(x, vni);
}

void vnm_lnl_tcidx_forget(struct vnm_lnl_tcidx *x, uint32_t vni)
{
	struct vnm_lnl_tcvl *e = lookup(x, vni), gone;
	size_t i, j, k;

	if (!e)
		return;
	gone = *e;
	if (VNM_U32_HTID(gone.handle) == VNM_TC_VNI_HTID)
		BIT_CLR(x->node[VNM_U32_BKT(gone.handle)], VNM_U32_NODE(gone.handle));
	/* backward-shift deletion keeps every probe chain unbroken */
	i = (size_t)(e - x->v);
	x->v[i].handle = 0;
	for (j = (i + 1) & (x->cap - 1); x->v[j].handle; j = (j + 1) & (x->cap - 1)) {
		k = slot_of(x->v[j].vni, x->cap);
		/* the entry at j may move to i when its home k is not in (i, j] */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			x->v[i] = x->v[j];
			x->v[j].handle = 0;
			i = j;
		}
	}
	x->n--;
	/* a table that held many VLs shrinks as they go (a failed
	 * rehash keeps the larger one) */
	if (x->cap > 64 && x->n * 8 < x->cap)
		rehash(x, x->cap / 4);
	/* vnmd gives every VL its own class */
	if (TC_H_MAJ(gone.classid) == VNM_TC_ROOT)
		BIT_CLR(x->minor_ref, TC_H_MIN(gone.classid));
}

void vnm_lnl_tcidx_note_class(struct vnm_lnl_tcidx *x, uint32_t classid)
{
	if (TC_H_MAJ(classid) == VNM_TC_ROOT && TC_H_MIN(classid))
		BIT_SET(x->minor_class, TC_H_MIN(classid));
}

void vnm_lnl_tcidx_forget_class(struct vnm_lnl_tcidx *x, uint32_t classid)
{
	if (TC_H_MAJ(classid) == VNM_TC_ROOT)
		BIT_CLR(x->minor_class, TC_H_MIN(classid));
}

int vnm_lnl_tcidx_note_filter(struct vnm_lnl_tcidx *x, uint32_t handle, uint32_t classid,
			      int64_t vni)
{
	struct vnm_lnl_tcvl *e;
	size_t i;
	int rc;

	if (VNM_U32_HTID(handle) == VNM_TC_VNI_HTID) {
		if (!VNM_U32_NODE(handle) && !VNM_U32_BKT(handle))
			x->table = true;
		else
			BIT_SET(x->node[VNM_U32_BKT(handle)], VNM_U32_NODE(handle));
	}
	if (handle == VNM_U32_HANDLE(VNM_TC_U32_HTID, 0, VNM_TC_U32_LINK_NODE))
		x->link = true;
	if (vni < 0 || !handle || !classid)
		return 0;
	if (TC_H_MAJ(classid) == VNM_TC_ROOT)
		BIT_SET(x->minor_ref, TC_H_MIN(classid));
	if ((e = lookup(x, (uint32_t)vni))) {
		e->classid = classid;
		e->handle = handle;
		return 0;
	}
	if ((x->n + 1) * 2 > x->cap && (rc = grow(x)) < 0)
		return rc;
	for (i = slot_of((uint32_t)vni, x->cap); x->v[i].handle; i = (i + 1) & (x->cap - 1))
		;
	x->v[i].vni = (uint32_t)vni;
	x->v[i].classid = classid;
	x->v[i].handle = handle;
	x->n++;
	return 0;
}

int vnm_lnl_tcidx_pick(const struct vnm_lnl_tcidx *x, uint32_t pref_minor, uint32_t vni,
		       uint32_t *minor, uint32_t *handle, bool *adopt)
{
	const uint32_t span = VNM_TC_VL_MINOR_MAX - VNM_TC_VL_MINOR_MIN + 1;
	const uint64_t *nodes = x->node[vni & 0xffU];
	uint32_t m, n, cand;

	if (pref_minor < VNM_TC_VL_MINOR_MIN || pref_minor > VNM_TC_VL_MINOR_MAX)
		pref_minor = VNM_TC_VL_MINOR_MIN;
	*minor = 0;
	for (n = 1; n <= VNM_TC_U32_NODE_MAX && BIT_GET(nodes, n); n++)
		;
	if (n > VNM_TC_U32_NODE_MAX)
		return -NLE_RANGE;
	*handle = VNM_U32_HANDLE(VNM_TC_VNI_HTID, vni & 0xffU, n);
	/* a class at the VL's own minor that no filter uses: an earlier
	 * run was interrupted between the class and its filter */
	if (BIT_GET(x->minor_class, pref_minor) && !BIT_GET(x->minor_ref, pref_minor)) {
		*minor = pref_minor;
		*adopt = true;
		return 0;
	}
	*adopt = false;
	for (m = 0; m < span; m++) {
		cand = VNM_TC_VL_MINOR_MIN + (pref_minor - VNM_TC_VL_MINOR_MIN + m) % span;
		/* a whole word in use is skipped at once */
		if (cand % 64 == 0 && m + 64 <= span && cand + 63 <= VNM_TC_VL_MINOR_MAX &&
		    x->minor_class[cand / 64] == ~0ULL) {
			m += 63;
			continue;
		}
		if (!BIT_GET(x->minor_class, cand) && !BIT_GET(x->minor_ref, cand)) {
			*minor = cand;
			return 0;
		}
	}
	return -NLE_RANGE;
}

/* ------------------------------------------------------------------ */
/* Filling from the kernel                                             */
/* ------------------------------------------------------------------ */

struct fill_job {
	struct vnm_lnl_tcidx *x;
	int rc;
};

static void fill_class(struct nl_object *o, void *arg)
{
	struct fill_job *j = arg;

	vnm_lnl_tcidx_note_class(j->x, rtnl_tc_get_handle((struct rtnl_tc *)o));
}

static void fill_filter(struct nl_object *o, void *arg)
{
	struct fill_job *j = arg;
	struct rtnl_cls *f = (struct rtnl_cls *)o;
	const char *kind = rtnl_tc_get_kind(TC_CAST(f));
	uint32_t val, mask, classid = 0;
	int64_t vni = -1;
	int off, offmask, rc;
	uint8_t i;

	if (!kind || strcmp(kind, "u32") || rtnl_cls_get_prio(f) != VNM_TC_U32_PRIO)
		return;
	if (rtnl_u32_get_classid(f, &classid) < 0)
		classid = 0;
	for (i = 0; classid && rtnl_u32_get_key(f, i, &val, &mask, &off, &offmask) == 0; i++)
		if (vni < 0)
			vni = vnm_lnl_encap_key_of(val, mask, off);
	rc = vnm_lnl_tcidx_note_filter(j->x, rtnl_tc_get_handle(TC_CAST(f)), classid, vni);
	if (rc < 0)
		j->rc = rc;
}

static int fill(struct vnm_lnl_tcidx *x)
{
	struct nl_cache *cache = NULL;
	struct fill_job j = {x, 0};
	int rc;

	rc = rtnl_class_alloc_cache(x->sk, x->ifindex, &cache);
	if (rc < 0)
		return rc;
	nl_cache_foreach(cache, fill_class, &j);
	nl_cache_free(cache);
	cache = NULL;
	rc = rtnl_cls_alloc_cache(x->sk, x->ifindex, VNM_TC_ROOT, &cache);
	/* no filters, or no vnmd root at all: an empty index */
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_INVAL)
		return 0;
	if (rc < 0)
		return rc;
	nl_cache_foreach(cache, fill_filter, &j);
	nl_cache_free(cache);
	return j.rc;
}

struct vnm_lnl_tcidx *vnm_lnl_tcidx_get(struct vnm_lnl *c, struct nl_sock *sk, int ifindex,
					int *nlrc)
{
	struct vnm_lnl_tcidx *x, **t;
	size_t i;
	int rc;

	*nlrc = 0;
	for (i = 0; i < c->n_tcx; i++)
		if (c->tcx[i]->sk == sk && c->tcx[i]->ifindex == ifindex)
			return c->tcx[i];
	x = vnm_lnl_tcidx_new(sk, ifindex);
	t = realloc(c->tcx, (c->n_tcx + 1) * sizeof(*t));
	if (!x || !t) {
		if (t)
			c->tcx = t;
		vnm_lnl_tcidx_destroy(x);
		*nlrc = -NLE_NOMEM;
		return NULL;
	}
	c->tcx = t;
	if ((rc = fill(x)) < 0) {
		vnm_lnl_tcidx_destroy(x);
		*nlrc = rc;
		return NULL;
	}
	c->tcx[c->n_tcx++] = x;
	return x;
}

static void drop_at(struct vnm_lnl *c, size_t i)
{
	vnm_lnl_tcidx_destroy(c->tcx[i]);
	c->tcx[i] = c->tcx[--c->n_tcx];
}

void vnm_lnl_tcidx_drop(struct vnm_lnl *c, struct nl_sock *sk, int ifindex)
{
	size_t i;

	for (i = 0; i < c->n_tcx; i++) {
		if (c->tcx[i]->sk == sk && c->tcx[i]->ifindex == ifindex) {
			drop_at(c, i);
			return;
		}
	}
}

void vnm_lnl_tcidx_drop_sock(struct vnm_lnl *c, struct nl_sock *sk)
{
	size_t i = 0;

	while (i < c->n_tcx) {
		if (c->tcx[i]->sk == sk)
			drop_at(c, i);
		else
			i++;
	}
}

void vnm_lnl_tcidx_free(struct vnm_lnl *c)
{
	while (c->n_tcx)
		drop_at(c, c->n_tcx - 1);
	free(c->tcx);
	c->tcx = NULL;
}
