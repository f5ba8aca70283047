/*
 * confirm.c - <commit>, <cancel-commit> and the confirmed commit (RFC 6241
 * 8.3.4.1 and 8.4, :confirmed-commit:1.1), of the configuration and of
 * reality.
 *
 * A confirmed commit commits the candidate like any commit (one core
 * transaction: reality follows) and keeps running as it was before the
 * FIRST confirmed commit of the series; a follow-up confirmed commit
 * resets the timer and keeps that rollback point; a plain commit confirms.
 * The rollback (at the deadline, at <cancel-commit>, or when the session
 * that gave it without <persist> ends) is one more ordinary core
 * transaction to that configuration: routers and links the series created
 * go, rates come back, and a router present before and after is left
 * running as it is (the core's planner only touches what differs).
 *
 * The pending commit is written to the state directory (confirm.h's
 * record) BEFORE its core transaction and removed after the confirming
 * one, so a vnmd stopped or killed at any moment finds it at the next
 * start.  There a persistent one keeps its deadline (a past one is rolled
 * back at once) and a commit with its persist-id confirms it; one without
 * <persist> is rolled back at once, as its session is gone; and any is
 * rolled back at once when the machine itself rebooted meanwhile (RFC 6241
 * 8.4.1: "If the device reboots for any reason before the confirm timeout
 * expires, the server MUST restore the configuration"), which the kernel's
 * boot id tells.  A vnmd restart is not a reboot: the routers and links
 * run on.  A commit that fails leaves the pending state as it was: it arms
 * nothing and extends nothing.
 *
 * Locks: ds_lock (server_p.h) is held around every change of the pending
 * state and every rollback.  C.lock, taken inside it, guards the state
 * against the confirm thread and vnm_confirm_session_gone(), which only
 * ask for a rollback and never wait for a transaction.
 */
#include "server_p.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>

#include "confirm.h"
#include "log.h"
#include "yctx.h"

#define RETRY_SECS 10 /* after a rollback that failed */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thr;
	bool started, stop;
	bool pending;
	bool fire;               /* roll back now: its session ended */
	struct vnm_cc_rec rec;   /* valid while pending */
	struct lyd_node *before; /* running before the first confirmed commit (NULL: empty) */
	char boot_id[40];        /* this boot's */
} C = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

enum cc_event { CC_START, CC_CANCEL, CC_TIMEOUT, CC_EXTEND, CC_COMPLETE };
static const char *const cc_event_names[] = {"start", "cancel", "timeout", "extend", "complete"};

static void read_boot_id(char *out, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = '\0';
	else
		out[0] = '\0';
	fclose(f);
}

static void time_text(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%" PRId64, t);
}

/* RFC 6470 netconf-confirmed-commit, to the subscribers. */
static void notify(enum cc_event ev, const char *user, uint32_t sid, uint32_t timeout)
{
	const struct lys_module *m =
		ly_ctx_get_module_implemented(vnm_srv->ctx, "ietf-netconf-notifications");
	struct lyd_node *n = NULL;
	char num[16];

	if (!m)
		return;
	if (lyd_new_inner(NULL, m, "netconf-confirmed-commit", 0, &n))
		goto fail;
	if (ev != CC_TIMEOUT) {
		snprintf(num, sizeof(num), "%" PRIu32, sid);
		if (lyd_new_term(n, NULL, "username", user && *user ? user : "?", 0, NULL) ||
		    lyd_new_term(n, NULL, "session-id", num, 0, NULL))
			goto fail;
	}
	if (lyd_new_term(n, NULL, "confirm-event", cc_event_names[ev], 0, NULL))
		goto fail;
	if (ev == CC_START || ev == CC_EXTEND) {
		snprintf(num, sizeof(num), "%" PRIu32, timeout);
		if (lyd_new_term(n, NULL, "timeout", num, 0, NULL))
			goto fail;
	}
	vnm_notif_send(n);
	return;
fail:
	lyd_free_all(n);
	vnm_log_warn("netconf: the netconf-confirmed-commit notification (%s) could not be built",
		     cc_event_names[ev]);
}

