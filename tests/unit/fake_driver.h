/*
 * fake_driver.h - both driver tables over an in-memory world, for unit tests.
 *
 * The world holds domains, interfaces (vNIC port bridges, VL ends), HTB
 * roots on physical interfaces (qdiscs) and VL shapings, each on a host.
 * Operations check what the real ones would need (a domain is undefined
 * only when shut off, a running domain needs its port bridges, a shaping
 * needs its VL's ends and its physical link's root...), record the result
 * and count calls.  Any mutating call can be made to fail: the Nth one
 * (fake_fail_at), every one from the Nth on (fake_fail_from), or every call
 * of one operation (fake_fail_op).
 *
 * fake_dump() prints the world as sorted lines, so that two worlds compare
 * with one string comparison (generations in domain tags are left out:
 * undo redefines with the old generation).
 */
#ifndef VNM_FAKE_DRIVER_H
#define VNM_FAKE_DRIVER_H

#include <stdbool.h>

#include "driver.h"

struct fake_world;

struct fake_world *fake_world_new(void);
void fake_world_free(struct fake_world *fw);

/* Both tables, with fw as their context. */
void fake_drivers(struct fake_world *fw, struct vnm_drivers *out);
extern const struct vnm_hv_ops fake_hv_ops;
extern const struct vnm_link_ops fake_link_ops;

/* What probe reports (default: everything but netem, as on this kernel). */
void fake_set_caps(struct fake_world *fw, const struct vnm_link_caps *caps);

/* Failure injection; 0 disables.  Counted over mutating calls since the
 * last fake_reset_counts(). */
void fake_fail_at(struct fake_world *fw, unsigned n);
void fake_fail_from(struct fake_world *fw, unsigned n);
/* Every call of the named operation ("vl_shape", "vr_define"...) fails;
 * NULL disables. */
void fake_fail_op(struct fake_world *fw, const char *op);

/* Make the next call of op wait at a gate (outside the world's lock)
 * until fake_gate_open(); fake_gate_reached() waits until a call is there.
 * For tests that need a transaction in progress. */
void fake_gate(struct fake_world *fw, const char *op);
void fake_gate_reached(struct fake_world *fw);
void fake_gate_open(struct fake_world *fw);

void fake_reset_counts(struct fake_world *fw);
/* Mutating calls (everything but probe, vr_status, vl_counters, list_own). */
unsigned fake_calls(const struct fake_world *fw);
/* Calls of one operation by name, mutating or not. */
unsigned fake_count(const struct fake_world *fw, const char *op);

/* The world as sorted lines; caller frees. */
char *fake_dump(struct fake_world *fw);
/* Number of objects of a kind ("dom", "if", "qdisc", "shape"). */
unsigned fake_n(struct fake_world *fw, const char *kind);

/* Put an object into the world directly: a foreign one (own false) or an
 * own leftover.  kind: "dom", "if" or "qdisc".  For own domains vn/obj are
 * the tag; for own interfaces too. */
int fake_put(struct fake_world *fw, const char *kind, const char *host, const char *name,
	     const char *vn, const char *obj, bool own);
bool fake_has(struct fake_world *fw, const char *kind, const char *host, const char *name);
int fake_remove(struct fake_world *fw, const char *kind, const char *host, const char *name);
/* State of a domain; VNM_VR_ABSENT when there is none. */
enum vnm_vr_oper fake_domain_state(struct fake_world *fw, const char *host,
				   const char *name);
/* Change a domain's state behind the core's back and report it through the
 * event callback, like a crash or a shutdown from inside. */
void fake_vr_event(struct fake_world *fw, const char *host, const char *name,
		   enum vnm_vr_oper state, const char *reason);
/* A domain (own, tagged vn/obj) that another vnmd migrates to host: its
 * vr_arrival reports nothing for polls polls, then the domain is there
 * paused (underway), then running (done). */
void fake_arrive_after(struct fake_world *fw, const char *host, const char *name,
		       const char *vn, const char *obj, int polls);

#endif
