/*
 * notif.c - RFC 5277 event notifications.
 *
 * A session subscribes with <create-subscription> to the NETCONF stream
 * (the only one), optionally with a filter, and with startTime (and
 * stopTime) replays what the log (notif_log.h) kept: the replayed events,
 * then replayComplete, then live ones; at stopTime notificationComplete
 * ends the subscription.  Every change the core announces becomes a
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
#include <unistd.h>

#include <libyang/libyang.h>

#include "filter.h"
#include "log.h"
#include "notif_log.h"

#define REPLAY_CHUNK 64 /* replayed events sent per hold of N.lock */

struct nsub {
	struct nc_session *ncs;
	char *filter;       /* subtree filter (XML), NULL: everything */
	char *xpath;        /* XPath filter (module-name prefixes), or NULL */
	uint64_t live_from; /* the first live event it gets (by seq) */
	bool has_stop;
	struct timespec stop;
	struct vnm_nlog_rec *replay; /* the log's index of the events to replay */
	int replay_fd;               /* the log's file they are read from, or -1 */
	size_t n_replay, next_replay;
	bool replaying;     /* replayComplete not sent yet */
};

struct nev {
	struct lyd_node *tree;
	char *time;
	struct timespec t;
	uint64_t seq;
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
	struct vnm_nlog log;    /* under lock */
	bool log_on;
	uint64_t seq;           /* of the next event */
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

	char *xml = NULL;

