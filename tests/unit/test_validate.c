/* test_validate.c - the semantic rules of a configuration: accepted and
 * rejected configurations, each rejection with its error code, message and
 * the path of the object at fault.
 *
 * The cases are tables: a row is a configuration (the body of <networks>,
 * written with the macros below) and what vnm_validate() must say about it.
 * Most rows start from RING, an underlay of four hosts rm1..rm4 (interfaces
 * p1 towards the next host, p2 towards the previous one; physical links
 * l12, l23, l34, l41 of 10 Mbit/s).  Each configuration is checked twice:
 * parsed with YANG validation (as NETCONF and `vnmd -n` do) and parsed only
 * (as a diff applied by the edit-config engine may arrive), because
 * vnm_validate() must not rely on YANG. */
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

#include "link_nl.h"
#include "model.h"
#include "model_int.h"
#include "yctx.h"

#define EXAMPLES VNM_YANG_DIR "/../examples/"

static struct ly_ctx *ctx;

/* ------------------------------------------------------------------ */
/* Writing configurations.                                             */

#define NETWORKS_OPEN                                                         \
	"<networks xmlns=\"urn:ietf:params:xml:ns:yang:ietf-network\" "        \
	"xmlns:nt=\"urn:ietf:params:xml:ns:yang:ietf-network-topology\" "      \
	"xmlns:vnm=\"urn:vnmd:yang:vnmd\">\n"
#define NETWORKS_CLOSE "</networks>\n"

/* networks: NET(id, marker, supporting networks, nodes and links) */
#define NET(id, types, sup, body) \
	"<network><network-id>" id "</network-id>" types sup "\n" body "</network>\n"
#define PHYS "<network-types><vnm:physical-network/></network-types>"
#define VIRT "<network-types><vnm:virtual-network/></network-types>"
#define BOTH_MARKS "<network-types><vnm:physical-network/><vnm:virtual-network/></network-types>"
#define SUP(net) "<supporting-network><network-ref>" net "</network-ref></supporting-network>"
#define VN(id, body) NET(id, VIRT, SUP("under"), body)

/* nodes and their termination points */
#define TP(id) "<nt:termination-point><nt:tp-id>" id "</nt:tp-id></nt:termination-point>"
#define TP_MAC(id, mac)                                                                \
	"<nt:termination-point><nt:tp-id>" id "</nt:tp-id><vnm:vnic><vnm:mac-address>" \
	mac "</vnm:mac-address></vnm:vnic></nt:termination-point>"
#define HOST(name, tps)                                                         \
	"<node><node-id>" name "</node-id>" tps                                 \
	"<vnm:host><vnm:libvirt-uri>test:///default</vnm:libvirt-uri></vnm:host></node>\n"
#define KERNEL "<vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image>"
/* a router whose supporting-node is host in network hostnet */
#define VR_ON(hostnet, name, host, tps, router)                                   \
	"<node><node-id>" name "</node-id><supporting-node><network-ref>" hostnet \
	"</network-ref><node-ref>" host "</node-ref></supporting-node>" tps       \
	"<vnm:router>" router "</vnm:router></node>\n"
#define VR(name, host, tps) VR_ON("under", name, host, tps, KERNEL)

/* links: ends, then what goes inside (supporting links, vnm containers) */
#define LINK(id, sn, st, dn, dt, inside)                                                  \
	"<nt:link><nt:link-id>" id "</nt:link-id><nt:source><nt:source-node>" sn          \
	"</nt:source-node><nt:source-tp>" st "</nt:source-tp></nt:source><nt:destination>" \
	"<nt:dest-node>" dn "</nt:dest-node><nt:dest-tp>" dt "</nt:dest-tp>"              \
	"</nt:destination>" inside "</nt:link>\n"
#define PLINK(id, sn, st, dn, dt)                                                  \
	LINK(id, sn, st, dn, dt, "<vnm:physical-link><vnm:capacity>10000000"       \
				 "</vnm:capacity></vnm:physical-link>")
/* a VL riding the physical links named by VIA()s; extra inside vnm:virtual-link */
#define VIA_IN(net, l)                                                         \
	"<nt:supporting-link><nt:network-ref>" net "</nt:network-ref><nt:link-ref>" \
	l "</nt:link-ref></nt:supporting-link>"
#define VIA(l) VIA_IN("under", l)
#define VL(id, sn, st, dn, dt, via, extra) \
	LINK(id, sn, st, dn, dt, via "<vnm:virtual-link>" extra "</vnm:virtual-link>")
#define GUARANTEE(r) "<vnm:guaranteed-rate>" r "</vnm:guaranteed-rate>"

/* The ring rm1 -l12- rm2 -l23- rm3 -l34- rm4 -l41- rm1; more: further
 * physical links. */
