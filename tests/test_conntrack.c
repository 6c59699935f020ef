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
	assert_int_equal(f->orig_packets, 5);
	assert_int_equal(f->orig_bytes, 500);
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
	assert_int_equal(f->orig_packets, 3);
	assert_int_equal(f->orig_bytes, 180);
	assert_false(f->kernel_tracked);

	struct fa_event snap = event(2, 9, 53, FA_EVENT_OPENED);
	snap.orig_packets = 4;
	f = conntrack_record(ct, &snap, &out);
	snap.orig_packets = 2; /* an older snapshot never lowers a counter */
	f = conntrack_record(ct, &snap, &out);
	assert_int_equal(f->orig_packets, 4);
	assert_true(f->kernel_tracked);
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
		cmocka_unit_test(test_grows_and_iterates_every_flow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
