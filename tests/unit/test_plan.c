/*
 * test_plan.c - planning: which driver calls a change makes, in which
 * order, with which inverses, and that a change costs what it touches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "cfg_gen.h"
#include "core_fixture.h"
#include "fake_driver.h"
#include "plan.h"
#include "txn.h"

struct pair_fx {
	struct lyd_node *ta, *tb, *diff;
	struct vnm_model *ma, *mb;
	struct vnm_plan *full, *by_diff;
};

static void plan_trees(struct pair_fx *p)
{
	struct vnm_err err;

	p->ma = fx_model(p->ta);
	p->mb = fx_model(p->tb);
	p->diff = fx_diff(p->ta, p->tb);
	assert_int_equal(vnm_plan_build(p->ma, p->mb, NULL, 1, 2, &p->full, &err), 0);
	assert_int_equal(vnm_plan_build(p->ma, p->mb, p->diff, 1, 2, &p->by_diff, &err), 0);
}

/* Plan a -> b both ways (whole comparison and libyang diff). */
static void plan_pair(struct pair_fx *p, char *xml_a, char *xml_b)
{
	memset(p, 0, sizeof(*p));
	p->ta = xml_a ? fx_tree_take(xml_a) : NULL;
	p->tb = xml_b ? fx_tree_take(xml_b) : NULL;
	plan_trees(p);
}

static void pair_free(struct pair_fx *p)
{
	vnm_plan_free(p->full);
	vnm_plan_free(p->by_diff);
	vnm_model_free(p->ma);
	vnm_model_free(p->mb);
	lyd_free_all(p->ta);
	lyd_free_all(p->tb);
	lyd_free_all(p->diff);
}

static unsigned count_kind(const struct vnm_plan *p, enum vnm_step_kind k)
{
	unsigned n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->steps[i].fwd.kind == k;
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The plans' steps as sorted descriptions, one per line. */
static char *sorted_steps(const struct vnm_plan *p)
{
	char **d = calloc(p->n + 1, sizeof(*d)), *out;
	size_t i, len = 1;

	for (i = 0; i < p->n; i++) {
		d[i] = malloc(256);
		vnm_step_describe(&p->steps[i].fwd, d[i], 256);
		len += strlen(d[i]) + 1;
	}
	qsort(d, p->n, sizeof(*d), cmp_str);
	out = calloc(1, len);
	for (i = 0; i < p->n; i++) {
		strcat(out, d[i]);
		strcat(out, "\n");
		free(d[i]);
	}
	free(d);
	return out;
}

static bool has_step(const struct vnm_plan *p, const char *desc)
{
	char buf[256];

	for (size_t i = 0; i < p->n; i++) {
		vnm_step_describe(&p->steps[i].fwd, buf, sizeof(buf));
		if (!strcmp(buf, desc))
			return true;
	}
	return false;
}

/* The plan from the diff makes the same calls as the whole comparison. */
static void assert_same_plans(const struct pair_fx *p)
{
	char *a = sorted_steps(p->full), *b = sorted_steps(p->by_diff);

	assert_string_equal(a, b);
	free(a);
	free(b);
}

static int phase_of(const struct vnm_step *s)
{
	switch (s->kind) {
	case VNM_STEP_VL_UNSHAPE:
		return 0;
	case VNM_STEP_VL_DESTROY:
		return 1;
	case VNM_STEP_VNIC_DETACH:
		return 2;
	case VNM_STEP_VR_STATE:
		return s->to == VNM_ADMIN_STOPPED ? 3 : 13;
	case VNM_STEP_VR_UNDEFINE:
		return 4;
	case VNM_STEP_PORT_DESTROY:
		return 5;
	case VNM_STEP_PLINK_TEARDOWN:
		return 6;
	case VNM_STEP_PLINK_UPDATE:
		return 7;
	case VNM_STEP_PLINK_SETUP:
		return 8;
	case VNM_STEP_PORT_CREATE:
		return 9;
	case VNM_STEP_VR_DEFINE:
		return 10;
	case VNM_STEP_VNIC_ATTACH:
		return 11;
	case VNM_STEP_VR_RESOURCES:
		return 12;
	case VNM_STEP_VR_MIGRATE:
		return 13;
	case VNM_STEP_VL_CREATE:
		return 14;
	case VNM_STEP_VL_SHAPE:
		return 15;
	case VNM_STEP_VL_LINK:
	case VNM_STEP_VNIC_LINK:
		return 16;
	case VNM_STEP_NONE:
		break;
	}
	return -1;
}

static void assert_ordered(const struct vnm_plan *p)
{
	for (size_t i = 1; i < p->n; i++)
		assert_true(phase_of(&p->steps[i - 1].fwd) <= phase_of(&p->steps[i].fwd));
}

static enum vnm_step_kind inverse_kind(enum vnm_step_kind k)
{
	switch (k) {
	case VNM_STEP_PLINK_SETUP: return VNM_STEP_PLINK_TEARDOWN;
	case VNM_STEP_PLINK_TEARDOWN: return VNM_STEP_PLINK_SETUP;
	case VNM_STEP_PORT_CREATE: return VNM_STEP_PORT_DESTROY;
	case VNM_STEP_PORT_DESTROY: return VNM_STEP_PORT_CREATE;
	case VNM_STEP_VR_DEFINE: return VNM_STEP_VR_UNDEFINE;
	case VNM_STEP_VR_UNDEFINE: return VNM_STEP_VR_DEFINE;
	case VNM_STEP_VNIC_ATTACH: return VNM_STEP_VNIC_DETACH;
	case VNM_STEP_VNIC_DETACH: return VNM_STEP_VNIC_ATTACH;
	case VNM_STEP_VL_CREATE: return VNM_STEP_VL_DESTROY;
	case VNM_STEP_VL_DESTROY: return VNM_STEP_VL_CREATE;
	case VNM_STEP_VL_UNSHAPE: return VNM_STEP_VL_SHAPE;
	default: return k; /* set_state, resources, update, shape (or unshape) */
	}
}

static void assert_inverses(const struct vnm_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct vnm_plan_step *s = &p->steps[i];

		if (s->fwd.kind == VNM_STEP_VL_SHAPE)
			assert_true(s->inv.kind == VNM_STEP_VL_SHAPE ||
				    s->inv.kind == VNM_STEP_VL_UNSHAPE);
		else
			assert_int_equal(s->inv.kind, inverse_kind(s->fwd.kind));
	}
}