#define RING_AND(more)                                                             \
	NET("under", PHYS, "",                                                     \
	    HOST("rm1", TP("p1") TP("p2")) HOST("rm2", TP("p1") TP("p2"))          \
	    HOST("rm3", TP("p1") TP("p2")) HOST("rm4", TP("p1") TP("p2"))          \
	    PLINK("l12", "rm1", "p1", "rm2", "p2") PLINK("l23", "rm2", "p1", "rm3", "p2") \
	    PLINK("l34", "rm3", "p1", "rm4", "p2") PLINK("l41", "rm4", "p1", "rm1", "p2") more)
#define RING RING_AND("")

/* Channel bonding: rm1 and rm2 joined by b1 and b2 (10 Mbit/s each), rm2
 * and rm3 by b3; tunnel addresses ta1..ta3 as given. */
#define HOST_T(name, tps, ta)                                                 \
	"<node><node-id>" name "</node-id>" tps                               \
	"<vnm:host><vnm:libvirt-uri>test:///default</vnm:libvirt-uri>"         \
	"<vnm:tunnel-address>" ta "</vnm:tunnel-address></vnm:host></node>\n"
#define BOND_UNDER_T(ta1, ta2)                                                       \
	NET("under", PHYS, "",                                                       \
	    HOST_T("rm1", TP("p1") TP("p2"), ta1)                                    \
	    HOST_T("rm2", TP("p1") TP("p2") TP("p3"), ta2)                           \
	    HOST_T("rm3", TP("p1"), "10.0.0.3")                                      \
	    PLINK("b1", "rm1", "p1", "rm2", "p1") PLINK("b2", "rm2", "p2", "rm1", "p2") \
	    PLINK("b3", "rm2", "p3", "rm3", "p1"))
#define BOND_UNDER BOND_UNDER_T("10.0.0.1", "10.0.0.2")

/* Two VRs on rm1 and rm2 in VN "a", joined by VL "x" (via, extra as VL). */
#define PAIR(via, extra)                                                          \
	VN("a", VR("vr1", "rm1", TP("e0")) VR("vr2", "rm2", TP("e0"))             \
		    VL("x", "vr1", "e0", "vr2", "e0", via, extra))

static char *doc(const char *body)
{
	char *s = NULL;

	assert_true(asprintf(&s, "%s%s%s", NETWORKS_OPEN, body, NETWORKS_CLOSE) > 0);
	return s;
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
		rc = vnm_model_set_overhead(m, vnm_link_nl_ops.encap_overhead, err);
		if (!rc)
			rc = vnm_validate(m, err);
	}
	vnm_model_free(m);
	if (treep)
		*treep = tree;
	else
		lyd_free_all(tree);
	return rc;
}

static void expect_ok(const char *body)
{
	struct vnm_err err;
	char *s = doc(body);

	if (run(s, 1, &err, NULL))
		fail_msg("rejected (YANG path): %s\n%s", err.msg, s);
	if (run(s, 0, &err, NULL))
		fail_msg("rejected (parse-only path): %s\n%s", err.msg, s);
	free(s);
}

/* A configuration vnm_validate() refuses. */
struct bad {
	const char *name;
	const char *body;         /* inside <networks> */
	bool yang_too;            /* libyang lets it through: our rule fires there too;
				   * false: YANG (a must, a key) refuses it first, and
				   * the rule is for trees that YANG did not see */
	enum vnm_err_code code;
	const char *msg;          /* a part of the message */
	const char *path_end;     /* the end of err.path (which must name a node of
				   * the tree), or NULL */
};

/* err.path must find the object in the tree. */
static void expect_err(void **state)
{
	const struct bad *b = *state;
	struct vnm_err err;
	struct lyd_node *tree = NULL, *found = NULL;
	char *s = doc(b->body);

	if (run(s, 0, &err, &tree) != -1)
		fail_msg("accepted, or failed outside validation (%s), but should say \"%s\"\n%s",
			 err.msg, b->msg, s);
	if (!strstr(err.msg, b->msg))
		fail_msg("message \"%s\" does not contain \"%s\"", err.msg, b->msg);
	if (err.code != b->code)
		fail_msg("code %d (%s), want %d (%s): %s", err.code, vnm_err_tag(err.code), b->code,
			 vnm_err_tag(b->code), err.msg);
	if (b->path_end) {
		size_t pl = strlen(err.path), el = strlen(b->path_end);

		if (pl < el || strcmp(err.path + pl - el, b->path_end))
			fail_msg("path %s does not end with %s", err.path, b->path_end);
		if (lyd_find_path(tree, err.path, 0, &found) != LY_SUCCESS || !found)
			fail_msg("path %s does not name a node of the tree", err.path);
	}
	lyd_free_all(tree);
	if (b->yang_too) {
		if (run(s, 1, &err, NULL) != -1)
			fail_msg("YANG path: not refused by validation (%s)", err.msg);
		if (!strstr(err.msg, b->msg))
			fail_msg("YANG path: message \"%s\" does not contain \"%s\"", err.msg, b->msg);
	} else if (run(s, 1, &err, NULL) != -2) {
		fail_msg("YANG path: not refused by YANG first (%s)", err.msg);
	}
	free(s);
}

