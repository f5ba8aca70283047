/*
 * driver.h - the operation tables between the core and reality.
 *
 * The core turns a configuration change into a plan of steps; each step is
 * exactly one call into one of these tables, and the core records the call
 * that undoes it.  Drivers are stateless towards the core: everything they
 * need comes in the arguments (objects of a struct vnm_model, which stay
 * valid for the whole call).  Every operation returns 0, or -1 with err set
 * to a message that names the object and what the system said.
 *
 * Operations are idempotent where that is cheap (creating what exists with
 * the same properties, or removing what is gone, succeeds): reconciliation
 * and undo rely on it.
 *
 * Real implementations: drivers/hypervisor/ (libvirt C API only) and link_nl.c
 * (libnl-route-3 only).  tests/unit/fake_driver.c implements both tables
 * over an in-memory world and fails on demand.
 */
#ifndef VNM_DRIVER_H
#define VNM_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "vnm_types.h"

/* ------------------------------------------------------------------ */
/* Objects found in reality, for reconciliation                       */
/* ------------------------------------------------------------------ */

enum vnm_obj_kind {
	VNM_OBJ_DOMAIN,   /* a libvirt domain carrying vnmd's metadata tag */
	VNM_OBJ_IFACE,    /* a "vn*" interface with vnmd's ifalias tag */
	VNM_OBJ_QDISC,    /* vnmd's HTB root on a physical interface */
};

struct vnm_own_obj {
	enum vnm_obj_kind kind;
	char name[256];   /* domain name or interface name */
	char vn[128];     /* from the tag: network, and node or link */
	char obj[128];
	char host[128];   /* host (node-id in the underlay) it was found on */
	uint64_t generation; /* configuration generation in the tag (domains) */
};

struct vnm_own_list {
	struct vnm_own_obj *objs;
	size_t n, cap;
};
int vnm_own_list_add(struct vnm_own_list *l, const struct vnm_own_obj *o);
void vnm_own_list_free(struct vnm_own_list *l);

/* ------------------------------------------------------------------ */
/* Hypervisor driver: VRs as domains                                  */
/* ------------------------------------------------------------------ */


enum vnm_arrival {
	VNM_ARRIVAL_NONE = 0,
	VNM_ARRIVAL_UNDERWAY,
	VNM_ARRIVAL_DONE,     /* runs or is paused there: it has taps */
	VNM_ARRIVAL_DONE_OFF, /* moved offline (it crashed before it left): none */
};

struct vnm_vr_status {
	enum vnm_vr_oper state;
	char uuid[37];
	int domain_id;      /* -1 unless running or paused */
	uint32_t memory_mib;
	uint16_t vcpus;
};

/* Called from the driver's event thread when a domain changes state on its
 * own (crash, shutdown from inside, paused by the host). */
typedef void (*vnm_vr_event_cb)(void *arg, const char *vn, const char *vr,
				enum vnm_vr_oper state, const char *reason);

