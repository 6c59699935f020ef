/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 over libcrypto's EVP interface; see fa_hash.h. */
#include "fa_hash.h"

#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

int fa_sha256_init(struct fa_sha256 *h)
{
	h->failed = false;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		fa_sha256_free(h);
		return -ENOMEM;
	}
	return 0;
}

void fa_sha256_update(struct fa_sha256 *h, const void *p, size_t n)
{
	if (h->failed || n == 0)
		return;
	if (!h->ctx || EVP_DigestUpdate(h->ctx, p, n) != 1)
		h->failed = true;
}

int fa_sha256_final(struct fa_sha256 *h, uint8_t out[FA_SHA256_LEN])
{
	unsigned int len = 0;
	int rc = 0;
	if (h->failed || !h->ctx || EVP_DigestFinal_ex(h->ctx, out, &len) != 1 ||
	    len != FA_SHA256_LEN)
		rc = -EIO;
	fa_sha256_free(h);
	return rc;
}

void fa_sha256_free(struct fa_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int fa_sha256(const void *p, size_t n, uint8_t out[FA_SHA256_LEN])
{
	struct fa_sha256 h;
	int rc = fa_sha256_init(&h);
	if (rc)
		return rc;
	fa_sha256_update(&h, p, n);
	return fa_sha256_final(&h, out);
}

void fa_sha256_text(const uint8_t digest[FA_SHA256_LEN], char buf[FA_SHA256_TEXT_LEN])
{
	static const char hex[] = "0123456789abcdef";
	memcpy(buf, "sha256:", 7);
	for (int i = 0; i < FA_SHA256_LEN; i++) {
		buf[7 + 2 * i] = hex[digest[i] >> 4];
		buf[8 + 2 * i] = hex[digest[i] & 15];
	}
	buf[FA_SHA256_TEXT_LEN - 1] = '\0';
}
