/*
 * embed.c - the embedded SNMP agent: net-snmp's own master agent inside
 * vnmd, serving VNMD-MIB read-only on one UDP transport (--snmp-listen).
 *
 * Why: behind snmpd, every varbind of a GETBULK becomes one AgentX GETNEXT
 * round trip (net-snmp's master does not forward GetBulk), so a table walk
 * can never reach snmpd's own speed.  As the master, the agent answers
 * GETBULK itself, from the same tables (tables.c) and the same pictures.
 *
 * Access is what the options say and nothing else: a read-only community
 * (v1/v2c) and/or one read-only USM user (SHA, AES), both limited to the
 * VNMD-MIB subtree (acm_check below, not VACM tables).  No configuration
 * file is read (neither /etc/snmp nor a persistent vnmd.conf anyone could
 * write) and no persistent state is written: the user's createUser line is
 * handed to net-snmp's parser from memory, and the engine ID is a new
 * random one at each start (a USM client discovers it, as RFC 3414 has
 * it).
 *
 * Everything but the checks runs on the agent's net-snmp thread.
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net-snmp/agent/agent_callbacks.h>
#include <net-snmp/library/vacm.h>

#include "agent_int.h"

/* In libnetsnmpagent, not in its installed headers: VACM's callbacks,
 * which init_agent() registers for a master (acm_check below replaces
 * them). */
int vacm_in_view_callback(int major, int minor, void *serverarg, void *clientarg);
int vacm_warn_if_not_configured(int major, int minor, void *serverarg, void *clientarg);

/* ------------------------------------------------------------------ */
/* Checks of the option values (any thread, no net-snmp)              */
/* ------------------------------------------------------------------ */

static bool port_ok(const char *s)
{
	char *end;
	unsigned long p;

	if (!isdigit((unsigned char)*s))
		return false;
	p = strtoul(s, &end, 10);
	return !*end && p >= 1 && p <= 65535;
}

int vnm_snmp_listen_check(const char *spec, char *why, size_t len)
{
	char addr[INET6_ADDRSTRLEN + 1];
	struct in6_addr a6;
	struct in_addr a4;
	const char *p, *close;
	size_t n;

	/* Numeric addresses only: net-snmp would resolve a name, and the
	 * address vnmd listens on must not depend on DNS. */
	if (!strncmp(spec, "udp:", 4)) {
		p = spec + 4;
		close = strrchr(p, ':');
		n = close ? (size_t)(close - p) : 0;
		if (close && n && n < sizeof(addr)) {
			memcpy(addr, p, n);
			addr[n] = '\0';
			if (inet_pton(AF_INET, addr, &a4) == 1 && port_ok(close + 1))
				return 0;
		}
	} else if (!strncmp(spec, "udp6:[", 6)) {
		p = spec + 6;
		close = strchr(p, ']');
		n = close ? (size_t)(close - p) : 0;
		if (close && n && n < sizeof(addr) && close[1] == ':') {
			memcpy(addr, p, n);
			addr[n] = '\0';
			if (inet_pton(AF_INET6, addr, &a6) == 1 && port_ok(close + 2))
				return 0;
		}
	}
	snprintf(why, len, "expected udp:IPV4:PORT (e.g. udp:127.0.0.1:1161) or "
		 "udp6:[IPV6]:PORT, a numeric address and a port from 1 to 65535");
	return -1;
}

/* Characters net-snmp's configuration parser takes literally in a word:
 * printable, no blank, no quote, no comment sign. */
static bool word_ok(const char *s, size_t n, const char *extra_bad)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isgraph(c) || c == '"' || c == '\'' || c == '#' || c == '\\' ||
		    strchr(extra_bad, c))
			return false;
	}
	return true;
}

int vnm_snmp_community_check(const char *c, char *why, size_t len)
{
	size_t n = strlen(c);

	if (n >= 1 && n <= 32 && word_ok(c, n, ""))
		return 0;
	snprintf(why, len, "a community is 1 to 32 printable characters without blanks, "
		 "quotes, '#' or '\\'");
	return -1;
}

/* NAME:AUTHPASS[:PRIVPASS] into its parts (lengths; pointers into u). */
static int user_split(const char *u, size_t *name, const char **auth, size_t *auth_len,
		      const char **priv, size_t *priv_len)
{
	const char *c1 = strchr(u, ':'), *c2;

	if (!c1)
		return -1;
	*name = (size_t)(c1 - u);
	*auth = c1 + 1;
	c2 = strchr(*auth, ':');
	*auth_len = c2 ? (size_t)(c2 - *auth) : strlen(*auth);
	*priv = c2 ? c2 + 1 : NULL;
	*priv_len = c2 ? strlen(*priv) : 0;
	return 0;
}

