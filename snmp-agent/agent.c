/*
 * agent.c - the SNMP agent thread of vnmd (see agent.h): an AgentX
 * subagent, or (embed.c) a master agent of its own.
 *
 * Order of things: vnm_agent_start() creates the thread and waits until it
 * has set net-snmp up (subagent role, socket, short AgentX timeouts, a ping
 * interval, no SIGALRM, no persistent files), registered the MIB and
 * subscribed to core events.  The thread then loops in
 * agent_check_and_process() until told to stop.  Connecting to the master
 * is not part of starting: when snmpd is not there yet or goes away,
 * net-snmp retries on every ping interval by itself, and vnmd runs on.
 *
 * Core events arrive on a core thread: the callback copies them into a
 * queue and writes a byte into a pipe that the net-snmp loop watches; the
 * agent thread then sends the traps (through the master, to its sinks) and
 * makes the table caches reload.
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_int.h"
#include "log.h"

/* Seconds between AgentX pings, and so between reconnection attempts. */
#define VNM_AGENTX_PING 2
#define VNM_AGENTX_TIMEOUT 1
#define VNM_AGENTX_RETRIES 1

struct vnm_agent_ev {
	struct vnm_event ev;      /* strings below are copies */
	int64_t deadline_ms;      /* CLOCK_MONOTONIC: send even if not indexed */
	struct vnm_agent_ev *next;
};

/* How long a trap about an object may wait for a snapshot that has it
 * (the core announces a new router before it publishes the snapshot with
 * it), so that the trap names the row a poll will find. */
#define VNM_TRAP_WAIT_MS 1000
/* Rows builds an index handed out by such a trap survives without its
 * object in a snapshot (builds happen once per new snapshot: ~1/s). */
#define VNM_TRAP_HOLD_EPOCHS 30

int64_t vnm_agent_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void)
{
	return vnm_agent_mono_us() / 1000;
}

/* What the core calls back with.  The core has no unsubscribe, so this
 * small object outlives the agent: stopping only detaches it. */
struct vnm_agent_sub {
	pthread_mutex_t lock;
	struct vnm_agent *a;      /* NULL once the agent stopped */
};

static const struct vnm_snapshot empty_snapshot;

/* ------------------------------------------------------------------ */
/* Pictures                                                           */
/* ------------------------------------------------------------------ */

uint32_t vnm_agent_now(void)
{
	return (uint32_t)netsnmp_get_agent_uptime();
}

void vnm_picture_put(struct vnm_picture *p)
{
	if (!p || --p->refs > 0)
		return;
	vnm_rowset_free(p->rs);
	vnm_snapshot_unref(p->snap);
	free(p);
}

struct vnm_picture *vnm_agent_picture(struct vnm_agent *a)
{
	struct vnm_snapshot *s = vnm_core_snapshot(a->core);
	struct vnm_picture *p;
	struct vnm_err err = {0};
	uint32_t now;

	/* No snapshot (the core could not take one): keep what we have rather
	 * than drop every row and index. */
	if (a->pic && (a->pic->snap == s || !s)) {
		/* a->pic holds a reference, so s cannot be a new snapshot that
		 * reuses the address of a freed one. */
		vnm_snapshot_unref(s);
		a->pic->refs++;
		return a->pic;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		vnm_snapshot_unref(s);
		goto old;
	}
	p->snap = s;
	p->refs = 1;
	/* The subagent's uptime follows the master's sysUpTime (AgentX), so
	 * the epoch of TimeStamps moves when the master restarts. */
	now = vnm_agent_now();
	a->start_unix = time(NULL) - (int64_t)(now / 100);
	if (now < a->last_now) {
		/* The master restarted: changes before are before its start. */
		a->rows.lc_vn = a->rows.lc_vr = a->rows.lc_vl = 0;
	}
	a->last_now = now;
	if (vnm_rows_build(&a->rows, s ? s : &empty_snapshot, now, a->start_unix,
			   &p->rs, &err) < 0) {
		vnm_log_warn("%s", err.msg);
		vnm_snapshot_unref(s);
		free(p);
		goto old;
	}
	vnm_log_debug("snmp: picture of generation %llu: %zu networks, %zu routers, %zu links",
		      s ? (unsigned long long)s->generation : 0ULL, p->rs->n_vns, p->rs->n_vrs,
		      p->rs->n_vls);
	vnm_picture_put(a->pic);
	a->pic = p;
	p->refs++;
	return p;
old:
	/* Serve the previous picture rather than nothing. */
	if (a->pic)
		a->pic->refs++;
	return a->pic;
}

