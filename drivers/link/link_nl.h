/*
 * link_nl.h - the link driver: VLs, port bridges and shaping through
 * libnl-route-3 (no tc/ip shell-outs).
 *
 * A host with a `netns` leaf is handled inside that named namespace
 * (/run/netns/NAME); every other host in the daemon's own namespace.
 * Everything the driver creates is tagged as vnmd's: interface names start
 * with "vn" and carry the ifalias "vnmd:<vn>/<obj>"; the HTB root on a
 * physical interface has the handle VNM_TC_MAJOR (0x766e, "vn").  Only
 * tagged objects are ever changed or removed.
 *
 * The context is safe to share between threads (one lock inside).
 */
#ifndef VNM_LINK_NL_H
#define VNM_LINK_NL_H

#include <stdbool.h>

#include "driver.h"
#include "err.h"

extern const struct vnm_link_ops vnm_link_nl_ops;

/* Open the driver (netlink socket in the daemon's namespace).  No kernel
 * object is touched.  Returns 0, or -1 with err set. */
int vnm_link_nl_new(void **ctx, struct vnm_err *err);
void vnm_link_nl_free(void *ctx);
/* The datapath of cross-host VL ends on hosts in a namespace: false (the
 * default) one VXLAN device and one port bridge per end; true one VXLAN
 * device per host and BPF programs on the guests' taps, no netdevice per
 * VL (link_shared.c).  Set before the first operation. */
void vnm_link_nl_set_shared(void *ctx, bool shared);

#endif
