/*
 * nacm_rules.c - RFC 8341 access control: compiling running's /nacm into
 * groups, rule-lists and rules whose paths are parsed into steps (module,
 * name, key predicates) once, so that a decision never parses or builds a
 * path; and a user's view, the rules of the rule-lists of its groups in
 * order.  The decisions are nacm.c's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "log.h"
#include "nacm_p.h"

/* ------------------------------------------------------------------ */
/* Compiling                                                          */
/* ------------------------------------------------------------------ */

static void steps_free(struct step *s, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		free(s[i].mod);
		free(s[i].name);
		for (j = 0; j < s[i].n_preds; j++) {
			free(s[i].preds[j].key);
			free(s[i].preds[j].value);
		}
		free(s[i].preds);
	}
	free(s);
}

static void nacm_free(struct vnm_nacm *n)
{
	size_t i, j;

	if (!n)
		return;
	for (i = 0; i < n->n_groups; i++) {
		free(n->groups[i].name);
		for (j = 0; j < n->groups[i].n_users; j++)
			free(n->groups[i].users[j]);
		free(n->groups[i].users);
	}
	free(n->groups);
	for (i = 0; i < n->n_lists; i++) {
		struct rlist *l = &n->lists[i];

		free(l->name);
		for (j = 0; j < l->n_groups; j++)
			free(l->groups[j]);
		free(l->groups);
		for (j = 0; j < l->n_rules; j++) {
			free(l->rules[j].name);
			free(l->rules[j].mod);
			free(l->rules[j].what);
			steps_free(l->rules[j].steps, l->rules[j].n_steps);
		}
		free(l->rules);
	}
	free(n->lists);
	free(n);
}

struct vnm_nacm *vnm_nacm_ref(struct vnm_nacm *n)
{
	if (n)
		__atomic_add_fetch(&n->refs, 1, __ATOMIC_ACQ_REL);
	return n;
}

void vnm_nacm_unref(struct vnm_nacm *n)
{
	if (n && !__atomic_sub_fetch(&n->refs, 1, __ATOMIC_ACQ_REL))
		nacm_free(n);
}

bool vnm_nacm_configured(const struct vnm_nacm *n)
{
	return n->configured;
}

bool vnm_nacm_enabled(const struct vnm_nacm *n)
{
	return n->enabled;
}

/* Grow *arr (of *n elements of size sz) by one zeroed element. */
static void *grow(void *arr, size_t *n, size_t sz)
{
	char *a = realloc(arr, (*n + 1) * sz);

	if (!a)
		return NULL;
	memset(a + *n * sz, 0, sz);
	(*n)++;
	return a;
}

static int push_str(char ***arr, size_t *n, const char *s)
{
	char **a = grow(*arr, n, sizeof(**arr));

	if (!a)
		return -1;
	*arr = a;
	a[*n - 1] = strdup(s);
	return a[*n - 1] ? 0 : -1;
}

static char *dup_range(const char *b, const char *e)
{
	return strndup(b, (size_t)(e - b));
}

/* Split "mod:name" at the colon: *mod is the prefix or a copy of dflt. */
static int qname(const char *b, const char *e, const char *dflt, char **mod, char **name)
{
	const char *c = memchr(b, ':', (size_t)(e - b));

	*mod = c ? dup_range(b, c) : (dflt ? strdup(dflt) : NULL);
	*name = dup_range(c ? c + 1 : b, e);
	return *name && (*mod || (!c && !dflt)) && **name ? 0 : -1;
}

static int parse_pred(const char **pp, struct step *st)
{
	const char *p = *pp + 1, *k, *ke, *v;
	struct pred *np;
	char q, *kmod = NULL;

	while (*p == ' ')
		p++;
	k = p;
	while (*p && *p != '=' && *p != ' ' && *p != ']')
		p++;
	ke = p;
	while (*p == ' ')
		p++;
	if (ke == k || *p++ != '=')
		return -1;
	while (*p == ' ')
		p++;
	q = *p;
	if (q != '\'' && q != '"')
		return -1;
	v = ++p;
	p = strchr(p, q);
	if (!p)
		return -1;
	np = grow(st->preds, &st->n_preds, sizeof(*np));
	if (!np)
		return -1;
	st->preds = np;
	np = &np[st->n_preds - 1];
	if (qname(k, ke, NULL, &kmod, &np->key))
		return -1;
	free(kmod);
	np->value = dup_range(v, p);
	if (!np->value)
		return -1;
	p++;
	while (*p == ' ')
		p++;
	if (*p != ']')
		return -1;
	*pp = p + 1;
	return 0;
}

