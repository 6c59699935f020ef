/* SPDX-License-Identifier: Apache-2.0 */
/* flowrec options: defaults, each bad value named with its accepted form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fa_exit.h"
#include "recorder_options.h"

#include <string.h>

static int parse(struct recorder_options *o, char *err, size_t errlen, int n, ...)
{
	char *argv[32];
	va_list ap;
	va_start(ap, n);
	argv[0] = (char *)"flowrec";
	for (int i = 0; i < n; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	err[0] = '\0';
	return recorder_options_parse(n + 1, argv, o, err, errlen);
}

static void test_defaults(void **state)
{
	(void)state;
	struct recorder_options o;
	char err[256];
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a.db", "--cell", "c", "--run", "r",
			       "--replay", "-"),
			 OPTIONS_OK);
	assert_int_equal(o.batch_events, 4096);
	assert_int_equal(o.batch_ms, 200);
	assert_false(o.durability_full);
	assert_int_equal(o.tcp_idle_s, 7440); /* RFC 5382: 2 h 4 min */
	assert_int_equal(o.udp_idle_s, 60);
	assert_int_equal(o.nflog_group, -1);
	assert_false(o.iface_side_host);
	assert_string_equal(o.replay, "-");
}

static void test_bad_values_are_named(void **state)
{
	(void)state;
	struct recorder_options o;
	char err[256];
#define BASE "--db", "a.db", "--cell", "c", "--run", "r", "--replay", "x"
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--batch-events", "0"),
			 -FA_EXIT_USAGE);
	assert_non_null(strstr(err, "--batch-events: '0' is not a whole number from 1"));
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--batch-ms", "12x"),
			 -FA_EXIT_USAGE);
	assert_non_null(strstr(err, "--batch-ms"));
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--durability", "always"),
			 -FA_EXIT_USAGE);
	assert_non_null(strstr(err, "normal or full"));
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--iface-side", "left"),
			 -FA_EXIT_USAGE);
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--ringbuf-bytes", "5000"),
			 -FA_EXIT_USAGE);
	assert_non_null(strstr(err, "power of two"));
	assert_int_equal(parse(&o, err, sizeof(err), 9, BASE, "--bogus"), -FA_EXIT_USAGE);
	assert_non_null(strstr(err, "unknown option '--bogus'"));
	assert_int_equal(parse(&o, err, sizeof(err), 9, BASE, "stray"), -FA_EXIT_USAGE);
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--source", "ebpf"), -FA_EXIT_USAGE);
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--iface", "eth0"), -FA_EXIT_USAGE);
	assert_non_null(strstr(err, "choose one source"));
	assert_int_equal(parse(&o, err, sizeof(err), 10, BASE, "--flow-rate", "5"), -FA_EXIT_USAGE);
	assert_non_null(strstr(err, "--flow-rate: '5' is not a whole number from 10"));
	assert_int_equal(parse(&o, err, sizeof(err), 9, BASE, "--fail-closed"), -FA_EXIT_USAGE);
	assert_non_null(strstr(err, "--fail-closed needs --iface"));
	assert_int_equal(
		parse(&o, err, sizeof(err), 10, BASE, "--batch-events", "99999999999999999999"),
		-FA_EXIT_USAGE);
#undef BASE
}

static void test_required_options(void **state)
{
	(void)state;
	struct recorder_options o;
	char err[256];
	assert_int_equal(parse(&o, err, sizeof(err), 4, "--cell", "c", "--run", "r"),
			 -FA_EXIT_USAGE);
	assert_non_null(strstr(err, "--db"));
	assert_int_equal(parse(&o, err, sizeof(err), 6, "--db", "a", "--cell", "c", "--run", "r"),
			 -FA_EXIT_USAGE);
	assert_non_null(strstr(err, "missing a source"));
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a", "--cell", "", "--run", "r",
			       "--source", "noop"),
			 -FA_EXIT_USAGE);
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a", "--cell", "c", "--run", "r",
			       "--bpf-object", "x.o"),
			 -FA_EXIT_USAGE);
	/* ebpf and nflog together are one run. */
	assert_int_equal(parse(&o, err, sizeof(err), 10, "--db", "a", "--cell", "c", "--run", "r",
			       "--iface", "veth0", "--nflog-group", "5"),
			 OPTIONS_OK);
	assert_int_equal(o.nflog_group, 5);
	assert_false(o.fail_closed);
	assert_int_equal(o.flow_rate, 0); /* the program's default */
	assert_int_equal(parse(&o, err, sizeof(err), 11, "--db", "a", "--cell", "c", "--run", "r",
			       "--iface", "veth0", "--fail-closed", "--flow-rate", "20000"),
			 OPTIONS_OK);
	assert_true(o.fail_closed);
	assert_int_equal(o.flow_rate, 20000);
	/* an external v1 object has no budgets and drops nothing */
	assert_int_equal(parse(&o, err, sizeof(err), 11, "--db", "a", "--cell", "c", "--run", "r",
			       "--iface", "veth0", "--bpf-object", "x.o", "--fail-closed"),
			 -FA_EXIT_USAGE);
}

/* Ids and stamps must be valid UTF-8 without control characters: exit 2, escaped in the message. */
static void test_ids_must_be_clean_utf8(void **state)
{
	(void)state;
	struct recorder_options o;
	char err[256];
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a", "--cell", "c\xff", "--run",
			       "r", "--source", "noop"),
			 -FA_EXIT_USAGE);
	assert_non_null(strstr(err, "--cell: value must be valid UTF-8"));
	assert_non_null(strstr(err, "c\\xff"));
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a", "--cell", "c", "--run", "r\n1",
			       "--source", "noop"),
			 -FA_EXIT_USAGE);
	assert_non_null(strstr(err, "--run"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(parse(&o, err, sizeof(err), 10, "--db", "a", "--cell", "c", "--run", "r",
			       "--source", "noop", "--correlation-id", "x\x1b[2J"),
			 -FA_EXIT_USAGE);
	/* ':' and '%' are fine: decision_id encodes them. */
	assert_int_equal(parse(&o, err, sizeof(err), 8, "--db", "a", "--cell", "a:b", "--run",
			       "50%\xc3\xa9", "--source", "noop"),
			 OPTIONS_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_values_are_named),
		cmocka_unit_test(test_required_options),
		cmocka_unit_test(test_ids_must_be_clean_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
