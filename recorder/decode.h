/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict decoders for the kernel records (bpf/flow_record_v1.h,
 * bpf/conn_record_v2.h, bpf/conn_record_v3.h) and their mapping to struct
 * fa_event.
 *
 * Decoders check the length first and copy; they never trust the producer's
 * size. A record that fails is returned as an error with a one-line reason,
 * which the recorder stores with the raw bytes in `rejects`.
 */
#ifndef FLOWAUDIT_DECODE_H
#define FLOWAUDIT_DECODE_H

#include "flow_event.h"
#include "flow_record_v1.h"
#include "conn_record_v2.h"
#include "conn_record_v3.h"

#include <stddef.h>

#define DECODE_ERR_MAX 160

/*
 * Decode a FLOW_EVENTS v1 record. len must be exactly 40; otherwise -EINVAL
 * and err holds the seed's text: "ring-buffer record is N bytes, expected
 * exactly 40; kernel producer ABI drift or torn read". Padding is ignored.
 */
int decode_flow_v1(const void *buf, size_t len, struct flow_record_v1 *out, char *err,
		   size_t errlen);

/*
 * Map a v1 record to an opened event, as the seed's ring_buf_event_to_flow_event
 * does: direction egress, verdict 2 = deny, reason ebpf_xdp_drop for a deny and
 * ebpf_tc_observed for an allow, no byte count, pkt_count as the packet count.
 * Every v1 record is one decision, even for a flow already open (the seed).
 */
void flow_v1_to_event(const struct flow_record_v1 *rec, struct fa_event *ev);

/*
 * Decode a CONN_EVENTS v2 record: exactly 96 bytes, a known kind, family 4 or
 * 6, direction 0 or 1, a known close reason. -EINVAL with a reason otherwise.
 */
int decode_conn_v2(const void *buf, size_t len, struct conn_record_v2 *out, char *err,
		   size_t errlen);

/* Map a v2 record to an opened or closed event (reason ebpf_tc_observed / ebpf_xdp_drop). */
void conn_v2_to_event(const struct conn_record_v2 *rec, struct fa_event *ev);

/*
 * Decode a CONN_EVENTS v3 record: exactly 112 bytes, a known kind, family 4 or
 * 6, direction 0 or 1, verdict allow or drop, a close reason that matches the
 * kind, no unknown flag bits and each flag only on its kind, flow_count and
 * prefix_len 0 except in a summary, and a summary as bpf/conn_record_v3.h
 * lays it out (a flow, a prefix of whole bytes with host bits 0, no
 * originator, no ICMP fields or close time). -EINVAL with a reason otherwise.
 */
int decode_conn_v3(const void *buf, size_t len, struct conn_record_v3 *out, char *err,
		   size_t errlen);

/*
 * Map a v3 record to an event, as conn_v2_to_event does, plus its v3 fields:
 * an untracked record is an FA_EVENT_UNTRACKED whose counts are deltas
 * (reason ebpf_tc_untracked), a summary an FA_EVENT_SUMMARY (reason
 * ebpf_flow_summary). A deny keeps ebpf_xdp_drop.
 */
void conn_v3_to_event(const struct conn_record_v3 *rec, struct fa_event *ev);

#endif
