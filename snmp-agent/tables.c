/*
 * tables.c - the scalars and tables of VNMD-MIB on net-snmp's helpers.
 *
 * Each table is a table_container (binary array of rows keyed by their
 * netsnmp_index) behind a netsnmp_cache: the first request after the cache
 * expired (1 s, or at once after a core event) loads the rows of the latest
 * core snapshot into the container, and every request until the next load
 * reads that one picture.  The container helper answers GETNEXT by itself;
 * our handlers only fill in one column of one row for GET.  The embedded
 * agent's fast path (fastwalk.c) reads the same rows and columns through
 * vnm_table_walk and vnm_table_cell.
 *
 * Runs on the agent's net-snmp thread only.
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/table_container.h>
#include <net-snmp/agent/cache_handler.h>

#include <stdlib.h>
#include <string.h>

#include "agent_int.h"

enum vnm_table_kind { TBL_VN, TBL_VR, TBL_VL };

/* A row as the container sees it: the index first (netsnmp_index compare),
 * then the rowset row it stands for. */
struct tbl_row {
	netsnmp_index ix;
	oid oids[2];
	const void *row;
};

struct vnm_table {
	struct vnm_agent *a;
	enum vnm_table_kind kind;
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *tinfo;
	netsnmp_container *container;
	netsnmp_cache *cache;
	struct vnm_picture *pic;  /* what the container holds rows of */
	struct tbl_row *rows;
};

/* ------------------------------------------------------------------ */
/* Cache: container ← picture                                         */
/* ------------------------------------------------------------------ */

static void tbl_drop(struct vnm_table *t)
{
	if (t->container)
		CONTAINER_CLEAR(t->container, NULL, NULL); /* rows are ours, one array */
	free(t->rows);
	t->rows = NULL;
	vnm_picture_put(t->pic);
	t->pic = NULL;
}

static int tbl_load(netsnmp_cache *cache, void *vmagic)
{
	struct vnm_table *t = cache->magic;
	const struct vnm_rowset *rs;
	size_t i, n;

	(void)vmagic;
	/* An event may have invalidated the cache while it held rows. */
	tbl_drop(t);
	t->pic = vnm_agent_picture(t->a);
	if (!t->pic)
		return -1;
	rs = t->pic->rs;
	n = t->kind == TBL_VN ? rs->n_vns : t->kind == TBL_VR ? rs->n_vrs : rs->n_vls;
	if (!n)
		return 0;
	t->rows = calloc(n, sizeof(*t->rows));
	if (!t->rows) {
		snmp_log(LOG_ERR, "VNMD-MIB: out of memory loading %zu rows\n", n);
		vnm_picture_put(t->pic);
		t->pic = NULL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct tbl_row *r = &t->rows[i];

		r->ix.oids = r->oids;
		switch (t->kind) {
		case TBL_VN:
			r->oids[0] = rs->vns[i].idx;
			r->ix.len = 1;
			r->row = &rs->vns[i];
			break;
		case TBL_VR:
			r->oids[0] = rs->vrs[i].vn_idx;
			r->oids[1] = rs->vrs[i].idx;
			r->ix.len = 2;
			r->row = &rs->vrs[i];
			break;
		case TBL_VL:
			r->oids[0] = rs->vls[i].vn_idx;
			r->oids[1] = rs->vls[i].idx;
			r->ix.len = 2;
			r->row = &rs->vls[i];
			break;
		}
		/* Rows come in index order: the array stays sorted. */
		if (CONTAINER_INSERT(t->container, r) != 0) {
			snmp_log(LOG_ERR, "VNMD-MIB: could not insert a row\n");
			tbl_drop(t);
			return -1;
		}
	}
	return 0;
}

static void tbl_free(netsnmp_cache *cache, void *vmagic)
{
	(void)vmagic;
	tbl_drop(cache->magic);
}

/* ------------------------------------------------------------------ */
/* Column values                                                      */
/* ------------------------------------------------------------------ */

