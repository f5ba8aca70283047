/*
 * plan_sets.h - the planner's bookkeeping (private to plan.c): a set of
 * pointers, so that every object is visited once, and worklists of
 * old/new pairs.  Kept apart from the planning rules in plan.c.
 */
#ifndef VNM_PLAN_SETS_H
#define VNM_PLAN_SETS_H

#include <stdbool.h>
#include <stddef.h>

struct pset {
	const void **slot;
	size_t cap, n;
};

struct pair {
	const void *o, *n;
};

struct worklist {
	struct pair *v;
	size_t n, cap;
	struct pset seen;  /* keyed by n, or o when n is NULL */
};

struct vnm_plan_step;
struct vnm_step;

/* Append fwd (and inv, or nothing to undo) to the vector *v of *n steps
 * with room for *cap: 0, or -1 on memory.  The plan's vector and the
 * planner's per-phase ones grow alike. */
int plan_steps_push(struct vnm_plan_step **v, size_t *n, size_t *cap,
		    const struct vnm_step *fwd, const struct vnm_step *inv);

/* 1 when p was added, 0 when it was there, -1 on memory. */
int plan_pset_add(struct pset *s, const void *p);
bool plan_pset_has(const struct pset *s, const void *p);
void plan_pset_free(struct pset *s);
/* Add the pair (o, n) once (keyed by n, or o when n is NULL): 0 or -1. */
int plan_wl_add(struct worklist *w, const void *o, const void *n);
void plan_wl_free(struct worklist *w);

#endif
