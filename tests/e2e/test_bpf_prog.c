/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet-level tests of the built-in tc program (bpf/flowaudit.bpf.c), run in
 * the kernel with BPF_PROG_TEST_RUN on hand-built frames: VLAN tags, IPv4
 * options, IPv6 extension headers, fragments, truncated and non-IP frames,
 * GSO accounting, the TCP close paths (FIN/FIN/ACK, RST), the linger that
 * counts teardown packets until the close is emitted and a new SYN that
 * reopens, midstream continuation, ICMP echo sessions and errors, fragments
 * matched to their first fragment's flow, and the normalised key (both
 * directions are one flow). Privileged: exits 77 (skip) when it cannot
 * load BPF, or fails under FLOWAUDIT_REQUIRE_BPF=1.
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
#include <unistd.h>

#define MAX_RECS 64

static struct flowaudit_bpf *skel;
static struct ring_buffer *rb;
static struct conn_record_v3 recs[MAX_RECS];
static size_t nrecs;

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	assert_int_equal(size, sizeof(struct conn_record_v3));
	assert_true(nrecs < MAX_RECS);
	memcpy(&recs[nrecs++], data, sizeof(recs[0]));
	return 0;
}

/* A frame under construction. */
struct frame {
	uint8_t b[2048];
	size_t len;
};

static void put(struct frame *f, const void *p, size_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void put16(struct frame *f, uint16_t v)
{
	v = htons(v);
	put(f, &v, 2);
}

static void eth(struct frame *f, int vlans, uint16_t proto)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};

	f->len = 0;
	put(f, macs, sizeof(macs));
	for (int i = 0; i < vlans; i++) {
		put16(f, i == 0 && vlans == 2 ? 0x88A8 : 0x8100);
		put16(f, (uint16_t)(100 + i));
	}
	put16(f, proto);
}

/* IPv4 header with opt_words 32-bit option words; l4len bytes follow. */
static void ipv4(struct frame *f, uint8_t proto, const char *src, const char *dst, int opt_words,
		 size_t l4len, uint16_t frag)
{
	uint8_t h[60] = {0};
	size_t hl = 20 + 4 * (size_t)opt_words;

	h[0] = (uint8_t)(0x40 | (hl / 4));
	h[2] = (uint8_t)((hl + l4len) >> 8);
	h[3] = (uint8_t)(hl + l4len);
	h[6] = (uint8_t)(frag >> 8);
	h[7] = (uint8_t)frag;
	h[8] = 64;
	h[9] = proto;
	inet_pton(AF_INET, src, h + 12);
	inet_pton(AF_INET, dst, h + 16);
	for (size_t i = 20; i < hl; i++)
		h[i] = 1; /* NOP options */
	put(f, h, hl);
}

/* IPv6 header; payload_len covers the extension headers and L4. */
static void ipv6(struct frame *f, uint8_t nexthdr, const char *src, const char *dst,
		 size_t payload_len)
{
	uint8_t h[40] = {0x60};

	h[4] = (uint8_t)(payload_len >> 8);
	h[5] = (uint8_t)payload_len;
	h[6] = nexthdr;
	h[7] = 64;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
	put(f, h, sizeof(h));
}

static void udp(struct frame *f, uint16_t sport, uint16_t dport, size_t payload)
{
	uint8_t z[256] = {0};

	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + payload));
	put16(f, 0);
	put(f, z, payload);
}

#define SYN 0x02
#define FIN 0x01
#define RST 0x04
#define ACK 0x10

static void tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags, size_t payload)
{
	uint8_t h[20] = {0}, z[1500] = {0};

	h[0] = (uint8_t)(sport >> 8);
	h[1] = (uint8_t)sport;
	h[2] = (uint8_t)(dport >> 8);
	h[3] = (uint8_t)dport;
	h[12] = 5 << 4;
	h[13] = flags;
	put(f, h, sizeof(h));
	put(f, z, payload);
}

