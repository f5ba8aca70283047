/*
 * fastwalk.c - GETNEXT and GETBULK inside VNMD-MIB's tables, answered from
 * the rows in one go (the embedded agent, embed.c).
 *
 * Why: net-snmp's master agent answers a GETBULK one repetition at a time,
 * each a pass down the handler chain (bulk_to_next, the table helper, the
 * cache helper, the container's lookup, tables.c's handler) with its
 * allocations and lookups; in a bulk walk of vnmLinkTable that chain was
 * some 40% of the agent's time.  A request whose every answer lies inside
 * the three tables is answered here instead, from the rows the chain would
 * read (loaded the same way, once per request), by the chain's own rules:
 * where the next object lies (vnm_walk_after, rows.c), how many repetitions
 * a GETBULK gets, the order of the varbinds, the values (tables.c's column
 * functions), and the encoding and trimming of the response (net-snmp's
 * own, as its agent calls them).  tests/integration/snmp_embedded.sh
 * compares whole walks with and without this file.
 *
 * Everything else goes to net-snmp's handle_snmp_packet untouched: v1, GET,
 * SET, other subtrees, a request one of whose answers would leave its
 * table (past the last column: the next object belongs to someone else, or
 * is endOfMibView), a sender the access check refuses (net-snmp drops the
 * request or answers authorizationError), a response too big, anything
 * odd.  Deciding has no side effect but the table's cache reload, which
 * net-snmp's path would also make when it reached the table.
 *
 * Lingering: a bulk walk's next request comes some 70 us after the
 * answer (snmpbulkwalk's own time), too soon for the agent to go to sleep
 * and be woken again cheaply: sleeping in select() and the wake-up cost
 * both sides about a fifth of the walk's time.  So when a request came
 * within FW_QUICK_US of the answer before it (a manager walking), the
 * agent thread polls its sockets after answering, without sleeping, for
 * up to FW_LINGER_US: a fast walk keeps one CPU busy while it lasts, a
 * lone request costs nothing more, a slower manager some (snmptable's
 * walk of 10,000 links: 0.5 s more of the agent's CPU in 5.7 s).  Not on
 * a single CPU, where the manager could not run meanwhile.
 *
 * VNMD_SNMP_NO_FASTWALK in the environment (tests only, read at start)
 * turns both off, so that a test can compare both paths' answers.
 *
 * Runs on the agent's net-snmp thread.
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_int.h"

/* A request with more varbinds goes to net-snmp. */
#define FW_MAX_VBS 128
/* How long the agent polls for the next request of a walk, and how soon
 * after an answer a request must come to count as one of a walk (the
 * gap includes the wake-up that lingering avoids). */
#define FW_LINGER_US 200
#define FW_QUICK_US 400

/* vnmNetworkTable, vnmRouterTable, vnmLinkTable: vnmdObjects.{2,3,4}.2 */
static const oid table_oid[3][13] = {
	{VNM_MIB_ROOT, 1, 2, 2}, {VNM_MIB_ROOT, 1, 3, 2}, {VNM_MIB_ROOT, 1, 4, 2}};
#define TABLE_OID_LEN 13
_Static_assert(sizeof(table_oid[0]) == TABLE_OID_LEN * sizeof(oid), "table OID length");

/* One varbind of the request: the table and the object its answer is. */
struct fw_vb {
	int kind;
	struct vnm_walk_pos pos;
};

struct fw_req {
	struct vnm_agent *a;
	struct vnm_walk_table tab[3];
	bool loaded[3];
	struct fw_vb vb[FW_MAX_VBS];
	size_t n_vbs;
};

/* Where the GETNEXT of v lands: 0 with *b set, or -1 when its answer is
 * not an object of a table (or the table has no picture). */
static int fw_locate(struct fw_req *q, const netsnmp_variable_list *v, struct fw_vb *b)
{
	uint32_t sub[MAX_OID_LEN];
	size_t i, len;
	int k;

	/* net-snmp's path nulls a request's values, but keeps AgentX's
	 * inclusive ranges: anything but NULL is not ours to judge. */
	if (v->type != ASN_NULL || v->name_length < TABLE_OID_LEN ||
	    v->name_length - TABLE_OID_LEN > MAX_OID_LEN)
		return -1;
	for (k = 0; k < 3; k++)
		if (!memcmp(v->name, table_oid[k], sizeof(table_oid[k])))
			break;
	if (k == 3)
		return -1;
	len = v->name_length - TABLE_OID_LEN;
	for (i = 0; i < len; i++) {
		if (v->name[TABLE_OID_LEN + i] > UINT32_MAX)
			return -1;
		sub[i] = (uint32_t)v->name[TABLE_OID_LEN + i];
	}
	if (!q->loaded[k]) {
		if (vnm_table_walk(q->a, k, &q->tab[k]) < 0)
			return -1;
		q->loaded[k] = true;
	}
	b->kind = k;
	return vnm_walk_after(&q->tab[k], sub, len, &b->pos);
}

