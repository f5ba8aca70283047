/* test_tcidx.c - the link driver's index of its own classes and filters
 * on a physical interface (drivers/link/link_tcidx.c), fed the way the
 * dumps feed it: VLs found by VNI in their buckets' child qdiscs, a
 * bucket complete only with its class, child and root filter, the
 * bucket's rate the sum of its VLs', a free class minor and filter node
 * for each new VL, a class left without its filter taken over, forgetting
 * keeps the others findable, and an interface holds more VLs than one u32
 * table's 4,095 nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include <linux/pkt_sched.h>
#include <netlink/errno.h>

#include "link_int.h"

/* the class of a VL of vni at minor: in the child qdisc of its bucket */
#define CLS(vni, minor) (VNM_TC_GROUP((vni) & 0xffU) | (minor))
#define GRP(vni) VNM_TC_GROUP((vni) & 0xffU)

static void dump_fills_the_index(void **state)
{
	struct vnm_lnl_tcidx *x = vnm_lnl_tcidx_new(NULL, 3);
	const struct vnm_lnl_tcvl *e;

	(void)state;
	assert_non_null(x);
	assert_false(x->table);
	assert_false(x->link);
	/* the class dump lists every qdisc's classes: the root's (capacity,
	 * bucket 7's) and the child's (its capacity class, one VL's) */
	vnm_lnl_tcidx_note_class(x, VNM_TC_ROOT | VNM_TC_PARENT_MINOR, 100000000, 12500);
	vnm_lnl_tcidx_note_class(x, VNM_TC_ROOT | VNM_TC_BUCKET_MINOR(7), 3000000, 1514);
	assert_int_equal(x->b[7].have, VNM_TCB_CLASS);
	vnm_lnl_tcidx_note_class(x, VNM_TC_GROUP(7) | VNM_TC_PARENT_MINOR, 100000000, 12500);
	vnm_lnl_tcidx_note_class(x, CLS(0x1007, 0x40), 2000000, 1514);
	/* the root's filters: the table, the link filter, bucket 7's (no
	 * VNI); then the child's: one VL filter */
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, VNM_TC_ROOT, 0x00100000, 0, -1), 0);
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, VNM_TC_ROOT, 0x80000fff, 0, -1), 0);
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, VNM_TC_ROOT, 0x00107fff,
						   VNM_TC_ROOT | VNM_TC_BUCKET_MINOR(7), -1), 0);
	assert_int_equal(x->b[7].have, VNM_TCB_ALL);
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, GRP(0x1007), 0x80000001, CLS(0x1007, 0x40),
						   0x1007), 0);
	assert_true(x->table);
	assert_true(x->link);
	e = vnm_lnl_tcidx_find(x, 0x1007);
	assert_non_null(e);
	assert_int_equal(e->classid, CLS(0x1007, 0x40));
	assert_int_equal(e->handle, 0x80000001);
	assert_null(vnm_lnl_tcidx_find(x, 0x1008));
	assert_int_equal(x->n, 1);
	/* the bucket's class as the kernel has it; its VL (its rate is
	 * known when a fill reads it, set by the driver otherwise) */
	assert_int_equal(x->b[7].set, 3000000);
	assert_int_equal(x->b[7].n, 1);
	vnm_lnl_tcidx_set_rate(x, 0x1007, 2000000, 1514);
	assert_int_equal(x->b[7].rate, 2000000);
	/* a filter in a foreign qdisc is none of vnmd's */
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, 0x10000, 0x80000002, 0x10010, 0x2007), 0);
	assert_null(vnm_lnl_tcidx_find(x, 0x2007));
	vnm_lnl_tcidx_destroy(x);
}

