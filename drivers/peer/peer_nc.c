/*
 * peer_nc.c - network-wide transactions with the vnmds of other RMs
 * (peer_nc.h), as RFC 6241 lets any client run them: each participant's
 * candidate gets the whole new configuration of the networks (one
 * nc:operation="replace" of /networks; nothing else of its datastores is
 * touched), is validated, and committed with <confirmed/> and <persist>
 * so that the confirm or cancel may come on any session, and a
 * participant restarted meanwhile still takes it.  A coordinator that
 * dies before its confirm leaves each participant rolling back at the
 * confirm-timeout on its own.
 *
 * A participant that does not answer its confirm is retried from a thread
 * until it answers: with the persist-id first; if it already rolled back,
 * it gets the configuration again with a plain commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libyang/libyang.h>
#include <nc_client.h>

#include "log.h"
#include "peer_int.h"

#define NC_NS "urn:ietf:params:xml:ns:netconf:base:1.0"
#define NW_NS "urn:ietf:params:xml:ns:yang:ietf-network"

/* The <edit-config> content that makes a participant's /networks the
 * configuration printed in xml (NULL: none). */
static char *make_edit(const char *xml)
{
	const char *gt;
	size_t head;
	char *out = NULL;

	if (!xml)
		return strdup("<networks xmlns=\"" NW_NS "\" xmlns:xc=\"" NC_NS "\" "
			      "xc:operation=\"remove\"/>");
	gt = strchr(xml, '>');
	if (strncmp(xml, "<networks", 9) || !gt)
		return NULL;
	head = (size_t)(gt - xml);
	if (head && gt[-1] == '/')
		head--;
	if (asprintf(&out, "%.*s xmlns:xc=\"" NC_NS "\" xc:operation=\"replace\"%s", (int)head, xml,
		     xml + head) < 0)
		return NULL;
	return out;
}

static void part_free(struct part *pt)
{
	free(pt->host);
	free(pt->addr);
	free(pt->cred);
}

static void parts_clear(struct peer *p)
{
	size_t i;

	for (i = 0; i < p->n_parts; i++)
		part_free(&p->parts[i]);
	free(p->parts);
	p->parts = NULL;
	p->n_parts = 0;
	free(p->edit);
	p->edit = NULL;
	p->txid[0] = '\0';
}

static void retry_free(struct retry *r)
{
	free(r->host);
	free(r->addr);
	free(r->cred);
	free(r->txid);
	free(r->edit);
}

static void retry_remove(struct peer *p, size_t i)
{
	retry_free(&p->retry[i]);
	p->retry[i] = p->retry[--p->n_retry];
}

static char *dup_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*oom = true;
	return d;
}

/* Bring a participant whose confirm went unanswered in line: its
 * confirm, or, when it has no such confirmed commit any more (rolled
 * back, or restarted after its deadline), the configuration again; with
 * no txid (resync at start), the configuration at once.  0 when it holds
 * the transaction's configuration as running now. */
static int settle(struct peer *p, struct retry *r, char *why, size_t len)
{
	enum call_rc rc;
	int ok;

	if (r->txid) {
		rc = peer_call(p, r->host, r->addr, r->cred,
			       nc_rpc_commit(0, 0, NULL, r->txid, NC_PARAMTYPE_CONST),
			       PEER_COMMIT_MS, why, len, NULL, 0);
		if (rc == CALL_OK) {
			vnm_log(VNM_LOG_NOTICE, "peer %s: transaction %s confirmed (late)", r->host,
				r->txid);
			return 0;
		}
		if (rc == CALL_NO_ANSWER)
			return -1;
		/* it answered: the confirmed commit is gone; give it running again */
		vnm_log(VNM_LOG_NOTICE, "peer %s: transaction %s is not pending there (%s): "
			"sending the configuration again", r->host, r->txid, why);
	}
	/* under its candidate's lock, as a transaction (nobody else's
	 * changes are dropped; a lock held elsewhere: later) */
	if (peer_call(p, r->host, r->addr, r->cred, nc_rpc_lock(NC_DATASTORE_CANDIDATE),
		      PEER_REPLY_MS, why, len, NULL, 0) != CALL_OK)
		return -1;
	ok = peer_call(p, r->host, r->addr, r->cred, nc_rpc_discard(), PEER_REPLY_MS, why, len,
		       NULL, 0) == CALL_OK &&
	     peer_call(p, r->host, r->addr, r->cred,
		       nc_rpc_edit(NC_DATASTORE_CANDIDATE, NC_RPC_EDIT_DFLTOP_MERGE,
				   NC_RPC_EDIT_TESTOPT_UNKNOWN, NC_RPC_EDIT_ERROPT_UNKNOWN, r->edit,
				   NC_PARAMTYPE_CONST),
		       PEER_REPLY_MS, why, len, NULL, 0) == CALL_OK &&
	     peer_call(p, r->host, r->addr, r->cred,
		       nc_rpc_commit(0, 0, NULL, NULL, NC_PARAMTYPE_CONST), PEER_COMMIT_MS, why,
		       len, NULL, 0) == CALL_OK;
	if (!ok) /* the candidate back as it was, for the next try */
		peer_call(p, r->host, r->addr, r->cred, nc_rpc_discard(), PEER_REPLY_MS, why, len,
			  NULL, 0);
	{
		char ignore[128];

		peer_call(p, r->host, r->addr, r->cred, nc_rpc_unlock(NC_DATASTORE_CANDIDATE),
			  PEER_REPLY_MS, ignore, sizeof(ignore), NULL, 0);
	}
	if (!ok)
		return -1;
	vnm_log(VNM_LOG_NOTICE, "peer %s: reconciled with running%s%s", r->host,
		r->txid ? " of transaction " : " (start)", r->txid ? r->txid : "");
	return 0;
}

