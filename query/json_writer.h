/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 8259 JSON encoding of records. Strings: '"' and '\' escaped, control
 * characters below 0x20 as the short escapes (\b \f \n \r \t) or \u00XX,
 * invalid UTF-8 replaced by U+FFFD, everything else copied. Integers in
 * decimal; keys in schema order; no whitespace.
 */
#ifndef FLOWQ_JSON_WRITER_H
#define FLOWQ_JSON_WRITER_H

#include "keys.h"
#include "out.h"
#include "record.h"

/* Write s[0..n) as a JSON string, with its quotes. */
void fq_json_string(struct fq_out *o, const char *s, size_t n);
/* Write one value (null, string, number, true/false). */
void fq_json_value(struct fq_out *o, const struct fq_value *v);
/* Write one record as an object {"key":value,...} in schema order (keys from fq_keys_init). */
void fq_json_object(struct fq_out *o, const struct fq_keys *keys, const struct fq_value *vals);

#endif
