/* test_edit.c - edit-config semantics: what a NETCONF client sees of
 * merge/replace/create/delete/remove, error-options and their errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "edit.h"
#include "yctx.h"

#define NW "urn:ietf:params:xml:ns:yang:ietf-network"
#define NS_ALL "xmlns='" NW "' xmlns:nt='urn:ietf:params:xml:ns:yang:ietf-network-topology' " \
	"xmlns:vnm='urn:vnmd:yang:vnmd' xmlns:nc='urn:ietf:params:xml:ns:netconf:base:1.0'"
#define NETS(body) "<networks " NS_ALL ">" body "</networks>"
#define VN(id, body) "<network><network-id>" id "</network-id>" body "</network>"

static struct ly_ctx *ctx;
static char *fig5_xml; /* the children of figure5.xml's <config> */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

static int group_setup(void **state)
{
	struct vnm_err err;
	char *all, *open, *close;

	(void)state;
	ly_log_options(LY_LOSTORE);
	if (vnm_yctx_new(true, &ctx, &err))
		return -1;
	all = read_file("examples/figure5.xml");
	open = strstr(all, "<config");
	open = strchr(open, '>') + 1;
	close = strstr(all, "</config>");
	fig5_xml = strndup(open, (size_t)(close - open));
	free(all);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(fig5_xml);
	ly_ctx_destroy(ctx);
	return 0;
}

/* The datastore after applying xml (merge) to an empty one. */
static struct lyd_node *ds_from(const char *xml)
{
	struct lyd_node *ds = NULL, *edit = NULL, *diff = NULL;
	struct vnm_err err;

	if (vnm_edit_parse(ctx, xml, &edit, &err))
		fail_msg("parse: %s", err.msg);
	if (vnm_edit_apply(ctx, &ds, edit, VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err))
		fail_msg("apply: %s (%s)", err.msg, err.path);
	lyd_free_all(edit);
	lyd_free_all(diff);
	return ds;
}

static struct lyd_node *dup_all(const struct lyd_node *t)
{
	struct lyd_node *d = NULL;

	if (!t)
		return NULL;
	assert_int_equal(lyd_dup_siblings(t, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &d), 0);
	return d;
}

/* Same configuration (order of system-ordered entries aside). */
static void assert_same(const struct lyd_node *a, const struct lyd_node *b)
{
	struct lyd_node *d = NULL;
	char *s = NULL;

	assert_int_equal(lyd_diff_siblings(a, b, 0, &d), 0);
	if (d) {
		lyd_print_mem(&s, d, LYD_XML, LYD_PRINT_WITHSIBLINGS);
		fail_msg("trees differ:\n%s", s);
	}
}

/* The returned diff turns old into new: what the core relies on. */
static void assert_diff_ok(const struct lyd_node *old, const struct lyd_node *diff,
			   const struct lyd_node *new)
{
	struct lyd_node *t = dup_all(old);

	assert_int_equal(lyd_diff_apply_all(&t, diff), 0);
	assert_int_equal(lyd_validate_all(&t, ctx, LYD_VALIDATE_NO_STATE, NULL), 0);
	assert_same(t, new);
	lyd_free_all(t);
}

static int edit_run(struct lyd_node **ds, const char *xml, enum vnm_edit_op dop,
		    enum vnm_error_option eo, struct lyd_node **diff, struct vnm_err *err)
{
	struct lyd_node *edit = NULL;
	int rc;

	if (vnm_edit_parse(ctx, xml, &edit, err))
		return -2;
	rc = vnm_edit_apply(ctx, ds, edit, dop, eo, diff, err);
	lyd_free_all(edit);
	return rc;
}

static const char *leaf(const struct lyd_node *ds, const char *path)
{
	struct lyd_node *n = NULL;

	if (lyd_find_path(ds, path, 0, &n) || !n)
		return NULL;
	return lyd_get_value(n);
}

#define VL_A "/ietf-network:networks/network[network-id='vn-a']/ietf-network-topology:link[link-id='vl-a']"
#define VR1_A "/ietf-network:networks/network[network-id='vn-a']/node[node-id='vr1']"

/* ------------------------------------------------------------------ */

