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

char *fa_addr_format(const struct fa_addr *a, int family, char *buf, size_t len)
{
	/* glibc's inet_ntop follows RFC 5952: lower case, longest zero run
	 * compressed, a single zero group never shortened to "::". */
	if (family == 4)
		return format_v4(a->b + 12, buf, len);
	return inet_ntop(AF_INET6, a->b, buf, (socklen_t)len) ? buf : NULL;
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
