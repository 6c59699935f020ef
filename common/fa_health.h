/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The health counters, defined once. A run's health row holds one
 * cumulative count per entry below; everything that names the counters is
 * generated from this list:
 *
 *   recorder   struct store_health (recorder/flow_store.h), the per-source
 *              struct source_counters (recorder/source.h) and their sum, the
 *              eBPF source's reading of the kernel's per-CPU counters, and the
 *              health INSERT's columns and binds (recorder/flow_store.c);
 *   flowq      the health SELECT (query/query_sql.c), flowq health's keys,
 *              table columns, verdict and --help list (query/cmd_health.c,
 *              query/help.c), and the columns an older database's TEMP view
 *              adds (query/dbset.c).
 *
 * The schema stays in SQL (schema/NNN_*.sql, never edited once applied);
 * tests/test_health.c checks that the migrated health table has exactly
 * these columns, each added by the migration named here, and that every
 * kernel counter (bpf/flow_counters.h) is read into exactly one entry.
 * A new counter is one line here, plus its ALTER TABLE in a new migration.
 *
 *   X(name, migration, verdict, filled_by, kernel, table, help)
 *
 *   name       the field and the health table's column
 *   migration  the schema version that added the column
 *   verdict    how flowq health weighs it (enum fa_health_verdict, without
 *              the FA_HEALTH_ prefix): INFO, LOST (counted in lost), OVERRUN
 *              (an overrun whose losses LOST counters measure; counted in
 *              lost only when nflog_lost, the measure, is 0), DEGRADED
 *              (nothing lost, but flows recorded without a row and counters
 *              of their own, ended early, or dropped), FOLDED (nothing lost,
 *              but some opens have no decision of their own)
 *   filled_by  who counts it (enum fa_health_filler, without the prefix):
 *              LOOP (the recorder's own loop), STORE (the batch writer, as
 *              it commits), SOURCE (a capture source in user space), KERNEL
 *              (the BPF program's per-CPU counter FLOW_COUNTER_<kernel>)
 *   kernel     for KERNEL counters, the suffix of its enum flow_counter
 *              value; NONE otherwise
 *   table      1 when flowq health's table format shows it
 *   help       what it counts, one line of flowq health --help
 *
 * The order is flowq health's key order (JSON, CBOR and table): new
 * counters go at the end.
 */
#ifndef FLOWAUDIT_FA_HEALTH_H
#define FLOWAUDIT_FA_HEALTH_H

#include <stdbool.h>

/* clang-format off */
#define FA_HEALTH_COUNTERS(X)                                                                      \
	X(received, 1, INFO, LOOP, NONE, 1, "records the recorder got from its sources")           \
	X(decoded, 1, INFO, LOOP, NONE, 1, "records that decoded")                                 \
	X(rejected, 1, LOST, LOOP, NONE, 1, "records that did not decode (kept in rejects)")      \
	X(events_written, 1, INFO, STORE, NONE, 1, "decisions (flow_events rows) committed")       \
	X(ring_drops, 1, LOST, KERNEL, RINGBUF_DROPS, 1,                                           \
	  "records the kernel could not put in the ring buffer, lost")                            \
	X(table_full, 1, LOST, KERNEL, TABLE_FULL, 1,                                              \
	  "new flows neither tracked nor reported (older programs; 0 with the built-in one)")      \
	X(nflog_overruns, 1, OVERRUN, SOURCE, NONE, 1,                                             \
	  "netlink overruns (ENOBUFS) of the NFLOG socket")                                        \
	X(store_failures, 1, LOST, LOOP, NONE, 1, "records or rows that could not be stored")      \
	X(flows_opened, 1, INFO, LOOP, NONE, 0, "flows opened")                                    \
	X(flows_closed, 1, INFO, LOOP, NONE, 0, "flows closed")                                    \
	X(duplicate_opens, 1, INFO, LOOP, NONE, 0,                                                 \
	  "opens of a flow already open (a v1 record or another verdict is a decision of its "    \
	  "own, the rest fold)")                                                                   \
	X(orphan_closes, 1, INFO, LOOP, NONE, 0, "closes of a flow whose open was never seen")     \
	X(commits, 1, INFO, STORE, NONE, 0, "transactions committed")                              \
	X(slowest_commit_us, 1, INFO, STORE, NONE, 0, "the slowest commit, in microseconds")       \
	X(nflog_lost, 1, LOST, SOURCE, NONE, 0,                                                    \
	  "NFLOG packets lost, from gaps in the netlink sequence numbers")                         \
	X(nflog_nonconforming, 1, INFO, SOURCE, NONE, 0,                                           \
	  "NFLOG packets kept whose prefix is off the convention")                                 \
	X(daemon_drops, 1, LOST, SOURCE, NONE, 1,                                                  \
	  "records received but not kept for lack of memory")                                     \
	X(frag_unmatched, 3, LOST, KERNEL, FRAG_UNMATCHED, 1,                                      \
	  "later IP fragments whose first fragment's flow was not known (kernel and NFLOG)")       \
	X(folded_opens, 2, FOLDED, LOOP, NONE, 1,                                                  \
	  "of duplicate_opens, the repeated opens with their flow's verdict, folded into the "    \
	  "flow without a decision of their own")                                                 \
	X(tee_failures, 2, INFO, LOOP, NONE, 0, "frames missing from the recorder's tee file")    \
	X(untracked, 4, DEGRADED, KERNEL, UNTRACKED, 1, "new flows the kernel's table could not hold") \
	X(evicted, 4, DEGRADED, KERNEL, EVICTED, 1, "flows ended early to make room")              \
	X(aggregated, 4, DEGRADED, KERNEL, AGGREGATED, 1, "flows recorded only in a summary")      \
	X(fail_closed_drops, 4, DEGRADED, KERNEL, FAIL_CLOSED, 1,                                  \
	  "packets dropped by flowrec's fail-closed option")                                       \
	X(deferred_opens, 4, INFO, KERNEL, DEFERRED_OPENS, 0,                                      \
	  "flows not reported at their first packet (reported later: nothing lost)")               \
	X(promoted, 4, INFO, KERNEL, PROMOTED, 0, "deferred flows the kernel reported later")      \
	X(ring_deferred, 4, INFO, KERNEL, RING_DEFERRED, 0,                                        \
	  "ring buffer full, nothing lost: the record waited or went into a summary")              \
	X(kernel_packets, 4, INFO, KERNEL, PACKETS, 0, "IP packets the tc program saw")            \
	X(non_ip, 5, INFO, KERNEL, NON_IP, 0, "frames the tc program saw that were not IP")        \
	X(truncated, 5, LOST, KERNEL, TRUNCATED, 0,                                                \
	  "IP packets the tc program could not parse (too short, or more extension headers "      \
	  "than it walks): on no flow")
/* clang-format on */

enum fa_health_verdict {
	FA_HEALTH_INFO,
	FA_HEALTH_LOST,
	FA_HEALTH_OVERRUN,
	FA_HEALTH_DEGRADED,
	FA_HEALTH_FOLDED,
};

enum fa_health_filler {
	FA_HEALTH_LOOP,
	FA_HEALTH_STORE,
	FA_HEALTH_SOURCE,
	FA_HEALTH_KERNEL,
};

/* FA_HC_<name>: a counter's index in the list. */
enum fa_health_counter {
#define FA_HEALTH_INDEX(name, ...) FA_HC_##name,
	FA_HEALTH_COUNTERS(FA_HEALTH_INDEX)
#undef FA_HEALTH_INDEX
	FA_HEALTH_COUNT
};

/*
 * FA_HEALTH_IF_SOURCE(filled_by, ...): the arguments after filled_by when a
 * capture source fills the counter (SOURCE or KERNEL), else nothing; for the
 * list's consumers that only deal with the sources' counters.
 * FA_HEALTH_IF_KERNEL(filled_by, ...): the same for KERNEL counters only.
 */
#define FA_HEALTH_IF_SOURCE(filled_by, ...) FA_HEALTH_IF_SOURCE_##filled_by(__VA_ARGS__)
#define FA_HEALTH_IF_SOURCE_LOOP(...)
#define FA_HEALTH_IF_SOURCE_STORE(...)
#define FA_HEALTH_IF_SOURCE_SOURCE(...) __VA_ARGS__
#define FA_HEALTH_IF_SOURCE_KERNEL(...) __VA_ARGS__
#define FA_HEALTH_IF_KERNEL(filled_by, ...) FA_HEALTH_IF_KERNEL_##filled_by(__VA_ARGS__)
#define FA_HEALTH_IF_KERNEL_LOOP(...)
#define FA_HEALTH_IF_KERNEL_STORE(...)
#define FA_HEALTH_IF_KERNEL_SOURCE(...)
#define FA_HEALTH_IF_KERNEL_KERNEL(...) __VA_ARGS__

/* The list as data, for code that walks it at run time. */
struct fa_health_info {
	const char *name;
	int migration;
	enum fa_health_verdict verdict;
	enum fa_health_filler filled_by;
	bool table;
	const char *help;
};

/* Indexed by enum fa_health_counter. */
extern const struct fa_health_info fa_health_list[FA_HEALTH_COUNT];

#endif
