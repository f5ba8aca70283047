/* test_edit.c - edit-config semantics: what a NETCONF client sees of
 * merge/replace/create/delete/remove, error-options and their errors.
 *
 * Most cases are rows of one table (cases[] below): the running datastore
 * before, the edit, default-operation and error-option, and what the client
 * must see: success with a diff that turns the old datastore into the new
 * one (and leaves with given values), or the error-tag, error-path and
 * words of the message with the datastore exactly as before.  Each row is a
 * cmocka test of its own.  A random sequence of edits checks the same
 * invariants at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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
/* in a row: the configuration of examples/figure5.xml */
#define FIG5 "@figure5"

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

static const char *xml_of(const char *s)
{
	return s && !strcmp(s, FIG5) ? fig5_xml : s;
}

/* Apply xml (merge) to *ds, which must succeed. */
static void merge_into(struct lyd_node **ds, const char *xml)
{
	struct lyd_node *edit = NULL, *diff = NULL;
	struct vnm_err err;

	if (vnm_edit_parse(ctx, xml, &edit, &err))
		fail_msg("parse: %s", err.msg);
	if (vnm_edit_apply(ctx, ds, edit, VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err))
		fail_msg("apply: %s (%s)", err.msg, err.path);
	lyd_free_all(edit);
	lyd_free_all(diff);
}

static struct lyd_node *ds_from(const char *xml)
{
	struct lyd_node *ds = NULL;