/* Run one frame through the egress (cell -> out) or ingress program. */
static void run_gso(const struct frame *f, bool egress, uint32_t gso_segs)
{
	struct __sk_buff ctx = {.gso_segs = gso_segs};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b, .data_size_in = (__u32)f->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	int fd = bpf_program__fd(egress ? skel->progs.flowaudit_tc_egress
					: skel->progs.flowaudit_tc_ingress);

	if (bpf_prog_test_run_opts(fd, &opts) != 0)
		fail_msg("test run of a %zu-byte frame (ethertype %02x%02x): %s", f->len, f->b[12],
			 f->b[13], strerror(errno));
	assert_int_equal((int)opts.retval, TC_ACT_UNSPEC);
	ring_buffer__consume(rb);
}

static void run(const struct frame *f, bool egress)
{
	run_gso(f, egress, 0);
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

static int setup(void **state)
{
	(void)state;
	nrecs = 0;
	skel = flowaudit_bpf__open_and_load();
	assert_non_null(skel);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.CONN_EVENTS), on_record, NULL, NULL);
	assert_non_null(rb);
	return 0;
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

static void addr_is(const uint8_t *a, int family, const char *text)
{
	uint8_t want[16] = {0};

	inet_pton(family == 4 ? AF_INET : AF_INET6, text, want);
	assert_memory_equal(a, want, 16);
}

/* The one FLOW_TABLE entry of a test (tests open a single flow at a time). */
static void only_flow(struct flow_key *k, struct flow_value *v)
{
	int fd = bpf_map__fd(skel->maps.FLOW_TABLE);

	assert_int_equal(bpf_map_get_next_key(fd, NULL, k), 0);
	assert_int_equal(bpf_map_lookup_elem(fd, k, v), 0);
}

static void test_vlan_ipv4_options_udp(void **state)
{
	struct frame f;

	(void)state;
	eth(&f, 2, 0x0800);
	ipv4(&f, 17, "10.0.0.2", "10.0.0.1", 2, 8 + 100, 0);
	udp(&f, 40000, 53, 100);
	run(&f, true);
	assert_int_equal(nrecs, 1);
	assert_int_equal(recs[0].kind, CONN_KIND_OPENED);
	assert_int_equal(recs[0].family, 4);
	assert_int_equal(recs[0].protocol, 17);
	assert_int_equal(recs[0].direction, CONN_DIR_EGRESS);
	assert_int_equal(recs[0].src_port, 40000);
	assert_int_equal(recs[0].dst_port, 53);
	addr_is(recs[0].src_addr, 4, "10.0.0.2");
	addr_is(recs[0].dst_addr, 4, "10.0.0.1");
	assert_int_equal(recs[0].orig_packets, 1);
	assert_int_equal(recs[0].orig_bytes, 28 + 8 + 100);
	assert_int_equal(recs[0].first_seen_ns, recs[0].last_seen_ns);

	/* the reply (ingress) is the same flow: no new record */
	eth(&f, 0, 0x0800);
	ipv4(&f, 17, "10.0.0.1", "10.0.0.2", 0, 8 + 10, 0);
	udp(&f, 53, 40000, 10);
	run(&f, false);
	assert_int_equal(nrecs, 1);
	assert_int_equal(counter(FLOW_COUNTER_PACKETS), 2);
}

