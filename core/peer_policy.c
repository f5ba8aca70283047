/* peer_policy.c - the management addresses hosts may name (peer_policy.h). */
#include "peer_policy.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "model.h"

static int copy(char *dst, size_t len, const char *src, size_t n)
{
	if (!n || n >= len)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

static int parse_ssh(const char *s, struct vnm_peer_addr *a, const char **why)
{
	const char *at = strchr(s, '@'), *h, *colon, *end;
	unsigned long port;
	char *e;

	*why = "expected ssh:USER@HOST[:PORT]";
	if (!at || copy(a->user, sizeof(a->user), s, (size_t)(at - s)))
		return -1;
	h = at + 1;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end || copy(a->host, sizeof(a->host), h + 1, (size_t)(end - h - 1)))
			return -1;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (!colon && end[1])
			return -1;
	} else {
		colon = strchr(h, ':');
		if (copy(a->host, sizeof(a->host), h, colon ? (size_t)(colon - h) : strlen(h)))
			return -1;
	}
	a->port = 830;
	if (colon) {
		port = strtoul(colon + 1, &e, 10);
		if (*e || !port || port > 65535 || colon[1] == '-' || colon[1] == '+')
			return -1;
		a->port = (unsigned)port;
	}
	if (strpbrk(a->user, "/@ \t") || strpbrk(a->host, "/@ \t"))
		return -1;
	return 0;
}

int vnm_peer_addr_parse(const char *addr, struct vnm_peer_addr *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	*why = "expected unix:/ABSOLUTE/PATH or ssh:USER@HOST[:PORT]";
	if (!addr)
		return -1;
	if (!strncmp(addr, "unix:", 5)) {
		if (addr[5] != '/' || copy(out->path, sizeof(out->path), addr + 5, strlen(addr + 5))) {
			*why = "expected unix:/ABSOLUTE/PATH (under 256 bytes)";
			return -1;
		}
		return 0;
	}
	if (!strncmp(addr, "ssh:", 4)) {
		out->ssh = true;
		return parse_ssh(addr + 4, out, why);
	}
	return -1;
}

bool vnm_peer_allowed(const struct vnm_peer_policy *p, const char *addr)
{
	size_t i;

	if (!p || !addr)
		return false;
	for (i = 0; i < p->n_allow; i++) {
		if (!strcmp(p->allow[i], addr) ||
		    !fnmatch(p->allow[i], addr, FNM_PATHNAME | FNM_PERIOD))
			return true;
	}
	return false;
}

const struct vnm_peer_key *vnm_peer_key(const struct vnm_peer_policy *p, const char *name)
{
	size_t i;

	for (i = 0; p && name && i < p->n_keys; i++) {
		if (!strcmp(p->keys[i].name, name))
			return &p->keys[i];
	}
	return NULL;
}

const char *vnm_peer_entry_refusal(const char *entry)
{
	if (!entry || (strncmp(entry, "unix:/", 6) && strncmp(entry, "ssh:", 4)))
		return "expected unix:/ABSOLUTE/PATH or ssh:USER@HOST[:PORT], or a pattern of them";
	return NULL;
}

static void host_path(const struct vnm_model *m, const struct vnm_host *h, char *buf, size_t len)
{
	snprintf(buf, len,
		 "/ietf-network:networks/network[network-id='%s']/node[node-id='%s']"
		 "/vnmd:host/management",
		 m->underlay ? m->underlay : "?", h->name);
}

/* The first reason host h's management may not be used, in err. */
static int check_host(const struct vnm_peer_policy *p, const struct vnm_model *m,
		      const struct vnm_host *h, struct vnm_err *err)
{
	struct vnm_peer_addr a;
	const char *why;
	char path[512];

	host_path(m, h, path, sizeof(path));
	if (vnm_peer_addr_parse(h->mgmt_addr, &a, &why))
		return vnm_err_set(err, VNM_E_INVALID, path, "host %s: management address %s: %s",
				   h->name, h->mgmt_addr, why);
	if (!vnm_peer_allowed(p, h->mgmt_addr))
		return vnm_err_set(err, VNM_E_INVALID, path,
				   "host %s: management address %s is not one vnmd may reach: the "
				   "operator allows it with " VNM_PEER_ALLOW_OPT " %s (or a pattern "
				   "matching it)%s", h->name, h->mgmt_addr, h->mgmt_addr,
				   p && p->n_allow ? "" : "; vnmd runs with no " VNM_PEER_ALLOW_OPT
				   " at all");
	if (h->mgmt_cred && !vnm_peer_key(p, h->mgmt_cred))
		return vnm_err_set(err, VNM_E_INVALID, path,
				   "host %s: credentials %s name no key vnmd was given: the operator "
				   "adds it with " VNM_PEER_KEY_OPT " %s=PATH", h->name, h->mgmt_cred,
				   h->mgmt_cred);
	if (a.ssh && !h->mgmt_cred)
		return vnm_err_set(err, VNM_E_MISSING, path,
				   "host %s: management address %s is SSH: it needs credentials, the "
				   "name of a key given with " VNM_PEER_KEY_OPT, h->name, h->mgmt_addr);
	return 0;
}

int vnm_peer_check_model(const struct vnm_peer_policy *p, const struct vnm_model *m,
			 void (*report)(void *arg, const struct vnm_err *e), void *arg,
			 struct vnm_err *err)
{
	struct vnm_err e;
	size_t i;
	int rc = 0;

	for (i = 0; m && i < m->n_hosts; i++) {
		if (!m->hosts[i].mgmt_addr)
			continue;
		vnm_err_clear(&e);
		if (!check_host(p, m, &m->hosts[i], &e))
			continue;
		if (!rc)
			*err = e;
		rc = -1;
		if (!report)
			break;
		report(arg, &e);
	}
	return rc;
}
