-- flowaudit schema, migration 3: connection tracking that agrees with the
-- kernel's. Applied in one transaction after 001 and 002.
--
-- ICMP and ICMPv6 have no ports. Flows of the built-in program and of NFLOG
-- keep their ICMP identity in columns of their own: the type and code of the
-- flow's first message, and the echo identifier (NULL for other messages).
-- Their orig_port/resp_port and the decisions' src_port/dst_port are NULL.
-- Flows from v1 records keep the ports the record carried (the seed's rule).
ALTER TABLE flows ADD COLUMN icmp_type INTEGER CHECK (icmp_type BETWEEN 0 AND 255);
ALTER TABLE flows ADD COLUMN icmp_code INTEGER CHECK (icmp_code BETWEEN 0 AND 255);
ALTER TABLE flows ADD COLUMN icmp_id INTEGER CHECK (icmp_id BETWEEN 0 AND 65535);

-- 1: a TCP flow first seen without its SYN (after an idle sweep, or begun
-- before the recorder attached), continued rather than read as a connection
-- its first packet's sender opened; its direction was inferred.
ALTER TABLE flows ADD COLUMN midstream INTEGER NOT NULL DEFAULT 0 CHECK (midstream IN (0, 1));

-- Later IP fragments that could not be attributed to their first fragment's
-- flow (kernel program and NFLOG together).
ALTER TABLE health ADD COLUMN frag_unmatched INTEGER NOT NULL DEFAULT 0;

-- Rows written before this migration kept an ICMP flow's type and code as
-- the destination port (type << 8 | code, source port 0): move them to the
-- new columns, and clear the ports, except for v1 records.
UPDATE flows
   SET icmp_type = resp_port >> 8, icmp_code = resp_port & 255, orig_port = NULL, resp_port = NULL
 WHERE protocol IN (1, 58) AND resp_port IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM flow_events AS e
                    WHERE e.flow_id = flows.flow_id AND e.source = 'ebpf_v1');
UPDATE flow_events SET src_port = NULL, dst_port = NULL
 WHERE protocol IN (1, 58) AND source <> 'ebpf_v1' AND dst_port IS NOT NULL;
