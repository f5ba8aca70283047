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

static int class_stats(struct nl_sock *sk, int idx, uint32_t classid,
		       struct vnm_vl_counters *out)
{
	struct nl_cache *cache = NULL;
	struct rtnl_class *cl;
	int rc;

	rc = rtnl_class_alloc_cache(sk, idx, &cache);
	if (rc < 0)
		return rc;
	cl = rtnl_class_get(cache, idx, classid);
	if (cl) {
		out->drops += rtnl_tc_get_stat(TC_CAST(cl), RTNL_TC_DROPS);
		out->overlimits += rtnl_tc_get_stat(TC_CAST(cl), RTNL_TC_OVERLIMITS);
		rtnl_class_put(cl);
	}
	nl_cache_free(cache);
	return 0;
}

static int plink_end_stats(struct vnm_lnl *c, const struct vnm_vl *vl,
			   const struct vnm_host_if *hif, struct vnm_vl_counters *out,
			   struct vnm_err *err)
{
	struct nl_sock *sk;
	uint32_t classid, node;
	int idx, rc;

	if (!hif || !hif->host)
		return 0;
	if (vnm_lnl_sock(c, hif->host, &sk, err) < 0)
		return -1;
	idx = vnm_lnl_ifindex(sk, hif->ifname);
	if (idx <= 0)
		return 0;
	rc = vnm_lnl_find_vl_class(sk, idx, vl->vni, &classid, &node);
	if (rc > 0)
		rc = class_stats(sk, idx, classid, out);
	/* no filter list (no HTB yet) reads as "no shaping" */
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
	struct nl_cache *links = NULL;
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
	nrc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
	if (nrc < 0) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read interfaces%s: %s",
			    vnm_lnl_where(ha, where, sizeof(where)), nl_geterror(nrc));
		goto cleanup;
	}
	l = rtnl_link_get_by_name(links, vl->end_a);
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
			idx = vnm_lnl_ifindex(sk, ends[i]);
			if (idx > 0)
				class_stats(sk, idx, VNM_TC_ROOT | VNM_TC_PARENT_MINOR, out);
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
	nl_cache_free(links);
	if (rc < 0) {
		vnm_err_prefix(err, "link %s/%s", vl->vn->name, vl->name);
		vnm_lnl_path_vl(vl, err->path, sizeof(err->path));
	}
	return rc;
}
