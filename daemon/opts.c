/* opts.c - see opts.h. */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "conf.h"
#include "log.h"

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
	{"host", required_argument, NULL, 'H'},
	{"allow-peer", required_argument, NULL, 'e'},
	{"peer-key", required_argument, NULL, 'g'},
	{"peer-timeout", required_argument, NULL, 'q'},
	{"peer-known-hosts", required_argument, NULL, 'j'},
	{"agentx-socket", required_argument, NULL, 'x'},
	{"snmp-listen", required_argument, NULL, 'N'},
	{"snmp-community", required_argument, NULL, 'K'},
	{"snmp-user", required_argument, NULL, 'O'},
	{"link-datapath", required_argument, NULL, 'D'},
	{"startup", no_argument, NULL, 'S'},
	{"log-level", required_argument, NULL, 'L'},
	{"workers", required_argument, NULL, 'w'},
	{"max-config-size", required_argument, NULL, 'm'},
	{"pid-file", required_argument, NULL, 'P'},
	{"watch-interval", required_argument, NULL, 'W'},
	{"replay-events", required_argument, NULL, 'E'},
	{"replay-size", required_argument, NULL, 'B'},
	{"tls-listen", required_argument, NULL, 'T'},
	{"tls-cert", required_argument, NULL, 'X'},
	{"tls-key", required_argument, NULL, 'Y'},
	{"tls-ca", required_argument, NULL, 'Z'},
	{"tls-map", required_argument, NULL, 'M'},
	{"check", no_argument, NULL, 'n'},
	{"config", required_argument, NULL, 'c'},
	{"config-file", required_argument, NULL, 'C'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};
#define SHORTOPTS "fs:u:l:k:a:p:U:A:H:e:g:q:j:x:N:K:O:D:SL:w:m:P:W:E:B:T:X:Y:Z:M:nc:C:h"

/* What --help says up to the datapath (vnm_opts_usage says the rest). */
static void usage_head(FILE *f)
{
	fprintf(f,
		"usage: vnmd [options]\n"
		"       vnmd -n [-c FILE] [options]\n"
		"\n"
		"vnmd realises virtual networks (virtual routers as libvirt domains, virtual\n"
		"links as kernel interfaces shaped with tc) from a YANG model edited over\n"
		"NETCONF, and serves their state over NETCONF and SNMP (AgentX or its own\n"
		"agent).\n"
		"\n"
		"  -f, --foreground            stay in the foreground; log to stderr (otherwise\n"
		"                              fork, and log to syslog once serving)\n"
		"  -s, --state-dir DIR         running.xml, startup.xml and the generated SSH host\n"
		"                              key live here (default " VNM_DEF_STATE_DIR ")\n"
		"  -u, --unix-socket PATH      NETCONF on a UNIX socket, mode 0600 (default\n"
		"                              " VNM_DEF_SOCKET "); \"none\" disables it\n"
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
		"                              makes the user read-only: NACM group vnmd-read-only\n"
		"  -T, --tls-listen ADDR:PORT  serve NETCONF over TLS (RFC 7589) there too, e.g.\n"
		"                              127.0.0.1:6513; needs -X, -Y, -Z and -M\n"
		"  -X, --tls-cert FILE         the server's certificate chain (PEM)\n"
		"  -Y, --tls-key FILE          its private key (PEM)\n"
		"  -Z, --tls-ca FILE           the CAs that sign client certificates (PEM); a\n"
		"                              client must present one they verify, valid now\n"
		"  -M, --tls-map \"FP TYPE [USER]\"\n"
		"                              cert-to-name (RFC 7589), repeatable, first match\n"
		"                              wins: FP is sha256:HEX of the client's certificate\n"
		"                              or a CA of its chain, or * for any; TYPE specified\n"
		"                              (then USER), san-rfc822-name, san-dns-name,\n"
		"                              san-ip-address or common-name\n"
		"  -U, --libvirt-uri URI       hypervisor of hosts without their own libvirt-uri\n"
		"                              (default " VNM_DEF_URI "; test:///default needs none)\n"
		"  -A, --allow-uri URI|PATTERN a hypervisor URI hosts of the model may name in\n"
		"                              libvirt-uri; repeatable.  A URI with a query is\n"
		"                              allowed only as written here; a PATTERN (no '?')\n"
		"                              is an fnmatch glob whose '*' stays within one '/'\n"
		"                              part, e.g. 'qemu+tls://rm-*.example.org/system'.\n"
		"                              Without -A:\n"
		"                              " VNM_URI_BUILTIN ".\n"
		"                              The ext transport and command= are never allowed;\n"
		"                              --libvirt-uri is always allowed.  -n obeys it too\n"
		"  -H, --host NAME             one vnmd per real machine: realise only the share\n"
		"                              of underlay host NAME (its routers, the ends of\n"
		"                              VLs on it, shaping of its interfaces) of the\n"
		"                              network-wide configuration every vnmd holds; the\n"
		"                              other hosts' vnmds realise theirs.  It takes part\n"
		"                              in network-wide transactions, never coordinates\n"
		"                              them.  Default: every host\n"
		"  -e, --allow-peer ADDRESS|PATTERN\n"
		"                              a management address (the vnmd of another RM)\n"
		"                              hosts of the model may name: unix:/PATH or\n"
		"                              ssh:USER@HOST[:PORT], or an fnmatch pattern of\n"
		"                              them ('*' stays within one '/' part); repeatable.\n"
		"                              Without it every management address is refused\n"
		"  -g, --peer-key NAME=PATH    an SSH private key (public key PATH.pub) that\n"
		"                              management credentials may name; repeatable\n"
		"  -j, --peer-known-hosts FILE the peers' SSH host keys (OpenSSH known_hosts);\n"
		"                              default: those of the user vnmd runs as.  An\n"
		"                              unknown host key is refused\n"
		"  -q, --peer-timeout SECONDS  confirm-timeout of the participants' confirmed\n"
		"                              commits (default 60): a coordinator that dies\n"
		"                              mid-transaction is rolled back after it\n");
}

