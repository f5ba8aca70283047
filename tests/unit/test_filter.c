/* test_filter.c - get/get-config filters (subtree, XPath) and with-defaults
 * modes, on the paper's Figure 5 configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "core_fixture.h"
#include "filter.h"
#include "wd.h"
#include "yctx.h"

#define NW "urn:ietf:params:xml:ns:yang:ietf-network"
#define NT "urn:ietf:params:xml:ns:yang:ietf-network-topology"
#define NETS(body) "<networks xmlns='" NW "' xmlns:nt='" NT "' xmlns:vnm='urn:vnmd:yang:vnmd'>" body "</networks>"
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

static bool has(const struct lyd_node *t, const char *path)
{
	struct lyd_node *n = NULL;

	return t && !lyd_find_path(t, path, 0, &n) && n;
}

static unsigned count(const struct lyd_node *t, const char *xpath)
{
	struct ly_set *set = NULL;
	unsigned n;

	if (!t)
		return 0;
	assert_int_equal(lyd_find_xpath(t, xpath, &set), 0);
	n = set->count;
	ly_set_free(set, NULL);
	return n;
}

static struct lyd_node *subtree(const char *xml)
{
	struct lyd_node *out = NULL;
	struct vnm_err err;

	if (vnm_filter_subtree(fig5, xml, &out, &err))
		fail_msg("%s", err.msg);
	return out;
}

static void subtree_selects_one_network(void **state)
{
	struct lyd_node *out = subtree(NETS("<network><network-id>vn-a</network-id></network>"));

	(void)state;
	assert_int_equal(count(out, "/ietf-network:networks/network"), 1);
	/* only content match nodes: the whole entry */
	assert_true(has(out, P_NET("vn-a") "/node[node-id='vr1']/vnmd:router/image/kernel"));
	assert_true(has(out, P_NET("vn-a") "/ietf-network-topology:link[link-id='vl-a']/source/source-tp"));
	assert_false(has(out, P_NET("vn-b")));
	lyd_free_all(out);
}

static void subtree_content_match_with_selection(void **state)
{
	struct lyd_node *out;

	(void)state;
	/* network-id is a content match; the links are selected, nodes are not */
	out = subtree(NETS("<network><network-id>vn-b</network-id><nt:link/></network>"));
	assert_int_equal(count(out, "/ietf-network:networks/network"), 1);
	assert_true(has(out, P_NET("vn-b") "/network-id"));
	assert_true(has(out, P_NET("vn-b") "/ietf-network-topology:link[link-id='vl-b']/destination/dest-node"));
	assert_int_equal(count(out, "//node"), 0);
	lyd_free_all(out);

	/* a selection node across all entries: every network-id, nothing else */
	out = subtree(NETS("<network><network-id/></network>"));
	assert_int_equal(count(out, "/ietf-network:networks/network"), 3);
	assert_int_equal(count(out, "//node"), 0);
	assert_int_equal(count(out, "//ietf-network-topology:link"), 0);
	lyd_free_all(out);

	/* nested: one link of one network, only its source */
	out = subtree(NETS("<network><network-id>vn-a</network-id><nt:link><nt:link-id>vl-a</nt:link-id><nt:source/></nt:link></network>"));
	assert_true(has(out, P_NET("vn-a") "/ietf-network-topology:link[link-id='vl-a']/source/source-node"));
	assert_false(has(out, P_NET("vn-a") "/ietf-network-topology:link[link-id='vl-a']/destination"));
	lyd_free_all(out);

	/* content match on a leaf deeper down: routers with 1 vCPU explicitly */
	out = subtree(NETS("<network><node><vnm:router><vnm:vcpus>1</vnm:vcpus></vnm:router></node></network>"));
	assert_int_equal(count(out, "//node"), 4); /* vr2's vcpus is the default 1 */
	lyd_free_all(out);
}

static void subtree_edge_cases(void **state)
{
	struct lyd_node *out = NULL;
	struct vnm_err err;

	(void)state;
	/* no match */
	assert_null(subtree(NETS("<network><network-id>vn-zz</network-id></network>")));
	/* empty filter selects nothing, no filter everything */
	assert_null(subtree("  "));
	out = subtree(NULL);
	assert_int_equal(count(out, "/ietf-network:networks/network"), 3);
	lyd_free_all(out);
	/* a wrong namespace selects nothing */
	assert_null(subtree("<networks xmlns='urn:example:other'/>"));
	/* several top-level filters of the same data merge */
	out = subtree(NETS("<network><network-id>vn-a</network-id></network>") NETS("<network><network-id>vn-b</network-id></network>"));
	assert_int_equal(count(out, "/ietf-network:networks"), 1);
	assert_int_equal(count(out, "/ietf-network:networks/network"), 2);
	lyd_free_all(out);
	/* malformed */
	assert_int_equal(vnm_filter_subtree(fig5, "<networks xmlns='" NW "'>", &out, &err), -1);
	assert_int_equal(err.code, VNM_E_MALFORMED);
}

