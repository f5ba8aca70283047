/*
 * link_tcmsg.c - the traffic-control messages of the link driver, built
 * with libnl-route-3 and never sent from here (link_tc.c sends them; the
 * unit tests parse them): the HTB root with its size table, the child HTB
 * qdisc of a VNI bucket, HTB classes, the u32 filters (the VNI hash table,
 * a bucket's, a VL's), netem, TBF, deletions; and the parameters they are
 * made from (quantum, class minors, a bucket's shaping).
 *
 * libnl has no setter for a qdisc's size table: TCA_STAB is appended to
 * the message libnl builds.
 */
#include "link_int.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/class.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

/* ------------------------------------------------------------------ */
/* Parameters                                                         */
/* ------------------------------------------------------------------ */

uint32_t vnm_lnl_quantum(const struct vnm_shape *s)
{
	(void)s;
	/* One full frame: DRR rounds stay fair at any rate and the kernel's
	 * rate/r2q quantum (warned about above 200000) is never used. */
	return VNM_FRAME_BYTES;
}

uint32_t vnm_lnl_vl_minor(const struct vnm_vl *vl)
{
	uint32_t h = 2166136261U;
	const char *p;

	for (p = vl->id; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619U;
	return VNM_TC_VL_MINOR_MIN + h % (VNM_TC_VL_MINOR_MAX - VNM_TC_VL_MINOR_MIN + 1);
}

/* The majors of the buckets' child qdiscs and back (link_int.h). */
static uint16_t group_major[VNM_TC_VNI_BUCKETS];
static int16_t group_bkt[0x200]; /* by major - 0x7700, -1: none */
static pthread_once_t group_once = PTHREAD_ONCE_INIT;

static void group_init(void)
{
	uint32_t m, b = 0;

	for (m = 0; m < sizeof(group_bkt) / sizeof(group_bkt[0]); m++)
		group_bkt[m] = -1;
	for (m = 0x7700U; b < VNM_TC_VNI_BUCKETS; m++) {
		/* hash_32(m << 16, 4): the top 4 bits of (m << 16) times the
		 * golden ratio 0x61c88647, i.e. of the low 16 bits of m *
		 * 0x8647; handle 0's bucket is 0 */
		if (!(((m * 0x8647U) & 0xffffU) >> 12))
			continue;
		group_major[b] = (uint16_t)m;
		group_bkt[m - 0x7700U] = (int16_t)b++;
	}
}

uint32_t vnm_lnl_group_major(uint32_t b)
{
	pthread_once(&group_once, group_init);
	return group_major[b & 0xffU];
}

int vnm_lnl_group_bkt(uint32_t handle)
{
	uint32_t maj = TC_H_MAJ(handle) >> 16;

	pthread_once(&group_once, group_init);
	if (maj < 0x7700U || maj - 0x7700U >= sizeof(group_bkt) / sizeof(group_bkt[0]))
		return -1;
	return group_bkt[maj - 0x7700U];
}

uint32_t vnm_lnl_bucket_quantum(uint32_t n_vls)
{
	/* Spare capacity goes round the classes that borrow it, a quantum
	 * each turn: a VL class's is one frame, so under the flat layout
	 * every busy VL got an equal part.  A bucket's class takes a frame per
	 * VL, so its busy VLs still get about theirs, up to where the kernel
	 * warns about big quanta (200,000 bytes: 132 VLs a bucket, 33,000 an
	 * interface). */
	uint32_t n = n_vls ? n_vls : 1, max = 200000 / VNM_FRAME_BYTES;

	return (n < max ? n : max) * VNM_FRAME_BYTES;
}

void vnm_lnl_bucket_shape(const struct vnm_plink *pl, const struct vnm_lnl_tcbkt *bk,
			  struct vnm_shape *bucket, struct vnm_shape *inner)
{
	struct vnm_shape parent, dflt;

	/* the figures are the core's: the default class's ceiling is the
	 * capacity in VL frames and its burst the one of that rate, the
	 * bucket's guarantee is what its VLs were given */
	vnm_plink_shape(pl, &parent, &dflt);
	memset(bucket, 0, sizeof(*bucket));
	bucket->rate = bk->rate ? bk->rate : dflt.rate;
	bucket->ceil = dflt.ceil > bucket->rate ? dflt.ceil : bucket->rate;
	bucket->burst = bk->burst ? (bk->burst > UINT32_MAX ? UINT32_MAX : (uint32_t)bk->burst)
				  : dflt.burst;
	bucket->cburst = dflt.cburst > bucket->burst ? dflt.cburst : bucket->burst;
	memset(inner, 0, sizeof(*inner));
	inner->rate = inner->ceil = dflt.ceil;
	inner->burst = inner->cburst = dflt.cburst;
}

/* ------------------------------------------------------------------ */
/* Messages                                                           */
/* ------------------------------------------------------------------ */

static int put_stab(struct nl_msg *msg, int overhead)
{
	struct tc_sizespec s;
	struct nlattr *nest;

	memset(&s, 0, sizeof(s));
	s.overhead = overhead;
	s.linklayer = TC_LINKLAYER_ETHERNET;
	nest = nla_nest_start(msg, TCA_STAB);
	if (!nest || nla_put(msg, TCA_STAB_BASE, sizeof(s), &s) < 0)
		return -NLE_MSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* A qdisc of kind on ifindex under parent with handle: NULL with *rc set
 * (a negative libnl error) when it cannot be made. */
static struct rtnl_qdisc *qdisc_new(int ifindex, uint32_t parent, uint32_t handle,
				    const char *kind, int *rc)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();

	*rc = -NLE_NOMEM;
	if (!q)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rtnl_tc_set_handle(TC_CAST(q), handle);
	if ((*rc = rtnl_tc_set_kind(TC_CAST(q), kind)) < 0) {
		rtnl_qdisc_put(q);
		return NULL;
	}
	return q;
}

int vnm_lnl_msg_htb_root(int ifindex, uint32_t defcls, int stab_overhead, bool replace,
			 struct nl_msg **out)
{
	struct rtnl_qdisc *q;
	int rc;

	*out = NULL;
	if (!(q = qdisc_new(ifindex, TC_H_ROOT, VNM_TC_ROOT, "htb", &rc)))
		return rc;
	if ((rc = rtnl_htb_set_defcls(q, defcls)) < 0)
		goto cleanup;
	rc = rtnl_qdisc_build_add_request(q, NLM_F_CREATE |
					     (replace ? NLM_F_REPLACE : NLM_F_EXCL), out);
	if (!rc && stab_overhead && (rc = put_stab(*out, stab_overhead)) < 0) {
		nlmsg_free(*out);
		*out = NULL;
	}
cleanup:
	rtnl_qdisc_put(q);
	return rc;
}

int vnm_lnl_msg_htb_child(int ifindex, uint32_t parent, uint32_t handle, struct nl_msg **out)
{
	struct rtnl_qdisc *q;
	int rc;

	*out = NULL;
	if (!(q = qdisc_new(ifindex, parent, handle, "htb", &rc)))
		return rc;
	/* default 0: what no filter of the child claims is sent from its
	 * direct queue, shaped by the bucket class above it */
	if ((rc = rtnl_htb_set_defcls(q, 0)) >= 0)
		rc = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, out);
	rtnl_qdisc_put(q);
	return rc;
}

