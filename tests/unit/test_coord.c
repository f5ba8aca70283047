/*
 * test_coord.c - a commit as a network-wide transaction (core/coord.c),
 * with a fake peer driver that fails on demand: the participants are
 * prepared before the local apply, confirmed after it, cancelled when the
 * local apply fails; a participant that fails leaves running and reality
 * as they were; management addresses and keys are the operator's, checked
 * before anything is touched; a participant (local_host) never
 * coordinates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "core.h"
#include "core_fixture.h"
#include "driver.h"
#include "fake_driver.h"
#include "peer_policy.h"

/* The fake peer driver: counts calls, remembers what it was given. */
struct fake_peer {
	unsigned prepares, confirms, cancels;
	bool fail_prepare;
	char txid[64], cancelled[64], confirmed[64];
	char *xml;
	unsigned timeout_s;
	size_t n_parts;
};

static int fp_prepare(void *ctx, const struct vnm_model *m, const char *xml, const char *txid,
		      unsigned timeout_s, struct vnm_err *err)
{
	struct fake_peer *p = ctx;
	size_t i;

	p->prepares++;
	free(p->xml);
	p->xml = xml ? strdup(xml) : NULL;
	snprintf(p->txid, sizeof(p->txid), "%s", txid);
	p->timeout_s = timeout_s;
	p->n_parts = 0;
	for (i = 0; i < m->n_hosts; i++)
		p->n_parts += vnm_host_participant(&m->hosts[i]);
	if (p->fail_prepare)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "host rm2 refused the change");
	return 0;
}

static int fp_confirm(void *ctx, const char *txid, struct vnm_err *err)
{
	struct fake_peer *p = ctx;

	p->confirms++;
	snprintf(p->confirmed, sizeof(p->confirmed), "%s", txid);
	return 0;
}

static void fp_cancel(void *ctx, const char *txid)
{
	struct fake_peer *p = ctx;

	p->cancels++;
	snprintf(p->cancelled, sizeof(p->cancelled), "%s", txid);
}

static const struct vnm_peer_ops fake_peer_ops = {
	.name = "fake", .prepare = fp_prepare, .confirm = fp_confirm, .cancel = fp_cancel,
};

static const char *const allow[] = {"unix:/run/vnmd-*.sock", "ssh:vnmd@rm2.example:830"};
static const struct vnm_peer_key keys[] = {{"lab", "/etc/vnmd/lab_key"}};
static const struct vnm_peer_policy policy = {.allow = allow, .n_allow = 2, .keys = keys, .n_keys = 1};

struct fx {
	char dir[64];
	struct fake_world *fw;
	struct fake_peer peer;
	struct vnm_core *c;
};

static struct vnm_core *open_core(struct fx *f, const char *local)
{
	struct vnm_core_opts o = {0};
	struct vnm_core *c = NULL;
	struct vnm_err err;

	o.ctx = fx_ctx();
	o.state_dir = f->dir;
	o.refresh_ms = 50;
	o.peers = &policy;
	o.local_host = local;
	fake_drivers(f->fw, &o.drv);
	o.drv.peer = &fake_peer_ops;
	o.drv.peer_ctx = &f->peer;
	if (vnm_core_new(&o, &c, &err)) {
		fprintf(stderr, "vnm_core_new: %s\n", err.msg);
		fail();
	}
	return c;
}

static int setup_as(void **state, const char *local)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/vnmt-coord-XXXXXX");
	if (!f || !mkdtemp(f->dir))
		return -1;
	f->fw = fake_world_new();
	f->c = open_core(f, local);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_as(state, NULL);
}

