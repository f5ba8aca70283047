/*
 * link_shared.c - the shared datapath (vnmd --link-datapath shared).
 *
 * The per-link datapath gives every end of a cross-host VL its own VXLAN
 * device in a port bridge of its own: two netdevices per end, and the
 * kernel's cost of both grows with what exists (vxlan_vni_in_use walks
 * every VXLAN device of the namespace; each bridge's deletion waits for an
 * rcu_barrier under the rtnl lock).  10,000 VLs took minutes to remove and
 * held up every namespace operation of the machine meanwhile.
 *
 * Here a host (a network namespace) has ONE VXLAN device in
 * collect-metadata mode, VNM_SH_DEV, and no per-VL netdevice at all: a VL
 * end is two entries in the host's BPF maps (link_bpf.c).  The guest's tap
 * gets the transmit program on its ingress hook: frames from the guest
 * take the tunnel key of their VL (VNI, remote host, TOS) and go out
 * through VNM_SH_DEV; the receive program on VNM_SH_DEV's ingress hook
 * hands each decapsulated frame to the tap of its VNI when it comes from
 * the VL's remote host.  The shaping on the physical interfaces is the
 * same as with per-link devices (it classifies the outer VXLAN header).
 *
 * Same-host VLs keep their veth pair between the two vNICs' port bridges
 * (their shaping sits on the veth ends), so only the vNICs of such VLs get
 * a port bridge.  Hosts in the daemon's own namespace keep the per-link
 * datapath (libvirt plugs their taps into port bridges itself).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "link_bpf.h"
#include "link_int.h"
#include "log.h"

#define SH_VXLAN_PORT 4789U
#define SH_TTL 64U

bool vnm_lnl_shared(const struct vnm_lnl *c, const struct vnm_host *h)
{
	const struct vnm_lnl *p = c->parent ? c->parent : c;

	return p->shared && h && h->netns && !h->remote;
}

const char *vnm_lnl_op_vl_end_ifname(void *ctx, const struct vnm_vl *vl, bool a)
{
	const struct vnm_vnic *nic = a ? vl->a : vl->b, *far = a ? vl->b : vl->a;

	if (!nic || !far || !nic->vr || !far->vr || nic->vr->host == far->vr->host ||
	    !vnm_lnl_shared(ctx, nic->vr->host))
		return NULL;
	return VNM_SH_DEV;
}

bool vnm_lnl_sh_wants_port(const struct vnm_lnl *c, const struct vnm_vnic *nic)
{
	const struct vnm_vl *vl = nic ? nic->vl : NULL;

	if (!nic || !nic->vr || !vnm_lnl_shared(c, nic->vr->host))
		return true;
	/* a same-host VL's veth pair hangs in both vNICs' port bridges, and
	 * a vNIC without a VL keeps its bridge: what else the operator plugs
	 * into the router (a client, a host's own interface) goes there */
	return !vl || !vl->a || !vl->b || !vl->a->vr || !vl->b->vr ||
	       vl->a->vr->host == vl->b->vr->host;
}

/* The entry of h's namespace in c (after vnm_lnl_sock opened it). */
static struct vnm_lnl_ns *ns_of(struct vnm_lnl *c, const struct vnm_host *h)
{
	size_t i;

	for (i = 0; i < c->n_ns; i++)
		if (!strcmp(c->ns[i].name, h->netns))
			return &c->ns[i];
	return NULL;
}

void vnm_lnl_sh_ns_reset(struct vnm_lnl_ns *ns)
{
	vnm_bpf_close(ns->bpf);
	ns->bpf = NULL;
	ns->vx = 0;
	ns->taps = VNM_SH_TAPS_UNKNOWN;
}

static void tap_seen(struct nl_object *o, void *arg)
{
	const char *name = rtnl_link_get_name((struct rtnl_link *)o);

	if (name && !strncmp(name, "vnt", 3))
		*(int *)arg = VNM_SH_TAPS_SOME;
}

/* ns->taps from one dump of the namespace (taps are "vnt" + a vNIC's id,
 * model.h); left unknown when the dump fails. */
