/*
 * hv_int.h - what the files of the libvirt driver share (private: daemon/
 * and tests use hv_libvirt.h).
 *
 *   hv_conn.c    errors, the per-URI connection cache (open, liveness,
 *                reconnect), the domain type, the driver context
 *   hv_events.c  the process-wide event thread and the lifecycle callback
 *   hv_xml.c     domain XML: building the definition, the metadata tag,
 *                reading back a domain's definition and capabilities
 *   hv_ops.c     the vnm_hv_ops entries, over struct hv_dom
 *   hv_link.c    a vNIC's link state (carrier), live and persistent
 */
#ifndef VNM_HV_INT_H
#define VNM_HV_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/tree.h>

#include "hv_libvirt.h"

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
	struct hv_libvirt *next; /* in the event thread's list of contexts */
	pthread_mutex_t lock;     /* conns */
	pthread_mutex_t cb_lock;  /* cb, cb_arg: never held across libvirt calls */
	bool ev_started;
	char *default_uri;
	const struct vnm_uri_policy *uris; /* not owned; NULL: the built-in list */
	char *log_dir;
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

/* Builder: remembers an allocation failure instead of checking each call. */
struct hv_xb {
	bool oom;
};

static inline void
hv_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* --- errors (hv_conn.c) --- */

/* libvirt's last error as a vnm error code, and its message. */
enum vnm_err_code hv_code(void);
const char *hv_msg(void);
/* The same about router vr: naming its host when the connection broke. */
const char *hv_msg_vr(const struct vnm_vr *vr);
/* Fail about router vr; returns -1. */
int hv_fail_vr(struct vnm_err *err, enum vnm_err_code code, const struct vnm_vr *vr,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Formats into a per-thread buffer, valid until the next call. */
const char *hv_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fail about router vr with libvirt's last error appended; returns -1. */
#define HV_LV_FAIL(err, vr, ...) \
	hv_fail_vr(err, hv_code(), vr, "%s: %s", hv_fmt(__VA_ARGS__), hv_msg_vr(vr))

/* --- connections (hv_conn.c) --- */

const char *hv_host_uri(const struct hv_libvirt *hv, const struct vnm_host *host);
/* A referenced connection to host's hypervisor (virConnectClose it);
 * *cp (optional) is the cache entry, valid until the context is freed. */
virConnectPtr hv_conn_get(struct hv_libvirt *hv, const struct vnm_host *host,
			  struct hv_conn **cp, struct vnm_err *err);
/* Reopen hv's connections that closed (called by the event thread). */
void hv_reconnect_broken(struct hv_libvirt *hv);
/* The domain type to define vr's on host (see vnm_hv_libvirt_domain_type). */
int hv_dtype(struct hv_libvirt *hv, struct hv_conn *c, virConnectPtr conn,
	     const struct vnm_host *host, char *out, size_t len, struct vnm_err *err);

/* One operation's hold on a router's domain: a referenced connection to
 * its host and, once found, the domain.  Start from {0}; whatever
 * happened, hv_dom_release() frees what it holds. */
struct hv_dom {
	virConnectPtr conn;     /* referenced; NULL until connected */
	struct hv_conn *c;      /* its cache entry */
	virDomainPtr dom;       /* NULL: not looked up, or absent */
};

/* Connect d to host's hypervisor: 0, or -1 with err. */
int hv_dom_connect(struct hv_libvirt *hv, const struct vnm_host *host, struct hv_dom *d,
		   struct vnm_err *err);
/* Look up vr's domain on d's connection and insist that it is vnmd's
 * domain of vr: 1 found (d->dom), 0 absent, -1 error (err set).  With
 * absent, an absent domain is the error "domain NAME <absent>". */
int hv_dom_find(struct hv_dom *d, const struct vnm_vr *vr, const char *absent,
		struct vnm_err *err);
/* hv_dom_connect to vr's host, then hv_dom_find. */
int hv_dom_get(struct hv_libvirt *hv, const struct vnm_vr *vr, struct hv_dom *d,
	       const char *absent, struct vnm_err *err);
/* Look up the domain called name: 1 found (*domp), 0 absent, -1 libvirt
 * failed (its last error tells). */
int hv_lookup_name(virConnectPtr conn, const char *name, virDomainPtr *domp);
void hv_dom_release(struct hv_dom *d);

/* --- events (hv_events.c) --- */

/* Join (and start with the first context) the event thread; leave it
 * (and stop it with the last). */
int hv_ev_start(struct hv_libvirt *hv, struct vnm_err *err);
void hv_ev_stop_ctx(struct hv_libvirt *hv);
/* virConnectDomainEventLifecycleCallback; opaque is the struct hv_conn. */
int hv_lifecycle_cb(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque);
void hv_set_event_cb(void *ctx, vnm_vr_event_cb cb, void *arg);

/* --- domain XML (hv_xml.c) --- */

/* 1: tagged (t filled), 0: not vnmd's domain, -1: libvirt failed. */
int hv_tag_read(virDomainPtr dom, struct hv_tag *t);
bool hv_tag_is(const struct hv_tag *t, const struct vnm_vr *vr);
/* Give a running domain the tag of (vr, generation) in its live definition. */
int hv_tag_set_live(virDomainPtr dom, const struct vnm_vr *vr, uint64_t generation);
void hv_log_path(const struct hv_libvirt *hv, const char *dom, char *buf, size_t len);
/* The full domain XML of vr (uuid: keep an existing domain's identity). */
int hv_domain_xml(struct hv_libvirt *hv, const struct vnm_vr *vr, const char *type,
		  const char *uuid, uint64_t generation, char **out, struct vnm_err *err);
/* Domain types offered for hvm guests, space-separated with spaces around. */
int hv_caps_types(virConnectPtr conn, char *out, size_t len);
/* Parse a domain's XML (flags: VIR_DOMAIN_XML_INACTIVE or 0); NULL on error. */
xmlDocPtr hv_dom_doc(virDomainPtr dom, unsigned flags);
/* The <interface> with MAC mac in doc, or NULL. */
xmlNodePtr hv_find_nic(xmlDocPtr doc, const char *mac);
/* The <interface> of nic alone (free it), or NULL when out of memory. */
char *hv_nic_xml_str(const struct vnm_vnic *nic);
/* Add (attach) or remove nic's <interface> in doc and dump the result to
 * *xml: 1 done, 0 nothing to change, -1 out of memory. */
int hv_nic_edit(xmlDocPtr doc, const struct vnm_vnic *nic, bool attach, char **xml);
/* Set the link state of one <interface>: 1 changed, 0 already so, -1 memory. */
int hv_nic_link_edit(xmlNodePtr iface, bool up);
/* A node (and its children) as XML text; NULL on memory. */
char *hv_xml_dump(xmlNodePtr n);

/* --- vNIC link state (hv_link.c) --- */

int hv_vnic_set_link(void *ctx, const struct vnm_vnic *nic, bool up, struct vnm_err *err);
/* A source domain's definition rewritten as copy's (see hv_xml.c), in *xml. */
int hv_copy_xml(struct hv_libvirt *hv, xmlDocPtr doc, const struct vnm_vr *copy, uint64_t gen,
		char **xml, struct vnm_err *err);

#endif
