/*
 * nc_getdata - <get-data> as netopeer2-cli sends it: libnetconf2's own
 * client, which learns the server's modules from its <hello> and
 * yang-library (over get-schema), and refuses get-data unless the server
 * implements ietf-netconf-nmda.
 *
 *   nc_getdata SOCKET DATASTORE [XPATH [with-origin]]
 *
 * DATASTORE is an identity such as ietf-datastores:operational; XPATH uses
 * module names as prefixes.  Prints the <data> content as XML and exits 0;
 * prints the error and exits 1 when the client cannot build or send the
 * request or the server answers with an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>
#include <libnetconf2/log.h>
#include <libnetconf2/messages_client.h>
#include <libnetconf2/session_client.h>

static void print_clb(const struct nc_session *s, NC_VERB_LEVEL level, const char *msg)
{
	(void)s;
	if (level == NC_VERB_ERROR)
		fprintf(stderr, "libnetconf2: %s\n", msg);
}

int main(int argc, char **argv)
{
	struct nc_session *s = NULL;
	struct nc_rpc *rpc = NULL;
	struct lyd_node *env = NULL, *op = NULL, *data;
	uint64_t id;
	NC_MSG_TYPE m;
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: nc_getdata SOCKET DATASTORE [XPATH [with-origin]]\n");
		return 2;
	}
	nc_client_init();
	nc_set_print_clb_session(print_clb);
	nc_verbosity(NC_VERB_ERROR);
	s = nc_connect_unix(argv[1], NULL);
	if (!s) {
		fprintf(stderr, "cannot connect to %s\n", argv[1]);
		goto cleanup;
	}
	rpc = nc_rpc_getdata(argv[2], argc > 3 ? argv[3] : NULL, NULL, NULL, 0, 0, 0,
			     argc > 4 && !strcmp(argv[4], "with-origin"), NC_WD_UNKNOWN,
			     NC_PARAMTYPE_CONST);
	if (!rpc || nc_send_rpc(s, rpc, 5000, &id) != NC_MSG_RPC) {
		fprintf(stderr, "cannot send get-data\n");
		goto cleanup;
	}
	m = nc_recv_reply(s, rpc, id, 10000, &env, &op);
	if (m == NC_MSG_REPLY_ERR_MSGID || m == NC_MSG_ERROR || m == NC_MSG_WOULDBLOCK) {
		fprintf(stderr, "no reply to get-data (%d)\n", (int)m);
		goto cleanup;
	}
	if (!op) {
		/* an error (or <ok/>) lives in the envelope */
		lyd_print_file(stderr, env, LYD_XML, LYD_PRINT_WITHSIBLINGS);
		goto cleanup;
	}
	data = lyd_child(op);
	if (data && data->schema && !strcmp(data->schema->name, "data"))
		lyd_print_file(stdout, data, LYD_XML, 0);
	rc = 0;
cleanup:
	lyd_free_all(env);
	lyd_free_all(op);
	nc_rpc_free(rpc);
	nc_session_free(s, NULL);
	nc_client_destroy();
	return rc;
}
