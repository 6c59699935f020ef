-- flowaudit schema, migration 5: the last two of the tc program's per-CPU
-- counters (bpf/flow_counters.h), which it kept and nobody stored. Columns
-- only; existing rows read 0 (nothing was counted for them).
--
-- Frames that were not IPv4 or IPv6 (ARP and the like): not flows.
ALTER TABLE health ADD COLUMN non_ip INTEGER NOT NULL DEFAULT 0;
-- IP packets too short to parse, or with more IPv6 extension headers than the
-- program walks: on no flow, so flowq health counts them as lost.
ALTER TABLE health ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;
