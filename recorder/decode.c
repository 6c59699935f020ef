/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel record decoders; see decode.h. */
#include "decode.h"

#include "packet_rules.h"
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
	ev->family = PKT_FAMILY_IPV4; /* v1 records are IPv4 only */
	ev->protocol = rec->proto;
	ev->direction = CONN_DIR_EGRESS;
	ev->deny = rec->verdict == FLOW_RECORD_V1_VERDICT_DROP;
	ev->decision_per_record = true;
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

/*
 * The checks every CONN_EVENTS layout shares: a known kind (up to max_kind),
 * family and direction, and a close reason that matches the kind.
 */
static int check_conn(unsigned kind, unsigned max_kind, unsigned family, unsigned direction,
		      unsigned close_reason, char *err, size_t errlen)
{
	if (kind < CONN_KIND_OPENED || kind > max_kind) {
		snprintf(err, errlen, "CONN_EVENTS record has unknown kind %u", kind);
		return -EINVAL;
	}
	if (family != PKT_FAMILY_IPV4 && family != PKT_FAMILY_IPV6) {
		snprintf(err, errlen, "CONN_EVENTS record has unknown address family %u", family);
		return -EINVAL;
	}
	if (direction > CONN_DIR_INGRESS) {
		snprintf(err, errlen, "CONN_EVENTS record has unknown direction %u", direction);
		return -EINVAL;
	}
	if (close_reason >= CONN_CLOSE_REASON_COUNT ||
	    (kind == CONN_KIND_CLOSED) != (close_reason != CONN_CLOSE_NONE)) {
		snprintf(err, errlen, "CONN_EVENTS record has close reason %u for kind %u",
			 close_reason, kind);
		return -EINVAL;
	}
	return 0;
}

static int check_size(size_t len, size_t expected, char *err, size_t errlen)
{
	if (len == expected)
		return 0;
	snprintf(err, errlen,
		 "CONN_EVENTS record is %zu bytes, expected exactly %zu; kernel producer ABI drift "
		 "or torn read",
		 len, expected);
	return -EINVAL;
}

