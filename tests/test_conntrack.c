/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connection tracking: the seed's FlowAccumulator tests ported (empty, open,
 * duplicate open, distinct flows, close without open, close after open), plus
 * both directions being one flow, counters and iteration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conn_record_v2.h"
#include "conntrack.h"

#include <string.h>

/* The seed's key(src_port, dst_octet, dst_port): 10.0.0.1 -> 192.0.2.X, tcp. */
static struct fa_event event(uint16_t sport, uint8_t dst_octet, uint16_t dport,
			     enum fa_event_kind kind)
{
	struct fa_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.family = 4;
	ev.protocol = 6;
	fa_addr_from_v4_host(0x0A000001, &ev.src);
	fa_addr_from_v4_host(0xC0000200u | dst_octet, &ev.dst);
	ev.src_port = sport;
	ev.dst_port = dport;
	ev.clock = FA_CLOCK_BOOTTIME;
	return ev;
}

static struct ct_counts counts(const struct conntrack *ct, const struct ct_flow *f,
			       const struct fa_event *ev)
{
	struct ct_counts c;
	conntrack_counts(ct, f, ev, &c);
	return c;
}

static void test_empty_reports_zero(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	assert_int_equal(conntrack_unique_opened(ct), 0);
	assert_int_equal(conntrack_count(ct), 0);
	conntrack_free(ct);
}

static void test_opened_increments_count(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	enum ct_outcome out;
	struct fa_event ev = event(40000, 1, 443, FA_EVENT_OPENED);
	assert_non_null(conntrack_record(ct, &ev, &out));
	assert_int_equal(out, CT_NEW_FLOW);
	assert_int_equal(conntrack_unique_opened(ct), 1);
	conntrack_free(ct);
}

static void test_duplicate_opened_is_idempotent(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	enum ct_outcome out;
	struct fa_event ev = event(40000, 1, 443, FA_EVENT_OPENED);
	struct ct_flow *a = conntrack_record(ct, &ev, &out);
	struct ct_flow *b = conntrack_record(ct, &ev, &out);
	assert_int_equal(out, CT_DUPLICATE_OPEN);
	assert_ptr_equal(a, b);
	assert_int_equal(conntrack_unique_opened(ct), 1);
	assert_int_equal(conntrack_count(ct), 1);
	conntrack_free(ct);
}

static void test_distinct_flows_count_independently(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	enum ct_outcome out;
	struct fa_event evs[] = {
		event(40000, 1, 443, FA_EVENT_OPENED), event(40001, 1, 443, FA_EVENT_OPENED),
		event(40000, 2, 443, FA_EVENT_OPENED), event(40000, 1, 80, FA_EVENT_OPENED)};
	for (size_t i = 0; i < 4; i++) {
		conntrack_record(ct, &evs[i], &out);
		assert_int_equal(out, CT_NEW_FLOW);
	}
	assert_int_equal(conntrack_unique_opened(ct), 4);
	conntrack_free(ct);
}

static void test_closed_without_open_counts_nothing(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	enum ct_outcome out;
	struct fa_event ev = event(40000, 1, 443, FA_EVENT_CLOSED);
	ev.orig_packets = 10;
	ev.orig_bytes = 1500;
	ev.last_seen_kns = 1;
	assert_null(conntrack_record(ct, &ev, &out));
	assert_int_equal(out, CT_ORPHAN_CLOSE);
	assert_int_equal(conntrack_unique_opened(ct), 0);
	conntrack_free(ct);
}

static void test_closed_after_opened_preserves_count(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	enum ct_outcome out;
	struct fa_event open = event(40000, 1, 443, FA_EVENT_OPENED);
	struct fa_event close = event(40000, 1, 443, FA_EVENT_CLOSED);
	close.orig_packets = 5;
	close.orig_bytes = 500;
	close.last_seen_kns = 2;
	close.close_reason = CONN_CLOSE_TCP_FIN;
	conntrack_record(ct, &open, &out);
	struct ct_flow *f = conntrack_record(ct, &close, &out);
	assert_int_equal(out, CT_CLOSE);
	struct ct_counts c = counts(ct, f, &close);
	assert_int_equal(c.orig_packets, 5);
	assert_int_equal(c.orig_bytes, 500);
	assert_int_equal(f->last_seen_kns, 2);
	conntrack_remove(ct, f);
	assert_int_equal(conntrack_unique_opened(ct), 1);
	assert_int_equal(conntrack_count(ct), 0);
	/* After the close, the same 5-tuple is a new flow. */
	conntrack_record(ct, &open, &out);
	assert_int_equal(out, CT_NEW_FLOW);
	assert_int_equal(conntrack_unique_opened(ct), 2);
	conntrack_free(ct);
}

