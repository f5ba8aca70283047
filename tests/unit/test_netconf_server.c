/*
 * test_netconf_server.c - the NETCONF server in-process over its UNIX
 * socket, with the real core on the fake drivers: a commit realises the
 * configuration, a driver step that fails leaves running and the world as
 * they were with operation-failed, and a transaction in progress does not
 * hold up reads, locks or other sessions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <libyang/libyang.h>

#include "cfg_gen.h"
#include "core.h"
#include "fake_driver.h"
#include "log.h"
#include "server.h"
#include "yctx.h"

#define NC_NS "urn:ietf:params:xml:ns:netconf:base:1.0"
#define EOM "]]>]]>"

static struct {
	char dir[64];
	char sock[128];
	struct ly_ctx *ctx;
	struct fake_world *fw;
	struct vnm_core *core;
	struct vnm_server *srv;
} F;

/* ------------------------------------------------------------------ */
/* A NETCONF 1.0 client (end-of-message framing)                      */
/* ------------------------------------------------------------------ */

struct cli {
	int fd;
	unsigned mid;
};

static char *cli_read(struct cli *c)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *end;
	ssize_t n;

	assert_non_null(buf);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		/* one byte at a time: never read past this message */
		n = read(c->fd, buf + len, 1);
		assert_true(n == 1);
		len++;
		buf[len] = '\0';
		if (len >= 6 && (end = strstr(buf + len - 6, EOM))) {
			*end = '\0';
			return buf;
		}
	}
}

static void cli_write(struct cli *c, const char *s)
{
	size_t len = strlen(s), off = 0;
	ssize_t n;

	while (off < len) {
		n = write(c->fd, s + off, len - off);
		assert_true(n > 0);
		off += (size_t)n;
	}
	assert_int_equal(write(c->fd, EOM, 6), 6);
}

