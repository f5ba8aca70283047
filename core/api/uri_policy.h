/*
 * uri_policy.h - which hypervisor URIs a host of the model may name.
 *
 * libvirt does more than connect with some URIs: the ext transport and a
 * command= parameter run a program, the ssh transports run ssh, the test
 * driver with a path reads that file, socket=/keyfile=/pkipath= name files.
 * vnmd runs as root, so the URIs a NETCONF client may write are the
 * operator's choice (vnmd --allow-uri), checked here.
 *
 * Rules, in order:
 *   1. Never: a scheme with the ext transport (driver+ext:...) or a
 *      command= query parameter, whoever wrote it.
 *   2. A URI equal byte for byte to an allow-list entry or to the default
 *      URI (--libvirt-uri) is allowed: the operator wrote it.
 *   3. Any other URI with a query ('?') or a fragment ('#') is refused.
 *   4. Otherwise the URI is allowed when it matches an entry without '?',
 *      read as an fnmatch(3) pattern in which '*' does not cross '/'
 *      (e.g. qemu+tls://rm-*.lab.example/system); the schemes of both are
 *      compared without regard to case.
 * With no entries the built-in list applies: qemu:///system,
 * qemu:///session, test:///default.
 */
#ifndef VNM_URI_POLICY_H
#define VNM_URI_POLICY_H

#include <stddef.h>

/* The option that adds an entry, for messages. */
#define VNM_URI_ALLOW_OPT "--allow-uri"
#define VNM_URI_BUILTIN "qemu:///system, qemu:///session, test:///default"

struct vnm_uri_policy {
	const char *const *allow; /* the operator's entries; not owned */
	size_t n_allow;           /* 0: the built-in list */
	const char *default_uri;  /* --libvirt-uri, allowed as written; NULL: none */
};

enum vnm_uri_verdict {
	VNM_URI_ALLOWED = 0,
	VNM_URI_RUNS_PROGRAM, /* rule 1: can never be allowed */
	VNM_URI_QUERY,        /* rule 3: allowed only by an entry equal to it */
	VNM_URI_NOT_LISTED,   /* rule 4 found no entry */
};

/* The verdict on uri under p (NULL: the built-in list, no default URI).
 * A NULL or empty uri is VNM_URI_NOT_LISTED; so is any uri when memory
 * runs out. */
enum vnm_uri_verdict vnm_uri_check(const struct vnm_uri_policy *p, const char *uri);

/* Whether entry may be an allow-list entry or the default URI: NULL when
 * it may, else a sentence saying why not (static storage). */
const char *vnm_uri_entry_refusal(const char *entry);

/* A sentence for a refused uri: why, and how the operator allows it
 * (nothing when it cannot be allowed).  Writes at most len bytes to buf. */
void vnm_uri_explain(enum vnm_uri_verdict v, const char *uri, char *buf, size_t len);

#endif
