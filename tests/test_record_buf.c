/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The raw-record backlog: records keep their bytes across growth, and
 * dropping processed records from the front keeps the rest intact (the main
 * loop compacts its backlog this way between commits during a burst).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "record_buf.h"

#include <string.h>

static void push_numbered(struct record_buf *b, uint32_t first, uint32_t n)
{
	for (uint32_t i = first; i < first + n; i++) {
		uint8_t payload[64];
		uint32_t len = 1 + i % 63; /* varying lengths */
		memset(payload, (int)(i & 0xff), len);
		assert_int_equal(record_buf_push(b, i, payload, len), 0);
	}
}

static void check_numbered(const struct record_buf *b, uint32_t first)
{
	for (size_t k = 0; k < b->count; k++) {
		uint32_t i = first + (uint32_t)k;
		assert_int_equal(b->recs[k].kind, i);
		assert_int_equal(b->recs[k].len, 1 + i % 63);
		const uint8_t *p = record_buf_data(b, k);
		for (uint32_t j = 0; j < b->recs[k].len; j++)
			assert_int_equal(p[j], i & 0xff);
	}
}

static void test_grows_and_keeps_bytes(void **state)
{
	(void)state;
	struct record_buf b = {0};
	push_numbered(&b, 0, 10000);
	assert_int_equal(b.count, 10000);
	check_numbered(&b, 0);
	record_buf_clear(&b);
	assert_int_equal(b.count, 0);
	assert_int_equal(b.used, 0);
	record_buf_free(&b);
}

static void test_drop_front_keeps_the_rest(void **state)
{
	(void)state;
	struct record_buf b = {0};
	push_numbered(&b, 0, 1000);
	record_buf_drop_front(&b, 600);
	assert_int_equal(b.count, 400);
	check_numbered(&b, 600);
	/* Appending after a compaction continues where the records left off. */
	push_numbered(&b, 1000, 500);
	assert_int_equal(b.count, 900);
	check_numbered(&b, 600);
	record_buf_drop_front(&b, 0);
	assert_int_equal(b.count, 900);
	record_buf_drop_front(&b, 900);
	assert_int_equal(b.count, 0);
	assert_int_equal(b.used, 0);
	record_buf_drop_front(&b, 5); /* more than there are: empty, no harm */
	assert_int_equal(b.count, 0);
	record_buf_free(&b);
}

static void test_empty_payload(void **state)
{
	(void)state;
	struct record_buf b = {0};
	assert_int_equal(record_buf_push(&b, 7, NULL, 0), 0);
	assert_int_equal(b.count, 1);
	assert_int_equal(b.recs[0].len, 0);
	assert_non_null(record_buf_data(&b, 0));
	record_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grows_and_keeps_bytes),
		cmocka_unit_test(test_drop_front_keeps_the_rest),
		cmocka_unit_test(test_empty_payload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
