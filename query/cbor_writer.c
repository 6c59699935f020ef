/* SPDX-License-Identifier: Apache-2.0 */
/* Deterministic CBOR encoding of records; see cbor_writer.h. */
#include "cbor_writer.h"

#include "utf8.h"

#include <string.h>

/* True when s[0..n) is ASCII: valid UTF-8 as it is, nothing to measure. */
static bool ascii(const char *s, size_t n)
{
	unsigned char any = 0;
	for (size_t i = 0; i < n; i++)
		any |= (unsigned char)s[i];
	return any < 0x80;
}

size_t fq_cbor_head(unsigned char out[9], unsigned major, uint64_t v)
{
	unsigned char m = (unsigned char)(major << 5);
	if (v < 24) {
		out[0] = (unsigned char)(m | v);
		return 1;
	}
	size_t bytes = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffu ? 4 : 8;
	/* additional information 24..27: 1, 2, 4 or 8 bytes follow, big-endian */
	out[0] = (unsigned char)(m | (bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27));
	for (size_t i = 0; i < bytes; i++)
		out[1 + i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
	return 1 + bytes;
}

/* A head written straight into the buffer. */
static void put_head(struct fq_out *o, unsigned major, uint64_t v)
{
	fq_out_commit(o, fq_cbor_head(fq_out_reserve(o, 9), major, v));
}

void fq_cbor_text(struct fq_out *o, const char *s, size_t n)
{
	size_t clean = ascii(s, n) ? n : fq_utf8_clean_len(s, n);
	put_head(o, FQ_CBOR_TEXT, clean);
	if (clean == n) {
		fq_out_write(o, s, n);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0;
	for (size_t i = 0; i < n;) {
		size_t k = fa_utf8_seq_len(p + i, n - i);
		if (k) {
			i += k;
			continue;
		}
		fq_out_write(o, p + run, i - run);
		fq_out_write(o, FQ_UTF8_REPLACEMENT, 3);
		run = ++i;
	}
	fq_out_write(o, p + run, n - run);
}

void fq_cbor_value(struct fq_out *o, const struct fq_value *v)
{
	switch (v->type) {
	case FQ_V_TEXT:
		fq_cbor_text(o, v->s, v->len);
		return;
	case FQ_V_UINT:
		put_head(o, FQ_CBOR_UINT, v->u);
		return;
	case FQ_V_INT:
		/* Major type 1 carries -1 - value. */
		if (v->i >= 0)
			put_head(o, FQ_CBOR_UINT, (uint64_t)v->i);
		else
			put_head(o, FQ_CBOR_NEGINT, (uint64_t)(-1 - v->i));
		return;
	case FQ_V_BOOL:
		fq_out_byte(o, v->b ? 0xf5 : 0xf4);
		return;
	case FQ_V_NULL:
	default:
		fq_out_byte(o, 0xf6);
		return;
	}
}

void fq_cbor_array_start(struct fq_out *o, uint64_t count)
{
	put_head(o, FQ_CBOR_ARRAY, count);
}

void fq_cbor_map(struct fq_out *o, const struct fq_keys *keys, const struct fq_value *vals)
{
	fq_out_write(o, keys->cbor, keys->cbor_at[0]);
	for (size_t j = 0; j < keys->n; j++) {
		fq_out_write(o, keys->cbor + keys->cbor_at[j],
			     (size_t)(keys->cbor_at[j + 1] - keys->cbor_at[j]));
		fq_cbor_value(o, &vals[keys->cbor_order[j]]);
	}
}
