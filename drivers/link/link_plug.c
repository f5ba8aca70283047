/*
 * link_plug.c - a guest's tap into its port bridge when the VR's host lives
 * in a network namespace (emulated RMs on one machine).
 *
 * libvirt creates a guest's taps in the daemon's namespace and can plug them
 * only into bridges there; an RM's port bridges live in the RM's namespace.
 * So for such hosts the hypervisor driver gives NICs type 'ethernet' and,
 * once the guest runs, this moves each tap into the RM's namespace (QEMU
 * keeps its file descriptor, the tap keeps working) and enslaves it to the
 * vNIC's port bridge.  Every restart of the guest makes a new tap in the
 * daemon's namespace, which is why the core calls this after each start.
 * Only a tap with the MAC libvirt derives from the vNIC's is taken.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "link_int.h"

/* RTM_NEWLINK moving ifindex into the namespace open at ns_fd. */
static int msg_move_to_ns(int ifindex, int ns_fd, struct nl_msg **out)
{
	*out = vnm_lnl_ifi_msg(RTM_NEWLINK, ifindex, 0);
	if (!*out)
		return -NLE_NOMEM;
	if (nla_put_u32(*out, IFLA_NET_NS_FD, (uint32_t)ns_fd) < 0) {
		nlmsg_free(*out);
		*out = NULL;
		return -NLE_MSGSIZE;
	}
	return 0;
}

/*
 * Is the tap called name in sk's namespace the one the hypervisor made for
 * nic?  libvirt gives a guest's tap the guest's MAC with the first byte set
 * to 0xfe, so a tap of the same name that belongs to something else (a
 * second vnmd, a test) is not taken.  1 yes, 0 no, -1 cannot tell.
 */
static int tap_is_nics(struct nl_sock *sk, const char *name, const struct vnm_vnic *nic)
{
	struct rtnl_link *link = NULL;
	struct nl_addr *a;
	unsigned int m[6];
	const unsigned char *b;
	int rc = -1;

	if (sscanf(nic->mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return -1;
	if (rtnl_link_get_kernel(sk, 0, name, &link) < 0)
		return -1;
	a = rtnl_link_get_addr(link);
	if (a && nl_addr_get_len(a) == 6) {
		b = nl_addr_get_binary_addr(a);
		rc = b[0] == 0xfe && b[1] == m[1] && b[2] == m[2] && b[3] == m[3] &&
		     b[4] == m[4] && b[5] == m[5];
	}
	rtnl_link_put(link);
	return rc;
}

static int plug_locked(struct vnm_lnl *c, const struct vnm_vnic *nic, struct vnm_err *err)
{
	const struct vnm_host *h = nic->vr ? nic->vr->host : NULL;
	char path[96], where[160], npath[512];
	struct nl_sock *hsk;
	struct nl_msg *msg;
	int idx, br, fd = -1, rc = -1, nrc;
	bool glue;

	if (!h || !h->netns)
		return 0; /* libvirt plugged it (NIC type bridge) */
	vnm_lnl_path_vnic(nic, npath, sizeof(npath));
	vnm_lnl_where(h, where, sizeof(where));
	if (vnm_lnl_sock(c, h, &hsk, err))
		return -1;
	/* Look before moving anything: a missing port bridge is an error
	 * that must leave the tap where it is. */
	idx = vnm_lnl_ifindex(c->own, nic->tap);
	if (idx <= 0 && vnm_lnl_sh_tap_ifindex(c, h, hsk, nic->tap) <= 0)
		return 0; /* the guest is not running: nothing to plug */
	br = vnm_lnl_ifindex(hsk, nic->bridge);
	/* in the shared datapath, the tap of a cross-host VL's vNIC gets the
	 * program (a port bridge it may have from before its VL stays unused:
	 * the program takes every frame before a bridge would) */
	glue = !vnm_lnl_sh_wants_port(c, nic);
	if (br <= 0 && !glue) {
		vnm_err_set(err, VNM_E_DRIVER, npath,
			    "vNIC %s of router %s: its port bridge %s is missing%s",
			    nic->name, nic->vr->name, nic->bridge, where);
		goto cleanup;
	}
	if (idx > 0 && tap_is_nics(c->own, nic->tap, nic) != 1) {
		vnm_err_set(err, VNM_E_DRIVER, npath,
			    "vNIC %s of router %s: the interface %s in vnmd's namespace is not "
			    "this router's tap (its MAC is not fe:%s); is another vnmd using the "
			    "same network and router names?",
			    nic->name, nic->vr->name, nic->tap, nic->mac + 3);
		goto cleanup;
	}
	if (idx > 0) {
		snprintf(path, sizeof(path), "/run/netns/%s", h->netns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			vnm_err_set(err, VNM_E_DRIVER, npath,
				    "vNIC %s of router %s: cannot open %s: %s", nic->name,
				    nic->vr->name, path, strerror(errno));
			goto cleanup;
		}
		nrc = msg_move_to_ns(idx, fd, &msg);
		if (!nrc)
			nrc = vnm_lnl_send(c->own, msg);
		if (nrc < 0) {
			vnm_err_set(err, VNM_E_DRIVER, npath,
				    "vNIC %s of router %s: cannot move tap %s into%s: %s",
				    nic->name, nic->vr->name, nic->tap, where, vnm_lnl_strerror(nrc));
			goto cleanup;
		}
	}
	idx = vnm_lnl_ifindex(hsk, nic->tap);
	if (idx <= 0) {
		vnm_err_set(err, VNM_E_DRIVER, npath,
			    "vNIC %s of router %s: tap %s vanished while plugging it%s",
			    nic->name, nic->vr->name, nic->tap, where);
		goto cleanup;
	}
	if (glue) {
		rc = vnm_lnl_sh_plug(c, nic, hsk, idx, err);
		if (rc < 0)
			vnm_err_prefix(err, "vNIC %s of router %s", nic->name, nic->vr->name);
		goto cleanup;
	}
	nrc = vnm_lnl_msg_link_set(idx, NULL, br, true, 0, &msg);
	if (!nrc)
		nrc = vnm_lnl_send(hsk, msg);
	if (nrc < 0) {
		vnm_err_set(err, VNM_E_DRIVER, npath,
			    "vNIC %s of router %s: cannot plug tap %s into bridge %s%s: %s",
			    nic->name, nic->vr->name, nic->tap, nic->bridge, where,
			    vnm_lnl_strerror(nrc));
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	return rc;
}

int vnm_lnl_op_vnic_plug(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err)
{
	struct vnm_lnl *c = ctx;
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = plug_locked(c, nic, err);
	pthread_mutex_unlock(&c->lock);
	return rc;
}
