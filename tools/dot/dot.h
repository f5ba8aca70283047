/*
 * dot.h - a picture of a configuration: a struct vnm_model as Graphviz DOT.
 *
 * The picture follows the paper's Figures 4 and 5: the underlay (RMs as
 * boxes, physical links as thick edges labelled with their capacity) in one
 * cluster, and each VN in a cluster of its own (VRs as ellipses, VLs as
 * edges labelled with their guarantee and limit and the physical links they
 * ride).  A dotted edge joins each VR to the RM it lives on.  Render it
 * with `dot -Tpng`.
 *
 * The output is a pure function of the model (model order, no addresses or
 * times), so it can be compared with a golden file.
 */
#ifndef VNM_DOT_H
#define VNM_DOT_H

#include <stdio.h>

#include "err.h"
#include "model.h"

/*
 * Write the DOT graph of m to f.  Returns 0, or -1 with err set when f
 * cannot be written.
 */
int vnm_dot_write(const struct vnm_model *m, FILE *f, struct vnm_err *err);

/*
 * The same into a new NUL-terminated string (*out, freed by the caller with
 * free()).  Returns 0, or -1 with err set (out of memory).
 */
int vnm_dot_render(const struct vnm_model *m, char **out, struct vnm_err *err);

/*
 * Format a rate in bit/s for people: "32 Mbit/s", "1.5 Gbit/s",
 * "800 kbit/s", "12 bit/s".  Writes at most len bytes with the NUL.
 */
void vnm_dot_rate(unsigned long long bps, char *buf, size_t len);

#endif
