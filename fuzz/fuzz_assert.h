/*
 * fuzz_assert.h - what every fuzz target asserts with: CHECK(cond) aborts
 * (libFuzzer keeps the input) naming the target, file and condition, and,
 * for targets over YANG data, check_same() aborts printing how two trees
 * differ.  The target defines FUZZ_NAME before including this.
 */
#ifndef VNM_FUZZ_ASSERT_H
#define VNM_FUZZ_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, FUZZ_NAME ": %s:%d: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

#ifdef FUZZ_YANG
#include <libyang/libyang.h>

/* Same configuration (order of system-ordered entries aside). */
static inline void check_same(const struct lyd_node *a, const struct lyd_node *b,
			      const char *what)
{
	struct lyd_node *d = NULL;
	char *s = NULL;

	CHECK(lyd_diff_siblings(a, b, 0, &d) == LY_SUCCESS);
	if (d) {
		lyd_print_mem(&s, d, LYD_XML, LYD_PRINT_WITHSIBLINGS);
		fprintf(stderr, FUZZ_NAME ": %s; the trees differ by:\n%s\n", what, s ? s : "?");
		abort();
	}
}
#endif

#endif
