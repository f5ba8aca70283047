/*
 * filter.c - subtree (RFC 6241 §6) and XPath filters; see filter.h.
 *
 * The subtree filter is parsed with libxml2 rather than libyang: a filter
 * is not data (selection nodes are empty leaves, list entries come without
 * keys), and only names, namespaces and text matter.  The result is built
 * by duplicating the selected data nodes, each list entry with its keys,
 * and merging the selections of sibling filter elements.
 */
#include "filter.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libyang/libyang.h>

/* metadata goes along: the origin annotations of <operational> (nmda.c) */
#define DUP_OPTS LYD_DUP_WITH_FLAGS

/* ------------------------------------------------------------------ */
/* Building the result                                                */
/* ------------------------------------------------------------------ */

/* Insert node among the children of parent (or the top-level siblings
 * *first), merging it into an equal node already there. */
static void merge_into(struct lyd_node **first, struct lyd_node *parent, struct lyd_node *node)
{
	struct lyd_node *sib = parent ? lyd_child(parent) : *first, *x = NULL, *c, *next;

	if (sib && !lyd_find_sibling_first(sib, node, &x)) {
		if (node->schema->nodetype & LYD_NODE_INNER) {
			for (c = lyd_child(node); c; c = next) {
				next = c->next;
				if (lysc_is_key(c->schema))
					continue;
				lyd_unlink_tree(c);
				merge_into(NULL, x, c);
			}
		}
		lyd_free_tree(node);
		return;
	}
	if (parent)
		lyd_insert_child(parent, node);
	else
		lyd_insert_sibling(*first, node, first);
}

/* A copy of d without its children but with its keys when it is a list
 * entry. */
static struct lyd_node *dup_shell(const struct lyd_node *d)
{
	struct lyd_node *copy = NULL, *k = NULL;

	if (lyd_dup_single(d, NULL, DUP_OPTS, &copy))
		return NULL;
	if (d->schema->nodetype == LYS_LIST && !lyd_child(copy)) {
		for (const struct lyd_node *c = lyd_child(d); c && lysc_is_key(c->schema); c = c->next) {
			if (lyd_dup_single(c, (struct lyd_node_inner *)copy, DUP_OPTS, &k)) {
				lyd_free_tree(copy);
				return NULL;
			}
		}
	}
	return copy;
}

/* ------------------------------------------------------------------ */
/* Subtree filter                                                     */
/* ------------------------------------------------------------------ */

enum fkind { F_SELECT, F_CONTENT, F_CONTAIN };

static const xmlNode *first_elem(const xmlNode *x)
{
	for (; x; x = x->next) {
		if (x->type == XML_ELEMENT_NODE)
			return x;
	}
	return NULL;
}

static const xmlNode *next_elem(const xmlNode *x)
{
	return first_elem(x->next);
}

/* The text of a content match node, trimmed; NULL when there is none. */
static char *elem_text(const xmlNode *f)
{
	xmlChar *t = xmlNodeGetContent(f);
	char *s, *e, *r;

	if (!t)
		return NULL;
	for (s = (char *)t; *s && isspace((unsigned char)*s); s++)
		;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	r = e > s ? strndup(s, (size_t)(e - s)) : NULL;
	xmlFree(t);
	return r;
}

static enum fkind classify(const xmlNode *f, char **text)
{
	*text = NULL;
	if (first_elem(f->children))
		return F_CONTAIN;
	*text = elem_text(f);
	return *text ? F_CONTENT : F_SELECT;
}

/* Whether data node d is named by filter element f (name and namespace;
 * an element without namespace matches the name in any module). */
static bool matches(const xmlNode *f, const struct lyd_node *d)
{
	if (!d->schema || strcmp((const char *)f->name, d->schema->name))
		return false;
	return !f->ns || !f->ns->href || !strcmp((const char *)f->ns->href, d->schema->module->ns);
}

static bool value_is(const struct lyd_node *d, const char *text)
{
	if (!(d->schema->nodetype & LYD_NODE_TERM))
		return false;
	if (!lyd_value_compare((const struct lyd_node_term *)d, text, strlen(text)))
		return true;
	return !strcmp(lyd_get_value(d), text);
}

static int sel(const xmlNode *f, const struct lyd_node *d, struct lyd_node **out);

/* Containment node f on data node d (RFC 6241 §6.2.5): every content
 * match child must hold; then selection and containment children pick
 * what else of d is reported. */
