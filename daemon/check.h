/*
 * check.h - `vnmd -n -c FILE`: check a configuration and print it normalised.
 *
 * Parses FILE (NETCONF <config> XML of the model), runs YANG validation and
 * the semantic rules of vnm_validate_with() under uris (the hypervisor
 * URIs hosts may name, uri_policy.h; NULL: the built-in list) and the
 * management addresses a coordinator may reach, and writes
 * to out the normalised configuration (XML, defaults trimmed, canonical
 * order), or to errout one line per error ("error: <message> (at
 * <path>)").  Returns 0 when the configuration is valid, 1 when it is not,
 * 2 when it could not be read.
 */
#ifndef VNM_CHECK_H
#define VNM_CHECK_H

#include <stdio.h>

struct vnm_uri_policy;
struct vnm_peer_policy;
/* peers: the management addresses a coordinator may reach
 * (peer_policy.h); NULL for a vnmd started with --host, which reaches no
 * one. */
int vnm_check_file(const char *path, const struct vnm_uri_policy *uris,
		   const struct vnm_peer_policy *peers, FILE *out, FILE *errout);
/* The same for a state directory's running.xml with the changes of its
 * journal (running.journal) that running.xml does not hold yet: what
 * vnmd would start from.  Nothing in dir is changed. */
int vnm_check_running(const char *dir, const struct vnm_uri_policy *uris,
		      const struct vnm_peer_policy *peers, FILE *out, FILE *errout);

#endif
