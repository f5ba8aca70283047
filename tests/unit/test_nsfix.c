/* test_nsfix.c - a <config> / <filter> in no namespace gets the NETCONF one
 * (netconf-server/nsfix.c): ncclient's own spellings are fixed at every
 * split of the input; correct requests, other elements, other depths and
 * elements that declare the namespace themselves are left byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsfix.h"

#define B "urn:ietf:params:xml:ns:netconf:base:1.0"
#define N "urn:ietf:params:xml:ns:netconf:notification:1.0"
#define RPC "<nc:rpc xmlns:nc=\"" B "\" message-id=\"1\">"

/* Fix s fed in pieces of step bytes (0: at once) into a small window, the
 * way the gate does. */
static char *fix(const char *s, size_t step)
{
	struct vnm_nsfix x;
	size_t len = strlen(s), off = 0, n, used, o = 0, cap = 2 * len + 1024;
	char *out = malloc(cap);

	assert_non_null(out);
	vnm_nsfix_init(&x);
	while (off < len) {
		n = step && len - off > step ? step : len - off;
		o += vnm_nsfix_copy(&x, s + off, n, out + o, cap - o, &used);
		assert_true(used > 0);
		off += used;
	}
	out[o] = '\0';
	return out;
}

static void check(const char *in, const char *want)
{
	size_t step;
	char *out;

	for (step = 0; step <= strlen(in); step++) {
		out = fix(in, step);
		assert_string_equal(out, want);
		free(out);
	}
	out = vnm_nsfix_string(in);
	assert_string_equal(out, want);
	free(out);
}

static void ncclient_spellings_are_fixed(void **state)
{
	/* edit_config(config="<config>...") */
	check(RPC "<nc:edit-config><nc:target><nc:running/></nc:target><config><networks "
	      "xmlns=\"urn:n\"/></config></nc:edit-config></nc:rpc>",
	      RPC "<nc:edit-config><nc:target><nc:running/></nc:target><config xmlns=\"" B
	      "\"><networks xmlns=\"urn:n\"/></config></nc:edit-config></nc:rpc>");
	/* get(filter="<filter type='subtree'>..."), an empty <config/> */
	check(RPC "<nc:get><filter type=\"subtree\"><a xmlns='urn:n'/></filter></nc:get></nc:rpc>",
	      RPC "<nc:get><filter type=\"subtree\" xmlns=\"" B "\"><a xmlns='urn:n'/></filter>"
	      "</nc:get></nc:rpc>");
	check(RPC "<nc:copy-config><nc:target><nc:candidate/></nc:target><nc:source><config/>"
	      "</nc:source></nc:copy-config></nc:rpc>",
	      RPC "<nc:copy-config><nc:target><nc:candidate/></nc:target><nc:source><config xmlns=\""
	      B "\"/></nc:source></nc:copy-config></nc:rpc>");
	/* create_subscription(filter=...): <nc:filter> in the base namespace */
	check(RPC "<ns0:create-subscription xmlns:ns0=\"" N "\"><nc:filter type=\"subtree\">"
	      "<a xmlns=\"urn:n\"/></nc:filter></ns0:create-subscription></nc:rpc>",
	      RPC "<ns0:create-subscription xmlns:ns0=\"" N "\"><nc:filter type=\"subtree\" "
	      "xmlns:nc=\"" N "\"><a xmlns=\"urn:n\"/></nc:filter></ns0:create-subscription>"
	      "</nc:rpc>");
	/* the filter of create-subscription in no namespace */
	check(RPC "<create-subscription xmlns:s=\"" N "\"/><s:create-subscription xmlns:s=\"" N
	      "\"><filter/></s:create-subscription></nc:rpc>",
	      RPC "<create-subscription xmlns:s=\"" N "\"/><s:create-subscription xmlns:s=\"" N
	      "\"><filter xmlns=\"" N "\"/></s:create-subscription></nc:rpc>");
}

static void correct_and_other_requests_are_left_alone(void **state)
{
	static const char *const same[] = {
		/* in a namespace already: default, prefixed, declared on the element */
		"<rpc xmlns=\"" B "\"><edit-config><config><a xmlns='urn:n'/></config></edit-config></rpc>",
		RPC "<nc:edit-config><nc:config/></nc:edit-config></nc:rpc>",
		RPC "<nc:get><filter xmlns=\"urn:other\"/></nc:get></nc:rpc>",
		"<rpc xmlns=\"" B "\"><create-subscription xmlns=\"" N "\"><filter/></create-subscription></rpc>",
		RPC "<create-subscription xmlns=\"" N "\"><nc:filter xmlns:nc=\"" B "\"/></create-subscription></nc:rpc>",
		/* other names, other depths, inside comments, CDATA, values */
		RPC "<nc:get><configs/></nc:get></nc:rpc>",
		RPC "<config/><nc:get><nc:x><nc:y><config/></nc:y></nc:x></nc:get></nc:rpc>",
		RPC "<nc:get><!-- <config> --><![CDATA[<filter>]]><nc:f a=\"<config>\"/></nc:get></nc:rpc>",
		"<hello xmlns=\"" B "\"><capabilities/></hello>",
	};
	size_t i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		check(same[i], same[i]);
}

static void at_most_a_few_elements_a_message(void **state)
{
	char in[4096] = RPC "<nc:get>", want[8192] = RPC "<nc:get>";
	int i;

	for (i = 0; i < VNM_NSFIX_MAX + 3; i++) {
		strcat(in, "<config/>");
		strcat(want, i < VNM_NSFIX_MAX ? "<config xmlns=\"" B "\"/>" : "<config/>");
	}
	strcat(in, "</nc:get></nc:rpc>");
	strcat(want, "</nc:get></nc:rpc>");
	check(in, want);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(ncclient_spellings_are_fixed),
		cmocka_unit_test(correct_and_other_requests_are_left_alone),
		cmocka_unit_test(at_most_a_few_elements_a_message),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}
