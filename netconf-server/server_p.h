/*
 * server_p.h - internals shared by the files of the NETCONF server.
 *
 * Locking: srv->ds_lock serialises the writers (every read-modify-write of
 * a datastore: edit-config, copy-config, delete-config, commit,
 * discard-changes, actions), so that two sessions editing at once never lose
 * an update; it is held across a core transaction.  srv->st_lock guards the
 * candidate tree, its modified flag and the datastore locks, only for short
 * moments: reads, <lock> and <unlock> never wait for a transaction (running
 * comes from the core, which copies it under its own short lock).
 * Order: ds_lock before st_lock.  srv->sess_lock guards the session table
 * only and is never held while calling into the core.
 */
#ifndef VNM_SERVER_P_H
#define VNM_SERVER_P_H

/* Debian builds libnetconf2 with SSH; its headers need to be told. */
#ifndef NC_ENABLED_SSH
#define NC_ENABLED_SSH
#endif

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <libnetconf2/config.h>
#include <libnetconf2/netconf.h>
#include <libnetconf2/messages_server.h>
#include <libnetconf2/session_server.h>

#include "core.h"
#include "edit.h"
#include "err.h"
#include "server.h"

/* libnetconf2 refuses a pollsession call when NC_PS_QUEUE_SIZE threads
 * wait for it already (2.0.24: 6): the workers, and one more thread at a
 * time adding a session (ps_lock), must stay within it */
#define VNM_MAX_WORKERS (NC_PS_QUEUE_SIZE - 1)
#define VNM_MAX_HANDSHAKES 64 /* clients in their SSH login or hello at once */
#define VNM_MAX_GATES 1100     /* connections relayed by the gate (gate.c) */
#define VNM_AUTH_FAIL_DELAY_MS 500 /* after each wrong password */
#define VNM_HANDSHAKE_SECS 10  /* for an SSH login; the hello has as long again */

enum vnm_ds {
	VNM_DS_RUNNING = 0,
	VNM_DS_CANDIDATE,
	VNM_DS_STARTUP,
	VNM_DS_COUNT,
};

struct vnm_sess {
	uint32_t id;
	struct nc_session *ncs;
	int fd;             /* socket vnmd accepted itself, or -1 */
	char user[64];      /* libnetconf2 2.0.24 keeps none for sessions on fds */
	char host[64];      /* the SSH or TLS client's address, "" on the UNIX socket */
	bool ssh;
	bool tls;
	bool read_only;     /* member of NACM's VNM_NACM_RO_GROUP (password file :ro) */
	bool recovery;      /* NACM's recovery session: root on the UNIX socket */
	time_t login;
	uint32_t in_rpcs, in_bad_rpcs, out_rpc_errors;
};

struct vnm_auth_key;
struct vnm_auth_pass;

struct vnm_server {
	struct ly_ctx *ctx;
	struct vnm_core *core;
	const char *state_dir;       /* the replay log's directory; NULL: memory only */
	size_t replay_events, replay_bytes; /* the replay log's bound; 0: defaults */
	size_t max_config;

	struct nc_pollsession *ps;
	pthread_mutex_t ps_lock;       /* one hello thread at a time in ps */
	pthread_t accept_thr;
	pthread_t workers[VNM_MAX_WORKERS];
	unsigned n_workers;
	volatile int stop;
	int unix_fd;                   /* our own UNIX listener, or -1 */
	char *unix_path;
	int ssh_fd;                    /* the SSH listener (libssh's), or -1 */
	int tls_fd;                    /* the TLS listener, or -1 */
	struct ssl_ctx_st *tls_ctx;    /* OpenSSL's SSL_CTX */
	struct vnm_tls_map *tls_maps;  /* cert-to-name, in order */
	size_t n_tls_maps;
	ssh_bind ssh_bind;
	size_t max_msg;                /* largest message the gate lets through */
	/* the gate's connections (sess_lock): each slot's client socket (-1:
	 * free), and until its hello is over, a deadline for its SSH login */
	unsigned n_gates, n_handshakes;
	struct vnm_gate_slot {
		int fd;
		bool handshake;
		time_t deadline;       /* 0: none */
		uint32_t sid;          /* its session, once the hello is over */
		struct vnm_splice *splice; /* a reply's data for the gate (oframe.h) */
		struct vnm_stash_item *stash; /* edits' <config> contents set aside (stash.h) */
		size_t stash_bytes;    /* what they hold */
	} gates[VNM_MAX_GATES];

