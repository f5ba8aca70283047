/* test_dupguard.c - list entries with equal keys (netconf-server/dupguard.c):
 * learnt from vnmd's schema; the entry past the limit is spoiled at the
 * first byte of its end tag, at every split of the input; equal keys are
 * equal in every spelling libyang takes as the same value; entries under
 * different parents, with different keys or without all their keys are
 * never counted; the count starts anew with each message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "dupguard.h"
#include "yctx.h"

#define NW "<networks xmlns='urn:ietf:params:xml:ns:yang:ietf-network'>"

static int setup(void **state)
{
	static const char *const ab[] = {"a", "b"}, *const num[] = {"id"};
	struct ly_ctx *ctx;
	struct vnm_err err;

	assert_int_equal(vnm_yctx_new(true, &ctx, &err), 0);
	vnm_dupguard_learn(ctx); /* network (network-id), node (node-id), ... */
	vnm_dupguard_teach("n", ab, 2);
	vnm_dupguard_teach("num", num, 1);
	vnm_dupguard_teach("l", NULL, 0);
	*state = ctx;
	return 0;
}

static int teardown(void **state)
{
	ly_ctx_destroy(*state);
	return 0;
}

/* A message of head, n times entry (printf'd with the index), tail. */
static char *message(const char *head, const char *entry, unsigned n, const char *tail)
{
	size_t cap = strlen(head) + strlen(tail) + (size_t)n * (strlen(entry) + 12) + 1, o;
	char *s = malloc(cap);
	unsigned i;

	assert_non_null(s);
	o = (size_t)sprintf(s, "%s", head);
	for (i = 0; i < n; i++)
		o += (size_t)sprintf(s + o, entry, i);
	sprintf(s + o, "%s", tail);
	return s;
}

/* Scan s (in place) in pieces of step bytes (0: at once); spoiled count. */
static size_t scan(char *s, size_t step)
{
	struct vnm_dupguard g = {0};
	size_t len = strlen(s), off = 0, n, spoiled = 0;

	vnm_dupguard_init(&g);
	while (off < len) {
		n = step && len - off > step ? step : len - off;
		spoiled += vnm_dupguard_feed(&g, s + off, n);
		off += n;
	}
	assert_int_equal(g.spoiled, spoiled);
	vnm_dupguard_free(&g);
	return spoiled;
}

static size_t scan_entries(const char *entry, unsigned n)
{
	char *s = message("<filter>" NW, entry, n, "</networks></filter>");
	size_t r = scan(s, 0);

	free(s);
	return r;
}

static void the_entry_past_the_limit_is_spoiled_at_its_end_tag(void **state)
{
	const char *e = "<network><network-id>x</network-id></network>";
	char *s, *want, *p;
	size_t step;

	(void)state;
	assert_int_equal(scan_entries(e, VNM_DUPGUARD_MAX + 1), 0);
	s = message(NW, e, VNM_DUPGUARD_MAX + 2, "</networks>");
	want = strdup(s);
	/* the last entry's "</network>": its 'n' */
	p = want + strlen(want) - strlen("</network></networks>") + 2;
	assert_int_equal(*p, 'n');
	*p = 0x02;
	for (step = 0; step < 40; step++) {
		char *t = strdup(s);

		assert_int_equal(scan(t, step), 1);
		assert_string_equal(t, want);
		free(t);
	}
	free(s);
	free(want);
	/* each one past the limit */
	assert_int_equal(scan_entries(e, VNM_DUPGUARD_MAX + 10), 9);
}

