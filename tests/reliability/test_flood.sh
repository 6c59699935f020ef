#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Floods: flowrec with a 4 KiB ring buffer and a 64-entry flow table records
# a cell (namespace) that sends FLOOD_FLOWS one-packet UDP flows, each a
# distinct 5-tuple, in bursts. No other IP packet crosses the link (IPv6 off,
# the destination is a static neighbour, the peer drops without ICMP), so for
# every packet the tc program does exactly one of: open a flow whose record
# reaches the recorder (flows_opened), count a failed ring reserve
# (ring_drops; a UDP flow here never emits anything else), or count a full
# table (table_full). Invariants, from the final health row:
#   flows_opened + ring_drops + table_full == packets sent
#   FLOW_COUNTER_PACKETS (read with bpftool while running) == packets sent
#   flow_events rows == flows_opened, orphan_closes == 0, store_failures == 0
# and flowq health reports the run as lossy (lost == ring_drops + table_full).
# Between bursts the idle sweep (--udp-idle-s 1) frees the table; odd bursts
# are sent while flowrec is stopped, so the ring overflows too.
#
# usage: test_flood.sh FLOWREC [FLOWQ]
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
FLOWREC=$1 FLOWQ=${2:-}
rel_need_root
rel_need ip sqlite3 python3
rel_setup
T=$REL_TMP
BURSTS=${FLOOD_BURSTS:-6}
PER=${FLOOD_PER_BURST:-2000}
SENT=$((BURSTS * PER))
rel_cell_with_sink rf$$ 10.77.0 # the sink, 10.77.0.9, is nobody: the peer drops it quietly

"$FLOWREC" --db "$T/flood.db" --cell c1 --run flood --iface fa0 --netns /run/netns/$CELL \
	--ringbuf-bytes 4096 --flow-table-entries 64 --udp-idle-s 1 --stats-s 1 2>"$T/err" &
pid=$!
REL_PIDS+=("$pid")
rel_wait_until 20 rel_sql_ok "$T/flood.db" || true
sleep 1
kill -0 "$pid" 2>/dev/null || {
	grep -qiE "not supported|permission|bpf|attach" "$T/err" && rel_skip "eBPF source unavailable: $(head -1 "$T/err")"
	rel_fail "flowrec did not start: $(cat "$T/err")"
}

# Odd bursts are sent while flowrec is stopped (SIGSTOP, as a stalled disk
# would): the ring fills and the kernel must count what it cannot reserve.
for ((b = 0; b < BURSTS; b++)); do
	((b % 2)) && kill -STOP "$pid"
	ip netns exec $CELL python3 - "$b" "$PER" <<'PY' || { kill -CONT "$pid"; rel_fail "traffic generator"; }
import socket, sys
b, per = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
for i in range(per):
    s.sendto(b"x", ("10.77.0.9", 1024 + b * per + i))  # distinct dst port: distinct flow
PY
	((b % 2)) && kill -CONT "$pid"
	sleep 2.5 # the idle sweep empties the table between bursts
done
kernel_packets=""
if command -v bpftool >/dev/null; then
	kernel_packets=$(bpftool -j map dump name FLOW_COUNTERS 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for e in d:
    k = e.get("key"); k = int(k[0], 16) if isinstance(k, list) else int(k)
    if k == 0:
        print(sum(int(v["value"]) if not isinstance(v["value"], list) else int.from_bytes(bytes(int(x, 16) for x in v["value"]), "little") for v in e["values"]))
' 2>/dev/null)
fi
kill -TERM "$pid"
rel_wait_exit "$pid" 60
[ "$REL_RC" = 0 ] || rel_fail "flowrec exit $REL_RC: $(cat "$T/err")"
rel_integrity "$T/flood.db"
IFS='|' read -r opened ring full orphans fails events < <(rel_sql "$T/flood.db" "SELECT h.flows_opened, h.ring_drops, h.table_full, h.orphan_closes, h.store_failures, (SELECT count(*) FROM flow_events) FROM health h WHERE h.is_final = 1;")
rel_log "sent $SENT flows; kernel packets ${kernel_packets:-?}; opened $opened, ring drops $ring, table full $full; rows $events"
rel_log "flowrec: $(tail -1 "$T/err")"
[ -z "$kernel_packets" ] || [ "$kernel_packets" = $SENT ] ||
	rel_fail "the program counted $kernel_packets IP packets, the generator sent $SENT (noise on the link?)"
((opened + ring + full == SENT)) || rel_fail "opened $opened + ring drops $ring + table full $full != $SENT sent"
((ring + full > 0)) || rel_fail "no loss with a 4 KiB ring and a 64-entry table: the flood did not flood"
[ "$events" = "$opened" ] && [ "$orphans" = 0 ] && [ "$fails" = 0 ] ||
	rel_fail "rows $events vs opened $opened, orphan closes $orphans, store failures $fails"
if [ -n "$FLOWQ" ]; then
	"$FLOWQ" health --db "$T/flood.db" --format ndjson >"$T/health.json" || rel_fail "flowq health"
	python3 - "$T/health.json" $((ring + full)) <<'PY' || rel_fail "flowq health does not report the loss: $(cat "$T/health.json")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
final = [r for r in rows if r.get("is_final")]
assert final and final[-1]["lost"] == int(sys.argv[2]) and final[-1]["verdict"] != "ok", final
PY
fi
echo "PASS: flood: $SENT flows = $opened stored + $ring ring drops + $full table full"
