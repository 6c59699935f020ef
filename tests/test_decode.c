/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoder tests: the seed's ring-buffer tests ported (canonical round trip,
 * short/long records rejected with their length, padding ignored, verdict,
 * protocol mapping), plus the v2 and v3 connection records, and v3's
 * untracked and summary records with their strict checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "decode.h"
#include "fa_addr.h"
#include "fa_names.h"

#include <arpa/inet.h>
#include <string.h>

/* The seed's canonical_record(): 10.0.0.1:44321 -> 192.0.2.5:443 tcp, 7777 pkts. */
static void canonical_record(uint8_t buf[FLOW_RECORD_V1_SIZE])
{
	uint32_t src = 0x0A000001, dst = 0xC0000205;
	uint16_t sport = 44321, dport = 443;
	uint64_t pkts = 7777, ts = 123456789;
	memset(buf, 0, FLOW_RECORD_V1_SIZE);
	memcpy(buf + 0, &src, 4);
	memcpy(buf + 4, &dst, 4);
	memcpy(buf + 8, &sport, 2);
	memcpy(buf + 10, &dport, 2);
	buf[12] = 6;
	memcpy(buf + 16, &pkts, 8);
	memcpy(buf + 24, &ts, 8);
	buf[32] = 1;
}

static void test_round_trips_canonical_record(void **state)
{
	(void)state;
	uint8_t buf[FLOW_RECORD_V1_SIZE];
	struct flow_record_v1 rec;
	char err[DECODE_ERR_MAX];
	canonical_record(buf);
	assert_int_equal(decode_flow_v1(buf, sizeof(buf), &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.src_ip, 0x0A000001);
	assert_int_equal(rec.dst_ip, 0xC0000205);
	assert_int_equal(rec.src_port, 44321);
	assert_int_equal(rec.dst_port, 443);
	assert_int_equal(rec.proto, 6);
	assert_int_equal(rec.pkt_count, 7777);
	assert_int_equal(rec.first_seen_ns, 123456789);
	assert_int_equal(rec.verdict, 1);
}

static void test_rejects_short_record(void **state)
{
	(void)state;
	uint8_t buf[FLOW_RECORD_V1_SIZE - 1] = {0};
	struct flow_record_v1 rec;
	char err[DECODE_ERR_MAX];
	assert_int_not_equal(decode_flow_v1(buf, sizeof(buf), &rec, err, sizeof(err)), 0);
	assert_string_equal(err, "ring-buffer record is 39 bytes, expected exactly 40; kernel "
				 "producer ABI drift or torn read");
}

static void test_rejects_long_record(void **state)
{
	(void)state;
	uint8_t buf[FLOW_RECORD_V1_SIZE + 8] = {0};
	struct flow_record_v1 rec;
	char err[DECODE_ERR_MAX];
	assert_int_not_equal(decode_flow_v1(buf, sizeof(buf), &rec, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "is 48 bytes, expected exactly 40"));
	assert_int_not_equal(decode_flow_v1(buf, 0, &rec, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "is 0 bytes"));
}

static void test_ignores_padding_bytes(void **state)
{
	(void)state;
	uint8_t buf[FLOW_RECORD_V1_SIZE];
	struct flow_record_v1 rec;
	char err[DECODE_ERR_MAX];
	canonical_record(buf);
	memset(buf + 13, 0xff, 3);
	memset(buf + 33, 0xaa, 7);
	assert_int_equal(decode_flow_v1(buf, sizeof(buf), &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.proto, 6);
	assert_int_equal(rec.verdict, 1);
	assert_int_equal(rec.pkt_count, 7777);
}

static void decode_event(const uint8_t *buf, struct fa_event *ev)
{
	struct flow_record_v1 rec;
	char err[DECODE_ERR_MAX];
	assert_int_equal(decode_flow_v1(buf, FLOW_RECORD_V1_SIZE, &rec, err, sizeof(err)), 0);
	flow_v1_to_event(&rec, ev);
}

static void test_event_renders_tcp_dst(void **state)
{
	(void)state;
	uint8_t buf[FLOW_RECORD_V1_SIZE];
	struct fa_event ev;
	char text[FA_ADDR_TEXT_MAX];
	canonical_record(buf);
	decode_event(buf, &ev);
	assert_int_equal(ev.kind, FA_EVENT_OPENED);
	assert_int_equal(ev.direction, CONN_DIR_EGRESS);
	assert_false(ev.deny);
	assert_string_equal(fa_protocol_name(ev.protocol), "tcp");
	assert_string_equal(fa_addr_format(&ev.dst, ev.family, text, sizeof(text)), "192.0.2.5");
	assert_string_equal(fa_addr_format(&ev.src, ev.family, text, sizeof(text)), "10.0.0.1");
	assert_int_equal(ev.dst_port, 443);
	assert_int_equal(ev.orig_packets, 7777);
	assert_false(ev.bytes_known);
	assert_int_equal(ev.clock, FA_CLOCK_MONOTONIC);
	assert_int_equal(ev.first_seen_kns, 123456789);
	assert_string_equal(ev.reason_code, FA_REASON_EBPF_TC_OBSERVED);
}

static void test_verdict_drop_is_deny(void **state)
{
	(void)state;
	uint8_t buf[FLOW_RECORD_V1_SIZE];
	struct fa_event ev;
	canonical_record(buf);
	buf[32] = 2;
	decode_event(buf, &ev);
	assert_true(ev.deny);
	assert_string_equal(ev.reason_code, FA_REASON_EBPF_XDP_DROP);
	/* Anything but 2 is an allow. */
	for (unsigned v = 0; v < 256; v++) {
		buf[32] = (uint8_t)v;
		decode_event(buf, &ev);
		assert_int_equal(ev.deny, v == 2);
	}
}

static void test_unknown_proto_maps_to_null(void **state)
{
	(void)state;
	uint8_t buf[FLOW_RECORD_V1_SIZE];
	struct fa_event ev;
	canonical_record(buf);
	buf[12] = 99;
	decode_event(buf, &ev);
	assert_int_equal(ev.protocol, 99);
	assert_null(fa_protocol_name(ev.protocol));
}

static void test_maps_udp(void **state)
{
	(void)state;
	uint8_t buf[FLOW_RECORD_V1_SIZE];
	struct fa_event ev;
	canonical_record(buf);
	buf[12] = 17;
	decode_event(buf, &ev);
	assert_string_equal(fa_protocol_name(ev.protocol), "udp");
}

static void test_layout_constant_matches_producer(void **state)
{
	(void)state;
	assert_int_equal(FLOW_RECORD_V1_SIZE, 40);
	assert_int_equal(sizeof(struct flow_record_v1), 40);
	assert_int_equal(sizeof(struct conn_record_v2), CONN_RECORD_V2_SIZE);
	assert_int_equal(sizeof(struct conn_record_v3), CONN_RECORD_V3_SIZE);
}

static void v2_record(struct conn_record_v2 *r, uint8_t kind, int family)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->family = (uint8_t)family;
	r->protocol = 17;
	r->direction = CONN_DIR_INGRESS;
	r->close_reason = kind == CONN_KIND_CLOSED ? CONN_CLOSE_IDLE : CONN_CLOSE_NONE;
	r->src_port = 5353;
	r->dst_port = 53;
	if (family == 4) {
		inet_pton(AF_INET, "198.51.100.7", r->src_addr);
		inet_pton(AF_INET, "10.0.0.2", r->dst_addr);
	} else {
		inet_pton(AF_INET6, "2001:db8::7", r->src_addr);
		inet_pton(AF_INET6, "fd00::2", r->dst_addr);
	}
	r->orig_packets = 3;
	r->orig_bytes = 3 * 48;
	r->resp_packets = 2;
	r->resp_bytes = 2 * 60;
	r->first_seen_ns = 1000;
	r->last_seen_ns = 2000;
}

static void test_v2_decodes_and_maps(void **state)
{
	(void)state;
	struct conn_record_v2 in, out;
	struct fa_event ev;
	char err[DECODE_ERR_MAX], text[FA_ADDR_TEXT_MAX];
	for (int family = 4; family <= 6; family += 2) {
		v2_record(&in, CONN_KIND_CLOSED, family);
		assert_int_equal(decode_conn_v2(&in, sizeof(in), &out, err, sizeof(err)), 0);
		conn_v2_to_event(&out, &ev);
		assert_int_equal(ev.kind, FA_EVENT_CLOSED);
		assert_int_equal(ev.clock, FA_CLOCK_BOOTTIME);
		assert_int_equal(ev.direction, CONN_DIR_INGRESS);
		assert_int_equal(ev.close_reason, CONN_CLOSE_IDLE);
		assert_true(ev.bytes_known);
		assert_int_equal(ev.orig_bytes, 144);
		assert_int_equal(ev.resp_bytes, 120);
		assert_int_equal(ev.last_seen_kns, 2000);
		assert_string_equal(fa_addr_format(&ev.src, ev.family, text, sizeof(text)),
				    family == 4 ? "198.51.100.7" : "2001:db8::7");
		assert_int_equal(fa_addr_is_v4(&ev.src), family == 4);
	}
}

static void test_v2_rejects_bad_records(void **state)
{
	(void)state;
	struct conn_record_v2 in, out;
	char err[DECODE_ERR_MAX];
	v2_record(&in, CONN_KIND_OPENED, 4);
	assert_int_not_equal(decode_conn_v2(&in, sizeof(in) - 1, &out, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "95 bytes, expected exactly 96"));
	in.kind = 7;
	assert_int_not_equal(decode_conn_v2(&in, sizeof(in), &out, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "unknown kind 7"));
	v2_record(&in, CONN_KIND_OPENED, 5);
	assert_int_not_equal(decode_conn_v2(&in, sizeof(in), &out, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "address family 5"));
	v2_record(&in, CONN_KIND_OPENED, 4);
	in.direction = 2;
	assert_int_not_equal(decode_conn_v2(&in, sizeof(in), &out, err, sizeof(err)), 0);
	v2_record(&in, CONN_KIND_OPENED, 4);
	in.close_reason = CONN_CLOSE_TCP_FIN; /* an open carries no close reason */
	assert_int_not_equal(decode_conn_v2(&in, sizeof(in), &out, err, sizeof(err)), 0);
	v2_record(&in, CONN_KIND_CLOSED, 4);
	in.close_reason = CONN_CLOSE_REASON_COUNT;
	assert_int_not_equal(decode_conn_v2(&in, sizeof(in), &out, err, sizeof(err)), 0);
}

static void v3_record(struct conn_record_v3 *r, uint8_t kind, int family)
{
	struct conn_record_v2 v2;
	v2_record(&v2, kind, family);
	memset(r, 0, sizeof(*r));
	r->kind = v2.kind;
	r->family = v2.family;
	r->protocol = v2.protocol;
	r->direction = v2.direction;
	r->close_reason = v2.close_reason;
	r->src_port = v2.src_port;
	r->dst_port = v2.dst_port;
	memcpy(r->src_addr, v2.src_addr, 16);
	memcpy(r->dst_addr, v2.dst_addr, 16);
	r->orig_packets = v2.orig_packets;
	r->orig_bytes = v2.orig_bytes;
	r->resp_packets = v2.resp_packets;
	r->resp_bytes = v2.resp_bytes;
	r->first_seen_ns = v2.first_seen_ns;
	r->last_seen_ns = v2.last_seen_ns;
	r->closed_ns = kind == CONN_KIND_CLOSED ? 2500 : 0;
}

static void test_v3_decodes_and_maps(void **state)
{
	(void)state;
	struct conn_record_v3 in, out;
	struct fa_event ev;
	char err[DECODE_ERR_MAX], text[FA_ADDR_TEXT_MAX];
	for (int family = 4; family <= 6; family += 2) {
		v3_record(&in, CONN_KIND_CLOSED, family);
		assert_int_equal(decode_conn_v3(&in, sizeof(in), &out, err, sizeof(err)), 0);
		conn_v3_to_event(&out, &ev);
		assert_int_equal(ev.kind, FA_EVENT_CLOSED);
		assert_int_equal(ev.clock, FA_CLOCK_BOOTTIME);
		assert_int_equal(ev.direction, CONN_DIR_INGRESS);
		assert_int_equal(ev.close_reason, CONN_CLOSE_IDLE);
		assert_int_equal(ev.orig_bytes, 144);
		assert_int_equal(ev.resp_bytes, 120);
		assert_int_equal(ev.last_seen_kns, 2000);
		assert_int_equal(ev.closed_kns, 2500);
		assert_string_equal(ev.source, "ebpf_v3");
		assert_string_equal(fa_addr_format(&ev.dst, ev.family, text, sizeof(text)),
				    family == 4 ? "10.0.0.2" : "fd00::2");
	}
	/* ICMP echo: type, code and identifier travel in their own fields. */
	v3_record(&in, CONN_KIND_OPENED, 4);
	in.protocol = 1;
	in.icmp_type = 8;
	in.icmp_code = 0;
	in.icmp_id = 0x1234;
	in.verdict = CONN_VERDICT_DROP;
	assert_int_equal(decode_conn_v3(&in, sizeof(in), &out, err, sizeof(err)), 0);
	conn_v3_to_event(&out, &ev);
	assert_int_equal(ev.icmp_type, 8);
	assert_int_equal(ev.icmp_id, 0x1234);
	assert_true(ev.deny);
	assert_int_equal(ev.closed_kns, 0);
}

/* A v2 record maps like the same v3 record, without the v3 fields. */
static void test_v2_maps_as_v3(void **state)
{
	(void)state;
	struct conn_record_v2 v2;
	struct conn_record_v3 v3;
	struct fa_event a, b;
	v2_record(&v2, CONN_KIND_CLOSED, 6);
	v3_record(&v3, CONN_KIND_CLOSED, 6);
	v3.closed_ns = 0;
	conn_v2_to_event(&v2, &a);
	conn_v3_to_event(&v3, &b);
	assert_string_equal(a.source, "ebpf_v2");
	a.source = b.source;
	assert_memory_equal(&a, &b, sizeof(a));
}

static void test_v3_rejects_bad_records(void **state)
{
	(void)state;
	struct conn_record_v3 in, out;
	char err[DECODE_ERR_MAX];
	v3_record(&in, CONN_KIND_OPENED, 4);
	assert_int_not_equal(decode_conn_v3(&in, sizeof(in) - 1, &out, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "111 bytes, expected exactly 112"));
	/* a v2-sized payload under the v3 kind is ABI drift, not a v2 record */
	assert_int_not_equal(decode_conn_v3(&in, CONN_RECORD_V2_SIZE, &out, err, sizeof(err)), 0);
	in.kind = 9;
	assert_int_not_equal(decode_conn_v3(&in, sizeof(in), &out, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "unknown kind 9"));
	v3_record(&in, CONN_KIND_OPENED, 4);
	in.verdict = 1;
	assert_int_not_equal(decode_conn_v3(&in, sizeof(in), &out, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "unknown verdict 1"));
	v3_record(&in, CONN_KIND_OPENED, 4);
	in.flags = 0x80;
	assert_int_not_equal(decode_conn_v3(&in, sizeof(in), &out, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "unknown flags 0x80"));
	v3_record(&in, CONN_KIND_CLOSED, 4);
	in.close_reason = CONN_CLOSE_NONE; /* a close needs a reason */
	assert_int_not_equal(decode_conn_v3(&in, sizeof(in), &out, err, sizeof(err)), 0);
}

/* A summary of 7 UDP flows to 10.77.0.0/24 port 53 (IPv4) or fd00::/64. */
static void v3_summary(struct conn_record_v3 *r, int family)
{
	memset(r, 0, sizeof(*r));
	r->kind = CONN_KIND_SUMMARY;
	r->family = (uint8_t)family;
	r->protocol = 17;
	r->direction = CONN_DIR_EGRESS;
	r->dst_port = 53;
	if (family == 4) {
		r->prefix_len = 24;
		inet_pton(AF_INET, "10.77.0.0", r->dst_addr);
	} else {
		r->prefix_len = 64;
		inet_pton(AF_INET6, "fd00::", r->dst_addr);
	}
	r->orig_packets = 7;
	r->orig_bytes = 7 * 44;
	r->first_seen_ns = 1000;
	r->last_seen_ns = 9000;
	r->flow_count = 7;
}

static void test_v3_untracked_and_summary_map(void **state)
{
	(void)state;
	struct conn_record_v3 in, out;
	struct fa_event ev;
	char err[DECODE_ERR_MAX], text[FA_ADDR_TEXT_MAX];

	v3_record(&in, CONN_KIND_UNTRACKED, 4);
	assert_int_equal(decode_conn_v3(&in, sizeof(in), &out, err, sizeof(err)), 0);
	conn_v3_to_event(&out, &ev);
	assert_int_equal(ev.kind, FA_EVENT_UNTRACKED);
	assert_true(ev.counts_are_deltas); /* each record: its own packets */
	assert_string_equal(ev.reason_code, FA_REASON_EBPF_TC_UNTRACKED);
	assert_int_equal(ev.flow_count, 0);

	for (int family = 4; family <= 6; family += 2) {
		v3_summary(&in, family);
		assert_int_equal(decode_conn_v3(&in, sizeof(in), &out, err, sizeof(err)), 0);
		conn_v3_to_event(&out, &ev);
		assert_int_equal(ev.kind, FA_EVENT_SUMMARY);
		assert_int_equal(ev.flow_count, 7);
		assert_int_equal(ev.prefix_len, family == 4 ? 24 : 64);
		assert_false(ev.any_port);
		assert_int_equal(ev.dst_port, 53);
		assert_int_equal(ev.orig_packets, 7);
		assert_false(ev.counts_are_deltas);
		assert_string_equal(ev.reason_code, FA_REASON_EBPF_FLOW_SUMMARY);
		assert_string_equal(fa_addr_format(&ev.dst, family, text, sizeof(text)),
				    family == 4 ? "10.77.0.0" : "fd00::");
	}
	/* any destination, any port */
	v3_summary(&in, 4);
	in.prefix_len = 0;
	memset(in.dst_addr, 0, sizeof(in.dst_addr));
	in.dst_port = 0;
	in.flags = CONN_FLAG_ANY_PORT;
	assert_int_equal(decode_conn_v3(&in, sizeof(in), &out, err, sizeof(err)), 0);
	conn_v3_to_event(&out, &ev);
	assert_true(ev.any_port);
	assert_int_equal(ev.prefix_len, 0);
	/* a deferred open is an open */
	v3_record(&in, CONN_KIND_OPENED, 6);
	in.flags = CONN_FLAG_DEFERRED;
	assert_int_equal(decode_conn_v3(&in, sizeof(in), &out, err, sizeof(err)), 0);
	conn_v3_to_event(&out, &ev);
	assert_int_equal(ev.kind, FA_EVENT_OPENED);
	assert_string_equal(ev.reason_code, FA_REASON_EBPF_TC_OBSERVED);
}

/* Decoding in must fail with a message containing want. */
static void rejects(const struct conn_record_v3 *in, const char *want)
{
	struct conn_record_v3 out;
	char err[DECODE_ERR_MAX] = "";
	assert_int_not_equal(decode_conn_v3(in, sizeof(*in), &out, err, sizeof(err)), 0);
	if (!strstr(err, want))
		fail_msg("error '%s' does not say '%s'", err, want);
}

static void test_v3_rejects_bad_summaries_and_flags(void **state)
{
	(void)state;
	struct conn_record_v3 in;

	v3_summary(&in, 4);
	in.flow_count = 0;
	rejects(&in, "counts no flow");
	v3_summary(&in, 4);
	in.prefix_len = 40;
	rejects(&in, "prefix length 40 for IPv4");
	v3_summary(&in, 6);
	in.prefix_len = 60; /* not whole bytes */
	rejects(&in, "prefix length 60 for IPv6");
	v3_summary(&in, 4);
	in.dst_addr[3] = 9; /* 10.77.0.9/24 */
	rejects(&in, "host bits set past /24");
	v3_summary(&in, 4);
	in.dst_addr[5] = 1; /* past an IPv4 address */
	rejects(&in, "host bits");
	v3_summary(&in, 4);
	in.src_addr[0] = 10;
	rejects(&in, "names an originator");
	v3_summary(&in, 4);
	in.src_port = 1234;
	rejects(&in, "names an originator");
	v3_summary(&in, 4);
	in.flags = CONN_FLAG_ANY_PORT; /* and port 53 */
	rejects(&in, "any port has port 53");
	v3_summary(&in, 4);
	in.closed_ns = 5;
	rejects(&in, "close time");
	v3_summary(&in, 4);
	in.icmp_type = 8;
	rejects(&in, "ICMP fields");
	v3_summary(&in, 4);
	in.close_reason = CONN_CLOSE_IDLE;
	rejects(&in, "close reason");
	v3_summary(&in, 4);
	in.flags = CONN_FLAG_DEFERRED; /* an open's flag */
	rejects(&in, "kind 4 has flags 0x10");
	v3_record(&in, CONN_KIND_CLOSED, 4);
	in.flags = CONN_FLAG_DEFERRED;
	rejects(&in, "kind 2 has flags 0x10");
	v3_record(&in, CONN_KIND_OPENED, 4);
	in.flags = CONN_FLAG_ANY_PORT;
	rejects(&in, "kind 1 has flags 0x20");
	v3_record(&in, CONN_KIND_UNTRACKED, 4);
	in.flow_count = 3;
	rejects(&in, "kind 3 has a flow count or prefix");
	v3_record(&in, CONN_KIND_OPENED, 4);
	in.prefix_len = 24;
	rejects(&in, "kind 1 has a flow count or prefix");
	v3_record(&in, CONN_KIND_OPENED, 4);
	in.kind = CONN_KIND_SUMMARY + 1;
	rejects(&in, "unknown kind 5");
}

/* v2 knows only opened and closed records. */
static void test_v2_rejects_the_v3_kinds(void **state)
{
	(void)state;
	struct conn_record_v2 in, out;
	char err[DECODE_ERR_MAX];
	v2_record(&in, CONN_KIND_OPENED, 4);
	in.kind = CONN_KIND_UNTRACKED;
	assert_int_not_equal(decode_conn_v2(&in, sizeof(in), &out, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "unknown kind 3"));
}

static void test_reason_codes_distinct_from_nft(void **state)
{
	(void)state;
	const char *codes[] = {FA_REASON_EBPF_XDP_DROP, FA_REASON_EBPF_TC_OBSERVED,
			       FA_REASON_NFLOG_MATCH, FA_REASON_EBPF_TC_UNTRACKED,
			       FA_REASON_EBPF_FLOW_SUMMARY};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_int_not_equal(strncmp(codes[i], "nft_", 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips_canonical_record),
		cmocka_unit_test(test_rejects_short_record),
		cmocka_unit_test(test_rejects_long_record),
		cmocka_unit_test(test_ignores_padding_bytes),
		cmocka_unit_test(test_event_renders_tcp_dst),
		cmocka_unit_test(test_verdict_drop_is_deny),
		cmocka_unit_test(test_unknown_proto_maps_to_null),
		cmocka_unit_test(test_maps_udp),
		cmocka_unit_test(test_layout_constant_matches_producer),
		cmocka_unit_test(test_v2_decodes_and_maps),
		cmocka_unit_test(test_v2_rejects_bad_records),
		cmocka_unit_test(test_v3_decodes_and_maps),
		cmocka_unit_test(test_v2_maps_as_v3),
		cmocka_unit_test(test_v3_rejects_bad_records),
		cmocka_unit_test(test_v3_untracked_and_summary_map),
		cmocka_unit_test(test_v3_rejects_bad_summaries_and_flags),
		cmocka_unit_test(test_v2_rejects_the_v3_kinds),
		cmocka_unit_test(test_reason_codes_distinct_from_nft),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
