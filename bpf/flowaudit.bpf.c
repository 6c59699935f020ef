/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowaudit's tc classifier: observes every IPv4/IPv6 packet on one interface
 * (ingress and egress hooks), keeps one FLOW_TABLE entry per connection and
 * emits CONN_EVENTS v3 records (bpf/conn_record_v3.h) when a flow opens and
 * when a TCP flow closes. It never changes or drops a packet: both programs
 * return TC_ACT_UNSPEC.
 *
 * Invariants (see also bpf/flow_table.h):
 * - A flow is marked reported only after its opened record was reserved;
 *   when the reserve fails the loss is counted (FLOW_COUNTER_RINGBUF_DROPS)
 *   and the flow's next packet tries again.
 * - A closed record is emitted only for a reported flow, at most once (the
 *   open -> linger transition is a compare-and-swap). A close that could not
 *   be emitted stays in the entry (close_reason, close_reported == 0) and the
 *   recorder's sweep emits it.
 * - Byte counts are IP-layer bytes as they are on the wire: for a GSO packet,
 *   the headers of every extra segment are added.
 * - Every packet that is not accounted to a flow is counted: non-IP frames,
 *   truncated headers, a full flow table.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "conn_record_v3.h"
#include "flow_counters.h"
#include "flow_table.h"

/*
 * Set by the loader before load: false when the program sits on the cell's
 * own interface (its egress hook carries what leaves the cell), true on the
 * host end of a veth or on a tap (there the ingress hook does).
 */
const volatile __u8 iface_side_host = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CONN_EVENTS_DEFAULT_BYTES);
} CONN_EVENTS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FLOW_TABLE_DEFAULT_ENTRIES);
	__type(key, struct flow_key);
	__type(value, struct flow_value);
} FLOW_TABLE SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOW_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} FLOW_COUNTERS SEC(".maps");

#define ETH_P_8021Q_BE bpf_htons(0x8100)
#define ETH_P_8021AD_BE bpf_htons(0x88A8)
#define IP_OFFSET_MASK_BE bpf_htons(0x1FFF)
#define IP6_OFFSET_MASK_BE bpf_htons(0xFFF8)

#define IPPROTO_ICMPV6_NUM 58
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH 51
#define NEXTHDR_DEST 60
#define IPV6_MAX_EXT_HEADERS 6

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_ACK 0x10

enum parse_result {
	PARSE_OK = 0,
	PARSE_NON_IP = 1,
	PARSE_TRUNCATED = 2,
	PARSE_SKIP = 3, /* a non-first fragment: no L4 header to key it by */
};

/* One parsed packet: its normalised key and what it adds to the flow. */
struct pkt {
	struct flow_key key;
	__u64 bytes;
	__u64 packets;
	__u16 icmp_type_code;
	__u8 sender_is_lo;
	__u8 tcp_flags;
};

struct vlan_tag {
	__be16 tci;
	__be16 encap_proto;
};

struct ext_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
	__be16 frag_off; /* fragment header only */
};

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&FLOW_COUNTERS, &idx);

	if (v)
		*v += 1; /* per-CPU slot; tc programs are not preempted */
}

