/*
 * fuzz_filter.c - libFuzzer target: <get>/<get-config> subtree filters
 * (filter.h) on the paper's Figure 5 configuration (examples/figure5.xml).
 *
 * Input: the content of <filter type="subtree"> as XML text.  (XPath
 * filters are not fuzzed here: libyang 2.1.30's lyd_find_xpath() leaks on
 * some malformed expressions, e.g. "/x/x<i>/x/x/x<i>/ " with x a star,
 * 688 bytes a call, which would stop every run.)
 *
 * Besides crashes, leaks and UB, a run aborts when a filter
 *   - changes the tree it filters (filter.h: never modifies the input),
 *   - returns a node the tree does not have, or a leaf with another value,
 *   - fails without a message,
 *   - (subtree) selects something else when run again on its own result:
 *     a filter's result holds everything that made the filter select it.
 *
 *   build/fuzz/fuzz_filter CORPUS_DIR fuzz/seeds-filter -dict=fuzz/filter.dict -max_len=4096
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "filter.h"
#include "yctx.h"

#ifndef FIGURE5
#define FIGURE5 "examples/figure5.xml"
#endif

static struct ly_ctx *ctx;
static struct lyd_node *fig5, *fig5_copy;

#define FUZZ_NAME "fuzz_filter"
#define FUZZ_YANG
#include "fuzz_assert.h"

/* Every node of out is in tree, with the same value. */
static void check_subset(const struct lyd_node *tree, const struct lyd_node *out)
{
	const struct lyd_node *top, *n;
	struct lyd_node *match;
	char *path;

	LY_LIST_FOR(out, top) {
		LYD_TREE_DFS_BEGIN(top, n) {
			path = lyd_path(n, LYD_PATH_STD, NULL, 0);
			CHECK(path);
			match = NULL;
			if (lyd_find_path(tree, path, 0, &match) || !match) {
				fprintf(stderr, "fuzz_filter: result node %s is not in the tree\n", path);
				abort();
			}
			if (n->schema && (n->schema->nodetype & LYD_NODE_TERM))
				CHECK(!strcmp(lyd_get_value(n), lyd_get_value(match)));
			free(path);
			LYD_TREE_DFS_END(top, n);
		}
	}
}

static void setup(void)
{
	struct vnm_err err;
	const char *dir = getenv("VNMD_FUZZ_FIGURE5");

	ly_log_options(LY_LOSTORE_LAST);
	if (vnm_yctx_new(true, &ctx, &err) ||
	    vnm_config_parse_file(ctx, dir ? dir : FIGURE5, &fig5, &err)) {
		fprintf(stderr, "fuzz_filter: %s (run from the checkout, or set "
			"VNMD_FUZZ_FIGURE5 to examples/figure5.xml)\n", err.msg);
		abort();
	}
	CHECK(lyd_dup_siblings(fig5, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS,
			       &fig5_copy) == LY_SUCCESS);
}

static void run_subtree(const char *xml)
{
	struct lyd_node *out = NULL, *again = NULL;
	struct vnm_err err;

	memset(&err, 0, sizeof(err));
	if (vnm_filter_subtree(fig5, xml, &out, &err)) {
		CHECK(err.msg[0]);
		CHECK(!out);
		return;
	}
	check_subset(fig5, out);
	if (out) {
		CHECK(vnm_filter_subtree(out, xml, &again, &err) == 0);
		check_same(out, again, "the filter selects something else from its own result");
	}
	lyd_free_all(again);
	lyd_free_all(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *xml;

	if (!ctx)
		setup();
	xml = malloc(size + 1);
	if (!xml)
		return 0;
	memcpy(xml, data, size);
	xml[size] = '\0';
	run_subtree(xml);
	free(xml);
	check_same(fig5_copy, fig5, "a filter changed the tree it filtered");
	return 0;
}
