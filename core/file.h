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

#endif
