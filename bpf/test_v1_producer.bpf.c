/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stand-in for the seed's kernel producer, for tests only: a tc program
 * named cellos_flow_egress with a FLOW_EVENTS ring buffer that emits one
 * 40-byte struct flow_record_v1 (bpf/flow_record_v1.h) per new IPv4 5-tuple,
 * verdict 1 (allow). Built as its own object and loaded with --bpf-object,
 * exactly as an external object would be. It passes every packet.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "flow_record_v1.h"

struct v1_key {
	__u32 src_ip;
	__u32 dst_ip;
	__u16 src_port;
	__u16 dst_port;
	__u32 proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 18);
} FLOW_EVENTS SEC(".maps");

/* 5-tuples already reported, so each flow gives one record. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct v1_key);
	__type(value, __u8);
} SEEN SEC(".maps");

SEC("tc")
int cellos_flow_egress(struct __sk_buff *skb)
{
	struct flow_record_v1 *rec;
	struct v1_key key = {};
	struct iphdr iph;
	__be16 proto, ports[2];
	__u8 one = 1;

	if (bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)) || proto != bpf_htons(ETH_P_IP))
		return TC_ACT_UNSPEC;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &iph, sizeof(iph)) || iph.ihl < 5)
		return TC_ACT_UNSPEC;
	key.src_ip = bpf_ntohl(iph.saddr);
	key.dst_ip = bpf_ntohl(iph.daddr);
	key.proto = iph.protocol;
	if ((iph.protocol == IPPROTO_TCP || iph.protocol == IPPROTO_UDP) &&
	    bpf_skb_load_bytes(skb, ETH_HLEN + iph.ihl * 4, ports, sizeof(ports)) == 0) {
		key.src_port = bpf_ntohs(ports[0]);
		key.dst_port = bpf_ntohs(ports[1]);
	}
	if (bpf_map_update_elem(&SEEN, &key, &one, BPF_NOEXIST))
		return TC_ACT_UNSPEC; /* seen before */
	rec = bpf_ringbuf_reserve(&FLOW_EVENTS, sizeof(*rec), 0);
	if (!rec) {
		bpf_map_delete_elem(&SEEN, &key); /* report it with its next packet */
		return TC_ACT_UNSPEC;
	}
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->src_ip = key.src_ip;
	rec->dst_ip = key.dst_ip;
	rec->src_port = key.src_port;
	rec->dst_port = key.dst_port;
	rec->proto = (__u8)key.proto;
	rec->pkt_count = 1;
	rec->first_seen_ns = bpf_ktime_get_ns();
	rec->verdict = 1;
	bpf_ringbuf_submit(rec, 0);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
