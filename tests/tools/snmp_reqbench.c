/*
 * snmp_reqbench.c - what one SNMP request costs, for bench/snmp_walk.sh.
 *
 *   snmp_reqbench [-c COMMUNITY] [-n COUNT] [-s STEP] AGENT get|next OID...
 *
 * Sends COUNT single-varbind requests (v2c), one after the other on one
 * session, cycling through the OIDs given; with -s STEP, the last
 * sub-identifier of each OID grows by STEP per request (so that a run
 * visits many rows, not one cached cell).  Prints "COUNT SECONDS US_PER_REQ
 * ERRORS" where ERRORS counts requests without a response.  A tool process
 * per request (snmpget) would measure fork and exec, not the agent.
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_OIDS 16

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *community = "public";
	oid oids[MAX_OIDS][MAX_OID_LEN];
	size_t lens[MAX_OIDS];
	netsnmp_session s, *ss;
	long count = 1000, step = 0, i, errors = 0;
	int c, n_oids = 0, pdu_type;
	double t0, t1;

	while ((c = getopt(argc, argv, "c:n:s:")) != -1) {
		switch (c) {
		case 'c':
			community = optarg;
			break;
		case 'n':
			count = atol(optarg);
			break;
		case 's':
			step = atol(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 3 || count <= 0)
		goto usage;
	if (!strcmp(argv[optind + 1], "get"))
		pdu_type = SNMP_MSG_GET;
	else if (!strcmp(argv[optind + 1], "next"))
		pdu_type = SNMP_MSG_GETNEXT;
	else
		goto usage;
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIBDIRS, "");
	/* numeric OIDs: no MIB files to look for */
	setenv("MIBS", "", 1);
	init_snmp("snmp_reqbench");
	for (i = optind + 2; i < argc && n_oids < MAX_OIDS; i++) {
		lens[n_oids] = MAX_OID_LEN;
		if (!read_objid(argv[i], oids[n_oids], &lens[n_oids])) {
			fprintf(stderr, "snmp_reqbench: bad OID %s\n", argv[i]);
			return 2;
		}
		n_oids++;
	}
	snmp_sess_init(&s);
	s.version = SNMP_VERSION_2c;
	s.peername = argv[optind];
	s.community = (u_char *)community;
	s.community_len = strlen(community);
	s.timeout = 2000000;
	s.retries = 0;
	ss = snmp_open(&s);
	if (!ss) {
		snmp_sess_perror("snmp_reqbench", &s);
		return 1;
	}
	t0 = now_s();
	for (i = 0; i < count; i++) {
		int k = (int)(i % n_oids);
		oid o[MAX_OID_LEN];
		netsnmp_pdu *pdu = snmp_pdu_create(pdu_type), *resp = NULL;

		memcpy(o, oids[k], lens[k] * sizeof(oid));
		o[lens[k] - 1] += (oid)(step * (i / n_oids));
		snmp_add_null_var(pdu, o, lens[k]);
		if (snmp_synch_response(ss, pdu, &resp) != STAT_SUCCESS || !resp)
			errors++;
		snmp_free_pdu(resp);
	}
	t1 = now_s();
	printf("%ld %.6f %.2f %ld\n", count, t1 - t0, (t1 - t0) * 1e6 / count, errors);
	snmp_close(ss);
	snmp_shutdown("snmp_reqbench");
	return errors ? 1 : 0;
usage:
	fprintf(stderr, "usage: snmp_reqbench [-c COMMUNITY] [-n COUNT] [-s STEP] AGENT get|next OID...\n");
	return 2;
}
