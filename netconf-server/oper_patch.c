/*
 * oper_patch.c - the networks' text of a new generation made from the
 * previous one when only leaves of virtual-link containers changed in place
 * (a rate change): the changed values replaced, new leaves inserted in the
 * module's order, the places of the state moved (vnm_nets_text_patch).
 * Byte for byte the text a fresh print gives (tests/unit/test_oper_text.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "oper_text.h"
#include "oper_text_p.h"

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
	long s = vnm_ot_find_sp(t, SP_VL, l->vn, l->link, "");
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
				vnm_ot_put_esc(ins, l->value);
				e->ins_len = ins->len - e->ins;
				return ins->oom ? -1 : 0;
			}
			q = ve + 3 + nl;
		}
		if (o > want && at == end)
			at = (size_t)(p - x);
	}
	*e = (struct edit){at, 0, ins->len, 0, (unsigned)want};
	vnm_ot_put(ins, "<", 1);
	vnm_ot_puts(ins, l->name);
	vnm_ot_put(ins, ">", 1);
	vnm_ot_put_esc(ins, l->value);
	vnm_ot_put(ins, "</", 2);
	vnm_ot_puts(ins, l->name);
	vnm_ot_put(ins, ">", 1);
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

