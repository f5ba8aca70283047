/*
 * link_int.h - internals of the libnl link driver (link_*.c), shared with
 * its unit tests.  Not a contract for the rest of vnmd.
 *
 * The message builders (vnm_lnl_msg_*) need no kernel: they return the
 * exact netlink message the driver sends, so tests can parse it.
 */
#ifndef VNM_LINK_INT_H
#define VNM_LINK_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "driver.h"
#include "err.h"
#include "model.h"

struct nl_msg;
struct nl_sock;

/* Handle major of every qdisc vnmd installs ("vn"). */
#define VNM_TC_MAJOR 0x766eU
#define VNM_TC_ROOT (VNM_TC_MAJOR << 16)
/* Classes under the root: the parent at the link's capacity, the class of
 * traffic that belongs to no VL, then one bucket class per VNI bucket. */
#define VNM_TC_PARENT_MINOR 1U
#define VNM_TC_DEFAULT_MINOR 2U
#define VNM_TC_VL_MINOR_MIN 0x10U
#define VNM_TC_VL_MINOR_MAX 0xfffeU
#define VNM_TC_U32_HTID 0x800U
#define VNM_TC_U32_PRIO 10U
/* The layout on a physical interface is grouped by the low byte of a VL's
 * key, e.g. its VNI (its bucket b = key & 0xff):
 *
 *   766e: HTB root (size table), default 766e:2
 *     766e:1 capacity
 *       766e:2 traffic of no VL
 *       766e:(100 + b) bucket class: rate = the sum of its VLs' rates,
 *           ceil = capacity, a frame of quantum per VL
 *         G(b): child HTB (G(b) = vnm_lnl_group_major(b), 7701..7811), no
 *             default (unmatched packets take its direct queue, still
 *             under the bucket class)
 *           G(b):1 at the capacity: what its VLs borrow from (a class
 *               without a parent inside its qdisc never passes its rate)
 *             G(b):minor one per VL: rate = guarantee, ceil = limit
 *
 * Filters: in the root, 800::fff matches the packets of the link's
 * encapsulation (its row's match, e.g. IPv4 UDP to port 4789) and links to
 * the hash table 1: of 256 buckets keyed on the key's low byte; bucket b
 * holds one filter, 1:b:fff, to the bucket class.  In the child qdisc of
 * bucket b, one u32 filter per VL (800::node) matches the whole key to its
 * class.
 *
 * The kernel walks every class of a qdisc when it adds or deletes one
 * (tc_bind_tclass): with one class per VL under the root, N VLs cost N^2/2
 * steps (10,000 classes on two hosts: 14.3 s); grouped, N^2/512.  A packet
 * still meets two root filters and the VLs of its bucket only.  Class
 * minors stay unique on the interface (0x10..0xfffe: 65,000 VLs); netem
 * qdiscs under VL classes get handles the kernel picks (8000: and up). */
#define VNM_TC_VNI_HTID 0x001U
#define VNM_TC_VNI_BUCKETS 256U
#define VNM_TC_U32_NODE_MAX 0xffeU
#define VNM_TC_U32_LINK_NODE 0xfffU
#define VNM_TC_BUCKET_NODE 0xfffU
#define VNM_TC_BUCKET_MINOR(b) (0x100U + (b))
/* The handle major of bucket b's child qdisc: the 256 majors from 0x7700
 * up, skipping those the kernel's qdisc hash of a device (hash_32 of the
 * handle into 16 buckets) puts where handle 0 goes: the default leaf
 * qdisc of every class has handle 0, so a lookup of a child there walked
 * all of them (15% of the time to make 10,000 VLs).  Never 0x766e. */
uint32_t vnm_lnl_group_major(uint32_t b);
/* The bucket whose child qdisc has handle's major, or -1. */
int vnm_lnl_group_bkt(uint32_t handle);
#define VNM_TC_GROUP(b) (vnm_lnl_group_major(b) << 16)
#define VNM_TC_GROUP_BKT(h) vnm_lnl_group_bkt(h)
/* u32 filter handles: table (12 bits), bucket (8), node (12) */
#define VNM_U32_HANDLE(htid, bkt, node) (((uint32_t)(htid) << 20) | ((uint32_t)(bkt) << 12) | (node))
#define VNM_U32_HTID(h) ((h) >> 20)
#define VNM_U32_BKT(h) (((h) >> 12) & 0xffU)
#define VNM_U32_NODE(h) ((h) & 0xfffU)
/* MTU of a VL's frames (what the routers' vNICs use). */
#define VNM_VL_MTU 1500U
#define VNM_ALIAS_PREFIX "vnmd:"