/* ------------------------------------------------------------------ */
/* The pending state and its record                                   */
/* ------------------------------------------------------------------ */

/* Write the record of rec, whose rollback configuration is before. */
static int record_save(const struct vnm_cc_rec *rec, const struct lyd_node *before,
		       struct vnm_err *err)
{
	char *xml = NULL, *text = NULL;
	int rc = -1;

	if (before && lyd_print_mem(&xml, before, LYD_XML, LYD_PRINT_WITHSIBLINGS)) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "cannot print the configuration to roll back to");
		goto cleanup;
	}
	if (vnm_cc_rec_print(rec, xml, &text)) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
		goto cleanup;
	}
	if (vnm_core_pending_save(vnm_srv->core, text, err))
		goto cleanup;
	rc = 0;
cleanup:
	if (rc)
		vnm_err_prefix(err, "confirmed commit: its rollback cannot be kept on disk, so "
				    "nothing was committed");
	free(xml);
	free(text);
	return rc;
}

static void record_delete(void)
{
	struct vnm_err err = {0};

	if (vnm_core_pending_delete(vnm_srv->core, &err))
		vnm_log_err("confirmed commit: %s; remove that file, or the next start of vnmd "
			    "rolls running back", err.msg);
}

/* Take over *rec and before as the pending confirmed commit (before may
 * be the one pending already).  Caller holds ds_lock. */
static void pending_set(struct vnm_cc_rec *rec, struct lyd_node *before)
{
	struct vnm_cc_rec old;
	struct lyd_node *old_before;

	pthread_mutex_lock(&C.lock);
	old = C.rec;
	old_before = C.before != before ? C.before : NULL;
	C.rec = *rec;
	C.before = before;
	C.pending = true;
	C.fire = false;
	pthread_cond_signal(&C.cond);
	pthread_mutex_unlock(&C.lock);
	memset(rec, 0, sizeof(*rec));
	vnm_cc_rec_clear(&old);
	lyd_free_all(old_before);
}

/* Nothing pending any more (confirmed or rolled back).  Caller holds ds_lock. */
static void pending_clear(void)
{
	struct vnm_cc_rec old;
	struct lyd_node *old_before;

	pthread_mutex_lock(&C.lock);
	old = C.rec;
	old_before = C.before;
	memset(&C.rec, 0, sizeof(C.rec));
	C.before = NULL;
	C.pending = false;
	C.fire = false;
	pthread_mutex_unlock(&C.lock);
	vnm_cc_rec_clear(&old);
	lyd_free_all(old_before);
	record_delete();
}

/* Running and reality back to the configuration before the confirmed
 * commit, in one core transaction; the pending state goes when it
 * succeeded.  Caller holds ds_lock. */
static int rollback(const char *why, struct vnm_err *err)
{
	/* C.before changes only under ds_lock, which the caller holds */
	if (vnm_ds_commit_running(C.before, NULL, err)) {
		vnm_err_prefix(err, "confirmed commit: the rollback (%s) failed; running and "
				    "reality stay as the confirmed commit made them", why);
		return -1;
	}
	vnm_log_info("netconf: confirmed commit rolled back: %s", why);
	pending_clear();
	return 0;
}

/* The rollback the deadline or a session's end asks for, if due now.
 * One that fails is tried again RETRY_SECS later.  Caller holds ds_lock. */
