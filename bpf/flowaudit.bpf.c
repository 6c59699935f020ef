/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowaudit's tc classifier: observes every IPv4/IPv6 packet on one interface
 * (ingress and egress hooks), keeps one FLOW_TABLE entry per connection and
 * emits CONN_EVENTS v3 records (bpf/conn_record_v3.h) when a flow opens and
 * when a TCP flow closes. Under pressure (new flows faster than the recorder
 * takes them, a full table) it defers, evicts, summarises and reports
 * untracked flows: bpf/flow_pressure.h. It never changes a packet, and drops
 * one (TC_ACT_SHOT) only with fail_closed, for a flow it could not record;
 * otherwise both programs return TC_ACT_UNSPEC. flowaudit_flush is not
 * attached: the recorder runs it to emit the summaries.
 *
 * Invariants (see also bpf/flow_table.h):
 * - A flow is marked reported only after its opened record was reserved;
 *   when the reserve fails (FLOW_COUNTER_RING_DEFERRED) or the budgets say
 *   later, the flow stays tracked and unreported, and is reported later
 *   (bpf/flow_pressure.h). Nothing is lost.
 * - A TCP close (both FINs and the last ACK, or a RST) moves the flow to a
 *   linger (the open -> linger transition is a compare-and-swap) during which
 *   its packets still count. The closed record is emitted for a reported flow
 *   at most once, with the final counters and the close's own time: by the
 *   recorder's sweep when the linger ends, or here when a new SYN reuses the
 *   5-tuple (or an eviction needs the room).
 * - Later IP fragments are counted in the flow of their first fragment
 *   (FRAG_TABLE), or in FLOW_COUNTER_FRAG_UNMATCHED.
 * - A TCP packet other than a SYN that finds no flow continues the
 *   connection as a midstream flow (CONN_FLAG_MIDSTREAM), never as a
 *   connection opened by its sender.
 * - Byte counts are IP-layer bytes as they are on the wire: for a GSO packet,
 *   the headers of every extra segment are added.
 * - Every packet that is not accounted to a tracked flow is counted: non-IP
 *   frames, truncated headers, unmatched fragments, untracked flows,
 *   fail-closed drops.
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
#include "frag_track.h"
#include "packet_rules.h"

/*
 * Ports from here up are ephemeral (Linux's default ip_local_port_range
 * starts at 32768); a midstream flow is inbound only when the cell's port is
 * below and the peer's above.
 */
#define MIDSTREAM_EPHEMERAL_PORT_MIN 32768

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

/* Later fragments' flows, by datagram identity (bpf/frag_track.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FRAG_TABLE_DEFAULT_ENTRIES);
	__type(key, struct frag_key);
	__type(value, struct frag_value);
} FRAG_TABLE SEC(".maps");

/* Directions of TCP flows no longer in FLOW_TABLE (bpf/flow_table.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FLOW_MEMORY_DEFAULT_ENTRIES);
	__type(key, struct flow_key);
	__type(value, struct flow_memory);
} FLOW_MEMORY SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOW_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} FLOW_COUNTERS SEC(".maps");

#define ETH_P_8021Q_BE bpf_htons(0x8100)
#define ETH_P_8021AD_BE bpf_htons(0x88A8)

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_ACK 0x10

enum parse_result {
	PARSE_OK = 0,
	PARSE_NON_IP = 1,
	PARSE_TRUNCATED = 2,
	PARSE_FRAGMENT = 3, /* a later fragment: no L4 header, see frag_account() */
};

/* One parsed packet: its normalised key and what it adds to the flow. */
struct pkt {
	struct flow_key key; /* PARSE_FRAGMENT: addresses as (source, destination) */
	__u64 bytes;
	__u64 packets;
	__u32 frag_id; /* IPv4 identification or IPv6 fragment id */
	__u16 icmp_type_code;
	__u8 sender_is_lo;
	__u8 tcp_flags;
	__u8 frag; /* enum pkt_frag */
};

struct vlan_tag {
	__be16 tci;
	__be16 encap_proto;
};

/* The first 8 bytes of an IPv6 extension header (all of a fragment header). */
struct ext_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
	__be16 frag_off; /* fragment header only */
	__be32 frag_id; /* fragment header only */
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

