/*
 * vnm_types.h - the few types every part of vnmd shares: the states of
 * routers, a VL's counters, interface-name size and the pair of driver
 * tables the daemon hands to the core.  No behaviour, no model.
 */
#ifndef VNM_TYPES_H
#define VNM_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#define VNM_IFNAMSIZ 16 /* IFNAMSIZ: 15 bytes and the NUL */

/* Admin state of a VR or VN, as configured. */
enum vnm_admin {
	VNM_ADMIN_RUNNING = 0,
	VNM_ADMIN_PAUSED,
	VNM_ADMIN_STOPPED,
};
const char *vnm_admin_str(enum vnm_admin a);
int vnm_admin_parse(const char *s, enum vnm_admin *out);

/* Oper state of a VR (or a VN: the state of its VRs) as the hypervisor reports it. */
enum vnm_vr_oper {
	VNM_VR_ABSENT = 0, /* no domain */
	VNM_VR_STOPPED,    /* defined, shut off */
	VNM_VR_RUNNING,
	VNM_VR_PAUSED,
	VNM_VR_CRASHED,
	VNM_VR_UNKNOWN,
};
const char *vnm_vr_oper_str(enum vnm_vr_oper s);

/* A VL's counters as the link driver reads them. */
struct vnm_vl_counters {
	uint64_t in_octets, in_packets, out_octets, out_packets;
	uint64_t drops, overlimits;
	int64_t discontinuity; /* unix time of the last reset of a source */
	int ifindex;           /* host-side interface of the VL (end_a) */
	bool up;
	/* The VL's shaping classes by direction ([0] out: from the source
	 * router toward the destination; [1] in), for the guarantee watch:
	 * octets of the VL's frames the class at the direction's first hop
	 * sent (size-table counted, as the guarantee is), and drops and
	 * bytes queued now summed over the direction's hops.  shaped: the
	 * classes were found.  read_ns: CLOCK_MONOTONIC of the read (set by
	 * the core), the time the rates are computed over. */
	uint64_t cls_octets[2], cls_drops[2];
	uint32_t cls_backlog[2];
	bool shaped;
	int64_t read_ns;
};

struct vnm_hv_ops;   /* driver.h */
struct vnm_link_ops; /* driver.h */
struct vnm_peer_ops; /* driver.h */

/* The tables the core works with. */
struct vnm_drivers {
	const struct vnm_hv_ops *hv;
	void *hv_ctx;
	const struct vnm_link_ops *link;
	void *link_ctx;
	const struct vnm_peer_ops *peer; /* NULL: no coordinator (a change that
					  * needs one is refused) */
	void *peer_ctx;
};

#endif
