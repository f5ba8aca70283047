/* test_notif_log.c - the replay log (netconf-server/notif_log.c): the bound
 * in events and in bytes keeps the newest and notes the aged time; what was
 * appended is there after reopening; a torn last record is dropped and cut
 * from the file; the file is rewritten within about twice the bound; a
 * file that is no log starts a new one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notif_log.h"

static char dir[] = "/tmp/vnmt-nlog.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char p[256];

	(void)state;
	snprintf(p, sizeof(p), "%s/notifications.log", dir);
	unlink(p);
	rmdir(dir);
	return 0;
}

static void path(char *p, size_t n)
{
	snprintf(p, n, "%s/notifications.log", dir);
}

static void fresh(void)
{
	char p[256];

	path(p, sizeof(p));
	unlink(p);
}

/* The i-th event's time: one second apart from 2026-01-01. */
static void when(int i, char *out, size_t n)
{
	snprintf(out, n, "2026-01-01T00:%02d:%02dZ", i / 60, i % 60);
}

static void add(struct vnm_nlog *l, int i)
{
	char t[40], x[64];

	when(i, t, sizeof(t));
	snprintf(x, sizeof(x), "<e xmlns=\"urn:x\"><i>%d</i></e>", i);
	vnm_nlog_append(l, t, x);
}

/* The number in the j-th record's XML, read back as a replay reads it
 * (from fd, or the log's own file when fd < 0); checks its time as well. */
static int rec_i_from(const struct vnm_nlog *l, const struct vnm_nlog_rec *r, int fd)
{
	char *time, *xml, t[40];
	int i = -1;

	assert_int_equal(vnm_nlog_read(fd >= 0 ? fd : l->fd, r, &time, &xml), 0);
	sscanf(xml, "<e xmlns=\"urn:x\"><i>%d", &i);
	when(i, t, sizeof(t));
	assert_string_equal(time, t);
	free(time);
	free(xml);
	return i;
}

static int rec_i(const struct vnm_nlog *l, size_t j)
{
	return rec_i_from(l, vnm_nlog_at(l, j), -1);
}

static int first_i(const struct vnm_nlog *l)
{
	return rec_i(l, 0);
}

static void bound_in_events_keeps_the_newest(void **state)
{
	struct vnm_nlog l;
	struct vnm_err err;
	char t[40];
	int i;

	(void)state;
	fresh();
	assert_int_equal(vnm_nlog_open(&l, dir, 5, 1 << 20, &err), 0);
	assert_string_equal(l.aged, "");
	for (i = 0; i < 12; i++)
		add(&l, i);
	assert_int_equal(l.n, 5);
	assert_int_equal(first_i(&l), 7);
	when(6, t, sizeof(t));
	assert_string_equal(l.aged, t);
	vnm_nlog_close(&l);
	/* after reopening: the same five, the same aged time */
	assert_int_equal(vnm_nlog_open(&l, dir, 5, 1 << 20, &err), 0);
	assert_int_equal(l.n, 5);
	assert_int_equal(first_i(&l), 7);
	assert_string_equal(l.aged, t);
	vnm_nlog_close(&l);
}

static void bound_in_bytes(void **state)
{
	struct vnm_nlog l;
	struct vnm_err err;
	size_t one;
	int i;

	(void)state;
	fresh();
	one = strlen("<e xmlns=\"urn:x\"><i>10</i></e>");
	assert_int_equal(vnm_nlog_open(&l, dir, 1000, 3 * one, &err), 0);
	for (i = 10; i < 40; i++)
		add(&l, i);
	assert_int_equal(l.n, 3);
	assert_int_equal(first_i(&l), 37);
	assert_true(l.bytes <= 3 * one);
	vnm_nlog_close(&l);
}

