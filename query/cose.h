/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bytes of a COSE_Sign1 (RFC 9052 section 4.2), without cryptography:
 * flowq export --format cose-sign1 writes one, flowq verify-export parses it.
 *
 *   COSE_Sign1 = #6.18([ protected: bstr .cbor header_map,
 *                        unprotected: {},
 *                        payload: bstr,
 *                        signature: bstr (64 bytes) ])
 *   Sig_structure = [ "Signature1", protected, external_aad: h'', payload ]
 *
 * flowq's protected header is the map {1: alg, 3: 60, 4: kid} in RFC 8949
 * section 4.2.1 deterministic encoding (keys 1 < 3 < 4, shortest heads):
 * alg -8 (EdDSA, Ed25519) or -7 (ES256, ECDSA P-256 with SHA-256), content
 * type 60 (CoAP Content-Format "application/cbor": the payload is one CBOR
 * array of NetworkFlowDecision maps) and kid, a byte string. The signature is
 * what the key signs over the encoded Sig_structure: Ed25519's 64 bytes, or
 * ECDSA's r and s as two 32-byte big-endian numbers (not DER).
 *
 * The payload can be gigabytes, so nothing here holds it: the writers below
 * produce the bytes that come before the payload (for the envelope and for
 * the Sig_structure) given its length, and the parser returns where the
 * payload lies in a buffer (a mapped file) instead of copying it.
 */
#ifndef FLOWQ_COSE_H
#define FLOWQ_COSE_H

#include <stddef.h>
#include <stdint.h>

enum fq_cose_alg {
	FQ_COSE_ES256 = -7,
	FQ_COSE_EDDSA = -8,
};

#define FQ_COSE_TAG_SIGN1 18
#define FQ_COSE_CONTENT_TYPE_CBOR 60
#define FQ_COSE_SIG_LEN 64
/* The longest kid flowq writes (bytes). */
#define FQ_COSE_KID_MAX 1024
/* Room for an encoded protected header map with the longest kid. */
#define FQ_COSE_PROTECTED_MAX (16 + FQ_COSE_KID_MAX)
/*
 * Room for the bytes before the payload, in the envelope or the
 * Sig_structure, with a protected header of plen bytes (at most 31 more).
 */
#define FQ_COSE_PREFIX_ROOM(plen) (32 + (size_t)(plen))
#define FQ_COSE_PREFIX_MAX FQ_COSE_PREFIX_ROOM(FQ_COSE_PROTECTED_MAX)
/* Room for the bytes after the payload in the envelope. */
#define FQ_COSE_SUFFIX_MAX (2 + FQ_COSE_SIG_LEN)

/* "EdDSA" or "ES256". */
const char *fq_cose_alg_name(enum fq_cose_alg alg);

/*
 * Encode flowq's protected header {1: alg, 3: 60, 4: kid} into buf
 * (FQ_COSE_PROTECTED_MAX bytes). kid_len must be 1..FQ_COSE_KID_MAX.
 * Returns the length.
 */
size_t fq_cose_protected(enum fq_cose_alg alg, const void *kid, size_t kid_len, uint8_t *buf);
/*
 * The Sig_structure's bytes up to the payload's content:
 * 0x84 "Signature1" bstr(protected) h'' and the payload's bstr head. buf has
 * FQ_COSE_PREFIX_ROOM(protected_len) bytes. Returns the length.
 */
size_t fq_cose_tbs_prefix(const uint8_t *protected_map, size_t protected_len, uint64_t payload_len,
			  uint8_t *buf);
/*
 * The envelope's bytes up to the payload's content: tag 18, 0x84,
 * bstr(protected), the empty unprotected map and the payload's bstr head.
 * buf has FQ_COSE_PREFIX_ROOM(protected_len) bytes. Returns the length.
 */
size_t fq_cose_sign1_prefix(const uint8_t *protected_map, size_t protected_len,
			    uint64_t payload_len, uint8_t *buf);
/* The envelope's bytes after the payload: bstr(signature). Returns the length. */
size_t fq_cose_sign1_suffix(const uint8_t sig[FQ_COSE_SIG_LEN], uint8_t *buf);

/* A parsed COSE_Sign1: pointers and offsets into the parsed buffer. */
struct fq_cose_sign1 {
	enum fq_cose_alg alg;
	const uint8_t *protected_map; /* the protected bstr's content */
	size_t protected_len;
	const uint8_t *kid; /* NULL when the protected header has none */
	size_t kid_len;
	uint64_t payload_off; /* offset of the payload's content in the buffer */
	uint64_t payload_len;
	const uint8_t *sig;
	size_t sig_len;
};

/*
 * Parse buf[0..n) as one tagged COSE_Sign1 and nothing after it: a
 * protected header with alg EdDSA or ES256 (kid and other labels optional, no
 * crit), an unprotected map (ignored), an attached payload and a signature
 * byte string. Indefinite lengths are refused. Returns 0, or -EINVAL with the
 * first problem in err (one line).
 */
int fq_cose_parse(const uint8_t *buf, size_t n, struct fq_cose_sign1 *out, char *err,
		  size_t errlen);
/*
 * Check that p[0..n) is exactly one CBOR array whose elements are maps (a
 * flowq export payload) and give its element count. Returns 0, or -EINVAL
 * with the problem in err.
 */
int fq_cose_payload_records(const uint8_t *p, size_t n, uint64_t *records, char *err,
			    size_t errlen);

#endif
