/*
 * oper_text.h - the networks of <get> (configuration and state) as text
 * without a tree (oper_text.c).
 */
#ifndef VNM_OPER_TEXT_H
#define VNM_OPER_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "core.h"

struct lyd_node;
struct vnm_nets_text;

/* Where the host interfaces come from: vnm_core_ifnames() of the server's
 * core, or a test's stand-in. */
typedef int (*vnm_ifnames_fn)(void *src, vnm_ifname_cb cb, void *arg);

/* vnm_oper_add() (oper.c) with the snapshot (may be NULL) and host
 * interfaces given. */
int vnm_oper_add_from(struct lyd_node **tree, bool realised, const struct vnm_snapshot *snap,
		      vnm_ifnames_fn ifnames, void *src, struct vnm_err *err);

/* The text of the ietf-network tree nets (with-defaults explicit, as
 * vnm_xml_print prints it) and where the state of each network, router,
 * vNIC and link goes in it.  NULL: the tree has what this cannot place
 * (read it the tree's way). */
struct vnm_nets_text *vnm_nets_text_new(const struct lyd_node *nets);
/* The configuration's text itself (t's, while t is held). */
const char *vnm_nets_text_config(const struct vnm_nets_text *t, size_t *len);
void vnm_nets_text_ref(struct vnm_nets_text *t);
void vnm_nets_text_unref(struct vnm_nets_text *t);

/* A leaf of a VL's virtual-link container (network vn, link-id link) and
 * its value (canonical) now. */
struct vnm_vl_leaf {
	const char *vn, *link, *name, *value;
};

/*
 * The text of t's configuration with the n leaves ch set to their values
 * (changed, or added where the tree would print them): the same bytes and
 * places vnm_nets_text_new() gives of the tree with those values, in the
 * time of a copy of the text.  A new text (unref when done; t is left as
 * it is), or NULL: a leaf it cannot place (print the tree anew).
 */
struct vnm_nets_text *vnm_nets_text_patch(const struct vnm_nets_text *t,
					  const struct vnm_vl_leaf *ch, size_t n);

/*
 * The text with the state of snap (may be NULL) and the host interfaces of
 * ifnames(src) in place: the same bytes vnm_oper_add() (not realised) and
 * vnm_xml_print() give of the same tree, snapshot and interfaces.  0 with
 * *out (malloc'd) and *len, or -1 (out of memory, or state that the tree's
 * way would refuse too).
 */
int vnm_nets_text_fill(const struct vnm_nets_text *t, const struct vnm_snapshot *snap,
		       vnm_ifnames_fn ifnames, void *src, char **out, size_t *len);

#endif
