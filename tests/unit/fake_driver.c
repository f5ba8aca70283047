/*
 * fake_driver.c - both driver tables over an in-memory world (see
 * fake_driver.h).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_driver.h"

#define FW_MAX_NICS 16
#define FW_BUCKETS 4096

struct fw_obj {
	struct fw_obj *next;
	char kind[8];       /* "dom", "if", "qdisc", "shape" */
	char host[128];
	char name[256];
	char vn[128], obj[128];
	char realm[128];    /* libvirt URI (domains) or netns (the rest); "*": any
			     * (objects put by a test: seen from every host) */
	bool own;
	uint64_t generation;
	/* domains */
	enum vnm_vr_oper state;
	uint16_t vcpus;
	uint32_t memory_mib;
	char image[768];
	char nics[FW_MAX_NICS][160]; /* "name=mac@bridge" */
	size_t n_nics;
	/* qdiscs and shapings */
	char detail[256];
};

enum fw_op {
	OP_PROBE, OP_PL_SETUP, OP_PL_UPDATE, OP_PL_TEARDOWN, OP_PORT_CREATE, OP_PORT_DESTROY,
	OP_VL_CREATE, OP_VL_DESTROY, OP_VL_SHAPE, OP_VL_UNSHAPE, OP_VL_COUNTERS,
	OP_LINK_LIST, OP_LINK_REMOVE,
	OP_VR_DEFINE, OP_VR_UNDEFINE, OP_VR_STATE, OP_VR_RES, OP_ATTACH, OP_DETACH,
	OP_VR_STATUS, OP_VR_COPY, OP_VR_MOVE, OP_HV_LIST, OP_HV_REMOVE,
	OP_VL_SET_UP, OP_NIC_LINK, OP_VR_ARRIVAL,
	OP_N
};

static const char *const op_names[OP_N] = {
	"probe", "plink_setup", "plink_update", "plink_teardown", "vnic_port_create",
	"vnic_port_destroy", "vl_create", "vl_destroy", "vl_shape", "vl_unshape",
	"vl_counters", "link_list_own", "link_remove_own",
	"vr_define", "vr_undefine", "vr_set_state", "vr_set_resources", "vnic_attach",
	"vnic_detach", "vr_status", "vr_copy", "vr_move", "hv_list_own", "hv_remove_own",
	"vl_set_up", "vnic_set_link", "vr_arrival",
};

static bool op_reads(enum fw_op op)
{
	return op == OP_PROBE || op == OP_VL_COUNTERS || op == OP_LINK_LIST ||
	       op == OP_VR_STATUS || op == OP_HV_LIST || op == OP_VR_ARRIVAL;
}

struct fake_world {
	pthread_mutex_t lock;
	struct fw_obj *b[FW_BUCKETS];
	struct vnm_link_caps caps;
	unsigned calls, counts[OP_N];
	unsigned fail_at, fail_from;
	char fail_op[32];
	vnm_vr_event_cb ev_cb;
	void *ev_arg;
	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	char gate_op[32];
	bool gate_reached, gate_open;
	/* a domain another vnmd migrates here (fake_arrive_after) */
	char arr_host[64], arr_name[256], arr_vn[128], arr_obj[128];
	int arr_polls;
};

/* ------------------------------------------------------------------ */
/* The store                                                           */
/* ------------------------------------------------------------------ */

static unsigned fw_hash(const char *kind, const char *host, const char *name)
{
	uint32_t h = 2166136261u;
	const char *parts[3] = {kind, host, name};

	for (int i = 0; i < 3; i++) {
		for (const char *p = parts[i]; *p; p++)
			h = (h ^ (uint8_t)*p) * 16777619u;
		h = (h ^ '/') * 16777619u;
	}
	return h % FW_BUCKETS;
}

static struct fw_obj *fw_find(struct fake_world *fw, const char *kind, const char *host,
			      const char *name)
{
	struct fw_obj *o;

	for (o = fw->b[fw_hash(kind, host, name)]; o; o = o->next) {
		if (!strcmp(o->kind, kind) && !strcmp(o->host, host) && !strcmp(o->name, name))
			return o;
	}
	return NULL;
}

static struct fw_obj *fw_get(struct fake_world *fw, const char *kind, const char *host,
			     const char *name)
{
	struct fw_obj *o = fw_find(fw, kind, host, name);
	unsigned h;

	if (o)
		return o;
	o = calloc(1, sizeof(*o));
	if (!o)
		abort();
	snprintf(o->kind, sizeof(o->kind), "%s", kind);
	snprintf(o->host, sizeof(o->host), "%s", host);
	snprintf(o->name, sizeof(o->name), "%s", name);
	h = fw_hash(kind, host, name);
	o->next = fw->b[h];
	fw->b[h] = o;
	return o;
}

static bool fw_del(struct fake_world *fw, const char *kind, const char *host, const char *name)
{
	struct fw_obj **pp, *o;

	for (pp = &fw->b[fw_hash(kind, host, name)]; (o = *pp); pp = &o->next) {
		if (!strcmp(o->kind, kind) && !strcmp(o->host, host) && !strcmp(o->name, name)) {
			*pp = o->next;
			free(o);
			return true;
		}
	}
	return false;
}

static void set_realm(struct fw_obj *o, const char *realm)
{
	snprintf(o->realm, sizeof(o->realm), "%s", realm ? realm : "");
}

struct fake_world *fake_world_new(void)
{
	struct fake_world *fw = calloc(1, sizeof(*fw));

