/*
 * test_oper_text.c - the networks of <get> printed from the configuration's
 * text and the snapshot (oper_text.c) are the very bytes the tree's way
 * (vnm_oper_add_from + vnm_xml_print) gives: routers, vNICs with and
 * without a vnic container, links with counters, watch state, gathered
 * state and host interfaces, names that need escaping or that the tree's
 * XPath cannot quote, objects the snapshot or the configuration lacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libyang/libyang.h>

#include "core.h"
#include "cfg_gen.h"
#include "core_fixture.h"
#include "oper_text.h"
#include "xmlprint.h"

#define SUP "<supporting-node><network-ref>underlay</network-ref><node-ref>h1</node-ref>" \
	    "</supporting-node>"
#define VR(name, tps, extra) "<node><node-id>" name "</node-id>" SUP tps \
	"<vnm:router><vnm:image><vnm:kernel>/k&amp;</vnm:kernel></vnm:image>" extra \
	"</vnm:router></node>"
#define TP(id, vnic) "<nt:termination-point><nt:tp-id>" id "</nt:tp-id>" vnic \
		     "</nt:termination-point>"
#define VL(name, a, atp, b, btp, vl) "<nt:link><nt:link-id>" name "</nt:link-id><nt:source>" \
	"<nt:source-node>" a "</nt:source-node><nt:source-tp>" atp "</nt:source-tp></nt:source>" \
	"<nt:destination><nt:dest-node>" b "</nt:dest-node><nt:dest-tp>" btp \
	"</nt:dest-tp></nt:destination>" vl "</nt:link>"
#define VN(name, vnet, body) "<network><network-id>" name "</network-id><network-types>" \
	"<vnm:virtual-network/></network-types><supporting-network><network-ref>underlay" \
	"</network-ref></supporting-network>" body vnet "</network>"

static const char *config =
	"<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">" NETS UNDERLAY
	VN("v&amp;1", "<vnm:virtual-network><vnm:admin-state>paused</vnm:admin-state>"
		      "</vnm:virtual-network>",
	   VR("r&lt;1&gt;",
	      TP("e0", "<vnm:vnic><vnm:mac-address>02:00:00:00:00:01</vnm:mac-address></vnm:vnic>")
	      TP("e1", "") TP("e2", "<vnm:vnic/>"),
	      "<vnm:vcpus>2</vnm:vcpus>")
	   VR("r'2\"", TP("e0", ""), "<vnm:admin-state>stopped</vnm:admin-state>")
	   VR("r3", TP("e0", ""), "")
	   VL("l&amp;1", "r&lt;1&gt;", "e0", "r'2\"", "e0",
	      "<vnm:virtual-link><vnm:guaranteed-rate>1000000</vnm:guaranteed-rate>"
	      "</vnm:virtual-link>")
	   VL("l2", "r&lt;1&gt;", "e1", "r3", "e0", "<vnm:virtual-link/>")
	   VL("l3", "r&lt;1&gt;", "e2", "r3", "e0",
	      "<vnm:virtual-link><vnm:delay>10</vnm:delay></vnm:virtual-link>"))
	VN("v2", "", VR("a", TP("e0", ""), "") VR("b", TP("e0", ""), "")
	   VL("l", "a", "e0", "b", "e0", "<vnm:virtual-link/>"))
	"</networks></config>";

static struct vnm_snap_vn vns[] = {
	{.name = "gone", .oper = VNM_VR_RUNNING},
	{.name = "v&1", .oper = VNM_VR_PAUSED},
	{.name = "v2", .oper = VNM_VR_RUNNING},
};

static struct vnm_snap_vr vrs[] = {
	{.vn = "v&1", .name = "r'2\"", .domain_name = "d2", .domain_id = 3,
	 .oper = VNM_VR_RUNNING},
	{.vn = "v&1", .name = "r3", .domain_id = -1, .oper = VNM_VR_STOPPED},
	{.vn = "v&1", .name = "r<1>", .domain_name = "vnmd-v&1-r<1>",
	 .uuid = "6F1C2D3E-0000-4000-8000-00000000ABCD", .domain_id = 7,
	 .oper = VNM_VR_RUNNING, .gathered = true, .age_ms = 120},
	{.vn = "v&1", .name = "zz", .domain_id = 1},
	{.vn = "v2", .name = "a", .uuid = "6f1c2d3e-0000-4000-8000-00000000abce",
	 .domain_id = 2, .oper = VNM_VR_PAUSED},
};

static struct vnm_snap_vl vls[] = {
	{.vn = "v&1", .name = "l&1", .enabled = true, .up = true, .ifname = "vl<a>",
	 .ctr = {.in_octets = 18446744073709551615ull, .in_packets = 2, .out_octets = 3,
		 .out_packets = 4, .drops = 5, .overlimits = 6, .discontinuity = 1796000000},
	 .watch = {.measured = true, .interval_ms = 1000, .rate_out = 999, .rate_in = 1,
		   .met = false, .violated = true}},
	{.vn = "v&1", .name = "l2", .enabled = false, .up = false, .gathered = true,
	 .age_ms = 40, .ctr = {.discontinuity = 1796000000}},
	{.vn = "v&1", .name = "lx", .up = true},
	{.vn = "v2", .name = "l", .enabled = true, .up = false, .ifname = "",
	 .ctr = {.in_octets = 1, .discontinuity = 1796000123},
	 .watch = {.measured = true, .met = true}},
};

struct ifn {
	const char *vn, *vr, *obj, *ifname;
};

static const struct ifn ifns[] = {
	{"v&1", "r<1>", "e0", "tap&0"},
	{"v&1", "r<1>", "e1", "tap1"},
	{"v&1", "r<1>", "e2", "tap>2"},
	{"v&1", "r'2\"", "e0", "t2"},
	{"v&1", "nope", "e0", "t9"},
	{"v&1", NULL, "l&1", "vl<a>"},
	{"v&1", NULL, "l&1", "vl>b"},
	{"v&1", NULL, "l2", "x"},
	{"v&1", NULL, "l2", "x"},
	{"v&1", NULL, "l3", "y&"},
	{"v&1", NULL, "l3", "z"},
	{"v2", "a", "e0", "ta"},
	{"v2", NULL, "nolink", "q"},
	{NULL, NULL, NULL, NULL},
};

static int test_ifnames(void *src, vnm_ifname_cb cb, void *arg)
{
	const struct ifn *i;
	int rc;

	for (i = src; i->vn; i++) {
		if ((rc = cb(arg, i->vn, i->vr, i->obj, i->ifname)))
			return rc;
	}
	return 0;
}

/* The networks of tree printed both ways, compared. */
static void both_ways(const struct lyd_node *tree, const struct vnm_snapshot *snap,
		      const struct ifn *ifn)
{
	struct lyd_node *dup = NULL;
	struct vnm_nets_text *t;
	struct vnm_err err = {0};
	char *slow = NULL, *fast = NULL;
	size_t slen = 0, flen = 0;

	assert_int_equal(lyd_dup_siblings(tree, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &dup),
			 LY_SUCCESS);
	assert_int_equal(vnm_oper_add_from(&dup, false, snap, test_ifnames, (void *)ifn, &err), 0);
	assert_int_equal(vnm_xml_print(dup, LYD_PRINT_WD_EXPLICIT, &slow, &slen), 0);
	lyd_free_all(dup);

	t = vnm_nets_text_new(tree);
	assert_non_null(t);
	assert_int_equal(vnm_nets_text_fill(t, snap, test_ifnames, (void *)ifn, &fast, &flen), 0);
	vnm_nets_text_unref(t);
	if (getenv("SHOW") || flen != slen || strcmp(fast, slow))
		fprintf(stderr, "tree:\n%s\ntext:\n%s\n", slow, fast);
	assert_int_equal(flen, slen);
	assert_string_equal(fast, slow);
	free(slow);
	free(fast);
}

