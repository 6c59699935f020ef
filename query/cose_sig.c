/* SPDX-License-Identifier: Apache-2.0 */
/* Sig_structure signing and checking over a prefix and a file range; see cose_sig.h. */
#include "cose_sig.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define READ_CHUNK 65536
#define ECDSA_P256_HALF 32

/* The first libcrypto error as text (queue cleared). */
static const char *crypto_error(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();
	ERR_clear_error();
	if (!e)
		return "no detail";
	ERR_error_string_n(e, buf, len);
	return buf;
}

/* ------------------------------------------------------ the whole message */

struct mapped {
	uint8_t *base;
	size_t total;
	const uint8_t *msg; /* prefix immediately followed by the payload */
	size_t len;
};

/*
 * Reserve front + file bytes of address space (anonymous, private), map the
 * file's first off + len bytes privately over its tail, and copy the prefix
 * to end exactly where the payload starts. Writing the prefix touches at most
 * a page or two (copy-on-write); the file itself is never written.
 */
static int map_message(const struct fq_cose_msg *m, struct mapped *mp)
{
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0 || m->off > SIZE_MAX / 2 || m->len > SIZE_MAX / 2 - m->off)
		return -EFBIG;
	size_t front = (m->prefix_len + (size_t)page - 1) / (size_t)page * (size_t)page;
	size_t file_len = (size_t)(m->off + m->len);
	if (file_len > SIZE_MAX - front - (size_t)page)
		return -EFBIG;
	mp->total = front + file_len;
	if (mp->total == 0)
		mp->total = (size_t)page;
	mp->base =
		mmap(NULL, mp->total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mp->base == MAP_FAILED) {
		mp->base = NULL;
		return -errno;
	}
	if (file_len) {
		void *at = mmap(mp->base + front, file_len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_FIXED, m->fd, 0);
		if (at == MAP_FAILED) {
			int e = errno;
			munmap(mp->base, mp->total);
			mp->base = NULL;
			return -e;
		}
		/* Ed25519 reads the message front to back, twice. */
		madvise(at, file_len, MADV_SEQUENTIAL);
	}
	uint8_t *start = mp->base + front + m->off - m->prefix_len;
	memcpy(start, m->prefix, m->prefix_len);
	mp->msg = start;
	mp->len = m->prefix_len + (size_t)m->len;
	return 0;
}

static void unmap_message(struct mapped *mp)
{
	if (mp->base)
		munmap(mp->base, mp->total);
	mp->base = NULL;
}

/* ------------------------------------------------------ streamed (ES256) */

/* Feed the prefix and the file range to update (sign or verify). 0, -errno or -EPROTO (libcrypto). */
static int stream_message(EVP_MD_CTX *ctx, const struct fq_cose_msg *m,
			  int (*update)(EVP_MD_CTX *, const void *, size_t))
{
	if (update(ctx, m->prefix, m->prefix_len) != 1)
		return -EPROTO;
	uint8_t *buf = malloc(READ_CHUNK);
	if (!buf)
		return -ENOMEM;
	int rc = 0;
	uint64_t done = 0;
	while (done < m->len) {
		size_t want = m->len - done < READ_CHUNK ? (size_t)(m->len - done) : READ_CHUNK;
		ssize_t r = pread(m->fd, buf, want, (off_t)(m->off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EIO; /* 0: the file is shorter than it was */
			break;
		}
		if (update(ctx, buf, (size_t)r) != 1) {
			rc = -EPROTO;
			break;
		}
		done += (uint64_t)r;
	}
	free(buf);
	return rc;
}

static int sign_update(EVP_MD_CTX *ctx, const void *p, size_t n)
{
	return EVP_DigestSignUpdate(ctx, p, n);
}

static int verify_update(EVP_MD_CTX *ctx, const void *p, size_t n)
{
	return EVP_DigestVerifyUpdate(ctx, p, n);
}

/* DER ECDSA-Sig-Value -> r || s. 0 or -EPROTO. */
static int ecdsa_der_to_raw(const uint8_t *der, size_t der_len, uint8_t raw[FQ_COSE_SIG_LEN])
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!s)
		return -EPROTO;
	const BIGNUM *r = NULL, *sv = NULL;
	ECDSA_SIG_get0(s, &r, &sv);
	int ok = BN_bn2binpad(r, raw, ECDSA_P256_HALF) == ECDSA_P256_HALF &&
		 BN_bn2binpad(sv, raw + ECDSA_P256_HALF, ECDSA_P256_HALF) == ECDSA_P256_HALF;
	ECDSA_SIG_free(s);
	return ok ? 0 : -EPROTO;
}

