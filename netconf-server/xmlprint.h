/*
 * xmlprint.h - large data trees as XML without libyang's printer (xmlprint.c).
 */
#ifndef VNM_XMLPRINT_H
#define VNM_XMLPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lyd_node;

#define VNM_XP_LIBYANG 1 /* the tree holds what only libyang prints: use it */

/* tree and its following siblings as XML (no indentation), as libyang's
 * lyd_print_mem(LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | wd) would print
 * them; wd: LYD_PRINT_WD_EXPLICIT, _TRIM or _ALL.  0 with *out (malloc'd)
 * and *len, VNM_XP_LIBYANG, or -1 when out of memory. */
int vnm_xml_print(const struct lyd_node *tree, uint32_t wd, char **out, size_t *len);

/* The same, with the node subst (of tree) left out and *at where it
 * would be: a large part kept as text (its own XML, printed before) goes
 * there when the text is sent (reads.c's vnm_ptext), not copied in. */
int vnm_xml_print_split(const struct lyd_node *tree, uint32_t wd, const struct lyd_node *subst,
			char **out, size_t *len, size_t *at);

/* tree alone (not its siblings: it may be a node of running, printed in
 * place), calling hook(arg, n, off, empty) where each container or list
 * entry n ends: off is where its close tag (empty: the "/>" of an element
 * with nothing printed inside) starts in the text.  A text printed once can
 * then take more content at those places (oper_text.c).  Non-zero from
 * hook stops the print (-1). */
typedef int (*vnm_xp_hook)(void *arg, const struct lyd_node *n, size_t off, bool empty);
int vnm_xml_print_hook(const struct lyd_node *tree, uint32_t wd, vnm_xp_hook hook, void *arg,
		       char **out, size_t *len);

/* A buffer of cap bytes for a large text (free() frees it): one backed by
 * huge pages where the kernel gives them on request, so that filling it
 * takes a few page faults rather than one per 4 KiB. */
void *vnm_xml_buf(size_t cap);

#endif
