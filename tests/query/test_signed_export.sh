#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Signed exports end to end: keys made here with the openssl CLI, exports
# signed by flowq (Ed25519 and ECDSA P-256), checked by flowq verify-export
# and by an independent verifier (check_cose.py: python3-cryptography and
# python3-cbor2); every byte flipped is refused by both; the payload is the
# --format cbor export byte for byte; bad keys, passphrases and files fail
# with one line and their own exit code, writing nothing.
#   test_signed_export.sh FLOWQ FQ_FIXTURE
set -euo pipefail
FLOWQ=$1
FIXTURE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK=(/usr/bin/python3 "$HERE/check_cose.py")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$FIXTURE" "$T/a.db" cell-a
"$FIXTURE" "$T/b.db" cell-b
"$FIXTURE" "$T/bulk.db" bulk 3000
before=$(sha256sum "$T/a.db" "$T/b.db" "$T/bulk.db")

# Keys, as an operator would make them.
K=$T/keys
mkdir "$K"
openssl genpkey -algorithm ed25519 -out "$K/ed.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/ec.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$K/ed-other.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/rsa.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$K/p384.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -aes-256-cbc -pass pass:'open sesame' -out "$K/enc.pem" 2>/dev/null
for k in ed ec ed-other rsa p384; do openssl pkey -in "$K/$k.pem" -pubout -out "$K/$k.pub"; done
printf 'open sesame\n' >"$K/pass"
printf 'open sesame!\n' >"$K/wrong-pass"
grep -q 'ENCRYPTED PRIVATE KEY' "$K/enc.pem" || fail "openssl did not encrypt the key"

# expect_error RC MESSAGE CMD...: exits RC, one line on stderr naming MESSAGE, nothing on stdout.
expect_error() {
	local want=$1 msg=$2 rc=0
	shift 2
	"$@" >"$T/err.out" 2>"$T/err.txt" || rc=$?
	[ "$rc" = "$want" ] || fail "$*: exit $rc, expected $want ($(cat "$T/err.txt"))"
	[ "$(wc -l <"$T/err.txt")" = 1 ] || fail "$*: not one line: $(cat "$T/err.txt")"
	grep -qF -- "$msg" "$T/err.txt" || fail "$*: '$(cat "$T/err.txt")' does not say '$msg'"
	[ ! -s "$T/err.out" ] || fail "$*: wrote to standard output"
}