/* ------------------------------------------------------------------ */

static void build_figure4_from_empty(void **state)
{
	struct fig4_knobs k = {0};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, NULL, cg_figure4(&k));
	assert_int_equal(count_kind(p.full, VNM_STEP_PLINK_SETUP), 4);
	assert_int_equal(count_kind(p.full, VNM_STEP_PORT_CREATE), 13);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_DEFINE), 8);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_STATE), 8);
	assert_int_equal(count_kind(p.full, VNM_STEP_VL_CREATE), 6);
	/* one shaping per physical link a VL rides: lb13 and lb24 ride two */
	assert_int_equal(count_kind(p.full, VNM_STEP_VL_SHAPE), 8);
	assert_int_equal(p.full->n, 47);
	assert_true(has_step(p.full, "shape link vn-b/lb13 on physical link pl12"));
	assert_true(has_step(p.full, "shape link vn-b/lb13 on physical link pl23"));
	assert_true(has_step(p.full, "define router vn-a/a1"));
	assert_true(has_step(p.full, "start router vn-b/b4"));
	assert_ordered(p.full);
	assert_inverses(p.full);
	assert_same_plans(&p);
	pair_free(&p);
}

static void teardown_figure4(void **state)
{
	struct fig4_knobs k = {0};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, cg_figure4(&k), NULL);
	assert_int_equal(count_kind(p.full, VNM_STEP_VL_UNSHAPE), 8);
	assert_int_equal(count_kind(p.full, VNM_STEP_VL_DESTROY), 6);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_STATE), 8);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_UNDEFINE), 8);
	assert_int_equal(count_kind(p.full, VNM_STEP_PORT_DESTROY), 13);
	assert_int_equal(count_kind(p.full, VNM_STEP_PLINK_TEARDOWN), 4);
	assert_int_equal(p.full->n, 47);
	assert_ordered(p.full);
	assert_inverses(p.full);
	assert_same_plans(&p);
	pair_free(&p);
}

static void same_config_plans_nothing(void **state)
{
	struct fig4_knobs k = {0};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, cg_figure4(&k), cg_figure4(&k));
	assert_null(p.diff);
	assert_int_equal(p.full->n, 0);
	assert_int_equal(p.by_diff->n, 0);
	pair_free(&p);
}

static void rate_limit_change_is_one_shape(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.la23_limit = 40000000};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, cg_figure4(&k), cg_figure4(&k2));
	assert_int_equal(p.full->n, 1);
	assert_int_equal(p.by_diff->n, 1);
	assert_true(has_step(p.by_diff, "shape link vn-a/la23 on physical link pl23"));
	assert_int_equal(p.by_diff->steps[0].fwd.shape.ceil, 40000000);
	assert_int_equal(p.by_diff->steps[0].inv.kind, VNM_STEP_VL_SHAPE);
	assert_int_equal(p.by_diff->steps[0].inv.shape.ceil, 50000000);
	pair_free(&p);
}

/* Disabling a VL is done in place: its ends go down and both vNICs lose
 * carrier; no router is redefined or restarted, no vNIC unplugged, the VL
 * and its shaping stay.  Enabling is the mirror image. */
static void vl_disable_is_in_place(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.la23_disabled = true};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, cg_figure4(&k), cg_figure4(&k2));
	assert_int_equal(p.full->n, 3);
	assert_true(has_step(p.full, "disable link vn-a/la23"));
	assert_true(has_step(p.full, "set carrier down on vNIC vn-a/a2/eth1"));
	assert_true(has_step(p.full, "set carrier down on vNIC vn-a/a3/eth0"));
	for (size_t i = 0; i < p.full->n; i++) {
		assert_false(p.full->steps[i].fwd.up);
		assert_true(p.full->steps[i].inv.up);
		assert_int_equal(p.full->steps[i].inv.kind, p.full->steps[i].fwd.kind);
	}
	assert_same_plans(&p);
	pair_free(&p);

	plan_pair(&p, cg_figure4(&k2), cg_figure4(&k));
	assert_int_equal(p.full->n, 3);
	assert_true(has_step(p.by_diff, "enable link vn-a/la23"));
	assert_true(has_step(p.by_diff, "set carrier up on vNIC vn-a/a2/eth1"));
	assert_true(has_step(p.by_diff, "set carrier up on vNIC vn-a/a3/eth0"));
	assert_same_plans(&p);
	pair_free(&p);
}

/* Created disabled: the routers are defined and the VL made in that state,
 * no extra step.  With a rate change at the same time: one shape more. */
static void vl_created_disabled_needs_no_extra_step(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.la23_disabled = true},
			  k3 = {.la23_disabled = true, .la23_limit = 40000000};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, NULL, cg_figure4(&k2));
	assert_int_equal(p.full->n, 47);
	assert_int_equal(count_kind(p.full, VNM_STEP_VL_LINK), 0);
	assert_int_equal(count_kind(p.full, VNM_STEP_VNIC_LINK), 0);
	pair_free(&p);

	plan_pair(&p, cg_figure4(&k), cg_figure4(&k3));
	assert_int_equal(p.full->n, 4);
	assert_true(has_step(p.full, "shape link vn-a/la23 on physical link pl23"));
	assert_ordered(p.full);
	assert_same_plans(&p);
	pair_free(&p);
}

/* la12's guarantee moves what is left for lb13 on pl12 (its default
 * share), but not on pl23 where la12 does not ride. */
static void guarantee_change_reshapes_default_shares(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.la12_guaranteed = 30000000};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, cg_figure4(&k), cg_figure4(&k2));
	assert_int_equal(p.full->n, 2);
	assert_true(has_step(p.full, "shape link vn-a/la12 on physical link pl12"));
	assert_true(has_step(p.full, "shape link vn-b/lb13 on physical link pl12"));
	assert_same_plans(&p);
	pair_free(&p);
}

static void capacity_change_updates_in_place(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.pl12_capacity = 200000000};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, cg_figure4(&k), cg_figure4(&k2));
	assert_int_equal(count_kind(p.full, VNM_STEP_PLINK_UPDATE), 1);
	assert_int_equal(count_kind(p.full, VNM_STEP_PLINK_TEARDOWN), 0);
	/* default ceilings (capacity) of both VLs on pl12 move */
	assert_true(has_step(p.full, "shape link vn-a/la12 on physical link pl12"));
	assert_true(has_step(p.full, "shape link vn-b/lb13 on physical link pl12"));
	assert_int_equal(p.full->n, 3);
	assert_ordered(p.full);
	assert_same_plans(&p);
	pair_free(&p);
}

