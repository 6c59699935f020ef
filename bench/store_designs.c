/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_designs: the write path of the storage layouts considered for the
 * store, measured on the same operations (bench/designs.sh). A bare loop per
 * layout, as bench/bare_insert.c is for the shipped one, not flowrec.
 *
 *   store_designs DESIGN --from REF.db --db NEW.db [--checks] [--cache-mib M]
 *                 [--batch N]
 *
 * The operations are rebuilt from REF.db, a replay's database: every flow's
 * opening decision at its opened_at, its close at its closed_at (run_end
 * closes at the end), in time order (a close first at the same time, as the
 * generator writes them). A flows row is inserted open with the counts its
 * flow has at its open (taken as its opening record's); its close is an
 * UPDATE to the final state, unless the flow opened in the same batch: then
 * the insert carries the final state, as flowrec folds it. N decisions
 * (default 4096, flowrec's --batch-events) per transaction. Later decisions
 * on an open flow (a handful in the mix) are left out.
 *
 * DESIGN:
 *   two-rows        a flows row and a flow_events row per new flow, every
 *                   index kept on every insert (the layout before 006)
 *   two-rows-defer  the same, the random-key indexes flow_events_by_dst and
 *                   flows_by_resp built after the last transaction
 *   one-row         the opening decision in the flows row (one row per new
 *                   flow), flows_by_time kept, flows_by_resp built after
 *                   (the shipped layout)
 *   one-row-noidx   the same with flows_by_time built after too
 *   log             flow_events rows as they come, a flows row only when its
 *                   flow closes (final state: no UPDATE), random-key and time
 *                   indexes built after
 *
 * NEW.db is created by fa_db_open_writer (the shipped migrations and pragmas,
 * CHECK constraints ignored as flowrec's connection ignores them; --checks:
 * enforced; --cache-mib: another page cache than flowrec's), then given the
 * design's indexes, untimed. REF.db is read before
 * the clock starts. Prints one line: "design=D seconds=S index_seconds=I
 * inserts=N updates=U flows=F".
 */
#include "fa_db.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum design {
	TWO_ROWS,
	TWO_ROWS_DEFER,
	ONE_ROW,
	ONE_ROW_NOIDX,
	LOG,
	DESIGN_COUNT
};

static const char *const design_names[DESIGN_COUNT] = {"two-rows", "two-rows-defer", "one-row",
						       "one-row-noidx", "log"};

/* One value read from REF.db; text and blobs in memory of their own. */
struct value {
	int type;
	int64_t i;
	void *p;
	int len;
};

static const char *const flow_cols[] = {
	"flow_id",     "run_pk",       "family",       "protocol",   "direction",    "orig_addr",
	"orig_port",   "resp_addr",    "resp_port",    "state",	     "opened_at",    "last_seen_at",
	"closed_at",   "close_reason", "orig_packets", "orig_bytes", "resp_packets", "resp_bytes",
	"open_seen",   "icmp_type",    "icmp_code",    "icmp_id",    "midstream",    "flow_count",
	"prefix_len",  "untracked",    "source",       "decision",   "reason_code",  "nft_rule_ref",
	"nflog_prefix"};
enum {
	NF = sizeof(flow_cols) / sizeof(flow_cols[0]),
	NF_OLD = 26 /* without the decision's */
};
enum {
	F_ID = 0,
	F_STATE = 9,
	F_OPENED = 10,
	F_LAST = 11,
	F_CLOSED = 12,
	F_REASON = 13,
	F_OP = 14,
	F_OB = 15,
	F_RP = 16,
	F_RB = 17
};

static const char *const event_cols[] = {
	"event_id",   "run_pk",	      "seq",	     "flow_id",	       "source",
	"direction",  "decision",     "reason_code", "nft_rule_ref",   "nflog_prefix",
	"family",     "protocol",     "src_addr",    "src_port",       "dst_addr",
	"dst_port",   "packet_count", "byte_count",  "first_seen_kns", "observed_at",
	"opens_flow", "flow_count",   "prefix_len"};
enum {
	NE = sizeof(event_cols) / sizeof(event_cols[0])
};

/* A flow: its final flows row, its opening decision as a flow_events row, its batches. */
struct flow {
	struct value f[NF];
	struct value e[NE];
	int64_t opened_at, closed_at;
	bool closes; /* before the end (not run_end) */
	int64_t batch, close_batch;
};

struct op {
	int64_t t;
	int close; /* 0 open, 1 close; closes first at the same time */
	size_t flow;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, sqlite3 *db)
{
	fprintf(stderr, "store_designs: %s: %s\n", what, db ? sqlite3_errmsg(db) : "failed");
	exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "store_designs: %s: %s\n", sql, msg);
		exit(1);
	}
}

