/*
 * cfg_gen.h - configurations for tests and benchmarks, written as XML.
 *
 * cg_figure4(): the paper's Figure 4: four RMs in a ring of physical links,
 * two VNs of four VRs each (one VR of each VN per RM).  VN a's VLs follow
 * physical links one to one; VN b's do not (two of them ride two physical
 * links, one rides the ring's closing link).  Knobs change one thing at a
 * time for the modify tests.
 *
 * cg_big(): n_vns VNs, each a ring of per_vn VRs and per_vn VLs, spread
 * over five pairs of RMs, every VL with an explicit guarantee; changed >= 0
 * gives that VL (counted over all VNs) another guarantee.
 *
 * Header-only (static inline) so that tests and tests/tools share it.
 */
#ifndef VNM_TEST_CFG_GEN_H
#define VNM_TEST_CFG_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The opening of a <networks> element with the prefixes the tests use
 * (nt:, vnm:), and an underlay of one host, h1, for tests that write
 * small configurations by hand. */
#define NETS "<networks xmlns=\"urn:ietf:params:xml:ns:yang:ietf-network\" " \
	     "xmlns:nt=\"urn:ietf:params:xml:ns:yang:ietf-network-topology\" " \
	     "xmlns:vnm=\"urn:vnmd:yang:vnmd\">"
#define UNDERLAY "<network><network-id>underlay</network-id><network-types>" \
		 "<vnm:physical-network/></network-types><node><node-id>h1</node-id>" \
		 "</node></network>"

struct cg {
	FILE *f;
	char *buf;
	size_t len;
};

static inline void cg_begin(struct cg *g)
{
	g->buf = NULL;
	g->len = 0;
	g->f = open_memstream(&g->buf, &g->len);
	if (!g->f)
		abort();
	fputs("<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">\n"
	      "<networks xmlns=\"urn:ietf:params:xml:ns:yang:ietf-network\""
	      " xmlns:nt=\"urn:ietf:params:xml:ns:yang:ietf-network-topology\""
	      " xmlns:vnm=\"urn:vnmd:yang:vnmd\">\n", g->f);
}

static inline char *cg_end(struct cg *g)
{
	fputs("</networks>\n</config>\n", g->f);
	fclose(g->f);
	return g->buf;
}

static inline void cg_underlay(struct cg *g)
{
	fputs("<network><network-id>underlay</network-id>"
	      "<network-types><vnm:physical-network/></network-types>\n", g->f);
}

static inline void cg_net_end(struct cg *g)
{
	fputs("</network>\n", g->f);
}

/* A host with the given interfaces (NULL-terminated). */
static inline void cg_host(struct cg *g, const char *name, const char *const *tps)
{
	fprintf(g->f, "<node><node-id>%s</node-id><vnm:host>"
		      "<vnm:libvirt-uri>test:///default</vnm:libvirt-uri></vnm:host>", name);
	for (; tps && *tps; tps++)
		fprintf(g->f, "<nt:termination-point><nt:tp-id>%s</nt:tp-id></nt:termination-point>",
			*tps);
	fputs("</node>\n", g->f);
}

static inline void cg_plink(struct cg *g, const char *name, const char *src, const char *stp,
			    const char *dst, const char *dtp, uint64_t cap)
{
	fprintf(g->f,
		"<nt:link><nt:link-id>%s</nt:link-id>"
		"<nt:source><nt:source-node>%s</nt:source-node><nt:source-tp>%s</nt:source-tp></nt:source>"
		"<nt:destination><nt:dest-node>%s</nt:dest-node><nt:dest-tp>%s</nt:dest-tp></nt:destination>"
		"<vnm:physical-link><vnm:capacity>%llu</vnm:capacity></vnm:physical-link></nt:link>\n",
		name, src, stp, dst, dtp, (unsigned long long)cap);
}

static inline void cg_vn(struct cg *g, const char *name, const char *admin)
{
	fprintf(g->f, "<network><network-id>%s</network-id>"
		      "<network-types><vnm:virtual-network/></network-types>"
		      "<supporting-network><network-ref>underlay</network-ref></supporting-network>",
		name);
	if (admin)
		fprintf(g->f, "<vnm:virtual-network><vnm:admin-state>%s</vnm:admin-state>"
			      "</vnm:virtual-network>", admin);
	fputc('\n', g->f);
}