/* rm1 and rm2 joined by b1 and b2 (capacities c1, c2); VL x from vr1 on
 * rm1 to vr2 on rm2 over the links listed in via. */
static char *bond_cfg(const char *c1, const char *c2, const char *via)
{
	char *s = NULL;
	const char *host =
		"<node><node-id>rm%d</node-id><nt:termination-point><nt:tp-id>p1</nt:tp-id>"
		"</nt:termination-point><nt:termination-point><nt:tp-id>p2</nt:tp-id>"
		"</nt:termination-point><vnm:host><vnm:libvirt-uri>test:///default"
		"</vnm:libvirt-uri><vnm:tunnel-address>10.0.0.%d</vnm:tunnel-address></vnm:host>"
		"</node>";
	const char *plink =
		"<nt:link><nt:link-id>b%d</nt:link-id><nt:source><nt:source-node>rm1"
		"</nt:source-node><nt:source-tp>p%d</nt:source-tp></nt:source><nt:destination>"
		"<nt:dest-node>rm2</nt:dest-node><nt:dest-tp>p%d</nt:dest-tp></nt:destination>"
		"<vnm:physical-link><vnm:capacity>%s</vnm:capacity></vnm:physical-link></nt:link>";
	const char *vr =
		"<node><node-id>vr%d</node-id><supporting-node><network-ref>under</network-ref>"
		"<node-ref>rm%d</node-ref></supporting-node><nt:termination-point><nt:tp-id>e0"
		"</nt:tp-id></nt:termination-point><vnm:router><vnm:image><vnm:kernel>/k"
		"</vnm:kernel></vnm:image></vnm:router></node>";
	char h1[512], h2[512], l1[512], l2[512], r1[512], r2[512];

	snprintf(h1, sizeof(h1), host, 1, 1);
	snprintf(h2, sizeof(h2), host, 2, 2);
	snprintf(l1, sizeof(l1), plink, 1, 1, 1, c1);
	snprintf(l2, sizeof(l2), plink, 2, 2, 2, c2);
	snprintf(r1, sizeof(r1), vr, 1, 1);
	snprintf(r2, sizeof(r2), vr, 2, 2);
	assert_true(asprintf(&s,
		"<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><networks "
		"xmlns=\"urn:ietf:params:xml:ns:yang:ietf-network\" "
		"xmlns:nt=\"urn:ietf:params:xml:ns:yang:ietf-network-topology\" "
		"xmlns:vnm=\"urn:vnmd:yang:vnmd\"><network><network-id>under</network-id>"
		"<network-types><vnm:physical-network/></network-types>%s%s%s%s</network>"
		"<network><network-id>a</network-id><network-types><vnm:virtual-network/>"
		"</network-types><supporting-network><network-ref>under</network-ref>"
		"</supporting-network>%s%s<nt:link><nt:link-id>x</nt:link-id><nt:source>"
		"<nt:source-node>vr1</nt:source-node><nt:source-tp>e0</nt:source-tp></nt:source>"
		"<nt:destination><nt:dest-node>vr2</nt:dest-node><nt:dest-tp>e0</nt:dest-tp>"
		"</nt:destination>%s<vnm:virtual-link><vnm:rate-limit>8000000</vnm:rate-limit>"
		"</vnm:virtual-link></nt:link></network></networks></config>",
		h1, h2, l1, l2, r1, r2, via) > 0);
	return s;
}
#define BVIA(l) "<nt:supporting-link><nt:network-ref>under</nt:network-ref><nt:link-ref>" \
		l "</nt:link-ref></nt:supporting-link>"

/* A VL that comes to ride a second parallel link: rebuilt over both, and
 * both links get the bond's route (a change of the links in place); back
 * to one link, the route goes with the same step kind. */
static void bond_made_and_ended(void **state)
{
	struct pair_fx p;

	(void)state;
	plan_pair(&p, bond_cfg("10000000", "10000000", BVIA("b1")),
		  bond_cfg("10000000", "10000000", BVIA("b1") BVIA("b2")));
	assert_true(has_step(p.full, "change capacity or bond of physical link b1"));
	assert_true(has_step(p.full, "change capacity or bond of physical link b2"));
	assert_true(has_step(p.full, "shape link a/x on physical link b1"));
	assert_true(has_step(p.full, "shape link a/x on physical link b2"));
	assert_int_equal(count_kind(p.full, VNM_STEP_PLINK_TEARDOWN), 0);
	assert_ordered(p.full);
	assert_inverses(p.full);
	assert_same_plans(&p);
	pair_free(&p);
	plan_pair(&p, bond_cfg("10000000", "10000000", BVIA("b1") BVIA("b2")),
		  bond_cfg("10000000", "10000000", BVIA("b2")));
	assert_int_equal(count_kind(p.full, VNM_STEP_PLINK_UPDATE), 2);
	assert_same_plans(&p);
	pair_free(&p);
}

/* One link of a bond grows: the VL's parts move on both links (its limit
 * is split by capacity), and the route's weights with its update. */
static void bond_capacity_change_reshapes_both_links(void **state)
{
	struct pair_fx p;

	(void)state;
	plan_pair(&p, bond_cfg("10000000", "10000000", BVIA("b1") BVIA("b2")),
		  bond_cfg("30000000", "10000000", BVIA("b1") BVIA("b2")));
	/* b1's update installs the route with both weights */
	assert_true(has_step(p.full, "change capacity or bond of physical link b1"));
	assert_true(has_step(p.full, "shape link a/x on physical link b1"));
	assert_true(has_step(p.full, "shape link a/x on physical link b2"));
	assert_int_equal(p.full->n, 3);
	assert_ordered(p.full);
	assert_same_plans(&p);
	pair_free(&p);
}

static void vcpus_change_is_set_resources(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.a1_vcpus = 2};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, cg_figure4(&k), cg_figure4(&k2));
	assert_int_equal(p.full->n, 1);
	assert_int_equal(p.full->steps[0].fwd.kind, VNM_STEP_VR_RESOURCES);
	assert_int_equal(p.full->steps[0].fwd.vr->vcpus, 2);
	assert_int_equal(p.full->steps[0].inv.vr->vcpus, 1);
	assert_same_plans(&p);
	pair_free(&p);
}

