/*
 * gate.c - every NETCONF connection passes through vnmd's own gate before
 * libnetconf2 sees a byte of it.
 *
 * libnetconf2 2.0.24 dies on a malformed chunk header (SIGSEGV in the
 * worker that reads it, or an allocation of the size the header claims) and
 * reads a whole message, however large, before anyone can look at it.  So
 * vnmd terminates each transport itself (the UNIX socket; SSH with libssh's
 * server, ssh_server.c) on a thread per connection, and hands libnetconf2
 * one end of a socketpair (nc_accept_inout()).  The connection's thread
 * relays both ways; on the way in, the framing parser (frame.c) lets only
 * well-framed bytes of messages within the size limit through.  A client
 * that breaks the framing or sends too much loses its connection, and
 * nobody else notices.
 *
 * Order on a new connection: the SSH login (if SSH), the socketpair, a
 * short-lived hello thread running nc_accept_inout(), while this thread
 * relays the hello.  The client's bytes after its hello are held until the
 * hello thread says which framing the session speaks.
 */
#include "server_p.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "log.h"
#include "oframe.h"

#define GATE_BUF (64u << 10)

enum { HELLO_PENDING = -1, HELLO_FAILED = -2 }; /* else 0: base:1.0, 1: base:1.1 */

struct gate {
	struct vnm_server *s;
	unsigned slot;
	int cfd;                 /* the client's socket */
	int gfd;                 /* the gate's end of the socketpair */
	int nfd;                 /* libnetconf2's end (the hello thread's) */
	struct vnm_ssh_conn *ssh;
	ssh_channel ch;          /* SSH: the netconf subsystem's channel */
	struct vnm_tls_conn *tls;
	bool is_ssh;
	bool recovery;           /* root on the UNIX socket (RFC 8341 recovery session) */
	int version;             /* HELLO_*, 0 (base:1.0) or 1 (1.1) (atomic) */
	uint32_t sid;            /* the session's id once known (atomic) */
	char user[64];
	char host[64];
	struct vnm_frame fr;
	char in[GATE_BUF];       /* client bytes not parsed yet */
	size_t in_len;
	char *out;               /* parsed, not yet passed on (grows: below) */
	size_t out_cap, out_off, out_len;
	char back[GATE_BUF];     /* libnetconf2 -> client */
	struct vnm_oframe of;    /* libnetconf2's output re-framed (oframe.h) */
};

/* ------------------------------------------------------------------ */
/* The client side: a socket, or an SSH channel                       */
/* ------------------------------------------------------------------ */

/* Bytes from the client: >0, 0 when none are there now, -1 at the end. */
static ssize_t client_read(struct gate *g, char *buf, size_t n)
{
	ssize_t r;

	if (g->tls)
		return vnm_tls_read(g->tls, buf, n);
	if (g->is_ssh) {
		r = ssh_channel_read_nonblocking(g->ch, buf, (uint32_t)n, 0);
		if (r > 0)
			return r;
		if (r < 0 || ssh_channel_is_eof(g->ch) || ssh_channel_is_closed(g->ch))
			return -1;
		return 0;
	}
	r = recv(g->cfd, buf, n, MSG_DONTWAIT);
	if (r > 0)
		return r;
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1;
}

/* Whether client bytes wait inside libssh, where poll() cannot see them. */
static bool client_pending(struct gate *g)
{
	if (g->tls)
		return vnm_tls_pending(g->tls);
	return g->is_ssh && (ssh_channel_poll(g->ch, 0) != 0 || ssh_channel_is_eof(g->ch));
}

