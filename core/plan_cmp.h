/*
 * plan_cmp.h - the planner's comparisons of one old/new pair of objects
 * (private to plan.c): what changed decides which steps a change costs.
 */
#ifndef VNM_PLAN_CMP_H
#define VNM_PLAN_CMP_H

#include <stdbool.h>

#include "plan.h"

bool plan_str_ne(const char *a, const char *b);
bool plan_host_moved(const struct vnm_host *o, const struct vnm_host *n);
bool plan_hif_ne(const struct vnm_host_if *o, const struct vnm_host_if *n);

/* What the default share of a physical link depends on. */
struct plan_share_basis {
	uint64_t cap, guaranteed;
	uint64_t bondcap;  /* capacity of the bond the link is in (the parts
			    * of a bonded VL's figures depend on it) */
	size_t n_free;
};

void plan_share_basis(const struct vnm_plink *p, struct plan_share_basis *b);

bool plan_bond_ne(const struct vnm_plink *o, const struct vnm_plink *n);
bool plan_plink_rebuilt(const struct vnm_plink *o, const struct vnm_plink *n);
bool plan_vr_rehomed(const struct vnm_vr *o, const struct vnm_vr *n);
bool plan_vr_image_changed(const struct vnm_vr *o, const struct vnm_vr *n);
bool plan_vnic_same_place(const struct vnm_vnic *o, const struct vnm_vnic *n);
bool plan_vl_rebuilt(const struct vnm_vl *o, const struct vnm_vl *n);
bool plan_netem_changed(const struct vnm_vl *o, const struct vnm_vl *n);
bool plan_shape_ne(const struct vnm_shape *a, const struct vnm_shape *b);
bool plan_vnics_same(const struct vnm_vr *o, const struct vnm_vr *n);
const struct vnm_vnic *plan_vnic_find(const struct vnm_vr *vr, const char *name);
const struct vnm_vl *plan_vl_other(const struct vnm_model *m, const struct vnm_vl *vl);
const struct vnm_vr *plan_vr_other(const struct vnm_model *m, const struct vnm_vr *vr);
const struct vnm_plink *plan_plink_other(const struct vnm_model *m, const struct vnm_plink *pl);

#endif
