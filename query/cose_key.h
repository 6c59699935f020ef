/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keys of signed exports, read with libcrypto: PEM files only (PKCS#8
 * "PRIVATE KEY" or "ENCRYPTED PRIVATE KEY", the traditional "EC PRIVATE
 * KEY", and "PUBLIC KEY" for verification). The key's type chooses the COSE
 * algorithm: Ed25519 -> EdDSA (-8), ECDSA on P-256 (prime256v1) -> ES256
 * (-7). Any other type (RSA, Ed448, another curve...) is refused.
 *
 * An encrypted private key is decrypted with a passphrase read from a file
 * (the first line, without its line end), never from the command line or a
 * terminal prompt: flowq runs in scripts. Key and passphrase files may be
 * pipes (bash's <(...)); at most 64 KiB of a key file is read.
 *
 * The functions return 0 or -errno with one line in err naming the file and
 * the problem: -ENOKEY (cannot be read, not a PEM key of the kind asked for,
 * encrypted without a passphrase, wrong passphrase) or -EKEYREJECTED (a key,
 * but not Ed25519 or P-256).
 */
#ifndef FLOWQ_COSE_KEY_H
#define FLOWQ_COSE_KEY_H

#include "cose.h"

#include <stddef.h>

struct evp_pkey_st; /* OpenSSL's EVP_PKEY */

struct fq_cose_key {
	struct evp_pkey_st *pkey;
	enum fq_cose_alg alg;
};

/*
 * Load the private key at path, decrypting it with the first line of
 * pass_file when the key is encrypted (pass_file may be NULL).
 */
int fq_cose_key_load_private(const char *path, const char *pass_file, struct fq_cose_key *k,
			     char *err, size_t errlen);
/*
 * Load the public key at path. A private key is refused (verification should
 * not need the secret): the message tells how to extract the public key.
 */
int fq_cose_key_load_public(const char *path, struct fq_cose_key *k, char *err, size_t errlen);
/* Release the key; safe on a zeroed struct. */
void fq_cose_key_free(struct fq_cose_key *k);
/* "Ed25519" or "ECDSA P-256": the key type an alg needs. */
const char *fq_cose_alg_key_type(enum fq_cose_alg alg);

#endif
