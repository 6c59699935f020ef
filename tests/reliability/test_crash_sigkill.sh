#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Crash consistency: flowrec is killed with SIGKILL (by PID) at 20 random
# moments of a 2,000,000-record replay (alternately from a file and from a
# pipe), each time a new --run on the same database file. After every kill:
# PRAGMA integrity_check is ok; the run's flow_events are exactly a prefix of
# the input (seq 1..N, no gap, no duplicate, record k's content in event k,
# each with its flows row); the run shows as not ended (ended_at NULL, in
# sqlite3 and in flowq runs). Then a new run on the file ends clean.
#
# Durability full: an LD_PRELOAD probe reads PRAGMA synchronous on flowrec's
# own connection and counts syncs (>= commits with full, fewer with normal);
# and rows seen committed through a FIFO survive a SIGKILL.
#
# usage: test_crash_sigkill.sh FLOWREC MAKE_REPLAY SYNC_PROBE_SO [FLOWQ]
# env: CRASH_KILLS (20), CRASH_SEED (random), CRASH_RECORDS (2000000)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
FLOWREC=$1 MAKE_REPLAY=$2 PROBE=$3 FLOWQ=${4:-}
rel_need sqlite3 python3
rel_setup
KILLS=${CRASH_KILLS:-20}
SEED=${CRASH_SEED:-$(( $(date +%s) % 32768 ))}
NREC=${CRASH_RECORDS:-2000000}
RANDOM=$SEED
rel_log "seed $SEED (rerun with CRASH_SEED=$SEED), $KILLS kills, $NREC records"
T=$REL_TMP
DB=$T/crash.db
"$MAKE_REPLAY" v1 "$NREC" "$T/in.bin" || rel_fail "make_replay"

check_killed_run() { # RUN
	local run=$1 n ended
	[ -s "$DB" ] || { echo 0; return 0; } # killed before the file was created
	rel_integrity "$DB"
	n=$(python3 "$here/check_prefix.py" "$DB" "$run" "$T/in.bin") || rel_fail "run $run: not a prefix of the input"
	# Killed before the migration or the run row committed: nothing to show.
	[ "$(rel_sql "$DB" "SELECT count(*) FROM sqlite_schema WHERE name = 'runs';")" = 1 ] || { echo "$n"; return 0; }
	[ "$(rel_sql "$DB" "SELECT count(*) FROM runs WHERE run_id = '$run';")" = 1 ] || { echo "$n"; return 0; }
	ended=$(rel_sql "$DB" "SELECT count(*) FROM runs WHERE run_id = '$run' AND (ended_at IS NOT NULL OR end_status IS NOT NULL);")
	[ "$ended" = 0 ] || rel_fail "run $run was SIGKILLed but shows as ended"
	if [ -n "$FLOWQ" ]; then
		"$FLOWQ" runs --db "$DB" --run "$run" --format ndjson >"$T/runs.json" 2>"$T/flowq.err" ||
			rel_fail "flowq runs after a kill: $(cat "$T/flowq.err")"
		python3 - "$T/runs.json" "$run" "$n" <<'PY' || rel_fail "flowq runs does not show run $run as killed"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = [x for x in rows if x["run_id"] == sys.argv[2]]
assert len(r) == 1, rows
assert r[0]["ended_at"] is None, r[0]
assert r[0]["end_status"] in (None, "running_or_killed"), r[0]
assert r[0]["events"] == int(sys.argv[3]), r[0]
PY
	fi
	echo "$n"
}

total=0 early=0
for ((k = 1; k <= KILLS; k++)); do
	run=kill$k
	# Mostly anywhere in the first 4 s; every fifth kill in the first 100 ms
	# (open, migration, run row).
	if ((k % 5 == 1)); then ms=$((RANDOM % 100)); else ms=$((100 + RANDOM % 3900)); fi
	if ((k % 2)); then
		"$FLOWREC" --db "$DB" --cell c1 --run "$run" --replay "$T/in.bin" --batch-events 1000 --quiet &
		pid=$!
		how=file
	else
		"$MAKE_REPLAY" v1 "$NREC" - | "$FLOWREC" --db "$DB" --cell c1 --run "$run" --replay - --batch-events 1000 --quiet &
		pid=$!
		how=pipe
	fi
	REL_PIDS+=("$pid")
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -KILL "$pid" 2>/dev/null || rel_fail "run $run: flowrec was gone before the kill"
	wait "$pid" 2>/dev/null
	wait 2>/dev/null # the pipe's producer
	n=$(check_killed_run "$run") || exit 1
	rel_log "kill $k ($how, after ${ms} ms): $n events stored, a prefix of the input; integrity ok; run not ended"
	total=$((total + n))
	((n == 0)) && early=$((early + 1))
