/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The main loop; see recorder_loop.h. Nothing here busy-waits: with only
 * fd sources the loop sleeps in epoll_wait; a pull source (replay) is drained
 * in chunks with a non-blocking epoll check between them, so signals and
 * batch deadlines are served during a long replay.
 */
#include "recorder_loop.h"

#include "conntrack.h"
#include "decode.h"
#include "event_limits.h"
#include "fa_exit.h"
#include "fa_text.h"
#include "fa_time.h"
#include "packet_rules.h"
#include "replay_frame.h"
#include "replay_writer.h"
#include "tee_header.h"
#ifdef FLOWAUDIT_WITH_NFLOG
#include "frag_match.h"
#include "nflog_frame.h"
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define PULL_CHUNK 4096
#define DRAIN_MAX 8192
/* Commits after which process_buf returns to the loop during a burst. */
#define REFILL_MAX 64
/* Operations kept in memory while the database refuses writes, before new
 * events are counted as store failures instead of queued. */
#define MAX_PENDING_OPS (1u << 20)
#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL
/* Idle flows closed per conntrack_expired() call. */
#define SWEEP_CHUNK 4096

enum {
	TAG_SIGNAL = -1,
	TAG_BATCH = -2,
	TAG_TICK = -3
};

struct recorder {
	const struct recorder_setup *setup;
	const struct recorder_options *opts;
	struct conntrack *ct;
	struct record_buf buf;
	struct store_health h;
	int epfd, sigfd, batch_fd, tick_fd;
	bool batch_armed;
	bool stop;
	int exit_code;
	bool store_failing;
	int64_t failing_since_ns;
	unsigned ticks;
	bool pull_done[RECORDER_MAX_SOURCES];
	int64_t replay_now[2]; /* latest record time per enum fa_clock (replay) */
#ifdef FLOWAUDIT_WITH_NFLOG
	struct frag_match *frags; /* NFLOG later fragments -> their first fragment's flow */
	uint64_t nflog_frag_unmatched;
#endif
	struct run_clock clock; /* the run's (a replay may take its input's over) */
	bool first_frame_seen;
	bool tee_started; /* the tee header is written */
	bool tee_reported; /* the tee's first failure is on stderr */
};

static void arm_timer(int fd, int64_t ns, bool periodic)
{
	struct itimerspec its = {0};
	its.it_value.tv_sec = ns / NS_PER_S;
	its.it_value.tv_nsec = ns % NS_PER_S;
	if (periodic)
		its.it_interval = its.it_value;
	timerfd_settime(fd, 0, &its, NULL);
}

static void count_store_failure(struct recorder *r, int rc)
{
	if (rc)
		r->h.store_failures++;
}

static void reject(struct recorder *r, const char *source, const char *reason, const void *raw,
		   size_t len)
{
	r->h.rejected++;
	count_store_failure(r, flow_store_queue_reject(r->setup->store, source, reason, raw, len));
}

static void commit(struct recorder *r);
static bool commit_if_full(struct recorder *r);
static void sweep_idle(struct recorder *r, enum fa_clock clock, int64_t now);

/*
 * "Now" on a kernel clock, for a live source. (A replay's "now" is its
 * records' time: see process_record.)
 */
static int64_t clock_now(enum fa_clock clock)
{
	return fa_clock_ns(clock == FA_CLOCK_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_BOOTTIME);
}

/*
 * Close a flow the recorder tracks itself and forget it. A live close is
 * stamped now; a replay's clocks are another machine's, so there the close is
 * stamped with the flow's last record.
 */
static void close_local(struct recorder *r, struct ct_flow *f, unsigned reason)
{
	int64_t at = r->setup->replay ? f->last_seen_kns : clock_now(f->clock);
	r->h.flows_closed++;
	count_store_failure(r, flow_store_queue_update(r->setup->store, f, true, reason, at));
	conntrack_remove(r->ct, f);
}