struct vnm_hv_ops {
	const char *name;
	/* Define the domain of vr (shut off), with one NIC per vNIC (type
	 * bridge, source vnic->bridge, target vnic->tap, MAC vnic->mac, link
	 * state down when !vnm_vnic_link_up(vnic)) and vnmd's metadata tag.
	 * generation goes into the tag. */
	int (*vr_define)(void *ctx, const struct vnm_vr *vr, uint64_t generation,
			 struct vnm_err *err);
	/* Undefine the domain (it must be shut off; absent is success). */
	int (*vr_undefine)(void *ctx, const struct vnm_vr *vr, struct vnm_err *err);
	/* Move the domain between running, paused and stopped.  Stopping is
	 * graceful with a bounded wait, then forced. */
	int (*vr_set_state)(void *ctx, const struct vnm_vr *vr, enum vnm_admin to,
			    struct vnm_err *err);
	/* Change vcpus and memory from old to new.  Live where the hypervisor
	 * allows, otherwise in the persistent definition (next start); the
	 * driver says which in *applied_live. */
	int (*vr_set_resources)(void *ctx, const struct vnm_vr *old,
				const struct vnm_vr *new, bool *applied_live,
				struct vnm_err *err);
	/* Hot-plug / unplug one NIC (live and persistent), with its link
	 * state as in vr_define. */
	int (*vnic_attach)(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err);
	int (*vnic_detach)(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err);
	/* Set the link state of nic (the carrier its guest sees) without
	 * unplugging it: live on a running domain, and in the persistent
	 * definition.  Idempotent.  A hypervisor that cannot change it on a
	 * running domain fails with VNM_E_UNSUPPORTED naming itself. */
	int (*vnic_set_link)(void *ctx, const struct vnm_vnic *nic, bool up,
			     struct vnm_err *err);
	int (*vr_status)(void *ctx, const struct vnm_vr *vr, struct vnm_vr_status *st,
			 struct vnm_err *err);
	/* Clone vr as the domain of copy (new name, UUID, MACs; same image). */
	int (*vr_copy)(void *ctx, const struct vnm_vr *vr, const struct vnm_vr *copy,
		       struct vnm_err *err);
	/* Migrate vr's domain from its host to dst: live (peer to peer,
	 * between the two hosts' hypervisors) when it runs or is paused, in
	 * the state it is in; offline when shut off.  The domain keeps its
	 * name, UUID, definition and tag, and leaves vr's host. */
	int (*vr_move)(void *ctx, const struct vnm_vr *vr, const struct vnm_host *dst,
		       struct vnm_err *err);
	/* Whether vr_move of the running vr to dst can run, without changing
	 * anything: both hypervisors reachable and offering live migration,
	 * dst able to run the domain's type.  0, or -1 with err naming the
	 * router and both hosts.  May be NULL (vr_move tells). */
	int (*vr_move_check)(void *ctx, const struct vnm_vr *vr, const struct vnm_host *dst,
			     struct vnm_err *err);
	/* Where vr's domain stands on vr's host while another vnmd migrates it
	 * there: VNM_ARRIVAL_NONE (no such domain yet), VNM_ARRIVAL_UNDERWAY
	 * (the incoming migration runs: the domain is there, a job on it),
	 * VNM_ARRIVAL_DONE (it runs, or is paused, with no job left),
	 * VNM_ARRIVAL_DONE_OFF (it arrived shut off: moved offline); -1 with
	 * err.  May be NULL (then a destination cannot wait for it). */
	int (*vr_arrival)(void *ctx, const struct vnm_vr *vr, struct vnm_err *err);
	/* Every domain tagged by vnmd on host. */
	int (*list_own)(void *ctx, const struct vnm_host *host, struct vnm_own_list *out,
			struct vnm_err *err);
	/* Remove an own domain found by list_own (stop + undefine). */
	int (*remove_own)(void *ctx, const struct vnm_host *host,
			  const struct vnm_own_obj *o, struct vnm_err *err);
	void (*set_event_cb)(void *ctx, vnm_vr_event_cb cb, void *arg);
};

/* ------------------------------------------------------------------ */
/* Link driver: vNIC port bridges, VLs, shaping                       */
/* ------------------------------------------------------------------ */

/* What the kernel can do, probed once at start. */
struct vnm_link_caps {
	bool htb, tbf, netem, vxlan, bridge, veth, u32;
};


