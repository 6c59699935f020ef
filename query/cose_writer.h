/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq export --format cose-sign1: one COSE_Sign1 (cose.h) whose payload is
 * exactly the bytes --format cbor writes for the same selection, signed with
 * an Ed25519 (EdDSA) or ECDSA P-256 (ES256) key.
 *
 * The envelope's payload length comes before the payload, and the signature
 * covers all of it, so the payload is written first to a temporary file
 * (unnamed: O_TMPFILE, or created and unlinked at once) in the --output
 * file's directory, or in $TMPDIR (default /tmp) for standard output. At the
 * end it is signed from that file (cose_sig.h) and copied into the output
 * between the envelope's head and the signature. The heap holds neither the
 * records nor the payload; the disk holds the payload twice until the export
 * ends (temporary file and output).
 *
 * The kid of the protected header is --kid, or else the issuer_kid the
 * selected records all share; with none to share (no records, a null, two
 * different ones) the export fails and asks for --kid.
 *
 * Nothing reaches the output before the signature exists: a failed signed
 * export writes no byte.
 */
#ifndef FLOWQ_COSE_WRITER_H
#define FLOWQ_COSE_WRITER_H

#include "cose_key.h"
#include "writer.h"

struct fq_cose_signer {
	struct fq_cose_key key;
	const char *kid; /* --kid, or NULL: the records' common issuer_kid */
	char *scratch_dir; /* where the payload waits for its signature */
};

/*
 * Load the private key (decrypted with pass_file's first line when given) and
 * choose the temporary file's directory from output (NULL: standard output).
 * Returns 0 or -errno (cose_key.h; -ENOMEM) with one line in err.
 */
int fq_cose_signer_init(struct fq_cose_signer *s, const char *key_path, const char *pass_file,
			const char *kid, const char *output, char *err, size_t errlen);
/* Release the key; safe on a zeroed struct. */
void fq_cose_signer_free(struct fq_cose_signer *s);

#endif
