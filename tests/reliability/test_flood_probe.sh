#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The attack: a cell that knows the recorder's design floods new flows at the
# highest rate this machine can generate (bench/flow_flood: UDP datagrams and
# TCP SYNs, each a new 5-tuple, to destinations scattered over a /10 so that
# every flow is in a class of its own) for FLOOD_SECONDS (30), while it opens
# PROBES (25) TCP connections, one a second, to a port the flood never uses,
# each sending 1000 bytes. flowrec runs with its default options (plus
# --fail-closed when FAIL_CLOSED=1).
#
# Ground truth comes from outside the tc program: nftables counters in the
# cell (every IP packet it sends, at the output hook, before tc; the probes'
# packets both ways), the veth's own counters (what left after tc), the
# generator's count, and the probe server's byte counts. The final health row
# and the database must then satisfy, exactly:
#   drops:    fail_closed_drops == (packets through the output hook - packets
#             that left the veth, sent or dropped by the veth itself) +
#             (kernel_packets - packets through the output hook - probe
#             packets that reached the prerouting hook): what tc dropped on
#             the way out and in, each >= 0 (fail-open: 0, so the program saw
#             every packet)
#   packets:  kernel_packets == sum over flows rows (tracked, untracked and
#             summaries) of their packets + fail_closed_drops: every packet the
#             program saw is in exactly one recorded row, or was dropped
#   flows:    fail-open: flood flows in rows + in summaries == flood packets
#             through the output hook (one packet per flow; the generator's
#             own count misses packets the veth dropped after tc saw them)
#   probes:   fail-open: all of them connected, each is one tracked flow closed
#             by its FIN, and their packets and bytes, each way, add up to the
#             nftables counters
#   losses:   ring_drops, table_full, daemon_drops, store_failures, rejected 0;
#             flowq health says "degraded", not "lost"; fail-closed: no summary
#             without a destination, and the drops happened
# The probe server closes first, so a connection's last packet travels on the
# path the flood does not crowd and no straggler follows the close.
#
# usage: test_flood_probe.sh FLOWREC FLOW_FLOOD [FLOWQ]
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
FLOWREC=$1 FLOOD=$2 FLOWQ=${3:-}
rel_need_root
rel_need ip sqlite3 python3 nft
rel_setup
T=$REL_TMP
SECS=${FLOOD_SECONDS:-30}
PROBES=${PROBES:-25}
FAIL_CLOSED=${FAIL_CLOSED:-0}
PORT=7777
NET=10.79.0
SERVER=$NET.2
rel_cell_with_sink fp$$ $NET # cell $NET.1 (fa0), peer $NET.2 (fa1)

