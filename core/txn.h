/*
 * txn.h - apply a plan step by step with an undo journal.
 *
 * vnm_txn_apply() runs the steps of a plan in order.  When a step succeeds
 * its inverse goes into the journal; when one fails, the journal is played
 * back in reverse and the call fails with err naming the step:
 *   "step 3/7 define router vn-a/vr1: <what the driver said>"
 * with the driver's error code.  If an inverse fails too, the remaining
 * inverses are still tried, the inconsistency is logged, and the code is
 * VNM_E_INCONSISTENT (the next reconciliation repairs it).
 *
 * One transaction at a time: apply and undo hold a process-wide mutex.
 * Within one, the hypervisor calls of routers being defined and started
 * may run on a thread of their own beside the link calls of the VLs being
 * made (txn.c says which steps, and why the result is the same).
 */
#ifndef VNM_TXN_H
#define VNM_TXN_H

#include "driver.h"
#include "err.h"
#include "plan.h"

struct vnm_journal;

/* On success, *journal (when journal is not NULL) receives the inverses of
 * the applied steps, so that a later failure of the caller (persisting the
 * configuration) can still undo the whole transaction with vnm_txn_undo().
 * The journal points into p: free it before p. */
int vnm_txn_apply(const struct vnm_drivers *drv, const struct vnm_plan *p,
		  struct vnm_journal **journal, struct vnm_err *err);

/* Whether vnm_txn_apply() may run hypervisor and link steps side by side
 * (default true; tests that count calls against a failing Nth one turn it
 * off). */
extern bool vnm_txn_lanes;

/* Undo everything in the journal, newest first.  Returns 0, or -1 with err
 * (VNM_E_INCONSISTENT) naming the first inverse that failed. */
int vnm_txn_undo(const struct vnm_drivers *drv, struct vnm_journal *j, struct vnm_err *err);
void vnm_journal_free(struct vnm_journal *j);

/* Run one step against the drivers (txn_step.c).  Returns 0, or -1 with err
 * set by the driver (VNM_E_UNSUPPORTED when the driver lacks the call). */
int vnm_step_run(const struct vnm_drivers *drv, const struct vnm_step *s,
		 struct vnm_err *err);

/* The same without the link driver's plug of the taps that a router's
 * start or a vNIC's attach made (hypervisor calls only), and that plug
 * alone (0 for any other step).  A plug that fails takes the hypervisor
 * change back (best effort) when take_back, else leaves it in place (the
 * caller's journal holds its inverse). */
int vnm_step_run_unplugged(const struct vnm_drivers *drv, const struct vnm_step *s,
			   struct vnm_err *err);
int vnm_step_plug(const struct vnm_drivers *drv, const struct vnm_step *s, bool take_back,
		  struct vnm_err *err);

/* Look whether step s can run, changing nothing (a live migration: both
 * hypervisors able to).  Returns 0, or -1 with err set.  vnm_txn_apply()
 * checks every step so before it runs the first. */
int vnm_step_check(const struct vnm_drivers *drv, const struct vnm_step *s,
		   struct vnm_err *err);

/* "define router vn-a/vr1", "shape link vn-b/vl-x on pl1", ... */
void vnm_step_describe(const struct vnm_step *s, char *buf, size_t len);
const char *vnm_step_kind_str(enum vnm_step_kind k);

/* Run the steps of p without undo, going on past failures (reconciliation:
 * every repair that works is worth having).  Returns 0, or -1 with err
 * naming the first step that failed; *n_failed counts them. */
int vnm_txn_run_all(const struct vnm_drivers *drv, const struct vnm_plan *p,
		    size_t *n_failed, struct vnm_err *err);

/* How long the destination of a live migration another vnmd carries out
 * waits for the router's domain to appear (ms; 30 s, tests shorten it). */
extern unsigned vnm_arrive_appear_ms;

#endif
