/*
 * link_bpf.h - the "shared" datapath of the link driver: one VXLAN device
 * per host namespace in collect-metadata mode (`external`), glued to every
 * router's tap by two BPF programs run by cls_bpf (direct-action) on an
 * ingress qdisc.  No libbpf and no BPF compiler: the programs are built here
 * as instruction arrays and loaded with bpf(2).
 *
 *   tap ingress (frames the guest sends)  --tx program-->  tunnel key
 *       {VNI, remote, tos, ttl 64} set, redirected to the VXLAN device
 *   VXLAN ingress (decapsulated frames)   --rx program-->  redirected to
 *       the VL's tap, when the VL is up and the outer source is its remote
 *
 * Three hash maps, key u32, sized for VNM_BPF_MAX_VLS entries:
 *   taps:     tap ifindex -> VNI, remote, tos, VXLAN ifindex, flags
 *   vnis:     VNI -> tap ifindex, remote, flags
 *   counters: VNI -> what the guest sent into the VL and what was delivered
 *             to it, and drops; created by vnm_bpf_vni_set when absent,
 *             kept by later ones, removed by vnm_bpf_vni_del
 * Any map miss in a program drops the frame (TC_ACT_SHOT): a tap whose VNI
 * has no counters (no vnm_bpf_vni_set yet) sends nothing.
 *
 * BPF objects are not namespaced: one struct vnm_bpf serves one host
 * namespace only because its ifindexes are that namespace's; the netlink
 * messages must be sent in it.  Attached filters hold the programs and the
 * programs the maps, so they outlive the daemon; vnm_bpf_adopt finds them
 * again by the program ids read back with vnm_bpf_msg_get_filter.
 *
 * Return values: 0 or -errno (bpf(2) calls), 0 or a negative libnl error
 * code (message builders, parser).  Nothing here sends a netlink message.
 * Needs CAP_BPF and CAP_NET_ADMIN (root) to open or adopt.
 */
#ifndef VNM_LINK_BPF_H
#define VNM_LINK_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_msg;

/* Entries of each map: 65,536 VLs per host namespace. */
#define VNM_BPF_MAX_VLS 65536U
/* The cls_bpf filter: prio and handle fixed, so that attaching again to the
 * same device replaces the program in place (one RCU swap, no gap). */
#define VNM_BPF_PRIO 1U
#define VNM_BPF_HANDLE 0x766eU

/* flags of struct vnm_bpf_tap and struct vnm_bpf_vni */
#define VNM_BPF_UP 0x1U   /* the VL carries traffic; otherwise frames are dropped (counted) */
#define VNM_BPF_IPV6 0x2U /* the remote is IPv6 (remote[0..3]); else IPv4 (remote[0]) */

struct vnm_bpf; /* maps and programs of one host namespace */

/* Create the maps and load both programs.  *out is set on success.  On a
 * failure errbuf (errlen bytes, may be 0) says what failed; when the
 * verifier refused a program, it holds the tail of the verifier's log. */
int vnm_bpf_open(struct vnm_bpf **out, char *errbuf, size_t errlen);
/* Take over the maps of programs already attached (after a restart):
 * tx_id and rx_id are program ids (vnm_bpf_parse_filter); tx_id 0: a new
 * transmit program is loaded over the adopted maps (the transmit program
 * sits on taps only, which a restarted driver need not know); the programs
 * must be vnmd's (names "vnm_tx"/"vnm_rx") and their maps of the shapes
 * this build makes, else -EPROTO with a message.  The returned object
 * holds the found programs, so vnm_bpf_msg_attach re-attaches them. */
int vnm_bpf_adopt(struct vnm_bpf **out, uint32_t tx_id, uint32_t rx_id, char *errbuf,
		  size_t errlen);
/* Close the file descriptors; attached programs and their maps stay in the
 * kernel until detached.  NULL is fine. */
void vnm_bpf_close(struct vnm_bpf *b);

/* A tap (host-side ifindex in the namespace) carries VL vni: frames from
 * the guest get the tunnel key {vni, remote, tos, ttl 64} and are
 * redirected to the VXLAN device vx_ifindex (non-zero). */