static void test_ipv6_extension_headers(void **state)
{
	struct frame f;
	uint8_t hbh[8] = {60, 0, 1, 4, 0, 0, 0, 0}; /* next: dest opts; PadN */
	uint8_t dst[16] = {44, 1, 1, 12, 0}; /* next: fragment; 16 bytes */
	uint8_t frag[8] = {17, 0, 0, 0x01, 0, 0, 0, 1}; /* next: UDP; offset 0, M, id 1 */
	uint8_t frag2[8] = {17, 0, 0, 0x08, 0, 0, 0, 1}; /* offset 1 (8 bytes), last */

	(void)state;
	eth(&f, 1, 0x86DD);
	ipv6(&f, 0, "fd00::2", "fd00::1", 8 + 16 + 8 + 8 + 20);
	put(&f, hbh, sizeof(hbh));
	put(&f, dst, sizeof(dst));
	put(&f, frag, sizeof(frag));
	udp(&f, 5000, 6000, 20);
	run(&f, false); /* ingress: the peer originated it */
	assert_int_equal(nrecs, 1);
	assert_int_equal(recs[0].family, 6);
	assert_int_equal(recs[0].protocol, 17);
	assert_int_equal(recs[0].direction, CONN_DIR_INGRESS);
	assert_int_equal(recs[0].src_port, 5000);
	assert_int_equal(recs[0].dst_port, 6000);
	addr_is(recs[0].src_addr, 6, "fd00::2");
	addr_is(recs[0].dst_addr, 6, "fd00::1");
	assert_int_equal(recs[0].orig_bytes, 40 + 8 + 16 + 8 + 8 + 20);

	/* a later fragment: no new flow, its packet and bytes go to the first one's */
	eth(&f, 0, 0x86DD);
	ipv6(&f, 44, "fd00::2", "fd00::1", 8 + 16);
	put(&f, frag2, sizeof(frag2));
	put(&f, hbh, sizeof(hbh));
	put(&f, hbh, sizeof(hbh));
	run(&f, false);
	assert_int_equal(nrecs, 1);
	assert_int_equal(counter(FLOW_COUNTER_PACKETS), 2);
	assert_int_equal(counter(FLOW_COUNTER_FRAG_UNMATCHED), 0);
	struct flow_key k;
	struct flow_value v;
	only_flow(&k, &v);
	assert_int_equal(v.packets[0], 2);
	assert_int_equal(v.bytes[0], 40 + 8 + 16 + 8 + 8 + 20 + 40 + 8 + 16);
}

static void test_non_ip_and_truncated(void **state)
{
	struct frame f;
	uint8_t arp[28] = {0};
	uint8_t bad_ihl[20] = {0x44}; /* IHL 4: shorter than the fixed header */

	(void)state;
	eth(&f, 0, 0x0806);
	put(&f, arp, sizeof(arp));
	run(&f, true);
	eth(&f, 0, 0x0800);
	put(&f, bad_ihl, sizeof(bad_ihl));
	run(&f, true);
	eth(&f, 0, 0x86DD);
	ipv6(&f, 0, "fd00::2", "fd00::1", 0); /* hop-by-hop header missing */
	run(&f, true);
	eth(&f, 0, 0x0800);
	ipv4(&f, 6, "10.0.0.2", "10.0.0.1", 0, 20, 0); /* TCP header missing */
	run(&f, true);
	assert_int_equal(nrecs, 0);
	assert_int_equal(counter(FLOW_COUNTER_NON_IP), 1);
	assert_int_equal(counter(FLOW_COUNTER_TRUNCATED), 3);
	assert_int_equal(counter(FLOW_COUNTER_PACKETS), 0);
}

/* One TCP segment of the 10.0.0.2:40001 <-> 10.0.0.1:80 connection. */
static void seg(bool from_cell, uint8_t flags, size_t payload)
{
	struct frame f;

	eth(&f, 0, 0x0800);
	if (from_cell) {
		ipv4(&f, 6, "10.0.0.2", "10.0.0.1", 0, 20 + payload, 0);
		tcp(&f, 40001, 80, flags, payload);
	} else {
		ipv4(&f, 6, "10.0.0.1", "10.0.0.2", 0, 20 + payload, 0);
		tcp(&f, 80, 40001, flags, payload);
	}
	run(&f, from_cell);
}

