#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Least privilege: flowrec --user (a throw-away system user created here and
# removed on exit) capturing a cell's veth in a namespace. While it runs,
# /proc/PID/status must show the user's uid in all four slots and an empty
# capability set (CapEff, CapPrm, CapInh, CapAmb all 0, NoNewPrivs 1), and
# the database, -wal and -shm files must be mode 0640 or stricter.
# Traffic is still recorded after the drop; the map fds still work after it:
# the idle sweep (a map iteration) closes flows with reason idle, the
# summaries of flows evicted from a 4-entry table are flushed (a test run of
# the flush program), and the per-CPU counters (a map lookup) reach the final
# health row. The kernel's kernel.unprivileged_bpf_disabled is logged.
#
# usage: test_privdrop.sh FLOWREC
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
FLOWREC=$1
rel_need_root
rel_need ip sqlite3 python3 useradd userdel
rel_setup
T=$REL_TMP
chmod 0755 "$T"
U=farel$$
useradd --system --no-create-home --shell /usr/sbin/nologin "$U" || rel_skip "cannot create a user"
REL_USERS+=("$U")
uid=$(id -u "$U")
rel_cell_with_sink rp$$ 10.78.0 # traffic goes to the sink, 10.78.0.9
rel_log "kernel.unprivileged_bpf_disabled = $(sysctl -n kernel.unprivileged_bpf_disabled 2>/dev/null)"

DB=$T/p.db
"$FLOWREC" --db "$DB" --cell c1 --run pd --iface fa0 --netns /run/netns/$CELL --user "$U" \
	--flow-table-entries 4 --flow-rate 10 --udp-idle-s 1 --stats-s 1 --batch-ms 50 2>"$T/err" &
pid=$!
REL_PIDS+=("$pid")
dropped() { grep -q "^Uid:[[:space:]]*$uid[[:space:]]" /proc/$pid/status 2>/dev/null; }
if ! rel_wait_until 20 dropped; then
	kill -0 "$pid" 2>/dev/null || {
		grep -qiE "not supported|bpf|attach" "$T/err" && rel_skip "eBPF source unavailable: $(head -1 "$T/err")"
		rel_fail "flowrec exited: $(cat "$T/err")"
	}
	rel_fail "flowrec did not switch to uid $uid: $(grep -E '^(Uid|Cap)' /proc/$pid/status)"
fi
status=$(grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapAmb|NoNewPrivs)' /proc/$pid/status)
rel_log "while running: $(echo "$status" | tr '\n\t' '  ')"
echo "$status" | grep -Eq "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid$" || rel_fail "uid not dropped everywhere: $status"
for c in CapEff CapPrm CapInh CapAmb; do
	echo "$status" | grep -Eq "^$c:[[:space:]]+0000000000000000$" || rel_fail "$c not empty: $status"
done
echo "$status" | grep -Eq "^NoNewPrivs:[[:space:]]+1$" || rel_fail "NoNewPrivs not set"

# 10 one-packet UDP flows at once, with a budget of about one report: the
# others are deferred, 6 of them evicted into summaries; the 4 left go idle.
ip netns exec $CELL python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in range(10):
    s.sendto(b"x", ("10.78.0.9", 2000 + p))' || rel_fail "traffic"
rel_wait_until 10 test -e "$DB-wal" || true
for f in "$DB" "$DB-wal" "$DB-shm"; do
	[ -e "$f" ] || rel_fail "$f missing while flowrec runs"
	m=$(stat -c %a "$f")
	(((8#$m & 8#137) == 0)) || rel_fail "$f has mode $m (wanted 0640 or stricter)"
	rel_log "$(stat -c '%n %a %U:%G' "$f")"
done
sleep 3 # two sweeps: the flows are idle after 1 s
kill -TERM "$pid"
rel_wait_exit "$pid" 30
[ "$REL_RC" = 0 ] || rel_fail "flowrec exit $REL_RC after SIGTERM: $(cat "$T/err")"
rel_log "flowrec: $(tail -1 "$T/err")"
grep -q "sweep failed" "$T/err" && rel_fail "the flow-table sweep failed after the drop: $(cat "$T/err")"
rel_integrity "$DB"
IFS='|' read -r opened evicted aggregated < <(rel_sql "$DB" "SELECT flows_opened, evicted, aggregated FROM health WHERE is_final = 1;")
idle=$(rel_sql "$DB" "SELECT count(*) FROM flows WHERE close_reason = 'idle' AND flow_count IS NULL;")
IFS='|' read -r summaries summarised < <(rel_sql "$DB" "SELECT count(*), coalesce(sum(flow_count), 0) FROM flows WHERE flow_count IS NOT NULL;")
events=$(rel_sql "$DB" "SELECT count(*) FROM flow_events_all;")
rel_log "after the drop: $events events, $opened flows opened, $idle closed idle by the sweep, $summarised in $summaries summaries; evicted $evicted, aggregated $aggregated"
[ "$opened" = 4 ] && [ "$events" = $((4 + summaries)) ] || rel_fail "expected 4 flows and the summaries recorded after the drop, got $events events / $opened opened / $summaries summaries"
[ "$idle" = 4 ] || rel_fail "the idle sweep (map iteration after the drop) closed $idle of 4 flows"
[ "$summarised" = 6 ] || rel_fail "$summarised flows in summaries, expected 6: the flush did not work after the drop"
[ "$evicted|$aggregated" = "6|6" ] || rel_fail "evicted $evicted, aggregated $aggregated, expected 6 each: the counters map was not readable after the drop"
echo "PASS: privdrop: uid $uid, no capabilities, files 0640, capture + sweep + flush + counters work after the drop"