/* ------------------------------------------------------------------ */
/* Events → traps                                                     */
/* ------------------------------------------------------------------ */

static void ev_free(struct vnm_agent_ev *e)
{
	if (!e)
		return;
	free((char *)e->ev.vn);
	free((char *)e->ev.obj);
	free((char *)e->ev.reason);
	free(e);
}

static void on_core_event(void *arg, const struct vnm_event *ev)
{
	struct vnm_agent_sub *sub = arg;
	struct vnm_agent_ev *e;
	struct vnm_agent *a;
	ssize_t n;

	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->ev = *ev;
	e->deadline_ms = mono_ms() + VNM_TRAP_WAIT_MS;
	e->ev.vn = ev->vn ? strdup(ev->vn) : NULL;
	e->ev.obj = ev->obj ? strdup(ev->obj) : NULL;
	e->ev.reason = ev->reason ? strdup(ev->reason) : NULL;
	if ((ev->vn && !e->ev.vn) || (ev->obj && !e->ev.obj) || (ev->reason && !e->ev.reason)) {
		ev_free(e);
		return;
	}
	pthread_mutex_lock(&sub->lock);
	a = sub->a;
	if (!a) {
		pthread_mutex_unlock(&sub->lock);
		ev_free(e);
		return;
	}
	pthread_mutex_lock(&a->ev_lock);
	if (a->ev_tail)
		a->ev_tail->next = e;
	else
		a->ev_head = e;
	a->ev_tail = e;
	pthread_mutex_unlock(&a->ev_lock);
	/* A full pipe already has a wake-up pending. */
	do
		n = write(a->wake[1], "e", 1);
	while (n < 0 && errno == EINTR);
	pthread_mutex_unlock(&sub->lock);
}

static netsnmp_variable_list *vb_add(netsnmp_variable_list **vars, const oid *o, size_t len,
				     u_char type, const void *val, size_t vlen)
{
	return snmp_varlist_add_variable(vars, o, len, type, val, vlen);
}

/* The indexes of (vn, obj) in map: found (or just gone: a trap about a
 * removed router names the row it had), or allocated when force (the next
 * rows build keeps them if the object exists).  *gone tells which.
 * Returns 0, or 1 when not indexed yet and not forced, or -1. */
static int trap_index(struct vnm_agent *a, struct vnm_idxmap *map, const struct vnm_event *ev,
		      bool force, uint32_t *vn_idx, uint32_t *idx, bool *gone)
{
	*gone = false;
	*vn_idx = vnm_idxmap_find(&a->rows.vn, ev->vn, "");
	*idx = vnm_idxmap_find(map, ev->vn, ev->obj);
	if (*vn_idx && *idx)
		return 0;
	if (!*idx && (*idx = vnm_idxmap_find_gone(map, ev->vn, ev->obj))) {
		if (!*vn_idx)
			*vn_idx = vnm_idxmap_find_gone(&a->rows.vn, ev->vn, "");
		if (*vn_idx) {
			*gone = true;
			return 0;
		}
	}
	if (!force)
		return 1;
	if (vnm_idxmap_get(&a->rows.vn, ev->vn, "", vn_idx, NULL) < 0 ||
	    vnm_idxmap_get(map, ev->vn, ev->obj, idx, NULL) < 0)
		return -1;
	/* Snapshots may lag (a router whose start takes seconds): keep the
	 * index the trap names for the row that comes. */
	vnm_idxmap_hold(&a->rows.vn, ev->vn, "", VNM_TRAP_HOLD_EPOCHS);
	vnm_idxmap_hold(map, ev->vn, ev->obj, VNM_TRAP_HOLD_EPOCHS);
	return 0;
}

