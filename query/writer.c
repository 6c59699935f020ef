/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON and CBOR framings and format selection; see writer.h. */
#include "writer.h"

#include "cbor_writer.h"
#include "json_writer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const format_names[] = {
	[FQ_FMT_AUTO] = "auto",
	[FQ_FMT_TABLE] = "table",
	[FQ_FMT_JSON] = "json",
	[FQ_FMT_NDJSON] = "ndjson",
	[FQ_FMT_CBOR_SEQ] = "cbor-seq",
	[FQ_FMT_CBOR] = "cbor",
	[FQ_FMT_COSE_SIGN1] = "cose-sign1",
};

int fq_format_parse(const char *text, enum fq_format *out)
{
	for (size_t i = 1; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (strcmp(text, format_names[i]) == 0) {
			*out = (enum fq_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *fq_format_name(enum fq_format f)
{
	return format_names[f];
}

bool fq_format_counted(enum fq_format f)
{
	return f == FQ_FMT_CBOR || f == FQ_FMT_COSE_SIGN1;
}

int fq_writer_failure(const struct fq_writer *w, int rc, char *err, size_t errlen)
{
	if (!w->err[0]) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(err, errlen, "%s", w->err);
	return rc;
}

enum fq_format fq_format_resolve(enum fq_format f, int fd)
{
	if (f != FQ_FMT_AUTO)
		return f;
	return isatty(fd) ? FQ_FMT_TABLE : FQ_FMT_NDJSON;
}

static int none_begin(struct fq_writer *w, uint64_t count)
{
	(void)w;
	(void)count;
	return 0;
}

static int none_end(struct fq_writer *w)
{
	(void)w;
	return 0;
}

static int ndjson_record(struct fq_writer *w, const struct fq_value *vals)
{
	fq_json_object(w->out, &w->keys, vals);
	fq_out_byte(w->out, '\n');
	return 0;
}

static int json_begin(struct fq_writer *w, uint64_t count)
{
	(void)count;
	fq_out_byte(w->out, '[');
	return 0;
}

static int json_record(struct fq_writer *w, const struct fq_value *vals)
{
	if (w->records)
		fq_out_byte(w->out, ',');
	fq_json_object(w->out, &w->keys, vals);
	return 0;
}

static int json_end(struct fq_writer *w)
{
	fq_out_puts(w->out, "]\n");
	return 0;
}

static int cbor_begin(struct fq_writer *w, uint64_t count)
{
	fq_cbor_array_start(w->out, count);
	return 0;
}

static int cbor_record(struct fq_writer *w, const struct fq_value *vals)
{
	fq_cbor_map(w->out, &w->keys, vals);
	return 0;
}

static const struct fq_writer_ops ndjson_ops = {none_begin, ndjson_record, none_end, NULL};
static const struct fq_writer_ops json_ops = {json_begin, json_record, json_end, NULL};
static const struct fq_writer_ops cbor_seq_ops = {none_begin, cbor_record, none_end, NULL};
static const struct fq_writer_ops cbor_ops = {cbor_begin, cbor_record, none_end, NULL};

int fq_writer_init(struct fq_writer *w, enum fq_format f, struct fq_out *out,
		   const struct fq_schema *schema)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->schema = schema;
	if (fq_keys_init(&w->keys, schema))
		return -EINVAL;
	switch (f) {
	case FQ_FMT_NDJSON:
		w->ops = &ndjson_ops;
		return 0;
	case FQ_FMT_JSON:
		w->ops = &json_ops;
		return 0;
	case FQ_FMT_CBOR_SEQ:
	case FQ_FMT_CBOR:
	case FQ_FMT_COSE_SIGN1:
		if (!schema->cbor_order)
			return -EINVAL;
		w->ops = f == FQ_FMT_CBOR	? &cbor_ops
			 : f == FQ_FMT_CBOR_SEQ ? &cbor_seq_ops
						: &fq_cose_sign1_ops;
		return 0;
	case FQ_FMT_TABLE:
		w->ops = &fq_table_ops;
		return 0;
	case FQ_FMT_AUTO:
	default:
		return -EINVAL;
	}
}

int fq_writer_begin(struct fq_writer *w, uint64_t count)
{
	return w->ops->begin(w, count);
}

int fq_writer_record(struct fq_writer *w, const struct fq_value *vals)
{
	int rc = w->ops->record(w, vals);
	if (rc == 0)
		w->records++;
	return rc;
}

int fq_writer_end(struct fq_writer *w)
{
	return w->ops->end(w);
}

void fq_writer_destroy(struct fq_writer *w)
{
	if (w->ops && w->ops->destroy)
		w->ops->destroy(w);
	w->priv = NULL;
}
