/* test_link_bpf.c - the shared datapath's BPF part: both programs pass the
 * verifier, map entries round-trip, counters outlive a vni_set and go with
 * vni_del, the tx program run on a synthetic frame (BPF_PROG_TEST_RUN)
 * redirects a known tap's frame and drops the others, the tc messages parse
 * back to what the kernel needs, and in a namespace of the test's own the
 * kernel takes them (ingress twice, attach, replace, read the program id
 * back, adopt the maps through it, detach).
 *
 * Loading programs needs root (CAP_BPF, CAP_NET_ADMIN): without it every
 * test that needs the kernel is skipped, the message tests still run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "link_bpf.h"
#include "link_int.h"

#define LO 1 /* the loopback's ifindex in every namespace */

static struct vnm_bpf *open_or_skip(void)
{
	struct vnm_bpf *b = NULL;
	char err[512] = "";
	int rc = vnm_bpf_open(&b, err, sizeof(err));

	if (rc == -EPERM) {
		print_message("no BPF here (%s): skipped\n", err);
		skip();
	}
	if (rc)
		fail_msg("vnm_bpf_open: %d: %s", rc, err);
	return b;
}

/* Run the program on a 64-byte IPv4 frame of the loopback; its verdict. */
static int test_run(struct vnm_bpf *b, bool rx)
{
	uint8_t frame[64];
	union bpf_attr a;

	memset(frame, 0, sizeof(frame));
	memset(frame, 0xff, 6);
	frame[12] = 0x08; /* ETH_P_IP */
	frame[14] = 0x45;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)vnm_bpf_prog_fd(b, rx);
	a.test.data_in = (uint64_t)(uintptr_t)frame;
	a.test.data_size_in = sizeof(frame);
	a.test.repeat = 1;
	assert_int_equal(syscall(__NR_bpf, BPF_PROG_TEST_RUN, &a, sizeof(a)), 0);
	return (int)a.test.retval;
}

static void programs_load(void **state)
{
	struct vnm_bpf *b = open_or_skip();
	uint32_t tx = 0, rx = 0;

	(void)state;
	assert_int_equal(vnm_bpf_prog_ids(b, &tx, &rx), 0);
	assert_true(tx > 0 && rx > 0 && tx != rx);
	vnm_bpf_close(b);
	vnm_bpf_close(NULL);
}

static void tap_round_trip(void **state)
{
	struct vnm_bpf *b = open_or_skip();
	struct vnm_bpf_tap v4 = { .vni = 0x123456, .vx_ifindex = 9, .flags = VNM_BPF_UP, .tos = 0x10 };
	struct vnm_bpf_tap v6 = { .vni = 7, .vx_ifindex = 9, .flags = VNM_BPF_IPV6 }, got;

	(void)state;
	v4.remote[0] = htonl(0x0a4d0002);
	assert_int_equal(inet_pton(AF_INET6, "fd00:77::2", v6.remote), 1);
	assert_int_equal(vnm_bpf_tap_set(b, 11, &v4), 0);
	assert_int_equal(vnm_bpf_tap_set(b, 12, &v6), 0);
	assert_int_equal(vnm_bpf_tap_get(b, 11, &got), 0);
	assert_memory_equal(&got, &v4, sizeof(got));
	assert_int_equal(vnm_bpf_tap_get(b, 12, &got), 0);
	assert_memory_equal(&got, &v6, sizeof(got));
	/* replaced in place */
	v4.flags = 0;
	assert_int_equal(vnm_bpf_tap_set(b, 11, &v4), 0);
	assert_int_equal(vnm_bpf_tap_get(b, 11, &got), 0);
	assert_int_equal(got.flags, 0);
	assert_int_equal(vnm_bpf_tap_del(b, 11), 0);
	assert_int_equal(vnm_bpf_tap_get(b, 11, &got), -ENOENT);
	assert_int_equal(vnm_bpf_tap_del(b, 11), -ENOENT);
	/* refused: a VNI over 24 bits, no VXLAN device, no tap */
	v4.vni = 1U << 24;
	assert_int_equal(vnm_bpf_tap_set(b, 11, &v4), -EINVAL);
	v4.vni = 1;
	v4.vx_ifindex = 0;
	assert_int_equal(vnm_bpf_tap_set(b, 11, &v4), -EINVAL);
	v4.vx_ifindex = 9;
	assert_int_equal(vnm_bpf_tap_set(b, 0, &v4), -EINVAL);
	vnm_bpf_close(b);
}

