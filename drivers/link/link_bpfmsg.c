/*
 * link_bpfmsg.c - the tc messages of the shared datapath (link_bpf.h):
 * the ingress qdisc, the cls_bpf filter that runs vnmd's program on a tap
 * or on the VXLAN device, and reading that filter's program id back.  Built
 * with libnl-3, sent by the caller (vnm_lnl_send / vnm_lnl_request).
 *
 * The filter's place is fixed (parent ffff:, prio VNM_BPF_PRIO, protocol
 * ETH_P_ALL, handle VNM_BPF_HANDLE): one filter per device, found again
 * and replaced in place by the same address.
 */
#include "link_bpf.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

/* A tc message on ifindex's ingress: header only. */
static struct nl_msg *tc_msg(int type, int flags, int ifindex, uint32_t parent,
			     uint32_t handle, uint32_t info)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);
	struct tcmsg t;

	if (!msg)
		return NULL;
	memset(&t, 0, sizeof(t));
	t.tcm_family = AF_UNSPEC;
	t.tcm_ifindex = ifindex;
	t.tcm_parent = parent;
	t.tcm_handle = handle;
	t.tcm_info = info;
	if (nlmsg_append(msg, &t, sizeof(t), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int vnm_bpf_msg_ingress(int ifindex, struct nl_msg **out)
{
	*out = tc_msg(RTM_NEWQDISC, NLM_F_CREATE, ifindex, TC_H_INGRESS,
		      TC_H_MAKE(TC_H_INGRESS, 0), 0);
	if (!*out)
		return -NLE_NOMEM;
	if (nla_put_string(*out, TCA_KIND, "ingress") < 0) {
		nlmsg_free(*out);
		*out = NULL;
		return -NLE_MSGSIZE;
	}
	return 0;
}

/* The filter's header: our prio, ETH_P_ALL, our handle, under ffff:. */
static struct nl_msg *filter_msg(int type, int flags, int ifindex)
{
	struct nl_msg *msg = tc_msg(type, flags, ifindex, TC_H_MAKE(TC_H_INGRESS, 0),
				    VNM_BPF_HANDLE,
				    TC_H_MAKE(VNM_BPF_PRIO << 16, htons(ETH_P_ALL)));

	if (msg && nla_put_string(msg, TCA_KIND, "bpf") < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int vnm_bpf_msg_attach(const struct vnm_bpf *b, int ifindex, bool rx, struct nl_msg **out)
{
	struct nlattr *opt;
	struct nl_msg *msg;

	*out = NULL;
	if (!(msg = filter_msg(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_REPLACE, ifindex)))
		return -NLE_NOMEM;
	if (!(opt = nla_nest_start(msg, TCA_OPTIONS)) ||
	    nla_put_u32(msg, TCA_BPF_FD, (uint32_t)vnm_bpf_prog_fd(b, rx)) < 0 ||
	    nla_put_string(msg, TCA_BPF_NAME, rx ? "vnm_rx" : "vnm_tx") < 0 ||
	    nla_put_u32(msg, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT) < 0) {
		nlmsg_free(msg);
		return -NLE_MSGSIZE;
	}
	nla_nest_end(msg, opt);
	*out = msg;
	return 0;
}

int vnm_bpf_msg_detach(int ifindex, struct nl_msg **out)
{
	*out = filter_msg(RTM_DELTFILTER, 0, ifindex);
	return *out ? 0 : -NLE_NOMEM;
}

int vnm_bpf_msg_get_filter(int ifindex, struct nl_msg **out)
{
	*out = filter_msg(RTM_GETTFILTER, 0, ifindex);
	return *out ? 0 : -NLE_NOMEM;
}

int vnm_bpf_parse_filter(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[TCA_MAX + 1], *opt[TCA_BPF_MAX + 1];
	struct nlmsghdr *h = nlmsg_hdr(msg);
	const struct tcmsg *t;

	if (h->nlmsg_type != RTM_NEWTFILTER || nlmsg_datalen(h) < (int)sizeof(*t))
		return NL_OK;
	t = nlmsg_data(h);
	if (t->tcm_handle != VNM_BPF_HANDLE || TC_H_MAJ(t->tcm_info) >> 16 != VNM_BPF_PRIO ||
	    nlmsg_parse(h, sizeof(*t), tb, TCA_MAX, NULL) < 0 || !tb[TCA_KIND] ||
	    nla_strcmp(tb[TCA_KIND], "bpf") || !tb[TCA_OPTIONS] ||
	    nla_parse_nested(opt, TCA_BPF_MAX, tb[TCA_OPTIONS], NULL) < 0 || !opt[TCA_BPF_ID])
		return NL_OK;
	*(uint32_t *)arg = nla_get_u32(opt[TCA_BPF_ID]);
	return NL_OK;
}
