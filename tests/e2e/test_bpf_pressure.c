/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tc program under pressure (bpf/flow_pressure.h), run in the kernel with
 * BPF_PROG_TEST_RUN on hand-built IPv4 frames, each test with its own small
 * table, ring and budgets: opens deferred by the budgets and promoted by a
 * reply, a full table evicting its oldest idle entry with a closed record,
 * deferred victims counted in one summary, untracked records, summaries and
 * their coarse fallback, fail-closed drops, a flush that waits for room in
 * the ring, a lingering TCP flow evicted with its close, and the accounting
 * identities between the counters and the
 * records. Privileged: exits 77 (skip) when it cannot load BPF, or fails under
 * FLOWAUDIT_REQUIRE_BPF=1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "conn_record_v3.h"
#include "flow_counters.h"
#include "flow_table.h"
#include "flowaudit.skel.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECS 8192
#define HOUR_NS (3600ull * 1000 * 1000 * 1000)

static struct flowaudit_bpf *skel;
static struct ring_buffer *rb;
static struct conn_record_v3 *recs;
static size_t nrecs;

struct config {
	uint32_t table; /* flow-table entries */
	uint32_t ring; /* ring-buffer bytes; 0: default */
	uint32_t first, cls, promote; /* budgets per interval (one hour here) */
	bool no_clock; /* nothing evictable */
	bool fail_closed;
	bool protect; /* keep the default protection of recently active reported flows */
};

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	assert_int_equal(size, sizeof(struct conn_record_v3));
	assert_true(nrecs < MAX_RECS);
	memcpy(&recs[nrecs++], data, sizeof(recs[0]));
	return 0;
}

static void load(const struct config *c)
{
	nrecs = 0;
	skel = flowaudit_bpf__open();
	assert_non_null(skel);
	skel->rodata->budget_first = c->first;
	skel->rodata->budget_class = c->cls;
	skel->rodata->budget_promote = c->promote;
	skel->rodata->budget_interval_ns = HOUR_NS; /* no new interval during a test */
	if (!c->protect)
		skel->rodata->evict_protect_ns = 0;
	skel->rodata->fail_closed = c->fail_closed;
	skel->rodata->clock_slots = c->no_clock ? 0 : c->table;
	assert_int_equal(bpf_map__set_max_entries(skel->maps.FLOW_TABLE, c->table), 0);
	assert_int_equal(
		bpf_map__set_max_entries(skel->maps.FLOW_CLOCK, FLOW_CLOCK_PER_ENTRY * c->table),
		0);
	if (c->ring)
		assert_int_equal(bpf_map__set_max_entries(skel->maps.CONN_EVENTS, c->ring), 0);
	assert_int_equal(flowaudit_bpf__load(skel), 0);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.CONN_EVENTS), on_record, NULL, NULL);
	assert_non_null(rb);
}

static int teardown(void **state)
{
	(void)state;
	ring_buffer__free(rb);
	flowaudit_bpf__destroy(skel);
	rb = NULL;
	skel = NULL;
	return 0;
}

/*
 * Run one IPv4 frame (UDP, or TCP with flags) through the egress (src is the
 * cell) or ingress program; returns the tc action. consume: read the ring.
 */
static int run_ip4(bool egress, uint8_t proto, const char *src, uint16_t sport, const char *dst,
		   uint16_t dport, uint8_t tcp_flags, size_t payload, bool consume)
{
	uint8_t f[14 + 20 + 20 + 256] = {0};
	size_t l4 = proto == 6 ? 20 : 8, len = 14 + 20 + l4 + payload;
	uint8_t *ip = f + 14, *th = ip + 20;
	struct __sk_buff ctx = {0};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f, .data_size_in = (__u32)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	assert_true(payload <= 256);
	f[12] = 0x08; /* IPv4 */
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + l4 + payload) >> 8);
	ip[3] = (uint8_t)(20 + l4 + payload);
	ip[8] = 64;
	ip[9] = proto;
	assert_int_equal(inet_pton(AF_INET, src, ip + 12), 1);
	assert_int_equal(inet_pton(AF_INET, dst, ip + 16), 1);
	th[0] = (uint8_t)(sport >> 8);
	th[1] = (uint8_t)sport;
	th[2] = (uint8_t)(dport >> 8);
	th[3] = (uint8_t)dport;
	if (proto == 6) {
		th[12] = 5 << 4;
		th[13] = tcp_flags;
	} else {
		th[5] = (uint8_t)(8 + payload);
	}
	assert_int_equal(
		bpf_prog_test_run_opts(bpf_program__fd(egress ? skel->progs.flowaudit_tc_egress
							      : skel->progs.flowaudit_tc_ingress),
				       &opts),
		0);
	if (consume)
		ring_buffer__consume(rb);
	return (int)opts.retval;
}