/* A bucket's rate is the sum of its VLs' rates, whatever they do. */
static void bucket_rate_is_the_sum_of_its_vls(void **state)
{
	struct vnm_lnl_tcidx *x = vnm_lnl_tcidx_new(NULL, 3);
	uint32_t minor, handle;
	bool adopt;
	uint32_t vni;

	(void)state;
	/* VNIs 0x105, 0x205, 0x305 share bucket 5; 0x106 is alone in 6 */
	for (vni = 0x105; vni <= 0x305; vni += 0x100) {
		assert_int_equal(vnm_lnl_tcidx_pick(x, 0x10, vni, &minor, &handle, &adopt), 0);
		vnm_lnl_tcidx_note_class(x, CLS(vni, minor), 0, 0);
		assert_int_equal(vnm_lnl_tcidx_note_filter(x, GRP(vni), handle, CLS(vni, minor),
							   vni), 0);
		vnm_lnl_tcidx_set_rate(x, vni, vni * 1000, 1514);
	}
	assert_int_equal(vnm_lnl_tcidx_pick(x, 0x10, 0x106, &minor, &handle, &adopt), 0);
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, GRP(0x106), handle, CLS(0x106, minor),
						   0x106), 0);
	vnm_lnl_tcidx_set_rate(x, 0x106, 7000, 1514);
	assert_int_equal(x->b[5].n, 3);
	assert_int_equal(x->b[5].rate, (0x105 + 0x205 + 0x305) * 1000);
	assert_int_equal(x->b[5].burst, 3 * 1514);
	assert_int_equal(x->b[6].rate, 7000);
	/* a rate change moves the sum by the difference */
	vnm_lnl_tcidx_set_rate(x, 0x205, 1000, 1000);
	assert_int_equal(x->b[5].rate, (0x105 + 0x305) * 1000 + 1000);
	assert_int_equal(x->b[5].burst, 2 * 1514 + 1000);
	/* a VL that goes takes its rate along; the last empties the bucket */
	vnm_lnl_tcidx_forget(x, 0x105);
	assert_int_equal(x->b[5].n, 2);
	assert_int_equal(x->b[5].rate, 0x305 * 1000 + 1000);
	vnm_lnl_tcidx_forget(x, 0x205);
	vnm_lnl_tcidx_forget(x, 0x305);
	assert_int_equal(x->b[5].n, 0);
	assert_int_equal(x->b[5].rate, 0);
	assert_int_equal(x->b[5].burst, 0);
	assert_int_equal(x->b[6].n, 1);
	/* a VL class of the flat layout (under the root) is found, in no
	 * bucket */
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, VNM_TC_ROOT, 0x00109001,
						   VNM_TC_ROOT | 0x77, 0x909), 0);
	assert_non_null(vnm_lnl_tcidx_find(x, 0x909));
	vnm_lnl_tcidx_set_rate(x, 0x909, 5000, 1514);
	assert_int_equal(x->b[9].n, 0);
	assert_int_equal(x->b[9].rate, 0);
	vnm_lnl_tcidx_destroy(x);
}