static void the_key_anywhere_in_the_entry(void **state)
{
	(void)state;
	assert_int_equal(scan_entries("<network><node><node-id>a%u</node-id></node>"
				      "<network-id>x</network-id></network>", 100), 100 - 1 - VNM_DUPGUARD_MAX);
	/* prefixed names, attributes, whitespace, comments between */
	assert_int_equal(scan_entries("<nw:network xmlns:nw='urn:ietf:params:xml:ns:yang:ietf-network'"
				      " a=\"/>\"> <!-- </network> --><nw:network-id>x</nw:network-id>"
				      "<?pi </network>?></nw:network >", 70), 70 - 1 - VNM_DUPGUARD_MAX);
	/* two keys, in either order, both needed */
	assert_int_equal(scan_entries("<n><b>2</b><a>1</a></n><n><a>1</a><b>2</b></n>", 40),
			 80 - 1 - VNM_DUPGUARD_MAX);
	assert_int_equal(scan_entries("<n><a>1</a></n>", 100), 0);
}

static void equal_in_every_spelling(void **state)
{
	static const char *const x[] = {
		"x", "&#120;", "&#x78;", "&#0000120;", " x\n", "<![CDATA[x]]>", "x<!-- y -->",
		"p:x", "&#x0078;",
	};
	static const char *const one[] = {"1", "01", "+1", "1.0", "001.000", " +0001 "};
	char entry[128];
	char *s, *o;
	size_t i, k;

	(void)state;
	s = malloc(200 * 128);
	for (k = 0; k < 2; k++) {
		const char *const *v = k ? one : x;
		size_t nv = k ? sizeof(one) / sizeof(one[0]) : sizeof(x) / sizeof(x[0]);

		o = s + sprintf(s, "%s", NW);
		for (i = 0; i < 100; i++) {
			snprintf(entry, sizeof(entry), k ? "<num><id>%s</id></num>" :
				 "<network><network-id>%s</network-id></network>", v[i % nv]);
			o += sprintf(o, "%s", entry);
		}
		sprintf(o, "</networks>");
		assert_int_equal(scan(s, 7), 100 - 1 - VNM_DUPGUARD_MAX);
	}
	free(s);
	/* and different values stay different */
	assert_int_equal(scan_entries("<num><id>1%u</id></num>", 1000), 0);
	assert_int_equal(scan_entries("<network><network-id>x%u</network-id></network>", 1000), 0);
}

static void other_parents_other_keys(void **state)
{
	(void)state;
	/* node "a" in each of 200 networks: no two under one parent */
	assert_int_equal(scan_entries("<network><network-id>n%u</network-id>"
				      "<node><node-id>a</node-id></node></network>", 200), 0);
	/* 10,000 distinct entries */
	assert_int_equal(scan_entries("<network><network-id>%u</network-id></network>", 10000), 0);
	/* no keys at all (a filter selecting every network) */
	assert_int_equal(scan_entries("<network/>", 200), 0);
}

static void leaf_list_values(void **state)
{
	(void)state;
	assert_int_equal(scan_entries("<l>v</l>", 70), 70 - 1 - VNM_DUPGUARD_MAX);
	assert_int_equal(scan_entries("<l/>", 70), 70 - 1 - VNM_DUPGUARD_MAX);
	assert_int_equal(scan_entries("<l>v%u</l>", 200), 0);
}

static void the_count_starts_anew_with_each_message(void **state)
{
	char *a = message(NW, "<network><network-id>x</network-id></network>", 40, "</networks>");
	struct vnm_dupguard g = {0};

	(void)state;
	vnm_dupguard_init(&g);
	assert_int_equal(vnm_dupguard_feed(&g, a, strlen(a)), 0);
	free(a);
	a = message(NW, "<network><network-id>x</network-id></network>", 40, "</networks>");
	vnm_dupguard_init(&g);
	assert_int_equal(vnm_dupguard_feed(&g, a, strlen(a)), 0);
	free(a);
	vnm_dupguard_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_entry_past_the_limit_is_spoiled_at_its_end_tag),
		cmocka_unit_test(the_key_anywhere_in_the_entry),
		cmocka_unit_test(equal_in_every_spelling),
		cmocka_unit_test(other_parents_other_keys),
		cmocka_unit_test(leaf_list_values),
		cmocka_unit_test(the_count_starts_anew_with_each_message),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
