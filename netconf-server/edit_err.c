/*
 * edit_err.c - how the edit-config engine speaks of what went wrong.
 *
 * A NETCONF client gets an error-path and a message; the message names the
 * object in the model's words ("link 'vl-a' of network 'vn-a'") rather
 * than as an XPath, so the names are made here, once, for parsing, the
 * operation checks and validation alike.  libyang's validation errors are
 * turned into the same form.
 *
 * The errors of continue-on-error (several per edit) are collected here
 * too, behind edit_fail(), edit_errs_drop() and edit_errs_take() (see
 * edit_p.h), so that the collector is one small piece that can be switched
 * to another without touching the walk.
 */
#include "edit_p.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

/* ------------------------------------------------------------------ */
/* Names of objects for messages                                      */
/* ------------------------------------------------------------------ */

const char *edit_node_name(const struct lyd_node *n)
{
	return n->schema ? n->schema->name : ((const struct lyd_node_opaq *)n)->name.name;
}

/* First key value of a list entry (schema or opaque), or NULL. */
static const char *first_key(const struct lyd_node *n)
{
	const struct lyd_node *c;

	if (n->schema && n->schema->nodetype == LYS_LIST) {
		c = lyd_child(n);
		if (c && c->schema && lysc_is_key(c->schema))
			return lyd_get_value(c);
		return NULL;
	}
	if (!n->schema) {
		/* opaque list entry: its first child with a value is the key, if any */
		for (c = lyd_child(n); c; c = c->next) {
			if (!c->schema && lyd_child(c) == NULL)
				return ((const struct lyd_node_opaq *)c)->value;
		}
	}
	return NULL;
}

/*
 * "leaf 'rate-limit' of link 'vl-a' of network 'vn-a'": the node and the
 * list entries above it, in the model's words (list names with their key).
 */
void edit_describe(const struct lyd_node *n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (const struct lyd_node *p = n; p && off < len; p = lyd_parent(p)) {
		bool list = p->schema ? p->schema->nodetype == LYS_LIST : (p == n && lyd_child(p));
		const char *key = list ? first_key(p) : NULL;
		const char *kind = p->schema && (p->schema->nodetype & LYD_NODE_TERM) ? "leaf " : "";

		if (p != n && !list)
			continue;
		if (key)
			off += snprintf(buf + off, len - off, "%s%s '%s'", off ? " of " : "",
					edit_node_name(p), key);
		else
			off += snprintf(buf + off, len - off, "%s%s'%s'", off ? " of " : "", kind,
					edit_node_name(p));
	}
}

void edit_node_path(const struct lyd_node *n, char *buf, size_t len)
{
	if (!lyd_path(n, LYD_PATH_STD, buf, len))
		buf[0] = '\0';
}

/* libyang's error path is 'Data location "/x/y".', 'Schema location
 * "/a/b", data location "/x/y".' or similar: keep /x/y, the data path. */
void edit_ly_path(const char *lypath, char *buf, size_t len)
{
	const char *d = lypath ? strcasestr(lypath, "data location") : NULL;
	const char *q = d ? strchr(d, '"') : lypath ? strchr(lypath, '"') : NULL;
	const char *e = q ? strchr(q + 1, '"') : NULL;

	if (q && e)
		snprintf(buf, len, "%.*s", (int)(e - q - 1), q + 1);
	else
		snprintf(buf, len, "%s", lypath ? lypath : "");
}

/* ------------------------------------------------------------------ */
/* Validation errors                                                  */
/* ------------------------------------------------------------------ */

/*
 * A router whose image names neither a kernel nor a disk: the mandatory
 * choice "source" is empty, which RFC 7950 15.6 answers with data-missing.
 * libyang says so with a schema path only, so the router is looked up in
 * the tree being validated.  0 when there is none.
 */
static int router_without_image(struct edit *ed)
{
	static const char *const xp = "/ietf-network:networks/network/node/vnmd:router"
				      "[not(image/kernel) and not(image/disk)]";
	struct ly_set *set = NULL;
	struct lyd_node *node;
	char path[512], obj[512];
	int rc = 0;

	if (!*ed->ds || lyd_find_xpath(*ed->ds, xp, &set) || !set->count)
		goto cleanup;
	node = lyd_parent(set->dnodes[0]);
	edit_describe(node, obj, sizeof(obj));
	edit_node_path(set->dnodes[0], path, sizeof(path));
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/image");
	rc = vnm_err_set(ed->err, VNM_E_MISSING, path,
			 "the router of %s has no image: give it a kernel or disk "
			 "(<image><kernel>PATH</kernel></image> or <image><disk>PATH</disk></image>)",
			 obj);
cleanup:
	ly_set_free(set, NULL);
	return rc;
}

/* Turn libyang's validation errors into err, naming the object.  libyang
 * gives a data path for most errors, a schema path for some (a missing
 * mandatory node): then the network entry being validated is named.
 * libyang's message is copied first: the lookups below may replace it. */
int edit_validation_error(struct edit *ed, const struct ly_err_item *e)
{
	char path[512], obj[512] = "", where[600] = "", msg[512], lypath[512];
	struct lyd_node *n = NULL;

	for (; e && e->next && !e->msg; e = e->next)
		;
	snprintf(msg, sizeof(msg), "%s", e && e->msg ? e->msg : "libyang validation failed");
	snprintf(lypath, sizeof(lypath), "%s", e && e->path ? e->path : "");
	if (!strncmp(msg, "Mandatory ", 10) && strstr(lypath, "/vnmd:router/image") &&
	    router_without_image(ed))
		return -1;
	edit_ly_path(lypath[0] ? lypath : NULL, path, sizeof(path));
	if (path[0] == '/' && *ed->ds && !lyd_find_path(*ed->ds, path, 0, &n) && n) {
		edit_describe(n, obj, sizeof(obj));
	} else if (ed->bad_net) {
		if (path[0])
			snprintf(where, sizeof(where), " (at %s)", path);
		edit_describe(ed->bad_net, obj, sizeof(obj));
		edit_node_path(ed->bad_net, path, sizeof(path));
	}
	return vnm_err_set(ed->err, VNM_E_INVALID, path, "%s%sthe configuration would not be valid: %s%s",
			   obj, obj[0] ? ": " : "", msg, where);
}

/* ------------------------------------------------------------------ */
/* The error collector (continue-on-error)                            */
/* ------------------------------------------------------------------ */

/* See edit_p.h for the three; ed->errs sends the first error to ed->err
 * and, with continue-on-error, keeps them all (vnm_edit_apply_ex). */
int edit_fail(struct edit *ed, enum vnm_err_code code, const char *path, const char *fmt, ...)
{
	char msg[sizeof(((struct vnm_err *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!vnm_errs_add(&ed->errs, code, path, "%s", msg))
		return 1;
	if (ed->errs.oom)
		ed->oom = true;
	return -1;
}

void edit_errs_drop(struct edit *ed)
{
	vnm_errs_free(&ed->errs);
}

size_t edit_errs_take(struct edit *ed, bool failed, struct vnm_err **errs, size_t *n_errs)
{
	size_t n = ed->errs.n ? ed->errs.n : failed ? 1 : 0;

	if (n_errs)
		*n_errs = n;
	if (errs && ed->errs.list)
		*errs = vnm_errs_take(&ed->errs);
	return n;
}
