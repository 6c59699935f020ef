/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq health: per run, its last health row (the final one when the run
 * ended, else the latest tick) and a verdict. "lost" when anything was lost:
 * ring_drops + table_full + nflog_lost + daemon_drops + store_failures +
 * rejected + frag_unmatched > 0 (or nflog_overruns > 0 when the lost packets
 * are unknown), or received != decoded + rejected. Else "degraded" when
 * nothing was lost but the kernel was under pressure: some flows were
 * recorded without their own exact row (untracked, or aggregated into
 * summaries), ended early (evicted) or had their packets dropped
 * (fail_closed_drops). Else "folded" when repeated opens were folded into
 * their flows without a decision of their own (information: the export holds
 * one decision for them), else "ok". "no_health" when the run has no row.
 * Sums saturate: hand-edited counters cannot wrap to "ok".
 */
#include "commands.h"

#include "fa_time.h"
#include "stream.h"

static const char *const health_keys[] = {
	"cell_id",
	"run_id",
	"at",
	"is_final",
	"received",
	"decoded",
	"rejected",
	"events_written",
	"ring_drops",
	"table_full",
	"nflog_overruns",
	"store_failures",
	"flows_opened",
	"flows_closed",
	"duplicate_opens",
	"orphan_closes",
	"commits",
	"slowest_commit_us",
	"nflog_lost",
	"nflog_nonconforming",
	"daemon_drops",
	"frag_unmatched",
	"folded_opens",
	"tee_failures",
	"untracked",
	"evicted",
	"aggregated",
	"fail_closed_drops",
	"deferred_opens",
	"promoted",
	"ring_deferred",
	"kernel_packets",
	"lost",
	"verdict",
};

#define HEALTH_NKEYS (sizeof(health_keys) / sizeof(health_keys[0]))

/* cell, run, at, received .. store_failures, daemon_drops, frag_unmatched,
 * folded_opens, untracked, evicted, aggregated, fail_closed_drops, lost, verdict */
static const uint8_t health_table_cols[] = {0,	1,  2,	4,  5,	6,  7,	8,  9,	10,
					    11, 20, 21, 22, 24, 25, 26, 27, 32, 33};

static const struct fq_schema health_schema = {
	.n = HEALTH_NKEYS,
	.keys = health_keys,
	.table_cols = health_table_cols,
	.table_n = sizeof(health_table_cols),
};

struct health_scratch {
	char at[FA_RFC3339_LEN];
};

static uint64_t col_u(sqlite3_stmt *st, int col)
{
	int64_t v = sqlite3_column_int64(st, col);
	return v < 0 ? 0 : (uint64_t)v;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	uint64_t s;
	return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

static int health_row(sqlite3_stmt *st, size_t db, void *ctx, struct fq_value *v)
{
	(void)db;
	struct health_scratch *s = ctx;
	v[0] = fq_col_value(st, FQ_HE_CELL_ID);
	v[1] = fq_col_value(st, FQ_HE_RUN_ID);
	if (sqlite3_column_type(st, FQ_HE_AT) == SQLITE_NULL) {
		for (size_t i = 2; i < HEALTH_NKEYS - 1; i++)
			v[i] = fq_v_null();
		v[HEALTH_NKEYS - 1] = fq_v_text("no_health");
		return 0;
	}
	v[2] = fq_v_text(
		fa_time_format_rfc3339(sqlite3_column_int64(st, FQ_HE_AT), s->at, sizeof(s->at)));
	v[3] = fq_v_bool(sqlite3_column_int(st, FQ_HE_IS_FINAL) != 0);
	for (int c = FQ_HE_RECEIVED; c <= FQ_HE_KERNEL_PACKETS; c++)
		v[c - FQ_HE_RECEIVED + 4] = fq_col_value(st, c);
	uint64_t received = col_u(st, FQ_HE_RECEIVED), decoded = col_u(st, FQ_HE_DECODED);
	uint64_t rejected = col_u(st, FQ_HE_REJECTED);
	/* An overrun loses packets; their number comes from the sequence gaps
	 * (nflog_lost) when known, else it counts as at least one. */
	uint64_t nflog = col_u(st, FQ_HE_NFLOG_LOST);
	if (nflog == 0 && col_u(st, FQ_HE_NFLOG_OVERRUNS) > 0)
		nflog = col_u(st, FQ_HE_NFLOG_OVERRUNS);
	uint64_t lost =
		add_sat(add_sat(add_sat(col_u(st, FQ_HE_RING_DROPS), col_u(st, FQ_HE_TABLE_FULL)),
				add_sat(nflog, col_u(st, FQ_HE_DAEMON_DROPS))),
			add_sat(add_sat(col_u(st, FQ_HE_STORE_FAILURES), rejected),
				col_u(st, FQ_HE_FRAG_UNMATCHED)));
	uint64_t accounted;
	bool unbalanced =
		__builtin_add_overflow(decoded, rejected, &accounted) || received != accounted;
	bool pressure = col_u(st, FQ_HE_UNTRACKED) || col_u(st, FQ_HE_EVICTED) ||
			col_u(st, FQ_HE_AGGREGATED) || col_u(st, FQ_HE_FAIL_CLOSED_DROPS);
	v[HEALTH_NKEYS - 2] = fq_v_uint(lost);
	v[HEALTH_NKEYS - 1] = fq_v_text(lost || unbalanced		    ? "lost"
					: pressure			    ? "degraded"
					: col_u(st, FQ_HE_FOLDED_OPENS) > 0 ? "folded"
									    : "ok");
	return 0;
}

int fq_cmd_health(const struct fq_cli *cli)
{
	struct health_scratch scratch;
	const struct fq_stream_spec spec = {
		.kind = FQ_Q_HEALTH,
		.key_col = FQ_HE_STARTED_AT,
		.schema = &health_schema,
		.row = health_row,
		.ctx = &scratch,
	};
	return fq_stream_run(cli, &spec);
}