static void the_file_stays_bounded(void **state)
{
	struct vnm_nlog l;
	struct vnm_err err;
	struct stat st;
	char p[256];
	int i;

	(void)state;
	fresh();
	path(p, sizeof(p));
	assert_int_equal(vnm_nlog_open(&l, dir, 10, 1 << 20, &err), 0);
	for (i = 0; i < 500; i++) {
		add(&l, i % 3600);
		assert_int_equal(stat(p, &st), 0);
		/* two bounds of records of about 55 bytes, and a header */
		assert_true(st.st_size < 2 * 10 * 70 + 200);
		/* and what the index says is where it says, after each rewrite */
		assert_int_equal(rec_i(&l, 0), i < 10 ? 0 : i - 9);
		assert_int_equal(rec_i(&l, l.n - 1), i);
	}
	/* memory holds the index, the XML is in the file */
	assert_null(vnm_nlog_at(&l, 0)->mem);
	vnm_nlog_close(&l);
	/* reopened: the same ten, read back from the rewritten file */
	assert_int_equal(vnm_nlog_open(&l, dir, 10, 1 << 20, &err), 0);
	assert_int_equal(l.n, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(rec_i(&l, (size_t)i), 490 + i);
	vnm_nlog_close(&l);
}

static void a_torn_record_is_dropped(void **state)
{
	struct vnm_nlog l;
	struct vnm_err err;
	char p[256], *text;
	FILE *f;
	long size;

	(void)state;
	fresh();
	path(p, sizeof(p));
	assert_int_equal(vnm_nlog_open(&l, dir, 10, 1 << 20, &err), 0);
	add(&l, 1);
	add(&l, 2);
	vnm_nlog_close(&l);
	f = fopen(p, "a");
	assert_non_null(f);
	fputs("300 2026-01-01T00:00:03Z\n<e xmlns=\"urn:x\"><i>3</i>", f);
	fclose(f);
	assert_int_equal(vnm_nlog_open(&l, dir, 10, 1 << 20, &err), 0);
	assert_int_equal(l.n, 2);
	add(&l, 4);
	vnm_nlog_close(&l);
	/* the file holds whole records only: 1, 2, 4 */
	assert_int_equal(vnm_nlog_open(&l, dir, 10, 1 << 20, &err), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(rec_i(&l, 2), 4);
	vnm_nlog_close(&l);
	f = fopen(p, "r");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	text = calloc(1, (size_t)size + 1);
	fseek(f, 0, SEEK_SET);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	assert_null(strstr(text, "<i>3</i>"));
	free(text);
}

/* A replay copies the index of what it will send and a reader: the log
 * may age those events out and rewrite its file meanwhile. */
static void a_reader_outlives_rewrites(void **state)
{
	struct vnm_nlog_rec copy[5];
	struct vnm_nlog l;
	struct vnm_err err;
	int fd, i;

	(void)state;
	fresh();
	assert_int_equal(vnm_nlog_open(&l, dir, 5, 1 << 20, &err), 0);
	for (i = 0; i < 5; i++)
		add(&l, i);
	fd = vnm_nlog_reader(&l);
	assert_true(fd >= 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(vnm_nlog_rec_copy(&copy[i], vnm_nlog_at(&l, (size_t)i)), 0);
	for (i = 5; i < 40; i++) /* several rewrites: none of 0-4 is left */
		add(&l, i);
	assert_int_equal(first_i(&l), 35);
	for (i = 0; i < 5; i++) {
		assert_int_equal(rec_i_from(&l, &copy[i], fd), i);
		vnm_nlog_rec_free(&copy[i]);
	}
	close(fd);
	vnm_nlog_close(&l);
}

/* Without a file the copies carry the XML themselves. */
static void memory_only_copies(void **state)
{
	struct vnm_nlog_rec copy;
	struct vnm_nlog l;
	struct vnm_err err;

	(void)state;
	assert_int_equal(vnm_nlog_open(&l, NULL, 2, 1 << 20, &err), 0);
	add(&l, 7);
	assert_int_equal(vnm_nlog_reader(&l), -1);
	assert_int_equal(vnm_nlog_rec_copy(&copy, vnm_nlog_at(&l, 0)), 0);
	add(&l, 8);
	add(&l, 9);
	assert_int_equal(rec_i_from(&l, &copy, -1), 7);
	vnm_nlog_rec_free(&copy);
	vnm_nlog_close(&l);
}

static void not_a_log_starts_anew(void **state)
{
	struct vnm_nlog l;
	struct vnm_err err;
	char p[256];
	FILE *f;

	(void)state;
	fresh();
	path(p, sizeof(p));
	f = fopen(p, "w");
	fputs("something else\n", f);
	fclose(f);
	assert_int_equal(vnm_nlog_open(&l, dir, 10, 1 << 20, &err), 0);
	assert_int_equal(l.n, 0);
	assert_true(l.created[0] != '\0');
	vnm_nlog_close(&l);
}

static void memory_only(void **state)
{
	struct vnm_nlog l;
	struct vnm_err err;
	struct timespec a, b;

	(void)state;
	assert_int_equal(vnm_nlog_open(&l, NULL, 2, 1 << 20, &err), 0);
	add(&l, 1);
	add(&l, 2);
	add(&l, 3);
	assert_int_equal(l.n, 2);
	assert_int_equal(rec_i(&l, 0), 2);
	assert_int_equal(rec_i(&l, 1), 3);
	a = vnm_nlog_at(&l, 0)->t;
	b = vnm_nlog_at(&l, 1)->t;
	assert_int_equal(vnm_nlog_cmp(&a, &b), -1);
	vnm_nlog_close(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bound_in_events_keeps_the_newest),
		cmocka_unit_test(bound_in_bytes),
		cmocka_unit_test(the_file_stays_bounded),
		cmocka_unit_test(a_torn_record_is_dropped),
		cmocka_unit_test(a_reader_outlives_rewrites),
		cmocka_unit_test(memory_only_copies),
		cmocka_unit_test(not_a_log_starts_anew),
		cmocka_unit_test(memory_only),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
