/* SPDX-License-Identifier: Apache-2.0 */
/*
 * make_replay: writes replay files (bpf/replay_frame.h framing) for tests and
 * benchmarks, built from the same record headers the recorder decodes.
 *
 *   make_replay v1 N FILE      N v1 records, each a distinct IPv4 flow
 *                              (src 10.0.x.y:port -> 192.0.2.z:443/53), times
 *                              1 ms apart from 1,000,000,000 ns
 *   make_replay known FILE     the fixed set tests/integration/test_replay_rows.sh
 *                              checks row by row (valid, wrong-length, unknown
 *                              kind, truncated last frame)
 *   make_replay v2pairs N FILE N v2 opened+closed TCP pairs (IPv6 for odd i)
 *   make_replay mix N SEED FILE
 *                              N records of the benchmarks' realistic mix
 *                              (tests/tools/synth_capture.h), deterministic in SEED
 *   make_replay opens N FILE   N v3 TCP opens that all stay open
 */
#include "conn_record_v2.h"
#include "flow_record_v1.h"
#include "frame_out.h"
#include "synth_capture.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct flow_record_v1 v1(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
				uint8_t proto, uint64_t pkts, uint64_t ts, uint8_t verdict)
{
	struct flow_record_v1 r;
	memset(&r, 0, sizeof(r));
	r.src_ip = src;
	r.dst_ip = dst;
	r.src_port = sport;
	r.dst_port = dport;
	r.proto = proto;
	r.pkt_count = pkts;
	r.first_seen_ns = ts;
	r.verdict = verdict;
	return r;
}

static void write_v1(FILE *f, long n)
{
	for (long i = 0; i < n; i++) {
		uint32_t src = 0x0A000000u | (uint32_t)(i / 50000);
		uint16_t sport = (uint16_t)(10000 + i % 50000);
		uint32_t dst = 0xC0000200u | (uint32_t)(i % 200);
		uint8_t proto = i % 4 == 3 ? 17 : 6;
		struct flow_record_v1 r =
			v1(src, dst, sport, proto == 17 ? 53 : 443, proto, 1 + (uint64_t)(i % 7),
			   1000000000ull + (uint64_t)i * 1000000ull, i % 10 == 9 ? 2 : 1);
		put_frame(f, REPLAY_KIND_FLOW_V1, &r, sizeof(r));
	}
}

static struct conn_record_v2 v2(uint8_t kind, int family, const char *src, const char *dst,
				uint16_t sport, uint16_t dport, uint64_t first, uint64_t last)
{
	struct conn_record_v2 r;
	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.family = (uint8_t)family;
	r.protocol = 6;
	r.direction = CONN_DIR_EGRESS;
	r.verdict = CONN_VERDICT_ALLOW;
	r.close_reason = kind == CONN_KIND_CLOSED ? CONN_CLOSE_TCP_FIN : CONN_CLOSE_NONE;
	r.src_port = sport;
	r.dst_port = dport;
	inet_pton(family == 4 ? AF_INET : AF_INET6, src, r.src_addr);
	inet_pton(family == 4 ? AF_INET : AF_INET6, dst, r.dst_addr);
	r.orig_packets = kind == CONN_KIND_CLOSED ? 6 : 1;
	r.orig_bytes = kind == CONN_KIND_CLOSED ? 1200 : 60;
	r.resp_packets = kind == CONN_KIND_CLOSED ? 4 : 0;
	r.resp_bytes = kind == CONN_KIND_CLOSED ? 5000 : 0;
	r.first_seen_ns = first;
	r.last_seen_ns = last;
	return r;
}

