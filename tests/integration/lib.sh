# Shared helpers of the integration tests: a private temp dir removed on exit,
# assertions that name what differed, and a bounded wait.
set -u
TMP=$(mktemp -d /tmp/flowaudit-it-XXXXXX)
CHILD_PIDS=()
cleanup() {
	for pid in "${CHILD_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
FAILURES=0
fail() { echo "FAIL: $*" >&2; FAILURES=$((FAILURES + 1)); }
# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	if [ "$2" == "$3" ]; then echo "ok: $1"; else fail "$1: expected [$2], got [$3]"; fi
}
# q DB SQL: one value
q() { sqlite3 -batch -noheader "$1" "$2"; }
# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds
wait_for() {
	local limit=$(($1 * 10)); shift
	for ((i = 0; i < limit; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
finish() {
	if [ "$FAILURES" -ne 0 ]; then echo "$FAILURES check(s) failed" >&2; exit 1; fi
	echo "all checks passed"
}
