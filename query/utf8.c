/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 validation; see utf8.h. The table is RFC 3629's "UTF8-octets" ABNF. */
#include "utf8.h"

static int cont(unsigned char c)
{
	return c >= 0x80 && c <= 0xbf;
}

size_t fq_utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && cont(p[1]) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || !cont(p[2]))
			return 0;
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80; /* no overlongs */
		unsigned char hi = c == 0xed ? 0x9f : 0xbf; /* no surrogates */
		return p[1] >= lo && p[1] <= hi ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || !cont(p[2]) || !cont(p[3]))
			return 0;
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80; /* no overlongs */
		unsigned char hi = c == 0xf4 ? 0x8f : 0xbf; /* nothing above U+10FFFF */
		return p[1] >= lo && p[1] <= hi ? 4 : 0;
	}
	return 0;
}

size_t fq_utf8_clean_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t out = 0;
	for (size_t i = 0; i < n;) {
		size_t k = fq_utf8_seq_len(p + i, n - i);
		if (k == 0) {
			out += 3;
			i++;
		} else {
			out += k;
			i += k;
		}
	}
	return out;
}
