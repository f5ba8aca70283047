/*
 * notif.c - RFC 5277 event notifications.
 *
 * A session subscribes with <create-subscription> to the NETCONF stream
 * (the only one), optionally with a subtree filter; replay (startTime, and
 * stopTime, which RFC 5277 allows only with it) is not offered.  Every change the core announces becomes a
 * notification: a router's oper-state (vnmd:router-oper-state-change, with
 * libvirt's reason), a link's (vnmd:link-oper-state-change), a commit to
 * running (ietf-netconf-notifications:netconf-config-change).
 *
 * The core calls on_core_event on its own threads: the notification is
 * built there and queued; one sender thread delivers the queue to every
 * subscribed session, so a slow client never holds up the core.  A
 * session's subscription ends with the session (vnm_notif_session_end,
 * called before libnetconf2 frees it).
 */
#include "server_p.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>

#include "filter.h"
#include "log.h"

struct nsub {
	struct nc_session *ncs;
	char *filter;       /* subtree filter (XML), NULL: everything */
	char *xpath;        /* XPath filter (module-name prefixes), or NULL */
};

struct nev {
	struct lyd_node *tree;
	char *time;
	struct nev *next;
};

static struct {
	pthread_mutex_t lock;   /* subs, queue, stop */
	pthread_cond_t cond;
	struct nsub *subs;
	size_t n_subs;
	struct nev *head, **tail;
	bool stop, started;
	const struct ly_ctx *ctx;
	pthread_t thr;
} N = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void nev_free(struct nev *e)
{
	if (!e)
		return;
	lyd_free_all(e->tree);
	free(e->time);
	free(e);
}

/* ------------------------------------------------------------------ */
/* Building notifications from core events                             */
/* ------------------------------------------------------------------ */

static int leaf(struct lyd_node *parent, const char *name, const char *value)
{
	return lyd_new_term(parent, NULL, name, value, 0, NULL) ? -1 : 0;
}

/* RFC 6470's common-session-parms of vs under n.  The source host is left
 * out when there is none (the UNIX socket) or libyang takes it for no
 * address. */
static int session_parms(struct lyd_node *n, const struct vnm_sess *vs)
{
	char id[16];

	snprintf(id, sizeof(id), "%u", vs->id);
	if (leaf(n, "username", vs->user) || leaf(n, "session-id", id))
		return -1;
	if (vs->host[0])
		(void)leaf(n, "source-host", vs->host);
	return 0;
}

static struct lyd_node *build_config_change(const struct ly_ctx *ctx)
{
	const struct lys_module *m = ly_ctx_get_module_implemented(ctx, "ietf-netconf-notifications");
	const struct vnm_sess *vs = vnm_rpc_sess;
	struct lyd_node *n = NULL, *c = NULL;

	/* a commit by a session's RPC runs on that RPC's thread (core_emit is
	 * synchronous); anything else (a confirmed commit's timeout, the
	 * server's own reconciliation) is the server's */
	if (!m || lyd_new_inner(NULL, m, "netconf-config-change", 0, &n) ||
	    lyd_new_inner(n, NULL, "changed-by", 0, &c) ||
	    (vs ? session_parms(c, vs) : leaf(c, "server", NULL)) ||
	    leaf(n, "datastore", "running")) {
		lyd_free_all(n);
		return NULL;
	}
	return n;
}

static int leaf_u64(struct lyd_node *parent, const char *name, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	return leaf(parent, name, b);
}

static struct lyd_node *build_guarantee(const struct ly_ctx *ctx, const struct vnm_event *ev)
{
	const struct lys_module *m = ly_ctx_get_module_implemented(ctx, "vnmd");
	struct lyd_node *n = NULL;

	if (!m || lyd_new_inner(NULL, m, "guarantee-violated", 0, &n) ||
	    leaf(n, "network-ref", ev->vn) || leaf(n, "link-ref", ev->obj) ||
	    leaf(n, "state", ev->violated ? "raised" : "cleared") ||
	    leaf_u64(n, "guaranteed-rate", ev->guaranteed) ||
	    leaf_u64(n, "carried-rate-out", ev->rate_out) ||
	    leaf_u64(n, "carried-rate-in", ev->rate_in) ||
	    (ev->reason && leaf(n, "reason", ev->reason))) {
		lyd_free_all(n);
		return NULL;
	}
	return n;
}

static struct lyd_node *build(const struct ly_ctx *ctx, const struct vnm_event *ev)
{
	const struct lys_module *m;
	struct lyd_node *n = NULL;

