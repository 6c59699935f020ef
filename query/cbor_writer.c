/* SPDX-License-Identifier: Apache-2.0 */
/* Deterministic CBOR encoding of records; see cbor_writer.h. */
#include "cbor_writer.h"

#include "utf8.h"

#include <cbor.h>
#include <string.h>

/* True when s[0..n) is ASCII: valid UTF-8 as it is, nothing to measure. */
static bool ascii(const char *s, size_t n)
{
	unsigned char any = 0;
	for (size_t i = 0; i < n; i++)
		any |= (unsigned char)s[i];
	return any < 0x80;
}

void fq_cbor_text(struct fq_out *o, const char *s, size_t n)
{
	unsigned char head[9];
	size_t clean = ascii(s, n) ? n : fq_utf8_clean_len(s, n);
	fq_out_write(o, head, cbor_encode_string_start(clean, head, sizeof(head)));
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
	unsigned char buf[9];
	size_t n;
	switch (v->type) {
	case FQ_V_TEXT:
		fq_cbor_text(o, v->s, v->len);
		return;
	case FQ_V_UINT:
		n = cbor_encode_uint(v->u, buf, sizeof(buf));
		break;
	case FQ_V_INT:
		/* Major type 1 carries -1 - value. */
		n = v->i >= 0 ? cbor_encode_uint((uint64_t)v->i, buf, sizeof(buf))
			      : cbor_encode_negint((uint64_t)(-1 - v->i), buf, sizeof(buf));
		break;
	case FQ_V_BOOL:
		n = cbor_encode_bool(v->b, buf, sizeof(buf));
		break;
	case FQ_V_NULL:
	default:
		n = cbor_encode_null(buf, sizeof(buf));
		break;
	}
	fq_out_write(o, buf, n);
}

void fq_cbor_array_start(struct fq_out *o, uint64_t count)
{
	unsigned char buf[9];
	fq_out_write(o, buf, cbor_encode_array_start((size_t)count, buf, sizeof(buf)));
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
