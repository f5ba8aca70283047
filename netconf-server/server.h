/*
 * server.h - the NETCONF server of vnmd (libnetconf2 2.0.24).
 *
 * One server per process (libnetconf2 keeps its state in globals).  It
 * listens on a UNIX socket and/or SSH, runs a few worker threads that poll
 * every session, and serves RFC 6241 on three datastores: running (owned by
 * the core: every change is one core transaction), candidate (kept here,
 * shared by all sessions) and startup (a file kept by the core).
 */
#ifndef VNM_SERVER_H
#define VNM_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct ly_ctx;
struct vnm_core;
struct vnm_server;

struct vnm_server_opts {
	struct ly_ctx *ctx;          /* vnm_yctx_new(true, ...); not owned, outlives the server */
	struct vnm_core *core;       /* not owned */
	const char *unix_path;       /* UNIX socket (mode 0600); NULL: none */
	const char *ssh_addr;        /* SSH listen address; NULL: no SSH */
	uint16_t ssh_port;
	const char *ssh_hostkey;     /* private host key (OpenSSH format); generated
	                              * (ed25519, mode 0600) when the file is absent */
	const char *ssh_authkeys;    /* authorized keys: "[USER ]TYPE BASE64 [COMMENT]"
	                              * lines; a key without USER admits any user name */
	const char *ssh_passwords;   /* "USER:CRYPT-HASH[:ro]" lines; NULL: no passwords */
	unsigned workers;            /* worker threads; 0: 4 */
	size_t max_config;           /* largest accepted <config> (bytes); 0: 16 MiB */
	const char *tls_addr;        /* TLS listen address (RFC 7589); NULL: no TLS */
	uint16_t tls_port;
	const char *tls_cert, *tls_key; /* the server's certificate chain and key (PEM) */
	const char *tls_ca;          /* the CAs trusted to sign client certificates (PEM) */
	const char *const *tls_maps; /* cert-to-name entries (tls_server.c), in order */
	size_t n_tls_maps;
	const char *state_dir;       /* keeps the notification replay log; NULL: memory only */
	size_t replay_events;        /* the replay log keeps the last N events; 0: 10,000 */
	size_t replay_bytes;         /* ...within this many bytes of XML; 0: 10 MiB */
};

/* Start listening and serving.  On failure nothing is left running and err
 * says which endpoint or file is at fault. */
int vnm_server_start(const struct vnm_server_opts *o, struct vnm_server **out,
		     struct vnm_err *err);

/* Close every session (locks die with them), stop the threads, release
 * libnetconf2.  NULL is fine. */
void vnm_server_stop(struct vnm_server *s);

/* Number of open sessions (for logs and tests). */
unsigned vnm_server_session_count(struct vnm_server *s);

#endif