/* Negative, zero or positive as a (address, port) pair compares to b's. */
static __always_inline int endpoint_cmp(const __u8 *a, __u16 aport, const __u8 *b, __u16 bport)
{
#pragma unroll
	for (int i = 0; i < 16; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	if (aport != bport)
		return aport < bport ? -1 : 1;
	return 0;
}

static __always_inline int parse_l4(struct __sk_buff *skb, __u32 off, __u8 proto, struct pkt *p,
				    __u16 *sport, __u16 *dport, __u32 *l4_hdr_len)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr th;

		if (bpf_skb_load_bytes(skb, off, &th, sizeof(th)))
			return PARSE_TRUNCATED;
		*sport = bpf_ntohs(th.source);
		*dport = bpf_ntohs(th.dest);
		p->tcp_flags = ((__u8 *)&th)[13];
		*l4_hdr_len = th.doff * 4;
	} else if (proto == IPPROTO_UDP) {
		struct udphdr uh;

		if (bpf_skb_load_bytes(skb, off, &uh, sizeof(uh)))
			return PARSE_TRUNCATED;
		*sport = bpf_ntohs(uh.source);
		*dport = bpf_ntohs(uh.dest);
		*l4_hdr_len = sizeof(uh);
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6_NUM) {
		/* type, code, checksum, then (echo) identifier and sequence */
		__u8 ih[8];

		if (bpf_skb_load_bytes(skb, off, ih, sizeof(ih)))
			return PARSE_TRUNCATED;
		p->icmp_type_code = (__u16)ih[0] << 8 | ih[1];
		*l4_hdr_len = sizeof(ih);
		if ((proto == IPPROTO_ICMP && (ih[0] == 8 || ih[0] == 0)) ||
		    (proto == IPPROTO_ICMPV6_NUM && (ih[0] == 128 || ih[0] == 129))) {
			/* echo request and reply: one flow per identifier */
			*sport = (__u16)ih[4] << 8 | ih[5];
			*dport = *sport;
		} else {
			*sport = 0;
			*dport = p->icmp_type_code;
		}
	}
	return PARSE_OK;
}

/*
 * Parse one frame into p. A separate BPF function (its own stack frame) so
 * the header buffers do not add to the caller's stack.
 */
static __noinline int parse(struct __sk_buff *skb, struct pkt *p)
{
	__u16 sport = 0, dport = 0;
	__u32 l4_hdr_len = 0, l3_hdr_len, ip_len;
	__u32 off = sizeof(struct ethhdr);
	__be16 eth_proto;
	__u8 proto;
	int ret;

	/* the key's two address slots hold (source, destination) until normalised */
	if (bpf_skb_load_bytes(skb, offsetof(struct ethhdr, h_proto), &eth_proto,
			       sizeof(eth_proto)))
		return PARSE_NON_IP;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_tag tag;

		if (eth_proto != ETH_P_8021Q_BE && eth_proto != ETH_P_8021AD_BE)
			break;
		if (bpf_skb_load_bytes(skb, off, &tag, sizeof(tag)))
			return PARSE_NON_IP;
		eth_proto = tag.encap_proto;
		off += sizeof(tag);
	}

	if (eth_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr iph;

		if (bpf_skb_load_bytes(skb, off, &iph, sizeof(iph)))
			return PARSE_TRUNCATED;
		if (iph.ihl < 5)
			return PARSE_TRUNCATED;
		if (iph.frag_off & IP_OFFSET_MASK_BE)
			return PARSE_SKIP;
		l3_hdr_len = iph.ihl * 4;
		ip_len = bpf_ntohs(iph.tot_len);
		proto = iph.protocol;
		__builtin_memcpy(p->key.addr_lo, &iph.saddr, 4);
		__builtin_memcpy(p->key.addr_hi, &iph.daddr, 4);
		p->key.family = 4;
	} else if (eth_proto == bpf_htons(ETH_P_IPV6)) {
		struct ext_hdr eh;
		__u32 hoff;
		__be16 plen;

		if (bpf_skb_load_bytes(skb, off + offsetof(struct ipv6hdr, payload_len), &plen,
				       sizeof(plen)) ||
		    bpf_skb_load_bytes(skb, off + offsetof(struct ipv6hdr, nexthdr), &proto,
				       sizeof(proto)) ||
		    bpf_skb_load_bytes(skb, off + offsetof(struct ipv6hdr, saddr), p->key.addr_lo,
				       32))
			return PARSE_TRUNCATED;
		hoff = off + sizeof(struct ipv6hdr);
		for (int i = 0; i < IPV6_MAX_EXT_HEADERS; i++) {
			if (proto != NEXTHDR_HOP && proto != NEXTHDR_ROUTING &&
			    proto != NEXTHDR_DEST && proto != NEXTHDR_FRAGMENT &&
			    proto != NEXTHDR_AUTH)
				break;
			if (bpf_skb_load_bytes(skb, hoff, &eh, sizeof(eh)))
				return PARSE_TRUNCATED;
			if (proto == NEXTHDR_FRAGMENT) {
				if (eh.frag_off & IP6_OFFSET_MASK_BE)
					return PARSE_SKIP;
				hoff += 8;
			} else if (proto == NEXTHDR_AUTH) {
				hoff += ((__u32)eh.hdrlen + 2) * 4;
			} else {
				hoff += ((__u32)eh.hdrlen + 1) * 8;
			}
			proto = eh.nexthdr;
		}
		l3_hdr_len = hoff - off;
		ip_len = bpf_ntohs(plen);
		if (ip_len)
			ip_len += sizeof(struct ipv6hdr);
		p->key.family = 6;
	} else {
		return PARSE_NON_IP;
	}

	ret = parse_l4(skb, off + l3_hdr_len, proto, p, &sport, &dport, &l4_hdr_len);
	if (ret != PARSE_OK)
		return ret;

	/* 0 for jumbograms and BIG TCP super-packets: take the skb's length */
	if (ip_len == 0 && skb->len > off)
		ip_len = skb->len - off;
	p->packets = 1;
	p->bytes = ip_len;
	if (skb->gso_segs > 1) {
		p->packets = skb->gso_segs;
		p->bytes += (__u64)(skb->gso_segs - 1) * (l3_hdr_len + l4_hdr_len);
	}

	p->key.protocol = proto;
	p->key.port_lo = sport;
	p->key.port_hi = dport;
	p->sender_is_lo = 1;
	if (endpoint_cmp(p->key.addr_lo, sport, p->key.addr_hi, dport) > 0) {
		__u32 *a = (__u32 *)p->key.addr_lo, *b = (__u32 *)p->key.addr_hi;

#pragma unroll
		for (int i = 0; i < 4; i++) {
			__u32 t = a[i];

			a[i] = b[i];
			b[i] = t;
		}
		p->key.port_lo = dport;
		p->key.port_hi = sport;
		p->sender_is_lo = 0;
	}
	return PARSE_OK;
}

