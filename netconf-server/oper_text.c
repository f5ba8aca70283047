/*
 * oper_text.c - the networks of <get> as text: the configuration printed
 * once per running generation, the state of each snapshot printed straight
 * from the snapshot into the places it goes.
 *
 * The tree's way (oper.c) copies the 10,000-VL configuration, adds some
 * 200,000 state nodes through libyang and prints it all: 150 ms for every
 * new counter snapshot (two a second).  The state lives at the end of four
 * containers, all of it config false after every configured child (the
 * module's order): a network's virtual-network, a node's router, a
 * termination point's vnic and a link's virtual-link.  The configuration's
 * text records where each of those ends (or, for virtual-network and vnic,
 * which the state may bring, where its parent ends); the state is then
 * written there in the module's order, escaped as the printer escapes, with
 * libyang's canonical form for the two values that have one of their own
 * (uuid, date-and-time).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>

#include "oper_text.h"
#include "oper_text_p.h"
#include "xmlprint.h"

/* ------------------------------------------------------------------ */
/* The configuration's text and its places                            */
/* ------------------------------------------------------------------ */

static const char *key1(const struct lyd_node *n)
{
	const struct lyd_node *k = n ? lyd_child(n) : NULL;

	return k && k->schema && (k->schema->flags & LYS_KEY) ? lyd_get_value(k) : NULL;
}

static void sp_add(struct vnm_nets_text *t, size_t off, int kind, int how, const char *vn,
		   const char *a, const char *b)
{
	struct places *pl = t->pl;
	struct splice *p;
	size_t *o, cap = pl->cap ? 2 * pl->cap : 1024;

	if (pl->n == pl->cap) {
		p = realloc(pl->sp, cap * sizeof(*p));
		if (p)
			pl->sp = p;
		o = realloc(t->off, cap * sizeof(*o));
		if (o)
			t->off = o;
		if (!p || !o) {
			t->oom = true;
			return;
		}
		pl->cap = cap;
	}
	p = &pl->sp[pl->n];
	*p = (struct splice){(unsigned char)kind, (unsigned char)how, strdup(vn),
			     strdup(a ? a : ""), strdup(b ? b : "")};
	if (!p->vn || !p->a || !p->b) {
		free(p->vn);
		free(p->a);
		free(p->b);
		t->oom = true;
		return;
	}
	t->off[pl->n++] = off;
}

/* A state container (schema s) not printed in parent can go at the
 * parent's end only when nothing of the parent comes after it. */
static bool fits_last(const struct lyd_node *parent, const struct lysc_node *s)
{
	const struct lyd_node *c, *last = NULL;
	const struct lysc_node *x;

	LY_LIST_FOR(lyd_child(parent), c)
		last = c;
	if (!last || !last->schema || last->schema == s)
		return true;
	for (x = s->next; x; x = x->next) {
		if (x == last->schema)
			return false;
	}
	return true;
}

struct hook_st {
	struct vnm_nets_text *t;
	const struct lyd_node *seen[4];   /* per kind: the parent whose container ended */
	bool bad;
};

/* The keys of the object whose state container is a child of entry e. */
static bool keys(int kind, const struct lyd_node *e, const char **vn, const char **a,
		 const char **b)
{
	const struct lyd_node *p = lyd_parent(e), *pp = p ? lyd_parent(p) : NULL;

	*a = *b = NULL;
	switch (kind) {
	case SP_NET:
		*vn = key1(e);
		break;
	case SP_TP:
		*vn = key1(pp);
		*a = key1(p);
		*b = key1(e);
		return *vn && *a && *b;
	default:
		*vn = key1(p);
		*a = key1(e);
		return *vn && *a;
	}
	return *vn != NULL;
}

static bool has_child(const struct lyd_node *e, const struct lysc_node *s)
{
	const struct lyd_node *c;

	LY_LIST_FOR(lyd_child(e), c) {
		if (c->schema == s)
			return true;
	}
	return false;
}