static void figure5_by_merge(void **state)
{
	struct lyd_node *ds = NULL, *diff = NULL, *expect = NULL;
	struct vnm_err err;

	(void)state;
	assert_int_equal(edit_run(&ds, fig5_xml, VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	assert_int_equal(vnm_config_parse_file(ctx, "examples/figure5.xml", &expect, &err), 0);
	assert_same(ds, expect);
	assert_non_null(diff);
	assert_diff_ok(NULL, diff, ds);
	/* defaults were filled in by validation */
	assert_string_equal(leaf(ds, VR1_A "/vnmd:router/vcpus"), "1");
	assert_string_equal(leaf(ds, VL_A "/vnmd:virtual-link/delay"), "0");
	/* merging the same again changes nothing */
	lyd_free_all(diff);
	assert_int_equal(edit_run(&ds, fig5_xml, VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	if (diff) {
		char *s = NULL;

		lyd_print_mem(&s, diff, LYD_XML, LYD_PRINT_WITHSIBLINGS);
		fail_msg("unexpected diff:\n%s", s);
	}
	assert_same(ds, expect);
	lyd_free_all(expect);
	lyd_free_all(ds);
}

static void create_existing_is_data_exists(void **state)
{
	struct lyd_node *ds = ds_from(fig5_xml), *before = dup_all(ds), *diff = NULL;
	struct vnm_err err;

	(void)state;
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<nt:link nc:operation='create'><nt:link-id>vl-a</nt:link-id></nt:link>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), -1);
	assert_int_equal(err.code, VNM_E_EXISTS);
	assert_string_equal(vnm_err_tag(err.code), "data-exists");
	assert_string_equal(err.path, VL_A);
	assert_non_null(strstr(err.msg, "link 'vl-a' of network 'vn-a'"));
	assert_null(diff);
	assert_same(ds, before);
	lyd_free_all(before);
	lyd_free_all(ds);
}

static void delete_missing_is_data_missing_remove_is_not(void **state)
{
	struct lyd_node *ds = ds_from(fig5_xml), *before = dup_all(ds), *diff = NULL;
	struct vnm_err err;

	(void)state;
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<nt:link nc:operation='delete'><nt:link-id>vl-x</nt:link-id></nt:link>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), -1);
	assert_int_equal(err.code, VNM_E_MISSING);
	assert_non_null(strstr(err.path, "link[link-id='vl-x']"));
	assert_non_null(strstr(err.msg, "link 'vl-x' of network 'vn-a'"));
	assert_same(ds, before);

	/* remove of what is absent is fine and changes nothing */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<nt:link nc:operation='remove'><nt:link-id>vl-x</nt:link-id></nt:link>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	assert_null(diff);
	assert_same(ds, before);

	/* delete of what exists removes it, and says so in the diff */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<nt:link nc:operation='delete'><nt:link-id>vl-a</nt:link-id></nt:link>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	assert_null(leaf(ds, VL_A "/link-id"));
	assert_non_null(diff);
	assert_diff_ok(before, diff, ds);
	lyd_free_all(diff);

	/* a leaf can be deleted with an empty element */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<node><node-id>vr1</node-id><vnm:router><vnm:memory nc:operation='delete'/></vnm:router></node>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	/* and the default comes back */
	assert_string_equal(leaf(ds, VR1_A "/vnmd:router/memory"), "128");
	assert_non_null(diff);
	lyd_free_all(diff);
	/* deleting it again: it holds only its default, so it is missing */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<node><node-id>vr1</node-id><vnm:router><vnm:memory nc:operation='delete'/></vnm:router></node>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), -1);
	assert_int_equal(err.code, VNM_E_MISSING);
	assert_non_null(strstr(err.msg, "memory"));
	lyd_free_all(before);
	lyd_free_all(ds);
}

static void replace_subtree(void **state)
{
	struct lyd_node *ds = ds_from(fig5_xml), *before = dup_all(ds), *diff = NULL;
	struct vnm_err err;

	(void)state;
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<node><node-id>vr1</node-id><vnm:router nc:operation='replace'>"
					       "<vnm:vcpus>2</vnm:vcpus><vnm:image><vnm:disk>/img/r.qcow2</vnm:disk></vnm:image></vnm:router></node>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	assert_string_equal(leaf(ds, VR1_A "/vnmd:router/vcpus"), "2");
	assert_string_equal(leaf(ds, VR1_A "/vnmd:router/image/disk"), "/img/r.qcow2");
	assert_null(leaf(ds, VR1_A "/vnmd:router/image/kernel"));
	assert_null(leaf(ds, VR1_A "/vnmd:router/image/cmdline"));
	/* memory was explicit (128): replaced away, back to its default */
	assert_string_equal(leaf(ds, VR1_A "/vnmd:router/memory"), "128");
	/* the other router is untouched */
	assert_non_null(leaf(ds, "/ietf-network:networks/network[network-id='vn-a']/node[node-id='vr2']/vnmd:router/image/kernel"));
	assert_diff_ok(before, diff, ds);
	lyd_free_all(diff);
	lyd_free_all(before);
	lyd_free_all(ds);
}