struct cg_vr {
	const char *name, *host;
	unsigned n_nics;          /* eth0 .. eth<n-1> */
	unsigned vcpus;           /* 0: default */
	unsigned memory;          /* 0: default */
	const char *cmdline;      /* NULL: "console=ttyS0" */
	const char *admin;        /* NULL: default */
};

static inline void cg_router(struct cg *g, const struct cg_vr *r)
{
	unsigned i;

	fprintf(g->f, "<node><node-id>%s</node-id><supporting-node><network-ref>underlay"
		      "</network-ref><node-ref>%s</node-ref></supporting-node>", r->name, r->host);
	for (i = 0; i < r->n_nics; i++)
		fprintf(g->f, "<nt:termination-point><nt:tp-id>eth%u</nt:tp-id>"
			      "</nt:termination-point>", i);
	fputs("<vnm:router>", g->f);
	if (r->vcpus)
		fprintf(g->f, "<vnm:vcpus>%u</vnm:vcpus>", r->vcpus);
	if (r->memory)
		fprintf(g->f, "<vnm:memory>%u</vnm:memory>", r->memory);
	fprintf(g->f, "<vnm:image><vnm:kernel>/var/lib/vnmd/images/vmlinuz</vnm:kernel>"
		      "<vnm:cmdline>%s</vnm:cmdline></vnm:image>",
		r->cmdline ? r->cmdline : "console=ttyS0");
	if (r->admin)
		fprintf(g->f, "<vnm:admin-state>%s</vnm:admin-state>", r->admin);
	fputs("</vnm:router></node>\n", g->f);
}

struct cg_vl {
	const char *name, *src, *stp, *dst, *dtp;
	const char *plinks[3];    /* NULL-terminated (at most 2) */
	uint64_t guaranteed, limit; /* 0: not set */
	uint32_t delay;
	bool disabled;            /* <enabled>false</enabled> */
};

static inline void cg_vlink(struct cg *g, const struct cg_vl *l)
{
	unsigned i;

	fprintf(g->f,
		"<nt:link><nt:link-id>%s</nt:link-id>"
		"<nt:source><nt:source-node>%s</nt:source-node><nt:source-tp>%s</nt:source-tp></nt:source>"
		"<nt:destination><nt:dest-node>%s</nt:dest-node><nt:dest-tp>%s</nt:dest-tp></nt:destination>",
		l->name, l->src, l->stp, l->dst, l->dtp);
	for (i = 0; i < 2 && l->plinks[i]; i++)
		fprintf(g->f, "<nt:supporting-link><nt:network-ref>underlay</nt:network-ref>"
			      "<nt:link-ref>%s</nt:link-ref></nt:supporting-link>", l->plinks[i]);
	fputs("<vnm:virtual-link>", g->f);
	if (l->guaranteed)
		fprintf(g->f, "<vnm:guaranteed-rate>%llu</vnm:guaranteed-rate>",
			(unsigned long long)l->guaranteed);
	if (l->limit)
		fprintf(g->f, "<vnm:rate-limit>%llu</vnm:rate-limit>", (unsigned long long)l->limit);
	if (l->delay)
		fprintf(g->f, "<vnm:delay>%u</vnm:delay>", l->delay);
	if (l->disabled)
		fprintf(g->f, "<vnm:enabled>false</vnm:enabled>");
	fputs("</vnm:virtual-link></nt:link>\n", g->f);
}

/* ------------------------------------------------------------------ */

struct fig4_knobs {
	uint64_t la12_guaranteed;  /* 0: 10 Mbit/s */
	uint64_t la23_limit;       /* 0: 50 Mbit/s */
	uint64_t pl12_capacity;    /* 0: 100 Mbit/s */
	unsigned a1_vcpus;         /* 0: 1 */
	const char *vnb_admin;     /* NULL: running */
	const char *b3_admin;      /* NULL: running */
	const char *a2_cmdline;    /* NULL: default (an image change) */
	bool a4_extra;             /* a4 gets eth2 and VL la14 to a1's new eth1 */
	bool drop_lb24;            /* remove VL lb24 */
	uint32_t lb14_delay;       /* needs netem */
	bool b2_on_rm3;            /* move b2 to another host */
	bool la23_disabled;        /* VL la23's enabled is false */
};

