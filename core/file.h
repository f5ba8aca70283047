/*
 * file.h - a whole file into memory, for the stores and the configuration
 * parser of core/.
 */
#ifndef VNM_FILE_H
#define VNM_FILE_H

/* The whole of path, NUL-terminated, in *out (the caller frees it).  0; -1
 * when it cannot be opened, -2 when it cannot be read; errno says why
 * (ENOMEM when out of memory, EIO on a short read). */
int vnm_file_read(const char *path, char **out);

#include <stddef.h>

/* Write all of buf to fd (short writes and EINTR retried): 0, or -1 with
 * errno. */
int vnm_file_write_all(int fd, const char *buf, size_t len);
/* fsync(2) of a directory, making a rename or a new file in it durable:
 * 0, or -1 with errno. */
int vnm_file_fsync_dir(const char *dir);

#endif
