/*
 * link_bpfsys.h - the bpf(2) calls of the shared datapath (link_bpfsys.c):
 * the system call and its map commands on 32-bit keys.  Each returns 0 (or
 * a file descriptor) or -errno.
 */
#ifndef VNM_LINK_BPFSYS_H
#define VNM_LINK_BPFSYS_H

#include <stdint.h>

#include <linux/bpf.h>

int vnm_bpf_sys(int cmd, union bpf_attr *a);
int vnm_bpf_map_update(int fd, uint32_t key, const void *val, uint64_t flags);
int vnm_bpf_map_lookup(int fd, uint32_t key, void *val);
int vnm_bpf_map_delete(int fd, uint32_t key);
/* The key after *prev (NULL: the first); -ENOENT after the last. */
int vnm_bpf_map_next(int fd, const uint32_t *prev, uint32_t *next);
/* BPF_OBJ_GET_INFO_BY_FD into info (len bytes). */
int vnm_bpf_obj_info(int fd, void *info, uint32_t len);

#endif
