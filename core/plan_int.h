/*
 * plan_int.h - the planner's state, shared by plan.c (the rules) and
 * plan_list.c (which objects to compare); private to the planner.
 */
#ifndef VNM_PLAN_INT_H
#define VNM_PLAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "plan_sets.h"

enum phase {
	P_UNSHAPE,
	P_VL_DESTROY,
	P_DETACH,
	P_STOP,
	P_UNDEFINE,
	P_PORT_DESTROY,
	P_PL_TEARDOWN,
	P_PL_UPDATE,
	P_PL_SETUP,
	P_PORT_CREATE,
	P_DEFINE,
	P_ATTACH,
	P_RESOURCES,
	P_STATE,
	/* a live migration, what comes just before and after it (plan.h) */
	P_MIG_VL_CREATE,
	P_MIG_SHAPE,
	P_MIGRATE,
	P_MIG_MODIFY,
	P_MIG_UNSHAPE,
	P_MIG_VL_DESTROY,
	P_MIG_PORT_DESTROY,
	P_VL_CREATE,
	P_SHAPE,
	P_VL_ADMIN,
	P_N
};

struct step_vec {
	struct vnm_plan_step *v;
	size_t n, cap;
};

struct planner {
	const struct vnm_model *o, *n;
	uint64_t ogen, gen;
	struct step_vec ph[P_N];
	struct worklist hosts, plinks, vrs, vls, dirty;
	struct pset vl_done; /* new VLs whose shaping is decided */
	struct pset nic_done; /* new vNICs whose carrier is decided */
	struct pset migrating; /* old VRs that migrate live */
	const char *default_uri;
	struct vnm_err *err;  /* a refusal (refused) */
	bool refused;
	size_t compared;
	int nomem;
};

/* List every object of both models, or what diff names. */
void plan_list_everything(struct planner *pl);
void plan_list_from_diff(struct planner *pl, const struct lyd_node *diff);

#endif
