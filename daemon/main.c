/*
 * main.c - the vnmd daemon: options, start-up in order, the signal loop,
 * clean shutdown; and the check mode (vnmd -n -c FILE).
 *
 * Start-up order: log → state directory → YANG context → drivers → core
 * (loads running or startup, reconciles) → NETCONF server → SNMP subagent.
 * Shutdown runs it backwards, so the core saves running after the last
 * session is gone.  Without --foreground the daemon forks, and the parent
 * waits until the child is serving (exit 0) or has said why it could not
 * (its messages on the terminal, exit 1).  Under systemd (NOTIFY_SOCKET
 * set) it tells the manager READY=1 once serving and STOPPING=1 at the
 * end, with a datagram of its own (no libsystemd).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "agent.h"
#include "check.h"
#include "core.h"
#include "link_nl.h"
#include "log.h"
#include "notify.h"
#include "opts.h"
#include "peer_nc.h"
#include "server.h"
#include "store.h"
#include "uri_policy.h"
#include "yctx.h"
#if __has_include("hv_libvirt.h")
#include "hv_libvirt.h"
#define VNM_HAVE_HV 1
#endif

/* "ADDR:PORT" or "[ADDR]:PORT" → addr (in buf), port. */
static int parse_listen(const char *s, char *buf, size_t len, uint16_t *port)
{
	const char *colon = strrchr(s, ':'), *a = s;
	unsigned long p;
	size_t n;
	char *end;

	if (!colon || colon == s)
		return -1;
	n = (size_t)(colon - s);
	if (s[0] == '[') {
		if (n < 2 || s[n - 1] != ']')
			return -1;
		a = s + 1;
		n -= 2;
	}
	if (n >= len)
		return -1;
	memcpy(buf, a, n);
	buf[n] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || !p || p > 65535)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

/* Fork; the parent waits on a pipe for the child's verdict.  Returns the
 * write end in the child (-1 on failure, nothing forked). */
static int daemonise(void)
{
	int fds[2];
	pid_t pid;
	char c = 1;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			c = 1; /* the child died without a word */
		_exit(c ? 1 : 0);
	}
	close(fds[0]);
	setsid();
	return fds[1];
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static int write_pid(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

/* libyang speaks through our log, at debug level: the errors that matter
 * reach users through struct vnm_err and NETCONF error replies. */
static void vnm_ly_log(LY_LOG_LEVEL level, const char *msg, const char *path)
{
	(void)level;
	vnm_log(VNM_LOG_DEBUG, "libyang: %s%s%s", msg,
		path ? " at " : "", path ? path : "");
}

/* --ssh-listen and --tls-listen (each ADDR:PORT) into addr/port (256 bytes
 * each); -1 with the reason printed. */
static int listen_addrs(const struct opts *o, char *addr, uint16_t *port, char *tls_addr,
			uint16_t *tls_port)
{
	if (o->ssh_listen && parse_listen(o->ssh_listen, addr, 256, port)) {
		fprintf(stderr, "vnmd: --ssh-listen %s: expected ADDR:PORT, e.g. 127.0.0.1:830\n",
			o->ssh_listen);
		return -1;
	}
	if (o->tls_listen && parse_listen(o->tls_listen, tls_addr, 256, tls_port)) {
		fprintf(stderr, "vnmd: --tls-listen %s: expected ADDR:PORT, e.g. 127.0.0.1:6513\n",
			o->tls_listen);
		return -1;
	}
	return 0;
}

/* The NETCONF server's options from the daemon's; creates the UNIX
 * socket's directory when missing (the default one may not exist yet). */
static void server_opts(const struct opts *o, struct ly_ctx *ctx, struct vnm_core *core,
			const char *addr, uint16_t port, char *hostkey, size_t hostkey_len,
			struct vnm_server_opts *so)
{
	if (o->ssh_listen && !o->ssh_hostkey) {
		snprintf(hostkey, hostkey_len, "%s/ssh_host_ed25519_key", o->state_dir);
		so->ssh_hostkey = hostkey;
	} else {
		so->ssh_hostkey = o->ssh_hostkey;
	}
	so->ctx = ctx;
	so->core = core;
	so->unix_path = o->no_unix ? NULL : o->unix_path;
	so->ssh_addr = o->ssh_listen ? addr : NULL;
	so->ssh_port = port;
	so->ssh_authkeys = o->authkeys;
	so->ssh_passwords = o->passwords;
	so->workers = o->workers;
	so->max_config = o->max_config;
	so->state_dir = o->state_dir;
	so->replay_events = o->replay_events;
	so->replay_bytes = o->replay_bytes;
	so->tls_cert = o->tls_cert;
	so->tls_key = o->tls_key;
	so->tls_ca = o->tls_ca;
	so->tls_maps = o->tls_maps;
	so->n_tls_maps = o->n_tls_maps;
	if (so->unix_path) {
		/* the default socket's directory may not exist yet */
		char dir[PATH_MAX], *slash;

		snprintf(dir, sizeof(dir), "%s", so->unix_path);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (mkdir(dir, 0700) && errno != EEXIST)
				vnm_log_warn("cannot create %s: %m", dir);
		}
	}
}

