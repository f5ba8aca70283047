/*
 * rows.c - VNMD-MIB table rows from core snapshots (see rows.h).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"

struct vnm_idx_ent {
	char *key;      /* a, NUL, b, NUL */
	size_t klen;
	uint32_t idx;
	uint32_t seen;  /* epoch */
	struct vnm_idx_ent *next_key, *next_idx;
};

/* ------------------------------------------------------------------ */
/* name → index maps                                                  */
/* ------------------------------------------------------------------ */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

static size_t key_make(char *buf, size_t sz, const char *a, const char *b, bool *fits)
{
	size_t la = strlen(a), lb = strlen(b), n = la + lb + 2;

	*fits = n <= sz;
	if (*fits) {
		memcpy(buf, a, la + 1);
		memcpy(buf + la + 1, b, lb + 1);
	}
	return n;
}

static size_t bucket_key(const struct vnm_idxmap *m, const char *key, size_t klen)
{
	return fnv(FNV_INIT, key, klen) % m->nb;
}

static size_t bucket_idx(const struct vnm_idxmap *m, uint32_t idx)
{
	return (idx * 2654435761u) % m->nb;
}

void vnm_idxmap_init(struct vnm_idxmap *m, uint32_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max ? max : UINT32_MAX;
	m->next = 1;
}

static void gone_free(struct vnm_idx_ent **pp, uint32_t keep_from)
{
	struct vnm_idx_ent *e;

	while ((e = *pp)) {
		if (e->seen >= keep_from) { /* seen: the epoch it went */
			pp = &e->next_key;
			continue;
		}
		*pp = e->next_key;
		free(e->key);
		free(e);
	}
}

void vnm_idxmap_clear(struct vnm_idxmap *m)
{
	size_t i;
	struct vnm_idx_ent *e, *nx;

	if (!m)
		return;
	gone_free(&m->gone, UINT32_MAX);
	for (i = 0; i < m->nb; i++) {
		for (e = m->by_key[i]; e; e = nx) {
			nx = e->next_key;
			free(e->key);
			free(e);
		}
	}
	free(m->by_key);
	free(m->by_idx);
	vnm_idxmap_init(m, m->max);
}

static struct vnm_idx_ent *find_key(const struct vnm_idxmap *m, const char *key, size_t klen)
{
	struct vnm_idx_ent *e;

	if (!m->nb)
		return NULL;
	for (e = m->by_key[bucket_key(m, key, klen)]; e; e = e->next_key)
		if (e->klen == klen && !memcmp(e->key, key, klen))
			return e;
	return NULL;
}

static bool idx_used(const struct vnm_idxmap *m, uint32_t idx)
{
	struct vnm_idx_ent *e;

	if (!m->nb)
		return false;
	for (e = m->by_idx[bucket_idx(m, idx)]; e; e = e->next_idx)
		if (e->idx == idx)
			return true;
	return false;
}

static int grow(struct vnm_idxmap *m)
{
	size_t nb = m->nb ? m->nb * 2 : 64, i, h;
	struct vnm_idx_ent **bk, **bi, *e, *nx;

	bk = calloc(nb, sizeof(*bk));
	bi = calloc(nb, sizeof(*bi));
	if (!bk || !bi) {
		free(bk);
		free(bi);
		return -1;
	}
	for (i = 0; i < m->nb; i++) {
		for (e = m->by_key[i]; e; e = nx) {
			nx = e->next_key;
			h = fnv(FNV_INIT, e->key, e->klen) % nb;
			e->next_key = bk[h];
			bk[h] = e;
			h = (e->idx * 2654435761u) % nb;
			e->next_idx = bi[h];
			bi[h] = e;
		}
	}
	free(m->by_key);
	free(m->by_idx);
	m->by_key = bk;
	m->by_idx = bi;
	m->nb = nb;
	return 0;
}

