/*
 * server.c - the NETCONF server: libnetconf2 set-up, endpoints, the accept
 * thread, the worker threads, the session table and RPC dispatch.
 *
 * One accept thread takes new connections on the UNIX socket and the SSH
 * port and gives each to the gate (gate.c), which terminates the transport
 * on a thread of the connection's own, checks the client's framing and
 * hands libnetconf2 a socketpair: a silent or hostile client holds up
 * nobody but itself.  Every new session joins one pollsession; N worker
 * threads run nc_ps_poll() on it, so N RPCs of
 * different sessions are served at once (libnetconf2 locks each session
 * while one worker handles it).  A session that ends, for any reason, has
 * its datastore locks released before it is freed.
 */
#include "dupguard.h"
#include "server_p.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libyang/libyang.h>
#include <libnetconf2/log.h>
#include <libnetconf2/netconf.h>
#include <libnetconf2/session.h>
#include <libnetconf2/session_server.h>

#include "log.h"
#include "nmda.h"

#define VNM_MAX_SESSIONS 1024

struct vnm_server *vnm_srv;

static void nc_print_clb(const struct nc_session *ncs, NC_VERB_LEVEL level, const char *msg)
{
	uint32_t sid = ncs ? nc_session_get_id(ncs) : 0;

	switch (level) {
	case NC_VERB_ERROR:
		if (sid)
			vnm_log_warn("netconf: session %u: %s", sid, msg);
		else
			vnm_log_warn("netconf: %s", msg);
		break;
	case NC_VERB_WARNING:
		vnm_log(VNM_LOG_NOTICE, "netconf: %s", msg);
		break;
	default:
		vnm_log_debug("netconf: %s", msg);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Sessions                                                           */
/* ------------------------------------------------------------------ */

static struct vnm_sess *sess_add(struct nc_session *ncs, const char *user, const char *host,
				 int transport, bool recovery)
{
	struct vnm_server *s = vnm_srv;
	struct vnm_sess *vs = calloc(1, sizeof(*vs)), **n;

	if (!vs)
		return NULL;
	vs->id = nc_session_get_id(ncs);
	vs->ncs = ncs;
	vs->fd = -1;
	snprintf(vs->user, sizeof(vs->user), "%s", user && user[0] ? user : "?");
	snprintf(vs->host, sizeof(vs->host), "%s", host ? host : "");
	vs->ssh = transport == VNM_T_SSH;
	vs->tls = transport == VNM_T_TLS;
	vs->login = time(NULL);
	vs->read_only = vs->ssh && user && vnm_ssh_user_read_only(user);
	vs->recovery = recovery;
	pthread_mutex_lock(&s->sess_lock);
	if (s->n_sess == s->cap_sess) {
		n = realloc(s->sess, (s->cap_sess ? 2 * s->cap_sess : 32) * sizeof(*n));
		if (!n) {
			pthread_mutex_unlock(&s->sess_lock);
			free(vs);
			return NULL;
		}
		s->sess = n;
		s->cap_sess = s->cap_sess ? 2 * s->cap_sess : 32;
	}
	s->sess[s->n_sess++] = vs;
	s->in_sessions++;
	pthread_mutex_unlock(&s->sess_lock);
	nc_session_set_data(ncs, vs);
	return vs;
}

struct vnm_sess *vnm_sess_of(struct nc_session *ncs)
{
	return ncs ? nc_session_get_data(ncs) : NULL;
}

unsigned vnm_server_session_count(struct vnm_server *s)
{
	unsigned n;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->sess_lock);
	n = (unsigned)s->n_sess;
	pthread_mutex_unlock(&s->sess_lock);
	return n;
}

/* A session ended (closed, killed, dropped): forget it, release its locks,
 * free it.  Called by the worker that saw the termination. */
static void sess_end(struct nc_session *ncs, bool dropped)
{
	struct vnm_server *s = vnm_srv;
	struct vnm_sess *vs = vnm_sess_of(ncs);
	uint32_t sid = nc_session_get_id(ncs);
	size_t i;

	pthread_mutex_lock(&s->sess_lock);
	for (i = 0; i < s->n_sess; i++) {
		if (s->sess[i] == vs) {
			s->sess[i] = s->sess[--s->n_sess];
			break;
		}
	}
	if (dropped)
		s->dropped_sessions++;
	pthread_mutex_unlock(&s->sess_lock);
	vnm_ds_session_gone(sid);
	vnm_confirm_session_gone(sid);
	vnm_log_info("netconf: session %u of %s ended (%s)", sid, vs ? vs->user : "?",
		     dropped ? "dropped" : "closed");
	vnm_notif_session_end(ncs);
	if (vs) {
		bool killed = nc_session_get_term_reason(ncs) == NC_SESSION_TERM_KILLED;

		vnm_notif_session_gone(vs, killed ? "killed" : dropped ? "dropped" : "closed",
				       killed ? nc_session_get_killed_by(ncs) : 0);
	}
	pthread_mutex_lock(&s->ps_lock);
	nc_ps_del_session(s->ps, ncs);
	pthread_mutex_unlock(&s->ps_lock);
	nc_session_free(ncs, NULL);
	if (vs && vs->fd >= 0)
		close(vs->fd); /* libnetconf2 leaves the fds it was given */
	free(vs);
}

int vnm_sess_kill(uint32_t sid, uint32_t killer, struct vnm_err *err)
{
	struct vnm_server *s = vnm_srv;
	size_t i;
	int found = 0;

	pthread_mutex_lock(&s->sess_lock);
	for (i = 0; i < s->n_sess; i++) {
		if (s->sess[i]->id == sid) {
			nc_session_set_term_reason(s->sess[i]->ncs, NC_SESSION_TERM_KILLED);
			nc_session_set_killed_by(s->sess[i]->ncs, killer);
			nc_session_set_status(s->sess[i]->ncs, NC_STATUS_INVALID);
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&s->sess_lock);
	if (!found)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "kill-session: there is no session %u", sid);
	/* the locks die now, not when a worker gets round to freeing it */
	vnm_ds_session_gone(sid);
	vnm_log_info("netconf: session %u killed by session %u", sid, killer);
	return 0;
}

size_t vnm_sess_list(struct vnm_sess_info **out)
{
	struct vnm_server *s = vnm_srv;
	struct vnm_sess_info *l;
	size_t i, n;

	pthread_mutex_lock(&s->sess_lock);
	n = s->n_sess;
	l = calloc(n ? n : 1, sizeof(*l));
	for (i = 0; l && i < n; i++) {
		struct vnm_sess *vs = s->sess[i];
		l[i].id = vs->id;
		snprintf(l[i].user, sizeof(l[i].user), "%s", vs->user);
		snprintf(l[i].host, sizeof(l[i].host), "%s", vs->host);
		l[i].ti = vs->ssh ? NC_TI_LIBSSH : NC_TI_FD;
		l[i].tls = vs->tls;
		l[i].login = vs->login;
		l[i].in_rpcs = vs->in_rpcs;
		l[i].in_bad_rpcs = vs->in_bad_rpcs;
		l[i].out_rpc_errors = vs->out_rpc_errors;
	}
	pthread_mutex_unlock(&s->sess_lock);
	*out = l;
	return l ? n : 0;
}

/* ------------------------------------------------------------------ */
/* RPC dispatch                                                       */
/* ------------------------------------------------------------------ */

static struct nc_server_reply *rpc_kill_session(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct lyd_node *n = NULL;
	struct vnm_err err = {0};
	uint32_t sid, me = nc_session_get_id(ncs);

	if (lyd_find_path(rpc, "session-id", 0, &n) || !n)
		return vnm_reply_tag(NC_ERR_MISSING_ELEM, NC_ERR_TYPE_PROT, "session-id", NULL,
				     "kill-session needs a <session-id>");
	sid = ((struct lyd_node_term *)n)->value.uint32;
	if (sid == me)
		return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "session-id", NULL,
				     "kill-session: session %u is this session; use close-session",
				     sid);
	if (vnm_sess_kill(sid, me, &err))
		return vnm_reply_tag(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, "session-id", NULL,
				     "%s", err.msg);
	return nc_server_reply_ok();
}