#define VL_X "/ietf-network-topology:link[link-id='x']"
#define VR1 "/node[node-id='vr1']"
#define INVALID VNM_E_INVALID
#define MISSING VNM_E_MISSING

static const struct bad bad[] = {
	/* the overlay graph */
	{"vn_not_connected", RING VN("a", VR("vr1", "rm1", TP("e0")) VR("vr2", "rm2", TP("e0"))),
	 true, INVALID, "virtual network a is not connected: router vr1 cannot reach router vr2",
	 "network[network-id='a']"},
	{"vn_island",
	 RING VN("a", VR("vr1", "rm1", TP("e0")) VR("vr2", "rm2", TP("e0") TP("e1"))
			  VR("vr3", "rm3", TP("e0")) VR("vr4", "rm4", TP("e0"))
			  VL("x", "vr1", "e0", "vr2", "e0", VIA("l12"), "")
			  VL("y", "vr2", "e1", "vr3", "e0", VIA("l23"), "")),
	 true, INVALID, "virtual network a is not connected: router vr1 cannot reach router vr4",
	 NULL},

	/* routers and their hosts */
	{"host_missing", RING VN("a", VR("vr1", "rm9", TP("e0"))), true, MISSING,
	 "router vr1 of virtual network a: its host rm9 does not exist in the underlay network "
	 "under", VR1},
	{"host_in_other_network", RING VN("a", VR_ON("b", "vr1", "rm1", TP("e0"), KERNEL)), false,
	 INVALID, "router vr1 of virtual network a: its supporting-node is in network b, not in "
	 "the underlay network under", VR1},
	{"no_host",
	 RING VN("a", "<node><node-id>vr1</node-id>" TP("e0") "<vnm:router>" KERNEL
		      "</vnm:router></node>"),
	 false, INVALID, "router vr1 of virtual network a has 0 supporting-node entries; it needs "
	 "exactly one", VR1},
	{"no_image", RING VN("a", VR_ON("under", "vr1", "rm1", TP("e0"), "<vnm:vcpus>2</vnm:vcpus>")),
	 false, MISSING, "router vr1 of virtual network a has no image", VR1},
	{"vn_with_routers_without_underlay", VN("a", VR("vr1", "rm1", TP("e0"))), true, MISSING,
	 "virtual network a has routers but there is no underlay", "network[network-id='a']"},

	/* virtual links */
	{"vl_unknown_router",
	 RING VN("a", VR("vr1", "rm1", TP("e0")) VL("x", "vr1", "e0", "ghost", "e0", VIA("l12"), "")),
	 true, MISSING, "link x of virtual network a: its destination router ghost does not exist "
	 "in that network", VL_X},
	{"vl_unknown_tp",
	 RING VN("a", VR("vr1", "rm1", TP("e0")) VR("vr2", "rm2", TP("e0"))
			  VL("x", "vr1", "e7", "vr2", "e0", VIA("l12"), "")),
	 true, MISSING, "link x of virtual network a: its source router vr1 has no termination "
	 "point e7", VL_X},
	{"vl_to_itself",
	 RING VN("a", VR("vr1", "rm1", TP("e0") TP("e1")) VL("x", "vr1", "e0", "vr1", "e1", "", "")),
	 true, INVALID, "link x of virtual network a joins router vr1 to itself", VL_X},
	{"two_vls_on_one_vnic",
	 RING VN("a", VR("vr1", "rm1", TP("e0")) VR("vr2", "rm2", TP("e0") TP("e1"))
			  VL("x", "vr1", "e0", "vr2", "e0", VIA("l12"), "")
			  VL("y", "vr2", "e1", "vr1", "e0", VIA("l12"), "")),
	 true, INVALID, "termination point e0 of router vr1 in virtual network a carries links x "
	 "and y; a vNIC carries at most one virtual link", "termination-point[tp-id='e0']"},
	{"guarantee_above_limit",
	 RING PAIR(VIA("l12"), GUARANTEE("3000000") "<vnm:rate-limit>2000000</vnm:rate-limit>"),
	 true, INVALID, "link x of virtual network a: guaranteed-rate 3000000 bit/s exceeds "
	 "rate-limit 2000000 bit/s", VL_X},
	{"same_mac_on_both_ends",
	 RING VN("a", VR("vr1", "rm1", TP_MAC("e0", "52:54:00:aa:bb:cc"))
			  VR("vr2", "rm1", TP_MAC("e0", "52:54:00:aa:bb:cc"))
			  VL("x", "vr1", "e0", "vr2", "e0", "", "")),
	 true, INVALID, "link x of virtual network a: both ends have MAC address 52:54:00:aa:bb:cc",
	 VL_X},

	/* the path of a VL over the underlay */
	{"path_missing", RING PAIR("", ""), true, INVALID,
	 "link x of virtual network a joins routers on hosts rm1 and rm2 but has no "
	 "supporting-link", VL_X},
	{"path_on_same_host",
	 RING VN("a", VR("vr1", "rm1", TP("e0")) VR("vr2", "rm1", TP("e0"))
			  VL("x", "vr1", "e0", "vr2", "e0", VIA("l12"), "")),
	 true, INVALID, "link x of virtual network a joins routers vr1 and vr2, both on host rm1, "
	 "but lists supporting links", VL_X},
	{"path_gap",
	 RING VN("a", VR("vr1", "rm1", TP("e0")) VR("vr3", "rm3", TP("e0"))
			  VL("x", "vr1", "e0", "vr3", "e0", VIA("l12") VIA("l34"), "")),
	 true, INVALID, "its supporting links do not form a path from host rm1 to host rm3: "
	 "physical link l34 (rm3-rm4) does not start at host rm2", VL_X},
	{"path_wrong_order",
	 RING VN("a", VR("vr1", "rm1", TP("e0")) VR("vr3", "rm3", TP("e0"))
			  VL("x", "vr1", "e0", "vr3", "e0", VIA("l23") VIA("l12"), "")),
	 true, INVALID, "physical link l23 (rm2-rm3) does not start at host rm1", VL_X},
	{"path_ends_elsewhere",
	 RING VN("a", VR("vr1", "rm1", TP("e0")) VR("vr3", "rm3", TP("e0"))
			  VL("x", "vr1", "e0", "vr3", "e0", VIA("l12"), "")),
	 true, INVALID, "link x of virtual network a: its supporting links end at host rm2, not at "
	 "host rm3 of router vr3", VL_X},
	{"path_unknown_plink", RING PAIR(VIA("l99"), ""), true, MISSING,
	 "link x of virtual network a: its supporting physical link l99 does not exist in the "
	 "underlay network under", VL_X},
	/* YANG's list key refuses the repetition; our rule covers unvalidated trees */
	{"path_link_twice", RING PAIR(VIA("l12") VIA("l12") VIA("l12"), ""), false, INVALID,
	 "link x of virtual network a lists physical link l12 twice", VL_X},
	{"path_in_other_network", RING PAIR(VIA_IN("a", "l12"), ""), true, INVALID,
	 "link x of virtual network a: a supporting-link is in network a, not in the underlay "
	 "network under", VL_X},

	/* admission: 9.7 Mbit/s of VL frames need 10.02 Mbit/s on a 10 Mbit/s link */
	{"admission_overhead",
	 RING VN("a", VR("vr1", "rm1", TP("e0") TP("e1")) VR("vr2", "rm2", TP("e0") TP("e1"))
			  VL("x", "vr1", "e0", "vr2", "e0", VIA("l12"), GUARANTEE("5000000"))
			  VL("y", "vr1", "e1", "vr2", "e1", VIA("l41") VIA("l34") VIA("l23"),
			     GUARANTEE("1")))
	 VN("b", VR("vr1", "rm1", TP("e0")) VR("vr2", "rm2", TP("e0"))
		     VL("x", "vr1", "e0", "vr2", "e0", VIA("l12"), GUARANTEE("4700000"))),
	 true, INVALID, "physical link l12 cannot admit the guaranteed rates of its virtual links "
	 "(a/x 5000000, b/x 4700000): they need 10020344 bit/s on the wire with the encapsulation "
	 "overhead, its capacity is 10000000 bit/s", "/ietf-network-topology:link[link-id='l12']"},
	{"admission_on_second_hop",
	 RING VN("a", VR("vr1", "rm1", TP("e0")) VR("vr3", "rm3", TP("e0") TP("e1"))
			  VR("vr2", "rm2", TP("e0"))
			  VL("x", "vr1", "e0", "vr3", "e0", VIA("l12") VIA("l23"), GUARANTEE("6000000"))
			  VL("y", "vr3", "e1", "vr2", "e0", VIA("l23"), GUARANTEE("6000000"))),
	 true, INVALID, "physical link l23 cannot admit the guaranteed rates of its virtual links "
	 "(a/x 6000000, a/y 6000000)", "/ietf-network-topology:link[link-id='l23']"},

	/* networks and the underlay */
	{"two_underlays", RING NET("under2", PHYS, "", HOST("rm9", TP("p1"))), true, INVALID,
	 "network under2 is a second underlay (network under is the first)",
	 "network[network-id='under2']"},
	{"vn_over_non_underlay",
	 RING VN("a", VR("vr1", "rm1", TP("e0"))) NET("b", VIRT, SUP("a"), ""), true, INVALID,
	 "virtual network b is supported by network a, which is not the underlay network under",
	 "network[network-id='b']"},
	/* the router's must (supporting-node in the supporting network) fires in YANG */
	{"vn_without_supporting_network", RING NET("a", VIRT, "", VR("vr1", "rm1", TP("e0"))),
	 false, MISSING, "virtual network a has no supporting-network; add the underlay network "
	 "under", "network[network-id='a']"},
	{"vn_two_supporting_networks",
	 RING NET("b", "", "", "") NET("a", VIRT, SUP("under") SUP("b"), ""), true,
	 INVALID, "virtual network a lists 2 supporting networks", "network[network-id='a']"},
	{"both_markers", RING NET("odd", BOTH_MARKS, "", ""), true, INVALID,
	 "network odd is marked both physical-network and virtual-network",
	 "network[network-id='odd']"},
	{"plink_unknown_host",
	 NET("under", PHYS, "", HOST("rm1", TP("p1")) PLINK("l1x", "rm1", "p1", "rmx", "p1")),
	 false, MISSING, "physical link l1x: its destination host rmx does not exist in the "
	 "underlay network under", "link[link-id='l1x']"},
	{"plink_unknown_tp",
	 NET("under", PHYS, "", HOST("rm1", TP("p1")) HOST("rm2", TP("p1"))
				    PLINK("l12", "rm1", "p9", "rm2", "p1")),
	 false, MISSING, "physical link l12: its source host rm1 has no termination point p9",
	 "link[link-id='l12']"},
	{"plink_to_itself",
	 NET("under", PHYS, "", HOST("rm1", TP("p1") TP("p2")) PLINK("l11", "rm1", "p1", "rm1", "p2")),
	 true, INVALID, "physical link l11 joins host rm1 to itself",
	 "link[link-id='l11']"},
	{"plinks_share_interface", RING_AND(PLINK("l13", "rm1", "p1", "rm3", "p1")), true, INVALID,
	 "physical links l12 and l13 both use interface p1 of host rm1", "link[link-id='l13']"},
	{"host_interface_name_too_long",
	 NET("under", PHYS, "", HOST("rm1", TP("a-very-long-interface"))), true, INVALID,
	 "host rm1: interface name \"a-very-long-interface\" of termination point "
	 "a-very-long-interface is longer than 15 bytes",
	 "termination-point[tp-id='a-very-long-interface']"},

	/* derived names across VNs */
	{"domain_name_collision",
	 RING VN("a-b", VR("c", "rm1", TP("e0"))) VN("a", VR("b-c", "rm2", TP("e0"))), true, INVALID,
	 "router c of virtual network a-b and router b-c of virtual network a both get the "
	 "libvirt domain name vnmd-a-b-c", NULL},
	{"domain_name_with_slash", RING VN("a", VR("v/1", "rm1", TP("e0"))), true, INVALID,
	 "router v/1 of virtual network a: its libvirt domain name vnmd-a-v/1 contains '/'",
	 NULL},
	{"vni_collision",
	 RING PAIR(VIA("l12"), "<vnm:vni>77</vnm:vni>")
	 VN("b", VR("vr1", "rm3", TP("e0")) VR("vr2", "rm4", TP("e0"))
		     VL("z", "vr1", "e0", "vr2", "e0", VIA("l34"), "<vnm:vni>77</vnm:vni>")),
	 true, INVALID, "link x of virtual network a and link z of virtual network b both use VNI "
	 "77: set virtual-link/vni on one of them", "link[link-id='z']"},
	/* channel bonding */
	{"bond_with_a_link_elsewhere",
	 BOND_UNDER VN("a", VR("vr1", "rm1", TP("e0")) VR("vr2", "rm2", TP("e0"))
			    VL("x", "vr1", "e0", "vr2", "e0", VIA("b1") VIA("b2") VIA("b3"), "")),
	 true, INVALID, "link x of virtual network a: physical links b1 and b2 both join hosts "
	 "rm1 and rm2, which bonds them, but a bonded link rides only physical links between the "
	 "hosts of its routers (rm1 and rm2), and b3 joins rm2 and rm3", VL_X},
	{"bond_without_tunnel_address",
	 NET("under", PHYS, "",
	     HOST("rm1", TP("p1") TP("p2")) HOST("rm2", TP("p1") TP("p2"))
	     PLINK("b1", "rm1", "p1", "rm2", "p1") PLINK("b2", "rm1", "p2", "rm2", "p2"))
	 PAIR(VIA("b1") VIA("b2"), ""),
	 true, INVALID, "link x of virtual network a is bonded over 2 physical links, and host rm1 "
	 "has no tunnel-address", VL_X},
	{"bond_over_ipv6",
	 BOND_UNDER_T("fd00::1", "fd00::2") PAIR(VIA("b1") VIA("b2"), ""),
	 true, VNM_E_UNSUPPORTED, "host rm1 has the IPv6 tunnel-address fd00::1: bonding routes "
	 "IPv4 tunnels only", VL_X},
	{"bond_and_one_of_its_links_alone",
	 BOND_UNDER VN("a", VR("vr1", "rm1", TP("e0") TP("e1")) VR("vr2", "rm2", TP("e0") TP("e1"))
			    VL("x", "vr1", "e0", "vr2", "e0", VIA("b1") VIA("b2"), "")
			    VL("y", "vr1", "e1", "vr2", "e1", VIA("b1"), "")),
	 true, INVALID, "link y of virtual network a rides physical link b1 between hosts rm1 and "
	 "rm2, which link x of virtual network a bonds with others (b1, b2): the tunnels between "
	 "two hosts share one route", "link[link-id='y']"},
	{"bond_parts_beyond_a_link",
	 BOND_UNDER PAIR(VIA("b1") VIA("b2"), GUARANTEE("20000000")),
	 true, INVALID, "physical link b1 cannot admit the guaranteed rates of its virtual links "
	 "(a/x 10000000 (its part of a bond))", "link[link-id='b1']"},
	/* FNV-1a("vn-x", "vr1", "e122789") == FNV-1a("vn-x", "vr1", "e339192") */
	{"interface_id_collision", RING VN("vn-x", VR("vr1", "rm1", TP("e122789") TP("e339192"))),
	 true, INVALID, "termination point e122789 of router vr1 in virtual network vn-x and "
	 "termination point e339192 of router vr1 in virtual network vn-x get the same host "
	 "interface names (vnt09bce191, vnb09bce191): rename one of them",
	 "termination-point[tp-id='e339192']"},
	/* FNV-1a("vn-x", "l122789") == FNV-1a("vn-x", "l339192") */
	{"link_id_collision",
	 RING VN("vn-x", VR("vr1", "rm1", TP("e0") TP("e1")) VR("vr2", "rm1", TP("e0") TP("e1"))
			     VL("l122789", "vr1", "e0", "vr2", "e0", "", "")
			     VL("l339192", "vr1", "e1", "vr2", "e1", "", "")),
	 true, INVALID, "link l122789 of virtual network vn-x and link l339192 of virtual network "
	 "vn-x get the same host interface names (vnvbdc609d1a, vnvbdc609d1b)",
	 "link[link-id='l339192']"},
};

