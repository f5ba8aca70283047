/*
 * rpc_errfix.c - the right error-tag for RPCs that libnetconf2 cannot parse.
 *
 * libnetconf2 2.0.24 answers every <rpc> that libyang fails to parse with
 * error-tag operation-failed and libyang's message (later releases map the
 * message to malformed-message, unknown-element, ...).  It sets that
 * message with nc_err_set_msg() through the PLT, so vnmd provides
 * nc_err_set_msg() itself: when the error is that generic one and the
 * message is a libyang parser message, the error-type and error-tag are
 * corrected (and bad-element / bad-namespace added) before the real
 * nc_err_set_msg() runs.  Errors vnmd builds itself set their message with
 * vnm_err_set_msg(), which goes straight to the real one.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <libyang/libyang.h>

#include "nsguard.h"
#include "server_p.h"

#define NC_NS_BASE "urn:ietf:params:xml:ns:netconf:base:1.0"

typedef int (*set_msg_fn)(struct lyd_node *, const char *, const char *);

static set_msg_fn real_set_msg(void)
{
	static set_msg_fn real;

	if (!real)
		real = (set_msg_fn)dlsym(RTLD_NEXT, "nc_err_set_msg");
	return real;
}

int vnm_err_set_msg(struct lyd_node *err, const char *msg)
{
	set_msg_fn real = real_set_msg();

	return real ? real(err, msg, "en") : -1;
}

static void set_child(struct lyd_node *err, const char *name, const char *value)
{
	struct lyd_node *c, *n = NULL;

	LY_LIST_FOR(lyd_child(err), c) {
		if (!strcmp(LYD_NAME(c), name))
			break;
	}
	if (!c || lyd_new_opaq2(NULL, LYD_CTX(err), name, value, NULL, NC_NS_BASE, &n))
		return;
	if (lyd_insert_before(c, n)) {
		lyd_free_tree(n);
		return;
	}
	lyd_free_tree(c);
}

/* The quoted word after `after` in msg ("Node \"x\" ..." → x). */
static int quoted(const char *msg, const char *after, char *out, size_t len)
{
	const char *p = strstr(msg, after), *e;

	if (!p)
		return -1;
	p = strchr(p + strlen(after), '"');
	if (!p || !(e = strchr(p + 1, '"')) || (size_t)(e - p - 1) >= len)
		return -1;
	memcpy(out, p + 1, (size_t)(e - p - 1));
	out[e - p - 1] = '\0';
	return 0;
}

/* The last node name of libyang's last error path, for <bad-element>. */
static void last_path_elem(char *out, size_t len)
{
	const struct ly_err_item *e = vnm_srv ? ly_err_last(vnm_srv->ctx) : NULL;
	char path[512];
	const char *s;
	size_t n;

	out[0] = '\0';
	if (!e || !e->path)
		return;
	/* 'Data location "/mod:a/b", line number 1.' or a bare path */
	if (quoted(e->path, "", path, sizeof(path)))
		snprintf(path, sizeof(path), "%s", e->path);
	s = strrchr(path, '/');
	s = s ? s + 1 : path;
	if (strchr(s, ':'))
		s = strchr(s, ':') + 1;
	n = strcspn(s, "[");
	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* Correct err for libyang's msg; the message to set (msg, or buf when it
 * says more). */
