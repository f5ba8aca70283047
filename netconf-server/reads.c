/*
 * reads.c - the reply of <get>, <get-config> and <get-data>: the filter
 * (subtree or XPath), the with-defaults mode and get-data's NMDA options
 * (nmda.c) the request asks for.  Every read ends here.
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
#include "nmda.h"
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

/* The options of <get> and <get-config>: filter and with-defaults. */
static struct nc_server_reply *get_opts(struct lyd_node *rpc, struct vnm_read_opts *o)
{
	struct lyd_node *filter = NULL, *wdn = NULL;
	struct lyd_meta *type, *sel;
	struct vnm_err err = {0};

	memset(o, 0, sizeof(*o));
	o->wd = VNM_WD_EXPLICIT;
	o->config = -1;
	if (!lyd_find_path(rpc, "ietf-netconf-with-defaults:with-defaults", 0, &wdn) && wdn &&
	    vnm_wd_from_str(lyd_get_value(wdn), &o->wd, &err))
		return vnm_reply_err(&err, NC_ERR_TYPE_PROT);
	if (lyd_find_path(rpc, "filter", 0, &filter) || !filter)
		return NULL;
	o->filtered = true;
	type = lyd_find_meta(filter->meta, NULL, "ietf-netconf:type");
	sel = lyd_find_meta(filter->meta, NULL, "ietf-netconf:select");
	if (!type || strcmp(lyd_get_meta_value(type), "xpath")) {
		o->subtree = filter;
		return NULL;
	}
	if (!sel)
		return vnm_reply_tag(NC_ERR_MISSING_ATTR, NC_ERR_TYPE_PROT, "filter", NULL,
				     "an XPath filter needs a select attribute");
	o->xpath = lyd_get_meta_value(sel);
	return NULL;
}

/* The options of any read; the datastore of get-data says whether tree is
 * <operational>. */
static struct nc_server_reply *read_opts(struct lyd_node *rpc, struct vnm_read_opts *o)
{
	struct lyd_node *dsn = NULL;
	struct nc_server_reply *r;
	enum vnm_ds ds;
	bool oper;

	if (strcmp(rpc->schema->module->name, "ietf-netconf-nmda"))
		return get_opts(rpc, o);
	lyd_find_path(rpc, "datastore", 0, &dsn);
	if ((r = vnm_nmda_ds(dsn, "get-data", &ds, &oper)))
		return r;
	return vnm_nmda_read_opts(rpc, oper, o);
}

/* The content filter of o on *tree. */
static struct nc_server_reply *filter(struct lyd_node **tree, const struct vnm_read_opts *o)
{
	struct lyd_node *out = NULL;
	struct vnm_err err = {0};
	char *xml = NULL;
	int rc;

	if (o->xpath) {
		rc = vnm_filter_xpath(vnm_srv->ctx, *tree, o->xpath, &out, &err);
	} else {
		if (vnm_any_xml(o->subtree, &xml))
			return vnm_reply_tag(NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC,
					     LYD_NAME(o->subtree), NULL,
					     "the subtree filter cannot be read");
		if (xml && strlen(xml) > vnm_srv->max_config) {
			free(xml);
			return vnm_reply_tag(NC_ERR_TOO_BIG, NC_ERR_TYPE_APP, LYD_NAME(o->subtree),
					     NULL, "the subtree filter is larger than %zu bytes "
					     "(--max-config-size)", vnm_srv->max_config);
		}
		rc = vnm_filter_subtree(*tree, xml ? xml : "", &out, &err);
		free(xml);
	}
	lyd_free_all(*tree);
	*tree = out;
	return rc ? vnm_reply_err(&err, NC_ERR_TYPE_APP) : NULL;
}

struct nc_server_reply *vnm_reply_filtered(struct lyd_node *rpc, struct lyd_node *tree)
{
	struct nc_server_reply *r;
	struct vnm_read_opts o;
	struct vnm_err err = {0};

	if ((r = read_opts(rpc, &o)))
		goto fail;
	/* report-all needs the default nodes; trees of validated datastores
	 * have them already, flagged, and adding them costs as much as the
	 * module's `when` conditions on every node: only when asked for */
	if (tree && (o.wd == VNM_WD_REPORT_ALL || o.wd == VNM_WD_REPORT_ALL_TAGGED) &&
	    lyd_new_implicit_all(&tree, vnm_srv->ctx, LYD_IMPLICIT_NO_STATE, NULL)) {
		vnm_err_from_ly(&err, vnm_srv->ctx, VNM_E_INTERNAL, "adding defaults");
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto fail;
	}
	/* access control before the client's filter, so that a filter cannot
	 * tell what it may not read; after the defaults, which must not bring
	 * a denied node back */
	vnm_nacm_filter(vnm_rpc_sess, &tree);
	/* origins before the filters: an origin filter needs them, and a node
	 * cut from its parents still carries what it inherited */
	if (o.operational && vnm_nmda_origin_fill(tree, &err)) {
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto fail;
	}
	if (o.filtered && (r = filter(&tree, &o)))
		goto fail;
	if (vnm_nmda_trim(&tree, &o, &err)) {
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto fail;
	}
	if (o.operational && !o.with_origin)
		vnm_nmda_origin_strip(tree);
	return vnm_reply_data(rpc, "data", tree, (NC_WD_MODE)vnm_wd_nc_mode(o.wd));
fail:
	lyd_free_all(tree);
	return r;
}
