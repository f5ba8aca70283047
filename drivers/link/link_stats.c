/*
 * link_stats.c - counters of a VL: octets and packets from its end on the
 * source router's side (end_a), drops and overlimits from its shaping
 * classes (every physical link it rides, both directions; or both veth
 * ends of a same-host VL).  Read through libnl caches.
 *
 * Seen from the source router: out = what end_a transmits into the VL
 * (the router sent it), in = what end_a receives from the VL.
 */
#include "link_int.h"

#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/class.h>
#include <netlink/route/link.h>
#include <netlink/route/tc.h>

/* ------------------------------------------------------------------ */
/* Dumps kept for counter reads (struct vnm_lnl_scache)                */
/* ------------------------------------------------------------------ */

/* A dump younger than this serves every VL of one snapshot refresh. */
#define SCACHE_TTL_NS (200L * 1000 * 1000)

static void scache_clear(struct vnm_lnl_scache *e)
{
	nl_cache_free(e->cache);
	free(e->by);
	e->cache = NULL;
	e->by = NULL;
	e->n_by = 0;
}

/* ---- lookups by name and handle: libnl's own getters walk the whole
 * cache, which made every VL's read cost the number of interfaces ---- */

static size_t str_hash(const char *s)
{
	size_t h = 2166136261U;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619U;
	return h;
}

static size_t obj_hash(const struct vnm_lnl_scache *e, struct nl_object *o)
{
	if (e->ifindex == 0)
		return str_hash(rtnl_link_get_name((struct rtnl_link *)o));
	return (size_t)rtnl_tc_get_handle((struct rtnl_tc *)o) * 2654435761u;
}

static void by_add(struct nl_object *o, void *arg)
{
	struct vnm_lnl_scache *e = arg;
	size_t i;

	if (e->ifindex == 0 && !rtnl_link_get_name((struct rtnl_link *)o))
		return;
	for (i = obj_hash(e, o) & (e->n_by - 1); e->by[i]; i = (i + 1) & (e->n_by - 1))
		;
	e->by[i] = o;
}

static int by_build(struct vnm_lnl_scache *e)
{
	size_t n = (size_t)nl_cache_nitems(e->cache), cap = 16;

	while (cap < n * 2)
		cap *= 2;
	e->by = calloc(cap, sizeof(*e->by));
	if (!e->by)
		return -NLE_NOMEM;
	e->n_by = cap;
	nl_cache_foreach(e->cache, by_add, e);
	return 0;
}

static struct rtnl_link *link_by_name(const struct vnm_lnl_scache *e, const char *name)
{
	size_t i;
	const char *n;

	for (i = str_hash(name) & (e->n_by - 1); e->by[i]; i = (i + 1) & (e->n_by - 1)) {
		n = rtnl_link_get_name((struct rtnl_link *)e->by[i]);
		if (n && !strcmp(n, name))
			return (struct rtnl_link *)e->by[i];
	}
	return NULL;
}

static struct rtnl_class *class_by_handle(const struct vnm_lnl_scache *e, uint32_t h)
{
	size_t i;

