/*
 * server.c - the NETCONF server: libnetconf2 set-up, endpoints, the accept
 * thread, the worker threads, the session table and RPC dispatch.
 *
 * One accept thread takes new connections: on the UNIX socket it accepts
 * them itself and runs each hello exchange on a short-lived thread
 * (nc_accept_inout()), so a silent client blocks nobody; SSH connections go
 * through nc_accept().  Every new session joins one pollsession; N worker threads run nc_ps_poll() on it, so N RPCs of
 * different sessions are served at once (libnetconf2 locks each session
 * while one worker handles it).  A session that ends, for any reason, has
 * its datastore locks released before it is freed.
 */
#include "server_p.h"

#include <errno.h>
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

#define VNM_MAX_SESSIONS 1024

struct vnm_server *vnm_srv;

/* libnetconf2's last error message, to say why an endpoint failed. */
static __thread char nc_last_err[512];

static void nc_print_clb(const struct nc_session *ncs, NC_VERB_LEVEL level, const char *msg)
{
	uint32_t sid = ncs ? nc_session_get_id(ncs) : 0;

	switch (level) {
	case NC_VERB_ERROR:
		snprintf(nc_last_err, sizeof(nc_last_err), "%s", msg);
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

static struct vnm_sess *sess_add(struct nc_session *ncs, const char *peer)
{
	struct vnm_server *s = vnm_srv;
	struct vnm_sess *vs = calloc(1, sizeof(*vs)), **n;
	const char *user = nc_session_get_username(ncs);

	if (!vs)
		return NULL;
	vs->id = nc_session_get_id(ncs);
	vs->ncs = ncs;
	vs->fd = -1;
	snprintf(vs->user, sizeof(vs->user), "%s", user ? user : peer ? peer : "?");
	vs->login = time(NULL);
	vs->read_only = nc_session_get_ti(ncs) == NC_TI_LIBSSH && user &&
			vnm_ssh_user_read_only(user);
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
	nc_ps_del_session(s->ps, ncs);
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
		const char *h = nc_session_get_host(vs->ncs);

		l[i].id = vs->id;
		snprintf(l[i].user, sizeof(l[i].user), "%s", vs->user);
		snprintf(l[i].host, sizeof(l[i].host), "%s", h ? h : "");
		l[i].ti = nc_session_get_ti(vs->ncs);
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

static const char *const write_ops[] = {
	"edit-config", "copy-config", "delete-config", "lock", "unlock", "commit",
	"cancel-commit", "discard-changes", "kill-session", NULL,
};

static struct nc_server_reply *dispatch(struct lyd_node *rpc, struct nc_session *ncs)
{
	const struct lysc_node *op = NULL;
	struct lyd_node *elem;
	struct vnm_sess *vs = vnm_sess_of(ncs);
	const char *mod, *name;
	size_t i;

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
	if (vs && vs->read_only) {
		bool write = op->nodetype == LYS_ACTION;

		for (i = 0; !write && write_ops[i]; i++)
			write = !strcmp(name, write_ops[i]);
		if (write)
			return vnm_reply_tag(NC_ERR_ACCESS_DENIED, NC_ERR_TYPE_PROT, name, NULL,
					     "user %s may only read: %s is refused",
					     nc_session_get_username(ncs), name);
	}
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
	return vnm_rpc_get_schema(rpc, ncs);
}

/* ------------------------------------------------------------------ */
/* Threads                                                            */
/* ------------------------------------------------------------------ */

/* A session past its hello joins the pollsession (or is refused).  fd is
 * the session's socket when vnmd accepted it itself (closed with the
 * session), -1 for libnetconf2's own endpoints. */
static void sess_start(struct vnm_server *s, struct nc_session *ncs, NC_MSG_TYPE r, int fd,
		       const char *peer)
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
	    !(vs = sess_add(ncs, peer))) {
		vnm_log_warn("netconf: refusing session %u: %s", nc_session_get_id(ncs),
			     s->stop ? "shutting down" : "too many sessions");
		nc_session_free(ncs, NULL);
		if (fd >= 0)
			close(fd);
		return;
	}
	vs->fd = fd;
	vnm_log_info("netconf: session %u of %s started (%s)", nc_session_get_id(ncs), vs->user,
		     nc_session_get_ti(ncs) == NC_TI_LIBSSH ? "ssh" : "unix");
	if (nc_ps_add_session(s->ps, ncs))
		sess_end(ncs, true);
}

struct handshake {
	struct vnm_server *s;
	int fd;
	unsigned slot;
	char user[64];
};

/* The hello exchange of one UNIX-socket client, on a thread of its own, so
 * that a client that never says hello holds up nobody but itself. */
static void *handshake_main(void *arg)
{
	struct handshake *h = arg;
	struct vnm_server *s = h->s;
	struct nc_session *ncs = NULL;
	NC_MSG_TYPE r;

	r = nc_accept_inout(h->fd, h->fd, h->user, &ncs);
	if (r == NC_MSG_WOULDBLOCK)
		vnm_log_info("netconf: a UNIX-socket client sent no <hello> in time");
	pthread_mutex_lock(&s->sess_lock);
	s->hs_fds[h->slot] = -1;
	pthread_mutex_unlock(&s->sess_lock);
	sess_start(s, ncs, r, h->fd, h->user);
	free(h);
	pthread_mutex_lock(&s->sess_lock);
	s->handshakes--;
	pthread_mutex_unlock(&s->sess_lock);
	nc_thread_destroy();
	return NULL;
}

static void unix_accept(struct vnm_server *s)
{
	struct handshake *h;
	struct ucred cr = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t crlen = sizeof(cr);
	struct passwd pw, *pwp = NULL;
	char pwbuf[1024];
	pthread_attr_t attr;
	pthread_t t;
	unsigned slot = 0;
	int fd, busy;

	fd = accept4(s->unix_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	pthread_mutex_lock(&s->sess_lock);
	for (slot = 0; slot < VNM_MAX_HANDSHAKES && s->hs_fds[slot] >= 0; slot++)
		;
	busy = slot == VNM_MAX_HANDSHAKES;
	if (!busy) {
		s->handshakes++;
		s->hs_fds[slot] = fd;
	}
	pthread_mutex_unlock(&s->sess_lock);
	h = busy ? NULL : calloc(1, sizeof(*h));
	if (!h) {
		vnm_log_warn("netconf: refusing a UNIX-socket client: %s",
			     busy ? "too many clients in their hello" : "out of memory");
		goto fail;
	}
	h->s = s;
	h->fd = fd;
	h->slot = slot;
	if (!getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) &&
	    !getpwuid_r(cr.uid, &pw, pwbuf, sizeof(pwbuf), &pwp) && pwp)
		snprintf(h->user, sizeof(h->user), "%s", pw.pw_name);
	else
		snprintf(h->user, sizeof(h->user), "uid%u", (unsigned)cr.uid);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, handshake_main, h)) {
		pthread_attr_destroy(&attr);
		free(h);
		goto fail;
	}
	pthread_attr_destroy(&attr);
	return;
