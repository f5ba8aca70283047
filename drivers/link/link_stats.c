/*
 * link_stats.c - counters of a VL: octets and packets from its end on the
 * source router's side (end_a), drops and overlimits from its shaping
 * classes (every physical link it rides, both directions; or both veth
 * ends of a same-host VL).  Read from one interface dump per namespace and
 * one class dump per interface, parsed into what the counters need.
 *
 * Seen from the source router: out = what end_a transmits into the VL
 * (the router sent it), in = what end_a receives from the VL.
 */
#include "link_int.h"

#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/gen_stats.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

/* ------------------------------------------------------------------ */
/* Dumps kept for counter reads (struct vnm_lnl_scache)                */
/* ------------------------------------------------------------------ */

/* A dump younger than this serves every VL of one snapshot refresh. */
#define SCACHE_TTL_NS (200L * 1000 * 1000)

static void scache_clear(struct vnm_lnl_scache *e)
{
	free(e->ifs);
	free(e->cls);
	free(e->by);
	e->ifs = NULL;
	e->cls = NULL;
	e->by = NULL;
	e->n = e->cap = e->n_by = 0;
}

/* ---- lookups by name and handle: a walk of the dump per VL made every
 * VL's read cost the number of interfaces ---- */

static size_t str_hash(const char *s)
{
	size_t h = 2166136261U;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619U;
	return h;
}

static size_t handle_hash(uint32_t h)
{
	return (size_t)h * 2654435761u;
}

static int by_build(struct vnm_lnl_scache *e)
{
	size_t i, j, cap = 16;

	while (cap < e->n * 2)
		cap *= 2;
	e->by = calloc(cap, sizeof(*e->by));
	if (!e->by)
		return -NLE_NOMEM;
	e->n_by = cap;
	for (i = 0; i < e->n; i++) {
		j = e->ifindex == 0 ? str_hash(e->ifs[i].name) : handle_hash(e->cls[i].handle);
		for (j &= cap - 1; e->by[j]; j = (j + 1) & (cap - 1))
			;
		e->by[j] = (uint32_t)i + 1;
	}
	return 0;
}

static const struct vnm_lnl_sif *link_by_name(const struct vnm_lnl_scache *e, const char *name)
{
	size_t i;

	for (i = str_hash(name) & (e->n_by - 1); e->by[i]; i = (i + 1) & (e->n_by - 1))
		if (!strcmp(e->ifs[e->by[i] - 1].name, name))
			return &e->ifs[e->by[i] - 1];
	return NULL;
}

static const struct vnm_lnl_scls *class_by_handle(const struct vnm_lnl_scache *e, uint32_t h)
{
	size_t i;

	for (i = handle_hash(h) & (e->n_by - 1); e->by[i]; i = (i + 1) & (e->n_by - 1))
		if (e->cls[e->by[i] - 1].handle == h)
			return &e->cls[e->by[i] - 1];
	return NULL;
}

void vnm_lnl_scache_free(struct vnm_lnl *c)
{
	size_t i;

	for (i = 0; i < c->n_sc; i++)
		scache_clear(&c->sc[i]);
	free(c->sc);
	c->sc = NULL;
	c->n_sc = 0;
}

static size_t scache_slot(const struct vnm_lnl_scache *t, size_t cap, struct nl_sock *sk,
			  int ifindex)
{
	size_t h = ((uintptr_t)sk >> 4) * 31u + (size_t)ifindex * 2654435761u;

	for (h &= cap - 1; t[h].sk && (t[h].sk != sk || t[h].ifindex != ifindex); h = (h + 1) & (cap - 1))
		;
	return h;
}

/* An open-addressing table of c->n_sc slots (a power of two), at most
 * half full. */
static struct vnm_lnl_scache *scache_entry(struct vnm_lnl *c, struct nl_sock *sk, int ifindex)
{
	struct vnm_lnl_scache *t;
	size_t i, used = 0, cap, k;

