/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signing and checking a COSE_Sign1's Sig_structure with libcrypto, where the
 * Sig_structure is a short prefix in memory followed by the payload, a range
 * of a file that may be gigabytes long. Nothing reads the payload into the
 * heap:
 *
 *   ES256   the prefix and then the file in 64 KiB reads go through
 *           EVP_DigestSignUpdate / EVP_DigestVerifyUpdate (SHA-256 streams).
 *   EdDSA   Ed25519 hashes the message twice, and libcrypto only takes it
 *           whole (EVP_DigestSign / EVP_DigestVerify, one shot). The file is
 *           mapped privately with anonymous pages just before it, and the
 *           prefix is written there, right before the payload, so the whole
 *           message is one contiguous range without a copy. Its pages are the
 *           file's page cache: clean, and the kernel may drop them under
 *           pressure; the heap does not grow with the payload.
 *
 * COSE carries an ECDSA signature as r || s (32 bytes each, big-endian);
 * libcrypto speaks DER: both are converted here.
 *
 * The file must not change while it is read (a file shrinking under the
 * mapping would end the process with SIGBUS).
 */
#ifndef FLOWQ_COSE_SIG_H
#define FLOWQ_COSE_SIG_H

#include "cose.h"
#include "cose_key.h"

#include <stddef.h>
#include <stdint.h>

/* The message: prefix[0..prefix_len) followed by bytes [off, off + len) of fd. */
struct fq_cose_msg {
	const uint8_t *prefix;
	size_t prefix_len;
	int fd;
	uint64_t off;
	uint64_t len;
};

/*
 * Sign m with k into sig (COSE form, FQ_COSE_SIG_LEN bytes). Returns 0,
 * -EIO when the file cannot be read or mapped, or -EFAULT when libcrypto
 * fails; one line in err.
 */
int fq_cose_sign(const struct fq_cose_key *k, const struct fq_cose_msg *m,
		 uint8_t sig[FQ_COSE_SIG_LEN], char *err, size_t errlen);
/*
 * Check sig (COSE form, sig_len bytes) over m with k. Returns 0 when it
 * verifies, -EBADMSG when it does not (or has the wrong length), -EPROTO
 * when the file cannot be read or mapped, -EFAULT when libcrypto fails; one
 * line in err.
 */
int fq_cose_verify(const struct fq_cose_key *k, const struct fq_cose_msg *m, const uint8_t *sig,
		   size_t sig_len, char *err, size_t errlen);

#endif