static void default_operation_none_with_merge_inside(void **state)
{
	struct lyd_node *ds = ds_from(fig5_xml), *before = dup_all(ds), *diff = NULL;
	struct vnm_err err;

	(void)state;
	/* none: the cmdline given without operation is not touched; the
	 * virtual-link with merge is */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<node><node-id>vr1</node-id><vnm:router><vnm:image><vnm:cmdline>x</vnm:cmdline></vnm:image></vnm:router></node>"
					       "<nt:link><nt:link-id>vl-a</nt:link-id><vnm:virtual-link nc:operation='merge'><vnm:rate-limit>2000000</vnm:rate-limit></vnm:virtual-link></nt:link>")),
				  VNM_OP_NONE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	assert_string_equal(leaf(ds, VL_A "/vnmd:virtual-link/rate-limit"), "2000000");
	assert_string_equal(leaf(ds, VR1_A "/vnmd:router/image/cmdline"),
			    "console=ttyS0 vnm.addr=eth0:10.1.0.1/24,eth1:10.1.1.1/24");
	assert_diff_ok(before, diff, ds);
	lyd_free_all(diff);
	lyd_free_all(before);
	before = dup_all(ds);

	/* none on a network that does not exist, with a merge below: data-missing */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-z", "<nt:link nc:operation='merge'><nt:link-id>l</nt:link-id></nt:link>")),
				  VNM_OP_NONE, VNM_ERROPT_ROLLBACK, &diff, &err), -1);
	assert_int_equal(err.code, VNM_E_MISSING);
	assert_non_null(strstr(err.msg, "network 'vn-z'"));
	assert_same(ds, before);

	/* a leaf changed by merge: replace in the diff with the old value */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<nt:link><nt:link-id>vl-a</nt:link-id><vnm:virtual-link><vnm:rate-limit>3000000</vnm:rate-limit></vnm:virtual-link></nt:link>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	{
		struct lyd_node *d = NULL;

		assert_int_equal(lyd_find_path(diff, VL_A "/vnmd:virtual-link/rate-limit", 0, &d), 0);
		assert_string_equal(lyd_get_value(d), "3000000");
		assert_string_equal(lyd_get_meta_value(lyd_find_meta(d->meta, NULL, "yang:orig-value")), "2000000");
	}
	assert_diff_ok(before, diff, ds);
	lyd_free_all(diff);
	lyd_free_all(before);
	lyd_free_all(ds);
}

static void schema_violations_are_invalid_value(void **state)
{
	struct lyd_node *ds = ds_from(fig5_xml), *before = dup_all(ds), *diff = NULL;
	struct vnm_err err;

	(void)state;
	/* a router without its host: the model's must fails */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<node><node-id>vr3</node-id>"
					       "<vnm:router><vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image></vnm:router></node>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_string_equal(vnm_err_tag(err.code), "invalid-value");
	assert_non_null(strstr(err.path, "node[node-id='vr3']"));
	assert_non_null(strstr(err.msg, "node 'vr3' of network 'vn-a'"));
	assert_non_null(strstr(err.msg, "exactly one supporting-node"));
	assert_null(diff);
	assert_same(ds, before);

	/* a wrong type is caught while parsing, naming the leaf */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<nt:link><nt:link-id>vl-a</nt:link-id><vnm:virtual-link><vnm:rate-limit>fast</vnm:rate-limit></vnm:virtual-link></nt:link>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), -2);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, "'fast'"));
	assert_non_null(strstr(err.msg, "rate-limit"));
	assert_non_null(strstr(err.msg, "link 'vl-a' of network 'vn-a'"));
	assert_non_null(strstr(err.path, "rate-limit"));
	lyd_free_all(before);
	lyd_free_all(ds);
}

