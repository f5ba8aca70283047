/*
 * link_bpf.c - the shared datapath's BPF part (link_bpf.h): the two tc
 * programs as instruction arrays, loading them and their maps with bpf(2),
 * the map entries, adopting them after a restart (the tc messages that
 * attach the programs are link_bpfmsg.c's).
 *
 * The programs are written with a small emitter: instructions go into an
 * array, jumps name a label and are resolved once the program is complete,
 * so no offset is counted by hand.
 *
 * Map values are laid out for the programs, not for callers:
 *   taps:  struct bpf_tunnel_key ready for bpf_skb_set_tunnel_key (its
 *          tunnel_id is the VNI, so the value doubles as the counters'
 *          key), the VXLAN ifindex, the flags and the helper's flags;
 *   vnis:  the tap, the flags and the remote as bpf_skb_get_tunnel_key
 *          reports it, which is host order for IPv4 (the helpers convert).
 * Counters are one value per VNI updated with atomic adds (BPF_ATOMIC):
 * 40 bytes per VL whatever the number of CPUs and one copy to read, where
 * a per-CPU map would cost 40 bytes per possible CPU per VL and a sum on
 * every read; a VL is one guest's link, its frames seldom race on two CPUs.
 */
#include "link_bpf.h"
#include "link_bpfsys.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

/* ------------------------------------------------------------------ */
/* Map values                                                         */
/* ------------------------------------------------------------------ */

struct tap_val {
	struct bpf_tunnel_key key; /* tunnel_id = VNI, remote, tos, ttl */
	uint32_t vx_ifindex;
	uint32_t flags;
	uint32_t tunflags; /* bpf_skb_set_tunnel_key's flags */
};

struct vni_val {
	uint32_t tap_ifindex;
	uint32_t flags;
	uint32_t remote[4]; /* IPv4: remote[0] in host order */
};

_Static_assert(sizeof(struct bpf_tunnel_key) == 44, "bpf_tunnel_key layout");
_Static_assert(sizeof(struct tap_val) == 56, "tap value layout");
_Static_assert(sizeof(struct vni_val) == 24, "vni value layout");
_Static_assert(sizeof(struct vnm_bpf_ctr) == 40, "counter layout");
/* emit_count_redirect: each direction's bytes follow its packets */
_Static_assert(offsetof(struct vnm_bpf_ctr, tx_bytes) == offsetof(struct vnm_bpf_ctr, tx_packets) + 8 &&
	       offsetof(struct vnm_bpf_ctr, rx_bytes) == offsetof(struct vnm_bpf_ctr, rx_packets) + 8,
	       "counter layout");

enum { MAP_TAP, MAP_VNI, MAP_CTR, N_MAPS };

static const struct map_shape {
	const char *name;
	uint32_t value_size;
} map_shapes[N_MAPS] = {
	[MAP_TAP] = { "vnm_tap", sizeof(struct tap_val) },
	[MAP_VNI] = { "vnm_vni", sizeof(struct vni_val) },
	[MAP_CTR] = { "vnm_ctr", sizeof(struct vnm_bpf_ctr) },
};

/* No preallocation: the host pays for the VLs it has.  Measured (6.18,
 * 2 CPUs, bpf_glue bench, fdinfo memlock of the three maps): 3.0 MiB
 * empty, 6.0 MiB with 10,000 VLs, 22.5 MiB with 65,536, against 21 MiB
 * from the start when preallocated; an entry costs 3.4 us (tap_set plus
 * vni_set) against 1.5 us preallocated.  The daemon's RSS is the same
 * either way (kernel memory). */
#define MAP_FLAGS BPF_F_NO_PREALLOC

struct vnm_bpf {
	int map[N_MAPS];
	int tx_fd, rx_fd;
};

/* ------------------------------------------------------------------ */
/* Maps (the bpf(2) calls are link_bpfsys.c's)                        */
/* ------------------------------------------------------------------ */