static void read_value(sqlite3_stmt *s, int i, struct value *v)
{
	v->type = sqlite3_column_type(s, i);
	v->p = NULL;
	if (v->type == SQLITE_INTEGER) {
		v->i = sqlite3_column_int64(s, i);
	} else if (v->type == SQLITE_TEXT || v->type == SQLITE_BLOB) {
		const void *src = v->type == SQLITE_TEXT ? (const void *)sqlite3_column_text(s, i)
							 : sqlite3_column_blob(s, i);
		v->len = sqlite3_column_bytes(s, i);
		v->p = malloc((size_t)v->len + 1);
		if (!v->p)
			die("out of memory", NULL);
		memcpy(v->p, src, (size_t)v->len);
	}
}

static void bind_value(sqlite3_stmt *s, int i, const struct value *v)
{
	if (v->type == SQLITE_INTEGER)
		sqlite3_bind_int64(s, i, v->i);
	else if (v->type == SQLITE_TEXT)
		sqlite3_bind_text(s, i, v->p, v->len, SQLITE_STATIC);
	else if (v->type == SQLITE_BLOB)
		sqlite3_bind_blob(s, i, v->p, v->len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

/* Every flow with an opening decision, with it, from REF.db. */
static size_t load_flows(sqlite3 *ref, struct flow **out)
{
	char sql[4096];
	size_t used = (size_t)snprintf(sql, sizeof(sql), "SELECT ");
	for (int i = 0; i < NF; i++)
		used += (size_t)snprintf(sql + used, sizeof(sql) - used, "f.%s, ", flow_cols[i]);
	for (int i = 0; i < NE; i++) {
		/* an opening decision's kernel time is not kept since 006: its UTC time stands in */
		bool kns = strcmp(event_cols[i], "first_seen_kns") == 0;
		used += (size_t)snprintf(sql + used, sizeof(sql) - used, "%s%s%s",
					 kns ? "coalesce(e.first_seen_kns, e.observed_at)" : "e.",
					 kns ? "" : event_cols[i], i + 1 < NE ? ", " : "");
	}
	snprintf(sql + used, sizeof(sql) - used,
		 " FROM flow_events_all e JOIN flows f ON f.flow_id = e.flow_id"
		 " WHERE e.opens_flow = 1 ORDER BY e.event_id");
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(ref, sql, -1, &s, NULL) != SQLITE_OK)
		die(sql, ref);
	size_t n = 0, cap = 0;
	struct flow *flows = NULL;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			flows = realloc(flows, cap * sizeof(*flows));
			if (!flows)
				die("out of memory", NULL);
		}
		struct flow *fl = &flows[n++];
		for (int i = 0; i < NF; i++)
			read_value(s, i, &fl->f[i]);
		for (int i = 0; i < NE; i++)
			read_value(s, NF + i, &fl->e[i]);
		fl->opened_at = fl->f[F_OPENED].i;
		fl->closes = fl->f[F_REASON].type == SQLITE_TEXT &&
			     strcmp(fl->f[F_REASON].p, "run_end") != 0;
		fl->closed_at = fl->closes ? fl->f[F_CLOSED].i : INT64_MAX;
	}
	sqlite3_finalize(s);
	*out = flows;
	return n;
}

static int op_cmp(const void *a, const void *b)
{
	const struct op *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->close != y->close)
		return x->close ? -1 : 1;
	return x->flow < y->flow ? -1 : x->flow > y->flow;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
		die(sql, db);
	return s;
}

static void step(sqlite3_stmt *s, sqlite3 *db)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		die("step", db);
	sqlite3_reset(s);
}

/* "INSERT INTO table (cols[0..n)) VALUES (?1, ...)" */
static void insert_sql(char *sql, size_t len, const char *table, const char *const *cols, int n)
{
	size_t used = (size_t)snprintf(sql, len, "INSERT INTO %s (", table);
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(sql + used, len - used, "%s%s", i ? ", " : "", cols[i]);
	used += (size_t)snprintf(sql + used, len - used, ") VALUES (");
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(sql + used, len - used, "%s?%d", i ? ", " : "", i + 1);
	snprintf(sql + used, len - used, ")");
}

