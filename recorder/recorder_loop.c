/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The main loop; see recorder_loop.h. It reads as libbpf-bootstrap's loader
 * does: set up (pipeline, signal and timer fds, epoll), loop (wait, dispatch),
 * end the run, clean up.
 *
 * Nothing here busy-waits: with only fd sources the loop sleeps in
 * epoll_wait; a pull source (replay) is drained in chunks with a non-blocking
 * epoll check between them, so signals and batch deadlines are served during
 * a long replay.
 *
 * Commit policy: the pipeline says when the queue holds a full batch; the
 * loop commits it then, or when the batch deadline fires. A failed commit
 * keeps the queue, bounds it (record_pipeline_limit_queue) and is retried
 * every second for --store-retry-s, then the run gives up.
 */
#include "recorder_loop.h"

#include "fa_exit.h"
#include "fa_text.h"
#include "fa_time.h"
#include "record_pipeline.h"
#include "replay_frame.h"
#include "replay_writer.h"

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
#define MAX_EVENTS 16

enum {
	TAG_SIGNAL = -1,
	TAG_BATCH = -2,
	TAG_TICK = -3
};

struct recorder {
	const struct recorder_setup *setup;
	const struct recorder_options *opts;
	struct record_pipeline *pipe;
	struct record_buf buf;
	struct store_health h;
	int epfd, sigfd, batch_fd, tick_fd;
	bool batch_armed;
	bool stop;
	enum recorder_fault fault; /* the latest failure's part decides the outcome */
	int err;
	bool store_failing;
	int64_t failing_since_ns;
	unsigned ticks;
	bool pull_done[RECORDER_MAX_SOURCES];
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

/* A failure decides the run's outcome (the latest one wins) and stops the loop. */
static void fail(struct recorder *r, enum recorder_fault part, int err)
{
	r->fault = part;
	r->err = err;
	r->stop = true;
}

/* --- the tee --------------------------------------------------------------- */

/* After a tee call: count what it lost, and say so once when it first fails. */
static void tee_check(struct recorder *r)
{
	struct replay_writer *tee = r->setup->tee;
	int e = replay_writer_error(tee);
	r->h.tee_failures = replay_writer_lost(tee);
	if (e && !r->tee_reported) {
		r->tee_reported = true;
		/* The exit status is main's to choose (RECORDER_FAULT_TEE); the
		 * operator reads it here, when the tee stops. */
		fprintf(stderr,
			"flowrec: --tee %s: write failed: %s; the tee is incomplete (recording "
			"goes on, exit %d at the end)\n",
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
	tee_header_encode(record_pipeline_clock(r->pipe), header);
	replay_writer_write(r->setup->tee, REPLAY_KIND_TEE_HEADER, header, sizeof(header));
	tee_check(r);
}

static void tee_record(struct recorder *r, const struct rp_frame *f)
{
	tee_start(r);
	replay_writer_write(r->setup->tee, f->kind, f->data, f->len);
	tee_check(r);
}

static void tee_flush(struct recorder *r)
{
	if (!r->setup->tee)
		return;
	replay_writer_flush(r->setup->tee);
	tee_check(r);
}

/* --- commits --------------------------------------------------------------- */

/*
 * Write the queue. A failure keeps it: the queue is bounded from then on, the
 * batch timer retries in a second, and after --store-retry-s of failures the
 * run gives up. The tee is flushed with every commit, so it never lags the
 * database by more than a batch.
 */
static void commit(struct recorder *r)
{
	struct flow_store *st = r->setup->store;
	int rc = flow_store_commit(st);
	if (rc == 0) {
		if (r->store_failing)
			fprintf(stderr,
				"flowrec: database writable again; %llu events could not be kept "
				"meanwhile\n",
				(unsigned long long)r->h.store_failures);
		r->store_failing = false;
		record_pipeline_limit_queue(r->pipe, SIZE_MAX);
		r->batch_armed = false;
		arm_timer(r->batch_fd, 0, false);
		tee_flush(r);
		return;
	}
	int64_t now = fa_clock_ns(CLOCK_MONOTONIC);
	if (!r->store_failing) {
		r->store_failing = true;
		r->failing_since_ns = now;
		record_pipeline_limit_queue(r->pipe, MAX_PENDING_OPS);
		fprintf(stderr,
			"flowrec: %s; keeping %zu pending operations in memory and retrying\n",
			flow_store_errmsg(st), flow_store_pending_ops(st));
	}
	if (now - r->failing_since_ns > (int64_t)r->opts->store_retry_s * NS_PER_S) {
		fprintf(stderr,
			"flowrec: giving up after %u s of failed commits: %s (%zu operations not "
			"stored)\n",
			r->opts->store_retry_s, flow_store_errmsg(st), flow_store_pending_ops(st));
		fail(r, RECORDER_FAULT_STORE, rc);
		return;
	}
	/* Retry in a second; the tick does not wait for the batch deadline. */
	arm_timer(r->batch_fd, NS_PER_S, false);
	r->batch_armed = true;
}

/*
 * The pipeline said the batch is full: commit it, unless the database is
 * refusing writes (the retry timer owns that). True when a commit was tried.
 */
static bool commit_full_batch(struct recorder *r)
{
	if (r->store_failing)
		return false;
	commit(r);
	return true;
}

/* Through a pipeline pause: commit each full batch and resume until it is done. */
static enum rp_status finish(struct recorder *r, enum rp_status s)
{
	while (s == RP_PAUSED) {
		commit_full_batch(r);
		s = record_pipeline_resume(r->pipe).status;
	}
	return s;
}

/* After records: commit a full batch now, or make sure a deadline will. */
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

/* --- records --------------------------------------------------------------- */

/* One record through the pipeline and into the tee. True when the batch is full. */
static bool take_record(struct recorder *r, const char *source, const struct record_buf *b,
			size_t i)
{
	struct rp_frame f = {.kind = b->recs[i].kind,
			     .data = record_buf_data(b, i),
			     .len = b->recs[i].len,
			     .source = source};
	struct rp_result res = record_pipeline_push(r->pipe, &f);
	/* Every record received goes to the tee, rejects too; framing problems
	 * (RAW_KIND_*) were never records, and an adopted header is the tee's own. */
	if (r->setup->tee && f.kind < RAW_KIND_TRUNCATED && res.outcome != RP_CLOCK_ADOPTED)
		tee_record(r, &f);
	return finish(r, res.status) == RP_BATCH_FULL;
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
		bool full = take_record(r, name, &r->buf, i);
		i++;
		if (!full || !commit_full_batch(r) || src->ops->pull || r->stop ||
		    ++handled > REFILL_MAX)
			continue;
		if (i > r->buf.count / 2) {
			record_buf_drop_front(&r->buf, i);
			i = 0;
		}
		size_t backlog = r->buf.count - i;
		int rc = 0;
		if (backlog < r->opts->backlog)
			rc = src->ops->drain(src, &r->buf, r->opts->backlog - backlog);
		if (rc < 0)
			fail(r, RECORDER_FAULT_SOURCE, rc);
	}
	record_buf_clear(&r->buf);
}

/* Drain up to max records of source i into the pipeline. */
static void drain_source(struct recorder *r, int i, size_t max)
{
	struct source *src = r->setup->sources[i];
	int rc = src->ops->drain(src, &r->buf, max);
	process_buf(r, src);
	if (rc < 0) {
		fail(r, RECORDER_FAULT_SOURCE, rc);
	} else if (rc == SOURCE_EOF && !r->pull_done[i]) {
		r->pull_done[i] = true;
		/* A polled stream at EOF stays readable forever: stop watching it. */
		if (!src->ops->pull)
			epoll_ctl(r->epfd, EPOLL_CTL_DEL, src->ops->poll_fd(src), NULL);
	}
	after_records(r);
}

/* --- sweeps and health ----------------------------------------------------- */

/*
 * Close the idle flows of the kernel flow tables (all of them with all set:
 * the run's end). Each chunk of closes a source hands over is processed
 * before the next, so memory stays bounded.
 */
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
	/* NFLOG fragments are matched in the pipeline, not in a source: add the ones that were not. */
	r->h.frag_unmatched += record_pipeline_frag_unmatched(r->pipe);
}

static void queue_health(struct recorder *r, bool final)
{
	fill_health(r);
	if (flow_store_queue_health(r->setup->store, &r->h, final))
		r->h.store_failures++;
}

/*
 * The 1 s tick: the kernel tables' sweep, the wall-clock sweep of the flows
 * the pipeline tracks itself (live only: a replay sweeps on record time), and
 * a health row every --stats-s.
 */
static void on_tick(struct recorder *r)
{
	uint64_t expirations;
	if (read(r->tick_fd, &expirations, sizeof(expirations)) < 0)
		return;
	sweep_sources(r, false);
	if (!r->setup->replay) {
		for (enum fa_clock c = FA_CLOCK_MONOTONIC; c <= FA_CLOCK_BOOTTIME; c++)
			finish(r, record_pipeline_expire(r->pipe, c, fa_clock_ns(fa_clock_id(c))));
	}
	if (++r->ticks % r->opts->stats_s == 0)
		queue_health(r, false);
	after_records(r);
}

/* --- the event loop -------------------------------------------------------- */

/* Block the stop signals into a signalfd; epoll over it, the timers and the sources. */
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

/*
 * One turn: serve whatever fds are ready, then a chunk of each pull source.
 * With a pull source pending the wait does not block, so a replay runs at
 * full speed while signals and deadlines are still served between chunks.
 */
static void turn(struct recorder *r)
{
	bool pull = pull_pending(r);
	struct epoll_event evs[MAX_EVENTS];
	int n = epoll_wait(r->epfd, evs, MAX_EVENTS, pull ? 0 : -1);
	if (n < 0 && errno != EINTR) {
		int e = errno;
		fprintf(stderr, "flowrec: epoll_wait: %s\n", strerror(e));
		fail(r, RECORDER_FAULT_LOOP, -e);
		return;
	}
	for (int i = 0; i < n; i++)
		dispatch(r, &evs[i]);
	if (pull && !r->stop)
		for (int i = 0; i < r->setup->nsources; i++)
			if (r->setup->sources[i]->ops->pull && !r->pull_done[i])
				drain_source(r, i, PULL_CHUNK);
}

/* --- the run's end --------------------------------------------------------- */

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

/*
 * The last commit, retried for --store-retry-s (there is no loop left to
 * retry it), then given up loudly. False when it was given up.
 */
static bool commit_final(struct recorder *r)
{
	struct flow_store *st = r->setup->store;
	int64_t deadline =
		fa_clock_ns(CLOCK_MONOTONIC) + (int64_t)r->opts->store_retry_s * NS_PER_S;
	int rc;
	while ((rc = flow_store_commit(st)) != 0) {
		if (fa_clock_ns(CLOCK_MONOTONIC) > deadline) {
			fprintf(stderr,
				"flowrec: final commit failed: %s (%zu operations not stored)\n",
				flow_store_errmsg(st), flow_store_pending_ops(st));
			/* Lost for good: the summary's "store N" counts them too. */
			r->h.store_failures += flow_store_pending_ops(st);
			fail(r, RECORDER_FAULT_STORE, rc);
			return false;
		}
		sleep(1);
	}
	return true;
}

/*
 * Whatever the sources still hold, then every flow still open (run_end), the
 * tee completed, the final health row, the last commit and the run's end.
 */
static void end_run(struct recorder *r)
{
	struct flow_store *st = r->setup->store;
	for (int i = 0; i < r->setup->nsources && r->fault == RECORDER_FAULT_NONE; i++)
		if (!r->setup->sources[i]->ops->pull)
			drain_source(r, i, SIZE_MAX);
	sweep_sources(r, true);
	finish(r, record_pipeline_close_all(r->pipe));
	/* The tee is complete (or known not to be) before the final health row. */
	tee_start(r);
	tee_flush(r);
	fill_health(r);
	r->h.events_written = flow_store_events_written(st) + flow_store_pending_events(st);
	queue_health(r, true);
	if (!commit_final(r))
		return;
	int rc = flow_store_end_run(st, r->fault == RECORDER_FAULT_NONE ? "clean" : "error",
				    fa_clock_ns(CLOCK_REALTIME));
	if (rc) {
		fprintf(stderr, "flowrec: %s\n", flow_store_errmsg(st));
		fail(r, RECORDER_FAULT_STORE, rc);
		return;
	}
	/* The indexes a run does not keep (fa_db.h), over every row, once. */
	rc = flow_store_build_indexes(st);
	if (rc) {
		fprintf(stderr, "flowrec: %s\n", flow_store_errmsg(st));
		fail(r, RECORDER_FAULT_STORE, rc);
	}
}

/* --- setup and cleanup ----------------------------------------------------- */

static int recorder_init(struct recorder *r, const struct recorder_setup *setup)
{
	const struct recorder_options *o = setup->opts;
	struct record_pipeline_config cfg = {
		.batch_events = o->batch_events,
		.tcp_idle_ns = (int64_t)o->tcp_idle_s * NS_PER_S,
		.other_idle_ns = (int64_t)o->udp_idle_s * NS_PER_S,
		.replay = setup->replay,
		.clock = setup->clock,
	};
	*r = (struct recorder){
		.setup = setup,
		.opts = o,
		.epfd = -1,
		.sigfd = -1,
		.batch_fd = -1,
		.tick_fd = -1,
	};
	r->pipe = record_pipeline_new(&cfg, setup->store, &r->h);
	if (!r->pipe)
		return -errno;
	return setup_fds(r);
}

static void recorder_fini(struct recorder *r)
{
	record_buf_free(&r->buf);
	record_pipeline_free(r->pipe);
	const int fds[] = {r->epfd, r->sigfd, r->batch_fd, r->tick_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int recorder_loop_run(const struct recorder_setup *setup, enum recorder_fault *fault)
{
	struct recorder r;
	int rc = recorder_init(&r, setup);
	if (rc < 0) {
		fprintf(stderr, "flowrec: setting up the event loop: %s\n", strerror(-rc));
		fail(&r, RECORDER_FAULT_LOOP, rc);
		goto cleanup;
	}

	while (!r.stop && !all_pulled(&r)) /* all pulled: the replay is finished */
		turn(&r);

	end_run(&r);
	if (!r.opts->quiet)
		print_summary(&r);
	/* The database holds the whole run; the tee does not: say so by the outcome. */
	if (r.fault == RECORDER_FAULT_NONE && setup->tee && replay_writer_error(setup->tee))
		fail(&r, RECORDER_FAULT_TEE, replay_writer_error(setup->tee));
cleanup:
	recorder_fini(&r);
	*fault = r.fault;
	return r.err;
}
