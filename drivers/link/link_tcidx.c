/*
 * link_tcidx.c - what the link driver knows of its own tc objects on each
 * physical interface (struct vnm_lnl_tcidx).
 *
 * Shaping a VL on a physical interface needs these answers: does the VL
 * already have a class there (change it in place), which class minor is
 * free, which u32 filter handle of its bucket's child qdisc is free, is
 * the bucket made, and what rate its class needs (the sum of its VLs').  Asking the kernel each time
 * means dumping every class and filter of the interface, so N VLs cost
 * N^2 objects parsed.  The index answers from memory instead: one class
 * dump and one filter dump per qdisc (the root, then the child qdisc of
 * each bucket the class dump showed: a filter dump lists one qdisc's) fill
 * it the first time the interface is used, and the driver keeps it up to
 * date with each add and delete it makes.
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
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/tc.h>

#define BIT_SET(a, i) ((a)[(i) / 64] |= 1ULL << ((i) % 64))
#define BIT_CLR(a, i) ((a)[(i) / 64] &= ~(1ULL << ((i) % 64)))
#define BIT_GET(a, i) (((a)[(i) / 64] >> ((i) % 64)) & 1U)

/* While a dump fills the index: the classes' rates by minor, for the VL
 * filters that the filter dumps find next. */
struct fill_cls {
	uint32_t classid, burst;
	uint64_t rate;
};
static __thread struct fill_cls *filling;

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

/* A VL entry joins (sign 1) or leaves (-1) its bucket: its class minor,
 * its filter's node, its rate and burst in the bucket's sums.  Entries of
 * a VL class under the root (the flat layout of earlier versions) are in
 * no bucket. */
static void account(struct vnm_lnl_tcidx *x, const struct vnm_lnl_tcvl *e, int sign)
{
	int b = VNM_TC_GROUP_BKT(e->classid);
	struct vnm_lnl_tcbkt *bk;

	if (b < 0)
		return;
	bk = &x->b[b];
	if (sign > 0) {
		BIT_SET(x->minor_ref, TC_H_MIN(e->classid));
		BIT_SET(x->node[b], VNM_U32_NODE(e->handle));
		bk->n++;
		bk->rate += e->rate;
		bk->burst += e->burst;
		return;
	}
	BIT_CLR(x->minor_ref, TC_H_MIN(e->classid));
	BIT_CLR(x->node[b], VNM_U32_NODE(e->handle));
	bk->n--;
	bk->rate -= e->rate;
	bk->burst -= e->burst;
}

void vnm_lnl_tcidx_set_rate(struct vnm_lnl_tcidx *x, uint32_t vni, uint64_t rate,
			    uint32_t burst)
{
	struct vnm_lnl_tcvl *e = lookup(x, vni);

	if (!e)
		return;
	account(x, e, -1);
	e->rate = rate;
	e->burst = burst;
	account(x, e, 1);
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
	account(x, &gone, -1);
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
}

void vnm_lnl_tcidx_note_class(struct vnm_lnl_tcidx *x, uint32_t classid, uint64_t rate,
			      uint32_t burst)
{
	uint32_t minor = TC_H_MIN(classid);
	int b = VNM_TC_GROUP_BKT(classid);

	if (TC_H_MAJ(classid) == VNM_TC_ROOT && minor >= VNM_TC_BUCKET_MINOR(0) &&
	    minor < VNM_TC_BUCKET_MINOR(VNM_TC_VNI_BUCKETS)) {
		x->b[minor - VNM_TC_BUCKET_MINOR(0)].have |= VNM_TCB_CLASS;
		x->b[minor - VNM_TC_BUCKET_MINOR(0)].set = rate;
	}
	if (b < 0)
		return;
	if (minor == VNM_TC_PARENT_MINOR)
		x->b[b].have |= VNM_TCB_INNER;
	if (minor < VNM_TC_VL_MINOR_MIN || minor > VNM_TC_VL_MINOR_MAX)
		return;
	BIT_SET(x->minor_class, minor);
	if (filling) {
		filling[minor].classid = classid;
		filling[minor].rate = rate;
		filling[minor].burst = burst;
	}
}

void vnm_lnl_tcidx_forget_class(struct vnm_lnl_tcidx *x, uint32_t classid)
{
	if (VNM_TC_GROUP_BKT(classid) >= 0 && TC_H_MIN(classid) >= VNM_TC_VL_MINOR_MIN)
		BIT_CLR(x->minor_class, TC_H_MIN(classid));
}

