/*
 * errpath.c - <error-path> as RFC 6241 wants it: an XPath whose prefixes are
 * declared in the reply.
 *
 * vnmd's paths come from libyang with module names as prefixes
 * ("/ietf-network:networks/network[network-id='vn1']/vnmd:router") and only
 * on nodes whose module changes.  A client resolves error-path prefixes
 * through XML namespace declarations, so every step and key gets a prefix
 * (the module's name) and the <error-path> element declares them
 * (xmlns:ietf-network="urn:..."), the way libyang prints an opaque node
 * whose value carries XML prefix data.  That prefix data is a set of
 * libyang's (private) struct lyxml_ns; its layout is checked once against
 * a value libyang parsed itself, and without a match the path is sent with
 * the prefixes unqualified by declarations, as before.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "server_p.h"

/* libyang 2.1's struct lyxml_ns (xml.h) */
struct vnm_xml_ns {
	char *prefix;
	char *uri;
	uint32_t depth;
};

static pthread_once_t layout_once = PTHREAD_ONCE_INIT;
static int layout_ok;

static void layout_check(void)
{
	struct ly_ctx *ctx = NULL;
	struct lyd_node *t = NULL;
	struct lyd_node_opaq *o;
	struct ly_set *set;
	const struct vnm_xml_ns *ns;
	uint32_t i;

	if (ly_ctx_new(NULL, LY_CTX_NO_YANGLIBRARY, &ctx))
		return;
	if (!lyd_parse_data_mem(ctx, "<a xmlns=\"urn:vnmd:t\" xmlns:p=\"urn:vnmd:p\">p:v</a>", LYD_XML,
				LYD_PARSE_OPAQ | LYD_PARSE_ONLY, 0, &t) &&
	    t && !t->schema) {
		o = (struct lyd_node_opaq *)t;
		set = o->val_prefix_data;
		for (i = 0; o->format == LY_VALUE_XML && set && i < set->count; i++) {
			ns = set->objs[i];
			if (ns->prefix && !strcmp(ns->prefix, "p") && ns->uri &&
			    !strcmp(ns->uri, "urn:vnmd:p"))
				layout_ok = 1;
		}
	}
	lyd_free_all(t);
	ly_ctx_destroy(ctx);
}

static int add_ns(struct ly_set *set, const char *mod, const char *uri)
{
	struct vnm_xml_ns *ns;
	uint32_t i;

	for (i = 0; i < set->count; i++) {
		if (!strcmp(((struct vnm_xml_ns *)set->objs[i])->prefix, mod))
			return 0;
	}
	ns = calloc(1, sizeof(*ns));
	if (!ns || !(ns->prefix = strdup(mod)) || !(ns->uri = strdup(uri))) {
		if (ns)
			free(ns->prefix);
		free(ns);
		return -1;
	}
	if (ly_set_add(set, ns, 1, NULL)) {
		free(ns->prefix);
		free(ns->uri);
		free(ns);
		return -1;
	}
	return 0;
}

static void free_ns(void *p)
{
	struct vnm_xml_ns *ns = p;

	free(ns->prefix);
	free(ns->uri);
	free(ns);
}

struct out {
	char *buf;
	size_t len, cap;
	int fail;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->fail = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static size_t name_len(const char *p)
{
	size_t n = 0;

	while (isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == '_' || p[n] == '.' ||
	       p[n] == ':')
		n++;
	return n;
}

/* A qualified name at *p: module (or cur) and name written as "mod:name";
 * the module's namespace goes into set. */
static void qname(struct out *o, const char **p, char *cur, size_t curlen, int change_cur,
		  struct ly_set *set)
{
	const struct lys_module *m;
	size_t n = name_len(*p);
	const char *colon = memchr(*p, ':', n);
	char mod[128];

	if (colon) {
		size_t ml = (size_t)(colon - *p);

		if (ml >= sizeof(mod)) {
			o->fail = 1;
			return;
		}
		memcpy(mod, *p, ml);
		mod[ml] = '\0';
		if (change_cur && ml < curlen)
			memcpy(cur, mod, ml + 1);
		put(o, *p, n);
	} else {
		snprintf(mod, sizeof(mod), "%s", cur);
		put(o, cur, strlen(cur));
		put(o, ":", 1);
		put(o, *p, n);
	}
	m = ly_ctx_get_module_implemented(vnm_srv->ctx, mod);
	if (!m || add_ns(set, mod, m->ns))
		o->fail = 1;
	*p += n;
}

/* Rewrite path (libyang's form) into out with every name prefixed. */
static int convert(const char *path, char *buf, size_t cap, struct ly_set *set)
{
	struct out o = {buf, 0, cap, 0};
	char cur[128] = "";
	const char *p = path;
	char q;

	buf[0] = '\0';
	while (*p && !o.fail) {
		if (*p == '/') {
			put(&o, "/", 1);
			p++;
			if (!name_len(p))
				return -1;
			qname(&o, &p, cur, sizeof(cur), 1, set);
		} else if (*p == '[') {
			put(&o, "[", 1);
			p++;
			if (isalpha((unsigned char)*p))
				qname(&o, &p, cur, sizeof(cur), 0, set);
			while (*p && *p != ']' && !o.fail) {
				if (*p == '\'' || *p == '"') {
					q = *p;
					const char *e = strchr(p + 1, q);

					if (!e)
						return -1;
					put(&o, p, (size_t)(e - p + 1));
					p = e + 1;
				} else {
					put(&o, p++, 1);
				}
			}
			if (*p != ']')
				return -1;
			put(&o, "]", 1);
			p++;
		} else {
			return -1;
		}
	}
	return o.fail || !cur[0] ? -1 : 0;
}

int vnm_err_set_path_xml(struct lyd_node *err, const char *path)
{
	struct ly_set *set = NULL;
	struct lyd_node *c;
	struct lyd_node_opaq *o;
	char buf[2048], quoted[1024];
	const char *p = path, *q1, *q2;

	/* libyang's messages say 'Data location "/a/b", line number 1.' */
	if (*p != '/' && (q1 = strchr(p, '"')) && (q2 = strchr(q1 + 1, '"')) &&
	    q1[1] == '/' && (size_t)(q2 - q1) < sizeof(quoted)) {
		memcpy(quoted, q1 + 1, (size_t)(q2 - q1 - 1));
		quoted[q2 - q1 - 1] = '\0';
		p = quoted;
	}
	pthread_once(&layout_once, layout_check);
	if (!layout_ok || *p != '/' || ly_set_new(&set) || convert(p, buf, sizeof(buf), set)) {
		ly_set_free(set, free_ns);
		return nc_err_set_path(err, path);
	}
	if (nc_err_set_path(err, buf)) {
		ly_set_free(set, free_ns);
		return -1;
	}
	LY_LIST_FOR(lyd_child(err), c) {
		if (!c->schema && !strcmp(LYD_NAME(c), "error-path"))
			break;
	}
	o = (struct lyd_node_opaq *)c;
	if (!o || o->format != LY_VALUE_XML || o->val_prefix_data) {
		ly_set_free(set, free_ns);
		return 0;
	}
	o->val_prefix_data = set; /* freed by libyang with the node */
	return 0;
}
