/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CONN_EVENTS v2: the connection-tracking records that flowaudit's tc program
 * emitted before v3 (bpf/conn_record_v3.h). The program no longer writes
 * them; the decoder keeps reading them so replay and --tee files written by
 * earlier versions still replay. Fixed-width kernel types only, explicit
 * padding. Kinds, directions, verdicts and close reasons: bpf/conn_common.h.
 *
 *   offset size field          notes
 *   0      1    kind           CONN_KIND_OPENED (1) or CONN_KIND_CLOSED (2)
 *   1      1    family         4 (IPv4) or 6 (IPv6)
 *   2      1    protocol       IP protocol number (L4 after IPv6 extension headers)
 *   3      1    direction      CONN_DIR_EGRESS (0): the cell originated the flow;
 *                              CONN_DIR_INGRESS (1): the peer did
 *   4      1    verdict        CONN_VERDICT_ALLOW (0) or CONN_VERDICT_DROP (2)
 *   5      1    close_reason   enum conn_close_reason; CONN_CLOSE_NONE for opened
 *   6      2    pad0           zero
 *   8      2    src_port       originator's port, host order (ICMP: 0)
 *   10     2    dst_port       responder's port, host order (ICMP: type << 8 | code)
 *   12     4    pad1           zero
 *   16     16   src_addr       originator address; IPv4 in the first 4 bytes,
 *                              network byte order, rest zero
 *   32     16   dst_addr       responder address, same encoding
 *   48     8    orig_packets   packets sent by the originator
 *   56     8    orig_bytes     IP-layer bytes (IP header + payload) sent by it
 *   64     8    resp_packets   packets sent by the responder
 *   72     8    resp_bytes     IP-layer bytes sent by the responder
 *   80     8    first_seen_ns  bpf_ktime_get_boot_ns() (CLOCK_BOOTTIME) of the
 *                              flow's first packet
 *   88     8    last_seen_ns   CLOCK_BOOTTIME of its latest packet (opened: same
 *                              as first_seen_ns)
 *
 * An opened record carries the counters of the first packet; a closed record
 * carries the flow's totals.
 */
#ifndef FLOWAUDIT_CONN_RECORD_V2_H
#define FLOWAUDIT_CONN_RECORD_V2_H

#include <linux/types.h>

#include "conn_common.h"

#define CONN_RECORD_V2_SIZE 96

struct conn_record_v2 {
	__u8 kind;
	__u8 family;
	__u8 protocol;
	__u8 direction;
	__u8 verdict;
	__u8 close_reason;
	__u8 pad0[2];
	__u16 src_port;
	__u16 dst_port;
	__u8 pad1[4];
	__u8 src_addr[16];
	__u8 dst_addr[16];
	__u64 orig_packets;
	__u64 orig_bytes;
	__u64 resp_packets;
	__u64 resp_bytes;
	__u64 first_seen_ns;
	__u64 last_seen_ns;
};

_Static_assert(sizeof(struct conn_record_v2) == CONN_RECORD_V2_SIZE, "v2 record is 96 bytes");
_Static_assert(__builtin_offsetof(struct conn_record_v2, kind) == 0, "v2 kind at 0");
_Static_assert(__builtin_offsetof(struct conn_record_v2, family) == 1, "v2 family at 1");
_Static_assert(__builtin_offsetof(struct conn_record_v2, protocol) == 2, "v2 protocol at 2");
_Static_assert(__builtin_offsetof(struct conn_record_v2, direction) == 3, "v2 direction at 3");
_Static_assert(__builtin_offsetof(struct conn_record_v2, verdict) == 4, "v2 verdict at 4");
_Static_assert(__builtin_offsetof(struct conn_record_v2, close_reason) == 5,
	       "v2 close_reason at 5");
_Static_assert(__builtin_offsetof(struct conn_record_v2, src_port) == 8, "v2 src_port at 8");
_Static_assert(__builtin_offsetof(struct conn_record_v2, dst_port) == 10, "v2 dst_port at 10");
_Static_assert(__builtin_offsetof(struct conn_record_v2, src_addr) == 16, "v2 src_addr at 16");
_Static_assert(__builtin_offsetof(struct conn_record_v2, dst_addr) == 32, "v2 dst_addr at 32");
_Static_assert(__builtin_offsetof(struct conn_record_v2, orig_packets) == 48,
	       "v2 orig_packets at 48");
_Static_assert(__builtin_offsetof(struct conn_record_v2, orig_bytes) == 56, "v2 orig_bytes at 56");
_Static_assert(__builtin_offsetof(struct conn_record_v2, resp_packets) == 64,
	       "v2 resp_packets at 64");
_Static_assert(__builtin_offsetof(struct conn_record_v2, resp_bytes) == 72, "v2 resp_bytes at 72");
_Static_assert(__builtin_offsetof(struct conn_record_v2, first_seen_ns) == 80,
	       "v2 first_seen_ns at 80");
_Static_assert(__builtin_offsetof(struct conn_record_v2, last_seen_ns) == 88,
	       "v2 last_seen_ns at 88");

#endif /* FLOWAUDIT_CONN_RECORD_V2_H */