/* When to send a VR or VL trap. */
enum trap_mode {
	TRAP_WAIT,       /* when the picture indexes the object and shows the state */
	TRAP_SUPERSEDED, /* a later event on the object follows: now if indexed, else drop */
	TRAP_FORCE,      /* the deadline passed: now, indexing the object if need be */
};

static int cmp_key_vr(const void *k, const void *r)
{
	const uint32_t *key = k;
	const struct vnm_row_vr *row = r;

	if (key[0] != row->vn_idx)
		return key[0] < row->vn_idx ? -1 : 1;
	return key[1] < row->idx ? -1 : key[1] > row->idx;
}

static int cmp_key_vl(const void *k, const void *r)
{
	const uint32_t *key = k;
	const struct vnm_row_vl *row = r;

	if (key[0] != row->vn_idx)
		return key[0] < row->vn_idx ? -1 : 1;
	return key[1] < row->idx ? -1 : key[1] > row->idx;
}

/* Whether the latest picture already shows what the event says: then a
 * manager that polls on receiving the trap reads the same state.  The core
 * announces driver events before its next snapshot has them. */
static bool picture_agrees(struct vnm_agent *a, const struct vnm_event *ev, uint32_t vn_idx,
			   uint32_t idx)
{
	const struct vnm_rowset *rs = a->pic ? a->pic->rs : NULL;
	uint32_t key[2] = {vn_idx, idx};
	const struct vnm_row_vr *vr;
	const struct vnm_row_vl *vl;

	if (!rs)
		return false;
	if (ev->kind == VNM_EV_VR_OPER) {
		vr = rs->n_vrs ? bsearch(key, rs->vrs, rs->n_vrs, sizeof(*rs->vrs), cmp_key_vr) : NULL;
		/* A removed router: its row going away is what agrees. */
		if (ev->vr_state == VNM_VR_ABSENT)
			return !vr || vr->vr->oper == VNM_VR_ABSENT;
		return vr && vr->vr->oper == ev->vr_state;
	}
	vl = rs->n_vls ? bsearch(key, rs->vls, rs->n_vls, sizeof(*rs->vls), cmp_key_vl) : NULL;
	if (ev->kind == VNM_EV_VL_GUARANTEE)
		return vl && vl->vl->watch.violated == ev->violated;
	return vl && vl->vl->up == ev->vl_up;
}

/* The VR and VL traps differ only in these: vnmRouterOperStateChange names
 * the router's row under vnmRouters, vnmLinkOperStateChange the link's
 * under vnmLinks. */
struct trap_kind {
	oid notif;               /* vnmdNotifications.N */
	oid table;               /* vnmdObjects.N: vnmRouters or vnmLinks */
	oid oper_col;            /* the table's oper-status column */
	size_t map;              /* offsetof the table's index map in struct vnm_rows */
	long (*state)(const struct vnm_event *ev);
};

static long trap_state_vr(const struct vnm_event *ev)
{
	return vnm_mib_oper(ev->vr_state);
}

static long trap_state_vl(const struct vnm_event *ev)
{
	return ev->vl_up ? 1 : 2;
}

/* vnmLinkGuaranteeState as the event leaves it: violated(3) or met(2) */
static long trap_state_guarantee(const struct vnm_event *ev)
{
	return ev->violated ? 3 : 2;
}