static void test_tcp_fin_close_linger_and_reopen(void **state)
{
	struct flow_key k;
	struct flow_value v;

	(void)state;
	seg(true, SYN, 0);
	seg(false, SYN | ACK, 0);
	seg(true, ACK, 0);
	seg(true, ACK, 100);
	seg(false, ACK, 0);
	seg(true, FIN | ACK, 0);
	seg(false, FIN | ACK, 0);
	seg(true, ACK, 0);
	/* closed, but the record waits for the end of the linger */
	assert_int_equal(nrecs, 1);
	only_flow(&k, &v);
	assert_int_equal(v.state, FLOW_STATE_LINGER);
	assert_int_equal(v.close_reason, CONN_CLOSE_TCP_FIN);
	assert_int_equal(v.close_reported, 0);

	/* the teardown's stragglers (a retransmitted FIN, its re-ACK) still count */
	seg(false, FIN | ACK, 0);
	seg(true, ACK, 0);
	assert_int_equal(nrecs, 1);

	/* a new SYN on the same 5-tuple: the old flow's close leaves first, then the open */
	seg(true, SYN, 0);
	assert_int_equal(nrecs, 3);
	assert_int_equal(recs[1].kind, CONN_KIND_CLOSED);
	assert_int_equal(recs[1].close_reason, CONN_CLOSE_TCP_FIN);
	assert_int_equal(recs[1].src_port, 40001);
	assert_int_equal(recs[1].dst_port, 80);
	assert_int_equal(recs[1].orig_packets, 6);
	assert_int_equal(recs[1].orig_bytes, 6 * 40 + 100);
	assert_int_equal(recs[1].resp_packets, 4);
	assert_int_equal(recs[1].resp_bytes, 4 * 40);
	assert_int_equal(recs[1].closed_ns, v.closed_ns); /* the time of the final ACK */
	assert_true(recs[1].last_seen_ns > recs[1].closed_ns);
	assert_int_equal(recs[1].flags, 0);
	assert_int_equal(recs[2].kind, CONN_KIND_OPENED);
	assert_int_equal(recs[2].orig_packets, 1);
	assert_int_equal(recs[2].flags, 0);
}

/* The cell's RST is lost on the wire: the peer's next segment and the second RST still count. */
static void test_tcp_rst_linger_counts(void **state)
{
	struct flow_key k;
	struct flow_value v;

	(void)state;
	seg(true, SYN, 0);
	seg(false, SYN | ACK, 0);
	seg(true, ACK, 0);
	seg(true, RST | ACK, 0);
	seg(false, ACK, 1000);
	seg(true, RST, 0);
	assert_int_equal(nrecs, 1);
	only_flow(&k, &v);
	assert_int_equal(v.state, FLOW_STATE_LINGER);
	assert_int_equal(v.close_reason, CONN_CLOSE_TCP_RST);
	assert_int_equal(v.packets[0], 4);
	assert_int_equal(v.packets[1], 2);
	assert_int_equal(v.bytes[1], 40 + 40 + 1000);
	assert_true(v.last_seen_ns > v.closed_ns);
}

/* A TCP segment without SYN and without a flow continues the connection. */
static void test_tcp_midstream(void **state)
{
	struct frame f;

	(void)state;
	/* the server speaks first after an idle sweep: still the cell's connection */
	seg(false, ACK, 500);
	assert_int_equal(nrecs, 1);
	assert_int_equal(recs[0].kind, CONN_KIND_OPENED);
	assert_int_equal(recs[0].flags, CONN_FLAG_MIDSTREAM);
	assert_int_equal(recs[0].direction, CONN_DIR_EGRESS);
	assert_int_equal(recs[0].src_port, 40001);
	assert_int_equal(recs[0].dst_port, 80);
	addr_is(recs[0].src_addr, 4, "10.0.0.2");
	assert_int_equal(recs[0].orig_packets, 0);
	assert_int_equal(recs[0].resp_packets, 1);
	assert_int_equal(recs[0].resp_bytes, 540);

	/* a service port in the cell, an ephemeral one outside: an inbound connection */
	eth(&f, 0, 0x0800);
	ipv4(&f, 6, "10.0.0.1", "10.0.0.2", 0, 20, 0);
	tcp(&f, 50000, 22, ACK, 0);
	run(&f, false);
	assert_int_equal(nrecs, 2);
	assert_int_equal(recs[1].flags, CONN_FLAG_MIDSTREAM);
	assert_int_equal(recs[1].direction, CONN_DIR_INGRESS);
	assert_int_equal(recs[1].src_port, 50000);
	assert_int_equal(recs[1].dst_port, 22);

	/* a remembered direction wins over the ports */
	struct flow_key k = {.family = 4, .protocol = 6, .port_lo = 40006, .port_hi = 40005};
	struct flow_memory m = {.orig_is_lo = 1, .direction = CONN_DIR_INGRESS};
	inet_pton(AF_INET, "10.0.0.1", k.addr_lo); /* the peer, the originator: lo side */
	inet_pton(AF_INET, "10.0.0.2", k.addr_hi);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.FLOW_MEMORY), &k, &m, BPF_ANY),
			 0);
	eth(&f, 0, 0x0800);
	ipv4(&f, 6, "10.0.0.2", "10.0.0.1", 0, 20, 0);
	tcp(&f, 40005, 40006, ACK, 0);
	run(&f, true);
	assert_int_equal(nrecs, 3);
	assert_int_equal(recs[2].flags, CONN_FLAG_MIDSTREAM);
	assert_int_equal(recs[2].direction, CONN_DIR_INGRESS);
	addr_is(recs[2].src_addr, 4, "10.0.0.1");
	assert_int_equal(recs[2].src_port, 40006);
	assert_int_equal(recs[2].resp_packets, 1);
}

