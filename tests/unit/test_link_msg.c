/* test_link_msg.c - the netlink messages the link driver would send, built
 * without a kernel and parsed back: HTB root with its size table, classes
 * changed in place, a VNI bucket's child HTB and shaping, the u32 VNI hash table and
 * filters (the bucket's in the root, a VL's in its bucket's child), netem,
 * VXLAN/veth/bridge devices;
 * tags; and the missing-netem refusal before any change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>

#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/utils.h>

#include "link_int.h"
#include "link_nl.h"

/* Attributes of a message after its family header. */
/* The VXLAN row's overhead: outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8. */
#define VXLAN_OH ((int)vnm_lnl_encap_vxlan.overhead)

static struct nlmsghdr *parse(struct nl_msg *msg, size_t hdrlen, struct nlattr **tb, int max)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	assert_int_equal(nlmsg_parse(h, (int)hdrlen, tb, max, NULL), 0);
	return h;
}

static void parse_nested(struct nlattr *a, struct nlattr **tb, int max)
{
	assert_non_null(a);
	assert_int_equal(nla_parse_nested(tb, max, a, NULL), 0);
}

static void htb_root_has_size_table_and_default(void **state)
{
	struct nlattr *tb[TCA_MAX + 1], *opt[TCA_HTB_MAX + 1], *stab[TCA_STAB_MAX + 1];
	struct nl_msg *msg = NULL;
	struct tc_htb_glob glob;
	struct tc_sizespec sz;
	struct nlmsghdr *h;
	struct tcmsg *t;

	(void)state;
	assert_int_equal(vnm_lnl_msg_htb_root(7, VNM_TC_DEFAULT_MINOR, -VXLAN_OH, false,
					      &msg), 0);
	h = parse(msg, sizeof(struct tcmsg), tb, TCA_MAX);
	t = nlmsg_data(h);
	assert_int_equal(h->nlmsg_type, RTM_NEWQDISC);
	assert_true(h->nlmsg_flags & NLM_F_CREATE);
	assert_true(h->nlmsg_flags & NLM_F_EXCL);
	assert_int_equal(t->tcm_ifindex, 7);
	assert_int_equal(t->tcm_parent, TC_H_ROOT);
	assert_int_equal(t->tcm_handle, 0x766e0000);
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "htb");
	parse_nested(tb[TCA_OPTIONS], opt, TCA_HTB_MAX);
	assert_non_null(opt[TCA_HTB_INIT]);
	memcpy(&glob, nla_data(opt[TCA_HTB_INIT]), sizeof(glob));
	/* HTB takes the minor only and adds its own major */
	assert_int_equal(glob.defcls, VNM_TC_DEFAULT_MINOR);
	/* the size table makes every class count the VL's inner frames */
	parse_nested(tb[TCA_STAB], stab, TCA_STAB_MAX);
	assert_non_null(stab[TCA_STAB_BASE]);
	memcpy(&sz, nla_data(stab[TCA_STAB_BASE]), sizeof(sz));
	assert_int_equal(sz.overhead, -50);
	assert_int_equal(sz.tsize, 0);
	assert_null(stab[TCA_STAB_DATA]);
	nlmsg_free(msg);

	/* no overhead: no size table (veth ends of same-host VLs) */
	assert_int_equal(vnm_lnl_msg_htb_root(7, 1, 0, true, &msg), 0);
	h = parse(msg, sizeof(struct tcmsg), tb, TCA_MAX);
	assert_null(tb[TCA_STAB]);
	assert_true(h->nlmsg_flags & NLM_F_REPLACE);
	nlmsg_free(msg);
}

static void class_opts(struct nl_msg *msg, struct nlmsghdr **h, struct tc_htb_opt *o,
		       struct nlattr **opt)
{
	struct nlattr *tb[TCA_MAX + 1];

	*h = parse(msg, sizeof(struct tcmsg), tb, TCA_MAX);
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "htb");
	parse_nested(tb[TCA_OPTIONS], opt, TCA_HTB_MAX);
	assert_non_null(opt[TCA_HTB_PARMS]);
	memcpy(o, nla_data(opt[TCA_HTB_PARMS]), sizeof(*o));
}

static void htb_class_rates_bursts_quantum(void **state)
{
	struct vnm_shape s = {.rate = 16000000, .ceil = 32000000, .burst = 2000, .cburst = 4000};
	struct nlattr *opt[TCA_HTB_MAX + 1];
	struct nl_msg *msg = NULL;
	struct nlmsghdr *h;
	struct tc_htb_opt o;
	struct tcmsg *t;

	(void)state;
	assert_int_equal(vnm_lnl_msg_htb_class(3, 0x766e0001, 0x766e0010, &s, 0, true, &msg), 0);
	class_opts(msg, &h, &o, opt);
	t = nlmsg_data(h);
	assert_int_equal(h->nlmsg_type, RTM_NEWTCLASS);
	assert_true(h->nlmsg_flags & NLM_F_CREATE);
	assert_int_equal(t->tcm_parent, 0x766e0001);
	assert_int_equal(t->tcm_handle, 0x766e0010);
	assert_int_equal(o.rate.rate, 2000000);  /* bytes/s */
	assert_int_equal(o.ceil.rate, 4000000);
	assert_int_equal(o.quantum, VNM_FRAME_BYTES);
	assert_int_equal(o.rate.overhead, 0);
	/* buckets travel as transmission times at their rate */
	assert_int_equal(o.buffer, nl_us2ticks(2000 * 1000000ULL / 2000000));
	assert_int_equal(o.cbuffer, nl_us2ticks(4000 * 1000000ULL / 4000000));
	nlmsg_free(msg);
}

