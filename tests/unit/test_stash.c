/* test_stash.c - the gate's setting aside of an edit's <config> content
 * (netconf-server/stash.c), through the framing check that runs it
 * (frame.c): what libnetconf2 gets (the placeholder, the rest of the
 * message unchanged), what vnmd gets (the content, with the namespace
 * declarations it inherited), whatever the pieces the bytes come in; what
 * is passed on untouched (other operations, an empty <config>, too many
 * declarations); content past the limit; a message that ends inside its
 * <config>; the gate's "no more room" taken only where a content starts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "frame_util.h"

#define MAX 100000
#define BASE "urn:ietf:params:xml:ns:netconf:base:1.0"
#define NW "urn:ietf:params:xml:ns:yang:ietf-network"
#define ID "0123456789abcdef0123456789abcdef"
#define PH "<vnmd-stash xmlns=\"" VNM_STASH_NS "\" id=\"" ID "\"/>"

static void fixed_id(char id[VNM_STASH_ID + 1])
{
	strcpy(id, ID);
}

struct run {
	char out[8192];   /* what passed, unframed */
	size_t out_len;
	struct vnm_stash_item *items;
	enum vnm_frame_rc rc;
};

static void start(struct vnm_frame *f, bool chunked, size_t limit)
{
	vnm_frame_init(f, MAX);
	vnm_frame_set_chunked(f, chunked);
	f->sx.limit = limit;
	f->sx.on = true;
	f->sx.room = true;
	f->sx.make_id = fixed_id;
}

/* The messages msgs (each framed as f's framing wants) fed in pieces of
 * step bytes (0: at once); out holds what passed, without the framing. */
static struct run feed(bool chunked, size_t limit, const char *const *msgs, size_t n_msgs,
		       size_t step)
{
	static char in[65536], raw[65536];
	struct vnm_stash_item **tail;
	struct vnm_frame f;
	struct run r = {.rc = VNM_FRAME_MORE};
	size_t len = 0, off = 0, raw_len = 0, k, o, used;
	char *out = malloc(sizeof(in) + VNM_FRAME_ROOM);

	assert_non_null(out);
	for (size_t m = 0; m < n_msgs; m++)
		len += (size_t)snprintf(in + len, sizeof(in) - len,
					chunked ? "\n#%zu\n%s\n##\n" : "%.0zu%s]]>]]>",
					chunked ? strlen(msgs[m]) : (size_t)0, msgs[m]);
	start(&f, chunked, limit);
	tail = &r.items;
	while (off < len) {
		k = step && len - off > step ? step : len - off;
		r.rc = vnm_frame_feed(&f, in + off, k, out, k + VNM_FRAME_ROOM, &o, &used);
		assert_true(raw_len + o <= sizeof(raw));
		memcpy(raw + raw_len, out, o);
		raw_len += o;
		off += used;
		*tail = vnm_stash_take_done(&f.sx);
		while (*tail)
			tail = &(*tail)->next;
		if (r.rc != VNM_FRAME_MORE)
			break;
		assert_true(used > 0);
	}
	if (chunked) {
		r.out_len = ut_unchunk(raw, raw_len, r.out, "");
	} else {
		memcpy(r.out, raw, raw_len);
		r.out_len = raw_len;
	}
	r.out[r.out_len] = '\0';
	vnm_frame_free(&f);
	free(out);
	return r;
}

static const size_t steps[] = {0, 1, 2, 3, 7, 64};

/* One message in both framings at every step: what libnetconf2 gets is
 * want_out (with "]]>]]>" under end-of-message framing); the content
 * set aside is want_stash (NULL: none). */
static void check_one(const char *msg, const char *want_out, const char *want_stash)
{
	char eom[8192];

	for (int ch = 0; ch < 2; ch++) {
		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			struct run r = feed(ch, 1 << 20, &msg, 1, steps[s]);

			assert_int_equal(r.rc, VNM_FRAME_MORE);
			snprintf(eom, sizeof(eom), "%s%s", want_out, ch ? "" : "]]>]]>");
			assert_string_equal(r.out, eom);
			if (!want_stash) {
				assert_null(r.items);
				continue;
			}
			assert_non_null(r.items);
			assert_null(r.items->next);
			assert_string_equal(r.items->id, ID);
			assert_false(r.items->too_big);
			assert_string_equal(r.items->xml, want_stash);
			assert_int_equal(r.items->len, strlen(want_stash));
			vnm_stash_list_free(r.items);
		}
	}
}