static const struct trap_kind trap_vr = {1, 3, 6, offsetof(struct vnm_rows, vr), trap_state_vr};
static const struct trap_kind trap_vl = {2, 4, 9, offsetof(struct vnm_rows, vl), trap_state_vl};
static const struct trap_kind trap_guarantee = {4, 4, 25, offsetof(struct vnm_rows, vl),
						trap_state_guarantee};

/* Send the trap of kind k about ev's router or link: 0 sent, 1 wait,
 * -1 dropped. */
static int trap_obj(struct vnm_agent *a, const struct trap_kind *k, const struct vnm_event *ev,
		    enum trap_mode mode)
{
	static const oid trap_oid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
	static const oid reason[] = {VNM_MIB_ROOT, 1, 1, 2, 0};
	const oid notif[] = {VNM_MIB_ROOT, 0, k->notif};
	oid name_vn[] = {VNM_MIB_ROOT, 1, 2, 2, 1, 2, 0};
	oid name_obj[] = {VNM_MIB_ROOT, 1, k->table, 2, 1, 2, 0, 0};
	oid oper_obj[] = {VNM_MIB_ROOT, 1, k->table, 2, 1, k->oper_col, 0, 0};
	struct vnm_idxmap *map = (struct vnm_idxmap *)((char *)&a->rows + k->map);
	netsnmp_variable_list *vars = NULL;
	uint32_t vn_idx, idx;
	long state = k->state(ev);
	const char *rs = ev->reason ? ev->reason : "";
	bool gone;
	int rc;

	if (!ev->vn || !ev->obj)
		return -1;
	if ((rc = trap_index(a, map, ev, mode == TRAP_FORCE, &vn_idx, &idx, &gone)) != 0)
		return rc == 1 && mode == TRAP_SUPERSEDED ? -1 : rc;
	if (mode == TRAP_WAIT && !gone && !picture_agrees(a, ev, vn_idx, idx))
		return 1;
	name_vn[OID_LENGTH(name_vn) - 1] = vn_idx;
	name_obj[OID_LENGTH(name_obj) - 2] = vn_idx;
	name_obj[OID_LENGTH(name_obj) - 1] = idx;
	oper_obj[OID_LENGTH(oper_obj) - 2] = vn_idx;
	oper_obj[OID_LENGTH(oper_obj) - 1] = idx;
	if (!vb_add(&vars, trap_oid, OID_LENGTH(trap_oid), ASN_OBJECT_ID, notif, sizeof(notif)) ||
	    !vb_add(&vars, name_vn, OID_LENGTH(name_vn), ASN_OCTET_STR, ev->vn, strlen(ev->vn)) ||
	    !vb_add(&vars, name_obj, OID_LENGTH(name_obj), ASN_OCTET_STR, ev->obj, strlen(ev->obj)) ||
	    !vb_add(&vars, oper_obj, OID_LENGTH(oper_obj), ASN_INTEGER, &state, sizeof(state)) ||
	    !vb_add(&vars, reason, OID_LENGTH(reason), ASN_OCTET_STR, rs, strlen(rs))) {
		snmp_free_varbind(vars);
		return -1;
	}
	send_v2trap(vars);
	snmp_free_varbind(vars);
	return 0;
}

static void trap_config(const struct vnm_event *ev)
{
	static const oid trap_oid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
	static const oid notif[] = {VNM_MIB_ROOT, 0, 3};
	static const oid gen[] = {VNM_MIB_ROOT, 1, 1, 1, 0};
	netsnmp_variable_list *vars = NULL;
	u_long g = (uint32_t)ev->generation;

	if (!vb_add(&vars, trap_oid, OID_LENGTH(trap_oid), ASN_OBJECT_ID, notif, sizeof(notif)) ||
	    !vb_add(&vars, gen, OID_LENGTH(gen), ASN_UNSIGNED, &g, sizeof(g))) {
		snmp_free_varbind(vars);
		return;
	}
	send_v2trap(vars);
	snmp_free_varbind(vars);
}

