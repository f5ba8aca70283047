/*
 * link_tc.c - shaping: HTB on physical interfaces (one class per VL in the
 * child HTB of its VNI bucket, u32 on the VNI; the layout is drawn in
 * link_int.h), HTB on the veth ends of same-host VLs, netem for delay,
 * jitter and loss.
 *
 * Every figure installed here (rates, bursts, whether netem is needed, the
 * link's overhead) comes from the core (shape.c) in a struct vnm_shape or
 * the struct vnm_plink: this file carries them out and computes none.
 *
 * Accounting.  Rates of VLs count the VL's own frames, but a physical
 * interface sees them encapsulated, pl->overhead bytes longer (the figure
 * of the link's encapsulation row, encap_NAME.c).  The root therefore
 * carries a size table with overhead -pl->overhead (the messages are built
 * in link_tcmsg.c), so every class counts inner frames; the parent class,
 * whose rate is the capacity on the wire, adds the overhead back in its
 * rate spec (tc_ratespec.overhead).  The tunnel ends are created with
 * gso_max_segs 1 (link_if.c) so that each encapsulated packet is one frame
 * and the per-packet overhead is exact.
 *
 * Changes are made in place: a class that exists is changed (RTM_NEWTCLASS
 * without NLM_F_EXCL), never deleted and added, so TCP flows crossing the VL
 * survive and counters keep counting.  The kernel itself records which
 * class belongs to which VL: the u32 filter matching the VL's VNI points
 * at it.
 *
 * A bucket's class guarantees the sum of its VLs' rates: it is changed
 * with each VL added, removed or changed in its bucket (one more class
 * change, in place), made with the bucket's first VL and removed with its
 * last.  Inside the bucket the VLs' classes borrow from the child qdisc's
 * capacity class, the bucket class borrows from the link's.
 */
#include "link_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/route/class.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

/* ------------------------------------------------------------------ */
/* Reading the kernel's state                                         */
/* ------------------------------------------------------------------ */

/* One RTM_NEWQDISC of a qdisc get: its handle. */
static int root_reply(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	if (h->nlmsg_type == RTM_NEWQDISC && nlmsg_datalen(h) >= (int)sizeof(struct tcmsg))
		*(uint32_t *)arg = ((struct tcmsg *)nlmsg_data(h))->tcm_handle;
	return NL_OK;
}

/* The root qdisc's handle on ifindex: 0 for the kernel's default.  One
 * RTM_GETQDISC for that interface's root, not a dump of every qdisc of the
 * namespace (which lists one per interface: thousands with many VLs). */
static int root_handle(struct nl_sock *sk, int ifindex, uint32_t *handle)
{
	struct tcmsg t = {.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
			  .tcm_parent = TC_H_ROOT};
	struct nl_msg *msg;
	int rc;

	*handle = 0;
	/* the kernel answers a qdisc get only to a request that asks for the
	 * echo (it goes out as a notification otherwise) */
	msg = nlmsg_alloc_simple(RTM_GETQDISC, NLM_F_ECHO);
	if (!msg)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &t, sizeof(t), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	rc = vnm_lnl_request(sk, msg, root_reply, handle);
	/* no qdisc of its own (or no such interface): the default */
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_INVAL) {
		*handle = 0;
		return 0;
	}
	return rc;
}

/* The key hash table and its link filter for encapsulation e on idx,
 * where x says they are missing. */
static int vni_table(struct nl_sock *sk, int idx, const struct vnm_lnl_encap *e,
		     struct vnm_lnl_tcidx *x)
{
	bool *const have[2] = {&x->table, &x->link};
	struct nl_msg *msg = NULL;
	int i, rc;

	for (i = 0; i < 2; i++) {
		if (*have[i])
			continue;
		rc = i ? vnm_lnl_msg_u32_link(idx, e, &msg) : vnm_lnl_msg_u32_table(idx, &msg);
		if (!rc)
			rc = vnm_lnl_send(sk, msg);
		if (rc < 0 && rc != -NLE_EXIST)
			return rc;
		*have[i] = true;
	}
	return 0;
}

static int bucket_sync(struct nl_sock *sk, int idx, const struct vnm_plink *pl,
		       struct vnm_lnl_tcidx *x, uint32_t b);

/* ------------------------------------------------------------------ */
/* Physical links                                                     */
/* ------------------------------------------------------------------ */