static void xpath_selects_a_link(void **state)
{
	struct lyd_node *out = NULL;
	struct vnm_err err;
	char *conv = NULL;
	const struct vnm_xmlns ns[] = {{"n", NW}, {"t", NT}};

	(void)state;
	assert_int_equal(vnm_filter_xpath(ctx, fig5, P_NET("vn-b") "/ietf-network-topology:link[link-id='vl-b']", &out, &err), 0);
	assert_true(has(out, P_NET("vn-b") "/ietf-network-topology:link[link-id='vl-b']/source/source-node"));
	assert_int_equal(count(out, "/ietf-network:networks/network"), 1);
	assert_int_equal(count(out, "//node"), 0);
	lyd_free_all(out);

	/* several results merge under one parent */
	assert_int_equal(vnm_filter_xpath(ctx, fig5, "//ietf-network-topology:link-id", &out, &err), 0);
	assert_int_equal(count(out, "//ietf-network-topology:link"), 3);
	assert_int_equal(count(out, "/ietf-network:networks/network"), 3);
	lyd_free_all(out);

	/* XML prefixes converted */
	assert_int_equal(vnm_filter_xpath_from_xml(ctx, "/n:networks/n:network[n:network-id='a:b']/t:link",
						   ns, 2, &conv, &err), 0);
	assert_string_equal(conv, "/ietf-network:networks/ietf-network:network[ietf-network:network-id='a:b']"
			    "/ietf-network-topology:link");
	free(conv);

	/* a bad expression */
	assert_int_equal(vnm_filter_xpath(ctx, fig5, "/ietf-network:networks/[", &out, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, "/ietf-network:networks/["));
}

static char *print(const struct lyd_node *t, uint32_t flags)
{
	char *s = NULL;

	lyd_print_mem(&s, t, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | flags);
	return s;
}

#define VR2_ROUTER P_NET("vn-a") "/node[node-id='vr2']/vnmd:router"

static void with_defaults_modes(void **state)
{
	struct lyd_node *t = NULL, *vr2 = NULL;
	enum vnm_wd mode;
	struct vnm_err err;
	char *s;

	(void)state;
	assert_int_equal(vnm_wd_from_str(NULL, &mode, &err), 0);
	assert_int_equal(mode, VNM_WD_EXPLICIT);
	assert_int_equal(vnm_wd_from_str("report-all-tagged", &mode, &err), 0);
	assert_int_equal(mode, VNM_WD_REPORT_ALL_TAGGED);
	assert_int_equal(vnm_wd_from_str("everything", &mode, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(VNM_WD_CAPABILITY, "basic-mode=explicit"));

	/* vn-a/vr2 has no vcpus in the configuration (default 1); vn-a/vr1
	 * sets vcpus 1 explicitly */
	assert_int_equal(vnm_filter_xpath(ctx, fig5, P_NET("vn-a") "/node", &t, &err), 0);
	assert_int_equal(lyd_find_path(t, VR2_ROUTER, 0, &vr2), 0);

	s = print(vr2, vnm_wd_print_flags(VNM_WD_EXPLICIT));
	assert_null(strstr(s, "<vcpus>"));
	free(s);
	s = print(vr2, vnm_wd_print_flags(VNM_WD_REPORT_ALL));
	assert_non_null(strstr(s, "<vcpus>1</vcpus>"));
	free(s);
	s = print(vr2, vnm_wd_print_flags(VNM_WD_REPORT_ALL_TAGGED));
	assert_non_null(strstr(s, "default=\"true\">1</vcpus>"));
	free(s);
	s = print(t, vnm_wd_print_flags(VNM_WD_EXPLICIT));
	assert_non_null(strstr(s, "<vcpus>1</vcpus>")); /* vr1's, set by the client */
	free(s);
	s = print(t, vnm_wd_print_flags(VNM_WD_TRIM));
	assert_null(strstr(s, "<vcpus>")); /* equal to the default: trimmed */
	assert_null(strstr(s, "<memory>"));
	free(s);

	/* the same, applied to the tree for printers without flags */
	assert_int_equal(vnm_wd_apply(ctx, &t, VNM_WD_TRIM, 1, &err), 0);
	s = print(t, LYD_PRINT_WD_ALL);
	assert_null(strstr(s, "<vcpus>"));
	assert_non_null(strstr(s, "<kernel>"));
	free(s);
	assert_int_equal(vnm_wd_apply(ctx, &t, VNM_WD_REPORT_ALL_TAGGED, 1, &err), 0);
	s = print(t, LYD_PRINT_WD_ALL);
	assert_non_null(strstr(s, "default=\"true\">1</vcpus>"));
	free(s);
	assert_int_equal(vnm_wd_nc_mode(VNM_WD_TRIM), 3);
	lyd_free_all(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(subtree_selects_one_network),
		cmocka_unit_test(subtree_content_match_with_selection),
		cmocka_unit_test(subtree_edge_cases),
		cmocka_unit_test(xpath_selects_a_link),
		cmocka_unit_test(with_defaults_modes),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