# ---- sign, verify with both verifiers, payload == --format cbor
# run-1 of cell-a: every record has issuer_kid "issuer-1", the default kid.
for alg in ed:EdDSA ec:ES256; do
	k=${alg%%:*} name=${alg#*:}
	"$FLOWQ" export --db "$T/a.db" --run run-1 --format cose-sign1 --key "$K/$k.pem" >"$T/$k.cose"
	"$FLOWQ" export --db "$T/a.db" --run run-1 --format cbor >"$T/run1.cbor"
	out=$("$FLOWQ" verify-export --pubkey "$K/$k.pub" "$T/$k.cose")
	[ "$out" = "ok alg=$name kid=issuer-1 records=4" ] || fail "verify-export said: $out"
	"${CHECK[@]}" verify "$T/$k.cose" "$K/$k.pub" "$name" issuer-1 "$T/run1.cbor"

	# Both databases (mixed issuer_kid): --kid, to --output, with --digest.
	"$FLOWQ" export --db "$T/a.db" --db "$T/b.db" --format cose-sign1 --key "$K/$k.pem" \
		--kid "audit key 7" --output "$T/$k-all.cose" --digest sha256 2>"$T/digest"
	[ "$(cat "$T/digest")" = "sha256:$(sha256sum <"$T/$k-all.cose" | cut -d' ' -f1)" ] ||
		fail "--digest is not the signed file's"
	"$FLOWQ" export --db "$T/a.db" --db "$T/b.db" --format cbor >"$T/all.cbor"
	"${CHECK[@]}" verify "$T/$k-all.cose" "$K/$k.pub" "$name" "audit key 7" "$T/all.cbor"
	# A kid with a space is printed in hex.
	out=$("$FLOWQ" verify-export --pubkey "$K/$k.pub" "$T/$k-all.cose")
	[ "$out" = "ok alg=$name kid=h'6175646974206b65792037' records=9" ] ||
		fail "verify-export said: $out"

	# Larger than the 64 KiB read chunks and many pages: 3000 records, filtered.
	"$FLOWQ" export --db "$T/bulk.db" --format cose-sign1 --key "$K/$k.pem" --proto tcp \
		--output "$T/$k-bulk.cose"
	"$FLOWQ" export --db "$T/bulk.db" --format cbor --proto tcp >"$T/bulk.cbor"
	[ "$(stat -c %s "$T/bulk.cbor")" -gt 200000 ] || fail "bulk payload too small to cross chunks"
	"${CHECK[@]}" verify "$T/$k-bulk.cose" "$K/$k.pub" "$name" issuer-1 "$T/bulk.cbor"
	"$FLOWQ" verify-export --pubkey "$K/$k.pub" "$T/$k-bulk.cose" | grep -qx \
		"ok alg=$name kid=issuer-1 records=$(/usr/bin/python3 -c 'import cbor2,sys; print(len(cbor2.load(open(sys.argv[1],"rb"))))' "$T/bulk.cbor")" ||
		fail "bulk verify-export"

	# An empty selection signs an empty array, given a kid.
	"$FLOWQ" export --db "$T/a.db" --run no-such-run --format cose-sign1 --key "$K/$k.pem" \
		--kid k0 >"$T/$k-empty.cose"
	"${CHECK[@]}" verify "$T/$k-empty.cose" "$K/$k.pub" "$name" k0
	[ "$("$FLOWQ" verify-export --pubkey "$K/$k.pub" "$T/$k-empty.cose")" = \
		"ok alg=$name kid=k0 records=0" ] || fail "empty selection"

	# Every byte flipped: both verifiers refuse (a one-record export, all its bytes).
	"$FLOWQ" export --db "$T/a.db" --run run-1 --limit 1 --format cose-sign1 --key "$K/$k.pem" \
		>"$T/$k-one.cose"
	"${CHECK[@]}" tamper "$T/$k-one.cose" "$K/$k.pub" "$FLOWQ"
done
# Ed25519 is deterministic: the same selection gives the same bytes. ES256
# signs with a fresh nonce: same payload, another signature, both valid.
"$FLOWQ" export --db "$T/a.db" --run run-1 --format cose-sign1 --key "$K/ed.pem" |
	cmp - "$T/ed.cose" || fail "Ed25519 export not reproducible"
"$FLOWQ" export --db "$T/a.db" --run run-1 --format cose-sign1 --key "$K/ec.pem" >"$T/ec2.cose"
cmp -s "$T/ec2.cose" "$T/ec.cose" && fail "two ES256 signatures are equal (nonce reuse?)"
[ "$(head -c -66 "$T/ec2.cose" | sha256sum)" = "$(head -c -66 "$T/ec.cose" | sha256sum)" ] ||
	fail "ES256 exports differ before the signature"
"$FLOWQ" verify-export --pubkey "$K/ec.pub" "$T/ec2.cose" >/dev/null

# An encrypted key, with its passphrase from a file or a pipe.
"$FLOWQ" export --db "$T/a.db" --run run-1 --format cose-sign1 --key "$K/enc.pem" \
	--key-pass-file "$K/pass" >"$T/enc.cose"
openssl pkey -in "$K/enc.pem" -passin pass:'open sesame' -pubout -out "$K/enc.pub"
"${CHECK[@]}" verify "$T/enc.cose" "$K/enc.pub" EdDSA issuer-1 "$T/run1.cbor"
"$FLOWQ" export --db "$T/a.db" --run run-1 --format cose-sign1 --key "$K/enc.pem" \
	--key-pass-file <(echo 'open sesame') | cmp - "$T/enc.cose" || fail "passphrase from a pipe"

# ---- bad input: one line, its own exit code, nothing written
E=(export --db "$T/a.db" --run run-1 --format cose-sign1)
expect_error 11 "a key of type RSA; flowq signs with Ed25519 or ECDSA P-256" \
	"$FLOWQ" "${E[@]}" --key "$K/rsa.pem"
expect_error 11 "an ECDSA key on curve secp384r1" "$FLOWQ" "${E[@]}" --key "$K/p384.pem"
expect_error 12 "the key is encrypted; give its passphrase with --key-pass-file FILE" \
	"$FLOWQ" "${E[@]}" --key "$K/enc.pem"
expect_error 12 "wrong passphrase" "$FLOWQ" "${E[@]}" --key "$K/enc.pem" \
	--key-pass-file "$K/wrong-pass"
expect_error 12 "--key-pass-file $K/none: No such file" "$FLOWQ" "${E[@]}" --key "$K/enc.pem" \
	--key-pass-file "$K/none"
expect_error 12 "a public key; signing needs the private key" "$FLOWQ" "${E[@]}" --key "$K/ed.pub"
expect_error 12 "cannot read the key" "$FLOWQ" "${E[@]}" --key "$K/none.pem"
# A file that is not a key: the start of a database (a whole one is refused for its size).
head -c 4096 "$T/a.db" >"$T/db-head"
expect_error 12 "not a PEM private key" "$FLOWQ" "${E[@]}" --key "$T/db-head"
expect_error 12 "larger than 65536 bytes, not a PEM key" "$FLOWQ" "${E[@]}" --key "$T/a.db"
expect_error 2 "--format cose-sign1: needs --key" "$FLOWQ" "${E[@]}"
expect_error 2 "--key applies only to --format cose-sign1" \
	"$FLOWQ" export --db "$T/a.db" --format cbor --key "$K/ed.pem"
expect_error 2 "--key-pass-file applies only to --format cose-sign1" \
	"$FLOWQ" export --db "$T/a.db" --key-pass-file "$K/pass"
expect_error 2 "--kid: needed, the selected records do not share one issuer_kid" \
	"$FLOWQ" export --db "$T/a.db" --format cose-sign1 --key "$K/ed.pem"
expect_error 2 "--kid: needed, no record was selected" \
	"$FLOWQ" export --db "$T/a.db" --run none --format cose-sign1 --key "$K/ed.pem"
expect_error 2 "--kid: needed, the selected records do not share one issuer_kid" \
	"$FLOWQ" export --db "$T/b.db" --format cose-sign1 --key "$K/ed.pem"
expect_error 2 "--kid: empty value" "$FLOWQ" "${E[@]}" --key "$K/ed.pem" --kid ''
expect_error 2 "--pubkey does not apply to 'export'" "$FLOWQ" "${E[@]}" --pubkey "$K/ed.pub"
expect_error 7 "cannot create the temporary file for the payload" \
	env TMPDIR="$T/no-such-dir" "$FLOWQ" "${E[@]}" --key "$K/ed.pem"
# A failed signed export leaves --output alone and no temporary file behind.
echo old >"$T/keep.cose"
expect_error 2 "--kid: needed" "$FLOWQ" export --db "$T/a.db" --format cose-sign1 \
	--key "$K/ed.pem" --output "$T/keep.cose"
[ "$(cat "$T/keep.cose")" = old ] || fail "failed export replaced --output"
mkdir "$T/scratch"
TMPDIR=$T/scratch "$FLOWQ" "${E[@]}" --key "$K/ed.pem" >/dev/null
[ -z "$(ls -A "$T/scratch")" ] || fail "temporary payload file left in TMPDIR"
ls -A "$T" | grep -q 'tmp\.\|flowq-payload' && fail "temporary file left beside --output"

V=(verify-export --pubkey)
expect_error 9 "the signature does not verify (EdDSA)" "$FLOWQ" "${V[@]}" "$K/ed-other.pub" "$T/ed.cose"
expect_error 11 "signed with EdDSA, which needs an Ed25519 key; $K/ec.pub is not one" \
	"$FLOWQ" "${V[@]}" "$K/ec.pub" "$T/ed.cose"
expect_error 11 "signed with ES256, which needs an ECDSA P-256 key" \
	"$FLOWQ" "${V[@]}" "$K/ed.pub" "$T/ec.cose"
expect_error 11 "a key of type RSA" "$FLOWQ" "${V[@]}" "$K/rsa.pub" "$T/ed.cose"
expect_error 11 "secp384r1" "$FLOWQ" "${V[@]}" "$K/p384.pub" "$T/ec.cose"
expect_error 12 "a private key; give the public key (openssl pkey -in" \
	"$FLOWQ" "${V[@]}" "$K/ed.pem" "$T/ed.cose"
expect_error 12 "cannot read the key" "$FLOWQ" "${V[@]}" "$K/none.pub" "$T/ed.cose"
expect_error 10 "not a COSE_Sign1: does not start with CBOR tag 18" \
	"$FLOWQ" "${V[@]}" "$K/ed.pub" "$T/run1.cbor"
expect_error 10 "not a COSE_Sign1: does not start with CBOR tag 18" \
	"$FLOWQ" "${V[@]}" "$K/ed.pub" "$T/a.db"
"$FLOWQ" export --db "$T/a.db" --run run-1 --format ndjson >"$T/run1.ndjson"
expect_error 10 "not a COSE_Sign1" "$FLOWQ" "${V[@]}" "$K/ed.pub" "$T/run1.ndjson"
head -c 100 "$T/ed.cose" >"$T/cut.cose"
expect_error 10 "not a COSE_Sign1: the payload is not a byte string" \
	"$FLOWQ" "${V[@]}" "$K/ed.pub" "$T/cut.cose"
{ cat "$T/ed.cose"; printf 'x'; } >"$T/long.cose"
expect_error 10 "1 bytes follow the COSE_Sign1" "$FLOWQ" "${V[@]}" "$K/ed.pub" "$T/long.cose"
: >"$T/empty.cose"
expect_error 10 "the file is empty" "$FLOWQ" "${V[@]}" "$K/ed.pub" "$T/empty.cose"
expect_error 10 "not a regular file" "$FLOWQ" "${V[@]}" "$K/ed.pub" "$T"
expect_error 10 "cannot read: No such file" "$FLOWQ" "${V[@]}" "$K/ed.pub" "$T/none.cose"
expect_error 2 "FILE: missing" "$FLOWQ" "${V[@]}" "$K/ed.pub"
expect_error 2 "--pubkey: missing" "$FLOWQ" verify-export "$T/ed.cose"
expect_error 2 "--db does not apply to 'verify-export'" \
	"$FLOWQ" verify-export --db "$T/a.db" --pubkey "$K/ed.pub" "$T/ed.cose"
expect_error 2 "unexpected argument" "$FLOWQ" "${V[@]}" "$K/ed.pub" "$T/ed.cose" "$T/ec.cose"
expect_error 2 "--format does not apply" "$FLOWQ" "${V[@]}" "$K/ed.pub" "$T/ed.cose" --format json

after=$(sha256sum "$T/a.db" "$T/b.db" "$T/bulk.db")
[ "$before" = "$after" ] || fail "database bytes changed"
echo "ok: signed exports"