static void vn_pause_pauses_its_routers(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.vnb_admin = "paused"};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, cg_figure4(&k), cg_figure4(&k2));
	assert_int_equal(p.full->n, 4);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_STATE), 4);
	assert_true(has_step(p.full, "pause router vn-b/b1"));
	assert_true(has_step(p.full, "pause router vn-b/b4"));
	assert_int_equal(p.full->steps[0].inv.to, VNM_ADMIN_RUNNING);
	assert_same_plans(&p);
	pair_free(&p);
}

static void vnic_hotplug_and_new_link(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.a4_extra = true};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, cg_figure4(&k), cg_figure4(&k2));
	assert_int_equal(count_kind(p.full, VNM_STEP_PORT_CREATE), 2);
	assert_int_equal(count_kind(p.full, VNM_STEP_VNIC_ATTACH), 2);
	assert_int_equal(count_kind(p.full, VNM_STEP_VL_CREATE), 1);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_DEFINE), 0);
	assert_true(has_step(p.full, "shape link vn-a/la14 on physical link pl41"));
	/* lb14 now shares pl41's free capacity with la14 */
	assert_true(has_step(p.full, "shape link vn-b/lb14 on physical link pl41"));
	assert_int_equal(p.full->n, 7);
	assert_ordered(p.full);
	assert_same_plans(&p);
	pair_free(&p);

	/* and back: detach, destroy */
	plan_pair(&p, cg_figure4(&k2), cg_figure4(&k));
	assert_int_equal(count_kind(p.full, VNM_STEP_VNIC_DETACH), 2);
	assert_int_equal(count_kind(p.full, VNM_STEP_PORT_DESTROY), 2);
	assert_int_equal(count_kind(p.full, VNM_STEP_VL_DESTROY), 1);
	assert_int_equal(count_kind(p.full, VNM_STEP_VL_UNSHAPE), 1);
	assert_ordered(p.full);
	assert_same_plans(&p);
	pair_free(&p);
}

static void image_change_redefines(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.a2_cmdline = "console=ttyS0 quiet"};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, cg_figure4(&k), cg_figure4(&k2));
	assert_int_equal(p.full->n, 4);
	assert_true(has_step(p.full, "stop router vn-a/a2"));
	assert_true(has_step(p.full, "undefine router vn-a/a2"));
	assert_true(has_step(p.full, "define router vn-a/a2"));
	assert_true(has_step(p.full, "start router vn-a/a2"));
	assert_ordered(p.full);
	assert_same_plans(&p);
	pair_free(&p);
}

static void host_change_moves_router_and_links(void **state)
{
	struct fig4_knobs k = {0}, k2 = {.b2_on_rm3 = true};
	struct pair_fx p;

	(void)state;
	plan_pair(&p, cg_figure4(&k), cg_figure4(&k2));
	assert_true(has_step(p.full, "undefine router vn-b/b2"));
	assert_true(has_step(p.full, "define router vn-b/b2"));
	assert_true(has_step(p.full, "destroy link vn-b/lb24"));
	assert_true(has_step(p.full, "create link vn-b/lb24"));
	/* pl23 lost lb24: the VLs without a guarantee there get more */
	assert_true(has_step(p.full, "shape link vn-b/lb13 on physical link pl23"));
	assert_true(has_step(p.full, "shape link vn-a/la23 on physical link pl23"));
	assert_false(has_step(p.full, "shape link vn-b/lb13 on physical link pl12"));
	assert_int_equal(p.full->n, 13);
	assert_ordered(p.full);
	assert_same_plans(&p);
	pair_free(&p);
}

/* The acceptance figure: one VL's rate in 10,000 VLs is one step, and the
 * diff-driven planner looks at a handful of objects, not 10,000. */
static void one_rate_change_in_10000_vls(void **state)
{
	struct pair_fx p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.ta = fx_tree_fast(cg_big(100, 100, -1, 0));
	p.tb = fx_tree_fast(cg_big(100, 100, 4321, 2000000));
	plan_trees(&p);
	assert_int_equal(p.ma->n_vls, 10000);
	assert_int_equal(p.by_diff->n, 1);
	assert_int_equal(p.full->n, 1);
	assert_true(has_step(p.by_diff, "shape link vn43/l21 on physical link pl3"));
	assert_int_equal(p.by_diff->steps[0].fwd.shape.rate, 2000000);
	assert_true(p.by_diff->n_compared < 10);
	assert_true(p.full->n_compared >= 10000);
	pair_free(&p);
}

/* ------------------------------------------------------------------ */
/* Live migration between hosts of different hypervisors               */
/* ------------------------------------------------------------------ */

/* rm1 and rm2 are two machines (two libvirt URIs), rm3 shares rm1's
 * hypervisor; r1 on r1_host, r2 on rm2, VL l12 between them (over the
 * physical link from r1's host, none when both are on rm2). */
struct mig_knobs {
	const char *r1_host;     /* "rm1", "rm2" or "rm3" */
	const char *r1_admin;    /* NULL: running */
	const char *rm2_dtype;   /* NULL: none */
	const char *rm1_uri;     /* NULL: "qemu+tcp://a/system"; "": none */
	bool r1_extra_nic;
	bool rm3_own;            /* rm3 on a hypervisor of its own */
	bool rm2_mgmt;           /* rm2 has a vnmd of its own (a participant) */
	unsigned r1_vcpus;
};