void vnm_opts_usage(FILE *f)
{
	usage_head(f);
	fprintf(f,
		"  -D, --link-datapath per-link|shared\n"
		"                              how VLs cross hosts that live in a network\n"
		"                              namespace: per-link (default) gives each VL end a\n"
		"                              VXLAN device and a port bridge; shared gives each\n"
		"                              host one VXLAN device and BPF programs on the\n"
		"                              guests' taps, no interface per VL (scales to tens\n"
		"                              of thousands of VLs; needs BPF and cls_bpf)\n"
		"  -x, --agentx-socket SOCK    serve VNMD-MIB as an AgentX subagent of the master\n"
		"                              at SOCK: a path or tcp:HOST:PORT; off unless given\n"
		"  -N, --snmp-listen udp:ADDR:PORT\n"
		"                              serve VNMD-MIB with vnmd's own SNMP agent there\n"
		"                              instead (udp:IPV4:PORT or udp6:[IPV6]:PORT, numeric),\n"
		"                              read-only; GETBULK answered natively.  Not with -x;\n"
		"                              needs -K or -O.  No traps; no file read or written\n"
		"  -K, --snmp-community NAME   the read-only v1/v2c community of --snmp-listen;\n"
		"                              none by default: v1/v2c requests get no answer\n"
		"  -O, --snmp-user NAME:AUTHPASS[:PRIVPASS]\n"
		"                              a read-only SNMPv3 USM user of --snmp-listen:\n"
		"                              SHA authentication, AES privacy when PRIVPASS is\n"
		"                              given (then required); passphrases of 8 to 64\n"
		"                              characters.  Better in the configuration file than\n"
		"                              on a command line others can list\n"
		"  -S, --startup               start from the startup datastore, not running\n"
		"  -L, --log-level LEVEL       err, warning, notice, info (default) or debug\n"
		"  -w, --workers N             NETCONF worker threads (default 4, at most 5)\n"
		"  -m, --max-config-size BYTES largest <config> accepted (default 16777216);\n"
		"                              a larger one gets error-tag too-big\n"
		"  -P, --pid-file FILE         write the daemon's pid here\n"
		"  -W, --watch-interval MS     how often each virtual link's guarantee is checked\n"
		"                              (default 1000, 100 to 3600000): guarantee-violated\n"
		"                              is raised after 3 short intervals in a row, cleared\n"
		"                              after 5 good ones\n"
		"  -E, --replay-events N       the notification replay log keeps the last N events\n"
		"                              (default 10000), in DIR/notifications.log\n"
		"  -B, --replay-size BYTES     ...and at most BYTES of them (default 10485760)\n"
		"  -C, --config-file FILE      read options from FILE (default " VNM_CONF_FILE ",\n"
		"                              read only when it exists); \"none\" reads no file.\n"
		"                              One \"KEY = VALUE\" a line, KEY a long option above\n"
		"                              (foreground and startup take yes or no); '#'\n"
		"                              starts a comment; the command line wins\n"
		"  -n, --check                 check, do not serve: the options and configuration\n"
		"                              file, then the datastore -c names, or else the one\n"
		"                              vnmd would start from (DIR/running.xml, with -S\n"
		"                              DIR/startup.xml); prints the datastore normalised\n"
		"  -c, --config FILE           the datastore file -n checks (NETCONF <config> XML,\n"
		"                              as in running.xml)\n"
		"  -h, --help                  this text\n"
		"\n"
		"Signals: SIGTERM/SIGINT close every session, save running and exit 0;\n"
		"SIGHUP reopens the log.\n"
		"\n"
		"Exit status: 0 served until SIGTERM/SIGINT, or (-n) all valid; 1 could not\n"
		"start or stopped on an error, or (-n) the datastore is not valid; 2 a wrong\n"
		"option or configuration file (unknown option or key, bad value), or a file\n"
		"to check that cannot be read.\n");
}

