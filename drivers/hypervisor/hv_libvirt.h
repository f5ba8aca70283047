/*
 * hv_libvirt.h - the hypervisor driver over the libvirt C API.
 *
 * One connection per host URI (host->uri, or the default URI given here),
 * opened on first use and reopened after libvirtd restarts.  A process-wide
 * event thread runs libvirt's default event loop: domain lifecycle events of
 * vnmd's own domains go to the callback set with ops->set_event_cb, and a
 * closed connection is reopened within a few seconds.
 *
 * Domains carry vnmd's tag in <metadata> (namespace VNM_HV_NS): network,
 * node and configuration generation.  list_own and remove_own only ever see
 * domains with that tag.
 */
#ifndef VNM_HV_LIBVIRT_H
#define VNM_HV_LIBVIRT_H

#include "driver.h"

#define VNM_HV_NS "urn:vnmd:libvirt:router:1"
#define VNM_HV_DEFAULT_URI "qemu:///system"
#define VNM_HV_LOG_DIR "/var/log/vnmd"
#define VNM_HV_IMAGE_DIR "/var/lib/vnmd/images"

extern const struct vnm_hv_ops vnm_hv_libvirt_ops;

/* Create a driver context; default_uri (NULL: VNM_HV_DEFAULT_URI) serves
 * hosts without a URI.  Opens nothing yet.  Returns 0 or -1 with err. */
int vnm_hv_libvirt_new(const char *default_uri, void **ctx, struct vnm_err *err);
/* Close every connection; stops the event thread with the last context. */
void vnm_hv_libvirt_free(void *ctx);

/* The hypervisor URIs the driver connects to (uri_policy.h: its default_uri
 * should be this context's default URI; NULL, the initial value: the
 * built-in list and the default URI).  Not copied:
 * uris must outlive ctx.  Set it before the first operation.  A refused URI
 * fails the operation with VNM_E_INVALID before libvirt sees it. */
struct vnm_uri_policy;
void vnm_hv_libvirt_set_uri_policy(void *ctx, const struct vnm_uri_policy *uris);

/* Events: ops->set_event_cb(ctx, cb, arg).  cb runs on the event thread;
 * once set_event_cb returns, no call of the previous callback is running
 * (so do not call set_event_cb while holding a lock that cb takes). */

/* Bounded wait of a graceful stop before the domain is destroyed
 * (default 10000 ms). */
void vnm_hv_libvirt_set_stop_timeout(void *ctx, unsigned ms);
/* Directory of the guests' serial logs (default VNM_HV_LOG_DIR, or
 * $VNMD_LOG_DIR); the log of domain D is DIR/D.log. */
int vnm_hv_libvirt_set_log_dir(void *ctx, const char *dir, struct vnm_err *err);

/* The domain type the driver uses on host ("qemu", "kvm", "test", ...):
 * host->domain_type, or chosen from the capabilities. */
int vnm_hv_libvirt_domain_type(void *ctx, const struct vnm_host *host, char *out,
			       size_t len, struct vnm_err *err);

#endif
