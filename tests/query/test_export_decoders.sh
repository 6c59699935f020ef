#!/bin/bash
# flowq export against independent decoders: python3-cbor2 (Debian's
# /usr/bin/python3), jq and the sqlite3 CLI. Also: same bytes twice, --digest,
# atomic --output, and the database files' bytes unchanged by flowq.
#   test_export_decoders.sh FLOWQ FQ_FIXTURE
set -euo pipefail
FLOWQ=$1
FIXTURE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$FIXTURE" "$T/a.db" cell-a
"$FIXTURE" "$T/b.db" cell-b
before=$(sha256sum "$T/a.db" "$T/b.db")

DBS=(--db "$T/a.db" --db "$T/b.db")
"$FLOWQ" export "${DBS[@]}" --format ndjson >"$T/out.ndjson"
"$FLOWQ" export "${DBS[@]}" --format json >"$T/out.json"
"$FLOWQ" export "${DBS[@]}" --format cbor-seq >"$T/out.cborseq"
"$FLOWQ" export "${DBS[@]}" --format cbor >"$T/out.cbor"
# Piped, the default format is ndjson.
"$FLOWQ" export "${DBS[@]}" | cmp - "$T/out.ndjson" || fail "default format is not ndjson"

/usr/bin/python3 "$HERE/check_export.py" "$T" "$T/a.db" "$T/b.db"

# jq parses every line and the array; string fields round-trip exactly.
jq -e . "$T/out.ndjson" >/dev/null || fail "jq rejects ndjson"
jq -e 'length == 9' "$T/out.json" >/dev/null || fail "jq: json array length"
[ "$(jq -r '.decision_id' "$T/out.ndjson" | paste -sd' ')" = \
  "cell-a:run-1:1 cell-b:run-b1:1 cell-a:run-1:2 cell-a:run-1:3 cell-a:run-1:4 cell-a:run-2:1 cell-a:run-2:2 cell-b:run-b1:2 cell-b:run-b1:3" ] \
  || fail "merge order: $(jq -r '.decision_id' "$T/out.ndjson" | paste -sd' ')"
[ "$(jq -r 'select(.decision_id=="cell-a:run-2:1") | .correlation_id' "$T/out.ndjson")" = \
  "$(printf 'corr "q" \\ \001 caf\303\251 \346\274\242')" ] || fail "jq: escaped string"
[ "$(jq -r 'select(.decision_id=="cell-a:run-2:1") | .keyset_id' "$T/out.ndjson")" = \
  "$(printf 'kid-\357\277\275\357\277\275')" ] || fail "jq: invalid UTF-8 not replaced"
jq -c '.[]' "$T/out.json" | while read -r line; do
  echo "$line" | jq -e 'keys_unsorted == ["schema_version","cell_id","run_id","decision_id","direction","decision","reason_code","nft_rule_ref","dst_addr","dst_port","protocol","packet_count","byte_count","policy_digest","keyset_id","issuer_kid","correlation_id","observed_at"]' >/dev/null || fail "jq: key order"
done

# Same database and filters: same bytes.
for f in ndjson json cbor-seq cbor; do
  a=$("$FLOWQ" export "${DBS[@]}" --format $f --dst 0.0.0.0/0 | sha256sum)
  b=$("$FLOWQ" export "${DBS[@]}" --format $f --dst 0.0.0.0/0 | sha256sum)
  [ "$a" = "$b" ] || fail "$f: two runs differ"
done

# --digest: sha256 of exactly the bytes exported, on stderr; --output is atomic.
"$FLOWQ" export "${DBS[@]}" --format cbor --output "$T/sub.cbor" --digest sha256 2>"$T/digest"
[ "$(cat "$T/digest")" = "sha256:$(sha256sum <"$T/sub.cbor" | cut -d' ' -f1)" ] || fail "digest"
cmp "$T/sub.cbor" "$T/out.cbor" || fail "--output bytes differ from stdout"
ls "$T" | grep -q 'tmp\.' && fail "temporary file left behind"
"$FLOWQ" export "${DBS[@]}" --format ndjson --digest sha256 2>"$T/digest2" >"$T/x"
[ "$(cat "$T/digest2")" = "sha256:$(sha256sum <"$T/x" | cut -d' ' -f1)" ] || fail "stdout digest"
# A failed export leaves an existing --output file alone.
echo old >"$T/keep"
if "$FLOWQ" export --db "$T/missing.db" --output "$T/keep" 2>/dev/null; then fail "missing db"; fi
[ "$(cat "$T/keep")" = old ] || fail "failed export replaced --output"

# Every other command runs in every format it has.
for c in runs flows summary health verify; do
  for f in table json ndjson; do
    "$FLOWQ" $c "${DBS[@]}" --format $f >"$T/c.out" || fail "$c --format $f"
    [ $f = json ] && { jq -e . "$T/c.out" >/dev/null || fail "$c json invalid"; }
    [ $f = ndjson ] && { jq -e . "$T/c.out" >/dev/null || fail "$c ndjson invalid"; }
  done
done
# Into a file, not a pipe to grep -q: grep leaves at its first match, and a
# help longer than one stdio buffer would then die of SIGPIPE (pipefail).
"$FLOWQ" --help >"$T/help" && grep -q SYNOPSIS "$T/help" || fail "flowq --help"
for c in runs export flows summary health verify verify-export; do
  "$FLOWQ" $c --help >"$T/help" && grep -q "EXIT STATUS" "$T/help" || fail "$c --help"
done

after=$(sha256sum "$T/a.db" "$T/b.db")
[ "$before" = "$after" ] || fail "database bytes changed"
echo "ok: export decoders"
