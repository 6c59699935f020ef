/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The eBPF capture source (see source_ebpf.h), in the order of
 * libbpf-bootstrap's loader: open and load flowaudit's own tc program through
 * its bpftool skeleton (or an external v1 object), open the ring buffer,
 * attach inside the cell's network namespace (tc_attach.h), then hand the
 * ring buffer's records to the main loop, raw.
 *
 * Invariants:
 * - The ring-buffer callback only copies the record into the caller's
 *   record_buf; decoding (including the length check) is the decoder's job.
 *   A copy that fails for memory is counted (daemon drops), never silent.
 * - The kernel's flow table is swept by flow_table_sweep.h (deletes before
 *   closes, deferred opens before their close, lingers to their end).
 * - Every sweep starts with a flush of the kernel's summary slots (the
 *   flowaudit_flush program, run with BPF_PROG_TEST_RUN); at shutdown, after
 *   the detach, flushes repeat until every slot is emitted.
 * - destroy() detaches everything this source attached and nothing else.
 */
#include "source_ebpf.h"

#include "conn_record_v3.h"
#include "flow_counters.h"
#include "flow_table.h"
#include "flow_table_sweep.h"
#include "flowaudit.skel.h"
#include "monitor_error.h"
#include "replay_frame.h"
#include "tc_attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Returned by the ring-buffer callback to stop a drain at max records. */
#define DRAIN_FULL (-EAGAIN)

struct ebpf_source {
	struct source base; /* first: struct source * converts to this */
	struct flowaudit_bpf *skel; /* built-in program, or NULL */
	struct bpf_object *ext_obj; /* external v1 object, or NULL */
	struct ring_buffer *rb;
	struct tc_attach *tc; /* what is attached to the interface */
	uint32_t kind; /* REPLAY_KIND_CONN_V3 or REPLAY_KIND_FLOW_V1 */
	int counters_fd; /* FLOW_COUNTERS, built-in only; else -1 */
	int flush_fd; /* the flowaudit_flush program, built-in only; else -1 */
	bool has_table; /* the built-in program's FLOW_TABLE: swept here */
	struct flow_table_sweep sweep;
	/* drain state: where the callback copies to, and how many more it may */
	struct record_buf *out;
	size_t room;
	uint64_t daemon_drops; /* records lost for memory in the recorder */
};

/* Closes one sweep call hands to the loop (bounds the records held at once). */
#define SWEEP_CHUNK 65536

static struct ebpf_source *to_ebpf(const struct source *src)
{
	return (struct ebpf_source *)src;
}

static int ring_cb(void *ctx, void *data, size_t size)
{
	struct ebpf_source *s = ctx;

	if (record_buf_push(s->out, s->kind, data, size) < 0)
		s->daemon_drops++; /* libbpf has consumed it: count, keep going */
	if (s->room && --s->room == 0)
		return DRAIN_FULL; /* this record is copied; stop before the next */
	return 0;
}

static const char *ebpf_backend_name(const struct source *src)
{
	(void)src;
	return "ebpf";
}

static int ebpf_poll_fd(const struct source *src)
{
	return ring_buffer__epoll_fd(to_ebpf(src)->rb);
}

static int ebpf_drain(struct source *src, struct record_buf *out, size_t max)
{
	struct ebpf_source *s = to_ebpf(src);
	int ret;

	s->out = out;
	s->room = max;
	ret = ring_buffer__consume(s->rb);
	s->out = NULL;
	if (ret < 0 && ret != DRAIN_FULL) {
		fprintf(stderr, "flowrec: ring buffer read failed: %s\n", strerror(-ret));
		return ret;
	}
	return SOURCE_MORE;
}

