/*
 * fuzz_rows.c - libFuzzer target: VNMD-MIB rows (snmp-agent/rows.h) from a
 * sequence of core snapshots made from the input bytes.
 *
 * Input: byte 0 is the index space (0: the MIB's full range, else 1..31,
 * so that it wraps and runs out); then a list of steps, each one op byte
 * and its operands:
 *   op % 4 == 0, 1  a new snapshot: a count byte (networks: bits 0-2,
 *                   routers: 3-5, links: 6-7 and 1 more when op & 4), then
 *                   one byte per network (its name), two per router and
 *                   link (its network, its name); duplicates are dropped,
 *                   as a consistent snapshot has none;
 *   op % 4 == 2     the last snapshot again, later (same content);
 *   op % 4 == 3     vnm_idxmap_hold() of a router: network, name, epochs.
 * A name byte picks one of 8 names (low 3 bits) and a length (high bits:
 * short, 250 bytes or 400 bytes, the latter over the MIB's 255).
 *
 * Besides crashes, leaks and UB, a run aborts when a built rowset breaks
 * what rows.h promises a manager:
 *   - every row of the snapshot whose network is in it, none other;
 *   - indexes in 1..max, unique per table, rows in walk order;
 *   - an object keeps its index from one snapshot to the next;
 *   - a new object gets an index above every one handed out before, until
 *     the space has wrapped;
 *   - an object that went is found by vnm_idxmap_find_gone() with the
 *     index it had (unless it was held);
 *   - the same snapshot again moves no last-change.
 *
 *   build/fuzz/fuzz_rows CORPUS_DIR fuzz/seeds-rows -max_len=512
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"

#define FUZZ_NAME "fuzz_rows"
#include "fuzz_assert.h"

#define MAX_HELD 16

struct in {
	const uint8_t *p;
	size_t n;
};

struct state {
	struct vnm_rows r;
	uint32_t max;
	uint32_t now;
	struct vnm_snapshot *prev;    /* of the last successful build */
	struct vnm_rowset *prev_rs;
	uint32_t hi_vn, hi_vr, hi_vl; /* highest index handed out */
	int wrapped_vn, wrapped_vr, wrapped_vl;
	char *held[MAX_HELD];         /* "vn/vr" pairs held */
	unsigned n_held;
	int held_more;                /* more than MAX_HELD: any pair may be */
};

static uint8_t next(struct in *in)
{
	uint8_t b = 0;

	if (in->n) {
		b = *in->p++;
		in->n--;
	}
	return b;
}

static char *name_of(uint8_t b)
{
	static const size_t lens[] = { 2, 2, 2, 2, 2, 2, 250, 400 };
	size_t len = lens[b >> 5], i;
	char *s = malloc(len + 1);

	CHECK(s);
	s[0] = "abcdefgh"[b & 7];
	for (i = 1; i < len; i++)
		s[i] = len == 2 ? '0' + (b & 7) : 'x';
	s[len] = '\0';
	return s;
}

static int has_vn(const struct vnm_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_vns; i++)
		if (!strcmp(s->vns[i].name, name))
			return 1;
	return 0;
}

static int has_vr(const struct vnm_snapshot *s, const char *vn, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_vrs; i++)
		if (!strcmp(s->vrs[i].vn, vn) && !strcmp(s->vrs[i].name, name))
			return 1;
	return 0;
}

static int has_vl(const struct vnm_snapshot *s, const char *vn, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_vls; i++)
		if (!strcmp(s->vls[i].vn, vn) && !strcmp(s->vls[i].name, name))
			return 1;
	return 0;
}

/* A router's or link's network: one of the snapshot's, or one it lacks. */
static char *vn_of(const struct vnm_snapshot *s, uint8_t b)
{
	if (s->n_vns && b < 0xc0)
		return strdup(s->vns[b % s->n_vns].name);
	return name_of(b);
}

static struct vnm_snapshot *snap_make(struct in *in, uint8_t op, uint64_t gen)
{
	struct vnm_snapshot *s = calloc(1, sizeof(*s));
	uint8_t c = next(in);
	size_t n_vn = c & 7, n_vr = (c >> 3) & 7, n_vl = (c >> 6) + ((op & 4) ? 1 : 0), i;

