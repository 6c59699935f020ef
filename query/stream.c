/* SPDX-License-Identifier: Apache-2.0 */
/* The row-listing skeleton; see stream.h. */
#include "stream.h"

#include "atomic_output.h"
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

/* The number of rows the export will have: the same query counted, under the same snapshot. */
static int count_rows(const struct fq_cli *cli, struct fq_dbset *dbs,
		      const struct fq_stream_spec *spec, uint64_t *total, char *err, size_t errlen)
{
	sqlite3_stmt *st[FQ_MAX_DB] = {NULL};
	int rc = fq_dbset_prepare(dbs, spec->count_kind, &cli->filters, st, err, errlen);
	if (rc)
		return rc;
	*total = 0;
	for (size_t i = 0; i < dbs->n; i++) {
		if (sqlite3_step(st[i]) != SQLITE_ROW) {
			snprintf(err, errlen, "%s: query failed: %s", dbs->paths[i],
				 sqlite3_errmsg(dbs->db[i]));
			rc = -FA_EXIT_DB;
			goto out;
		}
		*total += (uint64_t)sqlite3_column_int64(st[i], 0);
	}
	if ((cli->filters.set & FQ_F_LIMIT) && *total > (uint64_t)cli->filters.limit)
		*total = (uint64_t)cli->filters.limit;
out:
	fq_stmts_finalize(st, dbs->n);
	return rc;
}

int fq_stream_run(const struct fq_cli *cli, const struct fq_stream_spec *spec)
{
	struct fq_dbset dbs = {0};
	struct fq_atomic atomic = {.fd = -1};
	struct fq_merge merge = {0};
	struct fq_writer writer = {0};
	struct fq_progress progress;
	sqlite3_stmt *st[FQ_MAX_DB] = {NULL};
	struct fq_value *vals = NULL;
	struct fq_out *out = NULL;
	char err[1024] = "";
	int exit_code = FA_EXIT_OK;
	uint64_t expected = 0;

	if (cli->output &&
	    fq_atomic_check_target(cli->output, cli->dbs, cli->ndb, err, sizeof(err))) {
		exit_code = FA_EXIT_USAGE;
		goto fail;
	}
	int rc = fq_dbset_open(&dbs, cli->dbs, cli->ndb, err, sizeof(err));
	if (rc) {
		exit_code = -rc;
		goto fail;
	}
	int fd = STDOUT_FILENO;
	if (cli->output) {
		if (fq_atomic_open(&atomic, cli->output, err, sizeof(err))) {
			exit_code = FA_EXIT_IO;
			goto fail;
		}
		fd = atomic.fd;
	}
	enum fq_format format = fq_format_resolve(cli->format, fd);
	out = calloc(1, sizeof(*out)); /* zeroed: fq_out_release is safe before init */
	vals = calloc(spec->schema->n, sizeof(*vals));
	if (!out || !vals) {
		snprintf(err, sizeof(err), "out of memory");
		exit_code = FA_EXIT_INTERNAL;
		goto fail;
	}
	fq_out_init(out, fd, cli->digest);
	if (fq_writer_init(&writer, format, out, spec->schema)) {
		snprintf(err, sizeof(err), "--format %s is not available here",
			 fq_format_name(format));
		exit_code = FA_EXIT_USAGE;
		goto fail;
	}
	writer.signer = spec->signer;
	if (fq_format_counted(format)) {
		rc = count_rows(cli, &dbs, spec, &expected, err, sizeof(err));
		if (rc) {
			exit_code = -rc;
			goto fail;
		}
	}
	rc = fq_dbset_prepare(&dbs, spec->kind, &cli->filters, st, err, sizeof(err));
	if (rc) {
		exit_code = -rc;
		goto fail;
	}
	if (fq_merge_init(&merge, st, dbs.n, spec->key_col)) {
		snprintf(err, sizeof(err), "out of memory");
		exit_code = FA_EXIT_INTERNAL;
		goto fail;
	}
	rc = fq_writer_begin(&writer, expected);
	if (rc) {
		exit_code = fq_writer_failure(&writer, rc, err, sizeof(err));
		goto fail;
	}
	fq_progress_init(&progress);
	bool limited = cli->filters.set & FQ_F_LIMIT;
	size_t which = 0;
	while (!limited || writer.records < (uint64_t)cli->filters.limit) {
		rc = fq_merge_next(&merge, &which);
		if (rc < 0) {
			snprintf(err, sizeof(err), "%s: reading failed: %s", dbs.paths[which],
				 sqlite3_errmsg(dbs.db[which]));
			exit_code = FA_EXIT_DB;
			goto fail;
		}
		if (rc == 0)
			break;
		rc = spec->row(st[which], which, spec->ctx, vals);
		if (rc == -EINVAL && spec->row_error) {
			snprintf(err, sizeof(err), "%s: %s", dbs.paths[which],
				 spec->row_error(spec->ctx));
			exit_code = FA_EXIT_DB;
			goto fail;
		}
		if (rc || fq_writer_record(&writer, vals)) {
			snprintf(err, sizeof(err), "out of memory");
			exit_code = FA_EXIT_INTERNAL;
			goto fail;
		}
		if (out->err)
			break;
		fq_progress_tick(&progress);
	}
	fq_progress_done(&progress);
	rc = fq_writer_end(&writer);
	if (rc) {
		exit_code = fq_writer_failure(&writer, rc, err, sizeof(err));
		goto fail;
	}
	rc = fq_out_flush(out);
	if (rc) {
		snprintf(err, sizeof(err), "%s: write failed: %s",
			 cli->output ? cli->output : "standard output", strerror(-rc));
		exit_code = FA_EXIT_IO;
		goto fail;
	}
	if (fq_format_counted(format) && writer.records != expected) {
		snprintf(err, sizeof(err), "internal error: counted %llu records, wrote %llu",
			 (unsigned long long)expected, (unsigned long long)writer.records);
		exit_code = FA_EXIT_INTERNAL;
		goto fail;
	}
	if (cli->output && fq_atomic_commit(&atomic, err, sizeof(err))) {
		exit_code = FA_EXIT_IO;
		goto fail;
	}
	if (cli->digest) {
		char text[FA_SHA256_TEXT_LEN];
		if (fq_out_digest(out, text)) {
			snprintf(err, sizeof(err), "--digest: libcrypto failed to hash the output");
			exit_code = FA_EXIT_INTERNAL;
			goto fail;
		}
		fprintf(stderr, "%s\n", text);
	}
	goto done;
fail:
	if (err[0])
		fq_error(cli, "%s", err);
done:
	fq_writer_destroy(&writer);
	fq_merge_free(&merge);
	fq_stmts_finalize(st, dbs.n);
	fq_dbset_close(&dbs);
	fq_atomic_abort(&atomic);
	free(vals);
	if (out)
		fq_out_release(out);
	free(out);
	return exit_code;
}