static void handle_event(struct recorder *r, const struct fa_event *ev)
{
	struct flow_store *st = r->setup->store;
	enum ct_outcome outcome = 0;
	if (ev->kind == FA_EVENT_SUMMARY) {
		count_store_failure(r, flow_store_queue_summary(st, ev));
		return;
	}
	struct ct_flow *flow = conntrack_record(r->ct, ev, &outcome);
	switch (outcome) {
	case CT_NEW_FLOW:
		r->h.flows_opened++;
		count_store_failure(r, flow_store_queue_open(st, flow, ev));
		break;
	case CT_NEW_DECISION:
		r->h.duplicate_opens++;
		count_store_failure(r, flow_store_queue_decision(st, flow, ev));
		count_store_failure(r, flow_store_queue_update(st, flow, false, 0, 0));
		break;
	case CT_DUPLICATE_OPEN:
		r->h.duplicate_opens++;
		r->h.folded_opens++;
		count_store_failure(r, flow_store_queue_update(st, flow, false, 0, 0));
		break;
	case CT_FLOW_PACKET:
		count_store_failure(r, flow_store_queue_update(st, flow, false, 0, 0));
		break;
	case CT_IDLE_REOPEN:
		/* The flow ended while idle; this record starts a new one. */
		close_local(r, flow, CONN_CLOSE_IDLE);
		handle_event(r, ev);
		break;
	case CT_CLOSE:
		r->h.flows_closed++;
		/* closed_at is when the close was decided (v3), else the last packet (v2) */
		count_store_failure(r, flow_store_queue_update(st, flow, true, ev->close_reason,
							       ev->closed_kns ? ev->closed_kns
									      : ev->last_seen_kns));
		conntrack_remove(r->ct, flow);
		break;
	case CT_ORPHAN_CLOSE:
		r->h.orphan_closes++;
		count_store_failure(r, flow_store_queue_orphan_close(st, ev));
		break;
	default:
		r->h.store_failures++; /* out of memory in connection tracking */
		break;
	}
}

/* After a tee call: count what it lost, and say so once when it first fails. */
static void tee_check(struct recorder *r)
{
	struct replay_writer *tee = r->setup->tee;
	int e = replay_writer_error(tee);
	r->h.tee_failures = replay_writer_lost(tee);
	if (e && !r->tee_reported) {
		r->tee_reported = true;
		fprintf(stderr,
			"flowrec: --tee %s: write failed: %s; the tee is incomplete (recording "
			"goes "
			"on, exit %d at the end)\n",
			r->opts->tee, strerror(-e), FA_EXIT_IO);
	}
}

/* The tee's first frame: the run's clock (its offsets, host and boot id). */
static void tee_start(struct recorder *r)
{
	uint8_t header[REPLAY_TEE_HEADER_SIZE];
	if (!r->setup->tee || r->tee_started)
		return;
	r->tee_started = true;
	tee_header_encode(&r->clock, header);
	replay_writer_write(r->setup->tee, REPLAY_KIND_TEE_HEADER, header, sizeof(header));
	tee_check(r);
}

static void tee_record(struct recorder *r, uint32_t kind, const uint8_t *data, uint32_t len)
{
	tee_start(r);
	replay_writer_write(r->setup->tee, kind, data, len);
	tee_check(r);
}

static void tee_flush(struct recorder *r)
{
	if (!r->setup->tee)
		return;
	replay_writer_flush(r->setup->tee);
	tee_check(r);
}

/*
 * A replay's leading tee header: the run takes over the clock of the run
 * that wrote the tee, so the same records give the same UTC times. It is
 * framing, not a record: not counted. Returns false when the frame is not
 * such a header (it is then handled as any record: a misplaced or bad header
 * is a reject).
 */
static bool adopt_tee_header(struct recorder *r, uint32_t kind, const uint8_t *data, uint32_t len)
{
	char why[DECODE_ERR_MAX], boot_id[TEE_BOOT_ID_TEXT_LEN];
	struct run_clock c;
	if (kind != REPLAY_KIND_TEE_HEADER || !r->setup->replay || r->first_frame_seen ||
	    tee_header_decode(data, len, &c, why, sizeof(why)))
		return false;
	r->first_frame_seen = true;
	r->clock = c;
	count_store_failure(r, flow_store_adopt_clock(r->setup->store, c.mono_offset_ns,
						      c.boot_offset_ns, c.host,
						      run_clock_boot_id_text(&c, boot_id)));
	return true;
}