/* One UDP datagram from the cell (10.0.0.2:sport) to dst:dport; must pass. */
static void out_udp(uint16_t sport, const char *dst, uint16_t dport, size_t payload)
{
	assert_int_equal(run_ip4(true, 17, "10.0.0.2", sport, dst, dport, 0, payload, true),
			 TC_ACT_UNSPEC);
}

/* Run the flush program; returns its result (1: the ring filled). */
static int flush(bool consume)
{
	uint8_t pkt[14] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));

	assert_int_equal(
		bpf_prog_test_run_opts(bpf_program__fd(skel->progs.flowaudit_flush), &opts), 0);
	if (consume)
		ring_buffer__consume(rb);
	return (int)opts.retval;
}

static uint64_t counter(enum flow_counter c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v = calloc((size_t)ncpu, sizeof(*v)), sum = 0;
	uint32_t k = c;

	assert_non_null(v);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.FLOW_COUNTERS), &k, v), 0);
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	free(v);
	return sum;
}

static void addr_is(const uint8_t *a, const char *text)
{
	uint8_t want[16] = {0};

	assert_int_equal(inet_pton(AF_INET, text, want), 1);
	assert_memory_equal(a, want, 16);
}

/* Records of one kind since index from; their flow_count summed into *flows. */
static size_t kind_count(uint8_t kind, size_t from, uint64_t *flows)
{
	size_t n = 0;

	if (flows)
		*flows = 0;
	for (size_t i = from; i < nrecs; i++) {
		if (recs[i].kind != kind)
			continue;
		n++;
		if (flows)
			*flows += recs[i].flow_count;
	}
	return n;
}

static void test_budgets_defer_and_a_reply_promotes(void **state)
{
	const struct config c = {.table = 64, .first = 3, .cls = 2, .promote = 1};

	(void)state;
	load(&c);
	out_udp(1000, "10.9.9.9", 53, 10);
	out_udp(1001, "10.9.9.9", 53, 10);
	out_udp(1002, "10.9.9.9", 53, 10); /* its class has spent its 2 */
	assert_int_equal(nrecs, 2);
	out_udp(1003, "10.8.8.8", 53, 10); /* another class: the global budget's 3rd */
	out_udp(1004, "10.7.7.7", 53, 10); /* the global budget is spent */
	assert_int_equal(nrecs, 3);
	assert_int_equal(counter(FLOW_COUNTER_DEFERRED_OPENS), 2);
	for (size_t i = 0; i < nrecs; i++) {
		assert_int_equal(recs[i].kind, CONN_KIND_OPENED);
		assert_int_equal(recs[i].flags, 0);
	}

	/* the originator again: the first budgets are still spent */
	out_udp(1002, "10.9.9.9", 53, 20);
	assert_int_equal(nrecs, 3);
	/* the responder answers: promoted, with every packet so far */
	assert_int_equal(run_ip4(false, 17, "10.9.9.9", 53, "10.0.0.2", 1002, 0, 30, true),
			 TC_ACT_UNSPEC);
	assert_int_equal(nrecs, 4);
	assert_int_equal(recs[3].kind, CONN_KIND_OPENED);
	assert_int_equal(recs[3].flags, CONN_FLAG_DEFERRED);
	assert_int_equal(recs[3].src_port, 1002);
	assert_int_equal(recs[3].dst_port, 53);
	assert_int_equal(recs[3].direction, CONN_DIR_EGRESS);
	assert_int_equal(recs[3].orig_packets, 2);
	assert_int_equal(recs[3].orig_bytes, (28 + 10) + (28 + 20));
	assert_int_equal(recs[3].resp_packets, 1);
	assert_int_equal(recs[3].resp_bytes, 28 + 30);
	assert_true(recs[3].last_seen_ns > recs[3].first_seen_ns);
	assert_int_equal(counter(FLOW_COUNTER_PROMOTED), 1);
	/* the promotion budget (1) is spent: the other deferred flow waits */
	assert_int_equal(run_ip4(false, 17, "10.7.7.7", 53, "10.0.0.2", 1004, 0, 0, true),
			 TC_ACT_UNSPEC);
	assert_int_equal(nrecs, 4);
	assert_int_equal(counter(FLOW_COUNTER_EVICTED), 0);
	assert_int_equal(counter(FLOW_COUNTER_UNTRACKED), 0);
}

