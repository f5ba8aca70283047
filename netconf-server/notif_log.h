/*
 * notif_log.h - the NETCONF stream's replay log (RFC 5277 section 3.2).
 *
 * The last max_events notifications, or as many of the last ones as fit in
 * max_bytes (of their XML), whichever is fewer, kept in memory for replay
 * and in a file (STATE/notifications.log) so that a restart, or a SIGKILL
 * of vnmd, loses none of them.  Each notification is appended with one
 * write(2) and no fsync: what vnmd wrote survives vnmd; a crash of the
 * machine may lose the last ones.  The file is rewritten from memory
 * (temporary file, fsync, rename) when it holds twice the bound, so it
 * stays within about twice max_bytes.
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
#include <time.h>

#include "err.h"

#define VNM_NLOG_EVENTS 10000
#define VNM_NLOG_BYTES  (10u << 20)

struct vnm_nlog_rec {
	struct timespec t; /* eventTime */
	char *time;        /* as sent */
	char *xml;
	size_t len;
};

struct vnm_nlog {
	char *path;                /* NULL: memory only */
	int fd;
	size_t max_events, max_bytes;
	struct vnm_nlog_rec *recs; /* ring of cap entries, oldest at head */
	size_t cap, head, n, bytes;
	size_t file_recs, file_bytes; /* what the file holds */
	char created[40], aged[40];   /* eventTime strings; aged "" until one was dropped */
};

/* Open (or create) the log in dir (NULL: memory only); 0 or -1 with err. */
int vnm_nlog_open(struct vnm_nlog *l, const char *dir, size_t max_events, size_t max_bytes,
		  struct vnm_err *err);

/* Keep a notification (its XML and eventTime string). */
void vnm_nlog_append(struct vnm_nlog *l, const char *time_str, const char *xml);

/* The i-th record, oldest first (i < l->n). */
const struct vnm_nlog_rec *vnm_nlog_at(const struct vnm_nlog *l, size_t i);

void vnm_nlog_close(struct vnm_nlog *l);

/* eventTime string -> timespec (RFC 3339, libyang's parser); -1 when bad. */
int vnm_nlog_time(const char *s, struct timespec *t);

int vnm_nlog_cmp(const struct timespec *a, const struct timespec *b);

#endif