	switch (ev->kind) {
	case VNM_EV_VR_OPER:
		m = ly_ctx_get_module_implemented(ctx, "vnmd");
		if (!m || lyd_new_inner(NULL, m, "router-oper-state-change", 0, &n) ||
		    leaf(n, "network-ref", ev->vn) || leaf(n, "node-ref", ev->obj) ||
		    leaf(n, "oper-state", vnm_vr_oper_str(ev->vr_state)) ||
		    (ev->reason && leaf(n, "reason", ev->reason)))
			goto fail;
		return n;
	case VNM_EV_VL_OPER:
		m = ly_ctx_get_module_implemented(ctx, "vnmd");
		if (!m || lyd_new_inner(NULL, m, "link-oper-state-change", 0, &n) ||
		    leaf(n, "network-ref", ev->vn) || leaf(n, "link-ref", ev->obj) ||
		    leaf(n, "oper-state", ev->vl_up ? "up" : "down") ||
		    (ev->reason && leaf(n, "reason", ev->reason)))
			goto fail;
		return n;
	case VNM_EV_CONFIG:
		return build_config_change(ctx);
	case VNM_EV_VL_GUARANTEE:
		return build_guarantee(ctx, ev);
	}
fail:
	lyd_free_all(n);
	return NULL;
}

void vnm_notif_send(struct lyd_node *tree)
{
	struct nev *e;
	size_t n;

	pthread_mutex_lock(&N.lock);
	n = N.n_subs;
	pthread_mutex_unlock(&N.lock);
	if (!n || !tree) {
		lyd_free_all(tree);
		return;
	}
	e = calloc(1, sizeof(*e));
	if (!e || ly_time_time2str(time(NULL), NULL, &e->time) != LY_SUCCESS) {
		vnm_log_warn("netconf: a notification could not be built (out of memory)");
		lyd_free_all(tree);
		nev_free(e);
		return;
	}
	e->tree = tree;
	pthread_mutex_lock(&N.lock);
	*N.tail = e;
	N.tail = &e->next;
	pthread_cond_signal(&N.cond);
	pthread_mutex_unlock(&N.lock);
}

static void session_notif(const struct vnm_sess *vs, bool start, const char *reason,
			  uint32_t killed_by)
{
	const struct lys_module *m;
	struct lyd_node *n = NULL;
	char id[16];
	size_t subs;

	pthread_mutex_lock(&N.lock);
	subs = N.n_subs;
	pthread_mutex_unlock(&N.lock);
	if (!subs || !N.ctx)
		return; /* nobody listens: build nothing */
	m = ly_ctx_get_module_implemented(N.ctx, "ietf-netconf-notifications");
	if (!m || lyd_new_inner(NULL, m, start ? "netconf-session-start" : "netconf-session-end",
				0, &n) || session_parms(n, vs))
		goto fail;
	if (!start) {
		snprintf(id, sizeof(id), "%u", killed_by);
		if ((killed_by && leaf(n, "killed-by", id)) || leaf(n, "termination-reason", reason))
			goto fail;
	}
	vnm_notif_send(n);
	return;
fail:
	vnm_log_warn("netconf: the notification of session %u's %s could not be built", vs->id,
		     start ? "start" : "end");
	lyd_free_all(n);
}

void vnm_notif_session_start(const struct vnm_sess *vs)
{
	session_notif(vs, true, NULL, 0);
}

void vnm_notif_session_gone(const struct vnm_sess *vs, const char *reason, uint32_t killed_by)
{
	session_notif(vs, false, reason, killed_by);
}

static void on_core_event(void *arg, const struct vnm_event *ev)
{
	struct lyd_node *tree;
	size_t n;

	(void)arg;
	pthread_mutex_lock(&N.lock);
	n = N.n_subs;
	pthread_mutex_unlock(&N.lock);
	if (!n)
		return; /* nobody listens: build nothing */
	tree = build(N.ctx, ev);
	if (!tree) {
		vnm_log_warn("netconf: a notification could not be built (out of memory)");
		return;
	}
	vnm_notif_send(tree);
}

/* ------------------------------------------------------------------ */
/* Delivery                                                            */
/* ------------------------------------------------------------------ */

/* The notification for a subscriber with a subtree filter (a filtered
 * copy), or NULL when its filter keeps nothing.  Caller holds N.lock. */
static struct lyd_node *for_sub(const struct nsub *sub, const struct lyd_node *tree)
{
	struct lyd_node *out = NULL;
	struct vnm_err err;

	if (vnm_filter_subtree(tree, sub->filter, &out, &err))
		return NULL;
	return out;
}

/* Whether a subscriber's XPath filter selects anything of the notification
 * (then it gets all of it, as netopeer2 does). */
static bool xpath_selects(const struct nsub *sub, const struct lyd_node *tree)
{
	struct ly_set *set = NULL;
	bool hit;

	if (lyd_find_xpath(tree, sub->xpath, &set))
		return false;
	hit = set->count > 0;
	ly_set_free(set, NULL);
	return hit;
}