static void expire_if_due(void)
{
	struct vnm_err err = {0};
	char user[64];
	uint32_t sid;
	bool due, fire;

	pthread_mutex_lock(&C.lock);
	fire = C.fire;
	due = C.pending && (fire || time(NULL) >= C.rec.deadline);
	sid = C.rec.sid;
	snprintf(user, sizeof(user), "%s", C.rec.user ? C.rec.user : "");
	pthread_mutex_unlock(&C.lock);
	if (!due)
		return;
	if (!rollback(fire ? "the session that gave it without <persist> ended"
			   : "its confirm-timeout passed without a confirming commit",
		      &err)) {
		notify(fire ? CC_CANCEL : CC_TIMEOUT, user, sid, 0);
		return;
	}
	vnm_log_err("netconf: %s; trying again in %d s", err.msg, RETRY_SECS);
	pthread_mutex_lock(&C.lock);
	C.fire = false;
	C.rec.deadline = (int64_t)time(NULL) + RETRY_SECS;
	pthread_mutex_unlock(&C.lock);
}

static void *confirm_main(void *arg)
{
	struct vnm_server *s = arg;
	struct timespec ts;

	pthread_mutex_lock(&C.lock);
	while (!C.stop) {
		if (!C.pending) {
			pthread_cond_wait(&C.cond, &C.lock);
			continue;
		}
		if (!C.fire && time(NULL) < C.rec.deadline) {
			ts.tv_sec = (time_t)C.rec.deadline;
			ts.tv_nsec = 0;
			pthread_cond_timedwait(&C.cond, &C.lock, &ts);
			continue;
		}
		pthread_mutex_unlock(&C.lock);
		pthread_mutex_lock(&s->ds_lock);
		expire_if_due();
		pthread_mutex_unlock(&s->ds_lock);
		pthread_mutex_lock(&C.lock);
	}
	pthread_mutex_unlock(&C.lock);
	return NULL;
}

void vnm_confirm_session_gone(uint32_t sid)
{
	pthread_mutex_lock(&C.lock);
	if (C.pending && !C.rec.persist && C.rec.sid == sid) {
		C.fire = true;
		pthread_cond_signal(&C.cond);
	}
	pthread_mutex_unlock(&C.lock);
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                     */
/* ------------------------------------------------------------------ */

/* The pending commit the previous vnmd left, as C's state; *why says why
 * it must be rolled back at once (NULL: it waits for its deadline). */
static void load_record(struct vnm_server *s, const char **why)
{
	struct vnm_err err = {0};
	struct vnm_cc_rec rec = {0};
	struct lyd_node *before = NULL;
	const char *xml = NULL;
	char *text = NULL, when[32];

	*why = NULL;
	if (vnm_core_pending_load(s->core, &text, &err) || !text)
		goto cleanup;
	if (vnm_cc_rec_parse(text, &rec, &xml, &err) ||
	    (*xml && vnm_config_parse_mem(s->ctx, xml, &before, &err))) {
		vnm_err_prefix(&err, "the record of a pending confirmed commit cannot be read");
		goto cleanup;
	}
	time_text(rec.deadline, when, sizeof(when));
	if (rec.boot_id[0] && C.boot_id[0] && strcmp(rec.boot_id, C.boot_id))
		*why = "the machine rebooted since it was given (RFC 6241 8.4.1)";
	else if (!rec.persist)
		*why = "it was given without <persist> and its session ended with the previous vnmd";
	else if ((int64_t)time(NULL) >= rec.deadline)
		*why = "its confirm-timeout passed while vnmd was stopped";
	else
		vnm_log_info("netconf: a persistent confirmed commit of %s is pending: it is rolled "
			     "back at %s unless a commit with its persist-id confirms it",
			     rec.user ? rec.user : "?", when);
	/* session ids start again from 1: the old one names nobody now */
	rec.sid = 0;
	pthread_mutex_lock(&C.lock);
	C.rec = rec;
	C.before = before;
	C.pending = true;
	pthread_mutex_unlock(&C.lock);
	memset(&rec, 0, sizeof(rec));
	before = NULL;
cleanup:
	if (err.msg[0])
		vnm_log_err("netconf: %s; running stays as it is (remove the file "
			    "\"confirmed-commit\" in the state directory to silence this)", err.msg);
	vnm_cc_rec_clear(&rec);
	lyd_free_all(before);
	free(text);
}

int vnm_confirm_start(struct vnm_server *s, struct vnm_err *err)
{
	struct vnm_err e = {0};
	const char *why = NULL;
	int r;

	read_boot_id(C.boot_id, sizeof(C.boot_id));
	C.stop = false;
	load_record(s, &why);
	if (why) {
		/* before any client can connect: nobody sees what is undone */
		pthread_mutex_lock(&s->ds_lock);
		if (rollback(why, &e)) {
			vnm_log_err("netconf: %s; trying again in %d s", e.msg, RETRY_SECS);
			pthread_mutex_lock(&C.lock);
			C.rec.deadline = (int64_t)time(NULL) + RETRY_SECS;
			pthread_mutex_unlock(&C.lock);
		}
		pthread_mutex_unlock(&s->ds_lock);
	}
	r = pthread_create(&C.thr, NULL, confirm_main, s);
	if (r)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL,
				   "cannot start the confirmed-commit thread: %s", strerror(r));
	C.started = true;
	return 0;
}

