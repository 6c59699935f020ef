/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct fa_event: one decoded flow event, whatever produced it (a v1 or v2
 * ring-buffer record, an NFLOG packet, a close the recorder synthesised). The
 * decoders fill it; connection tracking and the store consume it.
 *
 * src/dst are the originator and the responder of the flow (for v1 records:
 * the record's src and dst). Times are raw kernel clock readings; clock says
 * which clock, so the run's matching offset turns them into UTC.
 */
#ifndef FLOWAUDIT_FLOW_EVENT_H
#define FLOWAUDIT_FLOW_EVENT_H

#include "fa_addr.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum fa_event_kind {
	FA_EVENT_OPENED = 1, /* a new flow: one decision, one flows row */
	FA_EVENT_CLOSED = 2, /* a flow ended: updates its flows row, no decision */
	/* a flow the kernel could not track: like OPENED, counters are deltas */
	FA_EVENT_UNTRACKED = 3,
	/* flow_count flows summarised: one decision and one closed flows row */
	FA_EVENT_SUMMARY = 4,
};

enum fa_clock {
	FA_CLOCK_MONOTONIC = 0, /* v1 records: bpf_ktime_get_ns() */
	FA_CLOCK_BOOTTIME = 1, /* v2 records and NFLOG: bpf_ktime_get_boot_ns() */
};

/* The clock_gettime() clock whose readings a live source's records carry. */
static inline clockid_t fa_clock_id(enum fa_clock clock)
{
	return clock == FA_CLOCK_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_BOOTTIME;
}

#define FA_EVENT_TEXT_MAX 128

struct fa_event {
	enum fa_event_kind kind;
	enum fa_clock clock;
	uint8_t family; /* 4 or 6 */
	uint8_t protocol; /* IP protocol number */
	uint8_t direction; /* CONN_DIR_EGRESS / CONN_DIR_INGRESS, from the cell */
	uint8_t close_reason; /* enum conn_close_reason, for FA_EVENT_CLOSED */
	bool deny;
	bool bytes_known; /* v1 records carry no byte count */
	bool counts_are_deltas; /* NFLOG: each event is one more packet of its flow */
	bool decision_per_record; /* v1: every record is one decision, as in the seed */
	uint16_t src_port;
	uint16_t dst_port;
	struct fa_addr src;
	struct fa_addr dst;
	uint64_t orig_packets;
	uint64_t orig_bytes;
	uint64_t resp_packets;
	uint64_t resp_bytes;
	int64_t first_seen_kns;
	int64_t last_seen_kns;
	int64_t closed_kns; /* FA_EVENT_CLOSED: when the close was decided; 0 = unknown (v2) */
	uint8_t flags; /* CONN_FLAG_* of a v3 record */
	/* FA_EVENT_SUMMARY: how many flows; dst is a prefix of prefix_len bits
	 * (the family's terms), any_port: every destination port */
	uint64_t flow_count;
	uint8_t prefix_len;
	bool any_port;
	/*
	 * ICMP/ICMPv6 from the built-in program (v2, v3) and NFLOG: the flow has
	 * no ports (src_port and dst_port are 0 and stored as NULL); it is keyed
	 * and stored by its first type and code and its echo identifier
	 * (bpf/packet_rules.h). False for v1 records, whose ports stay as sent.
	 */
	bool icmp_fields;
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint16_t icmp_id;
	/* NFLOG: the packet's place among IP fragments (enum pkt_frag) and its fragment id. */
	uint8_t frag;
	uint32_t frag_id;
	const char *reason_code; /* static string, FA_REASON_* */
	const char *source; /* static string: "ebpf_v1", "ebpf_v2", "nflog", "sweep", ... */
	/* NFLOG only; empty string = none. */
	char nft_rule_ref[FA_EVENT_TEXT_MAX];
	char nflog_prefix[FA_EVENT_TEXT_MAX];
};

#endif
