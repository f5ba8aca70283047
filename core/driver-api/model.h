/*
 * model.h - the configuration of vnmd as C structs.
 *
 * A struct vnm_model is built from a libyang data tree of the `vnmd` YANG
 * module (RFC 8345 networks augmented by vnmd) by vnm_model_build().  It is
 * read-only once built: the core plans a transaction by comparing two models
 * (old running, new candidate); drivers get const pointers into them.
 *
 * Terms (from the paper): host = RM (real machine), plink = physical link,
 * vn = virtual network, vr = virtual router, vnic = a VR's NIC (an RFC 8345
 * termination point of a VR), vl = virtual link.
 *
 * Ownership: the model owns every string and array inside it; pointers
 * between objects stay valid until vnm_model_free().  Networks without a
 * vnmd marker (plain RFC 8345 topologies) are not in the model.
 */
#ifndef VNM_MODEL_H
#define VNM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "vnm_types.h"

struct lyd_node;


/* Frame size the encapsulation's overhead is accounted for in admission
 * control: a full MTU frame of the VL (1500 + Ethernet header 14). */
#define VNM_FRAME_BYTES 1514
/* The ceiling of a same-host VL that has delay, jitter or loss but no
 * rate-limit (netem sits under a class; 100 Gbit/s limits nothing). */
#define VNM_NO_LIMIT 100000000000ULL


enum vnm_domain_type {
	VNM_DT_DEFAULT = 0, /* choose from the hypervisor's capabilities */
	VNM_DT_QEMU,
	VNM_DT_KVM,
};

struct vnm_host;
struct vnm_vn;
struct vnm_vr;
struct vnm_vl;

/* A termination point of a host: one host interface. */
struct vnm_host_if {
	char *tp_id;
	char *ifname;    /* the `interface` leaf, or tp_id */
	struct vnm_host *host;
};

/* RM: a node of the underlay. */
struct vnm_host {
	char *name;              /* node-id */
	char *uri;               /* libvirt URI; NULL: the daemon's default */
	char *tunnel_addr;       /* NULL when not set */
	enum vnm_domain_type domain_type;
	char *netns;             /* NULL: the daemon's own namespace */
	bool remote;             /* realised by another vnmd (the one of this
				  * RM): this vnmd's drivers leave its VRs, VL
				  * ends and interfaces alone.  Set by the core
				  * after the model is built (vnm_model_mark) */
	char *mgmt_addr;         /* management/address: the NETCONF endpoint
				  * of this RM's vnmd ("unix:/PATH" or
				  * "ssh:USER@HOST[:PORT]"); NULL: none */
	char *mgmt_cred;         /* management/credentials: a --peer-key name */
	struct vnm_host_if *ifs;
	size_t n_ifs;
};

/* Physical link of the underlay. */
struct vnm_plink {
	char *name;              /* link-id */
	struct vnm_host_if *src; /* interface on the source host */
	struct vnm_host_if *dst; /* interface on the destination host */
	uint64_t capacity;       /* bit/s on the wire */
	/* The encapsulation of the VLs riding this link (NULL: none rides it,
	 * or they use the link driver's default) and the bytes it adds to
	 * each VL frame on the wire; both set by vnm_model_set_overhead(). */
	const char *encap;
	uint32_t overhead;
	struct vnm_vl **vls;     /* VLs riding this link, in model order */
	size_t n_vls;
};

/* VN: a virtual network. */
struct vnm_vn {
	char *name;              /* network-id */
	enum vnm_admin admin;
	struct vnm_vr **vrs;
	size_t n_vrs;
	struct vnm_vl **vls;
	size_t n_vls;
};

/* vNIC: a termination point of a VR. */
struct vnm_vnic {
	char *name;              /* tp-id */
	struct vnm_vr *vr;
	char mac[18];            /* "52:54:00:xx:xx:xx"; derived when not configured */
	bool mac_configured;
	char id[9];              /* 8 hex digits, derived, unique in the model */
	char tap[VNM_IFNAMSIZ];  /* host-side tap of the domain: "vnt" + id */
	char bridge[VNM_IFNAMSIZ]; /* the vNIC's own port bridge: "vnb" + id;
				    * the tap and the VL's end are its ports */
	struct vnm_vl *vl;       /* the VL on this vNIC, or NULL */
};

/* VR: a node of a VN. */
struct vnm_vr {
	char *name;              /* node-id */
	struct vnm_vn *vn;
	struct vnm_host *host;   /* the supporting-node; NULL if it is dangling */
	char *host_ref;          /* supporting-node node-ref as written */
	uint16_t vcpus;
	uint32_t memory_mib;
	char *kernel, *initrd, *cmdline; /* kernel boot, or */
	char *disk;                      /* disk boot */
	enum vnm_admin admin;    /* own admin-state (see vnm_vr_effective_admin) */
	char *domain_name;       /* libvirt domain name, derived */
	struct vnm_vnic *vnics;
	size_t n_vnics;
};

