/*
 * ssh_server.c - vnmd's SSH server (libssh), in front of the gate.
 *
 * vnmd terminates SSH itself rather than through libnetconf2's nc_accept(),
 * which runs key exchange and login of one connection at a time on the
 * accepting thread: three silent TCP connections stalled everyone.  Here
 * the accept thread only accepts; each connection's key exchange, login
 * (ssh_auth.c decides) and "netconf" subsystem request run on the
 * connection's own thread (gate.c), bounded by the gate's deadline.
 */
#include "server_p.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "log.h"

#define AUTH_ATTEMPTS 3

struct vnm_ssh_conn {
	struct vnm_server *s;
	ssh_session ss;
	ssh_channel ch;
	bool authed, subsystem, remote_closed;
	unsigned fails;
	char user[64];
	struct ssh_server_callbacks_struct scb;
	struct ssh_channel_callbacks_struct ccb;
};

int vnm_ssh_listen(struct vnm_server *s, const struct vnm_server_opts *o, struct vnm_err *err)
{
	int port = o->ssh_port, fl;

	s->ssh_bind = ssh_bind_new();
	if (!s->ssh_bind)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
	if (ssh_bind_options_set(s->ssh_bind, SSH_BIND_OPTIONS_BINDADDR, o->ssh_addr) ||
	    ssh_bind_options_set(s->ssh_bind, SSH_BIND_OPTIONS_BINDPORT, &port) ||
	    ssh_bind_options_set(s->ssh_bind, SSH_BIND_OPTIONS_HOSTKEY, s->hostkey) ||
	    ssh_bind_listen(s->ssh_bind) != SSH_OK) {
		vnm_err_set(err, VNM_E_INVALID, NULL, "cannot listen for SSH on %s port %u: %s",
			    o->ssh_addr, o->ssh_port, ssh_get_error(s->ssh_bind));
		vnm_ssh_unlisten(s);
		return -1;
	}
	s->ssh_fd = ssh_bind_get_fd(s->ssh_bind);
	/* poll() said a client is there; it may be gone by accept() */
	fl = fcntl(s->ssh_fd, F_GETFL);
	if (fl >= 0)
		fcntl(s->ssh_fd, F_SETFL, fl | O_NONBLOCK);
	return 0;
}

void vnm_ssh_unlisten(struct vnm_server *s)
{
	if (s->ssh_bind)
		ssh_bind_free(s->ssh_bind); /* closes the listener */
	s->ssh_bind = NULL;
	s->ssh_fd = -1;
}

static int auth_password(ssh_session ss, const char *user, const char *password, void *ud)
{
	struct vnm_ssh_conn *c = ud;

	if (vnm_ssh_password_ok(c->s, user, password)) {
		snprintf(c->user, sizeof(c->user), "%s", user);
		c->authed = true;
		return SSH_AUTH_SUCCESS;
	}
	c->fails++;
	/* a wrong password costs the guesser time (this connection's thread
	 * only: nobody else waits) */
	usleep(VNM_AUTH_FAIL_DELAY_MS * 1000u);
	return SSH_AUTH_DENIED;
}

static int auth_pubkey(ssh_session ss, const char *user, struct ssh_key_struct *key,
		       char sig_state, void *ud)
{
	struct vnm_ssh_conn *c = ud;

	/* STATE_NONE: the client asks whether the key would do (no signature
	 * yet); STATE_VALID: libssh checked the signature */
	if (sig_state != SSH_PUBLICKEY_STATE_NONE && sig_state != SSH_PUBLICKEY_STATE_VALID) {
		c->fails++;
		return SSH_AUTH_DENIED;
	}
	if (!vnm_ssh_key_ok(c->s, user, key)) {
		if (sig_state == SSH_PUBLICKEY_STATE_VALID)
			c->fails++;
		return SSH_AUTH_DENIED;
	}
	if (sig_state == SSH_PUBLICKEY_STATE_VALID) {
		snprintf(c->user, sizeof(c->user), "%s", user);
		c->authed = true;
	}
	return SSH_AUTH_SUCCESS;
}

static int subsystem_req(ssh_session ss, ssh_channel ch, const char *name, void *ud)
{
	struct vnm_ssh_conn *c = ud;

	if (strcmp(name, "netconf"))
		return 1;
	c->subsystem = true;
	return 0;
}

static void channel_closed(ssh_session ss, ssh_channel ch, void *ud)
{
	struct vnm_ssh_conn *c = ud;

	c->remote_closed = true;
}

