/*
 * plan_bench.c - how long planning a one-VL change takes in a big
 * configuration, next to what a whole comparison would cost.
 *
 *   plan_bench [N_VNS [VLS_PER_VN [REPEATS]]]      (default 100 100 201)
 *
 * Builds a configuration of N_VNS*VLS_PER_VN VLs (tests/unit/cfg_gen.h),
 * changes one VL's guaranteed rate, and measures, as the median of REPEATS
 * runs (the baselines: of at most 11):
 *   plan_diff   vnm_plan_build() given the libyang diff (what a commit does)
 *   plan_full   vnm_plan_build() comparing every object (no diff)
 *   ly_diff     lyd_diff_siblings() of the two trees
 *   validate    vnm_validate() of the new model
 *   model       vnm_model_build() of the new tree
 * Prints one "name value unit" line per figure and the plan's step count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>

#include "../unit/cfg_gen.h"
#include "model.h"
#include "plan.h"
#include "yctx.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return v[n / 2];
}

/* Parse only: libyang's YANG validation (must, leafref) of a
 * configuration this big takes minutes and is not what is measured. */
static struct lyd_node *parse(struct ly_ctx *ctx, char *xml, double *us)
{
	struct lyd_node *t = NULL;
	char *body = strstr(xml, "<networks"), *end = strstr(xml, "</config>");
	double t0 = now_us();

	if (!body || !end)
		exit(1);
	*end = '\0';
	if (lyd_parse_data_mem(ctx, body, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &t)) {
		fprintf(stderr, "plan_bench: cannot parse the configuration\n");
		exit(1);
	}
	*us = now_us() - t0;
	free(xml);
	return t;
}

int main(int argc, char **argv)
{
	unsigned n_vns = argc > 1 ? (unsigned)atoi(argv[1]) : 100;
	unsigned per_vn = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
	int reps = argc > 3 ? atoi(argv[3]) : 201, r;
	long changed = (long)(n_vns * per_vn) / 2 + 1;
	struct ly_ctx *ctx = NULL;
	struct lyd_node *ta, *tb, *diff = NULL;
	struct vnm_model *ma = NULL, *mb = NULL, *mx;
	struct vnm_plan *p = NULL;
	struct vnm_err err;
	double *t_diff, *t_full, *t_ly, *t_val, *t_model, parse_us, t0;
	size_t steps = 0, steps_full = 0;
	int n_base;

	if (reps < 1)
		reps = 1;
	n_base = reps < 11 ? reps : 11;
	t_diff = calloc((size_t)reps, sizeof(double));
	t_full = calloc((size_t)reps, sizeof(double));
	t_ly = calloc((size_t)reps, sizeof(double));
	t_val = calloc((size_t)reps, sizeof(double));
	t_model = calloc((size_t)reps + 8, sizeof(double));
	if (vnm_yctx_new(false, &ctx, &err)) {
		fprintf(stderr, "plan_bench: %s\n", err.msg);
		return 1;
	}
	ta = parse(ctx, cg_big(n_vns, per_vn, -1, 0), &parse_us);
	tb = parse(ctx, cg_big(n_vns, per_vn, changed, 2000000), &parse_us);
	if (vnm_model_build(ta, &ma, &err) || vnm_model_build(tb, &mb, &err)) {
		fprintf(stderr, "plan_bench: %s\n", err.msg);
		return 1;
	}
	/* The figure: the plan from the diff, many times (it is short). */
	lyd_diff_siblings(ta, tb, 0, &diff);
	for (r = 0; r < reps; r++) {
		t0 = now_us();
		if (vnm_plan_build(ma, mb, diff, 1, 2, &p, &err))
			return 1;
		t_diff[r] = now_us() - t0;
		steps = p->n;
		vnm_plan_free(p);
	}
	lyd_free_all(diff);
	diff = NULL;
	/* The baselines: work proportional to the whole configuration. */
	for (r = 0; r < n_base; r++) {
		t0 = now_us();
		lyd_diff_siblings(ta, tb, 0, &diff);
		t_ly[r] = now_us() - t0;
		lyd_free_all(diff);
		diff = NULL;

		t0 = now_us();
		if (vnm_plan_build(ma, mb, NULL, 1, 2, &p, &err))
			return 1;
		t_full[r] = now_us() - t0;
		steps_full = p->n;
		vnm_plan_free(p);

		t0 = now_us();
		if (vnm_validate(mb, &err)) {
			fprintf(stderr, "plan_bench: %s\n", err.msg);
			return 1;
		}
		t_val[r] = now_us() - t0;

		t0 = now_us();
		if (vnm_model_build(tb, &mx, &err))
			return 1;
		t_model[r] = now_us() - t0;
		vnm_model_free(mx);
	}
	printf("vls %zu\n", mb->n_vls);
	printf("steps %zu\n", steps);
	printf("steps_full %zu\n", steps_full);
	printf("plan_diff_us %.1f\n", median(t_diff, reps));
	printf("plan_full_us %.1f\n", median(t_full, n_base));
	printf("ly_diff_us %.1f\n", median(t_ly, n_base));
	printf("validate_us %.1f\n", median(t_val, n_base));
	printf("model_build_us %.1f\n", median(t_model, n_base));
	printf("parse_only_us %.1f\n", parse_us);
	vnm_model_free(ma);
	vnm_model_free(mb);
	lyd_free_all(ta);
	lyd_free_all(tb);
	ly_ctx_destroy(ctx);
	free(t_diff);
	free(t_full);
	free(t_ly);
	free(t_val);
	free(t_model);
	return 0;
}
