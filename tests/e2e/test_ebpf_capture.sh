#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end capture with flowaudit's own tc program.
#
#   test_ebpf_capture.sh FLOWREC [FLOWQ] [cell|host]
#
# cell: a cell namespace and a server namespace joined by a veth; flowrec
#       attaches to the cell's end inside the cell namespace (--iface-side cell).
# host: the cell's veth ends in a "host" namespace that routes to the server
#       namespace; flowrec attaches to the host end (--iface-side host).
#
# The cell makes K TCP connections (B bytes each, clean FIN close) and K UDP
# flows (one datagram of U bytes each) over IPv4 and IPv6; then flowrec gets
# SIGTERM and the database must hold exactly those flows, egress, with exact
# UDP byte counts, TCP closed by FIN, one decision each, and nothing may be
# left attached. E2E_NO_TCX=1 makes flowrec use its clsact fallback
# (FLOWAUDIT_NO_TCX=1); E2E_PRECREATE_CLSACT=1 adds a clsact qdisc first, which
# must then survive flowrec. E2E_UDP_IDLE_S=1 gives flowrec --udp-idle-s 1 and
# waits for the sweep: UDP flows must then close as idle. The cell also sends
# R frames that are not IP and R IPv4 frames too short to parse: the final
# health row counts them (non_ip, truncated), as the kernel did. Exit 77 when it cannot run here (see lib.sh).
. "$(dirname "$0")/lib.sh"

find_binaries "${1:-}" "${2:-}"
SIDE=${3:-cell}
K=${E2E_K:-5}
TCP_BYTES=${E2E_TCP_BYTES:-20000}
UDP_BYTES=${E2E_UDP_BYTES:-200}
TCP_PORT=5101
UDP_PORT=5102
require_privileges

if [ "$SIDE" = host ]; then
	topology_routed
	REC_NS=$HOST_NS
	REC_IF=$HOST_IF
else
	topology_direct
	REC_NS=$CELL_NS
	REC_IF=$CELL_IF
fi
DB=$E2E_TMP/cell.db
if [ "${E2E_PRECREATE_CLSACT:-0}" = 1 ]; then
	in_ns "$REC_NS" tc qdisc add dev "$REC_IF" clsact || fail "tc qdisc add clsact"
fi
if [ "${E2E_NO_TCX:-0}" = 1 ]; then
	export FLOWAUDIT_NO_TCX=1
fi

start_bg "$E2E_TMP/server.log" ip netns exec "$SRV_NS" "$PYTHON" "$E2E_DIR/flow_peer.py" serve \
	--tcp-port $TCP_PORT --udp-port $UDP_PORT --tcp-conns $((2 * K)) --udp-datagrams $((2 * K)) \
	--timeout 60
SERVER=$BG_PID
wait_for_text "$E2E_TMP/server.log" READY 10 || fail "server did not start: $(cat "$E2E_TMP/server.log")"

start_bg "$E2E_TMP/flowrec.log" "$FLOWREC" --db "$DB" --cell cell-e2e --run "run-$SIDE" \
	--iface "$REC_IF" --netns "$REC_NS" --iface-side "$SIDE" --tcp-idle-s 300 \
	--udp-idle-s "${E2E_UDP_IDLE_S:-300}"
REC=$BG_PID
if ! wait_attached "$REC" "$REC_NS" "$REC_IF" 2 15; then
	log "flowrec output: $(cat "$E2E_TMP/flowrec.log")"
	if grep -qiE 'operation not permitted|load failed|not supported' "$E2E_TMP/flowrec.log"; then
		skip "this kernel does not let flowrec load/attach its BPF program: $(tail -1 "$E2E_TMP/flowrec.log")"
	fi
	fail "flowrec did not attach within 15 s"
fi
pass "flowrec attached to $REC_IF in $REC_NS (--iface-side $SIDE)"

for dst in "$SRV_V4" "$SRV_V6"; do
	in_ns "$CELL_NS" "$PYTHON" "$E2E_DIR/flow_peer.py" send --dst "$dst" --tcp-port $TCP_PORT \
		--udp-port $UDP_PORT --count "$K" --tcp-bytes "$TCP_BYTES" --udp-bytes "$UDP_BYTES" ||
		fail "client to $dst failed"
done
R=3
in_ns "$CELL_NS" "$PYTHON" "$E2E_DIR/flow_peer.py" raw --iface "$CELL_IF" --count $R ||
	fail "raw frames out of $CELL_IF failed"
wait_pid "$SERVER" 30 || fail "server did not finish: $(cat "$E2E_TMP/server.log")"
[ "$WAIT_RC" = 0 ] || fail "server: $(cat "$E2E_TMP/server.log")"
check_eq "server received" "tcp=$((2 * K)) tcp_bytes=$((2 * K * TCP_BYTES)) udp=$((2 * K)) udp_bytes=$((2 * K * UDP_BYTES))" \
	"$(tail -1 "$E2E_TMP/server.log")"
sleep 1 # the teardown's last ACKs, the ring buffer's last records
UDP_CLOSE="'run_end', 'idle'"
if [ -n "${E2E_UDP_IDLE_S:-}" ]; then
	sleep $((E2E_UDP_IDLE_S + 2)) # idle, then one sweep (every second)
	UDP_CLOSE="'idle'"
fi

stop_pid "$REC" 30 || fail "flowrec did not exit after SIGTERM"
[ "$STOP_RC" = 0 ] || fail "flowrec exited $STOP_RC: $(cat "$E2E_TMP/flowrec.log")"
pass "flowrec exited 0 after SIGTERM"

