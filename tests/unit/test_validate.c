/* test_validate.c - the semantic rules of a configuration: accepted and
 * rejected configurations, each rejection with its message and the path of
 * the object at fault.
 *
 * Configurations are written with small helpers over a ring underlay of four
 * hosts rm1..rm4 (interfaces p1 towards the next host, p2 towards the
 * previous one; physical links l12, l23, l34, l41 of 10 Mbit/s).  Each
 * configuration is checked twice: parsed with YANG validation (as NETCONF
 * and `vnmd -n` do) and parsed only (as a diff applied by the edit-config
 * engine may arrive), because vnm_validate() must not rely on YANG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "model.h"
#include "model_int.h"
#include "uri_policy.h"
#include "yctx.h"

#define EXAMPLES VNM_YANG_DIR "/../examples/"

static struct ly_ctx *ctx;

/* ------------------------------------------------------------------ */
/* Writing configurations.                                             */

struct cfg {
	char *s;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) add(struct cfg *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(c->s ? c->s + c->len : NULL, c->s ? c->cap - c->len : 0, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if (c->s && c->len + (size_t)n < c->cap)
			break;
		c->cap = (c->cap + (size_t)n + 1) * 2;
		c->s = realloc(c->s, c->cap);
		assert_non_null(c->s);
	}
	c->len += (size_t)n;
}

static void begin(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	add(c, "<networks xmlns=\"urn:ietf:params:xml:ns:yang:ietf-network\" "
	       "xmlns:nt=\"urn:ietf:params:xml:ns:yang:ietf-network-topology\" "
	       "xmlns:vnm=\"urn:vnmd:yang:vnmd\">\n");
}

static void end(struct cfg *c)
{
	add(c, "</networks>\n");
}

/* kind: "phys", "virt", "both" or NULL (plain RFC 8345). */
static void net(struct cfg *c, const char *id, const char *kind, const char *supnet)
{
	add(c, "<network><network-id>%s</network-id>", id);
	if (kind) {
		add(c, "<network-types>");
		if (!strcmp(kind, "phys") || !strcmp(kind, "both"))
			add(c, "<vnm:physical-network/>");
		if (!strcmp(kind, "virt") || !strcmp(kind, "both"))
			add(c, "<vnm:virtual-network/>");
		add(c, "</network-types>");
	}
	if (supnet)
		add(c, "<supporting-network><network-ref>%s</network-ref></supporting-network>",
		    supnet);
	add(c, "\n");
}

static void net_end(struct cfg *c)
{
	add(c, "</network>\n");
}

/* tps: comma-separated tp-ids. */
static void tps(struct cfg *c, const char *list)
{
	char *d = strdup(list), *save = NULL, *t;

	for (t = strtok_r(d, ",", &save); t; t = strtok_r(NULL, ",", &save))
		add(c, "<nt:termination-point><nt:tp-id>%s</nt:tp-id></nt:termination-point>", t);
	free(d);
}

static void host(struct cfg *c, const char *name, const char *list)
{
	add(c, "<node><node-id>%s</node-id>", name);
	tps(c, list);
	add(c, "<vnm:host><vnm:libvirt-uri>test:///default</vnm:libvirt-uri></vnm:host></node>\n");
}

static void plink(struct cfg *c, const char *id, const char *sn, const char *st, const char *dn,
		  const char *dt, unsigned long long cap)
{
	add(c, "<nt:link><nt:link-id>%s</nt:link-id>"
	       "<nt:source><nt:source-node>%s</nt:source-node><nt:source-tp>%s</nt:source-tp></nt:source>"
	       "<nt:destination><nt:dest-node>%s</nt:dest-node><nt:dest-tp>%s</nt:dest-tp></nt:destination>"
	       "<vnm:physical-link><vnm:capacity>%llu</vnm:capacity></vnm:physical-link></nt:link>\n",
	    id, sn, st, dn, dt, cap);
}

/* The ring: rm1 -l12- rm2 -l23- rm3 -l34- rm4 -l41- rm1. */
static void ring(struct cfg *c, unsigned long long cap)
{
	net(c, "under", "phys", NULL);
	host(c, "rm1", "p1,p2");
	host(c, "rm2", "p1,p2");
	host(c, "rm3", "p1,p2");
	host(c, "rm4", "p1,p2");
	plink(c, "l12", "rm1", "p1", "rm2", "p2", cap);
	plink(c, "l23", "rm2", "p1", "rm3", "p2", cap);
	plink(c, "l34", "rm3", "p1", "rm4", "p2", cap);
	plink(c, "l41", "rm4", "p1", "rm1", "p2", cap);
	net_end(c);
}

