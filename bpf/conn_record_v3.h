/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CONN_EVENTS v3: the connection-tracking records of flowaudit's own tc
 * program (bpf/flowaudit.bpf.c) and of the recorder's flow-table sweep.
 *
 * The single definition of the layout, included by the BPF program, the
 * user-space decoder and the sweep. Fixed-width kernel types only, explicit
 * padding, every offset asserted below. Replay and --tee files carry it as
 * frame kind REPLAY_KIND_CONN_V3 (bpf/replay_frame.h). v3 extends v2 (96
 * bytes, bpf/conn_record_v2.h, still decoded) with the ICMP fields, the close
 * time and room for the records a full flow table needs.
 *
 *   offset size field          notes
 *   0      1    kind           enum conn_kind (bpf/conn_common.h)
 *   1      1    family         4 (IPv4) or 6 (IPv6)
 *   2      1    protocol       IP protocol number (L4 after IPv6 extension headers)
 *   3      1    direction      enum conn_direction, from the cell's point of view
 *   4      1    verdict        CONN_VERDICT_ALLOW (0) or CONN_VERDICT_DROP (2)
 *   5      1    close_reason   enum conn_close_reason; CONN_CLOSE_NONE unless closed
 *   6      1    flags          CONN_FLAG_* bits; unknown bits are a decode error
 *   7      1    icmp_type      ICMP/ICMPv6: type of the flow's first packet; else 0
 *   8      2    src_port       originator's port, host order; 0 for ICMP/ICMPv6
 *   10     2    dst_port       responder's port, host order; 0 for ICMP/ICMPv6
 *   12     1    icmp_code      ICMP/ICMPv6: code of the flow's first packet; else 0
 *   13     1    prefix_len     summary: prefix length of dst_addr in the
 *                              family's terms (0, 8, ... 32 or 128; a
 *                              multiple of 8); else 0
 *   14     2    icmp_id        ICMP/ICMPv6 echo: identifier, host order; else 0
 *   16     16   src_addr       originator address; IPv4 in the first 4 bytes,
 *                              network byte order, rest zero
 *   32     16   dst_addr       responder address, same encoding
 *   48     8    orig_packets   packets sent by the originator
 *   56     8    orig_bytes     IP-layer bytes (IP header + payload) sent by it
 *   64     8    resp_packets   packets sent by the responder
 *   72     8    resp_bytes     IP-layer bytes sent by the responder
 *   80     8    first_seen_ns  CLOCK_BOOTTIME (bpf_ktime_get_boot_ns()) of the
 *                              flow's first packet
 *   88     8    last_seen_ns   CLOCK_BOOTTIME of its latest packet (opened: same
 *                              as first_seen_ns)
 *   96     8    closed_ns      closed: CLOCK_BOOTTIME when the close was decided
 *                              (the FIN/RST, or the sweep's time for idle,
 *                              run_end and evicted); 0 otherwise
 *   104    8    flow_count     summary: how many flows (>= 1); else 0
 *
 * An opened record carries the counters of the first packet (of every packet
 * so far with CONN_FLAG_DEFERRED); a closed record carries the flow's totals.
 *
 * A summary (kind CONN_KIND_SUMMARY) has no originator: src_addr and
 * src_port are 0; dst_addr is the destination prefix (host bits 0), dst_port
 * the destination port (0 with CONN_FLAG_ANY_PORT); the counters are the sums
 * over its flows; first_seen_ns and last_seen_ns bound their packets; the
 * ICMP fields and closed_ns are 0. An untracked record (kind
 * CONN_KIND_UNTRACKED) is laid out as an opened one.
 */
#ifndef FLOWAUDIT_CONN_RECORD_V3_H
#define FLOWAUDIT_CONN_RECORD_V3_H

#include <linux/types.h>

#include "conn_common.h"

#define CONN_RECORD_V3_SIZE 112

/*
 * flags bits; CONN_FLAGS_KNOWN lists every bit a decoder accepts.
 * CONN_FLAG_MIDSTREAM: a TCP flow first seen mid-stream (no SYN): continued,
 * its direction inferred.
 * CONN_FLAG_DEFERRED (opened only): the record was emitted after the flow's
 * first packet (the new-flow budget was spent, or the ring was full), so its
 * counters cover every packet until then.
 * CONN_FLAG_ANY_PORT (summary only): the summary covers every destination
 * port; dst_port is 0.
 */
#define CONN_FLAG_MIDSTREAM 0x01u
#define CONN_FLAG_DEFERRED 0x10u
#define CONN_FLAG_ANY_PORT 0x20u
#define CONN_FLAGS_KNOWN (CONN_FLAG_MIDSTREAM | CONN_FLAG_DEFERRED | CONN_FLAG_ANY_PORT)

struct conn_record_v3 {
	__u8 kind;
	__u8 family;
	__u8 protocol;
	__u8 direction;
	__u8 verdict;
	__u8 close_reason;
	__u8 flags;
	__u8 icmp_type;
	__u16 src_port;
	__u16 dst_port;
	__u8 icmp_code;
	__u8 prefix_len;
	__u16 icmp_id;
	__u8 src_addr[16];
	__u8 dst_addr[16];
	__u64 orig_packets;
	__u64 orig_bytes;
	__u64 resp_packets;
	__u64 resp_bytes;
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u64 closed_ns;
	__u64 flow_count;
};

#define CONN_V3_AT(field, off)                                                                     \
	_Static_assert(__builtin_offsetof(struct conn_record_v3, field) == (off),                  \
		       "v3 " #field " at " #off)
_Static_assert(sizeof(struct conn_record_v3) == CONN_RECORD_V3_SIZE, "v3 record is 112 bytes");
CONN_V3_AT(kind, 0);
CONN_V3_AT(family, 1);
CONN_V3_AT(protocol, 2);
CONN_V3_AT(direction, 3);
CONN_V3_AT(verdict, 4);
CONN_V3_AT(close_reason, 5);
CONN_V3_AT(flags, 6);
CONN_V3_AT(icmp_type, 7);
CONN_V3_AT(src_port, 8);
CONN_V3_AT(dst_port, 10);
CONN_V3_AT(icmp_code, 12);
CONN_V3_AT(prefix_len, 13);
CONN_V3_AT(icmp_id, 14);
CONN_V3_AT(src_addr, 16);
CONN_V3_AT(dst_addr, 32);
CONN_V3_AT(orig_packets, 48);
CONN_V3_AT(orig_bytes, 56);
CONN_V3_AT(resp_packets, 64);
CONN_V3_AT(resp_bytes, 72);
CONN_V3_AT(first_seen_ns, 80);
CONN_V3_AT(last_seen_ns, 88);
CONN_V3_AT(closed_ns, 96);
CONN_V3_AT(flow_count, 104);
#undef CONN_V3_AT

#endif /* FLOWAUDIT_CONN_RECORD_V3_H */
