/*
 * vnm_dot - a picture of a configuration, and the names vnmd derives.
 *
 *   vnm_dot CONFIG.xml > out.dot     Graphviz DOT (render: dot -Tpng)
 *   vnm_dot -n CONFIG.xml            one line per vNIC and per VL:
 *     vnic VN VR VNIC HOST NETNS|- TAP BRIDGE MAC DOMAIN
 *     vl VN VL HOST-A NETNS-A|- END-A HOST-B NETNS-B|- END-B
 *
 * The names are those of core/model.c (tap "vnt"+id, port bridge "vnb"+id),
 * for scripts that attach things next to a VR (tools/demo.sh).
 * Exit 0 on success, 1 when the file does not parse, 2 on usage errors.
 */
#include <stdio.h>
#include <string.h>

#include <libyang/libyang.h>

#include "dot.h"
#include "model.h"
#include "yctx.h"

static void names(const struct vnm_model *m)
{
	size_t i, j;

	for (i = 0; i < m->n_vrs; i++) {
		const struct vnm_vr *vr = &m->vrs[i];

		for (j = 0; j < vr->n_vnics; j++) {
			const struct vnm_vnic *nic = &vr->vnics[j];

			printf("vnic %s %s %s %s %s %s %s %s %s\n", vr->vn->name, vr->name, nic->name,
			       vr->host ? vr->host->name : "-",
			       vr->host && vr->host->netns ? vr->host->netns : "-",
			       nic->tap, nic->bridge, nic->mac,
			       vr->domain_name ? vr->domain_name : "-");
		}
	}
	for (i = 0; i < m->n_vls; i++) {
		const struct vnm_vl *vl = &m->vls[i];
		const struct vnm_host *ha = vl->a ? vl->a->vr->host : NULL;
		const struct vnm_host *hb = vl->b ? vl->b->vr->host : NULL;

		printf("vl %s %s %s %s %s %s %s %s\n", vl->vn->name, vl->name,
		       ha ? ha->name : "-", ha && ha->netns ? ha->netns : "-", vl->end_a,
		       hb ? hb->name : "-", hb && hb->netns ? hb->netns : "-", vl->end_b);
	}
}

int main(int argc, char **argv)
{
	struct ly_ctx *ctx = NULL;
	struct lyd_node *tree = NULL;
	struct vnm_model *m = NULL;
	struct vnm_err err;
	int list = 0, rc = 1;
	const char *file;

	if (argc == 3 && !strcmp(argv[1], "-n"))
		list = 1;
	if (argc != 2 + list || argv[1 + list][0] == '-') {
		fprintf(stderr, "usage: vnm_dot [-n] CONFIG.xml\n");
		return 2;
	}
	file = argv[1 + list];
	if (vnm_yctx_new(false, &ctx, &err) < 0 ||
	    vnm_config_parse_file(ctx, file, &tree, &err) < 0 ||
	    vnm_model_build(tree, &m, &err) < 0) {
		fprintf(stderr, "vnm_dot: %s: %s\n", file, err.msg);
		goto cleanup;
	}
	if (list) {
		names(m);
		rc = 0;
	} else if (vnm_dot_write(m, stdout, &err) < 0) {
		fprintf(stderr, "vnm_dot: %s\n", err.msg);
	} else {
		rc = 0;
	}
cleanup:
	vnm_model_free(m);
	lyd_free_all(tree);
	ly_ctx_destroy(ctx);
	return rc;
}