static void put_err(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put_err(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static int map_create(int which)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_HASH;
	a.key_size = sizeof(uint32_t);
	a.value_size = map_shapes[which].value_size;
	a.max_entries = VNM_BPF_MAX_VLS;
	a.map_flags = MAP_FLAGS;
	strncpy(a.map_name, map_shapes[which].name, sizeof(a.map_name) - 1);
	return vnm_bpf_sys(BPF_MAP_CREATE, &a);
}

/* ------------------------------------------------------------------ */
/* The emitter                                                        */
/* ------------------------------------------------------------------ */

#define PROG_MAX 96
#define PROG_FIXES 32

enum { L_SHOT, L_DROP, L_HAVE_KEY, L_SRC_OK, N_LABELS };

struct prog {
	struct bpf_insn insn[PROG_MAX];
	int n;
	int label[N_LABELS];
	struct { int at, label; } fix[PROG_FIXES];
	int n_fix;
	bool overflow;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn *i;

	if (p->n >= PROG_MAX) {
		p->overflow = true;
		return;
	}
	i = &p->insn[p->n++];
	memset(i, 0, sizeof(*i));
	i->code = code;
	i->dst_reg = dst & 0xf;
	i->src_reg = src & 0xf;
	i->off = off;
	i->imm = imm;
}

/* The instructions the programs use, one macro per shape. */
#define MOV_R(p, d, s) emit(p, BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_K(p, d, k) emit(p, BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define ADD_K(p, d, k) emit(p, BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define AND_K(p, d, k) emit(p, BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, k)
#define LDW(p, d, s, o) emit(p, BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define STW(p, d, o, s) emit(p, BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
/* *(u64 *)(d + o) += s, atomically */
#define XADD(p, d, o, s) emit(p, BPF_STX | BPF_ATOMIC | BPF_DW, d, s, o, BPF_ADD)
#define CALL(p, fn) emit(p, BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define EXIT(p) emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define JEQ_K(p, d, k, l) jump(p, BPF_JEQ | BPF_K, d, 0, k, l)
#define JNE_K(p, d, k, l) jump(p, BPF_JNE | BPF_K, d, 0, k, l)
#define JNE_R(p, d, s, l) jump(p, BPF_JNE | BPF_X, d, s, 0, l)
#define JA(p, l) jump(p, BPF_JA, 0, 0, 0, l)

/* dst = the map's fd, turned into its address by the verifier */
static void ld_map(struct prog *p, uint8_t dst, int fd)
{
	emit(p, BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd);
	emit(p, 0, 0, 0, 0, 0);
}

static void jump(struct prog *p, uint8_t op, uint8_t dst, uint8_t src, int32_t imm, int label)
{
	if (p->n_fix >= PROG_FIXES) {
		p->overflow = true;
		return;
	}
	p->fix[p->n_fix].at = p->n;
	p->fix[p->n_fix++].label = label;
	emit(p, BPF_JMP | op, dst, src, 0, imm);
}

static void here(struct prog *p, int label)
{
	p->label[label] = p->n;
}

/* Resolve the jumps; -E2BIG when the program did not fit, -EINVAL for a
 * jump to a label never placed (a bug of this file). */
static int resolve(struct prog *p)
{
	int i, to;

	if (p->overflow)
		return -E2BIG;
	for (i = 0; i < p->n_fix; i++) {
		to = p->label[p->fix[i].label];
		if (to < 0)
			return -EINVAL;
		p->insn[p->fix[i].at].off = (int16_t)(to - p->fix[i].at - 1);
	}
	return 0;
}

static void prog_init(struct prog *p)
{
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < N_LABELS; i++)
		p->label[i] = -1;
}

/* The common end: L_DROP counts a drop in the counters at r9, L_SHOT
 * drops uncounted. */
static void emit_drop_tail(struct prog *p)
{
	here(p, L_DROP);
	MOV_K(p, BPF_REG_1, 1);
	XADD(p, BPF_REG_9, offsetof(struct vnm_bpf_ctr, drops), BPF_REG_1);
	here(p, L_SHOT);
	MOV_K(p, BPF_REG_0, TC_ACT_SHOT);
	EXIT(p);
}

/* ------------------------------------------------------------------ */
/* The programs                                                       */
/* ------------------------------------------------------------------ */

