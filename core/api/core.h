/*
 * core.h - the core of vnmd: transactions, persistence, reconciliation and
 * the operational snapshot.  The NETCONF server and the SNMP agent use only
 * this interface.
 *
 * Threads: vnm_core_commit() and the other configuration calls are
 * serialised inside the core (one transaction at a time; a second caller
 * waits).  vnm_core_snapshot() never waits for a transaction: it returns the
 * latest published snapshot (refreshed by the core's own thread at least
 * once a second, and right after every commit and every driver event).
 */
#ifndef VNM_CORE_H
#define VNM_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "vnm_types.h"

struct ly_ctx;
struct lyd_node;
struct vnm_core;
struct vnm_uri_policy;
struct vnm_peer_policy;

struct vnm_core_opts {
	struct ly_ctx *ctx;       /* the YANG context (vnm_yctx_new); not owned */
	const char *state_dir;    /* holds "running.xml" and "startup.xml"; NULL: no persistence */
	bool from_startup;        /* start from startup instead of running */
	bool reconcile;           /* reconcile reality with the loaded configuration at start */
	struct vnm_drivers drv;   /* not owned */
	unsigned refresh_ms;      /* pause between snapshot refreshes; 0: 500 ms, so that
				   * counters an SNMP poll sees are under a second old */
	const struct vnm_uri_policy *uris; /* hypervisor URIs hosts may name
				   * (uri_policy.h); NULL: the built-in list.  Not
				   * copied: must outlive the core */
	const char *local_host;   /* --host: realise only this host of the
				   * underlay (one vnmd per RM); NULL: every
				   * host.  Not copied */
	const struct vnm_peer_policy *peers; /* management addresses and keys
				   * hosts may name (peer_policy.h); NULL: none.
				   * Not copied */
	unsigned peer_timeout_s;  /* confirm-timeout of the participants'
				   * confirmed commits; 0: 60 s */
};

/* Load the configuration, reconcile, start the snapshot thread. */
int vnm_core_new(const struct vnm_core_opts *o, struct vnm_core **out, struct vnm_err *err);
/* Stop the thread, save running, free.  NULL is fine. */
void vnm_core_free(struct vnm_core *c);

/* A duplicate of the running configuration (NULL when empty); caller frees
 * with lyd_free_all().  Returns 0 or -1. */
int vnm_core_running(struct vnm_core *c, struct lyd_node **out, struct vnm_err *err);

/* The running configuration's generation (commits so far): a front that
 * derives something from running (NACM's compiled rules) recomputes it only
 * when this changes.  Never waits for a transaction. */
uint64_t vnm_core_generation(struct vnm_core *c);
/* Once the daemon serves: a coordinator gives every participant its
 * running configuration, in the background (coord.c); nothing else does
 * anything. */
void vnm_core_start_peers(struct vnm_core *c);
/* A duplicate of running's top-level nodes of YANG module mod only (NULL
 * when none), and the generation they belong to; cheaper than
 * vnm_core_running() when a front needs one small part.  0 or -1. */
int vnm_core_running_module(struct vnm_core *c, const char *mod, struct lyd_node **out,
			    uint64_t *generation, struct vnm_err *err);
/* The same of every top-level node not of module mod. */
int vnm_core_running_other(struct vnm_core *c, const char *mod, struct lyd_node **out,
			   uint64_t *generation, struct vnm_err *err);
/* fn(arg, top) on running's first top-level node of module mod itself,
 * not a copy (NULL when none), under the lock commits take to change
 * running: fn reads it, keeps no pointer into it and calls nothing of the
 * core.  For a front that prints running's largest part once per
 * generation: a copy of 10,000 VLs was 27 MB and longer under the lock
 * than the print.  fn's result; *generation is the tree's. */
int vnm_core_running_read(struct vnm_core *c, const char *mod,
			  int (*fn)(void *arg, const struct lyd_node *top), void *arg,
			  uint64_t *generation);

/*
 * What changed in running after generation from, when all of it was
 * leaves of virtual-link containers changed in place (a rate change): a
 * front that keeps text of running (<get>'s networks) patches the leaves
 * instead of copying and printing the whole tree again.  cb(arg, network,
 * link, leaf, value) is called once per changed leaf with its value in
 * running now (canonical), under the core's lock: it must not call the
 * core.  Returns 0 with *generation (what running is now: the text with
 * those leaves patched is running's text of that generation), 1 when
 * running changed otherwise or too long ago (copy it whole), or what cb
 * returned.  cb NULL: only whether running changed otherwise since (0)
 * or not (1), the leaves not looked at.
 */
typedef int (*vnm_leaf_since_cb)(void *arg, const char *vn, const char *link,
				 const char *leaf, const char *value);
int vnm_core_leaves_since(struct vnm_core *c, uint64_t from, vnm_leaf_since_cb cb, void *arg,
			  uint64_t *generation);

/* YANG-valid tree → semantic validation only, no side effects. */
int vnm_core_validate(struct vnm_core *c, const struct lyd_node *cfg, struct vnm_err *err);

