/* test_frame.c - the NETCONF gate's framing check (netconf-server/frame.c):
 * the hello ends at "]]>]]>" and the rest waits; chunk headers valid and
 * not (zero, leading zero, letters, a sign, 11 digits, above 2^32-1, no
 * newline, end of chunks without a chunk); headers and "]]>]]>" split
 * across reads at every byte; the size limit in both framings; and what
 * goes through is byte for byte what came in; under end-of-message framing
 * a DOCTYPE in a message's prolog is refused, and nowhere else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <stdlib.h>

#include "frame.h"
#include "frame_util.h"

#define MAX 1000

struct run {
	enum vnm_frame_rc rc;
	char out[4096];
	size_t out_len;
	size_t used; /* of the last feed */
};

/* Feed s in pieces of step bytes (0: at once) until the end or a result
 * other than MORE; out collects what passed. */
static struct run feed(struct vnm_frame *f, const char *s, size_t len, size_t step)
{
	struct run r = {.rc = VNM_FRAME_MORE};
	char out[4096 + VNM_FRAME_ROOM];
	size_t off = 0, n, o;

	while (off < len) {
		n = step && len - off > step ? step : len - off;
		r.rc = vnm_frame_feed(f, s + off, n, out, n + VNM_FRAME_ROOM, &o, &r.used);
		assert_true(r.used <= n);
		assert_true(r.out_len + o <= sizeof(r.out));
		memcpy(r.out + r.out_len, out, o);
		r.out_len += o;
		off += r.used;
		if (r.rc != VNM_FRAME_MORE)
			break;
		assert_true(r.used > 0); /* fewer when out was short of room */
	}
	return r;
}

static void chunked(struct vnm_frame *f)
{
	vnm_frame_init(f, MAX);
	vnm_frame_set_chunked(f, true);
}

static void hello_ends_at_eom_and_the_rest_waits(void **state)
{
	static const char in[] = "<hello/>]]]>]]>\n#4\nabcd";
	struct vnm_frame f;
	struct run r;
	size_t step;

	(void)state;
	for (step = 0; step < 8; step++) {
		vnm_frame_init(&f, MAX);
		r = feed(&f, in, strlen(in), step);
		assert_int_equal(r.rc, VNM_FRAME_HELLO);
		/* "]]]>]]>": the first ']' is content, the match restarts */
		assert_int_equal(r.out_len, strlen("<hello/>]]]>]]>"));
		assert_memory_equal(r.out, "<hello/>]]]>]]>", r.out_len);
	}
	/* the rest, chunked */
	vnm_frame_init(&f, MAX);
	r = feed(&f, in, strlen(in), 0);
	vnm_frame_set_chunked(&f, true);
	r = feed(&f, in + r.used, strlen(in) - r.used, 0);
	assert_int_equal(r.rc, VNM_FRAME_MORE);
	assert_int_equal(r.out_len, 8);
	assert_memory_equal(r.out, "\n#4\nabcd", 8);
}

static void valid_chunks_pass_unchanged_at_every_split(void **state)
{
	static const char in[] = "\n#5\n<rpc>\n#1\n/\n#10\n0123456789\n##\n"
				 "\n#3\n]]>\n##\n";
	static const char content[] = "<rpc>/0123456789|]]>|";
	char got[sizeof(in)];
	struct vnm_frame f;
	struct run r;
	size_t step;

	(void)state;
	for (step = 0; step < 16; step++) {
		chunked(&f);
		r = feed(&f, in, strlen(in), step);
		assert_int_equal(r.rc, VNM_FRAME_MORE);
		/* re-framed (frame.h): the same content, the same messages */
		assert_int_equal(ut_unchunk(r.out, r.out_len, got, "|"), strlen(content));
		assert_memory_equal(got, content, strlen(content));
	}
	/* fed at once, the chunks go together */
	chunked(&f);
	r = feed(&f, in, strlen(in), 0);
	assert_int_equal(r.out_len, strlen("\n#16\n<rpc>/0123456789\n##\n\n#3\n]]>\n##\n"));
	assert_memory_equal(r.out, "\n#16\n<rpc>/0123456789\n##\n\n#3\n]]>\n##\n", r.out_len);
}

