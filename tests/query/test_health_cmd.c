/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq health, in-process (fq_main), against the counter list: every
 * counter of a health row comes out under its own key, in the list's order
 * between is_final and lost; each counter weighs in the verdict as it did
 * before the list (the table below is written out by hand, so a changed
 * weight fails here); and a database of schema 4, written before non_ip and
 * truncated existed, reads them as 0 through the compatibility view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "commands.h"
#include "fa_db.h"
#include "fa_exit.h"
#include "run_captured.h"
#include "fa_health.h"
#include "fa_version.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char db_path[64], out_path[64];
static char out[65536];

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fprintf(stderr, "%s: %s\n", sql, msg);
	sqlite3_free(msg);
	return -1;
}

/*
 * A database at schema version (the migrations up to it, stamped as flowrec
 * does) with one run and one final health row: the given columns (", a, b")
 * hold the given values (", 1, 2"), every other counter 0.
 */
static void make_db(int version, const char *columns, const char *values)
{
	sqlite3 *db = NULL;
	char sql[4096];
	unlink(db_path);
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	for (size_t i = 0; i < fa_migration_count && fa_migrations[i].version <= version; i++)
		assert_int_equal(exec(db, fa_migrations[i].sql), 0);
	snprintf(sql, sizeof(sql),
		 "PRAGMA application_id=%d; PRAGMA user_version=%d;"
		 "INSERT INTO runs (cell_id, run_id, started_at, source, recorder_version,"
		 " mono_offset_ns, boot_offset_ns) VALUES ('c', 'r', 1, 'ebpf', 'test', 0, 0);"
		 "INSERT INTO health (run_pk, at, is_final, received, decoded, rejected,"
		 " events_written, flows_opened, flows_closed, duplicate_opens, orphan_closes,"
		 " ring_drops, table_full, nflog_overruns, store_failures, commits,"
		 " slowest_commit_us%s) VALUES (1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,"
		 " 0%s)",
		 FA_APPLICATION_ID, version, columns, values);
	assert_int_equal(exec(db, sql), 0);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* Set one column of the health row. */
static void set_counter(const char *name, int value)
{
	sqlite3 *db = NULL;
	char sql[128];
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "UPDATE health SET %s = %d", name, value);
	assert_int_equal(exec(db, sql), 0);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* Run "flowq health --db DB --format ndjson" with stdout into out[]; returns the exit code. */
static int flowq_health(void)
{
	char a0[] = "flowq", a1[] = "health", a2[] = "--db", a4[] = "--format", a5[] = "ndjson";
	char *argv[] = {a0, a1, a2, db_path, a4, a5, NULL};
	int rc = fq_run_captured(6, argv, out_path, out, sizeof(out));
	assert_int_not_equal(rc, -1);
	return rc;
}

static int setup(void **state)
{
	(void)state;
	snprintf(db_path, sizeof(db_path), "/tmp/flowq-health-%d.db", getpid());
	snprintf(out_path, sizeof(out_path), "/tmp/flowq-health-%d.out", getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(db_path);
	unlink(out_path);
	return 0;
}

/* Each counter under its own key, in the list's order: counter c holds 100 + c. */
static void test_every_counter_under_its_key_in_order(void **state)
{
	(void)state;
	make_db(fa_db_schema_version(), "", "");
	for (int c = 0; c < FA_HEALTH_COUNT; c++)
		set_counter(fa_health_list[c].name, 100 + c);
	assert_int_equal(flowq_health(), FA_EXIT_OK);
	const char *at = strstr(out, "\"is_final\":true,");
	assert_non_null(at);
	at += strlen("\"is_final\":true,");
	for (int c = 0; c < FA_HEALTH_COUNT; c++) {
		char want[96];
		int n = snprintf(want, sizeof(want), "\"%s\":%d,", fa_health_list[c].name, 100 + c);
		if (strncmp(at, want, (size_t)n) != 0)
			fail_msg("expected %s at: %.60s", want, at);
		at += n;
	}
	assert_true(strncmp(at, "\"lost\":", 7) == 0);
}

/* The verdict of a row whose only non-zero counter is one of these, as before the list. */
static const struct {
	const char *counter;
	const char *verdict;
} weights[] = {
	{"received", "lost"}, /* received != decoded + rejected */
	{"decoded", "lost"},
	{"rejected", "lost"},
	{"events_written", "ok"},
	{"ring_drops", "lost"},
	{"table_full", "lost"},
	{"nflog_overruns", "lost"}, /* nflog_lost is 0: the loss is unknown */
	{"store_failures", "lost"},
	{"flows_opened", "ok"},
	{"flows_closed", "ok"},
	{"duplicate_opens", "ok"},
	{"orphan_closes", "ok"},
	{"commits", "ok"},
	{"slowest_commit_us", "ok"},
	{"nflog_lost", "lost"},
	{"nflog_nonconforming", "ok"},
	{"daemon_drops", "lost"},
	{"frag_unmatched", "lost"},
	{"folded_opens", "folded"},
	{"tee_failures", "ok"},
	{"untracked", "degraded"},
	{"evicted", "degraded"},
	{"aggregated", "degraded"},
	{"fail_closed_drops", "degraded"},
	{"deferred_opens", "ok"},
	{"promoted", "ok"},
	{"ring_deferred", "ok"},
	{"kernel_packets", "ok"},
	{"non_ip", "ok"},
	{"truncated", "lost"}, /* IP packets on no flow: what they carried is unrecorded */
};

static void test_each_counter_weighs_as_before(void **state)
{
	(void)state;
	assert_int_equal(sizeof(weights) / sizeof(weights[0]), FA_HEALTH_COUNT);
	for (size_t i = 0; i < sizeof(weights) / sizeof(weights[0]); i++) {
		char want[128];
		make_db(fa_db_schema_version(), "", "");
		set_counter(weights[i].counter, 3);
		assert_int_equal(flowq_health(), FA_EXIT_OK);
		snprintf(want, sizeof(want), "\"verdict\":\"%s\"", weights[i].verdict);
		if (!strstr(out, want))
			fail_msg("%s = 3: expected %s in %s", weights[i].counter, want, out);
	}
	/* An overrun whose loss NFLOG's sequence numbers measured is not counted twice. */
	make_db(fa_db_schema_version(), "", "");
	set_counter("nflog_overruns", 5);
	set_counter("nflog_lost", 2);
	assert_int_equal(flowq_health(), FA_EXIT_OK);
	assert_non_null(strstr(out, "\"lost\":2,\"verdict\":\"lost\""));
}

/* A schema-4 database has no non_ip or truncated column: flowq reads them as 0. */
static void test_older_schema_reads_new_counters_as_zero(void **state)
{
	(void)state;
	make_db(4, ", kernel_packets", ", 12");
	assert_int_equal(flowq_health(), FA_EXIT_OK);
	assert_non_null(strstr(out, "\"kernel_packets\":12,\"non_ip\":0,\"truncated\":0,"
				    "\"lost\":0,\"verdict\":\"ok\""));
	make_db(1, "", "");
	assert_int_equal(flowq_health(), FA_EXIT_OK);
	assert_non_null(strstr(out, "\"folded_opens\":0,\"tee_failures\":0,\"untracked\":0"));
	assert_non_null(strstr(out, "\"verdict\":\"ok\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_counter_under_its_key_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_each_counter_weighs_as_before, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_older_schema_reads_new_counters_as_zero, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