static int hook(void *arg, const struct lyd_node *n, size_t off, bool empty)
{
	struct hook_st *h = arg;
	struct vnm_nets_text *t = h->t;
	const struct lysc_node *cs[4] = {t->s_vnet, t->s_router, t->s_vnic, t->s_vl};
	const char *vn, *a, *b;
	int k;

	if (!n->schema)
		return 0;
	for (k = 0; k < 4; k++) {
		if (n->schema == cs[k]) {
			/* the container, printed: its state before its end */
			if (keys(k, lyd_parent(n), &vn, &a, &b))
				sp_add(t, off, k, empty ? SP_EMPTY : SP_INSIDE, vn, a, b);
			h->seen[k] = lyd_parent(n);
			break;
		}
		if (n->schema == cs[k]->parent && h->seen[k] != n && keys(k, n, &vn, &a, &b) &&
		    (k == SP_NET || k == SP_TP || has_child(n, cs[k]))) {
			/* not printed (none, or a default container): where it
			 * would be, the state brings it (networks and vNICs get
			 * it made, routers and links must have it) */
			if (!fits_last(n, cs[k]))
				h->bad = true;
			sp_add(t, off, k, SP_ABSENT, vn, a, b);
			break;
		}
	}
	return t->oom || h->bad ? -1 : 0;
}

/* FNV-1a over the kind and the keys (each with its terminating NUL). */
static size_t sp_hash(int kind, const char *vn, const char *a, const char *b)
{
	const char *k[3] = {vn, a, b};
	uint64_t h = 14695981039346656037ull ^ (uint64_t)kind;
	const unsigned char *p;
	int i;

	for (i = 0; i < 3; i++) {
		p = (const unsigned char *)k[i];
		do {
			h = (h ^ *p) * 1099511628211ull;
		} while (*p++);
	}
	return (size_t)(h ^ (h >> 29));
}

static bool sp_is(const struct splice *p, int kind, const char *vn, const char *a, const char *b)
{
	return p->kind == kind && !strcmp(p->vn, vn) && !strcmp(p->a, a) && !strcmp(p->b, b);
}

static void places_unref(struct places *pl)
{
	size_t i;

	if (!pl || __atomic_sub_fetch(&pl->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (i = 0; i < pl->n; i++) {
		free(pl->sp[i].vn);
		free(pl->sp[i].a);
		free(pl->sp[i].b);
	}
	free(pl->sp);
	free(pl->idx);
	free(pl);
}

const char *vnm_nets_text_config(const struct vnm_nets_text *t, size_t *len)
{
	*len = t->len;
	return t->text;
}

void vnm_nets_text_ref(struct vnm_nets_text *t)
{
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_ACQ_REL);
}

void vnm_nets_text_unref(struct vnm_nets_text *t)
{
	if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL))
		return;
	places_unref(t->pl);
	free(t->off);
	free(t->text);
	free(t->ns);
	free(t);
}

static const struct lysc_node *sch(const struct ly_ctx *ctx, const char *path)
{
	return lys_find_path(ctx, NULL, path, 0);
}

#define NWP "/ietf-network:networks/network"

struct vnm_nets_text *vnm_nets_text_new(const struct lyd_node *nets)
{
	struct vnm_nets_text *t;
	struct hook_st h = {0};
	const struct ly_ctx *ctx;
	struct places *pl;
	size_t i;

	if (!nets || !(t = calloc(1, sizeof(*t))))
		return NULL;
	t->refs = 1;
	if (!(pl = t->pl = calloc(1, sizeof(*pl))))
		goto fail;
	pl->refs = 1;
	ctx = t->ctx = LYD_CTX(nets);
	t->s_vnet = sch(ctx, NWP "/vnmd:virtual-network");
	t->s_router = sch(ctx, NWP "/node/vnmd:router");
	t->s_vnic = sch(ctx, NWP "/node/ietf-network-topology:termination-point/vnmd:vnic");
	t->s_vl = sch(ctx, NWP "/ietf-network-topology:link/vnmd:virtual-link");
	t->s_uuid = sch(ctx, NWP "/node/vnmd:router/uuid");
	t->s_disc = sch(ctx, NWP "/ietf-network-topology:link/vnmd:virtual-link/statistics/"
			     "discontinuity-time");
	if (!t->s_vnet || !t->s_router || !t->s_vnic || !t->s_vl || !t->s_uuid || !t->s_disc ||
	    !t->s_vnet->parent || !t->s_vnic->parent ||
	    !(t->ns = strdup(t->s_vnet->module->ns)))
		goto fail;
	h.t = t;
	if (vnm_xml_print_hook(nets, LYD_PRINT_WD_EXPLICIT, hook, &h, &t->text, &t->len) ||
	    t->oom || h.bad)
		goto fail;
	for (pl->mask = 1023; pl->mask < 2 * pl->n; pl->mask = 2 * pl->mask + 1)
		;
	pl->idx = calloc(pl->mask + 1, sizeof(*pl->idx));
	if (!pl->idx)
		goto fail;
	for (i = 0; i < pl->n; i++) {
		const struct splice *p = &pl->sp[i];
		size_t k = sp_hash(p->kind, p->vn, p->a, p->b) & pl->mask;

		while (pl->idx[k]) {
			/* the same object twice (cannot be in valid data): the tree's way */
			if (sp_is(&pl->sp[pl->idx[k] - 1], p->kind, p->vn, p->a, p->b))
				goto fail;
			k = (k + 1) & pl->mask;
		}
		pl->idx[k] = i + 1;
	}
	return t;
fail:
	vnm_nets_text_unref(t);
	return NULL;
}