static void vni_round_trip_and_counters(void **state)
{
	struct vnm_bpf *b = open_or_skip();
	struct vnm_bpf_vni v = { .tap_ifindex = LO, .flags = VNM_BPF_UP }, got;
	struct vnm_bpf_tap t = { .vni = 4242, .vx_ifindex = LO, .flags = VNM_BPF_UP };
	struct vnm_bpf_ctr c;

	(void)state;
	v.remote[0] = t.remote[0] = htonl(0x0a4d0002);
	assert_int_equal(vnm_bpf_ctr_get(b, 4242, &c), -ENOENT);
	assert_int_equal(vnm_bpf_vni_set(b, 4242, &v), 0);
	assert_int_equal(vnm_bpf_vni_get(b, 4242, &got), 0);
	assert_memory_equal(&got, &v, sizeof(got));
	assert_int_equal(vnm_bpf_ctr_get(b, 4242, &c), 0);
	assert_int_equal(c.tx_packets + c.tx_bytes + c.rx_packets + c.rx_bytes + c.drops, 0);
	/* traffic, then the VL changes: its counters stay */
	assert_int_equal(vnm_bpf_tap_set(b, LO, &t), 0);
	assert_int_equal(test_run(b, false), TC_ACT_REDIRECT);
	assert_int_equal(test_run(b, false), TC_ACT_REDIRECT);
	v.flags = 0;
	assert_int_equal(vnm_bpf_vni_set(b, 4242, &v), 0);
	assert_int_equal(vnm_bpf_ctr_get(b, 4242, &c), 0);
	assert_int_equal(c.tx_packets, 2);
	assert_int_equal(c.tx_bytes, 128);
	assert_int_equal(vnm_bpf_vni_get(b, 4242, &got), 0);
	assert_int_equal(got.flags, 0);
	/* deleted with the VNI; a second delete finds nothing */
	assert_int_equal(vnm_bpf_vni_del(b, 4242), 0);
	assert_int_equal(vnm_bpf_ctr_get(b, 4242, &c), -ENOENT);
	assert_int_equal(vnm_bpf_vni_get(b, 4242, &got), -ENOENT);
	assert_int_equal(vnm_bpf_vni_del(b, 4242), -ENOENT);
	assert_int_equal(vnm_bpf_vni_set(b, 1U << 24, &v), -EINVAL);
	vnm_bpf_close(b);
}

/* The walks reconciliation sweeps with: every key once, then -ENOENT. */
static void map_walks(void **state)
{
	struct vnm_bpf *b = open_or_skip();
	struct vnm_bpf_vni v = { .tap_ifindex = 0, .flags = VNM_BPF_UP };
	struct vnm_bpf_tap t = { .vni = 1, .vx_ifindex = 9, .flags = VNM_BPF_UP };
	uint32_t k, prev, seen = 0;
	int tk, tprev, tseen = 0, n = 0;

	(void)state;
	v.remote[0] = t.remote[0] = htonl(0x0a4d0002);
	assert_int_equal(vnm_bpf_vni_next(b, NULL, &k), -ENOENT);
	assert_int_equal(vnm_bpf_tap_next(b, NULL, &tk), -ENOENT);
	for (k = 1; k <= 5; k++)
		assert_int_equal(vnm_bpf_vni_set(b, k * 1000, &v), 0);
	assert_int_equal(vnm_bpf_tap_set(b, 21, &t), 0);
	assert_int_equal(vnm_bpf_tap_set(b, 22, &t), 0);
	for (int rc = vnm_bpf_vni_next(b, NULL, &k); rc == 0; rc = vnm_bpf_vni_next(b, &prev, &k)) {
		assert_true(k % 1000 == 0 && k >= 1000 && k <= 5000);
		seen |= 1U << (k / 1000);
		prev = k;
		n++;
	}
	assert_int_equal(n, 5);
	assert_int_equal(seen, 0x3e);
	for (int rc = vnm_bpf_tap_next(b, NULL, &tk); rc == 0; rc = vnm_bpf_tap_next(b, &tprev, &tk)) {
		tseen |= 1 << (tk - 20);
		tprev = tk;
	}
	assert_int_equal(tseen, 0x6);
	vnm_bpf_close(b);
}

