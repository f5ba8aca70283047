/*
 * test_hv_libvirt.c - the libvirt hypervisor driver against libvirt's
 * in-process test driver (test:///default: no daemon, no root).
 *
 * test:///default is one shared instance per process and starts with a
 * running domain "test" that is not vnmd's: the driver must never list,
 * adopt or remove it.  Every test uses its own domain names and removes its
 * domains at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <libyang/libyang.h>

#include "driver.h"
#include "hv_libvirt.h"
#include "log.h"
#include "model.h"
#include "uri_policy.h"
#include "yctx.h"

#define URI "test:///default"

/* What the tests' "operator" allows besides URI: an unreachable
 * hypervisor, and second test drivers from files (test_move). */
static const char *const allowed[] = {"bogus:///nowhere", "test:///tmp/vnmt-node-*"};
static const struct vnm_uri_policy policy = {.allow = allowed, .n_allow = 2,
						 .default_uri = URI};

/* One router with its network, host and NICs, built by hand (the driver
 * only reads these fields). */
struct fx {
	struct vnm_host host;
	struct vnm_vn vn;
	struct vnm_vr vr;
	struct vnm_vnic nics[3];
	char name[64], dname[80];
};

static void
fx_init(struct fx *f, const char *tag, int n_nics)
{
	int i;

	memset(f, 0, sizeof(*f));
	f->host.name = "rm1";
	f->host.uri = URI;
	f->vn.name = "vnt-net";
	snprintf(f->name, sizeof(f->name), "%s", tag);
	snprintf(f->dname, sizeof(f->dname), "vnmd-test-%s", tag);
	f->vr.name = f->name;
	f->vr.vn = &f->vn;
	f->vr.host = &f->host;
	f->vr.vcpus = 1;
	f->vr.memory_mib = 128;
	f->vr.kernel = "/var/lib/vnmd/images/vmlinuz";
	f->vr.initrd = "/var/lib/vnmd/images/router.cpio.gz";
	f->vr.cmdline = "vnm.addr=eth0:10.1.0.1/24";
	f->vr.domain_name = f->dname;
	f->vr.vnics = f->nics;
	f->vr.n_vnics = n_nics;
	for (i = 0; i < 3; i++) {
		struct vnm_vnic *v = &f->nics[i];

		v->vr = &f->vr;
		v->name = i == 0 ? "eth0" : i == 1 ? "eth1" : "eth2";
		snprintf(v->id, sizeof(v->id), "%02x%06x", i, (unsigned)(strlen(tag) * 7919) & 0xffffff);
		snprintf(v->mac, sizeof(v->mac), "52:54:00:%02x:%02x:%02x", (unsigned)tag[0], i,
			 (unsigned)strlen(tag));
		snprintf(v->tap, sizeof(v->tap), "vnt%s", v->id);
		snprintf(v->bridge, sizeof(v->bridge), "vnb%s", v->id);
	}
}

static const struct vnm_hv_ops *ops = &vnm_hv_libvirt_ops;

static int
setup(void **state)
{
	struct vnm_err err = {0};
	void *ctx;

	vnm_log_set_level(VNM_LOG_WARNING);
	if (vnm_hv_libvirt_new(URI, &ctx, &err) < 0) {
		fprintf(stderr, "new: %s\n", err.msg);
		return -1;
	}
	vnm_hv_libvirt_set_stop_timeout(ctx, 2000);
	vnm_hv_libvirt_set_uri_policy(ctx, &policy);
	*state = ctx;
	return 0;
}

static int
teardown(void **state)
{
	vnm_hv_libvirt_free(*state);
	return 0;
}

/* Remove the fixture's domain whatever state it is in. */
static void
fx_cleanup(void *ctx, struct fx *f)
{
	struct vnm_err err;

	ops->vr_set_state(ctx, &f->vr, VNM_ADMIN_STOPPED, &err);
	ops->vr_undefine(ctx, &f->vr, &err);
}

static bool
own_has(void *ctx, const struct vnm_host *h, const char *name, struct vnm_own_obj *out)
{
	struct vnm_own_list l = {0};
	struct vnm_err err = {0};
	bool found = false;
	size_t i;

	assert_int_equal(ops->list_own(ctx, h, &l, &err), 0);
	for (i = 0; i < l.n; i++) {
		if (!strcmp(l.objs[i].name, name)) {
			found = true;
			if (out)
				*out = l.objs[i];
		}
	}
	vnm_own_list_free(&l);
	return found;
}