done
rel_log "$KILLS kills: $total events stored in all, $early kills before the first commit"
((total > 0)) || rel_fail "no kill happened after a commit: the test did not test anything"

# The file still works: a new run ends clean with every record.
"$MAKE_REPLAY" v1 3000 "$T/small.bin"
"$FLOWREC" --db "$DB" --cell c1 --run after --replay "$T/small.bin" --batch-events 1000 --quiet ||
	rel_fail "a run after the kills failed"
rel_integrity "$DB"
python3 "$here/check_prefix.py" "$DB" after "$T/small.bin" --expect 3000 >/dev/null || rel_fail "run after the kills"
[ "$(rel_sql "$DB" "SELECT end_status FROM runs WHERE run_id = 'after' AND ended_at IS NOT NULL;")" = clean ] ||
	rel_fail "the run after the kills did not end clean"

# --durability full: the setting on flowrec's connection, and syncs per commit.
"$MAKE_REPLAY" v1 5000 "$T/r5k.bin"
for d in normal full; do
	rm -f "$T/dur.db" "$T/dur.db-wal" "$T/dur.db-shm"
	FA_SYNC_PROBE_OUT=$T/probe.$d LD_PRELOAD=$PROBE "$FLOWREC" --db "$T/dur.db" --cell c1 --run "d-$d" \
		--replay "$T/r5k.bin" --batch-events 50 --durability $d --quiet || rel_fail "durability $d run"
	[ -s "$T/probe.$d" ] || rel_fail "the sync probe did not report (LD_PRELOAD $PROBE)"
	commits=$(rel_sql "$T/dur.db" 'SELECT commits FROM health WHERE is_final = 1;')
	level=$(sed -n 's/^synchronous=//p' "$T/probe.$d")
	syncs=$(sed -n 's/^syncs=//p' "$T/probe.$d")
	rel_log "durability $d: PRAGMA synchronous=$level on flowrec's connection, $syncs syncs for $commits commits"
	((commits >= 100)) || rel_fail "durability $d: $commits commits for 5000 events at --batch-events 50"
	if [ $d = full ]; then
		[ "$level" = 2 ] || rel_fail "--durability full: synchronous is $level, expected 2 (FULL)"
		((syncs >= commits)) || rel_fail "--durability full: $syncs syncs for $commits commits"
	else
		[ "$level" = 1 ] || rel_fail "--durability normal: synchronous is $level, expected 1 (NORMAL)"
		((syncs < commits)) || rel_fail "--durability normal: a sync per commit ($syncs for $commits)"
	fi
done

# Rows seen committed survive a SIGKILL (full): feed K records through a FIFO,
# wait until a reader sees K rows, kill, look again.
K=2500
"$MAKE_REPLAY" v1 $K "$T/k.bin"
mkfifo "$T/fifo"
"$FLOWREC" --db "$DB" --cell c1 --run fifo-full --replay "$T/fifo" --durability full \
	--batch-events 1000 --batch-ms 50 --quiet &
pid=$!
REL_PIDS+=("$pid")
exec 3>"$T/fifo"
cat "$T/k.bin" >&3
rel_wait_until 20 rel_count_is "$DB" fifo-full $K ||
	rel_fail "fifo-full: $(rel_count "$DB" fifo-full) of $K rows committed after 20 s (a quiet source must not hold a batch back)"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
exec 3>&-
check_killed_run fifo-full >/dev/null || exit 1
python3 "$here/check_prefix.py" "$DB" fifo-full "$T/k.bin" --expect $K >/dev/null ||
	rel_fail "fifo-full: committed rows lost after SIGKILL"
rel_log "fifo-full: $K rows seen committed, all $K still there after SIGKILL"
echo "PASS: $KILLS SIGKILLs, $total events, every run a clean prefix; durability full syncs every commit"
