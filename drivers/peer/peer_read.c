/*
 * peer_read.c - what a participant's vnmd reports of its share: one <get>
 * of its networks, read for the routers' state and the VLs' counters, so
 * that the coordinator's <get> and MIB show the whole network (the core
 * caches them and says how old they are).
 *
 * Reads have sessions of their own under a lock of their own (p->rd): a
 * read never waits behind a transaction's commit on the participants,
 * which may take minutes, and a transaction never waits behind a read.
 */
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>
#include <nc_client.h>

#include "log.h"
#include "model.h"
#include "peer_int.h"

#define PEER_READ_MS 3000 /* a <get>'s reply: the snapshot thread waits for it */

int peer_read_new(struct peer *p)
{
	struct peer *rd = calloc(1, sizeof(*rd));

	if (!rd)
		return -1;
	pthread_mutex_init(&rd->lock, NULL);
	rd->ctx = p->ctx;
	rd->ncctx = p->ncctx;
	rd->pol = p->pol;
	p->rd = rd;
	return 0;
}

void peer_read_free(struct peer *p)
{
	if (!p->rd)
		return;
	peer_sess_close_all(p->rd);
	pthread_mutex_destroy(&p->rd->lock);
	free(p->rd);
	p->rd = NULL;
}

/* The text of n, a schema or an opaque node. */
static const char *text(const struct lyd_node *n)
{
	if (!n)
		return NULL;
	return n->schema ? lyd_get_value(n) : ((const struct lyd_node_opaq *)n)->value;
}

/* The first child of n named name (whatever its module), or NULL. */
static const struct lyd_node *child(const struct lyd_node *n, const char *name)
{
	const struct lyd_node *c;

	LY_LIST_FOR(n ? lyd_child(n) : NULL, c) {
		if (!strcmp(LYD_NAME(c), name))
			return c;
	}
	return NULL;
}

static uint64_t u64(const struct lyd_node *n, const char *name)
{
	const char *t = text(child(n, name));

	return t ? strtoull(t, NULL, 10) : 0;
}

static enum vnm_vr_oper oper_of(const char *t)
{
	static const enum vnm_vr_oper all[] = {VNM_VR_ABSENT, VNM_VR_STOPPED, VNM_VR_RUNNING,
					       VNM_VR_PAUSED, VNM_VR_CRASHED};
	size_t i;

	for (i = 0; t && i < sizeof(all) / sizeof(all[0]); i++) {
		if (!strcmp(t, vnm_vr_oper_str(all[i])))
			return all[i];
	}
	return VNM_VR_UNKNOWN;
}

static void *grow(void *arr, size_t n, size_t size)
{
	/* room for one more, doubling at powers of two */
	if (n & (n - 1) || !n)
		return n ? arr : malloc(size);
	return realloc(arr, 2 * n * size);
}

/* A router h runs, as its vnmd reports it. */
static int add_vr(struct vnm_peer_state *st, const char *vn, const struct lyd_node *node,
		  const struct vnm_host *h)
{
	const struct lyd_node *r = child(node, "router"), *sn;
	const char *ref = NULL, *id;
	struct vnm_peer_vr *v;

	LY_LIST_FOR(lyd_child(node), sn) {
		if (!strcmp(LYD_NAME(sn), "supporting-node"))
			ref = text(child(sn, "node-ref"));
	}
	if (!r || !ref || strcmp(ref, h->name))
		return 0;
	if (!(v = grow(st->vrs, st->n_vrs, sizeof(*v))))
		return -1;
	st->vrs = v;
	v = &st->vrs[st->n_vrs];
	memset(v, 0, sizeof(*v));
	v->vn = strdup(vn);
	v->name = strdup(text(child(node, "node-id")) ? text(child(node, "node-id")) : "");
	st->n_vrs++;
	if (!v->vn || !v->name)
		return -1;
	v->st.state = oper_of(text(child(r, "oper-state")));
	snprintf(v->st.uuid, sizeof(v->st.uuid), "%s", text(child(r, "uuid")) ? text(child(r, "uuid")) : "");
	id = text(child(r, "domain-id"));
	v->st.domain_id = id ? atoi(id) : -1;
	v->st.vcpus = (uint16_t)u64(r, "vcpus");
	v->st.memory_mib = (uint32_t)u64(r, "memory");
	return 0;
}

/* A VL's counters as its vnmd reports them (those it has a statistics
 * container for: an end on its host). */
