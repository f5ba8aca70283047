/*
 * actions.c - the YANG 1.1 actions of the vnmd module.
 *
 * An action is an edit of running committed through the core like any other
 * (one transaction, <ok/> once reality matches), so the configuration always
 * says what the network does: router start/stop/pause/resume set the
 * router's admin-state, copy adds a node (and a VL to it, see vr_copy),
 * move changes the supporting-node;
 * the network actions set the VN's admin-state.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "server_p.h"
#include "yctx.h"

#define NW "/ietf-network:networks/network"

static const char *q(const char *v, char *buf, size_t len)
{
	snprintf(buf, len, strchr(v, '\'') ? "\"%s\"" : "'%s'", v);
	return buf;
}

static const char *key_of(const struct lyd_node *list, const char *key)
{
	struct lyd_node *k = NULL;

	if (!list || lyd_find_path(list, key, 0, &k) || !k)
		return NULL;
	return lyd_get_value(k);
}

/* The first child of n called name (lists included, unlike lyd_find_path). */
static struct lyd_node *child_named(struct lyd_node *n, const char *name)
{
	struct lyd_node *c;

	LY_LIST_FOR(lyd_child(n), c) {
		if (c->schema && !strcmp(c->schema->name, name))
			return c;
	}
	return NULL;
}

/* The ancestor of n that is the list called name. */
static struct lyd_node *ancestor(struct lyd_node *n, const char *name)
{
	for (n = n ? lyd_parent(n) : NULL; n; n = lyd_parent(n)) {
		if (n->schema && !strcmp(n->schema->name, name))
			return n;
	}
	return NULL;
}

static const char *admin_for(const char *action)
{
	if (!strcmp(action, "start") || !strcmp(action, "resume"))
		return "running";
	if (!strcmp(action, "stop"))
		return "stopped";
	if (!strcmp(action, "pause"))
		return "paused";
	return NULL;
}

/* Whether a VL of net ends on vNIC tp of router vr. */
static bool tp_linked(struct lyd_node *net, const char *vr, const char *tp)
{
	struct lyd_node *l;
	const char *n, *t;

	LY_LIST_FOR(lyd_child(net), l) {
		if (!l->schema || strcmp(l->schema->name, "link"))
			continue;
		n = key_of(l, "ietf-network-topology:source/source-node");
		t = key_of(l, "ietf-network-topology:source/source-tp");
		if (n && t && !strcmp(n, vr) && !strcmp(t, tp))
			return true;
		n = key_of(l, "ietf-network-topology:destination/dest-node");
		t = key_of(l, "ietf-network-topology:destination/dest-tp");
		if (n && t && !strcmp(n, vr) && !strcmp(t, tp))
			return true;
	}
	return false;
}

/*
 * Clone node (a VR) as new_id in the same network: the same router and
 * vNICs, without configured MACs (the copy derives its own).  A VN must stay
 * a connected graph, so the copy is joined to its original by a new VL
 * "<new_id>-link" between the original's first vNIC without a VL and the
 * copy's vNIC of the same name.  Without such a vNIC the copy would be cut
 * off: the action is refused here, naming the vNIC that is missing, rather
 * than left to the core, which could only say that the VN is not connected.
 */
