/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FRAG_TABLE: later IP fragments carry no transport header, so they cannot be
 * keyed like other packets. When a first fragment (offset 0, more to come) is
 * keyed into a flow, the tc program remembers that flow under the datagram's
 * identity (family, protocol, source, destination, IP id or IPv6 fragment id)
 * in a small LRU map, and later fragments of the datagram add their packets
 * and bytes to it. A later fragment with no remembered first fragment (lost,
 * reordered, older than PKT_FRAG_TRACK_NS, or evicted from the LRU) is counted
 * in FLOW_COUNTER_FRAG_UNMATCHED. The NFLOG decoder applies the same rule in
 * user space (recorder/frag_match.h) with the same key.
 */
#ifndef FLOWAUDIT_FRAG_TRACK_H
#define FLOWAUDIT_FRAG_TRACK_H

#include <linux/types.h>

#include "flow_table.h"

#define FRAG_TABLE_DEFAULT_ENTRIES 4096

/* A datagram's identity, as its fragments share it. */
struct frag_key {
	__u8 family; /* 4 or 6 */
	__u8 protocol; /* the transport protocol (after IPv6 extension headers) */
	__u16 pad;
	__u32 id; /* IPv4 identification (16 bits) or IPv6 fragment id, host order */
	__u8 src[16]; /* network order, IPv4 in the first 4 bytes */
	__u8 dst[16];
};

_Static_assert(sizeof(struct frag_key) == 40, "frag_key is 40 bytes");

/* The flow the first fragment was keyed into. */
struct frag_value {
	struct flow_key flow;
	__u64 first_ns; /* when the first fragment was seen (CLOCK_BOOTTIME) */
	__u8 sender_is_lo; /* the fragments' sender is the flow key's lo side */
	__u8 pad[7];
};

_Static_assert(sizeof(struct frag_value) == 56, "frag_value is 56 bytes");

#endif /* FLOWAUDIT_FRAG_TRACK_H */
