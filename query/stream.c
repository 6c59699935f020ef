/* SPDX-License-Identifier: Apache-2.0 */
/* The row-listing skeleton; see stream.h. */
#include "stream.h"

#include "atomic_output.h"
#include "exit_code.h"
#include "dbset.h"
#include "fa_exit.h"
#include "merge.h"
#include "out.h"
#include "progress.h"
#include "writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *fq_col_text(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	return (const char *)sqlite3_column_text(st, col);
}

struct fq_value fq_col_value(sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		return fq_v_null();
	case SQLITE_INTEGER:
		return fq_v_int(sqlite3_column_int64(st, col));
	default:
		return fq_v_text(fq_col_text(st, col));
	}
}

/* One run of the skeleton: its handles (all released by stream_close) and its message. */
struct stream {
	const struct fq_cli *cli;
	const struct fq_stream_spec *spec;
	struct fq_dbset dbs;
	struct fq_atomic atomic;
	struct fq_merge merge;
	struct fq_writer writer;
	sqlite3_stmt *st[FQ_MAX_DB];
	struct fq_value *vals;
	struct fq_out *out;
	enum fq_format format;
	uint64_t expected; /* the record count a counted format announced */
	struct fq_progress progress;
	char err[1024];
};

/* The number of rows the export will have: the same query counted, under the same snapshot. */
static int count_rows(struct stream *s)
{
	sqlite3_stmt *st[FQ_MAX_DB] = {NULL};
	const struct fq_filters *f = &s->cli->filters;
	int rc = fq_dbset_prepare(&s->dbs, s->spec->count_kind, f, st, s->err, sizeof(s->err));
	if (rc)
		return rc;
	s->expected = 0;
	for (size_t i = 0; i < s->dbs.n; i++) {
		if (sqlite3_step(st[i]) != SQLITE_ROW) {
			snprintf(s->err, sizeof(s->err), "%s: query failed: %s", s->dbs.paths[i],
				 sqlite3_errmsg(s->dbs.db[i]));
			rc = -EIO;
			goto out;
		}
		s->expected += (uint64_t)sqlite3_column_int64(st[i], 0);
	}
	if ((f->set & FQ_F_LIMIT) && s->expected > (uint64_t)f->limit)
		s->expected = (uint64_t)f->limit;
out:
	fq_stmts_finalize(st, s->dbs.n);
	return rc;
}

/* Check and open the output, open the databases, set up the writer. Returns an fa_exit code. */
static int stream_open(struct stream *s)
{
	const struct fq_cli *cli = s->cli;
	if (cli->output &&
	    fq_atomic_check_target(cli->output, cli->dbs, cli->ndb, s->err, sizeof(s->err)))
		return FA_EXIT_USAGE;
	int rc = fq_dbset_open(&s->dbs, cli->dbs, cli->ndb, s->err, sizeof(s->err));
	if (rc)
		return fq_exit_code(rc, FA_EXIT_DB);
	int fd = STDOUT_FILENO;
	if (cli->output) {
		if (fq_atomic_open(&s->atomic, cli->output, s->err, sizeof(s->err)))
			return FA_EXIT_IO;
		fd = s->atomic.fd;
	}
	s->format = fq_format_resolve(cli->format, fd);
	s->out = calloc(1, sizeof(*s->out)); /* zeroed: fq_out_release is safe before init */
	s->vals = calloc(s->spec->schema->n, sizeof(*s->vals));
	if (!s->out || !s->vals) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		return FA_EXIT_INTERNAL;
	}
	fq_out_init(s->out, fd, cli->digest);
	if (fq_writer_init(&s->writer, s->format, s->out, s->spec->schema)) {
		snprintf(s->err, sizeof(s->err), "--format %s is not available here",
			 fq_format_name(s->format));
		return FA_EXIT_USAGE;
	}
	s->writer.signer = s->spec->signer;
	return FA_EXIT_OK;
}

/* Count the rows when the format needs it, prepare the query, begin the format. */
static int stream_begin(struct stream *s)
{
	int rc = fq_format_counted(s->format) ? count_rows(s) : 0;
	if (!rc)
		rc = fq_dbset_prepare(&s->dbs, s->spec->kind, &s->cli->filters, s->st, s->err,
				      sizeof(s->err));
	if (rc)
		return fq_exit_code(rc, FA_EXIT_DB);
	if (fq_merge_init(&s->merge, s->st, s->dbs.n, s->spec->key_col)) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		return FA_EXIT_INTERNAL;
	}
	rc = fq_writer_begin(&s->writer, s->expected);
	if (rc)
		return fq_exit_code(fq_writer_failure(&s->writer, rc, s->err, sizeof(s->err)),
				    FA_EXIT_IO);
	return FA_EXIT_OK;
}