/* Whether a later event in rest is about the same router or link: then e
 * must not wait for a state the picture may never show (a router defined
 * and started at once), and must not overtake it. */
static bool superseded(const struct vnm_agent_ev *e, const struct vnm_agent_ev *rest)
{
	if (e->ev.kind == VNM_EV_CONFIG || !e->ev.vn || !e->ev.obj)
		return false;
	for (; rest; rest = rest->next)
		if (rest->ev.kind == e->ev.kind && rest->ev.vn && rest->ev.obj &&
		    !strcmp(rest->ev.vn, e->ev.vn) && !strcmp(rest->ev.obj, e->ev.obj))
			return true;
	return false;
}

/* Send what can be sent; keep in a->pending the traps about objects the
 * snapshot does not have yet, until their deadline. */
static void events_process(struct vnm_agent *a, struct vnm_agent_ev *list)
{
	struct vnm_agent_ev *e, **tail;
	int64_t now = mono_ms();
	enum trap_mode mode;
	int rc;

	/* Rows of the next poll come from the snapshot after these events;
	 * index its objects now, so that a trap names the row a poll finds. */
	vnm_tables_invalidate(a);
	vnm_picture_put(vnm_agent_picture(a));

	/* Oldest first: pending ones, then the new ones. */
	for (tail = &a->pending; *tail; tail = &(*tail)->next)
		;
	*tail = list;
	list = a->pending;
	a->pending = NULL;
	tail = &a->pending;
	for (e = list; e; e = list) {
		list = e->next;
		e->next = NULL;
		mode = now >= e->deadline_ms ? TRAP_FORCE :
		       superseded(e, list) ? TRAP_SUPERSEDED : TRAP_WAIT;
		switch (e->ev.kind) {
		case VNM_EV_VR_OPER:
			rc = trap_obj(a, &trap_vr, &e->ev, mode);
			break;
		case VNM_EV_VL_OPER:
			rc = trap_obj(a, &trap_vl, &e->ev, mode);
			break;
		case VNM_EV_VL_GUARANTEE:
			rc = trap_obj(a, &trap_guarantee, &e->ev, mode);
			break;
		default:
			trap_config(&e->ev);
			rc = 0;
			break;
		}
		if (rc == 1) {
			*tail = e;
			tail = &e->next;
		} else {
			ev_free(e);
		}
	}
}

static void on_wake(int fd, void *arg)
{
	struct vnm_agent *a = arg;
	struct vnm_agent_ev *list;
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&a->ev_lock);
	list = a->ev_head;
	a->ev_head = a->ev_tail = NULL;
	pthread_mutex_unlock(&a->ev_lock);
	if (list)
		events_process(a, list);
}

static void on_pending_timer(unsigned int reg, void *arg)
{
	struct vnm_agent *a = arg;

	struct vnm_snapshot *s;

	(void)reg;
	if (a->pending) {
		events_process(a, NULL);
		return;
	}
	/* A new snapshot (after a commit or a driver event, or the core's
	 * periodic refresh): the next request reloads the tables from it, so
	 * rows follow within this timer's period, not a whole cache period. */
	s = vnm_core_snapshot(a->core);
	if (s)
		vnm_tables_invalidate_older(a, s);
	vnm_snapshot_unref(s);
}

/* ------------------------------------------------------------------ */
/* net-snmp's log into ours                                           */
/* ------------------------------------------------------------------ */