if [ "${E2E_PRECREATE_CLSACT:-0}" = 1 ]; then
	in_ns "$REC_NS" tc qdisc show dev "$REC_IF" | grep -q clsact ||
		fail "the clsact qdisc flowrec did not create was removed"
	pass "pre-existing clsact qdisc kept"
	in_ns "$REC_NS" tc qdisc del dev "$REC_IF" clsact
fi
nothing_attached "$REC_NS" "$REC_IF"

dump_db() {
	echo "--- flowrec output"
	cat "$E2E_TMP/flowrec.log"
	echo "--- flows"
	sqlite3 -header "$DB" "SELECT flow_id, family, protocol, direction, hex(orig_addr), orig_port,
		hex(resp_addr), resp_port, state, close_reason, orig_packets, orig_bytes, resp_packets,
		resp_bytes, open_seen FROM flows"
	echo "--- rejects"
	sqlite3 -header "$DB" "SELECT source, reason, hex(raw) FROM rejects"
	echo "--- health (final)"
	sqlite3 -header "$DB" "SELECT * FROM health WHERE is_final = 1"
}
E2E_ON_FAIL=dump_db

CELL4=$(hexaddr "$CELL_V4")
SRV4=$(hexaddr "$SRV_V4")
CELL6=$(hexaddr "$CELL_V6")
SRV6=$(hexaddr "$SRV_V6")
for fam in 4 6; do
	if [ $fam = 4 ]; then
		cell=$CELL4 srv=$SRV4 iphdr=20
	else
		cell=$CELL6 srv=$SRV6 iphdr=40
	fi
	right="family = $fam AND direction = 'egress' AND hex(orig_addr) = '$cell'
	       AND hex(resp_addr) = '$srv'"
	check_eq "IPv$fam TCP flows (any)" "$K" "$(sql "$DB" "SELECT count(*) FROM flows WHERE family = $fam AND protocol = 6")"
	check_eq "IPv$fam TCP flows, egress, cell -> server:$TCP_PORT" "$K" \
		"$(sql "$DB" "SELECT count(*) FROM flows WHERE $right AND protocol = 6 AND resp_port = $TCP_PORT")"
	check_eq "IPv$fam TCP flows closed by FIN" "$K" \
		"$(sql "$DB" "SELECT count(*) FROM flows WHERE family = $fam AND protocol = 6 AND state = 'closed' AND close_reason = 'tcp_fin'")"
	check_eq "IPv$fam TCP flows carrying >= $TCP_BYTES bytes from the cell" "$K" \
		"$(sql "$DB" "SELECT count(*) FROM flows WHERE family = $fam AND protocol = 6 AND orig_bytes >= $TCP_BYTES AND resp_bytes > 0")"
	check_eq "IPv$fam UDP flows (any)" "$K" "$(sql "$DB" "SELECT count(*) FROM flows WHERE family = $fam AND protocol = 17")"
	check_eq "IPv$fam UDP flows, egress, cell -> server:$UDP_PORT" "$K" \
		"$(sql "$DB" "SELECT count(*) FROM flows WHERE $right AND protocol = 17 AND resp_port = $UDP_PORT")"
	check_eq "IPv$fam UDP flows closed ($UDP_CLOSE)" "$K" \
		"$(sql "$DB" "SELECT count(*) FROM flows WHERE family = $fam AND protocol = 17 AND state = 'closed' AND close_reason IN ($UDP_CLOSE)")"
	check_eq "IPv$fam UDP flows of exactly 1 packet, $iphdr + 8 + $UDP_BYTES bytes" "$K" \
		"$(sql "$DB" "SELECT count(*) FROM flows WHERE family = $fam AND protocol = 17 AND orig_packets = 1 AND orig_bytes = $((iphdr + 8 + UDP_BYTES)) AND resp_packets = 0")"
done
check_eq "TCP/UDP flows without exactly one decision" 0 \
	"$(sql "$DB" "SELECT count(*) FROM flows f WHERE protocol IN (6, 17) AND (SELECT count(*) FROM flow_events_all e WHERE e.flow_id = f.flow_id) <> 1")"
check_eq "TCP/UDP decisions" $((4 * K)) \
	"$(sql "$DB" "SELECT count(*) FROM flow_events_all WHERE protocol IN (6, 17) AND direction = 'egress' AND decision = 'allow' AND reason_code = 'ebpf_tc_observed'")"
check_eq "flows still open" 0 "$(sql "$DB" "SELECT count(*) FROM flows WHERE state <> 'closed'")"
check_eq "rejects" 0 "$(sql "$DB" "SELECT count(*) FROM rejects")"
check_eq "final health: ring drops, table full" "0|0" \
	"$(sql "$DB" "SELECT ring_drops, table_full FROM health WHERE is_final = 1")"
# Every frame the cell sent past the program: exactly R truncated; the non-IP
# ones with the neighbour discovery (ARP) the test caused.
check_eq "final health: truncated" "$R" "$(sql "$DB" "SELECT truncated FROM health WHERE is_final = 1")"
check_eq "final health: at least $R frames not IP" 1 \
	"$(sql "$DB" "SELECT non_ip >= $R FROM health WHERE is_final = 1")"
check_eq "run row" "ebpf|$REC_IF|$SIDE|clean" \
	"$(sql "$DB" "SELECT source, iface, iface_side, end_status FROM runs")"

if [ -n "$FLOWQ" ] && [ -x "$FLOWQ" ]; then
	n=$("$FLOWQ" export --db "$DB" --format ndjson --proto udp | wc -l)
	check_eq "flowq export --proto udp" $((2 * K)) "$n"
fi
exit 0