static void htb_class_change_is_in_place(void **state)
{
	struct vnm_shape s = {.rate = 30000000, .ceil = 30900000, .burst = 3750, .cburst = 3862};
	struct nlattr *opt[TCA_HTB_MAX + 1];
	struct nl_msg *msg = NULL;
	struct nlmsghdr *h;
	struct tc_htb_opt o;

	(void)state;
	/* what `tc class change` sends: RTM_NEWTCLASS without CREATE/EXCL,
	 * so the kernel changes the class and never makes a new one */
	assert_int_equal(vnm_lnl_msg_htb_class(3, 0x766e0001, 0x766e0010, &s, 0, false, &msg), 0);
	class_opts(msg, &h, &o, opt);
	assert_int_equal(h->nlmsg_type, RTM_NEWTCLASS);
	assert_false(h->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL | NLM_F_REPLACE));
	assert_int_equal(o.rate.rate, 3750000);
	nlmsg_free(msg);
}

static void htb_parent_counts_wire_bytes(void **state)
{
	struct vnm_shape s = {.rate = 32000000, .ceil = 32000000, .burst = 4000, .cburst = 4000};
	struct nlattr *opt[TCA_HTB_MAX + 1];
	struct nl_msg *msg = NULL;
	struct nlmsghdr *h;
	struct tc_htb_opt o;

	(void)state;
	assert_int_equal(vnm_lnl_msg_htb_class(3, VNM_TC_ROOT, VNM_TC_ROOT | 1, &s,
					       VXLAN_OH, true, &msg), 0);
	class_opts(msg, &h, &o, opt);
	assert_int_equal(o.rate.overhead, VXLAN_OH);
	assert_int_equal(o.ceil.overhead, VXLAN_OH);
	nlmsg_free(msg);
}

static void htb_class_above_32_bits(void **state)
{
	struct vnm_shape s = {.rate = 40000000000ULL, .ceil = 40000000000ULL, .burst = 5000000,
			      .cburst = 5000000};
	struct nlattr *opt[TCA_HTB_MAX + 1];
	struct nl_msg *msg = NULL;
	struct nlmsghdr *h;
	struct tc_htb_opt o;

	(void)state;
	assert_int_equal(vnm_lnl_msg_htb_class(3, VNM_TC_ROOT, VNM_TC_ROOT | 1, &s, 0, true, &msg),
			 0);
	class_opts(msg, &h, &o, opt);
	assert_non_null(opt[TCA_HTB_RATE64]);
	assert_true(nla_get_u64(opt[TCA_HTB_RATE64]) == 5000000000ULL);
	assert_non_null(opt[TCA_HTB_CEIL64]);
	nlmsg_free(msg);
}

static struct tc_u32_sel *u32_parse_in(struct nl_msg *msg, uint32_t parent, uint32_t handle,
				       struct nlattr **opt)
{
	struct nlattr *tb[TCA_MAX + 1];
	struct nlmsghdr *h;
	struct tcmsg *t;

	h = parse(msg, sizeof(struct tcmsg), tb, TCA_MAX);
	t = nlmsg_data(h);
	assert_int_equal(h->nlmsg_type, RTM_NEWTFILTER);
	assert_true(h->nlmsg_flags & NLM_F_EXCL); /* never over another's filter */
	assert_int_equal(t->tcm_parent, parent);
	assert_int_equal(t->tcm_handle, handle);
	assert_int_equal(TC_H_MAJ(t->tcm_info) >> 16, VNM_TC_U32_PRIO);
	assert_int_equal(TC_H_MIN(t->tcm_info), htons(ETH_P_IP));
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "u32");
	parse_nested(tb[TCA_OPTIONS], opt, TCA_U32_MAX);
	return opt[TCA_U32_SEL] ? nla_data(opt[TCA_U32_SEL]) : NULL;
}

static struct tc_u32_sel *u32_parse(struct nl_msg *msg, uint32_t handle, struct nlattr **opt)
{
	return u32_parse_in(msg, VNM_TC_ROOT, handle, opt);
}

static void u32_table_has_256_buckets(void **state)
{
	struct nlattr *opt[TCA_U32_MAX + 1];
	struct nl_msg *msg = NULL;

	(void)state;
	assert_int_equal(vnm_lnl_msg_u32_table(4, &msg), 0);
	assert_null(u32_parse(msg, 0x00100000, opt));
	assert_non_null(opt[TCA_U32_DIVISOR]);
	assert_int_equal(nla_get_u32(opt[TCA_U32_DIVISOR]), 256);
	assert_null(opt[TCA_U32_CLASSID]);
	nlmsg_free(msg);
}

static void u32_link_matches_vxlan_and_hashes_the_vni(void **state)
{
	struct nlattr *opt[TCA_U32_MAX + 1];
	struct nl_msg *msg = NULL;
	struct tc_u32_sel *sel;
	int i, seen = 0;

	(void)state;
	assert_int_equal(vnm_lnl_msg_u32_link(4, &vnm_lnl_encap_vxlan, &msg), 0);
	sel = u32_parse(msg, 0x80000fff, opt);
	assert_non_null(sel);
	assert_int_equal(nla_get_u32(opt[TCA_U32_LINK]), 0x00100000);
	assert_null(opt[TCA_U32_CLASSID]);
	/* bucket = the VNI's low byte: the VXLAN header's second word is
	 * VNI << 8, 32 bytes after the IP header */
	assert_int_equal(ntohl(sel->hmask), 0x0000ff00);
	assert_int_equal(sel->hoff, 32);
	assert_int_equal(sel->nkeys, 3);
	for (i = 0; i < sel->nkeys; i++) {
		uint32_t v = ntohl(sel->keys[i].val), m = ntohl(sel->keys[i].mask);

		switch (sel->keys[i].off) {
		case 0: /* ihl 5: no IP options, so the offsets below hold */
			assert_int_equal(m, 0x0f000000);
			assert_int_equal(v, 0x05000000);
			seen |= 1;
			break;
		case 8: /* protocol UDP */
			assert_int_equal(m, 0x00ff0000);
			assert_int_equal(v, 17 << 16);
			seen |= 2;
			break;
		case 20: /* destination port 4789 */
			assert_int_equal(m, 0x0000ffff);
			assert_int_equal(v, 4789);
			seen |= 4;
			break;
		default:
			fail_msg("unexpected key at offset %d", sel->keys[i].off);
		}
	}
	assert_int_equal(seen, 7);
	nlmsg_free(msg);
}

