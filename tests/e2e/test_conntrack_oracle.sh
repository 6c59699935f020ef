#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The kernel's connection tracker as an oracle for flowrec's.
#
#   test_conntrack_oracle.sh FLOWREC [FLOWQ]
#
# A cell namespace and a server namespace joined by a veth with offloads off
# (segment counts exact). nf_conntrack runs in the cell's namespace with
# accounting on (nf_conntrack_acct=1) and `conntrack -E -o extended,id`
# records its events, next to flowrec on the cell's interface. A mixed workload
# (oracle_peer.py) covers: TCP closed by FIN, RST from either side, a
# connection the peer opens (ingress), one 5-tuple used twice, a connection
# still open at the stop, UDP one-way and request/response, ICMP echo sessions
# (two pings to one peer are two flows), IPv4 and IPv6 fragments, the cell's
# final ACK lost once, the cell's RST lost once (nft drops exactly one packet
# in the server's namespace, after both witnesses saw it), and an idle split.
# oracle_compare.py then compares flow by flow and prints the table; the
# expected differences (fragments, the idle split) are stated there. Short
# timeouts on both sides keep the run under a minute.
. "$(dirname "$0")/lib.sh"

find_binaries "${1:-}" "${2:-}"
require_privileges
for t in conntrack ethtool ping nft; do
	command -v $t >/dev/null || skip "$t not installed (scripts/install-deps.sh)"
done
modprobe nf_conntrack 2>/dev/null || true

TCP_IDLE=3
IDLE_WAIT=6 # the idle split: longer than TCP_IDLE plus one sweep
topology_direct
for ns_if in "$CELL_NS $CELL_IF" "$SRV_NS $SRV_IF"; do
	set -- $ns_if
	in_ns "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 ||
		fail "ethtool -K $2 (offloads off) failed"
done
# Conntrack in the cell: accounting on, short timeouts so entries end within the test.
in_ns "$CELL_NS" nft -f - <<NFT || fail "nft (cell conntrack)"
table inet oracle {
	chain out { type filter hook output priority 0; ct state new counter; }
	chain in { type filter hook input priority 0; ct state new counter; }
}
NFT
in_ns "$CELL_NS" sysctl -qw net.netfilter.nf_conntrack_acct=1 \
	net.netfilter.nf_conntrack_tcp_timeout_time_wait=3 \
	net.netfilter.nf_conntrack_tcp_timeout_close=3 \
	net.netfilter.nf_conntrack_udp_timeout=3 \
	net.netfilter.nf_conntrack_udp_timeout_stream=3 \
	net.netfilter.nf_conntrack_icmp_timeout=3 \
	net.netfilter.nf_conntrack_icmpv6_timeout=3 || fail "conntrack sysctls"
# Exactly one lost packet each: the cell's final ACK (port 6010), the cell's RST (6011).
in_ns "$SRV_NS" nft -f - <<NFT || fail "nft (drop one)"
table inet dropone {
	set armed { type ipv4_addr; flags dynamic; }
	set done { type ipv4_addr; flags dynamic; }
	set rstdone { type ipv4_addr; flags dynamic; }
	chain in {
		type filter hook input priority -10;
		tcp dport 6010 tcp flags == ack ip saddr @armed delete @armed { ip saddr } counter drop
		tcp dport 6010 tcp flags == ack ip saddr != @done add @armed { ip saddr } add @done { ip saddr }
		tcp dport 6011 tcp flags & rst == rst ip saddr != @rstdone add @rstdone { ip saddr } counter drop
	}
}
NFT

DB=$E2E_TMP/cell.db
PEER="$E2E_DIR/oracle_peer.py"
start_bg "$E2E_TMP/conntrack.log" ip netns exec "$CELL_NS" conntrack -E -o extended,id
CT_PID=$BG_PID
start_bg "$E2E_TMP/server.log" ip netns exec "$SRV_NS" "$PYTHON" "$PEER" serve --timeout 90 \
	--idle $IDLE_WAIT
wait_for_text "$E2E_TMP/server.log" READY 10 || fail "server: $(cat "$E2E_TMP/server.log")"
start_bg "$E2E_TMP/cellserver.log" ip netns exec "$CELL_NS" "$PYTHON" "$PEER" cell-serve --timeout 90
wait_for_text "$E2E_TMP/cellserver.log" READY 10 || fail "cell server: $(cat "$E2E_TMP/cellserver.log")"

start_bg "$E2E_TMP/flowrec.log" "$FLOWREC" --db "$DB" --cell oracle --run "run-$$" \
	--iface "$CELL_IF" --netns "$CELL_NS" --iface-side cell --tcp-idle-s $TCP_IDLE --udp-idle-s 2
REC=$BG_PID
wait_attached "$REC" "$CELL_NS" "$CELL_IF" 2 15 || fail "flowrec did not attach: $(cat "$E2E_TMP/flowrec.log")"
pass "flowrec and conntrack -E running in the cell namespace"