/* One netlink socket opened inside a named namespace. */
struct vnm_lnl_ns {
	char name[72];
	dev_t dev;               /* identity of /run/netns/NAME when opened */
	ino_t ino;
	uint64_t checked_ms;     /* when that identity was last checked */
	struct nl_sock *sk;
	bool retired;            /* holds interfaces in VNM_RETIRE_GROUP */
	/* the shared datapath (link_shared.c): the host's BPF maps and
	 * programs, and the ifindex of its VXLAN device VNM_SH_DEV (0: not
	 * made or not checked yet by this run) */
	struct vnm_bpf *bpf;
	int vx;
	/* whether taps of guests are in this namespace (VNM_SH_TAPS_*): they
	 * get there only through vnic_plug, so a namespace found without any
	 * needs no lookup of a tap by name until a plug brings one (20,000
	 * lookups in a 10,000-VL transaction, 0.3 s) */
	int taps;
};
#define VNM_SH_TAPS_UNKNOWN 0
#define VNM_SH_TAPS_NONE 1
#define VNM_SH_TAPS_SOME 2

/* Interfaces a transaction removes are retired (down, out of their bridge,
 * renamed, put in this netdev group) and deleted together when it ends
 * (vnm_lnl_flush): the kernel deletes a group in one batch, 1,000 VXLAN
 * devices in 0.07 s instead of 19.5 s one by one. */
#define VNM_RETIRE_GROUP 0x766e0deaU
/* Interfaces are created in this netdev group (IFLA_GROUP is applied by
 * the creating message, IFLA_IFALIAS is not) and leave it with the message
 * that tags them; a retired one enters it (down, out of its bridge) before
 * it is renamed into VNM_RETIRE_GROUP.  So VNM_RETIRE_GROUP only ever
 * holds retired names, and an interface of this group is vnmd's own,
 * half made or half retired by a run that was killed: list_own deletes
 * it (reconciliation then makes what the configuration still has), and a
 * create finding one under the name it wants adopts it. */
#define VNM_HALF_GROUP 0x766e0de1U

/* Counter sources of one VL as last seen, to report discontinuities. */
struct vnm_lnl_seen {
	char id[9];
	int ifindex;
	ino_t ns;                /* the namespace it was in (0: the daemon's) */
	uint64_t in_octets, out_octets;
	int64_t since;
};

struct vnm_lnl_sif {      /* what a counter read needs of one interface */
	char name[16];           /* IFNAMSIZ */
	int ifindex;
	unsigned flags;
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets, tx_dropped;
};
struct vnm_lnl_scls {     /* ... and of one class */
	uint32_t handle, backlog;
	uint64_t bytes, drops, overlimits;
};
/* One kernel dump kept for counter reads (link_stats.c): the interfaces of
 * a namespace (ifindex 0), or the HTB classes of one interface (which class
 * is a VL's comes from the interface's struct vnm_lnl_tcidx).  A snapshot
 * reads the counters of every VL within a few milliseconds: one dump per
 * namespace and interface serves them all, instead of one dump per VL
 * (which made a refresh grow with the square of the number of VLs). */
struct vnm_lnl_scache {
	struct nl_sock *sk;
	int ifindex;
	/* parsed straight from the dump's messages, ~64 bytes an interface:
	 * libnl's cache objects took 2.5 KiB each (per-family data of every
	 * interface), 100 MiB for the 40,000 interfaces of 10,000 VLs */
	struct vnm_lnl_sif *ifs;  /* ifindex 0 */
	struct vnm_lnl_scls *cls; /* otherwise */
	size_t n, cap;
	uint32_t *by;             /* 1 + index into ifs/cls by name or handle:
				   * open addressing, 0 empty; NULL: no dump */
	size_t n_by;
	struct timespec at;       /* CLOCK_MONOTONIC of the dump */
	long cost_ns;             /* how long the dump took */
};

/* What the driver knows of its own tc objects on one physical interface
 * (link_tcidx.c): the VL filters by VNI with their classes' rates, the
 * class minors and filter nodes in use, which buckets are complete (class,
 * child qdisc, its capacity class, the root filter), the rate each bucket
 * class has and the one it needs, whether the VNI hash table and its link
 * filter exist.  Filled by one class dump and one filter dump per qdisc
 * (the root and each child), then kept by the driver's own changes;
 * dropped whenever the kernel may disagree. */
