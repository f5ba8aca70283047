/*
 * datastore.c - the datastores (running, candidate, startup), their locks,
 * and the RFC 6241 operations on them.
 *
 * running lives in the core: every change is one core transaction, and the
 * reply is <ok/> only after the core committed (reality matches).
 * candidate lives here, shared by every session; while nobody modified it,
 * it is running itself (no copy).  startup is a file the core keeps.
 * <commit> (candidate to running) and <cancel-commit> are in confirm.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "edit.h"
#include "log.h"
#include "nmda.h"
#include "server_p.h"
#include "stash.h"
#include "yctx.h"

static const char *const ds_names[VNM_DS_COUNT] = {"running", "candidate", "startup"};

const char *vnm_ds_name(enum vnm_ds ds)
{
	return ds < VNM_DS_COUNT ? ds_names[ds] : "?";
}

/* The datastore named by the child of container (source or target), or
 * the inline <config> (*inline_cfg) when allowed. */
static struct nc_server_reply *param_ds(struct lyd_node *rpc, const char *container,
					enum vnm_ds *ds, struct lyd_node **inline_cfg)
{
	struct lyd_node *c = NULL, *ch;
	unsigned i;

	if (inline_cfg)
		*inline_cfg = NULL;
	if (lyd_find_path(rpc, container, 0, &c) || !c || !lyd_child(c))
		return vnm_reply_tag(NC_ERR_MISSING_ELEM, NC_ERR_TYPE_PROT, container, NULL,
				     "<%s> must name a datastore", container);
	ch = lyd_child(c);
	/* ietf-netconf-nmda's <datastore> in lock, unlock and validate */
	if (ch->schema && !strcmp(LYD_NAME(ch), "datastore")) {
		struct nc_server_reply *r;
		bool oper;

		if ((r = vnm_nmda_ds(ch, LYD_NAME(rpc), ds, &oper)))
			return r;
		if (oper)
			return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "datastore",
					     NULL, "%s: ietf-datastores:operational is not a "
					     "configuration datastore", LYD_NAME(rpc));
		return NULL;
	}
	for (i = 0; i < VNM_DS_COUNT; i++) {
		if (!strcmp(LYD_NAME(ch), ds_names[i])) {
			*ds = (enum vnm_ds)i;
			return NULL;
		}
	}
	if (inline_cfg && !strcmp(LYD_NAME(ch), "config")) {
		*inline_cfg = ch;
		return NULL;
	}
	return vnm_reply_tag(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, LYD_NAME(ch), NULL,
			     "<%s>: vnmd has no datastore or source <%s> here", container,
			     LYD_NAME(ch));
}

/* ------------------------------------------------------------------ */
/* Reading and writing                                                */
/* ------------------------------------------------------------------ */

int vnm_ds_read(enum vnm_ds ds, struct lyd_node **out, struct vnm_err *err)
{
	struct vnm_server *s = vnm_srv;

	*out = NULL;
	switch (ds) {
	case VNM_DS_CANDIDATE:
		pthread_mutex_lock(&s->st_lock);
		if (s->cand_modified) {
			int rc = s->candidate && lyd_dup_siblings(s->candidate, NULL,
								  LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, out);

			pthread_mutex_unlock(&s->st_lock);
			return rc ? vnm_err_set(err, VNM_E_NOMEM, NULL,
						"cannot copy the candidate datastore") : 0;
		}
		pthread_mutex_unlock(&s->st_lock);
		/* an unmodified candidate is running */
		return vnm_core_running(s->core, out, err);
	case VNM_DS_RUNNING:
		return vnm_core_running(s->core, out, err);
	case VNM_DS_STARTUP:
		return vnm_core_startup_load(s->core, out, err);
	default:
		break;
	}
	return vnm_err_set(err, VNM_E_INTERNAL, NULL, "unknown datastore");
}

int vnm_ds_commit_running(const struct lyd_node *cfg, const struct lyd_node *diff,
			  struct vnm_err *err)
{
	int rc = vnm_core_commit(vnm_srv->core, cfg, diff, err);

	if (rc)
		vnm_log_warn("netconf: running not changed: %s", err->msg);
	return rc;
}

