/*
 * link_admin.c - a VL's admin state on the host side (vnm_link_ops.vl_set_up).
 *
 * A disabled VL keeps everything it is made of: its ends stay in their
 * port bridges with their tag, shaping and counters; only IFF_UP goes (in
 * the shared datapath, the UP flag of its entries in the hosts' maps: the
 * programs then drop its frames both ways).  An
 * end that is down forwards nothing, and (a veth pair) takes its peer's
 * carrier with it.  Only vnmd's own interfaces are touched: an end that
 * exists without vnmd's tag is an error, as everywhere in this driver.
 */
#include <stdio.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "link_int.h"

/* One end, name on host h: 0, or -1 with err set. */
static int end_set_up(struct vnm_lnl *c, const struct vnm_vl *vl, const char *name,
		      const struct vnm_host *h, bool up, struct vnm_err *err)
{
	struct rtnl_link *l = NULL;
	struct nl_msg *msg = NULL;
	struct nl_sock *sk;
	char where[200];
	int rc;

	if (h->remote)
		return 0; /* that RM's vnmd sets its end */
	if (vnm_lnl_sock(c, h, &sk, err) < 0 || vnm_lnl_own_get(sk, name, h, &l, err) < 0)
		return -1;
	if (!l)
		return vnm_err_set(err, VNM_E_MISSING, NULL,
				   "link %s/%s: its end %s%s is missing: the link must exist to be "
				   "%s", vl->vn ? vl->vn->name : "?", vl->name, name,
				   vnm_lnl_where(h, where, sizeof(where)), up ? "enabled" : "disabled");
	rc = vnm_lnl_msg_link_set(rtnl_link_get_ifindex(l), NULL, -1, up, 0, &msg);
	rtnl_link_put(l);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "link %s/%s: cannot bring %s%s %s: %s",
				   vl->vn ? vl->vn->name : "?", vl->name, name,
				   vnm_lnl_where(h, where, sizeof(where)), up ? "up" : "down",
				   vnm_lnl_strerror(rc));
	return 0;
}

/* The a (or b) end of vl, of whichever datapath. */
static int one_end(struct vnm_lnl *c, const struct vnm_vl *vl, bool a, bool cross, bool up,
		   struct vnm_err *err)
{
	const struct vnm_host *h = (a ? vl->a : vl->b)->vr->host;

	if (cross && vnm_lnl_shared(c, h))
		return vnm_lnl_sh_end_set_up(c, vl, a, up, err);
	return end_set_up(c, vl, a ? vl->end_a : vl->end_b, h, up, err);
}

int vnm_lnl_vl_set_up(struct vnm_lnl *c, const struct vnm_vl *vl, bool up, struct vnm_err *err)
{
	const struct vnm_host *ha = vl->a && vl->a->vr ? vl->a->vr->host : NULL;
	const struct vnm_host *hb = vl->b && vl->b->vr ? vl->b->vr->host : NULL;
	struct vnm_err ignore;
	char path[512];

	vnm_lnl_path_vl(vl, path, sizeof(path));
	if (!ha || !hb)
		return vnm_err_set(err, VNM_E_MISSING, path,
				   "link %s/%s: a router at one of its ends is missing or has no "
				   "host", vl->vn ? vl->vn->name : "?", vl->name);
	if (one_end(c, vl, true, ha != hb, up, err) < 0)
		goto fail;
	if (one_end(c, vl, false, ha != hb, up, err) < 0) {
		/* the step fails as a whole */
		one_end(c, vl, true, ha != hb, !up, &ignore);
		goto fail;
	}
	return 0;
fail:
	snprintf(err->path, sizeof(err->path), "%s", path);
	return -1;
}
