/*
 * wal.h - the running datastore's journal: edits appended, replayed at
 * start, folded into running.xml in the background.
 *
 * An edit that changes leaves in place (vnm_core_set_leaves) is not worth
 * printing and saving the whole configuration for: it is appended to
 * STATE/running.journal as one record (its leaves as XML data, the path
 * from the top with keys) and fsync'ed before the client gets <ok/>.  Each record has a
 * sequence number; running.xml says in its first line the last sequence
 * number it already holds ("<!-- vnmd journal-seq N -->"), so that records
 * it holds are skipped at load whatever moment a crash hit (between saving
 * running.xml and trimming the journal, for example).
 *
 * Record: "vnmj SEQ LEN HASH\n" then LEN bytes of XML then "\n"; HASH is
 * FNV-1a 64 of the XML in hex.  A record that is short or whose hash does
 * not match is a write a crash interrupted: it was never acknowledged, and
 * it and whatever follows it are dropped (the file is cut there before
 * the next append).
 */
#ifndef VNM_WAL_H
#define VNM_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct ly_ctx;
struct lyd_node;

#define VNM_WAL_FILE "running.journal"
/* The journal a fold set aside (vnm_wal_set_aside). */
#define VNM_WAL_ASIDE "running.journal.folding"

/* What a load found. */
struct vnm_wal_info {
	uint64_t last_seq;   /* the highest sequence number seen (base's if none) */
	size_t applied;      /* records merged into the tree */
	size_t skipped;      /* records the base already held */
	size_t valid_len;    /* bytes of whole records */
	size_t file_len;     /* bytes in the file (more: a torn tail) */
};

/* Merge the records of dir's journal newer than base_seq into *tree (the
 * configuration loaded from running.xml; may start NULL) and validate the
 * result.  A missing journal is fine.  A torn tail is cut off the file.
 * Returns 0, or -1 with err set (a record that is whole but not a valid
 * configuration fragment: the journal is left as it is for the operator). */
int vnm_wal_replay(struct ly_ctx *ctx, const char *dir, uint64_t base_seq,
		   struct lyd_node **tree, struct vnm_wal_info *info, struct vnm_err *err);
/* The same, reading only (vnmd -n): a torn tail is left in the file. */
int vnm_wal_replay_ro(struct ly_ctx *ctx, const char *dir, uint64_t base_seq,
		      struct lyd_node **tree, struct vnm_wal_info *info, struct vnm_err *err);

/* Append one record (xml: the edit's leaves as XML data) with
 * sequence number seq and fsync it; the journal's directory is fsync'ed
 * when the file is new.  Returns 0, or -1 with err set and the file as
 * before (a partial write is cut off again). */
int vnm_wal_append(const char *dir, uint64_t seq, const char *xml, size_t *size,
		   struct vnm_err *err);

/* Drop the records with a sequence number <= upto (running.xml holds them
 * now): the rest is rewritten to a temporary file and renamed over the
 * journal; none left removes it.  Returns 0, or -1 with err set. */
int vnm_wal_trim(const char *dir, uint64_t upto, size_t *size, struct vnm_err *err);

/* Set the journal aside for a fold (a rename to VNM_WAL_ASIDE; the next
 * append starts a new journal), so that once running.xml holds its
 * records it is dropped whole, with no rewrite while edits wait.  Records
 * set aside are replayed before the journal's.  When an earlier fold's
 * journal is still aside (its save failed), nothing is renamed and *done
 * stays false: the caller trims the journal instead.  Returns 0, or -1
 * with err set. */
int vnm_wal_set_aside(const char *dir, bool *done, struct vnm_err *err);
/* Remove the journal set aside (running.xml holds every record of it). */
int vnm_wal_drop_aside(const char *dir, struct vnm_err *err);

/* The sequence number in the first line of dir/name (0 when absent). */
uint64_t vnm_wal_base_seq(const char *dir, const char *name);

/* The header line for a running.xml that holds every record <= seq. */
int vnm_wal_header(char *buf, size_t len, uint64_t seq);

#endif