/* Keep tree (taken over) as the modified candidate. */
static void candidate_set(struct lyd_node *tree)
{
	struct vnm_server *s = vnm_srv;
	struct lyd_node *old;

	pthread_mutex_lock(&s->st_lock);
	old = s->candidate;
	s->candidate = tree;
	s->cand_modified = true;
	pthread_mutex_unlock(&s->st_lock);
	lyd_free_all(old);
}

/* Caller holds st_lock. */
static struct lyd_node *candidate_take(void)
{
	struct vnm_server *s = vnm_srv;
	struct lyd_node *old = s->candidate;

	s->candidate = NULL;
	s->cand_modified = false;
	return old;
}

void vnm_ds_candidate_discard(void)
{
	struct vnm_server *s = vnm_srv;
	struct lyd_node *old;

	pthread_mutex_lock(&s->st_lock);
	old = candidate_take();
	pthread_mutex_unlock(&s->st_lock);
	lyd_free_all(old);
}

bool vnm_ds_candidate_modified(void)
{
	struct vnm_server *s = vnm_srv;
	bool m;

	pthread_mutex_lock(&s->st_lock);
	m = s->cand_modified;
	pthread_mutex_unlock(&s->st_lock);
	return m;
}

struct nc_server_reply *vnm_ds_check_writable(enum vnm_ds ds, struct vnm_sess *vs)
{
	struct vnm_server *s = vnm_srv;
	struct nc_server_reply *r;
	struct lyd_node *e;
	uint32_t holder;

	pthread_mutex_lock(&s->st_lock);
	holder = s->lock_sid[ds];
	pthread_mutex_unlock(&s->st_lock);
	if (!holder || (vs && holder == vs->id))
		return NULL;
	r = vnm_reply_tag(NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL, NULL,
			  "the %s datastore is locked by session %u; wait for it to unlock, "
			  "or kill-session %u", vnm_ds_name(ds), holder, holder);
	e = r ? (struct lyd_node *)nc_server_reply_get_last_err(r) : NULL;
	if (e)
		nc_err_set_sid(e, holder);
	return r;
}

void vnm_ds_session_gone(uint32_t sid)
{
	struct vnm_server *s = vnm_srv;
	struct lyd_node *old = NULL;
	unsigned i;

	if (!s)
		return;
	pthread_mutex_lock(&s->st_lock);
	for (i = 0; i < VNM_DS_COUNT; i++) {
		if (s->lock_sid[i] != sid)
			continue;
		s->lock_sid[i] = 0;
		/* RFC 6241 8.3.5.2: the holder's uncommitted candidate changes go too */
		if (i == VNM_DS_CANDIDATE && s->cand_modified) {
			old = candidate_take();
			vnm_log_info("netconf: candidate changes of session %u discarded", sid);
		}
		vnm_log_info("netconf: %s unlocked (session %u ended)", ds_names[i], sid);
	}
	pthread_mutex_unlock(&s->st_lock);
	lyd_free_all(old);
}

static struct nc_server_reply *too_big(size_t n)
{
	return vnm_reply_tag(NC_ERR_TOO_BIG, NC_ERR_TYPE_APP, "config", NULL,
			     "the <config> holds %zu bytes; vnmd accepts at most %zu "
			     "(--max-config-size)",
			     n, vnm_srv->max_config);
}

/* The id of the gate's placeholder when it is all the <config> holds
 * (stash.h), else NULL. */
static const char *stash_id(const struct lyd_node *cfg)
{
	const struct lyd_node_any *a = (const struct lyd_node_any *)cfg;
	const struct lyd_node_opaq *o;

	if (a->value_type != LYD_ANYDATA_DATATREE || !a->value.tree || a->value.tree->next ||
	    a->value.tree->schema)
		return NULL;
	o = (const struct lyd_node_opaq *)a->value.tree;
	if (o->format != LY_VALUE_XML || strcmp(o->name.name, VNM_STASH_ELEM) ||
	    !o->name.module_ns || strcmp(o->name.module_ns, VNM_STASH_NS) || lyd_child(a->value.tree))
		return NULL;
	for (const struct lyd_attr *at = o->attr; at; at = at->next) {
		if (!strcmp(at->name.name, "id") && !at->name.prefix)
			return at->value;
	}
	return NULL;
}

/* The XML of an inline <config> (the anyxml's content), size-checked.  For
 * an edit (vs), the content the gate set aside when it left a placeholder. */
