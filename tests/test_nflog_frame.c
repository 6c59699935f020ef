/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NFLOG frames (recorder/nflog_frame.h): the byte layout the builder writes,
 * decoding IPv4 TCP/UDP and IPv6 with extension headers, the log-prefix
 * convention (conforming prefixes parsed, others kept with decision deny and
 * no rule reference), rejection of truncated and hostile frames with a
 * reason, and no read outside the frame: every frame is decoded from a heap
 * copy of exactly its length, so an ASan build (-DFLOWAUDIT_SANITIZE=ON)
 * catches any over-read. Last, what connection tracking makes of the events:
 * repeated packets of one attempt are one flow with a growing count, and an
 * NFLOG event never merges into a kernel-tracked flow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conntrack.h"
#include "conn_record_v2.h"
#include "fa_names.h"
#include "frag_match.h"
#include "nflog_frame.h"
#include "packet_rules.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOOT_NS 123456789012345ULL

struct frame {
	uint8_t bytes[16 + 128 + 512];
	size_t len;
};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IPv4 packet: header (20 bytes) + transport header of l4_len bytes; total length total. */
static size_t ipv4_packet(uint8_t *p, uint8_t proto, const uint8_t src[4], const uint8_t dst[4],
			  unsigned sport, unsigned dport, size_t l4_len, unsigned total)
{
	memset(p, 0, 20 + l4_len);
	p[0] = 0x45;
	put16(p + 2, total);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	if (l4_len >= 4) {
		put16(p + 20, sport);
		put16(p + 22, dport);
	}
	return 20 + l4_len;
}

static const uint8_t V4_CELL[4] = {10, 0, 0, 2};
static const uint8_t V4_PEER[4] = {192, 0, 2, 7};
static const uint8_t V6_CELL[16] = {0xfd, 0, 0, 0xfa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t V6_PEER[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static void make_frame(struct frame *f, uint8_t family, uint8_t hook, uint8_t hint,
		       const char *prefix, const uint8_t *pkt, size_t pkt_len)
{
	struct nflog_frame_hdr h = {
		.family = family,
		.hook = hook,
		.verdict_hint = hint,
		.boot_ns = BOOT_NS,
	};
	f->len = nflog_frame_build(f->bytes, sizeof(f->bytes), &h, prefix, strlen(prefix), pkt,
				   pkt_len);
	assert_int_not_equal(f->len, 0);
}

/* Decode from a heap copy of exactly len bytes (ASan sees any over-read). */
static int decode_exact(const uint8_t *bytes, size_t len, struct fa_event *ev, char *err,
			size_t errlen)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, bytes, len);
	int rc = nflog_frame_decode(copy, len, ev, err, errlen);
	free(copy);
	return rc;
}

