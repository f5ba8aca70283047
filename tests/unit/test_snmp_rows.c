/*
 * test_snmp_rows.c - VNMD-MIB rows from core snapshots: indexes stay with
 * their objects, new objects never take a fresh index of a removed one until
 * the space wraps, rows are in walk order, last-change moves only on changes
 * a manager would see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rows.h"

/* A hand-made snapshot: names are string literals, nothing to free but the
 * arrays. */
struct snapb {
	struct vnm_snapshot s;
	struct vnm_snap_vn vns[64];
	struct vnm_snap_vr vrs[64];
	struct vnm_snap_vl vls[64];
};

static void sb_init(struct snapb *b)
{
	memset(b, 0, sizeof(*b));
	b->s.vns = b->vns;
	b->s.vrs = b->vrs;
	b->s.vls = b->vls;
}

static struct vnm_snap_vn *sb_vn(struct snapb *b, const char *name)
{
	struct vnm_snap_vn *vn = &b->vns[b->s.n_vns++];

	vn->name = (char *)name;
	vn->oper = VNM_VR_RUNNING;
	return vn;
}

static struct vnm_snap_vr *sb_vr(struct snapb *b, const char *vn, const char *name)
{
	struct vnm_snap_vr *vr = &b->vrs[b->s.n_vrs++];

	vr->vn = (char *)vn;
	vr->name = (char *)name;
	vr->host = (char *)"rm1";
	vr->oper = VNM_VR_RUNNING;
	vr->vcpus = 1;
	vr->memory_mib = 128;
	return vr;
}

static struct vnm_snap_vl *sb_vl(struct snapb *b, const char *vn, const char *name)
{
	struct vnm_snap_vl *vl = &b->vls[b->s.n_vls++];

	vl->vn = (char *)vn;
	vl->name = (char *)name;
	vl->a_node = (char *)"vr1";
	vl->a_tp = (char *)"eth0";
	vl->b_node = (char *)"vr2";
	vl->b_tp = (char *)"eth0";
	vl->up = true;
	vl->enabled = true;
	return vl;
}

static uint32_t vl_idx(const struct vnm_rowset *rs, const char *vn, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_vls; i++)
		if (!strcmp(rs->vls[i].vl->vn, vn) && !strcmp(rs->vls[i].vl->name, name))
			return rs->vls[i].idx;
	return 0;
}

static uint32_t vr_idx(const struct vnm_rowset *rs, const char *vn, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_vrs; i++)
		if (!strcmp(rs->vrs[i].vr->vn, vn) && !strcmp(rs->vrs[i].vr->name, name))
			return rs->vrs[i].idx;
	return 0;
}

static struct vnm_rowset *build(struct vnm_rows *r, struct snapb *b, uint32_t now)
{
	struct vnm_rowset *rs = NULL;
	struct vnm_err err = {0};

	assert_int_equal(vnm_rows_build(r, &b->s, now, 1000, &rs, &err), 0);
	assert_non_null(rs);
	return rs;
}

/* Figure 5: two networks, each two routers and one link. */
static void figure5(struct snapb *b)
{
	sb_init(b);
	sb_vn(b, "vn-a")->n_vrs = 2;
	sb_vn(b, "vn-b")->n_vrs = 2;
	sb_vr(b, "vn-a", "vr1");
	sb_vr(b, "vn-a", "vr2");
	sb_vr(b, "vn-b", "vr1");
	sb_vr(b, "vn-b", "vr2");
	sb_vl(b, "vn-a", "vl-a");
	sb_vl(b, "vn-b", "vl-b");
}

