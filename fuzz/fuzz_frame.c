/*
 * fuzz_frame.c - libFuzzer target: the NETCONF gate's framing check
 * (netconf-server/frame.c), the code that stands between any client's
 * bytes and libnetconf2.
 *
 * Input: byte 0 picks the framing after the hello (bit 0: chunked) and
 * whether edits' <config> contents are set aside (bit 1; stash.h, with a
 * limit of 300 bytes and a fixed id, so that pieces and whole compare), and
 * byte 1 the size of the pieces the rest is fed in (1..256; 0: at once);
 * the rest is what a client sends, hello first.  The size limit is small
 * (600 bytes) so that the fuzzer reaches it.
 *
 * Besides crashes and UB, a run aborts when
 *   - feeding in pieces gives another result or other content than feeding
 *     at once (the chunks may differ: the parser frames what it passes),
 *   - what passed under end-of-message framing, or the content of what
 *     passed under chunked framing, is longer than what came in plus the
 *     namespaces nsfix.h may add,
 *   - what passed under chunked framing holds a chunk header that is not
 *     RFC 6242's ("\n#" 1-10 digits without a leading zero "\n", 1 to
 *     2^32-1) or a chunk beyond the limit, checked by a parser of its own
 *     below,
 *   - a message that passed under end-of-message framing is over the limit,
 *   - an error comes without a reason.
 *
 * The duplicate guard (dupguard.h) knows a few lists and a leaf-list and
 * lets 2 equal entries through, so that small inputs reach its limit.
 *
 *   build/fuzz/fuzz_frame CORPUS_DIR fuzz/seeds-frame -dict=fuzz/frame.dict
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

#define FUZZ_NAME "fuzz_frame"
#include "fuzz_assert.h"

#define MAX_MSG 600
/* what nsfix.h may add to a message, and the placeholder of stash.h */
#define FIX_MAX (VNM_NSFIX_MAX * VNM_NSFIX_INS_MAX + VNM_STASH_EMIT_MAX)

struct result {
	enum vnm_frame_rc rc;
	char *out;
	size_t out_len, taken;
	bool chunked;
	char why[sizeof(((struct vnm_frame *)0)->why)];
};

/* Feed in (len bytes) in pieces of step (0: at once), switching framing at
 * the hello as the gate does. */
static void fixed_id(char id[VNM_STASH_ID + 1])
{
	memset(id, 'f', VNM_STASH_ID);
	id[VNM_STASH_ID] = '\0';
}

static void run(const uint8_t *in, size_t len, size_t step, bool chunked, bool stash,
		struct result *r)
{
	struct vnm_frame f;
	size_t off = 0, n, o, used, cap = 8 * len + 4096;
	char *buf = malloc(len + VNM_FRAME_ROOM + 1);

	CHECK(buf && (r->out = malloc(cap)));
	vnm_frame_init(&f, MAX_MSG);
	r->rc = VNM_FRAME_MORE;
	r->out_len = 0;
	r->chunked = false;
	while (off < len) {
		n = step && len - off > step ? step : len - off;
		r->rc = vnm_frame_feed(&f, (const char *)in + off, n, buf, n + VNM_FRAME_ROOM, &o,
				       &used);
		CHECK(used <= n && (used || r->rc != VNM_FRAME_MORE));
		CHECK(r->out_len + o <= cap);
		memcpy(r->out + r->out_len, buf, o);
		r->out_len += o;
		off += used;
		if (r->rc == VNM_FRAME_HELLO) {
			vnm_frame_set_chunked(&f, chunked);
			f.sx.on = f.sx.room = stash;
			f.sx.limit = 300;
			f.sx.make_id = fixed_id;
			r->chunked = chunked;
			r->rc = VNM_FRAME_MORE;
			continue;
		}
		if (r->rc != VNM_FRAME_MORE)
			break;
	}
	r->taken = off;
	memcpy(r->why, f.why, sizeof(r->why));
	vnm_frame_free(&f);
	free(buf);
}

/* An own parser of RFC 6242 chunked framing over what passed after the
 * hello: every header valid, every message within the limit. */