static void expect_reject(const struct frame *f, const char *needle)
{
	struct fa_event ev;
	char err[160] = "";
	assert_int_equal(decode_exact(f->bytes, f->len, &ev, err, sizeof(err)), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("reason '%s' does not mention '%s'", err, needle);
}

static void test_build_layout(void **state)
{
	(void)state;
	uint8_t pkt[3] = {0xaa, 0xbb, 0xcc};
	struct frame f;
	make_frame(&f, 6, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "ab", pkt, sizeof(pkt));
	assert_int_equal(f.len, 16 + 2 + 3);
	const uint8_t want[] = {6,    3,    2,	  2,	3,    0,   0,	0,    0x79, 0xdf, 0x0d,
				0x86, 0x48, 0x70, 0x00, 0x00, 'a', 'b', 0xaa, 0xbb, 0xcc};
	assert_memory_equal(f.bytes, want, sizeof(want));
	/* Too long a prefix or too small a buffer: nothing written. */
	char longp[200];
	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	struct nflog_frame_hdr h = {.family = 4};
	assert_int_equal(nflog_frame_build(f.bytes, sizeof(f.bytes), &h, longp, 128, pkt, 3), 0);
	assert_int_equal(nflog_frame_build(f.bytes, 20, &h, "ab", 2, pkt, 3), 0);
}

static void test_ipv4_tcp_deny_egress(void **state)
{
	(void)state;
	uint8_t pkt[64];
	size_t n = ipv4_packet(pkt, 6, V4_CELL, V4_PEER, 40000, 443, 40, 60);
	struct frame f;
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "cell-egress-42 deny ", pkt,
		   n);
	struct fa_event ev;
	char err[160];
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.kind, FA_EVENT_OPENED);
	assert_int_equal(ev.clock, FA_CLOCK_BOOTTIME);
	assert_int_equal(ev.family, 4);
	assert_int_equal(ev.protocol, 6);
	assert_int_equal(ev.direction, CONN_DIR_EGRESS);
	assert_true(ev.deny);
	assert_true(ev.counts_are_deltas);
	assert_true(ev.bytes_known);
	assert_int_equal(ev.orig_packets, 1);
	assert_int_equal(ev.orig_bytes, 60);
	assert_int_equal(ev.resp_packets, 0);
	assert_int_equal(ev.src_port, 40000);
	assert_int_equal(ev.dst_port, 443);
	struct fa_addr a;
	fa_addr_from_v4_bytes(V4_CELL, &a);
	assert_memory_equal(ev.src.b, a.b, 16);
	fa_addr_from_v4_bytes(V4_PEER, &a);
	assert_memory_equal(ev.dst.b, a.b, 16);
	assert_int_equal(ev.first_seen_kns, (int64_t)BOOT_NS);
	assert_int_equal(ev.last_seen_kns, (int64_t)BOOT_NS);
	assert_string_equal(ev.reason_code, FA_REASON_NFLOG_MATCH);
	assert_string_equal(ev.reason_code, "nflog_match");
	assert_string_equal(ev.source, "nflog");
	assert_string_equal(ev.nft_rule_ref, "cell-egress-42");
	assert_string_equal(ev.nflog_prefix, "cell-egress-42 deny ");
}

static void test_ipv4_udp_allow_ingress(void **state)
{
	(void)state;
	uint8_t pkt[64];
	size_t n = ipv4_packet(pkt, 17, V4_PEER, V4_CELL, 53, 33000, 8, 20 + 8 + 100);
	/* Only the first bytes were copied: the IP total length still gives the size. */
	struct frame f;
	make_frame(&f, 4, NF_INET_LOCAL_IN, NFLOG_VERDICT_HINT_DROP, "in-dns allow", pkt, n);
	struct fa_event ev;
	char err[160];
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.protocol, 17);
	assert_int_equal(ev.direction, CONN_DIR_INGRESS);
	assert_false(ev.deny);
	assert_int_equal(ev.orig_bytes, 128);
	assert_int_equal(ev.src_port, 53);
	assert_int_equal(ev.dst_port, 33000);
	assert_string_equal(ev.nft_rule_ref, "in-dns");

	/* Every hook's direction. */
	const struct {
		uint8_t hook;
		uint8_t dir;
	} hooks[] = {
		{NF_INET_PRE_ROUTING, CONN_DIR_INGRESS}, {NF_INET_LOCAL_IN, CONN_DIR_INGRESS},
		{NF_INET_FORWARD, CONN_DIR_EGRESS},	 {NF_INET_LOCAL_OUT, CONN_DIR_EGRESS},
		{NF_INET_POST_ROUTING, CONN_DIR_EGRESS}, {NF_INET_INGRESS, CONN_DIR_INGRESS},
	};
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		make_frame(&f, 4, hooks[i].hook, NFLOG_VERDICT_HINT_DROP, "r deny ", pkt, n);
		assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
		assert_int_equal(ev.direction, hooks[i].dir);
	}
	/* An explicit direction word wins over the hook. */
	make_frame(&f, 4, NF_INET_FORWARD, NFLOG_VERDICT_HINT_DROP, "fwd-in deny ingress ", pkt, n);
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.direction, CONN_DIR_INGRESS);
	assert_string_equal(ev.nft_rule_ref, "fwd-in");
}

