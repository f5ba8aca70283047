/*
 * peer_int.h - the peer driver's state (private to drivers/peer/).
 *
 * peer_sess.c  one NETCONF client session per participant: connect (UNIX
 *              socket, or SSH with the operator's key), send an RPC and
 *              wait for its reply within a bound, read the reply's error
 * peer_nc.c    the transaction (prepare, confirm, cancel) and the thread
 *              that retries confirms a participant did not answer
 *
 * One lock (struct peer.lock) is held around every use of a session: the
 * core runs one transaction at a time, and the retry thread waits for it.
 */
#ifndef VNM_PEER_INT_H
#define VNM_PEER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peer_nc.h"

struct nc_session;
struct nc_rpc;

#define PEER_SEND_MS 5000     /* writing a request */
#define PEER_REPLY_MS 20000   /* most replies */
#define PEER_COMMIT_MS 120000 /* a commit: the participant realises its share */
#define PEER_RETRY_MS 1000    /* first pause before retrying an unanswered
			       * confirm; doubled after each failure */
#define PEER_RETRY_MAX_MS 30000

struct psess {
	char *host, *addr;
	struct nc_session *s;
};

/* The outcome of a call: done (ok), the participant answered with an
 * rpc-error (refused), or no answer (the session is dropped). */
enum call_rc { CALL_OK = 0, CALL_REFUSED, CALL_NO_ANSWER };

/* A request sent and its reply not read yet: several participants work
 * on theirs at once (a live migration's source and destination must). */
struct pending {
	const char *host;
	struct nc_session *s;     /* NULL: not sent */
	struct nc_rpc *rpc;
	uint64_t msgid;
	enum call_rc rc;
	char why[1024], path[512];
};
/* A participant of the current transaction. */
struct part {
	char *host, *addr, *cred;
	bool locked;              /* its candidate, by our session */
	bool committed;
	struct pending pd;        /* its commit or cancel, sent to all at once */
};

/* A confirm a participant did not answer, or the configuration it must
 * get again if it rolled back meanwhile. */
struct retry {
	char *host, *addr, *cred, *txid, *edit;
	unsigned delay_ms;        /* the pause after the next failure */
	long long next_ms;        /* CLOCK_MONOTONIC of the next attempt */
};

struct peer {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thr;
	bool started, stop;
	struct ly_ctx *ctx;
	void *ncctx;              /* libnetconf2's client context (SSH options) */
	const struct vnm_peer_policy *pol;
	unsigned pause_ms;        /* VNMD_TEST_PEER_PAUSE: sleep after prepare */
	unsigned pause_confirm_ms; /* VNMD_TEST_PEER_PAUSE_CONFIRM: before confirm */
	struct psess *sess;
	size_t n_sess;
	struct part *parts;       /* the transaction prepared */
	size_t n_parts;
	char txid[64];
	char *edit;               /* its <edit-config> content */
	struct retry *retry;
	size_t n_retry;
	struct peer *rd;          /* reads (peer_read.c): sessions of their own
				   * under their own lock, so that a read never
				   * waits for a transaction; shares ctx, ncctx
				   * and pol with this one */
};

/* The reads' half of the driver (peer_read.c). */
struct vnm_peer_state;
struct vnm_host;
struct vnm_err;
int peer_read_state(void *ctx, const struct vnm_host *h, struct vnm_peer_state *out,
		    struct vnm_err *err);
int peer_read_new(struct peer *p);
void peer_read_free(struct peer *p);


/* Send rpc (freed here) to the vnmd at addr and wait up to reply_ms for
 * the reply.  why (len bytes) gets the participant's error message or
 * what went wrong; path (plen bytes, may be NULL) its error-path. */
enum call_rc peer_call(struct peer *p, const char *host, const char *addr, const char *cred,
		       struct nc_rpc *rpc, int reply_ms, char *why, size_t len, char *path,
		       size_t plen);
/* The same, handing the reply's data (a <get>'s) to *data (NULL: none). */
struct lyd_node;
enum call_rc peer_call_data(struct peer *p, const char *host, const char *addr, const char *cred,
			    struct nc_rpc *rpc, int reply_ms, char *why, size_t len, char *path,
			    size_t plen, struct lyd_node **data);
/* Send rpc (freed by peer_wait, or here when it fails) to host: 0, or -1
 * with pd->why (then pd->rc is CALL_NO_ANSWER and peer_wait returns it). */
int peer_send(struct peer *p, struct pending *pd, const char *host, const char *addr,
	      const char *cred, struct nc_rpc *rpc);
/* Wait up to reply_ms for pd's reply: its outcome, pd->why and pd->path
 * as peer_call's. */
enum call_rc peer_wait(struct peer *p, struct pending *pd, int reply_ms);
/* Close every session. */
void peer_sess_close_all(struct peer *p);
/* Set up libnetconf2's client: its context for this process's threads,
 * SSH by public key only, host keys checked against known_hosts. */
void *peer_client_init(struct peer *p);

#endif