static const char *fix(struct lyd_node *err, const char *msg, char *buf, size_t len)
{
	char name[128], ns[256];

	/* not well-formed (or namespace-well-formed) XML: a tag mismatch, an
	 * entity or DTD (libyang expands none), a duplicate namespace */
	/* the gate's marks (nsguard.h, dupguard.h), unless the client sent
	 * such a byte itself */
	if (vnm_guard_mark_msg(msg, buf, len)) {
		set_child(err, "error-type", "rpc");
		set_child(err, "error-tag", "malformed-message");
		return buf;
	}
	if (!strncmp(msg, "Invalid character", 17) || strstr(msg, "end-of-input") ||
	    !strncmp(msg, "Unexpected XML", 14) || strstr(msg, "closing element tag") ||
	    strstr(msg, "Invalid XML") || strstr(msg, "elements tag mismatch") ||
	    !strncmp(msg, "Entity reference", 16) || strstr(msg, " not supported.") ||
	    !strncmp(msg, "Duplicate XML NS", 16) || !strncmp(msg, "Duplicate default XML", 21) ||
	    !strncmp(msg, "Unknown XML prefix", 18)) {
		set_child(err, "error-type", "rpc");
		set_child(err, "error-tag", "malformed-message");
	} else if (!strncmp(msg, "Failed to resolve prefix", 24)) {
		/* a prefix in a value (an XPath select, an identityref) that no
		 * declaration in scope binds */
		set_child(err, "error-type", "protocol");
		set_child(err, "error-tag", "invalid-value");
	} else if (strstr(msg, "prefix for XML metadata") || !strncmp(msg, "Unknown (or not implemented) YANG module", 40)) {
		/* an attribute vnmd has no module for */
		set_child(err, "error-type", "protocol");
		set_child(err, "error-tag", "unknown-attribute");
	} else if (strstr(msg, "maximum number of open elements")) {
		/* well-formed, but nested deeper than libyang's parser goes */
		set_child(err, "error-type", "rpc");
		set_child(err, "error-tag", "too-big");
	} else if (!strncmp(msg, "Node \"", 6) && strstr(msg, "not found")) {
		set_child(err, "error-type", "protocol");
		set_child(err, "error-tag", "unknown-element");
		if (!quoted(msg, "Node", name, sizeof(name)))
			nc_err_add_bad_elem(err, name);
	} else if (!strncmp(msg, "No module with namespace", 24)) {
		set_child(err, "error-type", "protocol");
		set_child(err, "error-tag", "unknown-namespace");
		if (!quoted(msg, "namespace", ns, sizeof(ns)))
			nc_err_add_bad_ns(err, ns);
		/* name the element: libyang names its parent only */
		last_path_elem(name, sizeof(name));
		if (name[0] && !strchr(name, ' ')) {
			nc_err_add_bad_elem(err, name);
			snprintf(buf, len, "%s (an element inside <%s>)", msg, name);
			return buf;
		}
	} else if (strstr(msg, "Mandatory node") || strstr(msg, "missing its key") ||
		   strstr(msg, "Missing mandatory")) {
		set_child(err, "error-type", "protocol");
		set_child(err, "error-tag", "missing-element");
		if (!quoted(msg, "node", name, sizeof(name)) ||
		    !quoted(msg, "key", name, sizeof(name)))
			nc_err_add_bad_elem(err, name);
	} else if (!strncmp(msg, "Invalid identityref", 19)) {
		/* an identity the module does not know: RFC 8526 wants
		 * invalid-value for a datastore vnmd lacks, and a datastore
		 * without its prefix is the usual mistake */
		set_child(err, "error-type", "protocol");
		set_child(err, "error-tag", "invalid-value");
		last_path_elem(name, sizeof(name));
		if (name[0])
			nc_err_add_bad_elem(err, name);
		if (!strcmp(name, "datastore")) {
			snprintf(buf, len, "%s <datastore> names an identity of ietf-datastores "
				 "with its prefix, e.g. ds:running with xmlns:ds=\""
				 "urn:ietf:params:xml:ns:yang:ietf-datastores\"", msg);
			return buf;
		}
	} else if (!strncmp(msg, "Invalid ", 8) || strstr(msg, "Unsatisfied") ||
		   strstr(msg, "value")) {
		set_child(err, "error-type", "protocol");
		set_child(err, "error-tag", "bad-element");
		last_path_elem(name, sizeof(name));
		if (name[0])
			nc_err_add_bad_elem(err, name);
	}
	return msg;
}

/* libyang's "Missing XML namespace." names nothing: name the element that
 * holds the one without a namespace (the gate gave <config> and <filter>
 * theirs already, nsfix.h).  The error is libnetconf2's own for an <rpc>
 * without one: missing-attribute xmlns. */
static const char *no_namespace(struct lyd_node *err, char *buf, size_t len)
{
	char parent[128];

	last_path_elem(parent, sizeof(parent));
	if (strchr(parent, ' '))
		parent[0] = '\0'; /* "Line number 1.": libyang knew no path */
	set_child(err, "error-type", "rpc");
	set_child(err, "error-tag", "missing-attribute");
	nc_err_add_bad_attr(err, "xmlns");
	if (parent[0])
		nc_err_add_bad_elem(err, parent);
	snprintf(buf, len, "an element %s%s%shas no XML namespace (xmlns): every element of a "
		 "NETCONF request belongs to one (a <config> or <filter> without one is "
		 "taken as NETCONF's own only where the operation has it)",
		 parent[0] ? "inside <" : "", parent, parent[0] ? "> " : "");
	return buf;
}

int nc_err_set_msg(struct lyd_node *err, const char *error_message, const char *lang)
{
	set_msg_fn real = real_set_msg();
	char buf[300];

	if (!real)
		return -1;
	if (err && error_message && nc_err_get_tag(err) == NC_ERR_OP_FAILED &&
	    nc_err_get_type(err) == NC_ERR_TYPE_APP) {
		if (!strcmp(error_message, "Missing XML namespace."))
			error_message = no_namespace(err, buf, sizeof(buf));
		else
			error_message = fix(err, error_message, buf, sizeof(buf));
	}
	return real(err, error_message, lang);
}