static void process_record(struct recorder *r, const char *source, uint32_t kind,
			   const uint8_t *data, uint32_t len)
{
	char why[DECODE_ERR_MAX];
	struct fa_event ev;
	if (adopt_tee_header(r, kind, data, len))
		return;
	r->first_frame_seen = true;
	r->h.received++;
	if (r->setup->tee && kind < RAW_KIND_TRUNCATED)
		tee_record(r, kind, data, len);
	if (r->store_failing && flow_store_pending_ops(r->setup->store) >= MAX_PENDING_OPS) {
		r->h.store_failures++; /* counted, not queued: memory stays bounded */
		return;
	}
	switch (kind) {
	case REPLAY_KIND_FLOW_V1: {
		struct flow_record_v1 rec;
		if (decode_flow_v1(data, len, &rec, why, sizeof(why)))
			return reject(r, source, why, data, len);
		flow_v1_to_event(&rec, &ev);
		break;
	}
	case REPLAY_KIND_CONN_V2: {
		struct conn_record_v2 rec;
		if (decode_conn_v2(data, len, &rec, why, sizeof(why)))
			return reject(r, source, why, data, len);
		conn_v2_to_event(&rec, &ev);
		break;
	}
	case REPLAY_KIND_CONN_V3: {
		struct conn_record_v3 rec;
		if (decode_conn_v3(data, len, &rec, why, sizeof(why)))
			return reject(r, source, why, data, len);
		conn_v3_to_event(&rec, &ev);
		break;
	}
#ifdef FLOWAUDIT_WITH_NFLOG
	case REPLAY_KIND_NFLOG:
		if (nflog_frame_decode(data, len, &ev, why, sizeof(why)))
			return reject(r, source, why, data, len);
		if (!frag_match_apply(r->frags, &ev))
			r->nflog_frag_unmatched++; /* kept as its own decision: a logged deny stays */
		break;
#endif
	case REPLAY_KIND_TEE_HEADER:
		if (!r->setup->replay)
			snprintf(why, sizeof(why), "tee header from a live source");
		else if (tee_header_decode(data, len, &(struct run_clock){0}, why, sizeof(why)) ==
			 0)
			snprintf(why, sizeof(why),
				 "tee header after the first frame (ignored: times keep this run's "
				 "clock)");
		return reject(r, source, why, data, len);
	case RAW_KIND_TRUNCATED:
		snprintf(why, sizeof(why), "truncated frame at end of input (%u bytes)", len);
		return reject(r, source, why, data, len);
	case RAW_KIND_OVERSIZE:
		snprintf(why, sizeof(why), "frame longer than %u bytes (first bytes kept)",
			 REPLAY_MAX_PAYLOAD);
		return reject(r, source, why, data, len);
	default:
		snprintf(why, sizeof(why), "unknown record kind %u (%u bytes)", kind, len);
		return reject(r, source, why, data, len);
	}
	if (event_check_storable(&ev, flow_store_clock_offset(r->setup->store, ev.clock), why,
				 sizeof(why)))
		return reject(r, source, why, data, len);
	r->h.decoded++;
	/* A replay's clock is its records' clock: time passes when a record says
	 * so, and only then do idle flows close, however fast the bytes arrive. */
	if (r->setup->replay && ev.last_seen_kns > r->replay_now[ev.clock]) {
		r->replay_now[ev.clock] = ev.last_seen_kns;
		sweep_idle(r, ev.clock, ev.last_seen_kns);
	}
	handle_event(r, &ev);
}

/*
 * Commit once the batch is full: --batch-events decisions, or (closes and
 * updates count too, so a mass close at shutdown stays in bounded batches)
 * twice as many queued operations.
 */
static bool commit_if_full(struct recorder *r)
{
	const struct flow_store *st = r->setup->store;
	if (!r->store_failing &&
	    (flow_store_pending_events(st) >= r->opts->batch_events ||
	     flow_store_pending_ops(st) >= 2 * (size_t)r->opts->batch_events)) {
		commit(r);
		return true;
	}
	return false;
}

/*
 * Process the records a drain left in r->buf, committing every batch. A
 * kernel source keeps producing meanwhile, and its ring buffer is all that
 * holds new records while a commit runs: so after each commit the ring is
 * drained again into the backlog (r->buf, at most --backlog records), and the
 * ring fills only when the backlog is full. Records already processed are
 * dropped from the front once they are half the buffer (amortised O(1)).
 * Refills for at most REFILL_MAX commits per call, so a long burst still lets the
 * loop serve signals and timers; the ring's fd stays readable meanwhile.
 */