/* The end of both programs: one packet and skb->len bytes (r6) added to
 * the counters (r9) at pkts_off (the bytes follow), redirected to the
 * egress of ifindex r8; then the shared drop tail.  Assembled, resolved. */
static int emit_count_redirect(struct prog *p, int16_t pkts_off)
{
	MOV_K(p, BPF_REG_1, 1);
	XADD(p, BPF_REG_9, pkts_off, BPF_REG_1);
	LDW(p, BPF_REG_1, BPF_REG_6, offsetof(struct __sk_buff, len));
	XADD(p, BPF_REG_9, pkts_off + 8, BPF_REG_1);
	MOV_R(p, BPF_REG_1, BPF_REG_8);
	MOV_K(p, BPF_REG_2, 0);
	CALL(p, BPF_FUNC_redirect);
	EXIT(p);
	emit_drop_tail(p);
	return resolve(p);
}

/* r0 = the value at key fp+off in the map of fd; on to miss when absent. */
static void emit_lookup(struct prog *p, int fd, int16_t off, int miss)
{
	ld_map(p, BPF_REG_1, fd);
	MOV_R(p, BPF_REG_2, BPF_REG_10);
	ADD_K(p, BPF_REG_2, off);
	CALL(p, BPF_FUNC_map_lookup_elem);
	JEQ_K(p, BPF_REG_0, 0, miss);
}

/*
 * tx, on a tap's ingress:
 *   r7 = taps[skb->ifindex]            miss: shot
 *   r9 = counters[r7->key.tunnel_id]   miss: shot (the VL is not set up)
 *   not up: drop; set_tunnel_key(skb, &r7->key, r7->tunflags) or drop
 *   count tx; return bpf_redirect(r7->vx_ifindex, 0)
 */
static int build_tx(struct prog *p, const struct vnm_bpf *b)
{
	prog_init(p);
	MOV_R(p, BPF_REG_6, BPF_REG_1);
	LDW(p, BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, ifindex));
	STW(p, BPF_REG_10, -4, BPF_REG_2);
	emit_lookup(p, b->map[MAP_TAP], -4, L_SHOT);
	MOV_R(p, BPF_REG_7, BPF_REG_0);
	ld_map(p, BPF_REG_1, b->map[MAP_CTR]);
	MOV_R(p, BPF_REG_2, BPF_REG_7); /* key.tunnel_id is the value's first word */
	CALL(p, BPF_FUNC_map_lookup_elem);
	JEQ_K(p, BPF_REG_0, 0, L_SHOT);
	MOV_R(p, BPF_REG_9, BPF_REG_0);
	LDW(p, BPF_REG_1, BPF_REG_7, offsetof(struct tap_val, flags));
	AND_K(p, BPF_REG_1, VNM_BPF_UP);
	JEQ_K(p, BPF_REG_1, 0, L_DROP);
	LDW(p, BPF_REG_8, BPF_REG_7, offsetof(struct tap_val, vx_ifindex));
	JEQ_K(p, BPF_REG_8, 0, L_DROP);
	MOV_R(p, BPF_REG_1, BPF_REG_6);
	MOV_R(p, BPF_REG_2, BPF_REG_7);
	MOV_K(p, BPF_REG_3, sizeof(struct bpf_tunnel_key));
	LDW(p, BPF_REG_4, BPF_REG_7, offsetof(struct tap_val, tunflags));
	CALL(p, BPF_FUNC_skb_set_tunnel_key);
	JNE_K(p, BPF_REG_0, 0, L_DROP);
	return emit_count_redirect(p, offsetof(struct vnm_bpf_ctr, tx_packets));
}

/* r0 = bpf_skb_get_tunnel_key(skb = r6, fp-48, 44, flags) */
static void emit_get_key(struct prog *p, int32_t flags)
{
	MOV_R(p, BPF_REG_1, BPF_REG_6);
	MOV_R(p, BPF_REG_2, BPF_REG_10);
	ADD_K(p, BPF_REG_2, -48);
	MOV_K(p, BPF_REG_3, sizeof(struct bpf_tunnel_key));
	MOV_K(p, BPF_REG_4, flags);
	CALL(p, BPF_FUNC_skb_get_tunnel_key);
}

