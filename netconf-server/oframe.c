/*
 * oframe.c - libnetconf2's output re-framed, and spliced replies (oframe.h).
 */
#include "oframe.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

enum { OF_HELLO, OF_READY, OF_HDR, OF_DATA, OF_EOM, OF_RAW };

static char marker[64];
static size_t marker_len;
static pthread_once_t marker_once = PTHREAD_ONCE_INIT;

static void marker_init(void)
{
	unsigned char r[16];
	size_t i;
	int n;

	/* a secret of this process: nobody outside learns it, and printed
	 * data cannot hold an XML comment anyway */
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)r;

		memcpy(r, &t, sizeof(t));
		memcpy(r + 8, &t, sizeof(t));
	}
	n = snprintf(marker, sizeof(marker), "<!--vnmd-splice-");
	for (i = 0; i < sizeof(r); i++)
		n += snprintf(marker + n, sizeof(marker) - (size_t)n, "%02x", r[i]);
	n += snprintf(marker + n, sizeof(marker) - (size_t)n, "-->");
	marker_len = (size_t)n;
}

const char *vnm_splice_marker(void)
{
	pthread_once(&marker_once, marker_init);
	return marker;
}

static int put(struct vnm_oframe *o, const char *p, size_t n)
{
	if (!n)
		return 0;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 65536;
		char *b;

		while (cap < o->len + n)
			cap *= 2;
		b = realloc(o->buf, cap);
		if (!b)
			return -1;
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

int vnm_oframe_flush(struct vnm_oframe *o)
{
	char h[32];
	int n;

	if (!o->len)
		return 0;
	if (o->st == OF_HDR || o->st == OF_DATA) {
		n = snprintf(h, sizeof(h), "\n#%zu\n", o->len);
		if (o->emit(o->arg, h, (size_t)n))
			return -1;
	}
	n = o->emit(o->arg, o->buf, o->len);
	o->len = 0;
	return n;
}

size_t vnm_splice_len(const struct vnm_splice *sp)
{
	size_t n = 0;
	unsigned i;

	for (i = 0; i < sp->n; i++)
		n += sp->len[i];
	return n;
}

void vnm_splice_free(struct vnm_splice *sp)
{
	if (!sp)
		return;
	if (sp->release)
		sp->release(sp->arg);
	free(sp);
}

/* The marker was seen: the registered data in its place. */
static int splice(struct vnm_oframe *o)
{
	struct vnm_splice *sp = o->take ? o->take(o->arg) : NULL;
	char h[32];
	size_t len;
	unsigned i;
	int st = o->st, n, rc = -1;

	if (!sp)
		return put(o, marker, marker_len);
	len = vnm_splice_len(sp);
	if (vnm_oframe_flush(o))
		goto out;
	if (len && (st == OF_HDR || st == OF_DATA)) {
		n = snprintf(h, sizeof(h), "\n#%zu\n", len);
		if (o->emit(o->arg, h, (size_t)n))
			goto out;
	}
	for (i = 0; i < sp->n; i++) {
		if (sp->len[i] && o->emit(o->arg, sp->part[i], sp->len[i]))
			goto out;
	}
	rc = 0;
out:
	vnm_splice_free(sp);
	return rc;
}

/* Content of a message: passed on, the marker replaced. */
static int content(struct vnm_oframe *o, const char *p, size_t n)
{
	const char *lt;

	while (n) {
		if (o->mk) {
			if (*p == marker[o->mk]) {
				p++;
				n--;
				if (++o->mk == marker_len) {
					o->mk = 0;
					if (splice(o))
						return -1;
				}
				continue;
			}
			/* '<' appears only first in the marker: what was held is
			 * content, and *p is looked at afresh */
			if (put(o, marker, o->mk))
				return -1;
			o->mk = 0;
		}
		lt = memchr(p, '<', n);
		if (!lt)
			return put(o, p, n);
		if (put(o, p, (size_t)(lt - p)))
			return -1;
		n -= (size_t)(lt - p) + 1;
		p = lt + 1;
		o->mk = 1;
	}
	return 0;
}

/* One byte of a chunk header; -1 when it cannot be one. */
static int hdr_byte(struct vnm_oframe *o, char c)
{
	char *end;

	if (o->hdr_len >= sizeof(o->hdr) - 1)
		return -1;
	o->hdr[o->hdr_len++] = c;
	o->hdr[o->hdr_len] = '\0';
	if ((o->hdr_len == 1 && c != '\n') || (o->hdr_len == 2 && c != '#'))
		return -1;
	if (o->hdr_len < 3 || c != '\n')
		return 0;
	o->hdr_len = 0;
	if (!strcmp(o->hdr, "\n##\n")) {
		/* end of the message: its content, then the end of chunks */
		if (o->mk && put(o, marker, o->mk))
			return -1;
		o->mk = 0;
		if (vnm_oframe_flush(o) || o->emit(o->arg, "\n##\n", 4))
			return -1;
		return 0;
	}
	o->left = strtoull(o->hdr + 2, &end, 10);
	if (*end != '\n' || !o->left)
		return -1;
	o->st = OF_DATA;
	return 0;
}

int vnm_oframe_feed(struct vnm_oframe *o, int version, const char *in, size_t n)
{
	static const char eom[] = "]]>]]>";
	size_t k;

	pthread_once(&marker_once, marker_init);
	while (n) {
		switch (o->st) {
		case OF_HELLO:
			/* the server's hello, end-of-message framed */
			for (k = 0; k < n && o->eom < 6; k++)
				o->eom = in[k] == eom[o->eom] ? o->eom + 1 : in[k] == ']';
			if (put(o, in, k))
				return -1;
			if (o->eom == 6)
				o->st = OF_READY;
			in += k;
			n -= k;
			break;
		case OF_READY:
			if (vnm_oframe_flush(o))
				return -1;
			o->st = version > 0 ? OF_HDR : version == 0 ? OF_EOM : OF_RAW;
			break;
		case OF_HDR:
			if (hdr_byte(o, *in))
				return -1;
			in++;
			n--;
			break;
		case OF_DATA:
			k = n < o->left ? n : (size_t)o->left;
			if (content(o, in, k))
				return -1;
			o->left -= k;
			in += k;
			n -= k;
			if (!o->left)
				o->st = OF_HDR;
			break;
		case OF_EOM:
			/* "]]>]]>" holds no '<': it passes as content */
			return content(o, in, n);
		default:
			return put(o, in, n);
		}
	}
	return 0;
}

void vnm_oframe_free(struct vnm_oframe *o)
{
	free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
}
