/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The capture source interface (the seed's FlowEventListener): a small table
 * of function pointers. Backends: noop, replay, ebpf, nflog. The main loop
 * polls each source's fd (epoll) and calls drain() when it is readable; a
 * source without an fd (replay) is drained whenever the loop has nothing else
 * to wait for.
 *
 * Records leave a source raw and framed by kind (REPLAY_KIND_*); decoding,
 * connection tracking and storage are the main loop's job.
 */
#ifndef FLOWAUDIT_SOURCE_H
#define FLOWAUDIT_SOURCE_H

#include "fa_health.h"
#include "record_buf.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * Counters a source keeps outside the records it delivers (cumulative): the
 * health counters filled_by SOURCE or KERNEL (fa_health.h). Each source
 * fills its own and leaves the others 0; the loop sums them over sources.
 */
struct source_counters {
#define SOURCE_COUNTER_FIELD(name, migration, verdict, filled_by, ...)                             \
	FA_HEALTH_IF_SOURCE(filled_by, uint64_t name;)
	FA_HEALTH_COUNTERS(SOURCE_COUNTER_FIELD)
#undef SOURCE_COUNTER_FIELD
};

/* Idle limits for the flow-table sweep, in ns. */
struct sweep_limits {
	int64_t tcp_idle_ns;
	int64_t udp_idle_ns; /* also ICMP and other protocols */
};

enum source_drain_result {
	SOURCE_MORE = 0, /* records may follow */
	SOURCE_EOF = 1, /* the source is finished (replay reached the end) */
};

struct source;

struct source_ops {
	/* true: a pull source (no fd); drained whenever the loop is otherwise idle. */
	bool pull;
	/* "noop", "replay", "ebpf", "nflog": stored on the run. */
	const char *(*backend_name)(const struct source *src);
	/* The fd to poll for readability, or -1 for a pull source (replay). */
	int (*poll_fd)(const struct source *src);
	/*
	 * Append up to max available records to out without blocking. Returns
	 * SOURCE_MORE, SOURCE_EOF, or -errno on a fatal source error (with a
	 * message already printed to stderr).
	 */
	int (*drain)(struct source *src, struct record_buf *out, size_t max);
	/* Optional: fill the cumulative loss counters. */
	int (*read_counters)(struct source *src, struct source_counters *out);
	/*
	 * Optional: close idle flows of a kernel flow table. Removes each flow
	 * idle longer than its limit at now_boot_ns and appends a v3 closed record
	 * (reason idle) with its final counters, preceded by its opened record
	 * when the kernel had deferred it. With limits NULL, closes every flow
	 * with reason run_end (shutdown). A new sweep first has the kernel emit
	 * its pending summaries. Hands over at most a chunk of closes per call
	 * and returns 1 while more of this sweep remain (call again after
	 * processing out), 0 when it is done, or -errno.
	 */
	int (*sweep)(struct source *src, int64_t now_boot_ns, const struct sweep_limits *limits,
		     struct record_buf *out);
	/* Release everything the source holds, detaching what it attached. NULL-safe. */
	void (*destroy)(struct source *src);
};

struct source {
	const struct source_ops *ops;
};

/* noop: never yields anything (the seed's NoopFlowListener). */
struct source *source_noop_new(void);
/* replay: frames from path ("-" for stdin). NULL with errno and a message in err. */
struct source *source_replay_new(const char *path, char *err, size_t errlen);

#endif
