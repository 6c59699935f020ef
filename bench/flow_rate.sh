#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# How many new flows per second can this machine generate across a veth pair,
# and what fraction of them does flowrec record, one by one or in summaries?
#
#   bench/flow_rate.sh FLOWREC FLOW_FLOOD [COUNT] [PPS]
#
# FLOW_FLOOD is bench/flow_flood (built by CMake as target flow_flood). A cell
# namespace sends COUNT one-datagram IPv4 UDP flows (default 200000), each a
# new 5-tuple, through its veth to a peer namespace that silently drops them
# (the destination is a static neighbour entry, not a local address of the
# peer). First without any recorder (the generator's own rate), then with
# flowrec attached on the cell's side; PPS (default: as fast as possible)
# limits the generator's rate. BENCH_TABLE / BENCH_RING set the kernel flow-table
# entries and ring-buffer bytes (default 2^20 and 64 MiB). Prints one summary
# line per run. Needs root.
. "$(cd "$(dirname "$0")" && pwd)/../tests/e2e/lib.sh"

FLOWREC=${1:?usage: flow_rate.sh FLOWREC FLOW_FLOOD [COUNT] [PPS]}
FLOOD=${2:?usage: flow_rate.sh FLOWREC FLOW_FLOOD [COUNT] [PPS]}
COUNT=${3:-200000}
PPS=${4:-0}
require_privileges
topology_direct
SINK=$V4_NET.9
mac=$(ip -n "$SRV_NS" -br link show "$SRV_IF" | awk '{print $3}')
ip -n "$CELL_NS" neigh replace "$SINK" lladdr "$mac" dev "$CELL_IF" nud permanent
TABLE=${BENCH_TABLE:-$((1 << 20))} # flow-table entries
RING=${BENCH_RING:-$((1 << 26))}  # ring-buffer bytes

flood() {
	in_ns "$CELL_NS" "$FLOOD" --src "$CELL_V4" --dst "$SINK" --count "$COUNT" --pps "$PPS"
}

base=$(flood) || fail "flow_flood failed"
log "without recorder: $base"

DB=$E2E_TMP/bench.db
start_bg "$E2E_TMP/flowrec.log" "$FLOWREC" --db "$DB" --cell bench --run rate \
	--iface "$CELL_IF" --netns "$CELL_NS" --iface-side cell \
	--flow-table-entries $TABLE --ringbuf-bytes $RING --udp-idle-s 300 --stats-s 1
REC=$BG_PID
wait_attached "$REC" "$CELL_NS" "$CELL_IF" 2 15 || fail "flowrec did not attach: $(cat "$E2E_TMP/flowrec.log")"
with=$(flood) || fail "flow_flood failed"
log "with flowrec:     $with"

# Wait until the recorder has stored what the kernel emitted (count stable for 2 s).
t0=$(date +%s.%N)
prev=-1
while :; do
	n=$(sql "$DB" "SELECT count(*) FROM flow_events_all" 2>/dev/null || echo -1)
	[ "$n" = "$prev" ] && break
	prev=$n
	sleep 2
done
# Peak memory so far (the backlog and the open flows are the large parts).
hwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$REC/status")
stop_pid "$REC" 120 || fail "flowrec did not exit"
[ "$STOP_RC" = 0 ] || fail "flowrec exited $STOP_RC: $(cat "$E2E_TMP/flowrec.log")"
t1=$(date +%s.%N)

SINKHEX=$(hexaddr "$SINK")
# one by one (a row per flow), or in a summary of the sink's /24 (and port)
# or of any destination
SINKNET=$(hexaddr "${SINK%.*}.0")
IFS='|' read -r singles summarised <<<"$(sql "$DB" "SELECT
	(SELECT count(*) FROM flows WHERE protocol = 17 AND flow_count IS NULL AND hex(resp_addr) = '$SINKHEX'),
	(SELECT coalesce(sum(flow_count), 0) FROM flows WHERE protocol = 17 AND
	 (prefix_len = 0 OR hex(resp_addr) = '$SINKNET'))")"
recorded=$((singles + summarised))
read -r drops full daemon <<<"$(sql "$DB" "SELECT ring_drops, table_full, daemon_drops FROM health WHERE is_final = 1" | tr '|' ' ')"
sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$with")
printf 'flows=%s generator_alone: %s\n' "$COUNT" "$base"
printf 'flows=%s with_flowrec: %s recorded=%s (one by one %s, in summaries %s) fraction=%s ring_drops=%s table_full=%s daemon_drops=%s drain_and_exit_s=%.1f peak_rss_kb=%s\n' \
	"$COUNT" "$with" "$recorded" "$singles" "$summarised" "$("$PYTHON" -c "print(f'{$recorded / $sent:.4f}')")" "$drops" "$full" \
	"$daemon" "$(echo "$t1 - $t0" | bc 2>/dev/null || echo 0)" "$hwm_kb"
exit 0
