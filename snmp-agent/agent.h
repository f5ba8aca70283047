/*
 * agent.h - the SNMP AgentX subagent of vnmd (VNMD-MIB).
 *
 * vnm_agent_start() starts one thread that owns every net-snmp call.  It
 * connects to the master at socket ("/path" or "tcp:HOST:PORT"), serves the
 * MIB from core snapshots, sends traps on core events, and reconnects by
 * itself when the master goes away.  It never makes the daemon exit.
 */
#ifndef VNM_AGENT_H
#define VNM_AGENT_H

#include "core.h"
#include "err.h"

struct vnm_agent;

int vnm_agent_start(struct vnm_core *core, const char *socket, struct vnm_agent **out,
		    struct vnm_err *err);
void vnm_agent_stop(struct vnm_agent *a); /* NULL is fine */

#endif
