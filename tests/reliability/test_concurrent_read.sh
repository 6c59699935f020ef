#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Readers under load: while flowrec replays 300,000 records at full speed,
# flowq export (ndjson) runs in a loop, and a sqlite3 read-only transaction
# checks the same snapshot from the inside. Every export must be a consistent
# snapshot: decision ids <cell>:<run>:1..N with no gap and no duplicate, never
# fewer than the export before; every event's flows row exists. The -wal file
# is sampled all along and must stay bounded (CONC_WAL_MAX_MB, default 64):
# SQLite's auto-checkpoint should keep it small unless readers starve
# checkpoints. At the end every record is stored.
#
# usage: test_concurrent_read.sh FLOWREC MAKE_REPLAY [FLOWQ]
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
FLOWREC=$1 MAKE_REPLAY=$2 FLOWQ=${3:-}
rel_need sqlite3 python3
rel_setup
T=$REL_TMP
N=${CONC_RECORDS:-300000}
BATCH=1000
WAL_MAX=$(( ${CONC_WAL_MAX_MB:-64} * 1024 * 1024 ))
DB=$T/c.db
"$MAKE_REPLAY" v1 "$N" "$T/in.bin" || rel_fail make_replay

"$FLOWREC" --db "$DB" --cell c1 --run load --replay "$T/in.bin" --batch-events $BATCH --quiet &
pid=$!
REL_PIDS+=("$pid")
# Started means the schema is committed: a -wal with frames can still hold the
# creating transaction, and a reader then sees an empty, unstamped file.
rel_wait_until 20 sh -c "[ \"\$(sqlite3 -readonly '$DB' 'PRAGMA user_version' 2>/dev/null)\" -gt 0 ] 2>/dev/null" ||
	rel_fail "flowrec did not start writing"

exports=0 snaps=0 wal_peak=0 max_seen=0
for ((i = 0; i < 100000; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	w=$(stat -c %s "$DB-wal" 2>/dev/null || echo 0)
	((w > wal_peak)) && wal_peak=$w
	if [ -n "$FLOWQ" ]; then
		"$FLOWQ" export --db "$DB" --run load --format ndjson >"$T/export.ndjson" 2>"$T/flowq.err" ||
			rel_fail "flowq export under load: $(cat "$T/flowq.err")"
		n=$(python3 - "$T/export.ndjson" $BATCH <<'PY'
import json, sys
ids = [json.loads(l)["decision_id"] for l in open(sys.argv[1])]
seqs = sorted(int(i.rsplit(":", 1)[1]) for i in ids)
if seqs != list(range(1, len(seqs) + 1)):
    sys.exit(f"export is not seq 1..N: {len(seqs)} ids, first gap near {next((a for a, b in zip(seqs, range(1, len(seqs) + 1)) if a != b), None)}")
print(len(seqs))
PY
		) || rel_fail "inconsistent export"
		exports=$((exports + 1))
		((n >= max_seen)) || rel_fail "an export went backwards ($n after $max_seen)"
		max_seen=$n
	fi
	# One read transaction: count, max seq, and events without their flows row.
	s=$(sqlite3 -batch -readonly "$DB" "BEGIN; SELECT count(*), coalesce(max(seq), 0), count(DISTINCT seq) FROM flow_events_all; SELECT count(*) FROM flow_events_all e LEFT JOIN flows f ON f.flow_id = e.flow_id WHERE f.flow_id IS NULL; COMMIT;" 2>&1 | tr '\n' ' ') ||
		rel_fail "sqlite3 read under load: $s"
	read -r a orphans <<<"$s"
	IFS='|' read -r cnt mx dist <<<"$a"
	[ "$cnt" = "$mx" ] && [ "$cnt" = "$dist" ] && [ "$orphans" = 0 ] ||
		rel_fail "snapshot inconsistent: count $cnt, max seq $mx, distinct $dist, events without flow $orphans"
	snaps=$((snaps + 1))
done
rel_wait_exit "$pid" 300
[ "$REL_RC" = 0 ] || rel_fail "flowrec exit $REL_RC"
rel_integrity "$DB"
python3 "$here/check_prefix.py" "$DB" load "$T/in.bin" --expect "$N" >/dev/null || rel_fail "final content"
rel_log "$exports flowq exports and $snaps sqlite3 snapshots during the replay, all consistent (largest $max_seen events); -wal peak $((wal_peak / 1024)) KiB"
((wal_peak <= WAL_MAX)) || rel_fail "the -wal file reached $((wal_peak / 1024 / 1024)) MiB (limit $((WAL_MAX / 1024 / 1024)) MiB) for $N events: back-to-back readers starve checkpoints"
((exports + snaps >= 5)) || rel_fail "only $((exports + snaps)) reads happened during the replay"
echo "PASS: concurrent readers saw consistent snapshots; -wal peak $((wal_peak / 1024)) KiB"
