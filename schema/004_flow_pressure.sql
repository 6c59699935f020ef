-- flowaudit schema, migration 4: what the kernel records under pressure (a
-- flood of new flows, a full flow table). Columns only, added with ALTER TABLE
-- ADD COLUMN: an existing database upgrades without rewriting its rows, and
-- every existing row keeps its meaning (a single flow, tracked).

-- A summary: one decision (flow_events row, reason_code 'ebpf_flow_summary')
-- and one closed flows row standing for flow_count flows of one class. Its
-- dst_addr / resp_addr is the network of a prefix of prefix_len bits, in the
-- family's terms (24 is an IPv4 /24; 0 is any destination); its port is NULL
-- when the summary covers every port; it has no originator (src / orig
-- address all zero, port NULL). NULL flow_count and prefix_len: one flow.
ALTER TABLE flow_events ADD COLUMN flow_count INTEGER CHECK (flow_count >= 1);
ALTER TABLE flow_events ADD COLUMN prefix_len INTEGER CHECK (prefix_len BETWEEN 0 AND 128);
ALTER TABLE flows ADD COLUMN flow_count INTEGER CHECK (flow_count >= 1);
ALTER TABLE flows ADD COLUMN prefix_len INTEGER CHECK (prefix_len BETWEEN 0 AND 128);
-- 1: the kernel's flow table could not hold this flow (reason_code
-- 'ebpf_tc_untracked'); its counters add up the packets the kernel reported
-- one by one, and the recorder closed it when it went idle.
ALTER TABLE flows ADD COLUMN untracked INTEGER NOT NULL DEFAULT 0 CHECK (untracked IN (0, 1));

-- Cumulative kernel counters of the pressure handling (bpf/flow_counters.h),
-- and every IP packet the program saw, for accounting identities.
ALTER TABLE health ADD COLUMN kernel_packets INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN untracked INTEGER NOT NULL DEFAULT 0;      -- new flows the table could not hold
ALTER TABLE health ADD COLUMN evicted INTEGER NOT NULL DEFAULT 0;        -- flows removed early to make room
ALTER TABLE health ADD COLUMN aggregated INTEGER NOT NULL DEFAULT 0;     -- flows counted only in a summary
ALTER TABLE health ADD COLUMN fail_closed_drops INTEGER NOT NULL DEFAULT 0; -- packets dropped by --fail-closed
ALTER TABLE health ADD COLUMN deferred_opens INTEGER NOT NULL DEFAULT 0; -- flows not reported at their first packet
ALTER TABLE health ADD COLUMN promoted INTEGER NOT NULL DEFAULT 0;       -- deferred flows the kernel reported later
ALTER TABLE health ADD COLUMN ring_deferred INTEGER NOT NULL DEFAULT 0;  -- ring full, nothing lost: a record waited

-- Summaries whose prefix may overlap a --dst filter (see query/query_sql.c):
-- few rows, so a small partial index finds them without a scan.
CREATE INDEX flow_events_summaries ON flow_events (prefix_len) WHERE prefix_len IS NOT NULL;
CREATE INDEX flows_summaries ON flows (prefix_len) WHERE prefix_len IS NOT NULL;
