#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The storage layouts considered for the store, side by side on the same
# operations (bench/store_designs.c says what each one writes), beside the
# raw row rate (bench/bare_insert.c raw) and flowrec itself:
#
#   bash bench/designs.sh [--events N] [--rounds R] [--build-dir DIR] [--work-dir DIR]
#
# Defaults: 1,000,000 events of make_replay mix N 11, 3 rounds, build/. Each
# figure is the best round; rounds run the subjects in a rotating order.
# Prints a markdown table: seconds (of which the indexes built at the end),
# events per second, and the ratio to the raw row rate. The two-rows layouts
# run with the 64 MiB page cache they shipped with; the others with
# flowrec's; one-row+checks is one-row with the CHECK constraints enforced.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
N=1000000 ROUNDS=3 BUILD=$TOP/build WORK=
while [ $# -gt 0 ]; do
	case $1 in
	--events) N=${2:?} && shift ;;
	--rounds) ROUNDS=${2:?} && shift ;;
	--build-dir) BUILD=$(realpath -m "${2:?}") && shift ;;
	--work-dir) WORK=$(realpath -m "${2:?}") && shift ;;
	*) sed -n 's/^#   //p' "$0" >&2 && exit 2 ;;
	esac
	shift
done
if [ -z "$WORK" ]; then
	WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/flowaudit-designs.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK" || exit 1
die() { echo "designs: $*" >&2 && exit 1; }
fresh() { rm -f "$1" "$1-wal" "$1-shm"; }

"$BUILD/tests/make_replay" mix "$N" 11 "$WORK/in.bin" || die "make_replay"
fresh "$WORK/ref.db"
"$BUILD/recorder/flowrec" --db "$WORK/ref.db" --cell bench --run ref --replay "$WORK/in.bin" \
	--quiet || die "flowrec"

SUBJECTS=(flowrec raw two-rows two-rows-defer one-row one-row-noidx log one-row+checks)
declare -A best index
run() { # SUBJECT: seconds and index seconds of one round
	local s=$1 db=$WORK/new.db t0 out
	fresh "$db"
	case $s in
	flowrec)
		t0=$(date +%s.%N)
		"$BUILD/recorder/flowrec" --db "$db" --cell bench --run r --replay "$WORK/in.bin" \
			--quiet || die "flowrec"
		echo "$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { print a - b }') -"
		;;
	raw)
		out=$("$BUILD/bench/bare_insert" raw --from "$WORK/ref.db" --db "$db" --rows "$N") ||
			die "bare_insert raw"
		echo "$(sed -n 's/.*seconds=\([0-9.]*\) read.*/\1/p' <<<"$out") -"
		;;
	*)
		local design=${s%+checks} extra=()
		[ "$design" != "$s" ] && extra=(--checks)
		# the layout before 006 shipped with a 64 MiB cache for its live indexes
		[ "${design#two-rows}" != "$design" ] && extra+=(--cache-mib 64)
		out=$("$BUILD/bench/store_designs" "$design" --from "$WORK/ref.db" --db "$db" \
			"${extra[@]}") || die "store_designs $s"
		echo "$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$out") $(sed -n 's/.*index_seconds=\([0-9.]*\).*/\1/p' <<<"$out")"
		;;
	esac
	fresh "$db"
}
for ((r = 0; r < ROUNDS; r++)); do
	for ((k = 0; k < ${#SUBJECTS[@]}; k++)); do
		s=${SUBJECTS[(k + r) % ${#SUBJECTS[@]}]}
		read -r secs idx <<<"$(run "$s")"
		[ -n "$secs" ] || die "$s failed"
		echo "round $((r + 1)) $s: ${secs}s (indexes ${idx})" >&2
		if [ -z "${best[$s]:-}" ] || awk -v a="$secs" -v b="${best[$s]}" 'BEGIN { exit !(a < b) }'; then
			best[$s]=$secs index[$s]=$idx
		fi
	done
done
echo "| layout | seconds (best of $ROUNDS) | indexes built after | events/s | / raw |"
echo "| --- | --- | --- | --- | --- |"
for s in "${SUBJECTS[@]}"; do
	awk -v s="$s" -v t="${best[$s]}" -v i="${index[$s]}" -v n="$N" -v raw="${best[raw]}" \
		'BEGIN { printf "| %s | %.2f | %s | %d | %.2fx |\n", s, t, (i == "-" ? "" : sprintf("%.2f", i)), n / t, raw / t }'
done