/* The domain's XML through libvirt itself, to check what the driver wrote. */
static char *
dom_xml(const char *name, unsigned flags)
{
	virConnectPtr c = virConnectOpen(URI);
	virDomainPtr d;
	char *x = NULL;

	assert_non_null(c);
	d = virDomainLookupByName(c, name);
	if (d) {
		x = virDomainGetXMLDesc(d, flags);
		virDomainFree(d);
	}
	virConnectClose(c);
	return x;
}

static void
test_domain_type_from_capabilities(void **state)
{
	struct vnm_host h = {.name = "rm1", .uri = URI};
	struct vnm_err err = {0};
	char t[16];

	assert_int_equal(vnm_hv_libvirt_domain_type(*state, &h, t, sizeof(t), &err), 0);
	assert_string_equal(t, "test");
	/* Configured types are used as configured (the test driver takes
	 * any, so configurations written for QEMU run here too). */
	h.domain_type = VNM_DT_KVM;
	assert_int_equal(vnm_hv_libvirt_domain_type(*state, &h, t, sizeof(t), &err), 0);
	assert_string_equal(t, "kvm");
	h.domain_type = VNM_DT_QEMU;
	assert_int_equal(vnm_hv_libvirt_domain_type(*state, &h, t, sizeof(t), &err), 0);
	assert_string_equal(t, "qemu");
}

static void
test_define_status_list(void **state)
{
	struct vnm_vr_status st;
	struct vnm_own_obj o;
	struct vnm_err err = {0};
	struct fx f;
	char uuid[37];

	fx_init(&f, "def", 2);
	assert_int_equal(ops->vr_define(*state, &f.vr, 3, &err), 0);
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.state, VNM_VR_STOPPED);
	assert_int_equal(st.domain_id, -1);
	assert_int_equal(st.memory_mib, 128);
	assert_int_equal(st.vcpus, 1);
	assert_int_equal(strlen(st.uuid), 36);
	memcpy(uuid, st.uuid, sizeof(uuid));

	assert_true(own_has(*state, &f.host, f.dname, &o));
	assert_int_equal(o.kind, VNM_OBJ_DOMAIN);
	assert_string_equal(o.vn, "vnt-net");
	assert_string_equal(o.obj, "def");
	assert_string_equal(o.host, "rm1");
	assert_int_equal(o.generation, 3);
	/* The shared driver's own domain "test" is not vnmd's. */
	assert_false(own_has(*state, &f.host, "test", NULL));

	/* Defining again (reconciliation) keeps the identity, updates the tag. */
	assert_int_equal(ops->vr_define(*state, &f.vr, 4, &err), 0);
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_string_equal(st.uuid, uuid);
	assert_true(own_has(*state, &f.host, f.dname, &o));
	assert_int_equal(o.generation, 4);
	fx_cleanup(*state, &f);
	assert_false(own_has(*state, &f.host, f.dname, NULL));
}

static void
test_domain_xml(void **state)
{
	struct vnm_err err = {0};
	struct fx f;
	char *x;

	fx_init(&f, "xml", 2);
	/* Characters that must be escaped reach libvirt intact. */
	f.vr.cmdline = "vnm.addr=eth0:10.1.0.1/24 note=<a&b>\"'";
	assert_int_equal(ops->vr_define(*state, &f.vr, 1, &err), 0);
	x = dom_xml(f.dname, VIR_DOMAIN_XML_INACTIVE);
	assert_non_null(x);
	if (!strstr(x, "<cmdline>console=ttyS0 quiet panic=-1 vnm.addr=eth0:10.1.0.1/24 "
		    "note=&lt;a&amp;b&gt;&quot;&apos;</cmdline>"))
		fail_msg("cmdline not intact in:\n%s", x);
	assert_non_null(strstr(x, "<kernel>/var/lib/vnmd/images/vmlinuz</kernel>"));
	assert_non_null(strstr(x, "<initrd>/var/lib/vnmd/images/router.cpio.gz</initrd>"));
	assert_non_null(strstr(x, f.nics[0].mac));
	assert_non_null(strstr(x, f.nics[1].mac));
	assert_non_null(strstr(x, f.nics[0].bridge));
	assert_non_null(strstr(x, f.nics[1].tap));
	assert_non_null(strstr(x, "type='virtio'"));
	assert_non_null(strstr(x, VNM_HV_NS));
	assert_non_null(strstr(x, "type='test'"));
	free(x);
	fx_cleanup(*state, &f);

	/* A disk-booted router. */
	fx_init(&f, "xmldisk", 0);
	f.vr.kernel = f.vr.initrd = f.vr.cmdline = NULL;
	f.vr.disk = "/var/lib/vnmd/images/r.qcow2";
	assert_int_equal(ops->vr_define(*state, &f.vr, 1, &err), 0);
	x = dom_xml(f.dname, VIR_DOMAIN_XML_INACTIVE);
	assert_non_null(x);
	assert_non_null(strstr(x, "/var/lib/vnmd/images/r.qcow2"));
	assert_null(strstr(x, "<kernel>"));
	free(x);
	fx_cleanup(*state, &f);
}

