/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NFLOG frames; see nflog_frame.h for the layout and the prefix convention.
 *
 * The decoder treats every byte as hostile (replay files come from anywhere):
 * each read goes through a cursor that knows where the captured packet ends,
 * lengths from headers are checked against it before use, and the IPv6
 * extension-header walk is bounded. A frame that cannot be decoded is
 * returned with the reason, for the loop to keep in `rejects`.
 *
 * Headers are walked and keyed by the rules of bpf/packet_rules.h, which the
 * tc program applies too, so one packet gets one key from either source.
 * Packets that are not the first fragment carry no transport header: they
 * decode with ports 0 and their fragment id, and the recorder attributes them
 * to their first fragment's flow (frag_match.h).
 */
#include "nflog_frame.h"

#include "conn_common.h"
#include "fa_names.h"
#include "packet_rules.h"

#include <errno.h>
#include <stddef.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <string.h>

static uint16_t rd_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t rd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd_le64(const uint8_t *p)
{
	return (uint64_t)rd_le32(p) | (uint64_t)rd_le32(p + 4) << 32;
}

static void wr_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void wr_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* rule_ref characters: printable ASCII, no space. */
static bool ref_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* The word at p[*pos..] up to the next space or the end; advances past one space. */
static size_t next_word(const char *p, size_t len, size_t *pos, size_t *start)
{
	size_t i = *pos;
	*start = i;
	while (i < len && p[i] != ' ')
		i++;
	size_t n = i - *start;
	*pos = i < len ? i + 1 : i;
	return n;
}

static bool word_is(const char *p, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(p, word, n) == 0;
}