static void process_buf(struct recorder *r, struct source *src)
{
	const char *name = src->ops->backend_name(src);
	size_t i = 0, handled = 0;
	while (i < r->buf.count) {
		process_record(r, name, r->buf.recs[i].kind, record_buf_data(&r->buf, i),
			       r->buf.recs[i].len);
		i++;
		if (!commit_if_full(r) || src->ops->pull || r->stop || ++handled > REFILL_MAX)
			continue;
		if (i > r->buf.count / 2) {
			record_buf_drop_front(&r->buf, i);
			i = 0;
		}
		size_t backlog = r->buf.count - i;
		if (backlog < r->opts->backlog &&
		    src->ops->drain(src, &r->buf, r->opts->backlog - backlog) < 0) {
			r->exit_code = FA_EXIT_SOURCE;
			r->stop = true;
		}
	}
	record_buf_clear(&r->buf);
}

/*
 * Sum the sources' cumulative counters (ebpf and nflog may run together; each
 * fills only its own fields). If any source cannot be read this time, keep the
 * previous totals rather than store a smaller number.
 */
static void fill_health(struct recorder *r)
{
	struct source_counters sum = {0};
	for (int i = 0; i < r->setup->nsources; i++) {
		struct source *src = r->setup->sources[i];
		struct source_counters c = {0};
		if (!src->ops->read_counters)
			continue;
		if (src->ops->read_counters(src, &c) != 0)
			return;
#define SUM_SOURCE_COUNTER(name, migration, verdict, filled_by, ...)                               \
	FA_HEALTH_IF_SOURCE(filled_by, sum.name += c.name;)
		FA_HEALTH_COUNTERS(SUM_SOURCE_COUNTER)
#undef SUM_SOURCE_COUNTER
	}
#define COPY_SOURCE_COUNTER(name, migration, verdict, filled_by, ...)                              \
	FA_HEALTH_IF_SOURCE(filled_by, r->h.name = sum.name;)
	FA_HEALTH_COUNTERS(COPY_SOURCE_COUNTER)
#undef COPY_SOURCE_COUNTER
#ifdef FLOWAUDIT_WITH_NFLOG
	/* NFLOG fragments are matched here, not in a source: add the ones that were not. */
	r->h.frag_unmatched += r->nflog_frag_unmatched;
#endif
}

static void commit(struct recorder *r)
{
	struct flow_store *st = r->setup->store;
	if (flow_store_commit(st) == 0) {
		if (r->store_failing)
			fprintf(stderr,
				"flowrec: database writable again; %llu events could not be kept "
				"meanwhile\n",
				(unsigned long long)r->h.store_failures);
		r->store_failing = false;
		r->batch_armed = false;
		arm_timer(r->batch_fd, 0, false);
		tee_flush(r);
		return;
	}
	int64_t now = fa_clock_ns(CLOCK_MONOTONIC);
	if (!r->store_failing) {
		r->store_failing = true;
		r->failing_since_ns = now;
		fprintf(stderr,
			"flowrec: %s; keeping %zu pending operations in memory and retrying\n",
			flow_store_errmsg(st), flow_store_pending_ops(st));
	}
	if (now - r->failing_since_ns > (int64_t)r->opts->store_retry_s * NS_PER_S) {
		fprintf(stderr,
			"flowrec: giving up after %u s of failed commits: %s (%zu operations not "
			"stored)\n",
			r->opts->store_retry_s, flow_store_errmsg(st), flow_store_pending_ops(st));
		r->exit_code = FA_EXIT_DB;
		r->stop = true;
		return;
	}
	/* Retry in a second; the tick does not wait for the batch deadline. */
	arm_timer(r->batch_fd, NS_PER_S, false);
	r->batch_armed = true;
}

static void after_records(struct recorder *r)
{
	struct flow_store *st = r->setup->store;
	if (!r->store_failing && flow_store_pending_events(st) >= r->opts->batch_events) {
		commit(r);
	} else if (!r->batch_armed && flow_store_pending_ops(st) > 0) {
		arm_timer(r->batch_fd, (int64_t)r->opts->batch_ms * NS_PER_MS, false);
		r->batch_armed = true;
	}
}