static void ncclient_style_prefixes_are_inherited(void **state)
{
	/* ncclient: nc: declared on <rpc>, used in nc:operation inside */
	static const char msg[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		"<nc:rpc xmlns:nc=\"" BASE "\" message-id=\"urn:uuid:1\"><nc:edit-config>"
		"<nc:target><nc:running/></nc:target>"
		"<nc:config><networks xmlns=\"" NW "\"><network nc:operation=\"create\">"
		"<network-id>a</network-id></network></networks></nc:config>"
		"</nc:edit-config></nc:rpc>";
	static const char out[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		"<nc:rpc xmlns:nc=\"" BASE "\" message-id=\"urn:uuid:1\"><nc:edit-config>"
		"<nc:target><nc:running/></nc:target>"
		"<nc:config>" PH "</nc:config></nc:edit-config></nc:rpc>";
	static const char stash[] =
		"<networks xmlns=\"" NW "\" xmlns:nc=\"" BASE "\"><network nc:operation=\"create\">"
		"<network-id>a</network-id></network></networks>";

	(void)state;
	check_one(msg, out, stash);
}

static void own_declarations_win_and_every_top_element_inherits(void **state)
{
	/* the default namespace of <rpc> and a prefix redeclared on
	 * <config> (the innermost counts); the first top-level element
	 * declares both itself, the second neither, the third is empty */
	static const char msg[] =
		"<rpc xmlns=\"" BASE "\" xmlns:p='urn:a' message-id=\"2\"><edit-config>"
		"<target><running/></target><config xmlns:p=\"urn:b\">"
		"<x xmlns=\"urn:x\" xmlns:p=\"urn:c\"><y/></x>\n"
		"<z><w p:a=\"1\"/></z><e/>"
		"</config></edit-config></rpc>";
	static const char out[] =
		"<rpc xmlns=\"" BASE "\" xmlns:p='urn:a' message-id=\"2\"><edit-config>"
		"<target><running/></target><config xmlns:p=\"urn:b\">" PH
		"</config></edit-config></rpc>";
	static const char stash[] =
		"<x xmlns=\"urn:x\" xmlns:p=\"urn:c\"><y/></x>\n"
		"<z xmlns=\"" BASE "\" xmlns:p=\"urn:b\"><w p:a=\"1\"/></z>"
		"<e xmlns=\"" BASE "\" xmlns:p=\"urn:b\"/>";

	(void)state;
	check_one(msg, out, stash);
}

static void markup_that_looks_like_the_end_stays_inside(void **state)
{
	/* </config> in a comment, a CDATA section, a processing instruction
	 * and an attribute value; "/>" and '>' in values */
	static const char msg[] =
		"<rpc xmlns=\"" BASE "\"><edit-config><target><running/></target><config>"
		"<a xmlns=\"urn:a\" v=\"</config>/>\" w='>'><!-- </config> -->"
		"<![CDATA[</config>]]><?pi </config>?>t</a>"
		"</config></edit-config></rpc>";
	static const char out[] =
		"<rpc xmlns=\"" BASE "\"><edit-config><target><running/></target><config>" PH
		"</config></edit-config></rpc>";
	static const char stash[] =
		"<a xmlns=\"urn:a\" v=\"</config>/>\" w='>'><!-- </config> -->"
		"<![CDATA[</config>]]><?pi </config>?>t</a>";

	(void)state;
	check_one(msg, out, stash);
}

static void edit_data_is_set_aside_too(void **state)
{
	static const char msg[] =
		"<rpc xmlns=\"" BASE "\"><edit-data xmlns=\"urn:ietf:params:xml:ns:yang:"
		"ietf-netconf-nmda\" xmlns:ds=\"urn:ietf:params:xml:ns:yang:ietf-datastores\">"
		"<datastore>ds:running</datastore><config><a xmlns=\"urn:a\"/></config>"
		"</edit-data></rpc>";
	static const char out[] =
		"<rpc xmlns=\"" BASE "\"><edit-data xmlns=\"urn:ietf:params:xml:ns:yang:"
		"ietf-netconf-nmda\" xmlns:ds=\"urn:ietf:params:xml:ns:yang:ietf-datastores\">"
		"<datastore>ds:running</datastore><config>" PH "</config></edit-data></rpc>";
	static const char stash[] =
		"<a xmlns=\"urn:a\" xmlns:ds=\"urn:ietf:params:xml:ns:yang:ietf-datastores\"/>";

	(void)state;
	check_one(msg, out, stash);
}

static void other_messages_pass_untouched(void **state)
{
	static const char *const msgs[] = {
		/* not an edit */
		"<rpc xmlns=\"" BASE "\"><copy-config><target><running/></target><source>"
		"<config><a xmlns=\"urn:a\"/></config></source></copy-config></rpc>",
		"<rpc xmlns=\"" BASE "\"><get-config><source><running/></source>"
		"<filter><config/></filter></get-config></rpc>",
		/* an edit-config, a config, in another namespace */
		"<rpc xmlns=\"" BASE "\"><edit-config xmlns=\"urn:other\"><config><a/></config>"
		"</edit-config></rpc>",
		"<rpc xmlns=\"" BASE "\"><edit-config><config xmlns=\"urn:o\"><a/></config>"
		"</edit-config></rpc>",
		/* an <rpc> in another namespace, a <config> deeper down */
		"<rpc xmlns=\"urn:o\"><edit-config><config><a/></config></edit-config></rpc>",
		"<rpc xmlns=\"" BASE "\"><edit-config><target><config><a/></config></target>"
		"</edit-config></rpc>",
		/* an empty config has nothing to set aside */
		"<rpc xmlns=\"" BASE "\"><edit-config><target><running/></target><config/>"
		"</edit-config></rpc>",
		"<hello xmlns=\"" BASE "\"><capabilities/></hello>",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		check_one(msgs[i], msgs[i], NULL);
}

static void too_many_declarations_pass_untouched(void **state)
{
	char msg[4096], *p = msg;
	char longuri[VNM_STASH_URI + 10];

	(void)state;
	p += sprintf(p, "<rpc xmlns=\"" BASE "\"");
	for (int i = 0; i < VNM_STASH_DECLS; i++)
		p += sprintf(p, " xmlns:p%d=\"urn:%d\"", i, i);
	sprintf(p, "><edit-config><config><a xmlns=\"urn:a\"/></config></edit-config></rpc>");
	check_one(msg, msg, NULL);
	/* one fewer: set aside */
	sprintf(strstr(msg, " xmlns:p15"), "><edit-config><config><a xmlns=\"urn:a\"/></config>"
					   "</edit-config></rpc>");
	{
		struct run r = feed(true, 1 << 20, (const char *const[]){msg}, 1, 0);

		assert_non_null(r.items);
		assert_non_null(strstr(r.items->xml, " xmlns:p14=\"urn:14\""));
		vnm_stash_list_free(r.items);
	}
	/* a namespace longer than the scanner follows */
	memset(longuri, 'u', sizeof(longuri) - 1);
	longuri[sizeof(longuri) - 1] = '\0';
	snprintf(msg, sizeof(msg), "<rpc xmlns=\"" BASE "\" xmlns:l=\"%s\"><edit-config>"
		 "<config><a xmlns=\"urn:a\"/></config></edit-config></rpc>", longuri);
	check_one(msg, msg, NULL);
}

static void content_past_the_limit_is_counted_not_kept(void **state)
{
	static const char *msg = "<rpc xmlns=\"" BASE "\"><edit-config><config>"
				 "<a xmlns=\"urn:a\">0123456789012345678901234567890123456789</a>"
				 "</config></edit-config></rpc>";
	size_t content = strlen("<a xmlns=\"urn:a\">0123456789012345678901234567890123456789</a>");

	(void)state;
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct run r = feed(true, 40, &msg, 1, steps[s]);

		assert_non_null(r.items);
		assert_true(r.items->too_big);
		assert_null(r.items->xml);
		assert_int_equal(r.items->len, content);
		assert_non_null(strstr(r.out, PH "</config>"));
		vnm_stash_list_free(r.items);
	}
}

static void two_messages_two_contents_in_order(void **state)
{
	static const char *const msgs[] = {
		"<rpc xmlns=\"" BASE "\"><edit-config><config><a xmlns=\"urn:a\"/></config>"
		"</edit-config></rpc>",
		"<rpc xmlns=\"" BASE "\"><get/></rpc>",
		"<rpc xmlns=\"" BASE "\"><edit-config><config><b xmlns=\"urn:b\"/></config>"
		"</edit-config></rpc>",
	};

	(void)state;
	for (int ch = 0; ch < 2; ch++) {
		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			struct run r = feed(ch, 1 << 20, msgs, 3, steps[s]);

			assert_non_null(r.items);
			assert_non_null(r.items->next);
			assert_null(r.items->next->next);
			assert_string_equal(r.items->xml, "<a xmlns=\"urn:a\"/>");
			assert_string_equal(r.items->next->xml, "<b xmlns=\"urn:b\"/>");
			assert_non_null(strstr(r.out, "<get/>"));
			vnm_stash_list_free(r.items);
		}
	}
}

static void a_message_ending_inside_config_still_ends(void **state)
{
	/* the end-of-message delimiter reaches libnetconf2 (which refuses
	 * the message), and the next message is read as before */
	static const char *const msgs[] = {
		"<rpc xmlns=\"" BASE "\"><edit-config><config><a xmlns=\"urn:a\">",
		"<rpc xmlns=\"" BASE "\"><get/></rpc>",
	};
	static const char want_eom[] = "<rpc xmlns=\"" BASE "\"><edit-config><config>]]>]]>"
				       "<rpc xmlns=\"" BASE "\"><get/></rpc>]]>]]>";
	static const char want_ch[] = "<rpc xmlns=\"" BASE "\"><edit-config><config>"
				      "<rpc xmlns=\"" BASE "\"><get/></rpc>";
	/* the delimiter's first bytes cannot end the start tag of <config>
	 * (they read as an attribute's name): nothing is set aside */
	static const char *const split[] = {"<rpc xmlns=\"" BASE "\"><edit-config><config a=\"1\"]]"};

	(void)state;
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct run r = feed(false, 1 << 20, msgs, 2, steps[s]);

		assert_null(r.items);
		assert_string_equal(r.out, want_eom);
		r = feed(true, 1 << 20, msgs, 2, steps[s]);
		assert_null(r.items);
		assert_string_equal(r.out, want_ch);
		r = feed(false, 1 << 20, split, 1, steps[s]);
		assert_null(r.items);
		assert_string_equal(r.out, "<rpc xmlns=\"" BASE "\"><edit-config><config a=\"1\"]]]]>]]>");
	}
}

