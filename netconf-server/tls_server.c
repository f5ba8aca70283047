/*
 * tls_server.c - NETCONF over TLS (RFC 7589) for the gate.
 *
 * The listener is one more socket of the accept thread; each connection's
 * TLS handshake runs on that connection's gate thread (gate.c), bounded by
 * socket timeouts and the accept thread's deadline, so a silent client
 * holds up nobody.  Mutual TLS: the client must present a certificate that
 * the trusted CAs (--tls-ca) verify, valid now; TLS 1.2 at least.
 *
 * The NETCONF user comes from the certificate by the operator's
 * cert-to-name list (--tls-map, in order, the first entry that matches
 * wins; RFC 7589 section 7 and ietf-x509-cert-to-name):
 *   FINGERPRINT specified USER   the certificate, or a CA of its verified
 *                                chain, has that SHA-256 fingerprint
 *                                ("sha256:" and 32 hex bytes, colons
 *                                optional): the user is USER
 *   FINGERPRINT san-rfc822-name  ...: the user is the certificate's first
 *   FINGERPRINT san-dns-name     subjectAltName of that kind (an IP
 *   FINGERPRINT san-ip-address   address in text form)
 *   FINGERPRINT common-name      ...: the subject's CN
 * with FINGERPRINT "*" for any certificate the CAs verified.  A
 * certificate no entry maps is refused.
 */
#include "server_p.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"

enum map_type { M_SPECIFIED, M_RFC822, M_DNS, M_IP, M_CN };

struct vnm_tls_map {
	bool any;                 /* "*" */
	unsigned char fp[32];     /* SHA-256 */
	enum map_type type;
	char user[64];
};

struct vnm_tls_conn {
	struct vnm_server *s;
	int fd;
	SSL *ssl;
};

/* ------------------------------------------------------------------ */
/* The map                                                            */
/* ------------------------------------------------------------------ */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "sha256:AB:CD..." or "*" into m; -1 when it is neither. */
static int parse_fp(const char *s, struct vnm_tls_map *m)
{
	size_t k = 0;
	int hi, lo;

	if (!strcmp(s, "*")) {
		m->any = true;
		return 0;
	}
	if (strncasecmp(s, "sha256:", 7))
		return -1;
	for (s += 7; *s && k < sizeof(m->fp); ) {
		if (*s == ':') {
			s++;
			continue;
		}
		if ((hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0)
			return -1;
		m->fp[k++] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	return k == sizeof(m->fp) && !*s ? 0 : -1;
}

static int vnm_tls_map_parse(const char *spec, struct vnm_tls_map **maps, size_t *n, char *why,
		      size_t why_len)
{
	static const char *const types[] = {"specified", "san-rfc822-name", "san-dns-name",
					    "san-ip-address", "common-name"};
	char fp[128] = "", type[32] = "", user[64] = "", extra[8] = "";
	struct vnm_tls_map m = {0}, *t;
	unsigned i;
	int got = sscanf(spec, "%127s %31s %63s %7s", fp, type, user, extra);

	if (got < 2 || got > 3 || parse_fp(fp, &m)) {
		snprintf(why, why_len, "expected \"FINGERPRINT MAP-TYPE [USER]\", FINGERPRINT "
			 "sha256:HEX or *");
		return -1;
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]) && strcmp(type, types[i]); i++)
		;
	if (i == sizeof(types) / sizeof(types[0])) {
		snprintf(why, why_len, "map type \"%s\": use specified, san-rfc822-name, "
			 "san-dns-name, san-ip-address or common-name", type);
		return -1;
	}
	m.type = (enum map_type)i;
	if ((m.type == M_SPECIFIED) != (got == 3)) {
		snprintf(why, why_len, m.type == M_SPECIFIED ? "specified needs a USER"
			 : "only specified takes a USER");
		return -1;
	}
	snprintf(m.user, sizeof(m.user), "%s", user);
	t = realloc(*maps, (*n + 1) * sizeof(*t));
	if (!t) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	*maps = t;
	t[(*n)++] = m;
	return 0;
}

