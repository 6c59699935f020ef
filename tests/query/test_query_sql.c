/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQL flowq builds: values never appear in the text, hostile values bound
 * as parameters are inert, and the --dst / --since filters are index searches
 * (EXPLAIN QUERY PLAN on a real fixture database), with the decisions stored
 * either way (in flow_events, as before migration 006, or in flows rows).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dbset.h"
#include "fa_db.h"
#include "fixture.h"
#include "query_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char db_path[64], rows_path[64];
static const char *db_paths[1];
static struct fq_dbset dbset;

static int setup(void **state)
{
	(void)state;
	snprintf(db_path, sizeof(db_path), "/tmp/test_query_sql.%d.db", (int)getpid());
	snprintf(rows_path, sizeof(rows_path), "/tmp/test_query_sql.%d.rows.db", (int)getpid());
	return fx_create_cell_a(db_path) || fx_create_cell_a(rows_path) ||
			       fx_move_openings_to_flows(rows_path)
		       ? -1
		       : 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(db_path);
	unlink(rows_path);
	return 0;
}

/* A database as flowq opens it (with its TEMP views); closed by close_reader. */
static sqlite3 *open_path(const char *path)
{
	char err[256];
	db_paths[0] = path;
	assert_int_equal(fq_dbset_open(&dbset, db_paths, 1, err, sizeof(err)), 0);
	return dbset.db[0];
}

static sqlite3 *open_reader(void)
{
	return open_path(db_path);
}

static void close_reader(sqlite3 *db)
{
	assert_ptr_equal(db, dbset.db[0]);
	fq_dbset_close(&dbset);
}

