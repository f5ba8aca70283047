/*
 * reads.c - the reply of <get> and <get-config>: the filter (subtree or
 * XPath) and the with-defaults mode the request asks for.
 *
 * The tree given holds the datastore (and state for <get>); defaults are
 * added here so that report-all and trim have something to work on, and the
 * with-defaults mode becomes libnetconf2's printing mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "server_p.h"
#include "yctx.h"

static NC_WD_MODE wd_mode(struct lyd_node *rpc)
{
	struct lyd_node *n = NULL;
	const char *v;

	if (lyd_find_path(rpc, "ietf-netconf-with-defaults:with-defaults", 0, &n) || !n)
		return NC_WD_EXPLICIT;
	v = lyd_get_value(n);
	if (!strcmp(v, "report-all"))
		return NC_WD_ALL;
	if (!strcmp(v, "report-all-tagged"))
		return NC_WD_ALL_TAG;
	if (!strcmp(v, "trim"))
		return NC_WD_TRIM;
	return NC_WD_EXPLICIT;
}

/* The nodes of tree selected by xpath, with their ancestors and list keys. */
static int xpath_filter(struct lyd_node **tree, const char *xpath, struct vnm_err *err)
{
	struct ly_set *set = NULL;
	struct lyd_node *out = NULL, *dup, *top;
	uint32_t i;
	int rc = -1;

	if (!*tree)
		return 0;
	if (lyd_find_xpath(*tree, xpath, &set)) {
		vnm_err_from_ly(err, vnm_srv->ctx, VNM_E_INVALID, "the XPath filter is not valid");
		goto cleanup;
	}
	for (i = 0; i < set->count; i++) {
		if (!set->dnodes[i]->schema)
			continue;
		if (lyd_dup_single(set->dnodes[i], NULL,
				   LYD_DUP_RECURSIVE | LYD_DUP_WITH_PARENTS | LYD_DUP_WITH_FLAGS, &dup)) {
			vnm_err_from_ly(err, vnm_srv->ctx, VNM_E_INTERNAL, "filtering");
			goto cleanup;
		}
		for (top = dup; lyd_parent(top); top = lyd_parent(top))
			;
		if (lyd_merge_siblings(&out, top, LYD_MERGE_DESTRUCT | LYD_MERGE_WITH_FLAGS)) {
			vnm_err_from_ly(err, vnm_srv->ctx, VNM_E_INTERNAL, "filtering");
			goto cleanup;
		}
	}
	lyd_free_all(*tree);
	*tree = out;
	out = NULL;
	rc = 0;
cleanup:
	ly_set_free(set, NULL);
	lyd_free_all(out);
	return rc;
}

struct nc_server_reply *vnm_reply_filtered(struct lyd_node *rpc, struct lyd_node *tree)
{
	struct lyd_node *filter = NULL;
	struct lyd_meta *type, *sel;
	struct vnm_err err = {0};
	NC_WD_MODE wd = wd_mode(rpc);

	if (tree && lyd_new_implicit_all(&tree, vnm_srv->ctx, LYD_IMPLICIT_NO_STATE, NULL)) {
		lyd_free_all(tree);
		vnm_err_from_ly(&err, vnm_srv->ctx, VNM_E_INTERNAL, "adding defaults");
		return vnm_reply_err(&err, NC_ERR_TYPE_APP);
	}
	if (!lyd_find_path(rpc, "filter", 0, &filter) && filter) {
		type = lyd_find_meta(filter->meta, NULL, "ietf-netconf:type");
		sel = lyd_find_meta(filter->meta, NULL, "ietf-netconf:select");
		if (type && !strcmp(lyd_get_meta_value(type), "xpath")) {
			if (!sel) {
				lyd_free_all(tree);
				return vnm_reply_tag(NC_ERR_MISSING_ATTR, NC_ERR_TYPE_PROT, "filter", NULL,
						     "an XPath filter needs a select attribute");
			}
			if (xpath_filter(&tree, lyd_get_meta_value(sel), &err)) {
				lyd_free_all(tree);
				return vnm_reply_err(&err, NC_ERR_TYPE_APP);
			}
		} else {
			/* subtree filter: pending filter.h */
			lyd_free_all(tree);
			return vnm_reply_tag(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, "filter", NULL,
					     "subtree filters are not implemented yet");
		}
	}
	return vnm_reply_data(rpc, "data", tree, wd);
}
