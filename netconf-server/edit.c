/*
 * edit.c - RFC 6241 <edit-config> on libyang trees; see edit.h.
 *
 * The edit is walked together with the datastore tree and applied in
 * place, so that the cost follows the size of the edit and not the size
 * of the datastore: list entries are found through libyang's hashes, a
 * created subtree is duplicated once from the edit, a deleted subtree is
 * moved (not copied) into the diff.  Every change is journaled; a failure
 * (an operation check, or YANG validation of the result) replays the
 * journal backwards, so the datastore is as before.
 *
 * The diff is built while walking, in libyang's format (yang:operation
 * create/delete/replace/none, yang:orig-value for changed leaves), then
 * merged with what validation changed (implicit defaults, nodes removed
 * because their `when` became false).  Default nodes count as absent, as
 * with lyd_diff_siblings() and as RFC 6243 basic mode explicit wants:
 * creating a leaf that only holds its default succeeds, deleting it fails
 * with data-missing.
 *
 * error-option: rollback-on-error undoes everything on the first error.
 * stop-on-error does the same: the datastore is one tree that is either
 * valid as a whole or not, and a half-applied edit cannot be validated, so
 * "stop" leaves nothing applied.  continue-on-error skips the edit nodes
 * whose operation check fails (data-exists, data-missing...) and applies
 * the rest; if the result is not YANG-valid, nothing is applied.
 */
#include "edit.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#define NC_NS "urn:ietf:params:xml:ns:netconf:base:1.0"

/* ------------------------------------------------------------------ */
/* Names of objects for messages                                      */
/* ------------------------------------------------------------------ */

static const char *node_name(const struct lyd_node *n)
{
	return n->schema ? n->schema->name : ((const struct lyd_node_opaq *)n)->name.name;
}

/* First key value of a list entry (schema or opaque), or NULL. */
static const char *first_key(const struct lyd_node *n)
{
	const struct lyd_node *c;

	if (n->schema && n->schema->nodetype == LYS_LIST) {
		c = lyd_child(n);
		if (c && c->schema && lysc_is_key(c->schema))
			return lyd_get_value(c);
		return NULL;
	}
	if (!n->schema) {
		/* opaque list entry: its first child with a value is the key, if any */
		for (c = lyd_child(n); c; c = c->next) {
			if (!c->schema && lyd_child(c) == NULL)
				return ((const struct lyd_node_opaq *)c)->value;
		}
	}
	return NULL;
}

/*
 * "leaf 'rate-limit' of link 'vl-a' of network 'vn-a'": the node and the
 * list entries above it, in the model's words (list names with their key).
 */
static void describe(const struct lyd_node *n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (const struct lyd_node *p = n; p && off < len; p = lyd_parent(p)) {
		bool list = p->schema ? p->schema->nodetype == LYS_LIST : (p == n && lyd_child(p));
		const char *key = list ? first_key(p) : NULL;
		const char *kind = p->schema && (p->schema->nodetype & LYD_NODE_TERM) ? "leaf " : "";

		if (p != n && !list)
			continue;
		if (key)
			off += snprintf(buf + off, len - off, "%s%s '%s'", off ? " of " : "",
					node_name(p), key);
		else
			off += snprintf(buf + off, len - off, "%s%s'%s'", off ? " of " : "", kind,
					node_name(p));
	}
}

static void node_path(const struct lyd_node *n, char *buf, size_t len)
{
	if (!lyd_path(n, LYD_PATH_STD, buf, len))
		buf[0] = '\0';
}

/* ------------------------------------------------------------------ */
/* Operations of edit nodes                                           */
/* ------------------------------------------------------------------ */

static int op_from_str(const char *s, enum vnm_edit_op *op)
{
	static const char *names[] = {
		[VNM_OP_MERGE] = "merge", [VNM_OP_REPLACE] = "replace", [VNM_OP_NONE] = "none",
		[VNM_OP_CREATE] = "create", [VNM_OP_DELETE] = "delete", [VNM_OP_REMOVE] = "remove",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i] && !strcmp(s, names[i])) {
			*op = (enum vnm_edit_op)i;
			return 0;
		}
	}
	return -1;
}

/* The nc:operation string of an edit node, or NULL. */
static const char *own_op_str(const struct lyd_node *e)
{
	if (e->schema) {
		for (const struct lyd_meta *m = e->meta; m; m = m->next) {
			if (!strcmp(m->name, "operation") &&
			    !strcmp(m->annotation->module->name, "ietf-netconf"))
				return lyd_get_meta_value(m);
		}
		return NULL;
	}
	for (const struct lyd_attr *a = ((const struct lyd_node_opaq *)e)->attr; a; a = a->next) {
		if (!strcmp(a->name.name, "operation") && a->name.module_ns &&
		    !strcmp(a->name.module_ns, NC_NS))
			return a->value;
	}
	return NULL;
}

static enum vnm_edit_op node_op(const struct lyd_node *e, enum vnm_edit_op inherited)
{
	const char *s = own_op_str(e);
	enum vnm_edit_op op;

	if (s && !op_from_str(s, &op))
		return op;
	return inherited;
}

/* Schema node of an opaque edit node, looked up by name and namespace under
 * its parent's schema; NULL when there is none. */
static const struct lysc_node *opaq_schema(const struct ly_ctx *ctx, const struct lyd_node *e)
{
	const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)e;
	const struct lysc_node *psch = NULL;
	const struct lys_module *mod;

	if (e->parent) {
		psch = lyd_parent(e)->schema;
		if (!psch)
			return NULL;
	}
	if (o->format != LY_VALUE_XML || !o->name.module_ns)
		return NULL;
	mod = ly_ctx_get_module_implemented_ns(ctx, o->name.module_ns);
	if (!mod)
		return NULL;
	return lys_find_child(psch, mod, o->name.name, 0, 0, 0);
}

/* ------------------------------------------------------------------ */
/* Parsing                                                            */
/* ------------------------------------------------------------------ */

/* Why an opaque node (one libyang could not type) is not acceptable, if
 * it is not: leaves named for delete/remove need no valid value. */
