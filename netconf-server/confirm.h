/*
 * confirm.h - confirmed commit (RFC 6241 8.4, :confirmed-commit:1.1): the
 * record of a pending confirmed commit as it is kept on disk, and who may
 * confirm or cancel it.  Pure functions (confirm_rec.c), used by
 * confirm.c and by the unit tests.
 *
 * The record is a text file in the state directory (the core keeps it
 * beside running.xml, vnm_core_pending_*): a few header lines, then
 * "config" on a line of its own and the configuration to roll back to, as
 * libyang prints it (nothing when the configuration was empty):
 *
 *	vnmd-confirmed-commit 1
 *	deadline 1767225600          wall clock, seconds since the epoch
 *	session 7                    the session that gave the confirmed commit
 *	user 61646d696e              its user, hex
 *	persist 746f6b656e           the <persist> token, hex; absent: not persistent
 *	boot-id 0f1e...              the kernel's boot id when it was given
 *	config
 *	<networks xmlns=...>...</networks>
 *
 * Strings are hex so that any token, newlines and spaces included,
 * survives; a record that does not read back exactly is refused as a whole.
 */
#ifndef VNM_CONFIRM_H
#define VNM_CONFIRM_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define VNM_CC_DEFAULT_TIMEOUT 600 /* seconds, RFC 6241 8.4.5.1 */

struct vnm_cc_rec {
	int64_t deadline;   /* rollback at this wall-clock time (seconds since the epoch) */
	uint32_t sid;       /* the session that gave the confirmed commit */
	char *user;         /* its user; owned, may be NULL */
	char *persist;      /* the <persist> token; NULL: not persistent; owned */
	char boot_id[40];   /* /proc/sys/kernel/random/boot_id then; "" unknown */
};

/* The text of r and the configuration XML cfg_xml (NULL or "" for the
 * empty configuration) in the format above.  0, or -1 out of memory. */
int vnm_cc_rec_print(const struct vnm_cc_rec *r, const char *cfg_xml, char **out);

/* Read text into r (cleared first; the caller clears it after) and point
 * *cfg_xml at the configuration part of text.  0, or -1 with err naming
 * the line that is wrong. */
int vnm_cc_rec_parse(const char *text, struct vnm_cc_rec *r, const char **cfg_xml,
		     struct vnm_err *err);

void vnm_cc_rec_clear(struct vnm_cc_rec *r);

/* Who may confirm (commit) or cancel (cancel-commit) the pending confirmed
 * commit r (NULL: none pending), asked by session sid with the given
 * <persist-id> (NULL: none).  RFC 6241 8.4.1, 8.4.4.1 and ietf-netconf's
 * text: a persistent one only with its persist-id, from any session; one
 * without <persist> only from the session that gave it, without a
 * persist-id. */
enum vnm_cc_verdict {
	VNM_CC_MAY,           /* go on */
	VNM_CC_NONE,          /* nothing is pending */
	VNM_CC_NEED_ID,       /* persistent: give <persist-id> */
	VNM_CC_WRONG_ID,      /* persistent: the persist-id does not match */
	VNM_CC_NOT_PERSIST,   /* a persist-id for one that has no <persist> */
	VNM_CC_OTHER_SESSION, /* not persistent, and another session's */
};
enum vnm_cc_verdict vnm_cc_judge(const struct vnm_cc_rec *r, uint32_t sid,
				 const char *persist_id);

#endif
