/*
 * nsfix.c - a <config> or <filter> in no namespace (see nsfix.h).
 *
 * Namespaces are followed only as far as the decision needs: for each of
 * the outer VNM_NSFIX_DEPTH levels, the kind of default namespace it
 * declares and the prefixes it binds to the base namespace.  The decision
 * for an element is taken at the end of its start tag ('>' or the '/' of
 * "/>"), when its own declarations are known, and the declaration it lacks
 * goes right there.
 */
#include "nsfix.h"
#include "xmlscan.h"

#include <stdlib.h>
#include <string.h>

#define NS_BASE "urn:ietf:params:xml:ns:netconf:base:1.0"
#define NS_NOTIF "urn:ietf:params:xml:ns:netconf:notification:1.0"

enum { K_NONE, K_BASE, K_NOTIF, K_OTHER };


static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void vnm_nsfix_init(struct vnm_nsfix *x)
{
	memset(x, 0, sizeof(*x));
	x->st = S_TEXT;
}

static void push(char *buf, size_t *len, char c)
{
	if (*len < VNM_NSFIX_NAME - 1)
		buf[(*len)++] = c;
	else
		*len = VNM_NSFIX_NAME; /* too long: matches nothing */
	if (*len < VNM_NSFIX_NAME)
		buf[*len] = '\0';
}

static int kind_of(const char *uri, size_t len)
{
	if (len >= 63)
		return K_OTHER;
	if (!strcmp(uri, NS_BASE))
		return K_BASE;
	if (!strcmp(uri, NS_NOTIF))
		return K_NOTIF;
	return K_OTHER;
}

/* The element's prefix ("" for none) and local name, in place. */
static const char *local_name(const struct vnm_nsfix *x, size_t *pfx_len)
{
	const char *colon = memchr(x->name, ':', x->name_len);

	*pfx_len = colon ? (size_t)(colon - x->name) : 0;
	return colon ? colon + 1 : x->name;
}

/* An attribute's value ended: note what it declares. */
static void attr_done(struct vnm_nsfix *x)
{
	size_t pl, i;
	int k = kind_of(x->aval, x->aval_len);

	local_name(x, &pl);
	if (x->aname_len == 5 && !memcmp(x->aname, "xmlns", 5)) {
		x->tag_def_any = true;
		x->tag.def = k;
	} else if (x->aname_len > 6 && x->aname_len < VNM_NSFIX_NAME &&
		   !memcmp(x->aname, "xmlns:", 6)) {
		if (x->aname_len - 6 == pl && !memcmp(x->aname + 6, x->name, pl))
			x->tag_pfx_any = true;
		for (i = 0; k == K_BASE && i < 2; i++) {
			if (!x->tag.pfx[i][0]) {
				memcpy(x->tag.pfx[i], x->aname + 6, x->aname_len - 6 + 1);
				break;
			}
		}
	}
}

static bool pfx_is_base(const struct vnm_nsfix *x, size_t pl)
{
	unsigned d, i, top = x->depth < VNM_NSFIX_DEPTH ? x->depth : VNM_NSFIX_DEPTH;

	for (d = 0; d < top; d++) {
		for (i = 0; i < 2; i++) {
			if (strlen(x->lv[d].pfx[i]) == pl && !memcmp(x->lv[d].pfx[i], x->name, pl))
				return true;
		}
	}
	return false;
}

static int default_kind(const struct vnm_nsfix *x)
{
	unsigned d = x->depth < VNM_NSFIX_DEPTH ? x->depth : VNM_NSFIX_DEPTH;

	if (x->tag_def_any)
		return x->tag.def;
	while (d--) {
		if (x->lv[d].def != K_NONE)
			return x->lv[d].def;
	}
	return K_NONE;
}

/* The end of a start tag: what to insert before it (in x->ins). */
static const char *tag_end(struct vnm_nsfix *x)
{
	unsigned d = x->depth + 1;
	size_t pl;
	const char *local = local_name(x, &pl);
	bool sub_filter, named;
	int k;

	x->ins[0] = '\0';
	if (x->name_len >= VNM_NSFIX_NAME || x->fixed >= VNM_NSFIX_MAX || d < 3 || d > 4)
		return x->ins;
	named = !strcmp(local, "config") || !strcmp(local, "filter");
	sub_filter = x->subscription && d == 3 && !strcmp(local, "filter");
	if (!named)
		return x->ins;
	if (!pl) {
		k = default_kind(x);
		if (x->tag_def_any || (k != K_NONE && !(k == K_BASE && sub_filter)))
			return x->ins;
		strcpy(x->ins, sub_filter ? " xmlns=\"" NS_NOTIF "\"" : " xmlns=\"" NS_BASE "\"");
	} else {
		if (!sub_filter || x->tag_pfx_any || !pfx_is_base(x, pl))
			return x->ins;
		memcpy(x->ins, " xmlns:", 7);
		memcpy(x->ins + 7, x->name, pl);
		memcpy(x->ins + 7 + pl, "=\"" NS_NOTIF "\"", sizeof(NS_NOTIF) + 2);
	}
	x->fixed++;
	return x->ins;
}