/* Serving: the waiting parent of daemonise() may exit 0; logs go to syslog. */
static void tell_parent_ready(int ready_fd)
{
	char c = 0;

	vnm_log_open("vnmd", VNM_LOG_SYSLOG);
	detach_stdio();
	if (write(ready_fd, &c, 1) != 1)
		vnm_log_warn("cannot tell the parent process that vnmd runs");
	close(ready_fd);
}

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Serve until SIGTERM or SIGINT; SIGHUP reopens the log.  The wait is the
 * guarantee watch's timer too: every watch_ms the core measures each VL
 * (on a fixed beat, however long a tick or a signal took). */
static void wait_for_stop(const sigset_t *sigs, struct vnm_core *core, unsigned watch_ms)
{
	int64_t next = mono_ms() + watch_ms, left;
	struct timespec ts;
	int sig;

	for (;;) {
		left = next - mono_ms();
		if (left <= 0) {
			vnm_core_watch_tick(core);
			next += watch_ms;
			if (next <= mono_ms()) /* a tick outlasted the beat: skip */
				next = mono_ms() + watch_ms;
			continue;
		}
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		sig = sigtimedwait(sigs, NULL, &ts);
		if (sig < 0)
			continue; /* the beat (EAGAIN) or EINTR */
		if (sig == SIGHUP) {
			vnm_log_reopen();
			vnm_log_info("log reopened (SIGHUP)");
			continue;
		}
		vnm_log_info("shutting down (%s)", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	}
}

/* The SNMP agent the options ask for, if any: 0, or -1 when vnmd must not
 * serve without it. */
static int snmp_start(const struct opts *o, struct vnm_core *core, struct vnm_agent **agent)
{
	struct vnm_agent_conf ac = {.agentx = o->agentx, .listen = o->snmp_listen,
				    .community = o->snmp_community, .user = o->snmp_user,
				    .state_dir = o->state_dir};
	struct vnm_err err = {0};

	*agent = NULL;
	if (!o->agentx && !o->snmp_listen)
		return 0;
	if (!vnm_agent_start_conf(core, &ac, agent, &err))
		return 0;
	*agent = NULL;
	/* Unlike a master that may come later, a transport that cannot be
	 * opened now will not open by itself: the operator asked for it, so
	 * do not serve without it. */
	if (o->snmp_listen) {
		vnm_log_err("%s", err.msg);
		return -1;
	}
	/* SNMP is monitoring only: say so and serve NETCONF all the same */
	vnm_log_warn("SNMP subagent not started: %s", err.msg);
	return 0;
}

/* The peer driver, for a coordinator (no --host) the operator allowed
 * peers to: its keys must be readable now, not at the first commit. */
static int peer_start(const struct opts *o, struct vnm_core_opts *co, void **peer_ctx)
{
	struct ly_ctx *pctx = NULL;
	struct vnm_err err = {0};
	char pub[PATH_MAX];
	size_t i;

	*peer_ctx = NULL;
	co->peers = &o->peers;
	co->peer_timeout_s = o->peer_timeout;
	if (o->local_host || !o->peers.n_allow)
		return 0;
	for (i = 0; i < o->peers.n_keys; i++) {
		snprintf(pub, sizeof(pub), "%s.pub", o->peers.keys[i].path);
		if (access(o->peers.keys[i].path, R_OK) || access(pub, R_OK)) {
			vnm_log_err("--peer-key %s: cannot read %s or %s: %m", o->peers.keys[i].name,
				    o->peers.keys[i].path, pub);
			return -1;
		}
	}
	/* the client's context loads no module from the working directory */
	if (vnm_yctx_new(true, &pctx, &err) ||
	    (ly_ctx_set_options(pctx, LY_CTX_DISABLE_SEARCHDIR_CWD), false) ||
	    vnm_peer_nc_new(pctx, &o->peers, peer_ctx, &err)) {
		vnm_log_err("peer driver: %s", err.msg);
		return -1;
	}
	co->drv.peer = &vnm_peer_nc_ops;
	co->drv.peer_ctx = *peer_ctx;
	return 0;
}

static int run(const struct opts *o)
{
	struct ly_ctx *ctx = NULL;
	struct vnm_core *core = NULL;
	struct vnm_server *srv = NULL;
	struct vnm_agent *agent = NULL;
	struct vnm_core_opts co = {0};
	struct vnm_server_opts so = {0};
	struct vnm_err err = {0};
	void *hv_ctx = NULL, *link_ctx = NULL, *peer_ctx = NULL;
	char hostkey[PATH_MAX], addr[256], tls_addr[256];
	sigset_t sigs;
	int rc = 1, ready_fd = -1;
	uint16_t port = 0, tls_port = 0;

	if (listen_addrs(o, addr, &port, tls_addr, &tls_port))
		return 2;
	vnm_log_open("vnmd", VNM_LOG_STDERR);
	if (!o->foreground && (ready_fd = daemonise()) < 0) {
		vnm_log_err("cannot fork: %m");
		return 1;
	}
	/* every thread started from here on leaves these signals to sigwait() */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (mkdir(o->state_dir, 0700) && errno != EEXIST) {
		vnm_log_err("cannot create the state directory %s: %m", o->state_dir);
		goto cleanup;
	}
	if (access(o->state_dir, W_OK)) {
		vnm_log_err("the state directory %s is not writable: %m", o->state_dir);
		goto cleanup;
	}
	if (o->pid_file && write_pid(o->pid_file)) {
		vnm_log_err("cannot write the pid file %s: %m", o->pid_file);
		goto cleanup;
	}
	ly_set_log_clb(vnm_ly_log, 1);
	if (vnm_yctx_new(true, &ctx, &err)) {
		vnm_log_err("%s", err.msg);
		goto cleanup;
	}
#ifdef VNM_HAVE_HV
	if (vnm_hv_libvirt_new(o->uri, &hv_ctx, &err)) {
		vnm_log_err("hypervisor driver: %s", err.msg);
		goto cleanup;
	}
	vnm_hv_libvirt_set_uri_policy(hv_ctx, &o->uris);
	co.drv.hv = &vnm_hv_libvirt_ops;
	co.drv.hv_ctx = hv_ctx;
#endif
	if (vnm_link_nl_new(&link_ctx, &err)) {
		vnm_log_err("link driver: %s", err.msg);
		goto cleanup;
	}
	vnm_link_nl_set_shared(link_ctx, o->shared_datapath);
	co.drv.link = &vnm_link_nl_ops;
	co.drv.link_ctx = link_ctx;
	co.ctx = ctx;
	co.state_dir = o->state_dir;
	co.from_startup = o->from_startup;
	co.reconcile = true;
	co.uris = &o->uris;
	co.local_host = o->local_host;
	if (peer_start(o, &co, &peer_ctx))
		goto cleanup;
	if (vnm_core_new(&co, &core, &err)) {
		vnm_log_err("cannot start: %s", err.msg);
		goto cleanup;
	}

	server_opts(o, ctx, core, addr, port, hostkey, sizeof(hostkey), &so);
	so.tls_addr = o->tls_listen ? tls_addr : NULL;
	so.tls_port = tls_port;
	if (vnm_server_start(&so, &srv, &err)) {
		vnm_log_err("NETCONF server: %s", err.msg);
		goto cleanup;
	}
	if (snmp_start(o, core, &agent))
		goto cleanup;
	vnm_core_start_peers(core);
	vnm_log_info("vnmd started (state in %s, default hypervisor %s)", o->state_dir, o->uri);
	if (ready_fd >= 0) {
		tell_parent_ready(ready_fd);
		ready_fd = -1;
	}
	if (vnm_notify("READY=1"))
		vnm_log_warn("cannot tell systemd that vnmd is ready (NOTIFY_SOCKET): %m");

	wait_for_stop(&sigs, core, o->watch_ms);
	vnm_notify("STOPPING=1");
	rc = 0;
cleanup:
	vnm_agent_stop(agent);
	vnm_server_stop(srv);
	vnm_core_free(core); /* saves running */
	vnm_peer_nc_free(peer_ctx);
	vnm_link_nl_free(link_ctx); /* NULL is fine */
#ifdef VNM_HAVE_HV
	if (hv_ctx)
		vnm_hv_libvirt_free(hv_ctx);
#endif
	ly_ctx_destroy(ctx);
	if (o->pid_file && rc == 0)
		unlink(o->pid_file);
	if (!rc)
		vnm_log_info("vnmd stopped");
	if (ready_fd >= 0) {
		char c = 1;

		if (write(ready_fd, &c, 1) != 1)
			rc = 1;
		close(ready_fd);
	}
	vnm_log_close();
	return rc;
}

/* -n: the options and the file are good by now; check the datastore named
 * with -c, or the one the daemon would start from. */
static int check_mode(const struct opts *o)
{
	/* a vnmd for one host (--host) reaches no other vnmd */
	const struct vnm_peer_policy *peers = o->local_host ? NULL : &o->peers;
	char path[PATH_MAX];
	const char *file = o->config;

	if (o->config_file)
		fprintf(stderr, "vnmd: %s: ok\n", o->config_file);
	if (!file) {
		snprintf(path, sizeof(path), "%s/%s", o->state_dir,
			 o->from_startup ? VNM_STORE_STARTUP : VNM_STORE_RUNNING);
		if (access(path, F_OK) && errno == ENOENT) {
			fprintf(stderr, "vnmd: no datastore %s yet: vnmd would start with an "
					"empty configuration\n", path);
			return VNM_EXIT_OK;
		}
		if (!o->from_startup)
			return vnm_check_running(o->state_dir, &o->uris, peers, stdout, stderr);
		file = path;
	}
	return vnm_check_file(file, &o->uris, peers, stdout, stderr);
}

/* net-snmp reads files named by these (its configuration and certificate
 * directories, its persistent files) and vnmd reads no file the options do
 * not name.  Cleared while vnmd is one thread: setenv/unsetenv race with
 * getenv in other threads. */
static void forget_snmp_environment(void)
{
	static const char *names[] = {"SNMPCONFPATH", "SNMP_PERSISTENT_DIR",
				      "SNMP_PERSISTENT_FILE", "SNMPCONFFILE"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unsetenv(names[i]);
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc;

	forget_snmp_environment();
	/* glibc gives each thread that allocates its own arena, and keeps
	 * what a large commit freed in each, out of reach of the others:
	 * one arena serves vnmd's few busy threads (a commit, a read, the
	 * snapshot), so that what a transaction freed serves the reads that
	 * follow (measured by hand, RSS sampled through bench/vnmd_bench.py's
	 * steps: 2,000 VLs 82 -> 72 MiB with two arenas instead of one per
	 * thread; 10,000 VLs 152 -> 147 MiB with one instead of two, the
	 * counter dumps freed between the runs too) */
	mallopt(M_ARENA_MAX, 1);
	rc = vnm_opts_parse(argc, argv, VNM_CONF_FILE, &o, stderr);

	if (rc || o.help) {
		if (o.help)
			vnm_opts_usage(stdout);
		goto out;
	}
	if (o.check) {
		rc = check_mode(&o);
		goto out;
	}
	if (o.config) {
		fprintf(stderr, "vnmd: -c names the datastore file -n checks; the daemon keeps "
				"its datastores in --state-dir\n");
		rc = VNM_EXIT_USAGE;
		goto out;
	}
	rc = run(&o);
out:
	vnm_opts_free(&o);
	return rc;
}
