/*
 * driver.c - the small helpers that driver.h declares for both tables:
 * the list of own objects found in reality, and state names.
 */
#include <stdlib.h>
#include <string.h>

#include "driver.h"

int
vnm_own_list_add(struct vnm_own_list *l, const struct vnm_own_obj *o)
{
	struct vnm_own_obj *n;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 8;
		n = realloc(l->objs, cap * sizeof(*n));
		if (!n)
			return -1;
		l->objs = n;
		l->cap = cap;
	}
	l->objs[l->n++] = *o;
	return 0;
}

void
vnm_own_list_free(struct vnm_own_list *l)
{
	if (!l)
		return;
	free(l->objs);
	l->objs = NULL;
	l->n = l->cap = 0;
}

void
vnm_peer_state_clear(struct vnm_peer_state *s)
{
	size_t i;

	for (i = 0; s && i < s->n_vrs; i++) {
		free(s->vrs[i].vn);
		free(s->vrs[i].name);
	}
	for (i = 0; s && i < s->n_vls; i++) {
		free(s->vls[i].vn);
		free(s->vls[i].name);
	}
	if (s) {
		free(s->vrs);
		free(s->vls);
		memset(s, 0, sizeof(*s));
	}
}

const char *
vnm_vr_oper_str(enum vnm_vr_oper s)
{
	switch (s) {
	case VNM_VR_ABSENT:
		return "absent";
	case VNM_VR_STOPPED:
		return "stopped";
	case VNM_VR_RUNNING:
		return "running";
	case VNM_VR_PAUSED:
		return "paused";
	case VNM_VR_CRASHED:
		return "crashed";
	case VNM_VR_UNKNOWN:
		break;
	}
	return "unknown";
}
