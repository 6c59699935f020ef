/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The whole record pipeline in-process (recorder_loop_run over a replay file
 * into a real database), so the unit build under ASan+UBSan covers the loop's
 * own code: a run with no flow at all (the shutdown sweep sorts nothing),
 * the summary line escaping what an id holds, and the rules tested below with
 * hand-made frames.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conn_record_v2.h"
#include "fa_db.h"
#include "flow_record_v1.h"
#include "recorder_loop.h"
#include "replay_frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S 1000000000ULL

struct fixture {
	char db_path[64];
	char in_path[64];
	char err_path[64];
	FILE *in;
	sqlite3 *db; /* a reader, opened after the run */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	snprintf(fx->db_path, sizeof(fx->db_path), "/tmp/flowaudit-loop-%d.db", getpid());
	snprintf(fx->in_path, sizeof(fx->in_path), "/tmp/flowaudit-loop-%d.bin", getpid());
	snprintf(fx->err_path, sizeof(fx->err_path), "/tmp/flowaudit-loop-%d.err", getpid());
	unlink(fx->db_path);
	fx->in = fopen(fx->in_path, "wb");
	*state = fx;
	return fx->in ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char p[96];
	if (fx->in)
		fclose(fx->in);
	sqlite3_close(fx->db);
	unlink(fx->db_path);
	unlink(fx->in_path);
	unlink(fx->err_path);
	snprintf(p, sizeof(p), "%s-wal", fx->db_path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", fx->db_path);
	unlink(p);
	free(fx);
	return 0;
}

static void put_frame(struct fixture *fx, uint32_t kind, const void *data, uint32_t len)
{
	uint8_t head[REPLAY_FRAME_HEADER_SIZE];
	for (int i = 0; i < 4; i++) {
		head[i] = (uint8_t)(kind >> (8 * i));
		head[4 + i] = (uint8_t)(len >> (8 * i));
	}
	fwrite(head, 1, sizeof(head), fx->in);
	fwrite(data, 1, len, fx->in);
}

static void put_v1(struct fixture *fx, uint16_t sport, uint64_t pkts, uint64_t t, uint8_t verdict)
{
	struct flow_record_v1 r;
	memset(&r, 0, sizeof(r));
	r.src_ip = 0x0A000001;
	r.dst_ip = 0xC0000205;
	r.src_port = sport;
	r.dst_port = 443;
	r.proto = 6;
	r.pkt_count = pkts;
	r.first_seen_ns = t;
	r.verdict = verdict;
	put_frame(fx, REPLAY_KIND_FLOW_V1, &r, sizeof(r));
}

/* Replay the frames written so far as run `run` of cell `cell`; returns the run's fault. */
static int run_replay(struct fixture *fx, const char *cell, const char *run, bool quiet)
{
	char err[512];
	sqlite3 *w = NULL;
	fclose(fx->in);
	fx->in = NULL;
	struct recorder_options o = {
		.db = fx->db_path,
		.cell = cell,
		.run = run,
		.replay = fx->in_path,
		.batch_events = 4096,
		.batch_ms = 200,
		.tcp_idle_s = 300,
		.udp_idle_s = 60,
		.stats_s = 10,
		.store_retry_s = 1,
		.backlog = 1024,
		.quiet = quiet,
	};
	assert_int_equal(
		fa_db_open_writer(fx->db_path, FA_DB_DURABILITY_NORMAL, &w, err, sizeof(err)), 0);
	struct recorder_setup setup = {.opts = &o, .replay = true, .nsources = 1};
	setup.store = flow_store_open(w, fx->db_path, err, sizeof(err));
	assert_non_null(setup.store);
	setup.sources[0] = source_replay_new(fx->in_path, err, sizeof(err));
	assert_non_null(setup.sources[0]);
	struct store_run_info info = {.cell_id = cell,
				      .run_id = run,
				      .source = "replay",
				      .started_at = 1,
				      .mono_offset_ns = 1000,
				      .boot_offset_ns = 2000};
	assert_int_equal(flow_store_begin_run(setup.store, &info, err, sizeof(err)), 0);
	enum recorder_fault fault = RECORDER_FAULT_LOOP;
	int rc = recorder_loop_run(&setup, &fault);
	assert_true((rc == 0) == (fault == RECORDER_FAULT_NONE));
	setup.sources[0]->ops->destroy(setup.sources[0]);
	flow_store_close(setup.store);
	sqlite3_close(w);
	assert_int_equal(sqlite3_open_v2(fx->db_path, &fx->db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	return fault;
}

/* The first column of the first row of sql, as text ("" when none). */
static const char *one(struct fixture *fx, const char *sql)
{
	static char buf[1024];
	sqlite3_stmt *s = NULL;
	buf[0] = '\0';
	if (sqlite3_prepare_v2(fx->db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(buf, sizeof(buf), "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return buf;
}

/* A run in which no flow is ever open: the shutdown sweep has nothing to sort. */
static void test_run_without_flows(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(run_replay(fx, "cell", "empty", true), RECORDER_FAULT_NONE);
	assert_string_equal(one(fx, "SELECT end_status || '|' || (SELECT count(*) FROM flows)"
				    " FROM runs"),
			    "clean|0");
}

/* The summary line on stderr escapes control characters from the ids. */
static void test_summary_escapes_ids(void **state)
{
	struct fixture *fx = *state;
	put_v1(fx, 40000, 1, 1 * S, 1);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	assert_non_null(freopen(fx->err_path, "w", stderr));
	int rc = run_replay(fx, "cell\x1b[2J", "run\nfake line", false);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_int_equal(rc, RECORDER_FAULT_NONE);
	char line[1024] = "";
	FILE *f = fopen(fx->err_path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_null(fgets((char[8]){0}, 8, f)); /* one line */
	fclose(f);
	assert_non_null(strstr(line, "run run\\x0afake line of cell cell\\x1b[2J: received 1"));
}

static void put_v2(struct fixture *fx, uint64_t first, uint64_t last, uint64_t opkts,
		   uint64_t rpkts, uint64_t obytes)
{
	struct conn_record_v2 r;
	memset(&r, 0, sizeof(r));
	r.kind = CONN_KIND_OPENED;
	r.family = 4;
	r.protocol = 17;
	r.src_addr[0] = 10;
	r.src_addr[3] = 2;
	r.dst_addr[0] = 192;
	r.dst_addr[3] = 9;
	r.src_port = 5353;
	r.dst_port = 53;
	r.orig_packets = opkts;
	r.resp_packets = rpkts;
	r.orig_bytes = obytes;
	r.first_seen_ns = first;
	r.last_seen_ns = last;
	put_frame(fx, REPLAY_KIND_CONN_V2, &r, sizeof(r));
}

/*
 * Values the store cannot represent are refused with a reason and their raw
 * bytes, never clamped or wrapped; the largest representable ones are stored
 * as they are. (Run under UBSan in CI: no signed overflow on the way.)
 */
static void test_unrepresentable_values_are_rejects(void **state)
{
	struct fixture *fx = *state;
	const uint64_t max = UINT64_MAX, big = (uint64_t)INT64_MAX;
	put_v1(fx, 1, 1, max, 1); /* first_seen 2^64-1 */
	put_v1(fx, 2, max, 1 * S, 1); /* pkt_count 2^64-1 */
	put_v1(fx, 3, 1, big, 1); /* a reading that overflows UTC with the offset */
	put_v2(fx, 1 * S, max - 5, 1, 0, 60); /* last_seen beyond 2^63-1 */
	put_v2(fx, 1 * S, 1 * S, big, big, 60); /* the directions' sum overflows */
	put_v2(fx, 1 * S, 1 * S, 1, 0, max); /* bytes 2^64-1 */
	put_v1(fx, 4, big, 2 * S, 2); /* 2^63-1 packets: stored as it is */
	assert_int_equal(run_replay(fx, "cell", "extreme", true), RECORDER_FAULT_NONE);
	assert_string_equal(
		one(fx, "SELECT group_concat(reason, '|') FROM rejects"),
		"first_seen 18446744073709551615 ns is beyond 2^63-1 ns: not a clock "
		"reading|"
		"packet count 18446744073709551615 + 0 exceeds 2^63-1, the largest count "
		"the database stores|"
		"first_seen 9223372036854775807 ns plus the run's clock offset 1000 ns is "
		"not a UTC time in 64-bit ns|"
		"last_seen 18446744073709551610 ns is beyond 2^63-1 ns: not a clock "
		"reading|"
		"packet count 9223372036854775807 + 9223372036854775807 exceeds 2^63-1, "
		"the largest count the database stores|"
		"byte count 18446744073709551615 + 0 exceeds 2^63-1, the largest count "
		"the database stores");
	assert_string_equal(one(fx, "SELECT group_concat(length(raw)) FROM rejects"),
			    "40,40,40,96,96,96");
	assert_string_equal(one(fx, "SELECT packet_count || '|' || decision || '|' || observed_at"
				    " FROM flow_events_all"),
			    "9223372036854775807|deny|2000001000");
	assert_string_equal(one(fx, "SELECT received || '|' || decoded || '|' || rejected"
				    " FROM health WHERE is_final = 1"),
			    "7|1|6");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_without_flows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_escapes_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unrepresentable_values_are_rejects, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