	for (i = ((size_t)h * 2654435761u) & (e->n_by - 1); e->by[i]; i = (i + 1) & (e->n_by - 1))
		if (rtnl_tc_get_handle((struct rtnl_tc *)e->by[i]) == h)
			return (struct rtnl_class *)e->by[i];
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

/* The interfaces of sk's namespace (ifindex 0) or the classes and VNI
 * filters of ifindex, dumped at most SCACHE_TTL_NS ago.  NULL on error. */
static struct vnm_lnl_scache *scache_fetch(struct vnm_lnl *c, struct nl_sock *sk, int ifindex,
					   int *nrc)
{
	struct vnm_lnl_scache *e = scache_entry(c, sk, ifindex);
	struct timespec now;
	long age;

	*nrc = 0;
	if (!e) {
		*nrc = -NLE_NOMEM;
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	age = (now.tv_sec - e->at.tv_sec) * 1000000000L + (now.tv_nsec - e->at.tv_nsec);
	/* a dump serves for its TTL, and for five times what it cost: a
	 * refresh of thousands of VLs outlasts 200 ms, and dumping tens of
	 * thousands of interfaces again for each of them would make it
	 * quadratic */
	if (e->cache && age >= 0 && (age < SCACHE_TTL_NS || age < 5 * e->cost_ns))
		return e;
	scache_clear(e);
	if (ifindex == 0) {
		*nrc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &e->cache);
	} else {
		*nrc = rtnl_class_alloc_cache(sk, ifindex, &e->cache);
	}
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

static int ifindex_of(struct vnm_lnl *c, struct nl_sock *sk, const char *name)
{
	struct vnm_lnl_scache *links;
	struct rtnl_link *l;
	int nrc, idx;

	links = scache_fetch(c, sk, 0, &nrc);
	if (!links)
		return nrc;
	l = link_by_name(links, name);
	if (!l)
		return 0;
	idx = rtnl_link_get_ifindex(l);
	return idx;
}

/* One class's counters into out; dir is the direction the class carries
 * (0 out, 1 in; see struct vnm_vl_counters), first whether it is that
 * direction's first hop (its octets are the direction's: 1 sets them, 2
 * adds them, as the links of a bond each carry a part). */
static void class_stats(struct vnm_lnl_scache *e, int idx, uint32_t classid,
			struct vnm_vl_counters *out, int dir, int first)
{
	struct rtnl_class *cl;

	(void)idx; /* a class cache holds one interface */
	cl = class_by_handle(e, classid);
	if (cl) {
		out->drops += rtnl_tc_get_stat(TC_CAST(cl), RTNL_TC_DROPS);
		out->overlimits += rtnl_tc_get_stat(TC_CAST(cl), RTNL_TC_OVERLIMITS);
		out->shaped = true;
		if (first == 1)
			out->cls_octets[dir] = rtnl_tc_get_stat(TC_CAST(cl), RTNL_TC_BYTES);
		else if (first == 2)
			out->cls_octets[dir] += rtnl_tc_get_stat(TC_CAST(cl), RTNL_TC_BYTES);
		out->cls_drops[dir] += rtnl_tc_get_stat(TC_CAST(cl), RTNL_TC_DROPS);
		out->cls_backlog[dir] += (uint32_t)rtnl_tc_get_stat(TC_CAST(cl), RTNL_TC_BACKLOG);
	}
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
	struct vnm_lnl_scache *e, *links;
	struct rtnl_link *l;
	struct nl_sock *sk;
	uint32_t classid;
	unsigned flags;
	int idx, nrc;

	if (!hif || !vnm_host_local(hif->host))
		return 0; /* another RM's vnmd counts there */
	if (vnm_lnl_sock(c, hif->host, &sk, err) < 0)
		return -1;
	links = scache_fetch(c, sk, 0, &nrc);
	if (!links)
		return 0;
	/* the VL's frames cross this interface: gone (unplugged, deleted)
	 * or down, it carries nothing, whatever the VL's own ends say */
	l = link_by_name(links, hif->ifname);
	flags = l ? rtnl_link_get_flags(l) : 0;
	if (!(flags & IFF_UP) || !(flags & IFF_RUNNING)) {
		out->up = false;
		return 0;
	}
	idx = rtnl_link_get_ifindex(l);
	e = scache_fetch(c, sk, idx, &nrc);
	if (!e)
		return 0; /* no HTB (yet): no shaping counters */
	/* which class is the VL's: the driver's own index (no filter dump) */
	classid = vl_classid(c, hif, sk, idx, vl->vni);
	if (classid)
		class_stats(e, idx, classid, out, dir, first);
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

/* The counters restarted when their source (end_a) is another interface
 * than last time (other index or namespace) or they went backwards:
 * record the time, as ietf-interfaces' discontinuity-time. */
static int64_t discontinuity(struct vnm_lnl *c, const struct vnm_vl *vl,
			     const struct vnm_vl_counters *now, ino_t ns)
{
	struct vnm_lnl_seen *s, *t;
	size_t i, j, cap;

	if ((c->n_seen + 1) * 2 > c->cap_seen) {
		cap = c->cap_seen ? c->cap_seen * 2 : 64;
		t = calloc(cap, sizeof(*t));
		if (!t)
			return (int64_t)time(NULL);
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
	}
	for (i = str_hash(vl->id) & (c->cap_seen - 1);
	     c->seen[i].id[0] && strcmp(c->seen[i].id, vl->id); i = (i + 1) & (c->cap_seen - 1))
		;
	s = &c->seen[i];
	if (!s->id[0]) {
		c->n_seen++;
		memset(s, 0, sizeof(*s));
		snprintf(s->id, sizeof(s->id), "%s", vl->id);
		s->since = (int64_t)time(NULL);
	} else if (s->ifindex != now->ifindex || s->ns != ns ||
		   now->in_octets < s->in_octets || now->out_octets < s->out_octets) {
		s->since = (int64_t)time(NULL);
	}
	s->ifindex = now->ifindex;
	s->ns = ns;
	s->in_octets = now->in_octets;
	s->out_octets = now->out_octets;
	return s->since;
}

int vnm_lnl_vl_counters(struct vnm_lnl *c, const struct vnm_vl *vl,
			struct vnm_vl_counters *out, struct vnm_err *err)
{
	const struct vnm_host *ha = vl->a && vl->a->vr ? vl->a->vr->host : NULL;
	const struct vnm_host *hb = vl->b && vl->b->vr ? vl->b->vr->host : NULL;
	const struct vnm_host *h = ha;
	struct vnm_lnl_scache *links, *e;
	struct rtnl_link *l = NULL;
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
	links = scache_fetch(c, sk, 0, &nrc);
	if (!links) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read interfaces%s: %s",
			    vnm_lnl_where(h, where, sizeof(where)), nl_geterror(nrc));
		goto cleanup;
	}
	l = link_by_name(links, end);
	if (!l) {
		rc = 0; /* not created (yet): zero and down */
		goto cleanup;
	}
	out->ifindex = rtnl_link_get_ifindex(l);
	out->up = (rtnl_link_get_flags(l) & IFF_UP) && (rtnl_link_get_flags(l) & IFF_RUNNING);
	out->out_octets = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
	out->out_packets = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
	out->in_octets = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
	out->in_packets = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
	out->drops = rtnl_link_get_stat(l, RTNL_LINK_TX_DROPPED);
	if (mirror) {
		uint64_t t = out->out_octets;

		out->out_octets = out->in_octets;
		out->in_octets = t;
		t = out->out_packets;
		out->out_packets = out->in_packets;
		out->in_packets = t;
	}
	out->discontinuity = discontinuity(c, vl, out, vnm_lnl_ns_id(c, h));
	if (ha == hb) {
		const char *ends[2] = {vl->end_a, vl->end_b};

		for (i = 0; i < 2; i++) {
			idx = ifindex_of(c, sk, ends[i]);
			/* end_a's egress carries what a sent toward b */
			if (idx > 0 && (e = scache_fetch(c, sk, idx, &nrc)))
				class_stats(e, idx, VNM_TC_ROOT | VNM_TC_PARENT_MINOR, out,
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