	if (!fw)
		return NULL;
	pthread_mutex_init(&fw->lock, NULL);
	pthread_mutex_init(&fw->gate_lock, NULL);
	pthread_cond_init(&fw->gate_cond, NULL);
	fw->caps = (struct vnm_link_caps){.htb = true, .tbf = true, .netem = false,
					  .vxlan = true, .bridge = true, .veth = true,
					  .u32 = true};
	return fw;
}

void fake_world_free(struct fake_world *fw)
{
	struct fw_obj *o, *n;

	if (!fw)
		return;
	for (int i = 0; i < FW_BUCKETS; i++) {
		for (o = fw->b[i]; o; o = n) {
			n = o->next;
			free(o);
		}
	}
	pthread_mutex_destroy(&fw->lock);
	pthread_mutex_destroy(&fw->gate_lock);
	pthread_cond_destroy(&fw->gate_cond);
	free(fw);
}

void fake_set_caps(struct fake_world *fw, const struct vnm_link_caps *caps)
{
	fw->caps = *caps;
}

void fake_fail_at(struct fake_world *fw, unsigned n)
{
	fw->fail_at = n;
}

void fake_fail_from(struct fake_world *fw, unsigned n)
{
	fw->fail_from = n;
}

void fake_fail_op(struct fake_world *fw, const char *op)
{
	snprintf(fw->fail_op, sizeof(fw->fail_op), "%s", op ? op : "");
}

void fake_gate(struct fake_world *fw, const char *op)
{
	pthread_mutex_lock(&fw->gate_lock);
	snprintf(fw->gate_op, sizeof(fw->gate_op), "%s", op);
	fw->gate_reached = false;
	fw->gate_open = false;
	pthread_mutex_unlock(&fw->gate_lock);
}

void fake_gate_reached(struct fake_world *fw)
{
	pthread_mutex_lock(&fw->gate_lock);
	while (!fw->gate_reached)
		pthread_cond_wait(&fw->gate_cond, &fw->gate_lock);
	pthread_mutex_unlock(&fw->gate_lock);
}

void fake_gate_open(struct fake_world *fw)
{
	pthread_mutex_lock(&fw->gate_lock);
	fw->gate_open = true;
	fw->gate_op[0] = '\0';
	pthread_cond_broadcast(&fw->gate_cond);
	pthread_mutex_unlock(&fw->gate_lock);
}

static void fw_gate(struct fake_world *fw, enum fw_op op)
{
	pthread_mutex_lock(&fw->gate_lock);
	if (fw->gate_op[0] && !strcmp(fw->gate_op, op_names[op])) {
		fw->gate_reached = true;
		pthread_cond_broadcast(&fw->gate_cond);
		while (!fw->gate_open)
			pthread_cond_wait(&fw->gate_cond, &fw->gate_lock);
	}
	pthread_mutex_unlock(&fw->gate_lock);
}

void fake_reset_counts(struct fake_world *fw)
{
	pthread_mutex_lock(&fw->lock);
	fw->calls = 0;
	memset(fw->counts, 0, sizeof(fw->counts));
	pthread_mutex_unlock(&fw->lock);
}

/* Both read under the world's lock: a test may poll them while a
 * transaction calls the drivers from two threads. */
unsigned fake_calls(const struct fake_world *fw)
{
	struct fake_world *w = (struct fake_world *)fw;
	unsigned n;

	pthread_mutex_lock(&w->lock);
	n = w->calls;
	pthread_mutex_unlock(&w->lock);
	return n;
}

unsigned fake_count(const struct fake_world *fw, const char *op)
{
	struct fake_world *w = (struct fake_world *)fw;
	unsigned n = 0;

	pthread_mutex_lock(&w->lock);
	for (int i = 0; i < OP_N; i++) {
		if (!strcmp(op_names[i], op))
			n = w->counts[i];
	}
	pthread_mutex_unlock(&w->lock);
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dump_obj(const struct fw_obj *o, char *buf, size_t len)
{
	char nics[FW_MAX_NICS * 160 + 1] = "";
	const char *sorted[FW_MAX_NICS];
	size_t i, off = 0;

	if (strcmp(o->kind, "dom")) {
		snprintf(buf, len, "%s %s/%s vn=%s obj=%s%s%s%s", o->kind, o->host, o->name, o->vn,
			 o->obj, o->own ? " own" : " foreign", o->detail[0] ? " " : "", o->detail);
		return;
	}
	for (i = 0; i < o->n_nics; i++)
		sorted[i] = o->nics[i];
	qsort(sorted, o->n_nics, sizeof(sorted[0]), cmp_str);
	for (i = 0; i < o->n_nics; i++)
		off += (size_t)snprintf(nics + off, sizeof(nics) - off, "%s%s", i ? "," : "",
					sorted[i]);
	snprintf(buf, len, "dom %s/%s vn=%s obj=%s%s state=%s vcpus=%u mem=%u image=%s nics=%s",
		 o->host, o->name, o->vn, o->obj, o->own ? " own" : " foreign",
		 vnm_vr_oper_str(o->state), (unsigned)o->vcpus, (unsigned)o->memory_mib, o->image,
		 nics);
}

char *fake_dump(struct fake_world *fw)
{
	char **lines = NULL, *out = NULL, line[4096];
	size_t n = 0, cap = 0, total = 1, off = 0, i;
	struct fw_obj *o;

	pthread_mutex_lock(&fw->lock);
	for (int b = 0; b < FW_BUCKETS; b++) {
		for (o = fw->b[b]; o; o = o->next) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				lines = realloc(lines, cap * sizeof(*lines));
				if (!lines)
					abort();
			}
			dump_obj(o, line, sizeof(line));
			lines[n] = strdup(line);
			total += strlen(line) + 1;
			n++;
		}
	}
	pthread_mutex_unlock(&fw->lock);
	if (n > 1)
		qsort(lines, n, sizeof(*lines), cmp_str);
	out = malloc(total);
	if (!out)
		abort();
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t l = strlen(lines[i]);

		memcpy(out + off, lines[i], l);
		out[off + l] = '\n';
		off += l + 1;
		free(lines[i]);
	}
	out[off] = '\0';
	free(lines);
	return out;
}