/* Bucket 0xef of the root's hash table: one filter, everything to the
 * bucket's class. */
static void u32_bucket_filter_sends_to_the_bucket_class(void **state)
{
	struct nlattr *opt[TCA_U32_MAX + 1];
	struct nl_msg *msg = NULL;
	struct tc_u32_sel *sel;

	(void)state;
	assert_int_equal(vnm_lnl_msg_u32_bucket(4, 0xef, &msg), 0);
	sel = u32_parse(msg, 0x001effff, opt);
	assert_non_null(sel);
	assert_int_equal(nla_get_u32(opt[TCA_U32_HASH]), 0x001ef000);
	assert_int_equal(nla_get_u32(opt[TCA_U32_CLASSID]), 0x766e01ef);
	assert_true(sel->flags & TC_U32_TERMINAL);
	assert_int_equal(sel->nkeys, 1);
	assert_int_equal(sel->keys[0].mask, 0);
	nlmsg_free(msg);
}

static void u32_filter_matches_the_vni_in_its_bucket(void **state)
{
	struct nlattr *opt[TCA_U32_MAX + 1];
	struct nl_msg *msg = NULL;
	struct tc_u32_sel *sel;
	uint32_t handle = VNM_U32_HANDLE(VNM_TC_U32_HTID, 0, 0x123);

	(void)state;
	assert_int_equal(handle, 0x80000123);
	/* in the child qdisc of the VNI's bucket (0xef), to a class there */
	assert_int_equal(vnm_lnl_msg_u32_vni(4, VNM_TC_GROUP(0xef), &vnm_lnl_encap_vxlan, 0xabcdef,
					     handle, VNM_TC_GROUP(0xef) | 0x123, &msg), 0);
	sel = u32_parse_in(msg, VNM_TC_GROUP(0xef), handle, opt);
	assert_non_null(sel);
	/* the child's own table 800: */
	assert_int_equal(nla_get_u32(opt[TCA_U32_HASH]), 0x80000000);
	assert_int_equal(nla_get_u32(opt[TCA_U32_CLASSID]), VNM_TC_GROUP(0xef) | 0x123);
	assert_true(sel->flags & TC_U32_TERMINAL);
	assert_int_equal(sel->nkeys, 1);
	assert_int_equal(sel->keys[0].off, 32);
	assert_int_equal(ntohl(sel->keys[0].mask), 0xffffff00);
	assert_int_equal(ntohl(sel->keys[0].val), 0xabcdef00);
	/* what a dump of that filter gives back is the VNI */
	assert_int_equal(vnm_lnl_encap_key_of(sel->keys[0].val, sel->keys[0].mask,
					      sel->keys[0].off), 0xabcdef);
	assert_int_equal(vnm_lnl_encap_key_of(sel->keys[0].val, sel->keys[0].mask, 28), -1);
	nlmsg_free(msg);
}

/* The buckets' child qdiscs: 256 distinct majors from 0x7700 up, found
 * back from any handle of theirs, none the root's, none where the
 * kernel's qdisc hash puts handle 0 (the default leaf of every class). */
static void group_majors(void **state)
{
	uint32_t b, m;

	(void)state;
	for (b = 0; b < VNM_TC_VNI_BUCKETS; b++) {
		m = vnm_lnl_group_major(b);
		assert_true(m >= 0x7700 && m < 0x7900 && m != VNM_TC_MAJOR);
		assert_int_equal(VNM_TC_GROUP(b), m << 16);
		assert_int_equal(VNM_TC_GROUP_BKT(VNM_TC_GROUP(b) | 0x42), (int)b);
		/* hash_32(handle, 4) of the kernel's qdisc hash */
		assert_true(((m << 16) * 0x61c88647U) >> 28 != 0);
		if (b) /* increasing: distinct */
			assert_true(m > vnm_lnl_group_major(b - 1));
	}
	assert_int_equal(VNM_TC_GROUP_BKT(VNM_TC_ROOT | 5), -1);
	assert_int_equal(VNM_TC_GROUP_BKT(0x77000000), -1); /* hashed like 0: skipped */
	assert_int_equal(VNM_TC_GROUP_BKT(0x10000), -1);
}

/* A bucket's child HTB: under the bucket class, never over an existing
 * qdisc, no default class (its direct queue takes what no filter
 * claims). */
static void htb_child_of_a_bucket(void **state)
{
	struct nlattr *tb[TCA_MAX + 1], *opt[TCA_HTB_MAX + 1];
	struct nl_msg *msg = NULL;
	struct tc_htb_glob glob;
	struct nlmsghdr *h;
	struct tcmsg *t;

	(void)state;
	assert_int_equal(vnm_lnl_msg_htb_child(7, VNM_TC_ROOT | VNM_TC_BUCKET_MINOR(5),
					       VNM_TC_GROUP(5), &msg), 0);
	h = parse(msg, sizeof(struct tcmsg), tb, TCA_MAX);
	t = nlmsg_data(h);
	assert_int_equal(h->nlmsg_type, RTM_NEWQDISC);
	assert_true(h->nlmsg_flags & NLM_F_EXCL);
	assert_int_equal(t->tcm_parent, 0x766e0105);
	assert_int_equal(t->tcm_handle, VNM_TC_GROUP(5));
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "htb");
	assert_null(tb[TCA_STAB]);
	parse_nested(tb[TCA_OPTIONS], opt, TCA_HTB_MAX);
	memcpy(&glob, nla_data(opt[TCA_HTB_INIT]), sizeof(glob));
	assert_int_equal(glob.defcls, 0);
	nlmsg_free(msg);
}

