#!/usr/bin/env bash
# A replay of 1,000,000 records completes with 1,000,000 rows, seq 1..N with
# no gap, one flow per record, and a database that passes integrity_check.
# Usage: test_replay_million.sh FLOWREC MAKE_REPLAY
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 MAKE_REPLAY=$2
N=1000000
DB=$TMP/cell.db
"$MAKE_REPLAY" v1 $N "$TMP/million.bin" || exit 1
check_eq "replay file size" $((N * 48)) "$(stat -c %s "$TMP/million.bin")"
/usr/bin/time -f "%M" -o "$TMP/rss" "$FLOWREC" --db "$DB" --cell cell-1 --run run-1 \
	--replay "$TMP/million.bin" --quiet --tcp-idle-s 300
check_eq "exit status" 0 $?
# Memory is bounded by the open flows, not by the input: records are 1 ms
# apart, so idle sweeps (on the replay's own clock) keep at most --tcp-idle-s
# (300 s here, below the default, = 300,000 records) of flows open. 1,000,000 flows held open would
# need several hundred MB.
rss_kb=$(cat "$TMP/rss")
[ "$rss_kb" -lt 150000 ] || fail "peak RSS ${rss_kb} KB for a 1,000,000-record replay (limit 150000 KB)"
check_eq "rows, seq range, distinct seq" "$N|1|$N|$N" \
	"$(q "$DB" 'SELECT count(*), min(seq), max(seq), count(DISTINCT seq) FROM flow_events_all')"
check_eq "flows all closed" "$N|$N" "$(q "$DB" "SELECT count(*), sum(state = 'closed') FROM flows")"
# UDP flows (every 4th) idle 60 s, TCP 300 s, on the replay's clock: all but the
# last minutes of the capture close as idle, the rest at run end (sweeps run
# once a second of wall time, so up to a second of records more than 300 s).
check_eq "idle closes on the replay clock" "1|1|$N" "$(q "$DB" "SELECT sum(close_reason = 'idle') > 0,
	max(CASE WHEN close_reason = 'idle' THEN 0 ELSE (SELECT max(last_seen_at) FROM flows) - last_seen_at END) < 400000000000,
	sum(close_reason IN ('idle', 'run_end')) FROM flows")"
check_eq "denies (every 10th record)" $((N / 10)) \
	"$(q "$DB" "SELECT count(*) FROM flow_events_all WHERE decision = 'deny'")"
check_eq "final health" "$N|$N|0|$N|0" \
	"$(q "$DB" 'SELECT received, decoded, rejected, events_written, store_failures FROM health WHERE is_final = 1')"
check_eq "integrity" ok "$(q "$DB" 'PRAGMA integrity_check')"
check_eq "run ended" clean "$(q "$DB" 'SELECT end_status FROM runs')"
finish
