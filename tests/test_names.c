/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names and texts: the seed's env-flag tests (default off, exactly "1", truthy
 * look-alikes rejected) and its error-display tests, plus the name tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conn_record_v2.h"
#include "fa_names.h"
#include "monitor_error.h"

#include <stdlib.h>
#include <string.h>

static char *saved_env;

static int save_env(void **state)
{
	(void)state;
	const char *v = getenv(FA_PER_FLOW_EBPF_ENV);
	saved_env = v ? strdup(v) : NULL;
	return 0;
}

static int restore_env(void **state)
{
	(void)state;
	if (saved_env)
		setenv(FA_PER_FLOW_EBPF_ENV, saved_env, 1);
	else
		unsetenv(FA_PER_FLOW_EBPF_ENV);
	free(saved_env);
	saved_env = NULL;
	return 0;
}

static void test_env_flag_default_off(void **state)
{
	(void)state;
	unsetenv(FA_PER_FLOW_EBPF_ENV);
	assert_false(fa_env_flag_enabled(getenv(FA_PER_FLOW_EBPF_ENV)));
}

static void test_env_flag_recognises_one(void **state)
{
	(void)state;
	setenv(FA_PER_FLOW_EBPF_ENV, "1", 1);
	assert_true(fa_env_flag_enabled(getenv(FA_PER_FLOW_EBPF_ENV)));
}

static void test_env_flag_rejects_truthy_lookalikes(void **state)
{
	(void)state;
	const char *bad[] = {"true", "yes", "on", "TRUE", "0", "", "2", " 1", "1 ", "01"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv(FA_PER_FLOW_EBPF_ENV, bad[i], 1);
		if (fa_env_flag_enabled(getenv(FA_PER_FLOW_EBPF_ENV)))
			fail_msg("value \"%s\" must not enable per-flow eBPF", bad[i]);
	}
}

static void test_error_display_strings_are_useful(void **state)
{
	(void)state;
	char buf[256];
	assert_non_null(strstr(monitor_error_unsupported(buf, sizeof(buf), "macos"), "Linux-only"));
	assert_non_null(strstr(buf, "macos"));
	assert_non_null(
		strstr(monitor_error_feature_disabled(buf, sizeof(buf)), "FLOWAUDIT_WITH_BPF"));
	assert_non_null(
		strstr(monitor_error_object_missing(buf, sizeof(buf), "/tmp/x.o"), "/tmp/x.o"));
	assert_string_equal(buf, "eBPF object file missing at /tmp/x.o");
	monitor_error_attach_failed(buf, sizeof(buf), "tap0", "ENODEV");
	assert_non_null(strstr(buf, "tap0"));
	assert_non_null(strstr(buf, "ENODEV"));
	assert_non_null(
		strstr(monitor_error_setns(buf, sizeof(buf), "EPERM"), "setns(CLONE_NEWNET)"));
	assert_non_null(
		strstr(monitor_error_load_failed(buf, sizeof(buf), "bad insn"), "bad insn"));
	assert_non_null(strstr(monitor_error_ringbuf_open_failed(buf, sizeof(buf), "no map"),
			       "ring-buffer"));
}

static void test_protocol_names(void **state)
{
	(void)state;
	assert_string_equal(fa_protocol_name(6), "tcp");
	assert_string_equal(fa_protocol_name(17), "udp");
	assert_string_equal(fa_protocol_name(1), "icmp");
	assert_string_equal(fa_protocol_name(58), "icmpv6");
	assert_null(fa_protocol_name(0));
	assert_null(fa_protocol_name(99));
	assert_int_equal(fa_protocol_parse("tcp"), 6);
	assert_int_equal(fa_protocol_parse("icmpv6"), 58);
	assert_int_equal(fa_protocol_parse("47"), 47);
	assert_int_equal(fa_protocol_parse("256"), -1);
	assert_int_equal(fa_protocol_parse("TCP"), -1);
	assert_int_equal(fa_protocol_parse("6x"), -1);
	assert_int_equal(fa_protocol_parse(""), -1);
}

static void test_close_reason_and_direction_names(void **state)
{
	(void)state;
	assert_null(fa_close_reason_name(CONN_CLOSE_NONE));
	assert_string_equal(fa_close_reason_name(CONN_CLOSE_TCP_FIN), "tcp_fin");
	assert_string_equal(fa_close_reason_name(CONN_CLOSE_TCP_RST), "tcp_rst");
	assert_string_equal(fa_close_reason_name(CONN_CLOSE_IDLE), "idle");
	assert_string_equal(fa_close_reason_name(CONN_CLOSE_RUN_END), "run_end");
	assert_string_equal(fa_close_reason_name(CONN_CLOSE_EVICTED), "evicted");
	assert_null(fa_close_reason_name(CONN_CLOSE_REASON_COUNT));
	assert_string_equal(fa_direction_name(CONN_DIR_EGRESS), "egress");
	assert_string_equal(fa_direction_name(CONN_DIR_INGRESS), "ingress");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_env_flag_default_off, save_env, restore_env),
		cmocka_unit_test_setup_teardown(test_env_flag_recognises_one, save_env,
						restore_env),
		cmocka_unit_test_setup_teardown(test_env_flag_rejects_truthy_lookalikes, save_env,
						restore_env),
		cmocka_unit_test(test_error_display_strings_are_useful),
		cmocka_unit_test(test_protocol_names),
		cmocka_unit_test(test_close_reason_and_direction_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