static int ebpf_read_counters(struct source *src, struct source_counters *out)
{
	struct ebpf_source *s = to_ebpf(src);
	uint64_t sums[FLOW_COUNTER_COUNT] = {0};
	uint64_t *vals = NULL;
	int ncpus, ret = 0;

	memset(out, 0, sizeof(*out));
	if (s->counters_fd >= 0) {
		ncpus = libbpf_num_possible_cpus();
		if (ncpus <= 0)
			return ncpus < 0 ? ncpus : -EINVAL;
		vals = calloc((size_t)ncpus, sizeof(*vals));
		if (!vals)
			return -ENOMEM;
		for (uint32_t i = 0; i < FLOW_COUNTER_COUNT; i++) {
			if (bpf_map_lookup_elem(s->counters_fd, &i, vals) < 0) {
				ret = -errno;
				goto cleanup;
			}
			for (int c = 0; c < ncpus; c++)
				sums[i] += vals[c];
		}
	}
	/* Each kernel counter into its health counter (fa_health.h names the pairs). */
#define READ_KERNEL_COUNTER(name, migration, verdict, filled_by, kernel, ...)                      \
	FA_HEALTH_IF_KERNEL(filled_by, out->name = sums[FLOW_COUNTER_##kernel];)
	FA_HEALTH_COUNTERS(READ_KERNEL_COUNTER)
#undef READ_KERNEL_COUNTER
	/* Records the daemon lost: ring reads, and the sweep's pushes that failed. */
	out->daemon_drops = s->daemon_drops + s->sweep.push_failures;
cleanup:
	free(vals);
	return ret;
}

/*
 * Have the kernel emit its summary slots into the ring (flowaudit_flush).
 * 0: every slot emitted; 1: the ring filled and some wait; -errno.
 */
static int flush_summaries(struct ebpf_source *s)
{
	uint8_t frame[14] = {0}; /* the program ignores its packet; test runs need one */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame));

	if (s->flush_fd < 0)
		return 0;
	if (bpf_prog_test_run_opts(s->flush_fd, &opts) < 0)
		return -errno;
	return opts.retval ? 1 : 0;
}

/*
 * The run's end: stop the program first (nothing new enters the table or the
 * ring), then flush the summary slots until every one is emitted, taking the
 * ring's records into out as they come.
 */
static int stop_and_flush(struct ebpf_source *s, struct record_buf *out)
{
	int ret;
	tc_attach_detach(s->tc);
	s->out = out;
	s->room = 0;
	do {
		ring_buffer__consume(s->rb);
		ret = flush_summaries(s);
	} while (ret == 1);
	ring_buffer__consume(s->rb);
	s->out = NULL;
	return ret;
}

static int ebpf_sweep(struct source *src, int64_t now_boot_ns, const struct sweep_limits *limits,
		      struct record_buf *out)
{
	struct ebpf_source *s = to_ebpf(src);

	if (!s->has_table)
		return 0; /* v1 objects: the recorder tracks their flows itself */
	if (!flow_table_sweep_active(&s->sweep)) {
		/* A new sweep: the summaries first (the ring is drained as usual), then what is due. */
		int ret = limits ? flush_summaries(s) : stop_and_flush(s, out);
		if (ret < 0)
			fprintf(stderr, "flowrec: flushing the kernel's summaries failed: %s\n",
				strerror(-ret));
		ret = flow_table_sweep_start(&s->sweep, now_boot_ns, limits);
		if (ret < 0)
			return ret;
	}
	return flow_table_sweep_next(&s->sweep, now_boot_ns, limits, out, SWEEP_CHUNK);
}

static void ebpf_destroy(struct source *src)
{
	struct ebpf_source *s = to_ebpf(src);

	if (!s)
		return;
	tc_attach_free(s->tc);
	flow_table_sweep_fini(&s->sweep);
	ring_buffer__free(s->rb);
	flowaudit_bpf__destroy(s->skel);
	bpf_object__close(s->ext_obj);
	free(s);
}

static const struct source_ops ebpf_ops = {
	.backend_name = ebpf_backend_name,
	.poll_fd = ebpf_poll_fd,
	.drain = ebpf_drain,
	.read_counters = ebpf_read_counters,
	.sweep = ebpf_sweep,
	.destroy = ebpf_destroy,
};

/*
 * The pressure handling's settings (bpf/flow_pressure.h): the per-second rate
 * becomes per-interval budgets (at least 1), one class may take
 * 1/FLOW_BUDGET_CLASS_SHARE of it, replies may promote as many deferred flows
 * as the rate; each of the two clocks has a position per table entry.
 */