static struct lyd_node *networks(void)
{
	struct lyd_node *tree = fx_tree(config), *n;

	/* the ietf-network part, as vnm_core_running_module gives it */
	LY_LIST_FOR(tree, n) {
		if (!strcmp(n->schema->module->name, "ietf-network"))
			break;
	}
	assert_non_null(n);
	if (tree == n)
		tree = n->next;
	lyd_unlink_tree(n);
	lyd_free_all(tree);
	return n;
}

static void test_state_in_place(void **state)
{
	struct vnm_snapshot snap = {.vns = vns, .n_vns = 3, .vrs = vrs, .n_vrs = 5,
				    .vls = vls, .n_vls = 4};
	struct lyd_node *tree = networks();
	char *slow = NULL;
	size_t len;

	(void)state;
	both_ways(tree, &snap, ifns);
	/* and the state is there at all */
	assert_int_equal(vnm_xml_print(tree, LYD_PRINT_WD_EXPLICIT, &slow, &len), 0);
	free(slow);
	lyd_free_all(tree);
}

static void test_without_snapshot(void **state)
{
	struct lyd_node *tree = networks();

	(void)state;
	both_ways(tree, NULL, ifns);
	both_ways(tree, NULL, ifns + 13);
	lyd_free_all(tree);
}

static void test_escaping_shows(void **state)
{
	struct vnm_snapshot snap = {.vns = vns, .n_vns = 3, .vrs = vrs, .n_vrs = 5,
				    .vls = vls, .n_vls = 4};
	struct lyd_node *tree = networks();
	struct vnm_nets_text *t = vnm_nets_text_new(tree);
	char *fast = NULL;
	size_t flen;

	(void)state;
	assert_non_null(t);
	assert_int_equal(vnm_nets_text_fill(t, &snap, test_ifnames, (void *)ifns, &fast, &flen), 0);
	assert_non_null(strstr(fast, "<domain-name>vnmd-v&amp;1-r&lt;1&gt;</domain-name>"));
	assert_non_null(strstr(fast, "<uuid>"));
	assert_non_null(strstr(fast, "<host-interface>vl&lt;a&gt;</host-interface>"
				     "<host-interface>vl&gt;b</host-interface><statistics>"));
	assert_non_null(strstr(fast, "<vnic xmlns=\"urn:vnmd:yang:vnmd\"><host-interface>tap1"));
	assert_non_null(strstr(fast, "<guarantee-violated>true</guarantee-violated>"));
	/* r'2" is beyond the tree's XPath: no state, as there */
	assert_null(strstr(fast, "<domain-name>d2</domain-name>"));
	free(fast);
	vnm_nets_text_unref(t);
	lyd_free_all(tree);
}

