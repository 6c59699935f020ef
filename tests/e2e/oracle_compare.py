#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Compare flowrec's flows with nf_conntrack's, flow by flow (conntrack oracle test).

  oracle_compare.py DB EVENTS LIST

EVENTS: `conntrack -E -o extended,id` output for the run (NEW/UPDATE give the
state, DESTROY the final counters); LIST: `conntrack -L -o extended,id` taken
just before flowrec stopped (entries still alive, with their counters).

Each workload case (server port, or ICMP echo identifier) is compared under
the relation the test expects, printed as one table row; the exit status is
1 when any case breaks its relation. Expected differences, by relation:
  exact      every counter and the close reason agree (TIME_WAIT <-> tcp_fin,
             CLOSE <-> tcp_rst, alive at the stop <-> run_end, UDP/ICMP
             destroyed <-> idle), one flow per conntrack entry, same direction
  exact (GSO) the same, except that TCP always hands the device GSO
             super-packets (even with offloads off, the kernel segments them in
             software after netfilter): conntrack counts a super-packet once,
             flowrec counts its segments, each extra segment adding exactly one
             IP + TCP header (52 bytes IPv4, 72 IPv6, with timestamps)
  fragments  conntrack counts the reassembled datagram (it defragments before
             tracking); flowrec counts the fragments on the wire: packets x
             fragments, plus the headers of the extra fragments (IPv6: and
             every fragment header)
  idle_split conntrack keeps one ESTABLISHED entry through the idle time (its
             timeout is days); flowrec closes the idle flow and continues the
             connection as a second, midstream flow in the same direction,
             same originator; the two flows add up to conntrack's counters
