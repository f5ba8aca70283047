/*
 * linktool - drive the libnl link driver from a configuration file, for
 * integration tests and benchmarks (not part of the daemon).
 *
 *   linktool CONFIG probe
 *   linktool CONFIG setup              physical links, ports, VLs, shaping
 *   linktool CONFIG teardown           the reverse
 *   linktool CONFIG shape [VN VL]      (re)shape VL and every VL sharing a
 *                                      physical link with it (all: no VL)
 *   linktool CONFIG unshape VN VL
 *   linktool CONFIG vl-create VN VL    only the VL's ends (no ports first)
 *   linktool CONFIG vl-destroy VN VL   retire the VL's ends, then flush (delete the group)
 *   linktool CONFIG plink-update OLD   physical links changed from OLD
 *                                      (another config file) to CONFIG
 *   linktool CONFIG counters VN VL     key=value lines
 *   linktool CONFIG counters-paths VN VL  the counters read twice in one
 *                                      context: as one VL of a commit's
 *                                      snapshot (each object asked for
 *                                      alone), then as one of a full one
 *                                      (from dumps); prints both lines,
 *                                      "point: ..." "dump: ..."
 *   linktool CONFIG watch VN VL N MS   setup, then N times: counters (one
 *                                      line), wait MS ms (one driver
 *                                      context throughout, like the daemon)
 *   linktool CONFIG names VN VL        end_a end_b vni, and the vNICs' taps
 *                                      and bridges: tap_a bridge_a tap_b bridge_b
 *   linktool CONFIG macs VN VL         the vNICs' MACs: mac_a mac_b
 *   linktool CONFIG plug VN VL         vnic_plug both vNICs of VL (taps made by
 *                                      a hypervisor in the daemon's namespace)
 *   linktool CONFIG own HOST           vnmd's objects found on HOST
 *   linktool CONFIG remove-own HOST    remove them
 *   linktool CONFIG bench VN VL N R1 R2  N limit changes alternating R1/R2
 *                                      bit/s, prints the median in us
 *   linktool CONFIG admin VN VL 0|1    vl_set_up: the VL's admin state
 *
 * VNMT_DATAPATH=shared in the environment selects the shared datapath
 * (vnmd --link-datapath shared).
 *
 * Shapes come from the model (vnm_vl_shape_on / vnm_vl_shape_local), like
 * the core computes them.  Exit status 0 on success, 1 on a driver error
 * (printed as "error: <tag>: <message>"), 2 on usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>

#include "driver.h"
#include "err.h"
#include "link_nl.h"
#include "model.h"
#include "yctx.h"

static const struct vnm_link_ops *ops = &vnm_link_nl_ops;
static void *lctx;

static int fail(const struct vnm_err *err)
{
	fprintf(stderr, "error: %s: %s%s%s\n", vnm_err_tag(err->code), err->msg,
		err->path[0] ? " at " : "", err->path);
	return 1;
}

static bool same_host(const struct vnm_vl *vl)
{
	return vl->a && vl->b && vl->a->vr->host && vl->a->vr->host == vl->b->vr->host;
}

static int vl_shape_all_links(const struct vnm_vl *vl, struct vnm_err *err)
{
	struct vnm_shape s;
	size_t i;

	if (same_host(vl)) {
		vnm_vl_shape_local(vl, &s);
		return ops->vl_shape(lctx, vl, NULL, &s, err);
	}
	for (i = 0; i < vl->n_plinks; i++) {
		vnm_vl_shape_on(vl, vl->plinks[i], &s);
		if (ops->vl_shape(lctx, vl, vl->plinks[i], &s, err) < 0)
			return -1;
	}
	return 0;
}

static bool shares_plink(const struct vnm_vl *a, const struct vnm_vl *b)
{
	size_t i, j;

	for (i = 0; i < a->n_plinks; i++)
		for (j = 0; j < b->n_plinks; j++)
			if (a->plinks[i] == b->plinks[j])
				return true;
	return false;
}

static int setup(const struct vnm_model *m, struct vnm_err *err)
{
	size_t i, j;

	for (i = 0; i < m->n_plinks; i++)
		if (ops->plink_setup(lctx, &m->plinks[i], err) < 0)
			return -1;
	for (i = 0; i < m->n_vrs; i++)
		for (j = 0; j < m->vrs[i].n_vnics; j++)
			if (ops->vnic_port_create(lctx, &m->vrs[i].vnics[j], err) < 0)
				return -1;
	for (i = 0; i < m->n_vls; i++)
		if (ops->vl_create(lctx, &m->vls[i], err) < 0 ||
		    vl_shape_all_links(&m->vls[i], err) < 0)
			return -1;
	return 0;
}

static int teardown(const struct vnm_model *m, struct vnm_err *err)
{
	size_t i, j;

	for (i = 0; i < m->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];

		if (same_host(vl) && ops->vl_unshape(lctx, vl, NULL, err) < 0)
			return -1;
		for (j = 0; !same_host(vl) && j < vl->n_plinks; j++)
			if (ops->vl_unshape(lctx, vl, vl->plinks[j], err) < 0)
				return -1;
		if (ops->vl_destroy(lctx, vl, err) < 0)
			return -1;
	}
	for (i = 0; i < m->n_vrs; i++)
		for (j = 0; j < m->vrs[i].n_vnics; j++)
			if (ops->vnic_port_destroy(lctx, &m->vrs[i].vnics[j], err) < 0)
				return -1;
	for (i = 0; i < m->n_plinks; i++)
		if (ops->plink_teardown(lctx, &m->plinks[i], err) < 0)
			return -1;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Time vl_shape alone (what one live rate change costs the daemon). */