static void test_ipv4_icmp_and_fragment(void **state)
{
	(void)state;
	uint8_t pkt[64];
	size_t n = ipv4_packet(pkt, 1, V4_CELL, V4_PEER, 0, 0, 8, 84);
	pkt[20] = 8; /* echo request */
	pkt[21] = 0;
	put16(pkt + 24, 0x4242); /* identifier */
	struct frame f;
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "icmp deny ", pkt, n);
	struct fa_event ev;
	char err[160];
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.protocol, 1);
	assert_int_equal(ev.src_port, 0);
	assert_int_equal(ev.dst_port, 0);
	assert_true(ev.icmp_fields);
	assert_int_equal(ev.icmp_type, 8);
	assert_int_equal(ev.icmp_code, 0);
	assert_int_equal(ev.icmp_id, 0x4242);
	assert_int_equal(ev.frag, PKT_FRAG_NONE);
	/* An echo cut before its identifier is refused, as the tc program refuses it. */
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "icmp deny ", pkt, 24);
	expect_reject(&f, "icmp header cut short (4 of 6");
	/* An error message: type and code, no identifier. */
	pkt[20] = 3;
	pkt[21] = 1;
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "icmp deny ", pkt, 22);
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.icmp_type, 3);
	assert_int_equal(ev.icmp_code, 1);
	assert_int_equal(ev.icmp_id, 0);

	/* A later fragment: no transport header, ports 0, even with no bytes after IP. */
	n = ipv4_packet(pkt, 17, V4_CELL, V4_PEER, 0, 0, 0, 1500);
	put16(pkt + 4, 77); /* IP id */
	put16(pkt + 6, 185); /* fragment offset 185 * 8 */
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "frag deny ", pkt, n);
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.protocol, 17);
	assert_int_equal(ev.src_port, 0);
	assert_int_equal(ev.dst_port, 0);
	assert_int_equal(ev.orig_bytes, 1500);
	assert_int_equal(ev.frag, PKT_FRAG_LATER);
	assert_int_equal(ev.frag_id, 77);
}

/* IPv6 header with next header nh and payload length payload. */
static void ipv6_header(uint8_t *p, uint8_t nh, unsigned payload, const uint8_t src[16],
			const uint8_t dst[16])
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, payload);
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

static void test_ipv6_extension_headers(void **state)
{
	(void)state;
	uint8_t pkt[128] = {0};
	/* IPv6 -> hop-by-hop (8) -> destination options (16) -> TCP. */
	ipv6_header(pkt, 0, 8 + 16 + 20, V6_CELL, V6_PEER);
	pkt[40] = 60; /* next: dstopts */
	pkt[41] = 0; /* 8 bytes */
	pkt[48] = 6; /* next: TCP */
	pkt[49] = 1; /* 16 bytes */
	put16(pkt + 64, 51000);
	put16(pkt + 66, 8443);
	size_t n = 40 + 8 + 16 + 20;
	struct frame f;
	make_frame(&f, 6, NF_INET_POST_ROUTING, NFLOG_VERDICT_HINT_DROP, "cell-egress-v6 deny ",
		   pkt, n);
	struct fa_event ev;
	char err[160];
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.family, 6);
	assert_int_equal(ev.protocol, 6);
	assert_int_equal(ev.src_port, 51000);
	assert_int_equal(ev.dst_port, 8443);
	assert_int_equal(ev.orig_bytes, 40 + 8 + 16 + 20);
	assert_int_equal(ev.direction, CONN_DIR_EGRESS);
	assert_memory_equal(ev.src.b, V6_CELL, 16);
	assert_memory_equal(ev.dst.b, V6_PEER, 16);
	assert_string_equal(ev.nft_rule_ref, "cell-egress-v6");

	/* First fragment (offset 0) -> UDP: ports read; a later fragment: ports 0. */
	ipv6_header(pkt, 44, 8 + 8 + 100, V6_CELL, V6_PEER);
	memset(pkt + 40, 0, 16);
	pkt[40] = 17;
	put16(pkt + 48, 5353);
	put16(pkt + 50, 53);
	make_frame(&f, 6, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", pkt, 56);
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.protocol, 17);
	assert_int_equal(ev.dst_port, 53);
	put16(pkt + 42, 64 << 3); /* offset 64 * 8 */
	make_frame(&f, 6, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", pkt, 48);
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.protocol, 17);
	assert_int_equal(ev.src_port, 0);
	assert_int_equal(ev.dst_port, 0);

	/* ICMPv6 echo request through AH ((len + 2) * 4 = 16 bytes). */
	ipv6_header(pkt, 51, 16 + 8, V6_CELL, V6_PEER);
	memset(pkt + 40, 0, 24);
	pkt[40] = 58;
	pkt[41] = 2;
	pkt[56] = 128;
	make_frame(&f, 6, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", pkt, 64);
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.protocol, 58);
	assert_int_equal(ev.dst_port, 0);
	assert_true(ev.icmp_fields);
	assert_int_equal(ev.icmp_type, 128);
}

