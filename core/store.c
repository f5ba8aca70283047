/*
 * store.c - datastores as files, written atomically (see store.h).
 *
 * Write order: temporary file (write all, fsync, close), rename over the
 * target, fsync of the directory.  A reader sees the target only ever
 * through rename(2), which is atomic; the directory fsync makes the rename
 * itself durable.  A crash before the rename leaves "NAME.tmp" behind;
 * vnm_store_clean() removes it at the next start.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "file.h"
#include "log.h"
#include "store.h"
#include "wal.h"
#include "yctx.h"

#define CONFIG_OPEN "<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">\n"
#define CONFIG_CLOSE "</config>\n"

int vnm_store_path(char *buf, size_t len, const char *dir, const char *name,
		   const char *suffix, struct vnm_err *err)
{
	if ((size_t)snprintf(buf, len, "%s/%s%s", dir, name, suffix) >= len)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "state directory path %s is too long", dir);
	return 0;
}

/* tree (with siblings) as XML to fd through a buffer: printed to memory
 * first, the text of 10,000 VLs was megabytes more on the peak of the
 * transaction that saves it.  0 or -1 (errno). */
static int print_fd(int fd, const struct lyd_node *tree)
{
	int dfd = dup(fd);
	FILE *f = dfd >= 0 ? fdopen(dfd, "w") : NULL;
	int rc = -1;

	if (!f) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	setvbuf(f, NULL, _IOFBF, 256u << 10);
	if (lyd_print_file(f, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS) == LY_SUCCESS && !fflush(f) &&
	    !ferror(f))
		rc = 0;
	if (fclose(f))
		rc = -1;
	return rc;
}

/* Write the n pieces of text to dir/name atomically (see the top), tree
 * (when not NULL) printed in the place of the piece at index at. */
static int store_write(const char *dir, const char *name, const char *const *parts, size_t n,
		       const struct lyd_node *tree, size_t at, struct vnm_err *err)
{
	char path[4096], tmp[4096];
	size_t i;
	int fd = -1, rc = -1;

	if (vnm_store_path(path, sizeof(path), dir, name, "", err) ||
	    vnm_store_path(tmp, sizeof(tmp), dir, name, ".tmp", err))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		vnm_err_set(err, VNM_E_DRIVER, NULL,
			    "cannot create %s: %m; check that the state directory exists and is "
			    "writable", tmp);
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (tree && i == at && print_fd(fd, tree)) {
			vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot write %s: %m", tmp);
			goto cleanup;
		}
		if (parts[i] && vnm_file_write_all(fd, parts[i], strlen(parts[i]))) {
			vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot write %s: %m", tmp);
			goto cleanup;
		}
	}
	if (fsync(fd)) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot flush %s to disk: %m", tmp);
		goto cleanup;
	}
	if (close(fd)) {
		fd = -1;
		vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot close %s: %m", tmp);
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, path)) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot rename %s to %s: %m", tmp, path);
		goto cleanup;
	}
	/* The new file is in place and every reader sees it: a failing
	 * directory flush only leaves the rename's durability in doubt, which
	 * is worth a warning, not a failure (the caller would undo a change
	 * that the file already shows). */
	if (vnm_file_fsync_dir(dir))
		vnm_log(VNM_LOG_WARNING, "cannot flush directory %s to disk: %m", dir);
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(tmp);
	return rc;
}

int vnm_store_save(const char *dir, const char *name, const struct lyd_node *cfg,
		   struct vnm_err *err)
{
	return vnm_store_save_head(dir, name, NULL, cfg, err);
}

int vnm_store_save_head(const char *dir, const char *name, const char *head,
			const struct lyd_node *cfg, struct vnm_err *err)
{
	const char *parts[4];

	parts[0] = head;
	parts[1] = CONFIG_OPEN;
	parts[2] = NULL; /* cfg */
	parts[3] = CONFIG_CLOSE;
	return store_write(dir, name, parts, 4, cfg, 2, err);
}

int vnm_store_save_text(const char *dir, const char *name, const char *text,
			struct vnm_err *err)
{
	return store_write(dir, name, &text, 1, NULL, 0, err);
}

int vnm_store_load_text(const char *dir, const char *name, char **out, struct vnm_err *err)
{
	char path[4096];
	int rc;

	*out = NULL;
	if (vnm_store_path(path, sizeof(path), dir, name, "", err))
		return -1;
	rc = vnm_file_read(path, out);
	if (!rc || (rc == -1 && errno == ENOENT))
		return 0;
	if (errno == ENOMEM)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory reading %s", path);
	return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read %s: %m", path);
}

static bool only_defaults(const struct lyd_node *t)
{
	const struct lyd_node *n;

	LY_LIST_FOR(lyd_first_sibling((struct lyd_node *)t), n) {
		if (!(n->flags & LYD_DEFAULT))
			return false;
	}
	return true;
}

int vnm_store_clean(const char *dir, struct vnm_err *err)
{
	static const char *const names[] = {VNM_STORE_RUNNING, VNM_STORE_STARTUP,
					     VNM_STORE_CONFIRM, VNM_WAL_FILE};
	char tmp[4096];
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (vnm_store_path(tmp, sizeof(tmp), dir, names[i], ".tmp", err))
			return -1;
		if (unlink(tmp)) {
			if (errno == ENOENT)
				continue;
			return vnm_err_set(err, VNM_E_DRIVER, NULL,
					   "cannot remove %s, left by an interrupted save: %m; "
					   "remove it by hand", tmp);
		}
		vnm_log(VNM_LOG_NOTICE, "removed %s, left by an interrupted save", tmp);
		n++;
	}
	if (n && vnm_file_fsync_dir(dir))
		vnm_log(VNM_LOG_WARNING, "cannot flush directory %s to disk: %m", dir);
	return n;
}

int vnm_store_exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	if (vnm_store_path(path, sizeof(path), dir, name, "", NULL))
		return 0;
	return stat(path, &st) == 0;
}

int vnm_store_load(struct ly_ctx *ctx, const char *dir, const char *name,
		   struct lyd_node **out, struct vnm_err *err)
{
	char path[4096];
	struct stat st;

	*out = NULL;
	if (vnm_store_path(path, sizeof(path), dir, name, "", err))
		return -1;
	if (stat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read %s: %m", path);
	}
	if (vnm_config_parse_file(ctx, path, out, err)) {
		vnm_err_prefix(err, "datastore %s", path);
		return -1;
	}
	/* Validation adds default nodes even to an empty file: a tree of
	 * nothing but defaults is the empty configuration. */
	if (*out && only_defaults(*out)) {
		lyd_free_all(*out);
		*out = NULL;
	}
	return 0;
}

int vnm_store_delete(const char *dir, const char *name, struct vnm_err *err)
{
	char path[4096];

	if (vnm_store_path(path, sizeof(path), dir, name, "", err))
		return -1;
	if (unlink(path) && errno != ENOENT)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot remove %s: %m", path);
	if (vnm_file_fsync_dir(dir))
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot flush directory %s to disk: %m",
				   dir);
	return 0;
}