	if (c->n_sc) {
		k = scache_slot(c->sc, c->n_sc, sk, ifindex);
		if (c->sc[k].sk)
			return &c->sc[k];
		for (i = 0; i < c->n_sc; i++)
			used += c->sc[i].sk != NULL;
	}
	if (!c->n_sc || (used + 1) * 2 > c->n_sc) {
		cap = c->n_sc ? c->n_sc * 2 : 64;
		t = calloc(cap, sizeof(*t));
		if (!t)
			return NULL;
		for (i = 0; i < c->n_sc; i++)
			if (c->sc[i].sk)
				t[scache_slot(t, cap, c->sc[i].sk, c->sc[i].ifindex)] = c->sc[i];
		free(c->sc);
		c->sc = t;
		c->n_sc = cap;
	}
	k = scache_slot(c->sc, c->n_sc, sk, ifindex);
	c->sc[k].sk = sk;
	c->sc[k].ifindex = ifindex;
	return &c->sc[k];
}

/* ---- the dumps, parsed as they arrive (no libnl objects) ---- */

struct dump_job {
	struct vnm_lnl_scache *e;
	bool nomem; /* keep reading to the end of the dump, then fail */
};

/* Room for one more item; false when out of memory. */
static bool dump_grow(struct dump_job *j, size_t size)
{
	struct vnm_lnl_scache *e = j->e;
	void **arr = e->ifindex == 0 ? (void **)&e->ifs : (void **)&e->cls;
	size_t cap;
	void *t;

	if (e->n < e->cap)
		return true;
	cap = e->cap ? e->cap * 2 : 256;
	t = realloc(*arr, cap * size);
	if (!t)
		return false;
	*arr = t;
	e->cap = cap;
	return true;
}

static uint64_t u64_at(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t u32_at(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The part of a kernel's counters struct up to the last field read: the
 * struct grows at its end with the kernel's version, both ways. */
#define STATS_NEED(s) (offsetof(struct s, tx_dropped) + sizeof(((struct s *)0)->tx_dropped))

/* One RTM_NEWLINK of the dump: its name, index, flags and 64-bit
 * counters (IFLA_STATS64, or the 32-bit IFLA_STATS of an older kernel). */
static bool parse_link(struct nlmsghdr *nlh, struct vnm_lnl_sif *s)
{
	struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	const uint8_t *p;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_IFNAME])
		return false;
	ifi = nlmsg_data(nlh);
	memset(s, 0, sizeof(*s));
	nla_strlcpy(s->name, tb[IFLA_IFNAME], sizeof(s->name));
	s->ifindex = ifi->ifi_index;
	s->flags = ifi->ifi_flags;
	if (tb[IFLA_STATS64] && nla_len(tb[IFLA_STATS64]) >= (int)STATS_NEED(rtnl_link_stats64)) {
		p = nla_data(tb[IFLA_STATS64]);
		s->rx_packets = u64_at(p + offsetof(struct rtnl_link_stats64, rx_packets));
		s->tx_packets = u64_at(p + offsetof(struct rtnl_link_stats64, tx_packets));
		s->rx_bytes = u64_at(p + offsetof(struct rtnl_link_stats64, rx_bytes));
		s->tx_bytes = u64_at(p + offsetof(struct rtnl_link_stats64, tx_bytes));
		s->tx_dropped = u64_at(p + offsetof(struct rtnl_link_stats64, tx_dropped));
	} else if (tb[IFLA_STATS] && nla_len(tb[IFLA_STATS]) >= (int)STATS_NEED(rtnl_link_stats)) {
		p = nla_data(tb[IFLA_STATS]);
		s->rx_packets = u32_at(p + offsetof(struct rtnl_link_stats, rx_packets));
		s->tx_packets = u32_at(p + offsetof(struct rtnl_link_stats, tx_packets));
		s->rx_bytes = u32_at(p + offsetof(struct rtnl_link_stats, rx_bytes));
		s->tx_bytes = u32_at(p + offsetof(struct rtnl_link_stats, tx_bytes));
		s->tx_dropped = u32_at(p + offsetof(struct rtnl_link_stats, tx_dropped));
	}
	return true;
}

/* One RTM_NEWTCLASS of the dump: its handle and counters (TCA_STATS2's
 * basic and queue parts, or the older TCA_STATS). */