/* The operator's URIs obey the hard rule of uri_policy.h too. */
static int check_uris(struct opts *o, FILE *errout)
{
	const char *why;
	size_t i;

	o->uris.allow = o->allow;
	o->uris.default_uri = o->uri;
	if ((why = vnm_uri_entry_refusal(o->uri))) {
		fprintf(errout, "vnmd: libvirt-uri %s: %s\n", o->uri, why);
		return VNM_EXIT_USAGE;
	}
	for (i = 0; i < o->uris.n_allow; i++) {
		if ((why = vnm_uri_entry_refusal(o->allow[i]))) {
			fprintf(errout, "vnmd: allow-uri %s: %s\n", o->allow[i], why);
			return VNM_EXIT_USAGE;
		}
	}
	return 0;
}

/* The SNMP options together (each value was checked alone). */
static int check_snmp(const struct opts *o, FILE *errout)
{
	if (o->snmp_listen && o->agentx) {
		fprintf(errout, "vnmd: --snmp-listen and --agentx-socket exclude each other: "
			"vnmd serves SNMP either as a subagent of snmpd or with its own agent\n");
		return VNM_EXIT_USAGE;
	}
	if (o->snmp_listen && !o->snmp_community && !o->snmp_user) {
		fprintf(errout, "vnmd: --snmp-listen needs --snmp-community or --snmp-user "
			"(no one could read it otherwise)\n");
		return VNM_EXIT_USAGE;
	}
	if (!o->snmp_listen && (o->snmp_community || o->snmp_user)) {
		fprintf(errout, "vnmd: --snmp-%s is for --snmp-listen, which is not given\n",
			o->snmp_community ? "community" : "user");
		return VNM_EXIT_USAGE;
	}
	return 0;
}

static int number(int c, const char *val, struct opts *o, char *why, size_t len)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || *end || !v || *val == '-' || (c == 'w' && v > 5) ||
	    (c == 'W' && (v < 100 || v > 3600000)) || (c == 'q' && v > 86400)) {
		snprintf(why, len, "expected a number%s",
			 c == 'w' ? " from 1 to 5" : c == 'W' ? " from 100 to 3600000"
			 : c == 'q' ? " from 1 to 86400" : " above 0");
		return -1;
	}
	if (c == 'q')
		o->peer_timeout = (unsigned)v;
	else if (c == 'w')
		o->workers = (unsigned)v;
	else if (c == 'W')
		o->watch_ms = (unsigned)v;
	else if (c == 'E')
		o->replay_events = (size_t)v;
	else if (c == 'B')
		o->replay_bytes = (size_t)v;
	else
		o->max_config = (size_t)v;
	return 0;
}