/* Reserve and submit one v3 record for the flow; false (and counted) if the ring is full. */
static __always_inline bool emit(const struct flow_key *key, const struct flow_value *v, __u8 kind,
				 __u8 close_reason)
{
	struct conn_record_v3 *rec;

	rec = bpf_ringbuf_reserve(&CONN_EVENTS, sizeof(*rec), 0);
	if (!rec) {
		count(FLOW_COUNTER_RINGBUF_DROPS);
		return false;
	}
	flow_table_fill_record(rec, key, v, kind, close_reason, v->closed_ns);
	bpf_ringbuf_submit(rec, 0);
	return true;
}

/* Emit the opened record unless it was emitted or another CPU is emitting it. */
static __always_inline void report_open(const struct flow_key *key, struct flow_value *v)
{
	if (__sync_val_compare_and_swap(&v->reported, FLOW_UNREPORTED, FLOW_REPORTING) !=
	    FLOW_UNREPORTED)
		return;
	if (emit(key, v, CONN_KIND_OPENED, CONN_CLOSE_NONE))
		v->reported = FLOW_REPORTED;
	else
		v->reported = FLOW_UNREPORTED; /* the next packet tries again */
}

/* Move the flow to linger and emit its close, once. */
static __always_inline void close_flow(const struct flow_key *key, struct flow_value *v, __u64 now,
				       __u8 reason)
{
	if (__sync_val_compare_and_swap(&v->state, FLOW_STATE_OPEN, FLOW_STATE_LINGER) !=
	    FLOW_STATE_OPEN)
		return;
	v->closed_ns = now;
	v->close_reason = reason;
	/* An unreported flow gets no orphan close; the sweep settles it. */
	if (v->reported == FLOW_REPORTED && emit(key, v, CONN_KIND_CLOSED, reason))
		v->close_reported = 1;
}