static void check_chunks(const char *p, size_t len)
{
	size_t i = 0, msg = 0, k;
	uint64_t v;

	while (i < len) {
		CHECK(p[i] == '\n');
		if (i + 1 == len)
			return; /* the rest of the header is held back */
		CHECK(p[i + 1] == '#');
		if (i + 2 < len && p[i + 2] == '#') {
			CHECK(msg > 0);
			if (i + 3 < len)
				CHECK(p[i + 3] == '\n');
			msg = 0;
			i += 4;
			continue;
		}
		for (k = i + 2, v = 0; k < len && p[k] >= '0' && p[k] <= '9'; k++) {
			CHECK(k - (i + 2) < 10);
			v = v * 10 + (uint64_t)(p[k] - '0');
		}
		if (k == len)
			return;
		CHECK(k > i + 2 && p[i + 2] != '0' && p[k] == '\n');
		CHECK(v >= 1 && v <= 4294967295ULL);
		msg += v;
		CHECK(msg <= MAX_MSG + FIX_MAX);
		i = k + 1 + (size_t)v;
	}
}

/* The content of what passed after the hello, without chunk headers (in
 * place); its new length. */
static size_t unchunk(char *p, size_t len)
{
	size_t i = 0, o = 0, k;
	uint64_t v;

	while (i + 2 < len && p[i] == '\n' && p[i + 1] == '#') {
		if (p[i + 2] == '#') {
			memmove(p + o, "|", 1); /* message boundaries count too */
			o++;
			i += 4;
			continue;
		}
		for (k = i + 2, v = 0; k < len && p[k] >= '0' && p[k] <= '9'; k++)
			v = v * 10 + (uint64_t)(p[k] - '0');
		if (k >= len || v > len - k - 1)
			v = len > k + 1 ? len - k - 1 : 0;
		memmove(p + o, p + k + 1, (size_t)v);
		o += (size_t)v;
		i = k + 1 + (size_t)v;
	}
	return o;
}

/* The messages under end-of-message framing are within the limit. */
static void check_eom(const char *p, size_t len)
{
	const char *e;

	while (len && (e = memmem(p, len, "]]>]]>", 6))) {
		CHECK((size_t)(e - p) <= MAX_MSG + FIX_MAX);
		len -= (size_t)(e + 6 - p);
		p = e + 6;
	}
	CHECK(len <= MAX_MSG + FIX_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result whole, pieces;
	const char *hello_end;
	size_t step, hlen;
	bool chunked, stash;

	static const char *const nk[] = {"network-id"}, *const ab[] = {"a", "b"};
	static bool taught;

	if (!taught) {
		vnm_dupguard_teach("network", nk, 1);
		vnm_dupguard_teach("n", ab, 2);
		vnm_dupguard_teach("l", NULL, 0);
		vnm_dupguard_max = 2;
		taught = true;
	}
	if (size < 2)
		return 0;
	chunked = data[0] & 1;
	stash = data[0] & 2;
	step = data[1];
	data += 2;
	size -= 2;
	run(data, size, 0, chunked, stash, &whole);
	run(data, size, step, chunked, stash, &pieces);

	CHECK(whole.rc == pieces.rc);
	CHECK(whole.taken == pieces.taken);
	if (whole.rc == VNM_FRAME_ERROR)
		CHECK(whole.why[0] && !strcmp(whole.why, pieces.why));

	/* after the hello: the framing's own rules, and the same content
	 * whatever the pieces */
	hello_end = memmem(whole.out, whole.out_len, "]]>]]>", 6);
	if (hello_end) {
		size_t a, b;

		hlen = (size_t)(hello_end + 6 - whole.out);
		CHECK(hlen <= MAX_MSG + FIX_MAX + 6);
		CHECK(pieces.out_len >= hlen && !memcmp(whole.out, pieces.out, hlen));
		if (whole.chunked) {
			check_chunks(whole.out + hlen, whole.out_len - hlen);
			check_chunks(pieces.out + hlen, pieces.out_len - hlen);
			a = unchunk(whole.out + hlen, whole.out_len - hlen);
			b = unchunk(pieces.out + hlen, pieces.out_len - hlen);
		} else {
			check_eom(whole.out + hlen, whole.out_len - hlen);
			a = whole.out_len - hlen;
			b = pieces.out_len - hlen;
		}
		CHECK(a == b && !memcmp(whole.out + hlen, pieces.out + hlen, a));
	} else {
		CHECK(whole.out_len <= MAX_MSG + FIX_MAX + 5);
		CHECK(whole.out_len == pieces.out_len &&
		      !memcmp(whole.out, pieces.out, whole.out_len));
	}
	free(whole.out);
	free(pieces.out);
	return 0;
}
