/*
 * nacm_p.h - the compiled form of NACM's rules, shared by nacm_rules.c
 * (compiling, views) and nacm.c (decisions).  Private to them.
 */
#ifndef VNM_NACM_P_H
#define VNM_NACM_P_H

#include <stdbool.h>
#include <stddef.h>

#include "nacm.h"

#define NACM_MOD "ietf-netconf-acm"

enum rule_type {
	RT_ANY,   /* no rule-type: matches every request */
	RT_RPC,   /* rpc-name */
	RT_NOTIF, /* notification-name */
	RT_PATH,  /* path (data node, action, nested notification) */
};

struct pred {
	char *key;   /* key leaf name; "." for a leaf-list's value */
	char *value;
};

struct step {
	char *mod;
	char *name;
	struct pred *preds;
	size_t n_preds;
};

struct rule {
	char *name;
	char *mod;          /* NULL: '*' */
	enum rule_type type;
	char *what;         /* rpc-name / notification-name; NULL: '*' */
	struct step *steps; /* RT_PATH; none: "/" (every node) */
	size_t n_steps;
	unsigned ops;
	bool permit;
};

struct rlist {
	char *name;
	char **groups;
	size_t n_groups;
	bool any_group;     /* group '*' */
	struct rule *rules;
	size_t n_rules;
};

struct group {
	char *name;
	char **users;
	size_t n_users;
};

struct vnm_nacm {
	int refs;
	bool configured, enabled;
	bool read_dflt, write_dflt, exec_dflt; /* true: permit */
	struct group *groups;
	size_t n_groups;
	struct rlist *lists;
	size_t n_lists;
};

struct vnm_nacm_view {
	struct vnm_nacm *n;
	bool all;
	const struct rule **rules;
	int *pidx;          /* per rule: its index among path rules, or -1 */
	size_t n_rules, n_path;
};

#endif