static void test_reverse_direction_is_same_flow(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	enum ct_outcome out;
	struct fa_event a = event(40000, 1, 443, FA_EVENT_OPENED);
	struct fa_event b = a;
	b.src = a.dst;
	b.dst = a.src;
	b.src_port = a.dst_port;
	b.dst_port = a.src_port;
	b.kind = FA_EVENT_CLOSED;
	conntrack_record(ct, &a, &out);
	conntrack_record(ct, &b, &out);
	assert_int_equal(out, CT_CLOSE);
	conntrack_free(ct);
}

static void test_deltas_add_snapshots_replace(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	enum ct_outcome out;
	struct fa_event ev = event(1, 9, 53, FA_EVENT_OPENED);
	ev.counts_are_deltas = true;
	ev.orig_packets = 1;
	ev.orig_bytes = 60;
	ev.bytes_known = true;
	struct ct_flow *f = NULL;
	for (int i = 0; i < 3; i++)
		f = conntrack_record(ct, &ev, &out);
	assert_int_equal(counts(ct, f, NULL).orig_packets, 3);
	assert_int_equal(counts(ct, f, NULL).orig_bytes, 180);
	assert_true(counts(ct, f, NULL).bytes_known);
	assert_false(f->flags & CT_F_KERNEL_TRACKED);

	/* A v1 flow (the recorder's own): its records' counts are snapshots. */
	struct fa_event v1 = event(3, 9, 53, FA_EVENT_OPENED);
	v1.clock = FA_CLOCK_MONOTONIC;
	v1.orig_packets = 4;
	f = conntrack_record(ct, &v1, &out);
	v1.orig_packets = 2; /* an older snapshot never lowers a counter */
	f = conntrack_record(ct, &v1, &out);
	assert_int_equal(counts(ct, f, NULL).orig_packets, 4);
	assert_false(counts(ct, f, NULL).bytes_known);

	/* A kernel-tracked flow keeps no counters: each record brings the kernel's
	 * (the store keeps the larger of what it holds and what comes). */
	struct fa_event snap = event(2, 9, 53, FA_EVENT_OPENED);
	snap.orig_packets = 4;
	f = conntrack_record(ct, &snap, &out);
	assert_true(f->flags & CT_F_KERNEL_TRACKED);
	assert_int_equal(f->counters_i, CT_NONE);
	snap.orig_packets = 2;
	f = conntrack_record(ct, &snap, &out);
	assert_int_equal(counts(ct, f, &snap).orig_packets, 2);
	assert_int_equal(counts(ct, f, NULL).orig_packets, 0);
	conntrack_free(ct);
}

/*
 * An untracked flow's records are deltas, but it is neither the NFLOG flow nor
 * the kernel-tracked flow of the same 5-tuple: three flows, three decisions.
 */
static void test_untracked_flow_is_a_flow_of_its_own(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	enum ct_outcome out;
	struct fa_event u = event(1, 9, 53, FA_EVENT_UNTRACKED);
	u.counts_are_deltas = true;
	u.orig_packets = 1;
	struct ct_flow *f = conntrack_record(ct, &u, &out);
	assert_int_equal(out, CT_NEW_FLOW);
	assert_false(f->flags & CT_F_KERNEL_TRACKED); /* the recorder closes it when idle */
	f = conntrack_record(ct, &u, &out);
	assert_int_equal(out, CT_FLOW_PACKET); /* one more packet, no decision */
	assert_int_equal(counts(ct, f, NULL).orig_packets, 2);

	struct fa_event nf = event(1, 9, 53, FA_EVENT_OPENED);
	nf.counts_are_deltas = true;
	conntrack_record(ct, &nf, &out);
	assert_int_equal(out, CT_NEW_FLOW);
	struct fa_event k = event(1, 9, 53, FA_EVENT_OPENED);
	conntrack_record(ct, &k, &out);
	assert_int_equal(out, CT_NEW_FLOW);
	assert_int_equal(conntrack_count(ct), 3);
	conntrack_free(ct);
}

