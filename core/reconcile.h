/*
 * reconcile.h - make reality match a configuration at start-up.
 *
 * vnmd tags what it creates (libvirt metadata on domains, an ifalias on
 * interfaces, its HTB roots).  Reconciliation asks both drivers for the own
 * objects on every host of the model, then:
 *   - adopts the own objects the model names, without restarting them
 *     (a running VR keeps running; only its state is corrected when it
 *     differs from the configured one);
 *   - removes own objects the model does not name (leftovers); where an
 *     interface was removed, the physical links of its namespace get their
 *     shaping root anew (a leftover VL's classes are not listed, and go
 *     with the root);
 *   - creates what is missing (ports, domains, VL ends, physical link
 *     roots) and applies every VL's shaping again (in place);
 *   - never touches objects without vnmd's tag.
 * Hosts that share a libvirt URI (or a network namespace) are listed once,
 * so that one host's objects are never taken for another's leftovers.
 * Failures do not stop the repair of the rest.
 */
#ifndef VNM_RECONCILE_H
#define VNM_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "driver.h"
#include "err.h"
#include "model.h"

struct vnm_reconcile_stats {
	size_t adopted;       /* own objects the model names */
	size_t removed;       /* own leftovers removed */
	size_t repairs;       /* steps run to create or correct */
	size_t failed;        /* listings, removals and steps that failed */
	uint64_t max_generation; /* highest generation found in domain tags */
};

/* Returns 0, or -1 with err naming the first failure (the rest was still
 * done).  st may be NULL. */
int vnm_reconcile(const struct vnm_drivers *drv, const struct vnm_model *m,
		  uint64_t generation, struct vnm_reconcile_stats *st, struct vnm_err *err);

#endif
