/*
 * model_str.c - the model's words as text: the XPath of an object for error
 * messages (err->path) and the admin-state strings of the YANG enum.  Kept
 * apart from model.c, which builds models from trees.
 */
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "model_int.h"

/* ------------------------------------------------------------------ */
/* Paths for error messages.                                           */

static const char *q(const char *s)
{
	return s && strchr(s, '\'') ? "\"" : "'";
}

void vnm_path_network(char *buf, size_t len, const char *net)
{
	snprintf(buf, len, "/ietf-network:networks/network[network-id=%s%s%s]", q(net),
		 net ? net : "", q(net));
}

void vnm_path_node(char *buf, size_t len, const char *net, const char *node)
{
	snprintf(buf, len,
		 "/ietf-network:networks/network[network-id=%s%s%s]/node[node-id=%s%s%s]",
		 q(net), net ? net : "", q(net), q(node), node ? node : "", q(node));
}

void vnm_path_link(char *buf, size_t len, const char *net, const char *link)
{
	snprintf(buf, len,
		 "/ietf-network:networks/network[network-id=%s%s%s]"
		 "/ietf-network-topology:link[link-id=%s%s%s]",
		 q(net), net ? net : "", q(net), q(link), link ? link : "", q(link));
}

void vnm_path_tp(char *buf, size_t len, const char *net, const char *node, const char *tp)
{
	snprintf(buf, len,
		 "/ietf-network:networks/network[network-id=%s%s%s]/node[node-id=%s%s%s]"
		 "/ietf-network-topology:termination-point[tp-id=%s%s%s]",
		 q(net), net ? net : "", q(net), q(node), node ? node : "", q(node), q(tp),
		 tp ? tp : "", q(tp));
}

/* ------------------------------------------------------------------ */
/* Public helpers.                                                     */

const char *vnm_admin_str(enum vnm_admin a)
{
	switch (a) {
	case VNM_ADMIN_RUNNING:
		return "running";
	case VNM_ADMIN_PAUSED:
		return "paused";
	case VNM_ADMIN_STOPPED:
		return "stopped";
	}
	return "unknown";
}

int vnm_admin_parse(const char *s, enum vnm_admin *out)
{
	if (!s)
		return -1;
	if (!strcmp(s, "running"))
		*out = VNM_ADMIN_RUNNING;
	else if (!strcmp(s, "paused"))
		*out = VNM_ADMIN_PAUSED;
	else if (!strcmp(s, "stopped"))
		*out = VNM_ADMIN_STOPPED;
	else
		return -1;
	return 0;
}
