/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FLOW_TABLE: the flow table the built-in tc program keeps (BPF hash map) and
 * the recorder sweeps. Shared by bpf/flowaudit.bpf.c and
 * recorder/source_ebpf.c so the key and value layouts cannot drift.
 *
 * Key: the normalised 5-tuple. The (address, port) pair that compares lower
 * (address bytes first, then port) is stored as "lo", so both directions of
 * one connection are one key. ICMP keys follow bpf/packet_rules.h: echo uses
 * the identifier as both ports (the request and the reply are one flow);
 * other ICMP messages use port 0 and type << 8 | code.
 *
 * Value: counters per side (index 0 = originator, the sender of the first
 * packet; 1 = responder), times from bpf_ktime_get_boot_ns(), and the
 * reporting state. Fields that several CPUs may write at once are __u32/__u64
 * and changed with atomic instructions; see flowaudit.bpf.c.
 *
 * Invariants:
 * - reported == FLOW_REPORTED only after the opened record was reserved and
 *   submitted; FLOW_REPORTING while one CPU holds the claim to emit it;
 *   FLOW_UNREPORTED: tracked (exact counters) but its opened record is
 *   deferred (see bpf/flow_pressure.h).
 * - state == FLOW_STATE_LINGER after a TCP close was detected; closed_ns is
 *   then set and close_reason says why. The entry keeps counting the 5-tuple's
 *   packets until the linger ends; the closed record, with the final counters,
 *   is emitted then: by the recorder's sweep, or by the program when a new SYN
 *   reuses the 5-tuple first. close_reported says whether it was emitted.
 */
#ifndef FLOWAUDIT_FLOW_TABLE_H
#define FLOWAUDIT_FLOW_TABLE_H

#include <linux/types.h>

#include "conn_record_v3.h"
#include "packet_rules.h"

/* Defaults the loader may override with bpf_map__set_max_entries(). */
#define FLOW_TABLE_DEFAULT_ENTRIES 65536
#define CONN_EVENTS_DEFAULT_BYTES (1u << 22) /* 4 MiB */

/*
 * Pressure handling (bpf/flow_pressure.h). New flows reported at their first
 * packet, per second, unless --flow-rate says otherwise; budgets are spent
 * per interval of FLOW_BUDGET_INTERVAL_NS; one class may take 1 /
 * FLOW_BUDGET_CLASS_SHARE of the rate. FLOW_CLOCK has FLOW_CLOCK_PER_ENTRY
 * positions per table entry.
 */
#define FLOW_BUDGET_DEFAULT_RATE 10000
#define FLOW_BUDGET_INTERVALS_PER_S 10
#define FLOW_BUDGET_INTERVAL_NS (1000000000ull / FLOW_BUDGET_INTERVALS_PER_S)
#define FLOW_BUDGET_CLASS_SHARE 8
#define FLOW_CLOCK_PER_ENTRY 2 /* two clocks: deferred and reported entries */
/* A reported flow active this recently is not evicted (bpf/flow_pressure.h). */
#define FLOW_EVICT_PROTECT_NS (2ull * 1000 * 1000 * 1000)

/* How long a closed TCP flow stays in the table absorbing its last packets. */
#define FLOW_LINGER_NS (4ull * 1000 * 1000 * 1000)

enum flow_reported {
	FLOW_UNREPORTED = 0,
	FLOW_REPORTED = 1,
	FLOW_REPORTING = 2,
};

enum flow_state {
	FLOW_STATE_OPEN = 0,
	FLOW_STATE_LINGER = 1,
};

/* fin_seen bits */
#define FLOW_FIN_ORIG 1u
#define FLOW_FIN_RESP 2u

struct flow_key {
	__u8 family; /* 4 or 6 */
	__u8 protocol;
	__u16 port_lo; /* host order */
	__u16 port_hi;
	__u16 pad;
	__u8 addr_lo[16]; /* network order, IPv4 in the first 4 bytes */
	__u8 addr_hi[16];
};

_Static_assert(sizeof(struct flow_key) == 40, "flow_key is 40 bytes");

