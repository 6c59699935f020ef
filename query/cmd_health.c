/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq health: per run, its last health row (the final one when the run
 * ended, else the latest tick) and a verdict. The counters, their order and
 * what each weighs in the verdict come from the one list, common/fa_health.h:
 *
 *   lost      the sum of the LOST counters, plus the OVERRUN counter
 *             (nflog_overruns) when nflog_lost, which measures what overruns
 *             lost, is 0: an overrun loses at least one packet;
 *   "lost"     when lost > 0, or received != decoded + rejected;
 *   "degraded" else, when a DEGRADED counter is not 0: nothing was lost, but
 *              the kernel was under pressure (flows untracked, summarised,
 *              evicted, or their packets dropped by --fail-closed);
 *   "folded"   else, when a FOLDED counter is not 0: repeated opens were
 *              folded into their flows without a decision of their own (the
 *              export holds one decision for them);
 *   "ok"       else; "no_health" when the run has no health row.
 *
 * Sums saturate: hand-edited counters cannot wrap to "ok".
 */
#include "commands.h"

#include "fa_health.h"
#include "fa_time.h"
#include "stream.h"

/* The record: cell_id, run_id, at, is_final, every counter, lost, verdict. */
enum {
	KEY_CELL,
	KEY_RUN,
	KEY_AT,
	KEY_IS_FINAL,
	KEY_COUNTERS,
	KEY_LOST = KEY_COUNTERS + FA_HEALTH_COUNT,
	KEY_VERDICT,
	HEALTH_NKEYS,
};

static const char *const health_keys[HEALTH_NKEYS] = {
	[KEY_CELL] = "cell_id",
	[KEY_RUN] = "run_id",
	[KEY_AT] = "at",
	[KEY_IS_FINAL] = "is_final",
#define HEALTH_KEY(name, ...) [KEY_COUNTERS + FA_HC_##name] = #name,
	FA_HEALTH_COUNTERS(HEALTH_KEY)
#undef HEALTH_KEY
		[KEY_LOST] = "lost",
	[KEY_VERDICT] = "verdict",
};

struct health_scratch {
	char at[FA_RFC3339_LEN];
};

static uint64_t col_u(sqlite3_stmt *st, int col)
{
	int64_t v = sqlite3_column_int64(st, col);
	return v < 0 ? 0 : (uint64_t)v;
}

static uint64_t counter(sqlite3_stmt *st, enum fa_health_counter c)
{
	return col_u(st, FQ_HE_COUNTERS + (int)c);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	uint64_t s;
	return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

/* Fill v[KEY_LOST] and v[KEY_VERDICT] from the row's counters. */
static void judge(sqlite3_stmt *st, struct fq_value *v)
{
	uint64_t lost = 0, overruns = 0;
	bool degraded = false, folded = false;
	for (int c = 0; c < FA_HEALTH_COUNT; c++) {
		uint64_t n = counter(st, (enum fa_health_counter)c);
		switch (fa_health_list[c].verdict) {
		case FA_HEALTH_LOST:
			lost = add_sat(lost, n);
			break;
		case FA_HEALTH_OVERRUN:
			overruns = add_sat(overruns, n);
			break;
		case FA_HEALTH_DEGRADED:
			degraded = degraded || n > 0;
			break;
		case FA_HEALTH_FOLDED:
			folded = folded || n > 0;
			break;
		case FA_HEALTH_INFO:
			break;
		}
	}
	if (counter(st, FA_HC_nflog_lost) == 0)
		lost = add_sat(lost, overruns);
	uint64_t accounted, received = counter(st, FA_HC_received);
	bool unbalanced = __builtin_add_overflow(counter(st, FA_HC_decoded),
						 counter(st, FA_HC_rejected), &accounted) ||
			  received != accounted;
	v[KEY_LOST] = fq_v_uint(lost);
	v[KEY_VERDICT] = fq_v_text(lost || unbalanced ? "lost"
				   : degraded	      ? "degraded"
				   : folded	      ? "folded"
						      : "ok");
}

static int health_row(sqlite3_stmt *st, size_t db, void *ctx, struct fq_value *v)
{
	(void)db;
	struct health_scratch *s = ctx;
	v[KEY_CELL] = fq_col_value(st, FQ_HE_CELL_ID);
	v[KEY_RUN] = fq_col_value(st, FQ_HE_RUN_ID);
	if (sqlite3_column_type(st, FQ_HE_AT) == SQLITE_NULL) {
		for (int i = KEY_AT; i < KEY_VERDICT; i++)
			v[i] = fq_v_null();
		v[KEY_VERDICT] = fq_v_text("no_health");
		return 0;
	}
	v[KEY_AT] = fq_v_text(
		fa_time_format_rfc3339(sqlite3_column_int64(st, FQ_HE_AT), s->at, sizeof(s->at)));
	v[KEY_IS_FINAL] = fq_v_bool(sqlite3_column_int(st, FQ_HE_IS_FINAL) != 0);
	for (int c = 0; c < FA_HEALTH_COUNT; c++)
		v[KEY_COUNTERS + c] = fq_col_value(st, FQ_HE_COUNTERS + c);
	judge(st, v);
	return 0;
}

int fq_cmd_health(const struct fq_cli *cli)
{
	/* The table: cell, run, at, the counters the list marks, lost, verdict. */
	uint8_t cols[HEALTH_NKEYS];
	size_t ncols = 0;
	cols[ncols++] = KEY_CELL;
	cols[ncols++] = KEY_RUN;
	cols[ncols++] = KEY_AT;
	for (int c = 0; c < FA_HEALTH_COUNT; c++)
		if (fa_health_list[c].table)
			cols[ncols++] = (uint8_t)(KEY_COUNTERS + c);
	cols[ncols++] = KEY_LOST;
	cols[ncols++] = KEY_VERDICT;
	const struct fq_schema schema = {
		.n = HEALTH_NKEYS,
		.keys = health_keys,
		.table_cols = cols,
		.table_n = ncols,
	};
	struct health_scratch scratch;
	const struct fq_stream_spec spec = {
		.kind = FQ_Q_HEALTH,
		.key_col = FQ_HE_STARTED_AT,
		.schema = &schema,
		.row = health_row,
		.ctx = &scratch,
	};
	return fq_stream_run(cli, &spec);
}