static int end_sock(struct vnm_lnl *c, const struct vnm_host_if *hif, struct nl_sock **sk,
		    int *ifindex, struct vnm_err *err)
{
	char where[200];
	int idx;

	if (vnm_lnl_sock(c, hif->host, sk, err) < 0)
		return -1;
	idx = vnm_lnl_ifindex_trust(c, *sk, hif->ifname);
	if (idx < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot look up interface %s%s: %s",
				   hif->ifname, vnm_lnl_where(hif->host, where, sizeof(where)),
				   nl_geterror(idx));
	if (idx == 0)
		return vnm_err_set(err, VNM_E_MISSING, NULL,
				   "interface %s not found%s: check the termination point's "
				   "interface", hif->ifname,
				   vnm_lnl_where(hif->host, where, sizeof(where)));
	*ifindex = idx;
	return 0;
}

static int plink_end_setup(struct vnm_lnl *c, const struct vnm_plink *pl,
			   const struct vnm_host_if *hif, struct vnm_err *err)
{
	const struct vnm_lnl_encap *e = vnm_lnl_encap_find(pl->encap);
	struct vnm_shape parent, dflt;
	struct vnm_lnl_tcidx *x;
	struct rtnl_link *l = NULL;
	struct nl_msg *msg = NULL;
	struct nl_sock *sk;
	uint32_t handle, mtu, b;
	char where[200];
	int idx, rc;

	if (!e)
		return vnm_err_set(err, VNM_E_UNSUPPORTED, NULL,
				   "the link driver has no encapsulation %s", pl->encap);
	if (hif->host->remote)
		return 0; /* that RM's vnmd shapes its end */
	if (end_sock(c, hif, &sk, &idx, err) < 0)
		return -1;
	vnm_lnl_where(hif->host, where, sizeof(where));
	rc = rtnl_link_get_kernel(sk, idx, NULL, &l);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read interface %s%s: %s",
				   hif->ifname, where, nl_geterror(rc));
	mtu = rtnl_link_get_mtu(l);
	rtnl_link_put(l);
	if (mtu < VNM_VL_MTU + pl->overhead)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "interface %s%s has MTU %u: VL frames of %u bytes need %u on "
				   "the underlay (%s adds %u): raise its MTU",
				   hif->ifname, where, mtu, VNM_VL_MTU, VNM_VL_MTU + pl->overhead,
				   e->name, pl->overhead);
	if ((rc = root_handle(sk, idx, &handle)) < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read the qdiscs of %s%s: %s",
				   hif->ifname, where, nl_geterror(rc));
	if (handle && handle != VNM_TC_ROOT)
		return vnm_err_set(err, VNM_E_EXISTS, NULL,
				   "interface %s%s has a root qdisc %x: that vnmd did not install: "
				   "remove it first", hif->ifname, where, handle >> 16);
	if (!handle) {
		/* HTB has no in-place change of its qdisc options: the root
		 * is made once and only its classes change later */
		vnm_lnl_tcidx_drop(c, sk, idx);
		rc = vnm_lnl_msg_htb_root(idx, VNM_TC_DEFAULT_MINOR, -(int)pl->overhead, false,
					  &msg);
		if (!rc)
			rc = vnm_lnl_send(sk, msg);
		if (rc < 0)
			return vnm_err_set(err, VNM_E_DRIVER, NULL,
					   "cannot install HTB on %s%s: %s", hif->ifname, where,
					   vnm_lnl_strerror(rc));
	}
	vnm_plink_shape(pl, &parent, &dflt);
	rc = vnm_lnl_msg_htb_class(idx, VNM_TC_ROOT, VNM_TC_ROOT | VNM_TC_PARENT_MINOR, &parent,
				   pl->overhead, true, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot set the capacity class on %s%s: %s", hif->ifname, where,
				   vnm_lnl_strerror(rc));
	rc = vnm_lnl_msg_htb_class(idx, VNM_TC_ROOT | VNM_TC_PARENT_MINOR,
				   VNM_TC_ROOT | VNM_TC_DEFAULT_MINOR, &dflt, 0, true, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot set the default class on %s%s: %s", hif->ifname, where,
				   vnm_lnl_strerror(rc));
	x = vnm_lnl_tcidx_get(c, sk, idx, &rc);
	if (x && (rc = vni_table(sk, idx, e, x)) < 0)
		vnm_lnl_tcidx_drop(c, sk, idx);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot add the VNI filter table on %s%s: %s", hif->ifname, where,
				   vnm_lnl_strerror(rc));
	/* the buckets' ceilings follow the capacity */
	for (b = 0; b < VNM_TC_VNI_BUCKETS; b++) {
		if ((rc = bucket_sync(sk, idx, pl, x, b)) < 0) {
			vnm_lnl_tcidx_drop(c, sk, idx);
			return vnm_err_set(err, VNM_E_DRIVER, NULL,
					   "cannot change VNI bucket %u on %s%s: %s", b, hif->ifname,
					   where, vnm_lnl_strerror(rc));
		}
	}
	return 0;
}