static __always_inline void tcp_update(const struct flow_key *key, struct flow_value *v, __u32 side,
				       __u8 flags, __u64 now)
{
	if (flags & TCPF_RST) {
		close_flow(key, v, now, CONN_CLOSE_TCP_RST);
	} else if (flags & TCPF_FIN) {
		__sync_fetch_and_or(&v->fin_seen, side ? FLOW_FIN_RESP : FLOW_FIN_ORIG);
	} else if ((flags & TCPF_ACK) && v->fin_seen == (FLOW_FIN_ORIG | FLOW_FIN_RESP)) {
		/* the final ACK after both FINs: the teardown is complete */
		close_flow(key, v, now, CONN_CLOSE_TCP_FIN);
	}
}

static __always_inline int handle(struct __sk_buff *skb, bool hook_egress)
{
	struct flow_value *v;
	struct pkt p = {};
	bool replace = false;
	__u32 side = 0;
	__u64 now;
	int ret;

	ret = parse(skb, &p);
	if (ret == PARSE_NON_IP) {
		count(FLOW_COUNTER_NON_IP);
		return TC_ACT_UNSPEC;
	}
	if (ret == PARSE_TRUNCATED) {
		count(FLOW_COUNTER_TRUNCATED);
		return TC_ACT_UNSPEC;
	}
	count(FLOW_COUNTER_PACKETS);
	if (ret != PARSE_OK)
		return TC_ACT_UNSPEC;

	now = bpf_ktime_get_boot_ns();
	v = bpf_map_lookup_elem(&FLOW_TABLE, &p.key);
	if (v && v->state == FLOW_STATE_LINGER) {
		bool syn = p.key.protocol == IPPROTO_TCP && (p.tcp_flags & TCPF_SYN) &&
			   !(p.tcp_flags & TCPF_ACK);

		/* the teardown's last packets belong to the closed flow */
		if (!syn && now - v->closed_ns < FLOW_LINGER_NS)
			return TC_ACT_UNSPEC;
		/* a new connection on the same 5-tuple: settle the old one first */
		if (v->reported == FLOW_REPORTED && !v->close_reported &&
		    emit(&p.key, v, CONN_KIND_CLOSED, v->close_reason))
			v->close_reported = 1;
		v = NULL;
		replace = true;
	}

	if (!v) {
		struct flow_value nv = {};
		bool leaving_cell = hook_egress != (bool)iface_side_host;

		nv.first_seen_ns = now;
		nv.last_seen_ns = now;
		nv.packets[0] = p.packets;
		nv.bytes[0] = p.bytes;
		nv.orig_is_lo = p.sender_is_lo;
		nv.direction = leaving_cell ? CONN_DIR_EGRESS : CONN_DIR_INGRESS;
		nv.icmp_type_code = p.icmp_type_code;
		ret = bpf_map_update_elem(&FLOW_TABLE, &p.key, &nv,
					  replace ? BPF_ANY : BPF_NOEXIST);
		v = bpf_map_lookup_elem(&FLOW_TABLE, &p.key);
		if (!v) {
			count(FLOW_COUNTER_TABLE_FULL);
			return TC_ACT_UNSPEC;
		}
		if (ret != 0) {
			/* another CPU inserted it first: account like any packet */
			side = p.sender_is_lo == v->orig_is_lo ? 0 : 1;
			__sync_fetch_and_add(&v->packets[side], p.packets);
			__sync_fetch_and_add(&v->bytes[side], p.bytes);
			v->last_seen_ns = now;
		}
	} else {
		side = p.sender_is_lo == v->orig_is_lo ? 0 : 1;
		__sync_fetch_and_add(&v->packets[side], p.packets);
		__sync_fetch_and_add(&v->bytes[side], p.bytes);
		v->last_seen_ns = now;
	}

	if (v->reported != FLOW_REPORTED)
		report_open(&p.key, v);
	if (p.key.protocol == IPPROTO_TCP)
		tcp_update(&p.key, v, side, p.tcp_flags, now);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int flowaudit_tc_ingress(struct __sk_buff *skb)
{
	return handle(skb, false);
}

SEC("tc")
int flowaudit_tc_egress(struct __sk_buff *skb)
{
	return handle(skb, true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
