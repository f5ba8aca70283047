/*
 * watch.c - the guarantee watch's decision (see watch.h).
 *
 * A direction of a VL is short over an interval when it had traffic
 * waiting (bytes queued in its classes at the reading, or drops that grew
 * since the last one) and carried less than VNM_WATCH_SHORT_PCT percent
 * of the guarantee: HTB gives a class its rate whenever it has packets,
 * so that only happens when what is under the class cannot take them (the
 * physical link's capacity is less than configured, another qdisc or a
 * changed class holds them back).  A VL that sends less than its
 * guarantee has nothing waiting and is not short; one that sends more is
 * not short either.  The tolerance keeps a VL limited at its guarantee,
 * which carries just about the guarantee with a queue, from flapping.
 */
#include "watch.h"

static bool dir_short(uint64_t guaranteed, uint64_t rate, bool waiting)
{
	return guaranteed && waiting && rate * 100 < guaranteed * VNM_WATCH_SHORT_PCT;
}

enum vnm_watch_change vnm_watch_step(struct vnm_watch_state *st, uint64_t guaranteed,
				     const struct vnm_vl_counters *ctr)
{
	uint64_t rate[2] = {0, 0};
	bool reset = false, any_short = false;
	int64_t dt;
	int d;

	if (st->have && ctr->read_ns <= st->at_ns)
		return VNM_WATCH_SAME;
	dt = ctr->read_ns - st->at_ns;
	for (d = 0; d < 2; d++)
		reset |= ctr->cls_octets[d] < st->octets[d] || ctr->cls_drops[d] < st->drops[d];
	if (st->have && !reset && dt > 0) {
		st->short_dir = -1;
		for (d = 0; d < 2; d++) {
			/* octets * 8e9 overflows past 2.3 GB an interval: divide first */
			uint64_t oct = ctr->cls_octets[d] - st->octets[d];

			rate[d] = (uint64_t)((double)oct * 8e9 / (double)dt);
			if (dir_short(guaranteed, rate[d],
				      ctr->cls_backlog[d] > 0 || ctr->cls_drops[d] > st->drops[d])) {
				any_short = true;
				if (st->short_dir < 0)
					st->short_dir = d;
			}
		}
		st->w.measured = true;
		st->w.interval_ms = (uint32_t)(dt / 1000000);
		st->w.rate_out = rate[0];
		st->w.rate_in = rate[1];
		st->w.met = !any_short;
	}
	st->have = true;
	st->at_ns = ctr->read_ns;
	for (d = 0; d < 2; d++) {
		st->octets[d] = ctr->cls_octets[d];
		st->drops[d] = ctr->cls_drops[d];
	}
	if (!st->w.measured || reset)
		return VNM_WATCH_SAME;
	if (!guaranteed) {
		/* nothing promised, nothing to violate: clear at once */
		st->short_run = st->ok_run = 0;
		st->w.met = true;
		if (!st->w.violated)
			return VNM_WATCH_SAME;
		st->w.violated = false;
		return VNM_WATCH_CLEARED;
	}
	if (any_short) {
		st->ok_run = 0;
		if (st->short_run < VNM_WATCH_RAISE_AFTER)
			st->short_run++;
		if (!st->w.violated && st->short_run >= VNM_WATCH_RAISE_AFTER) {
			st->w.violated = true;
			return VNM_WATCH_RAISED;
		}
		return VNM_WATCH_SAME;
	}
	st->short_run = 0;
	if (st->ok_run < VNM_WATCH_CLEAR_AFTER)
		st->ok_run++;
	if (st->w.violated && st->ok_run >= VNM_WATCH_CLEAR_AFTER) {
		st->w.violated = false;
		return VNM_WATCH_CLEARED;
	}
	return VNM_WATCH_SAME;
}
