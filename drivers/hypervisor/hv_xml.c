/*
 * hv_xml.c - domain XML of the libvirt driver: the definition of a router's
 * domain, vnmd's tag in its <metadata>, and reading back what libvirt
 * says (a domain's definition, the hypervisor's capabilities).
 *
 * XML is built and edited with libxml2, which does the escaping.  The tag
 * (namespace VNM_HV_NS) names the router's network and node and the
 * configuration generation last applied.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "hv_int.h"

/* ------------------------------------------------------------------ */
/* The tag                                                            */
/* ------------------------------------------------------------------ */

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
int
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

bool
hv_tag_is(const struct hv_tag *t, const struct vnm_vr *vr)
{
	return vr->vn && !strcmp(t->vn, vr->vn->name) && !strcmp(t->node, vr->name);
}

int
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

/* ------------------------------------------------------------------ */
/* Building the definition                                            */
/* ------------------------------------------------------------------ */

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

char *
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

void
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
	/* a router created while its VL is disabled starts without carrier */
	if (!vnm_vnic_link_up(nic))
		xb_attr(b, xb_el(b, i, NULL, "link", NULL), "state", "down");
}

/* Make <interface> iface say link state up (no <link>, libvirt's default)
 * or down.  Returns 1 when it changed, 0 when it already said so, -1 on
 * memory. */
int
hv_nic_link_edit(xmlNodePtr iface, bool up)
{
	xmlNodePtr l = hv_child(iface, "link");
	xmlChar *st = l ? xmlGetProp(l, BAD_CAST "state") : NULL;
	bool is_up = !st || xmlStrcmp(st, BAD_CAST "down");

	xmlFree(st);
	if (is_up == up)
		return 0;
	if (up) {
		xmlUnlinkNode(l);
		xmlFreeNode(l);
		return 1;
	}
	if (!l)
		l = xmlNewChild(iface, NULL, BAD_CAST "link", NULL);
	return l && xmlSetProp(l, BAD_CAST "state", BAD_CAST "down") ? 1 : -1;
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
int
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
/* Reading what libvirt says, and editing it                          */
/* ------------------------------------------------------------------ */

/* Domain types offered for hvm guests, space-separated with spaces around. */
int
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

/* Parse a domain's XML (flags: VIR_DOMAIN_XML_INACTIVE or 0). */
xmlDocPtr
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
xmlNodePtr
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

char *
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

int
hv_copy_xml(struct hv_libvirt *hv, xmlDocPtr doc, const struct vnm_vr *copy, uint64_t gen,
	    char **xml, struct vnm_err *err)
{
	*xml = NULL;
	if (hv_copy_doc(hv, doc, copy, gen, err) < 0)
		return -1;
	*xml = hv_xml_dump(xmlDocGetRootElement(doc));
	if (!*xml)
		return hv_fail_vr(err, VNM_E_NOMEM, copy, "out of memory");
	return 0;
}

int
hv_nic_edit(xmlDocPtr doc, const struct vnm_vnic *nic, bool attach, char **xml)
{
	struct hv_xb b = {0};
	xmlNodePtr root = xmlDocGetRootElement(doc), found, devices;

	*xml = NULL;
	found = hv_find_nic(doc, nic->mac);
	if (attach == (found != NULL))
		return 0;
	if (attach) {
		devices = hv_child(root, "devices");
		if (!devices)
			devices = xb_el(&b, root, NULL, "devices", NULL);
		hv_nic_xml(&b, devices, nic);
	} else {
		xmlUnlinkNode(found);
		xmlFreeNode(found);
	}
	if (b.oom || !(*xml = hv_xml_dump(root)))
		return -1;
	return 1;
}
