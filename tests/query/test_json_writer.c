/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON strings: every escape RFC 8259 requires, every control character,
 * non-ASCII copied, invalid UTF-8 replaced by U+FFFD, embedded NUL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture.h"
#include "json_writer.h"

#include <stdio.h>
#include <string.h>

static void expect_json(struct fq_value v, const char *want)
{
	struct capture c;
	capture_start(&c);
	fq_json_value(&c.out, &v);
	capture_end(&c);
	assert_string_equal((const char *)c.bytes, want);
	capture_free(&c);
}

static void escapes(void **state)
{
	(void)state;
	expect_json(fq_v_text("plain"), "\"plain\"");
	expect_json(fq_v_text("q\"b\\s/"), "\"q\\\"b\\\\s/\"");
	expect_json(fq_v_text("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
	expect_json(fq_v_textn("a\0b", 3), "\"a\\u0000b\"");
	expect_json(fq_v_text("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"");
	expect_json(fq_v_text(""), "\"\"");
}

static void every_control_character(void **state)
{
	(void)state;
	for (int ch = 0; ch < 0x20; ch++) {
		char in[1] = {(char)ch}, want[16];
		const char *s = ch == '\b'   ? "\\b"
				: ch == '\f' ? "\\f"
				: ch == '\n' ? "\\n"
				: ch == '\r' ? "\\r"
				: ch == '\t' ? "\\t"
					     : NULL;
		if (s)
			snprintf(want, sizeof(want), "\"%s\"", s);
		else
			snprintf(want, sizeof(want), "\"\\u%04x\"", ch);
		expect_json(fq_v_textn(in, 1), want);
	}
}

static void utf8(void **state)
{
	(void)state;
	expect_json(fq_v_text("caf\xc3\xa9 \xe6\xbc\xa2 \xf0\x9f\x98\x80"),
		    "\"caf\xc3\xa9 \xe6\xbc\xa2 \xf0\x9f\x98\x80\"");
	expect_json(fq_v_text("x\xff\xfey"), "\"x\xef\xbf\xbd\xef\xbf\xbdy\"");
	expect_json(fq_v_text("\xc3"), "\"\xef\xbf\xbd\"");
	expect_json(fq_v_text("\xf5\x80\x80\x80"),
		    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

static void numbers_and_literals(void **state)
{
	(void)state;
	expect_json(fq_v_uint(UINT64_MAX), "18446744073709551615");
	expect_json(fq_v_int(INT64_MIN), "-9223372036854775808");
	expect_json(fq_v_null(), "null");
	expect_json(fq_v_bool(true), "true");
	expect_json(fq_v_bool(false), "false");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes),
		cmocka_unit_test(every_control_character),
		cmocka_unit_test(utf8),
		cmocka_unit_test(numbers_and_literals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