	pthread_mutex_lock(&N.lock);
	n = N.n_subs;
	pthread_mutex_unlock(&N.lock);
	if ((!n && !N.log_on) || !tree) {
		lyd_free_all(tree);
		return;
	}
	e = calloc(1, sizeof(*e));
	if (e)
		clock_gettime(CLOCK_REALTIME, &e->t);
	if (!e || ly_time_ts2str(&e->t, &e->time) != LY_SUCCESS ||
	    (N.log_on && lyd_print_mem(&xml, tree, LYD_XML, LYD_PRINT_SHRINK))) {
		vnm_log_warn("netconf: a notification could not be built (out of memory)");
		lyd_free_all(tree);
		nev_free(e);
		return;
	}
	e->tree = tree;
	pthread_mutex_lock(&N.lock);
	if (xml)
		vnm_nlog_append(&N.log, e->time, xml);
	e->seq = N.seq++;
	if (N.n_subs) {
		*N.tail = e;
		N.tail = &e->next;
		pthread_cond_signal(&N.cond);
		e = NULL;
	}
	pthread_mutex_unlock(&N.lock);
	nev_free(e);
	free(xml);
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
	if ((!subs && !N.log_on) || !N.ctx)
		return; /* nobody listens, nothing is kept: build nothing */
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
	if (!n && !N.log_on)
		return; /* nobody listens, nothing is kept: build nothing */
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

/* A notification to one subscriber, through its filter. */
static void deliver(struct nsub *sub, struct lyd_node *tree, const char *time_str)
{
	struct lyd_node *t;

	if (sub->xpath) {
		if (xpath_selects(sub, tree))
			send_to(sub, tree, time_str);
		return;
	}
	if (!sub->filter) {
		send_to(sub, tree, time_str);
		return;
	}
	if ((t = for_sub(sub, tree))) {
		send_to(sub, t, time_str);
		lyd_free_all(t);
	}
}

/* RFC 5277's replayComplete or notificationComplete, now. */
static void send_marker(struct nsub *sub, const char *name)
{
	const struct lys_module *m = ly_ctx_get_module_implemented(N.ctx, "nc-notifications");
	struct lyd_node *n = NULL;
	struct timespec now;
	char *t = NULL;

	clock_gettime(CLOCK_REALTIME, &now);
	if (!m || lyd_new_inner(NULL, m, name, 0, &n) || ly_time_ts2str(&now, &t)) {
		vnm_log_warn("netconf: %s could not be built", name);
	} else {
		send_to(sub, n, t);
	}
	lyd_free_all(n);
	free(t);
}

static void sub_free(struct nsub *sub)
{
	size_t i;

	for (i = 0; i < sub->n_replay; i++)
		vnm_nlog_rec_free(&sub->replay[i]);
	free(sub->replay);
	if (sub->replay_fd >= 0)
		close(sub->replay_fd);
	free(sub->filter);
	free(sub->xpath);
}

/* Subscriber i's stopTime came: notificationComplete ends it (RFC 5277
 * 2.1.1); the session may subscribe again. */
static void sub_complete(size_t i)
{
	send_marker(&N.subs[i], "notificationComplete");
	nc_session_dec_notif_status(N.subs[i].ncs);
	vnm_log_info("netconf: session %u: its subscription reached its stopTime",
		     nc_session_get_id(N.subs[i].ncs));
	sub_free(&N.subs[i]);
	N.subs[i] = N.subs[--N.n_subs];
}

/* Some of subscriber i's replay; whether it has more to send. */
static bool replay_some(size_t i)
{
	struct nsub *sub = &N.subs[i];
	struct lyd_node *tree;
	struct ly_in *in;
	size_t k;

	for (k = 0; k < REPLAY_CHUNK && sub->next_replay < sub->n_replay; k++) {
		struct vnm_nlog_rec *r = &sub->replay[sub->next_replay++];
		char *time, *xml;

		if (vnm_nlog_read(sub->replay_fd, r, &time, &xml)) {
			vnm_log_warn("netconf: a logged notification could not be read back from "
				     "the replay log: not replayed");
			continue;
		}
		tree = NULL;
		if (!ly_in_new_memory(xml, &in)) {
			if (!lyd_parse_op(N.ctx, NULL, in, LYD_XML, LYD_TYPE_NOTIF_YANG, &tree, NULL))
				deliver(sub, tree, time);
			else
				vnm_log_warn("netconf: a logged notification of %s no longer "
					     "parses: not replayed", time);
			ly_in_free(in, 0);
		}
		lyd_free_all(tree);
		free(time);
		free(xml);
	}
	if (sub->next_replay < sub->n_replay)
		return true;
	send_marker(sub, "replayComplete");
	sub->replaying = false;
	return false;
}

/* The earliest stopTime of a live subscription, if any. */
static bool next_stop(struct timespec *t)
{
	bool any = false;
	size_t i;

	for (i = 0; i < N.n_subs; i++) {
		if (!N.subs[i].has_stop || N.subs[i].replaying)
			continue;
		if (!any || vnm_nlog_cmp(&N.subs[i].stop, t) < 0)
			*t = N.subs[i].stop;
		any = true;
	}
	return any;
}

static void *sender_main(void *arg)
{
	struct timespec now, stop;
	bool more;
	struct nev *e;
	size_t i;

	(void)arg;
	pthread_mutex_lock(&N.lock);
	while (!N.stop) {
		/* replays first, a chunk each, so that the core's events
		 * (vnm_notif_send) get the lock in between */
		more = false;
		for (i = 0; i < N.n_subs; i++)
			if (N.subs[i].replaying && replay_some(i))
				more = true;
		clock_gettime(CLOCK_REALTIME, &now);
		for (i = 0; i < N.n_subs;) {
			if (!N.subs[i].replaying && N.subs[i].has_stop &&
			    vnm_nlog_cmp(&N.subs[i].stop, &now) <= 0)
				sub_complete(i);
			else
				i++;
		}
		if (more) {
			pthread_mutex_unlock(&N.lock);
			pthread_mutex_lock(&N.lock);
			continue;
		}
		if (!N.head) {
			if (next_stop(&stop))
				pthread_cond_timedwait(&N.cond, &N.lock, &stop);
			else
				pthread_cond_wait(&N.cond, &N.lock);
		}
		while ((e = N.head)) {
			N.head = e->next;
			if (!N.head)
				N.tail = &N.head;
			/* sessions cannot go away meanwhile: their end waits
			 * for N.lock (vnm_notif_session_end) */
			for (i = 0; i < N.n_subs; i++) {
				struct nsub *sub = &N.subs[i];

				/* older events came in its replay; those after
				 * its stopTime never come */
				if (e->seq < sub->live_from || sub->replaying ||
				    (sub->has_stop && vnm_nlog_cmp(&e->t, &sub->stop) > 0))
					continue;
				deliver(sub, e->tree, e->time);
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
	if (vnm_nlog_open(&N.log, s->state_dir, s->replay_events, s->replay_bytes, err))
		return -1;
	N.log_on = true;
	/* libnetconf2 2.0 announces the modules, not the capabilities */
	nc_server_set_capability("urn:ietf:params:netconf:capability:notification:1.0");
	if (ly_ctx_get_module_implemented(s->ctx, "nc-notifications"))
		nc_server_set_capability("urn:ietf:params:netconf:capability:interleave:1.0");
	if (pthread_create(&N.thr, NULL, sender_main, NULL)) {
		vnm_nlog_close(&N.log);
		N.log_on = false;
		return vnm_err_set(err, VNM_E_INTERNAL, NULL,
				   "netconf: cannot start the notification thread");
	}
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
	while (N.n_subs)
		sub_free(&N.subs[--N.n_subs]);
	free(N.subs);
	N.subs = NULL;
	vnm_nlog_close(&N.log);
	N.log_on = false;
	pthread_mutex_unlock(&N.lock);
}

void vnm_notif_session_end(struct nc_session *ncs)
{
	size_t i;

	pthread_mutex_lock(&N.lock);
	for (i = 0; i < N.n_subs; i++) {
		if (N.subs[i].ncs == ncs) {
			sub_free(&N.subs[i]);
			N.subs[i] = N.subs[--N.n_subs];
			break;
		}
	}
	pthread_mutex_unlock(&N.lock);
}

int vnm_notif_streams_add(struct lyd_node **tree)
{
	struct lyd_node *n = NULL;
	char created[40];
	bool on;

	if (!N.ctx || !ly_ctx_get_module_implemented(N.ctx, "nc-notifications"))
		return 0;
	pthread_mutex_lock(&N.lock);
	on = N.log_on;
	snprintf(created, sizeof(created), "%s", N.log.created);
	pthread_mutex_unlock(&N.lock);
	if (lyd_new_path(NULL, N.ctx, "/nc-notifications:netconf/streams/stream[name='NETCONF']/"
			 "description", "vnmd's events: routers, links, guarantees, commits, "
			 "sessions", 0, &n) ||
	    lyd_new_path(n, NULL, "/nc-notifications:netconf/streams/stream[name='NETCONF']/"
			 "replaySupport", on ? "true" : "false", 0, NULL) ||
	    (on && created[0] &&
	     lyd_new_path(n, NULL, "/nc-notifications:netconf/streams/stream[name='NETCONF']/"
			  "replayLogCreationTime", created, 0, NULL)) ||
	    lyd_insert_sibling(*tree, n, tree)) {
		lyd_free_all(n);
		return -1;
	}
	return 0;
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

/* startTime and stopTime (RFC 5277 2.1.1): into sub; NULL or the error. */
static struct nc_server_reply *sub_times(struct lyd_node *rpc, struct nsub *sub, bool *has_start,
					 struct timespec *start)
{
	struct lyd_node *st = NULL, *sp = NULL;
	struct timespec now;

	*has_start = false;
	clock_gettime(CLOCK_REALTIME, &now);
	lyd_find_path(rpc, "startTime", 0, &st);
	lyd_find_path(rpc, "stopTime", 0, &sp);
	if (sp && !st)
		return vnm_reply_tag(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, "stopTime", NULL,
				     "stopTime needs startTime (RFC 5277 2.1.1)");
	if (!st)
		return NULL;
	if (vnm_nlog_time(lyd_get_value(st), start))
		return vnm_reply_tag(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, "startTime", NULL,
				     "startTime \"%s\" is not a date-and-time", lyd_get_value(st));
	if (vnm_nlog_cmp(start, &now) > 0)
		return vnm_reply_tag(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, "startTime", NULL,
				     "startTime %s is later than now: there is nothing to replay "
				     "yet (RFC 5277 2.1.1)", lyd_get_value(st));
	if (sp) {
		if (vnm_nlog_time(lyd_get_value(sp), &sub->stop))
			return vnm_reply_tag(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, "stopTime", NULL,
					     "stopTime \"%s\" is not a date-and-time",
					     lyd_get_value(sp));
		if (vnm_nlog_cmp(&sub->stop, start) < 0)
			return vnm_reply_tag(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, "stopTime", NULL,
					     "stopTime %s is earlier than startTime %s (RFC 5277 "
					     "2.1.1)", lyd_get_value(sp), lyd_get_value(st));
		sub->has_stop = true;
	}
	*has_start = true;
	sub->replaying = true;
	return NULL;
}

/* The logged events from start (to stopTime) into sub; under N.lock. */
static int replay_copy(struct nsub *sub, const struct timespec *start)
{
	const struct vnm_nlog_rec *r;
	size_t i, k = 0;

	if (N.log.path && (sub->replay_fd = vnm_nlog_reader(&N.log)) < 0)
		return -1;
	sub->replay = calloc(N.log.n ? N.log.n : 1, sizeof(*sub->replay));
	if (!sub->replay)
		return -1;
	for (i = 0; i < N.log.n; i++) {
		r = vnm_nlog_at(&N.log, i);
		if (vnm_nlog_cmp(&r->t, start) < 0)
			continue;
		if (sub->has_stop && vnm_nlog_cmp(&r->t, &sub->stop) > 0)
			break;
		if (vnm_nlog_rec_copy(&sub->replay[k], r))
			return -1;
		sub->n_replay = ++k;
	}
	return 0;
}

struct nc_server_reply *vnm_rpc_create_subscription(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct lyd_node *n = NULL, *filter = NULL;
	struct nsub sub = {.ncs = ncs, .replay_fd = -1};
	struct nc_server_reply *r;
	struct timespec start;
	bool has_start;
	struct nsub *t;
	size_t i;

	if (!N.started)
		return vnm_reply_tag(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, "create-subscription",
				     NULL, "notifications are not available");
	if (!lyd_find_path(rpc, "stream", 0, &n) && n && strcmp(lyd_get_value(n), "NETCONF"))
		return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, "stream", NULL,
				     "there is no stream %s: vnmd has the NETCONF stream only",
				     lyd_get_value(n));
	if ((r = sub_times(rpc, &sub, &has_start, &start)))
		return r;
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
	if (has_start && replay_copy(&sub, &start)) {
		pthread_mutex_unlock(&N.lock);
		sub_free(&sub);
		return vnm_reply_tag(NC_ERR_RES_DENIED, NC_ERR_TYPE_APP, NULL, NULL,
				     "out of memory");
	}
	sub.live_from = N.seq;
	N.subs[N.n_subs++] = sub;
	nc_session_inc_notif_status(ncs);
	pthread_cond_signal(&N.cond);
	pthread_mutex_unlock(&N.lock);
	vnm_log_info("netconf: session %u subscribed to notifications%s%s",
		     nc_session_get_id(ncs), sub.xpath ? " (XPath filter)" :
		     sub.filter ? " (subtree filter)" : "",
		     has_start ? ", replaying the log" : "");
	return nc_server_reply_ok();
}