static struct nc_server_reply *config_text(struct lyd_node *cfg, const struct vnm_sess *vs,
					   char **xml)
{
	struct vnm_stash_item *it;
	const char *id;

	*xml = NULL;
	if (vs && (id = stash_id(cfg))) {
		it = vnm_gate_stash_take(vnm_srv, vs->id, id);
		if (!it)
			return vnm_reply_tag(NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC, "config", NULL,
					     "the <config> holds a placeholder of vnmd's gate "
					     "that names no content of this session");
		if (it->too_big) {
			size_t n = it->len;

			vnm_stash_item_free(it);
			return too_big(n);
		}
		vnm_log(VNM_LOG_DEBUG, "netconf: session %u: the <config> (%zu bytes) came set "
			"aside by the gate", vs->id, it->len);
		*xml = it->xml;
		it->xml = NULL;
		vnm_stash_item_free(it);
		return NULL;
	}
	if (vnm_any_xml(cfg, xml))
		return vnm_reply_tag(NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC, "config", NULL,
				     "the <config> element cannot be read");
	if (!*xml) {
		*xml = strdup("");
		if (!*xml)
			return vnm_reply_tag(NC_ERR_RES_DENIED, NC_ERR_TYPE_APP, "config", NULL,
					     "out of memory");
	}
	if (strlen(*xml) > vnm_srv->max_config) {
		size_t n = strlen(*xml);

		free(*xml);
		*xml = NULL;
		return too_big(n);
	}
	return NULL;
}

/* A whole configuration from an inline <config>: parsed and validated with
 * the edit engine, as a replace of an empty datastore. */
static struct nc_server_reply *inline_tree(struct lyd_node *cfg, struct lyd_node **tree)
{
	struct nc_server_reply *r;
	struct lyd_node *edit = NULL, *diff = NULL;
	struct vnm_err err = {0};
	char *xml = NULL;

	*tree = NULL;
	r = config_text(cfg, NULL, &xml);
	if (r)
		return r;
	if (vnm_edit_parse(vnm_srv->ctx, xml, &edit, &err) ||
	    vnm_edit_apply(vnm_srv->ctx, tree, edit, VNM_OP_REPLACE, VNM_ERROPT_ROLLBACK, &diff,
			   &err))
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
	free(xml);
	lyd_free_all(edit);
	lyd_free_all(diff);
	return r;
}

/* ------------------------------------------------------------------ */
/* Operations                                                         */
/* ------------------------------------------------------------------ */

struct nc_server_reply *vnm_rpc_get_config(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct vnm_server *s = vnm_srv;
	struct nc_server_reply *r;
	struct lyd_node *tree = NULL;
	struct vnm_err err = {0};
	enum vnm_ds ds;
	int rc;

	(void)ncs;
	r = param_ds(rpc, "source", &ds, NULL);
	if (r)
		return r;
	(void)s;
	/* an unmodified candidate is running */
	if ((ds == VNM_DS_RUNNING || (ds == VNM_DS_CANDIDATE && !vnm_ds_candidate_modified())) &&
	    (r = vnm_reply_running_cached(rpc)))
		return r;
	rc = vnm_ds_read(ds, &tree, &err);
	if (rc)
		return vnm_reply_err(&err, NC_ERR_TYPE_APP);
	return vnm_reply_filtered(rpc, tree);
}

static const char *leaf_str(struct lyd_node *rpc, const char *name)
{
	struct lyd_node *n = NULL;

	if (lyd_find_path(rpc, name, 0, &n) || !n)
		return NULL;
	return lyd_get_value(n);
}

/*
 * The diff of an edit that vnm_edit_apply() gave none for.  No diff means
 * "nothing changed" most of the time, but also "changed, diff unknown":
 * when YANG validation removed what the edit itself created (a `when`
 * turned false), libyang cannot merge the two diffs and the engine hands
 * out none.  Taking that for "nothing changed" answered <ok/> and dropped
 * the edit (found by fuzz/fuzz_edit.c), so compare with the datastore
 * as it still is.  *diff stays NULL only when nothing changed.
 */
static int diff_if_unknown(enum vnm_ds ds, const struct lyd_node *tree, struct lyd_node **diff,
			   struct vnm_err *err)
{
	struct lyd_node *old = NULL;
	int rc = -1;

	if (*diff)
		return 0;
	if (vnm_ds_read(ds, &old, err))
		goto cleanup;
	if (lyd_diff_siblings(old, tree, 0, diff)) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "edit-config: cannot compare the edited "
			    "datastore with the one before; nothing was changed, try again");
		goto cleanup;
	}
	rc = 0;