static int check_opaque(struct ly_ctx *ctx, const struct lyd_node *n, struct vnm_err *err)
{
	const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)n;
	const struct lysc_node *sch = opaq_schema(ctx, n);
	const char *ops = own_op_str(n);
	enum vnm_edit_op op = VNM_OP_MERGE;
	char path[512], obj[512], ppath[400];

	node_path(n, path, sizeof(path));
	if (ops && op_from_str(ops, &op))
		return vnm_err_set(err, VNM_E_INVALID, path,
				   "unknown operation '%s' on element '%s': use merge, replace, "
				   "create, delete or remove", ops, o->name.name);
	if (!sch) {
		if (n->parent)
			node_path(lyd_parent(n), ppath, sizeof(ppath));
		else
			snprintf(ppath, sizeof(ppath), "the top level");
		if (!o->name.module_ns || !*o->name.module_ns)
			return vnm_err_set(err, VNM_E_UNKNOWN_ELEMENT, path,
					   "element '%s' has no namespace: give it the namespace of "
					   "its YANG module", o->name.name);
		return vnm_err_set(err, VNM_E_UNKNOWN_ELEMENT, path,
				   "unknown element '%s' (namespace %s) under %s: no such node "
				   "in vnmd's YANG modules", o->name.name, o->name.module_ns, ppath);
	}
	describe(n, obj, sizeof(obj));
	if (sch->flags & LYS_CONFIG_R)
		return vnm_err_set(err, VNM_E_BAD_ELEMENT, path,
				   "%s is state data and cannot be configured", obj);
	if (sch->nodetype == LYS_LEAF) {
		if (op == VNM_OP_DELETE || op == VNM_OP_REMOVE)
			return 0; /* the value of a leaf to delete does not matter */
		ly_err_clean(ctx, NULL);
		if (lyd_value_validate(ctx, sch, o->value, strlen(o->value), NULL, NULL, NULL) &&
		    ly_err_last(ctx) && ly_err_last(ctx)->msg)
			return vnm_err_set(err, VNM_E_INVALID, path, "invalid value '%s' of %s: %s",
					   o->value, obj, ly_err_last(ctx)->msg);
		return vnm_err_set(err, VNM_E_INVALID, path, "invalid value '%s' of %s", o->value,
				   obj);
	}
	if (sch->nodetype == LYS_LEAFLIST) {
		ly_err_clean(ctx, NULL);
		lyd_value_validate(ctx, sch, o->value, strlen(o->value), NULL, NULL, NULL);
		return vnm_err_set(err, VNM_E_INVALID, path, "invalid value '%s' of %s%s%s", o->value,
				   obj, ly_err_last(ctx) ? ": " : "",
				   ly_err_last(ctx) ? ly_err_last(ctx)->msg : "");
	}
	if (sch->nodetype == LYS_LIST) {
		/* libyang keeps a list entry opaque when a key is missing or bad */
		for (const struct lysc_node *k = lysc_node_child(sch); k && lysc_is_key(k); k = k->next) {
			struct lyd_node *kn = NULL;

			lyd_find_sibling_opaq_next(lyd_child(n), k->name, &kn);
			if (!kn)
				return vnm_err_set(err, VNM_E_MISSING_ELEMENT, path,
						   "%s entry without its key '%s': every %s needs one",
						   sch->name, k->name, sch->name);
			ly_err_clean(ctx, NULL);
			if (lyd_value_validate(ctx, k, ((struct lyd_node_opaq *)kn)->value,
					       strlen(((struct lyd_node_opaq *)kn)->value), NULL,
					       NULL, NULL) == LY_EVALID)
				return vnm_err_set(err, VNM_E_INVALID, path,
						   "invalid key '%s' of %s '%s'%s%s",
						   k->name, sch->name,
						   ((struct lyd_node_opaq *)kn)->value,
						   ly_err_last(ctx) ? ": " : "",
						   ly_err_last(ctx) ? ly_err_last(ctx)->msg : "");
		}
	}
	return vnm_err_set(err, VNM_E_BAD_ELEMENT, path, "%s is not acceptable here", obj);
}

static int check_edit_r(struct ly_ctx *ctx, const struct lyd_node *first, struct vnm_err *err)
{
	for (const struct lyd_node *n = first; n; n = n->next) {
		struct lyd_node *dup = NULL;

		if (!n->schema) {
			if (check_opaque(ctx, n, err))
				return -1;
			continue;
		}
		/* the same node twice would be edited twice: refuse, as libyang
		 * refuses duplicate instances in data */
		if (!lyd_find_sibling_first(first, n, &dup) && dup != n) {
			char path[512], obj[512];

			node_path(n, path, sizeof(path));
			describe(n, obj, sizeof(obj));
			return vnm_err_set(err, VNM_E_BAD_ELEMENT, path,
					   "%s appears twice in the edit: give each node once", obj);
		}
		if (n->schema->flags & LYS_CONFIG_R) {
			char path[512], obj[512];

			node_path(n, path, sizeof(path));
			describe(n, obj, sizeof(obj));
			return vnm_err_set(err, VNM_E_BAD_ELEMENT, path,
					   "%s is state data and cannot be configured", obj);
		}
		if (check_edit_r(ctx, lyd_child(n), err))
			return -1;
	}
	return 0;
}

/* libyang's error path is 'Data location "/x/y".', 'Schema location
 * "/a/b", data location "/x/y".' or similar: keep /x/y, the data path. */
static void ly_path_of(const char *lypath, char *buf, size_t len)
{
	const char *d = lypath ? strcasestr(lypath, "data location") : NULL;
	const char *q = d ? strchr(d, '"') : lypath ? strchr(lypath, '"') : NULL;
	const char *e = q ? strchr(q + 1, '"') : NULL;

	if (q && e)
		snprintf(buf, len, "%.*s", (int)(e - q - 1), q + 1);
	else
		snprintf(buf, len, "%s", lypath ? lypath : "");
}

int vnm_edit_parse(struct ly_ctx *ctx, const char *xml, struct lyd_node **edit,
		   struct vnm_err *err)
{
	struct lyd_node *tree = NULL;
	const struct ly_err_item *e;
	enum vnm_err_code code = VNM_E_INVALID;
	char path[512];
	LY_ERR lrc;

