/* test_conf.c - vnmd's configuration file and options (daemon/conf.c,
 * daemon/opts.c) and the systemd notification (daemon/notify.c): every key
 * reaches the option it names, the command line wins, and an unknown key
 * or a bad value is refused with the file and line, all of them in one
 * round. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "notify.h"
#include "opts.h"

static char tmpdir[] = "/tmp/vnmt-conf.XXXXXX";
static char path[256];

static const char *write_conf(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/vnmd.conf", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* vnm_opts_parse on a NULL-terminated argv; errors into *errs (caller frees). */
static int parse(struct opts *o, const char *conf, char **errs, ...)
{
	char *argv[32] = {"vnmd"};
	int argc = 1, rc;
	size_t len;
	va_list ap;
	FILE *e = open_memstream(errs, &len);

	va_start(ap, errs);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	rc = vnm_opts_parse(argc, argv, conf, o, e);
	fclose(e);
	return rc;
}

static void every_key_reaches_its_option(void **state)
{
	struct opts o;
	char *errs = NULL;
	const char *p = write_conf(
		"# vnmd.conf\n"
		"\n"
		"  state-dir = /srv/vnmd  \n"
		"unix-socket=none\n"
		"ssh-listen = [::1]:830\n"
		"ssh-hostkey = /etc/vnmd/key\n"
		"ssh-authorized-keys = /etc/vnmd/keys\n"
		"ssh-password-file = /etc/vnmd/passwd\n"
		"libvirt-uri = test:///default\n"
		"allow-uri = qemu:///system\n"
		"allow-uri = qemu+tls://rm-*.lab.example/system\n"
		"agentx-socket = /var/agentx/master\n"
		"startup = yes\n"
		"foreground = on\n"
		"log-level = debug\n"
		"workers = 5\n"
		"max-config-size = 1000\n"
		"pid-file = /run/vnmd.pid\n");

	assert_int_equal(parse(&o, p, &errs, NULL), 0);
	assert_string_equal(errs, "");
	assert_string_equal(o.config_file, p);
	assert_string_equal(o.state_dir, "/srv/vnmd");
	assert_true(o.no_unix);
	assert_string_equal(o.ssh_listen, "[::1]:830");
	assert_string_equal(o.ssh_hostkey, "/etc/vnmd/key");
	assert_string_equal(o.authkeys, "/etc/vnmd/keys");
	assert_string_equal(o.passwords, "/etc/vnmd/passwd");
	assert_string_equal(o.uri, "test:///default");
	assert_int_equal(o.uris.n_allow, 2);
	assert_string_equal(o.allow[1], "qemu+tls://rm-*.lab.example/system");
	assert_string_equal(o.agentx, "/var/agentx/master");
	assert_true(o.from_startup);
	assert_true(o.foreground);
	assert_int_equal(o.workers, 5);
	assert_int_equal(o.max_config, 1000);
	assert_string_equal(o.pid_file, "/run/vnmd.pid");
	vnm_opts_free(&o);
	free(errs);
}

static void the_command_line_wins(void **state)
{
	struct opts o;
	char *errs = NULL;
	const char *p = write_conf("workers = 5\nstate-dir = /srv/vnmd\nforeground = yes\n"
				   "allow-uri = qemu:///system\nallow-uri = qemu:///session\n");

	assert_int_equal(parse(&o, p, &errs, "-w", "2", "--state-dir", "/tmp/x",
			       "-A", "test:///default", NULL), 0);
	assert_int_equal(o.workers, 2);
	assert_string_equal(o.state_dir, "/tmp/x");
	assert_true(o.foreground); /* from the file: not on the command line */
	assert_int_equal(o.uris.n_allow, 1);
	assert_string_equal(o.allow[0], "test:///default");
	vnm_opts_free(&o);
	free(errs);
}