/* A bucket's class guarantees its VLs' rates summed, may reach the
 * capacity; its child's capacity class is the capacity. */
static void bucket_shape_sums_its_vls(void **state)
{
	struct vnm_plink pl = {.capacity = 100000000};
	struct vnm_lnl_tcbkt bk = {.rate = 3000000, .burst = 3000, .n = 2};
	struct vnm_shape b, in;

	(void)state;
	vnm_lnl_bucket_shape(&pl, &bk, &b, &in);
	assert_int_equal(b.rate, 3000000);
	assert_int_equal(b.ceil, 100000000);
	assert_int_equal(b.burst, 3000);
	assert_true(b.cburst >= b.burst);
	assert_int_equal(in.rate, 100000000);
	assert_int_equal(in.ceil, 100000000);
	assert_false(b.netem || in.netem);
	/* the bucket's class: under the capacity class, a frame of quantum per
	 * VL (spare capacity shared by busy VLs, not by buckets), no more than
	 * the kernel warns about */
	{
		struct nlattr *opt[TCA_HTB_MAX + 1];
		struct nl_msg *msg = NULL;
		struct nlmsghdr *h;
		struct tc_htb_opt o;
		struct tcmsg *t;

		assert_int_equal(vnm_lnl_msg_htb_bucket(3, 0x2a, &b, 2, false, &msg), 0);
		class_opts(msg, &h, &o, opt);
		t = nlmsg_data(h);
		assert_false(h->nlmsg_flags & NLM_F_CREATE);
		assert_int_equal(t->tcm_parent, 0x766e0001);
		assert_int_equal(t->tcm_handle, 0x766e012a);
		assert_int_equal(o.rate.rate, 3000000 / 8);
		assert_int_equal(o.quantum, 2 * VNM_FRAME_BYTES);
		nlmsg_free(msg);
	}
	assert_int_equal(vnm_lnl_bucket_quantum(0), VNM_FRAME_BYTES);
	assert_int_equal(vnm_lnl_bucket_quantum(40), 40 * VNM_FRAME_BYTES);
	assert_true(vnm_lnl_bucket_quantum(4000) <= 200000);
	/* an empty bucket still has a rate HTB takes */
	bk.rate = 0;
	bk.burst = 0;
	vnm_lnl_bucket_shape(&pl, &bk, &b, &in);
	assert_true(b.rate > 0);
	assert_true(b.burst > 0);
}

/* The table of encapsulations: VXLAN is the default row, its overhead
 * is what the core counts, and a name without a row has none. */
static void encap_table(void **state)
{
	(void)state;
	assert_ptr_equal(vnm_lnl_encap_find(NULL), &vnm_lnl_encap_vxlan);
	assert_ptr_equal(vnm_lnl_encap_find("vxlan"), &vnm_lnl_encap_vxlan);
	assert_null(vnm_lnl_encap_find("geneve"));
	assert_int_equal(vnm_lnl_encap_overhead("vxlan"), 50);
	assert_int_equal(vnm_link_nl_ops.encap_overhead(NULL), 50);
	assert_int_equal(vnm_link_nl_ops.encap_overhead("geneve"), -1);
}

static void netem_message(void **state)
{
	struct nlattr *tb[TCA_MAX + 1];
	struct tc_netem_qopt q;
	struct nl_msg *msg = NULL;
	struct nlmsghdr *h;
	struct tcmsg *t;

	(void)state;
	/* 10 ms delay, 2 ms jitter, 1% loss under the VL's class */
	assert_int_equal(vnm_lnl_msg_netem(5, 0x766e0010, 0x70100000, 10000, 2000, 10000, &msg),
			 0);
	h = parse(msg, sizeof(struct tcmsg), tb, TCA_MAX);
	t = nlmsg_data(h);
	assert_int_equal(h->nlmsg_type, RTM_NEWQDISC);
	assert_true(h->nlmsg_flags & NLM_F_CREATE);
	assert_int_equal(t->tcm_ifindex, 5);
	assert_int_equal(t->tcm_parent, 0x766e0010);
	assert_int_equal(t->tcm_handle, 0x70100000);
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "netem");
	assert_non_null(tb[TCA_OPTIONS]);
	assert_true(nla_len(tb[TCA_OPTIONS]) >= (int)sizeof(q));
	memcpy(&q, nla_data(tb[TCA_OPTIONS]), sizeof(q));
	assert_int_equal(q.latency, nl_us2ticks(10000));
	assert_int_equal(q.jitter, nl_us2ticks(2000));
	assert_int_equal(q.limit, 1000);
	/* 1% of 2^32 - 1 */
	assert_true(q.loss >= 42949672U - 1 && q.loss <= 42949673U);
	nlmsg_free(msg);
}

static struct nlattr *info_data(struct nl_msg *msg, const char *kind, struct nlattr **tb)
{
	struct nlattr *li[IFLA_INFO_MAX + 1];

	parse(msg, sizeof(struct ifinfomsg), tb, IFLA_MAX);
	parse_nested(tb[IFLA_LINKINFO], li, IFLA_INFO_MAX);
	assert_string_equal(nla_get_string(li[IFLA_INFO_KIND]), kind);
	return li[IFLA_INFO_DATA];
}