	*edit = NULL;
	if (!xml || !*xml)
		return 0;
	ly_err_clean(ctx, NULL);
	lrc = lyd_parse_data_mem(ctx, xml, LYD_XML,
				 LYD_PARSE_ONLY | LYD_PARSE_OPAQ | LYD_PARSE_NO_STATE, 0, &tree);
	if (lrc != LY_SUCCESS) {
		lyd_free_all(tree);
		e = ly_err_last(ctx);
		if (e && (e->vecode == LYVE_SYNTAX_XML || e->vecode == LYVE_SYNTAX))
			code = VNM_E_MALFORMED;
		else if (e && e->vecode == LYVE_DATA)
			code = VNM_E_BAD_ELEMENT;
		ly_path_of(e ? e->path : NULL, path, sizeof(path));
		if (path[0] && path[0] != '/') {
			/* "Line number 3.": where, but no data path */
			char where[sizeof(path) + 4];

			snprintf(where, sizeof(where), " (%s)", path);
			return vnm_err_set(err, code, NULL,
					   "the <config> of edit-config is not acceptable: %s%s",
					   e && e->msg ? e->msg : "libyang could not parse it", where);
		}
		return vnm_err_set(err, code, path, "the <config> of edit-config is not acceptable: %s",
				   e && e->msg ? e->msg : "libyang could not parse it");
	}
	if (check_edit_r(ctx, tree, err)) {
		lyd_free_all(tree);
		return -1;
	}
	*edit = tree;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Applying: journal                                                  */
/* ------------------------------------------------------------------ */

enum jkind {
	J_INSERTED, /* node was linked into the datastore */
	J_UNLINKED, /* node was unlinked from parent (NULL: top level) */
	J_VALUE,    /* leaf value changed; old holds the previous value */
	J_DFLT,     /* node was a default NP container (children may follow) */
};

struct jent {
	enum jkind kind;
	struct lyd_node *node;
	struct lyd_node *parent;
	char *old;
	bool in_diff; /* J_UNLINKED: the node now sits in the diff */
};

/* An ancestor of the node being edited: the datastore node and, once a
 * change below it is recorded, its counterpart in the diff. */
struct anc {
	struct lyd_node *ds;
	struct lyd_node *diff;
	struct anc *up;
};

struct edit {
	struct ly_ctx *ctx;
	struct lyd_node **ds;
	struct lyd_node *diff;
	struct jent *j;
	size_t nj, capj;
	enum vnm_error_option erropt;
	struct vnm_err *err;       /* the first error */
	struct vnm_err *errs;      /* continue-on-error: all of them */
	size_t n_errs;
	bool oom;
	struct lyd_node *bad_net;  /* the network entry whose validation failed */
};

static int journal(struct edit *ed, enum jkind kind, struct lyd_node *node,
		   struct lyd_node *parent, char *old)
{
	if (ed->nj == ed->capj) {
		size_t cap = ed->capj ? ed->capj * 2 : 64;
		struct jent *j = realloc(ed->j, cap * sizeof(*j));

		if (!j) {
			free(old);
			ed->oom = true;
			return vnm_err_set(ed->err, VNM_E_NOMEM, NULL,
					   "out of memory applying the edit");
		}
		ed->j = j;
		ed->capj = cap;
	}
	ed->j[ed->nj++] = (struct jent){.kind = kind, .node = node, .parent = parent, .old = old};
	return 0;
}

static struct lyd_meta *find_diff_op(struct lyd_node *n)
{
	for (struct lyd_meta *m = n->meta; m; m = m->next) {
		if (!strcmp(m->name, "operation") && !strcmp(m->annotation->module->name, "yang"))
			return m;
	}
	return NULL;
}

/* Put a node back where it was; a default instance libyang (or
 * validation) put in its place meanwhile gives way. */
static void relink(struct lyd_node **ds, struct lyd_node *node, struct lyd_node *parent)
{
	struct lyd_node *first = parent ? lyd_child(parent) : *ds, *dflt = NULL;

	if (first && !(node->schema->nodetype & (LYS_LIST | LYS_LEAFLIST)) &&
	    !lyd_find_sibling_val(first, node->schema, NULL, 0, &dflt) && (dflt->flags & LYD_DEFAULT)) {
		if (*ds == dflt)
			*ds = dflt->next;
		lyd_free_tree(dflt);
	}
	if (parent)
		lyd_insert_child(parent, node);
	else
		lyd_insert_sibling(*ds, node, ds);
}

/* Undo the journal backwards. */
static void undo(struct edit *ed)
{
	while (ed->nj) {
		struct jent *j = &ed->j[--ed->nj];
		struct lyd_meta *m;

		switch (j->kind) {
		case J_INSERTED:
			if (*ed->ds == j->node)
				*ed->ds = j->node->next;
			lyd_free_tree(j->node);
			break;
		case J_UNLINKED:
			if (j->in_diff) {
				if (ed->diff == j->node)
					ed->diff = j->node->next;
				lyd_unlink_tree(j->node);
				if ((m = find_diff_op(j->node)))
					lyd_free_meta_single(m);
			}
			relink(ed->ds, j->node, j->parent);
			break;
		case J_VALUE:
			lyd_change_term(j->node, j->old);
			free(j->old);
			break;
		case J_DFLT:
			j->node->flags |= LYD_DEFAULT;
			break;
		}
	}
}

/* Forget the journal after success: free what only the journal holds. */
static void journal_done(struct edit *ed)
{
	for (size_t i = 0; i < ed->nj; i++) {
		if (ed->j[i].kind == J_UNLINKED && !ed->j[i].in_diff)
			lyd_free_tree(ed->j[i].node);
		free(ed->j[i].old);
	}
	ed->nj = 0;
}

/* ------------------------------------------------------------------ */
/* Applying: the diff                                                 */
/* ------------------------------------------------------------------ */

static int set_op(struct edit *ed, struct lyd_node *n, const char *op)
{
	if (lyd_new_meta(ed->ctx, n, NULL, "yang:operation", op, 0, NULL)) {
		ed->oom = true;
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot build the diff (%s)",
				   ly_errmsg(ed->ctx));
	}
	return 0;
}

/* Link a diff node under parent (NULL: top level of the diff). */
static void diff_link(struct edit *ed, struct lyd_node *parent, struct lyd_node *n)
{
	if (parent)
		lyd_insert_child(parent, n);
	else
		lyd_insert_sibling(ed->diff, n, &ed->diff);
}

/* The diff counterpart of an ancestor, created on first use with
 * operation none (NULL a: the top level, returned as NULL). */
static int diff_anc(struct edit *ed, struct anc *a, struct lyd_node **out)
{
	struct lyd_node *parent = NULL, *d = NULL;

	*out = NULL;
	if (!a)
		return 0;
	if (a->diff) {
		*out = a->diff;
		return 0;
	}
	if (diff_anc(ed, a->up, &parent))
		return -1;
	if (lyd_dup_single(a->ds, NULL, LYD_DUP_NO_META, &d)) {
		ed->oom = true;
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot build the diff (%s)",
				   ly_errmsg(ed->ctx));
	}
	diff_link(ed, parent, d);
	if (set_op(ed, d, "none"))
		return -1;
	a->diff = d;
	*out = d;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Applying: operations                                               */
/* ------------------------------------------------------------------ */

/*
 * An operation check failed.  With continue-on-error the error is
 * recorded and the edit node skipped (returns 1); otherwise it ends the
 * edit (returns -1).
 */