/* A VR on host (in network "under"); extra goes inside vnm:router. */
static void vr_x(struct cfg *c, const char *name, const char *hostnet, const char *h,
		 const char *list, const char *extra)
{
	add(c, "<node><node-id>%s</node-id>", name);
	if (h)
		add(c, "<supporting-node><network-ref>%s</network-ref><node-ref>%s</node-ref>"
		       "</supporting-node>", hostnet, h);
	tps(c, list);
	add(c, "<vnm:router>%s</vnm:router></node>\n",
	    extra ? extra : "<vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image>");
}

static void vr(struct cfg *c, const char *name, const char *h, const char *list)
{
	vr_x(c, name, "under", h, list, NULL);
}

/* A VL; plinks: comma-separated physical links (in "under"); extra goes
 * inside vnm:virtual-link. */
static void vl(struct cfg *c, const char *id, const char *sn, const char *st, const char *dn,
	       const char *dt, const char *plinks, const char *extra)
{
	add(c, "<nt:link><nt:link-id>%s</nt:link-id>"
	       "<nt:source><nt:source-node>%s</nt:source-node><nt:source-tp>%s</nt:source-tp></nt:source>"
	       "<nt:destination><nt:dest-node>%s</nt:dest-node><nt:dest-tp>%s</nt:dest-tp></nt:destination>",
	    id, sn, st, dn, dt);
	if (plinks && *plinks) {
		char *d = strdup(plinks), *save = NULL, *t;

		for (t = strtok_r(d, ",", &save); t; t = strtok_r(NULL, ",", &save))
			add(c, "<nt:supporting-link><nt:network-ref>under</nt:network-ref>"
			       "<nt:link-ref>%s</nt:link-ref></nt:supporting-link>", t);
		free(d);
	}
	add(c, "<vnm:virtual-link>%s</vnm:virtual-link></nt:link>\n", extra ? extra : "");
}

/* ------------------------------------------------------------------ */
/* Checking them.                                                      */

/* Parse (with or without YANG validation), build, validate. */
static int run(const char *xml, int yang, struct vnm_err *err, struct lyd_node **treep)
{
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	int rc;

	vnm_err_clear(err);
	if (yang) {
		if (vnm_config_parse_mem(ctx, xml, &tree, err))
			return -2;
	} else if (lyd_parse_data_mem(ctx, xml, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0,
				      &tree) != LY_SUCCESS) {
		fail_msg("not even parseable: %s\n%s", ly_errmsg(ctx), xml);
	}
	if (vnm_model_build(tree, &m, err)) {
		rc = -3;
	} else {
		rc = vnm_validate(m, err);
	}
	vnm_model_free(m);
	if (treep)
		*treep = tree;
	else
		lyd_free_all(tree);
	return rc;
}

static void expect_ok(struct cfg *c)
{
	struct vnm_err err;

	if (run(c->s, 1, &err, NULL))
		fail_msg("rejected (YANG path): %s\n%s", err.msg, c->s);
	if (run(c->s, 0, &err, NULL))
		fail_msg("rejected (parse-only path): %s\n%s", err.msg, c->s);
	free(c->s);
}

/* The rule is vnm_validate's: checked on a tree that YANG did not see; when
 * yang_too, libyang lets it through and our rule must fire there as well.
 * err->path must find the object in the tree. */
static void expect_err_(struct cfg *c, int yang_too, const char *msg, const char *path_end)
{
	struct vnm_err err;
	struct lyd_node *tree = NULL, *found = NULL;

	if (run(c->s, 0, &err, &tree) != -1)
		fail_msg("accepted, or failed outside validation (%s), but should say \"%s\"\n%s",
			 err.msg, msg, c->s);
	if (!strstr(err.msg, msg))
		fail_msg("message \"%s\" does not contain \"%s\"", err.msg, msg);
	if (path_end) {
		size_t pl = strlen(err.path), el = strlen(path_end);

		if (pl < el || strcmp(err.path + pl - el, path_end))
			fail_msg("path %s does not end with %s", err.path, path_end);
		if (lyd_find_path(tree, err.path, 0, &found) != LY_SUCCESS || !found)
			fail_msg("path %s does not name a node of the tree", err.path);
	}
	lyd_free_all(tree);
	if (yang_too) {
		if (run(c->s, 1, &err, NULL) != -1)
			fail_msg("YANG path: not refused by validation (%s)", err.msg);
		if (!strstr(err.msg, msg))
			fail_msg("YANG path: message \"%s\" does not contain \"%s\"", err.msg, msg);
	} else {
		/* YANG (a must, a key) refuses it before our rules do */
		assert_int_equal(run(c->s, 1, &err, NULL), -2);
	}
	free(c->s);
}

