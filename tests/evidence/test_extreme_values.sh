#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Extreme values are not silently wrong. A v1 record with first_seen_ns =
# 2^64-1 exported "observed_at: 1734-08-22..." and pkt_count = 2^64-1 became
# 2^63-1; now both are rejects (reason and raw bytes kept), while 2^63-1 is
# stored as it is. Every flowq command keeps working on a database whose
# counts sum past 2^63 (SQLite's sum() fails there): exact where it can be,
# null where the value is unknown.
# Usage: test_extreme_values.sh FLOWREC FLOWQ
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 FLOWQ=$2
# jq reads numbers as doubles; Python's json keeps 64-bit integers exact.
pyjq() { python3 -c 'import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if eval(sys.argv[1], {"r": r}): print(json.dumps(eval(sys.argv[2], {"r": r}), separators=(",", ":")))' "$@"; }
DB=$TMP/x.db
$FRAMES "$TMP/in.bin" \
	"v1 src=10.0.0.1:1 t=2**64-1" \
	"v1 src=10.0.0.1:2 pkts=2**64-1" \
	"v2 src=10.0.0.2:3 t=1s last=2**63" \
	"v2 src=10.0.0.2:4 opkts=2**62 rpkts=2**62" \
	"v1 src=10.0.0.1:5 t=2s pkts=2**63-1 verdict=2" \
	"v1 src=10.0.0.1:6 dst=192.0.2.6:443 t=3s pkts=2**63-1"
"$FLOWREC" --db "$DB" --cell c --run r --replay "$TMP/in.bin" 2>"$TMP/err"
check_eq "exit" 0 $?
grep -q "received 6, decoded 2, rejected 4, events written 2" "$TMP/err" || fail "summary: $(cat "$TMP/err")"
check_eq "each unrepresentable record is a reject with its reason" \
"first_seen 18446744073709551615 ns is beyond 2^63-1 ns: not a clock reading|40
packet count 18446744073709551615 + 0 exceeds 2^63-1, the largest count the database stores|40
last_seen 9223372036854775808 ns is beyond 2^63-1 ns: not a clock reading|96
packet count 4611686018427387904 + 4611686018427387904 exceeds 2^63-1, the largest count the database stores|96" \
	"$(q "$DB" 'SELECT reason, length(raw) FROM rejects ORDER BY reject_id')"
check_eq "2^63-1 packets stored as they are" "9223372036854775807 9223372036854775807" \
	"$("$FLOWQ" export --db "$DB" --format ndjson | pyjq True 'r["packet_count"]' | paste -sd' ')"
"$FLOWQ" export --db "$DB" --format ndjson | grep -q '"observed_at":"17' && fail "an 18th-century observed_at"
check_eq "summary sums past 2^63 exactly" '{"flows":2,"denied":1,"packets":18446744073709551614}' \
	"$("$FLOWQ" summary --db "$DB" --format ndjson | pyjq 'r["section"] == "total"' '{k: r[k] for k in ("flows", "denied", "packets")}')"
check_eq "health says what was lost" '[4,"lost"]' \
	"$("$FLOWQ" health --db "$DB" --format ndjson | jq -c '[.rejected, .verdict]')"

# A database written by an older recorder, which clamped 2^64-1 to 2^63-1 on
# both sides of a flow: the flow's total is past 2^63-1; nothing fails.
q "$DB" "UPDATE flows SET orig_packets = 9223372036854775807, resp_packets = 9223372036854775807"
for cmd in runs flows summary health verify; do
	"$FLOWQ" $cmd --db "$DB" --format ndjson >"$TMP/out" 2>"$TMP/err"
	check_eq "flowq $cmd on totals past 2^63" "0|" "$?|$(cat "$TMP/err")"
done
for fmt in ndjson json cbor-seq cbor table; do
	"$FLOWQ" export --db "$DB" --format $fmt >"$TMP/out" 2>"$TMP/err"
	check_eq "flowq export --format $fmt" "0|" "$?|$(cat "$TMP/err")"
done
check_eq "a flow total past 2^63-1 exports null, not a wrong number" "null null" \
	"$("$FLOWQ" export --db "$DB" --format ndjson | jq -r .packet_count | paste -sd' ')"
check_eq "summary: unknown total is null" '{"flows":2,"packets":null}' \
	"$("$FLOWQ" summary --db "$DB" --format ndjson | jq -c 'select(.section=="total") | {flows, packets}')"
finish
