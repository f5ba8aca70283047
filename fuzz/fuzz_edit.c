/*
 * fuzz_edit.c - libFuzzer target: the <edit-config> engine (edit.h), an
 * edit with nc:operation attributes applied to a running configuration.
 *
 * Input: byte 0 picks <default-operation> (merge, replace, none), byte 1
 * <error-option> (rollback, stop, continue); the rest is the running
 * configuration (a <config> or bare <networks> document), a NUL byte, and
 * the content of the edit's <config> element.  Without a NUL the running
 * configuration is empty and everything is the edit.  A running part that
 * is not a valid configuration is taken as empty, as vnmd never holds one.
 *
 * Besides crashes, leaks and UB, a run aborts when the engine breaks what
 * a NETCONF client relies on:
 *   - success: the returned diff (when there is one) turns the old tree
 *     into the new one, the new one is YANG-valid, and vnm_edit_revert()
 *     gives the old one back;
 *   - failure with rollback/stop-on-error: the datastore is unchanged;
 *   - failure with continue-on-error: the diff still turns the old tree
 *     into what was kept;
 *   - every failure has a message.
 *
 *   build/fuzz/fuzz_edit CORPUS_DIR fuzz/seeds-edit -dict=fuzz/edit.dict -max_len=16384
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "edit.h"
#include "yctx.h"

static struct ly_ctx *ctx;

#define FUZZ_NAME "fuzz_edit"
#define FUZZ_YANG
#include "fuzz_assert.h"

static struct lyd_node *dup_all(const struct lyd_node *t)
{
	struct lyd_node *d = NULL;

	if (t)
		CHECK(lyd_dup_siblings(t, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &d) == LY_SUCCESS);
	return d;
}

/* diff applied to old must give new. */
static void check_diff(const struct lyd_node *old, const struct lyd_node *diff,
		       const struct lyd_node *new, const char *what)
{
	struct lyd_node *t = dup_all(old);

	/* as libyang wants a tree a diff was applied to validated (a created
	 * leaf and the default it replaces are both there until then) */
	if (diff) {
		CHECK(lyd_diff_apply_all(&t, diff) == LY_SUCCESS);
		if (t)
			CHECK(lyd_validate_all(&t, ctx, LYD_VALIDATE_NO_STATE, NULL) == LY_SUCCESS);
	}
	check_same(t, new, what);
	lyd_free_all(t);
}

static void check_success(const struct lyd_node *old, const struct lyd_node *ds,
			  const struct lyd_node *diff)
{
	struct lyd_node *t = dup_all(ds);
	struct vnm_err err;

	/* No diff also means "changed, diff unknown" (when validation removed
	 * what the edit created, libyang cannot merge the diffs): callers
	 * compare the trees then (datastore.c), so nothing to check here. */
	if (!diff) {
		lyd_free_all(t);
		return;
	}
	check_diff(old, diff, ds, "diff from a successful edit");
	if (t) {
		/* the new datastore is valid configuration as it stands */
		CHECK(lyd_validate_all(&t, ctx, LYD_VALIDATE_NO_STATE, NULL) == LY_SUCCESS);
		check_same(t, ds, "validation changed the edited datastore");
	}
	if (diff) {
		if (vnm_edit_revert(ctx, &t, diff, &err) == 0)
			check_same(t, old, "revert did not give the old datastore back");
		else
			CHECK(err.msg[0]);
	}
	lyd_free_all(t);
}

static void run(const char *running, const char *xml, enum vnm_edit_op dop,
		enum vnm_error_option eo)
{
	struct lyd_node *ds = NULL, *old = NULL, *edit = NULL, *diff = NULL;
	struct vnm_err err, *errs = NULL;
	size_t n_errs = 0, i;
	int rc;

	if (running && vnm_config_parse_mem(ctx, running, &ds, &err)) {
		lyd_free_all(ds);
		ds = NULL;
	}
	old = dup_all(ds);
	memset(&err, 0, sizeof(err));
	if (vnm_edit_parse(ctx, xml, &edit, &err)) {
		CHECK(err.msg[0]);
		goto cleanup;
	}
	rc = vnm_edit_apply_ex(ctx, &ds, edit, dop, eo, &diff, &errs, &n_errs, &err);
	if (rc == 0) {
		CHECK(n_errs == 0);
		check_success(old, ds, diff);
	} else {
		CHECK(err.msg[0]);
		CHECK(n_errs >= 1);
		/* errs is NULL when err is the only error (rollback/stop-on-error,
		 * or an invalid result): n_errs is 1 then */
		CHECK(errs || n_errs == 1);
		for (i = 0; errs && i < n_errs; i++)
			CHECK(errs[i].msg[0]);
		if (eo == VNM_ERROPT_CONTINUE)
			check_diff(old, diff, ds, "diff from a continue-on-error edit");
		else
			check_same(old, ds, "a failed edit changed the datastore");
	}
cleanup:
	free(errs);
	lyd_free_all(diff);
	lyd_free_all(edit);
	lyd_free_all(old);
	lyd_free_all(ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum vnm_edit_op dops[] = { VNM_OP_MERGE, VNM_OP_REPLACE, VNM_OP_NONE };
	static const enum vnm_error_option eos[] = {
		VNM_ERROPT_ROLLBACK, VNM_ERROPT_STOP, VNM_ERROPT_CONTINUE };
	struct vnm_err err;
	char *buf, *nul;

	if (!ctx) {
		ly_log_options(LY_LOSTORE_LAST); /* edit.h: errors are read from the context */
		if (vnm_yctx_new(true, &ctx, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			abort();
		}
	}
	if (size < 2)
		return 0;
	buf = malloc(size - 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 2, size - 2);
	buf[size - 2] = '\0';
	nul = memchr(buf, '\0', size - 2);
	if (nul)
		run(buf, nul + 1, dops[data[0] % 3], eos[data[1] % 3]);
	else
		run(NULL, buf, dops[data[0] % 3], eos[data[1] % 3]);
	free(buf);
	return 0;
}
