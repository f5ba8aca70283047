/*
 * link_if.c - the interfaces of VLs: each vNIC's port bridge, the veth pair
 * of a same-host VL, the two tunnel devices of a VL across hosts (made by
 * its encapsulation's row, encap_NAME.c); listing and removing vnmd's own
 * interfaces.
 *
 * Creation is in two messages: RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL
 * makes the device in VNM_HALF_GROUP, a second RTM_NEWLINK sets the tag
 * (ifalias), the master, IFF_UP and group 0, because the kernel applies an
 * ifalias only when changing a device (the group it applies at creation).
 * A device that exists with vnmd's tag, or in VNM_HALF_GROUP (made by a
 * run killed before it tagged it), is reused (operations are idempotent);
 * one that exists otherwise is never touched.
 */
#include "link_int.h"
#include "log.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/route/link.h>
#include <linux/veth.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

/* ------------------------------------------------------------------ */
/* Tags and lookups                                                   */
/* ------------------------------------------------------------------ */

void vnm_lnl_alias(char *buf, size_t len, const char *vn, const char *obj)
{
	snprintf(buf, len, VNM_ALIAS_PREFIX "%s/%s", vn, obj);
}

int vnm_lnl_alias_parse(const char *alias, char *vn, size_t vn_len, char *obj,
			size_t obj_len)
{
	const char *p, *slash;

	if (!alias || strncmp(alias, VNM_ALIAS_PREFIX, strlen(VNM_ALIAS_PREFIX)))
		return -1;
	p = alias + strlen(VNM_ALIAS_PREFIX);
	slash = strchr(p, '/');
	if (!slash || slash == p || !slash[1])
		return -1;
	snprintf(vn, vn_len, "%.*s", (int)(slash - p), p);
	snprintf(obj, obj_len, "%s", slash + 1);
	return 0;
}

/* A whole vnmd interface: its name and its tag, not half made. */
static bool is_own(struct rtnl_link *l)
{
	const char *name = rtnl_link_get_name(l), *alias = rtnl_link_get_ifalias(l);

	return name && !strncmp(name, "vn", 2) && alias &&
	       !strncmp(alias, VNM_ALIAS_PREFIX, strlen(VNM_ALIAS_PREFIX)) &&
	       rtnl_link_get_group(l) != VNM_HALF_GROUP;
}

/* A vnmd interface a killed run left half made (created, not tagged yet)
 * or half retired (down and out of its bridge, not renamed yet); also one
 * a run before VNM_HALF_GROUP left in VNM_RETIRE_GROUP under a live name. */
static bool is_half(struct rtnl_link *l)
{
	const char *name = rtnl_link_get_name(l);
	uint32_t g = rtnl_link_get_group(l);

	return name && !strncmp(name, "vn", 2) &&
	       (g == VNM_HALF_GROUP || (g == VNM_RETIRE_GROUP && strncmp(name, "vnd", 3)));
}