/* ------------------------------------------------------------------ */
/* Accepted.                                                           */

struct good {
	const char *name;
	const char *body;
};

static const struct good good[] = {
	{"empty", ""},
	{"underlay_only", RING},
	{"vn_without_routers_and_with_one",
	 RING VN("empty", "") VN("one", VR("only", "rm3", TP("e0") TP("e1")))},
	/* l12 goes rm1 -> rm2; "back" rides it from rm2 to rm1 */
	{"same_host_link_and_reverse_direction",
	 RING VN("a", VR("vr1", "rm1", TP("e0") TP("e1")) VR("vr2", "rm1", TP("e0") TP("e1"))
			  VR("vr3", "rm2", TP("e0")) VL("local", "vr1", "e0", "vr2", "e0", "", "")
			  VL("back", "vr3", "e0", "vr2", "e1", VIA("l12"), ""))},
	{"two_hop_tunnel_either_way",
	 RING VN("b", VR("vr1", "rm1", TP("e0") TP("e1")) VR("vr3", "rm3", TP("e0") TP("e1"))
			  VL("t1", "vr1", "e0", "vr3", "e0", VIA("l12") VIA("l23"), "")
			  VL("t2", "vr3", "e1", "vr1", "e1", VIA("l34") VIA("l41"), ""))},
	/* 19 Mbit/s: more than one link admits, 9.5 on each */
	{"bond_admits_the_sum_of_its_links",
	 BOND_UNDER VN("a", VR("vr1", "rm1", TP("e0") TP("e1")) VR("vr2", "rm2", TP("e0") TP("e1"))
			    VL("x", "vr1", "e0", "vr2", "e0", VIA("b1") VIA("b2"), GUARANTEE("19000000"))
			    VL("y", "vr2", "e1", "vr1", "e1", VIA("b2") VIA("b1"), ""))},
	{"plain_topology_is_ignored",
	 NET("plain", "", SUP("nowhere"),
	     "<node><node-id>n1</node-id><supporting-node><network-ref>nowhere</network-ref>"
	     "<node-ref>z</node-ref></supporting-node></node><node><node-id>n2</node-id></node>")
	 RING},
	{"configured_vni_mac_and_rates",
	 RING PAIR(VIA("l12"), GUARANTEE("2000000") "<vnm:rate-limit>2000000</vnm:rate-limit>"
			       "<vnm:burst>3000</vnm:burst><vnm:vni>4242</vnm:vni>")
	 VN("b", VR_ON("under", "vr1", "rm4", TP_MAC("e0", "52:54:00:00:00:01"),
		       "<vnm:image><vnm:disk>/d.qcow2</vnm:disk></vnm:image>"
		       "<vnm:admin-state>paused</vnm:admin-state>"))},
};