struct vnm_lnl_tcvl {
	uint32_t vni, classid, handle; /* handle 0: empty slot */
	uint32_t burst;                /* its class's (0 when not known) */
	uint64_t rate;
};
struct vnm_lnl_tcbkt {
	uint64_t rate, set, ceil;      /* sum of its VLs' rates; the class's */
	uint64_t burst;                /* sum of its VLs' bursts */
	uint32_t n;                    /* its VLs */
	uint32_t qn;                   /* the VLs its class's quantum is for */
	uint32_t flat;                 /* 1 + the VNI of a VL class of the flat
					* layout at the bucket's minor, or 0 */
	uint8_t have;                  /* VNM_TCB_* */
};
#define VNM_TCB_CLASS 1U               /* 766e:(100 + b) */
#define VNM_TCB_INNER 2U               /* (77 + b):1, so the child qdisc too */
#define VNM_TCB_FILTER 4U              /* 1:b:fff */
#define VNM_TCB_ALL 7U
struct vnm_lnl_tcidx {
	struct nl_sock *sk;
	int ifindex;
	bool table, link;              /* hash table 1: and filter 800::fff */
	struct vnm_lnl_tcvl *v;        /* open addressing on the VNI */
	size_t cap, n;
	uint64_t minor_class[1024];    /* a VL class (any bucket) has the minor */
	uint64_t minor_ref[1024];      /* a VL filter sends to it */
	uint64_t node[VNM_TC_VNI_BUCKETS][64]; /* nodes in use per child qdisc */
	struct vnm_lnl_tcbkt b[VNM_TC_VNI_BUCKETS];
};

/*
 * What a name was found to be, trusted for VNM_LNL_TRUST_MS: a transaction
 * asks for the same namespaces and physical interfaces tens of thousands
 * of times (each VL's class at each end), and a look each time (an open
 * and fstat of /run/netns/NAME, an RTM_GETLINK) was a tenth of a
 * 10,000-VL creation's own work.  A namespace or interface replaced
 * within that time is seen at the next look; an operation that fails
 * forgets what it trusted.
 */
#define VNM_LNL_TRUST_MS 200
#define VNM_LNL_IFX 8
struct vnm_lnl_ifx {
	struct nl_sock *sk;
	char name[16];
	int ifindex;
	uint64_t at_ms;
};

struct vnm_lnl {
	pthread_mutex_t lock;
	int self_ns;             /* fd of the daemon's own network namespace */
	struct nl_sock *own;     /* socket in the daemon's namespace */
	struct vnm_lnl_ns *ns;
	size_t n_ns;
	struct vnm_link_caps caps;
	bool probed;
	bool shared;             /* --link-datapath shared (link_shared.c) */
	struct vnm_lnl_seen *seen; /* open addressing on the VL id */
	size_t n_seen, cap_seen;
	struct vnm_lnl_scache *sc;
	size_t n_sc;
	size_t batch;            /* VLs the counter reads under way are for */
	struct vnm_lnl_tcidx **tcx;
	size_t n_tcx;
	bool own_retired;        /* the daemon's namespace holds retired ones */
	uint32_t retire_seq;     /* names of retired interfaces: "vnd" + hex */
	struct vnm_lnl_ifx ifx[VNM_LNL_IFX];
	unsigned ifx_next;
	/* Counter reads have a context of their own (sockets, dumps, lock):
	 * a dump of tens of thousands of interfaces for a snapshot must not
	 * hold up a commit's class change.  stats is that context; in it,
	 * parent is the driver's (its tc index says which class is a VL's,
	 * taken under the parent's lock after the stats lock, never the
	 * other way round). */
	struct vnm_lnl *stats;
	struct vnm_lnl *parent;
};

/* ---- encap.c, encap_NAME.c: one row per encapsulation ------------ */

struct rtnl_link;
struct rtnl_cls;

/* How VLs of one encapsulation cross hosts: the tunnel device at each end
 * and how a physical interface's classifier finds their packets.  The
 * VL's key (vl->vni) names the tunnel; the core counts the overhead (it
 * gets it through struct vnm_link_ops.encap_overhead). */
