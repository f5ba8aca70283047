/*
 * hv_libvirt.c - virtual routers as libvirt domains (libvirt C API only).
 *
 * Connections: one per URI, opened lazily, reference-counted per call
 * (virConnectRef) so that a reconnect never pulls a connection from under a
 * running operation.  A connection is reopened when libvirt says it closed
 * (close callback) or is no longer alive: at the next operation, or from the
 * event thread every few seconds so that events keep flowing.
 *
 * Domain XML is built and edited with libxml2, which does the escaping.
 * Domain type: host->domain_type when configured; otherwise "qemu" (TCG)
 * when the hypervisor offers it, since KVM is used only when asked for
 * (on some machines KVM guests hang), else the first type offered ("test"
 * on test:///default).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "hv_libvirt.h"
#include "log.h"
#include "uri_policy.h"

#define HV_RECONNECT_MS 2000
#define HV_STOP_TIMEOUT_MS 10000
#define HV_POLL_MS 100

struct hv_libvirt;

struct hv_conn {
	struct hv_conn *next;
	struct hv_libvirt *hv;
	char *uri;
	virConnectPtr conn;     /* NULL while closed */
	int broken;             /* set by the close callback (atomic) */
	bool close_cb;          /* close callback registered */
	bool was_open;          /* opened once: reopen it when it closes */
	int lifecycle_id;       /* -1: not registered */
	char dtype[16];         /* chosen default domain type, "" until known */
};

struct hv_libvirt {
	struct hv_libvirt *next; /* in hv_ev_ctxs */
	pthread_mutex_t lock;     /* conns */
	pthread_mutex_t cb_lock;  /* cb, cb_arg: never held across libvirt calls */
	bool ev_started;
	char *default_uri;
	char *log_dir;
	const struct vnm_uri_policy *uris; /* not owned; NULL: the built-in list */
	struct hv_conn *conns;
	vnm_vr_event_cb cb;
	void *cb_arg;
	unsigned stop_timeout_ms;
};

/* The domain's tag, from <metadata>. */
struct hv_tag {
	char vn[128];
	char node[128];
	uint64_t generation;
};

/* ------------------------------------------------------------------ */
/* Errors                                                             */
/* ------------------------------------------------------------------ */

static enum vnm_err_code
hv_code(void)
{
	virErrorPtr e = virGetLastError();

	if (!e)
		return VNM_E_DRIVER;
	switch (e->code) {
	case VIR_ERR_NO_SUPPORT:
	case VIR_ERR_OPERATION_UNSUPPORTED:
	case VIR_ERR_ARGUMENT_UNSUPPORTED:
		return VNM_E_UNSUPPORTED;
	case VIR_ERR_NO_DOMAIN:
		return VNM_E_MISSING;
	case VIR_ERR_NO_MEMORY:
		return VNM_E_NOMEM;
	default:
		return VNM_E_DRIVER;
	}
}

static const char *
hv_msg(void)
{
	virErrorPtr e = virGetLastError();

	return e && e->message ? e->message : "unknown libvirt error";
}

static void
hv_vr_path(const struct vnm_vr *vr, char *buf, size_t len)
{
	snprintf(buf, len, "/ietf-network:networks/network[network-id='%s']/node[node-id='%s']",
		 vr->vn ? vr->vn->name : "", vr->name);
}

/* Fail about router vr with libvirt's last error appended. */
static int __attribute__((format(printf, 4, 5)))
hv_fail_vr(struct vnm_err *err, enum vnm_err_code code, const struct vnm_vr *vr,
	   const char *fmt, ...)
{
	char path[512], msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hv_vr_path(vr, path, sizeof(path));
	return vnm_err_set(err, code, path, "router %s/%s: %s", vr->vn ? vr->vn->name : "?",
			   vr->name, msg);
}

#define HV_LV_FAIL(err, vr, ...) \
	hv_fail_vr(err, hv_code(), vr, "%s: %s", hv_fmt(__VA_ARGS__), hv_msg())

static const char * __attribute__((format(printf, 1, 2)))
hv_fmt(const char *fmt, ...)
{
	static __thread char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

static void
hv_quiet(void *arg, virErrorPtr e)
{
	(void)arg;
	(void)e;
}

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

static void hv_reconnect_broken(struct hv_libvirt *hv);

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

static int
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

static void
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
/* Tags and domain XML helpers                                        */
/* ------------------------------------------------------------------ */

static void
hv_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static xmlNodePtr
hv_child(xmlNodePtr n, const char *name)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, BAD_CAST name))
			return n;
	return NULL;
}

/* Parse the tag element returned by virDomainGetMetadata. */
static int
hv_tag_parse(const char *xml, struct hv_tag *t)
{
	xmlDocPtr doc;
	xmlNodePtr root, n;
	xmlChar *s;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	doc = xmlReadMemory(xml, strlen(xml), "tag.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
			    XML_PARSE_NOWARNING);
	if (!doc)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!root || xmlStrcmp(root->name, BAD_CAST "router"))
		goto cleanup;
	for (n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		s = xmlNodeGetContent(n);
		if (!xmlStrcmp(n->name, BAD_CAST "network"))
			hv_copy(t->vn, sizeof(t->vn), (const char *)s);
		else if (!xmlStrcmp(n->name, BAD_CAST "node"))
			hv_copy(t->node, sizeof(t->node), (const char *)s);
		else if (!xmlStrcmp(n->name, BAD_CAST "generation") && s)
			t->generation = strtoull((const char *)s, NULL, 10);
		xmlFree(s);
	}
	if (t->vn[0] && t->node[0])
		rc = 0;
cleanup:
	xmlFreeDoc(doc);
	return rc;
}

/* 1: tagged (t filled), 0: not vnmd's domain, -1: libvirt failed. */
static int
hv_tag_read(virDomainPtr dom, struct hv_tag *t)
{
	virErrorPtr e;
	char *xml;
	int rc;

	xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, VNM_HV_NS, 0);
	if (!xml) {
		e = virGetLastError();
		if (e && e->code == VIR_ERR_NO_DOMAIN_METADATA) {
			virResetLastError();
			return 0;
		}
		return -1;
	}
	rc = hv_tag_parse(xml, t) == 0 ? 1 : 0;
	free(xml);
	return rc;
}

static bool
hv_tag_is(const struct hv_tag *t, const struct vnm_vr *vr)
{
	return vr->vn && !strcmp(t->vn, vr->vn->name) && !strcmp(t->node, vr->name);
}

/* Builder: remembers an allocation failure instead of checking each call. */
struct hv_xb {
	bool oom;
};

static xmlNodePtr
xb_el(struct hv_xb *b, xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	xmlNodePtr n;

	if (!parent) {
		b->oom = true;
		return NULL;
	}
	/* xmlNewTextChild escapes text. */
	n = xmlNewTextChild(parent, ns, BAD_CAST name, text ? BAD_CAST text : NULL);
	if (!n)
		b->oom = true;
	return n;
}

static void
xb_attr(struct hv_xb *b, xmlNodePtr n, const char *name, const char *val)
{
	if (!n || !xmlSetProp(n, BAD_CAST name, BAD_CAST val))
		b->oom = true;
}

static char *
hv_xml_dump(xmlNodePtr n)
{
	xmlBufferPtr buf;
	char *out = NULL;

	buf = xmlBufferCreate();
	if (!buf)
		return NULL;
	if (xmlNodeDump(buf, n->doc, n, 0, 1) >= 0)
		out = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return out;
}

