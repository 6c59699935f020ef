/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The batch writer on real files: rows as queued, nothing visible before the
 * commit, and failures forced deterministically (SQLITE_FULL through
 * max_page_count, SQLITE_BUSY through a second connection holding BEGIN
 * IMMEDIATE): the commit fails, nothing partial is stored, and a retry after
 * the fault writes every queued row exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conn_record_v2.h"
#include "decode.h"
#include "fa_db.h"
#include "fa_names.h"
#include "fa_version.h"
#include "flow_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fixture {
	char path[64];
	sqlite3 *db;
	struct flow_store *st;
	struct conntrack *ct;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[512];
	snprintf(fx->path, sizeof(fx->path), "/tmp/flowaudit-store-%d.db", getpid());
	unlink(fx->path);
	if (fa_db_open_writer(fx->path, FA_DB_DURABILITY_NORMAL, &fx->db, err, sizeof(err)))
		return -1;
	fx->st = flow_store_open(fx->db, fx->path, err, sizeof(err));
	fx->ct = conntrack_new();
	struct store_run_info run = {.cell_id = "cell-1",
				     .run_id = "run-1",
				     .policy_digest = "sha256:abc",
				     .source = "replay",
				     .started_at = 1,
				     .mono_offset_ns = 1000,
				     .boot_offset_ns = 2000};
	if (flow_store_begin_run(fx->st, &run, err, sizeof(err)))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	flow_store_close(fx->st);
	sqlite3_close(fx->db);
	conntrack_free(fx->ct);
	char p[96];
	unlink(fx->path);
	snprintf(p, sizeof(p), "%s-wal", fx->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", fx->path);
	unlink(p);
	free(fx);
	return 0;
}

static long long count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	long long n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* Queue n new flows (distinct source ports), as the main loop does. */
static void queue_flows(struct fixture *fx, int first, int n)
{
	for (int i = first; i < first + n; i++) {
		struct fa_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.kind = FA_EVENT_OPENED;
		ev.clock = FA_CLOCK_MONOTONIC;
		ev.family = 4;
		ev.protocol = 6;
		fa_addr_from_v4_host(0x0A000001, &ev.src);
		fa_addr_from_v4_host(0xC0000205, &ev.dst);
		ev.src_port = (uint16_t)(1000 + i);
		ev.dst_port = 443;
		ev.orig_packets = 1;
		ev.first_seen_kns = ev.last_seen_kns = 100 + i;
		ev.reason_code = FA_REASON_EBPF_TC_OBSERVED;
		ev.source = "test";
		enum ct_outcome out;
		struct ct_flow *f = conntrack_record(fx->ct, &ev, &out);
		assert_int_equal(out, CT_NEW_FLOW);
		assert_int_equal(flow_store_queue_open(fx->st, f, &ev), 0);
	}
}

static void test_rows_appear_only_after_commit(void **state)
{
	struct fixture *fx = *state;
	queue_flows(fx, 0, 10);
	assert_int_equal(flow_store_pending_events(fx->st), 10);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flow_events_all"), 0);
	assert_int_equal(flow_store_commit(fx->st), 0);
	assert_int_equal(flow_store_pending_events(fx->st), 0);
	assert_int_equal(flow_store_events_written(fx->st), 10);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flow_events_all"), 10);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flows WHERE state = 'open'"), 10);
	/* One row per new flow: the flows row holds the opening decision, and the
	 * flow's id is the decision's key. */
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flow_events"), 0);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flows WHERE decision = 'allow' AND "
				       "source = 'test' AND reason_code = 'ebpf_tc_observed' AND "
				       "flow_id - (run_pk << 32) BETWEEN 1 AND 10"),
			 10);
	/* seq is 1..N; observed_at is the kernel time plus the run's monotonic offset. */
	assert_int_equal(count(fx->db, "SELECT min(seq) FROM flow_events_all"), 1);
	assert_int_equal(count(fx->db, "SELECT max(seq) FROM flow_events_all"), 10);
	assert_int_equal(count(fx->db, "SELECT observed_at FROM flow_events_all WHERE seq = 1"),
			 1100);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flow_events_all e JOIN flows f USING "
				       "(flow_id) WHERE f.orig_port = e.src_port"),
			 10);
	assert_int_equal(flow_store_commit(fx->st), 0); /* empty queue: no-op */
	assert_int_equal(flow_store_commits(fx->st), 1);
}

