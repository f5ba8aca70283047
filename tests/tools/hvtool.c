/*
 * hvtool - drive the libvirt hypervisor driver from scripts (tests, demo).
 *
 *   hvtool [options] COMMAND VN VR DOMAIN
 *
 * Each run is a fresh driver context, as a vnmd that just started.  The
 * router is described by options (the driver only needs these fields):
 *   -u URI        libvirt URI (default qemu:///system)
 *   -t TYPE       domain type: default, qemu or kvm
 *   -m MIB -c N   memory and vCPUs (default 128, 1)
 *   -k KERNEL -i INITRD -a CMDLINE -d DISK
 *   -n MAC,TAP,BRIDGE   a vNIC (repeat; attach/detach use the last one)
 *   -g GEN        configuration generation for the tag
 *   -T MS         graceful stop timeout
 *   -C VR,DOMAIN  the copy (copy), -H URI the destination (move)
 *   -w SECONDS    how long `events` listens
 * Commands: define undefine start pause stop status resources attach detach
 *           copy move list remove events type
 * Output is one line of key=value pairs; errors go to stderr, exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "hv_libvirt.h"
#include "uri_policy.h"

#define MAX_NICS 8

static void
on_event(void *arg, const char *vn, const char *vr, enum vnm_vr_oper st, const char *reason)
{
	(void)arg;
	printf("event vn=%s vr=%s state=%s reason=\"%s\"\n", vn, vr, vnm_vr_oper_str(st), reason);
	fflush(stdout);
}

static int
usage(void)
{
	fprintf(stderr, "usage: hvtool [-u uri] [-t type] [-m mib] [-c vcpus] [-k kernel] "
		"[-i initrd] [-a cmdline] [-d disk] [-n mac,tap,bridge]... [-g gen] [-T ms] "
		"[-C vr,domain] [-H uri] [-w s] COMMAND VN VR DOMAIN\n");
	return 2;
}

static int
parse_nic(struct vnm_vnic *n, struct vnm_vr *vr, const char *arg, int i)
{
	char buf[128], *mac, *tap, *br, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	mac = strtok_r(buf, ",", &save);
	tap = strtok_r(NULL, ",", &save);
	br = strtok_r(NULL, ",", &save);
	if (!mac || !tap || !br)
		return -1;
	memset(n, 0, sizeof(*n));
	n->vr = vr;
	snprintf(n->mac, sizeof(n->mac), "%s", mac);
	snprintf(n->tap, sizeof(n->tap), "%s", tap);
	snprintf(n->bridge, sizeof(n->bridge), "%s", br);
	n->name = strdup(i == 0 ? "eth0" : tap);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct vnm_vnic nics[MAX_NICS], cnics[MAX_NICS];
	struct vnm_host host = {.name = "rm1"}, dst = {.name = "rm2"};
	struct vnm_vn vn = {0};
	struct vnm_vr vr = {0}, copy;
	struct vnm_err err = {0};
	struct vnm_vr_status st;
	struct vnm_own_list l = {0};
	const struct vnm_hv_ops *ops = &vnm_hv_libvirt_ops;
	char *copyspec = NULL, *p, dtype[16];
	unsigned long gen = 1, wait_s = 5;
	int opt, n_nics = 0, rc = 1;
	long timeout_ms = -1;
	const char *cmd, *allow[2];
	struct vnm_uri_policy uris = {.allow = allow, .n_allow = 2};
	void *ctx = NULL;
	bool live;
	size_t i;

	vr.vcpus = 1;
	vr.memory_mib = 128;
	host.uri = "qemu:///system";
	while ((opt = getopt(argc, argv, "u:t:m:c:k:i:a:d:n:g:T:C:H:w:")) != -1) {
		switch (opt) {
		case 'u': host.uri = optarg; break;
		case 't':
			host.domain_type = !strcmp(optarg, "kvm") ? VNM_DT_KVM :
				!strcmp(optarg, "qemu") ? VNM_DT_QEMU : VNM_DT_DEFAULT;
			break;
		case 'm': vr.memory_mib = strtoul(optarg, NULL, 10); break;
		case 'c': vr.vcpus = strtoul(optarg, NULL, 10); break;
		case 'k': vr.kernel = optarg; break;
		case 'i': vr.initrd = optarg; break;
		case 'a': vr.cmdline = optarg; break;
		case 'd': vr.disk = optarg; break;
		case 'n':
			if (n_nics == MAX_NICS || parse_nic(&nics[n_nics], &vr, optarg, n_nics) < 0)
				return usage();
			n_nics++;
			break;
		case 'g': gen = strtoul(optarg, NULL, 10); break;
		case 'T': timeout_ms = strtol(optarg, NULL, 10); break;
		case 'C': copyspec = optarg; break;
		case 'H': dst.uri = optarg; break;
		case 'w': wait_s = strtoul(optarg, NULL, 10); break;
		default: return usage();
		}
	}
	if (argc - optind != 4)
		return usage();
	cmd = argv[optind];
	vn.name = argv[optind + 1];
	vr.name = argv[optind + 2];
	vr.domain_name = argv[optind + 3];
	vr.vn = &vn;
	vr.host = &host;
	vr.vnics = nics;
	vr.n_vnics = n_nics;

	if (vnm_hv_libvirt_new(host.uri, &ctx, &err) < 0)
		goto fail;
	/* the tool's user names the hypervisors (-u, -H), as vnmd's operator does */
	allow[0] = host.uri;
	allow[1] = dst.uri ? dst.uri : host.uri;
	vnm_hv_libvirt_set_uri_policy(ctx, &uris);
	if (timeout_ms >= 0)
		vnm_hv_libvirt_set_stop_timeout(ctx, (unsigned)timeout_ms);

	if (!strcmp(cmd, "define")) {
		if (ops->vr_define(ctx, &vr, gen, &err) < 0)
			goto fail;
	} else if (!strcmp(cmd, "undefine")) {
		if (ops->vr_undefine(ctx, &vr, &err) < 0)
			goto fail;
	} else if (!strcmp(cmd, "start") || !strcmp(cmd, "pause") || !strcmp(cmd, "stop")) {
		enum vnm_admin to = !strcmp(cmd, "start") ? VNM_ADMIN_RUNNING :
			!strcmp(cmd, "pause") ? VNM_ADMIN_PAUSED : VNM_ADMIN_STOPPED;

		if (ops->vr_set_state(ctx, &vr, to, &err) < 0)
			goto fail;
	} else if (!strcmp(cmd, "status")) {
		if (ops->vr_status(ctx, &vr, &st, &err) < 0)
			goto fail;
		printf("state=%s id=%d uuid=%s memory=%u vcpus=%u\n", vnm_vr_oper_str(st.state),
		       st.domain_id, st.uuid, st.memory_mib, st.vcpus);
	} else if (!strcmp(cmd, "resources")) {
		/* -m/-c are the new values; old ones are not needed by libvirt. */
		if (ops->vr_set_resources(ctx, &vr, &vr, &live, &err) < 0)
			goto fail;
		printf("live=%s\n", live ? "yes" : "no");
	} else if (!strcmp(cmd, "attach") || !strcmp(cmd, "detach")) {
		if (!n_nics)
			return usage();
		if ((cmd[0] == 'a' ? ops->vnic_attach : ops->vnic_detach)(ctx, &nics[n_nics - 1],
									  &err) < 0)
			goto fail;
	} else if (!strcmp(cmd, "copy")) {
		if (!copyspec || !(p = strchr(copyspec, ',')))
			return usage();
		*p = '\0';
		copy = vr;
		copy.name = copyspec;
		copy.domain_name = p + 1;
		copy.vnics = cnics;
		copy.n_vnics = 0;
		if (ops->vr_copy(ctx, &vr, &copy, &err) < 0)
			goto fail;
	} else if (!strcmp(cmd, "move")) {
		if (!dst.uri)
			return usage();
		if (ops->vr_move(ctx, &vr, &dst, &err) < 0)
			goto fail;
	} else if (!strcmp(cmd, "list")) {
		if (ops->list_own(ctx, &host, &l, &err) < 0)
			goto fail;
		for (i = 0; i < l.n; i++)
			printf("domain=%s vn=%s vr=%s generation=%llu\n", l.objs[i].name,
			       l.objs[i].vn, l.objs[i].obj, (unsigned long long)l.objs[i].generation);
	} else if (!strcmp(cmd, "remove")) {
		struct vnm_own_obj o = {.kind = VNM_OBJ_DOMAIN};

		snprintf(o.name, sizeof(o.name), "%s", vr.domain_name);
		if (ops->remove_own(ctx, &host, &o, &err) < 0)
			goto fail;
	} else if (!strcmp(cmd, "events")) {
		/* Open the connection (events flow from then on) and listen. */
		ops->set_event_cb(ctx, on_event, NULL);
		if (ops->list_own(ctx, &host, &l, &err) < 0)
			goto fail;
		printf("listening\n");
		fflush(stdout);
		sleep(wait_s);
	} else if (!strcmp(cmd, "type")) {
		if (vnm_hv_libvirt_domain_type(ctx, &host, dtype, sizeof(dtype), &err) < 0)
			goto fail;
		printf("type=%s\n", dtype);
	} else {
		return usage();
	}
	rc = 0;
	goto cleanup;
fail:
	fprintf(stderr, "hvtool %s: %s (%s)\n", cmd, err.msg, vnm_err_tag(err.code));
cleanup:
	vnm_own_list_free(&l);
	vnm_hv_libvirt_free(ctx);
	for (i = 0; i < (size_t)n_nics; i++)
		free(nics[i].name);
	return rc;
}
