/*
 * peer_nc.h - the peer driver (driver.h's struct vnm_peer_ops) over
 * NETCONF with libnetconf2's client: the vnmds of other RMs are reached
 * the way an NMS reaches vnmd (DESIGN.md: no protocol of our own), at the
 * management addresses of the model, which the core checked against the
 * operator's policy (peer_policy.h) before calling here.
 *
 * Sessions are kept per participant and opened again when they dropped.
 * Every call is bounded in time: a reply slower than its timeout drops
 * the session (its late reply would answer the next request).
 */
#ifndef VNM_PEER_NC_H
#define VNM_PEER_NC_H

#include "driver.h"
#include "peer_policy.h"

struct ly_ctx;

extern const struct vnm_peer_ops vnm_peer_nc_ops;

/* ctx: a YANG context with NETCONF's modules (vnm_yctx_new(true)), owned
 * by the driver from here on, even when this fails; used by the client
 * sessions alone.  policy: the keys (not copied: must outlive the
 * driver).  Starts the thread that retries confirms.  0 or -1. */
int vnm_peer_nc_new(struct ly_ctx *ctx, const struct vnm_peer_policy *policy, void **out,
		    struct vnm_err *err);
void vnm_peer_nc_free(void *ctx);

#endif
