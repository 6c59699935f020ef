/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The flow-table sweep; see flow_table_sweep.h. Due keys are collected first
 * (batched lookups where the kernel has them), then deleted and emitted a
 * chunk per call, so the loop processes each chunk before the next.
 */
#include "flow_table_sweep.h"

#include "conn_record_v3.h"
#include "kernel_errno.h"
#include "replay_frame.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Entries read per batched lookup. */
#define SWEEP_BATCH 1024

void flow_table_sweep_init(struct flow_table_sweep *ts, int table_fd, int memory_fd)
{
	*ts = (struct flow_table_sweep){.table_fd = table_fd, .memory_fd = memory_fd};
}

void flow_table_sweep_fini(struct flow_table_sweep *ts)
{
	free(ts->due);
	ts->due = NULL;
	ts->due_n = ts->due_pos = 0;
}

bool flow_table_sweep_active(const struct flow_table_sweep *ts)
{
	return ts->due_pos < ts->due_n;
}

/* Whether the sweep removes this entry now (limits NULL: the run's end, all). */
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

/* Append key to the due list. 0 or -ENOMEM. */
static int add_due(struct flow_key **due, size_t *n, size_t *cap, const struct flow_key *key)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		struct flow_key *tmp = realloc(*due, c * sizeof(**due));
		if (!tmp)
			return -ENOMEM;
		*due = tmp;
		*cap = c;
	}
	(*due)[(*n)++] = *key;
	return 0;
}

/*
 * Read the next entries of the table into kbuf/vbuf: a batch where the kernel
 * has batched lookups (*batched), else one by one. *count entries read;
 * *done at the end. 0 or -errno.
 */
static int read_entries(const struct flow_table_sweep *ts, bool first, bool *batched, __u32 *token,
			struct flow_key *cur, struct flow_key *kbuf, struct flow_value *vbuf,
			__u32 *count, bool *done)
{
	struct flow_key next;

	if (*batched) {
		*count = SWEEP_BATCH;
		if (bpf_map_lookup_batch(ts->table_fd, first ? NULL : token, token, kbuf, vbuf,
					 count, NULL) == 0)
			return 0;
		if (errno == ENOENT) {
			*done = true; /* the last batch (count holds its size) */
			return 0;
		}
		if (first && kernel_errno_unsupported(errno)) {
			*batched = false; /* an older kernel: key by key */
			*count = 0;
			return 0;
		}
		return -errno;
	}
	*count = 0;
	if (bpf_map_get_next_key(ts->table_fd, first ? NULL : cur, &next) < 0) {
		*done = true;
	} else if (bpf_map_lookup_elem(ts->table_fd, &next, &vbuf[0]) == 0) {
		kbuf[0] = next;
		*count = 1;
	}
	*cur = next;
	return 0;
}

int flow_table_sweep_start(struct flow_table_sweep *ts, int64_t now,
			   const struct sweep_limits *limits)
{
	struct flow_key *due = NULL, *kbuf = NULL, cur;
	struct flow_value *vbuf = NULL;
	size_t n = 0, cap = 0;
	__u32 count, token = 0;
	bool first = true, batched = true, done = false;
	int ret = 0;

	flow_table_sweep_fini(ts);
	kbuf = calloc(SWEEP_BATCH, sizeof(*kbuf));
	vbuf = calloc(SWEEP_BATCH, sizeof(*vbuf));
	if (!kbuf || !vbuf) {
		ret = -ENOMEM;
		goto cleanup;
	}
	while (!done) {
		bool was_batched = batched;
		ret = read_entries(ts, first, &batched, &token, &cur, kbuf, vbuf, &count, &done);
		if (ret < 0)
			goto cleanup;
		if (was_batched && !batched)
			continue; /* read again, key by key, from the start */
		first = false;
		for (__u32 i = 0; i < count && ret == 0; i++)
			if (sweep_due(&kbuf[i], &vbuf[i], now, limits))
				ret = add_due(&due, &n, &cap, &kbuf[i]);
		if (ret < 0)
			goto cleanup;
	}
	ts->due = due;
	ts->due_n = n;
	due = NULL;
cleanup:
	free(due);
	free(kbuf);
	free(vbuf);
	if (ret < 0)
		fprintf(stderr, "flowrec: flow table sweep failed: %s\n", strerror(-ret));
	return ret;
}

