/*
 * monitoring.c - ietf-netconf-monitoring's state and ietf-yang-library's
 * data for <get>, and <get-schema>, which serves the modules' own text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "nmda.h"
#include "server_p.h"
#include "yctx.h"

/* ------------------------------------------------------------------ */
/* ietf-netconf-monitoring and ietf-yang-library                      */
/* ------------------------------------------------------------------ */

#define NCM "/ietf-netconf-monitoring:netconf-state"

static int add_schema(struct lyd_node *ns, const char *name, const char *rev, const char *nsp)
{
	char p[512], q1[200], q2[100];
	struct lyd_node *sch = NULL;
	unsigned i;

	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "schemas/schema[identifier=%s][version=%s][format=%s]",
			 vnm_xq(name, q1, sizeof(q1)), vnm_xq(rev ? rev : "", q2, sizeof(q2)),
			 i ? "'ietf-netconf-monitoring:yin'" : "'ietf-netconf-monitoring:yang'");
		if (lyd_new_path(ns, NULL, p, NULL, LYD_NEW_PATH_UPDATE, &sch) || !sch)
			return -1;
		if (lyd_find_path(ns, p, 0, &sch) || vnm_put_leaf(sch, "namespace", nsp) ||
		    vnm_put_leaf(sch, "location", "NETCONF"))
			return -1;
	}
	return 0;
}

int vnm_monitoring_add(struct lyd_node **tree, struct vnm_err *err)
{
	struct vnm_server *s = vnm_srv;
	struct ly_ctx *ctx = s->ctx;
	struct lyd_node *ns = NULL, *n, *yl = NULL;
	struct vnm_sess_info *sl = NULL;
	const struct lys_module *mod;
	const char **cpb;
	char p[256], ts[40];
	uint32_t idx = 0, locks[VNM_DS_COUNT];
	time_t ltime[VNM_DS_COUNT];
	uint64_t rpcs = 0, bad = 0, errs = 0;
	size_t i, nsl;
	LY_ARRAY_COUNT_TYPE u;
	struct lysp_include *inc;
	int rc = -1, r;

	if (lyd_new_path(NULL, ctx, NCM, NULL, 0, &ns))
		goto ly_fail;
	/* the strings are in the context's dictionary */
	cpb = nc_server_get_cpblts(ctx);
	for (i = 0, r = 0; cpb && cpb[i]; i++) {
		r = r || vnm_put_leaf(ns, "capabilities/capability", cpb[i]);
		lydict_remove(ctx, cpb[i]);
	}
	free(cpb);
	if (r)
		goto ly_fail;

	pthread_mutex_lock(&s->st_lock);
	memcpy(locks, s->lock_sid, sizeof(locks));
	memcpy(ltime, s->lock_time, sizeof(ltime));
	pthread_mutex_unlock(&s->st_lock);
	for (i = 0; i < VNM_DS_COUNT; i++) {
		snprintf(p, sizeof(p), "datastores/datastore[name='%s']", vnm_ds_name(i));
		if (lyd_new_path(ns, NULL, p, NULL, LYD_NEW_PATH_UPDATE, NULL) ||
		    lyd_find_path(ns, p, 0, &n))
			goto ly_fail;
		if (locks[i]) {
			vnm_time_str(ltime[i], ts, sizeof(ts));
			if (vnm_put_u64(n, "locks/global-lock/locked-by-session", locks[i]) ||
			    vnm_put_leaf(n, "locks/global-lock/locked-time", ts))
				goto ly_fail;
		}
	}

	/* every module, imported-only ones too: clients download the imports */
	while ((mod = ly_ctx_get_module_iter(ctx, &idx))) {
		if (add_schema(ns, mod->name, mod->revision, mod->ns))
			goto ly_fail;
		inc = mod->parsed ? mod->parsed->includes : NULL;
		LY_ARRAY_FOR(inc, u) {
			const struct lysp_submodule *sm = inc[u].submodule;

			if (sm && add_schema(ns, sm->name, sm->revs ? sm->revs[0].date : NULL, mod->ns))
				goto ly_fail;
		}
	}

	nsl = vnm_sess_list(&sl);
	for (i = 0; i < nsl; i++) {
		snprintf(p, sizeof(p), "sessions/session[session-id='%u']", sl[i].id);
		if (lyd_new_path(ns, NULL, p, NULL, LYD_NEW_PATH_UPDATE, NULL) ||
		    lyd_find_path(ns, p, 0, &n))
			goto ly_fail;
		vnm_time_str(sl[i].login, ts, sizeof(ts));
		if ((sl[i].ti == NC_TI_LIBSSH &&
		     vnm_put_leaf(n, "transport", "ietf-netconf-monitoring:netconf-ssh")) ||
		    (sl[i].tls &&
		     vnm_put_leaf(n, "transport", "ietf-netconf-monitoring:netconf-tls")) ||
		    vnm_put_leaf(n, "username", sl[i].user) ||
		    ((sl[i].ti == NC_TI_LIBSSH || sl[i].tls) && sl[i].host[0] &&
		     vnm_put_leaf(n, "source-host", sl[i].host)) ||
		    vnm_put_leaf(n, "login-time", ts) || vnm_put_u64(n, "in-rpcs", sl[i].in_rpcs) ||
		    vnm_put_u64(n, "in-bad-rpcs", sl[i].in_bad_rpcs) ||
		    vnm_put_u64(n, "out-rpc-errors", sl[i].out_rpc_errors) ||
		    vnm_put_u64(n, "out-notifications", 0))
			goto ly_fail;
		rpcs += sl[i].in_rpcs;
		bad += sl[i].in_bad_rpcs;
		errs += sl[i].out_rpc_errors;
	}
	vnm_time_str(s->start_time, ts, sizeof(ts));
	if (vnm_put_leaf(ns, "statistics/netconf-start-time", ts) ||
	    vnm_put_u64(ns, "statistics/in-bad-hellos", s->in_bad_hellos) ||
	    vnm_put_u64(ns, "statistics/in-sessions", s->in_sessions) ||
	    vnm_put_u64(ns, "statistics/dropped-sessions", s->dropped_sessions) ||
	    vnm_put_u64(ns, "statistics/in-rpcs", rpcs) || vnm_put_u64(ns, "statistics/in-bad-rpcs", bad) ||
	    vnm_put_u64(ns, "statistics/out-rpc-errors", errs) ||
	    vnm_put_u64(ns, "statistics/out-notifications", 0))
		goto ly_fail;

	if (ly_ctx_get_yanglib_data(ctx, &yl, "%u", ly_ctx_get_change_count(ctx)) ||
	    vnm_nmda_yanglib(yl))
		goto ly_fail;
	if (lyd_insert_sibling(*tree, ns, tree))
		goto ly_fail;
	ns = NULL;
	if (lyd_insert_sibling(*tree, yl, tree))
		goto ly_fail;
	yl = NULL;
	if (vnm_notif_streams_add(tree))
		goto ly_fail;
	rc = 0;
	goto cleanup;
ly_fail:
	vnm_err_from_ly(err, ctx, VNM_E_INTERNAL, "building the monitoring data");
cleanup:
	free(sl);
	lyd_free_all(ns);
	lyd_free_all(yl);
	return rc;
}

