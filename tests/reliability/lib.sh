# SPDX-License-Identifier: Apache-2.0
# Shared helpers of the reliability tests (sourced, not run). Every helper is
# bounded in time; every process, mount and namespace a test creates is
# registered here and removed by rel_cleanup (run from the EXIT trap), by PID
# or by name, never by pattern.
#
# Skip convention: rel_skip exits 77 (CTest SKIP_RETURN_CODE), except under
# FLOWAUDIT_REQUIRE_BPF=1 where a test that cannot run is a failure.

REL_PIDS=()
REL_MOUNTS=()
REL_NETNS=()
REL_LINKS=()
REL_USERS=()
REL_TMP=""

rel_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
rel_fail() {
	echo "FAIL: $*" >&2
	exit 1
}
rel_skip() {
	if [ "${FLOWAUDIT_REQUIRE_BPF:-0}" = 1 ]; then
		echo "FAIL (FLOWAUDIT_REQUIRE_BPF=1, cannot skip): $*" >&2
		exit 1
	fi
	echo "SKIP: $*" >&2
	exit 77
}
rel_need() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || rel_skip "needs $t"
	done
}
rel_need_root() { [ "$(id -u)" = 0 ] || rel_skip "needs root"; }

rel_cleanup() {
	local p m n l u
	for p in "${REL_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for m in "${REL_MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	for l in "${REL_LINKS[@]}"; do ip link del "$l" 2>/dev/null; done
	for n in "${REL_NETNS[@]}"; do ip netns del "$n" 2>/dev/null; done
	for u in "${REL_USERS[@]}"; do userdel "$u" 2>/dev/null; done
	[ -n "$REL_TMP" ] && rm -rf "$REL_TMP"
	return 0
}

# rel_setup: a private temp dir in $REL_TMP and the cleanup trap.
rel_setup() {
	REL_TMP=$(mktemp -d /tmp/flowaudit-rel.XXXXXX) || rel_fail "mktemp"
	trap rel_cleanup EXIT
	trap 'exit 130' INT TERM
}

# rel_cell_with_sink TAG NET: a cell namespace (${TAG}c, interface fa0, NET.1)
# joined by a veth to a peer (${TAG}p, fa1, NET.2), IPv6 off, and NET.9 a
# "sink": a static neighbour entry for an address nobody has, so traffic to
# it crosses the veth and is dropped quietly by the peer (no forwarding, no
# ICMP). Sets CELL and PEER; both namespaces are removed on exit.
rel_cell_with_sink() {
	local tag=$1 net=$2 ns peer_mac
	CELL=${tag}c PEER=${tag}p
	ip netns add "$CELL" 2>/dev/null || rel_skip "cannot create network namespaces"
	REL_NETNS+=("$CELL")
	ip netns add "$PEER" || rel_fail "ip netns add"
	REL_NETNS+=("$PEER")
	for ns in $CELL $PEER; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	ip link add fa0 netns "$CELL" type veth peer name fa1 netns "$PEER" || rel_fail "ip link add veth"
	ip -n "$CELL" addr add "$net.1/24" dev fa0
	ip -n "$PEER" addr add "$net.2/24" dev fa1
	ip -n "$CELL" link set fa0 up
	ip -n "$PEER" link set fa1 up
	peer_mac=$(ip -n "$PEER" -o link show fa1 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	ip -n "$CELL" neigh replace "$net.9" lladdr "$peer_mac" dev fa0 nud permanent
}

# rel_wait_until SECONDS CMD...: poll CMD every 0.05 s until it succeeds; 1 on timeout.
rel_wait_until() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# rel_wait_exit PID SECONDS: wait for a child to exit (call it directly, not in
# $(...): only this shell can reap its child). Sets REL_RC to its exit status,
# 124 on timeout (the child is then left to rel_cleanup).
rel_wait_exit() {
	local pid=$1 limit=$2 i
	REL_RC=124
	for ((i = 0; i < limit * 20; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			REL_RC=$?
			return 0
		fi
		sleep 0.05
	done
	return 1
}

rel_sql() { sqlite3 -batch -bail "$@"; }

# rel_integrity DB: PRAGMA integrity_check must say ok.
rel_integrity() {
	local out
	out=$(rel_sql "$1" 'PRAGMA integrity_check;' 2>&1)
	[ "$out" = ok ] || rel_fail "integrity_check of $1: $out"
}

# rel_count DB RUN: flow_events rows of run RUN ('' when the run is absent).
rel_count() {
	sqlite3 -batch "$1" "SELECT count(*) FROM flow_events_all e JOIN runs r USING (run_pk) WHERE r.run_id = '$2';" 2>/dev/null
}

# rel_count_is DB RUN N: the run has exactly N flow_events rows (for rel_wait_until).
rel_count_is() { [ "$(rel_count "$1" "$2")" = "$3" ]; }

# rel_sql_ok DB: the database answers a query (for rel_wait_until).
rel_sql_ok() { sqlite3 -batch "$1" 'SELECT 1 FROM runs LIMIT 1;' >/dev/null 2>&1; }

# rel_attached PID IFACE NETNS: recorder PID has its tc programs on IFACE in
# NETNS: two tcx links among its fds, or (the clsact fallback) a bpf filter on
# IFACE's egress. flowrec creates its database before it attaches, so a
# database that answers does not mean packets are observed yet.
rel_attached() {
	local pid=$1 n=0 f
	for f in /proc/"$pid"/fdinfo/*; do
		grep -q '^link_type:[[:space:]]*tcx' "$f" 2>/dev/null && n=$((n + 1))
	done
	((n >= 2)) && return 0
	ip netns exec "$3" tc filter show dev "$2" egress 2>/dev/null | grep -q bpf
}
