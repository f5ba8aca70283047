/*
 * log.c - the daemon's log: stderr or syslog, one write per message.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_flags = VNM_LOG_STDERR;
static enum vnm_log_level log_level = VNM_LOG_INFO;
static char log_ident[64] = "vnmd";

static const char *const level_names[] = {
	[VNM_LOG_ERR] = "err",
	[VNM_LOG_WARNING] = "warning",
	[VNM_LOG_NOTICE] = "notice",
	[VNM_LOG_INFO] = "info",
	[VNM_LOG_DEBUG] = "debug",
};

void
vnm_log_open(const char *ident, int flags)
{
	pthread_mutex_lock(&log_lock);
	if (log_flags & VNM_LOG_SYSLOG)
		closelog();
	snprintf(log_ident, sizeof(log_ident), "%s", ident ? ident : "vnmd");
	log_flags = flags;
	if (log_flags & VNM_LOG_SYSLOG)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	pthread_mutex_unlock(&log_lock);
}

void
vnm_log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_flags & VNM_LOG_SYSLOG)
		closelog();
	log_flags = VNM_LOG_STDERR;
	pthread_mutex_unlock(&log_lock);
}

void
vnm_log_reopen(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_flags & VNM_LOG_SYSLOG) {
		closelog();
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
	pthread_mutex_unlock(&log_lock);
}

void
vnm_log_set_level(enum vnm_log_level level)
{
	if (level < VNM_LOG_ERR)
		level = VNM_LOG_SILENT;
	if (level > VNM_LOG_DEBUG)
		level = VNM_LOG_DEBUG;
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

enum vnm_log_level
vnm_log_get_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

int
vnm_log_level_parse(const char *s, enum vnm_log_level *out)
{
	int i;

	if (!s)
		return -1;
	if (s[0] >= '3' && s[0] <= '7' && s[1] == '\0') {
		*out = (enum vnm_log_level)(s[0] - '0');
		return 0;
	}
	for (i = VNM_LOG_ERR; i <= VNM_LOG_DEBUG; i++) {
		if (!strcasecmp(s, level_names[i])) {
			*out = (enum vnm_log_level)i;
			return 0;
		}
	}
	return -1;
}

void
vnm_vlog(enum vnm_log_level level, const char *fmt, va_list ap)
{
	char msg[2048], line[2200], ts[32];
	struct timespec now;
	struct tm tm;
	int n;

	if (level > vnm_log_get_level() || level < VNM_LOG_ERR)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	pthread_mutex_lock(&log_lock);
	if (log_flags & VNM_LOG_SYSLOG) {
		syslog((int)level, "%s", msg);
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld] %s: %s\n", ts,
			     now.tv_nsec / 1000000, log_ident, (long)getpid(),
			     level_names[level], msg);
		if (n > (int)sizeof(line) - 1)
			n = (int)sizeof(line) - 1;
		if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0) {
			/* nowhere left to report it */
		}
	}
	pthread_mutex_unlock(&log_lock);
}

void
vnm_log(enum vnm_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnm_vlog(level, fmt, ap);
	va_end(ap);
}