void vnm_confirm_stop(void)
{
	if (C.started) {
		pthread_mutex_lock(&C.lock);
		C.stop = true;
		pthread_cond_signal(&C.cond);
		pthread_mutex_unlock(&C.lock);
		pthread_join(C.thr, NULL);
		C.started = false;
	}
	/* a pending commit stays on disk: the next start takes it up */
	vnm_cc_rec_clear(&C.rec);
	lyd_free_all(C.before);
	C.before = NULL;
	C.pending = false;
	C.fire = false;
}

/* ------------------------------------------------------------------ */
/* The operations                                                     */
/* ------------------------------------------------------------------ */

struct commit_req {
	bool confirmed;
	uint32_t timeout;
	const char *persist, *persist_id;
};

static const char *leaf_str(struct lyd_node *rpc, const char *name)
{
	struct lyd_node *n = NULL;

	if (lyd_find_path(rpc, name, 0, &n) || !n)
		return NULL;
	return lyd_get_value(n);
}

static struct nc_server_reply *commit_params(struct lyd_node *rpc, struct commit_req *q)
{
	struct lyd_node *n = NULL;
	bool timeout_given = false;

	q->confirmed = !lyd_find_path(rpc, "confirmed", 0, &n) && n;
	q->timeout = VNM_CC_DEFAULT_TIMEOUT;
	n = NULL;
	if (!lyd_find_path(rpc, "confirm-timeout", 0, &n) && n) {
		q->timeout = ((struct lyd_node_term *)n)->value.uint32;
		timeout_given = !(n->flags & LYD_DEFAULT);
	}
	q->persist = leaf_str(rpc, "persist");
	q->persist_id = leaf_str(rpc, "persist-id");
	if (!q->confirmed && (timeout_given || q->persist))
		return vnm_reply_tag(NC_ERR_MISSING_ELEM, NC_ERR_TYPE_PROT, "confirmed", NULL,
				     "<%s> belongs to a confirmed commit: add <confirmed/>, or "
				     "leave it out",
				     q->persist ? "persist" : "confirm-timeout");
	return NULL;
}