/* The flows row as inserted: open with its opening counts, or final when its close folds in. */
static void bind_flow(sqlite3_stmt *s, const struct flow *fl, bool final, int ncols)
{
	for (int i = 0; i < ncols; i++)
		bind_value(s, i + 1, &fl->f[i]);
	if (final)
		return;
	sqlite3_bind_text(s, F_STATE + 1, "open", 4, SQLITE_STATIC);
	sqlite3_bind_int64(s, F_LAST + 1, fl->opened_at);
	sqlite3_bind_null(s, F_CLOSED + 1);
	sqlite3_bind_null(s, F_REASON + 1);
	bind_value(s, F_OP + 1, &fl->e[16]); /* packet_count */
	bind_value(s, F_OB + 1, &fl->e[17]); /* byte_count */
	sqlite3_bind_int64(s, F_RP + 1, 0);
	sqlite3_bind_null(s, F_RB + 1);
}

static void bind_update(sqlite3_stmt *s, const struct flow *fl)
{
	sqlite3_bind_int64(s, 1, fl->f[F_ID].i);
	bind_value(s, 2, &fl->f[F_STATE]);
	bind_value(s, 3, &fl->f[F_REASON]);
	bind_value(s, 4, &fl->f[F_CLOSED]);
	bind_value(s, 5, &fl->f[F_LAST]);
	for (int i = 0; i < 4; i++)
		bind_value(s, 6 + i, &fl->f[F_OP + i]);
}

/* NEW.db's indexes before the first transaction: the design's live ones. */
static void layout(sqlite3 *db, enum design d)
{
	exec(db, "DROP INDEX flows_by_time"); /* made again where a design has it */
	if (d != TWO_ROWS)
		exec(db, "DROP INDEX flow_events_by_dst; DROP INDEX flows_by_resp");
	if (d == ONE_ROW)
		exec(db, "CREATE INDEX flows_by_time ON flows (opened_at)");
	if (d == LOG)
		exec(db, "DROP INDEX flow_events_by_time; PRAGMA foreign_keys=OFF");
}

/* The indexes a design builds after its last transaction. */
static void build_indexes(sqlite3 *db, enum design d)
{
	if (d == TWO_ROWS)
		return;
	exec(db, "BEGIN");
	if (d == TWO_ROWS_DEFER || d == LOG)
		exec(db, "CREATE INDEX flow_events_by_dst ON flow_events (dst_addr, dst_port)");
	exec(db, "CREATE INDEX flows_by_resp ON flows (resp_addr, resp_port)");
	if (d == LOG)
		exec(db, "CREATE INDEX flow_events_by_time ON flow_events (observed_at)");
	if (d == ONE_ROW_NOIDX)
		exec(db, "CREATE INDEX flows_by_time ON flows (opened_at)");
	exec(db, "COMMIT");
}

