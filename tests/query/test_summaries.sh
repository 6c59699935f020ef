#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What the kernel records under a flood, through the recorder and every flowq
# command: a replay of CONN_EVENTS v3 records (bpf/conn_record_v3.h) with an
# ordinary TCP flow, an untracked flow's two records, a deferred open and its
# close, summaries (10.77.0.0/24 port 10000, any TCP destination and port,
# fd00:1::/64 port 53) and a summary with host bits set (a reject). Checked:
# the rows (a summary is one decision and one closed flows row), export in
# every format against the database (check_export.py), the destination prefix
# as dst_addr, --dst and --port selecting summaries whose flows may match,
# flows' kind and flow_count, summary's flow totals.
#   test_summaries.sh FLOWQ FLOWREC
set -euo pipefail
FLOWQ=$1
FLOWREC=$2
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}
/usr/bin/python3 - "$T/r.bin" <<'PY'
import ipaddress, struct, sys
# v3: kind family proto dir verdict reason flags icmp_type sport dport icmp_code
# prefix_len icmp_id src dst orig_p orig_b resp_p resp_b first last closed count
FMT = "=BBBBBBBBHHBBH16s16sQQQQQQQQ"
def addr(a):
    ip = ipaddress.ip_address(a)
    return ip.packed + b"\0" * (16 - len(ip.packed))
def rec(kind, fam, proto, src, sport, dst, dport, op, ob, rp, rb, first, last, closed=0,
        reason=0, flags=0, prefix=0, count=0):
    r = struct.pack(FMT, kind, fam, proto, 0, 0, reason, flags, 0, sport, dport, 0, prefix, 0,
                    addr(src), addr(dst), op, ob, rp, rb, first, last, closed, count)
    assert len(r) == 112
    return struct.pack("<II", 4, len(r)) + r
with open(sys.argv[1], "wb") as f:
    f.write(rec(1, 4, 6, "10.77.0.1", 40000, "10.77.0.2", 7777, 1, 60, 0, 0, 10**9, 10**9))
    f.write(rec(2, 4, 6, "10.77.0.1", 40000, "10.77.0.2", 7777, 5, 1260, 4, 216, 10**9,
                2 * 10**9, 2 * 10**9, reason=1))
    for i in range(2):  # an untracked flow: two records, one packet each
        t = 3 * 10**9 + i
        f.write(rec(3, 4, 17, "10.77.0.1", 5000, "10.9.9.9", 53, 1, 44, 0, 0, t, t))
    f.write(rec(4, 4, 17, "0.0.0.0", 0, "10.77.0.0", 10000, 500, 500 * 44, 0, 0, 4 * 10**9,
                5 * 10**9, prefix=24, count=500))
    f.write(rec(4, 4, 6, "0.0.0.0", 0, "0.0.0.0", 0, 300, 300 * 40, 0, 0, 4 * 10**9 + 1,
                5 * 10**9, flags=0x20, count=300))
    f.write(rec(4, 6, 17, "::", 0, "fd00:1::", 53, 7, 7 * 64, 0, 0, 4 * 10**9 + 2, 5 * 10**9,
                prefix=64, count=7))
    f.write(rec(4, 4, 17, "0.0.0.0", 0, "10.77.0.9", 53, 1, 44, 0, 0, 6 * 10**9, 6 * 10**9,
                prefix=24, count=1))  # host bits set: a reject
    f.write(rec(1, 4, 6, "10.77.0.1", 40001, "10.77.0.2", 7777, 2, 120, 1, 60, 7 * 10**9,
                7 * 10**9 + 5, flags=0x10))  # deferred open
    f.write(rec(2, 4, 6, "10.77.0.1", 40001, "10.77.0.2", 7777, 5, 1260, 4, 216, 7 * 10**9,
                8 * 10**9, 8 * 10**9, reason=1))
PY
"$FLOWREC" --db "$T/s.db" --cell c1 --run r1 --replay "$T/r.bin" 2>"$T/err" || fail "flowrec: $(cat "$T/err")"
q() { sqlite3 -batch -noheader "$T/s.db" "$1"; }
[ "$(q "SELECT count(*) FROM rejects WHERE reason LIKE '%host bits set past /24%'")" = 1 ] || fail "the bad summary was not rejected: $(q 'SELECT reason FROM rejects')"
[ "$(q "SELECT count(*), sum(flow_count) FROM flows WHERE flow_count IS NOT NULL AND state = 'closed'")" = "3|807" ] || fail "summary rows"
[ "$(q "SELECT untracked, orig_packets, orig_bytes FROM flows WHERE orig_port = 5000")" = "1|2|88" ] || fail "untracked row: $(q 'SELECT * FROM flows WHERE orig_port = 5000')"
[ "$(q "SELECT count(*) FROM flow_events_all")" = 6 ] || fail "decisions: $(q 'SELECT count(*) FROM flow_events_all')"