/* The start tag ended with '>': one level deeper. */
static void open_elem(struct vnm_nsfix *x)
{
	size_t pl;

	if (x->depth < VNM_NSFIX_DEPTH)
		x->lv[x->depth] = x->tag;
	x->depth++;
	if (x->depth == 2)
		x->subscription = !strcmp(local_name(x, &pl), "create-subscription");
}

static void close_elem(struct vnm_nsfix *x)
{
	if (!x->depth)
		return;
	x->depth--;
	if (x->depth < VNM_NSFIX_DEPTH)
		memset(&x->lv[x->depth], 0, sizeof(x->lv[0]));
}

static void new_tag(struct vnm_nsfix *x, char c)
{
	x->name_len = 0;
	x->name[0] = '\0';
	memset(&x->tag, 0, sizeof(x->tag));
	x->tag_def_any = x->tag_pfx_any = false;
	push(x->name, &x->name_len, c);
	x->st = S_NAME;
}

/* Bytes of a start tag after its name. */
static const char *in_tag(struct vnm_nsfix *x, char c)
{
	const char *ins = "";

	switch (x->st) {
	case S_NAME:
	case S_ATTRS:
		if (c == '>' || c == '/') {
			ins = tag_end(x);
			if (c == '>')
				open_elem(x);
			x->st = c == '>' ? S_TEXT : S_SLASH;
		} else if (x->st == S_NAME && !is_space(c)) {
			push(x->name, &x->name_len, c);
		} else if (is_space(c)) {
			x->st = S_ATTRS;
		} else {
			x->aname_len = 0;
			push(x->aname, &x->aname_len, c);
			x->st = S_ANAME;
		}
		break;
	case S_SLASH:
		x->st = c == '>' ? S_TEXT : S_ATTRS;
		break;
	case S_ANAME:
		if (c == '=' || is_space(c))
			x->st = c == '=' ? S_AQ : S_AEQ;
		else
			push(x->aname, &x->aname_len, c);
		break;
	case S_AEQ:
		if (c == '=')
			x->st = S_AQ;
		else if (!is_space(c))
			x->st = S_ATTRS;
		break;
	case S_AQ:
		if (c == '"' || c == '\'') {
			x->quote = c;
			x->aval_len = 0;
			x->aval[0] = '\0';
			x->st = S_AVAL;
		}
		break;
	default: /* S_AVAL */
		if (c == x->quote) {
			attr_done(x);
			x->st = S_ATTRS;
		} else if (x->aval_len < sizeof(x->aval) - 1) {
			x->aval[x->aval_len++] = c;
			x->aval[x->aval_len] = '\0';
		} else {
			x->aval_len = sizeof(x->aval); /* too long: no namespace of ours */
		}
		break;
	}
	return ins;
}

const char *vnm_nsfix_step(struct vnm_nsfix *x, char c)
{
	switch (x->st) {
	case S_TEXT:
		if (c == '<')
			x->st = S_LT;
		break;
	case S_LT:
		if (c == '!' || c == '?' || c == '/')
			x->st = c == '!' ? S_BANG : c == '?' ? S_PI : S_ETAG;
		else
			new_tag(x, c);
		break;
	case S_NAME: case S_ATTRS: case S_SLASH: case S_ANAME: case S_AEQ: case S_AQ:
	case S_AVAL:
		return in_tag(x, c);
	case S_ETAG:
		if (c == '>') {
			close_elem(x);
			x->st = S_TEXT;
		}
		break;
	default: /* after "<?" or "<!" */
		x->st = vnm_xmlscan_skip(x->st, &x->n, c);
		break;
	}
	return "";
}

size_t vnm_nsfix_copy(struct vnm_nsfix *x, const char *in, size_t n, char *out, size_t room,
		      size_t *used)
{
	size_t i = 0, o = 0, k;
	const char *ins, *p;

	while (i < n && room - o > VNM_NSFIX_INS_MAX) {
		if (x->st == S_TEXT) {
			/* character data is most of a message: copy up to the next '<' */
			k = room - o - VNM_NSFIX_INS_MAX;
			if (k > n - i)
				k = n - i;
			p = memchr(in + i, '<', k);
			k = p ? (size_t)(p - (in + i)) : k;
			memcpy(out + o, in + i, k);
			o += k;
			i += k;
			if (k)
				continue; /* room is checked again before the '<' */
		}
		ins = vnm_nsfix_step(x, in[i]);
		k = strlen(ins);
		memcpy(out + o, ins, k);
		o += k;
		out[o++] = in[i++];
	}
	*used = i;
	return o;
}

char *vnm_nsfix_string(const char *xml)
{
	struct vnm_nsfix x;
	size_t len = strlen(xml), room = len + (VNM_NSFIX_MAX + 1) * VNM_NSFIX_INS_MAX + 1, used, o;
	char *out = malloc(room + 1);

	if (!out)
		return NULL;
	vnm_nsfix_init(&x);
	o = vnm_nsfix_copy(&x, xml, len, out, room, &used);
	out[o] = '\0';
	return out;
}