/* r || s -> DER (malloc'd into *der). Returns the length, or -ENOMEM. */
static int ecdsa_raw_to_der(const uint8_t raw[FQ_COSE_SIG_LEN], unsigned char **der)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, ECDSA_P256_HALF, NULL);
	BIGNUM *sv = BN_bin2bn(raw + ECDSA_P256_HALF, ECDSA_P256_HALF, NULL);
	int len = -ENOMEM;
	if (s && r && sv && ECDSA_SIG_set0(s, r, sv) == 1) {
		r = sv = NULL; /* owned by s now */
		*der = NULL;
		len = i2d_ECDSA_SIG(s, der);
		if (len <= 0)
			len = -ENOMEM;
	}
	BN_free(r);
	BN_free(sv);
	ECDSA_SIG_free(s);
	return len;
}

/* --------------------------------------------------------------- signing */

int fq_cose_sign(const struct fq_cose_key *k, const struct fq_cose_msg *m,
		 uint8_t sig[FQ_COSE_SIG_LEN], char *err, size_t errlen)
{
	char detail[256];
	struct mapped mp = {0};
	int rc = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ecdsa = k->alg == FQ_COSE_ES256;
	if (!ctx || EVP_DigestSignInit(ctx, NULL, ecdsa ? EVP_sha256() : NULL, NULL, k->pkey) != 1)
		goto crypto_fail;
	if (ecdsa) {
		uint8_t der[128];
		size_t der_len = sizeof(der);
		rc = stream_message(ctx, m, sign_update);
		if (rc == -EPROTO)
			goto crypto_fail;
		if (rc)
			goto read_fail;
		if (EVP_DigestSignFinal(ctx, der, &der_len) != 1 ||
		    ecdsa_der_to_raw(der, der_len, sig))
			goto crypto_fail;
	} else {
		size_t sig_len = FQ_COSE_SIG_LEN;
		rc = map_message(m, &mp);
		if (rc)
			goto read_fail;
		if (EVP_DigestSign(ctx, sig, &sig_len, mp.msg, mp.len) != 1 ||
		    sig_len != FQ_COSE_SIG_LEN)
			goto crypto_fail;
	}
	rc = 0;
	goto out;
read_fail:
	snprintf(err, errlen, "reading the payload to sign failed: %s", strerror(-rc));
	rc = -EIO;
	goto out;
crypto_fail:
	snprintf(err, errlen, "signing failed in libcrypto: %s",
		 crypto_error(detail, sizeof(detail)));
	rc = -EFAULT;
out:
	unmap_message(&mp);
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* -------------------------------------------------------------- checking */

int fq_cose_verify(const struct fq_cose_key *k, const struct fq_cose_msg *m, const uint8_t *sig,
		   size_t sig_len, char *err, size_t errlen)
{
	char detail[256];
	struct mapped mp = {0};
	unsigned char *der = NULL;
	int rc = 0, ok = 0;
	if (sig_len != FQ_COSE_SIG_LEN) {
		snprintf(err, errlen,
			 "the signature does not verify: it is %zu bytes, %s signatures are %d",
			 sig_len, fq_cose_alg_name(k->alg), FQ_COSE_SIG_LEN);
		return -EBADMSG;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ecdsa = k->alg == FQ_COSE_ES256;
	if (!ctx ||
	    EVP_DigestVerifyInit(ctx, NULL, ecdsa ? EVP_sha256() : NULL, NULL, k->pkey) != 1)
		goto crypto_fail;
	if (ecdsa) {
		int der_len = ecdsa_raw_to_der(sig, &der);
		if (der_len < 0)
			goto crypto_fail;
		rc = stream_message(ctx, m, verify_update);
		if (rc == -EPROTO)
			goto crypto_fail;
		if (rc)
			goto read_fail;
		ok = EVP_DigestVerifyFinal(ctx, der, (size_t)der_len);
	} else {
		rc = map_message(m, &mp);
		if (rc)
			goto read_fail;
		ok = EVP_DigestVerify(ctx, sig, sig_len, mp.msg, mp.len);
	}
	/* 0 is "does not verify"; below 0 libcrypto refused the signature's form. */
	ERR_clear_error();
	if (ok == 1) {
		rc = 0;
	} else {
		snprintf(err, errlen, "the signature does not verify (%s)",
			 fq_cose_alg_name(k->alg));
		rc = -EBADMSG;
	}
	goto out;
read_fail:
	snprintf(err, errlen, "cannot read the payload: %s", strerror(-rc));
	rc = -EPROTO;
	goto out;
crypto_fail:
	snprintf(err, errlen, "checking failed in libcrypto: %s",
		 crypto_error(detail, sizeof(detail)));
	rc = -EFAULT;
out:
	OPENSSL_free(der);
	unmap_message(&mp);
	EVP_MD_CTX_free(ctx);
	return rc;
}
