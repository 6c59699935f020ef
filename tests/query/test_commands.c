/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every flowq command, in-process (fq_main), on a database holding extreme
 * values: counts of 2^63-1 whose sums pass 2^63 (SQLite's sum() fails with
 * "integer overflow" there) and 2^64, flow totals past 2^63-1 (SQLite makes
 * them REAL), times at both ends of int64, durations that overflow. Each
 * command succeeds and says exactly what it knows: exact sums as 64-bit
 * unsigned integers, null where a value is unknown. Built under ASan+UBSan
 * in CI, so no signed overflow goes unnoticed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "commands.h"
#include "fa_exit.h"
#include "run_captured.h"
#include "fixture.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char db_path[64], out_path[64];
static char out[65536];

static int setup(void **state)
{
	(void)state;
	snprintf(db_path, sizeof(db_path), "/tmp/flowq-commands-%d.db", getpid());
	snprintf(out_path, sizeof(out_path), "/tmp/flowq-commands-%d.out", getpid());
	if (fx_create_cell_b(db_path))
		return -1;
	sqlite3 *db = NULL;
	const char *edit =
		"UPDATE flow_events SET packet_count = 9223372036854775807,"
		" byte_count = 9223372036854775807, observed_at = -9223372036854775808 WHERE seq = "
		"1;"
		"UPDATE flow_events SET packet_count = 9223372036854775807,"
		" byte_count = 9223372036854775807 WHERE seq = 2;"
		"UPDATE flow_events SET packet_count = 1, byte_count = 2,"
		" observed_at = 9223372036854775807 WHERE seq = 3;"
		"INSERT INTO flows (flow_id, run_pk, family, protocol, direction, orig_addr,"
		" orig_port, resp_addr, resp_port, state, opened_at, last_seen_at, closed_at,"
		" close_reason, orig_packets, orig_bytes, resp_packets, resp_bytes)"
		" SELECT 7, 1, 4, 17, 'egress', src_addr, 1, dst_addr, 7, 'closed',"
		" -9223372036854775808, 0, 9223372036854775807, 'idle', 9223372036854775807, 1,"
		" 9223372036854775807, 1 FROM flow_events WHERE seq = 1;"
		"INSERT INTO flow_events (event_id, run_pk, seq, flow_id, source, direction,"
		" decision, reason_code, family, protocol, src_addr, dst_addr, dst_port,"
		" packet_count, first_seen_kns, observed_at)"
		" SELECT (1 << 32) + 4, 1, 4, 7, source, direction, 'deny', reason_code, 4, 17,"
		" src_addr, X'00000000000000000000FFFFC6336407', 7, 1, 0, 0 FROM flow_events"
		" WHERE seq = 1;"
		"INSERT INTO health (run_pk, at, is_final, received, decoded, rejected,"
		" events_written, flows_opened, flows_closed, duplicate_opens, orphan_closes,"
		" ring_drops, table_full, nflog_overruns, store_failures, commits,"
		" slowest_commit_us) VALUES (1, 5, 1, 9223372036854775807, 9223372036854775807,"
		" 9223372036854775807, 4, 1, 1, 0, 0, 9223372036854775807, 9223372036854775807, 0,"
		" 9223372036854775807, 1, 1)";
	if (sqlite3_open(db_path, &db) != SQLITE_OK || sqlite3_exec(db, edit, NULL, NULL, NULL)) {
		fprintf(stderr, "edit: %s\n", sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	return sqlite3_close(db) == SQLITE_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(db_path);
	unlink(out_path);
	return 0;
}

/* Run "flowq ARGS... --db DB" with stdout into out[]; returns the exit code. */
static int flowq(const char *cmd, const char *format)
{
	char a0[] = "flowq", a2[] = "--db", a4[] = "--format", c[16], fmt[16];
	snprintf(c, sizeof(c), "%s", cmd);
	snprintf(fmt, sizeof(fmt), "%s", format);
	char *argv[] = {a0, c, a2, db_path, a4, fmt, NULL};
	int rc = fq_run_captured(6, argv, out_path, out, sizeof(out));
	assert_int_not_equal(rc, -1);
	return rc;
}

static void test_every_command_works_on_extreme_values(void **state)
{
	(void)state;
	const char *const listing[] = {"runs", "flows", "summary", "health", "verify"};
	for (size_t i = 0; i < sizeof(listing) / sizeof(listing[0]); i++)
		for (int t = 0; t < 2; t++)
			assert_int_equal(flowq(listing[i], t ? "table" : "json"), FA_EXIT_OK);
	const char *const formats[] = {"ndjson", "json", "cbor-seq", "cbor", "table"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		assert_int_equal(flowq("export", formats[i]), FA_EXIT_OK);
}

static void test_export_says_what_it_knows(void **state)
{
	(void)state;
	assert_int_equal(flowq("export", "ndjson"), FA_EXIT_OK);
	/* Both ends of the int64 time range, in order. */
	char *first = strstr(out, "\"observed_at\":\"1677-09-21T00:12:43.145224192Z\"");
	char *last = strstr(out, "\"observed_at\":\"2262-04-11T23:47:16.854775807Z\"");
	assert_non_null(first);
	assert_non_null(last);
	assert_true(first < last);
	assert_non_null(strstr(out, "\"packet_count\":9223372036854775807"));
	/* The flow's total, 2^64-2 packets, is past what SQLite adds exactly: unknown. */
	assert_non_null(strstr(out, "\"cell-b:run-b1:4\",\"direction\":\"egress\","
				    "\"decision\":\"deny\""));
	char *four = strstr(out, "cell-b:run-b1:4");
	assert_non_null(strstr(four, "\"packet_count\":null,\"byte_count\":2,"));
}

static void test_summary_sums_exactly_or_says_unknown(void **state)
{
	(void)state;
	assert_int_equal(flowq("summary", "ndjson"), FA_EXIT_OK);
	/* tcp: 2^63-1 + 1 packets = 2^63, exact; bytes 2^63-1 + 2, exact. */
	assert_non_null(strstr(out, "{\"section\":\"protocol\",\"dst_addr\":null,\"protocol\":"
				    "\"tcp\",\"flows\":2,\"denied\":1,\"packets\":"
				    "9223372036854775808,\"bytes\":9223372036854775809,"
				    "\"summarized\":0}"));
	/* udp holds the REAL flow total: unknown; so is the grand total. */
	assert_non_null(strstr(out,
			       "\"protocol\":\"udp\",\"flows\":2,\"denied\":1,"
			       "\"packets\":null,\"bytes\":9223372036854775809,\"summarized\":0}"));
	assert_non_null(strstr(out, "\"section\":\"total\",\"dst_addr\":null,\"protocol\":null,"
				    "\"flows\":4,\"denied\":2,\"packets\":null,\"bytes\":null,"
				    "\"summarized\":0}"));
}

static void test_flows_and_health_do_not_wrap(void **state)
{
	(void)state;
	assert_int_equal(flowq("flows", "ndjson"), FA_EXIT_OK);
	assert_non_null(strstr(out, "\"closed_at\":\"2262-04-11T23:47:16.854775807Z\","
				    "\"duration_ns\":null"));
	assert_int_equal(flowq("health", "ndjson"), FA_EXIT_OK);
	assert_non_null(strstr(out, "\"lost\":18446744073709551615,\"verdict\":\"lost\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command_works_on_extreme_values),
		cmocka_unit_test(test_export_says_what_it_knows),
		cmocka_unit_test(test_summary_sums_exactly_or_says_unknown),
		cmocka_unit_test(test_flows_and_health_do_not_wrap),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