cleanup:
	lyd_free_all(old);
	return rc;
}

struct veto {
	const struct vnm_sess *vs;
	struct nc_server_reply *r;
};

static int nacm_veto(const struct lyd_node *diff, void *arg)
{
	struct veto *v = arg;

	v->r = vnm_nacm_write(v->vs, diff);
	return v->r != NULL;
}

/* An edit of running that the core makes in place (a VL's rates): no copy,
 * validation or save of the whole configuration.  1: not such an edit. */
static int edit_in_place(struct vnm_server *s, const struct lyd_node *edit, enum vnm_edit_op dflt,
			 struct vnm_sess *vs, struct nc_server_reply **r)
{
	struct vnm_leaf_set *set = NULL;
	struct veto v = {.vs = vs};
	struct vnm_err err = {0};
	size_t n = 0;
	int rc;

	if (vnm_edit_leaves(edit, dflt, &set, &n))
		return 1;
	rc = vnm_core_set_leaves(s->core, set, n, nacm_veto, &v, &err);
	vnm_edit_leaves_free(set, n);
	if (rc == 1)
		return 1;
	if (rc == 2)
		*r = v.r;
	else if (rc < 0)
		*r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
	return 0;
}

struct nc_server_reply *vnm_ds_edit(enum vnm_ds ds, struct lyd_node *cfg, enum vnm_edit_op dflt,
				   enum vnm_error_option erropt, bool test_only, struct vnm_sess *vs)
{
	struct vnm_server *s = vnm_srv;
	struct nc_server_reply *r;
	struct lyd_node *edit = NULL, *tree = NULL, *diff = NULL;
	struct vnm_err err = {0};
	char *xml = NULL;
	bool locked = false;

	r = config_text(cfg, vs, &xml);
	if (r)
		return r;
	/* a large edit is held three times over (the request's tree, its
	 * text, the edit's tree) while the transaction runs: each goes as
	 * soon as what comes next is made of it (10,000 VLs: tens of MB off
	 * the peak) */
	lyd_free_tree(cfg);
	if (vnm_edit_parse(s->ctx, xml, &edit, &err)) {
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto cleanup;
	}
	free(xml);
	xml = NULL;

	pthread_mutex_lock(&s->ds_lock);
	locked = true;
	if (!test_only && (r = vnm_ds_check_writable(ds, vs)))
		goto cleanup;
	if (ds == VNM_DS_RUNNING && !test_only && !edit_in_place(s, edit, dflt, vs, &r))
		goto cleanup;
	if (vnm_ds_read(ds, &tree, &err) ||
	    vnm_edit_apply(s->ctx, &tree, edit, dflt, erropt, &diff, &err) ||
	    diff_if_unknown(ds, tree, &diff, &err)) {
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto cleanup;
	}
	lyd_free_all(edit);
	edit = NULL;
	if (diff && (r = vnm_nacm_write(vs, diff)))
		goto cleanup;
	if (test_only) {
		if (vnm_core_validate(s->core, tree, &err))
			r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto cleanup;
	}
	if (ds == VNM_DS_CANDIDATE) {
		if (diff) {
			candidate_set(tree);
			tree = NULL;
		}
		goto cleanup;
	}
	if (!diff)
		goto cleanup; /* nothing changes */
	if (ds == VNM_DS_STARTUP) {
		/* as copy-config to startup: checked as running would be, then kept */
		if ((tree && vnm_core_validate(s->core, tree, &err)) ||
		    vnm_core_startup_save(s->core, tree, &err))
			r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto cleanup;
	}
	/* tree was built for this commit: running takes it over */
	if (vnm_core_commit_take(s->core, &tree, &diff, &err)) {
		vnm_log_warn("netconf: running not changed: %s", err.msg);
		if (erropt == VNM_ERROPT_CONTINUE)
			vnm_err_prefix(&err, "error-option continue-on-error cannot apply to "
					     "running, whose changes are all-or-nothing; nothing "
					     "was changed");
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
	}
cleanup:
	if (locked)
		pthread_mutex_unlock(&s->ds_lock);
	free(xml);
	lyd_free_all(edit);
	lyd_free_all(tree);
	lyd_free_all(diff);
	return r ? r : nc_server_reply_ok();
}