static void set_str(netsnmp_variable_list *v, const char *s)
{
	if (!s)
		s = "";
	snmp_set_var_typed_value(v, ASN_OCTET_STR, s, strlen(s));
}

static void set_c64(netsnmp_variable_list *v, uint64_t x)
{
	struct counter64 c;

	c.high = x >> 32;
	c.low = x & 0xffffffffu;
	snmp_set_var_typed_value(v, ASN_COUNTER64, &c, sizeof(c));
}

static int col_vn(netsnmp_variable_list *v, const struct vnm_row_vn *row, unsigned col)
{
	const struct vnm_snap_vn *vn = row->vn;

	switch (col) {
	case 2:
		set_str(v, vn->name);
		break;
	case 3:
		snmp_set_var_typed_integer(v, ASN_INTEGER, vnm_mib_admin(vn->admin));
		break;
	case 4:
		snmp_set_var_typed_integer(v, ASN_INTEGER, vnm_mib_oper(vn->oper));
		break;
	case 5:
		snmp_set_var_typed_integer(v, ASN_GAUGE, vn->n_vrs);
		break;
	case 6:
		snmp_set_var_typed_integer(v, ASN_GAUGE, vn->n_vls);
		break;
	default:
		return -1;
	}
	return 0;
}

static int col_vr(netsnmp_variable_list *v, const struct vnm_row_vr *row, unsigned col)
{
	const struct vnm_snap_vr *vr = row->vr;

	switch (col) {
	case 2:
		set_str(v, vr->name);
		break;
	case 3:
		set_str(v, vr->uuid);
		break;
	case 4:
		set_str(v, vr->host);
		break;
	case 5:
		snmp_set_var_typed_integer(v, ASN_INTEGER, vnm_mib_admin(vr->admin));
		break;
	case 6:
		snmp_set_var_typed_integer(v, ASN_INTEGER, vnm_mib_oper(vr->oper));
		break;
	case 7:
		snmp_set_var_typed_integer(v, ASN_UNSIGNED, vr->vcpus);
		break;
	case 8:
		snmp_set_var_typed_integer(v, ASN_UNSIGNED, vr->memory_mib);
		break;
	default:
		return -1;
	}
	return 0;
}

static int col_vl(netsnmp_variable_list *v, const struct vnm_row_vl *row, unsigned col)
{
	const struct vnm_snap_vl *vl = row->vl;

	switch (col) {
	case 2:
		set_str(v, vl->name);
		break;
	case 3:
		set_str(v, vl->a_node);
		break;
	case 4:
		set_str(v, vl->a_tp);
		break;
	case 5:
		set_str(v, vl->b_node);
		break;
	case 6:
		set_str(v, vl->b_tp);
		break;
	case 7:
		snmp_set_var_typed_integer(v, ASN_UNSIGNED, vnm_mib_kbps(vl->guaranteed));
		break;
	case 8:
		snmp_set_var_typed_integer(v, ASN_UNSIGNED, vnm_mib_kbps(vl->limit));
		break;
	case 9:
		snmp_set_var_typed_integer(v, ASN_INTEGER, vl->up ? 1 : 2);
		break;
	case 10:
		snmp_set_var_typed_integer(v, ASN_INTEGER, vl->ctr.ifindex > 0 ? vl->ctr.ifindex : 0);
		break;
	case 11:
		set_str(v, vl->ifname);
		break;
	case 12:
		set_c64(v, vl->ctr.in_octets);
		break;
	case 13:
		set_c64(v, vl->ctr.out_octets);
		break;
	case 14:
		set_c64(v, vl->ctr.in_packets);
		break;
	case 15:
		set_c64(v, vl->ctr.out_packets);
		break;
	case 16:
		set_c64(v, vl->ctr.drops);
		break;
	case 17:
		set_c64(v, vl->ctr.overlimits);
		break;
	case 18:
		snmp_set_var_typed_integer(v, ASN_TIMETICKS, row->discontinuity);
		break;
	case 19:
		snmp_set_var_typed_integer(v, ASN_INTEGER, vl->enabled ? 1 : 2);
		break;
	case 20:
		set_str(v, vl->if_host);
		break;
	case 21:
		set_str(v, vl->if_netns);
		break;
	case 22:
		snmp_set_var_typed_integer(v, ASN_GAUGE, vnm_mib_mbps(vl->ceil));
		break;
	case 23:
		snmp_set_var_typed_integer(v, ASN_GAUGE, vnm_mib_kbps(vl->watch.rate_out));
		break;
	case 24:
		snmp_set_var_typed_integer(v, ASN_GAUGE, vnm_mib_kbps(vl->watch.rate_in));
		break;
	case 25:
		snmp_set_var_typed_integer(v, ASN_INTEGER, vnm_mib_guarantee(vl));
		break;
	default:
		return -1;
	}
	return 0;
}