static void test_figure5_rows(void **state)
{
	struct vnm_rows r;
	struct snapb b;
	struct vnm_rowset *rs;

	(void)state;
	figure5(&b);
	vnm_rows_init(&r, 0);
	rs = build(&r, &b, 10);
	assert_int_equal(rs->n_vns, 2);
	assert_int_equal(rs->n_vrs, 4);
	assert_int_equal(rs->n_vls, 2);
	assert_int_equal(rs->vns[0].idx, 1);
	assert_string_equal(rs->vns[0].vn->name, "vn-a");
	assert_int_equal(rs->vns[1].idx, 2);
	/* Routers: (network index, router index), walk order. */
	assert_int_equal(rs->vrs[0].vn_idx, 1);
	assert_int_equal(rs->vrs[1].vn_idx, 1);
	assert_int_equal(rs->vrs[2].vn_idx, 2);
	assert_true(rs->vrs[0].idx < rs->vrs[1].idx);
	/* Router indexes are unique over all networks: vn-b/vr1 is not 1. */
	assert_int_not_equal(vr_idx(rs, "vn-b", "vr1"), vr_idx(rs, "vn-a", "vr1"));
	assert_int_equal(rs->vls[0].vn_idx, 1);
	assert_int_equal(rs->vls[1].vn_idx, 2);
	/* Nothing changed since the agent started. */
	assert_int_equal(rs->vn_last_change, 0);
	assert_int_equal(rs->vl_last_change, 0);
	vnm_rowset_free(rs);
	vnm_rows_clear(&r);
}

static void test_index_stable_and_not_reused(void **state)
{
	struct vnm_rows r;
	struct snapb b;
	struct vnm_rowset *rs;
	uint32_t a, c, removed, fresh;

	(void)state;
	vnm_rows_init(&r, 0);
	sb_init(&b);
	sb_vn(&b, "vn");
	sb_vl(&b, "vn", "a");
	sb_vl(&b, "vn", "b");
	sb_vl(&b, "vn", "c");
	rs = build(&r, &b, 1);
	a = vl_idx(rs, "vn", "a");
	removed = vl_idx(rs, "vn", "b");
	c = vl_idx(rs, "vn", "c");
	vnm_rowset_free(rs);

	/* b goes, d comes (in b's place in the snapshot's order). */
	b.vls[1].name = (char *)"d";
	rs = build(&r, &b, 2);
	assert_int_equal(rs->n_vls, 3);
	assert_int_equal(vl_idx(rs, "vn", "a"), a);
	assert_int_equal(vl_idx(rs, "vn", "c"), c);
	assert_int_equal(vl_idx(rs, "vn", "b"), 0);
	fresh = vl_idx(rs, "vn", "d");
	assert_int_not_equal(fresh, removed);
	assert_true(fresh > c);
	/* Rows stay in index order although the snapshot is in name order. */
	assert_true(rs->vls[0].idx < rs->vls[1].idx && rs->vls[1].idx < rs->vls[2].idx);
	vnm_rowset_free(rs);

	/* b comes back: it is a new object, it gets a new index. */
	b.vls[b.s.n_vls++] = b.vls[1];
	b.vls[b.s.n_vls - 1].name = (char *)"b";
	rs = build(&r, &b, 3);
	assert_true(vl_idx(rs, "vn", "b") > fresh);
	vnm_rowset_free(rs);
	vnm_rows_clear(&r);
}