static void bad_elements_are_named(void **state)
{
	struct lyd_node *edit = NULL;
	struct vnm_err err;

	(void)state;
	assert_int_equal(vnm_edit_parse(ctx, NETS(VN("vn-a", "<frobnicator>1</frobnicator>")), &edit, &err), -1);
	assert_int_equal(err.code, VNM_E_UNKNOWN_ELEMENT);
	assert_string_equal(vnm_err_tag(err.code), "unknown-element");
	assert_non_null(strstr(err.msg, "'frobnicator'"));
	assert_non_null(strstr(err.path, "frobnicator"));

	/* right name, wrong namespace */
	assert_int_equal(vnm_edit_parse(ctx, "<networks xmlns='urn:example:wrong'/>", &edit, &err), -1);
	assert_int_equal(err.code, VNM_E_UNKNOWN_ELEMENT);
	assert_non_null(strstr(err.msg, "'networks'"));
	assert_non_null(strstr(err.msg, "urn:example:wrong"));

	/* the same entry twice */
	assert_int_equal(vnm_edit_parse(ctx, NETS(VN("vn-a", "") VN("vn-a", "")), &edit, &err), -1);
	assert_int_equal(err.code, VNM_E_BAD_ELEMENT);
	assert_non_null(strstr(err.msg, "network 'vn-a' appears twice"));

	/* a list entry without its key */
	assert_int_equal(vnm_edit_parse(ctx, NETS("<network><node/></network>"), &edit, &err), -1);
	assert_int_equal(err.code, VNM_E_MISSING_ELEMENT);
	assert_non_null(strstr(err.msg, "network-id"));

	/* state data */
	assert_int_equal(vnm_edit_parse(ctx, NETS(VN("vn-a", "<node><node-id>vr1</node-id><vnm:router><vnm:oper-state>running</vnm:oper-state></vnm:router></node>")), &edit, &err), -1);
	assert_true(err.code == VNM_E_BAD_ELEMENT || err.code == VNM_E_INVALID);

	/* XML that does not parse */
	assert_int_equal(vnm_edit_parse(ctx, "<networks xmlns='" NW "'><network>", &edit, &err), -1);
	assert_int_equal(err.code, VNM_E_MALFORMED);
	assert_string_equal(vnm_err_tag(err.code), "malformed-message");
	/* where libyang saw it: a data path or nothing (a line number goes
	 * into the message) */
	assert_true(err.path[0] == '\0' || err.path[0] == '/');
	assert_int_equal(vnm_edit_parse(ctx, "not xml at all", &edit, &err), -1);
	assert_int_equal(err.code, VNM_E_MALFORMED);
	assert_string_equal(err.path, "");
	assert_non_null(strstr(err.msg, "Line number"));

	/* an unknown operation */
	assert_int_equal(vnm_edit_parse(ctx, NETS("<network nc:operation='frob'><network-id>x</network-id></network>"), &edit, &err), -1);
	assert_null(edit);
	assert_true(err.code == VNM_E_INVALID || err.code == VNM_E_BAD_ELEMENT);
	assert_non_null(strstr(err.msg, "frob"));
}

static void error_options(void **state)
{
	struct lyd_node *ds = ds_from(fig5_xml), *before = dup_all(ds), *diff = NULL, *edit = NULL;
	struct vnm_err err, *errs = NULL;
	size_t n = 0;
	/* a good change first, then a create of something that exists */
	const char *xml = NETS(VN("vn-a", "<nt:link><nt:link-id>vl-a</nt:link-id><vnm:virtual-link><vnm:delay>5</vnm:delay></vnm:virtual-link></nt:link>"
				       "<node nc:operation='create'><node-id>vr1</node-id></node>"
				       "<node nc:operation='delete'><node-id>vr9</node-id></node>"));

	(void)state;
	assert_int_equal(edit_run(&ds, xml, VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), -1);
	assert_int_equal(err.code, VNM_E_EXISTS);
	assert_same(ds, before);
	assert_int_equal(edit_run(&ds, xml, VNM_OP_MERGE, VNM_ERROPT_STOP, &diff, &err), -1);
	assert_int_equal(err.code, VNM_E_EXISTS);
	assert_same(ds, before);

	/* continue-on-error: the good part is applied, both errors reported */
	assert_int_equal(vnm_edit_parse(ctx, xml, &edit, &err), 0);
	assert_int_equal(vnm_edit_apply_ex(ctx, &ds, edit, VNM_OP_MERGE, VNM_ERROPT_CONTINUE, &diff,
					   &errs, &n, &err), -1);
	assert_int_equal(n, 2);
	assert_int_equal(errs[0].code, VNM_E_EXISTS);
	assert_int_equal(errs[1].code, VNM_E_MISSING);
	assert_int_equal(err.code, VNM_E_EXISTS);
	assert_string_equal(leaf(ds, VL_A "/vnmd:virtual-link/delay"), "5");
	assert_non_null(diff);
	assert_diff_ok(before, diff, ds);
	free(errs);
	lyd_free_all(diff);
	lyd_free_all(edit);
	lyd_free_all(before);
	lyd_free_all(ds);
}