static void
test_define_refuses_foreign(void **state)
{
	struct vnm_vr_status st;
	struct vnm_err err = {0};
	struct fx f;

	fx_init(&f, "foreign", 0);
	f.vr.domain_name = "test"; /* the test driver's own, untagged domain */
	assert_int_equal(ops->vr_define(*state, &f.vr, 1, &err), -1);
	assert_int_equal(err.code, VNM_E_EXISTS);
	assert_non_null(strstr(err.msg, "vnt-net/foreign"));
	assert_non_null(strstr(err.msg, "test"));
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), -1);
	/* ... and it still runs: nothing was done to it. */
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_STOPPED, &err), -1);
	assert_int_equal(ops->vr_undefine(*state, &f.vr, &err), -1);
	{
		virConnectPtr c = virConnectOpen(URI);
		virDomainPtr d = virDomainLookupByName(c, "test");

		assert_non_null(d);
		assert_int_equal(virDomainIsActive(d), 1);
		virDomainFree(d);
		virConnectClose(c);
	}
}

/* What libvirt refuses comes back as a driver error naming the router. */
static void
test_libvirt_refusals(void **state)
{
	struct vnm_vr_status st;
	struct vnm_err err = {0};
	struct fx f;

	fx_init(&f, "refused", 1);
	snprintf(f.nics[0].mac, sizeof(f.nics[0].mac), "not-a-mac");
	assert_int_equal(ops->vr_define(*state, &f.vr, 1, &err), -1);
	assert_int_equal(err.code, VNM_E_DRIVER);
	assert_non_null(strstr(err.msg, "router vnt-net/refused"));
	assert_non_null(strstr(err.msg, "cannot define domain vnmd-test-refused"));
	assert_non_null(strstr(err.path, "node-id='refused'"));
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.state, VNM_VR_ABSENT);

	/* The same NIC added to a defined router: refused, router unchanged. */
	fx_init(&f, "refused", 1);
	assert_int_equal(ops->vr_define(*state, &f.vr, 1, &err), 0);
	snprintf(f.nics[1].mac, sizeof(f.nics[1].mac), "not-a-mac");
	assert_int_equal(ops->vnic_attach(*state, &f.nics[1], &err), -1);
	assert_int_equal(err.code, VNM_E_DRIVER);
	assert_non_null(strstr(err.msg, "cannot add NIC eth1"));
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.state, VNM_VR_STOPPED);
	fx_cleanup(*state, &f);
}

static void
test_lifecycle(void **state)
{
	struct vnm_vr_status st;
	struct vnm_err err = {0};
	struct fx f;
	int id;

	fx_init(&f, "life", 1);
	assert_int_equal(ops->vr_define(*state, &f.vr, 1, &err), 0);
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_RUNNING, &err), 0);
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.state, VNM_VR_RUNNING);
	assert_true(st.domain_id > 0);
	id = st.domain_id;
	/* Idempotent. */
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_RUNNING, &err), 0);

	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_PAUSED, &err), 0);
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.state, VNM_VR_PAUSED);
	assert_int_equal(st.domain_id, id);
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_RUNNING, &err), 0);
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.state, VNM_VR_RUNNING);
	assert_int_equal(st.domain_id, id); /* resumed, not restarted */

	/* A domain must be shut off to be undefined. */
	assert_int_equal(ops->vr_undefine(*state, &f.vr, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, "stop it first"));

	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_STOPPED, &err), 0);
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.state, VNM_VR_STOPPED);
	assert_int_equal(st.domain_id, -1);
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_STOPPED, &err), 0);

	/* Stopped -> paused starts it paused. */
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_PAUSED, &err), 0);
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.state, VNM_VR_PAUSED);
	/* Paused -> stopped (forced: a paused guest cannot see the button). */
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_STOPPED, &err), 0);
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.state, VNM_VR_STOPPED);

	assert_int_equal(ops->vr_undefine(*state, &f.vr, &err), 0);
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.state, VNM_VR_ABSENT);
	/* Removing what is gone succeeds; starting it does not. */
	assert_int_equal(ops->vr_undefine(*state, &f.vr, &err), 0);
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_STOPPED, &err), 0);
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_RUNNING, &err), -1);
	assert_int_equal(err.code, VNM_E_MISSING);
	assert_non_null(strstr(err.msg, "vnt-net/life"));
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_PAUSED, &err), -1);
	assert_int_equal(err.code, VNM_E_MISSING);
}

