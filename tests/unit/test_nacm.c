/* test_nacm.c - RFC 8341 rule matching (netconf-server/nacm.c) on the paper's
 * Figure 5 configuration: paths with and without keys, module-name '*',
 * access-operations bits, rule order, group membership, the defaults and
 * default-deny-all, diffs, notifications, and that reading a large tree
 * costs time linear in its size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>

#include "core_fixture.h"
#include "nacm.h"
#include "yctx.h"

#define NACM_NS "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
#define NW_NS "urn:ietf:params:xml:ns:yang:ietf-network"
#define NT_NS "urn:ietf:params:xml:ns:yang:ietf-network-topology"
#define VNM_NS "urn:vnmd:yang:vnmd"
#define NACM(body) "<nacm xmlns='" NACM_NS "' xmlns:nw='" NW_NS "' xmlns:nt='" NT_NS \
		   "' xmlns:vnm='" VNM_NS "'>" body "</nacm>"
#define GROUPS "<groups><group><name>ops</name><user-name>alice</user-name>" \
	       "<user-name>bob</user-name></group><group><name>adm</name>"    \
	       "<user-name>carol</user-name></group></groups>"
#define RULE(name, mod, type, ops, action)                                    \
	"<rule><name>" name "</name><module-name>" mod "</module-name>" type \
	"<access-operations>" ops "</access-operations><action>" action     \
	"</action></rule>"
#define LIST(name, group, rules) \
	"<rule-list><name>" name "</name><group>" group "</group>" rules "</rule-list>"
#define P_NET(id) "/ietf-network:networks/network[network-id='" id "']"

static struct ly_ctx *ctx;
static struct lyd_node *fig5;

static int group_setup(void **state)
{
	(void)state;
	return fx_fig5_open(&ctx, &fig5);
}

static int group_teardown(void **state)
{
	(void)state;
	fx_fig5_close(ctx, fig5);
	return 0;
}

/* Rules compiled from xml (a <nacm> element, or "" for none). */
static struct vnm_nacm *rules(const char *xml)
{
	struct lyd_node *t = NULL;
	struct vnm_nacm *n = NULL;
	struct vnm_err err = {0};

	if (*xml)
		assert_int_equal(lyd_parse_data_mem(ctx, xml, LYD_XML, LYD_PARSE_STRICT |
						    LYD_PARSE_NO_STATE, LYD_VALIDATE_NO_STATE, &t),
				 LY_SUCCESS);
	assert_int_equal(vnm_nacm_compile(t, &n, &err), 0);
	lyd_free_all(t);
	return n;
}

static struct vnm_nacm_view *view(struct vnm_nacm *n, const char *user, bool ro)
{
	struct vnm_nacm_who who = {.user = user, .read_only = ro};
	struct vnm_nacm_view *v = vnm_nacm_view_new(n, &who);

	assert_non_null(v);
	return v;
}

static bool exec_ok(struct vnm_nacm_view *v, const char *rpc_path)
{
	const struct lysc_node *op = lys_find_path(ctx, NULL, rpc_path, 0);

	assert_non_null(op);
	return vnm_nacm_exec_ok(v, op, NULL);
}

/* An action's data node: the router vr of network vn, action name. */
static bool action_ok(struct vnm_nacm_view *v, const char *vn, const char *vr, const char *name)
{
	struct lyd_node *t = NULL, *a = NULL;
	char path[256];
	bool ok;

	snprintf(path, sizeof(path), P_NET("%s") "/node[node-id='%s']/vnmd:router/%s", vn, vr,
		 name);
	assert_int_equal(lyd_new_path2(NULL, ctx, path, NULL, 0, 0, LYD_NEW_PATH_UPDATE, &t, &a),
			 LY_SUCCESS);
	ok = vnm_nacm_exec_ok(v, a->schema, a);
	lyd_free_all(t);
	return ok;
}

static bool has(const struct lyd_node *t, const char *path)
{
	struct lyd_node *n = NULL;

	return t && !lyd_find_path(t, path, 0, &n) && n;
}

/* fig5 as v may read it. */
static struct lyd_node *read_fig5(struct vnm_nacm_view *v)
{
	struct lyd_node *t = NULL;

	assert_int_equal(lyd_dup_siblings(fig5, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &t),
			 LY_SUCCESS);
	vnm_nacm_filter_read(v, &t);
	return t;
}