static int bench(const struct vnm_vl *vl, int n, uint64_t r1, uint64_t r2, struct vnm_err *err)
{
	const struct vnm_plink *pl = same_host(vl) ? NULL : vl->n_plinks ? vl->plinks[0] : NULL;
	struct vnm_shape s;
	uint64_t *t, t0;
	int i;

	if (!same_host(vl) && !pl)
		return vnm_err_set(err, VNM_E_INVALID, NULL, "the link rides no physical link");
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
	for (i = 0; i < n; i++) {
		if (pl)
			vnm_vl_shape_on(vl, pl, &s);
		else
			vnm_vl_shape_local(vl, &s);
		s.ceil = i % 2 ? r2 : r1;
		if (s.rate > s.ceil)
			s.rate = s.ceil;
		t0 = now_ns();
		if (ops->vl_shape(lctx, vl, pl, &s, err) < 0) {
			free(t);
			return -1;
		}
		t[i] = now_ns() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_u64);
	printf("median_us=%.1f min_us=%.1f n=%d\n", t[n / 2] / 1000.0, t[0] / 1000.0, n);
	free(t);
	return 0;
}

/* The shaping of n VLs like vl (VNIs vl->vni + 1 ..., their own ids) on
 * its first physical link, made (add) or removed in one process, as one
 * transaction's steps would: the driver's tc work alone at scale (no
 * interface is made).  A removal in a fresh process first fills the
 * driver's index from the kernel's dumps. */
static int many(const struct vnm_vl *vl, int n, bool add, struct vnm_err *err)
{
	const struct vnm_plink *pl = vl->n_plinks ? vl->plinks[0] : NULL;
	struct vnm_vl v = *vl;
	struct vnm_shape s;
	uint64_t t0;
	int i;

	if (same_host(vl) || !pl)
		return vnm_err_set(err, VNM_E_INVALID, NULL, "the link rides no physical link");
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		v.vni = vl->vni + 1 + (uint32_t)i;
		snprintf(v.id, sizeof(v.id), "%08x", 0xa0000000U + (unsigned)i);
		vnm_vl_shape_on(&v, pl, &s);
		if ((add ? ops->vl_shape(lctx, &v, pl, &s, err) : ops->vl_unshape(lctx, &v, pl, err)) < 0)
			return -1;
	}
	ops->flush(lctx);
	printf("%s_%d_s=%.3f\n", add ? "shape" : "unshape", n, (now_ns() - t0) / 1e9);
	return 0;
}

static const struct vnm_host *host_arg(const struct vnm_model *m, const char *name)
{
	const struct vnm_host *h = vnm_model_host(m, name);

	if (!h)
		fprintf(stderr, "no host %s in the configuration\n", name);
	return h;
}