static void test_close_updates_the_flow(void **state)
{
	struct fixture *fx = *state;
	queue_flows(fx, 0, 1);
	size_t cursor = 0;
	struct ct_flow *f = conntrack_next(fx->ct, &cursor);
	struct ct_counts c = {.orig_packets = 9,
			      .orig_bytes = 900,
			      .resp_packets = 3,
			      .resp_bytes = 300,
			      .bytes_known = true};
	f->last_seen_kns = 500;
	assert_int_equal(flow_store_queue_update(fx->st, f, &c, true, CONN_CLOSE_TCP_FIN, 500), 0);
	assert_int_equal(flow_store_commit(fx->st), 0);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flows WHERE state = 'closed' AND "
				       "close_reason = 'tcp_fin' AND closed_at = 1500 AND "
				       "orig_bytes = 900 AND resp_packets = 3"),
			 1);
}

static void test_update_folds_into_queued_insert_or_updates_row(void **state)
{
	struct fixture *fx = *state;
	queue_flows(fx, 0, 2);
	size_t cursor = 0;
	struct ct_flow *a = conntrack_next(fx->ct, &cursor);
	struct ct_flow *b = conntrack_next(fx->ct, &cursor);
	/* a: updated while its insert is queued (one operation per new flow,
	 * both rows): no extra operation. */
	assert_int_equal(flow_store_pending_ops(fx->st), 2);
	struct ct_counts c = {.orig_packets = 4};
	assert_int_equal(flow_store_queue_update(fx->st, a, &c, false, 0, 0), 0);
	assert_int_equal(flow_store_pending_ops(fx->st), 2);
	c.orig_packets = 5;
	assert_int_equal(flow_store_queue_update(fx->st, a, &c, true, CONN_CLOSE_IDLE, 700), 0);
	assert_int_equal(flow_store_pending_ops(fx->st), 2);
	assert_int_equal(flow_store_commit(fx->st), 0);
	/* b: its insert is committed, so the close is an UPDATE of the row; a
	 * snapshot older than what the row holds never lowers a count. */
	c.orig_packets = 6;
	assert_int_equal(flow_store_queue_update(fx->st, b, &c, false, 0, 0), 0);
	assert_int_equal(flow_store_commit(fx->st), 0);
	c.orig_packets = 2;
	assert_int_equal(flow_store_queue_update(fx->st, b, &c, true, CONN_CLOSE_RUN_END, 800), 0);
	assert_int_equal(flow_store_pending_ops(fx->st), 1);
	assert_int_equal(flow_store_commit(fx->st), 0);
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM flows WHERE (flow_id = %lld AND close_reason = 'idle' AND "
		 "orig_packets = 5 AND closed_at = 1700) OR (flow_id = %lld AND close_reason = "
		 "'run_end' AND orig_packets = 6 AND closed_at = 1800)",
		 (long long)a->flow_id, (long long)b->flow_id);
	assert_int_equal(count(fx->db, sql), 2);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flows WHERE state = 'closed'"), 2);
}

/* A summary: one decision and one closed flows row with its count and prefix. */
static void test_summary_is_a_decision_and_a_closed_row(void **state)
{
	struct fixture *fx = *state;
	struct fa_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = FA_EVENT_SUMMARY;
	ev.clock = FA_CLOCK_BOOTTIME;
	ev.family = 4;
	ev.protocol = 17;
	fa_addr_from_v4_host(0, &ev.src);
	fa_addr_from_v4_host(0x0A4D0000, &ev.dst); /* 10.77.0.0 */
	ev.prefix_len = 24;
	ev.any_port = true;
	ev.flow_count = 5000;
	ev.orig_packets = 5000;
	ev.orig_bytes = 5000 * 44;
	ev.bytes_known = true;
	ev.first_seen_kns = 100;
	ev.last_seen_kns = 900;
	ev.reason_code = FA_REASON_EBPF_FLOW_SUMMARY;
	ev.source = "ebpf_v3";
	assert_int_equal(flow_store_queue_summary(fx->st, &ev), 0);
	assert_int_equal(flow_store_pending_events(fx->st), 1);
	queue_flows(fx, 0, 1); /* and an ordinary flow after it */
	assert_int_equal(flow_store_commit(fx->st), 0);
	assert_int_equal(count(fx->db,
			       "SELECT count(*) FROM flows WHERE flow_count = 5000 AND "
			       "prefix_len = 24 AND state = 'closed' AND close_reason IS NULL "
			       "AND orig_port IS NULL AND resp_port IS NULL AND "
			       "orig_packets = 5000 AND orig_bytes = 220000 AND "
			       "opened_at = 2100 AND closed_at = 2900 AND untracked = 0"),
			 1);
	assert_int_equal(count(fx->db,
			       "SELECT count(*) FROM flow_events_all e JOIN flows f USING "
			       "(flow_id) WHERE e.flow_count = 5000 AND e.prefix_len = 24 AND "
			       "e.src_port IS NULL AND e.dst_port IS NULL AND e.seq = 1 AND "
			       "e.packet_count = 5000 AND e.reason_code = 'ebpf_flow_summary' "
			       "AND hex(e.dst_addr) = '00000000000000000000FFFF0A4D0000'"),
			 1);
	/* the flow after it is an ordinary row: no count, no prefix */
	assert_int_equal(count(fx->db,
			       "SELECT count(*) FROM flow_events_all WHERE seq = 2 AND "
			       "flow_count IS NULL AND prefix_len IS NULL AND dst_port = 443"),
			 1);
}

