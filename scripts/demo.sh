#!/usr/bin/env bash
# The main job, end to end on this machine: a demo cell (a network namespace
# joined to a "server" namespace by a veth pair), flowrec recording it with
# the eBPF tc program and NFLOG for the cell's nftables drops, real traffic
# (TCP and UDP over IPv4 and IPv6, and an attempt the cell's firewall denies),
# then flowq queries and exports. Everything it creates is removed at exit;
# the database and the exports stay in demo-out/ (or $FLOWAUDIT_DEMO_OUT).
# Needs root (namespaces, BPF). Installs its packages and builds first.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
	exec sudo -E bash "$0" "$@"
fi
bash "$top/scripts/install-deps.sh"
bash "$top/scripts/build.sh" "$top/build" >/dev/null
FLOWREC=$top/build/recorder/flowrec
FLOWQ=$top/build/query/flowq
OUT=${FLOWAUDIT_DEMO_OUT:-$top/demo-out}
mkdir -p "$OUT"
set +e
. "$top/tests/e2e/lib.sh"
set -e
require_privileges

say() { printf '\n== %s\n' "$*"; }
say "demo cell: namespace pair joined by a veth, IPv4 $V4_NET.0/24 and IPv6 $V6_NET::/64"
topology_direct
NFLOG_GROUP=7
# The cell's firewall: SMTP out is denied (and logged to NFLOG group 7), the rest allowed.
in_ns "$CELL_NS" nft -f - <<NFT
table inet cell {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp dport 25 log group $NFLOG_GROUP prefix "cell-egress-smtp deny " drop
	}
}
NFT

DB=$OUT/demo-cell.db
RUN=run-$(date -u +%Y%m%dT%H%M%SZ)
say "flowrec: recording cell 'demo-cell', run '$RUN' into $DB"
start_bg "$E2E_TMP/flowrec.log" "$FLOWREC" --db "$DB" --cell demo-cell --run "$RUN" \
	--iface "$CELL_IF" --netns "$CELL_NS" --iface-side cell --nflog-group $NFLOG_GROUP \
	--policy-digest sha256:0f1e2d3c --keyset-id demo-keyset --issuer-kid demo-issuer \
	--correlation-id "demo-$$" --batch-ms 100
REC=$BG_PID
wait_for_text "$E2E_TMP/flowrec.log" "" 1 || true
for _ in $(seq 50); do
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM runs WHERE run_id = '$RUN'" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done

say "traffic: 3 TCP connections and 3 UDP flows per family, one denied SMTP attempt"
start_bg "$E2E_TMP/server.log" in_ns "$SRV_NS" "$PYTHON" "$E2E_DIR/flow_peer.py" serve \
	--tcp-port 8080 --udp-port 5353 --tcp-conns 6 --udp-datagrams 6 --timeout 30
wait_for_text "$E2E_TMP/server.log" READY 10 || fail "server did not start"
for dst in "$SRV_V4" "$SRV_V6"; do
	in_ns "$CELL_NS" "$PYTHON" "$E2E_DIR/flow_peer.py" send --dst "$dst" --tcp-port 8080 \
		--udp-port 5353 --count 3 --tcp-bytes 20000 --udp-bytes 200
done
in_ns "$CELL_NS" "$PYTHON" -c "
import socket
s = socket.socket(); s.settimeout(2)
try: s.connect(('$SRV_V4', 25))
except OSError: pass
" || true
wait_pid "${E2E_PIDS[-1]}" 30 || true
sleep 0.5
say "stopping flowrec (SIGTERM): open flows are closed (run_end) and committed"
stop_pid "$REC" 20
sed 's/^/  /' "$E2E_TMP/flowrec.log"

say "flowq runs"
"$FLOWQ" runs --db "$DB" --format table
say "flowq summary"
"$FLOWQ" summary --db "$DB" --format table
say "flowq flows (connection tracking)"
"$FLOWQ" flows --db "$DB" --format table
say "flowq export --decision deny (the denied attempt, from NFLOG)"
"$FLOWQ" export --db "$DB" --decision deny --format ndjson
say "flowq export --dst $V6_NET::/64 --proto tcp (IPv6 CIDR filter)"
"$FLOWQ" export --db "$DB" --dst "$V6_NET::/64" --proto tcp --format table
say "flowq health (loss accounting)"
"$FLOWQ" health --db "$DB" --format table
say "exports for the signing pipeline"
"$FLOWQ" export --db "$DB" --format json --output "$OUT/decisions.json" --digest sha256
"$FLOWQ" export --db "$DB" --format cbor-seq --output "$OUT/decisions.cbor" --digest sha256
say "a signed export (COSE_Sign1, Ed25519) and its check"
[ -f "$OUT/signer.pem" ] || openssl genpkey -algorithm ed25519 -out "$OUT/signer.pem"
openssl pkey -in "$OUT/signer.pem" -pubout -out "$OUT/signer.pub"
"$FLOWQ" export --db "$DB" --run "$RUN" --format cose-sign1 --key "$OUT/signer.pem" \
	--output "$OUT/decisions.cose"
"$FLOWQ" verify-export --pubkey "$OUT/signer.pub" "$OUT/decisions.cose"
ls -l "$OUT"
say "done: database and exports in $OUT"