static void
test_resources(void **state)
{
	struct vnm_vr_status st;
	struct vnm_err err = {0};
	struct fx f, g;
	bool live = true;

	fx_init(&f, "res", 0);
	assert_int_equal(ops->vr_define(*state, &f.vr, 1, &err), 0);
	/* Shut off: definition only. */
	fx_init(&g, "res", 0);
	g.vr.memory_mib = 256;
	g.vr.vcpus = 2;
	assert_int_equal(ops->vr_set_resources(*state, &f.vr, &g.vr, &live, &err), 0);
	assert_false(live);
	assert_int_equal(ops->vr_status(*state, &g.vr, &st, &err), 0);
	assert_int_equal(st.vcpus, 2);
	assert_int_equal(st.memory_mib, 256);

	/* Running: less memory fits the running maximum -> live. */
	assert_int_equal(ops->vr_set_state(*state, &g.vr, VNM_ADMIN_RUNNING, &err), 0);
	f.vr.memory_mib = 192;
	f.vr.vcpus = 2;
	assert_int_equal(ops->vr_set_resources(*state, &g.vr, &f.vr, &live, &err), 0);
	assert_true(live);
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.memory_mib, 192);

	/* More than the running maximum: next start only, and said so. */
	g.vr.memory_mib = 512;
	g.vr.vcpus = 4;
	assert_int_equal(ops->vr_set_resources(*state, &f.vr, &g.vr, &live, &err), 0);
	assert_false(live);
	assert_int_equal(ops->vr_status(*state, &g.vr, &st, &err), 0);
	assert_int_equal(st.memory_mib, 192);
	assert_int_equal(ops->vr_set_state(*state, &g.vr, VNM_ADMIN_STOPPED, &err), 0);
	assert_int_equal(ops->vr_set_state(*state, &g.vr, VNM_ADMIN_RUNNING, &err), 0);
	assert_int_equal(ops->vr_status(*state, &g.vr, &st, &err), 0);
	assert_int_equal(st.memory_mib, 512);
	assert_int_equal(st.vcpus, 4);
	fx_cleanup(*state, &f);

	/* Absent domain. */
	assert_int_equal(ops->vr_set_resources(*state, &f.vr, &g.vr, &live, &err), -1);
	assert_int_equal(err.code, VNM_E_MISSING);
}

static void
test_vnic_plug(void **state)
{
	struct vnm_err err = {0};
	struct fx f;
	char *x;

	fx_init(&f, "plug", 1);
	/* No domain yet. */
	assert_int_equal(ops->vnic_attach(*state, &f.nics[1], &err), -1);
	assert_int_equal(err.code, VNM_E_MISSING);
	assert_int_equal(ops->vnic_detach(*state, &f.nics[1], &err), 0);

	assert_int_equal(ops->vr_define(*state, &f.vr, 1, &err), 0);
	/* Shut off: the definition changes (works without hot-plug). */
	assert_int_equal(ops->vnic_attach(*state, &f.nics[1], &err), 0);
	assert_int_equal(ops->vnic_attach(*state, &f.nics[1], &err), 0);
	x = dom_xml(f.dname, VIR_DOMAIN_XML_INACTIVE);
	assert_non_null(strstr(x, f.nics[1].mac));
	assert_non_null(strstr(x, f.nics[1].bridge));
	free(x);
	assert_int_equal(ops->vnic_detach(*state, &f.nics[0], &err), 0);
	assert_int_equal(ops->vnic_detach(*state, &f.nics[0], &err), 0);
	x = dom_xml(f.dname, VIR_DOMAIN_XML_INACTIVE);
	assert_null(strstr(x, f.nics[0].mac));
	assert_non_null(strstr(x, f.nics[1].mac));
	free(x);

	/* Running: the test driver cannot hot-plug; a clear refusal. */
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_RUNNING, &err), 0);
	assert_int_equal(ops->vnic_attach(*state, &f.nics[2], &err), -1);
	assert_int_equal(err.code, VNM_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "hot-plug"));
	assert_non_null(strstr(err.msg, "vnt-net/plug"));
	assert_non_null(strstr(err.msg, "eth2"));
	assert_int_equal(ops->vnic_detach(*state, &f.nics[1], &err), -1);
	assert_int_equal(err.code, VNM_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "hot-unplug"));
	/* Already there (or already gone): nothing to do, even here. */
	assert_int_equal(ops->vnic_attach(*state, &f.nics[1], &err), 0);
	assert_int_equal(ops->vnic_detach(*state, &f.nics[0], &err), 0);
	fx_cleanup(*state, &f);
}

