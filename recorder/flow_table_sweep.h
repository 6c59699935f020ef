/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The recorder's sweep of the built-in program's flow table (FLOW_TABLE,
 * bpf/flow_table.h): the entries that are over (idle past their timeout, a
 * TCP linger ended, or every entry at the run's end) are deleted and their
 * v3 records handed to the loop, as the kernel would have emitted them.
 *
 * Invariants:
 * - An entry is deleted before its close is emitted, so a packet racing the
 *   sweep opens a new flow instead of being lost. A swept TCP flow's
 *   direction goes to FLOW_MEMORY first, so that packet continues the
 *   connection (midstream) rather than inventing one.
 * - Each entry is re-read before its delete: one that saw a packet since it
 *   was found due stays.
 * - A flow whose opened record the kernel deferred gets it now, just before
 *   its close (flow_table_fill_record, the one mapping from entry to record).
 * - A TCP flow in linger gets its closed record (final counters, the FIN/RST
 *   time) once its linger is over, unless the kernel emitted it already.
 */
#ifndef FLOWAUDIT_FLOW_TABLE_SWEEP_H
#define FLOWAUDIT_FLOW_TABLE_SWEEP_H

#include "flow_table.h"
#include "record_buf.h"
#include "source.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct flow_table_sweep {
	int table_fd; /* FLOW_TABLE */
	int memory_fd; /* FLOW_MEMORY, or -1 */
	/* The sweep in progress: the keys found due, and how far it has got. */
	struct flow_key *due;
	size_t due_n;
	size_t due_pos;
	uint64_t push_failures; /* records lost for memory on their way to the loop */
};

/* A sweep of table_fd (FLOW_MEMORY: memory_fd, or -1), with nothing in progress. */
void flow_table_sweep_init(struct flow_table_sweep *ts, int table_fd, int memory_fd);
/* Free what a sweep in progress holds. */
void flow_table_sweep_fini(struct flow_table_sweep *ts);
/* Whether a sweep is in progress (flow_table_sweep_next has more to hand out). */
bool flow_table_sweep_active(const struct flow_table_sweep *ts);
/*
 * Find the entries due at now (CLOCK_BOOTTIME ns) under limits (NULL: every
 * entry, the run's end). 0 or -errno (a message is printed).
 */
int flow_table_sweep_start(struct flow_table_sweep *ts, int64_t now,
			   const struct sweep_limits *limits);
/*
 * Delete up to max of the due entries still due at now, appending their
 * records to out. 1 while more remain, 0 when the sweep is over, or -errno
 * (a message is printed, and the sweep is abandoned: the next one starts
 * afresh).
 */
int flow_table_sweep_next(struct flow_table_sweep *ts, int64_t now,
			  const struct sweep_limits *limits, struct record_buf *out, size_t max);

#endif