/* VL: a link of a VN. */
struct vnm_vl {
	char *name;              /* link-id */
	struct vnm_vn *vn;
	struct vnm_vnic *a;      /* source vNIC; NULL if dangling */
	struct vnm_vnic *b;      /* destination vNIC; NULL if dangling */
	uint64_t guaranteed;     /* bit/s of the VL's frames; 0: not set */
	uint64_t limit;          /* bit/s; 0: not set */
	uint32_t burst;          /* bytes; 0: not set */
	uint32_t delay_us, jitter_us;
	uint32_t loss_ppm;       /* loss percent * 10000 */
	bool enabled;            /* admin state: false takes the link down as
				  * its routers see it (carrier off on both
				  * vNICs, host-side ends down), in place */
	uint32_t vni;            /* configured or derived */
	char *encap;             /* the `encapsulation` leaf, e.g. "vxlan";
				  * NULL: the link driver's default */
	struct vnm_plink **plinks; /* supporting-link, in configured order */
	size_t n_plinks;
	char id[9];              /* 8 hex digits, derived, unique in the model */
	/* The VL's end interfaces, one in each vNIC's port bridge: a veth pair
	 * "vnv" + id + "a"/"b" when both VRs share a host, else one tunnel
	 * device of its encapsulation per host "vnx" + id + "a"/"b" (key vni). */
	char end_a[VNM_IFNAMSIZ];
	char end_b[VNM_IFNAMSIZ];
};

struct vnm_model_index; /* hash tables, private to model.c */

struct vnm_model {
	struct vnm_host *hosts;
	size_t n_hosts;
	struct vnm_plink *plinks;
	size_t n_plinks;
	struct vnm_vn *vns;
	size_t n_vns;
	struct vnm_vr *vrs;      /* all VRs of all VNs */
	size_t n_vrs;
	struct vnm_vl *vls;      /* all VLs of all VNs */
	size_t n_vls;
	char *underlay;          /* network-id of the underlay, NULL if none */
	struct vnm_model_index *idx;
};

/*
 * Build a model from a data tree (the whole configuration; NULL gives an
 * empty model).  Structural problems that YANG lets through (dangling
 * references) are kept as NULL pointers for vnm_validate() to report;
 * vnm_model_build() itself fails only on memory or on a tree that is not of
 * the vnmd module's shape.  Returns 0, or -1 with err set.
 */
int vnm_model_build(const struct lyd_node *tree, struct vnm_model **out,
		    struct vnm_err *err);
void vnm_model_free(struct vnm_model *m);

/* Mark which hosts this vnmd realises: with local (the --host of a vnmd
 * running on one RM of several, a participant) every other host is
 * remote; with NULL (a coordinator, or a vnmd alone) the hosts with a
 * management address are, as the vnmd there realises them. */
void vnm_model_mark(struct vnm_model *m, const char *local);

/* Whether this vnmd realises what is on host h (NULL: a dangling
 * reference, which no driver is asked to realise either). */
static inline bool vnm_host_local(const struct vnm_host *h)
{
	return h && !h->remote;
}

/* Whether h is a participant of this vnmd's network-wide transactions: a
 * remote host with a management address (only a coordinator has any). */
static inline bool vnm_host_participant(const struct vnm_host *h)
{
	return h && h->remote && h->mgmt_addr;
}

/* Lookups in O(1); NULL when absent. */
struct vnm_host *vnm_model_host(const struct vnm_model *m, const char *name);
struct vnm_plink *vnm_model_plink(const struct vnm_model *m, const char *name);
struct vnm_vn *vnm_model_vn(const struct vnm_model *m, const char *name);
struct vnm_vr *vnm_model_vr(const struct vnm_model *m, const char *vn, const char *vr);
struct vnm_vl *vnm_model_vl(const struct vnm_model *m, const char *vn, const char *vl);

/* Whether nic's link (carrier, as its VR sees it) is up: a vNIC without a
 * VL is, one on a VL follows the VL's enabled leaf. */
static inline bool vnm_vnic_link_up(const struct vnm_vnic *nic)
{
	return !nic->vl || nic->vl->enabled;
}

/* The admin state a VR must have: its own, overridden by its VN's. */
enum vnm_admin vnm_vr_effective_admin(const struct vnm_vr *vr);

/*
 * Semantic validation of a whole model (rules YANG cannot express).  No side
 * effects.  On failure err names the network, router or link at fault, and
 * err->path is its data path.  Returns 0 or -1.
 */
