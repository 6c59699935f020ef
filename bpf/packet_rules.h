/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How a packet is keyed into a flow: the one rule set of the built-in tc
 * program (bpf/flowaudit.bpf.c) and of the NFLOG decoder
 * (recorder/nflog_frame.c), so a packet gets the same key from both sources.
 *
 * - IP protocol numbers by name (no 6/17/1/58 literals elsewhere).
 * - The IPv6 extension headers walked to reach the transport header, their
 *   lengths, and the bound on how many are walked; anything else (a transport
 *   protocol, ESP, no-next-header) ends the walk.
 * - Fragments: the first fragment (offset 0) carries the transport header and
 *   keys the flow; later fragments are attributed to it by (family, protocol,
 *   source, destination, fragment id) for PKT_FRAG_TRACK_NS.
 * - Which protocols have ports (two 16-bit ports first in their header).
 * - ICMP/ICMPv6: an echo request and its replies are one flow per identifier
 *   (as nf_conntrack keys them); any other ICMP message (errors, neighbour
 *   discovery) is a flow of its own keyed by its type and code between the two
 *   addresses. The key's two port slots hold these; records and rows carry no
 *   port for ICMP (type, code and identifier have fields of their own).
 *
 * Plain C with fixed-width kernel types: compiles for BPF and for user space.
 */
#ifndef FLOWAUDIT_PACKET_RULES_H
#define FLOWAUDIT_PACKET_RULES_H

#include <linux/types.h>

/* Address families as records and keys carry them: the IP version. */
enum pkt_family {
	PKT_FAMILY_IPV4 = 4,
	PKT_FAMILY_IPV6 = 6,
};

/* IP protocol numbers (IANA), also IPv6 next-header values. */
enum pkt_proto {
	PKT_PROTO_HOPOPTS = 0,
	PKT_PROTO_ICMP = 1,
	PKT_PROTO_TCP = 6,
	PKT_PROTO_UDP = 17,
	PKT_PROTO_DCCP = 33,
	PKT_PROTO_ROUTING = 43,
	PKT_PROTO_FRAGMENT = 44,
	PKT_PROTO_ESP = 50,
	PKT_PROTO_AH = 51,
	PKT_PROTO_ICMPV6 = 58,
	PKT_PROTO_NONE = 59,
	PKT_PROTO_DSTOPTS = 60,
	PKT_PROTO_SCTP = 132,
	PKT_PROTO_MOBILITY = 135,
	PKT_PROTO_UDPLITE = 136,
	PKT_PROTO_HIP = 139,
	PKT_PROTO_SHIM6 = 140,
};

/* ICMP and ICMPv6 echo message types. */
enum pkt_icmp_type {
	PKT_ICMP_ECHO_REPLY = 0,
	PKT_ICMP_ECHO_REQUEST = 8,
	PKT_ICMPV6_ECHO_REQUEST = 128,
	PKT_ICMPV6_ECHO_REPLY = 129,
};

/* Extension headers walked before giving up (a packet with more is truncated). */
#define PKT_IPV6_MAX_EXT_HEADERS 8
/* Every extension header is at least this long (and the fragment header exactly). */
#define PKT_IPV6_EXT_MIN_LEN 8

/* IPv4 flags/fragment-offset field, host order. */
#define PKT_IPV4_FRAG_MORE 0x2000u
#define PKT_IPV4_FRAG_OFFSET 0x1fffu
/* IPv6 fragment header offset/flags field, host order. */
#define PKT_IPV6_FRAG_MORE 0x0001u
#define PKT_IPV6_FRAG_OFFSET 0xfff8u

/*
 * How long a first fragment's flow is remembered for its later fragments: the
 * kernel's IPv4 reassembly timeout (net.ipv4.ipfrag_time, 30 s).
 */
#define PKT_FRAG_TRACK_NS (30ull * 1000 * 1000 * 1000)

