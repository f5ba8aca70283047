/*
 * ssh_auth.c - SSH host key and client authentication of the NETCONF server.
 *
 * The host key is a file in OpenSSH format, generated (ed25519) on first
 * start.  Clients log in with a public key listed in the authorized-keys
 * file or with a password checked against a crypt(3) hash from the password
 * file; no PAM, no system accounts.
 */
#include "server_p.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "log.h"

struct vnm_auth_key {
	char *user;   /* NULL: any user name */
	ssh_key key;
};

struct vnm_auth_pass {
	char *user;
	char *hash;
	bool read_only;
};

static int hostkey_ensure(const char *path, struct vnm_err *err)
{
	ssh_key key = NULL;
	mode_t old;
	int rc;

	if (!access(path, R_OK))
		return 0;
	if (errno != ENOENT)
		return vnm_err_set(err, VNM_E_INVALID, NULL, "cannot read the SSH host key %s: %m",
				   path);
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK)
		return vnm_err_set(err, VNM_E_INTERNAL, NULL, "cannot generate an SSH host key");
	old = umask(077);
	rc = ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path);
	umask(old);
	ssh_key_free(key);
	if (rc != SSH_OK)
		return vnm_err_set(err, VNM_E_INVALID, NULL,
				   "cannot write the new SSH host key to %s: check the directory",
				   path);
	vnm_log_info("netconf: generated the SSH host key %s (ed25519)", path);
	return 0;
}

bool vnm_ssh_key_ok(struct vnm_server *s, const char *user, ssh_key key)
{
	size_t i;

	for (i = 0; i < s->n_keys; i++) {
		if (s->keys[i].user && (!user || strcmp(s->keys[i].user, user)))
			continue;
		if (!ssh_key_cmp(key, s->keys[i].key, SSH_KEY_CMP_PUBLIC))
			return true;
	}
	vnm_log_info("netconf: SSH public key of user %s refused", user ? user : "?");
	return false;
}

/* Whether crypt(3) of password with the setting hash gives hash, compared
 * in time that does not depend on where they differ. */
static bool hash_matches(const char *password, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *h;
	size_t n;
	int diff;
	bool ok = false;

	if (!cd)
		return false;
	h = crypt_r(password, hash, cd);
	if (h && h[0] != '*' && strlen(h) == (n = strlen(hash))) {
		for (diff = 0; n--;)
			diff |= h[n] ^ hash[n];
		ok = !diff;
	}
	free(cd);
	return ok;
}

bool vnm_ssh_password_ok(struct vnm_server *s, const char *user, const char *password)
{
	size_t i;

	for (i = 0; user && password && i < s->n_passes; i++) {
		if (!strcmp(s->passes[i].user, user)) {
			if (hash_matches(password, s->passes[i].hash))
				return true;
			break;
		}
	}
	/* a user that does not exist costs a crypt(3) with the same method and
	 * rounds as one that does (the first user's hash as the setting): the
	 * answer's time does not tell which user names exist */
	if (i == s->n_passes && s->n_passes)
		(void)hash_matches(password ? password : "", s->passes[0].hash);
	vnm_log_info("netconf: SSH password of user %s refused", user ? user : "?");
	return false;
}

static char *trim(char *l)
{
	size_t n;

	while (*l == ' ' || *l == '\t')
		l++;
	n = strlen(l);
	while (n && (l[n - 1] == '\n' || l[n - 1] == '\r' || l[n - 1] == ' '))
		l[--n] = '\0';
	return l;
}

static bool is_key_type(const char *t)
{
	return !strncmp(t, "ssh-", 4) || !strncmp(t, "ecdsa-", 6) || !strncmp(t, "sk-", 3) ||
	       !strncmp(t, "rsa-", 4);
}