"""
import sqlite3
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from oracle_peer import PORTS  # noqa: E402

FRAG_CASES = {"udp_frag"}


def parse_line(line):
    """One conntrack line: (event, ctid, state, orig, reply), each side a dict."""
    toks = line.split()
    event = toks[0].strip("[]") if toks and toks[0].startswith("[") else "LIST"
    sides, cur, state, ids = [], None, None, []
    for t in toks:
        if t.isupper() and "_" in t or t in ("ESTABLISHED", "CLOSE", "LISTEN", "CLOSE_WAIT"):
            state = t
        if "=" not in t:
            continue
        k, v = t.split("=", 1)
        if k == "src":
            cur = {}
            sides.append(cur)
        if k == "id":
            ids.append(v)
        if cur is not None and k in ("src", "dst", "sport", "dport", "type", "code", "id",
                                     "packets", "bytes"):
            cur.setdefault(k, v)
    if len(sides) < 2 or len(ids) % 2 == 0:
        return None
    proto = toks[3] if event != "LIST" else toks[2]
    return event, ids[-1], state, proto, sides[0], sides[1]


def conntrack_entries(events_path, list_path):
    entries, order = {}, []
    for path in (events_path, list_path):
        with open(path) as f:
            for line in f:
                p = parse_line(line)
                if not p:
                    continue
                event, ctid, state, proto, orig, reply = p
                e = entries.get(ctid)
                if e is None or (event == "NEW" and e["destroyed"]):
                    # conntrack recycles ids: a NEW after a DESTROY is another entry
                    e = entries[ctid] = {"proto": proto, "orig": orig, "reply": reply,
                                         "state": None, "destroyed": False}
                    order.append(e)
                if state:
                    e["state"] = state
                if event in ("DESTROY", "LIST") and "packets" in orig:
                    e["orig"], e["reply"] = orig, reply
                    e["destroyed"] = event == "DESTROY"
    return order


def ct_close(e):
    if not e["destroyed"]:
        return "run_end"
    if e["proto"] == "tcp":
        return {"TIME_WAIT": "tcp_fin", "CLOSE": "tcp_rst"}.get(e["state"], e["state"])
    return "idle"


def ct_counts(e):
    return (int(e["orig"]["packets"]), int(e["orig"]["bytes"]),
            int(e["reply"]["packets"]), int(e["reply"]["bytes"]))


def fr_counts(f):
    return (f["orig_packets"], f["orig_bytes"], f["resp_packets"], f["resp_bytes"])


def main():
    db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    flows = [dict(r) for r in db.execute(
        "SELECT f.*, (SELECT count(*) FROM flow_events_all e WHERE e.flow_id = f.flow_id) AS decisions"
        " FROM flows f ORDER BY opened_at, flow_id")]
    cts = conntrack_entries(sys.argv[2], sys.argv[3])
    by_port = {v: k for k, v in PORTS.items()}

    cases = {}
    for e in cts:
        if e["proto"] in ("tcp", "udp"):
            name = by_port.get(int(e["orig"].get("dport", 0)))
            if name is None:
                name = by_port.get(int(e["orig"].get("sport", 0)))
        elif e["proto"] in ("icmp", "icmpv6") and e["orig"].get("type") in ("8", "128"):
            name = f"{e['proto']}_echo_id_{e['orig']['id']}"
        else:
            continue
        if name:
            cases.setdefault(name, [[], []])[0].append(e)
    for f in flows:
        if f["protocol"] in (6, 17):
            name = by_port.get(f["resp_port"]) or by_port.get(f["orig_port"])
        elif f["protocol"] in (1, 58) and f["icmp_type"] in (8, 128):
            name = f"{'icmp' if f['protocol'] == 1 else 'icmpv6'}_echo_id_{f['icmp_id']}"
        else:
            continue
        if name:
            cases.setdefault(name, [[], []])[1].append(f)

    bad = []
    print("| case | conntrack: entries, orig pkts/bytes, reply pkts/bytes, end "
          "| flowrec: flows, orig pkts/bytes, resp pkts/bytes, close | relation | ok |")
    print("|---|---|---|---|---|")
    for name in sorted(cases):
        ce, fl = cases[name]
        big_ping = name.startswith("icmp_echo") and ce and \
            int(ce[0]["orig"]["bytes"]) > 1500 * int(ce[0]["orig"]["packets"])
        if name == "idle_split":
            rel, ok = "idle_split", check_idle_split(ce, fl)
        elif name in FRAG_CASES or big_ping:
            rel, ok = "fragments", check_fragments(name, ce, fl)
        else:
            ok = check_exact(name, ce, fl)
            rel = "exact" if all(ct_counts(e) == fr_counts(f) for e, f in zip(ce, fl)) \
                else "exact (GSO)"
        ctxt = "; ".join("%d/%d, %d/%d, %s" % (ct_counts(e) + (ct_close(e) if e["state"] or
                         e["destroyed"] else "?",)) for e in ce)
        ftxt = "; ".join("%d/%d, %d/%d, %s%s" % (fr_counts(f) + (f["close_reason"],
                         " midstream" if f["midstream"] else "")) for f in fl)
        print(f"| {name} | {len(ce)}: {ctxt} | {len(fl)}: {ftxt} | {rel} | "
              f"{'yes' if ok else 'NO'} |")
        if not ok:
            bad.append(name)
    expected = set(PORTS)
    missing = sorted(n for n in expected if n not in cases)
    undecided = [f for f in flows if f["protocol"] in (1, 6, 17, 58) and f["decisions"] != 1
                 and f["open_seen"] == 1]
    if missing:
        print(f"cases without any entry: {missing}")
    if undecided:
        print(f"flows without exactly one decision: {undecided}")
    pings = [n for n in cases if "_echo_id_" in n]
    if len(pings) < 4:
        print(f"expected 4 ICMP echo sessions, found {pings}")
    if bad:
        print(f"cases breaking their relation: {bad}")
    return 1 if bad or missing or undecided or len(pings) < 4 else 0


def gso_equal(e, f):
    """Counters equal, but for TCP segments that conntrack saw as one GSO super-packet."""
    if e["proto"] != "tcp":
        return ct_counts(e) == fr_counts(f)
    hdr = 40 + 32 if ":" in e["orig"]["src"] else 20 + 32  # IP + TCP with timestamps
    c, r = ct_counts(e), fr_counts(f)
    for i in (0, 2):
        extra = r[i] - c[i]
        if extra < 0 or r[i + 1] - c[i + 1] != extra * hdr:
            return False
    return True


def check_exact(name, ce, fl):
    if len(ce) != len(fl) or not ce:
        return False
    want_dir = "ingress" if name == "ingress" else "egress"
    for e, f in zip(ce, fl):
        if not gso_equal(e, f) or ct_close(e) != f["close_reason"]:
            return False
        if f["direction"] != want_dir or f["midstream"]:
            return False
    return True


def check_fragments(name, ce, fl):
    if len(ce) != len(fl) or not ce:
        return False
    for e, f in zip(ce, fl):
        v6 = ":" in e["orig"]["src"]
        op, ob, rp, rb = ct_counts(e)
        # per datagram: 3 fragments at MTU 1500 for the sizes the workload sends
        frags = 3
        extra = (frags - 1) * (40 if v6 else 20) + (frags * 8 if v6 else 0)
        want = (op * frags, ob + op * extra, rp * frags, rb + rp * extra)
        if fr_counts(f) != want or ct_close(e) != f["close_reason"]:
            return False
    return True


def check_idle_split(ce, fl):
    if len(ce) != 1 or len(fl) != 2:
        return False
    a, b = fl
    total = tuple(x + y for x, y in zip(fr_counts(a), fr_counts(b)))
    same_side = a["orig_addr"] == b["orig_addr"] and a["orig_port"] == b["orig_port"]
    return (total == ct_counts(ce[0]) and same_side and a["close_reason"] == "idle"
            and not a["midstream"] and b["midstream"] == 1 and a["direction"] == "egress"
            and b["direction"] == "egress" and b["close_reason"] == ct_close(ce[0]))


if __name__ == "__main__":
    sys.exit(main())
