/*
 * stash.h - the gate sets a large edit's <config> content aside, so that
 * it is parsed once (by vnmd, with the schema) and not twice.
 *
 * libnetconf2 parses every RPC whole: the content of an <edit-config>'s
 * <config> (an anyxml) becomes a tree of opaque nodes, which vnmd prints
 * back to text and parses again with its schema.  For 10,000 VLs (6 MB)
 * that first parse, the print and the relay of the bytes to libnetconf2
 * cost about 0.4 s of 5, and the opaque tree tens of MB.
 *
 * This scanner runs in the gate over each message (after nsfix.h and the
 * guards, which see every byte as before).  In an <edit-config> (base
 * namespace) or <edit-data> (ietf-netconf-nmda) directly under <rpc>, the
 * bytes between the end of the <config> start tag and its end tag go to a
 * buffer of the scanner instead of on to libnetconf2; in their place
 * libnetconf2 gets one element,
 *
 *   <vnmd-stash xmlns="urn:vnmd:netconf-gate:stash" id="<32 hex digits>"/>
 *
 * and the gate keeps the content, under that id, for the session
 * (vnm_gate_stash_take()).  The id is random: a client cannot name the
 * content of another message, and a session only ever reaches its own.
 *
 * The content leaves the scope of the namespace declarations on <rpc>,
 * the operation and <config> (ncclient declares nc: on <rpc> and writes
 * nc:operation inside), so each top-level element of the content gets the
 * declarations in scope there that it does not make itself, at the end of
 * its start tag.  A message whose outer elements declare more namespaces
 * than the scanner follows (VNM_STASH_DECLS, VNM_STASH_URI) is passed on as
 * it came.
 *
 * The scanner only counts elements; it need not judge well-formedness.
 * Where the content is malformed, either part fails on its own: libyang
 * refuses the content, libnetconf2 what is left of the message (an end tag
 * that is not </config> after the placeholder, a message that ends inside
 * <config>).  Content past the limit (--max-config-size) is counted, not
 * kept, and the edit is refused as too big.
 */
#ifndef VNM_STASH_H
#define VNM_STASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VNM_STASH_NS "urn:vnmd:netconf-gate:stash"
#define VNM_STASH_ELEM "vnmd-stash"
#define VNM_STASH_ID 32        /* hex digits of an id */
#define VNM_STASH_EMIT_MAX 112 /* the placeholder and "</": what a step may add */
#define VNM_STASH_DECLS 16     /* namespace declarations followed on the outer levels */
#define VNM_STASH_PFX 64       /* longest prefix followed (with its NUL) */
#define VNM_STASH_URI 512      /* longest namespace followed (with its NUL) */

/* A content set aside. */
struct vnm_stash_item {
	char id[VNM_STASH_ID + 1];
	char *xml;             /* the content, NUL-terminated; NULL when too big */
	size_t len;            /* its bytes (counted on past the limit) */
	bool too_big;
	struct vnm_stash_item *next;
};

struct vnm_stash_decl {
	char pfx[VNM_STASH_PFX];   /* "" for the default namespace */
	char uri[VNM_STASH_URI];
	char quote;
	unsigned depth;            /* of the element that declares it */
};

struct vnm_stash {
	bool on;                   /* the owner's switch (off: bytes pass untouched) */
	bool room;                 /* the owner's: a new content may be set aside (read
				    * where one would start, so never inside one) */
	size_t limit;              /* largest content kept */
	void (*make_id)(char id[VNM_STASH_ID + 1]); /* NULL: random */
	int mode;                  /* stash.c */
	char id[VNM_STASH_ID + 1]; /* the content's, once it starts */
	int st;                    /* where in the markup */
	unsigned n;                /* "--", "]]" matched; "[" depth */
	char quote;
	unsigned depth;            /* open elements */
	int op;                    /* the operation's kind, once known */
	char name[80];             /* the start tag's name (truncated: matches nothing) */
	size_t name_len;
	char aname[VNM_STASH_PFX + 8];
	size_t aname_len;
	char aval[VNM_STASH_URI];
	size_t aval_len;
	struct vnm_stash_decl decl[VNM_STASH_DECLS];
	unsigned n_decl;
	unsigned tag_decl;         /* the first declaration of the tag being read */
	bool overflow;             /* one did not fit: this message is passed on */
	uint32_t own;              /* a top-level tag redeclares decl[i]'s prefix */
	char *buf;                 /* the content so far */
	size_t len, cap;
	bool too_big;
	size_t taken;              /* bytes of the message set aside (as they came) */
	struct vnm_stash_item *done, **done_tail; /* finished, for the owner */
	char emit[VNM_STASH_EMIT_MAX + 1];
};

void vnm_stash_init(struct vnm_stash *x, size_t limit);

/* A new message begins (the last one's unfinished content is dropped). */
void vnm_stash_next(struct vnm_stash *x);

/* The message ended: how many of its last bytes were still being set aside
 * (its <config> never closed; 0 if none).  They are dropped; the caller
 * passes on what of its end-of-message delimiter is among them. */
size_t vnm_stash_cut(struct vnm_stash *x);

/* n bytes of a message at buf, in place: what stays for libnetconf2 is
 * moved to the front and its length returned.  buf has room for n +
 * VNM_STASH_EMIT_MAX bytes. */
size_t vnm_stash_filter(struct vnm_stash *x, char *buf, size_t n);

/* The contents finished since the last call (a list). */
struct vnm_stash_item *vnm_stash_take_done(struct vnm_stash *x);

/* Bytes held by the content being read (finished ones are the owner's once
 * taken, which the gate does after each feed). */
size_t vnm_stash_held(const struct vnm_stash *x);

void vnm_stash_item_free(struct vnm_stash_item *it);

/* Frees a list of items. */
void vnm_stash_list_free(struct vnm_stash_item *it);

void vnm_stash_free(struct vnm_stash *x);

#endif