struct vnm_lnl_encap {
	const char *name;          /* the YANG enum of `encapsulation` */
	uint32_t overhead;         /* bytes added to each VL frame on the wire */
	/* RTM_NEWLINK creating one end called name (down, untagged) for key,
	 * between local and remote (IPv4 or IPv6 text); tos: the outer
	 * header's TOS (0: the tunnel's default), see VNM_BOND_TOS. */
	int (*msg_create)(const char *name, uint32_t key, const char *local,
			  const char *remote, uint8_t tos, struct nl_msg **out);
	/* l is an end of this encapsulation for key with tos (else it is
	 * replaced). */
	bool (*is_end)(struct rtnl_link *l, uint32_t key, uint8_t tos);
	/* u32 keys on f (offsets from the IP header) matching this
	 * encapsulation's packets, and the hash mask and offset that pick the
	 * bucket of the key's low byte. */
	int (*match)(struct rtnl_cls *f);
	/* u32 key on f matching one key in its bucket. */
	int (*match_key)(struct rtnl_cls *f, uint32_t key);
	/* The key a u32 key (network order, as a dump gives it) of match_key
	 * matches, or -1 when it is not one. */
	int64_t (*key_of)(uint32_t val, uint32_t mask, int off);
};

extern const struct vnm_lnl_encap vnm_lnl_encap_vxlan;
/* The row called name (NULL: the default), or NULL. */
const struct vnm_lnl_encap *vnm_lnl_encap_find(const char *name);
/* struct vnm_link_ops.encap_overhead */
int vnm_lnl_encap_overhead(const char *name);
/* The key of a dumped VL filter's u32 key, whatever its encapsulation. */
int64_t vnm_lnl_encap_key_of(uint32_t val, uint32_t mask, int off);

/* ---- link_nl.c: sockets, namespaces, sending ---------------------- */

/* The socket for a host (its namespace or the daemon's).  The socket is
 * owned by the context. */
int vnm_lnl_sock(struct vnm_lnl *c, const struct vnm_host *h, struct nl_sock **out,
		 struct vnm_err *err);
/* Set the sysctl name (dotted, e.g. "net.ipv4.fib_multipath_hash_policy")
 * to value as the host's namespace sees it, when it differs.  0 or -1. */
int vnm_lnl_sysctl_set(struct vnm_lnl *c, const struct vnm_host *h, const char *name,
		       const char *value, struct vnm_err *err);
/* Identity of the host's namespace as last opened by vnm_lnl_sock (0 for
 * the daemon's own). */
ino_t vnm_lnl_ns_id(const struct vnm_lnl *c, const struct vnm_host *h);
/* Send msg (always consumed) and wait for the kernel's answer.  Returns 0
 * or a negative libnl error code. */
int vnm_lnl_send(struct nl_sock *sk, struct nl_msg *msg);
/* The same for a request the kernel answers (a get): reply gets each
 * message of the answer before the ACK. */
int vnm_lnl_request(struct nl_sock *sk, struct nl_msg *msg,
		    int (*reply)(struct nl_msg *, void *), void *arg);
/* nl_geterror(rc), with the kernel's extended-ack message of the last
 * vnm_lnl_send() on this thread when it gave one. */
const char *vnm_lnl_strerror(int rc);
/* Errors that name the host's namespace, e.g. " (namespace rm1)". */
const char *vnm_lnl_where(const struct vnm_host *h, char *buf, size_t len);
int vnm_lnl_probe_locked(struct vnm_lnl *c, struct vnm_err *err);

/* Data paths for error-path. */
void vnm_lnl_path_vl(const struct vnm_vl *vl, char *buf, size_t len);
void vnm_lnl_path_plink(const struct vnm_plink *pl, char *buf, size_t len);
void vnm_lnl_path_vnic(const struct vnm_vnic *nic, char *buf, size_t len);

/* Drop the counter-read dumps (link_stats.c). */
void vnm_lnl_scache_free(struct vnm_lnl *c);

/* ---- link_tcidx.c: the index of vnmd's tc objects per interface -- */

/* The index of ifindex in sk's namespace, filled by one class and one
 * filter dump when the driver has none.  NULL with *nlrc set (a negative
 * libnl error) when the dumps fail. */
struct vnm_lnl_tcidx *vnm_lnl_tcidx_get(struct vnm_lnl *c, struct nl_sock *sk, int ifindex,
					int *nlrc);
/* Forget what is known of one interface, of every interface of a socket
 * (its namespace was replaced), or of all. */
void vnm_lnl_tcidx_drop(struct vnm_lnl *c, struct nl_sock *sk, int ifindex);
void vnm_lnl_tcidx_drop_sock(struct vnm_lnl *c, struct nl_sock *sk);
void vnm_lnl_tcidx_free(struct vnm_lnl *c);
/* The pieces, kernel-free (the unit tests feed them directly). */
struct vnm_lnl_tcidx *vnm_lnl_tcidx_new(struct nl_sock *sk, int ifindex);
void vnm_lnl_tcidx_destroy(struct vnm_lnl_tcidx *x);
/* a class (with its HTB rate and burst, 0 when not known) or a u32 filter
 * of the qdisc parent as a dump lists it; vni < 0 for a filter that
 * matches no VNI (the hash table, the link filter, a bucket's filter,
 * foreign filters) */
