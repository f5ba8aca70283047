/*
 * main.c - the vnmd daemon: options, and the check mode.
 *
 * The daemon proper (NETCONF server, SNMP subagent, core) is started from
 * here; see netconf-server/ and snmp-agent/.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vnmd [options]\n"
		"       vnmd -n -c FILE\n"
		"\n"
		"  -n, --check            check the configuration given with -c and print it\n"
		"                         normalised; exit 0 when valid, 1 when not\n"
		"  -c, --config FILE      configuration file (NETCONF <config> XML)\n"
		"  -h, --help             this text\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"check", no_argument, NULL, 'n'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL;
	int check = 0, c;

	while ((c = getopt_long(argc, argv, "nc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			check = 1;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (check) {
		if (!config) {
			fprintf(stderr, "vnmd: -n needs a configuration file (-c FILE)\n");
			return 2;
		}
		return vnm_check_file(config, stdout, stderr);
	}
	usage(stderr);
	return 2;
}
