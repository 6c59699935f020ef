-- flowaudit schema, migration 2: what the record needs to say exactly what
-- happened. Applied after 001 in one transaction; existing rows get the
-- values that describe them (every decision recorded before opened its flow).

-- A flow may carry several decisions: every v1 record is one, and an open
-- whose verdict differs from its open flow's is another (a deny is never
-- folded behind an allow). opens_flow = 1 for the decision that opened its
-- flow (it exports the flow's totals), 0 for a later one (its own counts).
ALTER TABLE flow_events ADD COLUMN opens_flow INTEGER NOT NULL DEFAULT 1;

-- Repeated opens with the flow's verdict, folded into the flow without a
-- decision of their own (a subset of duplicate_opens).
ALTER TABLE health ADD COLUMN folded_opens INTEGER NOT NULL DEFAULT 0;
-- Frames (records, and the tee's header) that could not be written to --tee:
-- the tee is incomplete.
ALTER TABLE health ADD COLUMN tee_failures INTEGER NOT NULL DEFAULT 0;

-- The kernel boot the run's clock offsets belong to
-- (/proc/sys/kernel/random/boot_id); for a replay of a --tee file with a
-- header, the capturing run's (with its host in runs.host).
ALTER TABLE runs ADD COLUMN boot_id TEXT;