/* An untracked flow's row says so. */
static void test_untracked_flow_row_is_marked(void **state)
{
	struct fixture *fx = *state;
	struct fa_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = FA_EVENT_UNTRACKED;
	ev.clock = FA_CLOCK_BOOTTIME;
	ev.counts_are_deltas = true;
	ev.family = 4;
	ev.protocol = 17;
	fa_addr_from_v4_host(0x0A000001, &ev.src);
	fa_addr_from_v4_host(0x0A000009, &ev.dst);
	ev.src_port = 4000;
	ev.dst_port = 53;
	ev.orig_packets = 1;
	ev.reason_code = FA_REASON_EBPF_TC_UNTRACKED;
	ev.source = "ebpf_v3";
	enum ct_outcome out;
	struct ct_flow *f = conntrack_record(fx->ct, &ev, &out);
	assert_int_equal(out, CT_NEW_FLOW);
	assert_int_equal(flow_store_queue_open(fx->st, f, &ev), 0);
	assert_int_equal(flow_store_commit(fx->st), 0);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flows WHERE untracked = 1 AND "
				       "orig_port = 4000 AND flow_count IS NULL"),
			 1);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flow_events_all WHERE reason_code = "
				       "'ebpf_tc_untracked'"),
			 1);
}

static void test_disk_full_keeps_queue_and_retries(void **state)
{
	struct fixture *fx = *state;
	queue_flows(fx, 0, 100);
	assert_int_equal(flow_store_commit(fx->st), 0);
	long long pages = count(fx->db, "PRAGMA page_count");
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%lld", pages);
	assert_int_equal(sqlite3_exec(fx->db, sql, NULL, NULL, NULL), SQLITE_OK);
	queue_flows(fx, 100, 3000);
	assert_int_equal(flow_store_commit(fx->st), -ENOSPC);
	assert_non_null(strstr(flow_store_errmsg(fx->st), "full"));
	assert_non_null(strstr(flow_store_errmsg(fx->st), fx->path));
	assert_int_equal(flow_store_pending_events(fx->st), 3000);
	assert_int_equal(flow_store_events_written(fx->st), 100);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flow_events_all"), 100);
	/* A second failure changes nothing either. */
	assert_int_equal(flow_store_commit(fx->st), -ENOSPC);
	/* Space returns: everything queued is written once. */
	assert_int_equal(sqlite3_exec(fx->db, "PRAGMA max_page_count=1000000", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(flow_store_commit(fx->st), 0);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flow_events_all"), 3100);
	assert_int_equal(count(fx->db, "SELECT count(DISTINCT seq) FROM flow_events_all"), 3100);
	assert_int_equal(count(fx->db, "SELECT max(seq) FROM flow_events_all"), 3100);
	assert_int_equal(flow_store_events_written(fx->st), 3100);
}

static void test_busy_database_retries(void **state)
{
	struct fixture *fx = *state;
	sqlite3 *other = NULL;
	assert_int_equal(sqlite3_open(fx->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_busy_timeout(fx->db, 10);
	queue_flows(fx, 0, 5);
	assert_int_equal(flow_store_commit(fx->st), -EBUSY);
	assert_non_null(strstr(flow_store_errmsg(fx->st), "locked"));
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(flow_store_commit(fx->st), 0);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flow_events_all"), 5);
}

static void test_rejects_health_and_end(void **state)
{
	struct fixture *fx = *state;
	char err[512];
	assert_int_equal(flow_store_queue_reject(fx->st, "replay", "bad length", "\x01\x02", 2), 0);
	struct store_health h = {.received = 7, .decoded = 6, .rejected = 1, .ring_drops = 2};
	assert_int_equal(flow_store_queue_health(fx->st, &h, true), 0);
	assert_int_equal(flow_store_commit(fx->st), 0);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM rejects WHERE raw = x'0102' AND "
				       "reason = 'bad length'"),
			 1);
	assert_int_equal(count(fx->db, "SELECT received + 10 * rejected + 100 * ring_drops + "
				       "1000 * is_final FROM health"),
			 1217);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM runs WHERE ended_at IS NULL"), 1);
	assert_int_equal(flow_store_end_run(fx->st, "clean", 42), 0);
	assert_int_equal(count(fx->db, "SELECT ended_at FROM runs WHERE end_status = 'clean'"), 42);
	/* The deferred index: absent while the run recorded, built at its end. */
	const char *has_index = "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
				"name = 'flows_by_resp'";
	assert_int_equal(count(fx->db, has_index), 0);
	assert_int_equal(flow_store_build_indexes(fx->st), 0);
	assert_int_equal(count(fx->db, has_index), 1);
	/* The same run id again is refused by name, and the refused start drops nothing. */
	struct flow_store *st2 = flow_store_open(fx->db, fx->path, err, sizeof(err));
	struct store_run_info run = {.cell_id = "cell-1", .run_id = "run-1", .source = "replay"};
	assert_int_equal(flow_store_begin_run(st2, &run, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(count(fx->db, has_index), 1);
	assert_true(sqlite3_get_autocommit(fx->db));
	flow_store_close(st2);
}

/* A v3 record through the decoder's mapping, into tracking and the store, as the loop does. */
static void apply_v3(struct fixture *fx, const struct conn_record_v3 *rec)
{
	struct fa_event ev;
	enum ct_outcome out;
	conn_v3_to_event(rec, &ev);
	struct ct_flow *f = conntrack_record(fx->ct, &ev, &out);
	assert_non_null(f);
	if (out == CT_NEW_FLOW) {
		assert_int_equal(flow_store_queue_open(fx->st, f, &ev), 0);
	} else {
		assert_int_equal(out, CT_CLOSE);
		struct ct_counts c;
		conntrack_counts(fx->ct, f, &ev, &c);
		assert_int_equal(flow_store_queue_update(fx->st, f, &c, true, ev.close_reason,
							 ev.closed_kns),
				 0);
		conntrack_remove(fx->ct, f);
	}
}

static void v3_icmp_echo(struct conn_record_v3 *r, uint16_t id)
{
	memset(r, 0, sizeof(*r));
	r->kind = CONN_KIND_OPENED;
	r->family = 4;
	r->protocol = 1;
	r->icmp_type = 8;
	r->icmp_id = id;
	r->src_addr[0] = 10;
	r->dst_addr[0] = 192;
	r->orig_packets = 1;
	r->orig_bytes = 84;
	r->first_seen_ns = r->last_seen_ns = 1000;
}

/* ICMP rows carry no ports; type, code and identifier have columns; midstream and closed_at. */
static void test_icmp_identity_midstream_and_close_time(void **state)
{
	struct fixture *fx = *state;
	struct conn_record_v3 r;
	v3_icmp_echo(&r, 0x100);
	apply_v3(fx, &r);
	v3_icmp_echo(&r, 0x200); /* a second ping session to the same peer */
	apply_v3(fx, &r);
	memset(&r, 0, sizeof(r));
	r.kind = CONN_KIND_OPENED;
	r.family = 4;
	r.protocol = 6;
	r.flags = CONN_FLAG_MIDSTREAM;
	r.src_addr[0] = 10;
	r.dst_addr[0] = 192;
	r.src_port = 40000;
	r.dst_port = 443;
	r.resp_packets = 1;
	r.first_seen_ns = r.last_seen_ns = 2000;
	apply_v3(fx, &r);
	r.kind = CONN_KIND_CLOSED;
	r.close_reason = CONN_CLOSE_TCP_FIN;
	r.last_seen_ns = 9000; /* the linger's last packet */
	r.closed_ns = 5000; /* the final ACK */
	apply_v3(fx, &r);
	assert_int_equal(flow_store_commit(fx->st), 0);
	assert_int_equal(count(fx->db,
			       "SELECT count(*) FROM flow_events_all WHERE protocol = 1 AND "
			       "src_port IS NULL AND dst_port IS NULL"),
			 2);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM flows WHERE protocol = 1 AND "
				       "orig_port IS NULL AND resp_port IS NULL AND icmp_type = 8 "
				       "AND icmp_code = 0 AND icmp_id IN (256, 512)"),
			 2);
	assert_int_equal(count(fx->db,
			       "SELECT count(*) FROM flows WHERE protocol = 6 AND "
			       "midstream = 1 AND resp_port = 443 AND icmp_type IS NULL AND "
			       "closed_at = 5000 + 2000 AND last_seen_at = 9000 + 2000"),
			 1);
}

/* A database written before migration 003 upgrades: ICMP "ports" move to their columns. */
static void test_migration_moves_icmp_ports(void **state)
{
	(void)state;
	char path[64], err[512];
	sqlite3 *db = NULL;
	snprintf(path, sizeof(path), "/tmp/flowaudit-mig-%d.db", getpid());
	unlink(path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_string_equal(fa_migrations[0].name, "001_initial");
	assert_int_equal(sqlite3_exec(db, fa_migrations[0].sql, NULL, NULL, NULL), SQLITE_OK);
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "PRAGMA application_id=%d; PRAGMA user_version=1;"
		 "INSERT INTO runs (run_pk, cell_id, run_id, started_at, source, recorder_version,"
		 " mono_offset_ns, boot_offset_ns) VALUES (1, 'c', 'r', 1, 'ebpf', 'old', 0, 0);"
		 "INSERT INTO flows (flow_id, run_pk, family, protocol, direction, orig_addr,"
		 " orig_port, resp_addr, resp_port, state, opened_at, last_seen_at) VALUES"
		 " (4294967297, 1, 4, 1, 'egress', x'00', 0, x'01', 2048, 'open', 1, 1),"
		 " (4294967298, 1, 4, 1, 'egress', x'00', 0, x'01', 2048, 'open', 1, 1);"
		 "INSERT INTO flow_events (event_id, run_pk, seq, flow_id, source, direction,"
		 " decision, reason_code, family, protocol, src_addr, src_port, dst_addr, dst_port,"
		 " first_seen_kns, observed_at) VALUES"
		 " (4294967297, 1, 1, 4294967297, 'ebpf_v2', 'egress', 'allow', 'x', 4, 1, x'00',"
		 " 0, x'01', 2048, 1, 1),"
		 " (4294967298, 1, 2, 4294967298, 'ebpf_v1', 'egress', 'allow', 'x', 4, 1, x'00',"
		 " 0, x'01', 2048, 1, 1);",
		 FA_APPLICATION_ID);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	db = NULL;
	assert_int_equal(fa_db_open_writer(path, FA_DB_DURABILITY_NORMAL, &db, err, sizeof(err)),
			 0);
	assert_int_equal(count(db, "PRAGMA user_version"), fa_db_schema_version());
	assert_int_equal(count(db, "SELECT count(*) FROM flows WHERE flow_id = 4294967297 AND "
				   "icmp_type = 8 AND icmp_code = 0 AND resp_port IS NULL AND "
				   "orig_port IS NULL AND midstream = 0"),
			 1);
	assert_int_equal(count(db, "SELECT count(*) FROM flow_events WHERE seq = 1 AND "
				   "dst_port IS NULL AND src_port IS NULL"),
			 1);
	/* v1 keeps the seed's rule: the record's dst_port as is */
	assert_int_equal(count(db, "SELECT count(*) FROM flows WHERE flow_id = 4294967298 AND "
				   "resp_port = 2048 AND icmp_type IS NULL"),
			 1);
	assert_int_equal(count(db, "SELECT dst_port FROM flow_events WHERE seq = 2"), 2048);
	assert_int_equal(count(db, "SELECT count(*) FROM pragma_table_info('health') WHERE "
				   "name = 'frag_unmatched'"),
			 1);
	sqlite3_close(db);
	char p[96];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_appear_only_after_commit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_updates_the_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_folds_into_queued_insert_or_updates_row,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_is_a_decision_and_a_closed_row, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_untracked_flow_row_is_marked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full_keeps_queue_and_retries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy_database_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects_health_and_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_identity_midstream_and_close_time, setup,
						teardown),
		cmocka_unit_test(test_migration_moves_icmp_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
