/*
 * link_bpfsys.c - the bpf(2) calls of the shared datapath (link_bpfsys.h).
 */
#include "link_bpfsys.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int vnm_bpf_sys(int cmd, union bpf_attr *a)
{
	long rc = syscall(__NR_bpf, cmd, a, sizeof(*a));

	return rc < 0 ? -errno : (int)rc;
}

int vnm_bpf_map_update(int fd, uint32_t key, const void *val, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)val;
	a.flags = flags;
	return vnm_bpf_sys(BPF_MAP_UPDATE_ELEM, &a);
}

int vnm_bpf_map_lookup(int fd, uint32_t key, void *val)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)val;
	return vnm_bpf_sys(BPF_MAP_LOOKUP_ELEM, &a);
}

int vnm_bpf_map_delete(int fd, uint32_t key)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)&key;
	return vnm_bpf_sys(BPF_MAP_DELETE_ELEM, &a);
}

int vnm_bpf_map_next(int fd, const uint32_t *prev, uint32_t *next)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = prev ? (uint64_t)(uintptr_t)prev : 0;
	a.next_key = (uint64_t)(uintptr_t)next;
	return vnm_bpf_sys(BPF_MAP_GET_NEXT_KEY, &a);
}

int vnm_bpf_obj_info(int fd, void *info, uint32_t len)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = len;
	a.info.info = (uint64_t)(uintptr_t)info;
	return vnm_bpf_sys(BPF_OBJ_GET_INFO_BY_FD, &a);
}
