/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bare_insert: the two baselines flowrec's ingest is measured against
 * (bench/ingest.sh).
 *
 *   bare_insert ceiling --from REF.db --db NEW.db [--batch N]
 *   bare_insert raw     --from REF.db --db NEW.db --rows N [--batch N]
 *
 * ceiling: the schema's ceiling. Copies the runs, flows and flow_events rows
 *   that flowrec wrote into REF.db into a fresh NEW.db, in the final state
 *   (no row written twice), one prepared INSERT per table, N flows rows
 *   (default 4096, flowrec's --batch-events: nearly every flows row is a
 *   decision) per transaction, each flow_events row (a later decision) in the
 *   transaction of the flow it refers to. As flowrec does, the deferred
 *   indexes (fa_db.h) are dropped first and built after the last
 *   transaction, on the clock.
 * raw: the physical reference. Inserts N rows (one per input event) shaped
 *   like a flow_events row (its columns and declared types) into a table with
 *   an INTEGER PRIMARY KEY and nothing else: no secondary index, no
 *   constraint. Row contents cycle through REF.db's decisions (the view
 *   flow_events_all: the opening decisions flows rows hold and the rows of
 *   flow_events, all shaped as flow_events rows); the key counts up from 1.
 *   N rows per transaction as above.
 *
 * NEW.db is created and opened by fa_db_open_writer, exactly as flowrec opens
 * its database: the embedded migrations, WAL, synchronous=NORMAL, the same page
 * cache. Column lists come from PRAGMA table_info of NEW.db, so both loops
 * follow a schema change by themselves. What they know of the rows is in this
 * comment and nowhere else: the table names runs, flows and flow_events; that
 * flow_events.flow_id refers to flows.flow_id; that both keys grow in the
 * order flowrec assigned them.
 *
 * Rows are read from REF.db one batch at a time into memory, outside the
 * clock; the clock runs over BEGIN, the inserts and COMMIT only (and the
 * ceiling's index build). Prints one line: "seconds=S read_seconds=R rows=N"
 * plus "flows=F events=E" (ceiling: rows written, flows rows, decisions),
 * counted in NEW.db afterwards.
 */
#include "fa_db.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_COLS 64
#define ERR_LEN 512

/* One value of a row read from REF.db; text and blobs point into the row's own copy. */
struct value {
	int type; /* SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL */
	int64_t i;
	double d;
	void *p;
	int len;
};

struct row {
	struct value v[MAX_COLS];
};

/* A table's columns (as NEW.db has them), its reader on REF.db and its inserter on NEW.db. */
struct table {
	const char *name;
	int ncols;
	char cols[MAX_COLS][64];
	char types[MAX_COLS][32];
	int pk; /* index of the INTEGER PRIMARY KEY column, or -1 */
	sqlite3_stmt *read;
	sqlite3_stmt *insert;
	struct row *rows; /* the current batch */
	size_t nrows, cap;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, sqlite3 *db)
{
	fprintf(stderr, "bare_insert: %s: %s\n", what, db ? sqlite3_errmsg(db) : "failed");
	exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql, db);
}

/* Read t->name's columns from PRAGMA table_info on db. */
static void load_columns(sqlite3 *db, struct table *t)
{
	char sql[128];
	sqlite3_stmt *s = NULL;
	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", t->name);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		die(sql, db);
	t->ncols = 0;
	t->pk = -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (t->ncols == MAX_COLS)
			die("too many columns", NULL);
		snprintf(t->cols[t->ncols], sizeof(t->cols[0]), "%s", sqlite3_column_text(s, 1));
		snprintf(t->types[t->ncols], sizeof(t->types[0]), "%s",
			 sqlite3_column_text(s, 2) ? (const char *)sqlite3_column_text(s, 2) : "");
		if (sqlite3_column_int(s, 5) == 1 && strcmp(t->types[t->ncols], "INTEGER") == 0)
			t->pk = t->ncols;
		t->ncols++;
	}
	sqlite3_finalize(s);
	if (t->ncols == 0)
		die("table not found in the new database", NULL);
}

static void column_list(const struct table *t, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < t->ncols; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", t->cols[i]);
}

/*
 * Prepare the reader (rows with a key in (?1, ?2], in key order, at most ?3)
 * and the inserter into `into`.
 */