static void test_grows_and_iterates_every_flow(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	enum ct_outcome out;
	const size_t n = 5000; /* past the initial bucket count: forces growth */
	for (size_t i = 0; i < n; i++) {
		struct fa_event ev = event((uint16_t)i, (uint8_t)(i >> 16), 443, FA_EVENT_OPENED);
		ev.dst_port = (uint16_t)(i % 7);
		struct ct_flow *f = conntrack_record(ct, &ev, &out);
		assert_int_equal(out, CT_NEW_FLOW);
		f->flow_id = (int64_t)i + 1;
	}
	size_t cursor = 0, seen = 0;
	int64_t sum = 0;
	struct ct_flow *f;
	while ((f = conntrack_next(ct, &cursor))) {
		seen++;
		sum += f->flow_id;
	}
	assert_int_equal(seen, n);
	assert_int_equal(sum, (int64_t)(n * (n + 1) / 2));
	conntrack_free(ct);
}

#define S 1000000000LL

static const struct ct_idle idle_300_60 = {.tcp_ns = 300 * S, .other_ns = 60 * S};

/* Every v1 record is one decision (the seed): a deny after an allow is kept. */
static void test_v1_record_is_always_a_decision(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	enum ct_outcome out;
	struct fa_event ev = event(40000, 1, 443, FA_EVENT_OPENED);
	ev.clock = FA_CLOCK_MONOTONIC;
	ev.decision_per_record = true;
	const bool deny[] = {false, true, true, false};
	const enum ct_outcome want[] = {CT_NEW_FLOW, CT_NEW_DECISION, CT_NEW_DECISION,
					CT_NEW_DECISION};
	struct ct_flow *first = NULL;
	for (int i = 0; i < 4; i++) {
		ev.deny = deny[i];
		ev.orig_packets = (uint64_t)i + 1;
		struct ct_flow *f = conntrack_record(ct, &ev, &out);
		assert_int_equal(out, want[i]);
		assert_int_equal((f->flags & CT_F_DENY) != 0, deny[i]);
		if (i == 0)
			first = f;
		assert_ptr_equal(f, first); /* one flow carries every decision */
	}
	assert_int_equal(counts(ct, first, NULL).orig_packets, 4);
	assert_int_equal(conntrack_unique_opened(ct), 1);
	conntrack_free(ct);
}

/* v2: a verdict change is a decision; a repeat of the latest verdict folds. */
static void test_verdict_change_is_a_decision(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	enum ct_outcome out;
	struct fa_event ev = event(40000, 1, 443, FA_EVENT_OPENED);
	const bool deny[] = {false, true, true, false, false};
	const enum ct_outcome want[] = {CT_NEW_FLOW, CT_NEW_DECISION, CT_DUPLICATE_OPEN,
					CT_NEW_DECISION, CT_DUPLICATE_OPEN};
	for (int i = 0; i < 5; i++) {
		ev.deny = deny[i];
		conntrack_record(ct, &ev, &out);
		assert_int_equal(out, want[i]);
	}
	/* NFLOG: more packets with the attempt's verdict are packets; a change decides. */
	struct fa_event nf = event(5000, 9, 25, FA_EVENT_OPENED);
	nf.counts_are_deltas = true;
	nf.deny = true;
	nf.orig_packets = 1;
	conntrack_record(ct, &nf, &out);
	assert_int_equal(out, CT_NEW_FLOW);
	conntrack_record(ct, &nf, &out);
	assert_int_equal(out, CT_FLOW_PACKET);
	nf.deny = false;
	struct ct_flow *f = conntrack_record(ct, &nf, &out);
	assert_int_equal(out, CT_NEW_DECISION);
	assert_int_equal(counts(ct, f, NULL).orig_packets, 3);
	conntrack_free(ct);
}

