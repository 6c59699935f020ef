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
"$FLOWREC" --db "$DB" --cell cell-1 --run run-1 --replay "$TMP/million.bin" --quiet
check_eq "exit status" 0 $?
check_eq "rows, seq range, distinct seq" "$N|1|$N|$N" \
	"$(q "$DB" 'SELECT count(*), min(seq), max(seq), count(DISTINCT seq) FROM flow_events')"
check_eq "flows" "$N|$N" "$(q "$DB" "SELECT count(*), sum(state = 'closed' AND close_reason = 'run_end') FROM flows")"
check_eq "denies (every 10th record)" $((N / 10)) \
	"$(q "$DB" "SELECT count(*) FROM flow_events WHERE decision = 'deny'")"
check_eq "final health" "$N|$N|0|$N|0" \
	"$(q "$DB" 'SELECT received, decoded, rejected, events_written, store_failures FROM health WHERE is_final = 1')"
check_eq "integrity" ok "$(q "$DB" 'PRAGMA integrity_check')"
check_eq "run ended" clean "$(q "$DB" 'SELECT end_status FROM runs')"
finish