uint32_t vnm_idxmap_find(const struct vnm_idxmap *m, const char *a, const char *b)
{
	char buf[512];
	bool fits;
	size_t klen = key_make(buf, sizeof(buf), a, b, &fits);
	struct vnm_idx_ent *e;

	if (!fits)
		return 0; /* names are at most 255 bytes each: cannot be in the map */
	e = find_key(m, buf, klen);
	return e ? e->idx : 0;
}

int vnm_idxmap_get(struct vnm_idxmap *m, const char *a, const char *b, uint32_t *idx,
		   struct vnm_err *err)
{
	char buf[512];
	bool fits;
	size_t klen = key_make(buf, sizeof(buf), a, b, &fits), h;
	struct vnm_idx_ent *e;
	uint32_t cand;

	if (!fits)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "SNMP: the name '%s%s%s' is too long for VNMD-MIB (255 bytes "
				   "per name): shorten it", a, *b ? "/" : "", b);
	e = find_key(m, buf, klen);
	if (e) {
		if (e->seen < m->epoch)
			e->seen = m->epoch;
		*idx = e->idx;
		return 0;
	}
	if (m->n >= m->max)
		return vnm_err_set(err, VNM_E_NOMEM, NULL,
				   "SNMP: no free index for '%s%s%s' (%u in use): remove objects",
				   a, *b ? "/" : "", b, m->max);
	/* Increasing values; after max comes 1, skipping what is still used. */
	cand = m->next;
	while (idx_used(m, cand))
		cand = cand >= m->max ? 1 : cand + 1;
	if (m->n + 1 > m->nb && grow(m) < 0)
		goto nomem;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->key = malloc(klen))) {
		free(e);
		goto nomem;
	}
	memcpy(e->key, buf, klen);
	e->klen = klen;
	e->idx = cand;
	e->seen = m->epoch;
	h = bucket_key(m, e->key, klen);
	e->next_key = m->by_key[h];
	m->by_key[h] = e;
	h = bucket_idx(m, cand);
	e->next_idx = m->by_idx[h];
	m->by_idx[h] = e;
	m->n++;
	m->next = cand >= m->max ? 1 : cand + 1;
	*idx = cand;
	return 0;
nomem:
	return vnm_err_set(err, VNM_E_NOMEM, NULL, "SNMP: out of memory indexing '%s%s%s'",
			   a, *b ? "/" : "", b);
}

void vnm_idxmap_begin(struct vnm_idxmap *m)
{
	m->epoch++;
	if (m->epoch > VNM_IDX_GONE_EPOCHS)
		gone_free(&m->gone, m->epoch - VNM_IDX_GONE_EPOCHS);
}

void vnm_idxmap_hold(struct vnm_idxmap *m, const char *a, const char *b, uint32_t epochs)
{
	char buf[512];
	bool fits;
	size_t klen = key_make(buf, sizeof(buf), a, b, &fits);
	struct vnm_idx_ent *e;

	if (fits && (e = find_key(m, buf, klen)) && e->seen < m->epoch + epochs)
		e->seen = m->epoch + epochs; /* "seen" in a future epoch */
}

uint32_t vnm_idxmap_find_gone(const struct vnm_idxmap *m, const char *a, const char *b)
{
	char buf[512];
	bool fits;
	size_t klen = key_make(buf, sizeof(buf), a, b, &fits);
	const struct vnm_idx_ent *e;

	if (!fits)
		return 0;
	for (e = m->gone; e; e = e->next_key)
		if (e->klen == klen && !memcmp(e->key, buf, klen))
			return e->idx;
	return 0;
}

