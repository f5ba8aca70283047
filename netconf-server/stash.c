/*
 * stash.c - setting a large edit's <config> content aside (see stash.h).
 *
 * The markup is followed as nsfix.c follows it (start and end tags,
 * attributes, comments, CDATA, processing instructions, declarations),
 * with the namespace declarations of the three outer levels kept whole:
 * the decision (is this <rpc><edit-config><config>?) is taken at the end
 * of each start tag, and the top-level elements of the content get the
 * declarations they are missing there.
 */
#include "stash.h"
#include "xmlscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define NS_BASE "urn:ietf:params:xml:ns:netconf:base:1.0"
#define NS_NMDA "urn:ietf:params:xml:ns:yang:ietf-netconf-nmda"

enum { M_OUT, M_IN, M_DONE, M_OFF };
enum { OP_NONE, OP_EDIT_CONFIG, OP_EDIT_DATA };


/* What a byte did, for the mode's handler. */
enum {
	EV_NONE,
	EV_NEW_TAG,   /* the first byte of a start tag's name */
	EV_ATTR,      /* an attribute's closing quote */
	EV_TAG_OPEN,  /* the '>' of a start tag */
	EV_TAG_SELF,  /* the '/' of a start tag's "/>" */
	EV_TAG_SHUT,  /* the '>' of that "/>" */
	EV_ETAG,      /* the '/' of "</" */
	EV_ETAG_END,  /* the '>' of an end tag */
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void vnm_stash_init(struct vnm_stash *x, size_t limit)
{
	memset(x, 0, sizeof(*x));
	x->limit = limit;
	x->done_tail = &x->done;
	vnm_stash_next(x);
}

static void drop_buf(struct vnm_stash *x)
{
	free(x->buf);
	x->buf = NULL;
	x->len = x->cap = 0;
	x->too_big = false;
}

void vnm_stash_next(struct vnm_stash *x)
{
	drop_buf(x);
	x->mode = M_OUT;
	x->st = S_TEXT;
	x->n = 0;
	x->depth = 0;
	x->op = OP_NONE;
	x->n_decl = x->tag_decl = 0;
	x->overflow = false;
	x->own = 0;
	x->taken = 0;
}

size_t vnm_stash_cut(struct vnm_stash *x)
{
	size_t in = x->mode == M_IN ? x->taken : 0;

	vnm_stash_next(x);
	return in;
}

void vnm_stash_item_free(struct vnm_stash_item *it)
{
	if (!it)
		return;
	free(it->xml);
	free(it);
}

void vnm_stash_list_free(struct vnm_stash_item *it)
{
	struct vnm_stash_item *next;

	for (; it; it = next) {
		next = it->next;
		vnm_stash_item_free(it);
	}
}

void vnm_stash_free(struct vnm_stash *x)
{
	drop_buf(x);
	vnm_stash_list_free(x->done);
	x->done = NULL;
	x->done_tail = &x->done;
}

struct vnm_stash_item *vnm_stash_take_done(struct vnm_stash *x)
{
	struct vnm_stash_item *l = x->done;