/* Write every row, merged in time order, as a record, up to --limit. */
static int stream_rows(struct stream *s)
{
	const struct fq_filters *f = &s->cli->filters;
	const struct fq_stream_spec *spec = s->spec;
	bool limited = f->set & FQ_F_LIMIT;
	size_t which = 0;
	fq_progress_init(&s->progress, s->cli->output);
	while (!limited || s->writer.records < (uint64_t)f->limit) {
		int rc = fq_merge_next(&s->merge, &which);
		if (rc < 0) {
			snprintf(s->err, sizeof(s->err), "%s: reading failed: %s",
				 s->dbs.paths[which], sqlite3_errmsg(s->dbs.db[which]));
			return FA_EXIT_DB;
		}
		if (rc == 0)
			break;
		rc = spec->row(s->st[which], which, spec->ctx, s->vals);
		if (rc == -EINVAL && spec->row_error) {
			snprintf(s->err, sizeof(s->err), "%s: %s", s->dbs.paths[which],
				 spec->row_error(spec->ctx));
			return FA_EXIT_DB;
		}
		if (rc || fq_writer_record(&s->writer, s->vals)) {
			snprintf(s->err, sizeof(s->err), "out of memory");
			return FA_EXIT_INTERNAL;
		}
		if (s->out->err)
			break; /* the flush below says why */
		fq_progress_tick(&s->progress);
	}
	fq_progress_done(&s->progress);
	return FA_EXIT_OK;
}

/* End the format, flush, check the count, put --output in place, print the digest. */
static int stream_finish(struct stream *s)
{
	const struct fq_cli *cli = s->cli;
	int rc = fq_writer_end(&s->writer);
	if (rc)
		return fq_exit_code(fq_writer_failure(&s->writer, rc, s->err, sizeof(s->err)),
				    FA_EXIT_IO);
	rc = fq_out_flush(s->out);
	if (rc) {
		snprintf(s->err, sizeof(s->err), "%s: write failed: %s",
			 cli->output ? cli->output : "standard output", strerror(-rc));
		return FA_EXIT_IO;
	}
	if (fq_format_counted(s->format) && s->writer.records != s->expected) {
		snprintf(s->err, sizeof(s->err), "internal error: counted %llu records, wrote %llu",
			 (unsigned long long)s->expected, (unsigned long long)s->writer.records);
		return FA_EXIT_INTERNAL;
	}
	if (cli->output && fq_atomic_commit(&s->atomic, s->err, sizeof(s->err)))
		return FA_EXIT_IO;
	if (cli->digest) {
		char text[FA_SHA256_TEXT_LEN];
		if (fq_out_digest(s->out, text)) {
			snprintf(s->err, sizeof(s->err),
				 "--digest: libcrypto failed to hash the output");
			return FA_EXIT_INTERNAL;
		}
		fprintf(stderr, "%s\n", text);
	}
	return FA_EXIT_OK;
}

static void stream_close(struct stream *s)
{
	fq_writer_destroy(&s->writer);
	fq_merge_free(&s->merge);
	fq_stmts_finalize(s->st, s->dbs.n);
	fq_dbset_close(&s->dbs);
	fq_atomic_abort(&s->atomic);
	free(s->vals);
	if (s->out)
		fq_out_release(s->out);
	free(s->out);
}

int fq_stream_run(const struct fq_cli *cli, const struct fq_stream_spec *spec)
{
	struct stream s = {.cli = cli, .spec = spec, .atomic = {.fd = -1}};
	int exit_code = stream_open(&s);
	if (exit_code == FA_EXIT_OK)
		exit_code = stream_begin(&s);
	if (exit_code == FA_EXIT_OK)
		exit_code = stream_rows(&s);
	if (exit_code == FA_EXIT_OK)
		exit_code = stream_finish(&s);
	if (exit_code == FA_EXIT_OK)
		fq_progress_total(&s.progress, s.writer.records,
				  spec->kind == FQ_Q_EVENTS ? "decisions" : "rows", cli->output);
	if (exit_code != FA_EXIT_OK && s.err[0])
		fq_error(cli, "%s", s.err);
	stream_close(&s);
	return exit_code;
}