static bool parse_class(struct nlmsghdr *nlh, int ifindex, struct vnm_lnl_scls *s)
{
	struct nlattr *tb[TCA_MAX + 1], *st[TCA_STATS_MAX + 1];
	const struct tcmsg *tcm;
	const uint8_t *p;

	if (nlh->nlmsg_type != RTM_NEWTCLASS ||
	    nlmsg_parse(nlh, sizeof(*tcm), tb, TCA_MAX, NULL) < 0)
		return false;
	tcm = nlmsg_data(nlh);
	if (tcm->tcm_ifindex != ifindex)
		return false;
	memset(s, 0, sizeof(*s));
	s->handle = tcm->tcm_handle;
	if (tb[TCA_STATS2] && nla_parse_nested(st, TCA_STATS_MAX, tb[TCA_STATS2], NULL) >= 0) {
		if (st[TCA_STATS_BASIC] && nla_len(st[TCA_STATS_BASIC]) >= 12)
			s->bytes = u64_at(nla_data(st[TCA_STATS_BASIC]));
		if (st[TCA_STATS_QUEUE] &&
		    nla_len(st[TCA_STATS_QUEUE]) >= (int)sizeof(struct gnet_stats_queue)) {
			p = nla_data(st[TCA_STATS_QUEUE]);
			s->backlog = u32_at(p + offsetof(struct gnet_stats_queue, backlog));
			s->drops = u32_at(p + offsetof(struct gnet_stats_queue, drops));
			s->overlimits = u32_at(p + offsetof(struct gnet_stats_queue, overlimits));
		}
	} else if (tb[TCA_STATS] && nla_len(tb[TCA_STATS]) >= (int)sizeof(struct tc_stats)) {
		p = nla_data(tb[TCA_STATS]);
		s->bytes = u64_at(p + offsetof(struct tc_stats, bytes));
		s->backlog = u32_at(p + offsetof(struct tc_stats, backlog));
		s->drops = u32_at(p + offsetof(struct tc_stats, drops));
		s->overlimits = u32_at(p + offsetof(struct tc_stats, overlimits));
	}
	return true;
}

/* One message of a dump: an interface (e->ifindex 0) or a class. */
static int on_dump(struct nl_msg *msg, void *arg)
{
	struct dump_job *j = arg;
	struct vnm_lnl_scache *e = j->e;
	bool links = e->ifindex == 0;

	if (j->nomem)
		return NL_SKIP;
	if (!dump_grow(j, links ? sizeof(*e->ifs) : sizeof(*e->cls))) {
		j->nomem = true;
		return NL_SKIP;
	}
	if (links ? parse_link(nlmsg_hdr(msg), &e->ifs[e->n])
		  : parse_class(nlmsg_hdr(msg), e->ifindex, &e->cls[e->n]))
		e->n++;
	return NL_OK;
}

/* Dump the interfaces of sk's namespace (e->ifindex 0) or the classes of
 * e->ifindex into e; a dump the kernel says was interrupted by a change is
 * read again. */
static int scache_dump(struct nl_sock *sk, struct vnm_lnl_scache *e)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct tcmsg tcm = {.tcm_family = AF_UNSPEC, .tcm_ifindex = e->ifindex};
	struct dump_job j = {.e = e};
	struct nl_cb *cb, *scb;
	int rc, tries;

	/* nl_socket_get_cb() takes a reference */
	scb = nl_socket_get_cb(sk);
	cb = nl_cb_clone(scb);
	nl_cb_put(scb);
	if (!cb)
		return -NLE_NOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_dump, &j);
	for (tries = 0; tries < 3; tries++) {
		e->n = 0;
		j.nomem = false;
		if (e->ifindex == 0)
			rc = nl_send_simple(sk, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
		else
			rc = nl_send_simple(sk, RTM_GETTCLASS, NLM_F_DUMP, &tcm, sizeof(tcm));
		if (rc >= 0)
			rc = nl_recvmsgs(sk, cb);
		if (rc != -NLE_DUMP_INTR)
			break;
	}
	nl_cb_put(cb);
	if (rc >= 0 && j.nomem)
		rc = -NLE_NOMEM;
	return rc < 0 ? rc : 0;
}

static long ns_since(const struct timespec *t, const struct timespec *now)
{
	return (now->tv_sec - t->tv_sec) * 1000000000L + (now->tv_nsec - t->tv_nsec);
}

/* A dump serves for its TTL, and for five times what it cost: a refresh
 * of thousands of VLs outlasts 200 ms, and dumping tens of thousands of
 * interfaces again for each of them would make it quadratic. */