static int add_vl(struct vnm_peer_state *st, const char *vn, const struct lyd_node *link)
{
	const struct lyd_node *vl = child(link, "virtual-link"), *s = child(vl, "statistics");
	const char *os = text(child(vl, "oper-state"));
	struct vnm_peer_vl *v;

	if (!s || !text(child(link, "link-id")))
		return 0;
	if (!(v = grow(st->vls, st->n_vls, sizeof(*v))))
		return -1;
	st->vls = v;
	v = &st->vls[st->n_vls];
	memset(v, 0, sizeof(*v));
	v->vn = strdup(vn);
	v->name = strdup(text(child(link, "link-id")));
	st->n_vls++;
	if (!v->vn || !v->name)
		return -1;
	v->ctr.in_octets = u64(s, "in-octets");
	v->ctr.in_packets = u64(s, "in-packets");
	v->ctr.out_octets = u64(s, "out-octets");
	v->ctr.out_packets = u64(s, "out-packets");
	v->ctr.drops = u64(s, "drops");
	v->ctr.overlimits = u64(s, "overlimits");
	v->ctr.up = os && !strcmp(os, "up");
	return 0;
}

/* The networks in a <get> reply: its data node's tree, or the XML text an
 * anyxml holds parsed into opaque nodes (*own: to free). */
static const struct lyd_node *networks_of(struct peer *p, const struct lyd_node *op,
					  struct lyd_node **own)
{
	const struct lyd_node *d = op && !strcmp(LYD_NAME(op), "data") ? op : child(op, "data");
	const struct lyd_node_any *any = (const void *)d;
	const struct lyd_node *t = NULL;

	*own = NULL;
	if (d && d->schema && (d->schema->nodetype & LYS_ANYDATA)) {
		if (any->value_type == LYD_ANYDATA_DATATREE)
			t = any->value.tree;
		else if ((any->value_type == LYD_ANYDATA_XML || any->value_type == LYD_ANYDATA_STRING) &&
			 any->value.str &&
			 lyd_parse_data_mem(p->ctx, any->value.str, LYD_XML,
					    LYD_PARSE_ONLY | LYD_PARSE_OPAQ, 0, own) == LY_SUCCESS)
			t = *own;
	} else if (d) {
		t = lyd_child(d);
	}
	while (t && strcmp(LYD_NAME(t), "networks"))
		t = t->next;
	return t;
}

static int parse_state(struct peer *p, const struct lyd_node *op, const struct vnm_host *h,
		       struct vnm_peer_state *st)
{
	const struct lyd_node *nets, *net, *n;
	struct lyd_node *own = NULL;
	const char *vn;
	int rc = 0;

	nets = networks_of(p, op, &own);
	LY_LIST_FOR(nets ? lyd_child(nets) : NULL, net) {
		if (strcmp(LYD_NAME(net), "network") || !(vn = text(child(net, "network-id"))))
			continue;
		LY_LIST_FOR(lyd_child(net), n) {
			if (!strcmp(LYD_NAME(n), "node"))
				rc |= add_vr(st, vn, n, h);
			else if (!strcmp(LYD_NAME(n), "link"))
				rc |= add_vl(st, vn, n);
		}
	}
	lyd_free_all(own);
	return rc ? -1 : 0;
}

int peer_read_state(void *ctx, const struct vnm_host *h, struct vnm_peer_state *out,
		    struct vnm_err *err)
{
	struct peer *p = ctx, *rd = p->rd;
	struct lyd_node *op = NULL;
	struct nc_rpc *rpc;
	enum call_rc rc;
	char why[512];
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!rd || !h->mgmt_addr)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "host %s: no reads", h->name);
	rpc = nc_rpc_get("<networks xmlns=\"urn:ietf:params:xml:ns:yang:ietf-network\"/>",
			 NC_WD_UNKNOWN, NC_PARAMTYPE_CONST);
	pthread_mutex_lock(&rd->lock);
	rc = peer_call_data(rd, h->name, h->mgmt_addr, h->mgmt_cred, rpc, PEER_READ_MS, why,
			    sizeof(why), NULL, 0, &op);
	pthread_mutex_unlock(&rd->lock);
	if (rc != CALL_OK) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "host %s: cannot read its state from its vnmd "
			    "at %s: %s", h->name, h->mgmt_addr, why);
		goto cleanup;
	}
	if (parse_state(p, op, h, out)) {
		vnm_peer_state_clear(out);
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory reading host %s's state", h->name);
		goto cleanup;
	}
	ret = 0;
cleanup:
	lyd_free_all(op);
	return ret;
}
