/* SPDX-License-Identifier: Apache-2.0 */
/* JSON encoding of records; see json_writer.h. */
#include "json_writer.h"

#include "utf8.h"

#include <inttypes.h>
#include <stdio.h>

void fq_json_string(struct fq_out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0; /* start of the pending run of bytes copied as they are */
	fq_out_byte(o, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
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
		} else if (c >= 0x80) {
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
	char num[24];
	switch (v->type) {
	case FQ_V_TEXT:
		fq_json_string(o, v->s, v->len);
		return;
	case FQ_V_UINT:
		snprintf(num, sizeof(num), "%" PRIu64, v->u);
		fq_out_puts(o, num);
		return;
	case FQ_V_INT:
		snprintf(num, sizeof(num), "%" PRId64, v->i);
		fq_out_puts(o, num);
		return;
	case FQ_V_BOOL:
		fq_out_puts(o, v->b ? "true" : "false");
		return;
	case FQ_V_NULL:
	default:
		fq_out_puts(o, "null");
		return;
	}
}

void fq_json_object(struct fq_out *o, const struct fq_schema *schema, const struct fq_value *vals)
{
	fq_out_byte(o, '{');
	for (size_t i = 0; i < schema->n; i++) {
		if (i)
			fq_out_byte(o, ',');
		/* Keys are our own ASCII identifiers: no escaping needed. */
		fq_out_byte(o, '"');
		fq_out_puts(o, schema->keys[i]);
		fq_out_puts(o, "\":");
		fq_json_value(o, &vals[i]);
	}
	fq_out_byte(o, '}');
}
