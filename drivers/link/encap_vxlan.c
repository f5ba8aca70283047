/*
 * encap_vxlan.c - VXLAN (RFC 7348), the default row of the link driver's
 * table of encapsulations (encap.c): one "vxlan" device per VL end, VNI =
 * the VL's key, UDP port 4789; each VL frame on the wire gains an outer
 * Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 = 50 bytes.
 */
#include "link_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/if_link.h>
#include <netlink/netlink.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vxlan.h>

#define VXLAN_PORT 4789U
#define VXLAN_OVERHEAD 50U
/* The VNI is the top 24 bits of the VXLAN header's second word, 32 bytes
 * after an IPv4 header without options (20 + UDP 8 + VXLAN flags 4). */
#define VNI_OFF 32
#define VNI_MASK 0xffffff00U

struct vx_args {
	uint32_t vni;
	uint8_t tos;
	struct nl_addr *la, *ra;
};

/* Built by hand: libnl 3.7 sends IFLA_VXLAN_PORT as 4 bytes where the
 * kernel wants a be16 (it warns "attribute type 15 has an invalid
 * length" and reads the first two bytes). */
static int put_data(struct nl_msg *msg, const void *arg)
{
	const struct vx_args *a = arg;
	bool v6 = nl_addr_get_family(a->la) == AF_INET6;

	if (nla_put_u32(msg, IFLA_VXLAN_ID, a->vni) < 0 ||
	    nla_put(msg, v6 ? IFLA_VXLAN_LOCAL6 : IFLA_VXLAN_LOCAL, (int)nl_addr_get_len(a->la),
		    nl_addr_get_binary_addr(a->la)) < 0 ||
	    nla_put(msg, v6 ? IFLA_VXLAN_GROUP6 : IFLA_VXLAN_GROUP, (int)nl_addr_get_len(a->ra),
		    nl_addr_get_binary_addr(a->ra)) < 0 ||
	    nla_put_u16(msg, IFLA_VXLAN_PORT, htons(VXLAN_PORT)) < 0 ||
	    nla_put_u8(msg, IFLA_VXLAN_LEARNING, 0) < 0 ||
	    (a->tos && nla_put_u8(msg, IFLA_VXLAN_TOS, a->tos) < 0))
		return -NLE_MSGSIZE;
	return 0;
}

static int vx_create(const char *name, uint32_t vni, const char *local, const char *remote,
		     uint8_t tos, struct nl_msg **out)
{
	struct vx_args a = {.vni = vni, .tos = tos};
	int rc;

	*out = NULL;
	if ((rc = vnm_lnl_addr_pair(local, remote, &a.la, &a.ra)) == 0)
		rc = vnm_lnl_msg_tunnel(name, "vxlan", put_data, &a, out);
	nl_addr_put(a.la);
	nl_addr_put(a.ra);
	return rc;
}

static bool vx_is_end(struct rtnl_link *l, uint32_t vni, uint8_t tos)
{
	uint32_t id = 0;

	return rtnl_link_is_vxlan(l) && rtnl_link_vxlan_get_id(l, &id) == 0 && id == vni &&
	       rtnl_link_vxlan_get_tos(l) == (int)tos;
}

static int vx_match(struct rtnl_cls *f)
{
	int rc = vnm_lnl_u32_udp(f, VXLAN_PORT);

	/* on to the bucket of the VNI's low byte */
	return rc < 0 ? rc : rtnl_u32_set_hashmask(f, 0x0000ff00U, VNI_OFF);
}

static int vx_match_key(struct rtnl_cls *f, uint32_t vni)
{
	/* the whole VNI: a bucket holds every VNI with the same low byte */
	return rtnl_u32_add_key_uint32(f, vni << 8, VNI_MASK, VNI_OFF, 0);
}

static int64_t vx_key_of(uint32_t val, uint32_t mask, int off)
{
	return off == VNI_OFF && ntohl(mask) == VNI_MASK ? (int64_t)(ntohl(val) >> 8) : -1;
}

const struct vnm_lnl_encap vnm_lnl_encap_vxlan = {
	.name = "vxlan",
	.overhead = VXLAN_OVERHEAD,
	.msg_create = vx_create,
	.is_end = vx_is_end,
	.match = vx_match,
	.match_key = vx_match_key,
	.key_of = vx_key_of,
};