struct nc_server_reply *vnm_rpc_edit_config(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct nc_server_reply *r;
	struct lyd_node *cfg = NULL;
	enum vnm_edit_op dflt = VNM_OP_MERGE;
	enum vnm_error_option erropt = VNM_ERROPT_STOP;
	const char *v;
	bool test_only = false;
	enum vnm_ds ds;

	r = param_ds(rpc, "target", &ds, NULL);
	if (r)
		return r;
	if (ds == VNM_DS_STARTUP)
		return vnm_reply_tag(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, "startup", NULL,
				     "edit-config cannot target startup; use copy-config, or "
				     "edit-data on ietf-datastores:startup");
	if ((v = leaf_str(rpc, "default-operation"))) {
		if (!strcmp(v, "replace"))
			dflt = VNM_OP_REPLACE;
		else if (!strcmp(v, "none"))
			dflt = VNM_OP_NONE;
	}
	if ((v = leaf_str(rpc, "test-option")) && !strcmp(v, "test-only"))
		test_only = true;
	if ((v = leaf_str(rpc, "error-option"))) {
		if (!strcmp(v, "rollback-on-error"))
			erropt = VNM_ERROPT_ROLLBACK;
		else if (!strcmp(v, "continue-on-error"))
			erropt = VNM_ERROPT_CONTINUE;
	}
	if (lyd_find_path(rpc, "config", 0, &cfg) || !cfg)
		return vnm_reply_tag(NC_ERR_MISSING_ELEM, NC_ERR_TYPE_PROT, "config", NULL,
				     "edit-config needs a <config> element");
	return vnm_ds_edit(ds, cfg, dflt, erropt, test_only, vnm_sess_of(ncs));
}

struct nc_server_reply *vnm_rpc_copy_config(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct vnm_server *s = vnm_srv;
	struct vnm_sess *vs = vnm_sess_of(ncs);
	struct nc_server_reply *r;
	struct lyd_node *cfg = NULL, *tree = NULL;
	struct vnm_err err = {0};
	enum vnm_ds src = VNM_DS_COUNT, dst;

	r = param_ds(rpc, "target", &dst, NULL);
	if (!r)
		r = param_ds(rpc, "source", &src, &cfg);
	if (r)
		return r;
	if (!cfg && src == dst)
		return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "source", NULL,
				     "copy-config: source and target are both %s", vnm_ds_name(src));
	if (cfg && (r = inline_tree(cfg, &tree)))
		return r;

	pthread_mutex_lock(&s->ds_lock);
	if ((r = vnm_ds_check_writable(dst, vs)))
		goto cleanup;
	if (!cfg && vnm_ds_read(src, &tree, &err)) {
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto cleanup;
	}
	if ((r = vnm_nacm_write_ds(vs, dst, tree)))
		goto cleanup;
	switch (dst) {
	case VNM_DS_RUNNING:
		if (vnm_ds_commit_running(tree, NULL, &err))
			r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		break;
	case VNM_DS_CANDIDATE:
		candidate_set(tree);
		tree = NULL;
		break;
	case VNM_DS_STARTUP:
		if (tree && vnm_core_validate(s->core, tree, &err))
			r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		else if (vnm_core_startup_save(s->core, tree, &err))
			r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		break;
	default:
		break;
	}
cleanup:
	pthread_mutex_unlock(&s->ds_lock);
	lyd_free_all(tree);
	return r ? r : nc_server_reply_ok();
}

struct nc_server_reply *vnm_rpc_delete_config(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct vnm_server *s = vnm_srv;
	struct nc_server_reply *r;
	struct vnm_err err = {0};
	enum vnm_ds ds;

	r = param_ds(rpc, "target", &ds, NULL);
	if (r)
		return r;
	if (ds == VNM_DS_RUNNING)
		return vnm_reply_tag(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, "running", NULL,
				     "delete-config cannot delete running (RFC 6241 7.4); "
				     "use copy-config or edit-config to empty it");
	pthread_mutex_lock(&s->ds_lock);
	if ((r = vnm_ds_check_writable(ds, vnm_sess_of(ncs))) ||
	    (r = vnm_nacm_write_ds(vnm_sess_of(ncs), ds, NULL)))
		goto cleanup;
	if (ds == VNM_DS_CANDIDATE)
		candidate_set(NULL);
	else if (vnm_core_startup_delete(s->core, &err))
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
cleanup:
	pthread_mutex_unlock(&s->ds_lock);
	return r ? r : nc_server_reply_ok();
}