static int vr_copy(struct lyd_node *node, const char *new_id, struct vnm_err *err)
{
	struct lyd_node *net = lyd_parent(node), *copy = NULL, *c;
	struct ly_set *macs = NULL;
	const char *orig = key_of(node, "node-id"), *free_tp = NULL, *tp;
	char p[600], q1[300];
	uint32_t i;

	if (lyd_new_list(net, NULL, "node", 0, &copy, new_id))
		return vnm_err_from_ly(err, vnm_srv->ctx, VNM_E_INVALID, "copy");
	LY_LIST_FOR(lyd_child(node), c) {
		if (c->schema && (c->schema->flags & LYS_KEY))
			continue;
		if (!free_tp && c->schema && !strcmp(c->schema->name, "termination-point") &&
		    (tp = key_of(c, "tp-id")) && !tp_linked(net, orig, tp))
			free_tp = tp;
		if (lyd_dup_single(c, (struct lyd_node_inner *)copy, LYD_DUP_RECURSIVE, NULL))
			return vnm_err_from_ly(err, vnm_srv->ctx, VNM_E_INTERNAL, "copy");
	}
	if (!lyd_find_xpath(copy, "ietf-network-topology:termination-point/vnmd:vnic/vnmd:mac-address",
			    &macs)) {
		for (i = 0; i < macs->count; i++)
			lyd_free_tree(macs->dnodes[i]);
	}
	ly_set_free(macs, NULL);
	if (!free_tp)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "copy of router %s: it has no free vNIC (every termination-point "
				   "of %s already has a virtual link), so the copy %s could not be "
				   "linked to it; add a termination-point to %s for the link to %s",
				   orig, orig, new_id, orig, new_id);
	snprintf(p, sizeof(p), "%s-link", new_id);
	snprintf(p, sizeof(p), "ietf-network-topology:link[link-id=%s]", q(p, q1, sizeof(q1)));
	if (lyd_new_path(net, NULL, p, NULL, 0, &c) || lyd_find_path(net, p, 0, &c) ||
	    lyd_new_path(c, NULL, "source/source-node", orig, 0, NULL) ||
	    lyd_new_path(c, NULL, "source/source-tp", free_tp, 0, NULL) ||
	    lyd_new_path(c, NULL, "destination/dest-node", new_id, 0, NULL) ||
	    lyd_new_path(c, NULL, "destination/dest-tp", free_tp, 0, NULL) ||
	    lyd_new_path(c, NULL, "vnmd:virtual-link", NULL, 0, NULL))
		return vnm_err_from_ly(err, vnm_srv->ctx, VNM_E_INVALID, "copy: the link to the copy");
	return 0;
}

/* Point node's supporting-node at host (in the same underlay). */
static int vr_move(struct lyd_node *node, const char *host, struct vnm_err *err,
		   const char *path)
{
	struct lyd_node *sn, *hn = NULL;
	const char *under;
	char q1[300], q2[300], p[700];
	char *under_copy;
	int rc;

	if (!(sn = child_named(node, "supporting-node")))
		return vnm_err_set(err, VNM_E_INVALID, path,
				   "router %s has no supporting-node to move from", key_of(node, "node-id"));
	under = key_of(sn, "network-ref");
	snprintf(p, sizeof(p), NW "[network-id=%s]/node[node-id=%s]", q(under, q1, sizeof(q1)),
		 q(host, q2, sizeof(q2)));
	if (lyd_find_path(lyd_first_sibling(lyd_parent(lyd_parent(node))), p, 0, &hn) || !hn)
		return vnm_err_set(err, VNM_E_MISSING, path,
				   "move: there is no host %s in the underlay %s", host, under);
	if (!strcmp(key_of(sn, "node-ref"), host))
		return 0;
	under_copy = strdup(under);
	if (!under_copy)
		return vnm_err_set(err, VNM_E_NOMEM, path, "out of memory");
	lyd_free_tree(sn);
	rc = lyd_new_list(node, NULL, "supporting-node", 0, NULL, under_copy, host) ? -1 : 0;
	free(under_copy);
	if (rc)
		return vnm_err_from_ly(err, vnm_srv->ctx, VNM_E_INVALID, "move");
	return 0;
}