/* Serial logs are files on this machine: only for a local hypervisor
 * (qemu:///system, no host part) that really writes them (not test:). */
static bool
hv_uri_local(const char *uri)
{
	const char *p = strstr(uri, "://");

	return p && p[3] == '/' && strncmp(uri, "test", 4) != 0;
}

static void
hv_log_path(const struct hv_libvirt *hv, const char *dom, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.log", hv->log_dir, dom);
}

/* One <interface> of a vNIC. */
static void
hv_nic_xml(struct hv_xb *b, xmlNodePtr devices, const struct vnm_vnic *nic)
{
	xmlNodePtr i;

	i = xb_el(b, devices, NULL, "interface", NULL);
	xb_attr(b, xb_el(b, i, NULL, "mac", NULL), "address", nic->mac);
	if (nic->vr && nic->vr->host && nic->vr->host->netns) {
		/* The port bridge is in the host's namespace, out of libvirt's
		 * reach: libvirt makes a bare tap here and the link driver's
		 * vnic_plug moves it into the bridge once the guest runs. */
		xb_attr(b, i, "type", "ethernet");
	} else {
		xb_attr(b, i, "type", "bridge");
		xb_attr(b, xb_el(b, i, NULL, "source", NULL), "bridge", nic->bridge);
	}
	xb_attr(b, xb_el(b, i, NULL, "target", NULL), "dev", nic->tap);
	xb_attr(b, xb_el(b, i, NULL, "model", NULL), "type", "virtio");
}

static void
hv_tag_xml(struct hv_xb *b, xmlNodePtr metadata, const char *vn, const char *node,
	   uint64_t generation)
{
	xmlNodePtr r;
	xmlNsPtr ns;
	char gen[24];

	r = xb_el(b, metadata, NULL, "router", NULL);
	if (!r)
		return;
	ns = xmlNewNs(r, BAD_CAST VNM_HV_NS, BAD_CAST "vnmd");
	if (!ns) {
		b->oom = true;
		return;
	}
	xmlSetNs(r, ns);
	snprintf(gen, sizeof(gen), "%llu", (unsigned long long)generation);
	xb_el(b, r, ns, "network", vn);
	xb_el(b, r, ns, "node", node);
	xb_el(b, r, ns, "generation", gen);
}

static void
hv_serial_xml(struct hv_xb *b, xmlNodePtr devices, const char *path)
{
	xmlNodePtr s, src;

	s = xb_el(b, devices, NULL, "serial", NULL);
	xb_attr(b, s, "type", "file");
	src = xb_el(b, s, NULL, "source", NULL);
	xb_attr(b, src, "path", path);
	/* Keep earlier boots (a crash's last words) across restarts. */
	xb_attr(b, src, "append", "on");
	xb_attr(b, xb_el(b, s, NULL, "target", NULL), "port", "0");
}