/* The key's port slots (and TCP flags, ICMP type) from the L4 header; rules in packet_rules.h. */
static __always_inline int parse_l4(struct __sk_buff *skb, __u32 off, __u8 proto, struct pkt *p,
				    __u16 *sport, __u16 *dport, __u32 *l4_hdr_len)
{
	if (proto == PKT_PROTO_TCP) {
		struct tcphdr th;

		if (bpf_skb_load_bytes(skb, off, &th, sizeof(th)))
			return PARSE_TRUNCATED;
		*sport = bpf_ntohs(th.source);
		*dport = bpf_ntohs(th.dest);
		p->tcp_flags = ((__u8 *)&th)[13];
		*l4_hdr_len = th.doff * 4;
	} else if (pkt_has_ports(proto)) {
		__be16 ports[2];

		if (bpf_skb_load_bytes(skb, off, ports, sizeof(ports)))
			return PARSE_TRUNCATED;
		*sport = bpf_ntohs(ports[0]);
		*dport = bpf_ntohs(ports[1]);
		*l4_hdr_len = proto == PKT_PROTO_UDP ? sizeof(struct udphdr) : 0;
	} else if (pkt_is_icmp(proto)) {
		/* type, code, checksum, then (echo) identifier and sequence */
		__u8 ih[8];

		if (bpf_skb_load_bytes(skb, off, ih, sizeof(ih)))
			return PARSE_TRUNCATED;
		p->icmp_type_code = (__u16)ih[0] << 8 | ih[1];
		*l4_hdr_len = sizeof(ih);
		pkt_icmp_key_ports(proto, ih[0], ih[1], (__u16)ih[4] << 8 | ih[5], sport, dport);
	}
	return PARSE_OK;
}

/* The Ethernet type after up to two VLAN tags (802.1Q, 802.1ad); *off moves past them. */
static __always_inline int parse_eth(struct __sk_buff *skb, __u32 *off, __be16 *eth_proto)
{
	if (bpf_skb_load_bytes(skb, offsetof(struct ethhdr, h_proto), eth_proto,
			       sizeof(*eth_proto)))
		return PARSE_NON_IP;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_tag tag;

		if (*eth_proto != ETH_P_8021Q_BE && *eth_proto != ETH_P_8021AD_BE)
			break;
		if (bpf_skb_load_bytes(skb, *off, &tag, sizeof(tag)))
			return PARSE_NON_IP;
		*eth_proto = tag.encap_proto;
		*off += sizeof(tag);
	}
	return PARSE_OK;
}

/* Where the transport header is, and what the IP header says of the packet. */
struct l3_info {
	__u32 hdr_len; /* IP header and extension headers */
	__u32 ip_len; /* the IP packet's length, 0 when the header does not say */
	__u8 proto; /* the transport protocol */
};

/* An IPv4 header at off: addresses into the key's slots, fragment position. */
static __always_inline int parse_ipv4(struct __sk_buff *skb, __u32 off, struct pkt *p,
				      struct l3_info *l3)
{
	struct iphdr iph;

	if (bpf_skb_load_bytes(skb, off, &iph, sizeof(iph)))
		return PARSE_TRUNCATED;
	if (iph.ihl < 5)
		return PARSE_TRUNCATED;
	l3->hdr_len = iph.ihl * 4;
	l3->ip_len = bpf_ntohs(iph.tot_len);
	l3->proto = iph.protocol;
	p->frag = pkt_ipv4_frag(bpf_ntohs(iph.frag_off));
	p->frag_id = bpf_ntohs(iph.id);
	__builtin_memcpy(p->key.addr_lo, &iph.saddr, 4);
	__builtin_memcpy(p->key.addr_hi, &iph.daddr, 4);
	p->key.family = PKT_FAMILY_IPV4;
	return PARSE_OK;
}

/*
 * An IPv6 header at off and the extension headers the rules walk (a fragment
 * header gives the fragment position): addresses into the key's slots.
 */
static __always_inline int parse_ipv6(struct __sk_buff *skb, __u32 off, struct pkt *p,
				      struct l3_info *l3)
{
	struct ext_hdr eh;
	__u32 hoff;
	__be16 plen;
	__u8 proto;

