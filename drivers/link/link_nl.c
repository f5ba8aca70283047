/*
 * link_nl.c - the libnl link driver: context, sockets per network
 * namespace, probing the kernel, and the operation table.
 *
 * Netlink sockets belong to the network namespace they were created in, so
 * a host with a `netns` gets its own socket: the calling thread enters
 * /run/netns/NAME with setns(), creates the socket and returns to the
 * daemon's namespace at once.  Nothing else ever runs inside a foreign
 * namespace.  A namespace deleted and created again under the same name is
 * noticed (device and inode of /run/netns/NAME) and gets a fresh socket.
 */
#include <time.h>
#include <unistd.h>

#include "link_nl.h"
#include "link_int.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <netlink/route/link.h>

#define NETNS_DIR "/run/netns"

static struct nl_sock *sock_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk)
		return NULL;
	if (nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	/* the kernel's own words with errors and warnings ("Specified qdisc
	 * kind is unknown", "quantum of class ... is big") */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	/* class and link dumps of busy hosts are large */
	nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);
	return sk;
}

static int lnl_new(struct vnm_lnl **out, struct vnm_err *err)
{
	struct vnm_lnl *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "link driver: out of memory");
	pthread_mutex_init(&c->lock, NULL);
	/* names of retired interfaces: not those a crashed run left */
	c->retire_seq = (uint32_t)time(NULL) * 2654435761u ^ (uint32_t)getpid() << 16;
	c->self_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (c->self_ns < 0) {
		vnm_err_set(err, VNM_E_DRIVER, NULL,
			    "link driver: cannot open the daemon's network namespace: %s",
			    strerror(errno));
		vnm_link_nl_free(c);
		return -1;
	}
	c->own = sock_open();
	if (!c->own) {
		vnm_err_set(err, VNM_E_DRIVER, NULL,
			    "link driver: cannot open a netlink route socket");
		vnm_link_nl_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int vnm_link_nl_new(void **ctx, struct vnm_err *err)
{
	struct vnm_lnl *c;

	*ctx = NULL;
	if (lnl_new(&c, err))
		return -1;
	if (lnl_new(&c->stats, err)) {
		vnm_link_nl_free(c);
		return -1;
	}
	c->stats->parent = c;
	*ctx = c;
	return 0;
}

void vnm_link_nl_set_shared(void *ctx, bool shared)
{
	struct vnm_lnl *c = ctx;

	c->shared = shared;
	if (c->stats)
		c->stats->shared = shared;
}

void vnm_link_nl_free(void *ctx)
{
	struct vnm_lnl *c = ctx;
	size_t i;

	if (!c)
		return;
	vnm_link_nl_free(c->stats);
	vnm_lnl_flush(c);
	for (i = 0; i < c->n_ns; i++) {
		vnm_lnl_sh_ns_reset(&c->ns[i]);
		nl_socket_free(c->ns[i].sk);
	}
	free(c->ns);
	free(c->seen);
	vnm_lnl_scache_free(c);
	vnm_lnl_tcidx_free(c);
	nl_socket_free(c->own);
	if (c->self_ns >= 0)
		close(c->self_ns);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

const char *vnm_lnl_where(const struct vnm_host *h, char *buf, size_t len)
{
	if (h && h->netns)
		snprintf(buf, len, " (host %s, network namespace %s)", h->name, h->netns);
	else if (h)
		snprintf(buf, len, " (host %s)", h->name);
	else
		snprintf(buf, len, "%s", "");
	return buf;
}

/* Create a socket inside the namespace open as fd. */
static int sock_in_ns(struct vnm_lnl *c, int fd, struct nl_sock **out, struct vnm_err *err)
{
	struct nl_sock *sk;

	if (setns(fd, CLONE_NEWNET) < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot enter the namespace: %s",
				   strerror(errno));
	sk = sock_open();
	if (setns(c->self_ns, CLONE_NEWNET) < 0) {
		/* this thread would keep running in the wrong namespace */
		nl_socket_free(sk);
		return vnm_err_set(err, VNM_E_INTERNAL, NULL,
				   "cannot return to the daemon's network namespace: %s",
				   strerror(errno));
	}
	if (!sk)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot open a netlink route socket there");
	*out = sk;
	return 0;
}

/* Open path (a file of /proc/sys/net) as the host's namespace sees it:
 * the kernel binds such a file to the namespace of whoever opens it. */
static int open_in_ns(struct vnm_lnl *c, const struct vnm_host *h, const char *path, int flags,
		      struct vnm_err *err)
{
	char nspath[sizeof(NETNS_DIR) + 80];
	int ns, fd, e;

	if (!h || !h->netns)
		return open(path, flags | O_CLOEXEC);
	snprintf(nspath, sizeof(nspath), NETNS_DIR "/%s", h->netns);
	if ((ns = open(nspath, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (setns(ns, CLONE_NEWNET) < 0) {
		e = errno;
		close(ns);
		errno = e;
		return -1;
	}
	close(ns);
	fd = open(path, flags | O_CLOEXEC);
	e = errno;
	if (setns(c->self_ns, CLONE_NEWNET) < 0) {
		/* this thread would keep running in the wrong namespace */
		if (fd >= 0)
			close(fd);
		vnm_err_set(err, VNM_E_INTERNAL, NULL,
			    "cannot return to the daemon's network namespace: %s", strerror(errno));
		errno = EIO;
		return -2;
	}
	errno = e;
	return fd;
}

int vnm_lnl_sysctl_set(struct vnm_lnl *c, const struct vnm_host *h, const char *name,
		       const char *value, struct vnm_err *err)
{
	char path[160], cur[32], where[200];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	for (n = 5; path[n]; n++)
		if (path[n] == '.')
			path[n] = '/';
	if ((fd = open_in_ns(c, h, path, O_RDWR, err)) < 0) {
		if (fd == -2)
			return -1;
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot open %s%s: %s", name,
				   vnm_lnl_where(h, where, sizeof(where)), strerror(errno));
	}
	n = read(fd, cur, sizeof(cur) - 1);
	cur[n > 0 ? n : 0] = '\0';
	if (n > 0 && cur[n - 1] == '\n')
		cur[n - 1] = '\0';
	if (strcmp(cur, value) &&
	    (lseek(fd, 0, SEEK_SET) < 0 || write(fd, value, strlen(value)) < 0)) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot set %s to %s%s: %s", name, value,
			    vnm_lnl_where(h, where, sizeof(where)), strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (strcmp(cur, value))
		vnm_log_info("link driver: %s set from %s to %s%s", name, cur, value,
			     vnm_lnl_where(h, where, sizeof(where)));
	return 0;
}

int vnm_lnl_sock(struct vnm_lnl *c, const struct vnm_host *h, struct nl_sock **out,
		 struct vnm_err *err)
{
	char path[sizeof(NETNS_DIR) + 80];
	struct vnm_lnl_ns *ns = NULL, *tmp;
	struct nl_sock *sk = NULL;
	struct stat st;
	size_t i;
	int fd = -1, rc = -1;

	*out = NULL;
	if (!h || !h->netns) {
		*out = c->own;
		return 0;
	}
	for (i = 0; i < c->n_ns; i++)
		if (!strcmp(c->ns[i].name, h->netns))
			ns = &c->ns[i];
	if (ns && ns->sk && vnm_lnl_now_ms() - ns->checked_ms < VNM_LNL_TRUST_MS) {
		*out = ns->sk;
		return 0;
	}
	snprintf(path, sizeof(path), NETNS_DIR "/%s", h->netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		vnm_err_set(err, VNM_E_DRIVER, NULL,
			    "host %s: its network namespace %s (%s) cannot be opened: %s; "
			    "create it (ip netns add %s) or fix the host's netns",
			    h->name, h->netns, path, strerror(errno), h->netns);
		goto cleanup;
	}
	if (ns && ns->dev == st.st_dev && ns->ino == st.st_ino) {
		ns->checked_ms = vnm_lnl_now_ms();
		*out = ns->sk;
		rc = 0;
		goto cleanup;
	}
	if (sock_in_ns(c, fd, &sk, err) < 0) {
		vnm_err_prefix(err, "host %s, network namespace %s", h->name, h->netns);
		goto cleanup;
	}
	if (!ns) {
		tmp = realloc(c->ns, (c->n_ns + 1) * sizeof(*c->ns));
		if (!tmp) {
			nl_socket_free(sk);
			vnm_err_set(err, VNM_E_NOMEM, NULL, "link driver: out of memory");
			goto cleanup;
		}
		c->ns = tmp;
		ns = &c->ns[c->n_ns++];
		memset(ns, 0, sizeof(*ns));
		snprintf(ns->name, sizeof(ns->name), "%s", h->netns);
	}
	/* the namespace was replaced: the old socket talks to a dead one */
	if (ns->sk)
		vnm_lnl_tcidx_drop_sock(c, ns->sk);
	vnm_lnl_sh_ns_reset(ns);
	nl_socket_free(ns->sk);
	ns->sk = sk;
	ns->dev = st.st_dev;
	ns->ino = st.st_ino;
	ns->checked_ms = vnm_lnl_now_ms();
	*out = sk;
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The kernel's message of the last vnm_lnl_send() on this thread. */
static __thread char ext_msg[256];

/* NLMSGERR_ATTR_MSG of an NLMSG_ERROR (ACK or error), if any. */
static void ext_from(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = nlmsg_data(h);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* the request is echoed after nlmsgerr unless capped (always for ACKs) */
	off = sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED) && e->error)
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (NLMSG_ALIGN(off) >= (size_t)nlmsg_datalen(h))
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlmsg_data(h) + NLMSG_ALIGN(off)),
		      nlmsg_datalen(h) - (int)NLMSG_ALIGN(off), NULL) < 0 ||
	    !tb[NLMSGERR_ATTR_MSG])
		return;
	nla_strlcpy(ext_msg, tb[NLMSGERR_ATTR_MSG], sizeof(ext_msg));
}

