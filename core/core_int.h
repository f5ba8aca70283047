/*
 * core_int.h - the core's state, shared by the files that implement
 * core.h (private to core/).
 *
 * core.c       life cycle, model references, events
 * commit.c     validation, commit, the running and startup datastores
 * core_snap.c  the operational snapshot: taking, refreshing, announcing
 *
 * Locks, always taken in this order and never held across a callback:
 *   txn    one configuration change at a time; held for a whole
 *          transaction.
 *   startup the startup file (reading it never waits for a commit).
 *   mlock  the running tree, its model and the generation; held only to
 *          read or swap pointers (and to copy the running tree), so that
 *          readers never wait for a transaction.
 *   slock  the published snapshot and the snapshot thread's wake-up.
 *   sublock the event subscribers.
 *   wlock  the guarantee watch's table (taken alone).
 * The model is reference-counted: the snapshot thread reads one while a
 * commit may replace it.
 */
#ifndef VNM_CORE_INT_H
#define VNM_CORE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core.h"
#include "driver.h"
#include "model.h"

struct model_ref {
	struct vnm_model *m;
	int refs; /* under mlock */
};

struct sub {
	vnm_event_cb cb;
	void *arg;
};

/* A state a driver event already announced, so that the snapshot thread
 * does not announce it twice. */
struct announced {
	char vn[128], vr[128];
	enum vnm_vr_oper state;
	int64_t at_ms; /* CLOCK_MONOTONIC */
};

/* A driver's router event the snapshots did not match within this long
 * never will (its router went, or its state was another by the time a
 * snapshot looked): forgotten, so that the list follows what happens now
 * and not every router that ever came and went. */
#define CORE_ANN_MAX_AGE_MS 60000

/* leaves changed in place that readers can catch up with (vnm_core_leaves_since) */
#define CORE_ILOG_MAX 64

struct vnm_core {
	struct ly_ctx *ctx;
	char *state_dir;
	struct vnm_drivers drv;
	const struct vnm_uri_policy *uris; /* not owned (vnm_core_opts) */
	const char *local_host;   /* not owned (vnm_core_opts); NULL: all */
	const struct vnm_peer_policy *peers; /* not owned (vnm_core_opts) */
	unsigned peer_timeout_s;
	struct vnm_link_caps caps;
	unsigned refresh_ms;

	pthread_mutex_t txn;
	pthread_mutex_t startup; /* the startup file and the pending-commit record;
				  * never held with txn */

	pthread_mutex_t mlock;
	struct lyd_node *running;
	struct model_ref *model;
	uint64_t generation;
	/* the leaves changed in place (inplace.c) in generations (ilog_base,
	 * ilog_top], for readers that derive text of running from an older
	 * generation's (vnm_core_leaves_since); it speaks for running while
	 * ilog_top == generation: any other commit replaces running and
	 * leaves it behind */
	struct core_ilog {
		uint64_t gen;
		const struct lyd_node *parent;    /* the virtual-link container */
		const struct lysc_node *schema;   /* the leaf */
	} ilog[CORE_ILOG_MAX];
	size_t n_ilog;
	uint64_t ilog_base, ilog_top;
	bool ilog_valid;

	pthread_mutex_t slock;
	pthread_cond_t scond;
	pthread_cond_t pubcond;  /* a new snapshot was published */
	pthread_t thread;
	bool thread_started, stop, kick;
	bool kick_full;          /* a driver event: read every object again */
	bool repair_owed;        /* repair (below) as the snapshot thread sees it */
	unsigned full_cost_ms;   /* CPU time of the last full refresh */
	int64_t commit_ns;       /* CLOCK_MONOTONIC of the last commit */
	struct vnm_snapshot *snap;
	struct gathered *gath;   /* participants' state (core_gather.c) */
	size_t n_gath;
	struct announced *ann;
	size_t n_ann, cap_ann;
	int64_t ann_max_age_ms;  /* CORE_ANN_MAX_AGE_MS; tests set less */

	pthread_mutex_t sublock;
	struct sub *subs;
	size_t n_subs;

	/* the guarantee watch (core_watch.c): one entry per VL, sorted as
	 * snapshots sort VLs; held only to read or replace the table */
	pthread_mutex_t wlock;
	struct core_watch *watch;
	size_t n_watch;

	/* under txn: a transaction failed part-way, so reality may differ
	 * from running (an undo that could not reach libvirtd, objects the
	 * kernel dropped with a vanished interface); repaired by
	 * reconciliation, see core_repair */
	bool repair;
	uint64_t repair_tried_ms; /* CLOCK_MONOTONIC of the last attempt */

	/* the journal of running (wal.h): jseq, the last sequence number
	 * given out, and wal_size under txn; file_seq (what running.xml
	 * holds) under jlock, which is taken after txn or alone */
	pthread_mutex_t jlock;
	uint64_t jseq, file_seq;
	size_t wal_size;
	size_t file_size;        /* of running.xml at its last save (jlock) */
	/* the thread that folds the journal into running.xml (core_wal.c) */
	pthread_mutex_t clock_;
	pthread_cond_t ccond;
	pthread_t cthread;
	bool cthread_started, cstop, cwant;
};