static void config_without_namespace_gets_one_and_a_true_size(void **state)
{
	static const char msg[] = "<nc:rpc xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
				  "<nc:edit-config><config/></nc:edit-config></nc:rpc>";
	char in[512], got[1024], *want = vnm_nsfix_string(msg);
	struct vnm_frame f;
	struct run r;
	size_t step, n;

	(void)state;
	assert_non_null(want);
	assert_true(strlen(want) > strlen(msg));
	n = (size_t)snprintf(in, sizeof(in), "\n#%zu\n%s\n##\n", strlen(msg), msg);
	for (step = 0; step < 24; step++) {
		chunked(&f);
		r = feed(&f, in, n, step);
		assert_int_equal(r.rc, VNM_FRAME_MORE);
		assert_int_equal(ut_unchunk(r.out, r.out_len, got, "|"), strlen(want) + 1);
		assert_memory_equal(got, want, strlen(want));
		/* and under end-of-message framing */
		vnm_frame_init(&f, MAX);
		vnm_frame_set_chunked(&f, false);
		snprintf(in, sizeof(in), "%s]]>]]>", msg);
		r = feed(&f, in, strlen(in), step);
		assert_int_equal(r.out_len, strlen(want) + 6);
		assert_memory_equal(r.out, want, strlen(want));
		n = (size_t)snprintf(in, sizeof(in), "\n#%zu\n%s\n##\n", strlen(msg), msg);
	}
	free(want);
}

static void header_held_until_whole(void **state)
{
	struct vnm_frame f;
	char out[256];
	size_t o, used;

	(void)state;
	chunked(&f);
	assert_int_equal(vnm_frame_feed(&f, "\n#12", 4, out, sizeof(out), &o, &used),
			 VNM_FRAME_MORE);
	assert_int_equal(o, 0); /* nothing of a header until its newline */
	assert_int_equal(vnm_frame_feed(&f, "\nab", 3, out, sizeof(out), &o, &used),
			 VNM_FRAME_MORE);
	/* the content so far, as a chunk of its own size */
	assert_int_equal(o, 6);
	assert_memory_equal(out, "\n#2\nab", 6);
}

static void bad_headers_refused(void **state)
{
	static const char *const bad[] = {
		"\n#0\n",           /* zero */
		"\n#abc\n",         /* letters */
		"\n#-5\n",          /* a sign */
		"\n#05\n",          /* leading zero */
		"\n#99999999999\n", /* 11 digits */
		"\n#4294967296\n",  /* above 2^32-1 */
		"\n#12<rpc/>",      /* no newline */
		"\n##\n",           /* end of chunks without a chunk */
		"#5\nhello",        /* no leading newline */
		"\n\n#5\n",         /* two */
		"\n#\n",            /* no size */
		" \n#5\n",          /* whitespace between messages */
	};
	struct vnm_frame f;
	struct run r;
	size_t i, step;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (step = 0; step < 3; step++) {
			chunked(&f);
			f.max_msg = (size_t)-1; /* only the syntax is at fault here */
			r = feed(&f, bad[i], strlen(bad[i]), step);
			if (r.rc != VNM_FRAME_ERROR)
				fail_msg("header %zu (\"%s\") accepted", i, bad[i]);
			assert_true(strlen(f.why) > 0);
			/* no byte of a bad header got through */
			assert_int_equal(r.out_len, 0);
		}
	}
	/* the largest legal size is a header, the limit aside */
	chunked(&f);
	f.max_msg = (size_t)-1;
	r = feed(&f, "\n#4294967295\n", 13, 0);
	assert_int_equal(r.rc, VNM_FRAME_MORE);
	assert_int_equal(r.out_len, 0); /* no content yet: no chunk */
}

static void end_of_chunks_after_a_chunk_then_a_bad_one(void **state)
{
	static const char in[] = "\n#2\nok\n##\n\n##\n";
	struct vnm_frame f;
	struct run r;

	(void)state;
	chunked(&f);
	r = feed(&f, in, strlen(in), 0);
	assert_int_equal(r.rc, VNM_FRAME_ERROR);
	assert_int_equal(r.out_len, 10); /* the good message passed */
	assert_non_null(strstr(f.why, "without a chunk"));
}

static void chunked_size_limit_at_the_header(void **state)
{
	struct vnm_frame f;
	struct run r;
	char msg[MAX + 32];

	(void)state;
	/* one chunk above the limit: refused before its data */
	chunked(&f);
	r = feed(&f, "\n#1001\n", 7, 0);
	assert_int_equal(r.rc, VNM_FRAME_ERROR);
	assert_int_equal(r.out_len, 0);
	assert_non_null(strstr(f.why, "1000"));
	/* the sum of the chunks counts: 600 + 401 > 1000 */
	chunked(&f);
	memset(msg, 'x', sizeof(msg));
	memcpy(msg, "\n#600\n", 6);
	r = feed(&f, msg, 606, 0);
	assert_int_equal(r.rc, VNM_FRAME_MORE);
	r = feed(&f, "\n#401\n", 6, 0);
	assert_int_equal(r.rc, VNM_FRAME_ERROR);
	/* exactly the limit is fine, and the count starts again per message */
	chunked(&f);
	r = feed(&f, "\n#600\n", 6, 0);
	r = feed(&f, msg + 6, 600, 0);
	r = feed(&f, "\n#400\n", 6, 0);
	assert_int_equal(r.rc, VNM_FRAME_MORE);
	r = feed(&f, msg + 6, 400, 0);
	r = feed(&f, "\n##\n\n#1000\n", 11, 0);
	assert_int_equal(r.rc, VNM_FRAME_MORE);
}