/* The pending retry of host, if any, first: a transaction on a
 * participant that still holds an older one unconfirmed would be refused. */
static int settle_host(struct peer *p, const char *host, char *why, size_t len)
{
	size_t i;

	for (i = 0; i < p->n_retry; i++) {
		if (strcmp(p->retry[i].host, host))
			continue;
		if (settle(p, &p->retry[i], why, len))
			return -1;
		retry_remove(p, i);
		return 0;
	}
	return 0;
}

static long long mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Retries a participant that is down for long back off (to
 * PEER_RETRY_MAX_MS), so that its vnmd's absence is not a log line a
 * second. */
static void *retry_thread(void *arg)
{
	struct peer *p = arg;
	struct timespec ts;
	struct retry *r;
	char why[512];
	size_t i;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		if (p->n_retry)
			pthread_cond_timedwait(&p->cond, &p->lock, &ts);
		else
			pthread_cond_wait(&p->cond, &p->lock);
		for (i = 0; !p->stop && i < p->n_retry;) {
			r = &p->retry[i];
			if (mono_ms() < r->next_ms) {
				i++;
			} else if (!settle(p, r, why, sizeof(why))) {
				retry_remove(p, i);
			} else {
				r->next_ms = mono_ms() + r->delay_ms;
				r->delay_ms = r->delay_ms * 2 > PEER_RETRY_MAX_MS ? PEER_RETRY_MAX_MS
										  : r->delay_ms * 2;
				i++;
			}
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int add_part(struct peer *p, const struct vnm_host *h)
{
	struct part *grown = realloc(p->parts, (p->n_parts + 1) * sizeof(*grown));
	struct part *pt;
	bool oom = false;

	if (!grown)
		return -1;
	p->parts = grown;
	pt = &p->parts[p->n_parts++];
	memset(pt, 0, sizeof(*pt));
	pt->host = dup_null(h->name, &oom);
	pt->addr = dup_null(h->mgmt_addr, &oom);
	pt->cred = dup_null(h->mgmt_cred, &oom);
	return oom ? -1 : 0;
}

static enum call_rc call_part(struct peer *p, struct part *pt, struct nc_rpc *rpc, int ms,
			      char *why, size_t len, char *path, size_t plen)
{
	return peer_call(p, pt->host, pt->addr, pt->cred, rpc, ms, why, len, path, plen);
}

/* Give back the candidates locked for the transaction.  A session lost
 * meanwhile took its lock with it. */
static void unlock_parts(struct peer *p)
{
	char why[512];
	size_t i;

	for (i = 0; i < p->n_parts; i++) {
		struct part *pt = &p->parts[i];

		if (!pt->locked)
			continue;
		pt->locked = false;
		if (call_part(p, pt, nc_rpc_unlock(NC_DATASTORE_CANDIDATE), PEER_REPLY_MS, why,
			      sizeof(why), NULL, 0) != CALL_OK)
			vnm_log(VNM_LOG_DEBUG, "peer %s: unlock of its candidate: %s", pt->host, why);
	}
}

/* Undo what prepare did: cancel-commit on every participant that
 * committed, all sent before any reply is awaited (a live migration undone
 * needs its two hosts at once, as in prepare); discard the candidate of
 * the others that got the edit; unlock. */
static void cancel_parts(struct peer *p)
{
	char why[512];
	size_t i;

	for (i = 0; i < p->n_parts; i++) {
		struct part *pt = &p->parts[i];

		/* a candidate we locked holds the edit, not committed (one
		 * we could not lock may hold another session's changes) */
		if (pt->locked && !pt->committed)
			call_part(p, pt, nc_rpc_discard(), PEER_REPLY_MS, why, sizeof(why), NULL, 0);
		if (pt->committed)
			peer_send(p, &pt->pd, pt->host, pt->addr, pt->cred,
				  nc_rpc_cancel(p->txid, NC_PARAMTYPE_CONST));
	}
	for (i = 0; i < p->n_parts; i++) {
		struct part *pt = &p->parts[i];

		if (pt->committed && peer_wait(p, &pt->pd, PEER_COMMIT_MS) != CALL_OK)
			vnm_log(VNM_LOG_WARNING, "peer %s: cancel-commit of %s: %s; it rolls back "
				"at its confirm-timeout", pt->host, p->txid, pt->pd.why);
		pt->committed = false;
	}
	unlock_parts(p);
}

/* code: VNM_E_INVALID while the change is checked, VNM_E_DRIVER when a
 * participant failed to realise it. */
static int refused(struct part *pt, enum vnm_err_code code, const char *stage, const char *why,
		   const char *path, struct vnm_err *err)
{
	return vnm_err_set(err, code, path[0] ? path : NULL, "host %s refused the change (%s at its vnmd "
			   "%s): %s; nothing was changed on any host", pt->host, stage, pt->addr,
			   why);
}

static int no_answer(struct part *pt, const char *stage, const char *why, struct vnm_err *err)
{
	return vnm_err_set(err, VNM_E_DRIVER, NULL, "host %s: its vnmd (%s) did not answer the %s: "
			   "%s; nothing was changed on any host", pt->host, pt->addr, stage, why);
}

/* One participant: its candidate, locked, holds the new configuration,
 * valid. */
static int stage_one(struct peer *p, struct part *pt, struct vnm_err *err)
{
	enum vnm_err_code code = VNM_E_DRIVER; /* busy; then: the change is wrong */
	char why[1024], path[512];
	enum call_rc rc;
	const char *stage;

	if (settle_host(p, pt->host, why, sizeof(why)))
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "host %s: its vnmd (%s) did not take "
				   "an earlier transaction yet: %s; nothing was changed", pt->host,
				   pt->addr, why);
	/* Nobody else edits its candidate until the transaction ends; one
	 * that holds a lock, or changes not committed yet, is not overridden
	 * (RFC 6241 7.5): the participant's refusal names it. */
	stage = "lock of its candidate";
	rc = call_part(p, pt, nc_rpc_lock(NC_DATASTORE_CANDIDATE), PEER_REPLY_MS, why, sizeof(why),
		       path, sizeof(path));
	if (rc == CALL_OK) {
		pt->locked = true;
		code = VNM_E_INVALID;
		stage = "discard-changes";
		rc = call_part(p, pt, nc_rpc_discard(), PEER_REPLY_MS, why, sizeof(why), path,
			       sizeof(path));
	}
	if (rc == CALL_OK) {
		stage = "edit-config";
		rc = call_part(p, pt, nc_rpc_edit(NC_DATASTORE_CANDIDATE, NC_RPC_EDIT_DFLTOP_MERGE,
						  NC_RPC_EDIT_TESTOPT_UNKNOWN,
						  NC_RPC_EDIT_ERROPT_UNKNOWN, p->edit,
						  NC_PARAMTYPE_CONST),
			       PEER_REPLY_MS, why, sizeof(why), path, sizeof(path));
	}
	if (rc == CALL_OK) {
		stage = "validate";
		rc = call_part(p, pt, nc_rpc_validate(NC_DATASTORE_CANDIDATE, NULL, NC_PARAMTYPE_CONST),
			       PEER_REPLY_MS, why, sizeof(why), path, sizeof(path));
	}
	if (rc == CALL_OK)
		return 0;
	return rc == CALL_REFUSED ? refused(pt, code, stage, why, path, err) : no_answer(pt, stage, why, err);
}

/*
 * The confirmed commits, sent to every participant before any reply is
 * awaited: each realises its share at the same time as the others, which
 * a live migration needs (the destination's vnmd waits in its commit for
 * the router that the source's migrates in its own).  The first failure
 * in the participants' order is the one reported.
 */
static int commit_all(struct peer *p, unsigned timeout_s, struct vnm_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < p->n_parts; i++) {
		struct part *pt = &p->parts[i];

		peer_send(p, &pt->pd, pt->host, pt->addr, pt->cred,
			  nc_rpc_commit(1, timeout_s, p->txid, NULL, NC_PARAMTYPE_CONST));
	}
	for (i = 0; i < p->n_parts; i++) {
		struct part *pt = &p->parts[i];
		enum call_rc r = peer_wait(p, &pt->pd, PEER_COMMIT_MS);

		pt->committed = r == CALL_OK;
		if (r == CALL_OK || rc)
			continue;
		rc = -1;
		if (r == CALL_REFUSED)
			refused(pt, VNM_E_DRIVER, "confirmed commit", pt->pd.why, pt->pd.path, err);
		else
			no_answer(pt, "confirmed commit", pt->pd.why, err);
	}
	return rc;
}

