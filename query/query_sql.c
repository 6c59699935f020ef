/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQL text for every flowq query; see query_sql.h. Only fixed fragments from
 * the tables below are concatenated; values arrive through sqlite3_bind_*.
 *
 * Decisions live in two places (schema/006): a flow's opening decision in
 * its flows row (flow_id is the decision's key), and later decisions, and
 * every decision written before migration 006, in flow_events (event_id is
 * the key). dbset.c's TEMP view flow_events joins both for every query but
 * the export; the export is written as two arms merged on (observed_at,
 * key), each arm read in that order from its own time index
 * (flows_by_time, flow_events_by_time: their entries end in the rowid, the
 * key), so an unfiltered export streams with no sort step.
 */
#include "query_sql.h"

#include "fa_health.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/*
 * Packet and byte counts of an export: the flow's totals once known, on the
 * decision that opened the flow; a later decision on the same flow carries
 * its own record's counts (so totals are never counted twice).
 */
#define PACKETS_EXPR                                                                               \
	"CASE WHEN f.flow_id IS NOT NULL AND e.opens_flow = 1 AND (f.state = 'closed' OR "         \
	"f.orig_packets + f.resp_packets > 0) THEN f.orig_packets + f.resp_packets "               \
	"ELSE e.packet_count END"
#define BYTES_EXPR                                                                                 \
	"CASE WHEN e.opens_flow = 1 AND (f.orig_bytes IS NOT NULL OR f.resp_bytes IS NOT NULL) "   \
	"THEN coalesce(f.orig_bytes, 0) + coalesce(f.resp_bytes, 0) ELSE e.byte_count END"

/*
 * A summary (prefix_len not NULL) matches a --dst filter when its prefix
 * holds the filter's first address (the filter lies inside the summary's
 * prefix; the other overlap, the summary inside the filter, is the plain
 * BETWEEN on its network address), and matches a --port filter when it
 * covers every port (port NULL): the flows it stands for may match. Prefixes
 * are whole bytes of the stored (IPv4-mapped) address; the family must agree
 * with the filter's. unlikely() tells the planner that summaries are few, so
 * a --dst filter stays an index search (the summaries through their partial
 * index) rather than a scan in time order.
 */
#define SUMMARY_PREFIX_BYTES(t)                                                                    \
	"((CASE " t ".family WHEN 4 THEN 96 ELSE 0 END) + " t ".prefix_len) / 8"
#define SUMMARY_HOLDS_DST(t, addr)                                                                 \
	"(unlikely(" t ".prefix_len >= 0) AND substr(" addr                                        \
	", 1, " SUMMARY_PREFIX_BYTES(t) ") = substr(:dst_lo, 1, " SUMMARY_PREFIX_BYTES(            \
		t) ") AND (" t ".family = 4) ="                                                    \
		   " (substr(:dst_lo, 1, 12) = X'00000000000000000000FFFF'))"

#define EVENTS_FROM                                                                                \
	" FROM flow_events AS e JOIN runs AS r ON r.run_pk = e.run_pk"                             \
	" LEFT JOIN flows AS f ON f.flow_id = e.flow_id"

/*
 * The export's two arms (dbset.c: flow_events_stored is the table with the
 * columns of the current schema). The opening decisions held in flows
 * export the flow's counts, as PACKETS_EXPR and BYTES_EXPR give them for an
 * opening decision; the last column is the decision's key.
 */
#define RUN_COLS                                                                                   \
	" r.cell_id, r.run_id, r.policy_digest, r.keyset_id, r.issuer_kid, r.correlation_id"
#define OPENINGS_SELECT                                                                            \
	"SELECT f.flow_id - (f.run_pk << 32), f.direction, f.decision, f.reason_code,"             \
	" f.nft_rule_ref, f.family, f.resp_addr, f.resp_port, f.protocol,"                         \
	" f.orig_packets + f.resp_packets, CASE WHEN f.orig_bytes IS NOT NULL OR"                  \
	" f.resp_bytes IS NOT NULL THEN coalesce(f.orig_bytes, 0) + coalesce(f.resp_bytes, 0)"     \
	" END, f.opened_at," RUN_COLS ", f.prefix_len, f.flow_id, r.run_pk"                        \
	" FROM flows AS f JOIN runs AS r ON r.run_pk = f.run_pk WHERE f.decision IS NOT NULL"
#define STORED_SELECT                                                                              \
	"SELECT e.seq, e.direction, e.decision, e.reason_code, e.nft_rule_ref, e.family,"          \
	" e.dst_addr, e.dst_port, e.protocol, " PACKETS_EXPR ", " BYTES_EXPR                       \
	", e.observed_at," RUN_COLS ", e.prefix_len, e.event_id, r.run_pk"                         \
	" FROM flow_events_stored AS e JOIN runs AS r ON r.run_pk = e.run_pk"                      \
	" LEFT JOIN flows AS f ON f.flow_id = e.flow_id"

/*
 * Summary groups. A sum of counts near 2^63 overflows SQLite's sum() (an
 * error) and a flow total past 2^63-1 is a REAL: each count is summed as its
 * high and low 32 bits (exact for 2^31 rows), and the rows whose count is not
 * a non-negative integer are counted, so flowq can say "unknown" instead of
 * failing or guessing. The filters go into the innermost query.
 */
#define SUM_VALID(x) "CASE WHEN typeof(" x ") = 'integer' AND " x " >= 0 THEN " x " END"
#define SUM_BAD(x) "NOT (" x " IS NULL OR (typeof(" x ") = 'integer' AND " x " >= 0))"
/*
 * A stored decision outside its enum, as text ("NULL" for a NULL), else NULL:
 * the summary counts denials, so it fails on such a row as the export does
 * rather than count it as allowed.
 */
#define BAD_DECISION                                                                               \
	"CASE WHEN typeof(e.decision) = 'text' AND e.decision IN ('allow', 'deny') THEN NULL"      \
	" ELSE coalesce(CAST(e.decision AS TEXT), 'NULL') END"
/*
 * n is the flows a decision stands for (one, or a summary's flow_count), s
 * whether it is a summary; prefix groups a summary's destination apart (its
 * prefix_len for destinations, NULL for protocols); bad is BAD_DECISION.
 */
#define SUM_HEAD(key, family, prefix)                                                              \
	"SELECT k, fam, sum(n), sum(deny * n), sum(p >> 32), sum(p & 4294967295), sum(p_bad),"     \
	" sum(b >> 32), sum(b & 4294967295), sum(b_bad), pl, sum(s * n), max(bad) FROM (SELECT"    \
	" k, fam, deny, n, s, pl, bad, " SUM_VALID("p0") " AS p, " SUM_BAD(                        \
		"p0") " AS p_bad, " SUM_VALID("b0") " AS b,"                                       \
						    " " SUM_BAD(                                   \
							    "b0") " AS b_bad FROM (SELECT " key    \
								  " AS k, " family                 \
								  " AS fam, e.decision = 'deny' "  \
								  "AS deny,"                       \
								  " coalesce(e.flow_count, 1) AS " \
								  "n, e.flow_count IS NOT"         \
								  " NULL AS s, " prefix            \
								  " AS pl, " BAD_DECISION          \
								  " AS bad, " PACKETS_EXPR         \
								  " AS p0, " BYTES_EXPR            \
								  " AS b0" EVENTS_FROM
#define SUM_TAIL ")) GROUP BY k, fam, pl"

/* A run's health row: every counter (fa_health.h), in the list's order (FQ_HE_COUNTERS). */
#define HEALTH_COLUMN(name, ...) ", h." #name
#define HEALTH_SELECT                                                                              \
	"SELECT r.cell_id, r.run_id, r.started_at, h.at, h.is_final" FA_HEALTH_COUNTERS(           \
		HEALTH_COLUMN)

/* A filter's condition in one kind of query, and its OPTIONS wording there (NULL: the filter's own). */
struct clause {
	unsigned bit;
	const char *sql;
	const char *help;
};

static const struct clause event_clauses[] = {
	{FQ_F_CELL, "r.cell_id = :cell", NULL},
	{FQ_F_RUN, "r.run_id = :run", NULL},
	{FQ_F_SINCE, "e.observed_at >= :since", "observed_at >= T"},
	{FQ_F_UNTIL, "e.observed_at < :until", "observed_at < T"},
	{FQ_F_DST,
	 "(e.dst_addr BETWEEN :dst_lo AND :dst_hi OR " SUMMARY_HOLDS_DST("e", "e.dst_addr") ")",
	 NULL},
	{FQ_F_PORT, "(e.dst_port = :port OR (unlikely(e.prefix_len >= 0) AND e.dst_port IS NULL))",
	 NULL},
	{FQ_F_PROTO, "e.protocol = :proto", NULL},
	{FQ_F_DECISION, "e.decision = :decision", NULL},
	{FQ_F_DIRECTION, "e.direction = :direction", NULL},
	{FQ_F_REASON, "e.reason_code = :reason", NULL},
	{0, NULL, NULL},
};

/* The filters on the export's first arm: the opening decisions held in flows. */
/*
 * The filters on the export's first arm: the opening decisions held in flows
 * (event_clauses' help says what each means for the export).
 */
static const struct clause opening_clauses[] = {
	{FQ_F_CELL, "r.cell_id = :cell", NULL},
	{FQ_F_RUN, "r.run_id = :run", NULL},
	{FQ_F_SINCE, "f.opened_at >= :since", NULL},
	{FQ_F_UNTIL, "f.opened_at < :until", NULL},
	{FQ_F_DST,
	 "(f.resp_addr BETWEEN :dst_lo AND :dst_hi OR " SUMMARY_HOLDS_DST("f", "f.resp_addr") ")",
	 NULL},
	{FQ_F_PORT,
	 "(f.resp_port = :port OR (unlikely(f.prefix_len >= 0) AND f.resp_port IS NULL))", NULL},
	{FQ_F_PROTO, "f.protocol = :proto", NULL},
	{FQ_F_DECISION, "f.decision = :decision", NULL},
	{FQ_F_DIRECTION, "f.direction = :direction", NULL},
	{FQ_F_REASON, "f.reason_code = :reason", NULL},
	{0, NULL, NULL},
};

static const struct clause flow_clauses[] = {
	{FQ_F_CELL, "r.cell_id = :cell", NULL},
	{FQ_F_RUN, "r.run_id = :run", NULL},
	{FQ_F_SINCE, "f.opened_at >= :since", "opened_at >= T"},
	{FQ_F_UNTIL, "f.opened_at < :until", "opened_at < T"},
	{FQ_F_DST,
	 "(f.resp_addr BETWEEN :dst_lo AND :dst_hi OR " SUMMARY_HOLDS_DST("f", "f.resp_addr") ")",
	 "responder address in CIDR"},
	{FQ_F_PORT,
	 "(f.resp_port = :port OR (unlikely(f.prefix_len >= 0) AND f.resp_port IS NULL))",
	 "responder port"},
	{FQ_F_PROTO, "f.protocol = :proto", NULL},
	{FQ_F_DIRECTION, "f.direction = :direction", NULL},
	{0, NULL, NULL},
};

static const struct clause run_clauses[] = {
	{FQ_F_CELL, "r.cell_id = :cell", NULL},
	{FQ_F_RUN, "r.run_id = :run", NULL},
	{FQ_F_SINCE, "r.started_at >= :since", "started at or after T"},
	{FQ_F_UNTIL, "r.started_at < :until", "started before T"},
	{0, NULL, NULL},
};

static const struct {
	const char *head;
	const char *tail;
	const struct clause *clauses;
	bool limit;
} kinds[] = {
	/* Both built by build_events() from the two arms. */
	[FQ_Q_EVENTS] = {NULL, NULL, event_clauses, true},
	[FQ_Q_EVENTS_COUNT] = {NULL, NULL, event_clauses, true},
	[FQ_Q_FLOWS] = {"SELECT r.cell_id, r.run_id, f.flow_id, f.state, f.close_reason,"
			" f.direction, f.family, f.protocol, f.orig_addr, f.orig_port,"
			" f.resp_addr, f.resp_port, f.opened_at, f.last_seen_at, f.closed_at,"
			" f.orig_packets, f.resp_packets, f.orig_bytes, f.resp_bytes, f.open_seen,"
			" f.icmp_type, f.icmp_code, f.icmp_id, f.midstream,"
			" f.flow_count, f.prefix_len, f.untracked"
			" FROM flows AS f JOIN runs AS r ON r.run_pk = f.run_pk",
			" ORDER BY f.opened_at, f.flow_id", flow_clauses, true},
	[FQ_Q_RUNS] = {"SELECT r.cell_id, r.run_id, r.started_at, r.ended_at, r.end_status,"
		       " r.policy_digest, r.keyset_id, r.issuer_kid, r.correlation_id, r.source,"
		       " r.iface, r.host, r.recorder_version,"
		       " (SELECT count(*) FROM flow_events WHERE run_pk = r.run_pk),"
		       " (SELECT count(*) FROM flows WHERE run_pk = r.run_pk),"
		       " (SELECT count(*) FROM flows WHERE run_pk = r.run_pk AND open_seen = 1),"
		       " (SELECT count(*) FROM rejects WHERE run_pk = r.run_pk)"
		       " FROM runs AS r",
		       " ORDER BY r.started_at, r.run_pk", run_clauses, true},
	[FQ_Q_HEALTH] = {HEALTH_SELECT " FROM runs AS r LEFT JOIN health AS h ON h.health_id ="
				       " (SELECT health_id FROM health WHERE run_pk = r.run_pk"
				       " ORDER BY is_final DESC, at DESC, health_id DESC LIMIT 1)",
			 " ORDER BY r.started_at, r.run_pk", run_clauses, true},
	[FQ_Q_SUM_DST] = {SUM_HEAD("e.dst_addr", "e.family", "e.prefix_len"), SUM_TAIL,
			  event_clauses, false},
	[FQ_Q_SUM_PROTO] = {SUM_HEAD("e.protocol", "NULL", "NULL"), SUM_TAIL, event_clauses, false},
};

unsigned fq_sql_filters(enum fq_query_kind kind)
{
	if (kind == FQ_Q_NONE)
		return 0;
	unsigned mask = kinds[kind].limit ? FQ_F_LIMIT : 0;
	for (const struct clause *c = kinds[kind].clauses; c->sql; c++)
		mask |= c->bit;
	return mask;
}

const char *fq_sql_filter_help(enum fq_query_kind kind, unsigned bit)
{
	if (kind == FQ_Q_NONE)
		return NULL;
	for (const struct clause *c = kinds[kind].clauses; c->sql; c++)
		if (c->bit == bit)
			return c->help;
	return NULL;
}

/* Append text to buf at *used. 0, or -ENOSPC. */
static int append(char *buf, size_t len, size_t *used, const char *text)
{
	int n = snprintf(buf + *used, len - *used, "%s", text);
	if (n < 0 || (size_t)n >= len - *used)
		return -ENOSPC;
	*used += (size_t)n;
	return 0;
}

/* head, then the clauses of f's filters: after " WHERE " or (more) " AND ". */
static int append_filtered(char *buf, size_t len, size_t *used, const char *head,
			   const struct clause *clauses, const struct fq_filters *f, bool more)
{
	int rc = append(buf, len, used, head);
	for (const struct clause *c = clauses; rc == 0 && c->sql; c++) {
		if (!(f->set & c->bit))
			continue;
		rc = append(buf, len, used, more ? " AND " : " WHERE ");
		if (rc == 0)
			rc = append(buf, len, used, c->sql);
		more = true;
	}
	return rc;
}

/*
 * The export: the opening decisions in flows and the decisions in
 * flow_events, merged on (observed_at, key); the count wraps the same arms
 * (its LIMIT inside the parentheses).
 */
static int build_events(enum fq_query_kind kind, const struct fq_filters *f, char *buf, size_t len)
{
	bool count = kind == FQ_Q_EVENTS_COUNT;
	const char *limit = f->set & FQ_F_LIMIT ? " LIMIT :limit" : "";
	size_t used = 0;
	int rc = append(buf, len, &used, count ? "SELECT count(*) FROM (" : "");
	if (rc == 0)
		rc = append_filtered(buf, len, &used, OPENINGS_SELECT, opening_clauses, f, true);
	if (rc == 0)
		rc = append(buf, len, &used, " UNION ALL ");
	if (rc == 0)
		rc = append_filtered(buf, len, &used, STORED_SELECT, event_clauses, f, false);
	char order[32]; /* result columns are numbered from 1 */
	snprintf(order, sizeof(order), " ORDER BY %d, %d", FQ_EV_OBSERVED_AT + 1, FQ_EV_KEY + 1);
	if (rc == 0)
		rc = append(buf, len, &used, order);
	if (rc == 0)
		rc = append(buf, len, &used, limit);
	if (rc == 0 && count)
		rc = append(buf, len, &used, ")");
	return rc;
}

int fq_sql_build(enum fq_query_kind kind, const struct fq_filters *f, char *buf, size_t len)
{
	if (kind == FQ_Q_EVENTS || kind == FQ_Q_EVENTS_COUNT)
		return build_events(kind, f, buf, len);
	size_t used = 0;
	int n = snprintf(buf, len, "%s", kinds[kind].head);
	const char *sep = " WHERE ";
	for (const struct clause *c = kinds[kind].clauses; n >= 0 && c->sql; c++) {
		if (!(f->set & c->bit))
			continue;
		used += (size_t)n;
		if (used >= len)
			return -ENOSPC;
		n = snprintf(buf + used, len - used, "%s%s", sep, c->sql);
		sep = " AND ";
	}
	used += (size_t)n;
	if (n < 0 || used >= len)
		return -ENOSPC;
	/* The count wraps the row query, so its LIMIT goes inside the parentheses. */
	const char *limit = kinds[kind].limit && (f->set & FQ_F_LIMIT) ? " LIMIT :limit" : "";
	if (kind == FQ_Q_EVENTS_COUNT)
		n = snprintf(buf + used, len - used, "%s%s", limit, kinds[kind].tail);
	else
		n = snprintf(buf + used, len - used, "%s%s", kinds[kind].tail, limit);
	if (n < 0 || used + (size_t)n >= len)
		return -ENOSPC;
	return 0;
}

/* Bind v to the parameter :name (with suffix) when st has it. */
static int bind_param(sqlite3_stmt *st, const char *option, const char *suffix,
		      const struct fq_filter_def *d, const void *v)
{
	char name[32];
	snprintf(name, sizeof(name), ":%s%s", option + 2, suffix);
	int i = sqlite3_bind_parameter_index(st, name);
	if (!i)
		return SQLITE_OK;
	switch (d->kind) {
	case FQ_FK_TEXT:
	case FQ_FK_WORD:
		return sqlite3_bind_text(st, i, *(const char *const *)v, -1, SQLITE_STATIC);
	case FQ_FK_CIDR:
		return sqlite3_bind_blob(st, i, ((const struct fa_addr *)v)->b, FA_ADDR_LEN,
					 SQLITE_STATIC);
	case FQ_FK_TIME:
	case FQ_FK_UINT:
	case FQ_FK_PROTO:
		return sqlite3_bind_int64(st, i, *(const int64_t *)v);
	}
	return SQLITE_MISUSE;
}

int fq_sql_bind(sqlite3_stmt *st, const struct fq_filters *f)
{
	int rc = SQLITE_OK;
	for (unsigned i = 0; rc == SQLITE_OK && i < FQ_FILTER_COUNT; i++) {
		const struct fq_filter_def *d = &fq_filter_defs[i];
		if (!(f->set & (1u << i)))
			continue;
		if (d->kind == FQ_FK_CIDR) {
			rc = bind_param(st, d->option, "_lo", d, &f->dst_lo);
			if (rc == SQLITE_OK)
				rc = bind_param(st, d->option, "_hi", d, &f->dst_hi);
		} else {
			rc = bind_param(st, d->option, "", d, (const char *)f + d->field);
		}
	}
	return rc;
}
