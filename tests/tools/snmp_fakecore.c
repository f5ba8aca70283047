/*
 * snmp_fakecore.c - the SNMP subagent over a synthetic core, for tests and
 * the benchmark.
 *
 *   snmp_fakecore -x SOCKET [-n NETWORKS] [-l LINKS_PER_NETWORK] [-r REFRESH_MS]
 *   snmp_fakecore -L udp:ADDR:PORT [-K COMMUNITY] [-u USER:AUTH[:PRIV]] [...]
 *
 * -x: an AgentX subagent; -L: the embedded master agent (agent.h).
 * Provides vnm_core_snapshot and vnm_core_subscribe itself (so libvnm.a's
 * core is not linked in; snapshots are freed by core/snapshot.c) and
 * publishes a new snapshot every REFRESH_MS (default 200; the real core
 * waits 500 ms between refreshes) in which every link's counters have grown.  The defaults give the
 * shape of the paper's Figure 5: networks vn-a, vn-b, each with routers vr1
 * and vr2 and one link.  Commands on stdin, one per line, change the world
 * and raise the core events the real core would:
 *
 *   oper VN VR running|paused|stopped   a router changes state
 *   link VN VL up|down                  a link goes up or down
 *   link VN VL disable|enable           its admin state (down: admin-down)
 *   add VN                              a new network with two routers, a link
 *   del VN                              a network goes
 *
 * Prints "ready" once the agent runs; exits on EOF or "quit".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "core.h"

struct fvn {
	char name[64];
	int nvl;
	enum vnm_vr_oper vr_oper[2];
	int vl_up_mask_down; /* link 0 down when 1 */
	int vl_disabled;     /* link 0 disabled (admin-down) when 1 */
	uint64_t base;       /* counter start */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fvn *vns;
static int n_vns;
static struct vnm_snapshot *cur;
static uint64_t generation = 1, tick;
static vnm_event_cb ev_cb;
static void *ev_arg;

struct vnm_snapshot *vnm_core_snapshot(struct vnm_core *c)
{
	struct vnm_snapshot *s;

	(void)c;
	pthread_mutex_lock(&lock);
	s = cur;
	if (s)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&lock);
	return s;
}

int vnm_core_subscribe(struct vnm_core *c, vnm_event_cb cb, void *arg)
{
	(void)c;
	ev_cb = cb;
	ev_arg = arg;
	return 0;
}

static char *xdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

/* Under lock. */
static void publish(void)
{
	struct vnm_snapshot *s, *old;
	size_t nvl = 0, i;
	int v, l;
	char name[64];

	for (v = 0; v < n_vns; v++)
		nvl += vns[v].nvl;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->vns = calloc(n_vns + 1, sizeof(*s->vns))) ||
	    !(s->vrs = calloc(2 * n_vns + 1, sizeof(*s->vrs))) ||
	    !(s->vls = calloc(nvl + 1, sizeof(*s->vls))))
		abort();
	s->generation = generation;
	clock_gettime(CLOCK_REALTIME, &s->taken);
	s->refs = 1;
	for (v = 0; v < n_vns; v++) {
		struct fvn *f = &vns[v];
		struct vnm_snap_vn *sv = &s->vns[s->n_vns++];

		sv->name = xdup(f->name);
		sv->n_vrs = 2;
		sv->n_vls = f->nvl;
		sv->oper = f->vr_oper[0] == VNM_VR_PAUSED || f->vr_oper[1] == VNM_VR_PAUSED ?
			   VNM_VR_PAUSED : f->vr_oper[0];
		for (i = 0; i < 2; i++) {
			struct vnm_snap_vr *r = &s->vrs[s->n_vrs++];

			snprintf(name, sizeof(name), "vr%zu", i + 1);
			r->vn = xdup(f->name);
			r->name = xdup(name);
			r->host = xdup(i ? "rm2" : "rm1");
			snprintf(name, sizeof(name), "vnmd-%s-vr%zu", f->name, i + 1);
			r->domain_name = xdup(name);
			snprintf(r->uuid, sizeof(r->uuid), "00000000-0000-4000-8000-%04x%08zx", v, i);
			r->oper = f->vr_oper[i];
			r->admin = VNM_ADMIN_RUNNING;
			r->vcpus = 1;
			r->memory_mib = 128;
			r->domain_id = r->oper == VNM_VR_RUNNING ? v * 2 + (int)i + 1 : -1;
		}
		for (l = 0; l < f->nvl; l++) {
			struct vnm_snap_vl *k = &s->vls[s->n_vls++];

			if (f->nvl == 1)
				snprintf(name, sizeof(name), "vl-%s", f->name + (strncmp(f->name, "vn-", 3) ? 0 : 3));
			else
				snprintf(name, sizeof(name), "vl%05d", l);
			k->vn = xdup(f->name);
			k->name = xdup(name);
			k->a_node = xdup("vr1");
			k->a_tp = xdup("eth0");
			k->b_node = xdup("vr2");
			k->b_tp = xdup("eth0");
			k->guaranteed = 16000000;
			k->limit = 0;
			k->up = !(l == 0 && f->vl_up_mask_down);
			k->enabled = !(l == 0 && f->vl_disabled);
			snprintf(k->ifname, sizeof(k->ifname), "vnv%04x%04xa", v, l);
			k->ctr.ifindex = 1000 + (int)s->n_vls;
			k->ctr.up = k->up;
			k->ctr.in_octets = f->base + tick * 1000;
			k->ctr.out_octets = f->base + tick * 2000;
			k->ctr.in_packets = tick * 10;
			k->ctr.out_packets = tick * 20;
		}
	}
	old = cur;
	cur = s;
	vnm_snapshot_unref(old);
}

