/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The health counter list (common/fa_health.h) against everything it cannot
 * generate: the schema, kept in SQL migrations, and the kernel's counters
 * (bpf/flow_counters.h). The migrated health table holds exactly the list's
 * columns, each added by the migration the list names (with a 0 default when
 * added later, so older rows read 0 as flowq's compatibility views say);
 * every kernel counter is read into exactly one entry; and the store writes
 * each counter of struct store_health into the column of its name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fa_db.h"
#include "fa_health.h"
#include "flow_counters.h"
#include "flow_store.h"
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The health table's own columns, not counters. */
static const char *const row_columns[] = {"health_id", "run_pk", "at", "is_final"};

static bool is_row_column(const char *name)
{
	for (size_t i = 0; i < sizeof(row_columns) / sizeof(row_columns[0]); i++)
		if (strcmp(row_columns[i], name) == 0)
			return true;
	return false;
}

static int counter_index(const char *name)
{
	for (int c = 0; c < FA_HEALTH_COUNT; c++)
		if (strcmp(fa_health_list[c].name, name) == 0)
			return c;
	return -1;
}

/*
 * Check db's health table against the list as of schema version: exactly the
 * counters added by then, NOT NULL, and with DEFAULT 0 when a later
 * migration added them.
 */
static void check_health_columns(sqlite3 *db, int version)
{
	sqlite3_stmt *s = NULL;
	bool seen[FA_HEALTH_COUNT] = {false};
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT name, \"notnull\", dflt_value"
					    " FROM pragma_table_info('health')",
					    -1, &s, NULL),
			 SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		if (is_row_column(name))
			continue;
		int c = counter_index(name);
		if (c < 0)
			fail_msg("schema %d: health column %s is not in fa_health.h", version,
				 name);
		const struct fa_health_info *h = &fa_health_list[c];
		if (h->migration > version)
			fail_msg("schema %d: column %s exists, but the list says migration %d adds "
				 "it",
				 version, name, h->migration);
		if (sqlite3_column_int(s, 1) != 1)
			fail_msg("column %s may be NULL", name);
		const char *dflt = (const char *)sqlite3_column_text(s, 2);
		if (h->migration > 1 && (!dflt || strcmp(dflt, "0") != 0))
			fail_msg("column %s, added by migration %d, has default %s, not 0", name,
				 h->migration, dflt ? dflt : "none");
		seen[c] = true;
	}
	sqlite3_finalize(s);
	for (int c = 0; c < FA_HEALTH_COUNT; c++)
		if (fa_health_list[c].migration <= version && !seen[c])
			fail_msg("schema %d: no health column %s (the list says migration %d)",
				 version, fa_health_list[c].name, fa_health_list[c].migration);
}

/* Every migration in turn: after each, the columns are exactly those added by then. */
static void test_each_migration_adds_the_listed_columns(void **state)
{
	(void)state;
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	int highest = 0;
	for (size_t i = 0; i < fa_migration_count; i++) {
		char *msg = NULL;
		if (sqlite3_exec(db, fa_migrations[i].sql, NULL, NULL, &msg) != SQLITE_OK)
			fail_msg("migration %s: %s", fa_migrations[i].name, msg);
		check_health_columns(db, fa_migrations[i].version);
		highest = fa_migrations[i].version;
	}
	for (int c = 0; c < FA_HEALTH_COUNT; c++)
		if (fa_health_list[c].migration < 1 || fa_health_list[c].migration > highest)
			fail_msg("%s: migration %d does not exist", fa_health_list[c].name,
				 fa_health_list[c].migration);
	sqlite3_close(db);
}