static int on_snmp_log(int major, int minor, void *server_arg, void *client_arg)
{
	const struct snmp_log_message *m = server_arg;
	static char last[256];
	enum vnm_log_level lvl;
	size_t n;

	(void)major;
	(void)minor;
	(void)client_arg;
	if (!m || !m->msg)
		return 0;
	n = strlen(m->msg);
	while (n && m->msg[n - 1] == '\n')
		n--;
	if (!n)
		return 0;
	lvl = m->priority <= LOG_ERR ? VNM_LOG_ERR :
	      m->priority == LOG_WARNING ? VNM_LOG_WARNING :
	      m->priority == LOG_NOTICE ? VNM_LOG_NOTICE :
	      m->priority == LOG_INFO ? VNM_LOG_INFO : VNM_LOG_DEBUG;
	/* net-snmp looks for MIB files it does not need (OIDs are numeric
	 * here) and complains about each; that is not news for the user. */
	if (!strncmp(m->msg, "Cannot find module", 18) || !strncmp(m->msg, "MIB search path", 15))
		lvl = VNM_LOG_DEBUG;
	/* The master being away repeats on every ping: say it once. */
	else if (n < sizeof(last) && !strncmp(last, m->msg, n) && last[n] == '\0')
		lvl = VNM_LOG_DEBUG;
	else if (n < sizeof(last)) {
		memcpy(last, m->msg, n);
		last[n] = '\0';
	}
	vnm_log(lvl, "snmp: %.*s", (int)n, m->msg);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The thread                                                         */
/* ------------------------------------------------------------------ */

static void init_report(struct vnm_agent *a, int rc, const struct vnm_err *err)
{
	pthread_mutex_lock(&a->init_lock);
	a->init_rc = rc;
	if (rc < 0 && err)
		a->init_err = *err;
	a->init_done = true;
	pthread_cond_signal(&a->init_cond);
	pthread_mutex_unlock(&a->init_lock);
}

static int snmp_setup(struct vnm_agent *a, struct vnm_err *err)
{
	struct timeval tv;

	/* Library: no SIGALRM in a threaded daemon, no config or persistent
	 * files of an "vnmd" application, no MIB parsing (OIDs are numeric). */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_NO_TOKEN_WARNINGS, 1);
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIBDIRS, "");
	/* Not /etc/snmp nor /var/lib/snmp: net-snmp still looks for TLS
	 * certificates under its configuration directory and keeps
	 * certificate indexes in its persistent one. */
	if (a->snmp_dir) {
		netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR,
				      a->snmp_dir);
		netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_CONFIGURATION_DIR,
				      a->snmp_dir);
	}

	snmp_disable_log();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, on_snmp_log, NULL);
	snmp_enable_calllog();

	if (a->listen) {
		/* Agent: net-snmp's master agent, ours alone (embed.c). */
		if (vnm_embed_before_init(a, err) < 0 || vnm_tables_register(a, err) < 0 ||
		    vnm_embed_access(a, err) < 0)
			return -1;
		init_snmp("vnmd");
		if (vnm_embed_listen(a, err) < 0)
			return -1;
	} else {
		/* Agent: an AgentX subagent of the master at a->socket. */
		netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET,
				      a->socket);
		if (init_agent("vnmd") != 0)
			return vnm_err_set(err, VNM_E_INTERNAL, NULL,
					   "SNMP: net-snmp could not initialise the subagent");
		/* After init_agent(), which sets its own defaults (a 15 s
		 * ping), and before init_snmp(), which connects. */
		netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID,
				   NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, VNM_AGENTX_PING);
		netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_TIMEOUT,
				   VNM_AGENTX_TIMEOUT);
		netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_RETRIES,
				   VNM_AGENTX_RETRIES);
		if (vnm_tables_register(a, err) < 0)
			return -1;
		/* Connects to the master (or schedules the retries when it is
		 * away). */
		init_snmp("vnmd");
	}
	if (register_readfd(a->wake[0], on_wake, a) != FD_REGISTERED_OK)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL,
				   "SNMP: could not watch the event pipe");
	tv.tv_sec = 0;
	tv.tv_usec = 200000;
	a->timer = snmp_alarm_register_hr(tv, SA_REPEAT, on_pending_timer, a);
	if (!a->timer)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "SNMP: could not start a timer");
	return 0;
}

