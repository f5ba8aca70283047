/*
 * check.c - `vnmd -n -c FILE` (see check.h).
 *
 * The same steps as a commit, without touching anything: YANG parsing and
 * validation, building the model, the semantic rules.  Every error found is
 * printed, one a line, so that a user fixes a file in one round.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libyang/libyang.h>

#include "check_hint.h"
#include "link_nl.h"
#include "model.h"
#include "model_int.h"
#include "peer_policy.h"
#include "store.h"
#include "wal.h"
#include "yctx.h"

static void print_err(void *arg, const struct vnm_err *e)
{
	FILE *f = arg;

	if (e->path[0])
		fprintf(f, "error: %s (at %s)\n", e->msg, e->path);
	else
		fprintf(f, "error: %s\n", e->msg);
}

/* libyang keeps every message of a failed parse; print each on its own.
 * Two get plainer words (check_hint.h): a file cut short, a router
 * without an image. */
static void print_ly_errs(const struct ly_ctx *ctx, const char *file, FILE *f)
{
	const struct ly_err_item *e;
	int imageless = 0;

	if (vnm_hint_truncated(file, f))
		return;
	for (e = ly_err_first(ctx); e; e = e->next) {
		if (e->msg && strstr(e->msg, "Mandatory choice \"source\"") && e->path &&
		    strstr(e->path, "router/image")) {
			if (!imageless++ && vnm_hint_imageless(file, f))
				continue;
			if (imageless > 1)
				continue;
		}
		if (!e->msg)
			continue;
		if (e->path)
			fprintf(f, "error: %s: %s (at %s)\n", file, e->msg, e->path);
		else
			fprintf(f, "error: %s: %s\n", file, e->msg);
	}
}

/* Leaves written out with their default value are dropped, so that the
 * output is the same whether or not a default was spelled out (and printing
 * it again gives the same text). */
static int drop_explicit_defaults(struct lyd_node *tree)
{
	struct lyd_node *top, *n, **drop = NULL, **grown;
	size_t n_drop = 0, cap = 0, i;

	LY_LIST_FOR(tree, top) {
		LYD_TREE_DFS_BEGIN(top, n) {
			if (n->schema && (n->schema->nodetype & LYD_NODE_TERM) &&
			    !(n->flags & LYD_DEFAULT) && lyd_is_default(n)) {
				if (n_drop == cap) {
					cap = cap ? 2 * cap : 16;
					if (!(grown = realloc(drop, cap * sizeof(*drop)))) {
						free(drop);
						return -1;
					}
					drop = grown;
				}
				drop[n_drop++] = n;
			}
			LYD_TREE_DFS_END(top, n);
		}
	}
	for (i = 0; i < n_drop; i++)
		lyd_free_tree(drop[i]);
	free(drop);
	return 0;
}

static int check(const char *path, const char *wal_dir, const struct vnm_uri_policy *uris,
		 const struct vnm_peer_policy *peers, FILE *out, FILE *errout);

int vnm_check_file(const char *path, const struct vnm_uri_policy *uris,
		   const struct vnm_peer_policy *peers, FILE *out, FILE *errout)
{
	return check(path, NULL, uris, peers, out, errout);
}

int vnm_check_running(const char *dir, const struct vnm_uri_policy *uris,
		      const struct vnm_peer_policy *peers, FILE *out, FILE *errout)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, VNM_STORE_RUNNING);
	return check(path, dir, uris, peers, out, errout);
}

/* The journal's records newer than running.xml into tree (wal.h). */
static int with_journal(struct ly_ctx *ctx, const char *dir, struct lyd_node **tree,
			FILE *errout)
{
	struct vnm_wal_info wi;
	struct vnm_err err;

	vnm_err_clear(&err);
	if (vnm_wal_replay_ro(ctx, dir, vnm_wal_base_seq(dir, VNM_STORE_RUNNING), tree, &wi,
			      &err)) {
		print_err(errout, &err);
		return -1;
	}
	if (wi.applied)
		fprintf(errout, "vnmd: %s/%s: %zu change(s) newer than %s, as vnmd starts with "
			"them\n", dir, VNM_WAL_FILE, wi.applied, VNM_STORE_RUNNING);
	if (wi.file_len > wi.valid_len)
		fprintf(errout, "vnmd: %s/%s: a torn last record (never acknowledged) that vnmd "
			"drops at start\n", dir, VNM_WAL_FILE);
	return 0;
}

static int check(const char *path, const char *wal_dir, const struct vnm_uri_policy *uris,
		 const struct vnm_peer_policy *peers, FILE *out, FILE *errout)
{
	struct ly_ctx *ctx = NULL;
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	struct vnm_err err;
	struct stat st;
	uint32_t old_log = ly_log_options(LY_LOSTORE);
	char *xml = NULL;
	int rc = 2, bad;

	vnm_err_clear(&err);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		vnm_err_set(&err, VNM_E_INVALID, NULL, "%s is a directory, not a configuration file", path);
		print_err(errout, &err);
		goto cleanup;
	}
	if (vnm_yctx_new(false, &ctx, &err)) {
		print_err(errout, &err);
		goto cleanup;
	}
	if (vnm_config_parse_file(ctx, path, &tree, &err)) {
		if (err.code == VNM_E_INVALID && ly_err_first(ctx)) {
			print_ly_errs(ctx, path, errout);
			rc = 1;
		} else {
			print_err(errout, &err);
		}
		goto cleanup;
	}
	if (wal_dir && with_journal(ctx, wal_dir, &tree, errout)) {
		rc = 1;
		goto cleanup;
	}
	if (vnm_model_build(tree, &m, &err)) {
		print_err(errout, &err);
		rc = err.code == VNM_E_NOMEM ? 2 : 1;
		goto cleanup;
	}
	/* the link driver's table of encapsulations needs no kernel: the
	 * admission counts the same overheads as the daemon's */
	bad = vnm_model_set_overhead(m, vnm_link_nl_ops.encap_overhead, &err);
	if (bad)
		print_err(errout, &err);
	/* as the daemon, a coordinator's management addresses (coord.c) */
	if (peers && vnm_peer_check_model(peers, m, print_err, errout, &err))
		bad = 1;
	if (vnm_validate_all(m, uris, print_err, errout, NULL) || bad) {
		rc = 1;
		goto cleanup;
	}
	if (drop_explicit_defaults(tree)) {
		vnm_err_set(&err, VNM_E_NOMEM, NULL, "out of memory normalising the configuration");
		print_err(errout, &err);
		goto cleanup;
	}
	if (tree && lyd_print_mem(&xml, tree, LYD_XML,
				  LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_TRIM) != LY_SUCCESS) {
		vnm_err_from_ly(&err, ctx, VNM_E_INTERNAL, "printing the configuration");
		print_err(errout, &err);
		goto cleanup;
	}
	if (xml)
		fputs(xml, out);
	rc = 0;
cleanup:
	free(xml);
	vnm_model_free(m);
	lyd_free_all(tree);
	ly_ctx_destroy(ctx);
	ly_log_options(old_log);
	return rc;
}
