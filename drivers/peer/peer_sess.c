/*
 * peer_sess.c - the client sessions of the peer driver (peer_int.h).
 *
 * libnetconf2 keeps its client options (SSH user name, keys, callbacks) per
 * thread: peer_client_init() makes one set, and each call adopts it in the
 * calling thread (a NETCONF worker, or the retry thread) under the
 * driver's lock before it connects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libyang/libyang.h>
#include <nc_client.h>

#include "log.h"
#include "peer_int.h"

/* A host key is accepted only when it is the one known_hosts holds for the
 * host (the operator put it there), never on first use. */
static int hostkey_known(const char *hostname, ssh_session session, void *priv)
{
	const struct peer *p = priv;
	enum ssh_known_hosts_e st;

	/* the operator's file alone, when given */
	if (p->pol && p->pol->known_hosts &&
	    (ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS, p->pol->known_hosts) ||
	     ssh_options_set(session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, p->pol->known_hosts)))
		return -1;
	st = ssh_session_is_known_server(session);
	if (st == SSH_KNOWN_HOSTS_OK)
		return 0;
	vnm_log(VNM_LOG_WARNING, "peer %s: its SSH host key is %s: refused (put its key in %s)",
		hostname,
		st == SSH_KNOWN_HOSTS_CHANGED || st == SSH_KNOWN_HOSTS_OTHER ? "not the known one"
									 : "unknown",
		p->pol && p->pol->known_hosts ? p->pol->known_hosts
					      : "the known_hosts of the user vnmd runs as, or "
						"give --peer-known-hosts");
	return -1;
}

static char *no_passphrase(const char *privkey_path, void *priv)
{
	(void)priv;
	vnm_log(VNM_LOG_WARNING, "peer key %s needs a passphrase, which vnmd cannot give",
		privkey_path);
	return NULL;
}

void *peer_client_init(struct peer *p)
{
	nc_client_init();
	nc_client_ssh_set_auth_hostkey_check_clb(hostkey_known, p);
	nc_client_ssh_set_auth_privkey_passphrase_clb(no_passphrase, NULL);
	nc_client_ssh_set_auth_pref(NC_SSH_AUTH_PASSWORD, -1);
	nc_client_ssh_set_auth_pref(NC_SSH_AUTH_INTERACTIVE, -1);
	nc_client_ssh_set_auth_pref(NC_SSH_AUTH_PUBLICKEY, 1);
	return nc_client_get_thread_context();
}

static struct nc_session *connect_to(struct peer *p, const char *addr, const char *cred, char *why,
				     size_t len)
{
	const struct vnm_peer_key *key;
	struct vnm_peer_addr a;
	struct nc_session *s;
	const char *bad;
	char pub[512];

	if (vnm_peer_addr_parse(addr, &a, &bad)) {
		snprintf(why, len, "management address %s: %s", addr, bad);
		return NULL;
	}
	nc_client_set_thread_context(p->ncctx);
	if (!a.ssh) {
		s = nc_connect_unix(a.path, p->ctx);
		if (!s)
			snprintf(why, len, "no NETCONF session on %s (is its vnmd running?)", a.path);
		return s;
	}
	key = vnm_peer_key(p->pol, cred);
	if (!key) {
		snprintf(why, len, "no key named %s (" VNM_PEER_KEY_OPT ")", cred ? cred : "(none)");
		return NULL;
	}
	snprintf(pub, sizeof(pub), "%s.pub", key->path);
	while (nc_client_ssh_get_keypair_count() > 0)
		nc_client_ssh_del_keypair(0);
	if (nc_client_ssh_set_username(a.user) || nc_client_ssh_add_keypair(pub, key->path)) {
		snprintf(why, len, "cannot use the key %s", key->path);
		return NULL;
	}
	s = nc_connect_ssh(a.host, (uint16_t)a.port, p->ctx);
	if (!s)
		snprintf(why, len, "no NETCONF session over SSH to %s@%s port %u (vnmd not running, "
			 "key %s not authorised, or host key not known)", a.user, a.host, a.port,
			 key->path);
	return s;
}

static struct psess *find(struct peer *p, const char *host)
{
	size_t i;

	for (i = 0; i < p->n_sess; i++) {
		if (!strcmp(p->sess[i].host, host))
			return &p->sess[i];
	}
	return NULL;
}

static void drop(struct psess *ps)
{
	if (ps && ps->s) {
		nc_session_free(ps->s, NULL);
		ps->s = NULL;
	}
}

/* The session to host at addr: the cached one (*fresh false) or a new one. */
static struct nc_session *session(struct peer *p, const char *host, const char *addr,
				  const char *cred, bool *fresh, char *why, size_t len)
{
	struct psess *ps = find(p, host), *grown;

	*fresh = false;
	if (ps && (strcmp(ps->addr, addr) || !ps->s || nc_session_get_status(ps->s) != NC_STATUS_RUNNING))
		drop(ps);
	if (ps && ps->s)
		return ps->s;
	if (!ps) {
		grown = realloc(p->sess, (p->n_sess + 1) * sizeof(*grown));
		if (!grown) {
			snprintf(why, len, "out of memory");
			return NULL;
		}
		p->sess = grown;
		ps = &p->sess[p->n_sess];
		memset(ps, 0, sizeof(*ps));
		if (!(ps->host = strdup(host)) || !(ps->addr = strdup(addr))) {
			free(ps->host);
			free(ps->addr);
			snprintf(why, len, "out of memory");
			return NULL;
		}
		p->n_sess++;
	} else if (strcmp(ps->addr, addr)) {
		char *a = strdup(addr);

		if (!a) {
			snprintf(why, len, "out of memory");
			return NULL;
		}
		free(ps->addr);
		ps->addr = a;
	}
	*fresh = true;
	return ps->s = connect_to(p, addr, cred, why, len);
}