struct nc_server_reply *vnm_rpc_action(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct vnm_server *s = vnm_srv;
	struct nc_server_reply *r = NULL;
	struct lyd_node *act = NULL, *e, *cfg = NULL, *target = NULL, *in = NULL;
	struct vnm_err err = {0};
	const char *vn, *vr = NULL, *aname, *admin, *arg = NULL;
	char q1[300], q2[300], path[800];
	bool changed = true;

	LYD_TREE_DFS_BEGIN(rpc, e) {
		if (e->schema && e->schema->nodetype == LYS_ACTION) {
			act = e;
			break;
		}
		LYD_TREE_DFS_END(rpc, e);
	}
	if (!act || !(vn = key_of(ancestor(act, "network"), "network-id")))
		return vnm_reply_tag(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
				     "unknown action");
	aname = act->schema->name;
	if (!strcmp(lyd_parent(act)->schema->name, "router")) {
		vr = key_of(ancestor(act, "node"), "node-id");
		snprintf(path, sizeof(path), NW "[network-id=%s]/node[node-id=%s]",
			 q(vn, q1, sizeof(q1)), q(vr ? vr : "", q2, sizeof(q2)));
	} else {
		snprintf(path, sizeof(path), NW "[network-id=%s]", q(vn, q1, sizeof(q1)));
	}
	if (!strcmp(aname, "copy") || !strcmp(aname, "move")) {
		const char *pn = !strcmp(aname, "copy") ? "node-id" : "host";

		if (lyd_find_path(act, pn, 0, &in) || !in)
			return vnm_reply_tag(NC_ERR_MISSING_ELEM, NC_ERR_TYPE_PROT, pn, path,
					     "%s of router %s in network %s needs <%s>", aname,
					     vr ? vr : "?", vn, pn);
		arg = lyd_get_value(in);
	}

	pthread_mutex_lock(&s->ds_lock);
	if ((r = vnm_ds_check_writable(VNM_DS_RUNNING, vnm_sess_of(ncs))))
		goto cleanup;
	if (vnm_ds_read(VNM_DS_RUNNING, &cfg, &err)) {
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto cleanup;
	}
	if (!cfg || lyd_find_path(cfg, path, 0, &target) || !target) {
		r = vnm_reply_tag(NC_ERR_DATA_MISSING, NC_ERR_TYPE_APP, NULL, path,
				  vr ? "%s: there is no router %s in network %s"
				     : "%s: there is no network %s%s",
				  aname, vr ? vr : vn, vr ? vn : "");
		goto cleanup;
	}
	if (vr && !strcmp(aname, "copy")) {
		char p2[800];
		struct lyd_node *dup = NULL;

		snprintf(p2, sizeof(p2), NW "[network-id=%s]/node[node-id=%s]",
			 q(vn, q1, sizeof(q1)), q(arg, q2, sizeof(q2)));
		if (!lyd_find_path(cfg, p2, 0, &dup) && dup) {
			r = vnm_reply_tag(NC_ERR_DATA_EXISTS, NC_ERR_TYPE_APP, NULL, p2,
					  "copy: network %s has a node %s already; choose another node-id",
					  vn, arg);
			goto cleanup;
		}
		if (vr_copy(target, arg, &err)) {
			r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
			goto cleanup;
		}
	} else if (vr && !strcmp(aname, "move")) {
		struct lyd_node *sn = NULL;

		if ((sn = child_named(target, "supporting-node")) &&
		    !strcmp(key_of(sn, "node-ref"), arg))
			changed = false;
		else if (vr_move(target, arg, &err, path)) {
			r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
			goto cleanup;
		}
	} else if ((admin = admin_for(aname))) {
		const char *leaf = vr ? "vnmd:router/admin-state" : "vnmd:virtual-network/admin-state";
		struct lyd_node *old = NULL;

		if (!lyd_find_path(target, leaf, 0, &old) && old && !(old->flags & LYD_DEFAULT) &&
		    !strcmp(lyd_get_value(old), admin))
			changed = false;
		else if (lyd_new_path(target, NULL, leaf, admin, LYD_NEW_PATH_UPDATE, NULL)) {
			vnm_err_from_ly(&err, s->ctx, VNM_E_INVALID, aname);
			r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
			goto cleanup;
		}
	} else {
		r = vnm_reply_tag(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, aname, path,
				  "vnmd does not implement the action %s", aname);
		goto cleanup;
	}
	if (!changed)
		goto cleanup;
	if (lyd_validate_all(&cfg, NULL, LYD_VALIDATE_NO_STATE, NULL)) {
		vnm_err_from_ly(&err, s->ctx, VNM_E_INVALID, aname);
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto cleanup;
	}
	if (vnm_ds_commit_running(cfg, NULL, &err))
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
cleanup:
	pthread_mutex_unlock(&s->ds_lock);
	lyd_free_all(cfg);
	return r ? r : nc_server_reply_ok();
}