/* A node-instance-identifier as libyang prints it (JSON prefixes: the
 * module name where the module changes): "/" or "/mod:a/b[k='v']/mod2:c". */
static int parse_path(const char *path, struct rule *r)
{
	const char *p = path, *b;
	const char *mod = NULL;
	struct step *s;

	if (!strcmp(path, "/"))
		return 0;
	while (*p == '/') {
		p++;
		b = p;
		while (*p && *p != '/' && *p != '[')
			p++;
		s = grow(r->steps, &r->n_steps, sizeof(*s));
		if (!s)
			return -1;
		r->steps = s;
		s = &s[r->n_steps - 1];
		if (qname(b, p, mod, &s->mod, &s->name) || !s->mod)
			return -1;
		mod = s->mod;
		while (*p == '[') {
			if (parse_pred(&p, s))
				return -1;
		}
	}
	return *p || !r->n_steps ? -1 : 0;
}

static unsigned parse_ops(const char *v)
{
	static const struct {
		const char *name;
		unsigned bit;
	} bits[] = {{"create", VNM_NACM_CREATE}, {"read", VNM_NACM_READ},
		    {"update", VNM_NACM_UPDATE}, {"delete", VNM_NACM_DELETE},
		    {"exec", VNM_NACM_EXEC}};
	unsigned ops = 0, i;
	const char *p = v, *e;

	if (!strcmp(v, "*"))
		return VNM_NACM_ALL;
	while (*p) {
		while (*p == ' ')
			p++;
		e = p;
		while (*e && *e != ' ')
			e++;
		for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
			if (strlen(bits[i].name) == (size_t)(e - p) &&
			    !strncmp(bits[i].name, p, (size_t)(e - p)))
				ops |= bits[i].bit;
		}
		p = e;
	}
	return ops;
}

static const char *name_of(const struct lyd_node *n)
{
	return n->schema ? n->schema->name : "";
}

static int compile_rule(const struct lyd_node *rn, const char *list, struct rule *r)
{
	const struct lyd_node *c;
	const char *v;
	bool bad = false;

	r->ops = VNM_NACM_ALL; /* access-operations' default */
	LY_LIST_FOR(lyd_child(rn), c) {
		v = lyd_get_value(c);
		if (!strcmp(name_of(c), "name")) {
			r->name = strdup(v);
		} else if (!strcmp(name_of(c), "module-name")) {
			if (strcmp(v, "*") && !(r->mod = strdup(v)))
				return -1;
		} else if (!strcmp(name_of(c), "rpc-name") ||
			   !strcmp(name_of(c), "notification-name")) {
			r->type = name_of(c)[0] == 'r' ? RT_RPC : RT_NOTIF;
			if (strcmp(v, "*") && !(r->what = strdup(v)))
				return -1;
		} else if (!strcmp(name_of(c), "path")) {
			r->type = RT_PATH;
			if (parse_path(v, r)) {
				/* libyang accepted it as XPath, but it is no
				 * node-instance-identifier vnmd can match: a deny
				 * rule errs on the safe side (every node), a
				 * permit rule matches nothing */
				vnm_log_warn("nacm: rule %s of rule-list %s: cannot use path %s; "
					     "the rule matches %s", r->name ? r->name : "?", list, v,
					     r->permit ? "nothing" : "every node");
				steps_free(r->steps, r->n_steps);
				r->steps = NULL;
				r->n_steps = 0;
				bad = true;
			}
		} else if (!strcmp(name_of(c), "access-operations")) {
			r->ops = parse_ops(v);
		}
	}
	if (bad && r->permit)
		r->ops = 0; /* left out of every view */
	return r->name ? 0 : -1;
}

/* action first: a path that cannot be used depends on it */
static bool rule_permits(const struct lyd_node *rn)
{
	const struct lyd_node *c;

	LY_LIST_FOR(lyd_child(rn), c) {
		if (!strcmp(name_of(c), "action"))
			return !strcmp(lyd_get_value(c), "permit");
	}
	return false;
}

