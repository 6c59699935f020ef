/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 validation, identifier rules and escaping; see fa_text.h. */
#include "fa_text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static bool cont(unsigned char c)
{
	return c >= 0x80 && c <= 0xbf;
}

/* The table is RFC 3629's "UTF8-octets" ABNF. */
size_t fa_utf8_seq_len(const unsigned char *p, size_t n)
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

/*
 * Length of the clean sequence at p: a valid UTF-8 sequence that is not a
 * control character (C0, DEL, or C1, which UTF-8 writes as C2 80..C2 9F).
 * 0 when the byte at p must be encoded or escaped.
 */
static size_t clean_seq_len(const unsigned char *p, size_t n)
{
	if (p[0] < 0x20 || p[0] == 0x7f)
		return 0;
	size_t k = fa_utf8_seq_len(p, n);
	if (k == 2 && p[0] == 0xc2 && p[1] <= 0x9f)
		return 0;
	return k;
}

bool fa_text_is_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = clean_seq_len(p + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

static const char hex_upper[] = "0123456789ABCDEF";

size_t fa_id_component_encode(const char *s, size_t n, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, w = 0; /* w: bytes written, stops growing once a piece does not fit */
	for (size_t i = 0; i < n;) {
		size_t k = p[i] == '%' || p[i] == ':' ? 0 : clean_seq_len(p + i, n - i);
		char esc[3];
		const char *piece = (const char *)p + i;
		size_t m = k;
		if (k == 0) {
			esc[0] = '%';
			esc[1] = hex_upper[p[i] >> 4];
			esc[2] = hex_upper[p[i] & 15];
			piece = esc;
			m = 3;
			k = 1;
		}
		if (w == o && o + m < len) {
			memcpy(out + o, piece, m);
			w += m;
		}
		o += m;
		i += k;
	}
	if (len)
		out[w] = '\0';
	return o;
}

char *fa_text_escape(const char *s, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0;
	if (len == 0)
		return out;
	for (size_t i = 0; i < n;) {
		size_t k = p[i] == '\\' ? 0 : clean_seq_len(p + i, n - i);
		char esc[5];
		const char *piece = (const char *)p + i;
		size_t m = k;
		if (p[i] == '\\') {
			piece = "\\\\";
			m = 2;
			k = 1;
		} else if (k == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
			piece = esc;
			m = 4;
			k = 1;
		}
		if (o + m >= len)
			break;
		memcpy(out + o, piece, m);
		o += m;
		i += k;
	}
	out[o] = '\0';
	return out;
}

size_t fa_u64_text(uint64_t v, char out[FA_U64_TEXT_MAX])
{
	static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
				       "25262728293031323334353637383940414243444546474849"
				       "50515253545556575859606162636465666768697071727374"
				       "75767778798081828384858687888990919293949596979899";
	char tmp[FA_U64_TEXT_MAX];
	size_t i = FA_U64_TEXT_MAX;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		tmp[--i] = pairs[2 * r + 1];
		tmp[--i] = pairs[2 * r];
	}
	if (v >= 10) {
		tmp[--i] = pairs[2 * v + 1];
		tmp[--i] = pairs[2 * v];
	} else {
		tmp[--i] = (char)('0' + v);
	}
	size_t n = FA_U64_TEXT_MAX - i;
	memcpy(out, tmp + i, n);
	return n;
}