int vnm_lnl_plink_setup(struct vnm_lnl *c, const struct vnm_plink *pl, struct vnm_err *err)
{
	if (!pl->src || !pl->dst || !pl->src->host || !pl->dst->host) {
		vnm_lnl_path_plink(pl, err->path, sizeof(err->path));
		return vnm_err_set(err, VNM_E_MISSING, err->path,
				   "physical link %s: an end has no host interface", pl->name);
	}
	/* the route of its bond, if it is in one (link_bond.c) */
	if (plink_end_setup(c, pl, pl->src, err) < 0 || plink_end_setup(c, pl, pl->dst, err) < 0 ||
	    vnm_lnl_bond_apply(c, pl, err) < 0) {
		vnm_err_prefix(err, "physical link %s", pl->name);
		vnm_lnl_path_plink(pl, err->path, sizeof(err->path));
		return -1;
	}
	return 0;
}

static int root_del(struct vnm_lnl *c, struct nl_sock *sk, int idx, const char *ifname,
		    const struct vnm_host *h, struct vnm_err *err)
{
	struct nl_msg *msg = NULL;
	uint32_t handle;
	char where[200];
	int rc;

	vnm_lnl_where(h, where, sizeof(where));
	if ((rc = root_handle(sk, idx, &handle)) < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read the qdiscs of %s%s: %s",
				   ifname, where, nl_geterror(rc));
	if (handle != VNM_TC_ROOT)
		return 0; /* gone, or not ours */
	vnm_lnl_tcidx_drop(c, sk, idx);
	rc = vnm_lnl_msg_qdisc_del(idx, TC_H_ROOT, VNM_TC_ROOT, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot remove HTB from %s%s: %s",
				   ifname, where, vnm_lnl_strerror(rc));
	return 0;
}

static bool same_end(const struct vnm_host_if *a, const struct vnm_host_if *b)
{
	return a && b && a->host && b->host && !strcmp(a->ifname, b->ifname) &&
	       !strcmp(a->host->name, b->host->name) &&
	       !strcmp(a->host->netns ? a->host->netns : "", b->host->netns ? b->host->netns : "");
}

int vnm_lnl_plink_update(struct vnm_lnl *c, const struct vnm_plink *old,
			 const struct vnm_plink *new, struct vnm_err *err)
{
	const struct vnm_host_if *ends[2] = {old->src, old->dst};
	struct nl_sock *sk;
	int i, idx;

	/* an end that moved to another interface leaves nothing behind */
	for (i = 0; i < 2; i++) {
		if (!vnm_host_local(ends[i] ? ends[i]->host : NULL) ||
		    same_end(ends[i], new->src) || same_end(ends[i], new->dst))
			continue;
		if (vnm_lnl_sock(c, ends[i]->host, &sk, err) < 0)
			goto fail;
		idx = vnm_lnl_ifindex(sk, ends[i]->ifname);
		if (idx > 0 && root_del(c, sk, idx, ends[i]->ifname, ends[i]->host, err) < 0)
			goto fail;
	}
	/* a bond that ends takes its route along (one that stays or starts is
	 * installed by the setup) */
	if (!vnm_plink_bond(new) && vnm_lnl_bond_remove(c, old, err) < 0)
		goto fail;
	/* the root stays, the capacity class changes in place */
	return vnm_lnl_plink_setup(c, new, err);
fail:
	vnm_err_prefix(err, "physical link %s", old->name);
	vnm_lnl_path_plink(old, err->path, sizeof(err->path));
	return -1;
}

int vnm_lnl_plink_teardown(struct vnm_lnl *c, const struct vnm_plink *pl, struct vnm_err *err)
{
	const struct vnm_host_if *ends[2] = {pl->src, pl->dst};
	struct nl_sock *sk;
	int i, idx;

	if (vnm_lnl_bond_remove(c, pl, err) < 0)
		goto fail;
	for (i = 0; i < 2; i++) {
		if (!vnm_host_local(ends[i] ? ends[i]->host : NULL))
			continue;
		if (vnm_lnl_sock(c, ends[i]->host, &sk, err) < 0)
			goto fail;
		idx = vnm_lnl_ifindex(sk, ends[i]->ifname);
		if (idx <= 0)
			continue;
		if (root_del(c, sk, idx, ends[i]->ifname, ends[i]->host, err) < 0)
			goto fail;
	}
	return 0;
fail:
	vnm_err_prefix(err, "physical link %s", pl->name);
	vnm_lnl_path_plink(pl, err->path, sizeof(err->path));
	return -1;
}