	CHECK(s);
	s->generation = gen;
	s->vns = calloc(n_vn + 1, sizeof(*s->vns));
	s->vrs = calloc(n_vr + 1, sizeof(*s->vrs));
	s->vls = calloc(n_vl + 1, sizeof(*s->vls));
	CHECK(s->vns && s->vrs && s->vls);
	for (i = 0; i < n_vn; i++) {
		uint8_t b = next(in);
		char *nm = name_of(b);
		struct vnm_snap_vn *vn;

		if (has_vn(s, nm)) {
			free(nm);
			continue;
		}
		vn = &s->vns[s->n_vns++];
		vn->name = nm;
		vn->admin = b % 3;
		vn->oper = (b >> 2) % 6;
	}
	for (i = 0; i < n_vr; i++) {
		char *vn = vn_of(s, next(in)), *nm = name_of(next(in));
		struct vnm_snap_vr *vr;

		if (has_vr(s, vn, nm)) {
			free(vn);
			free(nm);
			continue;
		}
		vr = &s->vrs[s->n_vrs++];
		vr->vn = vn;
		vr->name = nm;
		vr->host = strdup("rm1");
		vr->oper = (uint8_t)nm[0] % 6;
		vr->vcpus = 1;
		vr->memory_mib = 128;
	}
	for (i = 0; i < n_vl; i++) {
		char *vn = vn_of(s, next(in)), *nm = name_of(next(in));
		struct vnm_snap_vl *vl;

		if (has_vl(s, vn, nm)) {
			free(vn);
			free(nm);
			continue;
		}
		vl = &s->vls[s->n_vls++];
		vl->vn = vn;
		vl->name = nm;
		vl->a_node = strdup("vr1");
		vl->a_tp = strdup("eth0");
		vl->b_node = strdup("vr2");
		vl->b_tp = strdup("eth0");
		vl->guaranteed = (uint64_t)nm[0] << 40;
		vl->up = nm[0] & 1;
		vl->ctr.discontinuity = (int64_t)nm[0] * 1000;
	}
	return s;
}

static int was_held(const struct state *st, const char *vn, const char *vr)
{
	unsigned i;
	size_t l = strlen(vn);

	if (st->held_more)
		return 1;
	for (i = 0; i < st->n_held; i++)
		if (!strncmp(st->held[i], vn, l) && st->held[i][l] == '/' &&
		    !strcmp(st->held[i] + l + 1, vr))
			return 1;
	return 0;
}

/* A new index is above every earlier one until the space wrapped. */
static void check_new(uint32_t idx, uint32_t max, uint32_t *hi, int *wrapped)
{
	CHECK(idx >= 1 && idx <= max);
	if (!*wrapped)
		CHECK(idx > *hi);
	if (idx > *hi)
		*hi = idx;
	if (*hi == max)
		*wrapped = 1;
}

/* Indexes of the objects of s, as the maps have them right after a build
 * (successful or not): new ones must be fresh.  The maps are read before
 * the build (old) and after. */
struct seen {
	uint32_t vn[8], vr[8], vl[9];
};

static void map_read(struct state *st, const struct vnm_snapshot *s, struct seen *o)
{
	size_t i;

	for (i = 0; i < s->n_vns; i++)
		o->vn[i] = vnm_idxmap_find(&st->r.vn, s->vns[i].name, "");
	for (i = 0; i < s->n_vrs; i++)
		o->vr[i] = vnm_idxmap_find(&st->r.vr, s->vrs[i].vn, s->vrs[i].name);
	for (i = 0; i < s->n_vls; i++)
		o->vl[i] = vnm_idxmap_find(&st->r.vl, s->vls[i].vn, s->vls[i].name);
}

static void check_fresh(struct state *st, const struct vnm_snapshot *s,
			const struct seen *before, const struct seen *after)
{
	size_t i;

	for (i = 0; i < s->n_vns; i++)
		if (!before->vn[i] && after->vn[i])
			check_new(after->vn[i], st->max, &st->hi_vn, &st->wrapped_vn);
	for (i = 0; i < s->n_vrs; i++)
		if (!before->vr[i] && after->vr[i])
			check_new(after->vr[i], st->max, &st->hi_vr, &st->wrapped_vr);
	for (i = 0; i < s->n_vls; i++)
		if (!before->vl[i] && after->vl[i])
			check_new(after->vl[i], st->max, &st->hi_vl, &st->wrapped_vl);
}

