/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vocabulary of the CONN_EVENTS records (bpf/conn_record_v2.h, the
 * legacy layout that old replay files carry, and bpf/conn_record_v3.h, what
 * the built-in program emits): record kinds, directions, verdicts and close
 * reasons. Included by the BPF program and by the recorder, so the numbers
 * are defined once.
 */
#ifndef FLOWAUDIT_CONN_COMMON_H
#define FLOWAUDIT_CONN_COMMON_H

enum conn_kind {
	CONN_KIND_OPENED = 1, /* a new flow: one decision */
	CONN_KIND_CLOSED = 2, /* a flow ended: its final counters, no decision */
	/*
	 * A new flow the flow table could not hold (full, nothing evictable): one
	 * decision with the counters of the packet(s) the record covers. No close
	 * follows; each further record of the same flow adds its own counters.
	 */
	CONN_KIND_UNTRACKED = 3,
	/*
	 * Flows aggregated under pressure: flow_count flows of one class
	 * (direction, protocol, destination prefix and port) with their summed
	 * counters, between first_seen_ns and last_seen_ns. One decision.
	 */
	CONN_KIND_SUMMARY = 4,
};

enum conn_direction {
	CONN_DIR_EGRESS = 0, /* the cell originated the flow */
	CONN_DIR_INGRESS = 1, /* the peer did */
};

#define CONN_VERDICT_ALLOW 0
#define CONN_VERDICT_DROP 2

/* Names in fa_close_reason_name() (common/fa_names.c); test_names checks both agree. */
enum conn_close_reason {
	CONN_CLOSE_NONE = 0,
	CONN_CLOSE_TCP_FIN = 1,
	CONN_CLOSE_TCP_RST = 2,
	CONN_CLOSE_IDLE = 3,
	CONN_CLOSE_RUN_END = 4,
	CONN_CLOSE_EVICTED = 5,
	CONN_CLOSE_REASON_COUNT = 6,
};

#endif /* FLOWAUDIT_CONN_COMMON_H */
