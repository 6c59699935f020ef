/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The eBPF capture source (see source_ebpf.h): loads flowaudit's own tc
 * program through its bpftool skeleton, or an external v1 object, attaches it
 * inside the cell's network namespace and hands the ring buffer's records to
 * the main loop, raw.
 *
 * Attachment: tcx links first (kernel 6.6+, through bpf_link_create; the
 * kernel removes them when their fd closes, even if flowrec is killed, so
 * nothing is left behind). Without tcx: a clsact qdisc (created only if
 * absent, and then destroyed on exit) with one tc filter per hook. The
 * environment variable FLOWAUDIT_NO_TCX=1 forces the fallback (tests).
 *
 * Invariants:
 * - The ring-buffer callback only copies the record into the caller's
 *   record_buf; decoding (including the length check) is the decoder's job.
 *   A copy that fails for memory is counted (daemon drops), never silent.
 * - The sweep deletes a flow-table entry before it emits the flow's close,
 *   so a packet racing with it opens a new flow instead of being lost. A
 *   swept TCP flow's direction goes to FLOW_MEMORY first, so that packet
 *   continues the connection (midstream) rather than inventing a new one.
 * - A TCP flow closed by FIN or RST lingers in the table, still counting,
 *   until FLOW_LINGER_NS after the close; its closed record (final counters,
 *   the close's own time) comes from this sweep then.
 *   flow whose opened record the kernel deferred gets it from the sweep,
 *   just before its close.
 * - Every sweep starts with a flush of the kernel's summary slots (the
 *   flowaudit_flush program, run with BPF_PROG_TEST_RUN); at shutdown, after
 *   the detach, flushes repeat until every slot is emitted.
 * - destroy() detaches everything this source attached and nothing else.
 */
#include "source_ebpf.h"

#include "../bpf/conn_record_v3.h"
#include "../bpf/flow_counters.h"
#include "../bpf/flow_table.h"
#include "../bpf/replay_frame.h"
#include "../common/fa_exit.h"
#include "flowaudit.skel.h"
#include "monitor_error.h"
#include "netns.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * tcx attach types (kernel 6.6). Debian 12's linux/bpf.h predates them, so
 * they are defined here with the kernel's values.
 */
#define FA_BPF_TCX_INGRESS 46
#define FA_BPF_TCX_EGRESS 47

/* The kernel's "operation not supported" (ENOTSUPP is not in libc's errno.h). */
#define FA_ENOTSUPP 524

/* Returned by the ring-buffer callback to stop a drain at max records. */
#define DRAIN_FULL (-EAGAIN)

#define SWEEP_BATCH 1024

enum hook {
	HOOK_INGRESS = 0,
	HOOK_EGRESS = 1,
	HOOK_COUNT = 2,
};

struct attachment {
	bool used;
	int link_fd; /* tcx link, or -1 */
	bool tc; /* a tc filter (fallback) */
	__u32 handle; /* tc filter identity, for the detach */
	__u32 priority;
};

struct ebpf_source {
	struct source base; /* first: struct source * converts to this */
	struct flowaudit_bpf *skel; /* built-in program, or NULL */
	struct bpf_object *ext_obj; /* external v1 object, or NULL */
	struct ring_buffer *rb;
	uint32_t kind; /* REPLAY_KIND_CONN_V3 or REPLAY_KIND_FLOW_V1 */
	bool tcx_only; /* refuse the clsact fallback (privileges will be dropped) */
	int table_fd; /* FLOW_TABLE, built-in only; else -1 */
	int counters_fd; /* FLOW_COUNTERS, built-in only; else -1 */
	int memory_fd; /* FLOW_MEMORY, built-in only; else -1 */
	int flush_fd; /* the flowaudit_flush program, built-in only; else -1 */
	int netns_fd; /* the cell's namespace (for the tc detach), or -1 */
	int ifindex;
	char iface[IF_NAMESIZE];
	struct attachment att[HOOK_COUNT];
	bool created_qdisc;
	/* drain state: where the callback copies to, and how many more it may */
	struct record_buf *out;
	size_t room;
	uint64_t daemon_drops; /* records lost for memory in the recorder */
	/* A sweep in progress: the due keys, emitted SWEEP_CHUNK per call. */
	struct flow_key *due;
	size_t due_n;
	size_t due_pos;
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
	out->daemon_drops = s->daemon_drops;
cleanup:
	free(vals);
	return ret;
}