/* ------------------------------------------------------------------ */
/* VL shaping                                                         */
/* ------------------------------------------------------------------ */

static int netem_check(struct vnm_lnl *c, const struct vnm_shape *shape, struct vnm_err *err)
{
	if (!shape->netem)
		return 0;
	if (!c->probed && vnm_lnl_probe_locked(c, err) < 0)
		return -1;
	if (!c->caps.netem)
		return vnm_err_set(err, VNM_E_UNSUPPORTED, NULL,
				   "delay, jitter and loss need the kernel module sch_netem, which "
				   "this kernel does not have: load sch_netem or set them to 0");
	return 0;
}

static int netem_apply(struct nl_sock *sk, int idx, uint32_t parent,
		       const struct vnm_shape *shape)
{
	struct nl_msg *msg = NULL;
	int rc;

	/* the qdisc under the class parent, whatever its handle: the kernel
	 * picks one for a new netem (classes of different qdiscs share
	 * minors), changes an existing netem in place */
	if (!shape->netem) {
		/* back to the class's default leaf qdisc */
		rc = vnm_lnl_msg_qdisc_del(idx, parent, 0, &msg);
		if (!rc)
			rc = vnm_lnl_send(sk, msg);
		return rc == -NLE_OBJ_NOTFOUND || rc == -NLE_INVAL || rc == -NLE_NOATTR ? 0 : rc;
	}
	rc = vnm_lnl_msg_netem(idx, parent, 0, shape->delay_us,
			       shape->jitter_us, shape->loss_ppm, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	return rc;
}

/* The kernel disagreed with the index: it is dropped and the VL tried
 * once more from a fresh dump. */
static bool index_stale(int nlrc)
{
	return nlrc == -NLE_OBJ_NOTFOUND || nlrc == -NLE_EXIST;
}

static int send_ok(struct nl_sock *sk, int rc, struct nl_msg *msg, bool exist_ok)
{
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	return rc == -NLE_EXIST && exist_ok ? 0 : rc;
}

/* The filter and class of the VL of vni (a libnl error code, absent is
 * success).  The filter first, so that no packet is sent to a missing
 * class.  Its bucket is left to bucket_sync. */
static int vl_remove(struct nl_sock *sk, int idx, struct vnm_lnl_tcidx *x, uint32_t vni)
{
	const struct vnm_lnl_tcvl *e = vnm_lnl_tcidx_find(x, vni);
	struct nl_msg *msg = NULL;
	uint32_t classid;
	int rc;

	if (!e)
		return 0;
	classid = e->classid;
	rc = vnm_lnl_msg_u32_del(idx, TC_H_MAJ(classid), e->handle, &msg);
	if ((rc = send_ok(sk, rc, msg, false)) < 0 && rc != -NLE_OBJ_NOTFOUND)
		return rc;
	vnm_lnl_tcidx_forget(x, vni);
	rc = vnm_lnl_msg_class_del(idx, classid, &msg);
	if ((rc = send_ok(sk, rc, msg, false)) < 0 && rc != -NLE_OBJ_NOTFOUND)
		return rc;
	vnm_lnl_tcidx_forget_class(x, classid);
	return 0;
}

/* The class of bucket b, its child qdisc, the child's capacity class and
 * the root's filter of the bucket, where the index says one is missing
 * (what exists already is left or changed in place: a run killed halfway
 * left the others). */
static int bucket_make(struct nl_sock *sk, int idx, const struct vnm_plink *pl,
		       struct vnm_lnl_tcidx *x, uint32_t b)
{
	struct vnm_lnl_tcbkt *bk = &x->b[b];
	struct vnm_shape bs, in;
	struct nl_msg *msg = NULL;
	int rc;

	if (bk->have == VNM_TCB_ALL)
		return 0;
	/* a VL class of the flat layout at the bucket's minor: it goes (its
	 * VL's next shaping makes it again in its own bucket) */
	if (bk->flat) {
		const struct vnm_lnl_tcvl *e = vnm_lnl_tcidx_find(x, bk->flat - 1);

		if (e && e->classid == (VNM_TC_ROOT | VNM_TC_BUCKET_MINOR(b)) &&
		    (rc = vl_remove(sk, idx, x, bk->flat - 1)) < 0)
			return rc;
		bk->flat = 0;
		bk->have &= ~VNM_TCB_CLASS;
	}
	vnm_lnl_bucket_shape(pl, bk, &bs, &in);
	rc = vnm_lnl_msg_htb_bucket(idx, b, &bs, bk->n, true, &msg);
	if ((rc = send_ok(sk, rc, msg, false)) < 0)
		return rc;
	bk->have |= VNM_TCB_CLASS;
	bk->set = bs.rate;
	bk->ceil = bs.ceil;
	bk->qn = bk->n;
	rc = vnm_lnl_msg_htb_child(idx, VNM_TC_ROOT | VNM_TC_BUCKET_MINOR(b), VNM_TC_GROUP(b),
				   &msg);
	if ((rc = send_ok(sk, rc, msg, true)) < 0)
		return rc;
	rc = vnm_lnl_msg_htb_class(idx, VNM_TC_GROUP(b), VNM_TC_GROUP(b) | VNM_TC_PARENT_MINOR,
				   &in, 0, true, &msg);
	if ((rc = send_ok(sk, rc, msg, false)) < 0)
		return rc;
	bk->have |= VNM_TCB_INNER;
	rc = vnm_lnl_msg_u32_bucket(idx, b, &msg);
	if ((rc = send_ok(sk, rc, msg, true)) < 0)
		return rc;
	bk->have |= VNM_TCB_FILTER;
	return 0;
}

/* Bucket b's class to the sum of its VLs' rates and the link's capacity
 * (and its child's capacity class with it), or the bucket removed when it
 * has no VL left. */
static int bucket_sync(struct nl_sock *sk, int idx, const struct vnm_plink *pl,
		       struct vnm_lnl_tcidx *x, uint32_t b)
{
	struct vnm_lnl_tcbkt *bk = &x->b[b];
	struct vnm_shape bs, in;
	struct nl_msg *msg = NULL;
	int rc;

	if (!bk->have)
		return 0;
	if (!bk->n) {
		/* the filter first: a class a filter points at is busy */
		rc = vnm_lnl_msg_u32_del(idx, VNM_TC_ROOT,
					 VNM_U32_HANDLE(VNM_TC_VNI_HTID, b, VNM_TC_BUCKET_NODE), &msg);
		if ((rc = send_ok(sk, rc, msg, false)) < 0 && rc != -NLE_OBJ_NOTFOUND)
			return rc;
		bk->have &= ~VNM_TCB_FILTER;
		/* the child qdisc and its class go with it */
		rc = vnm_lnl_msg_class_del(idx, VNM_TC_ROOT | VNM_TC_BUCKET_MINOR(b), &msg);
		if ((rc = send_ok(sk, rc, msg, false)) < 0 && rc != -NLE_OBJ_NOTFOUND)
			return rc;
		memset(bk, 0, sizeof(*bk));
		return 0;
	}
	vnm_lnl_bucket_shape(pl, bk, &bs, &in);
	if (bs.rate == bk->set && bs.ceil == bk->ceil &&
	    vnm_lnl_bucket_quantum(bk->n) == vnm_lnl_bucket_quantum(bk->qn))
		return 0;
	rc = vnm_lnl_msg_htb_bucket(idx, b, &bs, bk->n, false, &msg);
	if ((rc = send_ok(sk, rc, msg, false)) < 0)
		return rc;
	bk->set = bs.rate;
	bk->qn = bk->n;
	if (bs.ceil != bk->ceil) {
		rc = vnm_lnl_msg_htb_class(idx, VNM_TC_GROUP(b),
					   VNM_TC_GROUP(b) | VNM_TC_PARENT_MINOR, &in, 0, false,
					   &msg);
		if ((rc = send_ok(sk, rc, msg, false)) < 0)
			return rc;
		bk->ceil = bs.ceil;
	}
	return 0;
}

/* A new VL: its bucket when it is the first, its class, its filter.
 * *fresh: the class is a new one (not a leftover taken over), so it has
 * the default leaf qdisc. */
static int vl_add(struct nl_sock *sk, int idx, const struct vnm_plink *pl,
		  const struct vnm_lnl_encap *enc, struct vnm_lnl_tcidx *x,
		  const struct vnm_vl *vl, const struct vnm_shape *shape, uint32_t *classid,
		  bool *fresh, const char *what, bool *stale, struct vnm_err *err)
{
	uint32_t b = vl->vni & 0xffU, minor = 0, fh = 0;
	struct nl_msg *msg = NULL;
	bool adopt = false;
	int nrc;

	if ((nrc = bucket_make(sk, idx, pl, x, b)) < 0) {
		*stale = index_stale(nrc);
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot add the class of VNI bucket "
				   "%u on %s: %s", b, what, vnm_lnl_strerror(nrc));
	}
	if ((nrc = vnm_lnl_tcidx_pick(x, vnm_lnl_vl_minor(vl), vl->vni, &minor, &fh,
				      &adopt)) < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "no free class for the link on %s: %s",
				   what, nl_geterror(nrc));
	*classid = VNM_TC_GROUP(b) | minor;
	*fresh = !adopt;
	nrc = vnm_lnl_msg_htb_class(idx, VNM_TC_GROUP(b) | VNM_TC_PARENT_MINOR, *classid, shape,
				    0, true, &msg);
	if ((nrc = send_ok(sk, nrc, msg, false)) < 0) {
		*stale = index_stale(nrc);
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot add class %x:%x on %s: %s",
				   vnm_lnl_group_major(b), minor, what, vnm_lnl_strerror(nrc));
	}
	vnm_lnl_tcidx_note_class(x, *classid, shape->rate, shape->burst);
	nrc = vnm_lnl_msg_u32_vni(idx, VNM_TC_GROUP(b), enc, vl->vni, fh, *classid, &msg);
	if ((nrc = send_ok(sk, nrc, msg, false)) < 0) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot add the VNI %u filter on %s: %s",
			    vl->vni, what, vnm_lnl_strerror(nrc));
		*stale = index_stale(nrc);
		if (!adopt && !vnm_lnl_msg_class_del(idx, *classid, &msg) &&
		    !vnm_lnl_send(sk, msg))
			vnm_lnl_tcidx_forget_class(x, *classid);
		return -1;
	}
	if ((nrc = vnm_lnl_tcidx_note_filter(x, VNM_TC_GROUP(b), fh, *classid, vl->vni)) < 0) {
		/* the kernel has it, the index cannot say so: reread later */
		*stale = true;
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "link driver: out of memory");
	}
	vnm_lnl_tcidx_set_rate(x, vl->vni, shape->rate, shape->burst);
	return 0;
}