static void taps_count(struct nl_sock *sk, struct vnm_lnl_ns *ns)
{
	struct nl_cache *links = NULL;
	int found = VNM_SH_TAPS_NONE;

	if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &links) < 0)
		return;
	nl_cache_foreach(links, tap_seen, &found);
	nl_cache_free(links);
	ns->taps = found;
}

int vnm_lnl_sh_tap_ifindex(struct vnm_lnl *c, const struct vnm_host *h, struct nl_sock *sk,
			   const char *tap)
{
	struct vnm_lnl_ns *ns = vnm_lnl_shared(c, h) ? ns_of(c, h) : NULL;

	if (ns && ns->taps == VNM_SH_TAPS_NONE)
		return 0;
	return vnm_lnl_ifindex(sk, tap);
}

/* An address as the maps hold it: 0, 1 for IPv6, or -1. */
static int addr_parse(const char *text, uint32_t out[4])
{
	memset(out, 0, 4 * sizeof(out[0]));
	if (!text)
		return -1;
	if (inet_pton(AF_INET, text, &out[0]) == 1)
		return 0;
	return inet_pton(AF_INET6, text, out) == 1 ? 1 : -1;
}

struct sh_dev_args {
	uint32_t local[4];
	bool v6;
};

static int put_dev_data(struct nl_msg *msg, const void *arg)
{
	const struct sh_dev_args *a = arg;

	if (nla_put_u8(msg, IFLA_VXLAN_COLLECT_METADATA, 1) < 0 ||
	    nla_put(msg, a->v6 ? IFLA_VXLAN_LOCAL6 : IFLA_VXLAN_LOCAL, a->v6 ? 16 : 4,
		    a->local) < 0 ||
	    nla_put_u16(msg, IFLA_VXLAN_PORT, htons(SH_VXLAN_PORT)) < 0 ||
	    nla_put_u8(msg, IFLA_VXLAN_LEARNING, 0) < 0)
		return -NLE_MSGSIZE;
	return 0;
}

int vnm_lnl_msg_sh_dev(const char *local, struct nl_msg **out)
{
	struct sh_dev_args a;
	int fam = addr_parse(local, a.local);

	*out = NULL;
	if (fam < 0)
		return -NLE_INVAL;
	a.v6 = fam == 1;
	return vnm_lnl_msg_tunnel(VNM_SH_DEV, "vxlan", put_dev_data, &a, out);
}

/* Ingress qdisc on idx (one that exists is fine) and prog (rx: the
 * receive one) attached to it, replacing what was there. */
static int attach(struct nl_sock *sk, const struct vnm_bpf *b, int idx, bool rx)
{
	struct nl_msg *msg = NULL;
	int rc;

	rc = vnm_bpf_msg_ingress(idx, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0 && rc != -NLE_EXIST)
		return rc;
	rc = vnm_bpf_msg_attach(b, idx, rx, &msg);
	return rc ? rc : vnm_lnl_send(sk, msg);
}

/* The device: adopted when it is vnmd's, else made. */
static int dev_ready(struct nl_sock *sk, const struct vnm_host *h, struct vnm_lnl_ns *ns,
		     struct vnm_err *err)
{
	struct rtnl_link *l = NULL;
	struct nl_msg *msg = NULL;
	const char *alias;
	char where[200];
	int rc, idx;

