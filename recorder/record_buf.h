/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A growable batch of raw kernel records, owned by the main loop and filled by
 * a source's drain(). Records are copied in (the ring-buffer callback only
 * copies, never decodes or stores; see STYLE.md) and referenced by offset so
 * the byte area can grow without invalidating anything.
 */
#ifndef FLOWAUDIT_RECORD_BUF_H
#define FLOWAUDIT_RECORD_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Kinds a source uses for framing problems; never written to a file. */
#define RAW_KIND_TRUNCATED 0xffffff01u /* a frame cut short by the end of input */
#define RAW_KIND_OVERSIZE 0xffffff02u /* a frame longer than REPLAY_MAX_PAYLOAD (skipped) */

struct fa_raw_record {
	uint32_t kind; /* REPLAY_KIND_* (bpf/replay_frame.h) or RAW_KIND_* */
	uint32_t len; /* payload bytes */
	size_t offset; /* into record_buf.bytes */
};

struct record_buf {
	struct fa_raw_record *recs;
	size_t count;
	size_t cap;
	uint8_t *bytes;
	size_t used;
	size_t bytes_cap;
};

/* Append one record (copying len bytes of data). 0, or -ENOMEM (nothing appended). */
int record_buf_push(struct record_buf *b, uint32_t kind, const void *data, size_t len);
/* The payload of record i. */
static inline const uint8_t *record_buf_data(const struct record_buf *b, size_t i)
{
	return b->bytes + b->recs[i].offset;
}
/* Forget the first n records (already processed), moving the rest to the front. */
void record_buf_drop_front(struct record_buf *b, size_t n);
/* Forget the records, keep the memory. */
void record_buf_clear(struct record_buf *b);
/* Free the memory; NULL-safe members. */
void record_buf_free(struct record_buf *b);

#endif
