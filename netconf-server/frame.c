/*
 * frame.c - the framing check of the NETCONF gate (see frame.h).
 *
 * End-of-message framing: the content runs to "]]>]]>", matched across
 * reads with the pattern's own failure table (it overlaps itself: "]]>]]"
 * followed by "]" may still be a start).  Chunked framing (RFC 6242 4.2):
 *
 *   chunk          = "\n#" size "\n" size*OCTET   size: 1-10 digits, no
 *   end-of-chunks  = "\n##\n"                     leading zero, 1..4294967295
 *   message        = 1*chunk end-of-chunks
 *
 * A chunk larger than what is left of the size limit is refused at its
 * header, before a byte of it is passed on.  The client's chunk headers are
 * not passed on: the content that goes on in one call is one chunk of the
 * parser's own (its header written once its size is known, see flush()).
 */
#include "frame.h"

#include <stdio.h>
#include <string.h>

/* Room kept free for one step: an insertion, a byte, a placeholder
 * (stash.h), an end of chunks or of a message. */
#define STEP_ROOM (VNM_NSFIX_INS_MAX + VNM_STASH_EMIT_MAX + VNM_FRAME_HDR_MAX + 8)

enum {
	ST_LF,     /* a header's "\n" */
	ST_HASH,   /* its "#" */
	ST_FIRST,  /* "#" of end-of-chunks, or the first digit */
	ST_DIGITS, /* more digits, or the "\n" that ends the header */
	ST_END,    /* the "\n" of "\n##\n" */
	ST_DATA,   /* inside a chunk */
};

#define CHUNK_MAX 4294967295ULL

/* Where in a message's XML prolog (end-of-message framing): P_TOP between
 * its items, P_LT after a "<", P_PI in a processing instruction (the XML
 * declaration) and P_PI_Q after a "?" there, P_BANG after "<!", P_BANG_DASH
 * after "<!-", P_DT in "DOCTYPE", P_CMT in a comment and P_CMT_D1/P_CMT_D2
 * after one/two "-" there, P_DONE once the root element (or anything else)
 * began: what follows is libnetconf2's to read. */
enum {
	P_TOP = 0, P_LT, P_PI, P_PI_Q, P_BANG, P_BANG_DASH, P_DT, P_CMT, P_CMT_D1, P_CMT_D2,
	P_DONE,
};

static const char eom_pat[] = "]]>]]>";
static const unsigned eom_fail[] = {0, 1, 0, 1, 2, 3};

void vnm_frame_init(struct vnm_frame *f, size_t max_msg)
{
	memset(f, 0, sizeof(*f));
	f->max_msg = max_msg;
	f->in_hello = true;
	f->st = ST_LF;
	vnm_nsguard_init(&f->ns);
	vnm_dupguard_init(&f->dg);
	vnm_nsfix_init(&f->fx);
	vnm_stash_init(&f->sx, 0); /* off until the owner sets limit and on */
}

/* A new message: the scanners start over. */
static void next_msg(struct vnm_frame *f)
{
	vnm_nsguard_init(&f->ns);
	vnm_dupguard_init(&f->dg);
	vnm_nsfix_init(&f->fx);
	vnm_stash_next(&f->sx);
}

/* n content bytes just written to out: spoil empty namespace declarations
 * and list entries with equal keys past the limit, then set an edit's
 * content aside (stash.h; out has room for VNM_STASH_EMIT_MAX more).  The
 * bytes that stay. */
static size_t content(struct vnm_frame *f, char *out, size_t n)
{
	f->ns_spoiled += vnm_nsguard_feed(&f->ns, out, n, true);
	vnm_dupguard_feed(&f->dg, out, n);
	return vnm_stash_filter(&f->sx, out, n);
}

void vnm_frame_free(struct vnm_frame *f)
{
	vnm_dupguard_free(&f->dg);
	vnm_stash_free(&f->sx);
}

void vnm_frame_set_chunked(struct vnm_frame *f, bool chunked)
{
	f->chunked = chunked;
	f->in_hello = false;
	f->msg_len = 0;
	f->eom = 0;
	f->st = ST_LF;
	f->hdr_len = 0;
	f->had_chunk = false;
	f->pro = P_TOP;
	next_msg(f);
}