	vnm_lnl_where(h, where, sizeof(where));
	rc = rtnl_link_get_kernel(sk, 0, VNM_SH_DEV, &l);
	if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NODEV)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot look up interface %s%s: %s",
				   VNM_SH_DEV, where, nl_geterror(rc));
	if (rc >= 0 && l) {
		alias = rtnl_link_get_ifalias(l);
		idx = rtnl_link_get_ifindex(l);
		rc = alias && !strcmp(alias, VNM_SH_ALIAS);
		rtnl_link_put(l);
		if (!rc)
			return vnm_err_set(err, VNM_E_EXISTS, NULL,
					   "interface %s%s exists but is not vnmd's shared VXLAN "
					   "device (ifalias \"%s\"): remove or rename it",
					   VNM_SH_DEV, where, VNM_SH_ALIAS);
	} else {
		if (!h->tunnel_addr)
			return vnm_err_set(err, VNM_E_INVALID, NULL,
					   "host %s has no tunnel-address: set it", h->name);
		rc = vnm_lnl_msg_sh_dev(h->tunnel_addr, &msg);
		if (!rc)
			rc = vnm_lnl_send(sk, msg);
		if (rc < 0)
			return vnm_err_set(err, VNM_E_DRIVER, NULL,
					   "cannot create the shared VXLAN device %s%s: %s",
					   VNM_SH_DEV, where, vnm_lnl_strerror(rc));
		idx = vnm_lnl_ifindex(sk, VNM_SH_DEV);
		if (idx <= 0)
			return vnm_err_set(err, VNM_E_DRIVER, NULL, "interface %s%s vanished",
					   VNM_SH_DEV, where);
	}
	/* tagged (it leaves VNM_HALF_GROUP), up, receive program on */
	rc = vnm_lnl_msg_link_set(idx, VNM_SH_ALIAS, -1, true, 0, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (!rc)
		rc = attach(sk, ns->bpf, idx, true);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot set up the shared VXLAN device %s%s: %s", VNM_SH_DEV,
				   where, vnm_lnl_strerror(rc));
	ns->vx = idx;
	return 0;
}

/* The maps of the receive program a run before this one left on the
 * host's device, if any: the VLs' entries and counters go on (a restarted
 * daemon changes nothing of the traffic).  0, or -1 when there is nothing
 * to adopt. */
static int adopt(struct nl_sock *sk, const struct vnm_host *h, struct vnm_lnl_ns *ns)
{
	struct nl_msg *msg = NULL;
	uint32_t rx_id = 0;
	char log[256];
	int idx, rc;

	idx = vnm_lnl_ifindex(sk, VNM_SH_DEV);
	if (idx <= 0 || vnm_bpf_msg_get_filter(idx, &msg) < 0 ||
	    vnm_lnl_request(sk, msg, vnm_bpf_parse_filter, &rx_id) < 0 || !rx_id)
		return -1;
	rc = vnm_bpf_adopt(&ns->bpf, 0, rx_id, log, sizeof(log));
	if (rc < 0)
		vnm_log_warn("link driver: host %s: the shared datapath's maps cannot be taken "
			     "over (%s): new ones replace them, the VLs' counters start again",
			     h->name, log);
	return rc < 0 ? -1 : 0;
}

/* h's namespace with its maps and device, ready for VL ends. */
static int host_ready(struct vnm_lnl *c, const struct vnm_host *h, struct nl_sock **sk,
		      struct vnm_lnl_ns **out, struct vnm_err *err)
{
	struct vnm_lnl_ns *ns;
	char log[512];

	if (vnm_lnl_sock(c, h, sk, err) < 0)
		return -1;
	ns = ns_of(c, h);
	if (!ns)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "link driver: no namespace entry");
	if (!ns->bpf && adopt(*sk, h, ns) < 0 && vnm_bpf_open(&ns->bpf, log, sizeof(log)) < 0)
		return vnm_err_set(err, VNM_E_UNSUPPORTED, NULL,
				   "host %s: the shared datapath cannot load its BPF programs "
				   "(needs CONFIG_BPF_SYSCALL and CONFIG_NET_CLS_BPF): %s",
				   h->name, log);
	if (!ns->vx && dev_ready(*sk, h, ns, err) < 0)
		return -1;
	if (ns->taps == VNM_SH_TAPS_UNKNOWN)
		taps_count(*sk, ns);
	*out = ns;
	return 0;
}

