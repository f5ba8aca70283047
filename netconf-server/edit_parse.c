/*
 * edit_parse.c - reading an <edit-config>'s <config> into an edit tree.
 *
 * libyang parses the XML with LYD_PARSE_OPAQ, so that the nc:operation
 * attributes stay and a leaf named only to be deleted needs no valid
 * value; whatever libyang could not type is left opaque.  Here the opaque
 * nodes are judged (unknown element, state data, a bad value or key, an
 * unknown operation) so that an edit that reaches vnm_edit_apply() has only
 * the faults the operations themselves can find, and each refusal names
 * the object.  The operation of an edit node (its own nc:operation or the
 * inherited one) is read here too, for the walk in edit.c.
 */
#include "edit_p.h"
#include "nsguard.h"

#include <stdio.h>
#include <string.h>

#include <libyang/libyang.h>

#define NC_NS "urn:ietf:params:xml:ns:netconf:base:1.0"

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

enum vnm_edit_op edit_node_op(const struct lyd_node *e, enum vnm_edit_op inherited)
{
	const char *s = own_op_str(e);
	enum vnm_edit_op op;

	if (s && !op_from_str(s, &op))
		return op;
	return inherited;
}

/* Schema node of an opaque edit node, looked up by name and namespace under
 * its parent's schema; NULL when there is none. */
const struct lysc_node *edit_opaq_schema(const struct ly_ctx *ctx, const struct lyd_node *e)
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

/* The schema node of an edit node, opaque or not; NULL when there is none. */
const struct lysc_node *edit_schema(const struct ly_ctx *ctx, const struct lyd_node *e)
{
	return e->schema ? e->schema : edit_opaq_schema(ctx, e);
}

/* ------------------------------------------------------------------ */
/* Parsing                                                            */
/* ------------------------------------------------------------------ */

/* Why an opaque node (one libyang could not type) is not acceptable, if
 * it is not: leaves named for delete/remove need no valid value. */
static int check_opaque(struct ly_ctx *ctx, const struct lyd_node *n, struct vnm_err *err)
{
	const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)n;
	const struct lysc_node *sch = edit_opaq_schema(ctx, n);
	const char *ops = own_op_str(n);
	enum vnm_edit_op op = VNM_OP_MERGE;
	char path[512], obj[512], ppath[400];

	edit_node_path(n, path, sizeof(path));
	if (ops && op_from_str(ops, &op))
		return vnm_err_set(err, VNM_E_INVALID, path,
				   "unknown operation '%s' on element '%s': use merge, replace, "
				   "create, delete or remove", ops, o->name.name);
	if (!sch) {
		if (n->parent)
			edit_node_path(lyd_parent(n), ppath, sizeof(ppath));
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
	edit_describe(n, obj, sizeof(obj));
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

			edit_node_path(n, path, sizeof(path));
			edit_describe(n, obj, sizeof(obj));
			return vnm_err_set(err, VNM_E_BAD_ELEMENT, path,
					   "%s appears twice in the edit: give each node once", obj);
		}
		if (n->schema->flags & LYS_CONFIG_R) {
			char path[512], obj[512];

			edit_node_path(n, path, sizeof(path));
			edit_describe(n, obj, sizeof(obj));
			return vnm_err_set(err, VNM_E_BAD_ELEMENT, path,
					   "%s is state data and cannot be configured", obj);
		}
		if (check_edit_r(ctx, lyd_child(n), err))
			return -1;
	}
	return 0;
}

/*
 * A value libyang refuses while parsing with LYD_PARSE_OPAQ is an
 * attribute's: a leaf's bad value only makes the leaf opaque (and
 * check_opaque() names it).  RFC 6241 Appendix A calls that bad-attribute;
 * the message says which attribute and what it takes.  0 when the error
 * is something else.
 */
static int bad_attribute(const char *xml, const struct ly_err_item *e, const char *path,
			 struct vnm_err *err)
{
	char val[128], pat[160];
	const char *q, *qe;

	if (!e || !e->msg || e->vecode != LYVE_DATA || strncmp(e->msg, "Invalid ", 8) ||
	    !(q = strchr(e->msg, '"')) || !(qe = strchr(q + 1, '"')) ||
	    (size_t)(qe - q - 1) >= sizeof(val))
		return 0;
	snprintf(val, sizeof(val), "%.*s", (int)(qe - q - 1), q + 1);
	snprintf(pat, sizeof(pat), "operation=\"%s\"", val);
	if (strstr(xml, pat) || (snprintf(pat, sizeof(pat), "operation='%s'", val), strstr(xml, pat)))
		return vnm_err_set(err, VNM_E_BAD_ATTRIBUTE, path,
				   "unknown operation \"%s\" in an nc:operation attribute: use "
				   "merge, replace, create, delete or remove", val);
	return vnm_err_set(err, VNM_E_BAD_ATTRIBUTE, path,
			   "the value \"%s\" of an attribute is not valid: %s (yang:insert "
			   "takes first, last, before or after)", val, e->msg);
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
	if (vnm_nsguard_has_empty(xml)) /* libyang would crash on it (nsguard.h) */
		return vnm_err_set(err, VNM_E_MALFORMED, NULL,
				   "the <config> of edit-config declares an empty namespace "
				   "(xmlns=\"\"): each of its elements belongs to a YANG "
				   "module's namespace");
	ly_err_clean(ctx, NULL);
	lrc = lyd_parse_data_mem(ctx, xml, LYD_XML,
				 LYD_PARSE_ONLY | LYD_PARSE_OPAQ | LYD_PARSE_NO_STATE, 0, &tree);
	if (lrc != LY_SUCCESS) {
		lyd_free_all(tree);
		e = ly_err_last(ctx);
		/* the XML itself, or one of the parser's own limits (open
		 * elements: an error without a validation code) */
		if (e && (e->vecode == LYVE_SYNTAX_XML || e->vecode == LYVE_SYNTAX ||
			  (e->vecode == LYVE_SUCCESS && e->no == LY_EINVAL)))
			code = VNM_E_MALFORMED;
		else if (e && e->vecode == LYVE_DATA)
			code = VNM_E_BAD_ELEMENT;
		if (e && e->msg && vnm_guard_mark_msg(e->msg, path, sizeof(path)))
			/* the gate's mark, in content it set aside (stash.h) */
			return vnm_err_set(err, VNM_E_MALFORMED, NULL, "%s", path);
		edit_ly_path(e ? e->path : NULL, path, sizeof(path));
		if (bad_attribute(xml, e, path[0] == '/' ? path : NULL, err))
			return -1;
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