static char *mig_cfg(const struct mig_knobs *k)
{
	const char *rm1_uri = k->rm1_uri ? k->rm1_uri : "qemu+tcp://a/system";
	const char *pl = !strcmp(k->r1_host, "rm1") ? "pl12" : !strcmp(k->r1_host, "rm3") ?
			 "pl32" : NULL;
	char *buf = NULL, uri1[200] = "";
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (*rm1_uri)
		snprintf(uri1, sizeof(uri1), "<vnm:libvirt-uri>%s</vnm:libvirt-uri>", rm1_uri);
	fprintf(f, "<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
		"<networks xmlns=\"urn:ietf:params:xml:ns:yang:ietf-network\""
		" xmlns:nt=\"urn:ietf:params:xml:ns:yang:ietf-network-topology\""
		" xmlns:vnm=\"urn:vnmd:yang:vnmd\">"
		"<network><network-id>underlay</network-id>"
		"<network-types><vnm:physical-network/></network-types>"
		"<node><node-id>rm1</node-id><vnm:host>%s"
		"<vnm:tunnel-address>10.0.0.1</vnm:tunnel-address></vnm:host>"
		"<nt:termination-point><nt:tp-id>p12</nt:tp-id></nt:termination-point></node>"
		"<node><node-id>rm2</node-id><vnm:host>"
		"<vnm:libvirt-uri>qemu+tcp://b/system</vnm:libvirt-uri>%s%s%s"
		"<vnm:tunnel-address>10.0.0.2</vnm:tunnel-address>%s</vnm:host>"
		"<nt:termination-point><nt:tp-id>p21</nt:tp-id></nt:termination-point>"
		"<nt:termination-point><nt:tp-id>p23</nt:tp-id></nt:termination-point></node>"
		"<node><node-id>rm3</node-id><vnm:host>"
		"<vnm:libvirt-uri>qemu+tcp://%s/system</vnm:libvirt-uri>"
		"<vnm:tunnel-address>10.0.0.3</vnm:tunnel-address><vnm:netns>rm3</vnm:netns>"
		"</vnm:host><nt:termination-point><nt:tp-id>p32</nt:tp-id></nt:termination-point></node>",
		uri1, k->rm2_dtype ? "<vnm:domain-type>" : "", k->rm2_dtype ? k->rm2_dtype : "",
		k->rm2_dtype ? "</vnm:domain-type>" : "",
		k->rm2_mgmt ? "<vnm:management><vnm:address>unix:/run/rm2.sock</vnm:address>"
			      "</vnm:management>" : "", k->rm3_own ? "c" : "a");
	fputs("<nt:link><nt:link-id>pl12</nt:link-id>"
	      "<nt:source><nt:source-node>rm1</nt:source-node><nt:source-tp>p12</nt:source-tp></nt:source>"
	      "<nt:destination><nt:dest-node>rm2</nt:dest-node><nt:dest-tp>p21</nt:dest-tp></nt:destination>"
	      "<vnm:physical-link><vnm:capacity>100000000</vnm:capacity></vnm:physical-link></nt:link>"
	      "<nt:link><nt:link-id>pl32</nt:link-id>"
	      "<nt:source><nt:source-node>rm3</nt:source-node><nt:source-tp>p32</nt:source-tp></nt:source>"
	      "<nt:destination><nt:dest-node>rm2</nt:dest-node><nt:dest-tp>p23</nt:dest-tp></nt:destination>"
	      "<vnm:physical-link><vnm:capacity>100000000</vnm:capacity></vnm:physical-link></nt:link>"
	      "</network>", f);
	fputs("<network><network-id>vn</network-id>"
	      "<network-types><vnm:virtual-network/></network-types>"
	      "<supporting-network><network-ref>underlay</network-ref></supporting-network>", f);
	fprintf(f, "<node><node-id>r1</node-id><supporting-node><network-ref>underlay</network-ref>"
		"<node-ref>%s</node-ref></supporting-node>"
		"<nt:termination-point><nt:tp-id>eth0</nt:tp-id></nt:termination-point>%s"
		"<vnm:router>%s%s%s<vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image>%s%s%s"
		"</vnm:router></node>",
		k->r1_host, k->r1_extra_nic ?
		"<nt:termination-point><nt:tp-id>eth1</nt:tp-id></nt:termination-point>" : "",
		k->r1_vcpus ? "<vnm:vcpus>" : "", k->r1_vcpus ? (k->r1_vcpus == 2 ? "2" : "3") : "",
		k->r1_vcpus ? "</vnm:vcpus>" : "",
		k->r1_admin ? "<vnm:admin-state>" : "", k->r1_admin ? k->r1_admin : "",
		k->r1_admin ? "</vnm:admin-state>" : "");
	fputs("<node><node-id>r2</node-id><supporting-node><network-ref>underlay</network-ref>"
	      "<node-ref>rm2</node-ref></supporting-node>"
	      "<nt:termination-point><nt:tp-id>eth0</nt:tp-id></nt:termination-point>"
	      "<vnm:router><vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image></vnm:router></node>", f);
	fputs("<nt:link><nt:link-id>l12</nt:link-id>"
	      "<nt:source><nt:source-node>r1</nt:source-node><nt:source-tp>eth0</nt:source-tp></nt:source>"
	      "<nt:destination><nt:dest-node>r2</nt:dest-node><nt:dest-tp>eth0</nt:dest-tp></nt:destination>", f);
	if (pl)
		fprintf(f, "<nt:supporting-link><nt:network-ref>underlay</nt:network-ref>"
			"<nt:link-ref>%s</nt:link-ref></nt:supporting-link>", pl);
	fputs("<vnm:virtual-link><vnm:guaranteed-rate>10000000</vnm:guaranteed-rate>"
	      "<vnm:rate-limit>20000000</vnm:rate-limit></vnm:virtual-link></nt:link>"
	      "</network></networks></config>", f);
	fclose(f);
	return buf;
}

/* Plan a -> b as the vnmd of host local (NULL: of every host) sees it,
 * with the daemon's default URI; both with and without the diff. */
static int mig_plan(struct pair_fx *p, const struct mig_knobs *ka, const struct mig_knobs *kb,
		    const char *local, const char *default_uri, struct vnm_err *err)
{
	struct vnm_plan_opts o = {.default_uri = default_uri};
	struct vnm_err e2;
	int r1, r2;

	memset(p, 0, sizeof(*p));
	p->ta = fx_tree_take(mig_cfg(ka));
	p->tb = fx_tree_take(mig_cfg(kb));
	p->ma = fx_model(p->ta);
	p->mb = fx_model(p->tb);
	vnm_model_mark(p->ma, local);
	vnm_model_mark(p->mb, local);
	p->diff = fx_diff(p->ta, p->tb);
	r1 = vnm_plan_build_opts(p->ma, p->mb, NULL, 1, 2, &o, &p->full, err);
	r2 = vnm_plan_build_opts(p->ma, p->mb, p->diff, 1, 2, &o, &p->by_diff, &e2);
	assert_int_equal(r1, r2);
	return r1;
}

static size_t step_at(const struct vnm_plan *p, const char *desc)
{
	char buf[256];

	for (size_t i = 0; i < p->n; i++) {
		vnm_step_describe(&p->steps[i].fwd, buf, sizeof(buf));
		if (!strcmp(buf, desc))
			return i;
	}
	fail_msg("no step \"%s\"", desc);
	return 0;
}

