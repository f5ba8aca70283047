/*
 * nacm_srv.c - RFC 8341 access control in the server: the compiled rules
 * of running's /nacm, kept per running generation (compiled once after a
 * commit, by the first request that needs them), the session's identity,
 * the counters of /nacm, and the access-denied replies.
 *
 * A session's identity is libnetconf2's username of the session (SSH
 * login, or whatever another transport maps a client to), its membership
 * of VNM_NACM_RO_GROUP (password file ":ro"), and whether it is the
 * recovery session (root on the UNIX socket, decided by the gate from the
 * peer's uid), which NACM never restricts.  The decisions are nacm.c's.
 */
#include "server_p.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "log.h"
#include "nacm.h"
#include "yctx.h"

static struct {
	pthread_mutex_t lock;         /* cur, gen */
	struct vnm_nacm *cur;         /* the rules of running generation gen */
	uint64_t gen;
	uint32_t denied_ops, denied_writes, denied_notifs; /* atomic */
} A = {.lock = PTHREAD_MUTEX_INITIALIZER};

void vnm_nacm_srv_reset(void)
{
	pthread_mutex_lock(&A.lock);
	vnm_nacm_unref(A.cur);
	A.cur = NULL;
	A.denied_ops = A.denied_writes = A.denied_notifs = 0;
	pthread_mutex_unlock(&A.lock);
}

/* The rules of running now, with a reference; NULL when they cannot be
 * had (then the caller denies). */
static struct vnm_nacm *rules(void)
{
	struct vnm_core *core = vnm_srv->core;
	struct vnm_nacm *n = NULL, *old = NULL;
	struct lyd_node *part = NULL;
	struct vnm_err err = {0};
	uint64_t gen = vnm_core_generation(core);

	pthread_mutex_lock(&A.lock);
	if (A.cur && A.gen == gen)
		n = vnm_nacm_ref(A.cur);
	pthread_mutex_unlock(&A.lock);
	if (n)
		return n;
	if (vnm_core_running_module(core, "ietf-netconf-acm", &part, &gen, &err) ||
	    vnm_nacm_compile(part, &n, &err)) {
		lyd_free_all(part);
		vnm_log_warn("netconf: NACM: cannot read the rules (%s): denying", err.msg);
		return NULL;
	}
	lyd_free_all(part);
	pthread_mutex_lock(&A.lock);
	if (!A.cur || A.gen < gen) {
		old = A.cur;
		A.cur = vnm_nacm_ref(n);
		A.gen = gen;
	}
	pthread_mutex_unlock(&A.lock);
	vnm_nacm_unref(old);
	return n;
}

/* The view of vs: 0 with *v NULL when everything is permitted (the
 * recovery session, the server's own requests: vs NULL), 0 with a view,
 * or -1 when no rules could be had. */
static int view_of(const struct vnm_sess *vs, struct vnm_nacm_view **v)
{
	struct vnm_nacm_who who = {0};
	struct vnm_nacm *n;
	const char *user;

	*v = NULL;
	if (!vs || vs->recovery)
		return 0;
	n = rules();
	if (!n)
		return -1;
	user = vs->ncs ? nc_session_get_username(vs->ncs) : NULL;
	who.user = user && *user ? user : vs->user;
	who.read_only = vs->read_only;
	*v = vnm_nacm_view_new(n, &who);
	vnm_nacm_unref(n);
	if (!*v)
		return -1;
	if (vnm_nacm_view_all(*v)) {
		vnm_nacm_view_free(*v);
		*v = NULL;
	}
	return 0;
}

static const char *who_str(const struct vnm_sess *vs)
{
	const char *u = vs->ncs ? nc_session_get_username(vs->ncs) : NULL;

	return u && *u ? u : vs->user;
}

struct nc_server_reply *vnm_nacm_rpc(const struct vnm_sess *vs, const struct lyd_node *op)
{
	struct vnm_nacm_view *v;
	struct nc_server_reply *r;
	struct lyd_node *e;
	char *path;
	bool ok;

	if (view_of(vs, &v))
		ok = false;
	else
		ok = !v || vnm_nacm_exec_ok(v, op->schema, op);
	vnm_nacm_view_free(v);
	if (ok)
		return NULL;
	__atomic_add_fetch(&A.denied_ops, 1, __ATOMIC_RELAXED);
	vnm_log_info("netconf: NACM: session %u (%s) may not execute %s:%s", vs->id, who_str(vs),
		     op->schema->module->name, op->schema->name);
	r = vnm_reply_tag(NC_ERR_ACCESS_DENIED, NC_ERR_TYPE_PROT, op->schema->name, NULL,
			  "access control (NACM): user %s may not execute %s%s; ask an "
			  "administrator for a rule permitting exec",
			  who_str(vs), op->schema->name, vs->read_only ? " (a read-only user)" : "");
	/* an action names its node: which router, which network */
	if (r && op->schema->nodetype == LYS_ACTION && (path = lyd_path(op, LYD_PATH_STD, NULL, 0))) {
		e = (struct lyd_node *)nc_server_reply_get_last_err(r);
		if (e)
			vnm_err_set_path_xml(e, path);
		free(path);
	}
	return r;
}

bool vnm_nacm_reads_all(const struct vnm_sess *vs)
{
	struct vnm_nacm_view *v;

	if (view_of(vs, &v))
		return false;
	vnm_nacm_view_free(v);
	return !v;
}