/* The full domain XML of vr (uuid: keep an existing domain's identity). */
static int
hv_domain_xml(struct hv_libvirt *hv, const struct vnm_vr *vr, const char *type,
	      const char *uuid, uint64_t generation, char **out, struct vnm_err *err)
{
	struct hv_xb b = {0};
	xmlDocPtr doc = NULL;
	xmlNodePtr dom, os, devices, n;
	char num[32], path[600], kernel[600], initrd[600], cmdline[1200], title[300];
	const char *idir;
	size_t i;
	int rc = -1;

	*out = NULL;
	doc = xmlNewDoc(BAD_CAST "1.0");
	dom = doc ? xmlNewDocNode(doc, NULL, BAD_CAST "domain", NULL) : NULL;
	if (!dom)
		goto oom;
	xmlDocSetRootElement(doc, dom);
	xb_attr(&b, dom, "type", type);
	xb_el(&b, dom, NULL, "name", vr->domain_name);
	if (uuid)
		xb_el(&b, dom, NULL, "uuid", uuid);
	snprintf(title, sizeof(title), "vnmd router %s/%s", vr->vn ? vr->vn->name : "", vr->name);
	xb_el(&b, dom, NULL, "title", title);
	hv_tag_xml(&b, xb_el(&b, dom, NULL, "metadata", NULL), vr->vn ? vr->vn->name : "",
		   vr->name, generation);
	snprintf(num, sizeof(num), "%u", vr->memory_mib ? vr->memory_mib : 128);
	xb_attr(&b, xb_el(&b, dom, NULL, "memory", num), "unit", "MiB");
	xb_attr(&b, xb_el(&b, dom, NULL, "currentMemory", num), "unit", "MiB");
	snprintf(num, sizeof(num), "%u", vr->vcpus ? vr->vcpus : 1);
	xb_el(&b, dom, NULL, "vcpu", num);

	os = xb_el(&b, dom, NULL, "os", NULL);
	xb_el(&b, os, NULL, "type", "hvm");
	if (vr->kernel || !vr->disk) {
		/* No image configured: the router image of `make image`. */
		idir = getenv("VNMD_IMAGE_DIR");
		if (!idir || !*idir)
			idir = VNM_HV_IMAGE_DIR;
		if (vr->kernel)
			hv_copy(kernel, sizeof(kernel), vr->kernel);
		else
			snprintf(kernel, sizeof(kernel), "%s/vmlinuz", idir);
		if (vr->initrd)
			hv_copy(initrd, sizeof(initrd), vr->initrd);
		else if (!vr->kernel)
			snprintf(initrd, sizeof(initrd), "%s/router.cpio.gz", idir);
		else
			initrd[0] = '\0';
		/* The router talks on ttyS0, which is where its log goes. */
		snprintf(cmdline, sizeof(cmdline), "%s%s",
			 vr->cmdline && strstr(vr->cmdline, "console=") ? "" : "console=ttyS0 quiet panic=-1 ",
			 vr->cmdline ? vr->cmdline : "");
		xb_el(&b, os, NULL, "kernel", kernel);
		if (initrd[0])
			xb_el(&b, os, NULL, "initrd", initrd);
		xb_el(&b, os, NULL, "cmdline", cmdline);
	} else {
		xb_attr(&b, xb_el(&b, os, NULL, "boot", NULL), "dev", "hd");
	}
	/* ACPI: the power button of a graceful stop, and PCI hot-plug. */
	xb_el(&b, xb_el(&b, dom, NULL, "features", NULL), NULL, "acpi", NULL);
	xb_el(&b, dom, NULL, "on_poweroff", "destroy");
	xb_el(&b, dom, NULL, "on_reboot", "restart");
	xb_el(&b, dom, NULL, "on_crash", "destroy");

	devices = xb_el(&b, dom, NULL, "devices", NULL);
	if (vr->disk && !vr->kernel) {
		n = xb_el(&b, devices, NULL, "disk", NULL);
		xb_attr(&b, n, "type", "file");
		xb_attr(&b, n, "device", "disk");
		{
			size_t l = strlen(vr->disk);
			xmlNodePtr d = xb_el(&b, n, NULL, "driver", NULL);

			xb_attr(&b, d, "name", "qemu");
			xb_attr(&b, d, "type", l > 6 && !strcmp(vr->disk + l - 6, ".qcow2") ?
				"qcow2" : "raw");
		}
		xb_attr(&b, xb_el(&b, n, NULL, "source", NULL), "file", vr->disk);
		n = xb_el(&b, n, NULL, "target", NULL);
		xb_attr(&b, n, "dev", "vda");
		xb_attr(&b, n, "bus", "virtio");
	}
	for (i = 0; i < vr->n_vnics; i++)
		hv_nic_xml(&b, devices, &vr->vnics[i]);
	hv_log_path(hv, vr->domain_name, path, sizeof(path));
	hv_serial_xml(&b, devices, path);
	xb_attr(&b, xb_el(&b, devices, NULL, "memballoon", NULL), "model", "virtio");
	/* pvpanic: a guest kernel panic becomes a "crashed" lifecycle event
	 * instead of a silent reboot. */
	if (strcmp(type, "test"))
		xb_attr(&b, xb_el(&b, devices, NULL, "panic", NULL), "model", "isa");
	if (b.oom)
		goto oom;
	*out = hv_xml_dump(dom);
	if (!*out)
		goto oom;
	rc = 0;
	goto cleanup;
oom:
	hv_fail_vr(err, VNM_E_NOMEM, vr, "out of memory building its domain XML");
cleanup:
	xmlFreeDoc(doc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Connections                                                        */
/* ------------------------------------------------------------------ */

static void
hv_close_cb(virConnectPtr conn, int reason, void *opaque)
{
	struct hv_conn *c = opaque;

	(void)conn;
	vnm_log(VNM_LOG_WARNING, "libvirt connection %s closed (reason %d): reconnecting",
		c->uri, reason);
	__atomic_store_n(&c->broken, 1, __ATOMIC_SEQ_CST);
}

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

static int
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

static void
hv_conn_drop(struct hv_conn *c)
{
	if (!c->conn)
		return;
	if (c->lifecycle_id >= 0)
		virConnectDomainEventDeregisterAny(c->conn, c->lifecycle_id);
	if (c->close_cb)
		virConnectUnregisterCloseCallback(c->conn, hv_close_cb);
	virConnectClose(c->conn);
	virResetLastError();
	c->conn = NULL;
	c->lifecycle_id = -1;
	c->close_cb = false;
	c->dtype[0] = '\0';
}

/* Open c (lock held). */
static int
hv_conn_open(struct hv_conn *c, struct vnm_err *err)
{
	const struct hv_libvirt *hv = c->hv;
	enum vnm_uri_verdict v = VNM_URI_ALLOWED;
	char why[768];

	/* Validation refused such URIs already; this also holds for a saved
	 * configuration from before the policy, and for reconnects.  The
	 * default URI is the operator's own (main.c refuses ext/command=). */
	if (strcmp(c->uri, hv->default_uri) || vnm_uri_entry_refusal(c->uri))
		v = vnm_uri_check(hv->uris, c->uri);
	if (v != VNM_URI_ALLOWED) {
		vnm_uri_explain(v, c->uri, why, sizeof(why));
		return vnm_err_set(err, VNM_E_INVALID, NULL, "refusing to connect: %s", why);
	}
	c->conn = virConnectOpen(c->uri);
	if (!c->conn)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "cannot connect to the hypervisor at %s: %s (is libvirtd running?)",
				   c->uri, hv_msg());
	__atomic_store_n(&c->broken, 0, __ATOMIC_SEQ_CST);
	c->was_open = true;
	/* Not every driver has close callbacks or events (ignore: the
	 * liveness check and vr_status still work). */
	if (virConnectRegisterCloseCallback(c->conn, hv_close_cb, c, NULL) == 0)
		c->close_cb = true;
	c->lifecycle_id = virConnectDomainEventRegisterAny(c->conn, NULL,
				VIR_DOMAIN_EVENT_ID_LIFECYCLE,
				VIR_DOMAIN_EVENT_CALLBACK(hv_lifecycle_cb), c, NULL);
	virResetLastError();
	return 0;
}

static bool
hv_conn_dead(struct hv_conn *c)
{
	return __atomic_load_n(&c->broken, __ATOMIC_SEQ_CST) || virConnectIsAlive(c->conn) != 1;
}

static void
hv_reconnect_broken(struct hv_libvirt *hv)
{
	struct hv_conn *c;

	pthread_mutex_lock(&hv->lock);
	for (c = hv->conns; c; c = c->next) {
		/* Retry until it works again, but only connections that worked
		 * once (a wrong URI is reported by the operations). */
		if (!c->was_open || (c->conn && !hv_conn_dead(c)))
			continue;
		hv_conn_drop(c);
		if (hv_conn_open(c, NULL) == 0)
			vnm_log(VNM_LOG_NOTICE, "libvirt connection %s reopened", c->uri);
	}
	pthread_mutex_unlock(&hv->lock);
}

static const char *
hv_host_uri(const struct hv_libvirt *hv, const struct vnm_host *host)
{
	return host && host->uri && *host->uri ? host->uri : hv->default_uri;
}

/* A referenced connection to host's hypervisor (virConnectClose it);
 * *cp (optional) is the cache entry, valid until the context is freed. */
static virConnectPtr
hv_conn_get(struct hv_libvirt *hv, const struct vnm_host *host, struct hv_conn **cp,
	    struct vnm_err *err)
{
	const char *uri = hv_host_uri(hv, host);
	virConnectPtr ret = NULL;
	struct hv_conn *c;

	pthread_mutex_lock(&hv->lock);
	for (c = hv->conns; c; c = c->next)
		if (!strcmp(c->uri, uri))
			break;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c || !(c->uri = strdup(uri))) {
			free(c);
			vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
			goto cleanup;
		}
		c->hv = hv;
		c->lifecycle_id = -1;
		c->next = hv->conns;
		hv->conns = c;
	}
	if (c->conn && hv_conn_dead(c))
		hv_conn_drop(c);
	if (!c->conn && hv_conn_open(c, err) < 0) {
		if (host)
			vnm_err_prefix(err, "host %s", host->name);
		goto cleanup;
	}
	virConnectRef(c->conn);
	ret = c->conn;
	if (cp)
		*cp = c;
cleanup:
	pthread_mutex_unlock(&hv->lock);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Domain type                                                        */
/* ------------------------------------------------------------------ */