/* An open for a flow idle past its timeout, on the records' clock, ends it first. */
static void test_open_after_idle_is_a_new_flow(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	conntrack_set_idle(ct, &idle_300_60);
	enum ct_outcome out;
	struct fa_event ev = event(40000, 1, 443, FA_EVENT_OPENED);
	ev.clock = FA_CLOCK_MONOTONIC; /* a flow the recorder counts itself */
	ev.first_seen_kns = ev.last_seen_kns = 1 * S;
	struct ct_flow *f = conntrack_record(ct, &ev, &out);
	assert_int_equal(out, CT_NEW_FLOW);
	ev.first_seen_kns = ev.last_seen_kns = 200 * S; /* 199 s later: still the flow */
	assert_ptr_equal(conntrack_record(ct, &ev, &out), f);
	assert_int_equal(out, CT_DUPLICATE_OPEN);
	ev.first_seen_kns = ev.last_seen_kns = 500 * S; /* exactly 300 s idle: ended */
	ev.orig_packets = 99;
	assert_ptr_equal(conntrack_record(ct, &ev, &out), f);
	assert_int_equal(out, CT_IDLE_REOPEN);
	assert_int_equal(f->last_seen_kns, 200 * S); /* nothing applied */
	assert_int_not_equal(counts(ct, f, NULL).orig_packets, 99);
	conntrack_remove(ct, f);
	conntrack_record(ct, &ev, &out);
	assert_int_equal(out, CT_NEW_FLOW);
	assert_int_equal(conntrack_unique_opened(ct), 2);
	/* UDP uses the other timeout; a close is never a reopen. */
	struct fa_event u = event(5353, 2, 53, FA_EVENT_OPENED);
	u.protocol = 17;
	u.first_seen_kns = u.last_seen_kns = 1 * S;
	conntrack_record(ct, &u, &out);
	u.first_seen_kns = u.last_seen_kns = 61 * S;
	conntrack_record(ct, &u, &out);
	assert_int_equal(out, CT_IDLE_REOPEN);
	u.kind = FA_EVENT_CLOSED;
	conntrack_record(ct, &u, &out);
	assert_int_equal(out, CT_CLOSE);
	conntrack_free(ct);
}

static bool brute_idle(const struct ct_flow *f, int64_t now)
{
	return now - f->last_seen_kns >= (f->protocol == 6 ? 300 * S : 60 * S);
}

/*
 * conntrack_expired against a brute-force scan: random flows on both clocks
 * (local ones, and kernel-tracked v2 ones that it never offers), seen again at
 * random later times, some closed; at each "now" it hands out exactly the
 * idle local flows of that clock, in chunks.
 */
static void test_expired_matches_a_full_scan(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	conntrack_set_idle(ct, &idle_300_60);
	enum ct_outcome out;
	uint32_t rng = 12345;
	const int n = 3000;
	for (int i = 0; i < n; i++) {
		rng = rng * 1664525u + 1013904223u;
		struct fa_event ev = event((uint16_t)i, (uint8_t)(i % 250), (uint16_t)(i / 250),
					   FA_EVENT_OPENED);
		ev.protocol = rng & 1 ? 6 : 17;
		ev.clock = rng & 2 ? FA_CLOCK_MONOTONIC : FA_CLOCK_BOOTTIME;
		ev.counts_are_deltas = ev.clock == FA_CLOCK_BOOTTIME && (rng & 4); /* NFLOG */
		ev.first_seen_kns = ev.last_seen_kns = (int64_t)(rng >> 8) % (400 * S);
		struct ct_flow *f = conntrack_record(ct, &ev, &out);
		assert_int_equal(out, CT_NEW_FLOW);
		f->flow_id = i;
		if (rng & 8) { /* seen again later, with a new packet */
			ev.first_seen_kns = ev.last_seen_kns =
				f->last_seen_kns + (int64_t)(rng >> 12) % (200 * S);
			conntrack_record(ct, &ev, &out);
		}
		if ((rng & 0x30) == 0x30)
			conntrack_remove(ct, f);
	}
	size_t total = 0;
	for (int64_t now = 100 * S; now <= 900 * S; now += 200 * S) {
		for (int clock = 0; clock < 2; clock++) {
			size_t want = 0, cursor = 0;
			struct ct_flow *f;
			while ((f = conntrack_next(ct, &cursor)))
				want += !(f->flags & CT_F_KERNEL_TRACKED) &&
					(int)f->clock == clock && brute_idle(f, now);
			size_t got = 0, k;
			struct ct_flow *chunk[100];
			while ((k = conntrack_expired(ct, (enum fa_clock)clock, now, chunk, 100)) >
			       0) {
				for (size_t i = 0; i < k; i++) {
					assert_false(chunk[i]->flags & CT_F_KERNEL_TRACKED);
					assert_int_equal(chunk[i]->clock, clock);
					assert_true(brute_idle(chunk[i], now));
					conntrack_remove(ct, chunk[i]);
				}
				got += k;
			}
			assert_int_equal(got, want);
			total += got;
		}
	}
	assert_true(total > (size_t)n / 4); /* the check saw real work */
	size_t cursor = 0;
	struct ct_flow *f;
	while ((f = conntrack_next(ct, &cursor)))
		assert_true(f->flags & CT_F_KERNEL_TRACKED); /* every local flow is idle by 900 s */
	conntrack_free(ct);
}