void vnm_lnl_tcidx_note_class(struct vnm_lnl_tcidx *x, uint32_t classid, uint64_t rate,
			      uint32_t burst);
int vnm_lnl_tcidx_note_filter(struct vnm_lnl_tcidx *x, uint32_t parent, uint32_t handle,
			      uint32_t classid, int64_t vni);
const struct vnm_lnl_tcvl *vnm_lnl_tcidx_find(const struct vnm_lnl_tcidx *x, uint32_t vni);
/* The rate and burst of vni's class are now these (its bucket's sums
 * follow). */
void vnm_lnl_tcidx_set_rate(struct vnm_lnl_tcidx *x, uint32_t vni, uint64_t rate,
			    uint32_t burst);
void vnm_lnl_tcidx_forget(struct vnm_lnl_tcidx *x, uint32_t vni);
void vnm_lnl_tcidx_forget_class(struct vnm_lnl_tcidx *x, uint32_t classid);
/* A class minor and a filter handle (in the child qdisc of vni's bucket)
 * for a new VL filter of vni: the preferred minor when free, else the
 * next free one; *adopt when a class without a filter sits at the
 * preferred minor in vni's bucket (left by an interrupted run) and is
 * taken over.  -NLE_RANGE when the interface or the bucket is full. */
int vnm_lnl_tcidx_pick(const struct vnm_lnl_tcidx *x, uint32_t pref_minor, uint32_t vni,
		       uint32_t *minor, uint32_t *handle, bool *adopt);

/* ---- link_bond.c: the route of a bond ----------------------------- */

/* The outer TOS of a bonded VL's tunnel packets (DSCP 2, unassigned).  A
 * tunnel device caches its route (per CPU) unless its TOS is set: with the
 * cache every flow of the VL takes the nexthop of the first lookup, with a
 * TOS each packet's lookup hashes its ports and flows spread over the
 * bond's links (measured here: 8 flows on 2 links, all on one without). */
#define VNM_BOND_TOS 0x08U
/* Routes vnmd installs carry this protocol (so it removes only its own). */
#define VNM_RTPROT 0x76U
/* The multipath route between the tunnel addresses of the two hosts of
 * pl's bond (vnm_plink_bond), one nexthop per link of the bond with its
 * weight, on both hosts; L4 hashing and linkdown handling set for it.
 * Idempotent. */
int vnm_lnl_bond_apply(struct vnm_lnl *c, const struct vnm_plink *pl, struct vnm_err *err);
/* Remove the route of pl's bond (of the model pl is from) from both
 * hosts; absent is success. */
int vnm_lnl_bond_remove(struct vnm_lnl *c, const struct vnm_plink *pl, struct vnm_err *err);
/* The two messages, kernel-free: RTM_NEWROUTE of the route on host (one
 * of the bond's two), RTM_DELROUTE of it. */
int vnm_lnl_msg_bond_route(const struct vnm_vl *bond, const struct vnm_host *host,
			   const int *ifindex, struct nl_msg **out);
int vnm_lnl_msg_bond_route_del(const struct vnm_vl *bond, const struct vnm_host *host,
			       struct nl_msg **out);

/* ---- link_shared.c: the shared datapath -------------------------- */

/* The one VXLAN device of a host in the shared datapath, and its tag (not
 * VNM_ALIAS_PREFIX: it is no VN's object, reconciliation leaves it). */
#define VNM_SH_DEV "vnmvx0"
#define VNM_SH_ALIAS "vnmd-datapath:shared"
/* Whether VL ends on h take the shared datapath (c may be the stats
 * context): --link-datapath shared and h a local host in a namespace. */
bool vnm_lnl_shared(const struct vnm_lnl *c, const struct vnm_host *h);
/* struct vnm_link_ops.vl_end_ifname: VNM_SH_DEV for a shared end. */
const char *vnm_lnl_op_vl_end_ifname(void *ctx, const struct vnm_vl *vl, bool a);
/* Whether nic needs a port bridge: always, but in the shared datapath not
 * for the vNICs of cross-host VLs (their taps get the programs). */
bool vnm_lnl_sh_wants_port(const struct vnm_lnl *c, const struct vnm_vnic *nic);
/* RTM_NEWLINK of VNM_SH_DEV (collect-metadata VXLAN, port 4789, local). */
int vnm_lnl_msg_sh_dev(const char *local, struct nl_msg **out);
/* The end of cross-host vl on its a (or b) side: its map entries (and
 * its tap's program when the tap is there), removed, or set up/down. */
