#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A cell floods new flows at the generator's full rate while 25 TCP probes
# (one a second, 1000 bytes each) cross the same link: what does flowrec
# record, and what does it cost? The measurement behind the figures in
# docs/design-notes.md ("Under a flood"). Needs root.
#
#   bench/flood_probe.sh FLOWREC FLOW_FLOOD [SECONDS] [scatter|sink] [FLOWREC OPTIONS...]
#
# scatter (default): UDP datagrams and TCP SYNs to destinations spread over a
# /10, every flow in a class of its own (flow_flood --dst-bits 22 --tcp);
# sink: UDP datagrams to one address, ports counting up (the issue's first
# example). First the generator alone for SECONDS (default 30), then with
# flowrec on the cell's interface (default options plus FLOWREC OPTIONS, for
# instance --fail-closed), side by side in this invocation. Prints one line
# per run: the flood's rate, the flows recorded one by one (exact counters)
# and in summaries (with and without their destination), the packets dropped
# by --fail-closed, the probes recorded exactly, and flowrec's CPU (user +
# system over the flood, in % of one core), its largest RSS sampled each
# second of the flood, its peak RSS (VmHWM) and the seconds it needed after
# the flood to store everything and exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
rel=$here/../tests/reliability
. "$rel/lib.sh"
FLOWREC=${1:?usage: flood_probe.sh FLOWREC FLOW_FLOOD [SECONDS] [scatter|sink] [options]}
FLOOD=${2:?usage: flood_probe.sh FLOWREC FLOW_FLOOD [SECONDS] [scatter|sink] [options]}
SECS=${3:-30}
MODE=${4:-scatter}
shift $(($# < 4 ? $# : 4))
OPTS=("$@")
PROBES=25
PORT=7777
NET=10.79.0
SERVER=$NET.2
rel_need_root
rel_setup
T=$REL_TMP
rel_cell_with_sink bp$$ $NET
cell_mac=$(ip -n "$CELL" -o link show fa0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
peer_mac=$(ip -n "$PEER" -o link show fa1 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
ip -n "$CELL" neigh replace $SERVER lladdr "$peer_mac" dev fa0 nud permanent
ip -n "$PEER" neigh replace $NET.1 lladdr "$cell_mac" dev fa1 nud permanent
ip -n "$CELL" route add 10.128.0.0/10 via $SERVER dev fa0
case $MODE in
scatter) flood_args=(--dst 10.128.0.0 --dst-bits 22 --tcp) ;;
sink) flood_args=(--dst $NET.9) ;;
*) rel_fail "mode: scatter or sink, not $MODE" ;;
esac
flood() {
	ip netns exec "$CELL" "$FLOOD" --src $NET.1 "${flood_args[@]}" --count 1000000000 \
		--seconds "$SECS"
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

base=$(flood) || rel_fail "flow_flood: $base"
rel_log "generator alone: $base"

ip netns exec "$PEER" timeout $((SECS + 60)) python3 "$rel/flood_probe.py" server $SERVER $PORT $PROBES \
	>"$T/server.out" 2>&1 &
REL_PIDS+=($!)
rel_wait_until 10 grep -q listening "$T/server.out" || rel_fail "probe server: $(cat "$T/server.out")"
DB=$T/bench.db
"$FLOWREC" --db "$DB" --cell bench --run flood --iface fa0 --netns /run/netns/$CELL "${OPTS[@]}" \
	2>"$T/err" &
REC=$!
REL_PIDS+=("$REC")
rel_wait_until 30 rel_attached "$REC" fa0 "$CELL" || rel_fail "flowrec did not attach: $(cat "$T/err")"
t0=$(ticks $REC)
w0=$(date +%s.%N)
flood >"$T/flood.out" 2>&1 &
FP=$!
REL_PIDS+=("$FP")
sleep 2
ip netns exec "$CELL" python3 "$rel/flood_probe.py" client $SERVER $PORT $PROBES >"$T/probes.out" 2>&1 &
PP=$!
REL_PIDS+=("$PP")
rss_max=0
while kill -0 $FP 2>/dev/null; do
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$REC/status")
	((rss > rss_max)) && rss_max=$rss
	sleep 1
done
wait $FP
t1=$(ticks $REC)
w1=$(date +%s.%N)
wait $PP
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$REC/status")
kill -TERM $REC
rel_wait_exit $REC 300
[ "$REL_RC" = 0 ] || rel_fail "flowrec exited $REL_RC: $(cat "$T/err")"
w2=$(date +%s.%N)

sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$T/flood.out")
SRVHEX=$(python3 -c 'import ipaddress, sys; print(ipaddress.IPv6Address("::ffff:" + sys.argv[1]).packed.hex().upper())' $SERVER)
PROBE="protocol = 6 AND resp_port = $PORT AND hex(resp_addr) = '$SRVHEX' AND flow_count IS NULL AND untracked = 0 AND close_reason = 'tcp_fin'"
IFS='|' read -r singles fine coarse probes < <(rel_sql "$DB" \
	"SELECT sum(flow_count IS NULL AND NOT ($PROBE)),
	        coalesce(sum(CASE WHEN prefix_len > 0 THEN flow_count END), 0),
	        coalesce(sum(CASE WHEN prefix_len = 0 THEN flow_count END), 0),
	        sum($PROBE AND orig_bytes >= 1000) FROM flows;")
drops=$(rel_sql "$DB" "SELECT fail_closed_drops FROM health WHERE is_final = 1;")
clk=$(getconf CLK_TCK)
python3 - "$MODE" "${OPTS[*]:-default}" "$base" "$(cat "$T/flood.out")" "$sent" "$singles" "$fine" "$coarse" \
	"$drops" "$probes" "$(grep -c '^ok' "$T/probes.out")" "$((t1 - t0))" "$clk" "$w0" "$w1" "$w2" \
	"$rss_max" "$hwm" <<'PY'
import sys
(mode, opts, base, withrec, sent, singles, fine, coarse, drops, probes, connected, ticks, clk,
 w0, w1, w2, rss, hwm) = sys.argv[1:]
sent, singles, fine, coarse, drops = int(sent), int(singles), int(fine), int(coarse), int(drops)
rate = lambda s: s.split("rate=")[1].split()[0]
cpu = 100.0 * int(ticks) / int(clk) / (float(w1) - float(w0))
pct = lambda n: "%.1f%%" % (100.0 * n / sent)
print(f"mode={mode} options={opts} generator_alone={rate(base)}/s with_flowrec={rate(withrec)}/s "
      f"sent={sent} one_by_one={singles} ({pct(singles)}) summarised={fine + coarse} "
      f"({pct(fine + coarse)}; with destination {fine}, any destination {coarse}) "
      f"dropped_fail_closed={drops} probes_exact={probes}/25 (connected {connected}) "
      f"flowrec_cpu={cpu:.0f}% rss_max_kb={rss} vmhwm_kb={hwm} "
      f"drain_and_exit_s={float(w2) - float(w1):.1f}")
PY