static void refusals_name_file_and_line_all_at_once(void **state)
{
	struct opts o;
	char *errs = NULL, want[1024];
	const char *p = write_conf("workers = 4\n"
				   "bogus = 1\n"
				   "# fine\n"
				   "workers = 99\n"
				   "foreground = maybe\n"
				   "log-level\n"
				   "check = yes\n"
				   "state-dir =\n");

	assert_int_equal(parse(&o, p, &errs, NULL), VNM_EXIT_USAGE);
	snprintf(want, sizeof(want),
		 "%1$s:2: bogus = 1: unknown key; the keys are the long options of vnmd --help\n"
		 "%1$s:4: workers = 99: expected a number from 1 to 5\n"
		 "%1$s:5: foreground = maybe: expected yes or no\n"
		 "%1$s:6: expected KEY = VALUE, got \"log-level\"\n"
		 "%1$s:7: check = yes: only on the command line (--check)\n"
		 "%1$s:8: state-dir: no value after '='; remove the line for the default\n",
		 p);
	assert_string_equal(errs, want);
	vnm_opts_free(&o);
	free(errs);
}

static void a_bad_uri_in_the_file_is_refused(void **state)
{
	struct opts o;
	char *errs = NULL;
	const char *p = write_conf("allow-uri = qemu+ext:///system\n");

	assert_int_equal(parse(&o, p, &errs, NULL), VNM_EXIT_USAGE);
	assert_non_null(strstr(errs, "allow-uri qemu+ext:///system"));
	vnm_opts_free(&o);
	free(errs);
}

static void which_file_is_read(void **state)
{
	struct opts o;
	char *errs = NULL, missing[300];

	snprintf(missing, sizeof(missing), "%s/nothere.conf", tmpdir);
	/* the default file may be missing */
	assert_int_equal(parse(&o, missing, &errs, NULL), 0);
	assert_null(o.config_file);
	assert_string_equal(o.state_dir, VNM_DEF_STATE_DIR);
	vnm_opts_free(&o);
	free(errs);
	/* a file named with --config-file may not */
	assert_int_equal(parse(&o, NULL, &errs, "--config-file", missing, NULL), VNM_EXIT_USAGE);
	assert_non_null(strstr(errs, "nothere.conf: cannot read the configuration file"));
	vnm_opts_free(&o);
	free(errs);
	/* --config-file replaces the default; "none" reads nothing */
	write_conf("workers = 3\n");
	assert_int_equal(parse(&o, missing, &errs, "-C", path, NULL), 0);
	assert_int_equal(o.workers, 3);
	vnm_opts_free(&o);
	free(errs);
	assert_int_equal(parse(&o, path, &errs, "--config-file", "none", NULL), 0);
	assert_int_equal(o.workers, 0);
	assert_null(o.config_file);
	vnm_opts_free(&o);
	free(errs);
}

static void command_line_errors_exit_2(void **state)
{
	struct opts o;
	char *errs = NULL;

	assert_int_equal(parse(&o, NULL, &errs, "--workers", "0", NULL), VNM_EXIT_USAGE);
	assert_non_null(strstr(errs, "vnmd: --workers 0: expected a number from 1 to 5"));
	vnm_opts_free(&o);
	free(errs);
	assert_int_equal(parse(&o, NULL, &errs, "--no-such", NULL), VNM_EXIT_USAGE);
	vnm_opts_free(&o);
	free(errs);
	assert_int_equal(parse(&o, NULL, &errs, "stray", NULL), VNM_EXIT_USAGE);
	assert_non_null(strstr(errs, "unexpected argument stray"));
	vnm_opts_free(&o);
	free(errs);
}

/* --host, --allow-peer, --peer-key, --peer-timeout, --peer-known-hosts:
 * from the file (repeated keys add up) and the command line, and what
 * each refuses. */
