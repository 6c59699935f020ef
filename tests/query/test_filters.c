/* SPDX-License-Identifier: Apache-2.0 */
/* Filter values: accepted forms, and one-line errors naming the option. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "filters.h"

#include <errno.h>
#include <string.h>

#define NOW (1778068800LL * 1000000000LL)

static void good_values(void **state)
{
	(void)state;
	struct fq_filters f = {0};
	char err[512];
	assert_int_equal(fq_filter_set(&f, "--port", "443", NOW, err, sizeof(err)), 0);
	assert_int_equal(f.port, 443);
	assert_int_equal(fq_filter_set(&f, "--proto", "udp", NOW, err, sizeof(err)), 0);
	assert_int_equal(f.proto, 17);
	assert_int_equal(fq_filter_set(&f, "--proto", "47", NOW, err, sizeof(err)), 0);
	assert_int_equal(f.proto, 47);
	assert_int_equal(fq_filter_set(&f, "--since", "15m", NOW, err, sizeof(err)), 0);
	assert_true(f.since == NOW - 15LL * 60 * 1000000000LL);
	assert_int_equal(
		fq_filter_set(&f, "--until", "2026-05-06T12:00:01Z", NOW, err, sizeof(err)), 0);
	assert_true(f.until == NOW + 1000000000LL);
	assert_int_equal(fq_filter_set(&f, "--dst", "10.0.0.0/8", NOW, err, sizeof(err)), 0);
	assert_int_equal(f.dst_lo.b[10], 0xff);
	assert_int_equal(f.dst_lo.b[12], 10);
	assert_int_equal(f.dst_hi.b[15], 0xff);
	assert_int_equal(fq_filter_set(&f, "--decision", "deny", NOW, err, sizeof(err)), 0);
	assert_int_equal(fq_filter_set(&f, "--direction", "ingress", NOW, err, sizeof(err)), 0);
	assert_int_equal(fq_filter_set(&f, "--limit", "0", NOW, err, sizeof(err)), 0);
	assert_int_equal(fq_filter_set(&f, "--cell", "'; DROP TABLE x; --", NOW, err, sizeof(err)),
			 0);
	assert_int_equal(f.set, FQ_F_PORT | FQ_F_PROTO | FQ_F_SINCE | FQ_F_UNTIL | FQ_F_DST |
					FQ_F_DECISION | FQ_F_DIRECTION | FQ_F_LIMIT | FQ_F_CELL);
}

static void expect_bad(const char *option, const char *value, const char *form)
{
	struct fq_filters f = {0};
	char err[512] = "";
	assert_int_equal(fq_filter_set(&f, option, value, NOW, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, option));
	assert_non_null(strstr(err, form));
	assert_null(strchr(err, '\n'));
	assert_int_equal(f.set, 0);
}

static void bad_values(void **state)
{
	(void)state;
	expect_bad("--port", "65536", "0-65535");
	expect_bad("--port", "-1", "0-65535");
	expect_bad("--port", "44x", "0-65535");
	expect_bad("--port", "", "0-65535");
	expect_bad("--proto", "sctpx", "tcp, udp");
	expect_bad("--proto", "256", "0-255");
	expect_bad("--since", "yesterday", "RFC 3339");
	expect_bad("--until", "2026-02-30T00:00:00Z", "RFC 3339");
	expect_bad("--dst", "10.0.0.0/33", "CIDR");
	expect_bad("--dst", "'; DROP TABLE flow_events; --", "CIDR");
	expect_bad("--decision", "maybe", "allow or deny");
	expect_bad("--direction", "up", "egress or ingress");
	expect_bad("--limit", "-5", "whole number");
	expect_bad("--limit", "99999999999999999999999", "whole number");
	expect_bad("--cell", "", "non-empty");
	/* A huge value is clipped in the message, which stays one line. */
	char big[5000];
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_bad("--port", big, "0-65535");
	char ctl[] = "1\n2";
	expect_bad("--port", ctl, "0-65535");
}

static void unknown_option(void **state)
{
	(void)state;
	struct fq_filters f = {0};
	char err[64];
	assert_int_equal(fq_filter_set(&f, "--nope", "1", NOW, err, sizeof(err)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_values),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(unknown_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
