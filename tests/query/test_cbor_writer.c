/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CBOR heads in their shortest form at every width boundary (RFC 8949 4.2.1),
 * negative integers, null/bool, text lengths, invalid UTF-8 replacement.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture.h"
#include "cbor_writer.h"

#include <cbor.h>
#include <string.h>

static void expect_cbor(struct fq_value v, const char *hex_bytes, size_t n)
{
	struct capture c;
	capture_start(&c);
	fq_cbor_value(&c.out, &v);
	capture_end(&c);
	assert_int_equal(c.len, n);
	assert_memory_equal(c.bytes, hex_bytes, n);
	capture_free(&c);
}

static void unsigned_widths(void **state)
{
	(void)state;
	expect_cbor(fq_v_uint(0), "\x00", 1);
	expect_cbor(fq_v_uint(23), "\x17", 1);
	expect_cbor(fq_v_uint(24), "\x18\x18", 2);
	expect_cbor(fq_v_uint(255), "\x18\xff", 2);
	expect_cbor(fq_v_uint(256), "\x19\x01\x00", 3);
	expect_cbor(fq_v_uint(65535), "\x19\xff\xff", 3);
	expect_cbor(fq_v_uint(65536), "\x1a\x00\x01\x00\x00", 5);
	expect_cbor(fq_v_uint(4294967295ULL), "\x1a\xff\xff\xff\xff", 5);
	expect_cbor(fq_v_uint(4294967296ULL), "\x1b\x00\x00\x00\x01\x00\x00\x00\x00", 9);
	expect_cbor(fq_v_uint(UINT64_MAX), "\x1b\xff\xff\xff\xff\xff\xff\xff\xff", 9);
}

/* fq_cbor_head against libcbor's shortest-form encoders, around every width boundary. */
static void heads_match_libcbor(void **state)
{
	(void)state;
	const uint64_t edges[] = {
		0, 23, 24, 255, 256, 65535, 65536, 4294967295ULL, 4294967296ULL, UINT64_MAX};
	for (size_t e = 0; e < sizeof(edges) / sizeof(edges[0]); e++) {
		for (int d = -2; d <= 2; d++) {
			uint64_t v = edges[e] + (uint64_t)(int64_t)d;
			unsigned char want[9], got[9];
			size_t n;
			n = cbor_encode_uint(v, want, sizeof(want));
			assert_int_equal(fq_cbor_head(got, FQ_CBOR_UINT, v), n);
			assert_memory_equal(got, want, n);
			n = cbor_encode_negint(v, want, sizeof(want));
			assert_int_equal(fq_cbor_head(got, FQ_CBOR_NEGINT, v), n);
			assert_memory_equal(got, want, n);
			if (v > SIZE_MAX)
				continue;
			n = cbor_encode_string_start((size_t)v, want, sizeof(want));
			assert_int_equal(fq_cbor_head(got, FQ_CBOR_TEXT, v), n);
			assert_memory_equal(got, want, n);
			n = cbor_encode_array_start((size_t)v, want, sizeof(want));
			assert_int_equal(fq_cbor_head(got, FQ_CBOR_ARRAY, v), n);
			assert_memory_equal(got, want, n);
			n = cbor_encode_map_start((size_t)v, want, sizeof(want));
			assert_int_equal(fq_cbor_head(got, FQ_CBOR_MAP, v), n);
			assert_memory_equal(got, want, n);
		}
	}
}

static void signed_and_simple(void **state)
{
	(void)state;
	expect_cbor(fq_v_int(5), "\x05", 1);
	expect_cbor(fq_v_int(-1), "\x20", 1);
	expect_cbor(fq_v_int(-24), "\x37", 1);
	expect_cbor(fq_v_int(-25), "\x38\x18", 2);
	expect_cbor(fq_v_int(-257), "\x39\x01\x00", 3);
	expect_cbor(fq_v_int(INT64_MIN), "\x3b\x7f\xff\xff\xff\xff\xff\xff\xff", 9);
	expect_cbor(fq_v_null(), "\xf6", 1);
	expect_cbor(fq_v_bool(true), "\xf5", 1);
	expect_cbor(fq_v_bool(false), "\xf4", 1);
}

static void text_heads(void **state)
{
	(void)state;
	char s[300];
	memset(s, 'x', sizeof(s));
	size_t lens[] = {0, 23, 24, 255, 256};
	const char *heads[] = {"\x60", "\x77", "\x78\x18", "\x78\xff", "\x79\x01\x00"};
	size_t head_len[] = {1, 1, 2, 2, 3};
	for (size_t i = 0; i < 5; i++) {
		struct capture c;
		capture_start(&c);
		fq_cbor_text(&c.out, s, lens[i]);
		capture_end(&c);
		assert_int_equal(c.len, head_len[i] + lens[i]);
		assert_memory_equal(c.bytes, heads[i], head_len[i]);
		capture_free(&c);
	}
}

static void invalid_utf8_is_replaced(void **state)
{
	(void)state;
	/* 0xff, a lone continuation, an overlong '/', a surrogate, a truncated sequence. */
	expect_cbor(fq_v_textn("a\xff", 2), "\x64\x61\xef\xbf\xbd", 5);
	expect_cbor(fq_v_textn("\x80", 1), "\x63\xef\xbf\xbd", 4);
	expect_cbor(fq_v_textn("\xc0\xaf", 2), "\x66\xef\xbf\xbd\xef\xbf\xbd", 7);
	expect_cbor(fq_v_textn("\xed\xa0\x80", 3), "\x69\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 10);
	expect_cbor(fq_v_textn("\xe2\x9c", 2), "\x66\xef\xbf\xbd\xef\xbf\xbd", 7);
	/* Valid multi-byte text passes unchanged, including U+10FFFF. */
	expect_cbor(fq_v_textn("\xf4\x8f\xbf\xbf", 4), "\x64\xf4\x8f\xbf\xbf", 5);
}

static void array_and_map_heads(void **state)
{
	(void)state;
	struct capture c;
	capture_start(&c);
	fq_cbor_array_start(&c.out, 0);
	fq_cbor_array_start(&c.out, 24);
	fq_cbor_array_start(&c.out, 1000000);
	capture_end(&c);
	assert_int_equal(c.len, 1 + 2 + 5);
	assert_memory_equal(c.bytes, "\x80\x98\x18\x9a\x00\x0f\x42\x40", 8);
	capture_free(&c);

	static const char *const keys[] = {"bb", "a", "c"};
	static const uint8_t order[] = {1, 2, 0};
	const struct fq_schema s = {.n = 3, .keys = keys, .cbor_order = order};
	struct fq_value v[3] = {fq_v_uint(1), fq_v_uint(2), fq_v_null()};
	struct fq_keys k;
	assert_int_equal(fq_keys_init(&k, &s), 0);
	capture_start(&c);
	fq_cbor_map(&c.out, &k, v);
	capture_end(&c);
	assert_int_equal(c.len, 11);
	assert_memory_equal(c.bytes, "\xa3\x61\x61\x02\x61\x63\xf6\x62\x62\x62\x01", 11);
	capture_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unsigned_widths),	    cmocka_unit_test(heads_match_libcbor),
		cmocka_unit_test(signed_and_simple),	    cmocka_unit_test(text_heads),
		cmocka_unit_test(invalid_utf8_is_replaced), cmocka_unit_test(array_and_map_heads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