static void test_full_table_evicts_oldest_idle_with_close(void **state)
{
	const struct config c = {.table = 4, .first = 100, .cls = 100, .promote = 100};

	(void)state;
	load(&c);
	for (uint16_t p = 2001; p <= 2004; p++)
		out_udp(p, "10.9.9.9", 53, 50);
	out_udp(2001, "10.9.9.9", 53, 50); /* 2001 is active: it gets a second chance */
	assert_int_equal(nrecs, 4);
	out_udp(2005, "10.9.9.9", 53, 0);
	assert_int_equal(nrecs, 6);
	assert_int_equal(recs[4].kind, CONN_KIND_CLOSED);
	assert_int_equal(recs[4].close_reason, CONN_CLOSE_EVICTED);
	assert_int_equal(recs[4].src_port, 2002);
	assert_int_equal(recs[4].orig_packets, 1);
	assert_int_equal(recs[4].orig_bytes, 28 + 50);
	assert_true(recs[4].closed_ns >= recs[4].last_seen_ns);
	assert_int_equal(recs[5].kind, CONN_KIND_OPENED);
	assert_int_equal(recs[5].src_port, 2005);
	assert_int_equal(counter(FLOW_COUNTER_EVICTED), 1);

	/* the next eviction takes 2003; 2001 was passed over once and is idle now */
	out_udp(2006, "10.9.9.9", 53, 0);
	out_udp(2007, "10.9.9.9", 53, 0);
	assert_int_equal(nrecs, 10);
	assert_int_equal(recs[6].src_port, 2003);
	assert_int_equal(recs[8].src_port, 2004);
	out_udp(2008, "10.9.9.9", 53, 0);
	assert_int_equal(recs[10].kind, CONN_KIND_CLOSED);
	assert_int_equal(recs[10].src_port, 2001);
	assert_int_equal(recs[10].orig_packets, 2);
	assert_int_equal(counter(FLOW_COUNTER_EVICTED), 4);
	assert_int_equal(counter(FLOW_COUNTER_UNTRACKED), 0);
	assert_int_equal(counter(FLOW_COUNTER_DEFERRED_OPENS), 0);
}

static void test_recently_active_reported_flows_are_not_evicted(void **state)
{
	const struct config c = {
		.table = 4, .first = 100, .cls = 100, .promote = 100, .protect = true};

	(void)state;
	load(&c);
	for (uint16_t p = 2101; p <= 2104; p++)
		out_udp(p, "10.9.9.9", 53, 0);
	out_udp(2105, "10.9.9.9", 53, 0); /* all four were active just now */
	assert_int_equal(nrecs, 5);
	assert_int_equal(recs[4].kind, CONN_KIND_UNTRACKED);
	assert_int_equal(recs[4].src_port, 2105);
	assert_int_equal(counter(FLOW_COUNTER_EVICTED), 0);
	assert_int_equal(counter(FLOW_COUNTER_UNTRACKED), 1);
}