/* What the maps say of vl's end on nic's side, toward peer. */
static int end_entries(const struct vnm_vl *vl, const struct vnm_host *peer, bool up,
		       int vx, int tap, struct vnm_bpf_tap *t, struct vnm_bpf_vni *v)
{
	int fam;

	memset(t, 0, sizeof(*t));
	memset(v, 0, sizeof(*v));
	fam = addr_parse(peer->tunnel_addr, t->remote);
	if (fam < 0)
		return -1;
	t->vni = vl->vni;
	t->vx_ifindex = (uint32_t)vx;
	t->flags = (up ? VNM_BPF_UP : 0) | (fam == 1 ? VNM_BPF_IPV6 : 0);
	t->tos = vnm_vl_bonded(vl) ? VNM_BOND_TOS : 0;
	v->tap_ifindex = (uint32_t)(tap > 0 ? tap : 0);
	v->flags = t->flags;
	memcpy(v->remote, t->remote, sizeof(v->remote));
	return 0;
}

/* The entries of one end; tap < 0: look the tap up. */
static int end_set(struct vnm_lnl *c, const struct vnm_vl *vl, const struct vnm_vnic *nic,
		   const struct vnm_host *peer, bool up, int tap, struct vnm_err *err)
{
	const struct vnm_host *h = nic->vr->host;
	struct vnm_bpf_tap t;
	struct vnm_bpf_vni v;
	struct vnm_lnl_ns *ns = NULL;
	struct nl_sock *sk = NULL;
	char where[200];
	int rc;

	if (host_ready(c, h, &sk, &ns, err) < 0)
		return -1;
	vnm_lnl_where(h, where, sizeof(where));
	if (tap < 0)
		tap = vnm_lnl_sh_tap_ifindex(c, h, sk, nic->tap);
	else
		ns->taps = VNM_SH_TAPS_SOME; /* a plug brought it */
	if (end_entries(vl, peer, up, ns->vx, tap, &t, &v) < 0)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "host %s: its tunnel-address %s is not an IP address",
				   peer->name, peer->tunnel_addr ? peer->tunnel_addr : "(none)");
	rc = vnm_bpf_vni_set(ns->bpf, vl->vni, &v);
	if (!rc && tap > 0)
		rc = vnm_bpf_tap_set(ns->bpf, tap, &t);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot set VNI %u toward host %s in the BPF maps%s: %s",
				   vl->vni, peer->name, where, strerror(-rc));
	if (tap > 0 && (rc = attach(sk, ns->bpf, tap, false)) < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot attach the transmit program to tap %s%s: %s", nic->tap,
				   where, vnm_lnl_strerror(rc));
	return 0;
}

static int end_del(struct vnm_lnl *c, const struct vnm_vl *vl, const struct vnm_vnic *nic,
		   struct vnm_err *err)
{
	const struct vnm_host *h = nic->vr->host;
	struct vnm_lnl_ns *ns;
	struct nl_sock *sk;
	int tap;

	if (vnm_lnl_sock(c, h, &sk, err) < 0)
		return -1;
	ns = ns_of(c, h);
	if (!ns || (!ns->bpf && adopt(sk, h, ns) < 0))
		return 0; /* no maps on the host: no entry to remove */
	tap = vnm_lnl_sh_tap_ifindex(c, h, sk, nic->tap);
	if (tap > 0)
		vnm_bpf_tap_del(ns->bpf, tap);
	vnm_bpf_vni_del(ns->bpf, vl->vni);
	return 0;
}

int vnm_lnl_sh_end_create(struct vnm_lnl *c, const struct vnm_vl *vl, bool a,
			  struct vnm_err *err)
{
	const struct vnm_vnic *nic = a ? vl->a : vl->b, *far = a ? vl->b : vl->a;

	return end_set(c, vl, nic, far->vr->host, vl->enabled, -1, err);
}

int vnm_lnl_sh_end_destroy(struct vnm_lnl *c, const struct vnm_vl *vl, bool a,
			   struct vnm_err *err)
{
	return end_del(c, vl, a ? vl->a : vl->b, err);
}

int vnm_lnl_sh_end_set_up(struct vnm_lnl *c, const struct vnm_vl *vl, bool a, bool up,
			  struct vnm_err *err)
{
	const struct vnm_vnic *nic = a ? vl->a : vl->b, *far = a ? vl->b : vl->a;

