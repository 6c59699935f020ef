/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQL flowq builds: values never appear in the text, hostile values bound
 * as parameters are inert, and the --dst / --since filters are index searches
 * (EXPLAIN QUERY PLAN on a real fixture database).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fa_db.h"
#include "fixture.h"
#include "query_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char db_path[64];

static int setup(void **state)
{
	(void)state;
	snprintf(db_path, sizeof(db_path), "/tmp/test_query_sql.%d.db", (int)getpid());
	return fx_create_cell_a(db_path);
}

static int teardown(void **state)
{
	(void)state;
	unlink(db_path);
	return 0;
}

static sqlite3 *open_reader(void)
{
	sqlite3 *db = NULL;
	char err[256];
	assert_int_equal(fa_db_open_reader(db_path, &db, err, sizeof(err)), 0);
	return db;
}

/* The EXPLAIN QUERY PLAN details of kind with filters f, joined by " | ". */
static void plan(sqlite3 *db, enum fq_query_kind kind, const struct fq_filters *f, char *out,
		 size_t len)
{
	char sql[4096], eqp[4200];
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
	assert_non_null(
		strstr(p, "SEARCH e USING INDEX flow_events_by_dst (dst_addr>? AND dst_addr<?)"));

	struct fq_filters g = {0};
	assert_int_equal(fq_filter_set(&g, "--since", "2026-05-06T12:00:00Z", 0, err, sizeof(err)),
			 0);
	plan(db, FQ_Q_EVENTS, &g, p, sizeof(p));
	assert_non_null(strstr(p, "SEARCH e USING INDEX flow_events_by_time (observed_at>?)"));
	/* Time order comes from the index itself: no sort step. */
	assert_null(strstr(p, "TEMP B-TREE"));

	struct fq_filters h = {0};
	assert_int_equal(fq_filter_set(&h, "--dst", "2001:db8::/32", 0, err, sizeof(err)), 0);
	assert_int_equal(fq_filter_set(&h, "--port", "53", 0, err, sizeof(err)), 0);
	plan(db, FQ_Q_EVENTS, &h, p, sizeof(p));
	assert_non_null(strstr(p, "USING INDEX flow_events_by_dst"));

	struct fq_filters none = {0};
	plan(db, FQ_Q_EVENTS, &none, p, sizeof(p));
	assert_non_null(strstr(p, "SCAN e USING INDEX flow_events_by_time"));
	assert_null(strstr(p, "TEMP B-TREE"));

	plan(db, FQ_Q_FLOWS, &f, p, sizeof(p));
	assert_non_null(strstr(p, "USING INDEX flows_by_resp"));
	sqlite3_close(db);
}

static void values_never_reach_the_sql_text(void **state)
{
	(void)state;
	struct fq_filters f = {0};
	char err[256], sql[4096];
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
	char sql[4096];
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
	sqlite3_close(db);
}

static void filters_give_hand_computed_counts(void **state)
{
	(void)state;
	sqlite3 *db = open_reader();
	char err[256];
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
		assert_int_equal(fq_filter_set(&f, cases[i].opt, cases[i].val, 0, err, sizeof(err)),
				 0);
		long long got = count_rows(db, &f);
		if (got != cases[i].want)
			fail_msg("%s %s: %lld rows, want %lld", cases[i].opt, cases[i].val, got,
				 cases[i].want);
	}
	sqlite3_close(db);
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
