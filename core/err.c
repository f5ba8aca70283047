/* err.c - see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vnm_err_set(struct vnm_err *err, enum vnm_err_code code, const char *path,
		const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code;
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void vnm_err_prefix(struct vnm_err *err, const char *fmt, ...)
{
	char head[512], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", head, old);
}

int vnm_errs_add(struct vnm_errs *c, enum vnm_err_code code, const char *path,
		 const char *fmt, ...)
{
	struct vnm_err e;
	va_list ap;

	if (c->oom)
		return -1;
	e.code = code;
	snprintf(e.path, sizeof(e.path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	if (!c->n && c->first)
		*c->first = e;
	if (c->keep && !(c->n & (c->n - 1))) { /* grow at powers of two */
		struct vnm_err *nl = realloc(c->list, (c->n ? c->n * 2 : 1) * sizeof(*nl));

		if (!nl) {
			c->oom = true;
			return -1;
		}
		c->list = nl;
	}
	if (c->keep)
		c->list[c->n] = e;
	c->n++;
	if (c->cb)
		c->cb(c->arg, &e);
	return c->go_on ? 0 : -1;
}

struct vnm_err *vnm_errs_take(struct vnm_errs *c)
{
	struct vnm_err *l = c->list;

	c->list = NULL;
	c->keep = false;
	return l;
}

void vnm_errs_free(struct vnm_errs *c)
{
	if (!c)
		return;
	free(c->list);
	c->list = NULL;
	c->n = 0;
	c->oom = false;
}

void vnm_err_clear(struct vnm_err *err)
{
	if (!err)
		return;
	err->code = VNM_OK;
	err->path[0] = '\0';
	err->msg[0] = '\0';
}

const char *vnm_err_tag(enum vnm_err_code code)
{
	switch (code) {
	case VNM_OK:
		return "";
	case VNM_E_INVALID:
		return "invalid-value";
	case VNM_E_MISSING:
		return "data-missing";
	case VNM_E_EXISTS:
		return "data-exists";
	case VNM_E_UNSUPPORTED:
		return "operation-not-supported";
	case VNM_E_NOMEM:
		return "resource-denied";
	case VNM_E_UNKNOWN_ELEMENT:
		return "unknown-element";
	case VNM_E_BAD_ELEMENT:
		return "bad-element";
	case VNM_E_MISSING_ELEMENT:
		return "missing-element";
	case VNM_E_MALFORMED:
		return "malformed-message";
	case VNM_E_BAD_ATTRIBUTE:
		return "bad-attribute";
	case VNM_E_DRIVER:
	case VNM_E_INCONSISTENT:
	case VNM_E_INTERNAL:
		break;
	}
	return "operation-failed";
}