struct flow_value {
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u64 closed_ns; /* FLOW_STATE_LINGER: when the close was detected */
	__u64 packets[2]; /* [0] originator, [1] responder */
	__u64 bytes[2]; /* IP-layer bytes */
	__u32 reported; /* enum flow_reported */
	__u32 state; /* enum flow_state */
	__u32 fin_seen; /* FLOW_FIN_* */
	__u32 close_reported;
	__u8 orig_is_lo; /* the originator is the key's lo side */
	__u8 direction; /* CONN_DIR_* of the flow, from the cell */
	__u8 close_reason; /* enum conn_close_reason, FLOW_STATE_LINGER only */
	__u8 flags; /* CONN_FLAG_* of the flow (bpf/conn_record_v3.h) */
	__u16 icmp_type_code; /* ICMP: type << 8 | code of the first packet */
	__u16 pad1;
	/* eviction (bpf/flow_pressure.h): the entry's clock and position in it */
	__u64 clock_seq;
	__u32 referenced; /* a packet after the first since the clock last passed */
	__u32 clock_id;
};

_Static_assert(sizeof(struct flow_value) == 96, "flow_value is 96 bytes");

/*
 * What the table remembers of a TCP flow after its entry is gone (closed,
 * idle, swept), in the LRU map FLOW_MEMORY under the same key: a packet that
 * later finds no entry continues the flow in its known direction (midstream)
 * instead of being read as a connection its sender opened.
 */
struct flow_memory {
	__u8 orig_is_lo;
	__u8 direction; /* CONN_DIR_* */
	__u8 pad[6];
};

_Static_assert(sizeof(struct flow_memory) == 8, "flow_memory is 8 bytes");

#define FLOW_MEMORY_DEFAULT_ENTRIES 16384

/*
 * Fill a v3 record from a table entry: the one mapping from flow state to
 * CONN_EVENTS, used by the BPF program (opened and closed records) and by the
 * recorder's sweep (idle, run_end and evicted closes), so the two cannot
 * disagree. An opened record carries the first packet's time as its
 * last-seen time; closed_ns is when the close was decided (0 for opened).
 */
static inline __attribute__((always_inline)) void
flow_table_fill_record(struct conn_record_v3 *rec, const struct flow_key *k,
		       const struct flow_value *v, __u8 kind, __u8 close_reason, __u64 closed_ns)
{
	const int lo_first = v->orig_is_lo;

	__builtin_memset(rec, 0, sizeof(*rec));
	rec->kind = kind;
	rec->family = k->family;
	rec->protocol = k->protocol;
	rec->direction = v->direction;
	rec->verdict = CONN_VERDICT_ALLOW;
	rec->close_reason = close_reason;
	rec->flags = v->flags & CONN_FLAGS_KNOWN;
	rec->src_port = lo_first ? k->port_lo : k->port_hi;
	rec->dst_port = lo_first ? k->port_hi : k->port_lo;
	__builtin_memcpy(rec->src_addr, lo_first ? k->addr_lo : k->addr_hi, 16);
	__builtin_memcpy(rec->dst_addr, lo_first ? k->addr_hi : k->addr_lo, 16);
	if (pkt_is_icmp(k->protocol)) { /* no ports: type, code and identifier instead */
		rec->icmp_type = v->icmp_type_code >> 8;
		rec->icmp_code = v->icmp_type_code & 0xff;
		if (pkt_icmp_is_echo(k->protocol, rec->icmp_type))
			rec->icmp_id = k->port_lo; /* both key ports hold the identifier */
		rec->src_port = 0;
		rec->dst_port = 0;
	}
	rec->orig_packets = v->packets[0];
	rec->orig_bytes = v->bytes[0];
	rec->resp_packets = v->packets[1];
	rec->resp_bytes = v->bytes[1];
	rec->first_seen_ns = v->first_seen_ns;
	rec->last_seen_ns = kind == CONN_KIND_OPENED ? v->first_seen_ns : v->last_seen_ns;
	rec->closed_ns = kind == CONN_KIND_CLOSED ? closed_ns : 0;
}

#endif /* FLOWAUDIT_FLOW_TABLE_H */
