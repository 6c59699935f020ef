#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The capability bounding set of flowrec@.service is exactly what flowrec
# needs: with that set and nothing else (setpriv, as systemd applies it to a
# root service), flowrec enters a cell's namespace, attaches its tc programs,
# binds an NFLOG group, switches to a user and records a flow; without any one
# of the capabilities it fails at the step that needs it, with the exit
# status that step documents. The same for the clsact fallback of kernels
# without tcx (Debian 12's 6.1), which needs no capability beyond the set.
#
# usage: test_unit_capabilities.sh FLOWREC UNIT_FILE
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"
FLOWREC=$1
UNIT=$2
require_privileges
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
command -v useradd >/dev/null || skip "useradd not installed"

caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
[ -n "$caps" ] || fail "no CapabilityBoundingSet= in $UNIT"
log "unit's bounding set: $caps"

U=facap$$
useradd --system --no-create-home --shell /usr/sbin/nologin "$U" || skip "cannot create a user"
cleanup_all() {
	local rc=$?
	userdel "$U" 2>/dev/null
	(exit "$rc")
	e2e_cleanup
}
trap cleanup_all EXIT

topology_direct
T=$E2E_TMP
chmod 0755 "$T"

# bounding SET: the setpriv --bounding-set argument for CAP_X names in SET.
bounding() {
	local arg=-all c
	for c in $1; do
		c=${c#CAP_}
		arg+=",+${c,,}"
	done
	printf '%s' "$arg"
}

# record NAME CAPS [ENV...] -- FLOWREC_ARGS...: run flowrec with exactly CAPS in
# its bounding set; sets REC_PID and REC_ERR.
record() {
	local name=$1 set=$2 envs=()
	shift 2
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	REC_ERR=$T/$name.err
	env "${envs[@]}" setpriv --bounding-set "$(bounding "$set")" --inh-caps -all \
		"$FLOWREC" --db "$T/$name.db" --cell c1 --run "$name" --batch-ms 50 --quiet "$@" \
		2>"$REC_ERR" &
	REC_PID=$!
	track_pid "$REC_PID"
}

# Traffic from the cell to its peer: 3 UDP datagrams, one flow.
traffic() {
	in_ns "$CELL_NS" "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    s.sendto(b"x", (sys.argv[1], 9))' "$SRV_V4"
}

# works NAME CAPS [ENV...] -- ARGS...: with CAPS flowrec attaches (and switches
# user when ARGS has --user), records the traffic and exits 0 on SIGTERM.
works() {
	local name=$1 uid
	record "$@"
	uid=$(id -u "$U")
	if ! wait_attached "$REC_PID" "$CELL_NS" "$CELL_IF" 2 15; then
		fail "$name: flowrec did not attach with only [$2]: $(cat "$REC_ERR")"
	fi
	case " $* " in
	*" --user "*)
		local i
		for ((i = 0; i < 100; i++)); do
			grep -q "^Uid:[[:space:]]*${uid}[[:space:]]" /proc/"$REC_PID"/status 2>/dev/null && break
			sleep 0.1
		done
		grep -q "^Uid:[[:space:]]*${uid}[[:space:]]" /proc/"$REC_PID"/status ||
			fail "$name: flowrec did not switch to $U: $(cat "$REC_ERR")"
		;;
	esac
	traffic
	sleep 0.5
	stop_pid "$REC_PID" 20 || fail "$name: flowrec did not stop on SIGTERM"
	check_eq "$name: exit status with only [$2]" 0 "$STOP_RC"
	check_eq "$name: decisions recorded" 1 "$(sql "$T/$name.db" \
		"SELECT count(*) FROM flow_events_all WHERE protocol = 17 AND hex(dst_addr) = '$(hexaddr "$SRV_V4")'")"
}

# fails NAME CAPS STATUS TEXT [ENV...] -- ARGS...: without a capability flowrec
# exits STATUS with an error matching TEXT (an extended regex).
fails() {
	local name=$1 set=$2 status=$3 text=$4
	shift 4
	record "$name" "$set" "$@"
	wait_pid "$REC_PID" 15 || fail "$name: flowrec still runs with only [$set]"
	[ "$WAIT_RC" = "$status" ] && grep -Eq -- "$text" "$REC_ERR" ||
		fail "$name: with only [$set] expected exit $status and '$text', got $WAIT_RC: $(cat "$REC_ERR")"
	pass "$name: without it, exit $status: $(grep -m1 "^flowrec:" "$REC_ERR")"
}

# What each capability is for, and how flowrec fails without it.
declare -A need_status need_text
need_status[CAP_SYS_ADMIN]=4 need_text[CAP_SYS_ADMIN]="setns|BPF object load" # loads before setns
need_status[CAP_NET_ADMIN]=4 need_text[CAP_NET_ADMIN]="NFLOG"
need_status[CAP_SETUID]=8 need_text[CAP_SETUID]="--user"
need_status[CAP_SETGID]=8 need_text[CAP_SETGID]="--user"

ARGS=(--iface "$CELL_IF" --netns "$CELL_NS" --nflog-group $((1000 + $$ % 60000)) --user "$U")
works full "$caps" -- "${ARGS[@]}"
for c in $caps; do
	[ -n "${need_status[$c]:-}" ] || fail "$c is in the unit but this test does not know what needs it: add it here"
	fails "no_${c,,}" "$(tr ' ' '\n' <<<"$caps" | grep -vx "$c" | tr '\n' ' ')" \
		"${need_status[$c]}" "${need_text[$c]}" -- "${ARGS[@]}"
done

# The clsact fallback (no tcx): attaching with tc filters needs CAP_NET_ADMIN
# (rtnetlink), which the set has; --user is refused there by design.
works fallback "$caps" FLOWAUDIT_NO_TCX=1 -- --iface "$CELL_IF" --netns "$CELL_NS"
fails fallback_no_net_admin "$(tr ' ' '\n' <<<"$caps" | grep -vx CAP_NET_ADMIN | tr '\n' ' ')" \
	4 "clsact" FLOWAUDIT_NO_TCX=1 -- --iface "$CELL_IF" --netns "$CELL_NS"
exit 0
