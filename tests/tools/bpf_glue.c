/*
 * bpf_glue - drive the shared datapath's BPF part (drivers/link/link_bpf.h)
 * in the namespace it runs in, for integration tests and measurements (not
 * part of the daemon).
 *
 *   bpf_glue attach VXDEV TAP:VNI:REMOTE...   new maps and programs; each VL
 *                                  up, both map entries, the tx program on
 *                                  each tap and the rx one on VXDEV; prints
 *                                  "tx_id rx_id"
 *   bpf_glue ctr VXDEV TAP VNI     the VL's counters, key=value, read through
 *                                  the attached programs (vnm_bpf_adopt)
 *   bpf_glue set VXDEV TAP VNI REMOTE up|down   change a VL in place
 *   bpf_glue bench N               N tap_set then N vni_set into fresh maps:
 *                                  times and the maps' memory
 *
 * REMOTE is an IPv4 or IPv6 address.  Exit status 0, 1 on an error (printed),
 * 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "link_bpf.h"
#include "link_int.h"

static int usage(void)
{
	fprintf(stderr, "usage: bpf_glue attach VXDEV TAP:VNI:REMOTE... | ctr VXDEV TAP VNI |\n"
			"       set VXDEV TAP VNI REMOTE up|down | bench N\n");
	return 2;
}

static int ifindex_of(const char *name)
{
	int i = (int)if_nametoindex(name);

	if (!i)
		fprintf(stderr, "error: no interface %s here\n", name);
	return i;
}

/* remote into r (network order), the family into *flags */
static int parse_remote(const char *s, uint32_t r[4], uint32_t *flags)
{
	memset(r, 0, 4 * sizeof(uint32_t));
	if (inet_pton(AF_INET, s, r) == 1)
		return 0;
	if (inet_pton(AF_INET6, s, r) == 1) {
		*flags |= VNM_BPF_IPV6;
		return 0;
	}
	fprintf(stderr, "error: %s is not an address\n", s);
	return -1;
}

static struct nl_sock *sock_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0) {
		fprintf(stderr, "error: no netlink socket\n");
		nl_socket_free(sk);
		return NULL;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return sk;
}

/* msg is read after build_rc was computed (arguments have no order) */
static int send_msg(struct nl_sock *sk, int build_rc, struct nl_msg **msg, const char *what)
{
	int rc = build_rc < 0 ? build_rc : vnm_lnl_send(sk, *msg);

	if (rc < 0)
		fprintf(stderr, "error: %s: %s\n", what, vnm_lnl_strerror(rc));
	return rc;
}

/* Set one VL both ways: tap -> (vni, remote), vni -> tap. */
static int vl_set(struct vnm_bpf *b, int tap, int vx, uint32_t vni, const char *remote,
		  bool up)
{
	struct vnm_bpf_tap t = { .vni = vni, .vx_ifindex = (uint32_t)vx };
	struct vnm_bpf_vni v = { .tap_ifindex = (uint32_t)tap };
	int rc;

	if (parse_remote(remote, t.remote, &t.flags) < 0)
		return -1;
	memcpy(v.remote, t.remote, sizeof(v.remote));
	t.flags |= up ? VNM_BPF_UP : 0;
	v.flags = t.flags;
	if ((rc = vnm_bpf_vni_set(b, vni, &v)) < 0 || (rc = vnm_bpf_tap_set(b, tap, &t)) < 0) {
		fprintf(stderr, "error: VL %u: %s\n", vni, strerror(-rc));
		return -1;
	}
	return 0;
}

static int cmd_attach(int argc, char **argv)
{
	struct vnm_bpf *b = NULL;
	struct nl_sock *sk = NULL;
	struct nl_msg *msg;
	uint32_t tx, rx;
	char err[1024];
	int vx, tap, i, rc = 1;
	char *spec, *vni, *remote;

	if (!(vx = ifindex_of(argv[0])) || !(sk = sock_open()))
		goto cleanup;
	if (vnm_bpf_open(&b, err, sizeof(err)) < 0) {
		fprintf(stderr, "error: %s\n", err);
		goto cleanup;
	}
	for (i = 1; i < argc; i++) {
		spec = argv[i];
		if (!(vni = strchr(spec, ':')) || !(remote = strchr(vni + 1, ':'))) {
			fprintf(stderr, "error: %s is not TAP:VNI:REMOTE\n", spec);
			goto cleanup;
		}
		*vni++ = '\0';
		*remote++ = '\0';
		if (!(tap = ifindex_of(spec)) ||
		    vl_set(b, tap, vx, (uint32_t)strtoul(vni, NULL, 0), remote, true) < 0 ||
		    send_msg(sk, vnm_bpf_msg_ingress(tap, &msg), &msg, "ingress qdisc") < 0 ||
		    send_msg(sk, vnm_bpf_msg_attach(b, tap, false, &msg), &msg, "tx filter") < 0)
			goto cleanup;
	}
	if (send_msg(sk, vnm_bpf_msg_ingress(vx, &msg), &msg, "ingress qdisc") < 0 ||
	    send_msg(sk, vnm_bpf_msg_attach(b, vx, true, &msg), &msg, "rx filter") < 0 ||
	    vnm_bpf_prog_ids(b, &tx, &rx) < 0)
		goto cleanup;
	printf("%u %u\n", tx, rx);
	rc = 0;
cleanup:
	vnm_bpf_close(b);
	nl_socket_free(sk);
	return rc;
}