static int sel_contain(const xmlNode *f, const struct lyd_node *d, struct lyd_node **out)
{
	const xmlNode *fc;
	struct lyd_node *copy = NULL, *sub, *c;
	unsigned n_match = 0, n_other = 0;
	bool any = false;
	char *text = NULL;
	int rc = -1;

	*out = NULL;
	if (!(d->schema->nodetype & LYD_NODE_INNER))
		return 0;
	for (fc = first_elem(f->children); fc; fc = next_elem(fc)) {
		bool ok = false;

		if (classify(fc, &text) != F_CONTENT) {
			n_other++;
			continue;
		}
		n_match++;
		for (c = lyd_child(d); c && !ok; c = c->next)
			ok = matches(fc, c) && value_is(c, text);
		free(text);
		if (!ok)
			return 0; /* a content match fails: nothing of d */
	}
	if (!n_other)
		return lyd_dup_single(d, NULL, DUP_OPTS | LYD_DUP_RECURSIVE, out) ? -1 : 0;

	if (!(copy = dup_shell(d)))
		return -1;
	for (fc = first_elem(f->children); fc; fc = next_elem(fc)) {
		enum fkind k = classify(fc, &text);

		for (c = lyd_child(d); c; c = c->next) {
			if (!matches(fc, c))
				continue;
			if (k == F_CONTENT) {
				if (!value_is(c, text))
					continue;
				if (lyd_dup_single(c, NULL, DUP_OPTS, &sub))
					goto cleanup;
			} else if (sel(fc, c, &sub)) {
				goto cleanup;
			}
			if (sub) {
				merge_into(NULL, copy, sub);
				any = any || k != F_CONTENT;
			}
		}
		free(text);
		text = NULL;
	}
	if (any || n_match) {
		*out = copy;
		copy = NULL;
	}
	rc = 0;
cleanup:
	free(text);
	lyd_free_tree(copy);
	return rc;
}

/* What filter element f selects of data node d (which it matches). */
static int sel(const xmlNode *f, const struct lyd_node *d, struct lyd_node **out)
{
	char *text;
	enum fkind k = classify(f, &text);
	int rc = 0;

	*out = NULL;
	switch (k) {
	case F_SELECT:
		rc = lyd_dup_single(d, NULL, DUP_OPTS | LYD_DUP_RECURSIVE, out) ? -1 : 0;
		break;
	case F_CONTENT:
		if (value_is(d, text))
			rc = lyd_dup_single(d, NULL, DUP_OPTS, out) ? -1 : 0;
		break;
	case F_CONTAIN:
		rc = sel_contain(f, d, out);
		break;
	}
	free(text);
	return rc;
}

/* libxml2 initialises itself lazily, which is not thread-safe: do it once. */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

int vnm_filter_subtree(const struct lyd_node *tree, const char *xml, struct lyd_node **out,
		       struct vnm_err *err)
{
	static const char head[] = "<vnm-filter>", tail[] = "</vnm-filter>";
	struct lyd_node *res = NULL, *sub;
	const xmlNode *f;
	xmlDoc *doc = NULL;
	size_t len;
	char *buf = NULL;
	int rc = -1;

	*out = NULL;
	if (!xml)
		return lyd_dup_siblings(tree, NULL, DUP_OPTS | LYD_DUP_RECURSIVE, out) ?
			vnm_err_set(err, VNM_E_NOMEM, NULL, "cannot copy the data") : 0;
	pthread_once(&xml_once, xml_init);
	len = strlen(xml);
	buf = malloc(sizeof(head) + len + sizeof(tail));
	if (!buf)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory for the filter");
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, xml, len);
	memcpy(buf + sizeof(head) - 1 + len, tail, sizeof(tail));
	doc = xmlReadMemory(buf, (int)strlen(buf), "filter.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc || !xmlDocGetRootElement(doc)) {
		const xmlError *xe = xmlGetLastError();

		vnm_err_set(err, VNM_E_MALFORMED, NULL, "the subtree filter is not well-formed XML%s%s",
			    xe && xe->message ? ": " : "", xe && xe->message ? xe->message : "");
		goto cleanup;
	}
	for (f = first_elem(xmlDocGetRootElement(doc)->children); f; f = next_elem(f)) {
		for (const struct lyd_node *d = tree; d; d = d->next) {
			if (!matches(f, d))
				continue;
			if (sel(f, d, &sub)) {
				vnm_err_set(err, VNM_E_NOMEM, NULL, "cannot build the filtered data");
				goto cleanup;
			}
			if (sub)
				merge_into(&res, NULL, sub);
		}
	}
	*out = res;
	res = NULL;
	rc = 0;