__thread const struct vnm_sess *vnm_rpc_sess;

static struct nc_server_reply *dispatch_op(struct lyd_node *rpc, struct nc_session *ncs);

/* Every RPC: who sends it is known to this thread while it runs, so that
 * the notifications it causes can say so (changed-by). */
static struct nc_server_reply *dispatch(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct nc_server_reply *r;

	vnm_rpc_sess = vnm_sess_of(ncs);
	r = dispatch_op(rpc, ncs);
	vnm_rpc_sess = NULL;
	return r;
}

static struct nc_server_reply *dispatch_op(struct lyd_node *rpc, struct nc_session *ncs)
{
	const struct lysc_node *op = NULL;
	struct nc_server_reply *r;
	struct lyd_node *elem;
	const char *mod, *name;

	LYD_TREE_DFS_BEGIN(rpc, elem) {
		if (elem->schema && (elem->schema->nodetype & (LYS_RPC | LYS_ACTION))) {
			op = elem->schema;
			break;
		}
		LYD_TREE_DFS_END(rpc, elem);
	}
	if (!op)
		return vnm_reply_tag(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
				     "no operation found in the request");
	mod = op->module->name;
	name = op->name;
	/* RFC 8341 access control, the read-only users' limits included */
	if ((r = vnm_nacm_rpc(vnm_sess_of(ncs), elem)))
		return r;
	if (op->nodetype == LYS_ACTION)
		return vnm_rpc_action(rpc, ncs);
	if (!strcmp(mod, "ietf-netconf")) {
		if (!strcmp(name, "get"))
			return vnm_rpc_get(rpc, ncs);
		if (!strcmp(name, "get-config"))
			return vnm_rpc_get_config(rpc, ncs);
		if (!strcmp(name, "edit-config"))
			return vnm_rpc_edit_config(rpc, ncs);
		if (!strcmp(name, "copy-config"))
			return vnm_rpc_copy_config(rpc, ncs);
		if (!strcmp(name, "delete-config"))
			return vnm_rpc_delete_config(rpc, ncs);
		if (!strcmp(name, "lock"))
			return vnm_rpc_lock(rpc, ncs);
		if (!strcmp(name, "unlock"))
			return vnm_rpc_unlock(rpc, ncs);
		if (!strcmp(name, "validate"))
			return vnm_rpc_validate(rpc, ncs);
		if (!strcmp(name, "commit"))
			return vnm_rpc_commit(rpc, ncs);
		if (!strcmp(name, "cancel-commit"))
			return vnm_rpc_cancel_commit(rpc, ncs);
		if (!strcmp(name, "discard-changes"))
			return vnm_rpc_discard(rpc, ncs);
		if (!strcmp(name, "kill-session"))
			return rpc_kill_session(rpc, ncs);
	}
	if (!strcmp(mod, "ietf-netconf-nmda")) {
		if (!strcmp(name, "get-data"))
			return vnm_rpc_get_data(rpc, ncs);
		if (!strcmp(name, "edit-data"))
			return vnm_rpc_edit_data(rpc, ncs);
	}
	if (!strcmp(mod, "ietf-netconf-monitoring") && !strcmp(name, "get-schema"))
		return vnm_rpc_get_schema(rpc, ncs);
	if (!strcmp(mod, "notifications") && !strcmp(name, "create-subscription"))
		return vnm_rpc_create_subscription(rpc, ncs);
	return vnm_reply_tag(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, name, NULL,
			     "vnmd does not implement the operation %s:%s", mod, name);
}

