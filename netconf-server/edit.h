/*
 * edit.h - RFC 6241 <edit-config> semantics on libyang trees.
 *
 * libyang has diff, merge and validation but no edit-config engine: this
 * turns an edit (the <config> content with nc:operation attributes) applied
 * to a datastore into the resulting tree and the libyang diff between the
 * two (yang:operation metadata), with the data-exists / data-missing checks.
 */
#ifndef VNM_EDIT_H
#define VNM_EDIT_H

#include "err.h"

struct ly_ctx;
struct lyd_node;

enum vnm_edit_op {
	VNM_OP_MERGE = 0,
	VNM_OP_REPLACE,
	VNM_OP_NONE,
	VNM_OP_CREATE,
	VNM_OP_DELETE,
	VNM_OP_REMOVE,
};

enum vnm_error_option {
	VNM_ERROPT_ROLLBACK = 0, /* rollback-on-error */
	VNM_ERROPT_STOP,         /* stop-on-error */
	VNM_ERROPT_CONTINUE,     /* continue-on-error */
};

/*
 * Parse the content of an <edit-config>'s <config> element (XML text, the
 * children of <config>, as libnetconf2 hands the anydata over through
 * lyd_any_value_str()) into an edit tree keeping the nc:operation
 * attributes.  Unknown elements, a wrong namespace or malformed XML fail
 * with err set (unknown-element / bad-element / malformed-message).
 */
int vnm_edit_parse(struct ly_ctx *ctx, const char *xml, struct lyd_node **edit,
		   struct vnm_err *err);

/*
 * Apply edit (parsed with LYD_PARSE_OPAQ|LYD_PARSE_ONLY-like options so that
 * the nc:operation attributes are kept; see edit.c) to *ds (the datastore
 * tree, may be NULL).  default_op is <default-operation>.  On success *ds is
 * the new tree (YANG-validated as configuration) and *diff (may be NULL when
 * nothing changed; caller frees) the libyang diff from the old tree.  On
 * failure *ds is unchanged and err->code maps to the error-tag
 * (VNM_E_EXISTS → data-exists, VNM_E_MISSING → data-missing, VNM_E_INVALID →
 * invalid-value/bad-element, ...), err->path is the node at fault.
 */
int vnm_edit_apply(struct ly_ctx *ctx, struct lyd_node **ds, const struct lyd_node *edit,
		   enum vnm_edit_op default_op, enum vnm_error_option erropt,
		   struct lyd_node **diff, struct vnm_err *err);

#endif
