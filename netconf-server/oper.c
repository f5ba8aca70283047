/*
 * oper.c - what <get> returns beyond configuration: the operational state of
 * the core snapshot (routers, links, vNICs), as nodes or written into the
 * networks' kept text (oper_text.c); ietf-netconf-monitoring,
 * ietf-yang-library and <get-schema> are in monitoring.c.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>

#include "core.h"
#include "nmda.h"
#include "oper_text.h"
#include "server_p.h"
#include "xmlprint.h"
#include "yctx.h"

#define NW "/ietf-network:networks/network"

/* An XPath string literal for a key value (quotes it with ' or "). */
const char *vnm_xq(const char *v, char *buf, size_t len)
{
	snprintf(buf, len, strchr(v, '\'') ? "\"%s\"" : "'%s'", v);
	return buf;
}

void vnm_time_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Set leaf path (relative to the existing node at base) to value. */
int vnm_put_leaf(struct lyd_node *base, const char *rel, const char *value)
{
	return lyd_new_path(base, NULL, rel, value, LYD_NEW_PATH_UPDATE, NULL) ? -1 : 0;
}

/* Add value to leaf-list name under base unless it is there: state
 * leaf-lists may repeat a value, and two sources naming the same
 * interface must not list it twice. */
static int put_once(struct lyd_node *base, const char *name, const char *value)
{
	struct lyd_node *c;

	/* libyang takes no [.=] predicate for a state leaf-list: look */
	LY_LIST_FOR(lyd_child(base), c) {
		if (c->schema && !strcmp(c->schema->name, name) && !strcmp(lyd_get_value(c), value))
			return 0;
	}
	return lyd_new_term(base, NULL, name, value, 0, NULL) ? -1 : 0;
}

int vnm_put_u64(struct lyd_node *base, const char *rel, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	return vnm_put_leaf(base, rel, b);
}