cell() { in_ns "$CELL_NS" "$PYTHON" "$PEER" "$@" || fail "case $1 failed"; }
start_bg "$E2E_TMP/longlived.log" ip netns exec "$CELL_NS" "$PYTHON" "$PEER" long_lived \
	--dst "$SRV_V4" --stop-file "$E2E_TMP/quiet"
LONG=$BG_PID
start_bg "$E2E_TMP/idlesplit.log" ip netns exec "$CELL_NS" "$PYTHON" "$PEER" idle_split \
	--dst "$SRV_V4" --idle $IDLE_WAIT
SPLIT=$BG_PID
cell tcp_fin --dst "$SRV_V4"
cell tcp_fin --dst "$SRV_V6"
cell tcp_rst_cell --dst "$SRV_V4"
cell tcp_rst_peer --dst "$SRV_V6"
in_ns "$SRV_NS" "$PYTHON" "$PEER" ingress --dst "$CELL_V4" || fail "case ingress failed"
cell reuse --dst "$SRV_V4"
cell udp_oneway --dst "$SRV_V4"
cell udp_reqresp --dst "$SRV_V6"
cell udp_frag --dst "$SRV_V4" --count 2
cell udp_frag --dst "$SRV_V6" --count 1
cell lost_final_ack --dst "$SRV_V4"
cell lost_rst --dst "$SRV_V4"
in_ns "$CELL_NS" ping -q -c 3 -i 0.2 "$SRV_V4" >/dev/null || fail "ping 1"
in_ns "$CELL_NS" ping -q -c 2 -i 0.2 "$SRV_V4" >/dev/null || fail "ping 2"
in_ns "$CELL_NS" ping -q -c 2 -i 0.2 -s 3000 "$SRV_V4" >/dev/null || fail "ping -s 3000"
in_ns "$CELL_NS" ping -q -c 2 -i 0.2 "$SRV_V6" >/dev/null || fail "ping v6"
wait_pid "$SPLIT" 30 || fail "idle split case did not finish"
[ "$WAIT_RC" = 0 ] || fail "idle split case: $(cat "$E2E_TMP/idlesplit.log")"
check_eq "nft dropped the final ACK and the RST once each" "2" \
	"$(in_ns "$SRV_NS" nft list table inet dropone | grep -c 'counter packets 1 ')"

# Let every short-lived entry end on both sides (conntrack timeouts 3 s, flowrec's
# linger 4 s, idle 2-3 s, sweeps every second), then quiet the long-lived flow,
# list what is alive and stop flowrec at once.
sleep 6
touch "$E2E_TMP/quiet"
wait_for_text "$E2E_TMP/longlived.log" QUIET 5 || fail "long-lived flow did not quiet down"
sleep 0.3
in_ns "$CELL_NS" conntrack -L -o extended,id >"$E2E_TMP/conntrack.list" 2>/dev/null
stop_pid "$REC" 30 || fail "flowrec did not exit after SIGTERM"
[ "$STOP_RC" = 0 ] || fail "flowrec exited $STOP_RC: $(cat "$E2E_TMP/flowrec.log")"
stop_pid "$CT_PID" 5
stop_pid "$LONG" 5

dump() {
	echo "--- flowrec"; cat "$E2E_TMP/flowrec.log"
	echo "--- conntrack events"; cat "$E2E_TMP/conntrack.log"
	echo "--- conntrack list"; cat "$E2E_TMP/conntrack.list"
	echo "--- flows"
	sqlite3 -header "$DB" "SELECT flow_id, protocol, direction, orig_port, resp_port, icmp_type,
		icmp_id, state, close_reason, midstream, orig_packets, orig_bytes, resp_packets,
		resp_bytes FROM flows"
}
E2E_ON_FAIL=dump
"$PYTHON" "$E2E_DIR/oracle_compare.py" "$DB" "$E2E_TMP/conntrack.log" "$E2E_TMP/conntrack.list" \
	>"$E2E_TMP/table.md" || { cat "$E2E_TMP/table.md"; fail "flowrec and conntrack disagree"; }
cat "$E2E_TMP/table.md" >&2
pass "every case agrees with conntrack, or differs only as expected"
check_eq "unmatched fragments" 0 "$(sql "$DB" "SELECT frag_unmatched FROM health WHERE is_final = 1")"
check_eq "rejects" 0 "$(sql "$DB" "SELECT count(*) FROM rejects")"
if [ -n "$FLOWQ" ] && [ -x "$FLOWQ" ]; then
	check_eq "ICMP decisions export no port" 0 \
		"$("$FLOWQ" export --db "$DB" --proto icmp --format ndjson | grep -vc '"dst_port":null')"
	check_eq "flowq export --port 2048 matches no ping" 0 \
		"$("$FLOWQ" export --db "$DB" --port 2048 --format ndjson | wc -l)"
	check_eq "flowq flows shows the midstream flow" 1 \
		"$("$FLOWQ" flows --db "$DB" --format ndjson | grep -c '"midstream":true')"
fi
exit 0
