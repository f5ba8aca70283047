/*
 * editbench.c - timing of the edit-config engine on a large datastore.
 *
 *   editbench VNS ROUTERS_PER_VN VLS [REPEATS]
 *
 * Builds an underlay and VNS virtual networks of ROUTERS_PER_VN routers,
 * then one edit-config creating VLS virtual links spread over the VNs, then
 * REPEATS edits changing one leaf (a VL's rate-limit).  Baselines measured
 * in the same run: a full YANG validation of the datastore, a full copy
 * and a full lyd_diff_siblings() of it (what an engine working on a copy
 * pays), and lyd_diff_tree() of the one leaf.  Prints key=value lines
 * (seconds of CPU time, so that other load on the machine matters less).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>

#include "edit.h"
#include "yctx.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU time: the machine is shared */
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define HEAD "<networks xmlns='urn:ietf:params:xml:ns:yang:ietf-network' " \
	"xmlns:nt='urn:ietf:params:xml:ns:yang:ietf-network-topology' xmlns:vnm='urn:vnmd:yang:vnmd'>"

static char *gen_base(int vns, int routers)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fprintf(f, HEAD "<network><network-id>underlay</network-id><network-types><vnm:physical-network/>"
		"</network-types><node><node-id>rm1</node-id><vnm:host><vnm:libvirt-uri>test:///default"
		"</vnm:libvirt-uri></vnm:host></node></network>");
	for (int v = 0; v < vns; v++) {
		fprintf(f, "<network><network-id>vn%d</network-id><network-types><vnm:virtual-network/>"
			"</network-types><supporting-network><network-ref>underlay</network-ref>"
			"</supporting-network>", v);
		for (int r = 0; r < routers; r++)
			fprintf(f, "<node><node-id>vr%d</node-id><supporting-node><network-ref>underlay"
				"</network-ref><node-ref>rm1</node-ref></supporting-node>"
				"<nt:termination-point><nt:tp-id>eth0</nt:tp-id></nt:termination-point>"
				"<nt:termination-point><nt:tp-id>eth1</nt:tp-id></nt:termination-point>"
				"<vnm:router><vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image></vnm:router>"
				"</node>", r);
		fprintf(f, "</network>");
	}
	fprintf(f, "</networks>");
	fclose(f);
	return buf;
}

static char *gen_vls(int vns, int routers, int vls)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fprintf(f, HEAD);
	for (int v = 0; v < vns; v++) {
		fprintf(f, "<network><network-id>vn%d</network-id>", v);
		for (int i = v; i < vls; i += vns) {
			int k = i / vns;

			fprintf(f, "<nt:link><nt:link-id>vl%d</nt:link-id><nt:source><nt:source-node>vr%d"
				"</nt:source-node><nt:source-tp>eth0</nt:source-tp></nt:source><nt:destination>"
				"<nt:dest-node>vr%d</nt:dest-node><nt:dest-tp>eth1</nt:dest-tp></nt:destination>"
				"<vnm:virtual-link><vnm:rate-limit>1000000</vnm:rate-limit></vnm:virtual-link>"
				"</nt:link>", i, k % routers, (k + 1) % routers);
		}
		fprintf(f, "</network>");
	}
	fprintf(f, "</networks>");
	fclose(f);
	return buf;
}

static int apply(struct ly_ctx *ctx, struct lyd_node **ds, const char *xml, double *t_parse,
		 double *t_apply)
{
	struct lyd_node *edit = NULL, *diff = NULL;
	struct vnm_err err;
	double t0 = now(), t1;

	if (vnm_edit_parse(ctx, xml, &edit, &err)) {
		fprintf(stderr, "parse: %s\n", err.msg);
		return -1;
	}
	t1 = now();
	if (vnm_edit_apply(ctx, ds, edit, VNM_OP_MERGE, VNM_ERROPT_ROLLBACK, &diff, &err)) {
		fprintf(stderr, "apply: %s (%s)\n", err.msg, err.path);
		return -1;
	}
	*t_apply = now() - t1;
	*t_parse = t1 - t0;
	lyd_free_all(diff);
	lyd_free_all(edit);
	return 0;
}

