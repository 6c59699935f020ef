#!/bin/bash
# End to end: flowrec --replay writes a real database from framed v1 records
# (bpf/replay_frame.h, bpf/flow_record_v1.h); flowq exports it and the CBOR
# and JSON agree with the records replayed; flowq leaves the file unchanged.
#   test_replay_e2e.sh FLOWQ FLOWREC
set -euo pipefail
FLOWQ=$1
FLOWREC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
/usr/bin/python3 - "$T/r.bin" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    for i in range(3):
        rec = struct.pack("=IIHHB3xQQB7x", 0x0A000001, 0xC0000205 + i, 40000 + i, 443, 6,
                          7 + i, 123456789 + i * 1000, 2 if i == 2 else 1)
        f.write(struct.pack("<II", 1, len(rec)) + rec)
    f.write(struct.pack("<II", 1, 39) + b"\0" * 39)  # wrong length: a reject
PY
"$FLOWREC" --db "$T/e.db" --cell c1 --run r1 --replay "$T/r.bin" --policy-digest sha256:zz 2>/dev/null
before=$(sha256sum <"$T/e.db")
"$FLOWQ" export --db "$T/e.db" --format ndjson >"$T/out.ndjson"
[ "$(jq -c '[.decision_id,.dst_addr,.dst_port,.protocol,.decision,.reason_code,.packet_count,.policy_digest]' "$T/out.ndjson" | paste -sd' ')" = \
  '["c1:r1:1","192.0.2.5",443,"tcp","allow","ebpf_tc_observed",7,"sha256:zz"] ["c1:r1:2","192.0.2.6",443,"tcp","allow","ebpf_tc_observed",8,"sha256:zz"] ["c1:r1:3","192.0.2.7",443,"tcp","deny","ebpf_xdp_drop",9,"sha256:zz"]' ] \
  || fail "export: $(cat "$T/out.ndjson")"
"$FLOWQ" export --db "$T/e.db" --format cbor >"$T/out.cbor"
/usr/bin/python3 -c '
import cbor2, json, sys
arr = cbor2.loads(open(sys.argv[1], "rb").read())
nd = [json.loads(l) for l in open(sys.argv[2])]
assert arr == nd, "cbor and ndjson differ"
assert cbor2.dumps(arr, canonical=True) == open(sys.argv[1], "rb").read(), "not canonical"
' "$T/out.cbor" "$T/out.ndjson" || fail "cbor"
[ "$("$FLOWQ" health --db "$T/e.db" --format ndjson | jq -c '[.received,.decoded,.rejected,.verdict]')" = '[4,3,1,"lost"]' ] || fail health
[ "$("$FLOWQ" runs --db "$T/e.db" --format ndjson | jq -c '[.events,.unique_flows,.rejects,.end_status]')" = '[3,3,1,"clean"]' ] || fail runs
"$FLOWQ" verify --db "$T/e.db" >/dev/null || fail verify
[ "$(sha256sum <"$T/e.db")" = "$before" ] || fail "flowq changed the database"
echo "ok: replay end to end"
