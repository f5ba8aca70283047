/*
 * nacm.c - RFC 8341 access control: the decisions, on rules compiled by
 * nacm_rules.c.
 *
 * Reading a tree decides every node once, top down: each path rule
 * carries one bit per depth saying whether its steps matched the node's
 * ancestors so far, and one saying it matched an ancestor (a rule covers
 * its node's descendants).  A node's decision is then the first rule of the
 * view, in order, whose module, access bits and bit fit: the cost is the
 * tree's size times the number of rules, never the tree's size squared.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "nacm_p.h"

/* ------------------------------------------------------------------ */
/* Matching                                                           */
/* ------------------------------------------------------------------ */

enum { EXT_DENY_ALL = 1, EXT_DENY_WRITE = 2 };

/* nacm:default-deny-all / -write on a schema node itself. */
static unsigned node_ext(const struct lysc_node *s)
{
	LY_ARRAY_COUNT_TYPE i;
	unsigned f = 0;

	LY_ARRAY_FOR(s->exts, i) {
		const struct lysc_ext *d = s->exts[i].def;

		if (!d || !d->module || strcmp(d->module->name, NACM_MOD))
			continue;
		if (!strcmp(d->name, "default-deny-all"))
			f |= EXT_DENY_ALL;
		else if (!strcmp(d->name, "default-deny-write"))
			f |= EXT_DENY_WRITE;
	}
	return f;
}

/* ... on it or any schema ancestor (the extension covers the subtree). */
static unsigned schema_ext(const struct lysc_node *s)
{
	unsigned f = 0;

	for (; s; s = s->parent)
		f |= node_ext(s);
	return f;
}

static bool mod_ok(const struct rule *r, const struct lysc_node *s)
{
	return !r->mod || !strcmp(r->mod, s->module->name);
}

static const char *child_value(const struct lyd_node *n, const char *name)
{
	const struct lyd_node *c;

	LY_LIST_FOR(lyd_child(n), c) {
		if (c->schema && !strcmp(c->schema->name, name))
			return lyd_get_value(c);
	}
	return NULL;
}

static bool step_ok(const struct step *st, const struct lyd_node *n)
{
	const char *v;
	size_t i;

	if (!n->schema || strcmp(st->name, n->schema->name) ||
	    strcmp(st->mod, n->schema->module->name))
		return false;
	for (i = 0; i < st->n_preds; i++) {
		v = !strcmp(st->preds[i].key, ".") ? lyd_get_value(n)
						   : child_value(n, st->preds[i].key);
		if (!v || strcmp(v, st->preds[i].value))
			return false;
	}
	return true;
}

/* Whether path rule r covers data node n (n or an ancestor is its target). */
static bool path_ok(const struct rule *r, const struct lyd_node *n)
{
	const struct lyd_node *anc[64], *p;
	size_t d = 0, i;

	if (!r->n_steps)
		return true;
	for (p = n; p; p = lyd_parent(p)) {
		if (d == sizeof(anc) / sizeof(anc[0]))
			return false;
		anc[d++] = p;
	}
	if (r->n_steps > d)
		return false;
	for (i = 0; i < r->n_steps; i++) {
		if (!step_ok(&r->steps[i], anc[d - 1 - i]))
			return false;
	}
	return true;
}

/* The first rule of v for access acc on a request of kind type (RT_RPC,
 * RT_NOTIF or RT_PATH) named name in schema s, or NULL. node is the data
 * node path rules are matched with; or matched says it per path rule. */
static const struct rule *first_rule(const struct vnm_nacm_view *v, unsigned acc, int type,
				     const struct lysc_node *s, const char *name,
				     const struct lyd_node *node, const uint64_t *matched)
{
	const struct rule *r;
	size_t i;

	for (i = 0; i < v->n_rules; i++) {
		r = v->rules[i];
		if (!(r->ops & acc) || !mod_ok(r, s))
			continue;
		switch (r->type) {
		case RT_ANY:
			return r;
		case RT_RPC:
		case RT_NOTIF:
			if ((int)r->type == type && (!r->what || !strcmp(r->what, name)))
				return r;
			break;
		case RT_PATH:
			if (matched) {
				if (matched[v->pidx[i] / 64] >> (v->pidx[i] % 64) & 1)
					return r;
			} else if (node && path_ok(r, node)) {
				return r;
			}
			break;
		}
	}
	return NULL;
}

