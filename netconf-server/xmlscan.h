/*
 * xmlscan.h - what the gate's byte scanners of a message's markup share
 * (nsfix.c, stash.c): where in the markup a byte is, and the markup that
 * holds no element (processing instructions, comments, CDATA sections,
 * declarations), which each of them skips alike.  Only these two files
 * include it: the short state names are theirs.
 */
#ifndef VNM_XMLSCAN_H
#define VNM_XMLSCAN_H

enum {
	S_TEXT, S_LT, S_NAME, S_ATTRS, S_SLASH, S_ANAME, S_AEQ, S_AQ, S_AVAL, S_ETAG,
	S_PI, S_PI_Q, S_BANG, S_BANG_DASH, S_CMT, S_CDATA_OPEN, S_CDATA, S_DECL,
};

/* One byte c in state st, one of S_PI to S_DECL (after "<?" or "<!"): the
 * next state, S_TEXT once that markup ended.  *n counts the "-" or "]" of
 * "-->" and "]]>", or the depth of "[" in a declaration. */
static inline int vnm_xmlscan_skip(int st, unsigned *n, char c)
{
	switch (st) {
	case S_PI:
		return c == '?' ? S_PI_Q : S_PI;
	case S_PI_Q:
		return c == '>' ? S_TEXT : c == '?' ? S_PI_Q : S_PI;
	case S_BANG:
		*n = 0;
		return c == '-' ? S_BANG_DASH : c == '[' ? S_CDATA_OPEN : c == '>' ? S_TEXT : S_DECL;
	case S_BANG_DASH:
		*n = 0;
		return c == '-' ? S_CMT : S_DECL;
	case S_CMT:
	case S_CDATA:
		if (c == (st == S_CMT ? '-' : ']'))
			*n = *n < 2 ? *n + 1 : 2;
		else if (c == '>' && *n == 2)
			return S_TEXT;
		else
			*n = 0;
		return st;
	case S_CDATA_OPEN:
		if (c != '[')
			return st;
		*n = 0;
		return S_CDATA;
	default: /* S_DECL */
		if (c == '[')
			(*n)++;
		else if (c == ']' && *n)
			(*n)--;
		else if (c == '>' && !*n)
			return S_TEXT;
		return st;
	}
}

#endif