static void *agent_main(void *arg)
{
	struct vnm_agent *a = arg;
	struct vnm_err err = {0};
	sigset_t set;

	/* A write to a master that just went away must give EPIPE, not kill
	 * vnmd: SIGPIPE from a write goes to the writing thread, this one. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (snmp_setup(a, &err) < 0) {
		init_report(a, -1, &err);
		if (a->listen)
			vnm_embed_shutdown(a);
		snmp_shutdown("vnmd");
		return NULL;
	}
	a->subscribed = true; /* from here on the core may hold a->sub */
	if (vnm_core_subscribe(a->core, on_core_event, a->sub) < 0)
		vnm_log_warn("snmp: could not subscribe to core events: no traps will be sent");
	init_report(a, 0, NULL);
	if (a->listen)
		vnm_log_info("snmp: agent for VNMD-MIB on %s (read-only:%s%s%s)", a->listen,
			     a->community ? " a community" : "", a->community && a->user ? "," : "",
			     a->user ? " a USM user" : "");
	else
		vnm_log_info("snmp: AgentX subagent for VNMD-MIB on %s", a->socket);

	/* agent_check_and_process(1) sleeps until a request, an alarm (the
	 * AgentX ping, cache expiry) or the wake-up pipe; during a table walk
	 * of the embedded agent, it does not sleep between requests. */
	while (!atomic_load(&a->stop)) {
		agent_check_and_process(1);
		vnm_fastwalk_linger(a);
	}

	/* Nothing of net-snmp may point at a once the thread ends. */
	snmp_alarm_unregister(a->timer);
	unregister_readfd(a->wake[0]);
	vnm_tables_unregister(a);
	if (a->listen)
		vnm_embed_shutdown(a);
	snmp_shutdown("vnmd");
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                     */
/* ------------------------------------------------------------------ */

static void agent_free(struct vnm_agent *a)
{
	struct vnm_agent_ev *e, *nx;

	if (!a)
		return;
	if (a->sub) {
		pthread_mutex_lock(&a->sub->lock);
		a->sub->a = NULL;
		pthread_mutex_unlock(&a->sub->lock);
		/* a->sub itself stays: the core may still call it. */
	}
	for (e = a->ev_head; e; e = nx) {
		nx = e->next;
		ev_free(e);
	}
	for (e = a->pending; e; e = nx) {
		nx = e->next;
		ev_free(e);
	}
	vnm_picture_put(a->pic);
	vnm_rows_clear(&a->rows);
	if (a->wake[0] >= 0)
		close(a->wake[0]);
	if (a->wake[1] >= 0)
		close(a->wake[1]);
	pthread_mutex_destroy(&a->ev_lock);
	pthread_mutex_destroy(&a->init_lock);
	pthread_cond_destroy(&a->init_cond);
	free(a->socket);
	free(a->listen);
	free(a->community);
	free(a->snmp_dir);
	if (a->user)
		explicit_bzero(a->user, strlen(a->user));
	free(a->user);
	free(a);
}

/* net-snmp keeps global state: one agent per process. */
static atomic_int agent_running;

int vnm_agent_start(struct vnm_core *core, const char *socket, struct vnm_agent **out,
		    struct vnm_err *err)
{
	struct vnm_agent_conf conf = {.agentx = socket};

	return vnm_agent_start_conf(core, &conf, out, err);
}

static char *dup_opt(const char *s, bool *failed)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*failed = true;
	return d;
}