/* ------------------------------------------------------------------ */
/* get-schema                                                         */
/* ------------------------------------------------------------------ */

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (len = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)len + 1);
		if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		}
		if (buf)
			buf[len] = '\0';
	}
	fclose(f);
	return buf;
}

struct nc_server_reply *vnm_rpc_get_schema(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct ly_ctx *ctx = vnm_srv->ctx;
	struct lyd_node *n = NULL, *out = NULL;
	const struct lys_module *mod = NULL;
	const struct lysp_submodule *sm = NULL;
	const char *id, *ver = NULL, *fmt = "yang", *path;
	char *text = NULL;
	bool yin;

	(void)ncs;
	if (lyd_find_path(rpc, "identifier", 0, &n) || !n)
		return vnm_reply_tag(NC_ERR_MISSING_ELEM, NC_ERR_TYPE_PROT, "identifier", NULL,
				     "get-schema needs an <identifier>");
	id = lyd_get_value(n);
	if (!lyd_find_path(rpc, "version", 0, &n) && n && *lyd_get_value(n))
		ver = lyd_get_value(n);
	if (!lyd_find_path(rpc, "format", 0, &n) && n) {
		fmt = lyd_get_value(n);
		if (strchr(fmt, ':'))
			fmt = strchr(fmt, ':') + 1;
	}
	yin = !strcmp(fmt, "yin");
	if (!yin && strcmp(fmt, "yang"))
		return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, "format", NULL,
				     "get-schema: vnmd serves modules as yang or yin, not %s", fmt);
	mod = ver ? ly_ctx_get_module(ctx, id, ver) : ly_ctx_get_module_implemented(ctx, id);
	if (!mod && !ver)
		mod = ly_ctx_get_module_latest(ctx, id);
	if (!mod)
		sm = ly_ctx_get_submodule(ctx, id, ver);
	if (!mod && !sm)
		return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, "identifier", NULL,
				     "get-schema: there is no module %s%s%s in vnmd", id,
				     ver ? " revision " : "", ver ? ver : "");
	path = mod ? mod->filepath : sm->filepath;
	if (!yin && path)
		text = read_text(path);
	if (!text) {
		struct ly_out *o = NULL;
		LYS_OUTFORMAT of = yin ? LYS_OUT_YIN : LYS_OUT_YANG;
		LY_ERR r = ly_out_new_memory(&text, 0, &o);

		if (!r)
			r = mod ? lys_print_module(o, mod, of, 0, 0) : lys_print_submodule(o, sm, of, 0, 0);
		ly_out_free(o, NULL, 0);
		if (r || !text) {
			free(text);
			return vnm_reply_tag(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, NULL,
					     "get-schema: cannot print module %s", id);
		}
	}
	if (lyd_dup_single(rpc, NULL, 0, &out) ||
	    lyd_new_any(out, NULL, "data", text, 1, LYD_ANYDATA_STRING, 1, NULL)) {
		free(text);
		lyd_free_all(out);
		return vnm_reply_tag(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, NULL,
				     "get-schema: cannot build the reply");
	}
	return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}