static void
test_copy(void **state)
{
	struct vnm_vr_status s1, s2;
	struct vnm_own_obj o;
	struct vnm_err err = {0};
	struct fx f, c;
	char *x;

	fx_init(&f, "orig", 2);
	fx_init(&c, "clone", 2);
	assert_int_equal(ops->vr_copy(*state, &f.vr, &c.vr, &err), -1);
	assert_int_equal(err.code, VNM_E_MISSING);

	assert_int_equal(ops->vr_define(*state, &f.vr, 9, &err), 0);
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_RUNNING, &err), 0);
	assert_int_equal(ops->vr_copy(*state, &f.vr, &c.vr, &err), 0);
	assert_int_equal(ops->vr_status(*state, &f.vr, &s1, &err), 0);
	assert_int_equal(ops->vr_status(*state, &c.vr, &s2, &err), 0);
	assert_int_equal(s2.state, VNM_VR_STOPPED);
	assert_string_not_equal(s1.uuid, s2.uuid);
	x = dom_xml(c.dname, VIR_DOMAIN_XML_INACTIVE);
	assert_non_null(x);
	assert_non_null(strstr(x, c.nics[0].mac));
	assert_null(strstr(x, f.nics[0].mac));
	assert_null(strstr(x, f.nics[1].mac));
	assert_non_null(strstr(x, "/var/lib/vnmd/images/vmlinuz")); /* same image */
	free(x);
	assert_true(own_has(*state, &c.host, c.dname, &o));
	assert_string_equal(o.obj, "clone");
	assert_int_equal(o.generation, 9);
	/* Again: it is there. */
	assert_int_equal(ops->vr_copy(*state, &f.vr, &c.vr, &err), 0);
	/* A clone can run next to its original. */
	assert_int_equal(ops->vr_set_state(*state, &c.vr, VNM_ADMIN_RUNNING, &err), 0);
	fx_cleanup(*state, &c);

	/* A copy without NICs of its own gets the original's with new MACs. */
	fx_init(&c, "clone2", 0);
	assert_int_equal(ops->vr_copy(*state, &f.vr, &c.vr, &err), 0);
	x = dom_xml(c.dname, VIR_DOMAIN_XML_INACTIVE);
	assert_non_null(strstr(x, f.nics[0].bridge));
	assert_null(strstr(x, f.nics[0].mac));
	assert_null(strstr(x, f.nics[0].tap));
	free(x);
	fx_cleanup(*state, &c);

	/* Onto a name held by a foreign domain. */
	c.vr.domain_name = "test";
	assert_int_equal(ops->vr_copy(*state, &f.vr, &c.vr, &err), -1);
	assert_int_equal(err.code, VNM_E_EXISTS);
	fx_cleanup(*state, &f);
}

/* A vNIC's link state (a VL's admin state): a NIC on a disabled VL is
 * defined without carrier; on a shut-off domain the definition changes in
 * place (same UUID, same NICs); on a running one the test driver cannot
 * change it live, and says so, and the definition is left as it was. */
static void
test_vnic_link(void **state)
{
	struct vnm_vn vn = {.name = "vnt-net"};
	struct vnm_vl vl = {.name = "vl-x", .vn = &vn, .enabled = false};
	struct vnm_vr_status s1, s2;
	struct vnm_err err = {0};
	struct fx f;
	char *x;

	fx_init(&f, "carrier", 2);
	f.nics[1].vl = &vl;
	assert_int_equal(ops->vnic_set_link(*state, &f.nics[1], false, &err), -1);
	assert_int_equal(err.code, VNM_E_MISSING);
	assert_int_equal(ops->vr_define(*state, &f.vr, 1, &err), 0);
	x = dom_xml(f.dname, VIR_DOMAIN_XML_INACTIVE);
	assert_non_null(strstr(x, "<link state='down'/>"));
	free(x);
	assert_int_equal(ops->vr_status(*state, &f.vr, &s1, &err), 0);
	assert_int_equal(ops->vnic_set_link(*state, &f.nics[1], true, &err), 0);
	x = dom_xml(f.dname, VIR_DOMAIN_XML_INACTIVE);
	assert_null(strstr(x, "<link state="));
	assert_non_null(strstr(x, f.nics[1].mac));
	free(x);
	assert_int_equal(ops->vnic_set_link(*state, &f.nics[1], true, &err), 0); /* idempotent */
	assert_int_equal(ops->vnic_set_link(*state, &f.nics[0], false, &err), 0);
	x = dom_xml(f.dname, VIR_DOMAIN_XML_INACTIVE);
	assert_non_null(strstr(x, "<link state='down'/>"));
	free(x);
	assert_int_equal(ops->vr_status(*state, &f.vr, &s2, &err), 0);
	assert_string_equal(s1.uuid, s2.uuid);

	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_RUNNING, &err), 0);
	assert_int_equal(ops->vnic_set_link(*state, &f.nics[0], true, &err), -1);
	assert_int_equal(err.code, VNM_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, URI));
	assert_non_null(strstr(err.msg, "eth0"));
	assert_non_null(strstr(err.msg, "while the router runs"));
	x = dom_xml(f.dname, VIR_DOMAIN_XML_INACTIVE);
	assert_non_null(strstr(x, "<link state='down'/>"));
	free(x);
	/* nothing to change live: success */
	assert_int_equal(ops->vnic_set_link(*state, &f.nics[1], true, &err), 0);
	fx_cleanup(*state, &f);
}

