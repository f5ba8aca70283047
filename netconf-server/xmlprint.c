/*
 * xmlprint.c - a large data tree as XML, the way libyang's printer writes it,
 * in a fraction of its time.
 *
 * libyang 2.1 prints every tag, namespace and value through its formatted
 * output (vsnprintf per piece) and looks up namespaces on a stack per node:
 * 1.2 MB of <get> took three times as long to print as to build.  Read
 * replies are mostly containers, lists and plain leaves, which print the
 * same in every printer: here they are appended to one buffer (an
 * identityref with its module's prefix declared on the leaf, as libyang
 * does).  A leaf whose value needs more (instance-identifier, a union
 * holding an identity) is printed by libyang alone (its text then declares its own namespace: the
 * same XML, spelled longer); a tree with anything else (metadata, anydata,
 * opaque nodes) is left to libyang whole.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libyang/libyang.h>

#include "xmlprint.h"

struct pbuf {
	char *p;
	size_t len, cap;
	int rc;         /* 0, VNM_XP_LIBYANG or -1 */
	const struct lyd_node *subst;   /* printed as nothing, its place kept */
	size_t subst_at;
	vnm_xp_hook hook;       /* told where each inner node ends */
	void *hook_arg;
	bool one;               /* the first node only, not its siblings */
};

#define HUGE_PAGE (2u << 20)

