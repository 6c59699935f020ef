/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output formats behind one interface, chosen once per command:
 *
 *   fq_writer_init(w, format, out, schema)
 *   fq_writer_begin(w, count)   count: records to come (needed by cbor only)
 *   fq_writer_record(w, values) once per record, in order
 *   fq_writer_end(w)            closes the array, flushes tables
 *   fq_writer_destroy(w)
 *
 * ndjson: one JSON object per line. json: one array "[obj,obj]\n", written as
 * the records arrive. cbor-seq: RFC 8742, one CBOR map per record. cbor: one
 * definite-length array of maps (its head needs the count up front). table:
 * aligned columns for a terminal; widths come from the first rows.
 * cose-sign1: the cbor bytes as the payload of one signed COSE_Sign1
 * (cose_writer.h); it needs w->signer set before begin.
 *
 * begin and end return 0 or -errno, with the reason in w->err when w->err is
 * set, else -ENOMEM. cose-sign1's say -EINVAL for a missing --kid, -EIO for
 * its temporary file, -EFAULT for an internal failure, and cose_sig.h's
 * errors.
 */
#ifndef FLOWQ_WRITER_H
#define FLOWQ_WRITER_H

#include "keys.h"
#include "out.h"
#include "record.h"

enum fq_format {
	FQ_FMT_AUTO = 0, /* table on a terminal, else ndjson */
	FQ_FMT_TABLE,
	FQ_FMT_JSON,
	FQ_FMT_NDJSON,
	FQ_FMT_CBOR_SEQ,
	FQ_FMT_CBOR,
	FQ_FMT_COSE_SIGN1,
};

struct fq_writer;
struct fq_cose_signer;

struct fq_writer_ops {
	int (*begin)(struct fq_writer *w, uint64_t count);
	int (*record)(struct fq_writer *w, const struct fq_value *vals);
	int (*end)(struct fq_writer *w);
	void (*destroy)(struct fq_writer *w);
};

struct fq_writer {
	const struct fq_writer_ops *ops;
	struct fq_out *out;
	const struct fq_schema *schema;
	struct fq_keys keys; /* the schema's keys, encoded once */
	uint64_t records; /* records written so far */
	void *priv; /* format state (table, cose-sign1) */
	const struct fq_cose_signer *signer; /* cose-sign1: the key and the kid */
	char err[512]; /* why begin or end failed, when they say so */
};

/* The table format's operations (table_writer.c). */
extern const struct fq_writer_ops fq_table_ops;
/* The cose-sign1 format's operations (cose_writer.c; w->signer must be set). */
extern const struct fq_writer_ops fq_cose_sign1_ops;

/* Parse a --format value. Returns 0, or -EINVAL for an unknown name. */
int fq_format_parse(const char *text, enum fq_format *out);
/* The --format name of f. */
const char *fq_format_name(enum fq_format f);
/* True when f writes one definite-length array, whose head needs the record count. */
bool fq_format_counted(enum fq_format f);
/*
 * After begin or end returned rc != 0: the one-line reason copied into err,
 * and the error (-ENOMEM when the writer gave no reason).
 */
int fq_writer_failure(const struct fq_writer *w, int rc, char *err, size_t errlen);
/* FQ_FMT_AUTO resolved against the fd: table when it is a terminal, else ndjson. */
enum fq_format fq_format_resolve(enum fq_format f, int fd);
/*
 * Set up w to write format f (not AUTO) into out. Returns 0, or -EINVAL when
 * the schema cannot be written in f (CBOR without a cbor_order table, or
 * more keys than struct fq_keys holds).
 */
int fq_writer_init(struct fq_writer *w, enum fq_format f, struct fq_out *out,
		   const struct fq_schema *schema);
/* Start the output; count is the number of records that will follow (cbor needs it). */
int fq_writer_begin(struct fq_writer *w, uint64_t count);
/* Write one record (schema->n values). Returns 0 or -ENOMEM. */
int fq_writer_record(struct fq_writer *w, const struct fq_value *vals);
/* Finish the output (closing bracket, table flush, signature). See above for errors. */
int fq_writer_end(struct fq_writer *w);
/* Release format state; safe on a zeroed writer. */
void fq_writer_destroy(struct fq_writer *w);

#endif
