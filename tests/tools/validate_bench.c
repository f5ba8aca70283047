/*
 * validate_bench.c - how long checking a configuration takes, by stage:
 * libyang parsing alone (the baseline), libyang parsing with YANG validation
 * (must/when/leafref), vnm_model_build() and vnm_validate().
 *
 *   build/tools/validate_bench N_VNS VLS_PER_VN [REPEATS]
 *
 * The configuration is cfg_gen.h's cg_big(): N_VNS virtual networks of two
 * routers joined by VLS_PER_VN links each, over five pairs of hosts.  Prints
 * "key=value" lines with the median of REPEATS runs (default 3), in seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>

#include "model.h"
#include "yctx.h"
#include "../unit/cfg_gen.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	struct ly_ctx *ctx = NULL;
	struct vnm_err err;
	char *xml, *bare = NULL;
	const char *start, *end;
	unsigned n_vns, per_vn;
	int reps, i, rc = 1;
	double t_raw[32], t_yang[32], t_build[32], t_val[32];
	size_t n_vls = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: validate_bench N_VNS VLS_PER_VN [REPEATS]\n");
		return 2;
	}
	n_vns = (unsigned)atoi(argv[1]);
	per_vn = (unsigned)atoi(argv[2]);
	reps = argc > 3 ? atoi(argv[3]) : 3;
	if (reps < 1 || reps > 32)
		reps = 3;
	ly_log_options(LY_LOSTORE);
	if (vnm_yctx_new(false, &ctx, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	xml = cg_big(n_vns, per_vn, -1, 0);
	/* the parse-only baseline reads bare <networks> */
	start = strstr(xml, "<networks");
	end = start ? strstr(start, "</config>") : NULL;
	if (!end || !(bare = strndup(start, (size_t)(end - start)))) {
		fprintf(stderr, "unexpected generated configuration\n");
		goto cleanup;
	}
	for (i = 0; i < reps; i++) {
		struct lyd_node *t = NULL;
		struct vnm_model *m = NULL;
		double t0, t1, t2, t3;

		t0 = now();
		if (lyd_parse_data_mem(ctx, bare, LYD_XML, LYD_PARSE_ONLY, 0, &t) != LY_SUCCESS) {
			fprintf(stderr, "parse: %s\n", ly_errmsg(ctx));
			goto cleanup;
		}
		t1 = now();
		lyd_free_all(t);
		t = NULL;
		t2 = now();
		if (vnm_config_parse_mem(ctx, xml, &t, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			goto cleanup;
		}
		t3 = now();
		t_raw[i] = t1 - t0;
		t_yang[i] = t3 - t2;
		t0 = now();
		if (vnm_model_build(t, &m, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			goto cleanup;
		}
		t1 = now();
		if (vnm_validate(m, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			goto cleanup;
		}
		t2 = now();
		t_build[i] = t1 - t0;
		t_val[i] = t2 - t1;
		n_vls = m->n_vls;
		vnm_model_free(m);
		lyd_free_all(t);
	}
	printf("vls=%zu\n", n_vls);
	printf("libyang_parse_only_s=%.4f\n", median(t_raw, reps));
	printf("libyang_parse_validate_s=%.4f\n", median(t_yang, reps));
	printf("vnm_model_build_s=%.4f\n", median(t_build, reps));
	printf("vnm_validate_s=%.4f\n", median(t_val, reps));
	rc = 0;
cleanup:
	free(bare);
	free(xml);
	ly_ctx_destroy(ctx);
	return rc;
}