static void test_deferred_victims_go_to_one_summary(void **state)
{
	const struct config c = {.table = 4, .first = 0, .cls = 0, .promote = 0};
	char dst[32];

	(void)state;
	load(&c);
	for (int i = 1; i <= 10; i++) {
		snprintf(dst, sizeof(dst), "10.9.9.%d", i);
		out_udp((uint16_t)(3000 + i), dst, 53, 100);
	}
	assert_int_equal(nrecs, 0);
	assert_int_equal(counter(FLOW_COUNTER_DEFERRED_OPENS), 10);
	assert_int_equal(counter(FLOW_COUNTER_EVICTED), 6);
	assert_int_equal(counter(FLOW_COUNTER_AGGREGATED), 6);
	assert_int_equal(flush(true), 0);
	assert_int_equal(nrecs, 1);
	assert_int_equal(recs[0].kind, CONN_KIND_SUMMARY);
	assert_int_equal(recs[0].flow_count, 6);
	assert_int_equal(recs[0].prefix_len, 24);
	addr_is(recs[0].dst_addr, "10.9.9.0");
	addr_is(recs[0].src_addr, "0.0.0.0");
	assert_int_equal(recs[0].src_port, 0);
	assert_int_equal(recs[0].dst_port, 53);
	assert_int_equal(recs[0].flags, 0);
	assert_int_equal(recs[0].protocol, 17);
	assert_int_equal(recs[0].direction, CONN_DIR_EGRESS);
	assert_int_equal(recs[0].verdict, CONN_VERDICT_ALLOW);
	assert_int_equal(recs[0].orig_packets, 6);
	assert_int_equal(recs[0].orig_bytes, 6 * (28 + 100));
	assert_int_equal(recs[0].resp_packets, 0);
	assert_true(recs[0].first_seen_ns > 0 && recs[0].first_seen_ns < recs[0].last_seen_ns);
	assert_int_equal(recs[0].closed_ns, 0);
	assert_int_equal(flush(true), 0); /* emptied: nothing more */
	assert_int_equal(nrecs, 1);
}

static void test_untracked_record_when_nothing_is_evictable(void **state)
{
	const struct config c = {
		.table = 2, .first = 100, .cls = 100, .promote = 100, .no_clock = true};

	(void)state;
	load(&c);
	out_udp(4001, "10.9.9.9", 53, 0);
	out_udp(4002, "10.9.9.9", 53, 0);
	out_udp(4003, "10.9.9.9", 53, 40);
	assert_int_equal(nrecs, 3);
	assert_int_equal(recs[2].kind, CONN_KIND_UNTRACKED);
	assert_int_equal(recs[2].src_port, 4003);
	assert_int_equal(recs[2].orig_packets, 1);
	assert_int_equal(recs[2].orig_bytes, 28 + 40);
	assert_int_equal(recs[2].flow_count, 0);
	/* each packet of an untracked flow is reported on its own */
	out_udp(4003, "10.9.9.9", 53, 40);
	assert_int_equal(nrecs, 4);
	assert_int_equal(recs[3].kind, CONN_KIND_UNTRACKED);
	assert_int_equal(counter(FLOW_COUNTER_UNTRACKED), 2);
	assert_int_equal(counter(FLOW_COUNTER_EVICTED), 0);
	assert_int_equal(counter(FLOW_COUNTER_TABLE_FULL), 0);
}

/*
 * Untracked flows over budget, each to its own /24: each takes a class slot
 * until two classes share one (by 4097 classes at the latest, there being
 * 4096 slots). Returns how many flows were sent; *shot_at is the index of
 * the first one dropped (or -1).
 */
static int untracked_classes(int *shot_at)
{
	char dst[32];
	int i;

	*shot_at = -1;
	out_udp(5000, "10.200.0.1", 53, 0); /* takes the one table entry and the budget */
	for (i = 0; i <= 4096; i++) {
		snprintf(dst, sizeof(dst), "10.%d.%d.1", 100 + i / 256, i % 256);
		if (run_ip4(true, 17, "10.0.0.2", 5001, dst, 53, 0, 0, true) == TC_ACT_SHOT) {
			*shot_at = i;
			return i + 1;
		}
	}
	return i;
}

