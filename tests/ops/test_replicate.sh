#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The README's recipe for copying a cell's database off the host, on a live
# database: while flowrec records from a paced pipe (committing every few
# milliseconds into its WAL), the sqlite3 shell takes
# copies read-only with `.backup` and with `VACUUM INTO`. Each copy is one
# file (no -wal beside it), passes `flowq verify`, shows the run as still
# running, and its decisions are exactly the first N of the final export (a
# snapshot at a commit boundary: no torn batch, nothing out of order). The
# live database is left as flowrec wrote it (flowq verify, run ended clean).
#
# usage: test_replicate.sh FLOWREC FLOWQ MAKE_REPLAY
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
FLOWREC=$1 FLOWQ=$2 MAKE_REPLAY=$3
command -v sqlite3 >/dev/null || { echo "FAIL: sqlite3 (the recipe's tool) not installed"; exit 1; }
DB=$TMP/cell-9.db
PAIRS=30000
"$MAKE_REPLAY" v2pairs $PAIRS "$TMP/r.bin" || { echo "FAIL: make_replay"; exit 1; }
frame=$(( $(stat -c %s "$TMP/r.bin") / (2 * PAIRS) )) # bytes of one framed record

# Pace the replay: 300 chunks of 200 records, 20 ms apart (about 6 s).
mkfifo "$TMP/pipe"
"$FLOWREC" --db "$DB" --cell cell-9 --run live --replay - --batch-ms 10 --batch-events 256 \
	--quiet <"$TMP/pipe" 2>"$TMP/rec.err" &
rec=$!
CHILD_PIDS+=("$rec")
(
	for ((i = 0; i < 2 * PAIRS / 200; i++)); do
		dd if="$TMP/r.bin" bs=$((frame * 200)) skip=$i count=1 status=none
		sleep 0.02
	done
) >"$TMP/pipe" &
feeder=$!
CHILD_PIDS+=("$feeder")

events() { q "$DB" "SELECT count(*) FROM flow_events_all" 2>/dev/null; }
at_least() { [ "$(events)" -ge "$1" ] 2>/dev/null; }
copies=()
for n in 1 2 3; do
	want=$((n * PAIRS / 4))
	wait_for 30 at_least "$want" || fail "flowrec did not reach $want decisions: $(cat "$TMP/rec.err")"
	sqlite3 -readonly "$DB" ".backup '$TMP/backup$n.db'" || fail "sqlite3 .backup while flowrec writes"
	sqlite3 -readonly "$DB" "VACUUM INTO '$TMP/vacuum$n.db'" || fail "VACUUM INTO while flowrec writes"
	copies+=("$TMP/backup$n.db" "$TMP/vacuum$n.db")
done
kill -0 "$rec" 2>/dev/null || fail "flowrec ended before the copies were taken (no live copy tested)"
wait "$feeder"
wait "$rec"
check_eq "flowrec exit status" 0 "$?"
check_eq "all decisions recorded" "$PAIRS" "$(events)"

"$FLOWQ" export --db "$DB" --format ndjson | jq -r .decision_id >"$TMP/final.ids"
check_eq "final export" "$PAIRS" "$(wc -l <"$TMP/final.ids")"
"$FLOWQ" verify --db "$DB" >/dev/null
check_eq "flowq verify of the live database" 0 "$?"
check_eq "the live run ended clean" clean "$("$FLOWQ" runs --db "$DB" --format ndjson | jq -r .end_status)"

prev=0
for c in "${copies[@]}"; do
	name=${c##*/}
	[ ! -e "$c-wal" ] || fail "$name: a -wal file beside the copy"
	"$FLOWQ" verify --db "$c" --format ndjson >"$TMP/verify" 2>&1
	check_eq "$name: flowq verify" 0 "$?"
	check_eq "$name: run still running when copied" running_or_killed \
		"$("$FLOWQ" runs --db "$c" --format ndjson | jq -r .end_status)"
	"$FLOWQ" export --db "$c" --format ndjson | jq -r .decision_id >"$TMP/copy.ids"
	n=$(wc -l <"$TMP/copy.ids")
	[ "$n" -ge "$prev" ] && [ "$n" -gt 0 ] && [ "$n" -lt "$PAIRS" ] ||
		fail "$name: $n decisions (previous copy $prev, final $PAIRS)"
	cmp -s "$TMP/copy.ids" <(head -n "$n" "$TMP/final.ids") ||
		fail "$name: its $n decisions are not the first $n of the final export"
	echo "ok: $name: $n decisions, the first $n of the final export"
	prev=$n
done
finish
