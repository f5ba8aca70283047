/*
 * agent_int.h - state shared by the files of the SNMP subagent.
 *
 * Everything below "net-snmp thread only" is touched by the agent's own
 * thread and nothing else; the event queue is the one place where a core
 * thread and the agent thread meet (under ev_lock, woken through a pipe).
 */
#ifndef VNM_AGENT_INT_H
#define VNM_AGENT_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "rows.h"

/* One core snapshot and its rows: what a table cache, a scalar or a trap
 * reads.  Reference-counted on the agent thread. */
struct vnm_picture {
	struct vnm_snapshot *snap; /* NULL: the core had none yet */
	struct vnm_rowset *rs;
	int refs;
};

struct vnm_agent_ev;  /* a copied struct vnm_event */
struct vnm_agent_sub; /* the subscription handed to the core */
struct vnm_table;     /* one registered MIB table (tables.c) */

struct vnm_agent {
	struct vnm_core *core;
	char *socket;                /* AgentX master, or NULL */
	char *listen;                /* embedded master's transport, or NULL */
	char *community, *user;      /* embedded: access */
	char *snmp_dir;              /* net-snmp's directories, or NULL */
	void *listen_sess;           /* embedded: the listening session */
	pthread_t thread;
	bool thread_started;
	int wake[2];                 /* core threads write, the agent reads */
	atomic_int stop;

	pthread_mutex_t ev_lock;     /* the queue of events for traps */
	struct vnm_agent_ev *ev_head, *ev_tail;
	struct vnm_agent_sub *sub;
	bool subscribed;             /* sub was handed to the core: never freed */

	pthread_mutex_t init_lock;   /* start-up handshake */
	pthread_cond_t init_cond;
	bool init_done;
	int init_rc;
	struct vnm_err init_err;

	/* net-snmp thread only */
	struct vnm_rows rows;
	struct vnm_picture *pic;     /* the latest picture, one reference */
	int64_t start_unix;
	uint32_t last_now;           /* TimeStamp of the last rows build */
	struct vnm_table *tables[3];
	struct vnm_agent_ev *pending; /* traps waiting for their object's row */
	unsigned int timer;          /* snmp alarm: pending traps, new snapshots */
	void *scalars[4];            /* handler registrations */
};

/* The picture of the latest core snapshot (built when the snapshot is new),
 * with a reference for the caller; NULL only when memory ran out. */
struct vnm_picture *vnm_agent_picture(struct vnm_agent *a);
void vnm_picture_put(struct vnm_picture *p);
/* TimeStamp now (centiseconds since the agent started). */
uint32_t vnm_agent_now(void);

/* tables.c: register the scalars and tables of VNMD-MIB. */
int vnm_tables_register(struct vnm_agent *a, struct vnm_err *err);
/* Make every table load a new picture at its next request. */
void vnm_tables_invalidate(struct vnm_agent *a);
/* The same for the tables whose rows are not of snapshot s. */
void vnm_tables_invalidate_older(struct vnm_agent *a, const struct vnm_snapshot *s);
void vnm_tables_unregister(struct vnm_agent *a);

/* embed.c: the embedded master agent.  _before_init sets the role and
 * transport and calls init_agent(); _access feeds the access lines (before
 * init_snmp()); _listen opens the transport (after it). */
int vnm_embed_before_init(struct vnm_agent *a, struct vnm_err *err);
int vnm_embed_access(struct vnm_agent *a, struct vnm_err *err);
void vnm_embed_access_drop(struct vnm_agent *a);
int vnm_embed_listen(struct vnm_agent *a, struct vnm_err *err);
void vnm_embed_shutdown(struct vnm_agent *a);

/* The OID of VNMD-MIB (vnmdMIB), as the start of an oid array. */
#define VNM_MIB_ROOT 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 7

#endif
