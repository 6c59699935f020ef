/* SPDX-License-Identifier: Apache-2.0 */
/* Address mapping, formatting and CIDR parsing; see fa_addr.h. */
#include "fa_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void fa_addr_from_v4_host(uint32_t v4, struct fa_addr *out)
{
	uint8_t bytes[4] = {(uint8_t)(v4 >> 24), (uint8_t)(v4 >> 16), (uint8_t)(v4 >> 8),
			    (uint8_t)v4};
	fa_addr_from_v4_bytes(bytes, out);
}

void fa_addr_from_v4_bytes(const uint8_t v4[4], struct fa_addr *out)
{
	memcpy(out->b, v4_mapped_prefix, sizeof(v4_mapped_prefix));
	memcpy(out->b + 12, v4, 4);
}

void fa_addr_from_v6_bytes(const uint8_t v6[16], struct fa_addr *out)
{
	memcpy(out->b, v6, FA_ADDR_LEN);
}

bool fa_addr_is_v4(const struct fa_addr *a)
{
	return memcmp(a->b, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0;
}

/* An IPv4 address in dotted decimal, as inet_ntop writes it (and faster: exports format one per record). */
static char *format_v4(const uint8_t b[4], char *buf, size_t len)
{
	char tmp[INET_ADDRSTRLEN], *p = tmp;
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
	if ((size_t)(p - tmp) > len)
		return NULL;
	memcpy(buf, tmp, (size_t)(p - tmp));
	return buf;
}

/*
 * An IPv6 address as glibc's inet_ntop writes it, which follows RFC 5952:
 * lower case hex without leading zeros, the longest run of two or more zero
 * groups (the first of equal ones) written "::", and an address whose first
 * 96 bits are zero, or ::ffff: before them, with its last 32 bits in dotted
 * decimal (except :: and ::1, whose zero run is longer). Written here because
 * inet_ntop goes through sprintf for every group.
 */
static char *format_v6(const uint8_t b[16], char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned words[8];
	int best = -1, best_len = 0, cur = -1;
	for (int i = 0; i < 8; i++) {
		words[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
		if (words[i] == 0) {
			if (cur < 0)
				cur = i;
			if (i - cur + 1 > best_len) {
				best = cur;
				best_len = i - cur + 1;
			}
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	char tmp[INET6_ADDRSTRLEN], *p = tmp;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
			if (!format_v4(b + 12, p, sizeof(tmp) - (size_t)(p - tmp)))
				return NULL;
			p += strlen(p);
			break;
		}
		int started = 0;
		for (int shift = 12; shift >= 0; shift -= 4) {
			unsigned d = (words[i] >> shift) & 15;
			if (d || started || shift == 0) {
				*p++ = hex[d];
				started = 1;
			}
		}
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	*p = '\0';
	if ((size_t)(p - tmp) + 1 > len)
		return NULL;
	memcpy(buf, tmp, (size_t)(p - tmp) + 1);
	return buf;
}

char *fa_addr_format(const struct fa_addr *a, int family, char *buf, size_t len)
{
	if (family == 4)
		return format_v4(a->b + 12, buf, len);
	return format_v6(a->b, buf, len);
}

static void apply_prefix(struct fa_addr *lo, struct fa_addr *hi, unsigned bits)
{
	for (unsigned i = 0; i < FA_ADDR_LEN; i++) {
		unsigned keep = bits >= 8 * (i + 1) ? 8 : (bits > 8 * i ? bits - 8 * i : 0);
		uint8_t mask = keep == 0 ? 0 : (uint8_t)(0xffu << (8 - keep));
		lo->b[i] &= mask;
		hi->b[i] = (uint8_t)(lo->b[i] | (uint8_t)~mask);
	}
}

int fa_cidr_parse(const char *text, struct fa_addr *lo, struct fa_addr *hi, char *err,
		  size_t errlen)
{
	char host[64];
	const char *slash = strchr(text, '/');
	size_t host_len = slash ? (size_t)(slash - text) : strlen(text);
	if (host_len == 0 || host_len >= sizeof(host)) {
		snprintf(err, errlen,
			 "'%s' is not an address or CIDR (expected e.g. 10.0.0.0/8 or "
			 "2001:db8::/32)",
			 text);
		return -EINVAL;
	}
	memcpy(host, text, host_len);
	host[host_len] = '\0';

	bool v4 = strchr(host, ':') == NULL;
	unsigned max_bits = v4 ? 32 : 128;
	unsigned bits = max_bits;
	if (slash) {
		const char *p = slash + 1;
		char *end = NULL;
		if (*p < '0' || *p > '9') {
			snprintf(err, errlen, "CIDR '%s' has no prefix length after '/'", text);
			return -EINVAL;
		}
		errno = 0;
		unsigned long n = strtoul(p, &end, 10);
		if (errno || *end != '\0' || n > max_bits) {
			snprintf(err, errlen, "CIDR '%s' has a bad prefix length (0-%u)", text,
				 max_bits);
			return -EINVAL;
		}
		bits = (unsigned)n;
	}
	if (v4) {
		uint8_t b4[4];
		if (inet_pton(AF_INET, host, b4) != 1) {
			snprintf(err, errlen, "'%s' is not an IPv4 address", host);
			return -EINVAL;
		}
		fa_addr_from_v4_bytes(b4, lo);
		bits += 96;
	} else {
		uint8_t b6[16];
		if (inet_pton(AF_INET6, host, b6) != 1) {
			snprintf(err, errlen, "'%s' is not an IPv6 address", host);
			return -EINVAL;
		}
		fa_addr_from_v6_bytes(b6, lo);
	}
	apply_prefix(lo, hi, bits);
	return 0;
}

char *fa_prefix_format(const struct fa_addr *a, int family, unsigned prefix_len, char *buf,
		       size_t len)
{
	if (!fa_addr_format(a, family, buf, len))
		return NULL;
	size_t used = strlen(buf);
	int n = snprintf(buf + used, len - used, "/%u", prefix_len);
	return n < 0 || (size_t)n >= len - used ? NULL : buf;
}
