/*
 * snapshot.c - freeing operational snapshots (core.h).  Apart from core.c
 * so that stand-ins for the core (tests/tools/snmp_fakecore.c) share it.
 */
#include <stdlib.h>

#include "core.h"

void vnm_snapshot_free(struct vnm_snapshot *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_vns; i++)
		free(s->vns[i].name);
	for (i = 0; i < s->n_vrs; i++) {
		free(s->vrs[i].vn);
		free(s->vrs[i].name);
		free(s->vrs[i].host);
		free(s->vrs[i].domain_name);
	}
	for (i = 0; i < s->n_vls; i++) {
		free(s->vls[i].vn);
		free(s->vls[i].name);
		free(s->vls[i].a_node);
		free(s->vls[i].a_tp);
		free(s->vls[i].b_node);
		free(s->vls[i].b_tp);
		free(s->vls[i].if_host);
		free(s->vls[i].if_netns);
	}
	free(s->vns);
	free(s->vrs);
	free(s->vls);
	free(s);
}

void vnm_snapshot_unref(struct vnm_snapshot *s)
{
	if (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
		vnm_snapshot_free(s);
}
