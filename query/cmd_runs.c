/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq runs: one record per run. unique_flows follows the seed's
 * FlowAccumulator: flows whose open was seen (a duplicate open is one flow,
 * a close without an open counts nothing), i.e. flows rows with open_seen=1.
 */
#include "commands.h"

#include "fa_time.h"
#include "stream.h"

static const char *const run_keys[] = {
	"cell_id",	 "run_id",    "started_at",	  "ended_at",	    "end_status",
	"policy_digest", "keyset_id", "issuer_kid",	  "correlation_id", "source",
	"iface",	 "host",      "recorder_version", "events",	    "flows",
	"unique_flows",	 "rejects",
};

static const uint8_t run_table_cols[] = {0, 1, 2, 3, 4, 9, 13, 14, 15, 16};

static const struct fq_schema run_schema = {
	.n = sizeof(run_keys) / sizeof(run_keys[0]),
	.keys = run_keys,
	.table_cols = run_table_cols,
	.table_n = sizeof(run_table_cols),
};

struct run_scratch {
	char started[FA_RFC3339_LEN];
	char ended[FA_RFC3339_LEN];
};

static int run_row(sqlite3_stmt *st, size_t db, void *ctx, struct fq_value *v)
{
	(void)db;
	struct run_scratch *s = ctx;
	for (int c = 0; c < (int)run_schema.n; c++)
		v[c] = fq_col_value(st, c);
	v[FQ_RU_STARTED_AT] = fq_v_text(fa_time_format_rfc3339(
		sqlite3_column_int64(st, FQ_RU_STARTED_AT), s->started, sizeof(s->started)));
	if (sqlite3_column_type(st, FQ_RU_ENDED_AT) == SQLITE_NULL) {
		/* Never ended cleanly: still recording, or the recorder was killed. */
		v[FQ_RU_ENDED_AT] = fq_v_null();
		if (v[FQ_RU_END_STATUS].type == FQ_V_NULL)
			v[FQ_RU_END_STATUS] = fq_v_text("running_or_killed");
	} else {
		v[FQ_RU_ENDED_AT] = fq_v_text(fa_time_format_rfc3339(
			sqlite3_column_int64(st, FQ_RU_ENDED_AT), s->ended, sizeof(s->ended)));
	}
	return 0;
}

int fq_cmd_runs(const struct fq_cli *cli)
{
	struct run_scratch scratch;
	const struct fq_stream_spec spec = {
		.kind = FQ_Q_RUNS,
		.key_col = FQ_RU_STARTED_AT,
		.schema = &run_schema,
		.row = run_row,
		.ctx = &scratch,
	};
	return fq_stream_run(cli, &spec);
}
