/*
 * notif_log.c - the NETCONF stream's replay log (see notif_log.h).
 */
#include "notif_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "log.h"

#define LOG_NAME "notifications.log"
#define MAGIC "vnmd-notifications 1 "

int vnm_nlog_time(const char *s, struct timespec *t)
{
	return ly_time_str2ts(s, t) == LY_SUCCESS ? 0 : -1;
}

int vnm_nlog_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

const struct vnm_nlog_rec *vnm_nlog_at(const struct vnm_nlog *l, size_t i)
{
	return &l->recs[(l->head + i) % l->cap];
}

void vnm_nlog_rec_free(struct vnm_nlog_rec *r)
{
	free(r->mem);
	memset(r, 0, sizeof(*r));
}

int vnm_nlog_rec_copy(struct vnm_nlog_rec *dst, const struct vnm_nlog_rec *r)
{
	*dst = *r;
	if (!r->mem)
		return 0;
	dst->mem = malloc((size_t)r->hlen + r->len + 1);
	if (!dst->mem)
		return -1;
	memcpy(dst->mem, r->mem, (size_t)r->hlen + r->len + 1);
	return 0;
}

int vnm_nlog_reader(const struct vnm_nlog *l)
{
	return l->path && l->fd >= 0 ? fcntl(l->fd, F_DUPFD_CLOEXEC, 0) : -1;
}