static void test_index_wraps(void **state)
{
	struct vnm_idxmap m;
	struct vnm_err err = {0};
	uint32_t i;

	(void)state;
	vnm_idxmap_init(&m, 3);
	vnm_idxmap_begin(&m);
	assert_int_equal(vnm_idxmap_get(&m, "vn", "a", &i, &err), 0);
	assert_int_equal(i, 1);
	assert_int_equal(vnm_idxmap_get(&m, "vn", "b", &i, &err), 0);
	assert_int_equal(i, 2);
	assert_int_equal(vnm_idxmap_get(&m, "vn", "c", &i, &err), 0);
	assert_int_equal(i, 3);
	/* Asking again keeps the index. */
	assert_int_equal(vnm_idxmap_get(&m, "vn", "b", &i, &err), 0);
	assert_int_equal(i, 2);
	/* Full: a fourth object has no index, and the error says so. */
	assert_int_equal(vnm_idxmap_get(&m, "vn", "d", &i, &err), -1);
	assert_non_null(strstr(err.msg, "no free index"));

	/* b disappears; after the wrap its index is the only free one. */
	vnm_idxmap_begin(&m);
	assert_int_equal(vnm_idxmap_get(&m, "vn", "a", &i, &err), 0);
	assert_int_equal(vnm_idxmap_get(&m, "vn", "c", &i, &err), 0);
	vnm_idxmap_sweep(&m);
	assert_int_equal(vnm_idxmap_find(&m, "vn", "b"), 0);
	assert_int_equal(vnm_idxmap_get(&m, "vn", "d", &i, &err), 0);
	assert_int_equal(i, 2);
	assert_int_equal(vnm_idxmap_find(&m, "vn", "a"), 1);
	assert_int_equal(vnm_idxmap_find(&m, "vn", "c"), 3);
	vnm_idxmap_clear(&m);
}

static void test_gone_index_remembered(void **state)
{
	struct vnm_idxmap m;
	struct vnm_err err = {0};
	uint32_t i, e;

	(void)state;
	vnm_idxmap_init(&m, 0);
	vnm_idxmap_begin(&m);
	assert_int_equal(vnm_idxmap_get(&m, "vn", "a", &i, &err), 0);
	assert_int_equal(vnm_idxmap_get(&m, "vn", "b", &i, &err), 0);
	vnm_idxmap_begin(&m);
	assert_int_equal(vnm_idxmap_get(&m, "vn", "a", &i, &err), 0);
	vnm_idxmap_sweep(&m);
	/* b is gone from the map but a trap about it can still name row 2. */
	assert_int_equal(vnm_idxmap_find(&m, "vn", "b"), 0);
	assert_int_equal(vnm_idxmap_find_gone(&m, "vn", "b"), 2);
	assert_int_equal(vnm_idxmap_find_gone(&m, "vn", "a"), 0);
	/* b comes back: a new index; the memory of the old one is harmless. */
	assert_int_equal(vnm_idxmap_get(&m, "vn", "b", &i, &err), 0);
	assert_int_equal(i, 3);
	/* Forgotten after VNM_IDX_GONE_EPOCHS. */
	for (e = 0; e <= VNM_IDX_GONE_EPOCHS; e++) {
		vnm_idxmap_begin(&m);
		vnm_idxmap_sweep(&m); /* everything goes */
	}
	assert_int_equal(m.n, 0);
	vnm_idxmap_begin(&m);
	assert_int_equal(vnm_idxmap_find_gone(&m, "vn", "b"), 0);
	vnm_idxmap_clear(&m);
}

static void test_hold_survives_sweeps(void **state)
{
	struct vnm_idxmap m;
	struct vnm_err err = {0};
	uint32_t i, e;

	(void)state;
	vnm_idxmap_init(&m, 0);
	vnm_idxmap_begin(&m);
	/* A trap names vr9 before any snapshot has it. */
	assert_int_equal(vnm_idxmap_get(&m, "vn", "vr9", &i, &err), 0);
	vnm_idxmap_hold(&m, "vn", "vr9", 3);
	for (e = 0; e < 3; e++) {
		vnm_idxmap_begin(&m);
		vnm_idxmap_sweep(&m); /* stale snapshots without it */
		assert_int_equal(vnm_idxmap_find(&m, "vn", "vr9"), i);
	}
	/* Its snapshot arrives: same index, and a plain member from now on. */
	vnm_idxmap_begin(&m);
	assert_int_equal(vnm_idxmap_get(&m, "vn", "vr9", &e, &err), 0);
	assert_int_equal(e, i);
	vnm_idxmap_sweep(&m);
	vnm_idxmap_begin(&m);
	vnm_idxmap_sweep(&m);
	assert_int_equal(vnm_idxmap_find(&m, "vn", "vr9"), 0);
	vnm_idxmap_clear(&m);
}