static int by_flow_id(const void *a, const void *b)
{
	int64_t x = (*(struct ct_flow *const *)a)->flow_id,
		y = (*(struct ct_flow *const *)b)->flow_id;
	return (x > y) - (x < y);
}

/*
 * Close the flows the recorder tracks itself (v1, NFLOG) that are idle at now
 * on clock, a chunk at a time. Kernel-tracked v2 flows are closed by records:
 * live, from the source's flow-table sweep; in a replay, by the close records
 * the capture holds (a --tee keeps them), or by a later open past the timeout.
 */
static void sweep_idle(struct recorder *r, enum fa_clock clock, int64_t now)
{
	struct ct_flow *victims[SWEEP_CHUNK];
	size_t n;
	while ((n = conntrack_expired(r->ct, clock, now, victims, SWEEP_CHUNK)) > 0) {
		/* In flow_id order the updates walk the flows table's pages in
		 * sequence instead of dirtying pages at random. */
		if (n > 1)
			qsort(victims, n, sizeof(*victims), by_flow_id);
		for (size_t i = 0; i < n; i++) {
			close_local(r, victims[i], CONN_CLOSE_IDLE);
			commit_if_full(r);
		}
	}
}

/* Shutdown: close every flow still open, reason run_end. */
static void sweep_all(struct recorder *r)
{
	size_t cursor = 0, n = 0, cap = 0;
	struct ct_flow **victims = NULL;
	struct ct_flow *f;
	while ((f = conntrack_next(r->ct, &cursor))) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			struct ct_flow **v = realloc(victims, cap * sizeof(*v));
			if (!v)
				break;
			victims = v;
		}
		victims[n++] = f;
	}
	if (n > 1)
		qsort(victims, n, sizeof(*victims), by_flow_id);
	for (size_t i = 0; i < n; i++) {
		close_local(r, victims[i], CONN_CLOSE_RUN_END);
		commit_if_full(r);
	}
	free(victims);
}

static void sweep_sources(struct recorder *r, bool all)
{
	struct sweep_limits limits = {
		.tcp_idle_ns = (int64_t)r->opts->tcp_idle_s * NS_PER_S,
		.udp_idle_ns = (int64_t)r->opts->udp_idle_s * NS_PER_S,
	};
	for (int i = 0; i < r->setup->nsources; i++) {
		struct source *src = r->setup->sources[i];
		if (!src->ops->sweep)
			continue;
		/* One chunk of closes at a time, each processed before the next. */
		int rc;
		do {
			rc = src->ops->sweep(src, fa_clock_ns(CLOCK_BOOTTIME), all ? NULL : &limits,
					     &r->buf);
			if (rc < 0)
				fprintf(stderr, "flowrec: %s: flow-table sweep failed\n",
					src->ops->backend_name(src));
			process_buf(r, src);
		} while (rc > 0);
	}
}

static void queue_health(struct recorder *r, bool final)
{
	fill_health(r);
	count_store_failure(r, flow_store_queue_health(r->setup->store, &r->h, final));
}

static void on_tick(struct recorder *r)
{
	uint64_t expirations;
	if (read(r->tick_fd, &expirations, sizeof(expirations)) < 0)
		return;
	sweep_sources(r, false);
	if (!r->setup->replay) {
		sweep_idle(r, FA_CLOCK_MONOTONIC, clock_now(FA_CLOCK_MONOTONIC));
		sweep_idle(r, FA_CLOCK_BOOTTIME, clock_now(FA_CLOCK_BOOTTIME));
	}
	if (++r->ticks % r->opts->stats_s == 0)
		queue_health(r, false);
	after_records(r);
}

static int drain_source(struct recorder *r, int i, size_t max)
{
	struct source *src = r->setup->sources[i];
	int rc = src->ops->drain(src, &r->buf, max);
	process_buf(r, src);
	if (rc < 0) {
		r->exit_code = FA_EXIT_SOURCE;
		r->stop = true;
	} else if (rc == SOURCE_EOF && !r->pull_done[i]) {
		r->pull_done[i] = true;
		/* A polled stream at EOF stays readable forever: stop watching it. */
		if (!src->ops->pull)
			epoll_ctl(r->epfd, EPOLL_CTL_DEL, src->ops->poll_fd(src), NULL);
	}
	after_records(r);
	return rc;
}

