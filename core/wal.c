/*
 * wal.c - the running datastore's journal (see wal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

#define WAL_MAGIC "vnmj "
#define WAL_HEAD_MAX 80
#define SEQ_LINE "<!-- vnmd journal-seq "

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= (unsigned char)*p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int wal_path(char *buf, size_t len, const char *dir, struct vnm_err *err)
{
	return vnm_store_path(buf, len, dir, VNM_WAL_FILE, "", err);
}

/* One record at p (n bytes left): 1 with its fields, 0 at a clean end,
 * -1 for a torn or damaged one. */
struct rec {
	uint64_t seq;
	const char *xml;
	size_t len;
	size_t total;   /* bytes of the record, header to the final newline */
};

static int next_rec(const char *p, size_t n, struct rec *r)
{
	char head[WAL_HEAD_MAX + 1], *end;
	const char *nl;
	unsigned long long seq, len, hash;
	size_t hl;

	if (!n)
		return 0;
	nl = memchr(p, '\n', n < WAL_HEAD_MAX ? n : WAL_HEAD_MAX);
	if (!nl || strncmp(p, WAL_MAGIC, strlen(WAL_MAGIC)))
		return -1;
	hl = (size_t)(nl - p);
	memcpy(head, p, hl);
	head[hl] = '\0';
	errno = 0;
	seq = strtoull(head + strlen(WAL_MAGIC), &end, 10);
	if (errno || *end != ' ')
		return -1;
	len = strtoull(end + 1, &end, 10);
	if (errno || *end != ' ')
		return -1;
	hash = strtoull(end + 1, &end, 16);
	if (errno || *end)
		return -1;
	if (len > n - hl - 1 || n - hl - 1 - len < 1 || p[hl + 1 + len] != '\n')
		return -1;
	if (fnv1a(p + hl + 1, (size_t)len) != (uint64_t)hash)
		return -1;
	r->seq = seq;
	r->xml = p + hl + 1;
	r->len = (size_t)len;
	r->total = hl + 1 + (size_t)len + 1;
	return 1;
}

static int merge_rec(struct ly_ctx *ctx, const struct rec *r, struct lyd_node **tree,
		     struct vnm_err *err)
{
	struct lyd_node *frag = NULL;
	char *xml = strndup(r->xml, r->len);
	LY_ERR lrc;

	if (!xml)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory reading the journal");
	lrc = lyd_parse_data_mem(ctx, xml, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &frag);
	if (lrc == LY_SUCCESS && frag)
		lrc = lyd_merge_siblings(tree, frag, LYD_MERGE_DESTRUCT);
	else
		lyd_free_all(frag);
	free(xml);
	if (lrc != LY_SUCCESS)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "journal record %" PRIu64 " is whole but cannot be applied",
				   r->seq);
	return 0;
}

/* Merge the records of dir/name newer than base_seq into *tree; info
 * adds up over the files. */
static int replay_file(struct ly_ctx *ctx, const char *dir, const char *name, uint64_t base_seq,
		       struct lyd_node **tree, struct vnm_wal_info *info, bool cut,
		       struct vnm_err *err)
{
	char path[4096];
	char *buf = NULL;
	struct rec r;
	size_t off = 0, n;
	int rc = -1, k;

	if (vnm_store_path(path, sizeof(path), dir, name, "", err))
		return -1;
	if (vnm_file_read(path, &buf)) {
		if (errno == ENOENT)
			return 0;
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read %s: %m", path);
	}
	n = strlen(buf);
	info->file_len += n;
	while ((k = next_rec(buf + off, n - off, &r)) > 0) {
		if (r.seq <= base_seq) {
			info->skipped++;
		} else {
			if (merge_rec(ctx, &r, tree, err)) {
				vnm_err_prefix(err, "%s", path);
				goto cleanup;
			}
			info->applied++;
		}
		if (r.seq > info->last_seq)
			info->last_seq = r.seq;
		off += r.total;
	}
	info->valid_len += off;
	if (k < 0 && cut) {
		vnm_log(VNM_LOG_WARNING, "%s: %zu byte(s) after the last whole record (a write "
			"interrupted by a crash, never acknowledged): dropped", path, n - off);
		if (truncate(path, (off_t)off))
			vnm_log(VNM_LOG_WARNING, "cannot cut %s: %m", path);
	}
	rc = 0;
cleanup:
	free(buf);
	return rc;
}

/* The journal set aside by a fold first (its records are the older ones),
 * then the journal. */
static int replay(struct ly_ctx *ctx, const char *dir, uint64_t base_seq, struct lyd_node **tree,
		  struct vnm_wal_info *info, bool cut, struct vnm_err *err)
{
	memset(info, 0, sizeof(*info));
	info->last_seq = base_seq;
	if (replay_file(ctx, dir, VNM_WAL_ASIDE, base_seq, tree, info, cut, err) ||
	    replay_file(ctx, dir, VNM_WAL_FILE, base_seq, tree, info, cut, err))
		return -1;
	if (info->applied && *tree &&
	    lyd_validate_all(tree, ctx, LYD_VALIDATE_NO_STATE, NULL) != LY_SUCCESS)
		return vnm_err_set(err, VNM_E_INVALID, NULL, "%s/%s: the configuration with its %zu "
				   "journal record(s) is not valid: %s", dir, VNM_WAL_FILE,
				   info->applied, ly_errmsg(ctx));
	return 0;
}