struct vnm_link_ops {
	const char *name;
	int (*probe)(void *ctx, struct vnm_link_caps *caps, struct vnm_err *err);
	/* Bytes the encapsulation encap (NULL: the driver's default) adds to
	 * each VL frame on the wire, or -1 when the driver has none of that
	 * name.  Needs no context and no kernel (check mode calls it): it
	 * reads the driver's table of encapsulations.  The core puts the
	 * figure in each struct vnm_plink (vnm_model_set_overhead). */
	int (*encap_overhead)(const char *encap);
	/* HTB root and one parent class at the capacity on the interfaces of
	 * both ends of pl (egress), with the size table accounting for
	 * pl->overhead, and the classifier of pl->encap's packets; the
	 * classes' figures come from vnm_plink_shape().  _update changes the
	 * capacity in place. */
	int (*plink_setup)(void *ctx, const struct vnm_plink *pl, struct vnm_err *err);
	int (*plink_update)(void *ctx, const struct vnm_plink *old,
			    const struct vnm_plink *new, struct vnm_err *err);
	int (*plink_teardown)(void *ctx, const struct vnm_plink *pl, struct vnm_err *err);
	/* The port bridge of a vNIC, on its VR's host (before the domain is
	 * defined, so that libvirt can plug the tap into it). */
	int (*vnic_port_create)(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err);
	int (*vnic_port_destroy)(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err);
	/* The VL's ends (veth pair, or the tunnel devices of vl->encap) in
	 * the two port bridges; up when vl->enabled, else down. */
	int (*vl_create)(void *ctx, const struct vnm_vl *vl, struct vnm_err *err);
	int (*vl_destroy)(void *ctx, const struct vnm_vl *vl, struct vnm_err *err);
	/* Bring the VL's ends up or down in place (its admin state): they
	 * stay in their bridges, with their shaping and counters. */
	int (*vl_set_up)(void *ctx, const struct vnm_vl *vl, bool up, struct vnm_err *err);
	/* Create or change in place the shaping of vl on one physical link pl
	 * it rides (the HTB class at both ends of pl and its classifier), or,
	 * with pl NULL, of a same-host VL (both veth ends).  shape is computed
	 * by the core (vnm_vl_shape_on / vnm_vl_shape_local) and installed as
	 * it is.  shape->netem needs sch_netem: without it, fail with
	 * VNM_E_UNSUPPORTED naming sch_netem before changing anything. */
	int (*vl_shape)(void *ctx, const struct vnm_vl *vl, const struct vnm_plink *pl,
			const struct vnm_shape *shape, struct vnm_err *err);
	int (*vl_unshape)(void *ctx, const struct vnm_vl *vl, const struct vnm_plink *pl,
			  struct vnm_err *err);
	int (*vl_counters)(void *ctx, const struct vnm_vl *vl, struct vnm_vl_counters *out,
			   struct vnm_err *err);
	/* Optional: the next vl_counters calls read n VLs one after the
	 * other (a snapshot: all of them, or the few a commit changed), so
	 * the driver can ask the kernel for a few objects alone and for many
	 * in one dump.  Without a call, expect a few.  n 0: those reads
	 * are over; what the driver kept for them (dumps) may go. */
	void (*vl_counters_batch)(void *ctx, size_t n);
	int (*list_own)(void *ctx, const struct vnm_host *host, struct vnm_own_list *out,
			struct vnm_err *err);
	int (*remove_own)(void *ctx, const struct vnm_host *host,
			  const struct vnm_own_obj *o, struct vnm_err *err);
	/* After nic's VR started (or nic was hot-plugged into a running VR):
	 * when the VR's host lives in a network namespace, move the tap the
	 * hypervisor created in the daemon's namespace into the host's and
	 * enslave it to nic->bridge (libvirt cannot plug a tap into a bridge
	 * of another namespace; the hypervisor driver gives such NICs type
	 * 'ethernet').  Idempotent; a tap that does not exist (VR not
	 * running) is success.  May be NULL: nothing to do. */
	int (*vnic_plug)(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err);
	/* At the end of a transaction (applied or undone): finish what the
	 * steps deferred, e.g. delete the interfaces vl_destroy and
	 * vnic_port_destroy retired, all in one batch.  May be NULL. */
	void (*flush)(void *ctx);
	/* The host interface that carries the a (or b) end of vl, when it is
	 * not vl->end_a (end_b): e.g. a device the host's VL ends share.  NULL
	 * (the op or its answer): the end's own name.  No kernel call. */
	const char *(*vl_end_ifname)(void *ctx, const struct vnm_vl *vl, bool a);
	/* Reconciliation: remove what the driver keeps on host for VLs whose
	 * VNI is not in vnis (sorted, n of them) and that list_own does not
	 * report (no interface: e.g. a shared datapath's map entries).
	 * *removed: how many VLs' went.  May be NULL. */
	int (*vl_sweep)(void *ctx, const struct vnm_host *host, const uint32_t *vnis, size_t n,
			size_t *removed, struct vnm_err *err);
};

