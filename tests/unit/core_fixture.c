/* core_fixture.c - see core_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libyang/libyang.h>

#include "core_fixture.h"
#include "yctx.h"

static struct ly_ctx *fx_the_ctx;

static void fx_free_ctx(void)
{
	ly_ctx_destroy(fx_the_ctx);
	fx_the_ctx = NULL;
}

struct ly_ctx *fx_ctx(void)
{
	struct vnm_err err;

	if (!fx_the_ctx) {
		if (vnm_yctx_new(false, &fx_the_ctx, &err)) {
			fprintf(stderr, "fx_ctx: %s\n", err.msg);
			fail();
		}
		atexit(fx_free_ctx);
	}
	return fx_the_ctx;
}

struct lyd_node *fx_tree(const char *xml)
{
	struct lyd_node *t = NULL;
	struct vnm_err err;

	if (vnm_config_parse_mem(fx_ctx(), xml, &t, &err)) {
		fprintf(stderr, "fx_tree: %s\n", err.msg);
		fail();
	}
	return t;
}

struct lyd_node *fx_tree_take(char *xml)
{
	struct lyd_node *t = fx_tree(xml);

	free(xml);
	return t;
}

struct lyd_node *fx_tree_fast(char *xml)
{
	struct lyd_node *t = NULL;
	char *body = strstr(xml, "<networks"), *end = strstr(xml, "</config>");

	if (!body || !end)
		fail();
	*end = '\0';
	if (lyd_parse_data_mem(fx_ctx(), body, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0,
			       &t) != LY_SUCCESS) {
		fprintf(stderr, "fx_tree_fast: cannot parse\n");
		fail();
	}
	free(xml);
	return t;
}

struct vnm_model *fx_model(const struct lyd_node *tree)
{
	struct vnm_model *m = NULL;
	struct vnm_err err;

	if (vnm_model_build(tree, &m, &err)) {
		fprintf(stderr, "fx_model: %s\n", err.msg);
		fail();
	}
	return m;
}

struct lyd_node *fx_diff(const struct lyd_node *a, const struct lyd_node *b)
{
	struct lyd_node *d = NULL;

	if (lyd_diff_siblings(a, b, 0, &d) != LY_SUCCESS) {
		fprintf(stderr, "fx_diff: libyang diff failed\n");
		fail();
	}
	return d;
}

int fx_fig5_open(struct ly_ctx **ctx, struct lyd_node **fig5)
{
	struct vnm_err err;

	ly_log_options(LY_LOSTORE);
	return vnm_yctx_new(true, ctx, &err) ||
	       vnm_config_parse_file(*ctx, "examples/figure5.xml", fig5, &err) ? -1 : 0;
}

void fx_fig5_close(struct ly_ctx *ctx, struct lyd_node *fig5)
{
	lyd_free_all(fig5);
	ly_ctx_destroy(ctx);
}
