/* test_model.c - building the model from a tree: lookups, derived names,
 * shaping, and a large model. */
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
#include "yctx.h"

#define FIG5 VNM_YANG_DIR "/../examples/figure5.xml"

struct fix {
	struct ly_ctx *ctx;
	struct lyd_node *tree;
	struct vnm_model *m;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct vnm_err err;

	if (!f || vnm_yctx_new(false, &f->ctx, &err)) {
		fprintf(stderr, "%s\n", f ? err.msg : "oom");
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	vnm_model_free(f->m);
	lyd_free_all(f->tree);
	ly_ctx_destroy(f->ctx);
	free(f);
	return 0;
}

static void load(struct fix *f, const char *file)
{
	struct vnm_err err;

	if (vnm_config_parse_file(f->ctx, file, &f->tree, &err))
		fail_msg("%s", err.msg);
	if (vnm_model_build(f->tree, &f->m, &err))
		fail_msg("%s", err.msg);
}

static void empty_tree_gives_empty_model(void **state)
{
	struct vnm_model *m = NULL;
	struct vnm_err err;

	(void)state;
	assert_int_equal(vnm_model_build(NULL, &m, &err), 0);
	assert_non_null(m);
	assert_int_equal(m->n_hosts + m->n_plinks + m->n_vns + m->n_vrs + m->n_vls, 0);
	assert_null(m->underlay);
	assert_null(vnm_model_host(m, "rm1"));
	assert_null(vnm_model_vr(m, "vn-a", "vr1"));
	assert_int_equal(vnm_validate(m, &err), 0);
	vnm_model_free(m);
	vnm_model_free(NULL);
}

static void figure5_objects_and_lookups(void **state)
{
	struct fix *f = *state;
	struct vnm_model *m;
	struct vnm_vr *vr;
	struct vnm_vl *vl;
	struct vnm_plink *pl;

	load(f, FIG5);
	m = f->m;
	assert_string_equal(m->underlay, "underlay");
	assert_int_equal(m->n_hosts, 2);
	assert_int_equal(m->n_plinks, 1);
	assert_int_equal(m->n_vns, 2);
	assert_int_equal(m->n_vrs, 4);
	assert_int_equal(m->n_vls, 2);

	assert_ptr_equal(vnm_model_host(m, "rm2"), &m->hosts[1]);
	assert_string_equal(m->hosts[0].uri, "test:///default");
	assert_string_equal(m->hosts[0].tunnel_addr, "10.99.0.1");
	assert_int_equal(m->hosts[0].domain_type, VNM_DT_QEMU);
	assert_string_equal(m->hosts[0].ifs[0].ifname, "eth-rm1");

	pl = vnm_model_plink(m, "pl1");
	assert_non_null(pl);
	assert_int_equal(pl->capacity, 32000000);
	assert_ptr_equal(pl->src, &m->hosts[0].ifs[0]);
	assert_ptr_equal(pl->dst, &m->hosts[1].ifs[0]);
	assert_int_equal(pl->n_vls, 2);

	vr = vnm_model_vr(m, "vn-b", "vr2");
	assert_non_null(vr);
	assert_string_equal(vr->vn->name, "vn-b");
	assert_ptr_equal(vr->host, vnm_model_host(m, "rm2"));
	assert_int_equal(vr->vcpus, 1);
	assert_int_equal(vr->memory_mib, 128);
	assert_string_equal(vr->kernel, "/var/lib/vnmd/images/vmlinuz");
	assert_null(vr->disk);
	assert_string_equal(vr->domain_name, "vnmd-vn-b-vr2");
	assert_int_equal(vr->n_vnics, 2);
	assert_int_equal(vnm_vr_effective_admin(vr), VNM_ADMIN_RUNNING);

	vl = vnm_model_vl(m, "vn-a", "vl-a");
	assert_non_null(vl);
	assert_ptr_equal(vl->a, &vnm_model_vr(m, "vn-a", "vr1")->vnics[0]);
	assert_ptr_equal(vl->b, &vnm_model_vr(m, "vn-a", "vr2")->vnics[0]);
	assert_ptr_equal(vl->a->vl, vl);
	assert_null(vnm_model_vr(m, "vn-a", "vr1")->vnics[1].vl);
	assert_int_equal(vl->n_plinks, 1);
	assert_ptr_equal(vl->plinks[0], pl);
	assert_null(vnm_model_vl(m, "vn-b", "vl-a"));
	assert_null(vnm_model_vr(m, "underlay", "rm1"));
}

static int is_hex8(const char *s)
{
	return strlen(s) == 8 && strspn(s, "0123456789abcdef") == 8;
}

static void derived_names_are_short_distinct_and_stable(void **state)
{
	struct fix *f = *state;
	struct vnm_model *m2 = NULL;
	struct vnm_err err;
	struct vnm_vl *a, *b;
	struct vnm_vnic *n;

	load(f, FIG5);
	a = vnm_model_vl(f->m, "vn-a", "vl-a");
	b = vnm_model_vl(f->m, "vn-b", "vl-b");
	n = a->a;
	assert_true(is_hex8(n->id));
	assert_true(is_hex8(a->id));
	assert_int_equal(strlen(n->tap), 11);
	assert_memory_equal(n->tap, "vnt", 3);
	assert_memory_equal(n->bridge, "vnb", 3);
	assert_string_equal(n->tap + 3, n->id);
	assert_string_equal(n->bridge + 3, n->id);
	/* cross-host VLs are VXLAN devices */
	assert_memory_equal(a->end_a, "vnx", 3);
	assert_string_equal(a->end_a + 3 + 8, "a");
	assert_string_equal(a->end_b + 3 + 8, "b");
	assert_true(strlen(a->end_a) <= 15);
	assert_string_not_equal(a->id, b->id);
	assert_int_not_equal(a->vni, b->vni);
	assert_in_range(a->vni, 1, 0xffffff);
	assert_false(n->mac_configured);
	assert_memory_equal(n->mac, "52:54:00:", 9);
	assert_string_not_equal(a->a->mac, a->b->mac);
	/* the same names in vn-b give other ids */
	assert_string_not_equal(vnm_model_vr(f->m, "vn-a", "vr1")->vnics[0].id,
				vnm_model_vr(f->m, "vn-b", "vr1")->vnics[0].id);

	/* rebuilding gives the same names */
	assert_int_equal(vnm_model_build(f->tree, &m2, &err), 0);
	assert_string_equal(vnm_model_vl(m2, "vn-a", "vl-a")->id, a->id);
	assert_int_equal(vnm_model_vl(m2, "vn-a", "vl-a")->vni, a->vni);
	assert_string_equal(vnm_model_vr(m2, "vn-a", "vr1")->vnics[0].mac, n->mac);
	vnm_model_free(m2);
}

static void admin_strings_and_effective_state(void **state)
{
	struct vnm_vn vn = {.admin = VNM_ADMIN_RUNNING};
	struct vnm_vr vr = {.vn = &vn, .admin = VNM_ADMIN_PAUSED};
	enum vnm_admin a;

	(void)state;
	assert_string_equal(vnm_admin_str(VNM_ADMIN_STOPPED), "stopped");
	assert_int_equal(vnm_admin_parse("paused", &a), 0);
	assert_int_equal(a, VNM_ADMIN_PAUSED);
	assert_int_equal(vnm_admin_parse("bogus", &a), -1);
	assert_int_equal(vnm_vr_effective_admin(&vr), VNM_ADMIN_PAUSED);
	vn.admin = VNM_ADMIN_STOPPED;
	assert_int_equal(vnm_vr_effective_admin(&vr), VNM_ADMIN_STOPPED);
	vn.admin = VNM_ADMIN_PAUSED;
	vr.admin = VNM_ADMIN_RUNNING;
	assert_int_equal(vnm_vr_effective_admin(&vr), VNM_ADMIN_PAUSED);
	vr.admin = VNM_ADMIN_STOPPED;
	assert_int_equal(vnm_vr_effective_admin(&vr), VNM_ADMIN_STOPPED);
}

static void shaping_defaults_and_guarantees(void **state)
{
	struct vnm_vl v1 = {0}, v2 = {0}, v3 = {0};
	struct vnm_vl *list[3] = {&v1, &v2, &v3};
	struct vnm_plink pl = {.capacity = 32000000, .vls = list, .n_vls = 3, .overhead = 50};
	struct vnm_shape s, dflt;
	uint64_t cap;

	(void)state;
	cap = vnm_plink_vl_capacity(&pl);
	/* 32 Mbit/s on the wire carry 32e6 * 1514 / 1564 of full frames */
	assert_int_equal(cap, 30976982);

	/* no guarantees: equal thirds, ceiling the capacity */
	vnm_vl_shape_on(&v1, &pl, &s);
	assert_int_equal(s.rate, cap / 3);
	assert_int_equal(s.ceil, cap);
	/* 1 ms at 10 Mbit/s is less than a frame */
	assert_int_equal(s.burst, 1514);
	assert_int_equal(s.cburst, cap / 8 / 1000);

	/* one guarantee: the others share what it leaves */
	v1.guaranteed = 20000000;
	v2.limit = 2000000;
	vnm_vl_shape_on(&v1, &pl, &s);
	assert_int_equal(s.rate, 20000000);
	vnm_vl_shape_on(&v3, &pl, &s);
	assert_int_equal(s.rate, (cap - 20000000) / 2);
	/* a limit below the share wins over the share: rate and ceil at it */
	vnm_vl_shape_on(&v2, &pl, &s);
	assert_int_equal(s.rate, 2000000);
	assert_int_equal(s.ceil, 2000000);
	v2.limit = 8000000;
	vnm_vl_shape_on(&v2, &pl, &s);
	assert_int_equal(s.ceil, 8000000);
	/* small rates still get a whole frame of burst */
	v3.guaranteed = 100000;
	v3.burst = 0;
	vnm_vl_shape_on(&v3, &pl, &s);
	assert_int_equal(s.burst, 1514);
	v3.burst = 30000;
	vnm_vl_shape_on(&v3, &pl, &s);
	assert_int_equal(s.burst, 30000);

	/* same-host VLs: only a limit shapes them */
	vnm_vl_shape_local(&v1, &s);
	assert_int_equal(s.ceil, 0);
	assert_false(s.netem);
	vnm_vl_shape_local(&v2, &s);
	assert_int_equal(s.ceil, 8000000);
	assert_int_equal(s.rate, 8000000);
	assert_int_equal(s.burst, 1514);
	/* netem without a limit still needs a class to hang from */
	v1.loss_ppm = 5000;
	vnm_vl_shape_local(&v1, &s);
	assert_true(s.netem);
	assert_int_equal(s.loss_ppm, 5000);
	assert_int_equal(s.ceil, VNM_NO_LIMIT);
	assert_int_equal(s.rate, VNM_NO_LIMIT);
	assert_int_equal(s.burst, VNM_NO_LIMIT / 8 / 1000);
	/* and the same figures on a physical link */
	vnm_vl_shape_on(&v1, &pl, &s);
	assert_true(s.netem);
	assert_int_equal(s.delay_us, 0);
	assert_int_equal(s.loss_ppm, 5000);

	/* a physical link's own classes: the capacity on the wire, and the
	 * traffic of no VL with a 1% guarantee up to the VL capacity */
	vnm_plink_shape(&pl, &s, &dflt);
	assert_int_equal(s.rate, 32000000);
	assert_int_equal(s.ceil, 32000000);
	assert_int_equal(s.burst, 4000);
	assert_int_equal(dflt.rate, cap / 100);
	assert_int_equal(dflt.ceil, cap);
	assert_int_equal(dflt.burst, 1514);
	/* no overflow for the largest capacity */
	pl.capacity = UINT64_MAX;
	assert_true(vnm_plink_vl_capacity(&pl) > UINT64_MAX / 1564 * 1514 - 1564);
}

/* 10,000 VLs in a ring of 10,000 VRs on one host, built with lyd_new_path
 * (no YANG validation, as an edit-config engine would hand it over); the
 * model is valid (connected, names distinct). */
static void ten_thousand_vls(void **state)
{
	struct fix *f = *state;
	const int n = 10000;
	char p[256], v[64];
	struct lyd_node *t = NULL;
	struct vnm_err err;
	int i;

#define NP(val, ...)                                                                       \
	do {                                                                               \
		int len_ = snprintf(p, sizeof(p), __VA_ARGS__);                            \
		assert_true(len_ > 0 && (size_t)len_ < sizeof(p));                         \
		assert_int_equal(lyd_new_path(t, f->ctx, p, val, 0, t ? NULL : &t), 0);    \
	} while (0)

	NP(NULL, "/ietf-network:networks/network[network-id='u']"
		 "/network-types/vnmd:physical-network");
	NP("h1", "/ietf-network:networks/network[network-id='u']/node[node-id='h1']/node-id");
	NP("h2", "/ietf-network:networks/network[network-id='u']/node[node-id='h2']/node-id");
	NP(NULL, "/ietf-network:networks/network[network-id='v']/network-types/vnmd:virtual-network");
	NP(NULL, "/ietf-network:networks/network[network-id='v']/supporting-network[network-ref='u']");
	for (i = 0; i < n; i++) {
		NP("h1",
		   "/ietf-network:networks/network[network-id='v']/node[node-id='r%d']"
		   "/supporting-node[network-ref='u'][node-ref='%s']",
		   i, "h1");
		NP(NULL, "/ietf-network:networks/network[network-id='v']/node[node-id='r%d']"
			 "/ietf-network-topology:termination-point[tp-id='e0']", i);
		NP(NULL, "/ietf-network:networks/network[network-id='v']/node[node-id='r%d']"
			 "/ietf-network-topology:termination-point[tp-id='e1']", i);
		NP("/k", "/ietf-network:networks/network[network-id='v']/node[node-id='r%d']"
			 "/vnmd:router/image/kernel", i);
	}
	for (i = 0; i < n; i++) {
		snprintf(v, sizeof(v), "r%d", i);
		NP(v, "/ietf-network:networks/network[network-id='v']"
		      "/ietf-network-topology:link[link-id='l%d']/source/source-node", i);
		NP("e0", "/ietf-network:networks/network[network-id='v']"
			 "/ietf-network-topology:link[link-id='l%d']/source/source-tp", i);
		snprintf(v, sizeof(v), "r%d", (i + 1) % n);
		NP(v, "/ietf-network:networks/network[network-id='v']"
		      "/ietf-network-topology:link[link-id='l%d']/destination/dest-node", i);
		NP("e1", "/ietf-network:networks/network[network-id='v']"
			 "/ietf-network-topology:link[link-id='l%d']/destination/dest-tp", i);
	}
#undef NP
	f->tree = t;
	assert_int_equal(vnm_model_build(t, &f->m, &err), 0);
	assert_int_equal(f->m->n_vrs, n);
	assert_int_equal(f->m->n_vls, n);
	assert_int_equal(f->m->n_hosts, 2);
	if (vnm_validate(f->m, &err))
		fail_msg("%s", err.msg);
	for (i = 0; i < n; i += 997) {
		char a[16], b[16];
		struct vnm_vl *vl;

		snprintf(a, sizeof(a), "l%d", i);
		snprintf(b, sizeof(b), "r%d", (i + 1) % n);
		vl = vnm_model_vl(f->m, "v", a);
		assert_non_null(vl);
		assert_string_equal(vl->b->vr->name, b);
		assert_ptr_equal(vl->b->vr->host, vnm_model_host(f->m, "h1"));
		assert_memory_equal(vl->end_a, "vnv", 3); /* same host: a veth pair */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_tree_gives_empty_model),
		cmocka_unit_test(admin_strings_and_effective_state),
		cmocka_unit_test(shaping_defaults_and_guarantees),
		cmocka_unit_test_setup_teardown(figure5_objects_and_lookups, setup, teardown),
		cmocka_unit_test_setup_teardown(derived_names_are_short_distinct_and_stable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ten_thousand_vls, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