static void rollback_restores_when_removed_nodes(void **state)
{
	struct lyd_node *ds = ds_from(fig5_xml), *before = dup_all(ds), *diff = NULL;
	struct vnm_err err;

	(void)state;
	/* vn-a stops being a virtual network (its routers' data would go,
	 * their `when` being false), but vn-b's link breaks: nothing happens */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<network-types><vnm:virtual-network nc:operation='delete'/></network-types>")
					    VN("vn-b", "<node><node-id>vr1</node-id><supporting-node><network-ref>underlay</network-ref><node-ref>rm2</node-ref></supporting-node></node>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, "node 'vr1' of network 'vn-b'"));
	assert_same(ds, before);
	assert_non_null(leaf(ds, VR1_A "/vnmd:router/image/kernel"));

	/* the same with a change inside a router that validation removes */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<network-types><vnm:virtual-network nc:operation='delete'/></network-types>"
						"<node><node-id>vr1</node-id><vnm:router><vnm:memory>256</vnm:memory><vnm:vcpus nc:operation='delete'/></vnm:router></node>")
					    VN("vn-b", "<node><node-id>vr1</node-id><supporting-node><network-ref>underlay</network-ref><node-ref>rm2</node-ref></supporting-node></node>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), -1);
	assert_same(ds, before);
	assert_string_equal(leaf(ds, VR1_A "/vnmd:router/memory"), "128");
	assert_string_equal(leaf(ds, VR1_A "/vnmd:router/vcpus"), "1");

	/* alone, the marker's removal is valid: the router data goes, and the
	 * diff says so */
	if (edit_run(&ds, NETS(VN("vn-a", "<network-types><vnm:virtual-network nc:operation='delete'/></network-types>")),
		     VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err))
		fail_msg("%s (%s)", err.msg, err.path);
	assert_null(leaf(ds, VR1_A "/vnmd:router/image/kernel"));
	assert_diff_ok(before, diff, ds);
	lyd_free_all(diff);
	lyd_free_all(before);
	lyd_free_all(ds);
}

static void default_operation_replace_and_revert(void **state)
{
	struct lyd_node *ds = ds_from(fig5_xml), *before = dup_all(ds), *diff = NULL;
	struct vnm_err err;

	(void)state;
	assert_int_equal(edit_run(&ds, NETS(VN("underlay", "<network-types><vnm:physical-network/></network-types>"
					       "<node><node-id>rm1</node-id></node>")),
				  VNM_OP_REPLACE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	assert_null(leaf(ds, VR1_A "/node-id"));
	assert_null(leaf(ds, "/ietf-network:networks/network[network-id='underlay']/node[node-id='rm2']/node-id"));
	assert_non_null(leaf(ds, "/ietf-network:networks/network[network-id='underlay']/node[node-id='rm1']/node-id"));
	assert_diff_ok(before, diff, ds);

	/* the diff takes us back */
	assert_int_equal(vnm_edit_revert(ctx, &ds, diff, &err), 0);
	assert_same(ds, before);
	lyd_free_all(diff);
	lyd_free_all(before);
	lyd_free_all(ds);
}

static void default_leaf_counts_as_absent(void **state)
{
	struct lyd_node *ds = ds_from(fig5_xml), *before = dup_all(ds), *diff = NULL;
	struct vnm_err err;

	(void)state;
	/* admin-state of vn-a holds only its default: create succeeds */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<vnm:virtual-network><vnm:admin-state nc:operation='create'>paused</vnm:admin-state></vnm:virtual-network>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	assert_string_equal(leaf(ds, "/ietf-network:networks/network[network-id='vn-a']/vnmd:virtual-network/admin-state"), "paused");
	assert_diff_ok(before, diff, ds);
	lyd_free_all(diff);
	/* and now it exists */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<vnm:virtual-network><vnm:admin-state nc:operation='create'>stopped</vnm:admin-state></vnm:virtual-network>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), -1);
	assert_int_equal(err.code, VNM_E_EXISTS);
	lyd_free_all(before);
	lyd_free_all(ds);
}

static void create_then_delete_everything(void **state)
{
	struct lyd_node *ds = ds_from(fig5_xml), *before = dup_all(ds), *diff = NULL;
	struct vnm_err err;

	(void)state;
	assert_int_equal(edit_run(&ds, "<networks xmlns='" NW "' xmlns:nc='urn:ietf:params:xml:ns:netconf:base:1.0' nc:operation='delete'/>",
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	assert_null(leaf(ds, "/ietf-network:networks/network[network-id='underlay']/network-id"));
	assert_diff_ok(before, diff, ds);
	lyd_free_all(diff);
	lyd_free_all(before);
	lyd_free_all(ds);
}

static void value_changes_are_checked_when_constraints_read_them(void **state)
{
	struct lyd_node *ds = ds_from(fig5_xml), *before = dup_all(ds), *diff = NULL;
	struct vnm_err err;
	char *s1 = NULL, *s2 = NULL;

	(void)state;
	/* source-tp of a physical link is read by its must: changing it to
	 * an interface the host does not have is refused */
	assert_int_equal(edit_run(&ds, NETS(VN("underlay", "<nt:link><nt:link-id>pl1</nt:link-id><nt:source><nt:source-tp>eth5</nt:source-tp></nt:source></nt:link>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, "link 'pl1' of network 'underlay'"));
	assert_same(ds, before);
	/* to one it has, it is fine */
	assert_int_equal(edit_run(&ds, NETS(VN("underlay", "<node><node-id>rm1</node-id><nt:termination-point><nt:tp-id>eth5</nt:tp-id></nt:termination-point></node>"
						"<nt:link><nt:link-id>pl1</nt:link-id><nt:source><nt:source-tp>eth5</nt:source-tp></nt:source></nt:link>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	assert_diff_ok(before, diff, ds);
	lyd_free_all(diff);

	/* two networks touched, the second one broken: nothing applied, the
	 * error names the broken one, and the networks keep their order */
	lyd_print_mem(&s1, ds, LYD_XML, LYD_PRINT_WITHSIBLINGS);
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<node><node-id>vr1</node-id><nt:termination-point><nt:tp-id>eth2</nt:tp-id></nt:termination-point></node>")
					    VN("vn-b", "<node><node-id>vr2</node-id><vnm:router><vnm:image><vnm:kernel nc:operation='delete'/></vnm:image></vnm:router></node>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	if (!strstr(err.path, "vn-b"))
		fail_msg("%s (%s)", err.msg, err.path);
	lyd_print_mem(&s2, ds, LYD_XML, LYD_PRINT_WITHSIBLINGS);
	assert_string_equal(s1, s2);
	free(s2);
	s2 = NULL;
	/* the first part alone is fine; the order of the networks stays */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<node><node-id>vr1</node-id><nt:termination-point><nt:tp-id>eth2</nt:tp-id></nt:termination-point></node>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	lyd_print_mem(&s2, ds, LYD_XML, LYD_PRINT_WITHSIBLINGS);
	assert_true(strstr(s2, "<network-id>underlay") < strstr(s2, "<network-id>vn-a"));
	assert_true(strstr(s2, "<network-id>vn-a") < strstr(s2, "<network-id>vn-b"));
	free(s1);
	free(s2);
	lyd_free_all(diff);
	lyd_free_all(before);
	lyd_free_all(ds);
}

static void nested_operations(void **state)
{
	struct lyd_node *ds = ds_from(fig5_xml), *before = dup_all(ds), *diff = NULL;
	struct vnm_err err;

	(void)state;
	/* inside a new link, remove of an absent child is nothing, delete is
	 * data-missing: nothing below a new node exists yet */
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<nt:link nc:operation='create'><nt:link-id>vl-n</nt:link-id>"
					       "<nt:source><nt:source-node>vr1</nt:source-node><nt:source-tp>eth1</nt:source-tp></nt:source>"
					       "<nt:destination><nt:dest-node>vr2</nt:dest-node><nt:dest-tp>eth1</nt:dest-tp></nt:destination>"
					       "<vnm:virtual-link><vnm:burst nc:operation='remove'/><vnm:delay>7</vnm:delay></vnm:virtual-link></nt:link>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	assert_string_equal(leaf(ds, "/ietf-network:networks/network[network-id='vn-a']/ietf-network-topology:link[link-id='vl-n']/vnmd:virtual-link/delay"), "7");
	assert_null(leaf(ds, "/ietf-network:networks/network[network-id='vn-a']/ietf-network-topology:link[link-id='vl-n']/vnmd:virtual-link/burst"));
	assert_diff_ok(before, diff, ds);
	lyd_free_all(diff);
	assert_int_equal(edit_run(&ds, NETS(VN("vn-a", "<nt:link nc:operation='create'><nt:link-id>vl-m</nt:link-id>"
					       "<vnm:virtual-link><vnm:burst nc:operation='delete'/></vnm:virtual-link></nt:link>")),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), -1);
	assert_int_equal(err.code, VNM_E_MISSING);
	assert_non_null(strstr(err.msg, "burst"));
	assert_null(leaf(ds, "/ietf-network:networks/network[network-id='vn-a']/ietf-network-topology:link[link-id='vl-m']/link-id"));

	/* replace of a whole list entry: vn-b keeps only what the edit says */
	lyd_free_all(before);
	before = dup_all(ds);
	assert_int_equal(edit_run(&ds, NETS("<network nc:operation='replace'><network-id>vn-b</network-id>"
					    "<network-types><vnm:virtual-network/></network-types>"
					    "<supporting-network><network-ref>underlay</network-ref></supporting-network>"
					    "<node><node-id>vr1</node-id><supporting-node><network-ref>underlay</network-ref><node-ref>rm1</node-ref></supporting-node>"
					    "<vnm:router><vnm:image><vnm:kernel>/k2</vnm:kernel></vnm:image></vnm:router></node></network>"),
				  VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err), 0);
	assert_null(leaf(ds, "/ietf-network:networks/network[network-id='vn-b']/node[node-id='vr2']/node-id"));
	assert_null(leaf(ds, "/ietf-network:networks/network[network-id='vn-b']/ietf-network-topology:link[link-id='vl-b']/link-id"));
	assert_string_equal(leaf(ds, "/ietf-network:networks/network[network-id='vn-b']/node[node-id='vr1']/vnmd:router/image/kernel"), "/k2");
	assert_null(leaf(ds, "/ietf-network:networks/network[network-id='vn-b']/node[node-id='vr1']/vnmd:router/image/initrd"));
	assert_diff_ok(before, diff, ds);
	/* and the diff reverts it */
	assert_int_equal(vnm_edit_revert(ctx, &ds, diff, &err), 0);
	assert_same(ds, before);
	lyd_free_all(diff);
	lyd_free_all(before);
	lyd_free_all(ds);
}

/*
 * Random edits from fragments that succeed or fail in various ways: after
 * each, either the datastore is exactly as before (an error), or the diff
 * turns the old datastore into the new one, and the new one is valid.
 * The sequence is fixed (seeded), so a failure repeats.
 */
static const char *const fragments[] = {
	VN("vn-a", "<nt:link><nt:link-id>vl-a</nt:link-id><vnm:virtual-link><vnm:rate-limit>%u</vnm:rate-limit></vnm:virtual-link></nt:link>"),
	VN("vn-a", "<nt:link nc:operation='%s'><nt:link-id>vl-x</nt:link-id><nt:source><nt:source-node>vr1</nt:source-node><nt:source-tp>eth1</nt:source-tp></nt:source>"
		   "<nt:destination><nt:dest-node>vr2</nt:dest-node><nt:dest-tp>eth1</nt:dest-tp></nt:destination><vnm:virtual-link><vnm:delay>%u</vnm:delay></vnm:virtual-link></nt:link>"),
	VN("vn-a", "<node><node-id>vr1</node-id><vnm:router nc:operation='%s'><vnm:vcpus>%u</vnm:vcpus><vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image></vnm:router></node>"),
	VN("vn-b", "<network-types><vnm:virtual-network nc:operation='%s'/></network-types>"),
	VN("vn-b", "<node><node-id>vr1</node-id><supporting-node nc:operation='%s'><network-ref>underlay</network-ref><node-ref>rm2</node-ref></supporting-node></node>"),
	VN("vn-b", "<node><node-id>vr2</node-id><vnm:router><vnm:image><vnm:kernel nc:operation='%s'>/k%u</vnm:kernel></vnm:image></vnm:router></node>"),
	"<network nc:operation='%s'><network-id>vn-c</network-id><network-types><vnm:virtual-network/></network-types></network>",
	VN("vn-a", "<vnm:virtual-network><vnm:admin-state nc:operation='%s'>paused</vnm:admin-state></vnm:virtual-network>"),
	VN("underlay", "<node nc:operation='%s'><node-id>rm%u</node-id></node>"),
	/* the marker goes (routers' data with it) while a router changes */
	VN("vn-a", "<network-types><vnm:virtual-network nc:operation='%s'/></network-types>"
		   "<node><node-id>vr1</node-id><vnm:router><vnm:memory>%u</vnm:memory><vnm:image><vnm:cmdline>x</vnm:cmdline></vnm:image></vnm:router></node>"),
	VN("vn-a", "<node nc:operation='%s'><node-id>vr%u</node-id><supporting-node><network-ref>underlay</network-ref><node-ref>rm1</node-ref></supporting-node>"
		   "<vnm:router><vnm:image><vnm:disk>/d</vnm:disk></vnm:image></vnm:router></node>"),
};

static void random_edits_keep_invariants(void **state)
{
	static const char *const ops[] = {"merge", "replace", "create", "delete", "remove"};
	struct lyd_node *ds = ds_from(fig5_xml), *before, *diff, *edit, *check;
	unsigned seed = 4242, n_ok = 0, n_err = 0;
	char frag[3][1024], xml[4096];
	struct vnm_err err, *errs;
	size_t n_errs;

	(void)state;
	for (int it = 0; it < 300; it++) {
		unsigned nf = 1 + rand_r(&seed) % 3;
		enum vnm_edit_op dop = (enum vnm_edit_op)(rand_r(&seed) % 3);
		enum vnm_error_option eo = (enum vnm_error_option)(rand_r(&seed) % 3);
		int rc;

		for (unsigned f = 0; f < nf; f++) {
			const char *fmt = fragments[rand_r(&seed) % (sizeof(fragments) / sizeof(fragments[0]))];
			const char *op = ops[rand_r(&seed) % 5];
			unsigned v = 1 + rand_r(&seed) % 3;

			if (strstr(fmt, "'%s'"))
				snprintf(frag[f], sizeof(frag[f]), fmt, op, v * 1000);
			else
				snprintf(frag[f], sizeof(frag[f]), fmt, v * 1000);
		}
		snprintf(xml, sizeof(xml), "<networks " NS_ALL ">%s%s%s</networks>", frag[0],
			 nf > 1 ? frag[1] : "", nf > 2 ? frag[2] : "");
		if (dop == VNM_OP_REPLACE)
			dop = VNM_OP_MERGE; /* replace would wipe the datastore most of the time */
		before = dup_all(ds);
		diff = edit = NULL;
		errs = NULL;
		if (vnm_edit_parse(ctx, xml, &edit, &err)) {
			lyd_free_all(before);
			continue; /* e.g. vcpus 3000 out of range */
		}
		rc = vnm_edit_apply_ex(ctx, &ds, edit, dop, eo, &diff, &errs, &n_errs, &err);
		if (getenv("TEST_EDIT_TRACE"))
			fprintf(stderr, "it %d dop %d eo %d rc %d: %s\n  -> %s\n", it, dop, eo, rc, xml, rc ? err.msg : "");
		if (rc && !diff) {
			assert_same(ds, before);
			n_err++;
		} else {
			assert_true(rc == 0 || eo == VNM_ERROPT_CONTINUE);
			assert_diff_ok(before, diff, ds);
			n_ok++;
		}
		/* the datastore is valid and its defaults are in place */
		check = dup_all(ds);
		assert_int_equal(lyd_validate_all(&check, ctx, LYD_VALIDATE_NO_STATE, NULL), 0);
		assert_same(check, ds);
		lyd_free_all(check);
		free(errs);
		lyd_free_all(diff);
		lyd_free_all(edit);
		lyd_free_all(before);
	}
	/* the fragments do both */
	assert_true(n_ok > 30);
	assert_true(n_err > 30);
	lyd_free_all(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(figure5_by_merge),
		cmocka_unit_test(create_existing_is_data_exists),
		cmocka_unit_test(delete_missing_is_data_missing_remove_is_not),
		cmocka_unit_test(replace_subtree),
		cmocka_unit_test(default_operation_none_with_merge_inside),
		cmocka_unit_test(schema_violations_are_invalid_value),
		cmocka_unit_test(bad_elements_are_named),
		cmocka_unit_test(error_options),
		cmocka_unit_test(rollback_restores_when_removed_nodes),
		cmocka_unit_test(default_operation_replace_and_revert),
		cmocka_unit_test(default_leaf_counts_as_absent),
		cmocka_unit_test(create_then_delete_everything),
		cmocka_unit_test(value_changes_are_checked_when_constraints_read_them),
		cmocka_unit_test(nested_operations),
		cmocka_unit_test(random_edits_keep_invariants),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