/* --peer-key NAME=PATH: NAME as management/credentials may spell it. */
static int peer_key(struct opts *o, const char *val, char *why, size_t len)
{
	const char *eq = strchr(val, '=');
	size_t n = eq ? (size_t)(eq - val) : 0, i;
	char *buf;

	if (o->peers.n_keys == VNM_MAX_PEER_KEYS) {
		snprintf(why, len, "more than %d peer-key", VNM_MAX_PEER_KEYS);
		return -1;
	}
	if (!n || n > 64 || eq[1] != '/' || strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"abcdefghijklmnopqrstuvwxyz0123456789_.-") != n) {
		snprintf(why, len, "expected NAME=/ABSOLUTE/PATH, NAME of letters, digits, '_', "
			 "'.' and '-'");
		return -1;
	}
	for (i = 0; i < o->peers.n_keys; i++) {
		if (strlen(o->peer_keys[i].name) == n && !strncmp(o->peer_keys[i].name, val, n)) {
			snprintf(why, len, "a second key named %.*s", (int)n, val);
			return -1;
		}
	}
	if (!(buf = strdup(val))) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	buf[n] = '\0';
	o->peer_key_bufs[o->peers.n_keys] = buf;
	o->peer_keys[o->peers.n_keys].name = buf;
	o->peer_keys[o->peers.n_keys++].path = buf + n + 1;
	return 0;
}

/* Option c with value val (a flag's value is "1" or "0"). */
static int apply(struct opts *o, int c, const char *val, char *why, size_t len)
{
	enum vnm_log_level lvl;

	switch (c) {
	case 'f': o->foreground = *val == '1'; return 0;
	case 'S': o->from_startup = *val == '1'; return 0;
	case 's': o->state_dir = val; return 0;
	case 'u':
		o->unix_path = val;
		o->no_unix = !strcmp(val, "none");
		return 0;
	case 'l': o->ssh_listen = val; return 0;
	case 'k': o->ssh_hostkey = val; return 0;
	case 'a': o->authkeys = val; return 0;
	case 'p': o->passwords = val; return 0;
	case 'U': o->uri = val; return 0;
	case 'H':
		o->local_host = val;
		if (!*val || strlen(val) > 255) {
			snprintf(why, len, "a node-id of the underlay (1 to 255 characters)");
			return -1;
		}
		return 0;
	case 'x': o->agentx = val; return 0;
	case 'D':
		if (strcmp(val, "per-link") && strcmp(val, "shared")) {
			snprintf(why, len, "per-link or shared");
			return -1;
		}
		o->shared_datapath = !strcmp(val, "shared");
		return 0;
	case 'N':
		o->snmp_listen = val;
		return vnm_snmp_listen_check(val, why, len);
	case 'K':
		o->snmp_community = val;
		return vnm_snmp_community_check(val, why, len);
	case 'O':
		o->snmp_user = val;
		return vnm_snmp_user_check(val, why, len);
	case 'P': o->pid_file = val; return 0;
	case 'T': o->tls_listen = val; return 0;
	case 'X': o->tls_cert = val; return 0;
	case 'Y': o->tls_key = val; return 0;
	case 'Z': o->tls_ca = val; return 0;
	case 'M':
		if (o->n_tls_maps == VNM_MAX_TLS_MAPS) {
			snprintf(why, len, "more than %d tls-map entries", VNM_MAX_TLS_MAPS);
			return -1;
		}
		o->tls_maps[o->n_tls_maps++] = val;
		return 0;
	case 'A':
		if (o->uris.n_allow == VNM_MAX_ALLOW_URI) {
			snprintf(why, len, "more than %d allow-uri; use patterns", VNM_MAX_ALLOW_URI);
			return -1;
		}
		o->allow[o->uris.n_allow++] = val;
		return 0;
	case 'j': o->peers.known_hosts = val; return 0;
	case 'e':
		if (o->peers.n_allow == VNM_MAX_ALLOW_PEER) {
			snprintf(why, len, "more than %d allow-peer; use patterns", VNM_MAX_ALLOW_PEER);
			return -1;
		}
		if (vnm_peer_entry_refusal(val)) {
			snprintf(why, len, "%s", vnm_peer_entry_refusal(val));
			return -1;
		}
		o->allow_peer[o->peers.n_allow++] = val;
		return 0;
	case 'g':
		return peer_key(o, val, why, len);
	case 'L':
		if (vnm_log_level_parse(val, &lvl)) {
			snprintf(why, len, "use err, warning, notice, info or debug");
			return -1;
		}
		vnm_log_set_level(lvl);
		return 0;
	case 'w':
	case 'm':
	case 'W':
	case 'E':
	case 'B':
	case 'q':
		return number(c, val, o, why, len);
	}
	snprintf(why, len, "not an option");
	return -1;
}