#define expect_err(c, msg, path) expect_err_(c, 1, msg, path)
#define expect_err_raw(c, msg, path) expect_err_(c, 0, msg, path)

static const char *VL_END = "/ietf-network-topology:link[link-id='x']";

/* Two VRs on rm1 and rm2 in VN "a", joined by VL "x" over l12. */
static void pair(struct cfg *c, const char *plinks, const char *extra)
{
	net(c, "a", "virt", "under");
	vr(c, "vr1", "rm1", "e0");
	vr(c, "vr2", "rm2", "e0");
	vl(c, "x", "vr1", "e0", "vr2", "e0", plinks, extra);
	net_end(c);
}

/* ------------------------------------------------------------------ */
/* Accepted.                                                           */

static void file_ok(const char *name)
{
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	struct vnm_err err;
	char path[512];

	snprintf(path, sizeof(path), "%s%s", EXAMPLES, name);
	if (vnm_config_parse_file(ctx, path, &tree, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(vnm_model_build(tree, &m, &err), 0);
	if (vnm_validate(m, &err))
		fail_msg("%s: %s", name, err.msg);
	vnm_model_free(m);
	lyd_free_all(tree);
}

static void ok_figure5(void **state)
{
	(void)state;
	file_ok("figure5.xml");
}

/* Figure 4: four RMs, two VNs with one VR per RM each; VN a's VLs follow
 * the physical links, VN b's are tunnels across two physical hops. */
static void ok_figure4(void **state)
{
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	struct vnm_err err;
	struct vnm_vl *vl;

	(void)state;
	file_ok("figure4.xml");
	assert_int_equal(vnm_config_parse_file(ctx, EXAMPLES "figure4.xml", &tree, &err), 0);
	assert_int_equal(vnm_model_build(tree, &m, &err), 0);
	assert_int_equal(m->n_hosts, 4);
	assert_int_equal(m->n_vns, 2);
	assert_int_equal(m->n_vrs, 8);
	vl = vnm_model_vn(m, "vn-b")->vls[0];
	assert_int_equal(vl->n_plinks, 2);
	vnm_model_free(m);
	lyd_free_all(tree);
}

static void ok_empty_and_underlay_only(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	end(&c);
	expect_ok(&c);
	begin(&c);
	ring(&c, 10000000);
	end(&c);
	expect_ok(&c);
}

static void ok_vn_without_routers_and_with_one(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "empty", "virt", "under");
	net_end(&c);
	net(&c, "one", "virt", "under");
	vr(&c, "only", "rm3", "e0,e1");
	net_end(&c);
	end(&c);
	expect_ok(&c);
}

static void ok_same_host_link_and_reverse_direction(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0,e1");
	vr(&c, "vr2", "rm1", "e0,e1");
	vr(&c, "vr3", "rm2", "e0");
	vl(&c, "local", "vr1", "e0", "vr2", "e0", NULL, NULL);
	/* l12 goes rm1 -> rm2; this VL rides it from rm2 to rm1 */
	vl(&c, "back", "vr3", "e0", "vr2", "e1", "l12", NULL);
	net_end(&c);
	end(&c);
	expect_ok(&c);
}

static void ok_two_hop_tunnel_either_way(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "b", "virt", "under");
	vr(&c, "vr1", "rm1", "e0,e1");
	vr(&c, "vr3", "rm3", "e0,e1");
	vl(&c, "t1", "vr1", "e0", "vr3", "e0", "l12,l23", NULL);
	vl(&c, "t2", "vr3", "e1", "vr1", "e1", "l34,l41", NULL);
	net_end(&c);
	end(&c);
	expect_ok(&c);
}

static void ok_plain_topology_is_ignored(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	net(&c, "plain", NULL, "nowhere");
	add(&c, "<node><node-id>n1</node-id><supporting-node><network-ref>nowhere</network-ref>"
		"<node-ref>z</node-ref></supporting-node></node>");
	add(&c, "<node><node-id>n2</node-id></node>");
	net_end(&c);
	ring(&c, 10000000);
	end(&c);
	expect_ok(&c);
}

static void ok_guarantees_up_to_capacity(void **state)
{
	struct cfg c;
	char g[128];
	struct vnm_plink pl = {.capacity = 10000000};

	(void)state;
	/* exactly the capacity in VL frames is admitted */
	snprintf(g, sizeof(g), "<vnm:guaranteed-rate>%llu</vnm:guaranteed-rate>",
		 (unsigned long long)vnm_plink_vl_capacity(&pl));
	begin(&c);
	ring(&c, 10000000);
	pair(&c, "l12", g);
	end(&c);
	expect_ok(&c);
}

