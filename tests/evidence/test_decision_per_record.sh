#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A deny is never hidden: every v1 record is one decision (the seed), even on
# a flow already open; a v2 open whose verdict differs from its open flow's is
# a new decision on that flow; a repeat with the same verdict folds into the
# flow but is counted, and flowq health's verdict says so ("folded"). summary
# counts the deny, and the flow's totals are counted once. A database of the
# previous schema is read as it is, and upgraded by the next recording.
# Usage: test_decision_per_record.sh FLOWREC FLOWQ
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 FLOWQ=$2
export_cols() { "$FLOWQ" export --db "$1" --format ndjson | jq -r '[.decision_id, .decision, .reason_code, .packet_count] | map(tostring) | join(",")' | paste -sd' '; }

# v1: allow, then deny one second later, same 5-tuple: two decisions.
$FRAMES "$TMP/v1.bin" "v1 t=1s pkts=3 verdict=1" "v1 t=2s pkts=5 verdict=2"
"$FLOWREC" --db "$TMP/v1.db" --cell c --run r --replay "$TMP/v1.bin" --quiet
check_eq "v1: one decision per record, the deny kept" \
	"c:r:1,allow,ebpf_tc_observed,5 c:r:2,deny,ebpf_xdp_drop,5" "$(export_cols "$TMP/v1.db")"
check_eq "v1: both decisions are on one flow" "1|2|0" \
	"$(q "$TMP/v1.db" 'SELECT count(*), (SELECT count(*) FROM flow_events_all), (SELECT count(*) FROM flow_events_all e LEFT JOIN flows f USING (flow_id) WHERE f.flow_id IS NULL) FROM flows')"
check_eq "v1: summary counts the deny" '{"flows":2,"denied":1}' \
	"$("$FLOWQ" summary --db "$TMP/v1.db" --format ndjson | jq -c 'select(.section=="total") | {flows, denied}')"
check_eq "v1: summary lists the denied destination" '"192.0.2.5"' \
	"$("$FLOWQ" summary --db "$TMP/v1.db" --format ndjson | jq -c 'select(.section=="denied") | .dst_addr')"
check_eq "v1: health: one repeat open, nothing folded, ok" '[1,0,"ok"]' \
	"$("$FLOWQ" health --db "$TMP/v1.db" --format ndjson | jq -c '[.duplicate_opens, .folded_opens, .verdict]')"
check_eq "v1: --decision deny finds it" "c:r:2" \
	"$("$FLOWQ" export --db "$TMP/v1.db" --decision deny --format ndjson | jq -r .decision_id)"

# v2: allow opens the flow; a deny open on it is a new decision; a second
# deny open folds; the close ends the one flow with both sides' totals.
$FRAMES "$TMP/v2.bin" \
	"v2 t=1s verdict=0 opkts=1 obytes=60" \
	"v2 t=2s verdict=2 opkts=2 obytes=120" \
	"v2 t=3s verdict=2 opkts=3 obytes=180" \
	"v2 kind=closed t=1s last=4s opkts=10 obytes=1000 rpkts=6 rbytes=3000"
"$FLOWREC" --db "$TMP/v2.db" --cell c --run r --replay "$TMP/v2.bin" --quiet
check_eq "v2: the verdict change is a decision; the flow's totals go on its opening decision" \
	"c:r:1,allow,ebpf_tc_observed,16 c:r:2,deny,ebpf_xdp_drop,2" "$(export_cols "$TMP/v2.db")"
check_eq "v2: byte counts likewise" "4000 120" \
	"$("$FLOWQ" export --db "$TMP/v2.db" --format ndjson | jq -r .byte_count | paste -sd' ')"
check_eq "v2: one flow, closed, two decisions on it (opens_flow 1 then 0)" "1|closed|tcp_fin|1,0" \
	"$(q "$TMP/v2.db" "SELECT count(*), f.state, f.close_reason, (SELECT group_concat(opens_flow) FROM (SELECT opens_flow FROM flow_events_all ORDER BY seq)) FROM flows f")"
check_eq "v2: health counts the fold and says so" '[2,1,"folded",0]' \
	"$("$FLOWQ" health --db "$TMP/v2.db" --format ndjson | jq -c '[.duplicate_opens, .folded_opens, .verdict, .lost]')"
check_eq "v2: summary counts the deny once and the flow's packets once" '{"flows":2,"denied":1,"packets":18,"bytes":4120}' \
	"$("$FLOWQ" summary --db "$TMP/v2.db" --format ndjson | jq -c 'select(.section=="total") | {flows, denied, packets, bytes}')"

# The same verdict throughout: one decision, the repeats folded and counted.
$FRAMES "$TMP/same.bin" "v2 t=1s verdict=2" "v2 t=2s verdict=2" "v2 t=3s verdict=2"
"$FLOWREC" --db "$TMP/same.db" --cell c --run r --replay "$TMP/same.bin" --quiet
check_eq "same verdict: one decision" "c:r:1,ebpf_xdp_drop" \
	"$("$FLOWQ" export --db "$TMP/same.db" --format ndjson | jq -r '.decision_id + "," + .reason_code')"
check_eq "same verdict: two folded opens, verdict folded" '[2,2,"folded"]' \
	"$("$FLOWQ" health --db "$TMP/same.db" --format ndjson | jq -c '[.duplicate_opens, .folded_opens, .verdict]')"