	pthread_mutex_t ds_lock;
	pthread_mutex_t st_lock;
	struct lyd_node *candidate;    /* valid only when cand_modified */
	bool cand_modified;
	uint32_t lock_sid[VNM_DS_COUNT]; /* 0: unlocked */
	time_t lock_time[VNM_DS_COUNT];

	pthread_mutex_t sess_lock;
	struct vnm_sess **sess;
	size_t n_sess, cap_sess;

	/* statistics for ietf-netconf-monitoring */
	time_t start_time;
	uint32_t in_sessions, dropped_sessions, in_bad_hellos;

	/* SSH authentication */
	struct vnm_auth_key *keys;
	size_t n_keys;
	struct vnm_auth_pass *passes;
	size_t n_passes;
	char *hostkey;
};

extern struct vnm_server *vnm_srv; /* the one server (libnetconf2 is global) */

/* --- replies ------------------------------------------------------ */

/* An error reply from a struct vnm_err: the tag from vnm_err_tag(), the
 * path, the message.  type is the error-type (application unless said). */
struct nc_server_reply *vnm_reply_err(const struct vnm_err *e, NC_ERR_TYPE type);
/* An error with an explicit tag and message (printf-like). */
struct nc_server_reply *vnm_reply_tag(NC_ERR tag, NC_ERR_TYPE type, const char *elem,
				      const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Set <error-path> from a libyang path, as an XPath with declared prefixes
 * (errpath.c).  0 or -1. */
int vnm_err_set_path_xml(struct lyd_node *err, const char *path);
/* Set the message of an error vnmd built (see rpc_errfix.c). */
int vnm_err_set_msg(struct lyd_node *err, const char *msg);
/* Reply carrying data under the operation's <data>-like output node name
 * (anydata "data" for get/get-config, "data" leaf for get-schema). */
struct nc_server_reply *vnm_reply_data(struct lyd_node *rpc, const char *outname,
				       struct lyd_node *tree, NC_WD_MODE wd);

/* --- sessions (server.c) ------------------------------------------ */

struct vnm_sess *vnm_sess_of(struct nc_session *ncs);
/* A session past its hello (r == NC_MSG_HELLO) joins the pollsession;
 * otherwise, or when refused, it is freed.  fd (libnetconf2's end of the
 * gate's socketpair) is closed with the session.  user and host name the
 * client; ssh says how it came; recovery makes it NACM's recovery session
 * (the gate decides: root on the UNIX socket). */
void vnm_sess_start(struct vnm_server *s, struct nc_session *ncs, NC_MSG_TYPE r, int fd,
		    const char *user, const char *host, int transport, bool recovery);
/* Kill session sid for killer (RFC 6241 kill-session); 0 or -1 with err. */
int vnm_sess_kill(uint32_t sid, uint32_t killer, struct vnm_err *err);
/* Copy what the monitoring tree needs about the sessions, under sess_lock. */
struct vnm_sess_info {
	uint32_t id;
	char user[64];
	char host[64];
	NC_TRANSPORT_IMPL ti;
	bool tls;           /* over vnmd's TLS (libnetconf2 sees an fd) */
	time_t login;
	uint32_t in_rpcs, in_bad_rpcs, out_rpc_errors;
};
size_t vnm_sess_list(struct vnm_sess_info **out);

/* --- datastores (datastore.c) -------------------------------------- */

const char *vnm_ds_name(enum vnm_ds ds);
/* Release every lock of sid (session end); discards candidate changes when
 * the candidate lock was held.  Takes st_lock. */
void vnm_ds_session_gone(uint32_t sid);
/* A copy of datastore ds (NULL when empty); 0 or -1.  Locks what it needs. */
int vnm_ds_read(enum vnm_ds ds, struct lyd_node **out, struct vnm_err *err);
/* Replace running with cfg through one core transaction (diff may be NULL).
 * Caller holds ds_lock.  An unmodified candidate keeps tracking running. */
int vnm_ds_commit_running(const struct lyd_node *cfg, const struct lyd_node *diff,
			  struct vnm_err *err);
/* NULL when sid may write ds; otherwise the in-use error reply. */
struct nc_server_reply *vnm_ds_check_writable(enum vnm_ds ds, struct vnm_sess *s);
/* Apply the edit in cfg (<config> of edit-config or edit-data) to ds for
 * session vs: running through one core transaction, candidate kept here,
 * startup validated and saved.  The one write path of both operations.
 * cfg, a node of the request, is freed (unlinked) once read. */
struct nc_server_reply *vnm_ds_edit(enum vnm_ds ds, struct lyd_node *cfg, enum vnm_edit_op dflt,
				   enum vnm_error_option erropt, bool test_only,
				   struct vnm_sess *vs);

struct nc_server_reply *vnm_rpc_get_config(struct lyd_node *rpc, struct nc_session *ncs);
struct nc_server_reply *vnm_rpc_edit_config(struct lyd_node *rpc, struct nc_session *ncs);
struct nc_server_reply *vnm_rpc_copy_config(struct lyd_node *rpc, struct nc_session *ncs);
struct nc_server_reply *vnm_rpc_delete_config(struct lyd_node *rpc, struct nc_session *ncs);
struct nc_server_reply *vnm_rpc_lock(struct lyd_node *rpc, struct nc_session *ncs);
struct nc_server_reply *vnm_rpc_unlock(struct lyd_node *rpc, struct nc_session *ncs);
struct nc_server_reply *vnm_rpc_validate(struct lyd_node *rpc, struct nc_session *ncs);
struct nc_server_reply *vnm_rpc_discard(struct lyd_node *rpc, struct nc_session *ncs);
/* Forget the candidate's changes: it is running again.  Caller holds ds_lock. */
void vnm_ds_candidate_discard(void);
/* Whether the candidate holds changes of its own (st_lock inside). */
bool vnm_ds_candidate_modified(void);

/* --- commit and confirmed commit (confirm.c) ----------------------- */

/* Load a confirmed commit left pending by the previous vnmd (rolling it
 * back at once when its deadline passed, its session is gone or the
 * machine rebooted), start the thread that rolls back at the deadline. */
int vnm_confirm_start(struct vnm_server *s, struct vnm_err *err);
/* Stop the thread; a pending confirmed commit stays on disk for the next start. */
void vnm_confirm_stop(void);
/* Session sid ended: the confirmed commit it gave without <persist> is
 * rolled back (soon, on the confirm thread).  Takes no lock but its own. */
void vnm_confirm_session_gone(uint32_t sid);
struct nc_server_reply *vnm_rpc_commit(struct lyd_node *rpc, struct nc_session *ncs);
struct nc_server_reply *vnm_rpc_cancel_commit(struct lyd_node *rpc, struct nc_session *ncs);

/* --- reads (oper.c) ------------------------------------------------ */

/* Add operational state of the core snapshot to tree (a copy of running).
 * realised (<operational>): configured values the hypervisor reports
 * otherwise are replaced by what it reports, marked or:learned. */
int vnm_oper_add(struct lyd_node **tree, bool realised, struct vnm_err *err);
/* Running's text (with-defaults explicit, as vnm_xml_print prints it) of
 * generation gen or later, its networks being the configuration's text
 * kept for <get> (printed once per generation, patched after a rate
 * change) and sent from where it is kept: <get-config> and <get> share
 * that print.  A reference, or NULL (print running the ordinary way). */
struct vnm_ptext *vnm_running_ptext(uint64_t gen);
/* A commit of generation gen: the read texts kept for older generations
 * are let go at once (oper.c, reads.c), not at the next read. */
void vnm_reads_drop_older(uint64_t gen);
void vnm_oper_drop_older(uint64_t gen);
/* fn(p) run by a worker once the RPC in hand is answered (server.c), or at
 * once when too many wait: a commit's callbacks let go of megabytes of old
 * text, and freeing them before the <ok/> cost that edit milliseconds.
 * bytes: about what goes; a megabyte or more and the heap is trimmed
 * after (glibc keeps freed pages otherwise: RSS back after removal). */
void vnm_srv_later(void (*fn)(void *), void *p, size_t bytes);
/* Helpers of the state nodes (oper.c), also for monitoring.c: an XPath
 * string literal for a key value (quoted with ' or "), a UTC date-and-time,
 * leaf rel under base set to value (0 or -1). */
const char *vnm_xq(const char *v, char *buf, size_t len);
void vnm_time_str(time_t t, char *buf, size_t len);
int vnm_put_leaf(struct lyd_node *base, const char *rel, const char *value);
int vnm_put_u64(struct lyd_node *base, const char *rel, uint64_t v);
/* ietf-netconf-monitoring /netconf-state, and ietf-yang-library data. */
int vnm_monitoring_add(struct lyd_node **tree, struct vnm_err *err);
/* The XML text of an anydata/anyxml node's content (*xml NULL when empty),
 * empty non-presence containers kept.  0 or -1. */
int vnm_any_xml(const struct lyd_node *any, char **xml);

/* notif.c: RFC 5277 notifications (create-subscription, delivery) */
int vnm_notif_start(struct vnm_server *s, struct vnm_err *err);
void vnm_notif_stop(void);
void vnm_notif_session_end(struct nc_session *ncs);
/* RFC 6470 netconf-session-start / netconf-session-end for session vs, to
 * the other subscribers.  reason: "closed", "killed", "dropped" (end only);
 * killed_by: the killer's session id when killed. */
void vnm_notif_session_start(const struct vnm_sess *vs);
void vnm_notif_session_gone(const struct vnm_sess *vs, const char *reason, uint32_t killed_by);
/* The session whose RPC this thread handles now (server.c dispatch), or
 * NULL: a commit by it names it in netconf-config-change's changed-by. */
extern __thread const struct vnm_sess *vnm_rpc_sess;
/* Queue notification tree (taken over) for every subscriber; dropped when
 * nobody subscribed.  Any thread, any lock held. */
void vnm_notif_send(struct lyd_node *tree);
/* nc-notifications' netconf/streams (the NETCONF stream and its replay
 * log) into tree; 0 or -1 (libyang's error). */
int vnm_notif_streams_add(struct lyd_node **tree);
struct nc_server_reply *vnm_rpc_create_subscription(struct lyd_node *rpc, struct nc_session *ncs);
/* Filter and with-defaults as the rpc asks (get, get-config, get-data) and
 * build the reply: the one exit of every read (nmda.h). */
struct nc_server_reply *vnm_reply_filtered(struct lyd_node *rpc, struct lyd_node *tree);
/* The reply of a <get-config> of running with neither filter nor
 * with-defaults mode, for a session that may read everything: running's
 * text, printed once per generation (reads.c); NULL when rpc is not such a
 * request or the text cannot be had (then the caller reads as usual). */
struct nc_server_reply *vnm_reply_running_cached(struct lyd_node *rpc);
/* Whether rpc (get, get-config) asks for everything, unfiltered, in the
 * default with-defaults mode, of a session that may read everything. */
bool vnm_read_plain(struct lyd_node *rpc);
/* A reply's text in pieces (reads.c): a frame printed for it and a large
 * piece kept elsewhere (a cache's text, with a reference) that goes at
 * frame + at.  The gate sends the three parts as they are (oframe.h): the
 * piece is never copied into a reply. */
struct vnm_ptext {
	int refs;
	char *frame;                /* malloc'd */
	size_t flen, at;
	const char *piece;          /* NULL: none */
	size_t plen;
	void (*release)(void *arg); /* the piece's owner, when p goes */
	void *arg;
};
/* frame and the piece's reference taken over (let go when NULL: out of
 * memory, no frame). */
struct vnm_ptext *vnm_ptext_new(char *frame, size_t flen, size_t at, const char *piece,
				size_t plen, void (*release)(void *), void *arg);
struct vnm_ptext *vnm_ptext_ref(struct vnm_ptext *p);
void vnm_ptext_unref(struct vnm_ptext *p);
size_t vnm_ptext_len(const struct vnm_ptext *p);
/* The data reply of rpc with p (taken over) as <data>'s content, sent by
 * the gate (oframe.h); NULL when p is too small for that (let go). */
struct nc_server_reply *vnm_reply_ptext(struct lyd_node *rpc, struct vnm_ptext *p);
struct nc_server_reply *vnm_rpc_get(struct lyd_node *rpc, struct nc_session *ncs);
struct nc_server_reply *vnm_rpc_get_schema(struct lyd_node *rpc, struct nc_session *ncs);

/* --- access control, RFC 8341 (nacm_srv.c, rules in nacm.c) ---------- */

/* Each takes the session (NULL: the server's own request, permitted). */
/* NULL when vs may execute op (the RPC's or action's data node); else the
 * access-denied reply (an action's error-path names its node). */
struct nc_server_reply *vnm_nacm_rpc(const struct vnm_sess *vs, const struct lyd_node *op);
/* Leave out of *tree every node vs may not read (silently, RFC 8341
 * 3.4.5); every reply with data goes through it.  Returns how many
 * subtrees went. */
size_t vnm_nacm_filter(const struct vnm_sess *vs, struct lyd_node **tree);
/* Whether vs may read everything (vnm_nacm_filter would remove nothing). */
bool vnm_nacm_reads_all(const struct vnm_sess *vs);
/* NULL when vs may make every change of diff (libyang diff, yang:operation
 * metadata); else access-denied naming the first denied node. */
struct nc_server_reply *vnm_nacm_write(const struct vnm_sess *vs, const struct lyd_node *diff);
/* The same for replacing datastore ds with tree (copy-config; NULL tree:
 * delete-config); reads ds only when vs is restricted at all. */
struct nc_server_reply *vnm_nacm_write_ds(const struct vnm_sess *vs, enum vnm_ds ds,
					  const struct lyd_node *tree);
/* Whether vs may receive notification tree (counts the denials). */
bool vnm_nacm_notif(const struct vnm_sess *vs, const struct lyd_node *tree);
/* /nacm's counters (denied-operations...) into a <get> tree. */
int vnm_nacm_state_add(struct lyd_node **tree, struct vnm_err *err);
/* Forget the compiled rules and the counters (server start and stop). */
void vnm_nacm_srv_reset(void);

/* --- actions (actions.c) ------------------------------------------- */

struct nc_server_reply *vnm_rpc_action(struct lyd_node *rpc, struct nc_session *ncs);

/* --- SSH (ssh_auth.c) ---------------------------------------------- */

/* Host key (generated when absent), authorized keys, passwords. */
int vnm_ssh_setup(struct vnm_server *s, const struct vnm_server_opts *o, struct vnm_err *err);
void vnm_ssh_free(struct vnm_server *s);
/* Whether user is marked read-only in the password file. */
bool vnm_ssh_user_read_only(const char *user);
/* Whether key may log in as user. */
bool vnm_ssh_key_ok(struct vnm_server *s, const char *user, ssh_key key);
/* Whether password is user's; takes as long for a user that does not exist
 * as for one that does, so that user names cannot be found by timing. */
bool vnm_ssh_password_ok(struct vnm_server *s, const char *user, const char *password);

/* --- the SSH server (ssh_server.c) --------------------------------- */

/* Listen for SSH (libssh's server; vnmd terminates SSH itself). */
int vnm_ssh_listen(struct vnm_server *s, const struct vnm_server_opts *o, struct vnm_err *err);
void vnm_ssh_unlisten(struct vnm_server *s);
struct vnm_ssh_conn;
/* A connection accepted on s->ssh_fd, before its key exchange (no I/O). */
struct vnm_ssh_conn *vnm_ssh_conn_new(struct vnm_server *s, int fd);
/* Key exchange, login and the "netconf" subsystem; 0, or -1 with why.
 * Blocks: the accept thread shuts the socket down at the deadline. */
int vnm_ssh_conn_login(struct vnm_ssh_conn *c, char *user, size_t user_len, char *why,
		       size_t why_len);
ssh_channel vnm_ssh_conn_channel(struct vnm_ssh_conn *c);
void vnm_ssh_conn_free(struct vnm_ssh_conn *c);

/* TLS (tls_server.c): listen with the options' certificates and map; the
 * per-connection handshake, bounded, on the gate's thread; then the
 * client's bytes (read: >0, 0 when none now, -1 at the end). */
int vnm_tls_listen(struct vnm_server *s, const struct vnm_server_opts *o, struct vnm_err *err);
void vnm_tls_unlisten(struct vnm_server *s);
struct vnm_tls_conn;
struct vnm_tls_conn *vnm_tls_conn_new(struct vnm_server *s, int fd);
int vnm_tls_conn_handshake(struct vnm_tls_conn *c, char *user, size_t user_len, char *why,
			   size_t why_len);
ssize_t vnm_tls_read(struct vnm_tls_conn *c, char *buf, size_t n);
bool vnm_tls_pending(struct vnm_tls_conn *c);
int vnm_tls_write(struct vnm_tls_conn *c, const char *buf, size_t n);
void vnm_tls_conn_free(struct vnm_tls_conn *c); /* closes its socket */

/* --- the gate (gate.c) --------------------------------------------- */

enum vnm_transport { VNM_T_UNIX, VNM_T_SSH, VNM_T_TLS };

/* Accept a connection on the UNIX socket or the SSH listener and give it a
 * thread of its own that relays it to libnetconf2 through a socketpair,
 * checking the client's framing (frame.h) on the way. */
void vnm_gate_accept(struct vnm_server *s, enum vnm_transport t);
/* End the logins that took too long (the accept thread, now and then). */
void vnm_gate_sweep(struct vnm_server *s);

/* Give the gate of session sid text (taken over) to send in place of the
 * splice marker of its next reply (oframe.h); -1 when sid has no gate. */
int vnm_gate_splice_put(struct vnm_server *s, uint32_t sid, struct vnm_splice *sp);

struct vnm_stash_item;
/* The <config> content the gate set aside under id for session sid
 * (stash.h), now the caller's; NULL when the session has none of that id.
 * Contents set aside before it were never asked for (libnetconf2 refused
 * their messages) and are freed. */
struct vnm_stash_item *vnm_gate_stash_take(struct vnm_server *s, uint32_t sid, const char *id);
/* Cut every connection off and wait for the gate's threads. */
void vnm_gate_stop_all(struct vnm_server *s);

#endif