size_t vnm_nacm_filter(const struct vnm_sess *vs, struct lyd_node **tree)
{
	struct vnm_nacm_view *v;
	size_t n;

	if (view_of(vs, &v)) {
		n = *tree ? 1 : 0;
		lyd_free_all(*tree);
		*tree = NULL;
		return n;
	}
	n = v ? vnm_nacm_filter_read(v, tree) : 0;
	vnm_nacm_view_free(v);
	return n;
}

struct nc_server_reply *vnm_nacm_write(const struct vnm_sess *vs, const struct lyd_node *diff)
{
	const struct lyd_node *bad = NULL;
	struct vnm_nacm_view *v;
	struct nc_server_reply *r;
	struct lyd_node *e;
	unsigned acc = VNM_NACM_ALL;
	char *path = NULL;
	int rc;

	rc = view_of(vs, &v);
	if (!rc && (!v || !(bad = vnm_nacm_diff_denied(v, diff, &acc)))) {
		vnm_nacm_view_free(v);
		return NULL;
	}
	vnm_nacm_view_free(v);
	__atomic_add_fetch(&A.denied_writes, 1, __ATOMIC_RELAXED);
	if (bad)
		path = lyd_path(bad, LYD_PATH_STD, NULL, 0);
	vnm_log_info("netconf: NACM: session %u (%s) may not %s %s", vs->id, who_str(vs),
		     vnm_nacm_access_str(acc), path ? path : "the data");
	r = vnm_reply_tag(NC_ERR_ACCESS_DENIED, NC_ERR_TYPE_APP, NULL, NULL,
			  "access control (NACM): user %s may not %s %s; nothing was changed",
			  who_str(vs), vnm_nacm_access_str(acc), path ? path : "this data");
	e = r ? (struct lyd_node *)nc_server_reply_get_last_err(r) : NULL;
	if (e && path)
		vnm_err_set_path_xml(e, path);
	free(path);
	return r;
}

/* Whether a write check needs the diff at all (computing one costs). */
static bool writes_free(const struct vnm_sess *vs)
{
	struct vnm_nacm_view *v;

	if (view_of(vs, &v))
		return false;
	vnm_nacm_view_free(v);
	return !v;
}

struct nc_server_reply *vnm_nacm_write_ds(const struct vnm_sess *vs, enum vnm_ds ds,
					  const struct lyd_node *tree)
{
	struct nc_server_reply *r;
	struct lyd_node *old = NULL, *diff = NULL;
	struct vnm_err err = {0};

	if (writes_free(vs))
		return NULL;
	if (vnm_ds_read(ds, &old, &err))
		return vnm_reply_err(&err, NC_ERR_TYPE_APP);
	if (lyd_diff_siblings(old, tree, 0, &diff)) {
		lyd_free_all(old);
		return vnm_reply_tag(NC_ERR_RES_DENIED, NC_ERR_TYPE_APP, NULL, NULL,
				     "access control (NACM): cannot compare the new %s with the "
				     "old one; nothing was changed", vnm_ds_name(ds));
	}
	r = diff ? vnm_nacm_write(vs, diff) : NULL;
	lyd_free_all(old);
	lyd_free_all(diff);
	return r;
}

bool vnm_nacm_notif(const struct vnm_sess *vs, const struct lyd_node *tree)
{
	struct vnm_nacm_view *v;
	bool ok;

	if (view_of(vs, &v))
		ok = false;
	else
		ok = !v || vnm_nacm_notif_ok(v, tree);
	vnm_nacm_view_free(v);
	if (!ok)
		__atomic_add_fetch(&A.denied_notifs, 1, __ATOMIC_RELAXED);
	return ok;
}

int vnm_nacm_state_add(struct lyd_node **tree, struct vnm_err *err)
{
	const struct lys_module *m = ly_ctx_get_module_implemented(vnm_srv->ctx, "ietf-netconf-acm");
	struct lyd_node *top = NULL, *t;
	char v[3][16];

	if (!m)
		return 0;
	snprintf(v[0], sizeof(v[0]), "%u", __atomic_load_n(&A.denied_ops, __ATOMIC_RELAXED));
	snprintf(v[1], sizeof(v[1]), "%u", __atomic_load_n(&A.denied_writes, __ATOMIC_RELAXED));
	snprintf(v[2], sizeof(v[2]), "%u", __atomic_load_n(&A.denied_notifs, __ATOMIC_RELAXED));
	LY_LIST_FOR(*tree, t) {
		if (t->schema && t->schema->module == m && !strcmp(t->schema->name, "nacm"))
			top = t;
	}
	if (!top) {
		if (lyd_new_inner(NULL, m, "nacm", 0, &top))
			return vnm_err_from_ly(err, vnm_srv->ctx, VNM_E_INTERNAL, "NACM counters");
		lyd_insert_sibling(*tree, top, tree); /* cannot fail: a new top node */
	}
	if (lyd_new_term(top, NULL, "denied-operations", v[0], 0, NULL) ||
	    lyd_new_term(top, NULL, "denied-data-writes", v[1], 0, NULL) ||
	    lyd_new_term(top, NULL, "denied-notifications", v[2], 0, NULL))
		return vnm_err_from_ly(err, vnm_srv->ctx, VNM_E_INTERNAL, "NACM counters");
	return 0;
}