# The flood's destinations, 10.128.0.0/10, leave through the peer, which does
# not forward and drops them without an ICMP. Static neighbours both ways: no
# ARP frame crosses the link.
cell_mac=$(ip -n "$CELL" -o link show fa0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
peer_mac=$(ip -n "$PEER" -o link show fa1 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
ip -n "$CELL" neigh replace $SERVER lladdr "$peer_mac" dev fa0 nud permanent
ip -n "$PEER" neigh replace $NET.1 lladdr "$cell_mac" dev fa1 nud permanent
ip -n "$CELL" route add 10.128.0.0/10 via $SERVER dev fa0 || rel_fail "route"
ip netns exec "$CELL" nft -f - <<EOF || rel_skip "nftables unusable here"
table ip fa_truth {
	counter sent {}
	counter probe_out {}
	counter probe_in {}
	chain out {
		type filter hook output priority 0; policy accept;
		counter name "sent"
		tcp dport $PORT counter name "probe_out"
	}
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		tcp sport $PORT counter name "probe_in"
	}
}
EOF
# the counters of a named nft counter: "packets bytes"
nft_counter() {
	ip netns exec "$CELL" nft -j list counter ip fa_truth "$1" | python3 -c '
import json, sys
c = [o["counter"] for o in json.load(sys.stdin)["nftables"] if "counter" in o][0]
print(c["packets"], c["bytes"])'
}
# packets that left fa0 after tc: transmitted + dropped by the veth
veth_out() {
	ip -n "$CELL" -s -j link show fa0 | python3 -c '
import json, sys
t = json.load(sys.stdin)[0]["stats64"]["tx"]
print(t["packets"] + t["dropped"])'
}

# The probe server (in the peer) and the probes (tests/reliability/flood_probe.py).
ip netns exec "$PEER" timeout $((SECS + 60)) python3 "$here/flood_probe.py" server $SERVER $PORT "$PROBES" \
	>"$T/server.out" 2>"$T/server.err" &
REL_PIDS+=($!)
rel_wait_until 10 grep -q listening "$T/server.out" || rel_fail "probe server: $(cat "$T/server.err")"

DB=$T/flood.db
extra=()
[ "$FAIL_CLOSED" = 1 ] && extra=(--fail-closed)
"$FLOWREC" --db "$DB" --cell c1 --run attack --iface fa0 --netns /run/netns/$CELL "${extra[@]}" 2>"$T/err" &
pid=$!
REL_PIDS+=("$pid")
rel_wait_until 30 rel_attached "$pid" fa0 "$CELL" || true
kill -0 "$pid" 2>/dev/null || {
	grep -qiE "not supported|permission|bpf|attach" "$T/err" && rel_skip "eBPF source unavailable: $(head -1 "$T/err")"
	rel_fail "flowrec did not start: $(cat "$T/err")"
}
rel_attached "$pid" fa0 "$CELL" || rel_fail "flowrec did not attach in 30 s"
out0=$(veth_out)

ip netns exec "$CELL" "$FLOOD" --src $NET.1 --dst 10.128.0.0 --dst-bits 22 --tcp \
	--count 1000000000 --seconds "$SECS" >"$T/flood.out" 2>&1 &
flood_pid=$!
REL_PIDS+=("$flood_pid")
sleep 2
ip netns exec "$CELL" python3 "$here/flood_probe.py" client $SERVER $PORT "$PROBES" >"$T/probes.out" 2>&1
rel_wait_exit "$flood_pid" $((SECS + 30)) || rel_fail "the flood did not end"
[ "$REL_RC" = 0 ] || rel_fail "flow_flood: $(cat "$T/flood.out")"
sleep 1
read -r sent_pkts _ < <(nft_counter sent)
read -r pout_pkts pout_bytes < <(nft_counter probe_out)
read -r pin_pkts pin_bytes < <(nft_counter probe_in)
out1=$(veth_out)
kill -TERM "$pid"
rel_wait_exit "$pid" 120
[ "$REL_RC" = 0 ] || rel_fail "flowrec exit $REL_RC: $(cat "$T/err")"
rel_integrity "$DB"
flood_sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$T/flood.out")
ok=$(grep -c '^ok ' "$T/probes.out")
rel_log "flood: $(cat "$T/flood.out"); probes connected: $ok of $PROBES"
rel_log "flowrec: $(tail -1 "$T/err")"

# After the run: on a failure, FLOWAUDIT_KEEP_FAILED=DIR keeps the database and the logs.
fp_fail() {
	[ -n "${FLOWAUDIT_KEEP_FAILED:-}" ] && mkdir -p "$FLOWAUDIT_KEEP_FAILED" &&
		cp "$DB" "$T"/*.out "$T/err" "$FLOWAUDIT_KEEP_FAILED/"
	rel_fail "$@"
}
IFS='|' read -r kpkts ring full daemon fails rejected drops untracked evicted aggregated frags < <(rel_sql "$DB" \
	"SELECT kernel_packets, ring_drops, table_full, daemon_drops, store_failures, rejected,
	        fail_closed_drops, untracked, evicted, aggregated, frag_unmatched
	 FROM health WHERE is_final = 1;")
SRVHEX=$(python3 -c 'import ipaddress, sys; print(ipaddress.IPv6Address("::ffff:" + sys.argv[1]).packed.hex().upper())' $SERVER)
PROBE_ROW="protocol = 6 AND resp_port = $PORT AND hex(resp_addr) = '$SRVHEX' AND flow_count IS NULL"
IFS='|' read -r row_pkts rows singles summarised coarse < <(rel_sql "$DB" \
	"SELECT coalesce(sum(orig_packets + resp_packets), 0), count(*),
	        sum(flow_count IS NULL AND NOT ($PROBE_ROW)),
	        coalesce(sum(flow_count), 0),
	        sum(flow_count IS NOT NULL AND prefix_len = 0) FROM flows;")
rel_log "health: kernel packets $kpkts, untracked $untracked, evicted $evicted, summarised $aggregated, dropped fail-closed $drops"
rel_log "rows: $rows ($singles single flood flows, $summarised flows in summaries, $coarse summaries without destination); nft: sent $sent_pkts, probes out $pout_pkts/$pout_bytes B, in $pin_pkts/$pin_bytes B; veth out $((out1 - out0))"

[ "$ring|$full|$daemon|$fails|$rejected|$frags" = "0|0|0|0|0|0" ] ||
	fp_fail "something was lost: ring drops $ring, table full $full, daemon $daemon, store $fails, rejected $rejected, unmatched fragments $frags"
# packets tc dropped on the way out (seen by nftables before tc, not by the
# veth after it) and on the way in (seen by tc, never reaching the prerouting
# hook): each measured without the program's own counter
egress_shot=$((sent_pkts - (out1 - out0)))
ingress_shot=$((kpkts - sent_pkts - pin_pkts))
((egress_shot >= 0 && ingress_shot >= 0)) ||
	fp_fail "the program saw $kpkts packets; $sent_pkts left the cell's stack, $((out1 - out0)) the veth, $pin_pkts came in"
((drops == egress_shot + ingress_shot)) ||
	fp_fail "drops: $egress_shot out and $ingress_shot in did not pass, but fail_closed_drops is $drops"
((kpkts == row_pkts + drops)) ||
	fp_fail "packets: the program saw $kpkts, the rows hold $row_pkts, $drops dropped: $((kpkts - row_pkts - drops)) unaccounted"
((evicted > 0 && summarised > 0)) || fp_fail "the flood did not fill the table (evicted $evicted, summarised $summarised)"
if [ "$FAIL_CLOSED" = 1 ]; then
	((drops > 0)) || fp_fail "fail-closed: the flood was never dropped"
	[ "$coarse" = 0 ] || fp_fail "fail-closed: $coarse summaries without a destination"
	# a probe that got through is in the database, tracked or not
	for sport in $(sed -n 's/^ok //p' "$T/probes.out"); do
		n=$(rel_sql "$DB" "SELECT count(*) FROM flows WHERE protocol = 6 AND ((orig_port = $sport AND resp_port = $PORT) OR (orig_port = $PORT AND resp_port = $sport)) OR (protocol = 6 AND resp_port = $PORT AND prefix_len = 24);")
		((n > 0)) || fp_fail "fail-closed: probe from port $sport connected but is not recorded"
	done
else
	[ "$drops" = 0 ] || fp_fail "fail-open dropped $drops packets"
	flood_pkts=$((sent_pkts - pout_pkts))
	((singles + summarised == flood_pkts)) ||
		fp_fail "flows: $flood_pkts flood flows went out, $singles recorded one by one + $summarised in summaries (generator: $flood_sent)"
	[ "$ok" = "$PROBES" ] || fp_fail "only $ok of $PROBES probes connected: $(grep -v '^ok' "$T/probes.out")"
	[ "$(awk '$2 == 1000' "$T/server.out" | wc -l)" = "$PROBES" ] || fp_fail "server: $(cat "$T/server.out")"
	IFS='|' read -r n fin opkts obytes rpkts rbytes mine < <(rel_sql "$DB" \
		"SELECT count(*), sum(close_reason = 'tcp_fin'), sum(orig_packets), sum(orig_bytes),
		        sum(resp_packets), sum(resp_bytes), sum(orig_bytes >= 1000 + 4 * 40)
		 FROM flows WHERE $PROBE_ROW AND untracked = 0;")
	rel_log "probes: $n rows, $fin closed by FIN, out $opkts/$obytes B, in $rpkts/$rbytes B"
	[ "$n|$fin|$mine" = "$PROBES|$PROBES|$PROBES" ] ||
		fp_fail "probes: $n tracked rows, $fin closed by their FIN, $mine with their 1000 bytes (want $PROBES each)"
	for sport in $(sed -n 's/^ok //p' "$T/probes.out"); do
		[ "$(rel_sql "$DB" "SELECT count(*) FROM flows WHERE $PROBE_ROW AND orig_port = $sport;")" = 1 ] ||
			fp_fail "probe from port $sport is not exactly one row"
	done
	[ "$opkts|$obytes|$rpkts|$rbytes" = "$pout_pkts|$pout_bytes|$pin_pkts|$pin_bytes" ] ||
		fp_fail "probe counters: recorded $opkts/$obytes out, $rpkts/$rbytes in; nftables counted $pout_pkts/$pout_bytes, $pin_pkts/$pin_bytes"
fi
if [ -n "$FLOWQ" ]; then
	"$FLOWQ" health --db "$DB" --format ndjson >"$T/health.json" || fp_fail "flowq health"
	python3 - "$T/health.json" <<'PY' || fp_fail "flowq health: $(cat "$T/health.json")"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]
assert r["is_final"] and r["lost"] == 0 and r["verdict"] == "degraded", r
PY
	"$FLOWQ" summary --db "$DB" --format ndjson >"$T/summary.json" || fp_fail "flowq summary"
	python3 - "$T/summary.json" "$((singles + summarised + PROBES))" "$summarised" "$FAIL_CLOSED" <<'PY' || fp_fail "flowq summary: $(head -3 "$T/summary.json")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
total = [r for r in rows if r["section"] == "total"][0]
assert total["summarized"] == int(sys.argv[3]), total
if sys.argv[4] != "1":
    assert total["flows"] == int(sys.argv[2]), total
assert any("/" in (r["dst_addr"] or "") for r in rows if r["section"] == "top_by_flows"), rows
PY
	"$FLOWQ" flows --db "$DB" --port $PORT --proto tcp --format ndjson >"$T/flows.json" || fp_fail "flowq flows"
	python3 - "$T/flows.json" "$FAIL_CLOSED" "$PROBES" <<'PY' || fp_fail "flowq flows --port: $(head -3 "$T/flows.json")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
flows = [r for r in rows if r["kind"] == "flow"]
summ = [r for r in rows if r["kind"] == "summary"]
if sys.argv[2] != "1":
    assert len(flows) == int(sys.argv[3]), len(flows)
assert all(r["flow_count"] >= 1 and r["orig_addr"] is None for r in summ), summ[:2]
PY
fi
echo "PASS: flood probe ($([ "$FAIL_CLOSED" = 1 ] && echo fail-closed || echo default options)): $flood_sent flood flows in $SECS s = $singles rows + $summarised summarised, $drops packets dropped; $ok/$PROBES probes connected and recorded"