static void ok_configured_vni_mac_and_rates(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	pair(&c, "l12",
	     "<vnm:guaranteed-rate>2000000</vnm:guaranteed-rate><vnm:rate-limit>2000000"
	     "</vnm:rate-limit><vnm:burst>3000</vnm:burst><vnm:vni>4242</vnm:vni>");
	net(&c, "b", "virt", "under");
	add(&c, "<node><node-id>vr1</node-id><supporting-node><network-ref>under</network-ref>"
		"<node-ref>rm4</node-ref></supporting-node><nt:termination-point><nt:tp-id>e0"
		"</nt:tp-id><vnm:vnic><vnm:mac-address>52:54:00:00:00:01</vnm:mac-address>"
		"</vnm:vnic></nt:termination-point><vnm:router><vnm:image><vnm:disk>/d.qcow2"
		"</vnm:disk></vnm:image><vnm:admin-state>paused</vnm:admin-state></vnm:router>"
		"</node>");
	net_end(&c);
	end(&c);
	expect_ok(&c);
}

/* ------------------------------------------------------------------ */
/* Rejected: the overlay graph.                                        */

static void bad_vn_not_connected(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0");
	vr(&c, "vr2", "rm2", "e0");
	net_end(&c);
	end(&c);
	expect_err(&c, "virtual network a is not connected: router vr1 cannot reach router vr2",
		   "network[network-id='a']");
}

static void bad_vn_island(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0");
	vr(&c, "vr2", "rm2", "e0,e1");
	vr(&c, "vr3", "rm3", "e0");
	vr(&c, "vr4", "rm4", "e0");
	vl(&c, "x", "vr1", "e0", "vr2", "e0", "l12", NULL);
	vl(&c, "y", "vr2", "e1", "vr3", "e0", "l23", NULL);
	net_end(&c);
	end(&c);
	expect_err(&c, "virtual network a is not connected: router vr1 cannot reach router vr4",
		   NULL);
}

/* ------------------------------------------------------------------ */
/* Rejected: routers and their hosts.                                  */

static void bad_host_missing(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm9", "e0");
	net_end(&c);
	end(&c);
	expect_err(&c, "router vr1 of virtual network a: its host rm9 does not exist in the "
		       "underlay network under",
		   "/node[node-id='vr1']");
}

static void bad_host_in_other_network(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr_x(&c, "vr1", "b", "rm1", "e0", NULL);
	net_end(&c);
	end(&c);
	expect_err_raw(&c, "router vr1 of virtual network a: its supporting-node is in network b, "
			   "not in the underlay network under", "/node[node-id='vr1']");
}

static void bad_no_host(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", NULL, "e0");
	net_end(&c);
	end(&c);
	expect_err_raw(&c, "router vr1 of virtual network a has 0 supporting-node entries; it needs "
			   "exactly one", "/node[node-id='vr1']");
}

static void bad_no_image(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr_x(&c, "vr1", "under", "rm1", "e0", "<vnm:vcpus>2</vnm:vcpus>");
	net_end(&c);
	end(&c);
	expect_err_raw(&c, "router vr1 of virtual network a has no image", "/node[node-id='vr1']");
}

/* ------------------------------------------------------------------ */
/* Rejected: virtual links.                                            */

static void bad_vl_unknown_router(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0");
	vl(&c, "x", "vr1", "e0", "ghost", "e0", "l12", NULL);
	net_end(&c);
	end(&c);
	expect_err(&c, "link x of virtual network a: its destination router ghost does not "
			   "exist in that network", VL_END);
}

static void bad_vl_unknown_tp(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0");
	vr(&c, "vr2", "rm2", "e0");
	vl(&c, "x", "vr1", "e7", "vr2", "e0", "l12", NULL);
	net_end(&c);
	end(&c);
	expect_err(&c, "link x of virtual network a: its source router vr1 has no termination "
		   "point e7", VL_END);
}

static void bad_vl_to_itself(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0,e1");
	vl(&c, "x", "vr1", "e0", "vr1", "e1", NULL, NULL);
	net_end(&c);
	end(&c);
	expect_err(&c, "link x of virtual network a joins router vr1 to itself", VL_END);
}

static void bad_two_vls_on_one_vnic(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0");
	vr(&c, "vr2", "rm2", "e0,e1");
	vl(&c, "x", "vr1", "e0", "vr2", "e0", "l12", NULL);
	vl(&c, "y", "vr2", "e1", "vr1", "e0", "l12", NULL);
	net_end(&c);
	end(&c);
	expect_err(&c, "termination point e0 of router vr1 in virtual network a carries links x "
		       "and y; a vNIC carries at most one virtual link",
		   "termination-point[tp-id='e0']");
}