static void prepare(struct table *t, sqlite3 *ref, sqlite3 *dst, const char *into)
{
	char cols[4096], sql[8192];
	if (t->pk < 0)
		die("a table without an INTEGER PRIMARY KEY", NULL);
	const char *key = t->cols[t->pk];
	column_list(t, cols, sizeof(cols));
	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM %s WHERE %s > ?1 AND %s <= ?2 ORDER BY %s LIMIT ?3", cols, t->name,
		 key, key, key);
	if (sqlite3_prepare_v2(ref, sql, -1, &t->read, NULL) != SQLITE_OK)
		die(sql, ref);
	size_t used =
		(size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) VALUES (", into, cols);
	for (int i = 0; i < t->ncols; i++)
		used += (size_t)snprintf(sql + used, sizeof(sql) - used, "%s?%d", i ? ", " : "",
					 i + 1);
	snprintf(sql + used, sizeof(sql) - used, ")");
	if (sqlite3_prepare_v3(dst, sql, -1, SQLITE_PREPARE_PERSISTENT, &t->insert, NULL) !=
	    SQLITE_OK)
		die(sql, dst);
}

static void free_rows(struct table *t)
{
	for (size_t r = 0; r < t->nrows; r++)
		for (int i = 0; i < t->ncols; i++)
			free(t->rows[r].v[i].p);
	t->nrows = 0;
}

/*
 * Read up to limit rows with a key in (after, upto] into t->rows (replacing
 * the batch). Returns the number read; *last is the last key read.
 */
static size_t read_rows(struct table *t, int64_t limit, int64_t *last);

static size_t read_batch(struct table *t, int64_t after, int64_t upto, int64_t limit, int64_t *last)
{
	sqlite3_reset(t->read);
	sqlite3_bind_int64(t->read, 1, after);
	sqlite3_bind_int64(t->read, 2, upto);
	sqlite3_bind_int64(t->read, 3, limit);
	return read_rows(t, limit, last);
}

/*
 * Step t->read for up to limit rows into t->rows (replacing the batch),
 * without resetting it: a stream read in batches. Returns the number read.
 */
static size_t read_rows(struct table *t, int64_t limit, int64_t *last)
{
	free_rows(t);
	while ((int64_t)t->nrows < limit && sqlite3_step(t->read) == SQLITE_ROW) {
		if (t->nrows == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 4096;
			t->rows = realloc(t->rows, t->cap * sizeof(*t->rows));
			if (!t->rows)
				die("out of memory", NULL);
		}
		struct row *row = &t->rows[t->nrows++];
		for (int i = 0; i < t->ncols; i++) {
			struct value *v = &row->v[i];
			v->type = sqlite3_column_type(t->read, i);
			v->p = NULL;
			if (v->type == SQLITE_INTEGER) {
				v->i = sqlite3_column_int64(t->read, i);
			} else if (v->type == SQLITE_FLOAT) {
				v->d = sqlite3_column_double(t->read, i);
			} else if (v->type == SQLITE_TEXT || v->type == SQLITE_BLOB) {
				const void *src =
					v->type == SQLITE_TEXT
						? (const void *)sqlite3_column_text(t->read, i)
						: sqlite3_column_blob(t->read, i);
				v->len = sqlite3_column_bytes(t->read, i);
				v->p = malloc((size_t)v->len + 1);
				if (!v->p)
					die("out of memory", NULL);
				memcpy(v->p, src, (size_t)v->len);
			}
		}
		*last = row->v[t->pk].i;
	}
	return t->nrows;
}

/* Insert one row; the primary key is replaced by *pk when pk is not NULL. */
static void insert_row(struct table *t, const struct row *row, const int64_t *pk, sqlite3 *db)
{
	sqlite3_stmt *s = t->insert;
	for (int i = 0; i < t->ncols; i++) {
		const struct value *v = &row->v[i];
		if (pk && i == t->pk)
			sqlite3_bind_int64(s, i + 1, *pk);
		else if (v->type == SQLITE_INTEGER)
			sqlite3_bind_int64(s, i + 1, v->i);
		else if (v->type == SQLITE_FLOAT)
			sqlite3_bind_double(s, i + 1, v->d);
		else if (v->type == SQLITE_TEXT)
			sqlite3_bind_text(s, i + 1, v->p, v->len, SQLITE_STATIC);
		else if (v->type == SQLITE_BLOB)
			sqlite3_bind_blob(s, i + 1, v->p, v->len, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, i + 1);
	}
	if (sqlite3_step(s) != SQLITE_DONE)
		die("insert", db);
	sqlite3_reset(s);
}