#define MIG "migrate router vn/r1 live from host rm1 to host rm2"

static void move_between_machines_migrates_live(void **state)
{
	struct mig_knobs a = {.r1_host = "rm1"}, b = {.r1_host = "rm2"};
	const struct vnm_plan_step *m;
	struct pair_fx p;
	struct vnm_err err;
	size_t mi;

	(void)state;
	assert_int_equal(mig_plan(&p, &a, &b, NULL, NULL, &err), 0);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_MIGRATE), 1);
	/* never restarted: no stop, undefine, define or start */
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_STATE), 0);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_UNDEFINE), 0);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_DEFINE), 0);
	mi = step_at(p.full, MIG);
	m = &p.full->steps[mi];
	assert_string_equal(m->fwd.vr_old->host->name, "rm1");
	assert_string_equal(m->fwd.vr->host->name, "rm2");
	assert_int_equal(m->fwd.generation, 2);
	/* its inverse migrates back, with the old generation */
	assert_int_equal(m->inv.kind, VNM_STEP_VR_MIGRATE);
	assert_string_equal(m->inv.vr_old->host->name, "rm2");
	assert_string_equal(m->inv.vr->host->name, "rm1");
	assert_int_equal(m->inv.generation, 1);
	/* the new port before, the old VL ends and port after; the VL's
	 * shaping leaves pl12 after the move */
	assert_int_equal(count_kind(p.full, VNM_STEP_PORT_CREATE), 1);
	assert_true(step_at(p.full, "create port of vNIC vn/r1/eth0") < mi);
	assert_true(step_at(p.full, "unshape link vn/l12 on physical link pl12") > mi);
	assert_true(step_at(p.full, "destroy link vn/l12") > mi);
	assert_true(step_at(p.full, "destroy port of vNIC vn/r1/eth0") >
		    step_at(p.full, "destroy link vn/l12"));
	/* the new VL (now a same-host one, shaped on its veth ends) cannot
	 * clash with the tunnel: made before, beside the old one */
	assert_true(step_at(p.full, "create link vn/l12") > step_at(p.full, "create port of vNIC vn/r1/eth0"));
	assert_true(step_at(p.full, "create link vn/l12") < mi);
	assert_true(step_at(p.full, "shape link vn/l12") > step_at(p.full, "create link vn/l12"));
	assert_true(step_at(p.full, "shape link vn/l12") < mi);
	assert_inverses(p.full);
	assert_same_plans(&p);
	pair_free(&p);

	/* and back: the VL returns to pl12, shaped there */
	assert_int_equal(mig_plan(&p, &b, &a, NULL, NULL, &err), 0);
	mi = step_at(p.full, "migrate router vn/r1 live from host rm2 to host rm1");
	assert_true(step_at(p.full, "unshape link vn/l12") > mi);
	assert_true(step_at(p.full, "shape link vn/l12 on physical link pl12") < mi);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_DEFINE), 0);
	assert_same_plans(&p);
	pair_free(&p);
}

/* A tunnel re-pointed (r1 from rm1 to rm3, r2 stays on rm2): the new
 * tunnel has the old one's key on rm2, so it follows the migration. */
static void move_repoints_tunnel_after_migrating(void **state)
{
	struct mig_knobs a = {.r1_host = "rm1", .rm3_own = true},
			 b = {.r1_host = "rm3", .rm3_own = true};
	struct pair_fx p;
	struct vnm_err err;
	size_t mi;

	(void)state;
	assert_int_equal(mig_plan(&p, &a, &b, NULL, NULL, &err), 0);
	mi = step_at(p.full, "migrate router vn/r1 live from host rm1 to host rm3");
	assert_true(step_at(p.full, "destroy link vn/l12") > mi);
	assert_true(step_at(p.full, "create link vn/l12") > step_at(p.full, "destroy link vn/l12"));
	assert_true(step_at(p.full, "unshape link vn/l12 on physical link pl12") > mi);
	assert_true(step_at(p.full, "shape link vn/l12 on physical link pl32") >
		    step_at(p.full, "create link vn/l12"));
	assert_inverses(p.full);
	assert_same_plans(&p);
	pair_free(&p);
}

static void move_changes_state_and_resources_after_migrating(void **state)
{
	struct mig_knobs a = {.r1_host = "rm1"},
			 b = {.r1_host = "rm2", .r1_admin = "paused", .r1_vcpus = 2};
	struct pair_fx p;
	struct vnm_err err;
	size_t mi;

	(void)state;
	assert_int_equal(mig_plan(&p, &a, &b, NULL, NULL, &err), 0);
	mi = step_at(p.full, MIG);
	assert_true(step_at(p.full, "pause router vn/r1") > mi);
	assert_true(step_at(p.full, "change vCPUs/memory of router vn/r1") > mi);
	assert_string_equal(p.full->steps[step_at(p.full, "pause router vn/r1")].fwd.vr->host->name,
			    "rm2");
	pair_free(&p);
}

static void move_on_one_hypervisor_or_stopped_restarts(void **state)
{
	struct mig_knobs a = {.r1_host = "rm1"}, b3 = {.r1_host = "rm3"},
			 sa = {.r1_host = "rm1", .r1_admin = "stopped"},
			 sb = {.r1_host = "rm2", .r1_admin = "stopped"},
			 da = {.r1_host = "rm1", .rm1_uri = ""}, db = {.r1_host = "rm2", .rm1_uri = ""};
	struct pair_fx p;
	struct vnm_err err;

	(void)state;
	/* rm3 shares rm1's hypervisor (RMs emulated on one machine): as before */
	assert_int_equal(mig_plan(&p, &a, &b3, NULL, NULL, &err), 0);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_MIGRATE), 0);
	assert_true(has_step(p.full, "undefine router vn/r1"));
	assert_true(has_step(p.full, "define router vn/r1"));
	assert_true(has_step(p.full, "start router vn/r1"));
	pair_free(&p);
	/* a stopped router moves offline */
	assert_int_equal(mig_plan(&p, &sa, &sb, NULL, NULL, &err), 0);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_MIGRATE), 0);
	assert_true(has_step(p.full, "undefine router vn/r1"));
	assert_true(has_step(p.full, "define router vn/r1"));
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_STATE), 0);
	pair_free(&p);
	/* rm1 without a URI: the default decides */
	assert_int_equal(mig_plan(&p, &da, &db, NULL, "qemu+tcp://b/system", &err), 0);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_MIGRATE), 0);
	pair_free(&p);
	assert_int_equal(mig_plan(&p, &da, &db, NULL, "qemu:///system", &err), 0);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_MIGRATE), 1);
	pair_free(&p);
	/* unknown default: counted as one connection (as before) */
	assert_int_equal(mig_plan(&p, &da, &db, NULL, NULL, &err), 0);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_MIGRATE), 0);
	pair_free(&p);
}

