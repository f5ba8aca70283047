/*
 * dupguard.c - list entries with equal keys (see dupguard.h).
 *
 * A byte-wise scanner like nsguard.c's: start and end tags are followed
 * (names by the hash of their local part), attribute values, comments,
 * processing instructions and declarations skipped, CDATA read as text.
 * For each open element the stack knows whether it is a list entry (and
 * sums its key values as they close) or whose text is a value to keep.
 * It need not judge well-formedness: libyang does that after it.
 */
#include "dupguard.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libyang/libyang.h>

#define MAX_KEYS 8

enum { K_LIST = 1, K_LEAFLIST = 2 };

struct entry {
	uint64_t name;
	unsigned kind;
	unsigned nkeys;
	uint64_t keys[MAX_KEYS];
};

/* The schema's names: open addressing over a power of two, read-only once
 * the server runs. */
static struct entry *tab;
static size_t tab_cap, tab_n;

/* The entries' places in a message's set depend on a secret, so that no
 * client can make distinct entries crowd one probe chain. */
static uint64_t seed;

unsigned vnm_dupguard_max = VNM_DUPGUARD_MAX;

enum {
	S_TEXT, S_LT, S_SNAME, S_ATTRS, S_AVAL, S_EMPTY, S_ENAME, S_EREST,
	S_PI, S_PI_Q, S_BANG, S_CMT, S_CMT_END, S_CDATA_OPEN, S_CDATA, S_DECL,
};

#define FNV_OFF 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv(uint64_t h, unsigned char c)
{
	return (h ^ c) * FNV_PRIME;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = FNV_OFF;

	while (n--)
		h = fnv(h, (unsigned char)*s++);
	return h;
}

/* ------------------------------------------------------------------ */
/* The schema's lists and leaf-lists                                  */
/* ------------------------------------------------------------------ */

static int tab_find(uint64_t name)
{
	size_t i;

	if (!tab_cap)
		return -1;
	for (i = name & (tab_cap - 1); tab[i].kind; i = (i + 1) & (tab_cap - 1))
		if (tab[i].name == name)
			return (int)i;
	return -1;
}

static struct entry *tab_get(uint64_t name)
{
	struct entry *old = tab;
	size_t i, cap = tab_cap;
	int at = tab_find(name);

	if (at >= 0)
		return &tab[at];
	if (2 * (tab_n + 1) > tab_cap) {
		size_t ncap = tab_cap ? 2 * tab_cap : 64;
		struct entry *t = calloc(ncap, sizeof(*t));

		if (!t)
			return NULL;
		tab = t;
		tab_cap = ncap;
		tab_n = 0;
		for (i = 0; i < cap; i++)
			if (old[i].kind)
				*tab_get(old[i].name) = old[i];
		free(old);
	}
	for (i = name & (tab_cap - 1); tab[i].kind; i = (i + 1) & (tab_cap - 1))
		;
	tab[i].name = name;
	tab[i].kind = K_LIST; /* marked used; the caller sets the kind */
	tab[i].nkeys = 0;
	tab_n++;
	return &tab[i];
}

static void add_key(struct entry *e, uint64_t key)
{
	unsigned i;

	for (i = 0; i < e->nkeys; i++)
		if (e->keys[i] == key)
			return;
	if (e->nkeys < MAX_KEYS)
		e->keys[e->nkeys++] = key;
}

void vnm_dupguard_teach(const char *name, const char *const *keys, unsigned nkeys)
{
	bool fresh = tab_find(hash_str(name, strlen(name))) < 0;
	struct entry *e = tab_get(hash_str(name, strlen(name)));
	unsigned i;

	if (!e)
		return;
	if (fresh)
		e->kind = 0;
	e->kind |= keys ? K_LIST : K_LEAFLIST;
	for (i = 0; keys && i < nkeys; i++)
		add_key(e, hash_str(keys[i], strlen(keys[i])));
	if (!seed && getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)(uintptr_t)&seed ^ 0x9e3779b97f4a7c15ULL;
}

static LY_ERR learn_node(struct lysc_node *node, void *data, ly_bool *dfs_continue)
{
	const char *keys[MAX_KEYS];
	const struct lysc_node *c;
	unsigned n = 0;

	(void)data;
	*dfs_continue = 0;
	if (node->nodetype == LYS_LEAFLIST) {
		vnm_dupguard_teach(node->name, NULL, 0);
	} else if (node->nodetype == LYS_LIST && !(node->flags & LYS_KEYLESS)) {
		LY_LIST_FOR(lysc_node_child(node), c) {
			if (lysc_is_key(c) && n < MAX_KEYS)
				keys[n++] = c->name;
		}
		vnm_dupguard_teach(node->name, keys, n);
	}
	return LY_SUCCESS;
}

