/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-CPU loss and activity counters kept by the tc program in its
 * FLOW_COUNTERS per-CPU array and summed by the recorder on every stats tick.
 * Shared by the BPF program and the recorder so the indexes cannot drift.
 */
#ifndef FLOWAUDIT_FLOW_COUNTERS_H
#define FLOWAUDIT_FLOW_COUNTERS_H

enum flow_counter {
	FLOW_COUNTER_PACKETS = 0, /* IP packets the program saw */
	FLOW_COUNTER_RINGBUF_DROPS = 1, /* bpf_ringbuf_reserve failed: a record was lost */
	FLOW_COUNTER_TABLE_FULL = 2, /* a new flow did not fit in the flow table */
	FLOW_COUNTER_NON_IP = 3, /* frames that were not IPv4/IPv6 (not flows) */
	FLOW_COUNTER_TRUNCATED = 4, /* IP packets too short to parse */
	FLOW_COUNTER_FRAG_UNMATCHED = 5, /* later IP fragments with no first fragment's flow */
	FLOW_COUNTER_COUNT = 6,
};

#endif /* FLOWAUDIT_FLOW_COUNTERS_H */
