#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write OLD: the database NEW as flowrec stored it before migration 006.

    old_layout.py SCHEMA_DIR NEW OLD

OLD is made by the migrations before 006 found in SCHEMA_DIR (run in order,
as flowrec runs them; user_version the last one's), then filled from NEW:
the rows of runs, flows, rejects and health (the columns the old tables
have), and every decision (NEW's view flow_events_all) as a flow_events row,
the opening decisions included, as the recorder stored them before. The
first_seen_kns of an opening decision (not kept since 006) is its
observed_at less the run's offset for the clock of its source (v1 records:
CLOCK_MONOTONIC; everything else: CLOCK_BOOTTIME).
"""
import glob
import os
import sqlite3
import sys

APPLICATION_ID = 0x464C4155  # common/fa_version.h
LAYOUT_MIGRATION = 6  # schema/006: opening decisions move into flows rows


def columns(con, schema, table):
    return [r[1] for r in con.execute(f"PRAGMA {schema}.table_info({table})")]


def main():
    schema_dir, new, old = sys.argv[1:4]
    if os.path.exists(old):
        sys.exit(f"{old} exists")
    con = sqlite3.connect(old)
    version = 0
    for path in sorted(glob.glob(os.path.join(schema_dir, "[0-9][0-9][0-9]_*.sql"))):
        v = int(os.path.basename(path)[:3])
        if v >= LAYOUT_MIGRATION:
            continue
        con.executescript("BEGIN;" + open(path).read() + ";COMMIT;")
        version = v
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute(f"PRAGMA user_version = {version}")
    con.execute("ATTACH DATABASE ? AS new", (f"file:{new}?mode=ro",))
    con.execute("BEGIN")
    for table in ("runs", "flows", "rejects", "health"):
        cols = ", ".join(columns(con, "main", table))
        con.execute(f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM new.{table}")
    names = columns(con, "main", "flow_events")
    picks = []
    for c in names:
        if c == "first_seen_kns":
            picks.append("coalesce(e.first_seen_kns, e.observed_at - CASE WHEN e.source LIKE"
                         " '%v1' THEN r.mono_offset_ns ELSE r.boot_offset_ns END)")
        else:
            picks.append(f"e.{c}")
    con.execute(f"INSERT INTO main.flow_events ({', '.join(names)})"
                f" SELECT {', '.join(picks)} FROM new.flow_events_all e"
                f" JOIN new.runs r ON r.run_pk = e.run_pk")
    con.commit()
    con.execute("DETACH DATABASE new")
    con.close()
    print(version)


if __name__ == "__main__":
    main()