/* The maps behind the programs attached to tap and vxdev. */
static struct vnm_bpf *adopt(const char *vxdev, const char *tapdev)
{
	uint32_t tx = 0, rx = 0;
	struct vnm_bpf *b = NULL;
	struct nl_sock *sk;
	struct nl_msg *msg;
	int vx, tap, rc;
	char err[512];

	if (!(vx = ifindex_of(vxdev)) || !(tap = ifindex_of(tapdev)) || !(sk = sock_open()))
		return NULL;
	if ((rc = vnm_bpf_msg_get_filter(tap, &msg)) == 0)
		rc = vnm_lnl_request(sk, msg, vnm_bpf_parse_filter, &tx);
	if (rc == 0 && (rc = vnm_bpf_msg_get_filter(vx, &msg)) == 0)
		rc = vnm_lnl_request(sk, msg, vnm_bpf_parse_filter, &rx);
	nl_socket_free(sk);
	if (rc < 0 || !tx || !rx) {
		fprintf(stderr, "error: no vnmd filter on %s or %s: %s\n", tapdev, vxdev,
			rc < 0 ? vnm_lnl_strerror(rc) : "no program id");
		return NULL;
	}
	if (vnm_bpf_adopt(&b, tx, rx, err, sizeof(err)) < 0)
		fprintf(stderr, "error: %s\n", err);
	return b;
}

static int cmd_ctr(char **argv)
{
	struct vnm_bpf *b = adopt(argv[0], argv[1]);
	struct vnm_bpf_ctr c;
	int rc;

	if (!b)
		return 1;
	rc = vnm_bpf_ctr_get(b, (uint32_t)strtoul(argv[2], NULL, 0), &c);
	vnm_bpf_close(b);
	if (rc < 0) {
		fprintf(stderr, "error: VL %s: %s\n", argv[2], strerror(-rc));
		return 1;
	}
	printf("tx_packets=%llu tx_bytes=%llu rx_packets=%llu rx_bytes=%llu drops=%llu\n",
	       (unsigned long long)c.tx_packets, (unsigned long long)c.tx_bytes,
	       (unsigned long long)c.rx_packets, (unsigned long long)c.rx_bytes,
	       (unsigned long long)c.drops);
	return 0;
}

static int cmd_set(char **argv)
{
	struct vnm_bpf *b = adopt(argv[0], argv[1]);
	int rc = 1;

	if (b && vl_set(b, ifindex_of(argv[1]), ifindex_of(argv[0]),
			(uint32_t)strtoul(argv[2], NULL, 0), argv[3], !strcmp(argv[4], "up")) == 0)
		rc = 0;
	vnm_bpf_close(b);
	return rc;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long rss_kib(const char *field)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			v = strtol(line + strlen(field), NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static int cmd_bench(int n)
{
	struct vnm_bpf_tap t = { .vx_ifindex = 1, .flags = VNM_BPF_UP };
	struct vnm_bpf_vni v = { .flags = VNM_BPF_UP };
	uint64_t mem0 = 0, mem1 = 0;
	struct vnm_bpf *b = NULL;
	double t0, t1, t2, t3;
	char err[512];
	int i, rc;

	t.remote[0] = v.remote[0] = htonl(0x0a4d0002);
	t0 = now_ms();
	if (vnm_bpf_open(&b, err, sizeof(err)) < 0) {
		fprintf(stderr, "error: %s\n", err);
		return 1;
	}
	t1 = now_ms();
	vnm_bpf_mem(b, &mem0);
	for (i = 0; i < n; i++) {
		t.vni = (uint32_t)(i + 1);
		if ((rc = vnm_bpf_tap_set(b, 1000 + i, &t)) < 0)
			goto fail;
	}
	t2 = now_ms();
	for (i = 0; i < n; i++) {
		v.tap_ifindex = (uint32_t)(1000 + i);
		if ((rc = vnm_bpf_vni_set(b, (uint32_t)(i + 1), &v)) < 0)
			goto fail;
	}
	t3 = now_ms();
	vnm_bpf_mem(b, &mem1);
	printf("open_ms=%.1f tap_set_ms=%.1f vni_set_ms=%.1f per_vl_us=%.2f "
	       "maps_empty_kib=%llu maps_full_kib=%llu vm_hwm_kib=%ld\n",
	       t1 - t0, t2 - t1, t3 - t2, (t3 - t1) * 1e3 / n,
	       (unsigned long long)(mem0 / 1024), (unsigned long long)(mem1 / 1024),
	       rss_kib("VmHWM:"));
	vnm_bpf_close(b);
	return 0;
fail:
	fprintf(stderr, "error: entry %d: %s\n", i, strerror(-rc));
	vnm_bpf_close(b);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "attach"))
		return cmd_attach(argc - 2, argv + 2);
	if (argc == 5 && !strcmp(argv[1], "ctr"))
		return cmd_ctr(argv + 2);
	if (argc == 7 && !strcmp(argv[1], "set"))
		return cmd_set(argv + 2);
	if (argc == 3 && !strcmp(argv[1], "bench"))
		return cmd_bench(atoi(argv[2]) > 0 ? atoi(argv[2]) : 10000);
	return usage();
}