/* The route of a bond: rm1 and rm2 joined by b1 (30 Mbit/s) and b2 (10),
 * VL x over both; seen from rm1. */
static void bond_route(void **state)
{
	struct vnm_host h[2] = {{.name = "rm1", .tunnel_addr = "10.99.0.1"},
				{.name = "rm2", .tunnel_addr = "10.99.0.2"}};
	struct vnm_host_if e[4] = {{.ifname = "a1", .host = &h[0]}, {.ifname = "b1", .host = &h[1]},
				   {.ifname = "a2", .host = &h[0]}, {.ifname = "b2", .host = &h[1]}};
	struct vnm_plink pl[2] = {{.name = "b1", .src = &e[0], .dst = &e[1], .capacity = 30000000},
				  {.name = "b2", .src = &e[3], .dst = &e[2], .capacity = 10000000}};
	struct vnm_plink *pls[2] = {&pl[0], &pl[1]};
	struct vnm_vn vn = {.name = "a"};
	struct vnm_vr vr[2] = {{.name = "vr1", .vn = &vn, .host = &h[0]},
			       {.name = "vr2", .vn = &vn, .host = &h[1]}};
	struct vnm_vnic nic[2] = {{.name = "e0", .vr = &vr[0]}, {.name = "e0", .vr = &vr[1]}};
	struct vnm_vl vl = {.name = "x", .vn = &vn, .a = &nic[0], .b = &nic[1], .plinks = pls,
			    .n_plinks = 2};
	struct nlattr *tb[RTA_MAX + 1];
	const struct rtnexthop *nh;
	struct nl_msg *msg = NULL;
	const struct rtmsg *rtm;
	int idx[2] = {7, 9}, len, n = 0;
	struct in_addr a;

	(void)state;
	assert_true(vnm_vl_bonded(&vl));
	assert_int_equal(vnm_lnl_msg_bond_route(&vl, &h[0], idx, &msg), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, RTM_NEWROUTE);
	/* idempotent: the route is replaced whatever it was */
	assert_true(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_REPLACE);
	rtm = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(rtm->rtm_protocol, VNM_RTPROT);
	assert_int_equal(rtm->rtm_dst_len, 32);
	assert_int_equal(nlmsg_parse(nlmsg_hdr(msg), sizeof(*rtm), tb, RTA_MAX, NULL), 0);
	memcpy(&a, nla_data(tb[RTA_DST]), sizeof(a));
	assert_string_equal(inet_ntoa(a), "10.99.0.2");
	assert_non_null(tb[RTA_MULTIPATH]);
	nh = nla_data(tb[RTA_MULTIPATH]);
	for (len = nla_len(tb[RTA_MULTIPATH]); RTNH_OK(nh, len); nh = RTNH_NEXT(nh), n++) {
		/* each link's interface on rm1, gateway the far tunnel address on
		 * link, weight by capacity (rtnh_hops is the weight less one) */
		assert_int_equal(nh->rtnh_ifindex, idx[n]);
		assert_true(nh->rtnh_flags & RTNH_F_ONLINK);
		assert_int_equal(nh->rtnh_hops, n == 0 ? 255 : 84);
		len -= (int)NLMSG_ALIGN(nh->rtnh_len);
	}
	assert_int_equal(n, 2);
	nlmsg_free(msg);
	/* its removal names vnmd's protocol: another route to that address
	 * (the operator's) is not vnmd's to remove */
	assert_int_equal(vnm_lnl_msg_bond_route_del(&vl, &h[1], &msg), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, RTM_DELROUTE);
	rtm = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(rtm->rtm_protocol, VNM_RTPROT);
	assert_int_equal(nlmsg_parse(nlmsg_hdr(msg), sizeof(*rtm), tb, RTA_MAX, NULL), 0);
	memcpy(&a, nla_data(tb[RTA_DST]), sizeof(a));
	assert_string_equal(inet_ntoa(a), "10.99.0.1");
	nlmsg_free(msg);
}