int vnm_wal_append(const char *dir, uint64_t seq, const char *xml, size_t *size,
		   struct vnm_err *err)
{
	char path[4096], head[WAL_HEAD_MAX];
	size_t len = strlen(xml);
	struct stat st;
	bool fresh;
	int fd, hl;

	if (wal_path(path, sizeof(path), dir, err))
		return -1;
	hl = snprintf(head, sizeof(head), WAL_MAGIC "%" PRIu64 " %zu %016" PRIx64 "\n", seq, len,
		      fnv1a(xml, len));
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot open %s: %m; check that the "
				   "state directory exists and is writable", path);
	if (fstat(fd, &st)) {
		close(fd);
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read %s: %m", path);
	}
	fresh = st.st_size == 0;
	if (vnm_file_write_all(fd, head, (size_t)hl) || vnm_file_write_all(fd, xml, len) || vnm_file_write_all(fd, "\n", 1) ||
	    fsync(fd)) {
		vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot write %s: %m", path);
		/* what was written of this record must not stay in front of
		 * the next one */
		if (ftruncate(fd, st.st_size))
			vnm_log(VNM_LOG_WARNING, "cannot cut %s: %m", path);
		close(fd);
		return -1;
	}
	close(fd);
	if (fresh && vnm_file_fsync_dir(dir))
		vnm_log(VNM_LOG_WARNING, "cannot flush directory %s to disk: %m", dir);
	if (size)
		*size = (size_t)st.st_size + (size_t)hl + len + 1;
	return 0;
}

int vnm_wal_trim(const char *dir, uint64_t upto, size_t *size, struct vnm_err *err)
{
	char path[4096];
	char *buf = NULL;
	struct rec r;
	size_t off = 0, n, keep = 0, kept_from = 0;
	int rc = -1;
	bool first = true;

	if (size)
		*size = 0;
	if (wal_path(path, sizeof(path), dir, err))
		return -1;
	if (vnm_file_read(path, &buf)) {
		if (errno == ENOENT)
			return 0;
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot read %s: %m", path);
	}
	n = strlen(buf);
	/* records are in sequence order: the ones to keep are a tail */
	while (next_rec(buf + off, n - off, &r) > 0) {
		if (r.seq > upto && first) {
			kept_from = off;
			first = false;
		}
		off += r.total;
	}
	keep = first ? 0 : off - kept_from;
	if (!keep) {
		if (unlink(path) && errno != ENOENT) {
			vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot remove %s: %m", path);
			goto cleanup;
		}
		if (vnm_file_fsync_dir(dir))
			vnm_log(VNM_LOG_WARNING, "cannot flush directory %s to disk: %m", dir);
		rc = 0;
		goto cleanup;
	}
	/* the whole records to keep, atomically as the stores write */
	buf[off] = '\0';
	if (vnm_store_save_text(dir, VNM_WAL_FILE, buf + kept_from, err))
		goto cleanup;
	if (size)
		*size = keep;
	rc = 0;
cleanup:
	free(buf);
	return rc;
}

int vnm_wal_set_aside(const char *dir, bool *done, struct vnm_err *err)
{
	char from[4096], to[4096];
	struct stat st;

	*done = false;
	if (wal_path(from, sizeof(from), dir, err) ||
	    vnm_store_path(to, sizeof(to), dir, VNM_WAL_ASIDE, "", err))
		return -1;
	if (lstat(to, &st) == 0)
		return 0; /* an earlier fold's, not dropped yet: trim instead */
	if (rename(from, to)) {
		if (errno == ENOENT)
			return 0;
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot rename %s to %s: %m", from, to);
	}
	*done = true;
	return 0;
}

int vnm_wal_drop_aside(const char *dir, struct vnm_err *err)
{
	char path[4096];

	if (vnm_store_path(path, sizeof(path), dir, VNM_WAL_ASIDE, "", err))
		return -1;
	if (unlink(path)) {
		if (errno == ENOENT)
			return 0;
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot remove %s: %m", path);
	}
	if (vnm_file_fsync_dir(dir))
		vnm_log(VNM_LOG_WARNING, "cannot flush directory %s to disk: %m", dir);
	return 0;
}

int vnm_wal_replay(struct ly_ctx *ctx, const char *dir, uint64_t base_seq,
		   struct lyd_node **tree, struct vnm_wal_info *info, struct vnm_err *err)
{
	return replay(ctx, dir, base_seq, tree, info, true, err);
}

int vnm_wal_replay_ro(struct ly_ctx *ctx, const char *dir, uint64_t base_seq,
		      struct lyd_node **tree, struct vnm_wal_info *info, struct vnm_err *err)
{
	return replay(ctx, dir, base_seq, tree, info, false, err);
}

uint64_t vnm_wal_base_seq(const char *dir, const char *name)
{
	char path[4096], line[64];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	line[n] = '\0';
	if (strncmp(line, SEQ_LINE, strlen(SEQ_LINE)))
		return 0;
	return strtoull(line + strlen(SEQ_LINE), NULL, 10);
}

int vnm_wal_header(char *buf, size_t len, uint64_t seq)
{
	return snprintf(buf, len, SEQ_LINE "%" PRIu64 " -->\n", seq);
}
