/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FLOW_EVENTS v1: the 40-byte ring-buffer record of the seed's kernel producer.
 *
 * This header is the single definition of the layout. It is included by BPF
 * programs (compiled with clang -target bpf) and by the user-space decoder, so
 * it uses only fixed-width kernel types and no libc.
 *
 * Layout, byte by byte (all integers native endian, as the producer wrote them):
 *
 *   offset size field          notes
 *   0      4    src_ip         IPv4 as a host-order integer (10.0.0.1 = 0x0A000001)
 *   4      4    dst_ip         same
 *   8      2    src_port       host order
 *   10     2    dst_port       host order
 *   12     1    proto          IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6)
 *   13     3    pad0           ignored, may be non-zero
 *   16     8    pkt_count
 *   24     8    first_seen_ns  bpf_ktime_get_ns() (CLOCK_MONOTONIC)
 *   32     1    verdict        2 = drop (deny); anything else = allow
 *   33     7    pad1           ignored
 *
 * A record of any other length is ABI drift or a torn read and is rejected.
 */
#ifndef FLOWAUDIT_FLOW_RECORD_V1_H
#define FLOWAUDIT_FLOW_RECORD_V1_H

#include <linux/types.h>

#define FLOW_RECORD_V1_SIZE 40
#define FLOW_RECORD_V1_VERDICT_DROP 2

struct flow_record_v1 {
	__u32 src_ip;
	__u32 dst_ip;
	__u16 src_port;
	__u16 dst_port;
	__u8 proto;
	__u8 pad0[3];
	__u64 pkt_count;
	__u64 first_seen_ns;
	__u8 verdict;
	__u8 pad1[7];
};

_Static_assert(sizeof(struct flow_record_v1) == FLOW_RECORD_V1_SIZE, "v1 record is 40 bytes");
_Static_assert(__builtin_offsetof(struct flow_record_v1, src_ip) == 0, "v1 src_ip at 0");
_Static_assert(__builtin_offsetof(struct flow_record_v1, dst_ip) == 4, "v1 dst_ip at 4");
_Static_assert(__builtin_offsetof(struct flow_record_v1, src_port) == 8, "v1 src_port at 8");
_Static_assert(__builtin_offsetof(struct flow_record_v1, dst_port) == 10, "v1 dst_port at 10");
_Static_assert(__builtin_offsetof(struct flow_record_v1, proto) == 12, "v1 proto at 12");
_Static_assert(__builtin_offsetof(struct flow_record_v1, pad0) == 13, "v1 pad0 at 13");
_Static_assert(__builtin_offsetof(struct flow_record_v1, pkt_count) == 16, "v1 pkt_count at 16");
_Static_assert(__builtin_offsetof(struct flow_record_v1, first_seen_ns) == 24,
	       "v1 first_seen_ns at 24");
_Static_assert(__builtin_offsetof(struct flow_record_v1, verdict) == 32, "v1 verdict at 32");
_Static_assert(__builtin_offsetof(struct flow_record_v1, pad1) == 33, "v1 pad1 at 33");

#endif /* FLOWAUDIT_FLOW_RECORD_V1_H */
