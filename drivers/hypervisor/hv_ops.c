/*
 * hv_ops.c - the libvirt driver's operations (vnm_hv_libvirt_ops).
 *
 * Each operation holds its router's domain through a struct hv_dom: a
 * referenced connection to the router's host and the domain, looked up by
 * name and accepted only when vnmd's tag names this router.  hv_dom_release
 * frees both, whatever the operation got to.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hv_int.h"
#include "log.h"

#define HV_POLL_MS 100

/* ------------------------------------------------------------------ */
/* Serial logs and undefining                                         */
/* ------------------------------------------------------------------ */

/* Serial logs are files on this machine: only for a local hypervisor
 * (qemu:///system, no host part) that really writes them (not test:). */
static bool
hv_uri_local(const char *uri)
{
	const char *p = strstr(uri, "://");

	return p && p[3] == '/' && strncmp(uri, "test", 4) != 0;
}

static void
hv_log_dir_make(struct hv_libvirt *hv, const struct vnm_host *host)
{
	if (hv_uri_local(hv_host_uri(hv, host)))
		mkdir(hv->log_dir, 0755);
}

static void
hv_log_remove(struct hv_libvirt *hv, const struct vnm_host *host, const char *dom)
{
	char path[600];

	if (hv_uri_local(hv_host_uri(hv, host))) {
		hv_log_path(hv, dom, path, sizeof(path));
		unlink(path);
	}
}