static int edit_fail(struct edit *ed, enum vnm_err_code code, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int edit_fail(struct edit *ed, enum vnm_err_code code, const char *path, const char *fmt, ...)
{
	struct vnm_err e;
	va_list ap;

	e.code = code;
	snprintf(e.path, sizeof(e.path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	if (!ed->n_errs && ed->err)
		*ed->err = e;
	if (ed->erropt != VNM_ERROPT_CONTINUE) {
		ed->n_errs = 1;
		return -1;
	}
	if (!(ed->n_errs & (ed->n_errs - 1))) { /* grow at powers of two */
		struct vnm_err *n = realloc(ed->errs, (ed->n_errs ? ed->n_errs * 2 : 1) * sizeof(*n));

		if (!n) {
			ed->oom = true;
			return -1;
		}
		ed->errs = n;
	}
	ed->errs[ed->n_errs++] = e;
	return 1;
}

static int apply_node(struct edit *ed, struct anc *up, struct lyd_node *ds_parent,
		      const struct lyd_node *e, enum vnm_edit_op parent_op);

static const struct lysc_node *edit_schema(struct edit *ed, const struct lyd_node *e)
{
	return e->schema ? e->schema : opaq_schema(ed->ctx, e);
}

/* Whether the subtree below e (not e itself) names operations that a plain
 * copy would lose (delete, remove) or holds opaque nodes. */
static bool needs_slow_create(const struct lyd_node *e)
{
	for (const struct lyd_node *c = lyd_child(e); c; c = c->next) {
		enum vnm_edit_op op = node_op(c, VNM_OP_CREATE);

		if (!c->schema || op == VNM_OP_DELETE || op == VNM_OP_REMOVE || needs_slow_create(c))
			return true;
	}
	return false;
}

/* Create the children of the new node n from edit node e, honouring
 * nested remove (skip) and delete (data-missing: nothing exists below a
 * new node). */
static int create_children(struct edit *ed, struct lyd_node *n, const struct lyd_node *e,
			   struct vnm_err *ce)
{
	for (const struct lyd_node *c = lyd_child(e); c; c = c->next) {
		const struct lysc_node *sch = edit_schema(ed, c);
		enum vnm_edit_op op = node_op(c, VNM_OP_CREATE);
		struct lyd_node *nc = NULL;
		char path[512], obj[512];

		if (sch && lysc_is_key(sch))
			continue; /* duplicated with the list entry */
		if (op == VNM_OP_REMOVE)
			continue;
		if (op == VNM_OP_DELETE || !c->schema) {
			node_path(c, path, sizeof(path));
			describe(c, obj, sizeof(obj));
			return vnm_err_set(ce, VNM_E_MISSING, path,
					   "cannot delete %s: it does not exist", obj);
		}
		if (lyd_dup_single(c, (struct lyd_node_inner *)n, LYD_DUP_NO_META, &nc)) {
			ed->oom = true;
			return vnm_err_set(ce, VNM_E_INTERNAL, NULL, "cannot apply the edit (%s)",
					   ly_errmsg(ed->ctx));
		}
		if (create_children(ed, nc, c, ce))
			return -1;
	}
	return 0;
}

static int do_create(struct edit *ed, struct anc *up, struct lyd_node *ds_parent,
		     const struct lyd_node *e, struct lyd_node *dflt)
{
	struct lyd_node *n = NULL, *d = NULL, *dparent = NULL;
	bool slow = needs_slow_create(e);
	struct vnm_err ce;
	char path[512], obj[512];

	if (!e->schema) {
		node_path(e, path, sizeof(path));
		describe(e, obj, sizeof(obj));
		return edit_fail(ed, VNM_E_MISSING, path, "cannot delete %s: it does not exist", obj);
	}
	if (dflt) {
		/* the default instance gives way to the explicit one */
		if (*ed->ds == dflt)
			*ed->ds = dflt->next;
		lyd_unlink_tree(dflt);
		if (journal(ed, J_UNLINKED, dflt, ds_parent, NULL)) {
			lyd_free_tree(dflt);
			return -1;
		}
	}
	if (lyd_dup_single(e, NULL, LYD_DUP_NO_META | (slow ? 0 : LYD_DUP_RECURSIVE), &n))
		goto ly_fail;
	if (slow && create_children(ed, n, e, &ce)) {
		lyd_free_tree(n);
		if (ed->oom) {
			*ed->err = ce;
			return -1;
		}
		/* a nested delete: data-missing */
		return edit_fail(ed, ce.code, ce.path, "%s", ce.msg);
	}
	if (ds_parent)
		lyd_insert_child(ds_parent, n);
	else
		lyd_insert_sibling(*ed->ds, n, ed->ds);
	if (journal(ed, J_INSERTED, n, ds_parent, NULL)) {
		if (*ed->ds == n)
			*ed->ds = n->next;
		lyd_free_tree(n);
		return -1;
	}
	if (diff_anc(ed, up, &dparent))
		return -1;
	if (lyd_dup_single(n, NULL, LYD_DUP_RECURSIVE | LYD_DUP_NO_META, &d))
		goto ly_fail;
	diff_link(ed, dparent, d);
	return set_op(ed, d, "create");

ly_fail:
	ed->oom = true;
	return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot apply the edit (%s)",
			   ly_errmsg(ed->ctx));
}

static int do_delete(struct edit *ed, struct anc *up, struct lyd_node *m)
{
	struct lyd_node *parent = lyd_parent(m), *dparent = NULL;

	if (diff_anc(ed, up, &dparent))
		return -1;
	if (*ed->ds == m)
		*ed->ds = m->next;
	lyd_unlink_tree(m);
	if (journal(ed, J_UNLINKED, m, parent, NULL)) {
		relink(ed->ds, m, parent);
		return -1;
	}
	ed->j[ed->nj - 1].in_diff = true;
	diff_link(ed, dparent, m);
	return set_op(ed, m, "delete");
}

static int do_set_value(struct edit *ed, struct anc *up, struct lyd_node *m,
			const struct lyd_node *e)
{
	const char *nv = lyd_get_value(e), *ov = lyd_get_value(m);
	struct lyd_node *d = NULL, *dparent = NULL;
	char *old;
	LY_ERR r;

	if (!(m->schema->nodetype & LYS_LEAF) || !strcmp(nv, ov))
		return 0;
	old = strdup(ov);
	if (!old || journal(ed, J_VALUE, m, NULL, old))
		return vnm_err_set(ed->err, VNM_E_NOMEM, NULL, "out of memory applying the edit");
	r = lyd_change_term(m, nv);
	if (r != LY_SUCCESS && r != LY_EEXIST && r != LY_ENOT) {
		ed->oom = true;
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot apply the edit (%s)",
				   ly_errmsg(ed->ctx));
	}
	if (diff_anc(ed, up, &dparent) || lyd_dup_single(m, NULL, LYD_DUP_NO_META, &d))
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot build the diff");
	diff_link(ed, dparent, d);
	if (set_op(ed, d, "replace") ||
	    lyd_new_meta(ed->ctx, d, NULL, "yang:orig-default", "false", 0, NULL) ||
	    lyd_new_meta(ed->ctx, d, NULL, "yang:orig-value", old, 0, NULL))
		return vnm_err_set(ed->err, VNM_E_INTERNAL, NULL, "cannot build the diff");
	return 0;
}

/* Is there, among the edit children of e, one for datastore node c? */
static bool in_edit(struct edit *ed, const struct lyd_node *e, const struct lyd_node *c)
{
	struct lyd_node *x = NULL;

	if (!lyd_find_sibling_first(lyd_child(e), c, &x))
		return true;
	if (c->schema->nodetype & (LYS_LIST | LYS_LEAFLIST))
		return false;
	/* a keyed search misses opaque edit nodes (leaves named for delete) */
	for (const struct lyd_node *o = lyd_child(e); o; o = o->next) {
		if (!o->schema && opaq_schema(ed->ctx, o) == c->schema)
			return true;
	}
	return false;
}

/* Apply the children of edit node e to existing datastore node m. */
static int apply_children(struct edit *ed, struct anc *up, struct lyd_node *m,
			  const struct lyd_node *e, enum vnm_edit_op op)
{
	struct anc me = {.ds = m, .diff = NULL, .up = up};
	struct lyd_node *c, *next;
	int r;

	if (op == VNM_OP_REPLACE) {
		/* what the edit does not name goes; defaults stay (they are absent) */
		for (c = lyd_child(m); c; c = next) {
			next = c->next;
			if (lysc_is_key(c->schema) || (c->flags & LYD_DEFAULT) || in_edit(ed, e, c))
				continue;
			if (do_delete(ed, &me, c))
				return -1;
		}
	}
	for (const struct lyd_node *ce = lyd_child(e); ce; ce = ce->next) {
		r = apply_node(ed, &me, m, ce, op);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* The first descendant of e (a node absent from the datastore under
 * operation none) whose operation needs e to exist. */
static const struct lyd_node *needs_existing(const struct lyd_node *e, enum vnm_edit_op inherited)
{
	for (const struct lyd_node *c = lyd_child(e); c; c = c->next) {
		enum vnm_edit_op op = node_op(c, inherited);
		const struct lyd_node *x;

		if (c->schema && lysc_is_key(c->schema))
			continue;
		if (op == VNM_OP_NONE) {
			if ((x = needs_existing(c, op)))
				return x;
		} else if (op != VNM_OP_REMOVE) {
			return c;
		}
	}
	return NULL;
}

static int apply_node(struct edit *ed, struct anc *up, struct lyd_node *ds_parent,
		      const struct lyd_node *e, enum vnm_edit_op parent_op)
{
	const struct lysc_node *sch = edit_schema(ed, e);
	enum vnm_edit_op op = node_op(e, parent_op);
	struct lyd_node *first = ds_parent ? lyd_child(ds_parent) : *ed->ds, *m = NULL, *dflt = NULL;
	char path[512], obj[512];

	if (!sch) {
		node_path(e, path, sizeof(path));
		return edit_fail(ed, VNM_E_UNKNOWN_ELEMENT, path, "unknown element '%s'",
				 node_name(e));
	}
	if (lysc_is_key(sch))
		return 0; /* identifies its list entry; not content */
	if (first) {
		if (e->schema && (sch->nodetype & (LYS_LIST | LYS_LEAFLIST)))
			lyd_find_sibling_first(first, e, &m);
		else if (!(sch->nodetype & (LYS_LIST | LYS_LEAFLIST)))
			lyd_find_sibling_val(first, sch, NULL, 0, &m);
	}
	if (m && (m->flags & LYD_DEFAULT)) {
		if (sch->nodetype == LYS_CONTAINER && !(sch->flags & LYS_PRESENCE) &&
		    (op == VNM_OP_MERGE || op == VNM_OP_REPLACE || op == VNM_OP_NONE)) {
			/* a non-presence container always exists: merge into it */
			if (journal(ed, J_DFLT, m, NULL, NULL))
				return -1;
		} else {
			dflt = m;
			m = NULL;
		}
	}

	switch (op) {
	case VNM_OP_CREATE:
		if (m) {
			node_path(m, path, sizeof(path));
			describe(m, obj, sizeof(obj));
			return edit_fail(ed, VNM_E_EXISTS, path,
					 "cannot create %s: it already exists (use merge or replace "
					 "to change it)", obj);
		}
		return do_create(ed, up, ds_parent, e, dflt);
	case VNM_OP_DELETE:
		if (!m) {
			node_path(e, path, sizeof(path));
			describe(e, obj, sizeof(obj));
			return edit_fail(ed, VNM_E_MISSING, path,
					 "cannot delete %s: it does not exist (use remove to "
					 "delete what may be absent)", obj);
		}
		return do_delete(ed, up, m);
	case VNM_OP_REMOVE:
		return m ? do_delete(ed, up, m) : 0;
	case VNM_OP_REPLACE:
	case VNM_OP_MERGE:
		if (!m)
			return do_create(ed, up, ds_parent, e, dflt);
		if (sch->nodetype & LYD_NODE_TERM)
			return do_set_value(ed, up, m, e);
		if (sch->nodetype & LYD_NODE_ANY)
			return 0; /* vnmd's model has no anydata to merge into */
		return apply_children(ed, up, m, e, op);
	case VNM_OP_NONE:
		if (m) {
			if (sch->nodetype & LYD_NODE_INNER)
				return apply_children(ed, up, m, e, op);
			return 0;
		}
		{
			const struct lyd_node *x = needs_existing(e, op);

			if (!x)
				return 0;
			node_path(e, path, sizeof(path));
			describe(e, obj, sizeof(obj));
			return edit_fail(ed, VNM_E_MISSING, path,
					 "%s does not exist, so '%s' below it cannot be changed "
					 "(default-operation none creates nothing: create it first)",
					 obj, node_name(x));
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Validation                                                         */
/* ------------------------------------------------------------------ */

/* Turn libyang's validation errors into err, naming the object.  libyang
 * gives a data path for most errors, a schema path for some (a missing
 * mandatory node): then the network entry being validated is named. */
static int validation_error(struct edit *ed, const struct ly_err_item *e)
{
	char path[512], obj[512] = "", where[600] = "";
	struct lyd_node *n = NULL;

	for (; e && e->next && !e->msg; e = e->next)
		;
	ly_path_of(e ? e->path : NULL, path, sizeof(path));
	if (path[0] && *ed->ds && !lyd_find_path(*ed->ds, path, 0, &n) && n) {
		describe(n, obj, sizeof(obj));
	} else if (ed->bad_net) {
		if (path[0])
			snprintf(where, sizeof(where), " (at %s)", path);
		describe(ed->bad_net, obj, sizeof(obj));
		node_path(ed->bad_net, path, sizeof(path));
	}
	return vnm_err_set(ed->err, VNM_E_INVALID, path, "%s%sthe configuration would not be valid: %s%s",
			   obj, obj[0] ? ": " : "", e && e->msg ? e->msg : "libyang validation failed",
			   where);
}

/*
 * What the schema allows us to skip, found once per context.
 *
 * Validating the whole datastore after every edit costs time in the size
 * of the datastore, and more: libyang sorts XPath node sets in document
 * order by walking the tree from its root, so each `must` of a VL costs
 * the size of everything before it.  Two shortcuts keep an edit's cost
 * near the size of its change:
 *
 * - When no constraint reaches across /nw:networks/nw:network entries,
 *   validating each touched entry alone (in a scratch <networks>) gives
 *   the same verdict as validating everything (`net` below).
 * - A changed leaf that no must, when, require-instance leafref or unique
 *   reads cannot make the tree invalid: its value was typed when the edit
 *   was parsed (`referenced` lists the leaves that some constraint reads).
 *
 * Both come from the compiled schema: the atoms (schema nodes) of every
 * constraint's XPath, as libyang computes them.
 */
struct schema_facts {
	const struct ly_ctx *ctx;
	uint16_t change;
	const struct lysc_node *net; /* NULL: per-network validation is not safe */
	const struct lysc_node *net_seen;
	struct ly_set *referenced;
};

static pthread_mutex_t facts_lock = PTHREAD_MUTEX_INITIALIZER;
static struct schema_facts facts;

static bool is_under(const struct lysc_node *n, const struct lysc_node *top)
{
	for (; n; n = n->parent) {
		if (n == top)
			return true;
	}
	return false;
}

/* Record the atoms of one constraint at node n; false when they break
 * per-network validation. */
static bool note_atoms(const struct lysc_node *ctx_node, const struct lysc_node *n,
		       const struct lyxp_expr *expr, const struct lysc_prefix *prefixes,
		       const struct lysc_node *net, struct ly_set *ref)
{
	struct ly_set *set = NULL;
	bool inside = true, ok = true;

	if (lys_find_expr_atoms(ctx_node, n->module, expr, prefixes, LYS_FIND_XP_SCHEMA, &set))
		return false;
	for (uint32_t i = 0; i < set->count; i++) {
		ly_set_add(ref, set->snodes[i], 0, NULL);
		if (!is_under(set->snodes[i], net))
			inside = false;
		else if (!is_under(n, net))
			ok = false; /* something outside reads a network entry */
	}
	ly_set_free(set, NULL);
	return ok && (inside || !is_under(n, net));
}

static bool note_type(const struct lysc_node *n, const struct lysc_type *t,
		      const struct lysc_node *net, struct ly_set *ref)
{
	bool ok = true;

	if (t->basetype == LY_TYPE_LEAFREF) {
		const struct lysc_type_leafref *l = (const struct lysc_type_leafref *)t;

		if (l->require_instance)
			ok = note_atoms(n, n, l->path, l->prefixes, net, ref);
	} else if (t->basetype == LY_TYPE_INST) {
		/* may point anywhere: no per-network validation */
		ok = !((const struct lysc_type_instanceid *)t)->require_instance ||
		     (n->flags & LYS_CONFIG_R);
	} else if (t->basetype == LY_TYPE_UNION) {
		const struct lysc_type_union *u = (const struct lysc_type_union *)t;
		LY_ARRAY_COUNT_TYPE i;

		LY_ARRAY_FOR(u->types, i) {
			ok = note_type(n, u->types[i], net, ref) && ok;
		}
	}
	return ok;
}

static void facts_compute(const struct ly_ctx *ctx, struct schema_facts *f)
{
	const struct lysc_node *net = lys_find_path(ctx, NULL, "/ietf-network:networks/network", 0);
	const struct lysc_node *top, *n;
	const struct lys_module *mod;
	uint32_t idx = 0;
	bool ok = net != NULL;

	ly_set_free(f->referenced, NULL);
	f->referenced = NULL;
	f->ctx = ctx;
	f->change = ly_ctx_get_change_count(ctx);
	if (ly_set_new(&f->referenced)) {
		f->net = NULL;
		return;
	}
	while ((mod = ly_ctx_get_module_iter(ctx, &idx))) {
		if (!mod->implemented || !mod->compiled)
			continue;
		LY_LIST_FOR(mod->compiled->data, top) {
			LYSC_TREE_DFS_BEGIN(top, n) {
				struct lysc_must *musts = lysc_node_musts(n);
				struct lysc_when **whens = lysc_node_when(n);
				LY_ARRAY_COUNT_TYPE i, j;

				LY_ARRAY_FOR(musts, i) {
					ok = note_atoms(n, n, musts[i].cond, musts[i].prefixes, net,
							f->referenced) && ok;
				}
				LY_ARRAY_FOR(whens, i) {
					ok = note_atoms(whens[i]->context, n, whens[i]->cond,
							whens[i]->prefixes, net, f->referenced) &&
					     (whens[i]->context || !is_under(n, net)) && ok;
				}
				if (n->nodetype & LYD_NODE_TERM)
					ok = note_type(n, ((const struct lysc_node_leaf *)n)->type, net,
						       f->referenced) && ok;
				if (n->nodetype == LYS_LIST) {
					const struct lysc_node_list *l = (const struct lysc_node_list *)n;

					LY_ARRAY_FOR(l->uniques, i) {
						LY_ARRAY_FOR(l->uniques[i], j) {
							ly_set_add(f->referenced, l->uniques[i][j], 0, NULL);
						}
					}
				}
				LYSC_TREE_DFS_END(top, n);
			}
		}
	}
	f->net = ok ? net : NULL;
}

/* Whether a value of type t is only valid if something else exists. */
static bool type_refers(const struct lysc_type *t)
{
	if (t->basetype == LY_TYPE_LEAFREF)
		return ((const struct lysc_type_leafref *)t)->require_instance;
	if (t->basetype == LY_TYPE_INST)
		return ((const struct lysc_type_instanceid *)t)->require_instance;
	if (t->basetype == LY_TYPE_UNION) {
		const struct lysc_type_union *u = (const struct lysc_type_union *)t;
		LY_ARRAY_COUNT_TYPE i;

		LY_ARRAY_FOR(u->types, i) {
			if (type_refers(u->types[i]))
				return true;
		}
	}
	return false;
}

/* Whether the journal holds only leaf values that no constraint reads (so
 * the edited tree is as valid as before), and the network entry schema
 * node when per-network validation is safe. */
static void schema_shortcuts(struct edit *ed, bool *values_only, const struct lysc_node **net)
{
	/* the network schema node found afresh tells a new context that
	 * happens to live at a freed one's address */
	const struct lysc_node *fresh = lys_find_path(ed->ctx, NULL, "/ietf-network:networks/network", 0);

	pthread_mutex_lock(&facts_lock);
	if (facts.ctx != ed->ctx || facts.change != ly_ctx_get_change_count(ed->ctx) ||
	    !facts.referenced || facts.net_seen != fresh) {
		facts_compute(ed->ctx, &facts);
		facts.net_seen = fresh;
	}
	*net = facts.net;
	*values_only = facts.referenced != NULL;
	for (size_t i = 0; i < ed->nj && *values_only; i++) {
		const struct jent *j = &ed->j[i];

		if (j->kind == J_DFLT)
			continue;
		if (j->kind != J_VALUE || lysc_node_musts(j->node->schema) ||
		    type_refers(((const struct lysc_node_leaf *)j->node->schema)->type) ||
		    ly_set_contains(facts.referenced, j->node->schema, NULL))
			*values_only = false;
	}
	pthread_mutex_unlock(&facts_lock);
}

/* The network entry at or above n, if it is in the datastore's <networks>. */
static struct lyd_node *network_of(struct lyd_node *n, const struct lysc_node *net,
				   const struct lyd_node *networks)
{
	for (; n; n = lyd_parent(n)) {
		if (n->schema == net)
			return lyd_parent(n) == networks ? n : NULL;
	}
	return NULL;
}

/*
 * The network entries the journal touched, or -1 when a change lies
 * outside any network entry (then only a full validation will do).
 */
static int touched_networks(struct edit *ed, const struct lysc_node *net,
			    struct lyd_node *networks, struct ly_set *set)
{
	struct lyd_node *last = NULL;

	for (size_t i = 0; i < ed->nj; i++) {
		struct jent *j = &ed->j[i];
		struct lyd_node *at = j->kind == J_UNLINKED ? j->parent : j->node, *t;

		if (j->kind == J_INSERTED && j->node == networks) {
			LY_LIST_FOR(lyd_child(networks), t) {
				if (ly_set_add(set, t, 0, NULL))
					return -1;
			}
			continue;
		}
		if (j->kind == J_UNLINKED && j->node->schema == net)
			continue; /* a whole network gone: nothing else depends on it */
		if (j->kind == J_UNLINKED && j->node->schema == networks->schema)
			continue;
		t = network_of(at, net, networks);
		if (!t) {
			/* below something removed later, or outside the networks */
			if (at && network_of(at, net, NULL))
				continue;
			return -1;
		}
		if (t != last && ly_set_add(set, t, 0, NULL))
			return -1;
		last = t;
	}
	return 0;
}

/*
 * Validate *ed->ds as configuration; *vdiff gets what validation changed
 * (also on failure).  Returns 0, or -1 with the
 * libyang errors still in the context and *failed_at the tree they refer
 * to (the datastore again by the time this returns).
 */
/*
 * Validation works on copies: libyang frees the nodes whose `when` turned
 * false, and the journal still points at nodes in there, so validating
 * the datastore itself would leave a failed edit nothing to undo with.
 * On success the validated copy takes the original's place.
 */
static int validate_full(struct edit *ed, struct lyd_node **vdiff)
{
	struct lyd_node *copy = NULL;

	if (*ed->ds && lyd_dup_siblings(*ed->ds, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &copy))
		return vnm_err_set(ed->err, VNM_E_NOMEM, NULL, "cannot copy the datastore to validate it");
	ly_err_clean(ed->ctx, NULL);
	if (lyd_validate_all(&copy, ed->ctx, LYD_VALIDATE_NO_STATE, vdiff)) {
		lyd_free_all(copy);
		return -1;
	}
	lyd_free_all(*ed->ds);
	*ed->ds = copy;
	return 0;
}

/* Validate a copy of each network entry of set alone, then put the copies
 * in place of the originals, keeping the order of the networks.  set is
 * freed. */
static int validate_networks(struct edit *ed, const struct lysc_node *net, struct ly_set *set,
			     struct lyd_node **vdiff)
{
	struct lyd_node *networks = *ed->ds, *tmp = NULL, *vd, **order = NULL, **copies = NULL, *c;
	size_t n = 0, k = 0;
	int rc = 0;

	if (!set->count)
		goto cleanup;
	LY_LIST_FOR(lyd_child(networks), c)
		n++;
	order = malloc(n * sizeof(*order));
	copies = calloc(set->count, sizeof(*copies));
	if (!order || !copies || lyd_new_inner(NULL, net->parent->module, "networks", 0, &tmp)) {
		rc = validate_full(ed, vdiff);
		goto cleanup;
	}
	LY_LIST_FOR(lyd_child(networks), c)
		order[k++] = c;
	for (uint32_t i = 0; i < set->count && !rc; i++) {
		struct lyd_node *root = tmp;

		if (lyd_dup_single(set->dnodes[i], NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS,
				   &copies[i])) {
			rc = vnm_err_set(ed->err, VNM_E_NOMEM, NULL,
					 "cannot copy a network to validate it");
			break;
		}
		lyd_insert_child(tmp, copies[i]);
		vd = NULL;
		rc = lyd_validate_all(&root, ed->ctx, LYD_VALIDATE_NO_STATE, &vd) ? -1 : 0;
		if (rc)
			ed->bad_net = set->dnodes[i];
		lyd_unlink_tree(copies[i]);
		if (vd) {
			if (!*vdiff) {
				*vdiff = vd;
			} else {
				lyd_diff_merge_all(vdiff, vd, 0);
				lyd_free_all(vd);
			}
		}
	}
	if (rc)
		goto cleanup;
	/* the copies take the originals' places; insertion appends, so all
	 * go back in the order they were */
	for (uint32_t i = 0; i < set->count; i++) {
		for (k = 0; k < n && order[k] != set->dnodes[i]; k++)
			;
		if (k < n) {
			order[k] = copies[i];
			copies[i] = set->dnodes[i]; /* the original, freed below */
		}
	}
	for (size_t i = 0; i < n; i++)
		lyd_unlink_tree(order[i]);
	for (size_t i = 0; i < n; i++)
		lyd_insert_child(networks, order[i]);
	for (uint32_t i = 0; i < set->count; i++) {
		lyd_free_tree(copies[i]);
		copies[i] = NULL;
	}
cleanup:
	if (copies) {
		for (uint32_t i = 0; i < set->count; i++)
			lyd_free_tree(copies[i]);
	}
	lyd_free_tree(tmp);
	free(copies);
	free(order);
	ly_set_free(set, NULL);
	return rc;
}

/* Whether the datastore is the one <networks> per-network validation
 * works on. */
static bool networks_only(struct edit *ed, const struct lysc_node *net)
{
	const struct lyd_node *networks = *ed->ds;

	return net && networks && !networks->next && networks->schema == net->parent;
}

/*
 * Validate *ed->ds as configuration after the journaled changes; *vdiff
 * gets what validation changed.
 * Returns 0, or -1 with the libyang errors in the context.
 */
static int validate(struct edit *ed, struct lyd_node **vdiff)
{
	const struct lysc_node *net;
	struct ly_set *set = NULL;
	bool values_only;

	*vdiff = NULL;
	ly_err_clean(ed->ctx, NULL);
	schema_shortcuts(ed, &values_only, &net);
	if (values_only)
		return 0; /* nothing changed that validation could object to */
	if (!networks_only(ed, net) || ly_set_new(&set) ||
	    touched_networks(ed, net, *ed->ds, set)) {
		ly_set_free(set, NULL);
		return validate_full(ed, vdiff);
	}
	return validate_networks(ed, net, set, vdiff);
}

/* Drop from a validation diff the default nodes it created, and the
 * operation-none ancestors left with nothing below them. */
static void prune_defaults(struct lyd_node **first, struct lyd_node *parent)
{
	struct lyd_node *n, *next, *c;

	for (n = parent ? lyd_child(parent) : *first; n; n = next) {
		struct lyd_meta *m = find_diff_op(n);
		const char *op = m ? lyd_get_meta_value(m) : NULL;

		next = n->next;
		if (n->schema && lysc_is_key(n->schema))
			continue;
		if (!op || !strcmp(op, "none")) { /* no operation: inherited none */
			prune_defaults(first, n);
			for (c = lyd_child(n); c && c->schema && lysc_is_key(c->schema); c = c->next)
				;
			if (c)
				continue;
		} else if (strcmp(op, "create")) {
			continue;
		}
		if (!parent && *first == n)
			*first = next;
		lyd_free_tree(n);
	}
}

/* ------------------------------------------------------------------ */
/* Entry points                                                       */
/* ------------------------------------------------------------------ */

int vnm_edit_apply_ex(struct ly_ctx *ctx, struct lyd_node **ds, const struct lyd_node *edit,
		      enum vnm_edit_op default_op, enum vnm_error_option erropt,
		      struct lyd_node **diff, struct vnm_err **errs, size_t *n_errs,
		      struct vnm_err *err)
{
	struct edit ed = {.ctx = ctx, .ds = ds, .erropt = erropt, .err = err};
	struct lyd_node *vdiff = NULL;
	struct vnm_err scratch;
	int rc = -1;

	if (diff)
		*diff = NULL;
	if (errs)
		*errs = NULL;
	if (n_errs)
		*n_errs = 0;
	if (!ed.err)
		ed.err = &scratch;
	vnm_err_clear(ed.err);
	if (default_op != VNM_OP_MERGE && default_op != VNM_OP_REPLACE && default_op != VNM_OP_NONE)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "default-operation must be merge, replace or none");

	for (const struct lyd_node *e = edit; e; e = e->next) {
		if (apply_node(&ed, NULL, NULL, e, default_op) < 0)
			goto fail;
	}
	if (default_op == VNM_OP_REPLACE) {
		/* replace at the top: top-level data the edit does not name goes */
		struct lyd_node *c, *next;

		for (c = *ds; c; c = next) {
			struct lyd_node *x = NULL;

			next = c->next;
			if (c->flags & LYD_DEFAULT)
				continue;
			if (edit && !lyd_find_sibling_first(edit, c, &x))
				continue;
			if (do_delete(&ed, NULL, c))
				goto fail;
		}
	}
	if (ed.oom)
		goto fail;

	if (validate(&ed, &vdiff)) {
		validation_error(&ed, ly_err_first(ctx));
		/* the op-check errors of continue-on-error are moot now */
		free(ed.errs);
		ed.errs = NULL;
		ed.n_errs = 1;
		goto fail;
	}
	/* of what validation did, only removals matter to the diff: the
	 * defaults it added are absent for lyd_diff_siblings() too */
	prune_defaults(&vdiff, NULL);
	if (vdiff && ed.diff && lyd_diff_merge_all(&ed.diff, vdiff, 0)) {
		/* the result is right, only the diff would be incomplete: give
		 * the caller none, which makes the core compute its own */
		lyd_free_all(ed.diff);
		ed.diff = NULL;
	} else if (vdiff && !ed.diff) {
		ed.diff = vdiff;
		vdiff = NULL;
	}
	journal_done(&ed);
	rc = ed.n_errs ? -1 : 0;
	if (diff) {
		*diff = ed.diff;
		ed.diff = NULL;
	}
	if (ed.n_errs && errs) {
		*errs = ed.errs;
		ed.errs = NULL;
	}
	if (n_errs)
		*n_errs = ed.n_errs;
	goto cleanup;

fail:
	undo(&ed);
	if (n_errs)
		*n_errs = ed.n_errs ? ed.n_errs : 1;
	if (errs && ed.errs) {
		*errs = ed.errs;
		ed.errs = NULL;
	}
	rc = -1;
cleanup:
	lyd_free_all(vdiff);
	lyd_free_all(ed.diff);
	free(ed.j);
	free(ed.errs);
	return rc;
}

int vnm_edit_apply(struct ly_ctx *ctx, struct lyd_node **ds, const struct lyd_node *edit,
		   enum vnm_edit_op default_op, enum vnm_error_option erropt,
		   struct lyd_node **diff, struct vnm_err *err)
{
	return vnm_edit_apply_ex(ctx, ds, edit, default_op, erropt, diff, NULL, NULL, err);
}

int vnm_edit_revert(struct ly_ctx *ctx, struct lyd_node **ds, const struct lyd_node *diff,
		    struct vnm_err *err)
{
	struct edit ed = {.ctx = ctx, .ds = ds, .err = err};
	struct lyd_node *rev = NULL, *vdiff = NULL, *x;
	const struct lysc_node *net;
	struct ly_set *set = NULL;
	bool values_only;
	int rc = -1;

	if (!diff)
		return 0;
	ly_err_clean(ctx, NULL);
	if (lyd_diff_reverse_all(diff, &rev) || lyd_diff_apply_all(ds, rev)) {
		vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot revert the edit: %s",
			    ly_errmsg(ctx) ? ly_errmsg(ctx) : "libyang error");
		goto cleanup;
	}
	/* validation settles the default nodes; only the networks the diff
	 * names need it */
	schema_shortcuts(&ed, &values_only, &net);
	if (networks_only(&ed, net) && !rev->next && rev->schema == net->parent &&
	    find_diff_op(rev) && !strcmp(lyd_get_meta_value(find_diff_op(rev)), "none") &&
	    !ly_set_new(&set)) {
		for (const struct lyd_node *d = lyd_child(rev); d; d = d->next) {
			if (d->schema == net && !lyd_find_sibling_first(lyd_child(*ds), d, &x))
				ly_set_add(set, x, 1, NULL);
		}
		rc = validate_networks(&ed, net, set, &vdiff);
	} else {
		rc = validate_full(&ed, &vdiff);
	}
	if (rc)
		vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot revert the edit: %s",
			    ly_errmsg(ctx) ? ly_errmsg(ctx) : "libyang error");
cleanup:
	lyd_free_all(vdiff);
	lyd_free_all(rev);
	return rc;
}
