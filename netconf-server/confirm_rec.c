/*
 * confirm_rec.c - the record of a pending confirmed commit, and who may
 * confirm or cancel it (see confirm.h).  No I/O, no locks.
 */
#include "confirm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "vnmd-confirmed-commit 1\n"

void vnm_cc_rec_clear(struct vnm_cc_rec *r)
{
	if (!r)
		return;
	free(r->user);
	free(r->persist);
	memset(r, 0, sizeof(*r));
}

/* "name HEX\n" of s written at p, end the end of the buffer (the
 * caller counted room for it). */
static char *put_hex(char *p, const char *end, const char *name, const char *s)
{
	p += snprintf(p, (size_t)(end - p), "%s ", name);
	for (; *s && end - p > 2; s++)
		p += snprintf(p, 3, "%02x", (unsigned char)*s);
	*p++ = '\n';
	return p;
}

int vnm_cc_rec_print(const struct vnm_cc_rec *r, const char *cfg_xml, char **out)
{
	size_t n = 256, ul = r->user ? strlen(r->user) : 0, pl = r->persist ? strlen(r->persist) : 0;
	size_t cl = cfg_xml ? strlen(cfg_xml) : 0;
	char *buf, *p;

	*out = NULL;
	n += 2 * ul + 2 * pl + cl;
	buf = malloc(n);
	if (!buf)
		return -1;
	p = buf + snprintf(buf, n, MAGIC "deadline %" PRId64 "\nsession %" PRIu32 "\n",
			   r->deadline, r->sid);
	if (r->user)
		p = put_hex(p, buf + n, "user", r->user);
	if (r->persist)
		p = put_hex(p, buf + n, "persist", r->persist);
	p += snprintf(p, n - (size_t)(p - buf), "boot-id %s\nconfig\n", r->boot_id);
	memcpy(p, cfg_xml ? cfg_xml : "", cl + 1);
	*out = buf;
	return 0;
}

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A string from its lower-case hex; no NUL byte inside. */
static int unhex(const char *s, size_t len, char **out)
{
	char *o;
	size_t i;
	int hi, lo;

	*out = NULL;
	if (len % 2)
		return -1;
	o = malloc(len / 2 + 1);
	if (!o)
		return -1;
	for (i = 0; i < len; i += 2) {
		hi = hexdigit(s[i]);
		lo = hexdigit(s[i + 1]);
		if (hi < 0 || lo < 0 || !(hi | lo)) {
			free(o);
			return -1;
		}
		o[i / 2] = (char)(hi << 4 | lo);
	}
	o[len / 2] = '\0';
	*out = o;
	return 0;
}

static int num(const char *s, size_t len, int64_t min, int64_t max, int64_t *v)
{
	char buf[32], *end;
	long long x;

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '+' || buf[0] == ' ')
		return -1;
	errno = 0;
	x = strtoll(buf, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

/* One header line "key value" (without its newline) into r; seen counts
 * the keys met, so that none comes twice.  0 or -1. */
static int header_line(const char *l, size_t len, struct vnm_cc_rec *r, unsigned *seen)
{
	static const char *const keys[] = {"deadline", "session", "user", "persist", "boot-id"};
	const char *sp = memchr(l, ' ', len), *v;
	size_t k, kl, vl;
	int64_t x;

	if (!sp)
		return -1;
	kl = (size_t)(sp - l);
	v = sp + 1;
	vl = len - kl - 1;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if (strlen(keys[k]) == kl && !memcmp(l, keys[k], kl))
			break;
	}
	if (k == sizeof(keys) / sizeof(keys[0]) || (*seen & (1u << k)))
		return -1;
	*seen |= 1u << k;
	switch (k) {
	case 0:
		if (num(v, vl, 0, INT64_MAX, &x))
			return -1;
		r->deadline = x;
		return 0;
	case 1:
		if (num(v, vl, 0, UINT32_MAX, &x))
			return -1;
		r->sid = (uint32_t)x;
		return 0;
	case 2:
		return unhex(v, vl, &r->user);
	case 3:
		return unhex(v, vl, &r->persist);
	default:
		if (vl >= sizeof(r->boot_id) || memchr(v, '\0', vl))
			return -1;
		memcpy(r->boot_id, v, vl);
		r->boot_id[vl] = '\0';
		return 0;
	}
}

int vnm_cc_rec_parse(const char *text, struct vnm_cc_rec *r, const char **cfg_xml,
		     struct vnm_err *err)
{
	const char *p = text, *nl;
	unsigned seen = 0, line = 1;

	memset(r, 0, sizeof(*r));
	*cfg_xml = NULL;
	if (strncmp(text, MAGIC, strlen(MAGIC)))
		return vnm_err_set(err, VNM_E_INVALID, NULL, "line 1 is not \"%.*s\"",
				   (int)strlen(MAGIC) - 1, MAGIC);
	p += strlen(MAGIC);
	for (;;) {
		line++;
		nl = strchr(p, '\n');
		if (!nl)
			break;
		if (nl - p == 6 && !memcmp(p, "config", 6)) {
			/* deadline and session are what a rollback needs */
			if ((seen & 3u) != 3u)
				break;
			*cfg_xml = nl + 1;
			return 0;
		}
		if (header_line(p, (size_t)(nl - p), r, &seen)) {
			vnm_cc_rec_clear(r);
			return vnm_err_set(err, VNM_E_INVALID, NULL, "line %u (\"%.*s\") is wrong",
					   line, (int)(nl - p > 60 ? 60 : nl - p), p);
		}
		p = nl + 1;
	}
	vnm_cc_rec_clear(r);
	return vnm_err_set(err, VNM_E_INVALID, NULL,
			   "it ends at line %u without its deadline, session and \"config\" line",
			   line);
}

enum vnm_cc_verdict vnm_cc_judge(const struct vnm_cc_rec *r, uint32_t sid,
				 const char *persist_id)
{
	if (!r)
		return VNM_CC_NONE;
	if (r->persist) {
		if (!persist_id)
			return VNM_CC_NEED_ID;
		return strcmp(persist_id, r->persist) ? VNM_CC_WRONG_ID : VNM_CC_MAY;
	}
	if (persist_id)
		return VNM_CC_NOT_PERSIST;
	return sid && sid == r->sid ? VNM_CC_MAY : VNM_CC_OTHER_SESSION;
}