int decode_conn_v2(const void *buf, size_t len, struct conn_record_v2 *out, char *err,
		   size_t errlen)
{
	if (check_size(len, CONN_RECORD_V2_SIZE, err, errlen))
		return -EINVAL;
	memcpy(out, buf, sizeof(*out));
	return check_conn(out->kind, CONN_KIND_CLOSED, out->family, out->direction,
			  out->close_reason, err, errlen);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * A summary names no originator and a destination prefix whose host bits are
 * 0, of a length that is a multiple of 8 within the family; it has no ICMP
 * fields, no close time, and at least one flow.
 */
static int check_summary(const struct conn_record_v3 *r, char *err, size_t errlen)
{
	unsigned max_len = r->family == PKT_FAMILY_IPV4 ? 32 : 128;
	if (r->flow_count == 0) {
		snprintf(err, errlen, "CONN_EVENTS summary counts no flow");
		return -EINVAL;
	}
	if (r->prefix_len > max_len || r->prefix_len % 8) {
		snprintf(err, errlen, "CONN_EVENTS summary has prefix length %u for IPv%u",
			 r->prefix_len, r->family);
		return -EINVAL;
	}
	if (!all_zero(r->dst_addr + r->prefix_len / 8, sizeof(r->dst_addr) - r->prefix_len / 8)) {
		snprintf(err, errlen, "CONN_EVENTS summary has host bits set past /%u",
			 r->prefix_len);
		return -EINVAL;
	}
	if (!all_zero(r->src_addr, sizeof(r->src_addr)) || r->src_port) {
		snprintf(err, errlen, "CONN_EVENTS summary names an originator");
		return -EINVAL;
	}
	if ((r->flags & CONN_FLAG_ANY_PORT) && r->dst_port) {
		snprintf(err, errlen, "CONN_EVENTS summary of any port has port %u", r->dst_port);
		return -EINVAL;
	}
	if (r->icmp_type || r->icmp_code || r->icmp_id || r->closed_ns) {
		snprintf(err, errlen, "CONN_EVENTS summary has ICMP fields or a close time");
		return -EINVAL;
	}
	return 0;
}

/* Which kinds may carry which flag bits. */
static int check_flags(const struct conn_record_v3 *r, char *err, size_t errlen)
{
	unsigned allowed = CONN_FLAGS_KNOWN & ~(CONN_FLAG_DEFERRED | CONN_FLAG_ANY_PORT);
	if (r->kind == CONN_KIND_OPENED)
		allowed |= CONN_FLAG_DEFERRED;
	if (r->kind == CONN_KIND_SUMMARY)
		allowed |= CONN_FLAG_ANY_PORT;
	if (r->flags & ~CONN_FLAGS_KNOWN) {
		snprintf(err, errlen, "CONN_EVENTS record has unknown flags 0x%02x", r->flags);
		return -EINVAL;
	}
	if (r->flags & ~allowed) {
		snprintf(err, errlen, "CONN_EVENTS record of kind %u has flags 0x%02x", r->kind,
			 r->flags);
		return -EINVAL;
	}
	return 0;
}

int decode_conn_v3(const void *buf, size_t len, struct conn_record_v3 *out, char *err,
		   size_t errlen)
{
	if (check_size(len, CONN_RECORD_V3_SIZE, err, errlen))
		return -EINVAL;
	memcpy(out, buf, sizeof(*out));
	if (check_conn(out->kind, CONN_KIND_SUMMARY, out->family, out->direction, out->close_reason,
		       err, errlen))
		return -EINVAL;
	if (out->verdict != CONN_VERDICT_ALLOW && out->verdict != CONN_VERDICT_DROP) {
		snprintf(err, errlen, "CONN_EVENTS record has unknown verdict %u", out->verdict);
		return -EINVAL;
	}
	if (check_flags(out, err, errlen))
		return -EINVAL;
	if (out->kind == CONN_KIND_SUMMARY)
		return check_summary(out, err, errlen);
	if (out->flow_count || out->prefix_len) {
		snprintf(err, errlen, "CONN_EVENTS record of kind %u has a flow count or prefix",
			 out->kind);
		return -EINVAL;
	}
	return 0;
}

void conn_v3_to_event(const struct conn_record_v3 *rec, struct fa_event *ev)
{
	static const enum fa_event_kind kinds[] = {
		[CONN_KIND_OPENED] = FA_EVENT_OPENED,
		[CONN_KIND_CLOSED] = FA_EVENT_CLOSED,
		[CONN_KIND_UNTRACKED] = FA_EVENT_UNTRACKED,
		[CONN_KIND_SUMMARY] = FA_EVENT_SUMMARY,
	};
	memset(ev, 0, sizeof(*ev));
	ev->kind = kinds[rec->kind]; /* decode_conn_v3 checked it */
	ev->clock = FA_CLOCK_BOOTTIME;
	ev->family = rec->family;
	ev->protocol = rec->protocol;
	ev->direction = rec->direction;
	ev->close_reason = rec->close_reason;
	ev->deny = rec->verdict == CONN_VERDICT_DROP;
	ev->bytes_known = true;
	ev->src_port = rec->src_port;
	ev->dst_port = rec->dst_port;
	if (rec->family == PKT_FAMILY_IPV4) {
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
	ev->closed_kns = (int64_t)rec->closed_ns;
	ev->flags = rec->flags;
	ev->icmp_fields = pkt_is_icmp(rec->protocol);
	ev->icmp_type = rec->icmp_type;
	ev->icmp_code = rec->icmp_code;
	ev->icmp_id = rec->icmp_id;
	ev->reason_code = ev->deny ? FA_REASON_EBPF_XDP_DROP : FA_REASON_EBPF_TC_OBSERVED;
	ev->source = "ebpf_v3";
	if (ev->kind == FA_EVENT_UNTRACKED) {
		ev->counts_are_deltas = true; /* each record: its own packets */
		if (!ev->deny)
			ev->reason_code = FA_REASON_EBPF_TC_UNTRACKED;
	} else if (ev->kind == FA_EVENT_SUMMARY) {
		ev->icmp_fields = false; /* a summary of ICMP flows covers every type: any port */
		ev->flow_count = rec->flow_count;
		ev->prefix_len = rec->prefix_len;
		ev->any_port = (rec->flags & CONN_FLAG_ANY_PORT) != 0;
		if (!ev->deny)
			ev->reason_code = FA_REASON_EBPF_FLOW_SUMMARY;
	}
}

/*
 * A v2 record is a v3 record without the v3 fields: no close time (0, so the
 * store falls back to the last packet), no flags, no echo identifier. v2 kept
 * an ICMP flow's type and code in dst_port (src_port 0): they move to the ICMP
 * fields, and the flow has no ports, as in v3.
 */
void conn_v2_to_event(const struct conn_record_v2 *rec, struct fa_event *ev)
{
	struct conn_record_v3 v3;
	memset(&v3, 0, sizeof(v3));
	v3.kind = rec->kind;
	v3.family = rec->family;
	v3.protocol = rec->protocol;
	v3.direction = rec->direction;
	v3.verdict = rec->verdict == CONN_VERDICT_DROP ? CONN_VERDICT_DROP : CONN_VERDICT_ALLOW;
	v3.close_reason = rec->close_reason;
	v3.src_port = rec->src_port;
	v3.dst_port = rec->dst_port;
	if (pkt_is_icmp(rec->protocol)) {
		v3.icmp_type = (uint8_t)(rec->dst_port >> 8);
		v3.icmp_code = (uint8_t)rec->dst_port;
		v3.src_port = 0;
		v3.dst_port = 0;
	}
	memcpy(v3.src_addr, rec->src_addr, sizeof(v3.src_addr));
	memcpy(v3.dst_addr, rec->dst_addr, sizeof(v3.dst_addr));
	v3.orig_packets = rec->orig_packets;
	v3.orig_bytes = rec->orig_bytes;
	v3.resp_packets = rec->resp_packets;
	v3.resp_bytes = rec->resp_bytes;
	v3.first_seen_ns = rec->first_seen_ns;
	v3.last_seen_ns = rec->last_seen_ns;
	conn_v3_to_event(&v3, ev);
	ev->source = "ebpf_v2";
}