static inline char *cg_figure4(const struct fig4_knobs *k)
{
	static const char *const rm1[] = {"p12", "p14", NULL}, *const rm2[] = {"p21", "p23", NULL},
				 *const rm3[] = {"p32", "p34", NULL}, *const rm4[] = {"p43", "p41", NULL};
	struct cg g;
	struct cg_vr vr;
	struct cg_vl vl;

	cg_begin(&g);
	cg_underlay(&g);
	cg_host(&g, "rm1", rm1);
	cg_host(&g, "rm2", rm2);
	cg_host(&g, "rm3", rm3);
	cg_host(&g, "rm4", rm4);
	cg_plink(&g, "pl12", "rm1", "p12", "rm2", "p21", k->pl12_capacity ? k->pl12_capacity : 100000000);
	cg_plink(&g, "pl23", "rm2", "p23", "rm3", "p32", 100000000);
	cg_plink(&g, "pl34", "rm3", "p34", "rm4", "p43", 100000000);
	cg_plink(&g, "pl41", "rm4", "p41", "rm1", "p14", 100000000);
	cg_net_end(&g);

	/* VN a: a1 - a2 - a3 - a4 along the ring */
	cg_vn(&g, "vn-a", NULL);
	vr = (struct cg_vr){.name = "a1", .host = "rm1", .n_nics = k->a4_extra ? 2 : 1,
			    .vcpus = k->a1_vcpus};
	cg_router(&g, &vr);
	vr = (struct cg_vr){.name = "a2", .host = "rm2", .n_nics = 2, .cmdline = k->a2_cmdline};
	cg_router(&g, &vr);
	vr = (struct cg_vr){.name = "a3", .host = "rm3", .n_nics = 2};
	cg_router(&g, &vr);
	vr = (struct cg_vr){.name = "a4", .host = "rm4", .n_nics = k->a4_extra ? 3 : 2};
	cg_router(&g, &vr);
	vl = (struct cg_vl){.name = "la12", .src = "a1", .stp = "eth0", .dst = "a2", .dtp = "eth0",
			    .plinks = {"pl12"},
			    .guaranteed = k->la12_guaranteed ? k->la12_guaranteed : 10000000};
	cg_vlink(&g, &vl);
	vl = (struct cg_vl){.name = "la23", .src = "a2", .stp = "eth1", .dst = "a3", .dtp = "eth0",
			    .plinks = {"pl23"}, .limit = k->la23_limit ? k->la23_limit : 50000000,
			    .disabled = k->la23_disabled};
	cg_vlink(&g, &vl);
	vl = (struct cg_vl){.name = "la34", .src = "a3", .stp = "eth1", .dst = "a4", .dtp = "eth0",
			    .plinks = {"pl34"}};
	cg_vlink(&g, &vl);
	if (k->a4_extra) {
		vl = (struct cg_vl){.name = "la14", .src = "a4", .stp = "eth2", .dst = "a1",
				    .dtp = "eth1", .plinks = {"pl41"}};
		cg_vlink(&g, &vl);
	}
	cg_net_end(&g);

	/* VN b: its VLs are not the physical links */
	cg_vn(&g, "vn-b", k->vnb_admin);
	vr = (struct cg_vr){.name = "b1", .host = "rm1", .n_nics = 2};
	cg_router(&g, &vr);
	vr = (struct cg_vr){.name = "b2", .host = k->b2_on_rm3 ? "rm3" : "rm2", .n_nics = 1};
	cg_router(&g, &vr);
	vr = (struct cg_vr){.name = "b3", .host = "rm3", .n_nics = k->drop_lb24 ? 2 : 1,
			    .admin = k->b3_admin};
	cg_router(&g, &vr);
	vr = (struct cg_vr){.name = "b4", .host = "rm4", .n_nics = 2};
	cg_router(&g, &vr);
	vl = (struct cg_vl){.name = "lb13", .src = "b1", .stp = "eth0", .dst = "b3", .dtp = "eth0",
			    .plinks = {"pl12", "pl23"}};
	cg_vlink(&g, &vl);
	if (!k->drop_lb24) {
		if (k->b2_on_rm3)
			vl = (struct cg_vl){.name = "lb24", .src = "b2", .stp = "eth0", .dst = "b4",
					    .dtp = "eth0", .plinks = {"pl34"}};
		else
			vl = (struct cg_vl){.name = "lb24", .src = "b2", .stp = "eth0", .dst = "b4",
					    .dtp = "eth0", .plinks = {"pl23", "pl34"}};
		cg_vlink(&g, &vl);
	}
	vl = (struct cg_vl){.name = "lb14", .src = "b1", .stp = "eth1", .dst = "b4", .dtp = "eth1",
			    .plinks = {"pl41"}, .delay = k->lb14_delay};
	cg_vlink(&g, &vl);
	if (k->drop_lb24) {
		/* keep VN b connected without lb24: b2 reaches b3 */
		vl = (struct cg_vl){.name = "lb23", .src = "b2", .stp = "eth0", .dst = "b3",
				    .dtp = "eth1", .plinks = {"pl23"}};
		cg_vlink(&g, &vl);
	}
	cg_net_end(&g);
	return cg_end(&g);
}

