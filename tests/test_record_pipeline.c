/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record pipeline (recorder/record_pipeline.h) without the loop: framed
 * records pushed by hand into a real flow_store on a real SQLite file in a
 * temporary directory, committed by the test when the pipeline says the batch
 * is full, and read back. Covered: allow/deny sequences (a deny never hides
 * behind an allow), repeated opens folded, closes before opens kept as
 * orphans, idle sweeps on record time in a replay and on the caller's time
 * live, kernel-tracked flows left to their records, NFLOG attempts folded into
 * one flow, every v1 record a decision, summaries and untracked flows, rejects
 * with their reasons, a replay's tee header, bounded batches through pauses,
 * the queue limit, and the run's end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conn_record_v3.h"
#include "fa_db.h"
#include "flow_record_v1.h"
#include "packet_rules.h"
#include "record_buf.h"
#include "record_pipeline.h"
#include "replay_frame.h"
#ifdef FLOWAUDIT_WITH_NFLOG
#include "nflog_frame.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S 1000000000LL
#define MONO_OFFSET 1000
#define BOOT_OFFSET 2000
/* What the fake clock says "now" is, live. */
#define LIVE_NOW (500 * S)

struct fixture {
	char dir[64];
	char path[96];
	sqlite3 *db;
	struct flow_store *st;
	struct store_health h;
	struct record_pipeline *p;
	struct record_pipeline_config cfg;
	unsigned commits;
	size_t largest_batch; /* most operations written by one commit */
};

static int64_t fake_now(enum fa_clock clock)
{
	(void)clock;
	return LIVE_NOW;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[512];
	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/flowaudit-pipeline-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/run.db", fx->dir);
	if (fa_db_open_writer(fx->path, FA_DB_DURABILITY_NORMAL, &fx->db, err, sizeof(err)))
		return -1;
	fx->st = flow_store_open(fx->db, fx->path, err, sizeof(err));
	struct store_run_info run = {.cell_id = "cell",
				     .run_id = "run",
				     .source = "replay",
				     .started_at = 1,
				     .mono_offset_ns = MONO_OFFSET,
				     .boot_offset_ns = BOOT_OFFSET};
	if (!fx->st || flow_store_begin_run(fx->st, &run, err, sizeof(err)))
		return -1;
	fx->cfg = (struct record_pipeline_config){
		.batch_events = 4096,
		.tcp_idle_ns = 300 * S,
		.other_idle_ns = 60 * S,
		.replay = true,
		.clock = {.mono_offset_ns = MONO_OFFSET, .boot_offset_ns = BOOT_OFFSET},
		.now = fake_now,
	};
	*state = fx;
	return 0;
}

