/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq flows: the connection-tracking rows (one per connection), with state,
 * close reason, counters of both directions and duration (closed_at, or the
 * last packet while open, minus opened_at). closed_at is when the close was
 * decided (the FIN/RST, the idle sweep, the run's end); last_seen_at is the
 * flow's last packet (packets during a TCP close's linger count). ICMP flows
 * show their type, code and echo identifier instead of ports; midstream marks
 * a TCP flow continued without its SYN.
 * kind says what a row stands for: "flow" (tracked by the kernel or the
 * recorder), "untracked" (a flow the kernel's table could not hold: the
 * counters of the packets it reported), or "summary" (flow_count flows
 * aggregated under pressure: resp_addr is a prefix "10.77.0.0/24", no
 * originator, resp_port null for every port).
 */
#include "commands.h"

#include "fa_addr.h"
#include "fa_names.h"
#include "fa_time.h"
#include "stream.h"

#include <string.h>

static const char *const flow_keys[] = {
	"cell_id",     "run_id",       "flow_id",	  "state",	  "close_reason",
	"direction",   "protocol",     "protocol_number", "orig_addr",	  "orig_port",
	"resp_addr",   "resp_port",    "opened_at",	  "last_seen_at", "closed_at",
	"duration_ns", "orig_packets", "resp_packets",	  "orig_bytes",	  "resp_bytes",
	"open_seen",   "icmp_type",    "icmp_code",	  "icmp_id",	  "midstream",
	"kind",	       "flow_count",
};

enum {
	K_CELL,
	K_RUN,
	K_FLOW_ID,
	K_STATE,
	K_CLOSE_REASON,
	K_DIRECTION,
	K_PROTOCOL,
	K_PROTOCOL_NUMBER,
	K_ORIG_ADDR,
	K_ORIG_PORT,
	K_RESP_ADDR,
	K_RESP_PORT,
	K_OPENED_AT,
	K_LAST_SEEN_AT,
	K_CLOSED_AT,
	K_DURATION,
	K_ORIG_PACKETS,
	K_RESP_PACKETS,
	K_ORIG_BYTES,
	K_RESP_BYTES,
	K_OPEN_SEEN,
	K_ICMP_TYPE,
	K_ICMP_CODE,
	K_ICMP_ID,
	K_MIDSTREAM,
	K_KIND,
	K_FLOW_COUNT,
	K_COUNT,
};

static const uint8_t flow_table_cols[] = {
	K_OPENED_AT,	K_CELL,		K_RUN,	      K_STATE,	    K_CLOSE_REASON, K_DIRECTION,
	K_PROTOCOL,	K_ORIG_ADDR,	K_ORIG_PORT,  K_RESP_ADDR,  K_RESP_PORT,    K_DURATION,
	K_ORIG_PACKETS, K_RESP_PACKETS, K_ORIG_BYTES, K_RESP_BYTES, K_ICMP_TYPE,    K_ICMP_CODE,
	K_MIDSTREAM,	K_KIND,		K_FLOW_COUNT,
};

static const struct fq_schema flow_schema = {
	.n = K_COUNT,
	.keys = flow_keys,
	.table_cols = flow_table_cols,
	.table_n = sizeof(flow_table_cols),
};

struct flow_scratch {
	char orig[FA_ADDR_TEXT_MAX], resp[FA_PREFIX_TEXT_MAX];
	char opened[FA_RFC3339_LEN], last[FA_RFC3339_LEN], closed[FA_RFC3339_LEN];
};

/* An address column as text; with prefix_len >= 0, as the prefix "a/len". */
static struct fq_value addr_value(sqlite3_stmt *st, int col, int family, int prefix_len, char *buf,
				  size_t len)
{
	if (sqlite3_column_type(st, col) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, col) != FA_ADDR_LEN || (family != 4 && family != 6))
		return fq_v_null();
	struct fa_addr a;
	memcpy(a.b, sqlite3_column_blob(st, col), FA_ADDR_LEN);
	if (prefix_len >= 0 && prefix_len <= 128)
		return fq_v_text(fa_prefix_format(&a, family, (unsigned)prefix_len, buf, len));
	return fq_v_text(fa_addr_format(&a, family, buf, len));
}

static struct fq_value time_value(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return fq_v_null();
	return fq_v_text(fa_time_format_rfc3339(sqlite3_column_int64(st, col), buf, len));
}

