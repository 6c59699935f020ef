-- flowaudit schema, migration 1. Applied in one transaction; PRAGMA user_version
-- records how many migrations a file has. Times are UTC nanoseconds since the
-- Unix epoch unless a column name ends in _kns (a raw kernel clock reading).
-- Addresses are 16-byte BLOBs: IPv6 as is, IPv4 mapped (::ffff:a.b.c.d), so a
-- CIDR filter of either family is one index range scan.

CREATE TABLE runs (
    run_pk            INTEGER PRIMARY KEY,
    cell_id           TEXT NOT NULL,
    run_id            TEXT NOT NULL,
    started_at        INTEGER NOT NULL,
    ended_at          INTEGER,              -- NULL until the run ends cleanly
    end_status        TEXT,                 -- 'clean' or 'error'; NULL: never ended (killed)
    policy_digest     TEXT,
    keyset_id         TEXT,
    issuer_kid        TEXT,
    correlation_id    TEXT,
    source            TEXT NOT NULL,        -- ebpf | replay | noop | nflog | ebpf+nflog ...
    iface             TEXT,
    iface_side        TEXT,
    netns             TEXT,
    host              TEXT,
    recorder_version  TEXT NOT NULL,
    mono_offset_ns    INTEGER NOT NULL,     -- UTC ns = CLOCK_MONOTONIC ns + this
    boot_offset_ns    INTEGER NOT NULL,     -- UTC ns = CLOCK_BOOTTIME ns + this
    UNIQUE (cell_id, run_id)
);

-- One row per connection, the recorder's connection-tracking state.
-- orig_* is the side that sent the first packet; direction is relative to the cell.
-- flow_id is (run_pk << 32) + n, assigned by the recorder: a run's flows are
-- one rowid range, so no per-run index is needed.
CREATE TABLE flows (
    flow_id        INTEGER PRIMARY KEY,
    run_pk         INTEGER NOT NULL REFERENCES runs (run_pk),
    family         INTEGER NOT NULL CHECK (family IN (4, 6)),
    protocol       INTEGER NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('egress', 'ingress')),
    orig_addr      BLOB NOT NULL,
    orig_port      INTEGER,
    resp_addr      BLOB NOT NULL,
    resp_port      INTEGER,
    state          TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    opened_at      INTEGER NOT NULL,
    last_seen_at   INTEGER NOT NULL,
    closed_at      INTEGER,
    close_reason   TEXT CHECK (close_reason IN ('tcp_fin', 'tcp_rst', 'idle', 'run_end', 'evicted')),
    orig_packets   INTEGER NOT NULL DEFAULT 0,
    orig_bytes     INTEGER,
    resp_packets   INTEGER NOT NULL DEFAULT 0,
    resp_bytes     INTEGER,
    open_seen      INTEGER NOT NULL DEFAULT 1  -- 0: a close arrived for a flow never opened
);

-- One row per decoded flow decision (one NetworkFlowDecision each).
-- decision_id on export is '<cell_id>:<run_id>:<seq>'. event_id is
-- (run_pk << 32) + seq: the primary key itself makes (run_pk, seq) unique and
-- keeps a run's rows together, without a second index on the write path.
CREATE TABLE flow_events (
    event_id       INTEGER PRIMARY KEY CHECK (event_id = (run_pk << 32) + seq),
    run_pk         INTEGER NOT NULL REFERENCES runs (run_pk),
    seq            INTEGER NOT NULL,
    flow_id        INTEGER REFERENCES flows (flow_id),
    source         TEXT NOT NULL,           -- ebpf_v1 | ebpf_v2 | nflog | replay_v1 ...
    direction      TEXT NOT NULL CHECK (direction IN ('egress', 'ingress')),
    decision       TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),
    reason_code    TEXT NOT NULL,
    nft_rule_ref   TEXT,
    nflog_prefix   TEXT,
    family         INTEGER NOT NULL CHECK (family IN (4, 6)),
    protocol       INTEGER NOT NULL,
    src_addr       BLOB NOT NULL,
    src_port       INTEGER,
    dst_addr       BLOB NOT NULL,
    dst_port       INTEGER,
    packet_count   INTEGER,
    byte_count     INTEGER,
    first_seen_kns INTEGER NOT NULL,        -- the record's kernel timestamp
    observed_at    INTEGER NOT NULL         -- first_seen_kns turned into UTC with the run's offset
);

CREATE TABLE rejects (
    reject_id      INTEGER PRIMARY KEY,
    run_pk         INTEGER NOT NULL REFERENCES runs (run_pk),
    source         TEXT NOT NULL,
    reason         TEXT NOT NULL,
    raw            BLOB,
    received_at    INTEGER NOT NULL
);

-- Cumulative counters, one row per stats tick and one final row per run.
CREATE TABLE health (
    health_id        INTEGER PRIMARY KEY,
    run_pk           INTEGER NOT NULL REFERENCES runs (run_pk),
    at               INTEGER NOT NULL,
    is_final         INTEGER NOT NULL DEFAULT 0,
    received         INTEGER NOT NULL,      -- records the recorder got from its sources
    decoded          INTEGER NOT NULL,      -- records that decoded
    rejected         INTEGER NOT NULL,      -- records that did not (see rejects)
    events_written   INTEGER NOT NULL,      -- flow_events rows committed
    flows_opened     INTEGER NOT NULL,
    flows_closed     INTEGER NOT NULL,
    duplicate_opens  INTEGER NOT NULL,
    orphan_closes    INTEGER NOT NULL,
    ring_drops       INTEGER NOT NULL,      -- kernel: ring-buffer reserve failures
    table_full       INTEGER NOT NULL,      -- kernel: flow table full
    nflog_overruns   INTEGER NOT NULL,      -- netlink ENOBUFS
    nflog_lost       INTEGER NOT NULL DEFAULT 0, -- NFLOG packets lost (netlink sequence gaps)
    nflog_nonconforming INTEGER NOT NULL DEFAULT 0, -- NFLOG packets with a prefix off convention (kept)
    daemon_drops     INTEGER NOT NULL DEFAULT 0, -- records received but not kept (recorder memory)
    store_failures   INTEGER NOT NULL,      -- events that could not be stored
    commits          INTEGER NOT NULL,
    slowest_commit_us INTEGER NOT NULL
);

-- Indexes for the forensic filters (time, destination CIDR and port). Per-run
-- scans use the rowid ranges above. Insert cost measured in bench/replay_bench.sh.
CREATE INDEX flow_events_by_time ON flow_events (observed_at);
CREATE INDEX flow_events_by_dst ON flow_events (dst_addr, dst_port);
CREATE INDEX flows_by_resp ON flows (resp_addr);
CREATE INDEX health_by_run ON health (run_pk, at);
CREATE INDEX rejects_by_run ON rejects (run_pk);