static ssh_channel channel_open(ssh_session ss, void *ud)
{
	struct vnm_ssh_conn *c = ud;

	if (!c->authed || c->ch)
		return NULL; /* one NETCONF channel per connection */
	c->ch = ssh_channel_new(ss);
	if (!c->ch)
		return NULL;
	ssh_callbacks_init(&c->ccb);
	c->ccb.userdata = c;
	c->ccb.channel_subsystem_request_function = subsystem_req;
	c->ccb.channel_close_function = channel_closed;
	ssh_set_channel_callbacks(c->ch, &c->ccb);
	return c->ch;
}

struct vnm_ssh_conn *vnm_ssh_conn_new(struct vnm_server *s, int fd)
{
	struct vnm_ssh_conn *c = calloc(1, sizeof(*c));
	long secs = VNM_HANDSHAKE_SECS;

	if (!c)
		return NULL;
	c->s = s;
	c->ss = ssh_new();
	/* no blocking call (a write to a client that does not read, a close)
	 * waits longer than this */
	if (!c->ss || ssh_options_set(c->ss, SSH_OPTIONS_TIMEOUT, &secs) ||
	    ssh_bind_accept_fd(s->ssh_bind, c->ss, fd) != SSH_OK) {
		vnm_log_warn("netconf: cannot start an SSH session: %s",
			     c->ss ? ssh_get_error(c->ss) : "out of memory");
		if (c->ss)
			ssh_free(c->ss);
		free(c);
		return NULL;
	}
	ssh_callbacks_init(&c->scb);
	c->scb.userdata = c;
	if (s->n_passes)
		c->scb.auth_password_function = auth_password;
	if (s->n_keys)
		c->scb.auth_pubkey_function = auth_pubkey;
	c->scb.channel_open_request_session_function = channel_open;
	ssh_set_server_callbacks(c->ss, &c->scb);
	ssh_set_auth_methods(c->ss, (s->n_passes ? SSH_AUTH_METHOD_PASSWORD : 0) |
					    (s->n_keys ? SSH_AUTH_METHOD_PUBLICKEY : 0));
	return c;
}

int vnm_ssh_conn_login(struct vnm_ssh_conn *c, char *user, size_t user_len, char *why,
		       size_t why_len)
{
	ssh_event ev = NULL;
	int rc = -1;

	if (ssh_handle_key_exchange(c->ss) != SSH_OK) {
		snprintf(why, why_len, "key exchange failed: %s", ssh_get_error(c->ss));
		return -1;
	}
	ev = ssh_event_new();
	if (!ev || ssh_event_add_session(ev, c->ss) != SSH_OK) {
		snprintf(why, why_len, "out of memory");
		goto cleanup;
	}
	/* the callbacks above answer; the gate's deadline cuts a slow client */
	while (!(c->subsystem && c->authed)) {
		if (c->fails >= AUTH_ATTEMPTS) {
			snprintf(why, why_len, "%u failed logins", c->fails);
			goto cleanup;
		}
		if (c->s->stop) {
			snprintf(why, why_len, "vnmd is stopping");
			goto cleanup;
		}
		if (ssh_event_dopoll(ev, 200) == SSH_ERROR ||
		    (c->ch && (ssh_channel_is_eof(c->ch) || ssh_channel_is_closed(c->ch)))) {
			snprintf(why, why_len, "%s before the netconf subsystem",
				 c->authed ? "left" : "left or timed out");
			goto cleanup;
		}
	}
	snprintf(user, user_len, "%s", c->user);
	rc = 0;
cleanup:
	if (ev) {
		ssh_event_remove_session(ev, c->ss);
		ssh_event_free(ev);
	}
	return rc;
}

ssh_channel vnm_ssh_conn_channel(struct vnm_ssh_conn *c)
{
	return c->ch;
}

void vnm_ssh_conn_free(struct vnm_ssh_conn *c)
{
	ssh_event ev;
	int i;

	if (!c)
		return;
	if (c->ch) {
		ssh_channel_send_eof(c->ch);
		ssh_channel_close(c->ch);
		/* a second for the client to close its end too: clients (paramiko)
		 * take a connection gone under an open channel as an error */
		ev = ssh_event_new();
		if (ev && ssh_event_add_session(ev, c->ss) == SSH_OK) {
			for (i = 0; i < 10 && !c->remote_closed; i++) {
				if (ssh_event_dopoll(ev, 100) == SSH_ERROR)
					break;
			}
			ssh_event_remove_session(ev, c->ss);
		}
		if (ev)
			ssh_event_free(ev);
		ssh_channel_free(c->ch);
	}
	ssh_disconnect(c->ss);
	ssh_free(c->ss); /* closes the socket */
	free(c);
}
