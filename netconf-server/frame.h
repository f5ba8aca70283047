/*
 * frame.h - the framing check of the NETCONF gate (RFC 6242 section 4).
 *
 * The gate (gate.c) passes a client's bytes to libnetconf2 only after this
 * parser found them well framed and within the size limit, because
 * libnetconf2 2.0.24 dies on a bad chunk header (NULL dereference, or an
 * allocation of the size the header claims) and buffers a whole message
 * before anyone can look at its size.
 *
 * The client's first message (its <hello>) always ends with "]]>]]>"; the
 * parser stops there (VNM_FRAME_HELLO) so that the caller can learn from the
 * hello exchange which framing is in force for the rest of the session:
 * end-of-message (base:1.0) or chunked (base:1.1).
 *
 * Under end-of-message framing the parser also refuses a message whose XML
 * prolog holds a document type declaration (NETCONF forbids them, RFC 6241
 * section 3): libnetconf2 2.0.24 answers such a message with nothing at all
 * and the client would wait for ever.  (Under chunked framing libnetconf2
 * answers malformed-message, which base:1.0 clients may not be sent.)
 *
 * Under both framings an empty namespace declaration in a message is
 * spoiled on its way through (nsguard.h): libyang crashes on it; and a
 * <config> or <filter> in no namespace gets the one it stands for
 * (nsfix.h).  That insertion changes the content's length, so under chunked
 * framing the parser frames the content itself: the client's chunk headers
 * are checked and dropped, and the content passed on from one read is one
 * chunk with a header of its true size; the end of chunks passes as it
 * came, so message boundaries stay where the client put them.
 */
#ifndef VNM_FRAME_H
#define VNM_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nsfix.h"
#include "dupguard.h"
#include "nsguard.h"
#include "stash.h"

/* Largest chunk header: "\n#" + 10 digits + "\n". */
#define VNM_FRAME_HDR_MAX 13

/* Room the caller gives beyond the input's length (vnm_frame_feed). */
#define VNM_FRAME_ROOM (2 * VNM_FRAME_HDR_MAX + VNM_NSFIX_INS_MAX + VNM_STASH_EMIT_MAX + 16)

enum vnm_frame_rc {
	VNM_FRAME_MORE = 0,  /* every byte taken; give more */
	VNM_FRAME_HELLO = 1, /* the hello ended; *used may be short of len */
	VNM_FRAME_ERROR = -1 /* bad framing or too big: why says which; close */
};

struct vnm_frame {
	size_t max_msg;   /* largest message (bytes of content) */
	size_t msg_len;   /* content bytes of the current message so far */
	bool chunked;     /* chunked framing (after a base:1.1 hello) */
	bool in_hello;    /* the first message is not over yet */
	unsigned eom;     /* bytes of "]]>]]>" matched */
	int st;           /* state of the chunk parser (frame.c) */
	uint64_t left;    /* bytes left of the current chunk */
	uint64_t val;     /* the chunk size being read */
	unsigned ndig;
	bool had_chunk;   /* the current message has a chunk */
	int pro;          /* end-of-message framing: where in the XML prolog */
	unsigned pro_n;   /* bytes of "DOCTYPE" matched */
	char hdr[VNM_FRAME_HDR_MAX + 1]; /* a header held back until it is whole */
	size_t hdr_len;
	struct vnm_nsguard ns; /* empty namespace declarations (nsguard.h) */
	struct vnm_nsfix fx;   /* <config>/<filter> without a namespace (nsfix.h) */
	struct vnm_dupguard dg; /* list entries with equal keys (dupguard.h) */
	struct vnm_stash sx;   /* an edit's <config> set aside (stash.h; off unless sx.on) */
	size_t ns_spoiled; /* how many were spoiled since init */
	char why[128];
};

/* A parser for a new session: end-of-message framing, in the hello. */
void vnm_frame_init(struct vnm_frame *f, size_t max_msg);

/* What the parser holds (vnm_frame_init again after it makes a new one). */
void vnm_frame_free(struct vnm_frame *f);

/* After VNM_FRAME_HELLO: the framing of the rest of the session. */
void vnm_frame_set_chunked(struct vnm_frame *f, bool chunked);

/* Parse len bytes of in.  The bytes that may go on to libnetconf2 are
 * written to out (room for out_cap bytes), their number to *out_len; *used
 * tells how many bytes of in were taken: fewer than len (with
 * VNM_FRAME_MORE) when out ran short of room, never none when out_cap is
 * at least VNM_FRAME_ROOM.  libnetconf2 never sees part of a chunk header.
 * On VNM_FRAME_ERROR out holds the bytes up to the fault, which the caller
 * should drop: the session is over. */
enum vnm_frame_rc vnm_frame_feed(struct vnm_frame *f, const char *in, size_t len, char *out,
				 size_t out_cap, size_t *out_len, size_t *used);

#endif
