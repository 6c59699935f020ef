/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CBOR encoding of records, RFC 8949 section 4.2.1 (core deterministic):
 * every head (integer, length) in its shortest form, definite lengths only,
 * map keys in the bytewise order of their encodings (the schema's static
 * cbor_order table, checked by a unit test, so nothing is sorted per record),
 * null as 0xf6, no floats. Text is made valid UTF-8 (U+FFFD) before writing.
 * Heads are written by fq_cbor_head in their shortest form (a unit test
 * compares it with libcbor's cbor_encode_* helpers over every width); the
 * keys are encoded once (keys.h).
 */
#ifndef FLOWQ_CBOR_WRITER_H
#define FLOWQ_CBOR_WRITER_H

#include "keys.h"
#include "out.h"
#include "record.h"

/* Major types used here. */
enum {
	FQ_CBOR_UINT = 0,
	FQ_CBOR_NEGINT = 1,
	FQ_CBOR_TEXT = 3,
	FQ_CBOR_ARRAY = 4,
	FQ_CBOR_MAP = 5,
};

/* The head of an item of major type major with value v, shortest form: 1 to 9 bytes. */
size_t fq_cbor_head(unsigned char out[9], unsigned major, uint64_t v);
/* Write a text string item. */
void fq_cbor_text(struct fq_out *o, const char *s, size_t n);
/* Write one value (null, text, unsigned or negative integer, bool). */
void fq_cbor_value(struct fq_out *o, const struct fq_value *v);
/* Write a definite-length array head for count items. */
void fq_cbor_array_start(struct fq_out *o, uint64_t count);
/*
 * Write one record as a definite-length map in the schema's cbor_order (keys
 * from fq_keys_init of a schema that has one).
 */
void fq_cbor_map(struct fq_out *o, const struct fq_keys *keys, const struct fq_value *vals);

#endif
