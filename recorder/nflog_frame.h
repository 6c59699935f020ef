/* SPDX-License-Identifier: Apache-2.0 */
/*
 * REPLAY_KIND_NFLOG frames: one packet that a netfilter rule logged to an
 * NFLOG group (nftables `log group N prefix "..."`), as the nflog source
 * received it. The same bytes go through the main loop, into --tee files and
 * back out of replay files, so an NFLOG capture replays like kernel records.
 *
 * Layout (all multi-byte fields little-endian, whatever the host; a frame has
 * no alignment promise, so fields are read byte by byte):
 *
 *   offset size field         notes
 *   0      1    family        4 (IPv4) or 6 (IPv6) as netlink reported it
 *                             (nfgen_family, else the hardware protocol);
 *                             0 when the source could not tell (rejected)
 *   1      1    hook          the netfilter hook that logged it (enum
 *                             nf_inet_hooks: 0 prerouting, 1 input,
 *                             2 forward, 3 output, 4 postrouting, 5 ingress);
 *                             NFLOG_HOOK_UNKNOWN (255) when not reported
 *   2      1    verdict_hint  what to assume when the prefix does not say:
 *                             NFLOG_VERDICT_HINT_* (the source writes DROP:
 *                             NFLOG in a cell logs its drop rules)
 *   3      1    prefix_len    bytes of prefix that follow the header,
 *                             0..NFLOG_FRAME_PREFIX_MAX (no NUL terminator)
 *   4      4    packet_len    bytes of packet that follow the prefix: the
 *                             first bytes of the packet from its network
 *                             header on (the copy range may cut it short;
 *                             the IP header's length field gives the size)
 *   8      8    boot_ns       CLOCK_BOOTTIME when the recorder received the
 *                             packet from netlink (at most the group's flush
 *                             timeout after the kernel logged it)
 *   16     prefix_len         the rule's log prefix
 *   16+prefix_len packet_len  the packet
 *
 * A frame is exactly NFLOG_FRAME_HEADER_SIZE + prefix_len + packet_len bytes.
 *
 * Log prefix convention (docs/nftables.md): `<rule_ref> <allow|deny> ` with
 * an optional direction word, `<rule_ref> <allow|deny> <egress|ingress> `,
 * e.g. "cell-egress-42 deny ". rule_ref is 1 or more printable ASCII
 * characters without spaces; the trailing space is optional. A prefix that
 * does not follow the convention (including an empty one) is still stored: its
 * decision comes from the verdict hint (deny), nft_rule_ref is left empty
 * (NULL in the database) and the raw prefix is kept in nflog_prefix.
 */
#ifndef FLOWAUDIT_NFLOG_FRAME_H
#define FLOWAUDIT_NFLOG_FRAME_H

#include "flow_event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NFLOG_FRAME_HEADER_SIZE 16
/* The kernel's log prefix holds at most 127 characters (NF_LOG_PREFIXLEN 128 with NUL). */
#define NFLOG_FRAME_PREFIX_MAX 127
#define NFLOG_HOOK_UNKNOWN 255u

#define NFLOG_VERDICT_HINT_NONE 0u /* nothing known: treated as deny */
#define NFLOG_VERDICT_HINT_ALLOW 1u /* the rule accepts what it logs */
#define NFLOG_VERDICT_HINT_DROP 2u /* the rule drops what it logs (same value as v2's drop) */

/* The fixed header, decoded into host order (the wire form is the table above). */
struct nflog_frame_hdr {
	uint8_t family;
	uint8_t hook;
	uint8_t verdict_hint;
	uint8_t prefix_len;
	uint32_t packet_len;
	uint64_t boot_ns;
};

_Static_assert(sizeof(struct nflog_frame_hdr) == NFLOG_FRAME_HEADER_SIZE,
	       "nflog frame header is 16 bytes");
_Static_assert(offsetof(struct nflog_frame_hdr, family) == 0, "family at 0");
_Static_assert(offsetof(struct nflog_frame_hdr, hook) == 1, "hook at 1");
_Static_assert(offsetof(struct nflog_frame_hdr, verdict_hint) == 2, "verdict_hint at 2");
_Static_assert(offsetof(struct nflog_frame_hdr, prefix_len) == 3, "prefix_len at 3");
_Static_assert(offsetof(struct nflog_frame_hdr, packet_len) == 4, "packet_len at 4");
_Static_assert(offsetof(struct nflog_frame_hdr, boot_ns) == 8, "boot_ns at 8");

/* What a prefix following the convention says. */
struct nflog_prefix_info {
	char rule_ref[NFLOG_FRAME_PREFIX_MAX + 1];
	bool deny;
	bool has_direction; /* an explicit egress/ingress word */
	uint8_t direction; /* CONN_DIR_*, when has_direction */
};

/*
 * Parse a log prefix (len bytes, not NUL-terminated) against the convention.
 * 0 and *out filled when it follows it; -EINVAL (out zeroed) when it does not.
 */
int nflog_prefix_parse(const char *prefix, size_t len, struct nflog_prefix_info *out);

/*
 * Write a frame into out (cap bytes): the header h (its prefix_len and
 * packet_len are ignored and taken from the arguments), then the prefix and
 * the packet. Returns the frame's size, or 0 when prefix_len exceeds
 * NFLOG_FRAME_PREFIX_MAX or the frame does not fit in cap.
 */
size_t nflog_frame_build(uint8_t *out, size_t cap, const struct nflog_frame_hdr *h,
			 const char *prefix, size_t prefix_len, const void *packet,
			 size_t packet_len);

/*
 * Decode a frame into *ev: an opened event (clock boottime, counts are deltas:
 * one packet of IP-total-length bytes, reason nflog_match, source "nflog") with
 * the packet's addresses, protocol and ports (ICMP: no ports; type, code and
 * echo identifier in the ICMP fields), its fragment position and id, keyed by
 * the rules of bpf/packet_rules.h, the direction from the hook (output,
 * postrouting, forward: egress; prerouting, input, ingress: ingress; an
 * explicit direction word in the prefix wins), decision and nft_rule_ref from
 * the prefix. Never reads outside buf[0..len). 0, or -EINVAL with a one-line
 * reason in err (and *ev unspecified).
 */
int nflog_frame_decode(const void *buf, size_t len, struct fa_event *ev, char *err, size_t errlen);

#endif