/* ------------------------------------------------------------------ */
/* Rates changed in place: a text patched is the text printed anew     */
/* ------------------------------------------------------------------ */

static void set_leaves(struct lyd_node *tree, const struct vnm_vl_leaf *ch, size_t n)
{
	char path[512];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path),
			 "/ietf-network:networks/network[network-id=\"%s\"]/"
			 "ietf-network-topology:link[link-id=\"%s\"]/vnmd:virtual-link/%s",
			 ch[i].vn, ch[i].link, ch[i].name);
		assert_int_equal(lyd_new_path(tree, NULL, path, ch[i].value, LYD_NEW_PATH_UPDATE,
					      NULL), LY_SUCCESS);
	}
}

/* p (a patched text) and the text of tree printed anew, each with the
 * state of snap: the same bytes. */
static void same_as_printed(const struct vnm_nets_text *p, const struct lyd_node *tree,
			    const struct vnm_snapshot *snap, vnm_ifnames_fn ifnames, void *src)
{
	struct vnm_nets_text *t = vnm_nets_text_new(tree);
	char *fresh = NULL, *patched = NULL;
	size_t flen = 0, plen = 0;

	assert_non_null(t);
	assert_int_equal(vnm_nets_text_fill(t, snap, ifnames, src, &fresh, &flen), 0);
	assert_int_equal(vnm_nets_text_fill(p, snap, ifnames, src, &patched, &plen), 0);
	if (getenv("SHOW") || flen != plen || strcmp(fresh, patched))
		fprintf(stderr, "printed:\n%s\npatched:\n%s\n", fresh, patched);
	assert_int_equal(plen, flen);
	assert_string_equal(patched, fresh);
	free(fresh);
	free(patched);
	vnm_nets_text_unref(t);
}