static void move_one_vnmd_per_host(void **state)
{
	struct mig_knobs a = {.r1_host = "rm1"}, b = {.r1_host = "rm2"};
	struct pair_fx p;
	struct vnm_err err;

	(void)state;
	/* the source's vnmd (rm1 local, rm2 remote) migrates */
	assert_int_equal(mig_plan(&p, &a, &b, "rm1", NULL, &err), 0);
	assert_true(has_step(p.full, MIG));
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_DEFINE), 0);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_UNDEFINE), 0);
	pair_free(&p);
	/* the destination's (rm1 remote, rm2 local) plans the same move: it
	 * waits there for the domain instead of defining or starting one */
	assert_int_equal(mig_plan(&p, &a, &b, "rm2", NULL, &err), 0);
	assert_true(has_step(p.full, MIG));
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_DEFINE), 0);
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_STATE), 0);
	/* r1's new port on rm2 is made before it arrives */
	assert_true(step_at(p.full, "create port of vNIC vn/r1/eth0") < step_at(p.full, MIG));
	pair_free(&p);
	/* a third RM's vnmd plans it too (its steps there are skipped) */
	assert_int_equal(mig_plan(&p, &a, &b, "rm3", NULL, &err), 0);
	assert_true(has_step(p.full, MIG));
	assert_int_equal(count_kind(p.full, VNM_STEP_VR_DEFINE), 0);
	pair_free(&p);
}

/* r1 moving rm1 -> rm2 against the fake drivers, as the vnmd of host
 * local sees it (NULL: one vnmd for both), with that vnmd's share of the
 * world before the move made. */
struct mig_world {
	struct fake_world *fw;
	struct vnm_drivers drv;
	struct vnm_model *empty;
	struct vnm_plan *p0;
	struct pair_fx p;
	char dom[64];
};

static void mig_world_up(struct mig_world *w, const char *local)
{
	struct mig_knobs a = {.r1_host = "rm1"}, b = {.r1_host = "rm2"};
	struct vnm_err err;

	w->fw = fake_world_new();
	w->empty = fx_model(NULL);
	fake_drivers(w->fw, &w->drv);
	assert_int_equal(mig_plan(&w->p, &a, &b, local, NULL, &err), 0);
	snprintf(w->dom, sizeof(w->dom), "%s", w->p.ma->vrs[0].domain_name);
	assert_int_equal(vnm_plan_build(w->empty, w->p.ma, NULL, 0, 1, &w->p0, &err), 0);
	assert_int_equal(vnm_txn_apply(&w->drv, w->p0, NULL, &err), 0);
	fake_reset_counts(w->fw);
}

static void mig_world_down(struct mig_world *w)
{
	vnm_plan_free(w->p0);
	vnm_model_free(w->empty);
	pair_free(&w->p);
	fake_world_free(w->fw);
}

/* The destination's vnmd against the fake drivers: its commit waits for
 * the domain the source's vnmd migrates, plugs and adopts it, never
 * boots one; a router that does not come is an error naming both hosts
 * and leaves nothing behind. */
static void move_destination_waits_for_arrival(void **state)
{
	struct mig_world w;
	struct vnm_err err;
	unsigned appear = vnm_arrive_appear_ms;
	char *before, *after;

	(void)state;
	/* rm2's share before the move: r2 and l12's end */
	mig_world_up(&w, "rm2");
	assert_int_equal(fake_domain_state(w.fw, "rm1", w.dom), VNM_VR_ABSENT);

	/* nothing comes within the wait: refused, nothing made stays */
	vnm_arrive_appear_ms = 200;
	before = fake_dump(w.fw);
	memset(&err, 0, sizeof(err));
	assert_int_equal(vnm_txn_apply(&w.drv, w.p.full, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "router vn/r1 did not arrive from host rm1"));
	assert_int_equal(fake_count(w.fw, "vr_define"), 0);
	after = fake_dump(w.fw);
	assert_string_equal(after, before);
	free(after);
	free(before);

	/* it comes after a few polls: adopted running, nothing booted */
	vnm_arrive_appear_ms = 5000;
	fake_reset_counts(w.fw);
	fake_arrive_after(w.fw, "rm2", w.dom, "vn", "r1", 3);
	assert_int_equal(vnm_txn_apply(&w.drv, w.p.full, NULL, &err), 0);
	assert_int_equal(fake_domain_state(w.fw, "rm2", w.dom), VNM_VR_RUNNING);
	assert_true(fake_count(w.fw, "vr_arrival") >= 5);
	assert_int_equal(fake_count(w.fw, "vr_define"), 1);
	assert_int_equal(fake_count(w.fw, "vr_set_state"), 0);
	assert_int_equal(fake_count(w.fw, "vr_move"), 0);

	/* a router that crashed before it left arrives shut off (moved
	 * offline): adopted as it is, no taps to plug */
	fake_remove(w.fw, "dom", "rm2", w.dom);
	fake_put(w.fw, "dom", "rm2", w.dom, "vn", "r1", true);
	fake_reset_counts(w.fw);
	assert_int_equal(vnm_txn_apply(&w.drv, w.p.full, NULL, &err), 0);
	assert_int_equal(fake_count(w.fw, "vr_define"), 1);
	assert_int_equal(fake_domain_state(w.fw, "rm2", w.dom), VNM_VR_STOPPED);
	vnm_arrive_appear_ms = appear;
	mig_world_down(&w);
}

/* The source's vnmd (one per RM): a failure after the router left is
 * undone by waiting for it to come back, which the destination's vnmd
 * does when its own share is cancelled; the source never reaches into
 * the destination's hypervisor. */
