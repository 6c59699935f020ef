/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Text rules (common/fa_text.h): the decision_id component encoding is
 * injective (the colliding ids of "a:b"/"c" and "a"/"b:c", and of two invalid
 * byte strings that U+FFFD replacement would merge, stay apart), flowrec's id
 * check, and the escaping of one-line messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fa_text.h"

#include <stdio.h>
#include <inttypes.h>
#include <string.h>

static void id(const char *cell, size_t cn, const char *run, size_t rn, long seq, char *out,
	       size_t len)
{
	char c[64], r[64];
	assert_true(fa_id_component_encode(cell, cn, c, sizeof(c)) < sizeof(c));
	assert_true(fa_id_component_encode(run, rn, r, sizeof(r)) < sizeof(r));
	snprintf(out, len, "%s:%s:%ld", c, r, seq);
}

static void test_colon_in_components_cannot_collide(void **state)
{
	(void)state;
	char a[256], b[256];
	id("a:b", 3, "c", 1, 1, a, sizeof(a));
	id("a", 1, "b:c", 3, 1, b, sizeof(b));
	assert_string_equal(a, "a%3Ab:c:1");
	assert_string_equal(b, "a:b%3Ac:1");
	assert_string_not_equal(a, b);
	/* '%' itself is encoded, so an id that looks encoded stays apart. */
	id("a%3Ab", 5, "c", 1, 1, b, sizeof(b));
	assert_string_equal(b, "a%253Ab:c:1");
}

static void test_invalid_utf8_and_controls_are_encoded_bytewise(void **state)
{
	(void)state;
	char a[256], b[256];
	/* Both would become "x\uFFFD" after replacement; encoded they differ. */
	id("x\xff", 2, "r", 1, 7, a, sizeof(a));
	id("x\xfe", 2, "r", 1, 7, b, sizeof(b));
	assert_string_equal(a, "x%FF:r:7");
	assert_string_equal(b, "x%FE:r:7");
	/* An embedded NUL is kept (and encoded), not cut. */
	id("a\0b", 3, "r", 1, 1, a, sizeof(a));
	assert_string_equal(a, "a%00b:r:1");
	/* C0, DEL and C1 controls are encoded; other UTF-8 passes through. */
	id("t\tu\x7f\xc2\x85", 6, "caf\xc3\xa9", 5, 2, a, sizeof(a));
	assert_string_equal(a, "t%09u%7F%C2%85:caf\xc3\xa9:2");
}

static void test_encode_sizes_and_truncates_cleanly(void **state)
{
	(void)state;
	char small[5];
	size_t need = fa_id_component_encode("ab:cd", 5, NULL, 0);
	assert_int_equal(need, 7);
	assert_int_equal(fa_id_component_encode("ab:cd", 5, small, sizeof(small)), 7);
	assert_string_equal(small, "ab"); /* never a partial %XX */
}

static void test_clean_text(void **state)
{
	(void)state;
	assert_true(fa_text_is_clean("cell-42", 7));
	assert_true(fa_text_is_clean("caf\xc3\xa9 \xe2\x82\xac", 9));
	assert_false(fa_text_is_clean("a\nb", 3));
	assert_false(fa_text_is_clean("a\x7f", 2));
	assert_false(fa_text_is_clean("\xc2\x9b", 2)); /* C1 CSI */
	assert_false(fa_text_is_clean("\xff", 1));
	assert_false(fa_text_is_clean("\xc0\xaf", 2)); /* overlong '/' */
	assert_false(fa_text_is_clean("\xed\xa0\x80", 3)); /* surrogate */
}

static void test_escape_for_messages(void **state)
{
	(void)state;
	char out[64];
	assert_string_equal(fa_text_escape("run\x1b[31m\n", out, sizeof(out)), "run\\x1b[31m\\x0a");
	assert_string_equal(fa_text_escape("a\\b\xff", out, sizeof(out)), "a\\\\b\\xff");
	assert_string_equal(fa_text_escape("caf\xc3\xa9", out, sizeof(out)), "caf\xc3\xa9");
	char tiny[5];
	assert_string_equal(fa_text_escape("ab\ncd", tiny, sizeof(tiny)), "ab");
}

/* fa_u64_text prints what printf prints: every length, and the edges of each. */
static void test_u64_text_matches_printf(void **state)
{
	(void)state;
	uint64_t v = 1;
	for (int digits = 1; digits <= 20; digits++) {
		const uint64_t probes[] = {
			v, v - 1,     v + 1, v * 9 > v ? v * 9 : UINT64_MAX, UINT64_MAX / 3,
			0, UINT64_MAX};
		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
			char got[FA_U64_TEXT_MAX + 1], want[32];
			size_t n = fa_u64_text(probes[i], got);
			got[n] = '\0';
			snprintf(want, sizeof(want), "%" PRIu64, probes[i]);
			assert_string_equal(got, want);
		}
		v = v <= UINT64_MAX / 10 ? v * 10 : v;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_colon_in_components_cannot_collide),
		cmocka_unit_test(test_invalid_utf8_and_controls_are_encoded_bytewise),
		cmocka_unit_test(test_encode_sizes_and_truncates_cleanly),
		cmocka_unit_test(test_clean_text),
		cmocka_unit_test(test_escape_for_messages),
		cmocka_unit_test(test_u64_text_matches_printf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