static int peer_prepare(void *ctx, const struct vnm_model *old, const struct vnm_model *m,
			const char *config_xml,
			const char *txid, unsigned timeout_s, struct vnm_err *err)
{
	struct peer *p = ctx;
	size_t i;
	int rc = -1;

	pthread_mutex_lock(&p->lock);
	parts_clear(p);
	snprintf(p->txid, sizeof(p->txid), "%s", txid);
	if (!(p->edit = make_edit(config_xml))) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "cannot build the participants' edit");
		goto cleanup;
	}
	for (i = 0; i < m->n_hosts; i++) {
		if (vnm_host_participant(&m->hosts[i]) && add_part(p, &m->hosts[i])) {
			vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
			goto cleanup;
		}
	}
	/* those leaving: their last configuration is the new one */
	for (i = 0; old && i < old->n_hosts; i++) {
		const struct vnm_host *h = vnm_model_host(m, old->hosts[i].name);

		if (vnm_host_participant(&old->hosts[i]) && !vnm_host_participant(h) &&
		    add_part(p, &old->hosts[i])) {
			vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
			goto cleanup;
		}
	}
	for (i = 0; i < p->n_parts; i++) {
		if (stage_one(p, &p->parts[i], err)) {
			cancel_parts(p);
			goto cleanup;
		}
	}
	if (commit_all(p, timeout_s, err)) {
		cancel_parts(p);
		goto cleanup;
	}
	vnm_log(VNM_LOG_INFO, "transaction %s: confirmed commit on %zu participant(s)", txid,
		p->n_parts);
	if (p->pause_ms) {
		vnm_log(VNM_LOG_NOTICE, "VNMD_TEST_PEER_PAUSE: pausing %u ms before the local apply",
			p->pause_ms);
		usleep(p->pause_ms * 1000);
	}
	rc = 0;