void vnm_dupguard_learn(const struct ly_ctx *ctx)
{
	const struct lys_module *m;
	uint32_t i = 0;

	while ((m = ly_ctx_get_module_iter(ctx, &i)))
		if (m->implemented && m->compiled)
			lysc_module_dfs_full(m, learn_node, NULL);
}

/* ------------------------------------------------------------------ */
/* Values as libyang would compare them                               */
/* ------------------------------------------------------------------ */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18 & 0x07));
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* One reference at s (after '&', up to ';' at s + n); its bytes to o. */
static size_t decode_ref(const char *s, size_t n, char *o)
{
	static const struct { const char *name; char c; } named[] = {
		{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''},
	};
	unsigned long cp = 0;
	size_t i, base = 10, start = 1;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strlen(named[i].name) == n && !memcmp(s, named[i].name, n)) {
			o[0] = named[i].c;
			return 1;
		}
	if (n < 2 || s[0] != '#')
		return 0;
	if (s[1] == 'x') {
		base = 16;
		start = 2;
	}
	for (i = start; i < n; i++) {
		int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' :
			base == 16 && s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 :
			base == 16 && s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10 : -1;

		if (d < 0)
			return 0;
		cp = cp * base + (unsigned long)d;
		if (cp > 0x10ffff)
			return 0;
	}
	return i > start ? put_utf8(o, cp) : 0;
}

/* The hash of the value in t[0..n), canonized (dupguard.h). */
static uint64_t value_hash(const char *t, size_t n)
{
	char v[VNM_DUPGUARD_TEXT * 4];
	size_t i, m = 0, b, e, k;
	const char *semi;
	bool num = true, dot = false;

	for (i = 0; i < n; i++) {
		if (t[i] == '&' && (semi = memchr(t + i, ';', n - i)) &&
		    (k = decode_ref(t + i + 1, (size_t)(semi - t - i - 1), v + m))) {
			m += k;
			i = (size_t)(semi - t);
		} else {
			v[m++] = t[i];
		}
	}
	for (b = 0; b < m && is_ws(v[b]); b++)
		;
	for (e = m; e > b && is_ws(v[e - 1]); e--)
		;
	for (i = e; i > b; i--)
		if (v[i - 1] == ':') {
			b = i; /* a prefix: the module it names is not checked */
			break;
		}
	if (b < e && v[b] == '+')
		b++;
	for (i = b + (b < e && v[b] == '-'); i < e; i++) {
		if (v[i] == '.' && !dot)
			dot = true;
		else if (v[i] < '0' || v[i] > '9')
			num = false;
	}
	if (num && b < e) {
		bool neg = v[b] == '-';
		char *o = v + b + neg;

		while (o + 1 < v + e && *o == '0' && o[1] != '.')
			o++;
		if (dot)
			while (e > b && (v[e - 1] == '0' || v[e - 1] == '.')) {
				e--;
				if (v[e] == '.')
					break;
			}
		if (e <= (size_t)(o - v))
			return hash_str("0", 1);
		if (neg && e - (size_t)(o - v) == 1 && *o == '0')
			neg = false;
		return neg ? fnv(hash_str(o, e - (size_t)(o - v)), '-') :
			     hash_str(o, e - (size_t)(o - v));
	}
	return hash_str(v + b, e - b);
}

/* ------------------------------------------------------------------ */
/* Entries seen                                                       */
/* ------------------------------------------------------------------ */

/* Whether h was there; puts it there.  A set that cannot grow lets the
 * entry through (it is counted as new). */
static bool seen(struct vnm_dupguard *g, uint64_t h)
{
	size_t i;

	h = mix(h ^ seed);
	h = h ? h : 1;
	if (2 * (g->set_n + 1) > g->set_cap) {
		size_t cap = g->set_cap ? 2 * g->set_cap : 256, j;
		uint64_t *s = calloc(cap, sizeof(*s));

		if (!s)
			return false;
		for (j = 0; j < g->set_cap; j++) {
			if (!g->set[j])
				continue;
			for (i = g->set[j] & (cap - 1); s[i]; i = (i + 1) & (cap - 1))
				;
			s[i] = g->set[j];
		}
		free(g->set);
		g->set = s;
		g->set_cap = cap;
	}
	for (i = h & (g->set_cap - 1); g->set[i]; i = (i + 1) & (g->set_cap - 1))
		if (g->set[i] == h)
			return true;
	g->set[i] = h;
	g->set_n++;
	return false;
}