unsigned fake_n(struct fake_world *fw, const char *kind)
{
	unsigned n = 0;
	struct fw_obj *o;

	pthread_mutex_lock(&fw->lock);
	for (int b = 0; b < FW_BUCKETS; b++) {
		for (o = fw->b[b]; o; o = o->next)
			n += !strcmp(o->kind, kind);
	}
	pthread_mutex_unlock(&fw->lock);
	return n;
}

int fake_put(struct fake_world *fw, const char *kind, const char *host, const char *name,
	     const char *vn, const char *obj, bool own)
{
	struct fw_obj *o;

	pthread_mutex_lock(&fw->lock);
	o = fw_get(fw, kind, host, name);
	snprintf(o->vn, sizeof(o->vn), "%s", vn ? vn : "");
	snprintf(o->obj, sizeof(o->obj), "%s", obj ? obj : "");
	o->own = own;
	set_realm(o, "*");
	if (!strcmp(kind, "dom")) {
		o->state = VNM_VR_STOPPED;
		o->vcpus = 1;
		o->memory_mib = 64;
	}
	pthread_mutex_unlock(&fw->lock);
	return 0;
}

bool fake_has(struct fake_world *fw, const char *kind, const char *host, const char *name)
{
	bool r;

	pthread_mutex_lock(&fw->lock);
	r = fw_find(fw, kind, host, name) != NULL;
	pthread_mutex_unlock(&fw->lock);
	return r;
}

int fake_remove(struct fake_world *fw, const char *kind, const char *host, const char *name)
{
	bool r;

	pthread_mutex_lock(&fw->lock);
	r = fw_del(fw, kind, host, name);
	pthread_mutex_unlock(&fw->lock);
	return r ? 0 : -1;
}

enum vnm_vr_oper fake_domain_state(struct fake_world *fw, const char *host, const char *name)
{
	struct fw_obj *o;
	enum vnm_vr_oper s;

	pthread_mutex_lock(&fw->lock);
	o = fw_find(fw, "dom", host, name);
	s = o ? o->state : VNM_VR_ABSENT;
	pthread_mutex_unlock(&fw->lock);
	return s;
}

void fake_vr_event(struct fake_world *fw, const char *host, const char *name,
		   enum vnm_vr_oper state, const char *reason)
{
	struct fw_obj *o;
	char vn[128] = "", vr[128] = "";
	vnm_vr_event_cb cb;
	void *arg;

	pthread_mutex_lock(&fw->lock);
	o = fw_find(fw, "dom", host, name);
	if (o) {
		o->state = state;
		snprintf(vn, sizeof(vn), "%s", o->vn);
		snprintf(vr, sizeof(vr), "%s", o->obj);
	}
	cb = fw->ev_cb;
	arg = fw->ev_arg;
	pthread_mutex_unlock(&fw->lock);
	if (o && cb)
		cb(arg, vn, vr, state, reason);
}

/* ------------------------------------------------------------------ */
/* Call accounting and failure injection                               */
/* ------------------------------------------------------------------ */

/* Count the call; returns -1 with err set when it must fail.  Called with
 * the lock held. */
static int fw_enter(struct fake_world *fw, enum fw_op op, struct vnm_err *err)
{
	fw->counts[op]++;
	if (op_reads(op))
		return 0;
	fw->calls++;
	if ((fw->fail_at && fw->calls == fw->fail_at) ||
	    (fw->fail_from && fw->calls >= fw->fail_from) ||
	    (fw->fail_op[0] && !strcmp(fw->fail_op, op_names[op])))
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "fake: injected failure of %s (call %u)",
				   op_names[op], fw->calls);
	return 0;
}

#define ENTER(op)                                                  \
	struct fake_world *fw = ctx;                               \
	int rc = -1;                                               \
	fw_gate(fw, op);                                           \
	pthread_mutex_lock(&fw->lock);                             \
	if (fw_enter(fw, op, err))                                 \
		goto cleanup

#define LEAVE()                                                    \
	rc = 0;                                                    \
cleanup:                                                           \
	pthread_mutex_unlock(&fw->lock);                           \
	return rc

#define LEAVE_VALUE(v)                                             \
	rc = (v);                                                  \
cleanup:                                                           \
	pthread_mutex_unlock(&fw->lock);                           \
	return rc

static const char *vr_host(const struct vnm_vr *vr)
{
	return vr && vr->host ? vr->host->name : "-";
}

static const char *nic_host(const struct vnm_vnic *nic)
{
	return vr_host(nic->vr);
}

static const char *vl_vn(const struct vnm_vl *vl)
{
	return vl->vn ? vl->vn->name : "-";
}

/* ------------------------------------------------------------------ */
/* Link driver                                                         */
/* ------------------------------------------------------------------ */