static void test_prefix_convention(void **state)
{
	(void)state;
	struct nflog_prefix_info info;
	const struct {
		const char *prefix;
		int rc;
		const char *ref;
		bool deny;
		int dir; /* -1: none */
	} cases[] = {
		{"cell-egress-42 deny ", 0, "cell-egress-42", true, -1},
		{"cell-egress-42 deny", 0, "cell-egress-42", true, -1},
		{"r1 allow ", 0, "r1", false, -1},
		{"fwd/7 deny egress ", 0, "fwd/7", true, CONN_DIR_EGRESS},
		{"fwd:8 allow ingress", 0, "fwd:8", false, CONN_DIR_INGRESS},
		{"", -EINVAL, "", false, -1},
		{" deny ", -EINVAL, "", false, -1},
		{"ref", -EINVAL, "", false, -1},
		{"ref ", -EINVAL, "", false, -1},
		{"ref drop ", -EINVAL, "", false, -1},
		{"ref DENY ", -EINVAL, "", false, -1},
		{"ref deny  ", -EINVAL, "", false, -1},
		{"ref  deny ", -EINVAL, "", false, -1},
		{"ref deny sideways ", -EINVAL, "", false, -1},
		{"ref deny egress extra", -EINVAL, "", false, -1},
		{"DROPPED: ", -EINVAL, "", false, -1},
		{"r\te deny ", -EINVAL, "", false, -1},
		{"r\xc3\xa9 deny ", -EINVAL, "", false, -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = nflog_prefix_parse(cases[i].prefix, strlen(cases[i].prefix), &info);
		if (rc != cases[i].rc)
			fail_msg("prefix '%s': rc %d, expected %d", cases[i].prefix, rc,
				 cases[i].rc);
		assert_string_equal(info.rule_ref, cases[i].ref);
		assert_int_equal(info.deny, cases[i].deny);
		assert_int_equal(info.has_direction, cases[i].dir >= 0);
		if (cases[i].dir >= 0)
			assert_int_equal(info.direction, cases[i].dir);
	}
	/* Only len bytes count: what follows is not part of the prefix. */
	assert_int_equal(nflog_prefix_parse("r deny XYZ", 7, &info), 0);
	assert_string_equal(info.rule_ref, "r");
}

static void test_bad_prefix_is_kept(void **state)
{
	(void)state;
	uint8_t pkt[64];
	size_t n = ipv4_packet(pkt, 6, V4_CELL, V4_PEER, 40001, 22, 20, 40);
	struct frame f;
	struct fa_event ev;
	char err[160];
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "DROPPED: ", pkt, n);
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_true(ev.deny);
	assert_string_equal(ev.nft_rule_ref, "");
	assert_string_equal(ev.nflog_prefix, "DROPPED: ");
	assert_string_equal(ev.reason_code, "nflog_match");

	/* No prefix at all, and a hint of none: still deny. */
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_NONE, "", pkt, n);
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_true(ev.deny);
	assert_string_equal(ev.nft_rule_ref, "");
	assert_string_equal(ev.nflog_prefix, "");

	/* A frame whose hint says allow (not what the source writes) is allowed. */
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_ALLOW, "audit ", pkt, n);
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_false(ev.deny);

	/* The longest prefix the kernel can send is kept whole. */
	char longp[NFLOG_FRAME_PREFIX_MAX + 1];
	memset(longp, 'p', NFLOG_FRAME_PREFIX_MAX);
	longp[NFLOG_FRAME_PREFIX_MAX] = '\0';
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, longp, pkt, n);
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_string_equal(ev.nflog_prefix, longp);
	assert_string_equal(ev.nft_rule_ref, "");
}

