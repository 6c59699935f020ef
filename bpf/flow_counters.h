/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-CPU loss and activity counters kept by the tc program in its
 * FLOW_COUNTERS per-CPU array and summed by the recorder on every stats tick.
 * Shared by the BPF program and the recorder so the indexes cannot drift.
 */
#ifndef FLOWAUDIT_FLOW_COUNTERS_H
#define FLOWAUDIT_FLOW_COUNTERS_H

/*
 * What a new flow became, for the accounting identity (every new flow is
 * exactly one of): inserted into the table, UNTRACKED (reported by an
 * untracked record or folded into a summary), or dropped (FAIL_CLOSED).
 * A flow in the table is reported by an opened record, at once or DEFERRED
 * (then later PROMOTED by the kernel, reported by the recorder's sweep, or
 * folded into a summary when EVICTED).
 */
enum flow_counter {
	FLOW_COUNTER_PACKETS = 0, /* IP packets the program saw */
	/* bpf_ringbuf_reserve failed and the record is lost (a reopened TCP 5-tuple's close) */
	FLOW_COUNTER_RINGBUF_DROPS = 1,
	/* a new flow was neither tracked nor reported (programs before the pressure
	 * handling; the built-in program now keeps this 0) */
	FLOW_COUNTER_TABLE_FULL = 2,
	FLOW_COUNTER_NON_IP = 3, /* frames that were not IPv4/IPv6 (not flows) */
	FLOW_COUNTER_TRUNCATED = 4, /* IP packets too short to parse */
	FLOW_COUNTER_FRAG_UNMATCHED = 5, /* later IP fragments with no first fragment's flow */
	FLOW_COUNTER_UNTRACKED = 6, /* new flows the table could not hold, even after eviction */
	FLOW_COUNTER_EVICTED = 7, /* flows removed from the table to make room for new ones */
	FLOW_COUNTER_AGGREGATED = 8, /* flows counted in a summary slot instead of a record */
	FLOW_COUNTER_FAIL_CLOSED = 9, /* packets dropped: their flow could not be recorded */
	FLOW_COUNTER_DEFERRED_OPENS = 10, /* tracked flows not reported at their first packet */
	FLOW_COUNTER_PROMOTED = 11, /* deferred flows the kernel reported later */
	/* a reserve failed but nothing was lost: the record waits or went into a summary */
	FLOW_COUNTER_RING_DEFERRED = 12,
	FLOW_COUNTER_COUNT = 13,
};

#endif /* FLOWAUDIT_FLOW_COUNTERS_H */
