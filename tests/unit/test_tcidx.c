/* test_tcidx.c - the link driver's index of its own classes and filters
 * on a physical interface (drivers/link/link_tcidx.c), fed the way a dump feeds
 * it: VLs found by VNI, a free class minor and filter node for each new
 * VL, a class left without its filter taken over, forgetting keeps the
 * others findable, and an interface holds more VLs than one u32 table's
 * 4,095 nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include <linux/pkt_sched.h>
#include <netlink/errno.h>

#include "link_int.h"

#define CLS(minor) (VNM_TC_ROOT | (minor))

static void dump_fills_the_index(void **state)
{
	struct vnm_lnl_tcidx *x = vnm_lnl_tcidx_new(NULL, 3);
	const struct vnm_lnl_tcvl *e;

	(void)state;
	assert_non_null(x);
	assert_false(x->table);
	assert_false(x->link);
	vnm_lnl_tcidx_note_class(x, CLS(VNM_TC_PARENT_MINOR));
	vnm_lnl_tcidx_note_class(x, CLS(0x40));
	/* the table, the link filter (no class, no VNI), one VL filter */
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, 0x00100000, 0, -1), 0);
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, 0x80000fff, 0, -1), 0);
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, 0x00107001, CLS(0x40), 0x1007), 0);
	assert_true(x->table);
	assert_true(x->link);
	e = vnm_lnl_tcidx_find(x, 0x1007);
	assert_non_null(e);
	assert_int_equal(e->classid, CLS(0x40));
	assert_int_equal(e->handle, 0x00107001);
	assert_null(vnm_lnl_tcidx_find(x, 0x1008));
	assert_int_equal(x->n, 1);
	vnm_lnl_tcidx_destroy(x);
}

static void pick_avoids_used_minors_and_nodes(void **state)
{
	struct vnm_lnl_tcidx *x = vnm_lnl_tcidx_new(NULL, 3);
	uint32_t minor, handle;
	bool adopt;

	(void)state;
	vnm_lnl_tcidx_note_class(x, CLS(0x40));
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, 0x00107001, CLS(0x40), 0x1007), 0);
	/* preferred minor taken (and used by a filter): the next free one;
	 * node 1 of bucket 0x07 taken: node 2 */
	assert_int_equal(vnm_lnl_tcidx_pick(x, 0x40, 0x2207, &minor, &handle, &adopt), 0);
	assert_int_equal(minor, 0x41);
	assert_false(adopt);
	assert_int_equal(handle, VNM_U32_HANDLE(VNM_TC_VNI_HTID, 0x07, 2));
	/* another bucket starts at node 1 */
	assert_int_equal(vnm_lnl_tcidx_pick(x, 0x40, 0x2208, &minor, &handle, &adopt), 0);
	assert_int_equal(handle, VNM_U32_HANDLE(VNM_TC_VNI_HTID, 0x08, 1));
	/* the top of the range wraps to the bottom */
	vnm_lnl_tcidx_note_class(x, CLS(VNM_TC_VL_MINOR_MAX));
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, 0x00109001, CLS(VNM_TC_VL_MINOR_MAX), 9),
			 0);
	assert_int_equal(vnm_lnl_tcidx_pick(x, VNM_TC_VL_MINOR_MAX, 0x33, &minor, &handle,
					    &adopt), 0);
	assert_int_equal(minor, VNM_TC_VL_MINOR_MIN);
	vnm_lnl_tcidx_destroy(x);
}

static void class_without_filter_is_adopted(void **state)
{
	struct vnm_lnl_tcidx *x = vnm_lnl_tcidx_new(NULL, 3);
	uint32_t minor, handle;
	bool adopt;

	(void)state;
	/* an interrupted run left the VL's class, not its filter */
	vnm_lnl_tcidx_note_class(x, CLS(0x123));
	assert_int_equal(vnm_lnl_tcidx_pick(x, 0x123, 0x55, &minor, &handle, &adopt), 0);
	assert_int_equal(minor, 0x123);
	assert_true(adopt);
	vnm_lnl_tcidx_destroy(x);
}

