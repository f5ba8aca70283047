/*
 * txn.c - apply a plan with an undo journal (see txn.h); the two lanes a
 * plan's steps may run in are txn_lanes.c's.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "txn.h"
#include "txn_int.h"

struct vnm_journal {
	const struct vnm_step **inv;
	size_t n, cap;
};

static pthread_mutex_t txn_lock = PTHREAD_MUTEX_INITIALIZER;

void vnm_journal_free(struct vnm_journal *j)
{
	if (!j)
		return;
	free(j->inv);
	free(j);
}

static int journal_push(struct vnm_journal *j, const struct vnm_step *inv)
{
	if (j->n == j->cap) {
		size_t ncap = j->cap ? j->cap * 2 : 16;
		const struct vnm_step **nv = realloc(j->inv, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		j->inv = nv;
		j->cap = ncap;
	}
	j->inv[j->n++] = inv;
	return 0;
}

/* Play the journal back, newest first; keep going past failures.  The
 * first failure is described in err. */
static int undo_locked(const struct vnm_drivers *drv, struct vnm_journal *j,
		       struct vnm_err *err)
{
	struct vnm_err e;
	char what[256];
	size_t n_failed = 0;

	while (j->n > 0) {
		const struct vnm_step *s = j->inv[--j->n];

		vnm_err_clear(&e);
		if (!vnm_step_run(drv, s, &e))
			continue;
		vnm_step_describe(s, what, sizeof(what));
		vnm_log(VNM_LOG_ERR, "undo failed: %s: %s", what, e.msg);
		if (!n_failed++)
			vnm_err_set(err, VNM_E_INCONSISTENT, e.path, "undo failed: %s: %s", what,
				    e.msg);
	}
	return n_failed ? -1 : 0;
}

int vnm_txn_undo(const struct vnm_drivers *drv, struct vnm_journal *j, struct vnm_err *err)
{
	int rc;

	if (!j)
		return 0;
	pthread_mutex_lock(&txn_lock);
	rc = undo_locked(drv, j, err);
	pthread_mutex_unlock(&txn_lock);
	if (rc)
		vnm_err_prefix(err, "reality no longer matches the running configuration "
				    "until vnmd repairs it (it reconciles again until it succeeds)");
	return rc;
}

void txn_step_err(const struct vnm_plan *p, size_t i, const struct vnm_err *e,
		  struct vnm_err *err)
{
	char what[256];

	vnm_step_describe(&p->steps[i].fwd, what, sizeof(what));
	if (e->code == VNM_E_NOMEM && !e->msg[0])
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory journaling step %zu/%zu",
			    i + 1, p->n);
	else
		vnm_err_set(err, e->code == VNM_OK ? VNM_E_DRIVER : e->code, e->path,
			    "step %zu/%zu %s: %s", i + 1, p->n, what,
			    e->msg[0] ? e->msg : "failed");
}

/*
 * Step i failed as e says: name it in err and undo what j holds.  When an
 * undo fails too, err says that reality no longer matches.
 */
static void step_failed(const struct vnm_drivers *drv, const struct vnm_plan *p, size_t i,
			const struct vnm_err *e, struct vnm_journal *j, struct vnm_err *err)
{
	struct vnm_err ue, own;

	if (!err)
		err = &own;
	txn_step_err(p, i, e, err);
	vnm_log(VNM_LOG_WARNING, "%s; undoing %zu applied step(s)", err->msg, j->n);
	vnm_err_clear(&ue);
	if (undo_locked(drv, j, &ue)) {
		char first[sizeof(err->msg)];

		memcpy(first, err->msg, sizeof(first));
		err->code = VNM_E_INCONSISTENT;
		snprintf(err->msg, sizeof(err->msg),
			 "%s; then %s; reality no longer matches the running configuration until "
			 "vnmd repairs it (it reconciles again until it succeeds)",
			 first, ue.msg);
	}
}

