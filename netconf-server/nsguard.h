/*
 * nsguard.h - finds empty namespace declarations in a NETCONF message.
 *
 * libyang 2.1.30 (Debian 12's) dereferences NULL when two sibling elements
 * of the same name have no namespace because of an empty declaration
 * (xmlns="" or xmlns:p=""): a <filter> or <config> holding
 * <n xmlns=""><a/><a/></n> kills any process that parses it, and
 * libnetconf2 parses every RPC with libyang.  NETCONF content has no use
 * for elements in no namespace (each belongs to a YANG module's), so the
 * gate refuses every such declaration: it replaces the closing quote of the
 * empty value with the byte 0x01, which XML does not allow, and libyang
 * stops at that very byte with "Invalid character 0x1." (libnetconf2
 * answers malformed-message, keeping the session).  vnmd's log says why.
 *
 * The scanner is a byte-wise state machine over the text of one message,
 * fed in pieces of any size: start tags and their attributes are followed,
 * comments, CDATA sections, processing instructions and declarations are
 * skipped.  It need not judge well-formedness: libyang does that after it.
 */
#ifndef VNM_NSGUARD_H
#define VNM_NSGUARD_H

#include <stdbool.h>
#include <stddef.h>

struct vnm_nsguard {
	int st;          /* where in the markup (nsguard.c) */
	unsigned n;      /* bytes of a keyword ("xmlns", "--", "]]") matched */
	bool ns_attr;    /* the attribute being read declares a namespace */
	char quote;      /* the quote of the attribute value being read, or the
			  * character that closes a comment ("-") or CDATA ("]") */
	size_t found;    /* empty declarations seen since init */
};

/* A scanner at the start of a message. */
void vnm_nsguard_init(struct vnm_nsguard *g);

/* Scan n more bytes of the message.  With mark set, each empty namespace
 * declaration is spoiled in buf (its closing quote becomes 0x01).  Returns
 * the number found in these bytes (g->found adds them up). */
size_t vnm_nsguard_feed(struct vnm_nsguard *g, char *buf, size_t n, bool mark);

/* Whether a whole document declares an empty namespace. */
bool vnm_nsguard_has_empty(const char *xml);

/* What libyang's parser message msg means when it met one of the gate's
 * marks (this file's 0x01, dupguard.h's 0x02): the explanation for the
 * client, written to buf; NULL for any other message. */
const char *vnm_guard_mark_msg(const char *msg, char *buf, size_t len);

#endif
