/*
 * main.c - the vnmd daemon: options, start-up in order, the signal loop,
 * clean shutdown; and the check mode (vnmd -n -c FILE).
 *
 * Start-up order: log → state directory → YANG context → drivers → core
 * (loads running or startup, reconciles) → NETCONF server → SNMP subagent.
 * Shutdown runs it backwards, so the core saves running after the last
 * session is gone.  Without --foreground the daemon forks, and the parent
 * waits until the child is serving (exit 0) or has said why it could not
 * (its messages on the terminal, exit 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "agent.h"
#include "check.h"
#include "core.h"
#include "link_nl.h"
#include "log.h"
#include "server.h"
#include "uri_policy.h"
#include "yctx.h"
#if __has_include("hv_libvirt.h")
#include "hv_libvirt.h"
#define VNM_HAVE_HV 1
#endif

#define DEF_STATE_DIR "/var/lib/vnmd"
#define DEF_SOCKET "/run/vnmd/vnmd.sock"
#define DEF_URI "qemu:///system"
#define MAX_ALLOW_URI 64

struct opts {
	int foreground, check, from_startup;
	const char *config, *state_dir, *unix_path, *ssh_listen, *ssh_hostkey;
	const char *authkeys, *passwords, *uri, *agentx, *pid_file;
	unsigned workers;
	size_t max_config;
	int no_unix;
	const char *allow[MAX_ALLOW_URI]; /* --allow-uri, in uris */
	struct vnm_uri_policy uris;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vnmd [options]\n"
		"       vnmd -n -c FILE\n"
		"\n"
		"vnmd realises virtual networks (virtual routers as libvirt domains, virtual\n"
		"links as kernel interfaces shaped with tc) from a YANG model edited over\n"
		"NETCONF, and serves their state over NETCONF and SNMP (AgentX).\n"
		"\n"
		"  -f, --foreground            stay in the foreground; log to stderr (otherwise\n"
		"                              fork, and log to syslog once serving)\n"
		"  -s, --state-dir DIR         running.xml, startup.xml and the generated SSH host\n"
		"                              key live here (default " DEF_STATE_DIR ")\n"
		"  -u, --unix-socket PATH      NETCONF on a UNIX socket, mode 0600 (default\n"
		"                              " DEF_SOCKET "); \"none\" disables it\n"
		"  -l, --ssh-listen ADDR:PORT  NETCONF over SSH (RFC 6242), e.g. 0.0.0.0:830 or\n"
		"                              [::1]:830; off unless given\n"
		"  -k, --ssh-hostkey FILE      SSH host key (OpenSSH private key); generated as\n"
		"                              ed25519 when absent (default DIR/ssh_host_ed25519_key)\n"
		"  -a, --ssh-authorized-keys FILE\n"
		"                              public keys that may log in, one per line:\n"
		"                              \"[USER ]TYPE BASE64 [COMMENT]\"; with USER the key is\n"
		"                              good for that user name only\n"
		"  -p, --ssh-password-file FILE\n"
		"                              password users, one per line: \"USER:HASH[:ro]\",\n"
		"                              HASH from crypt(3) (e.g. openssl passwd -6); \":ro\"\n"
		"                              makes the user read-only (writes: access-denied)\n"
		"  -U, --libvirt-uri URI       hypervisor of hosts without their own libvirt-uri\n"
		"                              (default " DEF_URI "; test:///default needs none)\n"
		"  -A, --allow-uri URI|PATTERN a hypervisor URI hosts of the model may name in\n"
		"                              libvirt-uri; repeatable.  A URI with a query is\n"
		"                              allowed only as written here; a PATTERN (no '?')\n"
		"                              is an fnmatch glob whose '*' stays within one '/'\n"
		"                              part, e.g. 'qemu+tls://rm-*.example.org/system'.\n"
		"                              Without -A:\n"
		"                              " VNM_URI_BUILTIN ".\n"
		"                              The ext transport and command= are never allowed;\n"
		"                              --libvirt-uri is always allowed.  -n obeys it too\n"
		"  -x, --agentx-socket SOCK    serve VNMD-MIB as an AgentX subagent of the master\n"
		"                              at SOCK: a path or tcp:HOST:PORT; off unless given\n"
		"  -S, --startup               start from the startup datastore, not running\n"
		"  -L, --log-level LEVEL       err, warning, notice, info (default) or debug\n"
		"  -w, --workers N             NETCONF worker threads (default 4, at most 5)\n"
		"  -m, --max-config-size BYTES largest <config> accepted (default 16777216);\n"
		"                              a larger one gets error-tag too-big\n"
		"  -P, --pid-file FILE         write the daemon's pid here\n"
		"  -n, --check                 check the configuration given with -c and print it\n"
		"                              normalised; exit 0 when valid, 1 when not\n"
		"  -c, --config FILE           configuration file (NETCONF <config> XML)\n"
		"  -h, --help                  this text\n"
		"\n"
		"Signals: SIGTERM/SIGINT close every session, save running and exit;\n"
		"SIGHUP reopens the log.\n");
}