/* The place of an object, or -1. */
long vnm_ot_find_sp(const struct vnm_nets_text *t, int kind, const char *vn, const char *a,
		    const char *b)
{
	const struct places *pl = t->pl;
	size_t h = sp_hash(kind, vn, a, b) & pl->mask, i;

	while ((i = pl->idx[h])) {
		if (sp_is(&pl->sp[i - 1], kind, vn, a, b))
			return (long)(i - 1);
		h = (h + 1) & pl->mask;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* The state of one snapshot                                          */
/* ------------------------------------------------------------------ */


static void grow(struct obuf *o, size_t n)
{
	size_t cap;
	char *p;

	if (o->len + n + 1 <= o->cap)
		return;
	cap = o->cap ? o->cap : 1u << 20;
	while (cap < o->len + n + 1)
		cap *= 2;
	p = realloc(o->p, cap);
	if (!p) {
		o->oom = true;
		return;
	}
	o->p = p;
	o->cap = cap;
}

void vnm_ot_put(struct obuf *o, const char *s, size_t n)
{
	if (o->oom || !n)
		return;
	grow(o, n);
	if (o->oom)
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

void vnm_ot_puts(struct obuf *o, const char *s)
{
	vnm_ot_put(o, s, strlen(s));
}

/* Text content escaped as the printer escapes it (xmlprint.c). */
void vnm_ot_put_esc(struct obuf *o, const char *s)
{
	const char *p;

	while (*(p = s + strcspn(s, "&<>"))) {
		vnm_ot_put(o, s, (size_t)(p - s));
		vnm_ot_puts(o, *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : "&gt;");
		s = p + 1;
	}
	vnm_ot_put(o, s, (size_t)(p - s));
}

/* <name>value</name>, value escaped (n: strlen(name), vn: strlen(value)):
 * room made once, then written (200,000 leaves for 10,000 VLs). */
static void leafn(struct obuf *o, const char *name, size_t n, const char *value, size_t vn)
{
	char *w;

	if (o->oom)
		return;
	if (!vn) {
		grow(o, n + 3);
		if (o->oom)
			return;
		w = o->p + o->len;
		*w++ = '<';
		memcpy(w, name, n);
		memcpy(w + n, "/>", 2);
		o->len += n + 3;
		return;
	}
	if (value[strcspn(value, "&<>")]) {
		vnm_ot_put(o, "<", 1);
		vnm_ot_put(o, name, n);
		vnm_ot_put(o, ">", 1);
		vnm_ot_put_esc(o, value);
		vnm_ot_put(o, "</", 2);
		vnm_ot_put(o, name, n);
		vnm_ot_put(o, ">", 1);
		return;
	}
	grow(o, 2 * n + vn + 5);
	if (o->oom)
		return;
	w = o->p + o->len;
	*w++ = '<';
	memcpy(w, name, n);
	w += n;
	*w++ = '>';
	memcpy(w, value, vn);
	w += vn;
	*w++ = '<';
	*w++ = '/';
	memcpy(w, name, n);
	w += n;
	*w++ = '>';
	o->len = (size_t)(w - o->p);
}

#define LEAF(o, name, value) leafn(o, name, sizeof(name) - 1, value, strlen(value))

/* Decimal, as %llu prints it. */
static size_t u64_str(unsigned long long v, char *b)
{
	char t[24];
	size_t n = 0, i;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		b[i] = t[n - 1 - i];
	b[n] = '\0';
	return n;
}

#define LEAF_U64(o, name, v)                                     \
	do {                                                     \
		char b_[24];                                     \
		size_t n_ = u64_str((unsigned long long)(v), b_); \
		leafn(o, name, sizeof(name) - 1, b_, n_);         \
	} while (0)

/* The shape of yang:uuid, which libyang keeps as it is given. */
static bool uuid_shape(const char *u)
{
	size_t i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-')
				return false;
		} else if (!u[i] || !strchr("0123456789abcdefABCDEF", u[i])) {
			return false;
		}
	}
	return !u[36];
}

/* The canonical text libyang keeps of value for leaf s; -1 when libyang
 * refuses the value (as the tree's way then fails). */
static int canon(const struct vnm_nets_text *t, const struct lysc_node *s, const char *value,
		 char *buf, size_t len)
{
	const char *c = NULL;

	if (lyd_value_validate(t->ctx, s, value, strlen(value), NULL, NULL, &c) || !c)
		return -1;
	snprintf(buf, len, "%s", c);
	lydict_remove(t->ctx, c);
	return 0;
}

/* The XPath the tree's way finds a VN or a VR with (oper.c find()) finds
 * nothing for names it cannot quote or that do not fit its buffers. */
static bool xpath_name(const char *v)
{
	return strlen(v) + 3 <= 300 && !(strchr(v, '\'') && strchr(v, '"'));
}

static bool xpath_ok(const char *vn, const char *vr)
{
	size_t n = strlen("/ietf-network:networks/network[network-id=]") + strlen(vn) + 2;

	if (!xpath_name(vn) || (vr && !xpath_name(vr)))
		return false;
	if (vr)
		n += strlen("/node[node-id=]/vnmd:router") + strlen(vr) + 2;
	return n < 1024;
}

struct ifn {
	size_t sp, off, next;    /* next: the next of the same place, or SIZE_MAX */
};

struct fill {
	const struct vnm_nets_text *t;
	const void **obj;        /* per place: its snapshot entry */
	size_t *head, *tail;     /* per place: its host interfaces */
	struct ifn *ifn;
	size_t n_ifn, cap_ifn;
	struct obuf names;
	bool oom, refused;
	time_t disc_t;           /* the last discontinuity-time made canonical */
	char disc[64];
};

static int add_ifname(void *arg, const char *vn, const char *vr, const char *obj,
		      const char *ifname)
{
	struct fill *f = arg;
	long s = vr ? vnm_ot_find_sp(f->t, SP_TP, vn, vr, obj) : vnm_ot_find_sp(f->t, SP_VL, vn, obj, "");
	struct ifn *p;

	if (s < 0)
		return 0;
	if (vr && f->head[s] != SIZE_MAX) {
		/* the tree's way: a second value of a leaf */
		f->refused = true;
		return -1;
	}
	if (f->n_ifn == f->cap_ifn) {
		p = realloc(f->ifn, (f->cap_ifn ? 2 * f->cap_ifn : 1024) * sizeof(*p));
		if (!p) {
			f->oom = true;
			return -1;
		}
		f->ifn = p;
		f->cap_ifn = f->cap_ifn ? 2 * f->cap_ifn : 1024;
	}
	f->ifn[f->n_ifn] = (struct ifn){(size_t)s, f->names.len, SIZE_MAX};
	vnm_ot_put(&f->names, ifname, strlen(ifname) + 1);
	if (f->names.oom) {
		f->oom = true;
		return -1;
	}
	if (f->head[s] == SIZE_MAX)
		f->head[s] = f->n_ifn;
	else
		f->ifn[f->tail[s]].next = f->n_ifn;
	f->tail[s] = f->n_ifn++;
	return 0;
}

static const char *ifname_of(const struct fill *f, size_t i)
{
	return f->names.p + f->ifn[i].off;
}

static void vn_state(struct obuf *o, const struct vnm_snap_vn *v)
{
	if (v)
		LEAF(o, "oper-state", vnm_vr_oper_str(v->oper));
}

static int vr_state(struct fill *f, struct obuf *o, const struct vnm_snap_vr *r)
{
	char b[64];

	if (!r)
		return 0;
	LEAF(o, "oper-state", vnm_vr_oper_str(r->oper));
	if (r->uuid[0]) {
		if (!uuid_shape(r->uuid) && canon(f->t, f->t->s_uuid, r->uuid, b, sizeof(b)))
			return -1;
		LEAF(o, "uuid", uuid_shape(r->uuid) ? r->uuid : b);
	}
	if (r->domain_name)
		LEAF(o, "domain-name", r->domain_name);
	if (r->domain_id < 0) {
		b[0] = '-';
		u64_str(-(unsigned long long)(long long)r->domain_id, b + 1);
	} else {
		u64_str((unsigned long long)r->domain_id, b);
	}
	LEAF(o, "domain-id", b);
	if (r->gathered)
		LEAF_U64(o, "state-age", r->age_ms);
	return 0;
}

static void tp_state(struct fill *f, struct obuf *o, size_t s)
{
	if (f->head[s] != SIZE_MAX)
		LEAF(o, "host-interface", ifname_of(f, f->head[s]));
}

/* Whether host-interface value v is among those written before it. */
static bool had(const struct fill *f, const struct vnm_snap_vl *l, size_t s, size_t upto,
		const char *v)
{
	size_t i;

	if (l && l->ifname[0] && !strcmp(l->ifname, v))
		return true;
	for (i = f->head[s]; i != upto; i = f->ifn[i].next) {
		if (!strcmp(ifname_of(f, i), v))
			return true;
	}
	return false;
}

static int vl_state(struct fill *f, struct obuf *o, const struct vnm_snap_vl *l, size_t s)
{
	const struct vnm_vl_counters *c;
	struct tm tm;
	char ts[40];
	size_t i;

	if (l) {
		LEAF(o, "oper-state", l->up ? "up" : "down");
		if (!l->enabled && !l->up)
			LEAF(o, "oper-reason", "admin-down");
		if (l->gathered)
			LEAF_U64(o, "state-age", l->age_ms);
		if (l->ifname[0])
			LEAF(o, "host-interface", l->ifname);
	}
	for (i = f->head[s]; i != SIZE_MAX; i = f->ifn[i].next) {
		if (!had(f, l, s, i, ifname_of(f, i)))
			LEAF(o, "host-interface", ifname_of(f, i));
	}
	if (!l)
		return 0;
	c = &l->ctr;
	vnm_ot_puts(o, "<statistics>");
	if (c->discontinuity > 0) {
		if (!f->disc[0] || f->disc_t != (time_t)c->discontinuity) {
			gmtime_r(&(time_t){(time_t)c->discontinuity}, &tm);
			strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
			if (canon(f->t, f->t->s_disc, ts, f->disc, sizeof(f->disc)))
				return -1;
			f->disc_t = (time_t)c->discontinuity;
		}
		LEAF(o, "discontinuity-time", f->disc);
	}
	LEAF_U64(o, "in-octets", c->in_octets);
	LEAF_U64(o, "in-packets", c->in_packets);
	LEAF_U64(o, "out-octets", c->out_octets);
	LEAF_U64(o, "out-packets", c->out_packets);
	LEAF_U64(o, "drops", c->drops);
	LEAF_U64(o, "overlimits", c->overlimits);
	vnm_ot_puts(o, "</statistics>");
	if (l->watch.measured) {
		vnm_ot_puts(o, "<guarantee-watch>");
		LEAF_U64(o, "interval", l->watch.interval_ms);
		LEAF_U64(o, "carried-rate-out", l->watch.rate_out);
		LEAF_U64(o, "carried-rate-in", l->watch.rate_in);
		LEAF(o, "guarantee-met", l->watch.met ? "true" : "false");
		LEAF(o, "guarantee-violated", l->watch.violated ? "true" : "false");
		vnm_ot_puts(o, "</guarantee-watch>");
	}
	return 0;
}

static const char *cont_name(const struct vnm_nets_text *t, int kind)
{
	switch (kind) {
	case SP_NET:
		return t->s_vnet->name;
	case SP_VR:
		return t->s_router->name;
	case SP_TP:
		return t->s_vnic->name;
	default:
		return t->s_vl->name;
	}
}

int vnm_nets_text_fill(const struct vnm_nets_text *t, const struct vnm_snapshot *snap,
		       vnm_ifnames_fn ifnames, void *src, char **out, size_t *len)
{
	struct fill f = {.t = t};
	struct obuf o = {0};
	const struct splice *p;
	size_t i, pos = 0, mark, body;
	long s;
	int rc = -1;

	*out = NULL;
	*len = 0;
	f.obj = calloc(t->pl->n + 1, sizeof(*f.obj));
	f.head = malloc((t->pl->n + 1) * sizeof(*f.head));
	f.tail = malloc((t->pl->n + 1) * sizeof(*f.tail));
	if (!f.obj || !f.head || !f.tail)
		goto done;
	for (i = 0; i < t->pl->n; i++)
		f.head[i] = SIZE_MAX;
	/* only objects still in the configuration get state: the snapshot may lag */
	for (i = 0; snap && i < snap->n_vns; i++) {
		if (xpath_ok(snap->vns[i].name, NULL) &&
		    (s = vnm_ot_find_sp(t, SP_NET, snap->vns[i].name, "", "")) >= 0)
			f.obj[s] = &snap->vns[i];
	}
	for (i = 0; snap && i < snap->n_vrs; i++) {
		if (xpath_ok(snap->vrs[i].vn, snap->vrs[i].name) &&
		    (s = vnm_ot_find_sp(t, SP_VR, snap->vrs[i].vn, snap->vrs[i].name, "")) >= 0)
			f.obj[s] = &snap->vrs[i];
	}
	for (i = 0; snap && i < snap->n_vls; i++) {
		if ((s = vnm_ot_find_sp(t, SP_VL, snap->vls[i].vn, snap->vls[i].name, "")) >= 0)
			f.obj[s] = &snap->vls[i];
	}
	if (ifnames(src, add_ifname, &f) || f.oom || f.refused)
		goto done;

	/* room for all of it at once: a VL's state is some 560 bytes */
	o.cap = t->len + 64 * t->pl->n + (snap ? 768 * snap->n_vls + 256 * snap->n_vrs : 0);
	if (!(o.p = vnm_xml_buf(o.cap)))
		goto done;
	for (i = 0; i < t->pl->n && !o.oom; i++) {
		p = &t->pl->sp[i];
		vnm_ot_put(&o, t->text + pos, t->off[i] - pos);
		pos = t->off[i];
		mark = o.len;
		if (p->how == SP_ABSENT) {
			vnm_ot_put(&o, "<", 1);
			vnm_ot_puts(&o, cont_name(t, p->kind));
			vnm_ot_puts(&o, " xmlns=\"");
			vnm_ot_put_esc(&o, t->ns);
			vnm_ot_put(&o, "\">", 2);
		} else if (p->how == SP_EMPTY) {
			vnm_ot_put(&o, ">", 1);
		}
		body = o.len;
		switch (p->kind) {
		case SP_NET:
			vn_state(&o, f.obj[i]);
			break;
		case SP_VR:
			if (vr_state(&f, &o, f.obj[i]))
				goto done;
			break;
		case SP_TP:
			tp_state(&f, &o, i);
			break;
		default:
			if (vl_state(&f, &o, f.obj[i], i))
				goto done;
			break;
		}
		if (o.len == body) {
			/* no state: the configuration's text as it is */
			o.len = mark;
			continue;
		}
		if (p->how == SP_EMPTY)
			pos += 2;       /* the "/>" */
		if (p->how != SP_INSIDE) {
			vnm_ot_put(&o, "</", 2);
			vnm_ot_puts(&o, cont_name(t, p->kind));
			vnm_ot_put(&o, ">", 1);
		}
	}
	vnm_ot_put(&o, t->text + pos, t->len - pos);
	if (o.oom)
		goto done;
	grow(&o, 0);
	if (o.oom)
		goto done;
	o.p[o.len] = '\0';
	*out = o.p;
	*len = o.len;
	o.p = NULL;
	rc = 0;
done:
	free(o.p);
	free(f.obj);
	free(f.head);
	free(f.tail);
	free(f.ifn);
	free(f.names.p);
	return rc;
}