/* ------------------------------------------------------------------ */

static inline char *cg_big(unsigned n_vns, unsigned per_vn, long changed, uint64_t new_guarantee)
{
	struct cg g;
	char name[64], r1[32], r2[32], h[32], h2[32], pl[32], tp[32], ln[32];
	unsigned v, i, n_pairs = 5;
	const char *tps[2] = {tp, NULL};
	long idx = 0;

	cg_begin(&g);
	cg_underlay(&g);
	for (i = 0; i < n_pairs; i++) {
		snprintf(h, sizeof(h), "rm%u", 2 * i + 1);
		snprintf(tp, sizeof(tp), "up%u", i);
		cg_host(&g, h, tps);
		snprintf(h, sizeof(h), "rm%u", 2 * i + 2);
		cg_host(&g, h, tps);
	}
	for (i = 0; i < n_pairs; i++) {
		snprintf(h, sizeof(h), "rm%u", 2 * i + 1);
		snprintf(h2, sizeof(h2), "rm%u", 2 * i + 2);
		snprintf(tp, sizeof(tp), "up%u", i);
		snprintf(pl, sizeof(pl), "pl%u", i);
		cg_plink(&g, pl, h, tp, h2, tp, 100000000000ULL);
	}
	cg_net_end(&g);
	/* Each VN is a ring of per_vn VRs with two vNICs each, alternating
	 * between the two RMs of a pair, so that its VLs cross the pair's
	 * physical link (per_vn odd: one VL stays on one RM). */
	for (v = 0; v < n_vns; v++) {
		unsigned pair = v % n_pairs;
		struct cg_vr vr;

		snprintf(name, sizeof(name), "vn%u", v);
		cg_vn(&g, name, NULL);
		snprintf(h, sizeof(h), "rm%u", 2 * pair + 1);
		snprintf(h2, sizeof(h2), "rm%u", 2 * pair + 2);
		for (i = 0; i < per_vn; i++) {
			snprintf(r1, sizeof(r1), "r%u", i);
			vr = (struct cg_vr){.name = r1, .host = i % 2 ? h2 : h, .n_nics = 2};
			cg_router(&g, &vr);
		}
		snprintf(pl, sizeof(pl), "pl%u", pair);
		for (i = 0; i < per_vn; i++, idx++) {
			unsigned j = (i + 1) % per_vn;
			struct cg_vl vl;

			snprintf(r1, sizeof(r1), "r%u", i);
			snprintf(r2, sizeof(r2), "r%u", j);
			snprintf(ln, sizeof(ln), "l%u", i);
			vl = (struct cg_vl){.name = ln, .src = r1, .stp = "eth0", .dst = r2, .dtp = "eth1",
					    .guaranteed = idx == changed ? new_guarantee : 1000000};
			if (i % 2 != j % 2)
				vl.plinks[0] = pl;
			cg_vlink(&g, &vl);
		}
		cg_net_end(&g);
	}
	return cg_end(&g);
}

#endif
