#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# flowrec never destroys its input. --tee onto the --db file or onto the
# --replay input exited 0 and destroyed it (truncated before it was read); now
# both are refused (exit 2, one line) by device and inode, however spelt
# (another path, a symlink, a hard link, standard input), before anything is
# written. A --tee write failure (a device like /dev/full) printed 230 lines
# and exited 0; now it is one line, the records missing from the tee are
# counted in health.tee_failures, the run is recorded in full, and the exit
# is 7.
# Usage: test_tee_safety.sh FLOWREC FLOWQ
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 FLOWQ=$2
specs=()
for i in $(seq 1 300); do specs+=("v1 src=10.0.0.1:$i t=${i}s"); done
$FRAMES "$TMP/in.bin" "${specs[@]}"
DB=$TMP/cell.db
"$FLOWREC" --db "$DB" --cell c --run first --replay "$TMP/in.bin" --quiet
db_sum=$(sha256sum <"$DB")
in_sum=$(sha256sum <"$TMP/in.bin")

refused() { # LABEL PATTERN FLOWREC-ARGS...
	local label=$1 pattern=$2
	shift 2
	"$FLOWREC" --db "$DB" --cell c "$@" >"$TMP/out" 2>"$TMP/err"
	check_eq "$label: exit" 2 $?
	check_eq "$label: one line" 1 "$(wc -l <"$TMP/err")"
	grep -q -- "$pattern" "$TMP/err" || fail "$label: message: $(cat "$TMP/err")"
	check_eq "$label: the database is intact" "$db_sum" "$(sha256sum <"$DB")"
	check_eq "$label: the replay input is intact" "$in_sum" "$(sha256sum <"$TMP/in.bin")"
}
refused "--tee the database" "--tee $DB: is the database $DB; refusing to overwrite it" \
	--run r1 --replay "$TMP/in.bin" --tee "$DB"
refused "--tee the database by another path" "is the database" \
	--run r2 --replay "$TMP/in.bin" --tee "$TMP/./cell.db"
ln -s "$DB" "$TMP/db.link"
refused "--tee a symlink to the database" "is the database" \
	--run r3 --replay "$TMP/in.bin" --tee "$TMP/db.link"
refused "--tee the replay input" "--tee $TMP/in.bin: is the --replay input; refusing to overwrite it" \
	--run r4 --replay "$TMP/in.bin" --tee "$TMP/in.bin"
ln "$TMP/in.bin" "$TMP/in.hard"
refused "--tee a hard link to the replay input" "is the --replay input" \
	--run r5 --replay "$TMP/in.bin" --tee "$TMP/in.hard"
"$FLOWREC" --db "$DB" --cell c --run r6 --replay - --tee "$TMP/in.bin" <"$TMP/in.bin" >/dev/null 2>"$TMP/err"
check_eq "--tee the file on standard input: exit" 2 $?
grep -q "is the --replay input (standard input)" "$TMP/err" || fail "message: $(cat "$TMP/err")"
check_eq "the replay input is intact" "$in_sum" "$(sha256sum <"$TMP/in.bin")"
check_eq "refused runs recorded nothing" "first" "$(q "$DB" 'SELECT group_concat(run_id) FROM runs')"
# --db and --tee naming one new file: the database is created, the tee refused.
"$FLOWREC" --db "$TMP/new.db" --cell c --run r --replay "$TMP/in.bin" --tee "$TMP/new.db" 2>"$TMP/err"
check_eq "--tee the new database: exit" 2 $?
check_eq "the new database is a database" ok "$(q "$TMP/new.db" 'PRAGMA integrity_check')"

# A tee that cannot be written: our own node with /dev/full's numbers.
if mknod "$TMP/full" c 1 7 2>/dev/null; then
	"$FLOWREC" --db "$TMP/full.db" --cell c --run r --replay "$TMP/in.bin" --tee "$TMP/full" \
		2>"$TMP/err"
	check_eq "--tee /dev/full: exit 7" 7 $?
	check_eq "--tee /dev/full: one line about it, then the summary" 2 "$(wc -l <"$TMP/err")"
	grep -q -- "--tee $TMP/full: write failed: No space left on device; the tee is incomplete (recording goes on, exit 7 at the end)" "$TMP/err" ||
		fail "message: $(cat "$TMP/err")"
	grep -q "; tee 301 not written$" "$TMP/err" || fail "summary: $(cat "$TMP/err")"
	check_eq "--tee /dev/full: the run is recorded in full" "300|clean" \
		"$(q "$TMP/full.db" 'SELECT count(*), (SELECT end_status FROM runs) FROM flow_events_all')"
	check_eq "--tee /dev/full: health counts the frames missing from the tee (header + 300)" 301 \
		"$("$FLOWQ" health --db "$TMP/full.db" --format ndjson | jq .tee_failures)"
	[ -c "$TMP/full" ] || fail "the device node was replaced"
elif [ "${FLOWAUDIT_REQUIRE_BPF:-0}" = 1 ]; then
	fail "cannot mknod a character device (needs root)"
else
	echo "skipped: --tee onto a full device (mknod needs root)"
fi

# A tee that works is complete: every record, after its header.
"$FLOWREC" --db "$TMP/ok.db" --cell c --run r --replay "$TMP/in.bin" --tee "$TMP/ok.tee" --quiet
check_eq "a working tee: exit" 0 $?
check_eq "a working tee: header frame + the input" "$(($(stat -c %s "$TMP/in.bin") + 8 + 104))" "$(stat -c %s "$TMP/ok.tee")"
check_eq "a working tee: no failures" 0 "$("$FLOWQ" health --db "$TMP/ok.db" --format ndjson | jq .tee_failures)"
finish
