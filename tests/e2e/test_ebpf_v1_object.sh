#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end capture with an external object of the seed's v1 ABI:
#
#   test_ebpf_v1_object.sh FLOWREC FLOWQ V1_OBJECT
#
# V1_OBJECT is bpf/test_v1_producer.bpf.o (program cellos_flow_egress, ring
# buffer FLOW_EVENTS, one 40-byte record per new IPv4 5-tuple leaving the
# cell). flowrec loads it with --bpf-object, attaches it on the cell's egress,
# and every new flow must become one decision with reason ebpf_tc_observed.
. "$(dirname "$0")/lib.sh"

find_binaries "${1:-}" "${2:-}"
V1_OBJECT=${3:-${FLOWAUDIT_TEST_V1_OBJECT:-}}
[ -n "$V1_OBJECT" ] && [ -f "$V1_OBJECT" ] || fail "v1 producer object not found (argument 3): '$V1_OBJECT'"
K=${E2E_K:-4}
TCP_PORT=5201
UDP_PORT=5202
require_privileges
topology_direct
DB=$E2E_TMP/cell.db

start_bg "$E2E_TMP/server.log" ip netns exec "$SRV_NS" "$PYTHON" "$E2E_DIR/flow_peer.py" serve \
	--tcp-port $TCP_PORT --udp-port $UDP_PORT --tcp-conns $((2 * K)) --udp-datagrams $((2 * K)) \
	--timeout 60
SERVER=$BG_PID
wait_for_text "$E2E_TMP/server.log" READY 10 || fail "server did not start: $(cat "$E2E_TMP/server.log")"

start_bg "$E2E_TMP/flowrec.log" "$FLOWREC" --db "$DB" --cell cell-v1 --run run-v1 \
	--iface "$CELL_IF" --netns "$CELL_NS" --iface-side cell --bpf-object "$V1_OBJECT"
REC=$BG_PID
if ! wait_attached "$REC" "$CELL_NS" "$CELL_IF" 1 15; then
	log "flowrec output: $(cat "$E2E_TMP/flowrec.log")"
	if grep -qiE 'operation not permitted|not supported' "$E2E_TMP/flowrec.log"; then
		skip "this kernel does not let flowrec load/attach BPF: $(tail -1 "$E2E_TMP/flowrec.log")"
	fi
	fail "flowrec did not attach the v1 object within 15 s"
fi
pass "flowrec attached $V1_OBJECT to $CELL_IF"

# IPv6 too: the v1 producer ignores it, so it must leave no trace.
for dst in "$SRV_V4" "$SRV_V6"; do
	in_ns "$CELL_NS" "$PYTHON" "$E2E_DIR/flow_peer.py" send --dst "$dst" --tcp-port $TCP_PORT \
		--udp-port $UDP_PORT --count "$K" --tcp-bytes 1000 --udp-bytes 64 ||
		fail "client to $dst failed"
done
wait_pid "$SERVER" 30 || fail "server did not finish: $(cat "$E2E_TMP/server.log")"
sleep 0.5
stop_pid "$REC" 30 || fail "flowrec did not exit after SIGTERM"
[ "$STOP_RC" = 0 ] || fail "flowrec exited $STOP_RC: $(cat "$E2E_TMP/flowrec.log")"
pass "flowrec exited 0 after SIGTERM"
nothing_attached "$CELL_NS" "$CELL_IF"

dump_db() {
	cat "$E2E_TMP/flowrec.log"
	sqlite3 -header "$DB" "SELECT source, direction, reason_code, family, protocol, hex(src_addr),
		src_port, hex(dst_addr), dst_port, packet_count FROM flow_events_all"
	sqlite3 -header "$DB" "SELECT source, reason, hex(raw) FROM rejects"
}
E2E_ON_FAIL=dump_db

CELL4=$(hexaddr "$CELL_V4")
SRV4=$(hexaddr "$SRV_V4")
right="source = 'ebpf_v1' AND reason_code = 'ebpf_tc_observed' AND decision = 'allow'
       AND direction = 'egress' AND family = 4 AND hex(src_addr) = '$CELL4' AND hex(dst_addr) = '$SRV4'"
check_eq "v1 TCP decisions to server:$TCP_PORT" "$K" \
	"$(sql "$DB" "SELECT count(*) FROM flow_events_all WHERE $right AND protocol = 6 AND dst_port = $TCP_PORT")"
check_eq "v1 UDP decisions to server:$UDP_PORT" "$K" \
	"$(sql "$DB" "SELECT count(*) FROM flow_events_all WHERE $right AND protocol = 17 AND dst_port = $UDP_PORT")"
check_eq "v1 TCP/UDP decisions in all" $((2 * K)) \
	"$(sql "$DB" "SELECT count(*) FROM flow_events_all WHERE protocol IN (6, 17)")"
check_eq "IPv6 decisions (the v1 ABI has none)" 0 "$(sql "$DB" "SELECT count(*) FROM flow_events_all WHERE family = 6")"
check_eq "v1 flows closed at run end" $((2 * K)) \
	"$(sql "$DB" "SELECT count(*) FROM flows WHERE protocol IN (6, 17) AND state = 'closed' AND close_reason = 'run_end'")"
check_eq "rejects" 0 "$(sql "$DB" "SELECT count(*) FROM rejects")"
check_eq "run row" "ebpf|$CELL_IF|cell|clean" \
	"$(sql "$DB" "SELECT source, iface, iface_side, end_status FROM runs")"
exit 0
