/*
 * test_uri_policy.c - which hypervisor URIs hosts may name (uri_policy.h).
 *
 * A model URI libvirt would act on beyond connecting (run a program, read a
 * file, use a socket) must be refused unless the operator allowed it; a
 * program-running one always.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "uri_policy.h"

#define ALLOWED(p, u) assert_int_equal(vnm_uri_check(p, u), VNM_URI_ALLOWED)
#define REFUSED(p, u, v) assert_int_equal(vnm_uri_check(p, u), v)

static void builtin_list_is_local_drivers(void **state)
{
	(void)state;
	ALLOWED(NULL, "qemu:///system");
	ALLOWED(NULL, "qemu:///session");
	ALLOWED(NULL, "test:///default");
	/* the test driver with a path reads that file as root */
	REFUSED(NULL, "test:///etc/shadow", VNM_URI_NOT_LISTED);
	REFUSED(NULL, "qemu+ssh://evil.example/system", VNM_URI_NOT_LISTED);
	REFUSED(NULL, "qemu+tcp://10.0.0.1/system", VNM_URI_NOT_LISTED);
	REFUSED(NULL, "qemu:///system/", VNM_URI_NOT_LISTED);
	REFUSED(NULL, "", VNM_URI_NOT_LISTED);
	REFUSED(NULL, NULL, VNM_URI_NOT_LISTED);
	REFUSED(NULL, "test:///default?socket=/tmp/s", VNM_URI_QUERY);
	REFUSED(NULL, "test:///default#x", VNM_URI_QUERY);
}

static void entries_replace_the_builtin_list(void **state)
{
	const char *allow[] = {"qemu+tls://rm1.lab.example/system"};
	struct vnm_uri_policy p = {.allow = allow, .n_allow = 1};

	(void)state;
	ALLOWED(&p, "qemu+tls://rm1.lab.example/system");
	REFUSED(&p, "qemu:///system", VNM_URI_NOT_LISTED);
	REFUSED(&p, "qemu+tls://rm2.lab.example/system", VNM_URI_NOT_LISTED);
}

static void ext_is_never_allowed(void **state)
{
	const char *allow[] = {"test+ext:///default", "*+ext:///default", "test+EXT:///default"};
	struct vnm_uri_policy p = {.allow = allow, .n_allow = 3,
				   .default_uri = "test+ext:///default"};

	(void)state;
	REFUSED(NULL, "test+ext:///default?command=/tmp/x", VNM_URI_RUNS_PROGRAM);
	REFUSED(NULL, "test+ext:///default", VNM_URI_RUNS_PROGRAM);
	/* listed, globbed, default: still refused */
	REFUSED(&p, "test+ext:///default", VNM_URI_RUNS_PROGRAM);
	REFUSED(&p, "qemu+ext:///default", VNM_URI_RUNS_PROGRAM);
	REFUSED(&p, "test+EXT:///default", VNM_URI_RUNS_PROGRAM);
	REFUSED(NULL, "qemu+Ext://h/system", VNM_URI_RUNS_PROGRAM);
	REFUSED(NULL, "ext:///x", VNM_URI_RUNS_PROGRAM);
	assert_non_null(vnm_uri_entry_refusal("test+ext:///default"));
	assert_non_null(vnm_uri_entry_refusal("test+eXt:///default"));
	/* "ext" elsewhere than the transport is harmless */
	assert_null(vnm_uri_entry_refusal("qemu+tls://ext.example/system"));
	assert_null(vnm_uri_entry_refusal("qemu+extra:///system"));
}

static void command_is_never_allowed_even_when_listed(void **state)
{
	static const char *const bad[] = {
		"qemu+ssh://h/system?command=/bin/x",
		"qemu+ssh://h/system?keyfile=/k&command=/bin/x",
		"qemu+ssh://h/system?keyfile=/k;command=/bin/x",
		"qemu+ssh://h/system?COMMAND=/bin/x",
		"qemu+ssh://h/system?c%6fmmand=/bin/x",
		"qemu+ssh://h/system?command%00junk=/bin/x",
		"qemu+ssh://h/system?command",
	};
	struct vnm_uri_policy p = {.allow = bad, .n_allow = sizeof(bad) / sizeof(bad[0])};
	size_t i;

	(void)state;
	for (i = 0; i < p.n_allow; i++) {
		REFUSED(&p, bad[i], VNM_URI_RUNS_PROGRAM);
		assert_non_null(vnm_uri_entry_refusal(bad[i]));
	}
	/* a parameter merely containing the word is another parameter */
	assert_null(vnm_uri_entry_refusal("qemu+ssh://h/system?commands=1"));
	assert_null(vnm_uri_entry_refusal("qemu+ssh://h/system?no_command=1"));
	assert_null(vnm_uri_entry_refusal("qemu+ssh://h/system?x=command"));
}

