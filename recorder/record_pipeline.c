/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record pipeline; see record_pipeline.h.
 *
 * A sweep in progress is the pipeline's only state between calls: the flows
 * it has taken from tracking (conntrack_expired, or every flow at the end)
 * and not closed yet, and, for a replay, the decoded frame that moved the
 * clock and waits for the sweep to finish. Victims are closed in flow id
 * order, so the updates walk the flows table's pages in sequence instead of
 * dirtying pages at random.
 */
#include "record_pipeline.h"

#include "conntrack.h"
#include "decode.h"
#include "event_limits.h"
#include "fa_time.h"
#include "record_buf.h"
#include "replay_frame.h"
#ifdef FLOWAUDIT_WITH_NFLOG
#include "frag_match.h"
#include "nflog_frame.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Idle flows taken from tracking per conntrack_expired() call. */
#define SWEEP_CHUNK 4096

enum sweep_kind {
	SWEEP_NONE = 0,
	SWEEP_IDLE, /* flows idle at a given time: closed with reason idle */
	SWEEP_ALL, /* every flow: the run's end, reason run_end */
};

struct record_pipeline {
	struct record_pipeline_config cfg;
	struct flow_store *store;
	struct store_health *h;
	struct conntrack *ct;
#ifdef FLOWAUDIT_WITH_NFLOG
	struct frag_match *frags; /* NFLOG later fragments -> their first fragment's flow */
#endif
	uint64_t frag_unmatched;
	size_t max_ops;
	struct run_clock clock;
	bool first_frame_seen;
	int64_t record_now[2]; /* a replay's latest record time, per enum fa_clock */
	/* The sweep in progress (SWEEP_NONE: none). */
	enum sweep_kind sweep;
	enum fa_clock sweep_clock; /* SWEEP_IDLE: flows idle at sweep_now on this clock */
	int64_t sweep_now;
	bool sweep_taken; /* SWEEP_ALL: its one chunk is taken */
	struct ct_flow **victims;
	size_t nvictims, next_victim, victims_cap;
	/* A replay's frame whose record-time sweep is in progress. */
	bool held;
	struct fa_event held_ev;
};

static int64_t kernel_now(enum fa_clock clock)
{
	return fa_clock_ns(fa_clock_id(clock));
}

struct record_pipeline *record_pipeline_new(const struct record_pipeline_config *cfg,
					    struct flow_store *st, struct store_health *health)
{
	struct record_pipeline *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->cfg = *cfg;
	if (!p->cfg.now)
		p->cfg.now = kernel_now;
	p->store = st;
	p->h = health;
	p->max_ops = SIZE_MAX;
	p->clock = cfg->clock;
	p->ct = conntrack_new();
#ifdef FLOWAUDIT_WITH_NFLOG
	p->frags = frag_match_new();
	bool ok = p->ct && p->frags;
#else
	bool ok = p->ct != NULL;
#endif
	if (!ok) {
		record_pipeline_free(p);
		errno = ENOMEM;
		return NULL;
	}
	conntrack_set_idle(p->ct, &(struct ct_idle){.tcp_ns = cfg->tcp_idle_ns,
						    .other_ns = cfg->other_idle_ns});
	return p;
}

void record_pipeline_free(struct record_pipeline *p)
{
	if (!p)
		return;
	conntrack_free(p->ct);
#ifdef FLOWAUDIT_WITH_NFLOG
	frag_match_free(p->frags);
#endif
	free(p->victims);
	free(p);
}

void record_pipeline_limit_queue(struct record_pipeline *p, size_t max_ops)
{
	p->max_ops = max_ops;
}

const struct run_clock *record_pipeline_clock(const struct record_pipeline *p)
{
	return &p->clock;
}

size_t record_pipeline_open_flows(const struct record_pipeline *p)
{
	return conntrack_count(p->ct);
}

uint64_t record_pipeline_frag_unmatched(const struct record_pipeline *p)
{
	return p->frag_unmatched;
}

/* A queue call's result: a failure (out of memory) is counted, never silent. */
static void count_failure(struct record_pipeline *p, int rc)
{
	if (rc)
		p->h->store_failures++;
}

static bool batch_full(const struct record_pipeline *p)
{
	return flow_store_pending_events(p->store) >= p->cfg.batch_events ||
	       flow_store_pending_ops(p->store) >= 2 * (size_t)p->cfg.batch_events;
}

