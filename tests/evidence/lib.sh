# SPDX-License-Identifier: Apache-2.0
# Shared helpers of the evidence tests (sourced): the integration helpers
# (a private temp dir, check_eq, q, wait_for, finish), the frame writer, and
# a recorder kept live on a FIFO.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
EVIDENCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FRAMES="python3 $EVIDENCE_DIR/frames.py"

# live_start FLOWREC DB INPUT: a recorder writing DB (run "live"), fed INPUT
# through a FIFO held open on fd 3, so it keeps running (and its -wal stays)
# until live_stop. Waits until DB has a -wal with frames. Sets LIVE_PID.
live_start() {
	mkfifo "$TMP/live.fifo"
	"$1" --db "$2" --cell c --run live --replay "$TMP/live.fifo" --batch-ms 50 --quiet &
	LIVE_PID=$!
	CHILD_PIDS+=("$LIVE_PID")
	exec 3>"$TMP/live.fifo"
	cat "$3" >&3
	wait_for 20 test -s "$2-wal" || fail "no -wal while recording $2"
}

# live_stop: end the live recorder's input; its exit status in LIVE_RC.
live_stop() {
	exec 3>&-
	wait "$LIVE_PID"
	LIVE_RC=$?
}
