/*
 * model.c - build a struct vnm_model from a libyang tree of the vnmd module,
 * with O(1) lookups and the derived names (see model.h).
 *
 * Order of the build: collect the marked networks; the underlay's hosts and
 * their interfaces, then its physical links (which point at interfaces);
 * then every VN with its VRs and vNICs, then its VLs (which point at vNICs
 * and physical links).  References that do not resolve stay NULL and are
 * kept as written in the index (model_int.h) for vnm_validate().
 *
 * Derived names depend only on the object's own names (FNV-1a), never on the
 * tree's order: one configuration gives the same interfaces, domains and VNIs.
 */
#include "model.h"
#include "model_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

/* ------------------------------------------------------------------ */
/* A string-keyed hash table (one or two key parts), open addressing.  */

struct vnm_hent {
	const char *k1, *k2; /* owned by the model */
	uint32_t h;
	void *val;
};

struct vnm_htab {
	struct vnm_hent *e;
	size_t cap; /* power of two */
	size_t n;
};

uint32_t vnm_fnv1a(const char *const *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;
	const unsigned char *p;

	for (i = 0; i < n; i++) {
		for (p = (const unsigned char *)(s[i] ? s[i] : ""); *p; p++) {
			h ^= *p;
			h *= 16777619u;
		}
		h *= 16777619u; /* the NUL after each string: h ^= 0 is a no-op */
	}
	return h;
}

static uint32_t hkey(const char *k1, const char *k2)
{
	const char *s[2] = {k1, k2};

	return vnm_fnv1a(s, k2 ? 2 : 1);
}

static struct vnm_htab *htab_new(size_t n)
{
	struct vnm_htab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cap = 16;
	while (t->cap < 2 * n + 1)
		t->cap <<= 1;
	t->e = calloc(t->cap, sizeof(*t->e));
	if (!t->e) {
		free(t);
		return NULL;
	}
	return t;
}

static void htab_free(struct vnm_htab *t)
{
	if (!t)
		return;
	free(t->e);
	free(t);
}

static int key_eq(const struct vnm_hent *e, uint32_t h, const char *k1, const char *k2)
{
	if (e->h != h || strcmp(e->k1, k1))
		return 0;
	if (!e->k2 || !k2)
		return e->k2 == k2;
	return !strcmp(e->k2, k2);
}

static void *htab_get(const struct vnm_htab *t, const char *k1, const char *k2)
{
	uint32_t h;
	size_t i;

	if (!t || !k1)
		return NULL;
	h = hkey(k1, k2);
	for (i = h & (t->cap - 1); t->e[i].k1; i = (i + 1) & (t->cap - 1)) {
		if (key_eq(&t->e[i], h, k1, k2))
			return t->e[i].val;
	}
	return NULL;
}

/* Insert; the table was sized for every object, so it never fills.  Returns
 * the value already stored under the key (and inserts nothing), or NULL. */