static unsigned refresh_ms = 200;

static void *refresher(void *arg)
{
	(void)arg;
	for (;;) {
		usleep(refresh_ms * 1000);
		pthread_mutex_lock(&lock);
		tick++;
		publish();
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void add_vn(const char *name, int nvl)
{
	struct fvn *f;

	vns = realloc(vns, (n_vns + 1) * sizeof(*vns));
	if (!vns)
		abort();
	f = &vns[n_vns++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->nvl = nvl;
	f->vr_oper[0] = f->vr_oper[1] = VNM_VR_RUNNING;
	f->base = 1000000;
}

static struct fvn *find_vn(const char *name)
{
	int v;

	for (v = 0; v < n_vns; v++)
		if (!strcmp(vns[v].name, name))
			return &vns[v];
	return NULL;
}

static void emit(struct vnm_event *ev)
{
	if (ev_cb)
		ev_cb(ev_arg, ev);
}

int main(int argc, char **argv)
{
	struct vnm_agent_conf conf = {0};
	int nvn = 2, nvl = 1, c, v;
	struct vnm_agent *agent = NULL;
	struct vnm_err err = {0};
	pthread_t th;
	char line[256], a1[64], a2[64], a3[64], a4[64], gone_vn[64] = "";

	while ((c = getopt(argc, argv, "x:L:K:u:n:l:r:")) != -1) {
		switch (c) {
		case 'x':
			conf.agentx = optarg;
			break;
		case 'L':
			conf.listen = optarg;
			break;
		case 'K':
			conf.community = optarg;
			break;
		case 'u':
			conf.user = optarg;
			break;
		case 'n':
			nvn = atoi(optarg);
			break;
		case 'l':
			nvl = atoi(optarg);
			break;
		case 'r':
			refresh_ms = (unsigned)atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: snmp_fakecore -x SOCKET | -L udp:ADDR:PORT [-K COMMUNITY] "
				"[-u USER:AUTH[:PRIV]] [-n NETWORKS] [-l LINKS] [-r MS]\n");
			return 2;
		}
	}
	if (!conf.agentx && !conf.listen) {
		fprintf(stderr, "snmp_fakecore: -x SOCKET or -L udp:ADDR:PORT is needed\n");
		return 2;
	}
	for (v = 0; v < nvn; v++) {
		snprintf(line, sizeof(line), "vn-%c", 'a' + v % 26);
		if (v >= 26)
			snprintf(line, sizeof(line), "vn-%d", v);
		add_vn(line, nvl);
	}
	pthread_mutex_lock(&lock);
	publish();
	pthread_mutex_unlock(&lock);
	if (pthread_create(&th, NULL, refresher, NULL) != 0)
		return 1;
	if (vnm_agent_start_conf((struct vnm_core *)&lock, &conf, &agent, &err) < 0) {
		fprintf(stderr, "snmp_fakecore: %s\n", err.msg);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		struct vnm_event ev = {0};
		struct fvn *f;
		int n = sscanf(line, "%63s %63s %63s %63s", a1, a2, a3, a4);

		if (n >= 1 && !strcmp(a1, "quit"))
			break;
		pthread_mutex_lock(&lock);
		if (n == 4 && !strcmp(a1, "oper") && (f = find_vn(a2))) {
			int i = !strcmp(a3, "vr2");
			const char *st = a4;

			f->vr_oper[i] = !strcmp(st, "paused") ? VNM_VR_PAUSED :
					!strcmp(st, "stopped") ? VNM_VR_STOPPED : VNM_VR_RUNNING;
			publish();
			ev.kind = VNM_EV_VR_OPER;
			ev.vn = f->name;
			ev.obj = i ? "vr2" : "vr1";
			ev.vr_state = f->vr_oper[i];
			ev.reason = "changed by the test";
		} else if (n == 4 && !strcmp(a1, "link") && (f = find_vn(a2))) {
			bool admin = !strcmp(a4, "disable") || !strcmp(a4, "enable");

			f->vl_up_mask_down = !strcmp(a4, "down") || !strcmp(a4, "disable");
			if (admin)
				f->vl_disabled = !strcmp(a4, "disable");
			publish();
			ev.kind = VNM_EV_VL_OPER;
			ev.vn = f->name;
			ev.obj = a3;
			ev.vl_up = !f->vl_up_mask_down;
			ev.reason = !admin ? "changed by the test" :
				    f->vl_disabled ? "admin-down" : NULL;
		} else if (n == 2 && !strcmp(a1, "add") && !find_vn(a2)) {
			add_vn(a2, 1);
			generation++;
			publish();
			ev.kind = VNM_EV_CONFIG;
			ev.generation = generation;
		} else if (n == 2 && !strcmp(a1, "del") && (f = find_vn(a2))) {
			snprintf(gone_vn, sizeof(gone_vn), "%s", f->name);
			*f = vns[--n_vns];
			generation++;
			publish();
			ev.kind = VNM_EV_CONFIG;
			ev.generation = generation;
		} else {
			pthread_mutex_unlock(&lock);
			fprintf(stderr, "snmp_fakecore: cannot do: %s", line);
			continue;
		}
		pthread_mutex_unlock(&lock);
		emit(&ev);
		if (*gone_vn) {
			/* its routers are gone: absent, as a core would say */
			struct vnm_event g = {.kind = VNM_EV_VR_OPER, .vn = gone_vn,
					      .vr_state = VNM_VR_ABSENT, .reason = "removed"};

			g.obj = "vr1";
			emit(&g);
			g.obj = "vr2";
			emit(&g);
			*gone_vn = '\0';
		}
		printf("done\n");
		fflush(stdout);
	}
	vnm_agent_stop(agent);
	return 0;
}