static void a_wrong_end_tag_reaches_libnetconf2(void **state)
{
	/* malformed: the scanner counts elements, libnetconf2 sees the
	 * end tag that closed them */
	static const char msg[] = "<rpc xmlns=\"" BASE "\"><edit-config><config><a xmlns=\"urn:a\"/>"
				  "</x></edit-config></rpc>";
	static const char out[] = "<rpc xmlns=\"" BASE "\"><edit-config><config>" PH
				  "</x></edit-config></rpc>";

	(void)state;
	check_one(msg, out, "<a xmlns=\"urn:a\"/>");
}

static void no_room_is_decided_where_a_content_would_start(void **state)
{
	/* the gate says "no room" halfway through a content: that content
	 * is set aside whole, the next message's passes on as it came */
	static const char m1[] = "<rpc xmlns=\"" BASE "\"><edit-config><config><a xmlns=\"urn:a\"/>"
				 "<b xmlns=\"urn:b\"/></config></edit-config></rpc>";
	static const char m2[] = "<rpc xmlns=\"" BASE "\"><edit-config><config><c xmlns=\"urn:c\"/>"
				 "</config></edit-config></rpc>";
	char in[1024], out[2048], got[2048];
	struct vnm_stash_item *it;
	struct vnm_frame f;
	size_t len, half, o1, o2 = 0, u;

	(void)state;
	len = (size_t)snprintf(in, sizeof(in), "%s]]>]]>%s]]>]]>", m1, m2);
	half = strstr(in, "<b ") - in;
	start(&f, false, 1 << 20);
	assert_int_equal(vnm_frame_feed(&f, in, half, out, half + VNM_FRAME_ROOM, &o1, &u),
			 VNM_FRAME_MORE);
	assert_int_equal(u, half);
	f.sx.room = false;
	for (size_t off = half; off < len; off += u, o1 += o2) {
		/* (out may run short of room: the rest comes in the next call) */
		assert_int_equal(vnm_frame_feed(&f, in + off, len - off, out + o1,
						len - off + VNM_FRAME_ROOM, &o2, &u),
				 VNM_FRAME_MORE);
		assert_true(u > 0);
	}
	out[o1] = '\0';
	snprintf(got, sizeof(got), "<rpc xmlns=\"" BASE "\"><edit-config><config>" PH
		 "</config></edit-config></rpc>]]>]]>%s]]>]]>", m2);
	assert_string_equal(out, got);
	it = vnm_stash_take_done(&f.sx);
	assert_non_null(it);
	assert_null(it->next);
	assert_string_equal(it->xml, "<a xmlns=\"urn:a\"/><b xmlns=\"urn:b\"/>");
	vnm_stash_list_free(it);
	vnm_frame_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ncclient_style_prefixes_are_inherited),
		cmocka_unit_test(own_declarations_win_and_every_top_element_inherits),
		cmocka_unit_test(markup_that_looks_like_the_end_stays_inside),
		cmocka_unit_test(edit_data_is_set_aside_too),
		cmocka_unit_test(other_messages_pass_untouched),
		cmocka_unit_test(too_many_declarations_pass_untouched),
		cmocka_unit_test(content_past_the_limit_is_counted_not_kept),
		cmocka_unit_test(two_messages_two_contents_in_order),
		cmocka_unit_test(a_message_ending_inside_config_still_ends),
		cmocka_unit_test(a_wrong_end_tag_reaches_libnetconf2),
		cmocka_unit_test(no_room_is_decided_where_a_content_would_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