static void test_keys_do_not_collide(void **state)
{
	struct vnm_idxmap m;
	struct vnm_err err = {0};
	uint32_t i, j;

	(void)state;
	vnm_idxmap_init(&m, 0);
	vnm_idxmap_begin(&m);
	/* ("ab", "c") and ("a", "bc") are different objects. */
	assert_int_equal(vnm_idxmap_get(&m, "ab", "c", &i, &err), 0);
	assert_int_equal(vnm_idxmap_get(&m, "a", "bc", &j, &err), 0);
	assert_int_not_equal(i, j);
	vnm_idxmap_clear(&m);
}

static void test_many_objects(void **state)
{
	struct vnm_idxmap m;
	struct vnm_err err = {0};
	char name[32];
	uint32_t i, idx;
	unsigned char *seen;

	(void)state;
	seen = calloc(20001, 1);
	assert_non_null(seen);
	vnm_idxmap_init(&m, 0);
	vnm_idxmap_begin(&m);
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "vl%u", i);
		assert_int_equal(vnm_idxmap_get(&m, "vn", name, &idx, &err), 0);
		assert_int_equal(idx, i + 1);
		seen[idx] = 1;
	}
	/* Keep the odd ones; the even ones go. */
	vnm_idxmap_begin(&m);
	for (i = 1; i < 20000; i += 2) {
		snprintf(name, sizeof(name), "vl%u", i);
		assert_int_equal(vnm_idxmap_get(&m, "vn", name, &idx, &err), 0);
		assert_int_equal(idx, i + 1);
	}
	vnm_idxmap_sweep(&m);
	assert_int_equal(m.n, 10000);
	for (i = 0; i < 20000; i += 2) {
		snprintf(name, sizeof(name), "vl%u", i);
		assert_int_equal(vnm_idxmap_find(&m, "vn", name), 0);
	}
	assert_int_equal(vnm_idxmap_get(&m, "vn", "new", &idx, &err), 0);
	assert_int_equal(idx, 20001);
	vnm_idxmap_clear(&m);
	free(seen);
}

static void test_last_change(void **state)
{
	struct vnm_rows r;
	struct snapb b;
	struct vnm_rowset *rs;

	(void)state;
	figure5(&b);
	vnm_rows_init(&r, 0);
	vnm_rowset_free(build(&r, &b, 100));

	/* Counters move, nothing else: no change. */
	b.vls[0].ctr.in_octets = 123456;
	b.vls[0].ctr.out_packets = 99;
	rs = build(&r, &b, 200);
	assert_int_equal(rs->vl_last_change, 0);
	assert_int_equal(rs->vr_last_change, 0);
	vnm_rowset_free(rs);

	/* A router pauses: the router table changed, the others did not. */
	b.vrs[1].oper = VNM_VR_PAUSED;
	rs = build(&r, &b, 300);
	assert_int_equal(rs->vr_last_change, 300);
	assert_int_equal(rs->vl_last_change, 0);
	assert_int_equal(rs->vn_last_change, 0);
	vnm_rowset_free(rs);

	/* A link's limit changes; a link goes. */
	b.vls[0].limit = 2000000;
	rs = build(&r, &b, 400);
	assert_int_equal(rs->vl_last_change, 400);
	assert_int_equal(rs->vr_last_change, 300);
	vnm_rowset_free(rs);
	/* A link is disabled (vnmLinkAdminStatus is a column like the others) */
	b.vls[0].enabled = false;
	rs = build(&r, &b, 450);
	assert_int_equal(rs->vl_last_change, 450);
	vnm_rowset_free(rs);
	b.s.n_vls = 1;
	rs = build(&r, &b, 500);
	assert_int_equal(rs->vl_last_change, 500);
	assert_int_equal(rs->n_vls, 1);
	vnm_rowset_free(rs);
	vnm_rows_clear(&r);
}