for f in ndjson json cbor-seq cbor; do
	o=$f
	[ $f = cbor-seq ] && o=cborseq
	"$FLOWQ" export --db "$T/s.db" --format $f >"$T/out.$o"
done
/usr/bin/python3 "$HERE/check_export.py" "$T" "$T/s.db" || fail "export does not match the database"
exp() { "$FLOWQ" export --db "$T/s.db" --format ndjson "$@" | jq -c '[.dst_addr, .dst_port, .reason_code, .packet_count]' | paste -sd' '; }
[ "$(exp --reason ebpf_flow_summary)" = '["10.77.0.0/24",10000,"ebpf_flow_summary",500] ["0.0.0.0/0",null,"ebpf_flow_summary",300] ["fd00:1::/64",53,"ebpf_flow_summary",7]' ] || fail "summaries: $(exp --reason ebpf_flow_summary)"
[ "$(exp --reason ebpf_tc_untracked)" = '["10.9.9.9",53,"ebpf_tc_untracked",2]' ] || fail "untracked: $(exp --reason ebpf_tc_untracked)"
# a summary is selected when its flows may match
got=$("$FLOWQ" export --db "$T/s.db" --format ndjson --dst 10.77.0.9 | jq -r .dst_addr | paste -sd' ')
[ "$got" = "10.77.0.0/24 0.0.0.0/0" ] || fail "--dst 10.77.0.9: $got"
got=$("$FLOWQ" export --db "$T/s.db" --format ndjson --dst 10.0.0.0/8 | jq -r .dst_addr | paste -sd' ')
[ "$got" = "10.77.0.2 10.9.9.9 10.77.0.0/24 0.0.0.0/0 10.77.0.2" ] || fail "--dst 10.0.0.0/8: $got"
got=$("$FLOWQ" export --db "$T/s.db" --format ndjson --dst fd00:1::5 | jq -r .dst_addr | paste -sd' ')
[ "$got" = "fd00:1::/64" ] || fail "--dst fd00:1::5: $got"
got=$("$FLOWQ" export --db "$T/s.db" --format ndjson --port 53 | jq -r .dst_addr | paste -sd' ')
[ "$got" = "10.9.9.9 0.0.0.0/0 fd00:1::/64" ] || fail "--port 53: $got"
got=$("$FLOWQ" export --db "$T/s.db" --format ndjson --dst 192.0.2.0/24 | wc -l)
[ "$got" = 1 ] || fail "--dst 192.0.2.0/24: only the summary of any destination may match, got $got"

got=$("$FLOWQ" flows --db "$T/s.db" --format ndjson | jq -c '[.kind, .flow_count, .orig_addr, .resp_addr, .resp_port, .state]' | paste -sd' ')
[ "$got" = '["flow",1,"10.77.0.1","10.77.0.2",7777,"closed"] ["untracked",1,"10.77.0.1","10.9.9.9",53,"closed"] ["summary",500,null,"10.77.0.0/24",10000,"closed"] ["summary",300,null,"0.0.0.0/0",null,"closed"] ["summary",7,null,"fd00:1::/64",53,"closed"] ["flow",1,"10.77.0.1","10.77.0.2",7777,"closed"]' ] || fail "flows: $got"
got=$("$FLOWQ" flows --db "$T/s.db" --format ndjson --dst 10.77.0.200 --port 10000 | jq -r .resp_addr | paste -sd' ')
[ "$got" = "10.77.0.0/24 0.0.0.0/0" ] || fail "flows --dst 10.77.0.200 --port 10000: $got"

"$FLOWQ" summary --db "$T/s.db" --format ndjson >"$T/sum.json"
[ "$(jq -c 'select(.section == "total") | [.flows, .summarized, .packets]' "$T/sum.json")" = '[810,807,827]' ] || fail "summary total: $(cat "$T/sum.json")"
[ "$(jq -c 'select(.section == "top_by_flows") | [.dst_addr, .flows, .summarized]' "$T/sum.json" | head -1)" = '["10.77.0.0/24",500,500]' ] || fail "summary top: $(cat "$T/sum.json")"
"$FLOWQ" verify --db "$T/s.db" >/dev/null || fail verify
echo "ok: summaries and untracked flows through flowrec and flowq"