int main(int argc, char **argv)
{
	struct ly_ctx *ctx;
	struct lyd_node *ds = NULL, *copy = NULL, *diff = NULL, *leaf = NULL, *leaf2 = NULL;
	struct vnm_err err;
	int vns, routers, vls, reps;
	double tp, ta, t0, *samples;
	char *xml, path[256], edit[1024];

	if (argc < 4) {
		fprintf(stderr, "usage: editbench VNS ROUTERS_PER_VN VLS [REPEATS]\n");
		return 2;
	}
	vns = atoi(argv[1]);
	routers = atoi(argv[2]);
	vls = atoi(argv[3]);
	reps = argc > 4 ? atoi(argv[4]) : 5;
	ly_log_options(LY_LOSTORE_LAST);
	if (vnm_yctx_new(true, &ctx, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	printf("shape=%d VNs x %d routers, %d VLs\n", vns, routers, vls);

	xml = gen_base(vns, routers);
	if (apply(ctx, &ds, xml, &tp, &ta))
		return 1;
	free(xml);
	printf("base_apply_s=%.4f\n", ta);

	xml = gen_vls(vns, routers, vls);
	if (apply(ctx, &ds, xml, &tp, &ta))
		return 1;
	printf("create_vls_parse_s=%.4f\ncreate_vls_apply_s=%.4f\n", tp, ta);
	free(xml);

	/* baselines on the full datastore; a full validation is quadratic in
	 * libyang (see edit_validate.c), so only on request */
	if (getenv("EDITBENCH_FULL_VALIDATE")) {
		t0 = now();
		lyd_validate_all(&ds, ctx, LYD_VALIDATE_NO_STATE, NULL);
		printf("baseline_full_validate_s=%.4f\n", now() - t0);
	}
	t0 = now();
	lyd_dup_siblings(ds, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &copy);
	printf("baseline_full_dup_s=%.4f\n", now() - t0);

	/* one leaf, REPEATS times */
	samples = calloc((size_t)reps, sizeof(*samples));
	snprintf(path, sizeof(path), "/ietf-network:networks/network[network-id='vn0']/"
		 "ietf-network-topology:link[link-id='vl0']/vnmd:virtual-link/rate-limit");
	for (int i = 0; i < reps; i++) {
		snprintf(edit, sizeof(edit), HEAD "<network><network-id>vn0</network-id><nt:link>"
			 "<nt:link-id>vl0</nt:link-id><vnm:virtual-link><vnm:rate-limit>%d"
			 "</vnm:rate-limit></vnm:virtual-link></nt:link></network></networks>",
			 2000000 + i);
		if (apply(ctx, &ds, edit, &tp, &samples[i]))
			return 1;
	}
	qsort(samples, (size_t)reps, sizeof(*samples), cmp_d);
	lyd_find_path(ds, path, 0, &leaf2);
	printf("one_leaf_value=%s (expect %d)\n", leaf2 ? lyd_get_value(leaf2) : "?", 2000000 + reps - 1);
	leaf2 = NULL;
	printf("one_leaf_apply_median_s=%.6f\n", samples[reps / 2]);

	/* one VL added (then removed): a structural change, so its VN is
	 * validated again */
	for (int i = 0; i < reps; i++) {
		snprintf(edit, sizeof(edit), HEAD "<network xmlns:nc='urn:ietf:params:xml:ns:netconf:base:1.0'>"
			 "<network-id>vn0</network-id><nt:link nc:operation='%s'><nt:link-id>vl-new</nt:link-id>"
			 "<nt:source><nt:source-node>vr0</nt:source-node><nt:source-tp>eth0</nt:source-tp></nt:source>"
			 "<nt:destination><nt:dest-node>vr1</nt:dest-node><nt:dest-tp>eth1</nt:dest-tp></nt:destination>"
			 "</nt:link></network></networks>", i % 2 ? "delete" : "create");
		if (apply(ctx, &ds, edit, &tp, &samples[i]))
			return 1;
	}
	qsort(samples, (size_t)reps, sizeof(*samples), cmp_d);
	printf("one_vl_add_or_remove_apply_median_s=%.6f\n", samples[reps / 2]);

	t0 = now();
	lyd_diff_siblings(copy, ds, 0, &diff);
	printf("baseline_full_diff_s=%.4f\n", now() - t0);
	lyd_find_path(copy, path, 0, &leaf);
	lyd_find_path(ds, path, 0, &leaf2);
	lyd_free_all(diff);
	diff = NULL;
	t0 = now();
	lyd_diff_tree(leaf, leaf2, 0, &diff);
	printf("baseline_leaf_diff_s=%.6f\n", now() - t0);

	lyd_free_all(diff);
	lyd_free_all(copy);
	lyd_free_all(ds);
	free(samples);
	ly_ctx_destroy(ctx);
	return 0;
}