static int fl_probe(void *ctx, struct vnm_link_caps *caps, struct vnm_err *err)
{
	ENTER(OP_PROBE);
	*caps = fw->caps;
	LEAVE();
}

static void qdisc_put(struct fake_world *fw, const struct vnm_host_if *hif,
		      const struct vnm_plink *pl)
{
	struct fw_obj *o = fw_get(fw, "qdisc", hif->host->name, hif->ifname);

	o->own = true;
	set_realm(o, hif->host->netns);
	snprintf(o->obj, sizeof(o->obj), "%s", pl->name);
	snprintf(o->detail, sizeof(o->detail), "capacity=%llu",
		 (unsigned long long)pl->capacity);
}

static int fl_plink_setup(void *ctx, const struct vnm_plink *pl, struct vnm_err *err)
{
	ENTER(OP_PL_SETUP);
	qdisc_put(fw, pl->src, pl);
	qdisc_put(fw, pl->dst, pl);
	LEAVE();
}

static int fl_plink_update(void *ctx, const struct vnm_plink *old, const struct vnm_plink *new,
			   struct vnm_err *err)
{
	ENTER(OP_PL_UPDATE);
	if (!fw_find(fw, "qdisc", new->src->host->name, new->src->ifname) ||
	    !fw_find(fw, "qdisc", new->dst->host->name, new->dst->ifname)) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "fake: physical link %s is not set up",
			    new->name);
		goto cleanup;
	}
	qdisc_put(fw, new->src, new);
	qdisc_put(fw, new->dst, new);
	LEAVE();
}

/* Removing the HTB root removes every VL class on the interface. */
static void shapes_drop_plink(struct fake_world *fw, const char *plname)
{
	struct fw_obj *o, *n;
	char suffix[200];

	snprintf(suffix, sizeof(suffix), "@%s", plname);
	for (int b = 0; b < FW_BUCKETS; b++) {
		for (o = fw->b[b]; o; o = n) {
			size_t l = strlen(o->name), s = strlen(suffix);

			n = o->next;
			if (!strcmp(o->kind, "shape") && l > s && !strcmp(o->name + l - s, suffix))
				fw_del(fw, o->kind, o->host, o->name);
		}
	}
}

static int fl_plink_teardown(void *ctx, const struct vnm_plink *pl, struct vnm_err *err)
{
	ENTER(OP_PL_TEARDOWN);
	fw_del(fw, "qdisc", pl->src->host->name, pl->src->ifname);
	fw_del(fw, "qdisc", pl->dst->host->name, pl->dst->ifname);
	shapes_drop_plink(fw, pl->name);
	LEAVE();
}

static int fl_port_create(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err)
{
	struct fw_obj *o;

	ENTER(OP_PORT_CREATE);
	o = fw_get(fw, "if", nic_host(nic), nic->bridge);
	o->own = true;
	set_realm(o, nic->vr->host ? nic->vr->host->netns : NULL);
	snprintf(o->vn, sizeof(o->vn), "%s", nic->vr->vn ? nic->vr->vn->name : "-");
	snprintf(o->obj, sizeof(o->obj), "%s/%s", nic->vr->name, nic->name);
	snprintf(o->detail, sizeof(o->detail), "bridge");
	LEAVE();
}

static int fl_port_destroy(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err)
{
	ENTER(OP_PORT_DESTROY);
	fw_del(fw, "if", nic_host(nic), nic->bridge);
	LEAVE();
}

static int fl_vl_create(void *ctx, const struct vnm_vl *vl, struct vnm_err *err)
{
	struct fw_obj *o;

	ENTER(OP_VL_CREATE);
	/* as the link driver: only the ends on this vnmd's hosts (--host) */
	if ((vnm_host_local(vl->a->vr->host) && !fw_find(fw, "if", nic_host(vl->a), vl->a->bridge)) ||
	    (vnm_host_local(vl->b->vr->host) && !fw_find(fw, "if", nic_host(vl->b), vl->b->bridge))) {
		vnm_err_set(err, VNM_E_DRIVER, NULL,
			    "fake: link %s/%s: port bridge of an end is missing", vl_vn(vl),
			    vl->name);
		goto cleanup;
	}
	o = fw_get(fw, "if", nic_host(vl->a), vl->end_a);
	o->own = true;
	set_realm(o, vl->a->vr->host ? vl->a->vr->host->netns : NULL);
	snprintf(o->vn, sizeof(o->vn), "%s", vl_vn(vl));
	snprintf(o->obj, sizeof(o->obj), "%s", vl->name);
	snprintf(o->detail, sizeof(o->detail), "end vni=%u%s", vl->vni, vl->enabled ? "" : " down");
	o = fw_get(fw, "if", nic_host(vl->b), vl->end_b);
	o->own = true;
	set_realm(o, vl->b->vr->host ? vl->b->vr->host->netns : NULL);
	snprintf(o->vn, sizeof(o->vn), "%s", vl_vn(vl));
	snprintf(o->obj, sizeof(o->obj), "%s", vl->name);
	snprintf(o->detail, sizeof(o->detail), "end vni=%u%s", vl->vni, vl->enabled ? "" : " down");
	LEAVE();
}

