/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The recorder's connection tracking: the flows of the current run that are
 * open, keyed by their normalised 5-tuple (both directions are one key). It
 * decides what each event means (a new flow, a repeated open, a close, a close
 * for a flow never opened) and keeps the counters the store writes; it does
 * no I/O, so its rules are unit-tested alone.
 *
 * Invariants: a flow is in the table from its first open until its close;
 * unique_opened never decreases (the seed's FlowAccumulator: duplicate opens
 * count once, closes count nothing).
 */
#ifndef FLOWAUDIT_CONNTRACK_H
#define FLOWAUDIT_CONNTRACK_H

#include "flow_event.h"

#include <stddef.h>
#include <stdint.h>

/*
 * What tracking needs of an open flow; the opening event itself goes to the
 * store's queue once and is not kept (an open flow costs ~100 bytes here).
 */
struct ct_flow {
	int64_t flow_id; /* set by flow_store_queue_open() after CT_NEW_FLOW */
	enum fa_clock clock;
	uint8_t protocol;
	uint64_t orig_packets;
	uint64_t orig_bytes;
	uint64_t resp_packets;
	uint64_t resp_bytes;
	bool bytes_known;
	int64_t last_seen_kns;
	bool kernel_tracked; /* a kernel flow table will report its close (v2 source) */
	/* Where the flow's insert waits in the store's queue (flow_store.c). */
	uint64_t open_batch;
	size_t open_op;
};

enum ct_outcome {
	CT_NEW_FLOW = 1, /* store a decision and a flows row */
	CT_DUPLICATE_OPEN = 2, /* an open for a flow already open: counters updated, no decision */
	CT_CLOSE = 3, /* close an open flow: caller stores it, then conntrack_remove() */
	CT_ORPHAN_CLOSE = 4, /* a close for a flow never opened: kept and counted */
};

struct conntrack;

/* An empty table, or NULL with errno ENOMEM. */
struct conntrack *conntrack_new(void);
/* NULL-safe. */
void conntrack_free(struct conntrack *ct);
/*
 * Apply ev. Returns the flow concerned (NULL for CT_ORPHAN_CLOSE, or on ENOMEM
 * with *outcome 0) and sets *outcome. For CT_CLOSE the flow's counters already
 * hold the close's totals.
 */
struct ct_flow *conntrack_record(struct conntrack *ct, const struct fa_event *ev,
				 enum ct_outcome *outcome);
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
