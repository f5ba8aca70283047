/*
 * yctx.h - the libyang context of vnmd.
 *
 * One context holds ietf-network, ietf-network-topology, vnmd and, when
 * with_netconf is set, the modules the NETCONF server needs (ietf-netconf
 * with its features, confirmed-commit included: libnetconf2 advertises the
 * capabilities of the features enabled here; ietf-netconf-with-defaults,
 * ietf-netconf-monitoring, ietf-yang-library is built into libyang), and
 * always ietf-netconf-acm (RFC 8341: NACM's rules are configuration).  The
 * IETF modules come from Debian's libyuma-base (VNM_IETF_DIR), vnmd's own
 * from VNM_YANG_DIR or the environment variable VNMD_YANG_DIR.
 */
#ifndef VNM_YCTX_H
#define VNM_YCTX_H

#include <stdbool.h>

#include "err.h"

struct ly_ctx;
struct lyd_node;

int vnm_yctx_new(bool with_netconf, struct ly_ctx **out, struct vnm_err *err);

/* Parse a configuration: a file holding either a NETCONF <config> element or
 * bare <networks>, validated as configuration (YANG must/when/leafref...).
 * *out may be NULL for an empty configuration.  On failure err->msg holds
 * libyang's messages with their paths. */
int vnm_config_parse_file(struct ly_ctx *ctx, const char *path, struct lyd_node **out,
			  struct vnm_err *err);
int vnm_config_parse_mem(struct ly_ctx *ctx, const char *xml, struct lyd_node **out,
			 struct vnm_err *err);

/* Fill err with libyang's last errors of ctx (message and path). */
int vnm_err_from_ly(struct vnm_err *err, const struct ly_ctx *ctx, enum vnm_err_code code,
		    const char *what);

#endif