static void test_untracked_flows_summarised_with_a_coarse_fallback(void **state)
{
	const struct config c = {.table = 1, .first = 1, .cls = 1, .promote = 0, .no_clock = true};
	uint64_t flows = 0;
	size_t coarse = 0;
	int shot, sent;

	(void)state;
	load(&c);
	sent = untracked_classes(&shot);
	assert_int_equal(shot, -1); /* fail-open: nothing dropped */
	assert_int_equal(nrecs, 1);
	assert_int_equal(counter(FLOW_COUNTER_UNTRACKED), (uint64_t)sent);
	assert_int_equal(counter(FLOW_COUNTER_AGGREGATED), (uint64_t)sent);
	assert_int_equal(flush(true), 0);
	assert_int_equal(kind_count(CONN_KIND_SUMMARY, 1, &flows), nrecs - 1);
	assert_int_equal(flows, (uint64_t)sent);
	for (size_t i = 1; i < nrecs; i++) {
		if (recs[i].prefix_len == 0) {
			coarse++;
			assert_int_equal(recs[i].flags, CONN_FLAG_ANY_PORT);
			assert_int_equal(recs[i].dst_port, 0);
			addr_is(recs[i].dst_addr, "0.0.0.0");
			assert_true(recs[i].flow_count >= 1);
		} else {
			assert_int_equal(recs[i].prefix_len, 24);
			assert_int_equal(recs[i].dst_port, 53);
			assert_int_equal(recs[i].dst_addr[3], 0);
			assert_int_equal(recs[i].flow_count, 1);
		}
	}
	assert_int_equal(coarse, 1); /* the classes that found their slot taken share one */
	assert_int_equal(counter(FLOW_COUNTER_FAIL_CLOSED), 0);
}

static void test_fail_closed_drops_what_only_the_coarse_slot_takes(void **state)
{
	const struct config c = {.table = 1,
				 .first = 1,
				 .cls = 1,
				 .promote = 0,
				 .no_clock = true,
				 .fail_closed = true};
	uint64_t flows = 0;
	int shot, sent;

	(void)state;
	load(&c);
	sent = untracked_classes(&shot);
	assert_true(shot >= 1 && shot <= 4096);
	assert_int_equal(sent, shot + 1);
	assert_int_equal(counter(FLOW_COUNTER_FAIL_CLOSED), 1);
	assert_int_equal(counter(FLOW_COUNTER_UNTRACKED), (uint64_t)shot);
	assert_int_equal(counter(FLOW_COUNTER_AGGREGATED), (uint64_t)shot);
	assert_int_equal(flush(true), 0);
	assert_int_equal(kind_count(CONN_KIND_SUMMARY, 1, &flows), (size_t)shot);
	assert_int_equal(flows, (uint64_t)shot); /* all in their own class: none coarse */
	for (size_t i = 1; i < nrecs; i++)
		assert_int_equal(recs[i].prefix_len, 24);
	/* a flow whose class has its slot passes */
	assert_int_equal(run_ip4(true, 17, "10.0.0.2", 5002, "10.100.0.7", 53, 0, 0, true),
			 TC_ACT_UNSPEC);
	/* a tracked flow is never dropped: its own table entry */
	assert_int_equal(run_ip4(true, 17, "10.0.0.2", 5000, "10.200.0.1", 53, 0, 0, true),
			 TC_ACT_UNSPEC);
}

static void test_flush_waits_for_room_in_the_ring(void **state)
{
	/* a 4 KiB ring holds 34 records of 112 + 8 bytes */
	const struct config c = {
		.table = 1, .ring = 4096, .first = 1, .cls = 1, .promote = 0, .no_clock = true};
	uint64_t flows = 0, total = 0;

	(void)state;
	load(&c);
	out_udp(6000, "10.9.9.9", 53, 0);
	for (uint16_t p = 0; p < 60; p++)
		out_udp(6001, "10.9.9.9", (uint16_t)(7000 + p), 0); /* 60 classes (ports) */
	assert_int_equal(counter(FLOW_COUNTER_AGGREGATED), 60);
	nrecs = 0;
	assert_int_equal(flush(false), 1); /* the ring filled */
	ring_buffer__consume(rb);
	assert_true(nrecs > 0 && nrecs < 60);
	kind_count(CONN_KIND_SUMMARY, 0, &total);
	assert_int_equal(flush(true), 0);
	kind_count(CONN_KIND_SUMMARY, 0, &flows);
	assert_true(flows > total);
	assert_int_equal(flows, 60); /* each flow in exactly one summary */
	assert_true(counter(FLOW_COUNTER_RING_DEFERRED) >= 1);
}

