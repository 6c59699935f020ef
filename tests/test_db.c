/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Database open: new files are 0640 and migrated, WAL is on, foreign and
 * newer files are refused by name (writer and reader), the reader is read-only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fa_db.h"
#include "fa_version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/flowaudit-db-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_in_dir(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void test_new_file_is_migrated_wal_0640(void **state)
{
	(void)state;
	char path[128], err[512];
	sqlite3 *db = NULL;
	long long v = 0;
	path_in_dir(path, sizeof(path), "new.db");
	mode_t old = umask(0);
	assert_int_equal(fa_db_open_writer(path, FA_DB_DURABILITY_NORMAL, &db, err, sizeof(err)),
			 0);
	umask(old);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(fa_db_pragma_int(db, "user_version", &v), SQLITE_OK);
	assert_int_equal(v, fa_db_schema_version());
	assert_int_equal(fa_db_pragma_int(db, "application_id", &v), SQLITE_OK);
	assert_int_equal(v, FA_APPLICATION_ID);
	assert_int_equal(fa_db_pragma_int(db, "foreign_keys", &v), SQLITE_OK);
	assert_int_equal(v, 1);
	assert_int_equal(fa_db_pragma_int(db, "synchronous", &v), SQLITE_OK);
	assert_int_equal(v, 1); /* NORMAL */
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);

	/* Reopening applies nothing twice; durability full is synchronous=FULL. */
	assert_int_equal(fa_db_open_writer(path, FA_DB_DURABILITY_FULL, &db, err, sizeof(err)), 0);
	assert_int_equal(fa_db_pragma_int(db, "synchronous", &v), SQLITE_OK);
	assert_int_equal(v, 2);
	sqlite3_close(db);
}

/*
 * A database written by the first schema upgrades in place: its rows stay,
 * the later migrations' columns appear with their defaults.
 */
static void test_first_schema_database_upgrades(void **state)
{
	(void)state;
	char path[128], err[512], sql[160];
	sqlite3 *db = NULL;
	long long v = 0;
	path_in_dir(path, sizeof(path), "v1.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, fa_migrations[0].sql, NULL, NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA application_id=%d; PRAGMA user_version=%d",
		 FA_APPLICATION_ID, fa_migrations[0].version);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(db,
			     "INSERT INTO runs (cell_id, run_id, started_at, source,"
			     " recorder_version, mono_offset_ns, boot_offset_ns)"
			     " VALUES ('c', 'r', 1, 'ebpf', 'old', 0, 0);"
			     "INSERT INTO health (run_pk, at, received, decoded, rejected,"
			     " events_written, flows_opened, flows_closed, duplicate_opens,"
			     " orphan_closes, ring_drops, table_full, nflog_overruns,"
			     " store_failures, commits, slowest_commit_us)"
			     " VALUES (1, 2, 3, 3, 0, 3, 3, 0, 0, 0, 0, 7, 0, 0, 1, 5)",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(fa_db_open_writer(path, FA_DB_DURABILITY_NORMAL, &db, err, sizeof(err)),
			 0);
	assert_int_equal(fa_db_pragma_int(db, "user_version", &v), SQLITE_OK);
	assert_int_equal(v, fa_db_schema_version());
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT table_full, untracked, evicted, aggregated,"
					    " fail_closed_drops, kernel_packets"
					    " FROM health",
					    -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 7);
	for (int i = 1; i < 6; i++)
		assert_int_equal(sqlite3_column_int(s, i), 0);
	sqlite3_finalize(s);
	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "SELECT count(*) FROM flow_events, flows WHERE"
				   " flow_events.flow_count + flows.prefix_len + flows.untracked"
				   " IS NOT NULL",
				   -1, &s, NULL),
		SQLITE_OK); /* the columns exist */
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void test_refuses_non_sqlite_file(void **state)
{
	(void)state;
	char path[128], err[512];
	sqlite3 *db = NULL;
	path_in_dir(path, sizeof(path), "text.db");
	FILE *f = fopen(path, "w");
	fputs("this is a text file, not a database at all\n", f);
	fclose(f);
	assert_int_equal(fa_db_open_writer(path, 0, &db, err, sizeof(err)), -EMEDIUMTYPE);
	assert_null(db);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a flowaudit database"));
	assert_int_equal(fa_db_open_reader(path, &db, err, sizeof(err)), -EMEDIUMTYPE);
}