static void send_to(struct nsub *sub, struct lyd_node *tree, const char *time_str)
{
	struct nc_server_notif *nf;
	NC_MSG_TYPE r;

	/* RFC 8341 3.4.6: a notification the user may not read is not sent */
	if (!vnm_nacm_notif(vnm_sess_of(sub->ncs), tree))
		return;
	nf = nc_server_notif_new(tree, (char *)time_str, NC_PARAMTYPE_CONST);
	if (!nf)
		return;
	r = nc_server_notif_send(sub->ncs, nf, 2000);
	nc_server_notif_free(nf);
	/* a client that reads nothing for 2 s loses the notification, not
	 * the others theirs */
	if (r != NC_MSG_NOTIF)
		vnm_log_warn("netconf: a notification to session %u was not delivered",
			     nc_session_get_id(sub->ncs));
}

static void *sender_main(void *arg)
{
	struct lyd_node *t;
	struct nev *e;
	size_t i;

	(void)arg;
	pthread_mutex_lock(&N.lock);
	while (!N.stop) {
		if (!N.head)
			pthread_cond_wait(&N.cond, &N.lock);
		while ((e = N.head)) {
			N.head = e->next;
			if (!N.head)
				N.tail = &N.head;
			/* sessions cannot go away meanwhile: their end waits
			 * for N.lock (vnm_notif_session_end) */
			for (i = 0; i < N.n_subs; i++) {
				if (N.subs[i].xpath) {
					if (xpath_selects(&N.subs[i], e->tree))
						send_to(&N.subs[i], e->tree, e->time);
					continue;
				}
				if (!N.subs[i].filter) {
					send_to(&N.subs[i], e->tree, e->time);
					continue;
				}
				if (!(t = for_sub(&N.subs[i], e->tree)))
					continue;
				send_to(&N.subs[i], t, e->time);
				lyd_free_all(t);
			}
			nev_free(e);
		}
	}
	pthread_mutex_unlock(&N.lock);
	return NULL;
}

int vnm_notif_start(struct vnm_server *s, struct vnm_err *err)
{
	N.tail = &N.head;
	N.stop = false;
	N.ctx = s->ctx;
	if (!ly_ctx_get_module_implemented(s->ctx, "notifications"))
		return 0; /* no RFC 5277 module: no capability, nothing to do */
	/* libnetconf2 2.0 announces the modules, not the capabilities */
	nc_server_set_capability("urn:ietf:params:netconf:capability:notification:1.0");
	if (ly_ctx_get_module_implemented(s->ctx, "nc-notifications"))
		nc_server_set_capability("urn:ietf:params:netconf:capability:interleave:1.0");
	if (pthread_create(&N.thr, NULL, sender_main, NULL))
		return vnm_err_set(err, VNM_E_INTERNAL, NULL,
				   "netconf: cannot start the notification thread");
	N.started = true;
	if (vnm_core_subscribe(s->core, on_core_event, s) < 0)
		vnm_log_warn("netconf: notifications: cannot subscribe to the core's events");
	return 0;
}

void vnm_notif_stop(void)
{
	struct nev *e;

	if (!N.started)
		return;
	pthread_mutex_lock(&N.lock);
	N.stop = true;
	pthread_cond_signal(&N.cond);
	pthread_mutex_unlock(&N.lock);
	pthread_join(N.thr, NULL);
	N.started = false;
	while ((e = N.head)) {
		N.head = e->next;
		nev_free(e);
	}
	N.tail = &N.head;
	pthread_mutex_lock(&N.lock);
	while (N.n_subs) {
		N.n_subs--;
		free(N.subs[N.n_subs].filter);
		free(N.subs[N.n_subs].xpath);
	}
	free(N.subs);
	N.subs = NULL;
	pthread_mutex_unlock(&N.lock);
}

void vnm_notif_session_end(struct nc_session *ncs)
{
	size_t i;

	pthread_mutex_lock(&N.lock);
	for (i = 0; i < N.n_subs; i++) {
		if (N.subs[i].ncs == ncs) {
			free(N.subs[i].filter);
			free(N.subs[i].xpath);
			N.subs[i] = N.subs[--N.n_subs];
			break;
		}
	}
	pthread_mutex_unlock(&N.lock);
}

/* ------------------------------------------------------------------ */
/* <create-subscription>                                               */
/* ------------------------------------------------------------------ */

/* The filter of a subscription, into sub; NULL, or the error reply.  A bad
 * filter is refused now, never accepted and then left to match nothing.
 * libyang parses the unprefixed type and select attributes of a NETCONF
 * <filter> as ietf-netconf's annotations, the select expression with module
 * names for prefixes (from the declarations in scope on the element). */