fail:
	if (!busy) {
		pthread_mutex_lock(&s->sess_lock);
		s->handshakes--;
		s->hs_fds[slot] = -1;
		pthread_mutex_unlock(&s->sess_lock);
	}
	close(fd);
}

static void *accept_main(void *arg)
{
	struct vnm_server *s = arg;
	struct nc_session *ncs;
	struct pollfd pfd;
	NC_MSG_TYPE r;

	while (!s->stop) {
		if (s->unix_fd >= 0) {
			pfd.fd = s->unix_fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (poll(&pfd, 1, s->has_ssh ? 50 : 200) > 0 && (pfd.revents & POLLIN))
				unix_accept(s);
		}
		if (!s->has_ssh)
			continue;
		/* SSH: libnetconf2 accepts, handshakes and authenticates */
		ncs = NULL;
		r = nc_accept(s->unix_fd >= 0 ? 50 : 200, &ncs);
		if (r == NC_MSG_WOULDBLOCK)
			continue;
		if (r == NC_MSG_ERROR && !ncs && !s->stop)
			usleep(10000); /* a failing client, not a busy loop */
		sess_start(s, ncs, r, -1, NULL);
	}
	nc_thread_destroy();
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

static void *worker_main(void *arg)
{
	struct vnm_server *s = arg;
	struct nc_session *ncs, *nw;
	int rc;

	while (!s->stop) {
		ncs = NULL;
		/* libnetconf2 holds the pollsession lock for the whole timeout:
		 * keep it short, or new sessions wait for every worker in turn */
		rc = nc_ps_poll(s->ps, 10, &ncs);
		if (rc & (NC_PSPOLL_NOSESSIONS | NC_PSPOLL_ERROR)) {
			usleep(20000);
			continue;
		}
		if (!ncs)
			continue;
		if (rc & (NC_PSPOLL_RPC | NC_PSPOLL_BAD_RPC))
			sess_count(s, ncs, rc);
		if (rc & NC_PSPOLL_SSH_CHANNEL) {
			nw = NULL;
			if (nc_ps_accept_ssh_channel(s->ps, &nw) == NC_MSG_HELLO && nw) {
				if (!sess_add(nw, NULL) || nc_ps_add_session(s->ps, nw))
					nc_session_free(nw, NULL);
			}
		}
		if (rc & NC_PSPOLL_SESSION_TERM)
			sess_end(ncs, (rc & NC_PSPOLL_SESSION_ERROR) &&
					      nc_session_get_term_reason(ncs) != NC_SESSION_TERM_KILLED);
	}
	nc_thread_destroy();
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                     */
/* ------------------------------------------------------------------ */

static int endpt_fail(struct vnm_err *err, const char *what)
{
	return vnm_err_set(err, VNM_E_INVALID, NULL, "%s: %s", what,
			   nc_last_err[0] ? nc_last_err : "libnetconf2 refused it");
}

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
	char what[300];
	int methods = 0;

	snprintf(what, sizeof(what), "cannot listen for SSH on %s port %u", o->ssh_addr,
		 o->ssh_port);
	if (vnm_ssh_setup(s, o, err))
		return -1;
	if (s->n_keys)
		methods |= NC_SSH_AUTH_PUBLICKEY;
	if (s->n_passes)
		methods |= NC_SSH_AUTH_PASSWORD;
	if (!methods)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "SSH needs users: give --ssh-authorized-keys or --ssh-password-file");
	nc_last_err[0] = '\0';
	if (nc_server_add_endpt("ssh", NC_TI_LIBSSH) ||
	    nc_server_ssh_endpt_add_hostkey("ssh", "hostkey", -1) ||
	    nc_server_ssh_endpt_set_auth_methods("ssh", methods) ||
	    nc_server_ssh_endpt_set_auth_attempts("ssh", 3) ||
	    nc_server_ssh_endpt_set_auth_timeout("ssh", 10) ||
	    nc_server_endpt_set_address("ssh", o->ssh_addr) ||
	    nc_server_endpt_set_port("ssh", o->ssh_port))
		return endpt_fail(err, what);
	return 0;
}

