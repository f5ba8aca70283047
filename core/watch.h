/*
 * watch.h - the guarantee watch's decision, pure: one VL's readings of
 * its class counters in, its rates, whether the guarantee was met over
 * the interval and the hysteresis state out.  No clock, no driver, no
 * lock: the unit tests feed it readings (tests/unit/test_watch.c), the
 * core's glue (core_watch.c) feeds it snapshots.
 */
#ifndef VNM_WATCH_H
#define VNM_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "core.h"
#include "vnm_types.h"

struct vnm_watch_state {
	bool have;                 /* a previous reading */
	uint64_t octets[2], drops[2];
	int64_t at_ns;
	unsigned short_run, ok_run; /* intervals in a row short / not short */
	int short_dir;             /* the direction short in the last interval, or -1 */
	struct vnm_vl_watch w;     /* what readers see */
};

enum vnm_watch_change {
	VNM_WATCH_SAME = 0,
	VNM_WATCH_RAISED,
	VNM_WATCH_CLEARED,
};

/* Account one reading (ctr->read_ns, the classes' counters) of a VL with
 * guaranteed bit/s (0: none).  A reading no newer than the last one
 * changes nothing; counters that went backwards (classes made again)
 * start over without a verdict.  Returns whether violated changed. */
enum vnm_watch_change vnm_watch_step(struct vnm_watch_state *st, uint64_t guaranteed,
				     const struct vnm_vl_counters *ctr);

#endif
