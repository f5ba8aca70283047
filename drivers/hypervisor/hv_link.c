/*
 * hv_link.c - a vNIC's link state: the carrier its guest sees (a VL's
 * admin state, see vnm_hv_ops.vnic_set_link).
 *
 * The NIC stays plugged and the domain keeps running: only the
 * <link state='down'/> of its <interface> changes.  The persistent
 * definition is rewritten first (virDomainDefineXML works on every
 * hypervisor, test:///default included), then the running domain is told
 * with virDomainUpdateDeviceFlags(VIR_DOMAIN_AFFECT_LIVE), given the
 * interface exactly as the live definition has it, so that nothing but
 * the link state differs.  When the live change fails the persistent one
 * is taken back, so the step fails as a whole.
 */
#include <stdlib.h>
#include <string.h>

#include "hv_int.h"

/* Rewrite the <interface> of nic in the definition doc and define it
 * again: 1 changed, 0 nothing to do, -1 err set. */
static int
hv_link_redefine(struct hv_dom *d, xmlDocPtr doc, const struct vnm_vnic *nic, bool up,
		 struct vnm_err *err)
{
	const struct vnm_vr *vr = nic->vr;
	xmlNodePtr iface = hv_find_nic(doc, nic->mac);
	virDomainPtr nd;
	char *xml = NULL;
	int r;

	if (!iface)
		return hv_fail_vr(err, VNM_E_MISSING, vr,
				  "domain %s has no NIC %s (MAC %s) in its definition",
				  vr->domain_name, nic->name, nic->mac);
	r = hv_nic_link_edit(iface, up);
	if (r <= 0)
		return r < 0 ? hv_fail_vr(err, VNM_E_NOMEM, vr, "out of memory") : 0;
	xml = hv_xml_dump(xmlDocGetRootElement(doc));
	if (!xml)
		return hv_fail_vr(err, VNM_E_NOMEM, vr, "out of memory");
	nd = virDomainDefineXML(d->conn, xml);
	free(xml);
	if (!nd)
		return HV_LV_FAIL(err, vr, "cannot set the link of NIC %s (MAC %s) %s in the "
				  "definition of domain %s", nic->name, nic->mac,
				  up ? "up" : "down", vr->domain_name);
	virDomainFree(nd);
	return 1;
}

/* Change the link state of nic in the running domain: 0, or -1 err set. */
static int
hv_link_live(struct hv_libvirt *hv, struct hv_dom *d, const struct vnm_vnic *nic, bool up,
	     struct vnm_err *err)
{
	const struct vnm_vr *vr = nic->vr;
	xmlDocPtr doc = hv_dom_doc(d->dom, 0);
	xmlNodePtr iface;
	char *xml = NULL;
	int r, rc = -1;

	if (!doc)
		return HV_LV_FAIL(err, vr, "cannot read domain %s", vr->domain_name);
	iface = hv_find_nic(doc, nic->mac);
	if (!iface) {
		hv_fail_vr(err, VNM_E_MISSING, vr, "running domain %s has no NIC %s (MAC %s)",
			   vr->domain_name, nic->name, nic->mac);
		goto cleanup;
	}
	r = hv_nic_link_edit(iface, up);
	if (r <= 0) {
		rc = r < 0 ? hv_fail_vr(err, VNM_E_NOMEM, vr, "out of memory") : 0;
		goto cleanup;
	}
	xml = hv_xml_dump(iface);
	if (!xml) {
		hv_fail_vr(err, VNM_E_NOMEM, vr, "out of memory");
		goto cleanup;
	}
	if (virDomainUpdateDeviceFlags(d->dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		if (hv_code() == VNM_E_UNSUPPORTED)
			hv_fail_vr(err, VNM_E_UNSUPPORTED, vr,
				   "the hypervisor at %s cannot change the link state of NIC %s "
				   "while the router runs (%s): a VL can be disabled or enabled "
				   "there only while its routers are stopped",
				   hv_host_uri(hv, vr->host), nic->name, hv_msg());
		else
			HV_LV_FAIL(err, vr, "cannot set the link of NIC %s (MAC %s) %s",
				   nic->name, nic->mac, up ? "up" : "down");
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(xml);
	xmlFreeDoc(doc);
	return rc;
}

int
hv_vnic_set_link(void *ctx, const struct vnm_vnic *nic, bool up, struct vnm_err *err)
{
	struct hv_libvirt *hv = ctx;
	const struct vnm_vr *vr = nic->vr;
	struct hv_dom d = {0};
	struct vnm_err ignore;
	xmlDocPtr doc = NULL;
	int r, redefined = 0, rc = -1;

	r = hv_dom_get(hv, vr, &d, "is not defined: cannot set the link state of its NIC", err);
	if (r <= 0)
		goto cleanup;
	if (virDomainIsPersistent(d.dom) == 1) {
		doc = hv_dom_doc(d.dom, VIR_DOMAIN_XML_INACTIVE);
		if (!doc) {
			HV_LV_FAIL(err, vr, "cannot read the definition of domain %s",
				   vr->domain_name);
			goto cleanup;
		}
		redefined = hv_link_redefine(&d, doc, nic, up, err);
		if (redefined < 0)
			goto cleanup;
	}
	if (virDomainIsActive(d.dom) == 1 && hv_link_live(hv, &d, nic, up, err) < 0) {
		/* the step fails as a whole: the definition says what it said */
		if (redefined)
			hv_link_redefine(&d, doc, nic, !up, &ignore);
		goto cleanup;
	}
	rc = 0;
cleanup:
	xmlFreeDoc(doc);
	hv_dom_release(&d);
	return rc;
}
