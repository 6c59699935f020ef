# SPDX-License-Identifier: Apache-2.0
# Helpers of the benchmark parts (bench/ingest.sh, export.sh, memory.sh,
# flood.sh), sourced. bench/run.sh sets the environment they read:
#   WORK     the benchmark's directory (inputs, databases: all on one disk)
#   RESULTS  the measurements file, one line per figure:
#            part <TAB> size <TAB> subject <TAB> round <TAB> key <TAB> value
#   NOTES    a directory for text the report quotes (query plans, profiles)
#   ROUNDS   rounds per measurement; BIN_* the binaries (see run.sh)

set -uo pipefail

die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

# record PART SIZE SUBJECT ROUND KEY VALUE: one measurement.
record() {
	[ -n "$6" ] || die "no value for $1 $2 $3 round $4 $5"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"
}

# kv LINE KEY: the value of KEY=VALUE in LINE (the C tools print such lines).
kv() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }

now() { date +%s.%N; }
elapsed() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.6f", a - b }'; }

# sql DB QUERY: one read-only query (WAL readers are fine beside a writer).
sql() { sqlite3 -batch -noheader "$1" "$2"; }

# measure OUT CMD...: run CMD with stdout to OUT; sets SECS (wall) and RSS_KB
# (peak resident set, GNU time). Fails the benchmark if CMD fails.
measure() {
	local out=$1 t0
	shift
	t0=$(now)
	/usr/bin/time -f %M -o "$WORK/time.out" "$@" >"$out" || die "failed ($?): $*"
	SECS=$(elapsed "$t0")
	RSS_KB=$(tail -n1 "$WORK/time.out")
}

# status_kb PID FIELD: VmRSS / VmHWM of a running process, in KiB.
status_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# wait_rows DB QUERY WANT SECONDS: poll until QUERY prints WANT.
wait_rows() {
	local i got
	for ((i = 0; i < $4 * 5; i++)); do
		got=$(sql "$1" "$2" 2>/dev/null)
		[ "$got" = "$3" ] && return 0
		sleep 0.2
	done
	die "waited $4 s for '$2' = $3 in $1, last saw '$got'"
}
