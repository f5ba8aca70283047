/*
 * txn_int.h - what txn.c (the journal, one step after the other) and
 * txn_lanes.c (hypervisor and link steps side by side) share.
 */
#ifndef VNM_TXN_INT_H
#define VNM_TXN_INT_H

#include <stddef.h>

#include "txn.h"

/* Journal the inverse of the applied step ps (j NULL: nothing to journal).
 * Out of memory, the step is undone at once (e: VNM_E_NOMEM, no message)
 * and -1 returned. */
int txn_journal_step(const struct vnm_drivers *drv, struct vnm_journal *j,
		     const struct vnm_plan_step *ps, struct vnm_err *e);
/* "step 3/7 define router vn-a/vr1" at debug level. */
void txn_debug_step(const struct vnm_plan *p, size_t i);
/* err from e, the failure of step i: "step 3/7 define router ...: why". */
void txn_step_err(const struct vnm_plan *p, size_t i, const struct vnm_err *e,
		  struct vnm_err *err);
/* The same as an error in the log (a run that goes on past failures). */
void txn_log_failure(const struct vnm_plan *p, size_t i, const struct vnm_err *e);

struct txn_lanes_result {
	size_t n_failed;     /* steps that failed */
	size_t first;        /* the first of them to fail */
	struct vnm_err e;    /* why */
};

/*
 * Run p in two lanes (txn_lanes.c).  With a journal j, the first failure
 * stops both lanes (the caller undoes j); without one (reconciliation),
 * every step is tried and each failure logged.  Returns 0 with *res, or 1
 * when p has no work for two lanes or they cannot be set up: the caller
 * runs p one step after the other.
 */
int txn_lanes_run(const struct vnm_drivers *drv, const struct vnm_plan *p,
		  struct vnm_journal *j, struct txn_lanes_result *res);

#endif