int txn_journal_step(const struct vnm_drivers *drv, struct vnm_journal *j,
		     const struct vnm_plan_step *ps, struct vnm_err *e)
{
	struct vnm_err ue;

	if (!j || ps->inv.kind == VNM_STEP_NONE || !journal_push(j, &ps->inv))
		return 0;
	vnm_step_run(drv, &ps->inv, &ue);
	vnm_err_clear(e);
	e->code = VNM_E_NOMEM;
	return -1;
}

void txn_debug_step(const struct vnm_plan *p, size_t i)
{
	char what[256];

	if (vnm_log_get_level() < VNM_LOG_DEBUG)
		return;
	vnm_step_describe(&p->steps[i].fwd, what, sizeof(what));
	vnm_log(VNM_LOG_DEBUG, "step %zu/%zu %s", i + 1, p->n, what);
}

/* The steps one after the other. */
static int apply_seq(const struct vnm_drivers *drv, const struct vnm_plan *p,
		     struct vnm_journal *j, struct vnm_err *err)
{
	struct vnm_err e;
	size_t i;

	for (i = 0; i < p->n; i++) {
		vnm_err_clear(&e);
		txn_debug_step(p, i);
		if (vnm_step_run(drv, &p->steps[i].fwd, &e) ||
		    txn_journal_step(drv, j, &p->steps[i], &e)) {
			step_failed(drv, p, i, &e, j, err);
			return -1;
		}
	}
	return 0;
}

int vnm_txn_apply(const struct vnm_drivers *drv, const struct vnm_plan *p,
		  struct vnm_journal **journal, struct vnm_err *err)
{
	struct vnm_journal *j = calloc(1, sizeof(*j));
	struct txn_lanes_result lr;
	struct vnm_err e;
	char what[256];
	size_t i;
	int rc = -1;

	if (journal)
		*journal = NULL;
	if (!j)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory starting a transaction");
	pthread_mutex_lock(&txn_lock);
	/* Refusals that only the drivers can tell (a hypervisor that cannot
	 * migrate) come before the first step changes anything. */
	for (i = 0; i < p->n; i++) {
		vnm_err_clear(&e);
		if (vnm_step_check(drv, &p->steps[i].fwd, &e) == 0)
			continue;
		vnm_step_describe(&p->steps[i].fwd, what, sizeof(what));
		vnm_err_set(err, e.code == VNM_OK ? VNM_E_DRIVER : e.code, e.path,
			    "cannot %s: %s; nothing was changed", what, e.msg[0] ? e.msg : "refused");
		goto cleanup;
	}
	if (txn_lanes_run(drv, p, j, &lr) == 0) {
		rc = lr.n_failed ? -1 : 0;
		if (rc)
			step_failed(drv, p, lr.first, &lr.e, j, err);
	} else {
		rc = apply_seq(drv, p, j, err);
	}
	if (!rc && journal) {
		*journal = j;
		j = NULL;
	}
cleanup:
	pthread_mutex_unlock(&txn_lock);
	vnm_journal_free(j);
	return rc;
}

int vnm_txn_run_all(const struct vnm_drivers *drv, const struct vnm_plan *p,
		    size_t *n_failed, struct vnm_err *err)
{
	struct txn_lanes_result lr;
	struct vnm_err e;
	size_t i, failed = 0;

	pthread_mutex_lock(&txn_lock);
	if (txn_lanes_run(drv, p, NULL, &lr) == 0) {
		failed = lr.n_failed;
		if (failed)
			txn_step_err(p, lr.first, &lr.e, err);
		goto out;
	}
	for (i = 0; i < p->n; i++) {
		vnm_err_clear(&e);
		if (!vnm_step_run(drv, &p->steps[i].fwd, &e))
			continue;
		txn_log_failure(p, i, &e);
		if (!failed++)
			txn_step_err(p, i, &e, err);
	}
out:
	pthread_mutex_unlock(&txn_lock);
	if (n_failed)
		*n_failed = failed;
	return failed ? -1 : 0;
}

void txn_log_failure(const struct vnm_plan *p, size_t i, const struct vnm_err *e)
{
	char what[256];

	vnm_step_describe(&p->steps[i].fwd, what, sizeof(what));
	vnm_log(VNM_LOG_ERR, "step %zu/%zu %s: %s", i + 1, p->n, what, e->msg);
}