/* The end of a request: its ACK or its error (both NLMSG_ERROR). */
static int on_ack(struct nl_msg *msg, void *arg)
{
	ext_from(nlmsg_hdr(msg));
	*(bool *)arg = true;
	return NL_STOP;
}

static int on_err(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	(void)who;
	ext_from((const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN));
	*(bool *)arg = true;
	return NL_STOP;
}

ino_t vnm_lnl_ns_id(const struct vnm_lnl *c, const struct vnm_host *h)
{
	size_t i;

	for (i = 0; h && h->netns && i < c->n_ns; i++)
		if (!strcmp(c->ns[i].name, h->netns))
			return c->ns[i].ino;
	return 0;
}

int vnm_lnl_request(struct nl_sock *sk, struct nl_msg *msg, nl_recvmsg_msg_cb_t reply,
		    void *arg)
{
	struct nl_cb *cb, *scb;
	bool done = false;
	int rc;

	ext_msg[0] = '\0';
	rc = nl_send_auto(sk, msg); /* the driver's sockets ask for ACKs */
	nlmsg_free(msg);
	if (rc < 0)
		return rc;
	/* nl_socket_get_cb() takes a reference */
	scb = nl_socket_get_cb(sk);
	cb = nl_cb_clone(scb);
	nl_cb_put(scb);
	if (!cb)
		return -NLE_NOMEM;
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &done);
	nl_cb_err(cb, NL_CB_CUSTOM, on_err, &done);
	if (reply)
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, reply, arg);
	/* a reply and its ACK come as two datagrams */
	do
		rc = nl_recvmsgs(sk, cb);
	while (rc >= 0 && !done);
	nl_cb_put(cb);
	/* a success that the kernel commented on: say so in the log */
	if (rc >= 0 && ext_msg[0])
		vnm_log_warn("link driver: the kernel warns: %s", ext_msg);
	return rc < 0 ? rc : 0;
}

