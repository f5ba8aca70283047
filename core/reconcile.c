/*
 * reconcile.c - adopt, create and remove so that reality matches a model
 * (see reconcile.h).
 *
 * Objects are matched by name within a "realm": domains within a libvirt
 * URI, interfaces and qdiscs within a network namespace.  The model gives
 * the expected names; the drivers' list_own gives what exists.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plan.h"
#include "reconcile.h"
#include "txn.h"

/* ------------------------------------------------------------------ */
/* A string-keyed hash map                                             */
/* ------------------------------------------------------------------ */

struct smap_ent {
	char *key;
	const void *val;
	bool found;
};

struct smap {
	struct smap_ent *e;
	size_t cap, n;
};

static size_t smap_hash(const char *s, size_t cap)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return (size_t)h & (cap - 1);
}

static struct smap_ent *smap_slot(struct smap *m, const char *key)
{
	size_t j;

	for (j = smap_hash(key, m->cap); m->e[j].key; j = (j + 1) & (m->cap - 1)) {
		if (!strcmp(m->e[j].key, key))
			return &m->e[j];
	}
	return &m->e[j];
}

static int smap_grow(struct smap *m)
{
	struct smap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 256;
	m->e = calloc(m->cap, sizeof(*m->e));
	if (!m->e) {
		*m = old;
		return -1;
	}
	for (i = 0; i < old.cap; i++) {
		if (old.e[i].key)
			*smap_slot(m, old.e[i].key) = old.e[i];
	}
	free(old.e);
	return 0;
}

/* Insert key (copied); an existing key keeps its value.  0 or -1. */
static int smap_put(struct smap *m, const char *key, const void *val)
{
	struct smap_ent *e;

	if ((m->n + 1) * 2 > m->cap && smap_grow(m))
		return -1;
	e = smap_slot(m, key);
	if (e->key)
		return 0;
	e->key = strdup(key);
	if (!e->key)
		return -1;
	e->val = val;
	e->found = false;
	m->n++;
	return 0;
}

static struct smap_ent *smap_get(struct smap *m, const char *key)
{
	struct smap_ent *e;

	if (!m->cap)
		return NULL;
	e = smap_slot(m, key);
	return e->key ? e : NULL;
}

static void smap_free(struct smap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->e[i].key);
	free(m->e);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------ */

static const char *hv_realm(const struct vnm_host *h)
{
	return h && h->uri ? h->uri : "";
}

static const char *if_realm(const struct vnm_host *h)
{
	return h && h->netns ? h->netns : "";
}

static void key_of(char *buf, size_t len, char kind, const char *realm, const char *name)
{
	snprintf(buf, len, "%c|%s|%s", kind, realm, name);
}

struct recon {
	const struct vnm_drivers *drv;
	const struct vnm_model *m;
	struct smap want;     /* expected objects */
	struct smap listed;   /* realms already listed */
	struct smap stale;    /* namespaces where an own interface was removed */
	struct vnm_reconcile_stats st;
	struct vnm_err *err;
	int nomem;
};

static void fail(struct recon *r, const struct vnm_err *e, const char *what)
{
	vnm_log(VNM_LOG_ERR, "reconciliation: %s: %s", what, e->msg);
	if (!r->st.failed++ && r->err)
		vnm_err_set(r->err, e->code ? e->code : VNM_E_DRIVER, e->path,
			    "reconciliation: %s: %s", what, e->msg);
}

static void want(struct recon *r, char kind, const char *realm, const char *name,
		 const void *val)
{
	char key[512];

	if (!name || !name[0])
		return;
	key_of(key, sizeof(key), kind, realm, name);
	if (smap_put(&r->want, key, val))
		r->nomem = 1;
}

/* Whether name exists on host h (what another vnmd realises, --host,
 * counts as there: it is not this vnmd's to repair). */
static bool have(struct recon *r, char kind, const struct vnm_host *h, const char *realm,
		 const char *name)
{
	char key[512];
	struct smap_ent *e;

	if (h->remote)
		return true;
	key_of(key, sizeof(key), kind, realm, name);
	e = smap_get(&r->want, key);
	return e && e->found;
}