static int vl_shape_try(struct vnm_lnl *c, const struct vnm_vl *vl, const struct vnm_plink *pl,
			struct nl_sock *sk, int idx, const struct vnm_host_if *hif,
			const struct vnm_shape *shape, bool with_netem, bool *stale,
			struct vnm_err *err)
{
	const struct vnm_lnl_encap *enc = vnm_lnl_encap_find(vl->encap);
	const struct vnm_lnl_tcvl *e;
	struct vnm_lnl_tcidx *x;
	struct nl_msg *msg = NULL;
	uint32_t handle, classid = 0;
	char where[200], what[240];
	bool fresh = false;
	int nrc;

	vnm_lnl_where(hif->host, where, sizeof(where));
	snprintf(what, sizeof(what), "%s%s", hif->ifname, where);
	if (!enc)
		return vnm_err_set(err, VNM_E_UNSUPPORTED, NULL,
				   "the link driver has no encapsulation %s", vl->encap);
	x = vnm_lnl_tcidx_get(c, sk, idx, &nrc);
	if (!x)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot read the classes and filters of %s: %s", what,
				   nl_geterror(nrc));
	if (!x->table || !x->link) {
		/* no VNI table yet: only on vnmd's own root is one added */
		int hrc = root_handle(sk, idx, &handle);

		if (hrc < 0 || handle != VNM_TC_ROOT)
			return vnm_err_set(err, VNM_E_DRIVER, NULL,
					   "interface %s has no vnmd HTB%s%s: set its physical "
					   "link up first", what, hrc < 0 ? ": " : "",
					   hrc < 0 ? nl_geterror(hrc) : "");
		if ((nrc = vni_table(sk, idx, enc, x)) < 0)
			return vnm_err_set(err, VNM_E_DRIVER, NULL,
					   "cannot add the VNI filter table on %s: %s", what,
					   vnm_lnl_strerror(nrc));
	}
	/* a VL class of the flat layout of earlier versions moves into its
	 * bucket (the one change not made in place) */
	if ((e = vnm_lnl_tcidx_find(x, vl->vni)) && TC_H_MAJ(e->classid) == VNM_TC_ROOT) {
		if ((nrc = vl_remove(sk, idx, x, vl->vni)) < 0) {
			*stale = index_stale(nrc);
			return vnm_err_set(err, VNM_E_DRIVER, NULL,
					   "cannot move the class of VNI %u on %s: %s", vl->vni,
					   what, vnm_lnl_strerror(nrc));
		}
		e = NULL;
	}
	if (e) {
		/* in place: the class keeps its packets, counters and flows */
		classid = e->classid;
		nrc = vnm_lnl_msg_htb_class(idx, TC_H_MAJ(classid) | VNM_TC_PARENT_MINOR, classid,
					    shape, 0, false, &msg);
		if ((nrc = send_ok(sk, nrc, msg, false)) < 0) {
			*stale = index_stale(nrc);
			return vnm_err_set(err, VNM_E_DRIVER, NULL,
					   "cannot change class %x:%x on %s: %s",
					   TC_H_MAJ(classid) >> 16, TC_H_MIN(classid), what,
					   vnm_lnl_strerror(nrc));
		}
		vnm_lnl_tcidx_set_rate(x, vl->vni, shape->rate, shape->burst);
	} else if (vl_add(sk, idx, pl, enc, x, vl, shape, &classid, &fresh, what, stale,
			  err) < 0) {
		return -1;
	}
	/* the bucket's guarantee follows its VLs' */
	if (VNM_TC_GROUP_BKT(classid) >= 0 &&
	    (nrc = bucket_sync(sk, idx, pl, x, (uint32_t)VNM_TC_GROUP_BKT(classid))) < 0) {
		*stale = index_stale(nrc);
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot set the rate of VNI bucket %d on %s: %s",
				   VNM_TC_GROUP_BKT(classid), what, vnm_lnl_strerror(nrc));
	}
	/* (a new class has no netem to take away, nor has any class where the
	 * kernel has no sch_netem: a rate change then asks nothing more) */
	if (with_netem && (shape->netem || (!fresh && (!c->probed || c->caps.netem))) &&
	    (nrc = netem_apply(sk, idx, classid, shape)) < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot set delay/jitter/loss on %s: %s", what,
				   vnm_lnl_strerror(nrc));
	return 0;
}