	if (bpf_skb_load_bytes(skb, off + offsetof(struct ipv6hdr, payload_len), &plen,
			       sizeof(plen)) ||
	    bpf_skb_load_bytes(skb, off + offsetof(struct ipv6hdr, nexthdr), &proto,
			       sizeof(proto)) ||
	    bpf_skb_load_bytes(skb, off + offsetof(struct ipv6hdr, saddr), p->key.addr_lo, 32))
		return PARSE_TRUNCATED;
	hoff = off + sizeof(struct ipv6hdr);
	for (int i = 0; i < PKT_IPV6_MAX_EXT_HEADERS; i++) {
		if (!pkt_ipv6_ext_len(proto, 0))
			break;
		if (bpf_skb_load_bytes(skb, hoff, &eh, sizeof(eh)))
			return PARSE_TRUNCATED;
		if (proto == PKT_PROTO_FRAGMENT) {
			p->frag = pkt_ipv6_frag(bpf_ntohs(eh.frag_off));
			p->frag_id = bpf_ntohl(eh.frag_id);
		}
		hoff += pkt_ipv6_ext_len(proto, eh.hdrlen);
		proto = eh.nexthdr;
		if (p->frag == PKT_FRAG_LATER)
			break; /* what follows is payload, not headers */
	}
	if (p->frag != PKT_FRAG_LATER && pkt_ipv6_ext_len(proto, 0))
		return PARSE_TRUNCATED; /* more extension headers than the rules walk */
	l3->hdr_len = hoff - off;
	l3->ip_len = bpf_ntohs(plen);
	if (l3->ip_len)
		l3->ip_len += sizeof(struct ipv6hdr);
	l3->proto = proto;
	p->key.family = PKT_FAMILY_IPV6;
	return PARSE_OK;
}

/*
 * The packets and bytes p adds to its flow: a GSO super-packet counts as its
 * segments, each with its own headers.
 */
static __always_inline void packet_size(struct __sk_buff *skb, struct pkt *p, __u32 off,
					const struct l3_info *l3, __u32 l4_hdr_len)
{
	__u32 ip_len = l3->ip_len;

	/* 0 for jumbograms and BIG TCP super-packets: take the skb's length */
	if (ip_len == 0 && skb->len > off)
		ip_len = skb->len - off;
	p->packets = 1;
	p->bytes = ip_len;
	if (skb->gso_segs > 1) {
		p->packets = skb->gso_segs;
		p->bytes += (__u64)(skb->gso_segs - 1) * (l3->hdr_len + l4_hdr_len);
	}
}

/*
 * Normalise the key: the lower (address, port) endpoint in the _lo slots, so
 * both directions of a connection are one flow; sender_is_lo says which
 * endpoint sent this packet.
 */
static __always_inline void normalise_key(struct pkt *p, __u16 sport, __u16 dport)
{
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
}

/*
 * Parse one frame into p: link layer, IP layer, then (unless it is a later
 * fragment) the transport header, the packet's size and its normalised key.
 * A separate BPF function (its own stack frame) so the header buffers do not
 * add to the caller's stack.
 */
static __noinline int parse(struct __sk_buff *skb, struct pkt *p)
{
	struct l3_info l3 = {0};
	__u16 sport = 0, dport = 0;
	__u32 l4_hdr_len = 0;
	__u32 off = sizeof(struct ethhdr);
	__be16 eth_proto;
	int ret;

	/* the key's two address slots hold (source, destination) until normalised */
	ret = parse_eth(skb, &off, &eth_proto);
	if (ret != PARSE_OK)
		return ret;
	if (eth_proto == bpf_htons(ETH_P_IP))
		ret = parse_ipv4(skb, off, p, &l3);
	else if (eth_proto == bpf_htons(ETH_P_IPV6))
		ret = parse_ipv6(skb, off, p, &l3);
	else
		ret = PARSE_NON_IP;
	if (ret != PARSE_OK)
		return ret;

	p->key.protocol = l3.proto;
	if (p->frag == PKT_FRAG_LATER) {
		p->packets = 1;
		p->bytes = l3.ip_len;
		return PARSE_FRAGMENT;
	}
	ret = parse_l4(skb, off + l3.hdr_len, l3.proto, p, &sport, &dport, &l4_hdr_len);
	if (ret != PARSE_OK)
		return ret;
	packet_size(skb, p, off, &l3, l4_hdr_len);
	normalise_key(p, sport, dport);
	return PARSE_OK;
}

