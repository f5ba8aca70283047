/*
 * plan_sets.c - the planner's bookkeeping: the plan's vector of steps
 * (plan.h), a set of pointers (open addressing) and worklists of old/new
 * pairs (plan_sets.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "plan_sets.h"

/* ------------------------------------------------------------------ */
/* Plans                                                               */
/* ------------------------------------------------------------------ */

struct vnm_plan *vnm_plan_new(void)
{
	return calloc(1, sizeof(struct vnm_plan));
}

void vnm_plan_free(struct vnm_plan *p)
{
	if (!p)
		return;
	free(p->steps);
	free(p);
}

int plan_steps_push(struct vnm_plan_step **v, size_t *n, size_t *cap,
		    const struct vnm_step *fwd, const struct vnm_step *inv)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct vnm_plan_step *nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	memset(&(*v)[*n], 0, sizeof((*v)[*n]));
	(*v)[*n].fwd = *fwd;
	if (inv)
		(*v)[*n].inv = *inv;
	(*n)++;
	return 0;
}

int vnm_plan_add(struct vnm_plan *p, const struct vnm_step *fwd, const struct vnm_step *inv,
		 struct vnm_err *err)
{
	if (plan_steps_push(&p->steps, &p->n, &p->cap, fwd, inv))
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory planning a change");
	return 0;
}

/* ------------------------------------------------------------------ */
/* A set of pointers (open addressing), to visit every object once     */
/* ------------------------------------------------------------------ */


static size_t pset_hash(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

static int pset_grow(struct pset *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 64, i, j;
	const void **ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -1;
	for (i = 0; i < s->cap; i++) {
		if (!s->slot[i])
			continue;
		for (j = pset_hash(s->slot[i], ncap); ns[j]; j = (j + 1) & (ncap - 1))
			;
		ns[j] = s->slot[i];
	}
	free(s->slot);
	s->slot = ns;
	s->cap = ncap;
	return 0;
}

/* 1: added, 0: already there, -1: no memory. */
int plan_pset_add(struct pset *s, const void *p)
{
	size_t j;

	if ((s->n + 1) * 2 > s->cap && pset_grow(s))
		return -1;
	for (j = pset_hash(p, s->cap); s->slot[j]; j = (j + 1) & (s->cap - 1)) {
		if (s->slot[j] == p)
			return 0;
	}
	s->slot[j] = p;
	s->n++;
	return 1;
}

bool plan_pset_has(const struct pset *s, const void *p)
{
	size_t j;

	if (!s->cap)
		return false;
	for (j = pset_hash(p, s->cap); s->slot[j]; j = (j + 1) & (s->cap - 1)) {
		if (s->slot[j] == p)
			return true;
	}
	return false;
}

void plan_pset_free(struct pset *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------------ */
/* Worklists of old/new pairs                                          */
/* ------------------------------------------------------------------ */



int plan_wl_add(struct worklist *w, const void *o, const void *n)
{
	struct pair *nv;
	int r;

	if (!o && !n)
		return 0;
	r = plan_pset_add(&w->seen, n ? n : o);
	if (r <= 0)
		return r;
	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 32;

		nv = realloc(w->v, ncap * sizeof(*nv));
		if (!nv)
			return -1;
		w->v = nv;
		w->cap = ncap;
	}
	w->v[w->n].o = o;
	w->v[w->n].n = n;
	w->n++;
	return 0;
}

void plan_wl_free(struct worklist *w)
{
	free(w->v);
	plan_pset_free(&w->seen);
}