static void write_known(FILE *f)
{
	/* 1: v1 TCP allow 10.0.0.1:44321 -> 192.0.2.5:443, 7777 packets */
	struct flow_record_v1 a = v1(0x0A000001, 0xC0000205, 44321, 443, 6, 7777, 123456789, 1);
	put_frame(f, REPLAY_KIND_FLOW_V1, &a, sizeof(a));
	/* 2: v1 UDP deny 10.0.0.1:5353 -> 192.0.2.6:53 */
	struct flow_record_v1 b = v1(0x0A000001, 0xC0000206, 5353, 53, 17, 3, 223456789, 2);
	put_frame(f, REPLAY_KIND_FLOW_V1, &b, sizeof(b));
	/* 3: v1 unknown protocol 99, padding non-zero */
	struct flow_record_v1 c = v1(0x0A000001, 0xC0000207, 0, 0, 99, 1, 323456789, 0);
	memset(c.pad0, 0xff, sizeof(c.pad0));
	memset(c.pad1, 0xaa, sizeof(c.pad1));
	put_frame(f, REPLAY_KIND_FLOW_V1, &c, sizeof(c));
	/* 4: a 39-byte v1 frame: reject */
	put_frame(f, REPLAY_KIND_FLOW_V1, &a, 39);
	/* 5: v2 IPv6 TCP opened, then its close */
	struct conn_record_v2 o =
		v2(CONN_KIND_OPENED, 6, "fd00::2", "2001:db8::1", 40000, 443, 500000000, 500000000);
	put_frame(f, REPLAY_KIND_CONN_V2, &o, sizeof(o));
	/* 6: unknown kind 9: reject */
	put_frame(f, 9, "abc", 3);
	struct conn_record_v2 cl =
		v2(CONN_KIND_CLOSED, 6, "fd00::2", "2001:db8::1", 40000, 443, 500000000, 900000000);
	put_frame(f, REPLAY_KIND_CONN_V2, &cl, sizeof(cl));
	/* 7: a close for a flow never opened: orphan */
	struct conn_record_v2 orphan =
		v2(CONN_KIND_CLOSED, 4, "10.0.0.1", "192.0.2.9", 1234, 80, 600000000, 700000000);
	put_frame(f, REPLAY_KIND_CONN_V2, &orphan, sizeof(orphan));
	/* 8: a repeat of record 1 (flow still open): a later decision on that flow */
	put_frame(f, REPLAY_KIND_FLOW_V1, &a, sizeof(a));
	/* 9: truncated last frame: header says 40, 10 bytes follow */
	uint8_t head[8] = {1, 0, 0, 0, 40, 0, 0, 0};
	fwrite(head, 1, 8, f);
	fwrite(&a, 1, 10, f);
}

static void write_v2pairs(FILE *f, long n)
{
	char src[64], dst[64];
	for (long i = 0; i < n; i++) {
		int fam = i % 2 ? 6 : 4;
		snprintf(src, sizeof(src), fam == 4 ? "10.1.%ld.%ld" : "fd00::%lx",
			 fam == 4 ? (i / 250) % 250 : i, i % 250);
		if (fam == 6)
			snprintf(src, sizeof(src), "fd00::%lx", i);
		snprintf(dst, sizeof(dst), fam == 4 ? "192.0.2.1" : "2001:db8::1");
		uint64_t t = 1000000000ull + (uint64_t)i * 1000;
		struct conn_record_v2 o = v2(CONN_KIND_OPENED, fam, src, dst,
					     (uint16_t)(1024 + i % 60000), 443, t, t);
		struct conn_record_v2 c = v2(CONN_KIND_CLOSED, fam, src, dst,
					     (uint16_t)(1024 + i % 60000), 443, t, t + 500);
		put_frame(f, REPLAY_KIND_CONN_V2, &o, sizeof(o));
		put_frame(f, REPLAY_KIND_CONN_V2, &c, sizeof(c));
	}
}

int main(int argc, char **argv)
{
	const char *usage = "usage: make_replay v1 N FILE | known FILE | v2pairs N FILE |"
			    " mix N SEED FILE | opens N FILE\n";
	if (argc < 3) {
		fputs(usage, stderr);
		return 2;
	}
	const char *mode = argv[1];
	/* FILE is the last argument of each mode. */
	int path_i = strcmp(mode, "known") == 0 ? 2 : strcmp(mode, "mix") == 0 ? 4 : 3;
	if (argc != path_i + 1) {
		fputs(usage, stderr);
		return 2;
	}
	const char *path = argv[path_i];
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	if (!f) {
		perror(path);
		return 1;
	}
	int rc = 0;
	if (strcmp(mode, "v1") == 0)
		write_v1(f, atol(argv[2]));
	else if (strcmp(mode, "known") == 0)
		write_known(f);
	else if (strcmp(mode, "v2pairs") == 0)
		write_v2pairs(f, atol(argv[2]));
	else if (strcmp(mode, "mix") == 0)
		rc = synth_capture_write(f, SYNTH_MIX, atol(argv[2]), strtoull(argv[3], NULL, 0));
	else if (strcmp(mode, "opens") == 0)
		rc = synth_capture_write(f, SYNTH_OPENS, atol(argv[2]), 0);
	else {
		fprintf(stderr, "make_replay: unknown mode %s\n", mode);
		return 2;
	}
	if (rc)
		fprintf(stderr, "make_replay: out of memory\n");
	return fclose(f) == 0 && rc == 0 ? 0 : 1;
}