	merge_into(&ds, xml);
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

static void fail_with_tree(const char *what, const struct lyd_node *t)
{
	char *s = NULL;

	lyd_print_mem(&s, t, LYD_XML, LYD_PRINT_WITHSIBLINGS);
	fail_msg("%s:\n%s", what, s);
}

/* Same configuration (order of system-ordered entries aside). */
static void assert_same(const struct lyd_node *a, const struct lyd_node *b)
{
	struct lyd_node *d = NULL;

	assert_int_equal(lyd_diff_siblings(a, b, 0, &d), 0);
	if (d)
		fail_with_tree("trees differ", d);
}

/* The returned diff turns old into new: what the core relies on. */
static void assert_diff_ok(const struct lyd_node *old, const struct lyd_node *diff,
			   const struct lyd_node *new)
{
	struct lyd_node *t = dup_all(old), *top, *n;

	/* old is a datastore that was valid: none of its nodes is new (a
	 * default instance flagged new is not replaced by the diff's explicit
	 * one when validation sees both) */
	LY_LIST_FOR(t, top) {
		LYD_TREE_DFS_BEGIN(top, n) {
			n->flags &= ~LYD_NEW;
			LYD_TREE_DFS_END(top, n);
		}
	}
	assert_int_equal(lyd_diff_apply_all(&t, diff), 0);
	if (lyd_validate_all(&t, ctx, LYD_VALIDATE_NO_STATE, NULL))
		fail_with_tree(ly_errmsg(ctx), diff);
	assert_same(t, new);
	lyd_free_all(t);
}

static const char *leaf(const struct lyd_node *ds, const char *path)
{
	struct lyd_node *n = NULL;

	if (lyd_find_path(ds, path, 0, &n) || !n)
		return NULL;
	return lyd_get_value(n);
}

#define NET_A "/ietf-network:networks/network[network-id='vn-a']"
#define NET_B "/ietf-network:networks/network[network-id='vn-b']"
#define UNDERLAY "/ietf-network:networks/network[network-id='underlay']"
#define VL_A NET_A "/ietf-network-topology:link[link-id='vl-a']"
#define VR1_A NET_A "/node[node-id='vr1']"
#define KERNEL "/var/lib/vnmd/images/vmlinuz"

/* ------------------------------------------------------------------ */
/* The table                                                          */
/* ------------------------------------------------------------------ */

enum outcome {
	OK = 0,           /* applied; a diff unless no_diff */
	APPLY_FAILS = -1, /* vnm_edit_apply_ex() refuses */
	PARSE_FAILS = -2, /* vnm_edit_parse() refuses */
};

#define ABSENT NULL
#define MAX_LEAVES 5

struct edit_case {
	const char *name;
	const char *before[2]; /* merged in turn into an empty datastore (FIG5: figure 5) */
	const char *edit;      /* the <config> content (FIG5: figure 5) */
	enum vnm_edit_op dop;  /* default-operation (merge when not given) */
	enum vnm_error_option eo;
	enum outcome rc;
	/* an error: its tag, error-path (exact, or a part of it) and words of
	 * the message; without partial, nothing is applied and there is one
	 * error */
	const char *tag;
	const char *path;
	const char *path_has;
	const char *msg[3];
	/* continue-on-error: the good part is applied; the tags of all errors */
	bool partial;
	const char *errs[3];
	bool uncounted; /* an error with no error counted */
	/* after the edit (also after an error): leaf values (ABSENT: no such leaf) */
	struct {
		const char *path, *value;
	} leaves[MAX_LEAVES];
	bool no_diff;   /* success without a diff: nothing changed */
	struct {        /* a changed leaf in the diff, with its old value */
		const char *path, *value, *orig;
	} diff_leaf;
	bool revert;    /* vnm_edit_revert() with the diff gives back the old datastore */
	/* checks no column can say */
	void (*extra)(const struct lyd_node *before, const struct lyd_node *ds,
		      const struct vnm_err *err);
};

/* figure 5 merged into nothing is figure 5 as the configuration parser reads it */
static void is_figure5(const struct lyd_node *before, const struct lyd_node *ds,
		       const struct vnm_err *err)
{
	struct lyd_node *expect = NULL;
	struct vnm_err e;

	assert_int_equal(vnm_config_parse_file(ctx, "examples/figure5.xml", &expect, &e), 0);
	assert_same(ds, expect);
	lyd_free_all(expect);
}

/* libyang says where the XML broke as a data path or not at all (a line
 * number goes into the message) */
static void path_is_data_path_or_none(const struct lyd_node *before, const struct lyd_node *ds,
				      const struct vnm_err *err)
{
	assert_true(err->path[0] == '\0' || err->path[0] == '/');
}

/* nothing applied, down to the order of the networks */
static void printed_as_before(const struct lyd_node *before, const struct lyd_node *ds,
			      const struct vnm_err *err)
{
	char *s1 = NULL, *s2 = NULL;

	lyd_print_mem(&s1, before, LYD_XML, LYD_PRINT_WITHSIBLINGS);
	lyd_print_mem(&s2, ds, LYD_XML, LYD_PRINT_WITHSIBLINGS);
	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
}

static void networks_keep_their_order(const struct lyd_node *before, const struct lyd_node *ds,
				      const struct vnm_err *err)
{
	char *s = NULL;

	lyd_print_mem(&s, ds, LYD_XML, LYD_PRINT_WITHSIBLINGS);
	assert_true(strstr(s, "<network-id>underlay") < strstr(s, "<network-id>vn-a"));
	assert_true(strstr(s, "<network-id>vn-a") < strstr(s, "<network-id>vn-b"));
	free(s);
}

/* edits that rows share */
#define DELETE_MEMORY_VR1 NETS(VN("vn-a", "<node><node-id>vr1</node-id><vnm:router><vnm:memory nc:operation='delete'/></vnm:router></node>"))
#define RATE_2M NETS(VN("vn-a", "<nt:link><nt:link-id>vl-a</nt:link-id><vnm:virtual-link><vnm:rate-limit>2000000</vnm:rate-limit></vnm:virtual-link></nt:link>"))
/* a good change first, then a create of something that exists, then a
 * delete of something absent */
#define GOOD_EXISTS_MISSING NETS(VN("vn-a", "<nt:link><nt:link-id>vl-a</nt:link-id><vnm:virtual-link><vnm:delay>5</vnm:delay></vnm:virtual-link></nt:link>" \
					"<node nc:operation='create'><node-id>vr1</node-id></node>" \
					"<node nc:operation='delete'><node-id>vr9</node-id></node>"))
/* vn-a stops being a virtual network (its routers' data would go, their
 * `when` being false) */
