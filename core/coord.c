/*
 * coord.c - a commit as a network-wide transaction (issue: one vnmd per
 * RM).  A vnmd started without --host whose configuration names hosts
 * with a management address coordinates: before its own share is applied,
 * every participant's vnmd holds the whole new configuration as a
 * confirmed commit (prepare, through the peer driver); after the local
 * apply and save, all are confirmed; any failure cancels the others.  A
 * coordinator that dies between the two leaves every participant rolling
 * back at the confirm-timeout, by itself.
 *
 * Also here: the hostile-client rule for management addresses.  Nothing a
 * NETCONF client writes may make vnmd reach a host the operator did not
 * allow, so addresses and key names are checked against --allow-peer and
 * --peer-key before anything changes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libyang/libyang.h>

#include "core_int.h"
#include "log.h"
#include "peer_policy.h"

int core_coord_check(const struct vnm_core *c, const struct vnm_model *m, struct vnm_err *err)
{
	/* a participant is reached, it reaches no one */
	if (c->local_host)
		return 0;
	return vnm_peer_check_model(c->peers, m, NULL, NULL, err);
}

/* The ietf-network part of cfg as XML (NULL: there is none). */
static int print_networks(const struct lyd_node *cfg, char **out, struct vnm_err *err)
{
	const struct lyd_node *top;

	*out = NULL;
	LY_LIST_FOR(cfg, top) {
		if (!top->schema || strcmp(top->schema->module->name, "ietf-network"))
			continue;
		if (lyd_print_mem(out, top, LYD_XML, LYD_PRINT_SHRINK) != LY_SUCCESS)
			return vnm_err_set(err, VNM_E_NOMEM, NULL,
					   "cannot print the configuration for the participants");
		return 0;
	}
	return 0;
}

bool core_has_participants(const struct vnm_core *c, const struct vnm_model *m)
{
	size_t i;

	for (i = 0; !c->local_host && m && i < m->n_hosts; i++) {
		if (vnm_host_participant(&m->hosts[i]))
			return true;
	}
	return false;
}

int core_coord_prepare(struct vnm_core *c, const struct vnm_model *old, const struct vnm_model *m,
		       const struct lyd_node *cfg, uint64_t gen, struct core_coord *co,
		       struct vnm_err *err)
{
	const struct vnm_host *part = NULL;
	uint32_t rnd = 0;
	char *xml = NULL;
	size_t i, n = 0;
	int rc;

	co->active = false;
	for (i = 0; !c->local_host && i < m->n_hosts; i++) {
		if (vnm_host_participant(&m->hosts[i]) && n++ == 0)
			part = &m->hosts[i];
	}
	/* one that leaves the network (or its management address) gets the
	 * configuration without itself: it removes its share */
	for (i = 0; !c->local_host && old && i < old->n_hosts; i++) {
		const struct vnm_host *h = vnm_model_host(m, old->hosts[i].name);

		if (vnm_host_participant(&old->hosts[i]) && !vnm_host_participant(h) && n++ == 0)
			part = &old->hosts[i];
	}
	if (!n)
		return 0;
	if (!c->drv.peer)
		return vnm_err_set(err, VNM_E_UNSUPPORTED, NULL,
				   "host %s has a management address, but this vnmd has no "
				   "peer driver to reach it", part->name);
	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rnd = (uint32_t)gen * 2654435761u;
	snprintf(co->txid, sizeof(co->txid), "vnmd-%" PRIu64 "-%08" PRIx32, gen, rnd);
	if (print_networks(cfg, &xml, err))
		return -1;
	vnm_log(VNM_LOG_INFO, "commit %" PRIu64 ": network-wide transaction %s with %zu "
		"participant(s)", gen, co->txid, n);
	rc = c->drv.peer->prepare(c->drv.peer_ctx, old, m, xml, co->txid, c->peer_timeout_s, err);
	free(xml);
	if (rc)
		return -1;
	co->active = true;
	return 0;
}

void core_coord_end(struct vnm_core *c, struct core_coord *co, bool ok)
{
	struct vnm_err e;

	if (!co->active)
		return;
	co->active = false;
	if (!ok) {
		c->drv.peer->cancel(c->drv.peer_ctx, co->txid);
		vnm_log(VNM_LOG_NOTICE, "transaction %s cancelled on the participants", co->txid);
		return;
	}
	vnm_err_clear(&e);
	if (c->drv.peer->confirm(c->drv.peer_ctx, co->txid, &e))
		vnm_log(VNM_LOG_WARNING, "transaction %s committed; %s", co->txid, e.msg);
}

void core_coord_resync(struct vnm_core *c)
{
	struct vnm_err e;
	char *xml = NULL;

	if (!c->drv.peer || !c->drv.peer->resync || !core_has_participants(c, c->model->m))
		return;
	vnm_err_clear(&e);
	if (print_networks(c->running, &xml, &e)) {
		vnm_log(VNM_LOG_WARNING, "the participants are not given the running configuration "
			"at start: %s", e.msg);
		return;
	}
	vnm_log(VNM_LOG_INFO, "giving the participants the running configuration (start)");
	c->drv.peer->resync(c->drv.peer_ctx, c->model->m, xml);
	free(xml);
}
