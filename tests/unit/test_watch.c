/* test_watch.c - the guarantee watch's decision (core/watch.c): rates from
 * class counters, what counts as short, and the hysteresis (raised after
 * VNM_WATCH_RAISE_AFTER short intervals in a row, cleared after
 * VNM_WATCH_CLEAR_AFTER good ones). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "watch.h"

#define SEC 1000000000LL
#define G10 10000000ULL /* a 10 Mbit/s guarantee */

/* A VL's readings, one second apart: each interval carries `bps` in
 * direction dir, with `backlog` bytes queued and `drops` new drops. */
struct feed {
	struct vnm_watch_state st;
	struct vnm_vl_counters c;
};

static void feed_init(struct feed *f)
{
	memset(f, 0, sizeof(*f));
	f->st.w.met = true;
	f->st.short_dir = -1;
	f->c.read_ns = 5 * SEC;
	/* the first reading only sets the base */
	assert_int_equal(vnm_watch_step(&f->st, G10, &f->c), VNM_WATCH_SAME);
	assert_false(f->st.w.measured);
}

static enum vnm_watch_change interval(struct feed *f, uint64_t guaranteed, int dir, uint64_t bps,
				      uint32_t backlog, uint64_t drops)
{
	f->c.read_ns += SEC;
	f->c.cls_octets[dir] += bps / 8;
	f->c.cls_drops[dir] += drops;
	f->c.cls_backlog[0] = f->c.cls_backlog[1] = 0;
	f->c.cls_backlog[dir] = backlog;
	return vnm_watch_step(&f->st, guaranteed, &f->c);
}

static void rates_are_bits_per_second_each_way(void **state)
{
	struct feed f;

	(void)state;
	feed_init(&f);
	f.c.cls_octets[1] += 125000; /* 1 Mbit/s back */
	assert_int_equal(interval(&f, G10, 0, 12000000, 0, 0), VNM_WATCH_SAME);
	assert_true(f.st.w.measured);
	assert_int_equal(f.st.w.interval_ms, 1000);
	assert_int_equal(f.st.w.rate_out, 12000000);
	assert_int_equal(f.st.w.rate_in, 1000000);
	assert_true(f.st.w.met);
	assert_false(f.st.w.violated);
}

static void raised_after_three_short_intervals_once(void **state)
{
	struct feed f;
	int i;

	(void)state;
	feed_init(&f);
	/* 5 Mbit/s of a 10 Mbit/s guarantee with a queue: short */
	assert_int_equal(interval(&f, G10, 0, 5000000, 3000, 0), VNM_WATCH_SAME);
	assert_false(f.st.w.met);
	assert_false(f.st.w.violated);
	assert_int_equal(interval(&f, G10, 0, 5000000, 3000, 0), VNM_WATCH_SAME);
	assert_int_equal(interval(&f, G10, 0, 5000000, 3000, 0), VNM_WATCH_RAISED);
	assert_true(f.st.w.violated);
	assert_int_equal(f.st.short_dir, 0);
	/* not once per interval */
	for (i = 0; i < 10; i++)
		assert_int_equal(interval(&f, G10, 0, 5000000, 3000, 0), VNM_WATCH_SAME);
	assert_true(f.st.w.violated);
}

static void a_good_interval_restarts_the_count(void **state)
{
	struct feed f;
	int i;

	(void)state;
	feed_init(&f);
	for (i = 0; i < 4; i++) {
		assert_int_equal(interval(&f, G10, 0, 5000000, 3000, 0), VNM_WATCH_SAME);
		assert_int_equal(interval(&f, G10, 0, 5000000, 3000, 0), VNM_WATCH_SAME);
		assert_int_equal(interval(&f, G10, 0, 11000000, 3000, 0), VNM_WATCH_SAME);
	}
	assert_false(f.st.w.violated);
}

static void cleared_after_five_good_intervals(void **state)
{
	struct feed f;
	int i;

	(void)state;
	feed_init(&f);
	for (i = 0; i < 3; i++)
		interval(&f, G10, 0, 4000000, 0, 7);
	assert_true(f.st.w.violated);
	/* four good, one short: still violated, the count starts over */
	for (i = 0; i < 4; i++)
		assert_int_equal(interval(&f, G10, 0, 0, 0, 0), VNM_WATCH_SAME);
	assert_int_equal(interval(&f, G10, 0, 4000000, 100, 0), VNM_WATCH_SAME);
	for (i = 0; i < 4; i++)
		assert_int_equal(interval(&f, G10, 0, 10000000, 1500, 0), VNM_WATCH_SAME);
	assert_true(f.st.w.violated);
	assert_int_equal(interval(&f, G10, 0, 10000000, 1500, 0), VNM_WATCH_CLEARED);
	assert_false(f.st.w.violated);
	assert_true(f.st.w.met);
}

