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
#include "xmlprint.h"

enum sp_kind { SP_NET, SP_VR, SP_TP, SP_VL };
enum sp_how {
	SP_INSIDE,  /* off: the container's close tag */
	SP_EMPTY,   /* off: the "/>" of the container printed empty */
	SP_ABSENT,  /* off: the parent's close tag; the container is not printed */
};

struct splice {
	unsigned char kind, how;
	char *vn, *a, *b;        /* keys: network; node or link; tp ("" when none) */
};

/* The places of a configuration's text, shared by the texts patched from
 * it (vnm_nets_text_patch: the same places, moved). */
struct places {
	int refs;
	struct splice *sp;       /* in the text's order */
	size_t n, cap;
	size_t *idx;             /* hash table of places: index + 1, 0 empty */
	size_t mask;
};

struct vnm_nets_text {
	int refs;
	const struct ly_ctx *ctx;
	char *text;
	size_t len;
	struct places *pl;
	size_t *off;             /* per place: where it is in text */
	char *ns;                /* vnmd's namespace */
	const struct lysc_node *s_vnet, *s_router, *s_vnic, *s_vl, *s_uuid, *s_disc;
	bool oom;
};

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
static long find_sp(const struct vnm_nets_text *t, int kind, const char *vn, const char *a,
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

struct obuf {
	char *p;
	size_t len, cap;
	bool oom;
};

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

static void put(struct obuf *o, const char *s, size_t n)
{
	if (o->oom || !n)
		return;
	grow(o, n);
	if (o->oom)
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void puts_(struct obuf *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Text content escaped as the printer escapes it (xmlprint.c). */
static void put_esc(struct obuf *o, const char *s)
{
	const char *p;

	while (*(p = s + strcspn(s, "&<>"))) {
		put(o, s, (size_t)(p - s));
		puts_(o, *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : "&gt;");
		s = p + 1;
	}
	put(o, s, (size_t)(p - s));
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
		put(o, "<", 1);
		put(o, name, n);
		put(o, ">", 1);
		put_esc(o, value);
		put(o, "</", 2);
		put(o, name, n);
		put(o, ">", 1);
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

/* ------------------------------------------------------------------ */
/* A text patched: leaves of virtual-link containers changed in place */
/* ------------------------------------------------------------------ */

struct edit {
	size_t pos, del;         /* bytes [pos, pos + del) of the old text go */
	size_t ins, ins_len;     /* what comes instead: in the edits' buffer */
	unsigned order;          /* inserts at one place: in the module's order */
};

/* The place among s's children of the one named name in s's module (its
 * order in the module), or -1. */
static int child_order(const struct lysc_node *s, const char *name, size_t len)
{
	const struct lysc_node *c;
	int i = 0;

	for (c = lysc_node_child(s); c; c = c->next, i++) {
		if (!strncmp(c->name, name, len) && !c->name[len])
			return c->module == s->module ? i : -1;
	}
	return -1;
}

static int edit_cmp(const void *x, const void *y)
{
	const struct edit *a = x, *b = y;

	if (a->pos != b->pos)
		return a->pos < b->pos ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/*
 * The edit that sets leaf l in the text of its virtual-link container.
 * Config true, the container holds only leaves, each printed as
 * <name>value</name> (values escaped: every '<' in it is a tag): the
 * leaf's value is replaced, or the leaf goes before the first child that
 * comes after it in the module (libyang keeps that order), else at the
 * container's end.  -1: not so (the caller prints anew).
 */
static int leaf_edit(const struct vnm_nets_text *t, const struct vnm_vl_leaf *l, struct edit *e,
		     struct obuf *ins)
{
	static const char tag[] = "virtual-link";
	const char *x = t->text, *p, *q, *ve;
	size_t end, at, nl;
	long s = find_sp(t, SP_VL, l->vn, l->link, "");
	const struct lysc_node *ls;
	int want, o;

	/* a configuration leaf of vnmd's, in a container printed with content */
	ls = lys_find_child(t->s_vl, t->s_vl->module, l->name, 0, LYS_LEAF, 0);
	if (s < 0 || t->pl->sp[s].how != SP_INSIDE || !l->value || !*l->value || !ls ||
	    !(ls->flags & LYS_CONFIG_W) ||
	    (want = child_order(t->s_vl, l->name, strlen(l->name))) < 0)
		return -1;
	end = t->off[s];
	/* the container's open tag, the nearest one before its end */
	for (p = x + end; p > x;) {
		p--;
		if (*p == '<' && !strncmp(p + 1, tag, sizeof(tag) - 1) &&
		    (p[sizeof(tag)] == ' ' || p[sizeof(tag)] == '>'))
			break;
	}
	if (p == x || !(p = memchr(p, '>', end - (size_t)(p - x))))
		return -1;
	at = end;
	for (p++; p < x + end; p = q) {
		/* a child: <name ...>value</name> or <name .../> */
		if (*p != '<' || p[1] == '/')
			return -1;
		nl = strcspn(p + 1, " />");
		if ((o = child_order(t->s_vl, p + 1, nl)) < 0 ||
		    !(q = memchr(p, '>', end - (size_t)(p - x))))
			return -1;
		if (q[-1] == '/') {
			if (o == want)
				return -1;      /* an empty value: not a rate */
			q++;
		} else {
			ve = memchr(q, '<', end - (size_t)(q - x));
			if (!ve || ve[1] != '/' || strncmp(ve + 2, p + 1, nl) || ve[2 + nl] != '>')
				return -1;
			if (o == want) {
				*e = (struct edit){(size_t)(q + 1 - x), (size_t)(ve - q - 1),
						   ins->len, 0, (unsigned)o};
				put_esc(ins, l->value);
				e->ins_len = ins->len - e->ins;
				return ins->oom ? -1 : 0;
			}
			q = ve + 3 + nl;
		}
		if (o > want && at == end)
			at = (size_t)(p - x);
	}
	*e = (struct edit){at, 0, ins->len, 0, (unsigned)want};
	put(ins, "<", 1);
	puts_(ins, l->name);
	put(ins, ">", 1);
	put_esc(ins, l->value);
	put(ins, "</", 2);
	puts_(ins, l->name);
	put(ins, ">", 1);
	e->ins_len = ins->len - e->ins;
	return ins->oom ? -1 : 0;
}

struct vnm_nets_text *vnm_nets_text_patch(const struct vnm_nets_text *t,
					  const struct vnm_vl_leaf *ch, size_t n)
{
	struct vnm_nets_text *nt = NULL;
	struct edit *e = calloc(n ? n : 1, sizeof(*e));
	struct obuf ins = {0};
	size_t i, k, len = t->len, pos = 0, w = 0;
	long delta = 0;

	if (!e)
		return NULL;
	for (i = 0; i < n; i++) {
		if (leaf_edit(t, &ch[i], &e[i], &ins))
			goto fail;
		len += e[i].ins_len - e[i].del;
	}
	qsort(e, n, sizeof(*e), edit_cmp);
	for (i = 1; i < n; i++) {
		if (e[i].pos < e[i - 1].pos + e[i - 1].del)
			goto fail;  /* one leaf twice */
	}
	if (!(nt = calloc(1, sizeof(*nt))))
		goto fail;
	*nt = *t;
	nt->refs = 1;
	nt->text = NULL;
	nt->off = NULL;
	nt->ns = strdup(t->ns);
	nt->text = malloc(len + 1);
	nt->off = malloc((t->pl->n ? t->pl->n : 1) * sizeof(*nt->off));
	if (!nt->ns || !nt->text || !nt->off)
		goto fail;
	__atomic_add_fetch(&t->pl->refs, 1, __ATOMIC_ACQ_REL);
	for (i = 0, k = 0; i <= n; i++) {
		size_t to = i < n ? e[i].pos : t->len;

		/* the places up to the edit, moved by the edits before them */
		for (; k < t->pl->n && t->off[k] < to; k++)
			nt->off[k] = (size_t)((long)t->off[k] + delta);
		memcpy(nt->text + w, t->text + pos, to - pos);
		w += to - pos;
		pos = to;
		if (i == n)
			break;
		memcpy(nt->text + w, ins.p + e[i].ins, e[i].ins_len);
		w += e[i].ins_len;
		pos += e[i].del;
		delta += (long)e[i].ins_len - (long)e[i].del;
	}
	for (; k < t->pl->n; k++)
		nt->off[k] = (size_t)((long)t->off[k] + delta);
	nt->text[w] = '\0';
	nt->len = w;
	free(e);
	free(ins.p);
	return nt;
fail:
	free(e);
	free(ins.p);
	if (nt) {
		free(nt->ns);
		free(nt->text);
		free(nt->off);
		free(nt);
	}
	return NULL;
}

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
	long s = vr ? find_sp(f->t, SP_TP, vn, vr, obj) : find_sp(f->t, SP_VL, vn, obj, "");
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
	put(&f->names, ifname, strlen(ifname) + 1);
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
	puts_(o, "<statistics>");
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
	puts_(o, "</statistics>");
	if (l->watch.measured) {
		puts_(o, "<guarantee-watch>");
		LEAF_U64(o, "interval", l->watch.interval_ms);
		LEAF_U64(o, "carried-rate-out", l->watch.rate_out);
		LEAF_U64(o, "carried-rate-in", l->watch.rate_in);
		LEAF(o, "guarantee-met", l->watch.met ? "true" : "false");
		LEAF(o, "guarantee-violated", l->watch.violated ? "true" : "false");
		puts_(o, "</guarantee-watch>");
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
		    (s = find_sp(t, SP_NET, snap->vns[i].name, "", "")) >= 0)
			f.obj[s] = &snap->vns[i];
	}
	for (i = 0; snap && i < snap->n_vrs; i++) {
		if (xpath_ok(snap->vrs[i].vn, snap->vrs[i].name) &&
		    (s = find_sp(t, SP_VR, snap->vrs[i].vn, snap->vrs[i].name, "")) >= 0)
			f.obj[s] = &snap->vrs[i];
	}
	for (i = 0; snap && i < snap->n_vls; i++) {
		if ((s = find_sp(t, SP_VL, snap->vls[i].vn, snap->vls[i].name, "")) >= 0)
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
		put(&o, t->text + pos, t->off[i] - pos);
		pos = t->off[i];
		mark = o.len;
		if (p->how == SP_ABSENT) {
			put(&o, "<", 1);
			puts_(&o, cont_name(t, p->kind));
			puts_(&o, " xmlns=\"");
			put_esc(&o, t->ns);
			put(&o, "\">", 2);
		} else if (p->how == SP_EMPTY) {
			put(&o, ">", 1);
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
			put(&o, "</", 2);
			puts_(&o, cont_name(t, p->kind));
			put(&o, ">", 1);
		}
	}
	put(&o, t->text + pos, t->len - pos);
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