static int read_at(int fd, char *buf, size_t n, off_t off)
{
	ssize_t r;

	while (n) {
		r = pread(fd, buf, n, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

/* The header line of the record at off in fd, checked against the index:
 * the eventTime string in out (of n bytes); 0 or -1. */
static int read_time(int fd, const struct vnm_nlog_rec *r, char *out, size_t n)
{
	char hdr[128], *sp;

	if (r->hlen < 3 || r->hlen > sizeof(hdr) || r->hlen - 1 > n ||
	    read_at(fd, hdr, r->hlen, r->off) || hdr[r->hlen - 1] != '\n' ||
	    strtoul(hdr, &sp, 10) != r->len || *sp != ' ')
		return -1;
	hdr[r->hlen - 1] = '\0';
	snprintf(out, n, "%s", sp + 1);
	return 0;
}

int vnm_nlog_read(int fd, const struct vnm_nlog_rec *r, char **time, char **xml)
{
	char t[128];

	*time = *xml = NULL;
	if (r->mem) {
		*time = strdup(r->mem);
		*xml = strdup(r->mem + r->hlen);
	} else if (!read_time(fd, r, t, sizeof(t)) && (*xml = malloc((size_t)r->len + 2))) {
		if (read_at(fd, *xml, (size_t)r->len + 1, r->off + r->hlen) || (*xml)[r->len] != '\n') {
			free(*xml);
			*xml = NULL;
			return -1;
		}
		(*xml)[r->len] = '\0';
		*time = strdup(t);
	}
	if (!*time || !*xml) {
		free(*time);
		free(*xml);
		*time = *xml = NULL;
		return -1;
	}
	return 0;
}

/* Drop the oldest record; it is what the log has aged out. */
static void drop_oldest(struct vnm_nlog *l)
{
	struct vnm_nlog_rec *r = &l->recs[l->head];

	if (r->mem)
		snprintf(l->aged, sizeof(l->aged), "%s", r->mem);
	else if (read_time(l->fd, r, l->aged, sizeof(l->aged)))
		vnm_log_warn("netconf: the replay log %s changed under vnmd", l->path);
	l->bytes -= r->len;
	vnm_nlog_rec_free(r);
	l->head = (l->head + 1) % l->cap;
	l->n--;
}

/* Index a record (with mem: keep it in memory, taking mem), within the
 * bound; 0, or -1 when it is not kept. */
static int keep(struct vnm_nlog *l, const struct timespec *t, off_t off, size_t hlen,
		size_t len, char *mem)
{
	struct vnm_nlog_rec *r;

	if (len > l->max_bytes || len > UINT32_MAX) {
		free(mem);
		return -1;
	}
	while (l->n && (l->n >= l->max_events || l->bytes + len > l->max_bytes))
		drop_oldest(l);
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64, i;
		struct vnm_nlog_rec *n = calloc(cap, sizeof(*n));

		if (!n) {
			free(mem);
			return -1;
		}
		for (i = 0; i < l->n; i++)
			n[i] = l->recs[(l->head + i) % l->cap];
		free(l->recs);
		l->recs = n;
		l->cap = cap;
		l->head = 0;
	}
	r = &l->recs[(l->head + l->n) % l->cap];
	r->t = *t;
	r->off = off;
	r->hlen = (uint32_t)hlen;
	r->len = (uint32_t)len;
	r->mem = mem;
	l->n++;
	l->bytes += len;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy fd's bytes [from, to) to out. */
static int copy_range(int fd, off_t from, off_t to, int out)
{
	char *buf = malloc(1 << 16);
	size_t n;
	int rc = 0;

	if (!buf)
		return -1;
	while (!rc && from < to) {
		n = (size_t)(to - from) < (1u << 16) ? (size_t)(to - from) : 1u << 16;
		rc = read_at(fd, buf, n, from) || write_all(out, buf, n) ? -1 : 0;
		from += (off_t)n;
	}
	free(buf);
	return rc;
}

/* Rewrite the file: a header line and the records the index holds (the
 * tail of the file from the oldest on, up to `end`), then a temporary
 * file, fsync, rename.  fd < 0: there is no old file (the index is empty). */
static void compact(struct vnm_nlog *l, int fd, off_t end)
{
	char tmp[4096], hdr[128];
	off_t from = l->n ? vnm_nlog_at(l, 0)->off : end, shift;
	size_t i, hl;
	int out;

	snprintf(tmp, sizeof(tmp), "%s.tmp", l->path);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		goto fail;
	snprintf(hdr, sizeof(hdr), MAGIC "%s %s\n", l->created, l->aged[0] ? l->aged : "-");
	hl = strlen(hdr);
	if (write_all(out, hdr, hl) || (fd >= 0 && copy_range(fd, from, end, out)))
		goto fail_out;
	if (fsync(out) || close(out) || rename(tmp, l->path))
		goto fail;
	if (l->fd >= 0)
		close(l->fd);
	l->fd = open(l->path, O_RDWR | O_APPEND | O_CLOEXEC);
	shift = (off_t)hl - from;
	for (i = 0; i < l->n; i++)
		l->recs[(l->head + i) % l->cap].off += shift;
	l->file_recs = l->n;
	l->file_bytes = (off_t)hl + (end - from);
	return;
fail_out:
	close(out);
fail:
	unlink(tmp);
	vnm_log_warn("netconf: cannot rewrite the replay log %s: %m (it keeps growing)", l->path);
}

void vnm_nlog_append(struct vnm_nlog *l, const char *time_str, const char *xml)
{
	size_t len = strlen(xml), total;
	struct timespec t;
	char hdr[128], *buf;
	int hl = snprintf(hdr, sizeof(hdr), "%zu %s\n", len, time_str);
	struct stat st;

	if (hl <= 0 || (size_t)hl >= sizeof(hdr) || len > l->max_bytes ||
	    vnm_nlog_time(time_str, &t))
		return; /* larger than the whole log, or no time: not kept */
	if (!l->path) {
		/* "EVENTTIME\0XML\0" */
		size_t tl = strlen(time_str);

		if ((buf = malloc(tl + 1 + len + 1))) {
			memcpy(buf, time_str, tl + 1);
			memcpy(buf + tl + 1, xml, len + 1);
			keep(l, &t, 0, tl + 1, len, buf);
		}
		return;
	}
	total = (size_t)hl + len + 1;
	if (!(buf = malloc(total)))
		return;
	memcpy(buf, hdr, (size_t)hl);
	memcpy(buf + hl, xml, len);
	buf[total - 1] = '\n';
	/* one write: a kill leaves a record whole or torn at the end */
	if (l->fd < 0 || write_all(l->fd, buf, total)) {
		vnm_log_warn("netconf: cannot append to the replay log %s: %m", l->path);
		if (l->fd >= 0 && !fstat(l->fd, &st))
			l->file_bytes = st.st_size;
		free(buf);
		return;
	}
	free(buf);
	if (!keep(l, &t, l->file_bytes, (size_t)hl, len, NULL))
		l->file_recs++;
	l->file_bytes += (off_t)total;
	if (l->file_recs > 2 * l->max_events || (size_t)l->file_bytes > 2 * l->max_bytes)
		compact(l, l->fd, l->file_bytes);
}

/* Index the records of f from offset off on (after the header line); the
 * offset where a torn record starts, or the end. */
static off_t load(struct vnm_nlog *l, FILE *f, off_t off)
{
	char *line = NULL, *sp;
	size_t cap = 0;
	ssize_t hl;
	unsigned long n;
	struct timespec t;

	while ((hl = getline(&line, &cap, f)) > 0) {
		n = strtoul(line, &sp, 10);
		if (line[hl - 1] != '\n' || *sp != ' ' || sp == line || hl > 127 ||
		    n > UINT32_MAX || fseeko(f, (off_t)n, SEEK_CUR) || getc(f) != '\n')
			break;
		line[hl - 1] = '\0';
		if (!vnm_nlog_time(sp + 1, &t) && !keep(l, &t, off, (size_t)hl, n, NULL))
			l->file_recs++;
		off += hl + (off_t)n + 1;
	}
	free(line);
	return off;
}

int vnm_nlog_open(struct vnm_nlog *l, const char *dir, size_t max_events, size_t max_bytes,
		  struct vnm_err *err)
{
	struct timespec now;
	char *line = NULL, *t;
	size_t cap = 0;
	ssize_t hl;
	off_t good = 0, len = 0;
	FILE *f;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->max_events = max_events ? max_events : VNM_NLOG_EVENTS;
	l->max_bytes = max_bytes ? max_bytes : VNM_NLOG_BYTES;
	clock_gettime(CLOCK_REALTIME, &now);
	if (ly_time_ts2str(&now, &t) == LY_SUCCESS) {
		snprintf(l->created, sizeof(l->created), "%s", t);
		free(t);
	}
	if (!dir)
		return 0;
	if (asprintf(&l->path, "%s/" LOG_NAME, dir) < 0) {
		l->path = NULL;
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
	}
	f = fopen(l->path, "re");
	if (!f && errno != ENOENT) {
		vnm_err_set(err, VNM_E_INTERNAL, l->path, "cannot read the replay log %s: %m",
			    l->path);
		free(l->path);
		l->path = NULL;
		return -1;
	}
	if (f && fseeko(f, 0, SEEK_END) == 0 && (len = ftello(f)) > 0 && !fseeko(f, 0, SEEK_SET) &&
	    (hl = getline(&line, &cap, f)) > 0 && !strncmp(line, MAGIC, strlen(MAGIC))) {
		char created[40] = "", aged[40] = "";

		if (sscanf(line + strlen(MAGIC), "%39s %39s", created, aged) >= 1)
			snprintf(l->created, sizeof(l->created), "%s", created);
		if (strcmp(aged, "-"))
			snprintf(l->aged, sizeof(l->aged), "%s", aged);
		l->fd = fileno(f); /* what dropping the oldest reads */
		good = load(l, f, (off_t)hl);
		l->fd = -1;
		if (good < len)
			vnm_log_warn("netconf: the replay log %s ends in a torn record (%lld bytes, "
				     "vnmd was killed writing it): dropped", l->path,
				     (long long)(len - good));
	} else if (f && len > 0) {
		vnm_log_warn("netconf: %s is not a replay log of vnmd: a new one is started",
			     l->path);
	}
	free(line);
	/* the file as the index has it: whole records only, within the bound */
	compact(l, f ? fileno(f) : -1, good);
	if (f)
		fclose(f);
	if (l->fd < 0)
		return vnm_err_set(err, VNM_E_INTERNAL, l->path, "cannot write the replay log %s: %m",
				   l->path);
	return 0;
}

void vnm_nlog_close(struct vnm_nlog *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		vnm_nlog_rec_free(&l->recs[(l->head + i) % l->cap]);
	free(l->recs);
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}
