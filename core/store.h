/*
 * store.h - the running and startup datastores as files in the state
 * directory.
 *
 * A datastore is one XML file holding a NETCONF <config> element (the same
 * format `vnmd -n -c FILE` reads).  Saving is atomic: the new content goes
 * to "NAME.tmp", is fsync'ed, renamed over NAME, and the directory is
 * fsync'ed, so that a crash at any moment leaves the old file or the new
 * one, never a torn one.
 */
#ifndef VNM_STORE_H
#define VNM_STORE_H

#include "err.h"

struct ly_ctx;
struct lyd_node;

#define VNM_STORE_RUNNING "running.xml"
#define VNM_STORE_STARTUP "startup.xml"
/* the NETCONF server's pending confirmed commit (vnm_core_file_*) */
#define VNM_STORE_CONFIRM "confirmed-commit"

/* buf = "dir/name" + suffix.  Returns 0, or -1 with err set when it does
 * not fit in len. */
int vnm_store_path(char *buf, size_t len, const char *dir, const char *name,
		   const char *suffix, struct vnm_err *err);

/* Replace dir/name with cfg (NULL: the empty configuration).  Returns 0, or
 * -1 with err set; on failure dir/name is as before. */
int vnm_store_save(const char *dir, const char *name, const struct lyd_node *cfg,
		   struct vnm_err *err);

/* The same with a first line head (NULL: none), e.g. the journal's
 * sequence number (wal.h). */
int vnm_store_save_head(const char *dir, const char *name, const char *head,
			const struct lyd_node *cfg, struct vnm_err *err);

/* Replace dir/name with text, atomically like vnm_store_save(). */
int vnm_store_save_text(const char *dir, const char *name, const char *text,
			struct vnm_err *err);
/* The whole text of dir/name (*out NULL when the file does not exist),
 * freed by the caller. */
int vnm_store_load_text(const char *dir, const char *name, char **out, struct vnm_err *err);

/* Read dir/name.  *out is NULL for a missing file or an empty
 * configuration; the caller frees it with lyd_free_all().  A file that is
 * not a valid configuration is an error (VNM_E_INVALID), never an empty
 * configuration. */
int vnm_store_load(struct ly_ctx *ctx, const char *dir, const char *name,
		   struct lyd_node **out, struct vnm_err *err);

/* Remove dir/name (missing is fine), durably. */
int vnm_store_delete(const char *dir, const char *name, struct vnm_err *err);

/* Remove the temporary files ("NAME.tmp" of running, startup and
 * VNM_STORE_CONFIRM) that a save interrupted by a crash or SIGKILL left in
 * dir; call once at start,
 * before anything saves.  The datastores themselves are whole either way
 * (see above); this only keeps the directory from collecting debris.
 * Other files are left alone.  Returns the number removed (logged), or -1
 * with err set when one exists but cannot be removed. */
int vnm_store_clean(const char *dir, struct vnm_err *err);

/* Whether dir/name exists. */
int vnm_store_exists(const char *dir, const char *name);

#endif