static void peer_options(void **state)
{
	struct opts o;
	char *errs = NULL;
	const char *p = write_conf("allow-peer = unix:/run/vnmd-*.sock\n"
				   "allow-peer = ssh:vnmd@rm2.lab:830\n"
				   "peer-key = lab=/etc/vnmd/lab_key\n"
				   "peer-key = rm9=/etc/vnmd/rm9_key\n"
				   "peer-timeout = 30\npeer-known-hosts = /etc/vnmd/known_hosts\n");

	(void)state;
	assert_int_equal(parse(&o, p, &errs, "--host", "rm1", NULL), 0);
	assert_string_equal(o.local_host, "rm1");
	assert_int_equal(o.peers.n_allow, 2);
	assert_string_equal(o.peers.allow[1], "ssh:vnmd@rm2.lab:830");
	assert_int_equal(o.peers.n_keys, 2);
	assert_string_equal(o.peers.keys[1].name, "rm9");
	assert_string_equal(o.peers.keys[1].path, "/etc/vnmd/rm9_key");
	assert_int_equal(o.peer_timeout, 30);
	assert_string_equal(o.peers.known_hosts, "/etc/vnmd/known_hosts");
	vnm_opts_free(&o);
	free(errs);
	/* the command line's replace the file's */
	assert_int_equal(parse(&o, p, &errs, "-e", "unix:/tmp/p.sock", "-g", "k=/k", NULL), 0);
	assert_int_equal(o.peers.n_allow, 1);
	assert_int_equal(o.peers.n_keys, 1);
	assert_string_equal(o.peers.keys[0].name, "k");
	vnm_opts_free(&o);
	free(errs);
	/* defaults: no peer allowed, 60 s */
	assert_int_equal(parse(&o, NULL, &errs, NULL), 0);
	assert_int_equal(o.peers.n_allow, 0);
	assert_int_equal(o.peer_timeout, 60);
	vnm_opts_free(&o);
	free(errs);
	assert_int_equal(parse(&o, NULL, &errs, "--allow-peer", "tcp:rm2:830", NULL), VNM_EXIT_USAGE);
	assert_non_null(strstr(errs, "--allow-peer tcp:rm2:830: expected unix:/"));
	vnm_opts_free(&o);
	free(errs);
	assert_int_equal(parse(&o, NULL, &errs, "--peer-key", "lab", NULL), VNM_EXIT_USAGE);
	assert_non_null(strstr(errs, "expected NAME=/ABSOLUTE/PATH"));
	vnm_opts_free(&o);
	free(errs);
	assert_int_equal(parse(&o, NULL, &errs, "-g", "a/b=/k", NULL), VNM_EXIT_USAGE);
	vnm_opts_free(&o);
	free(errs);
	assert_int_equal(parse(&o, NULL, &errs, "-g", "a=/k", "-g", "a=/j", NULL), VNM_EXIT_USAGE);
	assert_non_null(strstr(errs, "a second key named a"));
	vnm_opts_free(&o);
	free(errs);
	assert_int_equal(parse(&o, NULL, &errs, "--peer-timeout", "0", NULL), VNM_EXIT_USAGE);
	assert_non_null(strstr(errs, "from 1 to 86400"));
	vnm_opts_free(&o);
	free(errs);
}

static void booleans(void **state)
{
	assert_int_equal(vnm_conf_bool("YES"), 1);
	assert_int_equal(vnm_conf_bool("off"), 0);
	assert_int_equal(vnm_conf_bool("0"), 0);
	assert_int_equal(vnm_conf_bool("2"), -1);
	assert_int_equal(vnm_conf_bool(""), -1);
}

static void notify_reaches_the_manager(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[64], sock[300];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	snprintf(sock, sizeof(sock), "%s/notify", tmpdir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(vnm_notify("READY=1"), 0); /* no manager: nothing sent */
	setenv("NOTIFY_SOCKET", sock, 1);
	assert_int_equal(vnm_notify("READY=1"), 0);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 7);
	buf[n] = '\0';
	assert_string_equal(buf, "READY=1");
	setenv("NOTIFY_SOCKET", "relative", 1);
	assert_int_equal(vnm_notify("READY=1"), -1);
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	unlink(sock);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	unlink(path);
	return rmdir(tmpdir);
}