static void *htab_put(struct vnm_htab *t, const char *k1, const char *k2, void *val)
{
	uint32_t h = hkey(k1, k2);
	size_t i;

	for (i = h & (t->cap - 1); t->e[i].k1; i = (i + 1) & (t->cap - 1)) {
		if (key_eq(&t->e[i], h, k1, k2))
			return t->e[i].val;
	}
	t->e[i].k1 = k1;
	t->e[i].k2 = k2;
	t->e[i].h = h;
	t->e[i].val = val;
	t->n++;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Tree access.                                                        */

static const struct lyd_node *child(const struct lyd_node *p, const char *name)
{
	const struct lyd_node *c;

	if (!p)
		return NULL;
	LY_LIST_FOR(lyd_child(p), c) {
		if (c->schema && !strcmp(c->schema->name, name))
			return c;
	}
	return NULL;
}

static const char *leaf(const struct lyd_node *p, const char *name)
{
	const struct lyd_node *c = child(p, name);

	if (!c || !(c->schema->nodetype & (LYS_LEAF | LYS_LEAFLIST)))
		return NULL;
	return lyd_get_value(c);
}

static size_t count(const struct lyd_node *p, const char *name)
{
	const struct lyd_node *c;
	size_t n = 0;

	if (!p)
		return 0;
	LY_LIST_FOR(lyd_child(p), c) {
		if (c->schema && !strcmp(c->schema->name, name))
			n++;
	}
	return n;
}

static uint64_t leaf_u64(const struct lyd_node *p, const char *name, uint64_t dflt)
{
	const char *v = leaf(p, name);

	return v ? strtoull(v, NULL, 10) : dflt;
}

/* "12.5" percent -> 125000 ppm (the type has 4 fraction digits). */
static uint32_t percent_to_ppm(const char *v)
{
	uint64_t whole = 0, frac = 0;
	int digits = 0;

	if (!v)
		return 0;
	for (; isdigit((unsigned char)*v); v++)
		whole = whole * 10 + (uint64_t)(*v - '0');
	if (*v == '.') {
		for (v++; isdigit((unsigned char)*v) && digits < 4; v++, digits++)
			frac = frac * 10 + (uint64_t)(*v - '0');
	}
	for (; digits < 4; digits++)
		frac *= 10;
	if (whole > 100)
		whole = 100;
	return (uint32_t)(whole * 10000 + frac);
}

static char *dup_or_null(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = 1;
	return d;
}

/* A stopped VN stops every VR; a paused VN pauses the running ones (a VR that
 * is meant to be stopped stays stopped). */
enum vnm_admin vnm_vr_effective_admin(const struct vnm_vr *vr)
{
	enum vnm_admin net = vr->vn ? vr->vn->admin : VNM_ADMIN_RUNNING;

	if (net == VNM_ADMIN_STOPPED || vr->admin == VNM_ADMIN_STOPPED)
		return VNM_ADMIN_STOPPED;
	if (net == VNM_ADMIN_PAUSED || vr->admin == VNM_ADMIN_PAUSED)
		return VNM_ADMIN_PAUSED;
	return VNM_ADMIN_RUNNING;
}

void vnm_model_mark(struct vnm_model *m, const char *local)
{
	size_t i;

	for (i = 0; m && i < m->n_hosts; i++)
		m->hosts[i].remote = local ? !!strcmp(m->hosts[i].name, local) : !!m->hosts[i].mgmt_addr;
}

struct vnm_host *vnm_model_host(const struct vnm_model *m, const char *name)
{
	return m && m->idx ? htab_get(m->idx->hosts, name, NULL) : NULL;
}

struct vnm_plink *vnm_model_plink(const struct vnm_model *m, const char *name)
{
	return m && m->idx ? htab_get(m->idx->plinks, name, NULL) : NULL;
}

struct vnm_vn *vnm_model_vn(const struct vnm_model *m, const char *name)
{
	return m && m->idx ? htab_get(m->idx->vns, name, NULL) : NULL;
}

struct vnm_vr *vnm_model_vr(const struct vnm_model *m, const char *vn, const char *vr)
{
	return m && m->idx && vr ? htab_get(m->idx->vrs, vn, vr) : NULL;
}

struct vnm_vl *vnm_model_vl(const struct vnm_model *m, const char *vn, const char *vl)
{
	return m && m->idx && vl ? htab_get(m->idx->vls, vn, vl) : NULL;
}

/* ------------------------------------------------------------------ */
/* Free.                                                               */

static void host_free(struct vnm_host *h)
{
	size_t i;

	char **s[] = {&h->name, &h->uri, &h->tunnel_addr, &h->netns, &h->mgmt_addr, &h->mgmt_cred};

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		free(*s[i]);
	for (i = 0; i < h->n_ifs; i++) {
		free(h->ifs[i].tp_id);
		free(h->ifs[i].ifname);
	}
	free(h->ifs);
}

static void vr_free(struct vnm_vr *vr)
{
	size_t i;

	free(vr->name);
	free(vr->host_ref);
	free(vr->kernel);
	free(vr->initrd);
	free(vr->cmdline);
	free(vr->disk);
	free(vr->domain_name);
	for (i = 0; i < vr->n_vnics; i++)
		free(vr->vnics[i].name);
	free(vr->vnics);
}

static void index_free(struct vnm_model *m)
{
	struct vnm_model_index *x = m->idx;
	size_t i, k;

	if (!x)
		return;
	htab_free(x->hosts);
	htab_free(x->plinks);
	htab_free(x->vns);
	htab_free(x->vrs);
	htab_free(x->vls);
	for (i = 0; x->vn_x && i < m->n_vns; i++)
		free(x->vn_x[i].supnet);
	for (i = 0; x->vr_x && i < m->n_vrs; i++)
		free(x->vr_x[i].supnode_net);
	for (i = 0; x->plink_x && i < m->n_plinks; i++) {
		free(x->plink_x[i].src_node);
		free(x->plink_x[i].src_tp);
		free(x->plink_x[i].dst_node);
		free(x->plink_x[i].dst_tp);
	}
	for (i = 0; x->vl_x && i < m->n_vls; i++) {
		free(x->vl_x[i].src_node);
		free(x->vl_x[i].src_tp);
		free(x->vl_x[i].dst_node);
		free(x->vl_x[i].dst_tp);
		free(x->vl_x[i].bad_link_net);
		for (k = 0; x->vl_x[i].link_refs && k < m->vls[i].n_plinks; k++)
			free(x->vl_x[i].link_refs[k]);
		free(x->vl_x[i].link_refs);
	}
	free(x->vn_x);
	free(x->vr_x);
	free(x->plink_x);
	free(x->vl_x);
	free(x->underlay2);
	free(x->both_marked);
	free(x);
}

void vnm_model_free(struct vnm_model *m)
{
	size_t i;

	if (!m)
		return;
	index_free(m);
	for (i = 0; m->hosts && i < m->n_hosts; i++)
		host_free(&m->hosts[i]);
	free(m->hosts);
	for (i = 0; m->plinks && i < m->n_plinks; i++) {
		free(m->plinks[i].name);
		free(m->plinks[i].vls);
	}
	free(m->plinks);
	for (i = 0; m->vns && i < m->n_vns; i++) {
		free(m->vns[i].name);
		free(m->vns[i].vrs);
		free(m->vns[i].vls);
	}
	free(m->vns);
	for (i = 0; m->vrs && i < m->n_vrs; i++)
		vr_free(&m->vrs[i]);
	free(m->vrs);
	for (i = 0; m->vls && i < m->n_vls; i++) {
		free(m->vls[i].name);
		free(m->vls[i].encap);
		free(m->vls[i].plinks);
	}
	free(m->vls);
	free(m->underlay);
	free(m);
}

/* ------------------------------------------------------------------ */
/* Build.                                                              */

struct builder {
	struct vnm_model *m;
	struct vnm_err *err;
	int oom;
	const struct lyd_node *under;  /* the underlay network node */
	const struct lyd_node **vnets; /* VN network nodes, m->n_vns of them */
};

static int is_marked(const struct lyd_node *net, const char *marker)
{
	const struct lyd_node *c = child(child(net, "network-types"), marker);

	return c && !strcmp(c->schema->module->name, "vnmd");
}

static int oom(struct builder *b)
{
	return vnm_err_set(b->err, VNM_E_NOMEM, NULL, "out of memory building the model");
}

/* A tree not of the module's shape (a list entry without its key, two entries
 * with the same key): only possible when the tree was not validated. */
static int bad_shape(struct builder *b, const char *what, const char *net, const char *name)
{
	char path[512];

	vnm_path_network(path, sizeof(path), net);
	return vnm_err_set(b->err, VNM_E_INVALID, path, "network %s: %s%s%s", net ? net : "?",
			   what, name ? " " : "", name ? name : "");
}

static int collect_networks(struct builder *b, const struct lyd_node *tree)
{
	const struct lyd_node *top, *net;
	struct vnm_model *m = b->m;
	size_t n_vn = 0;

	/* count first, so that the VN array is allocated once */
	for (int pass = 0; pass < 2; pass++) {
		LY_LIST_FOR(tree ? lyd_first_sibling(tree) : NULL, top) {
			if (!top->schema || strcmp(top->schema->name, "networks") ||
			    strcmp(top->schema->module->name, "ietf-network"))
				continue;
			LY_LIST_FOR(lyd_child(top), net) {
				int phys, virt;
				const char *id;

				if (!net->schema || strcmp(net->schema->name, "network"))
					continue;
				phys = is_marked(net, "physical-network");
				virt = is_marked(net, "virtual-network");
				id = leaf(net, "network-id");
				if (pass == 0 && (phys || virt) && !id)
					return bad_shape(b, "has no network-id", "?", NULL);
				if (pass == 0 && phys && virt) {
					if (!b->m->idx->both_marked &&
					    !(m->idx->both_marked = strdup(id)))
						return oom(b);
					continue;
				}
				if (phys && virt)
					continue;
				if (pass == 0 && phys) {
					if (!b->under) {
						b->under = net;
						if (!(m->underlay = strdup(id)))
							return oom(b);
					} else if (!m->idx->underlay2) {
						if (!(m->idx->underlay2 = strdup(id)))
							return oom(b);
					}
				}
				if (virt) {
					if (pass == 1)
						b->vnets[n_vn] = net;
					n_vn++;
				}
			}
		}
		if (pass == 0) {
			m->n_vns = n_vn;
			n_vn = 0;
			if (m->n_vns && (!(b->vnets = calloc(m->n_vns, sizeof(*b->vnets))) ||
					 !(m->vns = calloc(m->n_vns, sizeof(*m->vns))) ||
					 !(m->idx->vn_x = calloc(m->n_vns, sizeof(*m->idx->vn_x)))))
				return oom(b);
		}
	}
	return 0;
}

static struct vnm_host_if *host_if(struct vnm_host *h, const char *tp)
{
	size_t i;

	if (!h || !tp)
		return NULL;
	for (i = 0; i < h->n_ifs; i++) {
		if (!strcmp(h->ifs[i].tp_id, tp))
			return &h->ifs[i];
	}
	return NULL;
}

static int build_hosts(struct builder *b)
{
	struct vnm_model *m = b->m;
	const struct lyd_node *n, *tp, *h;
	size_t i = 0, k;

	m->n_hosts = count(b->under, "node");
	if (m->n_hosts && !(m->hosts = calloc(m->n_hosts, sizeof(*m->hosts))))
		return oom(b);
	if (!(m->idx->hosts = htab_new(m->n_hosts)))
		return oom(b);
	LY_LIST_FOR(b->under ? lyd_child(b->under) : NULL, n) {
		struct vnm_host *host;
		const char *dt;

		if (!n->schema || strcmp(n->schema->name, "node"))
			continue;
		host = &m->hosts[i++];
		host->name = dup_or_null(leaf(n, "node-id"), &b->oom);
		if (b->oom)
			return oom(b);
		if (!host->name)
			return bad_shape(b, "has a node without node-id", m->underlay, NULL);
		if (htab_put(m->idx->hosts, host->name, NULL, host))
			return bad_shape(b, "has two nodes named", m->underlay, host->name);
		h = child(n, "host");
		host->uri = dup_or_null(leaf(h, "libvirt-uri"), &b->oom);
		host->tunnel_addr = dup_or_null(leaf(h, "tunnel-address"), &b->oom);
		host->netns = dup_or_null(leaf(h, "netns"), &b->oom);
		host->mgmt_addr = dup_or_null(leaf(child(h, "management"), "address"), &b->oom);
		host->mgmt_cred = dup_or_null(leaf(child(h, "management"), "credentials"), &b->oom);
		dt = leaf(h, "domain-type");
		host->domain_type = !dt			? VNM_DT_DEFAULT
				    : !strcmp(dt, "kvm") ? VNM_DT_KVM
							 : VNM_DT_QEMU;
		host->n_ifs = count(n, "termination-point");
		if (host->n_ifs && !(host->ifs = calloc(host->n_ifs, sizeof(*host->ifs))))
			return oom(b);
		k = 0;
		LY_LIST_FOR(lyd_child(n), tp) {
			struct vnm_host_if *hi;
			const char *ifn;

			if (!tp->schema || strcmp(tp->schema->name, "termination-point"))
				continue;
			hi = &host->ifs[k++];
			hi->host = host;
			hi->tp_id = dup_or_null(leaf(tp, "tp-id"), &b->oom);
			ifn = leaf(tp, "interface");
			hi->ifname = dup_or_null(ifn ? ifn : hi->tp_id, &b->oom);
			if (b->oom)
				return oom(b);
			if (!hi->tp_id)
				return bad_shape(b, "has a termination point without tp-id on node",
						 m->underlay, host->name);
		}
		if (b->oom)
			return oom(b);
	}
	return 0;
}

static int build_plinks(struct builder *b)
{
	struct vnm_model *m = b->m;
	const struct lyd_node *l, *s, *d;
	size_t i = 0;

	m->n_plinks = count(b->under, "link");
	if (m->n_plinks && (!(m->plinks = calloc(m->n_plinks, sizeof(*m->plinks))) ||
			    !(m->idx->plink_x = calloc(m->n_plinks, sizeof(*m->idx->plink_x)))))
		return oom(b);
	if (!(m->idx->plinks = htab_new(m->n_plinks)))
		return oom(b);
	LY_LIST_FOR(b->under ? lyd_child(b->under) : NULL, l) {
		struct vnm_plink *pl;
		struct vnm_plink_x *px;
		const struct lyd_node *ph;

		if (!l->schema || strcmp(l->schema->name, "link"))
			continue;
		px = &m->idx->plink_x[i];
		pl = &m->plinks[i++];
		pl->name = dup_or_null(leaf(l, "link-id"), &b->oom);
		if (b->oom)
			return oom(b);
		if (!pl->name)
			return bad_shape(b, "has a link without link-id", m->underlay, NULL);
		if (htab_put(m->idx->plinks, pl->name, NULL, pl))
			return bad_shape(b, "has two links named", m->underlay, pl->name);
		s = child(l, "source");
		d = child(l, "destination");
		px->src_node = dup_or_null(leaf(s, "source-node"), &b->oom);
		px->src_tp = dup_or_null(leaf(s, "source-tp"), &b->oom);
		px->dst_node = dup_or_null(leaf(d, "dest-node"), &b->oom);
		px->dst_tp = dup_or_null(leaf(d, "dest-tp"), &b->oom);
		if (b->oom)
			return oom(b);
		pl->src = host_if(vnm_model_host(m, px->src_node), px->src_tp);
		pl->dst = host_if(vnm_model_host(m, px->dst_node), px->dst_tp);
		ph = child(l, "physical-link");
		px->has_phys = ph != NULL;
		pl->capacity = leaf_u64(ph, "capacity", 0);
	}
	return 0;
}

static void derive_vnic(struct vnm_vnic *nic, const char *vn, const char *vr)
{
	const char *k[4] = {vn, vr, nic->name, "mac"};
	uint32_t h = vnm_fnv1a(k, 3), hm = vnm_fnv1a(k, 4);

	snprintf(nic->id, sizeof(nic->id), "%08x", h);
	snprintf(nic->tap, sizeof(nic->tap), "vnt%s", nic->id);
	snprintf(nic->bridge, sizeof(nic->bridge), "vnb%s", nic->id);
	if (!nic->mac_configured)
		snprintf(nic->mac, sizeof(nic->mac), "52:54:00:%02x:%02x:%02x",
			 (hm >> 16) & 0xff, (hm >> 8) & 0xff, hm & 0xff);
}

static int build_vr(struct builder *b, struct vnm_vn *vn, struct vnm_vr *vr,
		    struct vnm_vr_x *vx, const struct lyd_node *n)
{
	const struct lyd_node *r, *img, *sn, *tp;
	const char *v;
	size_t k = 0;

	vr->vn = vn;
	vr->name = dup_or_null(leaf(n, "node-id"), &b->oom);
	if (b->oom)
		return oom(b);
	if (!vr->name)
		return bad_shape(b, "has a node without node-id", vn->name, NULL);
	if (htab_put(b->m->idx->vrs, vn->name, vr->name, vr))
		return bad_shape(b, "has two nodes named", vn->name, vr->name);
	vx->n_supnodes = count(n, "supporting-node");
	sn = child(n, "supporting-node");
	vx->supnode_net = dup_or_null(leaf(sn, "network-ref"), &b->oom);
	vr->host_ref = dup_or_null(leaf(sn, "node-ref"), &b->oom);
	if (vx->supnode_net && b->m->underlay && !strcmp(vx->supnode_net, b->m->underlay))
		vr->host = vnm_model_host(b->m, vr->host_ref);
	r = child(n, "router");
	vr->vcpus = (uint16_t)leaf_u64(r, "vcpus", 1);
	vr->memory_mib = (uint32_t)leaf_u64(r, "memory", 128);
	img = child(r, "image");
	vr->kernel = dup_or_null(leaf(img, "kernel"), &b->oom);
	vr->initrd = dup_or_null(leaf(img, "initrd"), &b->oom);
	vr->cmdline = dup_or_null(leaf(img, "cmdline"), &b->oom);
	vr->disk = dup_or_null(leaf(img, "disk"), &b->oom);
	vx->has_image = vr->kernel || vr->disk;
	v = leaf(r, "admin-state");
	vr->admin = VNM_ADMIN_RUNNING;
	if (v)
		vnm_admin_parse(v, &vr->admin);
	if (asprintf(&vr->domain_name, "vnmd-%s-%s", vn->name, vr->name) < 0) {
		vr->domain_name = NULL;
		return oom(b);
	}
	vr->n_vnics = count(n, "termination-point");
	if (vr->n_vnics && !(vr->vnics = calloc(vr->n_vnics, sizeof(*vr->vnics))))
		return oom(b);
	LY_LIST_FOR(lyd_child(n), tp) {
		struct vnm_vnic *nic;
		const char *mac;

		if (!tp->schema || strcmp(tp->schema->name, "termination-point"))
			continue;
		nic = &vr->vnics[k++];
		nic->vr = vr;
		nic->name = dup_or_null(leaf(tp, "tp-id"), &b->oom);
		if (b->oom)
			return oom(b);
		if (!nic->name)
			return bad_shape(b, "has a termination point without tp-id on router",
					 vn->name, vr->name);
		mac = leaf(child(tp, "vnic"), "mac-address");
		if (mac && strlen(mac) == 17) {
			for (int c = 0; c < 17; c++)
				nic->mac[c] = (char)tolower((unsigned char)mac[c]);
			nic->mac[17] = '\0';
			nic->mac_configured = true;
		}
		derive_vnic(nic, vn->name, vr->name);
	}
	if (b->oom)
		return oom(b);
	return 0;
}

static struct vnm_vnic *vr_vnic(struct vnm_vr *vr, const char *tp)
{
	size_t i;

	if (!vr || !tp)
		return NULL;
	for (i = 0; i < vr->n_vnics; i++) {
		if (!strcmp(vr->vnics[i].name, tp))
			return &vr->vnics[i];
	}
	return NULL;
}

static int build_vl(struct builder *b, struct vnm_vn *vn, struct vnm_vl *vl,
		    struct vnm_vl_x *lx, const struct lyd_node *l)
{
	struct vnm_model *m = b->m;
	const struct lyd_node *s, *d, *v, *sl;
	const char *vni;
	size_t k = 0;

	vl->vn = vn;
	vl->name = dup_or_null(leaf(l, "link-id"), &b->oom);
	if (b->oom)
		return oom(b);
	if (!vl->name)
		return bad_shape(b, "has a link without link-id", vn->name, NULL);
	if (htab_put(m->idx->vls, vn->name, vl->name, vl))
		return bad_shape(b, "has two links named", vn->name, vl->name);
	s = child(l, "source");
	d = child(l, "destination");
	lx->src_node = dup_or_null(leaf(s, "source-node"), &b->oom);
	lx->src_tp = dup_or_null(leaf(s, "source-tp"), &b->oom);
	lx->dst_node = dup_or_null(leaf(d, "dest-node"), &b->oom);
	lx->dst_tp = dup_or_null(leaf(d, "dest-tp"), &b->oom);
	if (b->oom)
		return oom(b);
	vl->a = vr_vnic(vnm_model_vr(m, vn->name, lx->src_node), lx->src_tp);
	vl->b = vr_vnic(vnm_model_vr(m, vn->name, lx->dst_node), lx->dst_tp);
	/* the first VL on a vNIC keeps it; validation refuses the second */
	if (vl->a) {
		if (vl->a->vl)
			lx->a_taken_by = vl->a->vl;
		else
			vl->a->vl = vl;
	}
	if (vl->b && vl->b != vl->a) {
		if (vl->b->vl)
			lx->b_taken_by = vl->b->vl;
		else
			vl->b->vl = vl;
	}
	v = child(l, "virtual-link");
	vl->guaranteed = leaf_u64(v, "guaranteed-rate", 0);
	vl->limit = leaf_u64(v, "rate-limit", 0);
	vl->burst = (uint32_t)leaf_u64(v, "burst", 0);
	vl->delay_us = (uint32_t)leaf_u64(v, "delay", 0);
	vl->jitter_us = (uint32_t)leaf_u64(v, "jitter", 0);
	vl->loss_ppm = percent_to_ppm(leaf(v, "loss"));
	/* the default (true) is in the tree only when defaults were added */
	vl->enabled = !leaf(v, "enabled") || strcmp(leaf(v, "enabled"), "false") != 0;
	vl->encap = dup_or_null(leaf(v, "encapsulation"), &b->oom);
	if (b->oom)
		return oom(b);
	{
		const char *k2[2] = {vn->name, vl->name};
		const char *k3[3] = {vn->name, vl->name, "vni"};
		uint32_t h = vnm_fnv1a(k2, 2);

		snprintf(vl->id, sizeof(vl->id), "%08x", h);
		vni = leaf(v, "vni");
		if (vni) {
			vl->vni = (uint32_t)strtoul(vni, NULL, 10);
			lx->vni_configured = 1;
		} else {
			vl->vni = vnm_fnv1a(k3, 3) & 0xffffff;
			if (!vl->vni)
				vl->vni = 1;
		}
	}
	vl->n_plinks = count(l, "supporting-link");
	if (vl->n_plinks && (!(vl->plinks = calloc(vl->n_plinks, sizeof(*vl->plinks))) ||
			     !(lx->link_refs = calloc(vl->n_plinks, sizeof(*lx->link_refs)))))
		return oom(b);
	LY_LIST_FOR(lyd_child(l), sl) {
		const char *net, *ref;

		if (!sl->schema || strcmp(sl->schema->name, "supporting-link"))
			continue;
		net = leaf(sl, "network-ref");
		ref = leaf(sl, "link-ref");
		lx->link_refs[k] = dup_or_null(ref, &b->oom);
		if (net && (!m->underlay || strcmp(net, m->underlay))) {
			if (!lx->bad_link_net)
				lx->bad_link_net = dup_or_null(net, &b->oom);
		} else {
			vl->plinks[k] = vnm_model_plink(m, ref);
		}
		k++;
	}
	if (b->oom)
		return oom(b);
	/* same-host VLs are a veth pair, others one tunnel device per side */
	{
		int local = vl->a && vl->b && vl->a->vr->host && vl->a->vr->host == vl->b->vr->host;

		snprintf(vl->end_a, sizeof(vl->end_a), "%s%sa", local ? "vnv" : "vnx", vl->id);
		snprintf(vl->end_b, sizeof(vl->end_b), "%s%sb", local ? "vnv" : "vnx", vl->id);
	}
	return 0;
}

static int build_vns(struct builder *b)
{
	struct vnm_model *m = b->m;
	size_t i, n_vr = 0, n_vl = 0, ir = 0, il = 0;
	const struct lyd_node *c;

	for (i = 0; i < m->n_vns; i++) {
		n_vr += count(b->vnets[i], "node");
		n_vl += count(b->vnets[i], "link");
	}
	m->n_vrs = n_vr;
	m->n_vls = n_vl;
	if ((n_vr && (!(m->vrs = calloc(n_vr, sizeof(*m->vrs))) ||
		      !(m->idx->vr_x = calloc(n_vr, sizeof(*m->idx->vr_x))))) ||
	    (n_vl && (!(m->vls = calloc(n_vl, sizeof(*m->vls))) ||
		      !(m->idx->vl_x = calloc(n_vl, sizeof(*m->idx->vl_x))))))
		return oom(b);
	if (!(m->idx->vns = htab_new(m->n_vns)) || !(m->idx->vrs = htab_new(n_vr)) ||
	    !(m->idx->vls = htab_new(n_vl)))
		return oom(b);

	for (i = 0; i < m->n_vns; i++) {
		struct vnm_vn *vn = &m->vns[i];
		const struct lyd_node *net = b->vnets[i];
		const char *adm;

		vn->name = dup_or_null(leaf(net, "network-id"), &b->oom);
		if (b->oom)
			return oom(b);
		if (htab_put(m->idx->vns, vn->name, NULL, vn))
			return bad_shape(b, "appears twice", vn->name, NULL);
		adm = leaf(child(net, "virtual-network"), "admin-state");
		vn->admin = VNM_ADMIN_RUNNING;
		if (adm)
			vnm_admin_parse(adm, &vn->admin);
		m->idx->vn_x[i].n_supnets = count(net, "supporting-network");
		m->idx->vn_x[i].supnet =
			dup_or_null(leaf(child(net, "supporting-network"), "network-ref"), &b->oom);
		vn->n_vrs = count(net, "node");
		vn->n_vls = count(net, "link");
		if ((vn->n_vrs && !(vn->vrs = calloc(vn->n_vrs, sizeof(*vn->vrs)))) ||
		    (vn->n_vls && !(vn->vls = calloc(vn->n_vls, sizeof(*vn->vls)))) || b->oom)
			return oom(b);
		vn->n_vrs = 0;
		LY_LIST_FOR(lyd_child(net), c) {
			if (!c->schema || strcmp(c->schema->name, "node"))
				continue;
			vn->vrs[vn->n_vrs++] = &m->vrs[ir];
			if (build_vr(b, vn, &m->vrs[ir], &m->idx->vr_x[ir], c))
				return -1;
			ir++;
		}
	}
	/* VLs after all VRs: a VL refers to vNICs of its own VN only, but keeping
	 * the passes apart keeps the pointer fix-up simple */
	for (i = 0; i < m->n_vns; i++) {
		struct vnm_vn *vn = &m->vns[i];

		vn->n_vls = 0;
		LY_LIST_FOR(lyd_child(b->vnets[i]), c) {
			if (!c->schema || strcmp(c->schema->name, "link"))
				continue;
			vn->vls[vn->n_vls++] = &m->vls[il];
			if (build_vl(b, vn, &m->vls[il], &m->idx->vl_x[il], c))
				return -1;
			il++;
		}
	}
	return 0;
}

/* Fill plink->vls: count, allocate, fill (model order). */
static int link_plinks(struct builder *b)
{
	struct vnm_model *m = b->m;
	size_t i, k, j;

	for (i = 0; i < m->n_vls; i++) {
		for (k = 0; k < m->vls[i].n_plinks; k++) {
			struct vnm_plink *p = m->vls[i].plinks[k];
			/* a VL listing the same link twice rides it once */
			for (j = 0; p && j < k; j++)
				if (m->vls[i].plinks[j] == p)
					p = NULL;
			if (p)
				p->n_vls++;
		}
	}
	for (i = 0; i < m->n_plinks; i++) {
		if (m->plinks[i].n_vls &&
		    !(m->plinks[i].vls = calloc(m->plinks[i].n_vls, sizeof(*m->plinks[i].vls))))
			return oom(b);
		m->plinks[i].n_vls = 0;
	}
	for (i = 0; i < m->n_vls; i++) {
		for (k = 0; k < m->vls[i].n_plinks; k++) {
			struct vnm_plink *p = m->vls[i].plinks[k];

			for (j = 0; p && j < k; j++)
				if (m->vls[i].plinks[j] == p)
					p = NULL;
			if (p)
				p->vls[p->n_vls++] = &m->vls[i];
		}
	}
	return 0;
}

int vnm_model_build(const struct lyd_node *tree, struct vnm_model **out, struct vnm_err *err)
{
	struct builder b = {.err = err};
	int rc = -1;

	*out = NULL;
	if (!(b.m = calloc(1, sizeof(*b.m))) || !(b.m->idx = calloc(1, sizeof(*b.m->idx)))) {
		oom(&b);
		goto cleanup;
	}
	if (collect_networks(&b, tree) || build_hosts(&b) || build_plinks(&b) ||
	    build_vns(&b) || link_plinks(&b))
		goto cleanup;
	*out = b.m;
	b.m = NULL;
	rc = 0;
cleanup:
	vnm_model_free(b.m);
	free(b.vnets);
	return rc;
}