/* Add one packet (or GSO super-packet) to the flow, on its sender's side. */
static __always_inline void flow_account(struct flow_value *v, __u8 sender_is_lo, __u64 packets,
					 __u64 bytes, __u64 now)
{
	__u32 side = sender_is_lo == v->orig_is_lo ? 0 : 1;

	__sync_fetch_and_add(&v->packets[side], packets);
	__sync_fetch_and_add(&v->bytes[side], bytes);
	v->last_seen_ns = now;
}

/* A first fragment was keyed into p->key: remember it for the later fragments. */
static __always_inline void frag_remember(const struct pkt *p, __u64 now)
{
	struct frag_key fk = {};
	struct frag_value fv = {};
	const __u8 *src = p->sender_is_lo ? p->key.addr_lo : p->key.addr_hi;
	const __u8 *dst = p->sender_is_lo ? p->key.addr_hi : p->key.addr_lo;

	fk.family = p->key.family;
	fk.protocol = p->key.protocol;
	fk.id = p->frag_id;
	__builtin_memcpy(fk.src, src, 16);
	__builtin_memcpy(fk.dst, dst, 16);
	fv.flow = p->key;
	fv.first_ns = now;
	fv.sender_is_lo = p->sender_is_lo;
	bpf_map_update_elem(&FRAG_TABLE, &fk, &fv, BPF_ANY);
}

/* A later fragment: add it to its first fragment's flow, or count it unmatched. */
static __always_inline void frag_account(const struct pkt *p, __u64 now)
{
	struct frag_key fk = {};
	struct frag_value *fv;
	struct flow_value *v;

	fk.family = p->key.family;
	fk.protocol = p->key.protocol;
	fk.id = p->frag_id;
	__builtin_memcpy(fk.src, p->key.addr_lo, 16); /* (source, destination) as parsed */
	__builtin_memcpy(fk.dst, p->key.addr_hi, 16);
	fv = bpf_map_lookup_elem(&FRAG_TABLE, &fk);
	if (!fv || now - fv->first_ns > PKT_FRAG_TRACK_NS) {
		count(FLOW_COUNTER_FRAG_UNMATCHED);
		return;
	}
	v = bpf_map_lookup_elem(&FLOW_TABLE, &fv->flow);
	if (!v) {
		count(FLOW_COUNTER_FRAG_UNMATCHED); /* the flow was swept meanwhile */
		return;
	}
	flow_account(v, fv->sender_is_lo, p->packets, p->bytes, now);
}

/*
 * A TCP packet other than a SYN found no flow: the connection is older than
 * the table's memory of it (idle-swept, begun before the program was
 * attached, or a packet after the linger). Continue it as a midstream flow.
 * Its direction is the one remembered for the 5-tuple (prior, else
 * FLOW_MEMORY); failing that, it is inbound only when the cell's port is a
 * service port and the peer's an ephemeral one; otherwise the cell is taken
 * as the originator, so no inbound connection is invented.
 */
static __always_inline void midstream_orient(const struct pkt *p, struct flow_value *nv,
					     bool leaving_cell, const struct flow_memory *prior)
{
	const struct flow_memory *m = prior;
	__u8 cell_is_lo = leaving_cell ? p->sender_is_lo : !p->sender_is_lo;
	__u16 cell_port = cell_is_lo ? p->key.port_lo : p->key.port_hi;
	__u16 peer_port = cell_is_lo ? p->key.port_hi : p->key.port_lo;
	bool inbound;

	nv->flags |= CONN_FLAG_MIDSTREAM;
	if (!m)
		m = bpf_map_lookup_elem(&FLOW_MEMORY, &p->key);
	if (m) {
		nv->orig_is_lo = m->orig_is_lo;
		nv->direction = m->direction;
		return;
	}
	inbound = cell_port < MIDSTREAM_EPHEMERAL_PORT_MIN &&
		  peer_port >= MIDSTREAM_EPHEMERAL_PORT_MIN;
	nv->direction = inbound ? CONN_DIR_INGRESS : CONN_DIR_EGRESS;
	nv->orig_is_lo = inbound ? !cell_is_lo : cell_is_lo;
}

