#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# flowq never destroys its input or anything that is not a regular file.
# "flowq export --db self.db --output self.db" exited 0 and replaced the
# database with ndjson; --output onto a FIFO, a character device or a symlink
# replaced it with a regular file. Now --output that is an input (same device
# and inode, any spelling: a hard link, a symlink, the live -wal) or that
# exists and is not a regular file is refused before anything is written:
# exit 2, one line, the target untouched. A new or regular file still works.
# Usage: test_output_safety.sh FLOWREC FLOWQ
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 FLOWQ=$2
$FRAMES "$TMP/in.bin" "v1 t=1s" "v1 src=10.0.0.1:2 t=2s"
DB=$TMP/self.db
"$FLOWREC" --db "$DB" --cell c --run r --replay "$TMP/in.bin" --quiet
sum=$(sha256sum <"$DB")

refused() { # LABEL TARGET [extra flowq args]: exit 2, one line, nothing written
	local label=$1 target=$2
	shift 2
	"$FLOWQ" export --db "$DB" "$@" --output "$target" >"$TMP/out" 2>"$TMP/err"
	check_eq "$label: exit" 2 $?
	check_eq "$label: one line on stderr, nothing on stdout" "1|0" "$(wc -l <"$TMP/err")|$(wc -c <"$TMP/out")"
	check_eq "$label: no temporary file left" "" "$(ls "$(dirname "$target")" | grep '\.tmp\.' || true)"
}

refused "--output the input database" "$DB"
grep -q -- "--output $DB: is the input $DB; refusing to replace it" "$TMP/err" || fail "message: $(cat "$TMP/err")"
refused "--output the input by another spelling" "$TMP/./self.db"
ln "$DB" "$TMP/hardlink.db"
refused "--output a hard link to the input" "$TMP/hardlink.db"
ln -s "$DB" "$TMP/symlink.db"
refused "--output a symlink to the input" "$TMP/symlink.db"
grep -q "is a symbolic link, not a regular file" "$TMP/err" || fail "message: $(cat "$TMP/err")"
check_eq "the database is untouched" "$sum" "$(sha256sum <"$DB")"
check_eq "the symlink is still a symlink" "$DB" "$(readlink "$TMP/symlink.db")"

echo "evidence" >"$TMP/victim.txt"
ln -s "$TMP/victim.txt" "$TMP/link.out"
refused "--output a symlink" "$TMP/link.out"
check_eq "the symlink and its target are untouched" "$TMP/victim.txt|evidence" \
	"$(readlink "$TMP/link.out")|$(cat "$TMP/victim.txt")"
mkfifo "$TMP/out.fifo"
refused "--output a FIFO" "$TMP/out.fifo"
grep -q "is a FIFO, not a regular file; refusing to replace it (to feed a pipe or a device, write to standard output" "$TMP/err" ||
	fail "message: $(cat "$TMP/err")"
[ -p "$TMP/out.fifo" ] || fail "the FIFO was replaced"
mkdir "$TMP/outdir"
refused "--output a directory" "$TMP/outdir"
[ -d "$TMP/outdir" ] || fail "the directory was replaced"
# A character device: our own node for /dev/full's numbers, never the real one.
if mknod "$TMP/full" c 1 7 2>/dev/null; then
	refused "--output a character device" "$TMP/full"
	[ -c "$TMP/full" ] || fail "the device node was replaced"
elif [ "${FLOWAUDIT_REQUIRE_BPF:-0}" = 1 ]; then
	fail "cannot mknod a character device (needs root)"
else
	echo "skipped: --output a character device (mknod needs root)"
fi

# The -wal of a live database is an input too.
live_start "$FLOWREC" "$TMP/live.db" "$TMP/in.bin"
"$FLOWQ" export --db "$TMP/live.db" --output "$TMP/live.db-wal" >/dev/null 2>"$TMP/err"
check_eq "--output the live database's -wal: exit" 2 $?
grep -q "is the input $TMP/live.db-wal" "$TMP/err" || fail "message: $(cat "$TMP/err")"
live_stop
check_eq "the live run ended cleanly, its rows intact" "0|ok|2" \
	"$LIVE_RC|$(q "$TMP/live.db" 'PRAGMA integrity_check')|$(q "$TMP/live.db" 'SELECT count(*) FROM flow_events_all')"

# What is allowed: a new file, and replacing a regular file.
"$FLOWQ" export --db "$DB" --format ndjson --output "$TMP/new.ndjson"
check_eq "--output a new file" "0|2" "$?|$(wc -l <"$TMP/new.ndjson")"
echo old >"$TMP/regular.ndjson"
"$FLOWQ" export --db "$DB" --format ndjson --output "$TMP/regular.ndjson"
check_eq "--output replaces a regular file" "0|2" "$?|$(wc -l <"$TMP/regular.ndjson")"
check_eq "standard output feeds a pipe" 2 "$("$FLOWQ" export --db "$DB" --format ndjson | cat | wc -l)"
finish
