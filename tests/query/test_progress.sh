#!/usr/bin/env bash
# Long exports show progress on stderr when it is a terminal, and only then:
# under script(1) (a pseudo-terminal) a 400,000-record export prints
# "flowq: N records, R records/s" lines; piped, stderr stays empty; the
# exported bytes are the same either way.
# Usage: test_progress.sh FLOWQ FQ_FIXTURE
set -u
FLOWQ=$1 FIXTURE=$2
T=$(mktemp -d /tmp/flowaudit-progress-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v script >/dev/null || fail "script(1) (package bsdutils) is needed for a pseudo-terminal"
"$FIXTURE" "$T/bulk.db" bulk 400000 >/dev/null || fail "fixture"

# Piped: no progress.
"$FLOWQ" export --db "$T/bulk.db" --format ndjson --output "$T/piped.ndjson" 2>"$T/piped.err" ||
	fail "export (piped)"
[ ! -s "$T/piped.err" ] || fail "progress printed to a non-terminal: $(head -c 200 "$T/piped.err")"

# On a terminal: progress, and nothing of it in the data.
script -qec "$FLOWQ export --db $T/bulk.db --format ndjson --output $T/tty.ndjson" /dev/null \
	>"$T/tty.out" 2>&1 || fail "export (terminal)"
tr '\r' '\n' <"$T/tty.out" | grep -qE "^flowq: [0-9]+ records, [0-9]+ records/s" ||
	fail "no progress on a terminal: $(head -c 300 "$T/tty.out")"
cmp -s "$T/piped.ndjson" "$T/tty.ndjson" || fail "the export differs when stderr is a terminal"
[ "$(wc -l <"$T/tty.ndjson")" = 400000 ] || fail "record count"
echo "ok: progress on a terminal only, exports identical"