/* get-schema is served by us (the modules' own text), not libnetconf2. */
static struct nc_server_reply *dispatch_get_schema(struct lyd_node *rpc, struct nc_session *ncs)
{
	struct nc_server_reply *r = vnm_nacm_rpc(vnm_sess_of(ncs), rpc);

	return r ? r : vnm_rpc_get_schema(rpc, ncs);
}

/* ------------------------------------------------------------------ */
/* Threads                                                            */
/* ------------------------------------------------------------------ */

void vnm_sess_start(struct vnm_server *s, struct nc_session *ncs, NC_MSG_TYPE r, int fd,
		    const char *user, const char *host, int transport, bool recovery)
{
	struct vnm_sess *vs;

	if (r != NC_MSG_HELLO) {
		pthread_mutex_lock(&s->sess_lock);
		if (r == NC_MSG_BAD_HELLO)
			s->in_bad_hellos++;
		pthread_mutex_unlock(&s->sess_lock);
		nc_session_free(ncs, NULL);
		if (fd >= 0)
			close(fd);
		return;
	}
	if (s->stop || vnm_server_session_count(s) >= VNM_MAX_SESSIONS ||
	    !(vs = sess_add(ncs, user, host, transport, recovery))) {
		vnm_log_warn("netconf: refusing session %u: %s", nc_session_get_id(ncs),
			     s->stop ? "shutting down" : "too many sessions");
		nc_session_free(ncs, NULL);
		if (fd >= 0)
			close(fd);
		return;
	}
	vs->fd = fd;
	vnm_log_info("netconf: session %u of %s%s%s started (%s)", nc_session_get_id(ncs),
		     vs->user, vs->host[0] ? " from " : "", vs->host, vs->ssh ? "ssh" : vs->tls ? "tls" : "unix");
	vnm_notif_session_start(vs);
	pthread_mutex_lock(&s->ps_lock);
	r = nc_ps_add_session(s->ps, ncs) ? NC_MSG_ERROR : NC_MSG_HELLO;
	pthread_mutex_unlock(&s->ps_lock);
	if (r != NC_MSG_HELLO) {
		vnm_log_warn("netconf: session %u: libnetconf2 would not poll it: closing it",
			     vs->id);
		sess_end(ncs, true);
	}
}

