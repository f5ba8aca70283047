/*
 * file.c - a whole file into memory (see file.h).
 */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int vnm_file_read(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	long len = 0;
	int e = 0;

	*out = NULL;
	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		e = errno;
	else if (!(buf = malloc((size_t)len + 1)))
		e = ENOMEM;
	else if (fread(buf, 1, (size_t)len, f) != (size_t)len)
		e = ferror(f) && errno ? errno : EIO;
	fclose(f);
	if (e) {
		free(buf);
		errno = e;
		return -2;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}