static struct rp_result done(const struct record_pipeline *p, enum rp_outcome outcome)
{
	return (struct rp_result){.status = batch_full(p) ? RP_BATCH_FULL : RP_OK,
				  .outcome = outcome};
}

static enum rp_outcome reject(struct record_pipeline *p, const struct rp_frame *f, const char *why)
{
	p->h->rejected++;
	count_failure(p, flow_store_queue_reject(p->store, f->source, why, f->data, f->len));
	return RP_REJECTED;
}

/*
 * Close a flow tracked here and forget it. A live close is stamped now; a
 * replay's clocks are another machine's, so there the close is stamped with
 * the flow's last record.
 */
static void close_tracked(struct record_pipeline *p, struct ct_flow *f, unsigned reason)
{
	int64_t at = p->cfg.replay ? f->last_seen_kns : p->cfg.now((enum fa_clock)f->clock);
	struct ct_counts c;
	conntrack_counts(p->ct, f, NULL, &c);
	p->h->flows_closed++;
	count_failure(p, flow_store_queue_update(p->store, f, &c, true, reason, at));
	conntrack_remove(p->ct, f);
}

/* Apply a checked event to tracking and queue what it decides. */
static enum rp_outcome track(struct record_pipeline *p, const struct fa_event *ev)
{
	struct flow_store *st = p->store;
	enum ct_outcome outcome = 0;
	if (ev->kind == FA_EVENT_SUMMARY) {
		count_failure(p, flow_store_queue_summary(st, ev));
		return RP_SUMMARY;
	}
	struct ct_flow *flow = conntrack_record(p->ct, ev, &outcome);
	struct ct_counts c; /* the counts to store for flow: tracked here, or the record's */
	if (flow)
		conntrack_counts(p->ct, flow, ev, &c);
	switch (outcome) {
	case CT_NEW_FLOW:
		p->h->flows_opened++;
		count_failure(p, flow_store_queue_open(st, flow, ev));
		return RP_NEW_FLOW;
	case CT_NEW_DECISION:
		p->h->duplicate_opens++;
		count_failure(p, flow_store_queue_decision(st, flow, ev));
		count_failure(p, flow_store_queue_update(st, flow, &c, false, 0, 0));
		return RP_NEW_DECISION;
	case CT_DUPLICATE_OPEN:
		p->h->duplicate_opens++;
		p->h->folded_opens++;
		count_failure(p, flow_store_queue_update(st, flow, &c, false, 0, 0));
		return RP_FOLDED_OPEN;
	case CT_FLOW_PACKET:
		count_failure(p, flow_store_queue_update(st, flow, &c, false, 0, 0));
		return RP_FLOW_PACKET;
	case CT_IDLE_REOPEN:
		/* The flow ended while idle; this record starts a new one. */
		close_tracked(p, flow, CONN_CLOSE_IDLE);
		return track(p, ev);
	case CT_CLOSE:
		p->h->flows_closed++;
		/* closed_at is when the close was decided (v3), else the last packet (v2) */
		count_failure(p, flow_store_queue_update(st, flow, &c, true, ev->close_reason,
							 ev->closed_kns ? ev->closed_kns
									: ev->last_seen_kns));
		conntrack_remove(p->ct, flow);
		return RP_CLOSED;
	case CT_ORPHAN_CLOSE:
		p->h->orphan_closes++;
		count_failure(p, flow_store_queue_orphan_close(st, ev));
		return RP_ORPHAN_CLOSE;
	default:
		p->h->store_failures++; /* out of memory in connection tracking */
		return RP_NO_MEMORY;
	}
}

static int by_flow_id(const void *a, const void *b)
{
	int64_t x = (*(struct ct_flow *const *)a)->flow_id,
		y = (*(struct ct_flow *const *)b)->flow_id;
	return (x > y) - (x < y);
}

