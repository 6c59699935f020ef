#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end NFLOG capture of denied traffic.
#
#   test_nflog.sh FLOWREC [FLOWQ]
#
# A cell namespace and a server namespace joined by a veth. In the cell, an
# nftables output chain drops TCP to DENY_TCP and UDP to DENY_UDP, logging
# each packet to NFLOG group GROUP with the prefixes "cell-egress-tcp deny " and
# "cell-egress-udp deny ", and accepts the rest.
#
# Run 1, NFLOG alone (--netns CELL --nflog-group GROUP, --udp-idle-s 2): one
# TCP connect attempt per family (3 s timeout: the SYN is retried), three
# datagrams per family from one socket, then, once that UDP flow has gone idle,
# one more datagram from the same socket. Expected: one deny decision per
# attempt (reason nflog_match, the rule reference, addresses and ports), the
# SYN retries and the datagrams counted on it (>= 2 and exactly 3 packets),
# and the datagram after the idle close a new decision of 1 packet.
#
# Run 2, NFLOG with the eBPF source (--iface too): the same denied attempts
# plus allowed TCP and UDP to a server; one time-ordered `flowq export` must
# show the NFLOG denies and the eBPF allows. Run 2 needs a flowrec built with
# BPF and a kernel that lets it attach; without them it is skipped (exit 77 if
# run 1 could not run either), and fails under FLOWAUDIT_REQUIRE_BPF=1.
. "$(dirname "$0")/lib.sh"

find_binaries "${1:-}" "${2:-}"
GROUP=${E2E_NFLOG_GROUP:-23}
DENY_TCP=5201
DENY_UDP=5202
ALLOW_TCP=5203
ALLOW_UDP=5204
UDP_PAYLOAD=100

require_nflog

topology_direct

nft_rules() {
	cat <<EOF
table inet flowaudit_cell {
	chain output {
		type filter hook output priority filter; policy accept;
		tcp dport $DENY_TCP log group $GROUP prefix "cell-egress-tcp deny " drop
		udp dport $DENY_UDP log group $GROUP prefix "cell-egress-udp deny " drop
	}
}
EOF
}
if ! nft_rules | in_ns "$CELL_NS" nft -f - 2>"$E2E_TMP/nft.err"; then
	skip "nftables cannot load an NFLOG rule here: $(head -3 "$E2E_TMP/nft.err")"
fi
pass "nftables drop+log rules loaded in $CELL_NS (group $GROUP)"

# The denied client: TCP attempts (v4 and v6 at once) and datagrams; prints its source ports as JSON.
cat >"$E2E_TMP/deny_client.py" <<'EOF'
import json, socket, sys, threading, time

srv4, srv6, tport, uport, payload, idle_wait = sys.argv[1:7]
tport, uport, payload, idle_wait = int(tport), int(uport), int(payload), float(idle_wait)
out = {}

def tcp(tag, fam, addr):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.bind(("0.0.0.0" if fam == socket.AF_INET else "::", 0))
    out[tag] = s.getsockname()[1]
    s.settimeout(3)
    try:
        s.connect((addr, tport))
        out[tag + "_outcome"] = "connected"
    except socket.timeout:
        out[tag + "_outcome"] = "timeout"
    except OSError as e:
        out[tag + "_outcome"] = "error " + str(e.errno)
    s.close()

def udp_socket(tag, fam):
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0" if fam == socket.AF_INET else "::", 0))
    out[tag] = u.getsockname()[1]
    return u

def send(u, addr, n):
    for _ in range(n):
        try:
            u.sendto(b"d" * payload, (addr, uport))
        except PermissionError:
            pass  # the output chain dropped it: EPERM to the sender
        time.sleep(0.05)

threads = [threading.Thread(target=tcp, args=("tcp4", socket.AF_INET, srv4)),
           threading.Thread(target=tcp, args=("tcp6", socket.AF_INET6, srv6))]
for t in threads:
    t.start()