static void vxlan_device(void **state)
{
	const struct vnm_lnl_encap *vx = &vnm_lnl_encap_vxlan;
	struct nlattr *tb[IFLA_MAX + 1], *vd[IFLA_VXLAN_MAX + 1];
	struct nl_msg *msg = NULL;
	struct in_addr a;

	(void)state;
	assert_int_equal(vx->msg_create("vnx0123abcda", 4242, "10.99.0.1", "10.99.0.2", 0, &msg), 0);
	assert_true(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_EXCL);
	parse_nested(info_data(msg, "vxlan", tb), vd, IFLA_VXLAN_MAX);
	assert_string_equal(nla_get_string(tb[IFLA_IFNAME]), "vnx0123abcda");
	/* made in the half-made group: a kill before it is tagged leaves an
	 * interface the next run still knows as its own */
	assert_int_equal(nla_get_u32(tb[IFLA_GROUP]), VNM_HALF_GROUP);
	assert_int_equal(nla_get_u32(tb[IFLA_MTU]), 1500);
	assert_int_equal(nla_get_u32(tb[IFLA_GSO_MAX_SEGS]), 1);
	/* guests' GSO packets (gso_segs not yet counted) split by size */
	assert_int_equal(nla_get_u32(tb[IFLA_GSO_MAX_SIZE]), VNM_FRAME_BYTES);
	assert_int_equal(nla_get_u32(vd[IFLA_VXLAN_ID]), 4242);
	/* a be16 of exactly 2 bytes (the kernel warns about any other size) */
	assert_int_equal(nla_len(vd[IFLA_VXLAN_PORT]), 2);
	assert_int_equal(ntohs(nla_get_u16(vd[IFLA_VXLAN_PORT])), 4789);
	assert_int_equal(nla_len(vd[IFLA_VXLAN_ID]), 4);
	assert_int_equal(nla_len(vd[IFLA_VXLAN_LOCAL]), 4);
	assert_int_equal(nla_get_u8(vd[IFLA_VXLAN_LEARNING]), 0);
	memcpy(&a, nla_data(vd[IFLA_VXLAN_LOCAL]), sizeof(a));
	assert_string_equal(inet_ntoa(a), "10.99.0.1");
	memcpy(&a, nla_data(vd[IFLA_VXLAN_GROUP]), sizeof(a));
	assert_string_equal(inet_ntoa(a), "10.99.0.2");
	/* the default TOS: the tunnel's own (its cached route) */
	assert_null(vd[IFLA_VXLAN_TOS]);
	nlmsg_free(msg);
	/* a bonded VL's end: a TOS, so that each packet's route is looked up */
	assert_int_equal(vx->msg_create("vnx0123abcda", 4242, "10.99.0.1", "10.99.0.2",
					VNM_BOND_TOS, &msg), 0);
	parse_nested(info_data(msg, "vxlan", tb), vd, IFLA_VXLAN_MAX);
	assert_int_equal(nla_get_u8(vd[IFLA_VXLAN_TOS]), VNM_BOND_TOS);
	nlmsg_free(msg);

	assert_true(vx->msg_create("vnxbad", 1, "not-an-address", "10.0.0.1", 0, &msg) < 0);
	assert_null(msg);
	/* both ends of a tunnel speak the same IP version */
	assert_true(vx->msg_create("vnxbad", 1, "10.0.0.1", "2001:db8::1", 0, &msg) < 0);
	assert_null(msg);
	assert_int_equal(vx->msg_create("vnx6", 7, "2001:db8::1", "2001:db8::2", 0, &msg), 0);
	parse_nested(info_data(msg, "vxlan", tb), vd, IFLA_VXLAN_MAX);
	assert_int_equal(nla_len(vd[IFLA_VXLAN_LOCAL6]), 16);
	assert_int_equal(nla_len(vd[IFLA_VXLAN_GROUP6]), 16);
	nlmsg_free(msg);
}

static void veth_and_bridge_devices(void **state)
{
	struct nlattr *tb[IFLA_MAX + 1], *ptb[IFLA_MAX + 1], *vd[VETH_INFO_MAX + 1];
	struct nlattr *br[IFLA_BR_MAX + 1];
	struct nl_msg *msg = NULL;
	struct nlattr *peer;

	(void)state;
	assert_int_equal(vnm_lnl_msg_veth("vnv0001a", "vnv0001b", &msg), 0);
	parse_nested(info_data(msg, "veth", tb), vd, VETH_INFO_MAX);
	assert_string_equal(nla_get_string(tb[IFLA_IFNAME]), "vnv0001a");
	peer = vd[VETH_INFO_PEER];
	assert_non_null(peer);
	assert_int_equal(nla_parse(ptb, IFLA_MAX,
				   (struct nlattr *)((char *)nla_data(peer) +
						     NLMSG_ALIGN(sizeof(struct ifinfomsg))),
				   nla_len(peer) - (int)NLMSG_ALIGN(sizeof(struct ifinfomsg)), NULL),
			 0);
	assert_string_equal(nla_get_string(ptb[IFLA_IFNAME]), "vnv0001b");
	assert_int_equal(nla_get_u32(tb[IFLA_GROUP]), VNM_HALF_GROUP);
	assert_int_equal(nla_get_u32(ptb[IFLA_GROUP]), VNM_HALF_GROUP);
	nlmsg_free(msg);

	assert_int_equal(vnm_lnl_msg_bridge("vnb0001", &msg), 0);
	assert_true(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_EXCL);
	parse_nested(info_data(msg, "bridge", tb), br, IFLA_BR_MAX);
	assert_string_equal(nla_get_string(tb[IFLA_IFNAME]), "vnb0001");
	assert_int_equal(nla_get_u32(tb[IFLA_GROUP]), VNM_HALF_GROUP);
	/* a piece of wire: no STP, link-local groups (LLDP...) pass */
	assert_int_equal(nla_get_u32(br[IFLA_BR_STP_STATE]), 0);
	assert_int_equal(nla_len(br[IFLA_BR_GROUP_FWD_MASK]), 2);
	assert_int_equal(nla_get_u16(br[IFLA_BR_GROUP_FWD_MASK]), 0xfff8);
	nlmsg_free(msg);
}

static void link_set_tags_and_plugs(void **state)
{
	struct nlattr *tb[IFLA_MAX + 1];
	struct nl_msg *msg = NULL;
	struct ifinfomsg *ifi;
	struct nlmsghdr *h;

	(void)state;
	assert_int_equal(vnm_lnl_msg_link_set(9, "vnmd:vn-a/vl-a", 4, true, 0, &msg), 0);
	h = parse(msg, sizeof(struct ifinfomsg), tb, IFLA_MAX);
	ifi = nlmsg_data(h);
	assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
	assert_false(h->nlmsg_flags & NLM_F_CREATE);
	assert_int_equal(ifi->ifi_index, 9);
	assert_true(ifi->ifi_flags & IFF_UP);
	assert_true(ifi->ifi_change & IFF_UP);
	assert_string_equal(nla_get_string(tb[IFLA_IFALIAS]), "vnmd:vn-a/vl-a");
	assert_int_equal(nla_get_u32(tb[IFLA_MASTER]), 4);
	assert_null(tb[IFLA_MTU]);
	/* tagged and out of the half-made group in one message */
	assert_int_equal(nla_get_u32(tb[IFLA_GROUP]), 0);
	nlmsg_free(msg);
	/* a change without a tag leaves the group alone */
	assert_int_equal(vnm_lnl_msg_link_set(9, NULL, 4, true, 0, &msg), 0);
	parse(msg, sizeof(struct ifinfomsg), tb, IFLA_MAX);
	assert_null(tb[IFLA_GROUP]);
	nlmsg_free(msg);
	/* a disabled VL's end (vl_set_up): only IFF_UP changes, to off; it
	 * keeps its tag, bridge and group */
	assert_int_equal(vnm_lnl_msg_link_set(9, NULL, -1, false, 0, &msg), 0);
	h = parse(msg, sizeof(struct ifinfomsg), tb, IFLA_MAX);
	ifi = nlmsg_data(h);
	assert_int_equal(ifi->ifi_index, 9);
	assert_false(ifi->ifi_flags & IFF_UP);
	assert_true(ifi->ifi_change & IFF_UP);
	assert_null(tb[IFLA_MASTER]);
	assert_null(tb[IFLA_IFALIAS]);
	assert_null(tb[IFLA_GROUP]);
	nlmsg_free(msg);
}