static int vl_shape_end(struct vnm_lnl *c, const struct vnm_vl *vl, const struct vnm_plink *pl,
			const struct vnm_host_if *hif, const struct vnm_shape *shape,
			bool with_netem, struct vnm_err *err)
{
	struct nl_sock *sk;
	bool stale = false;
	int idx;

	if (hif->host->remote)
		return 0;
	if (end_sock(c, hif, &sk, &idx, err) < 0)
		return -1;
	if (vl_shape_try(c, vl, pl, sk, idx, hif, shape, with_netem, &stale, err) == 0)
		return 0;
	vnm_lnl_tcidx_drop(c, sk, idx);
	if (!stale)
		return -1;
	vnm_err_clear(err);
	if (end_sock(c, hif, &sk, &idx, err) < 0)
		return -1;
	return vl_shape_try(c, vl, pl, sk, idx, hif, shape, with_netem, &stale, err);
}

static int vl_unshape_end(struct vnm_lnl *c, const struct vnm_vl *vl, const struct vnm_plink *pl,
			  const struct vnm_host_if *hif, struct vnm_err *err)
{
	const struct vnm_lnl_tcvl *e;
	struct vnm_lnl_tcidx *x;
	struct nl_sock *sk;
	char where[200];
	int idx, rc, b;

	if (hif->host->remote)
		return 0;
	if (vnm_lnl_sock(c, hif->host, &sk, err) < 0)
		return -1;
	vnm_lnl_where(hif->host, where, sizeof(where));
	idx = vnm_lnl_ifindex_trust(c, sk, hif->ifname);
	if (idx <= 0)
		return 0;
	x = vnm_lnl_tcidx_get(c, sk, idx, &rc);
	if (!x)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot read the classes and filters of %s%s: %s", hif->ifname,
				   where, nl_geterror(rc));
	if (!(e = vnm_lnl_tcidx_find(x, vl->vni)))
		return 0;
	b = VNM_TC_GROUP_BKT(e->classid);
	if ((rc = vl_remove(sk, idx, x, vl->vni)) < 0) {
		vnm_lnl_tcidx_drop(c, sk, idx);
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot remove the class and filter of VNI %u from %s%s: %s",
				   vl->vni, hif->ifname, where, vnm_lnl_strerror(rc));
	}
	/* a lower guarantee for the bucket, or the bucket gone with its last
	 * VL */
	if (b >= 0 && (rc = bucket_sync(sk, idx, pl, x, (uint32_t)b)) < 0) {
		vnm_lnl_tcidx_drop(c, sk, idx);
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot change VNI bucket %d on %s%s: %s", b, hif->ifname,
				   where, vnm_lnl_strerror(rc));
	}
	return 0;
}