/* The tx program's verdicts: a set-up tap is redirected (counted), one
 * that is down, unknown, or whose VNI has no counters is dropped. */
static void tx_program_verdicts(void **state)
{
	struct vnm_bpf *b = open_or_skip();
	struct vnm_bpf_tap t = { .vni = 100, .vx_ifindex = LO, .flags = VNM_BPF_UP };
	struct vnm_bpf_vni v = { .tap_ifindex = LO, .flags = VNM_BPF_UP };
	struct vnm_bpf_ctr c;

	(void)state;
	t.remote[0] = v.remote[0] = htonl(0x0a4d0002);
	assert_int_equal(test_run(b, false), TC_ACT_SHOT);          /* unknown tap */
	assert_int_equal(vnm_bpf_tap_set(b, LO, &t), 0);
	assert_int_equal(test_run(b, false), TC_ACT_SHOT);          /* no counters */
	assert_int_equal(vnm_bpf_vni_set(b, 100, &v), 0);
	assert_int_equal(test_run(b, false), TC_ACT_REDIRECT);
	t.flags = 0;
	assert_int_equal(vnm_bpf_tap_set(b, LO, &t), 0);
	assert_int_equal(test_run(b, false), TC_ACT_SHOT);          /* down */
	t.flags = VNM_BPF_UP | VNM_BPF_IPV6;
	assert_int_equal(inet_pton(AF_INET6, "fd00:77::2", t.remote), 1);
	assert_int_equal(vnm_bpf_tap_set(b, LO, &t), 0);
	assert_int_equal(test_run(b, false), TC_ACT_REDIRECT);      /* IPv6 underlay */
	assert_int_equal(vnm_bpf_ctr_get(b, 100, &c), 0);
	assert_int_equal(c.tx_packets, 2);
	assert_int_equal(c.tx_bytes, 128);
	assert_int_equal(c.drops, 1);
	assert_int_equal(c.rx_packets, 0);
	assert_int_equal(vnm_bpf_tap_del(b, LO), 0);
	assert_int_equal(test_run(b, false), TC_ACT_SHOT);
	/* a frame without tunnel metadata never reaches a tap */
	assert_int_equal(test_run(b, true), TC_ACT_SHOT);
	assert_int_equal(vnm_bpf_ctr_get(b, 100, &c), 0);
	assert_int_equal(c.rx_packets + c.drops, 1);
	vnm_bpf_close(b);
}

static struct nlmsghdr *parse_tc(struct nl_msg *msg, struct nlattr **tb)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	assert_int_equal(nlmsg_parse(h, sizeof(struct tcmsg), tb, TCA_MAX, NULL), 0);
	return h;
}

static void ingress_message(void **state)
{
	struct nlattr *tb[TCA_MAX + 1];
	struct nl_msg *msg;
	struct nlmsghdr *h;
	struct tcmsg *t;

	(void)state;
	assert_int_equal(vnm_bpf_msg_ingress(5, &msg), 0);
	h = parse_tc(msg, tb);
	t = nlmsg_data(h);
	assert_int_equal(h->nlmsg_type, RTM_NEWQDISC);
	assert_true(h->nlmsg_flags & NLM_F_CREATE);
	assert_false(h->nlmsg_flags & (NLM_F_EXCL | NLM_F_REPLACE));
	assert_int_equal(t->tcm_ifindex, 5);
	assert_int_equal(t->tcm_parent, TC_H_INGRESS);
	assert_int_equal(t->tcm_handle, 0xffff0000);
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "ingress");
	assert_null(tb[TCA_OPTIONS]);
	nlmsg_free(msg);
}

