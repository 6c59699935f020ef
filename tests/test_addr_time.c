/* SPDX-License-Identifier: Apache-2.0 */
/* Address mapping, RFC 5952 text, CIDR ranges, RFC 3339 times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fa_addr.h"
#include "fa_time.h"

#include <arpa/inet.h>
#include <string.h>

static const char *v6_text(const char *in, char *out)
{
	uint8_t b[16];
	struct fa_addr a;
	assert_int_equal(inet_pton(AF_INET6, in, b), 1);
	fa_addr_from_v6_bytes(b, &a);
	return fa_addr_format(&a, 6, out, FA_ADDR_TEXT_MAX);
}

static void test_rfc5952_text(void **state)
{
	(void)state;
	char out[FA_ADDR_TEXT_MAX];
	assert_string_equal(v6_text("2001:0DB8:0000:0000:0000:0000:0000:0001", out), "2001:db8::1");
	/* A single zero group is not shortened (RFC 5952 4.2.2). */
	assert_string_equal(v6_text("2001:db8:0:1:1:1:1:1", out), "2001:db8:0:1:1:1:1:1");
	/* The longest run is shortened; the first of equal runs (4.2.3). */
	assert_string_equal(v6_text("2001:0:0:1:0:0:0:1", out), "2001:0:0:1::1");
	assert_string_equal(v6_text("2001:db8:0:0:1:0:0:1", out), "2001:db8::1:0:0:1");
	assert_string_equal(v6_text("::", out), "::");
	assert_string_equal(v6_text("fe80::1", out), "fe80::1");
}

static void test_v4_mapping(void **state)
{
	(void)state;
	struct fa_addr a;
	char out[FA_ADDR_TEXT_MAX];
	fa_addr_from_v4_host(0x0A000001, &a);
	assert_true(fa_addr_is_v4(&a));
	assert_int_equal(a.b[10], 0xff);
	assert_int_equal(a.b[12], 10);
	assert_int_equal(a.b[15], 1);
	assert_string_equal(fa_addr_format(&a, 4, out, sizeof(out)), "10.0.0.1");
	assert_null(fa_addr_format(&a, 4, out, 4));
}

/* Dotted decimal as inet_ntop writes it, for every octet value in every position. */
static void test_v4_text_matches_inet_ntop(void **state)
{
	(void)state;
	for (unsigned pos = 0; pos < 4; pos++) {
		for (unsigned v = 0; v < 256; v++) {
			uint8_t b[4] = {192, 0, 2, 1};
			b[pos] = (uint8_t)v;
			struct fa_addr a;
			char got[FA_ADDR_TEXT_MAX], want[INET_ADDRSTRLEN];
			fa_addr_from_v4_bytes(b, &a);
			assert_non_null(inet_ntop(AF_INET, b, want, sizeof(want)));
			assert_string_equal(fa_addr_format(&a, 4, got, sizeof(got)), want);
			/* a buffer one byte short of the text and its NUL is refused */
			assert_null(fa_addr_format(&a, 4, got, strlen(want)));
		}
	}
}

/* The cached formatter gives what the plain one gives, whatever the order of the times. */
/*
 * IPv6 text as inet_ntop writes it: every pattern of zero and non-zero groups
 * (which decides the "::" run and the dotted tails), with group values of
 * every hex width, and the buffer-size edges.
 */
static void test_v6_text_matches_inet_ntop(void **state)
{
	(void)state;
	static const unsigned values[] = {1, 0xa, 0xab, 0xabc, 0xffff, 0x102};
	uint32_t rng = 99;
	for (unsigned mask = 0; mask < 256; mask++) {
		for (int pass = 0; pass < 12; pass++) {
			uint8_t b[16] = {0};
			for (int i = 0; i < 8; i++) {
				rng = rng * 1664525u + 1013904223u;
				unsigned w = (mask >> i) & 1 ? values[(rng >> 16) % 6] : 0;
				if (pass == 11 && i == 5 && (mask & 0x1f) == 0)
					w = 0xffff; /* ::ffff:a.b.c.d, and its near misses */
				b[2 * i] = (uint8_t)(w >> 8);
				b[2 * i + 1] = (uint8_t)w;
			}
			struct fa_addr a;
			char got[FA_ADDR_TEXT_MAX], want[INET6_ADDRSTRLEN];
			fa_addr_from_v6_bytes(b, &a);
			assert_non_null(inet_ntop(AF_INET6, b, want, sizeof(want)));
			assert_string_equal(fa_addr_format(&a, 6, got, sizeof(got)), want);
			assert_null(fa_addr_format(&a, 6, got, strlen(want)));
			assert_non_null(fa_addr_format(&a, 6, got, strlen(want) + 1));
		}
	}
}

static void test_rfc3339_cached_matches_plain(void **state)
{
	(void)state;
	const int64_t s = 1000000000LL;
	const int64_t times[] = {1764565162LL * s + 123456789,
				 1764565162LL * s + 5,
				 1764565162LL * s + 999999999,
				 1764565163LL * s,
				 1764565162LL * s + 1,
				 0,
				 -1,
				 -s,
				 -s - 1,
				 INT64_MAX - 1,
				 INT64_MAX,
				 INT64_MIN,
				 INT64_MIN + 1,
				 -5000000000LL * s + 3,
				 -5000000000LL * s + 4,
				 -5000000001LL * s,
				 1764565163LL * s + 42,
				 1764565163LL * s + 41};
	struct fa_rfc3339_cache c;
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		char want[64];
		const char *w = fa_time_format_rfc3339(times[i], want, FA_RFC3339_LEN);
		const char *got = fa_time_format_rfc3339_cached(&c, times[i]);
		if (!w)
			assert_null(got);
		else
			assert_string_equal(got, w);
	}
}

