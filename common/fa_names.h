/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one place where numbers become the words stored and exported: protocol
 * names, close reasons, directions, reason codes. Both tools use these, so a
 * name cannot drift between writer and reader.
 */
#ifndef FLOWAUDIT_FA_NAMES_H
#define FLOWAUDIT_FA_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/* Reason codes. None starts with "nft_": that prefix belongs to nftables' own. */
#define FA_REASON_EBPF_XDP_DROP "ebpf_xdp_drop"
#define FA_REASON_EBPF_TC_OBSERVED "ebpf_tc_observed"
#define FA_REASON_NFLOG_MATCH "nflog_match"
/* tc observed a flow its flow table could not hold: counters only of the packets reported */
#define FA_REASON_EBPF_TC_UNTRACKED "ebpf_tc_untracked"
/* a summary of flows the tc program aggregated under pressure (dst_addr is a prefix) */
#define FA_REASON_EBPF_FLOW_SUMMARY "ebpf_flow_summary"

/* The environment variable that makes --source auto pick ebpf (exactly "1"). */
#define FA_PER_FLOW_EBPF_ENV "CELLOS_FIRECRACKER_PER_FLOW_EBPF"

/* "tcp", "udp", "icmp", "icmpv6" for 6, 17, 1, 58; NULL for any other number. */
const char *fa_protocol_name(unsigned proto);
/* Inverse of fa_protocol_name, also accepting a decimal number 0-255; -EINVAL if neither. */
int fa_protocol_parse(const char *text);
/* "tcp_fin", "tcp_rst", "idle", "run_end", "evicted"; NULL for none/unknown. */
const char *fa_close_reason_name(unsigned reason);
/* "egress" (0) or "ingress" (1). */
const char *fa_direction_name(unsigned dir);
/* True when value is exactly "1": the seed's rule for FA_PER_FLOW_EBPF_ENV. */
bool fa_env_flag_enabled(const char *value);

#endif
