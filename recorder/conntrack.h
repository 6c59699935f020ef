/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The recorder's connection tracking: the flows of the current run that are
 * open, keyed by their normalised 5-tuple (both directions are one key). It
 * decides what each event means (a new flow, a new decision on an open flow,
 * a repeated open folded into its flow, a close, a close for a flow never
 * opened) and keeps the counters the store writes; it does no I/O, so its
 * rules are unit-tested alone.
 *
 * Decisions: a new flow is one decision. On an open flow, a v1 record is
 * another decision (every v1 record is one, as in the seed), and so is an open
 * whose verdict differs from the flow's latest decision: a deny is never
 * folded behind an allow. A repeated open with the flow's verdict is folded
 * (counted by the caller); an NFLOG packet with it is one more packet.
 *
 * Idle flows (with conntrack_set_idle): an open arriving for a flow idle past
 * its timeout on the record's own clock ends that flow first (CT_IDLE_REOPEN),
 * and conntrack_expired() hands out the flows the recorder closes itself
 * (those no kernel flow table reports) once idle at a given "now", in
 * O(log n) each from a heap per clock, so a sweep costs what it closes.
 *
 * Invariants: a flow is in the table from its first open until its close;
 * unique_opened never decreases (the seed's FlowAccumulator: duplicate opens
 * count once, closes count nothing). A struct ct_flow stays where it is until
 * it is removed (entries never move; the table's index holds references).
 */
#ifndef FLOWAUDIT_CONNTRACK_H
#define FLOWAUDIT_CONNTRACK_H

#include "flow_event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What tracking keeps of an open flow, at the head of its table entry (the
 * normalised addresses follow it). Callers read flow_id, clock, protocol,
 * last_seen_kns and flags; the rest is the table's. The opening event goes
 * to the store's queue once and is not kept, and a flow the kernel tracks has
 * no counters here: its records carry the kernel's own (conntrack_counts).
 * An open flow costs 40 bytes (IPv4) or 64 (IPv6), plus its index slot and,
 * for a flow the recorder tracks itself, its counters and idle-heap slot.
 */
struct ct_flow {
	int64_t flow_id; /* set by flow_store_queue_open() after CT_NEW_FLOW */
	int64_t last_seen_kns;
	uint32_t heap_i; /* position in the idle heap of its clock, or CT_NONE */
	uint32_t counters_i; /* its counters, or CT_NONE (kernel tracked) */
	uint8_t protocol;
	uint8_t clock; /* enum fa_clock */
	uint8_t flags; /* CT_F_* */
	uint8_t deltas; /* the key's kind of counts (conntrack.c) */
	uint16_t lo_port, hi_port; /* the normalised key's ports */
};

#define CT_NONE UINT32_MAX
/* The verdict of the flow's latest decision is deny. */
#define CT_F_DENY 0x01
/* A kernel flow table reports its close and its counters (a v2/v3 flow). */
#define CT_F_KERNEL_TRACKED 0x02
/* An IPv6 flow (its entry holds 16-byte addresses). */
#define CT_F_V6 0x04

/* A flow's counters as the store writes them (the larger of these and the stored ones). */
struct ct_counts {
	uint64_t orig_packets;
	uint64_t orig_bytes;
	uint64_t resp_packets;
	uint64_t resp_bytes;
	bool bytes_known;
};

enum ct_outcome {
	CT_NEW_FLOW = 1, /* store a decision and a flows row */
	/* An open with the flow's verdict for a flow already open: folded into it
	 * (counters updated), no decision; the caller counts it. */
	CT_DUPLICATE_OPEN = 2,
	CT_CLOSE = 3, /* close an open flow: caller stores it, then conntrack_remove() */
	CT_ORPHAN_CLOSE = 4, /* a close for a flow never opened: kept and counted */
	/* A decision on a flow already open (a v1 record, or an open whose verdict
	 * differs from the flow's): counters updated; store the decision on flow. */
	CT_NEW_DECISION = 5,
	/* One more NFLOG packet of an open flow, with its verdict: counters only. */
	CT_FLOW_PACKET = 6,
	/* An open for a flow idle past its timeout: nothing applied. The caller
	 * closes the returned flow (idle), removes it, and records ev again. */
	CT_IDLE_REOPEN = 7,
};

/* Idle timeouts, in ns of the records' clocks. */
struct ct_idle {
	int64_t tcp_ns;
	int64_t other_ns; /* UDP, ICMP and every other protocol */
};

struct conntrack;

/* An empty table, or NULL with errno ENOMEM. */
struct conntrack *conntrack_new(void);
/* NULL-safe. */
void conntrack_free(struct conntrack *ct);
/*
 * Track idle flows with these timeouts (see the top of this file). Call
 * before the first conntrack_record; without it nothing is ever idle.
 */
void conntrack_set_idle(struct conntrack *ct, const struct ct_idle *idle);
/*
 * Flows on clock that the recorder closes itself (not kernel_tracked) and
 * that are idle at now (now - last_seen >= timeout): up to max of them into
 * out, returned count. The caller closes and conntrack_remove()s each one;
 * they are no longer offered by later calls.
 */
size_t conntrack_expired(struct conntrack *ct, enum fa_clock clock, int64_t now,
			 struct ct_flow **out, size_t max);
/*
 * Apply ev (opened, untracked or closed; a summary is not a flow). Returns
 * the flow concerned (NULL for CT_ORPHAN_CLOSE, or on ENOMEM
 * with *outcome 0) and sets *outcome. For CT_NEW_DECISION, deny is ev's.
 */
struct ct_flow *conntrack_record(struct conntrack *ct, const struct fa_event *ev,
				 enum ct_outcome *outcome);
/*
 * The counters to store for flow f after conntrack_record(ev): for a flow the
 * recorder tracks itself, the totals kept here (deltas added, snapshots of v1
 * records the largest); for a kernel-tracked flow, ev's own snapshot of the
 * kernel's counters (ev NULL: none, all zero and bytes unknown). The store
 * keeps the larger of these and what it holds, so snapshots arriving out of
 * order never lower a count.
 */
void conntrack_counts(const struct conntrack *ct, const struct ct_flow *f,
		      const struct fa_event *ev, struct ct_counts *out);
/* Remove (and free) a flow returned by conntrack_record or conntrack_next. */
void conntrack_remove(struct conntrack *ct, struct ct_flow *flow);
/* Open flows now. */
size_t conntrack_count(const struct conntrack *ct);
/* Distinct flows ever opened (the seed's unique_flow_count). */
uint64_t conntrack_unique_opened(const struct conntrack *ct);
/*
 * Iterate: pass *cursor = 0 first; returns the next flow or NULL at the end.
 * The table must not change during an iteration: collect, then remove.
 */
struct ct_flow *conntrack_next(struct conntrack *ct, size_t *cursor);

#endif