static int htb_class(int ifindex, uint32_t parent, uint32_t classid, const struct vnm_shape *s,
		     uint32_t overhead, uint32_t quantum, bool create, struct nl_msg **out)
{
	struct rtnl_class *cl;
	int rc;

	*out = NULL;
	cl = rtnl_class_alloc();
	if (!cl)
		return -NLE_NOMEM;
	rtnl_tc_set_ifindex(TC_CAST(cl), ifindex);
	rtnl_tc_set_parent(TC_CAST(cl), parent);
	rtnl_tc_set_handle(TC_CAST(cl), classid);
	if (overhead)
		rtnl_tc_set_overhead(TC_CAST(cl), overhead);
	if ((rc = rtnl_tc_set_kind(TC_CAST(cl), "htb")) < 0 ||
	    (rc = rtnl_htb_set_rate64(cl, s->rate / 8)) < 0 ||
	    (rc = rtnl_htb_set_ceil64(cl, s->ceil / 8)) < 0 ||
	    (rc = rtnl_htb_set_rbuffer(cl, s->burst)) < 0 ||
	    (rc = rtnl_htb_set_cbuffer(cl, s->cburst)) < 0 ||
	    (rc = rtnl_htb_set_quantum(cl, quantum)) < 0)
		goto cleanup;
	rc = rtnl_class_build_add_request(cl, create ? NLM_F_CREATE : 0, out);
cleanup:
	rtnl_class_put(cl);
	return rc;
}