/* The pipeline with fx->cfg as the test left it. */
static void start(struct fixture *fx)
{
	fx->p = record_pipeline_new(&fx->cfg, fx->st, &fx->h);
	assert_non_null(fx->p);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char p[128];
	record_pipeline_free(fx->p);
	flow_store_close(fx->st);
	sqlite3_close(fx->db);
	const char *suffixes[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", fx->path, suffixes[i]);
		unlink(p);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void commit(struct fixture *fx)
{
	size_t ops = flow_store_pending_ops(fx->st);
	assert_int_equal(flow_store_commit(fx->st), 0);
	fx->commits++;
	if (ops > fx->largest_batch)
		fx->largest_batch = ops;
}

/* As the loop does: commit each full batch, through any pause. */
static struct rp_result settle(struct fixture *fx, struct rp_result res)
{
	while (res.status == RP_PAUSED) {
		commit(fx);
		res = record_pipeline_resume(fx->p);
	}
	if (res.status == RP_BATCH_FULL)
		commit(fx);
	return res;
}

static enum rp_outcome push(struct fixture *fx, uint32_t kind, const void *data, uint32_t len)
{
	struct rp_frame f = {.kind = kind, .data = data, .len = len, .source = "test"};
	return settle(fx, record_pipeline_push(fx->p, &f)).outcome;
}

/* The first column of the first row of sql, as text ("" when none), after a commit. */
static const char *one(struct fixture *fx, const char *sql)
{
	static char buf[1024];
	sqlite3_stmt *s = NULL;
	if (flow_store_pending_ops(fx->st))
		commit(fx);
	buf[0] = '\0';
	if (sqlite3_prepare_v2(fx->db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(buf, sizeof(buf), "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return buf;
}

/* A v1 record: 10.0.0.1:sport -> 192.0.2.5:443 (TCP) or :53 (UDP), first seen at t ns. */
static enum rp_outcome v1(struct fixture *fx, uint8_t proto, uint16_t sport, int64_t t,
			  uint8_t verdict)
{
	struct flow_record_v1 r;
	memset(&r, 0, sizeof(r));
	r.src_ip = 0x0A000001;
	r.dst_ip = 0xC0000205;
	r.src_port = sport;
	r.dst_port = proto == PKT_PROTO_UDP ? 53 : 443;
	r.proto = proto;
	r.pkt_count = 1;
	r.first_seen_ns = (uint64_t)t;
	r.verdict = verdict;
	return push(fx, REPLAY_KIND_FLOW_V1, &r, sizeof(r));
}

/* A v3 record of 10.0.0.2:sport -> 192.0.2.9:443 over TCP. */
static struct conn_record_v3 v3_rec(uint8_t kind, uint16_t sport, int64_t first, int64_t last,
				    uint8_t verdict)
{
	struct conn_record_v3 r;
	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.family = 4;
	r.protocol = PKT_PROTO_TCP;
	r.direction = CONN_DIR_EGRESS;
	r.verdict = verdict;
	r.src_port = sport;
	r.dst_port = 443;
	r.src_addr[0] = 10;
	r.src_addr[3] = 2;
	r.dst_addr[0] = 192;
	r.dst_addr[2] = 2;
	r.dst_addr[3] = 9;
	r.orig_packets = 1;
	r.orig_bytes = 60;
	r.first_seen_ns = (uint64_t)first;
	r.last_seen_ns = (uint64_t)last;
	if (kind == CONN_KIND_CLOSED) {
		r.close_reason = CONN_CLOSE_TCP_FIN;
		r.closed_ns = (uint64_t)last;
	}
	return r;
}

static enum rp_outcome v3(struct fixture *fx, uint8_t kind, uint16_t sport, int64_t first,
			  int64_t last, uint8_t verdict)
{
	struct conn_record_v3 r = v3_rec(kind, sport, first, last, verdict);
	return push(fx, REPLAY_KIND_CONN_V3, &r, sizeof(r));
}

/* A decision and its flow alternate allow, deny, deny, allow: three decisions, one fold. */
static void test_allow_deny_sequence(void **state)
{
	struct fixture *fx = *state;
	start(fx);
	assert_int_equal(v3(fx, CONN_KIND_OPENED, 40000, 1 * S, 1 * S, CONN_VERDICT_ALLOW),
			 RP_NEW_FLOW);
	assert_int_equal(v3(fx, CONN_KIND_OPENED, 40000, 2 * S, 2 * S, CONN_VERDICT_DROP),
			 RP_NEW_DECISION);
	assert_int_equal(v3(fx, CONN_KIND_OPENED, 40000, 3 * S, 3 * S, CONN_VERDICT_DROP),
			 RP_FOLDED_OPEN);
	assert_int_equal(v3(fx, CONN_KIND_OPENED, 40000, 4 * S, 4 * S, CONN_VERDICT_ALLOW),
			 RP_NEW_DECISION);
	assert_string_equal(one(fx, "SELECT group_concat(decision || opens_flow, ',')"
				    " FROM (SELECT * FROM flow_events_all ORDER BY seq)"),
			    "allow1,deny0,allow0");
	assert_string_equal(one(fx, "SELECT count(*) || '|' || count(DISTINCT flow_id)"
				    " FROM flow_events_all"),
			    "3|1");
	assert_string_equal(one(fx, "SELECT count(*) FROM flows"), "1");
	assert_int_equal(fx->h.received, 4);
	assert_int_equal(fx->h.decoded, 4);
	assert_int_equal(fx->h.flows_opened, 1);
	assert_int_equal(fx->h.duplicate_opens, 3);
	assert_int_equal(fx->h.folded_opens, 1);
}

/* A repeated open with the flow's verdict is folded: its counters, no decision. */
static void test_duplicate_open_folds(void **state)
{
	struct fixture *fx = *state;
	start(fx);
	struct conn_record_v3 r = v3_rec(CONN_KIND_OPENED, 40001, 1 * S, 1 * S, CONN_VERDICT_ALLOW);
	assert_int_equal(push(fx, REPLAY_KIND_CONN_V3, &r, sizeof(r)), RP_NEW_FLOW);
	r.orig_packets = 5;
	r.orig_bytes = 500;
	r.last_seen_ns = 2 * S;
	assert_int_equal(push(fx, REPLAY_KIND_CONN_V3, &r, sizeof(r)), RP_FOLDED_OPEN);
	assert_string_equal(one(fx, "SELECT count(*) FROM flow_events_all"), "1");
	assert_string_equal(one(fx, "SELECT orig_packets || '|' || orig_bytes || '|' || state"
				    " FROM flows"),
			    "5|500|open");
	assert_int_equal(fx->h.duplicate_opens, 1);
	assert_int_equal(fx->h.folded_opens, 1);
}

/* A close before any open is kept as a closed flow never opened; a later open is a new flow. */
static void test_close_before_open_is_orphan(void **state)
{
	struct fixture *fx = *state;
	start(fx);
	assert_int_equal(v3(fx, CONN_KIND_CLOSED, 40002, 1 * S, 3 * S, CONN_VERDICT_ALLOW),
			 RP_ORPHAN_CLOSE);
	assert_int_equal(v3(fx, CONN_KIND_OPENED, 40002, 4 * S, 4 * S, CONN_VERDICT_ALLOW),
			 RP_NEW_FLOW);
	assert_int_equal(v3(fx, CONN_KIND_CLOSED, 40002, 4 * S, 6 * S, CONN_VERDICT_ALLOW),
			 RP_CLOSED);
	/* (the close never opened takes its id from the top of the run's range) */
	assert_string_equal(one(fx,
				"SELECT group_concat(open_seen || state || close_reason"
				" || closed_at, ',') FROM (SELECT * FROM flows ORDER BY flow_id)"),
			    "1closedtcp_fin6000002000,0closedtcp_fin3000002000");
	assert_string_equal(one(fx, "SELECT count(*) FROM flow_events_all"), "1");
	assert_int_equal(fx->h.orphan_closes, 1);
	assert_int_equal(fx->h.flows_closed, 1);
}

/*
 * A replay's clock is its records': a UDP flow idle 60 s at the time of a
 * later record closes (stamped with its last record), a TCP flow does not,
 * and a record older than the latest moves no clock.
 */
static void test_replay_sweeps_on_record_time(void **state)
{
	struct fixture *fx = *state;
	start(fx);
	assert_int_equal(v1(fx, PKT_PROTO_UDP, 1000, 1 * S, 0), RP_NEW_FLOW);
	assert_int_equal(v1(fx, PKT_PROTO_TCP, 1001, 2 * S, 0), RP_NEW_FLOW);
	assert_int_equal(v1(fx, PKT_PROTO_TCP, 1002, 60 * S, 0), RP_NEW_FLOW);
	assert_string_equal(one(fx, "SELECT count(*) FROM flows WHERE state = 'open'"), "3");
	assert_int_equal(v1(fx, PKT_PROTO_TCP, 1003, 30 * S, 0), RP_NEW_FLOW); /* older: no sweep */
	assert_string_equal(one(fx, "SELECT count(*) FROM flows WHERE state = 'open'"), "4");
	assert_int_equal(v1(fx, PKT_PROTO_TCP, 1004, 61 * S, 0), RP_NEW_FLOW);
	assert_string_equal(one(fx, "SELECT group_concat(orig_port || close_reason || closed_at)"
				    " FROM flows WHERE state = 'closed'"),
			    "1000idle1000001000");
	assert_int_equal(record_pipeline_open_flows(fx->p), 4);
	assert_int_equal(fx->h.flows_closed, 1);
}

/* An open past its flow's idle timeout ends that flow (idle) and starts a new one. */
static void test_idle_reopen(void **state)
{
	struct fixture *fx = *state;
	fx->cfg.replay = false; /* live: no record-time sweep gets there first */
	start(fx);
	assert_int_equal(v1(fx, PKT_PROTO_UDP, 1000, 1 * S, 0), RP_NEW_FLOW);
	assert_int_equal(v1(fx, PKT_PROTO_UDP, 1000, 100 * S, 0), RP_NEW_FLOW);
	assert_string_equal(one(fx, "SELECT group_concat(state || coalesce(close_reason, '')"
				    " || coalesce(closed_at, ''), ',')"
				    " FROM (SELECT * FROM flows ORDER BY flow_id)"),
			    "closedidle500000001000,open");
}

/* Live, the caller sweeps on its own time; closes are stamped with the clock's now. */
static void test_live_expire(void **state)
{
	struct fixture *fx = *state;
	fx->cfg.replay = false;
	start(fx);
	assert_int_equal(v1(fx, PKT_PROTO_UDP, 1000, 1 * S, 0), RP_NEW_FLOW);
	assert_int_equal(v1(fx, PKT_PROTO_UDP, 1001, 200 * S, 0), RP_NEW_FLOW);
	assert_int_equal(record_pipeline_expire(fx->p, FA_CLOCK_MONOTONIC, 60 * S), RP_OK);
	assert_int_equal(record_pipeline_open_flows(fx->p), 2);
	assert_int_equal(record_pipeline_expire(fx->p, FA_CLOCK_BOOTTIME, 1000 * S), RP_OK);
	assert_int_equal(record_pipeline_open_flows(fx->p), 2); /* another clock's flows */
	assert_int_equal(record_pipeline_expire(fx->p, FA_CLOCK_MONOTONIC, 61 * S), RP_OK);
	assert_string_equal(one(fx, "SELECT group_concat(orig_port || close_reason || closed_at)"
				    " FROM flows WHERE state = 'closed'"),
			    "1000idle500000001000");
	assert_int_equal(record_pipeline_open_flows(fx->p), 1);
}

/* Flows a kernel table tracks close by their records, never by the recorder's clock. */
static void test_kernel_tracked_flows_are_not_swept(void **state)
{
	struct fixture *fx = *state;
	start(fx);
	assert_int_equal(v3(fx, CONN_KIND_OPENED, 40003, 1 * S, 1 * S, CONN_VERDICT_ALLOW),
			 RP_NEW_FLOW);
	assert_int_equal(v3(fx, CONN_KIND_OPENED, 40004, 5000 * S, 5000 * S, CONN_VERDICT_ALLOW),
			 RP_NEW_FLOW);
	assert_int_equal(record_pipeline_expire(fx->p, FA_CLOCK_BOOTTIME, 9000 * S), RP_OK);
	assert_string_equal(one(fx, "SELECT count(*) FROM flows WHERE state = 'open'"), "2");
}

/* Every v1 record is one decision, even on an open flow (the seed). */
static void test_v1_records_are_decisions(void **state)
{
	struct fixture *fx = *state;
	start(fx);
	assert_int_equal(v1(fx, PKT_PROTO_TCP, 1000, 1 * S, 0), RP_NEW_FLOW);
	assert_int_equal(v1(fx, PKT_PROTO_TCP, 1000, 2 * S, 0), RP_NEW_DECISION);
	assert_int_equal(v1(fx, PKT_PROTO_TCP, 1000, 3 * S, 2), RP_NEW_DECISION);
	assert_string_equal(one(fx, "SELECT group_concat(decision || opens_flow, ',')"
				    " FROM (SELECT * FROM flow_events_all ORDER BY seq)"),
			    "allow1,allow0,deny0");
	assert_string_equal(one(fx, "SELECT count(*) FROM flows"), "1");
	assert_int_equal(fx->h.folded_opens, 0);
}

#ifdef FLOWAUDIT_WITH_NFLOG
/* One NFLOG frame of a TCP SYN 10.1.0.1:sport -> 10.1.0.2:80 at t, logged by prefix. */
static enum rp_outcome nflog(struct fixture *fx, uint16_t sport, int64_t t, const char *prefix)
{
	uint8_t pkt[40] = {0x45}, frame[NFLOG_FRAME_HEADER_SIZE + 128 + sizeof(pkt)];
	pkt[3] = sizeof(pkt); /* total length */
	pkt[8] = 64;
	pkt[9] = PKT_PROTO_TCP;
	pkt[12] = 10, pkt[13] = 1, pkt[15] = 1;
	pkt[16] = 10, pkt[17] = 1, pkt[19] = 2;
	pkt[20] = (uint8_t)(sport >> 8), pkt[21] = (uint8_t)sport;
	pkt[23] = 80;
	struct nflog_frame_hdr h = {.family = 4,
				    .hook = 3, /* output: egress */
				    .verdict_hint = NFLOG_VERDICT_HINT_DROP,
				    .boot_ns = (uint64_t)t};
	size_t n = nflog_frame_build(frame, sizeof(frame), &h, prefix, strlen(prefix), pkt,
				     sizeof(pkt));
	assert_true(n > 0);
	return push(fx, REPLAY_KIND_NFLOG, frame, (uint32_t)n);
}

/*
 * The retried SYNs of one denied attempt are one flow and one decision that
 * counts every packet; a verdict change on it is a decision of its own.
 */
static void test_nflog_attempt_folds(void **state)
{
	struct fixture *fx = *state;
	start(fx);
	assert_int_equal(nflog(fx, 50000, 1 * S, "rule-7 deny "), RP_NEW_FLOW);
	assert_int_equal(nflog(fx, 50000, 2 * S, "rule-7 deny "), RP_FLOW_PACKET);
	assert_int_equal(nflog(fx, 50000, 4 * S, "rule-7 deny "), RP_FLOW_PACKET);
	assert_int_equal(nflog(fx, 50000, 5 * S, "rule-8 allow "), RP_NEW_DECISION);
	assert_string_equal(one(fx, "SELECT group_concat(decision || nft_rule_ref, ',')"
				    " FROM (SELECT * FROM flow_events_all ORDER BY seq)"),
			    "denyrule-7,allowrule-8");
	assert_string_equal(one(fx, "SELECT orig_packets || '|' || orig_bytes FROM flows"),
			    "4|160");
	assert_int_equal(fx->h.duplicate_opens, 1); /* the verdict change; packets are no opens */
	assert_int_equal(fx->h.folded_opens, 0);
	assert_int_equal(record_pipeline_frag_unmatched(fx->p), 0);
}
#endif

/* A summary is one decision and one closed flows row; untracked flows add their counts. */
static void test_summaries_and_untracked(void **state)
{
	struct fixture *fx = *state;
	start(fx);
	struct conn_record_v3 sum = v3_rec(CONN_KIND_SUMMARY, 0, 1 * S, 2 * S, CONN_VERDICT_ALLOW);
	memset(sum.src_addr, 0, sizeof(sum.src_addr));
	sum.dst_addr[3] = 0;
	sum.prefix_len = 24;
	sum.flow_count = 7;
	sum.orig_packets = 7;
	assert_int_equal(push(fx, REPLAY_KIND_CONN_V3, &sum, sizeof(sum)), RP_SUMMARY);
	assert_int_equal(v3(fx, CONN_KIND_UNTRACKED, 40005, 3 * S, 3 * S, CONN_VERDICT_ALLOW),
			 RP_NEW_FLOW);
	assert_int_equal(v3(fx, CONN_KIND_UNTRACKED, 40005, 3 * S, 4 * S, CONN_VERDICT_ALLOW),
			 RP_FLOW_PACKET);
	assert_string_equal(one(fx, "SELECT group_concat(flow_count || '/' || prefix_len || state,"
				    " ',') FROM (SELECT * FROM flows ORDER BY flow_id)"),
			    "7/24closed");
	assert_string_equal(one(fx, "SELECT orig_packets || '|' || untracked FROM flows"
				    " WHERE flow_count IS NULL"),
			    "2|1");
	assert_string_equal(one(fx, "SELECT count(*) FROM flow_events_all"), "2");
	assert_int_equal(fx->h.flows_opened, 1); /* a summary is no flow of tracking */
}

/* What cannot be decoded or stored is a reject with its reason and raw bytes. */
static void test_rejects_keep_reason_and_bytes(void **state)
{
	struct fixture *fx = *state;
	const uint8_t junk[5] = {1, 2, 3, 4, 5};
	start(fx);
	assert_int_equal(push(fx, REPLAY_KIND_FLOW_V1, junk, sizeof(junk)), RP_REJECTED);
	assert_int_equal(push(fx, RAW_KIND_TRUNCATED, junk, 3), RP_REJECTED);
	assert_int_equal(push(fx, RAW_KIND_OVERSIZE, junk, sizeof(junk)), RP_REJECTED);
	assert_int_equal(push(fx, 99, junk, sizeof(junk)), RP_REJECTED);
	assert_int_equal(v1(fx, PKT_PROTO_TCP, 1000, INT64_MAX, 0), RP_REJECTED);
	assert_string_equal(
		one(fx, "SELECT group_concat(length(raw) || ':' || reason, '|')"
			" FROM (SELECT * FROM rejects ORDER BY reject_id)"),
		"5:ring-buffer record is 5 bytes, expected exactly 40; kernel producer ABI drift "
		"or "
		"torn read|3:truncated frame at end of input (3 bytes)|5:frame longer than 65536 "
		"bytes (first bytes kept)|5:unknown record kind 99 (5 bytes)|40:first_seen "
		"9223372036854775807 ns plus the run's clock offset 1000 ns is not a UTC time in "
		"64-bit ns");
	assert_int_equal(fx->h.received, 5);
	assert_int_equal(fx->h.rejected, 5);
	assert_int_equal(fx->h.decoded, 0);
	char why[160];
	struct fa_event ev;
	struct rp_frame f = {.kind = REPLAY_KIND_CONN_V3, .data = junk, .len = 5};
	assert_int_equal(record_pipeline_decode(&f, &ev, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "expected exactly 112"));
}

/*
 * A replay's first frame, a tee header, gives the run its clock and is no
 * record; a second one is a reject, and so is one from a live source.
 */
static void test_tee_header(void **state)
{
	struct fixture *fx = *state;
	struct run_clock c = {.mono_offset_ns = 7000, .boot_offset_ns = 9000};
	uint8_t hdr[REPLAY_TEE_HEADER_SIZE];
	snprintf(c.host, sizeof(c.host), "capture-host");
	tee_header_encode(&c, hdr);
	start(fx);
	assert_int_equal(push(fx, REPLAY_KIND_TEE_HEADER, hdr, sizeof(hdr)), RP_CLOCK_ADOPTED);
	assert_int_equal(record_pipeline_clock(fx->p)->boot_offset_ns, 9000);
	assert_string_equal(record_pipeline_clock(fx->p)->host, "capture-host");
	assert_int_equal(fx->h.received, 0);
	assert_int_equal(v1(fx, PKT_PROTO_TCP, 1000, 1 * S, 0), RP_NEW_FLOW);
	assert_int_equal(push(fx, REPLAY_KIND_TEE_HEADER, hdr, sizeof(hdr)), RP_REJECTED);
	assert_string_equal(one(fx, "SELECT observed_at FROM flow_events_all"), "1000007000");
	assert_string_equal(one(fx, "SELECT host || '|' || mono_offset_ns FROM runs"),
			    "capture-host|7000");
	assert_string_equal(one(fx, "SELECT reason FROM rejects"),
			    "tee header after the first frame (ignored: times keep this run's "
			    "clock)");
	record_pipeline_free(fx->p);
	fx->cfg.replay = false;
	start(fx);
	assert_int_equal(push(fx, REPLAY_KIND_TEE_HEADER, hdr, sizeof(hdr)), RP_REJECTED);
	assert_string_equal(one(fx, "SELECT reason FROM rejects ORDER BY reject_id DESC"),
			    "tee header from a live source");
}

/*
 * A full batch is reported after the record that fills it; a record-time
 * sweep that closes more flows than a batch holds pauses at each full batch
 * and then applies its record, so no batch grows past the bound.
 */
static void test_batches_stay_bounded(void **state)
{
	struct fixture *fx = *state;
	fx->cfg.batch_events = 4; /* full at 4 decisions or 8 operations */
	start(fx);
	struct flow_record_v1 r;
	memset(&r, 0, sizeof(r));
	r.src_ip = 0x0A000001;
	r.dst_ip = 0xC0000205;
	r.proto = PKT_PROTO_UDP;
	r.pkt_count = 1;
	struct rp_frame f = {.kind = REPLAY_KIND_FLOW_V1,
			     .data = (const uint8_t *)&r,
			     .len = sizeof(r),
			     .source = "test"};
	for (int i = 0; i < 20; i++) {
		r.src_port = (uint16_t)(2000 + i);
		r.first_seen_ns = (uint64_t)(i + 1) * S / 100;
		struct rp_result res = record_pipeline_push(fx->p, &f);
		assert_int_equal(res.outcome, RP_NEW_FLOW);
		assert_int_equal(res.status, (i + 1) % 4 ? RP_OK : RP_BATCH_FULL);
		settle(fx, res);
	}
	assert_int_equal(fx->commits, 5);
	r.src_port = 3000;
	r.first_seen_ns = 100 * S; /* every flow above is idle by now */
	struct rp_result res = record_pipeline_push(fx->p, &f);
	assert_int_equal(res.status, RP_PAUSED);
	assert_int_equal(res.outcome, RP_PENDING);
	unsigned pauses = 0;
	while (res.status == RP_PAUSED) {
		commit(fx);
		pauses++;
		res = record_pipeline_resume(fx->p);
	}
	assert_int_equal(res.outcome, RP_NEW_FLOW);
	assert_int_equal(pauses, 20 / 8);
	assert_int_equal(fx->largest_batch, 8);
	assert_string_equal(one(fx, "SELECT count(*) FROM flows WHERE close_reason = 'idle'"),
			    "20");
	assert_int_equal(record_pipeline_open_flows(fx->p), 1);
}

/* Past the queue limit frames are counted as store failures and dropped; sweeps are not. */
static void test_queue_limit(void **state)
{
	struct fixture *fx = *state;
	fx->cfg.replay = false;
	start(fx);
	record_pipeline_limit_queue(fx->p, 2);
	assert_int_equal(v1(fx, PKT_PROTO_UDP, 1000, 1 * S, 0), RP_NEW_FLOW);
	assert_int_equal(v1(fx, PKT_PROTO_UDP, 1001, 1 * S, 0), RP_NEW_FLOW);
	assert_int_equal(v1(fx, PKT_PROTO_UDP, 1002, 1 * S, 0), RP_DROPPED);
	assert_int_equal(record_pipeline_expire(fx->p, FA_CLOCK_MONOTONIC, 100 * S), RP_OK);
	assert_int_equal(flow_store_pending_ops(fx->st), 2); /* closes folded into the inserts */
	record_pipeline_limit_queue(fx->p, SIZE_MAX);
	assert_int_equal(v1(fx, PKT_PROTO_UDP, 1002, 1 * S, 0), RP_NEW_FLOW);
	assert_int_equal(fx->h.received, 4);
	assert_int_equal(fx->h.store_failures, 1);
	assert_string_equal(one(fx, "SELECT count(*) FROM flows WHERE state = 'closed'"), "2");
}

/* The run's end closes every flow, kernel-tracked or not, run_end, in flow id order. */
static void test_close_all(void **state)
{
	struct fixture *fx = *state;
	fx->cfg.batch_events = 2;
	start(fx);
	for (int i = 0; i < 5; i++)
		assert_int_equal(v3(fx, CONN_KIND_OPENED, (uint16_t)(41000 + i), (i + 1) * S,
				    (i + 1) * S, CONN_VERDICT_ALLOW),
				 RP_NEW_FLOW);
	assert_int_equal(v1(fx, PKT_PROTO_TCP, 1000, 6 * S, 0), RP_NEW_FLOW);
	commit(fx);
	fx->largest_batch = 0;
	settle(fx, (struct rp_result){.status = record_pipeline_close_all(fx->p)});
	assert_int_equal(record_pipeline_open_flows(fx->p), 0);
	assert_true(fx->largest_batch <= 4);
	assert_string_equal(one(fx, "SELECT group_concat(close_reason || closed_at, ',')"
				    " FROM (SELECT * FROM flows ORDER BY flow_id)"),
			    "run_end1000002000,run_end2000002000,run_end3000002000,"
			    "run_end4000002000,run_end5000002000,run_end6000001000");
	assert_int_equal(fx->h.flows_closed, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_allow_deny_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_open_folds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_before_open_is_orphan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_sweeps_on_record_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_tracked_flows_are_not_swept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_v1_records_are_decisions, setup, teardown),
#ifdef FLOWAUDIT_WITH_NFLOG
		cmocka_unit_test_setup_teardown(test_nflog_attempt_folds, setup, teardown),
#endif
		cmocka_unit_test_setup_teardown(test_summaries_and_untracked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects_keep_reason_and_bytes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tee_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches_stay_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_all, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