#include "flow_pressure.h"

/*
 * Reserve and submit one v3 record for the flow; false if the ring is full
 * (the caller counts what that means). A deferred open carries the latest
 * packet's time, as its counters cover every packet so far.
 */
static __always_inline bool emit(const struct flow_key *key, const struct flow_value *v, __u8 kind,
				 __u8 close_reason, __u8 flags)
{
	struct conn_record_v3 *rec;

	rec = bpf_ringbuf_reserve(&CONN_EVENTS, sizeof(*rec), 0);
	if (!rec)
		return false;
	flow_table_fill_record(rec, key, v, kind, close_reason, v->closed_ns);
	rec->flags |= flags;
	if (flags & CONN_FLAG_DEFERRED)
		rec->last_seen_ns = v->last_seen_ns;
	bpf_ringbuf_submit(rec, 0);
	return true;
}

/*
 * Emit the opened record of an unreported flow if the budgets allow it now
 * (first: the flow's first packet, which this CPU inserted; else side says
 * who sent this packet), unless another CPU is emitting it.
 */
static __always_inline void report_open(const struct flow_key *key, struct flow_value *v,
					__u32 side, bool first, __u64 now)
{
	if (!flow_pressure_admit(key, v, side == 1, now)) {
		if (first)
			count(FLOW_COUNTER_DEFERRED_OPENS);
		return;
	}
	if (__sync_val_compare_and_swap(&v->reported, FLOW_UNREPORTED, FLOW_REPORTING) !=
	    FLOW_UNREPORTED)
		return;
	if (emit(key, v, CONN_KIND_OPENED, CONN_CLOSE_NONE, first ? 0 : CONN_FLAG_DEFERRED)) {
		v->reported = FLOW_REPORTED;
		if (!first)
			count(FLOW_COUNTER_PROMOTED);
		return;
	}
	v->reported = FLOW_UNREPORTED; /* a later packet, the sweep or an eviction reports it */
	count(FLOW_COUNTER_RING_DEFERRED);
	if (first)
		count(FLOW_COUNTER_DEFERRED_OPENS);
}

/*
 * Move the flow to linger, once. Its closed record is not emitted now: the
 * entry keeps counting the 5-tuple's packets (a retransmitted FIN, the
 * re-sent ACK, data racing a RST) and the record leaves with the final
 * counters when the linger ends (recorder sweep) or a new SYN reuses the
 * 5-tuple. closed_ns keeps the time of the FIN/RST.
 */
static __always_inline void close_flow(struct flow_value *v, __u64 now, __u8 reason)
{
	if (__sync_val_compare_and_swap(&v->state, FLOW_STATE_OPEN, FLOW_STATE_LINGER) !=
	    FLOW_STATE_OPEN)
		return;
	v->closed_ns = now;
	v->close_reason = reason;
}

static __always_inline void tcp_update(struct flow_value *v, __u32 side, __u8 flags, __u64 now)
{
	if (flags & TCPF_RST) {
		close_flow(v, now, CONN_CLOSE_TCP_RST);
	} else if (flags & TCPF_FIN) {
		__sync_fetch_and_or(&v->fin_seen, side ? FLOW_FIN_RESP : FLOW_FIN_ORIG);
	} else if ((flags & TCPF_ACK) && v->fin_seen == (FLOW_FIN_ORIG | FLOW_FIN_RESP)) {
		/* the final ACK after both FINs: the teardown is complete */
		close_flow(v, now, CONN_CLOSE_TCP_FIN);
	}
}

/*
 * A packet of a flow in linger (closed by FIN or RST). True when it belongs
 * to the closed flow and is counted there (the teardown's last packets).
 * False when a new connection starts on the 5-tuple: the old flow's close is
 * settled first and *prior keeps its orientation for the new one.
 */
static __always_inline bool linger_absorbs(const struct pkt *p, struct flow_value *v, bool syn,
					   __u64 now, struct flow_memory *prior)
{
	if (!syn && now - v->closed_ns < FLOW_LINGER_NS) {
		flow_account(v, p->sender_is_lo, p->packets, p->bytes, now);
		return true;
	}
	if (v->reported == FLOW_REPORTED && !v->close_reported) {
		if (emit(&p->key, v, CONN_KIND_CLOSED, v->close_reason, 0))
			v->close_reported = 1;
		else
			count(FLOW_COUNTER_RINGBUF_DROPS); /* replaced below: lost */
	}
	prior->orig_is_lo = v->orig_is_lo;
	prior->direction = v->direction;
	return false;
}

