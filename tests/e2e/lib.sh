# SPDX-License-Identifier: Apache-2.0
# Helpers for flowaudit's end-to-end tests (sourced, bash): privilege checks
# with the skip/require policy, network namespaces with unique names, a veth
# topology for a cell and its peers, and clean-up on exit.
#
# Policy: a test that cannot run here (not root, no BPF, no namespaces) exits
# 77 (skip), except under FLOWAUDIT_REQUIRE_BPF=1, where it fails (exit 1)
# with the reason. Everything a test creates (namespaces, processes) is
# removed by the EXIT trap; processes are ended by their own PID only.

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
E2E_TAG=fa$$
E2E_NAMESPACES=()
E2E_PIDS=()
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/flowaudit-e2e.XXXXXX")
E2E_FAILED=0

# Subnets of the test links (documentation/ULA ranges, only inside our namespaces).
V4_NET=10.213.$(( $$ % 250 ))
V6_NET=fd00:fa:$(printf '%x' $(( $$ % 65536 )))

log() { printf '%s\n' "# $*" >&2; }

# skip REASON: exit 77, or fail when BPF is required.
skip() {
	if [ "${FLOWAUDIT_REQUIRE_BPF:-0}" = 1 ]; then
		printf 'FAIL: cannot run (FLOWAUDIT_REQUIRE_BPF=1): %s\n' "$*" >&2
		exit 1
	fi
	printf 'SKIP: %s\n' "$*" >&2
	exit 77
}

# E2E_ON_FAIL: optional name of a function that prints diagnostics on failure.
E2E_ON_FAIL=

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	if [ -n "$E2E_ON_FAIL" ]; then
		local hook=$E2E_ON_FAIL
		E2E_ON_FAIL=
		"$hook" >&2
	fi
	E2E_FAILED=1
	exit 1
}

pass() { printf 'ok - %s\n' "$*" >&2; }

# check DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" != "$3" ]; then
		fail "$1: expected '$2', got '$3'"
	fi
	pass "$1 ($3)"
}

e2e_cleanup() {
	local rc=$? pid ns
	for pid in "${E2E_PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.2
			done
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
	done
	for ns in "${E2E_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$rc" -eq 0 ] || [ "${E2E_KEEP_TMP:-0}" != 1 ]; then
		rm -rf "$E2E_TMP"
	else
		log "kept $E2E_TMP"
	fi
	exit "$rc"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

# track_pid PID: end this process (by PID) on exit.
track_pid() { E2E_PIDS+=("$1"); }

# require_privileges: root, namespaces, tools, and a kernel that loads BPF.
require_privileges() {
	[ "$(id -u)" = 0 ] || skip "needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_BPF)"
	command -v ip >/dev/null || skip "iproute2 (ip) not installed"
	command -v sqlite3 >/dev/null || skip "sqlite3 not installed"
	[ -x "$PYTHON" ] || skip "$PYTHON not found"
	[ -e /sys/kernel/btf/vmlinux ] || [ -d /sys/fs/bpf ] || [ -e /proc/sys/kernel/unprivileged_bpf_disabled ] ||
		skip "kernel without BPF"
	local probe=${E2E_TAG}probe
	ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces"
	ip netns del "$probe"
}

# require_nflog: root, namespaces, nftables and the nfnetlink_log module.
require_nflog() {
	[ "$(id -u)" = 0 ] || skip "needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) for namespaces and nftables"
	command -v ip >/dev/null || skip "iproute2 (ip) not installed"
	command -v nft >/dev/null || skip "nft not installed (package nftables)"
	command -v sqlite3 >/dev/null || skip "sqlite3 not installed"
	[ -x "$PYTHON" ] || skip "$PYTHON not found"
	local probe=${E2E_TAG}probe
	ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces"
	ip netns del "$probe"
	if [ ! -e /proc/net/netfilter/nfnetlink_log ] &&
		! grep -q nfnetlink_log /proc/net/netfilter/nf_log 2>/dev/null; then
		modprobe nfnetlink_log 2>/dev/null || true
	fi
}

# new_netns ROLE VAR: create a namespace named after the role and our PID,
# remember it for the clean-up, and store its name in VAR (not printed: a
# command substitution would lose the clean-up list).
new_netns() {
	local ns=${E2E_TAG}_$1
	ip netns add "$ns" || fail "ip netns add $ns"
	E2E_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
	printf -v "$2" '%s' "$ns"
}