static void collect_wanted(struct recon *r)
{
	const struct vnm_model *m = r->m;
	size_t i, k;

	for (i = 0; i < m->n_plinks; i++) {
		const struct vnm_plink *p = &m->plinks[i];

		if (p->src && p->src->host)
			want(r, 'q', if_realm(p->src->host), p->src->ifname, p);
		if (p->dst && p->dst->host)
			want(r, 'q', if_realm(p->dst->host), p->dst->ifname, p);
	}
	for (i = 0; i < m->n_vrs; i++) {
		const struct vnm_vr *vr = &m->vrs[i];

		if (!vr->host)
			continue;
		want(r, 'd', hv_realm(vr->host), vr->domain_name, vr);
		for (k = 0; k < vr->n_vnics; k++) {
			want(r, 'i', if_realm(vr->host), vr->vnics[k].bridge, &vr->vnics[k]);
			want(r, 'i', if_realm(vr->host), vr->vnics[k].tap, &vr->vnics[k]);
		}
	}
	for (i = 0; i < m->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];

		if (!vl->a || !vl->b || !vl->a->vr->host || !vl->b->vr->host)
			continue;
		want(r, 'i', if_realm(vl->a->vr->host), vl->end_a, vl);
		want(r, 'i', if_realm(vl->b->vr->host), vl->end_b, vl);
	}
}

/* Adopt or remove what one driver lists on one host. */
static void sweep(struct recon *r, const struct vnm_host *h, bool hv)
{
	const struct vnm_drivers *d = r->drv;
	struct vnm_own_list l = {0};
	struct vnm_err e;
	char what[512], key[512];
	size_t i;
	int rc;

	vnm_err_clear(&e);
	rc = hv ? d->hv->list_own(d->hv_ctx, h, &l, &e) : d->link->list_own(d->link_ctx, h, &l, &e);
	if (rc) {
		snprintf(what, sizeof(what), "listing vnmd's %s on host %s",
			 hv ? "domains" : "interfaces", h->name);
		fail(r, &e, what);
		goto cleanup;
	}
	for (i = 0; i < l.n; i++) {
		const struct vnm_own_obj *o = &l.objs[i];
		char kind = o->kind == VNM_OBJ_DOMAIN ? 'd' : o->kind == VNM_OBJ_QDISC ? 'q' : 'i';
		struct smap_ent *ent;

		key_of(key, sizeof(key), kind, hv ? hv_realm(h) : if_realm(h), o->name);
		ent = smap_get(&r->want, key);
		if (ent) {
			if (!ent->found)
				r->st.adopted++;
			ent->found = true;
			if (o->kind == VNM_OBJ_DOMAIN && o->generation > r->st.max_generation)
				r->st.max_generation = o->generation;
			continue;
		}
		vnm_log(VNM_LOG_INFO, "reconciliation: removing leftover %s %s (%s/%s) on host %s",
			kind == 'd' ? "domain" : kind == 'q' ? "qdisc on" : "interface", o->name,
			o->vn, o->obj, h->name);
		vnm_err_clear(&e);
		rc = hv ? d->hv->remove_own(d->hv_ctx, h, o, &e) :
			  d->link->remove_own(d->link_ctx, h, o, &e);
		if (rc) {
			snprintf(what, sizeof(what), "removing leftover %s on host %s", o->name,
				 h->name);
			fail(r, &e, what);
			continue;
		}
		r->st.removed++;
		/* A removed VL end may leave its HTB classes behind on the
		 * physical links of its namespace (they are not listed). */
		if (kind == 'i') {
			key_of(key, sizeof(key), 'n', if_realm(h), "");
			if (smap_put(&r->stale, key, h))
				r->nomem = 1;
		}
	}
cleanup:
	vnm_own_list_free(&l);
}

