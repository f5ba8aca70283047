/*
 * nmda.c - <get-data> and <edit-data> (RFC 8526), the origin annotation of
 * <operational> (RFC 8342), the datastores of ietf-yang-library (RFC 8525);
 * see nmda.h.
 *
 * <operational> is what <get> returns (running as realised plus the state
 * oper.c builds, monitoring, yang-library), with values vnmd found in place
 * of configured ones where they differ (oper.c marks those or:learned).
 * The reply goes through vnm_reply_filtered() like every other read.
 */
#include "nmda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "yctx.h"

static const char *const ds_ident[VNM_DS_COUNT] = {
	[VNM_DS_RUNNING] = "running",
	[VNM_DS_CANDIDATE] = "candidate",
	[VNM_DS_STARTUP] = "startup",
};

#define DS_SERVED "ietf-datastores:running, candidate, startup and operational"

struct nc_server_reply *vnm_nmda_ds(const struct lyd_node *leaf, const char *what,
				    enum vnm_ds *ds, bool *operational)
{
	const struct lysc_ident *id;
	unsigned i;

	*operational = false;
	if (!leaf)
		return vnm_reply_tag(NC_ERR_MISSING_ELEM, NC_ERR_TYPE_PROT, "datastore", NULL,
				     "%s needs a <datastore>: one of " DS_SERVED, what);
	id = ((const struct lyd_node_term *)leaf)->value.ident;
	if (id && !strcmp(id->module->name, "ietf-datastores")) {
		if (!strcmp(id->name, "operational")) {
			*operational = true;
			return NULL;
		}
		for (i = 0; i < VNM_DS_COUNT; i++) {
			if (!strcmp(id->name, ds_ident[i])) {
				*ds = (enum vnm_ds)i;
				return NULL;
			}
		}
	}
	/* RFC 8526 3.1.1 and 3.1.2: an unsupported datastore is invalid-value */
	return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "datastore", NULL,
			     "%s: vnmd has no datastore %s; it serves " DS_SERVED, what,
			     lyd_get_value(leaf));
}

/* ------------------------------------------------------------------ */
/* get-data's options                                                 */
/* ------------------------------------------------------------------ */

static struct lyd_node *child(struct lyd_node *rpc, const char *name)
{
	struct lyd_node *n = NULL;

	return lyd_find_path(rpc, name, 0, &n) ? NULL : n;
}

static struct nc_server_reply *only_operational(const char *opt)
{
	return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, opt, NULL,
			     "get-data: <%s> is valid only on ietf-datastores:operational "
			     "(RFC 8526 3.1.1)", opt);
}

/* origin-filter or negated-origin-filter values into o. */
static struct nc_server_reply *origin_filters(struct lyd_node *rpc, const char *name,
					      struct vnm_read_opts *o)
{
	struct lyd_node *n;

	LY_LIST_FOR(lyd_child(rpc), n) {
		if (!n->schema || strcmp(n->schema->name, name))
			continue;
		if (o->n_origins == VNM_NMDA_MAX_ORIGINS)
			return vnm_reply_tag(NC_ERR_TOO_BIG, NC_ERR_TYPE_PROT, name, NULL,
					     "get-data: at most %d <%s> values",
					     VNM_NMDA_MAX_ORIGINS, name);
		o->origins[o->n_origins++] = ((struct lyd_node_term *)n)->value.ident;
	}
	return NULL;
}

struct nc_server_reply *vnm_nmda_read_opts(struct lyd_node *rpc, bool operational,
					   struct vnm_read_opts *o)
{
	struct nc_server_reply *r;
	struct vnm_err err = {0};
	struct lyd_node *n;
	const char *v;

