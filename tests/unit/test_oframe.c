/* test_oframe.c - libnetconf2's output on its way through the gate
 * (netconf-server/oframe.c): the hello passes as it came; under chunked
 * framing the content of what one batch held goes out as one chunk and
 * message ends stay where they were; the splice marker is replaced by the
 * registered text (handed over in three parts, let go once), also when it is
 * cut across reads at any byte and across libnetconf2's chunks; without a registered text, and under end-of-message
 * framing, what passes is what came; a broken chunk header is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oframe.h"

#define HELLO "<hello><session-id>1</session-id></hello>]]>]]>"

struct sink {
	char out[1 << 16];
	size_t len;
	const char *text;   /* what take hands over, once */
	int takes;
	int released;
};

static int emit(void *arg, const char *buf, size_t n)
{
	struct sink *k = arg;

	assert_true(k->len + n < sizeof(k->out));
	memcpy(k->out + k->len, buf, n);
	k->len += n;
	k->out[k->len] = '\0';
	return 0;
}

static void release(void *arg)
{
	struct sink *k = arg;

	k->released++;
}

/* The text in three parts: its first 3 bytes, the middle, its last 2. */
static struct vnm_splice *take(void *arg)
{
	struct sink *k = arg;
	struct vnm_splice *sp;
	size_t n;

	k->takes++;
	if (!k->text)
		return NULL;
	n = strlen(k->text);
	assert_true(n >= 5);
	sp = calloc(1, sizeof(*sp));
	assert_non_null(sp);
	*sp = (struct vnm_splice){
		.part = {k->text, k->text + 3, k->text + n - 2},
		.len = {3, n - 5, 2},
		.n = 3,
		.release = release,
		.arg = k,
	};
	k->text = NULL;
	return sp;
}

/* Feed s in pieces of step bytes (0: at once), one flush per piece. */
static int run(struct sink *k, int version, const char *s, size_t step)
{
	struct vnm_oframe o = {.emit = emit, .take = take, .arg = k};
	size_t off = 0, len = strlen(s), n;
	int rc = 0;

	while (off < len && !rc) {
		n = step && len - off > step ? step : len - off;
		rc = vnm_oframe_feed(&o, version, s + off, n);
		if (!rc)
			rc = vnm_oframe_flush(&o);
		off += n;
	}
	vnm_oframe_free(&o);
	return rc;
}

/* The content of chunked framing s, chunk headers gone; the number of
 * chunks in *chunks; NULL when s is not well framed. */
static char *dechunk(const char *s, int *chunks)
{
	static char out[1 << 16];
	size_t o = 0;
	char *end;
	unsigned long n;

	*chunks = 0;
	while (*s) {
		if (!strncmp(s, "\n##\n", 4)) {
			memcpy(out + o, "|END|", 5);
			o += 5;
			s += 4;
			continue;
		}
		if (strncmp(s, "\n#", 2))
			return NULL;
		n = strtoul(s + 2, &end, 10);
		if (*end != '\n' || !n || strlen(end + 1) < n)
			return NULL;
		memcpy(out + o, end + 1, n);
		o += n;
		s = end + 1 + n;
		(*chunks)++;
	}
	out[o] = '\0';
	return out;
}

static void test_hello_passes_and_chunks_merge(void **state)
{
	const char *in = HELLO "\n#5\n<rpc-\n#7\nreply/>\n##\n\n#4\n<a/>\n##\n";
	struct sink k = {0};
	int chunks;
	char *c;

	(void)state;
	assert_int_equal(run(&k, 1, in, 0), 0);
	assert_memory_equal(k.out, HELLO, strlen(HELLO));
	c = dechunk(k.out + strlen(HELLO), &chunks);
	assert_non_null(c);
	assert_string_equal(c, "<rpc-reply/>|END|<a/>|END|");
	assert_int_equal(chunks, 2);
}

static void test_marker_spliced_at_every_cut(void **state)
{
	char in[2048], want[1024];
	const char *m = vnm_splice_marker();
	size_t step;
	int chunks;
	char *c;

	(void)state;
	/* the marker cut by one of libnetconf2's chunk headers too */
	snprintf(in, sizeof(in), HELLO "\n#%zu\n<rpc-reply><data>%.10s\n#%zu\n%s</data></rpc-reply>\n##\n",
		 strlen("<rpc-reply><data>") + 10, m, strlen(m) - 10 + strlen("</data></rpc-reply>"),
		 m + 10);
	snprintf(want, sizeof(want), "<rpc-reply><data><x>&lt;big</x></data></rpc-reply>|END|");
	for (step = 0; step < 90; step++) {
		struct sink k = {.text = "<x>&lt;big</x>"};

		assert_int_equal(run(&k, 1, in, step), 0);
		c = dechunk(k.out + strlen(HELLO), &chunks);
		assert_non_null(c);
		assert_string_equal(c, want);
		assert_int_equal(k.takes, 1);
		assert_int_equal(k.released, 1);
	}
}

static void test_without_text_or_marker_content_is_unchanged(void **state)
{
	char in[1024], want[512];
	const char *m = vnm_splice_marker();
	struct sink k = {0};
	int chunks;

	(void)state;
	snprintf(want, sizeof(want), "<a><!--x-->%s<<</a>", m);
	snprintf(in, sizeof(in), HELLO "\n#%zu\n%s\n##\n", strlen(want), want);
	strcat(want, "|END|");
	assert_int_equal(run(&k, 1, in, 3), 0);
	assert_string_equal(dechunk(k.out + strlen(HELLO), &chunks), want);
	assert_int_equal(k.takes, 1);
}

static void test_end_of_message_framing(void **state)
{
	char in[1024], want[1024];
	const char *m = vnm_splice_marker();
	size_t step;

	(void)state;
	snprintf(in, sizeof(in), HELLO "<rpc-reply><data>%s</data></rpc-reply>]]>]]>", m);
	snprintf(want, sizeof(want), HELLO "<rpc-reply><data><n>1</n></data></rpc-reply>]]>]]>");
	for (step = 0; step < 40; step++) {
		struct sink k = {.text = "<n>1</n>"};

		assert_int_equal(run(&k, 0, in, step), 0);
		assert_string_equal(k.out, want);
		assert_int_equal(k.released, 1);
	}
}

static void test_bad_chunk_header_refused(void **state)
{
	struct sink k = {0};

	(void)state;
	assert_int_equal(run(&k, 1, HELLO "\n#0\n", 0), -1);
	k.len = 0;
	assert_int_equal(run(&k, 1, HELLO "\n#x\n", 0), -1);
	k.len = 0;
	assert_int_equal(run(&k, 1, HELLO "<rpc-reply/>", 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_passes_and_chunks_merge),
		cmocka_unit_test(test_marker_spliced_at_every_cut),
		cmocka_unit_test(test_without_text_or_marker_content_is_unchanged),
		cmocka_unit_test(test_end_of_message_framing),
		cmocka_unit_test(test_bad_chunk_header_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
