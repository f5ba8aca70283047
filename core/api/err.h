/*
 * err.h - errors that name the object and say what to do.
 *
 * Every function of vnmd that can fail returns 0 on success or -1 on
 * failure, and fills a caller-supplied struct vnm_err.  The code maps to a
 * NETCONF error-tag (see vnm_err_tag()); path is the data path of the object
 * at fault (for NETCONF error-path), msg a sentence for a person.
 */
#ifndef VNM_ERR_H
#define VNM_ERR_H

#include <stdbool.h>
#include <stddef.h>

enum vnm_err_code {
	VNM_OK = 0,
	VNM_E_INVALID,      /* invalid-value: a value or a combination is wrong */
	VNM_E_MISSING,      /* data-missing: a referenced object does not exist */
	VNM_E_EXISTS,       /* data-exists: the object already exists */
	VNM_E_UNSUPPORTED,  /* operation-not-supported: e.g. a missing kernel module */
	VNM_E_DRIVER,       /* operation-failed: libvirt or netlink refused */
	VNM_E_INCONSISTENT, /* operation-failed: undo failed, reality drifted */
	VNM_E_NOMEM,        /* resource-denied */
	VNM_E_INTERNAL,     /* operation-failed: a bug */
	/* NETCONF message-level faults (edit-config, filters) */
	VNM_E_UNKNOWN_ELEMENT, /* unknown-element: no such node in the schema */
	VNM_E_BAD_ELEMENT,     /* bad-element: a node in the wrong place or role */
	VNM_E_MISSING_ELEMENT, /* missing-element: e.g. a list entry without its key */
	VNM_E_MALFORMED,       /* malformed-message: XML that does not parse */
	VNM_E_BAD_ATTRIBUTE,   /* bad-attribute: e.g. nc:operation="frob" */
};

struct vnm_err {
	enum vnm_err_code code;
	char path[512]; /* e.g. /nw:networks/nw:network[nw:network-id='vn-a']/... */
	char msg[1024];
};

/* Set err (may be NULL) and return -1, so that callers can write
 * `return vnm_err_set(err, VNM_E_INVALID, path, "...", ...);`.
 * path may be NULL. */
int vnm_err_set(struct vnm_err *err, enum vnm_err_code code, const char *path,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Prefix the message already in err with "fmt: ", keeping code and path. */
void vnm_err_prefix(struct vnm_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void vnm_err_clear(struct vnm_err *err);

/*
 * A collector, for checks that find more than one error (semantic
 * validation, edit-config with continue-on-error, `vnmd -n`): the first
 * error goes to the caller's vnm_err, each one to an optional callback,
 * and with keep every one into a list.  Fill in the fields before the
 * first vnm_errs_add(); start with {0} and set what you need:
 *
 *   struct vnm_errs c = {.first = err, .go_on = all, .keep = all};
 *   if (vnm_errs_add(&c, VNM_E_INVALID, path, "router %s: ...", name))
 *           return -1;              // stop: first error, or out of memory
 *   ...
 *   list = vnm_errs_take(&c);       // c.n errors, caller frees
 *   vnm_errs_free(&c);
 */
typedef void (*vnm_err_cb)(void *arg, const struct vnm_err *e);

struct vnm_errs {
	struct vnm_err *first; /* may be NULL: receives the first error */
	bool go_on;            /* go on past an error to find the others */
	vnm_err_cb cb;         /* may be NULL: called with each error, in order */
	void *arg;             /* for cb */
	bool keep;             /* keep every error in list */
	struct vnm_err *list;  /* with keep: the errors so far (owned) */
	size_t n;              /* errors so far (also without keep) */
	bool oom;              /* no memory to keep one: it is not counted, and
				* every later add returns -1 */
};

/* Record one error.  Returns 0 when the caller should go on checking
 * (go_on), -1 when it should stop (not go_on, or no memory to keep it). */
int vnm_errs_add(struct vnm_errs *c, enum vnm_err_code code, const char *path,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Hand the list to the caller (free() it; c->n entries, NULL when none
 * were kept).  The collector stops keeping (keep = false) but still
 * counts. */
struct vnm_err *vnm_errs_take(struct vnm_errs *c);

/* Free the list and forget every error (n = 0); the settings stay. */
void vnm_errs_free(struct vnm_errs *c);

/* NETCONF error-tag for a code ("invalid-value", "data-missing", ...). */
const char *vnm_err_tag(enum vnm_err_code code);

#endif
