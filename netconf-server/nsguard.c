/*
 * nsguard.c - empty namespace declarations in a message (see nsguard.h).
 */
#include "nsguard.h"
#include "dupguard.h"

#include <stdio.h>
#include <string.h>

enum {
	S_TEXT,       /* character data */
	S_LT,         /* after "<" */
	S_NAME,       /* an element's name in its start tag */
	S_ATTRS,      /* between attributes of a start tag */
	S_ANAME,      /* an attribute's name */
	S_AEQ,        /* after it, before "=" */
	S_AQ,         /* after "=", before the quote */
	S_AFIRST,     /* just after the opening quote */
	S_AVAL,       /* inside the value */
	S_ETAG,       /* an end tag */
	S_PI,         /* a processing instruction (or the XML declaration) */
	S_PI_Q,       /* after a "?" there */
	S_BANG,       /* after "<!" */
	S_BANG_DASH,  /* after "<!-" */
	S_CDATA_OPEN, /* "<![CDATA[" until its second "[" */
	S_CLOSE,      /* in a comment or CDATA section: until quote quote ">"
		       * (quote: "-" or "]"; n: how many of it just before) */
	S_DECL,       /* another "<!" declaration; n: depth of "[" */
};

#define NOT_NS 99 /* g->n: the attribute's name is no namespace declaration */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void vnm_nsguard_init(struct vnm_nsguard *g)
{
	memset(g, 0, sizeof(*g));
	g->st = S_TEXT;
}

/* One byte of an attribute's name: does it still read "xmlns" or "xmlns:"? */
static void name_byte(struct vnm_nsguard *g, char c)
{
	static const char x[] = "xmlns";

	if (g->n < 5)
		g->n = c == x[g->n] ? g->n + 1 : NOT_NS;
	else if (g->n == 5)
		g->n = c == ':' ? 6 : NOT_NS;
}

/* One byte; 1 when it is the closing quote of an empty declaration. */
static int step(struct vnm_nsguard *g, char c)
{
	switch (g->st) {
	case S_TEXT:
		if (c == '<')
			g->st = S_LT;
		break;
	case S_LT:
		g->st = c == '!' ? S_BANG : c == '?' ? S_PI : c == '/' ? S_ETAG : S_NAME;
		break;
	case S_NAME:
		if (c == '>')
			g->st = S_TEXT;
		else if (is_space(c) || c == '/')
			g->st = S_ATTRS;
		break;
	case S_ATTRS:
		if (c == '>') {
			g->st = S_TEXT;
		} else if (!is_space(c) && c != '/') {
			g->n = 0;
			name_byte(g, c);
			g->st = S_ANAME;
		}
		break;
	case S_ANAME:
		if (c == '=' || is_space(c)) {
			g->ns_attr = g->n == 5 || g->n == 6;
			g->st = c == '=' ? S_AQ : S_AEQ;
		} else if (c == '>') {
			g->st = S_TEXT;
		} else {
			name_byte(g, c);
		}
		break;
	case S_AEQ:
		if (c == '=')
			g->st = S_AQ;
		else if (!is_space(c))
			g->st = c == '>' ? S_TEXT : S_ATTRS;
		break;
	case S_AQ:
		if (c == '"' || c == '\'') {
			g->quote = c;
			g->st = S_AFIRST;
		} else if (!is_space(c)) {
			g->st = c == '>' ? S_TEXT : S_ATTRS;
		}
		break;
	case S_AFIRST:
		if (c == g->quote) {
			g->st = S_ATTRS;
			return g->ns_attr;
		}
		g->st = S_AVAL;
		break;
	case S_AVAL:
		if (c == g->quote)
			g->st = S_ATTRS;
		break;
	case S_ETAG:
		if (c == '>')
			g->st = S_TEXT;
		break;
	case S_PI:
		if (c == '?')
			g->st = S_PI_Q;
		break;
	case S_PI_Q:
		g->st = c == '>' ? S_TEXT : c == '?' ? S_PI_Q : S_PI;
		break;
	case S_BANG:
		g->n = 0;
		g->st = c == '-' ? S_BANG_DASH : c == '[' ? S_CDATA_OPEN : S_DECL;
		if (c == '>')
			g->st = S_TEXT;
		break;
	case S_BANG_DASH:
		g->st = c == '-' ? S_CLOSE : S_DECL;
		g->quote = '-';
		g->n = 0;
		break;
	case S_CDATA_OPEN:
		if (c == '[') {
			g->st = S_CLOSE;
			g->quote = ']';
			g->n = 0;
		}
		break;
	case S_CLOSE: /* "-->" or "]]>": g->quote twice, then ">" */
		if (c == g->quote)
			g->n = g->n < 2 ? g->n + 1 : 2;
		else if (c == '>' && g->n == 2)
			g->st = S_TEXT;
		else
			g->n = 0;
		break;
	default: /* S_DECL */
		if (c == '[')
			g->n++;
		else if (c == ']' && g->n)
			g->n--;
		else if (c == '>' && !g->n)
			g->st = S_TEXT;
		break;
	}
	return 0;
}

size_t vnm_nsguard_feed(struct vnm_nsguard *g, char *buf, size_t n, bool mark)
{
	size_t i = 0, found = 0;
	const char *p;

	while (i < n) {
		/* character data and values are most of a message */
		if (g->st == S_TEXT || g->st == S_AVAL) {
			p = memchr(buf + i, g->st == S_TEXT ? '<' : g->quote, n - i);
			if (!p)
				break;
			i = (size_t)(p - buf);
		}
		if (step(g, buf[i])) {
			found++;
			if (mark)
				buf[i] = '\x01';
		}
		i++;
	}
	g->found += found;
	return found;
}

bool vnm_nsguard_has_empty(const char *xml)
{
	struct vnm_nsguard g;

	vnm_nsguard_init(&g);
	return vnm_nsguard_feed(&g, (char *)xml, strlen(xml), false) > 0;
}

const char *vnm_guard_mark_msg(const char *msg, char *buf, size_t len)
{
	if (!strcmp(msg, "Invalid character 0x1."))
		snprintf(buf, len, "an empty namespace declaration (xmlns=\"\"): NETCONF "
			 "content has no element in no namespace, and libyang cannot parse "
			 "them (or the message holds the byte 0x01)");
	else if (!strcmp(msg, "Invalid character 0x2."))
		snprintf(buf, len, "more than %d list entries with equal keys (or leaf-list "
			 "entries with equal values) in one message: a configuration holds "
			 "none and a filter needs few; refused before parsing (or the message "
			 "holds the byte 0x02)", VNM_DUPGUARD_MAX);
	else
		return NULL;
	return buf;
}
