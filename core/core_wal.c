/*
 * core_wal.c - running.xml and its journal (wal.h) as the core keeps them:
 * a whole save (a commit of the whole tree, the start, the stop) writes
 * running.xml with the journal's sequence number and empties the journal;
 * edits made in place append to the journal (inplace.c); a thread folds
 * the journal into running.xml once it passes VNM_WAL_COMPACT bytes and
 * half of running.xml's,
 * without holding up commits while it prints.
 *
 * Crash safety: running.xml is replaced atomically (store.c) and names the
 * last journal record it holds; records up to it are skipped at load.  So
 * a crash between any two of the steps below loses nothing acknowledged:
 *   compaction: [txn] copy running, note seq S, rename the journal (records
 *   <= S) aside; [jlock] save running.xml with S; remove the journal set
 *   aside.  Load replays the one aside, then the journal.
 * Edits wait for the copy and a rename only: the fold used to read the
 * journal, write its tail to a new file and fsync both under txn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libyang/libyang.h>

#include "core_int.h"
#include "log.h"
#include "store.h"
#include "wal.h"

/* The journal is folded into running.xml when it is this big, or half as
 * big as running.xml: a fold copies and prints all of running (at 10,000
 * VLs the copy held the edits up 5 ms), so its cost is spread over as
 * many bytes of journal as it writes, whatever the size. */
#define VNM_WAL_COMPACT (256 * 1024)

/* Save cfg as running.xml holding every record up to seq (jlock held). */
static int save_seq(struct vnm_core *c, const struct lyd_node *cfg, uint64_t seq,
		    struct vnm_err *err)
{
	char head[80], path[4096];
	struct stat st;

	vnm_wal_header(head, sizeof(head), seq);
	if (vnm_store_save_head(c->state_dir, VNM_STORE_RUNNING, head, cfg, err))
		return -1;
	c->file_seq = seq;
	snprintf(path, sizeof(path), "%s/%s", c->state_dir, VNM_STORE_RUNNING);
	__atomic_store_n(&c->file_size, stat(path, &st) ? 0 : (size_t)st.st_size, __ATOMIC_RELAXED);
	return 0;
}

int core_save_running(struct vnm_core *c, const struct lyd_node *cfg, struct vnm_err *err)
{
	struct vnm_err e;
	uint64_t seq;
	int rc;

	if (!c->state_dir)
		return 0;
	pthread_mutex_lock(&c->jlock);
	seq = ++c->jseq;
	rc = save_seq(c, cfg, seq, err);
	pthread_mutex_unlock(&c->jlock);
	if (rc)
		return -1;
	/* every record is in running.xml now: a journal left behind by a
	 * failure here is skipped at load (its records are <= seq) */
	vnm_err_clear(&e);
	if (vnm_wal_trim(c->state_dir, seq, &c->wal_size, &e) ||
	    vnm_wal_drop_aside(c->state_dir, &e))
		vnm_log(VNM_LOG_WARNING, "%s", e.msg);
	return 0;
}

static void compact(struct vnm_core *c)
{
	struct lyd_node *copy = NULL;
	struct vnm_err e;
	bool aside = false;
	uint64_t seq;
	int rc;

	vnm_err_clear(&e);
	pthread_mutex_lock(&c->txn);
	seq = c->jseq;
	rc = core_dup_tree(c->running, &copy, &e);
	/* the journal's records up to seq go aside whole, new ones to a new
	 * journal: nothing is rewritten later while edits wait */
	if (!rc && !vnm_wal_set_aside(c->state_dir, &aside, &e) && aside)
		c->wal_size = 0;
	pthread_mutex_unlock(&c->txn);
	if (rc)
		goto fail;
	pthread_mutex_lock(&c->jlock);
	/* a whole save since the copy holds more than the copy */
	rc = seq > c->file_seq ? save_seq(c, copy, seq, &e) : 0;
	pthread_mutex_unlock(&c->jlock);
	lyd_free_all(copy);
	if (rc)
		goto fail;
	if (!aside) {
		/* an earlier fold's journal was still aside, or the rename
		 * failed: cut the records running.xml holds now */
		pthread_mutex_lock(&c->txn);
		rc = vnm_wal_trim(c->state_dir, seq, &c->wal_size, &e);
		pthread_mutex_unlock(&c->txn);
		if (rc)
			goto fail;
	}
	if (vnm_wal_drop_aside(c->state_dir, &e))
		goto fail;
	vnm_log(VNM_LOG_DEBUG, "journal folded into running.xml (up to record %llu)",
		(unsigned long long)seq);
	return;
fail:
	vnm_log(VNM_LOG_WARNING, "cannot fold the journal into running.xml yet: %s", e.msg);
}

static void *compact_thread(void *arg)
{
	struct vnm_core *c = arg;

	pthread_mutex_lock(&c->clock_);
	for (;;) {
		while (!c->cstop && !c->cwant)
			pthread_cond_wait(&c->ccond, &c->clock_);
		if (c->cstop)
			break;
		c->cwant = false;
		pthread_mutex_unlock(&c->clock_);
		compact(c);
		pthread_mutex_lock(&c->clock_);
	}
	pthread_mutex_unlock(&c->clock_);
	return NULL;
}

int core_wal_start(struct vnm_core *c, struct vnm_err *err)
{
	if (!c->state_dir)
		return 0;
	if (pthread_create(&c->cthread, NULL, compact_thread, c))
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot start the journal thread");
	c->cthread_started = true;
	return 0;
}

void core_wal_stop(struct vnm_core *c)
{
	if (!c->cthread_started)
		return;
	pthread_mutex_lock(&c->clock_);
	c->cstop = true;
	pthread_cond_signal(&c->ccond);
	pthread_mutex_unlock(&c->clock_);
	pthread_join(c->cthread, NULL);
	c->cthread_started = false;
}

/* (c->txn held: wal_size is its) */
void core_wal_grew(struct vnm_core *c)
{
	size_t fs = __atomic_load_n(&c->file_size, __ATOMIC_RELAXED);

	if (!c->cthread_started || c->wal_size < VNM_WAL_COMPACT || c->wal_size < fs / 2)
		return;
	pthread_mutex_lock(&c->clock_);
	c->cwant = true;
	pthread_cond_signal(&c->ccond);
	pthread_mutex_unlock(&c->clock_);
}
