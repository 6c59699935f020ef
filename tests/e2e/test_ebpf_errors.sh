#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# flowrec's eBPF start-up errors name what failed, exit non-zero, and leave
# nothing loaded or attached:
#
#   test_ebpf_errors.sh FLOWREC
#
# --bpf-object /nonexistent   "eBPF object file missing at /nonexistent"
# --iface nosuchif            an attach error naming nosuchif
# --netns <missing>           the seed's setns error, with the errno text
# --user without tcx          refused: the fallback's tc filters would outlive it
# --source auto               ebpf for CELLOS_FIRECRACKER_PER_FLOW_EBPF=1, else noop
. "$(dirname "$0")/lib.sh"

find_binaries "${1:-}" ""
require_privileges
topology_direct

# expect_error NAME TEXT ARGS...: flowrec ARGS must exit non-zero printing TEXT.
expect_error() {
	local name=$1 text=$2 rc
	shift 2
	"$FLOWREC" --db "$E2E_TMP/$name.db" --cell cell-err --run "run-$name" "$@" \
		>"$E2E_TMP/$name.log" 2>&1 </dev/null &
	local pid=$!
	track_pid "$pid"
	stop_after=$((SECONDS + 20))
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $stop_after ]; do
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		stop_pid "$pid" 5
		fail "$name: flowrec kept running instead of failing"
	fi
	wait "$pid"
	rc=$?
	[ "$rc" -ne 0 ] || fail "$name: flowrec exited 0: $(cat "$E2E_TMP/$name.log")"
	grep -qF -- "$text" "$E2E_TMP/$name.log" ||
		fail "$name: expected '$text' in: $(cat "$E2E_TMP/$name.log")"
	pass "$name: exit $rc, '$(grep -F -- "$text" "$E2E_TMP/$name.log" | head -1)'"
}

expect_error object-missing "eBPF object file missing at /nonexistent" \
	--iface "$CELL_IF" --netns "$CELL_NS" --bpf-object /nonexistent
expect_error no-such-iface "attach to nosuchif failed" \
	--iface nosuchif --netns "$CELL_NS"
expect_error no-such-netns "setns(CLONE_NEWNET) into cell netns failed" \
	--iface "$CELL_IF" --netns "${E2E_TAG}_nosuch"
grep -q "No such file or directory" "$E2E_TMP/no-such-netns.log" ||
	fail "setns error without its errno text: $(cat "$E2E_TMP/no-such-netns.log")"
pass "setns error carries the errno text"
# --user drops CAP_NET_ADMIN, so without tcx links (forced here) the clsact
# fallback's filters could not be removed at exit: refused up front.
FLOWAUDIT_NO_TCX=1 expect_error user-without-tcx "tcx links are not available" \
	--iface "$CELL_IF" --netns "$CELL_NS" --user nobody
in_ns "$CELL_NS" tc qdisc show dev "$CELL_IF" | grep -q clsact &&
	fail "a clsact qdisc was left on $CELL_IF after the refused start"
pass "no clsact qdisc left behind"
nothing_attached "$CELL_NS" "$CELL_IF"

# --source auto: ebpf when CELLOS_FIRECRACKER_PER_FLOW_EBPF is exactly "1"
# (it attaches, and the run says so), noop for anything else.
for flag in 1 true; do
	CELLOS_FIRECRACKER_PER_FLOW_EBPF=$flag start_bg "$E2E_TMP/auto-$flag.log" "$FLOWREC" \
		--db "$E2E_TMP/auto.db" --cell cell-auto --run "run-$flag" --source auto \
		--iface "$CELL_IF" --netns "$CELL_NS"
	pid=$BG_PID
	if [ "$flag" = 1 ]; then
		wait_attached "$pid" "$CELL_NS" "$CELL_IF" 2 15 ||
			fail "--source auto with the flag set did not attach: $(cat "$E2E_TMP/auto-$flag.log")"
	else
		for _ in $(seq 50); do
			[ "$(sql "$E2E_TMP/auto.db" "SELECT count(*) FROM runs WHERE run_id = 'run-$flag'" 2>/dev/null)" = 1 ] && break
			sleep 0.1
		done
	fi
	stop_pid "$pid" 20
	[ "$STOP_RC" = 0 ] || fail "--source auto ($flag) exited $STOP_RC: $(cat "$E2E_TMP/auto-$flag.log")"
done
check_eq "--source auto picks ebpf only for exactly 1" "run-1|ebpf
run-true|noop" "$(sql "$E2E_TMP/auto.db" "SELECT run_id, source FROM runs ORDER BY run_id")"
nothing_attached "$CELL_NS" "$CELL_IF"
exit 0