/*
 * Make reality match cfg (the whole new running configuration, already
 * YANG-valid; may be NULL for empty), then make cfg the running
 * configuration and persist it.  diff, when not NULL, is the libyang diff
 * from running to cfg (yang:operation metadata) and lets the core plan in
 * time proportional to the change; NULL makes the core compute it.
 * All or nothing: on failure reality and running are as before, and err
 * names the failed step and why (VNM_E_INCONSISTENT if undo failed too).
 * Does not take ownership of cfg or diff.
 */
int vnm_core_commit(struct vnm_core *c, const struct lyd_node *cfg,
		    const struct lyd_node *diff, struct vnm_err *err);
/* The same, taking over *cfg when it succeeds (*cfg set to NULL) instead
 * of copying it: a caller that built the tree for this commit spares a
 * copy of the whole configuration.  *diff (may be NULL) is freed and set
 * to NULL once the plan is made of it: a diff that creates 10,000 VLs
 * holds a copy of them, megabytes the rest of the transaction need not
 * keep. */
int vnm_core_commit_take(struct vnm_core *c, struct lyd_node **cfg, struct lyd_node **diff,
			 struct vnm_err *err);

/*
 * A change of leaves made in place: no copy, validation or save of the
 * whole configuration, so it costs the same at any size.  Taken for the
 * leaves whose rules are known in full (a virtual link's guaranteed-rate
 * and rate-limit): the value's type, the guarantee within the limit,
 * admission on the physical links the VL rides; the plan is the VL's
 * shaping (and that of the VLs sharing its links whose default share
 * moves); the change is appended to the journal (wal.h) and fsync'ed
 * before this returns.  veto, when not NULL, sees the libyang diff first
 * (access control) and stops the change by returning nonzero.
 * Returns 0 done, 1 when the change is not one made in place (nothing
 * done: commit the edited tree instead), 2 vetoed, -1 refused or failed
 * with err set (all or nothing, as vnm_core_commit).
 */
struct vnm_leaf_set {
	const char *parent;   /* data path of the leaf's parent (keys in predicates) */
	const char *name;     /* the leaf's name (module vnmd) */
	const char *value;    /* its new value */
	const char *same;     /* not NULL: the data path of any other leaf the
			       * edit restates (e.g. a link's source): it must
			       * exist with this value already (else 1); value
			       * NULL: a list entry or container that must exist */
};
typedef int (*vnm_leaf_veto_fn)(const struct lyd_node *diff, void *arg);
int vnm_core_set_leaves(struct vnm_core *c, const struct vnm_leaf_set *set, size_t n,
			vnm_leaf_veto_fn veto, void *arg, struct vnm_err *err);

/* Startup datastore (file in state_dir).  _load gives a tree the caller frees
 * (NULL when empty); _save replaces it atomically; _delete empties it. */
int vnm_core_startup_load(struct vnm_core *c, struct lyd_node **out, struct vnm_err *err);
int vnm_core_startup_save(struct vnm_core *c, const struct lyd_node *cfg, struct vnm_err *err);
int vnm_core_startup_delete(struct vnm_core *c, struct vnm_err *err);

/* The record of a pending confirmed commit (RFC 6241 8.4), which the
 * NETCONF server writes and reads as text: a file in state_dir beside the
 * datastores, replaced atomically like them, so that the commit's rollback
 * survives a restart or a SIGKILL of vnmd.  Without a state_dir, _save and
 * _delete do nothing and _load gives NULL.  _load's *text (NULL when there
 * is no record) is freed by the caller. */
int vnm_core_pending_save(struct vnm_core *c, const char *text, struct vnm_err *err);
int vnm_core_pending_load(struct vnm_core *c, char **text, struct vnm_err *err);
int vnm_core_pending_delete(struct vnm_core *c, struct vnm_err *err);

/* ------------------------------------------------------------------ */
/* Operational snapshot                                               */
/* ------------------------------------------------------------------ */

struct vnm_snap_vn {
	char *name;
	enum vnm_admin admin;
	enum vnm_vr_oper oper;    /* running if all VRs run, paused if any paused, ... */
	unsigned n_vrs, n_vls;
};

struct vnm_snap_vr {
	char *vn, *name, *host;
	char *domain_name;
	char uuid[37];            /* "" when absent */
	int domain_id;
	enum vnm_admin admin;     /* effective */
	enum vnm_vr_oper oper;
	uint16_t vcpus;           /* as the hypervisor reports them */
	uint32_t memory_mib;
	uint16_t cfg_vcpus;       /* as configured */
	uint32_t cfg_memory_mib;
	bool gathered;            /* reported by the vnmd of its host (one vnmd
				   * per RM) age_ms ago */
	uint32_t age_ms;
};

/* The guarantee watch of one VL (vnm_core_watch_tick), as of its last
 * interval. */
