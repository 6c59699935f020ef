#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# flowq's command line, message by message: every usage error of the option
# and filter parsers is exit 2 and exactly one line naming the option and the
# accepted form. The lines are pinned word for word, so a parser rewritten
# from tables says what the hand-written one said; accepted forms parse.
#   test_filters_cli.sh FLOWQ FQ_FIXTURE
set -uo pipefail
FLOWQ=$1
FIXTURE=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$FIXTURE" "$T/a.db" cell-a || fail fixture
DB=$T/a.db

usage() { # MESSAGE ARGS...: exit 2 and exactly MESSAGE on stderr, nothing on stdout
  local want=$1; shift
  "$FLOWQ" "$@" >"$T/out" 2>"$T/err"; local rc=$?
  local args="$*"
  [ "$rc" = 2 ] || fail "exit $rc, want 2: ${args:0:200}"
  [ "$(cat "$T/err")" = "$want" ] || fail "${args:0:200}: got '$(cat "$T/err")', want '$want'"
  [ -s "$T/out" ] && fail "${args:0:200}: wrote to stdout"
  return 0
}

# Filter values.
usage "flowq export: --port: '70000' is not a port (expected 0-65535)" export --db "$DB" --port 70000
usage "flowq export: --port: '' is not a port (expected 0-65535)" export --db "$DB" --port ''
usage "flowq export: --port: '+1' is not a port (expected 0-65535)" export --db "$DB" --port +1
usage "flowq export: --proto: 'sctpx' is not a protocol (expected tcp, udp, icmp, icmpv6 or a number 0-255)" \
  export --db "$DB" --proto sctpx
usage "flowq export: --since: 'yesterday' is not a time (expected RFC 3339 like 2026-05-06T12:00:00Z, or relative like 15m, 2h, 7d)" \
  export --db "$DB" --since yesterday
usage "flowq export: --until: '2026-02-30T00:00:00Z' is not a time (expected RFC 3339 like 2026-05-06T12:00:00Z, or relative like 15m, 2h, 7d)" \
  export --db "$DB" --until 2026-02-30T00:00:00Z
usage "flowq export: --dst: '10.0.0.0/33' is not an address or CIDR (expected e.g. 10.0.0.0/8, 192.0.2.5, 2001:db8::/32)" \
  export --db "$DB" --dst 10.0.0.0/33
usage "flowq export: --decision: 'maybe' is not a decision (expected allow or deny)" export --db "$DB" --decision maybe
usage "flowq export: --direction: 'up' is not a direction (expected egress or ingress)" export --db "$DB" --direction up
usage "flowq export: --limit: '-5' is not a count (expected a whole number >= 0)" export --db "$DB" --limit -5
usage "flowq export: --cell: empty value (expected a non-empty string)" export --db "$DB" --cell ''
usage "flowq export: --run: empty value (expected a non-empty string)" export --db "$DB" --run ''
usage "flowq export: --reason: empty value (expected a non-empty string)" export --db "$DB" --reason ''
# A long or control-laden value is clipped to 64 bytes and shown without control characters.
long=$(head -c 100 /dev/zero | tr '\0' 7)
usage "flowq summary: --port: '$(head -c 64 /dev/zero | tr '\0' 7)...' is not a port (expected 0-65535)" \
  summary --db "$DB" --port "$long"
usage "flowq flows: --proto: 'a?b' is not a protocol (expected tcp, udp, icmp, icmpv6 or a number 0-255)" \
  flows --db "$DB" --proto "$(printf 'a\tb')"

# Filters and options a command does not take.
usage "flowq flows: --reason does not apply to 'flows' (see flowq flows --help)" flows --db "$DB" --reason x
usage "flowq flows: --decision does not apply to 'flows' (see flowq flows --help)" flows --db "$DB" --decision allow
usage "flowq runs: --dst does not apply to 'runs' (see flowq runs --help)" runs --db "$DB" --dst 10.0.0.0/8
usage "flowq health: --port does not apply to 'health' (see flowq health --help)" health --db "$DB" --port 1
usage "flowq verify: --limit does not apply to 'verify' (see flowq verify --help)" verify --db "$DB" --limit 1
usage "flowq runs: --output does not apply to 'runs' (see flowq runs --help)" runs --db "$DB" --output x
usage "flowq runs: --digest does not apply to 'runs' (see flowq runs --help)" runs --db "$DB" --digest sha256
usage "flowq runs: --key does not apply to 'runs' (see flowq runs --help)" runs --db "$DB" --key k
usage "flowq export: --pubkey does not apply to 'export' (see flowq export --help)" export --db "$DB" --pubkey k
usage "flowq verify-export: --db does not apply to 'verify-export' (see flowq verify-export --help)" \
  verify-export --db "$DB"
