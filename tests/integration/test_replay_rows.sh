#!/usr/bin/env bash
# A replay of known records gives exactly those rows and those rejects; the
# file is a WAL database with mode 0640 and passes integrity_check.
# Usage: test_replay_rows.sh FLOWREC MAKE_REPLAY
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 MAKE_REPLAY=$2
DB=$TMP/cell.db
"$MAKE_REPLAY" known "$TMP/known.bin" || exit 1
umask 022
"$FLOWREC" --db "$DB" --cell cell-1 --run run-1 --replay "$TMP/known.bin" \
	--policy-digest sha256:abc --keyset-id kid-1 2>"$TMP/stderr"
check_eq "exit status" 0 $?
grep -q "received 10, decoded 7, rejected 3, events written 5" "$TMP/stderr" ||
	fail "summary line: $(cat "$TMP/stderr")"

check_eq "file mode" 640 "$(stat -c %a "$DB")"
check_eq "integrity" ok "$(q "$DB" 'PRAGMA integrity_check')"
check_eq "journal mode" wal "$(q "$DB" 'PRAGMA journal_mode')"
# Every decision (flow_events_all: the opening decisions flows rows hold, and
# the rows of flow_events). An opening decision's counts are its flow's.
check_eq "decisions" \
"1|egress|allow|ebpf_tc_observed|4|6|00000000000000000000FFFFC0000205|443|7777|
2|egress|deny|ebpf_xdp_drop|4|17|00000000000000000000FFFFC0000206|53|3|
3|egress|allow|ebpf_tc_observed|4|99|00000000000000000000FFFFC0000207|0|1|
4|egress|allow|ebpf_tc_observed|6|6|20010DB8000000000000000000000001|443|10|6200
5|egress|allow|ebpf_tc_observed|4|6|00000000000000000000FFFFC0000205|443|7777|" \
	"$(q "$DB" "SELECT seq, direction, decision, reason_code, family, protocol, hex(dst_addr),
	dst_port, packet_count, byte_count FROM flow_events_all ORDER BY seq")"
# One row per new flow: a flow's id is its opening decision's key, and only
# the later decision (the repeated v1 record) is a flow_events row; the close
# never opened has no decision, and an id from the top of the run's range.
check_eq "one row per new flow" "1|5|0|4|1,2,3,4|4294967295" \
	"$(q "$DB" "SELECT (SELECT count(*) FROM flow_events), (SELECT seq FROM flow_events),
	(SELECT opens_flow FROM flow_events), (SELECT count(*) FROM flows WHERE decision IS NOT NULL),
	(SELECT group_concat(flow_id - (run_pk << 32)) FROM flows WHERE decision IS NOT NULL),
	(SELECT flow_id - (run_pk << 32) FROM flows WHERE open_seen = 0)")"
check_eq "IPv4 stored mapped" 00000000000000000000FFFFC0000205 \
	"$(q "$DB" 'SELECT hex(dst_addr) FROM flow_events_all WHERE seq = 1')"
check_eq "flows" \
"open_seen=1 closed run_end 7777 0
open_seen=1 closed run_end 3 0
open_seen=1 closed run_end 1 0
open_seen=1 closed tcp_fin 6 4 1200 5000
open_seen=0 closed tcp_fin 6 4 1200 5000" \
"$(q "$DB" "SELECT 'open_seen=' || open_seen || ' ' || state || ' ' || close_reason || ' ' ||
	orig_packets || ' ' || resp_packets || coalesce(' ' || orig_bytes || ' ' || resp_bytes, '')
	FROM flows ORDER BY flow_id")"
# Every v1 record is one decision: the repeat of record 1 is decision 5, on flow 1.
check_eq "a repeated v1 record is a later decision on its open flow" "1|1 5|0" \
	"$(q "$DB" "SELECT seq || '|' || opens_flow FROM flow_events_all WHERE flow_id =
	(SELECT flow_id FROM flow_events_all WHERE seq = 1) ORDER BY seq" | paste -sd' ')"
check_eq "every decision has its flow" 5 \
	"$(q "$DB" 'SELECT count(*) FROM flow_events_all e JOIN flows f USING (flow_id)')"
check_eq "rejects" \
"replay|ring-buffer record is 39 bytes, expected exactly 40; kernel producer ABI drift or torn read|39
replay|unknown record kind 9 (3 bytes)|616263
replay|truncated frame at end of input (10 bytes)|10" \
"$(q "$DB" "SELECT source, reason, CASE WHEN length(raw) = 3 THEN hex(raw) ELSE length(raw) END
	FROM rejects ORDER BY reject_id")"
check_eq "final health" "1|10|7|3|5|4|4|1|0|1|0" \
	"$(q "$DB" 'SELECT is_final, received, decoded, rejected, events_written, flows_opened,
	flows_closed, duplicate_opens, folded_opens, orphan_closes, store_failures FROM health')"
check_eq "run row" "cell-1|run-1|clean|replay|sha256:abc|kid-1|" \
	"$(q "$DB" 'SELECT cell_id, run_id, end_status, source, policy_digest, keyset_id, issuer_kid FROM runs')"
# A decision's time is its record's kernel time plus the run's offset for that
# clock (v1: CLOCK_MONOTONIC, v2: CLOCK_BOOTTIME). An opening decision keeps
# the UTC time only; the kernel time is that minus the offset.
check_eq "observed_at = kernel time + run offset" "123456789 223456789 323456789 500000000 123456789" \
	"$(q "$DB" "SELECT e.observed_at - CASE e.source WHEN 'ebpf_v1' THEN r.mono_offset_ns
	ELSE r.boot_offset_ns END FROM flow_events_all e JOIN runs r USING (run_pk) ORDER BY e.seq" | paste -sd' ')"
check_eq "a later decision keeps its kernel time" 1 \
	"$(q "$DB" "SELECT count(*) FROM flow_events e JOIN runs r USING (run_pk)
	WHERE e.observed_at = e.first_seen_kns + r.mono_offset_ns AND e.first_seen_kns = 123456789")"

# A second run on the same file is its own run; the first is untouched.
"$FLOWREC" --db "$DB" --cell cell-1 --run run-2 --replay "$TMP/known.bin" --quiet
check_eq "second run" "2|1|5" "$(q "$DB" 'SELECT (SELECT count(*) FROM runs), min(seq), max(seq) FROM flow_events_all WHERE run_pk = 2')"
check_eq "decision rows across runs" 10 "$(q "$DB" 'SELECT count(*) FROM flow_events_all')"
# Replay from stdin gives the same rows.
"$FLOWREC" --db "$DB" --cell cell-1 --run run-3 --replay - --quiet <"$TMP/known.bin"
check_eq "stdin replay" "5|3" "$(q "$DB" 'SELECT (SELECT count(*) FROM flow_events_all WHERE run_pk = 3), (SELECT count(*) FROM rejects WHERE run_pk = 3)')"
finish