int vnm_lnl_send(struct nl_sock *sk, struct nl_msg *msg)
{
	return vnm_lnl_request(sk, msg, NULL, NULL);
}

static int on_ifindex(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	if (h->nlmsg_type == RTM_NEWLINK && nlmsg_datalen(h) >= (int)sizeof(struct ifinfomsg))
		*(int *)arg = ((struct ifinfomsg *)nlmsg_data(h))->ifi_index;
	return NL_OK;
}

uint64_t vnm_lnl_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

int vnm_lnl_ifindex_trust(struct vnm_lnl *c, struct nl_sock *sk, const char *name)
{
	uint64_t now = vnm_lnl_now_ms();
	struct vnm_lnl_ifx *x;
	unsigned i;
	int idx;

	for (i = 0; i < VNM_LNL_IFX; i++) {
		x = &c->ifx[i];
		if (x->sk == sk && !strcmp(x->name, name) && now - x->at_ms < VNM_LNL_TRUST_MS)
			return x->ifindex;
	}
	idx = vnm_lnl_ifindex(sk, name);
	if (idx <= 0 || strlen(name) >= sizeof(x->name))
		return idx;
	vnm_lnl_ifindex_forget(c, sk, name);
	x = &c->ifx[c->ifx_next++ % VNM_LNL_IFX];
	x->sk = sk;
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->ifindex = idx;
	x->at_ms = now;
	return idx;
}

