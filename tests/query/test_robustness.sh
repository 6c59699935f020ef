#!/bin/bash
# flowq on bad input: missing, foreign, newer-schema and corrupt files give a
# one-line error and the documented exit code; hostile filter strings are
# inert (usage error or no match) and leave the database unchanged; filters
# on the command line give hand-computed answers.
#   test_robustness.sh FLOWQ FQ_FIXTURE
set -uo pipefail
FLOWQ=$1
FIXTURE=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_exit() { # CODE CMD...
  local want=$1; shift
  "$@" >"$T/stdout" 2>"$T/stderr"; local got=$?
  local a="$*"; [ "$got" = "$want" ] || fail "exit $got, want $want: ${a:0:200} ($(head -c 300 "$T/stderr"))"
  [ "$want" = 0 ] || [ "$want" = 1 ] || [ "$(wc -l <"$T/stderr")" = 1 ] || fail "not one line: $*: $(cat "$T/stderr")"
}

"$FIXTURE" "$T/a.db" cell-a || fail fixture
before=$(sha256sum <"$T/a.db")

expect_exit 3 "$FLOWQ" export --db "$T/missing.db"
grep -q "missing.db" "$T/stderr" || fail "error does not name the path"
echo "hello, not a database at all" >"$T/text.db"
expect_exit 6 "$FLOWQ" runs --db "$T/text.db"
sqlite3 "$T/other.db" "CREATE TABLE t (x); INSERT INTO t VALUES (1);"
expect_exit 6 "$FLOWQ" export --db "$T/other.db"
cp "$T/a.db" "$T/newer.db"; sqlite3 "$T/newer.db" "PRAGMA user_version = 99"
expect_exit 6 "$FLOWQ" export --db "$T/newer.db"
grep -q newer "$T/stderr" || fail "newer schema not named"
# Corrupt: keep the header page, overwrite the rest with garbage.
cp "$T/a.db" "$T/corrupt.db"
size=$(stat -c %s "$T/corrupt.db")
dd if=/dev/urandom of="$T/corrupt.db" bs=4096 seek=1 count=$((size / 4096 - 1)) conv=notrunc status=none
"$FLOWQ" export --db "$T/corrupt.db" >/dev/null 2>"$T/stderr"; rc=$?
[ $rc -ne 0 ] || fail "corrupt database exported with exit 0"
"$FLOWQ" verify --db "$T/corrupt.db" >/dev/null 2>&1 && fail "verify passed a corrupt database"
expect_exit 6 "$FLOWQ" export --db "$T"   # a directory
grep -q "directory" "$T/stderr" || fail "directory not named"

# Usage errors: one line naming the option, exit 2.
expect_exit 2 "$FLOWQ" export --db "$T/a.db" --port 70000
grep -q -- "--port" "$T/stderr" || fail "--port not named"
expect_exit 2 "$FLOWQ" export --db "$T/a.db" --format xml
expect_exit 2 "$FLOWQ" export --db "$T/a.db" --dst "'; DROP TABLE flow_events; --"
expect_exit 2 "$FLOWQ" export --db "$T/a.db" --since "1' OR '1'='1"
expect_exit 2 "$FLOWQ" export --db "$T/a.db" --bogus
expect_exit 2 "$FLOWQ" export --db "$T/a.db" --port
expect_exit 2 "$FLOWQ" runs --db "$T/a.db" --format cbor
expect_exit 2 "$FLOWQ" flows --db "$T/a.db" --reason x
expect_exit 2 "$FLOWQ" export
expect_exit 2 "$FLOWQ" frobnicate --db "$T/a.db"
expect_exit 2 "$FLOWQ"

# Hostile strings as string filters: no match, exit 0.
long=$(head -c 100000 /dev/zero | tr '\0' x)
garbage=$(head -c 4096 /dev/urandom | tr -d '\0')
for v in "'; DROP TABLE flow_events; --" "cell-a' OR '1'='1" "$long" "$garbage" '%s%n'; do
  for opt in --cell --run --reason; do
    expect_exit 0 "$FLOWQ" export --db "$T/a.db" $opt "$v" --format ndjson
    [ -s "$T/stdout" ] && fail "$opt hostile value matched rows"
  done
