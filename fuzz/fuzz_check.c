/*
 * fuzz_check.c - libFuzzer target: configuration parse, model build and
 * semantic validation, as `vnmd -n -c` and a NETCONF edit run them.
 *
 * Each input is tried twice: through vnm_config_parse_mem() (YANG
 * validation first, as check mode and NETCONF do) and parsed only, without
 * YANG validation (as a tree from the edit-config engine may arrive), since
 * vnm_model_build() and vnm_validate() must survive any tree the schema
 * allows in shape.
 *
 * `make fuzz-build` builds every target, `make fuzz` runs each (fuzz/run.sh);
 * by hand:
 *
 *   build/fuzz/fuzz_check CORPUS_DIR fuzz/seeds-check -dict=fuzz/check.dict -max_len=16384
 *
 * fuzz/seeds-check holds the examples and golden inputs as a starting corpus.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "model.h"
#include "model_int.h"
#include "yctx.h"

static struct ly_ctx *ctx;

static void count(void *arg, const struct vnm_err *e)
{
	(*(size_t *)arg)++;
	/* every error names something */
	if (!e->msg[0])
		abort();
}

static void build_and_validate(const struct lyd_node *tree)
{
	struct vnm_model *m = NULL;
	struct vnm_err err, first;
	size_t n = 0, i;

	if (vnm_model_build(tree, &m, &err))
		return;
	if (vnm_validate(m, &err) == 0) {
		/* a valid model has consistent lookups and shaping */
		if (vnm_validate_all(m, NULL, count, &n, &first) || n)
			abort();
		for (i = 0; i < m->n_vls; i++) {
			struct vnm_shape s;
			size_t k;

			if (vnm_model_vl(m, m->vls[i].vn->name, m->vls[i].name) != &m->vls[i])
				abort();
			for (k = 0; k < m->vls[i].n_plinks; k++) {
				vnm_vl_shape_on(&m->vls[i], m->vls[i].plinks[k], &s);
				if (s.ceil < s.rate || (!m->vls[i].burst && s.burst < 1514))
					abort();
			}
			vnm_vl_shape_local(&m->vls[i], &s);
		}
	} else {
		vnm_validate_all(m, NULL, count, &n, &first);
		if (!n || strcmp(first.msg, err.msg))
			abort();
	}
	vnm_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lyd_node *tree = NULL;
	struct vnm_err err;
	char *xml;

	if (!ctx) {
		ly_log_options(0);
		if (vnm_yctx_new(false, &ctx, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			abort();
		}
	}
	xml = malloc(size + 1);
	if (!xml)
		return 0;
	memcpy(xml, data, size);
	xml[size] = '\0';

	if (vnm_config_parse_mem(ctx, xml, &tree, &err) == 0)
		build_and_validate(tree);
	lyd_free_all(tree);
	tree = NULL;

	if (lyd_parse_data_mem(ctx, xml, LYD_XML, LYD_PARSE_ONLY, 0, &tree) == LY_SUCCESS)
		build_and_validate(tree);
	lyd_free_all(tree);
	free(xml);
	return 0;
}
