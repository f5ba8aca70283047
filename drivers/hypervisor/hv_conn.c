/*
 * hv_conn.c - the libvirt driver's connections, errors and context.
 *
 * Connections: one per URI, opened lazily, reference-counted per call
 * (virConnectRef) so that a reconnect never pulls a connection from under a
 * running operation.  A connection is reopened when libvirt says it closed
 * (close callback) or is no longer alive: at the next operation, or from the
 * event thread every few seconds so that events keep flowing.  Every URI is
 * opened in hv_conn_open_uri() and nowhere else.
 *
 * Domain type: host->domain_type when configured; otherwise "qemu" (TCG)
 * when the hypervisor offers it, since KVM is used only when asked for
 * (on some machines KVM guests hang), else the first type offered ("test"
 * on test:///default).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv_int.h"
#include "uri_policy.h"
#include "log.h"

#define HV_STOP_TIMEOUT_MS 10000

/* ------------------------------------------------------------------ */
/* Errors                                                             */
/* ------------------------------------------------------------------ */

enum vnm_err_code
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

const char *
hv_msg(void)
{
	virErrorPtr e = virGetLastError();

	return e && e->message ? e->message : "unknown libvirt error";
}

const char *
hv_msg_vr(const struct vnm_vr *vr)
{
	static __thread char buf[768];
	virErrorPtr e = virGetLastError();

	if (!e || !vr->host || (e->domain != VIR_FROM_RPC && e->domain != VIR_FROM_REMOTE))
		return hv_msg();
	/* the RPC layer's words ("End of file while reading data") say
	 * nothing of where: name the host whose libvirtd went away */
	snprintf(buf, sizeof(buf), "%s (the connection to host %s's hypervisor broke)",
		 hv_msg(), vr->host->name);
	return buf;
}

static void
hv_vr_path(const struct vnm_vr *vr, char *buf, size_t len)
{
	snprintf(buf, len, "/ietf-network:networks/network[network-id='%s']/node[node-id='%s']",
		 vr->vn ? vr->vn->name : "", vr->name);
}

int
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

const char *
hv_fmt(const char *fmt, ...)
{
	static __thread char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
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

/* The one place where the driver opens a hypervisor URI (first use and
 * every reconnect): NULL with err set when it cannot. */
static virConnectPtr
hv_conn_open_uri(const struct hv_libvirt *hv, const char *uri, struct vnm_err *err)
{
	/* without a policy of the daemon's: the built-in list and the
	 * driver's default URI, which the operator (or tool) wrote */
	const struct vnm_uri_policy fallback = {.default_uri = hv->default_uri};
	enum vnm_uri_verdict v;
	virConnectPtr conn;
	char why[768];

	/* Validation refused such URIs already; this also holds for a saved
	 * configuration from before the policy, and for reconnects. */
	v = vnm_uri_check(hv->uris ? hv->uris : &fallback, uri);
	if (v != VNM_URI_ALLOWED) {
		vnm_uri_explain(v, uri, why, sizeof(why));
		vnm_err_set(err, VNM_E_INVALID, NULL, "refusing to connect: %s", why);
		return NULL;
	}
	conn = virConnectOpen(uri);
	if (!conn)
		vnm_err_set(err, VNM_E_DRIVER, NULL,
			    "cannot connect to the hypervisor at %s: %s (is libvirtd running?)",
			    uri, hv_msg());
	return conn;
}

/* Open c (lock held). */
static int
hv_conn_open(struct hv_conn *c, struct vnm_err *err)
{
	c->conn = hv_conn_open_uri(c->hv, c->uri, err);
	if (!c->conn)
		return -1;
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

void
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

const char *
hv_host_uri(const struct hv_libvirt *hv, const struct vnm_host *host)
{
	return host && host->uri && *host->uri ? host->uri : hv->default_uri;
}

/* A referenced connection to host's hypervisor (virConnectClose it);
 * *cp (optional) is the cache entry, valid until the context is freed. */
virConnectPtr
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
/* A router's domain: its host's connection and the domain            */
/* ------------------------------------------------------------------ */

/* Look up the domain called name: 1 found (*domp), 0 absent, -1 libvirt
 * failed (its last error tells). */
int
hv_lookup_name(virConnectPtr conn, const char *name, virDomainPtr *domp)
{
	virErrorPtr e;

	*domp = virDomainLookupByName(conn, name);
	if (*domp)
		return 1;
	e = virGetLastError();
	if (e && e->code == VIR_ERR_NO_DOMAIN) {
		virResetLastError();
		return 0;
	}
	return -1;
}

/* Connect d to host's hypervisor: 0, or -1 with err. */
int
hv_dom_connect(struct hv_libvirt *hv, const struct vnm_host *host, struct hv_dom *d,
	       struct vnm_err *err)
{
	d->conn = hv_conn_get(hv, host, &d->c, err);
	return d->conn ? 0 : -1;
}

/* Look up vr's domain on d's connection and insist that it is vnmd's
 * domain of vr: 1 found (d->dom), 0 absent, -1 error (err set).  With
 * absent, an absent domain is the error "domain NAME <absent>". */
int
hv_dom_find(struct hv_dom *d, const struct vnm_vr *vr, const char *absent, struct vnm_err *err)
{
	struct hv_tag t;
	int r;

	r = hv_lookup_name(d->conn, vr->domain_name, &d->dom);
	if (r < 0)
		return HV_LV_FAIL(err, vr, "cannot look up domain %s", vr->domain_name);
	if (r == 0)
		return absent ? hv_fail_vr(err, VNM_E_MISSING, vr, "domain %s %s", vr->domain_name,
					   absent) : 0;
	r = hv_tag_read(d->dom, &t);
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
	virDomainFree(d->dom);
	d->dom = NULL;
	return -1;
}

/* Connect to vr's host and find vr's domain (see hv_dom_find). */
int
hv_dom_get(struct hv_libvirt *hv, const struct vnm_vr *vr, struct hv_dom *d, const char *absent,
	   struct vnm_err *err)
{
	if (hv_dom_connect(hv, vr->host, d, err) < 0)
		return -1;
	return hv_dom_find(d, vr, absent, err);
}

void
hv_dom_release(struct hv_dom *d)
{
	if (d->dom)
		virDomainFree(d->dom);
	if (d->conn)
		virConnectClose(d->conn);
	d->dom = NULL;
	d->conn = NULL;
}

/* ------------------------------------------------------------------ */
/* Domain type                                                        */
/* ------------------------------------------------------------------ */

int
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
/* The driver context                                                 */
/* ------------------------------------------------------------------ */

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

void
vnm_hv_libvirt_set_uri_policy(void *ctx, const struct vnm_uri_policy *uris)
{
	struct hv_libvirt *hv = ctx;

	hv->uris = uris;
}