/* A "KEY = VALUE" of the file (conf.h's vnm_conf_fn). */
static int file_setting(void *arg, const char *key, const char *value, char *why, size_t len)
{
	struct opts *o = arg;
	const struct option *lo;
	char *copy, **grown;
	int b;

	for (lo = lopts; lo->name && strcmp(lo->name, key); lo++)
		;
	if (!lo->name) {
		snprintf(why, len, "unknown key; the keys are the long options of vnmd --help");
		return -1;
	}
	if (strchr("hncC", lo->val)) {
		snprintf(why, len, "only on the command line (--%s)", key);
		return -1;
	}
	if (lo->has_arg == no_argument) {
		if ((b = vnm_conf_bool(value)) < 0) {
			snprintf(why, len, "expected yes or no");
			return -1;
		}
		value = b ? "1" : "0";
	}
	if (o->cmdline[lo->val])
		return 0; /* the command line wins */
	if (!(copy = strdup(value)) ||
	    !(grown = realloc(o->owned, (o->n_owned + 1) * sizeof(*grown)))) {
		free(copy);
		snprintf(why, len, "out of memory");
		return -1;
	}
	o->owned = grown;
	o->owned[o->n_owned++] = copy;
	return apply(o, lo->val, copy, why, len);
}

static const char *long_name(int c)
{
	const struct option *lo;

	for (lo = lopts; lo->name && lo->val != c; lo++)
		;
	return lo->name ? lo->name : "?";
}

static int parse_argv(int argc, char **argv, struct opts *o, const char **conf, FILE *errout)
{
	char why[256];
	int c, idx;

	optind = 0; /* glibc: start over (a second parse, in tests) */
	opterr = errout == stderr;
	while ((c = getopt_long(argc, argv, SHORTOPTS, lopts, &idx)) != -1) {
		if (c == '?' || c == ':') {
			if (!opterr)
				fprintf(errout, "vnmd: unknown option or missing value\n");
			vnm_opts_usage(errout);
			return VNM_EXIT_USAGE;
		}
		if (c < 0 || c >= (int)sizeof(o->cmdline))
			continue;
		o->cmdline[c] = 1;
		switch (c) {
		case 'h': o->help = 1; continue;
		case 'n': o->check = 1; continue;
		case 'c': o->config = optarg; continue;
		case 'C': *conf = optarg; continue;
		}
		why[0] = '\0';
		if (apply(o, c, strchr("fS", c) ? "1" : optarg, why, sizeof(why))) {
			/* --snmp-user holds passphrases: not repeated */
			fprintf(errout, "vnmd: --%s %s: %s\n", long_name(c),
				c == 'O' ? "(not shown)" : optarg ? optarg : "", why);
			return VNM_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(errout, "vnmd: unexpected argument %s\n", argv[optind]);
		return VNM_EXIT_USAGE;
	}
	return 0;
}

int vnm_opts_parse(int argc, char **argv, const char *conf_file, struct opts *o, FILE *errout)
{
	const char *conf = NULL;
	int rc;

	memset(o, 0, sizeof(*o));
	o->state_dir = VNM_DEF_STATE_DIR;
	o->unix_path = VNM_DEF_SOCKET;
	o->uri = VNM_DEF_URI;
	o->watch_ms = VNM_DEF_WATCH_MS;
	o->peer_timeout = VNM_DEF_PEER_TIMEOUT;
	o->peers.allow = o->allow_peer;
	o->peers.keys = o->peer_keys;
	if ((rc = parse_argv(argc, argv, o, &conf, errout)) || o->help)
		return rc;
	if (conf && !strcmp(conf, "none"))
		conf = NULL;
	else if (!conf && conf_file)
		conf = conf_file;
	if (conf) {
		rc = vnm_conf_read(conf, !o->cmdline['C'], file_setting, o, errout);
		if (rc < 0)
			return VNM_EXIT_USAGE;
		if (rc == 0)
			o->config_file = conf;
	}
	if ((rc = check_snmp(o, errout)))
		return rc;
	return check_uris(o, errout);
}

void vnm_opts_free(struct opts *o)
{
	size_t i;

	for (i = 0; i < o->peers.n_keys; i++)
		free(o->peer_key_bufs[i]);
	o->peers.n_keys = 0;
	for (i = 0; i < o->n_owned; i++)
		free(o->owned[i]);
	free(o->owned);
	o->owned = NULL;
	o->n_owned = 0;
}