/* Like the real driver: both ends must exist; their "up" is in detail. */
static int fl_vl_set_up(void *ctx, const struct vnm_vl *vl, bool up, struct vnm_err *err)
{
	struct fw_obj *ea, *eb;

	ENTER(OP_VL_SET_UP);
	ea = fw_find(fw, "if", nic_host(vl->a), vl->end_a);
	eb = fw_find(fw, "if", nic_host(vl->b), vl->end_b);
	if (!ea || !eb) {
		vnm_err_set(err, VNM_E_MISSING, NULL, "fake: link %s/%s: an end is missing",
			    vl_vn(vl), vl->name);
		goto cleanup;
	}
	snprintf(ea->detail, sizeof(ea->detail), "end vni=%u%s", vl->vni, up ? "" : " down");
	snprintf(eb->detail, sizeof(eb->detail), "end vni=%u%s", vl->vni, up ? "" : " down");
	LEAVE();
}

static int fl_vl_destroy(void *ctx, const struct vnm_vl *vl, struct vnm_err *err)
{
	ENTER(OP_VL_DESTROY);
	fw_del(fw, "if", nic_host(vl->a), vl->end_a);
	fw_del(fw, "if", nic_host(vl->b), vl->end_b);
	LEAVE();
}

static void shape_key(const struct vnm_vl *vl, const struct vnm_plink *pl, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s/%s@%s", vl_vn(vl), vl->name, pl ? pl->name : "local");
}

static int fl_vl_shape(void *ctx, const struct vnm_vl *vl, const struct vnm_plink *pl,
		       const struct vnm_shape *shape, struct vnm_err *err)
{
	char key[256];
	struct fw_obj *o;

	ENTER(OP_VL_SHAPE);
	if ((vl->delay_us || vl->jitter_us || vl->loss_ppm) && !fw->caps.netem) {
		vnm_err_set(err, VNM_E_UNSUPPORTED, NULL,
			    "fake: link %s/%s needs sch_netem", vl_vn(vl), vl->name);
		goto cleanup;
	}
	if (!fw_find(fw, "if", nic_host(vl->a), vl->end_a)) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "fake: link %s/%s has no interface",
			    vl_vn(vl), vl->name);
		goto cleanup;
	}
	if (pl && !fw_find(fw, "qdisc", pl->src->host->name, pl->src->ifname)) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "fake: physical link %s is not set up",
			    pl->name);
		goto cleanup;
	}
	shape_key(vl, pl, key, sizeof(key));
	o = fw_get(fw, "shape", "-", key);
	o->own = true;
	snprintf(o->vn, sizeof(o->vn), "%s", vl_vn(vl));
	snprintf(o->obj, sizeof(o->obj), "%s", vl->name);
	snprintf(o->detail, sizeof(o->detail),
		 "rate=%llu ceil=%llu burst=%u cburst=%u delay=%u jitter=%u loss=%u",
		 (unsigned long long)shape->rate, (unsigned long long)shape->ceil, shape->burst,
		 shape->cburst, vl->delay_us, vl->jitter_us, vl->loss_ppm);
	LEAVE();
}

static int fl_vl_unshape(void *ctx, const struct vnm_vl *vl, const struct vnm_plink *pl,
			 struct vnm_err *err)
{
	char key[256];

	ENTER(OP_VL_UNSHAPE);
	shape_key(vl, pl, key, sizeof(key));
	fw_del(fw, "shape", "-", key);
	LEAVE();
}

static int fl_vl_counters(void *ctx, const struct vnm_vl *vl, struct vnm_vl_counters *out,
			  struct vnm_err *err)
{
	ENTER(OP_VL_COUNTERS);
	memset(out, 0, sizeof(*out));
	{
		const struct fw_obj *ea = fw_find(fw, "if", nic_host(vl->a), vl->end_a);
		const struct fw_obj *eb = fw_find(fw, "if", nic_host(vl->b), vl->end_b);

		out->up = ea && eb && !strstr(ea->detail, " down") && !strstr(eb->detail, " down");
	}
	out->ifindex = out->up ? 1000 : 0;
	out->out_octets = out->up ? 1514 : 0;
	out->out_packets = out->up ? 1 : 0;
	LEAVE();
}

static void own_from(const struct fw_obj *o, enum vnm_obj_kind kind, struct vnm_own_obj *oo)
{
	memset(oo, 0, sizeof(*oo));
	oo->kind = kind;
	snprintf(oo->name, sizeof(oo->name), "%s", o->name);
	snprintf(oo->vn, sizeof(oo->vn), "%s", o->vn);
	snprintf(oo->obj, sizeof(oo->obj), "%s", o->obj);
	snprintf(oo->host, sizeof(oo->host), "%s", o->host);
	oo->generation = o->generation;
}

static bool realm_is(const struct fw_obj *o, const char *realm)
{
	return !strcmp(o->realm, "*") || !strcmp(o->realm, realm ? realm : "");
}

/* Like the real drivers, list by connection (URI) or namespace: hosts
 * sharing one see each other's objects; the host reported is the one
 * asked for. */
static int list_kind(struct fake_world *fw, const struct vnm_host *h, const char *kind,
		     enum vnm_obj_kind ok, struct vnm_own_list *out)
{
	const char *realm = ok == VNM_OBJ_DOMAIN ? h->uri : h->netns;
	struct vnm_own_obj oo;
	struct fw_obj *o;

	for (int b = 0; b < FW_BUCKETS; b++) {
		for (o = fw->b[b]; o; o = o->next) {
			if (!o->own || strcmp(o->kind, kind) || !realm_is(o, realm))
				continue;
			own_from(o, ok, &oo);
			snprintf(oo.host, sizeof(oo.host), "%s", h->name);
			if (vnm_own_list_add(out, &oo))
				return -1;
		}
	}
	return 0;
}

