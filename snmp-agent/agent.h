/*
 * agent.h - the SNMP agent of vnmd (VNMD-MIB): an AgentX subagent, or an
 * embedded master agent of its own.
 *
 * vnm_agent_start() starts one thread that owns every net-snmp call.  As a
 * subagent it connects to the master at socket ("/path" or
 * "tcp:HOST:PORT"), serves the MIB from core snapshots, sends traps on core
 * events, and reconnects by itself when the master goes away; it never
 * makes the daemon exit.  vnm_agent_start_conf() with listen set runs
 * net-snmp's master agent in the process instead (embed.c): SNMP on that
 * UDP transport, read-only, for the community and USM user given, GETBULK
 * answered natively; no traps (it has no sinks).  net-snmp's state is
 * global: one agent per process, of one kind.
 */
#ifndef VNM_AGENT_H
#define VNM_AGENT_H

#include <stddef.h>

#include "core.h"
#include "err.h"

struct vnm_agent;

int vnm_agent_start(struct vnm_core *core, const char *socket, struct vnm_agent **out,
		    struct vnm_err *err);

struct vnm_agent_conf {
	const char *agentx;    /* subagent of the master there, or NULL */
	const char *listen;    /* or master on udp:IPV4:PORT / udp6:[IPV6]:PORT */
	const char *community; /* listen: read-only v1/v2c community, or NULL */
	const char *user;      /* listen: NAME:AUTHPASS[:PRIVPASS], SHA/AES, or NULL */
	/* net-snmp's persistent and configuration directory becomes
	 * STATE_DIR/snmp (it reads its certificate indexes there, and finds
	 * nothing else: no persistent file is read or written); NULL leaves
	 * net-snmp's defaults (tools and tests). */
	const char *state_dir;
};

/* Exactly one of agentx and listen; listen needs community or user. */
int vnm_agent_start_conf(struct vnm_core *core, const struct vnm_agent_conf *conf,
			 struct vnm_agent **out, struct vnm_err *err);

/* Checks of the option values (no net-snmp call): 0, or -1 with why. */
int vnm_snmp_listen_check(const char *spec, char *why, size_t len);
int vnm_snmp_community_check(const char *community, char *why, size_t len);
int vnm_snmp_user_check(const char *user, char *why, size_t len);
void vnm_agent_stop(struct vnm_agent *a); /* NULL is fine */

#endif