done
[ "$(sha256sum <"$T/a.db")" = "$before" ] || fail "database changed"
[ "$(sqlite3 "$T/a.db" 'SELECT count(*) FROM flow_events')" = 6 ] || fail "rows lost"

# Filters on the command line against hand-computed answers.
ids() { "$FLOWQ" export --db "$T/a.db" --format ndjson "$@" | jq -r .decision_id | paste -sd' '; }
[ "$(ids --dst 192.0.2.0/24)" = "cell-a:run-1:1" ] || fail "--dst v4"
[ "$(ids --dst 2001:db8::/32)" = "cell-a:run-1:2 cell-a:run-2:2" ] || fail "--dst v6"
[ "$(ids --decision deny)" = "cell-a:run-1:3 cell-a:run-2:1" ] || fail "--decision"
[ "$(ids --direction ingress --proto icmpv6)" = "cell-a:run-2:2" ] || fail "--direction --proto"
[ "$(ids --since 2026-05-06T12:00:02Z --until 2026-05-06T12:00:04Z)" = "cell-a:run-1:2 cell-a:run-1:3" ] || fail "--since --until"
[ "$(ids --run run-2 --limit 1)" = "cell-a:run-2:1" ] || fail "--run --limit"
[ "$(ids --reason nflog_match --port 80)" = "cell-a:run-1:3" ] || fail "--reason --port"
[ "$(ids --cell cell-a --proto 47)" = "cell-a:run-1:4" ] || fail "--proto 47"
[ "$(ids --since 1m)" = "" ] || fail "relative --since"
[ "$("$FLOWQ" export --db "$T/a.db" --format cbor --limit 2 | /usr/bin/python3 -c 'import sys,cbor2; print(len(cbor2.loads(sys.stdin.buffer.read())))')" = 2 ] || fail "cbor --limit count"
# runs: unique flows follow the accumulator (duplicate open once, orphan close none).
[ "$("$FLOWQ" runs --db "$T/a.db" --run run-1 --format ndjson | jq -c '[.flows,.unique_flows,.end_status]')" = '[4,3,"clean"]' ] || fail "runs run-1"
[ "$("$FLOWQ" runs --db "$T/a.db" --run run-2 --format ndjson | jq -c '[.ended_at,.end_status]')" = '[null,"running_or_killed"]' ] || fail "runs run-2"
# health: the final row wins over a later tick; run-2 lost one ring-buffer record.
[ "$("$FLOWQ" health --db "$T/a.db" --format ndjson | jq -c '[.run_id,.is_final,.ring_drops,.verdict]' | paste -sd' ')" = '["run-1",true,0,"ok"] ["run-2",false,1,"lost"]' ] || fail "health"
[ "$("$FLOWQ" flows --db "$T/a.db" --dst 192.0.2.5 --format ndjson | jq -c '[.flow_id,.state,.close_reason,.duration_ns]' | paste -sd' ')" = '[1,"closed","tcp_fin",4000000000] [4,"open",null,0]' ] || fail "flows --dst"
[ "$("$FLOWQ" summary --db "$T/a.db" --format ndjson | jq -c 'select(.section=="denied") | .dst_addr' | paste -sd' ')" = '"198.51.100.7" "203.0.113.9"' ] || fail "summary denied"
"$FLOWQ" verify --db "$T/a.db" >/dev/null || fail "verify of a good database"
# verify finds a seq gap and a dangling flow reference.
cp "$T/a.db" "$T/gap.db"
sqlite3 "$T/gap.db" "DELETE FROM flow_events WHERE run_pk = 1 AND seq = 2; UPDATE flow_events SET flow_id = 999 WHERE seq = 1 AND run_pk = 2"
expect_exit 1 "$FLOWQ" verify --db "$T/gap.db" --format ndjson
[ "$(jq -r 'select(.status=="problem") | .check' "$T/stdout" | paste -sd' ')" = "foreign_keys seq flow_refs" ] || fail "verify problems: $(cat "$T/stdout")"
echo "ok: robustness"