# A database of schema 1 (before opens_flow and folded_opens): flowq reads it
# unchanged; flowrec upgrades it when it records the next run. Made from v1.db:
# its opening decision goes back to flow_events (where it was stored before
# migration 006), then every later column goes.
cp "$TMP/v1.db" "$TMP/old.db"
q "$TMP/old.db" "INSERT INTO flow_events (event_id, run_pk, seq, flow_id, source, direction, decision,
	reason_code, nft_rule_ref, nflog_prefix, family, protocol, src_addr, src_port, dst_addr,
	dst_port, packet_count, byte_count, first_seen_kns, observed_at)
	SELECT f.flow_id, f.run_pk, f.flow_id - (f.run_pk << 32), f.flow_id, f.source, f.direction,
	f.decision, f.reason_code, f.nft_rule_ref, f.nflog_prefix, f.family, f.protocol, f.orig_addr,
	f.orig_port, f.resp_addr, f.resp_port, f.orig_packets + f.resp_packets, NULL,
	f.opened_at - r.mono_offset_ns, f.opened_at FROM flows f JOIN runs r USING (run_pk)
	WHERE f.decision IS NOT NULL;
	DROP VIEW flow_events_all; DROP INDEX flows_by_time; ALTER TABLE flows DROP COLUMN source;
	ALTER TABLE flows DROP COLUMN decision; ALTER TABLE flows DROP COLUMN reason_code;
	ALTER TABLE flows DROP COLUMN nft_rule_ref; ALTER TABLE flows DROP COLUMN nflog_prefix;
	ALTER TABLE flow_events DROP COLUMN opens_flow; ALTER TABLE health DROP COLUMN folded_opens;
	ALTER TABLE health DROP COLUMN tee_failures; ALTER TABLE runs DROP COLUMN boot_id;
	ALTER TABLE flows DROP COLUMN icmp_type; ALTER TABLE flows DROP COLUMN icmp_code;
	ALTER TABLE flows DROP COLUMN icmp_id; ALTER TABLE flows DROP COLUMN midstream;
	ALTER TABLE health DROP COLUMN frag_unmatched;
	DROP INDEX flow_events_summaries; DROP INDEX flows_summaries;
	ALTER TABLE flow_events DROP COLUMN flow_count; ALTER TABLE flow_events DROP COLUMN prefix_len;
	ALTER TABLE flows DROP COLUMN flow_count; ALTER TABLE flows DROP COLUMN prefix_len;
	ALTER TABLE flows DROP COLUMN untracked; ALTER TABLE health DROP COLUMN untracked;
	ALTER TABLE health DROP COLUMN evicted; ALTER TABLE health DROP COLUMN aggregated;
	ALTER TABLE health DROP COLUMN fail_closed_drops; ALTER TABLE health DROP COLUMN deferred_opens;
	ALTER TABLE health DROP COLUMN promoted; ALTER TABLE health DROP COLUMN ring_deferred;
	ALTER TABLE health DROP COLUMN kernel_packets; ALTER TABLE health DROP COLUMN non_ip;
	ALTER TABLE health DROP COLUMN truncated; PRAGMA user_version = 1;"
before=$(sha256sum <"$TMP/old.db")
check_eq "schema 1: export" "c:r:1,allow,ebpf_tc_observed,5 c:r:2,deny,ebpf_xdp_drop,5" "$(export_cols "$TMP/old.db")"
check_eq "schema 1: health" '[1,0,"ok"]' \
	"$("$FLOWQ" health --db "$TMP/old.db" --format ndjson | jq -c '[.duplicate_opens, .folded_opens, .verdict]')"
for cmd in runs flows summary verify; do
	"$FLOWQ" $cmd --db "$TMP/old.db" --format ndjson >/dev/null 2>"$TMP/err"
	check_eq "schema 1: flowq $cmd" "0|" "$?|$(cat "$TMP/err")"
done
check_eq "schema 1: flowq left the file as it was" "$before" "$(sha256sum <"$TMP/old.db")"
current=$(q "$TMP/v1.db" "PRAGMA user_version")
"$FLOWREC" --db "$TMP/old.db" --cell c --run r2 --replay "$TMP/v1.bin" --quiet
check_eq "schema 1: upgraded by flowrec (rows before the upgrade count as opening)" "$current|4|1,1,1,0" \
	"$(q "$TMP/old.db" "SELECT (SELECT user_version FROM pragma_user_version), count(*), group_concat(opens_flow) FROM (SELECT opens_flow FROM flow_events_all ORDER BY event_id)")"
check_eq "schema 1: the new run's opening decision is its flows row" "3|1" \
	"$(q "$TMP/old.db" "SELECT (SELECT count(*) FROM flow_events), (SELECT count(*) FROM flows WHERE decision IS NOT NULL)")"
check_eq "schema 1: both runs export (sorted: their order is their runs' clock offsets')" \
	"c:r2:1,allow,ebpf_tc_observed,5 c:r2:2,deny,ebpf_xdp_drop,5 c:r:1,allow,ebpf_tc_observed,5 c:r:2,deny,ebpf_xdp_drop,5" \
	"$("$FLOWQ" export --db "$TMP/old.db" --format ndjson | jq -r '[.decision_id, .decision, .reason_code, .packet_count] | map(tostring) | join(",")' | sort | paste -sd' ')"
"$FLOWQ" verify --db "$TMP/old.db" >/dev/null || fail "verify after the upgrade"
finish