/* coord.c: the network-wide transaction of a commit (driver.h's
 * vnm_peer_ops).  core_coord_check: the management addresses and keys of
 * m are the operator's (a participant, with local_host, skips it).
 * core_coord_prepare: when m has participants, their confirmed commits
 * of cfg (co->active then); core_coord_end: confirm them (ok) or cancel
 * them; nothing when !co->active. */
struct core_coord {
	bool active;
	char txid[64];
};
int core_coord_check(const struct vnm_core *c, const struct vnm_model *m, struct vnm_err *err);
int core_coord_prepare(struct vnm_core *c, const struct vnm_model *old, const struct vnm_model *m,
		       const struct lyd_node *cfg,
		       uint64_t gen, struct core_coord *co, struct vnm_err *err);
void core_coord_end(struct vnm_core *c, struct core_coord *co, bool ok);
bool core_has_participants(const struct vnm_core *c, const struct vnm_model *m);
/* At start: the participants get the coordinator's running (resync). */
void core_coord_resync(struct vnm_core *c);

/* core_wal.c: save running whole (journal folded in, then trimmed); start
 * and stop the compaction thread; ask it to run when the journal grew. */
int core_save_running(struct vnm_core *c, const struct lyd_node *cfg, struct vnm_err *err);
int core_wal_start(struct vnm_core *c, struct vnm_err *err);
void core_wal_stop(struct vnm_core *c);
void core_wal_grew(struct vnm_core *c);

/* core.c: a counted reference to a model (refs start at 1); get takes one
 * under mlock, put drops one and frees the model with the last. */
struct model_ref *core_model_ref_new(struct vnm_model *m);
struct model_ref *core_model_get(struct vnm_core *c);
void core_model_put(struct vnm_core *c, struct model_ref *r);
/* core.c: call every subscriber with ev (outside sublock). */
void core_emit(struct vnm_core *c, const struct vnm_event *ev);
/* commit.c: after a commit to generation gen (locks released): the
 * configuration event to subscribers and the snapshot's refresh. */
/* After commit gen: the configuration event, and a snapshot refresh at
 * once, or (lazy) when a reader asks for the new generation. */
void core_committed(struct vnm_core *c, uint64_t gen, bool lazy);
/* CLOCK_MONOTONIC in nanoseconds. */
int64_t core_mono_ns(void);
/* core.c: wake the snapshot thread for a refresh of what a commit changed. */
void core_kick(struct vnm_core *c);

/* The link driver's table of encapsulations (none without a link driver:
 * capacities are then counted without overhead). */
static inline vnm_encap_overhead_fn core_encap_overhead(const struct vnm_core *c)
{
	return c->drv.link ? c->drv.link->encap_overhead : NULL;
}

/* commit.c: *out = a copy of t (NULL for NULL).  Returns 0 or -1 (memory). */
int core_dup_tree(const struct lyd_node *t, struct lyd_node **out, struct vnm_err *err);

/* core_snap.c: a snapshot of the running model (NULL: out of memory); with
 * prev, objects configured as in prev keep prev's driver state. */
struct vnm_snapshot *core_snapshot_take(struct vnm_core *c, const struct vnm_snapshot *prev);
/* The snapshot published last, as it is: no refresh asked for, no wait
 * for the running generation (vnm_core_snapshot's read-your-writes). */
struct vnm_snapshot *core_snapshot_latest(struct vnm_core *c);
/* core_watch.c: copy the watch's state of each VL into s (sorted);
 * free the table. */
void core_watch_fill(struct vnm_core *c, struct vnm_snapshot *s);
void core_watch_free(struct vnm_core *c);

/* core_snap.c: the snapshot thread (arg: the core), until c->stop. */
void *core_snapshot_thread(void *arg);

/* commit.c: after a failed transaction, reconcile reality with running
 * (adopt, create what is missing, remove own leftovers); clears c->repair
 * and c->repair_owed when complete.  core_repair_owe: txn held, a
 * transaction failed part-way (sets both, wakes the snapshot thread);
 * core_repair_locked: txn held, always tries; core_repair: from the
 * snapshot thread, never waits for txn and tries at most every
 * VNM_REPAIR_PERIOD_MS, which is also how often that thread comes for it
 * while one is owed. */
#define VNM_REPAIR_PERIOD_MS 2000
void core_repair_owe(struct vnm_core *c);
void core_repair_locked(struct vnm_core *c);
void core_repair(struct vnm_core *c);

/* core_gather.c: the participants' own state (one vnmd per RM), read
 * by the snapshot thread through the peer driver. */
void core_gather(struct vnm_core *c, const struct vnm_model *m);
/* The state of router vn/vr (of counters of link vn/vl) as host's vnmd
 * reported it: its age in ms, or -1 when none was read. */
int64_t core_gather_vr(struct vnm_core *c, const char *host, const char *vn, const char *vr,
		       struct vnm_vr_status *out);
int64_t core_gather_vl(struct vnm_core *c, const char *host, const char *vn, const char *vl,
		       struct vnm_vl_counters *out);
void core_gather_free(struct vnm_core *c);

#endif