/* ------------------------------------------------------------------ */

static void test_path_keys_and_module_star(void **state)
{
	struct vnm_nacm *n = rules(NACM(GROUPS LIST("l", "ops",
		RULE("hide-vn-a", "*", "<path>/nw:networks/nw:network[nw:network-id='vn-a']</path>",
		     "read", "deny")
		RULE("hide-links", "ietf-network-topology", "<path>/nw:networks/nw:network/nt:link</path>",
		     "read", "deny")
		RULE("hide-router-ietf", "ietf-network",
		     "<path>/nw:networks/nw:network/nw:node/vnm:router</path>", "read", "deny"))));
	struct vnm_nacm_view *v = view(n, "alice", false);
	struct lyd_node *t = read_fig5(v);

	(void)state;
	/* the keyed rule: that network only, with everything below it */
	assert_false(has(t, P_NET("vn-a")));
	assert_true(has(t, P_NET("vn-b")));
	assert_true(has(t, P_NET("underlay") "/node[node-id='rm1']"));
	/* a rule names the module of the nodes it denies: the link (topology
	 * module) goes; the router container (vnmd) stays, its rule's module
	 * is ietf-network */
	assert_false(has(t, P_NET("vn-b") "/ietf-network-topology:link[link-id='vl-b']"));
	assert_false(has(t, P_NET("underlay") "/ietf-network-topology:link[link-id='pl1']"));
	assert_true(has(t, P_NET("vn-b") "/node[node-id='vr1']/vnmd:router"));
	/* a list entry that stays keeps its keys */
	assert_true(has(t, P_NET("vn-b") "/network-id"));
	lyd_free_all(t);
	vnm_nacm_view_free(v);
	/* another user: none of it */
	v = view(n, "dave", false);
	t = read_fig5(v);
	assert_true(has(t, P_NET("vn-a")));
	lyd_free_all(t);
	vnm_nacm_view_free(v);
	vnm_nacm_unref(n);
}

static void test_access_bits(void **state)
{
	struct vnm_nacm *n = rules(NACM(GROUPS "<exec-default>permit</exec-default>" LIST("l", "ops",
		RULE("no-write", "*", "", "create update delete", "deny")
		RULE("no-commit", "ietf-netconf", "<rpc-name>commit</rpc-name>", "exec", "deny")
		RULE("read-also", "*", "<rpc-name>lock</rpc-name>", "read", "deny"))));
	struct vnm_nacm_view *v = view(n, "bob", false);
	struct lyd_node *t;

	(void)state;
	/* writes denied, reads untouched */
	t = read_fig5(v);
	assert_true(has(t, P_NET("vn-a")));
	lyd_free_all(t);
	assert_false(exec_ok(v, "/ietf-netconf:commit"));
	/* a read bit does not deny exec */
	assert_true(exec_ok(v, "/ietf-netconf:lock"));
	assert_true(exec_ok(v, "/ietf-netconf:edit-config"));
	/* close-session: always */
	assert_true(exec_ok(v, "/ietf-netconf:close-session"));
	vnm_nacm_view_free(v);
	vnm_nacm_unref(n);

	/* '*' is every bit; module-name '*' every module */
	n = rules(NACM(GROUPS LIST("l", "ops", RULE("all", "*", "", "*", "deny"))));
	v = view(n, "bob", false);
	assert_false(exec_ok(v, "/ietf-netconf:get"));
	assert_false(exec_ok(v, "/ietf-netconf-monitoring:get-schema"));
	t = read_fig5(v);
	assert_null(t);
	vnm_nacm_view_free(v);
	vnm_nacm_unref(n);
}