/* The embedded SNMP agent's options: good values reach the options, and
 * each wrong value or combination is refused with exit 2 and a reason,
 * without repeating a passphrase. */
static void snmp_agent_options(void **state)
{
	struct opts o;
	char *errs = NULL;
	const char *p = write_conf("snmp-listen = udp:127.0.0.1:1161\n"
				   "snmp-community = pollers\n"
				   "snmp-user = nms:authpass1:privpass1\n");

	assert_int_equal(parse(&o, p, &errs, NULL), 0);
	assert_string_equal(errs, "");
	assert_string_equal(o.snmp_listen, "udp:127.0.0.1:1161");
	assert_string_equal(o.snmp_community, "pollers");
	assert_string_equal(o.snmp_user, "nms:authpass1:privpass1");
	vnm_opts_free(&o);
	free(errs);

	assert_int_equal(parse(&o, "none", &errs, "-N", "udp6:[::1]:161", "-O", "nms:authpass1",
			       NULL), 0);
	free(errs);

	/* a name (DNS), no port, port 0, no transport */
	assert_int_equal(parse(&o, "none", &errs, "-N", "udp:localhost:161", "-K", "x", NULL), 2);
	assert_non_null(strstr(errs, "--snmp-listen udp:localhost:161: expected udp:IPV4:PORT"));
	free(errs);
	assert_int_equal(parse(&o, "none", &errs, "-N", "udp:127.0.0.1", "-K", "x", NULL), 2);
	free(errs);
	assert_int_equal(parse(&o, "none", &errs, "-N", "udp:127.0.0.1:0", "-K", "x", NULL), 2);
	free(errs);
	assert_int_equal(parse(&o, "none", &errs, "--snmp-listen", "127.0.0.1:161", "-K", "x",
			       NULL), 2);
	free(errs);
	/* nobody could read it; not with AgentX; access without a listener */
	assert_int_equal(parse(&o, "none", &errs, "-N", "udp:127.0.0.1:161", NULL), 2);
	assert_non_null(strstr(errs, "needs --snmp-community or --snmp-user"));
	free(errs);
	assert_int_equal(parse(&o, "none", &errs, "-N", "udp:127.0.0.1:161", "-K", "x",
			       "-x", "/run/agentx", NULL), 2);
	assert_non_null(strstr(errs, "exclude each other"));
	free(errs);
	assert_int_equal(parse(&o, "none", &errs, "-K", "x", NULL), 2);
	assert_non_null(strstr(errs, "--snmp-community is for --snmp-listen"));
	free(errs);
	/* a blank in a community, a short passphrase (not echoed) */
	assert_int_equal(parse(&o, "none", &errs, "-N", "udp:127.0.0.1:161", "-K", "a b", NULL), 2);
	free(errs);
	assert_int_equal(parse(&o, "none", &errs, "-N", "udp:127.0.0.1:161", "-O", "nms:secret",
			       NULL), 2);
	assert_non_null(strstr(errs, "8 to 64"));
	assert_null(strstr(errs, "secret"));
	free(errs);
	p = write_conf("snmp-listen = udp:127.0.0.1:1161\nsnmp-user = nms:longenough:short\n");
	assert_int_equal(parse(&o, p, &errs, NULL), 2);
	assert_null(strstr(errs, "longenough"));
	vnm_opts_free(&o);
	free(errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_key_reaches_its_option),
		cmocka_unit_test(the_command_line_wins),
		cmocka_unit_test(refusals_name_file_and_line_all_at_once),
		cmocka_unit_test(a_bad_uri_in_the_file_is_refused),
		cmocka_unit_test(which_file_is_read),
		cmocka_unit_test(command_line_errors_exit_2),
		cmocka_unit_test(booleans),
		cmocka_unit_test(peer_options),
		cmocka_unit_test(snmp_agent_options),
		cmocka_unit_test(notify_reaches_the_manager),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