/* ------------------------------------------------------------------ */
/* Peer driver: the vnmds of other RMs, over NETCONF                  */
/* ------------------------------------------------------------------ */

/*
 * A coordinating vnmd makes each change a network-wide transaction with
 * the participants of the new model (vnm_host_participant: hosts whose
 * vnmd, at their management address, realises them).  One transaction at
 * a time (the core's txn lock): prepare, then exactly one of confirm or
 * cancel with the same txid.  Every call is bounded in time.
 */
/* What a participant's vnmd reported of its share (read_state). */
struct vnm_peer_vr {
	char *vn, *name;
	struct vnm_vr_status st;
};
struct vnm_peer_vl {
	char *vn, *name;
	struct vnm_vl_counters ctr;
};
struct vnm_peer_state {
	struct vnm_peer_vr *vrs;
	size_t n_vrs;
	struct vnm_peer_vl *vls;
	size_t n_vls;
};
/* Free what a state holds (the struct itself is the caller's). */
void vnm_peer_state_clear(struct vnm_peer_state *s);

struct vnm_peer_ops {
	const char *name;
	/* On every participant of m: its candidate gets config_xml (the
	 * whole new ietf-network configuration, printed as XML: the networks
	 * element; NULL: none), which it validates and commits with
	 * <confirmed/>, confirm-timeout timeout_s and <persist>txid.  All or
	 * nothing: when one fails, those already committed get
	 * <cancel-commit> and the failed one's candidate is discarded; err
	 * names the failed host and passes its error on.  The participants
	 * are the hosts with a management address in m, and those that had
	 * one in old (the model before the change): a host removed, or no
	 * longer reached, is told of its last configuration too. */
	int (*prepare)(void *ctx, const struct vnm_model *old, const struct vnm_model *m,
		       const char *config_xml,
		       const char *txid, unsigned timeout_s, struct vnm_err *err);
	/* <commit><persist-id>txid on every participant prepare committed.
	 * One that does not answer is retried in the background until it
	 * does (and gets the configuration again, with a plain commit, when
	 * it rolled back meanwhile).  -1 with err naming those left to the
	 * background: the change is committed all the same. */
	int (*confirm)(void *ctx, const char *txid, struct vnm_err *err);
	/* <cancel-commit><persist-id>txid on every participant prepare
	 * committed; one that does not answer rolls back at its timeout. */
	void (*cancel)(void *ctx, const char *txid);
	/* At the coordinator's start: every participant of m gets config_xml
	 * (its running configuration) in the background, with a plain commit,
	 * as a confirm that went unanswered would (a participant that rolled
	 * back a transaction this vnmd committed before it stopped holds it
	 * again; one that holds it already plans nothing).  NULL: none. */
	void (*resync)(void *ctx, const struct vnm_model *m, const char *config_xml);
	/* The state the vnmd of participant h reports in its <get>: its
	 * routers' (h's ones: state, UUID, domain id) and its VLs' counters
	 * (those with an end on h).  Bounded in time; never waits for a
	 * transaction.  0, or -1 with err set.  NULL: no reads. */
	int (*read_state)(void *ctx, const struct vnm_host *h, struct vnm_peer_state *out,
			  struct vnm_err *err);
};

#endif
