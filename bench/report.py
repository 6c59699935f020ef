#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The benchmark report: bench/run.sh's measurements as tables.

  report.py --results FILE --meta FILE --notes DIR --out FILE

Reads the measurements (one line each: part, size, subject, round, key,
value; see bench/lib.sh) and the machine description, prints the report as
Markdown and writes it to --out. Each throughput is the best round (the
machine is shared: noise only ever slows a round down), and each ratio is
the best of one subject over the best of its baseline from the same
invocation. Then it checks that every figure is present and sane: row
counts agree between flowrec and the baselines, every rate and ratio is
positive, the generator is deterministic. It exits 1 if any check fails. It
never judges speed: the issue's targets are shown, met or not, as
information.
"""
import argparse
import collections
import math
import os
import sys

# The targets, in one place: (what, figure key, comparison, bound).
TARGETS = [
    ("ingest >= 0.7x the raw row rate", "ingest_vs_raw", ">=", 0.7),
    ("ingest >= 0.7x the schema's bare-insert ceiling", "ingest_vs_ceiling", ">=", 0.7),
    ("ndjson export >= 3x sqlite3 -json", "ndjson_vs_sqlite3", ">=", 3.0),
    ("cbor-seq export >= 3x sqlite3 -json", "cbor_vs_sqlite3", ">=", 3.0),
    ("flowq peak RSS < 32 MiB", "flowq_rss_mib", "<", 32.0),
    ("flowrec peak RSS < 64 MiB on a replay", "flowrec_rss_mib", "<", 64.0),
    ("flowrec idle RSS < 16 MiB", "idle_rss_mib", "<", 16.0),
    ("<= 64 B of user space per open flow", "bytes_per_open_flow", "<=", 64.0),
    ("100% of a sustained flood recorded", "flood_recorded_fraction", ">=", 1.0),
]


class Report:
    def __init__(self, results, meta, notes):
        self.meta = meta
        self.notes = notes
        # (part, size, subject, key) -> {round: value}
        self.m = collections.defaultdict(dict)
        for line in results:
            line = line.rstrip("\n")
            if not line:
                continue
            part, size, subject, rnd, key, value = line.split("\t")
            self.m[(part, int(size), subject, key)][int(rnd)] = value
        self.checks = []  # (description, ok)
        self.target_values = collections.defaultdict(list)  # key -> [(label, value)]
        self.out = []

    # -- access ---------------------------------------------------------------
    def sizes(self, part):
        return sorted({k[1] for k in self.m if k[0] == part})

    def rounds(self, part, size, subject, key):
        return self.m.get((part, size, subject, key), {})

    def num(self, part, size, subject, key, rnd=None, how="best"):
        """One figure as a number: a given round, or the best (min) / max over rounds."""
        vals = self.rounds(part, size, subject, key)
        desc = f"{part} {size} {subject} {key}"
        try:
            nums = {r: float(v) for r, v in vals.items()}
        except ValueError:
            self.check(f"{desc} is a number", False)
            return math.nan
        if rnd is not None:
            nums = {r: v for r, v in nums.items() if r == rnd}
        if not nums:
            self.check(f"{desc} was measured", False)
            return math.nan
        return min(nums.values()) if how == "best" else max(nums.values())

    def positive(self, desc, value):
        ok = isinstance(value, float) and math.isfinite(value) and value > 0
        self.check(f"{desc} is positive", ok)
        return value

    def check(self, desc, ok):
        self.checks.append((desc, bool(ok)))

    def equal(self, desc, a, b):
        self.check(f"{desc}: {fmt_int(a)} = {fmt_int(b)}", a == b and not math.isnan(a))

    def target(self, key, label, value):
        self.target_values[key].append((label, value))

    # -- output ---------------------------------------------------------------
    def p(self, text=""):
        self.out.append(text)

    def table(self, head, rows):
        self.p("| " + " | ".join(head) + " |")
        self.p("|" + "|".join(" --- " for _ in head) + "|")
        for r in rows:
            self.p("| " + " | ".join(r) + " |")
        self.p()

    def note(self, name):
        path = os.path.join(self.notes, name)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return f.read().rstrip("\n")


def fmt_int(v):
    return "n/a" if isinstance(v, float) and math.isnan(v) else f"{int(round(v)):,}"


def fmt_rate(v):
    return fmt_int(v) + "/s"


def fmt_x(v):
    return "n/a" if math.isnan(v) else f"{v:.2f}x"


def fmt_s(v):
    return "n/a" if math.isnan(v) else f"{v:.2f} s"


def fmt_mib(kib):
    return "n/a" if math.isnan(kib) else f"{kib / 1024:.1f} MiB"


def header(r):
    m = r.meta
    r.p("# flowaudit benchmarks")
    r.p()
    r.p(f"Command: `{m.get('command', '?')}` (took {int(m.get('seconds', 0)) // 60} min "
        f"{int(m.get('seconds', 0)) % 60} s)  ")
    r.p(f"Commit: {m.get('commit', '?')}, {m.get('date', '?')}  ")
    ram = int(m.get("ram_kib", 0)) / 1024 / 1024
    r.p(f"Machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores, {ram:.1f} GiB RAM, "
        f"kernel {m.get('kernel', '?')}, SQLite {m.get('sqlite', '?')}  ")
    r.p(f"Database directory: {m.get('fs', '?')} on {m.get('disk', '?')}  ")
    r.p(f"Load average (1, 5, 15 min) at start {m.get('load_start', '?')}, at end "
        f"{m.get('load_end', '?')}: the machine is shared with other work, so absolute "
        f"figures vary from run to run; the ratios are what to compare.")
    r.p()
    r.p(f"Method: {m.get('rounds', '?')} rounds per figure; a figure is the best round "
        "(noise only slows a round down), a ratio is best over best within this one "
        "invocation. Within a round the subject and its baselines run back to back, in the "
        "reverse order every other round. Events are input records (opens, closes, v1 "
        "records); inputs are `make_replay mix N 11` (tests/tools/synth_capture.h).")
    r.p()


def gen(r):
    for n in r.sizes("gen"):
        a = r.rounds("gen", n, "mix", "sha256").get(0)
        b = r.rounds("gen", n, "mix", "sha256_again").get(0)
        r.check(f"generator: two generations of {n:,} events hash the same", a is not None and a == b)
        r.positive(f"generator: {n:,}-event input size", r.num("gen", n, "mix", "bytes"))


def ingest(r):
    sizes = r.sizes("ingest")
    if not sizes:
        return
    r.p("## Ingest")
    r.p()
    r.p("flowrec --replay into a fresh database with the shipped schema (default options); "
        "the schema's ceiling (a bare C loop inserting flowrec's final rows: one flows row "
        "per new flow, holding its opening decision, and the later decisions in "
        "flow_events; one prepared INSERT per table, 4096 flows rows per transaction, the "
        "same pragmas and page cache, the deferred index built after the last); the raw "
        "row rate (one decision-shaped row, flow_events' columns, per event, no secondary "
        "index, no constraint). Same disk, same run.")
    r.p()
    rows, stage_rows = [], []
    for n in sizes:
        rounds = sorted(r.rounds("ingest", n, "flowrec", "seconds"))
        for rnd in rounds:
            for key in ("flows_rows", "event_rows"):
                r.equal(f"ingest {n:,} round {rnd}: ceiling {key} = flowrec's",
                        r.num("ingest", n, "ceiling", key, rnd),
                        r.num("ingest", n, "ceiling", "ref_" + key, rnd))
            r.equal(f"ingest {n:,} round {rnd}: raw rows = events",
                    r.num("ingest", n, "raw", "rows", rnd), n)
            r.equal(f"ingest {n:,} round {rnd}: flowrec received every event",
                    r.num("ingest", n, "flowrec", "received", rnd), n)
            r.equal(f"ingest {n:,} round {rnd}: flowrec event rows = events written",
                    r.num("ingest", n, "flowrec", "event_rows", rnd),
                    r.num("ingest", n, "flowrec", "events_written", rnd))
            r.equal(f"ingest {n:,} round {rnd}: no store failures",
                    r.num("ingest", n, "flowrec", "store_failures", rnd), 0)
            r.equal(f"ingest {n:,} round {rnd}: the pipeline read every event",
                    r.num("ingest", n, "pipeline", "records", rnd), n)
        rec = r.positive(f"ingest {n:,} flowrec rate", n / r.num("ingest", n, "flowrec", "seconds"))
        ceil = r.positive(f"ingest {n:,} ceiling rate", n / r.num("ingest", n, "ceiling", "seconds"))
        raw = r.positive(f"ingest {n:,} raw rate", n / r.num("ingest", n, "raw", "seconds"))
        vs_ceil = r.positive(f"ingest {n:,} flowrec/ceiling", rec / ceil)
        vs_raw = r.positive(f"ingest {n:,} flowrec/raw", rec / raw)
        r.positive(f"ingest {n:,} ceiling/raw", ceil / raw)
        r.target("ingest_vs_raw", f"{n:,}", vs_raw)
        r.target("ingest_vs_ceiling", f"{n:,}", vs_ceil)
        rss = r.num("ingest", n, "flowrec", "rss_kb", how="max")
        r.positive(f"ingest {n:,} flowrec peak RSS", rss)
        r.target("flowrec_rss_mib", f"{n:,}", rss / 1024)
        flows = r.num("ingest", n, "flowrec", "flows_rows", how="max")
        events = r.num("ingest", n, "flowrec", "event_rows", how="max")
        rows.append([f"{n:,}", fmt_rate(rec), fmt_rate(ceil), fmt_rate(raw), fmt_x(vs_ceil),
                     fmt_x(vs_raw), fmt_x(ceil / raw), fmt_mib(rss),
                     f"{fmt_int(events)} / {fmt_int(flows)}"])
        rec_s = r.num("ingest", n, "flowrec", "seconds")
        cells = [f"{n:,}"]
        for stage in ("read", "decode", "pipeline"):
            s = r.num("ingest", n, stage, "seconds")
            r.positive(f"ingest {n:,} {stage} rate", n / s)
            cells.append(f"{fmt_rate(n / s)} ({100 * s / rec_s:.1f}%)")
        dups = r.num("ingest", n, "flowrec", "duplicate_opens", how="max")
        orphans = r.num("ingest", n, "flowrec", "orphan_closes", how="max")
        lo = r.num("ingest", n, "flowrec", "orphan_closes")
        cells.append(f"{fmt_int(dups)} / {fmt_int(lo)}-{fmt_int(orphans)}")
        stage_rows.append(cells)
    r.table(["events", "flowrec --replay", "ceiling (same schema)", "raw rows (no index)",
             "flowrec / ceiling", "flowrec / raw", "ceiling / raw", "flowrec peak RSS",
             "decisions / flows rows"], rows)
    r.p("Where the time goes without SQLite (pipeline_bench, the recorder's own code; "
        "in brackets: the stage's time as a share of flowrec's whole replay):")
    r.p()
    r.table(["events", "read (replay source)", "decode",
             "pipeline (decode, track, queue; no commit)",
             "flowrec: duplicate opens / orphan closes (range over rounds)"], stage_rows)


def export(r):
    sizes = r.sizes("export")
    if not sizes:
        return
    r.p("## Export")
    r.p()
    r.p("`flowq export` to /dev/null beside `sqlite3 -readonly -json` running the very "
        "statement flowq prepares, after the TEMP views flowq reads through "
        "(bench/export_sql), database in the page cache. Counts checked in a separate "
        "pass: ndjson lines, CBOR items, sqlite3 rows, count(*) of flow_events_all.")
    r.p()
    rows, frows = [], []
    for n in sizes:
        total = r.num("export", n, "table", "records")
        ftotal = r.num("export", n, "table", "filtered_records")
        for s in ("ndjson", "cbor-seq", "sqlite3-json"):
            r.equal(f"export {n:,}: {s} records = decisions (flow_events_all)",
                    r.num("export", n, s, "records"), total)
        for s in ("filtered-ndjson", "filtered-sqlite3-json"):
            r.equal(f"export {n:,}: {s} records = rows in the /24 and the hour",
                    r.num("export", n, s, "records"), ftotal)
        r.positive(f"export {n:,} filtered records", ftotal)
        rate = {}
        for s in ("ndjson", "cbor-seq", "sqlite3-json"):
            rate[s] = r.positive(f"export {n:,} {s} rate", total / r.num("export", n, s, "seconds"))
        nd, cb = rate["ndjson"] / rate["sqlite3-json"], rate["cbor-seq"] / rate["sqlite3-json"]
        r.positive(f"export {n:,} ndjson/sqlite3", nd)
        r.positive(f"export {n:,} cbor-seq/sqlite3", cb)
        r.target("ndjson_vs_sqlite3", f"{n:,}", nd)
        r.target("cbor_vs_sqlite3", f"{n:,}", cb)
        rss = max(r.num("export", n, s, "rss_kb", how="max") for s in ("ndjson", "cbor-seq"))
        r.positive(f"export {n:,} flowq peak RSS", rss)
        r.target("flowq_rss_mib", f"{n:,}", rss / 1024)
        rows.append([f"{n:,}", fmt_int(total), fmt_rate(rate["ndjson"]), fmt_rate(rate["cbor-seq"]),
                     fmt_rate(rate["sqlite3-json"]), fmt_x(nd), fmt_x(cb), fmt_mib(rss)])
        fs = r.num("export", n, "filtered-ndjson", "seconds")
        fq = r.num("export", n, "filtered-sqlite3-json", "seconds")
        us = r.num("export", n, "ndjson", "seconds")
        r.positive(f"export {n:,} filtered ndjson time", fs)
        plan = r.note(f"plan-{n}-filtered.txt") or ""
        r.check(f"export {n:,}: the filtered statement searches an index (EXPLAIN QUERY PLAN)",
                "USING INDEX" in plan or "USING COVERING INDEX" in plan)
        frows.append([f"{n:,}", f"{fmt_int(ftotal)} ({100 * ftotal / total:.2f}%)",
                      fmt_s(fs), fmt_rate(ftotal / fs), fmt_x(fq / fs), fmt_s(us),
                      f"{100 * fs / us:.2f}%"])
    r.table(["events", "records", "ndjson", "cbor-seq", "sqlite3 -json", "ndjson / sqlite3",
             "cbor-seq / sqlite3", "flowq peak RSS"], rows)
    r.p("Filtered export: one /24 destination and the capture's first hour, beside the "
        "unfiltered export of the same database:")
    r.p()
    r.table(["events", "selected", "filtered ndjson", "records/s", "vs sqlite3 -json, same filter",
             "unfiltered ndjson", "filtered time / unfiltered"], frows)
    for n in sizes:
        flt = r.note(f"filter-{n}.txt")
        plan_f, plan_a = r.note(f"plan-{n}-filtered.txt"), r.note(f"plan-{n}-all.txt")
        r.p(f"Query plans at {n:,} events (EXPLAIN QUERY PLAN of flowq's statement):")
        r.p()
        r.p("```")
        r.p(f"unfiltered:\n{plan_a}\n{flt}:\n{plan_f}")
        r.p("```")
        r.p()


def memory(r):
    if not r.sizes("memory"):
        return
    r.p("## Memory")
    r.p()
    idle = r.positive("memory: idle RSS", r.num("memory", 0, "idle", "rss_kb"))
    idle_hwm = r.num("memory", 0, "idle", "hwm_kb", how="max")
    r.target("idle_rss_mib", "noop", idle / 1024)
    rows = [["flowrec --source noop, 3 s after start", fmt_mib(idle), fmt_mib(idle_hwm)]]
    for m in r.sizes("memory"):
        if m == 0:
            continue
        half = r.num("memory", m, "open_flows", "rss_half_kb")
        full = r.num("memory", m, "open_flows", "rss_kb")
        hwm = r.num("memory", m, "open_flows", "hwm_kb", how="max")
        r.positive(f"memory: RSS with {m:,} open flows", full)
        r.equal(f"memory: all {m:,} flows closed as run_end at the end",
                r.num("memory", m, "open_flows", "closed_run_end"), m)
        per_flow = (full - half) * 1024 / (m / 2)
        r.positive("memory: bytes per open flow", per_flow)
        r.target("bytes_per_open_flow", f"{m:,} flows", per_flow)
        rows.append([f"flowrec, {m // 2:,} open flows (replay from a FIFO kept open)",
                     fmt_mib(half), ""])
        rows.append([f"flowrec, {m:,} open flows", fmt_mib(full), fmt_mib(hwm)])
        rows.append(["user-space bytes per open flow (growth / flows added)",
                     f"{per_flow:.0f} B", f"upper bound {(full - idle) * 1024 / m:.0f} B "
                     "(all growth since idle / flows)"])
    r.table(["what", "RSS", "peak (VmHWM)"], rows)
    r.p("Peak RSS of the replays and exports: in the Ingest and Export tables.")
    r.p()


def flood(r):
    sizes = r.sizes("flood")
    skipped = r.note("skipped.txt") or ""
    if not sizes:
        if "flood" in skipped:
            r.p("## Sustained capture\n\nSkipped: not root, or no BPF or namespaces here.\n")
        return
    r.p("## Sustained capture")
    r.p()
    r.p("bench/flow_rate.sh (unchanged) with bench/flow_flood: one-datagram UDP flows "
        "across a veth pair, first without a recorder, then with flowrec attached (eBPF, "
        "2^20-entry flow table, 64 MiB ring, UDP idle 300 s); sized by a 300,000-flow "
        "calibration of the generator alone.")
    r.p()
    rows = []
    for c in sizes:
        sent_a = r.num("flood", c, "generator", "sent")
        sec_a = r.num("flood", c, "generator", "seconds")
        sent = r.num("flood", c, "flowrec", "sent")
        sec = r.num("flood", c, "flowrec", "seconds")
        rec = r.num("flood", c, "flowrec", "recorded")
        drops = r.num("flood", c, "flowrec", "ring_drops")
        full = r.num("flood", c, "flowrec", "table_full")
        daemon = r.num("flood", c, "flowrec", "daemon_drops")
        want = r.num("flood", c, "flowrec", "wanted_seconds")
        alone = r.positive("flood: generator rate alone", sent_a / sec_a)
        withr = r.positive("flood: generator rate with flowrec", sent / sec)
        r.positive("flood: flows recorded", rec)
        r.check(f"flood: sustained for at least {want:.0f} s ({sec:.1f} s)", sec >= want)
        r.target("flood_recorded_fraction", f"{sent:,.0f} flows", rec / sent)
        rows.append([fmt_int(sent), f"{sec:.1f} s", fmt_rate(alone), fmt_rate(withr),
                     fmt_x(withr / alone), f"{fmt_int(rec)} ({100 * rec / sent:.1f}%)",
                     fmt_int(drops), fmt_int(full), fmt_int(daemon),
                     fmt_int(sent - rec - drops - full - daemon),
                     fmt_mib(r.num("flood", c, "flowrec", "peak_rss_kb"))])
    r.table(["flows sent", "flood lasted", "generator alone", "with flowrec",
             "with / alone", "recorded", "ring drops", "table full", "daemon drops",
             "sent - recorded - counted losses", "flowrec RSS"], rows)


def profile(r):
    names = sorted(f for f in os.listdir(r.notes) if f.startswith("profile-")) if os.path.isdir(r.notes) else []
    if not names:
        return
    r.p("## Profile")
    r.p()
    r.p("perf record (DWARF call graphs, 250 Hz) of one flowrec --replay of the first size "
        "(bench/profile.sh): time per binary, self time per function, and time per function "
        "with everything it calls (children), e.g. apply_flow_insert against "
        "apply_event_insert and apply_update.")
    r.p()
    for name in names:
        r.p(f"{name}:")
        r.p()
        r.p("```")
        r.p("\n".join(line for line in r.note(name).splitlines() if not line.startswith("#"))[:6000])
        r.p("```")
        r.p()


def targets(r):
    rows = []
    for what, key, op, bound in TARGETS:
        for label, value in r.target_values.get(key, []):
            met = value >= bound if op == ">=" else value < bound if op == "<" else value <= bound
            shown = f"{value:.2f}" if value < 100 else f"{value:,.0f}"
            rows.append([what, label, shown, "met" if met else "missed"])
    if rows:
        r.p("## The issue's targets (information, not checks)")
        r.p()
        r.table(["target", "at", "measured", ""], rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--notes", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    meta = {}
    with open(a.meta) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    with open(a.results) as f:
        r = Report(f, meta, a.notes)
    header(r)
    gen(r)
    ingest(r)
    export(r)
    memory(r)
    flood(r)
    targets(r)
    profile(r)
    bad = [d for d, ok in r.checks if not ok]
    r.p("## Checks")
    r.p()
    r.p(f"{len(r.checks) - len(bad)} of {len(r.checks)} checks hold (every figure present and "
        "sane; speed is never checked)." + ("" if not bad else " Failed:"))
    for d in bad:
        r.p(f"- FAILED: {d}")
    r.p()
    text = "\n".join(r.out)
    print(text)
    with open(a.out, "w") as f:
        f.write(text + "\n")
    if not r.checks:
        print("report: no measurements", file=sys.stderr)
        return 1
    for d in bad:
        print(f"report: check failed: {d}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