/* Whether the sweep removes this entry now (limits NULL: shutdown, all). */
static bool sweep_due(const struct flow_key *k, const struct flow_value *v, int64_t now,
		      const struct sweep_limits *limits)
{
	int64_t idle;

	if (!limits)
		return true;
	if (v->state == FLOW_STATE_LINGER)
		return now - (int64_t)v->closed_ns >= (int64_t)FLOW_LINGER_NS;
	idle = k->protocol == PKT_PROTO_TCP ? limits->tcp_idle_ns : limits->udp_idle_ns;
	return now - (int64_t)v->last_seen_ns > idle;
}

static void push_record(struct ebpf_source *s, struct record_buf *out,
			const struct conn_record_v3 *rec)
{
	if (record_buf_push(out, REPLAY_KIND_CONN_V3, rec, sizeof(*rec)) < 0)
		s->daemon_drops++;
}

/*
 * Delete one due entry (re-checked on its latest value) and emit its close,
 * after its opened record if the kernel deferred that (it is only now over).
 */
static int sweep_one(struct ebpf_source *s, const struct flow_key *k, int64_t now,
		     const struct sweep_limits *limits, struct record_buf *out)
{
	struct conn_record_v3 rec;
	struct flow_value v;
	uint64_t closed_ns = (uint64_t)now;
	uint8_t reason;

	if (bpf_map_lookup_elem(s->table_fd, k, &v) < 0)
		return 0; /* gone meanwhile */
	if (!sweep_due(k, &v, now, limits))
		return 0; /* a packet arrived meanwhile */
	if (bpf_map_lookup_and_delete_elem(s->table_fd, k, &v) < 0) {
		if (errno == ENOENT)
			return 0;
		/* kernels without hash lookup-and-delete: the value read above is final enough */
		if (bpf_map_delete_elem(s->table_fd, k) < 0)
			return errno == ENOENT ? 0 : -errno;
	}
	if (limits && k->protocol == PKT_PROTO_TCP && s->memory_fd >= 0) {
		/* a later packet of this 5-tuple continues it in the same direction */
		struct flow_memory m = {.orig_is_lo = v.orig_is_lo, .direction = v.direction};
		bpf_map_update_elem(s->memory_fd, k, &m, BPF_ANY); /* best effort: LRU */
	}
	if (v.reported == FLOW_UNREPORTED) {
		flow_table_fill_record(&rec, k, &v, CONN_KIND_OPENED, CONN_CLOSE_NONE, 0);
		rec.flags |= CONN_FLAG_DEFERRED;
		rec.last_seen_ns = v.last_seen_ns;
		push_record(s, out, &rec); /* the kernel never closed it: its close follows */
	}
	if (v.state == FLOW_STATE_LINGER) {
		if (v.close_reported)
			return 0;
		reason = v.close_reason; /* its linger is over: the close, final counters */
		closed_ns = v.closed_ns;
	} else if (!limits) {
		reason = CONN_CLOSE_RUN_END;
	} else if (k->protocol == PKT_PROTO_TCP && v.fin_seen == (FLOW_FIN_ORIG | FLOW_FIN_RESP)) {
		reason = CONN_CLOSE_TCP_FIN; /* both FINs, the last ACK never seen */
	} else {
		reason = CONN_CLOSE_IDLE;
	}
	flow_table_fill_record(&rec, k, &v, CONN_KIND_CLOSED, reason, closed_ns);
	push_record(s, out, &rec);
	return 0;
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
 * Collect the keys of due entries. Batched lookups when the kernel has them
 * (one syscall per SWEEP_BATCH entries), else key-by-key iteration.
 */
static int collect_due(struct ebpf_source *s, int64_t now, const struct sweep_limits *limits,
		       struct flow_key **keys_out, size_t *n_out)
{
	struct flow_key *due = NULL, *kbuf = NULL, *tmp;
	struct flow_value *vbuf = NULL;
	size_t n = 0, cap = 0;
	__u32 count, batch_token = 0;
	bool first = true, batched = true;
	struct flow_key cur, next;
	int ret = 0;

	kbuf = calloc(SWEEP_BATCH, sizeof(*kbuf));
	vbuf = calloc(SWEEP_BATCH, sizeof(*vbuf));
	if (!kbuf || !vbuf) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		bool done = false;

		if (batched) {
			count = SWEEP_BATCH;
			ret = bpf_map_lookup_batch(s->table_fd, first ? NULL : &batch_token,
						   &batch_token, kbuf, vbuf, &count, NULL);
			if (ret < 0 && errno == ENOENT) {
				done = true;
				ret = 0;
			} else if (ret < 0 && first &&
				   (errno == EINVAL || errno == ENOTSUP || errno == FA_ENOTSUPP)) {
				batched = false;
				ret = 0;
				continue;
			} else if (ret < 0) {
				ret = -errno;
				goto cleanup;
			}
		} else {
			count = 0;
			if (bpf_map_get_next_key(s->table_fd, first ? NULL : &cur, &next) < 0) {
				done = true;
			} else if (bpf_map_lookup_elem(s->table_fd, &next, &vbuf[0]) == 0) {
				kbuf[0] = next;
				count = 1;
			}
			cur = next;
		}
		first = false;
		for (__u32 i = 0; i < count; i++) {
			if (!sweep_due(&kbuf[i], &vbuf[i], now, limits))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				tmp = realloc(due, cap * sizeof(*due));
				if (!tmp) {
					ret = -ENOMEM;
					goto cleanup;
				}
				due = tmp;
			}
			due[n++] = kbuf[i];
		}
		if (done)
			break;
	}
	*keys_out = due;
	*n_out = n;
	due = NULL;