/* Domain types offered for hvm guests, space-separated with spaces around. */
static int
hv_caps_types(virConnectPtr conn, char *out, size_t len)
{
	xmlDocPtr doc = NULL;
	xmlXPathContextPtr xp = NULL;
	xmlXPathObjectPtr res = NULL;
	char *caps;
	int i, rc = -1;

	snprintf(out, len, " ");
	caps = virConnectGetCapabilities(conn);
	if (!caps)
		return -1;
	doc = xmlReadMemory(caps, strlen(caps), "caps.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc || !(xp = xmlXPathNewContext(doc)))
		goto cleanup;
	res = xmlXPathEvalExpression(
		BAD_CAST "/capabilities/guest[os_type='hvm']/arch/domain/@type", xp);
	if (!res)
		goto cleanup;
	for (i = 0; res->nodesetval && i < res->nodesetval->nodeNr; i++) {
		xmlChar *t = xmlNodeGetContent(res->nodesetval->nodeTab[i]);
		char word[40];

		snprintf(word, sizeof(word), " %s ", t ? (const char *)t : "");
		if (t && !strstr(out, word) && strlen(out) + strlen(word) < len)
			strncat(out, word + 1, len - strlen(out) - 1);
		xmlFree(t);
	}
	rc = 0;
cleanup:
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(xp);
	xmlFreeDoc(doc);
	free(caps);
	return rc;
}

static int
hv_dtype(struct hv_libvirt *hv, struct hv_conn *c, virConnectPtr conn,
	 const struct vnm_host *host, char *out, size_t len, struct vnm_err *err)
{
	static const char *pref[] = {"qemu", "test", "xen", "vbox", "kvm", NULL};
	const char *want = NULL, *hname = host ? host->name : "(default)";
	char types[256], word[40];
	size_t i;

	if (host && host->domain_type == VNM_DT_KVM)
		want = "kvm";
	else if (host && host->domain_type == VNM_DT_QEMU)
		want = "qemu";
	pthread_mutex_lock(&hv->lock);
	if (!want && c->dtype[0]) {
		hv_copy(out, len, c->dtype);
		pthread_mutex_unlock(&hv->lock);
		return 0;
	}
	pthread_mutex_unlock(&hv->lock);

	if (hv_caps_types(conn, types, sizeof(types)) < 0)
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "host %s: cannot read the hypervisor's capabilities: %s",
				   hname, hv_msg());
	if (want) {
		/* libvirt's test driver takes any type: configurations written
		 * for QEMU also run on test:///default. */
		snprintf(word, sizeof(word), " %s ", want);
		if (!strstr(types, word) && !strstr(types, " test "))
			return vnm_err_set(err, VNM_E_UNSUPPORTED, NULL,
					   "host %s: the hypervisor offers domain types [%s], not %s: "
					   "change the host's domain-type", hname, types, want);
		hv_copy(out, len, want);
		return 0;
	}
	for (i = 0; pref[i]; i++) {
		snprintf(word, sizeof(word), " %s ", pref[i]);
		if (strstr(types, word))
			break;
	}
	if (!pref[i])
		return vnm_err_set(err, VNM_E_UNSUPPORTED, NULL,
				   "host %s: the hypervisor offers no usable domain type ([%s])",
				   hname, types);
	hv_copy(out, len, pref[i]);
	pthread_mutex_lock(&hv->lock);
	hv_copy(c->dtype, sizeof(c->dtype), pref[i]);
	pthread_mutex_unlock(&hv->lock);
	return 0;
}

int
vnm_hv_libvirt_domain_type(void *ctx, const struct vnm_host *host, char *out, size_t len,
			   struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	struct hv_conn *c;
	virConnectPtr conn;
	int rc;

	conn = hv_conn_get(hv, host, &c, err);
	if (!conn)
		return -1;
	rc = hv_dtype(hv, c, conn, host, out, len, err);
	virConnectClose(conn);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Operations                                                         */
/* ------------------------------------------------------------------ */

/* Look up vr's domain: 1 found (*domp), 0 absent, -1 error. */
static int
hv_lookup(virConnectPtr conn, const struct vnm_vr *vr, virDomainPtr *domp,
	  struct vnm_err *err)
{
	virErrorPtr e;

	*domp = virDomainLookupByName(conn, vr->domain_name);
	if (*domp)
		return 1;
	e = virGetLastError();
	if (e && e->code == VIR_ERR_NO_DOMAIN) {
		virResetLastError();
		return 0;
	}
	return HV_LV_FAIL(err, vr, "cannot look up domain %s", vr->domain_name);
}

/* Look up vr's domain and insist that it is vnmd's domain of vr. */
static int
hv_lookup_own(virConnectPtr conn, const struct vnm_vr *vr, virDomainPtr *domp,
	      struct vnm_err *err)
{
	struct hv_tag t;
	int r;

	r = hv_lookup(conn, vr, domp, err);
	if (r <= 0)
		return r;
	r = hv_tag_read(*domp, &t);
	if (r < 0) {
		HV_LV_FAIL(err, vr, "cannot read the metadata of domain %s", vr->domain_name);
		goto fail;
	}
	if (r == 0 || !hv_tag_is(&t, vr)) {
		hv_fail_vr(err, VNM_E_EXISTS, vr,
			   "a domain named %s exists and is not vnmd's domain of this router%s%s%s%s: "
			   "rename or remove it", vr->domain_name, r ? " (it belongs to " : "",
			   r ? t.vn : "", r ? "/" : "", r ? t.node : "");
		goto fail;
	}
	return 1;
fail:
	virDomainFree(*domp);
	*domp = NULL;
	return -1;
}

static int
hv_tag_set_live(virDomainPtr dom, const struct vnm_vr *vr, uint64_t generation)
{
	char xml[1024];
	char gen[24];
	xmlChar *vn, *node;
	int rc;

	/* Plain text in elements: escape it the libxml2 way. */
	vn = xmlEncodeSpecialChars(NULL, BAD_CAST(vr->vn ? vr->vn->name : ""));
	node = xmlEncodeSpecialChars(NULL, BAD_CAST vr->name);
	snprintf(gen, sizeof(gen), "%llu", (unsigned long long)generation);
	snprintf(xml, sizeof(xml), "<router><network>%s</network><node>%s</node>"
		 "<generation>%s</generation></router>", vn ? (char *)vn : "",
		 node ? (char *)node : "", gen);
	xmlFree(vn);
	xmlFree(node);
	rc = virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml, "vnmd", VNM_HV_NS,
				  VIR_DOMAIN_AFFECT_LIVE);
	return rc;
}

static int
hv_vr_define(void *ctx, const struct vnm_vr *vr, uint64_t generation, struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	virConnectPtr conn;
	virDomainPtr dom = NULL, nd = NULL;
	struct hv_conn *c;
	char type[16], uuid[VIR_UUID_STRING_BUFLEN], *xml = NULL;
	int r, rc = -1;

	conn = hv_conn_get(hv, vr->host, &c, err);
	if (!conn)
		return -1;
	if (hv_dtype(hv, c, conn, vr->host, type, sizeof(type), err) < 0) {
		vnm_err_prefix(err, "router %s/%s", vr->vn ? vr->vn->name : "?", vr->name);
		goto cleanup;
	}
	r = hv_lookup_own(conn, vr, &dom, err);
	if (r < 0)
		goto cleanup;
	/* Keep an existing domain's UUID: redefining it then only replaces
	 * its persistent definition and never restarts it (adoption). */
	if (r == 1 && virDomainGetUUIDString(dom, uuid) < 0) {
		HV_LV_FAIL(err, vr, "cannot read the UUID of domain %s", vr->domain_name);
		goto cleanup;
	}
	if (hv_domain_xml(hv, vr, type, r == 1 ? uuid : NULL, generation, &xml, err) < 0)
		goto cleanup;
	if (hv_uri_local(hv_host_uri(hv, vr->host)))
		mkdir(hv->log_dir, 0755);
	nd = virDomainDefineXML(conn, xml);
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
	if (dom)
		virDomainFree(dom);
	free(xml);
	virConnectClose(conn);
	return rc;
}

static int
hv_vr_undefine(void *ctx, const struct vnm_vr *vr, struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	virConnectPtr conn;
	virDomainPtr dom = NULL;
	char path[600];
	int r, rc = -1;

	conn = hv_conn_get(hv, vr->host, NULL, err);
	if (!conn)
		return -1;
	r = hv_lookup_own(conn, vr, &dom, err);
	if (r <= 0) {
		rc = r;
		goto cleanup;
	}
	if (virDomainIsActive(dom) == 1) {
		hv_fail_vr(err, VNM_E_INVALID, vr, "domain %s is still running: stop it first",
			   vr->domain_name);
		goto cleanup;
	}
	if (virDomainIsPersistent(dom) == 1 &&
	    virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
				   VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) < 0 &&
	    virDomainUndefine(dom) < 0) {
		HV_LV_FAIL(err, vr, "cannot undefine domain %s", vr->domain_name);
		goto cleanup;
	}
	if (hv_uri_local(hv_host_uri(hv, vr->host))) {
		hv_log_path(hv, vr->domain_name, path, sizeof(path));
		unlink(path);
	}
	rc = 0;