static void
test_move(void **state)
{
	struct vnm_host same = {.name = "rm1b", .uri = URI};
	struct vnm_host other = {.name = "rm2"};
	struct vnm_host bad = {.name = "rm3", .uri = "bogus:///nowhere"};
	struct vnm_vr_status st;
	struct vnm_err err = {0};
	char uri[256], path[] = "/tmp/vnmt-node-XXXXXX";
	struct fx f;
	FILE *fp;
	int fd;

	fx_init(&f, "mover", 1);
	assert_int_equal(ops->vr_move(*state, &f.vr, NULL, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	/* Same hypervisor: refused before anything is looked at. */
	assert_int_equal(ops->vr_move(*state, &f.vr, &same, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, "same hypervisor"));
	assert_non_null(strstr(err.msg, "rm1b"));
	/* Unreachable destination. */
	assert_int_equal(ops->vr_move(*state, &f.vr, &bad, &err), -1);
	assert_int_equal(err.code, VNM_E_DRIVER);
	assert_non_null(strstr(err.msg, "rm3"));

	/* Another hypervisor instance (a second test driver from a file):
	 * absent domain, then the driver's refusal to migrate, after which
	 * the router is still on its host. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs("<node/>\n", fp);
	fclose(fp);
	snprintf(uri, sizeof(uri), "test://%s", path);
	other.uri = uri;
	assert_int_equal(ops->vr_move(*state, &f.vr, &other, &err), -1);
	assert_int_equal(err.code, VNM_E_MISSING);
	assert_int_equal(ops->vr_define(*state, &f.vr, 1, &err), 0);
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_RUNNING, &err), 0);
	/* the look before a transaction says so too, changing nothing */
	assert_int_equal(ops->vr_move_check(*state, &f.vr, &other, &err), -1);
	assert_int_equal(err.code, VNM_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "offers no live migration"));
	assert_non_null(strstr(err.msg, "rm2"));
	assert_int_equal(ops->vr_move(*state, &f.vr, &other, &err), -1);
	assert_int_equal(err.code, VNM_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "rm2"));
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.state, VNM_VR_RUNNING);
	fx_cleanup(*state, &f);
	unlink(path);
}

static void
test_list_remove_own(void **state)
{
	struct vnm_own_obj o, foreign = {.kind = VNM_OBJ_DOMAIN, .name = "test"};
	struct vnm_vr_status st;
	struct vnm_err err = {0};
	struct fx f;

	fx_init(&f, "leftover", 1);
	assert_int_equal(ops->vr_define(*state, &f.vr, 2, &err), 0);
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_RUNNING, &err), 0);
	assert_true(own_has(*state, &f.host, f.dname, &o));
	assert_int_equal(ops->remove_own(*state, &f.host, &o, &err), 0);
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), 0);
	assert_int_equal(st.state, VNM_VR_ABSENT);
	assert_false(own_has(*state, &f.host, f.dname, NULL));
	/* Gone already: fine. */
	assert_int_equal(ops->remove_own(*state, &f.host, &o, &err), 0);
	/* Never a domain without the tag. */
	assert_int_equal(ops->remove_own(*state, &f.host, &foreign, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, "not tagged"));
}

static void
test_connect_error(void **state)
{
	struct vnm_host bad = {.name = "rm9", .uri = "bogus:///nowhere"};
	struct vnm_own_list l = {0};
	struct vnm_vr_status st;
	struct vnm_err err = {0};
	struct fx f;

	assert_int_equal(ops->list_own(*state, &bad, &l, &err), -1);
	assert_int_equal(err.code, VNM_E_DRIVER);
	assert_non_null(strstr(err.msg, "rm9"));
	assert_non_null(strstr(err.msg, "bogus:///nowhere"));
	fx_init(&f, "nohost", 0);
	f.vr.host = &bad;
	assert_int_equal(ops->vr_define(*state, &f.vr, 1, &err), -1);
	assert_int_equal(ops->vr_status(*state, &f.vr, &st, &err), -1);
	vnm_own_list_free(&l);
}