/* The user the certificate's fields give for a map type, into user. */
static int field_user(X509 *cert, enum map_type type, char *user, size_t n)
{
	GENERAL_NAMES *sans;
	int i, want, len;
	bool found = false;

	if (type == M_CN) {
		len = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName,
						user, (int)n);
		return len > 0 && (size_t)len < n - 1 ? 0 : -1;
	}
	want = type == M_RFC822 ? GEN_EMAIL : type == M_DNS ? GEN_DNS : GEN_IPADD;
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; sans && i < sk_GENERAL_NAME_num(sans) && !found; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		const ASN1_STRING *a;

		if (g->type != want)
			continue;
		a = g->type == GEN_EMAIL ? g->d.rfc822Name : g->type == GEN_DNS ? g->d.dNSName :
							  g->d.iPAddress;
		len = ASN1_STRING_length(a);
		if (want == GEN_IPADD) {
			found = (len == 4 && inet_ntop(AF_INET, ASN1_STRING_get0_data(a), user,
						       (socklen_t)n)) ||
				(len == 16 && inet_ntop(AF_INET6, ASN1_STRING_get0_data(a), user,
							(socklen_t)n));
		} else if (len > 0 && (size_t)len < n &&
			   !memchr(ASN1_STRING_get0_data(a), '\0', (size_t)len)) {
			memcpy(user, ASN1_STRING_get0_data(a), (size_t)len);
			user[len] = '\0';
			found = true;
		}
	}
	GENERAL_NAMES_free(sans);
	return found ? 0 : -1;
}