static int64_t count_rows(sqlite3 *db, const char *table)
{
	char sql[128];
	sqlite3_stmt *s = NULL;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
		die(sql, db);
	int64_t n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void timed_exec(sqlite3 *db, const char *sql, double *clock)
{
	double t0 = now_s();
	exec(db, sql);
	*clock += now_s() - t0;
}

/* The events of flows in (after, upto], in key order, into t->rows (a scan: later decisions are few). */
static size_t read_events_of(struct table *t, sqlite3_stmt *by_flow, int64_t after, int64_t upto)
{
	sqlite3_stmt *keep = t->read;
	t->read = by_flow;
	int64_t last;
	size_t n = read_batch(t, after, upto, INT64_MAX, &last);
	t->read = keep;
	return n;
}

/* The ceiling: see the top of the file. */
static void run_ceiling(sqlite3 *ref, sqlite3 *db, int64_t batch)
{
	struct table runs = {.name = "runs"}, flows = {.name = "flows"},
		     events = {.name = "flow_events"};
	struct table *all[] = {&runs, &flows, &events};
	for (int i = 0; i < 3; i++)
		load_columns(db, all[i]);
	prepare(&runs, ref, db, "runs");
	prepare(&flows, ref, db, "flows");
	prepare(&events, ref, db, "flow_events");
	char cols[4096], sql[8192];
	column_list(&events, cols, sizeof(cols));
	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM flow_events WHERE flow_id > ?1 AND flow_id <= ?2"
		 " ORDER BY event_id LIMIT ?3",
		 cols);
	sqlite3_stmt *events_by_flow = NULL;
	if (sqlite3_prepare_v2(ref, sql, -1, &events_by_flow, NULL) != SQLITE_OK)
		die(sql, ref);
	for (size_t i = 0; i < fa_deferred_index_count; i++) {
		snprintf(sql, sizeof(sql), "DROP INDEX IF EXISTS %s", fa_deferred_indexes[i].name);
		exec(db, sql);
	}

	/* The runs rows first, untimed: the events' ids derive from their keys. */
	int64_t last = INT64_MIN;
	read_batch(&runs, last, INT64_MAX, INT64_MAX, &last);
	exec(db, "BEGIN");
	for (size_t r = 0; r < runs.nrows; r++)
		insert_row(&runs, &runs.rows[r], NULL, db);
	exec(db, "COMMIT");

	double clock = 0, reading = 0;
	int64_t last_flow = INT64_MIN;
	for (;;) {
		double t0 = now_s();
		int64_t after = last_flow;
		size_t n = read_batch(&flows, last_flow, INT64_MAX, batch, &last_flow);
		/* The events of these flows; after the last flow, events of none. */
		size_t m =
			read_events_of(&events, events_by_flow, after, n ? last_flow : INT64_MAX);
		reading += now_s() - t0;
		if (n == 0 && m == 0)
			break;
		timed_exec(db, "BEGIN", &clock);
		t0 = now_s();
		for (size_t f = 0; f < n; f++)
			insert_row(&flows, &flows.rows[f], NULL, db);
		for (size_t e = 0; e < m; e++)
			insert_row(&events, &events.rows[e], NULL, db);
		clock += now_s() - t0;
		timed_exec(db, "COMMIT", &clock);
		if (n == 0)
			break;
	}
	/* The deferred indexes, as flowrec builds them when its run ends. */
	timed_exec(db, "BEGIN", &clock);
	for (size_t i = 0; i < fa_deferred_index_count; i++)
		timed_exec(db, fa_deferred_indexes[i].create_sql, &clock);
	timed_exec(db, "COMMIT", &clock);
	printf("seconds=%.6f read_seconds=%.6f rows=%lld flows=%lld events=%lld\n", clock, reading,
	       (long long)(count_rows(db, "flows") + count_rows(db, "flow_events")),
	       (long long)count_rows(db, "flows"), (long long)count_rows(db, "flow_events_all"));
	for (int i = 0; i < 3; i++) {
		free_rows(all[i]);
		free(all[i]->rows);
		sqlite3_finalize(all[i]->read);
		sqlite3_finalize(all[i]->insert);
	}
	sqlite3_finalize(events_by_flow);
}