/* The text of the opaque child name of n, or NULL. */
static const char *opaq_text(const struct lyd_node *n, const char *name)
{
	const struct lyd_node *c;

	LY_LIST_FOR(lyd_child(n), c) {
		if (!strcmp(LYD_NAME(c), name))
			return c->schema ? lyd_get_value(c) : ((const struct lyd_node_opaq *)c)->value;
	}
	return NULL;
}

/* The first rpc-error of a reply envelope: -1 with its message, or 0. */
static int reply_error(const struct lyd_node *envp, char *why, size_t len, char *path, size_t plen)
{
	const struct lyd_node *n;
	const char *msg, *tag, *ep;

	LY_LIST_FOR(envp ? lyd_child(envp) : NULL, n) {
		if (strcmp(LYD_NAME(n), "rpc-error"))
			continue;
		msg = opaq_text(n, "error-message");
		tag = opaq_text(n, "error-tag");
		ep = opaq_text(n, "error-path");
		snprintf(why, len, "%s", msg && *msg ? msg : tag ? tag : "rpc-error");
		if (path && ep)
			snprintf(path, plen, "%s", ep);
		return -1;
	}
	return 0;
}

/* Wait up to reply_ms for the reply to msgid on s. */
static enum call_rc recv_reply(struct nc_session *s, struct nc_rpc *rpc, uint64_t msgid,
			       int reply_ms, char *why, size_t len, char *path, size_t plen,
			       struct lyd_node **data)
{
	struct lyd_node *envp = NULL, *op = NULL;
	NC_MSG_TYPE t;
	int rc;

	do {
		lyd_free_tree(envp);
		lyd_free_tree(op);
		envp = op = NULL;
		t = nc_recv_reply(s, rpc, msgid, reply_ms, &envp, &op);
	} while (t == NC_MSG_NOTIF);
	if (t != NC_MSG_REPLY) {
		snprintf(why, len, t == NC_MSG_WOULDBLOCK ? "no reply within %d s"
							  : "the session was lost waiting for the reply",
			 reply_ms / 1000);
		lyd_free_tree(envp);
		lyd_free_tree(op);
		return CALL_NO_ANSWER;
	}
	rc = reply_error(envp, why, len, path, plen);
	lyd_free_tree(envp);
	if (!rc && data) {
		*data = op;
		op = NULL;
	}
	lyd_free_tree(op);
	return rc ? CALL_REFUSED : CALL_OK;
}

enum call_rc peer_call(struct peer *p, const char *host, const char *addr, const char *cred,
		       struct nc_rpc *rpc, int reply_ms, char *why, size_t len, char *path,
		       size_t plen)
{
	return peer_call_data(p, host, addr, cred, rpc, reply_ms, why, len, path, plen, NULL);
}

int peer_send(struct peer *p, struct pending *pd, const char *host, const char *addr,
	      const char *cred, struct nc_rpc *rpc)
{
	bool fresh;
	int attempt;

	memset(pd, 0, sizeof(*pd));
	pd->host = host;
	pd->rpc = rpc;
	pd->rc = CALL_NO_ANSWER;
	if (!rpc) {
		snprintf(pd->why, sizeof(pd->why), "out of memory");
		return -1;
	}
	/* as peer_call: one fresh session more when a cached one is dead */
	for (attempt = 0; attempt < 2; attempt++) {
		pd->s = session(p, host, addr, cred, &fresh, pd->why, sizeof(pd->why));
		if (!pd->s)
			break;
		if (nc_send_rpc(pd->s, rpc, PEER_SEND_MS, &pd->msgid) == NC_MSG_RPC)
			return 0;
		snprintf(pd->why, sizeof(pd->why), "cannot send the request (session lost)");
		drop(find(p, host));
		pd->s = NULL;
		if (fresh)
			break;
	}
	nc_rpc_free(rpc);
	pd->rpc = NULL;
	return -1;
}

static enum call_rc wait_reply(struct peer *p, struct pending *pd, int reply_ms,
			      struct lyd_node **data)
{
	if (pd->s) {
		pd->rc = recv_reply(pd->s, pd->rpc, pd->msgid, reply_ms, pd->why, sizeof(pd->why),
				    pd->path, sizeof(pd->path), data);
		if (pd->rc == CALL_NO_ANSWER)
			drop(find(p, pd->host));
		pd->s = NULL;
	}
	nc_rpc_free(pd->rpc);
	pd->rpc = NULL;
	return pd->rc;
}

enum call_rc peer_wait(struct peer *p, struct pending *pd, int reply_ms)
{
	return wait_reply(p, pd, reply_ms, NULL);
}

/* One request, sent and awaited: the same two halves. */
enum call_rc peer_call_data(struct peer *p, const char *host, const char *addr, const char *cred,
			    struct nc_rpc *rpc, int reply_ms, char *why, size_t len, char *path,
			    size_t plen, struct lyd_node **data)
{
	struct pending pd;
	enum call_rc rc;

	peer_send(p, &pd, host, addr, cred, rpc);
	rc = wait_reply(p, &pd, reply_ms, data);
	snprintf(why, len, "%s", pd.why);
	if (path && plen)
		snprintf(path, plen, "%s", pd.path);
	return rc;
}

void peer_sess_close_all(struct peer *p)
{
	size_t i;

	for (i = 0; i < p->n_sess; i++) {
		drop(&p->sess[i]);
		free(p->sess[i].host);
		free(p->sess[i].addr);
	}
	free(p->sess);
	p->sess = NULL;
	p->n_sess = 0;
}
