/*
 * nmda.h - NMDA for NETCONF (RFC 8342, RFC 8526, RFC 8525): <get-data> and
 * <edit-data> on the datastores ietf-datastores:running, candidate,
 * startup and operational, the origin annotation, and the datastores of
 * ietf-yang-library.
 *
 * Every read (<get>, <get-config>, <get-data>) ends in vnm_reply_filtered()
 * (reads.c): the options of the request are parsed into a struct
 * vnm_read_opts there (get-data's by vnm_nmda_read_opts()), and the
 * NMDA-only steps (origin, config-filter, origin filters, max-depth) are
 * the functions below, called from that one place.
 */
#ifndef VNM_NMDA_H
#define VNM_NMDA_H

#include <stdbool.h>
#include <stdint.h>

#include "server_p.h"
#include "wd.h"

struct lyd_node;
struct lysc_ident;

#define VNM_NMDA_MAX_ORIGINS 16 /* origin-filter values one request may give */

/* The capability RFC 8526 3.1.1.2 defines for with-defaults on operational:
 * the same modes as on the other datastores. */
#define VNM_WD_OPER_CAPABILITY \
	"urn:ietf:params:netconf:capability:with-operational-defaults:1.0" \
	"?basic-mode=explicit&also-supported=report-all,trim,report-all-tagged"

/* What a read asks for beyond its datastore. */
struct vnm_read_opts {
	enum vnm_wd wd;
	struct lyd_node *subtree;   /* the subtree filter's node (anyxml/anydata) */
	const char *xpath;          /* XPath filter, module names as prefixes */
	bool filtered;              /* one of the two was given */
	int config;                 /* config-filter: -1 none, 0 state only, 1 config only */
	const struct lysc_ident *origins[VNM_NMDA_MAX_ORIGINS];
	unsigned n_origins;         /* origin-filter values; 0: no origin filter */
	bool negated;               /* they came as negated-origin-filter */
	uint16_t max_depth;         /* 0: unbounded */
	bool operational;           /* the tree is <operational>: it has origins */
	bool with_origin;           /* ...and the client wants to see them */
};

/* The datastore a ds:datastore-ref leaf names: *operational, or *ds one of
 * running, candidate, startup.  NULL, or the invalid-value error reply
 * naming the datastore and what vnmd serves (what: the operation). */
struct nc_server_reply *vnm_nmda_ds(const struct lyd_node *leaf, const char *what,
				    enum vnm_ds *ds, bool *operational);

/* get-data's options from its rpc (the datastore, parsed by the caller,
 * says *operational).  NULL, or the error reply naming the bad option. */
struct nc_server_reply *vnm_nmda_read_opts(struct lyd_node *rpc, bool operational,
					   struct vnm_read_opts *o);

/* <operational> only: give every configuration node an origin; nodes
 * marked already (or:learned by vnm_oper_add()) keep theirs, defaults
 * become or:default, the other top-level configuration nodes or:intended
 * (their descendants inherit it, RFC 8342 5.3.4).  0 or -1. */
int vnm_nmda_origin_fill(struct lyd_node *tree, struct vnm_err *err);
/* Remove every origin annotation (a client that did not ask for them). */
void vnm_nmda_origin_strip(struct lyd_node *tree);
/* Mark node's origin learned (value found, not configured).  0 or -1. */
int vnm_nmda_origin_learned(struct lyd_node *node);

/* config-filter, origin filters and max-depth of o on tree (after the
 * content filter).  *tree may become NULL.  0 or -1 with err. */
int vnm_nmda_trim(struct lyd_node **tree, const struct vnm_read_opts *o, struct vnm_err *err);

/* RFC 8525 datastore entries in yang-library data yl (the one schema
 * "complete" of libyang serves every datastore).  0 or -1. */
int vnm_nmda_yanglib(struct lyd_node *yl);

struct nc_server_reply *vnm_rpc_get_data(struct lyd_node *rpc, struct nc_session *ncs);
struct nc_server_reply *vnm_rpc_edit_data(struct lyd_node *rpc, struct nc_session *ncs);

#endif