/* A URI the policy refuses never reaches libvirt, even when the model
 * (an old saved configuration) has it: the ext transport would run the
 * program that touches the marker. */
static void
test_refused_uri_never_opened(void **state)
{
	char dir[] = "/tmp/vnmt-uri-XXXXXX", prog[64], marker[64], uri[160];
	struct vnm_host evil = {.name = "rm-evil", .uri = uri};
	struct vnm_host shadow = {.name = "rm-shadow", .uri = "test:///etc/shadow"};
	struct vnm_own_list l = {0};
	struct vnm_err err = {0};
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(prog, sizeof(prog), "%s/prog", dir);
	snprintf(marker, sizeof(marker), "%s/marker", dir);
	snprintf(uri, sizeof(uri), "test+ext:///default?command=%s", prog);
	fp = fopen(prog, "w");
	assert_non_null(fp);
	fprintf(fp, "#!/bin/sh\ntouch %s\n", marker);
	fclose(fp);
	assert_int_equal(chmod(prog, 0755), 0);

	assert_int_equal(ops->list_own(*state, &evil, &l, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, "rm-evil"));
	assert_non_null(strstr(err.msg, "refusing to connect"));
	assert_int_equal(access(marker, F_OK), -1);
	assert_int_equal(ops->list_own(*state, &shadow, &l, &err), -1);
	assert_int_equal(err.code, VNM_E_INVALID);
	assert_non_null(strstr(err.msg, "--allow-uri 'test:///etc/shadow'"));
	vnm_own_list_free(&l);
	unlink(prog);
	rmdir(dir);
}

/* Events arrive on the driver's event thread. */
struct ev_rec {
	pthread_mutex_t lock;
	int n;
	char vr[64];
	enum vnm_vr_oper last;
	char reason[64];
	bool saw_paused, saw_running;
};

static void
ev_cb(void *arg, const char *vn, const char *vr, enum vnm_vr_oper st, const char *reason)
{
	struct ev_rec *r = arg;

	if (strcmp(vn, "vnt-net") || strcmp(vr, "events"))
		return;
	pthread_mutex_lock(&r->lock);
	r->n++;
	snprintf(r->vr, sizeof(r->vr), "%s", vr);
	r->last = st;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	if (st == VNM_VR_PAUSED)
		r->saw_paused = true;
	if (st == VNM_VR_RUNNING)
		r->saw_running = true;
	pthread_mutex_unlock(&r->lock);
}

static bool
ev_wait(struct ev_rec *r, enum vnm_vr_oper want)
{
	struct timespec ts = {0, 50 * 1000000L};
	bool ok = false;
	int i;

	for (i = 0; i < 100 && !ok; i++) {
		pthread_mutex_lock(&r->lock);
		ok = r->n > 0 && r->last == want;
		pthread_mutex_unlock(&r->lock);
		if (!ok)
			nanosleep(&ts, NULL);
	}
	return ok;
}

static void
test_events(void **state)
{
	struct ev_rec r = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct vnm_err err = {0};
	virConnectPtr c;
	virDomainPtr d;
	struct fx f;

	fx_init(&f, "events", 0);
	ops->set_event_cb(*state, ev_cb, &r);
	assert_int_equal(ops->vr_define(*state, &f.vr, 1, &err), 0);
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_RUNNING, &err), 0);
	assert_true(ev_wait(&r, VNM_VR_RUNNING));
	/* Paused by someone else (the host), not through vnmd. */
	c = virConnectOpen(URI);
	d = virDomainLookupByName(c, f.dname);
	assert_int_equal(virDomainSuspend(d), 0);
	assert_true(ev_wait(&r, VNM_VR_PAUSED));
	assert_string_equal(r.reason, "paused");
	assert_int_equal(virDomainDestroy(d), 0);
	assert_true(ev_wait(&r, VNM_VR_STOPPED));
	assert_string_equal(r.reason, "destroyed");
	virDomainFree(d);
	virConnectClose(c);
	ops->set_event_cb(*state, NULL, NULL);
	fx_cleanup(*state, &f);
}

static void
test_oper_names(void **state)
{
	(void)state;
	assert_string_equal(vnm_vr_oper_str(VNM_VR_RUNNING), "running");
	assert_string_equal(vnm_vr_oper_str(VNM_VR_PAUSED), "paused");
	assert_string_equal(vnm_vr_oper_str(VNM_VR_STOPPED), "stopped");
	assert_string_equal(vnm_vr_oper_str(VNM_VR_CRASHED), "crashed");
	assert_string_equal(vnm_vr_oper_str(VNM_VR_ABSENT), "absent");
	assert_string_equal(vnm_vr_oper_str((enum vnm_vr_oper)99), "unknown");
}