/* r1 = remote word i of the key at fp-48, r2 = that of the vni value at
 * r7; different: drop */
static void emit_cmp_remote(struct prog *p, int i)
{
	LDW(p, BPF_REG_1, BPF_REG_10,
	    -48 + (int)offsetof(struct bpf_tunnel_key, remote_ipv6) + 4 * i);
	LDW(p, BPF_REG_2, BPF_REG_7, offsetof(struct vni_val, remote) + 4 * i);
	JNE_R(p, BPF_REG_1, BPF_REG_2, L_DROP);
}

/*
 * rx, on the VXLAN device's ingress:
 *   key = tunnel key as IPv4, else as IPv6 (r8 = VNM_BPF_IPV6), else shot
 *   r7 = vnis[key.tunnel_id], r9 = counters[key.tunnel_id]: miss: shot
 *   not up, other family, other remote, no tap: drop
 *   count rx; return bpf_redirect(r7->tap_ifindex, 0)
 */
static int build_rx(struct prog *p, const struct vnm_bpf *b)
{
	int i;

	prog_init(p);
	MOV_R(p, BPF_REG_6, BPF_REG_1);
	emit_get_key(p, 0);
	MOV_K(p, BPF_REG_8, 0);
	JEQ_K(p, BPF_REG_0, 0, L_HAVE_KEY);
	emit_get_key(p, BPF_F_TUNINFO_IPV6);
	JNE_K(p, BPF_REG_0, 0, L_SHOT);
	MOV_K(p, BPF_REG_8, VNM_BPF_IPV6);
	here(p, L_HAVE_KEY);
	emit_lookup(p, b->map[MAP_VNI], -48, L_SHOT);
	MOV_R(p, BPF_REG_7, BPF_REG_0);
	emit_lookup(p, b->map[MAP_CTR], -48, L_SHOT);
	MOV_R(p, BPF_REG_9, BPF_REG_0);
	LDW(p, BPF_REG_1, BPF_REG_7, offsetof(struct vni_val, flags));
	MOV_R(p, BPF_REG_2, BPF_REG_1);
	AND_K(p, BPF_REG_2, VNM_BPF_UP);
	JEQ_K(p, BPF_REG_2, 0, L_DROP);
	AND_K(p, BPF_REG_1, VNM_BPF_IPV6);
	JNE_R(p, BPF_REG_1, BPF_REG_8, L_DROP);
	emit_cmp_remote(p, 0);
	JEQ_K(p, BPF_REG_8, 0, L_SRC_OK);
	for (i = 1; i < 4; i++)
		emit_cmp_remote(p, i);
	here(p, L_SRC_OK);
	LDW(p, BPF_REG_8, BPF_REG_7, offsetof(struct vni_val, tap_ifindex));
	JEQ_K(p, BPF_REG_8, 0, L_DROP);
	/* the tap must still be this VL's (its own entry names the VNI): a
	 * tap handed to another VL takes nothing of this one's.  It also
	 * makes the program hold the taps map, so that a restarted driver
	 * finds all three maps from this program alone (vnm_bpf_adopt). */
	STW(p, BPF_REG_10, -56, BPF_REG_8);
	emit_lookup(p, b->map[MAP_TAP], -56, L_DROP);
	LDW(p, BPF_REG_1, BPF_REG_0, offsetof(struct tap_val, key.tunnel_id));
	LDW(p, BPF_REG_2, BPF_REG_10, -48);
	JNE_R(p, BPF_REG_1, BPF_REG_2, L_DROP);
	return emit_count_redirect(p, offsetof(struct vnm_bpf_ctr, rx_packets));
}

/* The last line(s) of the verifier's log that fit into buf: the reason is
 * at the end. */
static void log_tail(char *buf, size_t len, const char *what, const char *log)
{
	size_t n = strlen(log), head;
	const char *from = log, *nl;

	while (n && log[n - 1] == '\n')
		n--;
	head = (size_t)snprintf(buf, len, "%s refused by the verifier: ", what);
	if (head >= len)
		return;
	if (n > len - head - 1) {
		from = log + n - (len - head - 1);
		n = len - head - 1;
		/* whole lines only, when one fits */
		nl = memchr(from, '\n', n);
		if (nl && nl + 1 < from + n) {
			n -= (size_t)(nl + 1 - from);
			from = nl + 1;
		}
	}
	memcpy(buf + head, from, n);
	buf[head + n] = '\0';
}

