/* conf.c - see conf.h. */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int vnm_conf_bool(const char *value)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(value, yes[i]))
			return 1;
		if (!strcasecmp(value, no[i]))
			return 0;
	}
	return -1;
}

/* One line (without its newline); 0 when taken or ignored, -1 refused. */
static int conf_line(const char *path, unsigned lineno, char *line, vnm_conf_fn fn, void *arg,
		     FILE *errout)
{
	char why[512], *eq, *key, *value, *s = trim(line);

	if (!*s || *s == '#')
		return 0;
	eq = strchr(s, '=');
	if (!eq) {
		fprintf(errout, "%s:%u: expected KEY = VALUE, got \"%s\"\n", path, lineno, s);
		return -1;
	}
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (!*key) {
		fprintf(errout, "%s:%u: a setting without a key (\"= %s\")\n", path, lineno, value);
		return -1;
	}
	if (!*value) {
		fprintf(errout, "%s:%u: %s: no value after '='; remove the line for the default\n",
			path, lineno, key);
		return -1;
	}
	why[0] = '\0';
	if (fn(arg, key, value, why, sizeof(why))) {
		/* A value with a passphrase is not repeated into a log. */
		fprintf(errout, "%s:%u: %s = %s: %s\n", path, lineno, key,
			strstr(key, "user") ? "(not shown)" : value, why[0] ? why : "refused");
		return -1;
	}
	return 0;
}

int vnm_conf_read(const char *path, int missing_ok, vnm_conf_fn fn, void *arg, FILE *errout)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	int rc = 0;

	if (!f) {
		if (missing_ok && errno == ENOENT)
			return 1;
		fprintf(errout, "%s: cannot read the configuration file: %s\n", path,
			strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if ((size_t)len != strlen(line)) {
			fprintf(errout, "%s:%u: a NUL byte in the line; is this a text file?\n",
				path, lineno);
			rc = -1;
			continue;
		}
		if (conf_line(path, lineno, line, fn, arg, errout))
			rc = -1;
	}
	if (ferror(f)) {
		fprintf(errout, "%s: read error after line %u\n", path, lineno);
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}