/* A packet of a tracked flow: counted on its sender's side, which it returns. */
static __always_inline __u32 account_packet(const struct pkt *p, struct flow_value *v, __u64 now)
{
	flow_account(v, p->sender_is_lo, p->packets, p->bytes, now);
	if (!v->referenced)
		v->referenced = 1; /* the clock gives it a second chance */
	return p->sender_is_lo == v->orig_is_lo ? 0 : 1;
}

/*
 * The entry of the flow p's packet opens: orientation from the packet (a SYN,
 * or the cell's side), or for mid-stream TCP from what is remembered of it;
 * the packet counted on its sender's side (*side).
 */
static __always_inline void new_entry(struct flow_value *nv, struct pkt *p, bool leaving_cell,
				      bool syn, const struct flow_memory *prior, __u64 now,
				      __u32 *side)
{
	nv->first_seen_ns = now;
	nv->last_seen_ns = now;
	nv->orig_is_lo = p->sender_is_lo;
	nv->direction = leaving_cell ? CONN_DIR_EGRESS : CONN_DIR_INGRESS;
	if (p->key.protocol == PKT_PROTO_TCP && !syn)
		midstream_orient(p, nv, leaving_cell, prior);
	*side = p->sender_is_lo == nv->orig_is_lo ? 0 : 1;
	nv->packets[*side] = p->packets;
	nv->bytes[*side] = p->bytes;
	nv->icmp_type_code = p->icmp_type_code;
}

/*
 * One packet: parse it, count it, then find or insert its flow (evicting
 * under pressure), report a new flow (or defer it), and follow TCP's state.
 */
static __always_inline int handle(struct __sk_buff *skb, bool hook_egress)
{
	struct flow_memory prior = {};
	bool leaving_cell = hook_egress != (bool)iface_side_host;
	bool has_prior = false;
	struct flow_value *v;
	struct pkt p = {};
	bool replace = false, first = false;
	bool syn;
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
	now = bpf_ktime_get_boot_ns();
	if (ret == PARSE_FRAGMENT) {
		frag_account(&p, now);
		return TC_ACT_UNSPEC;
	}

	syn = p.key.protocol == PKT_PROTO_TCP && (p.tcp_flags & TCPF_SYN) &&
	      !(p.tcp_flags & TCPF_ACK);
	v = bpf_map_lookup_elem(&FLOW_TABLE, &p.key);
	if (v && v->state == FLOW_STATE_LINGER) {
		if (linger_absorbs(&p, v, syn, now, &prior))
			return TC_ACT_UNSPEC;
		has_prior = true;
		v = NULL;
		replace = true;
	}

	if (!v) {
		struct flow_value nv = {};

		new_entry(&nv, &p, leaving_cell, syn, has_prior ? &prior : NULL, now, &side);
		ret = flow_pressure_insert(&p.key, &nv, replace ? BPF_ANY : BPF_NOEXIST, now);
		v = bpf_map_lookup_elem(&FLOW_TABLE, &p.key);
		if (!v)
			return flow_pressure_untracked(&p.key, &nv, now);
		first = ret == 0;
		if (!first) /* another CPU inserted it first: account like any packet */
			side = account_packet(&p, v, now);
	} else {
		side = account_packet(&p, v, now);
	}

	if (p.frag == PKT_FRAG_FIRST)
		frag_remember(&p, now);
	if (v->reported == FLOW_UNREPORTED)
		report_open(&p.key, v, side, first, now);
	if (first)
		flow_pressure_register(&p.key, v);
	if (p.key.protocol == PKT_PROTO_TCP)
		tcp_update(v, side, p.tcp_flags, now);
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

/*
 * Not attached: the recorder runs it (BPF_PROG_TEST_RUN) to turn the summary
 * slots into records. Returns 1 when the ring filled before every slot was
 * emitted (the rest wait for the next run), else 0.
 */
SEC("tc")
int flowaudit_flush(struct __sk_buff *skb)
{
	(void)skb;
	return flow_pressure_flush();
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
