#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sustained capture: bench/flood.sh SECONDS (environment from bench/run.sh).
#
# A flood of new UDP flows across a veth pair at the highest rate the machine
# generates, for at least SECONDS, recorded by flowrec's eBPF capture. The
# measurement itself is bench/flow_rate.sh with bench/flow_flood, called as
# they are: this script only sizes the flood. It first measures the
# generator alone for about a second in a namespace pair of its own, then
# asks flow_rate.sh for rate x SECONDS flows (which that script sends once
# without and once with flowrec attached, with a 2^20-entry flow table and a
# 64 MiB ring unless BENCH_TABLE / BENCH_RING say otherwise).
#
# Needs root, BPF and namespaces: exits 77 (skip) without them, or fails
# under FLOWAUDIT_REQUIRE_BPF=1 (tests/e2e/lib.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tests/e2e/lib.sh"
WANT_S=${1:?usage: flood.sh SECONDS}

require_privileges
topology_direct
SINK=$V4_NET.9
mac=$(ip -n "$SRV_NS" -br link show "$SRV_IF" | awk '{print $3}')
ip -n "$CELL_NS" neigh replace "$SINK" lladdr "$mac" dev "$CELL_IF" nud permanent
cal=$(in_ns "$CELL_NS" "$BIN_FLOW_FLOOD" --src "$CELL_V4" --dst "$SINK" --count 300000) ||
	fail "flow_flood (calibration) failed"
rate=$(kv "$cal" rate)
count=$(awk -v r="$rate" -v s="$WANT_S" 'BEGIN { printf "%d", r * s * 1.1 }') # 10% over: a short calibration runs fast
log "generator alone: $cal; asking flow_rate.sh for $count flows (${WANT_S} s)"

out=$(bash "$(dirname "$0")/flow_rate.sh" "$BIN_FLOWREC" "$BIN_FLOW_FLOOD" "$count")
rc=$?
[ "$rc" = 77 ] && exit 77
[ "$rc" = 0 ] || fail "flow_rate.sh exited $rc: $out"
printf '%s\n' "$out" >"$NOTES/flood.txt"
alone=$(grep 'generator_alone:' <<<"$out")
with=$(grep 'with_flowrec:' <<<"$out")
[ -n "$alone" ] && [ -n "$with" ] || fail "flow_rate.sh printed no summary: $out"
record flood "$count" generator 1 sent "$(kv "$alone" sent)"
record flood "$count" generator 1 seconds "$(kv "$alone" seconds)"
record flood "$count" flowrec 1 sent "$(kv "$with" sent)"
record flood "$count" flowrec 1 seconds "$(kv "$with" seconds)"
for k in recorded ring_drops table_full daemon_drops drain_and_exit_s peak_rss_kb; do
	record flood "$count" flowrec 1 "$k" "$(kv "$with" "$k")"
done
record flood "$count" flowrec 1 wanted_seconds "$WANT_S"
exit 0
