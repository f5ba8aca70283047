/*
 * link_bond.c - channel bonding: the route that spreads a bonded VL's
 * tunnel over the parallel physical links between its two hosts.
 *
 * The kernel here has neither the bonding nor the team driver, and a
 * bonded device would take the physical interfaces away from the hosts.
 * So the tunnel of the VL stays one device per end, and the host reaches
 * the far host's tunnel address by one multipath route: a nexthop per
 * physical link (gateway the far tunnel address, on link, weighted by the
 * link's capacity as the core computed it).  The kernel picks a nexthop
 * per packet from a hash of its addresses and ports when
 * net.ipv4.fib_multipath_hash_policy is 1; the tunnel's UDP source port is
 * a hash of the VL frame's own flow, so flows spread over the links and
 * each flow stays on one (no reordering).  A link whose interface goes
 * down is skipped at once: dead on the host where it went down, "linkdown"
 * on the far host, which ignore_routes_with_linkdown on its interfaces
 * makes the kernel skip too; when it comes up it is used again.  The
 * routers see a rate change, nothing else.
 *
 * The route belongs to the bond's physical links: plink_setup installs it,
 * plink_update changes or removes it, plink_teardown removes it (link_tc.c).
 */
#include "link_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/route.h>
#include <netlink/route/nexthop.h>

/* The far host of host on bond, and host's end of pl. */
static const struct vnm_host *far_host(const struct vnm_vl *bond, const struct vnm_host *host)
{
	return bond->a->vr->host == host ? bond->b->vr->host : bond->a->vr->host;
}

static const struct vnm_host_if *end_on(const struct vnm_plink *pl, const struct vnm_host *host)
{
	return pl->src->host == host ? pl->src : pl->dst;
}

/* host/32 of the far tunnel address, for dst and gateway. */
static int far_addr(const struct vnm_host *far, struct nl_addr **out)
{
	int rc;

	if (!far->tunnel_addr)
		return -NLE_INVAL;
	if ((rc = nl_addr_parse(far->tunnel_addr, AF_INET, out)) < 0)
		return rc;
	nl_addr_set_prefixlen(*out, 32);
	return 0;
}

static struct rtnl_route *route_base(const struct nl_addr *dst)
{
	struct rtnl_route *r = rtnl_route_alloc();

	if (!r)
		return NULL;
	rtnl_route_set_family(r, AF_INET);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, VNM_RTPROT);
	rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(r, RTN_UNICAST);
	if (rtnl_route_set_dst(r, (struct nl_addr *)dst) < 0) {
		rtnl_route_put(r);
		return NULL;
	}
	return r;
}

int vnm_lnl_msg_bond_route(const struct vnm_vl *bond, const struct vnm_host *host,
			   const int *ifindex, struct nl_msg **out)
{
	struct nl_addr *dst = NULL;
	struct rtnl_route *r = NULL;
	size_t k;
	int rc;

	*out = NULL;
	if ((rc = far_addr(far_host(bond, host), &dst)) < 0)
		return rc;
	if (!(r = route_base(dst))) {
		rc = -NLE_NOMEM;
		goto cleanup;
	}
	for (k = 0; k < bond->n_plinks; k++) {
		struct rtnl_nexthop *nh = rtnl_route_nh_alloc();

		if (!nh) {
			rc = -NLE_NOMEM;
			goto cleanup;
		}
		rtnl_route_nh_set_ifindex(nh, ifindex[k]);
		rtnl_route_nh_set_gateway(nh, dst);
		rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
		/* rtnh_hops is the weight less one */
		rtnl_route_nh_set_weight(nh, (uint8_t)(vnm_bond_weight(bond, bond->plinks[k]) - 1));
		rtnl_route_add_nexthop(r, nh);
	}
	rc = rtnl_route_build_add_request(r, NLM_F_CREATE | NLM_F_REPLACE, out);
cleanup:
	rtnl_route_put(r);
	nl_addr_put(dst);
	return rc;
}

int vnm_lnl_msg_bond_route_del(const struct vnm_vl *bond, const struct vnm_host *host,
			       struct nl_msg **out)
{
	struct nl_addr *dst = NULL;
	struct rtnl_route *r;
	int rc;

	*out = NULL;
	if ((rc = far_addr(far_host(bond, host), &dst)) < 0)
		return rc;
	/* the protocol makes the kernel delete vnmd's route only */
	if (!(r = route_base(dst)))
		rc = -NLE_NOMEM;
	else
		rc = rtnl_route_build_del_request(r, 0, out);
	rtnl_route_put(r);
	nl_addr_put(dst);
	return rc;
}

/* ignore_routes_with_linkdown on an interface: a nexthop whose carrier
 * is gone (the far end went down) is skipped like a dead one. */
