#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Ingest, one input size: bench/ingest.sh N (environment from bench/run.sh).
#
# Subjects, each round, on the same disk with the same SQLite settings:
#   flowrec   flowrec --replay of $WORK/mix-N.bin into a fresh database
#             (default options: batches of 4096 events, 64 MiB page cache)
#   ceiling   bare_insert ceiling: flowrec's rows, copied in their final
#             state into a fresh database of the same schema
#   raw       bare_insert raw: N rows of flow_events' shape into a table with
#             no secondary index
#   pipeline  pipeline_bench: read, decode, and the whole record pipeline
#             (decode, track, queue) on the same file, commits timed apart
# The baselines copy the rows of a flowrec database, so the round order is
# flowrec first, then the baselines on its output; the next round runs them
# in the reverse order on the previous round's database, and so on, so that
# a slow spell of the shared machine does not always hit the same subject.
# The last flowrec database is kept as $WORK/db-N.db for the export part.
. "$(dirname "$0")/lib.sh"
N=${1:?usage: ingest.sh N}
IN=$WORK/mix-$N.bin
[ -f "$IN" ] || die "missing input $IN"

run_flowrec() { # ROUND DB
	rm -f "$2" "$2-wal" "$2-shm"
	measure /dev/null "$BIN_FLOWREC" --db "$2" --cell bench --run "round-$1" --replay "$IN" --quiet
	record ingest "$N" flowrec "$1" seconds "$SECS"
	record ingest "$N" flowrec "$1" rss_kb "$RSS_KB"
	local h
	h=$(sql "$2" "SELECT received, events_written, duplicate_opens, orphan_closes, store_failures
		FROM health WHERE is_final = 1")
	IFS='|' read -r rcv written dups orphans fails <<<"$h"
	record ingest "$N" flowrec "$1" received "$rcv"
	record ingest "$N" flowrec "$1" events_written "$written"
	record ingest "$N" flowrec "$1" duplicate_opens "$dups"
	record ingest "$N" flowrec "$1" orphan_closes "$orphans"
	record ingest "$N" flowrec "$1" store_failures "$fails"
	record ingest "$N" flowrec "$1" flows_rows "$(sql "$2" "SELECT count(*) FROM flows")"
	record ingest "$N" flowrec "$1" event_rows "$(sql "$2" "SELECT count(*) FROM flow_events_all")"
}

run_ceiling() { # ROUND REF_DB
	local db=$WORK/ceiling.db out
	rm -f "$db" "$db-wal" "$db-shm"
	out=$("$BIN_BARE_INSERT" ceiling --from "$2" --db "$db") || die "bare_insert ceiling failed"
	record ingest "$N" ceiling "$1" seconds "$(kv "$out" seconds)"
	record ingest "$N" ceiling "$1" flows_rows "$(kv "$out" flows)"
	record ingest "$N" ceiling "$1" event_rows "$(kv "$out" events)"
	record ingest "$N" ceiling "$1" ref_flows_rows "$(sql "$2" "SELECT count(*) FROM flows")"
	record ingest "$N" ceiling "$1" ref_event_rows "$(sql "$2" "SELECT count(*) FROM flow_events_all")"
	rm -f "$db" "$db-wal" "$db-shm"
}

run_raw() { # ROUND REF_DB
	local db=$WORK/raw.db out
	rm -f "$db" "$db-wal" "$db-shm"
	out=$("$BIN_BARE_INSERT" raw --from "$2" --db "$db" --rows "$N") || die "bare_insert raw failed"
	record ingest "$N" raw "$1" seconds "$(kv "$out" seconds)"
	record ingest "$N" raw "$1" rows "$(kv "$out" rows)"
	rm -f "$db" "$db-wal" "$db-shm"
}

run_pipeline() { # ROUND
	local out db=$WORK/pipeline.db
	rm -f "$db" "$db-wal" "$db-shm"
	out=$("$BIN_PIPELINE" "$IN" "$db") || die "pipeline_bench failed"
	rm -f "$db" "$db-wal" "$db-shm"
	record ingest "$N" pipeline "$1" records "$(kv "$out" records)"
	for stage in read decode pipeline; do
		record ingest "$N" "$stage" "$1" seconds "$(kv "$out" "${stage}_seconds")"
	done
}

# Two databases in turn: the one just written, and the previous round's.
db_a=$WORK/flowrec-a.db db_b=$WORK/flowrec-b.db
for ((r = 1; r <= ROUNDS; r++)); do
	printf '  ingest %s events, round %d of %d\n' "$N" "$r" "$ROUNDS" >&2
	if ((r % 2 == 1)); then
		run_flowrec "$r" "$db_a"
		run_ceiling "$r" "$db_a"
		run_raw "$r" "$db_a"
		run_pipeline "$r"
	else
		run_pipeline "$r"
		run_raw "$r" "$db_a"
		run_ceiling "$r" "$db_a"
		run_flowrec "$r" "$db_b"
		tmp=$db_a db_a=$db_b db_b=$tmp
	fi
done
for suffix in "" -wal -shm; do
	[ -e "$db_a$suffix" ] && mv "$db_a$suffix" "$WORK/db-$N.db$suffix"
	rm -f "$db_b$suffix"
done
exit 0