/* Undefine a domain with what libvirt keeps beside it, where it can. */
static int
hv_undefine(virDomainPtr dom)
{
	if (virDomainIsPersistent(dom) == 1 &&
	    virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
				   VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) < 0 &&
	    virDomainUndefine(dom) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Define, undefine, state                                            */
/* ------------------------------------------------------------------ */

static int
hv_vr_define(void *ctx, const struct vnm_vr *vr, uint64_t generation, struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	struct hv_dom d = {0};
	virDomainPtr nd = NULL;
	char type[16], uuid[VIR_UUID_STRING_BUFLEN], *xml = NULL;
	int r, rc = -1;

	if (hv_dom_connect(hv, vr->host, &d, err) < 0)
		goto cleanup;
	if (hv_dtype(hv, d.c, d.conn, vr->host, type, sizeof(type), err) < 0) {
		vnm_err_prefix(err, "router %s/%s", vr->vn ? vr->vn->name : "?", vr->name);
		goto cleanup;
	}
	r = hv_dom_find(&d, vr, NULL, err);
	if (r < 0)
		goto cleanup;
	/* Keep an existing domain's UUID: redefining it then only replaces
	 * its persistent definition and never restarts it (adoption). */
	if (r == 1 && virDomainGetUUIDString(d.dom, uuid) < 0) {
		HV_LV_FAIL(err, vr, "cannot read the UUID of domain %s", vr->domain_name);
		goto cleanup;
	}
	if (hv_domain_xml(hv, vr, type, r == 1 ? uuid : NULL, generation, &xml, err) < 0)
		goto cleanup;
	hv_log_dir_make(hv, vr->host);
	nd = virDomainDefineXML(d.conn, xml);
	if (!nd) {
		HV_LV_FAIL(err, vr, "cannot define domain %s (type %s)", vr->domain_name, type);
		goto cleanup;
	}
	/* A running domain keeps its live definition: give it the new tag
	 * too, so that list_own reports the generation just applied. */
	if (virDomainIsActive(nd) == 1 && hv_tag_set_live(nd, vr, generation) < 0) {
		HV_LV_FAIL(err, vr, "cannot update the tag of running domain %s", vr->domain_name);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (nd)
		virDomainFree(nd);
	free(xml);
	hv_dom_release(&d);
	return rc;
}

static int
hv_vr_undefine(void *ctx, const struct vnm_vr *vr, struct vnm_err *err)
{
	struct hv_dom d = {0};
	int r, rc = -1;

	r = hv_dom_get(ctx, vr, &d, NULL, err);
	if (r <= 0) {
		rc = r;
		goto cleanup;
	}
	if (virDomainIsActive(d.dom) == 1) {
		hv_fail_vr(err, VNM_E_INVALID, vr, "domain %s is still running: stop it first",
			   vr->domain_name);
		goto cleanup;
	}
	if (hv_undefine(d.dom) < 0) {
		HV_LV_FAIL(err, vr, "cannot undefine domain %s", vr->domain_name);
		goto cleanup;
	}
	hv_log_remove(ctx, vr->host, vr->domain_name);
	rc = 0;
cleanup:
	hv_dom_release(&d);
	return rc;
}

static enum vnm_vr_oper
hv_state_of(int state, int reason)
{
	switch (state) {
	case VIR_DOMAIN_RUNNING:
	case VIR_DOMAIN_BLOCKED:
	case VIR_DOMAIN_SHUTDOWN:
		return VNM_VR_RUNNING;
	case VIR_DOMAIN_PAUSED:
	case VIR_DOMAIN_PMSUSPENDED:
		return VNM_VR_PAUSED;
	case VIR_DOMAIN_SHUTOFF:
		return reason == VIR_DOMAIN_SHUTOFF_CRASHED ? VNM_VR_CRASHED : VNM_VR_STOPPED;
	case VIR_DOMAIN_CRASHED:
		return VNM_VR_CRASHED;
	default:
		return VNM_VR_UNKNOWN;
	}
}

static int
hv_dom_state(virDomainPtr dom, enum vnm_vr_oper *st)
{
	int state, reason;

	if (virDomainGetState(dom, &state, &reason, 0) < 0)
		return -1;
	*st = hv_state_of(state, reason);
	return 0;
}

/* Graceful stop: the power button, a bounded wait, then the plug. */
static int
hv_stop(struct hv_libvirt *hv, virDomainPtr dom, const struct vnm_vr *vr, struct vnm_err *err)
{
	struct timespec ts = {0, HV_POLL_MS * 1000000L};
	enum vnm_vr_oper st = VNM_VR_UNKNOWN;
	unsigned waited = 0;

	/* A paused guest cannot see the power button. */
	if (hv_dom_state(dom, &st) == 0 && st == VNM_VR_RUNNING && virDomainShutdown(dom) == 0) {
		while (waited < hv->stop_timeout_ms) {
			if (virDomainIsActive(dom) == 0)
				return 0;
			nanosleep(&ts, NULL);
			waited += HV_POLL_MS;
		}
		vnm_log(VNM_LOG_NOTICE, "router %s/%s did not stop within %u ms: destroying it",
			vr->vn ? vr->vn->name : "?", vr->name, hv->stop_timeout_ms);
	}
	virResetLastError();
	if (virDomainDestroy(dom) < 0 && virDomainIsActive(dom) != 0)
		return HV_LV_FAIL(err, vr, "cannot destroy domain %s", vr->domain_name);
	return 0;
}

/* Take a domain in state st to admin state to. */
static int
hv_goto_state(struct hv_libvirt *hv, virDomainPtr dom, const struct vnm_vr *vr,
	      enum vnm_vr_oper st, enum vnm_admin to, struct vnm_err *err)
{
	switch (to) {
	case VNM_ADMIN_RUNNING:
		if (st == VNM_VR_PAUSED) {
			if (virDomainResume(dom) < 0)
				return HV_LV_FAIL(err, vr, "cannot resume domain %s", vr->domain_name);
		} else if (st != VNM_VR_RUNNING && virDomainCreate(dom) < 0) {
			return HV_LV_FAIL(err, vr, "cannot start domain %s", vr->domain_name);
		}
		return 0;
	case VNM_ADMIN_PAUSED:
		if (st == VNM_VR_RUNNING) {
			if (virDomainSuspend(dom) < 0)
				return HV_LV_FAIL(err, vr, "cannot pause domain %s", vr->domain_name);
		} else if (st != VNM_VR_PAUSED &&
			   virDomainCreateWithFlags(dom, VIR_DOMAIN_START_PAUSED) < 0) {
			/* Drivers without START_PAUSED: start, then pause at once. */
			virResetLastError();
			if (virDomainCreate(dom) < 0 || virDomainSuspend(dom) < 0)
				return HV_LV_FAIL(err, vr, "cannot start domain %s paused",
						  vr->domain_name);
		}
		return 0;
	case VNM_ADMIN_STOPPED:
		if (st == VNM_VR_RUNNING || st == VNM_VR_PAUSED || st == VNM_VR_UNKNOWN)
			return hv_stop(hv, dom, vr, err);
		return 0;
	default:
		return hv_fail_vr(err, VNM_E_INTERNAL, vr, "unknown admin state %d", (int)to);
	}
}

static int
hv_vr_set_state(void *ctx, const struct vnm_vr *vr, enum vnm_admin to, struct vnm_err *err)
{
	struct hv_dom d = {0};
	enum vnm_vr_oper st;
	int r, rc = -1;

	/* Stopping a router without a domain is done already. */
	r = hv_dom_get(ctx, vr, &d, to == VNM_ADMIN_STOPPED ? NULL :
		       "is not defined: define it first", err);
	if (r <= 0) {
		rc = r;
		goto cleanup;
	}
	if (hv_dom_state(d.dom, &st) < 0) {
		HV_LV_FAIL(err, vr, "cannot read the state of domain %s", vr->domain_name);
		goto cleanup;
	}
	rc = hv_goto_state(ctx, d.dom, vr, st, to, err);
cleanup:
	hv_dom_release(&d);
	return rc;
}

static int
hv_vr_status(void *ctx, const struct vnm_vr *vr, struct vnm_vr_status *st, struct vnm_err *err)
{
	struct hv_dom d = {0};
	virDomainInfo info;
	int r, rc = -1;

	memset(st, 0, sizeof(*st));
	st->domain_id = -1;
	r = hv_dom_get(ctx, vr, &d, NULL, err);
	if (r <= 0) {
		st->state = VNM_VR_ABSENT;
		rc = r;
		goto cleanup;
	}
	if (hv_dom_state(d.dom, &st->state) < 0 || virDomainGetInfo(d.dom, &info) < 0 ||
	    virDomainGetUUIDString(d.dom, st->uuid) < 0) {
		HV_LV_FAIL(err, vr, "cannot read the state of domain %s", vr->domain_name);
		goto cleanup;
	}
	if (st->state == VNM_VR_RUNNING || st->state == VNM_VR_PAUSED)
		st->domain_id = (int)virDomainGetID(d.dom);
	st->memory_mib = (uint32_t)(info.memory / 1024);
	st->vcpus = info.nrVirtCpu;
	rc = 0;
cleanup:
	hv_dom_release(&d);
	return rc;
}

/*
 * An incoming migration of a running domain is done when it runs: QEMU
 * waits paused for the state and libvirt resumes it in the migration's
 * finish, after persisting it.  One that migrates paused stays paused,
 * and one that crashed before it left moves offline (shut off): done when
 * it is persistent and no job is left on it (libvirt refuses the job
 * query on the destination while the migration runs).
 */
static int
hv_vr_arrival(void *ctx, const struct vnm_vr *vr, struct vnm_err *err)
{
	struct hv_dom d = {0};
	virDomainJobInfo job;
	int r, state = 0, reason = 0, rc = -1;

	r = hv_dom_get(ctx, vr, &d, NULL, err);
	if (r <= 0) {
		rc = r < 0 ? -1 : VNM_ARRIVAL_NONE;
		goto cleanup;
	}
	rc = VNM_ARRIVAL_UNDERWAY;
	if (virDomainGetState(d.dom, &state, &reason, 0) < 0)
		goto cleanup; /* vanished since the lookup: a failed migration */
	if (state == VIR_DOMAIN_RUNNING)
		rc = VNM_ARRIVAL_DONE;
	else if ((state == VIR_DOMAIN_PAUSED || state == VIR_DOMAIN_SHUTOFF) &&
		 virDomainIsPersistent(d.dom) == 1 && virDomainGetJobInfo(d.dom, &job) == 0 &&
		 job.type == VIR_DOMAIN_JOB_NONE)
		rc = state == VIR_DOMAIN_PAUSED ? VNM_ARRIVAL_DONE : VNM_ARRIVAL_DONE_OFF;
cleanup:
	virResetLastError();
	hv_dom_release(&d);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Resources                                                          */
/* ------------------------------------------------------------------ */
static int
hv_set_vcpus(virDomainPtr dom, unsigned long n, unsigned flags)
{
	return virDomainSetVcpusFlags(dom, (unsigned)n, flags);
}

/* Set a value of the persistent definition and its maximum (max_flag)
 * with set, in the order libvirt accepts: the maximum first when the value
 * grows, last when it shrinks. */
static int
hv_set_config(virDomainPtr dom, int (*set)(virDomainPtr, unsigned long, unsigned),
	      unsigned long v, bool grow, unsigned max_flag)
{
	unsigned first = VIR_DOMAIN_AFFECT_CONFIG | (grow ? max_flag : 0);
	unsigned second = VIR_DOMAIN_AFFECT_CONFIG | (grow ? 0 : max_flag);

	return set(dom, v, first) < 0 || set(dom, v, second) < 0 ? -1 : 0;
}

/* Config-only change of vcpus and memory (see hv_set_config). */
static int
hv_resources_config(virDomainPtr dom, const struct vnm_vr *vr, unsigned vcpus,
		    unsigned long mem_kib, struct vnm_err *err)
{
	unsigned long max_kib;
	int cur_vcpus;

	cur_vcpus = virDomainGetVcpusFlags(dom, VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM);
	if (cur_vcpus < 0)
		return HV_LV_FAIL(err, vr, "cannot read its vCPUs");
	if (hv_set_config(dom, hv_set_vcpus, vcpus, (int)vcpus > cur_vcpus,
			  VIR_DOMAIN_VCPU_MAXIMUM) < 0)
		return HV_LV_FAIL(err, vr, "cannot set %u vCPUs", vcpus);
	max_kib = virDomainGetMaxMemory(dom);
	if (max_kib == 0)
		return HV_LV_FAIL(err, vr, "cannot read its maximum memory");
	if (hv_set_config(dom, virDomainSetMemoryFlags, mem_kib, mem_kib > max_kib,
			  VIR_DOMAIN_MEM_MAXIMUM) < 0)
		return HV_LV_FAIL(err, vr, "cannot set %lu KiB of memory", mem_kib);
	return 0;
}

static int
hv_vr_set_resources(void *ctx, const struct vnm_vr *old, const struct vnm_vr *new,
		    bool *applied_live, struct vnm_err *err)
{
	struct hv_dom d = {0};
	unsigned vcpus = new->vcpus ? new->vcpus : 1;
	unsigned long mem_kib = (unsigned long)(new->memory_mib ? new->memory_mib : 128) * 1024;
	unsigned long max_kib;
	int live_max, rc = -1;
	bool live = true;

	(void)old;
	*applied_live = false;
	if (hv_dom_get(ctx, new, &d, "is not defined", err) <= 0)
		goto cleanup;
	/* The persistent definition always takes the new values. */
	if (hv_resources_config(d.dom, new, vcpus, mem_kib, err) < 0)
		goto cleanup;
	if (virDomainIsActive(d.dom) != 1) {
		/* Shut off: the next start uses the new values. */
		rc = 0;
		goto cleanup;
	}
	/* Live: within the running domain's maxima only (no memory or CPU
	 * hot-add here); a refusal leaves the change for the next start. */
	max_kib = virDomainGetMaxMemory(d.dom);
	if (max_kib == 0 || mem_kib > max_kib ||
	    virDomainSetMemoryFlags(d.dom, mem_kib, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		vnm_log(VNM_LOG_INFO, "router %s/%s: memory %lu KiB not applied live (%s): "
			"applied at next start", new->vn ? new->vn->name : "?", new->name, mem_kib,
			mem_kib > max_kib ? "above the running maximum" : hv_msg());
		live = false;
	}
	virResetLastError();
	live_max = virDomainGetVcpusFlags(d.dom, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_VCPU_MAXIMUM);
	if (live_max < 0 || (int)vcpus > live_max ||
	    (virDomainGetVcpusFlags(d.dom, VIR_DOMAIN_AFFECT_LIVE) != (int)vcpus &&
	     virDomainSetVcpusFlags(d.dom, vcpus, VIR_DOMAIN_AFFECT_LIVE) < 0)) {
		vnm_log(VNM_LOG_INFO, "router %s/%s: %u vCPUs not applied live: applied at next start",
			new->vn ? new->vn->name : "?", new->name, vcpus);
		live = false;
	}
	virResetLastError();
	*applied_live = live;
	rc = 0;
cleanup:
	hv_dom_release(&d);
	return rc;
}

/* ------------------------------------------------------------------ */
/* vNICs                                                              */
/* ------------------------------------------------------------------ */

/* Add (attach) or remove a NIC of a shut-off domain by redefining it:
 * works on every driver, including those without device hot-plug. */
static int
hv_nic_redefine(struct hv_dom *d, const struct vnm_vnic *nic, bool attach, struct vnm_err *err)
{
	const struct vnm_vr *vr = nic->vr;
	xmlDocPtr doc;
	virDomainPtr nd;
	char *xml = NULL;
	int r, rc = -1;

	doc = hv_dom_doc(d->dom, VIR_DOMAIN_XML_INACTIVE);
	if (!doc)
		return HV_LV_FAIL(err, vr, "cannot read the definition of domain %s",
				  vr->domain_name);
	r = hv_nic_edit(doc, nic, attach, &xml);
	if (r <= 0) {
		if (r < 0)
			hv_fail_vr(err, VNM_E_NOMEM, vr, "out of memory");
		else
			rc = 0;
		goto cleanup;
	}
	nd = virDomainDefineXML(d->conn, xml);
	if (!nd) {
		HV_LV_FAIL(err, vr, "cannot %s NIC %s (MAC %s) in domain %s",
			   attach ? "add" : "remove", nic->name, nic->mac, vr->domain_name);
		goto cleanup;
	}
	virDomainFree(nd);
	rc = 0;
cleanup:
	free(xml);
	xmlFreeDoc(doc);
	return rc;
}

/* Hot-(un)plug nic of the running domain d->dom. */
static int
hv_nic_hotplug(struct hv_libvirt *hv, struct hv_dom *d, const struct vnm_vnic *nic, bool attach,
	       struct vnm_err *err)
{
	const struct vnm_vr *vr = nic->vr;
	xmlDocPtr doc = NULL;
	unsigned flags;
	char *xml;
	int lr, rc = -1;

	xml = hv_nic_xml_str(nic);
	if (!xml)
		return hv_fail_vr(err, VNM_E_NOMEM, vr, "out of memory");
	/* The persistent definition may already be right (a redefinition
	 * came first): then change the live domain only. */
	flags = VIR_DOMAIN_AFFECT_LIVE;
	if (virDomainIsPersistent(d->dom) == 1) {
		doc = hv_dom_doc(d->dom, VIR_DOMAIN_XML_INACTIVE);
		if (!doc) {
			HV_LV_FAIL(err, vr, "cannot read the definition of domain %s",
				   vr->domain_name);
			goto cleanup;
		}
		if ((hv_find_nic(doc, nic->mac) != NULL) != attach)
			flags |= VIR_DOMAIN_AFFECT_CONFIG;
	}
	lr = attach ? virDomainAttachDeviceFlags(d->dom, xml, flags) :
		virDomainDetachDeviceFlags(d->dom, xml, flags);
	if (lr < 0) {
		if (hv_code() == VNM_E_UNSUPPORTED)
			hv_fail_vr(err, VNM_E_UNSUPPORTED, vr,
				   "the hypervisor at %s cannot hot-%splug NIC %s while the router "
				   "runs (%s): stop the router to change its NICs",
				   hv_host_uri(hv, vr->host), attach ? "" : "un", nic->name, hv_msg());
		else
			HV_LV_FAIL(err, vr, "cannot hot-%splug NIC %s (MAC %s, bridge %s)",
				   attach ? "" : "un", nic->name, nic->mac, nic->bridge);
		goto cleanup;
	}
	rc = 0;
cleanup:
	xmlFreeDoc(doc);
	free(xml);
	return rc;
}

static int
hv_vnic_plug(struct hv_libvirt *hv, const struct vnm_vnic *nic, bool attach, struct vnm_err *err)
{
	const struct vnm_vr *vr = nic->vr;
	struct hv_dom d = {0};
	xmlDocPtr doc = NULL;
	int r, rc = -1;

	r = hv_dom_get(hv, vr, &d, NULL, err);
	if (r <= 0) {
		if (r == 0 && attach)
			hv_fail_vr(err, VNM_E_MISSING, vr, "domain %s is not defined: cannot add NIC %s",
				   vr->domain_name, nic->name);
		else
			rc = r; /* detaching from a domain that is gone: done */
		goto cleanup;
	}
	if (virDomainIsActive(d.dom) != 1) {
		rc = hv_nic_redefine(&d, nic, attach, err);
		goto cleanup;
	}
	doc = hv_dom_doc(d.dom, 0);
	if (!doc) {
		HV_LV_FAIL(err, vr, "cannot read domain %s", vr->domain_name);
		goto cleanup;
	}
	if ((hv_find_nic(doc, nic->mac) != NULL) == attach) {
		/* Live already right; keep the persistent definition in step. */
		rc = virDomainIsPersistent(d.dom) == 1 ? hv_nic_redefine(&d, nic, attach, err) : 0;
		goto cleanup;
	}
	rc = hv_nic_hotplug(hv, &d, nic, attach, err);
cleanup:
	xmlFreeDoc(doc);
	hv_dom_release(&d);
	return rc;
}

static int
hv_vnic_attach(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err)
{
	return hv_vnic_plug(ctx, nic, true, err);
}

static int
hv_vnic_detach(void *ctx, const struct vnm_vnic *nic, struct vnm_err *err)
{
	return hv_vnic_plug(ctx, nic, false, err);
}

/* ------------------------------------------------------------------ */
/* Copy and move                                                      */
/* ------------------------------------------------------------------ */

static int
hv_vr_copy(void *ctx, const struct vnm_vr *vr, const struct vnm_vr *copy, struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	struct hv_dom src = {0}, dst = {0};
	virDomainPtr nd = NULL;
	xmlDocPtr doc = NULL;
	struct hv_tag t;
	char *xml = NULL;
	int r, rc = -1;

	if (hv_dom_connect(hv, vr->host, &src, err) < 0 ||
	    hv_dom_connect(hv, copy->host, &dst, err) < 0 ||
	    hv_dom_find(&src, vr, "does not exist: nothing to copy", err) <= 0)
		goto cleanup;
	/* The copy exists already: done when it is this copy, else refuse. */
	r = hv_dom_find(&dst, copy, NULL, err);
	if (r != 0) {
		rc = r > 0 ? 0 : -1;
		goto cleanup;
	}
	if (hv_tag_read(src.dom, &t) != 1) {
		HV_LV_FAIL(err, vr, "cannot read the metadata of domain %s", vr->domain_name);
		goto cleanup;
	}
	doc = hv_dom_doc(src.dom, VIR_DOMAIN_XML_INACTIVE);
	if (!doc) {
		HV_LV_FAIL(err, vr, "cannot read the definition of domain %s", vr->domain_name);
		goto cleanup;
	}
	if (hv_copy_xml(hv, doc, copy, t.generation, &xml, err) < 0)
		goto cleanup;
	hv_log_dir_make(hv, copy->host);
	nd = virDomainDefineXML(dst.conn, xml);
	if (!nd) {
		HV_LV_FAIL(err, copy, "cannot define domain %s as a copy of %s/%s",
			   copy->domain_name, vr->vn ? vr->vn->name : "?", vr->name);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (nd)
		virDomainFree(nd);
	xmlFreeDoc(doc);
	free(xml);
	hv_dom_release(&dst);
	hv_dom_release(&src);
	return rc;
}

/*
 * Move: peer-to-peer migration.  vnmd asks the source host's libvirtd to
 * migrate the domain to the destination host's URI (libvirt's
 * VIR_MIGRATE_PEER2PEER: the source libvirtd connects to the destination
 * libvirtd itself, and QEMU sends the guest's memory to the address the
 * destination offers, its migration_host in qemu.conf or its hostname).
 * Live when running (paused stays paused), offline when shut off; the
 * definition, vnmd's tag in it included, moves with the domain
 * (PERSIST_DEST) and leaves the source (UNDEFINE_SOURCE).
 *
 * Requirements between machines: the destination URI must be one the
 * source libvirtd can reach (qemu+ssh:// or qemu+tls://, not qemu:///system),
 * the same image paths on both, the vNICs' port bridges on the destination
 * before the move (the plan makes them first) and, for disk-booted
 * routers, shared or copied storage (kernel-booted ones have none).
 *
 * hv_move_check is the look before any of that: both hypervisors
 * reachable, distinct, the destination able to run the domain's type and
 * both offering live migration (libvirt's test driver does not).
 */
static int
hv_move_look(struct hv_libvirt *hv, const struct vnm_vr *vr, const struct vnm_host *dst,
	     struct hv_dom *src, struct hv_dom *to, struct vnm_err *err)
{
	const char *suri, *duri;

	if (!dst)
		return hv_fail_vr(err, VNM_E_INVALID, vr, "no destination host to move to");
	suri = hv_host_uri(hv, vr->host);
	duri = hv_host_uri(hv, dst);
	if (!strcmp(suri, duri))
		return hv_fail_vr(err, VNM_E_INVALID, vr,
				  "host %s uses the same hypervisor (%s) as its current host %s: "
				  "a move needs another machine", dst->name, duri,
				  vr->host ? vr->host->name : "?");
	/* A destination another vnmd realises may be out of this one's
	 * reach: peer to peer, only the source's hypervisor needs to reach it,
	 * and its checks are left to that hypervisor. */
	if (hv_dom_connect(hv, vr->host, src, err) < 0 ||
	    (vnm_host_local(dst) && hv_dom_connect(hv, dst, to, err) < 0))
		return -1;
	return hv_dom_find(src, vr, "does not exist: nothing to move", err) <= 0 ? -1 : 0;
}

/* Does the hypervisor at conn offer live migration?  Its capabilities
 * list <migration_features><live/> (QEMU does, the test driver does not). */
static bool
hv_can_migrate(virConnectPtr conn)
{
	char *caps = virConnectGetCapabilities(conn);
	bool yes = caps && strstr(caps, "<migration_features>") && strstr(caps, "<live/>");

	free(caps);
	return yes;
}

static int
hv_move_refusal(struct hv_libvirt *hv, const struct vnm_vr *vr, const struct vnm_host *dst,
		struct hv_dom *src, struct hv_dom *to, struct vnm_err *err)
{
	const struct vnm_host *h = vr->host;
	char types[256], want[40];
	xmlDocPtr doc;
	xmlChar *t = NULL;

	if (!to->conn)
		return hv_can_migrate(src->conn) ? 0 :
			hv_fail_vr(err, VNM_E_UNSUPPORTED, vr, "cannot move it live from host %s "
				   "(%s) to host %s: the hypervisor of host %s offers no live "
				   "migration", h ? h->name : "?", hv_host_uri(hv, h), dst->name,
				   h ? h->name : "?");
	if (!hv_can_migrate(src->conn) || !hv_can_migrate(to->conn))
		return hv_fail_vr(err, VNM_E_UNSUPPORTED, vr,
				  "cannot move it live from host %s (%s) to host %s (%s): the "
				  "hypervisor of host %s offers no live migration", h ? h->name : "?",
				  hv_host_uri(hv, h), dst->name, hv_host_uri(hv, dst),
				  hv_can_migrate(src->conn) ? dst->name : (h ? h->name : "?"));
	doc = hv_dom_doc(src->dom, 0);
	if (doc)
		t = xmlGetProp(xmlDocGetRootElement(doc), BAD_CAST "type");
	snprintf(want, sizeof(want), " %s ", t ? (const char *)t : "?");
	xmlFree(t);
	xmlFreeDoc(doc);
	if (hv_caps_types(to->conn, types, sizeof(types)) == 0 && !strstr(types, want))
		return hv_fail_vr(err, VNM_E_UNSUPPORTED, vr,
				  "cannot move it live from host %s to host %s: its domain type%s"
				  "is not offered by the hypervisor of host %s (%s), which offers%s",
				  h ? h->name : "?", dst->name, want, dst->name,
				  hv_host_uri(hv, dst), types);
	virResetLastError();
	return 0;
}

static int
hv_vr_move_check(void *ctx, const struct vnm_vr *vr, const struct vnm_host *dst,
		 struct vnm_err *err)
{
	struct hv_dom src = {0}, to = {0};
	int rc = -1;

	if (hv_move_look(ctx, vr, dst, &src, &to, err) < 0)
		goto cleanup;
	rc = hv_move_refusal(ctx, vr, dst, &src, &to, err);
cleanup:
	hv_dom_release(&to);
	hv_dom_release(&src);
	return rc;
}

static int
hv_vr_move(void *ctx, const struct vnm_vr *vr, const struct vnm_host *dst, struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	struct hv_dom src = {0}, to = {0};
	enum vnm_vr_oper st = VNM_VR_UNKNOWN;
	unsigned long flags;
	int rc = -1;

	if (hv_move_look(hv, vr, dst, &src, &to, err) < 0)
		goto cleanup;
	flags = VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE;
	if (virDomainIsActive(src.dom) == 1) {
		if (hv_move_refusal(hv, vr, dst, &src, &to, err) < 0)
			goto cleanup;
		flags |= VIR_MIGRATE_LIVE;
		if (hv_dom_state(src.dom, &st) == 0 && st == VNM_VR_PAUSED)
			flags |= VIR_MIGRATE_PAUSED;
	} else {
		flags |= VIR_MIGRATE_OFFLINE;
	}
	if (virDomainMigrateToURI(src.dom, hv_host_uri(hv, dst), flags, NULL, 0) < 0) {
		HV_LV_FAIL(err, vr, "cannot move domain %s from host %s to host %s (%s)",
			   vr->domain_name, vr->host ? vr->host->name : "?", dst->name,
			   hv_host_uri(hv, dst));
		goto cleanup;
	}
	rc = 0;
cleanup:
	hv_dom_release(&to);
	hv_dom_release(&src);
	return rc;
}

/* ------------------------------------------------------------------ */
/* vnmd's own domains                                                 */
/* ------------------------------------------------------------------ */

static int
hv_list_own(void *ctx, const struct vnm_host *host, struct vnm_own_list *out,
	    struct vnm_err *err)
{
	struct hv_dom d = {0};
	struct vnm_own_obj o;
	struct hv_tag t;
	virDomainPtr *doms = NULL;
	const char *name;
	int i, n = 0, rc = -1;

	if (hv_dom_connect(ctx, host, &d, err) < 0)
		return -1;
	n = virConnectListAllDomains(d.conn, &doms, 0);
	if (n < 0) {
		vnm_err_set(err, hv_code(), NULL, "host %s: cannot list domains: %s",
			    host ? host->name : "(default)", hv_msg());
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		/* A domain may vanish between the list and the read: skip it. */
		if (hv_tag_read(doms[i], &t) != 1 || !(name = virDomainGetName(doms[i]))) {
			virResetLastError();
			continue;
		}
		memset(&o, 0, sizeof(o));
		o.kind = VNM_OBJ_DOMAIN;
		hv_copy(o.name, sizeof(o.name), name);
		hv_copy(o.vn, sizeof(o.vn), t.vn);
		hv_copy(o.obj, sizeof(o.obj), t.node);
		hv_copy(o.host, sizeof(o.host), host ? host->name : "");
		o.generation = t.generation;
		if (vnm_own_list_add(out, &o) < 0) {
			vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
			goto cleanup;
		}
	}
	rc = 0;
cleanup:
	for (i = 0; doms && i < n; i++)
		virDomainFree(doms[i]);
	free(doms);
	hv_dom_release(&d);
	return rc;
}

static int
hv_remove_own(void *ctx, const struct vnm_host *host, const struct vnm_own_obj *o,
	      struct vnm_err *err)
{
	struct hv_dom d = {0};
	struct hv_tag t;
	int r, rc = -1;

	if (o->kind != VNM_OBJ_DOMAIN)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "%s is not a domain", o->name);
	if (hv_dom_connect(ctx, host, &d, err) < 0)
		return -1;
	r = hv_lookup_name(d.conn, o->name, &d.dom);
	if (r <= 0) {
		if (r < 0)
			vnm_err_set(err, hv_code(), NULL, "leftover domain %s: %s", o->name, hv_msg());
		rc = r;
		goto cleanup;
	}
	/* Never touch a domain that is not vnmd's, whatever the caller says. */
	if (hv_tag_read(d.dom, &t) != 1) {
		vnm_err_set(err, VNM_E_INVALID, NULL,
			    "domain %s is not tagged by vnmd: not removing it", o->name);
		goto cleanup;
	}
	if (virDomainIsActive(d.dom) == 1 && virDomainDestroy(d.dom) < 0) {
		vnm_err_set(err, hv_code(), NULL, "leftover router %s/%s (domain %s): cannot "
			    "destroy it: %s", t.vn, t.node, o->name, hv_msg());
		goto cleanup;
	}
	if (hv_undefine(d.dom) < 0) {
		vnm_err_set(err, hv_code(), NULL, "leftover router %s/%s (domain %s): cannot "
			    "undefine it: %s", t.vn, t.node, o->name, hv_msg());
		goto cleanup;
	}
	hv_log_remove(ctx, host, o->name);
	rc = 0;
cleanup:
	hv_dom_release(&d);
	return rc;
}

const struct vnm_hv_ops vnm_hv_libvirt_ops = {
	.name = "libvirt",
	.vr_define = hv_vr_define,
	.vr_undefine = hv_vr_undefine,
	.vr_set_state = hv_vr_set_state,
	.vr_set_resources = hv_vr_set_resources,
	.vnic_attach = hv_vnic_attach,
	.vnic_detach = hv_vnic_detach,
	.vnic_set_link = hv_vnic_set_link,
	.vr_status = hv_vr_status,
	.vr_copy = hv_vr_copy,
	.vr_move = hv_vr_move,
	.vr_move_check = hv_vr_move_check,
	.vr_arrival = hv_vr_arrival,
	.list_own = hv_list_own,
	.remove_own = hv_remove_own,
	.set_event_cb = hv_set_event_cb,
};