int vnm_lnl_sh_end_create(struct vnm_lnl *c, const struct vnm_vl *vl, bool a,
			  struct vnm_err *err);
int vnm_lnl_sh_end_destroy(struct vnm_lnl *c, const struct vnm_vl *vl, bool a,
			   struct vnm_err *err);
int vnm_lnl_sh_end_set_up(struct vnm_lnl *c, const struct vnm_vl *vl, bool a, bool up,
			  struct vnm_err *err);
/* The tap (ifindex tap in sk's namespace) of nic, which has no port
 * bridge: up, the transmit program, its VL's entries. */
int vnm_lnl_sh_plug(struct vnm_lnl *c, const struct vnm_vnic *nic, struct nl_sock *sk,
		    int tap, struct vnm_err *err);
/* A vNIC's port bridge was made (nic has no cross-host VL, or its port
 * is wanted anyway): its tap, if its router runs, leaves the shared
 * datapath (its program goes) for the bridge. */
int vnm_lnl_sh_unglue(struct vnm_lnl *c, const struct vnm_vnic *nic, struct nl_sock *sk,
		      struct vnm_err *err);
/* Remove the map entries of h's VLs whose VNI is not in vnis (sorted, n
 * of them): VLs removed while no vnmd ran.  *removed: how many VNIs went
 * (struct vnm_link_ops.vl_sweep). */
int vnm_lnl_sh_sweep(struct vnm_lnl *c, const struct vnm_host *h, const uint32_t *vnis,
		     size_t n, size_t *removed, struct vnm_err *err);
/* ifindex of tap in the namespace of sk (h's, local): > 0, or 0 when
 * absent, without asking the kernel where the shared datapath knows no
 * tap is there. */
int vnm_lnl_sh_tap_ifindex(struct vnm_lnl *c, const struct vnm_host *h, struct nl_sock *sk,
			   const char *tap);
/* Counters of vl's end on h from the maps (s: the stats context). */
struct vnm_vl_counters;
int vnm_lnl_sh_counters(struct vnm_lnl *s, const struct vnm_vl *vl, const struct vnm_host *h,
			bool mirror, struct vnm_vl_counters *out, struct vnm_err *err);
/* Forget a namespace's maps and device (it was replaced, or the end). */
void vnm_lnl_sh_ns_reset(struct vnm_lnl_ns *ns);

/* ---- link_plug.c: taps of guests on hosts in a namespace ---------- */

/* struct vnm_link_ops.vnic_plug (takes the context's lock). */
int vnm_lnl_op_vnic_plug(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err);

/* ---- link_if.c: interfaces -------------------------------------- */

/* ifindex of name in sk's namespace: > 0, 0 when absent, or a negative
 * libnl error code. */
int vnm_lnl_ifindex(struct nl_sock *sk, const char *name);
/* vnm_lnl_ifindex() through c's trusted names (struct vnm_lnl_ifx); forget
 * drops what c trusts of sk's name */
int vnm_lnl_ifindex_trust(struct vnm_lnl *c, struct nl_sock *sk, const char *name);
void vnm_lnl_ifindex_forget(struct vnm_lnl *c, struct nl_sock *sk, const char *name);
uint64_t vnm_lnl_now_ms(void);
/* The tag of an interface: "vnmd:" vn "/" obj. */
void vnm_lnl_alias(char *buf, size_t len, const char *vn, const char *obj);
int vnm_lnl_alias_parse(const char *alias, char *vn, size_t vn_len, char *obj,
			size_t obj_len);

/* An rtnetlink link message of type for ifindex (0: none), no attribute
 * yet; NULL when out of memory. */
struct nl_msg *vnm_lnl_ifi_msg(int type, int ifindex, int flags);
/* RTM_NEWLINK creating a bridge, a veth pair or a tunnel device, down,
 * untagged and in VNM_HALF_GROUP: the tag, master, up state and group 0
 * come with vnm_lnl_msg_link_set. */
int vnm_lnl_msg_bridge(const char *name, struct nl_msg **out);
int vnm_lnl_msg_veth(const char *name, const char *peer, struct nl_msg **out);
/* A tunnel device of kind (MTU VNM_VL_MTU, one frame per packet), with
 * put_data filling its IFLA_INFO_DATA (an encapsulation's row). */
int vnm_lnl_msg_tunnel(const char *name, const char *kind,
		       int (*put_data)(struct nl_msg *msg, const void *arg), const void *arg,
		       struct nl_msg **out);