void vnm_lnl_ifindex_forget(struct vnm_lnl *c, struct nl_sock *sk, const char *name)
{
	unsigned i;

	for (i = 0; i < VNM_LNL_IFX; i++)
		if (c->ifx[i].sk == sk && (!name || !strcmp(c->ifx[i].name, name)))
			c->ifx[i].sk = NULL;
}

/* One RTM_GETLINK by name without the statistics, read for its ifindex
 * alone: a libnl link object parses every attribute of the answer (30 us
 * a lookup; a 10,000-VL transaction plugs 20,000 vNICs). */
int vnm_lnl_ifindex(struct nl_sock *sk, const char *name)
{
	struct nl_msg *msg = vnm_lnl_ifi_msg(RTM_GETLINK, 0, 0);
	int idx = 0, rc;

	if (!msg)
		return -NLE_NOMEM;
	if (nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) {
		nlmsg_free(msg);
		return -NLE_MSGSIZE;
	}
	rc = vnm_lnl_request(sk, msg, on_ifindex, &idx);
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV)
		return 0;
	return rc < 0 ? rc : idx;
}

const char *vnm_lnl_strerror(int rc)
{
	static __thread char buf[384];

	if (!ext_msg[0])
		return nl_geterror(rc);
	snprintf(buf, sizeof(buf), "%s (kernel: %s)", nl_geterror(rc), ext_msg);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Data paths                                                         */
/* ------------------------------------------------------------------ */

void vnm_lnl_path_vl(const struct vnm_vl *vl, char *buf, size_t len)
{
	snprintf(buf, len,
		 "/ietf-network:networks/network[network-id='%s']"
		 "/ietf-network-topology:link[link-id='%s']",
		 vl->vn ? vl->vn->name : "", vl->name);
}

void vnm_lnl_path_plink(const struct vnm_plink *pl, char *buf, size_t len)
{
	snprintf(buf, len,
		 "/ietf-network:networks/network/ietf-network-topology:link[link-id='%s']",
		 pl->name);
}

void vnm_lnl_path_vnic(const struct vnm_vnic *nic, char *buf, size_t len)
{
	snprintf(buf, len,
		 "/ietf-network:networks/network[network-id='%s']/node[node-id='%s']"
		 "/ietf-network-topology:termination-point[tp-id='%s']",
		 nic->vr && nic->vr->vn ? nic->vr->vn->name : "", nic->vr ? nic->vr->name : "",
		 nic->name);
}

/* ------------------------------------------------------------------ */
/* Probe: try each kind of object in a throwaway namespace             */
/* ------------------------------------------------------------------ */

struct probe_job {
	struct vnm_link_caps caps;
	char why[256];
	int rc;
};

static bool try_msg(struct nl_sock *sk, int build_rc, struct nl_msg *msg)
{
	if (build_rc < 0)
		return false;
	return vnm_lnl_send(sk, msg) == 0;
}

/* Runs on its own thread: unshare() moves only this thread into a new,
 * empty network namespace, which disappears with its last socket. */
static void *probe_thread(void *arg)
{
	struct probe_job *job = arg;
	struct vnm_shape shape = {.rate = 8000000, .ceil = 8000000, .burst = 1514,
				  .cburst = 1514};
	struct nl_sock *sk = NULL;
	struct nl_msg *msg = NULL;
	int a, b, rc;

	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(job->why, sizeof(job->why),
			 "cannot create a scratch network namespace: %s", strerror(errno));
		job->rc = -1;
		return NULL;
	}
	sk = sock_open();
	if (!sk) {
		snprintf(job->why, sizeof(job->why), "cannot open a netlink route socket");
		job->rc = -1;
		return NULL;
	}
	rc = vnm_lnl_msg_veth("vnprobe0", "vnprobe1", &msg);
	job->caps.veth = try_msg(sk, rc, msg);
	rc = vnm_lnl_msg_bridge("vnprobeb", &msg);
	job->caps.bridge = try_msg(sk, rc, msg);
	/* the default encapsulation's device */
	rc = vnm_lnl_encap_find(NULL)->msg_create("vnprobex", 1, "127.0.0.1", "127.0.0.2", 0,
								  &msg);
	job->caps.vxlan = try_msg(sk, rc, msg);
	if (!job->caps.veth)
		goto done;
	a = vnm_lnl_ifindex(sk, "vnprobe0");
	b = vnm_lnl_ifindex(sk, "vnprobe1");
	rc = vnm_lnl_msg_htb_root(a, VNM_TC_DEFAULT_MINOR, -(int)vnm_lnl_encap_find(NULL)->overhead,
				  false, &msg);
	job->caps.htb = try_msg(sk, rc, msg);
	if (job->caps.htb) {
		rc = vnm_lnl_msg_htb_class(a, VNM_TC_ROOT, VNM_TC_ROOT | VNM_TC_VL_MINOR_MIN,
					   &shape, 0, true, &msg);
		if (try_msg(sk, rc, msg)) {
			/* the VNI hash table, its link filter and one VL filter */
			rc = vnm_lnl_msg_u32_table(a, &msg);
			job->caps.u32 = try_msg(sk, rc, msg);
			rc = vnm_lnl_msg_u32_link(a, vnm_lnl_encap_find(NULL), &msg);
			job->caps.u32 = try_msg(sk, rc, msg) && job->caps.u32;
			rc = vnm_lnl_msg_u32_vni(a, VNM_TC_ROOT, vnm_lnl_encap_find(NULL), 1,
						 VNM_U32_HANDLE(VNM_TC_VNI_HTID, 1, 1),
						 VNM_TC_ROOT | VNM_TC_VL_MINOR_MIN, &msg);
			job->caps.u32 = try_msg(sk, rc, msg) && job->caps.u32;
			rc = vnm_lnl_msg_netem(a, VNM_TC_ROOT | VNM_TC_VL_MINOR_MIN, 0x10000,
					       1000, 0, 0, &msg);
			job->caps.netem = try_msg(sk, rc, msg);
		}
	}
	rc = vnm_lnl_msg_tbf(b, 8000000, 1514 * 4, &msg);
	job->caps.tbf = try_msg(sk, rc, msg);
done:
	nl_socket_free(sk);
	job->rc = 0;
	return NULL;
}

