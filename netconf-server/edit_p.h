/*
 * edit_p.h - what the files of the edit-config engine share (private).
 *
 * vnm_edit_apply() (edit.h) is split by concern: edit_parse.c reads the
 * <config> and the nc:operation attributes, edit.c walks the edit along
 * the datastore and decides which operation applies where, edit_change.c
 * carries out each change, records it (to undo it) and builds the libyang
 * diff, edit_validate.c validates the result with the schema's shortcuts,
 * edit_err.c names the objects in messages and collects the errors of
 * continue-on-error.
 * Nothing here is for other parts of the server: they use edit.h.
 */
#ifndef VNM_EDIT_P_H
#define VNM_EDIT_P_H

#include <stdbool.h>
#include <stddef.h>

#include "edit.h"

struct ly_err_item;
struct lysc_node;
struct lyd_meta;

/* ------------------------------------------------------------------ */
/* One edit being applied                                             */
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
	struct vnm_errs errs;      /* of the operation checks (edit_err.c only) */
	bool oom;
	struct lyd_node *bad_net;  /* the network entry whose validation failed */
};

/* ------------------------------------------------------------------ */
/* edit_err.c: names of objects, errors                               */
/* ------------------------------------------------------------------ */

/* The schema name of a node, or the element name of an opaque one. */
const char *edit_node_name(const struct lyd_node *n);

/* "leaf 'rate-limit' of link 'vl-a' of network 'vn-a'" into buf. */
void edit_describe(const struct lyd_node *n, char *buf, size_t len);

/* The data path of n into buf ("" when libyang cannot give one). */
void edit_node_path(const struct lyd_node *n, char *buf, size_t len);

/* The data path in a libyang error's location text into buf. */
void edit_ly_path(const char *lypath, char *buf, size_t len);

/* libyang's validation errors (e: the first) into ed->err; returns -1. */
int edit_validation_error(struct edit *ed, const struct ly_err_item *e);

/*
 * The error collector: every error of an operation check goes through
 * these three (and only these touch ed->errs, core's collector of err.h).
 *
 * edit_fail(): an operation check failed.  The first error goes to
 * ed->err.  With continue-on-error the error is recorded and the edit node
 * skipped (returns 1); otherwise it ends the edit (returns -1).
 *
 * edit_errs_drop(): forget the recorded errors (they are moot when the
 * result fails validation, and at the end of the edit).
 *
 * edit_errs_take(): hand the recorded errors to the caller of
 * vnm_edit_apply_ex() (*errs, caller frees; *n_errs; either may be NULL).
 * failed: the edit as a whole failed, so at least one error is counted
 * (the one in ed->err).  Returns the number of errors counted.
 */
int edit_fail(struct edit *ed, enum vnm_err_code code, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void edit_errs_drop(struct edit *ed);
size_t edit_errs_take(struct edit *ed, bool failed, struct vnm_err **errs, size_t *n_errs);

/* ------------------------------------------------------------------ */
/* edit_parse.c: operations of edit nodes                             */
/* ------------------------------------------------------------------ */

/* The operation of edit node e: its nc:operation, else inherited. */
enum vnm_edit_op edit_node_op(const struct lyd_node *e, enum vnm_edit_op inherited);

/* Schema node of an opaque edit node, looked up by name and namespace
 * under its parent's schema; NULL when there is none. */
const struct lysc_node *edit_opaq_schema(const struct ly_ctx *ctx, const struct lyd_node *e);

/* The schema node of an edit node, opaque or not; NULL when there is none. */
const struct lysc_node *edit_schema(const struct ly_ctx *ctx, const struct lyd_node *e);

/* ------------------------------------------------------------------ */
/* edit_change.c: the changes, the journal and the diff               */
/* ------------------------------------------------------------------ */

/* Record a change (old: J_VALUE's previous value, owned by the journal
 * from here on, also on failure).  Returns 0, or -1 out of memory. */
int edit_journal(struct edit *ed, enum jkind kind, struct lyd_node *node,
		 struct lyd_node *parent, char *old);

/* Undo the journal backwards: *ed->ds is as before the edit. */
void edit_undo(struct edit *ed);

/* Forget the journal after success: free what only the journal holds. */
void edit_journal_done(struct edit *ed);

/* The yang:operation metadata of a diff node, or NULL. */
struct lyd_meta *edit_find_diff_op(struct lyd_node *n);

/*
 * The changes, each in the datastore, the journal and the diff (up: the
 * ancestors of the place, for the diff).  Create: edit node e (and what
 * it holds) under ds_parent (NULL: the top level), in place of dflt (a
 * default instance, or NULL).  Delete: datastore node m.  Set value: leaf
 * m takes edit leaf e's value.  Return 0; -1 when the edit ends (err set);
 * create returns 1 for a failed check that continue-on-error skips.
 */
int edit_do_create(struct edit *ed, struct anc *up, struct lyd_node *ds_parent,
		   const struct lyd_node *e, struct lyd_node *dflt);
int edit_do_delete(struct edit *ed, struct anc *up, struct lyd_node *m);
int edit_do_set_value(struct edit *ed, struct anc *up, struct lyd_node *m,
		      const struct lyd_node *e);

/* ------------------------------------------------------------------ */
/* edit_validate.c: validation of the result                          */
/* ------------------------------------------------------------------ */

/* Validate *ed->ds after the journaled changes; *vdiff gets what
 * validation changed.  Returns 0, or -1 with the libyang errors in the
 * context (ed->bad_net: the network entry that failed, if known). */
int edit_validate(struct edit *ed, struct lyd_node **vdiff);

/* Validate *ed->ds after the reversed diff rev was applied to it. */
int edit_validate_reverted(struct edit *ed, struct lyd_node *rev, struct lyd_node **vdiff);

/* Drop from a validation diff the default nodes it created, and the
 * operation-none ancestors left with nothing below them. */
void edit_prune_defaults(struct lyd_node **first, struct lyd_node *parent);

#endif