static bool scache_fresh(const struct vnm_lnl_scache *e, const struct timespec *now)
{
	long age = ns_since(&e->at, now);

	return e->by && age >= 0 && (age < SCACHE_TTL_NS || age < 5 * e->cost_ns);
}

/* The interfaces of sk's namespace (ifindex 0) or the classes of ifindex,
 * dumped at most SCACHE_TTL_NS ago.  NULL on error. */
static struct vnm_lnl_scache *scache_fetch(struct vnm_lnl *c, struct nl_sock *sk, int ifindex,
					   int *nrc)
{
	struct vnm_lnl_scache *e = scache_entry(c, sk, ifindex);
	struct timespec now;

	*nrc = 0;
	if (!e) {
		*nrc = -NLE_NOMEM;
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (scache_fresh(e, &now))
		return e;
	scache_clear(e);
	*nrc = scache_dump(sk, e);
	if (*nrc >= 0)
		*nrc = by_build(e);
	if (*nrc < 0) {
		scache_clear(e);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &e->at);
	e->cost_ns = (e->at.tv_sec - now.tv_sec) * 1000000000L + (e->at.tv_nsec - now.tv_nsec);
	return e;
}

/* ---- one object read by itself ---- */

/* A stale dump is not made again for a few VLs: after a commit the
 * snapshot reads the counters of the VLs it changed, one or two, and
 * dumping a namespace's 20,000 interfaces and an interface's 10,000
 * classes for them took a core and held the rtnl lock against the next
 * edit's class change.  A VL's read costs about five objects read alone
 * (its end, the physical interfaces, their classes); a dump costs little
 * per object, so a read of more VLs than this dumps. */
#define POINT_MAX_VLS 16

static bool point_read(const struct vnm_lnl *c, const struct vnm_lnl_scache *e,
		       const struct timespec *now)
{
	return !scache_fresh(e, now) && c->batch <= POINT_MAX_VLS;
}

struct point_job {
	int ifindex;
	bool found;
	struct vnm_lnl_sif *link;
	struct vnm_lnl_scls *cls;
};

static int on_point(struct nl_msg *msg, void *arg)
{
	struct point_job *j = arg;

	if (j->link ? parse_link(nlmsg_hdr(msg), j->link)
		    : parse_class(nlmsg_hdr(msg), j->ifindex, j->cls))
		j->found = true;
	return NL_OK;
}

/* RTM_GETLINK by name: 1 and *out, 0 when there is no such interface. */
static int point_link(struct nl_sock *sk, const char *name, struct vnm_lnl_sif *out)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct point_job j = {.link = out};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	int rc;

	if (!msg)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, name) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	rc = vnm_lnl_request(sk, msg, on_point, &j);
	if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND)
		return 0;
	return rc < 0 ? rc : j.found;
}

/* RTM_GETTCLASS of one handle: 1 and *out, 0 when the interface has no
 * such class (or no HTB yet).  NLM_F_ECHO: kernels before 6.3 answer a
 * class get only as a notification, sent to the asker when it echoes. */
static int point_class(struct nl_sock *sk, int ifindex, uint32_t handle,
		       struct vnm_lnl_scls *out)
{
	struct tcmsg tcm = {.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_handle = handle};
	struct point_job j = {.ifindex = ifindex, .cls = out};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETTCLASS, NLM_F_ECHO);
	int rc;

	if (!msg)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &tcm, sizeof(tcm), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	rc = vnm_lnl_request(sk, msg, on_point, &j);
	if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND || rc == -NLE_INVAL)
		return 0;
	return rc < 0 ? rc : j.found;
}

/* Where an object of sk's namespace is read from (ifindex 0: an interface,
 * else a class of ifindex): 1 the kernel, asked for it alone; 0 the dump
 * *e; < 0 a libnl error. */
static int sc_source(struct vnm_lnl *c, struct nl_sock *sk, int ifindex,
		     struct vnm_lnl_scache **e)
{
	struct timespec now;
	int nrc;

	*e = scache_entry(c, sk, ifindex);
	if (!*e)
		return -NLE_NOMEM;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (point_read(c, *e, &now))
		return 1;
	*e = scache_fetch(c, sk, ifindex, &nrc);
	return *e ? 0 : nrc;
}

/* The interface name of sk's namespace: 1 and *out, 0 when it does not
 * exist, < 0 a libnl error. */