/* Removing interfaces: retire (down, out of the bridge, into the
 * half-made group), rename into the retire group (frees the name for the
 * same transaction; the retire group never holds a live name), then one
 * delete of the whole group. */
static void retire_rename_and_group_delete(void **state)
{
	struct nlattr *tb[IFLA_MAX + 1];
	struct nl_msg *msg = NULL;
	struct ifinfomsg *ifi;
	struct nlmsghdr *h;

	(void)state;
	assert_int_equal(vnm_lnl_msg_retire(9, &msg), 0);
	h = parse(msg, sizeof(struct ifinfomsg), tb, IFLA_MAX);
	ifi = nlmsg_data(h);
	assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(ifi->ifi_index, 9);
	assert_false(ifi->ifi_flags & IFF_UP);
	assert_true(ifi->ifi_change & IFF_UP);
	assert_int_equal(nla_get_u32(tb[IFLA_MASTER]), 0);
	assert_int_equal(nla_get_u32(tb[IFLA_GROUP]), VNM_HALF_GROUP);
	assert_null(tb[IFLA_IFNAME]); /* a running interface cannot be renamed */
	nlmsg_free(msg);

	assert_int_equal(vnm_lnl_msg_rename(9, "vnd0000002a", &msg), 0);
	h = parse(msg, sizeof(struct ifinfomsg), tb, IFLA_MAX);
	assert_int_equal(((struct ifinfomsg *)nlmsg_data(h))->ifi_index, 9);
	assert_string_equal(nla_get_string(tb[IFLA_IFNAME]), "vnd0000002a");
	assert_int_equal(nla_get_u32(tb[IFLA_GROUP]), VNM_RETIRE_GROUP);
	nlmsg_free(msg);

	assert_int_equal(vnm_lnl_msg_group_del(VNM_RETIRE_GROUP, &msg), 0);
	h = parse(msg, sizeof(struct ifinfomsg), tb, IFLA_MAX);
	ifi = nlmsg_data(h);
	assert_int_equal(h->nlmsg_type, RTM_DELLINK);
	assert_int_equal(ifi->ifi_index, 0); /* no index, no name: the group */
	assert_null(tb[IFLA_IFNAME]);
	assert_int_equal(nla_get_u32(tb[IFLA_GROUP]), VNM_RETIRE_GROUP);
	nlmsg_free(msg);
}

/* One builder for the three deletions: each names its object as the
 * kernel finds it (a filter also by priority, protocol and kind). */
static void tc_deletions(void **state)
{
	struct nlattr *tb[TCA_MAX + 1];
	struct nl_msg *msg = NULL;
	struct nlmsghdr *h;
	struct tcmsg *t;

	(void)state;
	assert_int_equal(vnm_lnl_msg_qdisc_del(3, TC_H_ROOT, VNM_TC_ROOT, &msg), 0);
	h = parse(msg, sizeof(struct tcmsg), tb, TCA_MAX);
	t = nlmsg_data(h);
	assert_int_equal(h->nlmsg_type, RTM_DELQDISC);
	assert_int_equal(t->tcm_ifindex, 3);
	assert_int_equal(t->tcm_parent, TC_H_ROOT);
	assert_int_equal(t->tcm_handle, VNM_TC_ROOT);
	assert_null(tb[TCA_KIND]);
	nlmsg_free(msg);

	assert_int_equal(vnm_lnl_msg_class_del(3, VNM_TC_ROOT | 0x42, &msg), 0);
	h = parse(msg, sizeof(struct tcmsg), tb, TCA_MAX);
	t = nlmsg_data(h);
	assert_int_equal(h->nlmsg_type, RTM_DELTCLASS);
	assert_int_equal(t->tcm_handle, VNM_TC_ROOT | 0x42);
	nlmsg_free(msg);

	assert_int_equal(vnm_lnl_msg_u32_del(3, VNM_TC_GROUP(0xef), 0x80000123, &msg), 0);
	h = parse(msg, sizeof(struct tcmsg), tb, TCA_MAX);
	t = nlmsg_data(h);
	assert_int_equal(h->nlmsg_type, RTM_DELTFILTER);
	assert_int_equal(t->tcm_parent, VNM_TC_GROUP(0xef));
	assert_int_equal(t->tcm_handle, 0x80000123);
	assert_int_equal(TC_H_MAJ(t->tcm_info) >> 16, VNM_TC_U32_PRIO);
	assert_int_equal(ntohs(TC_H_MIN(t->tcm_info)), ETH_P_IP);
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "u32");
	nlmsg_free(msg);
}

