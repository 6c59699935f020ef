/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Known-content databases for flowq's tests; see fixture.h.
 *
 * cell-a (T = FX_T0):
 *   run-1 started T, ended T+60s clean, policy_digest "sha256:abc", keyset_id
 *         "kid-1", issuer_kid "issuer-1", correlation_id "corr-1"
 *   run-2 started T+90s, never ended; keyset_id invalid UTF-8, correlation_id
 *         with quotes, backslash, a control char and non-ASCII text
 *   flows 1 tcp 10.0.0.1:40000 > 192.0.2.5:443 closed tcp_fin, 10+8 packets,
 *           5000000000+3000 bytes
 *         2 udp [2001:db8::1]:5353 > [2001:db8::53]:53 open, no counters yet
 *         3 tcp close without open (open_seen 0), tcp_rst
 *         4 tcp second row of flow 1's 5-tuple (duplicate open, open_seen 1)
 *         5 icmp 10.0.0.1 > 203.0.113.9 (run-2) open, 3 packets 252 bytes
 *   events run-1 seq 1..4 at T+1s..T+4s, run-2 seq 1..2 both at T+100s
 */
#include "fixture.h"

#include "fa_addr.h"
#include "fa_db.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "fixture: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static struct fa_addr addr(const char *text)
{
	struct fa_addr a;
	uint8_t b[16];
	if (strchr(text, ':')) {
		inet_pton(AF_INET6, text, b);
		fa_addr_from_v6_bytes(b, &a);
	} else {
		inet_pton(AF_INET, text, b);
		fa_addr_from_v4_bytes(b, &a);
	}
	return a;
}

static int open_fresh(const char *path, sqlite3 **db)
{
	char err[256];
	unlink(path);
	if (fa_db_open_writer(path, FA_DB_DURABILITY_NORMAL, db, err, sizeof(err))) {
		fprintf(stderr, "fixture: %s\n", err);
		return -1;
	}
	return exec(*db, "BEGIN");
}

static int finish(sqlite3 *db, int rc)
{
	if (rc == 0)
		rc = exec(db, "COMMIT");
	sqlite3_close(db);
	return rc;
}

struct run_row {
	int64_t pk;
	const char *cell, *run;
	int64_t started;
	int64_t ended; /* 0: NULL */
	const char *status;
	const char *policy, *keyset, *issuer, *corr;
};