static void push_record(struct flow_table_sweep *ts, struct record_buf *out,
			const struct conn_record_v3 *rec)
{
	if (record_buf_push(out, REPLAY_KIND_CONN_V3, rec, sizeof(*rec)) < 0)
		ts->push_failures++;
}

/* Why the sweep closes this entry (it is due and deleted); *closed_ns when. */
static uint8_t close_reason(const struct flow_key *k, const struct flow_value *v,
			    const struct sweep_limits *limits, uint64_t *closed_ns)
{
	if (v->state == FLOW_STATE_LINGER) {
		*closed_ns = v->closed_ns; /* its linger is over: the FIN/RST's time */
		return v->close_reason;
	}
	if (!limits)
		return CONN_CLOSE_RUN_END;
	if (k->protocol == PKT_PROTO_TCP && v->fin_seen == (FLOW_FIN_ORIG | FLOW_FIN_RESP))
		return CONN_CLOSE_TCP_FIN; /* both FINs, the last ACK never seen */
	return CONN_CLOSE_IDLE;
}

/*
 * Delete one due entry (re-checked on its latest value) and emit its close,
 * after its opened record if the kernel deferred that (it is only now over).
 */
static int sweep_one(struct flow_table_sweep *ts, const struct flow_key *k, int64_t now,
		     const struct sweep_limits *limits, struct record_buf *out)
{
	struct conn_record_v3 rec;
	struct flow_value v;
	uint64_t closed_ns = (uint64_t)now;
	uint8_t reason;

	if (bpf_map_lookup_elem(ts->table_fd, k, &v) < 0)
		return 0; /* gone meanwhile */
	if (!sweep_due(k, &v, now, limits))
		return 0; /* a packet arrived meanwhile */
	if (bpf_map_lookup_and_delete_elem(ts->table_fd, k, &v) < 0) {
		if (errno == ENOENT)
			return 0;
		/* kernels without hash lookup-and-delete: the value read above is final enough */
		if (bpf_map_delete_elem(ts->table_fd, k) < 0)
			return errno == ENOENT ? 0 : -errno;
	}
	if (limits && k->protocol == PKT_PROTO_TCP && ts->memory_fd >= 0) {
		/* a later packet of this 5-tuple continues it in the same direction */
		struct flow_memory m = {.orig_is_lo = v.orig_is_lo, .direction = v.direction};
		bpf_map_update_elem(ts->memory_fd, k, &m, BPF_ANY); /* best effort: LRU */
	}
	if (v.reported == FLOW_UNREPORTED) {
		flow_table_fill_record(&rec, k, &v, CONN_KIND_OPENED, CONN_CLOSE_NONE, 0);
		rec.flags |= CONN_FLAG_DEFERRED;
		rec.last_seen_ns = v.last_seen_ns;
		push_record(ts, out, &rec); /* the kernel never closed it: its close follows */
	}
	if (v.state == FLOW_STATE_LINGER && v.close_reported)
		return 0;
	reason = close_reason(k, &v, limits, &closed_ns);
	flow_table_fill_record(&rec, k, &v, CONN_KIND_CLOSED, reason, closed_ns);
	push_record(ts, out, &rec);
	return 0;
}

int flow_table_sweep_next(struct flow_table_sweep *ts, int64_t now,
			  const struct sweep_limits *limits, struct record_buf *out, size_t max)
{
	size_t end = ts->due_n - ts->due_pos > max ? ts->due_pos + max : ts->due_n;
	for (; ts->due_pos < end; ts->due_pos++) {
		int ret = sweep_one(ts, &ts->due[ts->due_pos], now, limits, out);
		if (ret < 0) {
			fprintf(stderr, "flowrec: flow table delete failed: %s\n", strerror(-ret));
			ts->due_pos =
				ts->due_n; /* give up this sweep; the next one starts afresh */
			return ret;
		}
	}
	return flow_table_sweep_active(ts) ? 1 : 0;
}
