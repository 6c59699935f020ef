/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tee header frame (bpf/replay_frame.h): its bytes are the documented
 * little-endian layout on any host, a decode gives back what was encoded,
 * and a header of another length, version or with an unclean host is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tee_header.h"

#include <errno.h>
#include <string.h>

static struct run_clock sample(void)
{
	struct run_clock c;
	memset(&c, 0, sizeof(c));
	c.mono_offset_ns = 0x0102030405060708LL;
	c.boot_offset_ns = -2;
	for (int i = 0; i < 16; i++)
		c.boot_id[i] = (uint8_t)(0xa0 + i);
	strcpy(c.host, "cell-host.example");
	return c;
}

static void test_bytes_follow_the_documented_layout(void **state)
{
	(void)state;
	struct run_clock c = sample();
	uint8_t b[REPLAY_TEE_HEADER_SIZE];
	tee_header_encode(&c, b);
	static const uint8_t head[24] = {1,    0,    0,	   0,	 0,    0,    0,	   0,
					 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
					 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_memory_equal(b, head, sizeof(head));
	assert_memory_equal(b + 24, c.boot_id, 16);
	assert_string_equal((const char *)b + 40, "cell-host.example");
	for (size_t i = 40 + strlen(c.host); i < sizeof(b); i++)
		assert_int_equal(b[i], 0);
	char text[TEE_BOOT_ID_TEXT_LEN];
	assert_string_equal(run_clock_boot_id_text(&c, text),
			    "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf");
}

static void test_round_trip_and_a_full_length_host(void **state)
{
	(void)state;
	struct run_clock c = sample(), d;
	memset(c.host, 'h', REPLAY_TEE_HOST_LEN); /* 64 bytes: no NUL in the frame */
	c.host[REPLAY_TEE_HOST_LEN] = '\0';
	uint8_t b[REPLAY_TEE_HEADER_SIZE];
	char why[160];
	tee_header_encode(&c, b);
	assert_int_equal(tee_header_decode(b, sizeof(b), &d, why, sizeof(why)), 0);
	assert_int_equal(d.mono_offset_ns, c.mono_offset_ns);
	assert_int_equal(d.boot_offset_ns, c.boot_offset_ns);
	assert_memory_equal(d.boot_id, c.boot_id, 16);
	assert_string_equal(d.host, c.host);
}

static void test_bad_headers_are_refused(void **state)
{
	(void)state;
	struct run_clock c = sample(), d;
	uint8_t b[REPLAY_TEE_HEADER_SIZE + 1];
	char why[160];
	tee_header_encode(&c, b);
	assert_int_equal(tee_header_decode(b, REPLAY_TEE_HEADER_SIZE + 1, &d, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "tee header is 105 bytes, expected exactly 104");
	b[0] = 2;
	assert_int_equal(tee_header_decode(b, REPLAY_TEE_HEADER_SIZE, &d, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "tee header version 2 is not 1, the one this build reads");
	b[0] = 1;
	b[40] = '\n';
	assert_int_equal(tee_header_decode(b, REPLAY_TEE_HEADER_SIZE, &d, why, sizeof(why)),
			 -EINVAL);
	b[40] = 'c';
	b[1] = 0; /* reserved bytes are ignored */
	b[5] = 0x55;
	assert_int_equal(tee_header_decode(b, REPLAY_TEE_HEADER_SIZE, &d, why, sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_follow_the_documented_layout),
		cmocka_unit_test(test_round_trip_and_a_full_length_host),
		cmocka_unit_test(test_bad_headers_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
