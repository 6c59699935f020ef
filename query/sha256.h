/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 (FIPS 180-4), streaming. Used by flowq export --digest sha256 to
 * hash exactly the bytes it writes, so a signing pipeline can check them.
 */
#ifndef FLOWQ_SHA256_H
#define FLOWQ_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define FQ_SHA256_LEN 32
/* "sha256:" + 64 hex digits + NUL. */
#define FQ_SHA256_TEXT_LEN (7 + 2 * FQ_SHA256_LEN + 1)

struct fq_sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t block[64]; /* pending partial block */
	size_t fill; /* bytes in block */
};

/* Start a new hash. */
void fq_sha256_init(struct fq_sha256 *s);
/* Hash n more bytes of p (p may be NULL when n is 0). */
void fq_sha256_update(struct fq_sha256 *s, const void *p, size_t n);
/* Finish: write the 32-byte digest into out. *s must be re-initialised to reuse. */
void fq_sha256_final(struct fq_sha256 *s, uint8_t out[FQ_SHA256_LEN]);
/* Format a digest as "sha256:<64 lower-case hex>" into buf (FQ_SHA256_TEXT_LEN bytes). */
void fq_sha256_text(const uint8_t digest[FQ_SHA256_LEN], char buf[FQ_SHA256_TEXT_LEN]);

#endif
