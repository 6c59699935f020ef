#!/usr/bin/env bash
# Batches commit on time when the source goes quiet (--batch-ms), and SIGTERM
# and SIGINT each commit what is pending, end the run and exit 0.
# Usage: test_replay_signals.sh FLOWREC MAKE_REPLAY
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 MAKE_REPLAY=$2
DB=$TMP/cell.db
"$MAKE_REPLAY" v1 5000 "$TMP/a.bin" || exit 1
# The first 1000 records (48 bytes per frame), then silence on an open pipe.
head -c $((1000 * 48)) "$TMP/a.bin" >"$TMP/first.bin"

for sig in TERM INT; do
	mkfifo "$TMP/fifo-$sig"
	"$FLOWREC" --db "$DB" --cell cell-1 --run "run-$sig" --replay "$TMP/fifo-$sig" \
		--batch-events 100000 --batch-ms 300 --quiet &
	pid=$!
	CHILD_PIDS+=("$pid")
	exec 7>"$TMP/fifo-$sig"  # hold the writer end open: the source goes quiet, not EOF
	cat "$TMP/first.bin" >&7
	# Far below --batch-events: only the --batch-ms deadline can commit these.
	committed() { [ "$(q "$DB" "SELECT count(*) FROM flow_events_all e JOIN runs r USING (run_pk) WHERE r.run_id = 'run-$sig'" 2>/dev/null)" = 1000 ]; }
	wait_for 10 committed || fail "SIG$sig run: 1000 events not committed by the batch deadline"
	check_eq "SIG$sig run still running, not ended" "" \
		"$(q "$DB" "SELECT ended_at FROM runs WHERE run_id = 'run-$sig'")"
	# More records, then the signal before any deadline can commit them.
	tail -c +$((1000 * 48 + 1)) "$TMP/a.bin" | head -c $((500 * 48)) >&7
	sleep 0.05
	kill -"$sig" "$pid"
	wait "$pid"
	check_eq "SIG$sig exit status" 0 $?
	exec 7>&-
	check_eq "SIG$sig run rows (pending batch committed at exit)" 1500 \
		"$(q "$DB" "SELECT count(*) FROM flow_events_all e JOIN runs r USING (run_pk) WHERE r.run_id = 'run-$sig'")"
	check_eq "SIG$sig run ended clean" clean \
		"$(q "$DB" "SELECT end_status FROM runs WHERE run_id = 'run-$sig' AND ended_at IS NOT NULL")"
	check_eq "SIG$sig open flows closed run_end" 1500 \
		"$(q "$DB" "SELECT count(*) FROM flows f JOIN runs r USING (run_pk) WHERE r.run_id = 'run-$sig' AND close_reason = 'run_end'")"
done
check_eq "integrity" ok "$(q "$DB" 'PRAGMA integrity_check')"

# --source noop: a run row and a health row, nothing else; SIGTERM ends it.
"$FLOWREC" --db "$DB" --cell cell-1 --run run-noop --source noop --quiet &
pid=$!
CHILD_PIDS+=("$pid")
running() { [ "$(q "$DB" "SELECT count(*) FROM runs WHERE run_id = 'run-noop'" 2>/dev/null)" = 1 ]; }
wait_for 10 running || fail "noop run row not written"
kill -TERM "$pid"
wait "$pid"
check_eq "noop exit" 0 $?
check_eq "noop run" "noop|clean|0|1" "$(q "$DB" "SELECT r.source, r.end_status, (SELECT count(*) FROM flow_events_all WHERE run_pk = r.run_pk), (SELECT count(*) FROM health WHERE run_pk = r.run_pk AND is_final = 1) FROM runs r WHERE run_id = 'run-noop'")"
finish