int vnm_snmp_user_check(const char *u, char *why, size_t len)
{
	const char *auth, *priv;
	size_t name, auth_len, priv_len;

	if (user_split(u, &name, &auth, &auth_len, &priv, &priv_len) < 0 || !name ||
	    name > 32 || !word_ok(u, name, ":")) {
		snprintf(why, len, "expected NAME:AUTHPASS[:PRIVPASS], NAME 1 to 32 printable "
			 "characters without blanks, quotes, '#', '\\' or ':'");
		return -1;
	}
	/* RFC 3414 keys come from the passphrase; net-snmp wants 8 at least. */
	if (auth_len < 8 || auth_len > 64 || !word_ok(auth, auth_len, ":") ||
	    (priv && (priv_len < 8 || priv_len > 64 || !word_ok(priv, priv_len, ":")))) {
		snprintf(why, len, "each passphrase is 8 to 64 printable characters without "
			 "blanks, quotes, '#', '\\' or ':'");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Set-up and shutdown (agent thread)                                 */
/* ------------------------------------------------------------------ */

/* Hands one line to net-snmp's parser (from memory: read_configs() takes
 * it at init_snmp(), as if it were in a file). */
static int conf_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int conf_line(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	netsnmp_config(line);
	/* Passphrases should not linger in our stack. */
	explicit_bzero(line, sizeof(line));
	return 0;
}

int vnm_embed_before_init(struct vnm_agent *a, struct vnm_err *err)
{
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 0); /* master */
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_MASTER, 0);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_PORTS, a->listen);
	/* Not a log line per request ("Connection from UDP: ..."): a poller
	 * would flood the log, and a walk would pay for it. */
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
			       NETSNMP_DS_AGENT_DONT_LOG_TCPWRAPPERS_CONNECTS, 1);
	/* For a master, init_agent() also sets up the modules built into
	 * libnetsnmpagent: USM's configuration tokens (createUser) and VACM. */
	if (init_agent("vnmd") != 0)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL,
				   "SNMP: net-snmp could not initialise the agent");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Access control                                                     */
/* ------------------------------------------------------------------ */

/*
 * Who may read what, decided here rather than by net-snmp's VACM tables:
 * the rules are few (one community, one user, one subtree, nothing
 * writable), and VACM's lookups of security name, group, access entry and
 * view by name, on every varbind, measured as a sixth of a bulk walk.
 * net-snmp asks once per request (ACM_CHECK_INITIAL: the sender), for a
 * subtree (ACM_CHECK_SUBTREE: may a walk skip it?) and for each varbind
 * (ACM_CHECK).  The answers are VACM's codes, which the agent turns into
 * its behaviour: v1/v2c requests of an unknown community are dropped (as
 * snmpd does), a v3 request below the user's level gets
 * authorizationError, a varbind out of view noSuchObject or the next one
 * in view, a SET noAccess.
 */

static const oid mib_root[] = {VNM_MIB_ROOT};
#define MIB_ROOT_LEN (sizeof(mib_root) / sizeof(mib_root[0]))
static const int acm_minors[] = {SNMPD_CALLBACK_ACM_CHECK, SNMPD_CALLBACK_ACM_CHECK_INITIAL,
				 SNMPD_CALLBACK_ACM_CHECK_SUBTREE};
#define N_ACM_MINORS (sizeof(acm_minors) / sizeof(acm_minors[0]))

static bool same_bytes(const void *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	return alen == blen && !memcmp(a, b, blen);
}

/* Who sent pdu: VACM_SUCCESS, or why not. */
static int acm_sender(const struct vnm_agent *a, const netsnmp_pdu *pdu)
{
	size_t name_len;
	int level;

	if (pdu->contextNameLen)
		return VACM_NOSUCHCONTEXT;
	switch (pdu->version) {
	case SNMP_VERSION_1:
	case SNMP_VERSION_2c:
		if (!a->community || !same_bytes(pdu->community, pdu->community_len, a->community))
			return VACM_NOSECNAME;
		return VACM_SUCCESS;
	case SNMP_VERSION_3:
		if (!a->user || pdu->securityModel != SNMP_SEC_MODEL_USM)
			return VACM_NOSECNAME;
		/* USM has checked the user's keys by now; the name and the
		 * level are left to us. */
		name_len = strcspn(a->user, ":");
		if (pdu->securityNameLen != name_len ||
		    memcmp(pdu->securityName, a->user, name_len))
			return VACM_NOSECNAME;
		level = strchr(a->user + name_len + 1, ':') ? SNMP_SEC_LEVEL_AUTHPRIV :
							      SNMP_SEC_LEVEL_AUTHNOPRIV;
		return pdu->securityLevel >= level ? VACM_SUCCESS : VACM_NOACCESS;
	}
	return VACM_NOSECNAME;
}

int vnm_embed_sender(const struct vnm_agent *a, const netsnmp_pdu *pdu)
{
	return acm_sender(a, pdu);
}

/* Where name (a subtree when subtree) lies against VNMD-MIB. */
static int acm_view(const oid *name, size_t len, bool subtree)
{
	if (!name)
		return VACM_SUCCESS;
	if (len >= MIB_ROOT_LEN && !memcmp(name, mib_root, sizeof(mib_root)))
		return VACM_SUCCESS;
	/* A subtree above VNMD-MIB (a walk of .1.3.6.1) holds it in part. */
	if (subtree && len < MIB_ROOT_LEN && !memcmp(name, mib_root, len * sizeof(oid)))
		return VACM_SUBTREE_UNKNOWN;
	return VACM_NOTINVIEW;
}

