/* frame_util.c - see frame_util.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "frame_util.h"

size_t ut_unchunk(const char *p, size_t len, char *out, const char *end_mark)
{
	size_t i = 0, o = 0, m = strlen(end_mark);
	unsigned long v;
	char *e;

	while (i < len) {
		assert_true(len - i >= 4 && p[i] == '\n' && p[i + 1] == '#');
		if (p[i + 2] == '#') {
			memcpy(out + o, end_mark, m);
			o += m;
			i += 4;
			continue;
		}
		v = strtoul(p + i + 2, &e, 10);
		assert_true(*e == '\n' && v > 0);
		i = (size_t)(e + 1 - p);
		memcpy(out + o, p + i, v);
		o += v;
		i += v;
	}
	return o;
}
