/*
 * dupguard.h - refuses list entries with equal keys before libyang sees them.
 *
 * libyang 2.1.30 (Debian 12's) puts every list entry into its parent's
 * child hash table keyed by the entry's keys (a leaf-list entry by its
 * value) and resolves equal hashes by linear probing: n entries with equal
 * keys cost n^2/2 probes.  One MiB of them in a <filter> or <config> kept a
 * worker busy 2.6-3.3 s inside lyd_parse_op (16 MiB: minutes), before vnmd
 * sees the RPC, so four clients could stall every session.  A
 * configuration can hold no such duplicates (libyang refuses them after
 * parsing) and a filter has no use for many, so the gate counts them as it
 * reads a message: past VNM_DUPGUARD_MAX in one message, the first byte of
 * the offending entry's end tag becomes 0x02, which XML does not allow;
 * libyang stops right there ("Invalid character 0x2.", answered as
 * malformed-message with vnmd's explanation, rpc_errfix.c) and the session
 * goes on.
 *
 * The guard knows which element names are lists (and their keys) or
 * leaf-lists from the schema (vnm_dupguard_learn), by local name: a name
 * that is a list in one module and something else in another only makes the
 * guard count more.  Key values are compared as libyang would after
 * canonizing them: character references and the predefined entities
 * decoded, surrounding whitespace dropped, a prefix dropped, numbers without
 * sign '+' and leading or trailing zeros; over-merging only counts more.
 * The equal-entry test is by 64-bit hash.
 */
#ifndef VNM_DUPGUARD_H
#define VNM_DUPGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VNM_DUPGUARD_MAX   64  /* equal entries let through in one message */
#define VNM_DUPGUARD_DEPTH 64  /* elements followed this deep */
#define VNM_DUPGUARD_TEXT  256 /* bytes of a key value canonized; longer: raw */

struct ly_ctx;

/* The limit in force (VNM_DUPGUARD_MAX; the fuzz target lowers it to
 * reach it within its small messages). */
extern unsigned vnm_dupguard_max;

struct vnm_dupguard_open {
	uint64_t name; /* hash of the local name */
	uint64_t id;   /* this instance, for its children's entries */
	uint64_t acc;  /* a list entry: its key values so far */
	int ent;       /* its schema entry, or -1 */
	unsigned keys; /* keys seen */
	bool capture;  /* its text is a key or leaf-list value */
};

struct vnm_dupguard {
	int st;                 /* where in the markup (dupguard.c) */
	unsigned n;             /* bytes of a keyword ("--", "[CDATA[") matched */
	char quote;             /* of the attribute value being read */
	uint64_t nh;            /* hash of the name being read */
	int depth;              /* open elements */
	uint64_t next_id;
	struct vnm_dupguard_open stk[VNM_DUPGUARD_DEPTH];
	char text[VNM_DUPGUARD_TEXT];
	size_t tlen;            /* text bytes of the capturing element */
	uint64_t traw;          /* their raw hash, once longer than text */
	uint64_t *set;          /* entries seen: open addressing, 0 = free */
	size_t set_cap, set_n;
	size_t dups;            /* equal entries in this message */
	size_t spoiled;         /* entries refused since the guard was made */
	char last[64];          /* the local name of the last one refused */
	size_t name_len;
};

/* Learn the lists (with their keys) and leaf-lists of every implemented
 * module of ctx.  Call once, before any session; not thread-safe. */
void vnm_dupguard_learn(const struct ly_ctx *ctx);

/* Teach one name by hand (the fuzz target and unit tests): a list with
 * nkeys key names, or a leaf-list when nkeys is 0 and keys NULL. */
void vnm_dupguard_teach(const char *name, const char *const *keys, unsigned nkeys);

/* A guard at the start of a message (keeps its memory). */
void vnm_dupguard_init(struct vnm_dupguard *g);

/* Scan n more bytes of the message, spoiling an entry's end tag past the
 * limit.  Returns the number spoiled in these bytes. */
size_t vnm_dupguard_feed(struct vnm_dupguard *g, char *buf, size_t n);

void vnm_dupguard_free(struct vnm_dupguard *g);

#endif