static void bad_guarantee_above_limit(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	pair(&c, "l12", "<vnm:guaranteed-rate>3000000</vnm:guaranteed-rate>"
			"<vnm:rate-limit>2000000</vnm:rate-limit>");
	end(&c);
	expect_err(&c, "link x of virtual network a: guaranteed-rate 3000000 bit/s exceeds "
		       "rate-limit 2000000 bit/s", VL_END);
}

static void bad_same_mac_on_both_ends(void **state)
{
	struct cfg c;
	const char *mac = "<vnm:vnic><vnm:mac-address>52:54:00:aa:bb:cc</vnm:mac-address></vnm:vnic>";

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	add(&c, "<node><node-id>vr1</node-id><supporting-node><network-ref>under</network-ref>"
		"<node-ref>rm1</node-ref></supporting-node><nt:termination-point><nt:tp-id>e0"
		"</nt:tp-id>%s</nt:termination-point><vnm:router><vnm:image><vnm:kernel>/k"
		"</vnm:kernel></vnm:image></vnm:router></node>", mac);
	add(&c, "<node><node-id>vr2</node-id><supporting-node><network-ref>under</network-ref>"
		"<node-ref>rm1</node-ref></supporting-node><nt:termination-point><nt:tp-id>e0"
		"</nt:tp-id>%s</nt:termination-point><vnm:router><vnm:image><vnm:kernel>/k"
		"</vnm:kernel></vnm:image></vnm:router></node>", mac);
	vl(&c, "x", "vr1", "e0", "vr2", "e0", NULL, NULL);
	net_end(&c);
	end(&c);
	expect_err(&c, "link x of virtual network a: both ends have MAC address 52:54:00:aa:bb:cc",
		   VL_END);
}

/* ------------------------------------------------------------------ */
/* Rejected: the path of a VL over the underlay.                       */

static void bad_path_missing(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	pair(&c, NULL, NULL);
	end(&c);
	expect_err(&c, "link x of virtual network a joins routers on hosts rm1 and rm2 but has no "
		       "supporting-link", VL_END);
}

static void bad_path_on_same_host(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0");
	vr(&c, "vr2", "rm1", "e0");
	vl(&c, "x", "vr1", "e0", "vr2", "e0", "l12", NULL);
	net_end(&c);
	end(&c);
	expect_err(&c, "link x of virtual network a joins routers vr1 and vr2, both on host rm1, "
		       "but lists supporting links", VL_END);
}

static void bad_path_gap(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0");
	vr(&c, "vr3", "rm3", "e0");
	vl(&c, "x", "vr1", "e0", "vr3", "e0", "l12,l34", NULL);
	net_end(&c);
	end(&c);
	expect_err(&c, "its supporting links do not form a path from host rm1 to host rm3: "
		       "physical link l34 (rm3-rm4) does not start at host rm2", VL_END);
}

static void bad_path_wrong_order(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0");
	vr(&c, "vr3", "rm3", "e0");
	vl(&c, "x", "vr1", "e0", "vr3", "e0", "l23,l12", NULL);
	net_end(&c);
	end(&c);
	expect_err(&c, "physical link l23 (rm2-rm3) does not start at host rm1", VL_END);
}

static void bad_path_ends_elsewhere(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0");
	vr(&c, "vr3", "rm3", "e0");
	vl(&c, "x", "vr1", "e0", "vr3", "e0", "l12", NULL);
	net_end(&c);
	end(&c);
	expect_err(&c, "link x of virtual network a: its supporting links end at host rm2, not at "
		       "host rm3 of router vr3", VL_END);
}

static void bad_path_unknown_plink(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	pair(&c, "l99", NULL);
	end(&c);
	expect_err(&c, "link x of virtual network a: its supporting physical link l99 does not "
		       "exist in the underlay network under", VL_END);
}

static void bad_path_link_twice(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	pair(&c, "l12,l12,l12", NULL);
	end(&c);
	/* YANG's list key refuses the repetition; our rule covers unvalidated trees */
	expect_err_raw(&c, "link x of virtual network a lists physical link l12 twice", VL_END);
}

/* ------------------------------------------------------------------ */
/* Rejected: admission.                                                */

