#!/usr/bin/python3
# Independent check of flowq export output (run with Debian's /usr/bin/python3,
# which has python3-cbor2): decodes every format, re-encodes the CBOR
# canonically with cbor2 and compares bytes, and compares each record field by
# field with the database rows read by the sqlite3 CLI (a summary's dst_addr is
# its prefix, address/length).
#   check_export.py DIR DB [DB ...]   (DIR holds out.ndjson out.json out.cborseq out.cbor)
import io, ipaddress, json, subprocess, sys, datetime
import cbor2

KEYS = ["schema_version", "cell_id", "run_id", "decision_id", "direction", "decision",
        "reason_code", "nft_rule_ref", "dst_addr", "dst_port", "protocol", "packet_count",
        "byte_count", "policy_digest", "keyset_id", "issuer_kid", "correlation_id", "observed_at"]
PROTO = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}

def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)

def rows(db):
    sql = """SELECT e.event_id, e.seq, e.direction, e.decision, e.reason_code, e.nft_rule_ref,
        e.family, hex(e.dst_addr) AS dst, e.dst_port, e.protocol, e.packet_count, e.byte_count,
        e.opens_flow, e.observed_at, r.cell_id, r.run_id, hex(CAST(r.cell_id AS BLOB)) AS cid,
        hex(CAST(r.run_id AS BLOB)) AS rid, iif(r.policy_digest IS NULL, NULL, hex(r.policy_digest)) AS pd, iif(r.keyset_id IS NULL, NULL, hex(r.keyset_id)) AS ks,
        iif(r.issuer_kid IS NULL, NULL, hex(r.issuer_kid)) AS ik, iif(r.correlation_id IS NULL, NULL, hex(r.correlation_id)) AS ci, f.flow_id AS fid, f.state,
        f.orig_packets, f.resp_packets, f.orig_bytes, f.resp_bytes, e.prefix_len
        FROM flow_events_all e JOIN runs r ON r.run_pk = e.run_pk
        LEFT JOIN flows f ON f.flow_id = e.flow_id ORDER BY e.observed_at, e.event_id"""
    out = subprocess.run(["sqlite3", "-readonly", "-json", db, sql], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else []

def text(hexstr):
    return bytes.fromhex(hexstr).decode("utf-8", errors="replace")

def id_part(hexstr):
    """decision_id component: '%', ':', controls and bytes outside UTF-8 as %XX."""
    raw, out, i = bytes.fromhex(hexstr), [], 0
    while i < len(raw):
        for k in (4, 3, 2, 1):
            try:
                ch = raw[i:i + k].decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and ch not in "%:" and not (ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f):
                out.append(ch)
                i += k
                break
        else:
            out.append("%%%02X" % raw[i])
            i += 1
    return "".join(out)

def rfc3339(ns):
    s, frac = divmod(ns, 10**9)
    t = datetime.datetime.fromtimestamp(s, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % frac

def expected(db):
    out = []
    for r in rows(db):
        raw = bytes.fromhex(r["dst"])
        addr = str(ipaddress.IPv4Address(raw[12:])) if r["family"] == 4 else str(ipaddress.IPv6Address(raw))
        if r["prefix_len"] is not None:  # a summary: its destination prefix
            addr += "/%d" % r["prefix_len"]
        pk, bc = r["packet_count"], r["byte_count"]
        # The flow's totals go on the decision that opened it; later decisions keep their own.
        opens = r["opens_flow"] == 1
        if opens and r["fid"] is not None and (r["state"] == "closed" or r["orig_packets"] + r["resp_packets"] > 0):
            pk = r["orig_packets"] + r["resp_packets"]
        if opens and (r["orig_bytes"] is not None or r["resp_bytes"] is not None):
            bc = (r["orig_bytes"] or 0) + (r["resp_bytes"] or 0)
        meta = lambda k: None if r[k] is None else text(r[k])
        out.append((r["observed_at"], {
            "schema_version": "1.0.0", "cell_id": r["cell_id"], "run_id": r["run_id"],
            "decision_id": "%s:%s:%d" % (id_part(r["cid"]), id_part(r["rid"]), r["seq"]),
            "direction": r["direction"], "decision": r["decision"],
            "reason_code": r["reason_code"], "nft_rule_ref": r["nft_rule_ref"],
            "dst_addr": addr, "dst_port": r["dst_port"], "protocol": PROTO.get(r["protocol"]),
            "packet_count": pk, "byte_count": bc, "policy_digest": meta("pd"),
            "keyset_id": meta("ks"), "issuer_kid": meta("ik"), "correlation_id": meta("ci"),
            "observed_at": rfc3339(r["observed_at"])}))
    return out

def main():
    d, dbs = sys.argv[1], sys.argv[2:]
    # Merge in time order, ties by --db order then row order (stable sort).
    merged = sorted(
        [(t, i, n, rec) for i, db in enumerate(dbs) for n, (t, rec) in enumerate(expected(db))],
        key=lambda x: (x[0], x[1], x[2]))
    want = [rec for _, _, _, rec in merged]
    if not want:
        fail("fixture has no rows")
    nd = [json.loads(l) for l in open(d + "/out.ndjson", encoding="utf-8")]
    js = json.load(open(d + "/out.json", encoding="utf-8"))
    raw_seq = open(d + "/out.cborseq", "rb").read()
    seq, f = [], io.BytesIO(raw_seq)
    while f.tell() < len(raw_seq):
        seq.append(cbor2.load(f))
    raw_arr = open(d + "/out.cbor", "rb").read()
    arr = cbor2.loads(raw_arr)
    for name, got in (("ndjson", nd), ("json", js), ("cbor-seq", seq), ("cbor", arr)):
        if len(got) != len(want):
            fail("%s: %d records, database has %d" % (name, len(got), len(want)))
        for i, (g, w) in enumerate(zip(got, want)):
            if list(g.keys()) != KEYS and name in ("ndjson", "json"):
                fail("%s record %d: keys %s not in contract order" % (name, i, list(g.keys())))
            if set(g.keys()) != set(KEYS):
                fail("%s record %d: keys %s" % (name, i, sorted(g.keys())))
            for k in KEYS:
                if g[k] != w[k] or type(g[k]) != type(w[k]):
                    fail("%s record %d field %s: %r, database says %r" % (name, i, k, g[k], w[k]))
    canon_seq = b"".join(cbor2.dumps(x, canonical=True) for x in seq)
    if canon_seq != raw_seq:
        fail("cbor-seq is not canonical (cbor2 re-encoding differs)")
    if cbor2.dumps(arr, canonical=True) != raw_arr:
        fail("cbor is not canonical (cbor2 re-encoding differs)")
    print("ok: %d records checked in 4 formats against %d database(s)" % (len(want), len(dbs)))

main()