static int fl_list_own(void *ctx, const struct vnm_host *host, struct vnm_own_list *out,
		       struct vnm_err *err)
{
	ENTER(OP_LINK_LIST);
	if (list_kind(fw, host, "if", VNM_OBJ_IFACE, out) ||
	    list_kind(fw, host, "qdisc", VNM_OBJ_QDISC, out)) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "fake: out of memory");
		goto cleanup;
	}
	LEAVE();
}

static int remove_own(struct fake_world *fw, const char *kind, const struct vnm_host *host,
		      const struct vnm_own_obj *oo, struct vnm_err *err)
{
	const char *realm = !strcmp(kind, "dom") ? host->uri : host->netns;
	struct fw_obj *o = fw_find(fw, kind, host->name, oo->name), *x;

	for (int b = 0; !o && b < FW_BUCKETS; b++) {
		for (x = fw->b[b]; x && !o; x = x->next) {
			if (!strcmp(x->kind, kind) && !strcmp(x->name, oo->name) &&
			    realm_is(x, realm))
				o = x;
		}
	}
	if (!o)
		return 0;
	if (!o->own)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "fake: refusing to remove foreign %s %s on %s", kind, oo->name,
				   host->name);
	if (!strcmp(kind, "qdisc"))
		shapes_drop_plink(fw, o->obj);
	fw_del(fw, kind, o->host, oo->name);
	return 0;
}

static int fl_remove_own(void *ctx, const struct vnm_host *host, const struct vnm_own_obj *oo,
			 struct vnm_err *err)
{
	ENTER(OP_LINK_REMOVE);
	if (remove_own(fw, oo->kind == VNM_OBJ_QDISC ? "qdisc" : "if", host, oo, err))
		goto cleanup;
	LEAVE();
}

/* The fake world's one encapsulation, of VXLAN's size. */
static int fl_encap_overhead(const char *encap)
{
	return !encap || !strcmp(encap, "vxlan") ? 50 : -1;
}

const struct vnm_link_ops fake_link_ops = {
	.name = "fake-link",
	.probe = fl_probe,
	.encap_overhead = fl_encap_overhead,
	.plink_setup = fl_plink_setup,
	.plink_update = fl_plink_update,
	.plink_teardown = fl_plink_teardown,
	.vnic_port_create = fl_port_create,
	.vnic_port_destroy = fl_port_destroy,
	.vl_create = fl_vl_create,
	.vl_set_up = fl_vl_set_up,
	.vl_destroy = fl_vl_destroy,
	.vl_shape = fl_vl_shape,
	.vl_unshape = fl_vl_unshape,
	.vl_counters = fl_vl_counters,
	.list_own = fl_list_own,
	.remove_own = fl_remove_own,
};

/* ------------------------------------------------------------------ */
/* Hypervisor driver                                                   */
/* ------------------------------------------------------------------ */

static void nic_str(const struct vnm_vnic *nic, char *buf, size_t len)
{
	snprintf(buf, len, "%s=%s@%s%s", nic->name, nic->mac, nic->bridge,
		 vnm_vnic_link_up(nic) ? "" : " down");
}

static void dom_fill(struct fw_obj *o, const struct vnm_vr *vr, uint64_t generation)
{
	size_t i;

	o->own = true;
	o->generation = generation;
	set_realm(o, vr->host ? vr->host->uri : NULL);
	snprintf(o->vn, sizeof(o->vn), "%s", vr->vn ? vr->vn->name : "-");
	snprintf(o->obj, sizeof(o->obj), "%s", vr->name);
	o->vcpus = vr->vcpus;
	o->memory_mib = vr->memory_mib;
	snprintf(o->image, sizeof(o->image), "%s|%s|%s|%s", vr->kernel ? vr->kernel : "",
		 vr->initrd ? vr->initrd : "", vr->cmdline ? vr->cmdline : "",
		 vr->disk ? vr->disk : "");
	o->n_nics = 0;
	for (i = 0; i < vr->n_vnics && i < FW_MAX_NICS; i++)
		nic_str(&vr->vnics[i], o->nics[o->n_nics++], sizeof(o->nics[0]));
}

static int fh_define(void *ctx, const struct vnm_vr *vr, uint64_t generation,
		     struct vnm_err *err)
{
	struct fw_obj *o;

	ENTER(OP_VR_DEFINE);
	o = fw_find(fw, "dom", vr_host(vr), vr->domain_name);
	if (!o) {
		o = fw_get(fw, "dom", vr_host(vr), vr->domain_name);
		o->state = VNM_VR_STOPPED;
	}
	dom_fill(o, vr, generation);
	LEAVE();
}

static int fh_undefine(void *ctx, const struct vnm_vr *vr, struct vnm_err *err)
{
	struct fw_obj *o;

	ENTER(OP_VR_UNDEFINE);
	o = fw_find(fw, "dom", vr_host(vr), vr->domain_name);
	if (o && o->state != VNM_VR_STOPPED) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "fake: domain %s is %s, not shut off",
			    vr->domain_name, vnm_vr_oper_str(o->state));
		goto cleanup;
	}
	if (o)
		fw_del(fw, "dom", vr_host(vr), vr->domain_name);
	LEAVE();
}

static int fh_set_state(void *ctx, const struct vnm_vr *vr, enum vnm_admin to,
			struct vnm_err *err)
{
	struct fw_obj *o;
	size_t i;