static void bad_admission_overhead(void **state)
{
	struct cfg c;

	(void)state;
	/* 9.7 Mbit/s of VL frames need 10.02 Mbit/s on a 10 Mbit/s link */
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0,e1");
	vr(&c, "vr2", "rm2", "e0,e1");
	vl(&c, "x", "vr1", "e0", "vr2", "e0", "l12", "<vnm:guaranteed-rate>5000000</vnm:guaranteed-rate>");
	vl(&c, "y", "vr1", "e1", "vr2", "e1", "l41,l34,l23", "<vnm:guaranteed-rate>1</vnm:guaranteed-rate>");
	net_end(&c);
	net(&c, "b", "virt", "under");
	vr(&c, "vr1", "rm1", "e0");
	vr(&c, "vr2", "rm2", "e0");
	vl(&c, "x", "vr1", "e0", "vr2", "e0", "l12", "<vnm:guaranteed-rate>4700000</vnm:guaranteed-rate>");
	net_end(&c);
	end(&c);
	expect_err(&c, "physical link l12 cannot admit the guaranteed rates of its virtual links "
		       "(a/x 5000000, b/x 4700000): they need 10020344 bit/s on the wire with the "
		       "encapsulation overhead, its capacity is 10000000 bit/s",
		   "/ietf-network-topology:link[link-id='l12']");
}

static void bad_admission_on_second_hop(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0");
	vr(&c, "vr3", "rm3", "e0,e1");
	vr(&c, "vr2", "rm2", "e0");
	vl(&c, "x", "vr1", "e0", "vr3", "e0", "l12,l23", "<vnm:guaranteed-rate>6000000</vnm:guaranteed-rate>");
	vl(&c, "y", "vr3", "e1", "vr2", "e0", "l23", "<vnm:guaranteed-rate>6000000</vnm:guaranteed-rate>");
	net_end(&c);
	end(&c);
	expect_err(&c, "physical link l23 cannot admit the guaranteed rates of its virtual links "
		       "(a/x 6000000, a/y 6000000)", "/ietf-network-topology:link[link-id='l23']");
}

/* ------------------------------------------------------------------ */
/* Rejected: networks and the underlay.                                */

static void bad_two_underlays(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "under2", "phys", NULL);
	host(&c, "rm9", "p1");
	net_end(&c);
	end(&c);
	expect_err(&c, "network under2 is a second underlay (network under is the first)",
		   "network[network-id='under2']");
}

static void bad_vn_over_non_underlay(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm1", "e0");
	net_end(&c);
	net(&c, "b", "virt", "a");
	net_end(&c);
	end(&c);
	expect_err(&c, "virtual network b is supported by network a, which is not the underlay "
		       "network under",
		   "network[network-id='b']");
}

static void bad_vn_without_supporting_network(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", NULL);
	vr(&c, "vr1", "rm1", "e0");
	net_end(&c);
	end(&c);
	/* the router's must (supporting-node in the supporting network) fires in YANG */
	expect_err_raw(&c, "virtual network a has no supporting-network; add the underlay "
			   "network under",
		       "network[network-id='a']");
}

static void bad_both_markers(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "odd", "both", NULL);
	net_end(&c);
	end(&c);
	expect_err(&c, "network odd is marked both physical-network and virtual-network",
		   "network[network-id='odd']");
}

static void bad_plink_unknown_host(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	net(&c, "under", "phys", NULL);
	host(&c, "rm1", "p1");
	plink(&c, "l1x", "rm1", "p1", "rmx", "p1", 10000000);
	net_end(&c);
	end(&c);
	expect_err_raw(&c, "physical link l1x: its destination host rmx does not exist in the "
			   "underlay network under", "link[link-id='l1x']");
}

static void bad_plinks_share_interface(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	end(&c);
	/* a fifth link from rm1's p1 */
	c.len -= strlen("</network>\n</networks>\n");
	plink(&c, "l13", "rm1", "p1", "rm3", "p1", 10000000);
	net_end(&c);
	end(&c);
	expect_err(&c, "physical links l12 and l13 both use interface p1 of host rm1",
		   "link[link-id='l13']");
}

static void bad_host_interface_name_too_long(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	net(&c, "under", "phys", NULL);
	host(&c, "rm1", "a-very-long-interface");
	net_end(&c);
	end(&c);
	expect_err(&c, "host rm1: interface name \"a-very-long-interface\" of termination point "
		       "a-very-long-interface is longer than 15 bytes",
		   "termination-point[tp-id='a-very-long-interface']");
}

/* An underlay with host rm1 whose libvirt-uri is uri. */
static void uri_host(struct cfg *c, const char *uri)
{
	begin(c);
	net(c, "under", "phys", NULL);
	add(c, "<node><node-id>rm1</node-id><vnm:host><vnm:libvirt-uri>%s</vnm:libvirt-uri>"
	       "</vnm:host></node>\n", uri);
	net_end(c);
	end(c);
}