/* The EXPLAIN QUERY PLAN details of kind with filters f, joined by " | ". */
static void plan(sqlite3 *db, enum fq_query_kind kind, const struct fq_filters *f, char *out,
		 size_t len)
{
	char sql[FQ_SQL_MAX], eqp[FQ_SQL_MAX + 32];
	assert_int_equal(fq_sql_build(kind, f, sql, sizeof(sql)), 0);
	snprintf(eqp, sizeof(eqp), "EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, eqp, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(fq_sql_bind(st, f), SQLITE_OK);
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t used = strlen(out);
		snprintf(out + used, len - used, "%s | ", (const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_finalize(st);
}

static void dst_and_since_use_indexes(void **state)
{
	(void)state;
	sqlite3 *db = open_reader();
	char p[2048], err[256];
	struct fq_filters f = {0};
	assert_int_equal(fq_filter_set(&f, "--dst", "192.0.2.0/24", 0, err, sizeof(err)), 0);
	plan(db, FQ_Q_EVENTS, &f, p, sizeof(p));
	/* both arms: the opening decisions in flows, the decisions in flow_events */
	assert_non_null(
		strstr(p, "SEARCH f USING INDEX flows_by_resp (resp_addr>? AND resp_addr<?)"));
	assert_non_null(strstr(p, "SEARCH main.flow_events USING INDEX flow_events_by_dst "
				  "(dst_addr>? AND dst_addr<?)"));

	struct fq_filters g = {0};
	assert_int_equal(fq_filter_set(&g, "--since", "2026-05-06T12:00:00Z", 0, err, sizeof(err)),
			 0);
	plan(db, FQ_Q_EVENTS, &g, p, sizeof(p));
	assert_non_null(strstr(p, "SEARCH f USING INDEX flows_by_time (opened_at>?)"));
	assert_non_null(strstr(
		p, "SEARCH main.flow_events USING INDEX flow_events_by_time (observed_at>?)"));
	/* Time order comes from the index itself: no sort step. */
	assert_null(strstr(p, "TEMP B-TREE"));

	struct fq_filters h = {0};
	assert_int_equal(fq_filter_set(&h, "--dst", "2001:db8::/32", 0, err, sizeof(err)), 0);
	assert_int_equal(fq_filter_set(&h, "--port", "53", 0, err, sizeof(err)), 0);
	plan(db, FQ_Q_EVENTS, &h, p, sizeof(p));
	assert_non_null(strstr(p, "USING INDEX flows_by_resp"));
	assert_non_null(strstr(p, "USING INDEX flow_events_by_dst"));

	struct fq_filters none = {0};
	plan(db, FQ_Q_EVENTS, &none, p, sizeof(p));
	/* each arm in time order from its index, merged: no sort */
	assert_non_null(strstr(p, "MERGE (UNION ALL)"));
	assert_non_null(strstr(p, "SCAN f USING INDEX flows_by_time"));
	assert_non_null(strstr(p, "SCAN main.flow_events USING INDEX flow_events_by_time"));
	assert_null(strstr(p, "TEMP B-TREE"));

	plan(db, FQ_Q_FLOWS, &f, p, sizeof(p));
	assert_non_null(strstr(p, "USING INDEX flows_by_resp"));
	close_reader(db);
}

static void values_never_reach_the_sql_text(void **state)
{
	(void)state;
	struct fq_filters f = {0};
	char err[256], sql[FQ_SQL_MAX];
	const char *hostile = "'; DROP TABLE flow_events; --";
	assert_int_equal(fq_filter_set(&f, "--cell", hostile, 0, err, sizeof(err)), 0);
	assert_int_equal(fq_filter_set(&f, "--run", hostile, 0, err, sizeof(err)), 0);
	assert_int_equal(fq_filter_set(&f, "--reason", hostile, 0, err, sizeof(err)), 0);
	assert_int_equal(fq_filter_set(&f, "--port", "443", 0, err, sizeof(err)), 0);
	assert_int_equal(fq_filter_set(&f, "--limit", "7", 0, err, sizeof(err)), 0);
	for (int k = FQ_Q_EVENTS; k <= FQ_Q_SUM_PROTO; k++) {
		assert_int_equal(fq_sql_build((enum fq_query_kind)k, &f, sql, sizeof(sql)), 0);
		assert_null(strstr(sql, "DROP"));
		assert_null(strstr(sql, "443"));
		if (k == FQ_Q_EVENTS)
			assert_non_null(strstr(sql, ":cell"));
	}
	/* Too small a buffer is an error, never a truncated query. */
	assert_int_not_equal(fq_sql_build(FQ_Q_EVENTS, &f, sql, 64), 0);
}

static long long count_rows(sqlite3 *db, const struct fq_filters *f)
{
	char sql[FQ_SQL_MAX];
	sqlite3_stmt *st = NULL;
	assert_int_equal(fq_sql_build(FQ_Q_EVENTS_COUNT, f, sql, sizeof(sql)), 0);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(fq_sql_bind(st, f), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void hostile_values_are_inert(void **state)
{
	(void)state;
	sqlite3 *db = open_reader();
	char err[256];
	struct fq_filters none = {0};
	assert_int_equal(count_rows(db, &none), 6);
	const char *hostile[] = {"'; DROP TABLE flow_events; --", "cell-a' OR '1'='1",
				 "\x01\x02\xff\xfe garbage \x7f", "%s%n%x", "cell-a\" OR 1=1 --"};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct fq_filters f = {0};
		assert_int_equal(fq_filter_set(&f, "--cell", hostile[i], 0, err, sizeof(err)), 0);
		assert_int_equal(count_rows(db, &f), 0);
		struct fq_filters g = {0};
		assert_int_equal(fq_filter_set(&g, "--reason", hostile[i], 0, err, sizeof(err)), 0);
		assert_int_equal(count_rows(db, &g), 0);
	}
	char *big = malloc(1 << 20);
	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	struct fq_filters f = {0};
	assert_int_equal(fq_filter_set(&f, "--run", big, 0, err, sizeof(err)), 0);
	assert_int_equal(count_rows(db, &f), 0);
	free(big);
	assert_int_equal(count_rows(db, &none), 6);
	close_reader(db);
}

/*
 * The same counts from either layout, and from a database whose deferred
 * index flows_by_resp is missing (a run that is recording, or was killed):
 * flowq then scans, and its answers do not change.
 */
static void filters_give_hand_computed_counts(void **state)
{
	(void)state;
	char nodx_path[96], err[256];
	snprintf(nodx_path, sizeof(nodx_path), "%s.noindex", rows_path);
	assert_int_equal(fx_create_cell_a(nodx_path), 0);
	assert_int_equal(fx_move_openings_to_flows(nodx_path), 0);
	sqlite3 *w = NULL;
	assert_int_equal(sqlite3_open(nodx_path, &w), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "DROP INDEX flows_by_resp", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(w);
	const char *paths[] = {db_path, rows_path, nodx_path};
	for (size_t p = 0; p < 3; p++) {
		sqlite3 *db = open_path(paths[p]);
		struct {
			const char *opt, *val;
			long long want;
		} cases[] = {
			{"--cell", "cell-a", 6},
			{"--run", "run-2", 2},
			{"--dst", "192.0.2.0/24", 1},
			{"--dst", "10.0.0.1", 1},
			{"--dst", "2001:db8::/32", 2},
			{"--dst", "0.0.0.0/0", 4},
			{"--port", "443", 1},
			{"--proto", "tcp", 2},
			{"--proto", "47", 1},
			{"--decision", "deny", 2},
			{"--direction", "ingress", 2},
			{"--reason", "nflog_match", 1},
			{"--since", "2026-05-06T12:00:03Z", 4},
			{"--until", "2026-05-06T12:00:03Z", 2},
			{"--limit", "3", 3},
		};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct fq_filters f = {0};
			assert_int_equal(
				fq_filter_set(&f, cases[i].opt, cases[i].val, 0, err, sizeof(err)),
				0);
			long long got = count_rows(db, &f);
			if (got != cases[i].want)
				fail_msg("%s: %s %s: %lld rows, want %lld", paths[p], cases[i].opt,
					 cases[i].val, got, cases[i].want);
		}
		close_reader(db);
	}
	unlink(nodx_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dst_and_since_use_indexes),
		cmocka_unit_test(values_never_reach_the_sql_text),
		cmocka_unit_test(hostile_values_are_inert),
		cmocka_unit_test(filters_give_hand_computed_counts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
