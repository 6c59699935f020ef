#!/usr/bin/env bash
# Long exports show progress on stderr when it is a terminal and the data goes
# elsewhere (--output FILE, or a pipe), and only then: under script(1) (a
# pseudo-terminal) a 400,000-record export prints "flowq: N records,
# R records/s" lines, clears the line and ends with the exact total
# "flowq: 400000 records -> FILE"; when the data itself goes to the terminal
# no progress is printed at all (it would land between rows); piped, stderr
# stays empty; the exported bytes are the same every way. An export that
# matches nothing says so on a terminal, and is empty. Progress starts after
# a second: where lines must show, the export is held up by a reader that
# waits two seconds before it reads (140 MB do not fit in the pipe), so the
# test does not depend on how fast flowq is.
# Usage: test_progress.sh FLOWQ FQ_FIXTURE
set -u
FLOWQ=$1 FIXTURE=$2
T=$(mktemp -d /tmp/flowaudit-progress-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v script >/dev/null || fail "script(1) (package bsdutils) is needed for a pseudo-terminal"
# A terminal's output as lines: carriage returns and the erase-line sequence taken out.
lines() { tr '\r' '\n' <"$1" | sed 's/\x1b\[K//g'; }
"$FIXTURE" "$T/bulk.db" bulk 400000 >/dev/null || fail "fixture"

# Piped: no progress.
"$FLOWQ" export --db "$T/bulk.db" --format ndjson --output "$T/piped.ndjson" 2>"$T/piped.err" ||
	fail "export (piped)"
[ ! -s "$T/piped.err" ] || fail "progress printed to a non-terminal: $(head -c 200 "$T/piped.err")"

# On a terminal, data to a file: nothing of the progress in the data, and the
# exact total at the end.
script -qec "$FLOWQ export --db $T/bulk.db --format ndjson --output $T/tty.ndjson" /dev/null \
	>"$T/tty.out" 2>&1 || fail "export (terminal)"
cmp -s "$T/piped.ndjson" "$T/tty.ndjson" || fail "the export differs when stderr is a terminal"
[ "$(wc -l <"$T/tty.ndjson")" = 400000 ] || fail "record count"
lines "$T/tty.out" | grep -qx "flowq: 400000 records → $T/tty.ndjson" ||
	fail "no exact total at the end: $(tail -c 200 "$T/tty.out" | od -c | tail -5)"

# Data through a pipe, stderr on the terminal, an export that lasts more than a
# second: progress lines on the terminal, cleared, the total, none in the data.
script -qec "$FLOWQ export --db $T/bulk.db --format ndjson | { sleep 2; cat >$T/pipe.ndjson; }" \
	/dev/null >"$T/pipe.out" 2>&1 || fail "export (into a pipe)"
tr '\r' '\n' <"$T/pipe.out" | grep -qE "^flowq: [0-9]+ records, [0-9]+ records/s" ||
	fail "no progress on a terminal: $(head -c 300 "$T/pipe.out")"
grep -q $'\r\033\[K' "$T/pipe.out" || fail "the progress line was not cleared"
cmp -s "$T/piped.ndjson" "$T/pipe.ndjson" || fail "progress reached the data in a pipe"
lines "$T/pipe.out" | grep -qx "flowq: 400000 records → standard output" ||
	fail "no total for a pipe: $(tail -c 200 "$T/pipe.out")"

# Data to the terminal itself: not one progress line among the rows.
script -qec "$FLOWQ export --db $T/bulk.db --format ndjson --limit 150000" /dev/null \
	>"$T/term.out" 2>&1 || fail "export (to the terminal)"
grep -q 'flowq:' "$T/term.out" && fail "progress printed among rows on the terminal"
[ "$(tr -d '\r' <"$T/term.out" | grep -c '^{')" = 150000 ] || fail "rows on the terminal"

# Nothing matches: empty output, exit 0, and a word on the terminal only.
script -qec "$FLOWQ export --db $T/bulk.db --format ndjson --cell no-such-cell --output $T/none.ndjson" \
	/dev/null >"$T/none.out" 2>&1 || fail "empty export (terminal)"
[ ! -s "$T/none.ndjson" ] || fail "an empty selection wrote records"
tr -d '\r' <"$T/none.out" | grep -qx "flowq: no decisions match" || fail "no 'no decisions match': $(cat "$T/none.out")"
"$FLOWQ" export --db "$T/bulk.db" --format ndjson --cell no-such-cell >"$T/none2" 2>"$T/none2.err" ||
	fail "empty export (piped) failed"
[ ! -s "$T/none2" ] && [ ! -s "$T/none2.err" ] || fail "empty export piped printed something"
echo "ok: progress on a terminal only, never in the data, exact total, empty result said"