int vnm_table_cell(int kind, const void *row, unsigned col, netsnmp_variable_list *v)
{
	switch (kind) {
	case TBL_VN:
		return col_vn(v, row, col);
	case TBL_VR:
		return col_vr(v, row, col);
	case TBL_VL:
		return col_vl(v, row, col);
	}
	return -1;
}

static int tbl_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
		       netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct vnm_table *t = handler->myvoid;
	netsnmp_request_info *req;

	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR; /* read-only: the table helper refuses sets */
	for (req = requests; req; req = req->next) {
		struct tbl_row *row;
		netsnmp_table_request_info *ti;

		if (req->processed)
			continue;
		row = netsnmp_container_table_row_extract(req);
		ti = netsnmp_extract_table_info(req);
		if (!row || !ti) {
			netsnmp_set_request_error(reqinfo, req, SNMP_NOSUCHINSTANCE);
			continue;
		}
		if (vnm_table_cell(t->kind, row->row, ti->colnum, req->requestvb) < 0)
			netsnmp_set_request_error(reqinfo, req, SNMP_NOSUCHOBJECT);
	}
	return SNMP_ERR_NOERROR;
}

/* ------------------------------------------------------------------ */
/* The rows for the embedded agent's fast path (fastwalk.c)           */
/* ------------------------------------------------------------------ */

static const unsigned max_col[] = {6, 8, 25};

int vnm_table_walk(struct vnm_agent *a, int kind, struct vnm_walk_table *w)
{
	struct vnm_table *t = kind >= TBL_VN && kind <= TBL_VL ? a->tables[kind] : NULL;
	const struct vnm_rowset *rs;

	/* When the cache helper would not load (caching off), what the
	 * container holds is net-snmp's business. */
	if (!t || !t->cache || !t->cache->enabled || !t->cache->load_cache ||
	    netsnmp_ds_get_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_NO_CACHING))
		return -1;
	/* What the cache helper does at the first pass of a request. */
	netsnmp_cache_check_and_reload(t->cache);
	if (!t->cache->valid || !t->pic)
		return -1;
	rs = t->pic->rs;
	switch (t->kind) {
	case TBL_VN:
		w->rows = rs->vns;
		w->n = rs->n_vns;
		w->stride = sizeof(*rs->vns);
		w->ilen = 1;
		break;
	case TBL_VR:
		w->rows = rs->vrs;
		w->n = rs->n_vrs;
		w->stride = sizeof(*rs->vrs);
		w->ilen = 2;
		break;
	case TBL_VL:
		w->rows = rs->vls;
		w->n = rs->n_vls;
		w->stride = sizeof(*rs->vls);
		w->ilen = 2;
		break;
	}
	w->min_col = 2;
	w->max_col = max_col[t->kind];
	return 0;
}


/* ------------------------------------------------------------------ */
/* Scalars: vnmConfigGeneration and the three last-change stamps       */
/* ------------------------------------------------------------------ */

enum { SC_GENERATION, SC_VN_LC, SC_VR_LC, SC_VL_LC };