static int reserve_victims(struct record_pipeline *p, size_t n)
{
	if (n <= p->victims_cap)
		return 0;
	size_t cap = p->victims_cap ? p->victims_cap : 256;
	while (cap < n)
		cap *= 2;
	struct ct_flow **v = realloc(p->victims, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->victims = v;
	p->victims_cap = cap;
	return 0;
}

/*
 * The next chunk of the sweep's victims, sorted; false when there is none.
 * An idle sweep takes SWEEP_CHUNK at a time from the heap; the run's end
 * takes every flow at once (the table must not change while it is iterated)
 * or, without memory for all, as many as fit.
 */
static bool take_victims(struct record_pipeline *p)
{
	p->nvictims = p->next_victim = 0;
	if (p->sweep == SWEEP_IDLE) {
		if (reserve_victims(p, SWEEP_CHUNK) == 0)
			p->nvictims = conntrack_expired(p->ct, p->sweep_clock, p->sweep_now,
							p->victims, SWEEP_CHUNK);
	} else if (!p->sweep_taken) {
		size_t cursor = 0;
		struct ct_flow *f;
		while ((f = conntrack_next(p->ct, &cursor))) {
			if (reserve_victims(p, p->nvictims + 1))
				break;
			p->victims[p->nvictims++] = f;
		}
	}
	p->sweep_taken = true;
	if (p->nvictims > 1)
		qsort(p->victims, p->nvictims, sizeof(*p->victims), by_flow_id);
	return p->nvictims > 0;
}

/*
 * Close victims until the sweep is over (RP_OK) or the queue holds a full
 * batch (RP_PAUSED: the caller commits and resumes).
 */
static enum rp_status run_sweep(struct record_pipeline *p)
{
	while (p->sweep != SWEEP_NONE) {
		if (p->next_victim == p->nvictims && !take_victims(p)) {
			p->sweep = SWEEP_NONE;
			break;
		}
		close_tracked(p, p->victims[p->next_victim++],
			      p->sweep == SWEEP_ALL ? CONN_CLOSE_RUN_END : CONN_CLOSE_IDLE);
		if (batch_full(p))
			return RP_PAUSED;
	}
	return RP_OK;
}

static enum rp_status start_sweep(struct record_pipeline *p, enum sweep_kind kind,
				  enum fa_clock clock, int64_t now)
{
	p->sweep = kind;
	p->sweep_clock = clock;
	p->sweep_now = now;
	p->sweep_taken = false;
	p->nvictims = p->next_victim = 0;
	return run_sweep(p);
}

/* A wall-clock sweep's status: the queue may be full after its last close. */
static enum rp_status sweep_status(const struct record_pipeline *p, enum rp_status s)
{
	if (s == RP_PAUSED)
		return RP_PAUSED;
	return batch_full(p) ? RP_BATCH_FULL : RP_OK;
}

enum rp_status record_pipeline_expire(struct record_pipeline *p, enum fa_clock clock, int64_t now)
{
	return sweep_status(p, start_sweep(p, SWEEP_IDLE, clock, now));
}

enum rp_status record_pipeline_close_all(struct record_pipeline *p)
{
	return sweep_status(p, start_sweep(p, SWEEP_ALL, FA_CLOCK_BOOTTIME, 0));
}

struct rp_result record_pipeline_resume(struct record_pipeline *p)
{
	if (run_sweep(p) == RP_PAUSED)
		return (struct rp_result){.status = RP_PAUSED, .outcome = RP_PENDING};
	if (!p->held)
		return done(p, RP_PENDING);
	p->held = false;
	return done(p, track(p, &p->held_ev));
}

/* Reasons for frames that are not records; the tee header's depend on the run. */
static void frame_reason(const struct rp_frame *f, char *why, size_t whylen)
{
	switch (f->kind) {
	case REPLAY_KIND_TEE_HEADER:
		snprintf(why, whylen, "tee header where a record was expected");
		break;
	case RAW_KIND_TRUNCATED:
		snprintf(why, whylen, "truncated frame at end of input (%u bytes)", f->len);
		break;
	case RAW_KIND_OVERSIZE:
		snprintf(why, whylen, "frame longer than %u bytes (first bytes kept)",
			 REPLAY_MAX_PAYLOAD);
		break;
	default:
		snprintf(why, whylen, "unknown record kind %u (%u bytes)", f->kind, f->len);
		break;
	}
}

int record_pipeline_decode(const struct rp_frame *f, struct fa_event *ev, char *why, size_t whylen)
{
	switch (f->kind) {
	case REPLAY_KIND_FLOW_V1: {
		struct flow_record_v1 rec;
		if (decode_flow_v1(f->data, f->len, &rec, why, whylen))
			return -EINVAL;
		flow_v1_to_event(&rec, ev);
		return 0;
	}
	case REPLAY_KIND_CONN_V2: {
		struct conn_record_v2 rec;
		if (decode_conn_v2(f->data, f->len, &rec, why, whylen))
			return -EINVAL;
		conn_v2_to_event(&rec, ev);
		return 0;
	}
	case REPLAY_KIND_CONN_V3: {
		struct conn_record_v3 rec;
		if (decode_conn_v3(f->data, f->len, &rec, why, whylen))
			return -EINVAL;
		conn_v3_to_event(&rec, ev);
		return 0;
	}
#ifdef FLOWAUDIT_WITH_NFLOG
	case REPLAY_KIND_NFLOG:
		return nflog_frame_decode(f->data, f->len, ev, why, whylen) ? -EINVAL : 0;
#endif
	default:
		frame_reason(f, why, whylen);
		return -EINVAL;
	}
}

/*
 * A replay's leading tee header: the run takes over the clock of the run
 * that wrote the tee, so the same records give the same UTC times. It is
 * framing, not a record: not counted. False when the frame is not such a
 * header (it is then a frame like any other: a misplaced or bad header is a
 * reject).
 */
static bool adopt_tee_header(struct record_pipeline *p, const struct rp_frame *f)
{
	char why[DECODE_ERR_MAX], boot_id[TEE_BOOT_ID_TEXT_LEN];
	struct run_clock c;
	if (f->kind != REPLAY_KIND_TEE_HEADER || !p->cfg.replay || p->first_frame_seen ||
	    tee_header_decode(f->data, f->len, &c, why, sizeof(why)))
		return false;
	p->first_frame_seen = true;
	p->clock = c;
	count_failure(p, flow_store_adopt_clock(p->store, c.mono_offset_ns, c.boot_offset_ns,
						c.host, run_clock_boot_id_text(&c, boot_id)));
	return true;
}

/* Why a tee header that was not adopted is a reject. */
static void tee_header_reason(const struct record_pipeline *p, const struct rp_frame *f, char *why,
			      size_t whylen)
{
	if (!p->cfg.replay)
		snprintf(why, whylen, "tee header from a live source");
	else if (tee_header_decode(f->data, f->len, &(struct run_clock){0}, why, whylen) == 0)
		snprintf(why, whylen,
			 "tee header after the first frame (ignored: times keep this run's "
			 "clock)");
}

/*
 * Decode and check a frame into ev. 0, or -EINVAL with the reason for the
 * reject in why. An NFLOG later fragment takes its first fragment's ports.
 */
static int decode_checked(struct record_pipeline *p, const struct rp_frame *f, struct fa_event *ev,
			  char *why, size_t whylen)
{
	if (f->kind == REPLAY_KIND_TEE_HEADER) {
		tee_header_reason(p, f, why, whylen);
		return -EINVAL;
	}
	if (record_pipeline_decode(f, ev, why, whylen))
		return -EINVAL;
#ifdef FLOWAUDIT_WITH_NFLOG
	/* An unmatched one is kept as its own decision: a logged deny stays. */
	if (f->kind == REPLAY_KIND_NFLOG && !frag_match_apply(p->frags, ev))
		p->frag_unmatched++;
#endif
	return event_check_storable(ev, flow_store_clock_offset(p->store, ev->clock), why, whylen);
}

struct rp_result record_pipeline_push(struct record_pipeline *p, const struct rp_frame *f)
{
	char why[DECODE_ERR_MAX];
	struct fa_event ev;
	if (adopt_tee_header(p, f))
		return done(p, RP_CLOCK_ADOPTED);
	p->first_frame_seen = true;
	p->h->received++;
	if (flow_store_pending_ops(p->store) >= p->max_ops) {
		p->h->store_failures++; /* counted, not queued: memory stays bounded */
		return done(p, RP_DROPPED);
	}
	if (decode_checked(p, f, &ev, why, sizeof(why)))
		return done(p, reject(p, f, why));
	p->h->decoded++;
	/* A replay's clock is its records' clock: time passes when a record says
	 * so, and only then do idle flows close, however fast the bytes arrive. */
	if (p->cfg.replay && ev.last_seen_kns > p->record_now[ev.clock]) {
		p->record_now[ev.clock] = ev.last_seen_kns;
		if (start_sweep(p, SWEEP_IDLE, ev.clock, ev.last_seen_kns) == RP_PAUSED) {
			p->held = true;
			p->held_ev = ev;
			return (struct rp_result){.status = RP_PAUSED, .outcome = RP_PENDING};
		}
	}
	return done(p, track(p, &ev));
}
