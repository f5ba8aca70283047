/*
 * filter.h - <get>/<get-config> filters on libyang data trees.
 *
 * Subtree filters follow RFC 6241 §6 (namespace selection, containment,
 * selection and content-match nodes; attribute match expressions are not
 * supported: vnmd's data carries no attributes).  XPath filters (the
 * :xpath capability) select nodes with lyd_find_xpath() and keep their
 * ancestors, with the keys of every list entry on the way.
 *
 * Both return a new tree (duplicated nodes keep their LYD_DEFAULT flag and their
 * metadata, such as origin annotations, so
 * with-defaults printing still works on the result) and never modify the
 * input.  An empty result is *out == NULL.
 */
#ifndef VNM_FILTER_H
#define VNM_FILTER_H

#include "err.h"

struct ly_ctx;
struct lyd_node;

/*
 * Subtree filter.  xml is the content of the <filter type="subtree">
 * element (its children as XML text, e.g. from lyd_any_value_str()); every
 * element should carry its namespace (an element without one matches any
 * module with that node name).  xml NULL means "no filter": *out is a
 * copy of all of tree.  An empty filter (only whitespace) selects nothing.
 * Malformed XML fails with VNM_E_MALFORMED.
 */
int vnm_filter_subtree(const struct lyd_node *tree, const char *xml, struct lyd_node **out,
		       struct vnm_err *err);

/*
 * XPath filter.  xpath uses module names as prefixes (libyang's JSON
 * format, e.g. "/ietf-network:networks/network[network-id='vn-a']"), which
 * is what lyd_get_meta_value() returns for the parsed `select` attribute
 * of <filter type="xpath">.  For an expression with XML prefixes, convert
 * it first with vnm_filter_xpath_from_xml().  A bad expression fails with
 * VNM_E_INVALID naming it.
 */
int vnm_filter_xpath(const struct ly_ctx *ctx, const struct lyd_node *tree, const char *xpath,
		     struct lyd_node **out, struct vnm_err *err);

/*
 * Rewrite the prefixes of an XPath written with XML namespace prefixes
 * into module names.  ns is an array of n_ns {prefix, namespace URI} pairs
 * (the xmlns declarations in scope of the select attribute).  *out is
 * allocated (caller frees with free()).  A prefix bound to a namespace
 * that no module of ctx implements fails with VNM_E_UNKNOWN_ELEMENT.
 */
struct vnm_xmlns {
	const char *prefix;
	const char *uri;
};
int vnm_filter_xpath_from_xml(const struct ly_ctx *ctx, const char *xpath,
			      const struct vnm_xmlns *ns, unsigned n_ns, char **out,
			      struct vnm_err *err);

#endif
