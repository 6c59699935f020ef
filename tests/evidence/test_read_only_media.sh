#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Forensic copies on read-only media are readable, and reading leaves no
# trace. A cleanly closed database (no -wal, no -shm) copied to a read-only
# mount failed with "unable to open database file"; a reader who cannot write
# the directory got "attempt to write a readonly database"; and flowq left
# -wal/-shm files beside a closed database. Every flowq command now reads such
# a database (opened immutable) from a read-only bind mount and as the user
# nobody, and nothing appears beside it; a live database (with its -wal) is
# still read through the WAL. Needs root (mount, setpriv): skips (77) without,
# fails instead under FLOWAUDIT_REQUIRE_BPF=1.
# Usage: test_read_only_media.sh FLOWREC FLOWQ
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 FLOWQ=$2
skip() {
	if [ "${FLOWAUDIT_REQUIRE_BPF:-0}" = 1 ]; then fail "cannot run: $*"; finish; fi
	echo "SKIP: $*"
	exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root"
command -v setpriv >/dev/null || skip "needs setpriv"
MNT=""
unmount() { [ -n "$MNT" ] && { umount "$MNT" 2>/dev/null || umount -l "$MNT"; }; }
trap 'unmount; cleanup' EXIT
chmod 0755 "$TMP"
mkdir -m 0755 "$TMP/bin" "$TMP/src" "$TMP/mnt"
cp "$FLOWQ" "$TMP/bin/flowq" # runnable by nobody wherever the build lives
FLOWQ=$TMP/bin/flowq
$FRAMES "$TMP/in.bin" "v1 t=1s" "v1 src=10.0.0.1:2 t=2s verdict=2"
"$FLOWREC" --db "$TMP/src/cell.db" --cell c --run r --replay "$TMP/in.bin" --quiet
chmod 0644 "$TMP/src/cell.db"
check_eq "a cleanly closed database is a single file" "cell.db" "$(ls -A "$TMP/src")"
expected=$("$FLOWQ" export --db "$TMP/src/cell.db" --format ndjson)
check_eq "root reading it in a writable directory leaves nothing beside it" "cell.db" "$(ls -A "$TMP/src")"
check_eq "the export has both decisions" 2 "$(printf '%s\n' "$expected" | wc -l)"

every_command() { # LABEL DB [RUNNER...]: every command succeeds, export as expected
	local label=$1 db=$2 cmd
	shift 2
	for cmd in runs export flows summary health verify; do
		"$@" "$FLOWQ" $cmd --db "$db" --format ndjson >"$TMP/out" 2>"$TMP/err"
		check_eq "$label: flowq $cmd" "0|" "$?|$(cat "$TMP/err")"
	done
	"$@" "$FLOWQ" export --db "$db" --format ndjson >"$TMP/out"
	check_eq "$label: the same export" "$expected" "$(cat "$TMP/out")"
}

# A read-only bind mount of the directory.
mount --bind "$TMP/src" "$TMP/mnt" || skip "cannot bind-mount"
MNT=$TMP/mnt
mount -o remount,ro,bind "$TMP/mnt" || skip "cannot remount read-only"
touch "$TMP/mnt/probe" 2>/dev/null && fail "the mount is writable"
every_command "read-only mount" "$TMP/mnt/cell.db"
check_eq "read-only mount: nothing appeared" "cell.db" "$(ls -A "$TMP/mnt")"

# A reader who cannot write the directory (nor the file).
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
as_nobody test -w "$TMP/src" && fail "nobody can write the directory"
every_command "user nobody" "$TMP/src/cell.db" as_nobody
every_command "user nobody, read-only mount" "$TMP/mnt/cell.db" as_nobody
check_eq "user nobody: nothing appeared" "cell.db" "$(ls -A "$TMP/src")"
unmount
MNT=""

# A live database (flowrec running, its -wal beside it) is read through the
# WAL: rows committed a moment ago are there.
live_start "$FLOWREC" "$TMP/live.db" "$TMP/in.bin"
live_count() { [ "$("$FLOWQ" export --db "$TMP/live.db" --format ndjson | wc -l)" = 2 ]; }
wait_for 20 live_count || fail "committed rows of a live database are not visible"
live_stop
check_eq "the live run ended cleanly" 0 "$LIVE_RC"
check_eq "after the run: one file again" "live.db" "$(cd "$TMP" && ls -A live.db*)"
finish