usage "flowq verify-export: --format does not apply to 'verify-export' (see flowq verify-export --help)" \
  verify-export --format json x
usage "flowq verify-export: --cell does not apply to 'verify-export' (see flowq verify-export --help)" \
  verify-export --cell c x

# Formats, export options and signing.
usage "flowq runs: --format: 'cbor' is not a format here (expected table, json, ndjson)" runs --db "$DB" --format cbor
usage "flowq export: --format: 'xml' is not a format here (expected table, json, ndjson, cbor-seq, cbor, cose-sign1)" \
  export --db "$DB" --format xml
usage "flowq export: --format: 'auto' is not a format here (expected table, json, ndjson, cbor-seq, cbor, cose-sign1)" \
  export --db "$DB" --format auto
usage "flowq export: --digest: 'md5' is not supported (expected sha256)" export --db "$DB" --digest md5
usage "flowq export: --output: empty path (expected a file name)" export --db "$DB" --output ''
usage "flowq export: --key: empty value" export --db "$DB" --key ''
usage "flowq export: --key applies only to --format cose-sign1" export --db "$DB" --key k
usage "flowq export: --kid applies only to --format cose-sign1" export --db "$DB" --kid k
usage "flowq export: --key-pass-file applies only to --format cose-sign1" export --db "$DB" --key-pass-file p
usage "flowq export: --format cose-sign1: needs --key KEY.pem (Ed25519 or ECDSA P-256)" \
  export --db "$DB" --format cose-sign1
usage "flowq export: --kid: longer than 1024 bytes" \
  export --db "$DB" --format cose-sign1 --key k --kid "$(head -c 1025 /dev/zero | tr '\0' k)"
usage "flowq verify-export: --pubkey: missing (expected --pubkey PUB.pem, the signer's public key)" verify-export x
usage "flowq verify-export: FILE: missing (expected flowq verify-export --pubkey PUB.pem FILE)" verify-export --pubkey k
usage "flowq verify-export: --pubkey: empty value" verify-export --pubkey '' x
usage "flowq verify-export: unexpected argument 'y' (see flowq verify-export --help)" verify-export --pubkey k x y

# The parser itself.
usage "flowq export: --port needs a value (see flowq export --help)" export --db "$DB" --port
usage "flowq export: unknown option '--bogus' (see flowq export --help)" export --db "$DB" --bogus
usage "flowq export: unknown option '-x' (see flowq export --help)" export --db "$DB" -x
usage "flowq export: unknown option '--help=x' (see flowq export --help)" export --db "$DB" --help=x
usage "flowq export: unexpected argument 'extra' (see flowq export --help)" export --db "$DB" extra
usage "flowq export: --db: missing (expected --db PATH, once per cell database)" export
usage "flowq export: --db $DB: the same file as --db $DB (give each database once)" export --db "$DB" --db "$DB"
usage "flowq: unknown command 'frobnicate' (expected runs, export, flows, summary, health, verify or verify-export; see flowq --help)" \
  frobnicate
usage "flowq: missing command (runs, export, flows, summary, health, verify, verify-export; see flowq --help)"

# Accepted forms parse (exit 0): abbreviations getopt allows, --opt=value, the last value wins.
"$FLOWQ" export --db "$DB" --limit=3 --limit 1 --format ndjson >"$T/out" || fail "--limit=3 --limit 1"
[ "$(wc -l <"$T/out")" = 1 ] || fail "the last --limit counts: $(wc -l <"$T/out") records"
"$FLOWQ" runs --db="$DB" --format=json --cell cell-a --since 2026-01-01T00:00:00Z --until 1s >"$T/out" ||
  fail "runs with every run filter"
"$FLOWQ" export --db "$DB" --proto 6 --port 443 --dst ::ffff:0:0/96 --decision allow --direction egress \
  --reason ebpf_tc_observed --format json >"$T/out" || fail "export with every event filter"
"$FLOWQ" summary --db "$DB" --limit 0 --format ndjson >/dev/null || fail "summary --limit 0"
"$FLOWQ" export -h >"$T/out" && grep -q "EXIT STATUS" "$T/out" || fail "export -h"
"$FLOWQ" verify-export --help >"$T/out" && grep -q -- "--pubkey" "$T/out" || fail "verify-export --help"
echo "ok - flowq's command-line messages"