/* The attach message parsed back: what cls_bpf needs, nothing else. */
static void check_attach(struct nl_msg *msg, int ifindex, int fd, const char *name)
{
	struct nlattr *tb[TCA_MAX + 1], *opt[TCA_BPF_MAX + 1];
	struct nlmsghdr *h = parse_tc(msg, tb);
	struct tcmsg *t = nlmsg_data(h);

	assert_int_equal(h->nlmsg_type, RTM_NEWTFILTER);
	assert_int_equal(h->nlmsg_flags & (NLM_F_CREATE | NLM_F_REPLACE | NLM_F_EXCL),
			 NLM_F_CREATE | NLM_F_REPLACE);
	assert_int_equal(t->tcm_ifindex, ifindex);
	assert_int_equal(t->tcm_parent, 0xffff0000);
	assert_int_equal(t->tcm_handle, VNM_BPF_HANDLE);
	assert_int_equal(TC_H_MAJ(t->tcm_info) >> 16, VNM_BPF_PRIO);
	assert_int_equal(TC_H_MIN(t->tcm_info), htons(ETH_P_ALL));
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "bpf");
	assert_non_null(tb[TCA_OPTIONS]);
	assert_int_equal(nla_parse_nested(opt, TCA_BPF_MAX, tb[TCA_OPTIONS], NULL), 0);
	assert_non_null(opt[TCA_BPF_FD]);
	assert_int_equal(nla_get_u32(opt[TCA_BPF_FD]), (uint32_t)fd);
	assert_int_equal(nla_get_u32(opt[TCA_BPF_FLAGS]), TCA_BPF_FLAG_ACT_DIRECT);
	assert_string_equal(nla_get_string(opt[TCA_BPF_NAME]), name);
	assert_null(opt[TCA_BPF_OPS]); /* eBPF by fd, never classic BPF */
	assert_null(opt[TCA_BPF_ACT]);
}

static void attach_message(void **state)
{
	struct vnm_bpf *b = open_or_skip();
	struct nl_msg *msg;

	(void)state;
	assert_int_equal(vnm_bpf_msg_attach(b, 5, false, &msg), 0);
	check_attach(msg, 5, vnm_bpf_prog_fd(b, false), "vnm_tx");
	nlmsg_free(msg);
	assert_int_equal(vnm_bpf_msg_attach(b, 6, true, &msg), 0);
	check_attach(msg, 6, vnm_bpf_prog_fd(b, true), "vnm_rx");
	nlmsg_free(msg);
	vnm_bpf_close(b);
}

static struct nl_sock *sock_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	assert_non_null(sk);
	assert_int_equal(nl_connect(sk, NETLINK_ROUTE), 0);
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return sk;
}

static uint32_t filter_prog_id(struct nl_sock *sk, int ifindex, int *rc)
{
	struct nl_msg *msg;
	uint32_t id = 0;

	assert_int_equal(vnm_bpf_msg_get_filter(ifindex, &msg), 0);
	*rc = vnm_lnl_request(sk, msg, vnm_bpf_parse_filter, &id);
	return id;
}

/* Everything the kernel is sent, on the loopback of a namespace made for
 * this test (gone when the test's process leaves it). */