/* The user for the verified chain (leaf first); -1 when none maps. */
static int map_user(const struct vnm_server *s, STACK_OF(X509) *chain, char *user, size_t n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	size_t i;
	int c;

	for (i = 0; i < s->n_tls_maps; i++) {
		const struct vnm_tls_map *m = &s->tls_maps[i];
		bool hit = m->any;

		for (c = 0; !hit && c < sk_X509_num(chain); c++) {
			if (X509_digest(sk_X509_value(chain, c), EVP_sha256(), md, &mdlen))
				hit = mdlen == sizeof(m->fp) && !memcmp(md, m->fp, mdlen);
		}
		if (!hit)
			continue;
		if (m->type == M_SPECIFIED) {
			snprintf(user, n, "%s", m->user);
			return 0;
		}
		if (!field_user(sk_X509_value(chain, 0), m->type, user, n))
			return 0;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* The listener                                                       */
/* ------------------------------------------------------------------ */

static const char *ssl_err(void)
{
	static __thread char buf[256];
	unsigned long e = ERR_get_error();

	if (!e)
		return "no reason given";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

int vnm_tls_listen(struct vnm_server *s, const struct vnm_server_opts *o, struct vnm_err *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	char port[8];
	int fd = -1, one = 1, fl;
	SSL_CTX *ctx;

	if (!o->tls_cert || !o->tls_key || !o->tls_ca)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "TLS needs --tls-cert, --tls-key and --tls-ca");
	if (!o->n_tls_maps)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "TLS needs --tls-map: which certificate is which user");
	for (size_t i = 0; i < o->n_tls_maps; i++) {
		char why[160];

		if (vnm_tls_map_parse(o->tls_maps[i], &s->tls_maps, &s->n_tls_maps, why,
				      sizeof(why))) {
			vnm_tls_unlisten(s);
			return vnm_err_set(err, VNM_E_INVALID, NULL, "--tls-map \"%s\": %s",
					   o->tls_maps[i], why);
		}
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "TLS: %s", ssl_err());
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, o->tls_cert) != 1) {
		vnm_err_set(err, VNM_E_INVALID, o->tls_cert, "TLS: the server certificate %s: %s",
			    o->tls_cert, ssl_err());
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, o->tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		vnm_err_set(err, VNM_E_INVALID, o->tls_key, "TLS: the key %s: %s", o->tls_key,
			    ssl_err());
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, o->tls_ca, NULL) != 1) {
		vnm_err_set(err, VNM_E_INVALID, o->tls_ca, "TLS: the trusted CAs %s: %s",
			    o->tls_ca, ssl_err());
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	snprintf(port, sizeof(port), "%u", o->tls_port);
	if (getaddrinfo(o->tls_addr, port, &hints, &ai) ||
	    (fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
		vnm_err_set(err, VNM_E_INVALID, NULL, "cannot listen for TLS on %s port %u: %s",
			    o->tls_addr, o->tls_port, ai ? strerror(errno) : "not an address");
		if (fd >= 0)
			close(fd);
		if (ai)
			freeaddrinfo(ai);
		goto fail;
	}
	freeaddrinfo(ai);
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	s->tls_ctx = ctx;
	s->tls_fd = fd;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return -1;
}

void vnm_tls_unlisten(struct vnm_server *s)
{
	if (s->tls_fd >= 0)
		close(s->tls_fd);
	s->tls_fd = -1;
	SSL_CTX_free(s->tls_ctx);
	s->tls_ctx = NULL;
	free(s->tls_maps);
	s->tls_maps = NULL;
	s->n_tls_maps = 0;
}

/* ------------------------------------------------------------------ */
/* One connection                                                     */
/* ------------------------------------------------------------------ */

struct vnm_tls_conn *vnm_tls_conn_new(struct vnm_server *s, int fd)
{
	struct vnm_tls_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->s = s;
	c->fd = fd;
	c->ssl = SSL_new(s->tls_ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
		SSL_free(c->ssl);
		free(c);
		return NULL;
	}
	return c;
}

int vnm_tls_conn_handshake(struct vnm_tls_conn *c, char *user, size_t user_len, char *why,
			   size_t why_len)
{
	struct timeval tv = {.tv_sec = VNM_HANDSHAKE_SECS};
	STACK_OF(X509) *chain;
	long v;
	int fl;

	/* blocking, bounded: the handshake is this thread's only business */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (SSL_accept(c->ssl) != 1) {
		v = SSL_get_verify_result(c->ssl);
		snprintf(why, why_len, "TLS handshake failed: %s",
			 v != X509_V_OK ? X509_verify_cert_error_string(v) : ssl_err());
		return -1;
	}
	chain = SSL_get0_verified_chain(c->ssl);
	if (!chain || !sk_X509_num(chain)) {
		snprintf(why, why_len, "no verified client certificate");
		return -1;
	}
	if (map_user(c->s, chain, user, user_len)) {
		snprintf(why, why_len, "its certificate maps to no user (--tls-map)");
		return -1;
	}
	fl = fcntl(c->fd, F_GETFL);
	if (fl >= 0)
		fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
	return 0;
}

ssize_t vnm_tls_read(struct vnm_tls_conn *c, char *buf, size_t n)
{
	int r = SSL_read(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);

	if (r > 0)
		return r;
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return 0;
	default:
		ERR_clear_error();
		return -1;
	}
}

bool vnm_tls_pending(struct vnm_tls_conn *c)
{
	return SSL_pending(c->ssl) > 0;
}

int vnm_tls_write(struct vnm_tls_conn *c, const char *buf, size_t n)
{
	struct pollfd p = {.fd = c->fd};
	int r, e;

	while (n) {
		r = SSL_write(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
		if (r > 0) {
			buf += r;
			n -= (size_t)r;
			continue;
		}
		e = SSL_get_error(c->ssl, r);
		if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) {
			ERR_clear_error();
			return -1;
		}
		/* a client that reads nothing for the handshake's time is gone */
		p.events = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
		if (poll(&p, 1, VNM_HANDSHAKE_SECS * 1000) <= 0)
			return -1;
	}
	return 0;
}

void vnm_tls_conn_free(struct vnm_tls_conn *c)
{
	if (!c)
		return;
	SSL_free(c->ssl);
	close(c->fd);
	free(c);
}