static void ok_row(void **state)
{
	const struct good *g = *state;

	expect_ok(g->body);
}

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
	if (vnm_model_set_overhead(m, vnm_link_nl_ops.encap_overhead, &err) ||
	    vnm_validate(m, &err))
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

/* Exactly the capacity in VL frames is admitted (the figure is the
 * core's, so it is computed here, not written into a row). */
static void ok_guarantees_up_to_capacity(void **state)
{
	struct vnm_plink pl = {.capacity = 10000000,
			       .overhead = (uint32_t)vnm_link_nl_ops.encap_overhead(NULL)};
	char *body = NULL;

	(void)state;
	assert_true(asprintf(&body, RING PAIR(VIA("l12"), GUARANTEE("%llu")),
			     (unsigned long long)vnm_plink_vl_capacity(&pl)) > 0);
	expect_ok(body);
	free(body);
}

/* The overhead admission counts is the link driver's figure for the
 * encapsulation of the VLs on a physical link: one the driver does not
 * have is refused, and so are two on one link (its size table counts one
 * overhead per packet). */
static void encapsulation_from_the_driver(void **state)
{
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	struct vnm_vl *x, *y;
	struct vnm_err err;
	char *s = doc(RING VN("a", VR("vr1", "rm1", TP("e0") TP("e1"))
				   VR("vr2", "rm2", TP("e0") TP("e1"))
				   VL("x", "vr1", "e0", "vr2", "e0", VIA("l12"), "")
				   VL("y", "vr1", "e1", "vr2", "e1", VIA("l12"), "")));

	(void)state;
	assert_int_equal(vnm_config_parse_mem(ctx, s, &tree, &err), 0);
	assert_int_equal(vnm_model_build(tree, &m, &err), 0);
	x = vnm_model_vl(m, "a", "x");
	y = vnm_model_vl(m, "a", "y");
	/* the YANG default, and VXLAN's 50 bytes on the link both ride */
	assert_string_equal(x->encap, "vxlan");
	assert_int_equal(vnm_model_set_overhead(m, vnm_link_nl_ops.encap_overhead, &err), 0);
	assert_string_equal(vnm_model_plink(m, "l12")->encap, "vxlan");
	assert_int_equal(vnm_model_plink(m, "l12")->overhead, 50);
	assert_int_equal(vnm_plink_vl_capacity(vnm_model_plink(m, "l12")),
			 10000000ULL * 1514 / 1564);
	free(y->encap);
	assert_non_null(y->encap = strdup("geneve"));
	assert_int_equal(vnm_model_set_overhead(m, vnm_link_nl_ops.encap_overhead, &err), -1);
	assert_non_null(strstr(err.msg, "physical link l12: links a/x (vxlan) and a/y (geneve) "
					"ride it with two encapsulations"));
	assert_non_null(strstr(err.path, "link-id='l12'"));
	free(x->encap);
	assert_non_null(x->encap = strdup("geneve"));
	assert_int_equal(vnm_model_set_overhead(m, vnm_link_nl_ops.encap_overhead, &err), -1);
	assert_non_null(strstr(err.msg, "the link driver has no encapsulation geneve (link a/x)"));
	vnm_model_free(m);
	lyd_free_all(tree);
	free(s);
}