static void test_rule_order_and_groups(void **state)
{
	struct vnm_nacm *n = rules(NACM(GROUPS
		LIST("first", "adm", RULE("may-lock", "ietf-netconf", "<rpc-name>lock</rpc-name>",
					  "exec", "permit"))
		LIST("second", "ops</group><group>adm",
		     RULE("no-lock", "*", "<rpc-name>lock</rpc-name>", "exec", "deny")
		     RULE("no-lock-again", "*", "<rpc-name>lock</rpc-name>", "exec", "permit"))
		LIST("everyone", "*", RULE("no-unlock", "*", "<rpc-name>unlock</rpc-name>", "exec",
					   "deny"))));
	struct vnm_nacm_view *carol = view(n, "carol", false), *alice = view(n, "alice", false);
	struct vnm_nacm_view *dave = view(n, "dave", false);

	(void)state;
	/* rule-lists in order: carol's first list permits before the second denies */
	assert_true(exec_ok(carol, "/ietf-netconf:lock"));
	/* rules in order within a list */
	assert_false(exec_ok(alice, "/ietf-netconf:lock"));
	/* group '*': every user in some group */
	assert_false(exec_ok(alice, "/ietf-netconf:unlock"));
	assert_false(exec_ok(carol, "/ietf-netconf:unlock"));
	/* a user in no group: no rule-list at all, the defaults */
	assert_true(exec_ok(dave, "/ietf-netconf:lock"));
	assert_true(exec_ok(dave, "/ietf-netconf:unlock"));
	vnm_nacm_view_free(carol);
	vnm_nacm_view_free(alice);
	vnm_nacm_view_free(dave);
	vnm_nacm_unref(n);
}

static void test_defaults_and_deny_all(void **state)
{
	struct vnm_nacm *n = rules("");
	struct vnm_nacm_view *v = view(n, "alice", false);
	struct lyd_node *t = NULL, *nacm = NULL;
	unsigned acc;

	(void)state;
	/* not configured: the behaviour before NACM, /nacm guarded */
	assert_false(vnm_nacm_configured(n));
	assert_true(exec_ok(v, "/ietf-netconf:kill-session"));
	assert_true(exec_ok(v, "/ietf-netconf:delete-config"));
	assert_int_equal(lyd_new_path(NULL, ctx, "/ietf-netconf-acm:nacm/enable-nacm", "false", 0,
				      &t), LY_SUCCESS);
	assert_int_equal(lyd_diff_siblings(NULL, t, 0, &nacm), LY_SUCCESS);
	assert_non_null(vnm_nacm_diff_denied(v, nacm, &acc));
	assert_int_equal(acc, VNM_NACM_CREATE);
	vnm_nacm_filter_read(v, &t);
	assert_null(t);
	lyd_free_all(nacm);
	vnm_nacm_view_free(v);
	vnm_nacm_unref(n);

	/* configured: RFC 8341's defaults */
	n = rules(NACM(GROUPS "<read-default>deny</read-default>"));
	v = view(n, "alice", false);
	assert_true(vnm_nacm_configured(n));
	assert_false(exec_ok(v, "/ietf-netconf:kill-session"));
	assert_false(exec_ok(v, "/ietf-netconf:delete-config"));
	assert_true(exec_ok(v, "/ietf-netconf:get"));
	t = read_fig5(v);
	assert_null(t);
	vnm_nacm_view_free(v);
	/* the recovery session: everything */
	{
		struct vnm_nacm_who who = {.user = "root", .recovery = true};

		v = vnm_nacm_view_new(n, &who);
		assert_true(vnm_nacm_view_all(v));
		assert_true(exec_ok(v, "/ietf-netconf:kill-session"));
		t = read_fig5(v);
		assert_true(has(t, P_NET("vn-a")));
		lyd_free_all(t);
		vnm_nacm_view_free(v);
	}
	vnm_nacm_unref(n);

	/* enable-nacm false: everything, for everybody */
	n = rules(NACM(GROUPS "<enable-nacm>false</enable-nacm><read-default>deny</read-default>"));
	v = view(n, "alice", true);
	assert_true(vnm_nacm_view_all(v));
	assert_true(exec_ok(v, "/ietf-netconf:edit-config"));
	vnm_nacm_view_free(v);
	vnm_nacm_unref(n);
}