/* libvirt's ext transport runs the program command= names: as root. */
static void bad_host_uri_runs_program(void **state)
{
	struct cfg c;

	(void)state;
	uri_host(&c, "test+ext:///default?command=/tmp/x");
	expect_err(&c, "host rm1 of the underlay network under: libvirt-uri "
		       "test+ext:///default?command=/tmp/x runs a program", "node[node-id='rm1']");
}

/* The test driver reads the file a path names; not listed, so refused,
 * and the message tells the operator's option. */
static void bad_host_uri_not_allowed(void **state)
{
	struct cfg c;

	(void)state;
	uri_host(&c, "test:///etc/shadow");
	expect_err(&c, "host rm1 of the underlay network under: libvirt-uri test:///etc/shadow is "
		       "not among the hypervisors the operator allows", "node[node-id='rm1']");
	uri_host(&c, "test:///default?socket=/tmp/s");
	expect_err(&c, "--allow-uri 'test:///default?socket=/tmp/s'", "node[node-id='rm1']");
}

/* What the operator allows passes validation. */
static void ok_host_uri_allowed_by_operator(void **state)
{
	const char *allow[] = {"qemu+tls://rm*.lab.example/system"};
	struct vnm_uri_policy p = {.allow = allow, .n_allow = 1,
				   .default_uri = "test+unix:///default?socket=/s"};
	const char *uris[] = {"qemu+tls://rm1.lab.example/system", "test+unix:///default?socket=/s"};
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	struct vnm_err err;
	struct cfg c;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		uri_host(&c, uris[i]);
		assert_int_equal(vnm_config_parse_mem(ctx, c.s, &tree, &err), 0);
		assert_int_equal(vnm_model_build(tree, &m, &err), 0);
		if (vnm_validate_with(m, &p, &err))
			fail_msg("%s refused: %s", uris[i], err.msg);
		/* without the operator's word: refused */
		assert_int_equal(vnm_validate(m, &err), -1);
		vnm_model_free(m);
		lyd_free_all(tree);
		free(c.s);
	}
}

/* ------------------------------------------------------------------ */
/* Rejected: derived names across VNs.                                 */

static void bad_domain_name_collision(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a-b", "virt", "under");
	vr(&c, "c", "rm1", "e0");
	net_end(&c);
	net(&c, "a", "virt", "under");
	vr(&c, "b-c", "rm2", "e0");
	net_end(&c);
	end(&c);
	expect_err(&c, "router c of virtual network a-b and router b-c of virtual network a both "
		       "get the libvirt domain name vnmd-a-b-c", NULL);
}

static void bad_vni_collision(void **state)
{
	struct cfg c;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	pair(&c, "l12", "<vnm:vni>77</vnm:vni>");
	net(&c, "b", "virt", "under");
	vr(&c, "vr1", "rm3", "e0");
	vr(&c, "vr2", "rm4", "e0");
	vl(&c, "z", "vr1", "e0", "vr2", "e0", "l34", "<vnm:vni>77</vnm:vni>");
	net_end(&c);
	end(&c);
	expect_err(&c, "link x of virtual network a and link z of virtual network b both use VNI 77: "
		       "set virtual-link/vni on one of them", "link[link-id='z']");
}

static void bad_interface_id_collision(void **state)
{
	struct cfg c;

	(void)state;
	/* FNV-1a("vn-x", "vr1", "e122789") == FNV-1a("vn-x", "vr1", "e339192") */
	begin(&c);
	ring(&c, 10000000);
	net(&c, "vn-x", "virt", "under");
	vr(&c, "vr1", "rm1", "e122789,e339192");
	net_end(&c);
	end(&c);
	expect_err(&c, "termination point e122789 of router vr1 in virtual network vn-x and "
		       "termination point e339192 of router vr1 in virtual network vn-x get the "
		       "same host interface names (vnt09bce191, vnb09bce191): rename one of them",
		   "termination-point[tp-id='e339192']");
}

static void bad_link_id_collision(void **state)
{
	struct cfg c;

	(void)state;
	/* FNV-1a("vn-x", "l122789") == FNV-1a("vn-x", "l339192") */
	begin(&c);
	ring(&c, 10000000);
	net(&c, "vn-x", "virt", "under");
	vr(&c, "vr1", "rm1", "e0,e1");
	vr(&c, "vr2", "rm1", "e0,e1");
	vl(&c, "l122789", "vr1", "e0", "vr2", "e0", NULL, NULL);
	vl(&c, "l339192", "vr1", "e1", "vr2", "e1", NULL, NULL);
	net_end(&c);
	end(&c);
	expect_err(&c, "link l122789 of virtual network vn-x and link l339192 of virtual network "
		       "vn-x get the same host interface names (vnvbdc609d1a, vnvbdc609d1b)",
		   "link[link-id='l339192']");
}