/*
 * Removal in the middle of probe runs, against a brute-force model: IPv4 and
 * IPv6 flows on a small table, opened, removed at random and opened again;
 * every open flow is found (a repeated open returns its entry), every
 * removed one is new again, and entries never move while they are open.
 */
static void test_remove_keeps_every_other_flow_findable(void **state)
{
	(void)state;
	enum {
		N = 4000
	};
	static struct ct_flow *open[N];
	struct conntrack *ct = conntrack_new();
	enum ct_outcome out;
	uint32_t rng = 777;
	size_t live = 0;
	for (int round = 0; round < 12; round++) {
		for (int i = 0; i < N; i++) {
			rng = rng * 1664525u + 1013904223u;
			struct fa_event ev =
				event((uint16_t)i, (uint8_t)(i % 7), 80, FA_EVENT_OPENED);
			if (i % 3 == 0) { /* IPv6 */
				uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)i};
				ev.family = 6;
				fa_addr_from_v6_bytes(a, &ev.dst);
				a[15] = 1;
				fa_addr_from_v6_bytes(a, &ev.src);
			}
			if (open[i] && (rng & 3) == 0) {
				conntrack_remove(ct, open[i]);
				open[i] = NULL;
				live--;
			} else if (!open[i] && (rng & 1)) {
				open[i] = conntrack_record(ct, &ev, &out);
				assert_int_equal(out, CT_NEW_FLOW);
				live++;
			} else if (open[i]) {
				assert_ptr_equal(conntrack_record(ct, &ev, &out), open[i]);
				assert_int_equal(out, CT_DUPLICATE_OPEN);
			}
		}
		assert_int_equal(conntrack_count(ct), live);
	}
	size_t cursor = 0, seen = 0;
	while (conntrack_next(ct, &cursor))
		seen++;
	assert_int_equal(seen, live);
	assert_true(live > N / 4);
	conntrack_free(ct);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_reports_zero),
		cmocka_unit_test(test_opened_increments_count),
		cmocka_unit_test(test_duplicate_opened_is_idempotent),
		cmocka_unit_test(test_distinct_flows_count_independently),
		cmocka_unit_test(test_closed_without_open_counts_nothing),
		cmocka_unit_test(test_closed_after_opened_preserves_count),
		cmocka_unit_test(test_reverse_direction_is_same_flow),
		cmocka_unit_test(test_deltas_add_snapshots_replace),
		cmocka_unit_test(test_untracked_flow_is_a_flow_of_its_own),
		cmocka_unit_test(test_grows_and_iterates_every_flow),
		cmocka_unit_test(test_v1_record_is_always_a_decision),
		cmocka_unit_test(test_verdict_change_is_a_decision),
		cmocka_unit_test(test_open_after_idle_is_a_new_flow),
		cmocka_unit_test(test_expired_matches_a_full_scan),
		cmocka_unit_test(test_remove_keeps_every_other_flow_findable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
