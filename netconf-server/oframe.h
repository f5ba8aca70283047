/*
 * oframe.h - libnetconf2's output on its way through the gate to the client.
 *
 * libnetconf2 2.0.24 writes a reply in pieces of 1 KiB, each its own chunk
 * and two write()s: a 1 MB <get-config> reply is two thousand writes, as
 * many wake-ups of the gate's thread and a thousand chunks for the client
 * to parse.  So the gate takes what libnetconf2 wrote in one go (several
 * reads) and passes it on as one chunk; and a large read reply is not
 * printed by libnetconf2 at all: reads.c prints the data itself in one
 * piece and gives libnetconf2 a reply whose <data> holds only a marker (an
 * XML comment with a secret of this process, which no printed data can
 * hold: libyang escapes '<' in values and prints no comments), and this
 * parser puts the text in the marker's place.  The reply's envelope
 * (<rpc-reply> and the <rpc>'s attributes) stays libnetconf2's.
 *
 * The server's <hello> passes as it is; after it, the framing is the
 * session's: chunked (base:1.1), re-framed here, or end-of-message
 * (base:1.0), passed on as it came.
 */
#ifndef VNM_OFRAME_H
#define VNM_OFRAME_H

#include <stddef.h>
#include <stdint.h>

/* The marker reads.c puts in a spliced reply's <data>. */
const char *vnm_splice_marker(void);

/* A reply's data for the marker's place: up to three pieces sent one
 * after the other as one chunk, so that a large text a cache keeps goes
 * out from where it is, not copied into each reply; release(arg) once sent
 * or dropped (vnm_splice_free). */
#define VNM_SPLICE_PARTS 3
struct vnm_splice {
	const char *part[VNM_SPLICE_PARTS];
	size_t len[VNM_SPLICE_PARTS];
	unsigned n;
	void (*release)(void *arg);
	void *arg;
};

/* The bytes of all its parts. */
size_t vnm_splice_len(const struct vnm_splice *sp);
/* release, then sp itself (malloc'd); NULL is nothing. */
void vnm_splice_free(struct vnm_splice *sp);

/* Bytes to the client; 0 or -1 (the connection is gone). */
typedef int (*vnm_oframe_emit)(void *arg, const char *buf, size_t n);
/* The data registered for the marker (handed over), or NULL. */
typedef struct vnm_splice *(*vnm_oframe_take)(void *arg);

struct vnm_oframe {
	int st;                 /* state of the parser (oframe.c) */
	uint64_t left;          /* bytes left of the current chunk */
	char hdr[16];           /* a chunk header read so far */
	size_t hdr_len;
	unsigned eom;           /* bytes of the hello's "]]>]]>" matched */
	size_t mk;              /* bytes of the marker matched (held back) */
	char *buf;              /* content of this batch, not yet sent */
	size_t len, cap;
	vnm_oframe_emit emit;
	vnm_oframe_take take;
	void *arg;
};

/* Take n bytes libnetconf2 wrote; version: 1 chunked, 0 end-of-message,
 * negative not known yet (bytes pass as they are).  0, or -1 when the
 * output is not well framed or the client is gone. */
int vnm_oframe_feed(struct vnm_oframe *o, int version, const char *in, size_t n);

/* Send what the batch holds (one chunk under chunked framing). */
int vnm_oframe_flush(struct vnm_oframe *o);

void vnm_oframe_free(struct vnm_oframe *o);

#endif
