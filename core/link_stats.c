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
	free(e->vnis);
	e->cache = NULL;
	e->vnis = NULL;
	e->n_vnis = 0;
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
	if (e->cache && age >= 0 && age < SCACHE_TTL_NS)
		return e;
	scache_clear(e);
	if (ifindex == 0) {
		*nrc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &e->cache);
	} else {
		*nrc = rtnl_class_alloc_cache(sk, ifindex, &e->cache);
		/* no filters (no HTB root yet) reads as "no shaping" */
		if (*nrc >= 0 && vnm_lnl_vni_map(sk, ifindex, &e->vnis, &e->n_vnis) < 0)
			e->n_vnis = 0;
	}
	if (*nrc < 0) {
		scache_clear(e);
		return NULL;
	}
	e->at = now;
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
	l = rtnl_link_get_by_name(links->cache, name);
	if (!l)
		return 0;
	idx = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return idx;
}

static void class_stats(struct vnm_lnl_scache *e, int idx, uint32_t classid,
			struct vnm_vl_counters *out)
{
	struct rtnl_class *cl;

	cl = rtnl_class_get(e->cache, idx, classid);
	if (cl) {
		out->drops += rtnl_tc_get_stat(TC_CAST(cl), RTNL_TC_DROPS);
		out->overlimits += rtnl_tc_get_stat(TC_CAST(cl), RTNL_TC_OVERLIMITS);
		rtnl_class_put(cl);
	}
}

static int plink_end_stats(struct vnm_lnl *c, const struct vnm_vl *vl,
			   const struct vnm_host_if *hif, struct vnm_vl_counters *out,
			   struct vnm_err *err)
{
	struct vnm_lnl_scache *e;
	struct nl_sock *sk;
	size_t i;
	int idx, nrc;

	if (!hif || !hif->host)
		return 0;
	if (vnm_lnl_sock(c, hif->host, &sk, err) < 0)
		return -1;
	idx = ifindex_of(c, sk, hif->ifname);
	if (idx <= 0)
		return 0;
	e = scache_fetch(c, sk, idx, &nrc);
	if (!e)
		return 0; /* no HTB (yet): no shaping counters */
	for (i = 0; i < e->n_vnis; i++) {
		if (e->vnis[i].vni == vl->vni) {
			class_stats(e, idx, e->vnis[i].classid, out);
			break;
		}
	}
	return 0;
}

/* The counters restarted when their source (end_a) is another interface
 * than last time (other index or namespace) or they went backwards:
 * record the time, as ietf-interfaces' discontinuity-time. */
static int64_t discontinuity(struct vnm_lnl *c, const struct vnm_vl *vl,
			     const struct vnm_vl_counters *now, ino_t ns)
{
	struct vnm_lnl_seen *s = NULL, *tmp;
	size_t i;

	for (i = 0; i < c->n_seen && !s; i++)
		if (!strcmp(c->seen[i].id, vl->id))
			s = &c->seen[i];
	if (!s) {
		tmp = realloc(c->seen, (c->n_seen + 1) * sizeof(*c->seen));
		if (!tmp)
			return (int64_t)time(NULL);
		c->seen = tmp;
		s = &c->seen[c->n_seen++];
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
	struct vnm_lnl_scache *links, *e;
	struct rtnl_link *l = NULL;
	struct nl_sock *sk;
	char where[200];
	size_t i;
	int rc = -1, nrc, idx;

	memset(out, 0, sizeof(*out));
	if (!ha)
		return 0;
	if (vnm_lnl_sock(c, ha, &sk, err) < 0)
		goto cleanup;
	links = scache_fetch(c, sk, 0, &nrc);
	if (!links) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read interfaces%s: %s",
			    vnm_lnl_where(ha, where, sizeof(where)), nl_geterror(nrc));
		goto cleanup;
	}
	l = rtnl_link_get_by_name(links->cache, vl->end_a);
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
	out->discontinuity = discontinuity(c, vl, out, vnm_lnl_ns_id(c, ha));
	if (ha == hb) {
		const char *ends[2] = {vl->end_a, vl->end_b};

		for (i = 0; i < 2; i++) {
			idx = ifindex_of(c, sk, ends[i]);
			if (idx > 0 && (e = scache_fetch(c, sk, idx, &nrc)))
				class_stats(e, idx, VNM_TC_ROOT | VNM_TC_PARENT_MINOR, out);
		}
	} else {
		for (i = 0; i < vl->n_plinks; i++) {
			if (plink_end_stats(c, vl, vl->plinks[i]->src, out, err) < 0 ||
			    plink_end_stats(c, vl, vl->plinks[i]->dst, out, err) < 0)
				goto cleanup;
		}
	}
	rc = 0;
cleanup:
	rtnl_link_put(l);
	if (rc < 0) {
		vnm_err_prefix(err, "link %s/%s", vl->vn->name, vl->name);
		vnm_lnl_path_vl(vl, err->path, sizeof(err->path));
	}
	return rc;
}