/* ------------------------------------------------------------------ */

static void collect(void *arg, const struct vnm_err *e)
{
	(*(int *)arg)++;
	assert_true(e->msg[0] != '\0');
}

static void every_error_is_reported(void **state)
{
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	struct vnm_err err, first;
	int n = 0;
	char *s = doc(RING VN("a", VR("vr1", "rm9", TP("e0"))
				   VR_ON("under", "vr2", "rm1", TP("e0"), "<vnm:vcpus>2</vnm:vcpus>")
				   VL("x", "vr1", "e0", "vr2", "e0", "",
				      GUARANTEE("3000") "<vnm:rate-limit>2000</vnm:rate-limit>")));

	(void)state;
	assert_int_equal(lyd_parse_data_mem(ctx, s, LYD_XML, LYD_PARSE_ONLY, 0, &tree), 0);
	assert_int_equal(vnm_model_build(tree, &m, &err), 0);
	assert_int_equal(vnm_validate_all(m, NULL, collect, &n, &first), -1);
	assert_int_equal(n, 3); /* missing host, missing image, guarantee above limit */
	assert_non_null(strstr(first.msg, "its host rm9 does not exist"));
	assert_int_equal(vnm_validate(m, &err), -1);
	assert_string_equal(err.msg, first.msg);
	vnm_model_free(m);
	lyd_free_all(tree);
	free(s);
}

