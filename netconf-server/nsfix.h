/*
 * nsfix.h - gives a NETCONF <config> or <filter> in no namespace the
 * namespace it stands for, on the way into libnetconf2.
 *
 * ncclient's documented edit_config(config="<config>...</config>") and its
 * string filters send <config> / <filter> with no namespace at all, and
 * libyang (which libnetconf2 parses every RPC with) refuses the whole RPC
 * with "Missing XML namespace." before vnmd sees it.  ncclient's
 * create_subscription(filter=...) puts <filter> in the base namespace where
 * RFC 5277 has the notification one, and libyang refuses it as an unknown
 * child.  The gate runs each message through this scanner, which adds the
 * declaration those elements lack, at the end of their start tag:
 *
 *   - an element named config or filter, without a prefix, in no namespace,
 *     at depth 3 or 4 (<rpc> is 1: edit-config/config, get/filter,
 *     copy-config/source/config, validate/source/config, ...) gets
 *     xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" (the notification
 *     namespace for the filter of create-subscription);
 *   - the filter of create-subscription (depth 3) in the base namespace gets
 *     its prefix (or the default namespace) redeclared to the notification
 *     namespace.
 *
 * Nothing else changes; an element that declares the namespace in question
 * itself is left as it is (libyang then names what is wrong).  At most
 * VNM_NSFIX_MAX elements of a message are changed.
 *
 * The scanner is fed byte by byte (it keeps its state across reads, like
 * nsguard.h); it need not judge well-formedness: libyang does that after it.
 */
#ifndef VNM_NSFIX_H
#define VNM_NSFIX_H

#include <stdbool.h>
#include <stddef.h>

#define VNM_NSFIX_MAX 4        /* changed elements per message */
#define VNM_NSFIX_DEPTH 5      /* levels whose declarations are followed */
#define VNM_NSFIX_NAME 40      /* longest element / attribute name followed */
#define VNM_NSFIX_INS_MAX 112  /* longest text inserted at one byte */

struct vnm_nsfix_level {
	int def;                          /* kind of its default namespace (nsfix.c) */
	char pfx[2][VNM_NSFIX_NAME];      /* prefixes it binds to the base namespace */
};

struct vnm_nsfix {
	int st;                  /* where in the markup (nsfix.c) */
	unsigned n;              /* bytes of "--" / "]]" matched, "[" depth */
	unsigned depth;          /* open elements */
	unsigned fixed;          /* elements changed in this message */
	bool subscription;       /* the operation is create-subscription */
	char quote;
	char name[VNM_NSFIX_NAME];  /* the start tag's element name */
	size_t name_len;
	char aname[VNM_NSFIX_NAME]; /* the attribute being read */
	size_t aname_len;
	char aval[64];              /* its value (the start of it) */
	size_t aval_len;
	struct vnm_nsfix_level tag; /* what the start tag being read declares */
	bool tag_def_any;           /* it declares xmlns (any value) */
	bool tag_pfx_any;           /* it declares xmlns:<its own prefix> */
	struct vnm_nsfix_level lv[VNM_NSFIX_DEPTH];
	char ins[VNM_NSFIX_INS_MAX + 1];
};

/* A scanner at the start of a message. */
void vnm_nsfix_init(struct vnm_nsfix *x);

/* One byte of the message: the text to put before it ("" for none). */
const char *vnm_nsfix_step(struct vnm_nsfix *x, char c);

/* Copy n bytes of in to out with the insertions; out has room for room
 * bytes.  Stops early when room is short of VNM_NSFIX_INS_MAX + 1; *used
 * tells how many bytes of in were taken.  Returns the bytes written. */
size_t vnm_nsfix_copy(struct vnm_nsfix *x, const char *in, size_t n, char *out, size_t room,
		      size_t *used);

/* The whole of a message, fixed: a new string (free()), NULL if out of memory. */
char *vnm_nsfix_string(const char *xml);

#endif