static int setup_fds(struct recorder *r)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	r->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	r->batch_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	r->tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (r->sigfd < 0 || r->epfd < 0 || r->batch_fd < 0 || r->tick_fd < 0)
		return -errno;
	struct {
		int fd;
		int tag;
	} fds[] = {{r->sigfd, TAG_SIGNAL}, {r->batch_fd, TAG_BATCH}, {r->tick_fd, TAG_TICK}};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		struct epoll_event ev = {.events = EPOLLIN,
					 .data.u64 = (uint64_t)(int64_t)fds[i].tag};
		if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fds[i].fd, &ev) < 0)
			return -errno;
	}
	for (int i = 0; i < r->setup->nsources; i++) {
		const struct source *src = r->setup->sources[i];
		int fd = src->ops->poll_fd(src);
		if (fd < 0)
			continue;
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
		if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			return -errno;
	}
	arm_timer(r->tick_fd, NS_PER_S, true);
	return 0;
}

/* Any pull source with records left? */
static bool pull_pending(const struct recorder *r)
{
	for (int i = 0; i < r->setup->nsources; i++)
		if (r->setup->sources[i]->ops->pull && !r->pull_done[i])
			return true;
	return false;
}

/* Every source reported its end (a replay file or stream): the run is over. */
static bool all_pulled(const struct recorder *r)
{
	for (int i = 0; i < r->setup->nsources; i++)
		if (!r->pull_done[i])
			return false;
	return true;
}

static void dispatch(struct recorder *r, const struct epoll_event *ev)
{
	int64_t tag = (int64_t)ev->data.u64;
	if (tag == TAG_SIGNAL) {
		struct signalfd_siginfo si;
		while (read(r->sigfd, &si, sizeof(si)) == sizeof(si))
			r->stop = true;
	} else if (tag == TAG_BATCH) {
		uint64_t expirations;
		if (read(r->batch_fd, &expirations, sizeof(expirations)) > 0) {
			r->batch_armed = false;
			commit(r);
		}
	} else if (tag == TAG_TICK) {
		on_tick(r);
	} else {
		drain_source(r, (int)tag, DRAIN_MAX);
	}
}

static void print_summary(const struct recorder *r)
{
	const struct recorder_options *o = r->opts;
	const struct store_health *h = &r->h;
	char run[160], cell[160], tee[48] = "";
	if (r->setup->tee)
		snprintf(tee, sizeof(tee), "; tee %llu not written",
			 (unsigned long long)h->tee_failures);
	/* pflogd's "received, dropped (kernel/daemon)", for every place a record can be lost. */
	fprintf(stderr,
		"flowrec: run %s of cell %s: received %llu, decoded %llu, rejected %llu, "
		"events written %llu; flows opened %llu, closed %llu; "
		"under pressure: untracked %llu, evicted %llu, summarised %llu, "
		"dropped fail-closed %llu; "
		"dropped: kernel %llu (ring buffer %llu, flow table full %llu), "
		"netlink %llu overruns (%llu packets), daemon %llu, store %llu%s\n",
		fa_text_escape(o->run, run, sizeof(run)),
		fa_text_escape(o->cell, cell, sizeof(cell)), (unsigned long long)h->received,
		(unsigned long long)h->decoded, (unsigned long long)h->rejected,
		(unsigned long long)flow_store_events_written(r->setup->store),
		(unsigned long long)h->flows_opened, (unsigned long long)h->flows_closed,
		(unsigned long long)h->untracked, (unsigned long long)h->evicted,
		(unsigned long long)h->aggregated, (unsigned long long)h->fail_closed_drops,
		(unsigned long long)(h->ring_drops + h->table_full),
		(unsigned long long)h->ring_drops, (unsigned long long)h->table_full,
		(unsigned long long)h->nflog_overruns, (unsigned long long)h->nflog_lost,
		(unsigned long long)h->daemon_drops, (unsigned long long)h->store_failures, tee);
}

