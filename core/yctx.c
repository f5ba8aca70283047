/* yctx.c - see yctx.h. */
#include "yctx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "file.h"

static const char *yang_dir(void)
{
	const char *d = getenv("VNMD_YANG_DIR");

	return d && *d ? d : VNM_YANG_DIR;
}

int vnm_err_from_ly(struct vnm_err *err, const struct ly_ctx *ctx, enum vnm_err_code code,
		    const char *what)
{
	const struct ly_err_item *e;
	size_t len = 0;
	char msg[sizeof(err->msg)];
	const char *path = NULL;

	msg[0] = '\0';
	for (e = ly_err_first(ctx); e; e = e->next) {
		if (!e->msg)
			continue;
		len += snprintf(msg + len, len < sizeof(msg) ? sizeof(msg) - len : 0, "%s%s%s%s",
				len ? "; " : "", e->msg, e->path ? " at " : "", e->path ? e->path : "");
		if (!path && e->path)
			path = e->path;
		if (len >= sizeof(msg))
			break;
	}
	return vnm_err_set(err, code, path, "%s: %s", what, msg[0] ? msg : "unknown libyang error");
}

int vnm_yctx_new(bool with_netconf, struct ly_ctx **out, struct vnm_err *err)
{
	static const char *nc_features[] = {"writable-running", "candidate", "confirmed-commit",
					    "rollback-on-error", "validate", "startup", "xpath",
					    NULL};
	static const char *all[] = {"*", NULL};
	static const char *nmda_features[] = {"origin", "with-defaults", NULL};
	struct ly_ctx *ctx = NULL;
	int rc = -1;

	*out = NULL;
	if (ly_ctx_new(yang_dir(), 0, &ctx) != LY_SUCCESS) {
		vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot create the YANG context");
		goto cleanup;
	}
	if (ly_ctx_set_searchdir(ctx, VNM_IETF_DIR) != LY_SUCCESS) {
		vnm_err_from_ly(err, ctx, VNM_E_INTERNAL, "YANG search directory " VNM_IETF_DIR);
		goto cleanup;
	}
	if (!ly_ctx_load_module(ctx, "ietf-network", NULL, NULL) ||
	    !ly_ctx_load_module(ctx, "ietf-network-topology", NULL, NULL) ||
	    !ly_ctx_load_module(ctx, "vnmd", NULL, NULL)) {
		vnm_err_from_ly(err, ctx, VNM_E_INTERNAL, "loading the vnmd YANG modules");
		goto cleanup;
	}
	/* RFC 8341 access control: its rules live in running (/nacm), so a
	 * configuration file (vnmd -n included) may hold them even where no
	 * NETCONF server reads them */
	if (!ly_ctx_load_module(ctx, "ietf-netconf-acm", NULL, NULL)) {
		vnm_err_from_ly(err, ctx, VNM_E_INTERNAL, "loading ietf-netconf-acm");
		goto cleanup;
	}
	if (with_netconf &&
	    (!ly_ctx_load_module(ctx, "ietf-netconf", NULL, nc_features) ||
	     !ly_ctx_load_module(ctx, "ietf-netconf-with-defaults", NULL, all) ||
	     !ly_ctx_load_module(ctx, "ietf-netconf-monitoring", NULL, NULL) ||
	     !ly_ctx_load_module(ctx, "ietf-netconf-notifications", NULL, NULL))) {
		vnm_err_from_ly(err, ctx, VNM_E_INTERNAL, "loading the NETCONF YANG modules");
		goto cleanup;
	}
	/* NMDA (RFC 8526): <get-data>, <edit-data>, the origin annotation
	 * (RFC 8342), which must be implemented for its metadata to exist;
	 * both modules are libyuma-base's, like ietf-netconf */
	if (with_netconf &&
	    (!ly_ctx_load_module(ctx, "ietf-origin", NULL, NULL) ||
	     !ly_ctx_load_module(ctx, "ietf-netconf-nmda", NULL, nmda_features))) {
		vnm_err_from_ly(err, ctx, VNM_E_INTERNAL, "loading the NMDA YANG modules "
				"(ietf-netconf-nmda, ietf-origin of libyuma-base)");
		goto cleanup;
	}
	/* RFC 5277 notifications: Debian has the modules (with yuma's
	 * extension module) beside the IETF ones; without them the server
	 * simply offers no :notification capability */
	if (with_netconf &&
	    ly_ctx_set_searchdir(ctx, VNM_IETF_DIR "/../ietf-derived") == LY_SUCCESS &&
	    ly_ctx_set_searchdir(ctx, VNM_IETF_DIR "/../netconfcentral") == LY_SUCCESS &&
	    (!ly_ctx_load_module(ctx, "notifications", NULL, NULL) ||
	     !ly_ctx_load_module(ctx, "nc-notifications", NULL, NULL)))
		ly_err_clean(ctx, NULL);
	*out = ctx;
	ctx = NULL;
	rc = 0;
cleanup:
	ly_ctx_destroy(ctx);
	return rc;
}

/* Accept <config xmlns=base:1.0>...</config> around the data, as NETCONF and
 * `vnmd -n -c` users write it, by cutting the wrapper off. */
static const char *strip_config_wrapper(const char *xml, char **owned)
{
	const char *open = strstr(xml, "<config");
	const char *body, *close;

	*owned = NULL;
	if (!open || (open[7] != ' ' && open[7] != '>' && open[7] != '\n' && open[7] != '\t'))
		return xml;
	/* only when <config is the first element */
	for (const char *p = xml; p < open; p++) {
		if (p[0] == '<' && p[1] != '?' && p[1] != '!')
			return xml;
	}
	body = strchr(open, '>');
	if (body && body[-1] == '/') { /* <config/>: an empty configuration */
		*owned = strdup("");
		return *owned ? *owned : xml;
	}
	close = strstr(xml, "</config>");
	if (!body || !close || close < body)
		return xml;
	body++;
	*owned = strndup(body, (size_t)(close - body));
	return *owned ? *owned : xml;
}

int vnm_config_parse_mem(struct ly_ctx *ctx, const char *xml, struct lyd_node **out,
			 struct vnm_err *err)
{
	char *owned = NULL;
	const char *data = strip_config_wrapper(xml, &owned);
	LY_ERR lrc;

	*out = NULL;
	lrc = lyd_parse_data_mem(ctx, data, LYD_XML, LYD_PARSE_STRICT | LYD_PARSE_NO_STATE,
				 LYD_VALIDATE_NO_STATE, out);
	free(owned);
	if (lrc != LY_SUCCESS) {
		lyd_free_all(*out);
		*out = NULL;
		return vnm_err_from_ly(err, ctx, VNM_E_INVALID, "configuration is not valid");
	}
	return 0;
}

int vnm_config_parse_file(struct ly_ctx *ctx, const char *path, struct lyd_node **out,
			  struct vnm_err *err)
{
	char *buf;
	int rc;

	*out = NULL;
	rc = vnm_file_read(path, &buf);
	if (rc) {
		if (rc == -1)
			return vnm_err_set(err, VNM_E_MISSING, NULL, "cannot open %s: %m", path);
		if (errno == ENOMEM)
			return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory reading %s",
					   path);
		return vnm_err_set(err, VNM_E_INVALID, NULL, "cannot read %s: %m", path);
	}
	rc = vnm_config_parse_mem(ctx, buf, out, err);
	if (rc)
		vnm_err_prefix(err, "%s", path);
	free(buf);
	return rc;
}
