#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The deferred index (flows_by_resp, common/fa_db.c) is absent while a run
# records and after a run that was killed, present after a run that ended;
# flowq's answers never depend on it.
#   1. A replay that ends: the index is there; the answers to a /24 (export,
#      flows, summary) are kept as the reference.
#   2. A second run, fed from a FIFO kept open, is recording: the index is
#      gone; flowq answers, and its /24 export counts what an independent
#      SQL count (no index) says.
#   3. That run is killed with SIGKILL (by PID): the index is still gone; the
#      file passes integrity_check and flowq verify; its /24 answers are
#      checked again.
#   4. The next start of flowrec (--source noop, ended by SIGTERM) builds the
#      index over every row: flowq gives byte for byte the answers of step 3,
#      and the /24 filter searches the index again.
# usage: test_deferred_indexes.sh FLOWREC MAKE_REPLAY FLOWQ
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
FLOWREC=$1 MAKE_REPLAY=$2 FLOWQ=$3
rel_need sqlite3 python3
rel_setup
T=$REL_TMP
DB=$T/d.db
NET=198.51.100.0/24
"$MAKE_REPLAY" mix 20000 7 "$T/in.bin" || rel_fail "make_replay"

has_index() { rel_sql "$DB" "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'flows_by_resp';"; }
# The decisions to the /24 counted without flowq and without an index.
LO=x\'00000000000000000000FFFFC6336400\' HI=x\'00000000000000000000FFFFC63364FF\'
net_count() {
	rel_sql "$DB" "SELECT (SELECT count(*) FROM flows NOT INDEXED WHERE decision IS NOT NULL
		AND resp_addr BETWEEN $LO AND $HI) + (SELECT count(*) FROM flow_events NOT INDEXED
		WHERE dst_addr BETWEEN $LO AND $HI);"
}
answers() { # the /24's export, flows and summary, as flowq gives them
	"$FLOWQ" export --db "$DB" --dst "$NET" --format ndjson || return 1
	"$FLOWQ" flows --db "$DB" --dst "$NET" --format ndjson || return 1
	"$FLOWQ" summary --db "$DB" --dst "$NET" --format ndjson
}

# 1. A run that ends.
"$FLOWREC" --db "$DB" --cell c --run ended --replay "$T/in.bin" --quiet || rel_fail "replay"
[ "$(has_index)" = 1 ] || rel_fail "a run that ended left no flows_by_resp"
answers >"$T/a1" || rel_fail "flowq after a run that ended"
n1=$(net_count)
[ "$n1" -gt 0 ] || rel_fail "the /24 selects nothing: the test proves nothing"
[ "$("$FLOWQ" export --db "$DB" --dst "$NET" --format ndjson | wc -l)" = "$n1" ] ||
	rel_fail "flowq's /24 export does not count $n1 decisions"

# 2. A second run, recording.
mkfifo "$T/fifo"
"$FLOWREC" --db "$DB" --cell c --run live --replay "$T/fifo" --quiet 2>"$T/live.err" &
REC=$!
REL_PIDS+=("$REC")
exec 3>"$T/fifo" # kept open: no end of input, the run goes on
cat "$T/in.bin" >&3
all=$(rel_count "$DB" ended)
rel_wait_until 60 rel_count_is "$DB" live "$all" || rel_fail "the live run did not commit its $all decisions"
[ "$(has_index)" = 0 ] || rel_fail "flows_by_resp is kept while a run records"
n2=$(net_count)
[ "$n2" = $((2 * n1)) ] || rel_fail "the live run's /24: $n2 decisions, expected $((2 * n1))"
[ "$("$FLOWQ" export --db "$DB" --dst "$NET" --format ndjson | wc -l)" = "$n2" ] ||
	rel_fail "flowq's /24 export during the run does not count $n2 decisions"

# 3. Killed.
kill -KILL "$REC"
wait "$REC" 2>/dev/null
exec 3>&-
[ "$(has_index)" = 0 ] || rel_fail "flows_by_resp appeared after a kill"
rel_integrity "$DB"
"$FLOWQ" verify --db "$DB" --format ndjson >"$T/verify" || rel_fail "flowq verify after the kill: $(cat "$T/verify")"
answers >"$T/a3" || rel_fail "flowq after the kill"
[ "$("$FLOWQ" export --db "$DB" --dst "$NET" --format ndjson | wc -l)" = "$n2" ] ||
	rel_fail "flowq's /24 export after the kill does not count $n2 decisions"
# The first run's answers are part of these, unchanged.
grep -q '"run_id":"ended"' "$T/a3" || rel_fail "the first run is missing after the kill"

# 4. The next start builds the index when its run ends.
"$FLOWREC" --db "$DB" --cell c --run next --source noop --quiet 2>"$T/next.err" &
NEXT=$!
REL_PIDS+=("$NEXT")
rel_wait_until 30 sh -c "[ \"\$(sqlite3 -batch '$DB' \"SELECT count(*) FROM runs WHERE run_id = 'next'\")\" = 1 ]" ||
	rel_fail "the next run did not start: $(cat "$T/next.err")"
kill -TERM "$NEXT"
rel_wait_exit "$NEXT" 60 || rel_fail "the next run did not end on SIGTERM"
[ "$REL_RC" = 0 ] || rel_fail "the next run exited $REL_RC: $(cat "$T/next.err")"
[ "$(has_index)" = 1 ] || rel_fail "the next run did not build flows_by_resp when it ended"
answers >"$T/a4" || rel_fail "flowq after the next run"
cmp -s "$T/a3" "$T/a4" || rel_fail "flowq's answers changed once the index was built: $(diff "$T/a3" "$T/a4" | head -5)"
plan=$(rel_sql "$DB" "EXPLAIN QUERY PLAN SELECT count(*) FROM flows WHERE resp_addr BETWEEN $LO AND $HI;")
grep -q "USING COVERING INDEX flows_by_resp\|USING INDEX flows_by_resp" <<<"$plan" ||
	rel_fail "the /24 does not search flows_by_resp: $plan"
"$FLOWQ" verify --db "$DB" --format ndjson >"$T/verify" || rel_fail "flowq verify after the next run: $(cat "$T/verify")"
rel_log "ok: index absent while recording and after a kill ($n2 decisions to $NET answered by a scan), built by the next run, answers unchanged"