static void move_source_undo_waits_for_return(void **state)
{
	struct mig_world w;
	struct vnm_err err;

	(void)state;
	mig_world_up(&w, "rm1");
	assert_int_equal(fake_domain_state(w.fw, "rm1", w.dom), VNM_VR_RUNNING);
	/* r1's new port, rm2's vnmd's share */
	fake_put(w.fw, "if", "rm2", w.p.mb->vrs[0].vnics[0].bridge, "vn", "r1/eth0", true);
	/* calls on rm1: vr_move, then the old VL's unshape fails */
	fake_fail_op(w.fw, "vl_unshape");
	fake_arrive_after(w.fw, "rm1", w.dom, "vn", "r1", 2);
	memset(&err, 0, sizeof(err));
	assert_int_equal(vnm_txn_apply(&w.drv, w.p.full, NULL, &err), -1);
	assert_int_not_equal(err.code, VNM_E_INCONSISTENT);
	assert_non_null(strstr(err.msg, "unshape link vn/l12"));
	assert_int_equal(fake_count(w.fw, "vr_move"), 1);
	assert_true(fake_count(w.fw, "vr_arrival") >= 3);
	assert_int_equal(fake_domain_state(w.fw, "rm1", w.dom), VNM_VR_RUNNING);
	mig_world_down(&w);
}

/* A coordinator would migrate a router of a host it realises itself only
 * after its participants' commits, in which the destination waits. */
static void move_from_coordinator_to_participant_refused(void **state)
{
	struct mig_knobs a = {.r1_host = "rm1", .rm2_mgmt = true},
			 b = {.r1_host = "rm2", .rm2_mgmt = true};
	struct pair_fx p;
	struct vnm_err err;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(mig_plan(&p, &a, &b, NULL, NULL, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, "router r1"));
	assert_non_null(strstr(err.msg, "from host rm1, which this vnmd realises, to host rm2"));
	pair_free(&p);
}

static void move_refusals_name_router_and_hosts(void **state)
{
	struct mig_knobs a = {.r1_host = "rm1"}, b = {.r1_host = "rm2", .rm2_dtype = "kvm"},
			 a2 = {.r1_host = "rm1", .rm2_dtype = "kvm"},
			 n = {.r1_host = "rm2", .r1_extra_nic = true};
	struct pair_fx p;
	struct vnm_err err;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(mig_plan(&p, &a2, &b, NULL, NULL, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, "router r1"));
	assert_non_null(strstr(err.msg, "host rm1 to host rm2"));
	assert_non_null(strstr(err.msg, "domain types differ"));
	assert_non_null(strstr(err.path, "node[node-id='r1']"));
	assert_null(p.full);
	pair_free(&p);
	memset(&err, 0, sizeof(err));
	assert_int_equal(mig_plan(&p, &a, &n, NULL, NULL, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, "change its vNICs"));
	pair_free(&p);
	/* stopped, it may move and change at once (offline) */
	a.r1_admin = n.r1_admin = "stopped";
	assert_int_equal(mig_plan(&p, &a, &n, NULL, NULL, &err), 0);
	pair_free(&p);
}

/* The migration against the fake drivers: the domain arrives running on
 * rm2 without a restart; a later failure sends it back. */
static void move_applied_and_undone(void **state)
{
	struct mig_world w;
	struct vnm_err err;

	(void)state;
	mig_world_up(&w, NULL);
	assert_int_equal(fake_domain_state(w.fw, "rm1", w.dom), VNM_VR_RUNNING);

	/* a step after the migration fails: back on rm1, running */
	/* calls: port, vl_create, vl_shape, vr_move, vr_define (adoption),
	 * then the old VL's unshape: fails */
	fake_fail_at(w.fw, 6);
	assert_int_equal(vnm_txn_apply(&w.drv, w.p.full, NULL, &err), -1);
	assert_int_not_equal(err.code, VNM_E_INCONSISTENT);
	assert_non_null(strstr(err.msg, "unshape link vn/l12 on physical link pl12"));
	assert_int_equal(fake_count(w.fw, "vr_move"), 2);
	assert_int_equal(fake_domain_state(w.fw, "rm1", w.dom), VNM_VR_RUNNING);
	assert_int_equal(fake_domain_state(w.fw, "rm2", w.dom), VNM_VR_ABSENT);
	fake_fail_at(w.fw, 0);

	fake_reset_counts(w.fw);
	assert_int_equal(vnm_txn_apply(&w.drv, w.p.full, NULL, &err), 0);
	assert_int_equal(fake_domain_state(w.fw, "rm2", w.dom), VNM_VR_RUNNING);
	assert_int_equal(fake_domain_state(w.fw, "rm1", w.dom), VNM_VR_ABSENT);
	assert_int_equal(fake_count(w.fw, "vr_move"), 1);
	assert_int_equal(fake_count(w.fw, "vr_set_state"), 0);
	assert_int_equal(fake_count(w.fw, "vr_undefine"), 0);
	mig_world_down(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_figure4_from_empty),
		cmocka_unit_test(teardown_figure4),
		cmocka_unit_test(same_config_plans_nothing),
		cmocka_unit_test(rate_limit_change_is_one_shape),
		cmocka_unit_test(guarantee_change_reshapes_default_shares),
		cmocka_unit_test(vl_disable_is_in_place),
		cmocka_unit_test(vl_created_disabled_needs_no_extra_step),
		cmocka_unit_test(capacity_change_updates_in_place),
		cmocka_unit_test(bond_made_and_ended),
		cmocka_unit_test(bond_capacity_change_reshapes_both_links),
		cmocka_unit_test(vcpus_change_is_set_resources),
		cmocka_unit_test(vn_pause_pauses_its_routers),
		cmocka_unit_test(vnic_hotplug_and_new_link),
		cmocka_unit_test(image_change_redefines),
		cmocka_unit_test(host_change_moves_router_and_links),
		cmocka_unit_test(one_rate_change_in_10000_vls),
		cmocka_unit_test(move_between_machines_migrates_live),
		cmocka_unit_test(move_repoints_tunnel_after_migrating),
		cmocka_unit_test(move_changes_state_and_resources_after_migrating),
		cmocka_unit_test(move_destination_waits_for_arrival),
		cmocka_unit_test(move_source_undo_waits_for_return),
		cmocka_unit_test(move_from_coordinator_to_participant_refused),
		cmocka_unit_test(move_on_one_hypervisor_or_stopped_restarts),
		cmocka_unit_test(move_one_vnmd_per_host),
		cmocka_unit_test(move_refusals_name_router_and_hosts),
		cmocka_unit_test(move_applied_and_undone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