static void test_ring_full_defers_the_open_to_the_next_packet(void **state)
{
	const struct config c = {
		.table = 64, .ring = 4096, .first = 100, .cls = 100, .promote = 100};
	size_t before;

	(void)state;
	load(&c);
	for (uint16_t p = 0; p < 40; p++) /* more opens than the ring holds, unread */
		assert_int_equal(run_ip4(true, 17, "10.0.0.2", (uint16_t)(8000 + p), "10.9.9.9", 53,
					 0, 0, false),
				 TC_ACT_UNSPEC);
	ring_buffer__consume(rb);
	before = nrecs;
	assert_true(before < 40);
	assert_int_equal(counter(FLOW_COUNTER_DEFERRED_OPENS), 40 - before);
	assert_int_equal(counter(FLOW_COUNTER_RING_DEFERRED), 40 - before);
	assert_int_equal(counter(FLOW_COUNTER_RINGBUF_DROPS), 0);
	/* the last one's next packet finds room */
	out_udp(8039, "10.9.9.9", 53, 0);
	assert_int_equal(nrecs, before + 1);
	assert_int_equal(recs[before].kind, CONN_KIND_OPENED);
	assert_int_equal(recs[before].flags, CONN_FLAG_DEFERRED);
	assert_int_equal(recs[before].src_port, 8039);
	assert_int_equal(recs[before].orig_packets, 2);
}

static void test_lingering_flow_is_evicted_with_its_close(void **state)
{
	const struct config c = {.table = 1, .first = 100, .cls = 100, .promote = 100};
	static const struct {
		bool out;
		uint8_t flags;
	} conv[] = {{true, 0x02}, {false, 0x12}, {true, 0x10},
		    {true, 0x11}, {false, 0x11}, {true, 0x10}};

	(void)state;
	load(&c);
	for (size_t i = 0; i < sizeof(conv) / sizeof(conv[0]); i++)
		assert_int_equal(conv[i].out ? run_ip4(true, 6, "10.0.0.2", 40001, "10.9.9.9", 80,
						       conv[i].flags, 0, true)
					     : run_ip4(false, 6, "10.9.9.9", 80, "10.0.0.2", 40001,
						       conv[i].flags, 0, true),
				 TC_ACT_UNSPEC);
	assert_int_equal(nrecs, 1); /* the close leaves when the linger ends */
	out_udp(9000, "10.9.9.9", 53, 0); /* the linger ends early: its close now */
	assert_int_equal(nrecs, 3);
	assert_int_equal(recs[1].kind, CONN_KIND_CLOSED);
	assert_int_equal(recs[1].close_reason, CONN_CLOSE_TCP_FIN);
	assert_int_equal(recs[1].orig_packets, 4);
	assert_int_equal(recs[1].resp_packets, 2);
	assert_true(recs[1].closed_ns < recs[2].first_seen_ns); /* the close's own time */
	assert_int_equal(recs[2].kind, CONN_KIND_OPENED);
	assert_int_equal(recs[2].src_port, 9000);
	assert_int_equal(counter(FLOW_COUNTER_EVICTED), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_budgets_defer_and_a_reply_promotes, teardown),
		cmocka_unit_test_teardown(test_full_table_evicts_oldest_idle_with_close, teardown),
		cmocka_unit_test_teardown(test_recently_active_reported_flows_are_not_evicted,
					  teardown),
		cmocka_unit_test_teardown(test_deferred_victims_go_to_one_summary, teardown),
		cmocka_unit_test_teardown(test_untracked_record_when_nothing_is_evictable,
					  teardown),
		cmocka_unit_test_teardown(test_untracked_flows_summarised_with_a_coarse_fallback,
					  teardown),
		cmocka_unit_test_teardown(test_fail_closed_drops_what_only_the_coarse_slot_takes,
					  teardown),
		cmocka_unit_test_teardown(test_flush_waits_for_room_in_the_ring, teardown),
		cmocka_unit_test_teardown(test_ring_full_defers_the_open_to_the_next_packet,
					  teardown),
		cmocka_unit_test_teardown(test_lingering_flow_is_evicted_with_its_close, teardown),
	};
	struct flowaudit_bpf *probe;
	const char *req = getenv("FLOWAUDIT_REQUIRE_BPF");
	int rc;

	libbpf_set_print(NULL);
	probe = flowaudit_bpf__open_and_load();
	if (!probe) {
		fprintf(stderr, "cannot load the BPF program here (root? BPF?): %s\n",
			strerror(errno));
		return req && strcmp(req, "1") == 0 ? 1 : 77;
	}
	flowaudit_bpf__destroy(probe);
	recs = calloc(MAX_RECS, sizeof(*recs));
	if (!recs)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(recs);
	return rc;
}