static void test_patched_rates(void **state)
{
	struct vnm_snapshot snap = {.vns = vns, .n_vns = 3, .vrs = vrs, .n_vrs = 5,
				    .vls = vls, .n_vls = 4};
	/* l&1 has a guarantee; l3 only a delay: both new leaves go before it,
	 * in the module's order whatever the order given */
	const struct vnm_vl_leaf ch1[] = {
		{"v&1", "l&1", "guaranteed-rate", "2000000"},
		{"v&1", "l3", "rate-limit", "5000000"},
		{"v&1", "l3", "guaranteed-rate", "1000"},
	};
	/* from a patched text: a limit after l&1's guarantee, at the
	 * container's end (before its state), l3's guarantee again */
	const struct vnm_vl_leaf ch2[] = {
		{"v&1", "l3", "guaranteed-rate", "18446744073709551615"},
		{"v&1", "l&1", "rate-limit", "3000000"},
	};
	/* what it cannot place: a container printed empty or not at all, a
	 * link or a leaf not there, the same leaf twice */
	const struct vnm_vl_leaf bad[][2] = {
		{{"v2", "l", "guaranteed-rate", "1"}},
		{{"v&1", "l2", "rate-limit", "1000"}},
		{{"v&1", "nolink", "guaranteed-rate", "1"}},
		{{"v&1", "l&1", "burst-size", "1"}},
		{{"v&1", "l&1", "oper-state", "up"}},
		{{"v&1", "l&1", "statistics", "1"}},
		{{"v&1", "l3", "rate-limit", "2000"}, {"v&1", "l3", "rate-limit", "3000"}},
	};
	struct lyd_node *tree = networks();
	struct vnm_nets_text *t = vnm_nets_text_new(tree), *p1, *p2;
	size_t i;

	(void)state;
	assert_non_null(t);
	p1 = vnm_nets_text_patch(t, ch1, 3);
	assert_non_null(p1);
	set_leaves(tree, ch1, 3);
	same_as_printed(p1, tree, &snap, test_ifnames, (void *)ifns);
	same_as_printed(p1, tree, NULL, test_ifnames, (void *)ifns);
	p2 = vnm_nets_text_patch(p1, ch2, 2);
	assert_non_null(p2);
	/* the texts patched from are as they were */
	vnm_nets_text_unref(t);
	vnm_nets_text_unref(p1);
	set_leaves(tree, ch2, 2);
	same_as_printed(p2, tree, &snap, test_ifnames, (void *)ifns);
	/* nothing changed: the same text */
	p1 = vnm_nets_text_patch(p2, NULL, 0);
	assert_non_null(p1);
	same_as_printed(p1, tree, &snap, test_ifnames, (void *)ifns);
	vnm_nets_text_unref(p1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(vnm_nets_text_patch(p2, bad[i], bad[i][1].vn ? 2 : 1));
	vnm_nets_text_unref(p2);
	lyd_free_all(tree);
}

/* ------------------------------------------------------------------ */
/* A large network (VNMD_OPER_TEXT_VNS VNs of 50 VRs and 50 VLs; 20     */
/* unless set): the same bytes, and the time each way takes            */
/* ------------------------------------------------------------------ */

struct big {
	unsigned n_vns;
	char **names;            /* every string the snapshot and ifnames use */
	size_t n_names;
};

static char *big_name(struct big *b, const char *fmt, unsigned x, unsigned y)
{
	char *s = NULL;

	assert_true(asprintf(&s, fmt, x, y) > 0);
	b->names[b->n_names++] = s;
	return s;
}

static int big_ifnames(void *src, vnm_ifname_cb cb, void *arg)
{
	struct big *b = src;
	char vn[32], vr[32], obj[32], ifn[32];
	unsigned v, i, e;
	int rc;

	for (v = 0; v < b->n_vns; v++) {
		snprintf(vn, sizeof(vn), "vn%u", v);
		for (i = 0; i < 50; i++) {
			snprintf(vr, sizeof(vr), "r%u", i);
			for (e = 0; e < 2; e++) {
				snprintf(obj, sizeof(obj), "eth%u", e);
				snprintf(ifn, sizeof(ifn), "vnt%u.%u.%u", v, i, e);
				if ((rc = cb(arg, vn, vr, obj, ifn)))
					return rc;
			}
		}
		for (i = 0; i < 50; i++) {
			snprintf(obj, sizeof(obj), "l%u", i);
			for (e = 0; e < 2; e++) {
				snprintf(ifn, sizeof(ifn), "vnl%u.%u%c", v, i, e ? 'b' : 'a');
				if ((rc = cb(arg, vn, NULL, obj, ifn)))
					return rc;
			}
		}
	}
	return 0;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void test_big_network(void **state)
{
	const char *env = getenv("VNMD_OPER_TEXT_VNS");
	struct big b = {.n_vns = env ? (unsigned)atoi(env) : 20};
	struct vnm_snapshot snap = {0};
	struct lyd_node *tree = fx_tree_fast(cg_big(b.n_vns, 50, -1, 0)), *dup = NULL;
	struct vnm_nets_text *t;
	struct vnm_err err = {0};
	struct timespec t0;
	char *slow = NULL, *fast = NULL;
	size_t slen, flen, i;
	double ms_tree, ms_cfg, ms_fill, ms_patch;

	(void)state;
	b.names = calloc(b.n_vns * 205 + 1, sizeof(char *));
	snap.vns = calloc(b.n_vns, sizeof(*snap.vns));
	snap.vrs = calloc(b.n_vns * 50, sizeof(*snap.vrs));
	snap.vls = calloc(b.n_vns * 50, sizeof(*snap.vls));
	assert_true(b.names && snap.vns && snap.vrs && snap.vls);
	for (i = 0; i < b.n_vns; i++) {
		snap.vns[i] = (struct vnm_snap_vn){.name = big_name(&b, "vn%u", (unsigned)i, 0),
						   .oper = VNM_VR_RUNNING};
	}
	for (i = 0; i < b.n_vns * 50; i++) {
		struct vnm_snap_vr *r = &snap.vrs[i];
		struct vnm_snap_vl *l = &snap.vls[i];

		*r = (struct vnm_snap_vr){.vn = snap.vns[i / 50].name,
					  .name = big_name(&b, "r%u", (unsigned)(i % 50), 0),
					  .domain_name = big_name(&b, "vnmd-vn%u-r%u",
								  (unsigned)(i / 50),
								  (unsigned)(i % 50)),
					  .domain_id = (int)i, .oper = VNM_VR_RUNNING};
		snprintf(r->uuid, sizeof(r->uuid), "6f1c2d3e-0000-4000-8000-%012zx", i);
		*l = (struct vnm_snap_vl){.vn = snap.vns[i / 50].name,
					  .name = big_name(&b, "l%u", (unsigned)(i % 50), 0),
					  .enabled = i % 7 != 0, .up = i % 3 != 0,
					  .ctr = {.in_octets = i * 1000, .in_packets = i, .out_octets = 7 * i,
						  .out_packets = 3, .drops = i % 5,
						  .discontinuity = 1796000000 + (int64_t)(i / 100)},
					  .watch = {.measured = i % 2 != 0, .interval_ms = 1000,
						    .rate_out = i, .rate_in = 2 * i, .met = i % 4 != 1,
						    .violated = i % 8 == 1}};
		snprintf(l->ifname, sizeof(l->ifname), "vnl%zu.%zua", i / 50, i % 50);
	}
	snap.n_vns = b.n_vns;
	snap.n_vrs = snap.n_vls = b.n_vns * 50;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(lyd_dup_siblings(tree, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &dup),
			 LY_SUCCESS);
	assert_int_equal(vnm_oper_add_from(&dup, false, &snap, big_ifnames, &b, &err), 0);
	assert_int_equal(vnm_xml_print(dup, LYD_PRINT_WD_EXPLICIT, &slow, &slen), 0);
	lyd_free_all(dup);
	ms_tree = ms_since(&t0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = vnm_nets_text_new(tree);
	assert_non_null(t);
	ms_cfg = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(vnm_nets_text_fill(t, &snap, big_ifnames, &b, &fast, &flen), 0);
	ms_fill = ms_since(&t0);
	for (i = 0; getenv("AGAIN") && i < 3; i++) {
		char *x = NULL;
		size_t xl;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(vnm_nets_text_fill(t, &snap, big_ifnames, &b, &x, &xl), 0);
		fprintf(stderr, "again: %.1f ms\n", ms_since(&t0));
		free(x);
	}
	/* a rate changed in place: the text patched, not printed anew */
	{
		const struct vnm_vl_leaf ch = {b.n_vns > 3 ? "vn3" : "vn0", "l7", "guaranteed-rate",
					       "2500000"};
		struct vnm_nets_text *p;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		p = vnm_nets_text_patch(t, &ch, 1);
		ms_patch = ms_since(&t0);
		assert_non_null(p);
		set_leaves(tree, &ch, 1);
		same_as_printed(p, tree, &snap, big_ifnames, &b);
		vnm_nets_text_unref(p);
	}
	vnm_nets_text_unref(t);
	fprintf(stderr, "%u VLs, %zu bytes: tree's way %.1f ms; text: configuration %.1f ms "
			"(once per generation; patched after a rate change %.1f ms), "
			"state %.1f ms\n",
		b.n_vns * 50, flen, ms_tree, ms_cfg, ms_patch, ms_fill);
	assert_int_equal(flen, slen);
	assert_true(!strcmp(fast, slow));
	free(slow);
	free(fast);
	for (i = 0; i < b.n_names; i++)
		free(b.names[i]);
	free(b.names);
	free(snap.vns);
	free(snap.vrs);
	free(snap.vls);
	lyd_free_all(tree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_in_place),
		cmocka_unit_test(test_without_snapshot),
		cmocka_unit_test(test_escaping_shows),
		cmocka_unit_test(test_patched_rates),
		cmocka_unit_test(test_big_network),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