static void test_refuses_foreign_and_newer_databases(void **state)
{
	(void)state;
	char path[128], err[512];
	sqlite3 *db = NULL;
	path_in_dir(path, sizeof(path), "foreign.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(fa_db_open_writer(path, 0, &db, err, sizeof(err)), -EMEDIUMTYPE);
	assert_non_null(strstr(err, "other tables"));
	assert_int_equal(fa_db_open_reader(path, &db, err, sizeof(err)), -EMEDIUMTYPE);

	path_in_dir(path, sizeof(path), "newer.db");
	assert_int_equal(fa_db_open_writer(path, 0, &db, err, sizeof(err)), 0);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(fa_db_open_writer(path, 0, &db, err, sizeof(err)), -EMEDIUMTYPE);
	assert_non_null(strstr(err, "schema version 99 is newer"));
	assert_int_equal(fa_db_open_reader(path, &db, err, sizeof(err)), -EMEDIUMTYPE);
	assert_non_null(strstr(err, "schema version 99 is newer"));

	path_in_dir(path, sizeof(path), "otherapp.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA application_id=1234", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(fa_db_open_writer(path, 0, &db, err, sizeof(err)), -EMEDIUMTYPE);
	assert_non_null(strstr(err, "application_id"));
}

static void test_writer_refuses_damaged_database(void **state)
{
	(void)state;
	char path[128], err[512];
	sqlite3 *db = NULL;
	path_in_dir(path, sizeof(path), "damaged.db");
	assert_int_equal(fa_db_open_writer(path, 0, &db, err, sizeof(err)), 0);
	assert_int_equal(
		sqlite3_exec(db,
			     "INSERT INTO runs (cell_id, run_id, started_at, source,"
			     " recorder_version, mono_offset_ns, boot_offset_ns)"
			     " VALUES ('c', 'r', 0, 'test', 'v', 0, 0);"
			     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
			     " WHERE i < 2000) INSERT INTO rejects (run_pk, source, reason, raw,"
			     " received_at) SELECT 1, 'test', 'r' || i, randomblob(900), i FROM n",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	/* Garbage over pages in the middle of the file, where the rejects live. */
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	char junk[8192];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)((i * 131 + 7) % 251);
	fseek(f, (size / 2) & ~4095L, SEEK_SET);
	fwrite(junk, 1, sizeof(junk), f);
	fclose(f);
	assert_int_equal(fa_db_open_writer(path, 0, &db, err, sizeof(err)), -EMEDIUMTYPE);
	assert_null(db);
	assert_non_null(strstr(err, "database is damaged"));
	assert_non_null(strstr(err, path));
	assert_null(strchr(err, '\n'));
}

static void test_reader_is_read_only_and_needs_a_file(void **state)
{
	(void)state;
	char path[128], err[512];
	sqlite3 *db = NULL;
	path_in_dir(path, sizeof(path), "ro.db");
	assert_int_equal(fa_db_open_writer(path, 0, &db, err, sizeof(err)), 0);
	sqlite3_close(db);
	assert_int_equal(fa_db_open_reader(path, &db, err, sizeof(err)), 0);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM runs", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_extended_errcode(db) & 0xff, SQLITE_READONLY);
	sqlite3_close(db);
	path_in_dir(path, sizeof(path), "missing.db");
	assert_int_equal(fa_db_open_reader(path, &db, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "No such file"));
	assert_int_not_equal(access(path, F_OK), 0); /* the reader created nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_file_is_migrated_wal_0640),
		cmocka_unit_test(test_first_schema_database_upgrades),
		cmocka_unit_test(test_refuses_non_sqlite_file),
		cmocka_unit_test(test_refuses_foreign_and_newer_databases),
		cmocka_unit_test(test_writer_refuses_damaged_database),
		cmocka_unit_test(test_reader_is_read_only_and_needs_a_file),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