static void test_gso_accounting(void **state)
{
	struct frame f;

	(void)state;
	/* a 3-segment TSO super-packet of 3000 payload bytes, 40 header bytes each */
	eth(&f, 0, 0x0800);
	ipv4(&f, 6, "10.0.0.2", "10.0.0.1", 0, 20 + 240, 0);
	tcp(&f, 40002, 443, ACK, 240);
	f.b[14 + 2] = (uint8_t)((40 + 3000) >> 8); /* tot_len of the super-packet */
	f.b[14 + 3] = (uint8_t)(40 + 3000);
	run_gso(&f, true, 3);
	assert_int_equal(nrecs, 1);
	assert_int_equal(recs[0].orig_packets, 3);
	assert_int_equal(recs[0].orig_bytes, 3040 + 2 * 40);

	/* tot_len 0 (BIG TCP): the skb's length past L2 */
	eth(&f, 0, 0x0800);
	ipv4(&f, 6, "10.0.0.2", "10.0.0.1", 0, 20 + 100, 0);
	tcp(&f, 40003, 443, ACK, 100);
	f.b[14 + 2] = 0;
	f.b[14 + 3] = 0;
	run(&f, true);
	assert_int_equal(nrecs, 2);
	assert_int_equal(recs[1].orig_bytes, 20 + 20 + 100);
}

/* One ICMP message of 8 header bytes plus payload from src to dst. */
static void icmp_msg(bool egress, uint8_t type, uint8_t code, uint16_t id, size_t payload)
{
	struct frame f;
	uint8_t h[8] = {type, code, 0, 0, (uint8_t)(id >> 8), (uint8_t)id, 0, 1}, z[64] = {0};

	eth(&f, 0, 0x0800);
	ipv4(&f, 1, egress ? "10.0.0.2" : "10.0.0.1", egress ? "10.0.0.1" : "10.0.0.2", 0,
	     8 + payload, 0);
	put(&f, h, sizeof(h));
	put(&f, z, payload);
	run(&f, egress);
}

static void test_icmp_echo_sessions(void **state)
{
	(void)state;
	icmp_msg(true, 8, 0, 0x1234, 0);
	icmp_msg(false, 0, 0, 0x1234, 0);
	assert_int_equal(nrecs, 1);
	assert_int_equal(recs[0].protocol, 1);
	assert_int_equal(recs[0].src_port, 0);
	assert_int_equal(recs[0].dst_port, 0);
	assert_int_equal(recs[0].icmp_type, 8);
	assert_int_equal(recs[0].icmp_code, 0);
	assert_int_equal(recs[0].icmp_id, 0x1234);

	/* a second ping session to the same peer: another identifier, another flow */
	icmp_msg(true, 8, 0, 0x1235, 0);
	assert_int_equal(nrecs, 2);
	assert_int_equal(recs[1].icmp_id, 0x1235);

	/* an error is a flow of its own, keyed by type and code, no identifier */
	icmp_msg(false, 3, 3, 0, 28);
	assert_int_equal(nrecs, 3);
	assert_int_equal(recs[2].direction, CONN_DIR_INGRESS);
	assert_int_equal(recs[2].icmp_type, 3);
	assert_int_equal(recs[2].icmp_code, 3);
	assert_int_equal(recs[2].icmp_id, 0);
	assert_int_equal(recs[2].dst_port, 0);
}

