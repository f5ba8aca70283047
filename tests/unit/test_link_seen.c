/*
 * test_link_seen.c - the link driver's table of VLs whose counters it has
 * read (drivers/link/link_stats.c): the discontinuity time of each, and
 * forgetting a VL when it is destroyed, so that the table follows the VLs
 * that exist rather than every VL ever made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link_int.h"

#define OLD 42 /* a discontinuity time no call can return by itself */

static void id_of(int i, char *out, size_t n)
{
	snprintf(out, n, "%08x", (unsigned)i * 2654435761u);
}

/* Every entry's time set to OLD: a later note that finds its entry (same
 * interface, counters not backwards) returns OLD, one that does not finds
 * a new entry and returns now. */
static void age_all(struct vnm_lnl *c)
{
	size_t i;

	for (i = 0; i < c->cap_seen; i++)
		if (c->seen[i].id[0])
			c->seen[i].since = OLD;
}

static void restarts_are_seen(void **state)
{
	struct vnm_lnl *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(c);
	assert_true(vnm_lnl_seen_note(c, "0000000a", 5, 1, 100, 100) > OLD);
	age_all(c);
	assert_int_equal(vnm_lnl_seen_note(c, "0000000a", 5, 1, 200, 200), OLD);
	assert_true(vnm_lnl_seen_note(c, "0000000a", 5, 1, 10, 200) > OLD);   /* backwards */
	age_all(c);
	assert_true(vnm_lnl_seen_note(c, "0000000a", 6, 1, 300, 300) > OLD);  /* new interface */
	age_all(c);
	assert_true(vnm_lnl_seen_note(c, "0000000a", 6, 2, 300, 300) > OLD);  /* new namespace */
	free(c->seen);
	free(c);
}

/* Forgetting most of many VLs, in an order unlike the one they came in:
 * every one kept is still found (the probe chains survive the gaps), every
 * one forgotten starts anew, and the table shrinks. */
static void forgetting_keeps_the_others(void **state)
{
	struct vnm_lnl *c = calloc(1, sizeof(*c));
	size_t big;
	char id[16];
	int i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < 5000; i++) {
		id_of(i, id, sizeof(id));
		vnm_lnl_seen_note(c, id, i, 1, 0, 0);
	}
	assert_int_equal(c->n_seen, 5000);
	big = c->cap_seen;
	age_all(c);
	for (i = 4999; i >= 0; i--) {
		if (i % 50 == 7)
			continue;
		id_of(i, id, sizeof(id));
		vnm_lnl_seen_forget(c, id);
	}
	assert_int_equal(c->n_seen, 100);
	assert_true(c->cap_seen < big / 8);
	for (i = 0; i < 5000; i++) {
		id_of(i, id, sizeof(id));
		if (i % 50 == 7)
			assert_int_equal(vnm_lnl_seen_note(c, id, i, 1, 0, 0), OLD);
	}
	id_of(8, id, sizeof(id));
	assert_true(vnm_lnl_seen_note(c, id, 8, 1, 0, 0) > OLD);
	vnm_lnl_seen_forget(c, "nothere");
	assert_int_equal(c->n_seen, 101);
	free(c->seen);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(restarts_are_seen),
		cmocka_unit_test(forgetting_keeps_the_others),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