struct vnm_bpf_tap {
	uint32_t vni;
	uint32_t vx_ifindex;
	uint32_t flags; /* VNM_BPF_UP, VNM_BPF_IPV6 */
	uint8_t tos;
	uint32_t remote[4]; /* network order; remote[0] for IPv4 */
};
/* Insert or replace.  -EINVAL for a VNI over 24 bits or vx_ifindex 0. */
int vnm_bpf_tap_set(struct vnm_bpf *b, int tap_ifindex, const struct vnm_bpf_tap *v);
/* -ENOENT when the tap has no entry. */
int vnm_bpf_tap_get(struct vnm_bpf *b, int tap_ifindex, struct vnm_bpf_tap *out);
int vnm_bpf_tap_del(struct vnm_bpf *b, int tap_ifindex);

/* Frames decapsulated with vni from remote are delivered to tap_ifindex
 * (0: no tap yet, dropped) when VNM_BPF_UP; a frame whose outer source is
 * not remote, or of the other address family, is dropped. */
struct vnm_bpf_vni {
	uint32_t tap_ifindex;
	uint32_t flags;     /* VNM_BPF_UP, VNM_BPF_IPV6 */
	uint32_t remote[4]; /* network order; remote[0] for IPv4 */
};
/* Insert or replace; creates the VL's zeroed counters when absent. */
int vnm_bpf_vni_set(struct vnm_bpf *b, uint32_t vni, const struct vnm_bpf_vni *v);
int vnm_bpf_vni_get(struct vnm_bpf *b, uint32_t vni, struct vnm_bpf_vni *out);
/* Removes the VNI's entry and its counters; -ENOENT when neither existed. */
int vnm_bpf_vni_del(struct vnm_bpf *b, uint32_t vni);
/* The key after *prev (NULL: the first) in the VNI map, or the tap map:
 * 0, or -ENOENT after the last. */
int vnm_bpf_vni_next(struct vnm_bpf *b, const uint32_t *prev, uint32_t *next);
int vnm_bpf_tap_next(struct vnm_bpf *b, const int *prev, int *next);

/* Per-VL counters: tx = what the guest sent into the VL (frames as they
 * left the tap, Ethernet header included), rx = what was delivered to it,
 * drops = frames of the VL dropped (down, no tap, wrong outer source,
 * tunnel key refused). */
struct vnm_bpf_ctr {
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes, drops;
};
int vnm_bpf_ctr_get(struct vnm_bpf *b, uint32_t vni, struct vnm_bpf_ctr *out);

/* Kernel memory the three maps account for (their fdinfo "memlock"), bytes. */
int vnm_bpf_mem(struct vnm_bpf *b, uint64_t *bytes);
/* The program's fd (owned by b): the tx program (rx false) or the rx one. */
int vnm_bpf_prog_fd(const struct vnm_bpf *b, bool rx);
/* The program ids (for a later vnm_bpf_adopt). */
int vnm_bpf_prog_ids(struct vnm_bpf *b, uint32_t *tx_id, uint32_t *rx_id);

/* The ingress qdisc on ifindex: RTM_NEWQDISC with NLM_F_CREATE and without
 * NLM_F_EXCL, so the kernel answers 0 both when it makes one and when an
 * ingress qdisc is already there (nothing is changed then).  EEXIST is not
 * answered to this message; -NLE_INVAL (EINVAL, "Invalid qdisc name") means
 * a clsact qdisc holds the ingress hook: that is not vnmd's to replace. */
int vnm_bpf_msg_ingress(int ifindex, struct nl_msg **out);
/* The cls_bpf filter on ifindex's ingress qdisc: ETH_P_ALL, prio
 * VNM_BPF_PRIO, handle VNM_BPF_HANDLE, direct-action, with the tx program
 * (rx false: for a tap) or the rx program (rx true: for the VXLAN device).
 * NLM_F_CREATE|NLM_F_REPLACE: a filter already there is replaced in place.
 * The message carries b's program fd: send it before vnm_bpf_close(b). */
int vnm_bpf_msg_attach(const struct vnm_bpf *b, int ifindex, bool rx, struct nl_msg **out);
/* Remove that filter (RTM_DELTFILTER); ENOENT when there is none. */
int vnm_bpf_msg_detach(int ifindex, struct nl_msg **out);
/* Ask for that filter (RTM_GETTFILTER, not a dump); its answer goes to
 * vnm_bpf_parse_filter, e.g. as vnm_lnl_request's reply callback. */
int vnm_bpf_msg_get_filter(int ifindex, struct nl_msg **out);
/* A filter message (RTM_NEWTFILTER) of vnmd's prio and handle: its
 * program id into *(uint32_t *)arg.  Returns NL_OK (libnl callback
 * convention); *arg is left unchanged for any other message. */
int vnm_bpf_parse_filter(struct nl_msg *msg, void *arg);

#endif
