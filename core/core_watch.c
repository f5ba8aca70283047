/*
 * core_watch.c - the guarantee watch in the core: one decision state per
 * VL (watch.c decides), advanced by vnm_core_watch_tick() from the latest
 * snapshot's counters, copied into every snapshot taken afterwards, and
 * announced as VNM_EV_VL_GUARANTEE when a VL's violated state changes.
 *
 * The daemon's timer calls the tick; the snapshot thread only reads the
 * table.  Events wait for the snapshot that shows them, so that a manager
 * reading the link on receiving one sees the same state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_int.h"
#include "log.h"
#include "watch.h"

struct core_watch {
	char *vn, *name;
	struct vnm_watch_state st;
};

/* An announcement to make once the table is in place. */
struct watch_ev {
	char *vn, *name;
	bool violated;
	int dir;
	uint64_t guaranteed, rate_out, rate_in;
};

static int key_cmp(const char *vn1, const char *n1, const char *vn2, const char *n2)
{
	int r = strcmp(vn1, vn2);

	return r ? r : strcmp(n1, n2);
}

static void table_free(struct core_watch *t, size_t n)
{
	size_t i;

	for (i = 0; t && i < n; i++) {
		free(t[i].vn);
		free(t[i].name);
	}
	free(t);
}

void core_watch_free(struct vnm_core *c)
{
	table_free(c->watch, c->n_watch);
	c->watch = NULL;
	c->n_watch = 0;
}

void core_watch_fill(struct vnm_core *c, struct vnm_snapshot *s)
{
	size_t i = 0, j = 0;
	int r;

	pthread_mutex_lock(&c->wlock);
	while (i < c->n_watch && j < s->n_vls) {
		r = key_cmp(c->watch[i].vn, c->watch[i].name, s->vls[j].vn, s->vls[j].name);
		if (r < 0) {
			i++;
		} else if (r > 0) {
			j++;
		} else {
			s->vls[j].watch = c->watch[i].st.w;
			i++;
			j++;
		}
	}
	pthread_mutex_unlock(&c->wlock);
}

/* Wait (at most 2 s) until a snapshot taken after `after` is published. */
static void wait_published(struct vnm_core *c, const struct timespec *after)
{
	struct timespec until;

	core_kick(c);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_mutex_lock(&c->slock);
	while (c->snap && !c->stop &&
	       (c->snap->taken.tv_sec < after->tv_sec ||
		(c->snap->taken.tv_sec == after->tv_sec && c->snap->taken.tv_nsec <= after->tv_nsec))) {
		if (pthread_cond_timedwait(&c->pubcond, &c->slock, &until) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&c->slock);
}

static void announce(struct vnm_core *c, const struct watch_ev *w)
{
	struct vnm_event ev;
	char reason[256];

	memset(&ev, 0, sizeof(ev));
	ev.kind = VNM_EV_VL_GUARANTEE;
	ev.vn = w->vn;
	ev.obj = w->name;
	ev.violated = w->violated;
	ev.guaranteed = w->guaranteed;
	ev.rate_out = w->rate_out;
	ev.rate_in = w->rate_in;
	if (w->violated)
		snprintf(reason, sizeof(reason),
			 "carried %llu kbit/s %s of %llu kbit/s guaranteed with traffic waiting, "
			 "%d intervals in a row",
			 (unsigned long long)((w->dir == 1 ? w->rate_in : w->rate_out) / 1000),
			 w->dir == 1 ? "toward the source router" : "toward the destination router",
			 (unsigned long long)(w->guaranteed / 1000), VNM_WATCH_RAISE_AFTER);
	else
		snprintf(reason, sizeof(reason), "guarantee met for %d intervals in a row",
			 VNM_WATCH_CLEAR_AFTER);
	ev.reason = reason;
	vnm_log(w->violated ? VNM_LOG_WARNING : VNM_LOG_INFO, "link %s/%s: guarantee %s: %s",
		w->vn, w->name, w->violated ? "violated" : "met again", reason);
	core_emit(c, &ev);
}

/*
 * The snapshot published last, not one of the running generation: the
 * watch measures counters between two reads (a VL whose counters were not
 * read again since the last tick is left as it is, vnm_watch_step), and a
 * read-your-writes snapshot asked for a refresh at every tick during a
 * stream of rate changes made in place (each a new generation): at 10,000
 * VLs with per-link ends that refresh took 24 ms once a second and slowed
 * the five changes beside it 3-8 ms each (the p99 of the flat change).
 */
void vnm_core_watch_tick(struct vnm_core *c)
{
	struct vnm_snapshot *s = core_snapshot_latest(c);
	struct core_watch *t = NULL, *old;
	struct watch_ev *evs = NULL;
	struct timespec now;
	size_t i, j = 0, n_old, n_ev = 0;
	enum vnm_watch_change ch;
	bool oom = false;
	int r;

	if (!s)
		return;
	if (s->n_vls) {
		t = calloc(s->n_vls, sizeof(*t));
		evs = calloc(s->n_vls, sizeof(*evs));
		if (!t || !evs)
			goto nomem;
	}
	/* the old table's states carried over by name: both sorted alike.
	 * Only this function replaces the table, so reading it unlocked is
	 * safe; the lock guards the swap against core_watch_fill. */
	old = c->watch;
	n_old = c->n_watch;
	for (i = 0; i < s->n_vls; i++) {
		const struct vnm_snap_vl *l = &s->vls[i];

		t[i].vn = strdup(l->vn);
		t[i].name = strdup(l->name);
		if (!t[i].vn || !t[i].name)
			oom = true;
		while (j < n_old && (r = key_cmp(old[j].vn, old[j].name, l->vn, l->name)) < 0)
			j++;
		if (j < n_old && !key_cmp(old[j].vn, old[j].name, l->vn, l->name)) {
			t[i].st = old[j].st;
		} else {
			t[i].st.w.met = true;
			t[i].st.short_dir = -1;
		}
		ch = vnm_watch_step(&t[i].st, l->guaranteed, &l->ctr);
		if (ch == VNM_WATCH_SAME)
			continue;
		evs[n_ev] = (struct watch_ev){.vn = strdup(l->vn), .name = strdup(l->name),
					      .violated = ch == VNM_WATCH_RAISED,
					      .dir = t[i].st.short_dir,
					      .guaranteed = l->guaranteed,
					      .rate_out = t[i].st.w.rate_out,
					      .rate_in = t[i].st.w.rate_in};
		if (!evs[n_ev].vn || !evs[n_ev].name)
			oom = true;
		n_ev++;
	}
	if (oom)
		goto nomem;
	pthread_mutex_lock(&c->wlock);
	c->watch = t;
	c->n_watch = s->n_vls;
	pthread_mutex_unlock(&c->wlock);
	table_free(old, n_old);
	t = NULL;
	if (n_ev) {
		clock_gettime(CLOCK_REALTIME, &now);
		wait_published(c, &now);
		for (i = 0; i < n_ev; i++)
			announce(c, &evs[i]);
	}
	goto cleanup;
nomem:
	vnm_log(VNM_LOG_ERR, "out of memory in the guarantee watch: this interval is skipped");
	table_free(t, s->n_vls);
cleanup:
	for (i = 0; evs && i < n_ev; i++) {
		free(evs[i].vn);
		free(evs[i].name);
	}
	free(evs);
	vnm_snapshot_unref(s);
}
