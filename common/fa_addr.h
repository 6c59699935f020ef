/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Addresses as stored: 16 bytes, IPv6 as is, IPv4 mapped into ::ffff:0:0/96,
 * so that one memcmp order covers both families and a CIDR is a byte range.
 */
#ifndef FLOWAUDIT_FA_ADDR_H
#define FLOWAUDIT_FA_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FA_ADDR_LEN 16
/* Long enough for any RFC 5952 text form, with its NUL. */
#define FA_ADDR_TEXT_MAX 46
/* Long enough for an address text form, '/', a prefix length up to 128 and the NUL. */
#define FA_PREFIX_TEXT_MAX (FA_ADDR_TEXT_MAX + 4)

struct fa_addr {
	uint8_t b[FA_ADDR_LEN];
};

/* Map a host-order IPv4 integer (10.0.0.1 == 0x0A000001) into *out. */
void fa_addr_from_v4_host(uint32_t v4, struct fa_addr *out);
/* Map 4 network-order bytes (as in an IPv4 header) into *out. */
void fa_addr_from_v4_bytes(const uint8_t v4[4], struct fa_addr *out);
/* Copy 16 network-order IPv6 bytes into *out. */
void fa_addr_from_v6_bytes(const uint8_t v6[16], struct fa_addr *out);
/* True when *a is an IPv4-mapped address. */
bool fa_addr_is_v4(const struct fa_addr *a);
/*
 * Write the text form into buf (dotted quad for family 4, RFC 5952 for 6).
 * Returns buf, or NULL when len is too small.
 */
char *fa_addr_format(const struct fa_addr *a, int family, char *buf, size_t len);
/*
 * Write "address/prefix_len" (the prefix length in the family's terms) into
 * buf. Returns buf, or NULL when len is too small.
 */
char *fa_prefix_format(const struct fa_addr *a, int family, unsigned prefix_len, char *buf,
		       size_t len);
/*
 * Parse "a.b.c.d[/n]" or an IPv6 "x::y[/n]" into the inclusive byte range
 * [*lo, *hi] of stored addresses it covers. Returns 0, or -EINVAL with a
 * one-line reason in err (size errlen) naming what is wrong.
 */
int fa_cidr_parse(const char *text, struct fa_addr *lo, struct fa_addr *hi, char *err,
		  size_t errlen);

#endif
