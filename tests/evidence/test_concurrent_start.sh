#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Two recorders starting on one new file both start. In 2 of 20 tries one
# exited 3 with "cannot switch to WAL mode: database is locked" (the WAL
# switch does not wait on the busy handler), and a start could also call the
# file foreign when another recorder's migration landed between two reads of
# its identity. Now: 20 recorders started at once on a new file, five times
# over, all exit 0 and record their run.
# Usage: test_concurrent_start.sh FLOWREC FLOWQ
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 FLOWQ=$2
$FRAMES "$TMP/in.bin" "v1 t=1s" "v1 src=10.0.0.1:2 t=2s verdict=2"
for round in 1 2 3 4 5; do
	DB=$TMP/new-$round.db
	pids=()
	for i in $(seq 1 20); do
		"$FLOWREC" --db "$DB" --cell c --run "r$i" --replay "$TMP/in.bin" --quiet 2>"$TMP/err-$round-$i" &
		pids+=($!)
	done
	bad=0
	for i in $(seq 1 20); do
		wait "${pids[$((i - 1))]}" || { bad=$((bad + 1)); fail "round $round, recorder $i: $(cat "$TMP/err-$round-$i")"; }
	done
	check_eq "round $round: 20 recorders started at once all exit 0" 0 "$bad"
	check_eq "round $round: 20 runs, 40 decisions, a sound WAL database" "20|40|ok|wal" \
		"$(q "$DB" "SELECT count(*), (SELECT count(*) FROM flow_events_all) FROM runs")|$(q "$DB" 'PRAGMA integrity_check')|$(q "$DB" 'PRAGMA journal_mode')"
	"$FLOWQ" verify --db "$DB" >/dev/null || fail "round $round: flowq verify"
done
finish