/* ------------------------------------------------------------------ */
/* The scanner                                                        */
/* ------------------------------------------------------------------ */

void vnm_dupguard_init(struct vnm_dupguard *g)
{
	uint64_t *set = g->set;
	size_t cap = g->set_cap, n = g->set_n, spoiled = g->spoiled;
	char last[sizeof(g->last)];

	memcpy(last, g->last, sizeof(last));
	memset(g, 0, offsetof(struct vnm_dupguard, set));
	if (cap > 4096) {
		/* a large message's set is not kept for the session's next */
		free(set);
		set = NULL;
		cap = 0;
	} else if (n) {
		memset(set, 0, cap * sizeof(*set));
	}
	g->set = set;
	g->set_cap = cap;
	g->set_n = 0;
	g->dups = 0;
	g->spoiled = spoiled;
	memcpy(g->last, last, sizeof(last));
	g->name_len = 0;
	g->st = S_TEXT;
}

void vnm_dupguard_free(struct vnm_dupguard *g)
{
	free(g->set);
	g->set = NULL;
	g->set_cap = g->set_n = 0;
}

static struct vnm_dupguard_open *top(struct vnm_dupguard *g)
{
	return g->depth > 0 && g->depth <= VNM_DUPGUARD_DEPTH ? &g->stk[g->depth - 1] : NULL;
}

static bool is_key_of(int ent, uint64_t name)
{
	unsigned i;

	for (i = 0; ent >= 0 && i < tab[ent].nkeys; i++)
		if (tab[ent].keys[i] == name)
			return true;
	return false;
}

/* A start tag's name is over: open the element. */
static void open_elem(struct vnm_dupguard *g)
{
	struct vnm_dupguard_open *p = top(g), *o;

	g->depth++;
	if (p)
		p->capture = false; /* a value has no child elements */
	if (!(o = top(g)))
		return;
	o->name = g->nh;
	o->id = ++g->next_id;
	o->acc = 0;
	o->keys = 0;
	o->ent = tab_find(g->nh);
	o->capture = (p && p->ent >= 0 && (tab[p->ent].kind & K_LIST) && is_key_of(p->ent, g->nh)) ||
		     (o->ent >= 0 && (tab[o->ent].kind & K_LEAFLIST));
	g->tlen = 0;
	g->traw = FNV_OFF;
}

/* The element on top ends; true when it is an equal entry past the limit. */
static bool close_elem(struct vnm_dupguard *g)
{
	struct vnm_dupguard_open *o = top(g), *p;
	uint64_t parent, v = 0, h;
	bool have = false, over = false;

	if (!o) {
		if (g->depth > 0)
			g->depth--;
		return false;
	}
	p = g->depth > 1 ? &g->stk[g->depth - 2] : NULL;
	parent = p ? p->id : 0;
	if (o->capture)
		v = g->tlen <= VNM_DUPGUARD_TEXT ? value_hash(g->text, g->tlen) : g->traw;
	if (o->capture && p && p->ent >= 0 && (tab[p->ent].kind & K_LIST) &&
	    is_key_of(p->ent, o->name)) {
		p->acc += mix(o->name ^ v);
		p->keys++;
	}
	if (o->ent >= 0) {
		const struct entry *e = &tab[o->ent];

		if ((e->kind & K_LIST) && e->nkeys && o->keys >= e->nkeys) {
			h = mix(parent * FNV_PRIME ^ o->name) ^ o->acc;
			have = true;
		} else if ((e->kind & K_LEAFLIST) && o->capture && !o->keys) {
			h = mix(parent * FNV_PRIME ^ o->name) ^ mix(v + 1);
			have = true;
		}
		if (have && seen(g, h))
			over = ++g->dups > vnm_dupguard_max;
	}
	g->depth--;
	return over;
}

static void text_byte(struct vnm_dupguard *g, char c)
{
	struct vnm_dupguard_open *o = top(g);

	if (!o || !o->capture)
		return;
	if (g->tlen < VNM_DUPGUARD_TEXT)
		g->text[g->tlen] = c;
	g->traw = fnv(g->traw, (unsigned char)c);
	if (g->tlen <= VNM_DUPGUARD_TEXT)
		g->tlen++;
}