static int acm_check(int major, int minor, void *serverarg, void *clientarg)
{
	struct view_parameters *vp = serverarg;
	const struct vnm_agent *a = clientarg;
	int rc;

	(void)major;
	if (!vp || !vp->pdu)
		return 1;
	rc = acm_sender(a, vp->pdu);
	/* Nothing is writable: a SET passes the first check (its varbinds
	 * then get noAccess, as with a read-only VACM view). */
	if (rc == VACM_SUCCESS && minor != SNMPD_CALLBACK_ACM_CHECK_INITIAL)
		rc = vp->pdu->command == SNMP_MSG_SET ? VACM_NOTINVIEW :
		     acm_view(vp->name, vp->namelen, minor == SNMPD_CALLBACK_ACM_CHECK_SUBTREE);
	if (rc != VACM_SUCCESS)
		vp->errorcode = rc;
	return rc;
}

int vnm_embed_access(struct vnm_agent *a, struct vnm_err *err)
{
	const char *auth, *priv;
	size_t name, auth_len, priv_len, i;
	int rc = 0;

	/* VACM out (with no table configured it would refuse everything, and
	 * warn that nothing is configured), ours in.  Without an ACM callback
	 * net-snmp lets every request through: failing to register one is
	 * fatal. */
	snmp_unregister_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_POST_READ_CONFIG,
				 vacm_warn_if_not_configured, NULL, 1);
	for (i = 0; i < N_ACM_MINORS; i++) {
		snmp_unregister_callback(SNMP_CALLBACK_APPLICATION, acm_minors[i],
					 vacm_in_view_callback, NULL, 1);
		if (snmp_register_callback(SNMP_CALLBACK_APPLICATION, acm_minors[i], acm_check,
					   a) != SNMPERR_SUCCESS)
			return vnm_err_set(err, VNM_E_INTERNAL, NULL,
					   "SNMP: cannot set the access control");
	}
	if (a->user && user_split(a->user, &name, &auth, &auth_len, &priv, &priv_len) == 0) {
		if (priv)
			rc = conf_line("createUser %.*s SHA %.*s AES %.*s", (int)name, a->user,
				       (int)auth_len, auth, (int)priv_len, priv);
		else
			rc = conf_line("createUser %.*s SHA %.*s", (int)name, a->user,
				       (int)auth_len, auth);
	}
	if (rc)
		return vnm_err_set(err, VNM_E_INVALID, NULL, "SNMP: access settings too long");
	return 0;
}

void vnm_embed_access_drop(struct vnm_agent *a)
{
	size_t i;

	for (i = 0; i < N_ACM_MINORS; i++)
		snmp_unregister_callback(SNMP_CALLBACK_APPLICATION, acm_minors[i], acm_check, a, 1);
}

/* What net-snmp's own listener (init_master_agent) would check first:
 * its TCP wrappers test opens and parses /etc/hosts.allow and
 * /etc/hosts.deny for every datagram, which measured as a fifth of a bulk
 * walk's time, and lets a file vnmd's options do not name decide who may
 * ask.  Who may ask is the listen address and the community or user. */
static int embed_check_packet(netsnmp_session *sess, netsnmp_transport *t, void *data, int len)
{
	(void)sess;
	(void)t;
	(void)data;
	(void)len;
	return 1;
}

/* The transport, as net-snmp's netsnmp_register_agent_nsap() sets it up,
 * but with embed_check_packet. */
int vnm_embed_listen(struct vnm_agent *a, struct vnm_err *err)
{
	netsnmp_transport *t;
	netsnmp_session s;

	netsnmp_set_lookup_cache_size(-1); /* as init_master_agent() */
	t = netsnmp_transport_open_server("snmp", a->listen);
	if (t && t->f_open)
		t = t->f_open(t);
	if (!t)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "SNMP: cannot listen on %s (address in use or not on this host?)",
				   a->listen);
	t->flags |= NETSNMP_TRANSPORT_FLAG_OPENED;
	snmp_sess_init(&s);
	s.version = SNMP_DEFAULT_VERSION;
	/* net-snmp's handle_snmp_packet, behind the fast path for table walks;
	 * VNMD_SNMP_NO_FASTWALK (tests only) leaves it all to net-snmp, so
	 * that a test can compare the two. */
	s.callback = vnm_fastwalk_packet;
	s.myvoid = a;
	vnm_fastwalk_init(a);
	s.authenticator = NULL;
	s.flags = netsnmp_ds_get_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_FLAGS);
	s.isAuthoritative = SNMP_SESS_AUTHORITATIVE;
	/* snmp_add() copies s and owns t from here on, also when it fails */
	a->listen_sess = snmp_add(&s, t, embed_check_packet, netsnmp_agent_check_parse);
	if (!a->listen_sess)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "SNMP: cannot serve on %s", a->listen);
	return 0;
}

void vnm_embed_shutdown(struct vnm_agent *a)
{
	if (a->listen_sess)
		snmp_close(a->listen_sess);
	a->listen_sess = NULL;
	vnm_embed_access_drop(a); /* the callbacks point at a */
}