# in_ns NS CMD...: run CMD inside namespace NS.
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# veth_pair NS_A IF_A NS_B IF_B: a veth between two namespaces, both ends up.
veth_pair() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || fail "ip link add $2/$4"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# addr NS IF V4/LEN V6/LEN: assign addresses (IPv6 without DAD so it is usable at once).
addr() {
	ip -n "$1" addr add "$3" dev "$2" || fail "addr $3 on $2"
	ip -n "$1" -6 addr add "$4" dev "$2" nodad || fail "addr $4 on $2"
}

# topology_direct: CELL_NS (fa0) <-veth-> SRV_NS (fa1), one subnet per family.
# Sets CELL_NS SRV_NS CELL_IF SRV_IF CELL_V4 SRV_V4 CELL_V6 SRV_V6.
topology_direct() {
	new_netns cell CELL_NS
	new_netns srv SRV_NS
	CELL_IF=fa0
	SRV_IF=fa1
	veth_pair "$CELL_NS" "$CELL_IF" "$SRV_NS" "$SRV_IF"
	CELL_V4=$V4_NET.2
	SRV_V4=$V4_NET.1
	CELL_V6=$V6_NET::2
	SRV_V6=$V6_NET::1
	addr "$CELL_NS" "$CELL_IF" "$CELL_V4/24" "$CELL_V6/64"
	addr "$SRV_NS" "$SRV_IF" "$SRV_V4/24" "$SRV_V6/64"
}

# topology_routed: CELL_NS (fa0) <-veth-> HOST_NS (fah) routes to (fas) <-veth-> SRV_NS (fa1).
# The host end of the cell's veth (HOST_IF) lives in HOST_NS, which forwards.
topology_routed() {
	new_netns cell CELL_NS
	new_netns host HOST_NS
	new_netns srv SRV_NS
	CELL_IF=fa0
	HOST_IF=fah
	SRV_IF=fa1
	veth_pair "$CELL_NS" "$CELL_IF" "$HOST_NS" "$HOST_IF"
	veth_pair "$HOST_NS" fas "$SRV_NS" "$SRV_IF"
	CELL_V4=$V4_NET.2
	SRV_V4=10.214.$(( $$ % 250 )).1
	CELL_V6=$V6_NET::2
	SRV_V6=$V6_NET:1::1
	addr "$CELL_NS" "$CELL_IF" "$CELL_V4/24" "$CELL_V6/64"
	addr "$HOST_NS" "$HOST_IF" "$V4_NET.1/24" "$V6_NET::1/64"
	addr "$HOST_NS" fas "10.214.$(( $$ % 250 )).2/24" "$V6_NET:1::2/64"
	addr "$SRV_NS" "$SRV_IF" "$SRV_V4/24" "$SRV_V6/64"
	in_ns "$HOST_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip -n "$CELL_NS" route add default via "$V4_NET.1"
	ip -n "$CELL_NS" -6 route add default via "$V6_NET::1"
	ip -n "$SRV_NS" route add default via "10.214.$(( $$ % 250 )).2"
	ip -n "$SRV_NS" -6 route add default via "$V6_NET:1::2"
}

# start_bg LOGFILE CMD...: start CMD in the background, track its PID; sets BG_PID.
start_bg() {
	local logf=$1
	shift
	"$@" >"$logf" 2>&1 &
	BG_PID=$!
	track_pid "$BG_PID"
}

# wait_for_file_text FILE TEXT SECONDS: wait until FILE contains TEXT.
wait_for_text() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# stop_pid PID [SECONDS]: SIGTERM one process we started and wait for it; sets STOP_RC.
stop_pid() {
	local pid=$1 limit=${2:-20} i
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < limit * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		STOP_RC=137
		return 1
	fi
	wait "$pid"
	STOP_RC=$?
	return 0
}

