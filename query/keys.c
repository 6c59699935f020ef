/* SPDX-License-Identifier: Apache-2.0 */
/* Keys encoded once; see keys.h. */
#include "keys.h"

#include "cbor_writer.h"

#include <errno.h>
#include <string.h>

int fq_keys_init(struct fq_keys *k, const struct fq_schema *schema)
{
	memset(k, 0, sizeof(*k));
	if (schema->n > FQ_KEYS_MAX)
		return -EINVAL;
	k->n = schema->n;
	k->cbor_order = schema->cbor_order;
	size_t at = 0;
	for (size_t i = 0; i < schema->n; i++) {
		size_t len = strlen(schema->keys[i]);
		if (at + len + 4 > sizeof(k->json))
			return -EINVAL;
		k->json_at[i] = (uint16_t)at;
		k->json[at++] = i ? ',' : '{';
		k->json[at++] = '"';
		memcpy(k->json + at, schema->keys[i], len);
		at += len;
		k->json[at++] = '"';
		k->json[at++] = ':';
	}
	k->json_at[schema->n] = (uint16_t)at;
	if (!schema->cbor_order)
		return 0;
	at = fq_cbor_head(k->cbor, FQ_CBOR_MAP, schema->n);
	for (size_t j = 0; j < schema->n; j++) {
		const char *key = schema->keys[schema->cbor_order[j]];
		size_t len = strlen(key);
		if (at + len + 9 > sizeof(k->cbor))
			return -EINVAL;
		k->cbor_at[j] = (uint16_t)at;
		at += fq_cbor_head(k->cbor + at, FQ_CBOR_TEXT, len);
		memcpy(k->cbor + at, key, len);
		at += len;
	}
	k->cbor_at[schema->n] = (uint16_t)at;
	return 0;
}