static void tags_round_trip(void **state)
{
	char buf[300], vn[128], obj[128];

	(void)state;
	vnm_lnl_alias(buf, sizeof(buf), "vn-a", "vr1/eth0");
	assert_string_equal(buf, "vnmd:vn-a/vr1/eth0");
	assert_int_equal(vnm_lnl_alias_parse(buf, vn, sizeof(vn), obj, sizeof(obj)), 0);
	assert_string_equal(vn, "vn-a");
	assert_string_equal(obj, "vr1/eth0");
	/* foreign or malformed aliases are never taken for vnmd's */
	assert_int_equal(vnm_lnl_alias_parse("uplink to core", vn, sizeof(vn), obj, sizeof(obj)),
			 -1);
	assert_int_equal(vnm_lnl_alias_parse("vnmd:", vn, sizeof(vn), obj, sizeof(obj)), -1);
	assert_int_equal(vnm_lnl_alias_parse("vnmd:/x", vn, sizeof(vn), obj, sizeof(obj)), -1);
	assert_int_equal(vnm_lnl_alias_parse("vnmd:vn-a/", vn, sizeof(vn), obj, sizeof(obj)), -1);
	assert_int_equal(vnm_lnl_alias_parse(NULL, vn, sizeof(vn), obj, sizeof(obj)), -1);
}

static void minors_and_quantum(void **state)
{
	struct vnm_vl a, b;
	struct vnm_shape s = {.rate = 10000000000ULL, .ceil = 10000000000ULL};
	uint32_t ma, mb;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memcpy(a.id, "0123abcd", 9);
	memcpy(b.id, "89ef4567", 9);
	ma = vnm_lnl_vl_minor(&a);
	mb = vnm_lnl_vl_minor(&b);
	assert_true(ma >= VNM_TC_VL_MINOR_MIN && ma <= VNM_TC_VL_MINOR_MAX);
	assert_true(mb >= VNM_TC_VL_MINOR_MIN && mb <= VNM_TC_VL_MINOR_MAX);
	assert_int_equal(ma, vnm_lnl_vl_minor(&a)); /* stable across runs */
	/* quantum stays near one frame even at 10 Gbit/s (rate/r2q would be
	 * 125 MB and the kernel would warn "quantum is big") */
	assert_int_equal(vnm_lnl_quantum(&s), VNM_FRAME_BYTES);
	assert_true(vnm_lnl_quantum(&s) <= 200000);
}

/* A VL that asks for delay on a kernel without sch_netem is refused before
 * anything is touched: the context has no socket at all, so any netlink
 * call would crash the test. */
static void missing_netem_refused_before_any_change(void **state)
{
	struct vnm_lnl c;
	struct vnm_host h = {.name = "rm1"};
	struct vnm_vn vn = {.name = "vn-a"};
	struct vnm_vr vr1 = {.name = "vr1", .vn = &vn, .host = &h};
	struct vnm_vr vr2 = {.name = "vr2", .vn = &vn, .host = &h};
	struct vnm_vnic na = {.name = "eth0", .vr = &vr1}, nb = {.name = "eth0", .vr = &vr2};
	struct vnm_vl vl = {.name = "vl-a", .vn = &vn, .a = &na, .b = &nb, .delay_us = 10000};
	struct vnm_shape s;
	struct vnm_err err;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.probed = true;
	c.caps = (struct vnm_link_caps){.htb = true, .tbf = true, .vxlan = true, .bridge = true,
					.veth = true, .u32 = true, .netem = false};
	memcpy(vl.end_a, "vnv0001a", 9);
	memcpy(vl.end_b, "vnv0001b", 9);
	vl.limit = 10000000;
	vnm_vl_shape_local(&vl, &s);
	assert_int_equal(vnm_lnl_vl_shape(&c, &vl, NULL, &s, &err), -1);
	assert_int_equal(err.code, VNM_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "sch_netem"));
	assert_non_null(strstr(err.msg, "vn-a/vl-a"));
	assert_non_null(strstr(err.path, "link-id='vl-a'"));
	assert_string_equal(vnm_err_tag(err.code), "operation-not-supported");

	/* loss alone needs netem too */
	vl.delay_us = 0;
	vl.loss_ppm = 5000;
	vnm_vl_shape_local(&vl, &s);
	assert_int_equal(vnm_lnl_vl_shape(&c, &vl, NULL, &s, &err), -1);
	assert_int_equal(err.code, VNM_E_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(htb_root_has_size_table_and_default),
		cmocka_unit_test(htb_class_rates_bursts_quantum),
		cmocka_unit_test(htb_class_change_is_in_place),
		cmocka_unit_test(htb_parent_counts_wire_bytes),
		cmocka_unit_test(htb_class_above_32_bits),
		cmocka_unit_test(u32_table_has_256_buckets),
		cmocka_unit_test(u32_link_matches_vxlan_and_hashes_the_vni),
		cmocka_unit_test(u32_bucket_filter_sends_to_the_bucket_class),
		cmocka_unit_test(u32_filter_matches_the_vni_in_its_bucket),
		cmocka_unit_test(group_majors),
		cmocka_unit_test(htb_child_of_a_bucket),
		cmocka_unit_test(bucket_shape_sums_its_vls),
		cmocka_unit_test(netem_message),
		cmocka_unit_test(vxlan_device),
		cmocka_unit_test(bond_route),
		cmocka_unit_test(encap_table),
		cmocka_unit_test(tc_deletions),
		cmocka_unit_test(veth_and_bridge_devices),
		cmocka_unit_test(link_set_tags_and_plugs),
		cmocka_unit_test(retire_rename_and_group_delete),
		cmocka_unit_test(tags_round_trip),
		cmocka_unit_test(minors_and_quantum),
		cmocka_unit_test(missing_netem_refused_before_any_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
