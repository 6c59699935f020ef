/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The batch writer. Everything the recorder decides to store is queued as an
 * operation in memory, and flow_store_commit() writes the whole queue in one
 * transaction with statements prepared once for the run. If the commit fails
 * (disk full, I/O error, busy), the transaction is rolled back and the queue
 * is kept for the next attempt: what the recorder acknowledges (counts as
 * written) is exactly what is committed, and nothing queued is lost while the
 * process lives.
 *
 * A new flow is one row: its flows row holds its opening decision. Ids are
 * assigned here, so a close can refer to a flow whose row is still queued,
 * and two recorders on one file cannot collide: a decision's key is
 * (run_pk << 32) + seq, seq counting 1, 2, ... without a gap in the order the
 * decisions are queued (the order key of the run's decisions); a flow's id
 * is its opening decision's key, and a close never opened gets an id
 * counting down from (run_pk << 32) + 4294967295.
 */
#ifndef FLOWAUDIT_FLOW_STORE_H
#define FLOWAUDIT_FLOW_STORE_H

#include "conntrack.h"
#include "fa_health.h"
#include "flow_event.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_run_info {
	const char *cell_id;
	const char *run_id;
	const char *policy_digest; /* NULL: not stamped */
	const char *keyset_id;
	const char *issuer_kid;
	const char *correlation_id;
	const char *source; /* backend name(s) */
	const char *iface;
	const char *iface_side;
	const char *netns;
	const char *host;
	const char *boot_id; /* the kernel boot the offsets belong to; NULL: unknown */
	int64_t started_at; /* UTC ns */
	int64_t mono_offset_ns; /* UTC = CLOCK_MONOTONIC + this */
	int64_t boot_offset_ns; /* UTC = CLOCK_BOOTTIME + this */
};

/*
 * Cumulative counters of a run, one field per health counter (fa_health.h,
 * where each is described). The store fills those filled_by STORE
 * (events_written, commits, slowest_commit_us) when it writes the row.
 */
struct store_health {
#define STORE_HEALTH_FIELD(name, ...) uint64_t name;
	FA_HEALTH_COUNTERS(STORE_HEALTH_FIELD)
#undef STORE_HEALTH_FIELD
};

struct flow_store;

/*
 * Prepare the statements on db (opened by fa_db_open_writer). NULL with errno
 * set and the reason in err on failure.
 */
struct flow_store *flow_store_open(sqlite3 *db, const char *path, char *err, size_t errlen);
/*
 * Insert and commit the runs row at once, so a run killed later still shows
 * (as not ended), and drop the deferred indexes (fa_db.h) in the same
 * transaction. 0, -EEXIST when the run id already exists in this database
 * (the command line named it; nothing changed), or another -errno; err names
 * the problem.
 */
int flow_store_begin_run(struct flow_store *st, const struct store_run_info *run, char *err,
			 size_t errlen);
/* The run's UTC offset for a kernel clock. */
int64_t flow_store_clock_offset(const struct flow_store *st, enum fa_clock clock);
/*
 * Take over another run's clock (a replay of a --tee file with its header):
 * events queued from now on use these offsets, and the run row gets them,
 * with the host and boot id (NULL or "": unknown), in the next commit. Call
 * before any event is queued. 0 or -ENOMEM.
 */
int flow_store_adopt_clock(struct flow_store *st, int64_t mono_offset_ns, int64_t boot_offset_ns,
			   const char *host, const char *boot_id);

/*
 * Queue a new flow opened by ev: its flows row, which holds its opening
 * decision. Sets flow->flow_id (the decision's key). -ENOMEM, or -ENOSPC
 * when the run has used its 2^32 ids.
 */
int flow_store_queue_open(struct flow_store *st, struct ct_flow *flow, const struct fa_event *ev);
/*
 * Queue a decision on a flow already open (CT_NEW_DECISION): a flow_events
 * row for ev that refers to flow, as a later decision (opens_flow = 0).
 */
int flow_store_queue_decision(struct flow_store *st, const struct ct_flow *flow,
			      const struct fa_event *ev);
/*
 * Queue an update of a flow: its last packet (flow->last_seen_kns), its
 * counters (counts, from conntrack_counts; NULL: unchanged; a stored count
 * is never lowered), and, when closed, its close with reason (enum
 * conn_close_reason) at close_kns.
 */
int flow_store_queue_update(struct flow_store *st, const struct ct_flow *flow,
			    const struct ct_counts *counts, bool closed, unsigned reason,
			    int64_t close_kns);
/*
 * Queue a summary (FA_EVENT_SUMMARY): its decision and its flows row, closed,
 * both with flow_count and prefix_len. It bypasses connection tracking.
 */
int flow_store_queue_summary(struct flow_store *st, const struct fa_event *ev);
/* Queue a closed flows row for a close whose open was never seen (open_seen = 0). */
int flow_store_queue_orphan_close(struct flow_store *st, const struct fa_event *ev);
/* Queue a rejected record with its raw bytes (copied) and the reason. */
int flow_store_queue_reject(struct flow_store *st, const char *source, const char *reason,
			    const void *raw, size_t len);
/* Queue a health row (counters as of now; the store adds its own). */
int flow_store_queue_health(struct flow_store *st, const struct store_health *h, bool final);

/* Decisions (flow_events rows) queued and not yet committed. */
size_t flow_store_pending_events(const struct flow_store *st);
/* All operations queued and not yet committed. */
size_t flow_store_pending_ops(const struct flow_store *st);
/*
 * Write the queue in one transaction. 0 on success (queue emptied), or
 * -errno after a rollback (-ENOSPC disk full, -EBUSY locked, -EIO and others
 * as SQLite's result maps), with the queue intact and the reason in
 * flow_store_errmsg(). A no-op with an empty queue.
 */
int flow_store_commit(struct flow_store *st);
/* The last error's text (path and SQLite's message). */
const char *flow_store_errmsg(const struct flow_store *st);
/* Committed totals. */
uint64_t flow_store_events_written(const struct flow_store *st);
uint64_t flow_store_commits(const struct flow_store *st);
uint64_t flow_store_slowest_commit_us(const struct flow_store *st);

/*
 * Record the end of the run (ended_at, end_status) and commit it. 0 or
 * -errno, the reason in flow_store_errmsg().
 */
int flow_store_end_run(struct flow_store *st, const char *status, int64_t ended_at);
/*
 * Build the deferred indexes (fa_db.h) over every row of the database, in one
 * transaction, once a run has ended. 0, or -errno with the reason in
 * flow_store_errmsg() (the rows are kept; readers scan meanwhile).
 */
int flow_store_build_indexes(struct flow_store *st);
/* Finalize the statements and free the queue (uncommitted operations are discarded). NULL-safe. */
void flow_store_close(struct flow_store *st);

#endif