static void *accept_main(void *arg)
{
	struct vnm_server *s = arg;
	struct pollfd pfd[3]; /* UNIX socket, SSH, TLS */
	int n;

	while (!s->stop) {
		n = 0;
		if (s->unix_fd >= 0)
			pfd[n++] = (struct pollfd){.fd = s->unix_fd, .events = POLLIN};
		if (s->ssh_fd >= 0)
			pfd[n++] = (struct pollfd){.fd = s->ssh_fd, .events = POLLIN};
		if (s->tls_fd >= 0)
			pfd[n++] = (struct pollfd){.fd = s->tls_fd, .events = POLLIN};
		if (poll(pfd, (nfds_t)n, 200) > 0) {
			while (n--) {
				if (pfd[n].revents & POLLIN)
					vnm_gate_accept(s, pfd[n].fd == s->ssh_fd ? VNM_T_SSH :
							   pfd[n].fd == s->tls_fd ? VNM_T_TLS :
										    VNM_T_UNIX);
			}
		}
		vnm_gate_sweep(s);
	}
	return NULL;
}

/* Count an RPC of ncs for ietf-netconf-monitoring.  The session may have
 * ended on another worker since nc_ps_poll() returned: it is looked up in
 * the table (by address, never dereferenced) rather than trusted. */
static void sess_count(struct vnm_server *s, const struct nc_session *ncs, int rc)
{
	size_t i;

	pthread_mutex_lock(&s->sess_lock);
	for (i = 0; i < s->n_sess; i++) {
		if (s->sess[i]->ncs != ncs)
			continue;
		s->sess[i]->in_rpcs++;
		if (rc & NC_PSPOLL_BAD_RPC)
			s->sess[i]->in_bad_rpcs++;
		if (rc & NC_PSPOLL_REPLY_ERROR)
			s->sess[i]->out_rpc_errors++;
		break;
	}
	pthread_mutex_unlock(&s->sess_lock);
}

/* The read texts kept for a generation go with the commit that made it
 * old (oper.c, reads.c). */