static struct nc_server_reply *sub_filter(struct lyd_node *filter, struct nsub *sub)
{
	struct lyd_meta *type = lyd_find_meta(filter->meta, NULL, "ietf-netconf:type");
	struct lyd_meta *sel = lyd_find_meta(filter->meta, NULL, "ietf-netconf:select");
	struct lyd_node *probe = NULL;
	struct ly_set *set = NULL;
	struct vnm_err err;
	const char *xp;
	char *xml = NULL;

	if (type && !strcmp(lyd_get_meta_value(type), "xpath")) {
		xp = sel ? lyd_get_meta_value(sel) : NULL;
		if (!xp || !*xp)
			return vnm_reply_tag(NC_ERR_MISSING_ATTR, NC_ERR_TYPE_PROT, "filter", NULL,
					     "an XPath filter needs a select attribute");
		ly_err_clean((struct ly_ctx *)N.ctx, NULL);
		if (lys_find_xpath(N.ctx, NULL, xp, 0, &set)) {
			struct nc_server_reply *r = vnm_reply_tag(
				NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "filter", NULL,
				"the XPath filter select=\"%s\" is not valid: %s", xp,
				ly_errmsg(N.ctx) ? ly_errmsg(N.ctx) : "libyang refused it");
			return r;
		}
		if (!set->count) {
			ly_set_free(set, NULL);
			return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "filter", NULL,
					     "the XPath filter select=\"%s\" names nothing of the "
					     "modules vnmd has: it would select no notification", xp);
		}
		ly_set_free(set, NULL);
		sub->xpath = strdup(xp);
		return sub->xpath ? NULL : vnm_reply_tag(NC_ERR_RES_DENIED, NC_ERR_TYPE_APP, NULL,
							  NULL, "out of memory");
	}
	if (type && strcmp(lyd_get_meta_value(type), "subtree"))
		return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "filter", NULL,
				     "a filter of type \"%s\": vnmd has subtree and xpath filters",
				     lyd_get_meta_value(type));
	if (vnm_any_xml(filter, &xml))
		return vnm_reply_tag(NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC, "filter", NULL,
				     "the subtree filter cannot be read");
	if (vnm_filter_subtree(NULL, xml ? xml : "", &probe, &err)) {
		free(xml);
		return vnm_reply_err(&err, NC_ERR_TYPE_APP);
	}
	lyd_free_all(probe);
	sub->filter = xml ? xml : strdup("");
	return NULL;
}

struct nc_server_reply *vnm_rpc_create_subscription(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct lyd_node *n = NULL, *filter = NULL;
	struct nsub sub = {.ncs = ncs};
	struct nc_server_reply *r;
	struct nsub *t;
	size_t i;

	if (!N.started)
		return vnm_reply_tag(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, "create-subscription",
				     NULL, "notifications are not available");
	if (!lyd_find_path(rpc, "stream", 0, &n) && n && strcmp(lyd_get_value(n), "NETCONF"))
		return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, "stream", NULL,
				     "there is no stream %s: vnmd has the NETCONF stream only",
				     lyd_get_value(n));
	if (!lyd_find_path(rpc, "startTime", 0, &n) && n)
		return vnm_reply_tag(NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT, "startTime", NULL,
				     "replay is not supported: subscribe without startTime");
	if (!lyd_find_path(rpc, "stopTime", 0, &n) && n)
		return vnm_reply_tag(NC_ERR_BAD_ELEM, NC_ERR_TYPE_APP, "stopTime", NULL,
				     "stopTime needs startTime (RFC 5277), and replay is not "
				     "supported: subscribe without either");
	if (!lyd_find_path(rpc, "filter", 0, &filter) && filter &&
	    (r = sub_filter(filter, &sub)))
		return r;
	pthread_mutex_lock(&N.lock);
	for (i = 0; i < N.n_subs; i++) {
		if (N.subs[i].ncs == ncs) {
			pthread_mutex_unlock(&N.lock);
			free(sub.filter);
			free(sub.xpath);
			return vnm_reply_tag(NC_ERR_IN_USE, NC_ERR_TYPE_PROT, "create-subscription",
					     NULL, "this session is subscribed already (RFC 5277 "
					     "allows one subscription per session)");
		}
	}
	t = realloc(N.subs, (N.n_subs + 1) * sizeof(*t));
	if (!t) {
		pthread_mutex_unlock(&N.lock);
		free(sub.filter);
		free(sub.xpath);
		return vnm_reply_tag(NC_ERR_RES_DENIED, NC_ERR_TYPE_APP, NULL, NULL,
				     "out of memory");
	}
	N.subs = t;
	N.subs[N.n_subs++] = sub;
	nc_session_inc_notif_status(ncs);
	pthread_mutex_unlock(&N.lock);
	vnm_log_info("netconf: session %u subscribed to notifications%s",
		     nc_session_get_id(ncs), sub.xpath ? " (XPath filter)" :
		     sub.filter ? " (subtree filter)" : "");
	return nc_server_reply_ok();
}