bool vnm_nacm_exec_ok(const struct vnm_nacm_view *v, const struct lysc_node *op,
		      const struct lyd_node *node)
{
	const struct rule *r;
	bool action = op->nodetype == LYS_ACTION;

	if (v->all)
		return true;
	/* RFC 8341 3.2.4: close-session is always permitted */
	if (!strcmp(op->module->name, "ietf-netconf") && !strcmp(op->name, "close-session"))
		return true;
	r = first_rule(v, VNM_NACM_EXEC, action ? RT_PATH : RT_RPC, op, op->name,
		       action ? node : NULL, NULL);
	if (r)
		return r->permit;
	if (schema_ext(op) & EXT_DENY_ALL)
		return false;
	/* marked default-deny-all in ietf-netconf@2013-09-29; the revision
	 * Debian ships (2011) predates NACM */
	if (v->n->configured && !strcmp(op->module->name, "ietf-netconf") &&
	    (!strcmp(op->name, "kill-session") || !strcmp(op->name, "delete-config")))
		return false;
	return v->n->exec_dflt;
}

bool vnm_nacm_notif_ok(const struct vnm_nacm_view *v, const struct lyd_node *tree)
{
	const struct lyd_node *n = NULL, *e;
	const struct rule *r;
	bool nested;

	if (v->all)
		return true;
	LYD_TREE_DFS_BEGIN(tree, e) {
		if (e->schema && e->schema->nodetype == LYS_NOTIF) {
			n = e;
			break;
		}
		LYD_TREE_DFS_END(tree, e);
	}
	if (!n)
		return false;
	/* RFC 8341 3.4.6: these two are always delivered */
	if (!strcmp(n->schema->module->name, "nc-notifications") &&
	    (!strcmp(n->schema->name, "replayComplete") ||
	     !strcmp(n->schema->name, "notificationComplete")))
		return true;
	nested = lyd_parent(n) != NULL;
	r = first_rule(v, VNM_NACM_READ, nested ? RT_PATH : RT_NOTIF, n->schema, n->schema->name,
		       nested ? n : NULL, NULL);
	if (r)
		return r->permit;
	if (schema_ext(n->schema) & EXT_DENY_ALL)
		return false;
	return v->n->read_dflt;
}

/* ------------------------------------------------------------------ */
/* Walking trees                                                      */
/* ------------------------------------------------------------------ */

/* Per depth, two bitmaps of W words over the view's path rules: partial
 * (the rule's steps matched the ancestors so far, more steps to go) and
 * matched (the rule matched the node or an ancestor). */
struct walk {
	const struct vnm_nacm_view *v;
	size_t w;
	uint64_t *bits;
	size_t cap;        /* depths bits has room for */
	bool oom;
	size_t removed;
};

static uint64_t *level(struct walk *wk, size_t d)
{
	uint64_t *nb;
	size_t ncap;

	if (d >= wk->cap) {
		ncap = wk->cap ? wk->cap * 2 : 16;
		while (ncap <= d)
			ncap *= 2;
		nb = realloc(wk->bits, ncap * 2 * wk->w * sizeof(*nb));
		if (!nb) {
			wk->oom = true;
			return NULL;
		}
		wk->bits = nb;
		wk->cap = ncap;
	}
	return wk->bits + d * 2 * wk->w;
}

/* Fill the bitmaps of node n at depth d from those at d-1 (or the start). */
static const uint64_t *advance(struct walk *wk, const struct lyd_node *n, size_t d)
{
	const struct vnm_nacm_view *v = wk->v;
	uint64_t *out, *in = NULL;
	size_t i, b;

	if (!wk->w)
		return NULL;
	if (d && !(in = level(wk, d - 1)))
		return NULL;
	if (!(out = level(wk, d)))
		return NULL;
	in = d ? level(wk, d - 1) : NULL; /* level() may have moved it */
	memset(out, 0, 2 * wk->w * sizeof(*out));
	for (i = 0; i < v->n_rules; i++) {
		const struct rule *r = v->rules[i];
		bool partial, matched;

		if (v->pidx[i] < 0)
			continue;
		b = (size_t)v->pidx[i];
		if (in) {
			partial = in[b / 64] >> (b % 64) & 1;
			matched = in[wk->w + b / 64] >> (b % 64) & 1;
		} else {
			partial = r->n_steps > 0;
			matched = r->n_steps == 0;
		}
		if (!matched && partial && step_ok(&r->steps[d], n)) {
			if (r->n_steps == d + 1)
				matched = true;
			else
				out[b / 64] |= 1ull << (b % 64);
		}
		if (matched)
			out[wk->w + b / 64] |= 1ull << (b % 64);
	}
	return out + wk->w;
}

