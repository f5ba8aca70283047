/*
 * conf.h - the configuration file of vnmd (/etc/vnmd/vnmd.conf by default).
 *
 * One setting a line, "KEY = VALUE"; blank lines and lines whose first
 * non-blank character is '#' are ignored.  Blanks around KEY and VALUE do
 * not count; VALUE runs to the end of the line (no quoting: a path with
 * blanks inside is written as it is).  What a KEY means is the caller's:
 * vnm_conf_read() hands each pair to fn, in file order, and prints every
 * refusal as "FILE:LINE: ..." so that one round fixes the whole file.
 */
#ifndef VNM_CONF_H
#define VNM_CONF_H

#include <stddef.h>
#include <stdio.h>

/* Takes one setting.  Returns 0, or -1 with why (without file, line or
 * key: "expected a number from 1 to 16") filled in. */
typedef int (*vnm_conf_fn)(void *arg, const char *key, const char *value, char *why,
			   size_t why_len);

/* Reads path and hands every setting to fn.  Returns 0 when every line was
 * taken, 1 when the file does not exist and missing_ok is set (nothing
 * printed), -1 otherwise, with each refusal printed on errout. */
int vnm_conf_read(const char *path, int missing_ok, vnm_conf_fn fn, void *arg, FILE *errout);

/* "yes", "true", "on", "1" → 1; "no", "false", "off", "0" → 0; else -1. */
int vnm_conf_bool(const char *value);

#endif