/* One byte of a message's prolog; -1 when it completes "<!DOCTYPE". */
static int prolog_byte(struct vnm_frame *f, char c)
{
	static const char dt[] = "DOCTYPE";

	switch (f->pro) {
	case P_TOP:
		if (c == '<')
			f->pro = P_LT;
		else if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			f->pro = P_DONE;
		break;
	case P_LT:
		f->pro = c == '?' ? P_PI : c == '!' ? P_BANG : P_DONE;
		break;
	case P_PI:
		if (c == '?')
			f->pro = P_PI_Q;
		break;
	case P_PI_Q:
		f->pro = c == '>' ? P_TOP : c == '?' ? P_PI_Q : P_PI;
		break;
	case P_BANG:
		f->pro = c == '-' ? P_BANG_DASH : c == 'D' ? P_DT : P_DONE;
		f->pro_n = 1;
		break;
	case P_BANG_DASH:
		f->pro = c == '-' ? P_CMT : P_DONE;
		break;
	case P_DT:
		if (c != dt[f->pro_n]) {
			f->pro = P_DONE;
			break;
		}
		if (!dt[++f->pro_n]) {
			snprintf(f->why, sizeof(f->why),
				 "a document type declaration (<!DOCTYPE>), which NETCONF "
				 "messages may not carry (RFC 6241, section 3)");
			return -1;
		}
		break;
	case P_CMT:
		if (c == '-')
			f->pro = P_CMT_D1;
		break;
	case P_CMT_D1:
		f->pro = c == '-' ? P_CMT_D2 : P_CMT;
		break;
	case P_CMT_D2:
		f->pro = c == '>' ? P_TOP : c == '-' ? P_CMT_D2 : P_CMT;
		break;
	default:
		break;
	}
	return 0;
}

/* A printable copy of a held header, for the log. */
static const char *hdr_show(struct vnm_frame *f, char c, char *buf, size_t n)
{
	size_t i, o = 0;

	f->hdr[f->hdr_len] = c;
	for (i = 0; i <= f->hdr_len && o + 5 < n; i++) {
		unsigned char b = (unsigned char)f->hdr[i];

		if (b == '\n')
			o += (size_t)snprintf(buf + o, n - o, "\\n");
		else if (b < 0x20 || b > 0x7e)
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", b);
		else
			buf[o++] = (char)b;
	}
	buf[o] = '\0';
	return buf;
}

/* One byte of a chunk header, or of end-of-chunks; 0 or -1. */
static int hdr_byte(struct vnm_frame *f, char c, char *out, size_t *o)
{
	char show[64];
	bool ok;

	switch (f->st) {
	case ST_LF:
		ok = c == '\n';
		if (ok)
			f->st = ST_HASH;
		break;
	case ST_HASH:
		ok = c == '#';
		if (ok)
			f->st = ST_FIRST;
		break;
	case ST_FIRST:
		ok = (c == '#' && f->had_chunk) || (c >= '1' && c <= '9');
		if (ok && c == '#') {
			f->st = ST_END;
		} else if (ok) {
			f->val = (uint64_t)(c - '0');
			f->ndig = 1;
			f->st = ST_DIGITS;
		}
		break;
	case ST_DIGITS:
		if (c == '\n') {
			if (f->val > CHUNK_MAX) {
				snprintf(f->why, sizeof(f->why),
					 "chunk header \"%s\": the size is above 4294967295",
					 hdr_show(f, c, show, sizeof(show)));
				return -1;
			}
			if (f->val > f->max_msg - f->msg_len) {
				snprintf(f->why, sizeof(f->why),
					 "a message of more than %zu bytes (chunk of %llu after %zu)",
					 f->max_msg, (unsigned long long)f->val, f->msg_len);
				return -1;
			}
			/* checked, and dropped: the content gets its own (flush()) */
			f->hdr_len = 0;
			f->left = f->val;
			f->msg_len += f->val;
			f->had_chunk = true;
			f->st = ST_DATA;
			return 0;
		}
		ok = c >= '0' && c <= '9' && f->ndig < 10;
		if (ok) {
			f->val = f->val * 10 + (uint64_t)(c - '0');
			f->ndig++;
		}
		break;
	default: /* ST_END */
		ok = c == '\n';
		if (ok) {
			memcpy(out + *o, "\n##\n", 4);
			*o += 4;
			next_msg(f);
			f->hdr_len = 0;
			f->msg_len = 0;
			f->had_chunk = false;
			f->st = ST_LF;
			return 0;
		}
		break;
	}
	if (!ok) {
		if (f->st == ST_FIRST && c == '#')
			snprintf(f->why, sizeof(f->why),
				 "end of chunks \"\\n##\\n\" without a chunk before it");
		else
			snprintf(f->why, sizeof(f->why), "bad chunk header \"%s\"",
				 hdr_show(f, c, show, sizeof(show)));
		return -1;
	}
	f->hdr[f->hdr_len++] = c;
	return 0;
}

/* Content was written after a header's room at out + at: write the header
 * of its true size and close the gap; where out ends now. */
static size_t flush(char *out, size_t at, size_t o)
{
	size_t len = o - at - VNM_FRAME_HDR_MAX;
	char hdr[VNM_FRAME_HDR_MAX + 1];
	int h;

	if (!len)
		return at;
	h = snprintf(hdr, sizeof(hdr), "\n#%zu\n", len);
	memmove(out + at + h, out + at + VNM_FRAME_HDR_MAX, len);
	memcpy(out + at, hdr, (size_t)h);
	return at + (size_t)h + len;
}