u4 = udp_socket("udp4", socket.AF_INET)
u6 = udp_socket("udp6", socket.AF_INET6)
send(u4, srv4, 3)
send(u6, srv6, 3)
for t in threads:
    t.join()
if idle_wait > 0:
    time.sleep(idle_wait)
    send(u4, srv4, 1)
print(json.dumps(out), flush=True)
EOF

dump_db() {
	echo "--- flowrec output"
	cat "$E2E_TMP"/flowrec*.log
	for db in "$E2E_TMP"/*.db; do
		echo "--- $db: flow_events"
		sqlite3 -header "$db" "SELECT seq, source, direction, decision, reason_code, nft_rule_ref,
			nflog_prefix, family, protocol, hex(src_addr), src_port, hex(dst_addr), dst_port,
			packet_count, byte_count, flow_id FROM flow_events_all"
		echo "--- flows"
		sqlite3 -header "$db" "SELECT flow_id, family, protocol, direction, orig_port, resp_port,
			state, close_reason, orig_packets, orig_bytes FROM flows"
		echo "--- rejects"
		sqlite3 -header "$db" "SELECT source, reason, hex(raw) FROM rejects"
		echo "--- health (final)"
		sqlite3 -header "$db" "SELECT * FROM health WHERE is_final = 1"
	done
}
E2E_ON_FAIL=dump_db

CELL4=$(hexaddr "$CELL_V4")
SRV4=$(hexaddr "$SRV_V4")
CELL6=$(hexaddr "$CELL_V6")
SRV6=$(hexaddr "$SRV_V6")
SRV_V6_TEXT=$("$PYTHON" -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]))' "$SRV_V6")

# wait_run DB SECONDS: until flowrec has committed its runs row (its sources are up).
wait_run() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ "$(sql "$1" "SELECT count(*) FROM runs" 2>/dev/null)" = 1 ] && return 0
		kill -0 "$REC" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# port_of JSON KEY
port_of() { "$PYTHON" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# check_deny DB FAM PROTO SRC_PORT DST_PORT RULE PACKETS_SQL_CONDITION: the one decision of an attempt.
check_deny() {
	local db=$1 fam=$2 proto=$3 sport=$4 dport=$5 rule=$6 cond=$7 cell srv
	if [ "$fam" = 4 ]; then cell=$CELL4 srv=$SRV4; else cell=$CELL6 srv=$SRV6; fi
	local where="e.family = $fam AND e.protocol = $proto AND e.src_port = $sport AND e.dst_port = $dport"
	check_eq "IPv$fam proto $proto $sport -> $dport: decisions" 1 \
		"$(sql "$db" "SELECT count(*) FROM flow_events_all e WHERE $where")"
	check_eq "IPv$fam proto $proto $sport -> $dport: the decision" \
		"nflog|egress|deny|nflog_match|$rule|$rule deny |$cell|$srv" \
		"$(sql "$db" "SELECT source, direction, decision, reason_code, nft_rule_ref, nflog_prefix,
			hex(src_addr), hex(dst_addr) FROM flow_events_all e WHERE $where")"
	check_eq "IPv$fam proto $proto $sport -> $dport: packets ($cond)" 1 \
		"$(sql "$db" "SELECT count(*) FROM flow_events_all e JOIN flows f ON f.flow_id = e.flow_id
			WHERE $where AND f.direction = 'egress' AND f.resp_packets = 0 AND $cond")"
}

# check_export FLOWQ_OUTPUT_FILE EXPECTATIONS_JSON: every expected record present, in time order.
check_export() {
	"$PYTHON" - "$1" "$2" <<'EOF' || fail "flowq export: $(cat "$E2E_TMP/export.err" 2>/dev/null)"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
want = json.loads(sys.argv[2])
times = [r["observed_at"] for r in recs]
if times != sorted(times):
    sys.exit("export is not in time order: %s" % times)
for w in want:
    hits = [r for r in recs if all(r.get(k) == v for k, v in w["match"].items())]
    if len(hits) != 1:
        sys.exit("expected exactly one record matching %s, got %d: %s" % (w["match"], len(hits), recs))
    pc = hits[0]["packet_count"]
    if pc is None or pc < w["min_packets"] or ("max_packets" in w and pc > w["max_packets"]):
        sys.exit("record %s: packet_count %s outside [%s, %s]" % (w["match"], pc, w["min_packets"], w.get("max_packets")))
print("export: %d records checked, %d in time order" % (len(want), len(recs)))
EOF
	pass "flowq export shows the expected decisions, time-ordered"
}

# deny_expectations: the export records of the denied attempts (JSON objects, comma-separated).
deny_expectations() {
	printf '{"match":{"decision":"deny","reason_code":"nflog_match","nft_rule_ref":"cell-egress-tcp","protocol":"tcp","dst_port":%d,"dst_addr":"%s","direction":"egress"},"min_packets":2},' \
		$DENY_TCP "$SRV_V4"
	printf '{"match":{"decision":"deny","reason_code":"nflog_match","nft_rule_ref":"cell-egress-tcp","protocol":"tcp","dst_port":%d,"dst_addr":"%s","direction":"egress"},"min_packets":2},' \
		$DENY_TCP "$SRV_V6_TEXT"
	printf '{"match":{"decision":"deny","reason_code":"nflog_match","nft_rule_ref":"cell-egress-udp","protocol":"udp","dst_port":%d,"dst_addr":"%s","direction":"egress","byte_count":%d},"min_packets":3,"max_packets":3}' \
		$DENY_UDP "$SRV_V6_TEXT" $((3 * (40 + 8 + UDP_PAYLOAD)))
}

#
# Run 1: NFLOG alone.
#
DB1=$E2E_TMP/nflog.db
start_bg "$E2E_TMP/flowrec1.log" "$FLOWREC" --db "$DB1" --cell cell-e2e --run nflog-only \
	--netns "$CELL_NS" --nflog-group "$GROUP" --udp-idle-s 2 --tcp-idle-s 300 \
	--tee "$E2E_TMP/nflog.tee"
REC=$BG_PID
if ! wait_run "$DB1" 15; then
	wait_pid "$REC" 5
	if grep -qi 'nfnetlink_log' "$E2E_TMP/flowrec1.log"; then
		skip "no NFLOG support in this kernel: $(tail -1 "$E2E_TMP/flowrec1.log")"
	fi
	fail "flowrec --nflog-group did not start: $(cat "$E2E_TMP/flowrec1.log")"
fi
pass "flowrec bound NFLOG group $GROUP in $CELL_NS"

PORTS1=$(in_ns "$CELL_NS" "$PYTHON" "$E2E_TMP/deny_client.py" "$SRV_V4" "$SRV_V6" $DENY_TCP \
	$DENY_UDP $UDP_PAYLOAD 4) || fail "denied client failed"
log "run 1 client: $PORTS1"
case $PORTS1 in
*connected*) fail "a TCP connect to the dropped port $DENY_TCP succeeded: $PORTS1" ;;
esac
sleep 0.5 # the group's 10 ms flush, the loop's batch
stop_pid "$REC" 30 || fail "flowrec did not exit after SIGTERM"
[ "$STOP_RC" = 0 ] || fail "flowrec exited $STOP_RC: $(cat "$E2E_TMP/flowrec1.log")"
pass "flowrec exited 0 after SIGTERM"

UDP_BYTES=$((3 * (20 + 8 + UDP_PAYLOAD)))
UDP6_BYTES=$((3 * (40 + 8 + UDP_PAYLOAD)))
check_deny "$DB1" 4 6 "$(port_of "$PORTS1" tcp4)" $DENY_TCP cell-egress-tcp "f.orig_packets >= 2"
check_deny "$DB1" 6 6 "$(port_of "$PORTS1" tcp6)" $DENY_TCP cell-egress-tcp "f.orig_packets >= 2"
check_deny "$DB1" 6 17 "$(port_of "$PORTS1" udp6)" $DENY_UDP cell-egress-udp \
	"f.orig_packets = 3 AND f.orig_bytes = $UDP6_BYTES"
# IPv4 UDP: 3 datagrams, idle close, then 1 more from the same socket: two decisions.
U4=$(port_of "$PORTS1" udp4)
check_eq "IPv4 UDP $U4 -> $DENY_UDP: decisions (3 datagrams, idle, 1 datagram)" \
	"3|$UDP_BYTES|idle|deny|cell-egress-udp
1|$((20 + 8 + UDP_PAYLOAD))|run_end|deny|cell-egress-udp" \
	"$(sql "$DB1" "SELECT f.orig_packets, f.orig_bytes, f.close_reason, e.decision, e.nft_rule_ref
		FROM flow_events_all e JOIN flows f ON f.flow_id = e.flow_id
		WHERE e.family = 4 AND e.protocol = 17 AND e.src_port = $U4 AND e.dst_port = $DENY_UDP
		ORDER BY e.seq")"
check_eq "decisions in run 1" 5 "$(sql "$DB1" "SELECT count(*) FROM flow_events_all")"
check_eq "rejects" 0 "$(sql "$DB1" "SELECT count(*) FROM rejects")"
check_eq "flows still open" 0 "$(sql "$DB1" "SELECT count(*) FROM flows WHERE state <> 'closed'")"
check_eq "final health: nflog overruns, store failures" "0|0" \
	"$(sql "$DB1" "SELECT nflog_overruns, store_failures FROM health WHERE is_final = 1")"
check_eq "run row" "nflog|$CELL_NS|clean" "$(sql "$DB1" "SELECT source, netns, end_status FROM runs")"

# The --tee capture replays: every NFLOG frame decodes to the same decision.
DECISIONS="SELECT source, direction, decision, reason_code, nft_rule_ref, nflog_prefix, family,
	protocol, hex(src_addr), src_port, hex(dst_addr), dst_port, packet_count, byte_count,
	first_seen_kns FROM flow_events_all"
# (The idle timeouts are the run's options, as the ids are: given again.)
"$FLOWREC" --db "$E2E_TMP/replay1.db" --cell cell-e2e --run nflog-only --replay "$E2E_TMP/nflog.tee" \
	--udp-idle-s 2 --tcp-idle-s 300 \
	--quiet >"$E2E_TMP/replay1.log" 2>&1 || fail "replay of the NFLOG capture: $(cat "$E2E_TMP/replay1.log")"
check_eq "replayed NFLOG capture: records received, decoded, rejected" \
	"$(sql "$DB1" "SELECT received FROM health WHERE is_final = 1")|$(sql "$DB1" "SELECT received FROM health WHERE is_final = 1")|0" \
	"$(sql "$E2E_TMP/replay1.db" "SELECT received, decoded, rejected FROM health WHERE is_final = 1")"
check_eq "replayed NFLOG capture: TCP and IPv6 decisions identical" \
	"$(sql "$DB1" "$DECISIONS WHERE protocol = 6 OR family = 6 ORDER BY seq")" \
	"$(sql "$E2E_TMP/replay1.db" "$DECISIONS WHERE protocol = 6 OR family = 6 ORDER BY seq")"
# The tee's header carries the run's clock: the replay's export is the run's, byte for byte.
if [ -n "$FLOWQ" ] && [ -x "$FLOWQ" ]; then
	check_eq "replayed NFLOG capture: the same export, byte for byte" \
		"$("$FLOWQ" export --db "$DB1" --format cbor-seq | sha256sum)" \
		"$("$FLOWQ" export --db "$E2E_TMP/replay1.db" --format cbor-seq | sha256sum)"
fi

if [ -n "$FLOWQ" ] && [ -x "$FLOWQ" ]; then
	"$FLOWQ" export --db "$DB1" --format ndjson >"$E2E_TMP/export1.ndjson" 2>"$E2E_TMP/export.err" ||
		fail "flowq export failed: $(cat "$E2E_TMP/export.err")"
	check_export "$E2E_TMP/export1.ndjson" "[$(deny_expectations)]"
else
	log "flowq not built: export not checked"
fi

#
# Run 2: NFLOG and eBPF together.
#
start_bg "$E2E_TMP/server.log" ip netns exec "$SRV_NS" "$PYTHON" "$E2E_DIR/flow_peer.py" serve \
	--tcp-port $ALLOW_TCP --udp-port $ALLOW_UDP --tcp-conns 2 --udp-datagrams 2 --timeout 60
SERVER=$BG_PID
wait_for_text "$E2E_TMP/server.log" READY 10 || fail "server did not start: $(cat "$E2E_TMP/server.log")"

DB2=$E2E_TMP/combined.db
start_bg "$E2E_TMP/flowrec2.log" "$FLOWREC" --db "$DB2" --cell cell-e2e --run nflog-ebpf \
	--iface "$CELL_IF" --netns "$CELL_NS" --iface-side cell --nflog-group "$GROUP" \
	--udp-idle-s 300 --tcp-idle-s 300 --tee "$E2E_TMP/combined.tee"
REC=$BG_PID
if ! wait_run "$DB2" 15; then
	wait_pid "$REC" 5
	reason=$(tail -1 "$E2E_TMP/flowrec2.log")
	if [ "${FLOWAUDIT_REQUIRE_BPF:-0}" = 1 ]; then
		fail "flowrec --iface --nflog-group did not start (FLOWAUDIT_REQUIRE_BPF=1): $reason"
	fi
	log "SKIP run 2 (eBPF + NFLOG): flowrec could not start its eBPF source: $reason"
	exit 0
fi
pass "flowrec runs the eBPF and NFLOG sources together"

PORTS2=$(in_ns "$CELL_NS" "$PYTHON" "$E2E_TMP/deny_client.py" "$SRV_V4" "$SRV_V6" $DENY_TCP \
	$DENY_UDP $UDP_PAYLOAD 0) || fail "denied client failed"
log "run 2 client: $PORTS2"
for dst in "$SRV_V4" "$SRV_V6"; do
	in_ns "$CELL_NS" "$PYTHON" "$E2E_DIR/flow_peer.py" send --dst "$dst" --tcp-port $ALLOW_TCP \
		--udp-port $ALLOW_UDP --count 1 --tcp-bytes 1000 --udp-bytes $UDP_PAYLOAD ||
		fail "allowed client to $dst failed"
done
wait_pid "$SERVER" 30 || fail "server did not finish: $(cat "$E2E_TMP/server.log")"
[ "$WAIT_RC" = 0 ] || fail "server: $(cat "$E2E_TMP/server.log")"
sleep 1
stop_pid "$REC" 30 || fail "flowrec did not exit after SIGTERM"
[ "$STOP_RC" = 0 ] || fail "flowrec exited $STOP_RC: $(cat "$E2E_TMP/flowrec2.log")"
pass "flowrec (eBPF + NFLOG) exited 0 after SIGTERM"
nothing_attached "$CELL_NS" "$CELL_IF"

check_deny "$DB2" 4 6 "$(port_of "$PORTS2" tcp4)" $DENY_TCP cell-egress-tcp "f.orig_packets >= 2"
check_deny "$DB2" 6 6 "$(port_of "$PORTS2" tcp6)" $DENY_TCP cell-egress-tcp "f.orig_packets >= 2"
check_deny "$DB2" 4 17 "$(port_of "$PORTS2" udp4)" $DENY_UDP cell-egress-udp \
	"f.orig_packets = 3 AND f.orig_bytes = $UDP_BYTES"
check_deny "$DB2" 6 17 "$(port_of "$PORTS2" udp6)" $DENY_UDP cell-egress-udp \
	"f.orig_packets = 3 AND f.orig_bytes = $UDP6_BYTES"
check_eq "allowed decisions from the eBPF source" "6|2
17|2" \
	"$(sql "$DB2" "SELECT protocol, count(*) FROM flow_events_all WHERE source LIKE 'ebpf%'
		AND decision = 'allow' AND reason_code = 'ebpf_tc_observed' AND direction = 'egress'
		AND dst_port IN ($ALLOW_TCP, $ALLOW_UDP) GROUP BY protocol ORDER BY protocol")"
check_eq "eBPF decisions for the dropped ports (dropped before tc egress)" 0 \
	"$(sql "$DB2" "SELECT count(*) FROM flow_events_all WHERE source LIKE 'ebpf%' AND dst_port IN ($DENY_TCP, $DENY_UDP)")"
check_eq "NFLOG decisions in run 2" 4 "$(sql "$DB2" "SELECT count(*) FROM flow_events_all WHERE source = 'nflog'")"
check_eq "rejects" 0 "$(sql "$DB2" "SELECT count(*) FROM rejects")"
check_eq "final health: ring drops, table full, nflog overruns" "0|0|0" \
	"$(sql "$DB2" "SELECT ring_drops, table_full, nflog_overruns FROM health WHERE is_final = 1")"
"$FLOWREC" --db "$E2E_TMP/replay2.db" --cell cell-e2e --run nflog-ebpf --replay "$E2E_TMP/combined.tee" \
	--udp-idle-s 300 --tcp-idle-s 300 \
	--quiet >"$E2E_TMP/replay2.log" 2>&1 || fail "replay of the combined capture: $(cat "$E2E_TMP/replay2.log")"
check_eq "replayed eBPF + NFLOG capture: the same decisions" \
	"$(sql "$DB2" "$DECISIONS ORDER BY seq")" "$(sql "$E2E_TMP/replay2.db" "$DECISIONS ORDER BY seq")"
if [ -n "$FLOWQ" ] && [ -x "$FLOWQ" ]; then
	check_eq "replayed eBPF + NFLOG capture: the same export, byte for byte" \
		"$("$FLOWQ" export --db "$DB2" --format cbor-seq | sha256sum)" \
		"$("$FLOWQ" export --db "$E2E_TMP/replay2.db" --format cbor-seq | sha256sum)"
fi
check_eq "run row names both sources" 1 "$(sql "$DB2" "SELECT count(*) FROM runs WHERE source LIKE '%ebpf%' AND source LIKE '%nflog%'")"

if [ -n "$FLOWQ" ] && [ -x "$FLOWQ" ]; then
	"$FLOWQ" export --db "$DB2" --format ndjson >"$E2E_TMP/export2.ndjson" 2>"$E2E_TMP/export.err" ||
		fail "flowq export failed: $(cat "$E2E_TMP/export.err")"
	allow=$(printf '{"match":{"decision":"allow","reason_code":"ebpf_tc_observed","protocol":"%s","dst_addr":"%s","dst_port":%d},"min_packets":1}' \
		tcp "$SRV_V4" $ALLOW_TCP)
	allow6=$(printf '{"match":{"decision":"allow","reason_code":"ebpf_tc_observed","protocol":"%s","dst_addr":"%s","dst_port":%d},"min_packets":1}' \
		udp "$SRV_V6_TEXT" $ALLOW_UDP)
	udp4=$(printf '{"match":{"decision":"deny","reason_code":"nflog_match","nft_rule_ref":"cell-egress-udp","protocol":"udp","dst_port":%d,"dst_addr":"%s","byte_count":%d},"min_packets":3,"max_packets":3}' \
		$DENY_UDP "$SRV_V4" $UDP_BYTES)
	check_export "$E2E_TMP/export2.ndjson" "[$(deny_expectations),$udp4,$allow,$allow6]"
	check_eq "TCP/UDP export records (4 denied, 4 allowed; ICMPv6 neighbour discovery aside)" 8 \
		"$(grep -cE '"protocol":"(tcp|udp)"' "$E2E_TMP/export2.ndjson")"
	check_eq "nflog_match export records" 4 "$(grep -c '"reason_code":"nflog_match"' "$E2E_TMP/export2.ndjson")"
else
	log "flowq not built: export not checked"
fi
exit 0