static void test_orphans_have_no_row(void **state)
{
	struct vnm_rows r;
	struct snapb b;
	struct vnm_rowset *rs;

	(void)state;
	sb_init(&b);
	sb_vn(&b, "vn-a");
	sb_vr(&b, "vn-a", "vr1");
	sb_vr(&b, "vn-gone", "vr1");
	sb_vl(&b, "vn-gone", "vl");
	vnm_rows_init(&r, 0);
	rs = build(&r, &b, 1);
	assert_int_equal(rs->n_vrs, 1);
	assert_int_equal(rs->n_vls, 0);
	vnm_rowset_free(rs);
	vnm_rows_clear(&r);
}

/* The network was in the last snapshot but is not in this one: its
 * routers and links have no row either (the index map still knew the
 * network until the sweep; found by fuzz/fuzz_rows.c). */
static void test_orphans_of_a_network_just_gone(void **state)
{
	struct vnm_rows r;
	struct snapb b;
	struct vnm_rowset *rs;

	(void)state;
	figure5(&b);
	vnm_rows_init(&r, 0);
	vnm_rowset_free(build(&r, &b, 1));
	sb_init(&b);
	sb_vn(&b, "vn-b");
	sb_vr(&b, "vn-a", "vr1");
	sb_vr(&b, "vn-b", "vr1");
	sb_vl(&b, "vn-a", "vl-a");
	rs = build(&r, &b, 2);
	assert_int_equal(rs->n_vns, 1);
	assert_int_equal(rs->n_vrs, 1);
	assert_string_equal(rs->vrs[0].vr->vn, "vn-b");
	assert_int_equal(rs->vrs[0].vn_idx, rs->vns[0].idx);
	assert_int_equal(rs->n_vls, 0);
	vnm_rowset_free(rs);
	vnm_rows_clear(&r);
}

static void test_values(void **state)
{
	(void)state;
	assert_int_equal(vnm_mib_admin(VNM_ADMIN_RUNNING), 1);
	assert_int_equal(vnm_mib_admin(VNM_ADMIN_STOPPED), 3);
	assert_int_equal(vnm_mib_oper(VNM_VR_ABSENT), 1);
	assert_int_equal(vnm_mib_oper(VNM_VR_PAUSED), 4);
	assert_int_equal(vnm_mib_oper(VNM_VR_UNKNOWN), 6);
	assert_int_equal(vnm_mib_kbps(0), 0);
	assert_int_equal(vnm_mib_kbps(1), 1);
	assert_int_equal(vnm_mib_kbps(16000000), 16000);
	assert_int_equal(vnm_mib_kbps(UINT64_MAX), UINT32_MAX);
	assert_int_equal(vnm_mib_timestamp(0, 1000), 0);
	assert_int_equal(vnm_mib_timestamp(900, 1000), 0);
	assert_int_equal(vnm_mib_timestamp(1012, 1000), 1200);
}

static void test_long_name(void **state)
{
	struct vnm_idxmap m;
	struct vnm_err err = {0};
	char name[600];
	uint32_t i;

	(void)state;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	vnm_idxmap_init(&m, 0);
	assert_int_equal(vnm_idxmap_get(&m, "vn", name, &i, &err), -1);
	assert_non_null(strstr(err.msg, "too long"));
	assert_int_equal(vnm_idxmap_find(&m, "vn", name), 0);
	vnm_idxmap_clear(&m);
}