static enum vnm_frame_rc feed_chunked(struct vnm_frame *f, const char *in, size_t len,
				      char *out, size_t cap, size_t *out_len, size_t *used)
{
	size_t i = 0, o = 0, n, w, u, at = 0;
	bool pend = false; /* content since out + at + VNM_FRAME_HDR_MAX */
	enum vnm_frame_rc rc = VNM_FRAME_MORE;

	while (i < len && cap - o >= STEP_ROOM) {
		if (f->st == ST_DATA) {
			if (!pend) {
				at = o;
				o += VNM_FRAME_HDR_MAX;
				pend = true;
			}
			n = len - i < f->left ? len - i : (size_t)f->left;
			w = vnm_nsfix_copy(&f->fx, in + i, n, out + o,
					   cap - o - 8 - VNM_STASH_EMIT_MAX, &u);
			o += content(f, out + o, w);
			i += u;
			f->left -= u;
			if (!f->left)
				f->st = ST_LF;
			if (!u)
				break; /* out is full */
			continue;
		}
		if (pend && f->st == ST_END && in[i] == '\n') {
			o = flush(out, at, o); /* the content before its end of chunks */
			pend = false;
		}
		if (hdr_byte(f, in[i], out, &o)) {
			rc = VNM_FRAME_ERROR;
			break;
		}
		i++;
	}
	*out_len = pend ? flush(out, at, o) : o;
	*used = i;
	return rc;
}

static enum vnm_frame_rc feed_eom(struct vnm_frame *f, const char *in, size_t len, char *out,
				  size_t cap, size_t *out_len, size_t *used)
{
	size_t i = 0, o = 0, w, u;
	const char *p, *ins;
	char c;

	while (i < len && cap - o >= STEP_ROOM) {
		if (!f->eom && f->pro == P_DONE) {
			/* fast path: up to the next ']' nothing can end the message */
			p = memchr(in + i, ']', len - i);
			if (p != in + i) {
				size_t n = p ? (size_t)(p - (in + i)) : len - i;
				bool over = n > f->max_msg - f->msg_len;

				if (over) /* cut where the byte-wise path below would */
					n = f->max_msg - f->msg_len;
				w = vnm_nsfix_copy(&f->fx, in + i, n, out + o,
						   cap - o - VNM_STASH_EMIT_MAX, &u);
				o += content(f, out + o, w);
				i += u;
				f->msg_len += u;
				if (over && u == n)
					goto too_big;
				if (!u)
					break; /* out is full */
				continue;
			}
		}
		c = in[i];
		if (f->pro != P_DONE && prolog_byte(f, c)) {
			*out_len = o;
			*used = i;
			return VNM_FRAME_ERROR;
		}
		while (f->eom && c != eom_pat[f->eom])
			f->eom = eom_fail[f->eom - 1];
		if (c == eom_pat[f->eom])
			f->eom++;
		if (f->msg_len == f->max_msg)
			goto too_big;
		ins = vnm_nsfix_step(&f->fx, c);
		w = strlen(ins);
		memcpy(out + o, ins, w);
		out[o + w] = c;
		o += content(f, out + o, w + 1);
		i++;
		f->msg_len++;
		if (f->eom == sizeof(eom_pat) - 1) {
			/* a <config> that never closed took the delimiter's
			 * bytes too: libnetconf2 must see the message end */
			size_t cut = vnm_stash_cut(&f->sx), d = sizeof(eom_pat) - 1;

			if (cut) {
				d = cut < d ? cut : d;
				memcpy(out + o, eom_pat + sizeof(eom_pat) - 1 - d, d);
				o += d;
			}
			f->eom = 0;
			f->msg_len = 0;
			f->pro = P_TOP;
			next_msg(f);
			if (f->in_hello) {
				f->in_hello = false;
				*out_len = o;
				*used = i;
				return VNM_FRAME_HELLO;
			}
		}
	}
	*out_len = o;
	*used = i;
	return VNM_FRAME_MORE;
too_big:
	*out_len = o;
	*used = i;
	snprintf(f->why, sizeof(f->why), "a message of more than %zu bytes without \"]]>]]>\"",
		 f->max_msg);
	return VNM_FRAME_ERROR;
}

enum vnm_frame_rc vnm_frame_feed(struct vnm_frame *f, const char *in, size_t len, char *out,
				 size_t out_cap, size_t *out_len, size_t *used)
{
	if (f->chunked && !f->in_hello)
		return feed_chunked(f, in, len, out, out_cap, out_len, used);
	return feed_eom(f, in, len, out, out_cap, out_len, used);
}