static void drop_old_texts(void *arg, const struct vnm_event *ev)
{
	(void)arg;
	if (ev->kind != VNM_EV_CONFIG || !vnm_srv)
		return; /* no server (stopped): nothing kept */
	vnm_oper_drop_older(ev->generation);
	vnm_reads_drop_older(ev->generation);
}

/* Frees that wait for the reply in hand (vnm_srv_later). */
#define LATER_MAX 8
static struct {
	pthread_mutex_t lock;
	struct later {
		void (*fn)(void *);
		void *p;
		size_t bytes;
	} v[LATER_MAX];
	size_t n;
} later = {.lock = PTHREAD_MUTEX_INITIALIZER};

void vnm_srv_later(void (*fn)(void *), void *p, size_t bytes)
{
	if (!p)
		return;
	pthread_mutex_lock(&later.lock);
	if (later.n < LATER_MAX) {
		later.v[later.n++] = (struct later){fn, p, bytes};
		p = NULL;
	}
	pthread_mutex_unlock(&later.lock);
	if (p)
		fn(p);
}

static void later_run(void)
{
	struct later v[LATER_MAX];
	size_t n, i, bytes = 0;

	if (!__atomic_load_n(&later.n, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&later.lock);
	n = later.n;
	memcpy(v, later.v, n * sizeof(v[0]));
	later.n = 0;
	pthread_mutex_unlock(&later.lock);
	for (i = 0; i < n; i++) {
		v[i].fn(v[i].p);
		bytes += v[i].bytes;
	}
	/* a libc call, no program is run */
	if (bytes >= (1u << 20))
		malloc_trim(0);
}

static void *worker_main(void *arg)
{
	struct vnm_server *s = arg;
	struct nc_session *ncs;
	int rc;

	while (!s->stop) {
		ncs = NULL;
		/* libnetconf2 holds the pollsession lock for the whole timeout:
		 * keep it short, or new sessions wait for every worker in turn */
		rc = nc_ps_poll(s->ps, 10, &ncs);
		later_run(); /* the RPC in hand, if any, is answered */
		/* A session whose client vanished while its next message was
		 * read comes with NC_PSPOLL_ERROR too: it ends here all the
		 * same (before, it stayed, holding its locks for good). */
		if (ncs && (rc & (NC_PSPOLL_RPC | NC_PSPOLL_BAD_RPC)))
			sess_count(s, ncs, rc);
		if (ncs && (rc & NC_PSPOLL_SESSION_TERM)) {
			sess_end(ncs, (rc & NC_PSPOLL_SESSION_ERROR) &&
					      nc_session_get_term_reason(ncs) != NC_SESSION_TERM_KILLED);
			continue;
		}
		if (rc & (NC_PSPOLL_NOSESSIONS | NC_PSPOLL_ERROR))
			usleep(20000);
	}
	nc_thread_destroy();
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                     */
/* ------------------------------------------------------------------ */

static int setup_unix(struct vnm_server *s, const char *path, struct vnm_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	char what[600];
	mode_t old;
	int fd, rc;

	snprintf(what, sizeof(what), "cannot listen on the UNIX socket %s", path);
	if (strlen(path) >= sizeof(sa.sun_path))
		return vnm_err_set(err, VNM_E_INVALID, NULL, "%s: the path is too long", what);
	/* a socket left by a previous run that died; never remove anything else */
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode))
			return vnm_err_set(err, VNM_E_EXISTS, NULL,
					   "%s: the file exists and is not a socket", what);
		unlink(path);
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vnm_err_set(err, VNM_E_INVALID, NULL, "%s: %m", what);
	/* born 0600: no moment where others could connect */
	old = umask(077);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || chmod(path, 0600) || listen(fd, 64)) {
		vnm_err_set(err, VNM_E_INVALID, NULL, "%s: %m", what);
		close(fd);
		return -1;
	}
	s->unix_fd = fd;
	s->unix_path = strdup(path);
	return 0;
}