cleanup:
	if (dom)
		virDomainFree(dom);
	virConnectClose(conn);
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

static int
hv_vr_set_state(void *ctx, const struct vnm_vr *vr, enum vnm_admin to, struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	enum vnm_vr_oper st;
	virConnectPtr conn;
	virDomainPtr dom = NULL;
	int r, rc = -1;

	conn = hv_conn_get(hv, vr->host, NULL, err);
	if (!conn)
		return -1;
	r = hv_lookup_own(conn, vr, &dom, err);
	if (r < 0)
		goto cleanup;
	if (r == 0) {
		if (to == VNM_ADMIN_STOPPED)
			rc = 0;
		else
			hv_fail_vr(err, VNM_E_MISSING, vr, "domain %s is not defined: define it first",
				   vr->domain_name);
		goto cleanup;
	}
	if (hv_dom_state(dom, &st) < 0) {
		HV_LV_FAIL(err, vr, "cannot read the state of domain %s", vr->domain_name);
		goto cleanup;
	}
	switch (to) {
	case VNM_ADMIN_RUNNING:
		if (st == VNM_VR_PAUSED) {
			if (virDomainResume(dom) < 0) {
				HV_LV_FAIL(err, vr, "cannot resume domain %s", vr->domain_name);
				goto cleanup;
			}
		} else if (st != VNM_VR_RUNNING && virDomainCreate(dom) < 0) {
			HV_LV_FAIL(err, vr, "cannot start domain %s", vr->domain_name);
			goto cleanup;
		}
		break;
	case VNM_ADMIN_PAUSED:
		if (st == VNM_VR_RUNNING) {
			if (virDomainSuspend(dom) < 0) {
				HV_LV_FAIL(err, vr, "cannot pause domain %s", vr->domain_name);
				goto cleanup;
			}
		} else if (st != VNM_VR_PAUSED &&
			   virDomainCreateWithFlags(dom, VIR_DOMAIN_START_PAUSED) < 0) {
			/* Drivers without START_PAUSED: start, then pause at once. */
			virResetLastError();
			if (virDomainCreate(dom) < 0 || virDomainSuspend(dom) < 0) {
				HV_LV_FAIL(err, vr, "cannot start domain %s paused", vr->domain_name);
				goto cleanup;
			}
		}
		break;
	case VNM_ADMIN_STOPPED:
		if ((st == VNM_VR_RUNNING || st == VNM_VR_PAUSED || st == VNM_VR_UNKNOWN) &&
		    hv_stop(hv, dom, vr, err) < 0)
			goto cleanup;
		break;
	default:
		hv_fail_vr(err, VNM_E_INTERNAL, vr, "unknown admin state %d", (int)to);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (dom)
		virDomainFree(dom);
	virConnectClose(conn);
	return rc;
}

/* Config-only change of vcpus and memory, in the order libvirt accepts
 * (the maximum first when growing, last when shrinking). */
static int
hv_resources_config(virDomainPtr dom, const struct vnm_vr *vr, unsigned vcpus,
		    unsigned long mem_kib, struct vnm_err *err)
{
	unsigned long max_kib;
	int cur_vcpus;

	cur_vcpus = virDomainGetVcpusFlags(dom, VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM);
	if (cur_vcpus < 0)
		return HV_LV_FAIL(err, vr, "cannot read its vCPUs");
	if ((int)vcpus > cur_vcpus) {
		if (virDomainSetVcpusFlags(dom, vcpus, VIR_DOMAIN_AFFECT_CONFIG |
					   VIR_DOMAIN_VCPU_MAXIMUM) < 0 ||
		    virDomainSetVcpusFlags(dom, vcpus, VIR_DOMAIN_AFFECT_CONFIG) < 0)
			return HV_LV_FAIL(err, vr, "cannot set %u vCPUs", vcpus);
	} else {
		if (virDomainSetVcpusFlags(dom, vcpus, VIR_DOMAIN_AFFECT_CONFIG) < 0 ||
		    virDomainSetVcpusFlags(dom, vcpus, VIR_DOMAIN_AFFECT_CONFIG |
					   VIR_DOMAIN_VCPU_MAXIMUM) < 0)
			return HV_LV_FAIL(err, vr, "cannot set %u vCPUs", vcpus);
	}
	max_kib = virDomainGetMaxMemory(dom);
	if (max_kib == 0)
		return HV_LV_FAIL(err, vr, "cannot read its maximum memory");
	if (mem_kib > max_kib) {
		if (virDomainSetMemoryFlags(dom, mem_kib, VIR_DOMAIN_AFFECT_CONFIG |
					    VIR_DOMAIN_MEM_MAXIMUM) < 0 ||
		    virDomainSetMemoryFlags(dom, mem_kib, VIR_DOMAIN_AFFECT_CONFIG) < 0)
			return HV_LV_FAIL(err, vr, "cannot set %lu KiB of memory", mem_kib);
	} else {
		if (virDomainSetMemoryFlags(dom, mem_kib, VIR_DOMAIN_AFFECT_CONFIG) < 0 ||
		    virDomainSetMemoryFlags(dom, mem_kib, VIR_DOMAIN_AFFECT_CONFIG |
					    VIR_DOMAIN_MEM_MAXIMUM) < 0)
			return HV_LV_FAIL(err, vr, "cannot set %lu KiB of memory", mem_kib);
	}
	return 0;
}

static int
hv_vr_set_resources(void *ctx, const struct vnm_vr *old, const struct vnm_vr *new,
		    bool *applied_live, struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	virConnectPtr conn;
	virDomainPtr dom = NULL;
	unsigned vcpus = new->vcpus ? new->vcpus : 1;
	unsigned long mem_kib = (unsigned long)(new->memory_mib ? new->memory_mib : 128) * 1024;
	unsigned long max_kib;
	int r, live_max, rc = -1;
	bool live = true;

	(void)old;
	*applied_live = false;
	conn = hv_conn_get(hv, new->host, NULL, err);
	if (!conn)
		return -1;
	r = hv_lookup_own(conn, new, &dom, err);
	if (r <= 0) {
		if (r == 0)
			hv_fail_vr(err, VNM_E_MISSING, new, "domain %s is not defined",
				   new->domain_name);
		goto cleanup;
	}
	/* The persistent definition always takes the new values. */
	if (hv_resources_config(dom, new, vcpus, mem_kib, err) < 0)
		goto cleanup;
	if (virDomainIsActive(dom) != 1) {
		/* Shut off: the next start uses the new values. */
		rc = 0;
		goto cleanup;
	}
	/* Live: within the running domain's maxima only (no memory or CPU
	 * hot-add here); a refusal leaves the change for the next start. */
	max_kib = virDomainGetMaxMemory(dom);
	if (max_kib == 0 || mem_kib > max_kib ||
	    virDomainSetMemoryFlags(dom, mem_kib, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		vnm_log(VNM_LOG_INFO, "router %s/%s: memory %lu KiB not applied live (%s): "
			"applied at next start", new->vn ? new->vn->name : "?", new->name, mem_kib,
			mem_kib > max_kib ? "above the running maximum" : hv_msg());
		live = false;
	}
	virResetLastError();
	live_max = virDomainGetVcpusFlags(dom, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_VCPU_MAXIMUM);
	if (live_max < 0 || (int)vcpus > live_max ||
	    (virDomainGetVcpusFlags(dom, VIR_DOMAIN_AFFECT_LIVE) != (int)vcpus &&
	     virDomainSetVcpusFlags(dom, vcpus, VIR_DOMAIN_AFFECT_LIVE) < 0)) {
		vnm_log(VNM_LOG_INFO, "router %s/%s: %u vCPUs not applied live: applied at next start",
			new->vn ? new->vn->name : "?", new->name, vcpus);
		live = false;
	}
	virResetLastError();
	*applied_live = live;
	rc = 0;
cleanup:
	if (dom)
		virDomainFree(dom);
	virConnectClose(conn);
	return rc;
}

/* Parse a domain's XML (flags: VIR_DOMAIN_XML_INACTIVE or 0). */
static xmlDocPtr
hv_dom_doc(virDomainPtr dom, unsigned flags)
{
	xmlDocPtr doc;
	char *xml;

	xml = virDomainGetXMLDesc(dom, flags);
	if (!xml)
		return NULL;
	doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	free(xml);
	return doc;
}

/* The <interface> with MAC mac in doc, or NULL. */
static xmlNodePtr
hv_find_nic(xmlDocPtr doc, const char *mac)
{
	xmlNodePtr devices, n, m;
	xmlChar *a;
	bool eq;

	devices = hv_child(xmlDocGetRootElement(doc), "devices");
	for (n = devices ? devices->children : NULL; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, BAD_CAST "interface"))
			continue;
		m = hv_child(n, "mac");
		a = m ? xmlGetProp(m, BAD_CAST "address") : NULL;
		eq = a && !strcasecmp((const char *)a, mac);
		xmlFree(a);
		if (eq)
			return n;
	}
	return NULL;
}