/* The raw row rate: see the top of the file. */
static void run_raw(sqlite3 *ref, sqlite3 *db, int64_t rows, int64_t batch)
{
	struct table events = {.name = "flow_events"};
	load_columns(db, &events);
	/* Same columns and declared types; a rowid key and nothing else. */
	char ddl[8192];
	size_t used = (size_t)snprintf(ddl, sizeof(ddl), "CREATE TABLE raw_rows (");
	for (int i = 0; i < events.ncols; i++)
		used += (size_t)snprintf(ddl + used, sizeof(ddl) - used, "%s%s %s%s", i ? ", " : "",
					 events.cols[i], events.types[i],
					 i == events.pk ? " PRIMARY KEY" : "");
	snprintf(ddl + used, sizeof(ddl) - used, ")");
	exec(db, ddl);
	prepare(&events, ref, db, "raw_rows");
	/* Every decision, read as one stream (a view has no key to page by). */
	char cols[4096], sql[8192];
	column_list(&events, cols, sizeof(cols));
	snprintf(sql, sizeof(sql), "SELECT %s FROM flow_events_all", cols);
	sqlite3_finalize(events.read);
	if (sqlite3_prepare_v2(ref, sql, -1, &events.read, NULL) != SQLITE_OK)
		die(sql, ref);

	double clock = 0, reading = 0;
	int64_t key = 0, last;
	while (key < rows) {
		double t0 = now_s();
		int64_t want = rows - key < batch ? rows - key : batch;
		size_t n = read_rows(&events, want, &last);
		if (n == 0) { /* the end of REF.db's decisions: start over */
			sqlite3_reset(events.read);
			n = read_rows(&events, want, &last);
			if (n == 0)
				die("the reference database has no decisions", NULL);
		}
		reading += now_s() - t0;
		timed_exec(db, "BEGIN", &clock);
		t0 = now_s();
		for (size_t r = 0; r < n; r++) {
			key++;
			insert_row(&events, &events.rows[r], &key, db);
		}
		clock += now_s() - t0;
		timed_exec(db, "COMMIT", &clock);
	}
	printf("seconds=%.6f read_seconds=%.6f rows=%lld\n", clock, reading,
	       (long long)count_rows(db, "raw_rows"));
	free_rows(&events);
	free(events.rows);
	sqlite3_finalize(events.read);
	sqlite3_finalize(events.insert);
}

static void usage(void)
{
	fputs("usage: bare_insert ceiling --from REF.db --db NEW.db [--batch N]\n"
	      "       bare_insert raw --from REF.db --db NEW.db --rows N [--batch N]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *from = NULL, *path = NULL;
	int64_t rows = 0, batch = 4096;
	if (argc < 2)
		usage();
	bool raw = strcmp(argv[1], "raw") == 0;
	if (!raw && strcmp(argv[1], "ceiling") != 0)
		usage();
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--from") == 0)
			from = argv[i + 1];
		else if (strcmp(argv[i], "--db") == 0)
			path = argv[i + 1];
		else if (strcmp(argv[i], "--rows") == 0)
			rows = strtoll(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--batch") == 0)
			batch = strtoll(argv[i + 1], NULL, 10);
		else
			usage();
	}
	if (argc % 2 || !from || !path || batch < 1 || (raw && rows < 1))
		usage();

	char err[ERR_LEN];
	sqlite3 *ref = NULL, *db = NULL;
	if (fa_db_open_reader(from, &ref, err, sizeof(err)) < 0 ||
	    fa_db_open_writer(path, FA_DB_DURABILITY_NORMAL, &db, err, sizeof(err)) < 0) {
		fprintf(stderr, "bare_insert: %s\n", err);
		return 1;
	}
	if (raw)
		run_raw(ref, db, rows, batch);
	else
		run_ceiling(ref, db, batch);
	sqlite3_close(ref);
	return sqlite3_close(db) == SQLITE_OK ? 0 : 1;
}