/* Same-host VL: HTB with one class at the limit on each veth end (each
 * end's egress is one direction of the VL). */
static int local_shape_end(struct vnm_lnl *c, struct nl_sock *sk, const char *ifname,
			   const struct vnm_host *h,
			   const struct vnm_shape *shape, struct vnm_err *err)
{
	struct nl_msg *msg = NULL;
	uint32_t handle;
	char where[200];
	int idx, rc;

	vnm_lnl_where(h, where, sizeof(where));
	idx = vnm_lnl_ifindex(sk, ifname);
	if (idx <= 0)
		return vnm_err_set(err, VNM_E_MISSING, NULL,
				   "interface %s%s is missing: create the link first", ifname, where);
	if (!shape->ceil) /* no limit and no netem: no class */
		return root_del(c, sk, idx, ifname, h, err);
	if ((rc = root_handle(sk, idx, &handle)) < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read the qdiscs of %s%s: %s",
				   ifname, where, nl_geterror(rc));
	if (handle != VNM_TC_ROOT) {
		rc = vnm_lnl_msg_htb_root(idx, VNM_TC_PARENT_MINOR, 0, true, &msg);
		if (!rc)
			rc = vnm_lnl_send(sk, msg);
		if (rc < 0)
			return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot install HTB on %s%s: %s",
					   ifname, where, vnm_lnl_strerror(rc));
	}
	rc = vnm_lnl_msg_htb_class(idx, VNM_TC_ROOT, VNM_TC_ROOT | VNM_TC_PARENT_MINOR, shape, 0,
				   true, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot set the rate of %s%s: %s",
				   ifname, where, vnm_lnl_strerror(rc));
	rc = netem_apply(sk, idx, VNM_TC_ROOT | VNM_TC_PARENT_MINOR, shape);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot set delay/jitter/loss on %s%s: %s", ifname, where,
				   vnm_lnl_strerror(rc));
	return 0;
}

