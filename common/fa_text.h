/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Text rules both tools share: UTF-8 validation (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), what an identifier may hold, the
 * percent-encoding that makes decision_id unambiguous, and the escaping of
 * text printed in one-line messages.
 *
 * decision_id is "<cell>:<run>:<seq>" with cell and run encoded by
 * fa_id_component_encode(): '%', ':', control characters and bytes outside
 * valid UTF-8 become %XX. The encoding is injective, so two different
 * (cell, run, seq) can never give the same id, and an id is always valid
 * UTF-8 with exactly two ':'.
 */
#ifndef FLOWAUDIT_FA_TEXT_H
#define FLOWAUDIT_FA_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest decimal text of a uint64_t (18446744073709551615). */
#define FA_U64_TEXT_MAX 20

/* Length (1-4) of the valid UTF-8 sequence at p (n bytes available), or 0 if invalid. */
size_t fa_utf8_seq_len(const unsigned char *p, size_t n);

/*
 * True when s[0..n) is valid UTF-8 and holds no control character (U+0000 to
 * U+001F, U+007F to U+009F): what flowrec accepts as an id or stamp.
 */
bool fa_text_is_clean(const char *s, size_t n);

/*
 * Percent-encode one decision_id component s[0..n) into out (len bytes, NUL
 * terminated when len > 0). Returns the length of the full encoding (without
 * the NUL), which may exceed len - 1: call with len 0 to size a buffer.
 */
size_t fa_id_component_encode(const char *s, size_t n, char *out, size_t len);

/*
 * Copy the NUL-terminated s into out for a one-line message, writing control
 * characters and bytes outside valid UTF-8 as \xNN and '\' as "\\". out is
 * always NUL terminated (truncated to len - 1 bytes, never mid-sequence).
 * Returns out.
 */
char *fa_text_escape(const char *s, char *out, size_t len);

/*
 * v in decimal (no sign, no leading zeros, no NUL) into out; returns the
 * number of digits. What printf("%" PRIu64) prints, two digits per step.
 */
size_t fa_u64_text(uint64_t v, char out[FA_U64_TEXT_MAX]);

#endif
