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
 * the nc:operation attributes are kept; see edit_parse.c) to *ds (the datastore
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

/*
 * vnm_edit_apply() with every error of continue-on-error: *errs (when
 * errs is not NULL; caller frees with free()) holds *n_errs errors, err
 * the first.  With continue-on-error and errors, the return is -1 but *ds
 * holds what could be applied and *diff (non-NULL when something changed)
 * what must be committed; with the other error options, or when the
 * result is not YANG-valid, nothing is applied.
 *
 * Rollback: rollback-on-error undoes everything at the first error.
 * stop-on-error behaves the same: the datastore is one tree that is valid
 * as a whole or not at all, so a half-applied edit is never kept.
 *
 * The edit is applied in place (no copy of the datastore): the cost
 * follows the edit's size, plus YANG validation of what it touched.  *ds
 * must be a validated tree (as every datastore is), and a copy of one must
 * be made with LYD_DUP_WITH_FLAGS: without LYD_DEFAULT the defaults count
 * as set by a client (create fails with data-exists, with-defaults
 * explicit reports them) and without LYD_WHEN_TRUE libyang refuses, rather
 * than removes, data whose `when` turns false.  When the schema shows
 * that no constraint crosses /nw:networks/nw:network entries, only the
 * touched entries are validated, and an edit that only changes leaves no
 * must/when/leafref/unique reads is not validated again at all (its values
 * were typed when the edit was parsed).  libyang errors are read from the
 * context, so keep LY_LOSTORE (or LY_LOSTORE_LAST, the default) in
 * ly_log_options().  Thread-safe for different datastore trees.
 */
int vnm_edit_apply_ex(struct ly_ctx *ctx, struct lyd_node **ds, const struct lyd_node *edit,
		      enum vnm_edit_op default_op, enum vnm_error_option erropt,
		      struct lyd_node **diff, struct vnm_err **errs, size_t *n_errs,
		      struct vnm_err *err);

/*
 * Undo a successful vnm_edit_apply(): make *ds the tree it was before,
 * from the diff that apply returned (e.g. when the core refused to commit
 * the result).  The diff is not freed.  Returns 0 or -1 with err set.
 */
int vnm_edit_revert(struct ly_ctx *ctx, struct lyd_node **ds, const struct lyd_node *diff,
		    struct vnm_err *err);

/*
 * An edit the core can make in place (vnm_core_set_leaves): default
 * operation merge, only merges (a replace on the leaf itself) down to a
 * virtual link's guaranteed-rate or rate-limit, nothing else in it.
 * Returns 0 with the leaves in *set (their parent paths owned: free with
 * vnm_edit_leaves_free), 1 when the edit needs the whole engine.
 */
struct vnm_leaf_set;
int vnm_edit_leaves(const struct lyd_node *edit, enum vnm_edit_op dflt, struct vnm_leaf_set **set,
		    size_t *n);
void vnm_edit_leaves_free(struct vnm_leaf_set *set, size_t n);

#endif
