/*
 * nacm.h - NETCONF access control (RFC 8341, ietf-netconf-acm): the rules
 * of running's /nacm compiled once, and the decisions RFC 8341 3.4 makes
 * with them for a protocol operation or action (exec), the data nodes of a
 * reply (read), the nodes an edit changes (create, update, delete) and a
 * notification (read).
 *
 * Knows no session and no server: nacm_srv.c keeps the compiled rules per
 * running generation and asks here for a session's user; unit tests ask
 * directly.
 *
 * Two vnmd-specific points, both documented in the README:
 * - The users the password file marks ":ro" belong to the group
 *   VNM_NACM_RO_GROUP.  A built-in rule-list for that group, after the
 *   configured ones (so an operator can grant it more), denies every write
 *   of data, every action and the operations that change or lock a
 *   datastore or end a session.
 * - While running holds no explicit node under /nacm ("not configured"),
 *   write-default counts as permit and <kill-session>/<delete-config> are
 *   not default-deny-all, so that vnmd behaves as it did before NACM; the
 *   nacm container itself (default-deny-all in its module) is protected
 *   from the start.  Once anything under /nacm is configured, RFC 8341's
 *   defaults hold in full.
 */
#ifndef VNM_NACM_H
#define VNM_NACM_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct ly_ctx;
struct lyd_node;
struct lysc_node;

/* RFC 8341 access-operations bits */
enum vnm_nacm_access {
	VNM_NACM_CREATE = 1 << 0,
	VNM_NACM_READ = 1 << 1,
	VNM_NACM_UPDATE = 1 << 2,
	VNM_NACM_DELETE = 1 << 3,
	VNM_NACM_EXEC = 1 << 4,
	VNM_NACM_ALL = 0x1f,
};

/* The group of the password file's read-only (":ro") users. */
#define VNM_NACM_RO_GROUP "vnmd-read-only"

struct vnm_nacm;      /* compiled rules of one running configuration */
struct vnm_nacm_view; /* the rules that apply to one user, in order */

struct vnm_nacm_who {
	const char *user;    /* the NETCONF username (SSH login, TLS mapping...) */
	bool recovery;       /* the recovery session: always permitted */
	bool read_only;      /* member of VNM_NACM_RO_GROUP */
};

/* Compile the /nacm container among cfg's top-level siblings (cfg may be
 * NULL: NACM not configured).  *out has one reference.  0 or -1. */
int vnm_nacm_compile(const struct lyd_node *cfg, struct vnm_nacm **out, struct vnm_err *err);
/* Take / drop a reference (any thread); the last drop frees.  NULL is fine. */
struct vnm_nacm *vnm_nacm_ref(struct vnm_nacm *n);
void vnm_nacm_unref(struct vnm_nacm *n);
/* Whether /nacm holds anything explicit; enable-nacm's value. */
bool vnm_nacm_configured(const struct vnm_nacm *n);
bool vnm_nacm_enabled(const struct vnm_nacm *n);

/* The view of user who (holds a reference to n); NULL when out of memory. */
struct vnm_nacm_view *vnm_nacm_view_new(struct vnm_nacm *n, const struct vnm_nacm_who *who);
void vnm_nacm_view_free(struct vnm_nacm_view *v);
/* Whether everything is permitted (recovery session, enable-nacm false):
 * callers may skip work such as computing a diff. */
bool vnm_nacm_view_all(const struct vnm_nacm_view *v);

/* Whether v may execute op: an RPC (node may be NULL) or an action (node:
 * the action's data node, whose ancestors path rules are matched with). */
bool vnm_nacm_exec_ok(const struct vnm_nacm_view *v, const struct lysc_node *op,
		      const struct lyd_node *node);
/* Remove from *tree (top-level siblings) every node v may not read, with
 * its descendants (RFC 8341 3.4.5: silently).  Linear in the tree's size.
 * Returns the number of nodes removed (subtree roots). */
size_t vnm_nacm_filter_read(const struct vnm_nacm_view *v, struct lyd_node **tree);
/* The first node of a libyang diff (yang:operation metadata) that v may
 * not create, change or delete, NULL when every change is permitted;
 * *access says which access was denied. */
const struct lyd_node *vnm_nacm_diff_denied(const struct vnm_nacm_view *v,
					    const struct lyd_node *diff, unsigned *access);
/* Whether v may receive notification tree (its top node, or a nested
 * notification inside it). */
bool vnm_nacm_notif_ok(const struct vnm_nacm_view *v, const struct lyd_node *tree);

/* "create", "update"... for messages. */
const char *vnm_nacm_access_str(unsigned access);

#endif
