/*
 * core_fixture.h - shared helpers of the core's unit tests: one YANG
 * context, trees and models from XML, libyang diffs.  They fail the test
 * (cmocka) when something cannot be built.
 */
#ifndef VNM_CORE_FIXTURE_H
#define VNM_CORE_FIXTURE_H

#include "model.h"

struct ly_ctx;
struct lyd_node;

struct ly_ctx *fx_ctx(void);
/* Parse a configuration (NETCONF <config> XML); NULL for empty. */
struct lyd_node *fx_tree(const char *xml);
/* Parse and free the XML (made by cfg_gen.h). */
struct lyd_node *fx_tree_take(char *xml);
/* Parse without YANG validation (parse only), for big configurations:
 * libyang's validation of the must/leafref rules is far slower than
 * everything the core does with the tree.  Frees xml. */
struct lyd_node *fx_tree_fast(char *xml);
struct vnm_model *fx_model(const struct lyd_node *tree);
/* A context with NETCONF's modules and examples/figure5.xml parsed in it,
 * for a group's setup (the NETCONF suites); 0 or -1.  fx_fig5_close
 * frees both. */
int fx_fig5_open(struct ly_ctx **ctx, struct lyd_node **fig5);
void fx_fig5_close(struct ly_ctx *ctx, struct lyd_node *fig5);
/* lyd_diff_siblings(a, b); NULL when they are equal. */
struct lyd_node *fx_diff(const struct lyd_node *a, const struct lyd_node *b);

#endif