static void test_read_only_group(void **state)
{
	struct vnm_nacm *n = rules("");
	struct vnm_nacm_view *v = view(n, "oper", true);
	struct lyd_node *t;

	(void)state;
	assert_true(exec_ok(v, "/ietf-netconf:get"));
	assert_true(exec_ok(v, "/ietf-netconf:get-config"));
	assert_true(exec_ok(v, "/ietf-netconf:validate"));
	assert_false(exec_ok(v, "/ietf-netconf:edit-config"));
	assert_false(exec_ok(v, "/ietf-netconf:lock"));
	assert_false(exec_ok(v, "/ietf-netconf:kill-session"));
	assert_false(action_ok(v, "vn-a", "vr1", "stop"));
	t = read_fig5(v);
	assert_true(has(t, P_NET("vn-a")));
	lyd_free_all(t);
	vnm_nacm_view_free(v);
	/* the same user without the mark */
	v = view(n, "oper", false);
	assert_true(exec_ok(v, "/ietf-netconf:edit-config"));
	assert_true(action_ok(v, "vn-a", "vr1", "stop"));
	vnm_nacm_view_free(v);
	vnm_nacm_unref(n);

	/* configured rule-lists for the group come before the built-in one */
	n = rules(NACM(LIST("ro", "vnmd-read-only",
			    RULE("lock", "ietf-netconf", "<rpc-name>lock</rpc-name>", "exec",
				 "permit"))));
	v = view(n, "oper", true);
	assert_true(exec_ok(v, "/ietf-netconf:lock"));
	assert_false(exec_ok(v, "/ietf-netconf:unlock"));
	vnm_nacm_view_free(v);
	vnm_nacm_unref(n);
}

static void test_actions_by_path(void **state)
{
	struct vnm_nacm *n = rules(NACM(GROUPS LIST("l", "ops",
		RULE("no-move", "vnmd",
		     "<path>/nw:networks/nw:network/nw:node/vnm:router/vnm:move</path>", "exec", "deny")
		RULE("no-vr2", "*",
		     "<path>/nw:networks/nw:network[nw:network-id='vn-b']/nw:node[nw:node-id='vr2']"
		     "</path>", "exec", "deny"))));
	struct vnm_nacm_view *v = view(n, "alice", false);

	(void)state;
	assert_false(action_ok(v, "vn-a", "vr1", "move"));
	assert_true(action_ok(v, "vn-a", "vr1", "stop"));
	assert_false(action_ok(v, "vn-b", "vr2", "stop"));
	assert_true(action_ok(v, "vn-a", "vr2", "stop"));
	vnm_nacm_view_free(v);
	vnm_nacm_unref(n);
}

static void test_diff_names_the_denied_node(void **state)
{
	struct vnm_nacm *n = rules(NACM(GROUPS "<write-default>deny</write-default>" LIST("l", "ops",
		RULE("links", "*", "<path>/nw:networks/nw:network/nt:link/vnm:virtual-link</path>",
		     "create update delete", "permit"))));
	struct vnm_nacm_view *v = view(n, "alice", false);
	struct lyd_node *t = NULL, *diff = NULL;
	const struct lyd_node *bad;
	unsigned acc;
	char *p;

	(void)state;
	assert_int_equal(lyd_dup_siblings(fig5, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &t),
			 LY_SUCCESS);
	/* a rate: permitted */
	assert_int_equal(lyd_new_path(t, ctx, P_NET("vn-a") "/ietf-network-topology:link"
				      "[link-id='vl-a']/vnmd:virtual-link/rate-limit", "1000000",
				      LYD_NEW_PATH_UPDATE, NULL), LY_SUCCESS);
	assert_int_equal(lyd_diff_siblings(fig5, t, 0, &diff), LY_SUCCESS);
	assert_non_null(diff);
	assert_null(vnm_nacm_diff_denied(v, diff, &acc));
	lyd_free_all(diff);
	/* and a new node: denied, named */
	assert_int_equal(lyd_new_path(t, ctx, P_NET("vn-a") "/node[node-id='vr9']", NULL, 0, NULL),
			 LY_SUCCESS);
	assert_int_equal(lyd_diff_siblings(fig5, t, 0, &diff), LY_SUCCESS);
	bad = vnm_nacm_diff_denied(v, diff, &acc);
	assert_non_null(bad);
	assert_int_equal(acc, VNM_NACM_CREATE);
	p = lyd_path(bad, LYD_PATH_STD, NULL, 0);
	assert_string_equal(p, P_NET("vn-a") "/node[node-id='vr9']");
	free(p);
	lyd_free_all(diff);
	lyd_free_all(t);
	vnm_nacm_view_free(v);
	vnm_nacm_unref(n);
}

static struct lyd_node *notif(const char *mod, const char *name)
{
	struct lyd_node *t = NULL;
	char path[128];

	snprintf(path, sizeof(path), "/%s:%s", mod, name);
	assert_int_equal(lyd_new_path(NULL, ctx, path, NULL, 0, &t), LY_SUCCESS);
	return t;
}

