/*
 * encap.c - the link driver's table of encapsulations: how a VL crosses
 * hosts.  One row per technology, each in its own file (encap_NAME.c);
 * this file only lists them and looks them up.  The first row is the
 * default (a VL without an `encapsulation` leaf).
 *
 * A new technology is one file with its row, one line in rows[] below and
 * one enum in the YANG leaf `encapsulation`.
 */
#include "link_int.h"

#include <string.h>

static const struct vnm_lnl_encap *const rows[] = {
	&vnm_lnl_encap_vxlan,
};

const struct vnm_lnl_encap *vnm_lnl_encap_find(const char *name)
{
	size_t i;

	if (!name)
		return rows[0];
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!strcmp(rows[i]->name, name))
			return rows[i];
	return NULL;
}

int vnm_lnl_encap_overhead(const char *name)
{
	const struct vnm_lnl_encap *e = vnm_lnl_encap_find(name);

	return e ? (int)e->overhead : -1;
}

int64_t vnm_lnl_encap_key_of(uint32_t val, uint32_t mask, int off)
{
	int64_t key;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if ((key = rows[i]->key_of(val, mask, off)) >= 0)
			return key;
	return -1;
}