cleanup:
	free(due);
	free(kbuf);
	free(vbuf);
	return ret;
}

static void detach_all(struct ebpf_source *s);

static int ebpf_sweep(struct source *src, int64_t now_boot_ns, const struct sweep_limits *limits,
		      struct record_buf *out)
{
	struct ebpf_source *s = to_ebpf(src);
	int ret = 0;

	if (s->table_fd < 0)
		return 0; /* v1 objects: the recorder tracks their flows itself */
	if (s->due_pos >= s->due_n) {
		/* A new sweep: find what is due now. */
		free(s->due);
		s->due = NULL;
		s->due_n = s->due_pos = 0;
		if (limits) {
			ret = flush_summaries(s); /* the ring is drained as usual */
		} else {
			/* shutdown: stop the program, then collect what it emitted before the closes */
			detach_all(s);
			s->out = out;
			s->room = 0;
			do {
				ring_buffer__consume(s->rb);
				ret = flush_summaries(s);
			} while (ret == 1);
			ring_buffer__consume(s->rb);
			s->out = NULL;
		}
		if (ret < 0)
			fprintf(stderr, "flowrec: flushing the kernel's summaries failed: %s\n",
				strerror(-ret));
		ret = collect_due(s, now_boot_ns, limits, &s->due, &s->due_n);
		if (ret < 0) {
			fprintf(stderr, "flowrec: flow table sweep failed: %s\n", strerror(-ret));
			return ret;
		}
	}
	size_t end = s->due_n - s->due_pos > SWEEP_CHUNK ? s->due_pos + SWEEP_CHUNK : s->due_n;
	for (; s->due_pos < end; s->due_pos++) {
		ret = sweep_one(s, &s->due[s->due_pos], now_boot_ns, limits, out);
		if (ret < 0) {
			fprintf(stderr, "flowrec: flow table delete failed: %s\n", strerror(-ret));
			s->due_pos = s->due_n; /* give up this sweep; the next one starts afresh */
			return ret;
		}
	}
	return s->due_pos < s->due_n ? 1 : 0;
}