/* The varbind of object b (table.1.column.index, its value), appended at
 * *tail: 0, or -1. */
static int fw_append(struct fw_req *q, const struct fw_vb *b, netsnmp_variable_list ***tail)
{
	const struct vnm_walk_table *t = &q->tab[b->kind];
	const uint32_t *key = vnm_walk_index(t, b->pos.row);
	oid name[TABLE_OID_LEN + 4];
	netsnmp_variable_list *v;
	unsigned i;

	v = SNMP_MALLOC_TYPEDEF(netsnmp_variable_list);
	if (!v)
		return -1;
	**tail = v;
	*tail = &v->next_variable;
	memcpy(name, table_oid[b->kind], sizeof(table_oid[b->kind]));
	name[TABLE_OID_LEN] = 1;
	name[TABLE_OID_LEN + 1] = b->pos.col;
	for (i = 0; i < t->ilen; i++)
		name[TABLE_OID_LEN + 2 + i] = key[i];
	if (snmp_set_var_objid(v, name, TABLE_OID_LEN + 2 + t->ilen) != 0)
		return -1;
	return vnm_table_cell(b->kind, (const char *)t->rows + b->pos.row * t->stride,
			      b->pos.col, v);
}

/*
 * How net-snmp's agent shapes a GETBULK of count varbinds: *n non-repeaters
 * (its non-repeaters field, within 0..count), and *reps repetitions of the
 * rest (its max-repetitions, within 0..what the agent allows: at most
 * maxGetbulkRepeats, and maxGetbulkResponses varbinds (100 when unset, fewer
 * when a message of max_size bytes, at avgBulkVarbindSize bytes a varbind,
 * holds fewer) among the repeaters).  Returns 0, or -1 for a shape left to
 * net-snmp (no repetition for the repeaters: they are dropped there).
 */
static int fw_bulk_shape(const netsnmp_pdu *pdu, size_t count, long max_size, size_t *n,
			 size_t *reps)
{
	int max_resp = netsnmp_ds_get_int(NETSNMP_DS_APPLICATION_ID,
					  NETSNMP_DS_AGENT_MAX_GETBULKRESPONSES);
	int max_rep = netsnmp_ds_get_int(NETSNMP_DS_APPLICATION_ID,
					 NETSNMP_DS_AGENT_MAX_GETBULKREPEATS);
	int avg = netsnmp_ds_get_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AVG_BULKVARBINDSIZE);
	long want = pdu->errindex > 0 ? pdu->errindex : 0;
	int r;

	*n = pdu->errstat <= 0 ? 0 : (size_t)pdu->errstat < count ? (size_t)pdu->errstat : count;
	r = (int)(count - *n);
	*reps = 0;
	if (!r)
		return 0;
	if (!max_resp)
		max_resp = 100;
	if (max_resp < 0 || (size_t)max_resp > INT_MAX / sizeof(void *))
		max_resp = (int)(INT_MAX / sizeof(void *));
	if (!avg)
		avg = 15;
	if (max_resp > max_size / avg)
		max_resp = (int)(max_size / avg);
	if (max_rep <= 0 || max_rep > max_resp / r)
		max_rep = max_resp / r;
	if (want > max_rep)
		want = max_rep;
	if (want <= 0)
		return -1;
	*reps = (size_t)want;
	return 0;
}

/* A response to pdu with vars: the request's header (addresses, security
 * parameters, ids), as net-snmp's agent makes its answers. */
static netsnmp_pdu *fw_response(netsnmp_pdu *pdu, netsnmp_variable_list *vars, long max_size)
{
	netsnmp_variable_list *req = pdu->variables;
	netsnmp_pdu *r;

	pdu->variables = NULL;
	r = snmp_clone_pdu(pdu);
	pdu->variables = req;
	if (!r)
		return NULL;
	r->variables = vars;
	r->command = SNMP_MSG_RESPONSE;
	r->errstat = SNMP_ERR_NOERROR;
	r->errindex = 0;
	r->msgMaxSize = max_size;
	return r;
}

/* Encodes (a GETBULK's answer trimmed to the size the manager takes) and
 * sends resp, which it owns: 0, or -1 when it could not be encoded (too
 * big): net-snmp's path then answers with the error. */