static void
test_two_contexts(void **state)
{
	struct vnm_vr_status a, b;
	struct vnm_own_obj o;
	struct vnm_err err = {0};
	void *ctx2;
	struct fx f;

	/* As after a vnmd restart: a new context finds and keeps the domain. */
	fx_init(&f, "adopt", 1);
	assert_int_equal(ops->vr_define(*state, &f.vr, 5, &err), 0);
	assert_int_equal(ops->vr_set_state(*state, &f.vr, VNM_ADMIN_RUNNING, &err), 0);
	assert_int_equal(ops->vr_status(*state, &f.vr, &a, &err), 0);
	assert_int_equal(vnm_hv_libvirt_new(URI, &ctx2, &err), 0);
	assert_true(own_has(ctx2, &f.host, f.dname, NULL));
	assert_int_equal(ops->vr_define(ctx2, &f.vr, 6, &err), 0);
	assert_true(own_has(ctx2, &f.host, f.dname, &o));
	assert_int_equal(o.generation, 6); /* the running domain's tag too */
	assert_int_equal(ops->vr_set_state(ctx2, &f.vr, VNM_ADMIN_RUNNING, &err), 0);
	assert_int_equal(ops->vr_status(ctx2, &f.vr, &b, &err), 0);
	assert_int_equal(b.state, VNM_VR_RUNNING);
	assert_int_equal(b.domain_id, a.domain_id);
	assert_string_equal(b.uuid, a.uuid);
	fx_cleanup(ctx2, &f);
	vnm_hv_libvirt_free(ctx2);
	vnm_hv_libvirt_free(NULL);
}

/* The paper's Figure 5 through the model: every VR becomes a domain with
 * the derived name, its vNICs and the tag, and runs on test:///default. */
static void
test_figure5_model(void **state)
{
	struct ly_ctx *ly = NULL;
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	struct vnm_vr_status st;
	struct vnm_own_obj o;
	struct vnm_err err = {0};
	size_t i, j;
	char *x;

	if (vnm_yctx_new(false, &ly, &err) ||
	    vnm_config_parse_file(ly, VNM_YANG_DIR "/../examples/figure5.xml", &tree, &err) ||
	    vnm_model_build(tree, &m, &err))
		fail_msg("figure 5: %s", err.msg);
	assert_true(m->n_vrs >= 4);
	for (i = 0; i < m->n_vrs; i++) {
		struct vnm_vr *vr = &m->vrs[i];

		assert_non_null(vr->host);
		assert_int_equal(ops->vr_define(*state, vr, 1, &err), 0);
		assert_int_equal(ops->vr_set_state(*state, vr, vnm_vr_effective_admin(vr), &err), 0);
		assert_int_equal(ops->vr_status(*state, vr, &st, &err), 0);
		assert_int_equal(st.memory_mib, vr->memory_mib);
		assert_true(own_has(*state, vr->host, vr->domain_name, &o));
		assert_string_equal(o.vn, vr->vn->name);
		assert_string_equal(o.obj, vr->name);
		x = dom_xml(vr->domain_name, VIR_DOMAIN_XML_INACTIVE);
		assert_non_null(x);
		for (j = 0; j < vr->n_vnics; j++) {
			assert_non_null(strstr(x, vr->vnics[j].mac));
			assert_non_null(strstr(x, vr->vnics[j].bridge));
			assert_non_null(strstr(x, vr->vnics[j].tap));
		}
		free(x);
	}
	/* Two networks may name their routers alike: distinct domains. */
	for (i = 0; i < m->n_vrs; i++)
		for (j = i + 1; j < m->n_vrs; j++)
			assert_string_not_equal(m->vrs[i].domain_name, m->vrs[j].domain_name);
	for (i = 0; i < m->n_vrs; i++) {
		assert_int_equal(ops->vr_set_state(*state, &m->vrs[i], VNM_ADMIN_STOPPED, &err), 0);
		assert_int_equal(ops->vr_undefine(*state, &m->vrs[i], &err), 0);
	}
	vnm_model_free(m);
	lyd_free_all(tree);
	ly_ctx_destroy(ly);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oper_names),
		cmocka_unit_test(test_domain_type_from_capabilities),
		cmocka_unit_test(test_define_status_list),
		cmocka_unit_test(test_domain_xml),
		cmocka_unit_test(test_define_refuses_foreign),
		cmocka_unit_test(test_libvirt_refusals),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_vnic_plug),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_vnic_link),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_list_remove_own),
		cmocka_unit_test(test_connect_error),
		cmocka_unit_test(test_refused_uri_never_opened),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_two_contexts),
		cmocka_unit_test(test_figure5_model),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