static void shutdown_run(struct recorder *r)
{
	struct flow_store *st = r->setup->store;
	/* Whatever the sources still hold, then the flows still open. */
	for (int i = 0; i < r->setup->nsources && r->exit_code == FA_EXIT_OK; i++) {
		struct source *src = r->setup->sources[i];
		if (!src->ops->pull)
			drain_source(r, i, SIZE_MAX);
	}
	sweep_sources(r, true);
	sweep_all(r);
	/* The tee is complete (or known not to be) before the final health row. */
	tee_start(r);
	tee_flush(r);
	fill_health(r);
	r->h.events_written = flow_store_events_written(st) + flow_store_pending_events(st);
	queue_health(r, true);
	/* Retry a failing final commit for the retry window, then give up loudly. */
	int64_t deadline =
		fa_clock_ns(CLOCK_MONOTONIC) + (int64_t)r->opts->store_retry_s * NS_PER_S;
	while (flow_store_commit(st) != 0) {
		if (fa_clock_ns(CLOCK_MONOTONIC) > deadline) {
			fprintf(stderr,
				"flowrec: final commit failed: %s (%zu operations not stored)\n",
				flow_store_errmsg(st), flow_store_pending_ops(st));
			/* Lost for good: the summary's "store N" counts them too. */
			r->h.store_failures += flow_store_pending_ops(st);
			r->exit_code = FA_EXIT_DB;
			return;
		}
		sleep(1);
	}
	if (flow_store_end_run(st, r->exit_code == FA_EXIT_OK ? "clean" : "error",
			       fa_clock_ns(CLOCK_REALTIME)) != 0) {
		fprintf(stderr, "flowrec: %s\n", flow_store_errmsg(st));
		r->exit_code = FA_EXIT_DB;
	}
}

int recorder_loop_run(const struct recorder_setup *setup)
{
	struct recorder r = {
		.setup = setup,
		.opts = setup->opts,
		.epfd = -1,
		.sigfd = -1,
		.batch_fd = -1,
		.tick_fd = -1,
		.clock = setup->clock,
	};
	r.ct = conntrack_new();
	int rc = r.ct ? 0 : -ENOMEM;
	if (r.ct)
		conntrack_set_idle(r.ct, &(struct ct_idle){
						 .tcp_ns = (int64_t)r.opts->tcp_idle_s * NS_PER_S,
						 .other_ns = (int64_t)r.opts->udp_idle_s * NS_PER_S,
					 });
#ifdef FLOWAUDIT_WITH_NFLOG
	r.frags = frag_match_new();
	if (!r.frags)
		rc = -ENOMEM;
#endif
	if (rc == 0)
		rc = setup_fds(&r);
	if (rc < 0) {
		fprintf(stderr, "flowrec: setting up the event loop: %s\n", strerror(-rc));
		r.exit_code = FA_EXIT_INTERNAL;
		goto out;
	}
	while (!r.stop) {
		if (all_pulled(&r))
			break; /* the replay is finished */
		bool pull = pull_pending(&r);
		struct epoll_event evs[16];
		int n = epoll_wait(r.epfd, evs, 16, pull ? 0 : -1);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "flowrec: epoll_wait: %s\n", strerror(errno));
			r.exit_code = FA_EXIT_INTERNAL;
			break;
		}
		for (int i = 0; i < n; i++)
			dispatch(&r, &evs[i]);
		if (pull && !r.stop)
			for (int i = 0; i < setup->nsources; i++)
				if (setup->sources[i]->ops->pull && !r.pull_done[i])
					drain_source(&r, i, PULL_CHUNK);
	}
	shutdown_run(&r);
	if (!r.opts->quiet)
		print_summary(&r);
	/* The database holds the whole run; the tee does not: say so by the exit. */
	if (r.exit_code == FA_EXIT_OK && setup->tee && replay_writer_error(setup->tee))
		r.exit_code = FA_EXIT_IO;
out:
	record_buf_free(&r.buf);
	conntrack_free(r.ct);
#ifdef FLOWAUDIT_WITH_NFLOG
	frag_match_free(r.frags);
#endif
	const int fds[] = {r.epfd, r.sigfd, r.batch_fd, r.tick_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r.exit_code;
}
