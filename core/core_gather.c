/*
 * core_gather.c - the coordinator's view of the other RMs (one vnmd per
 * RM): the state each participant's vnmd reports of its share (the peer
 * driver's read_state: its routers and its VLs' counters), kept per host
 * and read again as often as the snapshot is refreshed (every 500 ms by
 * default, so that an SNMP poller sees counters about a second old), but
 * at most a tenth of the time per host (a large share takes longer to
 * read), so that the coordinator's <get> and MIB show the whole network
 * with the age of what they show.
 *
 * Only the snapshot thread reads and refreshes the cache: no lock.  A
 * participant that does not answer keeps its last state (growing older)
 * and is tried again at the next interval; its failure is logged once.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_int.h"
#include "log.h"

struct gathered {
	char *host;
	struct vnm_peer_state st;
	int64_t read_ns;          /* CLOCK_MONOTONIC of the last good read; 0: none */
	int64_t tried_ns;         /* of the last attempt */
	int64_t cost_ns;          /* how long the last read took */
	bool failing;             /* the last attempt failed (logged) */
};

/* The reported routers and links, ordered by (network, name) once per
 * read, so that each lookup of a snapshot is a binary search (the
 * snapshot looks every object up: a scan would be quadratic). */
static int cmp_vr(const void *a, const void *b)
{
	const struct vnm_peer_vr *x = a, *y = b;
	int r = strcmp(x->vn, y->vn);

	return r ? r : strcmp(x->name, y->name);
}

static int cmp_vl(const void *a, const void *b)
{
	const struct vnm_peer_vl *x = a, *y = b;
	int r = strcmp(x->vn, y->vn);

	return r ? r : strcmp(x->name, y->name);
}

static struct gathered *entry(struct vnm_core *c, const char *host, bool make)
{
	struct gathered *g;
	size_t i;

	for (i = 0; i < c->n_gath; i++) {
		if (!strcmp(c->gath[i].host, host))
			return &c->gath[i];
	}
	if (!make)
		return NULL;
	g = realloc(c->gath, (c->n_gath + 1) * sizeof(*g));
	if (!g)
		return NULL;
	c->gath = g;
	g = &c->gath[c->n_gath];
	memset(g, 0, sizeof(*g));
	if (!(g->host = strdup(host)))
		return NULL;
	c->n_gath++;
	return g;
}

void core_gather(struct vnm_core *c, const struct vnm_model *m)
{
	const struct vnm_peer_ops *ops = c->drv.peer;
	struct vnm_peer_state st;
	struct gathered *g;
	struct vnm_err e;
	int64_t now = core_mono_ns();
	size_t i;

	if (!ops || !ops->read_state || c->local_host)
		return;
	for (i = 0; i < m->n_hosts; i++) {
		const struct vnm_host *h = &m->hosts[i];

		if (!vnm_host_participant(h) || !(g = entry(c, h->name, true)))
			continue;
		if (g->tried_ns && now - g->tried_ns < (int64_t)c->refresh_ms * 900000LL)
			continue;
		if (g->tried_ns && now - g->tried_ns < g->cost_ns * 10)
			continue;
		g->tried_ns = now;
		vnm_err_clear(&e);
		if (ops->read_state(c->drv.peer_ctx, h, &st, &e)) {
			if (!g->failing)
				vnm_log(VNM_LOG_WARNING, "%s (its routers and links show their last "
					"known state, with its age)", e.msg);
			g->failing = true;
			continue;
		}
		if (g->failing)
			vnm_log_info("host %s: its vnmd answers reads again", h->name);
		g->failing = false;
		vnm_peer_state_clear(&g->st);
		if (st.n_vrs)
			qsort(st.vrs, st.n_vrs, sizeof(*st.vrs), cmp_vr);
		if (st.n_vls)
			qsort(st.vls, st.n_vls, sizeof(*st.vls), cmp_vl);
		g->st = st;
		g->read_ns = core_mono_ns();
		g->cost_ns = g->read_ns - now;
	}
}

/* Age in ms of what host's entry holds; -1 when nothing was read. */
static int64_t age_ms(const struct gathered *g)
{
	return g && g->read_ns ? (core_mono_ns() - g->read_ns) / 1000000LL : -1;
}

int64_t core_gather_vr(struct vnm_core *c, const char *host, const char *vn, const char *vr,
		       struct vnm_vr_status *out)
{
	struct gathered *g = entry(c, host, false);
	struct vnm_peer_vr key = {.vn = (char *)vn, .name = (char *)vr}, *f;

	if (!g || !g->read_ns || !g->st.n_vrs ||
	    !(f = bsearch(&key, g->st.vrs, g->st.n_vrs, sizeof(key), cmp_vr)))
		return -1;
	*out = f->st;
	return age_ms(g);
}

int64_t core_gather_vl(struct vnm_core *c, const char *host, const char *vn, const char *vl,
		       struct vnm_vl_counters *out)
{
	struct gathered *g = entry(c, host, false);
	struct vnm_peer_vl key = {.vn = (char *)vn, .name = (char *)vl}, *f;

	if (!g || !g->read_ns || !g->st.n_vls ||
	    !(f = bsearch(&key, g->st.vls, g->st.n_vls, sizeof(key), cmp_vl)))
		return -1;
	*out = f->ctr;
	return age_ms(g);
}

void core_gather_free(struct vnm_core *c)
{
	size_t i;

	for (i = 0; i < c->n_gath; i++) {
		free(c->gath[i].host);
		vnm_peer_state_clear(&c->gath[i].st);
	}
	free(c->gath);
	c->gath = NULL;
	c->n_gath = 0;
}
