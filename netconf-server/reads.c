/*
 * reads.c - the reply of <get>, <get-config> and <get-data>: the filter
 * (subtree or XPath), the with-defaults mode and get-data's NMDA options
 * (nmda.c) the request asks for.  Every read ends here.
 *
 * The tree given holds the datastore (and state for <get>); defaults are
 * added here so that report-all and trim have something to work on, and the
 * with-defaults mode becomes libnetconf2's printing mode (the printer
 * carries it into the <data> anydata).  Filtering is filter.c's; what the
 * session may not read (RFC 8341) goes first, nacm_srv.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include <libyang/libyang.h>

#include "core.h"
#include "filter.h"
#include "nmda.h"
#include "oframe.h"
#include "server_p.h"
#include "wd.h"
#include "xmlprint.h"
#include "yctx.h"

/* Replies whose data prints to this many bytes or more are spliced. */
#ifndef VNM_SPLICE_MIN
#define VNM_SPLICE_MIN (32u << 10)
#endif

int vnm_any_xml(const struct lyd_node *any, char **xml)
{
	const struct lyd_node_any *a = (const struct lyd_node_any *)any;

	*xml = NULL;
	/* libyang parsed the content as data: an empty non-presence container
	 * (<networks/> selecting all networks) is a default node there, which
	 * lyd_any_value_str() would leave out */
	if (a->value_type == LYD_ANYDATA_DATATREE) {
		if (!a->value.tree)
			return 0;
		return lyd_print_mem(xml, a->value.tree, LYD_XML,
				     LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | LYD_PRINT_WD_ALL |
					     LYD_PRINT_KEEPEMPTYCONT) ? -1 : 0;
	}
	return lyd_any_value_str(any, xml) ? -1 : 0;
}

/* The options of <get> and <get-config>: filter and with-defaults. */
static struct nc_server_reply *get_opts(struct lyd_node *rpc, struct vnm_read_opts *o)
{
	struct lyd_node *filter = NULL, *wdn = NULL;
	struct lyd_meta *type, *sel;
	struct vnm_err err = {0};

	memset(o, 0, sizeof(*o));
	o->wd = VNM_WD_EXPLICIT;
	o->config = -1;
	if (!lyd_find_path(rpc, "ietf-netconf-with-defaults:with-defaults", 0, &wdn) && wdn &&
	    vnm_wd_from_str(lyd_get_value(wdn), &o->wd, &err))
		return vnm_reply_err(&err, NC_ERR_TYPE_PROT);
	if (lyd_find_path(rpc, "filter", 0, &filter) || !filter)
		return NULL;
	o->filtered = true;
	type = lyd_find_meta(filter->meta, NULL, "ietf-netconf:type");
	sel = lyd_find_meta(filter->meta, NULL, "ietf-netconf:select");
	if (!type || strcmp(lyd_get_meta_value(type), "xpath")) {
		o->subtree = filter;
		return NULL;
	}
	if (!sel)
		return vnm_reply_tag(NC_ERR_MISSING_ATTR, NC_ERR_TYPE_PROT, "filter", NULL,
				     "an XPath filter needs a select attribute");
	o->xpath = lyd_get_meta_value(sel);
	return NULL;
}

/* The options of any read; the datastore of get-data says whether tree is
 * <operational>. */
static struct nc_server_reply *read_opts(struct lyd_node *rpc, struct vnm_read_opts *o)
{
	struct lyd_node *dsn = NULL;
	struct nc_server_reply *r;
	enum vnm_ds ds;
	bool oper;

	if (strcmp(rpc->schema->module->name, "ietf-netconf-nmda"))
		return get_opts(rpc, o);
	lyd_find_path(rpc, "datastore", 0, &dsn);
	if ((r = vnm_nmda_ds(dsn, "get-data", &ds, &oper)))
		return r;
	return vnm_nmda_read_opts(rpc, oper, o);
}

/* The content filter of o on *tree. */
static struct nc_server_reply *filter(struct lyd_node **tree, const struct vnm_read_opts *o)
{
	struct lyd_node *out = NULL;
	struct vnm_err err = {0};
	char *xml = NULL;
	int rc;

	if (o->xpath) {
		rc = vnm_filter_xpath(vnm_srv->ctx, *tree, o->xpath, &out, &err);
	} else {
		if (vnm_any_xml(o->subtree, &xml))
			return vnm_reply_tag(NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC,
					     LYD_NAME(o->subtree), NULL,
					     "the subtree filter cannot be read");
		if (xml && strlen(xml) > vnm_srv->max_config) {
			free(xml);
			return vnm_reply_tag(NC_ERR_TOO_BIG, NC_ERR_TYPE_APP, LYD_NAME(o->subtree),
					     NULL, "the subtree filter is larger than %zu bytes "
					     "(--max-config-size)", vnm_srv->max_config);
		}
		rc = vnm_filter_subtree(*tree, xml ? xml : "", &out, &err);
		free(xml);
	}
	lyd_free_all(*tree);
	*tree = out;
	return rc ? vnm_reply_err(&err, NC_ERR_TYPE_APP) : NULL;
}