static void pick_avoids_used_minors_and_nodes(void **state)
{
	struct vnm_lnl_tcidx *x = vnm_lnl_tcidx_new(NULL, 3);
	uint32_t minor, handle;
	bool adopt;

	(void)state;
	vnm_lnl_tcidx_note_class(x, CLS(0x1007, 0x40), 0, 0);
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, GRP(0x1007), 0x80000001, CLS(0x1007, 0x40),
						   0x1007), 0);
	/* preferred minor taken (and used by a filter): the next free one;
	 * node 1 of bucket 0x07's child taken: node 2 */
	assert_int_equal(vnm_lnl_tcidx_pick(x, 0x40, 0x2207, &minor, &handle, &adopt), 0);
	assert_int_equal(minor, 0x41);
	assert_false(adopt);
	assert_int_equal(handle, VNM_U32_HANDLE(VNM_TC_U32_HTID, 0, 2));
	/* another bucket's child starts at node 1 */
	assert_int_equal(vnm_lnl_tcidx_pick(x, 0x40, 0x2208, &minor, &handle, &adopt), 0);
	assert_int_equal(handle, VNM_U32_HANDLE(VNM_TC_U32_HTID, 0, 1));
	/* the top of the range wraps to the bottom */
	vnm_lnl_tcidx_note_class(x, CLS(9, VNM_TC_VL_MINOR_MAX), 0, 0);
	assert_int_equal(vnm_lnl_tcidx_note_filter(x, GRP(9), 0x80000001,
						   CLS(9, VNM_TC_VL_MINOR_MAX), 9), 0);
	assert_int_equal(vnm_lnl_tcidx_pick(x, VNM_TC_VL_MINOR_MAX, 0x33, &minor, &handle,
					    &adopt), 0);
	assert_int_equal(minor, VNM_TC_VL_MINOR_MIN);
	/* bucket classes (root minors 0x100..0x1ff) take no VL minor */
	vnm_lnl_tcidx_note_class(x, VNM_TC_ROOT | VNM_TC_BUCKET_MINOR(0x33), 0, 0);
	assert_int_equal(vnm_lnl_tcidx_pick(x, VNM_TC_BUCKET_MINOR(0x33), 0x33, &minor, &handle,
					    &adopt), 0);
	assert_int_equal(minor, VNM_TC_BUCKET_MINOR(0x33));
	assert_false(adopt);
	vnm_lnl_tcidx_destroy(x);
}

static void class_without_filter_is_adopted(void **state)
{
	struct vnm_lnl_tcidx *x = vnm_lnl_tcidx_new(NULL, 3);
	uint32_t minor, handle;
	bool adopt;

	(void)state;
	/* an interrupted run left the VL's class, not its filter */
	vnm_lnl_tcidx_note_class(x, CLS(0x55, 0x123), 0, 0);
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
		vnm_lnl_tcidx_note_class(x, CLS(vni, minor), 0, 0);
		assert_int_equal(vnm_lnl_tcidx_note_filter(x, GRP(vni), handle, CLS(vni, minor),
							   vni), 0);
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
		assert_int_equal(vnm_lnl_tcidx_note_filter(x, GRP(vni), handle, CLS(vni, minor),
							   vni), 0);
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
	/* 20,000 VLs on one interface: one table has 4,095 nodes; spread
	 * over the child qdiscs of 256 buckets they fit */
	for (vni = 100; vni < 20100; vni++) {
		assert_int_equal(vnm_lnl_tcidx_pick(x, 0x10 + vni % 0xff00, vni, &minor, &handle,
						    &adopt), 0);
		assert_int_equal(VNM_U32_HTID(handle), VNM_TC_U32_HTID);
		vnm_lnl_tcidx_note_class(x, CLS(vni, minor), 0, 0);
		assert_int_equal(vnm_lnl_tcidx_note_filter(x, GRP(vni), handle, CLS(vni, minor),
							   vni), 0);
	}
	assert_int_equal(x->n, 20000);
	assert_int_equal(x->b[100 & 0xff].n, 20000 / 256 + 1);
	/* a bucket is full after 4,094 nodes: the error says so */
	for (vni = 0; vni < VNM_TC_U32_NODE_MAX; vni++) {
		if (vnm_lnl_tcidx_pick(x, 0x10, 0x42 + (vni << 8) + (1 << 23), &minor, &handle,
				       &adopt) < 0)
			break;
		vnm_lnl_tcidx_note_filter(x, GRP(0x42), handle, 0, -1);
	}
	assert_int_equal(vnm_lnl_tcidx_pick(x, 0x10, 0x42, &minor, &handle, &adopt), -NLE_RANGE);
	vnm_lnl_tcidx_destroy(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dump_fills_the_index),
		cmocka_unit_test(bucket_rate_is_the_sum_of_its_vls),
		cmocka_unit_test(pick_avoids_used_minors_and_nodes),
		cmocka_unit_test(class_without_filter_is_adopted),
		cmocka_unit_test(forget_keeps_the_others),
		cmocka_unit_test(the_table_shrinks_as_vls_go),
		cmocka_unit_test(more_vls_than_one_u32_table_holds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