int vnm_validate(const struct vnm_model *m, struct vnm_err *err);
/* The same, with the hypervisor URIs hosts may name decided by uris (see
 * uri_policy.h; NULL: the built-in list).  vnm_validate() uses NULL. */
struct vnm_uri_policy;
int vnm_validate_with(const struct vnm_model *m, const struct vnm_uri_policy *uris,
		      struct vnm_err *err);

/*
 * The encapsulation's overhead, from the link driver (struct vnm_link_ops
 * .encap_overhead): bytes added to each VL frame on the wire by encap (NULL:
 * the default), or -1 when the driver has no such encapsulation.
 */
typedef int (*vnm_encap_overhead_fn)(const char *encap);
/*
 * Fill each physical link's encap and overhead from the VLs riding it.
 * Called between vnm_model_build() and vnm_validate() by whoever has the
 * link driver (the core, check mode); without it overheads stay 0.  Fails
 * (err names the link) on an encapsulation the driver does not know, or
 * on two encapsulations on one physical link (its shaping counts one
 * overhead per packet).  Returns 0 or -1.
 */
int vnm_model_set_overhead(struct vnm_model *m, vnm_encap_overhead_fn fn,
			   struct vnm_err *err);

/*
 * Shaping: every figure the link driver installs is computed here (shape.c)
 * and handed down; the driver computes none of it again.
 *
 * On one physical link a VL gets, in bit/s of its own frames: rate =
 * guaranteed (its part when bonded), or an equal share of the capacity
 * the guarantees leave free (capacity counted in VL frames, see the link's
 * overhead); ceil = limit (its part when bonded), or the capacity; burst =
 * configured, or about 1 ms at the rate and never below one frame.  netem
 * says whether delay, jitter or loss are set (then
 * a netem qdisc carries the three figures).
 */
struct vnm_shape {
	uint64_t rate;
	uint64_t ceil;
	uint32_t burst;
	uint32_t cburst;
	bool netem;
	uint32_t delay_us, jitter_us, loss_ppm;
};
void vnm_vl_shape_on(const struct vnm_vl *vl, const struct vnm_plink *pl,
		     struct vnm_shape *out);
/* Shaping of a same-host VL (no physical link), one class on each veth
 * end: rate = ceil = limit (VNM_NO_LIMIT with netem and no limit; 0: no
 * class at all). */
void vnm_vl_shape_local(const struct vnm_vl *vl, struct vnm_shape *out);
/* Delay, jitter or loss are set: the VL needs the kernel's sch_netem. */
bool vnm_vl_needs_netem(const struct vnm_vl *vl);

/*
 * Channel bonding (the paper's "aggregate several physical links to a
 * single VL"): a VL whose supporting links are two or more parallel
 * physical links, each joining the hosts of its two routers, rides all of
 * them at once.  Its tunnel reaches the far host by one multipath route
 * over the links (per-flow hashing; a link whose interface is down is
 * skipped), and its guarantee and limit are split over the links in
 * proportion to what each can carry (vnm_plink_vl_capacity).
 */
bool vnm_vl_bonded(const struct vnm_vl *vl);
/* The part of a VL figure (bit/s: its guarantee or limit) carried on pl:
 * the whole figure unless vl is bonded; over a bond the parts add up to
 * the figure exactly (the last link takes the rounding). */
uint64_t vnm_vl_part_on(const struct vnm_vl *vl, const struct vnm_plink *pl, uint64_t total);
/* The guarantee of vl that pl must admit: vnm_vl_part_on(vl->guaranteed). */
uint64_t vnm_vl_guaranteed_on(const struct vnm_vl *vl, const struct vnm_plink *pl);
/* The bonded VL (the first in model order) riding pl, whose supporting
 * links are the nexthops of the route between its hosts, or NULL. */
const struct vnm_vl *vnm_plink_bond(const struct vnm_plink *pl);
/* Weight (1..256) of pl's nexthop in the route of bond: proportional to
 * pl's capacity, the largest link of the bond 256. */
unsigned vnm_bond_weight(const struct vnm_vl *bond, const struct vnm_plink *pl);

/* Capacity of a physical link in bit/s of full-size VL frames. */
uint64_t vnm_plink_vl_capacity(const struct vnm_plink *pl);
/* The classes of a physical link's end: parent at the capacity on the
 * wire (the driver adds pl->overhead back per packet), and the class of
 * traffic that belongs to no VL (a small guarantee, the VL capacity as
 * ceiling). */
void vnm_plink_shape(const struct vnm_plink *pl, struct vnm_shape *parent,
		     struct vnm_shape *dflt);


#endif
