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
/* net-snmp's netsnmp_session, netsnmp_pdu, netsnmp_variable_list */
struct snmp_session;
struct snmp_pdu;
struct variable_list;

struct vnm_agent {
	struct vnm_core *core;
	char *socket;                /* AgentX master, or NULL */
	char *listen;                /* embedded master's transport, or NULL */
	char *community, *user;      /* embedded: access */
	char *snmp_dir;              /* net-snmp's directories, or NULL */
	void *listen_sess;           /* embedded: the listening session */
	bool fastwalk;               /* embedded: fastwalk.c answers what it can */
	int64_t linger_us;           /* embedded: poll this long after a walk's answer */
	int64_t linger_until;        /* CLOCK_MONOTONIC us; 0: no walk going on */
	int64_t answered;            /* when fastwalk.c last answered (us) */
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
/* For the fast path (fastwalk.c): the rows of table kind (0 networks, 1
 * routers, 2 links) that net-snmp's helpers would read now, the cache
 * reloaded first when it expired, as the cache helper does once per
 * request.  Returns 0 with *w set, or -1 when the table has no loaded
 * picture or caching is off (then net-snmp's own path answers).  The rows
 * stay valid until the next call for the same table. */
int vnm_table_walk(struct vnm_agent *a, int kind, struct vnm_walk_table *w);
/* Column col of a row of that table (a struct of the rowset: what
 * vnm_table_walk's rows hold) into v's type and value, as the table's
 * handler fills them for GET: 0, or -1 for a column it has not. */
int vnm_table_cell(int kind, const void *row, unsigned col, struct variable_list *v);

/* agent.c: CLOCK_MONOTONIC in microseconds. */
int64_t vnm_agent_mono_us(void);

/* embed.c: the embedded master agent.  _before_init sets the role and
 * transport and calls init_agent(); _access feeds the access lines (before
 * init_snmp()); _listen opens the transport (after it). */
int vnm_embed_before_init(struct vnm_agent *a, struct vnm_err *err);
int vnm_embed_access(struct vnm_agent *a, struct vnm_err *err);
void vnm_embed_access_drop(struct vnm_agent *a);
int vnm_embed_listen(struct vnm_agent *a, struct vnm_err *err);
void vnm_embed_shutdown(struct vnm_agent *a);
/* Whether the sender of pdu may read VNMD-MIB: 0 (VACM_SUCCESS), or the
 * VACM code net-snmp's path acts on (embed.c's access check). */
int vnm_embed_sender(const struct vnm_agent *a, const struct snmp_pdu *pdu);

/* fastwalk.c: the embedded agent's session callback.  Answers GETNEXT and
 * GETBULK requests that stay inside VNMD-MIB's tables from the rows, and
 * hands everything else to net-snmp's handle_snmp_packet (the arguments
 * are net-snmp's snmp_callback's; session->myvoid is the agent). */
int vnm_fastwalk_packet(int op, struct snmp_session *sess, int reqid, struct snmp_pdu *pdu,
			void *magic);
/* Sets the fast path up for the listening session (before requests). */
void vnm_fastwalk_init(struct vnm_agent *a);
/* After net-snmp's loop handled something: while a walk goes on, go on
 * handling requests without sleeping between them (see fastwalk.c);
 * returns at once otherwise (and for the AgentX subagent). */
void vnm_fastwalk_linger(struct vnm_agent *a);

/* The OID of VNMD-MIB (vnmdMIB), as the start of an oid array. */
#define VNM_MIB_ROOT 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 7

#endif