int vnm_lnl_msg_htb_class(int ifindex, uint32_t parent, uint32_t classid,
			  const struct vnm_shape *s, uint32_t overhead, bool create,
			  struct nl_msg **out)
{
	return htb_class(ifindex, parent, classid, s, overhead, vnm_lnl_quantum(s), create, out);
}

int vnm_lnl_msg_htb_bucket(int ifindex, uint32_t bkt, const struct vnm_shape *s, uint32_t n_vls,
			   bool create, struct nl_msg **out)
{
	return htb_class(ifindex, VNM_TC_ROOT | VNM_TC_PARENT_MINOR,
			 VNM_TC_ROOT | VNM_TC_BUCKET_MINOR(bkt), s, 0, vnm_lnl_bucket_quantum(n_vls),
			 create, out);
}

/* The add request of a new u32 filter (never over an existing one) after
 * its parameters were set with rc the last setter's result; f is put. */
static int u32_add(struct rtnl_cls *f, int rc, struct nl_msg **out)
{
	if (rc >= 0)
		rc = rtnl_cls_build_add_request(f, NLM_F_CREATE | NLM_F_EXCL, out);
	rtnl_cls_put(f);
	return rc;
}

static struct rtnl_cls *u32_alloc(int ifindex, uint32_t parent, uint32_t handle)
{
	struct rtnl_cls *f = rtnl_cls_alloc();

	if (!f)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(f), ifindex);
	rtnl_tc_set_parent(TC_CAST(f), parent);
	rtnl_cls_set_prio(f, VNM_TC_U32_PRIO);
	rtnl_cls_set_protocol(f, ETH_P_IP);
	if (rtnl_tc_set_kind(TC_CAST(f), "u32") < 0) {
		rtnl_cls_put(f);
		return NULL;
	}
	rtnl_u32_set_handle(f, (int)VNM_U32_HTID(handle), (int)VNM_U32_BKT(handle),
			    (int)VNM_U32_NODE(handle));
	return f;
}

int vnm_lnl_msg_u32_table(int ifindex, struct nl_msg **out)
{
	struct rtnl_cls *f;

	*out = NULL;
	f = u32_alloc(ifindex, VNM_TC_ROOT, VNM_U32_HANDLE(VNM_TC_VNI_HTID, 0, 0));
	if (!f)
		return -NLE_NOMEM;
	return u32_add(f, rtnl_u32_set_divisor(f, VNM_TC_VNI_BUCKETS), out);
}

int vnm_lnl_u32_udp(struct rtnl_cls *f, uint16_t dport)
{
	int rc;

	/* IPv4 without options (ihl 5), UDP, dport (offsets from the IP
	 * header) */
	if ((rc = rtnl_u32_add_key_uint8(f, 0x05, 0x0f, 0, 0)) < 0 ||
	    (rc = rtnl_u32_add_key_uint8(f, IPPROTO_UDP, 0xff, 9, 0)) < 0)
		return rc;
	return rtnl_u32_add_key_uint16(f, dport, 0xffff, 22, 0);
}

int vnm_lnl_msg_u32_link(int ifindex, const struct vnm_lnl_encap *e, struct nl_msg **out)
{
	struct rtnl_cls *f;
	int rc;

	*out = NULL;
	f = u32_alloc(ifindex, VNM_TC_ROOT,
		      VNM_U32_HANDLE(VNM_TC_U32_HTID, 0, VNM_TC_U32_LINK_NODE));
	if (!f)
		return -NLE_NOMEM;
	/* the encapsulation's packets, on to the bucket of their key */
	if ((rc = e->match(f)) >= 0)
		rc = rtnl_u32_set_link(f, VNM_U32_HANDLE(VNM_TC_VNI_HTID, 0, 0));
	return u32_add(f, rc, out);
}

int vnm_lnl_msg_u32_bucket(int ifindex, uint32_t bkt, struct nl_msg **out)
{
	uint32_t handle = VNM_U32_HANDLE(VNM_TC_VNI_HTID, bkt, VNM_TC_BUCKET_NODE);
	struct rtnl_cls *f;
	int rc;

	*out = NULL;
	f = u32_alloc(ifindex, VNM_TC_ROOT, handle);
	if (!f)
		return -NLE_NOMEM;
	/* everything in the bucket (the link filter's match brought it) */
	if ((rc = rtnl_u32_set_hashtable(f, handle & ~0xfffU)) >= 0 &&
	    (rc = rtnl_u32_add_key_uint32(f, 0, 0, 0, 0)) >= 0 &&
	    (rc = rtnl_u32_set_classid(f, VNM_TC_ROOT | VNM_TC_BUCKET_MINOR(bkt))) >= 0)
		rc = rtnl_u32_set_cls_terminal(f);
	return u32_add(f, rc, out);
}