static void test_hostile_frames_rejected(void **state)
{
	(void)state;
	uint8_t pkt[128];
	size_t n = ipv4_packet(pkt, 6, V4_CELL, V4_PEER, 1, 2, 20, 40);
	struct frame f, g;

	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", pkt, n);
	g = f;
	g.len = 10;
	expect_reject(&g, "shorter than its 16-byte header");
	g = f;
	g.len = f.len - 1;
	expect_reject(&g, "torn or corrupt");
	g = f;
	g.bytes[4] = 0xff; /* packet_len larger than the frame */
	expect_reject(&g, "torn or corrupt");
	g = f;
	g.bytes[0] = 0;
	expect_reject(&g, "address family 0");
	g = f;
	g.bytes[1] = 9;
	expect_reject(&g, "unknown netfilter hook 9");
	g = f;
	g.bytes[2] = 7;
	expect_reject(&g, "unknown verdict hint 7");
	g = f;
	g.bytes[15] = 0x80;
	expect_reject(&g, "timestamp");
	g = f;
	g.bytes[17] = '\0';
	expect_reject(&g, "NUL byte");
	g = f;
	g.bytes[0] = 6; /* an IPv4 packet in an IPv6 frame */
	expect_reject(&g, "IP version 4 in an IPv6 frame");

	/* A prefix length over the kernel's maximum (frame length consistent). */
	memset(g.bytes, 0, sizeof(g.bytes));
	g.bytes[0] = 4;
	g.bytes[1] = NF_INET_LOCAL_OUT;
	g.bytes[3] = 200;
	memset(g.bytes + 16, 'a', 200);
	g.len = 16 + 200;
	expect_reject(&g, "exceeds 127");

	/* IPv4 header problems. */
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", pkt, 19);
	expect_reject(&f, "shorter than an IPv4 header");
	uint8_t bad[64];
	memcpy(bad, pkt, n);
	bad[0] = 0x65;
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", bad, n);
	expect_reject(&f, "IP version 6 in an IPv4 frame");
	memcpy(bad, pkt, n);
	bad[0] = 0x4f; /* 60-byte header, 40 captured */
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", bad, n);
	expect_reject(&f, "IPv4 header length 60");
	memcpy(bad, pkt, n);
	bad[0] = 0x44;
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", bad, n);
	expect_reject(&f, "IPv4 header length 16");
	memcpy(bad, pkt, n);
	put16(bad + 2, 12);
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", bad, n);
	expect_reject(&f, "total length 12");
	/* TCP cut before its ports, by the capture and by the IP total length. */
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", pkt, 22);
	expect_reject(&f, "tcp header cut short (2 of 4");
	memcpy(bad, pkt, n);
	put16(bad + 2, 21);
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", bad, n);
	expect_reject(&f, "tcp header cut short (1 of 4");

	/* IPv6: an extension header longer than the capture, and an endless chain. */
	uint8_t v6[128] = {0};
	ipv6_header(v6, 0, 80, V6_CELL, V6_PEER);
	v6[40] = 6;
	v6[41] = 10; /* 88 bytes */
	make_frame(&f, 6, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", v6, 120);
	expect_reject(&f, "runs past");
	make_frame(&f, 6, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", v6, 44);
	expect_reject(&f, "cut short");
	ipv6_header(v6, 60, 80, V6_CELL, V6_PEER);
	for (int i = 0; i < 10; i++) {
		v6[40 + 8 * i] = 60; /* destination options, forever */
		v6[41 + 8 * i] = 0;
	}
	make_frame(&f, 6, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", v6, 120);
	expect_reject(&f, "more than 8 IPv6 extension headers");
	make_frame(&f, 6, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "r deny ", v6, 80);
	expect_reject(&f, "cut short");
	uint8_t many[40 + 8 * 20] = {0};
	ipv6_header(many, 60, 8 * 20, V6_CELL, V6_PEER);
	for (int i = 0; i < 20; i++)
		many[40 + 8 * i] = 60;
	struct nflog_frame_hdr h = {.family = 6, .hook = NF_INET_LOCAL_OUT};
	uint8_t big[16 + 8 + sizeof(many)];
	size_t bl = nflog_frame_build(big, sizeof(big), &h, "r deny ", 7, many, sizeof(many));
	assert_int_not_equal(bl, 0);
	struct fa_event ev;
	char err[160] = "";
	assert_int_equal(decode_exact(big, bl, &ev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than 8 IPv6 extension headers"));
}

/* Decoding every truncation and many random mutations of valid frames never over-reads. */
static void test_never_over_reads(void **state)
{
	(void)state;
	uint8_t v4[64], v6[128] = {0};
	size_t n4 = ipv4_packet(v4, 17, V4_CELL, V4_PEER, 1000, 2000, 8, 28);
	ipv6_header(v6, 0, 8 + 8, V6_CELL, V6_PEER);
	v6[40] = 17;
	put16(v6 + 48, 1000);
	put16(v6 + 50, 2000);
	const struct {
		uint8_t family;
		const uint8_t *pkt;
		size_t len;
		size_t ports_end; /* decodes once this much is captured */
	} seeds[] = {{4, v4, n4, 24}, {6, v6, 56, 52}};
	struct fa_event ev;
	char err[160];
	uint32_t rng = 0x2545f491u;
	for (size_t s = 0; s < 2; s++) {
		struct frame f;
		/* Every cut of the packet, with a consistent frame header. */
		for (size_t cut = 0; cut <= seeds[s].len; cut++) {
			make_frame(&f, seeds[s].family, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP,
				   "r deny ", seeds[s].pkt, cut);
			int rc = decode_exact(f.bytes, f.len, &ev, err, sizeof(err));
			assert_int_equal(rc, cut >= seeds[s].ports_end ? 0 : -EINVAL);
		}
		/* Every cut of the frame itself. */
		make_frame(&f, seeds[s].family, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP,
			   "r deny ", seeds[s].pkt, seeds[s].len);
		for (size_t cut = 0; cut < f.len; cut++)
			assert_int_equal(decode_exact(f.bytes, cut, &ev, err, sizeof(err)),
					 -EINVAL);
		/* Random byte flips of the packet part (the header stays consistent). */
		for (int iter = 0; iter < 20000; iter++) {
			struct frame m = f;
			for (int k = 0; k < 3; k++) {
				rng = rng * 1664525u + 1013904223u;
				size_t at = 16 + 7 + (rng >> 8) % seeds[s].len;
				rng = rng * 1664525u + 1013904223u;
				m.bytes[at] = (uint8_t)(rng >> 24);
			}
			(void)decode_exact(m.bytes, m.len, &ev, err, sizeof(err));
		}
	}
}

/* Repeated packets of one attempt: one flow, one decision, a growing count. */
static void test_conntrack_one_decision_per_attempt(void **state)
{
	(void)state;
	uint8_t pkt[64];
	size_t n = ipv4_packet(pkt, 6, V4_CELL, V4_PEER, 40000, 7001, 40, 60);
	struct frame f;
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "cell-egress-tcp deny ", pkt,
		   n);
	struct conntrack *ct = conntrack_new();
	assert_non_null(ct);
	struct fa_event ev;
	char err[160];
	enum ct_outcome out;
	struct ct_flow *flow = NULL;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
		flow = conntrack_record(ct, &ev, &out);
		assert_non_null(flow);
		assert_int_equal(out, i == 0 ? CT_NEW_FLOW : CT_FLOW_PACKET);
	}
	struct ct_counts c;
	conntrack_counts(ct, flow, NULL, &c);
	assert_int_equal(c.orig_packets, 3);
	assert_int_equal(c.orig_bytes, 180);
	assert_false(flow->flags & CT_F_KERNEL_TRACKED); /* closed by the loop's idle sweep */
	assert_int_equal(conntrack_unique_opened(ct), 1);

	/* The same 5-tuple from a kernel flow table (v2, tc saw it): its own flow. */
	struct fa_event k = ev;
	k.counts_are_deltas = false;
	k.deny = false;
	k.orig_packets = 1;
	struct ct_flow *kflow = conntrack_record(ct, &k, &out);
	assert_int_equal(out, CT_NEW_FLOW);
	assert_true(kflow->flags & CT_F_KERNEL_TRACKED);
	assert_int_equal(kflow->counters_i, CT_NONE); /* its records carry the kernel's counts */
	/* ...and a further NFLOG packet still lands on the NFLOG flow. */
	flow = conntrack_record(ct, &ev, &out);
	assert_int_equal(out, CT_FLOW_PACKET);
	assert_ptr_not_equal(flow, kflow);
	conntrack_counts(ct, flow, NULL, &c);
	assert_int_equal(c.orig_packets, 4);
	conntrack_free(ct);
}

/* Fragments of one NFLOG-logged datagram: the later ones join the first one's flow. */
static void test_fragments_join_their_flow(void **state)
{
	(void)state;
	struct frag_match *fm = frag_match_new();
	struct conntrack *ct = conntrack_new();
	assert_non_null(fm);
	assert_non_null(ct);
	uint8_t pkt[64];
	struct frame f;
	struct fa_event ev;
	char err[160];
	enum ct_outcome out;
	struct ct_flow *flow = NULL;
	for (unsigned i = 0; i < 3; i++) {
		size_t n = ipv4_packet(pkt, 17, V4_CELL, V4_PEER, 40000, 9999, i == 0 ? 8 : 0,
				       i == 2 ? 1000 : 1500);
		put16(pkt + 4, 4711);
		put16(pkt + 6, (uint16_t)((i < 2 ? 0x2000 : 0) | (i * 185)));
		make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "u deny ", pkt, n);
		assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
		assert_int_equal(ev.frag, i == 0 ? PKT_FRAG_FIRST : PKT_FRAG_LATER);
		assert_true(frag_match_apply(fm, &ev));
		assert_int_equal(ev.src_port, 40000);
		assert_int_equal(ev.dst_port, 9999);
		flow = conntrack_record(ct, &ev, &out);
		assert_int_equal(out, i == 0 ? CT_NEW_FLOW : CT_FLOW_PACKET);
	}
	struct ct_counts c;
	conntrack_counts(ct, flow, NULL, &c);
	assert_int_equal(c.orig_packets, 3);
	assert_int_equal(c.orig_bytes, 1500 + 1500 + 1000);

	/* Another datagram id, or the same one too late: unmatched, ports left 0. */
	size_t n = ipv4_packet(pkt, 17, V4_CELL, V4_PEER, 0, 0, 0, 1000);
	put16(pkt + 4, 4712);
	put16(pkt + 6, 185);
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "u deny ", pkt, n);
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	assert_false(frag_match_apply(fm, &ev));
	assert_int_equal(ev.dst_port, 0);
	put16(pkt + 4, 4711);
	make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "u deny ", pkt, n);
	assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
	ev.first_seen_kns += (int64_t)PKT_FRAG_TRACK_NS + 1;
	assert_false(frag_match_apply(fm, &ev));
	frag_match_free(fm);
	conntrack_free(ct);
}