int vnm_server_start(const struct vnm_server_opts *o, struct vnm_server **out,
		     struct vnm_err *err)
{
	struct vnm_server *s;
	struct lysc_node *gs;
	unsigned i;
	int rc = -1, r;

	*out = NULL;
	if (vnm_srv)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "the NETCONF server runs already");
	if (!o->unix_path && !o->ssh_addr)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "nothing to listen on: give --unix-socket and/or --ssh-listen");
	s = calloc(1, sizeof(*s));
	if (!s)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
	s->ctx = o->ctx;
	s->core = o->core;
	s->max_config = o->max_config ? o->max_config : 16u << 20;
	s->n_workers = o->workers ? o->workers : 4;
	if (s->n_workers > VNM_MAX_WORKERS)
		s->n_workers = VNM_MAX_WORKERS;
	s->start_time = time(NULL);
	s->unix_fd = -1;
	for (i = 0; i < VNM_MAX_HANDSHAKES; i++)
		s->hs_fds[i] = -1;
	pthread_mutex_init(&s->ds_lock, NULL);
	pthread_mutex_init(&s->st_lock, NULL);
	pthread_mutex_init(&s->sess_lock, NULL);
	vnm_srv = s;

	nc_set_print_clb_session(nc_print_clb);
	nc_verbosity(vnm_log_get_level() >= VNM_LOG_DEBUG ? NC_VERB_VERBOSE : NC_VERB_WARNING);
	if (nc_server_init(o->ctx)) {
		vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot initialise libnetconf2");
		goto cleanup;
	}
	/* basic mode explicit; also report-all, report-all-tagged, trim */
	nc_server_set_capab_withdefaults(NC_WD_EXPLICIT, NC_WD_ALL | NC_WD_ALL_TAG | NC_WD_TRIM);
	nc_set_global_rpc_clb(dispatch);
	gs = (struct lysc_node *)lys_find_path(o->ctx, NULL, "/ietf-netconf-monitoring:get-schema", 0);
	if (gs)
		gs->priv = (void *)dispatch_get_schema;
	/* nc_accept() serves one connection at a time, handshake included: a
	 * client that never says hello or never authenticates must not hold up
	 * the others for long */
	nc_server_set_hello_timeout(10);
	nc_server_set_idle_timeout(0);

	if (o->unix_path && setup_unix(s, o->unix_path, err))
		goto cleanup;
	if (o->ssh_addr && setup_ssh(s, o, err))
		goto cleanup;
	s->has_ssh = o->ssh_addr != NULL;

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
		nc_ps_free(s->ps);
		nc_server_destroy();
		vnm_ssh_free(s);
		pthread_mutex_destroy(&s->ds_lock);
		pthread_mutex_destroy(&s->st_lock);
		pthread_mutex_destroy(&s->sess_lock);
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
	vnm_confirm_stop();
	vnm_notif_stop();
	/* clients still in their hello: cut them off, wait for their threads */
	for (;;) {
		pthread_mutex_lock(&s->sess_lock);
		for (i = 0; i < VNM_MAX_HANDSHAKES; i++) {
			if (s->hs_fds[i] >= 0)
				shutdown(s->hs_fds[i], SHUT_RDWR);
		}
		i = s->handshakes;
		pthread_mutex_unlock(&s->sess_lock);
		if (!i)
			break;
		usleep(20000);
	}
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
	free(s);
	vnm_srv = NULL;
}
