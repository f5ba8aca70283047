/*
 * plan_cmp.h - the planner's comparisons of one old/new pair of objects
 * (private to plan.c): what changed decides which steps a change costs.
 */
#ifndef VNM_PLAN_CMP_H
#define VNM_PLAN_CMP_H

#include <stdbool.h>

#include "plan.h"

bool str_ne(const char *a, const char *b);
bool host_moved(const struct vnm_host *o, const struct vnm_host *n);
bool hif_ne(const struct vnm_host_if *o, const struct vnm_host_if *n);
bool plink_rebuilt(const struct vnm_plink *o, const struct vnm_plink *n);
bool vr_rehomed(const struct vnm_vr *o, const struct vnm_vr *n);
bool vr_image_changed(const struct vnm_vr *o, const struct vnm_vr *n);
bool vnic_same_place(const struct vnm_vnic *o, const struct vnm_vnic *n);
bool vl_rebuilt(const struct vnm_vl *o, const struct vnm_vl *n);
bool netem_changed(const struct vnm_vl *o, const struct vnm_vl *n);
bool shape_ne(const struct vnm_shape *a, const struct vnm_shape *b);
const struct vnm_vnic *vnic_find(const struct vnm_vr *vr, const char *name);
const struct vnm_vl *vl_other(const struct vnm_model *m, const struct vnm_vl *vl);
const struct vnm_vr *vr_other(const struct vnm_model *m, const struct vnm_vr *vr);
const struct vnm_plink *plink_other(const struct vnm_model *m, const struct vnm_plink *pl);

#endif