static void cli_open(struct cli *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *hello;

	c->mid = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(c->fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", F.sock);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	hello = cli_read(c);
	assert_non_null(strstr(hello, "<session-id>"));
	free(hello);
	cli_write(c, "<hello xmlns=\"" NC_NS "\"><capabilities><capability>"
		     "urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>");
}

static char *cli_rpc(struct cli *c, const char *body)
{
	char *msg;

	assert_true(asprintf(&msg, "<rpc xmlns=\"" NC_NS "\" message-id=\"%u\">%s</rpc>", ++c->mid,
			     body) > 0);
	cli_write(c, msg);
	free(msg);
	return cli_read(c);
}

static void cli_close(struct cli *c)
{
	free(cli_rpc(c, "<close-session/>"));
	close(c->fd);
}

/* ------------------------------------------------------------------ */
/* Configurations                                                     */
/* ------------------------------------------------------------------ */

#define VR(name) "<node><node-id>" name "</node-id><supporting-node><network-ref>underlay" \
		 "</network-ref><node-ref>h1</node-ref></supporting-node>" \
		 "<nt:termination-point><nt:tp-id>e0</nt:tp-id></nt:termination-point>" \
		 "<vnm:router><vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image></vnm:router></node>"
#define VL(name, a, b) "<nt:link><nt:link-id>" name "</nt:link-id><nt:source><nt:source-node>" \
		       a "</nt:source-node><nt:source-tp>e0</nt:source-tp></nt:source>" \
		       "<nt:destination><nt:dest-node>" b "</nt:dest-node><nt:dest-tp>e0" \
		       "</nt:dest-tp></nt:destination><vnm:virtual-link/></nt:link>"
#define VN(name, body) "<network><network-id>" name "</network-id><network-types>" \
		       "<vnm:virtual-network/></network-types><supporting-network>" \
		       "<network-ref>underlay</network-ref></supporting-network>" body "</network>"
#define EDIT(dflt, body) "<edit-config><target><running/></target><default-operation>" dflt \
			 "</default-operation><config>" NETS body "</networks></config></edit-config>"
#define GET_RUNNING "<get-config><source><running/></source></get-config>"

/* ------------------------------------------------------------------ */
/* Fixture: one server for the whole group (libnetconf2 is global)    */
/* ------------------------------------------------------------------ */

static int group_setup(void **state)
{
	struct vnm_core_opts co = {0};
	struct vnm_server_opts so = {0};
	struct vnm_err err = {0};

	(void)state;
	vnm_log_set_level(VNM_LOG_WARNING);
	snprintf(F.dir, sizeof(F.dir), "/tmp/vnmd-ut-nc-XXXXXX");
	if (!mkdtemp(F.dir))
		return -1;
	snprintf(F.sock, sizeof(F.sock), "%s/sock", F.dir);
	if (vnm_yctx_new(true, &F.ctx, &err))
		return -1;
	F.fw = fake_world_new();
	fake_drivers(F.fw, &co.drv);
	co.ctx = F.ctx;
	co.state_dir = F.dir;
	co.reconcile = true;
	co.refresh_ms = 50;
	if (vnm_core_new(&co, &F.core, &err)) {
		fprintf(stderr, "core: %s\n", err.msg);
		return -1;
	}
	so.ctx = F.ctx;
	so.core = F.core;
	so.unix_path = F.sock;
	so.workers = 3;
	if (vnm_server_start(&so, &F.srv, &err)) {
		fprintf(stderr, "server: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	char p[200];

	(void)state;
	vnm_server_stop(F.srv);
	vnm_core_free(F.core);
	fake_world_free(F.fw);
	ly_ctx_destroy(F.ctx);
	for (const char *const *f = (const char *const[]){"running.xml", "startup.xml", NULL}; *f;
	     f++) {
		snprintf(p, sizeof(p), "%s/%s", F.dir, *f);
		unlink(p);
	}
	rmdir(F.dir);
	return 0;
}

/* Each test starts from an empty running datastore and an obedient world. */
static int setup(void **state)
{
	struct cli c;
	char *r;

	(void)state;
	fake_fail_op(F.fw, NULL);
	fake_fail_at(F.fw, 0);
	cli_open(&c);
	r = cli_rpc(&c, "<edit-config><target><running/></target><default-operation>replace"
			"</default-operation><config/></edit-config>");
	cli_close(&c);
	if (!strstr(r, "<ok/>")) {
		fprintf(stderr, "reset: %s\n", r);
		free(r);
		return -1;
	}
	free(r);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Tests                                                              */
/* ------------------------------------------------------------------ */

static void test_commit_realises_config(void **state)
{
	struct cli c;
	char *r;

	(void)state;
	cli_open(&c);
	r = cli_rpc(&c, EDIT("merge", UNDERLAY VN("vn1", VR("r1") VR("r2") VL("l", "r1", "r2"))));
	assert_non_null(strstr(r, "<ok/>"));
	free(r);
	/* <ok/> came after the core's transaction: the world is there already */
	assert_int_equal(fake_n(F.fw, "dom"), 2);
	r = cli_rpc(&c, GET_RUNNING);
	assert_non_null(strstr(r, "<node-id>r2</node-id>"));
	free(r);
	cli_close(&c);
}

static void test_failed_step_rolls_back(void **state)
{
	struct cli c;
	char *before, *after, *r, *run1, *run2;

	(void)state;
	cli_open(&c);
	free(cli_rpc(&c, EDIT("merge", UNDERLAY VN("vn1", VR("r1") VR("r2") VL("l", "r1", "r2")))));
	run1 = cli_rpc(&c, GET_RUNNING);
	before = fake_dump(F.fw);
	/* a second VN whose link cannot be created: its routers are defined
	 * first, then undone */
	fake_fail_op(F.fw, "vl_create");
	r = cli_rpc(&c, EDIT("merge", VN("vn2", VR("a") VR("b") VL("m", "a", "b"))));
	assert_non_null(strstr(r, "<error-tag>operation-failed</error-tag>"));
	assert_non_null(strstr(r, "vn2"));
	free(r);
	after = fake_dump(F.fw);
	assert_string_equal(before, after);
	run2 = cli_rpc(&c, GET_RUNNING);
	assert_string_equal(strstr(run1, "<data"), strstr(run2, "<data"));
	free(before);
	free(after);
	free(run1);
	free(run2);
	cli_close(&c);
}

struct bg {
	const char *body;
	char *reply;
};

static void *bg_rpc(void *arg)
{
	struct bg *b = arg;
	struct cli c;

	cli_open(&c);
	b->reply = cli_rpc(&c, b->body);
	cli_close(&c);
	return NULL;
}

static void test_transaction_in_progress_holds_up_no_reader(void **state)
{
	struct bg b = {EDIT("merge", UNDERLAY VN("vn1", VR("r1"))), NULL};
	pthread_t t;
	struct cli c, d;
	char *r;

	(void)state;
	fake_gate(F.fw, "vr_define");
	assert_int_equal(pthread_create(&t, NULL, bg_rpc, &b), 0);
	fake_gate_reached(F.fw);

	/* while the transaction waits at the gate */
	cli_open(&c);
	r = cli_rpc(&c, GET_RUNNING);
	assert_non_null(strstr(r, "<data"));
	assert_null(strstr(r, "r1"));
	free(r);
	r = cli_rpc(&c, "<lock><target><startup/></target></lock>");
	assert_non_null(strstr(r, "<ok/>"));
	free(r);
	cli_open(&d);
	r = cli_rpc(&d, "<get><filter type=\"subtree\"><netconf-state xmlns="
			"\"urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring\"><datastores/>"
			"</netconf-state></filter></get>");
	assert_non_null(strstr(r, "<locked-by-session>"));
	free(r);
	cli_close(&d);

	fake_gate_open(F.fw);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_non_null(strstr(b.reply, "<ok/>"));
	free(b.reply);
	r = cli_rpc(&c, GET_RUNNING);
	assert_non_null(strstr(r, "<node-id>r1</node-id>"));
	free(r);
	/* the lock dies with the session */
	cli_close(&c);
	cli_open(&c);
	r = cli_rpc(&c, "<lock><target><startup/></target></lock>");
	assert_non_null(strstr(r, "<ok/>"));
	free(r);
	cli_close(&c);
}

static void test_edits_are_serialised(void **state)
{
	struct bg a = {EDIT("merge", UNDERLAY VN("vn1", VR("r1"))), NULL};
	struct bg b = {EDIT("merge", UNDERLAY VN("vn2", VR("r9"))), NULL};
	pthread_t ta, tb;
	struct cli c;
	char *r;

	(void)state;
	fake_gate(F.fw, "vr_define");
	assert_int_equal(pthread_create(&ta, NULL, bg_rpc, &a), 0);
	fake_gate_reached(F.fw);
	assert_int_equal(pthread_create(&tb, NULL, bg_rpc, &b), 0);
	usleep(200000); /* b is queued behind a (no assertion on timing) */
	fake_gate_open(F.fw);
	assert_int_equal(pthread_join(ta, NULL), 0);
	assert_int_equal(pthread_join(tb, NULL), 0);
	assert_non_null(strstr(a.reply, "<ok/>"));
	assert_non_null(strstr(b.reply, "<ok/>"));
	free(a.reply);
	free(b.reply);
	/* neither edit lost the other's change */
	cli_open(&c);
	r = cli_rpc(&c, GET_RUNNING);
	assert_non_null(strstr(r, "<node-id>r1</node-id>"));
	assert_non_null(strstr(r, "<node-id>r9</node-id>"));
	free(r);
	cli_close(&c);
	assert_int_equal(fake_n(F.fw, "dom"), 2);
}

/* An edit whose result loses, by a YANG `when`, data the edit itself
 * created: the edit engine has no diff for it then (libyang cannot merge
 * the two), which the server took for "nothing changed" and answered <ok/>
 * without changing running.  Found by fuzz/fuzz_edit.c. */
static void test_edit_without_engine_diff_still_applies(void **state)
{
	struct cli c;
	char *r;

	(void)state;
	cli_open(&c);
	free(cli_rpc(&c, EDIT("merge", UNDERLAY VN("vn1", VR("r1")))));
	assert_int_equal(fake_n(F.fw, "dom"), 1);
	/* replace everything by vn1 without its network type: r1's router
	 * (when virtual-network) goes, and the underlay with it */
	r = cli_rpc(&c, EDIT("replace", "<network><network-id>vn1</network-id><node><node-id>r1"
			     "</node-id><vnm:router><vnm:vcpus>2</vnm:vcpus><vnm:image><vnm:kernel>"
			     "/k2</vnm:kernel></vnm:image></vnm:router></node></network>"));
	assert_non_null(strstr(r, "<ok/>"));
	free(r);
	r = cli_rpc(&c, GET_RUNNING);
	assert_null(strstr(r, "underlay"));
	assert_null(strstr(r, "router"));
	assert_non_null(strstr(r, "<node-id>r1</node-id>"));
	free(r);
	cli_close(&c);
	assert_int_equal(fake_n(F.fw, "dom"), 0);
}

/* <operational> (RFC 8342) reports the run state in use: a router the
 * configuration keeps stopped whose domain was started behind vnmd's back
 * shows admin-state running, or:learned; a configured value the domain
 * matches is or:intended (inherited), and nothing of that without
 * <with-origin>. */
#define GET_OPER(extra) "<get-data xmlns=\"urn:ietf:params:xml:ns:yang:ietf-netconf-nmda\" " \
	"xmlns:ds=\"urn:ietf:params:xml:ns:yang:ietf-datastores\"><datastore>ds:operational" \
	"</datastore><xpath-filter xmlns:nw=\"urn:ietf:params:xml:ns:yang:ietf-network\" " \
	"xmlns:vnm=\"urn:vnmd:yang:vnmd\">/nw:networks/nw:network/nw:node/vnm:router" \
	"</xpath-filter>" extra "</get-data>"
#define VR_STOPPED(name) "<node><node-id>" name "</node-id><supporting-node><network-ref>" \
	"underlay</network-ref><node-ref>h1</node-ref></supporting-node><vnm:router><vnm:image>" \
	"<vnm:kernel>/k</vnm:kernel></vnm:image><vnm:admin-state>stopped</vnm:admin-state>" \
	"</vnm:router></node>"

static void test_operational_learns_out_of_band_start(void **state)
{
	struct cli c;
	char *r = NULL;
	int i;

	(void)state;
	cli_open(&c);
	free(cli_rpc(&c, EDIT("merge", UNDERLAY VN("vn1", VR_STOPPED("r1")))));
	assert_int_equal(fake_domain_state(F.fw, "h1", "vnmd-vn1-r1"), VNM_VR_STOPPED);
	r = cli_rpc(&c, GET_OPER("<with-origin/>"));
	assert_non_null(strstr(r, "<admin-state>stopped</admin-state>"));
	assert_null(strstr(r, "or:learned"));
	assert_non_null(strstr(r, "or:origin=\"or:intended\""));
	free(r);
	fake_vr_event(F.fw, "h1", "vnmd-vn1-r1", VNM_VR_RUNNING, "started out of band");
	/* the snapshot follows the event within its refresh (50 ms) */
	for (i = 0, r = NULL; i < 100; i++) {
		free(r);
		r = cli_rpc(&c, GET_OPER("<with-origin/>"));
		if (strstr(r, "<oper-state>running</oper-state>"))
			break;
		usleep(20000);
	}
	assert_non_null(strstr(r, "<admin-state or:origin=\"or:learned\">running</admin-state>"));
	free(r);
	/* running still says what the operator configured */
	r = cli_rpc(&c, GET_RUNNING);
	assert_non_null(strstr(r, "<admin-state>stopped</admin-state>"));
	free(r);
	r = cli_rpc(&c, GET_OPER(""));
	assert_non_null(strstr(r, "<admin-state>running</admin-state>"));
	assert_null(strstr(r, "origin"));
	free(r);
	cli_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_commit_realises_config, setup),
		cmocka_unit_test_setup(test_failed_step_rolls_back, setup),
		cmocka_unit_test_setup(test_transaction_in_progress_holds_up_no_reader, setup),
		cmocka_unit_test_setup(test_edits_are_serialised, setup),
		cmocka_unit_test_setup(test_edit_without_engine_diff_still_applies, setup),
		cmocka_unit_test_setup(test_operational_learns_out_of_band_start, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