/* Why a session may not confirm (or cancel) the pending commit. */
static struct nc_server_reply *refuse(enum vnm_cc_verdict v, bool cancel, uint32_t owner,
				      int64_t deadline, const char *pid)
{
	const char *verb = cancel ? "cancel" : "confirm", *done = cancel ? "cancelled" : "confirmed";
	struct nc_server_reply *r;
	struct lyd_node *e;
	char when[32];

	time_text(deadline, when, sizeof(when));
	switch (v) {
	case VNM_CC_NONE:
		if (pid)
			return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "persist-id",
					     NULL, "no confirmed commit is pending (it was confirmed, "
					     "cancelled or rolled back): persist-id \"%s\" matches "
					     "nothing; nothing was %s", pid, done);
		return vnm_reply_tag(NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT, NULL, NULL,
				     "no confirmed commit is pending (it was confirmed, cancelled "
				     "or rolled back): there is nothing to cancel");
	case VNM_CC_NEED_ID:
		return vnm_reply_tag(NC_ERR_MISSING_ELEM, NC_ERR_TYPE_PROT, "persist-id", NULL,
				     "a persistent confirmed commit is pending: give its "
				     "<persist-id> (the <persist> token) to %s it; unconfirmed, it "
				     "is rolled back at %s", verb, when);
	case VNM_CC_WRONG_ID:
		return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "persist-id", NULL,
				     "persist-id \"%s\" is not the <persist> token of the pending "
				     "confirmed commit; nothing was %s", pid, done);
	case VNM_CC_NOT_PERSIST:
		return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "persist-id", NULL,
				     "the pending confirmed commit was given without <persist>, so "
				     "it has no persist-id; only session %u can %s it, without "
				     "<persist-id>", owner, verb);
	case VNM_CC_OTHER_SESSION:
		r = vnm_reply_tag(NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL, NULL,
				  "the pending confirmed commit is session %u's, given without "
				  "<persist>: only session %u can %s it; otherwise it is rolled back "
				  "at %s or when session %u ends", owner, owner, verb, when, owner);
		e = r ? (struct lyd_node *)nc_server_reply_get_last_err(r) : NULL;
		if (e)
			nc_err_set_sid(e, owner);
		return r;
	case VNM_CC_MAY:
		break;
	}
	return NULL;
}

/* NULL when session sid may go on with a commit (cancel false) or a
 * cancel-commit; *pending: whether a confirmed commit is pending.  A
 * pending one whose time is up is rolled back first: a confirmation that
 * comes after the deadline comes too late, even when the confirm thread
 * has not got round to it.  Caller holds ds_lock. */
static struct nc_server_reply *may(uint32_t sid, const char *pid, bool cancel, bool *pending)
{
	enum vnm_cc_verdict v;
	uint32_t owner;
	int64_t deadline;

	expire_if_due();
	pthread_mutex_lock(&C.lock);
	*pending = C.pending;
	v = vnm_cc_judge(C.pending ? &C.rec : NULL, sid, pid);
	owner = C.rec.sid;
	deadline = C.rec.deadline;
	pthread_mutex_unlock(&C.lock);
	if (v == VNM_CC_MAY || (v == VNM_CC_NONE && !cancel && !pid))
		return NULL;
	return refuse(v, cancel, owner, deadline, pid);
}

/* The record of the confirmed commit q of session sid. */
static int new_rec(const struct commit_req *q, uint32_t sid, const char *user,
		   struct vnm_cc_rec *rec)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	memset(rec, 0, sizeof(*rec));
	/* never early: a confirmation within the timeout always counts */
	rec->deadline = (int64_t)now.tv_sec + q->timeout + (now.tv_nsec ? 1 : 0);
	rec->sid = sid;
	snprintf(rec->boot_id, sizeof(rec->boot_id), "%s", C.boot_id);
	if (!(rec->user = strdup(user)) || (q->persist && !(rec->persist = strdup(q->persist)))) {
		vnm_cc_rec_clear(rec);
		return -1;
	}
	return 0;
}

/* Arm (or extend) the confirmed commit q: its record on disk, before the
 * commit.  *before: running now for a first one (taken over by the
 * caller's later pending_set), the pending rollback point for a follow-up. */
static struct nc_server_reply *arm(const struct commit_req *q, uint32_t sid, const char *user,
				   bool was_pending, struct lyd_node **before,
				   struct vnm_cc_rec *rec)
{
	struct vnm_err err = {0};

