/*
 * wd.h - with-defaults (RFC 6243) for vnmd's replies.
 *
 * vnmd's basic mode is explicit: a node is reported when a client set it,
 * even to its default value; defaults libyang added during validation
 * (LYD_DEFAULT nodes) are not.  Also supported: report-all, trim and
 * report-all-tagged.  Data trees of vnmd's datastores are validated, so
 * they hold the implicit default nodes (flagged LYD_DEFAULT) and a mode is
 * mostly a choice of libyang printer flags.
 */
#ifndef VNM_WD_H
#define VNM_WD_H

#include <stdint.h>

#include "err.h"

struct ly_ctx;
struct lyd_node;

enum vnm_wd {
	VNM_WD_EXPLICIT = 0,     /* basic mode, also when <with-defaults> is absent */
	VNM_WD_REPORT_ALL,
	VNM_WD_TRIM,
	VNM_WD_REPORT_ALL_TAGGED,
};

/* The capability URI to advertise. */
#define VNM_WD_CAPABILITY \
	"urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=explicit" \
	"&also-supported=report-all,trim,report-all-tagged"

/* The mode named by the value of a <with-defaults> leaf (NULL: basic mode).
 * An unknown name fails with VNM_E_INVALID (invalid-value). */
int vnm_wd_from_str(const char *name, enum vnm_wd *mode, struct vnm_err *err);

/* The value of the <with-defaults> leaf ("explicit", "report-all", ...). */
const char *vnm_wd_str(enum vnm_wd mode);

/* libyang printer flags for mode (one of LYD_PRINT_WD_*); report-all-tagged
 * prints ietf-netconf-with-defaults:default="true" on nodes holding their
 * default value, so that module must be in the context (vnm_yctx_new(true)). */
uint32_t vnm_wd_print_flags(enum vnm_wd mode);

/* libnetconf2's NC_WD_MODE value for mode (for nc_server_reply_data()). */
int vnm_wd_nc_mode(enum vnm_wd mode);

/*
 * Make tree hold exactly what mode reports, for consumers that do not print
 * with vnm_wd_print_flags() (e.g. a tree put into an anydata reply node):
 * explicit removes LYD_DEFAULT nodes; trim also removes leaves whose value
 * equals the schema default; report-all adds every missing default (config
 * defaults only when config_only); report-all-tagged does that and adds
 * the ietf-netconf-with-defaults:default="true" metadata to every leaf
 * holding its default value.  tree may become NULL.
 */
int vnm_wd_apply(const struct ly_ctx *ctx, struct lyd_node **tree, enum vnm_wd mode,
		 int config_only, struct vnm_err *err);

#endif
