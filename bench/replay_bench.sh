#!/usr/bin/env bash
# Replay throughput: flowrec --replay on N v1 records (one new flow each),
# beside a baseline run in the same invocation: the sqlite3 CLI inserting the
# same rows (a flows row and a flow_events row per record, same schema and
# indexes, the same pragmas) with one INSERT ... SELECT per table in a single
# transaction: SQLite's own floor for this schema on this machine, with no
# batching, decoding or connection tracking. Rounds alternate the two, so
# machine noise hits both; the best round of each is reported.
# Usage: bench/replay_bench.sh BUILD_DIR [N] [ROUNDS]
set -euo pipefail
build=${1:?usage: replay_bench.sh BUILD_DIR [N] [ROUNDS]}
n=${2:-1000000}
rounds=${3:-2}
flowrec=$build/recorder/flowrec
make_replay=$build/tests/make_replay
tmp=$(mktemp -d /tmp/flowaudit-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$make_replay" v1 "$n" "$tmp/in.bin"

fresh_db() { # a migrated database with one (empty) run
	rm -f "$tmp"/b.db*
	"$flowrec" --db "$tmp/b.db" --cell bench --run setup --replay /dev/null --quiet
}
cat >"$tmp/baseline.sql" <<SQL
PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;
PRAGMA wal_autocheckpoint=8192;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n)
INSERT INTO flows (flow_id, run_pk, family, protocol, direction, orig_addr, orig_port, resp_addr,
	resp_port, state, opened_at, last_seen_at, closed_at, close_reason, orig_packets, resp_packets,
	open_seen)
SELECT (1 << 32) + i, 1, 4, 6, 'egress', zeroblob(10) || x'ffff0a00' || char(i / 50000),
	10000 + i % 50000, zeroblob(10) || x'ffffc00002' || char(i % 200), 443, 'closed',
	1000000000 + i * 1000000, 1000000000 + i * 1000000, 1000000000 + i * 1000000, 'idle',
	1 + i % 7, 0, 1 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n)
INSERT INTO flow_events (event_id, run_pk, seq, flow_id, source, direction, decision, reason_code,
	family, protocol, src_addr, src_port, dst_addr, dst_port, packet_count, first_seen_kns,
	observed_at)
SELECT (1 << 32) + i, 1, i, (1 << 32) + i, 'ebpf_v1', 'egress', 'allow', 'ebpf_tc_observed', 4, 6,
	zeroblob(10) || x'ffff0a00' || char(i / 50000), 10000 + i % 50000,
	zeroblob(10) || x'ffffc00002' || char(i % 200), 443, 1 + i % 7, 1000000000 + i * 1000000,
	1795000000000000000 + i * 1000000 FROM n;
COMMIT;
SQL
now() { date +%s.%N; }
best_rec=999999 best_base=999999
for ((r = 1; r <= rounds; r++)); do
	fresh_db
	t0=$(now)
	sqlite3 "$tmp/b.db" <"$tmp/baseline.sql" >/dev/null
	t1=$(now)
	rows=$(sqlite3 "$tmp/b.db" "SELECT count(*) FROM flow_events")
	[ "$rows" = "$n" ] || { echo "baseline wrote $rows rows, expected $n" >&2; exit 1; }
	base=$(echo "$t1 - $t0" | bc)

	rm -f "$tmp"/r.db*
	t0=$(now)
	/usr/bin/time -f "%M" -o "$tmp/rss" "$flowrec" --db "$tmp/r.db" --cell bench --run r \
		--replay "$tmp/in.bin" --quiet
	t1=$(now)
	rows=$(sqlite3 "$tmp/r.db" "SELECT count(*) FROM flow_events")
	[ "$rows" = "$n" ] || { echo "flowrec wrote $rows rows, expected $n" >&2; exit 1; }
	rec=$(echo "$t1 - $t0" | bc)
	printf 'round %d: flowrec %.2f s (peak RSS %d KB), sqlite3 baseline %.2f s\n' "$r" "$rec" \
		"$(cat "$tmp/rss")" "$base"
	best_rec=$(echo "if ($rec < $best_rec) $rec else $best_rec" | bc)
	best_base=$(echo "if ($base < $best_base) $base else $best_base" | bc)
done
printf '\n%-34s %10s %12s %10s\n' "run ($n records)" seconds "events/s" "vs sqlite3"
printf '%-34s %10.2f %12.0f %9.2fx\n' "flowrec --replay (batches of 4096)" "$best_rec" \
	"$(echo "$n / $best_rec" | bc -l)" "$(echo "$best_base / $best_rec" | bc -l)"
printf '%-34s %10.2f %12.0f %9.2fx\n' "sqlite3 CLI, one bulk transaction" "$best_base" \
	"$(echo "$n / $best_base" | bc -l)" 1