static int cmp_vni(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* What the link driver keeps of VLs that are no interface (vl_sweep): the
 * VNIs of h's VLs stay, the rest goes. */
static void sweep_vls(struct recon *r, const struct vnm_host *h)
{
	const struct vnm_drivers *d = r->drv;
	const struct vnm_model *m = r->m;
	uint32_t *vnis = malloc((m->n_vls ? m->n_vls : 1) * sizeof(*vnis));
	size_t i, n = 0, removed = 0;
	char what[300], key[512];
	struct vnm_err e;

	if (!vnis) {
		r->nomem = 1;
		return;
	}
	for (i = 0; i < m->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];

		/* by namespace: hosts sharing one share its maps */
		if ((vl->a && vl->a->vr && vl->a->vr->host &&
		     !strcmp(if_realm(vl->a->vr->host), if_realm(h))) ||
		    (vl->b && vl->b->vr && vl->b->vr->host &&
		     !strcmp(if_realm(vl->b->vr->host), if_realm(h))))
			vnis[n++] = vl->vni;
	}
	qsort(vnis, n, sizeof(*vnis), cmp_vni);
	vnm_err_clear(&e);
	if (d->link->vl_sweep(d->link_ctx, h, vnis, n, &removed, &e)) {
		snprintf(what, sizeof(what), "removing leftover VLs on host %s", h->name);
		fail(r, &e, what);
	} else if (removed) {
		r->st.removed += removed;
		/* their HTB classes too: the host's shaping starts afresh */
		key_of(key, sizeof(key), 'n', if_realm(h), "");
		if (smap_put(&r->stale, key, h))
			r->nomem = 1;
	}
	free(vnis);
}

static void list_and_sweep(struct recon *r)
{
	const struct vnm_drivers *d = r->drv;
	char key[512];
	size_t i;

	for (i = 0; i < r->m->n_hosts; i++) {
		const struct vnm_host *h = &r->m->hosts[i];

		if (h->remote)
			continue; /* another vnmd's (--host) */
		/* Domains before interfaces: a leftover domain holds its taps. */
		key_of(key, sizeof(key), 'd', hv_realm(h), "");
		if (d->hv && d->hv->list_own && !smap_get(&r->listed, key)) {
			if (smap_put(&r->listed, key, h))
				r->nomem = 1;
			sweep(r, h, true);
		}
	}
	for (i = 0; i < r->m->n_hosts; i++) {
		const struct vnm_host *h = &r->m->hosts[i];

		if (h->remote)
			continue;
		key_of(key, sizeof(key), 'i', if_realm(h), "");
		if (d->link && d->link->list_own && !smap_get(&r->listed, key)) {
			if (smap_put(&r->listed, key, h))
				r->nomem = 1;
			sweep(r, h, false);
			if (d->link->vl_sweep)
				sweep_vls(r, h);
		}
	}
}

static enum vnm_vr_oper admin_oper(enum vnm_admin a)
{
	return a == VNM_ADMIN_RUNNING ? VNM_VR_RUNNING :
	       a == VNM_ADMIN_PAUSED ? VNM_VR_PAUSED : VNM_VR_STOPPED;
}

static bool stale(struct recon *r, const struct vnm_host *h)
{
	char key[512];

	key_of(key, sizeof(key), 'n', if_realm(h), "");
	return smap_get(&r->stale, key) != NULL;
}

static void step(struct recon *r, struct vnm_plan *p, const struct vnm_step *s)
{
	if (vnm_plan_add(p, s, NULL, NULL))
		r->nomem = 1;
}

