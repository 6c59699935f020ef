#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Floods: flowrec with a 4 KiB ring buffer and a 64-entry flow table records
# a cell (namespace) that sends FLOOD_FLOWS one-packet UDP flows, each a
# distinct 5-tuple, in bursts. No other IP packet crosses the link (IPv6 off,
# the destination is a static neighbour, the peer drops without ICMP). The
# table is far too small and the ring overflows, yet no flow may be lost:
# each one is recorded exactly once, as a row of its own (reported at once,
# or deferred and reported by a later packet, the sweep or an eviction's
# close) or inside a summary (deferred and evicted to make room). From the
# final health row and the rows:
#   rows of single flows + flows counted in summaries == flows sent
#   kernel_packets == flows sent, ring_drops == table_full == 0
#   flow_events rows == flows_opened + summary rows, orphan_closes == 0,
#   store_failures == 0
#   the pressure was real: evicted > 0 and ring_deferred > 0 (records that
#   waited for the ring)
# and flowq health reports the run as degraded, with nothing lost.
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
rel_wait_until 30 rel_attached "$pid" fa0 "$CELL" || true
kill -0 "$pid" 2>/dev/null || {
	grep -qiE "not supported|permission|bpf|attach" "$T/err" && rel_skip "eBPF source unavailable: $(head -1 "$T/err")"
	rel_fail "flowrec did not start: $(cat "$T/err")"
}

# Odd bursts are sent while flowrec is stopped (SIGSTOP, as a stalled disk
# would): the ring fills, and what the kernel cannot send waits or is summarised.
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
kill -TERM "$pid"
rel_wait_exit "$pid" 60
[ "$REL_RC" = 0 ] || rel_fail "flowrec exit $REL_RC: $(cat "$T/err")"
rel_integrity "$T/flood.db"
IFS='|' read -r opened ring full orphans fails events kpkts evicted waited < <(rel_sql "$T/flood.db" "SELECT h.flows_opened, h.ring_drops, h.table_full, h.orphan_closes, h.store_failures, (SELECT count(*) FROM flow_events_all), h.kernel_packets, h.evicted, h.ring_deferred FROM health h WHERE h.is_final = 1;")
IFS='|' read -r singles summaries summarised < <(rel_sql "$T/flood.db" "SELECT sum(flow_count IS NULL), sum(flow_count IS NOT NULL), coalesce(sum(flow_count), 0) FROM flows;")
rel_log "sent $SENT flows; kernel packets $kpkts; $singles recorded one by one, $summarised in $summaries summaries; evicted $evicted, records that waited for the ring $waited"
rel_log "flowrec: $(tail -1 "$T/err")"
[ "$kpkts" = $SENT ] || rel_fail "the program counted $kpkts IP packets, the generator sent $SENT (noise on the link?)"
((singles + summarised == SENT)) || rel_fail "$singles single flows + $summarised summarised != $SENT sent"
[ "$ring|$full" = "0|0" ] || rel_fail "lost: ring drops $ring, table full $full"
((evicted > 0 && waited > 0)) || rel_fail "no pressure with a 4 KiB ring and a 64-entry table (evicted $evicted, waited $waited)"
[ "$events" = $((opened + summaries)) ] && [ "$orphans" = 0 ] && [ "$fails" = 0 ] ||
	rel_fail "rows $events vs opened $opened + $summaries summaries, orphan closes $orphans, store failures $fails"
if [ -n "$FLOWQ" ]; then
	"$FLOWQ" health --db "$T/flood.db" --format ndjson >"$T/health.json" || rel_fail "flowq health"
	python3 - "$T/health.json" <<'PY' || rel_fail "flowq health does not report the pressure: $(cat "$T/health.json")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
final = [r for r in rows if r.get("is_final")]
assert final and final[-1]["lost"] == 0 and final[-1]["verdict"] == "degraded", final
PY
fi
echo "PASS: flood: $SENT flows = $singles recorded one by one + $summarised in $summaries summaries, none lost"
