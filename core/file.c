/*
 * file.c - a whole file into memory, and the writes the stores share
 * (see file.h).
 */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int vnm_file_write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int vnm_file_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

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