cleanup:
	lyd_free_all(res);
	xmlFreeDoc(doc);
	free(buf);
	return rc;
}

/* ------------------------------------------------------------------ */
/* XPath filter                                                       */
/* ------------------------------------------------------------------ */

int vnm_filter_xpath(const struct ly_ctx *ctx, const struct lyd_node *tree, const char *xpath,
		     struct lyd_node **out, struct vnm_err *err)
{
	struct ly_set *set = NULL;
	struct lyd_node *res = NULL, *dup, *top;
	int rc = -1;

	*out = NULL;
	if (!xpath || !*xpath)
		return vnm_err_set(err, VNM_E_MISSING_ELEMENT, NULL,
				   "an XPath filter needs a select expression");
	ly_err_clean((struct ly_ctx *)ctx, NULL);
	if (!tree) {
		/* nothing to select from, but a wrong expression is still wrong */
		if (lys_find_xpath(ctx, NULL, xpath, 0, &set))
			vnm_err_set(err, VNM_E_INVALID, NULL, "invalid XPath filter '%s': %s", xpath,
				    ly_errmsg(ctx) ? ly_errmsg(ctx) : "libyang refused it");
		else
			rc = 0;
		goto cleanup;
	}
	if (lyd_find_xpath(tree, xpath, &set)) {
		vnm_err_set(err, VNM_E_INVALID, NULL, "invalid XPath filter '%s': %s", xpath,
			    ly_errmsg(ctx) ? ly_errmsg(ctx) : "libyang refused it");
		goto cleanup;
	}
	for (uint32_t i = 0; i < set->count; i++) {
		if (!set->dnodes[i]->schema)
			continue;
		if (lyd_dup_single(set->dnodes[i], NULL,
				   DUP_OPTS | LYD_DUP_RECURSIVE | LYD_DUP_WITH_PARENTS, &dup)) {
			vnm_err_set(err, VNM_E_NOMEM, NULL, "cannot build the filtered data");
			goto cleanup;
		}
		for (top = dup; lyd_parent(top); top = lyd_parent(top))
			;
		merge_into(&res, NULL, top);
	}
	*out = res;
	res = NULL;
	rc = 0;
cleanup:
	ly_set_free(set, NULL);
	lyd_free_all(res);
	return rc;
}

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

int vnm_filter_xpath_from_xml(const struct ly_ctx *ctx, const char *xpath,
			      const struct vnm_xmlns *ns, unsigned n_ns, char **out,
			      struct vnm_err *err)
{
	size_t cap = strlen(xpath) * 2 + 64, len = 0;
	char *buf = malloc(cap), quote = 0;
	const char *p = xpath;

	*out = NULL;
	if (!buf)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory for the XPath filter");
	while (*p) {
		const char *s = p, *rep = NULL;
		size_t n;

		if (quote) {
			if (*p == quote)
				quote = 0;
			p++;
		} else if (*p == '\'' || *p == '"') {
			quote = *p++;
		} else if (name_start(*p) && (p == xpath || !name_char(p[-1]))) {
			while (name_char(*p))
				p++;
			if (p[0] == ':' && p[1] != ':') {
				for (unsigned i = 0; i < n_ns; i++) {
					const struct lys_module *mod;

					if (strlen(ns[i].prefix) != (size_t)(p - s) ||
					    strncmp(ns[i].prefix, s, (size_t)(p - s)))
						continue;
					mod = ly_ctx_get_module_implemented_ns(ctx, ns[i].uri);
					if (!mod) {
						free(buf);
						return vnm_err_set(err, VNM_E_UNKNOWN_ELEMENT, NULL,
								   "XPath filter prefix '%s' names "
								   "namespace %s, which vnmd does not "
								   "implement", ns[i].prefix, ns[i].uri);
					}
					rep = mod->name;
					break;
				}
			}
		} else {
			p++;
		}
		n = rep ? strlen(rep) : (size_t)(p - s);
		if (len + n + 1 > cap) {
			char *nb;

			cap = (len + n + 1) * 2;
			if (!(nb = realloc(buf, cap))) {
				free(buf);
				return vnm_err_set(err, VNM_E_NOMEM, NULL,
						   "out of memory for the XPath filter");
			}
			buf = nb;
		}
		memcpy(buf + len, rep ? rep : s, n);
		len += n;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}
