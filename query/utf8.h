/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF). Stored text comes from a file anyone could have edited, so the
 * writers replace every byte that does not start a valid sequence with
 * U+FFFD (EF BF BD) and never emit invalid UTF-8 in JSON or CBOR text.
 */
#ifndef FLOWQ_UTF8_H
#define FLOWQ_UTF8_H

#include <stddef.h>

#define FQ_UTF8_REPLACEMENT "\xef\xbf\xbd"

/* Length (1-4) of the valid sequence at p (n bytes available), or 0 if invalid. */
size_t fq_utf8_seq_len(const unsigned char *p, size_t n);
/* Byte length of s[0..n) after replacing each invalid byte with U+FFFD. */
size_t fq_utf8_clean_len(const char *s, size_t n);

#endif