void *vnm_xml_buf(size_t cap)
{
	void *p = NULL;

	if (cap < 2 * HUGE_PAGE)
		return malloc(cap);
	cap = (cap + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
	if (posix_memalign(&p, HUGE_PAGE, cap))
		return NULL;
	/* a hint: without it, each 4 KiB of a fresh buffer is a page fault */
	madvise(p, cap, MADV_HUGEPAGE);
	return p;
}

static void add(struct pbuf *b, const char *s, size_t n)
{
	char *p;
	size_t cap;

	if (b->rc || !n)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 1u << 16;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->rc = -1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void adds(struct pbuf *b, const char *s)
{
	add(b, s, strlen(s));
}

/* Text content: &, < and > escaped, as libyang does. */
static void add_text(struct pbuf *b, const char *s)
{
	const char *p;

	while (*(p = s + strcspn(s, "&<>"))) {
		add(b, s, (size_t)(p - s));
		adds(b, *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : "&gt;");
		s = p + 1;
	}
	add(b, s, (size_t)(p - s));
}

/* "<name", and the default namespace when it changes. */
static void open_tag(struct pbuf *b, const struct lyd_node *n, const struct lys_module *pmod)
{
	add(b, "<", 1);
	adds(b, n->schema->name);
	if (n->schema->module != pmod) {
		adds(b, " xmlns=\"");
		add_text(b, n->schema->module->ns);
		add(b, "\"", 1);
	}
}

static void close_tag(struct pbuf *b, const struct lyd_node *n)
{
	add(b, "</", 2);
	adds(b, n->schema->name);
	add(b, ">", 1);
}

static void node(struct pbuf *b, const struct lyd_node *n, const struct lys_module *pmod,
		 uint32_t wd);
static int print_all(struct pbuf *bp, const struct lyd_node *tree, uint32_t wd, char **out,
		     size_t *len);

/* A leaf whose XML value carries prefixes: libyang's own text of it. */
static void leaf_by_libyang(struct pbuf *b, const struct lyd_node *n, uint32_t wd)
{
	char *s = NULL;

	if (lyd_print_mem(&s, n, LYD_XML, LYD_PRINT_SHRINK | wd) || !s) {
		b->rc = -1;
		return;
	}
	adds(b, s);
	free(s);
}

static void term(struct pbuf *b, const struct lyd_node *n, const struct lys_module *pmod,
		 uint32_t wd)
{
	const struct lyd_value *val = &((const struct lyd_node_term *)n)->value;
	const struct lysc_type *t = val->realtype;
	const char *v;

	/* a union prints as the member type its value has */
	if (t && t->basetype == LY_TYPE_UNION && val->subvalue)
		t = val->subvalue->value.realtype;
	if (t && t->basetype == LY_TYPE_IDENT && val->realtype == t && val->ident) {
		/* the identity's module prefix, declared on the leaf */
		open_tag(b, n, pmod);
		adds(b, " xmlns:");
		adds(b, val->ident->module->prefix);
		adds(b, "=\"");
		add_text(b, val->ident->module->ns);
		adds(b, "\">");
		adds(b, val->ident->module->prefix);
		add(b, ":", 1);
		add_text(b, val->ident->name);
		close_tag(b, n);
		return;
	}
	if (!t || t->basetype == LY_TYPE_IDENT || t->basetype == LY_TYPE_INST ||
	    t->basetype == LY_TYPE_UNION) {
		leaf_by_libyang(b, n, wd);
		return;
	}
	v = lyd_get_value(n);
	open_tag(b, n, pmod);
	if (!v || !*v) {
		add(b, "/>", 2);
		return;
	}
	add(b, ">", 1);
	add_text(b, v);
	close_tag(b, n);
}

static void inner(struct pbuf *b, const struct lyd_node *n, const struct lys_module *pmod,
		  uint32_t wd)
{
	const struct lyd_node *c;

	open_tag(b, n, pmod);
	LY_LIST_FOR(lyd_child(n), c) {
		if (!c->schema || lyd_node_should_print(c, wd))
			break;
	}
	if (!c) {
		if (b->hook && !b->rc && b->hook(b->hook_arg, n, b->len, true))
			b->rc = -1;
		add(b, "/>", 2);
		return;
	}
	add(b, ">", 1);
	for (; c && !b->rc; c = c->next)
		node(b, c, n->schema->module, wd);
	if (b->hook && !b->rc && b->hook(b->hook_arg, n, b->len, false))
		b->rc = -1;
	close_tag(b, n);
}

static void node(struct pbuf *b, const struct lyd_node *n, const struct lys_module *pmod,
		 uint32_t wd)
{
	if (n == b->subst) {
		b->subst_at = b->len;
		return;
	}
	if (!n->schema || n->meta) {
		b->rc = VNM_XP_LIBYANG;
		return;
	}
	if (!lyd_node_should_print(n, wd))
		return;
	switch (n->schema->nodetype) {
	case LYS_LEAF:
	case LYS_LEAFLIST:
		term(b, n, pmod, wd);
		break;
	case LYS_CONTAINER:
	case LYS_LIST:
		inner(b, n, pmod, wd);
		break;
	default:
		b->rc = VNM_XP_LIBYANG;
		break;
	}
}

int vnm_xml_print(const struct lyd_node *tree, uint32_t wd, char **out, size_t *len)
{
	struct pbuf b = {0};

	return print_all(&b, tree, wd, out, len);
}

int vnm_xml_print_split(const struct lyd_node *tree, uint32_t wd, const struct lyd_node *subst,
			char **out, size_t *len, size_t *at)
{
	struct pbuf b = {.subst = subst};
	int rc = print_all(&b, tree, wd, out, len);

	*at = rc ? 0 : b.subst_at;
	return rc;
}

int vnm_xml_print_hook(const struct lyd_node *tree, uint32_t wd, vnm_xp_hook hook, void *arg,
		       char **out, size_t *len)
{
	struct pbuf b = {.hook = hook, .hook_arg = arg, .one = true};

	return print_all(&b, tree, wd, out, len);
}

static int print_all(struct pbuf *bp, const struct lyd_node *tree, uint32_t wd, char **out,
		     size_t *len)
{
	struct pbuf b = *bp;
	const struct lyd_node *n;

	*out = NULL;
	*len = 0;
	if (wd & ~(uint32_t)(LYD_PRINT_WD_TRIM | LYD_PRINT_WD_ALL))
		return VNM_XP_LIBYANG;
	LY_LIST_FOR(tree, n) {
		node(&b, n, NULL, wd);
		if (b.rc || b.one)
			break;
	}
	if (b.rc) {
		free(b.p);
		return b.rc;
	}
	if (!b.p) {
		b.p = strdup("");
		if (!b.p)
			return -1;
	}
	*out = b.p;
	*len = b.len;
	bp->subst_at = b.subst_at;
	return 0;
}
