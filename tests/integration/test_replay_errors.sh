#!/usr/bin/env bash
# Bad input gets a clear error naming the problem and a documented exit code,
# and never touches a file that is not ours.
# Usage: test_replay_errors.sh FLOWREC MAKE_REPLAY
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 MAKE_REPLAY=$2
DB=$TMP/cell.db
"$MAKE_REPLAY" known "$TMP/known.bin" || exit 1

expect() { # expect CODE PATTERN ARGS...
	local code=$1 pattern=$2; shift 2
	"$FLOWREC" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	check_eq "exit $code for: $*" "$code" "$rc"
	grep -q -- "$pattern" "$TMP/err" || fail "stderr for '$*' lacks '$pattern': $(cat "$TMP/err")"
	[ "$(wc -l <"$TMP/err")" -le 1 ] || fail "more than one line of error for '$*'"
}
expect 2 "missing --db" --cell c --run r --replay x
expect 2 "--batch-events: 'lots' is not a whole number" --db "$DB" --cell c --run r --replay x --batch-events lots
expect 2 "unknown option '--frobnicate'" --db "$DB" --cell c --run r --replay x --frobnicate
expect 2 "choose one source" --db "$DB" --cell c --run r --replay x --source noop
expect 4 "$TMP/none.bin: cannot open: No such file" --db "$DB" --cell c --run r --replay "$TMP/none.bin"
echo "hello, I am a text file, not a database" >"$TMP/text.db"
cp "$TMP/text.db" "$TMP/text.orig"
expect 6 "not a flowaudit database" --db "$TMP/text.db" --cell c --run r --replay "$TMP/known.bin"
cmp -s "$TMP/text.db" "$TMP/text.orig" || fail "a foreign file was modified"
expect 3 "cannot create" --db "$TMP/no/such/dir/x.db" --cell c --run r --replay "$TMP/known.bin"
"$FLOWREC" --db "$DB" --cell c --run r --replay "$TMP/known.bin" --quiet
expect 2 "run 'r' of cell 'c' already exists" --db "$DB" --cell c --run r --replay "$TMP/known.bin"
check_eq "the existing run is intact" "1|5" "$(q "$DB" 'SELECT count(*), (SELECT count(*) FROM flow_events_all) FROM runs')"
# A device (epoll refuses /dev/null) is read like a file: an empty run.
"$FLOWREC" --db "$DB" --cell c --run devnull --replay /dev/null --quiet
check_eq "--replay /dev/null" "0|clean" "$?|$(q "$DB" "SELECT end_status FROM runs WHERE run_id = 'devnull'")"
"$FLOWREC" --help >"$TMP/help" 2>&1
check_eq "--help exit" 0 $?
grep -q "Usage: flowrec --db PATH --cell ID --run ID SOURCE" "$TMP/help" || fail "--help text"
grep -q "Exit status" "$TMP/help" || fail "--help lists exit codes"
"$FLOWREC" --version | grep -q "^flowrec [0-9]" || fail "--version"
finish