/* Lexicographic OID order of suffixes: what a GETNEXT promises. */
static int oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen)
{
	size_t i;

	for (i = 0; i < alen && i < blen; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

/* The table's objects in walk order: entry 1, column, index. */
static size_t walk_objects(const struct vnm_walk_table *t, uint32_t (*obj)[4])
{
	size_t n = 0, r;
	uint32_t c;

	for (c = t->min_col; c <= t->max_col; c++)
		for (r = 0; r < t->n; r++) {
			const uint32_t *k = vnm_walk_index(t, r);

			obj[n][0] = 1;
			obj[n][1] = c;
			obj[n][2] = k[0];
			obj[n][3] = t->ilen > 1 ? k[1] : 0;
			n++;
		}
	return n;
}

/* vnm_walk_after against the definition: the first object of the table
 * whose OID is above the request's (requests of every length up to 5 from
 * values around the table's, including past the columns and the entry). */
static void walk_check(const struct vnm_walk_table *t)
{
	static const uint32_t vals[] = {0, 1, 2, 3, 4, 7, 8, 9, UINT32_MAX};
	const size_t nv = sizeof(vals) / sizeof(vals[0]);
	uint32_t obj[64][4], req[5];
	size_t n_obj = walk_objects(t, obj), len, code, total, i, j;
	struct vnm_walk_pos pos;

	for (len = 0; len <= 5; len++) {
		total = 1;
		for (i = 0; i < len; i++)
			total *= nv;
		for (code = 0; code < total; code++) {
			size_t c = code;
			int rc;

			for (i = 0; i < len; i++, c /= nv)
				req[i] = vals[c % nv];
			for (j = 0; j < n_obj; j++)
				if (oid_cmp(obj[j], 2 + t->ilen, req, len) > 0)
					break;
			rc = vnm_walk_after(t, req, len, &pos);
			if (j == n_obj) {
				assert_int_equal(rc, -1);
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(pos.col, obj[j][1]);
			assert_int_equal(obj[j][2], vnm_walk_index(t, pos.row)[0]);
			if (t->ilen > 1)
				assert_int_equal(obj[j][3], vnm_walk_index(t, pos.row)[1]);
		}
	}
	/* vnm_walk_next visits every object once, in order, and stops. */
	assert_int_equal(vnm_walk_after(t, NULL, 0, &pos), n_obj ? 0 : -1);
	for (j = 1; j < n_obj; j++) {
		assert_int_equal(vnm_walk_next(t, &pos), 0);
		assert_int_equal(pos.col, obj[j][1]);
		assert_int_equal(vnm_walk_index(t, pos.row)[0], obj[j][2]);
	}
	if (n_obj)
		assert_int_equal(vnm_walk_next(t, &pos), -1);
}

static void test_walk_order(void **state)
{
	struct vnm_row_vl vls[] = {{1, 1, 0, NULL}, {1, 3, 0, NULL}, {2, 2, 0, NULL},
				   {2, 7, 0, NULL}, {8, UINT32_MAX, 0, NULL}};
	struct vnm_row_vn vns[] = {{1, NULL}, {3, NULL}, {4, NULL}};
	struct vnm_walk_table t = {vls, 5, sizeof(vls[0]), 2, 2, 4};

	(void)state;
	walk_check(&t);
	t.n = 1;
	walk_check(&t);
	t.n = 0; /* no rows: every GETNEXT leaves the table */
	walk_check(&t);
	t = (struct vnm_walk_table){vns, 3, sizeof(vns[0]), 1, 2, 3};
	walk_check(&t);
	/* one column */
	t.min_col = t.max_col = 7;
	walk_check(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_figure5_rows),
		cmocka_unit_test(test_index_stable_and_not_reused),
		cmocka_unit_test(test_index_wraps),
		cmocka_unit_test(test_gone_index_remembered),
		cmocka_unit_test(test_hold_survives_sweeps),
		cmocka_unit_test(test_keys_do_not_collide),
		cmocka_unit_test(test_many_objects),
		cmocka_unit_test(test_last_change),
		cmocka_unit_test(test_orphans_have_no_row),
		cmocka_unit_test(test_orphans_of_a_network_just_gone),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_walk_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