	memset(o, 0, sizeof(*o));
	o->wd = VNM_WD_EXPLICIT;
	o->config = -1;
	o->operational = operational;
	if ((n = child(rpc, "with-defaults")) && vnm_wd_from_str(lyd_get_value(n), &o->wd, &err))
		return vnm_reply_err(&err, NC_ERR_TYPE_PROT);
	o->subtree = child(rpc, "subtree-filter");
	if ((n = child(rpc, "xpath-filter")))
		o->xpath = lyd_get_value(n);
	o->filtered = o->subtree || o->xpath;
	if ((n = child(rpc, "config-filter")))
		o->config = !strcmp(lyd_get_value(n), "true");
	if (child(rpc, "with-origin")) {
		if (!operational)
			return only_operational("with-origin");
		o->with_origin = true;
	}
	if ((r = origin_filters(rpc, "origin-filter", o)))
		return r;
	if (!o->n_origins) {
		if ((r = origin_filters(rpc, "negated-origin-filter", o)))
			return r;
		o->negated = o->n_origins > 0;
	}
	if (o->n_origins && !operational)
		return only_operational(o->negated ? "negated-origin-filter" : "origin-filter");
	if ((n = child(rpc, "max-depth")) && strcmp((v = lyd_get_value(n)), "unbounded")) {
		o->max_depth = (uint16_t)strtoul(v, NULL, 10);
		/* a subtree filter's selected nodes are the ends of its branches,
		 * which filter.c does not report: refused rather than guessed */
		if (o->subtree)
			return vnm_reply_tag(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, "max-depth",
					     NULL, "get-data: vnmd does not combine <max-depth> with "
					     "a <subtree-filter>; use an <xpath-filter> or no filter");
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Origin                                                             */
/* ------------------------------------------------------------------ */

static const struct lys_module *origin_mod(const struct lyd_node *n)
{
	return ly_ctx_get_module_implemented(LYD_CTX(n), "ietf-origin");
}

static struct lyd_meta *origin_of(const struct lyd_node *n, const struct lys_module *mod)
{
	return lyd_find_meta(n->meta, mod, "origin");
}

/* The origin a node has or inherits; NULL when none is known (unknown). */
static const struct lysc_ident *origin_eff(const struct lyd_node *n, const struct lys_module *mod)
{
	struct lyd_meta *m;

	for (; n; n = lyd_parent(n)) {
		if ((m = origin_of(n, mod)))
			return m->value.ident;
	}
	return NULL;
}

static const struct lysc_ident *origin_ident(const struct lys_module *mod, const char *name)
{
	LY_ARRAY_COUNT_TYPE u;

	LY_ARRAY_FOR(mod->identities, u) {
		if (!strcmp(mod->identities[u].name, name))
			return &mod->identities[u];
	}
	return NULL;
}

static int origin_set(struct lyd_node *n, const struct lys_module *mod, const char *name)
{
	char v[64];

	lyd_free_meta_single(origin_of(n, mod));
	snprintf(v, sizeof(v), "ietf-origin:%s", name);
	return lyd_new_meta(NULL, n, mod, "origin", v, 0, NULL) ? -1 : 0;
}

int vnm_nmda_origin_learned(struct lyd_node *node)
{
	const struct lys_module *mod = origin_mod(node);

	return mod ? origin_set(node, mod, "learned") : -1;
}

static bool is_config(const struct lyd_node *n)
{
	return n->schema && (n->schema->flags & LYS_CONFIG_W);
}

/* Parents before children: what a node would inherit is known. */
static int fill(struct lyd_node *first, const struct lys_module *mod)
{
	const struct lysc_ident *par;
	const char *want;
	struct lyd_node *n;

	LY_LIST_FOR(first, n) {
		if (!is_config(n))
			continue; /* state carries no origin, nor anything below it */
		if (!origin_of(n, mod)) {
			want = (n->flags & LYD_DEFAULT) ? "default" : "intended";
			par = lyd_parent(n) ? origin_eff(lyd_parent(n), mod) : NULL;
			if ((!par || strcmp(par->name, want)) && origin_set(n, mod, want))
				return -1;
		}
		if (fill(lyd_child(n), mod))
			return -1;
	}
	return 0;
}

int vnm_nmda_origin_fill(struct lyd_node *tree, struct vnm_err *err)
{
	const struct lys_module *mod;

	if (!tree)
		return 0;
	mod = origin_mod(tree);
	if (!mod || fill(tree, mod))
		return vnm_err_from_ly(err, LYD_CTX(tree), VNM_E_INTERNAL,
				       "adding the origin annotations");
	return 0;
}

static void strip(struct lyd_node *first, const struct lys_module *mod)
{
	struct lyd_node *n;

	LY_LIST_FOR(first, n) {
		if (!is_config(n))
			continue;
		lyd_free_meta_single(origin_of(n, mod));
		strip(lyd_child(n), mod);
	}
}

void vnm_nmda_origin_strip(struct lyd_node *tree)
{
	if (tree && origin_mod(tree))
		strip(tree, origin_mod(tree));
}

/* ------------------------------------------------------------------ */
/* config-filter, origin filters, max-depth                           */
/* ------------------------------------------------------------------ */

enum keep { K_DROP, K_KEEP, K_DESCEND_KEEP, K_DESCEND_IFANY };

struct trim {
	const struct vnm_read_opts *o;
	const struct lys_module *mod;
	const struct lysc_ident *unknown;
	enum keep (*decide)(const struct lyd_node *n, const struct trim *t);
};

static bool ident_within(const struct lysc_ident *id, const struct lysc_ident *base)
{
	LY_ARRAY_COUNT_TYPE u;

	if (id == base)
		return true;
	LY_ARRAY_FOR(base->derived, u) {
		if (ident_within(id, base->derived[u]))
			return true;
	}
	return false;
}

static enum keep by_config(const struct lyd_node *n, const struct trim *t)
{
	bool inner = n->schema->nodetype & LYD_NODE_INNER;

	if (!is_config(n))
		return t->o->config ? K_DROP : K_KEEP;
	if (t->o->config)
		return inner ? K_DESCEND_KEEP : K_KEEP;
	return inner ? K_DESCEND_IFANY : K_DROP;
}

/* RFC 8526 3.1.1: state is not affected; a configuration node without an
 * origin counts as or:unknown. */
static enum keep by_origin(const struct lyd_node *n, const struct trim *t)
{
	const struct lysc_ident *id;
	bool match = false, inner = n->schema->nodetype & LYD_NODE_INNER;
	unsigned i;

	if (!is_config(n))
		return K_KEEP;
	id = origin_eff(n, t->mod);
	if (!id)
		id = t->unknown;
	for (i = 0; !match && i < t->o->n_origins; i++)
		match = id && ident_within(id, t->o->origins[i]);
	if (t->o->negated)
		match = !match;
	if (inner)
		return match ? K_DESCEND_KEEP : K_DESCEND_IFANY;
	return match ? K_KEEP : K_DROP;
}

/* Whether n stays; its children are trimmed on the way (list keys stay
 * with their entry). */
static bool trim_node(struct lyd_node *n, const struct trim *t)
{
	struct lyd_node *c, *next;
	enum keep k;
	bool any = false;

	if (!n->schema)
		return true;
	k = t->decide(n, t);
	if (k == K_DROP || k == K_KEEP)
		return k == K_KEEP;
	for (c = lyd_child(n); c; c = next) {
		next = c->next;
		if (c->schema && lysc_is_key(c->schema))
			continue;
		if (trim_node(c, t))
			any = true;
		else
			lyd_free_tree(c);
	}
	return k == K_DESCEND_KEEP || any;
}

static void trim_top(struct lyd_node **tree, const struct trim *t)
{
	struct lyd_node *n, *next, *first = NULL;

	for (n = *tree; n; n = next) {
		next = n->next;
		if (trim_node(n, t)) {
			if (!first)
				first = n;
		} else {
			lyd_free_tree(n);
		}
	}
	*tree = first;
}

#define SELECTED ((void *)1)

/* Children of a node deeper than limit go (0: no selected node above). */
static void depth_cut(struct lyd_node *first, uint32_t depth, uint32_t limit, uint16_t max)
{
	struct lyd_node *n, *next;
	uint32_t lim;

	for (n = first; n; n = next) {
		next = n->next;
		lim = limit;
		if (n->priv == SELECTED && depth + max - 1u > lim)
			lim = depth + max - 1u;
		if (lim && depth > lim && !(n->schema && lysc_is_key(n->schema))) {
			lyd_free_tree(n);
			continue;
		}
		depth_cut(lyd_child(n), depth + 1, lim, max);
	}
}

static int max_depth(struct lyd_node *tree, const struct vnm_read_opts *o, struct vnm_err *err)
{
	struct ly_set *set = NULL;
	struct lyd_node *n;
	uint32_t i;

	if (o->xpath) {
		/* the filter's result holds exactly the selected nodes and their
		 * ancestors: the same expression finds them again */
		if (lyd_find_xpath(tree, o->xpath, &set))
			return vnm_err_from_ly(err, LYD_CTX(tree), VNM_E_INVALID, "max-depth");
		for (i = 0; i < set->count; i++)
			set->dnodes[i]->priv = SELECTED;
		ly_set_free(set, NULL);
	} else {
		LY_LIST_FOR(tree, n)
			n->priv = SELECTED;
	}
	depth_cut(tree, 1, 0, o->max_depth);
	return 0;
}

int vnm_nmda_trim(struct lyd_node **tree, const struct vnm_read_opts *o, struct vnm_err *err)
{
	struct trim t = {.o = o};

	if (!*tree)
		return 0;
	if (o->config >= 0) {
		t.decide = by_config;
		trim_top(tree, &t);
	}
	if (*tree && o->n_origins) {
		t.mod = origin_mod(*tree);
		t.unknown = t.mod ? origin_ident(t.mod, "unknown") : NULL;
		t.decide = by_origin;
		trim_top(tree, &t);
	}
	if (*tree && o->max_depth)
		return max_depth(*tree, o, err);
	return 0;
}

/* ------------------------------------------------------------------ */
/* ietf-yang-library                                                  */
/* ------------------------------------------------------------------ */

int vnm_nmda_yanglib(struct lyd_node *yl)
{
	static const char *const names[] = {"running", "candidate", "startup", "operational"};
	struct lyd_node *lib = NULL;
	char p[128];
	unsigned i;

	if (lyd_find_path(yl, "/ietf-yang-library:yang-library", 0, &lib) || !lib)
		return 0; /* the 2016 yang-library has no datastores */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "datastore[name='ietf-datastores:%s']/schema", names[i]);
		if (lyd_new_path(lib, NULL, p, "complete", LYD_NEW_PATH_UPDATE, NULL))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The operations                                                     */
/* ------------------------------------------------------------------ */

struct nc_server_reply *vnm_rpc_get_data(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct lyd_node *tree = NULL;
	struct nc_server_reply *r;
	struct vnm_err err = {0};
	enum vnm_ds ds = VNM_DS_RUNNING;
	bool oper;

	(void)ncs;
	if ((r = vnm_nmda_ds(child(rpc, "datastore"), "get-data", &ds, &oper)))
		return r;
	if (vnm_ds_read(oper ? VNM_DS_RUNNING : ds, &tree, &err) ||
	    (oper && (vnm_oper_add(&tree, true, &err) || vnm_monitoring_add(&tree, &err)))) {
		lyd_free_all(tree);
		return vnm_reply_err(&err, NC_ERR_TYPE_APP);
	}
	return vnm_reply_filtered(rpc, tree);
}

struct nc_server_reply *vnm_rpc_edit_data(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct nc_server_reply *r;
	struct lyd_node *cfg, *n;
	enum vnm_edit_op dflt = VNM_OP_MERGE;
	enum vnm_ds ds = VNM_DS_RUNNING;
	const char *v;
	bool oper;

	if ((r = vnm_nmda_ds(child(rpc, "datastore"), "edit-data", &ds, &oper)))
		return r;
	if (oper)
		return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "datastore", NULL,
				     "edit-data: ietf-datastores:operational is not writable "
				     "(RFC 8342 5.3); edit running, candidate or startup");
	if ((n = child(rpc, "default-operation"))) {
		v = lyd_get_value(n);
		dflt = !strcmp(v, "replace") ? VNM_OP_REPLACE
		       : !strcmp(v, "none")  ? VNM_OP_NONE
					     : VNM_OP_MERGE;
	}
	if (!(cfg = child(rpc, "config")))
		return vnm_reply_tag(NC_ERR_MISSING_ELEM, NC_ERR_TYPE_PROT, "config", NULL,
				     "edit-data needs a <config> element (vnmd has no :url)");
	/* RFC 8526 3.1.2: on an error the datastore is as before the edit */
	return vnm_ds_edit(ds, cfg, dflt, VNM_ERROPT_ROLLBACK, false, vnm_sess_of(ncs));
}