#define LOG_SIZE (256 * 1024)

/* Load p as a tc program named name; on a refusal load it again with the
 * verifier's log and put its tail into errbuf.  fd or -errno. */
static int prog_load(const struct prog *p, const char *name, char *errbuf, size_t errlen)
{
	static const char license[] = "MIT"; /* the project's; no GPL-only helper used */
	union bpf_attr a;
	char *log = NULL;
	int fd, rc;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (uint64_t)(uintptr_t)p->insn;
	a.insn_cnt = (uint32_t)p->n;
	a.license = (uint64_t)(uintptr_t)license;
	strncpy(a.prog_name, name, sizeof(a.prog_name) - 1);
	fd = vnm_bpf_sys(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	if (fd == -EPERM || !(log = calloc(1, LOG_SIZE)))
		goto refused;
	a.log_level = 1;
	a.log_size = LOG_SIZE;
	a.log_buf = (uint64_t)(uintptr_t)log;
	rc = vnm_bpf_sys(BPF_PROG_LOAD, &a);
	if (rc >= 0) { /* refused once, taken with a log: keep it */
		fd = rc;
		goto cleanup;
	}
	fd = rc;
	log[LOG_SIZE - 1] = '\0';
	if (log[0]) {
		log_tail(errbuf, errlen, name, log);
		goto cleanup;
	}
refused:
	put_err(errbuf, errlen, "cannot load BPF program %s: %s%s", name, strerror(-fd),
		fd == -EPERM ? " (needs CAP_BPF and CAP_NET_ADMIN)" : "");
cleanup:
	free(log);
	return fd;
}

/* ------------------------------------------------------------------ */
/* Open, close                                                        */
/* ------------------------------------------------------------------ */

static struct vnm_bpf *bpf_alloc(void)
{
	struct vnm_bpf *b = calloc(1, sizeof(*b));
	int i;

	if (!b)
		return NULL;
	for (i = 0; i < N_MAPS; i++)
		b->map[i] = -1;
	b->tx_fd = b->rx_fd = -1;
	return b;
}

void vnm_bpf_close(struct vnm_bpf *b)
{
	int i;

	if (!b)
		return;
	for (i = 0; i < N_MAPS; i++)
		if (b->map[i] >= 0)
			close(b->map[i]);
	if (b->tx_fd >= 0)
		close(b->tx_fd);
	if (b->rx_fd >= 0)
		close(b->rx_fd);
	free(b);
}

/* Assemble and load one program over b's maps: its fd, or -errno. */
static int prog_new(struct vnm_bpf *b, bool rx, char *errbuf, size_t errlen)
{
	struct prog *p = malloc(sizeof(*p));
	int rc;

	if (!p) {
		put_err(errbuf, errlen, "cannot open the BPF datapath: out of memory");
		return -ENOMEM;
	}
	rc = rx ? build_rx(p, b) : build_tx(p, b);
	if (rc < 0)
		put_err(errbuf, errlen, "BPF program does not assemble (%s): a bug of link_bpf.c",
			strerror(-rc));
	else
		rc = prog_load(p, rx ? "vnm_rx" : "vnm_tx", errbuf, errlen);
	free(p);
	return rc;
}

static int tx_new(struct vnm_bpf *b, char *errbuf, size_t errlen)
{
	int rc = prog_new(b, false, errbuf, errlen);

	if (rc >= 0)
		b->tx_fd = rc;
	return rc < 0 ? rc : 0;
}

int vnm_bpf_open(struct vnm_bpf **out, char *errbuf, size_t errlen)
{
	struct vnm_bpf *b;
	int i, rc;

	*out = NULL;
	if (!(b = bpf_alloc())) {
		put_err(errbuf, errlen, "cannot open the BPF datapath: out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < N_MAPS; i++) {
		if ((rc = map_create(i)) < 0) {
			put_err(errbuf, errlen, "cannot create BPF map %s: %s%s", map_shapes[i].name,
				strerror(-rc),
				rc == -EPERM ? " (needs CAP_BPF, or a larger RLIMIT_MEMLOCK)" : "");
			goto cleanup;
		}
		b->map[i] = rc;
	}
	if ((rc = tx_new(b, errbuf, errlen)) < 0 ||
	    (rc = prog_new(b, true, errbuf, errlen)) < 0)
		goto cleanup;
	b->rx_fd = rc;
	*out = b;
	b = NULL;
	rc = 0;
cleanup:
	vnm_bpf_close(b);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Adopting the maps of attached programs                             */
/* ------------------------------------------------------------------ */

static int fd_by_id(int cmd, uint32_t id)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	if (cmd == BPF_PROG_GET_FD_BY_ID)
		a.prog_id = id;
	else
		a.map_id = id;
	return vnm_bpf_sys(cmd, &a);
}

static uint32_t map_id_of(int fd)
{
	struct bpf_map_info mi;

	memset(&mi, 0, sizeof(mi));
	return vnm_bpf_obj_info(fd, &mi, sizeof(mi)) < 0 ? 0 : mi.id;
}

/* Take map id as one of b's maps when its name and shape are this
 * build's; the same map met twice (the counters) is taken once. */
static int adopt_map(struct vnm_bpf *b, uint32_t id, char *errbuf, size_t errlen)
{
	struct bpf_map_info mi;
	int fd, i, rc;

	if ((fd = fd_by_id(BPF_MAP_GET_FD_BY_ID, id)) < 0) {
		put_err(errbuf, errlen, "cannot open BPF map %u: %s", id, strerror(-fd));
		return fd;
	}
	memset(&mi, 0, sizeof(mi));
	if ((rc = vnm_bpf_obj_info(fd, &mi, sizeof(mi))) < 0) {
		put_err(errbuf, errlen, "cannot read BPF map %u: %s", id, strerror(-rc));
		goto fail;
	}
	for (i = 0; i < N_MAPS; i++)
		if (!strcmp(mi.name, map_shapes[i].name))
			break;
	rc = -EPROTO;
	if (i == N_MAPS || mi.type != BPF_MAP_TYPE_HASH || mi.key_size != sizeof(uint32_t) ||
	    mi.value_size != map_shapes[i].value_size || mi.max_entries != VNM_BPF_MAX_VLS) {
		put_err(errbuf, errlen,
			"BPF map %u (%s: type %u, key %u, value %u, %u entries) is not one of "
			"this vnmd's maps: detach the filters and let vnmd attach its own",
			id, mi.name, mi.type, mi.key_size, mi.value_size, mi.max_entries);
		goto fail;
	}
	if (b->map[i] >= 0) {
		close(fd);
		if (mi.id == map_id_of(b->map[i]))
			return 0;
		put_err(errbuf, errlen, "the programs use two different %s maps", mi.name);
		return -EPROTO;
	}
	b->map[i] = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

/* Open program id, check it is vnmd's program name, adopt its maps. */
static int adopt_prog(struct vnm_bpf *b, uint32_t id, const char *name, char *errbuf,
		      size_t errlen)
{
	struct bpf_prog_info pi;
	uint32_t ids[8], i;
	int fd, rc;

	if ((fd = fd_by_id(BPF_PROG_GET_FD_BY_ID, id)) < 0) {
		put_err(errbuf, errlen, "cannot open BPF program %u: %s", id, strerror(-fd));
		return fd;
	}
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = 8;
	pi.map_ids = (uint64_t)(uintptr_t)ids;
	if ((rc = vnm_bpf_obj_info(fd, &pi, sizeof(pi))) < 0) {
		put_err(errbuf, errlen, "cannot read BPF program %u: %s", id, strerror(-rc));
		goto fail;
	}
	/* the transmit program uses the taps and counters, the receive one
	 * all three maps */
	if (strcmp(pi.name, name) || pi.type != BPF_PROG_TYPE_SCHED_CLS ||
	    pi.nr_map_ids != (strcmp(name, "vnm_rx") ? 2U : 3U)) {
		put_err(errbuf, errlen, "BPF program %u (%s, %u maps) is not vnmd's %s", id,
			pi.name, pi.nr_map_ids, name);
		rc = -EPROTO;
		goto fail;
	}
	for (i = 0; i < pi.nr_map_ids; i++)
		if ((rc = adopt_map(b, ids[i], errbuf, errlen)) < 0)
			goto fail;
	return fd;
fail:
	close(fd);
	return rc;
}

int vnm_bpf_adopt(struct vnm_bpf **out, uint32_t tx_id, uint32_t rx_id, char *errbuf,
		  size_t errlen)
{
	struct vnm_bpf *b;
	int i, rc;

	*out = NULL;
	if (!(b = bpf_alloc())) {
		put_err(errbuf, errlen, "cannot adopt the BPF datapath: out of memory");
		return -ENOMEM;
	}
	if ((rc = adopt_prog(b, rx_id, "vnm_rx", errbuf, errlen)) < 0)
		goto cleanup;
	b->rx_fd = rc;
	if (tx_id && (rc = adopt_prog(b, tx_id, "vnm_tx", errbuf, errlen)) < 0)
		goto cleanup;
	b->tx_fd = tx_id ? rc : -1;
	for (i = 0; i < N_MAPS; i++)
		if (b->map[i] < 0) {
			put_err(errbuf, errlen, "BPF programs %u and %u lack the map %s", tx_id,
				rx_id, map_shapes[i].name);
			rc = -EPROTO;
			goto cleanup;
		}
	/* the transmit program is on the taps only: a new one, over the
	 * adopted maps, replaces it on each tap as its VL is set again */
	if (!tx_id && (rc = tx_new(b, errbuf, errlen)) < 0)
		goto cleanup;
	*out = b;
	b = NULL;
	rc = 0;
cleanup:
	vnm_bpf_close(b);
	return rc;
}

int vnm_bpf_prog_fd(const struct vnm_bpf *b, bool rx)
{
	return rx ? b->rx_fd : b->tx_fd;
}

int vnm_bpf_prog_ids(struct vnm_bpf *b, uint32_t *tx_id, uint32_t *rx_id)
{
	struct bpf_prog_info pi;
	int rc;

	memset(&pi, 0, sizeof(pi));
	if ((rc = vnm_bpf_obj_info(b->tx_fd, &pi, sizeof(pi))) < 0)
		return rc;
	*tx_id = pi.id;
	memset(&pi, 0, sizeof(pi));
	if ((rc = vnm_bpf_obj_info(b->rx_fd, &pi, sizeof(pi))) < 0)
		return rc;
	*rx_id = pi.id;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Entries                                                            */
/* ------------------------------------------------------------------ */

/* The remote as the tunnel helpers see it: IPv4 in host order. */
static void remote_to_key(uint32_t *dst, const uint32_t *remote, uint32_t flags)
{
	if (flags & VNM_BPF_IPV6) {
		memcpy(dst, remote, 4 * sizeof(uint32_t));
		return;
	}
	memset(dst, 0, 4 * sizeof(uint32_t));
	dst[0] = ntohl(remote[0]);
}

static void remote_from_key(uint32_t *dst, const uint32_t *key, uint32_t flags)
{
	remote_to_key(dst, key, flags); /* ntohl is its own inverse */
}

int vnm_bpf_tap_set(struct vnm_bpf *b, int tap_ifindex, const struct vnm_bpf_tap *v)
{
	struct tap_val t;

	if (tap_ifindex <= 0 || v->vni > 0xffffff || !v->vx_ifindex)
		return -EINVAL;
	memset(&t, 0, sizeof(t));
	t.key.tunnel_id = v->vni;
	remote_to_key(t.key.remote_ipv6, v->remote, v->flags);
	t.key.tunnel_tos = v->tos;
	t.key.tunnel_ttl = 64;
	t.vx_ifindex = v->vx_ifindex;
	t.flags = v->flags & (VNM_BPF_UP | VNM_BPF_IPV6);
	t.tunflags = v->flags & VNM_BPF_IPV6 ? BPF_F_TUNINFO_IPV6 : 0;
	return vnm_bpf_map_update(b->map[MAP_TAP], (uint32_t)tap_ifindex, &t, BPF_ANY);
}

int vnm_bpf_tap_get(struct vnm_bpf *b, int tap_ifindex, struct vnm_bpf_tap *out)
{
	struct tap_val t;
	int rc;

	if ((rc = vnm_bpf_map_lookup(b->map[MAP_TAP], (uint32_t)tap_ifindex, &t)) < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->vni = t.key.tunnel_id;
	out->vx_ifindex = t.vx_ifindex;
	out->flags = t.flags;
	out->tos = t.key.tunnel_tos;
	remote_from_key(out->remote, t.key.remote_ipv6, t.flags);
	return 0;
}

int vnm_bpf_tap_del(struct vnm_bpf *b, int tap_ifindex)
{
	return vnm_bpf_map_delete(b->map[MAP_TAP], (uint32_t)tap_ifindex);
}

int vnm_bpf_vni_set(struct vnm_bpf *b, uint32_t vni, const struct vnm_bpf_vni *v)
{
	static const struct vnm_bpf_ctr zero;
	struct vni_val n;
	bool made;
	int rc;

	if (vni > 0xffffff)
		return -EINVAL;
	/* counters before the entry: the rx program drops a VNI without them */
	rc = vnm_bpf_map_update(b->map[MAP_CTR], vni, &zero, BPF_NOEXIST);
	if (rc < 0 && rc != -EEXIST)
		return rc;
	made = rc == 0;
	memset(&n, 0, sizeof(n));
	n.tap_ifindex = v->tap_ifindex;
	n.flags = v->flags & (VNM_BPF_UP | VNM_BPF_IPV6);
	remote_to_key(n.remote, v->remote, v->flags);
	rc = vnm_bpf_map_update(b->map[MAP_VNI], vni, &n, BPF_ANY);
	if (rc < 0 && made)
		vnm_bpf_map_delete(b->map[MAP_CTR], vni);
	return rc;
}

int vnm_bpf_vni_get(struct vnm_bpf *b, uint32_t vni, struct vnm_bpf_vni *out)
{
	struct vni_val n;
	int rc;

	if ((rc = vnm_bpf_map_lookup(b->map[MAP_VNI], vni, &n)) < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->tap_ifindex = n.tap_ifindex;
	out->flags = n.flags;
	remote_from_key(out->remote, n.remote, n.flags);
	return 0;
}

int vnm_bpf_vni_del(struct vnm_bpf *b, uint32_t vni)
{
	int rc = vnm_bpf_map_delete(b->map[MAP_VNI], vni);
	int rc2 = vnm_bpf_map_delete(b->map[MAP_CTR], vni);

	if (rc == -ENOENT)
		return rc2;
	return rc < 0 ? rc : rc2 == -ENOENT ? 0 : rc2;
}

int vnm_bpf_vni_next(struct vnm_bpf *b, const uint32_t *prev, uint32_t *next)
{
	return vnm_bpf_map_next(b->map[MAP_VNI], prev, next);
}

int vnm_bpf_tap_next(struct vnm_bpf *b, const int *prev, int *next)
{
	uint32_t p = prev ? (uint32_t)*prev : 0, n;
	int rc = vnm_bpf_map_next(b->map[MAP_TAP], prev ? &p : NULL, &n);

	if (!rc)
		*next = (int)n;
	return rc;
}

int vnm_bpf_ctr_get(struct vnm_bpf *b, uint32_t vni, struct vnm_bpf_ctr *out)
{
	return vnm_bpf_map_lookup(b->map[MAP_CTR], vni, out);
}

/* fdinfo's "memlock:" of a BPF fd, in bytes. */
static int fd_memlock(int fd, uint64_t *bytes)
{
	char path[64], line[128];
	unsigned long long v;
	int rc = -ENODATA;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (!(f = fopen(path, "re")))
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1) {
			*bytes += v;
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

int vnm_bpf_mem(struct vnm_bpf *b, uint64_t *bytes)
{
	int i, rc;

	*bytes = 0;
	for (i = 0; i < N_MAPS; i++)
		if ((rc = fd_memlock(b->map[i], bytes)) < 0)
			return rc;
	return 0;
}
