/* test_dot.c - the topology picture (tools/dot/dot.c): golden DOT of the paper's
 * Figures 4 and 5, the parts a reader looks for (VR on RM, VL over physical
 * link, rates), escaping of names, dangling references, rate formatting and
 * a write error.
 *
 * VNMD_GOLDEN_UPDATE=1 build/tests/test_dot rewrites the golden files
 * (tests/golden/dot/NAME.dot) from what dot.c prints now. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "dot.h"
#include "model.h"
#include "yctx.h"

#define EXAMPLES VNM_YANG_DIR "/../examples/"
#define GOLDEN VNM_YANG_DIR "/../tests/golden/dot/"

static char *render_file(const char *xml)
{
	struct ly_ctx *ctx = NULL;
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	struct vnm_err err;
	char *out = NULL;

	if (vnm_yctx_new(false, &ctx, &err) || vnm_config_parse_file(ctx, xml, &tree, &err) ||
	    vnm_model_build(tree, &m, &err))
		fail_msg("%s: %s", xml, err.msg);
	if (vnm_dot_render(m, &out, &err))
		fail_msg("render: %s", err.msg);
	vnm_model_free(m);
	lyd_free_all(tree);
	ly_ctx_destroy(ctx);
	return out;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void golden(const char *example, const char *name)
{
	char xml[512], gold[512];
	char *got, *want;
	FILE *f;

	snprintf(xml, sizeof(xml), EXAMPLES "%s", example);
	snprintf(gold, sizeof(gold), GOLDEN "%s", name);
	got = render_file(xml);
	if (getenv("VNMD_GOLDEN_UPDATE")) {
		f = fopen(gold, "w");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	want = slurp(gold);
	if (!want)
		fail_msg("golden file %s missing (VNMD_GOLDEN_UPDATE=1 writes it)", gold);
	if (strcmp(got, want)) {
		fprintf(stderr, "--- got\n%s--- want (%s)\n%s", got, gold, want);
		fail_msg("DOT of %s differs from %s", example, name);
	}
	free(got);
	free(want);
}

static void figure5_golden(void **state)
{
	(void)state;
	golden("figure5.xml", "figure5.dot");
}

static void figure4_golden(void **state)
{
	(void)state;
	golden("figure4.xml", "figure4.dot");
}

/* What a reader of Figure 5's picture must find, independent of layout. */
static void figure5_shows_placement_and_links(void **state)
{
	char *s;

	(void)state;
	s = render_file(EXAMPLES "figure5.xml");
	assert_non_null(strstr(s, "graph vnmd {"));
	/* one cluster per VN and one for the underlay */
	assert_non_null(strstr(s, "subgraph \"cluster_vn:vn-a\""));
	assert_non_null(strstr(s, "subgraph \"cluster_vn:vn-b\""));
	assert_non_null(strstr(s, "subgraph \"cluster_underlay\""));
	/* the physical link with its capacity */
	assert_non_null(strstr(s, "\"rm:rm1\" -- \"rm:rm2\" [penwidth=3, label=\"pl1\\n32 Mbit/s\""));
	/* each VL joins its VRs and says which physical link it rides */
	assert_non_null(strstr(s, "\"vr:vn-a/vr1\" -- \"vr:vn-a/vr2\""));
	assert_non_null(strstr(s, "label=\"vl-a\\nover pl1\""));
	assert_non_null(strstr(s, "label=\"vl-b\\nover pl1\""));
	/* the same VR name in two VNs is two nodes, each on its RM */
	assert_non_null(strstr(s, "\"vr:vn-a/vr2\" -- \"rm:rm2\" [style=dotted"));
	assert_non_null(strstr(s, "\"vr:vn-b/vr2\" -- \"rm:rm2\" [style=dotted"));
	assert_non_null(strstr(s, "\"vr:vn-b/vr1\" -- \"rm:rm1\" [style=dotted"));
	/* VNs come before the underlay (dot ranks them above it) */
	assert_true(strstr(s, "cluster_vn:vn-b") < strstr(s, "cluster_underlay"));
	free(s);
}

/* Figure 4: VN b's VLs are tunnels over two physical hops each. */
static void figure4_multi_hop_and_rates(void **state)
{
	char *s;

	(void)state;
	s = render_file(EXAMPLES "figure4.xml");
	assert_non_null(strstr(s, "label=\"b1-b3\\nover l12, l23\""));
	assert_non_null(strstr(s, "label=\"b1-b4\\nlimit 50 Mbit/s\\nover l13, l34\""));
	assert_non_null(strstr(s, "label=\"a1-a2\\nguaranteed 20 Mbit/s\\nover l12\""));
	assert_non_null(strstr(s, "label=\"l13\\n100 Mbit/s\""));
	free(s);
}