static int setup_participant(void **state)
{
	return setup_as(state, "rm1");
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	vnm_core_free(f->c);
	fake_world_free(f->fw);
	free(f->peer.xml);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

/* An underlay of rm0 (this vnmd's), rm1 and rm2 (management addr1, addr2,
 * credentials cred2 on rm2 when not NULL), one router on rm0 named r. */
static struct lyd_node *cfg(const char *addr1, const char *addr2, const char *cred2, const char *r)
{
	char xml[4096], m1[256] = "", m2[256] = "";

	if (addr1)
		snprintf(m1, sizeof(m1), "<vnm:management><vnm:address>%s</vnm:address>"
			 "</vnm:management>", addr1);
	if (addr2)
		snprintf(m2, sizeof(m2), "<vnm:management><vnm:address>%s</vnm:address>%s%s%s"
			 "</vnm:management>", addr2, cred2 ? "<vnm:credentials>" : "",
			 cred2 ? cred2 : "", cred2 ? "</vnm:credentials>" : "");
	snprintf(xml, sizeof(xml),
		 "<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
		 "<networks xmlns=\"urn:ietf:params:xml:ns:yang:ietf-network\" "
		 "xmlns:vnm=\"urn:vnmd:yang:vnmd\">"
		 "<network><network-id>underlay</network-id><network-types>"
		 "<vnm:physical-network/></network-types>"
		 "<node><node-id>rm0</node-id><vnm:host><vnm:libvirt-uri>test:///default"
		 "</vnm:libvirt-uri></vnm:host></node>"
		 "<node><node-id>rm1</node-id><vnm:host>%s</vnm:host></node>"
		 "<node><node-id>rm2</node-id><vnm:host>%s</vnm:host></node></network>"
		 "<network><network-id>vn1</network-id><network-types><vnm:virtual-network/>"
		 "</network-types><supporting-network><network-ref>underlay</network-ref>"
		 "</supporting-network><node><node-id>%s</node-id><supporting-node>"
		 "<network-ref>underlay</network-ref><node-ref>rm0</node-ref></supporting-node>"
		 "<vnm:router><vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image></vnm:router>"
		 "</node></network></networks></config>",
		 m1, m2, r);
	return fx_tree(xml);
}

static const char *A1 = "unix:/run/vnmd-rm1.sock", *A2 = "ssh:vnmd@rm2.example:830";

static char *running_xml(struct vnm_core *c)
{
	struct lyd_node *t = NULL;
	struct vnm_err err;
	char *s = NULL;

	assert_int_equal(vnm_core_running(c, &t, &err), 0);
	if (t)
		lyd_print_mem(&s, t, LYD_XML, LYD_PRINT_WITHSIBLINGS);
	lyd_free_all(t);
	return s ? s : strdup("");
}

static void prepared_then_confirmed(void **state)
{
	struct fx *f = *state;
	struct lyd_node *t = cfg(A1, A2, "lab", "r1");
	struct vnm_err err;
	char *run;

	assert_int_equal(vnm_core_commit(f->c, t, NULL, &err), 0);
	assert_int_equal(f->peer.prepares, 1);
	assert_int_equal(f->peer.n_parts, 2);
	assert_int_equal(f->peer.timeout_s, 60);
	assert_non_null(f->peer.xml);
	assert_non_null(strstr(f->peer.xml, "<networks"));
	assert_non_null(strstr(f->peer.xml, "r1"));
	assert_int_equal(f->peer.confirms, 1);
	assert_string_equal(f->peer.confirmed, f->peer.txid);
	assert_int_equal(f->peer.cancels, 0);
	/* the local share is applied */
	assert_true(fake_count(f->fw, "vr_define") >= 1);
	run = running_xml(f->c);
	assert_non_null(strstr(run, "r1"));
	free(run);
	lyd_free_all(t);
}

static void a_participant_failing_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct lyd_node *t = cfg(A1, A2, "lab", "r1"), *t2 = cfg(A1, A2, "lab", "r2");
	struct vnm_err err;
	char *before, *after;

	assert_int_equal(vnm_core_commit(f->c, t, NULL, &err), 0);
	before = running_xml(f->c);
	fake_reset_counts(f->fw);
	f->peer.fail_prepare = true;
	assert_int_equal(vnm_core_commit(f->c, t2, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "rm2"));
	/* nothing local was touched, nothing confirmed */
	assert_int_equal(fake_calls(f->fw), 0);
	assert_int_equal(f->peer.confirms, 1);
	after = running_xml(f->c);
	assert_string_equal(before, after);
	free(before);
	free(after);
	lyd_free_all(t);
	lyd_free_all(t2);
}

static void local_failure_cancels_the_participants(void **state)
{
	struct fx *f = *state;
	struct lyd_node *t = cfg(A1, A2, "lab", "r1");
	struct vnm_err err;
	char *run;

	fake_fail_op(f->fw, "vr_define");
	assert_int_equal(vnm_core_commit(f->c, t, NULL, &err), -1);
	assert_int_equal(f->peer.prepares, 1);
	assert_int_equal(f->peer.cancels, 1);
	assert_string_equal(f->peer.cancelled, f->peer.txid);
	assert_int_equal(f->peer.confirms, 0);
	run = running_xml(f->c);
	assert_null(strstr(run, "r1"));
	free(run);
	fake_fail_op(f->fw, NULL);
	lyd_free_all(t);
}

static void no_participants_no_transaction(void **state)
{
	struct fx *f = *state;
	struct lyd_node *t = cfg(NULL, NULL, NULL, "r1");
	struct vnm_err err;

	assert_int_equal(vnm_core_commit(f->c, t, NULL, &err), 0);
	assert_int_equal(f->peer.prepares + f->peer.confirms + f->peer.cancels, 0);
	lyd_free_all(t);
}