/* What the options checked already, again: the tools call us directly. */
static int conf_check(const struct vnm_agent_conf *c, struct vnm_err *err)
{
	char why[256];

	if (!c->listen) {
		if (!c->agentx || !*c->agentx)
			return vnm_err_set(err, VNM_E_INVALID, NULL,
					   "SNMP: --agentx-socket needs a path or tcp:HOST:PORT");
		return 0;
	}
	if (c->agentx)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "SNMP: --snmp-listen and --agentx-socket exclude each other");
	if (vnm_snmp_listen_check(c->listen, why, sizeof(why)) < 0 ||
	    (c->community && vnm_snmp_community_check(c->community, why, sizeof(why)) < 0) ||
	    (c->user && vnm_snmp_user_check(c->user, why, sizeof(why)) < 0))
		return vnm_err_set(err, VNM_E_INVALID, NULL, "SNMP: %s", why);
	if (!c->community && !c->user)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "SNMP: --snmp-listen needs --snmp-community or --snmp-user");
	return 0;
}

int vnm_agent_start_conf(struct vnm_core *core, const struct vnm_agent_conf *conf,
			 struct vnm_agent **out, struct vnm_err *err)
{
	struct vnm_agent *a = NULL;
	int rc = -1, expected = 0;
	bool nomem = false;

	*out = NULL;
	if (conf_check(conf, err) < 0)
		return -1;
	if (!atomic_compare_exchange_strong(&agent_running, &expected, 1))
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "SNMP: an SNMP agent already runs in this process");
	a = calloc(1, sizeof(*a));
	if (!a) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "SNMP: out of memory");
		goto cleanup;
	}
	a->wake[0] = a->wake[1] = -1;
	pthread_mutex_init(&a->ev_lock, NULL);
	pthread_mutex_init(&a->init_lock, NULL);
	pthread_cond_init(&a->init_cond, NULL);
	a->core = core;
	vnm_rows_init(&a->rows, 0);
	a->socket = dup_opt(conf->listen ? NULL : conf->agentx, &nomem);
	a->listen = dup_opt(conf->listen, &nomem);
	a->community = dup_opt(conf->listen ? conf->community : NULL, &nomem);
	a->user = dup_opt(conf->listen ? conf->user : NULL, &nomem);
	if (conf->state_dir && asprintf(&a->snmp_dir, "%s/snmp", conf->state_dir) < 0) {
		a->snmp_dir = NULL;
		nomem = true;
	}
	a->sub = calloc(1, sizeof(*a->sub));
	if (nomem || !a->sub) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "SNMP: out of memory");
		goto cleanup;
	}
	pthread_mutex_init(&a->sub->lock, NULL);
	a->sub->a = a;
	if (pipe2(a->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		vnm_err_set(err, VNM_E_INTERNAL, NULL, "SNMP: pipe: %s", strerror(errno));
		goto cleanup;
	}
	if (pthread_create(&a->thread, NULL, agent_main, a) != 0) {
		vnm_err_set(err, VNM_E_INTERNAL, NULL, "SNMP: could not start the agent thread");
		goto cleanup;
	}
	a->thread_started = true;
	pthread_mutex_lock(&a->init_lock);
	while (!a->init_done)
		pthread_cond_wait(&a->init_cond, &a->init_lock);
	pthread_mutex_unlock(&a->init_lock);
	if (a->init_rc < 0) {
		if (err)
			*err = a->init_err;
		goto cleanup;
	}
	*out = a;
	a = NULL;
	rc = 0;
cleanup:
	if (a) {
		if (a->thread_started) {
			atomic_store(&a->stop, 1);
			pthread_join(a->thread, NULL);
		}
		if (a->sub && !a->subscribed) {
			/* never handed to the core */
			pthread_mutex_destroy(&a->sub->lock);
			free(a->sub);
			a->sub = NULL;
		}
		agent_free(a);
		atomic_store(&agent_running, 0);
	}
	return rc;
}

void vnm_agent_stop(struct vnm_agent *a)
{
	ssize_t n;

	if (!a)
		return;
	atomic_store(&a->stop, 1);
	do
		n = write(a->wake[1], "s", 1);
	while (n < 0 && errno == EINTR);
	pthread_join(a->thread, NULL);
	agent_free(a);
	atomic_store(&agent_running, 0);
}
