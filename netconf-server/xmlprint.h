/*
 * xmlprint.h - large data trees as XML without libyang's printer (xmlprint.c).
 */
#ifndef VNM_XMLPRINT_H
#define VNM_XMLPRINT_H

#include <stddef.h>
#include <stdint.h>

struct lyd_node;

#define VNM_XP_LIBYANG 1 /* the tree holds what only libyang prints: use it */

/* tree and its following siblings as XML (no indentation), as libyang's
 * lyd_print_mem(LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | wd) would print
 * them; wd: LYD_PRINT_WD_EXPLICIT, _TRIM or _ALL.  0 with *out (malloc'd)
 * and *len, VNM_XP_LIBYANG, or -1 when out of memory. */
int vnm_xml_print(const struct lyd_node *tree, uint32_t wd, char **out, size_t *len);

/* The same, with the node subst (of tree) printed as text (its own XML,
 * printed before): a large part kept as text goes into a small tree. */
int vnm_xml_print_subst(const struct lyd_node *tree, uint32_t wd, const struct lyd_node *subst,
			const char *text, size_t text_len, char **out, size_t *len);

#endif
