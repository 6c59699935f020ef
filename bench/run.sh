#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# flowaudit's benchmark suite: the one command that measures everything.
#
#   bash bench/run.sh [--smoke] [--sizes N,N...] [--rounds R] [--only PARTS]
#                     [--flood-seconds S] [--open-flows M] [--profile]
#                     [--build-dir DIR] [--no-build] [--work-dir DIR] [--out FILE]
#
# Builds the tree (RelWithDebInfo, into build/ unless --build-dir), generates
# the inputs (make_replay mix N 11: deterministic, and checked to be: two
# generations must hash the same), then runs the parts (default: all):
#   ingest   bench/ingest.sh: flowrec --replay beside the bare-insert ceiling
#            of its schema and the raw row rate; the pipeline stages alone
#   export   bench/export.sh: flowq export ndjson and cbor-seq beside
#            sqlite3 -json on the same rows; a filtered export and its plan
#   memory   bench/memory.sh: flowrec idle and with M open flows
#   flood    bench/flood.sh: a new-flow flood across a veth pair for S s
#            (root, BPF: skipped with exit 77, or failed under
#            FLOWAUDIT_REQUIRE_BPF=1)
#   profile  (only with --profile) perf record of flowrec on the first size
# and prints the table, also written to --out (default bench/RESULTS.md) with
# the machine, the commit, the date and this command. bench/report.py checks
# that every figure is present and sane (row counts agree, rates and ratios
# positive) and fails the run otherwise; it never judges the speed.
#
# Defaults: sizes 1000000,10000000; 3 rounds; a 30 s flood; 1,000,000 open
# flows. --smoke: 20,000 events, 2 rounds, a 3 s flood, 20,000 open flows,
# the report in the work directory, no build (CTest runs it on its own
# build). Exit: 0, 1 (a part failed or a check did not hold), 2 (usage),
# 77 (a part could not run here and was skipped).
set -uo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/.." && pwd)
COMMAND="bash bench/run.sh${*:+ $*}"

SIZES=1000000,10000000 ROUNDS=3 PARTS=ingest,export,memory,flood FLOOD_S=30 OPEN=1000000
BUILD=$TOP/build BUILD_IT=1 WORK= OUT=$TOP/bench/RESULTS.md SMOKE=0 PROFILE=0 OUT_SET=0
usage() {
	sed -n '/^#   bash bench/,/^#  *\[--build-dir/p' "$0" | sed 's/^# //' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 SIZES=20000 ROUNDS=2 FLOOD_S=3 OPEN=20000 BUILD_IT=0 ;;
	--sizes) SIZES=${2:?} && shift ;;
	--rounds) ROUNDS=${2:?} && shift ;;
	--only) PARTS=${2:?} && shift ;;
	--flood-seconds) FLOOD_S=${2:?} && shift ;;
	--open-flows) OPEN=${2:?} && shift ;;
	--profile) PROFILE=1 ;;
	--build-dir) BUILD=$(realpath -m "${2:?}") && shift ;;
	--no-build) BUILD_IT=0 ;;
	--work-dir) WORK=$(realpath -m "${2:?}") && shift ;;
	--out) OUT=$(realpath -m "${2:?}") OUT_SET=1 && shift ;;
	*) usage ;;
	esac
	shift
done
[[ $SIZES =~ ^[0-9]+(,[0-9]+)*$ && $ROUNDS =~ ^[1-9][0-9]*$ && $FLOOD_S =~ ^[1-9][0-9]*$ &&
	$OPEN =~ ^[1-9][0-9]*$ && $((OPEN % 2)) = 0 ]] || usage