int vnm_lnl_vl_shape(struct vnm_lnl *c, const struct vnm_vl *vl, const struct vnm_plink *pl,
		     const struct vnm_shape *shape, struct vnm_err *err)
{
	const struct vnm_host *ha = vl->a && vl->a->vr ? vl->a->vr->host : NULL;
	const struct vnm_host *hb = vl->b && vl->b->vr ? vl->b->vr->host : NULL;
	struct nl_sock *sk;

	/* refuse before anything is changed */
	if (netem_check(c, shape, err) < 0)
		goto fail;
	if (!pl) {
		if (!ha || ha != hb) {
			vnm_err_set(err, VNM_E_INTERNAL, NULL,
				    "shaping without a physical link needs both routers on one "
				    "host");
			goto fail;
		}
		if (vnm_lnl_sock(c, ha, &sk, err) < 0 ||
		    local_shape_end(c, sk, vl->end_a, ha, shape, err) < 0 ||
		    local_shape_end(c, sk, vl->end_b, ha, shape, err) < 0)
			goto fail;
		return 0;
	}
	if (!pl->src || !pl->dst || !pl->src->host || !pl->dst->host) {
		vnm_err_set(err, VNM_E_MISSING, NULL, "physical link %s has no host interface",
			    pl->name);
		goto fail;
	}
	/* delay, jitter and loss once per VL: on its first physical link */
	if (vl_shape_end(c, vl, pl, pl->src, shape, vl->n_plinks && vl->plinks[0] == pl, err) < 0 ||
	    vl_shape_end(c, vl, pl, pl->dst, shape, vl->n_plinks && vl->plinks[0] == pl, err) < 0)
		goto fail;
	return 0;
fail:
	vnm_err_prefix(err, "link %s/%s", vl->vn->name, vl->name);
	vnm_lnl_path_vl(vl, err->path, sizeof(err->path));
	return -1;
}

int vnm_lnl_vl_unshape(struct vnm_lnl *c, const struct vnm_vl *vl, const struct vnm_plink *pl,
		       struct vnm_err *err)
{
	const struct vnm_host *ha = vl->a && vl->a->vr ? vl->a->vr->host : NULL;
	const char *ends[2] = {vl->end_a, vl->end_b};
	struct nl_sock *sk;
	int i, idx;

	if (!pl) {
		if (!ha)
			return 0;
		if (vnm_lnl_sock(c, ha, &sk, err) < 0)
			goto fail;
		for (i = 0; i < 2; i++) {
			idx = vnm_lnl_ifindex(sk, ends[i]);
			if (idx > 0 && root_del(c, sk, idx, ends[i], ha, err) < 0)
				goto fail;
		}
		return 0;
	}
	if ((pl->src && pl->src->host && vl_unshape_end(c, vl, pl, pl->src, err) < 0) ||
	    (pl->dst && pl->dst->host && vl_unshape_end(c, vl, pl, pl->dst, err) < 0))
		goto fail;
	return 0;
fail:
	vnm_err_prefix(err, "link %s/%s", vl->vn->name, vl->name);
	vnm_lnl_path_vl(vl, err->path, sizeof(err->path));
	return -1;
}
