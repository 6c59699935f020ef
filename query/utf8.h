/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8 cleaning (the validator, fa_utf8_seq_len, is in common/fa_text.h).
 * Stored text comes from a file anyone could have edited, so the
 * writers replace every byte that does not start a valid sequence with
 * U+FFFD (EF BF BD) and never emit invalid UTF-8 in JSON or CBOR text.
 */
#ifndef FLOWQ_UTF8_H
#define FLOWQ_UTF8_H

#include "fa_text.h"

#include <stddef.h>

#define FQ_UTF8_REPLACEMENT "\xef\xbf\xbd"

/* Byte length of s[0..n) after replacing each invalid byte with U+FFFD. */
size_t fq_utf8_clean_len(const char *s, size_t n);

#endif