/* Parse the tunnel addresses local and remote (IPv4 or IPv6 text, one
 * family); the caller puts both, also on failure. */
struct nl_addr;
int vnm_lnl_addr_pair(const char *local, const char *remote, struct nl_addr **la,
		      struct nl_addr **ra);
/* RTM_NEWLINK changing ifindex: ifalias (NULL: unchanged; given, the
 * interface also leaves VNM_HALF_GROUP), master (< 0: unchanged), up, MTU
 * (0: unchanged). */
int vnm_lnl_msg_link_set(int ifindex, const char *alias, int master, bool up,
			 uint32_t mtu, struct nl_msg **out);

int vnm_lnl_list_own(struct vnm_lnl *c, const struct vnm_host *h, struct vnm_own_list *out,
		     struct vnm_err *err);
/* Delete every retired interface (one RTM_DELLINK per namespace). */
void vnm_lnl_flush(struct vnm_lnl *c);
/* RTM_DELLINK of every interface in netdev group group, or of ifindex. */
int vnm_lnl_msg_group_del(uint32_t group, struct nl_msg **out);
int vnm_lnl_msg_link_del(int ifindex, struct nl_msg **out);
/* RTM_NEWLINK retiring ifindex: down, no master, in VNM_HALF_GROUP; then
 * (a second message: a running interface cannot be renamed) renamed into
 * VNM_RETIRE_GROUP. */
int vnm_lnl_msg_retire(int ifindex, struct nl_msg **out);
int vnm_lnl_msg_rename(int ifindex, const char *name, struct nl_msg **out);

/* ---- link_tc.c: shaping ------------------------------------------ */

/* The HTB root of a physical interface: handle VNM_TC_ROOT, unclassified
 * traffic to VNM_TC_DEFAULT_MINOR, size table overhead stab_overhead
 * (bytes, may be negative; 0: no size table). */
int vnm_lnl_msg_htb_root(int ifindex, uint32_t defcls, int stab_overhead, bool replace,
			 struct nl_msg **out);
/* The class of VNI bucket bkt (under the capacity class) with the
 * quantum of n_vls VLs (vnm_lnl_bucket_quantum). */
int vnm_lnl_msg_htb_bucket(int ifindex, uint32_t bkt, const struct vnm_shape *s, uint32_t n_vls,
			   bool create, struct nl_msg **out);
/* An HTB qdisc handle under the class parent (a bucket's child qdisc),
 * no default class (unclassified packets take its direct queue); an
 * existing one is left as it is (-NLE_EXIST). */
int vnm_lnl_msg_htb_child(int ifindex, uint32_t parent, uint32_t handle, struct nl_msg **out);
/* An HTB class; rates in bit/s, bursts in bytes; overhead is added to
 * every packet by the class's rate computation (tc_ratespec.overhead). */
int vnm_lnl_msg_htb_class(int ifindex, uint32_t parent, uint32_t classid,
			  const struct vnm_shape *s, uint32_t overhead, bool create,
			  struct nl_msg **out);
/* The u32 hash table of VL filters (VNM_TC_VNI_HTID, 256 buckets) and the
 * filter 800::fff sending the packets of encapsulation e (its row's match)
 * to the bucket of their key's low byte. */
int vnm_lnl_msg_u32_table(int ifindex, struct nl_msg **out);
int vnm_lnl_msg_u32_link(int ifindex, const struct vnm_lnl_encap *e, struct nl_msg **out);
/* The one filter of bucket bkt of the root's hash table: every packet
 * there to the bucket's class. */
int vnm_lnl_msg_u32_bucket(int ifindex, uint32_t bkt, struct nl_msg **out);
/* The filter of one VL in the qdisc parent (its bucket's child qdisc):
 * its key (e's match_key) to classid; handle from
 * VNM_U32_HANDLE(VNM_TC_U32_HTID, 0, n). */
int vnm_lnl_msg_u32_vni(int ifindex, uint32_t parent, const struct vnm_lnl_encap *e,
			uint32_t key, uint32_t handle, uint32_t classid, struct nl_msg **out);
/* u32 keys matching IPv4 without options, UDP to dport (for the rows). */
int vnm_lnl_u32_udp(struct rtnl_cls *f, uint16_t dport);
/* A netem qdisc under parent (delay and jitter in microseconds, loss in
 * parts per million). */
int vnm_lnl_msg_netem(int ifindex, uint32_t parent, uint32_t handle, uint32_t delay_us,
		      uint32_t jitter_us, uint32_t loss_ppm, struct nl_msg **out);
