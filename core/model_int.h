/*
 * model_int.h - what vnm_model_build() records besides the public structs,
 * for vnm_validate() (private to model.c and validate.c).
 *
 * The public structs keep only resolved pointers; a dangling reference is a
 * NULL pointer there.  To say *what* dangles, and to see what the structs
 * cannot hold (a second underlay, a vNIC claimed by two VLs, references into
 * the wrong network), the builder keeps the references as written here, in
 * arrays parallel to the model's arrays (index = object - m->array).
 */
#ifndef VNM_MODEL_INT_H
#define VNM_MODEL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct vnm_htab;

struct vnm_vn_x {
	size_t n_supnets;     /* supporting-network entries */
	char *supnet;         /* the first one's network-ref, or NULL */
};

struct vnm_vr_x {
	size_t n_supnodes;    /* supporting-node entries */
	char *supnode_net;    /* the first one's network-ref, or NULL */
	int has_image;        /* kernel or disk set */
};

struct vnm_plink_x {
	char *src_node, *src_tp, *dst_node, *dst_tp; /* as written, or NULL */
	int has_phys;         /* the physical-link container exists */
};

struct vnm_vl_x {
	char *src_node, *src_tp, *dst_node, *dst_tp; /* as written, or NULL */
	char **link_refs;     /* supporting-link link-refs, parallel to vl->plinks */
	char *bad_link_net;   /* a supporting-link network-ref that is not the underlay */
	struct vnm_vl *a_taken_by; /* the VL that already holds vnic a, or NULL */
	struct vnm_vl *b_taken_by; /* the VL that already holds vnic b, or NULL */
	int vni_configured;
};

struct vnm_model_index {
	struct vnm_htab *hosts, *plinks, *vns, *vrs, *vls;
	struct vnm_vn_x *vn_x;
	struct vnm_vr_x *vr_x;
	struct vnm_plink_x *plink_x;
	struct vnm_vl_x *vl_x;
	char *underlay2;      /* network-id of a second underlay, or NULL */
	char *both_marked;    /* a network marked physical and virtual, or NULL */
};

/* FNV-1a over the strings s[0..n-1], each followed by a NUL (so that
 * "a/b","c" and "a","b/c" differ). */
uint32_t vnm_fnv1a(const char *const *s, size_t n);

/* vnm_validate_with(), reporting every error to cb (in rule order) instead
 * of stopping at the first; first (may be NULL) gets the first error.
 * Returns 0 when the model is valid, else -1. */
/* The rules a change of vl's guaranteed-rate or rate-limit can break: the
 * guarantee within the limit, admission on each physical link vl rides
 * (vnm_core_set_leaves: a change checked in time of its own links). */
int vnm_validate_vl_rates(const struct vnm_model *m, const struct vnm_vl *vl,
			  struct vnm_err *err);
typedef vnm_err_cb vnm_validate_cb;
int vnm_validate_all(const struct vnm_model *m, const struct vnm_uri_policy *uris,
		     vnm_validate_cb cb, void *arg, struct vnm_err *first);

/* XPath of objects, for err->path. */
void vnm_path_network(char *buf, size_t len, const char *net);
void vnm_path_node(char *buf, size_t len, const char *net, const char *node);
void vnm_path_link(char *buf, size_t len, const char *net, const char *link);
void vnm_path_tp(char *buf, size_t len, const char *net, const char *node, const char *tp);

#endif