void vnm_idxmap_sweep(struct vnm_idxmap *m)
{
	size_t i;
	struct vnm_idx_ent **pp, *e;

	/* Unlink from the index chains first, then free from the key chains. */
	for (i = 0; i < m->nb; i++) {
		for (pp = &m->by_idx[i]; (e = *pp);) {
			if (e->seen < m->epoch)
				*pp = e->next_idx;
			else
				pp = &e->next_idx;
		}
	}
	for (i = 0; i < m->nb; i++) {
		for (pp = &m->by_key[i]; (e = *pp);) {
			if (e->seen < m->epoch) {
				*pp = e->next_key;
				e->seen = m->epoch;
				e->next_key = m->gone;
				e->next_idx = NULL;
				m->gone = e;
				m->n--;
			} else {
				pp = &e->next_key;
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* MIB values                                                         */
/* ------------------------------------------------------------------ */

int vnm_mib_admin(enum vnm_admin a)
{
	switch (a) {
	case VNM_ADMIN_RUNNING:
		return 1;
	case VNM_ADMIN_PAUSED:
		return 2;
	case VNM_ADMIN_STOPPED:
		return 3;
	}
	return 3;
}

int vnm_mib_oper(enum vnm_vr_oper s)
{
	switch (s) {
	case VNM_VR_ABSENT:
		return 1;
	case VNM_VR_STOPPED:
		return 2;
	case VNM_VR_RUNNING:
		return 3;
	case VNM_VR_PAUSED:
		return 4;
	case VNM_VR_CRASHED:
		return 5;
	case VNM_VR_UNKNOWN:
		return 6;
	}
	return 6;
}

uint32_t vnm_mib_kbps(uint64_t bps)
{
	uint64_t k = bps / 1000 + (bps % 1000 != 0);

	return k > UINT32_MAX ? UINT32_MAX : (uint32_t)k;
}

uint32_t vnm_mib_mbps(uint64_t bps)
{
	uint64_t m = bps / 1000000 + (bps % 1000000 >= 500000);

	return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

long vnm_mib_guarantee(const struct vnm_snap_vl *vl)
{
	if (vl->watch.violated)
		return 3;
	return vl->guaranteed && vl->watch.measured ? 2 : 1;
}

uint32_t vnm_mib_timestamp(int64_t unix_time, int64_t start_unix)
{
	int64_t cs;

	if (unix_time <= 0 || unix_time <= start_unix)
		return 0;
	cs = (unix_time - start_unix) * 100;
	return cs > UINT32_MAX ? UINT32_MAX : (uint32_t)cs;
}

/* ------------------------------------------------------------------ */
/* Rowsets                                                            */
/* ------------------------------------------------------------------ */

static uint64_t sig_str(uint64_t h, const char *s)
{
	if (s)
		h = fnv(h, s, strlen(s));
	return fnv(h, "", 1); /* separator: "ab","c" differs from "a","bc" */
}

static uint64_t sig_u64(uint64_t h, uint64_t v)
{
	return fnv(h, &v, sizeof(v));
}

static int cmp_vn(const void *x, const void *y)
{
	const struct vnm_row_vn *a = x, *b = y;

	return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Routers and links share the layout of their first two members. */
static int cmp_pair(uint32_t a1, uint32_t a2, uint32_t b1, uint32_t b2)
{
	if (a1 != b1)
		return (a1 > b1) - (a1 < b1);
	return (a2 > b2) - (a2 < b2);
}

static int cmp_vr(const void *x, const void *y)
{
	const struct vnm_row_vr *a = x, *b = y;

	return cmp_pair(a->vn_idx, a->idx, b->vn_idx, b->idx);
}

static int cmp_vl(const void *x, const void *y)
{
	const struct vnm_row_vl *a = x, *b = y;

	return cmp_pair(a->vn_idx, a->idx, b->vn_idx, b->idx);
}

/* Networks of this snapshot by name, for the routers and links to find
 * their network's row in (the index map still holds networks of earlier
 * snapshots until the sweep). */
static int cmp_vn_name(const void *x, const void *y)
{
	const struct vnm_row_vn *const *a = x, *const *b = y;

	return strcmp((*a)->vn->name, (*b)->vn->name);
}

static uint32_t vn_row_idx(struct vnm_row_vn **by_name, size_t n, const char *name)
{
	struct vnm_snap_vn key = { .name = (char *)name };
	struct vnm_row_vn row = { .vn = &key }, *p = &row, **hit;

	if (!n)
		return 0;
	hit = bsearch(&p, by_name, n, sizeof(*by_name), cmp_vn_name);
	return hit ? (*hit)->idx : 0;
}

void vnm_rows_init(struct vnm_rows *r, uint32_t max_index)
{
	memset(r, 0, sizeof(*r));
	vnm_idxmap_init(&r->vn, max_index);
	vnm_idxmap_init(&r->vr, max_index);
	vnm_idxmap_init(&r->vl, max_index);
}

void vnm_rows_clear(struct vnm_rows *r)
{
	if (!r)
		return;
	vnm_idxmap_clear(&r->vn);
	vnm_idxmap_clear(&r->vr);
	vnm_idxmap_clear(&r->vl);
	r->built = false;
}

void vnm_rowset_free(struct vnm_rowset *rs)
{
	if (!rs)
		return;
	free(rs->vns);
	free(rs->vrs);
	free(rs->vls);
	free(rs);
}

/* Digests of the non-counter columns, in walk order so that the same
 * content gives the same value. */
static void rows_digest(const struct vnm_rowset *rs, uint64_t *vn_out, uint64_t *vr_out,
			uint64_t *vl_out)
{
	uint64_t sig_vn = FNV_INIT, sig_vr = FNV_INIT, sig_vl = FNV_INIT;
	size_t i;

	for (i = 0; i < rs->n_vns; i++) {
		const struct vnm_snap_vn *vn = rs->vns[i].vn;

		sig_vn = sig_u64(sig_vn, rs->vns[i].idx);
		sig_vn = sig_str(sig_vn, vn->name);
		sig_vn = sig_u64(sig_vn, vn->admin);
		sig_vn = sig_u64(sig_vn, vn->oper);
		sig_vn = sig_u64(sig_vn, vn->n_vrs);
		sig_vn = sig_u64(sig_vn, vn->n_vls);
	}
	for (i = 0; i < rs->n_vrs; i++) {
		const struct vnm_snap_vr *vr = rs->vrs[i].vr;

		sig_vr = sig_u64(sig_vr, ((uint64_t)rs->vrs[i].vn_idx << 32) | rs->vrs[i].idx);
		sig_vr = sig_str(sig_vr, vr->name);
		sig_vr = sig_str(sig_vr, vr->uuid);
		sig_vr = sig_str(sig_vr, vr->host);
		sig_vr = sig_u64(sig_vr, vr->admin);
		sig_vr = sig_u64(sig_vr, vr->oper);
		sig_vr = sig_u64(sig_vr, vr->vcpus);
		sig_vr = sig_u64(sig_vr, vr->memory_mib);
	}
	for (i = 0; i < rs->n_vls; i++) {
		const struct vnm_snap_vl *vl = rs->vls[i].vl;

		sig_vl = sig_u64(sig_vl, ((uint64_t)rs->vls[i].vn_idx << 32) | rs->vls[i].idx);
		sig_vl = sig_str(sig_vl, vl->name);
		sig_vl = sig_str(sig_vl, vl->a_node);
		sig_vl = sig_str(sig_vl, vl->a_tp);
		sig_vl = sig_str(sig_vl, vl->b_node);
		sig_vl = sig_str(sig_vl, vl->b_tp);
		sig_vl = sig_u64(sig_vl, vl->guaranteed);
		sig_vl = sig_u64(sig_vl, vl->limit);
		sig_vl = sig_u64(sig_vl, vl->up);
		sig_vl = sig_u64(sig_vl, vl->enabled);
		sig_vl = sig_u64(sig_vl, (uint64_t)(int64_t)vl->ctr.ifindex);
		sig_vl = sig_str(sig_vl, vl->ifname);
		sig_vl = sig_str(sig_vl, vl->if_host);
		sig_vl = sig_str(sig_vl, vl->if_netns);
		sig_vl = sig_u64(sig_vl, vl->ceil);
		sig_vl = sig_u64(sig_vl, (uint64_t)vnm_mib_guarantee(vl));
	}
	*vn_out = sig_vn;
	*vr_out = sig_vr;
	*vl_out = sig_vl;
}

int vnm_rows_build(struct vnm_rows *r, const struct vnm_snapshot *s, uint32_t now,
		   int64_t start_unix, struct vnm_rowset **out, struct vnm_err *err)
{
	struct vnm_rowset *rs;
	struct vnm_row_vn **by_name = NULL;
	uint64_t sig_vn, sig_vr, sig_vl;
	size_t i;
	int rc = -1;

	*out = NULL;
	rs = calloc(1, sizeof(*rs));
	if (!rs ||
	    (s->n_vns && !(rs->vns = calloc(s->n_vns, sizeof(*rs->vns)))) ||
	    (s->n_vrs && !(rs->vrs = calloc(s->n_vrs, sizeof(*rs->vrs)))) ||
	    (s->n_vls && !(rs->vls = calloc(s->n_vls, sizeof(*rs->vls))))) {
		vnm_err_set(err, VNM_E_NOMEM, NULL, "SNMP: out of memory building table rows");
		goto cleanup;
	}
	rs->snap = s;
	rs->generation = (uint32_t)s->generation;

	vnm_idxmap_begin(&r->vn);
	vnm_idxmap_begin(&r->vr);
	vnm_idxmap_begin(&r->vl);

	for (i = 0; i < s->n_vns; i++) {
		const struct vnm_snap_vn *vn = &s->vns[i];
		struct vnm_row_vn *row = &rs->vns[rs->n_vns];

		if (vnm_idxmap_get(&r->vn, vn->name, "", &row->idx, err) < 0)
			goto cleanup;
		row->vn = vn;
		rs->n_vns++;
	}
	/* A router or link whose network is not in the snapshot (cannot
	 * happen in a consistent snapshot) has no row: its INDEX needs one.
	 * Not the index map: it still has the networks of the last snapshot
	 * (fuzz/fuzz_rows.c found rows pointing at a network row that was
	 * gone). */
	if (rs->n_vns) {
		by_name = malloc(rs->n_vns * sizeof(*by_name));
		if (!by_name) {
			vnm_err_set(err, VNM_E_NOMEM, NULL, "SNMP: out of memory building table rows");
			goto cleanup;
		}
		for (i = 0; i < rs->n_vns; i++)
			by_name[i] = &rs->vns[i];
		qsort(by_name, rs->n_vns, sizeof(*by_name), cmp_vn_name);
	}
	for (i = 0; i < s->n_vrs; i++) {
		const struct vnm_snap_vr *vr = &s->vrs[i];
		struct vnm_row_vr *row = &rs->vrs[rs->n_vrs];

		if (!(row->vn_idx = vn_row_idx(by_name, rs->n_vns, vr->vn)))
			continue;
		if (vnm_idxmap_get(&r->vr, vr->vn, vr->name, &row->idx, err) < 0)
			goto cleanup;
		row->vr = vr;
		rs->n_vrs++;
	}
	for (i = 0; i < s->n_vls; i++) {
		const struct vnm_snap_vl *vl = &s->vls[i];
		struct vnm_row_vl *row = &rs->vls[rs->n_vls];

		if (!(row->vn_idx = vn_row_idx(by_name, rs->n_vns, vl->vn)))
			continue;
		if (vnm_idxmap_get(&r->vl, vl->vn, vl->name, &row->idx, err) < 0)
			goto cleanup;
		row->vl = vl;
		row->discontinuity = vnm_mib_timestamp(vl->ctr.discontinuity, start_unix);
		rs->n_vls++;
	}

	vnm_idxmap_sweep(&r->vn);
	vnm_idxmap_sweep(&r->vr);
	vnm_idxmap_sweep(&r->vl);

	/* (qsort wants an array even for no elements) */
	if (rs->n_vns)
		qsort(rs->vns, rs->n_vns, sizeof(*rs->vns), cmp_vn);
	if (rs->n_vrs)
		qsort(rs->vrs, rs->n_vrs, sizeof(*rs->vrs), cmp_vr);
	if (rs->n_vls)
		qsort(rs->vls, rs->n_vls, sizeof(*rs->vls), cmp_vl);

	rows_digest(rs, &sig_vn, &sig_vr, &sig_vl);
	/* The first picture is what the agent started with: no change yet. */
	if (r->built) {
		if (sig_vn != r->sig_vn)
			r->lc_vn = now;
		if (sig_vr != r->sig_vr)
			r->lc_vr = now;
		if (sig_vl != r->sig_vl)
			r->lc_vl = now;
	}
	r->sig_vn = sig_vn;
	r->sig_vr = sig_vr;
	r->sig_vl = sig_vl;
	r->built = true;
	rs->vn_last_change = r->lc_vn;
	rs->vr_last_change = r->lc_vr;
	rs->vl_last_change = r->lc_vl;

	*out = rs;
	rs = NULL;
	rc = 0;
cleanup:
	free(by_name);
	vnm_rowset_free(rs);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Walking a table in GETNEXT order                                   */
/* ------------------------------------------------------------------ */

/* vnm_walk_table reads a row's index as its first uint32_t values. */
_Static_assert(offsetof(struct vnm_row_vn, idx) == 0, "vn row index first");
_Static_assert(offsetof(struct vnm_row_vr, vn_idx) == 0 &&
	       offsetof(struct vnm_row_vr, idx) == sizeof(uint32_t), "vr row index first");
_Static_assert(offsetof(struct vnm_row_vl, vn_idx) == 0 &&
	       offsetof(struct vnm_row_vl, idx) == sizeof(uint32_t), "vl row index first");

const uint32_t *vnm_walk_index(const struct vnm_walk_table *t, size_t row)
{
	return (const uint32_t *)((const char *)t->rows + row * t->stride);
}

/* Row key against an index of len values, as OIDs compare: <0, 0, >0. */
static int walk_cmp(const struct vnm_walk_table *t, size_t i, const uint32_t *ix, size_t len)
{
	const uint32_t *k = vnm_walk_index(t, i);
	size_t j;

	for (j = 0; j < t->ilen && j < len; j++)
		if (k[j] != ix[j])
			return k[j] < ix[j] ? -1 : 1;
	return t->ilen < len ? -1 : t->ilen > len;
}

/* The first row of the next column: 0, or -1 past the last column. */
static int next_col(const struct vnm_walk_table *t, struct vnm_walk_pos *pos)
{
	if (pos->col >= t->max_col)
		return -1;
	pos->col++;
	pos->row = 0;
	return 0;
}

int vnm_walk_after(const struct vnm_walk_table *t, const uint32_t *sub, size_t len,
		   struct vnm_walk_pos *pos)
{
	size_t lo = 0, hi = t->n;

	if (!t->n || (len >= 1 && sub[0] > 1) || (len >= 2 && sub[0] == 1 && sub[1] > t->max_col))
		return -1;
	if (len < 2 || sub[0] == 0 || sub[1] < t->min_col) {
		pos->col = t->min_col;
		pos->row = 0;
		return 0;
	}
	pos->col = sub[1];
	/* The first row whose index is above sub[2..]; none given: row 0. */
	if (len > 2) {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (walk_cmp(t, mid, sub + 2, len - 2) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	pos->row = lo;
	return lo < t->n ? 0 : next_col(t, pos);
}

int vnm_walk_next(const struct vnm_walk_table *t, struct vnm_walk_pos *pos)
{
	if (pos->row + 1 < t->n) {
		pos->row++;
		return 0;
	}
	return next_col(t, pos);
}