	x->done = NULL;
	x->done_tail = &x->done;
	return l;
}

size_t vnm_stash_held(const struct vnm_stash *x)
{
	return x->cap;
}

/* ------------------------------------------------------------------ */
/* The markup                                                         */
/* ------------------------------------------------------------------ */

static void push(char *buf, size_t *len, size_t size, char c)
{
	if (*len < size - 1) {
		buf[(*len)++] = c;
		buf[*len] = '\0';
	} else {
		*len = size; /* too long: matches nothing */
	}
}

/* Bytes inside a start tag. */
static int in_tag(struct vnm_stash *x, char c)
{
	switch (x->st) {
	case S_NAME:
	case S_ATTRS:
		if (c == '>') {
			x->st = S_TEXT;
			return EV_TAG_OPEN;
		}
		if (c == '/') {
			x->st = S_SLASH;
			return EV_TAG_SELF;
		}
		if (x->st == S_NAME && !is_space(c)) {
			push(x->name, &x->name_len, sizeof(x->name), c);
		} else if (is_space(c)) {
			x->st = S_ATTRS;
		} else {
			x->aname_len = 0;
			push(x->aname, &x->aname_len, sizeof(x->aname), c);
			x->st = S_ANAME;
		}
		return EV_NONE;
	case S_SLASH:
		/* "/>"; anything else is malformed (libyang says so) */
		x->st = c == '>' ? S_TEXT : S_ATTRS;
		return c == '>' ? EV_TAG_SHUT : EV_NONE;
	case S_ANAME:
		if (c == '=' || is_space(c))
			x->st = c == '=' ? S_AQ : S_AEQ;
		else
			push(x->aname, &x->aname_len, sizeof(x->aname), c);
		return EV_NONE;
	case S_AEQ:
		if (c == '=')
			x->st = S_AQ;
		else if (!is_space(c))
			x->st = S_ATTRS;
		return EV_NONE;
	case S_AQ:
		if (c == '"' || c == '\'') {
			x->quote = c;
			x->aval_len = 0;
			x->aval[0] = '\0';
			x->st = S_AVAL;
		}
		return EV_NONE;
	default: /* S_AVAL */
		if (c == x->quote) {
			x->st = S_ATTRS;
			return EV_ATTR;
		}
		push(x->aval, &x->aval_len, sizeof(x->aval), c);
		return EV_NONE;
	}
}

static int lex(struct vnm_stash *x, char c)
{
	switch (x->st) {
	case S_TEXT:
		if (c == '<')
			x->st = S_LT;
		return EV_NONE;
	case S_LT:
		if (c == '!' || c == '?' || c == '/') {
			x->st = c == '!' ? S_BANG : c == '?' ? S_PI : S_ETAG;
			return c == '/' ? EV_ETAG : EV_NONE;
		}
		x->name_len = 0;
		x->name[0] = '\0';
		push(x->name, &x->name_len, sizeof(x->name), c);
		x->st = S_NAME;
		return EV_NEW_TAG;
	case S_NAME: case S_ATTRS: case S_SLASH: case S_ANAME: case S_AEQ: case S_AQ:
	case S_AVAL:
		return in_tag(x, c);
	case S_ETAG:
		if (c == '>') {
			x->st = S_TEXT;
			return EV_ETAG_END;
		}
		return EV_NONE;
	default: /* after "<?" or "<!" */
		x->st = vnm_xmlscan_skip(x->st, &x->n, c);
		return EV_NONE;
	}
}

/* ------------------------------------------------------------------ */
/* Namespaces                                                         */
/* ------------------------------------------------------------------ */

/* The prefix an attribute declares ("" for xmlns), or NULL. */
static const char *declared_pfx(const struct vnm_stash *x)
{
	if (x->aname_len >= sizeof(x->aname))
		return NULL;
	if (!strcmp(x->aname, "xmlns"))
		return "";
	if (!strncmp(x->aname, "xmlns:", 6))
		return x->aname + 6;
	return NULL;
}

/* An outer element's declaration (its depth: x->depth + 1). */
static void outer_decl(struct vnm_stash *x)
{
	const char *pfx = declared_pfx(x);
	struct vnm_stash_decl *d;

	if (!pfx || x->depth >= 3)
		return;
	if (x->n_decl == VNM_STASH_DECLS || strlen(pfx) >= VNM_STASH_PFX ||
	    x->aval_len >= VNM_STASH_URI) {
		x->overflow = true;
		return;
	}
	d = &x->decl[x->n_decl++];
	strcpy(d->pfx, pfx);
	memcpy(d->uri, x->aval, x->aval_len + 1);
	d->quote = x->quote;
	d->depth = x->depth + 1;
}

/* The namespace of the start tag's name: the innermost declaration of its
 * prefix (its own tag's included), or NULL. */
static const char *tag_ns(const struct vnm_stash *x, const char **local)
{
	const char *colon = x->name_len < sizeof(x->name) ? strchr(x->name, ':') : NULL;
	size_t pl = colon ? (size_t)(colon - x->name) : 0;
	unsigned i = x->n_decl;

	*local = colon ? colon + 1 : x->name;
	if (x->name_len >= sizeof(x->name))
		return NULL;
	while (i--) {
		if (strlen(x->decl[i].pfx) == pl && !memcmp(x->decl[i].pfx, x->name, pl))
			return x->decl[i].uri;
	}
	return NULL;
}

/* Whether decl[i] is the innermost declaration of its prefix. */
static bool innermost(const struct vnm_stash *x, unsigned i)
{
	for (unsigned j = i + 1; j < x->n_decl; j++) {
		if (!strcmp(x->decl[j].pfx, x->decl[i].pfx))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* The content                                                        */
/* ------------------------------------------------------------------ */

static void put(struct vnm_stash *x, const char *s, size_t n)
{
	size_t need = x->len + n;

	if (need < x->cap && need <= x->limit) { /* most calls */
		memcpy(x->buf + x->len, s, n);
		x->len = need;
		return;
	}
	if (!x->too_big && (need + 1 > x->cap || need > x->limit)) {
		size_t cap = x->cap ? x->cap : 4096;
		char *b;

		while (cap < need + 1)
			cap *= 2;
		if (need > x->limit || !(b = realloc(x->buf, cap))) {
			/* past the limit (or out of memory): counted, not kept */
			free(x->buf);
			x->buf = NULL;
			x->cap = 0;
			x->too_big = true;
		} else {
			x->buf = b;
			x->cap = cap;
		}
	}
	if (!x->too_big)
		memcpy(x->buf + x->len, s, n);
	x->len = need;
}

/* The declarations in scope at <config> that a top-level start tag does
 * not make itself, before its '>' or "/>". */
static void inherit(struct vnm_stash *x)
{
	char q[2] = {0};

	for (unsigned i = 0; i < x->n_decl; i++) {
		const struct vnm_stash_decl *d = &x->decl[i];

		if ((x->own & (1u << i)) || !innermost(x, i))
			continue;
		q[0] = d->quote;
		put(x, d->pfx[0] ? " xmlns:" : " xmlns", d->pfx[0] ? 7 : 6);
		put(x, d->pfx, strlen(d->pfx));
		put(x, "=", 1);
		put(x, q, 1);
		put(x, d->uri, strlen(d->uri));
		put(x, q, 1);
	}
}

static void random_id(char id[VNM_STASH_ID + 1])
{
	unsigned char r[VNM_STASH_ID / 2];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		id[0] = '\0';
		return;
	}
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(id + 2 * i, 3, "%02x", r[i]);
}

/* The content ended at the "</" of </config>: it becomes an item and the
 * placeholder goes in its place.  The '<' is already in buf. */
static void finish(struct vnm_stash *x)
{
	struct vnm_stash_item *it = calloc(1, sizeof(*it));

	if (!it) {
		/* nothing to hand over: libnetconf2 gets an empty <config> and
		 * the edit does nothing -- refuse it instead (malformed) */
		snprintf(x->emit, sizeof(x->emit), "<vnmd-stash-lost/></");
		drop_buf(x);
		x->mode = M_DONE;
		return;
	}
	x->len--; /* the '<' */
	memcpy(it->id, x->id, sizeof(it->id));
	it->len = x->len;
	it->too_big = x->too_big;
	if (!x->too_big) {
		x->buf[x->len] = '\0';
		it->xml = x->buf;
		x->buf = NULL;
	}
	drop_buf(x);
	*x->done_tail = it;
	x->done_tail = &it->next;
	snprintf(x->emit, sizeof(x->emit), "<" VNM_STASH_ELEM " xmlns=\"" VNM_STASH_NS
		 "\" id=\"%s\"/></", it->id);
	x->mode = M_DONE;
}

/* Is the start tag just ended the one whose content is set aside?  Checks
 * its level (x->depth + 1) and says what the message is. */
static bool outer_tag_end(struct vnm_stash *x, bool opens)
{
	const char *local, *ns = tag_ns(x, &local);
	unsigned level = x->depth + 1;

	if (level == 1 && !(ns && !strcmp(ns, NS_BASE) && !strcmp(local, "rpc")))
		x->mode = M_OFF;
	if (level == 2) {
		if (ns && !strcmp(ns, NS_BASE) && !strcmp(local, "edit-config"))
			x->op = OP_EDIT_CONFIG;
		else if (ns && !strcmp(ns, NS_NMDA) && !strcmp(local, "edit-data"))
			x->op = OP_EDIT_DATA;
		else
			x->mode = M_OFF;
	}
	if (level != 3 || strcmp(local, "config"))
		return false;
	/* the <config>: its content is set aside, or the rest of the message
	 * goes on as it came, unread */
	x->mode = M_OFF;
	if (!opens || x->overflow || !x->room || !ns ||
	    strcmp(ns, x->op == OP_EDIT_CONFIG ? NS_BASE : NS_NMDA))
		return false;
	if (x->make_id)
		x->make_id(x->id);
	else
		random_id(x->id);
	return x->id[0] != '\0'; /* no id to be had: the message goes on as it came */
}

/* A byte before the content: 0 (it stays), or 1 (the content starts after it). */
static int step_out(struct vnm_stash *x, char c)
{
	switch (lex(x, c)) {
	case EV_NEW_TAG:
		x->tag_decl = x->n_decl;
		return 0;
	case EV_ATTR:
		outer_decl(x);
		return 0;
	case EV_TAG_OPEN:
		if (outer_tag_end(x, true)) {
			x->depth++;
			x->mode = M_IN;
			return 1;
		}
		x->depth++;
		if (x->depth > 3)
			x->n_decl = x->tag_decl; /* (none were kept) */
		return 0;
	case EV_TAG_SELF:
		outer_tag_end(x, false);
		return 0;
	case EV_TAG_SHUT:
		x->n_decl = x->tag_decl;
		return 0;
	case EV_ETAG_END:
		if (x->depth)
			x->depth--;
		while (x->n_decl && x->decl[x->n_decl - 1].depth > x->depth)
			x->n_decl--;
		return 0;
	default:
		return 0;
	}
}

/* A byte of the content: into buf (with what a top-level tag inherits
 * before its end); true when it was the '/' of </config>. */
static bool step_in(struct vnm_stash *x, char c)
{
	const char *pfx;

	switch (lex(x, c)) {
	case EV_NEW_TAG:
		if (x->depth == 3)
			x->own = 0;
		break;
	case EV_ATTR:
		if (x->depth == 3 && (pfx = declared_pfx(x))) {
			for (unsigned i = 0; i < x->n_decl; i++) {
				if (!strcmp(x->decl[i].pfx, pfx))
					x->own |= 1u << i;
			}
		}
		break;
	case EV_TAG_OPEN:
	case EV_TAG_SELF:
		if (x->depth == 3)
			inherit(x);
		if (x->st == S_TEXT)
			x->depth++;
		break;
	case EV_ETAG:
		if (x->depth == 3) {
			finish(x);
			return true;
		}
		break;
	case EV_ETAG_END:
		x->depth--;
		break;
	default:
		break;
	}
	put(x, &c, 1);
	return false;
}

/* Bytes of the content from b on that decide nothing (character data, the
 * rest of a name, a value, an end tag below the top level): how many. */
static size_t in_run(const struct vnm_stash *x, const char *b, size_t n)
{
	const char *p = NULL;
	size_t k;

	switch (x->st) {
	case S_TEXT:
		p = memchr(b, '<', n);
		break;
	case S_ETAG:
		p = memchr(b, '>', n);
		break;
	case S_AVAL:
		if (x->depth == 3)
			return 0; /* a top-level tag's declarations are read */
		p = memchr(b, x->quote, n);
		break;
	case S_NAME:
		if (x->depth == 3)
			return 0;
		for (k = 0; k < n && b[k] != '>' && b[k] != '/' && !is_space(b[k]); k++)
			;
		return k;
	default:
		return 0;
	}
	return p ? (size_t)(p - b) : n;
}

size_t vnm_stash_filter(struct vnm_stash *x, char *buf, size_t n)
{
	size_t i = 0, w = 0, k, elen;
	const char *p;

	if (!x->on)
		return n;
	while (i < n) {
		if (x->mode == M_DONE || x->mode == M_OFF) {
			memmove(buf + w, buf + i, n - i);
			return w + n - i;
		}
		if (x->mode == M_IN) {
			k = in_run(x, buf + i, n - i);
			put(x, buf + i, k);
			x->taken += k;
			i += k;
			if (i == n)
				break;
		} else if (x->st == S_TEXT) {
			/* character data: up to the next '<' nothing happens */
			p = memchr(buf + i, '<', n - i);
			k = p ? (size_t)(p - (buf + i)) : n - i;
			if (w != i)
				memmove(buf + w, buf + i, k);
			w += k;
			i += k;
			if (i == n)
				break;
		}
		if (x->mode == M_OUT) {
			buf[w++] = buf[i];
			step_out(x, buf[i++]);
			continue;
		}
		x->taken++;
		if (!step_in(x, buf[i++]))
			continue;
		/* the end of the content: the placeholder and "</" go here */
		elen = strlen(x->emit);
		if (w + elen > i) {
			memmove(buf + w + elen, buf + i, n - i);
			n = w + elen + (n - i);
			i = w + elen;
		}
		memcpy(buf + w, x->emit, elen);
		w += elen;
	}
	return w;
}