cleanup:
	if (rc)
		parts_clear(p);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* A retry of pt with txid (NULL: none, the configuration at once) and its
 * edit, first tried after first_ms. */
static int add_retry(struct peer *p, const struct part *pt, const char *txid, const char *edit,
		     unsigned first_ms)
{
	struct retry *grown, *r;
	bool oom = false;
	size_t i;

	/* the host's older retry first: p->retry may move in the realloc */
	for (i = 0; i < p->n_retry; i++) {
		if (!strcmp(p->retry[i].host, pt->host))
			retry_remove(p, i--);
	}
	grown = realloc(p->retry, (p->n_retry + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	p->retry = grown;
	r = &p->retry[p->n_retry++];
	r->host = dup_null(pt->host, &oom);
	r->addr = dup_null(pt->addr, &oom);
	r->cred = dup_null(pt->cred, &oom);
	r->txid = dup_null(txid, &oom);
	r->edit = dup_null(edit, &oom);
	r->delay_ms = PEER_RETRY_MS;
	r->next_ms = mono_ms() + first_ms;
	if (oom) {
		retry_remove(p, p->n_retry - 1);
		return -1;
	}
	return 0;
}

static int peer_confirm(void *ctx, const char *txid, struct vnm_err *err)
{
	struct peer *p = ctx;
	char why[512], late[512] = "";
	size_t i, n = 0;

	pthread_mutex_lock(&p->lock);
	if (p->pause_confirm_ms) {
		vnm_log(VNM_LOG_NOTICE, "VNMD_TEST_PEER_PAUSE_CONFIRM: pausing %u ms before the "
			"confirm", p->pause_confirm_ms);
		usleep(p->pause_confirm_ms * 1000);
	}
	for (i = 0; i < p->n_parts; i++) {
		struct part *pt = &p->parts[i];

		if (!pt->committed)
			continue;
		if (call_part(p, pt, nc_rpc_commit(0, 0, NULL, txid, NC_PARAMTYPE_CONST),
			      PEER_COMMIT_MS, why, sizeof(why), NULL, 0) == CALL_OK)
			continue;
		vnm_log(VNM_LOG_WARNING, "peer %s: confirm of %s: %s; retried until it answers",
			pt->host, txid, why);
		if (add_retry(p, pt, p->txid, p->edit, PEER_RETRY_MS))
			vnm_log(VNM_LOG_ERR, "peer %s: out of memory: its confirm is not retried; "
				"it rolls back at its confirm-timeout", pt->host);
		snprintf(late + strlen(late), sizeof(late) - strlen(late), "%s%s", n++ ? ", " : "",
			 pt->host);
	}
	unlock_parts(p);
	parts_clear(p);
	if (n)
		pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	if (n)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "the confirm did not reach %s yet: "
				   "retried in the background", late);
	return 0;
}

static void peer_cancel(void *ctx, const char *txid)
{
	struct peer *p = ctx;

	pthread_mutex_lock(&p->lock);
	if (!strcmp(p->txid, txid))
		cancel_parts(p);
	parts_clear(p);
	pthread_mutex_unlock(&p->lock);
}

static void peer_resync(void *ctx, const struct vnm_model *m, const char *config_xml)
{
	struct peer *p = ctx;
	char *edit = make_edit(config_xml);
	size_t i, n = 0;

	pthread_mutex_lock(&p->lock);
	for (i = 0; edit && i < m->n_hosts; i++) {
		struct part pt = {0};

		if (!vnm_host_participant(&m->hosts[i]))
			continue;
		pt.host = m->hosts[i].name;
		pt.addr = m->hosts[i].mgmt_addr;
		pt.cred = m->hosts[i].mgmt_cred;
		if (add_retry(p, &pt, NULL, edit, 0))
			vnm_log(VNM_LOG_ERR, "peer %s: out of memory: not given the running "
				"configuration", pt.host);
		else
			n++;
	}
	if (!edit)
		vnm_log(VNM_LOG_ERR, "out of memory: the participants are not given the running "
			"configuration");
	free(edit);
	if (n)
		pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

const struct vnm_peer_ops vnm_peer_nc_ops = {
	.name = "netconf",
	.prepare = peer_prepare,
	.confirm = peer_confirm,
	.cancel = peer_cancel,
	.resync = peer_resync,
	.read_state = peer_read_state,
};

int vnm_peer_nc_new(struct ly_ctx *ctx, const struct vnm_peer_policy *policy, void **out,
		    struct vnm_err *err)
{
	struct peer *p = calloc(1, sizeof(*p));
	const char *pause = getenv("VNMD_TEST_PEER_PAUSE");
	const char *pause_confirm = getenv("VNMD_TEST_PEER_PAUSE_CONFIRM");

	*out = NULL;
	if (!p) {
		ly_ctx_destroy(ctx);
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->ctx = ctx;
	p->pol = policy;
	p->ncctx = peer_client_init(p);
	if (pause)
		p->pause_ms = (unsigned)strtoul(pause, NULL, 10);
	if (pause_confirm)
		p->pause_confirm_ms = (unsigned)strtoul(pause_confirm, NULL, 10);
	if (peer_read_new(p)) {
		vnm_peer_nc_free(p);
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
	}
	if (pthread_create(&p->thr, NULL, retry_thread, p)) {
		vnm_peer_nc_free(p);
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot start the peer driver's thread");
	}
	p->started = true;
	*out = p;
	return 0;
}

void vnm_peer_nc_free(void *ctx)
{
	struct peer *p = ctx;
	size_t i;

	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_cond_signal(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thr, NULL);
	}
	for (i = 0; i < p->n_retry; i++)
		vnm_log(VNM_LOG_WARNING, "peer %s: transaction %s still unconfirmed there at exit: "
			"it rolls back at its confirm-timeout", p->retry[i].host, p->retry[i].txid);
	while (p->n_retry)
		retry_remove(p, 0);
	free(p->retry);
	parts_clear(p);
	peer_read_free(p);
	peer_sess_close_all(p);
	nc_client_destroy();
	ly_ctx_destroy(p->ctx);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