int main(int argc, char **argv)
{
	struct vnm_err err = {0};
	struct ly_ctx *ly = NULL;
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	const struct vnm_vl *vl = NULL;
	const struct vnm_host *h;
	const char *cmd;
	size_t i;
	int rc = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: linktool CONFIG COMMAND [ARGS] (see the source)\n");
		return 2;
	}
	cmd = argv[2];
	if (vnm_yctx_new(false, &ly, &err) < 0 || vnm_config_parse_file(ly, argv[1], &tree, &err) < 0 ||
	    vnm_model_build(tree, &m, &err) < 0 ||
	    vnm_model_set_overhead(m, ops->encap_overhead, &err) < 0 || vnm_link_nl_new(&lctx, &err) < 0) {
		rc = fail(&err);
		goto cleanup;
	}
	if (getenv("VNMT_DATAPATH") && !strcmp(getenv("VNMT_DATAPATH"), "shared"))
		vnm_link_nl_set_shared(lctx, true);
	if (argc >= 5 && strcmp(cmd, "own") && strcmp(cmd, "remove-own")) {
		vl = vnm_model_vl(m, argv[3], argv[4]);
		if (!vl) {
			fprintf(stderr, "no link %s/%s in the configuration\n", argv[3], argv[4]);
			goto cleanup;
		}
	}
	rc = 1;
	if (!strcmp(cmd, "probe")) {
		struct vnm_link_caps c;

		if (ops->probe(lctx, &c, &err) < 0)
			goto out;
		printf("htb=%d tbf=%d netem=%d vxlan=%d bridge=%d veth=%d u32=%d\n", c.htb, c.tbf,
		       c.netem, c.vxlan, c.bridge, c.veth, c.u32);
		rc = 0;
	} else if (!strcmp(cmd, "setup")) {
		rc = setup(m, &err) < 0;
	} else if (!strcmp(cmd, "teardown")) {
		rc = teardown(m, &err) < 0;
	} else if (!strcmp(cmd, "shape")) {
		rc = 0;
		for (i = 0; i < m->n_vls && !rc; i++)
			if (!vl || &m->vls[i] == vl || shares_plink(&m->vls[i], vl))
				rc = vl_shape_all_links(&m->vls[i], &err) < 0;
	} else if (!strcmp(cmd, "plink-update") && argc >= 4) {
		struct lyd_node *otree = NULL;
		struct vnm_model *om = NULL;
		const struct vnm_plink *op;

		rc = vnm_config_parse_file(ly, argv[3], &otree, &err) < 0 ||
		     vnm_model_build(otree, &om, &err) < 0 ||
		     vnm_model_set_overhead(om, ops->encap_overhead, &err) < 0;
		for (i = 0; !rc && i < m->n_plinks; i++) {
			op = vnm_model_plink(om, m->plinks[i].name);
			rc = op ? ops->plink_update(lctx, op, &m->plinks[i], &err) < 0 :
				  ops->plink_setup(lctx, &m->plinks[i], &err) < 0;
		}
		vnm_model_free(om);
		lyd_free_all(otree);
	} else if (!strcmp(cmd, "vl-create") && vl) {
		rc = ops->vl_create(lctx, vl, &err) < 0;
	} else if (!strcmp(cmd, "vl-destroy") && vl) {
		/* a removal as a transaction makes it: retire, then flush */
		rc = ops->vl_destroy(lctx, vl, &err) < 0;
		ops->flush(lctx);
	} else if (!strcmp(cmd, "unshape") && vl) {
		rc = 0;
		if (same_host(vl))
			rc = ops->vl_unshape(lctx, vl, NULL, &err) < 0;
		for (i = 0; !rc && !same_host(vl) && i < vl->n_plinks; i++)
			rc = ops->vl_unshape(lctx, vl, vl->plinks[i], &err) < 0;
	} else if (!strcmp(cmd, "counters") && vl) {
		struct vnm_vl_counters c;

		if (ops->vl_counters(lctx, vl, &c, &err) < 0)
			goto out;
		printf("in_octets=%llu\nin_packets=%llu\nout_octets=%llu\nout_packets=%llu\n"
		       "drops=%llu\noverlimits=%llu\nifindex=%d\nup=%d\ndiscontinuity=%lld\n",
		       (unsigned long long)c.in_octets, (unsigned long long)c.in_packets,
		       (unsigned long long)c.out_octets, (unsigned long long)c.out_packets,
		       (unsigned long long)c.drops, (unsigned long long)c.overlimits, c.ifindex,
		       c.up, (long long)c.discontinuity);
		rc = 0;
	} else if (!strcmp(cmd, "counters-paths") && vl) {
		struct vnm_vl_counters c;

		for (i = 0; i < 2; i++) {
			ops->vl_counters_batch(lctx, i ? 10000 : 1);
			if (ops->vl_counters(lctx, vl, &c, &err) < 0)
				goto out;
			printf("%s: in=%llu/%llu out=%llu/%llu drops=%llu over=%llu "
			       "cls=%llu/%llu shaped=%d ifindex=%d up=%d\n",
			       i ? "dump" : "point", (unsigned long long)c.in_octets,
			       (unsigned long long)c.in_packets, (unsigned long long)c.out_octets,
			       (unsigned long long)c.out_packets, (unsigned long long)c.drops,
			       (unsigned long long)c.overlimits, (unsigned long long)c.cls_octets[0],
			       (unsigned long long)c.cls_octets[1], c.shaped, c.ifindex, c.up);
		}
		rc = 0;
	} else if (!strcmp(cmd, "watch") && vl && argc >= 7) {
		struct vnm_vl_counters c;
		struct timespec ts;
		int k, n = atoi(argv[5]), ms = atoi(argv[6]);

		rc = 0;
		for (k = 0; k < n && !rc; k++) {
			/* each round makes sure the VL exists: the namespace may
			 * have been replaced in between */
			if (setup(m, &err) < 0 || ops->vl_counters(lctx, vl, &c, &err) < 0) {
				rc = 1;
				break;
			}
			printf("round=%d ifindex=%d up=%d out_octets=%llu discontinuity=%lld\n", k,
			       c.ifindex, c.up, (unsigned long long)c.out_octets,
			       (long long)c.discontinuity);
			fflush(stdout);
			ts.tv_sec = ms / 1000;
			ts.tv_nsec = (long)(ms % 1000) * 1000000L;
			nanosleep(&ts, NULL);
		}
	} else if (!strcmp(cmd, "macs") && vl) {
		printf("%s %s\n", vl->a->mac, vl->b->mac);
		rc = 0;
	} else if (!strcmp(cmd, "admin") && vl && argc >= 6) {
		rc = ops->vl_set_up(lctx, vl, atoi(argv[5]) != 0, &err) < 0;
	} else if (!strcmp(cmd, "plug") && vl) {
		rc = ops->vnic_plug(lctx, vl->a, &err) < 0 || ops->vnic_plug(lctx, vl->b, &err) < 0;
	} else if (!strcmp(cmd, "names") && vl) {
		printf("%s %s %u %s %s %s %s\n", vl->end_a, vl->end_b, vl->vni, vl->a->tap,
		       vl->a->bridge, vl->b->tap, vl->b->bridge);
		rc = 0;
	} else if ((!strcmp(cmd, "own") || !strcmp(cmd, "remove-own")) && argc >= 4) {
		struct vnm_own_list l = {0};

		if (!(h = host_arg(m, argv[3])))
			goto out;
		if (ops->list_own(lctx, h, &l, &err) < 0)
			goto out;
		rc = 0;
		for (i = 0; i < l.n && !rc; i++) {
			printf("%s %s %s/%s\n", l.objs[i].kind == VNM_OBJ_QDISC ? "qdisc" : "iface",
			       l.objs[i].name, l.objs[i].vn, l.objs[i].obj);
			if (!strcmp(cmd, "remove-own"))
				rc = ops->remove_own(lctx, h, &l.objs[i], &err) < 0;
		}
		vnm_own_list_free(&l);
	} else if ((!strcmp(cmd, "shape-many") || !strcmp(cmd, "unshape-many")) && vl &&
		   argc >= 6) {
		rc = many(vl, atoi(argv[5]), !strcmp(cmd, "shape-many"), &err) < 0;
	} else if (!strcmp(cmd, "bench") && vl && argc >= 8) {
		rc = bench(vl, atoi(argv[5]), strtoull(argv[6], NULL, 10),
			   strtoull(argv[7], NULL, 10), &err) < 0;
	} else {
		fprintf(stderr, "linktool: unknown command or missing arguments: %s\n", cmd);
		rc = 2;
		goto cleanup;
	}
out:
	if (rc == 1)
		fail(&err);
cleanup:
	vnm_link_nl_free(lctx);
	vnm_model_free(m);
	lyd_free_all(tree);
	ly_ctx_destroy(ly);
	return rc;
}
