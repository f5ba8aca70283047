/*
 * oper_text_p.h - what oper_text.c (the networks' text and its state) and
 * oper_patch.c (a text patched after a rate change) share.  Private to
 * the two.
 */
#ifndef VNM_OPER_TEXT_P_H
#define VNM_OPER_TEXT_P_H

#include <stdbool.h>
#include <stddef.h>

#include <libyang/libyang.h>

#include "oper_text.h"

enum sp_kind { SP_NET, SP_VR, SP_TP, SP_VL };
enum sp_how {
	SP_INSIDE,  /* off: the container's close tag */
	SP_EMPTY,   /* off: the "/>" of the container printed empty */
	SP_ABSENT,  /* off: the parent's close tag; the container is not printed */
};

struct splice {
	unsigned char kind, how;
	char *vn, *a, *b;        /* keys: network; node or link; tp ("" when none) */
};

/* The places of a configuration's text, shared by the texts patched from
 * it (vnm_nets_text_patch: the same places, moved). */
struct places {
	int refs;
	struct splice *sp;       /* in the text's order */
	size_t n, cap;
	size_t *idx;             /* hash table of places: index + 1, 0 empty */
	size_t mask;
};

struct vnm_nets_text {
	int refs;
	const struct ly_ctx *ctx;
	char *text;
	size_t len;
	struct places *pl;
	size_t *off;             /* per place: where it is in text */
	char *ns;                /* vnmd's namespace */
	const struct lysc_node *s_vnet, *s_router, *s_vnic, *s_vl, *s_uuid, *s_disc;
	bool oom;
};

/* A growing output buffer; oom once an allocation failed. */
struct obuf {
	char *p;
	size_t len, cap;
	bool oom;
};

void vnm_ot_put(struct obuf *o, const char *s, size_t n);
void vnm_ot_puts(struct obuf *o, const char *s);
/* Text content, escaped as libyang escapes it. */
void vnm_ot_put_esc(struct obuf *o, const char *s);
/* The index of the place of kind with keys vn, a, b in t, or -1. */
long vnm_ot_find_sp(const struct vnm_nets_text *t, int kind, const char *vn, const char *a,
		    const char *b);

#endif
