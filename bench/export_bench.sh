#!/bin/bash
# Export throughput of flowq against sqlite3 -json on the same rows.
#   bench/export_bench.sh [BUILD_DIR] [EVENTS]
# Generates a database of EVENTS (default 1,000,000) flow events with one flow
# row each (tests/query/fq_fixture bulk), then times, in this one invocation,
#   flowq export --format ndjson, flowq export --format cbor-seq, sqlite3 -json
# reading the same rows, and reports records/s, the ratio to sqlite3 and
# flowq's peak RSS (GNU time -v "Maximum resident set size").
set -euo pipefail
BUILD=${1:-build}
N=${2:-1000000}
FLOWQ=$(find "$BUILD" -type f -name flowq -perm -u+x | head -n1)
FIXTURE=$(find "$BUILD" -type f -name fq_fixture -perm -u+x | head -n1)
[ -x "$FLOWQ" ] && [ -x "$FIXTURE" ] || { echo "build flowq and fq_fixture first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "install the 'time' package (GNU time)" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DB=$T/bench.db

t0=$(date +%s.%N)
"$FIXTURE" "$DB" bulk "$N"
t1=$(date +%s.%N)
printf 'generated %d events in %.1f s (%s)\n' "$N" "$(echo "$t1 - $t0" | bc)" "$(du -h "$DB" | cut -f1)"
cat "$DB" >/dev/null # warm the page cache for all three readers alike

run() { # NAME CMD... ; prints seconds and peak RSS (KiB)
  local name=$1; shift
  /usr/bin/time -v -o "$T/time.$name" "$@" >"$T/out.$name"
  local secs rss
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$T/time.$name")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$T/time.$name")
  echo "$name $secs $rss"
}

SQL="SELECT e.seq, e.direction, e.decision, e.reason_code, e.nft_rule_ref, e.family, hex(e.dst_addr) AS dst_addr, e.dst_port, e.protocol, e.packet_count, e.byte_count, e.observed_at, r.cell_id, r.run_id, r.policy_digest, r.keyset_id, r.issuer_kid, r.correlation_id, f.state, f.orig_packets, f.resp_packets, f.orig_bytes, f.resp_bytes FROM flow_events e JOIN runs r ON r.run_pk = e.run_pk LEFT JOIN flows f ON f.flow_id = e.flow_id ORDER BY e.observed_at, e.event_id"

{
  run ndjson "$FLOWQ" export --db "$DB" --format ndjson
  run cbor-seq "$FLOWQ" export --db "$DB" --format cbor-seq
  run sqlite3-json sqlite3 -readonly -json "$DB" "$SQL"
} >"$T/results"

[ "$(wc -l <"$T/out.ndjson")" = "$N" ] || { echo "ndjson: wrong record count" >&2; exit 1; }
base=$(awk '$1=="sqlite3-json" {print $2}' "$T/results")
echo "command: bench/export_bench.sh $BUILD $N"
printf '%-14s %10s %14s %12s %14s %10s\n' format seconds records/s vs_sqlite3 peak_rss_KiB bytes
while read -r name secs rss; do
  bytes=$(stat -c %s "$T/out.$name")
  awk -v n="$N" -v s="$secs" -v b="$base" -v name="$name" -v rss="$rss" -v bytes="$bytes" \
    'BEGIN { printf "%-14s %10.2f %14.0f %11.2fx %14d %10d\n", name, s, n / s, b / s, rss, bytes }'
done <"$T/results"
