/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The skeleton shared by every row-listing sub-command (export, runs, flows,
 * health): open the databases in read transactions, prepare one statement
 * per database, merge their rows by time, turn each row into a record, write
 * it in the chosen format, to stdout or atomically to --output, with the
 * optional digest of the bytes and progress on a terminal.
 */
#ifndef FLOWQ_STREAM_H
#define FLOWQ_STREAM_H

#include "cli.h"
#include "query_sql.h"
#include "record.h"

#include <sqlite3.h>

struct fq_stream_spec {
	enum fq_query_kind kind;
	enum fq_query_kind count_kind; /* for the cbor array head; only read for export */
	int key_col; /* the time column the rows are ordered and merged by */
	const struct fq_schema *schema;
	/*
	 * Fill schema->n values from the current row of st (database index db).
	 * Text may point into st's row or into ctx. Returns 0, -ENOMEM, or
	 * -EINVAL when the row holds what the output must not show (a stored
	 * value outside its enum): the command then fails with FA_EXIT_DB and
	 * row_error's message.
	 */
	int (*row)(sqlite3_stmt *st, size_t db, void *ctx, struct fq_value *vals);
	/* The one-line reason of the last -EINVAL from row (NULL: no such rows). */
	const char *(*row_error)(void *ctx);
	void *ctx;
	const struct fq_cose_signer *signer; /* --format cose-sign1: key and kid (export) */
};

/*
 * Run spec for the parsed command line: the body of the command that calls
 * it, so it returns an fa_exit code (mapped with fq_exit_code, commands.h)
 * after printing one line for a failure.
 */
int fq_stream_run(const struct fq_cli *cli, const struct fq_stream_spec *spec);
/* Text of column col, or NULL when it is NULL. */
const char *fq_col_text(sqlite3_stmt *st, int col);
/* Column col as a value: NULL -> null, integer -> int, else text. */
struct fq_value fq_col_value(sqlite3_stmt *st, int col);

#endif