# wait_pid PID SECONDS: wait for a process we started to exit by itself; sets
# WAIT_RC. Returns 1 (the process is left running) on timeout.
wait_pid() {
	local pid=$1 limit=$2 i
	for ((i = 0; i < limit * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && return 1
	wait "$pid"
	WAIT_RC=$?
	return 0
}

# sql DB QUERY: one sqlite3 query, trimmed output.
sql() { sqlite3 -batch -noheader "$1" "$2"; }

# bpf_ids PID: set REC_PROG_IDS, REC_LINK_IDS (space-separated) and REC_TCX
# (count of tcx links) from the BPF fds process PID holds (/proc/PID/fdinfo),
# so checks concern this test's recorder only, even with other recorders
# running on the machine.
bpf_ids() {
	local f
	REC_PROG_IDS=
	REC_LINK_IDS=
	REC_TCX=0
	for f in /proc/"$1"/fdinfo/*; do
		case $(readlink "/proc/$1/fd/${f##*/}" 2>/dev/null) in
		anon_inode:bpf-prog)
			REC_PROG_IDS+=" $(awk '$1 == "prog_id:" {print $2}' "$f" 2>/dev/null)"
			;;
		anon_inode:bpf_link)
			REC_LINK_IDS+=" $(awk '$1 == "link_id:" {print $2}' "$f" 2>/dev/null)"
			grep -q '^link_type:[[:space:]]*tcx' "$f" 2>/dev/null && REC_TCX=$((REC_TCX + 1))
			;;
		esac
	done
}

# gone prog|link ID: wait up to 2 s for a BPF object id to disappear.
gone() {
	local i
	for ((i = 0; i < 20; i++)); do
		bpftool "$1" show id "$2" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	return 1
}

# nothing_attached NS IF: after the recorder exited: no tc filter or clsact
# qdisc on IF in NS, and none of the programs and links the recorder held
# (recorded by wait_attached) still exists.
nothing_attached() {
	local ns=$1 ifc=$2 out id
	out=$(in_ns "$ns" tc filter show dev "$ifc" ingress 2>/dev/null)
	[ -z "$out" ] || fail "tc ingress filters left on $ifc: $out"
	out=$(in_ns "$ns" tc filter show dev "$ifc" egress 2>/dev/null)
	[ -z "$out" ] || fail "tc egress filters left on $ifc: $out"
	out=$(in_ns "$ns" tc qdisc show dev "$ifc" | grep clsact)
	[ -z "$out" ] || fail "clsact qdisc left on $ifc: $out"
	if command -v bpftool >/dev/null; then
		out=$(in_ns "$ns" bpftool net show dev "$ifc" 2>/dev/null | grep -E 'flowaudit|cellos' || true)
		[ -z "$out" ] || fail "bpftool net show dev $ifc still lists: $out"
		# the kernel frees them when the last fd closes; allow it a moment
		for id in ${ATTACHED_LINK_IDS:-}; do
			gone link "$id" || fail "BPF link $id still exists: $(bpftool link show id "$id")"
		done
		for id in ${ATTACHED_PROG_IDS:-}; do
			gone prog "$id" || fail "BPF program $id still loaded: $(bpftool prog show id "$id")"
		done
	fi
	pass "nothing left attached on $ifc in $ns (programs${ATTACHED_PROG_IDS:- none} gone)"
}

# wait_attached PID NS IF N SECONDS: wait until recorder PID has N programs
# attached to IF (tcx links it holds, or tc filters running its programs on IF
# in NS for the clsact fallback). Records ATTACHED_PROG_IDS/ATTACHED_LINK_IDS
# for nothing_attached. Returns 1 on timeout or if PID exited.
wait_attached() {
	local pid=$1 ns=$2 ifc=$3 want=$4 limit=$5 i n id
	for ((i = 0; i < limit * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		bpf_ids "$pid"
		n=$REC_TCX
		for id in $REC_PROG_IDS; do
			n=$((n + $( (in_ns "$ns" tc filter show dev "$ifc" ingress
				in_ns "$ns" tc filter show dev "$ifc" egress) 2>/dev/null | grep -c " id $id ")))
		done
		if [ "$n" -ge "$want" ]; then
			ATTACHED_PROG_IDS=$REC_PROG_IDS
			ATTACHED_LINK_IDS=$REC_LINK_IDS
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# hexaddr ADDR: the 16-byte BLOB the schema stores for ADDR, in upper-case hex
# (IPv4 mapped into IPv6).
hexaddr() {
	"$PYTHON" -c '
import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1])
if a.version == 4:
    a = ipaddress.IPv6Address("::ffff:" + str(a))
print(a.packed.hex().upper())
' "$1"
}

# find_binaries FLOWREC FLOWQ: set FLOWREC/FLOWQ from args or the environment; fail if missing.
find_binaries() {
	FLOWREC=${1:-${FLOWREC:-}}
	FLOWQ=${2:-${FLOWQ:-}}
	[ -n "$FLOWREC" ] && [ -x "$FLOWREC" ] || fail "flowrec binary not found (argument 1 or FLOWREC): '$FLOWREC'"
}
