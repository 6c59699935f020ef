-- flowaudit schema, migration 6: one row per new flow. Applied in one
-- transaction after the earlier ones; only columns and an index are added,
-- so an existing database upgrades without rewriting its rows, and every
-- existing row keeps its meaning.
--
-- A new flow's opening decision lives in its flows row (these columns and
-- the ones flows already had: direction, family, protocol, orig_* as the
-- decision's src_*, resp_* as its dst_*, opened_at as its observed_at,
-- flow_count and prefix_len). The row's flow_id is the decision's own key,
-- (run_pk << 32) + seq, so its decision_id is '<cell_id>:<run_id>:<seq>'
-- with seq = flow_id - (run_pk << 32); and flow_events holds only the later
-- decisions on a flow (opens_flow = 0, flow_id naming the flow). Rows written
-- before this migration keep their opening decision in flow_events
-- (opens_flow = 1) and have these columns NULL. A flows row with decision
-- NULL has no decision of its own there: an older row, or a close whose open
-- was never seen (open_seen = 0; its flow_id counts down from
-- (run_pk << 32) + 4294967295, apart from every seq).
--
-- The export's packet and byte counts of an opening decision are the flow's
-- (orig_* + resp_*), as before; the opening record's own counts are not kept.
ALTER TABLE flows ADD COLUMN source TEXT;          -- ebpf_v3 | replay_v1 | nflog ...
ALTER TABLE flows ADD COLUMN decision TEXT CHECK (decision IN ('allow', 'deny'));
ALTER TABLE flows ADD COLUMN reason_code TEXT;
ALTER TABLE flows ADD COLUMN nft_rule_ref TEXT;
ALTER TABLE flows ADD COLUMN nflog_prefix TEXT;

-- Decisions in time order (the export's order is observed_at, then the
-- decision's key): flows rows arrive nearly in time order, so this index
-- grows at its end and is kept while a run records. The random-key index
-- flows_by_resp is not: flowrec drops it while it records and builds it
-- when the run ends (common/fa_db.c, fa_deferred_indexes).
CREATE INDEX flows_by_time ON flows (opened_at);

-- Every decision as a flow_events row, wherever it is stored: the opening
-- decisions held in flows, then the rows of flow_events. Read-only; for
-- flowq and for sqlite3 users alike. A migration that adds a column to
-- flow_events recreates this view (until it does, the view fails to read:
-- its two arms differ in width).
CREATE VIEW flow_events_all AS
SELECT flow_id AS event_id, run_pk, flow_id - (run_pk << 32) AS seq, flow_id, source,
       direction, decision, reason_code, nft_rule_ref, nflog_prefix, family, protocol,
       orig_addr AS src_addr, orig_port AS src_port, resp_addr AS dst_addr,
       resp_port AS dst_port,
       orig_packets + resp_packets AS packet_count,          -- the flow's counts (the
       CASE WHEN orig_bytes IS NOT NULL OR resp_bytes IS NOT NULL  -- opening record's own
            THEN coalesce(orig_bytes, 0) + coalesce(resp_bytes, 0) END AS byte_count, -- are not kept)
       NULL AS first_seen_kns,                                -- not kept: observed_at is
       opened_at AS observed_at, 1 AS opens_flow, flow_count, prefix_len
  FROM flows WHERE decision IS NOT NULL
UNION ALL
SELECT * FROM flow_events;