static int client_write(struct gate *g, const char *buf, size_t n)
{
	ssize_t r;

	if (g->tls)
		return vnm_tls_write(g->tls, buf, n);
	while (n) {
		if (g->is_ssh)
			r = ssh_channel_write(g->ch, buf, (uint32_t)n);
		else
			r = send(g->cfd, buf, n, MSG_NOSIGNAL);
		if (r < 0 && !g->is_ssh && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The hello                                                          */
/* ------------------------------------------------------------------ */

static void *hello_main(void *arg)
{
	struct gate *g = arg;
	struct nc_session *ncs = NULL;
	NC_MSG_TYPE r;
	int v = HELLO_FAILED;

	r = nc_accept_inout(g->nfd, g->nfd, g->user, &ncs);
	if (r == NC_MSG_HELLO) {
		v = nc_session_get_version(ncs) ? 1 : 0;
		__atomic_store_n(&g->sid, nc_session_get_id(ncs), __ATOMIC_RELEASE);
		pthread_mutex_lock(&g->s->sess_lock);
		g->s->gates[g->slot].sid = nc_session_get_id(ncs);
		pthread_mutex_unlock(&g->s->sess_lock);
	} else if (r == NC_MSG_WOULDBLOCK) {
		vnm_log_info("netconf: %s client %s%s%s sent no <hello> in time",
			     g->is_ssh ? "SSH" : g->tls ? "TLS" : "UNIX-socket", g->user, g->host[0] ? " from " : "",
			     g->host);
	}
	/* the framing is known before the session can be freed by a worker */
	__atomic_store_n(&g->version, v, __ATOMIC_RELEASE);
	vnm_sess_start(g->s, ncs, r, g->nfd, g->user, g->host,
		       g->is_ssh ? VNM_T_SSH : g->tls ? VNM_T_TLS : VNM_T_UNIX, g->recovery);
	nc_thread_destroy();
	return NULL;
}

static void slot_release(struct gate *g)
{
	struct vnm_server *s = g->s;

	pthread_mutex_lock(&s->sess_lock);
	if (s->gates[g->slot].handshake)
		s->n_handshakes--;
	s->gates[g->slot].fd = -1;
	s->gates[g->slot].handshake = false;
	s->gates[g->slot].deadline = 0;
	s->gates[g->slot].sid = 0;
	vnm_splice_free(s->gates[g->slot].splice);
	s->gates[g->slot].splice = NULL;
	vnm_stash_list_free(s->gates[g->slot].stash);
	s->gates[g->slot].stash = NULL;
	s->gates[g->slot].stash_bytes = 0;
	s->n_gates--;
	pthread_mutex_unlock(&s->sess_lock);
}

/* The slot of session sid's gate, or NULL (s->sess_lock held). */
static struct vnm_gate_slot *slot_of(struct vnm_server *s, uint32_t sid)
{
	for (unsigned i = 0; sid && i < VNM_MAX_GATES; i++) {
		if (s->gates[i].fd >= 0 && s->gates[i].sid == sid)
			return &s->gates[i];
	}
	return NULL;
}

int vnm_gate_splice_put(struct vnm_server *s, uint32_t sid, struct vnm_splice *sp)
{
	struct vnm_gate_slot *sl;

	pthread_mutex_lock(&s->sess_lock);
	sl = slot_of(s, sid);
	if (sl) {
		/* one RPC of a session at a time: a text left over is a reply
		 * libnetconf2 never sent */
		vnm_splice_free(sl->splice);
		sl->splice = sp;
	}
	pthread_mutex_unlock(&s->sess_lock);
	return sl ? 0 : -1;
}

/* What a content set aside counts against its slot's room. */
static size_t item_bytes(const struct vnm_stash_item *it)
{
	return it->xml ? it->len + 1 : 0;
}

struct vnm_stash_item *vnm_gate_stash_take(struct vnm_server *s, uint32_t sid, const char *id)
{
	struct vnm_stash_item *it, *old;
	struct vnm_gate_slot *sl;

	pthread_mutex_lock(&s->sess_lock);
	sl = slot_of(s, sid);
	for (it = sl ? sl->stash : NULL; it && strcmp(it->id, id); it = it->next)
		;
	if (it) {
		/* a session's RPCs are answered in order: what came before
		 * this one's content will never be asked for */
		while ((old = sl->stash) != it) {
			sl->stash = old->next;
			sl->stash_bytes -= item_bytes(old);
			vnm_stash_item_free(old);
		}
		sl->stash = it->next;
		sl->stash_bytes -= item_bytes(it);
		it->next = NULL;
	}
	pthread_mutex_unlock(&s->sess_lock);
	return it;
}

/* Contents the parser finished set aside go to the session's slot before
 * the placeholders that name them go on to libnetconf2. */
static void stash_put(struct gate *g)
{
	struct vnm_gate_slot *sl = &g->s->gates[g->slot];
	struct vnm_stash_item *l, **tail, *it;

	l = vnm_stash_take_done(&g->fr.sx);
	if (!l)
		return;
	pthread_mutex_lock(&g->s->sess_lock);
	for (tail = &sl->stash; *tail; tail = &(*tail)->next)
		;
	*tail = l;
	for (it = l; it; it = it->next)
		sl->stash_bytes += item_bytes(it);
	pthread_mutex_unlock(&g->s->sess_lock);
}

/* Whether the next <config> may be set aside: the contents waiting for
 * libnetconf2's handler stay within one message's limit.  A content whose
 * message libnetconf2 refused waits until a later one is asked for (or the
 * session ends); meanwhile edits pass on whole, as they came. */
static bool stash_room(struct gate *g)
{
	size_t n;

	pthread_mutex_lock(&g->s->sess_lock);
	n = g->s->gates[g->slot].stash_bytes;
	pthread_mutex_unlock(&g->s->sess_lock);
	return n < g->s->max_msg;
}

static struct vnm_splice *splice_take(void *arg)
{
	struct gate *g = arg;
	struct vnm_gate_slot *sl = &g->s->gates[g->slot];
	struct vnm_splice *t;

	pthread_mutex_lock(&g->s->sess_lock);
	t = sl->splice;
	sl->splice = NULL;
	pthread_mutex_unlock(&g->s->sess_lock);
	return t;
}

static int back_emit(void *arg, const char *buf, size_t n)
{
	return client_write(arg, buf, n);
}

/* What libnetconf2 wrote: everything there is now (it writes in small
 * pieces), re-framed and passed on (oframe.h).  0, or -1 at the end (what
 * came before the end is passed on all the same: a <close-session> reply
 * and libnetconf2's close arrive together). */
static int back_relay(struct gate *g)
{
	ssize_t r;
	unsigned i;
	int v, rc = 0;

	for (i = 0; i < 32; i++) {
		r = recv(g->gfd, g->back, sizeof(g->back), MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			rc = -1; /* libnetconf2 ended the session */
			break;
		}
		/* the framing is known once the hello thread says so */
		v = __atomic_load_n(&g->version, __ATOMIC_ACQUIRE);
		if (vnm_oframe_feed(&g->of, v, g->back, (size_t)r))
			return -1;
	}
	return vnm_oframe_flush(&g->of) ? -1 : rc;
}

static void slot_handshake_over(struct gate *g)
{
	struct vnm_server *s = g->s;

	pthread_mutex_lock(&s->sess_lock);
	if (s->gates[g->slot].handshake)
		s->n_handshakes--;
	s->gates[g->slot].handshake = false;
	s->gates[g->slot].deadline = 0;
	pthread_mutex_unlock(&s->sess_lock);
}

/* ------------------------------------------------------------------ */
/* The relay                                                          */
/* ------------------------------------------------------------------ */

static void gate_close_why(struct gate *g, const char *why)
{
	uint32_t sid = __atomic_load_n(&g->sid, __ATOMIC_ACQUIRE);

	vnm_log_warn("netconf: closing session %u of %s%s%s (%s): %s", sid, g->user,
		     g->host[0] ? " from " : "", g->host, g->is_ssh ? "ssh" : "unix", why);
}

/* Room for need more bytes in out; 0 or -1 (out of memory). */
static int out_room(struct gate *g, size_t need)
{
	size_t cap;
	char *n;

	if (g->out_off) {
		memmove(g->out, g->out + g->out_off, g->out_len - g->out_off);
		g->out_len -= g->out_off;
		g->out_off = 0;
	}
	if (g->out_cap - g->out_len >= need)
		return 0;
	cap = g->out_cap ? 2 * g->out_cap : GATE_BUF + VNM_FRAME_HDR_MAX;
	if (cap < g->out_len + need)
		cap = g->out_len + need;
	n = realloc(g->out, cap);
	if (!n)
		return -1;
	g->out = n;
	g->out_cap = cap;
	return 0;
}

/* Parse what the client sent; 1 when the hello just ended, -1 on a fault
 * (logged), else 0.  The parsed bytes queue in out: the client is read
 * (and its message counted) as fast as it sends, not at libnetconf2's pace
 * (a base:1.0 message is read a byte per read() there), so a message over
 * the limit is refused at once; out holds at most the limit and a read. */
static int gate_parse(struct gate *g)
{
	enum vnm_frame_rc rc;
	size_t used = 0, n = 0, spoiled = g->fr.ns_spoiled, dups = g->fr.dg.spoiled;

	if (!g->in_len)
		return 0;
	if (g->fr.sx.on)
		g->fr.sx.room = stash_room(g);
	do {
		/* the parser may add bytes (nsfix.h): it stops when out is
		 * short of room, and goes on once there is more */
		if (out_room(g, g->in_len + VNM_FRAME_ROOM)) {
			gate_close_why(g, "out of memory");
			return -1;
		}
		rc = vnm_frame_feed(&g->fr, g->in, g->in_len, g->out + g->out_len,
				    g->out_cap - g->out_len, &n, &used);
		g->out_len += n;
		memmove(g->in, g->in + used, g->in_len - used);
		g->in_len -= used;
	} while (rc == VNM_FRAME_MORE && used && g->in_len);
	stash_put(g);
	if (g->fr.ns_spoiled != spoiled)
		vnm_log_warn("netconf: session %u of %s: %zu empty namespace declaration%s "
			     "(xmlns=\"\"), which libyang cannot parse: the message gets "
			     "malformed-message", __atomic_load_n(&g->sid, __ATOMIC_ACQUIRE),
			     g->user, g->fr.ns_spoiled - spoiled,
			     g->fr.ns_spoiled - spoiled == 1 ? "" : "s");
	if (g->fr.dg.spoiled != dups)
		vnm_log_warn("netconf: session %u of %s: more than %d list entries with equal keys "
			     "in one message (the last: <%s>), which libyang's hash table would "
			     "take quadratic time over: the message gets malformed-message",
			     __atomic_load_n(&g->sid, __ATOMIC_ACQUIRE), g->user, VNM_DUPGUARD_MAX,
			     g->fr.dg.last[0] ? g->fr.dg.last : "an empty element");
	if (rc == VNM_FRAME_ERROR) {
		gate_close_why(g, g->fr.why);
		return -1;
	}
	return rc == VNM_FRAME_HELLO;
}

/* Relay until either side ends or the client breaks the framing. */
static void gate_relay(struct gate *g)
{
	struct pollfd p[2];
	enum { RX_OPEN, RX_EOF, RX_DONE } rx = RX_OPEN;
	bool held = false, want_in;
	ssize_t r;
	int v;

	for (;;) {
		/* the workers are gone: nobody reads the socketpair any more */
		if (g->s->stop)
			return;
		if (held) {
			v = __atomic_load_n(&g->version, __ATOMIC_ACQUIRE);
			if (v == HELLO_FAILED)
				return;
			if (v != HELLO_PENDING) {
				vnm_frame_set_chunked(&g->fr, v != 0);
				/* the session is known: large edits' contents
				 * can be set aside for it */
				g->fr.sx.limit = g->s->max_config;
				g->fr.sx.on = true;
				slot_handshake_over(g);
				held = false;
			}
		}
		if (!held) {
			r = gate_parse(g);
			if (r < 0)
				return;
			held = r == 1;
		}
		while (g->out_off < g->out_len) {
			r = send(g->gfd, g->out + g->out_off, g->out_len - g->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno == EAGAIN)
				break;
			if (r <= 0)
				return;
			g->out_off += (size_t)r;
		}
		if (g->out_off == g->out_len && g->out_cap > 4 * GATE_BUF) {
			free(g->out); /* a big message went through */
			g->out = NULL;
			g->out_cap = g->out_off = g->out_len = 0;
		}
		if (rx == RX_EOF && !held && !g->in_len && g->out_off == g->out_len) {
			/* the client said all it will say: libnetconf2 answers what
			 * it got, then sees the end and closes; replies still go back */
			shutdown(g->gfd, SHUT_WR);
			rx = RX_DONE;
		}
		/* what the gate holds of the message being read, passed on or
		 * set aside, stays within its limit */
		want_in = rx == RX_OPEN && !held && g->in_len < sizeof(g->in) &&
			  g->out_len - g->out_off + vnm_stash_held(&g->fr.sx) <= g->s->max_msg;
		/* not asking: -1, or a client that hung up would wake poll at once */
		p[0].fd = want_in ? g->cfd : -1;
		p[0].events = POLLIN;
		p[1].fd = g->gfd;
		p[1].events = POLLIN | (g->out_off < g->out_len ? POLLOUT : 0);
		p[0].revents = p[1].revents = 0;
		r = poll(p, 2, held ? 5 : want_in && client_pending(g) ? 0 : 1000);
		if (r < 0 && errno != EINTR)
			return;
		if (want_in && (p[0].revents || client_pending(g))) {
			r = client_read(g, g->in + g->in_len, sizeof(g->in) - g->in_len);
			if (r < 0)
				rx = RX_EOF;
			else
				g->in_len += (size_t)r;
		}
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && back_relay(g))
			return;
	}
}

/* ------------------------------------------------------------------ */
/* One connection                                                     */
/* ------------------------------------------------------------------ */

static void *gate_main(void *arg)
{
	struct gate *g = arg;
	char why[256] = "";
	int sv[2] = {-1, -1};
	pthread_t hello;
	bool hello_run = false;

	if (g->tls) {
		if (vnm_tls_conn_handshake(g->tls, g->user, sizeof(g->user), why, sizeof(why))) {
			vnm_log_info("netconf: TLS client from %s refused: %s", g->host, why);
			goto cleanup;
		}
		vnm_log_info("netconf: TLS client from %s is user %s", g->host, g->user);
		pthread_mutex_lock(&g->s->sess_lock);
		g->s->gates[g->slot].deadline = 0;
		pthread_mutex_unlock(&g->s->sess_lock);
	}
	if (g->is_ssh) {
		if (vnm_ssh_conn_login(g->ssh, g->user, sizeof(g->user), why, sizeof(why))) {
			vnm_log_info("netconf: SSH client from %s: %s", g->host, why);
			goto cleanup;
		}
		g->ch = vnm_ssh_conn_channel(g->ssh);
		/* the hello has libnetconf2's timeout from here on */
		pthread_mutex_lock(&g->s->sess_lock);
		g->s->gates[g->slot].deadline = 0;
		pthread_mutex_unlock(&g->s->sess_lock);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		vnm_log_warn("netconf: cannot relay a client of %s: socketpair: %m", g->user);
		goto cleanup;
	}
	g->gfd = sv[0];
	g->nfd = sv[1];
	if (pthread_create(&hello, NULL, hello_main, g)) {
		vnm_log_warn("netconf: cannot start the hello of a client of %s", g->user);
		close(g->nfd);
		goto cleanup;
	}
	hello_run = true;
	gate_relay(g);
cleanup:
	/* libnetconf2 sees the end of its socket: the session ends (or the
	 * hello fails) and the worker frees it */
	if (g->gfd >= 0)
		shutdown(g->gfd, SHUT_RDWR);
	if (hello_run)
		pthread_join(hello, NULL);
	if (g->gfd >= 0)
		close(g->gfd);
	free(g->out);
	vnm_frame_free(&g->fr);
	vnm_oframe_free(&g->of);
	slot_release(g);
	if (g->ssh)
		vnm_ssh_conn_free(g->ssh);
	else if (g->tls)
		vnm_tls_conn_free(g->tls);
	else
		close(g->cfd);
	free(g);
	return NULL;
}

/* The user a UNIX-socket client runs as (SO_PEERCRED); uid 0 is NACM's
 * recovery session, decided by the uid, never by a name. */
static void unix_user(int fd, char *user, size_t n, bool *recovery)
{
	struct ucred cr = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t crlen = sizeof(cr);
	struct passwd pw, *pwp = NULL;
	char pwbuf[1024];

	if (!getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) &&
	    !getpwuid_r(cr.uid, &pw, pwbuf, sizeof(pwbuf), &pwp) && pwp)
		snprintf(user, n, "%s", pw.pw_name);
	else
		snprintf(user, n, "uid%u", (unsigned)cr.uid);
	*recovery = cr.uid == 0;
}

static void peer_host(int fd, char *host, size_t n)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	const void *a = NULL;

	host[0] = '\0';
	if (getpeername(fd, (struct sockaddr *)&sa, &len))
		return;
	if (sa.ss_family == AF_INET)
		a = &((struct sockaddr_in *)&sa)->sin_addr;
	else if (sa.ss_family == AF_INET6)
		a = &((struct sockaddr_in6 *)&sa)->sin6_addr;
	if (a && !inet_ntop(sa.ss_family, a, host, (socklen_t)n))
		host[0] = '\0';
}