static uint32_t vn_row(const struct vnm_rowset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_vns; i++)
		if (!strcmp(rs->vns[i].vn->name, name))
			return rs->vns[i].idx;
	return 0;
}

static void check_rowset(struct state *st, const struct vnm_snapshot *s,
			 const struct vnm_rowset *rs)
{
	size_t i, n;

	CHECK(rs->snap == s && rs->n_vns == s->n_vns);
	for (i = 0; i < rs->n_vns; i++) {
		CHECK(rs->vns[i].idx >= 1 && rs->vns[i].idx <= st->max);
		CHECK(i == 0 || rs->vns[i - 1].idx < rs->vns[i].idx);
		CHECK(vnm_idxmap_find(&st->r.vn, rs->vns[i].vn->name, "") == rs->vns[i].idx);
	}
	for (i = n = 0; i < s->n_vrs; i++)
		n += has_vn(s, s->vrs[i].vn);
	CHECK(rs->n_vrs == n);
	for (i = 0; i < rs->n_vrs; i++) {
		const struct vnm_row_vr *a = &rs->vrs[i];

		CHECK(a->idx >= 1 && a->idx <= st->max);
		CHECK(a->vn_idx == vn_row(rs, a->vr->vn));
		CHECK(i == 0 || rs->vrs[i - 1].vn_idx < a->vn_idx ||
		      (rs->vrs[i - 1].vn_idx == a->vn_idx && rs->vrs[i - 1].idx < a->idx));
		CHECK(vnm_idxmap_find(&st->r.vr, a->vr->vn, a->vr->name) == a->idx);
	}
	for (i = n = 0; i < s->n_vls; i++)
		n += has_vn(s, s->vls[i].vn);
	CHECK(rs->n_vls == n);
	for (i = 0; i < rs->n_vls; i++) {
		const struct vnm_row_vl *a = &rs->vls[i];

		CHECK(a->idx >= 1 && a->idx <= st->max);
		CHECK(a->vn_idx == vn_row(rs, a->vl->vn));
		CHECK(i == 0 || rs->vls[i - 1].vn_idx < a->vn_idx ||
		      (rs->vls[i - 1].vn_idx == a->vn_idx && rs->vls[i - 1].idx < a->idx));
		CHECK(vnm_idxmap_find(&st->r.vl, a->vl->vn, a->vl->name) == a->idx);
	}
}

/* Objects of the last good build: the same index if still there, their
 * index in the gone list if not. */
static void check_against_prev(struct state *st, const struct vnm_snapshot *s,
			       const struct vnm_rowset *rs)
{
	const struct vnm_rowset *p = st->prev_rs;
	size_t i, k;

	if (!p)
		return;
	for (i = 0; i < p->n_vns; i++) {
		const char *nm = p->vns[i].vn->name;

		if (has_vn(s, nm))
			CHECK(vn_row(rs, nm) == p->vns[i].idx);
		else
			CHECK(vnm_idxmap_find_gone(&st->r.vn, nm, "") == p->vns[i].idx);
	}
	for (i = 0; i < p->n_vrs; i++) {
		const struct vnm_snap_vr *vr = p->vrs[i].vr;

		for (k = 0; k < rs->n_vrs; k++)
			if (!strcmp(rs->vrs[k].vr->vn, vr->vn) && !strcmp(rs->vrs[k].vr->name, vr->name))
				CHECK(rs->vrs[k].idx == p->vrs[i].idx);
		if (!has_vr(s, vr->vn, vr->name) && !was_held(st, vr->vn, vr->name))
			CHECK(vnm_idxmap_find_gone(&st->r.vr, vr->vn, vr->name) == p->vrs[i].idx);
	}
	for (i = 0; i < p->n_vls; i++) {
		const struct vnm_snap_vl *vl = p->vls[i].vl;

		for (k = 0; k < rs->n_vls; k++)
			if (!strcmp(rs->vls[k].vl->vn, vl->vn) && !strcmp(rs->vls[k].vl->name, vl->name))
				CHECK(rs->vls[k].idx == p->vls[i].idx);
	}
}