static int compile_list(const struct lyd_node *ln, struct rlist *l)
{
	const struct lyd_node *c;
	struct rule *r;

	LY_LIST_FOR(lyd_child(ln), c) {
		if (!strcmp(name_of(c), "name")) {
			if (!(l->name = strdup(lyd_get_value(c))))
				return -1;
		} else if (!strcmp(name_of(c), "group")) {
			if (!strcmp(lyd_get_value(c), "*"))
				l->any_group = true;
			else if (push_str(&l->groups, &l->n_groups, lyd_get_value(c)))
				return -1;
		} else if (!strcmp(name_of(c), "rule")) {
			r = grow(l->rules, &l->n_rules, sizeof(*r));
			if (!r)
				return -1;
			l->rules = r;
			r = &r[l->n_rules - 1];
			r->permit = rule_permits(c);
			if (compile_rule(c, l->name ? l->name : "?", r))
				return -1;
		}
	}
	return 0;
}

static int compile_group(const struct lyd_node *gn, struct group *g)
{
	const struct lyd_node *c;

	LY_LIST_FOR(lyd_child(gn), c) {
		if (!strcmp(name_of(c), "name")) {
			if (!(g->name = strdup(lyd_get_value(c))))
				return -1;
		} else if (!strcmp(name_of(c), "user-name") &&
			   push_str(&g->users, &g->n_users, lyd_get_value(c))) {
			return -1;
		}
	}
	return 0;
}

/* The built-in rule-list of the read-only group (see nacm.h). */
static int add_ro_list(struct vnm_nacm *n)
{
	static const char *const ops[] = {
		"edit-config", "copy-config", "delete-config", "lock", "unlock", "commit",
		"cancel-commit", "discard-changes", "kill-session", "edit-data",
	};
	struct rlist *l = grow(n->lists, &n->n_lists, sizeof(*l));
	struct rule *r;
	size_t i, nr = sizeof(ops) / sizeof(ops[0]) + 2;

	if (!l)
		return -1;
	n->lists = l;
	l = &l[n->n_lists - 1];
	l->rules = calloc(nr, sizeof(*l->rules));
	if (!l->rules || !(l->name = strdup(VNM_NACM_RO_GROUP)) ||
	    push_str(&l->groups, &l->n_groups, VNM_NACM_RO_GROUP))
		return -1;
	l->n_rules = nr;
	r = l->rules;
	r[0] = (struct rule){.name = strdup("deny-data-writes"), .type = RT_ANY,
			     .ops = VNM_NACM_CREATE | VNM_NACM_UPDATE | VNM_NACM_DELETE};
	r[1] = (struct rule){.name = strdup("deny-actions"), .type = RT_PATH, .ops = VNM_NACM_EXEC};
	for (i = 0; i < nr - 2; i++)
		r[i + 2] = (struct rule){.name = strdup(ops[i]),
					 .mod = strdup(strcmp(ops[i], "edit-data") ? "ietf-netconf" :
						       "ietf-netconf-nmda"),
					 .type = RT_RPC, .what = strdup(ops[i]),
					 .ops = VNM_NACM_EXEC};
	for (i = 0; i < nr; i++) {
		if (!r[i].name || (r[i].type == RT_RPC && (!r[i].mod || !r[i].what)))
			return -1;
	}
	return 0;
}

static int compile_top(const struct lyd_node *top, struct vnm_nacm *n)
{
	const struct lyd_node *c, *gc;
	void *p;

	LY_LIST_FOR(lyd_child(top), c) {
		const char *nm = name_of(c), *v = lyd_get_value(c);

		if (!strcmp(nm, "enable-nacm"))
			n->enabled = !strcmp(v, "true");
		else if (!strcmp(nm, "read-default"))
			n->read_dflt = !strcmp(v, "permit");
		else if (!strcmp(nm, "write-default"))
			/* not configured: as before NACM (nacm.h) */
			n->write_dflt = !strcmp(v, "permit") || !n->configured;
		else if (!strcmp(nm, "exec-default"))
			n->exec_dflt = !strcmp(v, "permit");
		else if (!strcmp(nm, "groups")) {
			LY_LIST_FOR(lyd_child(c), gc) {
				if (strcmp(name_of(gc), "group"))
					continue;
				if (!(p = grow(n->groups, &n->n_groups, sizeof(*n->groups))))
					return -1;
				n->groups = p;
				if (compile_group(gc, &n->groups[n->n_groups - 1]))
					return -1;
			}
		} else if (!strcmp(nm, "rule-list")) {
			if (!(p = grow(n->lists, &n->n_lists, sizeof(*n->lists))))
				return -1;
			n->lists = p;
			if (compile_list(c, &n->lists[n->n_lists - 1]))
				return -1;
		}
	}
	return 0;
}

