/*
 * dot.c - render a configuration (struct vnm_model) as Graphviz DOT.
 *
 * Order of the output: graph attributes, one cluster per VN (VRs, then
 * VLs), the underlay cluster (RMs, then physical links), and last the
 * dotted "lives on" edges from each VR to its RM.  VNs come first so that
 * dot ranks them above the underlay, as in the paper's figures.  Node names
 * are "rm:NAME" and "vr:VN/NAME", so equal names in different VNs (every
 * VN may have a vr1) never collide.
 */
#include "dot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Colours of VNs and their edges, in VN order (wraps). */
static const char *const vn_colors[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
};

void vnm_dot_rate(unsigned long long bps, char *buf, size_t len)
{
	static const struct {
		unsigned long long div;
		const char *unit;
	} u[] = {{1000000000ULL, "Gbit/s"}, {1000000ULL, "Mbit/s"}, {1000ULL, "kbit/s"}};
	size_t i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		if (bps < u[i].div)
			continue;
		if (bps % u[i].div == 0)
			snprintf(buf, len, "%llu %s", bps / u[i].div, u[i].unit);
		else
			snprintf(buf, len, "%.3g %s", (double)bps / (double)u[i].div, u[i].unit);
		return;
	}
	snprintf(buf, len, "%llu bit/s", bps);
}

/* Text inside a DOT double-quoted string: quote and backslash escaped,
 * control characters dropped (a name never needs them). */
static void put_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
}

static void put_rm_id(FILE *f, const struct vnm_host *h)
{
	fputs("\"rm:", f);
	put_esc(f, h->name);
	fputc('"', f);
}

static void put_vr_id(FILE *f, const struct vnm_vr *vr)
{
	fputs("\"vr:", f);
	put_esc(f, vr->vn->name);
	fputc('/', f);
	put_esc(f, vr->name);
	fputc('"', f);
}

static const char *vn_color(const struct vnm_model *m, const struct vnm_vn *vn)
{
	size_t i = (size_t)(vn - m->vns);

	return vn_colors[i % (sizeof(vn_colors) / sizeof(vn_colors[0]))];
}

static void write_host(FILE *f, const struct vnm_host *h)
{
	fputs("    ", f);
	put_rm_id(f, h);
	fputs(" [shape=box3d, style=filled, fillcolor=white, label=\"", f);
	put_esc(f, h->name);
	if (h->uri) {
		fputs("\\n", f);
		put_esc(f, h->uri);
	}
	if (h->tunnel_addr) {
		fputs("\\ntunnel ", f);
		put_esc(f, h->tunnel_addr);
	}
	if (h->netns) {
		fputs("\\nnetns ", f);
		put_esc(f, h->netns);
	}
	fputs("\"];\n", f);
}

static void write_plink(FILE *f, const struct vnm_plink *pl)
{
	char rate[32];

	if (!pl->src || !pl->dst || !pl->src->host || !pl->dst->host)
		return; /* dangling: nothing to draw between */
	vnm_dot_rate(pl->capacity, rate, sizeof(rate));
	fputs("    ", f);
	put_rm_id(f, pl->src->host);
	fputs(" -- ", f);
	put_rm_id(f, pl->dst->host);
	fputs(" [penwidth=3, label=\"", f);
	put_esc(f, pl->name);
	fprintf(f, "\\n%s", pl->capacity ? rate : "capacity not set");
	fputs("\", taillabel=\"", f);
	put_esc(f, pl->src->ifname);
	fputs("\", headlabel=\"", f);
	put_esc(f, pl->dst->ifname);
	fputs("\", fontsize=10];\n", f);
}

