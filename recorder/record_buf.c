/* SPDX-License-Identifier: Apache-2.0 */
/* Growable raw-record batch; see record_buf.h. */
#include "record_buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int record_buf_push(struct record_buf *b, uint32_t kind, const void *data, size_t len)
{
	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct fa_raw_record *recs = realloc(b->recs, cap * sizeof(*recs));
		if (!recs)
			return -ENOMEM;
		b->recs = recs;
		b->cap = cap;
	}
	/* Allocate even for an empty payload: record_buf_data must never offset NULL. */
	if (b->used + len > b->bytes_cap || !b->bytes) {
		size_t cap = b->bytes_cap ? b->bytes_cap : 16384;
		while (cap < b->used + len)
			cap *= 2;
		uint8_t *bytes = realloc(b->bytes, cap);
		if (!bytes)
			return -ENOMEM;
		b->bytes = bytes;
		b->bytes_cap = cap;
	}
	if (len)
		memcpy(b->bytes + b->used, data, len);
	b->recs[b->count++] =
		(struct fa_raw_record){.kind = kind, .len = (uint32_t)len, .offset = b->used};
	b->used += len;
	return 0;
}

void record_buf_drop_front(struct record_buf *b, size_t n)
{
	if (n >= b->count) {
		record_buf_clear(b);
		return;
	}
	size_t base = b->recs[n].offset;
	memmove(b->bytes, b->bytes + base, b->used - base);
	b->used -= base;
	b->count -= n;
	memmove(b->recs, b->recs + n, b->count * sizeof(*b->recs));
	for (size_t i = 0; i < b->count; i++)
		b->recs[i].offset -= base;
}

void record_buf_clear(struct record_buf *b)
{
	b->count = 0;
	b->used = 0;
}

void record_buf_free(struct record_buf *b)
{
	free(b->recs);
	free(b->bytes);
	*b = (struct record_buf){0};
}
