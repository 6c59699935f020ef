/* SPDX-License-Identifier: Apache-2.0 */
/* JSON encoding of records; see json_writer.h. */
#include "json_writer.h"

#include "utf8.h"

/* A byte copied as it is: printable ASCII other than '"' and '\'. */
static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void fq_json_string(struct fq_out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0; /* start of the pending run of bytes copied as they are */
	fq_out_byte(o, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (plain(c)) {
			i++;
			continue;
		}
		const char *esc = NULL;
		char u[7];
		size_t k = 1;
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\b')
			esc = "\\b";
		else if (c == '\f')
			esc = "\\f";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c < 0x20) {
			u[0] = '\\';
			u[1] = 'u';
			u[2] = '0';
			u[3] = '0';
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			u[6] = '\0';
			esc = u;
		} else {
			k = fa_utf8_seq_len(p + i, n - i);
			if (k == 0) {
				esc = FQ_UTF8_REPLACEMENT;
				k = 1;
			}
		}
		if (esc) {
			fq_out_write(o, p + run, i - run);
			fq_out_puts(o, esc);
			run = i + k;
		}
		i += k;
	}
	fq_out_write(o, p + run, n - run);
	fq_out_byte(o, '"');
}

void fq_json_value(struct fq_out *o, const struct fq_value *v)
{
	char *digits;
	switch (v->type) {
	case FQ_V_TEXT:
		fq_json_string(o, v->s, v->len);
		return;
	case FQ_V_UINT:
		digits = (char *)fq_out_reserve(o, FA_U64_TEXT_MAX);
		fq_out_commit(o, fa_u64_text(v->u, digits));
		return;
	case FQ_V_INT:
		if (v->i < 0)
			fq_out_byte(o, '-');
		digits = (char *)fq_out_reserve(o, FA_U64_TEXT_MAX);
		/* The magnitude of INT64_MIN does not fit an int64_t: negate as unsigned. */
		fq_out_commit(o,
			      fa_u64_text(v->i < 0 ? 0 - (uint64_t)v->i : (uint64_t)v->i, digits));
		return;
	case FQ_V_BOOL:
		if (v->b)
			fq_out_write(o, "true", 4);
		else
			fq_out_write(o, "false", 5);
		return;
	case FQ_V_NULL:
	default:
		fq_out_write(o, "null", 4);
		return;
	}
}

void fq_json_object(struct fq_out *o, const struct fq_keys *keys, const struct fq_value *vals)
{
	if (keys->n == 0)
		fq_out_byte(o, '{');
	for (size_t i = 0; i < keys->n; i++) {
		fq_out_write(o, keys->json + keys->json_at[i],
			     (size_t)(keys->json_at[i + 1] - keys->json_at[i]));
		fq_json_value(o, &vals[i]);
	}
	fq_out_byte(o, '}');
}