/* A hand-made model: names with quotes and backslashes, a same-host VL, a
 * dangling VR and VL, a paused VN. */
static void escaping_and_dangling(void **state)
{
	struct vnm_host hosts[1] = {{.name = "rm\"1", .uri = "qemu:///system", .netns = "ns\\x"}};
	struct vnm_vn vns[1] = {{.name = "v\"n", .admin = VNM_ADMIN_PAUSED}};
	struct vnm_vr vrs[3] = {
		{.name = "r1", .vn = &vns[0], .host = &hosts[0]},
		{.name = "r\\2", .vn = &vns[0], .host = &hosts[0]},
		{.name = "lost", .vn = &vns[0], .host = NULL},
	};
	struct vnm_vnic nics[2] = {{.name = "e0", .vr = &vrs[0]}, {.name = "e0", .vr = &vrs[1]}};
	struct vnm_vl vls[2] = {
		{.name = "l1", .vn = &vns[0], .a = &nics[0], .b = &nics[1], .limit = 1500000},
		{.name = "dangling", .vn = &vns[0], .a = &nics[0], .b = NULL},
	};
	struct vnm_vr *vrp[3] = {&vrs[0], &vrs[1], &vrs[2]};
	struct vnm_vl *vlp[2] = {&vls[0], &vls[1]};
	struct vnm_model m = {.hosts = hosts, .n_hosts = 1, .vns = vns, .n_vns = 1,
			      .vrs = vrs, .n_vrs = 3, .vls = vls, .n_vls = 2};
	struct vnm_err err;
	char *s;

	(void)state;
	vns[0].vrs = vrp;
	vns[0].n_vrs = 3;
	vns[0].vls = vlp;
	vns[0].n_vls = 2;
	assert_int_equal(vnm_dot_render(&m, &s, &err), 0);
	assert_non_null(strstr(s, "\"rm:rm\\\"1\" [shape=box3d"));
	assert_non_null(strstr(s, "label=\"rm\\\"1\\nqemu:///system\\nnetns ns\\\\x\""));
	assert_non_null(strstr(s, "label=\"v\\\"n (paused)\""));
	assert_non_null(strstr(s, "\"vr:v\\\"n/r1\" -- \"vr:v\\\"n/r\\\\2\""));
	assert_non_null(strstr(s, "label=\"l1\\nlimit 1.5 Mbit/s\\nsame host\""));
	/* a VL without both ends and a VR without a host are not drawn as edges */
	assert_null(strstr(s, "dangling"));
	assert_null(strstr(s, "\"vr:v\\\"n/lost\" --"));
	assert_non_null(strstr(s, "\"vr:v\\\"n/lost\" [shape=ellipse"));
	/* no underlay cluster label "(null)" without an underlay name */
	assert_null(strstr(s, "(null)"));
	free(s);
}

static void empty_model(void **state)
{
	struct vnm_model m;
	struct vnm_err err;
	char *s;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(vnm_dot_render(&m, &s, &err), 0);
	assert_non_null(strstr(s, "graph vnmd {"));
	assert_null(strstr(s, "subgraph"));
	assert_int_equal(s[strlen(s) - 2], '}');
	free(s);
}

static void rates_for_people(void **state)
{
	char b[32];

	(void)state;
	vnm_dot_rate(32000000, b, sizeof(b));
	assert_string_equal(b, "32 Mbit/s");
	vnm_dot_rate(1500000000ULL, b, sizeof(b));
	assert_string_equal(b, "1.5 Gbit/s");
	vnm_dot_rate(10000000000ULL, b, sizeof(b));
	assert_string_equal(b, "10 Gbit/s");
	vnm_dot_rate(800000, b, sizeof(b));
	assert_string_equal(b, "800 kbit/s");
	vnm_dot_rate(999, b, sizeof(b));
	assert_string_equal(b, "999 bit/s");
	vnm_dot_rate(0, b, sizeof(b));
	assert_string_equal(b, "0 bit/s");
}

static void write_error_is_reported(void **state)
{
	struct vnm_model m;
	struct vnm_err err;
	FILE *f;

	(void)state;
	f = fopen("/dev/full", "w");
	if (!f)
		skip();
	memset(&m, 0, sizeof(m));
	assert_int_equal(vnm_dot_write(&m, f, &err), -1);
	assert_non_null(strstr(err.msg, "cannot write"));
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(figure5_golden),
		cmocka_unit_test(figure4_golden),
		cmocka_unit_test(figure5_shows_placement_and_links),
		cmocka_unit_test(figure4_multi_hop_and_rates),
		cmocka_unit_test(escaping_and_dangling),
		cmocka_unit_test(empty_model),
		cmocka_unit_test(rates_for_people),
		cmocka_unit_test(write_error_is_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