/* A database the recorder creates (fa_db_open_writer) holds every counter. */
static void test_a_new_database_has_every_counter(void **state)
{
	(void)state;
	char path[64], err[512], p[80];
	sqlite3 *db = NULL;
	snprintf(path, sizeof(path), "/tmp/flowaudit-health-%d.db", getpid());
	unlink(path);
	assert_int_equal(fa_db_open_writer(path, FA_DB_DURABILITY_NORMAL, &db, err, sizeof(err)),
			 0);
	check_health_columns(db, fa_db_schema_version());
	sqlite3_close(db);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* The kernel counters each entry reads, FLOW_COUNTER_<kernel>. */
static const int kernel_read[] = {
#define KERNEL_INDEX(name, migration, verdict, filled_by, kernel, ...)                             \
	FA_HEALTH_IF_KERNEL(filled_by, FLOW_COUNTER_##kernel, )
	FA_HEALTH_COUNTERS(KERNEL_INDEX)
#undef KERNEL_INDEX
};

/* The number of entries a source fills: the fields of struct source_counters. */
enum {
#define SOURCE_ONE(name, migration, verdict, filled_by, ...) FA_HEALTH_IF_SOURCE(filled_by, +1)
	SOURCE_FILLED = 0 FA_HEALTH_COUNTERS(SOURCE_ONE)
#undef SOURCE_ONE
};

static void test_every_kernel_counter_is_read_once(void **state)
{
	(void)state;
	int reads[FLOW_COUNTER_COUNT] = {0};
	for (size_t i = 0; i < sizeof(kernel_read) / sizeof(kernel_read[0]); i++) {
		assert_in_range(kernel_read[i], 0, FLOW_COUNTER_COUNT - 1);
		reads[kernel_read[i]]++;
	}
	for (int k = 0; k < FLOW_COUNTER_COUNT; k++)
		if (reads[k] != 1)
			fail_msg("kernel counter %d is read into %d health counters, not 1", k,
				 reads[k]);
	int kernel = 0;
	for (int c = 0; c < FA_HEALTH_COUNT; c++)
		kernel += fa_health_list[c].filled_by == FA_HEALTH_KERNEL;
	assert_int_equal(kernel, FLOW_COUNTER_COUNT);
	assert_int_equal(sizeof(struct source_counters), SOURCE_FILLED * sizeof(uint64_t));
	assert_int_equal(sizeof(struct store_health), FA_HEALTH_COUNT * sizeof(uint64_t));
}

/* Names are unique, and name the index they sit at; every entry has a help line. */
static void test_list_entries_are_well_formed(void **state)
{
	(void)state;
	for (int c = 0; c < FA_HEALTH_COUNT; c++) {
		const struct fa_health_info *h = &fa_health_list[c];
		assert_non_null(h->name);
		assert_int_equal(counter_index(h->name), c);
		assert_false(is_row_column(h->name));
		assert_non_null(h->help);
		assert_true(strlen(h->help) > 0);
	}
	assert_string_equal(fa_health_list[FA_HC_kernel_packets].name, "kernel_packets");
	assert_string_equal(fa_health_list[FA_HC_non_ip].name, "non_ip");
	assert_string_equal(fa_health_list[FA_HC_truncated].name, "truncated");
}

/*
 * Through the store: each counter gets a value of its own (1000 + its index);
 * each column must hold its own counter's, so no bind can be off by one. The
 * store's own counters (filled_by STORE) are its, not the caller's.
 */
static void test_store_writes_each_counter_to_its_column(void **state)
{
	(void)state;
	char path[64], err[512], p[80], sql[256];
	sqlite3 *db = NULL;
	snprintf(path, sizeof(path), "/tmp/flowaudit-health-store-%d.db", getpid());
	unlink(path);
	assert_int_equal(fa_db_open_writer(path, FA_DB_DURABILITY_NORMAL, &db, err, sizeof(err)),
			 0);
	struct flow_store *st = flow_store_open(db, path, err, sizeof(err));
	assert_non_null(st);
	struct store_run_info run = {.cell_id = "c", .run_id = "r", .source = "replay"};
	assert_int_equal(flow_store_begin_run(st, &run, err, sizeof(err)), 0);
	struct store_health h;
#define FILL_COUNTER(name, ...) h.name = 1000 + FA_HC_##name;
	FA_HEALTH_COUNTERS(FILL_COUNTER)
#undef FILL_COUNTER
	assert_int_equal(flow_store_queue_health(st, &h, true), 0);
	assert_int_equal(flow_store_commit(st), 0);
	for (int c = 0; c < FA_HEALTH_COUNT; c++) {
		sqlite3_stmt *s = NULL;
		snprintf(sql, sizeof(sql), "SELECT %s FROM health WHERE is_final = 1",
			 fa_health_list[c].name);
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		long long got = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		if (fa_health_list[c].filled_by != FA_HEALTH_STORE) {
			if (got != 1000 + c)
				fail_msg("column %s holds %lld, not its counter's %d",
					 fa_health_list[c].name, got, 1000 + c);
		} else if (got >= 1000) {
			fail_msg("column %s holds the caller's %lld, not the store's own",
				 fa_health_list[c].name, got);
		}
	}
	flow_store_close(st);
	sqlite3_close(db);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_migration_adds_the_listed_columns),
		cmocka_unit_test(test_a_new_database_has_every_counter),
		cmocka_unit_test(test_every_kernel_counter_is_read_once),
		cmocka_unit_test(test_list_entries_are_well_formed),
		cmocka_unit_test(test_store_writes_each_counter_to_its_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