/* Remove our tc filters (and the qdisc if we created it), inside the cell's namespace. */
static void detach_tc(struct ebpf_source *s)
{
	struct netns_saved saved = {.orig_fd = -1};
	char err[512];
	bool any = false;

	for (int h = 0; h < HOOK_COUNT; h++)
		any |= s->att[h].tc;
	if (!any && !s->created_qdisc)
		return;
	if (s->netns_fd >= 0 && netns_enter_fd(s->netns_fd, &saved, err, sizeof(err)) < 0) {
		fprintf(stderr, "flowrec: detach: %s\n", err);
		return;
	}
	for (int h = 0; h < HOOK_COUNT; h++) {
		struct attachment *a = &s->att[h];
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = s->ifindex,
			    .attach_point = h == HOOK_INGRESS ? BPF_TC_INGRESS : BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = a->handle, .priority = a->priority);

		if (!a->tc)
			continue;
		if (bpf_tc_detach(&hook, &opts) < 0 && errno != ENOENT)
			fprintf(stderr, "flowrec: detaching the tc filter from %s failed: %s\n",
				s->iface, strerror(errno));
		a->tc = false;
	}
	if (s->created_qdisc) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = s->ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		if (bpf_tc_hook_destroy(&hook) < 0 && errno != ENOENT)
			fprintf(stderr, "flowrec: removing the clsact qdisc of %s failed: %s\n",
				s->iface, strerror(errno));
		s->created_qdisc = false;
	}
	if (netns_restore(&saved, err, sizeof(err)) < 0)
		fprintf(stderr, "flowrec: detach: %s\n", err);
}

static void detach_all(struct ebpf_source *s)
{
	for (int h = 0; h < HOOK_COUNT; h++) {
		if (s->att[h].link_fd >= 0) {
			close(s->att[h].link_fd); /* the kernel detaches the tcx link */
			s->att[h].link_fd = -1;
		}
	}
	detach_tc(s);
	for (int h = 0; h < HOOK_COUNT; h++)
		s->att[h].used = false;
}

static void ebpf_destroy(struct source *src)
{
	struct ebpf_source *s = to_ebpf(src);

	if (!s)
		return;
	detach_all(s);
	free(s->due);
	ring_buffer__free(s->rb);
	flowaudit_bpf__destroy(s->skel);
	bpf_object__close(s->ext_obj);
	if (s->netns_fd >= 0)
		close(s->netns_fd);
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
 * Attach prog_fd on one hook: a tcx link if the kernel has tcx, else a tc
 * filter on a clsact qdisc. Must run inside the cell's namespace.
 */
static int attach_hook(struct ebpf_source *s, int prog_fd, enum hook h, char *err, size_t errlen)
{
	struct attachment *a = &s->att[h];
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = s->ifindex,
		    .attach_point = h == HOOK_INGRESS ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	const char *no_tcx = getenv("FLOWAUDIT_NO_TCX");
	char msg[256];
	int fd, ret;

	if (no_tcx && strcmp(no_tcx, "1") == 0) {
		fd = -1;
		errno = EOPNOTSUPP;
	} else {
		fd = bpf_link_create(prog_fd, s->ifindex,
				     (enum bpf_attach_type)(h == HOOK_INGRESS ? FA_BPF_TCX_INGRESS
									      : FA_BPF_TCX_EGRESS),
				     &lopts);
	}
	if (fd >= 0) {
		a->used = true;
		a->link_fd = fd;
		return 0;
	}
	ret = -errno;
	if (ret != -EINVAL && ret != -EOPNOTSUPP && ret != -FA_ENOTSUPP) {
		snprintf(msg, sizeof(msg), "tcx link: %s", strerror(-ret));
		monitor_error_attach_failed(err, errlen, s->iface, msg);
		return ret;
	}

	if (s->tcx_only) {
		snprintf(msg, sizeof(msg),
			 "tcx links are not available (kernel 6.6 or later), and with --user the "
			 "tc filters of the clsact fallback could not be removed after the "
			 "privilege drop; run without --user on this kernel");
		monitor_error_attach_failed(err, errlen, s->iface, msg);
		return -EOPNOTSUPP;
	}
	/* no tcx: clsact + tc filter; a clsact that exists is not ours to remove */
	ret = bpf_tc_hook_create(&hook);
	if (ret == 0) {
		s->created_qdisc = true;
	} else if (ret != -EEXIST) {
		snprintf(msg, sizeof(msg), "clsact qdisc: %s", strerror(-ret));
		monitor_error_attach_failed(err, errlen, s->iface, msg);
		return ret;
	}
	ret = bpf_tc_attach(&hook, &opts);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "tc filter: %s", strerror(-ret));
		monitor_error_attach_failed(err, errlen, s->iface, msg);
		return ret;
	}
	a->used = true;
	a->tc = true;
	a->handle = opts.handle;
	a->priority = opts.priority;
	return 0;
}

/*
 * Enter the cell's namespace, resolve the interface there, attach the
 * programs (ingress_fd/egress_fd, -1 for a hook not wanted), and return.
 */