static int flow_row(sqlite3_stmt *st, size_t db, void *ctx, struct fq_value *v)
{
	(void)db;
	struct flow_scratch *s = ctx;
	int family = sqlite3_column_int(st, FQ_FL_FAMILY);
	int proto = sqlite3_column_int(st, FQ_FL_PROTOCOL);
	bool summary = sqlite3_column_type(st, FQ_FL_PREFIX_LEN) == SQLITE_INTEGER;
	int prefix_len = summary ? sqlite3_column_int(st, FQ_FL_PREFIX_LEN) : -1;
	v[K_CELL] = fq_col_value(st, FQ_FL_CELL_ID);
	v[K_RUN] = fq_col_value(st, FQ_FL_RUN_ID);
	v[K_FLOW_ID] = fq_col_value(st, FQ_FL_FLOW_ID);
	v[K_STATE] = fq_col_value(st, FQ_FL_STATE);
	v[K_CLOSE_REASON] = fq_col_value(st, FQ_FL_CLOSE_REASON);
	v[K_DIRECTION] = fq_col_value(st, FQ_FL_DIRECTION);
	v[K_PROTOCOL] =
		fq_v_text(proto >= 0 && proto <= 255 ? fa_protocol_name((unsigned)proto) : NULL);
	v[K_PROTOCOL_NUMBER] = fq_col_value(st, FQ_FL_PROTOCOL);
	/* a summary has no originator */
	v[K_ORIG_ADDR] =
		summary ? fq_v_null()
			: addr_value(st, FQ_FL_ORIG_ADDR, family, -1, s->orig, sizeof(s->orig));
	v[K_ORIG_PORT] = fq_col_value(st, FQ_FL_ORIG_PORT);
	v[K_RESP_ADDR] =
		addr_value(st, FQ_FL_RESP_ADDR, family, prefix_len, s->resp, sizeof(s->resp));
	v[K_RESP_PORT] = fq_col_value(st, FQ_FL_RESP_PORT);
	v[K_OPENED_AT] = time_value(st, FQ_FL_OPENED_AT, s->opened, sizeof(s->opened));
	v[K_LAST_SEEN_AT] = time_value(st, FQ_FL_LAST_SEEN_AT, s->last, sizeof(s->last));
	v[K_CLOSED_AT] = time_value(st, FQ_FL_CLOSED_AT, s->closed, sizeof(s->closed));
	int end_col = sqlite3_column_type(st, FQ_FL_CLOSED_AT) == SQLITE_NULL ? FQ_FL_LAST_SEEN_AT
									      : FQ_FL_CLOSED_AT;
	int64_t duration;
	v[K_DURATION] = __builtin_sub_overflow(sqlite3_column_int64(st, end_col),
					       sqlite3_column_int64(st, FQ_FL_OPENED_AT), &duration)
				? fq_v_null() /* times no clock gives: unknown, not wrapped */
				: fq_v_int(duration);
	v[K_ORIG_PACKETS] = fq_col_value(st, FQ_FL_ORIG_PACKETS);
	v[K_RESP_PACKETS] = fq_col_value(st, FQ_FL_RESP_PACKETS);
	v[K_ORIG_BYTES] = fq_col_value(st, FQ_FL_ORIG_BYTES);
	v[K_RESP_BYTES] = fq_col_value(st, FQ_FL_RESP_BYTES);
	v[K_OPEN_SEEN] = fq_v_bool(sqlite3_column_int(st, FQ_FL_OPEN_SEEN) != 0);
	v[K_ICMP_TYPE] = fq_col_value(st, FQ_FL_ICMP_TYPE);
	v[K_ICMP_CODE] = fq_col_value(st, FQ_FL_ICMP_CODE);
	v[K_ICMP_ID] = fq_col_value(st, FQ_FL_ICMP_ID);
	v[K_MIDSTREAM] = fq_v_bool(sqlite3_column_int(st, FQ_FL_MIDSTREAM) != 0);
	v[K_KIND] = fq_v_text(summary					? "summary"
			      : sqlite3_column_int(st, FQ_FL_UNTRACKED) ? "untracked"
									: "flow");
	v[K_FLOW_COUNT] = summary ? fq_col_value(st, FQ_FL_FLOW_COUNT) : fq_v_uint(1);
	return 0;
}

int fq_cmd_flows(const struct fq_cli *cli)
{
	struct flow_scratch scratch;
	const struct fq_stream_spec spec = {
		.kind = FQ_Q_FLOWS,
		.key_col = FQ_FL_OPENED_AT,
		.schema = &flow_schema,
		.row = flow_row,
		.ctx = &scratch,
	};
	return fq_stream_run(cli, &spec);
}
