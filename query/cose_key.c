/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEM keys for signed exports; see cose_key.h. Files are read into memory
 * first (bounded), so a pipe works and a huge or endless file is refused
 * rather than read forever; libcrypto then parses the bytes. The passphrase
 * callback never prompts: it hands over the passphrase file's line, or
 * refuses and remembers that the key asked for one.
 */
#include "cose_key.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_FILE_MAX 65536
#define PASS_FILE_MAX 4096

struct file_bytes {
	char *p;
	size_t n;
};

/* Read at most max bytes of path; more is an error. 0 or -errno (-EFBIG: too large). */
static int read_small_file(const char *path, size_t max, struct file_bytes *out)
{
	out->p = NULL;
	out->n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char *buf = malloc(max + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	size_t n = 0;
	int rc = 0;
	while (n <= max) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (!rc && n > max)
		rc = -EFBIG;
	if (rc) {
		OPENSSL_cleanse(buf, max + 1);
		free(buf);
		return rc;
	}
	out->p = buf;
	out->n = n;
	return 0;
}

static void file_bytes_free(struct file_bytes *f)
{
	if (f->p)
		OPENSSL_cleanse(f->p, f->n);
	free(f->p);
	f->p = NULL;
	f->n = 0;
}

struct passphrase {
	const char *p; /* NULL: none given */
	size_t n;
	bool asked; /* the key is encrypted */
};

static int passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	(void)rwflag;
	struct passphrase *pp = u;
	pp->asked = true;
	if (!pp->p || size < 0 || pp->n > (size_t)size)
		return -1;
	memcpy(buf, pp->p, pp->n);
	return (int)pp->n;
}

/* PEM bytes -> key of the wanted kind, or NULL (libcrypto's error queue cleared). */
static EVP_PKEY *parse_pem(const struct file_bytes *f, bool private_key, struct passphrase *pp)
{
	BIO *bio = BIO_new_mem_buf(f->p, (int)f->n);
	EVP_PKEY *pkey = NULL;
	if (bio)
		pkey = private_key ? PEM_read_bio_PrivateKey(bio, NULL, passphrase_cb, pp)
				   : PEM_read_bio_PUBKEY(bio, NULL, passphrase_cb, pp);
	BIO_free(bio);
	ERR_clear_error();
	return pkey;
}

const char *fq_cose_alg_key_type(enum fq_cose_alg alg)
{
	return alg == FQ_COSE_EDDSA ? "Ed25519" : "ECDSA P-256";
}

/* The COSE alg of pkey, or -EKEYREJECTED naming what it is. */
static int classify(EVP_PKEY *pkey, const char *path, enum fq_cose_alg *alg, char *err,
		    size_t errlen)
{
	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		*alg = FQ_COSE_EDDSA;
		return 0;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		char group[64] = "";
		size_t len = 0;
		if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &len) == 1 &&
		    strcmp(group, "prime256v1") == 0) {
			*alg = FQ_COSE_ES256;
			return 0;
		}
		ERR_clear_error();
		snprintf(err, errlen,
			 "%s: an ECDSA key on curve %s; flowq signs with Ed25519 or ECDSA P-256 "
			 "(prime256v1) keys",
			 path, group[0] ? group : "(unknown)");
		return -EKEYREJECTED;
	}
	const char *type = EVP_PKEY_get0_type_name(pkey);
	snprintf(err, errlen, "%s: a key of type %s; flowq signs with Ed25519 or ECDSA P-256 keys",
		 path, type ? type : "(unknown)");
	return -EKEYREJECTED;
}

static int read_key_file(const char *path, struct file_bytes *f, char *err, size_t errlen)
{
	int rc = read_small_file(path, KEY_FILE_MAX, f);
	if (rc == -EFBIG)
		snprintf(err, errlen, "%s: larger than %d bytes, not a PEM key", path,
			 KEY_FILE_MAX);
	else if (rc)
		snprintf(err, errlen, "%s: cannot read the key: %s", path, strerror(-rc));
	return rc ? -ENOKEY : 0;
}

/* The passphrase: pass_file's first line, without "\n" or "\r\n". */
static int read_passphrase(const char *pass_file, struct file_bytes *f, struct passphrase *pp,
			   char *err, size_t errlen)
{
	int rc = read_small_file(pass_file, PASS_FILE_MAX, f);
	if (rc) {
		snprintf(err, errlen, "--key-pass-file %s: %s", pass_file,
			 rc == -EFBIG ? "longer than 4096 bytes" : strerror(-rc));
		return -ENOKEY;
	}
	size_t n = 0;
	while (n < f->n && f->p[n] != '\n')
		n++;
	if (n > 0 && f->p[n - 1] == '\r')
		n--;
	if (n == 0) {
		snprintf(err, errlen, "--key-pass-file %s: no passphrase on its first line",
			 pass_file);
		return -ENOKEY;
	}
	pp->p = f->p;
	pp->n = n;
	return 0;
}

int fq_cose_key_load_private(const char *path, const char *pass_file, struct fq_cose_key *k,
			     char *err, size_t errlen)
{
	struct file_bytes key = {0}, pass = {0};
	struct passphrase pp = {0};
	k->pkey = NULL;
	int rc = read_key_file(path, &key, err, errlen);
	if (!rc && pass_file)
		rc = read_passphrase(pass_file, &pass, &pp, err, errlen);
	if (rc)
		goto out;
	EVP_PKEY *pkey = parse_pem(&key, true, &pp);
	if (!pkey) {
		rc = -ENOKEY;
		struct passphrase none = {0};
		EVP_PKEY *pub = pp.asked ? NULL : parse_pem(&key, false, &none);
		if (pp.asked && !pass_file)
			snprintf(err, errlen,
				 "%s: the key is encrypted; give its passphrase with "
				 "--key-pass-file FILE",
				 path);
		else if (pp.asked)
			snprintf(err, errlen,
				 "%s: cannot decrypt the key with the passphrase of %s (wrong "
				 "passphrase?)",
				 path, pass_file);
		else if (pub)
			snprintf(err, errlen, "%s: a public key; signing needs the private key",
				 path);
		else
			snprintf(err, errlen, "%s: not a PEM private key", path);
		EVP_PKEY_free(pub);
		goto out;
	}
	rc = classify(pkey, path, &k->alg, err, errlen);
	if (rc)
		EVP_PKEY_free(pkey);
	else
		k->pkey = pkey;
out:
	file_bytes_free(&pass);
	file_bytes_free(&key);
	return rc;
}

int fq_cose_key_load_public(const char *path, struct fq_cose_key *k, char *err, size_t errlen)
{
	struct file_bytes key = {0};
	struct passphrase none = {0};
	k->pkey = NULL;
	int rc = read_key_file(path, &key, err, errlen);
	if (rc)
		return rc;
	EVP_PKEY *pkey = parse_pem(&key, false, &none);
	if (!pkey) {
		EVP_PKEY *priv = parse_pem(&key, true, &none);
		if (priv || none.asked)
			snprintf(err, errlen,
				 "%s: a private key; give the public key (openssl pkey -in %s "
				 "-pubout)",
				 path, path);
		else
			snprintf(err, errlen, "%s: not a PEM public key", path);
		EVP_PKEY_free(priv);
		file_bytes_free(&key);
		return -ENOKEY;
	}
	file_bytes_free(&key);
	rc = classify(pkey, path, &k->alg, err, errlen);
	if (rc)
		EVP_PKEY_free(pkey);
	else
		k->pkey = pkey;
	return rc;
}

void fq_cose_key_free(struct fq_cose_key *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}
