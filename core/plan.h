/*
 * plan.h - a configuration change as an ordered list of driver calls.
 *
 * vnm_plan_build() compares the old and the new model and produces the
 * steps that turn reality from the old into the new one.  Each step is one
 * call into struct vnm_hv_ops or struct vnm_link_ops; each step carries the
 * step that undoes it (txn.c journals it when the step succeeds).  The
 * planner only builds plans: running and naming a step is txn.h's.
 *
 * Order: destroys before creates; creates parent before child
 *   plink_setup, vnic_port_create, vr_define, vnic_attach, vr_set_resources,
 *   vr_set_state, vl_create, vl_shape, vl_set_up / vnic_set_link
 * and destroys in the reverse order
 *   vl_unshape, vl_destroy, vnic_detach, vr_set_state(stopped), vr_undefine,
 *   vnic_port_destroy, plink_teardown.
 * Property changes happen in place (a rate change is a vl_shape, a vCPU
 * change a vr_set_resources, a VL's enabled a vl_set_up of its ends and a
 * vnic_set_link of each vNIC whose carrier changes); an image change redefines the VR; a change of
 * host moves everything on it (destroy and create).
 *
 * Live migration: a VR that is running or paused in both models and
 * changes host to one reached through another hypervisor connection (its
 * libvirt URI, or the default one, differs) keeps running: one
 * vr_migrate step instead of stop/undefine/define/start, ordered
 *   vnic_port_create (new host) ... vr_set_state, [vl_create, vl_shape of
 *   its new VLs], vr_migrate (the taps plugged into the new port bridges),
 *   its vr_set_resources/state, vl_unshape/vl_destroy of its old VLs,
 *   vnic_port_destroy (old host), vl_create, vl_shape ...
 * so that the old VL ends carry traffic until the router has left.  A new
 * VL that cannot clash with the old one (a same-host VL becoming a tunnel
 * or the reverse) is made before the migration and carries traffic from
 * the router's first announcement on the new host; one that can (a tunnel
 * re-pointed: same key) is made after the old one is gone.  Refused (the plan fails with
 * VNM_E_INVALID naming the router and both hosts) when the hosts have
 * different domain types or the same edit changes the VR's vNICs.  Hosts
 * sharing one connection (RMs emulated on one hypervisor) keep destroy and
 * create; a stopped VR, or one whose image changes, moves offline.  With
 * one vnmd per RM the source's vnmd migrates (old host local) and the
 * destination's defines and starts the VR, which adopts the domain that
 * arrived (old host remote).
 *
 * Cost: with a libyang diff (yang:operation metadata, as lyd_diff_siblings
 * makes it) only the networks, nodes and links the diff names are compared,
 * so the plan costs time in proportion to the change (plus the VLs sharing
 * a physical link whose default shares change).  Without a diff every
 * object of both models is compared.
 *
 * The steps point into both models: keep them alive while the plan lives.
 */
#ifndef VNM_PLAN_H
#define VNM_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driver.h"
#include "err.h"
#include "model.h"

struct lyd_node;

enum vnm_step_kind {
	VNM_STEP_NONE = 0,
	VNM_STEP_PLINK_SETUP,     /* pl */
	VNM_STEP_PLINK_UPDATE,    /* pl_old -> pl */
	VNM_STEP_PLINK_TEARDOWN,  /* pl */
	VNM_STEP_PORT_CREATE,     /* nic */
	VNM_STEP_PORT_DESTROY,    /* nic */
	VNM_STEP_VR_DEFINE,       /* vr, generation */
	VNM_STEP_VR_UNDEFINE,     /* vr */
	VNM_STEP_VR_STATE,        /* vr, to */
	VNM_STEP_VR_RESOURCES,    /* vr_old -> vr */
	VNM_STEP_VNIC_ATTACH,     /* nic */
	VNM_STEP_VNIC_DETACH,     /* nic */
	VNM_STEP_VL_CREATE,       /* vl */
	VNM_STEP_VL_DESTROY,      /* vl */
	VNM_STEP_VL_SHAPE,        /* vl, pl (NULL: same-host VL), shape */
	VNM_STEP_VL_UNSHAPE,      /* vl, pl */
	VNM_STEP_VL_LINK,         /* vl, up: the VL's host-side ends */
	VNM_STEP_VNIC_LINK,       /* nic, up: carrier as the VR sees it */
	VNM_STEP_VR_MIGRATE,      /* vr_old (its host) -> vr (its host), live;
				   * generation: the tag on the destination */
};

/* One driver call and its arguments. */
struct vnm_step {
	enum vnm_step_kind kind;
	const struct vnm_plink *pl, *pl_old;
	const struct vnm_vr *vr, *vr_old;
	const struct vnm_vnic *nic;
	const struct vnm_vl *vl;
	enum vnm_admin to;
	bool up;
	uint64_t generation;
	struct vnm_shape shape;
};

struct vnm_plan_step {
	struct vnm_step fwd;
	struct vnm_step inv;      /* kind NONE: nothing to undo */
};

struct vnm_plan {
	struct vnm_plan_step *steps;
	size_t n, cap;
	/* What was compared, for tests and the benchmark: objects looked at. */
	size_t n_compared;
};

/*
 * Plan the change from old to new (either may be an empty model, neither
 * NULL).  diff: the libyang diff from the old to the new tree, or NULL to
 * compare everything.  generation goes into vr_define steps (the new
 * configuration's generation); old_generation into the vr_define steps that
 * undo an undefine.  Returns 0, or -1 with err set (memory only).
 */
int vnm_plan_build(const struct vnm_model *old, const struct vnm_model *new,
		   const struct lyd_node *diff, uint64_t old_generation,
		   uint64_t generation, struct vnm_plan **out, struct vnm_err *err);

/* What the planner needs to know beyond the two models. */
struct vnm_plan_opts {
	const char *default_uri; /* --libvirt-uri: the connection of hosts
				  * without a libvirt-uri; NULL: unknown
				  * (such hosts count as one connection) */
};
/* vnm_plan_build() with opts (NULL: all defaults).  Besides memory it
 * fails (VNM_E_INVALID, err->path the router) on a move that cannot run
 * live, before anything is touched. */
int vnm_plan_build_opts(const struct vnm_model *old, const struct vnm_model *new,
			const struct lyd_node *diff, uint64_t old_generation,
			uint64_t generation, const struct vnm_plan_opts *opts,
			struct vnm_plan **out, struct vnm_err *err);
void vnm_plan_free(struct vnm_plan *p);

/* Append one step (used by reconciliation to build its own plans). */
int vnm_plan_add(struct vnm_plan *p, const struct vnm_step *fwd,
		 const struct vnm_step *inv, struct vnm_err *err);
struct vnm_plan *vnm_plan_new(void);

#endif
