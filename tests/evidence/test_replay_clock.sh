#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A replay's clock is its records' clock: the same bytes give the same rows
# from a file, from a pipe, and from a pipe that delivers one frame every
# 1.5 s (wall-clock ticks come and go meanwhile). Tuple A at 1 s, B at 500 s,
# A again at 1000 s: A's first flow closes idle (TCP timeout 300 s) when the
# record at 500 s moves time past it, B's when the record at 1000 s does, and
# A at 1000 s is a new flow. A v2 open arriving for a flow idle past its
# timeout ends that flow (idle) and is a new flow too.
# Usage: test_replay_clock.sh FLOWREC FLOWQ
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 FLOWQ=$2
$FRAMES "$TMP/in.bin" \
	"v1 src=10.0.0.1:40000 dst=192.0.2.5:443 t=1s" \
	"v2 src=10.0.0.1:50000 dst=192.0.2.7:443 t=1s" \
	"v1 src=10.0.0.1:40001 dst=192.0.2.6:443 t=500s" \
	"v1 src=10.0.0.1:40000 dst=192.0.2.5:443 t=1000s" \
	"v2 src=10.0.0.1:50000 dst=192.0.2.7:443 t=1000s"

# Rows with times on the records' own clocks (each run measured its own
# offsets; port 50000 is the v2 flow, on CLOCK_BOOTTIME), ids relative to the
# run: what must not depend on the delivery.
rows() {
	q "$1" "SELECT 'event', e.seq, e.flow_id - (e.run_pk << 32), e.decision, e.opens_flow,
		e.observed_at - CASE e.source WHEN 'ebpf_v1' THEN r.mono_offset_ns
		ELSE r.boot_offset_ns END FROM flow_events_all e JOIN runs r USING (run_pk)
		ORDER BY e.seq;
	SELECT 'flow', f.flow_id - (f.run_pk << 32), f.orig_port, f.state, f.close_reason,
		f.opened_at - o.off, f.closed_at - o.off
		FROM flows f JOIN (SELECT run_pk, CASE WHEN orig_port = 50000 THEN boot_offset_ns
			ELSE mono_offset_ns END AS off, flow_id FROM flows JOIN runs USING (run_pk)) o
		USING (flow_id) ORDER BY f.flow_id;"
}

IDLE=(--tcp-idle-s 300 --udp-idle-s 60)
"$FLOWREC" --db "$TMP/file.db" --cell c --run r --replay "$TMP/in.bin" "${IDLE[@]}" --quiet
check_eq "file: exit" 0 $?
cat "$TMP/in.bin" | "$FLOWREC" --db "$TMP/pipe.db" --cell c --run r --replay - "${IDLE[@]}" --quiet
check_eq "pipe: exit" 0 $?
python3 "$EVIDENCE_DIR/pace.py" "$TMP/in.bin" 1.5 |
	"$FLOWREC" --db "$TMP/paced.db" --cell c --run r --replay - "${IDLE[@]}" --quiet
check_eq "paced pipe: exit" 0 $?
check_eq "the paced pipe took its time (ticks happened meanwhile)" 1 \
	"$(q "$TMP/paced.db" "SELECT (ended_at - started_at) > 5000000000 FROM runs")"

S=1000000000
check_eq "file: the rows the records' clock gives" \
"event|1|1|allow|1|$S
event|2|2|allow|1|$S
event|3|3|allow|1|$((500 * S))
event|4|4|allow|1|$((1000 * S))
event|5|5|allow|1|$((1000 * S))
flow|1|40000|closed|idle|$S|$S
flow|2|50000|closed|idle|$S|$S
flow|3|40001|closed|idle|$((500 * S))|$((500 * S))
flow|4|40000|closed|run_end|$((1000 * S))|$((1000 * S))
flow|5|50000|closed|run_end|$((1000 * S))|$((1000 * S))" "$(rows "$TMP/file.db")"
check_eq "pipe: the same rows" "$(rows "$TMP/file.db")" "$(rows "$TMP/pipe.db")"
check_eq "paced pipe: the same rows" "$(rows "$TMP/file.db")" "$(rows "$TMP/paced.db")"
for d in file pipe paced; do
	check_eq "$d: final health: 5 decisions, 5 flows opened and closed, no repeat open" "5|5|5|0" \
		"$(q "$TMP/$d.db" 'SELECT events_written, flows_opened, flows_closed, duplicate_opens
		FROM health WHERE is_final = 1')"
done
finish