static int scalar_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
			  netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct vnm_agent *a = handler->myvoid;
	struct vnm_picture *p;
	/* ...vnmdObjects.G.1[.0]: G = 1 (general), 2..4 (networks, routers,
	 * links); the scalar helper may have appended the .0. */
	size_t g = reg->rootoid_len - (reg->rootoid[reg->rootoid_len - 1] == 0 ? 3 : 2);
	int which = (int)reg->rootoid[g] - 1;
	netsnmp_request_info *req;

	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	p = vnm_agent_picture(a);
	for (req = requests; req; req = req->next) {
		if (!p) {
			netsnmp_set_request_error(reqinfo, req, SNMP_ERR_GENERR);
			continue;
		}
		switch (which) {
		case SC_GENERATION:
			snmp_set_var_typed_integer(req->requestvb, ASN_UNSIGNED, p->rs->generation);
			break;
		case SC_VN_LC:
			snmp_set_var_typed_integer(req->requestvb, ASN_TIMETICKS, p->rs->vn_last_change);
			break;
		case SC_VR_LC:
			snmp_set_var_typed_integer(req->requestvb, ASN_TIMETICKS, p->rs->vr_last_change);
			break;
		default:
			snmp_set_var_typed_integer(req->requestvb, ASN_TIMETICKS, p->rs->vl_last_change);
			break;
		}
	}
	vnm_picture_put(p);
	return SNMP_ERR_NOERROR;
}

/* ------------------------------------------------------------------ */
/* Registration                                                       */
/* ------------------------------------------------------------------ */

static void tbl_free_all(struct vnm_table *t)
{
	if (!t)
		return;
	tbl_drop(t);
	if (t->container)
		CONTAINER_FREE(t->container);
	free(t);
}

static int tbl_register(struct vnm_agent *a, enum vnm_table_kind kind, struct vnm_err *err)
{
	static const char *names[] = {"vnmNetworkTable", "vnmRouterTable", "vnmLinkTable"};
	/* vnmdObjects.{2,3,4}.2: vnmNetworkTable, vnmRouterTable, vnmLinkTable */
	oid toid[] = {VNM_MIB_ROOT, 1, 2 + kind, 2};
	struct vnm_table *t;
	netsnmp_mib_handler *h;
	int opt_rc = 0;

	t = calloc(1, sizeof(*t));
	if (!t)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "SNMP: out of memory");
	t->a = a;
	t->kind = kind;
	t->container = netsnmp_container_find("table_container");
	t->tinfo = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	h = netsnmp_create_handler(names[kind], tbl_handler);
	if (!t->container || !t->tinfo || !h)
		goto fail;
	h->myvoid = t;
	/* Each load inserts rows in order, one per index: no duplicate checks
	 * (they would sort the array on every insert). */
	CONTAINER_SET_OPTIONS(t->container, CONTAINER_KEY_ALLOW_DUPLICATES, opt_rc);
	(void)opt_rc;
	t->reg = netsnmp_handler_registration_create(names[kind], h, toid, OID_LENGTH(toid),
						     HANDLER_CAN_RONLY);
	if (!t->reg) {
		netsnmp_handler_free(h);
		goto fail;
	}
	netsnmp_table_helper_add_indexes(t->tinfo, ASN_UNSIGNED, kind == TBL_VN ? 0 : ASN_UNSIGNED, 0);
	t->tinfo->min_column = 2;
	t->tinfo->max_column = max_col[kind];
	/* The cache is injected after the table helpers so that it runs before
	 * the container helper looks anything up. */
	if (netsnmp_container_table_register(t->reg, t->tinfo, t->container,
					     TABLE_CONTAINER_KEY_NETSNMP_INDEX) != MIB_REGISTERED_OK) {
		/* The failed registration freed the registration and may hold
		 * on to the rest: leak rather than free twice. */
		t->reg = NULL;
		t->tinfo = NULL;
		t->container = NULL;
		goto fail;
	}
	t->cache = netsnmp_cache_create(1, tbl_load, tbl_free, toid, OID_LENGTH(toid));
	if (!t->cache)
		goto fail_unreg;
	t->cache->magic = t;
	t->cache->flags |= NETSNMP_CACHE_DONT_INVALIDATE_ON_SET | NETSNMP_CACHE_DONT_FREE_EXPIRED;
	if (netsnmp_inject_handler_before(t->reg, netsnmp_cache_handler_get(t->cache),
					  "table_container") != SNMPERR_SUCCESS)
		goto fail_unreg;
	a->tables[kind] = t;
	return 0;