static int sc_link(struct vnm_lnl *c, struct nl_sock *sk, const char *name,
		   struct vnm_lnl_sif *out)
{
	struct vnm_lnl_scache *e;
	const struct vnm_lnl_sif *l;
	int rc = sc_source(c, sk, 0, &e);

	if (rc)
		return rc > 0 ? point_link(sk, name, out) : rc;
	l = link_by_name(e, name);
	if (!l)
		return 0;
	*out = *l;
	return 1;
}

/* Class handle of interface ifindex: 1 and *out, 0 when it has none. */
static int sc_class(struct vnm_lnl *c, struct nl_sock *sk, int ifindex, uint32_t handle,
		    struct vnm_lnl_scls *out)
{
	struct vnm_lnl_scache *e;
	const struct vnm_lnl_scls *cl;
	int rc = sc_source(c, sk, ifindex, &e);

	if (rc)
		return rc > 0 ? point_class(sk, ifindex, handle, out) : rc;
	cl = class_by_handle(e, handle);
	if (!cl)
		return 0;
	*out = *cl;
	return 1;
}

static int ifindex_of(struct vnm_lnl *c, struct nl_sock *sk, const char *name)
{
	struct vnm_lnl_sif l;
	int rc = sc_link(c, sk, name, &l);

	return rc > 0 ? l.ifindex : rc;
}

/* One class's counters into out; dir is the direction the class carries
 * (0 out, 1 in; see struct vnm_vl_counters), first whether it is that
 * direction's first hop (its octets are the direction's: 1 sets them, 2
 * adds them, as the links of a bond each carry a part). */
static void class_stats(struct vnm_lnl *c, struct nl_sock *sk, int idx, uint32_t classid,
			struct vnm_vl_counters *out, int dir, int first)
{
	struct vnm_lnl_scls cl;

	if (sc_class(c, sk, idx, classid, &cl) <= 0)
		return; /* no HTB (yet): no shaping counters */
	out->drops += cl.drops;
	out->overlimits += cl.overlimits;
	out->shaped = true;
	if (first == 1)
		out->cls_octets[dir] = cl.bytes;
	else if (first == 2)
		out->cls_octets[dir] += cl.bytes;
	out->cls_drops[dir] += cl.drops;
	out->cls_backlog[dir] += cl.backlog;
}

/* The VL's class on interface idx from the tc index of the driver's own
 * context (c->parent when c is the counters' context: the index is kept by
 * the driver's changes), 0 when it has none. */
static uint32_t vl_classid(struct vnm_lnl *c, const struct vnm_host_if *hif, struct nl_sock *sk,
			   int idx, uint32_t vni)
{
	const struct vnm_lnl_tcvl *v;
	struct vnm_lnl_tcidx *x;
	struct vnm_lnl *p = c->parent ? c->parent : c;
	struct vnm_err e;
	uint32_t classid = 0;
	int nrc;

	if (p != c) {
		pthread_mutex_lock(&p->lock);
		vnm_err_clear(&e);
		if (vnm_lnl_sock(p, hif->host, &sk, &e) < 0)
			sk = NULL;
	}
	x = sk ? vnm_lnl_tcidx_get(p, sk, idx, &nrc) : NULL;
	if (x && (v = vnm_lnl_tcidx_find(x, vni)))
		classid = v->classid;
	if (p != c)
		pthread_mutex_unlock(&p->lock);
	return classid;
}

static int plink_end_stats(struct vnm_lnl *c, const struct vnm_vl *vl,
			   const struct vnm_host_if *hif, int dir, int first,
			   struct vnm_vl_counters *out, struct vnm_err *err)
{
	struct vnm_lnl_sif l;
	struct nl_sock *sk;
	uint32_t classid;
	int rc;

	if (!hif || !vnm_host_local(hif->host))
		return 0; /* another RM's vnmd counts there */
	if (vnm_lnl_sock(c, hif->host, &sk, err) < 0)
		return -1;
	rc = sc_link(c, sk, hif->ifname, &l);
	if (rc < 0)
		return 0;
	/* the VL's frames cross this interface: gone (unplugged, deleted)
	 * or down, it carries nothing, whatever the VL's own ends say */
	if (!rc || !(l.flags & IFF_UP) || !(l.flags & IFF_RUNNING)) {
		out->up = false;
		return 0;
	}
	/* which class is the VL's: the driver's own index (no filter dump) */
	classid = vl_classid(c, hif, sk, l.ifindex, vl->vni);
	if (classid)
		class_stats(c, sk, l.ifindex, classid, out, dir, first);
	return 0;
}