struct vnm_vl_watch {
	bool measured;            /* two readings so far: the rates are valid */
	uint32_t interval_ms;     /* what the rates are over */
	uint64_t rate_out, rate_in; /* bit/s of the VL's frames its classes sent,
				   * toward the destination VR and back */
	bool met;                 /* false: traffic waited (backlog, new drops) in a
				   * direction that carried less than the guarantee */
	bool violated;            /* met was false for VNM_WATCH_RAISE_AFTER
				   * intervals in a row, and has not been true for
				   * VNM_WATCH_CLEAR_AFTER in a row since */
};

struct vnm_snap_vl {
	char *vn, *name;
	char *a_node, *a_tp, *b_node, *b_tp;
	uint64_t guaranteed, limit; /* configured; 0: not set */
	bool enabled;             /* configured admin state */
	bool up;                  /* oper state; down with !enabled: admin-down */
	char ifname[VNM_IFNAMSIZ]; /* host-side interface (end_a) */
	struct vnm_vl_counters ctr;
	char *if_host;            /* the host (underlay node-id) ifname and
				   * ctr.ifindex are on: the source VR's */
	char *if_netns;           /* that host's network namespace; "": the daemon's */
	uint64_t ceil;            /* the rate the VL is shaped to (its ceiling:
				   * rate-limit, else the path's capacity in VL
				   * frames); 0: not shaped */
	struct vnm_vl_watch watch;
	bool gathered;            /* counters reported by another RM's vnmd */
	uint32_t age_ms;          /* ...that long ago */
};

struct vnm_snapshot {
	uint64_t generation;      /* configuration generation (commits so far) */
	struct timespec taken;    /* CLOCK_REALTIME when the snapshot was taken */
	struct vnm_snap_vn *vns;
	size_t n_vns;
	struct vnm_snap_vr *vrs;  /* ordered by vn, then name */
	size_t n_vrs;
	struct vnm_snap_vl *vls;  /* ordered by vn, then name */
	size_t n_vls;
	int refs;                 /* private */
};

/* The latest snapshot, with a reference the caller drops with _unref. */
struct vnm_snapshot *vnm_core_snapshot(struct vnm_core *c);
void vnm_snapshot_unref(struct vnm_snapshot *s);
/* Free a snapshot and its strings regardless of references (for whoever
 * builds snapshots: the core, and stand-ins for it in tests). */
void vnm_snapshot_free(struct vnm_snapshot *s);

/*
 * The host interfaces the running configuration's objects are realised
 * with (names the model derives, so a front need not rebuild the model):
 * cb(arg, vn, vr, vnic, ifname) for each vNIC's tap, and
 * cb(arg, vn, NULL, vl, ifname) for each end of each VL (both ends, end a
 * first).  Runs under a reference to the running model: it does not wait
 * for a transaction.  cb returns 0 to go on, non-zero to stop (returned).
 */
typedef int (*vnm_ifname_cb)(void *arg, const char *vn, const char *vr,
			     const char *obj, const char *ifname);
int vnm_core_ifnames(struct vnm_core *c, vnm_ifname_cb cb, void *arg);

/* ------------------------------------------------------------------ */
/* Guarantee watch                                                     */
/* ------------------------------------------------------------------ */

/* Intervals in a row a shortfall must hold before guarantee-violated is
 * raised, and must be absent before it is cleared; a direction is short
 * when traffic waited and it carried less than this share (percent) of
 * the guarantee. */
#define VNM_WATCH_RAISE_AFTER 3
#define VNM_WATCH_CLEAR_AFTER 5
#define VNM_WATCH_SHORT_PCT 90

/*
 * One interval of the guarantee watch, called by the daemon's timer: the
 * rates of every VL since the previous call, from the latest snapshot's
 * class counters; VNM_EV_VL_GUARANTEE when a VL's guarantee-violated state
 * changes (once the snapshot that shows it is published).  Not
 * thread-safe against itself: one caller.
 */
void vnm_core_watch_tick(struct vnm_core *c);

/* ------------------------------------------------------------------ */
/* Events (for NETCONF notifications and SNMP traps)                  */
/* ------------------------------------------------------------------ */

enum vnm_event_kind {
	VNM_EV_VR_OPER,      /* vn, obj = router, state */
	VNM_EV_VL_OPER,      /* vn, obj = link, up, reason ("admin-down"
			      * when down because disabled, else NULL) */
	VNM_EV_CONFIG,       /* generation */
	VNM_EV_VL_GUARANTEE, /* vn, obj = link, violated (raised or cleared),
			      * guaranteed, rate_out, rate_in, reason */
};

struct vnm_event {
	enum vnm_event_kind kind;
	const char *vn, *obj;
	enum vnm_vr_oper vr_state;
	bool vl_up;
	const char *reason;
	uint64_t generation;
	bool violated;
	uint64_t guaranteed, rate_out, rate_in;
};

/* cb runs on a core thread; it must not call back into the core's
 * configuration functions.  Returns 0 or -1. */
typedef void (*vnm_event_cb)(void *arg, const struct vnm_event *ev);
int vnm_core_subscribe(struct vnm_core *c, vnm_event_cb cb, void *arg);

#endif
