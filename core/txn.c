/*
 * txn.c - apply a plan with an undo journal (see txn.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "txn.h"

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

int vnm_txn_apply(const struct vnm_drivers *drv, const struct vnm_plan *p,
		  struct vnm_journal **journal, struct vnm_err *err)
{
	struct vnm_journal *j = calloc(1, sizeof(*j));
	struct vnm_err e, ue;
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
	for (i = 0; i < p->n; i++) {
		const struct vnm_plan_step *ps = &p->steps[i];

		vnm_err_clear(&e);
		if (vnm_log_get_level() >= VNM_LOG_DEBUG) {
			vnm_step_describe(&ps->fwd, what, sizeof(what));
			vnm_log(VNM_LOG_DEBUG, "step %zu/%zu %s", i + 1, p->n, what);
		}
		if (vnm_step_run(drv, &ps->fwd, &e)) {
			vnm_step_describe(&ps->fwd, what, sizeof(what));
			vnm_err_set(err, e.code == VNM_OK ? VNM_E_DRIVER : e.code, e.path,
				    "step %zu/%zu %s: %s", i + 1, p->n, what,
				    e.msg[0] ? e.msg : "failed");
			vnm_log(VNM_LOG_WARNING, "%s; undoing %zu applied step(s)", err ? err->msg : what,
				j->n);
			vnm_err_clear(&ue);
			if (undo_locked(drv, j, &ue) && err) {
				char first[sizeof(err->msg)];

				memcpy(first, err->msg, sizeof(first));
				err->code = VNM_E_INCONSISTENT;
				snprintf(err->msg, sizeof(err->msg),
					 "%s; then %s; reality no longer matches the running "
					 "configuration until vnmd repairs it (it reconciles again until it "
					 "succeeds)",
					 first, ue.msg);
			}
			goto cleanup;
		}
		if (ps->inv.kind != VNM_STEP_NONE && journal_push(j, &ps->inv)) {
			vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory journaling step %zu/%zu",
				    i + 1, p->n);
			/* the step is applied but has no inverse on record:
			 * undo it now, then the rest */
			vnm_step_run(drv, &ps->inv, &ue);
			undo_locked(drv, j, &ue);
			goto cleanup;
		}
	}
	rc = 0;
	if (journal) {
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
	struct vnm_err e;
	char what[256];
	size_t i, failed = 0;

	pthread_mutex_lock(&txn_lock);
	for (i = 0; i < p->n; i++) {
		vnm_err_clear(&e);
		if (!vnm_step_run(drv, &p->steps[i].fwd, &e))
			continue;
		vnm_step_describe(&p->steps[i].fwd, what, sizeof(what));
		vnm_log(VNM_LOG_ERR, "step %zu/%zu %s: %s", i + 1, p->n, what, e.msg);
		if (!failed++)
			vnm_err_set(err, e.code == VNM_OK ? VNM_E_DRIVER : e.code, e.path,
				    "step %zu/%zu %s: %s", i + 1, p->n, what, e.msg);
	}
	pthread_mutex_unlock(&txn_lock);
	if (n_failed)
		*n_failed = failed;
	return failed ? -1 : 0;
}