static int fw_send(netsnmp_session *sess, netsnmp_pdu *resp, bool bulk)
{
	int snmp_errno = sess->s_snmp_errno, sys_errno = sess->s_errno;

	if (_build_initial_pdu_packet(snmp_sess_pointer(sess), resp, bulk) != SNMPERR_SUCCESS) {
		sess->s_snmp_errno = snmp_errno;
		sess->s_errno = sys_errno;
		snmp_free_pdu(resp);
		return -1;
	}
	snmp_increment_statistic_by(STAT_SNMPINTOTALREQVARS, count_varbinds(resp->variables));
	if (!snmp_send(sess, resp) && sess->s_snmp_errno != SNMPERR_SUCCESS) {
		snmp_perror("send response");
		snmp_free_pdu(resp);
	}
	snmp_increment_statistic(STAT_SNMPOUTPKTS);
	snmp_increment_statistic(STAT_SNMPOUTGETRESPONSES);
	return 0;
}

/* Answers pdu when every answer lies in a table: 0, or -1 (nothing sent,
 * nothing changed but table caches reloaded). */
static int fw_answer(struct vnm_agent *a, netsnmp_session *sess, netsnmp_pdu *pdu)
{
	struct fw_req q;
	netsnmp_variable_list *v, *out = NULL, **tail = &out;
	netsnmp_pdu *resp;
	size_t n, reps, i, j;
	long max_size;
	bool bulk = pdu->command == SNMP_MSG_GETBULK;
	int64_t came = a->linger_us ? vnm_agent_mono_us() : 0;

	/* A v3 request the session marks as failing authentication is for
	 * net-snmp's path (it sends the authenticationFailure trap). */
	if ((pdu->command != SNMP_MSG_GETNEXT && !bulk) ||
	    (pdu->version != SNMP_VERSION_2c && pdu->version != SNMP_VERSION_3) ||
	    (pdu->version == SNMP_VERSION_3 &&
	     sess->s_snmp_errno == SNMPERR_USM_AUTHENTICATIONFAILURE) ||
	    vnm_embed_sender(a, pdu) != VACM_SUCCESS)
		return -1;
	q.a = a;
	q.n_vbs = 0;
	memset(q.loaded, 0, sizeof(q.loaded));
	for (v = pdu->variables; v; v = v->next_variable) {
		if (q.n_vbs == FW_MAX_VBS || fw_locate(&q, v, &q.vb[q.n_vbs]) < 0)
			return -1;
		q.n_vbs++;
	}
	if (!q.n_vbs)
		return -1;
	/* As net-snmp's agent: the manager's maximum (v3), else ours. */
	max_size = pdu->msgMaxSize ? pdu->msgMaxSize : netsnmp_max_send_msg_size();
	n = q.n_vbs;
	reps = 0;
	if (bulk && fw_bulk_shape(pdu, q.n_vbs, max_size, &n, &reps) < 0)
		return -1;
	/* Non-repeaters once, then the repeaters row by row, each repetition
	 * the GETNEXT of the one before. */
	for (i = 0; i < n; i++)
		if (fw_append(&q, &q.vb[i], &tail) < 0)
			goto fail;
	for (j = 0; j < reps; j++)
		for (i = n; i < q.n_vbs; i++)
			if ((j && vnm_walk_next(&q.tab[q.vb[i].kind], &q.vb[i].pos) < 0) ||
			    fw_append(&q, &q.vb[i], &tail) < 0)
				goto fail;
	resp = fw_response(pdu, out, max_size);
	if (!resp)
		goto fail;
	if (fw_send(sess, resp, bulk) < 0)
		return -1;
	if (!bulk) /* net-snmp counts no GETBULKs */
		snmp_increment_statistic(STAT_SNMPINGETNEXTS);
	if (a->linger_us) {
		bool quick = a->answered && came - a->answered <= FW_QUICK_US;

		a->answered = vnm_agent_mono_us();
		a->linger_until = quick ? a->answered + a->linger_us : 0;
	}
	return 0;

fail:
	snmp_free_varbind(out);
	return -1;
}

int vnm_fastwalk_packet(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct vnm_agent *a = sess->myvoid;

	/* magic: net-snmp resuming a request of its own (never ours). */
	if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && !magic && a && a->fastwalk &&
	    fw_answer(a, sess, pdu) == 0)
		return 1;
	return handle_snmp_packet(op, sess, reqid, pdu, magic);
}

void vnm_fastwalk_init(struct vnm_agent *a)
{
	a->fastwalk = !getenv("VNMD_SNMP_NO_FASTWALK");
	a->linger_us = a->fastwalk && sysconf(_SC_NPROCESSORS_ONLN) > 1 ? FW_LINGER_US : 0;
	a->linger_until = a->answered = 0;
}

void vnm_fastwalk_linger(struct vnm_agent *a)
{
	/* Each request answered here moves linger_until on. */
	while (a->linger_until && !atomic_load(&a->stop)) {
		if (vnm_agent_mono_us() >= a->linger_until) {
			a->linger_until = 0;
			break;
		}
		agent_check_and_process(0);
	}
}