static void forget_keeps_the_others(void **state)
{
	struct vnm_lnl_tcidx *x = vnm_lnl_tcidx_new(NULL, 3);
	uint32_t vni, minor, handle;
	bool adopt;

	(void)state;
	/* enough VLs to grow the table several times and collide */
	for (vni = 1; vni <= 3000; vni++) {
		assert_int_equal(vnm_lnl_tcidx_pick(x, 0x10 + vni, vni, &minor, &handle, &adopt),
				 0);
		vnm_lnl_tcidx_note_class(x, CLS(minor));
		assert_int_equal(vnm_lnl_tcidx_note_filter(x, handle, CLS(minor), vni), 0);
	}
	assert_int_equal(x->n, 3000);
	for (vni = 1; vni <= 3000; vni += 2) {
		const struct vnm_lnl_tcvl *e = vnm_lnl_tcidx_find(x, vni);

		assert_non_null(e);
		vnm_lnl_tcidx_forget_class(x, e->classid);
		vnm_lnl_tcidx_forget(x, vni);
	}
	assert_int_equal(x->n, 1500);
	for (vni = 1; vni <= 3000; vni++) {
		if (vni % 2)
			assert_null(vnm_lnl_tcidx_find(x, vni));
		else
			assert_non_null(vnm_lnl_tcidx_find(x, vni));
	}
	/* a forgotten VL's minor and node are free again */
	assert_int_equal(vnm_lnl_tcidx_pick(x, 0x11, 1, &minor, &handle, &adopt), 0);
	assert_int_equal(minor, 0x11);
	assert_false(adopt);
	vnm_lnl_tcidx_destroy(x);
}

/* The VLs of an interface go, most of them: the table shrinks with them
 * (it does not keep the room of its largest day) and finds the rest. */
static void the_table_shrinks_as_vls_go(void **state)
{
	struct vnm_lnl_tcidx *x = vnm_lnl_tcidx_new(NULL, 3);
	uint32_t vni, minor, handle;
	size_t big;
	bool adopt;

	(void)state;
	for (vni = 1; vni <= 3000; vni++) {
		assert_int_equal(vnm_lnl_tcidx_pick(x, 0x10 + vni, vni, &minor, &handle, &adopt),
				 0);
		assert_int_equal(vnm_lnl_tcidx_note_filter(x, handle, CLS(minor), vni), 0);
	}
	big = x->cap;
	for (vni = 3000; vni >= 1; vni--)
		if (vni % 100)
			vnm_lnl_tcidx_forget(x, vni);
	assert_int_equal(x->n, 30);
	assert_true(x->cap <= big / 16);
	for (vni = 1; vni <= 3000; vni++) {
		if (vni % 100)
			assert_null(vnm_lnl_tcidx_find(x, vni));
		else
			assert_non_null(vnm_lnl_tcidx_find(x, vni));
	}
	vnm_lnl_tcidx_destroy(x);
}

static void more_vls_than_one_u32_table_holds(void **state)
{
	struct vnm_lnl_tcidx *x = vnm_lnl_tcidx_new(NULL, 3);
	uint32_t vni, minor, handle;
	bool adopt;

	(void)state;
	/* 20,000 VLs on one interface: one table of the old layout had
	 * 4,095 nodes; spread over 256 buckets they fit */
	for (vni = 100; vni < 20100; vni++) {
		assert_int_equal(vnm_lnl_tcidx_pick(x, 0x10 + vni % 0xff00, vni, &minor, &handle,
						    &adopt), 0);
		assert_int_equal(VNM_U32_BKT(handle), vni & 0xff);
		vnm_lnl_tcidx_note_class(x, CLS(minor));
		assert_int_equal(vnm_lnl_tcidx_note_filter(x, handle, CLS(minor), vni), 0);
	}
	assert_int_equal(x->n, 20000);
	/* a bucket is full after 4,094 nodes: the error says so */
	for (vni = 0; vni < VNM_TC_U32_NODE_MAX; vni++) {
		if (vnm_lnl_tcidx_pick(x, 0x10, 0x42 + (vni << 8) + (1 << 23), &minor, &handle,
				       &adopt) < 0)
			break;
		vnm_lnl_tcidx_note_filter(x, handle, 0, -1);
	}
	assert_int_equal(vnm_lnl_tcidx_pick(x, 0x10, 0x42, &minor, &handle, &adopt), -NLE_RANGE);
	vnm_lnl_tcidx_destroy(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dump_fills_the_index),
		cmocka_unit_test(pick_avoids_used_minors_and_nodes),
		cmocka_unit_test(class_without_filter_is_adopted),
		cmocka_unit_test(forget_keeps_the_others),
		cmocka_unit_test(the_table_shrinks_as_vls_go),
		cmocka_unit_test(more_vls_than_one_u32_table_holds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
