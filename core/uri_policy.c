/*
 * uri_policy.c - the hypervisor URIs hosts may name (see uri_policy.h).
 *
 * The hard rule (no ext, no command=) reads the URI the way libvirt does:
 * the transport is the part of the scheme after '+', compared without case;
 * query parameters are split at '&' and ';', and their names are
 * %-decoded and compared without case.
 */
#include "uri_policy.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const builtin[] = {"qemu:///system", "qemu:///session", "test:///default"};

/* Whether one '+'-separated part of the scheme (before the first ':') is
 * "ext", ignoring case and blanks around it. */
static bool scheme_is_ext(const char *uri)
{
	const char *end = strchr(uri, ':'), *p = uri, *q, *a, *b;

	if (!end)
		return false;
	while (p < end) {
		q = memchr(p, '+', (size_t)(end - p));
		if (!q)
			q = end;
		for (a = p; a < q && isspace((unsigned char)*a); a++)
			;
		for (b = q; b > a && isspace((unsigned char)b[-1]); b--)
			;
		if (b - a == 3 && !strncasecmp(a, "ext", 3))
			return true;
		p = q + 1;
	}
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Whether the query parameter name in [p, end) decodes to "command"
 * (a decoded NUL ends it, as it would in libvirt). */
static bool name_is_command(const char *p, const char *end)
{
	static const char want[] = "command";
	size_t n = 0;
	int h, l, c;

	while (p < end) {
		c = (unsigned char)*p++;
		if (c == '%' && end - p >= 2 && (h = hexval(p[0])) >= 0 && (l = hexval(p[1])) >= 0) {
			c = h * 16 + l;
			p += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (!c)
			break;
		if (n == sizeof(want) - 1 || tolower(c) != want[n])
			return false;
		n++;
	}
	return n == sizeof(want) - 1;
}

static bool query_has_command(const char *uri)
{
	const char *p = strchr(uri, '?'), *stop, *amp, *eq;

	if (!p)
		return false;
	p++;
	stop = p + strcspn(p, "#");
	while (p < stop) {
		amp = p + strcspn(p, "&;");
		if (amp > stop)
			amp = stop;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (name_is_command(p, eq ? eq : amp))
			return true;
		p = amp + 1;
	}
	return false;
}

const char *vnm_uri_entry_refusal(const char *entry)
{
	if (!entry || !*entry)
		return "an empty URI names no hypervisor";
	if (scheme_is_ext(entry))
		return "the ext transport runs a program; vnmd never connects through it";
	if (query_has_command(entry))
		return "a command= parameter runs a program; vnmd never connects with one";
	return NULL;
}

/* A copy of s with its scheme (up to the first ':') in lower case. */
static char *lower_scheme(const char *s)
{
	char *d = strdup(s), *p;

	for (p = d; p && *p && *p != ':'; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* Rule 4 for one entry (entries with '?' are exact-only, rule 2). */
static bool matches(const char *entry, const char *luri)
{
	char *lent;
	bool ok;

	if (strchr(entry, '?'))
		return false;
	lent = lower_scheme(entry);
	if (!lent)
		return false;
	ok = fnmatch(lent, luri, FNM_PATHNAME) == 0;
	free(lent);
	return ok;
}

enum vnm_uri_verdict vnm_uri_check(const struct vnm_uri_policy *p, const char *uri)
{
	const char *const *list = builtin;
	size_t n = sizeof(builtin) / sizeof(builtin[0]), i;
	enum vnm_uri_verdict v = VNM_URI_NOT_LISTED;
	char *luri;

	if (!uri || !*uri)
		return VNM_URI_NOT_LISTED;
	if (vnm_uri_entry_refusal(uri))
		return VNM_URI_RUNS_PROGRAM;
	if (p && p->n_allow) {
		list = p->allow;
		n = p->n_allow;
	}
	if (p && p->default_uri && !strcmp(uri, p->default_uri))
		return VNM_URI_ALLOWED;
	for (i = 0; i < n; i++)
		if (!strcmp(uri, list[i]))
			return VNM_URI_ALLOWED;
	if (uri[strcspn(uri, "?#")])
		return VNM_URI_QUERY;
	luri = lower_scheme(uri);
	if (!luri)
		return VNM_URI_NOT_LISTED;
	for (i = 0; i < n && v != VNM_URI_ALLOWED; i++)
		if (matches(list[i], luri))
			v = VNM_URI_ALLOWED;
	free(luri);
	return v;
}

void vnm_uri_explain(enum vnm_uri_verdict v, const char *uri, char *buf, size_t len)
{
	switch (v) {
	case VNM_URI_ALLOWED:
		snprintf(buf, len, "%s is allowed", uri);
		break;
	case VNM_URI_RUNS_PROGRAM:
		snprintf(buf, len, "%s runs a program (the ext transport or a command= "
			 "parameter), which vnmd never allows; name the hypervisor with "
			 "another transport", uri);
		break;
	case VNM_URI_QUERY:
		snprintf(buf, len, "%s has query parameters, which can name files, sockets and "
			 "programs of this machine; the operator allows exactly this URI by "
			 "starting vnmd with " VNM_URI_ALLOW_OPT " '%s'", uri, uri);
		break;
	case VNM_URI_NOT_LISTED:
	default:
		snprintf(buf, len, "%s is not among the hypervisors the operator allows (without "
			 VNM_URI_ALLOW_OPT ": " VNM_URI_BUILTIN "); the operator allows it by "
			 "starting vnmd with " VNM_URI_ALLOW_OPT " '%s' (or a pattern such as "
			 "'qemu+tls://rm-*.example.org/system')", uri && *uri ? uri : "\"\"",
			 uri ? uri : "");
		break;
	}
}