int vnm_lnl_msg_u32_vni(int ifindex, uint32_t parent, const struct vnm_lnl_encap *e,
			uint32_t key, uint32_t handle, uint32_t classid, struct nl_msg **out)
{
	struct rtnl_cls *f;
	int rc;

	*out = NULL;
	f = u32_alloc(ifindex, parent, handle);
	if (!f)
		return -NLE_NOMEM;
	if ((rc = rtnl_u32_set_hashtable(f, handle & ~0xfffU)) >= 0 &&
	    (rc = e->match_key(f, key)) >= 0 &&
	    (rc = rtnl_u32_set_classid(f, classid)) >= 0)
		rc = rtnl_u32_set_cls_terminal(f);
	return u32_add(f, rc, out);
}

int vnm_lnl_msg_netem(int ifindex, uint32_t parent, uint32_t handle, uint32_t delay_us,
		      uint32_t jitter_us, uint32_t loss_ppm, struct nl_msg **out)
{
	struct rtnl_qdisc *q;
	int rc;

	*out = NULL;
	if (!(q = qdisc_new(ifindex, parent, handle, "netem", &rc)))
		return rc;
	rtnl_netem_set_limit(q, 1000);
	rtnl_netem_set_delay(q, (int)delay_us);
	rtnl_netem_set_jitter(q, (int)jitter_us);
	/* netem's loss is a probability scaled to 2^32 - 1 */
	rtnl_netem_set_loss(q, (int)(uint32_t)((double)loss_ppm / 1e6 * 4294967295.0));
	rc = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_REPLACE, out);
	rtnl_qdisc_put(q);
	return rc;
}

int vnm_lnl_msg_tbf(int ifindex, uint64_t rate, uint32_t burst, struct nl_msg **out)
{
	struct rtnl_qdisc *q;
	int rc;

	*out = NULL;
	if (!(q = qdisc_new(ifindex, TC_H_ROOT, VNM_TC_ROOT, "tbf", &rc)))
		return rc;
	rtnl_qdisc_tbf_set_limit(q, (int)(burst * 4));
	rtnl_qdisc_tbf_set_rate(q, (int)(rate / 8), (int)burst, 0);
	rc = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_REPLACE, out);
	rtnl_qdisc_put(q);
	return rc;
}

int vnm_lnl_msg_tc_del(int type, int ifindex, uint32_t parent, uint32_t handle,
		       uint32_t info, const char *kind, struct nl_msg **out)
{
	struct tcmsg t = {.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
			  .tcm_parent = parent, .tcm_handle = handle, .tcm_info = info};
	struct nl_msg *msg;

	*out = NULL;
	msg = nlmsg_alloc_simple(type, 0);
	if (!msg)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &t, sizeof(t), NLMSG_ALIGNTO) < 0 ||
	    (kind && nla_put_string(msg, TCA_KIND, kind) < 0)) {
		nlmsg_free(msg);
		return -NLE_MSGSIZE;
	}
	*out = msg;
	return 0;
}

int vnm_lnl_msg_qdisc_del(int ifindex, uint32_t parent, uint32_t handle, struct nl_msg **out)
{
	return vnm_lnl_msg_tc_del(RTM_DELQDISC, ifindex, parent, handle, 0, NULL, out);
}

int vnm_lnl_msg_class_del(int ifindex, uint32_t classid, struct nl_msg **out)
{
	return vnm_lnl_msg_tc_del(RTM_DELTCLASS, ifindex, 0, classid, 0, NULL, out);
}

int vnm_lnl_msg_u32_del(int ifindex, uint32_t parent, uint32_t handle, struct nl_msg **out)
{
	/* a filter is found by its qdisc, priority, protocol and handle */
	return vnm_lnl_msg_tc_del(RTM_DELTFILTER, ifindex, parent, handle,
				  TC_H_MAKE(VNM_TC_U32_PRIO << 16, htons(ETH_P_IP)), "u32", out);
}