static int setup_ssh(struct vnm_server *s, const struct vnm_server_opts *o, struct vnm_err *err)
{
	if (vnm_ssh_setup(s, o, err))
		return -1;
	if (!s->n_keys && !s->n_passes)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "SSH needs users: give --ssh-authorized-keys or --ssh-password-file");
	return vnm_ssh_listen(s, o, err);
}

/* libnetconf2's side: capabilities, callbacks, timeouts. */
static int nc_setup(struct ly_ctx *ctx, struct vnm_err *err)
{
	struct lysc_node *gs;

	nc_set_print_clb_session(nc_print_clb);
	nc_verbosity(vnm_log_get_level() >= VNM_LOG_DEBUG ? NC_VERB_VERBOSE : NC_VERB_WARNING);
	vnm_dupguard_learn(ctx);
	if (nc_server_init(ctx))
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot initialise libnetconf2");
	/* basic mode explicit; also report-all, report-all-tagged, trim */
	nc_server_set_capab_withdefaults(NC_WD_EXPLICIT, NC_WD_ALL | NC_WD_ALL_TAG | NC_WD_TRIM);
	/* the same modes on <operational> (get-data, RFC 8526 3.1.1.2) */
	if (ly_ctx_get_module_implemented(ctx, "ietf-netconf-nmda") &&
	    nc_server_set_capability(VNM_WD_OPER_CAPABILITY)) {
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot set the NETCONF capabilities");
	}
	nc_set_global_rpc_clb(dispatch);
	gs = (struct lysc_node *)lys_find_path(ctx, NULL, "/ietf-netconf-monitoring:get-schema", 0);
	if (gs)
		gs->priv = (void *)dispatch_get_schema;
	/* a client that never says hello ends its own connection */
	nc_server_set_hello_timeout(VNM_HANDSHAKE_SECS);
	nc_server_set_idle_timeout(0);
	return 0;
}

int vnm_server_start(const struct vnm_server_opts *o, struct vnm_server **out,
		     struct vnm_err *err)
{
	struct vnm_server *s;
	unsigned i;
	int rc = -1, r;

	*out = NULL;
	if (vnm_srv)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "the NETCONF server runs already");
	if (!o->unix_path && !o->ssh_addr && !o->tls_addr)
		return vnm_err_set(err, VNM_E_INVALID, NULL, "nothing to listen on: give "
				   "--unix-socket, --ssh-listen and/or --tls-listen");
	s = calloc(1, sizeof(*s));
	if (!s)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
	s->ctx = o->ctx;
	s->core = o->core;
	s->max_config = o->max_config ? o->max_config : 16u << 20;
	s->state_dir = o->state_dir;
	s->replay_events = o->replay_events;
	s->replay_bytes = o->replay_bytes;
	s->n_workers = o->workers ? o->workers : 4;
	if (s->n_workers > VNM_MAX_WORKERS)
		s->n_workers = VNM_MAX_WORKERS;
	/* the gate's limit on a message: room for the rpc around a <config> */
	s->max_msg = s->max_config + (1u << 20);
	s->start_time = time(NULL);
	s->unix_fd = -1;
	s->ssh_fd = -1;
	s->tls_fd = -1;
	for (i = 0; i < VNM_MAX_GATES; i++)
		s->gates[i].fd = -1;
	pthread_mutex_init(&s->ds_lock, NULL);
	pthread_mutex_init(&s->st_lock, NULL);
	pthread_mutex_init(&s->sess_lock, NULL);
	pthread_mutex_init(&s->ps_lock, NULL);
	vnm_srv = s;
	vnm_nacm_srv_reset(); /* a previous server's rules are not this core's */

	if (nc_setup(o->ctx, err))
		goto cleanup;

	if (o->unix_path && setup_unix(s, o->unix_path, err))
		goto cleanup;
	if (o->ssh_addr && setup_ssh(s, o, err))
		goto cleanup;
	if (o->tls_addr && vnm_tls_listen(s, o, err))
		goto cleanup;

	s->ps = nc_ps_new();
	if (!s->ps) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < s->n_workers; i++) {
		r = pthread_create(&s->workers[i], NULL, worker_main, s);
		if (r) {
			s->stop = 1;
			while (i--)
				pthread_join(s->workers[i], NULL);
			vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot start worker threads: %s",
				    strerror(r));
			goto cleanup;
		}
	}
	if (vnm_core_subscribe(s->core, drop_old_texts, NULL) < 0)
		vnm_log_warn("netconf: read texts of old generations are kept until the next read");
	if (vnm_notif_start(s, err) || vnm_confirm_start(s, err)) {
		s->stop = 1;
		for (i = 0; i < s->n_workers; i++)
			pthread_join(s->workers[i], NULL);
		vnm_notif_stop();
		goto cleanup;
	}
	r = pthread_create(&s->accept_thr, NULL, accept_main, s);
	if (r) {
		s->stop = 1;
		for (i = 0; i < s->n_workers; i++)
			pthread_join(s->workers[i], NULL);
		vnm_confirm_stop();
		vnm_notif_stop();
		vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot start the accept thread: %s",
			    strerror(r));
		goto cleanup;
	}
	vnm_log_info("netconf: listening%s%s%s%s, %u workers", o->unix_path ? " on " : "",
		     o->unix_path ? o->unix_path : "", o->ssh_addr ? " and SSH on " : "",
		     o->ssh_addr ? o->ssh_addr : "", s->n_workers);
	*out = s;
	s = NULL;
	rc = 0;
