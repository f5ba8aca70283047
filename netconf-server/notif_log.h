/*
 * notif_log.h - the NETCONF stream's replay log (RFC 5277 section 3.2).
 *
 * The last max_events notifications, or as many of the last ones as fit in
 * max_bytes (of their XML), whichever is fewer, kept in a file
 * (STATE/notifications.log) so that a restart, or a SIGKILL of vnmd, loses
 * none of them.  Memory holds an index (time, place in the file: 40 bytes
 * an event), not the XML: a replay reads the events back from the file.
 * Each notification is appended with one write(2) and no fsync: what vnmd
 * wrote survives vnmd; a crash of the machine may lose the last ones.  The
 * file is rewritten (temporary file, fsync, rename; the kept records are
 * its tail, copied as they are) when it holds twice the bound, so it stays
 * within about twice max_bytes.  Without a state directory the XML is kept
 * in memory instead.
 *
 * File: a header line "vnmd-notifications 1 CREATED AGED" (eventTime
 * strings; AGED "-" until the bound dropped an event), then records
 * "N EVENTTIME\n" followed by N bytes of the notification's XML and "\n".
 * A torn last record (a kill in the middle of a write) is dropped when the
 * file is read, with a log line; anything else unreadable starts a new log.
 *
 * Not thread-safe: notif.c calls it under its lock.
 */
#ifndef VNM_NOTIF_LOG_H
#define VNM_NOTIF_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

#define VNM_NLOG_EVENTS 10000
#define VNM_NLOG_BYTES  (10u << 20)

struct vnm_nlog_rec {
	struct timespec t; /* eventTime */
	off_t off;         /* with a file: where the record starts in it */
	uint32_t hlen;     /* its header line "N EVENTTIME\n" */
	uint32_t len;      /* the XML's length */
	char *mem;         /* without a file: "EVENTTIME\0XML\0" (hlen - 1 + 1 + len + 1) */
};

struct vnm_nlog {
	char *path;                /* NULL: memory only */
	int fd;                    /* the file, appended to and read */
	size_t max_events, max_bytes;
	struct vnm_nlog_rec *recs; /* ring of cap entries, oldest at head */
	size_t cap, head, n, bytes;
	size_t file_recs;             /* records the file holds */
	off_t file_bytes;             /* its length */
	char created[40], aged[40];   /* eventTime strings; aged "" until one was dropped */
};

/* Open (or create) the log in dir (NULL: memory only); 0 or -1 with err. */
int vnm_nlog_open(struct vnm_nlog *l, const char *dir, size_t max_events, size_t max_bytes,
		  struct vnm_err *err);

/* Keep a notification (its XML and eventTime string). */
void vnm_nlog_append(struct vnm_nlog *l, const char *time_str, const char *xml);

/* The i-th record, oldest first (i < l->n). */
const struct vnm_nlog_rec *vnm_nlog_at(const struct vnm_nlog *l, size_t i);

/* A descriptor to read the log's records with later, whatever the log does
 * meanwhile (a rewrite makes a new file; this one stays as it is); -1 for a
 * log without a file, whose copies need none.  The caller closes it. */
int vnm_nlog_reader(const struct vnm_nlog *l);

/* A copy of r for reading later (vnm_nlog_read): 0, or -1 out of memory. */
int vnm_nlog_rec_copy(struct vnm_nlog_rec *dst, const struct vnm_nlog_rec *r);
void vnm_nlog_rec_free(struct vnm_nlog_rec *r);

/* The record's eventTime string and XML (the caller frees both), read from
 * fd (vnm_nlog_reader, or l->fd under the log's lock) or from memory: 0, or
 * -1 when the file does not hold it as the index says. */
int vnm_nlog_read(int fd, const struct vnm_nlog_rec *r, char **time, char **xml);

void vnm_nlog_close(struct vnm_nlog *l);

/* eventTime string -> timespec (RFC 3339, libyang's parser); -1 when bad. */
int vnm_nlog_time(const char *s, struct timespec *t);

int vnm_nlog_cmp(const struct timespec *a, const struct timespec *b);

#endif