/* ping -c3 X; ping -c2 X: two identifiers, two flows, each opened once. */
static void test_conntrack_icmp_sessions(void **state)
{
	(void)state;
	struct conntrack *ct = conntrack_new();
	assert_non_null(ct);
	uint8_t pkt[64];
	struct frame f;
	struct fa_event ev;
	char err[160];
	enum ct_outcome out;
	const uint16_t ids[] = {0x100, 0x100, 0x100, 0x200, 0x200};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		size_t n = ipv4_packet(pkt, 1, V4_CELL, V4_PEER, 0, 0, 8, 84);
		pkt[20] = 8;
		put16(pkt + 24, ids[i]);
		make_frame(&f, 4, NF_INET_LOCAL_OUT, NFLOG_VERDICT_HINT_DROP, "p deny ", pkt, n);
		assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
		conntrack_record(ct, &ev, &out);
		assert_int_equal(out, i == 0 || i == 3 ? CT_NEW_FLOW : CT_FLOW_PACKET);
		/* the reply joins its request's flow */
		size_t m = ipv4_packet(pkt, 1, V4_PEER, V4_CELL, 0, 0, 8, 84);
		pkt[20] = 0;
		put16(pkt + 24, ids[i]);
		make_frame(&f, 4, NF_INET_LOCAL_IN, NFLOG_VERDICT_HINT_DROP, "p deny ", pkt, m);
		assert_int_equal(decode_exact(f.bytes, f.len, &ev, err, sizeof(err)), 0);
		conntrack_record(ct, &ev, &out);
		assert_int_equal(out, CT_FLOW_PACKET);
	}
	assert_int_equal(conntrack_count(ct), 2);
	assert_int_equal(conntrack_unique_opened(ct), 2);
	conntrack_free(ct);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_layout),
		cmocka_unit_test(test_ipv4_tcp_deny_egress),
		cmocka_unit_test(test_ipv4_udp_allow_ingress),
		cmocka_unit_test(test_ipv4_icmp_and_fragment),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_prefix_convention),
		cmocka_unit_test(test_bad_prefix_is_kept),
		cmocka_unit_test(test_hostile_frames_rejected),
		cmocka_unit_test(test_never_over_reads),
		cmocka_unit_test(test_conntrack_one_decision_per_attempt),
		cmocka_unit_test(test_fragments_join_their_flow),
		cmocka_unit_test(test_conntrack_icmp_sessions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
