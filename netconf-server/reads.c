/*
 * reads.c - the reply of <get> and <get-config>: the filter (subtree or
 * XPath) and the with-defaults mode the request asks for.
 *
 * The tree given holds the datastore (and state for <get>); defaults are
 * added here so that report-all and trim have something to work on, and the
 * with-defaults mode becomes libnetconf2's printing mode (the printer
 * carries it into the <data> anydata).  Filtering is filter.c's; what the
 * session may not read (RFC 8341) goes first, nacm_srv.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "filter.h"
#include "server_p.h"
#include "wd.h"
#include "yctx.h"

int vnm_any_xml(const struct lyd_node *any, char **xml)
{
	const struct lyd_node_any *a = (const struct lyd_node_any *)any;

	*xml = NULL;
	/* libyang parsed the content as data: an empty non-presence container
	 * (<networks/> selecting all networks) is a default node there, which
	 * lyd_any_value_str() would leave out */
	if (a->value_type == LYD_ANYDATA_DATATREE) {
		if (!a->value.tree)
			return 0;
		return lyd_print_mem(xml, a->value.tree, LYD_XML,
				     LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | LYD_PRINT_WD_ALL |
					     LYD_PRINT_KEEPEMPTYCONT) ? -1 : 0;
	}
	return lyd_any_value_str(any, xml) ? -1 : 0;
}

struct nc_server_reply *vnm_reply_filtered(struct lyd_node *rpc, struct lyd_node *tree)
{
	struct lyd_node *filter = NULL, *wdn = NULL, *out = NULL;
	struct lyd_meta *type, *sel;
	struct vnm_err err = {0};
	enum vnm_wd wd = VNM_WD_EXPLICIT;
	char *xml = NULL;
	int rc = 0;

	if (!lyd_find_path(rpc, "ietf-netconf-with-defaults:with-defaults", 0, &wdn) && wdn &&
	    vnm_wd_from_str(lyd_get_value(wdn), &wd, &err)) {
		lyd_free_all(tree);
		return vnm_reply_err(&err, NC_ERR_TYPE_PROT);
	}
	/* report-all needs the default nodes; trees of validated datastores
	 * have them already, flagged, and adding them costs as much as the
	 * module's `when` conditions on every node: only when asked for */
	if (tree && (wd == VNM_WD_REPORT_ALL || wd == VNM_WD_REPORT_ALL_TAGGED) &&
	    lyd_new_implicit_all(&tree, vnm_srv->ctx, LYD_IMPLICIT_NO_STATE, NULL)) {
		lyd_free_all(tree);
		vnm_err_from_ly(&err, vnm_srv->ctx, VNM_E_INTERNAL, "adding defaults");
		return vnm_reply_err(&err, NC_ERR_TYPE_APP);
	}
	/* access control before the client's filter, so that a filter cannot
	 * tell what it may not read; after the defaults, which must not bring
	 * a denied node back */
	vnm_nacm_filter(vnm_rpc_sess, &tree);
	if (!lyd_find_path(rpc, "filter", 0, &filter) && filter) {
		type = lyd_find_meta(filter->meta, NULL, "ietf-netconf:type");
		sel = lyd_find_meta(filter->meta, NULL, "ietf-netconf:select");
		if (type && !strcmp(lyd_get_meta_value(type), "xpath")) {
			if (!sel) {
				lyd_free_all(tree);
				return vnm_reply_tag(NC_ERR_MISSING_ATTR, NC_ERR_TYPE_PROT, "filter", NULL,
						     "an XPath filter needs a select attribute");
			}
			rc = vnm_filter_xpath(vnm_srv->ctx, tree, lyd_get_meta_value(sel), &out, &err);
		} else {
			if (vnm_any_xml(filter, &xml)) {
				lyd_free_all(tree);
				return vnm_reply_tag(NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC, "filter", NULL,
						     "the subtree filter cannot be read");
			}
			if (xml && strlen(xml) > vnm_srv->max_config) {
				free(xml);
				lyd_free_all(tree);
				return vnm_reply_tag(NC_ERR_TOO_BIG, NC_ERR_TYPE_APP, "filter", NULL,
						     "the subtree filter is larger than %zu bytes "
						     "(--max-config-size)", vnm_srv->max_config);
			}
			rc = vnm_filter_subtree(tree, xml ? xml : "", &out, &err);
			free(xml);
		}
		lyd_free_all(tree);
		tree = out;
		if (rc) {
			lyd_free_all(tree);
			return vnm_reply_err(&err, NC_ERR_TYPE_APP);
		}
	}
	return vnm_reply_data(rpc, "data", tree, (NC_WD_MODE)vnm_wd_nc_mode(wd));
}