/* The interface called name: *out NULL when absent. */
static int link_get(struct nl_sock *sk, const char *name, struct rtnl_link **out)
{
	int rc;

	*out = NULL;
	rc = rtnl_link_get_kernel(sk, 0, name, out);
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) {
		*out = NULL;
		return 0;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Messages                                                           */
/* ------------------------------------------------------------------ */

struct nl_msg *vnm_lnl_ifi_msg(int type, int ifindex, int flags)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* The start of an RTM_NEWLINK that creates name: in VNM_HALF_GROUP, so that
 * a run killed before the tag (vnm_lnl_msg_link_set) leaves a device the
 * next start recognises as vnmd's half-made one. */
static struct nl_msg *msg_create(const char *name)
{
	struct nl_msg *msg = vnm_lnl_ifi_msg(RTM_NEWLINK, 0, NLM_F_CREATE | NLM_F_EXCL);

	if (msg && (nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
		    nla_put_u32(msg, IFLA_GROUP, VNM_HALF_GROUP) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* IFLA_LINKINFO with kind, and its IFLA_INFO_DATA opened: 0 or -1. */
static int linkinfo_open(struct nl_msg *msg, const char *kind, struct nlattr **info,
			 struct nlattr **data)
{
	return !(*info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	       nla_put_string(msg, IFLA_INFO_KIND, kind) < 0 ||
	       !(*data = nla_nest_start(msg, IFLA_INFO_DATA)) ? -1 : 0;
}

/* A port bridge is a piece of wire: no spanning tree, and the link-local
 * group addresses the kernel lets a bridge forward (LLDP, 802.1 groups
 * other than STP, pause and 802.1X) pass between the router and its VL. */
#define VNM_BR_GROUP_FWD_MASK 0xfff8U

int vnm_lnl_msg_bridge(const char *name, struct nl_msg **out)
{
	struct nlattr *info, *data;
	struct nl_msg *msg;

	*out = NULL;
	msg = msg_create(name);
	if (!msg)
		return -NLE_NOMEM;
	if (linkinfo_open(msg, "bridge", &info, &data) < 0 ||
	    nla_put_u32(msg, IFLA_BR_STP_STATE, 0) < 0 ||
	    nla_put_u16(msg, IFLA_BR_GROUP_FWD_MASK, VNM_BR_GROUP_FWD_MASK) < 0) {
		nlmsg_free(msg);
		return -NLE_MSGSIZE;
	}
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	*out = msg;
	return 0;
}

/* Built by hand: libnl puts no IFLA_GROUP in the peer's part, and both
 * ends must be made in VNM_HALF_GROUP. */
int vnm_lnl_msg_veth(const char *name, const char *peer_name, struct nl_msg **out)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nlattr *info, *data, *peer;
	struct nl_msg *msg;

	*out = NULL;
	msg = msg_create(name);
	if (!msg)
		return -NLE_NOMEM;
	if (linkinfo_open(msg, "veth", &info, &data) < 0 ||
	    !(peer = nla_nest_start(msg, VETH_INFO_PEER)) ||
	    nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, peer_name) < 0 ||
	    nla_put_u32(msg, IFLA_GROUP, VNM_HALF_GROUP) < 0) {
		nlmsg_free(msg);
		return -NLE_MSGSIZE;
	}
	nla_nest_end(msg, peer);
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	*out = msg;
	return 0;
}

/* Newer than Debian 12's headers (Linux 6.3); an older kernel ignores it. */
#ifndef IFLA_GSO_IPV4_MAX_SIZE
#define IFLA_GSO_IPV4_MAX_SIZE 63
#endif

int vnm_lnl_addr_pair(const char *local, const char *remote, struct nl_addr **la,
		      struct nl_addr **ra)
{
	int rc;

	*la = *ra = NULL;
	if ((rc = nl_addr_parse(local, AF_UNSPEC, la)) < 0 ||
	    (rc = nl_addr_parse(remote, AF_UNSPEC, ra)) < 0)
		return rc;
	if (nl_addr_get_family(*ra) != nl_addr_get_family(*la) ||
	    (nl_addr_get_family(*la) != AF_INET && nl_addr_get_family(*la) != AF_INET6))
		return -NLE_AF_MISMATCH;
	return 0;
}

int vnm_lnl_msg_tunnel(const char *name, const char *kind,
		       int (*put_data)(struct nl_msg *msg, const void *arg), const void *arg,
		       struct nl_msg **out)
{
	struct nlattr *info, *data;
	struct nl_msg *msg;
	int rc = -NLE_MSGSIZE;

	*out = NULL;
	msg = msg_create(name);
	if (!msg)
		return -NLE_NOMEM;
	if (/* The VL's frames keep their full size inside the tunnel: the
	     * underlay needs an MTU of VNM_VL_MTU + the overhead. */
	    nla_put_u32(msg, IFLA_MTU, VNM_VL_MTU) < 0 ||
	    /* one frame per encapsulated packet: the size table's
	     * per-packet overhead on the physical interface is then exact
	     * (link_tc.c).  GSO packets from a guest's tap arrive with
	     * gso_segs 0 (not counted yet), which the segment limit does
	     * not catch: the size limits (below two frames) do. */
	    nla_put_u32(msg, IFLA_GSO_MAX_SEGS, 1) < 0 ||
	    nla_put_u32(msg, IFLA_GSO_MAX_SIZE, VNM_FRAME_BYTES) < 0 ||
	    nla_put_u32(msg, IFLA_GSO_IPV4_MAX_SIZE, VNM_FRAME_BYTES) < 0 ||
	    linkinfo_open(msg, kind, &info, &data) < 0 || (rc = put_data(msg, arg)) < 0) {
		nlmsg_free(msg);
		return rc;
	}
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	*out = msg;
	return 0;
}

int vnm_lnl_msg_link_set(int ifindex, const char *alias, int master, bool up, uint32_t mtu,
			 struct nl_msg **out)
{
	struct nl_msg *msg = vnm_lnl_ifi_msg(RTM_NEWLINK, ifindex, 0);
	struct ifinfomsg *ifi;

	*out = NULL;
	if (!msg)
		return -NLE_NOMEM;
	ifi = nlmsg_data(nlmsg_hdr(msg));
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	/* the tag and leaving VNM_HALF_GROUP in one message: a tagged
	 * interface is a whole one */
	if ((alias && (nla_put_string(msg, IFLA_IFALIAS, alias) < 0 ||
		       nla_put_u32(msg, IFLA_GROUP, 0) < 0)) ||
	    (master >= 0 && nla_put_u32(msg, IFLA_MASTER, (uint32_t)master) < 0) ||
	    (mtu && nla_put_u32(msg, IFLA_MTU, mtu) < 0)) {
		nlmsg_free(msg);
		return -NLE_MSGSIZE;
	}
	*out = msg;
	return 0;
}

/* ifindex with one u32 attribute, or a name. */
static int msg_one(int type, int ifindex, int attr, uint32_t val, const char *name,
		   struct nl_msg **out)
{
	*out = vnm_lnl_ifi_msg(type, ifindex, 0);
	if (!*out)
		return -NLE_NOMEM;
	if ((attr >= 0 && nla_put_u32(*out, attr, val) < 0) ||
	    (name && nla_put_string(*out, IFLA_IFNAME, name) < 0)) {
		nlmsg_free(*out);
		*out = NULL;
		return -NLE_MSGSIZE;
	}
	return 0;
}

int vnm_lnl_msg_retire(int ifindex, struct nl_msg **out)
{
	int rc = vnm_lnl_msg_link_set(ifindex, NULL, 0, false, 0, out);

	if (rc < 0)
		return rc;
	if (nla_put_u32(*out, IFLA_GROUP, VNM_HALF_GROUP) < 0) {
		nlmsg_free(*out);
		*out = NULL;
		return -NLE_MSGSIZE;
	}
	return 0;
}

int vnm_lnl_msg_rename(int ifindex, const char *name, struct nl_msg **out)
{
	/* one message, so no kill falls between the two; when the kernel
	 * refuses the name, the caller deletes the interface at once
	 * (link_retire): the group never keeps a live name */
	return msg_one(RTM_NEWLINK, ifindex, IFLA_GROUP, VNM_RETIRE_GROUP, name, out);
}

int vnm_lnl_msg_group_del(uint32_t group, struct nl_msg **out)
{
	/* no index and no name: the kernel deletes the whole group */
	return msg_one(RTM_DELLINK, 0, IFLA_GROUP, group, NULL, out);
}

int vnm_lnl_msg_link_del(int ifindex, struct nl_msg **out)
{
	return msg_one(RTM_DELLINK, ifindex, -1, 0, NULL, out);
}

/* RTM_NEWLINK giving ifindex no IPv6 link-local address: vnmd's
 * interfaces are layer 2 only and must not speak into the VLs. */
static int msg_no_ipv6_ll(int ifindex, struct nl_msg **out)
{
	struct nlattr *af, *in6;
	struct nl_msg *msg;

	*out = NULL;
	msg = vnm_lnl_ifi_msg(RTM_NEWLINK, ifindex, 0);
	if (!msg)
		return -NLE_NOMEM;
	if (!(af = nla_nest_start(msg, IFLA_AF_SPEC)) || !(in6 = nla_nest_start(msg, AF_INET6)) ||
	    nla_put_u8(msg, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE) < 0) {
		nlmsg_free(msg);
		return -NLE_MSGSIZE;
	}
	nla_nest_end(msg, in6);
	nla_nest_end(msg, af);
	*out = msg;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Create, tag, delete                                                */
/* ------------------------------------------------------------------ */

/* Look name up; when it exists it must carry vnmd's tag. *found is the
 * link (caller puts) or NULL. */
int vnm_lnl_own_get(struct nl_sock *sk, const char *name, const struct vnm_host *h,
		    struct rtnl_link **found, struct vnm_err *err)
{
	char where[200];
	int rc;

	rc = link_get(sk, name, found);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot look up interface %s%s: %s",
				   name, vnm_lnl_where(h, where, sizeof(where)), nl_geterror(rc));
	if (*found && !is_own(*found) && !is_half(*found)) {
		rtnl_link_put(*found);
		*found = NULL;
		return vnm_err_set(err, VNM_E_EXISTS, NULL,
				   "interface %s%s exists but is not vnmd's (no \"" VNM_ALIAS_PREFIX
				   "\" ifalias): remove or rename it",
				   name, vnm_lnl_where(h, where, sizeof(where)));
	}
	return 0;
}

static int link_del(struct nl_sock *sk, const char *name, const struct vnm_host *h,
		    struct vnm_err *err)
{
	struct rtnl_link *l = NULL;
	char where[200];
	int rc;

	if (vnm_lnl_own_get(sk, name, h, &l, err) < 0)
		return -1;
	if (!l)
		return 0;
	rc = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NODEV)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot delete interface %s%s: %s",
				   name, vnm_lnl_where(h, where, sizeof(where)), vnm_lnl_strerror(rc));
	return 0;
}

/* Mark sk's namespace as holding retired interfaces. */
static void retired_in(struct vnm_lnl *c, struct nl_sock *sk)
{
	size_t i;

	if (sk == c->own) {
		c->own_retired = true;
		return;
	}
	for (i = 0; i < c->n_ns; i++)
		if (c->ns[i].sk == sk)
			c->ns[i].retired = true;
}

/* Remove vnmd's interface name when the transaction ends (vnm_lnl_flush):
 * now it only goes down, leaves its bridge and its name (which a later
 * step of the same transaction may give a new interface).  Falls back
 * to deleting it at once when it cannot be retired. */
static int link_retire(struct vnm_lnl *c, struct nl_sock *sk, const char *name,
		       const struct vnm_host *h, struct vnm_err *err)
{
	struct rtnl_link *l = NULL;
	struct nl_msg *msg = NULL;
	char newname[16];
	int idx, rc;

	if (vnm_lnl_own_get(sk, name, h, &l, err) < 0)
		return -1;
	if (!l)
		return 0;
	idx = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	rc = vnm_lnl_msg_retire(idx, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (!rc) {
		snprintf(newname, sizeof(newname), "vnd%08x", c->retire_seq++);
		rc = vnm_lnl_msg_rename(idx, newname, &msg);
		if (!rc)
			rc = vnm_lnl_send(sk, msg);
	}
	if (rc < 0)
		return link_del(sk, name, h, err);
	retired_in(c, sk);
	return 0;
}

void vnm_lnl_flush(struct vnm_lnl *c)
{
	struct nl_msg *msg = NULL;
	size_t i;
	int rc;

	if (c->own_retired) {
		c->own_retired = false;
		if (!(rc = vnm_lnl_msg_group_del(VNM_RETIRE_GROUP, &msg)))
			rc = vnm_lnl_send(c->own, msg);
		if (rc < 0 && rc != -NLE_NODEV && rc != -NLE_OBJ_NOTFOUND)
			vnm_log_warn("link driver: cannot delete the retired interfaces: %s",
				     vnm_lnl_strerror(rc));
	}
	for (i = 0; i < c->n_ns; i++) {
		if (!c->ns[i].retired || !c->ns[i].sk)
			continue;
		c->ns[i].retired = false;
		if (!(rc = vnm_lnl_msg_group_del(VNM_RETIRE_GROUP, &msg)))
			rc = vnm_lnl_send(c->ns[i].sk, msg);
		if (rc < 0 && rc != -NLE_NODEV && rc != -NLE_OBJ_NOTFOUND)
			vnm_log_warn("link driver: cannot delete the retired interfaces in "
				     "namespace %s: %s", c->ns[i].name, vnm_lnl_strerror(rc));
	}
}

/* Tag name, plug it into master (NULL: none) and bring it up (or, for
 * the end of a disabled VL, leave it down). */
static int link_setup(struct nl_sock *sk, const char *name, const char *alias,
		      const char *master, bool up, const struct vnm_host *h, struct vnm_err *err)
{
	struct rtnl_link *m = NULL;
	struct nl_msg *msg = NULL;
	char where[200];
	int idx, midx = -1, rc;

	idx = vnm_lnl_ifindex(sk, name);
	if (idx <= 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "interface %s%s vanished: %s", name,
				   vnm_lnl_where(h, where, sizeof(where)),
				   idx < 0 ? nl_geterror(idx) : "not found");
	if (master) {
		/* plug only into vnmd's own bridges */
		if (vnm_lnl_own_get(sk, master, h, &m, err) < 0)
			return -1;
		if (!m)
			return vnm_err_set(err, VNM_E_MISSING, NULL,
					   "port bridge %s%s is missing: create the vNIC's port "
					   "before its link",
					   master, vnm_lnl_where(h, where, sizeof(where)));
		midx = rtnl_link_get_ifindex(m);
		rtnl_link_put(m);
	}
	/* best effort: a kernel without IPv6 has no link-local to avoid */
	if (!msg_no_ipv6_ll(idx, &msg))
		vnm_lnl_send(sk, msg);
	rc = vnm_lnl_msg_link_set(idx, alias, midx, up, 0, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot set up interface %s%s (tag, bridge %s, %s): %s", name,
				   vnm_lnl_where(h, where, sizeof(where)), master ? master : "none",
				   up ? "up" : "down", vnm_lnl_strerror(rc));
	return 0;
}

/* Create an interface (and its veth peer) in VNM_HALF_GROUP; the caller
 * tags it, plugs it and brings it up in one message (link_setup).  An
 * interface a kill leaves between the two is still known as vnmd's by its
 * group (is_half), so nothing untagged is left that vnmd may not touch. */
static int link_create(struct nl_sock *sk, const char *name, int build_rc,
		       struct nl_msg *msg, const struct vnm_host *h, struct vnm_err *err)
{
	char where[200];
	int rc = build_rc;

	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0)
		return vnm_err_set(err, rc == -NLE_OPNOTSUPP ? VNM_E_UNSUPPORTED : VNM_E_DRIVER,
				   NULL, "cannot create interface %s%s: %s", name,
				   vnm_lnl_where(h, where, sizeof(where)), vnm_lnl_strerror(rc));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Port bridges                                                       */
/* ------------------------------------------------------------------ */

static const struct vnm_host *nic_host(const struct vnm_vnic *nic)
{
	return nic && nic->vr ? nic->vr->host : NULL;
}

int vnm_lnl_vnic_port_create(struct vnm_lnl *c, const struct vnm_vnic *nic,
			     struct vnm_err *err)
{
	const struct vnm_host *h = nic_host(nic);
	struct rtnl_link *l = NULL;
	struct nl_msg *msg = NULL;
	struct nl_sock *sk;
	char alias[300], path[512];
	int rc;

	vnm_lnl_path_vnic(nic, path, sizeof(path));
	if (!h || !nic->vr->vn)
		return vnm_err_set(err, VNM_E_MISSING, path,
				   "router %s/%s has no host: cannot create the port of vNIC %s",
				   nic->vr && nic->vr->vn ? nic->vr->vn->name : "?",
				   nic->vr ? nic->vr->name : "?", nic->name);
	if (!vnm_lnl_sh_wants_port(c, nic))
		return 0; /* its tap gets the shared datapath's program instead */
	snprintf(alias, sizeof(alias), VNM_ALIAS_PREFIX "%s/%s/%s", nic->vr->vn->name,
		 nic->vr->name, nic->name);
	if (vnm_lnl_sock(c, h, &sk, err) < 0)
		goto fail;
	if (vnm_lnl_own_get(sk, nic->bridge, h, &l, err) < 0)
		goto fail;
	if (!l) {
		rc = vnm_lnl_msg_bridge(nic->bridge, &msg);
		if (link_create(sk, nic->bridge, rc, msg, h, err) < 0)
			goto fail;
	}
	rtnl_link_put(l);
	if (link_setup(sk, nic->bridge, alias, NULL, true, h, err) < 0)
		goto fail;
	if (vnm_lnl_shared(c, h) && vnm_lnl_sh_unglue(c, nic, sk, err) < 0)
		goto fail;
	return 0;
fail:
	vnm_err_prefix(err, "router %s/%s, vNIC %s", nic->vr->vn->name, nic->vr->name, nic->name);
	snprintf(err->path, sizeof(err->path), "%s", path);
	return -1;
}

int vnm_lnl_vnic_port_destroy(struct vnm_lnl *c, const struct vnm_vnic *nic,
			      struct vnm_err *err)
{
	const struct vnm_host *h = nic_host(nic);
	struct nl_sock *sk;

	if (!h)
		return 0;
	if (vnm_lnl_sock(c, h, &sk, err) < 0 || link_retire(c, sk, nic->bridge, h, err) < 0) {
		vnm_err_prefix(err, "router %s/%s, vNIC %s", nic->vr->vn->name, nic->vr->name,
			       nic->name);
		vnm_lnl_path_vnic(nic, err->path, sizeof(err->path));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* VL ends                                                            */
/* ------------------------------------------------------------------ */

/* One tunnel end of vl, of its encapsulation e.  An existing end that
 * does not match the VL (e.g. its key changed) is replaced. */
static int tunnel_end(struct nl_sock *sk, const struct vnm_vl *vl,
		      const struct vnm_lnl_encap *e, const char *name, const struct vnm_host *h,
		      const struct vnm_host *peer, const char *alias, const char *bridge,
		      bool *created, struct vnm_err *err)
{
	/* a bonded VL's packets each look their route up (VNM_BOND_TOS) */
	uint8_t tos = vnm_vl_bonded(vl) ? VNM_BOND_TOS : 0;
	struct rtnl_link *l = NULL;
	struct nl_msg *msg = NULL;
	int rc;

	*created = false;
	if (vnm_lnl_own_get(sk, name, h, &l, err) < 0)
		return -1;
	if (l && !e->is_end(l, vl->vni, tos)) {
		rtnl_link_put(l);
		l = NULL;
		if (link_del(sk, name, h, err) < 0)
			return -1;
	}
	if (!l) {
		rc = e->msg_create(name, vl->vni, h->tunnel_addr, peer->tunnel_addr, tos, &msg);
		if (link_create(sk, name, rc, msg, h, err) < 0)
			return -1;
		*created = true;
	}
	rtnl_link_put(l);
	return link_setup(sk, name, alias, bridge, vl->enabled, h, err);
}

int vnm_lnl_vl_create(struct vnm_lnl *c, const struct vnm_vl *vl, struct vnm_err *err)
{
	const struct vnm_lnl_encap *e;
	const struct vnm_host *ha, *hb;
	struct nl_sock *ska, *skb;
	struct rtnl_link *l = NULL;
	struct nl_msg *msg = NULL;
	struct vnm_err ignore;
	char alias[300], path[512];
	bool created_a = false, created_b = false;
	int rc;

	vnm_lnl_path_vl(vl, path, sizeof(path));
	ha = nic_host(vl->a);
	hb = nic_host(vl->b);
	if (!ha || !hb)
		return vnm_err_set(err, VNM_E_MISSING, path,
				   "link %s/%s: a router at one of its ends is missing or has no "
				   "host", vl->vn->name, vl->name);
	vnm_lnl_alias(alias, sizeof(alias), vl->vn->name, vl->name);
	/* an end on another vnmd's host (--host) is that vnmd's to make */
	if ((!ha->remote && vnm_lnl_sock(c, ha, &ska, err) < 0) ||
	    (!hb->remote && vnm_lnl_sock(c, hb, &skb, err) < 0))
		goto fail;
	if (ha == hb) {
		/* the shared datapath makes port bridges only for these */
		if (vnm_lnl_shared(c, ha) && (vnm_lnl_vnic_port_create(c, vl->a, err) < 0 ||
					      vnm_lnl_vnic_port_create(c, vl->b, err) < 0))
			goto fail;
		if (vnm_lnl_own_get(ska, vl->end_a, ha, &l, err) < 0)
			goto fail;
		if (!l) {
			rc = vnm_lnl_msg_veth(vl->end_a, vl->end_b, &msg);
			if (link_create(ska, vl->end_a, rc, msg, ha, err) < 0)
				goto fail;
			created_a = true;
		}
		rtnl_link_put(l);
		if (link_setup(ska, vl->end_a, alias, vl->a->bridge, vl->enabled, ha, err) < 0 ||
		    link_setup(ska, vl->end_b, alias, vl->b->bridge, vl->enabled, hb, err) < 0)
			goto undo;
		return 0;
	}
	if (!ha->tunnel_addr || !hb->tunnel_addr) {
		vnm_err_set(err, VNM_E_INVALID, path,
			    "host %s has no tunnel-address, and link %s/%s crosses hosts %s and %s: "
			    "set the hosts' tunnel-address",
			    !ha->tunnel_addr ? ha->name : hb->name, vl->vn->name, vl->name, ha->name,
			    hb->name);
		return -1;
	}
	if (!(e = vnm_lnl_encap_find(vl->encap))) {
		vnm_err_set(err, VNM_E_UNSUPPORTED, path,
			    "link %s/%s: the link driver has no encapsulation %s", vl->vn->name,
			    vl->name, vl->encap);
		return -1;
	}
	if (vnm_lnl_shared(c, ha) ? vnm_lnl_sh_end_create(c, vl, true, err) < 0
				  : !ha->remote && tunnel_end(ska, vl, e, vl->end_a, ha, hb, alias,
							      vl->a->bridge, &created_a, err) < 0)
		goto undo;
	created_a |= vnm_lnl_shared(c, ha);
	if (vnm_lnl_shared(c, hb) ? vnm_lnl_sh_end_create(c, vl, false, err) < 0
				  : !hb->remote && tunnel_end(skb, vl, e, vl->end_b, hb, ha, alias,
							      vl->b->bridge, &created_b, err) < 0)
		goto undo;
	return 0;
undo:
	/* leave nothing half made behind */
	if (created_a && vnm_lnl_shared(c, ha))
		vnm_lnl_sh_end_destroy(c, vl, true, &ignore);
	else if (created_a)
		link_del(ska, vl->end_a, ha, &ignore);
	if (created_b)
		link_del(skb, vl->end_b, hb, &ignore);
fail:
	vnm_err_prefix(err, "link %s/%s", vl->vn->name, vl->name);
	snprintf(err->path, sizeof(err->path), "%s", path);
	return -1;
}

int vnm_lnl_vl_destroy(struct vnm_lnl *c, const struct vnm_vl *vl, struct vnm_err *err)
{
	const struct vnm_host *ha = nic_host(vl->a), *hb = nic_host(vl->b);
	struct nl_sock *sk;

	bool cross = ha != hb;

	/* both ends of a veth pair are retired: each frees its name */
	if (cross && vnm_lnl_shared(c, ha)) {
		if (vnm_lnl_sh_end_destroy(c, vl, true, err) < 0)
			goto fail;
	} else if (vnm_host_local(ha) && (vnm_lnl_sock(c, ha, &sk, err) < 0 ||
					  link_retire(c, sk, vl->end_a, ha, err) < 0)) {
		goto fail;
	}
	if (cross && vnm_lnl_shared(c, hb)) {
		if (vnm_lnl_sh_end_destroy(c, vl, false, err) < 0)
			goto fail;
	} else if (vnm_host_local(hb) && (vnm_lnl_sock(c, hb, &sk, err) < 0 ||
					  link_retire(c, sk, vl->end_b, hb, err) < 0)) {
		goto fail;
	}
	return 0;
fail:
	vnm_err_prefix(err, "link %s/%s", vl->vn->name, vl->name);
	vnm_lnl_path_vl(vl, err->path, sizeof(err->path));
	return -1;
}

/* ------------------------------------------------------------------ */
/* Own objects                                                        */
/* ------------------------------------------------------------------ */

struct list_job {
	const struct vnm_host *h;
	struct vnm_own_list *out;
	struct nl_cache *links;
	int half[64];            /* half made or half retired: deleted */
	size_t n_half;
	int rc;
};

static void list_link(struct nl_object *o, void *arg)
{
	struct list_job *j = arg;
	struct rtnl_link *l = (struct rtnl_link *)o;
	struct vnm_own_obj ob;

	if (j->rc >= 0 && is_half(l)) {
		if (j->n_half < sizeof(j->half) / sizeof(j->half[0]))
			j->half[j->n_half++] = rtnl_link_get_ifindex(l);
		return;
	}
	if (j->rc < 0 || !is_own(l))
		return;
	memset(&ob, 0, sizeof(ob));
	ob.kind = VNM_OBJ_IFACE;
	snprintf(ob.name, sizeof(ob.name), "%s", rtnl_link_get_name(l));
	if (vnm_lnl_alias_parse(rtnl_link_get_ifalias(l), ob.vn, sizeof(ob.vn), ob.obj,
				sizeof(ob.obj)) < 0)
		return;
	snprintf(ob.host, sizeof(ob.host), "%s", j->h ? j->h->name : "");
	if (vnm_own_list_add(j->out, &ob) < 0)
		j->rc = -1;
}

static void list_qdisc(struct nl_object *o, void *arg)
{
	struct list_job *j = arg;
	struct rtnl_tc *tc = (struct rtnl_tc *)o;
	struct rtnl_link *l;
	struct vnm_own_obj ob;

	if (j->rc < 0 || rtnl_tc_get_parent(tc) != TC_H_ROOT ||
	    rtnl_tc_get_handle(tc) != VNM_TC_ROOT)
		return;
	l = rtnl_link_get(j->links, rtnl_tc_get_ifindex(tc));
	/* the shaping of vnmd's own interfaces goes with them */
	if (!l || is_own(l) || is_half(l)) {
		rtnl_link_put(l);
		return;
	}
	memset(&ob, 0, sizeof(ob));
	ob.kind = VNM_OBJ_QDISC;
	snprintf(ob.name, sizeof(ob.name), "%s", rtnl_link_get_name(l));
	snprintf(ob.obj, sizeof(ob.obj), "%s", "htb");
	snprintf(ob.host, sizeof(ob.host), "%s", j->h ? j->h->name : "");
	rtnl_link_put(l);
	if (vnm_own_list_add(j->out, &ob) < 0)
		j->rc = -1;
}

/* A run killed between the two messages of a create or a retire left
 * these: none is a whole interface (down, or out of its bridge, or
 * untagged), and none may stay, or sit in VNM_RETIRE_GROUP under a name a
 * later create gives a live one.  Deleted now; reconciliation then makes
 * again what the configuration still has.  More than fit in one listing
 * go at the next. */
static void half_delete(struct nl_sock *sk, struct list_job *j)
{
	struct nl_msg *msg = NULL;
	char where[200];
	size_t i;
	int rc;

	for (i = 0; i < j->n_half; i++) {
		rc = vnm_lnl_msg_link_del(j->half[i], &msg);
		if (!rc)
			rc = vnm_lnl_send(sk, msg);
		if (rc < 0 && rc != -NLE_NODEV && rc != -NLE_OBJ_NOTFOUND)
			vnm_log_warn("link driver: cannot delete half-made interface %d%s: %s",
				     j->half[i], vnm_lnl_where(j->h, where, sizeof(where)),
				     vnm_lnl_strerror(rc));
	}
}

int vnm_lnl_list_own(struct vnm_lnl *c, const struct vnm_host *h, struct vnm_own_list *out,
		     struct vnm_err *err)
{
	struct list_job j = {.h = h, .out = out};
	struct nl_cache *qdiscs = NULL;
	struct nl_sock *sk;
	char where[200];
	int rc;

	if (vnm_lnl_sock(c, h, &sk, err) < 0)
		return -1;
	rc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &j.links);
	if (!rc)
		rc = rtnl_qdisc_alloc_cache(sk, &qdiscs);
	if (rc < 0) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot list interfaces%s: %s",
			    vnm_lnl_where(h, where, sizeof(where)), nl_geterror(rc));
		goto cleanup;
	}
	nl_cache_foreach(j.links, list_link, &j);
	nl_cache_foreach(qdiscs, list_qdisc, &j);
	half_delete(sk, &j);
	if (j.rc < 0)
		vnm_err_set(err, VNM_E_NOMEM, NULL, "link driver: out of memory");
	rc = j.rc;
cleanup:
	nl_cache_free(qdiscs);
	nl_cache_free(j.links);
	return rc < 0 ? -1 : 0;
}

int vnm_lnl_remove_own(struct vnm_lnl *c, const struct vnm_host *h,
		       const struct vnm_own_obj *o, struct vnm_err *err)
{
	struct nl_msg *msg = NULL;
	struct nl_sock *sk;
	char where[200];
	int idx, rc;

	if (vnm_lnl_sock(c, h, &sk, err) < 0)
		return -1;
	if (o->kind == VNM_OBJ_IFACE)
		return link_del(sk, o->name, h, err);
	if (o->kind != VNM_OBJ_QDISC)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL,
				   "link driver: %s is not a link driver object", o->name);
	idx = vnm_lnl_ifindex(sk, o->name);
	if (idx <= 0)
		return 0;
	rc = vnm_lnl_msg_qdisc_del(idx, TC_H_ROOT, VNM_TC_ROOT, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NOATTR && rc != -NLE_INVAL)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot remove vnmd's shaping from interface %s%s: %s", o->name,
				   vnm_lnl_where(h, where, sizeof(where)), vnm_lnl_strerror(rc));
	return 0;
}