static int insert_run(sqlite3 *db, const struct run_row *r)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		db,
		"INSERT INTO runs (run_pk, cell_id, run_id, started_at, ended_at, end_status,"
		" policy_digest, keyset_id, issuer_kid, correlation_id, source, iface, host,"
		" recorder_version, mono_offset_ns, boot_offset_ns)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,'replay',NULL,'testhost','0.1.0',0,0)",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, r->pk);
	sqlite3_bind_text(st, 2, r->cell, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->run, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, r->started);
	if (r->ended)
		sqlite3_bind_int64(st, 5, r->ended);
	if (r->status)
		sqlite3_bind_text(st, 6, r->status, -1, SQLITE_STATIC);
	if (r->policy)
		sqlite3_bind_text(st, 7, r->policy, -1, SQLITE_STATIC);
	if (r->keyset)
		sqlite3_bind_text(st, 8, r->keyset, -1, SQLITE_STATIC);
	if (r->issuer)
		sqlite3_bind_text(st, 9, r->issuer, -1, SQLITE_STATIC);
	if (r->corr)
		sqlite3_bind_text(st, 10, r->corr, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
out:
	if (rc != SQLITE_OK)
		fprintf(stderr, "fixture: run: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

struct flow_row {
	int64_t id, run_pk;
	int family, proto;
	const char *dir, *orig, *resp;
	int orig_port, resp_port; /* -1: NULL */
	const char *state;
	int64_t opened, last, closed; /* closed 0: NULL */
	const char *reason;
	int64_t op, rp, ob, rb; /* ob/rb -1: NULL */
	int open_seen;
};

static void bind_opt_int(sqlite3_stmt *st, int i, int64_t v)
{
	if (v >= 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static int insert_flow(sqlite3_stmt *st, const struct flow_row *f)
{
	struct fa_addr o = addr(f->orig), r = addr(f->resp);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, f->id);
	sqlite3_bind_int64(st, 2, f->run_pk);
	sqlite3_bind_int(st, 3, f->family);
	sqlite3_bind_int(st, 4, f->proto);
	sqlite3_bind_text(st, 5, f->dir, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, o.b, 16, SQLITE_TRANSIENT);
	bind_opt_int(st, 7, f->orig_port);
	sqlite3_bind_blob(st, 8, r.b, 16, SQLITE_TRANSIENT);
	bind_opt_int(st, 9, f->resp_port);
	sqlite3_bind_text(st, 10, f->state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, f->opened);
	sqlite3_bind_int64(st, 12, f->last);
	if (f->closed)
		sqlite3_bind_int64(st, 13, f->closed);
	if (f->reason)
		sqlite3_bind_text(st, 14, f->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 15, f->op);
	bind_opt_int(st, 16, f->ob);
	sqlite3_bind_int64(st, 17, f->rp);
	bind_opt_int(st, 18, f->rb);
	sqlite3_bind_int(st, 19, f->open_seen);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

#define FLOW_INSERT                                                                                \
	"INSERT INTO flows (flow_id, run_pk, family, protocol, direction, orig_addr, orig_port,"   \
	" resp_addr, resp_port, state, opened_at, last_seen_at, closed_at, close_reason,"          \
	" orig_packets, orig_bytes, resp_packets, resp_bytes, open_seen)"                          \
	" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"

struct event_row {
	int64_t run_pk, seq, flow_id; /* flow_id 0: NULL */
	const char *dir, *decision, *reason, *rule;
	int family, proto;
	const char *src, *dst;
	int src_port, dst_port; /* -1: NULL */
	int64_t packets, bytes; /* -1: NULL */
	int64_t observed;
};

#define EVENT_INSERT                                                                               \
	"INSERT INTO flow_events (run_pk, seq, flow_id, source, direction, decision,"              \
	" reason_code, nft_rule_ref, family, protocol, src_addr, src_port, dst_addr, dst_port,"    \
	" packet_count, byte_count, first_seen_kns, observed_at, event_id)"                        \
	" VALUES (?,?,?,'replay_v1',?,?,?,?,?,?,?,?,?,?,?,?,?,?, (?1 << 32) + ?2)"

static int insert_event(sqlite3_stmt *st, const struct event_row *e)
{
	struct fa_addr s = addr(e->src), d = addr(e->dst);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, e->run_pk);
	sqlite3_bind_int64(st, 2, e->seq);
	if (e->flow_id)
		sqlite3_bind_int64(st, 3, e->flow_id);
	sqlite3_bind_text(st, 4, e->dir, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->decision, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e->reason, -1, SQLITE_STATIC);
	if (e->rule)
		sqlite3_bind_text(st, 7, e->rule, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, e->family);
	sqlite3_bind_int(st, 9, e->proto);
	sqlite3_bind_blob(st, 10, s.b, 16, SQLITE_TRANSIENT);
	bind_opt_int(st, 11, e->src_port);
	sqlite3_bind_blob(st, 12, d.b, 16, SQLITE_TRANSIENT);
	bind_opt_int(st, 13, e->dst_port);
	bind_opt_int(st, 14, e->packets);
	bind_opt_int(st, 15, e->bytes);
	sqlite3_bind_int64(st, 16, e->observed - FX_T0);
	sqlite3_bind_int64(st, 17, e->observed);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

static int insert_all(sqlite3 *db, const struct flow_row *flows, size_t nflows,
		      const struct event_row *events, size_t nevents)
{
	sqlite3_stmt *fs = NULL, *es = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(db, FLOW_INSERT, -1, &fs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, EVENT_INSERT, -1, &es, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < nflows; i++)
		if (insert_flow(fs, &flows[i]))
			goto out;
	for (size_t i = 0; i < nevents; i++)
		if (insert_event(es, &events[i]))
			goto out;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "fixture: insert: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(fs);
	sqlite3_finalize(es);
	return rc;
}

#define T(s) (FX_T0 + (int64_t)(s)*FX_S)

int fx_create_cell_a(const char *path)
{
	sqlite3 *db = NULL;
	if (open_fresh(path, &db))
		return -1;
	const struct run_row runs[] = {
		{1, "cell-a", "run-1", T(0), T(60), "clean", "sha256:abc", "kid-1", "issuer-1",
		 "corr-1"},
		{2, "cell-a", "run-2", T(90), 0, NULL, NULL, "kid-\xff\xfe", NULL,
		 "corr \"q\" \\ \x01 caf\xc3\xa9 \xe6\xbc\xa2"},
	};
	const struct flow_row flows[] = {
		{1, 1, 4, 6, "egress", "10.0.0.1", "192.0.2.5", 40000, 443, "closed", T(1), T(5),
		 T(5), "tcp_fin", 10, 8, 5000000000LL, 3000, 1},
		{2, 1, 6, 17, "egress", "2001:db8::1", "2001:db8::53", 5353, 53, "open", T(2), T(2),
		 0, NULL, 0, 0, -1, -1, 1},
		{3, 1, 4, 6, "egress", "10.0.0.1", "198.51.100.7", 40001, 80, "closed", T(3), T(3),
		 T(3), "tcp_rst", 1, 0, 60, 0, 0},
		{4, 1, 4, 6, "egress", "10.0.0.1", "192.0.2.5", 40000, 443, "open", T(6), T(6), 0,
		 NULL, 1, 0, 74, -1, 1},
		{5, 2, 4, 1, "egress", "10.0.0.1", "203.0.113.9", -1, -1, "open", T(100), T(100), 0,
		 NULL, 3, 0, 252, -1, 1},
	};
	const struct event_row events[] = {
		{1, 1, 1, "egress", "allow", "ebpf_tc_observed", NULL, 4, 6, "10.0.0.1",
		 "192.0.2.5", 40000, 443, 1, 74, T(1)},
		{1, 2, 2, "egress", "allow", "ebpf_tc_observed", NULL, 6, 17, "2001:db8::1",
		 "2001:db8::53", 5353, 53, 1, -1, T(2)},
		{1, 3, 0, "egress", "deny", "nflog_match", "inet filter egress handle 7", 4, 6,
		 "10.0.0.1", "198.51.100.7", 40001, 80, 1, 60, T(3)},
		{1, 4, 0, "ingress", "allow", "ebpf_tc_observed", NULL, 4, 47, "198.51.100.7",
		 "10.0.0.1", -1, -1, -1, -1, T(4)},
		{2, 1, 5, "egress", "deny", "ebpf_xdp_drop", NULL, 4, 1, "10.0.0.1", "203.0.113.9",
		 -1, -1, 3, 252, T(100)},
		{2, 2, 0, "ingress", "allow", "ebpf_tc_observed", NULL, 6, 58, "2001:db8::9",
		 "2001:db8::1:0:0:1", -1, 0, 1099511627776LL, 9007199254740993LL, T(100)},
	};
	int rc = insert_run(db, &runs[0]) || insert_run(db, &runs[1]) ? -1 : 0;
	if (!rc)
		rc = insert_all(db, flows, sizeof(flows) / sizeof(flows[0]), events,
				sizeof(events) / sizeof(events[0]));
	if (!rc) {
		char sql[1024];
		snprintf(sql, sizeof(sql),
			 "INSERT INTO health (run_pk, at, is_final, received, decoded, rejected,"
			 " events_written, flows_opened, flows_closed, duplicate_opens,"
			 " orphan_closes, ring_drops, table_full, nflog_overruns, store_failures,"
			 " commits, slowest_commit_us) VALUES"
			 " (1, %lld, 0, 10, 9, 1, 3, 2, 1, 0, 0, 0, 0, 0, 0, 1, 50),"
			 " (1, %lld, 1, 4, 4, 0, 4, 3, 1, 1, 1, 0, 0, 0, 0, 2, 70),"
			 " (1, %lld, 0, 99, 90, 0, 90, 3, 1, 1, 1, 5, 0, 0, 0, 3, 80),"
			 " (2, %lld, 0, 2, 2, 0, 2, 1, 0, 0, 0, 1, 0, 0, 0, 1, 40)",
			 (long long)T(30), (long long)T(60), (long long)T(61), (long long)T(110));
		rc = exec(db, sql);
	}
	return finish(db, rc);
}

int fx_create_cell_b(const char *path)
{
	sqlite3 *db = NULL;
	if (open_fresh(path, &db))
		return -1;
	const struct run_row run = {1,	     "cell-b",	   "run-b1", T(0), T(300),
				    "clean", "sha256:def", NULL,     NULL, NULL};
	const struct event_row events[] = {
		{1, 1, 0, "egress", "allow", "ebpf_tc_observed", NULL, 4, 17, "10.1.0.1",
		 "192.0.2.53", 5000, 53, 2, 140, T(1) + FX_S / 2},
		{1, 2, 0, "egress", "allow", "ebpf_tc_observed", NULL, 4, 6, "10.1.0.1",
		 "192.0.2.5", 41000, 443, 4, 400, T(100)},
		{1, 3, 0, "egress", "deny", "ebpf_xdp_drop", NULL, 4, 6, "10.1.0.1", "192.0.2.99",
		 41001, 22, 1, 60, T(200)},
	};
	int rc = insert_run(db, &run);
	if (!rc)
		rc = insert_all(db, NULL, 0, events, sizeof(events) / sizeof(events[0]));
	return finish(db, rc);
}

int fx_create_bulk(const char *path, long n)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *fs = NULL, *es = NULL;
	if (open_fresh(path, &db))
		return -1;
	const struct run_row run = {
		1,	 "cell-bulk", "bulk",  T(0), T(3600), "clean", "sha256:0123456789abcdef",
		"kid-1", "issuer-1",  "corr-1"};
	int rc = insert_run(db, &run);
	if (!rc && (sqlite3_prepare_v2(db, FLOW_INSERT, -1, &fs, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(db, EVENT_INSERT, -1, &es, NULL) != SQLITE_OK))
		rc = -1;
	for (long i = 1; !rc && i <= n; i++) {
		char dst[16];
		snprintf(dst, sizeof(dst), "198.%ld.%ld.%ld", (i >> 16) & 255, (i >> 8) & 255,
			 i & 255);
		int64_t at = T(0) + i * 1000; /* one event per microsecond */
		bool closed = i % 2 == 0;
		const struct flow_row f = {i,
					   1,
					   4,
					   i % 3 ? 6 : 17,
					   "egress",
					   "10.0.0.1",
					   dst,
					   (int)(32768 + i % 28000),
					   443,
					   closed ? "closed" : "open",
					   at,
					   at + 5000,
					   closed ? at + 5000 : 0,
					   closed ? "tcp_fin" : NULL,
					   10,
					   12,
					   1500,
					   closed ? 90000 : -1,
					   1};
		const struct event_row e = {1,
					    i,
					    i,
					    "egress",
					    i % 10 ? "allow" : "deny",
					    i % 10 ? "ebpf_tc_observed" : "ebpf_xdp_drop",
					    NULL,
					    4,
					    i % 3 ? 6 : 17,
					    "10.0.0.1",
					    dst,
					    (int)(32768 + i % 28000),
					    443,
					    1,
					    74,
					    at};
		if (insert_flow(fs, &f) || insert_event(es, &e))
			rc = -1;
	}
	if (rc)
		fprintf(stderr, "fixture: bulk: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(fs);
	sqlite3_finalize(es);
	return finish(db, rc);
}

int fx_move_openings_to_flows(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	/* Every opening decision that has a flows row goes into it, and the row
	 * takes the decision's key as its id, as flowrec writes since migration
	 * 006; later decisions follow their flow's new id. Fixture ids are small,
	 * so old and new ids never meet. */
	int rc = exec(
		db,
		"PRAGMA foreign_keys=OFF; BEGIN;"
		" CREATE TEMP TABLE moves AS SELECT e.flow_id AS old_id, e.event_id AS new_id,"
		"  e.source, e.decision, e.reason_code, e.nft_rule_ref, e.nflog_prefix"
		"  FROM flow_events AS e JOIN flows AS f ON f.flow_id = e.flow_id"
		"  WHERE e.opens_flow = 1;"
		" UPDATE flows SET (source, decision, reason_code, nft_rule_ref, nflog_prefix)"
		"  = (SELECT source, decision, reason_code, nft_rule_ref, nflog_prefix FROM moves"
		"     WHERE old_id = flows.flow_id)"
		"  WHERE flow_id IN (SELECT old_id FROM moves);"
		" DELETE FROM flow_events WHERE event_id IN (SELECT new_id FROM moves);"
		" UPDATE flow_events SET flow_id = (SELECT new_id FROM moves"
		"  WHERE old_id = flow_events.flow_id) WHERE flow_id IN (SELECT old_id FROM moves);"
		" UPDATE flows SET flow_id = (SELECT new_id FROM moves WHERE old_id = "
		"flows.flow_id)"
		"  WHERE flow_id IN (SELECT old_id FROM moves);"
		" COMMIT;");
	sqlite3_close(db);
	return rc;
}