static void usage(void)
{
	fputs("usage: store_designs two-rows|two-rows-defer|one-row|one-row-noidx|log"
	      " --from REF.db --db NEW.db [--checks] [--cache-mib M] [--batch N]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *from = NULL, *path = NULL;
	long batch = 4096, cache_mib = 0;
	bool checks = false;
	int d = -1;
	for (int i = 0; argc > 1 && i < DESIGN_COUNT; i++)
		if (strcmp(argv[1], design_names[i]) == 0)
			d = i;
	if (d < 0)
		usage();
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--checks") == 0)
			checks = true;
		else if (i + 1 < argc && strcmp(argv[i], "--from") == 0)
			from = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--db") == 0)
			path = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--cache-mib") == 0)
			cache_mib = strtol(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--batch") == 0)
			batch = strtol(argv[++i], NULL, 10);
		else
			usage();
	}
	if (!from || !path || batch < 1)
		usage();

	char err[512], sql[8192];
	sqlite3 *ref = NULL, *db = NULL;
	if (fa_db_open_reader(from, &ref, err, sizeof(err)) < 0 ||
	    fa_db_open_writer(path, FA_DB_DURABILITY_NORMAL, &db, err, sizeof(err)) < 0) {
		fprintf(stderr, "store_designs: %s\n", err);
		return 1;
	}
	struct flow *flows = NULL;
	size_t nflows = load_flows(ref, &flows);
	struct op *ops = calloc(2 * nflows + 1, sizeof(*ops));
	if (!ops)
		die("out of memory", NULL);
	size_t nops = 0;
	for (size_t i = 0; i < nflows; i++) {
		ops[nops++] = (struct op){.t = flows[i].opened_at, .close = 0, .flow = i};
		ops[nops++] = (struct op){.t = flows[i].closed_at, .close = 1, .flow = i};
	}
	qsort(ops, nops, sizeof(*ops), op_cmp);
	/* The batches: decisions counted as flowrec counts them. */
	int64_t b = 0, in_batch = 0;
	for (size_t i = 0; i < nops; i++) {
		struct flow *fl = &flows[ops[i].flow];
		if (ops[i].close) {
			fl->close_batch = b;
			continue;
		}
		fl->batch = b;
		if (++in_batch == batch)
			b++, in_batch = 0;
	}

	snprintf(sql, sizeof(sql), "ATTACH DATABASE '%s' AS ref", from);
	exec(db, sql);
	exec(db, "INSERT INTO runs SELECT * FROM ref.runs; DETACH DATABASE ref");
	if (checks)
		exec(db, "PRAGMA ignore_check_constraints=OFF");
	if (cache_mib > 0) {
		snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%ld", cache_mib * 1024);
		exec(db, sql);
	}
	layout(db, (enum design)d);
	bool one_row = d == ONE_ROW || d == ONE_ROW_NOIDX;
	int ncols = one_row ? NF : NF_OLD;
	insert_sql(sql, sizeof(sql), "flows", flow_cols, ncols);
	sqlite3_stmt *flow_insert = prepare(db, sql);
	insert_sql(sql, sizeof(sql), "flow_events", event_cols, NE);
	sqlite3_stmt *event_insert = prepare(db, sql);
	sqlite3_stmt *update = prepare(
		db, "UPDATE flows SET state = ?2, close_reason = ?3, closed_at = ?4,"
		    " last_seen_at = max(last_seen_at, ?5), orig_packets = max(orig_packets, ?6),"
		    " orig_bytes = iif(?7 IS NULL, orig_bytes, max(coalesce(orig_bytes, 0), ?7)),"
		    " resp_packets = max(resp_packets, ?8),"
		    " resp_bytes = iif(?9 IS NULL, resp_bytes, max(coalesce(resp_bytes, 0), ?9))"
		    " WHERE flow_id = ?1");
	sqlite3_stmt *begin = prepare(db, "BEGIN"), *commit = prepare(db, "COMMIT");

	long inserts = 0, updates = 0;
	double t0 = now_s();
	in_batch = 0;
	step(begin, db);
	for (size_t i = 0; i < nops; i++) {
		struct flow *fl = &flows[ops[i].flow];
		bool folded = fl->closes && fl->close_batch == fl->batch;
		if (ops[i].close) {
			if (!fl->closes)
				continue; /* run_end: written with the flows left at the end */
			if (d == LOG) {
				bind_flow(flow_insert, fl, true, ncols);
				step(flow_insert, db);
				inserts++;
			} else if (!folded) {
				bind_update(update, fl);
				step(update, db);
				updates++;
			}
			continue;
		}
		if (d != LOG) {
			bind_flow(flow_insert, fl, folded, ncols);
			step(flow_insert, db);
			inserts++;
		}
		if (!one_row) {
			for (int c = 0; c < NE; c++)
				bind_value(event_insert, c + 1, &fl->e[c]);
			step(event_insert, db);
			inserts++;
		}
		if (++in_batch == batch) {
			step(commit, db);
			step(begin, db);
			in_batch = 0;
		}
	}
	/* run_end: the flows still open close at the end. */
	for (size_t i = 0; i < nflows; i++) {
		if (flows[i].closes)
			continue;
		if (d == LOG) {
			bind_flow(flow_insert, &flows[i], true, ncols);
			step(flow_insert, db);
			inserts++;
		} else {
			bind_update(update, &flows[i]);
			step(update, db);
			updates++;
		}
	}
	step(commit, db);
	double t1 = now_s();
	build_indexes(db, (enum design)d);
	double t2 = now_s();
	printf("design=%s seconds=%.3f index_seconds=%.3f inserts=%ld updates=%ld flows=%zu\n",
	       design_names[d], t2 - t0, t2 - t1, inserts, updates, nflows);
	sqlite3_finalize(flow_insert);
	sqlite3_finalize(event_insert);
	sqlite3_finalize(update);
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_close(ref);
	return sqlite3_close(db) == SQLITE_OK ? 0 : 1;
}