static void eom_size_limit_while_reading(void **state)
{
	struct vnm_frame f;
	struct run r;
	char *big = malloc(5000);
	size_t step;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 5000);
	for (step = 0; step < 300; step += 97) {
		/* after the hello, base:1.0: no "]]>]]>" in 1000 bytes */
		vnm_frame_init(&f, MAX);
		r = feed(&f, "<hello/>]]>]]>", 14, 0);
		assert_int_equal(r.rc, VNM_FRAME_HELLO);
		vnm_frame_set_chunked(&f, false);
		r = feed(&f, big, 1200, step);
		assert_int_equal(r.rc, VNM_FRAME_ERROR);
		assert_true(r.out_len <= MAX);
		assert_non_null(strstr(f.why, "]]>]]>"));
	}
	/* a hello that never ends is cut too */
	vnm_frame_init(&f, MAX);
	r = feed(&f, big, 5000, 0);
	assert_int_equal(r.rc, VNM_FRAME_ERROR);
	/* messages under the limit, one after another, pass whole */
	vnm_frame_init(&f, MAX);
	r = feed(&f, "<hello/>]]>]]>", 14, 0);
	vnm_frame_set_chunked(&f, false);
	memcpy(big + 700, "]]>]]>", 6);
	memcpy(big + 1400, "]]>]]>", 6);
	r = feed(&f, big, 1406, 7);
	assert_int_equal(r.rc, VNM_FRAME_MORE);
	assert_int_equal(r.out_len, 1406);
	free(big);
}

/* After a base:1.0 hello, feed msg in pieces of step; the result. */
static struct run eom_msg(const char *msg, size_t step)
{
	struct vnm_frame f;
	struct run r;

	vnm_frame_init(&f, MAX);
	r = feed(&f, "<hello/>]]>]]>", 14, 0);
	assert_int_equal(r.rc, VNM_FRAME_HELLO);
	vnm_frame_set_chunked(&f, false);
	return feed(&f, msg, strlen(msg), step);
}

static void eom_doctype_refused_in_the_prolog_only(void **state)
{
	static const char *const bad[] = {
		"<!DOCTYPE rpc [<!ENTITY x \"y\">]><rpc/>]]>]]>",
		"<?xml version=\"1.0\"?>\n<!DOCTYPE rpc><rpc/>]]>]]>",
		"  <!-- a -- comment ->--><?pi ?\?><!DOCTYPE rpc><rpc/>]]>]]>",
		/* the second message of a session as well as the first */
		"<rpc/>]]>]]><!DOCTYPE rpc><rpc/>]]>]]>",
	};
	static const char *const good[] = {
		"<rpc><x>&lt;!DOCTYPE</x></rpc>]]>]]>",
		"<rpc><![CDATA[<!DOCTYPE x>]]></rpc>]]>]]>",
		"<rpc><!-- <!DOCTYPE x> --></rpc>]]>]]>",
		"<!-- <!DOCTYPE x> --><rpc/>]]>]]>",
		"<?xml version=\"1.0\"?><!DOCTYP/>]]>]]>",
	};
	size_t i, step;
	struct run r;

	(void)state;
	for (step = 0; step < 8; step++) {
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			r = eom_msg(bad[i], step);
			assert_int_equal(r.rc, VNM_FRAME_ERROR);
			assert_true(r.out_len < strlen(bad[i]));
		}
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			r = eom_msg(good[i], step);
			assert_int_equal(r.rc, VNM_FRAME_MORE);
			assert_int_equal(r.out_len, strlen(good[i]));
			assert_memory_equal(r.out, good[i], r.out_len);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hello_ends_at_eom_and_the_rest_waits),
		cmocka_unit_test(valid_chunks_pass_unchanged_at_every_split),
		cmocka_unit_test(header_held_until_whole),
		cmocka_unit_test(config_without_namespace_gets_one_and_a_true_size),
		cmocka_unit_test(bad_headers_refused),
		cmocka_unit_test(end_of_chunks_after_a_chunk_then_a_bad_one),
		cmocka_unit_test(chunked_size_limit_at_the_header),
		cmocka_unit_test(eom_size_limit_while_reading),
		cmocka_unit_test(eom_doctype_refused_in_the_prolog_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
