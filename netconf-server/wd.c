/* wd.c - with-defaults modes (RFC 6243); see wd.h. */
#include "wd.h"

#include <stdbool.h>
#include <string.h>

#include <libnetconf2/netconf.h>
#include <libyang/libyang.h>

static const char *const names[] = {
	[VNM_WD_EXPLICIT] = "explicit",
	[VNM_WD_REPORT_ALL] = "report-all",
	[VNM_WD_TRIM] = "trim",
	[VNM_WD_REPORT_ALL_TAGGED] = "report-all-tagged",
};

int vnm_wd_from_str(const char *name, enum vnm_wd *mode, struct vnm_err *err)
{
	*mode = VNM_WD_EXPLICIT;
	if (!name)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i])) {
			*mode = (enum vnm_wd)i;
			return 0;
		}
	}
	return vnm_err_set(err, VNM_E_INVALID, NULL,
			   "unknown with-defaults mode '%s': use explicit, report-all, trim or "
			   "report-all-tagged", name);
}

const char *vnm_wd_str(enum vnm_wd mode)
{
	return (unsigned)mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "explicit";
}

uint32_t vnm_wd_print_flags(enum vnm_wd mode)
{
	switch (mode) {
	case VNM_WD_REPORT_ALL:
		return LYD_PRINT_WD_ALL;
	case VNM_WD_TRIM:
		return LYD_PRINT_WD_TRIM;
	case VNM_WD_REPORT_ALL_TAGGED:
		return LYD_PRINT_WD_ALL_TAG;
	case VNM_WD_EXPLICIT:
		break;
	}
	return LYD_PRINT_WD_EXPLICIT;
}

int vnm_wd_nc_mode(enum vnm_wd mode)
{
	switch (mode) {
	case VNM_WD_REPORT_ALL:
		return NC_WD_ALL;
	case VNM_WD_TRIM:
		return NC_WD_TRIM;
	case VNM_WD_REPORT_ALL_TAGGED:
		return NC_WD_ALL_TAG;
	case VNM_WD_EXPLICIT:
		break;
	}
	return NC_WD_EXPLICIT;
}

/* Remove default nodes (and, trimming, leaves equal to their default). */
static void strip_r(struct lyd_node **first, struct lyd_node *parent, bool trim)
{
	struct lyd_node *n, *next;

	for (n = parent ? lyd_child(parent) : *first; n; n = next) {
		next = n->next;
		if (!n->schema)
			continue;
		if ((n->flags & LYD_DEFAULT) ||
		    (trim && (n->schema->nodetype & LYD_NODE_TERM) && !lysc_is_key(n->schema) &&
		     lyd_is_default(n))) {
			if (!parent && *first == n)
				*first = next;
			lyd_free_tree(n);
			continue;
		}
		if (n->schema->nodetype & LYD_NODE_INNER)
			strip_r(first, n, trim);
	}
}

static int tag_r(struct lyd_node *first, struct vnm_err *err)
{
	for (struct lyd_node *n = first; n; n = n->next) {
		if (!n->schema)
			continue;
		if ((n->schema->nodetype & LYD_NODE_TERM) && lyd_is_default(n) &&
		    lyd_new_meta(LYD_CTX(n), n, NULL, "ietf-netconf-with-defaults:default", "true",
				 0, NULL))
			return vnm_err_set(err, VNM_E_INTERNAL, NULL,
					   "cannot tag default values (is ietf-netconf-with-defaults "
					   "in the YANG context?)");
		if ((n->schema->nodetype & LYD_NODE_INNER) && tag_r(lyd_child(n), err))
			return -1;
	}
	return 0;
}

int vnm_wd_apply(const struct ly_ctx *ctx, struct lyd_node **tree, enum vnm_wd mode,
		 int config_only, struct vnm_err *err)
{
	switch (mode) {
	case VNM_WD_EXPLICIT:
	case VNM_WD_TRIM:
		strip_r(tree, NULL, mode == VNM_WD_TRIM);
		return 0;
	case VNM_WD_REPORT_ALL:
	case VNM_WD_REPORT_ALL_TAGGED:
		if (lyd_new_implicit_all(tree, ctx, config_only ? LYD_IMPLICIT_NO_STATE : 0, NULL))
			return vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot add default values: %s",
					   ly_errmsg(ctx));
		return mode == VNM_WD_REPORT_ALL_TAGGED ? tag_r(*tree, err) : 0;
	}
	return vnm_err_set(err, VNM_E_INVALID, NULL, "unknown with-defaults mode %d", (int)mode);
}