static bool is_key(const struct lyd_node *n)
{
	return n->schema && lysc_is_key(n->schema);
}

/* Decide every sibling from first on (depth d) for reading; removes the
 * denied ones.  Returns the new first sibling. */
static struct lyd_node *read_walk(struct walk *wk, struct lyd_node *first, size_t d,
				  unsigned inh)
{
	struct lyd_node *n, *next, *head = first;
	const struct rule *r;
	const uint64_t *m;
	unsigned ext;
	bool ok;

	for (n = first; n && !wk->oom; n = next) {
		next = n->next;
		if (is_key(n))
			continue;
		ext = inh;
		if (!n->schema) {
			ok = false;
		} else {
			ext = inh | node_ext(n->schema);
			m = advance(wk, n, d);
			r = first_rule(wk->v, VNM_NACM_READ, RT_PATH, n->schema, NULL, NULL, m);
			ok = r ? r->permit : !(ext & EXT_DENY_ALL) && wk->v->n->read_dflt;
		}
		if (!ok) {
			if (n == head)
				head = next;
			lyd_free_tree(n);
			wk->removed++;
			continue;
		}
		if (lyd_child(n))
			read_walk(wk, lyd_child(n), d + 1, ext);
	}
	return head;
}

size_t vnm_nacm_filter_read(const struct vnm_nacm_view *v, struct lyd_node **tree)
{
	struct walk wk = {.v = v, .w = (v->n_path + 63) / 64};
	struct lyd_node *first;

	if (v->all || !*tree)
		return 0;
	first = read_walk(&wk, lyd_first_sibling(*tree), 0, 0);
	free(wk.bits);
	if (wk.oom) {
		/* denying what could not be decided: nothing */
		lyd_free_all(first);
		first = NULL;
	}
	*tree = first;
	return wk.removed;
}

/* The access a diff node's yang:operation asks for (0: none); inherited
 * from the parent when the node carries none. */
static unsigned diff_access(const struct lyd_node *n, unsigned parent)
{
	struct lyd_meta *m;
	const char *op;

	m = lyd_find_meta(n->meta, NULL, "yang:operation");
	if (!m)
		return parent;
	op = lyd_get_meta_value(m);
	if (!strcmp(op, "create"))
		return VNM_NACM_CREATE;
	if (!strcmp(op, "delete"))
		return VNM_NACM_DELETE;
	if (!strcmp(op, "replace"))
		return VNM_NACM_UPDATE;
	return 0;
}

static const struct lyd_node *diff_walk(struct walk *wk, const struct lyd_node *first, size_t d,
					unsigned inh, unsigned pacc, unsigned *access)
{
	const struct lyd_node *n, *bad;
	const struct rule *r;
	const uint64_t *m;
	unsigned ext, acc;
	bool ok;

	for (n = first; n && !wk->oom; n = n->next) {
		if (!n->schema)
			continue;
		ext = inh | node_ext(n->schema);
		acc = diff_access(n, pacc);
		m = advance(wk, n, d);
		/* keys go with their entry; a default node appears or goes
		 * with its parent and is nobody's write */
		if (acc && !is_key(n) && !(n->flags & LYD_DEFAULT)) {
			r = first_rule(wk->v, acc, RT_PATH, n->schema, NULL, NULL, m);
			ok = r ? r->permit
			       : !(ext & (EXT_DENY_ALL | EXT_DENY_WRITE)) && wk->v->n->write_dflt;
			if (!ok) {
				*access = acc;
				return n;
			}
		}
		if (lyd_child(n) && (bad = diff_walk(wk, lyd_child(n), d + 1, ext, acc, access)))
			return bad;
	}
	return NULL;
}

const struct lyd_node *vnm_nacm_diff_denied(const struct vnm_nacm_view *v,
					    const struct lyd_node *diff, unsigned *access)
{
	struct walk wk = {.v = v, .w = (v->n_path + 63) / 64};
	const struct lyd_node *bad;

	*access = 0;
	if (v->all || !diff)
		return NULL;
	bad = diff_walk(&wk, lyd_first_sibling(diff), 0, 0, 0, access);
	free(wk.bits);
	if (!bad && wk.oom) {
		*access = VNM_NACM_ALL;
		return lyd_first_sibling(diff);
	}
	return bad;
}