/* IPv4 UDP datagram of 3 fragments from the cell, each fragment `per` payload bytes. */
static void test_ipv4_fragments(void **state)
{
	struct frame f;
	struct flow_key k;
	struct flow_value v;
	uint8_t z[200] = {0};

	(void)state;
	eth(&f, 0, 0x0800);
	ipv4(&f, 17, "10.0.0.2", "10.0.0.1", 0, 8 + 192, 0x2000); /* MF, offset 0 */
	f.b[14 + 5] = 7; /* IP id 7 */
	udp(&f, 40000, 9000, 192);
	run(&f, true);
	for (int i = 1; i <= 2; i++) {
		eth(&f, 0, 0x0800);
		ipv4(&f, 17, "10.0.0.2", "10.0.0.1", 0, 200,
		     (uint16_t)((i == 1 ? 0x2000 : 0) | (i * 200 / 8)));
		f.b[14 + 5] = 7;
		put(&f, z, 200);
		run(&f, true);
	}
	assert_int_equal(nrecs, 1);
	assert_int_equal(recs[0].dst_port, 9000);
	only_flow(&k, &v);
	assert_int_equal(v.packets[0], 3);
	assert_int_equal(v.bytes[0], 3 * 220);
	assert_int_equal(counter(FLOW_COUNTER_FRAG_UNMATCHED), 0);

	/* a later fragment of a datagram whose first fragment was never seen */
	eth(&f, 0, 0x0800);
	ipv4(&f, 17, "10.0.0.2", "10.0.0.1", 0, 200, 25);
	f.b[14 + 5] = 8;
	put(&f, z, 200);
	run(&f, true);
	assert_int_equal(counter(FLOW_COUNTER_FRAG_UNMATCHED), 1);
	assert_int_equal(counter(FLOW_COUNTER_PACKETS), 4);
	only_flow(&k, &v);
	assert_int_equal(v.packets[0], 3);
}

static void test_ipv6_fragments(void **state)
{
	struct frame f;
	struct flow_key k;
	struct flow_value v;
	uint8_t first[8] = {58, 0, 0, 0x01, 0, 0, 0, 9}; /* ICMPv6, offset 0, M, id 9 */
	uint8_t later[8] = {58, 0, 0, 0x20, 0, 0, 0, 9}; /* offset 4 (32 bytes), last */
	uint8_t echo[8] = {128, 0, 0, 0, 0x00, 0x42, 0, 1}, z[64] = {0};

	(void)state;
	eth(&f, 0, 0x86DD);
	ipv6(&f, 44, "fd00::2", "fd00::1", 8 + 8 + 24);
	put(&f, first, sizeof(first));
	put(&f, echo, sizeof(echo));
	put(&f, z, 24);
	run(&f, true);
	eth(&f, 0, 0x86DD);
	ipv6(&f, 44, "fd00::2", "fd00::1", 8 + 40);
	put(&f, later, sizeof(later));
	put(&f, z, 40);
	run(&f, true);
	assert_int_equal(nrecs, 1);
	assert_int_equal(recs[0].protocol, 58);
	assert_int_equal(recs[0].icmp_type, 128);
	assert_int_equal(recs[0].icmp_id, 0x42);
	only_flow(&k, &v);
	assert_int_equal(v.packets[0], 2);
	assert_int_equal(v.bytes[0], 40 + 40 + 40 + 48);
	assert_int_equal(counter(FLOW_COUNTER_FRAG_UNMATCHED), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vlan_ipv4_options_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_extension_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_ip_and_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_fin_close_linger_and_reopen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tcp_rst_linger_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_midstream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gso_accounting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_echo_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4_fragments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_fragments, setup, teardown),
	};
	struct flowaudit_bpf *probe;
	const char *req = getenv("FLOWAUDIT_REQUIRE_BPF");

	libbpf_set_print(NULL);
	probe = flowaudit_bpf__open_and_load();
	if (!probe) {
		fprintf(stderr, "cannot load the BPF program here (root? BPF?): %s\n",
			strerror(errno));
		return req && strcmp(req, "1") == 0 ? 1 : 77;
	}
	flowaudit_bpf__destroy(probe);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