static void kernel_takes_messages(void **state)
{
	struct vnm_bpf *b = open_or_skip(), *a = NULL;
	struct vnm_bpf_vni v = { .tap_ifindex = 3, .flags = VNM_BPF_UP }, got;
	uint32_t tx, rx, id, id2;
	char err[256] = "";
	struct nl_msg *msg;
	struct nl_sock *sk;
	int self, rc;

	(void)state;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(self >= 0);
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	sk = sock_open();
	assert_int_equal(vnm_bpf_prog_ids(b, &tx, &rx), 0);
	/* the ingress qdisc: made, then found (0 both times, never EEXIST) */
	assert_int_equal(vnm_bpf_msg_ingress(LO, &msg), 0);
	assert_int_equal(vnm_lnl_send(sk, msg), 0);
	assert_int_equal(vnm_bpf_msg_ingress(LO, &msg), 0);
	assert_int_equal(vnm_lnl_send(sk, msg), 0);
	/* no filter yet */
	id = filter_prog_id(sk, LO, &rc);
	assert_true(rc < 0);
	assert_int_equal(id, 0);
	/* attached, then replaced by the other program at the same place */
	assert_int_equal(vnm_bpf_msg_attach(b, LO, false, &msg), 0);
	assert_int_equal(vnm_lnl_send(sk, msg), 0);
	assert_int_equal(filter_prog_id(sk, LO, &rc), tx);
	assert_int_equal(rc, 0);
	assert_int_equal(vnm_bpf_msg_attach(b, LO, true, &msg), 0);
	assert_int_equal(vnm_lnl_send(sk, msg), 0);
	assert_int_equal(filter_prog_id(sk, LO, &rc), rx);
	/* a restarted daemon: the maps again, through the programs' ids */
	assert_int_equal(vnm_bpf_vni_set(b, 77, &v), 0);
	assert_int_equal(vnm_bpf_adopt(&a, rx, tx, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "not vnmd's vnm_rx"));
	assert_null(a);
	/* from the receive program alone (the one on the VXLAN device): the
	 * same maps, a new transmit program over them */
	assert_int_equal(vnm_bpf_adopt(&a, 0, rx, err, sizeof(err)), 0);
	assert_int_equal(vnm_bpf_vni_get(a, 77, &got), 0);
	assert_int_equal(vnm_bpf_prog_ids(a, &id, &id2), 0);
	assert_int_equal(id2, rx);
	assert_true(id != tx && id != 0);
	vnm_bpf_close(a);
	a = NULL;
	assert_int_equal(vnm_bpf_adopt(&a, tx, rx, err, sizeof(err)), 0);
	assert_int_equal(vnm_bpf_vni_get(a, 77, &got), 0);
	assert_int_equal(got.tap_ifindex, 3);
	assert_int_equal(vnm_bpf_vni_del(a, 77), 0);
	assert_int_equal(vnm_bpf_vni_get(b, 77, &got), -ENOENT);
	assert_int_equal(vnm_bpf_prog_ids(a, &tx, &id), 0);
	assert_int_equal(id, rx);
	vnm_bpf_close(a);
	assert_int_equal(vnm_bpf_adopt(&a, 0x7fffffff, rx, err, sizeof(err)) < 0 && !a, 1);
	/* detached: gone, and a second detach says so */
	assert_int_equal(vnm_bpf_msg_detach(LO, &msg), 0);
	assert_int_equal(vnm_lnl_send(sk, msg), 0);
	filter_prog_id(sk, LO, &rc);
	assert_true(rc < 0);
	assert_int_equal(vnm_bpf_msg_detach(LO, &msg), 0);
	assert_true(vnm_lnl_send(sk, msg) < 0);
	nl_socket_free(sk);
	assert_int_equal(setns(self, CLONE_NEWNET), 0);
	close(self);
	vnm_bpf_close(b);
}

static void parse_ignores_other_messages(void **state)
{
	struct nl_msg *msg;
	uint32_t id = 42;

	(void)state;
	assert_int_equal(vnm_bpf_msg_ingress(5, &msg), 0);
	assert_int_equal(vnm_bpf_parse_filter(msg, &id), NL_OK);
	assert_int_equal(id, 42);
	nlmsg_free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(programs_load),
		cmocka_unit_test(tap_round_trip),
		cmocka_unit_test(vni_round_trip_and_counters),
		cmocka_unit_test(map_walks),
		cmocka_unit_test(tx_program_verdicts),
		cmocka_unit_test(ingress_message),
		cmocka_unit_test(attach_message),
		cmocka_unit_test(parse_ignores_other_messages),
		cmocka_unit_test(kernel_takes_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