static void test_cidr_ranges(void **state)
{
	(void)state;
	struct fa_addr lo, hi, a;
	char err[160];
	assert_int_equal(fa_cidr_parse("10.0.0.0/8", &lo, &hi, err, sizeof(err)), 0);
	fa_addr_from_v4_host(0x0A000000, &a);
	assert_memory_equal(lo.b, a.b, 16);
	fa_addr_from_v4_host(0x0AFFFFFF, &a);
	assert_memory_equal(hi.b, a.b, 16);
	/* Host bits in the text are masked off. */
	assert_int_equal(fa_cidr_parse("192.0.2.77/24", &lo, &hi, err, sizeof(err)), 0);
	fa_addr_from_v4_host(0xC0000200, &a);
	assert_memory_equal(lo.b, a.b, 16);
	/* A bare address is a /32 (or /128). */
	assert_int_equal(fa_cidr_parse("192.0.2.5", &lo, &hi, err, sizeof(err)), 0);
	assert_memory_equal(lo.b, hi.b, 16);
	/* IPv4 /0 covers every mapped address and nothing of IPv6. */
	assert_int_equal(fa_cidr_parse("0.0.0.0/0", &lo, &hi, err, sizeof(err)), 0);
	assert_int_equal(lo.b[10], 0xff);
	assert_int_equal(hi.b[15], 0xff);
	assert_int_equal(fa_cidr_parse("2001:db8::/32", &lo, &hi, err, sizeof(err)), 0);
	assert_int_equal(lo.b[0], 0x20);
	assert_int_equal(lo.b[4], 0);
	assert_int_equal(hi.b[4], 0xff);
	assert_int_equal(hi.b[15], 0xff);
	assert_int_equal(hi.b[3], 0xb8);
	assert_int_equal(fa_cidr_parse("2001:db8::1/127", &lo, &hi, err, sizeof(err)), 0);
	assert_int_equal(lo.b[15], 0);
	assert_int_equal(hi.b[15], 1);
}

static void test_cidr_errors_name_the_problem(void **state)
{
	(void)state;
	struct fa_addr lo, hi;
	char err[160];
	const char *bad[] = {"",	 "/8",	       "10.0.0.0/33",  "10.0.0.0/",
			     "10.0.0/8", "::/129",     "2001:db8::/x", "10.0.0.0/8x",
			     "hello",	 "1.2.3.4/-1", "' OR 1=1 --"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (fa_cidr_parse(bad[i], &lo, &hi, err, sizeof(err)) == 0)
			fail_msg("'%s' accepted as a CIDR", bad[i]);
		assert_true(strlen(err) > 0);
	}
	fa_cidr_parse("10.0.0.0/33", &lo, &hi, err, sizeof(err));
	assert_non_null(strstr(err, "prefix length"));
}

static void test_rfc3339_format(void **state)
{
	(void)state;
	char buf[FA_RFC3339_LEN];
	assert_string_equal(fa_time_format_rfc3339(0, buf, sizeof(buf)),
			    "1970-01-01T00:00:00.000000000Z");
	assert_string_equal(fa_time_format_rfc3339(1778068800000000001LL, buf, sizeof(buf)),
			    "2026-05-06T12:00:00.000000001Z");
	assert_string_equal(fa_time_format_rfc3339(-1, buf, sizeof(buf)),
			    "1969-12-31T23:59:59.999999999Z");
}

static void test_rfc3339_parse(void **state)
{
	(void)state;
	int64_t ns;
	char err[200];
	assert_int_equal(fa_time_parse("2026-05-06T12:00:00Z", 0, &ns, err, sizeof(err)), 0);
	assert_int_equal(ns, 1778068800000000000LL);
	assert_int_equal(fa_time_parse("2026-05-06T12:00:00.5Z", 0, &ns, err, sizeof(err)), 0);
	assert_int_equal(ns, 1778068800500000000LL);
	assert_int_equal(fa_time_parse("2026-05-06T14:00:00+02:00", 0, &ns, err, sizeof(err)), 0);
	assert_int_equal(ns, 1778068800000000000LL);
	assert_int_equal(fa_time_parse("15m", 1000000000000LL, &ns, err, sizeof(err)), 0);
	assert_int_equal(ns, 1000000000000LL - 900000000000LL);
	assert_int_equal(fa_time_parse("2h", 0, &ns, err, sizeof(err)), 0);
	assert_int_equal(ns, -7200000000000LL);
	assert_int_equal(fa_time_parse("500ms", 0, &ns, err, sizeof(err)), 0);
	assert_int_equal(ns, -500000000LL);
	const char *bad[] = {"",
			     "yesterday",
			     "2026-13-01T00:00:00Z",
			     "2026-02-30T00:00:00Z",
			     "15",
			     "15x",
			     "2026-05-06",
			     "2026-05-06T12:00:00",
			     "-5m",
			     "99999999999999999999d"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (fa_time_parse(bad[i], 0, &ns, err, sizeof(err)) == 0)
			fail_msg("'%s' accepted as a time", bad[i]);
	assert_non_null(strstr(err, "RFC 3339"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5952_text),
		cmocka_unit_test(test_v4_mapping),
		cmocka_unit_test(test_v4_text_matches_inet_ntop),
		cmocka_unit_test(test_v6_text_matches_inet_ntop),
		cmocka_unit_test(test_rfc3339_cached_matches_plain),
		cmocka_unit_test(test_cidr_ranges),
		cmocka_unit_test(test_cidr_errors_name_the_problem),
		cmocka_unit_test(test_rfc3339_format),
		cmocka_unit_test(test_rfc3339_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
