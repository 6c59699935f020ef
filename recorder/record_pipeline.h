/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record pipeline: what flowrec does with one framed record, apart from
 * when it does it. A frame (kind, bytes, source name) is decoded strictly,
 * checked against what the store can hold, applied to connection tracking,
 * and what that decides is queued in the store (flow_store_queue_*): a
 * decision, a flow's counters or close, a reject with the raw bytes. Each
 * call says what became of the frame and whether the store's queue now holds
 * a full batch.
 *
 * It does no I/O and keeps no time of its own: no epoll, no timers, no
 * commits, no retry, no tee. The caller (recorder_loop.c) owns those: it
 * commits when told "batch full" (or decides not to, while the database
 * refuses writes), and it decides when wall-clock idle sweeps run. What is a
 * function of the records alone stays here: a replay's clock is its records'
 * clock, so before a record that moves a clock forward, the flows the
 * recorder tracks itself (v1, NFLOG) that are idle at that time are closed.
 *
 * Pausing: a sweep can close more flows than a batch holds. The pipeline then
 * stops with RP_PAUSED as soon as the queue is full; the caller commits (or
 * not) and calls record_pipeline_resume() until the status is no longer
 * RP_PAUSED. Nothing else may be called on a paused pipeline. So batches stay
 * bounded however many flows a sweep closes, as they did when the loop
 * committed in the middle of a sweep.
 *
 * Counting: every counter the pipeline owns is added to the struct
 * store_health it was given (received, decoded, rejected, flows opened and
 * closed, duplicate and folded opens, orphan closes, store failures);
 * fragments of NFLOG packets that match no first fragment are kept apart
 * (record_pipeline_frag_unmatched), since the run's frag_unmatched also sums
 * the kernel's count.
 */
#ifndef FLOWAUDIT_RECORD_PIPELINE_H
#define FLOWAUDIT_RECORD_PIPELINE_H

#include "flow_event.h"
#include "flow_store.h"
#include "tee_header.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One framed record as a source delivered it. */
struct rp_frame {
	uint32_t kind; /* REPLAY_KIND_* (bpf/replay_frame.h) or RAW_KIND_* (record_buf.h) */
	const uint8_t *data;
	uint32_t len;
	const char *source; /* the source's backend name, stored with a reject */
};

/* What became of a frame. */
enum rp_outcome {
	RP_PENDING = 0, /* not yet known: the pipeline is paused (RP_PAUSED) */
	RP_NEW_FLOW, /* a new flow: its decision and flows row are queued */
	RP_NEW_DECISION, /* a decision on an open flow (v1 record, or a verdict change) */
	RP_FOLDED_OPEN, /* an open with the open flow's verdict: its counters only */
	RP_FLOW_PACKET, /* one more NFLOG packet of an open flow: its counters only */
	RP_CLOSED, /* an open flow's close */
	RP_ORPHAN_CLOSE, /* a close for a flow never opened: kept as a closed flows row */
	RP_SUMMARY, /* a kernel summary: its decision and closed flows row */
	RP_REJECTED, /* undecodable or unstorable: the reason and raw bytes are queued */
	RP_CLOCK_ADOPTED, /* a replay's leading tee header: the run now has its clock */
	RP_DROPPED, /* not queued: the queue was at its limit (a store failure) */
	RP_NO_MEMORY, /* connection tracking ran out of memory (a store failure) */
};

/* What the caller does next. */
enum rp_status {
	RP_OK = 0, /* done; the queue has room */
	RP_BATCH_FULL = 1, /* done; the queue holds a full batch: commit before more */
	RP_PAUSED = 2, /* not done: the queue filled during a sweep; commit, then resume */
};

struct rp_result {
	enum rp_status status;
	enum rp_outcome outcome; /* for a frame; RP_PENDING for a sweep */
};

struct record_pipeline_config {
	/* A full batch: this many decisions, or twice as many queued operations
	 * (closes and updates count too, so a mass close stays in bounded batches). */
	uint32_t batch_events;
	int64_t tcp_idle_ns; /* idle timeouts of the flows tracked here, on their clock */
	int64_t other_idle_ns; /* UDP, ICMP and every other protocol */
	/* Records carry their own clock (a replay): idle flows close on record time,
	 * and a close is stamped with the flow's last record. */
	bool replay;
	struct run_clock clock; /* the run's, as stored on it */
	/* "Now" on a kernel clock, to stamp a live close; NULL: the kernel's clocks. */
	int64_t (*now)(enum fa_clock clock);
};

struct record_pipeline;

/*
 * A pipeline queuing into st (its run begun) and counting into health (both
 * outlive it). NULL with errno ENOMEM.
 */
struct record_pipeline *record_pipeline_new(const struct record_pipeline_config *cfg,
					    struct flow_store *st, struct store_health *health);
/* Free the tracking state; flows still open are forgotten, not closed. NULL-safe. */
void record_pipeline_free(struct record_pipeline *p);

/*
 * Take one frame: decode, check, track and queue it (a leading tee header of a
 * replay is taken as the run's clock instead). The frame's bytes need only
 * live for the call.
 */
struct rp_result record_pipeline_push(struct record_pipeline *p, const struct rp_frame *frame);
/*
 * Close the flows tracked here that are idle at now on clock (a live source's
 * wall-clock sweep; a replay's sweeps happen inside push). A close is stamped
 * as any close of the run is (config.replay). Returns RP_OK, RP_BATCH_FULL or
 * RP_PAUSED.
 */
enum rp_status record_pipeline_expire(struct record_pipeline *p, enum fa_clock clock, int64_t now);
/*
 * The run's end: close every flow still open, reason run_end, in flow id
 * order. Returns RP_OK, RP_BATCH_FULL or RP_PAUSED.
 */
enum rp_status record_pipeline_close_all(struct record_pipeline *p);
/* Go on after RP_PAUSED; the outcome is the paused frame's once it is known. */
struct rp_result record_pipeline_resume(struct record_pipeline *p);

/*
 * Queue operations only while the store's queue holds fewer than max_ops
 * (SIZE_MAX: no limit). Frames beyond it are counted as store failures and
 * dropped (RP_DROPPED), so memory stays bounded while the database refuses
 * writes. Sweeps' closes are never dropped.
 */
void record_pipeline_limit_queue(struct record_pipeline *p, size_t max_ops);

/* The run's clock: the configured one, or a replay's tee header once adopted. */
const struct run_clock *record_pipeline_clock(const struct record_pipeline *p);
/* Flows open in tracking now. */
size_t record_pipeline_open_flows(const struct record_pipeline *p);
/* NFLOG later fragments that matched no first fragment (kept as their own decision). */
uint64_t record_pipeline_frag_unmatched(const struct record_pipeline *p);

/*
 * The decoding step alone, pure: a frame of a record kind (v1, v2, v3, NFLOG)
 * into ev. 0, or -EINVAL with a one-line reason in why (any other kind too).
 * No fragment matching, no limits: those need the run.
 */
int record_pipeline_decode(const struct rp_frame *frame, struct fa_event *ev, char *why,
			   size_t whylen);

#endif