static char *
hv_nic_xml_str(const struct vnm_vnic *nic)
{
	struct hv_xb b = {0};
	xmlDocPtr doc;
	xmlNodePtr root;
	char *out = NULL;

	doc = xmlNewDoc(BAD_CAST "1.0");
	root = doc ? xmlNewDocNode(doc, NULL, BAD_CAST "devices", NULL) : NULL;
	if (!root)
		goto cleanup;
	xmlDocSetRootElement(doc, root);
	hv_nic_xml(&b, root, nic);
	if (!b.oom && root->children)
		out = hv_xml_dump(root->children);
cleanup:
	xmlFreeDoc(doc);
	return out;
}

/* Add (attach) or remove a NIC of a shut-off domain by redefining it:
 * works on every driver, including those without device hot-plug. */
static int
hv_nic_redefine(virConnectPtr conn, virDomainPtr dom, const struct vnm_vnic *nic, bool attach,
		struct vnm_err *err)
{
	const struct vnm_vr *vr = nic->vr;
	struct hv_xb b = {0};
	xmlDocPtr doc;
	xmlNodePtr found, devices;
	virDomainPtr nd = NULL;
	char *xml = NULL;
	int rc = -1;

	doc = hv_dom_doc(dom, VIR_DOMAIN_XML_INACTIVE);
	if (!doc)
		return HV_LV_FAIL(err, vr, "cannot read the definition of domain %s",
				  vr->domain_name);
	found = hv_find_nic(doc, nic->mac);
	if (attach == (found != NULL)) {
		rc = 0;
		goto cleanup;
	}
	if (attach) {
		devices = hv_child(xmlDocGetRootElement(doc), "devices");
		if (!devices)
			devices = xb_el(&b, xmlDocGetRootElement(doc), NULL, "devices", NULL);
		hv_nic_xml(&b, devices, nic);
	} else {
		xmlUnlinkNode(found);
		xmlFreeNode(found);
	}
	if (b.oom || !(xml = hv_xml_dump(xmlDocGetRootElement(doc)))) {
		hv_fail_vr(err, VNM_E_NOMEM, vr, "out of memory");
		goto cleanup;
	}
	nd = virDomainDefineXML(conn, xml);
	if (!nd) {
		HV_LV_FAIL(err, vr, "cannot %s NIC %s (MAC %s) in domain %s",
			   attach ? "add" : "remove", nic->name, nic->mac, vr->domain_name);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (nd)
		virDomainFree(nd);
	free(xml);
	xmlFreeDoc(doc);
	return rc;
}

static int
hv_vnic_plug(struct hv_libvirt *hv, const struct vnm_vnic *nic, bool attach, struct vnm_err *err)
{
	const struct vnm_vr *vr = nic->vr;
	virConnectPtr conn;
	virDomainPtr dom = NULL;
	xmlDocPtr doc = NULL;
	unsigned flags;
	char *xml = NULL;
	int r, rc = -1, lr;
	bool present;

	conn = hv_conn_get(hv, vr->host, NULL, err);
	if (!conn)
		return -1;
	r = hv_lookup_own(conn, vr, &dom, err);
	if (r <= 0) {
		if (r == 0 && attach)
			hv_fail_vr(err, VNM_E_MISSING, vr, "domain %s is not defined: cannot add NIC %s",
				   vr->domain_name, nic->name);
		else
			rc = r; /* detaching from a domain that is gone: done */
		goto cleanup;
	}
	if (virDomainIsActive(dom) != 1) {
		rc = hv_nic_redefine(conn, dom, nic, attach, err);
		goto cleanup;
	}
	doc = hv_dom_doc(dom, 0);
	if (!doc) {
		HV_LV_FAIL(err, vr, "cannot read domain %s", vr->domain_name);
		goto cleanup;
	}
	present = hv_find_nic(doc, nic->mac) != NULL;
	if (present == attach) {
		/* Live already right; keep the persistent definition in step. */
		rc = virDomainIsPersistent(dom) == 1 ?
			hv_nic_redefine(conn, dom, nic, attach, err) : 0;
		goto cleanup;
	}
	xml = hv_nic_xml_str(nic);
	if (!xml) {
		hv_fail_vr(err, VNM_E_NOMEM, vr, "out of memory");
		goto cleanup;
	}
	/* The persistent definition may already be right (a redefinition
	 * came first): then change the live domain only. */
	flags = VIR_DOMAIN_AFFECT_LIVE;
	if (virDomainIsPersistent(dom) == 1) {
		xmlFreeDoc(doc);
		doc = hv_dom_doc(dom, VIR_DOMAIN_XML_INACTIVE);
		if (!doc) {
			HV_LV_FAIL(err, vr, "cannot read the definition of domain %s",
				   vr->domain_name);
			goto cleanup;
		}
		if ((hv_find_nic(doc, nic->mac) != NULL) != attach)
			flags |= VIR_DOMAIN_AFFECT_CONFIG;
	}
	lr = attach ? virDomainAttachDeviceFlags(dom, xml, flags) :
		virDomainDetachDeviceFlags(dom, xml, flags);
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
	if (dom)
		virDomainFree(dom);
	virConnectClose(conn);
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

static int
hv_vr_status(void *ctx, const struct vnm_vr *vr, struct vnm_vr_status *st, struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	virConnectPtr conn;
	virDomainPtr dom = NULL;
	virDomainInfo info;
	int r, rc = -1;

	memset(st, 0, sizeof(*st));
	st->domain_id = -1;
	conn = hv_conn_get(hv, vr->host, NULL, err);
	if (!conn)
		return -1;
	r = hv_lookup_own(conn, vr, &dom, err);
	if (r <= 0) {
		st->state = VNM_VR_ABSENT;
		rc = r;
		goto cleanup;
	}
	if (hv_dom_state(dom, &st->state) < 0 || virDomainGetInfo(dom, &info) < 0 ||
	    virDomainGetUUIDString(dom, st->uuid) < 0) {
		HV_LV_FAIL(err, vr, "cannot read the state of domain %s", vr->domain_name);
		goto cleanup;
	}
	if (st->state == VNM_VR_RUNNING || st->state == VNM_VR_PAUSED)
		st->domain_id = (int)virDomainGetID(dom);
	st->memory_mib = (uint32_t)(info.memory / 1024);
	st->vcpus = info.nrVirtCpu;
	rc = 0;
cleanup:
	if (dom)
		virDomainFree(dom);
	virConnectClose(conn);
	return rc;
}

/* Rewrite a source domain's definition as the copy's: name, no UUID (libvirt
 * makes one), tag, log file, and the copy's NICs (or, without them, the
 * source's NICs with fresh MACs and taps chosen by libvirt). */
static int
hv_copy_doc(struct hv_libvirt *hv, xmlDocPtr doc, const struct vnm_vr *copy, uint64_t gen,
	    struct vnm_err *err)
{
	struct hv_xb b = {0};
	xmlNodePtr root = xmlDocGetRootElement(doc), n, next, devices, md;
	char path[600], title[300];
	size_t i;

	for (n = root->children; n; n = next) {
		next = n->next;
		if (n->type == XML_ELEMENT_NODE && (!xmlStrcmp(n->name, BAD_CAST "uuid") ||
		    !xmlStrcmp(n->name, BAD_CAST "name") || !xmlStrcmp(n->name, BAD_CAST "title") ||
		    !xmlStrcmp(n->name, BAD_CAST "metadata"))) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
	xb_el(&b, root, NULL, "name", copy->domain_name);
	snprintf(title, sizeof(title), "vnmd router %s/%s", copy->vn ? copy->vn->name : "",
		 copy->name);
	xb_el(&b, root, NULL, "title", title);
	md = xb_el(&b, root, NULL, "metadata", NULL);
	hv_tag_xml(&b, md, copy->vn ? copy->vn->name : "", copy->name, gen);
	devices = hv_child(root, "devices");
	for (n = devices ? devices->children : NULL; n; n = next) {
		next = n->next;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!xmlStrcmp(n->name, BAD_CAST "interface") && copy->n_vnics) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		} else if (!xmlStrcmp(n->name, BAD_CAST "interface")) {
			xmlNodePtr m = hv_child(n, "mac"), t = hv_child(n, "target");

			if (m) {
				xmlUnlinkNode(m);
				xmlFreeNode(m);
			}
			if (t) {
				xmlUnlinkNode(t);
				xmlFreeNode(t);
			}
		} else if (!xmlStrcmp(n->name, BAD_CAST "serial") ||
			   !xmlStrcmp(n->name, BAD_CAST "console")) {
			xmlNodePtr s = hv_child(n, "source");

			hv_log_path(hv, copy->domain_name, path, sizeof(path));
			if (s && xmlHasProp(s, BAD_CAST "path"))
				xb_attr(&b, s, "path", path);
		}
	}
	for (i = 0; devices && i < copy->n_vnics; i++)
		hv_nic_xml(&b, devices, &copy->vnics[i]);
	if (b.oom)
		return hv_fail_vr(err, VNM_E_NOMEM, copy, "out of memory");
	return 0;
}

static int
hv_vr_copy(void *ctx, const struct vnm_vr *vr, const struct vnm_vr *copy, struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	virConnectPtr sconn, dconn = NULL;
	virDomainPtr dom = NULL, cd = NULL, nd = NULL;
	xmlDocPtr doc = NULL;
	struct hv_tag t;
	char *xml = NULL;
	int r, rc = -1;

	sconn = hv_conn_get(hv, vr->host, NULL, err);
	if (!sconn)
		return -1;
	dconn = hv_conn_get(hv, copy->host, NULL, err);
	if (!dconn)
		goto cleanup;
	r = hv_lookup_own(sconn, vr, &dom, err);
	if (r <= 0) {
		if (r == 0)
			hv_fail_vr(err, VNM_E_MISSING, vr, "domain %s does not exist: nothing to copy",
				   vr->domain_name);
		goto cleanup;
	}
	/* The copy exists already: done when it is this copy, else refuse. */
	r = hv_lookup_own(dconn, copy, &cd, err);
	if (r != 0) {
		rc = r > 0 ? 0 : -1;
		goto cleanup;
	}
	if (hv_tag_read(dom, &t) != 1) {
		HV_LV_FAIL(err, vr, "cannot read the metadata of domain %s", vr->domain_name);
		goto cleanup;
	}
	doc = hv_dom_doc(dom, VIR_DOMAIN_XML_INACTIVE);
	if (!doc) {
		HV_LV_FAIL(err, vr, "cannot read the definition of domain %s", vr->domain_name);
		goto cleanup;
	}
	if (hv_copy_doc(hv, doc, copy, t.generation, err) < 0)
		goto cleanup;
	xml = hv_xml_dump(xmlDocGetRootElement(doc));
	if (!xml) {
		hv_fail_vr(err, VNM_E_NOMEM, copy, "out of memory");
		goto cleanup;
	}
	if (hv_uri_local(hv_host_uri(hv, copy->host)))
		mkdir(hv->log_dir, 0755);
	nd = virDomainDefineXML(dconn, xml);
	if (!nd) {
		HV_LV_FAIL(err, copy, "cannot define domain %s as a copy of %s/%s",
			   copy->domain_name, vr->vn ? vr->vn->name : "?", vr->name);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (nd)
		virDomainFree(nd);
	if (cd)
		virDomainFree(cd);
	if (dom)
		virDomainFree(dom);
	xmlFreeDoc(doc);
	free(xml);
	if (dconn)
		virConnectClose(dconn);
	virConnectClose(sconn);
	return rc;
}

/*
 * Move: virDomainMigrate from the source host's connection to the
 * destination's (live when running, offline when shut off), keeping the
 * definition on the destination and removing it from the source.
 *
 * Tested on one machine: the refusal to move onto the same hypervisor, a
 * missing domain, a driver that cannot migrate (test:///default to another
 * test driver instance: unit test), and a real live and offline move of a
 * NIC-less router between two private libvirtd instances with their own
 * host UUIDs (tests/integration/hv_migrate.sh).  Not tested here: moves
 * between machines, which need libvirtd on both reachable from vnmd
 * (qemu+ssh:// or qemu+tls:// URIs) and from each other (migration
 * traffic), the same image paths and the vNICs' port bridges on the
 * destination (the link driver creates them before the move), and shared
 * or copied storage for disk-booted routers (kernel-booted ones have none).
 */
static int
hv_vr_move(void *ctx, const struct vnm_vr *vr, const struct vnm_host *dst, struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	virConnectPtr sconn, dconn = NULL;
	virDomainPtr dom = NULL, nd = NULL;
	unsigned long flags;
	char *suri = NULL, *duri = NULL;
	int r, rc = -1;

	if (!dst)
		return hv_fail_vr(err, VNM_E_INVALID, vr, "no destination host to move to");
	sconn = hv_conn_get(hv, vr->host, NULL, err);
	if (!sconn)
		return -1;
	dconn = hv_conn_get(hv, dst, NULL, err);
	if (!dconn)
		goto cleanup;
	suri = virConnectGetURI(sconn);
	duri = virConnectGetURI(dconn);
	if (sconn == dconn || (suri && duri && !strcmp(suri, duri))) {
		hv_fail_vr(err, VNM_E_INVALID, vr,
			   "host %s uses the same hypervisor (%s) as its current host %s: "
			   "a move needs another machine", dst->name, duri ? duri : "?",
			   vr->host ? vr->host->name : "?");
		goto cleanup;
	}
	r = hv_lookup_own(sconn, vr, &dom, err);
	if (r <= 0) {
		if (r == 0)
			hv_fail_vr(err, VNM_E_MISSING, vr, "domain %s does not exist: nothing to move",
				   vr->domain_name);
		goto cleanup;
	}
	flags = VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE;
	flags |= virDomainIsActive(dom) == 1 ? VIR_MIGRATE_LIVE : VIR_MIGRATE_OFFLINE;
	nd = virDomainMigrate(dom, dconn, flags, NULL, NULL, 0);
	if (!nd) {
		HV_LV_FAIL(err, vr, "cannot move domain %s to host %s (%s)", vr->domain_name,
			   dst->name, duri ? duri : "?");
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (nd)
		virDomainFree(nd);
	if (dom)
		virDomainFree(dom);
	free(suri);
	free(duri);
	if (dconn)
		virConnectClose(dconn);
	virConnectClose(sconn);
	return rc;
}

static int
hv_list_own(void *ctx, const struct vnm_host *host, struct vnm_own_list *out,
	    struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	struct vnm_own_obj o;
	struct hv_tag t;
	virConnectPtr conn;
	virDomainPtr *doms = NULL;
	const char *name;
	int i, n, rc = -1;

	conn = hv_conn_get(hv, host, NULL, err);
	if (!conn)
		return -1;
	n = virConnectListAllDomains(conn, &doms, 0);
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
	virConnectClose(conn);
	return rc;
}

static int
hv_remove_own(void *ctx, const struct vnm_host *host, const struct vnm_own_obj *o,
	      struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	virConnectPtr conn;
	virDomainPtr dom;
	virErrorPtr e;
	struct hv_tag t;
	char path[600];
	int rc = -1;

	if (o->kind != VNM_OBJ_DOMAIN)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "%s is not a domain", o->name);
	conn = hv_conn_get(hv, host, NULL, err);
	if (!conn)
		return -1;
	dom = virDomainLookupByName(conn, o->name);
	if (!dom) {
		e = virGetLastError();
		if (e && e->code == VIR_ERR_NO_DOMAIN) {
			virResetLastError();
			rc = 0;
		} else {
			vnm_err_set(err, hv_code(), NULL, "leftover domain %s: %s", o->name, hv_msg());
		}
		goto cleanup;
	}
	/* Never touch a domain that is not vnmd's, whatever the caller says. */
	if (hv_tag_read(dom, &t) != 1) {
		vnm_err_set(err, VNM_E_INVALID, NULL,
			    "domain %s is not tagged by vnmd: not removing it", o->name);
		goto cleanup;
	}
	if (virDomainIsActive(dom) == 1 && virDomainDestroy(dom) < 0) {
		vnm_err_set(err, hv_code(), NULL, "leftover router %s/%s (domain %s): cannot "
			    "destroy it: %s", t.vn, t.node, o->name, hv_msg());
		goto cleanup;
	}
	if (virDomainIsPersistent(dom) == 1 &&
	    virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
				   VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) < 0 &&
	    virDomainUndefine(dom) < 0) {
		vnm_err_set(err, hv_code(), NULL, "leftover router %s/%s (domain %s): cannot "
			    "undefine it: %s", t.vn, t.node, o->name, hv_msg());
		goto cleanup;
	}
	if (hv_uri_local(hv_host_uri(hv, host))) {
		hv_log_path(hv, o->name, path, sizeof(path));
		unlink(path);
	}
	rc = 0;
cleanup:
	if (dom)
		virDomainFree(dom);
	virConnectClose(conn);
	return rc;
}

static void
hv_set_event_cb(void *ctx, vnm_vr_event_cb cb, void *arg)
{
	struct hv_libvirt *hv = ctx;

	pthread_mutex_lock(&hv->cb_lock);
	hv->cb = cb;
	hv->cb_arg = arg;
	pthread_mutex_unlock(&hv->cb_lock);
}

const struct vnm_hv_ops vnm_hv_libvirt_ops = {
	.name = "libvirt",
	.vr_define = hv_vr_define,
	.vr_undefine = hv_vr_undefine,
	.vr_set_state = hv_vr_set_state,
	.vr_set_resources = hv_vr_set_resources,
	.vnic_attach = hv_vnic_attach,
	.vnic_detach = hv_vnic_detach,
	.vr_status = hv_vr_status,
	.vr_copy = hv_vr_copy,
	.vr_move = hv_vr_move,
	.list_own = hv_list_own,
	.remove_own = hv_remove_own,
	.set_event_cb = hv_set_event_cb,
};

int
vnm_hv_libvirt_new(const char *default_uri, void **ctx, struct vnm_err *err)
{
	struct hv_libvirt *hv;
	const char *ld = getenv("VNMD_LOG_DIR");

	*ctx = NULL;
	hv = calloc(1, sizeof(*hv));
	if (!hv)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
	pthread_mutex_init(&hv->lock, NULL);
	pthread_mutex_init(&hv->cb_lock, NULL);
	hv->stop_timeout_ms = HV_STOP_TIMEOUT_MS;
	hv->default_uri = strdup(default_uri ? default_uri : VNM_HV_DEFAULT_URI);
	hv->log_dir = strdup(ld && *ld ? ld : VNM_HV_LOG_DIR);
	if (!hv->default_uri || !hv->log_dir) {
		vnm_hv_libvirt_free(hv);
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
	}
	if (virInitialize() < 0) {
		vnm_hv_libvirt_free(hv);
		return vnm_err_set(err, VNM_E_DRIVER, NULL, "cannot initialise libvirt: %s",
				   hv_msg());
	}
	if (hv_ev_start(hv, err) < 0) {
		vnm_hv_libvirt_free(hv);
		return -1;
	}
	hv->ev_started = true;
	*ctx = hv;
	return 0;
}

void
vnm_hv_libvirt_free(void *ctx)
{
	struct hv_libvirt *hv = ctx;
	struct hv_conn *c, *next;

	if (!hv)
		return;
	/* Stop reconnects first, then close. */
	if (hv->ev_started)
		hv_ev_stop_ctx(hv);
	pthread_mutex_lock(&hv->lock);
	for (c = hv->conns; c; c = next) {
		next = c->next;
		hv_conn_drop(c);
		free(c->uri);
		free(c);
	}
	hv->conns = NULL;
	pthread_mutex_unlock(&hv->lock);
	pthread_mutex_destroy(&hv->lock);
	pthread_mutex_destroy(&hv->cb_lock);
	free(hv->default_uri);
	free(hv->log_dir);
	free(hv);
}

void
vnm_hv_libvirt_set_uri_policy(void *ctx, const struct vnm_uri_policy *uris)
{
	struct hv_libvirt *hv = ctx;

	hv->uris = uris;
}

void
vnm_hv_libvirt_set_stop_timeout(void *ctx, unsigned ms)
{
	struct hv_libvirt *hv = ctx;

	hv->stop_timeout_ms = ms;
}

int
vnm_hv_libvirt_set_log_dir(void *ctx, const char *dir, struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	char *d;

	d = strdup(dir);
	if (!d)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
	free(hv->log_dir);
	hv->log_dir = d;
	return 0;
}