/* Where a packet stands among the fragments of its datagram. */
enum pkt_frag {
	PKT_FRAG_NONE = 0, /* not fragmented */
	PKT_FRAG_FIRST = 1, /* offset 0, more to come: keys the flow */
	PKT_FRAG_LATER = 2, /* offset > 0: no transport header */
};

/*
 * Length of the IPv6 extension header nh whose second byte is hdrlen, or 0
 * when nh is not an extension header that the walk crosses.
 */
static inline __attribute__((always_inline)) __u32 pkt_ipv6_ext_len(__u8 nh, __u8 hdrlen)
{
	switch (nh) {
	case PKT_PROTO_HOPOPTS:
	case PKT_PROTO_ROUTING:
	case PKT_PROTO_DSTOPTS:
	case PKT_PROTO_MOBILITY:
	case PKT_PROTO_HIP:
	case PKT_PROTO_SHIM6:
		return ((__u32)hdrlen + 1) * 8;
	case PKT_PROTO_FRAGMENT:
		return 8;
	case PKT_PROTO_AH:
		return ((__u32)hdrlen + 2) * 4;
	default:
		return 0;
	}
}

/* The IPv4 fragment position from the host-order flags/offset field. */
static inline __attribute__((always_inline)) enum pkt_frag pkt_ipv4_frag(__u16 frag_off)
{
	if (frag_off & PKT_IPV4_FRAG_OFFSET)
		return PKT_FRAG_LATER;
	return (frag_off & PKT_IPV4_FRAG_MORE) ? PKT_FRAG_FIRST : PKT_FRAG_NONE;
}

/* The IPv6 fragment position from the fragment header's host-order offset/flags. */
static inline __attribute__((always_inline)) enum pkt_frag pkt_ipv6_frag(__u16 off_flags)
{
	if (off_flags & PKT_IPV6_FRAG_OFFSET)
		return PKT_FRAG_LATER;
	return (off_flags & PKT_IPV6_FRAG_MORE) ? PKT_FRAG_FIRST : PKT_FRAG_NONE;
}

/* Protocols whose header starts with a 16-bit source and destination port. */
static inline __attribute__((always_inline)) int pkt_has_ports(__u8 protocol)
{
	return protocol == PKT_PROTO_TCP || protocol == PKT_PROTO_UDP ||
	       protocol == PKT_PROTO_UDPLITE || protocol == PKT_PROTO_SCTP ||
	       protocol == PKT_PROTO_DCCP;
}

static inline __attribute__((always_inline)) int pkt_is_icmp(__u8 protocol)
{
	return protocol == PKT_PROTO_ICMP || protocol == PKT_PROTO_ICMPV6;
}

/* Echo requests and replies: their flows are keyed by the echo identifier. */
static inline __attribute__((always_inline)) int pkt_icmp_is_echo(__u8 protocol, __u8 type)
{
	return (protocol == PKT_PROTO_ICMP &&
		(type == PKT_ICMP_ECHO_REQUEST || type == PKT_ICMP_ECHO_REPLY)) ||
	       (protocol == PKT_PROTO_ICMPV6 &&
		(type == PKT_ICMPV6_ECHO_REQUEST || type == PKT_ICMPV6_ECHO_REPLY));
}

/*
 * The two port slots of an ICMP packet's flow key (sender's, receiver's):
 * the echo identifier in both for echo messages, else 0 and type << 8 | code.
 */
static inline __attribute__((always_inline)) void
pkt_icmp_key_ports(__u8 protocol, __u8 type, __u8 code, __u16 echo_id, __u16 *sport, __u16 *dport)
{
	if (pkt_icmp_is_echo(protocol, type)) {
		*sport = echo_id;
		*dport = echo_id;
	} else {
		*sport = 0;
		*dport = (__u16)((__u16)type << 8 | code);
	}
}

#endif /* FLOWAUDIT_PACKET_RULES_H */