	ENTER(OP_VR_STATE);
	o = fw_find(fw, "dom", vr_host(vr), vr->domain_name);
	if (!o) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "fake: domain %s is not defined",
			    vr->domain_name);
		goto cleanup;
	}
	if (to != VNM_ADMIN_STOPPED) {
		for (i = 0; i < vr->n_vnics; i++) {
			if (!fw_find(fw, "if", vr_host(vr), vr->vnics[i].bridge)) {
				vnm_err_set(err, VNM_E_DRIVER, NULL,
					    "fake: domain %s: bridge %s is missing",
					    vr->domain_name, vr->vnics[i].bridge);
				goto cleanup;
			}
		}
	}
	o->state = to == VNM_ADMIN_RUNNING ? VNM_VR_RUNNING :
		   to == VNM_ADMIN_PAUSED ? VNM_VR_PAUSED : VNM_VR_STOPPED;
	LEAVE();
}

static int fh_set_resources(void *ctx, const struct vnm_vr *old, const struct vnm_vr *new,
			    bool *applied_live, struct vnm_err *err)
{
	struct fw_obj *o;

	ENTER(OP_VR_RES);
	o = fw_find(fw, "dom", vr_host(new), new->domain_name);
	if (!o) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "fake: domain %s is not defined",
			    new->domain_name);
		goto cleanup;
	}
	o->vcpus = new->vcpus;
	o->memory_mib = new->memory_mib;
	*applied_live = o->state == VNM_VR_RUNNING;
	LEAVE();
}

static int fh_attach(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err)
{
	char s[160];
	struct fw_obj *o;
	size_t i;

	ENTER(OP_ATTACH);
	o = fw_find(fw, "dom", nic_host(nic), nic->vr->domain_name);
	if (!o || !fw_find(fw, "if", nic_host(nic), nic->bridge)) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "fake: cannot attach %s to %s",
			    nic->name, nic->vr->domain_name);
		goto cleanup;
	}
	nic_str(nic, s, sizeof(s));
	for (i = 0; i < o->n_nics; i++) {
		if (!strcmp(o->nics[i], s))
			break;
	}
	if (i == o->n_nics && o->n_nics < FW_MAX_NICS)
		snprintf(o->nics[o->n_nics++], sizeof(o->nics[0]), "%s", s);
	LEAVE();
}

/* The NIC stays (same entry, same MAC); only its " down" mark changes. */
static int fh_set_link(void *ctx, const struct vnm_vnic *nic, bool up, struct vnm_err *err)
{
	char key[160];
	struct fw_obj *o;
	size_t i, kl;

	ENTER(OP_NIC_LINK);
	o = fw_find(fw, "dom", nic_host(nic), nic->vr->domain_name);
	snprintf(key, sizeof(key), "%s=%s@%s", nic->name, nic->mac, nic->bridge);
	kl = strlen(key);
	for (i = 0; o && i < o->n_nics; i++) {
		if (!strncmp(o->nics[i], key, kl) &&
		    (o->nics[i][kl] == 0 || o->nics[i][kl] == ' '))
			break;
	}
	if (!o || i == o->n_nics) {
		vnm_err_set(err, VNM_E_MISSING, NULL, "fake: %s has no NIC %s",
			    nic->vr->domain_name, nic->name);
		goto cleanup;
	}
	snprintf(o->nics[i], sizeof(o->nics[0]), "%s%s", key, up ? "" : " down");
	LEAVE();
}

static int fh_detach(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err)
{
	char s[160];
	struct fw_obj *o;
	size_t i;

	ENTER(OP_DETACH);
	o = fw_find(fw, "dom", nic_host(nic), nic->vr->domain_name);
	nic_str(nic, s, sizeof(s));
	for (i = 0; o && i < o->n_nics; i++) {
		if (!strcmp(o->nics[i], s)) {
			memmove(o->nics[i], o->nics[i + 1], (o->n_nics - i - 1) * sizeof(o->nics[0]));
			o->n_nics--;
			break;
		}
	}
	LEAVE();
}

static int fh_status(void *ctx, const struct vnm_vr *vr, struct vnm_vr_status *st,
		     struct vnm_err *err)
{
	struct fw_obj *o;

	ENTER(OP_VR_STATUS);
	memset(st, 0, sizeof(*st));
	st->domain_id = -1;
	o = fw_find(fw, "dom", vr_host(vr), vr->domain_name);
	if (!o) {
		st->state = VNM_VR_ABSENT;
	} else {
		st->state = o->state;
		snprintf(st->uuid, sizeof(st->uuid), "00000000-0000-4000-8000-%012x",
			 fw_hash("dom", o->host, o->name));
		st->domain_id = o->state == VNM_VR_RUNNING || o->state == VNM_VR_PAUSED ? 7 : -1;
		st->vcpus = o->vcpus;
		st->memory_mib = o->memory_mib;
	}
	LEAVE();
}

static int fh_copy(void *ctx, const struct vnm_vr *vr, const struct vnm_vr *copy,
		   struct vnm_err *err)
{
	struct fw_obj *o;

	ENTER(OP_VR_COPY);
	if (!fw_find(fw, "dom", vr_host(vr), vr->domain_name)) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "fake: domain %s is not defined",
			    vr->domain_name);
		goto cleanup;
	}
	o = fw_get(fw, "dom", vr_host(copy), copy->domain_name);
	o->state = VNM_VR_STOPPED;
	dom_fill(o, copy, 0);
	LEAVE();
}