struct nc_server_reply *vnm_rpc_lock(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct vnm_server *s = vnm_srv;
	struct nc_server_reply *r;
	uint32_t me = nc_session_get_id(ncs), holder;
	struct lyd_node *e;
	enum vnm_ds ds;

	r = param_ds(rpc, "target", &ds, NULL);
	if (r)
		return r;
	pthread_mutex_lock(&s->st_lock);
	holder = s->lock_sid[ds];
	if (holder) {
		e = nc_err(s->ctx, NC_ERR_LOCK_DENIED, holder);
		vnm_err_set_msg(e, holder == me ? "this session holds the lock already"
					       : "the lock is held by another session; its "
						 "session-id is in error-info");
		r = nc_server_reply_err(e);
	} else if (ds == VNM_DS_CANDIDATE && s->cand_modified) {
		e = nc_err(s->ctx, NC_ERR_LOCK_DENIED, (uint32_t)0);
		vnm_err_set_msg(e, "the candidate has uncommitted changes; commit or "
				   "discard-changes first (RFC 6241 7.5)");
		r = nc_server_reply_err(e);
	} else {
		s->lock_sid[ds] = me;
		s->lock_time[ds] = time(NULL);
		vnm_log_info("netconf: %s locked by session %u", ds_names[ds], me);
	}
	pthread_mutex_unlock(&s->st_lock);
	return r ? r : nc_server_reply_ok();
}

struct nc_server_reply *vnm_rpc_unlock(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct vnm_server *s = vnm_srv;
	struct nc_server_reply *r;
	struct lyd_node *old = NULL;
	uint32_t me = nc_session_get_id(ncs), holder;
	enum vnm_ds ds;

	r = param_ds(rpc, "target", &ds, NULL);
	if (r)
		return r;
	pthread_mutex_lock(&s->st_lock);
	holder = s->lock_sid[ds];
	if (holder != me) {
		r = vnm_reply_tag(NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT, NULL, NULL,
				  holder ? "the %s datastore is locked by session %u, not by this "
					   "session"
					 : "the %s datastore is not locked",
				  ds_names[ds], holder);
	} else {
		s->lock_sid[ds] = 0;
		if (ds == VNM_DS_CANDIDATE)
			old = candidate_take();
		vnm_log_info("netconf: %s unlocked by session %u", ds_names[ds], me);
	}
	pthread_mutex_unlock(&s->st_lock);
	lyd_free_all(old);
	return r ? r : nc_server_reply_ok();
}

struct nc_server_reply *vnm_rpc_validate(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct vnm_server *s = vnm_srv;
	struct nc_server_reply *r;
	struct lyd_node *cfg = NULL, *tree = NULL;
	struct vnm_err err = {0};
	enum vnm_ds ds = VNM_DS_COUNT;
	int rc;

	(void)ncs;
	r = param_ds(rpc, "source", &ds, &cfg);
	if (r)
		return r;
	if (cfg) {
		r = inline_tree(cfg, &tree);
		if (r)
			return r;
	} else {
		rc = vnm_ds_read(ds, &tree, &err);
		if (rc)
			return vnm_reply_err(&err, NC_ERR_TYPE_APP);
		/* stored trees were valid YANG when stored; validate again all the same */
		if (tree && lyd_validate_all(&tree, NULL, LYD_VALIDATE_NO_STATE, NULL)) {
			vnm_err_from_ly(&err, s->ctx, VNM_E_INVALID, "the datastore is not valid");
			lyd_free_all(tree);
			return vnm_reply_err(&err, NC_ERR_TYPE_APP);
		}
	}
	if (tree && vnm_core_validate(s->core, tree, &err))
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
	lyd_free_all(tree);
	return r ? r : nc_server_reply_ok();
}

struct nc_server_reply *vnm_rpc_discard(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct vnm_server *s = vnm_srv;
	struct nc_server_reply *r;

	(void)rpc;
	pthread_mutex_lock(&s->ds_lock);
	r = vnm_ds_check_writable(VNM_DS_CANDIDATE, vnm_sess_of(ncs));
	if (!r)
		vnm_ds_candidate_discard();
	pthread_mutex_unlock(&s->ds_lock);
	return r ? r : nc_server_reply_ok();
}