int vnm_nacm_compile(const struct lyd_node *cfg, struct vnm_nacm **out, struct vnm_err *err)
{
	const struct lyd_node *top = NULL, *t;
	struct vnm_nacm *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (!n)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory compiling /nacm");
	n->refs = 1;
	/* the YANG defaults: enabled, read and exec permitted, write denied
	 * (permitted while /nacm is not configured) */
	n->enabled = n->read_dflt = n->exec_dflt = true;
	LY_LIST_FOR(cfg ? lyd_first_sibling(cfg) : NULL, t) {
		if (t->schema && !strcmp(t->schema->module->name, NACM_MOD) &&
		    !strcmp(t->schema->name, "nacm"))
			top = t;
	}
	n->configured = top && !(top->flags & LYD_DEFAULT);
	n->write_dflt = !n->configured;
	if ((top && compile_top(top, n)) || add_ro_list(n)) {
		nacm_free(n);
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory compiling /nacm");
	}
	*out = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Views                                                              */
/* ------------------------------------------------------------------ */

static bool in_group(const struct vnm_nacm *n, const struct vnm_nacm_who *who, const char *g)
{
	size_t i, j;

	if (who->read_only && !strcmp(g, VNM_NACM_RO_GROUP))
		return true;
	for (i = 0; who->user && i < n->n_groups; i++) {
		if (!n->groups[i].name || strcmp(n->groups[i].name, g))
			continue;
		for (j = 0; j < n->groups[i].n_users; j++) {
			if (!strcmp(n->groups[i].users[j], who->user))
				return true;
		}
	}
	return false;
}

/* RFC 8341 3.4.4 step 5: a user in no group gets no rule-list, '*' ones
 * included. */
static bool has_group(const struct vnm_nacm *n, const struct vnm_nacm_who *who)
{
	size_t i;

	if (who->read_only)
		return true;
	for (i = 0; i < n->n_groups; i++) {
		if (n->groups[i].name && in_group(n, who, n->groups[i].name))
			return true;
	}
	return false;
}

static bool list_applies(const struct vnm_nacm *n, const struct rlist *l,
			 const struct vnm_nacm_who *who)
{
	size_t i;

	if (l->any_group)
		return true;
	for (i = 0; i < l->n_groups; i++) {
		if (in_group(n, who, l->groups[i]))
			return true;
	}
	return false;
}

struct vnm_nacm_view *vnm_nacm_view_new(struct vnm_nacm *n, const struct vnm_nacm_who *who)
{
	struct vnm_nacm_view *v = calloc(1, sizeof(*v));
	size_t i, j, max = 0;

	if (!v)
		return NULL;
	v->n = vnm_nacm_ref(n);
	v->all = who->recovery || !n->enabled;
	if (v->all || !has_group(n, who))
		return v;
	for (i = 0; i < n->n_lists; i++)
		max += n->lists[i].n_rules;
	v->rules = calloc(max ? max : 1, sizeof(*v->rules));
	v->pidx = calloc(max ? max : 1, sizeof(*v->pidx));
	if (!v->rules || !v->pidx) {
		vnm_nacm_view_free(v);
		return NULL;
	}
	for (i = 0; i < n->n_lists; i++) {
		if (!list_applies(n, &n->lists[i], who))
			continue;
		for (j = 0; j < n->lists[i].n_rules; j++) {
			const struct rule *r = &n->lists[i].rules[j];

			if (!r->ops)
				continue;
			v->pidx[v->n_rules] = r->type == RT_PATH ? (int)v->n_path++ : -1;
			v->rules[v->n_rules++] = r;
		}
	}
	return v;
}

void vnm_nacm_view_free(struct vnm_nacm_view *v)
{
	if (!v)
		return;
	vnm_nacm_unref(v->n);
	free(v->rules);
	free(v->pidx);
	free(v);
}

bool vnm_nacm_view_all(const struct vnm_nacm_view *v)
{
	return v->all;
}

const char *vnm_nacm_access_str(unsigned access)
{
	switch (access) {
	case VNM_NACM_CREATE:
		return "create";
	case VNM_NACM_READ:
		return "read";
	case VNM_NACM_UPDATE:
		return "update";
	case VNM_NACM_DELETE:
		return "delete";
	case VNM_NACM_EXEC:
		return "exec";
	default:
		return "access";
	}
}