/* tree and its siblings as the XML libnetconf2 would print (wd: libyang's
 * with-defaults printer flag); 0 with *xml (malloc'd) and *len, or -1. */
static int print_tree(const struct lyd_node *tree, uint32_t wd, char **xml, size_t *len)
{
	int rc = vnm_xml_print(tree, wd, xml, len);

	if (rc != VNM_XP_LIBYANG)
		return rc;
	if (lyd_print_mem(xml, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | wd) ||
	    !*xml)
		return -1;
	*len = strlen(*xml);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Texts sent in pieces                                                */
/* ------------------------------------------------------------------ */

struct vnm_ptext *vnm_ptext_new(char *frame, size_t flen, size_t at, const char *piece,
				size_t plen, void (*release)(void *), void *arg)
{
	struct vnm_ptext *p = frame && at <= flen ? malloc(sizeof(*p)) : NULL;

	if (!p) {
		free(frame);
		if (release)
			release(arg);
		return NULL;
	}
	*p = (struct vnm_ptext){1, frame, flen, at, piece, plen, release, arg};
	return p;
}

struct vnm_ptext *vnm_ptext_ref(struct vnm_ptext *p)
{
	if (p)
		__atomic_add_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
	return p;
}

void vnm_ptext_unref(struct vnm_ptext *p)
{
	if (!p || __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		return;
	free(p->frame);
	if (p->release)
		p->release(p->arg);
	free(p);
}

static void ptext_unref_v(void *p)
{
	vnm_ptext_unref(p);
}

size_t vnm_ptext_len(const struct vnm_ptext *p)
{
	return p->flen + p->plen;
}

/* p's bytes as the gate's pieces for session sid, p handed over; -1 (p
 * let go) when sid has no gate. */
static int ptext_put(uint32_t sid, struct vnm_ptext *p)
{
	struct vnm_splice *sp = malloc(sizeof(*sp));

	if (!sp) {
		vnm_ptext_unref(p);
		return -1;
	}
	*sp = (struct vnm_splice){
		.part = {p->frame, p->piece, p->frame + p->at},
		.len = {p->at, p->plen, p->flen - p->at},
		.n = 3,
		.release = ptext_unref_v,
		.arg = p,
	};
	if (vnm_gate_splice_put(vnm_srv, sid, sp)) {
		vnm_splice_free(sp);
		return -1;
	}
	return 0;
}

/* A reply whose <data> is the marker the gate replaces with p (handed
 * over); NULL (p let go): too small to be worth it, or no gate. */
struct nc_server_reply *vnm_reply_ptext(struct lyd_node *rpc, struct vnm_ptext *p)
{
	const struct vnm_sess *vs = vnm_rpc_sess;
	struct lyd_node *out = NULL;

	if (!p)
		return NULL;
	if (!vs || vnm_ptext_len(p) < VNM_SPLICE_MIN || lyd_dup_single(rpc, NULL, 0, &out) ||
	    lyd_new_any(out, NULL, "data", vnm_splice_marker(), 0, LYD_ANYDATA_XML, 1, NULL)) {
		vnm_ptext_unref(p);
		lyd_free_all(out);
		return NULL;
	}
	if (ptext_put(vs->id, p)) {
		lyd_free_all(out);
		return NULL;
	}
	return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}

/*
 * A large reply's data, printed here in one piece and sent by the session's
 * gate in place of the marker libnetconf2 prints (oframe.h): libnetconf2
 * would print it in pieces of 1 KiB, each its own write and chunk.  The
 * text is what libnetconf2 would print (the same printer and with-defaults
 * flags); report-all-tagged stays libnetconf2's, whose printer declares the
 * tag's namespace.  NULL: not spliced, tree untouched.
 */
static struct nc_server_reply *spliced(struct lyd_node *rpc, struct lyd_node *tree, NC_WD_MODE wd)
{
	struct nc_server_reply *r;
	uint32_t wdf;
	char *xml = NULL;
	size_t len;

	if (!tree || !vnm_rpc_sess || wd == NC_WD_ALL_TAG)
		return NULL;
	wdf = wd == NC_WD_ALL ? LYD_PRINT_WD_ALL : wd == NC_WD_TRIM ? LYD_PRINT_WD_TRIM
								   : LYD_PRINT_WD_EXPLICIT;
	if (print_tree(tree, wdf, &xml, &len))
		return NULL;
	r = vnm_reply_ptext(rpc, vnm_ptext_new(xml, len, len, NULL, 0, NULL, NULL));
	if (r)
		lyd_free_all(tree);
	return r;
}

/*
 * running's text (with-defaults explicit) of one generation: a <get-config>
 * of the whole of running, the read every client starts with, is then the
 * text sent as it is kept, not a copy, print and free of the whole tree.
 * Its networks are the configuration's text <get> keeps (vnm_running_ptext),
 * sent from there: after a rate change made in place, that text is patched,
 * not printed.  The generation is read before the tree, so the text is never
 * older than the generation it is kept under.
 */
static struct {
	pthread_mutex_t lock;
	uint64_t gen;
	struct vnm_ptext *p;        /* NULL: none kept */
} rcache = {.lock = PTHREAD_MUTEX_INITIALIZER};

void vnm_reads_drop_older(uint64_t gen)
{
	struct vnm_ptext *p = NULL;

	pthread_mutex_lock(&rcache.lock);
	if (rcache.p && rcache.gen < gen) {
		p = rcache.p;
		rcache.p = NULL;
	}
	pthread_mutex_unlock(&rcache.lock);
	vnm_srv_later(ptext_unref_v, p, p ? vnm_ptext_len(p) : 0);
}

/* running's text (a reference), or NULL. */
static struct vnm_ptext *running_text(void)
{
	struct lyd_node *tree = NULL;
	struct vnm_err err = {0};
	uint64_t gen = vnm_core_generation(vnm_srv->core);
	struct vnm_ptext *p = NULL;
	char *text = NULL;
	size_t len = 0;

	pthread_mutex_lock(&rcache.lock);
	if (rcache.p && rcache.gen == gen)
		p = vnm_ptext_ref(rcache.p);
	pthread_mutex_unlock(&rcache.lock);
	if (p)
		return p;
	/* the networks' text <get> keeps (one print of them per generation),
	 * else running printed */
	if (!(p = vnm_running_ptext(gen))) {
		if (vnm_core_running(vnm_srv->core, &tree, &err) || !tree)
			return NULL;
		if (print_tree(tree, LYD_PRINT_WD_EXPLICIT, &text, &len))
			text = NULL;
		lyd_free_all(tree);
		if (!(p = vnm_ptext_new(text, len, len, NULL, 0, NULL, NULL)))
			return NULL;
	}
	pthread_mutex_lock(&rcache.lock);
	if (!rcache.p || rcache.gen < gen) {
		vnm_ptext_unref(rcache.p);
		rcache.p = vnm_ptext_ref(p);
		rcache.gen = gen;
	}
	pthread_mutex_unlock(&rcache.lock);
	return p;
}

bool vnm_read_plain(struct lyd_node *rpc)
{
	struct nc_server_reply *r;
	struct vnm_read_opts o;

	if (!vnm_rpc_sess)
		return false;
	r = read_opts(rpc, &o);
	if (r) {
		nc_server_reply_free(r);
		return false;
	}
	return !o.filtered && o.wd == VNM_WD_EXPLICIT && vnm_nacm_reads_all(vnm_rpc_sess);
}

struct nc_server_reply *vnm_reply_running_cached(struct lyd_node *rpc)
{
	if (!vnm_read_plain(rpc))
		return NULL;
	return vnm_reply_ptext(rpc, running_text());
}

struct nc_server_reply *vnm_reply_filtered(struct lyd_node *rpc, struct lyd_node *tree)
{
	struct nc_server_reply *r;
	struct vnm_read_opts o;
	struct vnm_err err = {0};

	if ((r = read_opts(rpc, &o)))
		goto fail;
	/* report-all needs the default nodes; trees of validated datastores
	 * have them already, flagged, and adding them costs as much as the
	 * module's `when` conditions on every node: only when asked for */
	if (tree && (o.wd == VNM_WD_REPORT_ALL || o.wd == VNM_WD_REPORT_ALL_TAGGED) &&
	    lyd_new_implicit_all(&tree, vnm_srv->ctx, LYD_IMPLICIT_NO_STATE, NULL)) {
		vnm_err_from_ly(&err, vnm_srv->ctx, VNM_E_INTERNAL, "adding defaults");
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto fail;
	}
	/* access control before the client's filter, so that a filter cannot
	 * tell what it may not read; after the defaults, which must not bring
	 * a denied node back */
	vnm_nacm_filter(vnm_rpc_sess, &tree);
	/* origins before the filters: an origin filter needs them, and a node
	 * cut from its parents still carries what it inherited */
	if (o.operational && vnm_nmda_origin_fill(tree, &err)) {
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto fail;
	}
	if (o.filtered && (r = filter(&tree, &o)))
		goto fail;
	if (vnm_nmda_trim(&tree, &o, &err)) {
		r = vnm_reply_err(&err, NC_ERR_TYPE_APP);
		goto fail;
	}
	if (o.operational && !o.with_origin)
		vnm_nmda_origin_strip(tree);
	if ((r = spliced(rpc, tree, (NC_WD_MODE)vnm_wd_nc_mode(o.wd))))
		return r;
	return vnm_reply_data(rpc, "data", tree, (NC_WD_MODE)vnm_wd_nc_mode(o.wd));
fail:
	lyd_free_all(tree);
	return r;
}