static void what_is_not_short(void **state)
{
	struct feed f;
	int i;

	(void)state;
	feed_init(&f);
	for (i = 0; i < 10; i++) {
		/* sends less than the guarantee, nothing waits: its own choice */
		assert_int_equal(interval(&f, G10, 0, 3000000, 0, 0), VNM_WATCH_SAME);
		assert_true(f.st.w.met);
		/* limited at its guarantee: about the guarantee, with a queue */
		assert_int_equal(interval(&f, G10, 0, 9500000, 20000, 4), VNM_WATCH_SAME);
		assert_true(f.st.w.met);
		/* idle */
		assert_int_equal(interval(&f, G10, 0, 0, 0, 0), VNM_WATCH_SAME);
	}
	/* no guarantee: nothing to violate, whatever waits */
	for (i = 0; i < 10; i++)
		assert_int_equal(interval(&f, 0, 0, 1000, 50000, 100), VNM_WATCH_SAME);
	assert_true(f.st.w.met);
	assert_false(f.st.w.violated);
}

static void drops_alone_count_as_waiting_and_either_way_counts(void **state)
{
	struct feed f;

	(void)state;
	feed_init(&f);
	/* no backlog at the reading, but drops grew: short, toward the source */
	assert_int_equal(interval(&f, G10, 1, 2000000, 0, 30), VNM_WATCH_SAME);
	assert_int_equal(interval(&f, G10, 1, 2000000, 0, 30), VNM_WATCH_SAME);
	assert_int_equal(interval(&f, G10, 1, 2000000, 0, 30), VNM_WATCH_RAISED);
	assert_int_equal(f.st.short_dir, 1);
	assert_int_equal(f.st.w.rate_in, 2000000);
}

static void stale_and_reset_readings_change_nothing(void **state)
{
	struct feed f;
	int i;

	(void)state;
	feed_init(&f);
	interval(&f, G10, 0, 5000000, 3000, 0);
	interval(&f, G10, 0, 5000000, 3000, 0);
	/* the same reading again (no snapshot since the last tick) */
	for (i = 0; i < 5; i++)
		assert_int_equal(vnm_watch_step(&f.st, G10, &f.c), VNM_WATCH_SAME);
	assert_false(f.st.w.violated);
	/* classes made again: counters went back; no verdict on that interval */
	f.c.read_ns += SEC;
	f.c.cls_octets[0] = 100;
	assert_int_equal(vnm_watch_step(&f.st, G10, &f.c), VNM_WATCH_SAME);
	assert_false(f.st.w.violated);
	/* the third short interval still raises: the run was not broken */
	assert_int_equal(interval(&f, G10, 0, 5000000, 3000, 0), VNM_WATCH_RAISED);
}

static void removing_the_guarantee_clears_at_once(void **state)
{
	struct feed f;
	int i;

	(void)state;
	feed_init(&f);
	for (i = 0; i < 3; i++)
		interval(&f, G10, 0, 1000000, 3000, 0);
	assert_true(f.st.w.violated);
	assert_int_equal(interval(&f, 0, 0, 1000000, 3000, 0), VNM_WATCH_CLEARED);
	assert_false(f.st.w.violated);
}

static void huge_rates_do_not_overflow(void **state)
{
	struct feed f;

	(void)state;
	feed_init(&f);
	/* 400 Gbit/s for a second: 50 GB, past where octets * 8e9 wraps */
	interval(&f, G10, 0, 400000000000ULL, 0, 0);
	assert_int_equal(f.st.w.rate_out, 400000000000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rates_are_bits_per_second_each_way),
		cmocka_unit_test(raised_after_three_short_intervals_once),
		cmocka_unit_test(a_good_interval_restarts_the_count),
		cmocka_unit_test(cleared_after_five_good_intervals),
		cmocka_unit_test(what_is_not_short),
		cmocka_unit_test(drops_alone_count_as_waiting_and_either_way_counts),
		cmocka_unit_test(stale_and_reset_readings_change_nothing),
		cmocka_unit_test(removing_the_guarantee_clears_at_once),
		cmocka_unit_test(huge_rates_do_not_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
