#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The cost of signing an export: flowq export --format cbor beside
# --format cose-sign1 with an Ed25519 key and with an ECDSA P-256 key, on the
# same database in this one invocation, then flowq verify-export of each
# signed file.
#   bench/sign_bench.sh [BUILD_DIR] [EVENTS] [ROUNDS]
# Generates a database of EVENTS (default 1,000,000) flow events
# (tests/query/fq_fixture bulk), runs the three exports ROUNDS times (default
# 2) interleaved, and reports for the fastest round of each: seconds,
# records/s, the ratio to cbor, the peak resident set (GNU time), and the peak
# anonymous and file-backed resident memory sampled from /proc (RssAnon is
# the heap and stacks: what the export holds; RssFile counts mapped file pages,
# the page cache of the payload that Ed25519 signs from a mapping).
set -euo pipefail
BUILD=${1:-build}
N=${2:-1000000}
ROUNDS=${3:-2}
FLOWQ=$(find "$BUILD" -type f -name flowq -perm -u+x | head -n1)
FIXTURE=$(find "$BUILD" -type f -name fq_fixture -perm -u+x | head -n1)
[ -x "$FLOWQ" ] && [ -x "$FIXTURE" ] || { echo "build flowq and fq_fixture first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "install the 'time' package (GNU time)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "install the 'openssl' package" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DB=$T/bench.db
export TMPDIR=$T # the cose payload's temporary file: on the same disk as the outputs

"$FIXTURE" "$DB" bulk "$N"
openssl genpkey -algorithm ed25519 -out "$T/ed.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec.pem" 2>/dev/null
openssl pkey -in "$T/ed.pem" -pubout -out "$T/ed.pub"
openssl pkey -in "$T/ec.pem" -pubout -out "$T/ec.pub"
cat "$DB" >/dev/null # warm the page cache for every reader alike

# measure NAME CMD...: one line "NAME seconds maxrss_KiB rss_anon_KiB rss_file_KiB".
measure() {
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$T/time" "$@" >/dev/null &
	local tpid=$! pid="" anon=0 file=0 a f
	# The measured process is time's child; sample its memory while it runs.
	while kill -0 "$tpid" 2>/dev/null; do
		[ -n "$pid" ] || pid=$(pgrep -P "$tpid" | head -n1 || true)
		if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
			a=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
			f=$(awk '/^RssFile:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
			[ "${a:-0}" -gt "$anon" ] && anon=$a
			[ "${f:-0}" -gt "$file" ] && file=$f
		fi
		sleep 0.02
	done
	wait "$tpid"
	echo "$name $(cat "$T/time") $anon $file"
}

E=(export --db "$DB")
for r in $(seq "$ROUNDS"); do
	measure cbor "$FLOWQ" "${E[@]}" --format cbor --output "$T/out.cbor"
	measure cose-ed25519 "$FLOWQ" "${E[@]}" --format cose-sign1 --key "$T/ed.pem" --output "$T/out.ed"
	measure cose-es256 "$FLOWQ" "${E[@]}" --format cose-sign1 --key "$T/ec.pem" --output "$T/out.ec"
	measure verify-ed25519 "$FLOWQ" verify-export --pubkey "$T/ed.pub" "$T/out.ed"
	measure verify-es256 "$FLOWQ" verify-export --pubkey "$T/ec.pub" "$T/out.ec"
done >"$T/results"
# Every signed file carries exactly the cbor export.
for f in ed ec; do
	size=$(stat -c %s "$T/out.cbor")
	tail -c +"$(($(stat -c %s "$T/out.$f") - size - 66 + 1))" "$T/out.$f" | head -c "$size" |
		cmp -s - "$T/out.cbor" || { echo "out.$f: payload differs from the cbor export" >&2; exit 1; }
done
"$FLOWQ" verify-export --pubkey "$T/ed.pub" "$T/out.ed" | grep -q "records=$N\$" ||
	{ echo "wrong record count" >&2; exit 1; }

# The fastest round of each.
sort -k1,1 -k2,2n "$T/results" | awk '!seen[$1]++' >"$T/best"
base=$(awk '$1=="cbor" {print $2}' "$T/best")
echo "command: bench/sign_bench.sh $BUILD $N $ROUNDS   (fastest of $ROUNDS rounds, $(nproc) cores)"
echo "payload: $(stat -c %s "$T/out.cbor") bytes of CBOR for $N records"
printf '%-15s %8s %12s %9s %14s %13s %13s\n' what seconds records/s vs_cbor peak_rss_KiB rss_anon_KiB rss_file_KiB
for name in cbor cose-ed25519 cose-es256 verify-ed25519 verify-es256; do
	awk -v n="$N" -v b="$base" -v name="$name" '$1 == name {
		printf "%-15s %8.2f %12.0f %8.2fx %14d %13d %13d\n", name, $2, n / $2, b / $2, $3, $4, $5 }' "$T/best"
done
