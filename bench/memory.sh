#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# flowrec's memory apart from a replay's peak (which the ingest part records):
#   bench/memory.sh OPEN_FLOWS   (environment from bench/run.sh)
#
#   idle        flowrec --source noop, 3 s after start: VmRSS and VmHWM
#   open flows  flowrec --replay from a FIFO that stays open, fed OPEN_FLOWS
#               v3 opens that never close (make_replay opens): first half,
#               wait until all are committed, VmRSS; second half, wait,
#               VmRSS and VmHWM. The growth between the two readings over
#               the flows added is the user-space cost of one open flow
#               (SQLite's page cache is full by the first reading, so it
#               does not grow with the flows any more). Closing the FIFO
#               ends the replay; every flow must then close as run_end.
. "$(dirname "$0")/lib.sh"
M=${1:?usage: memory.sh OPEN_FLOWS}
((M % 2 == 0)) || die "OPEN_FLOWS must be even"

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
}
trap cleanup EXIT

# Idle.
db=$WORK/idle.db
rm -f "$db" "$db-wal" "$db-shm"
"$BIN_FLOWREC" --db "$db" --cell bench --run idle --source noop --quiet &
pid=$!
PIDS+=("$pid")
sleep 3
kill -0 "$pid" 2>/dev/null || die "flowrec --source noop exited early"
record memory 0 idle 1 rss_kb "$(status_kb "$pid" VmRSS)"
record memory 0 idle 1 hwm_kb "$(status_kb "$pid" VmHWM)"
kill -TERM "$pid"
wait "$pid" || die "flowrec --source noop exited $? on SIGTERM"
rm -f "$db" "$db-wal" "$db-shm"

# Open flows.
in=$WORK/opens-$M.bin
"$BIN_MAKE_REPLAY" opens "$M" "$in" || die "make_replay opens failed"
size=$(stat -c %s "$in")
((size % M == 0)) || die "$in: frames of unequal size"
half=$((size / 2)) # M/2 frames: every frame has the same size
fifo=$WORK/opens.fifo db=$WORK/open.db
rm -f "$fifo" "$db" "$db-wal" "$db-shm"
mkfifo "$fifo"
"$BIN_FLOWREC" --db "$db" --cell bench --run open --replay "$fifo" --quiet &
pid=$!
PIDS+=("$pid")
exec 3>"$fifo" # the write end stays open: no EOF, the flows stay open
head -c "$half" "$in" >&3
wait_rows "$db" "SELECT count(*) FROM flows WHERE state = 'open'" $((M / 2)) 600
sleep 1
rss_half=$(status_kb "$pid" VmRSS)
tail -c +"$((half + 1))" "$in" >&3
wait_rows "$db" "SELECT count(*) FROM flows WHERE state = 'open'" "$M" 600
sleep 1
rss_full=$(status_kb "$pid" VmRSS)
record memory "$M" open_flows 1 rss_half_kb "$rss_half"
record memory "$M" open_flows 1 rss_kb "$rss_full"
record memory "$M" open_flows 1 hwm_kb "$(status_kb "$pid" VmHWM)"
record memory "$M" open_flows 1 flows "$M"
exec 3>&- # EOF: the replay ends, every flow closes (run_end)
wait "$pid" || die "flowrec --replay from the FIFO exited $?"
record memory "$M" open_flows 1 closed_run_end \
	"$(sql "$db" "SELECT count(*) FROM flows WHERE state = 'closed' AND close_reason = 'run_end'")"
rm -f "$fifo" "$in" "$db" "$db-wal" "$db-shm"
exit 0