static int load_authkeys(struct vnm_server *s, const char *path, struct vnm_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *l, *tok[4], *save;
	size_t cap = 0, nt;
	unsigned lineno = 0;
	struct vnm_auth_key *n;
	ssh_key key;
	int rc = -1;

	if (!f)
		return vnm_err_set(err, VNM_E_MISSING, NULL, "cannot open the authorized keys %s: %m",
				   path);
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		l = trim(line);
		if (!*l || *l == '#')
			continue;
		for (nt = 0, save = NULL; nt < 3 && (tok[nt] = strtok_r(nt ? NULL : l, " \t", &save));)
			nt++;
		if (nt < 2)
			goto bad;
		if (!is_key_type(tok[0])) {
			if (nt < 3 || !is_key_type(tok[1]))
				goto bad;
		} else {
			tok[2] = tok[1];
			tok[1] = tok[0];
			tok[0] = NULL;
		}
		key = NULL;
		if (ssh_pki_import_pubkey_base64(tok[2], ssh_key_type_from_name(tok[1]), &key) != SSH_OK)
			goto bad;
		n = realloc(s->keys, (s->n_keys + 1) * sizeof(*n));
		if (!n) {
			ssh_key_free(key);
			vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
			goto cleanup;
		}
		s->keys = n;
		s->keys[s->n_keys].key = key;
		s->keys[s->n_keys].user = tok[0] ? strdup(tok[0]) : NULL;
		s->n_keys++;
	}
	rc = 0;
	goto cleanup;
bad:
	vnm_err_set(err, VNM_E_INVALID, NULL,
		    "%s line %u: expected \"[USER ]TYPE BASE64 [COMMENT]\" with a valid public key",
		    path, lineno);
cleanup:
	free(line);
	fclose(f);
	return rc;
}

static int load_passwords(struct vnm_server *s, const char *path, struct vnm_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *l, *c1, *c2;
	size_t cap = 0;
	unsigned lineno = 0;
	struct vnm_auth_pass *n;
	int rc = -1;

	if (!f)
		return vnm_err_set(err, VNM_E_MISSING, NULL, "cannot open the password file %s: %m",
				   path);
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		l = trim(line);
		if (!*l || *l == '#')
			continue;
		c1 = strchr(l, ':');
		if (!c1 || c1 == l || c1[1] != '$') {
			vnm_err_set(err, VNM_E_INVALID, NULL,
				    "%s line %u: expected USER:CRYPT-HASH[:ro] (a $id$ hash)", path,
				    lineno);
			goto cleanup;
		}
		*c1++ = '\0';
		c2 = strrchr(c1, ':');
		if (c2 && !strcmp(c2, ":ro"))
			*c2 = '\0';
		else
			c2 = NULL;
		n = realloc(s->passes, (s->n_passes + 1) * sizeof(*n));
		if (!n) {
			vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
			goto cleanup;
		}
		s->passes = n;
		s->passes[s->n_passes].user = strdup(l);
		s->passes[s->n_passes].hash = strdup(c1);
		s->passes[s->n_passes].read_only = c2 != NULL;
		s->n_passes++;
	}
	rc = 0;
cleanup:
	free(line);
	fclose(f);
	return rc;
}

bool vnm_ssh_user_read_only(const char *user)
{
	struct vnm_server *s = vnm_srv;
	size_t i;

	for (i = 0; s && i < s->n_passes; i++) {
		if (!strcmp(s->passes[i].user, user))
			return s->passes[i].read_only;
	}
	return false;
}

int vnm_ssh_setup(struct vnm_server *s, const struct vnm_server_opts *o, struct vnm_err *err)
{
	if (!o->ssh_hostkey)
		return vnm_err_set(err, VNM_E_INVALID, NULL, "SSH needs a host key file (--ssh-hostkey)");
	if (hostkey_ensure(o->ssh_hostkey, err))
		return -1;
	s->hostkey = strdup(o->ssh_hostkey);
	if (!s->hostkey)
		return vnm_err_set(err, VNM_E_NOMEM, NULL, "out of memory");
	if (o->ssh_authkeys && load_authkeys(s, o->ssh_authkeys, err))
		return -1;
	if (o->ssh_passwords && load_passwords(s, o->ssh_passwords, err))
		return -1;
	return 0;
}

void vnm_ssh_free(struct vnm_server *s)
{
	size_t i;

	for (i = 0; i < s->n_keys; i++) {
		ssh_key_free(s->keys[i].key);
		free(s->keys[i].user);
	}
	free(s->keys);
	s->keys = NULL;
	s->n_keys = 0;
	for (i = 0; i < s->n_passes; i++) {
		free(s->passes[i].user);
		free(s->passes[i].hash);
	}
	free(s->passes);
	s->passes = NULL;
	s->n_passes = 0;
	free(s->hostkey);
	s->hostkey = NULL;
}