/* A free slot for fd, or -1 when the gate is full. */
static int slot_take(struct vnm_server *s, int fd, bool timed)
{
	unsigned i;
	int slot = -1;

	pthread_mutex_lock(&s->sess_lock);
	if (s->n_handshakes < VNM_MAX_HANDSHAKES) {
		for (i = 0; i < VNM_MAX_GATES && slot < 0; i++) {
			if (s->gates[i].fd < 0)
				slot = (int)i;
		}
	}
	if (slot >= 0) {
		s->gates[slot].fd = fd;
		s->gates[slot].handshake = true;
		s->gates[slot].deadline = timed ? time(NULL) + VNM_HANDSHAKE_SECS : 0;
		s->n_gates++;
		s->n_handshakes++;
	}
	pthread_mutex_unlock(&s->sess_lock);
	return slot;
}

void vnm_gate_accept(struct vnm_server *s, enum vnm_transport t)
{
	static const char *const what[] = {" UNIX-socket", "n SSH", " TLS"};
	bool ssh = t == VNM_T_SSH;
	struct gate *g = NULL;
	pthread_attr_t attr;
	pthread_t thr;
	int fd, slot;

	fd = accept4(ssh ? s->ssh_fd : t == VNM_T_TLS ? s->tls_fd : s->unix_fd, NULL, NULL,
		     SOCK_CLOEXEC);
	if (fd < 0)
		return;
	slot = slot_take(s, fd, t != VNM_T_UNIX);
	if (slot < 0) {
		vnm_log_warn("netconf: refusing a%s client: too many clients in their %s",
			     what[t], t != VNM_T_UNIX ? "login or hello" : "hello");
		close(fd);
		return;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		goto fail;
	g->s = s;
	g->slot = (unsigned)slot;
	g->cfd = fd;
	g->gfd = g->nfd = -1;
	g->is_ssh = ssh;
	g->version = HELLO_PENDING;
	vnm_frame_init(&g->fr, s->max_msg);
	g->of.emit = back_emit;
	g->of.take = splice_take;
	g->of.arg = g;
	if (ssh) {
		peer_host(fd, g->host, sizeof(g->host));
		g->ssh = vnm_ssh_conn_new(s, fd);
		if (!g->ssh)
			goto fail;
	} else if (t == VNM_T_TLS) {
		peer_host(fd, g->host, sizeof(g->host));
		g->tls = vnm_tls_conn_new(s, fd);
		if (!g->tls)
			goto fail;
	} else {
		unix_user(fd, g->user, sizeof(g->user), &g->recovery);
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 512u << 10);
	if (pthread_create(&thr, &attr, gate_main, g)) {
		pthread_attr_destroy(&attr);
		goto fail;
	}
	pthread_attr_destroy(&attr);
	return;
fail:
	vnm_log_warn("netconf: refusing a%s client: out of memory or threads", what[t]);
	if (g && g->ssh) {
		vnm_ssh_conn_free(g->ssh); /* closes fd */
		fd = -1;
	}
	if (g && g->tls) {
		vnm_tls_conn_free(g->tls); /* closes fd */
		fd = -1;
	}
	if (g)
		slot_release(g);
	else
		slot_release(&(struct gate){.s = s, .slot = (unsigned)slot});
	if (fd >= 0)
		close(fd);
	free(g);
}

void vnm_gate_sweep(struct vnm_server *s)
{
	time_t now = time(NULL);
	unsigned i;

	pthread_mutex_lock(&s->sess_lock);
	for (i = 0; i < VNM_MAX_GATES; i++) {
		if (s->gates[i].fd >= 0 && s->gates[i].deadline && now >= s->gates[i].deadline) {
			vnm_log_info("netconf: an SSH or TLS client took more than %d s to log "
				     "in: closing its connection", VNM_HANDSHAKE_SECS);
			shutdown(s->gates[i].fd, SHUT_RDWR);
			s->gates[i].deadline = 0;
		}
	}
	pthread_mutex_unlock(&s->sess_lock);
}

void vnm_gate_stop_all(struct vnm_server *s)
{
	unsigned i, n;

	for (;;) {
		pthread_mutex_lock(&s->sess_lock);
		for (i = 0; i < VNM_MAX_GATES; i++) {
			if (s->gates[i].fd >= 0)
				shutdown(s->gates[i].fd, SHUT_RDWR);
		}
		n = s->n_gates;
		pthread_mutex_unlock(&s->sess_lock);
		if (!n)
			break;
		usleep(20000);
	}
}