/* The classes of a VL across physical links: its supporting links form a
 * path from a's host; on each, the end on the side of a sends toward b
 * (out), the other end toward a (in).  Out's first hop is the first link,
 * in's the last one. */
/* The classes of a bonded VL: on each of its parallel links the end on
 * a's host sends toward b; the VL's octets are the sum over the links, and
 * it is down only when every link is. */
static int bond_stats(struct vnm_lnl *c, const struct vnm_vl *vl, const struct vnm_host *ha,
		      struct vnm_vl_counters *out, struct vnm_err *err)
{
	const struct vnm_host_if *near, *far;
	bool up = out->up, any = false;
	size_t i;

	out->cls_octets[0] = out->cls_octets[1] = 0;
	for (i = 0; i < vl->n_plinks; i++) {
		near = vl->plinks[i]->src->host == ha ? vl->plinks[i]->src : vl->plinks[i]->dst;
		far = near == vl->plinks[i]->src ? vl->plinks[i]->dst : vl->plinks[i]->src;
		out->up = true;
		if (plink_end_stats(c, vl, near, 0, 2, out, err) < 0 ||
		    plink_end_stats(c, vl, far, 1, 2, out, err) < 0)
			return -1;
		any |= out->up;
	}
	out->up = up && any;
	return 0;
}

static int plinks_stats(struct vnm_lnl *c, const struct vnm_vl *vl, const struct vnm_host *ha,
			struct vnm_vl_counters *out, struct vnm_err *err)
{
	const struct vnm_host *cur = ha;
	const struct vnm_host_if *near, *far;
	const struct vnm_plink *pl;
	size_t i;

	for (i = 0; i < vl->n_plinks; i++) {
		pl = vl->plinks[i];
		if (!pl->src || !pl->dst)
			continue;
		near = pl->src->host == cur ? pl->src : pl->dst;
		far = near == pl->src ? pl->dst : pl->src;
		if (plink_end_stats(c, vl, near, 0, i == 0, out, err) < 0 ||
		    plink_end_stats(c, vl, far, 1, i + 1 == vl->n_plinks, out, err) < 0)
			return -1;
		cur = far->host;
	}
	return 0;
}

/* The table of seen VLs at cap entries, rehashed. */
static int seen_rehash(struct vnm_lnl *c, size_t cap)
{
	struct vnm_lnl_seen *t = calloc(cap, sizeof(*t));
	size_t i, j;

	if (!t)
		return -1;
	for (i = 0; i < c->cap_seen; i++) {
		if (!c->seen[i].id[0])
			continue;
		for (j = str_hash(c->seen[i].id) & (cap - 1); t[j].id[0]; j = (j + 1) & (cap - 1))
			;
		t[j] = c->seen[i];
	}
	free(c->seen);
	c->seen = t;
	c->cap_seen = cap;
	return 0;
}

void vnm_lnl_seen_forget(struct vnm_lnl *c, const char *id)
{
	size_t i, j, k, mask = c->cap_seen - 1;

	if (!c->cap_seen)
		return;
	for (i = str_hash(id) & mask; c->seen[i].id[0] && strcmp(c->seen[i].id, id); i = (i + 1) & mask)
		;
	if (!c->seen[i].id[0])
		return;
	/* linear probing: close the gap with the entries after it that may
	 * move back to it (their home is not cyclically in (i, j]) */
	for (j = (i + 1) & mask; c->seen[j].id[0]; j = (j + 1) & mask) {
		k = str_hash(c->seen[j].id) & mask;
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		c->seen[i] = c->seen[j];
		i = j;
	}
	memset(&c->seen[i], 0, sizeof(c->seen[i]));
	c->n_seen--;
	if (c->cap_seen > 64 && c->n_seen * 8 < c->cap_seen)
		seen_rehash(c, c->cap_seen / 4);
}