/* Refused before the peer driver or any other driver is called. */
static void refused(struct fx *f, struct lyd_node *t, const char *host, const char *hint)
{
	struct vnm_err err;

	fake_reset_counts(f->fw);
	assert_int_equal(vnm_core_commit(f->c, t, NULL, &err), -1);
	assert_non_null(strstr(err.msg, host));
	assert_non_null(strstr(err.msg, hint));
	assert_int_equal(f->peer.prepares, 0);
	assert_int_equal(fake_calls(f->fw), 0);
	assert_int_equal(vnm_core_validate(f->c, t, &err), -1);
	lyd_free_all(t);
}

static void addresses_and_keys_are_the_operators(void **state)
{
	struct fx *f = *state;

	/* not allowed: not listed, a pattern's '*' crossing '/', a '..' */
	refused(f, cfg("unix:/tmp/evil.sock", NULL, NULL, "r1"), "rm1", "--allow-peer");
	refused(f, cfg("unix:/run/vnmd-x/y.sock", NULL, NULL, "r1"), "rm1", "--allow-peer");
	refused(f, cfg("unix:/run/vnmd-/../etc/x.sock", NULL, NULL, "r1"), "rm1", "--allow-peer");
	refused(f, cfg(NULL, "ssh:root@rm2.example:830", "lab", "r1"), "rm2", "--allow-peer");
	/* credentials naming no key, or none for SSH */
	refused(f, cfg(NULL, A2, "other", "r1"), "rm2", "--peer-key other=PATH");
	refused(f, cfg(NULL, A2, NULL, "r1"), "rm2", "credentials");
}

static void a_participant_never_coordinates(void **state)
{
	struct fx *f = *state;
	struct lyd_node *t = cfg("unix:/tmp/not-allowed.sock", A2, "nokey", "r1");
	struct vnm_err err;

	assert_int_equal(vnm_core_commit(f->c, t, NULL, &err), 0);
	assert_int_equal(f->peer.prepares + f->peer.confirms + f->peer.cancels, 0);
	lyd_free_all(t);
}

static void marking(void **state)
{
	struct lyd_node *t = cfg(A1, NULL, NULL, "r1");
	struct vnm_model *m = fx_model(t);

	(void)state;
	vnm_model_mark(m, NULL);
	assert_false(vnm_model_host(m, "rm0")->remote);
	assert_true(vnm_model_host(m, "rm1")->remote);
	assert_false(vnm_model_host(m, "rm2")->remote);
	assert_true(vnm_host_participant(vnm_model_host(m, "rm1")));
	assert_string_equal(vnm_model_host(m, "rm1")->mgmt_addr, A1);
	vnm_model_mark(m, "rm1");
	assert_true(vnm_model_host(m, "rm0")->remote);
	assert_false(vnm_model_host(m, "rm1")->remote);
	assert_false(vnm_host_participant(vnm_model_host(m, "rm1")));
	vnm_model_free(m);
	lyd_free_all(t);
}

static void address_syntax(void **state)
{
	struct vnm_peer_addr a;
	const char *why;

	(void)state;
	assert_int_equal(vnm_peer_addr_parse("ssh:vnmd@rm2.example", &a, &why), 0);
	assert_true(a.ssh);
	assert_int_equal(a.port, 830);
	assert_string_equal(a.user, "vnmd");
	assert_int_equal(vnm_peer_addr_parse("ssh:u@[::1]:2222", &a, &why), 0);
	assert_string_equal(a.host, "::1");
	assert_int_equal(a.port, 2222);
	assert_int_equal(vnm_peer_addr_parse("unix:/run/x.sock", &a, &why), 0);
	assert_string_equal(a.path, "/run/x.sock");
	assert_int_equal(vnm_peer_addr_parse("unix:rel.sock", &a, &why), -1);
	assert_int_equal(vnm_peer_addr_parse("ssh:rm2", &a, &why), -1);
	assert_int_equal(vnm_peer_addr_parse("ssh:u@h:0", &a, &why), -1);
	assert_int_equal(vnm_peer_addr_parse("ssh:u@h:99999", &a, &why), -1);
	assert_int_equal(vnm_peer_addr_parse("tcp:h:830", &a, &why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(marking),
		cmocka_unit_test(address_syntax),
		cmocka_unit_test_setup_teardown(prepared_then_confirmed, setup, teardown),
		cmocka_unit_test_setup_teardown(a_participant_failing_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(local_failure_cancels_the_participants, setup, teardown),
		cmocka_unit_test_setup_teardown(no_participants_no_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(addresses_and_keys_are_the_operators, setup, teardown),
		cmocka_unit_test_setup_teardown(a_participant_never_coordinates, setup_participant,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
