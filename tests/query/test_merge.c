/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The k-way merge of several databases' rows: rows come out by key, ties in
 * statement (--db) order and then in each statement's own order; empty
 * statements and a single one work; a statement that fails names itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "merge.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define MAX_STMTS 4

struct sources {
	sqlite3 *db;
	sqlite3_stmt *st[MAX_STMTS];
	size_t n;
};

/* One statement per VALUES list: rows (key, tag), in the list's order. */
static void sources_open(struct sources *s, const char *const *values, size_t n)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(sqlite3_open(":memory:", &s->db), SQLITE_OK);
	for (size_t i = 0; i < n; i++) {
		char sql[512];
		if (values[i])
			snprintf(sql, sizeof(sql),
				 "SELECT column1, column2 FROM (VALUES %s) ORDER BY rowid",
				 values[i]);
		else
			snprintf(sql, sizeof(sql), "SELECT 1, 'x' WHERE 0");
		assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &s->st[i], NULL), SQLITE_OK);
	}
	s->n = n;
}

static void sources_close(struct sources *s)
{
	for (size_t i = 0; i < s->n; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
}

/* Merge and write "tag@db" of every row, space-separated, into out. */
static int merged(struct sources *s, char *out, size_t len)
{
	struct fq_merge m;
	size_t which = 99, used = 0;
	int rc;
	out[0] = '\0';
	assert_int_equal(fq_merge_init(&m, s->st, s->n, 0), 0);
	while ((rc = fq_merge_next(&m, &which)) == 1) {
		assert_true(which < s->n);
		used += (size_t)snprintf(out + used, len - used, "%s%s@%zu", used ? " " : "",
					 (const char *)sqlite3_column_text(s->st[which], 1), which);
	}
	fq_merge_free(&m);
	return rc;
}

static void rows_by_key_ties_by_database(void **state)
{
	(void)state;
	const char *const v[] = {"(1, 'a'), (5, 'b'), (5, 'c'), (9, 'd')",
				 "(2, 'e'), (5, 'f'), (10, 'g')", "(0, 'h'), (5, 'i')"};
	struct sources s;
	char out[256];
	sources_open(&s, v, 3);
	assert_int_equal(merged(&s, out, sizeof(out)), 0);
	assert_string_equal(out, "h@2 a@0 e@1 b@0 c@0 f@1 i@2 d@0 g@1");
	sources_close(&s);
}

static void empty_and_single(void **state)
{
	(void)state;
	const char *const v[] = {NULL, "(3, 'a'), (1, 'b')", NULL};
	struct sources s;
	char out[256];
	/* One statement: its own order, even where the key goes down. */
	sources_open(&s, v + 1, 1);
	assert_int_equal(merged(&s, out, sizeof(out)), 0);
	assert_string_equal(out, "a@0 b@0");
	sources_close(&s);
	sources_open(&s, v, 3);
	assert_int_equal(merged(&s, out, sizeof(out)), 0);
	assert_string_equal(out, "a@1 b@1");
	sources_close(&s);
	sources_open(&s, v, 1);
	assert_int_equal(merged(&s, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	sources_close(&s);
	/* No statement at all. */
	sources_open(&s, v, 0);
	assert_int_equal(merged(&s, out, sizeof(out)), 0);
	sources_close(&s);
}

/* fail_at(x, n): x, or an error when x == n. */
static void fail_at(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_int64(argv[0]) == sqlite3_value_int64(argv[1]))
		sqlite3_result_error(ctx, "made to fail", -1);
	else
		sqlite3_result_int64(ctx, sqlite3_value_int64(argv[0]));
}

static void failing_statement_is_named(void **state)
{
	(void)state;
	const char *const v[] = {"(1, 'a'), (2, 'b')", "(1, 'c')"};
	struct sources s;
	sources_open(&s, v, 2);
	assert_int_equal(
		sqlite3_create_function(s.db, "fail_at", 2, SQLITE_UTF8, NULL, fail_at, NULL, NULL),
		SQLITE_OK);
	/* The second statement fails on its second row, after the merge has begun. */
	sqlite3_finalize(s.st[1]);
	assert_int_equal(
		sqlite3_prepare_v2(s.db, "SELECT fail_at(column1, 3), 'c' FROM (VALUES (0), (3))",
				   -1, &s.st[1], NULL),
		SQLITE_OK);
	struct fq_merge m;
	size_t which = 99;
	assert_int_equal(fq_merge_init(&m, s.st, s.n, 0), 0);
	int rc, rows = 0;
	while ((rc = fq_merge_next(&m, &which)) == 1)
		rows++;
	assert_true(rc < 0);
	assert_int_equal(which, 1);
	assert_int_equal(rows, 1); /* the second statement's first row (key 0) came out */
	fq_merge_free(&m);
	sources_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_by_key_ties_by_database),
		cmocka_unit_test(empty_and_single),
		cmocka_unit_test(failing_statement_is_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