static void set_pressure(struct flowaudit_bpf *skel, const struct ebpf_source_config *cfg)
{
	uint32_t rate = cfg->flow_rate ? cfg->flow_rate : FLOW_BUDGET_DEFAULT_RATE;
	uint32_t entries =
		cfg->flow_table_entries ? cfg->flow_table_entries : FLOW_TABLE_DEFAULT_ENTRIES;
	uint32_t per_iv = rate / FLOW_BUDGET_INTERVALS_PER_S;

	if (per_iv == 0)
		per_iv = 1;
	skel->rodata->budget_first = per_iv;
	skel->rodata->budget_class =
		per_iv / FLOW_BUDGET_CLASS_SHARE ? per_iv / FLOW_BUDGET_CLASS_SHARE : 1;
	skel->rodata->budget_promote = per_iv;
	skel->rodata->budget_interval_ns = FLOW_BUDGET_INTERVAL_NS;
	skel->rodata->evict_protect_ns = FLOW_EVICT_PROTECT_NS;
	skel->rodata->fail_closed = cfg->fail_closed ? 1 : 0;
	skel->rodata->clock_slots = entries; /* per clock */
}

static int load_builtin(struct ebpf_source *s, const struct ebpf_source_config *cfg, char *err,
			size_t errlen)
{
	char msg[256];
	int ret;

	s->skel = flowaudit_bpf__open();
	if (!s->skel) {
		ret = -errno;
		snprintf(msg, sizeof(msg), "opening the built-in program: %s", strerror(-ret));
		monitor_error_load_failed(err, errlen, msg);
		return ret;
	}
	s->skel->rodata->iface_side_host = cfg->iface_side_host ? 1 : 0;
	set_pressure(s->skel, cfg);
	if (cfg->ringbuf_bytes &&
	    (ret = bpf_map__set_max_entries(s->skel->maps.CONN_EVENTS, cfg->ringbuf_bytes)) < 0)
		goto fail;
	if (cfg->flow_table_entries &&
	    (ret = bpf_map__set_max_entries(s->skel->maps.FLOW_TABLE, cfg->flow_table_entries)) < 0)
		goto fail;
	if ((ret = bpf_map__set_max_entries(s->skel->maps.FLOW_CLOCK,
					    FLOW_CLOCK_PER_ENTRY * s->skel->rodata->clock_slots)) <
	    0)
		goto fail;
	ret = flowaudit_bpf__load(s->skel);
	if (ret < 0)
		goto fail;
	s->kind = REPLAY_KIND_CONN_V3;
	s->has_table = true;
	flow_table_sweep_init(&s->sweep, bpf_map__fd(s->skel->maps.FLOW_TABLE),
			      bpf_map__fd(s->skel->maps.FLOW_MEMORY));
	s->counters_fd = bpf_map__fd(s->skel->maps.FLOW_COUNTERS);
	s->flush_fd = bpf_program__fd(s->skel->progs.flowaudit_flush);
	return 0;
fail:
	snprintf(msg, sizeof(msg), "built-in flowaudit program: %s", strerror(-ret));
	monitor_error_load_failed(err, errlen, msg);
	return ret;
}

static const char *const v1_prog_names[] = {"cellos_flow_egress", "tc_egress", "flow_classifier"};
static const char *const v1_map_names[] = {"FLOW_EVENTS", "flow_events"};

static int load_external(struct ebpf_source *s, const char *path, struct bpf_program **prog_out,
			 struct bpf_map **map_out, char *err, size_t errlen)
{
	struct bpf_program *prog = NULL;
	struct bpf_map *map = NULL;
	struct stat st;
	char msg[512];
	int ret;

