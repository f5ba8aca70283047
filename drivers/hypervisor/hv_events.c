/*
 * hv_events.c - the libvirt driver's event thread and domain events.
 *
 * libvirt has one default event loop per process, so the thread is
 * process-wide: the first context starts it, the last one stops it.
 * Besides running the loop it reopens closed connections every
 * HV_RECONNECT_MS, outside any libvirt callback.  Lifecycle events of
 * vnmd's domains (those with its tag) reach the callback set with
 * ops->set_event_cb as the router's new state and a reason.
 */
#include <stdlib.h>
#include <time.h>

#include "hv_int.h"
#include "log.h"

#define HV_RECONNECT_MS 2000

/* ------------------------------------------------------------------ */
/* The event thread (process-wide: libvirt has one default event loop) */
/* ------------------------------------------------------------------ */

static pthread_mutex_t hv_ev_lock = PTHREAD_MUTEX_INITIALIZER;
static bool hv_ev_registered;
static int hv_ev_users;
static int hv_ev_stop;
static int hv_ev_timer = -1;
static pthread_t hv_ev_thread;
static struct hv_libvirt *hv_ev_ctxs; /* every live context */

static void
hv_quiet(void *arg, virErrorPtr e)
{
	(void)arg;
	(void)e;
}

static void
hv_ev_tick(int timer, void *arg)
{
	(void)timer;
	(void)arg;
}

static void *
hv_ev_main(void *arg)
{
	struct timespec last = {0}, now;
	struct hv_libvirt *hv;

	(void)arg;
	while (!__atomic_load_n(&hv_ev_stop, __ATOMIC_SEQ_CST)) {
		if (virEventRunDefaultImpl() < 0)
			vnm_log(VNM_LOG_WARNING, "libvirt event loop: %s", hv_msg());
		/* Reconnects run here, outside any libvirt callback. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 <
		    HV_RECONNECT_MS)
			continue;
		last = now;
		pthread_mutex_lock(&hv_ev_lock);
		for (hv = hv_ev_ctxs; hv; hv = hv->next)
			hv_reconnect_broken(hv);
		pthread_mutex_unlock(&hv_ev_lock);
	}
	return NULL;
}

int
hv_ev_start(struct hv_libvirt *hv, struct vnm_err *err)
{
	int rc = -1;

	pthread_mutex_lock(&hv_ev_lock);
	if (!hv_ev_registered) {
		virSetErrorFunc(NULL, hv_quiet);
		if (virEventRegisterDefaultImpl() < 0) {
			vnm_err_set(err, VNM_E_DRIVER, NULL,
				    "cannot start libvirt's event loop: %s", hv_msg());
			goto cleanup;
		}
		hv_ev_registered = true;
	}
	if (hv_ev_users == 0) {
		__atomic_store_n(&hv_ev_stop, 0, __ATOMIC_SEQ_CST);
		hv_ev_timer = virEventAddTimeout(HV_RECONNECT_MS, hv_ev_tick, NULL, NULL);
		if (hv_ev_timer < 0) {
			vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot add a libvirt timer: %s",
				    hv_msg());
			goto cleanup;
		}
		if (pthread_create(&hv_ev_thread, NULL, hv_ev_main, NULL)) {
			virEventRemoveTimeout(hv_ev_timer);
			hv_ev_timer = -1;
			vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot start the libvirt event thread");
			goto cleanup;
		}
	}
	hv_ev_users++;
	hv->next = hv_ev_ctxs;
	hv_ev_ctxs = hv;
	rc = 0;
cleanup:
	pthread_mutex_unlock(&hv_ev_lock);
	return rc;
}

void
hv_ev_stop_ctx(struct hv_libvirt *hv)
{
	struct hv_libvirt **pp;
	bool join = false;

	pthread_mutex_lock(&hv_ev_lock);
	for (pp = &hv_ev_ctxs; *pp; pp = &(*pp)->next) {
		if (*pp == hv) {
			*pp = hv->next;
			break;
		}
	}
	if (--hv_ev_users == 0) {
		__atomic_store_n(&hv_ev_stop, 1, __ATOMIC_SEQ_CST);
		/* Wake the loop now rather than at the next tick. */
		virEventUpdateTimeout(hv_ev_timer, 0);
		join = true;
	}
	pthread_mutex_unlock(&hv_ev_lock);
	if (join) {
		pthread_join(hv_ev_thread, NULL);
		virEventRemoveTimeout(hv_ev_timer);
		hv_ev_timer = -1;
	}
}

