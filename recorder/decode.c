/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel record decoders; see decode.h. */
#include "decode.h"

#include "fa_names.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int decode_flow_v1(const void *buf, size_t len, struct flow_record_v1 *out, char *err,
		   size_t errlen)
{
	if (len != FLOW_RECORD_V1_SIZE) {
		snprintf(err, errlen,
			 "ring-buffer record is %zu bytes, expected exactly %d; kernel producer "
			 "ABI drift or torn read",
			 len, FLOW_RECORD_V1_SIZE);
		return -EINVAL;
	}
	/* memcpy: ring-buffer and replay bytes carry no alignment promise. */
	memcpy(out, buf, sizeof(*out));
	return 0;
}

void flow_v1_to_event(const struct flow_record_v1 *rec, struct fa_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = FA_EVENT_OPENED;
	ev->clock = FA_CLOCK_MONOTONIC;
	ev->family = 4;
	ev->protocol = rec->proto;
	ev->direction = CONN_DIR_EGRESS;
	ev->deny = rec->verdict == FLOW_RECORD_V1_VERDICT_DROP;
	ev->bytes_known = false;
	ev->src_port = rec->src_port;
	ev->dst_port = rec->dst_port;
	fa_addr_from_v4_host(rec->src_ip, &ev->src);
	fa_addr_from_v4_host(rec->dst_ip, &ev->dst);
	ev->orig_packets = rec->pkt_count;
	ev->first_seen_kns = (int64_t)rec->first_seen_ns;
	ev->last_seen_kns = (int64_t)rec->first_seen_ns;
	ev->reason_code = ev->deny ? FA_REASON_EBPF_XDP_DROP : FA_REASON_EBPF_TC_OBSERVED;
	ev->source = "ebpf_v1";
}

int decode_conn_v2(const void *buf, size_t len, struct conn_record_v2 *out, char *err,
		   size_t errlen)
{
	if (len != CONN_RECORD_V2_SIZE) {
		snprintf(err, errlen,
			 "CONN_EVENTS record is %zu bytes, expected exactly %d; kernel producer "
			 "ABI drift or torn read",
			 len, CONN_RECORD_V2_SIZE);
		return -EINVAL;
	}
	memcpy(out, buf, sizeof(*out));
	if (out->kind != CONN_KIND_OPENED && out->kind != CONN_KIND_CLOSED) {
		snprintf(err, errlen, "CONN_EVENTS record has unknown kind %u", out->kind);
		return -EINVAL;
	}
	if (out->family != 4 && out->family != 6) {
		snprintf(err, errlen, "CONN_EVENTS record has unknown address family %u",
			 out->family);
		return -EINVAL;
	}
	if (out->direction > CONN_DIR_INGRESS) {
		snprintf(err, errlen, "CONN_EVENTS record has unknown direction %u",
			 out->direction);
		return -EINVAL;
	}
	if (out->close_reason >= CONN_CLOSE_REASON_COUNT ||
	    (out->kind == CONN_KIND_CLOSED) != (out->close_reason != CONN_CLOSE_NONE)) {
		snprintf(err, errlen, "CONN_EVENTS record has close reason %u for kind %u",
			 out->close_reason, out->kind);
		return -EINVAL;
	}
	return 0;
}

void conn_v2_to_event(const struct conn_record_v2 *rec, struct fa_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = rec->kind == CONN_KIND_CLOSED ? FA_EVENT_CLOSED : FA_EVENT_OPENED;
	ev->clock = FA_CLOCK_BOOTTIME;
	ev->family = rec->family;
	ev->protocol = rec->protocol;
	ev->direction = rec->direction;
	ev->close_reason = rec->close_reason;
	ev->deny = rec->verdict == CONN_VERDICT_DROP;
	ev->bytes_known = true;
	ev->src_port = rec->src_port;
	ev->dst_port = rec->dst_port;
	if (rec->family == 4) {
		fa_addr_from_v4_bytes(rec->src_addr, &ev->src);
		fa_addr_from_v4_bytes(rec->dst_addr, &ev->dst);
	} else {
		fa_addr_from_v6_bytes(rec->src_addr, &ev->src);
		fa_addr_from_v6_bytes(rec->dst_addr, &ev->dst);
	}
	ev->orig_packets = rec->orig_packets;
	ev->orig_bytes = rec->orig_bytes;
	ev->resp_packets = rec->resp_packets;
	ev->resp_bytes = rec->resp_bytes;
	ev->first_seen_kns = (int64_t)rec->first_seen_ns;
	ev->last_seen_kns = (int64_t)rec->last_seen_ns;
	ev->reason_code = ev->deny ? FA_REASON_EBPF_XDP_DROP : FA_REASON_EBPF_TC_OBSERVED;
	ev->source = "ebpf_v2";
}