	if (!was_pending && vnm_ds_read(VNM_DS_RUNNING, before, &err))
		return vnm_reply_err(&err, NC_ERR_TYPE_APP);
	if (was_pending)
		*before = C.before;
	if (new_rec(q, sid, user, rec))
		return vnm_reply_tag(NC_ERR_RES_DENIED, NC_ERR_TYPE_APP, NULL, NULL,
				     "confirmed commit: out of memory; nothing was committed");
	if (record_save(rec, *before, &err))
		return vnm_reply_err(&err, NC_ERR_TYPE_APP);
	return NULL;
}

struct nc_server_reply *vnm_rpc_commit(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct vnm_server *s = vnm_srv;
	struct vnm_sess *vs = vnm_sess_of(ncs);
	uint32_t me = nc_session_get_id(ncs);
	const char *user = vs ? vs->user : "?";
	struct nc_server_reply *r;
	struct lyd_node *cand = NULL, *before = NULL;
	struct vnm_cc_rec rec = {0};
	struct vnm_err err = {0};
	struct commit_req q;
	bool modified, was_pending = false, armed = false;

	if ((r = commit_params(rpc, &q)))
		return r;
	pthread_mutex_lock(&s->ds_lock);
	if ((r = vnm_ds_check_writable(VNM_DS_RUNNING, vs)) ||
	    (r = vnm_ds_check_writable(VNM_DS_CANDIDATE, vs)) ||
	    (r = may(me, q.persist_id, false, &was_pending)))
		goto cleanup;
	/* an unmodified candidate is running: nothing to commit */
	modified = vnm_ds_candidate_modified();
	if (modified && vnm_ds_read(VNM_DS_CANDIDATE, &cand, &err)) {
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto cleanup;
	}
	if (q.confirmed) {
		if ((r = arm(&q, me, user, was_pending, &before, &rec)))
			goto cleanup;
		armed = true;
	}
	if (modified && vnm_ds_commit_running(cand, NULL, &err)) {
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		/* a commit that fails arms nothing, extends nothing */
		if (armed && was_pending && record_save(&C.rec, C.before, &err))
			vnm_log_err("netconf: %s", err.msg);
		else if (armed && !was_pending)
			record_delete();
		goto cleanup;
	}
	if (modified)
		vnm_ds_candidate_discard();
	if (q.confirmed) {
		vnm_log_info("netconf: confirmed commit %s by session %u%s: rolled back in %" PRIu32
			     " s unless confirmed", was_pending ? "extended" : "started", me,
			     q.persist ? " (persistent)" : "", q.timeout);
		pending_set(&rec, before);
		before = NULL;
		notify(was_pending ? CC_EXTEND : CC_START, user, me, q.timeout);
	} else if (was_pending) {
		vnm_log_info("netconf: confirmed commit confirmed by session %u", me);
		pending_clear();
		notify(CC_COMPLETE, user, me, 0);
	}
cleanup:
	pthread_mutex_unlock(&s->ds_lock);
	lyd_free_all(cand);
	if (before != C.before)
		lyd_free_all(before);
	vnm_cc_rec_clear(&rec);
	return r ? r : nc_server_reply_ok();
}

struct nc_server_reply *vnm_rpc_cancel_commit(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct vnm_server *s = vnm_srv;
	struct vnm_sess *vs = vnm_sess_of(ncs);
	uint32_t me = nc_session_get_id(ncs);
	struct nc_server_reply *r;
	struct vnm_err err = {0};
	char why[64];
	bool pending;

	pthread_mutex_lock(&s->ds_lock);
	if ((r = vnm_ds_check_writable(VNM_DS_RUNNING, vs)) ||
	    (r = may(me, leaf_str(rpc, "persist-id"), true, &pending)))
		goto cleanup;
	snprintf(why, sizeof(why), "cancel-commit of session %u", me);
	if (rollback(why, &err)) {
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto cleanup;
	}
	notify(CC_CANCEL, vs ? vs->user : "?", me, 0);
cleanup:
	pthread_mutex_unlock(&s->ds_lock);
	return r ? r : nc_server_reply_ok();
}