int64_t vnm_lnl_seen_note(struct vnm_lnl *c, const char *id, int ifindex, ino_t ns,
			  uint64_t in_octets, uint64_t out_octets)
{
	struct vnm_lnl_seen *s;
	size_t i;

	if ((c->n_seen + 1) * 2 > c->cap_seen &&
	    seen_rehash(c, c->cap_seen ? c->cap_seen * 2 : 64))
		return (int64_t)time(NULL);
	for (i = str_hash(id) & (c->cap_seen - 1);
	     c->seen[i].id[0] && strcmp(c->seen[i].id, id); i = (i + 1) & (c->cap_seen - 1))
		;
	s = &c->seen[i];
	if (!s->id[0]) {
		c->n_seen++;
		memset(s, 0, sizeof(*s));
		snprintf(s->id, sizeof(s->id), "%s", id);
		s->since = (int64_t)time(NULL);
	} else if (s->ifindex != ifindex || s->ns != ns ||
		   in_octets < s->in_octets || out_octets < s->out_octets) {
		s->since = (int64_t)time(NULL);
	}
	s->ifindex = ifindex;
	s->ns = ns;
	s->in_octets = in_octets;
	s->out_octets = out_octets;
	return s->since;
}

int vnm_lnl_vl_counters(struct vnm_lnl *c, const struct vnm_vl *vl,
			struct vnm_vl_counters *out, struct vnm_err *err)
{
	const struct vnm_host *ha = vl->a && vl->a->vr ? vl->a->vr->host : NULL;
	const struct vnm_host *hb = vl->b && vl->b->vr ? vl->b->vr->host : NULL;
	const struct vnm_host *h = ha;
	struct vnm_lnl_sif l;
	const char *end = vl->end_a;
	struct nl_sock *sk;
	char where[200];
	size_t i;
	int rc = -1, nrc, idx;
	bool mirror = false;

	memset(out, 0, sizeof(*out));
	/* a on another vnmd's host (--host): b's end carries the same frames,
	 * what it receives is what a's end sends */
	if (ha && ha->remote && vnm_host_local(hb)) {
		h = hb;
		end = vl->end_b;
		mirror = true;
	}
	if (!vnm_host_local(h))
		return 0;
	if (vnm_lnl_sock(c, h, &sk, err) < 0)
		goto cleanup;
	if (ha != hb && vnm_lnl_shared(c, h)) {
		if (vnm_lnl_sh_counters(c, vl, h, mirror, out, err) < 0)
			goto cleanup;
		goto classes;
	}
	nrc = sc_link(c, sk, end, &l);
	if (nrc < 0) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read interfaces%s: %s",
			    vnm_lnl_where(h, where, sizeof(where)), nl_geterror(nrc));
		goto cleanup;
	}
	if (!nrc) {
		rc = 0; /* not created (yet): zero and down */
		goto cleanup;
	}
	out->ifindex = l.ifindex;
	out->up = (l.flags & IFF_UP) && (l.flags & IFF_RUNNING);
	out->out_octets = l.tx_bytes;
	out->out_packets = l.tx_packets;
	out->in_octets = l.rx_bytes;
	out->in_packets = l.rx_packets;
	out->drops = l.tx_dropped;
	if (mirror) {
		uint64_t t = out->out_octets;

		out->out_octets = out->in_octets;
		out->in_octets = t;
		t = out->out_packets;
		out->out_packets = out->in_packets;
		out->in_packets = t;
	}
classes:
	out->discontinuity = vnm_lnl_seen_note(c, vl->id, out->ifindex, vnm_lnl_ns_id(c, h),
					       out->in_octets, out->out_octets);
	if (ha == hb) {
		const char *ends[2] = {vl->end_a, vl->end_b};

		for (i = 0; i < 2; i++) {
			idx = ifindex_of(c, sk, ends[i]);
			/* end_a's egress carries what a sent toward b */
			if (idx > 0)
				class_stats(c, sk, idx, VNM_TC_ROOT | VNM_TC_PARENT_MINOR, out,
					    (int)i, true);
		}
	} else if ((vnm_vl_bonded(vl) ? bond_stats : plinks_stats)(c, vl, ha, out, err) < 0) {
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (rc < 0) {
		vnm_err_prefix(err, "link %s/%s", vl->vn->name, vl->name);
		vnm_lnl_path_vl(vl, err->path, sizeof(err->path));
	}
	return rc;
}
