/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: flowq verify-export's reading of untrusted files, the
 * COSE_Sign1 parser (fq_cose_parse) and the payload walker
 * (fq_cose_payload_records), on a copy of exactly the input's bytes so ASan
 * sees any read past the end. Invariants checked: a refusal carries a
 * reason; an accepted envelope's pieces lie inside the input, its alg is
 * EdDSA or ES256, and its payload offset and length are consistent.
 */
#include "cose.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const uint8_t *base, size_t n, const uint8_t *p, uint64_t len)
{
	return p >= base && (uint64_t)(p - base) <= n && len <= n - (uint64_t)(p - base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	struct fq_cose_sign1 s;
	char err[256] = "";
	if (fq_cose_parse(copy, size, &s, err, sizeof(err)) == 0) {
		if (s.alg != FQ_COSE_EDDSA && s.alg != FQ_COSE_ES256)
			abort();
		if (!inside(copy, size, s.protected_map, s.protected_len) ||
		    !inside(copy, size, s.sig, s.sig_len) ||
		    (s.kid && !inside(s.protected_map, s.protected_len, s.kid, s.kid_len)) ||
		    !inside(copy, size, copy + s.payload_off, s.payload_len))
			abort();
	} else if (err[0] == '\0') {
		abort();
	}
	/* The same bytes as a payload. */
	uint64_t records = 0;
	err[0] = '\0';
	if (fq_cose_payload_records(copy, size, &records, err, sizeof(err)) != 0 && err[0] == '\0')
		abort();
	free(copy);
	return 0;
}