/* Build the rows of s (taken over); returns whether it succeeded. */
static void build(struct state *st, struct vnm_snapshot *s, int same)
{
	struct vnm_rowset *rs = NULL;
	struct vnm_err err;
	struct seen before, after;

	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	map_read(st, s, &before);
	st->now += 100;
	memset(&err, 0, sizeof(err));
	if (vnm_rows_build(&st->r, s, st->now, 1000, &rs, &err)) {
		CHECK(err.msg[0] && !rs);
		map_read(st, s, &after);
		check_fresh(st, s, &before, &after);
		vnm_snapshot_free(s);
		return;
	}
	map_read(st, s, &after);
	check_fresh(st, s, &before, &after);
	check_rowset(st, s, rs);
	check_against_prev(st, s, rs);
	if (same && st->prev_rs) {
		CHECK(rs->vn_last_change == st->prev_rs->vn_last_change);
		CHECK(rs->vr_last_change == st->prev_rs->vr_last_change);
		CHECK(rs->vl_last_change == st->prev_rs->vl_last_change);
	}
	vnm_rowset_free(st->prev_rs);
	vnm_snapshot_free(st->prev);
	st->prev = s;
	st->prev_rs = rs;
}

/* A copy of the last snapshot (the core hands out a new one each time). */
static struct vnm_snapshot *snap_copy(const struct vnm_snapshot *p)
{
	struct vnm_snapshot *s = calloc(1, sizeof(*s));
	size_t i;

	CHECK(s);
	*s = *p;
	s->vns = calloc(p->n_vns + 1, sizeof(*s->vns));
	s->vrs = calloc(p->n_vrs + 1, sizeof(*s->vrs));
	s->vls = calloc(p->n_vls + 1, sizeof(*s->vls));
	CHECK(s->vns && s->vrs && s->vls);
	memcpy(s->vns, p->vns, p->n_vns * sizeof(*s->vns));
	memcpy(s->vrs, p->vrs, p->n_vrs * sizeof(*s->vrs));
	memcpy(s->vls, p->vls, p->n_vls * sizeof(*s->vls));
	for (i = 0; i < s->n_vns; i++)
		s->vns[i].name = strdup(p->vns[i].name);
	for (i = 0; i < s->n_vrs; i++) {
		s->vrs[i].vn = strdup(p->vrs[i].vn);
		s->vrs[i].name = strdup(p->vrs[i].name);
		s->vrs[i].host = strdup(p->vrs[i].host);
	}
	for (i = 0; i < s->n_vls; i++) {
		s->vls[i].vn = strdup(p->vls[i].vn);
		s->vls[i].name = strdup(p->vls[i].name);
		s->vls[i].a_node = strdup(p->vls[i].a_node);
		s->vls[i].a_tp = strdup(p->vls[i].a_tp);
		s->vls[i].b_node = strdup(p->vls[i].b_node);
		s->vls[i].b_tp = strdup(p->vls[i].b_tp);
	}
	return s;
}

static void hold(struct state *st, struct in *in)
{
	char *vn = name_of(next(in)), *vr = name_of(next(in)), *pair;
	uint8_t epochs = next(in) & 15;

	vnm_idxmap_hold(&st->r.vr, vn, vr, epochs);
	if (st->n_held < MAX_HELD && asprintf(&pair, "%s/%s", vn, vr) > 0)
		st->held[st->n_held++] = pair;
	else
		st->held_more = 1;
	free(vn);
	free(vr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct state st;
	uint64_t gen = 0;
	unsigned i;

	memset(&st, 0, sizeof(st));
	st.max = next(&in) & 31;
	vnm_rows_init(&st.r, st.max);
	if (!st.max)
		st.max = UINT32_MAX;
	while (in.n) {
		uint8_t op = next(&in);

		switch (op % 4) {
		case 0:
		case 1:
			build(&st, snap_make(&in, op, ++gen), 0);
			break;
		case 2:
			if (st.prev)
				build(&st, snap_copy(st.prev), 1);
			break;
		case 3:
			hold(&st, &in);
			break;
		}
	}
	vnm_rowset_free(st.prev_rs);
	vnm_snapshot_free(st.prev);
	vnm_rows_clear(&st.r);
	for (i = 0; i < st.n_held; i++)
		free(st.held[i]);
	return 0;
}
