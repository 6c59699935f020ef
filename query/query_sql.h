/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQL flowq runs, built in one place. The text depends only on which
 * filters are set, never on their values: each filter appears as a named
 * parameter (:cell, :dst_lo, ...) that fq_sql_bind() binds. Exposed so tests
 * can prepare the very statements flowq runs (EXPLAIN QUERY PLAN).
 *
 * Result columns of each kind are listed by the FQ_COL_* enums below.
 */
#ifndef FLOWQ_QUERY_SQL_H
#define FLOWQ_QUERY_SQL_H

#include "filters.h"

#include <sqlite3.h>
#include <stddef.h>

enum fq_query_kind {
	FQ_Q_NONE = -1, /* no query of these: no filters */
	FQ_Q_EVENTS, /* export: one row per decision, in time order (then key order) */
	FQ_Q_EVENTS_COUNT, /* export: count(*) of the same rows (cbor array head) */
	FQ_Q_FLOWS, /* flows: connection-tracking rows, by opened_at */
	FQ_Q_RUNS, /* runs: one row per run, by started_at */
	FQ_Q_HEALTH, /* health: each run's last health row (final preferred) */
	FQ_Q_SUM_DST, /* summary: per destination address */
	FQ_Q_SUM_PROTO, /* summary: per protocol */
};

/* FQ_Q_EVENTS columns. */
enum {
	FQ_EV_SEQ,
	FQ_EV_DIRECTION,
	FQ_EV_DECISION,
	FQ_EV_REASON,
	FQ_EV_NFT_RULE_REF,
	FQ_EV_FAMILY,
	FQ_EV_DST_ADDR,
	FQ_EV_DST_PORT,
	FQ_EV_PROTOCOL,
	FQ_EV_PACKETS, /* flow totals when known (on the flow's opening decision), else its own */
	FQ_EV_BYTES, /* same */
	FQ_EV_OBSERVED_AT,
	FQ_EV_CELL_ID,
	FQ_EV_RUN_ID,
	FQ_EV_POLICY_DIGEST,
	FQ_EV_KEYSET_ID,
	FQ_EV_ISSUER_KID,
	FQ_EV_CORRELATION_ID,
	FQ_EV_PREFIX_LEN, /* a summary's prefix length; NULL for one flow */
	FQ_EV_KEY, /* the decision's key, (run_pk << 32) + seq: the order within a time */
	FQ_EV_RUN_PK, /* the run's row (its columns are the same on every decision of the run) */
};

/* FQ_Q_FLOWS columns. */
enum {
	FQ_FL_CELL_ID,
	FQ_FL_RUN_ID,
	FQ_FL_FLOW_ID,
	FQ_FL_STATE,
	FQ_FL_CLOSE_REASON,
	FQ_FL_DIRECTION,
	FQ_FL_FAMILY,
	FQ_FL_PROTOCOL,
	FQ_FL_ORIG_ADDR,
	FQ_FL_ORIG_PORT,
	FQ_FL_RESP_ADDR,
	FQ_FL_RESP_PORT,
	FQ_FL_OPENED_AT,
	FQ_FL_LAST_SEEN_AT,
	FQ_FL_CLOSED_AT,
	FQ_FL_ORIG_PACKETS,
	FQ_FL_RESP_PACKETS,
	FQ_FL_ORIG_BYTES,
	FQ_FL_RESP_BYTES,
	FQ_FL_OPEN_SEEN,
	FQ_FL_ICMP_TYPE,
	FQ_FL_ICMP_CODE,
	FQ_FL_ICMP_ID,
	FQ_FL_MIDSTREAM,
	FQ_FL_FLOW_COUNT, /* a summary's flows; NULL for one flow */
	FQ_FL_PREFIX_LEN,
	FQ_FL_UNTRACKED,
};

/* FQ_Q_RUNS columns. */
enum {
	FQ_RU_CELL_ID,
	FQ_RU_RUN_ID,
	FQ_RU_STARTED_AT,
	FQ_RU_ENDED_AT,
	FQ_RU_END_STATUS,
	FQ_RU_POLICY_DIGEST,
	FQ_RU_KEYSET_ID,
	FQ_RU_ISSUER_KID,
	FQ_RU_CORRELATION_ID,
	FQ_RU_SOURCE,
	FQ_RU_IFACE,
	FQ_RU_HOST,
	FQ_RU_RECORDER_VERSION,
	FQ_RU_EVENTS,
	FQ_RU_FLOWS,
	FQ_RU_UNIQUE_FLOWS,
	FQ_RU_REJECTS,
};

/* FQ_Q_HEALTH columns. */
enum {
	FQ_HE_CELL_ID,
	FQ_HE_RUN_ID,
	FQ_HE_STARTED_AT,
	FQ_HE_AT, /* NULL: the run has no health row */
	FQ_HE_IS_FINAL,
	FQ_HE_COUNTERS, /* then every health counter, FQ_HE_COUNTERS + FA_HC_<name> */
};

/*
 * FQ_Q_SUM_DST and FQ_Q_SUM_PROTO columns. A count is HI * 2^32 + LO over the
 * group's valid counts; BAD counts rows whose count is not a non-negative
 * integer (the group's total is then unknown).
 */
enum {
	FQ_SU_KEY, /* dst_addr blob, or protocol number */
	FQ_SU_FAMILY, /* family (dst), or NULL (proto) */
	FQ_SU_FLOWS, /* flows: one per decision, a summary's flow_count */
	FQ_SU_DENIED, /* of them, denied */
	FQ_SU_PACKETS_HI,
	FQ_SU_PACKETS_LO,
	FQ_SU_PACKETS_BAD,
	FQ_SU_BYTES_HI,
	FQ_SU_BYTES_LO,
	FQ_SU_BYTES_BAD,
	FQ_SU_PREFIX_LEN, /* dst: a summary's prefix length, else NULL; proto: NULL */
	FQ_SU_SUMMARIZED, /* of the flows, those known only from summaries */
	FQ_SU_BAD_DECISION, /* a stored decision outside allow/deny in the group, else NULL */
};

/* Room for any statement fq_sql_build writes. */
#define FQ_SQL_MAX 8192

/* The filters each kind understands (fq_filter_bit mask); 0 for FQ_Q_NONE. */
unsigned fq_sql_filters(enum fq_query_kind kind);
/* What filter bit means in kind's query, as an OPTIONS line; NULL when the filter's own help says it. */
const char *fq_sql_filter_help(enum fq_query_kind kind, unsigned bit);
/*
 * Write the SQL of kind for the filters set in f into buf (len bytes).
 * Returns 0, or -ENOSPC when buf is too small (FQ_SQL_MAX bytes always suffice).
 */
int fq_sql_build(enum fq_query_kind kind, const struct fq_filters *f, char *buf, size_t len);
/* Bind every filter of f whose parameter st has. Returns SQLITE_OK or the bind error. */
int fq_sql_bind(sqlite3_stmt *st, const struct fq_filters *f);

#endif