int vnm_lnl_probe_locked(struct vnm_lnl *c, struct vnm_err *err)
{
	struct probe_job job;
	pthread_t t;

	memset(&job, 0, sizeof(job));
	if (pthread_create(&t, NULL, probe_thread, &job) != 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "link driver: cannot start the probe thread");
	pthread_join(t, NULL);
	if (job.rc < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "link driver: cannot probe the kernel's features: %s "
				   "(vnmd needs CAP_SYS_ADMIN and CAP_NET_ADMIN)", job.why);
	c->caps = job.caps;
	c->probed = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The operation table: lock, then the work in link_if.c / link_tc.c   */
/* ------------------------------------------------------------------ */

#define LOCKED(c, call)                          \
	do {                                     \
		int rc_;                         \
		pthread_mutex_lock(&(c)->lock);  \
		rc_ = (call);                    \
		pthread_mutex_unlock(&(c)->lock); \
		return rc_;                      \
	} while (0)

static int op_probe(void *ctx, struct vnm_link_caps *caps, struct vnm_err *err)
{
	struct vnm_lnl *c = ctx;
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = vnm_lnl_probe_locked(c, err);
	if (!rc)
		*caps = c->caps;
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static int op_plink_setup(void *ctx, const struct vnm_plink *pl, struct vnm_err *err)
{
	LOCKED((struct vnm_lnl *)ctx, vnm_lnl_plink_setup(ctx, pl, err));
}

static int op_plink_update(void *ctx, const struct vnm_plink *old, const struct vnm_plink *new,
			   struct vnm_err *err)
{
	LOCKED((struct vnm_lnl *)ctx, vnm_lnl_plink_update(ctx, old, new, err));
}

static int op_plink_teardown(void *ctx, const struct vnm_plink *pl, struct vnm_err *err)
{
	LOCKED((struct vnm_lnl *)ctx, vnm_lnl_plink_teardown(ctx, pl, err));
}

static int op_vnic_port_create(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err)
{
	LOCKED((struct vnm_lnl *)ctx, vnm_lnl_vnic_port_create(ctx, nic, err));
}

static int op_vnic_port_destroy(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err)
{
	LOCKED((struct vnm_lnl *)ctx, vnm_lnl_vnic_port_destroy(ctx, nic, err));
}

static int op_vl_create(void *ctx, const struct vnm_vl *vl, struct vnm_err *err)
{
	LOCKED((struct vnm_lnl *)ctx, vnm_lnl_vl_create(ctx, vl, err));
}

static int op_vl_destroy(void *ctx, const struct vnm_vl *vl, struct vnm_err *err)
{
	struct vnm_lnl *c = ctx, *s = c->stats ? c->stats : c;
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = vnm_lnl_vl_destroy(c, vl, err);
	pthread_mutex_unlock(&c->lock);
	/* its counters' discontinuity time goes with it (a VL made again
	 * starts anew): the counter reads' table follows the VLs that exist,
	 * not every VL ever made.  The stats lock is never taken under the
	 * parent's. */
	if (!rc) {
		pthread_mutex_lock(&s->lock);
		vnm_lnl_seen_forget(s, vl->id);
		pthread_mutex_unlock(&s->lock);
	}
	return rc;
}

static int op_vl_set_up(void *ctx, const struct vnm_vl *vl, bool up, struct vnm_err *err)
{
	LOCKED((struct vnm_lnl *)ctx, vnm_lnl_vl_set_up(ctx, vl, up, err));
}

static int op_vl_shape(void *ctx, const struct vnm_vl *vl, const struct vnm_plink *pl,
		       const struct vnm_shape *shape, struct vnm_err *err)
{
	LOCKED((struct vnm_lnl *)ctx, vnm_lnl_vl_shape(ctx, vl, pl, shape, err));
}

static int op_vl_unshape(void *ctx, const struct vnm_vl *vl, const struct vnm_plink *pl,
			 struct vnm_err *err)
{
	LOCKED((struct vnm_lnl *)ctx, vnm_lnl_vl_unshape(ctx, vl, pl, err));
}

static int op_vl_counters(void *ctx, const struct vnm_vl *vl, struct vnm_vl_counters *out,
			  struct vnm_err *err)
{
	struct vnm_lnl *c = ctx, *s = c->stats ? c->stats : c;

	LOCKED(s, vnm_lnl_vl_counters(s, vl, out, err));
}

static void op_vl_counters_batch(void *ctx, size_t n)
{
	struct vnm_lnl *c = ctx, *s = c->stats ? c->stats : c;

	pthread_mutex_lock(&s->lock);
	s->batch = n;
	/* a refresh is over: its dumps (5 MB at 10,000 VLs) would be stale
	 * by the next one */
	if (!n)
		vnm_lnl_scache_free(s);
	pthread_mutex_unlock(&s->lock);
}

static int op_list_own(void *ctx, const struct vnm_host *h, struct vnm_own_list *out,
		       struct vnm_err *err)
{
	LOCKED((struct vnm_lnl *)ctx, vnm_lnl_list_own(ctx, h, out, err));
}

static int op_vl_sweep(void *ctx, const struct vnm_host *h, const uint32_t *vnis, size_t n,
		       size_t *removed, struct vnm_err *err)
{
	LOCKED((struct vnm_lnl *)ctx, vnm_lnl_sh_sweep(ctx, h, vnis, n, removed, err));
}

static int op_remove_own(void *ctx, const struct vnm_host *h, const struct vnm_own_obj *o,
			 struct vnm_err *err)
{
	LOCKED((struct vnm_lnl *)ctx, vnm_lnl_remove_own(ctx, h, o, err));
}

static void op_flush(void *ctx)
{
	struct vnm_lnl *c = ctx;

	pthread_mutex_lock(&c->lock);
	vnm_lnl_flush(c);
	pthread_mutex_unlock(&c->lock);
}

const struct vnm_link_ops vnm_link_nl_ops = {
	.name = "libnl",
	.probe = op_probe,
	.encap_overhead = vnm_lnl_encap_overhead,
	.plink_setup = op_plink_setup,
	.plink_update = op_plink_update,
	.plink_teardown = op_plink_teardown,
	.vnic_port_create = op_vnic_port_create,
	.vnic_port_destroy = op_vnic_port_destroy,
	.vl_create = op_vl_create,
	.vl_destroy = op_vl_destroy,
	.vl_set_up = op_vl_set_up,
	.vl_shape = op_vl_shape,
	.vl_unshape = op_vl_unshape,
	.vl_counters = op_vl_counters,
	.vl_counters_batch = op_vl_counters_batch,
	.list_own = op_list_own,
	.remove_own = op_remove_own,
	.vl_sweep = op_vl_sweep,
	.vnic_plug = vnm_lnl_op_vnic_plug,
	.flush = op_flush,
	.vl_end_ifname = vnm_lnl_op_vl_end_ifname,
};
