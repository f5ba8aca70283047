/*
 * peer_policy.h - which management addresses (the NETCONF endpoints of
 * other vnmds, one per RM) a host of the model may name, and with which
 * credentials.
 *
 * A coordinating vnmd connects to every management address of the
 * configuration, and a NETCONF client writes that configuration: so the
 * addresses vnmd may reach, and the keys it may use, are the operator's
 * choice (vnmd --allow-peer, --peer-key), checked here before anything
 * changes.  There is no built-in list: without --allow-peer every
 * management address is refused.
 *
 * Addresses: "unix:/ABSOLUTE/PATH" or "ssh:USER@HOST[:PORT]".  An entry
 * allows an address equal to it, or one it matches as an fnmatch(3)
 * pattern in which '*' and '?' cross no '/' and match no leading '.' of a
 * path component (so 'unix:/run/vnmd-*' reaches no "..").
 */
#ifndef VNM_PEER_POLICY_H
#define VNM_PEER_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#define VNM_PEER_ALLOW_OPT "--allow-peer"
#define VNM_PEER_KEY_OPT "--peer-key"

struct vnm_peer_key {
	const char *name;   /* what management/credentials names */
	const char *path;   /* the private key; the public key is PATH.pub */
};

struct vnm_peer_policy {
	const char *const *allow;     /* --allow-peer entries; not owned */
	size_t n_allow;
	const struct vnm_peer_key *keys; /* --peer-key; not owned */
	size_t n_keys;
	const char *known_hosts;      /* --peer-known-hosts: the peers' SSH host
				       * keys; NULL: libssh's defaults */
};

/* A parsed management address.  unix: path set; ssh: user, host, port. */
struct vnm_peer_addr {
	bool ssh;
	char path[256];
	char user[64];
	char host[256];
	unsigned port;      /* 830 unless given */
};

/* Parse addr: 0, or -1 with a sentence in why (static storage) when it is
 * not of either form. */
int vnm_peer_addr_parse(const char *addr, struct vnm_peer_addr *out, const char **why);

/* Whether the policy allows addr (not parsed again: exact or pattern). */
bool vnm_peer_allowed(const struct vnm_peer_policy *p, const char *addr);

/* The key named name, or NULL. */
const struct vnm_peer_key *vnm_peer_key(const struct vnm_peer_policy *p, const char *name);

/* Whether entry may be an --allow-peer entry: NULL, or why not. */
const char *vnm_peer_entry_refusal(const char *entry);

/* Check the management address and credentials of every host of m that
 * has one against the policy (nothing a NETCONF client writes may make
 * vnmd reach a host the operator did not allow).  0, or -1 with err the
 * first error naming the host; with report, each error is also passed to
 * it (a whole file checked in one round, vnmd -n). */
struct vnm_model;
struct vnm_err;
int vnm_peer_check_model(const struct vnm_peer_policy *p, const struct vnm_model *m,
			 void (*report)(void *arg, const struct vnm_err *e), void *arg,
			 struct vnm_err *err);

#endif