static int attach(struct ebpf_source *s, const struct ebpf_source_config *cfg, int ingress_fd,
		  int egress_fd, char *err, size_t errlen)
{
	struct netns_saved saved = {.orig_fd = -1};
	char msg[256], rerr[512];
	int ret = 0;

	if (cfg->netns && *cfg->netns) {
		s->netns_fd = netns_open(cfg->netns, err, errlen);
		if (s->netns_fd < 0)
			return s->netns_fd;
		ret = netns_enter_fd(s->netns_fd, &saved, err, errlen);
		if (ret < 0)
			return ret;
	}
	s->ifindex = (int)if_nametoindex(cfg->iface);
	if (s->ifindex == 0) {
		ret = -errno;
		snprintf(msg, sizeof(msg), "no such interface%s%s: %s",
			 cfg->netns ? " in netns " : "", cfg->netns ? cfg->netns : "",
			 strerror(-ret));
		monitor_error_attach_failed(err, errlen, cfg->iface, msg);
		goto restore;
	}
	if (ingress_fd >= 0) {
		ret = attach_hook(s, ingress_fd, HOOK_INGRESS, err, errlen);
		if (ret < 0)
			goto restore;
	}
	if (egress_fd >= 0)
		ret = attach_hook(s, egress_fd, HOOK_EGRESS, err, errlen);
restore:
	if (netns_restore(&saved, rerr, sizeof(rerr)) < 0) {
		snprintf(err, errlen, "%s", rerr);
		ret = ret < 0 ? ret : -EPERM;
	}
	return ret;
}

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
	s->table_fd = bpf_map__fd(s->skel->maps.FLOW_TABLE);
	s->counters_fd = bpf_map__fd(s->skel->maps.FLOW_COUNTERS);
	s->memory_fd = bpf_map__fd(s->skel->maps.FLOW_MEMORY);
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

struct source *source_ebpf_new(const struct ebpf_source_config *cfg, char *err, size_t errlen,
			       int *exit_code)
{
	struct ebpf_source *s = NULL;
	struct bpf_program *ext_prog = NULL;
	struct bpf_map *ring_map = NULL;
	int ingress_fd = -1, egress_fd = -1;
	char msg[256];
	int ret;

	*exit_code = FA_EXIT_SOURCE;
	if (!cfg->iface || !*cfg->iface) {
		monitor_error_attach_failed(err, errlen, "(none)", "no interface given");
		*exit_code = FA_EXIT_USAGE;
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		*exit_code = FA_EXIT_INTERNAL;
		return NULL;
	}
	s->base.ops = &ebpf_ops;
	s->table_fd = -1;
	s->counters_fd = -1;
	s->memory_fd = -1;
	s->flush_fd = -1;
	s->netns_fd = -1;
	for (int h = 0; h < HOOK_COUNT; h++)
		s->att[h].link_fd = -1;
	snprintf(s->iface, sizeof(s->iface), "%s", cfg->iface);
	s->tcx_only = cfg->tcx_only;

	if (cfg->bpf_object) {
		ret = load_external(s, cfg->bpf_object, &ext_prog, &ring_map, err, errlen);
		if (ret < 0)
			goto fail;
		/* one program, on the hook that carries what leaves the cell */
		if (cfg->iface_side_host)
			ingress_fd = bpf_program__fd(ext_prog);
		else
			egress_fd = bpf_program__fd(ext_prog);
	} else {
		ret = load_builtin(s, cfg, err, errlen);
		if (ret < 0)
			goto fail;
		ring_map = s->skel->maps.CONN_EVENTS;
		ingress_fd = bpf_program__fd(s->skel->progs.flowaudit_tc_ingress);
		egress_fd = bpf_program__fd(s->skel->progs.flowaudit_tc_egress);
	}

	s->rb = ring_buffer__new(bpf_map__fd(ring_map), ring_cb, s, NULL);
	if (!s->rb) {
		ret = -errno;
		snprintf(msg, sizeof(msg), "%s: %s", bpf_map__name(ring_map), strerror(-ret));
		monitor_error_ringbuf_open_failed(err, errlen, msg);
		goto fail;
	}

	ret = attach(s, cfg, ingress_fd, egress_fd, err, errlen);
	if (ret < 0)
		goto fail;
	return &s->base;
fail:
	ebpf_destroy(&s->base);
	errno = -ret;
	return NULL;
}