/* The split of a bonded VL's figures over links of 30 and 10 Mbit/s:
 * three quarters and one quarter, in VL frames; the parts add up to the
 * whole; the nexthop weights follow; another VL's default share on a link
 * counts only the part of the guarantee that link carries. */
static void bond_split_figures(void **state)
{
#define CAPLINK(id, sn, st, dn, dt, cap) \
	LINK(id, sn, st, dn, dt, "<vnm:physical-link><vnm:capacity>" cap \
				 "</vnm:capacity></vnm:physical-link>")
	const char *body =
		NET("under", PHYS, "",
		    HOST_T("rm1", TP("p1") TP("p2"), "10.0.0.1")
		    HOST_T("rm2", TP("p1") TP("p2"), "10.0.0.2")
		    CAPLINK("b1", "rm1", "p1", "rm2", "p1", "30000000")
		    CAPLINK("b2", "rm1", "p2", "rm2", "p2", "10000000"))
		VN("a", VR("vr1", "rm1", TP("e0") TP("e1")) VR("vr2", "rm2", TP("e0") TP("e1"))
			    VL("x", "vr1", "e0", "vr2", "e0", VIA("b1") VIA("b2"),
			       GUARANTEE("8000001") "<vnm:rate-limit>20000000</vnm:rate-limit>")
			    VL("y", "vr1", "e1", "vr2", "e1", VIA("b2") VIA("b1"), ""));
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	const struct vnm_plink *b1, *b2;
	const struct vnm_vl *x, *y;
	struct vnm_shape sh;
	struct vnm_err err;
	uint64_t c1, c2, g1, g2, l1;
	char *s = doc(body);

	(void)state;
	assert_int_equal(vnm_config_parse_mem(ctx, s, &tree, &err), 0);
	assert_int_equal(vnm_model_build(tree, &m, &err), 0);
	assert_int_equal(vnm_model_set_overhead(m, vnm_link_nl_ops.encap_overhead, &err), 0);
	if (vnm_validate(m, &err))
		fail_msg("refused: %s", err.msg);
	b1 = vnm_model_plink(m, "b1");
	b2 = vnm_model_plink(m, "b2");
	x = vnm_model_vl(m, "a", "x");
	y = vnm_model_vl(m, "a", "y");
	assert_true(vnm_vl_bonded(x) && vnm_vl_bonded(y));
	assert_ptr_equal(vnm_plink_bond(b1), x);
	c1 = vnm_plink_vl_capacity(b1);
	c2 = vnm_plink_vl_capacity(b2);
	assert_true(c1 + 3 >= 3 * c2 && c1 <= 3 * c2 + 3); /* rounding of the overhead */
	/* three quarters and one quarter; the parts add up to the whole */
	g1 = vnm_vl_guaranteed_on(x, b1);
	g2 = vnm_vl_guaranteed_on(x, b2);
	assert_true(g1 >= 5999999 && g1 <= 6000001);
	assert_int_equal(g1 + g2, 8000001);
	l1 = vnm_vl_part_on(x, b1, x->limit);
	assert_true(l1 >= 14999999 && l1 <= 15000001);
	assert_int_equal(l1 + vnm_vl_part_on(x, b2, x->limit), 20000000);
	vnm_vl_shape_on(x, b1, &sh);
	assert_int_equal(sh.rate, g1);
	assert_int_equal(sh.ceil, l1);
	vnm_vl_shape_on(x, b2, &sh);
	assert_int_equal(sh.rate, g2);
	assert_int_equal(sh.ceil, 20000000 - l1);
	/* y has no guarantee: on each link what x's part leaves */
	vnm_vl_shape_on(y, b2, &sh);
	assert_int_equal(sh.rate, c2 - g2);
	assert_int_equal(sh.ceil, c2);
	vnm_vl_shape_on(y, b1, &sh);
	assert_int_equal(sh.rate, c1 - g1);
	assert_int_equal(vnm_bond_weight(x, b1), 256);
	assert_int_equal(vnm_bond_weight(x, b2), 85);
	/* a VL on one link is not bonded: its figures stay whole */
	assert_int_equal(vnm_vl_part_on(y, NULL, 7), 7);
	vnm_model_free(m);
	lyd_free_all(tree);
	free(s);
#undef CAPLINK
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

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(ok_figure5),
		cmocka_unit_test(ok_figure4),
		cmocka_unit_test(ok_guarantees_up_to_capacity),
		cmocka_unit_test(every_error_is_reported),
		cmocka_unit_test(encapsulation_from_the_driver),
		cmocka_unit_test(bond_split_figures),
	};
	struct CMUnitTest tests[N_OF(fixed) + N_OF(good) + N_OF(bad)];
	char names[N_OF(good) + N_OF(bad)][80];
	size_t i, n = 0;

	for (i = 0; i < N_OF(fixed); i++)
		tests[n++] = fixed[i];
	for (i = 0; i < N_OF(good); i++, n++) {
		snprintf(names[n - N_OF(fixed)], sizeof(names[0]), "ok_%s", good[i].name);
		tests[n] = (struct CMUnitTest){.name = names[n - N_OF(fixed)], .test_func = ok_row,
					       .initial_state = (void *)&good[i]};
	}
	for (i = 0; i < N_OF(bad); i++, n++) {
		snprintf(names[n - N_OF(fixed)], sizeof(names[0]), "bad_%s", bad[i].name);
		tests[n] = (struct CMUnitTest){.name = names[n - N_OF(fixed)], .test_func = expect_err,
					       .initial_state = (void *)&bad[i]};
	}
	return _cmocka_run_group_tests("test_validate", tests, n, setup, teardown);
}