/* The repairs, parents before children. */
static void plan_repairs(struct recon *r, struct vnm_plan *p, uint64_t generation)
{
	const struct vnm_drivers *d = r->drv;
	const struct vnm_model *m = r->m;
	struct vnm_step s;
	size_t i, k;

	for (i = 0; i < m->n_plinks; i++) {
		const struct vnm_plink *pl = &m->plinks[i];

		if (!pl->src || !pl->dst || !pl->src->host || !pl->dst->host)
			continue;
		if (have(r, 'q', pl->src->host, if_realm(pl->src->host), pl->src->ifname) &&
		    have(r, 'q', pl->dst->host, if_realm(pl->dst->host), pl->dst->ifname)) {
			if (!stale(r, pl->src->host) && !stale(r, pl->dst->host))
				continue;
			/* Start the link's shaping afresh: that drops the
			 * classes of leftover VLs; every VL is shaped again
			 * below. */
			s = (struct vnm_step){.kind = VNM_STEP_PLINK_TEARDOWN, .pl = pl};
			step(r, p, &s);
		}
		s = (struct vnm_step){.kind = VNM_STEP_PLINK_SETUP, .pl = pl};
		step(r, p, &s);
	}
	for (i = 0; i < m->n_vrs; i++) {
		const struct vnm_vr *vr = &m->vrs[i];

		if (!vr->host)
			continue;
		for (k = 0; k < vr->n_vnics; k++) {
			if (have(r, 'i', vr->host, if_realm(vr->host), vr->vnics[k].bridge))
				continue;
			s = (struct vnm_step){.kind = VNM_STEP_PORT_CREATE, .nic = &vr->vnics[k]};
			step(r, p, &s);
		}
	}
	for (i = 0; i < m->n_vrs; i++) {
		const struct vnm_vr *vr = &m->vrs[i];
		enum vnm_admin eff = vnm_vr_effective_admin(vr);
		struct vnm_vr_status vs;
		struct vnm_err e;

		if (!vnm_host_local(vr->host))
			continue;
		if (!have(r, 'd', vr->host, hv_realm(vr->host), vr->domain_name)) {
			s = (struct vnm_step){.kind = VNM_STEP_VR_DEFINE, .vr = vr,
					      .generation = generation};
			step(r, p, &s);
			if (eff != VNM_ADMIN_STOPPED) {
				s = (struct vnm_step){.kind = VNM_STEP_VR_STATE, .vr = vr, .to = eff};
				step(r, p, &s);
			}
			continue;
		}
		/* Adopted: correct its state only if it differs. */
		memset(&vs, 0, sizeof(vs));
		vnm_err_clear(&e);
		if (!d->hv || !d->hv->vr_status)
			continue;
		if (d->hv->vr_status(d->hv_ctx, vr, &vs, &e)) {
			fail(r, &e, "reading a router's state");
			continue;
		}
		if (vs.state == admin_oper(eff))
			continue;
		s = (struct vnm_step){.kind = VNM_STEP_VR_STATE, .vr = vr, .to = eff};
		step(r, p, &s);
	}
	for (i = 0; i < m->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];

		if (!vl->a || !vl->b || !vl->a->vr->host || !vl->b->vr->host)
			continue;
		if (!have(r, 'i', vl->a->vr->host, if_realm(vl->a->vr->host), vl->end_a) ||
		    !have(r, 'i', vl->b->vr->host, if_realm(vl->b->vr->host), vl->end_b)) {
			s = (struct vnm_step){.kind = VNM_STEP_VL_CREATE, .vl = vl};
			step(r, p, &s);
		}
	}
	/* Shaping is not listed: apply it again, in place, so that a shaping
	 * left wrong by a failed undo is repaired too. */
	for (i = 0; i < m->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];

		if (!vl->a || !vl->b)
			continue;
		if (!vl->n_plinks) {
			s = (struct vnm_step){.kind = VNM_STEP_VL_SHAPE, .vl = vl};
			vnm_vl_shape_local(vl, &s.shape);
			step(r, p, &s);
		}
		for (k = 0; k < vl->n_plinks; k++) {
			if (!vl->plinks[k])
				continue;
			s = (struct vnm_step){.kind = VNM_STEP_VL_SHAPE, .vl = vl, .pl = vl->plinks[k]};
			vnm_vl_shape_on(vl, vl->plinks[k], &s.shape);
			step(r, p, &s);
		}
	}
}

int vnm_reconcile(const struct vnm_drivers *drv, const struct vnm_model *m,
		  uint64_t generation, struct vnm_reconcile_stats *st, struct vnm_err *err)
{
	struct recon r;
	struct vnm_plan *p = NULL;
	struct vnm_err e;
	size_t n_failed = 0;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.drv = drv;
	r.m = m;
	r.err = err;
	collect_wanted(&r);
	if (r.nomem)
		goto nomem;
	list_and_sweep(&r);
	p = vnm_plan_new();
	if (!p || r.nomem)
		goto nomem;
	plan_repairs(&r, p, generation);
	if (r.nomem)
		goto nomem;
	vnm_err_clear(&e);
	if (vnm_txn_run_all(drv, p, &n_failed, &e)) {
		fail(&r, &e, "repairing");
		r.st.failed += n_failed - 1;
	}
	r.st.repairs = p->n - n_failed;
	vnm_log(VNM_LOG_INFO,
		"reconciliation: %zu object(s) adopted, %zu leftover(s) removed, %zu repair(s), "
		"%zu failure(s)", r.st.adopted, r.st.removed, r.st.repairs, r.st.failed);
	rc = r.st.failed ? -1 : 0;
	goto cleanup;
nomem:
	vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory reconciling");
cleanup:
	if (st)
		*st = r.st;
	vnm_plan_free(p);
	smap_free(&r.want);
	smap_free(&r.listed);
	smap_free(&r.stale);
	return rc;
}