static void name_byte(struct vnm_dupguard *g, char c)
{
	if (c == ':')
		g->nh = FNV_OFF; /* the local part only */
	else
		g->nh = fnv(g->nh, (unsigned char)c);
}

/* An end tag's first byte (its name follows into last) or the '/' of an
 * empty element's "/>" (no name noted). */
static void spoil(struct vnm_dupguard *g, char *p, bool etag)
{
	g->last[0] = etag ? *p : '\0';
	g->last[1] = '\0';
	g->name_len = etag;
	*p = 0x02;
	g->spoiled++;
}

/* A byte of a processing instruction, comment, CDATA section or
 * declaration. */
static void other_byte(struct vnm_dupguard *g, char c)
{
	switch (g->st) {
	case S_PI:
		if (c == '?')
			g->st = S_PI_Q;
		break;
	case S_PI_Q:
		g->st = c == '>' ? S_TEXT : c == '?' ? S_PI_Q : S_PI;
		break;
	case S_BANG:
		if (c == '-') {
			g->st = S_CMT;
			g->n = 0;
		} else if (c == '[') {
			g->st = S_CDATA_OPEN;
			g->n = 1;
		} else {
			g->st = S_DECL;
		}
		break;
	case S_CMT: /* after "<!-": until "-->" */
		if (c == '-')
			g->n++;
		else if (c == '>' && g->n >= 3)
			g->st = S_TEXT;
		else
			g->n = 1; /* the opening's second '-' counted once */
		break;
	case S_CDATA_OPEN: /* "[CDATA[" */
		if (c != "[CDATA["[g->n]) {
			g->st = S_DECL;
		} else if (++g->n == 7) {
			g->st = S_CDATA;
			g->n = 0;
		}
		break;
	case S_CDATA: /* until "]]>" */
		if (c == ']') {
			g->n++;
		} else if (c == '>' && g->n >= 2) {
			while (g->n-- > 2)
				text_byte(g, ']');
			g->n = 0;
			g->st = S_TEXT;
		} else {
			for (; g->n; g->n--)
				text_byte(g, ']');
			text_byte(g, c);
		}
		break;
	default: /* S_DECL */
		if (c == '>')
			g->st = S_TEXT;
		break;
	}
}

size_t vnm_dupguard_feed(struct vnm_dupguard *g, char *buf, size_t n)
{
	size_t i, spoiled = g->spoiled;
	char c;

	if (!tab_n)
		return 0;
	for (i = 0; i < n; i++) {
		c = buf[i];
		switch (g->st) {
		case S_TEXT:
			if (c == '<')
				g->st = S_LT;
			else
				text_byte(g, c);
			break;
		case S_LT:
			g->nh = FNV_OFF;
			if (c == '/') {
				g->st = S_ENAME;
			} else if (c == '?') {
				g->st = S_PI;
			} else if (c == '!') {
				g->st = S_BANG;
				g->n = 0;
			} else {
				name_byte(g, c);
				g->st = S_SNAME;
			}
			break;
		case S_SNAME:
			if (is_ws(c) || c == '/' || c == '>') {
				open_elem(g);
				g->st = c == '>' ? S_TEXT : c == '/' ? S_EMPTY : S_ATTRS;
				if (c == '/' && close_elem(g))
					spoil(g, &buf[i], false);
			} else {
				name_byte(g, c);
			}
			break;
		case S_ATTRS:
			if (c == '"' || c == '\'') {
				g->quote = c;
				g->st = S_AVAL;
			} else if (c == '>') {
				g->st = S_TEXT;
			} else if (c == '/') {
				g->st = S_EMPTY;
				if (close_elem(g))
					spoil(g, &buf[i], false);
			}
			break;
		case S_AVAL:
			if (c == g->quote)
				g->st = S_ATTRS;
			break;
		case S_EMPTY: /* after the '/' of "/>": the element is closed */
			g->st = c == '>' ? S_TEXT : S_ATTRS;
			break;
		case S_ENAME: /* the first byte of an end tag's name */
			g->name_len = 0;
			if (close_elem(g))
				spoil(g, &buf[i], true);
			g->st = S_EREST;
			break;
		case S_EREST:
			if (c == '>') {
				g->st = S_TEXT;
				g->name_len = 0;
			} else if (g->name_len && g->name_len < sizeof(g->last) - 1) {
				g->last[g->name_len++] = c;
				g->last[g->name_len] = '\0';
			}
			break;
		default:
			other_byte(g, c);
			break;
		}
	}
	return g->spoiled - spoiled;
}
