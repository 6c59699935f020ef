#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Migration 006 (a new flow's opening decision in its flows row) changes how
# decisions are stored, never what flowq says of them. A replay of the mix
# (opens, closes, v1 records, both families, allow and deny) is recorded;
# the same database is rewritten as flowrec stored it before the migration
# (tests/tools/old_layout.py: schema 1-5, every decision a flow_events row).
# flowq gives the same bytes from both: the export in every format, the
# summary, runs and verify. Then flowrec upgrades the old file (a noop run):
# the rows it held stay where they are, and the export is still the same.
# Usage: test_layout_migration.sh FLOWREC FLOWQ MAKE_REPLAY
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 FLOWQ=$2 MAKE_REPLAY=$3
SCHEMA=$EVIDENCE_DIR/../../schema
"$MAKE_REPLAY" mix 30000 5 "$TMP/in.bin" || fail "make_replay"
"$FLOWREC" --db "$TMP/new.db" --cell c --run r --replay "$TMP/in.bin" --quiet || fail "replay"
old_version=$(python3 "$EVIDENCE_DIR/../tools/old_layout.py" "$SCHEMA" "$TMP/new.db" "$TMP/old.db") ||
	fail "old_layout.py"
check_eq "the old database is of a schema before 006" 1 "$((old_version < 6))"
check_eq "its decisions are all flow_events rows, as before" \
	"$(q "$TMP/new.db" 'SELECT count(*) FROM flow_events_all')" \
	"$(q "$TMP/old.db" 'SELECT count(*) FROM flow_events')"
check_eq "the new database holds its opening decisions in flows rows" 1 \
	"$(q "$TMP/new.db" "SELECT count(*) > 10000 FROM flows WHERE decision IS NOT NULL")"

# outputs DB: what flowq says of DB, each output followed by its exit status.
outputs() {
	local f
	for f in ndjson json cbor-seq cbor; do
		"$FLOWQ" export --db "$1" --format $f | sha256sum
		echo "export $f: ${PIPESTATUS[0]}"
	done
	"$FLOWQ" export --db "$1" --dst 198.51.100.0/24 --since 2026-01-01T00:00:00Z --proto tcp \
		--format ndjson | sha256sum
	"$FLOWQ" summary --db "$1" --format ndjson
	echo "summary: $?"
	"$FLOWQ" runs --db "$1" --format ndjson | jq -c 'del(.ended_at, .started_at)'
	"$FLOWQ" verify --db "$1" --format ndjson | jq -c 'select(.check != "identity") | del(.db)'
}
outputs "$TMP/new.db" >"$TMP/new.out"
outputs "$TMP/old.db" >"$TMP/old.out"
check_eq "the export is non-empty" 1 "$(q "$TMP/new.db" 'SELECT count(*) > 10000 FROM flow_events_all')"
check_eq "flowq says the same of both layouts (exports byte for byte, summary, runs, verify)" \
	"$(cat "$TMP/new.out")" "$(cat "$TMP/old.out")"

# The old file upgraded by flowrec (a noop run adds no decision).
cp "$TMP/old.db" "$TMP/up.db"
"$FLOWREC" --db "$TMP/up.db" --cell c --run noop --source noop --quiet &
pid=$!
CHILD_PIDS+=("$pid")
wait_for 20 sh -c "[ \"\$(sqlite3 -batch '$TMP/up.db' \"SELECT count(*) FROM runs WHERE run_id = 'noop'\" 2>/dev/null)\" = 1 ]" ||
	fail "the noop run did not start"
kill -TERM "$pid"
wait "$pid"
check_eq "noop run: exit" 0 $?
latest=$(basename "$(ls "$SCHEMA"/[0-9][0-9][0-9]_*.sql | sort | tail -n1)")
check_eq "upgraded to the latest schema" "$((10#${latest:0:3}))" "$(q "$TMP/up.db" 'PRAGMA user_version')"
check_eq "its decisions stay flow_events rows" \
	"$(q "$TMP/old.db" 'SELECT count(*) FROM flow_events')" \
	"$(q "$TMP/up.db" 'SELECT count(*) FROM flow_events')"
for f in ndjson cbor-seq; do
	check_eq "upgraded: export $f the same bytes" \
		"$("$FLOWQ" export --db "$TMP/new.db" --format $f | sha256sum)" \
		"$("$FLOWQ" export --db "$TMP/up.db" --format $f | sha256sum)"
done
"$FLOWQ" verify --db "$TMP/up.db" >/dev/null || fail "verify of the upgraded file"
finish
