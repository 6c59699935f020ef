#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# NFLOG overruns are counted, never ignored.
#
#   test_nflog_overrun.sh FLOWREC [FLOWQ]
#
# In a cell namespace an nftables rule drops UDP to one port and logs every
# packet to an NFLOG group. flowrec listens on the group and is stopped
# (SIGSTOP) while the cell sends FLOOD datagrams from one socket, far more
# than the 4 MiB socket buffer holds, so the kernel drops netlink messages
# (ENOBUFS). After SIGCONT a few datagrams more, sent slowly, carry sequence
# numbers past the gap. Then: the final health row counts the overruns and
# the lost packets, the one flow of the attempt carries the packets that
# arrived, and the two add up to every datagram sent; flowq health says
# "lost".
. "$(dirname "$0")/lib.sh"

find_binaries "${1:-}" "${2:-}"
GROUP=${E2E_NFLOG_GROUP:-29}
PORT=5301
FLOOD=${E2E_NFLOG_FLOOD:-100000}
AFTER=10

require_nflog

topology_direct
printf '%s\n' "table inet flowaudit_flood {" \
	"	chain output {" \
	"		type filter hook output priority filter; policy accept;" \
	"		udp dport $PORT log group $GROUP prefix \"cell-flood deny \" drop" \
	"	}" "}" | in_ns "$CELL_NS" nft -f - || skip "nftables cannot load an NFLOG rule here"

DB=$E2E_TMP/overrun.db
start_bg "$E2E_TMP/flowrec.log" "$FLOWREC" --db "$DB" --cell cell-flood --run flood \
	--netns "$CELL_NS" --nflog-group "$GROUP" --udp-idle-s 600
REC=$BG_PID
for _ in $(seq 100); do
	[ "$(sql "$DB" "SELECT count(*) FROM runs" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
[ "$(sql "$DB" "SELECT count(*) FROM runs")" = 1 ] || fail "flowrec did not start: $(cat "$E2E_TMP/flowrec.log")"

printf '%s\n' "import socket, sys, time" \
	"dst, port, n, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])" \
	"u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)" \
	"u.bind(('0.0.0.0', 40123))" \
	"for _ in range(n):" \
	"    try:" \
	"        u.sendto(b'f' * 64, (dst, port))" \
	"    except PermissionError:" \
	"        pass  # dropped by the output chain, as intended" \
	"    if pause:" \
	"        time.sleep(pause)" >"$E2E_TMP/flood.py"

kill -STOP "$REC"
in_ns "$CELL_NS" "$PYTHON" "$E2E_TMP/flood.py" "$SRV_V4" $PORT "$FLOOD" 0 || fail "flood"
kill -CONT "$REC"
sleep 1
in_ns "$CELL_NS" "$PYTHON" "$E2E_TMP/flood.py" "$SRV_V4" $PORT $AFTER 0.05 || fail "trailing datagrams"
sleep 1
stop_pid "$REC" 30
[ "$STOP_RC" = 0 ] || fail "flowrec exited $STOP_RC: $(cat "$E2E_TMP/flowrec.log")"

sent=$((FLOOD + AFTER))
read -r overruns lost <<<"$(sql "$DB" "SELECT nflog_overruns, nflog_lost FROM health WHERE is_final = 1" | tr '|' ' ')"
read -r decisions flows arrived <<<"$(sql "$DB" "SELECT (SELECT count(*) FROM flow_events_all),
	count(*), sum(orig_packets) FROM flows" | tr '|' ' ')"
log "sent $sent, arrived $arrived, lost $lost, overruns $overruns"
[ "${overruns:-0}" -ge 1 ] || fail "no overrun counted for $FLOOD datagrams into a stopped reader"
[ "${lost:-0}" -ge 1 ] || fail "overruns counted but no lost packets"
check_eq "one attempt: one decision, one flow" "1|1" "$decisions|$flows"
check_eq "arrived + lost = sent" "$sent" "$((arrived + lost))"
if [ -n "$FLOWQ" ]; then
	verdict=$("$FLOWQ" health --db "$DB" --format ndjson |
		"$PYTHON" -c 'import json, sys; print(json.loads(sys.stdin.readline())["verdict"])')
	check_eq "flowq health verdict" lost "$verdict"
fi
grep -q "overruns" "$E2E_TMP/flowrec.log" || fail "exit summary does not name the overruns"
exit 0