/* ------------------------------------------------------------------ */
/* Domain lifecycle events                                            */
/* ------------------------------------------------------------------ */

static enum vnm_vr_oper
hv_event_state(int event, int detail, const char **reason)
{
	switch (event) {
	case VIR_DOMAIN_EVENT_DEFINED:
		*reason = "defined";
		return VNM_VR_STOPPED;
	case VIR_DOMAIN_EVENT_UNDEFINED:
		*reason = "undefined";
		return VNM_VR_ABSENT;
	case VIR_DOMAIN_EVENT_STARTED:
		*reason = detail == VIR_DOMAIN_EVENT_STARTED_MIGRATED ? "migrated in" : "started";
		return VNM_VR_RUNNING;
	case VIR_DOMAIN_EVENT_SUSPENDED:
		switch (detail) {
		case VIR_DOMAIN_EVENT_SUSPENDED_PAUSED:
			*reason = "paused";
			break;
		case VIR_DOMAIN_EVENT_SUSPENDED_IOERROR:
			*reason = "paused by the host: disk I/O error";
			break;
		case VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG:
			*reason = "paused by the host: watchdog";
			break;
		case VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED:
			*reason = "paused for migration";
			break;
		default:
			*reason = "paused by the host";
		}
		return VNM_VR_PAUSED;
	case VIR_DOMAIN_EVENT_RESUMED:
		*reason = "resumed";
		return VNM_VR_RUNNING;
	case VIR_DOMAIN_EVENT_STOPPED:
		switch (detail) {
		case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:
			*reason = "shut down";
			break;
		case VIR_DOMAIN_EVENT_STOPPED_DESTROYED:
			*reason = "destroyed";
			break;
		case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
			*reason = "crashed";
			return VNM_VR_CRASHED;
		case VIR_DOMAIN_EVENT_STOPPED_MIGRATED:
			*reason = "migrated away";
			break;
		case VIR_DOMAIN_EVENT_STOPPED_FAILED:
			*reason = "the hypervisor failed";
			return VNM_VR_CRASHED;
		default:
			*reason = "stopped";
		}
		return VNM_VR_STOPPED;
	case VIR_DOMAIN_EVENT_SHUTDOWN:
		*reason = detail == VIR_DOMAIN_EVENT_SHUTDOWN_GUEST ? "shutting down from inside" :
			"shutting down";
		return VNM_VR_RUNNING;
	case VIR_DOMAIN_EVENT_CRASHED:
		*reason = "crashed";
		return VNM_VR_CRASHED;
	case VIR_DOMAIN_EVENT_PMSUSPENDED:
		*reason = "suspended by the guest";
		return VNM_VR_PAUSED;
	default:
		*reason = "unknown event";
		return VNM_VR_UNKNOWN;
	}
}

int
hv_lifecycle_cb(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct hv_conn *c = opaque;
	struct hv_libvirt *hv = c->hv;
	struct hv_tag t;
	vnm_vr_event_cb cb;
	const char *reason = "";
	enum vnm_vr_oper st;
	void *arg;

	(void)conn;
	pthread_mutex_lock(&hv->cb_lock);
	cb = hv->cb;
	pthread_mutex_unlock(&hv->cb_lock);
	if (!cb)
		return 0;
	/* An undefined domain has no metadata left to read. */
	if (event == VIR_DOMAIN_EVENT_UNDEFINED || hv_tag_read(dom, &t) != 1) {
		virResetLastError();
		return 0;
	}
	/* A running domain whose persistent definition was rewritten (a NIC's
	 * link state, a hot-plug kept in step) is still running: not news. */
	if (event == VIR_DOMAIN_EVENT_DEFINED && virDomainIsActive(dom) == 1)
		return 0;
	st = hv_event_state(event, detail, &reason);
	/* Called with cb_lock held, so that set_event_cb(NULL) returns only
	 * once no call of the old callback is in progress. */
	pthread_mutex_lock(&hv->cb_lock);
	cb = hv->cb;
	arg = hv->cb_arg;
	if (cb)
		cb(arg, t.vn, t.node, st, reason);
	pthread_mutex_unlock(&hv->cb_lock);
	return 0;
}

void
hv_set_event_cb(void *ctx, vnm_vr_event_cb cb, void *arg)
{
	struct hv_libvirt *hv = ctx;

	pthread_mutex_lock(&hv->cb_lock);
	hv->cb = cb;
	hv->cb_arg = arg;
	pthread_mutex_unlock(&hv->cb_lock);
}