int nflog_prefix_parse(const char *prefix, size_t len, struct nflog_prefix_info *out)
{
	size_t pos = 0, at, n;
	memset(out, 0, sizeof(*out));
	if (len == 0 || len > NFLOG_FRAME_PREFIX_MAX)
		goto nonconforming;

	n = next_word(prefix, len, &pos, &at);
	if (n == 0)
		goto nonconforming;
	for (size_t i = 0; i < n; i++)
		if (!ref_char((unsigned char)prefix[at + i]))
			goto nonconforming;
	memcpy(out->rule_ref, prefix + at, n);
	out->rule_ref[n] = '\0';

	n = next_word(prefix, len, &pos, &at);
	if (word_is(prefix + at, n, "deny"))
		out->deny = true;
	else if (!word_is(prefix + at, n, "allow"))
		goto nonconforming;

	if (pos < len) {
		n = next_word(prefix, len, &pos, &at);
		if (word_is(prefix + at, n, "egress"))
			out->direction = CONN_DIR_EGRESS;
		else if (word_is(prefix + at, n, "ingress"))
			out->direction = CONN_DIR_INGRESS;
		else
			goto nonconforming;
		out->has_direction = true;
	}
	/* Nothing may follow but the one optional trailing space (already consumed). */
	if (pos != len)
		goto nonconforming;
	return 0;

nonconforming:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

size_t nflog_frame_build(uint8_t *out, size_t cap, const struct nflog_frame_hdr *h,
			 const char *prefix, size_t prefix_len, const void *packet,
			 size_t packet_len)
{
	if (prefix_len > NFLOG_FRAME_PREFIX_MAX || packet_len > UINT32_MAX ||
	    cap < NFLOG_FRAME_HEADER_SIZE || cap - NFLOG_FRAME_HEADER_SIZE < prefix_len ||
	    cap - NFLOG_FRAME_HEADER_SIZE - prefix_len < packet_len)
		return 0;
	out[0] = h->family;
	out[1] = h->hook;
	out[2] = h->verdict_hint;
	out[3] = (uint8_t)prefix_len;
	wr_le32(out + 4, (uint32_t)packet_len);
	wr_le64(out + 8, h->boot_ns);
	if (prefix_len)
		memcpy(out + NFLOG_FRAME_HEADER_SIZE, prefix, prefix_len);
	if (packet_len)
		memcpy(out + NFLOG_FRAME_HEADER_SIZE + prefix_len, packet, packet_len);
	return NFLOG_FRAME_HEADER_SIZE + prefix_len + packet_len;
}

/* The packet's network-layer facts. */
struct l3_info {
	uint8_t protocol;
	uint16_t src_port;
	uint16_t dst_port;
	uint64_t total_len;
};

static const char *proto_label(unsigned proto)
{
	const char *name = fa_protocol_name(proto);
	return name ? name : "transport";
}

/*
 * Ports, or ICMP type, code and echo identifier, from the transport header at
 * p[off..end) (bpf/packet_rules.h). A later fragment has no header here: the
 * loop attributes it to its first fragment's flow (frag_match.h).
 */
static int parse_l4(const uint8_t *p, size_t off, size_t end, struct fa_event *ev,
		    struct l3_info *l3, char *err, size_t errlen)
{
	size_t need;
	if (ev->frag == PKT_FRAG_LATER) {
		ev->icmp_fields = pkt_is_icmp(l3->protocol) != 0; /* no ports either way */
		return 0;
	}
	if (pkt_has_ports(l3->protocol))
		need = 4;
	else if (pkt_is_icmp(l3->protocol))
		need = 2; /* type and code; an echo's identifier follows (checked below) */
	else
		return 0;
	if (off <= end && end - off >= 2 && pkt_is_icmp(l3->protocol) &&
	    pkt_icmp_is_echo(l3->protocol, p[off]))
		need = 6;
	if (off > end || end - off < need) {
		snprintf(err, errlen,
			 "NFLOG packet: %s header cut short (%zu of %zu bytes captured)",
			 proto_label(l3->protocol), off > end ? 0 : end - off, need);
		return -EINVAL;
	}
	if (need == 4) {
		l3->src_port = rd_be16(p + off);
		l3->dst_port = rd_be16(p + off + 2);
		return 0;
	}
	ev->icmp_fields = true;
	ev->icmp_type = p[off];
	ev->icmp_code = p[off + 1];
	if (need == 6)
		ev->icmp_id = rd_be16(p + off + 4);
	return 0;
}

static int parse_ipv4(const uint8_t *p, size_t cap, struct fa_event *ev, struct l3_info *l3,
		      char *err, size_t errlen)
{
	if (cap < sizeof(struct iphdr)) {
		snprintf(err, errlen, "NFLOG packet: %zu bytes, shorter than an IPv4 header", cap);
		return -EINVAL;
	}
	if (p[0] >> 4 != PKT_FAMILY_IPV4) {
		snprintf(err, errlen, "NFLOG packet: IP version %u in an IPv4 frame", p[0] >> 4);
		return -EINVAL;
	}
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	size_t total = rd_be16(p + offsetof(struct iphdr, tot_len));
	if (ihl < sizeof(struct iphdr) || ihl > cap) {
		snprintf(err, errlen,
			 "NFLOG packet: IPv4 header length %zu invalid or beyond the %zu bytes "
			 "captured",
			 ihl, cap);
		return -EINVAL;
	}
	if (total < ihl) {
		snprintf(err, errlen, "NFLOG packet: IPv4 total length %zu below its header (%zu)",
			 total, ihl);
		return -EINVAL;
	}
	l3->protocol = p[offsetof(struct iphdr, protocol)];
	l3->total_len = total;
	fa_addr_from_v4_bytes(p + offsetof(struct iphdr, saddr), &ev->src);
	fa_addr_from_v4_bytes(p + offsetof(struct iphdr, daddr), &ev->dst);
	ev->frag = (uint8_t)pkt_ipv4_frag(rd_be16(p + offsetof(struct iphdr, frag_off)));
	ev->frag_id = rd_be16(p + offsetof(struct iphdr, id));
	/* Bytes past the total length are link padding, not transport header. */
	size_t end = total < cap ? total : cap;
	return parse_l4(p, ihl, end, ev, l3, err, errlen);
}

static int parse_ipv6(const uint8_t *p, size_t cap, struct fa_event *ev, struct l3_info *l3,
		      char *err, size_t errlen)
{
	const size_t hdr = sizeof(struct ipv6hdr);
	if (cap < hdr) {
		snprintf(err, errlen, "NFLOG packet: %zu bytes, shorter than an IPv6 header", cap);
		return -EINVAL;
	}
	if (p[0] >> 4 != PKT_FAMILY_IPV6) {
		snprintf(err, errlen, "NFLOG packet: IP version %u in an IPv6 frame", p[0] >> 4);
		return -EINVAL;
	}
	size_t payload = rd_be16(p + offsetof(struct ipv6hdr, payload_len));
	uint8_t nh = p[offsetof(struct ipv6hdr, nexthdr)];
	fa_addr_from_v6_bytes(p + offsetof(struct ipv6hdr, saddr), &ev->src);
	fa_addr_from_v6_bytes(p + offsetof(struct ipv6hdr, daddr), &ev->dst);
	l3->total_len = hdr + payload;
	/* A zero payload length with a hop-by-hop header is a jumbogram: use what we have. */
	size_t end = payload == 0 && nh == PKT_PROTO_HOPOPTS ? cap
		     : hdr + payload < cap		     ? hdr + payload
							     : cap;
	size_t off = hdr;
	/* The walk of bpf/packet_rules.h: at most PKT_IPV6_MAX_EXT_HEADERS headers. */
	for (int hops = 0; pkt_ipv6_ext_len(nh, 0) != 0; hops++) {
		if (hops == PKT_IPV6_MAX_EXT_HEADERS) {
			snprintf(err, errlen, "NFLOG packet: more than %d IPv6 extension headers",
				 PKT_IPV6_MAX_EXT_HEADERS);
			return -EINVAL;
		}
		if (off > end || end - off < PKT_IPV6_EXT_MIN_LEN) {
			snprintf(err, errlen,
				 "NFLOG packet: IPv6 extension header %u at offset %zu cut short",
				 nh, off);
			return -EINVAL;
		}
		size_t hdr_len = pkt_ipv6_ext_len(nh, p[off + 1]);
		if (end - off < hdr_len) {
			snprintf(err, errlen,
				 "NFLOG packet: IPv6 extension header %u at offset %zu (%zu bytes) "
				 "runs past the %zu bytes captured",
				 nh, off, hdr_len, end);
			return -EINVAL;
		}
		if (nh == PKT_PROTO_FRAGMENT) {
			ev->frag = (uint8_t)pkt_ipv6_frag(rd_be16(p + off + 2));
			ev->frag_id = (uint32_t)rd_be16(p + off + 4) << 16 | rd_be16(p + off + 6);
		}
		nh = p[off];
		off += hdr_len;
		if (ev->frag == PKT_FRAG_LATER)
			break; /* what follows is payload, not headers */
	}
	/* A transport protocol, ESP or no-next-header: the walk ends. */
	l3->protocol = nh;
	return parse_l4(p, off, end, ev, l3, err, errlen);
}

static uint8_t hook_direction(unsigned hook)
{
	switch (hook) {
	case NF_INET_PRE_ROUTING:
	case NF_INET_LOCAL_IN:
	case NF_INET_INGRESS:
		return CONN_DIR_INGRESS;
	default: /* output, postrouting, forward (the cell's workload sending out) */
		return CONN_DIR_EGRESS;
	}
}

/*
 * The frame's header (nflog_frame.h), checked: its lengths add up to len,
 * and every field is within its range; the prefix holds no NUL.
 */
static int read_header(const uint8_t *b, size_t len, struct nflog_frame_hdr *h, char *err,
		       size_t errlen)
{
	if (len < NFLOG_FRAME_HEADER_SIZE) {
		snprintf(err, errlen, "NFLOG frame is %zu bytes, shorter than its %d-byte header",
			 len, NFLOG_FRAME_HEADER_SIZE);
		return -EINVAL;
	}
	h->family = b[0];
	h->hook = b[1];
	h->verdict_hint = b[2];
	h->prefix_len = b[3];
	h->packet_len = rd_le32(b + 4);
	h->boot_ns = rd_le64(b + 8);
	if ((uint64_t)NFLOG_FRAME_HEADER_SIZE + h->prefix_len + h->packet_len != len) {
		snprintf(err, errlen,
			 "NFLOG frame is %zu bytes, its header says %u + %u + %u; torn or "
			 "corrupt frame",
			 len, NFLOG_FRAME_HEADER_SIZE, h->prefix_len, h->packet_len);
		return -EINVAL;
	}
	if (h->prefix_len > NFLOG_FRAME_PREFIX_MAX) {
		snprintf(err, errlen, "NFLOG frame prefix of %u bytes exceeds %d", h->prefix_len,
			 NFLOG_FRAME_PREFIX_MAX);
		return -EINVAL;
	}
	if (h->family != PKT_FAMILY_IPV4 && h->family != PKT_FAMILY_IPV6) {
		snprintf(err, errlen, "NFLOG frame has address family %u, not IPv4 or IPv6",
			 h->family);
		return -EINVAL;
	}
	if (h->hook > NF_INET_INGRESS) {
		snprintf(err, errlen, "NFLOG frame has unknown netfilter hook %u", h->hook);
		return -EINVAL;
	}
	if (h->verdict_hint > NFLOG_VERDICT_HINT_DROP) {
		snprintf(err, errlen, "NFLOG frame has unknown verdict hint %u", h->verdict_hint);
		return -EINVAL;
	}
	if (h->boot_ns > INT64_MAX) {
		snprintf(err, errlen, "NFLOG frame timestamp %llu is out of range",
			 (unsigned long long)h->boot_ns);
		return -EINVAL;
	}
	if (memchr(b + NFLOG_FRAME_HEADER_SIZE, '\0', h->prefix_len)) {
		snprintf(err, errlen, "NFLOG frame prefix contains a NUL byte");
		return -EINVAL;
	}
	return 0;
}

/*
 * The decision the prefix states (rule, verdict, optional direction); a
 * prefix outside the convention is kept as it is, and the verdict comes from
 * the hint (a logged drop rule, unless the hint says accept).
 */
static void apply_prefix(struct fa_event *ev, const char *prefix, unsigned len,
			 unsigned verdict_hint)
{
	struct nflog_prefix_info info;
	memcpy(ev->nflog_prefix, prefix, len);
	ev->nflog_prefix[len] = '\0';
	if (nflog_prefix_parse(prefix, len, &info) == 0) {
		ev->deny = info.deny;
		snprintf(ev->nft_rule_ref, sizeof(ev->nft_rule_ref), "%s", info.rule_ref);
		if (info.has_direction)
			ev->direction = info.direction;
	} else {
		ev->deny = verdict_hint != NFLOG_VERDICT_HINT_ALLOW;
	}
}

int nflog_frame_decode(const void *buf, size_t len, struct fa_event *ev, char *err, size_t errlen)
{
	const uint8_t *b = buf;
	struct nflog_frame_hdr h;
	struct l3_info l3 = {0};
	int rc = read_header(b, len, &h, err, errlen);
	if (rc)
		return rc;

	memset(ev, 0, sizeof(*ev));
	const char *prefix = (const char *)b + NFLOG_FRAME_HEADER_SIZE;
	const uint8_t *pkt = b + NFLOG_FRAME_HEADER_SIZE + h.prefix_len;
	if (h.family == PKT_FAMILY_IPV4)
		rc = parse_ipv4(pkt, h.packet_len, ev, &l3, err, errlen);
	else
		rc = parse_ipv6(pkt, h.packet_len, ev, &l3, err, errlen);
	if (rc)
		return rc;

	/* One packet: an open of its flow, counted as a delta (NFLOG sees each packet). */
	ev->kind = FA_EVENT_OPENED;
	ev->clock = FA_CLOCK_BOOTTIME;
	ev->family = h.family;
	ev->protocol = l3.protocol;
	ev->src_port = l3.src_port;
	ev->dst_port = l3.dst_port;
	ev->direction = hook_direction(h.hook);
	ev->counts_are_deltas = true;
	ev->orig_packets = 1;
	ev->orig_bytes = l3.total_len;
	ev->bytes_known = true;
	ev->first_seen_kns = (int64_t)h.boot_ns;
	ev->last_seen_kns = (int64_t)h.boot_ns;
	ev->reason_code = FA_REASON_NFLOG_MATCH;
	ev->source = "nflog";
	apply_prefix(ev, prefix, h.prefix_len, h.verdict_hint);
	return 0;
}
