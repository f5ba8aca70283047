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

static void rec_free(struct vnm_nlog_rec *r)
{
	free(r->time);
	free(r->xml);
	memset(r, 0, sizeof(*r));
}

/* Drop the oldest record; it is what the log has aged out. */
static void drop_oldest(struct vnm_nlog *l)
{
	struct vnm_nlog_rec *r = &l->recs[l->head];

	snprintf(l->aged, sizeof(l->aged), "%s", r->time);
	l->bytes -= r->len;
	rec_free(r);
	l->head = (l->head + 1) % l->cap;
	l->n--;
}

/* Keep a record in memory (takes time and xml); within the bound. */
static int keep(struct vnm_nlog *l, char *time, char *xml, size_t len)
{
	struct vnm_nlog_rec *r;
	struct timespec t;

	if (len > l->max_bytes || vnm_nlog_time(time, &t)) {
		free(time);
		free(xml);
		return -1;
	}
	while (l->n && (l->n >= l->max_events || l->bytes + len > l->max_bytes))
		drop_oldest(l);
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64, i;
		struct vnm_nlog_rec *n = calloc(cap, sizeof(*n));

		if (!n) {
			free(time);
			free(xml);
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
	r->t = t;
	r->time = time;
	r->xml = xml;
	r->len = len;
	l->n++;
	l->bytes += len;
	return 0;
}

/* The whole file at path: 0, 1 when there is none, -1 when unreadable. */
static int slurp(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "re");
	size_t cap = 0, n;
	char *buf = NULL, *nb;

	*out = NULL;
	*len = 0;
	if (!f)
		return errno == ENOENT ? 1 : -1;
	do {
		if (*len + 65536 + 1 > cap) {
			cap = 2 * cap + 65536 + 1;
			if (!(nb = realloc(buf, cap))) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
	} while (n);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[*len] = '\0';
	*out = buf;
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

static int write_rec(int fd, const char *time, const char *xml, size_t len)
{
	char hdr[80];
	int n = snprintf(hdr, sizeof(hdr), "%zu %s\n", len, time);
	size_t total = (size_t)n + len + 1;
	char *buf = malloc(total);
	int rc;

	if (!buf)
		return -1;
	/* one write: a kill leaves a record whole or torn at the end */
	memcpy(buf, hdr, (size_t)n);
	memcpy(buf + n, xml, len);
	buf[total - 1] = '\n';
	rc = write_all(fd, buf, total);
	free(buf);
	return rc;
}

/* Rewrite the file from memory: temporary file, fsync, rename. */
static void compact(struct vnm_nlog *l)
{
	char tmp[4096], hdr[128];
	const struct vnm_nlog_rec *r;
	size_t i, bytes;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", l->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	snprintf(hdr, sizeof(hdr), MAGIC "%s %s\n", l->created, l->aged[0] ? l->aged : "-");
	if (write_all(fd, hdr, strlen(hdr)))
		goto fail_fd;
	bytes = strlen(hdr);
	for (i = 0; i < l->n; i++) {
		r = vnm_nlog_at(l, i);
		if (write_rec(fd, r->time, r->xml, r->len))
			goto fail_fd;
		bytes += r->len + strlen(r->time) + 24;
	}
	if (fsync(fd) || close(fd) || rename(tmp, l->path))
		goto fail;
	if (l->fd >= 0)
		close(l->fd);
	l->fd = open(l->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	l->file_recs = l->n;
	l->file_bytes = bytes;
	return;
fail_fd:
	close(fd);
fail:
	unlink(tmp);
	vnm_log_warn("netconf: cannot rewrite the replay log %s: %m (it keeps growing)", l->path);
}

void vnm_nlog_append(struct vnm_nlog *l, const char *time_str, const char *xml)
{
	size_t len = strlen(xml);
	char *t = strdup(time_str), *x = strdup(xml);

	if (!t || !x) {
		free(t);
		free(x);
		return;
	}
	if (keep(l, t, x, len))
		return; /* larger than the whole log: not kept */
	if (!l->path)
		return;
	if (l->fd < 0 || write_rec(l->fd, time_str, xml, len)) {
		vnm_log_warn("netconf: cannot append to the replay log %s: %m", l->path);
		return;
	}
	l->file_recs++;
	l->file_bytes += len + strlen(time_str) + 24;
	if (l->file_recs > 2 * l->max_events || l->file_bytes > 2 * l->max_bytes)
		compact(l);
}

/* Read the records of text (a whole file); the offset where a torn record
 * starts (or len). */
static size_t load(struct vnm_nlog *l, char *text, size_t len)
{
	char *p = text, *end = text + len, *nl, *sp, *t;
	unsigned long n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		n = strtoul(p, &sp, 10);
		if (*sp != ' ' || sp > nl || (size_t)(end - nl - 1) < n + 1 || nl[1 + n] != '\n')
			break;
		*nl = '\0';
		t = strdup(sp + 1);
		nl[1 + n] = '\0';
		keep(l, t, strndup(nl + 1, n), n);
		l->file_recs++;
		p = nl + 2 + n;
	}
	l->file_bytes = (size_t)(p - text);
	return (size_t)(p - text);
}

int vnm_nlog_open(struct vnm_nlog *l, const char *dir, size_t max_events, size_t max_bytes,
		  struct vnm_err *err)
{
	struct timespec now;
	char *text = NULL, *nl, *t;
	size_t len = 0, good, hl;
	int rc;

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
	rc = slurp(l->path, &text, &len);
	if (rc < 0) {
		vnm_err_set(err, VNM_E_INTERNAL, l->path, "cannot read the replay log %s: %m",
			    l->path);
		free(l->path);
		l->path = NULL;
		return -1;
	}
	if (!rc && text && !strncmp(text, MAGIC, strlen(MAGIC)) && (nl = strchr(text, '\n'))) {
		char created[40] = "", aged[40] = "";

		*nl = '\0';
		if (sscanf(text + strlen(MAGIC), "%39s %39s", created, aged) >= 1)
			snprintf(l->created, sizeof(l->created), "%s", created);
		if (strcmp(aged, "-"))
			snprintf(l->aged, sizeof(l->aged), "%s", aged);
		hl = (size_t)(nl + 1 - text);
		good = hl + load(l, nl + 1, len - hl);
		if (good < len)
			vnm_log_warn("netconf: the replay log %s ends in a torn record (%zu bytes, "
				     "vnmd was killed writing it): dropped", l->path, len - good);
		l->file_bytes += hl;
	} else if (!rc && text && len) {
		vnm_log_warn("netconf: %s is not a replay log of vnmd: a new one is started",
			     l->path);
	}
	free(text);
	/* the file as memory has it: whole records only, within the bound */
	compact(l);
	if (l->fd < 0)
		return vnm_err_set(err, VNM_E_INTERNAL, l->path, "cannot write the replay log %s: %m",
				   l->path);
	return 0;
}

void vnm_nlog_close(struct vnm_nlog *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		rec_free(&l->recs[(l->head + i) % l->cap]);
	free(l->recs);
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}
