/*
 * log.h - the daemon's log.
 *
 * Messages go to stderr (default) or syslog (vnm_log_open with
 * VNM_LOG_SYSLOG).  Thread-safe: each message is written with one call.
 * Levels follow syslog(3): a message is written when its level is at or
 * below the level set with vnm_log_set_level (default VNM_LOG_INFO).
 */
#ifndef VNM_LOG_H
#define VNM_LOG_H

#include <stdarg.h>

enum vnm_log_level {
	VNM_LOG_SILENT = 0, /* as a level to set: nothing is written */
	VNM_LOG_ERR = 3,
	VNM_LOG_WARNING = 4,
	VNM_LOG_NOTICE = 5,
	VNM_LOG_INFO = 6,
	VNM_LOG_DEBUG = 7,
};

#define VNM_LOG_STDERR 0x0
#define VNM_LOG_SYSLOG 0x1

/* Choose the output; ident is the syslog ident (NULL: "vnmd").  Safe to call
 * again (e.g. after daemonising). */
void vnm_log_open(const char *ident, int flags);
void vnm_log_close(void);
void vnm_log_set_level(enum vnm_log_level level);
enum vnm_log_level vnm_log_get_level(void);
/* Parse "err", "warning", "notice", "info", "debug" or a digit 3..7. */
int vnm_log_level_parse(const char *s, enum vnm_log_level *out);

/* Reopen the output (SIGHUP after log rotation): closes and reopens syslog;
 * stderr needs nothing.  Async-signal-unsafe: call it from the main loop. */
void vnm_log_reopen(void);

void vnm_log(enum vnm_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vnm_vlog(enum vnm_log_level level, const char *fmt, va_list ap);

#define vnm_log_err(...)     vnm_log(VNM_LOG_ERR, __VA_ARGS__)
#define vnm_log_warn(...)    vnm_log(VNM_LOG_WARNING, __VA_ARGS__)
#define vnm_log_info(...)    vnm_log(VNM_LOG_INFO, __VA_ARGS__)
#define vnm_log_debug(...)   vnm_log(VNM_LOG_DEBUG, __VA_ARGS__)

#endif