static void test_notifications(void **state)
{
	struct vnm_nacm *n = rules(NACM(GROUPS LIST("l", "ops",
		RULE("no-vr", "vnmd", "<notification-name>router-oper-state-change"
		     "</notification-name>", "read", "deny"))));
	struct vnm_nacm_view *v = view(n, "alice", false), *d = view(n, "dave", false);
	struct lyd_node *vr = notif("vnmd", "router-oper-state-change");
	struct lyd_node *vl = notif("vnmd", "link-oper-state-change");
	struct lyd_node *cc = notif("ietf-netconf-notifications", "netconf-config-change");

	(void)state;
	assert_false(vnm_nacm_notif_ok(v, vr));
	assert_true(vnm_nacm_notif_ok(v, vl));
	assert_true(vnm_nacm_notif_ok(v, cc));
	assert_true(vnm_nacm_notif_ok(d, vr));
	lyd_free_all(vr);
	lyd_free_all(vl);
	lyd_free_all(cc);
	vnm_nacm_view_free(v);
	vnm_nacm_view_free(d);
	vnm_nacm_unref(n);
}

/* n networks of one node each, under one <networks>. */
static struct lyd_node *big_tree(unsigned n)
{
	struct lyd_node *t = NULL;
	char path[128];
	unsigned i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), P_NET("n%u") "/node[node-id='x']/supporting-node"
			 "[network-ref='n%u'][node-ref='x']", i, i);
		assert_int_equal(lyd_new_path(t, ctx, path, NULL, LYD_NEW_PATH_UPDATE, t ? NULL : &t),
				 LY_SUCCESS);
	}
	return t;
}

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* The time of filtering a tree of n networks, and of merely walking it. */
static void filter_secs(struct vnm_nacm_view *v, unsigned n, double *filter, double *walk)
{
	struct lyd_node *t = big_tree(n), *e;
	struct timespec a, b;
	unsigned long c = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	LYD_TREE_DFS_BEGIN(t, e) {
		c += e->schema != NULL;
		LYD_TREE_DFS_END(t, e);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	*walk = secs(&a, &b);
	assert_true(c > 6ul * n);
	clock_gettime(CLOCK_MONOTONIC, &a);
	vnm_nacm_filter_read(v, &t);
	clock_gettime(CLOCK_MONOTONIC, &b);
	*filter = secs(&a, &b);
	/* the keyed rule hid exactly one network */
	assert_false(has(t, P_NET("n7")));
	assert_true(has(t, P_NET("n8")));
	lyd_free_all(t);
}

static void test_read_is_linear(void **state)
{
	struct vnm_nacm *n = rules(NACM(GROUPS LIST("l", "ops",
		RULE("a", "*", "<path>/nw:networks/nw:network[nw:network-id='n7']</path>", "read",
		     "deny")
		RULE("b", "*", "<path>/nw:networks/nw:network/nw:node/nw:supporting-node</path>",
		     "update", "deny")
		RULE("c", "vnmd", "", "read", "deny"))));
	struct vnm_nacm_view *v = view(n, "alice", false);
	double f1, w1, f4, w4;

	(void)state;
	filter_secs(v, 2000, &f1, &w1); /* warm up */
	filter_secs(v, 5000, &f1, &w1);
	filter_secs(v, 20000, &f4, &w4);
	printf("nacm read filter: 5000 networks %.2f ms (a bare walk %.2f ms), "
	       "20000 networks %.2f ms (%.2f ms)\n", f1 * 1e3, w1 * 1e3, f4 * 1e3, w4 * 1e3);
	/* deciding every node costs a few times a bare walk of the tree, at
	 * either size: per node, not per pair of nodes (memory caches make the
	 * ratio of the two sizes themselves too noisy to assert) */
	assert_true(f4 < 10 * w4 + 0.005);
	assert_true(f1 < 10 * w1 + 0.005);
	vnm_nacm_view_free(v);
	vnm_nacm_unref(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_keys_and_module_star),
		cmocka_unit_test(test_access_bits),
		cmocka_unit_test(test_rule_order_and_groups),
		cmocka_unit_test(test_defaults_and_deny_all),
		cmocka_unit_test(test_read_only_group),
		cmocka_unit_test(test_actions_by_path),
		cmocka_unit_test(test_diff_names_the_denied_node),
		cmocka_unit_test(test_notifications),
		cmocka_unit_test(test_read_is_linear),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
