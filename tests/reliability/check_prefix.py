#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Check that the flow_events of one run are exactly a prefix of a v1 replay.

usage: check_prefix.py DB RUN_ID REPLAY_FILE [--expect N] [--min N]

The stored events of RUN_ID must be seq 1..N (no gap, no duplicate), event k
must carry record k of REPLAY_FILE (addresses, ports, protocol, packet count,
kernel timestamp, decision), and each must reference its own flows row with the
same 5-tuple. Prints N. Exit 1 with the first mismatch otherwise. The replay
must hold only v1 frames (what make_replay v1 writes).
"""
import sqlite3
import struct
import sys


def v4mapped(host_order_ip):
    return b"\x00" * 10 + b"\xff\xff" + struct.pack(">I", host_order_ip)


def main():
    args = sys.argv[1:]
    expect = minimum = None
    if "--expect" in args:
        i = args.index("--expect")
        expect = int(args[i + 1])
        del args[i : i + 2]
    if "--min" in args:
        i = args.index("--min")
        minimum = int(args[i + 1])
        del args[i : i + 2]
    db, run_id, replay = args
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    has_runs = con.execute(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'runs'"
    ).fetchone()[0]
    # A recorder killed before its migration committed leaves no tables: no run.
    row = None
    if has_runs:
        row = con.execute("SELECT run_pk FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    if row is None:
        if (expect or 0) > 0 or (minimum or 0) > 0:
            sys.exit(f"run {run_id}: missing")
        print(0)
        return
    run_pk = row[0]
    rows = con.execute(
        # every decision (flow_events_all: the openings flows rows hold too); a
        # v1 record's kernel time is observed_at less the run's monotonic offset
        "SELECT e.seq, e.src_addr, e.src_port, e.dst_addr, e.dst_port, e.protocol,"
        " e.packet_count, e.observed_at - r.mono_offset_ns, e.decision, e.flow_id,"
        " f.orig_addr, f.orig_port, f.resp_addr, f.resp_port, f.protocol, f.run_pk"
        " FROM flow_events_all e JOIN runs r ON r.run_pk = e.run_pk"
        " LEFT JOIN flows f ON f.flow_id = e.flow_id"
        " WHERE e.run_pk = ? ORDER BY e.seq",
        (run_pk,),
    ).fetchall()
    nflows = con.execute("SELECT count(*) FROM flows WHERE run_pk = ?", (run_pk,)).fetchone()[0]
    n = len(rows)
    with open(replay, "rb") as f:
        for k, r in enumerate(rows, start=1):
            if r[0] != k:
                sys.exit(f"run {run_id}: event {k} has seq {r[0]} (gap or duplicate)")
            head = f.read(8)
            kind, length = struct.unpack("<II", head)
            if kind != 1 or length != 40:
                sys.exit(f"replay frame {k}: kind {kind} len {length}, expected v1/40")
            rec = f.read(40)
            src, dst, sport, dport, proto = struct.unpack_from("=IIHHB", rec, 0)
            pkts, first = struct.unpack_from("=QQ", rec, 16)
            verdict = rec[32]
            want = (k, v4mapped(src), sport, v4mapped(dst), dport, proto, pkts, first,
                    "deny" if verdict == 2 else "allow")
            if tuple(r[:9]) != want:
                sys.exit(f"run {run_id}: event {k} is {r[:9]!r}, input record {k} is {want!r}")
            if r[10:16] != (want[1], sport, want[3], dport, proto, run_pk):
                sys.exit(f"run {run_id}: event {k}: flows row {r[9]} missing or different: {r[10:]!r}")
    if nflows != n:
        sys.exit(f"run {run_id}: {nflows} flows rows for {n} events")
    if expect is not None and n != expect:
        sys.exit(f"run {run_id}: {n} events stored, expected {expect}")
    if minimum is not None and n < minimum:
        sys.exit(f"run {run_id}: {n} events stored, at least {minimum} were acknowledged")
    print(n)


if __name__ == "__main__":
    main()