int vnm_lnl_tcidx_note_filter(struct vnm_lnl_tcidx *x, uint32_t parent, uint32_t handle,
			      uint32_t classid, int64_t vni)
{
	struct vnm_lnl_tcvl *e;
	int b = VNM_TC_GROUP_BKT(parent);
	size_t i;
	int rc;

	if (TC_H_MAJ(parent) == VNM_TC_ROOT) {
		if (handle == VNM_U32_HANDLE(VNM_TC_VNI_HTID, 0, 0))
			x->table = true;
		if (handle == VNM_U32_HANDLE(VNM_TC_U32_HTID, 0, VNM_TC_U32_LINK_NODE))
			x->link = true;
		if (VNM_U32_HTID(handle) == VNM_TC_VNI_HTID &&
		    VNM_U32_NODE(handle) == VNM_TC_BUCKET_NODE)
			x->b[VNM_U32_BKT(handle)].have |= VNM_TCB_FILTER;
	} else if (b >= 0 && VNM_U32_HTID(handle) == VNM_TC_U32_HTID && VNM_U32_NODE(handle)) {
		BIT_SET(x->node[b], VNM_U32_NODE(handle));
	} else {
		return 0; /* not a qdisc of vnmd's */
	}
	if (vni < 0 || !handle || !classid || VNM_U32_NODE(handle) == VNM_TC_BUCKET_NODE)
		return 0;
	if ((e = lookup(x, (uint32_t)vni))) {
		account(x, e, -1);
	} else {
		if ((x->n + 1) * 2 > x->cap && (rc = grow(x)) < 0)
			return rc;
		for (i = slot_of((uint32_t)vni, x->cap); x->v[i].handle;
		     i = (i + 1) & (x->cap - 1))
			;
		e = &x->v[i];
		x->n++;
	}
	e->vni = (uint32_t)vni;
	e->classid = classid;
	e->handle = handle;
	e->rate = 0;
	e->burst = 0;
	/* a VL class of the flat layout where the bucket's class belongs */
	if (TC_H_MAJ(classid) == VNM_TC_ROOT && TC_H_MIN(classid) >= VNM_TC_BUCKET_MINOR(0) &&
	    TC_H_MIN(classid) < VNM_TC_BUCKET_MINOR(VNM_TC_VNI_BUCKETS))
		x->b[TC_H_MIN(classid) - VNM_TC_BUCKET_MINOR(0)].flat = (uint32_t)vni + 1;
	if (filling && filling[TC_H_MIN(classid)].classid == classid) {
		e->rate = filling[TC_H_MIN(classid)].rate;
		e->burst = filling[TC_H_MIN(classid)].burst;
	}
	account(x, e, 1);
	return 0;
}

int vnm_lnl_tcidx_pick(const struct vnm_lnl_tcidx *x, uint32_t pref_minor, uint32_t vni,
		       uint32_t *minor, uint32_t *handle, bool *adopt)
{
	const uint32_t span = VNM_TC_VL_MINOR_MAX - VNM_TC_VL_MINOR_MIN + 1;
	const uint64_t *nodes = x->node[vni & 0xffU]; /* of its bucket's child */
	uint32_t m, n, cand;

	if (pref_minor < VNM_TC_VL_MINOR_MIN || pref_minor > VNM_TC_VL_MINOR_MAX)
		pref_minor = VNM_TC_VL_MINOR_MIN;
	*minor = 0;
	for (n = 1; n <= VNM_TC_U32_NODE_MAX && BIT_GET(nodes, n); n++)
		;
	if (n > VNM_TC_U32_NODE_MAX)
		return -NLE_RANGE;
	*handle = VNM_U32_HANDLE(VNM_TC_U32_HTID, 0, n);
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
	uint32_t parent;          /* the qdisc whose filters are listed */
	int rc;
};

static void fill_class(struct nl_object *o, void *arg)
{
	struct fill_job *j = arg;
	struct rtnl_class *cl = (struct rtnl_class *)o;
	const char *kind = rtnl_tc_get_kind(TC_CAST(cl));
	uint64_t rate = 0;

	if (!kind || strcmp(kind, "htb") || rtnl_htb_get_rate64(cl, &rate) < 0)
		rate = 0;
	vnm_lnl_tcidx_note_class(j->x, rtnl_tc_get_handle(TC_CAST(cl)), rate * 8,
				 rate ? rtnl_htb_get_rbuffer(cl) : 0);
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
	rc = vnm_lnl_tcidx_note_filter(j->x, j->parent, rtnl_tc_get_handle(TC_CAST(f)), classid,
				       vni);
	if (rc < 0)
		j->rc = rc;
}

/* The filters of the qdisc parent into the index. */
static int fill_filters(struct fill_job *j, uint32_t parent)
{
	struct nl_cache *cache = NULL;
	int rc;

	j->parent = parent;
	rc = rtnl_cls_alloc_cache(j->x->sk, j->x->ifindex, parent, &cache);
	/* no filters, or no such qdisc */
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_INVAL)
		return 0;
	if (rc < 0)
		return rc;
	nl_cache_foreach(cache, fill_filter, j);
	nl_cache_free(cache);
	return j->rc;
}

static int fill(struct vnm_lnl_tcidx *x)
{
	struct nl_cache *cache = NULL;
	struct fill_job j = {x, 0, 0};
	uint32_t b;
	int rc;

	rc = rtnl_class_alloc_cache(x->sk, x->ifindex, &cache);
	if (rc < 0)
		return rc;
	filling = calloc(VNM_TC_VL_MINOR_MAX + 1, sizeof(*filling));
	if (!filling) {
		nl_cache_free(cache);
		return -NLE_NOMEM;
	}
	/* every qdisc's classes: the root's and the child qdiscs' */
	nl_cache_foreach(cache, fill_class, &j);
	nl_cache_free(cache);
	rc = fill_filters(&j, VNM_TC_ROOT);
	for (b = 0; rc >= 0 && b < VNM_TC_VNI_BUCKETS; b++)
		if (x->b[b].have & VNM_TCB_INNER)
			rc = fill_filters(&j, VNM_TC_GROUP(b));
	free(filling);
	filling = NULL;
	return rc;
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

	/* what failed may be the interface's name meaning another one now */
	for (i = 0; i < VNM_LNL_IFX; i++)
		if (c->ifx[i].sk == sk && c->ifx[i].ifindex == ifindex)
			c->ifx[i].sk = NULL;
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

	vnm_lnl_ifindex_forget(c, sk, NULL);
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