cleanup:
	if (s) {
		if (s->unix_fd >= 0) {
			close(s->unix_fd);
			unlink(s->unix_path);
		}
		free(s->unix_path);
		vnm_ssh_unlisten(s);
		vnm_tls_unlisten(s);
		nc_ps_free(s->ps);
		nc_server_destroy();
		vnm_ssh_free(s);
		pthread_mutex_destroy(&s->ds_lock);
		pthread_mutex_destroy(&s->st_lock);
		pthread_mutex_destroy(&s->sess_lock);
		pthread_mutex_destroy(&s->ps_lock);
		free(s);
		vnm_srv = NULL;
	}
	return rc;
}

void vnm_server_stop(struct vnm_server *s)
{
	unsigned i;

	if (!s)
		return;
	int *fds = NULL;
	size_t n_fds = 0;

	s->stop = 1;
	pthread_join(s->accept_thr, NULL);
	for (i = 0; i < s->n_workers; i++)
		pthread_join(s->workers[i], NULL);
	later_run();
	vnm_confirm_stop();
	vnm_notif_stop();
	/* every client is cut off; the gate's threads end */
	vnm_gate_stop_all(s);
	vnm_ssh_unlisten(s);
	vnm_tls_unlisten(s);
	if (s->unix_fd >= 0) {
		close(s->unix_fd);
		unlink(s->unix_path);
	}
	/* every session still open is closed: its locks go with it */
	pthread_mutex_lock(&s->sess_lock);
	fds = calloc(s->n_sess ? s->n_sess : 1, sizeof(*fds));
	for (i = 0; i < s->n_sess; i++) {
		vnm_log_info("netconf: closing session %u", s->sess[i]->id);
		if (fds && s->sess[i]->fd >= 0)
			fds[n_fds++] = s->sess[i]->fd;
		free(s->sess[i]);
	}
	s->n_sess = 0;
	pthread_mutex_unlock(&s->sess_lock);
	nc_ps_clear(s->ps, 1, NULL);
	while (n_fds--)
		close(fds[n_fds]);
	free(fds);
	free(s->unix_path);
	nc_ps_free(s->ps);
	nc_server_destroy();
	vnm_ssh_free(s);
	lyd_free_all(s->candidate);
	free(s->sess);
	pthread_mutex_destroy(&s->ds_lock);
	pthread_mutex_destroy(&s->st_lock);
	pthread_mutex_destroy(&s->sess_lock);
	pthread_mutex_destroy(&s->ps_lock);
	free(s);
	vnm_srv = NULL;
	vnm_nacm_srv_reset();
}