static void query_only_when_listed_exactly(void **state)
{
	const char *allow[] = {"test+unix:///default?socket=/run/t.sock", "qemu+unix://*/session"};
	struct vnm_uri_policy p = {.allow = allow, .n_allow = 2,
				   .default_uri = "qemu+unix:///session?socket=/run/q.sock"};

	(void)state;
	ALLOWED(&p, "test+unix:///default?socket=/run/t.sock");
	ALLOWED(&p, "qemu+unix:///session?socket=/run/q.sock");
	REFUSED(&p, "test+unix:///default?socket=/run/other.sock", VNM_URI_QUERY);
	REFUSED(&p, "test+unix:///default?socket=/run/t.sock&x=1", VNM_URI_QUERY);
	/* a pattern never lets a query through */
	REFUSED(&p, "qemu+unix:///session?socket=/tmp/s", VNM_URI_QUERY);
	REFUSED(&p, "qemu+unix:///session?keyfile=/etc/shadow", VNM_URI_QUERY);
	REFUSED(&p, "qemu+unix:///session?netcat=/bin/x", VNM_URI_QUERY);
	REFUSED(&p, "qemu+unix:///session?proxy=native", VNM_URI_QUERY);
	REFUSED(&p, "qemu+unix:///session#frag", VNM_URI_QUERY);
	/* byte for byte: scheme case makes it another string */
	REFUSED(&p, "TEST+unix:///default?socket=/run/t.sock", VNM_URI_QUERY);
	ALLOWED(&p, "qemu+unix:///session");
	/* an entry with '?' is not a one-character wildcard */
	REFUSED(&p, "test+unix:///defaultXsocket=/run/t.sock", VNM_URI_NOT_LISTED);
}

static void globs(void **state)
{
	const char *allow[] = {"qemu+tls://*.lab.example/system", "qemu+ssh://rm[0-9]/system"};
	struct vnm_uri_policy p = {.allow = allow, .n_allow = 2};

	(void)state;
	ALLOWED(&p, "qemu+tls://rm1.lab.example/system");
	ALLOWED(&p, "qemu+tls://a-b.lab.example/system");
	ALLOWED(&p, "qemu+ssh://rm7/system");
	REFUSED(&p, "qemu+ssh://rm77/system", VNM_URI_NOT_LISTED);
	REFUSED(&p, "qemu+tls://rm1.lab.example.evil/system", VNM_URI_NOT_LISTED);
	REFUSED(&p, "qemu+tls://rm1.lab.example/session", VNM_URI_NOT_LISTED);
	/* '*' stays within one '/' part */
	REFUSED(&p, "qemu+tls://evil/x/.lab.example/system", VNM_URI_NOT_LISTED);
	REFUSED(&p, "qemu+tcp://rm1.lab.example/system", VNM_URI_NOT_LISTED);
	REFUSED(&p, "qemu+tls://rm1.lab.example/system?pkipath=/etc", VNM_URI_QUERY);
}

static void scheme_case(void **state)
{
	const char *allow[] = {"QEMU+TLS://rm1.lab.example/system"};
	struct vnm_uri_policy p = {.allow = allow, .n_allow = 1};

	(void)state;
	/* schemes are case-insensitive (RFC 3986 3.1); the rest is not */
	ALLOWED(NULL, "QEMU:///system");
	ALLOWED(NULL, "Test:///default");
	REFUSED(NULL, "qemu:///SYSTEM", VNM_URI_NOT_LISTED);
	ALLOWED(&p, "qemu+tls://rm1.lab.example/system");
	ALLOWED(&p, "Qemu+Tls://rm1.lab.example/system");
	REFUSED(&p, "qemu+tls://rm1.lab.example/System", VNM_URI_NOT_LISTED);
}

static void explanations_say_what_to_do(void **state)
{
	char buf[768];

	(void)state;
	vnm_uri_explain(VNM_URI_NOT_LISTED, "test:///etc/shadow", buf, sizeof(buf));
	assert_non_null(strstr(buf, "test:///etc/shadow"));
	assert_non_null(strstr(buf, "--allow-uri 'test:///etc/shadow'"));
	vnm_uri_explain(VNM_URI_QUERY, "test:///default?socket=/s", buf, sizeof(buf));
	assert_non_null(strstr(buf, "--allow-uri 'test:///default?socket=/s'"));
	vnm_uri_explain(VNM_URI_RUNS_PROGRAM, "test+ext:///default", buf, sizeof(buf));
	assert_non_null(strstr(buf, "never"));
	assert_null(strstr(buf, "--allow-uri"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtin_list_is_local_drivers),
		cmocka_unit_test(entries_replace_the_builtin_list),
		cmocka_unit_test(ext_is_never_allowed),
		cmocka_unit_test(command_is_never_allowed_even_when_listed),
		cmocka_unit_test(query_only_when_listed_exactly),
		cmocka_unit_test(globs),
		cmocka_unit_test(scheme_case),
		cmocka_unit_test(explanations_say_what_to_do),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
