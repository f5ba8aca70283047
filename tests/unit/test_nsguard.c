/* test_nsguard.c - empty namespace declarations (netconf-server/nsguard.c):
 * found in every spelling (xmlns="", xmlns='', xmlns:p="", spaces around
 * "="), at every split of the input; spoiled at their closing quote only;
 * not found where they are no declaration (a value, text, a comment, CDATA,
 * a processing instruction, an attribute merely starting with "xmlns"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsguard.h"

/* Scan s in pieces of step bytes (0: at once), marking; the marked copy in
 * out; returns the number found. */
static size_t scan(const char *s, size_t step, char *out)
{
	struct vnm_nsguard g;
	size_t len = strlen(s), off = 0, n, found = 0;

	strcpy(out, s);
	vnm_nsguard_init(&g);
	while (off < len) {
		n = step && len - off > step ? step : len - off;
		found += vnm_nsguard_feed(&g, out + off, n, true);
		off += n;
	}
	assert_int_equal(g.found, found);
	return found;
}

static void found_in_every_spelling_at_every_split(void **state)
{
	static const struct { const char *xml, *marked; size_t n; } cases[] = {
		{"<n xmlns=\"\"><a/><a/></n>", "<n xmlns=\"\x01><a/><a/></n>", 1},
		{"<n xmlns=''/>", "<n xmlns='\x01/>", 1},
		{"<p:n xmlns:p=\"\"/>", "<p:n xmlns:p=\"\x01/>", 1},
		{"<n a='1'\n  xmlns = ''\t b=\"x\"/>", "<n a='1'\n  xmlns = '\x01\t b=\"x\"/>", 1},
		{"<rpc xmlns='urn:x'><get><filter><n xmlns=\"\"/><m xmlns=''/></filter></get></rpc>",
		 "<rpc xmlns='urn:x'><get><filter><n xmlns=\"\x01/><m xmlns='\x01/></filter></get></rpc>", 2},
	};
	char out[256];
	size_t i, step;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (step = 0; step <= strlen(cases[i].xml); step++) {
			assert_int_equal(scan(cases[i].xml, step, out), cases[i].n);
			assert_string_equal(out, cases[i].marked);
		}
	assert_true(vnm_nsguard_has_empty("<a><b xmlns=''/></a>"));
}

static void not_found_where_there_is_no_declaration(void **state)
{
	static const char *const ok[] = {
		"<n xmlns=\"urn:x\" a=\"\" b=''/>",
		"<n xmlnsx=\"\" xmlnz='' x:xmlns=\"\" xml=''/>",
		"<n>xmlns=\"\" and xmlns='' as text</n>",
		"<n a=\"xmlns='' \"/><m b='xmlns=\"\"'/>",
		"<!-- <n xmlns=\"\"/> --><n/>",
		"<![CDATA[<n xmlns=''/>]]><n/>",
		"<?pi <n xmlns=''/> ?><n/>",
		"<!DOCTYPE n [<!ENTITY e \"<n xmlns=''/>\">]><n/>",
		"</n xmlns=''>",
		"<n><!----><![CDATA[]]]]><?x?" "?></n>",
	};
	char out[256];
	size_t i, step;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		for (step = 0; step <= strlen(ok[i]); step++) {
			assert_int_equal(scan(ok[i], step, out), 0);
			assert_string_equal(out, ok[i]);
		}
	/* after a comment, CDATA or PI the scanner is back in step */
	assert_true(vnm_nsguard_has_empty("<!-- - -- ---><![CDATA[]]]><?a?b?" "?><n xmlns=''/>"));
}

static void unmarked_scan_leaves_the_text(void **state)
{
	char buf[] = "<n xmlns=''/>";
	struct vnm_nsguard g;

	vnm_nsguard_init(&g);
	assert_int_equal(vnm_nsguard_feed(&g, buf, strlen(buf), false), 1);
	assert_string_equal(buf, "<n xmlns=''/>");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(found_in_every_spelling_at_every_split),
		cmocka_unit_test(not_found_where_there_is_no_declaration),
		cmocka_unit_test(unmarked_scan_leaves_the_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