	return end_set(c, vl, nic, far->vr->host, up, -1, err);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool wanted(uint32_t vni, const uint32_t *vnis, size_t n)
{
	return bsearch(&vni, vnis, n, sizeof(*vnis), cmp_u32) != NULL;
}

static int push(uint32_t **v, size_t *n, size_t *cap, uint32_t k)
{
	size_t ncap = *cap ? 2 * *cap : 64;
	uint32_t *tmp;

	if (*n == *cap) {
		tmp = realloc(*v, ncap * sizeof(**v));
		if (!tmp)
			return -ENOMEM;
		*v = tmp;
		*cap = ncap;
	}
	(*v)[(*n)++] = k;
	return 0;
}

/* The VNI map's keys that are not in vnis: into *out (*n_out of them).
 * 0, or -errno (a walk ends with -ENOENT after the last key). */
static int unwanted_vnis(struct vnm_bpf *b, const uint32_t *vnis, size_t n, uint32_t **out,
			 size_t *n_out)
{
	uint32_t k, prev;
	size_t cap = 0;
	int rc;

	for (rc = vnm_bpf_vni_next(b, NULL, &k); !rc;
	     prev = k, rc = vnm_bpf_vni_next(b, &prev, &k))
		if (!wanted(k, vnis, n) && push(out, n_out, &cap, k))
			return -ENOMEM;
	return rc == -ENOENT ? 0 : rc;
}

/* The tap map's keys (taps) whose VNI is not in vnis, likewise. */
static int unwanted_taps(struct vnm_bpf *b, const uint32_t *vnis, size_t n, uint32_t **out,
			 size_t *n_out)
{
	struct vnm_bpf_tap t;
	size_t cap = 0;
	int k, prev, rc;

	for (rc = vnm_bpf_tap_next(b, NULL, &k); !rc;
	     prev = k, rc = vnm_bpf_tap_next(b, &prev, &k))
		if (vnm_bpf_tap_get(b, k, &t) == 0 && !wanted(t.vni, vnis, n) &&
		    push(out, n_out, &cap, (uint32_t)k))
			return -ENOMEM;
	return rc == -ENOENT ? 0 : rc;
}

int vnm_lnl_sh_sweep(struct vnm_lnl *c, const struct vnm_host *h, const uint32_t *vnis,
		     size_t n, size_t *removed, struct vnm_err *err)
{
	uint32_t *gone = NULL, *taps = NULL;
	size_t ng = 0, nt = 0, i;
	struct vnm_lnl_ns *ns;
	struct nl_sock *sk;
	char where[200];
	int rc;

	*removed = 0;
	if (!vnm_lnl_shared(c, h))
		return 0;
	if (vnm_lnl_sock(c, h, &sk, err) < 0)
		return -1;
	ns = ns_of(c, h);
	if (!ns || (!ns->bpf && adopt(sk, h, ns) < 0))
		return 0; /* no maps on the host: nothing left behind */
	/* collected first, removed after: a hash map's walk restarts when
	 * the key it stands on goes */
	rc = unwanted_vnis(ns->bpf, vnis, n, &gone, &ng);
	if (!rc)
		rc = unwanted_taps(ns->bpf, vnis, n, &taps, &nt);
	if (rc) {
		vnm_err_set(err, rc == -ENOMEM ? VNM_E_NOMEM : VNM_E_DRIVER, NULL,
			    "cannot read the shared datapath's BPF maps%s: %s",
			    vnm_lnl_where(h, where, sizeof(where)), strerror(-rc));
		goto cleanup;
	}
	for (i = 0; i < nt; i++)
		vnm_bpf_tap_del(ns->bpf, (int)taps[i]);
	for (i = 0; i < ng; i++) {
		if (vnm_bpf_vni_del(ns->bpf, gone[i]) < 0)
			continue;
		vnm_log(VNM_LOG_INFO, "reconciliation: removing leftover VNI %u of the shared "
			"datapath%s", gone[i], vnm_lnl_where(h, where, sizeof(where)));
		(*removed)++;
	}
cleanup:
	free(gone);
	free(taps);
	return rc ? -1 : 0;
}

int vnm_lnl_sh_unglue(struct vnm_lnl *c, const struct vnm_vnic *nic, struct nl_sock *sk,
		      struct vnm_err *err)
{
	struct nl_msg *msg = NULL;
	int tap, br, rc;