/* The operator's URIs obey the hard rule of uri_policy.h too. */
static int check_uris(struct opts *o)
{
	const char *why;
	size_t i;

	o->uris.allow = o->allow;
	o->uris.default_uri = o->uri;
	if ((why = vnm_uri_entry_refusal(o->uri))) {
		fprintf(stderr, "vnmd: --libvirt-uri %s: %s\n", o->uri, why);
		return 2;
	}
	for (i = 0; i < o->uris.n_allow; i++) {
		if ((why = vnm_uri_entry_refusal(o->allow[i]))) {
			fprintf(stderr, "vnmd: --allow-uri %s: %s\n", o->allow[i], why);
			return 2;
		}
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{"foreground", no_argument, NULL, 'f'},
		{"state-dir", required_argument, NULL, 's'},
		{"unix-socket", required_argument, NULL, 'u'},
		{"ssh-listen", required_argument, NULL, 'l'},
		{"ssh-hostkey", required_argument, NULL, 'k'},
		{"ssh-authorized-keys", required_argument, NULL, 'a'},
		{"ssh-password-file", required_argument, NULL, 'p'},
		{"libvirt-uri", required_argument, NULL, 'U'},
		{"allow-uri", required_argument, NULL, 'A'},
		{"agentx-socket", required_argument, NULL, 'x'},
		{"startup", no_argument, NULL, 'S'},
		{"log-level", required_argument, NULL, 'L'},
		{"workers", required_argument, NULL, 'w'},
		{"max-config-size", required_argument, NULL, 'm'},
		{"pid-file", required_argument, NULL, 'P'},
		{"check", no_argument, NULL, 'n'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum vnm_log_level lvl;
	unsigned long v;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->state_dir = DEF_STATE_DIR;
	o->unix_path = DEF_SOCKET;
	o->uri = DEF_URI;
	while ((c = getopt_long(argc, argv, "fs:u:l:k:a:p:U:A:x:SL:w:m:P:nc:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->foreground = 1;
			break;
		case 's':
			o->state_dir = optarg;
			break;
		case 'u':
			o->unix_path = optarg;
			o->no_unix = !strcmp(optarg, "none");
			break;
		case 'l':
			o->ssh_listen = optarg;
			break;
		case 'k':
			o->ssh_hostkey = optarg;
			break;
		case 'a':
			o->authkeys = optarg;
			break;
		case 'p':
			o->passwords = optarg;
			break;
		case 'U':
			o->uri = optarg;
			break;
		case 'A':
			if (o->uris.n_allow == MAX_ALLOW_URI) {
				fprintf(stderr, "vnmd: more than %d --allow-uri; use patterns\n",
					MAX_ALLOW_URI);
				return 2;
			}
			o->allow[o->uris.n_allow++] = optarg;
			break;
		case 'x':
			o->agentx = optarg;
			break;
		case 'S':
			o->from_startup = 1;
			break;
		case 'L':
			if (vnm_log_level_parse(optarg, &lvl)) {
				fprintf(stderr, "vnmd: --log-level %s: use err, warning, notice, info "
						"or debug\n", optarg);
				return 2;
			}
			vnm_log_set_level(lvl);
			break;
		case 'w':
		case 'm':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !v || (c == 'w' && v > 5)) {
				fprintf(stderr, "vnmd: --%s %s: expected a number%s\n",
					c == 'w' ? "workers" : "max-config-size", optarg,
					c == 'w' ? " from 1 to 5" : " above 0");
				return 2;
			}
			if (c == 'w')
				o->workers = (unsigned)v;
			else
				o->max_config = (size_t)v;
			break;
		case 'P':
			o->pid_file = optarg;
			break;
		case 'n':
			o->check = 1;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vnmd: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	return check_uris(o);
}

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

/* Serve until SIGTERM or SIGINT; SIGHUP reopens the log. */
static void wait_for_stop(const sigset_t *sigs)
{
	int sig;

	for (;;) {
		if (sigwait(sigs, &sig))
			continue;
		if (sig == SIGHUP) {
			vnm_log_reopen();
			vnm_log_info("log reopened (SIGHUP)");
			continue;
		}
		vnm_log_info("shutting down (%s)", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	}
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
	void *hv_ctx = NULL, *link_ctx = NULL;
	char hostkey[PATH_MAX], addr[256];
	sigset_t sigs;
	int rc = 1, ready_fd = -1;
	uint16_t port = 0;

	if (o->ssh_listen && parse_listen(o->ssh_listen, addr, sizeof(addr), &port)) {
		fprintf(stderr, "vnmd: --ssh-listen %s: expected ADDR:PORT, e.g. 127.0.0.1:830\n",
			o->ssh_listen);
		return 2;
	}
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
	co.drv.link = &vnm_link_nl_ops;
	co.drv.link_ctx = link_ctx;
	co.ctx = ctx;
	co.state_dir = o->state_dir;
	co.from_startup = o->from_startup;
	co.reconcile = true;
	co.uris = &o->uris;
	if (vnm_core_new(&co, &core, &err)) {
		vnm_log_err("cannot start: %s", err.msg);
		goto cleanup;
	}

	server_opts(o, ctx, core, addr, port, hostkey, sizeof(hostkey), &so);
	if (vnm_server_start(&so, &srv, &err)) {
		vnm_log_err("NETCONF server: %s", err.msg);
		goto cleanup;
	}
	if (o->agentx && vnm_agent_start(core, o->agentx, &agent, &err)) {
		/* SNMP is monitoring only: say so and serve NETCONF all the same */
		vnm_log_warn("SNMP subagent not started: %s", err.msg);
		agent = NULL;
	}
	vnm_log_info("vnmd started (state in %s, default hypervisor %s)", o->state_dir, o->uri);
	if (ready_fd >= 0) {
		tell_parent_ready(ready_fd);
		ready_fd = -1;
	}

	wait_for_stop(&sigs);
	rc = 0;
cleanup:
	vnm_agent_stop(agent);
	vnm_server_stop(srv);
	vnm_core_free(core); /* saves running */
	if (link_ctx)
		vnm_link_nl_free(link_ctx);
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

int main(int argc, char **argv)
{
	struct opts o;
	int rc = parse_opts(argc, argv, &o);

	if (rc)
		return rc;
	if (o.check) {
		if (!o.config) {
			fprintf(stderr, "vnmd: -n needs a configuration file (-c FILE)\n");
			return 2;
		}
		return vnm_check_file(o.config, &o.uris, stdout, stderr);
	}
	if (o.config) {
		fprintf(stderr, "vnmd: -c is for -n; the daemon keeps its configuration in "
				"--state-dir\n");
		return 2;
	}
	return run(&o);
}
