/*
 * opts.h - vnmd's options: the command line, then the configuration file
 * (conf.h; /etc/vnmd/vnmd.conf unless --config-file says otherwise).
 *
 * Every long option except help, check, config and config-file is also a
 * key of the file, spelt the same ("workers = 8", "foreground = yes";
 * allow-uri, allow-peer and peer-key may be repeated).  The command line
 * wins: a key whose option was given on the command line is ignored (for
 * allow-uri: any -A on the command line replaces every allow-uri of the
 * file; the same for the other two).
 *
 * Exit statuses (the same in --help and vnmd(8)):
 *   0  served until SIGTERM/SIGINT, or (-n) everything checked is valid;
 *   1  vnmd could not start or stopped on an error, or (-n) the datastore
 *      or configuration checked is not valid;
 *   2  the command line or the configuration file is wrong (unknown
 *      option or key, bad value), or a file to check cannot be read.
 */
#ifndef VNM_OPTS_H
#define VNM_OPTS_H

#include <stddef.h>
#include <stdio.h>

#include "peer_policy.h"
#include "uri_policy.h"

#define VNM_DEF_STATE_DIR "/var/lib/vnmd"
#define VNM_DEF_SOCKET "/run/vnmd/vnmd.sock"
#define VNM_DEF_URI "qemu:///system"
#define VNM_DEF_WATCH_MS 1000
#ifndef VNM_CONF_FILE
#define VNM_CONF_FILE "/etc/vnmd/vnmd.conf"
#endif
#define VNM_MAX_ALLOW_URI 64
#define VNM_MAX_ALLOW_PEER 64
#define VNM_MAX_PEER_KEYS 32
#define VNM_DEF_PEER_TIMEOUT 60

enum { VNM_EXIT_OK = 0, VNM_EXIT_FAIL = 1, VNM_EXIT_USAGE = 2 };

#define VNM_MAX_TLS_MAPS 32

struct opts {
	int foreground, check, from_startup, help;
	const char *config, *state_dir, *unix_path, *ssh_listen, *ssh_hostkey;
	const char *authkeys, *passwords, *uri, *agentx, *pid_file;
	const char *local_host;       /* --host: the one RM this vnmd realises */
	const char *snmp_listen, *snmp_community, *snmp_user; /* the embedded agent */
	const char *config_file;      /* the file read, NULL when none was */
	unsigned workers;
	unsigned watch_ms;            /* --watch-interval */
	size_t max_config;
	size_t replay_events, replay_bytes; /* --replay-events, --replay-size */
	const char *tls_listen, *tls_cert, *tls_key, *tls_ca;
	const char *tls_maps[VNM_MAX_TLS_MAPS]; /* --tls-map, in order */
	size_t n_tls_maps;
	int no_unix;
	int shared_datapath;          /* --link-datapath shared */
	const char *allow[VNM_MAX_ALLOW_URI]; /* --allow-uri, in uris */
	struct vnm_uri_policy uris;
	const char *allow_peer[VNM_MAX_ALLOW_PEER]; /* --allow-peer, in peers */
	struct vnm_peer_key peer_keys[VNM_MAX_PEER_KEYS]; /* --peer-key, in peers */
	char *peer_key_bufs[VNM_MAX_PEER_KEYS]; /* their "NAME\0PATH" copies */
	struct vnm_peer_policy peers;
	unsigned peer_timeout;        /* --peer-timeout: participants' confirm-timeout */
	/* private: options the command line gave (by short letter), values
	 * read from the file (owned) */
	unsigned char cmdline[128];
	char **owned;
	size_t n_owned;
};

/* Parses argv, then reads the configuration file (conf_file: the default
 * path, used when the command line names none; a missing default file is
 * no error).  Returns 0, or VNM_EXIT_USAGE with the reason printed on
 * errout.  With --help, sets o->help and reads no file. */
int vnm_opts_parse(int argc, char **argv, const char *conf_file, struct opts *o, FILE *errout);

void vnm_opts_usage(FILE *f);

/* Frees what vnm_opts_parse() read from the file. */
void vnm_opts_free(struct opts *o);

#endif