	tap = vnm_lnl_sh_tap_ifindex(c, nic->vr->host, sk, nic->tap);
	if (tap <= 0)
		return 0; /* the router does not run: its start plugs the tap */
	br = vnm_lnl_ifindex(sk, nic->bridge);
	if (br <= 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "its port bridge %s vanished",
				   nic->bridge);
	/* the transmit program would send the tap's frames on regardless */
	rc = vnm_bpf_msg_detach(tap, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NOADDR && rc != -NLE_INVAL)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot take the shared datapath's program off tap %s: %s",
				   nic->tap, vnm_lnl_strerror(rc));
	rc = vnm_lnl_msg_link_set(tap, NULL, br, true, 0, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot plug tap %s into bridge %s: %s",
				   nic->tap, nic->bridge, vnm_lnl_strerror(rc));
	return 0;
}

int vnm_lnl_sh_plug(struct vnm_lnl *c, const struct vnm_vnic *nic, struct nl_sock *sk,
		    int tap, struct vnm_err *err)
{
	struct vnm_lnl_ns *ns = ns_of(c, nic->vr->host);
	const struct vnm_vl *vl = nic->vl;
	struct nl_msg *msg = NULL;
	int rc;

	if (ns)
		ns->taps = VNM_SH_TAPS_SOME;
	/* up, so that the guest's frames reach the ingress hook */
	rc = vnm_lnl_msg_link_set(tap, NULL, -1, true, 0, &msg);
	if (!rc)
		rc = vnm_lnl_send(sk, msg);
	if (rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot bring tap %s up: %s",
				   nic->tap, vnm_lnl_strerror(rc));
	if (!vl || !vl->a || !vl->b || !vl->a->vr || !vl->b->vr)
		return 0; /* no VL yet: its create sets the tap's entries */
	return end_set(c, vl, nic, (nic == vl->a ? vl->b : vl->a)->vr->host, vl->enabled, tap,
		       err);
}

int vnm_lnl_sh_counters(struct vnm_lnl *s, const struct vnm_vl *vl, const struct vnm_host *h,
			bool mirror, struct vnm_vl_counters *out, struct vnm_err *err)
{
	struct vnm_lnl *c = s->parent ? s->parent : s;
	struct vnm_bpf_ctr k = {0};
	struct vnm_bpf_vni v;
	struct vnm_lnl_ns *ns;
	struct nl_sock *sk;
	uint32_t id = 0, rx_id = 0;
	int rc = 0;

	/* the stats lock is held; the parent's is taken after it */
	pthread_mutex_lock(&c->lock);
	if (vnm_lnl_sock(c, h, &sk, err) < 0) {
		rc = -1;
	} else if ((ns = ns_of(c, h)) && (ns->bpf || adopt(sk, h, ns) == 0)) {
		if (vnm_bpf_ctr_get(ns->bpf, vl->vni, &k) == 0 &&
		    vnm_bpf_vni_get(ns->bpf, vl->vni, &v) == 0) {
			vnm_bpf_prog_ids(ns->bpf, &id, &rx_id);
			out->up = (v.flags & VNM_BPF_UP) != 0;
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (rc < 0)
		return -1;
	/* the counters live as long as the maps, and the maps as long as the
	 * programs: a new program is a new source */
	out->ifindex = (int)id;
	out->out_octets = mirror ? k.rx_bytes : k.tx_bytes;
	out->out_packets = mirror ? k.rx_packets : k.tx_packets;
	out->in_octets = mirror ? k.tx_bytes : k.rx_bytes;
	out->in_packets = mirror ? k.tx_packets : k.rx_packets;
	out->drops = k.drops;
	return 0;
}
