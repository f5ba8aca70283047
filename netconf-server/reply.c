/*
 * reply.c - error and data replies: RFC 6241 error-tags from struct vnm_err,
 * with error-path, bad-element and a message that names the object.
 */
#include "server_p.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libyang/libyang.h>
#include <libnetconf2/messages_server.h>

static const struct {
	const char *tag;
	NC_ERR err;
} tag_map[] = {
	{"in-use", NC_ERR_IN_USE},
	{"invalid-value", NC_ERR_INVALID_VALUE},
	{"too-big", NC_ERR_TOO_BIG},
	{"missing-attribute", NC_ERR_MISSING_ATTR},
	{"bad-attribute", NC_ERR_BAD_ATTR},
	{"unknown-attribute", NC_ERR_UNKNOWN_ATTR},
	{"missing-element", NC_ERR_MISSING_ELEM},
	{"bad-element", NC_ERR_BAD_ELEM},
	{"unknown-element", NC_ERR_UNKNOWN_ELEM},
	{"unknown-namespace", NC_ERR_UNKNOWN_NS},
	{"access-denied", NC_ERR_ACCESS_DENIED},
	{"lock-denied", NC_ERR_LOCK_DENIED},
	{"resource-denied", NC_ERR_RES_DENIED},
	{"rollback-failed", NC_ERR_ROLLBACK_FAILED},
	{"data-exists", NC_ERR_DATA_EXISTS},
	{"data-missing", NC_ERR_DATA_MISSING},
	{"operation-not-supported", NC_ERR_OP_NOT_SUPPORTED},
	{"operation-failed", NC_ERR_OP_FAILED},
	{"malformed-message", NC_ERR_MALFORMED_MSG},
};

/* The last path component's name, for <bad-element>. */
static void elem_of_path(const char *path, char *out, size_t len)
{
	const char *p, *last = path;
	size_t n;
	int depth = 0;

	out[0] = '\0';
	if (!path || !*path)
		return;
	for (p = path; *p; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']')
			depth--;
		else if (*p == '/' && !depth)
			last = p + 1;
	}
	n = strcspn(last, "[");
	if (strchr(last, ':') && (size_t)(strchr(last, ':') - last) < n) {
		n -= (size_t)(strchr(last, ':') - last) + 1;
		last = strchr(last, ':') + 1;
	}
	if (n >= len)
		n = len - 1;
	memcpy(out, last, n);
	out[n] = '\0';
}

static struct lyd_node *make_err(NC_ERR tag, NC_ERR_TYPE type, const char *elem)
{
	struct ly_ctx *ctx = vnm_srv->ctx;

	switch (tag) {
	case NC_ERR_MISSING_ATTR:
	case NC_ERR_BAD_ATTR:
	case NC_ERR_UNKNOWN_ATTR:
		return nc_err(ctx, tag, type, "operation", elem && *elem ? elem : "config");
	case NC_ERR_MISSING_ELEM:
	case NC_ERR_BAD_ELEM:
	case NC_ERR_UNKNOWN_ELEM:
		return nc_err(ctx, tag, type, elem && *elem ? elem : "config");
	case NC_ERR_UNKNOWN_NS:
		return nc_err(ctx, tag, type, elem && *elem ? elem : "config", "");
	case NC_ERR_LOCK_DENIED:
		return nc_err(ctx, tag, (uint32_t)0);
	case NC_ERR_DATA_EXISTS:
	case NC_ERR_DATA_MISSING:
	case NC_ERR_MALFORMED_MSG:
		return nc_err(ctx, tag);
	default:
		return nc_err(ctx, tag, type);
	}
}

struct nc_server_reply *vnm_reply_tag(NC_ERR tag, NC_ERR_TYPE type, const char *elem,
				      const char *path, const char *fmt, ...)
{
	struct lyd_node *e;
	char msg[1024], el[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!elem) {
		elem_of_path(path, el, sizeof(el));
		elem = el;
	}
	e = make_err(tag, type, elem);
	if (!e)
		return NULL;
	if (path && *path)
		vnm_err_set_path_xml(e, path);
	vnm_err_set_msg(e, msg);
	return nc_server_reply_err(e);
}

struct nc_server_reply *vnm_reply_err(const struct vnm_err *e, NC_ERR_TYPE type)
{
	const char *tag = vnm_err_tag(e->code);
	NC_ERR t = NC_ERR_OP_FAILED;
	size_t i;

	for (i = 0; i < sizeof(tag_map) / sizeof(tag_map[0]); i++) {
		if (!strcmp(tag_map[i].tag, tag)) {
			t = tag_map[i].err;
			break;
		}
	}
	/* the protocol layer reports problems of the message itself */
	if (t == NC_ERR_MALFORMED_MSG || t == NC_ERR_UNKNOWN_NS)
		type = NC_ERR_TYPE_RPC;
	return vnm_reply_tag(t, type, NULL, e->path, "%s", e->msg[0] ? e->msg : "operation failed");
}

struct nc_server_reply *vnm_reply_data(struct lyd_node *rpc, const char *outname,
				       struct lyd_node *tree, NC_WD_MODE wd)
{
	struct lyd_node *out = NULL;

	if (lyd_dup_single(rpc, NULL, 0, &out) ||
	    lyd_new_any(out, NULL, outname, tree, 1, LYD_ANYDATA_DATATREE, 1, NULL)) {
		lyd_free_all(tree);
		lyd_free_all(out);
		return vnm_reply_tag(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, NULL,
				     "cannot build the reply: %s", ly_errmsg(vnm_srv->ctx));
	}
	return nc_server_reply_data(out, wd, NC_PARAMTYPE_FREE);
}
