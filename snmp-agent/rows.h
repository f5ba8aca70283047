/*
 * rows.h - VNMD-MIB table rows from core snapshots, without net-snmp.
 *
 * The agent turns each core snapshot into three arrays of rows (networks,
 * routers, links) ordered as SNMP walks them.  Integer indexes come from
 * one name → index map per table: an object keeps its index while it
 * exists; a new object gets the next value after the last one handed out,
 * so a value comes back only after the index space has wrapped.  Everything
 * here runs on the agent's net-snmp thread (no locking).
 */
#ifndef VNM_SNMP_ROWS_H
#define VNM_SNMP_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "err.h"

struct vnm_idx_ent;

/* Map of (a, b) name pairs to indexes 1..max.  Networks use b = "". */
struct vnm_idxmap {
	struct vnm_idx_ent **by_key, **by_idx; /* hash chains */
	size_t nb, n;
	uint32_t max;   /* highest index; after it comes 1 again */
	uint32_t next;  /* the next candidate */
	uint32_t epoch; /* entries not seen in the current epoch are swept */
	struct vnm_idx_ent *gone; /* swept in the last few epochs, for traps */
};

/* max 0 means UINT32_MAX (the MIB's range). */
void vnm_idxmap_init(struct vnm_idxmap *m, uint32_t max);
void vnm_idxmap_clear(struct vnm_idxmap *m);
/* The index of (a, b), or 0 when it has none. */
uint32_t vnm_idxmap_find(const struct vnm_idxmap *m, const char *a, const char *b);
/* The index of (a, b), allocated when new; marks it seen in this epoch.
 * Returns 0, or -1 with err set when memory or the index space ran out. */
int vnm_idxmap_get(struct vnm_idxmap *m, const char *a, const char *b, uint32_t *idx,
		   struct vnm_err *err);
/* The index (a, b) had until it was swept in one of the last
 * VNM_IDX_GONE_EPOCHS epochs, or 0: a trap about an object that just went
 * names the row it had. */
#define VNM_IDX_GONE_EPOCHS 8
uint32_t vnm_idxmap_find_gone(const struct vnm_idxmap *m, const char *a, const char *b);
/* Keep (a, b) through the next `epochs` sweeps even if no snapshot has it:
 * an index handed out in a trap before the object's first snapshot. */
void vnm_idxmap_hold(struct vnm_idxmap *m, const char *a, const char *b, uint32_t epochs);
/* Start an epoch; _sweep then forgets every pair not seen since. */
void vnm_idxmap_begin(struct vnm_idxmap *m);
void vnm_idxmap_sweep(struct vnm_idxmap *m);

/* MIB values of the enumerations (VnmAdminState, VnmOperState). */
int vnm_mib_admin(enum vnm_admin a);
int vnm_mib_oper(enum vnm_vr_oper s);
/* bit/s → kbit/s for Unsigned32 columns: rounded up (a set rate never reads
 * as 0), saturated at 4294967295. */
uint32_t vnm_mib_kbps(uint64_t bps);
/* bit/s → Mbit/s rounded to the nearest, as ifHighSpeed (saturating). */
uint32_t vnm_mib_mbps(uint64_t bps);
/* vnmLinkGuaranteeState: none(1) without a guarantee or a measurement,
 * met(2), violated(3). */
long vnm_mib_guarantee(const struct vnm_snap_vl *vl);
/* Unix time → TimeStamp (centiseconds since the agent started at
 * start_unix); 0 for moments before the start or unknown (<= 0). */
uint32_t vnm_mib_timestamp(int64_t unix_time, int64_t start_unix);

struct vnm_row_vn {
	uint32_t idx;
	const struct vnm_snap_vn *vn;
};

struct vnm_row_vr {
	uint32_t vn_idx, idx;
	const struct vnm_snap_vr *vr;
};

struct vnm_row_vl {
	uint32_t vn_idx, idx;
	uint32_t discontinuity; /* TimeStamp */
	const struct vnm_snap_vl *vl;
};

/* One consistent picture: every row points into the same snapshot, which
 * the caller keeps referenced as long as the rowset lives. */
struct vnm_rowset {
	const struct vnm_snapshot *snap;
	struct vnm_row_vn *vns; /* by idx */
	size_t n_vns;
	struct vnm_row_vr *vrs; /* by vn_idx, idx */
	size_t n_vrs;
	struct vnm_row_vl *vls; /* by vn_idx, idx */
	size_t n_vls;
	uint32_t generation;    /* vnmConfigGeneration */
	uint32_t vn_last_change, vr_last_change, vl_last_change; /* TimeStamp */
};

struct vnm_rows {
	struct vnm_idxmap vn, vr, vl;
	bool built;             /* a rowset was built before */
	uint64_t sig_vn, sig_vr, sig_vl; /* digests of the non-counter columns */
	uint32_t lc_vn, lc_vr, lc_vl;
};

/* max_index 0: the MIB's full range (tests pass a small one to wrap). */
void vnm_rows_init(struct vnm_rows *r, uint32_t max_index);
void vnm_rows_clear(struct vnm_rows *r);

/*
 * Rows of snapshot s.  now is the current TimeStamp (centiseconds since the
 * agent started at start_unix): a table's last-change becomes now when a
 * row came, went or changed in a column other than the counters.  Objects
 * absent from s lose their index.  Returns 0, or -1 with err set.
 */
int vnm_rows_build(struct vnm_rows *r, const struct vnm_snapshot *s, uint32_t now,
		   int64_t start_unix, struct vnm_rowset **out, struct vnm_err *err);
void vnm_rowset_free(struct vnm_rowset *rs); /* NULL is fine; not the snapshot */

/*
 * Walking one table in GETNEXT order, as net-snmp's table and container
 * helpers do, without them (the embedded agent's fast path, fastwalk.c).
 * rows points at n row structs of stride bytes, sorted by their index,
 * which is the first ilen (1 or 2) uint32_t of each struct: struct
 * vnm_row_vn, _vr and _vl start with it.  Columns min_col..max_col all
 * exist in every row.
 */
struct vnm_walk_table {
	const void *rows;
	size_t n, stride;
	unsigned ilen;
	uint32_t min_col, max_col;
};

/* An object of the table: column col of row number row. */
struct vnm_walk_pos {
	uint32_t col;
	size_t row;
};

/*
 * The first object after the OID whose part below the table's OID is
 * sub[0..len) (sub[0] the entry, 1; sub[1] the column; the rest an index of
 * any length): the next row of that column, else the first row of the next
 * column.  An entry of 0, no column, or a column below min_col start the
 * table over; an index compares as OIDs do (element by element, a prefix
 * first).  Returns 0 with *pos set, or -1 when the object after lies
 * outside the table (an entry above 1, a column above max_col, the end of
 * the last column, no rows).
 */
int vnm_walk_after(const struct vnm_walk_table *t, const uint32_t *sub, size_t len,
		   struct vnm_walk_pos *pos);
/* The index of row number row (t->ilen values). */
const uint32_t *vnm_walk_index(const struct vnm_walk_table *t, size_t row);
/* The object after *pos (one of the table's), as vnm_walk_after would find
 * it from pos's own OID: 0, or -1 after the last column's last row. */
int vnm_walk_next(const struct vnm_walk_table *t, struct vnm_walk_pos *pos);

#endif
