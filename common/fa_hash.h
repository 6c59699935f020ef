/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256, streaming, through OpenSSL's libcrypto (EVP). The one place the
 * project hashes: flowq --digest uses it, and anything else that needs a
 * SHA-256 over bytes it produces piece by piece (hash chains, signatures)
 * should too. No cryptography is written here, only the calls.
 *
 * Usage: fa_sha256_init, fa_sha256_update any number of times,
 * fa_sha256_final (which also releases the context). fa_sha256_free releases
 * a context that was never finished; it is safe after final and on a zeroed
 * struct. An update that fails inside libcrypto is remembered and reported
 * by final, so callers need not check every update.
 */
#ifndef FLOWAUDIT_FA_HASH_H
#define FLOWAUDIT_FA_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FA_SHA256_LEN 32
/* "sha256:" + 64 lower-case hex digits + NUL. */
#define FA_SHA256_TEXT_LEN (7 + 2 * FA_SHA256_LEN + 1)

struct evp_md_ctx_st; /* OpenSSL's EVP_MD_CTX */

struct fa_sha256 {
	struct evp_md_ctx_st *ctx;
	bool failed; /* an update failed: final reports it */
};

/* Start a new hash. Returns 0, or -ENOMEM (h is then as after fa_sha256_free). */
int fa_sha256_init(struct fa_sha256 *h);
/* Hash n more bytes of p (p may be NULL when n is 0). */
void fa_sha256_update(struct fa_sha256 *h, const void *p, size_t n);
/*
 * Write the 32-byte digest of everything hashed into out and release the
 * context. Returns 0, or -EIO when libcrypto failed (out is then unset).
 */
int fa_sha256_final(struct fa_sha256 *h, uint8_t out[FA_SHA256_LEN]);
/* Release the context without a digest; safe on a finished or zeroed struct. */
void fa_sha256_free(struct fa_sha256 *h);
/* The digest of n bytes at p, in one call. Returns 0, -ENOMEM or -EIO. */
int fa_sha256(const void *p, size_t n, uint8_t out[FA_SHA256_LEN]);
/* Format a digest as "sha256:<64 lower-case hex>" into buf (FA_SHA256_TEXT_LEN bytes). */
void fa_sha256_text(const uint8_t digest[FA_SHA256_LEN], char buf[FA_SHA256_TEXT_LEN]);

#endif