static struct lyd_node *find(struct lyd_node *tree, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static struct lyd_node *find(struct lyd_node *tree, const char *fmt, ...)
{
	struct lyd_node *n = NULL;
	char path[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (!tree || lyd_find_path(tree, path, 0, &n))
		return NULL;
	return n;
}

/* Set leaf name under base to a value vnmd found rather than was given. */
static int put_learned(struct lyd_node *base, const char *name, const char *value)
{
	struct lyd_node *n = NULL;

	if (vnm_put_leaf(base, name, value) || lyd_find_path(base, name, 0, &n) || !n)
		return -1;
	return vnm_nmda_origin_learned(n);
}

/* The admin-state a VR's domain shows, when it shows one. */
static const char *vr_admin_found(const struct vnm_snap_vr *r)
{
	switch (r->oper) {
	case VNM_VR_RUNNING:
		return "running";
	case VNM_VR_PAUSED:
		return "paused";
	case VNM_VR_STOPPED:
		return "stopped";
	default:
		return NULL;
	}
}

/*
 * <operational> holds the configuration as realised (RFC 8342 5.3): where
 * the hypervisor reports vCPUs, memory or a run state other than the
 * configuration asked for (changed or started out of band, or not yet
 * brought in line), the value in use is reported, or:learned.
 */
static int vr_realised(struct lyd_node *n, const struct vnm_snap_vr *r)
{
	const char *adm = vr_admin_found(r);
	char b[16];

	if (r->vcpus && r->vcpus != r->cfg_vcpus) {
		snprintf(b, sizeof(b), "%u", (unsigned)r->vcpus);
		if (put_learned(n, "vcpus", b))
			return -1;
	}
	if (r->memory_mib && r->memory_mib != r->cfg_memory_mib) {
		snprintf(b, sizeof(b), "%u", (unsigned)r->memory_mib);
		if (put_learned(n, "memory", b))
			return -1;
	}
	if (adm && strcmp(adm, vnm_admin_str(r->admin)))
		return put_learned(n, "admin-state", adm);
	return 0;
}

static const char *vl_oper(const struct vnm_snap_vl *l)
{
	return l->up ? "up" : "down";
}

/*
 * The list entries state goes into, looked up by key: a VL's virtual-link
 * container by (VN, link-id), a vNIC's termination point by (VN, node-id,
 * tp-id).  One walk of the tree and a sorted array, instead of an XPath
 * lookup from the root per object (and per interface name).
 */
struct ent {
	const char *vn, *a, *b;   /* b: "" for links */
	struct lyd_node *n;
};

struct oidx {
	struct ent *e;
	size_t n, cap;
	bool oom;
};

static int ent_cmp(const void *x, const void *y)
{
	const struct ent *p = x, *r = y;
	int c = strcmp(p->vn, r->vn);

	if (!c)
		c = strcmp(p->a, r->a);
	return c ? c : strcmp(p->b, r->b);
}

static void ent_add(struct oidx *x, const char *vn, const char *a, const char *b,
		    struct lyd_node *n)
{
	struct ent *e;

	if (x->n == x->cap) {
		e = realloc(x->e, (x->cap ? 2 * x->cap : 256) * sizeof(*e));
		if (!e) {
			x->oom = true;
			return;
		}
		x->e = e;
		x->cap = x->cap ? 2 * x->cap : 256;
	}
	x->e[x->n++] = (struct ent){vn, a, b, n};
}

static struct lyd_node *child(const struct lyd_node *n, const char *name)
{
	struct lyd_node *c;

	LY_LIST_FOR(lyd_child(n), c) {
		if (c->schema && !strcmp(c->schema->name, name))
			return c;
	}
	return NULL;
}

/* A list entry's first key (libyang keeps keys first). */
static const char *key1(const struct lyd_node *n)
{
	const struct lyd_node *k = lyd_child(n);

	return k && k->schema && (k->schema->flags & LYS_KEY) ? lyd_get_value(k) : NULL;
}

static int index_tree(struct lyd_node *tree, struct oidx *links, struct oidx *tps)
{
	struct lyd_node *top, *net, *c, *tp, *vl;
	const char *vn, *id, *tid;

	LY_LIST_FOR(tree, top) {
		if (!top->schema || strcmp(top->schema->name, "networks") ||
		    strcmp(top->schema->module->name, "ietf-network"))
			continue;
		LY_LIST_FOR(lyd_child(top), net) {
			if (!net->schema || strcmp(net->schema->name, "network") || !(vn = key1(net)))
				continue;
			LY_LIST_FOR(lyd_child(net), c) {
				if (!c->schema || !(id = key1(c)))
					continue;
				if (!strcmp(c->schema->name, "link")) {
					if ((vl = child(c, "virtual-link")))
						ent_add(links, vn, id, "", vl);
					continue;
				}
				if (strcmp(c->schema->name, "node"))
					continue;
				LY_LIST_FOR(lyd_child(c), tp) {
					if (tp->schema && !strcmp(tp->schema->name, "termination-point") &&
					    (tid = key1(tp)))
						ent_add(tps, vn, id, tid, tp);
				}
			}
		}
	}
	if (links->oom || tps->oom)
		return -1;
	/* (an empty index has no array at all) */
	if (links->n)
		qsort(links->e, links->n, sizeof(struct ent), ent_cmp);
	if (tps->n)
		qsort(tps->e, tps->n, sizeof(struct ent), ent_cmp);
	return 0;
}

static struct lyd_node *lookup(const struct oidx *x, const char *vn, const char *a, const char *b)
{
	struct ent k = {vn, a, b, NULL}, *e;

	e = x->n ? bsearch(&k, x->e, x->n, sizeof(k), ent_cmp) : NULL;
	return e ? e->n : NULL;
}

/* The child container name of n, made when not there. */
static struct lyd_node *inner(struct lyd_node *n, const char *name)
{
	struct lyd_node *c = child(n, name);

	if (!c && lyd_new_inner(n, NULL, name, 0, &c))
		return NULL;
	return c;
}

/* A new leaf under n, in n's module (state: not there before). */
static int leaf(struct lyd_node *n, const char *name, const char *value)
{
	return n && !lyd_new_term(n, NULL, name, value, 0, NULL) ? 0 : -1;
}

static int leaf_u64(struct lyd_node *n, const char *name, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	return leaf(n, name, b);
}

struct ifn_arg {
	struct oidx *links, *tps;
};

/* vnm_core_ifnames callback: one host-interface leaf (vNIC or VL end). */
static int put_ifname(void *arg, const char *vn, const char *vr, const char *obj,
		      const char *ifname)
{
	struct ifn_arg *x = arg;
	struct lyd_node *n, *vnic;

	if (vr) {
		n = lookup(x->tps, vn, vr, obj);
		if (!n)
			return 0;
		vnic = child(n, "vnic");
		if (!vnic)
			return vnm_put_leaf(n, "vnmd:vnic/host-interface", ifname) ? -1 : 0;
		return leaf(vnic, "host-interface", ifname);
	}
	n = lookup(x->links, vn, obj, "");
	if (!n)
		return 0;
	return put_once(n, "host-interface", ifname) ? -1 : 0;
}

/* A VL's guarantee watch, once it has measured. */
static int put_watch(struct lyd_node *n, const struct vnm_vl_watch *w)
{
	struct lyd_node *g;

	if (!w->measured)
		return 0;
	g = inner(n, "guarantee-watch");
	return leaf_u64(g, "interval", w->interval_ms) ||
	       leaf_u64(g, "carried-rate-out", w->rate_out) ||
	       leaf_u64(g, "carried-rate-in", w->rate_in) ||
	       leaf(g, "guarantee-met", w->met ? "true" : "false") ||
	       leaf(g, "guarantee-violated", w->violated ? "true" : "false");
}

/* A VL's state into its virtual-link container n. */
static int put_vl(struct lyd_node *n, const struct vnm_snap_vl *l)
{
	struct lyd_node *st;
	char ts[40];

	if (leaf(n, "oper-state", vl_oper(l)) ||
	    (!l->enabled && !l->up && leaf(n, "oper-reason", "admin-down")) ||
	    (l->gathered && leaf_u64(n, "state-age", l->age_ms)) ||
	    (l->ifname[0] && put_once(n, "host-interface", l->ifname)))
		return -1;
	st = inner(n, "statistics");
	if (leaf_u64(st, "in-octets", l->ctr.in_octets) ||
	    leaf_u64(st, "in-packets", l->ctr.in_packets) ||
	    leaf_u64(st, "out-octets", l->ctr.out_octets) ||
	    leaf_u64(st, "out-packets", l->ctr.out_packets) ||
	    leaf_u64(st, "drops", l->ctr.drops) || leaf_u64(st, "overlimits", l->ctr.overlimits) ||
	    put_watch(n, &l->watch))
		return -1;
	if (l->ctr.discontinuity > 0) {
		vnm_time_str((time_t)l->ctr.discontinuity, ts, sizeof(ts));
		if (leaf(st, "discontinuity-time", ts))
			return -1;
	}
	return 0;
}

static int core_ifnames(void *src, vnm_ifname_cb cb, void *arg)
{
	return vnm_core_ifnames(src, cb, arg);
}

int vnm_oper_add(struct lyd_node **tree, bool realised, struct vnm_err *err)
{
	struct vnm_snapshot *snap;
	int rc;

	if (!*tree)
		return 0;
	snap = vnm_core_snapshot(vnm_srv->core);
	rc = vnm_oper_add_from(tree, realised, snap, core_ifnames, vnm_srv->core, err);
	vnm_snapshot_unref(snap);
	return rc;
}

int vnm_oper_add_from(struct lyd_node **tree, bool realised, const struct vnm_snapshot *snap,
		      vnm_ifnames_fn ifnames, void *src, struct vnm_err *err)
{
	const struct ly_ctx *ctx = *tree ? LYD_CTX(*tree) : NULL;
	struct lyd_node *n;
	struct oidx links = {0}, tps = {0};
	struct ifn_arg ifa = {&links, &tps};
	char q1[300], q2[300];
	size_t i;
	int rc = -1;

	if (!*tree)
		return 0;
	if (index_tree(*tree, &links, &tps)) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory building the operational state");
		goto cleanup;
	}
	if (snap) {
		/* only objects still in the configuration get state: the snapshot may lag */
		for (i = 0; i < snap->n_vns; i++) {
			const struct vnm_snap_vn *v = &snap->vns[i];

			n = find(*tree, NW "[network-id=%s]", vnm_xq(v->name, q1, sizeof(q1)));
			if (n && vnm_put_leaf(n, "vnmd:virtual-network/oper-state", vnm_vr_oper_str(v->oper)))
				goto ly_fail;
		}
		for (i = 0; i < snap->n_vrs; i++) {
			const struct vnm_snap_vr *r = &snap->vrs[i];
			char id[16];

			n = find(*tree, NW "[network-id=%s]/node[node-id=%s]/vnmd:router",
				 vnm_xq(r->vn, q1, sizeof(q1)), vnm_xq(r->name, q2, sizeof(q2)));
			if (!n)
				continue;
			snprintf(id, sizeof(id), "%d", r->domain_id);
			if (vnm_put_leaf(n, "oper-state", vnm_vr_oper_str(r->oper)) ||
			    (r->uuid[0] && vnm_put_leaf(n, "uuid", r->uuid)) ||
			    (r->domain_name && vnm_put_leaf(n, "domain-name", r->domain_name)) ||
			    vnm_put_leaf(n, "domain-id", id) || (realised && vr_realised(n, r)))
				goto ly_fail;
			snprintf(id, sizeof(id), "%u", r->age_ms);
			if (r->gathered && vnm_put_leaf(n, "state-age", id))
				goto ly_fail;
		}
		for (i = 0; i < snap->n_vls; i++) {
			const struct vnm_snap_vl *l = &snap->vls[i];

			n = lookup(&links, l->vn, l->name, "");
			if (n && put_vl(n, l))
				goto ly_fail;
		}
	}
	/* vNIC taps and both ends of each VL: names the core's model derives */
	if (ifnames(src, put_ifname, &ifa))
		goto ly_fail;
	rc = 0;
	goto cleanup;
ly_fail:
	vnm_err_from_ly(err, ctx, VNM_E_INTERNAL, "building the operational state");
cleanup:
	free(links.e);
	free(tps.e);
	return rc;
}

/*
 * The networks with their state, as text, kept for one running generation
 * and one counter snapshot: pollers reading <get> again and again between
 * two snapshots are served the same text the same tree would print.  The
 * keys are read before the tree is built, so the text is never older than
 * what it is kept under.
 */
static struct {
	pthread_mutex_t lock;
	uint64_t gen, sgen;
	struct timespec taken;
	struct ntext {
		int refs;
		char *text;
		size_t len;
	} *x;
} ncache = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The configuration's part of that text, printed once per running
 * generation (oper_text.c), or patched from the generation before when
 * only rates changed in place since; NULL: none (read it the tree's way). */
static struct {
	pthread_mutex_t lock;
	uint64_t gen;            /* the generation the text is of */
	struct vnm_nets_text *t;
} tcache = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The leaves changed since a text's generation (vnm_core_leaves_since),
 * copied: the core's strings are the core's once its lock is let go. */
struct leaves {
	struct vnm_vl_leaf l[64];
	size_t n;
	bool oom;
};

static int leaf_seen(void *arg, const char *vn, const char *link, const char *leaf,
		     const char *value)
{
	struct leaves *x = arg;
	struct vnm_vl_leaf *l;

	if (x->n == sizeof(x->l) / sizeof(x->l[0]))
		return 1;
	l = &x->l[x->n++];
	l->vn = strdup(vn);
	l->link = strdup(link);
	l->name = strdup(leaf);
	l->value = strdup(value);
	if (!l->vn || !l->link || !l->name || !l->value)
		x->oom = true;
	return x->oom ? -1 : 0;
}

static void leaves_free(struct leaves *x)
{
	size_t i;

	for (i = 0; i < x->n; i++) {
		free((char *)x->l[i].vn);
		free((char *)x->l[i].link);
		free((char *)x->l[i].name);
		free((char *)x->l[i].value);
	}
}

/* The text of old (of generation ogen) with the rates changed since, and
 * its generation in *g; NULL: running changed otherwise (print it). */
static struct vnm_nets_text *config_patched(const struct vnm_nets_text *old, uint64_t ogen,
					    uint64_t *g)
{
	struct vnm_nets_text *t = NULL;
	struct leaves x = {.n = 0};

	if (!vnm_core_leaves_since(vnm_srv->core, ogen, leaf_seen, &x, g) && *g > ogen)
		t = vnm_nets_text_patch(old, x.l, x.n);
	leaves_free(&x);
	return t;
}

/* The configuration's text of generation gen or later, and in *tgen the
 * generation it is of. */
static int nets_text_of(void *arg, const struct lyd_node *nets)
{
	struct vnm_nets_text **t = arg;

	*t = nets ? vnm_nets_text_new(nets) : NULL;
	return 0;
}

static struct vnm_nets_text *config_text(uint64_t gen, uint64_t *tgen)
{
	struct vnm_nets_text *t = NULL, *old = NULL;
	uint64_t g = 0, ogen = 0;

	pthread_mutex_lock(&tcache.lock);
	if (tcache.t) {
		old = tcache.t;
		ogen = tcache.gen;
		vnm_nets_text_ref(old);
	}
	pthread_mutex_unlock(&tcache.lock);
	if (old && ogen >= gen) {
		*tgen = ogen;
		return old;
	}
	if (old)
		t = config_patched(old, ogen, &g);
	vnm_nets_text_unref(old);
	if (!t) {
		/* printed from running itself, under the core's lock */
		if (vnm_core_running_read(vnm_srv->core, "ietf-network", nets_text_of, &t, &g) ||
		    !t)
			return NULL;
	}
	pthread_mutex_lock(&tcache.lock);
	if (!tcache.t || tcache.gen < g) {
		vnm_nets_text_unref(tcache.t);
		vnm_nets_text_ref(t);
		tcache.t = t;
		tcache.gen = g;
	}
	pthread_mutex_unlock(&tcache.lock);
	*tgen = g;
	return t;
}

static void nets_text_unref_v(void *t);

struct vnm_ptext *vnm_running_ptext(uint64_t gen)
{
	const struct lys_module *nw = ly_ctx_get_module_implemented(vnm_srv->ctx, "ietf-network");
	struct lyd_node *rest = NULL, *ph = NULL;
	struct vnm_ptext *p = NULL;
	struct vnm_nets_text *t;
	struct vnm_err err = {0};
	const char *nets;
	char *out = NULL;
	size_t nlen = 0, len = 0, at = 0;
	uint64_t tg = 0, g = 0;

	if (!nw || !(t = config_text(gen, &tg)))
		return NULL;
	nets = vnm_nets_text_config(t, &nlen);
	/* the rest of the same generation, the networks' place kept by an
	 * empty container (as get_plain does) */
	if (vnm_core_running_other(vnm_srv->core, "ietf-network", &rest, &g, &err) || g != tg ||
	    lyd_new_inner(NULL, nw, "networks", 0, &ph))
		goto cleanup;
	if (lyd_insert_sibling(rest, ph, &rest)) {
		lyd_free_tree(ph);
		goto cleanup;
	}
	if (!vnm_xml_print_split(rest, LYD_PRINT_WD_EXPLICIT, ph, &out, &len, &at)) {
		p = vnm_ptext_new(out, len, at, nets, nlen, nets_text_unref_v, t);
		t = NULL; /* p's, or let go */
	}
cleanup:
	lyd_free_all(rest);
	vnm_nets_text_unref(t);
	return p;
}

static void ntext_unref(struct ntext *x);

static void ntext_unref_v(void *x)
{
	ntext_unref(x);
}

static void nets_text_unref_v(void *t)
{
	vnm_nets_text_unref(t);
}

/* Kept under its generation, a text is never served again once running
 * moved on; after a commit that removed much, waiting for the next read to
 * replace it kept megabytes of what is gone.  The configuration's text
 * stays while the changes since are rates it can be patched with. */
void vnm_oper_drop_older(uint64_t gen)
{
	struct vnm_nets_text *t = NULL;
	struct ntext *x = NULL;
	size_t tlen = 0;
	uint64_t g;

	pthread_mutex_lock(&ncache.lock);
	if (ncache.x && ncache.gen < gen) {
		x = ncache.x;
		ncache.x = NULL;
	}
	pthread_mutex_unlock(&ncache.lock);
	vnm_srv_later(ntext_unref_v, x, x ? x->len : 0);
	pthread_mutex_lock(&tcache.lock);
	if (tcache.t && tcache.gen < gen &&
	    vnm_core_leaves_since(vnm_srv->core, tcache.gen, NULL, NULL, &g)) {
		t = tcache.t;
		tcache.t = NULL;
	}
	pthread_mutex_unlock(&tcache.lock);
	if (t)
		vnm_nets_text_config(t, &tlen);
	vnm_srv_later(nets_text_unref_v, t, tlen);
}

/* The networks with their state as text the tree's way: a copy of the
 * configuration, the state added as nodes, printed. */
static char *networks_tree_text(size_t *len)
{
	struct lyd_node *nt = NULL;
	struct vnm_err err = {0};
	char *text = NULL;
	uint64_t g;

	if (vnm_core_running_module(vnm_srv->core, "ietf-network", &nt, &g, &err) || !nt ||
	    vnm_oper_add(&nt, false, &err) || vnm_xml_print(nt, LYD_PRINT_WD_EXPLICIT, &text, len))
		text = NULL;
	lyd_free_all(nt);
	return text;
}

static void ntext_unref(struct ntext *x)
{
	if (x && !__atomic_sub_fetch(&x->refs, 1, __ATOMIC_ACQ_REL)) {
		free(x->text);
		free(x);
	}
}

/* The networks' text, shared (read only; ntext_unref when done). */
static struct ntext *networks_text(void)
{
	struct vnm_snapshot *snap = vnm_core_snapshot(vnm_srv->core);
	uint64_t gen = vnm_core_generation(vnm_srv->core), sgen = snap ? snap->generation : 0;
	struct timespec taken = snap ? snap->taken : (struct timespec){0, 0};
	struct vnm_nets_text *t;
	struct ntext *x = NULL, *old = NULL;
	char *text = NULL;
	uint64_t tg;
	size_t len = 0;

	pthread_mutex_lock(&ncache.lock);
	if (ncache.x && ncache.gen == gen && ncache.sgen == sgen &&
	    ncache.taken.tv_sec == taken.tv_sec && ncache.taken.tv_nsec == taken.tv_nsec) {
		x = ncache.x;
		__atomic_add_fetch(&x->refs, 1, __ATOMIC_ACQ_REL);
	} else {
		/* it will not serve again: let it go before its successor is
		 * made, whose megabytes can then take its place */
		old = ncache.x;
		ncache.x = NULL;
	}
	pthread_mutex_unlock(&ncache.lock);
	if (x) {
		vnm_snapshot_unref(snap);
		return x;
	}
	ntext_unref(old);
	/* the configuration's text with this snapshot's state in place, else
	 * the tree's way */
	t = config_text(gen, &tg);
	if (!t || vnm_nets_text_fill(t, snap, core_ifnames, vnm_srv->core, &text, &len))
		text = NULL;
	vnm_nets_text_unref(t);
	vnm_snapshot_unref(snap);
	if (!text && !(text = networks_tree_text(&len)))
		return NULL;
	x = malloc(sizeof(*x));
	if (!x) {
		free(text);
		return NULL;
	}
	*x = (struct ntext){2, text, len};     /* the cache's and the caller's */
	pthread_mutex_lock(&ncache.lock);
	old = ncache.x;
	ncache.x = x;
	ncache.gen = gen;
	ncache.sgen = sgen;
	ncache.taken = taken;
	pthread_mutex_unlock(&ncache.lock);
	ntext_unref(old);
	return x;
}

/* <get> of everything for a session that may read everything: the
 * networks' text (above) in the place of an empty networks container in
 * the tree of the rest (the rest of running, monitoring, yang-library),
 * so that the reply holds the same bytes in the same order as the tree
 * of all would print.  NULL: read it the ordinary way. */
static struct nc_server_reply *get_plain(struct lyd_node *rpc)
{
	const struct lys_module *nw = ly_ctx_get_module_implemented(vnm_srv->ctx, "ietf-network");
	struct lyd_node *rest = NULL, *ph = NULL;
	struct vnm_err err = {0};
	struct ntext *nets;
	char *out = NULL;
	size_t len = 0, at = 0;
	uint64_t g;
	int rc;

	if (!nw || !vnm_read_plain(rpc) || !(nets = networks_text()))
		return NULL;
	rc = vnm_core_running_other(vnm_srv->core, "ietf-network", &rest, &g, &err) ||
	     lyd_new_inner(NULL, nw, "networks", 0, &ph);
	if (!rc && lyd_insert_sibling(rest, ph, &rest)) {
		lyd_free_tree(ph);
		rc = -1;
	}
	rc = rc || vnm_monitoring_add(&rest, &err) || vnm_nacm_state_add(&rest, &err) ||
	     vnm_xml_print_split(rest, LYD_PRINT_WD_EXPLICIT, ph, &out, &len, &at);
	lyd_free_all(rest);
	if (rc) {
		ntext_unref(nets);
		return NULL;
	}
	/* the networks' text goes out from the cache, not copied */
	return vnm_reply_ptext(rpc, vnm_ptext_new(out, len, at, nets->text, nets->len,
						  ntext_unref_v, nets));
}

struct nc_server_reply *vnm_rpc_get(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct vnm_server *s = vnm_srv;
	struct nc_server_reply *r;
	struct lyd_node *tree = NULL;
	struct vnm_err err = {0};
	int rc;

	(void)ncs;
	(void)s;
	if ((r = get_plain(rpc)))
		return r;
	rc = vnm_ds_read(VNM_DS_RUNNING, &tree, &err);
	if (rc || vnm_oper_add(&tree, false, &err) || vnm_monitoring_add(&tree, &err) ||
	    vnm_nacm_state_add(&tree, &err)) {
		lyd_free_all(tree);
		return vnm_reply_err(&err, NC_ERR_TYPE_APP);
	}
	return vnm_reply_filtered(rpc, tree);
}