for p in ${PARTS//,/ }; do
	[[ $p =~ ^(ingest|export|memory|flood)$ ]] || usage
done
((PROFILE)) && PARTS+=,profile
for tool in sqlite3 python3 /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is needed (scripts/install-deps.sh)" >&2 && exit 1; }
done

if ((BUILD_IT)); then
	echo "building into $BUILD" >&2
	bash "$TOP/scripts/build.sh" "$BUILD" >/dev/null || { echo "bench: build failed" >&2 && exit 1; }
fi
export BIN_FLOWREC=$BUILD/recorder/flowrec BIN_FLOWQ=$BUILD/query/flowq
export BIN_MAKE_REPLAY=$BUILD/tests/make_replay BIN_BARE_INSERT=$BUILD/bench/bare_insert
export BIN_PIPELINE=$BUILD/bench/pipeline_bench BIN_EXPORT_SQL=$BUILD/bench/export_sql
export BIN_CBOR_COUNT=$BUILD/bench/cbor_count BIN_FLOW_FLOOD=$BUILD/bench/flow_flood
for b in "$BIN_FLOWREC" "$BIN_FLOWQ" "$BIN_MAKE_REPLAY" "$BIN_BARE_INSERT" "$BIN_PIPELINE" \
	"$BIN_EXPORT_SQL" "$BIN_CBOR_COUNT" "$BIN_FLOW_FLOOD"; do
	[ -x "$b" ] || { echo "bench: $b is not built" >&2 && exit 1; }
done

KEEP_WORK=1
if [ -z "$WORK" ]; then
	WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/flowaudit-bench.XXXXXX") KEEP_WORK=0
fi
mkdir -p "$WORK/notes" || exit 1
((SMOKE && !OUT_SET)) && OUT=$WORK/RESULTS-smoke.md
export WORK ROUNDS RESULTS=$WORK/results.tsv NOTES=$WORK/notes
: >"$RESULTS"
((KEEP_WORK)) || trap 'rm -rf "$WORK"' EXIT

# The machine, for the report (the database directory's disk in particular).
META=$WORK/meta.env
{
	echo "command=$COMMAND"
	echo "commit=$(git -C "$TOP" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(
		git -C "$TOP" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "cores=$(nproc)"
	echo "ram_kib=$(awk '/^MemTotal/ {print $2}' /proc/meminfo)"
	echo "kernel=$(uname -r)"
	echo "fs=$(findmnt -n -o SOURCE,FSTYPE,OPTIONS -T "$WORK" | awk '{print $1 " " $2 " (" $3 ")"}')"
	dev=$(findmnt -n -o SOURCE -T "$WORK")
	echo "disk=$(lsblk -d -n -o NAME,SIZE,ROTA,MODEL "$dev" 2>/dev/null | awk '{printf "%s %s %s", $1, $2, ($3 == 1 ? "rotational" : "non-rotational"); for (i = 4; i <= NF; i++) printf " %s", $i}')"
	echo "sqlite=$(sqlite3 --version | cut -d' ' -f1)"
	echo "rounds=$ROUNDS"
	echo "smoke=$SMOKE"
	echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$META"

t_start=$(date +%s)
failed=0 skipped=()
# part NAME CMD...: run one part, remember a failure or a skip.
part() {
	local name=$1 rc
	shift
	printf '%s\n' "== $name" >&2
	"$@"
	rc=$?
	case $rc in
	0) ;;
	77) skipped+=("$name") && echo "skipped: $name" >>"$NOTES/skipped.txt" ;;
	*) failed=1 && echo "bench: part $name failed (exit $rc)" >&2 ;;
	esac
}

gen() { # the inputs, and the generator's determinism
	local n
	for n in ${SIZES//,/ }; do
		"$BIN_MAKE_REPLAY" mix "$n" 11 "$WORK/mix-$n.bin" || return 1
		"$BIN_MAKE_REPLAY" mix "$n" 11 "$WORK/again.bin" || return 1
		printf 'gen\t%s\tmix\t0\t%s\t%s\n' \
			"$n" sha256 "$(sha256sum <"$WORK/mix-$n.bin" | cut -c1-64)" \
			"$n" sha256_again "$(sha256sum <"$WORK/again.bin" | cut -c1-64)" \
			"$n" bytes "$(stat -c %s "$WORK/mix-$n.bin")" >>"$RESULTS"
		rm -f "$WORK/again.bin"
	done
}
part gen gen
for p in ${PARTS//,/ }; do
	case $p in
	ingest | export)
		for n in ${SIZES//,/ }; do part "$p $n" bash "$BENCH/$p.sh" "$n"; done
		;;
	memory) part memory bash "$BENCH/memory.sh" "$OPEN" ;;
	flood) part flood bash "$BENCH/flood.sh" "$FLOOD_S" ;;
	profile) part profile bash "$BENCH/profile.sh" "${SIZES%%,*}" ;;
	esac
done
for n in ${SIZES//,/ }; do rm -f "$WORK/mix-$n.bin" "$WORK/db-$n.db"*; done

{
	echo "seconds=$(($(date +%s) - t_start))"
	echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "parts=$PARTS"
} >>"$META"
python3 "$BENCH/report.py" --results "$RESULTS" --meta "$META" --notes "$NOTES" --out "$OUT" ||
	failed=1
echo "report: $OUT" >&2
((failed)) && exit 1
((${#skipped[@]})) && exit 77
exit 0