	if (stat(path, &st) < 0) {
		ret = -errno;
		monitor_error_object_missing(err, errlen, path);
		return ret;
	}
	s->ext_obj = bpf_object__open_file(path, NULL);
	if (!s->ext_obj) {
		ret = -errno;
		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(-ret));
		monitor_error_load_failed(err, errlen, msg);
		return ret;
	}
	for (size_t i = 0; !prog && i < sizeof(v1_prog_names) / sizeof(v1_prog_names[0]); i++)
		prog = bpf_object__find_program_by_name(s->ext_obj, v1_prog_names[i]);
	if (!prog) {
		snprintf(msg, sizeof(msg),
			 "%s has no program named cellos_flow_egress, tc_egress or flow_classifier",
			 path);
		monitor_error_load_failed(err, errlen, msg);
		return -ENOENT;
	}
	for (size_t i = 0; !map && i < sizeof(v1_map_names) / sizeof(v1_map_names[0]); i++)
		map = bpf_object__find_map_by_name(s->ext_obj, v1_map_names[i]);
	if (!map || bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF) {
		snprintf(msg, sizeof(msg),
			 "%s has no ring-buffer map named FLOW_EVENTS or flow_events", path);
		monitor_error_ringbuf_open_failed(err, errlen, msg);
		return -ENOENT;
	}
	bpf_program__set_type(prog, BPF_PROG_TYPE_SCHED_CLS);
	ret = bpf_object__load(s->ext_obj);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(-ret));
		monitor_error_load_failed(err, errlen, msg);
		return ret;
	}
	s->kind = REPLAY_KIND_FLOW_V1;
	*prog_out = prog;
	*map_out = map;
	return 0;
}

/* Open the ring buffer of ring_map, whose records the drain hands out raw. */
static int open_ring(struct ebpf_source *s, const struct bpf_map *ring_map, char *err,
		     size_t errlen)
{
	char msg[256];
	s->rb = ring_buffer__new(bpf_map__fd(ring_map), ring_cb, s, NULL);
	if (s->rb)
		return 0;
	int ret = -errno;
	snprintf(msg, sizeof(msg), "%s: %s", bpf_map__name(ring_map), strerror(-ret));
	monitor_error_ringbuf_open_failed(err, errlen, msg);
	return ret;
}

/*
 * Load what cfg names and open its ring buffer; the programs to attach go to
 * tc->ingress_fd and tc->egress_fd.
 */
static int load(struct ebpf_source *s, const struct ebpf_source_config *cfg,
		struct tc_attach_config *tc, char *err, size_t errlen)
{
	struct bpf_program *ext_prog = NULL;
	struct bpf_map *ring_map = NULL;
	int ret;

	if (cfg->bpf_object) {
		ret = load_external(s, cfg->bpf_object, &ext_prog, &ring_map, err, errlen);
		if (ret < 0)
			return ret;
		/* one program, on the hook that carries what leaves the cell */
		if (cfg->iface_side_host)
			tc->ingress_fd = bpf_program__fd(ext_prog);
		else
			tc->egress_fd = bpf_program__fd(ext_prog);
	} else {
		ret = load_builtin(s, cfg, err, errlen);
		if (ret < 0)
			return ret;
		ring_map = s->skel->maps.CONN_EVENTS;
		tc->ingress_fd = bpf_program__fd(s->skel->progs.flowaudit_tc_ingress);
		tc->egress_fd = bpf_program__fd(s->skel->progs.flowaudit_tc_egress);
	}
	return open_ring(s, ring_map, err, errlen);
}

struct source *source_ebpf_new(const struct ebpf_source_config *cfg, char *err, size_t errlen)
{
	struct tc_attach_config tc = {
		.iface = cfg->iface,
		.netns = cfg->netns,
		.ingress_fd = -1,
		.egress_fd = -1,
		.tcx_only = cfg->tcx_only,
	};
	struct ebpf_source *s = NULL;
	int ret;

	if (!cfg->iface || !*cfg->iface) {
		monitor_error_attach_failed(err, errlen, "(none)", "no interface given");
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base.ops = &ebpf_ops;
	s->counters_fd = -1;
	s->flush_fd = -1;
	flow_table_sweep_init(&s->sweep, -1, -1);

	ret = load(s, cfg, &tc, err, errlen);
	if (ret < 0)
		goto fail;
	s->tc = tc_attach_new(&tc, err, errlen);
	if (!s->tc) {
		ret = -errno;
		goto fail;
	}
	return &s->base;
fail:
	ebpf_destroy(&s->base);
	errno = -ret;
	return NULL;
}