static void write_vl(FILE *f, const struct vnm_vl *vl, const char *color)
{
	char rate[32];
	size_t i;

	if (!vl->a || !vl->b)
		return;
	fputs("    ", f);
	put_vr_id(f, vl->a->vr);
	fputs(" -- ", f);
	put_vr_id(f, vl->b->vr);
	fprintf(f, " [color=\"%s\", penwidth=2, label=\"", color);
	put_esc(f, vl->name);
	if (vl->guaranteed) {
		vnm_dot_rate(vl->guaranteed, rate, sizeof(rate));
		fprintf(f, "\\nguaranteed %s", rate);
	}
	if (vl->limit) {
		vnm_dot_rate(vl->limit, rate, sizeof(rate));
		fprintf(f, "\\nlimit %s", rate);
	}
	if (vl->n_plinks) {
		fputs("\\nover ", f);
		for (i = 0; i < vl->n_plinks; i++) {
			if (i)
				fputs(", ", f);
			put_esc(f, vl->plinks[i]->name);
		}
	} else if (vl->a->vr->host && vl->a->vr->host == vl->b->vr->host) {
		fputs("\\nsame host", f);
	}
	fputs("\", taillabel=\"", f);
	put_esc(f, vl->a->name);
	fputs("\", headlabel=\"", f);
	put_esc(f, vl->b->name);
	fputs("\", fontsize=10];\n", f);
}

static void write_vn(FILE *f, const struct vnm_model *m, const struct vnm_vn *vn)
{
	const char *color = vn_color(m, vn);
	size_t i;

	fputs("  subgraph \"cluster_vn:", f);
	put_esc(f, vn->name);
	fputs("\" {\n    label=\"", f);
	put_esc(f, vn->name);
	fprintf(f, "%s\";\n    color=\"%s\";\n    fontcolor=\"%s\";\n",
		vn->admin == VNM_ADMIN_RUNNING ? "" :
		vn->admin == VNM_ADMIN_PAUSED ? " (paused)" : " (stopped)", color, color);
	for (i = 0; i < vn->n_vrs; i++) {
		fputs("    ", f);
		put_vr_id(f, vn->vrs[i]);
		fprintf(f, " [shape=ellipse, color=\"%s\", label=\"", color);
		put_esc(f, vn->vrs[i]->name);
		fputs("\"];\n", f);
	}
	for (i = 0; i < vn->n_vls; i++)
		write_vl(f, vn->vls[i], color);
	fputs("  }\n", f);
}

int vnm_dot_write(const struct vnm_model *m, FILE *f, struct vnm_err *err)
{
	size_t i;

	fputs("graph vnmd {\n"
	      "  graph [fontname=\"Helvetica\", rankdir=TB, nodesep=0.6, ranksep=0.9];\n"
	      "  node [fontname=\"Helvetica\"];\n"
	      "  edge [fontname=\"Helvetica\"];\n", f);
	for (i = 0; i < m->n_vns; i++)
		write_vn(f, m, &m->vns[i]);
	if (m->n_hosts || m->n_plinks) {
		fputs("  subgraph \"cluster_underlay\" {\n    label=\"", f);
		put_esc(f, m->underlay ? m->underlay : "underlay");
		fputs(" (physical network)\";\n    style=filled;\n    fillcolor=\"#eeeeee\";\n"
		      "    color=\"#999999\";\n", f);
		for (i = 0; i < m->n_hosts; i++)
			write_host(f, &m->hosts[i]);
		for (i = 0; i < m->n_plinks; i++)
			write_plink(f, &m->plinks[i]);
		fputs("  }\n", f);
	}
	/* which VR lives on which RM */
	for (i = 0; i < m->n_vrs; i++) {
		const struct vnm_vr *vr = &m->vrs[i];

		if (!vr->host)
			continue;
		fputs("  ", f);
		put_vr_id(f, vr);
		fputs(" -- ", f);
		put_rm_id(f, vr->host);
		fprintf(f, " [style=dotted, color=\"%s\"];\n", vn_color(m, vr->vn));
	}
	fputs("}\n", f);
	if (fflush(f) == EOF || ferror(f))
		return vnm_err_set(err, VNM_E_DRIVER, NULL,
				   "topology picture: cannot write the DOT output: %s",
				   strerror(errno));
	return 0;
}

int vnm_dot_render(const struct vnm_model *m, char **out, struct vnm_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc = -1;

	*out = NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "topology picture: out of memory");
	if (vnm_dot_write(m, f, err) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	if (fclose(f) == EOF && !rc)
		rc = vnm_err_set(err, VNM_E_NOMEM, NULL, "topology picture: out of memory");
	if (rc < 0)
		free(buf);
	else
		*out = buf;
	return rc;
}