fail_unreg:
	/* Frees the registration, its handlers and the container (not our
	 * table information: see vnm_tables_unregister). */
	netsnmp_container_table_unregister(t->reg);
	t->reg = NULL;
	t->container = NULL;
fail:
	if (t->tinfo)
		netsnmp_table_registration_info_free(t->tinfo);
	if (t->reg)
		netsnmp_handler_registration_free(t->reg);
	tbl_free_all(t);
	return vnm_err_set(err, VNM_E_INTERNAL, NULL, "SNMP: could not register %s",
			   names[kind]);
}

static int scalar_register(struct vnm_agent *a, int i, const oid *o, size_t len,
			   const char *name, struct vnm_err *err)
{
	netsnmp_handler_registration *reg;

	reg = netsnmp_create_handler_registration(name, scalar_handler, o, len, HANDLER_CAN_RONLY);
	if (!reg)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "SNMP: out of memory");
	reg->handler->myvoid = a;
	if (netsnmp_register_read_only_scalar(reg) != MIB_REGISTERED_OK)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "SNMP: could not register %s", name);
	a->scalars[i] = reg;
	return 0;
}

int vnm_tables_register(struct vnm_agent *a, struct vnm_err *err)
{
	/* The scalar handler tells the objects apart by their OIDs: vnmGeneral
	 * .1 is ...1.1.1, the last-change stamps are ...1.{2,3,4}.1. */
	static const oid gen[] = {VNM_MIB_ROOT, 1, 1, 1};
	static const oid lc_vn[] = {VNM_MIB_ROOT, 1, 2, 1};
	static const oid lc_vr[] = {VNM_MIB_ROOT, 1, 3, 1};
	static const oid lc_vl[] = {VNM_MIB_ROOT, 1, 4, 1};

	if (scalar_register(a, 0, gen, OID_LENGTH(gen), "vnmConfigGeneration", err) < 0 ||
	    scalar_register(a, 1, lc_vn, OID_LENGTH(lc_vn), "vnmNetworkLastChange", err) < 0 ||
	    scalar_register(a, 2, lc_vr, OID_LENGTH(lc_vr), "vnmRouterLastChange", err) < 0 ||
	    scalar_register(a, 3, lc_vl, OID_LENGTH(lc_vl), "vnmLinkLastChange", err) < 0 ||
	    tbl_register(a, TBL_VN, err) < 0 || tbl_register(a, TBL_VR, err) < 0 ||
	    tbl_register(a, TBL_VL, err) < 0)
		return -1;
	return 0;
}

void vnm_tables_invalidate(struct vnm_agent *a)
{
	int i;

	for (i = 0; i < 3; i++)
		if (a->tables[i] && a->tables[i]->cache)
			a->tables[i]->cache->valid = 0;
}

void vnm_tables_invalidate_older(struct vnm_agent *a, const struct vnm_snapshot *s)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct vnm_table *t = a->tables[i];

		if (t && t->cache && t->pic && t->pic->snap != s)
			t->cache->valid = 0;
	}
}

void vnm_tables_unregister(struct vnm_agent *a)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct vnm_table *t = a->tables[i];

		if (!t)
			continue;
		/* Empty the container first: unregistering frees it, with the
		 * handlers. */
		tbl_drop(t);
		netsnmp_container_table_unregister(t->reg);
		/* The helpers keep a copy of the table information: ours is ours. */
		netsnmp_table_registration_info_free(t->tinfo);
		free(t);
		a->tables[i] = NULL;
	}
	for (i = 0; i < 4; i++) {
		if (a->scalars[i])
			netsnmp_unregister_handler(a->scalars[i]);
		a->scalars[i] = NULL;
	}
}