/* A TBF root qdisc (rate in bit/s, bucket in bytes). */
int vnm_lnl_msg_tbf(int ifindex, uint64_t rate, uint32_t burst, struct nl_msg **out);
/* Delete a qdisc, class or filter (type RTM_DEL*): the one builder; info
 * and kind only for a filter (its priority and protocol, "u32").  The
 * three below are it for vnmd's qdiscs (root when parent is TC_H_ROOT),
 * classes and u32 filters. */
int vnm_lnl_msg_tc_del(int type, int ifindex, uint32_t parent, uint32_t handle,
		       uint32_t info, const char *kind, struct nl_msg **out);
int vnm_lnl_msg_qdisc_del(int ifindex, uint32_t parent, uint32_t handle,
			  struct nl_msg **out);
int vnm_lnl_msg_class_del(int ifindex, uint32_t classid, struct nl_msg **out);
int vnm_lnl_msg_u32_del(int ifindex, uint32_t parent, uint32_t handle, struct nl_msg **out);

/* Quantum of a class: near one frame (the kernel warns when it is big). */
uint32_t vnm_lnl_quantum(const struct vnm_shape *s);
/* Quantum of a bucket's class holding n_vls VLs. */
uint32_t vnm_lnl_bucket_quantum(uint32_t n_vls);
/* Preferred class minor of a VL on a physical interface. */
uint32_t vnm_lnl_vl_minor(const struct vnm_vl *vl);
/* The shaping of bucket bkt's class on pl (its VLs' rates and bursts
 * summed in bk, ceil the capacity of the default class) and of its child
 * qdisc's capacity class. */
void vnm_lnl_bucket_shape(const struct vnm_plink *pl, const struct vnm_lnl_tcbkt *bk,
			  struct vnm_shape *bucket, struct vnm_shape *inner);

/* ---- ops (one per file, called with the lock held) ---------------- */

int vnm_lnl_plink_setup(struct vnm_lnl *c, const struct vnm_plink *pl, struct vnm_err *err);
int vnm_lnl_plink_update(struct vnm_lnl *c, const struct vnm_plink *old,
			 const struct vnm_plink *new, struct vnm_err *err);
int vnm_lnl_plink_teardown(struct vnm_lnl *c, const struct vnm_plink *pl,
			   struct vnm_err *err);
int vnm_lnl_vl_shape(struct vnm_lnl *c, const struct vnm_vl *vl, const struct vnm_plink *pl,
		     const struct vnm_shape *shape, struct vnm_err *err);
int vnm_lnl_vl_unshape(struct vnm_lnl *c, const struct vnm_vl *vl,
		       const struct vnm_plink *pl, struct vnm_err *err);
int vnm_lnl_vnic_port_create(struct vnm_lnl *c, const struct vnm_vnic *nic,
			     struct vnm_err *err);
int vnm_lnl_vnic_port_destroy(struct vnm_lnl *c, const struct vnm_vnic *nic,
			      struct vnm_err *err);
int vnm_lnl_vl_create(struct vnm_lnl *c, const struct vnm_vl *vl, struct vnm_err *err);
/* Look name up; when it exists it must carry vnmd's tag (else err, naming
 * it).  *found is the link (caller puts) or NULL.  0 or -1. */
int vnm_lnl_own_get(struct nl_sock *sk, const char *name, const struct vnm_host *h,
		    struct rtnl_link **found, struct vnm_err *err);
/* link_admin.c: bring both ends of vl up or down (its admin state). */
int vnm_lnl_vl_set_up(struct vnm_lnl *c, const struct vnm_vl *vl, bool up, struct vnm_err *err);
int vnm_lnl_vl_destroy(struct vnm_lnl *c, const struct vnm_vl *vl, struct vnm_err *err);
int vnm_lnl_remove_own(struct vnm_lnl *c, const struct vnm_host *h,
		       const struct vnm_own_obj *o, struct vnm_err *err);
/* The counters of the VL with this id restarted when their source is
 * another interface than last time (other index or namespace) or they went
 * backwards: the time they did (ietf-interfaces' discontinuity-time), the
 * time of the first call for an id. */
int64_t vnm_lnl_seen_note(struct vnm_lnl *c, const char *id, int ifindex, ino_t ns,
			  uint64_t in_octets, uint64_t out_octets);
/* Forget what the counter reads recorded of the VL with this id. */
void vnm_lnl_seen_forget(struct vnm_lnl *c, const char *id);
int vnm_lnl_vl_counters(struct vnm_lnl *c, const struct vnm_vl *vl,
			struct vnm_vl_counters *out, struct vnm_err *err);


#endif