static int msg_ignore_linkdown(int ifindex, struct nl_msg **out)
{
	struct nlattr *spec, *af, *conf;
	struct nl_msg *msg = vnm_lnl_ifi_msg(RTM_NEWLINK, ifindex, 0);

	*out = NULL;
	if (!msg)
		return -NLE_NOMEM;
	if (!(spec = nla_nest_start(msg, IFLA_AF_SPEC)) || !(af = nla_nest_start(msg, AF_INET)) ||
	    !(conf = nla_nest_start(msg, IFLA_INET_CONF)) ||
	    nla_put_u32(msg, IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN, 1) < 0) {
		nlmsg_free(msg);
		return -NLE_MSGSIZE;
	}
	nla_nest_end(msg, conf);
	nla_nest_end(msg, af);
	nla_nest_end(msg, spec);
	*out = msg;
	return 0;
}

static int apply_on(struct vnm_lnl *c, const struct vnm_vl *bond, const struct vnm_host *h,
		    struct vnm_err *err)
{
	struct nl_msg *msg = NULL;
	struct nl_sock *sk;
	char where[200];
	int idx[64], rc;
	size_t k;

	vnm_lnl_where(h, where, sizeof(where));
	if (bond->n_plinks > sizeof(idx) / sizeof(idx[0]))
		return vnm_err_set(err, VNM_E_UNSUPPORTED, NULL,
				   "a bond of %zu physical links: at most %zu", bond->n_plinks,
				   sizeof(idx) / sizeof(idx[0]));
	if (vnm_lnl_sock(c, h, &sk, err) < 0)
		return -1;
	/* per-flow spreading: the hash covers the tunnel's UDP ports */
	if (vnm_lnl_sysctl_set(c, h, "net.ipv4.fib_multipath_hash_policy", "1", err) < 0)
		return -1;
	for (k = 0; k < bond->n_plinks; k++) {
		const struct vnm_host_if *e = end_on(bond->plinks[k], h);

		if ((idx[k] = vnm_lnl_ifindex(sk, e->ifname)) <= 0)
			return vnm_err_set(err, VNM_E_DRIVER, NULL,
					   "interface %s of physical link %s%s: %s", e->ifname,
					   bond->plinks[k]->name, where,
					   idx[k] ? vnm_lnl_strerror(idx[k]) : "no such interface");
		if ((rc = msg_ignore_linkdown(idx[k], &msg)) == 0)
			rc = vnm_lnl_send(sk, msg);
		if (rc < 0)
			return vnm_err_set(err, VNM_E_DRIVER, NULL,
					   "cannot set ignore_routes_with_linkdown on %s%s: %s",
					   e->ifname, where, vnm_lnl_strerror(rc));
	}
	if ((rc = vnm_lnl_msg_bond_route(bond, h, idx, &msg)) == 0)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot install the multipath route to %s over %zu links%s: %s",
				   far_host(bond, h)->tunnel_addr, bond->n_plinks, where,
				   vnm_lnl_strerror(rc));
	return 0;
}

static int remove_on(struct vnm_lnl *c, const struct vnm_vl *bond, const struct vnm_host *h,
		     struct vnm_err *err)
{
	struct nl_msg *msg = NULL;
	struct nl_sock *sk;
	char where[200];
	int rc;

	if (vnm_lnl_sock(c, h, &sk, err) < 0)
		return -1;
	if ((rc = vnm_lnl_msg_bond_route_del(bond, h, &msg)) == 0)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NOADDR)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot remove the multipath route to %s%s: %s",
				   far_host(bond, h)->tunnel_addr,
				   vnm_lnl_where(h, where, sizeof(where)), vnm_lnl_strerror(rc));
	return 0;
}

static int each_host(struct vnm_lnl *c, const struct vnm_plink *pl,
		     int (*fn)(struct vnm_lnl *, const struct vnm_vl *, const struct vnm_host *,
			       struct vnm_err *),
		     struct vnm_err *err)
{
	const struct vnm_vl *bond = vnm_plink_bond(pl);

	if (!bond)
		return 0;
	/* each RM's vnmd routes its own side (--host) */
	if ((!bond->a->vr->host->remote && fn(c, bond, bond->a->vr->host, err) < 0) ||
	    (!bond->b->vr->host->remote && fn(c, bond, bond->b->vr->host, err) < 0)) {
		vnm_err_prefix(err, "bond of link %s/%s", bond->vn->name, bond->name);
		return -1;
	}
	return 0;
}

int vnm_lnl_bond_apply(struct vnm_lnl *c, const struct vnm_plink *pl, struct vnm_err *err)
{
	return each_host(c, pl, apply_on, err);
}

int vnm_lnl_bond_remove(struct vnm_lnl *c, const struct vnm_plink *pl, struct vnm_err *err)
{
	return each_host(c, pl, remove_on, err);
}