/* ------------------------------------------------------------------ */

static void collect(void *arg, const struct vnm_err *e)
{
	(*(int *)arg)++;
	assert_true(e->msg[0] != '\0');
}

static void every_error_is_reported(void **state)
{
	struct cfg c;
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	struct vnm_err err, first;
	int n = 0;

	(void)state;
	begin(&c);
	ring(&c, 10000000);
	net(&c, "a", "virt", "under");
	vr(&c, "vr1", "rm9", "e0");
	vr_x(&c, "vr2", "under", "rm1", "e0", "<vnm:vcpus>2</vnm:vcpus>");
	vl(&c, "x", "vr1", "e0", "vr2", "e0", NULL,
	   "<vnm:guaranteed-rate>3000</vnm:guaranteed-rate><vnm:rate-limit>2000</vnm:rate-limit>");
	net_end(&c);
	end(&c);
	assert_int_equal(lyd_parse_data_mem(ctx, c.s, LYD_XML, LYD_PARSE_ONLY, 0, &tree), 0);
	assert_int_equal(vnm_model_build(tree, &m, &err), 0);
	assert_int_equal(vnm_validate_all(m, NULL, collect, &n, &first), -1);
	assert_int_equal(n, 3); /* missing host, missing image, guarantee above limit */
	assert_non_null(strstr(first.msg, "its host rm9 does not exist"));
	assert_int_equal(vnm_validate(m, &err), -1);
	assert_string_equal(err.msg, first.msg);
	vnm_model_free(m);
	lyd_free_all(tree);
	free(c.s);
}

static int setup(void **state)
{
	struct vnm_err err;

	(void)state;
	ly_log_options(LY_LOSTORE);
	if (vnm_yctx_new(false, &ctx, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ly_ctx_destroy(ctx);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ok_figure5),
		cmocka_unit_test(ok_figure4),
		cmocka_unit_test(ok_empty_and_underlay_only),
		cmocka_unit_test(ok_vn_without_routers_and_with_one),
		cmocka_unit_test(ok_same_host_link_and_reverse_direction),
		cmocka_unit_test(ok_two_hop_tunnel_either_way),
		cmocka_unit_test(ok_plain_topology_is_ignored),
		cmocka_unit_test(ok_guarantees_up_to_capacity),
		cmocka_unit_test(ok_configured_vni_mac_and_rates),
		cmocka_unit_test(bad_vn_not_connected),
		cmocka_unit_test(bad_vn_island),
		cmocka_unit_test(bad_host_missing),
		cmocka_unit_test(bad_host_in_other_network),
		cmocka_unit_test(bad_no_host),
		cmocka_unit_test(bad_no_image),
		cmocka_unit_test(bad_vl_unknown_router),
		cmocka_unit_test(bad_vl_unknown_tp),
		cmocka_unit_test(bad_vl_to_itself),
		cmocka_unit_test(bad_two_vls_on_one_vnic),
		cmocka_unit_test(bad_guarantee_above_limit),
		cmocka_unit_test(bad_same_mac_on_both_ends),
		cmocka_unit_test(bad_path_missing),
		cmocka_unit_test(bad_path_on_same_host),
		cmocka_unit_test(bad_path_gap),
		cmocka_unit_test(bad_path_wrong_order),
		cmocka_unit_test(bad_path_ends_elsewhere),
		cmocka_unit_test(bad_path_unknown_plink),
		cmocka_unit_test(bad_path_link_twice),
		cmocka_unit_test(bad_admission_overhead),
		cmocka_unit_test(bad_admission_on_second_hop),
		cmocka_unit_test(bad_two_underlays),
		cmocka_unit_test(bad_vn_over_non_underlay),
		cmocka_unit_test(bad_vn_without_supporting_network),
		cmocka_unit_test(bad_both_markers),
		cmocka_unit_test(bad_plink_unknown_host),
		cmocka_unit_test(bad_plinks_share_interface),
		cmocka_unit_test(bad_host_interface_name_too_long),
		cmocka_unit_test(bad_host_uri_runs_program),
		cmocka_unit_test(bad_host_uri_not_allowed),
		cmocka_unit_test(ok_host_uri_allowed_by_operator),
		cmocka_unit_test(bad_domain_name_collision),
		cmocka_unit_test(bad_vni_collision),
		cmocka_unit_test(bad_interface_id_collision),
		cmocka_unit_test(bad_link_id_collision),
		cmocka_unit_test(every_error_is_reported),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