#define VN_A_UNMARKED "<network-types><vnm:virtual-network nc:operation='delete'/></network-types>"
/* vn-b's router on rm2, which breaks its link */
#define VN_B_BROKEN VN("vn-b", "<node><node-id>vr1</node-id><supporting-node><network-ref>underlay</network-ref><node-ref>rm2</node-ref></supporting-node></node>")
#define ROUTER_NO_HOST NETS(VN("vn-a", "<node><node-id>vr3</node-id><vnm:router><vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image></vnm:router></node>"))
#define PL1_ON_ETH5 "<nt:link><nt:link-id>pl1</nt:link-id><nt:source><nt:source-tp>eth5</nt:source-tp></nt:source></nt:link>"
#define VR1_A_ETH2 VN("vn-a", "<node><node-id>vr1</node-id><nt:termination-point><nt:tp-id>eth2</nt:tp-id></nt:termination-point></node>")
#define RM1_ETH5 "<node><node-id>rm1</node-id><nt:termination-point><nt:tp-id>eth5</nt:tp-id></nt:termination-point></node>"

static const struct edit_case cases[] = {
	/* --- merge --- */
	{.name = "figure5_merged_into_nothing", .edit = FIG5, .extra = is_figure5,
	 /* defaults were filled in by validation */
	 .leaves = {{VR1_A "/vnmd:router/vcpus", "1"}, {VL_A "/vnmd:virtual-link/delay", "0"}}},
	{.name = "figure5_merged_again_changes_nothing", .before = {FIG5}, .edit = FIG5, .no_diff = true},
	{.name = "merge_of_a_changed_leaf_is_replace_with_orig_value", .before = {FIG5, RATE_2M},
	 .edit = NETS(VN("vn-a", "<nt:link><nt:link-id>vl-a</nt:link-id><vnm:virtual-link><vnm:rate-limit>3000000</vnm:rate-limit></vnm:virtual-link></nt:link>")),
	 .diff_leaf = {VL_A "/vnmd:virtual-link/rate-limit", "3000000", "2000000"}},

	/* --- create --- */
	{.name = "create_of_an_existing_link_is_data_exists", .before = {FIG5},
	 .edit = NETS(VN("vn-a", "<nt:link nc:operation='create'><nt:link-id>vl-a</nt:link-id></nt:link>")),
	 .rc = APPLY_FAILS, .tag = "data-exists", .path = VL_A,
	 .msg = {"cannot create link 'vl-a' of network 'vn-a'", "already exists"}},
	{.name = "create_of_a_leaf_holding_its_default_succeeds", .before = {FIG5},
	 .edit = NETS(VN("vn-a", "<vnm:virtual-network><vnm:admin-state nc:operation='create'>paused</vnm:admin-state></vnm:virtual-network>")),
	 .leaves = {{NET_A "/vnmd:virtual-network/admin-state", "paused"}}},
	{.name = "create_of_a_leaf_set_explicitly_is_data_exists",
	 .before = {FIG5, NETS(VN("vn-a", "<vnm:virtual-network><vnm:admin-state>paused</vnm:admin-state></vnm:virtual-network>"))},
	 .edit = NETS(VN("vn-a", "<vnm:virtual-network><vnm:admin-state nc:operation='create'>stopped</vnm:admin-state></vnm:virtual-network>")),
	 .rc = APPLY_FAILS, .tag = "data-exists", .path_has = "admin-state",
	 .leaves = {{NET_A "/vnmd:virtual-network/admin-state", "paused"}}},

	/* --- delete and remove --- */
	{.name = "delete_of_an_absent_link_is_data_missing", .before = {FIG5},
	 .edit = NETS(VN("vn-a", "<nt:link nc:operation='delete'><nt:link-id>vl-x</nt:link-id></nt:link>")),
	 .rc = APPLY_FAILS, .tag = "data-missing", .path_has = "link[link-id='vl-x']",
	 .msg = {"link 'vl-x' of network 'vn-a'", "use remove"}},
	{.name = "remove_of_an_absent_link_changes_nothing", .before = {FIG5},
	 .edit = NETS(VN("vn-a", "<nt:link nc:operation='remove'><nt:link-id>vl-x</nt:link-id></nt:link>")),
	 .no_diff = true},
	{.name = "delete_of_an_existing_link_removes_it", .before = {FIG5},
	 .edit = NETS(VN("vn-a", "<nt:link nc:operation='delete'><nt:link-id>vl-a</nt:link-id></nt:link>")),
	 .leaves = {{VL_A "/link-id", ABSENT}}, .revert = true},
	{.name = "remove_of_an_existing_link_removes_it", .before = {FIG5},
	 .edit = NETS(VN("vn-a", "<nt:link nc:operation='remove'><nt:link-id>vl-a</nt:link-id></nt:link>")),
	 .leaves = {{VL_A "/link-id", ABSENT}, {NET_A "/node[node-id='vr1']/node-id", "vr1"}}},
	{.name = "delete_of_a_leaf_by_an_empty_element_brings_its_default_back", .before = {FIG5},
	 .edit = DELETE_MEMORY_VR1, .leaves = {{VR1_A "/vnmd:router/memory", "128"}}},
	{.name = "delete_of_a_leaf_holding_only_its_default_is_data_missing",
	 .before = {FIG5, DELETE_MEMORY_VR1}, .edit = DELETE_MEMORY_VR1,
	 .rc = APPLY_FAILS, .tag = "data-missing", .path_has = "memory", .msg = {"memory"}},
	{.name = "delete_of_all_networks", .before = {FIG5},
	 .edit = "<networks xmlns='" NW "' xmlns:nc='urn:ietf:params:xml:ns:netconf:base:1.0' nc:operation='delete'/>",
	 .leaves = {{UNDERLAY "/network-id", ABSENT}, {NET_A "/network-id", ABSENT}}},

	/* --- replace --- */
	{.name = "replace_of_a_router_container", .before = {FIG5},
	 .edit = NETS(VN("vn-a", "<node><node-id>vr1</node-id><vnm:router nc:operation='replace'>"
			 "<vnm:vcpus>2</vnm:vcpus><vnm:image><vnm:disk>/img/r.qcow2</vnm:disk></vnm:image></vnm:router></node>")),
	 .leaves = {{VR1_A "/vnmd:router/vcpus", "2"},
		    {VR1_A "/vnmd:router/image/disk", "/img/r.qcow2"},
		    {VR1_A "/vnmd:router/image/kernel", ABSENT},
		    /* memory was explicit (128): replaced away, back to its default */
		    {VR1_A "/vnmd:router/memory", "128"},
		    /* the other router is untouched */
		    {NET_A "/node[node-id='vr2']/vnmd:router/image/kernel", KERNEL}}},
	{.name = "replace_of_a_whole_list_entry_keeps_only_what_the_edit_says", .before = {FIG5},
	 .edit = NETS("<network nc:operation='replace'><network-id>vn-b</network-id>"
		      "<network-types><vnm:virtual-network/></network-types>"
		      "<supporting-network><network-ref>underlay</network-ref></supporting-network>"
		      "<node><node-id>vr1</node-id><supporting-node><network-ref>underlay</network-ref><node-ref>rm1</node-ref></supporting-node>"
		      "<vnm:router><vnm:image><vnm:kernel>/k2</vnm:kernel></vnm:image></vnm:router></node></network>"),
	 .leaves = {{NET_B "/node[node-id='vr2']/node-id", ABSENT},
		    {NET_B "/ietf-network-topology:link[link-id='vl-b']/link-id", ABSENT},
		    {NET_B "/node[node-id='vr1']/vnmd:router/image/kernel", "/k2"},
		    {NET_B "/node[node-id='vr1']/vnmd:router/image/initrd", ABSENT}},
	 .revert = true},

	/* --- default-operation --- */
	{.name = "default_operation_none_leaves_what_has_no_operation", .before = {FIG5, RATE_2M},
	 .dop = VNM_OP_NONE,
	 .edit = NETS(VN("vn-a", "<node><node-id>vr1</node-id><vnm:router><vnm:image><vnm:cmdline>x</vnm:cmdline></vnm:image></vnm:router></node>"
			 "<nt:link><nt:link-id>vl-a</nt:link-id><vnm:virtual-link nc:operation='merge'><vnm:rate-limit>2500000</vnm:rate-limit></vnm:virtual-link></nt:link>")),
	 .leaves = {{VL_A "/vnmd:virtual-link/rate-limit", "2500000"},
		    {VR1_A "/vnmd:router/image/cmdline", "console=ttyS0 vnm.addr=eth0:10.1.0.1/24,eth1:10.1.1.1/24"}}},
	{.name = "default_operation_none_on_an_absent_network_is_data_missing", .before = {FIG5},
	 .dop = VNM_OP_NONE,
	 .edit = NETS(VN("vn-z", "<nt:link nc:operation='merge'><nt:link-id>l</nt:link-id></nt:link>")),
	 .rc = APPLY_FAILS, .tag = "data-missing", .path_has = "network[network-id='vn-z']",
	 .msg = {"network 'vn-z'", "'link'"}},
	{.name = "default_operation_replace_drops_what_the_edit_does_not_name", .before = {FIG5},
	 .dop = VNM_OP_REPLACE,
	 .edit = NETS(VN("underlay", "<network-types><vnm:physical-network/></network-types><node><node-id>rm1</node-id></node>")),
	 .leaves = {{VR1_A "/node-id", ABSENT},
		    {UNDERLAY "/node[node-id='rm2']/node-id", ABSENT},
		    {UNDERLAY "/node[node-id='rm1']/node-id", "rm1"}},
	 .revert = true},
	/* refused before the walk: no error is counted (n_errs 0), err says why */
	{.name = "default_operation_create_is_refused", .before = {FIG5}, .dop = VNM_OP_CREATE,
	 .edit = RATE_2M, .rc = APPLY_FAILS, .uncounted = true, .tag = "invalid-value", .path = "",
	 .msg = {"default-operation must be merge, replace or none"}},

	/* --- nested operations --- */
	{.name = "remove_inside_a_create_of_an_absent_child_is_nothing", .before = {FIG5},
	 .edit = NETS(VN("vn-a", "<nt:link nc:operation='create'><nt:link-id>vl-n</nt:link-id>"
			 "<nt:source><nt:source-node>vr1</nt:source-node><nt:source-tp>eth1</nt:source-tp></nt:source>"
			 "<nt:destination><nt:dest-node>vr2</nt:dest-node><nt:dest-tp>eth1</nt:dest-tp></nt:destination>"
			 "<vnm:virtual-link><vnm:burst nc:operation='remove'/><vnm:delay>7</vnm:delay></vnm:virtual-link></nt:link>")),
	 .leaves = {{NET_A "/ietf-network-topology:link[link-id='vl-n']/vnmd:virtual-link/delay", "7"},
		    {NET_A "/ietf-network-topology:link[link-id='vl-n']/vnmd:virtual-link/burst", ABSENT}}},
	{.name = "delete_inside_a_create_is_data_missing", .before = {FIG5},
	 .edit = NETS(VN("vn-a", "<nt:link nc:operation='create'><nt:link-id>vl-m</nt:link-id>"
			 "<vnm:virtual-link><vnm:burst nc:operation='delete'/></vnm:virtual-link></nt:link>")),
	 .rc = APPLY_FAILS, .tag = "data-missing", .path_has = "burst", .msg = {"burst"},
	 .leaves = {{NET_A "/ietf-network-topology:link[link-id='vl-m']/link-id", ABSENT}}},

	/* --- YANG validation of the result --- */
	{.name = "router_without_its_host_is_invalid_value", .before = {FIG5}, .edit = ROUTER_NO_HOST,
	 .rc = APPLY_FAILS, .tag = "invalid-value", .path_has = "node[node-id='vr3']",
	 .msg = {"node 'vr3' of network 'vn-a'", "exactly one supporting-node"}},
	/* networks the edit creates whole are validated as they are, not
	 * copied: a refusal still leaves none of them behind */
	{.name = "new_network_invalid_is_refused_and_gone", .before = {FIG5},
	 .edit = NETS(VN("vn-c", "<node><node-id>vr3</node-id><vnm:router><vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image></vnm:router></node>")),
	 .rc = APPLY_FAILS, .tag = "invalid-value", .path_has = "vn-c",
	 .msg = {"node 'vr3' of network 'vn-c'"}},
	{.name = "new_networks_one_valid_one_not_leave_neither", .before = {FIG5},
	 .edit = NETS(VN("vn-c", "<node><node-id>vr4</node-id></node>")
		      VN("vn-d", "<node><node-id>vr3</node-id><vnm:router><vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image></vnm:router></node>")),
	 .rc = APPLY_FAILS, .tag = "invalid-value", .path_has = "vn-d",
	 .msg = {"node 'vr3' of network 'vn-d'"}},
	{.name = "rollback_restores_nodes_removed_by_when", .before = {FIG5},
	 .edit = NETS(VN("vn-a", VN_A_UNMARKED) VN_B_BROKEN),
	 .rc = APPLY_FAILS, .tag = "invalid-value", .path_has = "vn-b", .msg = {"node 'vr1' of network 'vn-b'"},
	 .leaves = {{VR1_A "/vnmd:router/image/kernel", KERNEL}}},
	{.name = "rollback_restores_changes_below_nodes_removed_by_when", .before = {FIG5},
	 .edit = NETS(VN("vn-a", VN_A_UNMARKED "<node><node-id>vr1</node-id><vnm:router><vnm:memory>256</vnm:memory>"
			 "<vnm:vcpus nc:operation='delete'/></vnm:router></node>") VN_B_BROKEN),
	 .rc = APPLY_FAILS, .tag = "invalid-value",
	 .leaves = {{VR1_A "/vnmd:router/memory", "128"}, {VR1_A "/vnmd:router/vcpus", "1"}}},
	{.name = "when_turned_false_removes_the_routers_data", .before = {FIG5},
	 .edit = NETS(VN("vn-a", VN_A_UNMARKED)),
	 .leaves = {{VR1_A "/vnmd:router/image/kernel", ABSENT}}},
	{.name = "value_change_read_by_a_must_is_checked", .before = {FIG5},
	 .edit = NETS(VN("underlay", PL1_ON_ETH5)),
	 .rc = APPLY_FAILS, .tag = "invalid-value", .path_has = "pl1",
	 .msg = {"link 'pl1' of network 'underlay'"}},
	{.name = "value_change_read_by_a_must_that_holds", .before = {FIG5},
	 .edit = NETS(VN("underlay", RM1_ETH5 PL1_ON_ETH5)),
	 .leaves = {{UNDERLAY "/ietf-network-topology:link[link-id='pl1']/source/source-tp", "eth5"}}},
	{.name = "second_network_broken_nothing_applied", .before = {FIG5, NETS(VN("underlay", RM1_ETH5 PL1_ON_ETH5))},
	 .edit = NETS(VR1_A_ETH2 VN("vn-b", "<node><node-id>vr2</node-id><vnm:router><vnm:image><vnm:kernel nc:operation='delete'/></vnm:image></vnm:router></node>")),
	 .rc = APPLY_FAILS, .tag = "data-missing", .path_has = "vn-b", .extra = printed_as_before},
	{.name = "router_without_image_names_router_and_what_to_give", .before = {FIG5},
	 .edit = NETS(VN("vn-b", "<node><node-id>vr2</node-id><vnm:router><vnm:image><vnm:kernel nc:operation='delete'/></vnm:image></vnm:router></node>")),
	 .rc = APPLY_FAILS, .tag = "data-missing", .path_has = "node[node-id='vr2']",
	 .msg = {"node 'vr2' of network 'vn-b'", "kernel or disk"}},
	{.name = "first_network_alone_keeps_the_order_of_networks", .before = {FIG5},
	 .edit = NETS(VR1_A_ETH2), .extra = networks_keep_their_order,
	 .leaves = {{VR1_A "/ietf-network-topology:termination-point[tp-id='eth2']/tp-id", "eth2"}}},

	/* --- error-option --- */
	{.name = "rollback_on_error_undoes_the_good_part", .before = {FIG5}, .edit = GOOD_EXISTS_MISSING,
	 .rc = APPLY_FAILS, .tag = "data-exists", .path_has = "node[node-id='vr1']",
	 .leaves = {{VL_A "/vnmd:virtual-link/delay", "0"}}},
	{.name = "stop_on_error_undoes_the_good_part", .before = {FIG5}, .edit = GOOD_EXISTS_MISSING,
	 .eo = VNM_ERROPT_STOP, .rc = APPLY_FAILS, .tag = "data-exists", .path_has = "node[node-id='vr1']",
	 .leaves = {{VL_A "/vnmd:virtual-link/delay", "0"}}},
	{.name = "continue_on_error_applies_the_good_part", .before = {FIG5}, .edit = GOOD_EXISTS_MISSING,
	 .eo = VNM_ERROPT_CONTINUE, .rc = APPLY_FAILS, .partial = true,
	 .tag = "data-exists", .path_has = "node[node-id='vr1']",
	 .errs = {"data-exists", "data-missing"},
	 .leaves = {{VL_A "/vnmd:virtual-link/delay", "5"}}},
	{.name = "continue_on_error_with_an_invalid_result_applies_nothing", .before = {FIG5},
	 .edit = NETS(VN("vn-a", "<node nc:operation='create'><node-id>vr1</node-id></node>"
			 "<node><node-id>vr3</node-id><vnm:router><vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image></vnm:router></node>")),
	 .eo = VNM_ERROPT_CONTINUE, .rc = APPLY_FAILS, .tag = "invalid-value",
	 .path_has = "node[node-id='vr3']", .msg = {"exactly one supporting-node"}},

	/* --- what the parser refuses --- */
	{.name = "wrong_type_is_refused_when_parsing", .before = {FIG5},
	 .edit = NETS(VN("vn-a", "<nt:link><nt:link-id>vl-a</nt:link-id><vnm:virtual-link><vnm:rate-limit>fast</vnm:rate-limit></vnm:virtual-link></nt:link>")),
	 .rc = PARSE_FAILS, .tag = "invalid-value", .path_has = "rate-limit",
	 .msg = {"'fast'", "rate-limit", "link 'vl-a' of network 'vn-a'"}},
	{.name = "unknown_element", .edit = NETS(VN("vn-a", "<frobnicator>1</frobnicator>")),
	 .rc = PARSE_FAILS, .tag = "unknown-element", .path_has = "frobnicator", .msg = {"'frobnicator'"}},
	{.name = "right_name_wrong_namespace", .edit = "<networks xmlns='urn:example:wrong'/>",
	 .rc = PARSE_FAILS, .tag = "unknown-element", .msg = {"'networks'", "urn:example:wrong"}},
	{.name = "element_without_namespace", .edit = "<networks/>",
	 .rc = PARSE_FAILS, .tag = "invalid-value", .msg = {"Missing XML namespace"}},
	{.name = "the_same_entry_twice", .edit = NETS(VN("vn-a", "") VN("vn-a", "")),
	 .rc = PARSE_FAILS, .tag = "bad-element", .msg = {"network 'vn-a' appears twice"}},
	{.name = "list_entry_without_its_key", .edit = NETS("<network><node/></network>"),
	 .rc = PARSE_FAILS, .tag = "missing-element", .msg = {"network-id"}},
	{.name = "state_data", .rc = PARSE_FAILS, .tag = "bad-element", .path_has = "oper-state",
	 .edit = NETS(VN("vn-a", "<node><node-id>vr1</node-id><vnm:router><vnm:oper-state>running</vnm:oper-state></vnm:router></node>")),
	 .msg = {"state node \"oper-state\""}},
	{.name = "xml_cut_short", .edit = "<networks xmlns='" NW "'><network>",
	 .rc = PARSE_FAILS, .tag = "malformed-message", .extra = path_is_data_path_or_none},
	{.name = "not_xml_at_all", .edit = "not xml at all",
	 .rc = PARSE_FAILS, .tag = "malformed-message", .path = "", .msg = {"Line number"}},
	{.name = "unknown_operation", .edit = NETS("<network nc:operation='frob'><network-id>x</network-id></network>"),
	 .rc = PARSE_FAILS, .tag = "bad-attribute", .path = "/ietf-network:networks",
	 .msg = {"\"frob\"", "nc:operation"}},
	{.name = "unknown_operation_in_double_quotes",
	 .edit = NETS(VN("vn-a", "<node nc:operation=\"frob2\"><node-id>r</node-id></node>")),
	 .rc = PARSE_FAILS, .tag = "bad-attribute", .msg = {"\"frob2\"", "merge, replace"}},
	{.name = "bad_insert_attribute",
	 .edit = NETS(VN("vn-a", "<node yang:insert='middle' xmlns:yang='urn:ietf:params:xml:ns:yang:1'>"
			 "<node-id>r</node-id></node>")),
	 .rc = PARSE_FAILS, .tag = "bad-attribute", .msg = {"\"middle\""}},
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static void check_error(const struct edit_case *c, const struct vnm_err *err,
			const struct vnm_err *errs, size_t n, enum outcome rc)
{
	assert_string_equal(vnm_err_tag(err->code), c->tag);
	if (c->path)
		assert_string_equal(err->path, c->path);
	if (c->path_has && !strstr(err->path, c->path_has))
		fail_msg("error-path '%s' does not name '%s'", err->path, c->path_has);
	for (size_t i = 0; i < 3 && c->msg[i]; i++) {
		if (!strstr(err->msg, c->msg[i]))
			fail_msg("message '%s' does not say '%s'", err->msg, c->msg[i]);
	}
	if (rc == PARSE_FAILS)
		return;
	if (!c->errs[0]) {
		assert_int_equal(n, c->uncounted ? 0 : 1);
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		if (!c->errs[i]) {
			assert_int_equal(n, i);
			break;
		}
		assert_true(i < n);
		assert_string_equal(vnm_err_tag(errs[i].code), c->errs[i]);
	}
}

static void check_result(const struct edit_case *c, const struct lyd_node *before,
			 const struct lyd_node *ds, const struct lyd_node *diff, enum outcome rc)
{
	if (rc != OK && !c->partial) {
		assert_null(diff);
		assert_same(ds, before);
	} else if (c->no_diff) {
		if (diff)
			fail_with_tree("unexpected diff", diff);
		assert_same(ds, before);
	} else {
		assert_non_null(diff);
		assert_diff_ok(before, diff, ds);
	}
	for (size_t i = 0; i < MAX_LEAVES && c->leaves[i].path; i++) {
		const char *v = leaf(ds, c->leaves[i].path);

		if (!c->leaves[i].value && v)
			fail_msg("%s is '%s', should be absent", c->leaves[i].path, v);
		if (c->leaves[i].value && (!v || strcmp(v, c->leaves[i].value)))
			fail_msg("%s is '%s', should be '%s'", c->leaves[i].path, v ? v : "(absent)",
				 c->leaves[i].value);
	}
	if (c->diff_leaf.path) {
		struct lyd_node *d = NULL;

		assert_int_equal(lyd_find_path(diff, c->diff_leaf.path, 0, &d), 0);
		assert_string_equal(lyd_get_value(d), c->diff_leaf.value);
		assert_string_equal(lyd_get_meta_value(lyd_find_meta(d->meta, NULL, "yang:operation")),
				    "replace");
		assert_string_equal(lyd_get_meta_value(lyd_find_meta(d->meta, NULL, "yang:orig-value")),
				    c->diff_leaf.orig);
	}
}

/* One row: the datastore before, the edit through parse and apply, and
 * what the client sees. */
static void run_case(void **state)
{
	const struct edit_case *c = *state;
	struct lyd_node *ds = NULL, *before, *edit = NULL, *diff = NULL;
	struct vnm_err err, *errs = NULL;
	size_t n = 0;
	enum outcome rc = OK;

	for (size_t i = 0; i < 2 && c->before[i]; i++)
		merge_into(&ds, xml_of(c->before[i]));
	before = dup_all(ds);
	if (vnm_edit_parse(ctx, xml_of(c->edit), &edit, &err)) {
		rc = PARSE_FAILS;
		assert_null(edit);
	} else if (vnm_edit_apply_ex(ctx, &ds, edit, c->dop, c->eo, &diff, &errs, &n, &err)) {
		rc = APPLY_FAILS;
	}
	if (rc != c->rc)
		fail_msg("outcome %d, want %d: %s (%s)", rc, c->rc, rc ? err.msg : "", rc ? err.path : "");
	if (rc != OK)
		check_error(c, &err, errs, n, rc);
	check_result(c, before, ds, diff, rc);
	if (c->extra)
		c->extra(before, ds, &err);
	if (c->revert) {
		assert_int_equal(vnm_edit_revert(ctx, &ds, diff, &err), 0);
		assert_same(ds, before);
	}
	free(errs);
	lyd_free_all(diff);
	lyd_free_all(edit);
	lyd_free_all(before);
	lyd_free_all(ds);
}

/* ------------------------------------------------------------------ */
/* Random edits                                                       */
/* ------------------------------------------------------------------ */

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
	struct CMUnitTest tests[N_CASES + 1];

	for (size_t i = 0; i < N_CASES; i++)
		tests[i] = (struct CMUnitTest){.name = cases[i].name, .test_func = run_case,
					       .initial_state = (void *)&cases[i]};
	tests[N_CASES] = (struct CMUnitTest)cmocka_unit_test(random_edits_keep_invariants);
	return _cmocka_run_group_tests("test_edit", tests, N_CASES + 1, group_setup, group_teardown);
}