static int fh_move(void *ctx, const struct vnm_vr *vr, const struct vnm_host *dst,
		   struct vnm_err *err)
{
	struct fw_obj *o, *n;

	ENTER(OP_VR_MOVE);
	o = fw_find(fw, "dom", vr_host(vr), vr->domain_name);
	if (!o) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "fake: domain %s is not defined",
			    vr->domain_name);
		goto cleanup;
	}
	/* A live move needs the vNICs' port bridges on the destination
	 * (the plan makes them first), as a real hypervisor does. */
	for (size_t i = 0; o->state != VNM_VR_STOPPED && i < vr->n_vnics; i++) {
		if (!fw_find(fw, "if", dst->name, vr->vnics[i].bridge)) {
			vnm_err_set(err, VNM_E_DRIVER, NULL, "fake: move of %s: bridge %s is "
				    "missing on %s", vr->domain_name, vr->vnics[i].bridge, dst->name);
			goto cleanup;
		}
	}
	n = fw_get(fw, "dom", dst->name, vr->domain_name);
	{
		struct fw_obj *keep = n->next;

		memcpy(n, o, sizeof(*n));
		n->next = keep;
		snprintf(n->host, sizeof(n->host), "%s", dst->name);
	}
	fw_del(fw, "dom", vr_host(vr), vr->domain_name);
	LEAVE();
}

/* A domain another vnmd migrates: absent for a number of polls, then
 * there, paused for the migration, for one more poll, then running. */
void fake_arrive_after(struct fake_world *fw, const char *host, const char *name,
		       const char *vn, const char *obj, int polls)
{
	pthread_mutex_lock(&fw->lock);
	snprintf(fw->arr_host, sizeof(fw->arr_host), "%s", host);
	snprintf(fw->arr_name, sizeof(fw->arr_name), "%s", name);
	snprintf(fw->arr_vn, sizeof(fw->arr_vn), "%s", vn);
	snprintf(fw->arr_obj, sizeof(fw->arr_obj), "%s", obj);
	fw->arr_polls = polls;
	pthread_mutex_unlock(&fw->lock);
}

static int fh_arrival(void *ctx, const struct vnm_vr *vr, struct vnm_err *err)
{
	struct fw_obj *o;
	int st = VNM_ARRIVAL_NONE;

	ENTER(OP_VR_ARRIVAL);
	o = fw_find(fw, "dom", vr_host(vr), vr->domain_name);
	if (o) {
		/* running, or shut off by a move offline: done */
		st = o->state == VNM_VR_RUNNING ? VNM_ARRIVAL_DONE :
		     o->state == VNM_VR_STOPPED ? VNM_ARRIVAL_DONE_OFF : VNM_ARRIVAL_UNDERWAY;
		if (o->state == VNM_VR_PAUSED && fw->arr_polls < 0)
			o->state = VNM_VR_RUNNING; /* the next poll sees it done */
	} else if (fw->arr_name[0] && !strcmp(fw->arr_host, vr_host(vr)) &&
		   !strcmp(fw->arr_name, vr->domain_name) && fw->arr_polls-- <= 0) {
		o = fw_get(fw, "dom", fw->arr_host, fw->arr_name);
		snprintf(o->vn, sizeof(o->vn), "%s", fw->arr_vn);
		snprintf(o->obj, sizeof(o->obj), "%s", fw->arr_obj);
		o->own = true;
		set_realm(o, "*");
		o->state = VNM_VR_PAUSED;
		o->vcpus = 1;
		o->memory_mib = 64;
		fw->arr_name[0] = '\0';
		fw->arr_polls = -1;
		st = VNM_ARRIVAL_UNDERWAY;
	}
	LEAVE_VALUE(st);
}

static int fh_list_own(void *ctx, const struct vnm_host *host, struct vnm_own_list *out,
		       struct vnm_err *err)
{
	ENTER(OP_HV_LIST);
	if (list_kind(fw, host, "dom", VNM_OBJ_DOMAIN, out)) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "fake: out of memory");
		goto cleanup;
	}
	LEAVE();
}

static int fh_remove_own(void *ctx, const struct vnm_host *host, const struct vnm_own_obj *oo,
			 struct vnm_err *err)
{
	ENTER(OP_HV_REMOVE);
	if (remove_own(fw, "dom", host, oo, err))
		goto cleanup;
	LEAVE();
}

static void fh_set_event_cb(void *ctx, vnm_vr_event_cb cb, void *arg)
{
	struct fake_world *fw = ctx;

	pthread_mutex_lock(&fw->lock);
	fw->ev_cb = cb;
	fw->ev_arg = arg;
	pthread_mutex_unlock(&fw->lock);
}

const struct vnm_hv_ops fake_hv_ops = {
	.name = "fake-hv",
	.vr_define = fh_define,
	.vr_undefine = fh_undefine,
	.vr_set_state = fh_set_state,
	.vr_set_resources = fh_set_resources,
	.vnic_attach = fh_attach,
	.vnic_detach = fh_detach,
	.vnic_set_link = fh_set_link,
	.vr_status = fh_status,
	.vr_copy = fh_copy,
	.vr_move = fh_move,
	.vr_arrival = fh_arrival,
	.list_own = fh_list_own,
	.remove_own = fh_remove_own,
	.set_event_cb = fh_set_event_cb,
};

void fake_drivers(struct fake_world *fw, struct vnm_drivers *out)
{
	out->hv = &fake_hv_ops;
	out->hv_ctx = fw;
	out->link = &fake_link_ops;
	out->link_ctx = fw;
}
