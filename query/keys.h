/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A schema's keys encoded once per output rather than once per record: the
 * JSON fragment before each value ('{"key":' for the first, ',"key":' for
 * the others) and the CBOR map head and key items in the schema's cbor_order.
 * Writers append these bytes as they are (json_writer.h, cbor_writer.h).
 * Keys are the project's own ASCII identifiers: nothing to escape.
 */
#ifndef FLOWQ_KEYS_H
#define FLOWQ_KEYS_H

#include "record.h"

#include <stddef.h>
#include <stdint.h>

#define FQ_KEYS_MAX 64
#define FQ_KEYS_BYTES 2048

struct fq_keys {
	size_t n;
	const uint8_t *cbor_order; /* the schema's, or NULL: no CBOR */
	/* JSON: fragment i is json[json_at[i]..json_at[i + 1]) */
	uint16_t json_at[FQ_KEYS_MAX + 1];
	char json[FQ_KEYS_BYTES];
	/* CBOR: the map head, then item j (key cbor_order[j]) is cbor[cbor_at[j]..cbor_at[j + 1]) */
	uint16_t cbor_at[FQ_KEYS_MAX + 1];
	unsigned char cbor[FQ_KEYS_BYTES];
};

/*
 * Encode schema's keys into k. Returns 0, or -EINVAL when the schema has more
 * than FQ_KEYS_MAX keys or they need more than FQ_KEYS_BYTES.
 */
int fq_keys_init(struct fq_keys *k, const struct fq_schema *schema);

#endif
